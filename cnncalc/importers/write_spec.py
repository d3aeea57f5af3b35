"""A Keras model read by ``keras_ast`` written as a cnncalc spec (YAML text).

Every row carries Keras' layer name; a layer's ``activation=`` becomes the next row, named
``<layer>_activation`` (``keras_names.ACTIVATION_SUFFIX``); a nested Sequential becomes a
named group; branches are written with ``from:`` references, merges as
``add: [[{from: a}], [{from: b}]]``. The spec is channels last (``input_layout: hwc``), as
the Keras code is.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import SourcePos
from ..keras_names import ACTIVATION_SUFFIX
from .keras_ast import GraphNode, KerasImportError, Unknown
from .keras_layers import LAYERS, KerasLayerError, Written
from .keras_model import ReadModel

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
MERGE_KINDS = ("add", "concat", "multiply")


def yaml_value(value: Any) -> str:
    """A value in YAML flow style that reads back as the same value.

    >>> [yaml_value(v) for v in (True, 3, 1e-05, "same", "a b", (3, 3))]
    ['true', '3', '1.0e-05', 'same', '"a b"', '[3, 3]']
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    text = str(value)
    return text if _PLAIN.match(text) and text.lower() not in _YAML_WORDS else json.dumps(text)


def _mapping(pairs: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in pairs.items()) + "}"


class _Names:
    """Keras names made safe as spec names (a word without dots, never 'input'), unique."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, name: str) -> str:
        safe = re.sub(r"\W", "_", name) or "layer"
        if safe == "input":
            safe = "input_"
        base, i = safe, 1
        while safe in self.taken:
            safe, i = f"{base}_{i}", i + 1
        self.taken.add(safe)
        return safe


def convert(node: GraphNode, filename: str) -> tuple[str, dict[str, Any], str | None]:
    """The cnncalc layer of one Keras layer, or a located error."""
    layer = node.layer
    entry = LAYERS[layer.cls]
    written = Written(layer.cls, layer.args, Unknown)
    pos = SourcePos(filename, getattr(layer.node, "lineno", 1),
                    getattr(layer.node, "col_offset", 0) + 1)
    try:
        result = entry.convert(written, entry.rank)
        written.leftovers()
    except KerasLayerError as exc:
        raise KerasImportError(f"in layer '{layer.name}' ({layer.cls}): {exc}", pos) from None
    return result


def to_spec(model: ReadModel, filename: str, command: str) -> str:
    """The YAML text of the spec; ``command`` is quoted in its header comment."""
    names = _Names()
    lines = [f"# Written by `{command}`: model '{model.name}' (Keras {model.kind}).",
             "# Row names are Keras' layer names; a layer's activation= is the next row, named",
             f"# <layer>{ACTIVATION_SUFFIX}. Channels last, as Keras writes shapes.",
             f"name: {yaml_value(model.name)}",
             "input_layout: hwc",
             f"input: {yaml_value(list(model.input_shape))}",
             "layers:"]
    first = model.nodes[0]
    ref: dict[int, str] = {}
    if model.functional:
        ref[first.index] = names(first.layer.name)
        lines.append(f"  - identity: {{name: {yaml_value(ref[first.index])}}}")
    else:
        ref[first.index] = "input"
    stream = first.index
    group: str | None = None
    outputs = set(model.outputs)
    last = model.nodes[-1].index
    for node in model.nodes[1:]:
        if node.group != group:
            group = node.group
            if group is not None:
                group_name = names(group)
                if node.inputs != [stream]:
                    lines.append(f"  - name: {yaml_value(group_name)}")
                    lines.append(f"    from: {yaml_value(ref[node.inputs[0]])}")
                    lines.append("    layers:")
                else:
                    lines.append(f"  - name: {yaml_value(group_name)}")
                    lines.append("    layers:")
        indent = "      " if group is not None else "  "
        prefix = f"{group_name}." if group is not None else ""
        kind, args, activation = convert(node, filename)
        own = names(node.layer.name)
        side = node.index in outputs and node.index != last
        if kind in MERGE_KINDS:
            if len(node.inputs) < 2:
                raise _error(node, filename, f"{node.layer.cls} needs at least two inputs")
            branches = ", ".join(f"[{{from: {yaml_value(ref[i])}}}]" for i in node.inputs)
            extra = "".join(f", {k}: {yaml_value(v)}" for k, v in args.items())
            flag = ", output: true" if side and not activation else ""
            lines.append(f"{indent}- {{name: {yaml_value(own)}, {kind}: [{branches}]"
                         f"{extra}{flag}}}")
            ref[node.index] = f"{prefix}{own}"  # a named merge answers to its name
        else:
            if len(node.inputs) != 1:
                raise _error(node, filename, f"{node.layer.cls} takes one input, got "
                                             f"{len(node.inputs)}")
            beside: dict[str, Any] = {}
            if node.inputs[0] != stream:
                beside["from"] = ref[node.inputs[0]]
            if side and not activation:
                beside["output"] = True
            if beside:
                extra = "".join(f", {k}: {yaml_value(v)}" for k, v in beside.items())
                lines.append(f"{indent}- {{name: {yaml_value(own)}, {kind}: {_mapping(args)}"
                             f"{extra}}}")
            else:
                lines.append(f"{indent}- {kind}: {_mapping({'name': own, **args})}")
            ref[node.index] = f"{prefix}{own}"
        if activation:
            act = names(own + ACTIVATION_SUFFIX)
            if side:
                lines.append(f"{indent}- {{name: {yaml_value(act)}, {activation}: {{}}, "
                             "output: true}")
            else:
                lines.append(f"{indent}- {activation}: {{name: {yaml_value(act)}}}")
            ref[node.index] = f"{prefix}{act}"
        stream = node.index
    return "\n".join(lines) + "\n"


def _error(node: GraphNode, filename: str, message: str) -> KerasImportError:
    layer = node.layer
    return KerasImportError(f"in layer '{layer.name}' ({layer.cls}): {message}",
                            SourcePos(filename, getattr(layer.node, "lineno", 1),
                                      getattr(layer.node, "col_offset", 0) + 1))
