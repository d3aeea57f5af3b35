"""``cnncalc explain SPEC --layer NAME``: the worked formulas of one layer inside a network."""

from __future__ import annotations

import click

from ..engine import propagate
from ..errors import CnnCalcError, did_you_mean
from ..spec import load_file
from .common import report_errors


@click.command("explain")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--layer", "layers", multiple=True, required=True, metavar="NAME",
              help="Layer name as analyze prints it (repeatable).")
@click.option("--layout", type=click.Choice(["chw", "hwc"]), help="Write shapes channels "
              "first or last (default: the spec's input_layout).")
@report_errors
def command(spec: str, layers: tuple[str, ...], layout: str | None) -> None:
    """Every formula of one layer of SPEC with the numbers substituted, step by step.

    \b
    Examples:
      cnncalc explain architectures/alexnet.yaml --layer conv1
      cnncalc explain architectures/lenet5.yaml --layer c3 --layer c5 --layout hwc
    """
    graph = load_file(spec, layout)
    names = [n.name for n in graph.nodes]
    for name in layers:
        if name not in names:
            raise CnnCalcError(f"no layer named '{name}' in {spec}{did_you_mean(name, names)}")
    wanted = set(layers)
    shown = 0
    for step in propagate(graph):
        if step.node.name not in wanted:
            continue
        assert step.call is not None
        if shown:
            click.echo("")
        where = f" ({step.node.pos})" if step.node.pos else ""
        click.echo(f"{step.node.name} ({step.node.kind}){where}")
        for line in step.node.unit.explain(step.call, graph.layout):
            click.echo(f"  {line.text}")
        for warning in step.call.warnings:
            click.echo(f"  warning: {warning.message}")
        shown += 1
