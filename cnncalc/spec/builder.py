"""The expansion of a spec's layers into graph nodes: items, repeats, conditions, merges,
layer calls and block calls.

Every value is evaluated by one rule (``values.Values``) where it is written; names are
given by the scopes (``scope.py``); blocks and functions come from the spec's library
(``library.py``). The builder never computes a shape except when an expression asks for
``$in``, and then it asks the engine.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import SourcePos, SpecError, closest, did_you_mean
from ..graph import NETWORK_INPUT, LoadProblem, Node
from ..keras_names import ACTIVATION_SUFFIX, activation_layer, split_activation
from ..layers import REGISTRY, lookup
from ..layers.registry import ALIASES
from ..source import PosDict, PosList
from .library import BLOCK_META, Library, parameters
from .scope import SCOPED_KEYS, Bare, Scope, explicit_names
from .values import Values

MAX_NODES = 100_000
MAX_REPEAT = 10_000
MAX_BLOCK_DEPTH = 32
MAX_WORK = 100_000
"""Items, repeat copies and branches visited while expanding: bounds the work of specs that
build nothing (nested repeats of empty bodies, conditions that are always false)."""
ITEM_RESERVED = ("name", "from", "output", "functional")
MERGES = ("concat", "add", "multiply")
_DIM_SUFFIX = re.compile(r"(?<=[a-z_])[123]d$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Builder:
    """Expands the spec into nodes. With ``problems`` (a list) it is tolerant: a mistake in a
    layer's text is recorded there and mended where the intent is clear (a misspelt argument,
    kind or choice), or the item is left out, so that one check shows every problem."""

    def __init__(self, filename: str, library: Library, values: Values,
                 problems: list[LoadProblem] | None = None):
        self.filename = filename
        self.blocks = library.blocks
        self.values = values
        self.nodes: list[Node] = []
        self.side_outputs: list[int] = []
        self.full_names: dict[str, int] = {}
        self.block_stack: list[str] = []
        self.problems = problems
        self._seen_problems: set[tuple[Any, str]] = set()
        self.work = 0
        self._body_names: dict[int, set[str]] = {}
        self._bodies: dict[int, tuple[PosDict, list[str]]] = {}
        values.nodes = self.nodes

    def stepped_past(self, error: SpecError, fix: str | None, reading: str | None) -> None:
        """Record a mistake of a tolerant load (once per place: a block used twice repeats
        its text's mistakes)."""
        assert self.problems is not None
        key = (error.pos, error.message)
        if key not in self._seen_problems:
            self._seen_problems.add(key)
            self.problems.append(LoadProblem(error, fix, reading, len(self.nodes)))

    def tick(self, pos: SourcePos | None, weight: int = 1) -> None:
        """Count a step of expansion; a block call or a named copy weighs more, as it
        costs more (a scope, its arguments)."""
        self.work += weight
        if self.work > MAX_WORK:
            raise SpecError(f"the spec takes more than {MAX_WORK:,} steps to expand (repeats "
                            "nested inside repeats?); refusing to build it", pos,
                            code="work_limit")

    # -- names -----------------------------------------------------------------------------
    def written_name(self, raw: Any, scope: Scope, pos: SourcePos | None) -> str | None:
        """A name as written (checked strictly) or computed from ``{expressions}``."""
        if raw is None:
            return None
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str) or not raw:
            raise SpecError(f"'name' must be a word without dots, got {raw!r}", pos)
        name = self.values.name(raw, scope, pos)
        if not name or "." in name:
            raise SpecError(f"'name' must be a word without dots, got {name!r}"
                            + (f" (from '{raw}')" if name != raw else ""), pos)
        return name

    def register(self, scope: Scope, short: str, node_id: int, pos: SourcePos | None,
                 explicit: bool) -> None:
        if explicit and short in scope.local:
            raise SpecError(f"the name '{short}' is used twice in the same scope", pos)
        scope.local[short] = node_id
        self.full_names[scope.path(short)] = node_id

    def resolve_ref(self, name: Any, scope: Scope, pos: SourcePos | None,
                    key: str = "from") -> int:
        """The node called ``name`` from ``scope`` (``from:``, or an argument that names a
        layer such as ``interpolate``'s ``size_of``: ``key``)."""
        if isinstance(name, str) and "{" in name:
            name = self.values.name(name, scope, pos)
        if not isinstance(name, str):
            raise SpecError(f"'{key}' must name an earlier layer, got {name!r}", pos)
        for walk in scope.chain():
            if name in walk.local:
                return walk.local[name]
        if name in self.full_names:
            return self.full_names[name]
        if name == "input":
            return NETWORK_INPUT
        known = list(self.full_names) + [n for s in scope.chain() for n in s.local]
        raise SpecError(f"'{key}: {name}' names no earlier layer{did_you_mean(name, known)}",
                        pos)

    def add_node(self, unit, args, inputs, name, pos, arg_pos, functional: bool = False) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise SpecError(f"the network expands to more than {MAX_NODES:,} layers; refusing "
                            "to build it (a huge repeat?)", pos)
        node = Node(len(self.nodes), name, unit, args, tuple(inputs), pos, arg_pos, functional)
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
                if self.problems is None or exc.code == "work_limit":
                    raise
                self.stepped_past(exc, None, None)
        return x

    def item(self, item: Any, pos: SourcePos | None, x: int, scope: Scope) -> int:
        self.tick(pos)
        self.values.here = x
        if isinstance(item, str):
            if "$" in item:
                item = self.values.text(item, scope, pos)
                if not isinstance(item, str):
                    raise SpecError(f"a layer written as an expression must give a layer "
                                    f"kind or block name, got {item!r}", pos)
            return self.call(item, None, None, pos, x, scope, None)
        if not isinstance(item, PosDict):
            raise SpecError(f"a layer must be a name ('relu') or a mapping "
                            f"('conv2d: {{...}}'), got {item!r}", pos)
        keys = [k for k in item if k not in ITEM_RESERVED]
        if "from" in item:
            x = self.resolve_ref(self.values.value(item["from"], scope, item.pos_of("from"),
                                                   names=True), scope, item.pos_of("from"))
            self.values.here = x
        name = self.written_name(item.get("name"), scope, item.pos_of("name")) \
            if "name" in item else None
        functional = self.functional_flag(item.get("functional", False),
                                          item.pos_of("functional"))
        if item.get("output"):
            out = self.item_body(item, keys, pos, x, scope, name, functional)
            self.side_outputs.append(out)
            return x
        return self.item_body(item, keys, pos, x, scope, name, functional)

    @staticmethod
    def functional_flag(value: Any, pos: SourcePos | None) -> bool:
        if not isinstance(value, bool):
            raise SpecError(f"'functional' must be true or false, got {value!r}", pos)
        return value

    def item_body(self, item: PosDict, keys: list[str], pos, x: int, scope: Scope,
                  name: str | None, functional: bool = False) -> int:
        if functional and (not keys or set(keys) & {"repeat", "when", "layers"}):
            raise SpecError("'functional: true' marks one layer or merge (a function call "
                            "with no module), not a group of layers", pos)
        if not keys:
            return x
        if "repeat" in keys:
            return self.repeat(item, keys, pos, x, scope, name)
        if "when" in keys:
            return self.when(item, keys, pos, x, scope)
        merges = [k for k in keys if k in MERGES]
        if merges:
            return self.merge(item, keys, merges, pos, x, scope, name, functional)
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
        if isinstance(value, PosDict) and set(value) & {"name", "from", "functional"} and \
                key not in self.blocks:
            value, name, x, inner = self.inner_reserved(value, name, x, scope)
            functional = functional or inner
        if functional and key in self.blocks:
            raise SpecError(f"'functional: true' marks one layer, and '{key}' is a block",
                            pos)
        return self.call(key, value, item.pos_of(key), item.key_pos.get(key, pos), x, scope,
                         name, functional)

    def inner_reserved(self, value: PosDict, name: str | None, x: int, scope: Scope):
        """``name``, ``from`` and ``functional`` written among a layer's arguments: take
        them out."""
        if "name" in value:
            if name is not None:
                raise SpecError("the layer is named twice (beside and inside its arguments)",
                                value.key_pos["name"])
            name = self.written_name(value["name"], scope, value.pos_of("name"))
        if "from" in value:
            where = value.pos_of("from")
            x = self.resolve_ref(self.values.value(value["from"], scope, where, names=True),
                                 scope, where)
            self.values.here = x
        functional = self.functional_flag(value.get("functional", False),
                                          value.pos_of("functional"))
        trimmed = PosDict((k, v) for k, v in value.items()
                          if k not in ("name", "from", "functional"))
        trimmed.pos, trimmed.key_pos, trimmed.value_pos = value.pos, value.key_pos, \
            value.value_pos
        return trimmed, name, x, functional

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
        count = self.values.value(item["repeat"], scope, item.pos_of("repeat"))
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise SpecError(f"'repeat' must be a whole number, got {count!r}",
                            item.pos_of("repeat"))
        if count > MAX_REPEAT:
            raise SpecError(f"repeat {count:,} is more than the limit of {MAX_REPEAT:,}",
                            item.pos_of("repeat"))
        body, body_pos = item["layers"], item.pos_of("layers")
        outer = scope
        for i in range(count):
            self.tick(pos)
            if index is not None:  # same names and counters, one more variable
                scope = outer.with_env({**outer.env, index: i})
            if name:
                self.tick(pos, 3)
                copy = scope.child(f"{name}.{i}", body=body)
                x = self.sequence(body, x, copy, body_pos) if not _single_call(body) else \
                    self.item(body[0] if isinstance(body, list) else body, body_pos, x,
                              Bare(copy))
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
        cond = self.values.value(item["when"], scope, item.pos_of("when"))
        if not isinstance(cond, (bool, int, float)) and cond is not None:
            raise SpecError(f"'when' must be true or false, got {cond!r}", item.pos_of("when"))
        branch = "then" if cond else "else"
        if branch not in item:
            return x
        return self.sequence(item[branch], x, scope, item.pos_of(branch))

    def merge(self, item: PosDict, keys: list[str], merges: list[str], pos, x: int, scope: Scope,
              name: str | None, functional: bool = False) -> int:
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
            self.tick(pos)
            bpos = _pos_of(branches, i, pos)
            self.values.here = x
            if isinstance(branch, PosDict) and "layers" in branch and set(branch) <= {
                    "layers", "name", "from"}:
                outs.append(self.item(branch, bpos, x, inner))
            elif isinstance(branch, list):
                outs.append(self.sequence(branch, x, inner, bpos))
            else:
                outs.append(self.item(branch, bpos, x, inner))
        merge_name = inner.path(kind if name else inner.auto_name(kind))
        self.values.here = tuple(outs)
        raw = {k: self.values.value(item[k], scope, item.pos_of(k), merge_name)
               for k in keys if k in own}
        arg_pos = {k: item.pos_of(k) for k in raw}
        args = self.validated(unit, raw, arg_pos, pos, merge_name)
        out = self.add_node(unit, args, outs, merge_name, pos, arg_pos, functional)
        if "then" in item:
            out = self.sequence(item["then"], out, inner, item.pos_of("then"))
        if name:
            self.register(scope, name, out, pos, True)
        return out

    # -- layers and blocks -----------------------------------------------------------------
    def call(self, key: str, value: Any, value_pos, pos, x: int, scope: Scope,
             name: str | None, functional: bool = False) -> int:
        if key in self.blocks:
            return self.block(key, value, value_pos, pos, x, scope, name)
        unit = lookup(key)
        if unit is None and key.lower() == "activation":
            return self.activation_layer(value, value_pos, pos, x, scope, name)
        if unit is None:
            return self.unknown_kind(key, value, value_pos, pos, x, scope, name)
        short = name or (scope.auto_name(_DIM_SUFFIX.sub("", key.lower())) if not isinstance(
            scope, Bare) else None)
        full = scope.path(short) if short else scope.prefix
        raw, arg_pos = self.layer_args(unit, key, value, value_pos, pos, scope, full)
        try:
            raw, activation = split_activation(unit.name, raw)
        except ValueError as exc:
            raise SpecError(str(exc), arg_pos.get("activation", pos), full, unit.name,
                            code="bad_value", arg="activation") from None
        args = self.validated(unit, raw, arg_pos, pos, full)
        if unit.n_inputs == 0:
            raise SpecError(f"'{key}' joins branches: write it as '{key}: [[...], [...]]' with "
                            "a list of branches", pos, full)
        refs = tuple(self.resolve_ref(args[a], scope, arg_pos.get(a, pos), a)
                     for a in unit.references if args.get(a) is not None) \
            if unit.references else ()
        node_id = self.add_node(unit, args, (x, *refs), full, pos, arg_pos, functional)
        if short:
            self.register(scope, short, node_id, pos, name is not None)
        if activation is not None:  # Keras' activation=: its own row, as model.summary() has
            where = arg_pos.get("activation", pos)
            node_id = self.add_row(activation, node_id, where, scope,
                                   f"{short}{ACTIVATION_SUFFIX}" if short else None)
        return node_id

    def add_row(self, kind: str, x: int, pos, scope: Scope, short: str | None) -> int:
        """A layer the spec implies without writing it (the activation of Keras'
        ``activation=``), with its default arguments."""
        unit = lookup(kind)
        full = scope.path(short) if short else scope.prefix
        node_id = self.add_node(unit, unit.validate({}, {}, pos, full), (x,), full, pos, {})
        if short:
            self.register(scope, short, node_id, pos, False)
        return node_id

    def activation_layer(self, value: Any, value_pos, pos, x: int, scope: Scope,
                         name: str | None) -> int:
        """Keras' ``Activation`` layer: ``- Activation: relu`` is a relu row (``linear``: an
        identity row, as Keras' summary still lists the layer)."""
        value = self.values.value(value, scope, value_pos or pos)
        try:
            kind = activation_layer(value)
        except ValueError as exc:
            raise SpecError(str(exc), value_pos or pos) from None
        kind = kind or "identity"
        short = name or (scope.auto_name(kind) if not isinstance(scope, Bare) else None)
        return self.add_row(kind, x, pos, scope, short)

    def unknown_kind(self, key: str, value: Any, value_pos, pos, x: int, scope: Scope,
                     name: str | None) -> int:
        """A kind nobody registered: mended to the closest kind only when that is a
        misspelling of it, never to a different layer that shares a word with it
        (``transpose`` is not ``conv_transpose``; ``layernorm2d`` is not ``layernorm``)."""
        choices = [*REGISTRY, *ALIASES, *self.blocks]
        guess = closest(key, choices)
        if guess is not None and not same_concept(key, guess):
            other = lookup(guess)
            what = f": {other.summary}" if other is not None else " (a block of this spec)"
            raise SpecError(f"unknown layer kind '{key}'; 'cnncalc layers' lists them all. "
                            f"The closest name, '{guess}', is a different layer{what}", pos)
        error = SpecError(f"unknown layer kind '{key}'{did_you_mean(key, choices)}; "
                          "'cnncalc layers' lists them all", pos)
        if self.problems is None or guess is None:
            raise error
        self.stepped_past(error, f"{guess} instead of {key}", guess)
        return self.call(guess, value, value_pos, pos, x, scope, name)

    def validated(self, unit, raw: dict[str, Any], arg_pos: dict[str, SourcePos], pos,
                  label: str) -> dict[str, Any]:
        """The unit's validated arguments; a tolerant load mends one bad argument at a time
        (``LayerKind.repaired``) and records each mistake."""
        if self.problems is not None:
            raw = self.mend_unknown(unit, raw, arg_pos, pos, label)
        for _ in range(len(raw) + 1):
            try:
                return unit.validate(raw, dict(arg_pos), pos, label)
            except SpecError as exc:
                self.values.explain_text(exc, raw)
                mend = unit.repaired(raw, exc) if self.problems is not None else None
                if mend is None:
                    raise
                for key in set(mend.raw) - set(raw):
                    arg_pos[key] = arg_pos.get(exc.arg, pos)
                self.stepped_past(exc, mend.fix, mend.reading)
                raw = mend.raw
        return unit.validate(raw, dict(arg_pos), pos, label)

    def mend_unknown(self, unit, raw: dict[str, Any], arg_pos: dict[str, SourcePos], pos,
                     label: str) -> dict[str, Any]:
        """Arguments the kind does not take, mended each beside the declared ones only, so
        that thousands of them cost thousands of steps, not millions."""
        declared = {a.name for a in unit.arguments} | {
            alias for a in unit.arguments for alias in a.aliases}
        unknown = [k for k in raw if k not in declared]
        if len(unknown) < 8:
            return raw  # the general loop is as quick, and keeps the written order
        kept = {k: v for k, v in raw.items() if k in declared}
        for key in unknown:
            probe = {key: raw[key], **kept}
            try:
                unit.validate(probe, dict(arg_pos), pos, label)
                kept = probe
                continue
            except SpecError as exc:
                mend = unit.repaired(probe, exc) if exc.arg == key else None
                if mend is None:
                    kept = probe  # the general loop reports it
                    continue
                for new in set(mend.raw) - set(probe):
                    arg_pos[new] = arg_pos.get(key, pos)
                self.stepped_past(exc, mend.fix, mend.reading)
                kept = dict(mend.raw)
        return kept

    def layer_args(self, unit, key, value, value_pos, pos, scope, label):
        if value is None:
            return {}, {}
        if isinstance(value, PosDict):
            raw = {k: self.values.value(v, scope, value.pos_of(k), label)
                   for k, v in value.items()}
            return raw, dict(value.value_pos)
        value = self.values.value(value, scope, value_pos, label)
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
        self.tick(pos, 5)
        definition = self.blocks[key]
        given = self.values.value(value, scope, value_pos or pos)
        env = self.bind(key, definition, given, value_pos or pos)
        self.derive(key, definition, env)
        body_names = self.body_names(definition)
        inline = definition.get("inline") is True
        if inline:  # its layers are named in the caller's scope, as if written there
            inner = scope.with_env(env)
            inner.reserved = scope.reserved | body_names
        elif isinstance(scope, Bare):
            inner = Scope(scope.prefix, env, scope.parent, reserved=body_names)
        else:
            short = name or scope.auto_name(key)
            inner = Scope(scope.path(short), env, scope, reserved=body_names)
        self.block_stack.append(key)
        try:
            body, body_keys = self.body_of(definition)
            functional = self.functional_flag(body.get("functional", False),
                                              body.pos_of("functional"))
            out = self.item_body(body, [k for k in body_keys if k != "functional"],
                                 definition.pos, x, inner, None, functional)
        finally:
            self.block_stack.pop()
        if not isinstance(scope, Bare) and not inline:
            self.register(scope, inner.prefix.rsplit(".", 1)[-1], out, pos, name is not None)
        return out

    def body_of(self, definition: PosDict) -> tuple[PosDict, list[str]]:
        """A block's body (its definition less ``args``, ``vars``, ...), made once per block."""
        cached = self._bodies.get(id(definition))
        if cached is None:
            keys = [k for k in definition if k not in BLOCK_META]
            body = PosDict({k: definition[k] for k in keys})
            body.pos, body.key_pos = definition.pos, definition.key_pos
            body.value_pos = definition.value_pos
            cached = self._bodies[id(definition)] = (body, keys)
        return cached

    def body_names(self, definition: PosDict) -> set[str]:
        """The names a block's body writes (``explicit_names``), read once per block."""
        cached = self._body_names.get(id(definition))
        if cached is None:
            cached = explicit_names([definition.get(k) for k in SCOPED_KEYS])
            self._body_names[id(definition)] = cached
        return cached

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
            env[name] = self.values.value(expr, Scope("", env), derived.pos_of(name))

    def bind(self, key: str, definition: PosDict, value: Any, pos) -> dict[str, Any]:
        params, defaults = parameters(definition.get("args"), f"block '{key}'",
                                      definition.pos_of("args"))
        env = dict(defaults)
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
                                  f"{did_you_mean(k, params)}; it takes: "
                                  f"{', '.join(params) or 'none'}", pos)
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


def same_concept(typed: str, guess: str) -> bool:
    """Whether ``guess`` is a misspelling of ``typed`` rather than another layer: the two
    differ by more than a whole word or a rank suffix.

    >>> same_concept("maxpol2d", "maxpool2d"), same_concept("transpose", "conv_transpose")
    (True, False)
    >>> same_concept("layernorm2d", "layernorm")
    False
    """
    def parts(word: str) -> list[str]:
        word = word.lower()
        stem = _DIM_SUFFIX.sub("", word)
        words = [w for w in stem.split("_") if w]
        return words + ([word[len(stem):]] if stem != word else [])

    a, b = parts(typed), parts(guess)
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    if len(shorter) != len(longer):
        return not all(w in longer for w in shorter)
    return True


def _single_call(body: Any) -> bool:
    item = body[0] if isinstance(body, list) and len(body) == 1 else body
    if isinstance(item, str):
        return True
    return isinstance(item, PosDict) and len([k for k in item if k not in ITEM_RESERVED]) == 1 \
        and not set(item) & {"repeat", "when", "layers", *MERGES, "name", "from", "output"}


def _pos_of(container: Any, index: int, default: SourcePos | None) -> SourcePos | None:
    if isinstance(container, PosList):
        return container.pos_of(index) or default
    return default
