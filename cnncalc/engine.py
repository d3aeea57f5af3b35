"""The analytic engine: one walk over the graph in execution order, shapes in, shapes out.

Like an abstract interpreter it runs each node's unit rules on shapes instead of tensors and
collects an immutable ``Report``. It imports no deep-learning framework and no numpy.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import CnnCalcError, ShapeError
from .graph import NETWORK_INPUT, Graph, Node
from .layers.core import Call, Receptive, Result, numel
from .record import record
from .report import DTYPE_BYTES, Report, Row, Totals


def main_path(graph: Graph) -> set[int]:
    """Nodes the main output depends on (the rest feed only side outputs)."""
    keep, stack = set(), [graph.outputs[0]]
    while stack:
        node_id = stack.pop()
        if node_id == NETWORK_INPUT or node_id in keep:
            continue
        keep.add(node_id)
        stack.extend(graph.nodes[node_id].inputs)
    return keep


def _merge_receptive(fields: list[Receptive | None]) -> Receptive | None:
    if len(fields) == 1:
        return fields[0]
    if any(f is None for f in fields) or len({len(f.size) for f in fields}) != 1 or \
            len({f.channels_last for f in fields}) != 1:  # a permuted map joins only its kind
        return None
    size = tuple(max(axis) for axis in zip(*(f.size for f in fields)))
    return Receptive(size, fields[0].jump, fields[0].center2, fields[0].channels_last)


def call_for(node: Node, inputs: list[tuple[int, ...]], args: dict | None = None,
             layout: str = "chw", framework: str = "") -> Call:
    """A use of ``node``'s unit on ``inputs``, with its own copy of the arguments (``args``
    instead of the node's when the debugger tries a fix); ``layout`` is how its messages
    print shapes."""
    return Call.for_node(node, inputs, args, layout, framework)


def run(node: Node, call: Call) -> Result:
    """Apply the unit's rules to ``call`` (rank check, then shape rule, which may warn) and
    return the frozen ``Result``. Raises the unit's ``CnnCalcError`` where PyTorch would
    refuse the shapes."""
    return node.unit.evaluate(call)


@record(frozen=True)
class Step:
    """One node of the walk: its frozen ``result`` (arguments, shapes, counts, window) when the
    rules ran, or the ``error`` that stopped it, or neither when an input upstream failed."""

    node: Node
    result: Result | None
    error: CnnCalcError | None = None


def propagate(graph: Graph, keep_going: bool = False) -> Iterator[Step]:
    """The one generic walk (like torch.fx's ShapeProp): run every node's shape rule in order.

    ``analyze`` counts along it; the torch backend builds modules from the same calls. Without
    ``keep_going`` the first error is raised; with it, failures are yielded and everything
    downstream of them gets ``result=None``.
    """
    shapes: dict[int, tuple[int, ...] | None] = {NETWORK_INPUT: graph.input_shape}
    for node in graph.nodes:
        inputs = [shapes[i] for i in node.inputs]
        if None in inputs:
            shapes[node.id] = None
            yield Step(node, None)
            continue
        call = call_for(node, inputs, layout=graph.layout, framework=graph.framework)
        try:
            result = run(node, call)
        except CnnCalcError as exc:
            if not keep_going:
                raise
            shapes[node.id] = None
            yield Step(node, None, exc)
            continue
        shapes[node.id] = result.out
        yield Step(node, result)


def analyze(graph: Graph, dtype: str = "float32", keep_going: bool = False) -> Report:
    """Propagate shapes through ``graph`` and count everything.

    Raises the first ``CnnCalcError`` unless ``keep_going``; then every error is collected in
    ``Report.errors`` and layers downstream of a failure have an unknown (None) shape.
    """
    if dtype not in DTYPE_BYTES:
        raise CnnCalcError(f"unknown dtype '{dtype}'; choose from {', '.join(DTYPE_BYTES)}")
    batch = graph.batch or 1
    shapes: dict[int, tuple[int, ...] | None] = {NETWORK_INPUT: graph.input_shape}
    fields: dict[int, Receptive | None] = {
        NETWORK_INPUT: Receptive.identity(len(graph.input_shape) - 1)}
    main = main_path(graph)
    names = {node.id: node.name for node in graph.nodes}
    names[NETWORK_INPUT] = "input"
    rows, warnings, errors = [], [], []
    for step in propagate(graph, keep_going):
        node, call = step.node, step.result  # the frozen Result
        in_names = tuple(map(names.__getitem__, node.inputs))
        if call is None:
            if step.error is not None:
                errors.append(step.error)
            shapes[node.id], fields[node.id] = None, None
            rows.append(Row(node.name, node.kind, None, 0, 0, 0, 0, 0, None, in_names,
                            node.id in main, node.pos))
            continue
        unit = node.unit
        warnings.extend(call.warnings)
        shapes[node.id] = call.out
        # a layer's extra inputs (interpolate's size_of) lend it a size, not their pixels
        data = node.inputs if unit.merges else node.inputs[:1]
        rf = _merge_receptive([fields[i] for i in data])
        same_rank = len(call.out) == len(call.x) > 1
        if rf is not None and rf.channels_last and not unit.keeps_positions(call):
            rf = None       # a permuted map: only per-position layers keep the field
        rf = unit.receptive(call, rf) if rf and same_rank and len(rf.size) == call.ndim else None
        fields[node.id] = rf
        macs = call.macs if batch == 1 else \
            (call.macs - unit.macs_per_forward(call)) * batch + unit.macs_per_forward(call)
        row = Row.of(
            name=node.name, kind=unit.name_for(call.ndim), output_shape=call.out,
            params=call.params, buffers=call.buffers, macs=macs,
            other_ops=call.other_ops * batch, activations=numel(call.out) * batch,
            receptive_field=tuple(map(round, rf.size)) if rf is not None else None,
            inputs=in_names, on_main_path=node.id in main, pos=node.pos,
            functional=node.functional or unit.functional)
        _within_bounds(row, rf, node)
        rows.append(row)
    if not rows:
        raise ShapeError("the network has no layers", graph.input_pos)
    width = DTYPE_BYTES[dtype]
    totals = Totals.of(rows, width)
    side = len(graph.outputs) > 1
    totals_main = Totals.of([r for r in rows if r.on_main_path], width) if side else None
    outputs = tuple((graph.nodes[o].name if o != NETWORK_INPUT else "input", shapes[o])
                    for o in graph.outputs)
    return Report(graph.name, graph.source, graph.input_shape, graph.layout, graph.batch, dtype,
                  tuple(rows), totals, totals_main, outputs, tuple(_unique(warnings)),
                  tuple(errors), args=dict(graph.args), framework=graph.framework)


MAX_FIGURE = 10**4000
"""Figures beyond this are refused: Python prints at most 4,300 digits of an integer, and no
real network comes near (a 10^400 kernel on a 10^400 input is still counted exactly)."""


def _within_bounds(row: Row, rf: Receptive | None, node: Node) -> None:
    figures = (row.params, row.buffers, row.macs, row.other_ops, row.activations,
               *(row.output_shape or ()), *((*rf.size, *rf.jump) if rf is not None else ()))
    if max(figures) >= MAX_FIGURE:     # sizes and jumps are positive
        raise ShapeError("a figure of this layer (a size, a count or its receptive field) "
                         "exceeds 10^4000, beyond what cnncalc prints", node.pos,
                         node.name, node.kind)


def _unique(items):
    seen = set()
    for item in items:
        key = str(item)
        if key not in seen:
            seen.add(key)
            yield item
