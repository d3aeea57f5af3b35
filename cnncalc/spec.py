"""The spec loader: YAML text -> typed ``Graph``.

It expands blocks, repeats, branches and conditions into a flat list of nodes in execution
order, resolves argument expressions, validates every argument against its layer unit, and
keeps each node's source position. It never computes a shape: that is the engine's job.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import SourcePos, SpecError, closest, did_you_mean
from .expr import ExprError, evaluate, has_vars
from .graph import NETWORK_INPUT, Graph, LoadProblem, Node
from .layers import REGISTRY, lookup
from .layers.base import ALIASES, from_layout, to_layout

__all__ = ["load_spec", "load_file", "from_layout", "to_layout"]
from .source import PosDict, PosList, load_yaml

MAX_NODES = 100_000
MAX_REPEAT = 10_000
MAX_BLOCK_DEPTH = 32
TOP_KEYS = ("name", "input", "input_layout", "batch", "blocks", "layers", "description",
            "reference")
ITEM_RESERVED = ("name", "from", "output")
MERGES = ("concat", "add", "multiply")
LAYOUTS = {"chw": "channels first [C, H, W]", "hwc": "channels last [H, W, C] (Keras)"}
_DIM_SUFFIX = re.compile(r"(?<=[a-z_])[123]d$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
BLOCK_META = ("args", "vars", "doc")
"""Keys of a block definition that are not its body."""


@dataclass
class Scope:
    """Naming and variables of one level: the network, a block instance, a repeat copy."""

    prefix: str
    env: dict[str, Any]
    parent: Scope | None = None
    counters: dict[str, int] = field(default_factory=dict)
    local: dict[str, int] = field(default_factory=dict)
    reserved: set[str] = field(default_factory=set)

    def path(self, short: str) -> str:
        return f"{self.prefix}.{short}" if self.prefix else short

    def auto_name(self, stem: str) -> str:
        """``conv1``, ``conv2``, ...: the next number whose name nobody wrote in this scope."""
        while True:
            self.counters[stem] = self.counters.get(stem, 0) + 1
            candidate = f"{stem}{self.counters[stem]}"
            if candidate not in self.reserved and candidate not in self.local:
                return candidate

    def child(self, short: str, env: dict[str, Any] | None = None, body: Any = None) -> Scope:
        return Scope(self.path(short), self.env if env is None else env, self,
                     reserved=explicit_names(body))


_SCOPED_KEYS = ("layers", "then", "else", *("concat", "add", "multiply"))


def explicit_names(body: Any) -> set[str]:
    """Names written with ``name:`` that will live directly in the scope holding ``body``, so
    that automatic names (``conv1``) never take a name the user wrote further down."""
    found: set[str] = set()
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            name = value.get("name")
            if isinstance(name, str):
                found.add(name)
                continue  # a named group keeps its inner names to itself
            for key, inner in value.items():
                if key in _SCOPED_KEYS:
                    stack.append(inner)
                elif isinstance(inner, dict) and isinstance(inner.get("name"), str):
                    found.add(inner["name"])
    return found


class _Builder:
    """Expands the spec into nodes. With ``problems`` (a list) it is tolerant: a mistake in a
    layer's text is recorded there and mended where the intent is clear (a misspelt argument,
    kind or choice), or the item is left out, so that one check shows every problem."""

    def __init__(self, filename: str, blocks: PosDict, problems: list[LoadProblem] | None = None):
        self.filename = filename
        self.blocks = blocks
        self.nodes: list[Node] = []
        self.side_outputs: list[int] = []
        self.full_names: dict[str, int] = {}
        self.block_stack: list[str] = []
        self.problems = problems

    def stepped_past(self, error: SpecError, fix: str | None, reading: str | None) -> None:
        """Record a mistake of a tolerant load (once per place: a block used twice repeats
        its text's mistakes)."""
        assert self.problems is not None
        if all((p.error.pos, p.error.message) != (error.pos, error.message)
               for p in self.problems):
            self.problems.append(LoadProblem(error, fix, reading, len(self.nodes)))

    # -- helpers ---------------------------------------------------------------------------
    def subst(self, value: Any, scope: Scope, pos: SourcePos | None, label: str = "") -> Any:
        """Replace ``$expressions`` in a value (recursively in lists) with their values."""
        if has_vars(value):
            try:
                return evaluate(value, scope.env)
            except ExprError as exc:
                raise SpecError(str(exc), pos, label or None) from None
        if isinstance(value, list):
            items = [self.subst(v, scope, _pos_of(value, i, pos), label)
                     for i, v in enumerate(value)]
            out = PosList(items)
            out.pos, out.item_pos = getattr(value, "pos", pos), getattr(value, "item_pos", [])
            return out
        return value

    def register(self, scope: Scope, short: str, node_id: int, pos: SourcePos | None,
                 explicit: bool) -> None:
        if explicit and short in scope.local:
            raise SpecError(f"the name '{short}' is used twice in the same scope", pos)
        scope.local[short] = node_id
        self.full_names[scope.path(short)] = node_id

    def resolve_ref(self, name: Any, scope: Scope, pos: SourcePos | None) -> int:
        if not isinstance(name, str):
            raise SpecError(f"'from' must name an earlier layer, got {name!r}", pos)
        walk: Scope | None = scope
        while walk is not None:
            if name in walk.local:
                return walk.local[name]
            walk = walk.parent
        if name in self.full_names:
            return self.full_names[name]
        if name == "input":
            return NETWORK_INPUT
        known = list(self.full_names) + [n for s in _chain(scope) for n in s.local]
        raise SpecError(f"'from: {name}' names no earlier layer{did_you_mean(name, known)}", pos)

    def add_node(self, unit, args, inputs, name, pos, arg_pos) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise SpecError(f"the network expands to more than {MAX_NODES:,} layers; refusing "
                            "to build it (a huge repeat?)", pos)
        node = Node(len(self.nodes), name, unit, args, tuple(inputs), pos, arg_pos)
        self.nodes.append(node)
        return node.id

    # -- sequences and items ---------------------------------------------------------------
    def sequence(self, items: Any, x: int, scope: Scope, pos: SourcePos | None) -> int:
        if isinstance(items, (str, PosDict)):
            return self.item(items, pos, x, scope)
        if not isinstance(items, list):
            raise SpecError(f"expected a list of layers, got {items!r}", pos)
        for i, item in enumerate(items):
            try:
                x = self.item(item, _pos_of(items, i, pos), x, scope)
            except SpecError as exc:
                if self.problems is None:
                    raise
                self.stepped_past(exc, None, None)
        return x

    def item(self, item: Any, pos: SourcePos | None, x: int, scope: Scope) -> int:
        if isinstance(item, str):
            if has_vars(item):
                item = self.subst(item, scope, pos)
            return self.call(item, None, None, pos, x, scope, None)
        if not isinstance(item, PosDict):
            raise SpecError(f"a layer must be a name ('relu') or a mapping "
                            f"('conv2d: {{...}}'), got {item!r}", pos)
        keys = [k for k in item if k not in ITEM_RESERVED]
        name = item.get("name")
        if name is not None and (not isinstance(name, str) or not name or "." in name):
            raise SpecError(f"'name' must be a word without dots, got {name!r}",
                            item.pos_of("name"))
        if "from" in item:
            x = self.resolve_ref(self.subst(item["from"], scope, pos), scope, item.pos_of("from"))
        if item.get("output"):
            out = self.item_body(item, keys, pos, x, scope, name)
            self.side_outputs.append(out)
            return x
        return self.item_body(item, keys, pos, x, scope, name)

    def item_body(self, item: PosDict, keys: list[str], pos, x: int, scope: Scope,
                  name: str | None) -> int:
        if not keys:
            return x
        if "repeat" in keys:
            return self.repeat(item, keys, pos, x, scope, name)
        if "when" in keys:
            return self.when(item, keys, pos, x, scope)
        merges = [k for k in keys if k in MERGES]
        if merges:
            return self.merge(item, keys, merges, pos, x, scope, name)
        if keys == ["layers"]:
            inner = scope.child(name, body=item["layers"]) if name else scope
            out = self.sequence(item["layers"], x, inner, item.pos_of("layers"))
            if name:
                self.register(scope, name, out, pos, True)
            return out
        if len(keys) != 1:
            raise SpecError(f"this item has keys {', '.join(keys)}; a layer item has one layer "
                            f"kind or block as its key (plus {', '.join(ITEM_RESERVED)})",
                            item.key_pos.get(keys[1], pos))
        key = keys[0]
        value = item[key]
        if isinstance(value, PosDict) and set(value) & {"name", "from"} and key not in \
                self.blocks:
            value, name, x = self.inner_reserved(value, name, x, scope)
        return self.call(key, value, item.pos_of(key), item.key_pos.get(key, pos), x, scope,
                         name)

    def inner_reserved(self, value: PosDict, name: str | None, x: int, scope: Scope):
        """``name`` and ``from`` written among a layer's arguments: take them out."""
        if "name" in value:
            if name is not None:
                raise SpecError("the layer is named twice (beside and inside its arguments)",
                                value.key_pos["name"])
            name = value["name"]
            if not isinstance(name, str) or not name or "." in name:
                raise SpecError(f"'name' must be a word without dots, got {name!r}",
                                value.pos_of("name"))
        if "from" in value:
            x = self.resolve_ref(self.subst(value["from"], scope, value.pos_of("from")), scope,
                                 value.pos_of("from"))
        trimmed = PosDict((k, v) for k, v in value.items() if k not in ("name", "from"))
        trimmed.pos, trimmed.key_pos, trimmed.value_pos = value.pos, value.key_pos, \
            value.value_pos
        return trimmed, name, x

    def repeat(self, item: PosDict, keys: list[str], pos, x: int, scope: Scope,
               name: str | None) -> int:
        extra = [k for k in keys if k not in ("repeat", "layers", "index")]
        if extra or "layers" not in item:
            raise SpecError("a repeat is written 'repeat: N' with 'layers: [...]' beside it "
                            "(and optionally 'index: i' to number the copies $i = 0, 1, ...)"
                            + (f"; unexpected key '{extra[0]}'" if extra else ""), pos)
        index = item.get("index")
        if index is not None and (not isinstance(index, str) or not _WORD.fullmatch(index)):
            raise SpecError(f"'index' names the variable that numbers the copies, e.g. "
                            f"'index: i'; got {index!r}", item.pos_of("index"))
        count = self.subst(item["repeat"], scope, item.pos_of("repeat"))
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise SpecError(f"'repeat' must be a whole number, got {count!r}",
                            item.pos_of("repeat"))
        if count > MAX_REPEAT:
            raise SpecError(f"repeat {count:,} is more than the limit of {MAX_REPEAT:,}",
                            item.pos_of("repeat"))
        body, body_pos = item["layers"], item.pos_of("layers")
        outer = scope
        for i in range(count):
            if index is not None:  # same names and counters, one more variable
                scope = Scope(outer.prefix, {**outer.env, index: i}, outer.parent,
                              outer.counters, outer.local, outer.reserved)
            if name:
                copy = scope.child(f"{name}.{i}", body=body)
                x = self.sequence(body, x, copy, body_pos, ) if not _single_call(body) else \
                    self.item(body[0] if isinstance(body, list) else body, body_pos, x,
                              _Bare(copy))
                self.register(scope, f"{name}.{i}", x, pos, False)
            else:
                x = self.sequence(body, x, scope, body_pos)
        if name:
            self.register(outer, name, x, pos, True)
        return x

    def when(self, item: PosDict, keys: list[str], pos, x: int, scope: Scope) -> int:
        extra = [k for k in keys if k not in ("when", "then", "else")]
        if extra or "then" not in item:
            raise SpecError("a condition is written 'when: $flag' with 'then: [...]' and "
                            "optionally 'else: [...]'", pos)
        cond = self.subst(item["when"], scope, item.pos_of("when"))
        branch = "then" if cond else "else"
        if branch not in item:
            return x
        return self.sequence(item[branch], x, scope, item.pos_of(branch))

    def merge(self, item: PosDict, keys: list[str], merges: list[str], pos, x: int, scope: Scope,
              name: str | None) -> int:
        kind = merges[0]
        unit = REGISTRY[kind]
        own = {a.name for a in unit.arguments}  # concat's dim, written beside the branches
        extra = [k for k in keys if k not in (*MERGES, "then", *own)]
        if len(merges) > 1 or extra:
            takes = f", its arguments ({', '.join(sorted(own))})" if own else ""
            raise SpecError(f"a merge item has one of {', '.join(MERGES)} and optionally "
                            f"'then'{takes}; got {', '.join(keys)}", pos)
        branches = item[kind]
        if not isinstance(branches, list) or len(branches) < 2:
            raise SpecError(f"'{kind}' needs a list of two or more branches", item.pos_of(kind))
        inner = scope.child(name, body=[branches, item.get("then")]) if name else scope
        outs = []
        for i, branch in enumerate(branches):
            bpos = _pos_of(branches, i, pos)
            if isinstance(branch, PosDict) and "layers" in branch and set(branch) <= {
                    "layers", "name", "from"}:
                outs.append(self.item(branch, bpos, x, inner))
            elif isinstance(branch, list):
                outs.append(self.sequence(branch, x, inner, bpos))
            else:
                outs.append(self.item(branch, bpos, x, inner))
        merge_name = inner.path(kind if name else inner.auto_name(kind))
        raw = {k: self.subst(item[k], scope, item.pos_of(k), merge_name) for k in keys if k in own}
        arg_pos = {k: item.pos_of(k) for k in raw}
        args = self.validated(unit, raw, arg_pos, pos, merge_name)
        out = self.add_node(unit, args, outs, merge_name, pos, arg_pos)
        if "then" in item:
            out = self.sequence(item["then"], out, inner, item.pos_of("then"))
        if name:
            self.register(scope, name, out, pos, True)
        return out

    # -- layers and blocks -----------------------------------------------------------------
    def call(self, key: str, value: Any, value_pos, pos, x: int, scope: Scope,
             name: str | None) -> int:
        if key in self.blocks:
            return self.block(key, value, value_pos, pos, x, scope, name)
        unit = lookup(key)
        if unit is None:
            choices = [*REGISTRY, *ALIASES, *self.blocks]
            error = SpecError(f"unknown layer kind '{key}'{did_you_mean(key, choices)}; "
                              "'cnncalc layers' lists them all", pos)
            guess = closest(key, choices)
            if self.problems is None or guess is None:
                raise error
            self.stepped_past(error, f"{guess} instead of {key}", guess)
            return self.call(guess, value, value_pos, pos, x, scope, name)
        short = name or (scope.auto_name(_DIM_SUFFIX.sub("", key.lower())) if not isinstance(
            scope, _Bare) else None)
        full = scope.path(short) if short else scope.prefix
        raw, arg_pos = self.layer_args(unit, key, value, value_pos, pos, scope, full)
        args = self.validated(unit, raw, arg_pos, pos, full)
        if unit.n_inputs == 0:
            raise SpecError(f"'{key}' joins branches: write it as '{key}: [[...], [...]]' with "
                            "a list of branches", pos, full)
        node_id = self.add_node(unit, args, (x,), full, pos, arg_pos)
        if short:
            self.register(scope, short, node_id, pos, name is not None)
        return node_id

    def validated(self, unit, raw: dict[str, Any], arg_pos: dict[str, SourcePos], pos,
                  label: str) -> dict[str, Any]:
        """The unit's validated arguments; a tolerant load mends one bad argument at a time
        (``LayerKind.repaired``) and records each mistake."""
        for _ in range(len(raw) + 1):
            try:
                return unit.validate(raw, dict(arg_pos), pos, label)
            except SpecError as exc:
                mend = unit.repaired(raw, exc) if self.problems is not None else None
                if mend is None:
                    raise
                for key in set(mend.raw) - set(raw):
                    arg_pos[key] = arg_pos.get(exc.arg, pos)
                self.stepped_past(exc, mend.fix, mend.reading)
                raw = mend.raw
        return unit.validate(raw, dict(arg_pos), pos, label)

    def layer_args(self, unit, key, value, value_pos, pos, scope, label):
        if value is None:
            return {}, {}
        if isinstance(value, PosDict):
            raw = {k: self.subst(v, scope, value.pos_of(k), label) for k, v in value.items()}
            return raw, dict(value.value_pos)
        value = self.subst(value, scope, value_pos, label)
        if unit.primary is None:
            names = ", ".join(a.name for a in unit.arguments) or "none"
            raise SpecError(f"'{key}' takes its arguments as a mapping ({names}), not "
                            f"{value!r}", value_pos, label, unit.name)
        return {unit.primary: value}, {unit.primary: value_pos}

    def block(self, key: str, value: Any, value_pos, pos, x: int, scope: Scope,
              name: str | None) -> int:
        if key in self.block_stack:
            raise SpecError(f"block '{key}' calls itself ({' -> '.join(self.block_stack)} -> "
                            f"{key})", pos)
        if len(self.block_stack) >= MAX_BLOCK_DEPTH:
            raise SpecError(f"blocks are nested more than {MAX_BLOCK_DEPTH} deep", pos)
        definition = self.blocks[key]
        env = self.bind(key, definition, self.subst(value, scope, value_pos), value_pos or pos)
        self.derive(key, definition, env)
        if isinstance(scope, _Bare):
            inner = Scope(scope.prefix, env, scope.parent,
                          reserved=explicit_names([definition.get(k) for k in _SCOPED_KEYS]))
        else:
            short = name or scope.auto_name(key)
            inner = scope.child(short, env, body=[definition.get(k) for k in _SCOPED_KEYS])
        self.block_stack.append(key)
        try:
            body_keys = [k for k in definition if k not in BLOCK_META]
            body = PosDict({k: definition[k] for k in body_keys})
            body.pos, body.key_pos = definition.pos, definition.key_pos
            body.value_pos = definition.value_pos
            out = self.item_body(body, body_keys, definition.pos, x, inner, None)
        finally:
            self.block_stack.pop()
        if not isinstance(scope, _Bare):
            self.register(scope, inner.prefix.rsplit(".", 1)[-1], out, pos, name is not None)
        return out

    def derive(self, key: str, definition: PosDict, env: dict[str, Any]) -> None:
        """A block's ``vars:``: values computed from its arguments (and earlier vars), in
        order, so that an expression used in several layers is written once."""
        derived = definition.get("vars")
        if derived is None:
            return
        if not isinstance(derived, PosDict):
            raise SpecError(f"'vars' of block '{key}' must map names to expressions, e.g. "
                            "'vars: {hidden: $cin * $t}'", definition.pos_of("vars"))
        for name, expr in derived.items():
            where = derived.key_pos.get(name, definition.pos_of("vars"))
            if not _WORD.fullmatch(str(name)):
                raise SpecError(f"'{name}' is not a variable name", where)
            if name in env:
                raise SpecError(f"var '{name}' of block '{key}' is already an argument", where)
            env[name] = self.subst(expr, Scope("", env), derived.pos_of(name))

    def bind(self, key: str, definition: PosDict, value: Any, pos) -> dict[str, Any]:
        declared = definition.get("args") or []
        if isinstance(declared, PosDict):
            params, defaults = list(declared), dict(declared)
        else:
            params, defaults = list(declared), {}
        env = {k: v for k, v in defaults.items() if v is not None}
        if value is None:
            given: dict[str, Any] = {}
        elif isinstance(value, dict):
            given = dict(value)
        elif isinstance(value, list):
            if len(value) > len(params):
                raise SpecError(f"block '{key}' takes {len(params)} arguments "
                                f"({', '.join(params)}), got {len(value)}", pos)
            given = dict(zip(params, value))
        elif len(params) == 1 or (params and all(p in env for p in params[1:])):
            given = {params[0]: value}  # a scalar sets the first argument; the rest keep defaults
        else:
            raise SpecError(f"block '{key}' takes arguments {', '.join(params)}; write them as "
                            "a list or a mapping", pos)
        for k, v in given.items():
            if k not in params:
                error = SpecError(f"block '{key}' has no argument '{k}'"
                                  f"{did_you_mean(k, params)}; it takes: {', '.join(params)}", pos)
                guess = closest(str(k), params)
                if self.problems is None or guess is None or guess in given:
                    raise error
                self.stepped_past(error, f"{guess}: {v} instead of {k}: {v}", f"{guess}: {v}")
                k = guess
            env[k] = v
        missing = [p for p in params if p not in env]
        if missing:
            raise SpecError(f"block '{key}' is missing argument '{missing[0]}' "
                            f"(it takes: {', '.join(params)})", pos)
        return env


class _Bare(Scope):
    """The scope of one copy of a named repeat whose body is a single call: that call takes
    the copy's name (``layer1.0``) instead of adding a level of its own."""

    def __init__(self, scope: Scope):
        super().__init__(scope.prefix, scope.env, scope.parent, scope.counters, scope.local)


def _single_call(body: Any) -> bool:
    item = body[0] if isinstance(body, list) and len(body) == 1 else body
    if isinstance(item, str):
        return True
    return isinstance(item, PosDict) and len([k for k in item if k not in ITEM_RESERVED]) == 1 \
        and not set(item) & {"repeat", "when", "layers", *MERGES, "name", "from", "output"}


def _chain(scope: Scope):
    while scope is not None:
        yield scope
        scope = scope.parent


def _pos_of(container: Any, index: int, default: SourcePos | None) -> SourcePos | None:
    if isinstance(container, PosList):
        return container.pos_of(index) or default
    return default


def _input_shape(doc: PosDict, layout: str) -> tuple[int, ...]:
    value, pos = doc.get("input"), doc.pos_of("input")
    if value is None:
        raise SpecError("the spec needs an 'input' shape, e.g. 'input: [3, 224, 224]'", doc.pos)
    if isinstance(value, str):
        value = [p for p in re.split(r"[x,\s]+", value.strip("()[] ")) if p]
        try:
            value = [int(v) for v in value]
        except ValueError:
            raise SpecError(f"'input' must be a list of sizes, got {doc['input']!r}", pos) from None
    if not isinstance(value, list) or not 1 <= len(value) <= 4 or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise SpecError(f"'input' must be 1 to 4 whole numbers ([C, L], [C, H, W] or "
                        f"[C, D, H, W]), got {value!r}", pos)
    if any(v <= 0 for v in value):
        raise SpecError(f"'input' sizes must be positive, got {list(value)}", pos)
    return tuple(from_layout(value, layout))


def load_spec(text: str, filename: str = "<string>", layout: str | None = None,
              tolerant: bool = False) -> Graph:
    """Parse spec ``text`` into a ``Graph``; every problem raises a located ``SpecError``.

    ``tolerant`` (the shape debugger's reading) goes on past mistakes in the layers and the
    top-level keys, mending what it can, and lists them in ``Graph.load_problems``; a mistake
    that leaves nothing to check (YAML syntax, no input, no layers) still raises."""
    problems: list[LoadProblem] | None = [] if tolerant else None
    doc = load_yaml(text, filename)
    if not isinstance(doc, PosDict):
        raise SpecError("a spec is a mapping with 'input' and 'layers'",
                        getattr(doc, "pos", SourcePos(filename, 1, 1)))
    for key in list(doc):
        if key not in TOP_KEYS:
            error = SpecError(f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)}; a "
                              f"spec has: {', '.join(TOP_KEYS)}", doc.key_pos[key])
            guess = closest(str(key), TOP_KEYS)
            if problems is None or guess is None or guess in doc:
                raise error
            problems.append(LoadProblem(error, f"{guess} instead of {key}", guess, 0))
            doc[guess] = doc[key]
            doc.key_pos[guess], doc.value_pos[guess] = doc.key_pos[key], doc.pos_of(key)
    written_layout = doc.get("input_layout", "chw")
    if written_layout not in LAYOUTS:
        raise SpecError(f"'input_layout' must be chw or hwc, got {written_layout!r}",
                        doc.pos_of("input_layout"))
    shape = _input_shape(doc, written_layout)
    blocks = doc.get("blocks") or PosDict()
    if not isinstance(blocks, PosDict):
        raise SpecError("'blocks' must map block names to definitions", doc.pos_of("blocks"))
    for bname, definition in blocks.items():
        if lookup(bname) is not None:
            raise SpecError(f"block name '{bname}' is already a layer kind; choose another",
                            blocks.key_pos[bname])
        if not isinstance(definition, PosDict) or not set(definition) - set(BLOCK_META):
            raise SpecError(f"block '{bname}' needs a body: 'layers: [...]' or a merge "
                            "('concat:'/'add:' with branches)", blocks.key_pos[bname])
    batch = doc.get("batch")
    if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool) or batch < 1):
        raise SpecError(f"'batch' must be a positive whole number, got {batch!r}",
                        doc.pos_of("batch"))
    if "layers" not in doc:
        raise SpecError("the spec has no 'layers' list", doc.pos)
    builder = _Builder(filename, blocks, problems)
    top = Scope("", {}, reserved=explicit_names(doc["layers"]))
    out = builder.sequence(doc["layers"], NETWORK_INPUT, top, doc.pos_of("layers"))
    if problems and not builder.nodes:
        raise problems[0].error  # nothing left to check
    name = doc.get("name") or os.path.splitext(os.path.basename(filename))[0]
    return Graph(str(name), shape, tuple(builder.nodes), (out, *builder.side_outputs),
                 layout or written_layout, batch, filename, doc.pos_of("input"),
                 str(doc.get("description") or ""), tuple(problems or ()))


def load_file(path: str | os.PathLike, layout: str | None = None,
              tolerant: bool = False) -> Graph:
    """Read and parse a spec file (``-`` reads standard input); ``tolerant`` as for
    ``load_spec``."""
    if str(path) == "-":
        import sys

        return load_spec(sys.stdin.read(), "<stdin>", layout, tolerant)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise SpecError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise SpecError(f"{path} is a folder, not a spec file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}") from None
    return load_spec(text, str(path), layout, tolerant)
