"""``--until`` and ``--trace``: stop a network at a layer, and show how each shape was made.

The trace is the units' own worked formulas (``explain``), shape lines only, one block per
layer, so a designer sees ``H: (56 + 2*1 - 3) / 2 + 1 = 28.5 -> floor -> 28`` at the layer
where a size went wrong.
"""

from __future__ import annotations

from .engine import propagate
from .errors import CnnCalcError, did_you_mean
from .graph import Graph
from .layers.core import fmt_shape
from .record import replace

SHAPE_TOPICS = ("padding", "shape")


def until(graph: Graph, name: str) -> Graph:
    """The network cut after layer ``name`` (a full name, or a scope such as ``layer2``)."""
    names = [n.name for n in graph.nodes]
    index = None
    for i, full in enumerate(names):
        if full == name or full.startswith(name + "."):
            index = i
            if full == name:
                break
    if index is None:
        raise CnnCalcError(f"--until: no layer named '{name}'{did_you_mean(name, names)}")
    return replace(graph, nodes=graph.nodes[:index + 1], outputs=(index,))


def trace_lines(graph: Graph, layout: str | None = None) -> list[str]:
    """Every layer's input and output shape and the formula lines that produced it."""
    layout = layout or graph.layout
    shape_txt = lambda s: fmt_shape(s, layout)  # noqa: E731
    lines = [f"input: {shape_txt(graph.input_shape)}"]
    for step in propagate(graph, keep_going=True):
        node = step.node
        where = f"  ({node.pos})" if node.pos else ""
        if step.error is not None:
            lines.append(f"{node.name} ({node.kind}): ERROR {step.error.message}"
                         + (f"; {step.error.hint}" if step.error.hint else "") + where)
            continue
        if step.result is None:
            lines.append(f"{node.name} ({node.kind}): ? (an input above failed)")
            continue
        call = step.result
        ins = ", ".join(shape_txt(s) for s in call.inputs)
        lines.append(f"{node.name} ({node.kind}): {ins} -> {shape_txt(call.out)}{where}")
        for line in node.unit.explain(call, layout):
            if line.topic in SHAPE_TOPICS and not line.text.startswith("output shape"):
                lines.append(f"    {line.text}")
        for warning in call.warnings:
            lines.append(f"    warning: {warning.message}")
    return lines
