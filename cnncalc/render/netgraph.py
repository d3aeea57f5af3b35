"""The network as the pictures see it: one node per layer, or per block at ``--depth``, with
an edge for every input that crosses from one node to another.

Built from the report (rows, output shapes) and the loaded graph (each layer's unit and
arguments), so the shapes drawn are the ones ``analyze`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph import Graph
from ..report import Report, Row
from .columns import shape_text

INPUT = "input"
"""The node that stands for the network's input (rows name it ``input`` in ``inputs``)."""


@dataclass
class Node:
    key: str
    """The layer's name, or the block's scope at the chosen depth."""
    kind: str
    """The layer kind, or ``block`` for a folded group."""
    category: str
    shape: tuple[int, ...] | None
    rows: list[Row] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    args: dict[str, Any] = field(default_factory=dict)
    windowed: bool = False
    """Whether the (single) layer slides a window: its kernel and stride are worth a label."""

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)


@dataclass
class Net:
    name: str
    nodes: list[Node]
    report: Report
    depth: int | None

    def shape_label(self, node: Node) -> str:
        return shape_label(node.shape, self.report)

    def edges(self) -> list[tuple[str, str]]:
        return [(src, n.key) for n in self.nodes for src in n.inputs]

    def is_chain(self) -> bool:
        """Each node reads the one before it and nothing else: the classic row of boxes fits."""
        return all(n.inputs == [self.nodes[i].key] for i, n in enumerate(self.nodes[1:]))


def shape_label(shape: tuple[int, ...] | None, report: Report) -> str:
    """The shape as ``analyze`` prints it (in the report's layout), with ``×`` between axes."""
    return shape_text(shape, report).replace(" x ", "×")


def group_key(name: str, depth: int | None) -> str:
    if depth is None:
        return name
    return ".".join(name.split(".")[:depth + 1])


def build(report: Report, graph: Graph, depth: int | None = None) -> Net:
    """Fold the report's rows into nodes at ``depth`` (None: every layer)."""
    units = {n.name: n for n in graph.nodes}
    nodes: dict[str, Node] = {INPUT: Node(INPUT, "input", "input", report.input_shape)}
    owner: dict[str, str] = {INPUT: INPUT}
    for row in report.rows:
        key = group_key(row.name, depth)
        owner[row.name] = key
        node = nodes.get(key)
        if node is None:
            unit = units.get(row.name)
            single = key == row.name
            node = nodes[key] = Node(
                key, row.kind if single else "block",
                (unit.unit.category if unit else "other") if single else "block", None,
                args=dict(unit.args) if unit and single else {},
                windowed=bool(single and unit and unit.unit.window_formula))
        node.rows.append(row)
        node.shape = row.output_shape
        for name in row.inputs:
            src = owner.get(name)
            if src is not None and src != key and src not in node.inputs:
                node.inputs.append(src)
    return Net(report.name, list(nodes.values()), report, depth)
