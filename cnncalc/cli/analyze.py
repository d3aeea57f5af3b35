"""``cnncalc analyze SPEC``: the main job."""

from __future__ import annotations

import os
import sys

import click

from ..engine import analyze
from ..errors import CnnCalcError
from ..record import replace
from ..render import FORMATS, render
from ..report import DTYPE_BYTES
from ..spec import from_layout
from .common import emit, parse_shape, report_errors
from .spec_options import load, spec_options


@click.command("analyze")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice((*FORMATS, "html")),
              default="table", show_default=True, help="Output format; json is the stable "
              "machine interface; html is one self-contained page with the diagram.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (atomically) instead of stdout.")
@click.option("--batch", type=click.IntRange(min=1), help="Batch size: shapes get a batch axis "
              "and MACs, FLOPs and activations are multiplied by it.")
@click.option("--input", "input_shape", metavar="SHAPE",
              help="Override the spec's input shape, e.g. 3,224,224 (or 224x224x3 with "
                   "--layout hwc).")
@click.option("--layout", type=click.Choice(["chw", "hwc"]),
              help="Read --input and print shapes channels first (PyTorch) or channels last "
                   "(Keras). Default: the spec's input_layout.")
@click.option("--depth", type=click.IntRange(min=0),
              help="Fold layers nested deeper than this into one row per block "
                   "(0 = top level only).")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32",
              show_default=True, help="Element type for the memory figures.")
@click.option("--color/--no-color", default=None, help="Colour the table (default: when "
              "writing to a terminal).")
@click.option("--until", metavar="LAYER", help="Stop after this layer (a name or a block "
              "scope such as layer2).")
@click.option("--trace", is_flag=True, help="Print every layer's shape with the formula that "
              "produced it, instead of the table.")
@click.option("--min-input", is_flag=True, help="Print the smallest input size that survives "
              "every layer and the sizes that lose no pixel to floor division.")
@click.option("--style", type=click.Choice(["cnncalc", "keras"]), default="cnncalc",
              show_default=True, help="keras: the table of Keras' model.summary() (layer "
              "(type), Output Shape, Param #, totals), to hold next to Keras' own.")
@click.option("--watch", is_flag=True, help="Re-run whenever SPEC changes (Ctrl-C stops).")
@click.option("--watch-runs", type=click.IntRange(min=1), hidden=True)
@spec_options
@report_errors
def command(spec: str, fmt: str, output: str | None, batch: int | None,
            input_shape: str | None, layout: str | None, depth: int | None, dtype: str,
            color: bool | None, until: str | None = None, trace: bool = False,
            min_input: bool = False, watch: bool = False, watch_runs: int | None = None,
            settings: tuple[str, ...] = (), framework: str | None = None,
            style: str = "cnncalc") -> None:
    """Shapes, parameters, MACs/FLOPs, memory and receptive field of every layer of SPEC.

    SPEC is a YAML architecture file ('-' reads standard input). Data goes to stdout,
    warnings and errors to stderr; a spec with mistakes prints no table and exits with status
    2, with one line per problem (all of them, typos included) naming file:line:col and the
    layer. For a computed fix to each, run 'cnncalc check-spec SPEC'.

    \b
    Examples:
      cnncalc analyze architectures/vgg16.yaml
      cnncalc analyze architectures/alexnet.yaml --input 3,224,224
      cnncalc analyze architectures/keras_cats_dogs.yaml --layout hwc
      cnncalc analyze architectures/vgg16.yaml --format json -o vgg16.json
      cnncalc analyze architectures/vgg16.yaml --format html -o vgg16.html
      cnncalc analyze my_net.yaml --trace --until conv3
      cnncalc analyze architectures/alexnet.yaml --min-input
      cnncalc analyze my_net.yaml --watch
      cnncalc analyze architectures/keras_cats_dogs.yaml --style keras
    """
    if style == "keras" and fmt != "table":
        raise click.UsageError("--style keras is a table; leave out --format")
    if watch:
        from .debug import watch_file

        ctx = click.get_current_context()
        watch_file(spec, lambda: ctx.invoke(command, **{**ctx.params, "watch": False}),
                   watch_runs)
        return
    graph = load(spec, settings, framework, layout, tolerant=True)  # every mistake
    if graph.load_problems:
        every_error(graph)
    if input_shape:
        graph = replace(graph, input_shape=from_layout(parse_shape(input_shape),
                                                                   graph.layout))
    if batch:
        graph = replace(graph, batch=batch)
    if until:
        from ..trace import until as cut

        graph = cut(graph, until)
    if trace or min_input:
        from .debug import show_debug

        raise SystemExit(show_debug(graph, trace, min_input, fmt))
    report = analyze(graph, dtype=dtype, keep_going=True)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if report.errors:
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
        raise SystemExit(2)
    if style == "keras":
        from ..render.keras import to_keras_summary

        emit(to_keras_summary(report, depth), output)
        return
    if fmt == "html":
        from ..render.html import to_html

        emit(to_html(report, graph, depth), output)
        return
    to_terminal = fmt == "table" and not output and sys.stdout.isatty()
    if color is None:
        color = wants_color(to_terminal)
    emit(render(report, fmt, depth, color=color, width=table_width(to_terminal)), output)


def every_error(graph) -> None:  # noqa: ANN001 - a Graph
    """Every mistake of a spec, as check-spec finds them (the text's, then the shapes' the
    mended text still shows), one ``error:`` line each in file order, then exit 2: no table."""
    errors = [p.error for p in graph.load_problems]
    try:
        errors += analyze(graph, keep_going=True).errors
    except CnnCalcError as exc:
        errors.append(exc)
    far = (float("inf"), 0)
    errors.sort(key=lambda e: (e.pos.line, e.pos.column) if e.pos else far)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    raise SystemExit(2)


def wants_color(to_terminal: bool) -> bool:
    """Colour by default only on a terminal, and never with ``NO_COLOR`` set (no-color.org)
    or ``TERM=dumb``; ``--color`` still forces it."""
    return to_terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def table_width(to_terminal: bool) -> int | None:
    """How wide the table may be: ``COLUMNS`` when set, else the terminal's width; None (no
    limit) when writing to a file or a pipe without ``COLUMNS``."""
    text = os.environ.get("COLUMNS", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    if to_terminal:
        import shutil

        return shutil.get_terminal_size().columns
    return None


__all__ = ["command", "CnnCalcError"]
