"""Traced PyTorch rows written as a cnncalc spec (YAML text), named by module path.

The module tree becomes nested groups (``- name: layer1`` / ``layers:``), so a row's full
name is the module's own path (``layer1.0.conv1``) and ``analyze`` lines up with
``model.named_modules()``. Functional calls are rows in the group of the module that makes
them (``layer1.0.add``). A module called twice gets a numbered second row
(``layer1.0.relu_1``), as torch.fx numbers its nodes. Rows are written in the order they run;
a row that does not read the row before it says ``from:`` (the full path it reads).

A module class used several times with the same layers is written once under ``blocks:``
and called at each use with what differs as arguments (``torch_blocks`` finds them); with
``calls`` empty (``--flat``) every row is written out where it runs.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import clean
from .torch_blocks import Block
from .torch_trace import INPUT, Trace
from .write_spec import yaml_value


def _safe(component: str) -> str:
    safe = re.sub(r"\W", "_", component) or "layer"
    return "input_" if safe == "input" else safe


def _mapping(pairs: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in pairs.items()) + "}"


def to_spec(trace: Trace, name: str, input_shape: tuple[int, ...], command: str,
            how: str, calls: dict[tuple[str, ...], Block] | None = None) -> str:
    """The YAML text; ``command`` and ``how`` (traced by what) go in the header comment.
    ``calls``: the module instances written as calls of a block (path -> block)."""
    calls = calls or {}
    lines = [f"# Written by `{clean(command)}`: {clean(name)}, {how}.",
             "# Row names are the module's own paths; a functional call (add, cat, flatten)",
             "# is named in the module that makes it. Channels first, as PyTorch."]
    if calls:
        lines += ["# A module class used several times with the same layers is a block, called",
                  "# at each use with what differs as arguments (--flat writes every row out)."]
    lines += [f"name: {yaml_value(name)}", f"input: {yaml_value(list(input_shape))}"]
    blocks = list({id(b): b for b in calls.values()}.values())
    if blocks:
        lines.append("blocks:")
        for block in blocks:
            lines += block.write()
    lines.append("layers:")
    starts: dict[int, tuple[tuple[str, ...], int]] = {}
    for path in calls:
        members = [i for i, r in enumerate(trace.rows) if tuple(r.path[:len(path)]) == path]
        starts[members[0]] = (path, members[-1])
    taken: set[str] = set()
    stack: list[tuple[str, str]] = []          # open groups: (raw component, written)
    names: list[str] = []                      # each row's full written name
    previous = INPUT

    def unique(parent: str, component: str) -> str:
        base = _safe(component)
        written, i = base, 1
        while (f"{parent}.{written}" if parent else written) in taken:
            written, i = f"{base}_{i}", i + 1
        taken.add(f"{parent}.{written}" if parent else written)
        return written

    skip = -1
    for index, row in enumerate(trace.rows):
        if index <= skip:
            continue
        call = starts.get(index)
        scope, leaf = (list(call[0][:-1]), call[0][-1]) if call else (row.path[:-1], row.path[-1])
        keep = 0
        while keep < min(len(stack), len(scope)) and stack[keep][0] == scope[keep]:
            keep += 1
        del stack[keep:]
        for component in scope[keep:]:
            parent = ".".join(w for _, w in stack)
            written = unique(parent, component)
            indent = "  " * (2 * len(stack) + 1)
            lines.append(f"{indent}- name: {yaml_value(written)}")
            lines.append(f"{indent}  layers:")
            stack.append((component, written))
        parent = ".".join(w for _, w in stack)
        own = unique(parent, leaf)
        full = f"{parent}.{own}" if parent else own
        indent = "  " * (2 * len(stack) + 1)
        if call:
            path, skip = call
            block = calls[path]
            values = ", ".join(yaml_value(v) if v is not None else "null"
                               for v in block.call_values(path))
            used = f"{block.name}: [{values}]" if values else block.name
            if path in block.headed:       # the merge row first, in the instance's group
                head = trace.rows[index]
                names.append(f"{full}.{unique(full, head.path[-1])}")
                lines += [f"{indent}- name: {yaml_value(own)}", f"{indent}  layers:",
                          f"{indent}    " + _item(head, names[-1].rpartition(".")[2], names,
                                                  previous),
                          f"{indent}    - {used}"]
                index += 1
            # only the instance's last row is read from outside (torch_blocks checks it):
            # the others get a name that no reference can meet
            names += [f"{full}.?"] * (skip - index) + [full]
            if path not in block.headed:
                entry = _entry(trace, index, skip)
                beside = f", from: {yaml_value(_ref(entry, names))}" if entry != previous \
                    else ""
                if block.inline:
                    lines.append(f"{indent}- {{name: {yaml_value(own)}{beside}, layers: "
                                 f"[{used}]}}")
                else:
                    lines.append(f"{indent}- {{name: {yaml_value(own)}{beside}, {block.name}: "
                                 f"[{values}]}}")
            previous = skip
            continue
        names.append(full)
        lines.append(indent + _item(row, own, names, previous))
        previous = index
    return "\n".join(lines) + "\n"


def _entry(trace: Trace, first: int, last: int) -> int:
    """The one row outside rows ``first..last`` that they read."""
    return next(i for r in range(first, last + 1) for i in trace.rows[r].inputs
                if not first <= i <= last)


def _ref(index: int, names: list[str]) -> str:
    return "input" if index == INPUT else names[index]


def _item(row: Any, own: str, names: list[str], previous: int) -> str:
    """One row as a YAML list item (without its indentation)."""
    kind, args = row.row.kind, row.row.args
    extra = ", output: true" if row.output else ""
    if row.row.merge:
        branches = ", ".join(f"[{{from: {yaml_value(_ref(i, names))}}}]" for i in row.inputs)
        more = "".join(f", {k}: {yaml_value(v)}" for k, v in args.items())
        return f"- {{name: {yaml_value(own)}, {kind}: [{branches}]{more}{extra}}}"
    source = row.inputs[0]
    if source != previous:
        extra = f", from: {yaml_value(_ref(source, names))}" + extra
    if extra:
        return f"- {{name: {yaml_value(own)}, {kind}: {_mapping(args)}{extra}}}"
    return f"- {kind}: {_mapping({'name': own, **args})}"
