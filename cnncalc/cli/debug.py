"""The shape-debugging options of ``cnncalc analyze`` (``--trace``, ``--min-input``,
``--watch``) and the printing ``check-spec`` shares with them."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

import click

from ..diagnose import (
    Diagnosis,
    describe_sizes,
    lossless_sizes,
    lossless_stop,
    main_only,
    min_input,
)
from ..errors import clean
from ..graph import Graph
from ..layers.core import fmt_shape, to_layout
from ..trace import trace_lines
from .common import USER_ERROR


def show_debug(graph: Graph, trace: bool, smallest: bool, fmt: str = "table") -> int:
    """Print the trace and/or the input-size study; return the exit status. ``--min-input``
    alone with ``-f json`` prints its figures as JSON (``cnncalc.min-input/1``)."""
    if smallest and not trace and fmt == "json":
        click.echo(input_size_json(graph))
        return 0
    status = 0
    if trace:
        lines = trace_lines(graph)
        click.echo("\n".join(lines))
        status = USER_ERROR if any(": ERROR " in line for line in lines) else 0
    if smallest:
        if trace:
            click.echo("")
        click.echo("\n".join(input_size_lines(graph)))
    return status


def input_size_lines(graph: Graph) -> list[str]:
    """``--min-input``: the smallest input per axis and overall, and the sizes with no loss;
    with side outputs (auxiliary heads), the main output's first, then the whole network's."""
    if len(graph.outputs) == 1:
        return _size_lines(graph, "every layer")
    lines = _size_lines(main_only(graph), "the main output")
    return lines + _size_lines(graph, "every layer, side outputs included")


def _size_lines(graph: Graph, what: str) -> list[str]:
    found = min_input(graph)
    text = lambda shape: fmt_shape(shape, graph.layout)  # noqa: E731
    square = len(set(graph.input_shape[1:])) == 1
    lines = []
    if not square:
        names = {2: ["H", "W"], 3: ["D", "H", "W"]}.get(len(graph.input_shape) - 1, [])
        for name, value, now in zip(names, found.per_axis, graph.input_shape[1:]):
            lines.append(f"{name}: smallest size that survives {what}: "
                         + (f"{value}" if value is not None else f"none up to {found.limit}")
                         + f" (the spec has {now})")
    if found.shape is None:
        lines.append(f"no input size up to {found.limit} survives {what}")
        return lines
    lines.append(f"smallest input that survives {what}: {text(found.shape)} (the spec "
                 f"has {text(graph.input_shape)})")
    if found.failure_below:
        lines.append(f"  one less fails: {found.failure_below}")
    if square:
        top = lossless_stop(graph, found.shape[1], max(graph.input_shape[1],
                                                       found.shape[1]) * 2)
        sizes = lossless_sizes(graph, found.shape[1], top)
        lines.append(f"sizes from {found.shape[1]} to {top} that lose no pixel to floor "
                     f"division: {describe_sizes(sizes)}")
    return lines


def input_size_json(graph: Graph) -> str:
    """``--min-input -f json``: the same figures as ``input_size_lines``, for tools; shapes in
    the spec's layout, as the text shows them."""
    import json

    found = min_input(graph)
    data: dict = {"schema": "cnncalc.min-input/1", "source": graph.source,
                  "layout": graph.layout, "input": list(to_layout(graph.input_shape,
                                                                  graph.layout)),
                  "limit": found.limit, "per_axis": list(found.per_axis),
                  "smallest": list(to_layout(found.shape, graph.layout)) if found.shape
                  else None, "one_less_fails": found.failure_below, "lossless": None}
    if found.shape is not None and len(set(graph.input_shape[1:])) == 1:
        top = lossless_stop(graph, found.shape[1], max(graph.input_shape[1],
                                                       found.shape[1]) * 2)
        data["lossless"] = {"from": found.shape[1], "to": top,
                            "sizes": lossless_sizes(graph, found.shape[1], top)}
    return json.dumps(data, indent=2, sort_keys=True)


def print_diagnosis(diagnosis: Diagnosis) -> None:
    """Every problem with its fixes and every warning on stderr, as every command prints its
    diagnostics; then the one-line verdict, the answer, on stdout."""
    lines = diagnosis_lines(diagnosis)
    if lines:
        click.echo("\n".join(lines), err=True)
    click.echo(verdict(diagnosis))


def diagnosis_lines(diagnosis: Diagnosis) -> list[str]:
    """Every problem with its fixes and the assumption checking went on with, then every
    warning: what ``check-spec`` prints above its verdict."""
    lines = []
    for problem in diagnosis.problems:
        lines.append(f"error: {problem.error}")
        lines += [f"  fix: {fix}" for fix in problem.fixes]
        if problem.assumed:
            lines.append(f"  note: {problem.assumed}")
    return [clean(line) for line in lines] + [str(warning) for warning in diagnosis.warnings]


def verdict(diagnosis: Diagnosis) -> str:
    n_err, n_warn = len(diagnosis.problems), len(diagnosis.warnings)
    source = diagnosis.graph.source
    warn = f"{n_warn} warning{'s' if n_warn != 1 else ''}"
    if n_err:
        return (f"verdict: {source} does NOT work: {n_err} error{'s' if n_err != 1 else ''}, "
                f"{warn}")
    layout = diagnosis.graph.layout
    outputs = ", ".join(fmt_shape(s, layout) for _, s in diagnosis.report.outputs if s)
    return f"verdict: {source} works (output {outputs}), {warn}"


def watch_file(path: str, run: Callable[[], object], runs: int | None = None,
               interval: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> None:
    """Run, then re-run whenever ``path``'s modification time changes (polling, no extra
    dependency). ``runs`` bounds the number of runs (tests); Ctrl-C ends it otherwise."""
    done, last = 0, None
    try:
        while runs is None or done < runs:
            try:
                stamp = os.stat(path).st_mtime_ns
            except OSError:
                stamp = None
            if stamp != last:
                last = stamp
                done += 1
                if done > 1:
                    click.echo(f"\n--- {path} changed, re-running ---", err=True)
                with contextlib.suppress(SystemExit):
                    run()
                if runs is not None and done >= runs:
                    break
            sleep(interval)
    except KeyboardInterrupt:
        pass
