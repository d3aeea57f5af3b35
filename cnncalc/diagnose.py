"""Network-level shape debugging: every problem with a computed fix, design warnings that need
the whole network, the smallest input that survives, and the input sizes that drop no pixel.

Layer units raise their own errors (each with a ``code``), warn about their own kind (floor
division, skipping strides, ceil-mode windows, asymmetric ``same``), and know how to fix their
own mistakes and how to go on past them (``LayerKind.suggest_fixes`` and ``LayerKind.recover``,
with the shared helpers of ``layers/fixes.py``): which branch of a failed ``add`` shrank and
which padding would keep its size is the ``add`` unit's knowledge. What lives here knows no
layer kind: the walk that keeps going past errors, the warnings that need the whole network (a
feature map collapsed to 1x1, a dense layer holding most of the parameters), the smallest input
that survives and the sizes that drop no pixel. Every fix is computed from the numbers of the
user's network, and written so it can be pasted into the spec.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

from .engine import Step, analyze, call_for, main_path, propagate, run
from .errors import CnnCalcError, Warning_
from .graph import NETWORK_INPUT, Graph, LoadProblem, Node
from .layers.core import Call, Shape, fmt_shape, to_layout
from .layers.fixes import FixContext, producer, shape_of
from .record import replace
from .report import Report

WINDOWS = ("conv", "pool")
"""Sliding windows whose kernel can read mostly padding (by ``Window.formula``)."""
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


def recover(node: Node, call: Call, error: CnnCalcError,
            ctx: FixContext | None = None) -> tuple[Shape, str] | None:
    """The shape a failed node would most plausibly give once fixed, and the assumption made,
    so that checking can go on below it: the first of the unit's ``recover`` attempts that
    runs; None when none does."""
    for inputs, args, what in node.unit.recover(call, error, ctx):
        try:
            return run(node, call_for(node, inputs, args, call.layout, call.framework)).out, what
        except CnnCalcError:
            continue
    generic = node.unit.rank_generic() if error.code == "rank_mismatch" else None
    if generic is not None:  # conv1d on an image: go on as the kind that fits its rank
        try:
            fitted = run(replace(node, unit=generic),
                         call_for(node, call.inputs, layout=call.layout,
                                  framework=call.framework))
        except CnnCalcError:
            return None
        return fitted.out, f"as {generic.name_for(fitted.ndim)}"
    return None


def diagnose(graph: Graph) -> Diagnosis:
    """Analyze ``graph``, keeping going past errors: a failed layer is given the shape it
    would most plausibly have once fixed (``recover``) so that later problems show up in the
    same run; every assumption is printed as a fix note. Attach fixes and network warnings."""
    report = analyze(graph, keep_going=True)
    steps: dict[int, Step] = {}
    shapes: dict[int, tuple[int, ...] | None] = {NETWORK_INPUT: graph.input_shape}
    problems: list[Problem] = []
    warnings: list[Warning_] = []
    pending = list(graph.load_problems)
    budget = Budget(SCAN_WORK // 2)
    smallest = functools.partial(_smallest_input, budget=budget)
    for node in graph.nodes:
        while pending and pending[0].before <= node.id:
            problems.append(_load_problem(pending.pop(0)))
        inputs = [shapes[i] for i in node.inputs]
        if any(s is None for s in inputs):
            shapes[node.id] = None
            steps[node.id] = Step(node, None)
            continue
        call = call_for(node, inputs, layout=graph.layout, framework=graph.framework)
        try:
            result = run(node, call)
        except CnnCalcError as exc:
            steps[node.id] = Step(node, None, exc)
            context = FixContext(graph, steps, node, inputs, smallest)
            fixes = node.unit.suggest_fixes(context, exc)
            guess = recover(node, call, exc, context)
            shapes[node.id] = guess[0] if guess else None
            assumed = None
            if guess and node is not graph.nodes[-1]:
                assumed = (f"checking goes on assuming '{node.name}' gives "
                           f"{fmt_shape(to_layout(guess[0], graph.layout))} ({guess[1]})")
            problems.append(Problem(exc, tuple(fixes), assumed))
            continue
        shapes[node.id] = result.out
        steps[node.id] = Step(node, result)
        warnings.extend(result.warnings)
    problems += [_load_problem(p) for p in pending]
    seen = set()
    unique = [w for w in warnings if not (str(w) in seen or seen.add(str(w)))]
    unique += network_warnings(graph, steps, report)
    return Diagnosis(graph, report, tuple(problems), tuple(unique))


def _load_problem(problem: LoadProblem) -> Problem:
    """A mistake in the text that the tolerant loader stepped past, as the debugger shows it:
    the mended argument is the fix, and checking went on with it (or without the item)."""
    fixes = (problem.fix,) if problem.fix else ()
    if problem.reading is None:
        return Problem(problem.error, fixes, "checking goes on without this item")
    return Problem(problem.error, fixes, f"checking goes on with {problem.reading}")


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
        result, node = step.result, step.node
        window = result.window if result is not None else None
        if result is None or window is None or window.formula not in WINDOWS or \
                len(result.x) < 2:
            continue
        if math.prod(result.x[1:]) != 1 or math.prod(window.kernel) == 1:
            continue
        origin = node.inputs[0]
        while origin != NETWORK_INPUT:
            up = shape_of(graph, steps, graph.nodes[origin].inputs[0]) \
                if graph.nodes[origin].inputs else None
            if not up or len(up) < 2 or math.prod(up[1:]) != 1:
                break
            origin = graph.nodes[origin].inputs[0]
        later = sum(1 for s in steps.values() if s.node.id >= node.id and s.result and
                    s.result.window and s.result.window.formula in WINDOWS)
        out.append(Warning_(
            f"the feature map is already {fmt_shape(result.x[1:])} (since "
            f"{producer(graph, origin)}), so this {fmt_shape(window.kernel)} window and "
            f"{later - 1} more after "
            "it see little but padding; drop a downsampling step or start from a larger input",
            node.pos, node.name, node.kind))
        break
    return out


def _warn_dominant(graph: Graph, steps: dict[int, Step], report: Report) -> list[Warning_]:
    total = report.totals.params
    out = []
    for row in report.rows:
        if total == 0 or row.params < DOMINANT_MIN_PARAMS or 2 * row.params < total:  # exact
            continue
        node = next(n for n in graph.nodes if n.name == row.name)
        step = steps[node.id]
        if step.result is None or not step.result.dense:
            continue
        n_in, n_out = step.result.x[0], step.result.out[0]
        message = (f"this dense layer holds {row.params:,} of the {total:,} parameters "
                   f"({round(Fraction(100 * row.params, total))}%), from {n_in:,} inputs")
        prev = node.inputs[0]
        up = steps.get(prev)
        while up and up.result and not up.result.flattens:
            # look through dropout/activations between flatten and dense
            if up.result.out != up.result.x or len(up.node.inputs) != 1:
                break
            prev = up.node.inputs[0]
            up = steps.get(prev)
        if up and up.result and up.result.flattens:
            before = up.result.x
            if len(before) > 1:
                gap = before[0] * n_out + step.result.biases
                message += (f"; global_avgpool instead of the flatten of "
                            f"{step.result.fmt(before)} would give it {before[0]:,} inputs and "
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


def main_only(graph: Graph) -> Graph:
    """``graph`` without the layers that feed only side outputs (auxiliary heads), so that
    the input sizes the main output needs can be told from those a side output needs."""
    keep = main_path(graph)
    return replace(graph, nodes=tuple(n for n in graph.nodes if n.id in keep),
                               outputs=graph.outputs[:1])


class Budget:
    """Layer runs left to the input-size searches of one ``diagnose``: a spec with 25,000
    failing layers asks for 25,000 searches, and past the budget a fix goes without its
    "needs an input of at least" line rather than making the check take minutes."""

    def __init__(self, runs: int):
        self.runs = runs


class _Exhausted(Exception):
    pass


def _works(graph: Graph, shape: tuple[int, ...],
           budget: Budget | None = None) -> CnnCalcError | None:
    trial = replace(graph, input_shape=shape)
    try:
        for _ in propagate(trial):
            if budget is not None:
                budget.runs -= 1
                if budget.runs < 0:
                    raise _Exhausted
    except CnnCalcError as exc:
        return exc
    return None


def _smallest_input(graph: Graph, budget: Budget | None = None) -> Shape | None:
    if budget is not None and budget.runs <= 0:
        return None
    try:
        return min_input(graph, budget=budget).shape
    except _Exhausted:
        return None


SCAN_WORK = 100_000
"""Layer runs one input-size scan may spend (sizes tried x layers): ``--min-input`` and the
debugger's fix search stay within a second or two whatever the input (10^7 or 10^20 pixels)."""


def scan_limit(graph: Graph, wanted: int, trials_per_size: int = 1) -> int:
    """The largest size a scan tries: ``wanted``, or fewer so that the scan stays within
    ``SCAN_WORK`` (never below 64, never above 4,096); the messages name the limit, so
    nothing is hidden."""
    per_size = max(1, len(graph.nodes)) * max(1, trials_per_size)
    return max(1, min(wanted, 4096, max(64, SCAN_WORK // per_size)))


def min_input(graph: Graph, limit: int | None = None, budget: Budget | None = None) -> MinInput:
    """Scan sizes 1, 2, ... per spatial axis (survival is not monotonic in general: a reshape
    or a fixed crop may accept only some sizes, so no bisection), up to ``scan_limit``."""
    shape = graph.input_shape
    spatial = len(shape) - 1
    square = len(set(shape[1:])) == 1
    limit = limit or scan_limit(graph, max(2 * max(shape[1:], default=1), 512),
                                1 if square else 2 * spatial)
    if spatial < 1:
        return MinInput((), shape if _works(graph, shape, budget) is None else None, None, limit)
    joint, failure = None, None
    per_axis: list[int | None] = []
    if len(set(shape[1:])) == 1:
        for n in range(1, limit + 1):
            if _works(graph, (shape[0], *([n] * spatial)), budget) is None:
                joint = (shape[0], *([n] * spatial))
                break
        per_axis = [joint[1] if joint else None] * spatial
    else:
        for axis in range(1, len(shape)):
            found = None
            for others in (shape, (shape[0], *([limit] * spatial))):
                for n in range(1, limit + 1):
                    if _works(graph, (*others[:axis], n, *others[axis + 1:]), budget) is None:
                        found = n
                        break
                if found is not None:
                    break
            per_axis.append(found)
        if all(v is not None for v in per_axis):
            trial = (shape[0], *(v for v in per_axis if v is not None))
            joint = trial if _works(graph, trial, budget) is None else None
    if joint is not None:
        below = (shape[0], *[max(1, v - 1) for v in joint[1:]])
        err = _works(graph, below, budget) if below != joint else None
        failure = str(err) if err else None
    return MinInput(tuple(per_axis), joint, failure, limit)


def lossless_sizes(graph: Graph, start: int, stop: int) -> list[int]:
    """Square (or 1-D) input sizes in [start, stop] that work and drop no pixel anywhere
    (``stop`` is cut to what ``scan_limit`` allows: see ``lossless_stop``)."""
    shape = graph.input_shape
    out = []
    for n in range(max(1, start), lossless_stop(graph, start, stop) + 1):
        trial = replace(graph, input_shape=(shape[0], *([n] * (len(shape) - 1))))
        try:
            lost = False
            for step in propagate(trial):
                if step.result is not None and any(step.result.dropped):
                    lost = True
                    break
        except CnnCalcError:
            continue
        if not lost:
            out.append(n)
    return out


def lossless_stop(graph: Graph, start: int, stop: int) -> int:
    """The last size ``lossless_sizes`` tries from ``start``: ``stop`` within the scan's work."""
    return min(stop, max(1, start) - 1 + scan_limit(graph, stop))


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
