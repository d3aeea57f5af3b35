"""Network-level shape debugging: every problem with a computed fix, design warnings that need
the whole network, the smallest input that survives, and the input sizes that drop no pixel.

Layer units raise their own errors and warn about their own kind (floor division, skipping
strides, ceil-mode windows, asymmetric ``same``). What needs more than one layer lives here:
which branch of a failed ``add`` shrank and which padding would keep its size, where a feature
map became too small, which dense layer holds most of the parameters. Every fix is computed from
the numbers of the user's network, and written so it can be pasted into the spec.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .engine import Step, analyze, propagate
from .errors import CnnCalcError, Warning_
from .graph import NETWORK_INPUT, Graph, Node
from .layers.base import Call, fmt_shape, lookup
from .report import Report

WINDOW_BASES = ("conv", "maxpool", "avgpool")
DOMINANT_SHARE = 0.5
DOMINANT_MIN_PARAMS = 1_000_000


@dataclass(frozen=True)
class Problem:
    """One error of the spec and the fixes computed for it (paste-able where possible)."""

    error: CnnCalcError
    fixes: tuple[str, ...] = ()
    assumed: str | None = None
    """How checking went on below this error (the shape assumed for the failed layer)."""


@dataclass(frozen=True)
class Diagnosis:
    """Everything ``check-spec`` reports. ``report`` has unknown shapes below failures."""

    graph: Graph
    report: Report
    problems: tuple[Problem, ...]
    warnings: tuple[Warning_, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def walk(graph: Graph) -> dict[int, Step]:
    """Node id -> the engine's step (call, or error, or neither below a failure)."""
    return {step.node.id: step for step in propagate(graph, keep_going=True)}


def _run(node: Node, inputs: list[tuple[int, ...]], args: dict | None = None) -> Call:
    call = Call(dict(args if args is not None else node.args), list(inputs), name=node.name,
                kind=node.kind, pos=node.pos, arg_pos=node.arg_pos)
    call.ndim = node.unit.resolve_ndim(call)
    call.out = tuple(node.unit.output_shape(call))
    return call


def recover(node: Node, inputs: list[tuple[int, ...]], error: CnnCalcError
            ) -> tuple[tuple[int, ...], str] | None:
    """The shape a failed node would most plausibly give once fixed, and the assumption made,
    so that checking can go on below it; None when no sensible guess exists."""
    base, args = node.unit.base, node.args
    attempts: list[tuple[list[tuple[int, ...]], dict, str]] = []
    if base in ("add", "multiply"):
        return inputs[0], f"its first input's shape {fmt_shape(inputs[0])}"
    if base == "concat":
        small = [min(axis) for axis in zip(*(s[1:] for s in inputs))]
        cropped = [(s[0], *small) for s in inputs] if len({len(s) for s in inputs}) == 1 \
            else inputs
        attempts.append((cropped, args, "its inputs cropped to the smallest"))
    if "in_channels" in args and args["in_channels"] is not None:
        attempts.append((inputs, {**args, "in_channels": None}, "in_channels inferred"))
    if "in_features" in args and args["in_features"] is not None:
        attempts.append((inputs, {**args, "in_features": None}, "in_features inferred"))
    if base == "linear" and len(inputs[0]) > 1:
        attempts.append(([(math.prod(inputs[0]),)], args, "a flatten before it"))
    if "groups" in args and args["groups"] != 1:
        attempts.append((inputs, {**args, "groups": 1}, "groups: 1"))
    if base == "conv" and "larger than the padded" in error.message:
        attempts.append((inputs, {**args, "padding": "same", "stride": 1},
                         "padding 'same' (size kept)"))
    for trial_inputs, trial_args, what in attempts:
        try:
            return _run(node, trial_inputs, trial_args).out, what
        except CnnCalcError:
            continue
    return None


def diagnose(graph: Graph) -> Diagnosis:
    """Analyze ``graph``, keeping going past errors: a failed layer is given the shape it
    would most plausibly have once fixed (``recover``) so that later problems show up in the
    same run; every assumption is printed as a fix note. Attach fixes and network warnings."""
    report = analyze(graph, keep_going=True)
    steps: dict[int, Step] = {}
    shapes: dict[int, tuple[int, ...] | None] = {NETWORK_INPUT: graph.input_shape}
    problems = []
    warnings: list[Warning_] = []
    for node in graph.nodes:
        inputs = [shapes[i] for i in node.inputs]
        if any(s is None for s in inputs):
            shapes[node.id] = None
            steps[node.id] = Step(node, None)
            continue
        try:
            call = _run(node, inputs)
        except CnnCalcError as exc:
            step = steps[node.id] = Step(node, None, exc)
            fixes = fixes_for(graph, steps, step, shapes)
            guess = recover(node, inputs, exc)
            shapes[node.id] = guess[0] if guess else None
            assumed = None
            if guess and node is not graph.nodes[-1]:
                assumed = (f"checking goes on assuming '{node.name}' gives "
                           f"{fmt_shape(guess[0])} ({guess[1]})")
            problems.append(Problem(exc, tuple(fixes), assumed))
            continue
        shapes[node.id] = call.out
        steps[node.id] = Step(node, call)
        warnings.extend(call.warnings)
    seen = set()
    unique = [w for w in warnings if not (str(w) in seen or seen.add(str(w)))]
    unique += network_warnings(graph, steps, report)
    return Diagnosis(graph, report, tuple(problems), tuple(unique))


# -- fixes for errors -----------------------------------------------------------------------

def producer(graph: Graph, node_id: int) -> str:
    return "the network input" if node_id == NETWORK_INPUT else f"'{graph.nodes[node_id].name}'"


def shape_of(graph: Graph, steps: dict[int, Step], node_id: int) -> tuple[int, ...] | None:
    if node_id == NETWORK_INPUT:
        return graph.input_shape
    step = steps.get(node_id)
    return step.call.out if step and step.call else None


def fixes_for(graph: Graph, steps: dict[int, Step], step: Step,
              shapes: dict[int, tuple[int, ...] | None]) -> list[str]:
    """Computed suggestions for one failed node; empty when nothing specific applies."""
    node, error = step.node, step.error
    assert error is not None
    inputs = [shapes.get(i) for i in node.inputs]
    if any(s is None for s in inputs):
        return []
    base = node.unit.base
    message = error.message
    fixes: list[str] = []
    if base in ("add", "multiply") and "shapes differ" in message:
        fixes += _fix_add(graph, steps, node, inputs)
    elif base == "concat" and "differ outside" in message:
        fixes += _fix_concat(graph, steps, node, inputs)
    elif "larger than the padded input" in message or "larger than the padded" in message:
        fixes += _fix_too_small(graph, node, inputs[0])
    elif "does not divide" in message and "groups" in message:
        fixes += _fix_groups(node, inputs[0])
    elif base == "linear" and "expects a flat input" in message:
        fixes.append(f"paste '- flatten' on the line before '{node.name}' "
                     f"({_line(node)}): {fmt_shape(inputs[0])} -> {math.prod(inputs[0]):,} "
                     "features")
    elif base == "linear" and "in_features is written" in message:
        fixes += _fix_in_features(graph, steps, node, inputs[0])
    elif "in_channels is written" in message:
        fixes += _fix_in_channels(graph, node, inputs[0])
    elif base == "reshape" and "cannot reshape" in message:
        fixes += _fix_reshape(node, inputs[0])
    elif "expects a" in message and node.unit.ndim is not None and 2 <= len(inputs[0]) <= 4:
        fitting = f"{base}{len(inputs[0]) - 1}d"
        if lookup(fitting) is not None:
            fixes.append(f"a {fmt_shape(inputs[0])} input needs {fitting}; or write '{base}', "
                         "which takes its rank from the input")
    return fixes


def _fix_in_channels(graph: Graph, node: Node, shape: tuple[int, ...]) -> list[str]:
    """Delete the written count; and say where a stale number came from (an earlier layer of
    that width: the usual trace of an edit that changed a width upstream)."""
    written = node.args["in_channels"]
    fixes = [f"delete 'in_channels: {written}' (cnncalc infers {shape[0]})"]
    node_id, changer = node.inputs[0], None
    while node_id != NETWORK_INPUT:
        up = graph.nodes[node_id]
        width = up.args.get("out_channels")
        if width == written and changer is not None:
            fixes.append(f"{written} is the width of '{up.name}' ({_line(up)}); "
                         f"'{changer.name}' ({_line(changer)}) changed it to {shape[0]}")
            break
        if width is not None and changer is None:
            changer = up
        node_id = up.inputs[0] if up.inputs else NETWORK_INPUT
    return fixes


def _fix_reshape(node: Node, shape: tuple[int, ...]) -> list[str]:
    total = math.prod(shape)
    wanted = [s for s in node.args["shape"] if s != -1]
    rest = math.prod(wanted[:-1]) if wanted else 1
    fixes = []
    if wanted and total % rest == 0:
        fixed = [*wanted[:-1], total // rest]
        fixes.append(f"reshape: {list(fixed)} holds all {total:,} values of "
                     f"{fmt_shape(shape)}")
    fixes.append(f"or let one axis be inferred: reshape: {[*wanted[:-1], -1]}")
    return fixes


def _line(node: Node) -> str:
    return f"line {node.pos.line}" if node.pos else "its line"


def _branch(graph: Graph, start: int, stop: set[int]) -> list[Node]:
    """Nodes from ``start`` back along first inputs until one in ``stop`` (the fork)."""
    out, node_id = [], start
    while node_id != NETWORK_INPUT and node_id not in stop and len(out) < 10_000:
        node = graph.nodes[node_id]
        out.append(node)
        node_id = node.inputs[0] if node.inputs else NETWORK_INPUT
    return out[::-1]


def _ancestors(graph: Graph, node_id: int) -> set[int]:
    seen, stack = set(), [node_id]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n != NETWORK_INPUT:
            stack.extend(graph.nodes[n].inputs)
    return seen


def _shrinking_convs(graph: Graph, steps: dict[int, Step], nodes: Iterable[Node]) -> list[str]:
    """Stride-1 windows on a branch that lose size, with the padding that keeps it."""
    found, keep, names = [], None, []
    for node in nodes:
        step = steps.get(node.id)
        if not step or not step.call or node.unit.base not in WINDOW_BASES:
            continue
        call = step.call
        if len(call.out) != len(call.x) or call.out[1:] == call.x[1:]:
            continue
        kernel = call.axes("kernel_size")
        stride = call.axes("stride") if call.args.get("stride") is not None else kernel
        if any(s != 1 for s in stride):
            continue
        dilation = call.axes("dilation") if "dilation" in call.args else (1,) * call.ndim
        extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        keep = keep or call.x[1:]
        if all(e % 2 for e in extents):
            pads = [(e - 1) // 2 for e in extents]
            value = pads[0] if len(set(pads)) == 1 else pads
            names.append(f"padding: {value} on '{node.name}' ({_line(node)}, kernel "
                         f"{fmt_shape(kernel)}: (k - 1)/2 = {value})")
        else:
            names.append(f"padding: same on '{node.name}' ({_line(node)}, even kernel "
                         f"{fmt_shape(kernel)} needs uneven padding)")
    if names:
        found.append("; ".join(names) + f" keeps {fmt_shape(keep)} through the branch")
    return found


def _fix_add(graph: Graph, steps: dict[int, Step], node: Node,
             inputs: list[tuple[int, ...]]) -> list[str]:
    """Channels: the branch's last conv gets the main path's width (or a projection when the
    branch has none). Size: a projection for an integer ratio, padding on stride-1 windows that
    shrink, or the padding/stride (solved) that makes a branch's last window reach the size."""
    main, main_id = inputs[0], node.inputs[0]
    broadcast = node.unit.base == "multiply"
    fixes: list[str] = []
    for other, other_id in zip(inputs[1:], node.inputs[1:]):
        if other == main or len(other) != len(main):
            continue
        stop = _ancestors(graph, main_id) & _ancestors(graph, other_id)
        branch = _branch(graph, other_id, stop)
        if other[0] != main[0] and not (broadcast and 1 in (other[0], main[0])):
            last = next((n for n in reversed(branch) if "out_channels" in n.args), None)
            if last is not None:
                fixes.append(f"out_channels: {main[0]} on '{last.name}' ({_line(last)}) gives "
                             f"the branch {main[0]} channels like the main path (now "
                             f"{other[0]})")
            elif other[1:] == main[1:]:
                fixes.append(f"channels differ ({main[0]} vs {other[0]}): paste a projection on "
                             f"the branch from {producer(graph, other_id)}: conv"
                             f"{len(main) - 1}d: {{out_channels: {main[0]}, kernel_size: 1}}"
                             + (f", or channel_pad: {main[0]} (no weights)"
                                if other[0] < main[0] else ""))
        spatial_ok = all(o == m or (broadcast and 1 in (o, m))
                         for o, m in zip(other[1:], main[1:]))
        if spatial_ok or len(main) < 2:
            continue
        if all(o > m for o, m in zip(other[1:], main[1:])) and not any(
                "out_channels" in n.args for n in branch):
            ratios = {o / m for o, m in zip(other[1:], main[1:])}
            ratio = next(iter(ratios))
            if len(ratios) == 1 and float(ratio).is_integer():
                where = "" if other_id == NETWORK_INPUT else \
                    f" ({_line(graph.nodes[other_id])})"
                fixes.append(f"on the shortcut (from {producer(graph, other_id)}{where}, "
                             f"{fmt_shape(other)}) paste a projection: conv{len(main) - 1}d: "
                             f"{{out_channels: {main[0]}, kernel_size: 1, stride: {int(ratio)}, "
                             f"bias: false}} -> {fmt_shape(main)}")
                continue
        main_branch = _branch(graph, main_id, stop)
        shrinking = _shrinking_convs(graph, steps, main_branch) if all(
            m < o for o, m in zip(other[1:], main[1:])) else []
        if shrinking:
            fixes += shrinking
            continue
        resized = _resize(steps, branch, main[1:]) or _resize(steps, main_branch, other[1:])
        if resized:
            fixes.append(resized)
        else:
            fixes.append(f"the branch from {producer(graph, other_id)} gives "
                         f"{fmt_shape(other)} but the main path {fmt_shape(main)}")
    return fixes


def _resize(steps: dict[int, Step], branch: list[Node], target: tuple[int, ...]) -> str | None:
    """Solve the branch's last sliding window for a padding (and output_padding, or stride)
    that makes it give ``target``: the computed "which padding/stride reaches this size"."""
    from .solve import solve

    for node in reversed(branch):
        step = steps.get(node.id)
        if not step or not step.call or node.unit.base not in (*WINDOW_BASES, "conv_transpose"):
            continue
        call = step.call
        op = {"conv": "conv", "conv_transpose": "deconv"}.get(node.unit.base, "pool")
        if op == "conv" and isinstance(call.args.get("padding"), str):
            return None
        kernel = call.axes("kernel_size")
        stride = call.axes("stride") if call.args.get("stride") is not None else kernel
        dilation = call.axes("dilation") if "dilation" in call.args else (1,) * call.ndim
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
                        f"{key}: {_ints([c[key] for c in chosen])}" for key in chosen[0])
                    return (f"{settings} on '{node.name}' ({_line(node)}) makes it give "
                            f"{fmt_shape(target)} (solved from its size formula)")
        return None
    return None


def _fix_concat(graph: Graph, steps: dict[int, Step], node: Node,
                inputs: list[tuple[int, ...]]) -> list[str]:
    if len({len(s) for s in inputs}) != 1 or len(inputs[0]) < 2:
        return []
    small = [min(axis) for axis in zip(*(s[1:] for s in inputs))]
    large = [max(axis) for axis in zip(*(s[1:] for s in inputs))]
    keep: list[str] = []
    for shape, node_id in zip(inputs, node.inputs):
        if list(shape[1:]) == large:
            continue
        others = set().union(*(_ancestors(graph, i) for i in node.inputs if i != node_id))
        keep += _shrinking_convs(graph, steps, _branch(graph, node_id, others))
    crop, pad = [], []
    for shape, node_id in zip(inputs, node.inputs):
        if list(shape[1:]) != small:
            crop.append(f"center_crop: {_ints(small)} at the end of the branch from "
                        f"{producer(graph, node_id)} ({fmt_shape(shape)} -> "
                        f"{fmt_shape((shape[0], *small))})")
        if list(shape[1:]) != large:
            total = [g - s for g, s in zip(large, shape[1:])]
            halves = [v for t in total for v in (t // 2, t - t // 2)]
            value = _ints([t // 2 for t in total]) if all(t % 2 == 0 for t in total) else \
                _ints(halves)
            pad.append(f"zeropad: {value} at the end of the branch from "
                       f"{producer(graph, node_id)} ({fmt_shape(shape)} -> "
                       f"{fmt_shape((shape[0], *large))})")
    fixes = ["crop the larger inputs: " + "; ".join(crop)] if crop else []
    if pad:
        fixes.append("or pad the smaller ones: " + "; ".join(pad))
    return fixes + [f"or keep the size: {k}" for k in keep]


def _ints(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "[" + ", ".join(map(str, values)) + "]"


def _fix_too_small(graph: Graph, node: Node, shape: tuple[int, ...]) -> list[str]:
    fixes = [f"its input {fmt_shape(shape)} comes from {producer(graph, node.inputs[0])}"]
    upto = dataclasses.replace(graph, nodes=graph.nodes[:node.id + 1], outputs=(node.id,))
    smallest = min_input(upto)
    if smallest.shape is not None:
        fixes.append(f"the network up to '{node.name}' needs an input of at least "
                     f"{fmt_shape(smallest.shape)} (the spec has {fmt_shape(graph.input_shape)})")
    return fixes


def _fix_groups(node: Node, shape: tuple[int, ...]) -> list[str]:
    cin = shape[0]
    cout = node.args.get("out_channels") or cin
    common = math.gcd(cin, cout)
    good = [g for g in range(1, common + 1) if common % g == 0]
    return [f"groups must divide both {cin} input and {cout} output channels: "
            f"groups: {', '.join(map(str, good))} would work"]


def _fix_in_features(graph: Graph, steps: dict[int, Step], node: Node,
                     shape: tuple[int, ...]) -> list[str]:
    written = node.args["in_features"]
    fixes = [f"delete 'in_features: {written}' (cnncalc infers {shape[0]:,})"]
    prev = node.inputs[0]
    if prev != NETWORK_INPUT and graph.nodes[prev].unit.base == "flatten":
        before = shape_of(graph, steps, graph.nodes[prev].inputs[0])
        if before and len(before) == 3:
            side = math.isqrt(written // before[0]) if written % before[0] == 0 else 0
            if side and side * side * before[0] == written:
                fixes.append(f"{written:,} = {before[0]} x {side} x {side}: the layer expects "
                             f"a {side}x{side} map before the flatten but gets "
                             f"{fmt_shape(before[1:])}")
    return fixes


# -- network-level warnings -----------------------------------------------------------------

def network_warnings(graph: Graph, steps: dict[int, Step], report: Report) -> list[Warning_]:
    out: list[Warning_] = []
    out += _warn_collapsed(graph, steps)
    out += _warn_dominant(graph, steps, report)
    return out


def _warn_collapsed(graph: Graph, steps: dict[int, Step]) -> list[Warning_]:
    """Sliding windows over a map that is already 1x1: they read mostly padding."""
    out = []
    for step in steps.values():
        call, node = step.call, step.node
        if call is None or node.unit.base not in WINDOW_BASES or len(call.x) < 2:
            continue
        if math.prod(call.x[1:]) != 1 or math.prod(call.axes("kernel_size")) == 1:
            continue
        origin = node.inputs[0]
        while origin != NETWORK_INPUT:
            up = shape_of(graph, steps, graph.nodes[origin].inputs[0]) \
                if graph.nodes[origin].inputs else None
            if not up or len(up) < 2 or math.prod(up[1:]) != 1:
                break
            origin = graph.nodes[origin].inputs[0]
        later = sum(1 for s in steps.values() if s.node.id >= node.id and s.call and
                    s.node.unit.base in WINDOW_BASES)
        out.append(Warning_(
            f"the feature map is already {fmt_shape(call.x[1:])} (since {producer(graph, origin)})"
            f", so this {fmt_shape(call.axes('kernel_size'))} window and {later - 1} more after "
            "it see little but padding; drop a downsampling step or start from a larger input",
            node.pos, node.name, node.kind))
        break
    return out


def _warn_dominant(graph: Graph, steps: dict[int, Step], report: Report) -> list[Warning_]:
    total = report.totals.params
    out = []
    for row in report.rows:
        if row.kind != "linear" or total == 0:
            continue
        if row.params < DOMINANT_MIN_PARAMS or row.params < DOMINANT_SHARE * total:
            continue
        node = next(n for n in graph.nodes if n.name == row.name)
        step = steps[node.id]
        assert step.call is not None
        n_in, n_out = step.call.x[0], step.call.args["out_features"]
        message = (f"this dense layer holds {row.params:,} of the {total:,} parameters "
                   f"({100 * row.params / total:.0f}%), from {n_in:,} inputs")
        prev = node.inputs[0]
        while prev != NETWORK_INPUT and graph.nodes[prev].unit.base != "flatten":
            up = steps.get(prev)  # look through dropout/activations between flatten and dense
            if not up or not up.call or up.call.out != up.call.x or len(up.node.inputs) != 1:
                break
            prev = up.node.inputs[0]
        if prev != NETWORK_INPUT and graph.nodes[prev].unit.base == "flatten":
            before = shape_of(graph, steps, graph.nodes[prev].inputs[0])
            if before and len(before) > 1:
                gap = before[0] * n_out + (n_out if step.call.args["bias"] else 0)
                message += (f"; global_avgpool instead of the flatten of "
                            f"{fmt_shape(before)} would give it {before[0]:,} inputs and "
                            f"{gap:,} parameters")
        out.append(Warning_(message, node.pos, node.name, node.kind))
    return out


# -- input sizes ----------------------------------------------------------------------------

@dataclass(frozen=True)
class MinInput:
    """Smallest working size per spatial axis (others kept), and the joint smallest shape."""

    per_axis: tuple[int | None, ...]
    shape: tuple[int, ...] | None
    failure_below: str | None
    limit: int


def _works(graph: Graph, shape: tuple[int, ...]) -> CnnCalcError | None:
    trial = dataclasses.replace(graph, input_shape=shape)
    try:
        for _ in propagate(trial):
            pass
    except CnnCalcError as exc:
        return exc
    return None


def min_input(graph: Graph, limit: int | None = None) -> MinInput:
    """Scan sizes 1, 2, ... per spatial axis (survival is not monotonic in general: a reshape
    or a fixed crop may accept only some sizes, so no bisection)."""
    shape = graph.input_shape
    spatial = len(shape) - 1
    limit = limit or max(2 * max(shape[1:], default=1), 512)
    if spatial < 1:
        return MinInput((), shape if _works(graph, shape) is None else None, None, limit)
    joint, failure = None, None
    per_axis: list[int | None] = []
    if len(set(shape[1:])) == 1:
        for n in range(1, limit + 1):
            if _works(graph, (shape[0], *([n] * spatial))) is None:
                joint = (shape[0], *([n] * spatial))
                break
        per_axis = [joint[1] if joint else None] * spatial
    else:
        for axis in range(1, len(shape)):
            found = None
            for others in (shape, (shape[0], *([limit] * spatial))):
                for n in range(1, limit + 1):
                    if _works(graph, (*others[:axis], n, *others[axis + 1:])) is None:
                        found = n
                        break
                if found is not None:
                    break
            per_axis.append(found)
        if all(v is not None for v in per_axis):
            trial = (shape[0], *(v for v in per_axis if v is not None))
            joint = trial if _works(graph, trial) is None else None
    if joint is not None:
        below = (shape[0], *[max(1, v - 1) for v in joint[1:]])
        err = _works(graph, below) if below != joint else None
        failure = str(err) if err else None
    return MinInput(tuple(per_axis), joint, failure, limit)


def lossless_sizes(graph: Graph, start: int, stop: int) -> list[int]:
    """Square (or 1-D) input sizes in [start, stop] that work and drop no pixel anywhere."""
    shape = graph.input_shape
    out = []
    for n in range(max(1, start), stop + 1):
        trial = dataclasses.replace(graph, input_shape=(shape[0], *([n] * (len(shape) - 1))))
        try:
            lost = False
            for step in propagate(trial):
                if step.call is not None and any(step.call.state.get("dropped") or ()):
                    lost = True
                    break
        except CnnCalcError:
            continue
        if not lost:
            out.append(n)
    return out


def describe_sizes(sizes: list[int]) -> str:
    """``32, 64, 96, ... (every 32)`` when the sizes step evenly, else the list."""
    if not sizes:
        return "none"
    steps = {b - a for a, b in zip(sizes, sizes[1:])}
    if len(sizes) >= 3 and len(steps) == 1:
        step = steps.pop()
        if step == 1:
            return f"every size from {sizes[0]} to {sizes[-1]}"
        head = ", ".join(map(str, sizes[:4]))
        return f"{head}, ... {sizes[-1]} (every {step}: {sizes[0] % step} mod {step})"
    if len(sizes) > 12:
        return ", ".join(map(str, sizes[:12])) + f", ... ({len(sizes)} sizes)"
    return ", ".join(map(str, sizes))
