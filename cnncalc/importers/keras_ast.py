"""Read a Keras model out of Python source, statically, and write it as a cnncalc spec.

The file is parsed with ``ast`` and walked by a small interpreter that understands only
what model code needs: literals, arithmetic on numbers, module-level constants, lists,
``for`` loops over literal ranges, ``if`` on known values, calls of functions defined in the
file, and Keras' three ways of writing a model (``Sequential([...])``, ``model.add(...)``,
and the functional API ``x = layers.Conv2D(...)(x)`` ... ``keras.Model(inputs, outputs)``).
Nothing is executed and neither TensorFlow nor Keras is imported, so a student's notebook
export is safe to read. Whatever the interpreter cannot know (a value read from a file, a
data set, an ``if`` on something unknown) becomes an ``Unknown`` value that is harmless
until the model needs it; then it is one error naming the line of the Python source.

Layers get Keras' own auto-names (``conv2d``, ``conv2d_1``, ``max_pooling2d``), so that the
spec's rows and ``cnncalc analyze --style keras`` line up with ``model.summary()``.
Choosing the model and laying out its graph is ``keras_model``'s job.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass
from typing import Any

from ..errors import CnnCalcError, SourcePos
from ..keras_names import snake_case
from .keras_layers import LAYERS, MERGE_FUNCTIONS, helper_class

MAX_BYTES = 2_000_000
MAX_STEPS = 200_000
"""Statements and loop iterations the interpreter runs before it gives up (a loop bomb)."""
MAX_NODES = 100_000
MAX_CALL_DEPTH = 32
MAX_INT = 10 ** 15
"""Numbers past this are not layer sizes; arithmetic that makes them gives up (no huge
integers built from ``10 ** 10 ** 10``)."""

MODEL_CLASSES = ("Sequential", "Model", "Functional")
IGNORED_METHODS = ("compile", "fit", "summary", "evaluate", "predict", "save", "load_weights",
                   "save_weights", "plot_model", "count_params", "get_config", "to_json")


class KerasImportError(CnnCalcError):
    """The Python source cannot be read as a Keras model (one line, exit 2)."""


# -- values the interpreter knows -----------------------------------------------------------
@dataclass
class Unknown:
    """A value that cannot be known without running the code; ``why`` says why, ``node``
    where it came from."""

    node: ast.AST
    why: str


@dataclass
class Module:
    """A name from an import (``keras``, ``layers``, ``tf.keras.layers.Conv2D``)."""

    path: str

    @property
    def last(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass
class Layer:
    """A Keras layer object: its class, written arguments (values may be ``Unknown``), and the
    name Keras gives it."""

    cls: str
    args: dict[str, Any]
    name: str
    node: ast.AST
    applied: bool = False


@dataclass
class Tensor:
    """A symbolic Keras tensor: the output of graph node ``index``."""

    index: int


@dataclass
class SequentialModel:
    name: str
    items: list[Any]
    node: ast.AST
    build_shape: Any = None
    poisoned: Unknown | None = None
    used_inside: bool = False


@dataclass
class FunctionalModel:
    name: str
    inputs: list[Tensor]
    outputs: list[Tensor]
    node: ast.AST
    used_inside: bool = False


@dataclass
class Function:
    node: ast.FunctionDef
    env: Env
    defaults: list[Any]
    kw_defaults: list[Any]


@dataclass
class GraphNode:
    """One applied layer: a row (or, for an activation argument, two rows) of the spec."""

    index: int
    layer: Layer
    inputs: list[int]
    group: str | None = None
    group_node: ast.AST | None = None


class Env:
    """A scope of names: the module's, or one function call's (reads fall through to the
    module's)."""

    def __init__(self, parent: Env | None = None):
        self.values: dict[str, Any] = {}
        self.parent = parent

    def get(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            if name in env.values:
                return env.values[name]
            env = env.parent
        raise KeyError(name)


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


# -- the interpreter ------------------------------------------------------------------------
class Reader:
    """Walks a module's statements, building the Keras layer graph as calls are met."""

    def __init__(self, filename: str):
        self.filename = filename
        self.nodes: list[GraphNode] = []
        self.name_counts: dict[str, int] = {}
        self.models: list[SequentialModel | FunctionalModel] = []
        self.steps = 0
        self.depth = 0
        self.subclassed: ast.ClassDef | None = None
        self.group_stack: list[tuple[str, ast.AST]] = []

    # errors and names
    def error(self, node: ast.AST, message: str) -> KerasImportError:
        return KerasImportError(message, self.pos(node))

    def pos(self, node: ast.AST) -> SourcePos:
        return SourcePos(self.filename, getattr(node, "lineno", 1),
                         getattr(node, "col_offset", 0) + 1)

    def where(self, node: ast.AST) -> str:
        return f"line {getattr(node, 'lineno', 1)}"

    def auto_name(self, cls: str) -> str:
        """Keras' ``auto_name``: the class in snake case, numbered from the second one on."""
        stem = snake_case(cls)
        count = self.name_counts.get(stem, 0)
        self.name_counts[stem] = count + 1
        return stem if count == 0 else f"{stem}_{count}"

    def tick(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.error(node, f"the code runs more than {MAX_STEPS:,} steps; cnncalc "
                                   "reads model code, not long computations")

    def need(self, value: Any, node: ast.AST, what: str) -> Any:
        """``value`` where the model needs it: an Unknown here is the error."""
        if isinstance(value, Unknown):
            line = getattr(node, "lineno", None)
            use = "" if getattr(value.node, "lineno", None) == line else \
                f" (needed at {self.where(node)})"
            raise self.error(value.node, f"cannot read {what} without running the code: "
                                         f"{value.why}{use}")
        return value

    # statements
    def block(self, body: list[ast.stmt], env: Env) -> None:
        for stmt in body:
            self.statement(stmt, env)

    def statement(self, stmt: ast.stmt, env: Env) -> None:
        self.tick(stmt)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    env.values[alias.asname] = Module(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    env.values[top] = Module(top)
        elif isinstance(stmt, ast.ImportFrom):
            base = stmt.module or ""
            for alias in stmt.names:
                if alias.name != "*":
                    env.values[alias.asname or alias.name] = Module(f"{base}.{alias.name}")
        elif isinstance(stmt, ast.Assign):
            value = self.expr(stmt.value, env)
            for target in stmt.targets:
                self.assign(target, value, env, stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.expr(stmt.value, env), env, stmt)
        elif isinstance(stmt, ast.AugAssign):
            if isinstance(stmt.target, ast.Name):
                left = self.expr(stmt.target, env)
                right = self.expr(stmt.value, env)
                env.values[stmt.target.id] = self.binop(stmt.op, left, right, stmt)
        elif isinstance(stmt, ast.Expr):
            self.expr(stmt.value, env)
        elif isinstance(stmt, ast.FunctionDef):
            defaults = [self.expr(d, env) for d in stmt.args.defaults]
            kw = [None if d is None else self.expr(d, env) for d in stmt.args.kw_defaults]
            env.values[stmt.name] = Function(stmt, env, defaults, kw)
        elif isinstance(stmt, ast.ClassDef) and helper_class(stmt):
            env.values[stmt.name] = Module(stmt.name)  # a layer export --to keras defines
        elif isinstance(stmt, ast.ClassDef):
            bases = [ast.unparse(b) for b in stmt.bases]
            if any(b.split(".")[-1] in ("Model", "Layer") for b in bases):
                self.subclassed = self.subclassed or stmt
            env.values[stmt.name] = Unknown(stmt, f"'{stmt.name}' is a class written in the "
                                                  "file (subclassed models are not read)")
        elif isinstance(stmt, ast.Return):
            raise _Return(self.expr(stmt.value, env) if stmt.value else None)
        elif isinstance(stmt, ast.If):
            self.if_statement(stmt, env)
        elif isinstance(stmt, ast.For):
            self.for_statement(stmt, env)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:  # `with open(...) as f`: f is nothing cnncalc reads
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, Unknown(item.context_expr, "it is opened "
                                f"by a 'with' ({self.where(stmt)})"), env, stmt)
            self.block(stmt.body, env)  # `with strategy.scope():` builds the model inside
        elif isinstance(stmt, ast.Try):
            self.block(stmt.body, env)
            self.block(stmt.orelse, env)
            self.block(stmt.finalbody, env)
        elif isinstance(stmt, (ast.While, ast.AsyncFor, ast.AsyncFunctionDef, ast.Break,
                               ast.Continue, ast.Match)):
            self.poison(stmt, env, f"a '{type(stmt).__name__.lower()}' statement is not read")
        # pass, assert, raise, del, global, nonlocal: nothing to do for a model

    def assign(self, target: ast.expr, value: Any, env: Env, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            env.values[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (tuple, list)) and len(value) == len(target.elts) and not \
                    any(isinstance(t, ast.Starred) for t in target.elts):
                for t, v in zip(target.elts, value):
                    self.assign(t, v, env, stmt)
            else:
                why = value.why if isinstance(value, Unknown) else "it does not unpack here"
                for t in target.elts:
                    self.assign(t.value if isinstance(t, ast.Starred) else t,
                                Unknown(stmt, why), env, stmt)
        # attribute and subscript targets (self.x = ..., d[k] = ...) hold nothing we read

    def poison(self, stmt: ast.stmt, env: Env, why: str) -> None:
        """A statement whose effect cannot be known: every name it assigns, and every model
        it adds layers to, becomes Unknown (an error only if the model then needs it)."""
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                env.values[node.id] = Unknown(stmt, why)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name):
                try:
                    owner = env.get(node.func.value.id)
                except KeyError:
                    continue
                if isinstance(owner, SequentialModel) and owner.poisoned is None:
                    owner.poisoned = Unknown(stmt, why)

    def if_statement(self, stmt: ast.If, env: Env) -> None:
        test = self.expr(stmt.test, env)
        if isinstance(test, Unknown) or not isinstance(test, (bool, int, float, str, type(None),
                                                               tuple, list)):
            self.poison(stmt, env, "it is set under an 'if' whose condition is not known "
                                   f"({self.where(stmt)})")
            return
        self.block(stmt.body if test else stmt.orelse, env)

    def for_statement(self, stmt: ast.For, env: Env) -> None:
        items = self.expr(stmt.iter, env)
        if not isinstance(items, (list, tuple, range)):
            self.poison(stmt, env, f"it is set in a 'for' loop over something not known "
                                   f"({self.where(stmt)})")
            return
        for item in items:
            self.tick(stmt)
            self.assign(stmt.target, item, env, stmt)
            self.block(stmt.body, env)
        self.block(stmt.orelse, env)

    # expressions
    def expr(self, node: ast.expr, env: Env) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            try:
                return env.get(node.id)
            except KeyError:
                return Unknown(node, f"'{node.id}' is not defined in the file before this line")
        if isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return Unknown(node, "a starred list is not read")
            values = [self.expr(e, env) for e in node.elts]
            return tuple(values) if isinstance(node, ast.Tuple) else values
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                return Unknown(node, "a '**' in a dict is not read")
            out = {}
            for k, v in zip(node.keys, node.values):
                key = self.expr(k, env)
                try:
                    out[key] = self.expr(v, env)
                except TypeError:  # a key that is no plain value
                    return Unknown(node, "a dict with keys that are not plain values")
            return out
        if isinstance(node, ast.Attribute):
            return self.attribute(self.expr(node.value, env), node)
        if isinstance(node, ast.UnaryOp):
            value = self.expr(node.operand, env)
            if isinstance(node.op, ast.Not) and not isinstance(value, Unknown):
                return not value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if isinstance(node.op, ast.USub):
                    return -value
                if isinstance(node.op, ast.UAdd):
                    return value
            return Unknown(node, f"'{ast.unparse(node)}' is not a number the file gives")
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.expr(node.left, env), self.expr(node.right, env),
                              node)
        if isinstance(node, ast.BoolOp):
            values = [self.expr(v, env) for v in node.values]
            if any(isinstance(v, Unknown) for v in values):
                return next(v for v in values if isinstance(v, Unknown))
            result = values[0]
            for v in values[1:]:
                result = (result and v) if isinstance(node.op, ast.And) else (result or v)
            return result
        if isinstance(node, ast.Compare):
            return self.compare(node, env)
        if isinstance(node, ast.IfExp):
            test = self.expr(node.test, env)
            if isinstance(test, Unknown):
                return test
            return self.expr(node.body if test else node.orelse, env)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, env)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node, env)
        if isinstance(node, ast.Call):
            return self.call(node, env)
        return Unknown(node, f"'{_short(node)}' is not read")

    def binop(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        if isinstance(left, Tensor) and isinstance(right, Tensor) and \
                isinstance(op, (ast.Add, ast.Mult)):
            cls = "Add" if isinstance(op, ast.Add) else "Multiply"
            layer = Layer(cls, {}, self.auto_name(cls), node)
            return self.apply(layer, [left, right], node)
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for v in (left, right))
        if isinstance(op, ast.Add) and isinstance(left, (str, list, tuple)) and \
                type(left) is type(right) and len(left) + len(right) <= 10_000:
            return left + right
        if not numbers:
            return Unknown(node, f"'{_short(node)}' is not arithmetic on numbers")
        try:
            if isinstance(op, ast.Pow):
                if abs(right) > 64 or abs(left) > MAX_INT:
                    raise OverflowError
                result = left ** right
            else:
                result = {ast.Add: lambda: left + right, ast.Sub: lambda: left - right,
                          ast.Mult: lambda: left * right, ast.Div: lambda: left / right,
                          ast.FloorDiv: lambda: left // right,
                          ast.Mod: lambda: left % right}[type(op)]()
        except (KeyError, ZeroDivisionError, OverflowError, ValueError, TypeError):
            return Unknown(node, f"'{_short(node)}' cannot be computed")
        if isinstance(result, complex) or (isinstance(result, (int, float)) and
                                           abs(result) > MAX_INT):
            return Unknown(node, f"'{_short(node)}' is too large for a layer size")
        return result

    def compare(self, node: ast.Compare, env: Env) -> Any:
        left = self.expr(node.left, env)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node, env)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return left if isinstance(left, Unknown) else right
            plain = (int, float, str, bool, type(None), tuple, list)
            if not isinstance(left, plain) or not isinstance(right, plain):
                return Unknown(node, "a comparison of things that are not plain values")
            try:
                ok = _COMPARE[type(op)](left, right)
            except (KeyError, TypeError):
                return Unknown(node, f"'{_short(node)}' cannot be compared")
            if not ok:
                return False
            left = right
        return True

    def subscript(self, node: ast.Subscript, env: Env) -> Any:
        value = self.expr(node.value, env)
        index = self.expr(node.slice, env)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, SequentialModel) and isinstance(index, int):
            value = value.items  # model.layers[i] is rare; a Sequential's list is the same
        try:
            if isinstance(value, (list, tuple, str)) and isinstance(index, int) and \
                    not isinstance(index, bool):
                return value[index]
            if isinstance(value, dict) and isinstance(index, (str, int, float, tuple)):
                return value[index]
        except (IndexError, KeyError, TypeError):
            return Unknown(node, f"'{_short(node)}' is out of range")
        return Unknown(node, f"'{_short(node)}' is not read")

    def fstring(self, node: ast.JoinedStr, env: Env) -> Any:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            assert isinstance(value, ast.FormattedValue)
            inner = self.expr(value.value, env)
            if not isinstance(inner, (int, float, str)):
                return Unknown(node, "an f-string of values that are not known")
            spec = self.expr(value.format_spec, env) if value.format_spec else ""
            if not isinstance(spec, str) or any(int(w) > 100 for w in re.findall(r"\d+", spec)):
                return Unknown(node, "an f-string format wider than a layer name")
            try:
                parts.append(format(inner, spec))
            except (ValueError, TypeError):
                return Unknown(node, "an f-string format that cannot be applied")
        return "".join(parts)

    def attribute(self, owner: Any, node: ast.Attribute) -> Any:
        if isinstance(owner, Module):
            return Module(f"{owner.path}.{node.attr}")
        if isinstance(owner, FunctionalModel) and node.attr in ("output", "outputs", "input",
                                                                "inputs"):
            chosen = owner.outputs if node.attr.startswith("output") else owner.inputs
            return chosen[0] if node.attr in ("output", "input") else list(chosen)
        if isinstance(owner, (SequentialModel, FunctionalModel, Layer, Tensor)):
            return _Method(owner, node.attr)
        if isinstance(owner, Unknown):
            return owner
        return Unknown(node, f"'{_short(node)}' is not read")

    # calls
    def call(self, node: ast.Call, env: Env) -> Any:
        func = self.expr(node.func, env)
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                return Unknown(node, "a '*' argument is not read")
            args.append(self.expr(a, env))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                return self.unknown_call(func, node, "a '**' argument is not read")
            kwargs[kw.arg] = self.expr(kw.value, env)
        if isinstance(func, Module):
            return self.module_call(func, args, kwargs, node)
        if isinstance(func, Function):
            return self.user_function(func, args, kwargs, node)
        if isinstance(func, _Method):
            return self.method(func, args, kwargs, node)
        if isinstance(func, Layer):
            return self.apply(func, args, node, kwargs)
        if isinstance(func, (SequentialModel, FunctionalModel)):
            if len(args) != 1:
                raise self.error(node, f"model '{func.name}' is called with {len(args)} "
                                       "arguments; a model used as a layer takes one tensor")
            return self.apply_model(func, args[0], node)
        if isinstance(func, Unknown):
            return Unknown(node, func.why) if func.node is not node else func
        return Unknown(node, f"'{_short(node.func)}' is not a function cnncalc can follow")

    def unknown_call(self, func: Any, node: ast.Call, why: str) -> Unknown:
        return Unknown(node, why)

    def module_call(self, func: Module, args: list[Any], kwargs: dict[str, Any],
                    node: ast.Call) -> Any:
        name = func.last
        builtin = _BUILTINS.get(func.path)
        if builtin is not None:
            return builtin(self, args, kwargs, node)
        if name == "Sequential":
            return self.sequential(args, kwargs, node)
        if name in ("Model", "Functional"):
            return self.functional(args, kwargs, node)
        if name in ("Input", "InputLayer"):
            return self.input_tensor(args, kwargs, node)
        if name in MERGE_FUNCTIONS:
            cls = MERGE_FUNCTIONS[name]
            inputs = args[0] if args else kwargs.pop("inputs", None)
            layer = Layer(cls, {k: v for k, v in kwargs.items()},
                          self.layer_name(cls, kwargs, node), node)
            return self.apply(layer, [inputs], node)
        if name in LAYERS and (LAYERS[name].helper is None or func.path == name):
            spec = LAYERS[name]
            if len(args) > len(spec.positional):
                raise self.error(node, f"{name} takes at most {len(spec.positional)} "
                                       f"positional arguments, got {len(args)}")
            written = dict(zip(spec.positional, args))
            for key, value in kwargs.items():
                if key in written:
                    raise self.error(node, f"{name} gets '{key}' twice")
                written[key] = value
            return Layer(name, written, self.layer_name(name, kwargs, node), node)
        if name[:1].isupper() and (".layers" in func.path or func.path.startswith("layers")):
            return Unknown(node, f"the Keras layer {name} is not one cnncalc can read")
        return Unknown(node, f"'{func.path}(...)' is not read")

    def layer_name(self, cls: str, kwargs: dict[str, Any], node: ast.AST) -> str:
        name = kwargs.pop("name", None)
        if name is None:
            return self.auto_name(cls)
        if isinstance(name, str) and name:
            return name
        raise self.error(node, f"name= must be a string the file gives, got "
                               f"{name.why if isinstance(name, Unknown) else repr(name)}")

    def user_function(self, func: Function, args: list[Any], kwargs: dict[str, Any],
                      node: ast.Call) -> Any:
        spec = func.node.args
        if spec.vararg or spec.kwarg or spec.posonlyargs:
            return Unknown(node, f"'{func.node.name}' takes *args or **kwargs, which are not "
                                 "read")
        if self.depth >= MAX_CALL_DEPTH:
            raise self.error(node, f"calls nest deeper than {MAX_CALL_DEPTH} (recursion?)")
        env = Env(func.env)
        params = [a.arg for a in spec.args]
        if len(args) > len(params):
            raise self.error(node, f"'{func.node.name}' takes {len(params)} arguments, got "
                                   f"{len(args)}")
        bound = dict(zip(params, args))
        for key, value in kwargs.items():
            if key not in params and key not in [a.arg for a in spec.kwonlyargs]:
                raise self.error(node, f"'{func.node.name}' has no argument '{key}'")
            bound[key] = value
        first_default = len(params) - len(func.defaults)
        for i, param in enumerate(params):
            if param not in bound:
                if i < first_default:
                    raise self.error(node, f"'{func.node.name}' is called without its "
                                           f"argument '{param}'")
                bound[param] = func.defaults[i - first_default]
        for a, default in zip(spec.kwonlyargs, func.kw_defaults):
            if a.arg not in bound:
                if default is None:
                    raise self.error(node, f"'{func.node.name}' is called without '{a.arg}'")
                bound[a.arg] = default
        env.values.update(bound)
        self.depth += 1
        try:
            self.block(func.node.body, env)
        except _Return as ret:
            return ret.value
        finally:
            self.depth -= 1
        return None

    def method(self, method: _Method, args: list[Any], kwargs: dict[str, Any],
               node: ast.Call) -> Any:
        owner, name = method.owner, method.name
        if isinstance(owner, SequentialModel) and name == "add":
            if len(args) != 1:
                raise self.error(node, "model.add takes one layer")
            layer = args[0]
            if isinstance(layer, Unknown) and owner.poisoned is None:
                owner.poisoned = Unknown(node, f"model.add of something not known: {layer.why}")
            owner.items.append((layer, node))
            return None
        if isinstance(owner, SequentialModel) and name == "build":
            owner.build_shape = (args[0] if args else kwargs.get("input_shape"), node)
            return None
        if isinstance(owner, (SequentialModel, FunctionalModel)) and name in IGNORED_METHODS:
            return Unknown(node, f"model.{name}() gives nothing cnncalc reads")
        return Unknown(node, f"'.{name}(...)' is not read")

    # Keras constructs
    def input_tensor(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Tensor:
        written = dict(zip(("shape", "batch_size", "dtype", "sparse", "batch_shape", "name"),
                           args))
        written.update(kwargs)
        name = self.layer_name("InputLayer", written, node)
        layer = Layer("InputLayer", written, name, node)
        return self.new_node(layer, [], node)

    def sequential(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        items = args[0] if args else kwargs.get("layers")
        name = kwargs.get("name")
        model = SequentialModel(name if isinstance(name, str) else self.auto_name("Sequential"),
                                [], node)
        if items is not None:
            if isinstance(items, Unknown):
                model.poisoned = items
            elif not isinstance(items, (list, tuple)):
                raise self.error(node, "Sequential takes a list of layers")
            else:
                model.items = [(item, node) for item in items]
        self.models.append(model)
        return model

    def functional(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        if inputs is None and outputs is None:
            return Unknown(node, "a keras.Model built without inputs and outputs (a subclass?)")
        ins = self.tensors(inputs, node, "the model's inputs")
        outs = self.tensors(outputs, node, "the model's outputs")
        name = kwargs.get("name")
        model = FunctionalModel(name if isinstance(name, str) else self.auto_name("Functional"),
                                ins, outs, node)
        self.models.append(model)
        return model

    def tensors(self, value: Any, node: ast.AST, what: str) -> list[Tensor]:
        value = self.need(value, node, what)
        if isinstance(value, dict):
            value = list(value.values())
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        for v in values:
            self.need(v, node, what)
            if not isinstance(v, Tensor):
                raise self.error(node, f"{what} must be Keras tensors (results of layers), got "
                                       f"{_describe(v)}")
        return values

    def new_node(self, layer: Layer, inputs: list[int], node: ast.AST) -> Tensor:
        if len(self.nodes) >= MAX_NODES:
            raise self.error(node, f"the model has more than {MAX_NODES:,} layers")
        group = self.group_stack[-1] if self.group_stack else (None, None)
        self.nodes.append(GraphNode(len(self.nodes), layer, inputs, group[0], group[1]))
        return Tensor(len(self.nodes) - 1)

    def apply(self, layer: Layer, args: list[Any], node: ast.AST,
              kwargs: dict[str, Any] | None = None) -> Tensor | Unknown:
        """``layer(x)``: a graph node fed by the tensor(s) in ``args``; ``mha(x, x)`` (a layer
        whose unit says ``self_call``: self-attention, query = value = x) as ``mha(x)``."""
        entry = LAYERS.get(layer.cls)
        if entry is not None and entry.self_call and len(args) in (2, 3) and \
                all(isinstance(a, Tensor) and a == args[0] for a in args):
            args = args[:1]
        if len(args) != 1:
            raise self.error(node, f"layer '{layer.name}' ({layer.cls}) is called with "
                                   f"{len(args)} arguments; cnncalc reads layer(x)")
        unknown = _first_unknown(args[0])
        if unknown is not None:
            return unknown  # harmless unless the model needs it
        inputs = self.tensors(args[0], node, f"the input of '{layer.name}' ({layer.cls})")
        if layer.applied:
            raise self.error(node, f"layer '{layer.name}' ({layer.cls}) is applied a second "
                                   "time: shared weights cannot be written as a cnncalc spec")
        layer.applied = True
        return self.new_node(layer, [t.index for t in inputs], node)

    def apply_model(self, model: SequentialModel | FunctionalModel, x: Any,
                    node: ast.AST) -> Tensor | Unknown:
        """A model used as a layer: its layers, inlined as a named group."""
        if model.used_inside:
            raise self.error(node, f"model '{model.name}' is applied a second time: shared "
                                   "weights cannot be written as a cnncalc spec")
        model.used_inside = True
        if self.group_stack:
            raise self.error(node, f"model '{model.name}' is nested two levels deep; cnncalc "
                                   "reads one level of nested models")
        if isinstance(model, FunctionalModel):
            raise self.error(node, f"functional model '{model.name}' is used as a layer; "
                                   "cnncalc reads nested Sequential models only")
        if isinstance(x, Unknown):
            return x
        tensor = x
        self.group_stack.append((model.name, node))
        try:
            for item, item_node in self.sequential_items(model):
                tensor = self.apply_model(item, tensor, item_node) if isinstance(
                    item, (SequentialModel, FunctionalModel)) else \
                    self.apply(item, [tensor], item_node)
        finally:
            self.group_stack.pop()
        return tensor

    def sequential_items(self, model: SequentialModel) -> list[tuple[Any, ast.AST]]:
        """A Sequential's layers, checked: no unknowns, no input layers after the first."""
        if model.poisoned is not None:
            self.need(model.poisoned, model.node, f"the layers of '{model.name}'")
        out = []
        for item, where in model.items:
            item = self.need(item, where, f"a layer of '{model.name}'")
            if isinstance(item, (SequentialModel, FunctionalModel)):
                out.append((item, where))
                continue
            if isinstance(item, Tensor) and self.nodes[item.index].layer.cls == "InputLayer":
                continue  # keras.Input(...) as a Sequential's first item gives its shape
            if not isinstance(item, Layer):
                raise self.error(where, f"'{model.name}' holds {_describe(item)}, not a layer")
            out.append((item, item.node))
        return out


_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Is: operator.is_, ast.IsNot: operator.is_not,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


@dataclass
class _Method:
    owner: Any
    name: str


def _first_unknown(value: Any) -> Unknown | None:
    values = value if isinstance(value, (list, tuple)) else [value]
    return next((v for v in values if isinstance(v, Unknown)), None)


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _describe(value: Any) -> str:
    if isinstance(value, Layer):
        return f"layer '{value.name}' ({value.cls}) that is not applied to a tensor"
    if isinstance(value, (SequentialModel, FunctionalModel)):
        return f"model '{value.name}'"
    if isinstance(value, Tensor):
        return "a tensor"
    return f"{type(value).__name__} {value!r}"[:80]


def _range(reader: Reader, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if kwargs or not 1 <= len(args) <= 3 or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in args):
        return Unknown(node, "range() of values that are not known whole numbers")
    values = range(*args)
    if len(values) > MAX_STEPS:
        raise reader.error(node, f"range of {len(values):,} steps; the limit is {MAX_STEPS:,}")
    return values


def _numeric(fn):  # noqa: ANN001, ANN202 - a small adapter table
    def call(reader: Reader, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if kwargs or any(isinstance(a, Unknown) for a in args):
            return next((a for a in args if isinstance(a, Unknown)),
                        Unknown(node, "keyword arguments to a builtin are not read"))
        try:
            return fn(*args)
        except (TypeError, ValueError, OverflowError):
            return Unknown(node, f"'{_short(node)}' cannot be computed")
    return call


_BUILTINS = {
    "builtins.range": _range, "range": _range,
    "len": _numeric(len), "int": _numeric(int), "float": _numeric(float),
    "min": _numeric(min), "max": _numeric(max), "abs": _numeric(abs),
    "round": _numeric(round), "tuple": _numeric(tuple), "list": _numeric(list),
    "str": _numeric(str),
}


class _Builtins(Env):
    """The module's outer scope: Python's builtins the interpreter evaluates."""

    def __init__(self) -> None:
        super().__init__()
        self.values.update({name: Module(name) for name in _BUILTINS if "." not in name})
        self.values.update({"True": True, "False": False, "None": None, "math": Module("math")})


def builtins_env() -> Env:
    """A module's scope, with the builtins the interpreter follows behind it."""
    env = Env(_Builtins())
    env.values["__name__"] = "__main__"  # `if __name__ == "__main__":` runs, as in a script
    return env


__all__ = ["Env", "FunctionalModel", "GraphNode", "KerasImportError", "Layer",
           "Reader", "SequentialModel", "Tensor", "Unknown", "builtins_env"]
