"""``cnncalc pool``: one max or average pooling layer from flags (homework calculator)."""

from __future__ import annotations

import click

from ..homework import parse_ints, parse_padding
from .calc import common_options, run
from .common import report_errors


@click.command("pool")
@common_options
@click.option("--kernel", required=True, metavar="K", help="Window size: 2, or 2x3 per axis.")
@click.option("--stride", default=None, metavar="S", help="Step between windows "
              "(default: the kernel size, as PyTorch and Keras).")
@click.option("--padding", default="0", show_default=True, metavar="P",
              help="Padding per side (at most half the kernel), valid (0) or same "
              "(Keras: output ceil(in / stride), where it pads both sides alike).")
@click.option("--ceil", "ceil_mode", is_flag=True, help="ceil_mode: round the size up.")
@click.option("--type", "pool_type", type=click.Choice(["max", "avg"]), default="max",
              show_default=True, help="Max or average pooling (same shape).")
@report_errors
def command(input_text: str, layout: str | None, explain: bool, fmt: str, kernel: str,
            stride: str | None, padding: str, ceil_mode: bool, pool_type: str) -> None:
    """Output shape of a max/average pooling layer (no weights), with the window formula.

    \b
    Examples:
      cnncalc pool --input 28x28x6 --kernel 2
      cnncalc pool --input 55x55x96 --kernel 3 --stride 2 --explain
      cnncalc pool --input 112x112x64 --kernel 3 --stride 2 --ceil
      cnncalc pool --input 6x28x28 --layout chw --kernel 2 --type avg
    """
    args = {"kernel_size": parse_ints(kernel, "--kernel"), "padding": parse_padding(padding),
            "ceil_mode": ceil_mode,
            "stride": parse_ints(stride, "--stride") if stride is not None else None}
    run(f"{pool_type}pool", input_text, layout, explain, fmt, args)
