"""Inverse questions on one axis: which padding, stride, kernel, dilation or input size gives
a wanted output size? (``cnncalc solve``)

The forward rules are the ones every layer unit uses (``cnncalc.formulas``); solving is a
bounded exhaustive search over the unknowns, so every solution is listed, each with the
substituted formula, and "none exists" comes with the closest sizes that can be reached.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

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
    reachable: tuple[int, int] | None
    searched: dict[str, tuple[int, int]]

    def none_text(self) -> str:
        ranges = ", ".join(f"{k} {a}..{b}" for k, a, b in
                           ((k, *v) for k, v in self.searched.items()))
        near = ""
        if self.reachable:
            near = f"; the outputs reachable are {self.reachable[0]} to {self.reachable[1]}"
        return f"none exists: no {ranges} gives output {self.target}{near}"


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


def _ranges(op: str, known: dict[str, int], unknowns: tuple[str, ...],
            target: int | None) -> dict[str, range]:
    """Search ranges for the unknowns: wide enough for every sensible answer, bounded."""
    n = known.get("input")
    k = known.get("kernel")
    d = known.get("dilation", 1)
    big = max(n or 0, target or 0, 64)
    out: dict[str, range] = {}
    for name in unknowns:
        if name == "kernel":
            out[name] = range(1, (n + 2 * known.get("padding", 0) if n else big) + 1)
        elif name in ("stride", "dilation"):
            # beyond the padded size every stride gives the same single output
            out[name] = range(1, (n + 2 * known.get("padding", 0) if n else big) + 1)
        elif name == "padding":
            if op == "pool":
                top = (k // 2) if k else big // 2
            elif op == "deconv":
                top = big
            else:
                top = effective_kernel(k, d) - 1 if k else big // 2
            out[name] = range(0, max(top, 0) + 1)
        elif name == "output_padding":
            s = known.get("stride")
            out[name] = range(0, (max(s, d) if s else 16))
        elif name == "input":
            t = target or big
            s = known.get("stride") or big
            ext = effective_kernel(k or big, d)
            top = (t + 1) * s + ext if op != "deconv" else t + 2 * known.get("padding", big) + 1
            out[name] = range(1, top + 1)
    return out


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
    ranges = _ranges(op, base, tuple(u for u in unknowns if u != "output"), target)
    total = 1
    for r in ranges.values():
        total *= len(r)
    if total > MAX_TRIALS:
        raise CnnCalcError(f"{total:,} combinations to try; give more of the values "
                           f"({', '.join(unknowns)} are unknown)")
    solutions, outputs = [], []
    for values in _assignments(ranges):
        v = {**base, **values}
        if "input" not in v or "kernel" not in v:
            raise CnnCalcError("give --input and --kernel (or mark them '?')")
        try:
            out, dropped, work = forward(op, v, ceil)
        except ValueError:
            continue
        outputs.append(out)
        if target is None or out == target:
            solutions.append(Solution(values, out, dropped, work))
    reachable = (min(outputs), max(outputs)) if outputs else None
    return Answer(op, known, tuple(unknowns), target, tuple(solutions), reachable,
                  {k: (r.start, r.stop - 1) for k, r in ranges.items()})


def _assignments(ranges: dict[str, range]) -> Iterator[dict[str, int]]:
    names = list(ranges)
    for combo in itertools.product(*(ranges[n] for n in names)):
        yield dict(zip(names, combo))
