"""``cnncalc dense``: one fully connected layer from flags (homework calculator)."""

from __future__ import annotations

import click

from .calc import common_options, run
from .common import report_errors


@click.command("dense")
@common_options
@click.option("--units", "--out-features", "units", type=click.IntRange(min=1), required=True,
              help="Number of outputs (neurons).")
@click.option("--bias/--no-bias", default=True, show_default=True, help="One bias per unit.")
@report_errors
def command(input_text: str, layout: str | None, explain: bool, fmt: str, units: int,
            bias: bool) -> None:
    """Weights, biases, params and MACs of a dense (fully connected, Linear) layer.

    --input is a feature count (400) or a shape that is flattened first (5x5x16).

    \b
    Examples:
      cnncalc dense --input 400 --units 120
      cnncalc dense --input 5x5x16 --units 120 --explain
      cnncalc dense --input 7x7x512 --units 4096
    """
    run("dense", input_text, layout, explain, fmt, {"out_features": units, "bias": bias})
