"""Inverse questions on one axis: which padding, stride, kernel, dilation or input size gives
a wanted output size? (``cnncalc solve``)

The forward rules are the ones every layer unit uses (``cnncalc.formulas``); solving is a
bounded exhaustive search over the unknowns, so every solution is listed, each with the
substituted formula, and "none exists" comes with the closest sizes that can be reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import CnnCalcError
from .formulas import conv_out, conv_transpose_out, effective_kernel, pool_out
from .worked import sliding_window_line

OPS = ("conv", "pool", "deconv")
VARIABLES = ("input", "output", "kernel", "stride", "padding", "dilation", "output_padding")
MAX_TRIALS = 3_000_000


@dataclass(frozen=True)
class Solution:
    values: dict[str, int]
    output: int
    dropped: int
    work: str

    @property
    def exact(self) -> bool:
        return self.dropped == 0


@dataclass(frozen=True)
class Answer:
    op: str
    known: dict[str, int]
    unknowns: tuple[str, ...]
    target: int | None
    solutions: tuple[Solution, ...]
    reachable: tuple[int, ...]
    """Every output size some searched assignment gives, ascending."""
    searched: dict[str, tuple[int, int]]
    """Per unknown the widest range tried (a padding below an unknown kernel is widest at the
    largest kernel); ``limits`` says it in words."""
    limits: dict[str, str] = field(default_factory=dict)

    def none_text(self) -> str:
        ranges = ", ".join(self.limits.get(k, f"{k.replace('_', ' ')} {a}..{b}")
                           for k, (a, b) in self.searched.items())
        near = ""
        if len(self.reachable) == 1:
            near = f"; the only output reachable is {self.reachable[0]}"
        elif self.reachable:
            near = f"; the outputs reachable are {reachable_text(self.reachable, self.target)}"
        return f"none exists: no {ranges} gives output {self.target}{near}"

    def ranked(self) -> list[Solution]:
        """The solutions a textbook would show first: exact ones, with the "keep it centred"
        padding (k_eff - 1)//2 for a convolution, small kernels and strides first."""
        def key(sol: Solution) -> tuple:
            v = {**self.known, **sol.values}
            k, d = v.get("kernel", 1), v.get("dilation", 1)
            centred = self.op != "conv" or v.get("padding", 0) == (effective_kernel(k, d) - 1) // 2
            return (not sol.exact, not centred, v.get("stride", 1) == 1 and k > 3, k,
                    v.get("stride", 1), v.get("padding", 0), tuple(sol.values.values()))
        return sorted(self.solutions, key=key)


def reachable_text(values: tuple[int, ...], target: int | None = None, most: int = 10) -> str:
    """Sizes as a reader can trust them: runs of three or more as ``a to b``, the others one
    by one (``1 to 6, 8, 10, 15 and 30``), so a gap never hides inside a range. Past ``most``
    pieces only the ends and the sizes nearest ``target`` are named."""
    pieces: list[str] = []
    run: list[int] = []
    for value in sorted(set(values)) + [None]:  # type: ignore[operator]
        if run and (value is None or value != run[-1] + 1):
            pieces += [f"{run[0]} to {run[-1]}"] if len(run) >= 3 else [str(r) for r in run]
            run = []
        if value is not None:
            run.append(value)
    if len(pieces) <= most:
        return pieces[0] if len(pieces) == 1 else f"{', '.join(pieces[:-1])} and {pieces[-1]}"
    ordered = sorted(set(values))
    text = f"{len(ordered)} sizes from {ordered[0]} to {ordered[-1]} with gaps"
    if target is not None:
        below = [v for v in ordered if v < target]
        above = [v for v in ordered if v > target]
        near = ([f"{below[-1]} below"] if below else []) + ([f"{above[0]} above"] if above
                                                            else [])
        text += f"; the nearest to {target} are {' and '.join(near)}" if near else ""
    return text


def forward(op: str, v: dict[str, int], ceil: bool = False) -> tuple[int, int, str]:
    """Output size, unread pixels and the worked line for one full assignment."""
    n, k, s, p, d = v["input"], v["kernel"], v["stride"], v["padding"], v["dilation"]
    if op == "deconv":
        op_ = v["output_padding"]
        out = conv_transpose_out(n, k, s, p, op_, d)
        return out, 0, (f"({n} - 1)*{s} - 2*{p} + {d}*({k} - 1) + {op_} + 1 = {out}")
    if op == "pool":
        result = pool_out(n, k, s, p, d, ceil)
        span = n + 2 * p - effective_kernel(k, d)
        gone = ceil and (-(-span // s)) * s >= n + p
        line, out = sliding_window_line("out", n, p, p, k, s, d, ceil, gone)
        return result.size, max(0, result.dropped - p), line.text.removeprefix("out: ")
    result = conv_out(n, k, s, p, p, d)
    line, out = sliding_window_line("out", n, p, p, k, s, d)
    return result.size, max(0, result.dropped - p), line.text.removeprefix("out: ")


ORDER = ("kernel", "dilation", "padding", "stride", "output_padding", "input")
"""The order unknowns are chosen in: each one's bound may use the values chosen before it
(padding below the kernel, stride up to the padded input), so several unknowns obey exactly
the limits one unknown alone does."""

LIMITS = {
    "kernel": "kernel 1..the input size",
    "dilation": "dilation 1..the input size",
    "padding": {"conv": "padding 0..k_eff - 1 (below the kernel)",
                "pool": "padding 0..kernel/2", "deconv": "padding 0..the output size"},
    "stride": "stride 1..the padded input size",
    "output_padding": "output padding below the stride (or dilation)",
    "input": "input 1..(output + 1)*stride + k_eff",
}


def bound(op: str, name: str, v: dict[str, int], target: int | None) -> range:
    """Where to look for unknown ``name`` given the values ``v`` fixed so far: wide enough for
    every sensible answer (the limits ``cnncalc solve --help`` promises), and bounded."""
    n, k, d = v.get("input"), v.get("kernel"), v.get("dilation", 1)
    p = v.get("padding")
    big = max(n or 0, target or 0, 64)
    if name in ("kernel", "dilation", "stride"):
        # beyond the padded size every stride gives the same single output
        top = (n + 2 * (p or 0)) if n else big
        return range(1, top + 1)
    if name == "padding":
        if op == "pool":
            top = (k // 2) if k else big // 2
        elif op == "deconv":
            top = big
        else:
            top = effective_kernel(k, d) - 1 if k else big // 2
        return range(0, max(top, 0) + 1)
    if name == "output_padding":
        s = v.get("stride")
        return range(0, (max(s, d) if s else 16))
    if name == "input":
        t = target or big
        s = v.get("stride") or big
        ext = effective_kernel(k or big, d)
        top = (t + 1) * s + ext if op != "deconv" else t + 2 * (big if p is None else p) + 1
        return range(1, top + 1)
    raise AssertionError(name)


def _assignments(op: str, base: dict[str, int], names: list[str],
                 target: int | None) -> Iterator[dict[str, int]]:
    """Every assignment of ``names`` (in ``ORDER``), each within its bound given the ones
    before it."""
    if not names:
        yield {}
        return
    first, rest = names[0], names[1:]
    for value in bound(op, first, base, target):
        for tail in _assignments(op, {**base, first: value}, rest, target):
            yield {first: value, **tail}


def solve(op: str, known: dict[str, int], unknowns: tuple[str, ...], target: int | None,
          ceil: bool = False) -> Answer:
    """Every assignment of ``unknowns`` (within bounds) for which ``op`` gives ``target``."""
    if op not in OPS:
        raise CnnCalcError(f"unknown operation '{op}'; choose from {', '.join(OPS)}")
    if not unknowns:
        raise CnnCalcError("nothing to solve: mark the unknown with '?', e.g. --padding ?")
    if "output" in unknowns and len(unknowns) > 1:
        raise CnnCalcError("with the output unknown, every other value must be given (that is "
                           "the forward question: cnncalc conv/pool/deconv)")
    defaults = {"stride": known.get("kernel") if op == "pool" else 1, "padding": 0,
                "dilation": 1, "output_padding": 0}
    base = {**{k: v for k, v in defaults.items() if v is not None}, **known}
    if op == "pool" and "stride" not in known and "kernel" in unknowns:
        unknowns = (*unknowns, "stride") if "stride" not in unknowns else unknowns
    names = [u for u in ORDER if u in unknowns]
    widest, total, v = {}, 1, dict(base)
    for name in names:  # every bound grows with the values before it: the maxima bound all
        r = bound(op, name, v, target)
        widest[name] = (r.start, r.stop - 1)
        total *= max(0, -(-(r.stop - r.start) // r.step))  # len() overflows past 2**63
        v[name] = r.stop - 1
    if total > MAX_TRIALS:
        raise CnnCalcError(f"{total:,} combinations to try; give more of the values "
                           f"({', '.join(unknowns)} are unknown)")
    solutions, outputs = [], set()
    tops: dict[str, set[int]] = {name: set() for name in names}
    for values in _assignments(op, base, names, target):
        v = {**base, **values}
        for name in names:
            tops[name].add(v[name])
        if "input" not in v or "kernel" not in v:
            raise CnnCalcError("give --input and --kernel (or mark them '?')")
        try:
            out, dropped, work = forward(op, v, ceil)
        except ValueError:
            continue
        outputs.add(out)
        if target is None or out == target:
            asked = {u: values[u] for u in unknowns if u in values}  # in the user's order
            solutions.append(Solution(asked, out, dropped, work))
    searched = {name: (min(t), max(t)) if t else widest[name] for name, t in tops.items()}
    limits = {}
    for name in names:  # a bound that moved with another unknown is said in words
        if any(u in names for u in _depends(name)):
            limit = LIMITS[name]
            limits[name] = limit[op] if isinstance(limit, dict) else limit
    # listed as the unknowns were asked (stride before padding if so asked), smallest first
    solutions.sort(key=lambda sol: tuple(sol.values.values()))
    return Answer(op, known, tuple(unknowns), target, tuple(solutions), tuple(sorted(outputs)),
                  searched, limits)


def _depends(name: str) -> tuple[str, ...]:
    """The unknowns whose values move ``name``'s bound (see ``bound``)."""
    return {"kernel": (), "dilation": (), "stride": ("padding",),
            "padding": ("kernel", "dilation"), "output_padding": ("stride", "dilation"),
            "input": ("stride", "kernel", "dilation", "padding")}[name]
