"""``cnncalc diagram SPEC``: the network as a picture (SVG, PNG, PDF) or as graph text (DOT,
Mermaid)."""

from __future__ import annotations

import dataclasses
import os

import click

from ..errors import CnnCalcError
from ..graph import Graph
from ..report import Report
from .common import emit, parse_shape, report_errors
from .spec_options import spec_options

FORMATS = ("svg", "png", "pdf", "dot", "mermaid")
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
        graph = dataclasses.replace(graph, input_shape=from_layout(parse_shape(input_shape),
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
@click.option("--direction", type=click.Choice(["TB", "LR"]), default="TB", show_default=True,
              help="Graph view (and DOT/Mermaid): top to bottom or left to right.")
@click.option("--layout", type=click.Choice(["chw", "hwc"]),
              help="Write shapes channels first or channels last (default: the spec's).")
@click.option("--input", "input_shape", metavar="SHAPE", help="Override the input shape.")
@click.option("--until", metavar="LAYER", help="Draw only up to this layer or block.")
@click.option("--fold-repeats", is_flag=True, help="Draw a run of identical blocks (ResNet's "
              "layer3.1 to layer3.5) as one node marked ×N.")
@spec_options
@report_errors
def command(spec: str, output: str | None, fmt: str | None, depth: int | None, view: str,
            direction: str, layout: str | None, input_shape: str | None,
            until: str | None, fold_repeats: bool = False, settings: tuple[str, ...] = (),
            framework: str | None = None) -> None:
    """Draw SPEC: feature maps as boxes for a chain, a layer graph for a branching network.

    \b
    Examples:
      cnncalc diagram architectures/lenet5.yaml -o lenet5.svg
      cnncalc diagram architectures/resnet50.yaml --depth 1 -o resnet50.svg
      cnncalc diagram architectures/resnet152.yaml --depth 1 --fold-repeats -o r152.svg
      cnncalc diagram architectures/inception_module.yaml --direction LR -o inception.png
      cnncalc diagram architectures/unet.yaml --depth 0 --format mermaid
    """
    if fmt is None:
        suffix = os.path.splitext(output or "")[1].lower()
        fmt = SUFFIXES.get(suffix, "svg")
    if fmt in ("png", "pdf") and (not output or output == "-"):
        raise CnnCalcError(f"--format {fmt} writes a file: give it with -o")
    if fmt in ("png", "pdf"):
        from ..render.mpl import need_matplotlib

        need_matplotlib(f"--format {fmt}")
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

    scene = draw(net, view, direction)
    if fmt == "svg":
        from ..render.svg import to_svg

        emit(to_svg(scene), output)
        return
    from ..render.mpl import save

    assert output is not None
    write_binary(lambda path: save(scene, path), output)
