"""``cnncalc import onnx MODEL.onnx``: an ONNX graph written as a cnncalc spec (YAML text).

One row per op that computes on the data (``onnx_ops.CONVERTERS``); constants and the shape
arithmetic around reshapes are folded away. Rows are named after the node's module path as
exporters write it (``/layer1/layer1.0/conv1/Conv`` -> ``layer1_0_conv1``, dots become
underscores as spec names are words); a row that does not read the row above says
``from:``, merges list their inputs as branches. The spec is channels first, as ONNX is.

The header states the file's own figure: the initializers read as trainable weights
(BatchNorm's running statistics apart), which ``cnncalc analyze`` of the spec reproduces.
"""

from __future__ import annotations

import re

from .onnx_ops import CONVERTERS, REFUSED, Converted, Row
from .onnx_read import Model, OnnxImportError, load
from .write_spec import _Names, yaml_value

MERGES = ("add", "multiply", "concat")
_FUNCTIONAL = {"Add", "Mul", "Sub", "Div", "Concat", "Flatten", "Reshape", "Squeeze",
               "Unsqueeze", "GlobalAveragePool", "GlobalMaxPool", "Split", "Transpose", "Pad",
               "Resize", "Upsample", "MatMul", "Slice"}
"""Ops exporters write for functional calls inside a module (``torch.flatten(x, 1)`` in
ResNet's forward): their row is named ``<module path>_<kind>``, not after the module."""


def row_name(label: str, kind: str, op: str) -> str:
    """A row's name from the node's: the module path, or the kind where there is none.

    >>> row_name("/layer1/layer1.0/conv1/Conv", "conv2d", "Conv")
    'layer1.0.conv1'
    >>> row_name("/layer1/layer1.0/Add", "add", "Add"), row_name("/Flatten", "flatten", "Flatten")
    ('layer1.0.add', 'flatten')
    """
    parts = [p for p in label.split("/") if p][:-1] if label.startswith("/") else []
    path = ""
    for part in parts:
        path = part if not path or part.startswith(path + ".") else f"{path}.{part}"
    if not path:
        return re.sub(r"^/", "", label).split("/")[-1] if label and not label.startswith("/") \
            else kind
    return f"{path}.{kind}" if op in _FUNCTIONAL else path


def convert(model: Model) -> tuple[list[tuple[Row, str]], Converted]:
    """Every row (with its op) and, summed over all nodes, the weights and buffers read."""
    rows: list[tuple[Row, str]] = []
    total = Converted([])
    produced: set[str] = set()
    for node in model.graph.node:
        if all(o in produced for o in node.output if o):
            continue  # folded into a row before it (MatMul's bias Add)
        if node.op_type == "Constant" or all(o in model.constants or o in model.opaque
                                             for o in node.output if o):
            continue
        if not any(model.is_data(i) for i in node.input):
            model.opaque.update(o for o in node.output if o and o not in model.constants)
            continue
        if node.domain not in ("", "ai.onnx"):
            raise model.error(node, f"ops of domain '{node.domain}' are not read")
        converter = CONVERTERS.get(node.op_type) or REFUSED.get(node.op_type)
        if converter is None:
            raise model.error(node, "this op has no cnncalc layer; cnncalc reads "
                                    + ", ".join(sorted(CONVERTERS)))
        done = converter(model, node)
        rows += [(row, node.op_type) for row in done.rows]
        produced.update(row.output for row in done.rows)
        produced.update(done.claimed)
        total.weights += done.weights
        total.buffers += done.buffers
        total.alias.update(done.alias)
        if done.approximate and done.approximate not in (total.approximate or ""):
            total.approximate = ((total.approximate + "; ") if total.approximate else "") + \
                done.approximate
    return rows, total


def _count(model: Model, names: list[str], once: bool = False) -> int:
    """The elements of the tensors ``names``: as every row reads them (what the spec counts),
    or each stored tensor ``once``."""
    total = 0
    for name in (dict.fromkeys(names) if once else names):
        shape = model.shape(name) or ()
        n = 1
        for d in shape:
            n *= d or 0
        total += n
    return total


def to_spec(model: Model, command: str) -> str:
    """The YAML text of the spec; ``command`` is quoted in its header comment."""
    rows, total = convert(model)
    if not rows:
        raise OnnxImportError(f"{model.filename}: the graph has no layer cnncalc reads")
    params, buffers = _count(model, total.weights), _count(model, total.buffers)
    stored = _count(model, [model.stored_as.get(w, w) for w in total.weights], once=True)
    shared = f" ({stored:,} stored: layers share tensors, equal values an exporter stored " \
        "once or one module run twice; the spec gives each layer its own)" \
        if stored != params else ""
    name = model.graph.name or "onnx model"
    lines = [f"# Written by `{_comment(command)}`: graph '{_comment(name)}', opset "
             f"{model.opset}.",
             f"# The file's initializers: {params:,} trainable weights read{shared}"
             + (f", {buffers:,} BatchNorm running statistics (buffers)" if buffers else "")
             + "; cnncalc analyze of this spec counts the same.",
             "# Row names are the exporter's module paths, dots written as underscores."]
    if total.approximate:
        lines.append(f"# Not exact op for op: {total.approximate}.")
    lines += [f"name: {yaml_value(name)}",
              f"input: {yaml_value(list(model.input_shape))}",
              "layers:"]
    names = _Names()
    ref: dict[str, str] = {model.input_name: "input"}

    def resolve(tensor: str) -> str:
        seen = 0
        while tensor in total.alias and seen < 10_000:
            tensor, seen = total.alias[tensor], seen + 1
        if tensor not in ref:
            raise OnnxImportError(f"{model.filename}: tensor '{tensor}' is read before any "
                                  "node computes it (nodes out of order, or a second input)")
        return ref[tensor]

    outputs = {resolve_output for resolve_output in model.outputs}
    last_output = rows[-1][0].output
    previous = "input"
    for row, op in rows:
        own = names(row_name(row.label, row.kind, op))
        sources = [resolve(t) for t in row.inputs]
        side = row.output in outputs and row.output != last_output
        flag = ", output: true" if side else ""
        args = "".join(f", {k}: {yaml_value(v)}" for k, v in row.args.items())
        if row.kind in MERGES:
            branches = ", ".join(f"[{{from: {yaml_value(s)}}}]" for s in sources)
            lines.append(f"  - {{name: {yaml_value(own)}, {row.kind}: [{branches}]{args}{flag}}}")
        else:
            beside = "" if sources[0] == previous else f", from: {yaml_value(sources[0])}"
            mapping = "{" + args[2:] + "}"
            lines.append(f"  - {{name: {yaml_value(own)}, {row.kind}: {mapping}{beside}{flag}}}")
        ref[row.output] = own
        previous = own
    for out in model.outputs:
        resolve(out)
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)[:120]


def import_onnx(path: str, command: str, input_shape: tuple[int, ...] | None = None) -> str:
    """Read ``path`` and return the spec text (the CLI writes it)."""
    return to_spec(load(path, input_shape), command)
