"""What a unit is given to suggest fixes for its own error (``LayerKind.suggest_fixes``), and
the helpers that several units' fixes share: naming where a shape came from, walking a branch
back to its fork, the padding that keeps a stride-1 window's size, solving a window for the
padding or stride that gives a wanted size.

The debugger (``cnncalc.diagnose``) builds the context and knows no layer kind; each unit
knows its own mistakes. Imported only on the error path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from ..record import replace
from .core import NETWORK_INPUT, Call, Shape, fmt_shape, ints, to_layout

if TYPE_CHECKING:
    from ..engine import Step
    from ..graph import Graph, Node


@dataclass(frozen=True)
class FixContext:
    """A failed node in its network: the graph, the steps walked so far (node id -> step),
    the node, its input shapes, and the network-level search for the smallest input that
    survives a graph (``diagnose.min_input``), which a unit cannot do on its own."""

    graph: Graph
    steps: Mapping[int, Step]
    node: Node
    inputs: list[Shape]
    smallest_input: Callable[[Graph], Shape | None]

    def fmt(self, shape: Shape) -> str:
        """A whole tensor's shape in the spec's layout (``Call.fmt``)."""
        return fmt_shape(to_layout(shape, self.graph.layout))


def producer(graph: Graph, node_id: int) -> str:
    return "the network input" if node_id == NETWORK_INPUT else f"'{graph.nodes[node_id].name}'"


def shape_of(graph: Graph, steps: Mapping[int, Step], node_id: int) -> Shape | None:
    if node_id == NETWORK_INPUT:
        return graph.input_shape
    step = steps.get(node_id)
    return step.result.out if step and step.result else None


def line(node: Node, graph: Graph | None = None) -> str:
    """``line 8``; with the graph, also the other layers the same text makes (a block used
    twice), since an edit there changes all of them: ``line 8, which also makes
    'res1.conv2'``."""
    if node.pos is None:
        return "its line"
    text = f"line {node.pos.line}"
    twins = shared_with(graph, node) if graph is not None else []
    if twins:
        more = f" and {len(twins) - 2} more" if len(twins) > 2 else ""
        text += f", which also makes {', '.join(repr(t) for t in twins[:2])}{more}"
    return text


def shared_with(graph: Graph, node: Node) -> list[str]:
    """The other layers that the text of ``node`` makes (the same block used more than once)."""
    if node.pos is None:
        return []
    return [n.name for n in graph.nodes if n.pos == node.pos and n.id != node.id]


def branch(graph: Graph, start: int, stop: set[int]) -> list[Node]:
    """Nodes from ``start`` back along first inputs until one in ``stop`` (the fork)."""
    out, node_id = [], start
    while node_id != NETWORK_INPUT and node_id not in stop and len(out) < 10_000:
        node = graph.nodes[node_id]
        out.append(node)
        node_id = node.inputs[0] if node.inputs else NETWORK_INPUT
    return out[::-1]


def ancestors(graph: Graph, node_id: int) -> set[int]:
    seen, stack = set(), [node_id]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n != NETWORK_INPUT:
            stack.extend(graph.nodes[n].inputs)
    return seen


def _shrinking(steps: Mapping[int, Step], nodes: Iterable[Node]) -> list[tuple[Node, object]]:
    """Stride-1 windows (conv, pool) among ``nodes`` that lose size, each with the padding
    that keeps it: ``(k - 1) / 2`` per axis for odd extents, ``same`` for even ones."""
    found = []
    for node in nodes:
        step = steps.get(node.id)
        if not step or not step.result or node.unit.window_formula not in ("conv", "pool"):
            continue
        result, window = step.result, step.result.window
        if window is None or len(result.out) != len(result.x) or \
                result.out[1:] == result.x[1:]:
            continue
        if any(s != 1 for s in window.stride):
            continue
        extents = [d * (k - 1) + 1 for k, d in zip(window.kernel, window.dilation)]
        if all(e % 2 for e in extents):
            pads = [(e - 1) // 2 for e in extents]
            found.append((node, pads[0] if len(set(pads)) == 1 else pads))
        elif node.unit.window_formula == "conv":  # a pool takes no 'same' (PyTorch's rule)
            found.append((node, "same"))
    return found


def shrinking_windows(steps: Mapping[int, Step], nodes: Iterable[Node],
                      graph: Graph | None = None) -> list[str]:
    """Stride-1 windows (conv, pool) on a branch that lose size, with the padding that keeps
    it (``graph`` names the other layers a shared line makes)."""
    shrinking = _shrinking(steps, nodes)
    if not shrinking:
        return []
    names = []
    for node, value in shrinking:
        kernel = steps[node.id].result.window.kernel  # type: ignore[union-attr]
        if value == "same":
            names.append(f"padding: same on '{node.name}' ({line(node, graph)}, even kernel "
                         f"{fmt_shape(kernel)} needs uneven padding)")
        else:
            names.append(f"padding: {value} on '{node.name}' ({line(node, graph)}, kernel "
                         f"{fmt_shape(kernel)}: (k - 1)/2 = {value})")
    keep = steps[shrinking[0][0].id].result.x[1:]  # type: ignore[union-attr]
    return ["; ".join(names) + f" keeps {fmt_shape(keep)} through the branch"]


def padded_rerun(steps: Mapping[int, Step], nodes: list[Node]) -> Shape | None:
    """What a branch (``nodes``, in order, each feeding the next) gives once its shrinking
    stride-1 windows get the padding that ``shrinking_windows`` suggests: the shape to go on
    with when that is the fix. None when nothing shrinks or the branch does not run."""
    padded = {node.id: value for node, value in _shrinking(steps, nodes)}
    if not padded or not nodes:
        return None
    first = steps.get(nodes[0].id)
    if not first or not first.result:
        return None
    shape = first.result.inputs[0]
    for node in nodes:
        step = steps.get(node.id)
        if not step or not step.result:
            return None
        args = {**node.args, "padding": padded[node.id]} if node.id in padded else None
        try:
            shape = node.unit.evaluate(Call.for_node(node, [shape, *step.result.inputs[1:]],
                                                     args, step.result.layout)).out
        except CnnCalcError:
            return None
    return shape


def resize(steps: Mapping[int, Step], nodes: list[Node], target: Shape,
           graph: Graph | None = None) -> str | None:
    """Solve the last sliding window of a branch (``nodes``) for a padding (and
    output_padding, or stride) that makes it give ``target``: the computed "which
    padding/stride reaches this size", from the unit's ``window_formula``."""
    from ..solve import solve

    for node in reversed(nodes):
        step = steps.get(node.id)
        op = node.unit.window_formula
        if not step or not step.result or op is None or step.result.window is None:
            continue
        call, window = step.result, step.result.window
        if op == "conv" and isinstance(call.args.get("padding"), str):
            return None
        kernel, stride, dilation = window.kernel, window.stride, window.dilation
        tries = [("padding",), ("padding", "output_padding"), ("stride",),
                 ("stride", "padding")] if op == "deconv" else \
            [("padding",), ("stride",), ("stride", "padding")]
        for unknowns in tries:
            chosen = []
            for n, k, st, d, t in zip(call.x[1:], kernel, stride, dilation, target):
                known = {"input": n, "kernel": k, "stride": st, "dilation": d}
                known = {key: v for key, v in known.items() if key not in unknowns}
                try:
                    answer = solve(op, known, unknowns, t)
                except CnnCalcError:
                    break
                exact = [sol for sol in answer.solutions if sol.exact] or \
                    list(answer.solutions)
                if not exact:
                    break
                chosen.append(exact[0].values)
            else:
                if len(chosen) == call.ndim and chosen:
                    settings = ", ".join(
                        f"{key}: {ints([c[key] for c in chosen])}" for key in chosen[0])
                    return (f"{settings} on '{node.name}' ({line(node, graph)}) makes it give "
                            f"{fmt_shape(target)} (solved from its size formula)")
        return None
    return None


def too_small(ctx: FixContext) -> list[str]:
    """A window larger than its input: where the input came from, and the smallest network
    input that gets this far."""
    graph, node = ctx.graph, ctx.node
    fixes = [f"its input {ctx.fmt(ctx.inputs[0])} comes from "
             f"{producer(graph, node.inputs[0])}"]
    upto = replace(graph, nodes=graph.nodes[:node.id + 1], outputs=(node.id,))
    smallest = ctx.smallest_input(upto)
    if smallest is not None:
        fixes.append(f"the network up to '{node.name}' needs an input of at least "
                     f"{ctx.fmt(smallest)} (the spec has {ctx.fmt(graph.input_shape)})")
    return fixes


def groups(ctx: FixContext) -> list[str]:
    """The group counts that divide both the input and the output channels."""
    cin = ctx.inputs[0][0]
    cout = ctx.node.args.get("out_channels") or cin
    common = math.gcd(cin, cout)
    good = [g for g in range(1, common + 1) if common % g == 0]
    return [f"groups must divide both {cin} input and {cout} output channels: "
            f"groups: {', '.join(map(str, good))} would work"]
