"""``cnncalc conv``: one convolution layer from flags (homework calculator)."""

from __future__ import annotations

import click

from ..homework import parse_ints, parse_padding
from .calc import common_options, run
from .common import report_errors


@click.command("conv")
@common_options
@click.option("--filters", "--out-channels", "filters", type=click.IntRange(min=1),
              required=True, help="Number of filters (output channels).")
@click.option("--kernel", required=True, metavar="K", help="Kernel size: 5, or 5x3 per axis.")
@click.option("--stride", default="1", show_default=True, metavar="S", help="Stride: 2 or 2x1.")
@click.option("--padding", default="0", show_default=True, metavar="P",
              help="Padding per side: 1, 1x2, valid, same, full or causal (1-D).")
@click.option("--dilation", default="1", show_default=True, metavar="D", help="Dilation.")
@click.option("--groups", type=click.IntRange(min=1), default=1, show_default=True,
              help="Channel groups (groups = channels is depthwise).")
@click.option("--bias/--no-bias", default=True, show_default=True, help="One bias per filter.")
@report_errors
def command(input_text: str, layout: str | None, explain: bool, fmt: str, filters: int,
            kernel: str, stride: str, padding: str, dilation: str, groups: int,
            bias: bool) -> None:
    """Output shape, weights, biases, params and MACs of one convolution layer.

    The input's rank picks Conv1d, Conv2d or Conv3d. Exit status 2 with one line on a bad value.

    \b
    Examples:
      cnncalc conv --input 32x32x3 --filters 6 --kernel 5
      cnncalc conv --input 224x224x3 --filters 96 --kernel 11 --stride 4 --explain
      cnncalc conv --input 28x28x192 --filters 32 --kernel 5 --padding same
      cnncalc conv --input 3x227x227 --layout chw --filters 96 --kernel 11 --stride 4
      cnncalc conv --input 100x8 --filters 16 --kernel 3 --dilation 2     # 1-D
    """
    run("conv", input_text, layout, explain, fmt, {
        "out_channels": filters, "kernel_size": parse_ints(kernel, "--kernel"),
        "stride": parse_ints(stride, "--stride"), "padding": parse_padding(padding),
        "dilation": parse_ints(dilation, "--dilation"), "groups": groups, "bias": bias})
