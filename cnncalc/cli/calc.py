"""What the one-layer calculators (``conv``, ``pool``, ``deconv``, ``dense``) share: the
``--input``/``--layout``/``--explain``/``--format`` options and the printing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from ..homework import LayerAnswer, guess_layout, layer_answer, summary_lines
from .common import parse_shape


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--input``, ``--layout``, ``--explain`` and ``--format``, in that order in --help."""
    func = click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]),
                        default="text", show_default=True, help="json is for scripts.")(func)
    func = click.option("--explain", is_flag=True, help="Show every formula with the numbers "
                        "substituted, step by step.")(func)
    func = click.option("--layout", type=click.Choice(["hwc", "chw"]), default=None,
                        help="How --input and the answer are written: hwc = channels last "
                        "(32x32x3, textbooks and Keras), chw = channels first (3x32x32, "
                        "PyTorch). Default: hwc, unless the input plainly reads channels "
                        "first (3x224x224); a note on stderr says so.")(func)
    func = click.option("--input", "input_text", required=True, metavar="SHAPE",
                        help="Input size with channels: 32x32x3 (2-D), 100x8 (1-D), "
                        "16x16x16x1 (3-D); with --layout chw: 3x32x32.")(func)
    return func


def run(family: str, input_text: str, layout: str | None, explain: bool, fmt: str,
        args: dict[str, Any]) -> LayerAnswer:
    """Compute and print one layer; user errors propagate as CnnCalcError (exit 2).

    Warnings go to stderr once each, in every format, as ``cnncalc analyze`` does; JSON also
    carries them in its ``warnings`` list, so a script reading stdout alone still sees them."""
    shape = parse_shape(input_text)
    chosen, note = (layout, None) if layout else guess_layout(shape, family)
    answer = layer_answer(family, shape, chosen, args)
    if note:
        click.echo(note, err=True)
    for warning in answer.warnings:
        click.echo(f"warning: {warning}", err=True)
    if fmt == "json":
        click.echo(json.dumps(answer.as_dict(), indent=2, sort_keys=True))
        return answer
    click.echo(f"{answer.kind}")
    for line in summary_lines(answer):
        click.echo(f"  {line}")
    if explain:
        click.echo("\nstep by step:")
        for step in answer.steps:
            click.echo(f"  {step.text}")
    return answer
