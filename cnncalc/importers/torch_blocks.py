"""Module classes that repeat, found in the traced rows and written as ``blocks:``.

A module instance (a path such as ``layer1.0`` whose class is torchvision's ``Bottleneck``)
becomes a block call when its rows can be written inside a block without naming anything
outside it: its rows run one after the other, it reads one tensor (its input) and only its
last row is read from outside. A row reading the block's input again (a residual) has no
name to give inside the block, so rows that fork from one tensor and meet in a merge are
written as the spec language writes them by hand: ``add: [[conv1, ..., bn3], [downsample]]``
(a branch of ``[]`` is the input itself). The instances of a class whose rows differ only in
values (widths, strides) or in a layer present in some of them (a downsample branch) share
one block: a value that differs is an argument, one equal to another argument (or a whole
multiple of it) reuses it, and a layer present in some is ``when: $name``. Instances of a
class with other structures get a block each (``bottleneck_2``), or stay written out where
only one has that structure.

Row names stay module paths: the call is named by the instance's last path component and its
rows by their own, so ``layer1.0.conv1`` reads the same as in the flat spec. A merge written
as branches is an unnamed merge (its row is auto-named, ``add1``); references from outside an
instance go to the call's own name (its output). A layer that begins by concatenating
earlier outputs (DenseNet's ``torch.cat(features, 1)``) reads tensors a block cannot name: that
row stays in the instance's group and the rest is an ``inline: true`` block called after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import clean
from .torch_trace import INPUT, Trace, Traced
from .write_spec import yaml_value

CONTAINERS = {"torch.nn.modules.container.Sequential", "torch.nn.modules.container.ModuleList",
              "torch.nn.modules.container.ModuleDict"}
"""Generic containers are not blocks: their contents are (a stage's Sequential holds blocks)."""


def safe(component: str) -> str:
    """A path component as a spec name (a word; never ``input``)."""
    written = re.sub(r"\W", "_", component) or "layer"
    return "input_" if written == "input" else written


class Names:
    """Unique names per scope, as the flat writer gives them (``relu``, ``relu_1``, ...)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, parent: str, component: str) -> str:
        base = safe(component)
        written, i = base, 1
        while (f"{parent}.{written}" if parent else written) in self.taken:
            written, i = f"{base}_{i}", i + 1
        self.taken.add(f"{parent}.{written}" if parent else written)
        return written


# -- the items of an instance, values kept per use ------------------------------------------

@dataclass
class Slot:
    """One value of a layer, one entry per use of the block (None: that use lacks the layer)."""

    values: list[Any]


@dataclass
class Leaf:
    kind: str
    name: str
    args: dict[str, Slot]
    source: str | None = None           # from: a sibling's name
    merge_from: list[str] | None = None  # a merge of named rows (not written as branches)


@dataclass
class Group:
    name: str
    items: list[Any]


@dataclass
class Merge:
    kind: str
    branches: list[list[Any]]
    args: dict[str, Slot]


@dataclass
class Optional:
    item: Any
    present: list[bool]


@dataclass
class Unit:
    """Something in a scope's body that has one output: a row, a group, a merge of branches."""

    out: int
    entry: int | None                   # the one tensor it reads (None: a merge of several)
    name: str | None                    # how a sibling names it
    item: Any
    inputs: list[int] = field(default_factory=list)   # a merge row's inputs


class NotABlock(Exception):
    """The instance cannot be written inside a block."""


def _defaults(kind: str) -> dict[str, Any]:
    from ..layers import lookup

    unit = lookup(kind)
    if unit is None:
        return {}
    return {a.name: a.default for a in unit.arguments if not a.required}


def instance_items(rows: list[Traced], span: range, depth: int) -> tuple[list[Any], int]:
    """The items of the instance whose rows are ``span`` (paths below ``depth``
    components), and the tensor it reads; NotABlock where it cannot be a block."""
    inside = set(span)
    external = {i for r in span for i in rows[r].inputs if i not in inside}
    if len(external) != 1:
        raise NotABlock("reads several tensors")
    entry = external.pop()
    if any(rows[r].output for r in span):
        raise NotABlock("a side output")
    return _body(rows, list(span), depth, entry, Names(), ""), entry


def _body(rows: list[Traced], indices: list[int], depth: int, entry: int, names: Names,
          parent: str) -> list[Any]:
    units: list[Unit] = []
    seen: set[str] = set()
    k = 0
    while k < len(indices):
        row = rows[indices[k]]
        if len(row.path) == depth + 1:
            own = names(parent, row.path[depth])
            units.append(_leaf_unit(indices[k], row, own))
            k += 1
            continue
        component = row.path[depth]
        seen.add(component)  # a module run twice: its second group is numbered (Names)
        end = k
        while end < len(indices) and len(rows[indices[end]].path) > depth + 1 \
                and rows[indices[end]].path[depth] == component:
            end += 1
        members = indices[k:end]
        own = names(parent, component)
        inside = set(members)
        external = {i for r in members for i in rows[r].inputs if i not in inside}
        if len(external) != 1:
            raise NotABlock("a group reads several tensors")
        sub_entry = next(iter(external))
        path = f"{parent}.{own}" if parent else own
        items = _body(rows, members, depth + 1, sub_entry, names, path)
        units.append(Unit(members[-1], sub_entry, own, Group(own, items)))
        k = end
    leaves = {c for r in indices if len(rows[r].path) == depth + 1 for c in [rows[r].path[depth]]}
    if leaves & seen:
        raise NotABlock("a row and a group share a name")
    return _render(_collapse(units, entry), entry)


def _leaf_unit(index: int, row: Traced, own: str) -> Unit:
    args = {k: Slot([v]) for k, v in row.row.args.items()}
    leaf = Leaf(row.row.kind, own, args)
    if row.row.merge:
        return Unit(index, None, f"{own}", leaf, list(row.inputs))
    return Unit(index, row.inputs[0], own, leaf)


def _collapse(units: list[Unit], entry: int) -> list[Unit]:
    """Merges whose inputs fork from one tensor just before them, as branches."""
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.entry is None and isinstance(unit.item, Leaf):
            merged = _branches(units, i, entry)
            if merged is not None:
                start, compound = merged
                units[start:i + 1] = [compound]
                i = start + 1
                continue
        i += 1
    return units


def _branches(units: list[Unit], i: int, entry: int) -> tuple[int, Unit] | None:
    position = {u.out: k for k, u in enumerate(units[:i])}
    lines: list[list[Any]] = []
    for source in units[i].inputs:
        line: list[Any] = [source]
        node = source
        while node in position and units[position[node]].entry is not None:
            node = units[position[node]].entry
            line.append(node)
        lines.append(line)
    fork = next((n for n in lines[0] if all(n in line for line in lines[1:])), None)
    if fork is None:
        return None
    chains = [[position[n] for n in line[:line.index(fork)]][::-1] for line in lines]
    used = [k for chain in chains for k in chain]
    if len(used) != len(set(used)):
        return None
    start = min(used) if used else i
    if set(used) != set(range(start, i)):
        return None
    if fork != (units[start - 1].out if start > 0 else entry):
        return None
    leaf = units[i].item
    merge = Merge(leaf.kind, [[units[k].item for k in chain] for chain in chains], leaf.args)
    return start, Unit(units[i].out, fork, None, merge)


def _render(units: list[Unit], entry: int) -> list[Any]:
    """The items, naming with ``from:`` a sibling read other than the one just before."""
    named = {u.out: u.name for u in units if u.name is not None}
    current = entry
    items = []

    def ref(index: int) -> str:
        if index == INPUT:
            return "input"
        if index not in named:
            raise NotABlock("reads a tensor it has no name for")
        return named[index]

    for unit in units:
        if unit.entry is None:
            assert isinstance(unit.item, Leaf)
            unit.item.merge_from = [ref(i) for i in unit.inputs]
        elif unit.entry != current:
            if isinstance(unit.item, Merge):
                raise NotABlock("branches that fork from a tensor it has no name for")
            source = ref(unit.entry)
            if isinstance(unit.item, Group):  # a group reads from: on the group itself
                unit.item = Group(unit.item.name, [{"from": source}, *unit.item.items])
            else:
                unit.item.source = source
        items.append(unit.item)
        current = unit.out
    return items


# -- one block for the uses of a class ----------------------------------------------------

def _signature(item: Any) -> tuple:
    if isinstance(item, Optional):
        return _signature(item.item)
    if isinstance(item, Leaf):
        return ("leaf", item.kind, item.name)
    if isinstance(item, Group):
        return ("group", item.name)
    if isinstance(item, Merge):
        return ("merge", item.kind, len(item.branches))
    return ("from", item["from"])


def _pad(item: Any, count: int) -> Any:
    """``item`` with ``count`` more uses that lack it."""
    if isinstance(item, Optional):
        return Optional(_pad(item.item, count), item.present + [False] * count)
    if isinstance(item, Leaf):
        return Leaf(item.kind, item.name, {k: Slot(s.values + [None] * count)
                                           for k, s in item.args.items()},
                    item.source, item.merge_from)
    if isinstance(item, Group):
        return Group(item.name, [_pad(i, count) for i in item.items])
    if isinstance(item, Merge):
        return Merge(item.kind, [[_pad(i, count) for i in b] for b in item.branches],
                     {k: Slot(s.values + [None] * count) for k, s in item.args.items()})
    return item


def _prepad(item: Any, count: int) -> Any:
    """``item`` with ``count`` earlier uses that lack it."""
    if isinstance(item, Optional):
        return Optional(_prepad(item.item, count), [False] * count + item.present)
    if isinstance(item, Leaf):
        return Leaf(item.kind, item.name, {k: Slot([None] * count + s.values)
                                           for k, s in item.args.items()},
                    item.source, item.merge_from)
    if isinstance(item, Group):
        return Group(item.name, [_prepad(i, count) for i in item.items])
    if isinstance(item, Merge):
        return Merge(item.kind, [[_prepad(i, count) for i in b] for b in item.branches],
                     {k: Slot([None] * count + s.values) for k, s in item.args.items()})
    return item


def _optional(item: Any, uses: int, before: int, after: int) -> Optional:
    """``item`` (of ``uses`` uses) made optional among ``before`` and ``after`` uses that
    lack it."""
    if isinstance(item, Optional):
        return Optional(_pad(_prepad(item.item, before), after),
                        [False] * before + item.present + [False] * after)
    return Optional(_pad(_prepad(item, before), after),
                    [False] * before + [True] * uses + [False] * after)


def unify(a: Any, b: Any, na: int, nb: int) -> Any:
    """One item for ``a`` (of ``na`` uses) and ``b`` (of ``nb``), or None."""
    if isinstance(a, Optional) or isinstance(b, Optional):
        inner = unify(a.item if isinstance(a, Optional) else a,
                      b.item if isinstance(b, Optional) else b, na, nb)
        if inner is None:
            return None
        present = (a.present if isinstance(a, Optional) else [True] * na) + \
                  (b.present if isinstance(b, Optional) else [True] * nb)
        return Optional(inner, present)
    if _signature(a) != _signature(b):
        return None
    if isinstance(a, Leaf):
        if a.source != b.source or a.merge_from != b.merge_from:
            return None
        args = _unify_args(a.kind, a.args, b.args, na, nb)
        return None if args is None else Leaf(a.kind, a.name, args, a.source, a.merge_from)
    if isinstance(a, Group):
        items = unify_lists(a.items, b.items, na, nb, optional=False)
        return None if items is None else Group(a.name, items)
    if isinstance(a, Merge):
        args = _unify_args(a.kind, a.args, b.args, na, nb)
        branches = [unify_lists(x, y, na, nb, optional=True)
                    for x, y in zip(a.branches, b.branches)]
        if args is None or any(x is None for x in branches):
            return None
        return Merge(a.kind, branches, args)
    return a if a == b else None


def _unify_args(kind: str, a: dict[str, Slot], b: dict[str, Slot], na: int, nb: int
                ) -> dict[str, Slot] | None:
    defaults = _defaults(kind)
    args: dict[str, Slot] = {}
    for key in [*a, *(k for k in b if k not in a)]:
        if (key not in a or key not in b) and key not in defaults:
            return None
        left = a[key].values if key in a else [defaults[key]] * na
        right = b[key].values if key in b else [defaults[key]] * nb
        args[key] = Slot(left + right)
    return args


def unify_lists(a: list[Any], b: list[Any], na: int, nb: int, optional: bool = False
                ) -> list[Any] | None:
    """Items aligned by kind and name; in a merge's branch (``optional``), an item only one
    side has becomes ``when:`` (ResNet's downsample), elsewhere the lists must match."""
    if not optional and [_signature(x) for x in a] != [_signature(x) for x in b]:
        return None
    out: list[Any] = []
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a) and j < len(b) and _signature(a[i]) == _signature(b[j]):
            both = unify(a[i], b[j], na, nb)
            if both is None:
                return None
            out.append(both)
            i, j = i + 1, j + 1
        elif i < len(a) and all(_signature(a[i]) != _signature(x) for x in b[j:]) \
                and not isinstance(a[i], dict):
            out.append(_optional(a[i], na, 0, nb))
            i += 1
        elif j < len(b) and all(_signature(b[j]) != _signature(x) for x in a[i:]) \
                and not isinstance(b[j], dict):
            out.append(_optional(b[j], nb, na, 0))
            j += 1
        else:
            return None
    return out


# -- arguments: what differs between uses --------------------------------------------------

_ARG_NAMES = {"out_channels": "out", "out_features": "out", "stride": "stride",
              "kernel_size": "k", "padding": "padding", "groups": "groups",
              "dilation": "dilation", "p": "p"}


class Arguments:
    """The block's arguments, one per distinct vector of per-use values."""

    def __init__(self, uses: int) -> None:
        self.uses = uses
        self.names: list[str] = []
        self.vectors: list[list[Any]] = []

    def text(self, values: list[Any], key: str) -> str:
        """The block's text for a value: a constant, ``$arg`` or ``$arg * k``."""
        present = [v for v in values if v is not None]
        if all(_same(v, present[0]) for v in present):
            return yaml_value(present[0])
        if all(isinstance(v, list) and len(v) == len(present[0]) for v in present) \
                and len(present[0]) <= 4:    # per axis: [$out] for LayerNorm's [96], [192]
            return "[" + ", ".join(self.text([None if v is None else v[i] for v in values], key)
                                   for i in range(len(present[0]))) + "]"
        for name, vector in zip(self.names, self.vectors):
            if all(v is None or u is None or _same(u, v) for u, v in zip(vector, values)):
                for n, v in enumerate(values):
                    if vector[n] is None:
                        vector[n] = v
                return f"${name}"
        for name, vector in zip(self.names, self.vectors):
            factor = _factor(vector, values)
            if factor is not None:
                return f"${name} * {factor}"
            if key == "padding" and _pairs(vector, values) and all(
                    type(u) is int and v == (u - 1) // 2 for u, v in _pairs(vector, values)):
                return f"(${name} - 1) // 2"      # 'same' for an odd kernel
        return f"${self.add(list(values), _ARG_NAMES.get(key, safe(key)))}"

    def flag(self, present: list[bool], stem: str) -> str:
        """``$name`` (or ``not $name``) of a flag equal to ``present``, made if new."""
        for name, vector in zip(self.names, self.vectors):
            if all(type(v) is bool for v in vector):
                if vector == present:
                    return f"${name}"
                if vector == [not v for v in present]:
                    return f"not ${name}"
        return f"${self.add(list(present), stem)}"

    def add(self, vector: list[Any], stem: str) -> str:
        name, n = stem, 2
        while name in self.names:
            name, n = f"{stem}{n}", n + 1
        self.names.append(name)
        self.vectors.append(vector)
        return name


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _pairs(base: list[Any], values: list[Any]) -> list[tuple[Any, Any]]:
    return [(u, v) for u, v in zip(base, values) if u is not None and v is not None]


def _factor(base: list[Any], values: list[Any]) -> int | None:
    pairs = [(u, v) for u, v in zip(base, values) if u is not None and v is not None]
    if not pairs or not all(type(u) is int and type(v) is int and u > 0 for u, v in pairs):
        return None
    u, v = pairs[0]
    if v % u or v // u < 2:
        return None
    factor = v // u
    return factor if all(y == x * factor for x, y in pairs) else None


# -- writing -------------------------------------------------------------------------------

def _mapping(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


def write_items(items: list[Any], indent: str, arguments: Arguments) -> list[str]:
    lines: list[str] = []
    for item in items:
        lines += _write(item, indent, arguments)
    return lines


def _write(item: Any, indent: str, arguments: Arguments) -> list[str]:
    if isinstance(item, dict):          # a group's from:
        return [f"{indent}- from: {yaml_value(item['from'])}"]
    if isinstance(item, Optional):
        what = str(_signature(item.item)[-1]) if not isinstance(item.item, Merge) else "merge"
        flag = arguments.flag(list(item.present),
                              what if re.fullmatch(r"[A-Za-z]\w*", what) else f"with_{safe(what)}")
        return [f"{indent}- when: {flag}", f"{indent}  then:",
                *_write(item.item, indent + "    ", arguments)]
    if isinstance(item, Leaf):
        args = [(k, arguments.text(s.values, k)) for k, s in item.args.items()]
        args = [(k, v) for k, v in args if not _default_text(item.kind, k, v)]
        if item.merge_from is not None:
            branches = ", ".join(f"[{{from: {yaml_value(r)}}}]" for r in item.merge_from)
            more = "".join(f", {k}: {v}" for k, v in args)
            return [f"{indent}- {{name: {yaml_value(item.name)}, {item.kind}: [{branches}]"
                    f"{more}}}"]
        if item.source is not None:
            return [f"{indent}- {{name: {yaml_value(item.name)}, {item.kind}: "
                    f"{_mapping(args)}, from: {yaml_value(item.source)}}}"]
        return [f"{indent}- {item.kind}: {_mapping([('name', yaml_value(item.name)), *args])}"]
    if isinstance(item, Group):
        return [f"{indent}- name: {yaml_value(item.name)}", f"{indent}  layers:",
                *write_items(item.items, indent + "    ", arguments)]
    assert isinstance(item, Merge)
    lines = [f"{indent}- {item.kind}:"]
    for branch in item.branches:
        if not branch:
            lines.append(f"{indent}    - []")
        else:
            lines.append(f"{indent}    - layers:")
            lines += write_items(branch, indent + "        ", arguments)
    for k, s in item.args.items():
        lines.append(f"{indent}  {k}: {arguments.text(s.values, k)}")
    return lines


def _default_text(kind: str, key: str, text: str) -> bool:
    """A constant equal to the kind's default (written by one use, defaulted by another)."""
    defaults = _defaults(kind)
    return key in defaults and not text.startswith("$") and text == yaml_value(defaults[key])


_SPEC_WORDS = {"input", "layers", "blocks", "repeat", "when", "then", "else", "name", "from",
               "output", "functional", "index", "args", "vars", "inline"}
"""Words the spec language reads as keys: a block is never called by one of them."""


def block_name(cls: str, taken: set[str]) -> str:
    from ..layers import lookup

    short = cls.rpartition(".")[2].lstrip("_") or "block"
    stem = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", short).lower()
    stem = safe(stem)
    if lookup(stem) is not None or stem in _SPEC_WORDS:
        stem += "_block"
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem}_{n}", n + 1
    taken.add(name)
    return name


@dataclass
class Block:
    name: str
    cls: str
    items: list[Any]
    members: list[tuple[str, ...]]       # instance paths, in order of use
    arguments: Arguments | None = None
    inline: bool = False
    """Called inside the instance's own group (``- {name: denselayer1, layers: [block]}``):
    where some uses begin with a merge of earlier outputs that the block cannot name
    (DenseNet's concatenation), written in the group before the call."""
    headed: set[tuple[str, ...]] = field(default_factory=set)

    def write(self) -> list[str]:
        """The definition's lines (computes the arguments)."""
        self.arguments = Arguments(len(self.members))
        body = write_items(self.items, "      ", self.arguments)
        args = yaml_value(self.arguments.names) if self.arguments.names else "[]"
        where = self.cls.replace("torch.nn.modules.", "torch.nn.")
        if where.startswith("_cnncalc"):        # a class of the user's file: its own name
            where = where.partition(".")[2]
        where = clean(where)[:120]
        lines = [f"  {self.name}:  # {where}, {len(self.members)} uses",
                 f"    args: {args}", "    layers:", *body]
        if self.inline:
            lines.insert(2, "    inline: true         # its rows are named in the caller's group")
        if not self.arguments.names:
            lines.pop(1)
        return lines

    def call_values(self, member: tuple[str, ...]) -> list[Any]:
        assert self.arguments is not None
        n = self.members.index(member)
        return [vector[n] for vector in self.arguments.vectors]


def find_blocks(trace: Trace, classes: dict[str, str]) -> tuple[dict[tuple[str, ...], Block],
                                                                 dict[tuple[str, ...], int]]:
    """The instances written as calls (path -> its block) and each one's input row."""
    spans: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(trace.rows):
        for d in range(1, len(row.path)):
            spans.setdefault(tuple(row.path[:d]), []).append(index)
    leaf_paths = {tuple(r.path) for r in trace.rows}
    consumers: dict[int, set[int]] = {}
    for index, row in enumerate(trace.rows):
        for i in row.inputs:
            consumers.setdefault(i, set()).add(index)
    candidates: dict[tuple[str, ...], tuple[list[Any], int]] = {}
    headed: set[tuple[str, ...]] = set()   # instances whose first row (a merge) stays out
    for path, indices in spans.items():
        cls = classes.get(".".join(path))
        if cls is None or cls in CONTAINERS or path in leaf_paths:
            continue
        if indices != list(range(indices[0], indices[-1] + 1)):
            continue
        inside = set(indices)
        if any(not consumers.get(r, set()) <= inside for r in indices[:-1]):
            continue                   # a row inside is read from outside
        try:
            candidates[path] = instance_items(trace.rows, range(indices[0], indices[-1] + 1),
                                              len(path))
        except NotABlock:
            head = trace.rows[indices[0]]
            if not head.row.merge or len(indices) < 2 or len(head.path) != len(path) + 1:
                continue
            try:     # DenseNet's layer: a concat of earlier outputs, then one chain
                items, entry = instance_items(trace.rows, range(indices[0] + 1,
                                                                indices[-1] + 1), len(path))
            except NotABlock:
                continue
            if entry != indices[0]:
                continue
            candidates[path] = (items, entry)
            headed.add(path)
    banned: set[tuple[str, ...]] = set()
    for _ in range(len(candidates) + 1):
        chosen: list[tuple[str, ...]] = []
        chosen_set: set[tuple[str, ...]] = set()
        for path in sorted(candidates, key=lambda p: (len(p), spans[p][0])):
            if path in banned or any(path[:d] in chosen_set for d in range(1, len(path))):
                continue
            chosen.append(path)
            chosen_set.add(path)
        chosen.sort(key=lambda p: spans[p][0])
        blocks = _fold(chosen, candidates, classes)
        small = {m for b in blocks for m in b.members if len(b.members) < 2}
        if not small:
            break
        banned |= small
    calls: dict[tuple[str, ...], Block] = {}
    taken: set[str] = set()
    for block in blocks:
        block.name = block_name(block.cls, taken)
        block.inline = any(m in headed for m in block.members)
        block.headed = {m for m in block.members if m in headed}
        for member in block.members:
            calls[member] = block
    return calls, {p: candidates[p][1] for p in calls}


MAX_OPTIONAL = 1
"""Layers present in some uses only, per block: one (a downsample) reads as a person writes
it; more (ShuffleNet's two units in one block) read better as two blocks."""


def _optionals(items: list[Any]) -> int:
    count = 0
    for item in items:
        if isinstance(item, Optional):
            count += 1 + _optionals([item.item])
        elif isinstance(item, Group):
            count += _optionals(item.items)
        elif isinstance(item, Merge):
            count += sum(_optionals(b) for b in item.branches)
    return count


def _fold(chosen: list[tuple[str, ...]], candidates: dict, classes: dict[str, str]
          ) -> list[Block]:
    blocks: list[Block] = []
    for path in chosen:
        cls = classes[".".join(path)]
        items = candidates[path][0]
        for block in blocks:
            if block.cls != cls:
                continue
            merged = unify_lists(block.items, items, len(block.members), 1, optional=False)
            if merged is not None and _optionals(merged) <= MAX_OPTIONAL:
                block.items = merged
                block.members.append(path)
                break
        else:
            blocks.append(Block("", cls, items, [path]))
    return blocks
