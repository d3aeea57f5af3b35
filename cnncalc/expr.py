"""Arithmetic in specs (``$planes * 4``, ``4 * 8``, ``make_divisible($c * 0.75, 8)``),
evaluated without ``eval``.

One rule decides what is arithmetic: a value is an expression when it names a variable
(``$planes``) or when it is made only of numbers, operators, parentheses and functions
(``4 * 8``, ``max(16, 8)``); anything else (``same``, ``relu``) is text. An expression is
evaluated where it is written, so a mistake in it is reported at that line.

The text is parsed with Python's ``ast`` and only literals, variables, arithmetic, comparisons,
boolean logic, conditional expressions, list literals, subscripts, the attributes of ``$in``
and the functions below are walked. Every step is bounded (length of the text, depth of the
tree, steps of evaluation, size of numbers, depth of user function calls), and every way a
value can be wrong is an ``ExprError`` naming what was wrong, never a Python exception.
Integer results stay exact: ``/`` must divide evenly, ``//`` floors.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from collections.abc import Callable
from typing import Any

from .record import field, record

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_PLAIN = re.compile(r"\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR_CHARS = re.compile(r"[-+*/%()<>=!\[]")

MAX_MAGNITUDE = 10**15
"""No number in an expression (an operand or a result) may be larger than this: widths and
sizes are far below it, and it keeps every result exact in a float and quick to compute."""
MAX_TEXT = 1_000
MAX_DEPTH = 60
MAX_STEPS = 100_000
MAX_CALL_DEPTH = 32
MAX_LIST = 1_000
CONSTANTS = {"true": True, "True": True, "false": False, "False": False, "null": None,
             "None": None}


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message names what was wrong."""


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _checked(value: Any, text: str) -> Any:
    """A number from a computation, refused when it is too large or not finite."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ExprError(f"'{text}' gives {value}, which is not a number to compute with")
        if abs(value) > MAX_MAGNITUDE:
            raise ExprError(f"'{text}' gives {value:.4g}, which is too large (the limit is "
                            "10**15)")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"'{text}' gives a number with {len(str(abs(value)))} digits, which is "
                        "too large (the limit is 10**15)")
    return value


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, bool):
        return f"the truth value {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"the list {value}" if len(repr(value)) < 60 else "a list"
    if isinstance(value, InputShape):
        return "$in (a shape; use $in.channels, $in.size, $in.shape)"
    return repr(value)


@record(frozen=True)
class InputShape:
    """``$in``: the shape coming into the layer being written, as the user reads it.

    ``shape`` is channels first (cnncalc's order); ``layout`` says how the user writes shapes,
    and ``$in.shape`` follows it."""

    shape: tuple[int, ...]
    layout: str = "chw"

    ATTRIBUTES = ("channels", "size", "shape", "rank", "features", "length", "height", "width",
                  "depth")

    def attribute(self, name: str) -> Any:
        spatial = list(self.shape[1:])
        if name == "channels":
            return self.shape[0]
        if name == "size":
            return spatial[0] if len(set(spatial)) == 1 and len(spatial) > 1 else (
                spatial[0] if len(spatial) == 1 else spatial)
        if name == "shape":
            return spatial + [self.shape[0]] if self.layout == "hwc" else list(self.shape)
        if name == "rank":
            return len(spatial)
        if name == "features":
            return math.prod(self.shape)
        axes = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}.get(
            len(spatial), ())
        if name in axes:
            return spatial[axes.index(name)]
        if name in self.ATTRIBUTES:
            have = ", ".join(axes) or "none"
            raise ExprError(f"$in.{name} is not defined for a {len(spatial)}-D input "
                            f"{'x'.join(map(str, self.shape))} (its spatial axes: {have})")
        raise ExprError(f"$in has no '{name}'; it has {', '.join(self.ATTRIBUTES)}")


@record(frozen=True)
class Function:
    """A spec's own function (``functions:``): arguments with optional defaults, ``vars``
    computed in order, and the ``value`` expression."""

    name: str
    params: tuple[str, ...]
    defaults: dict[str, Any]
    steps: tuple[tuple[str, str], ...]
    value: Any
    where: str = ""


def _guard_float(name: str, fn: Callable[[float], float], domain: Callable[[float], bool],
                 domain_text: str) -> Callable[..., Any]:
    def apply(text: str, *args: Any) -> Any:
        if len(args) != 1:
            raise ExprError(f"{name}() takes one number, got {len(args)} in '{text}'")
        x = args[0]
        if not _num(x):
            raise ExprError(f"{name}() needs a number, got {_describe(x)} in '{text}'")
        if not domain(x):
            raise ExprError(f"{name}() needs {domain_text}, got {x} in '{text}'")
        return fn(x)
    return apply


def _min_max(name: str) -> Callable[..., Any]:
    pick = min if name == "min" else max

    def apply(text: str, *args: Any) -> Any:
        values = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not values:
            raise ExprError(f"{name}() needs at least one number in '{text}'")
        bad = [v for v in values if not _num(v)]
        if bad:
            raise ExprError(f"{name}() compares numbers, got {_describe(bad[0])} in '{text}'")
        values = [_checked(v, text) for v in values]
        return pick(values)
    return apply


def _int(text: str, *args: Any) -> int:
    if len(args) != 1:
        raise ExprError(f"int() takes one number, got {len(args)} in '{text}'")
    x = args[0]
    if isinstance(x, bool) or not _num(x):
        raise ExprError(f"int() needs a number, got {_describe(x)} in '{text}'")
    return int(_checked(x, text))


def _float(text: str, *args: Any) -> float:
    if len(args) != 1 or isinstance(args[0], bool) or not _num(args[0]):
        raise ExprError(f"float() needs one number in '{text}'")
    return float(args[0])


def _round(text: str, *args: Any) -> Any:
    if not 1 <= len(args) <= 2:
        raise ExprError(f"round() takes a number and optionally the digits to keep, got "
                        f"{len(args)} arguments in '{text}'")
    x = args[0]
    if isinstance(x, bool) or not _num(x):
        raise ExprError(f"round() needs a number, got {_describe(x)} in '{text}'")
    if len(args) == 1:
        return int(round(_checked(x, text)))
    digits = args[1]
    if isinstance(digits, bool) or not isinstance(digits, int) or not -15 <= digits <= 15:
        raise ExprError(f"round()'s digits must be a whole number from -15 to 15, got "
                        f"{_describe(digits)} in '{text}'")
    return round(x, digits)


def _abs(text: str, *args: Any) -> Any:
    if len(args) != 1 or isinstance(args[0], bool) or not _num(args[0]):
        raise ExprError(f"abs() needs one number in '{text}'")
    return abs(args[0])


def _log(text: str, *args: Any) -> float:
    if not 1 <= len(args) <= 2 or not all(_num(a) for a in args):
        raise ExprError(f"log() takes a number and optionally a base, in '{text}'")
    if args[0] <= 0 or (len(args) == 2 and (args[1] <= 0 or args[1] == 1)):
        raise ExprError(f"log() needs a positive number (and a positive base other than 1), "
                        f"in '{text}'")
    return math.log(*args)


def _rounding(name: str, fn: Callable[[float], int]) -> Callable[..., int]:
    def apply(text: str, *args: Any) -> int:
        if len(args) != 1 or isinstance(args[0], bool) or not _num(args[0]):
            raise ExprError(f"{name}() needs one number in '{text}'")
        return fn(_checked(args[0], text))
    return apply


BUILTINS: dict[str, Callable[..., Any]] = {
    "min": _min_max("min"), "max": _min_max("max"), "int": _int, "float": _float,
    "round": _round, "abs": _abs, "floor": _rounding("floor", math.floor),
    "ceil": _rounding("ceil", math.ceil),
    "sqrt": _guard_float("sqrt", math.sqrt, lambda x: x >= 0, "a number >= 0"),
    "log": _log, "log2": _guard_float("log2", math.log2, lambda x: x > 0, "a positive number"),
    "log10": _guard_float("log10", math.log10, lambda x: x > 0, "a positive number"),
}
"""The functions every expression may call, each checking its own arguments."""

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Div: "/", ast.Pow: "**", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> ast.expr:
    """The expression's tree, refused when it is too long or too deep to walk safely (read
    once per text: a block used 50 times writes the same expressions 50 times)."""
    if len(text) > MAX_TEXT:
        raise ExprError(f"an expression of {len(text):,} characters is longer than the limit "
                        f"of {MAX_TEXT:,}")
    source = _VAR.sub(lambda m: f"__v_{m.group(1)}", text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExprError(f"cannot read the expression '{text}'") from None
    _check_depth(tree.body, text)
    return tree.body


@functools.lru_cache(maxsize=4096)
def _text_shape(value: str) -> bool | None | frozenset[str]:
    """What decides whether text without a ``$`` is arithmetic, read once per text: False
    (no operator, or it does not parse), True (a parenthesized number, or too long to read,
    which the evaluator then refuses), or the bare names it uses."""
    if not _OPERATOR_CHARS.search(value):
        return False
    if len(value) > MAX_TEXT:
        return not re.search(r"[A-Za-z_]{2}", value)
    try:
        tree = ast.parse(value.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if isinstance(tree.body, ast.Constant):  # "(3)" is arithmetic; "1e-5" is a number
        return "(" in value and _num(tree.body.value)
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))


def _check_depth(root: ast.AST, text: str) -> None:
    stack = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > 4 * MAX_TEXT:
            raise ExprError(f"the expression '{_short(text)}' is nested too deeply (more than "
                            f"{MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


@record
class Evaluator:
    """Evaluates expressions of one spec: its own ``functions`` beside the built-in ones.

    One evaluator counts the steps of everything it evaluates for one value, so that a user
    function that calls itself twice per level cannot run for hours."""

    functions: dict[str, Function] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=dict)
    """The spec-level args and vars, which a spec's functions read beside their own."""
    _steps: int = 0
    _depth: int = 0

    # -- deciding -------------------------------------------------------------------------
    def is_expression(self, value: Any) -> bool:
        """Whether a written value is arithmetic (see the module's rule).

        >>> Evaluator().is_expression("4 * 8"), Evaluator().is_expression("same")
        (True, False)
        >>> Evaluator().is_expression("max(3, 8)"), Evaluator().is_expression("hard-swish")
        (True, False)
        """
        if not isinstance(value, str):
            return False
        if "$" in value:
            return True
        shape = _text_shape(value)
        if shape is None or isinstance(shape, bool):
            return bool(shape)
        callable_names = set(BUILTINS) | set(self.functions)
        return all(name in callable_names or name in CONSTANTS for name in shape)

    def bare_names(self, value: str) -> list[str]:
        """Names written without ``$`` in arithmetic-looking text (``4 * abc``), for a hint."""
        try:
            tree = ast.parse(value.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        if not any(isinstance(n, (ast.BinOp, ast.Call, ast.Compare)) for n in ast.walk(tree)):
            return []
        known = set(BUILTINS) | set(self.functions) | set(CONSTANTS)
        return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in known]

    # -- evaluating -----------------------------------------------------------------------
    def evaluate(self, text: str, env: dict[str, Any]) -> Any:
        """Evaluate ``text`` with ``$name`` bound from ``env``.

        >>> evaluate("$planes * 4", {"planes": 64})
        256
        >>> evaluate("$stride != 1 or $cin != $cout", {"stride": 1, "cin": 64, "cout": 64})
        False
        >>> evaluate("$c", {"c": [1, 2]})
        [1, 2]
        >>> evaluate("$c / 3", {"c": 64})
        Traceback (most recent call last):
        ...
        cnncalc.expr.ExprError: 64 / 3 is not a whole number; use // to round down
        """
        plain = _PLAIN.fullmatch(text)
        if plain and plain.group(1) in env:
            return env[plain.group(1)]
        missing = [m for m in _VAR.findall(text) if m not in env]
        if missing:
            known = ", ".join(f"${k}" for k in env if not k.startswith("_")) or "none"
            raise ExprError(f"unknown variable ${missing[0]} in '{_short(text)}' (known: "
                            f"{known})")
        tree = _parse(text)
        self._steps = 0
        names = {f"__v_{k}": v for k, v in env.items()}
        return self._walk(tree, names, text)

    def _step(self, text: str) -> None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise ExprError(f"'{_short(text)}' takes more than {MAX_STEPS:,} steps to evaluate "
                            "(a function that calls itself?)")

    def _walk(self, node: ast.AST, names: dict[str, Any], text: str) -> Any:
        self._step(text)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return _checked(node.value, text)
            if node.value is None or isinstance(node.value, (str, bool)):
                return node.value
            raise ExprError(f"'{_short(text)}' holds a value cnncalc does not compute with")
        if isinstance(node, ast.Name):
            if node.id in names:
                value = names[node.id]  # a variable may hold any number the YAML wrote
                return _checked(value, text) if _num(value) else value
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id in BUILTINS or node.id in self.functions:
                raise ExprError(f"'{node.id}' in '{_short(text)}' is a function; call it as "
                                f"{node.id}(...)")
            raise ExprError(f"'{node.id}' in '{_short(text)}' is not a variable; write "
                            f"${node.id}")
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, names, text)
        if isinstance(node, ast.BinOp):
            return self._binary(node, names, text)
        if isinstance(node, ast.BoolOp):
            want = isinstance(node.op, ast.Or)
            for value_node in node.values:
                if bool(self._walk(value_node, names, text)) == want:
                    return want
            return not want
        if isinstance(node, ast.Compare):
            return self._compare(node, names, text)
        if isinstance(node, ast.IfExp):
            branch = node.body if self._walk(node.test, names, text) else node.orelse
            return self._walk(branch, names, text)
        if isinstance(node, ast.Call):
            return self._call(node, names, text)
        if isinstance(node, (ast.List, ast.Tuple)):
            if len(node.elts) > MAX_LIST:
                raise ExprError(f"a list of more than {MAX_LIST:,} items in an expression")
            return [self._walk(e, names, text) for e in node.elts]  # items checked when used
        if isinstance(node, ast.Attribute):
            owner = self._walk(node.value, names, text)
            if not isinstance(owner, InputShape):
                raise ExprError(f"'.{node.attr}' in '{_short(text)}': only $in has attributes "
                                f"($in.channels, $in.size, $in.shape)")
            return owner.attribute(node.attr)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, names, text)
        raise ExprError(f"'{_short(text)}' uses something other than numbers, variables, "
                        "+ - * / // % **, comparisons, and/or/not, 'a if c else b', lists, "
                        "$in and functions (" + ", ".join(BUILTINS) + ")")

    def _unary(self, node: ast.UnaryOp, names: dict[str, Any], text: str) -> Any:
        value = self._walk(node.operand, names, text)
        if isinstance(node.op, ast.Not):
            return not value
        if not _num(value):
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            raise ExprError(f"'{sign}' needs a number, got {_describe(value)} in "
                            f"'{_short(text)}'")
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return value
        raise ExprError(f"'{_short(text)}' uses an operator cnncalc does not compute (~)")

    def _binary(self, node: ast.BinOp, names: dict[str, Any], text: str) -> Any:
        op = type(node.op)
        if op not in _SYMBOL:
            raise ExprError(f"'{_short(text)}' uses an operator cnncalc does not compute; use "
                            "+ - * / // % **")
        left, right = self._walk(node.left, names, text), self._walk(node.right, names, text)
        if _num(left) and _num(right):
            left, right = _checked(left, text), _checked(right, text)
        else:
            bad = left if not _num(left) else right
            raise ExprError(f"'{_SYMBOL[op]}' needs numbers, got {_describe(bad)} in "
                            f"'{_short(text)}'")
        if op is ast.Pow:
            return self._power(left, right, text)
        if op in (ast.Div, ast.FloorDiv, ast.Mod) and right == 0:
            raise ExprError(f"division by zero in '{_short(text)}'")
        if op is ast.Div:
            if isinstance(left, int) and isinstance(right, int):
                if left % right:
                    raise ExprError(f"{left} / {right} is not a whole number; use // to round "
                                    "down")
                return left // right
            return _checked(left / right, text)
        return _checked(_BINARY[op](left, right), text)

    @staticmethod
    def _power(base: Any, exponent: Any, text: str) -> Any:
        """``**``: a whole exponent from 0 up on whole numbers (``2 ** $i``), any exponent on
        a positive float base (RegNet's ``w_m ** k``); the size of the result is checked
        before it is computed, so ``9 ** 9 ** 9`` cannot hang the loader.

        >>> evaluate("2 ** $i", {"i": 7})
        128
        """
        if isinstance(exponent, int) and exponent >= 0:
            if abs(base) > 1 and exponent * math.log2(abs(base)) > math.log2(MAX_MAGNITUDE):
                raise ExprError(f"'{_short(text)}' is too large (the limit is 10**15)")
            return base ** exponent
        if base > 0:
            if abs(exponent * math.log2(base)) > math.log2(MAX_MAGNITUDE):
                raise ExprError(f"'{_short(text)}' is too large or too small to compute")
            return _checked(float(base) ** exponent, text)
        raise ExprError(f"'{_short(text)}': a negative or fractional exponent needs a positive "
                        f"base, got {base} ** {exponent}")

    def _compare(self, node: ast.Compare, names: dict[str, Any], text: str) -> bool:
        left = self._walk(node.left, names, text)
        for op, comparator in zip(node.ops, node.comparators):
            right = self._walk(comparator, names, text)
            kind = type(op)
            if kind is ast.Eq:
                result = left == right
            elif kind is ast.NotEq:
                result = left != right
            elif kind in (ast.Is, ast.IsNot):
                if left is not None and right is not None:
                    raise ExprError(f"'is' compares with null only, in '{_short(text)}'; use ==")
                result = (left is right) == (kind is ast.Is)
            elif kind in (ast.In, ast.NotIn):
                if not isinstance(right, list):
                    raise ExprError(f"'in' needs a list on its right, got {_describe(right)} "
                                    f"in '{_short(text)}'")
                result = (left in right) == (kind is ast.In)
            elif kind in _ORDER:
                both_numbers = _num(left) and _num(right)
                both_text = isinstance(left, str) and isinstance(right, str)
                if not (both_numbers or both_text):
                    bad = left if not _num(left) else right
                    raise ExprError(f"'{_SYMBOL[kind]}' compares two numbers, got "
                                    f"{_describe(bad)} in '{_short(text)}'")
                result = _ORDER[kind](left, right)
            else:
                raise ExprError(f"'{_short(text)}' uses a comparison cnncalc does not compute")
            if not result:
                return False
            left = right
        return True

    def _subscript(self, node: ast.Subscript, names: dict[str, Any], text: str) -> Any:
        owner = self._walk(node.value, names, text)
        if isinstance(node.slice, ast.Slice):
            raise ExprError(f"slices are not supported in '{_short(text)}'; take one item")
        index = self._walk(node.slice, names, text)
        if not isinstance(owner, list):
            raise ExprError(f"only a list can be indexed, got {_describe(owner)} in "
                            f"'{_short(text)}'")
        if isinstance(index, bool) or not isinstance(index, int):
            raise ExprError(f"a list index must be a whole number, got {_describe(index)} in "
                            f"'{_short(text)}'")
        if not -len(owner) <= index < len(owner):
            raise ExprError(f"index {index} is outside the list of {len(owner)} items in "
                            f"'{_short(text)}'")
        item = owner[index]
        return _checked(item, text) if _num(item) else item

    def _call(self, node: ast.Call, names: dict[str, Any], text: str) -> Any:
        if not isinstance(node.func, ast.Name):
            raise ExprError(f"'{_short(text)}' calls something that is not a function name")
        name = node.func.id
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            raise ExprError(f"'*' and '**' arguments are not supported in '{_short(text)}'")
        args = [self._walk(a, names, text) for a in node.args]
        args = [_checked(a, text) if _num(a) else a for a in args]
        keywords = {k.arg: self._walk(k.value, names, text) for k in node.keywords}
        if name in self.functions:
            return self._user_call(self.functions[name], args, keywords, text)
        if name in BUILTINS:
            if keywords:
                raise ExprError(f"{name}() takes no named arguments, in '{_short(text)}'")
            return BUILTINS[name](_short(text), *args)
        known = ", ".join([*BUILTINS, *self.functions])
        raise ExprError(f"unknown function '{name}' in '{_short(text)}' (functions: {known})")

    def _user_call(self, function: Function, args: list[Any], keywords: dict[str, Any],
                   text: str) -> Any:
        if len(args) > len(function.params):
            raise ExprError(f"{function.name}() takes {len(function.params)} arguments "
                            f"({', '.join(function.params)}), got {len(args)} in "
                            f"'{_short(text)}'")
        env = {**self.globals, **function.defaults}
        env.update(zip(function.params, args))
        for key, value in keywords.items():
            if key not in function.params:
                raise ExprError(f"{function.name}() has no argument '{key}'; it takes "
                                f"{', '.join(function.params)}")
            env[key] = value
        missing = [p for p in function.params if p not in env]
        if missing:
            raise ExprError(f"{function.name}() is missing argument '{missing[0]}' in "
                            f"'{_short(text)}'")
        if self._depth >= MAX_CALL_DEPTH:
            raise ExprError(f"function '{function.name}' calls functions more than "
                            f"{MAX_CALL_DEPTH} deep (does it call itself?)")
        self._depth += 1
        try:
            for var, expression in function.steps:
                env[var] = self._inner(expression, env, function, var)
            return self._inner(function.value, env, function, "value")
        finally:
            self._depth -= 1

    def _inner(self, expression: Any, env: dict[str, Any], function: Function,
               part: str) -> Any:
        if not self.is_expression(expression):
            return expression
        missing = [m for m in _VAR.findall(expression) if m not in env]
        if missing:
            raise ExprError(f"function '{function.name}' ({part}) uses unknown variable "
                            f"${missing[0]} (it knows: {', '.join('$' + k for k in env)})")
        tree = _parse(expression)
        return self._walk(tree, {f"__v_{k}": v for k, v in env.items()}, expression)


def evaluate(text: str, env: dict[str, Any], functions: dict[str, Function] | None = None
             ) -> Any:
    """Evaluate one expression with the built-in functions (and ``functions``)."""
    return Evaluator(dict(functions or {})).evaluate(text, env)


_TEMPLATE_PART = re.compile(r"\{([^{}]*)\}")


def render_name(template: str, env: dict[str, Any], evaluator: Evaluator,
                counter: Callable[[], int]) -> str:
    """A computed name: each ``{expression}`` replaced by its value, ``{#}`` by the scope's
    next number (torch.nn.Sequential's numbering).

    >>> render_name("block{$s}-{$i + 1}", {"s": 3, "i": 3}, Evaluator(), lambda: 0)
    'block3-4'
    """
    def part(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner == "#":
            return str(counter())
        if not inner:
            raise ExprError(f"empty '{{}}' in the name '{template}'")
        value = evaluator.evaluate(inner, env)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ExprError(f"'{{{inner}}}' in the name '{template}' gives {_describe(value)}; "
                            "a name part must be a whole number or a word")
        return str(value)

    if "$" in _TEMPLATE_PART.sub("", template):
        raise ExprError(f"the name '{template}' has a '$' outside braces; a computed name "
                        f"writes each expression in braces, e.g. "
                        f"'{_VAR.sub(lambda m: '{$' + m.group(1) + '}', template)}'")
    if re.search(r"[{}]", _TEMPLATE_PART.sub("", template)):
        raise ExprError(f"unbalanced braces in the name '{template}'")
    return _TEMPLATE_PART.sub(part, template)


WORD = _WORD
