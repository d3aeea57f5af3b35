"""``cnncalc plot SPEC [SPEC...]``: charts of where a network's cost is (plot extra)."""

from __future__ import annotations

import os

import click

from ..errors import CnnCalcError
from .common import report_errors
from .spec_options import spec_options


@click.command("plot")
@click.argument("specs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--what", type=click.Choice(["params", "macs", "activations", "rf", "memory"]),
              default="macs", show_default=True, help="Which figure to chart per layer.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The image to write: .png, .pdf or .svg.")
@click.option("--depth", type=click.IntRange(min=0), help="One bar per block nested deeper "
              "than this (0 = top level only).")
@click.option("--log/--linear", "log", default=None, help="Force the value axis to a log or "
              "linear scale (default: log when the values span 1000x or more).")
@spec_options
@report_errors
def command(specs: tuple[str, ...], what: str, output: str, depth: int | None,
            log: bool | None, settings: tuple[str, ...] = (),
            framework: str | None = None) -> None:
    """Chart SPEC's parameters, MACs, activations, memory or receptive field per layer;
    with several SPECs, one curve each on the same axes.

    \b
    Examples:
      cnncalc plot architectures/vgg16.yaml --what params -o vgg16_params.png
      cnncalc plot architectures/vgg16.yaml architectures/resnet50.yaml --what macs -o macs.png
      cnncalc plot architectures/resnet50.yaml --what rf -o rf.pdf
    """
    from ..render.mpl import need_matplotlib

    need_matplotlib("cnncalc plot")
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in (".png", ".pdf", ".svg"):
        raise CnnCalcError(f"{output}: write a .png, .pdf or .svg")
    from ..render.plot import save_plot
    from .diagram import load_analyzed, write_binary

    reports = [load_analyzed(spec, settings=settings, framework=framework)[1] for spec in specs]
    write_binary(lambda path: save_plot(reports, what, path, depth, log), output)
