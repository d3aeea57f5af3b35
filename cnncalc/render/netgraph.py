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
    repeats: int = 1
    """How many identical blocks this node stands for (``fold_repeats``)."""

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


def _signature(node: Node) -> tuple | None:
    """What makes two blocks repeats of each other: the same layers (names relative to the
    block, kinds, output shapes) in the same order."""
    if node.kind != "block":
        return None
    return tuple((r.name[len(node.key):], r.kind, r.output_shape) for r in node.rows)


def fold_repeats(net: Net) -> Net:
    """Runs of identical blocks, each reading only the one before, become one node
    (``layer3.1…layer3.5``, ``×5``), as torchvista folds repeated modules. The folded node
    keeps every row, so every layer is still drawn exactly once."""
    consumers: dict[str, int] = {}
    for src, _ in net.edges():
        consumers[src] = consumers.get(src, 0) + 1
    out: list[Node] = []
    renamed: dict[str, str] = {}
    run: list[Node] = []

    def flush() -> None:
        if len(run) > 1:
            first, last = run[0], run[-1]
            key = f"{first.key}…{last.key.rsplit('.', 1)[-1]}"
            folded = Node(key, "block", "block", last.shape,
                          rows=[r for n in run for r in n.rows], inputs=list(first.inputs),
                          repeats=len(run))
            for n in run:
                renamed[n.key] = key
            out.append(folded)
        else:
            out.extend(run)
        run.clear()

    for node in net.nodes:
        sig = _signature(node)
        if (run and sig is not None and sig == _signature(run[-1])
                and node.inputs == [run[-1].key] and consumers.get(run[-1].key) == 1):
            run.append(node)
            continue
        flush()
        run.append(node)
    flush()
    for node in out:
        node.inputs = list(dict.fromkeys(renamed.get(k, k) for k in node.inputs))
    return Net(net.name, out, net.report, net.depth)
