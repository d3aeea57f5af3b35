"""``cnncalc diagram SPEC``: the network as a picture (SVG, PNG, PDF) or as graph text (DOT,
Mermaid)."""

from __future__ import annotations

import os

import click

from ..errors import CnnCalcError
from ..graph import Graph
from ..record import replace
from ..render.layout import ENGINES, pick
from ..report import Report
from .common import emit, parse_shape, report_errors
from .spec_options import spec_options

FORMATS = ("svg", "png", "pdf", "dot", "mermaid")
DIRECTIONS = {"top-down": "TB", "left-right": "LR"}
SHAPES = ("chw", "hwc")
LAYOUTS = (*DIRECTIONS, *SHAPES)
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot",
            ".mmd": "mermaid", ".mermaid": "mermaid"}


def load_analyzed(spec: str, layout: str | None = None, input_shape: str | None = None,
                  until: str | None = None, settings: tuple[str, ...] = (),
                  framework: str | None = None) -> tuple[Graph, Report]:
    """The spec's graph and its report, or a ``CnnCalcError`` (the same checks as analyze:
    a spec with a shape error is not drawn)."""
    from ..engine import analyze
    from ..spec import from_layout
    from .spec_options import load

    graph = load(spec, settings, framework, layout)
    if input_shape:
        graph = replace(graph, input_shape=from_layout(parse_shape(input_shape),
                                                                   graph.layout))
    if until:
        from ..trace import until as cut

        graph = cut(graph, until)
    report = analyze(graph, keep_going=True)
    if report.errors:
        raise report.errors[0]
    return graph, report


def write_binary(write, output: str) -> None:  # noqa: ANN001 - a callable taking a path
    """Let ``write(path)`` make the file next to ``output``, then rename it into place."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise CnnCalcError(f"cannot write {output}: folder {folder} does not exist")
    suffix = os.path.splitext(output)[1]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(output)}.", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def split_layouts(layouts: tuple[str, ...], direction: str | None) -> tuple[str, str | None]:
    """``--layout`` values (and ``--direction``) as (direction, shape layout or None).

    ``--layout`` names both what the issue asked for (top-down, left-right) and what every
    other command means by it (chw, hwc): the two sets of values are disjoint, so one option
    carries both, and ``--layout hwc`` reads here as in ``analyze``."""
    ways = {DIRECTIONS[v] for v in layouts if v in DIRECTIONS} | ({direction} if direction
                                                                  else set())
    shapes = {v for v in layouts if v in SHAPES}
    if len(ways) > 1:
        raise CnnCalcError("the graph is laid out either top-down (TB) or left-right (LR), "
                           "not both; give one")
    if len(shapes) > 1:
        raise CnnCalcError("shapes are written either chw or hwc, not both; give one")
    return (ways.pop() if ways else "TB"), (shapes.pop() if shapes else None)


@click.command("diagram")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write here; the suffix (.svg .png .pdf .dot .mmd) picks the format. "
                   "Default: SVG on stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS),
              help="Output format (default: from the suffix of -o, else svg). png and pdf "
                   "need the plot extra.")
@click.option("--depth", type=click.IntRange(min=0),
              help="One node per block nested deeper than this (0 = top level only); "
                   "default: every layer.")
@click.option("--view", type=click.Choice(["auto", "boxes", "graph"]), default="auto",
              show_default=True, help="boxes: the row of feature maps (chains only); graph: "
              "nodes and edges; auto: boxes when the network is a chain at this depth.")
@click.option("--layout", "layouts", multiple=True, type=click.Choice(LAYOUTS),
              help="top-down (default) or left-right: which way the graph view (and DOT, "
              "Mermaid) runs; chw or hwc: write shapes channels first or last (default: the "
              "spec's), as in analyze. Give it twice for both: --layout left-right "
              "--layout hwc.")
@click.option("--direction", type=click.Choice(["TB", "LR"]),
              help="The same as --layout top-down or left-right (Graphviz's names).")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="Who lays out the graph view: graphviz (its dot program, when installed), "
              "python (grandalf, always installed), auto: graphviz when dot is on PATH, "
              "else python.")
@click.option("--input", "input_shape", metavar="SHAPE", help="Override the input shape.")
@click.option("--until", metavar="LAYER", help="Draw only up to this layer or block.")
@click.option("--fold-repeats", is_flag=True, help="Draw a run of identical blocks (ResNet's "
              "layer3.1 to layer3.5) as one node marked ×N.")
@spec_options
@report_errors
def command(spec: str, output: str | None, fmt: str | None, depth: int | None, view: str,
            layouts: tuple[str, ...], direction: str | None, engine: str,
            input_shape: str | None, until: str | None, fold_repeats: bool = False,
            settings: tuple[str, ...] = (), framework: str | None = None) -> None:
    """Draw SPEC: feature maps as boxes for a chain, a layer graph for a branching network.

    \b
    Examples:
      cnncalc diagram architectures/lenet5.yaml -o lenet5.svg
      cnncalc diagram architectures/resnet50.yaml --depth 1 -o resnet50.svg
      cnncalc diagram architectures/resnet152.yaml --depth 1 --fold-repeats -o r152.svg
      cnncalc diagram architectures/inception_module.yaml --layout left-right -o inc.png
      cnncalc diagram architectures/unet.yaml --depth 0 --engine python -o unet.svg
      cnncalc diagram architectures/unet.yaml --depth 0 --format mermaid
    """
    direction, layout = split_layouts(layouts, direction)
    if fmt is None:
        suffix = os.path.splitext(output or "")[1].lower()
        fmt = SUFFIXES.get(suffix, "svg")
    if fmt in ("png", "pdf") and (not output or output == "-"):
        raise CnnCalcError(f"--format {fmt} writes a file: give it with -o")
    if fmt in ("png", "pdf"):
        from ..render.mpl import need_matplotlib

        need_matplotlib(f"--format {fmt}")
    if engine == "graphviz" and fmt not in ("dot", "mermaid"):
        pick(engine)  # says how to install Graphviz before any work is done
    graph, report = load_analyzed(spec, layout, input_shape, until, settings, framework)
    from ..render.netgraph import build, fold_repeats

    net = build(report, graph, depth)
    if fold_repeats:
        net = fold_repeats(net)
    if fmt in ("dot", "mermaid"):
        from ..render.graphtext import to_dot, to_mermaid

        emit((to_dot if fmt == "dot" else to_mermaid)(net, direction), output)
        return
    if view == "boxes" and not net.is_chain():
        raise CnnCalcError(f"{spec}: --view boxes draws chains only, and this network "
                           "branches at this depth; use --view graph, or a smaller --depth")
    from ..render.diagram import draw

    scene = draw(net, view, direction, engine)
    if fmt == "svg":
        from ..render.svg import to_svg

        emit(to_svg(scene), output)
        return
    from ..render.mpl import save

    assert output is not None
    write_binary(lambda path: save(scene, path), output)
