"""``cnncalc deconv``: one transposed convolution from flags (homework calculator)."""

from __future__ import annotations

import click

from ..homework import parse_ints
from .calc import common_options, run
from .common import report_errors


@click.command("deconv")
@common_options
@click.option("--filters", "--out-channels", "filters", type=click.IntRange(min=1),
              required=True, help="Number of output channels.")
@click.option("--kernel", required=True, metavar="K", help="Kernel size: 4, or 4x3 per axis.")
@click.option("--stride", default="1", show_default=True, metavar="S", help="Upsampling step.")
@click.option("--padding", default="0", show_default=True, metavar="P",
              help="Pixels removed from each side of the output (PyTorch's padding).")
@click.option("--output-padding", default="0", show_default=True, metavar="OP",
              help="Extra pixels on one side of the output (smaller than the stride).")
@click.option("--dilation", default="1", show_default=True, metavar="D", help="Dilation.")
@click.option("--groups", type=click.IntRange(min=1), default=1, show_default=True,
              help="Channel groups.")
@click.option("--bias/--no-bias", default=True, show_default=True, help="One bias per filter.")
@report_errors
def command(input_text: str, layout: str | None, explain: bool, fmt: str, filters: int,
            kernel: str, stride: str, padding: str, output_padding: str, dilation: str,
            groups: int, bias: bool) -> None:
    """Output shape, weights, biases, params and MACs of a transposed convolution.

    out = (in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1, as
    torch.nn.ConvTranspose2d computes it.

    \b
    Examples:
      cnncalc deconv --input 14x14x64 --filters 32 --kernel 2 --stride 2
      cnncalc deconv --input 7x7x128 --filters 64 --kernel 3 --stride 2 --padding 1 \\
          --output-padding 1 --explain
      cnncalc deconv --input 64x4x4 --layout chw --filters 32 --kernel 4 --stride 2 --padding 1
    """
    run("deconv", input_text, layout, explain, fmt, {
        "out_channels": filters, "kernel_size": parse_ints(kernel, "--kernel"),
        "stride": parse_ints(stride, "--stride"), "padding": parse_ints(padding, "--padding"),
        "output_padding": parse_ints(output_padding, "--output-padding"),
        "dilation": parse_ints(dilation, "--dilation"), "groups": groups, "bias": bias})
