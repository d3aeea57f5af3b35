"""``cnncalc solve``: which padding / stride / kernel / dilation / input size gives a size."""

from __future__ import annotations

import json

import click

from ..errors import CnnCalcError
from ..solve import Solution, solve
from .common import report_errors

VALUE_HELP = "an integer, or ? for the unknown"
SHOWN = 12
"""Solutions listed before the rest are summarized (``--all`` lists every one)."""


def _value(name: str, text: str | None) -> int | str | None:
    if text is None:
        return None
    text = text.strip()
    if text == "?":
        return "?"
    try:
        value = int(text)
    except ValueError:
        raise CnnCalcError(f"--{name.replace('_', '-')} must be {VALUE_HELP}; got '{text}' "
                           "(solve works on one axis: write 32, not 32x32)") from None
    zero_ok = name in ("padding", "output_padding")
    if value < (0 if zero_ok else 1):
        raise CnnCalcError(f"--{name.replace('_', '-')} must be "
                           f"{'at least 0' if zero_ok else 'positive'}, got {value}")
    return value


def rest_text(rest: list[Solution]) -> str:
    """The solutions not listed, counted per value of their first unknown (the kernel when
    it is one): ``58 more: kernel 17 (1), kernel 18 (2), ...``."""
    name = "kernel" if "kernel" in rest[0].values else next(iter(rest[0].values))
    counts: dict[int, int] = {}
    for sol in rest:
        counts[sol.values[name]] = counts.get(sol.values[name], 0) + 1
    groups = [f"{name.replace('_', ' ')} {value} ({n})" for value, n in sorted(counts.items())]
    if len(groups) > 8:
        groups = [*groups[:4], "...", *groups[-2:]]
    return f"{len(rest)} more: {', '.join(groups)}"


@click.command("solve")
@click.option("--op", type=click.Choice(["conv", "pool", "deconv"]), default="conv",
              show_default=True, help="Which layer's size rule.")
@click.option("--input", "input_", metavar="N|?", help="Input size along one axis.")
@click.option("--output", metavar="N|?", help="Wanted output size along that axis.")
@click.option("--kernel", metavar="K|?", help="Kernel size.")
@click.option("--stride", metavar="S|?", help="Stride (default 1; pool: the kernel).")
@click.option("--padding", metavar="P|?", help="Padding per side (default 0).")
@click.option("--dilation", metavar="D|?", help="Dilation (default 1).")
@click.option("--output-padding", metavar="OP|?", help="deconv only (default 0).")
@click.option("--ceil", is_flag=True, help="pool: ceil_mode.")
@click.option("--exact", is_flag=True, help="Only solutions where floor division drops no "
              "pixel.")
@click.option("--all", "show_all", is_flag=True, help=f"List every solution (text lists the "
              f"first {SHOWN} and summarizes the rest).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@report_errors
def command(op: str, input_: str | None, output: str | None, kernel: str | None,
            stride: str | None, padding: str | None, dilation: str | None,
            output_padding: str | None, ceil: bool, exact: bool, show_all: bool,
            fmt: str) -> None:
    """Answer inverse size questions on one axis: mark the unknown(s) with '?'.

    Lists every solution within sensible bounds (padding below the kernel, stride and kernel
    up to the input size, the same with one unknown or several), each with its formula, or
    says that none exists and which outputs can be reached. With several unknowns the
    textbook solutions come first (exact, centred padding, small kernel and stride); past
    the first 12 the rest are counted per kernel (--all lists them). Exit status 0 when
    there is a solution, 1 when none exists, 2 on bad input.

    \b
    Examples:
      cnncalc solve --input 28 --output 28 --kernel 5 --padding ?       # 'same' padding
      cnncalc solve --input 224 --output 112 --kernel 7 --stride 2 --padding ?
      cnncalc solve --input 32 --output 16 --kernel 3 --stride ? --padding ?
      cnncalc solve --input 227 --output 55 --stride 4 --kernel ?
      cnncalc solve --output 55 --kernel 11 --stride 4 --input ?
      cnncalc solve --op deconv --input 7 --output 14 --kernel 3 --stride 2 --padding 1 \\
          --output-padding ?
    """
    given = {"input": input_, "output": output, "kernel": kernel, "stride": stride,
             "padding": padding, "dilation": dilation, "output_padding": output_padding}
    values = {k: _value(k, v) for k, v in given.items()}
    unknowns = tuple(k for k, v in values.items() if v == "?")
    known = {k: v for k, v in values.items() if isinstance(v, int) and k != "output"}
    target = values["output"] if isinstance(values["output"], int) else None
    if target is None and "output" not in unknowns:
        raise CnnCalcError("give the wanted --output size (or --output ? for the forward "
                           "question)")
    if values["output_padding"] not in (None, 0) and op != "deconv":
        raise CnnCalcError("--output-padding belongs to --op deconv")
    answer = solve(op, known, unknowns, target, ceil)
    solutions = [s for s in answer.solutions if s.exact or not exact]
    if fmt == "json":
        click.echo(json.dumps({
            "schema": "cnncalc.solve/1", "op": op, "known": known, "output": target,
            "unknowns": list(unknowns),
            "solutions": [{**s.values, "output": s.output, "exact": s.exact,
                           "dropped": s.dropped, "formula": s.work} for s in solutions],
            "searched": {k: list(v) for k, v in answer.searched.items()},
            "reachable": list(answer.reachable)},
            indent=2, sort_keys=True))
    else:
        facts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in known.items())
        want = f"output {target}" if target is not None else "the output"
        asked = ", ".join(u for u in unknowns if u != "output")
        click.echo(f"{op}: {facts}; which {asked} gives {want}?" if asked else
                   f"{op}: {facts}; what is the output?")
        if not solutions:
            click.echo(answer.none_text() + (" without dropping pixels" if exact and
                                             answer.solutions else ""))
        if len([u for u in unknowns if u != "output"]) > 1:
            ranked = answer.ranked()
            solutions = [s for s in ranked if s in solutions]
        shown = solutions if show_all or len(solutions) <= SHOWN + 1 else solutions[:SHOWN]
        for s in shown:
            chosen = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s.values.items())
            tag = "" if s.exact or op == "deconv" else \
                f"  [floor drops {s.dropped} pixel{'s' if s.dropped != 1 else ''}]"
            click.echo(f"  {chosen + ': ' if chosen else ''}{s.work}{tag}")
        if len(shown) < len(solutions):
            click.echo(f"  ... {rest_text(solutions[len(shown):])}; --all lists them")
        if solutions and len(solutions) > 1:
            n_exact = sum(1 for s in solutions if s.exact)
            click.echo(f"{len(solutions)} solutions ({n_exact} exact)")
    if not solutions:
        raise SystemExit(1)
