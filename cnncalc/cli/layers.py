"""``cnncalc layers``: the layer reference, generated from the registry."""

from __future__ import annotations

import json

import click

from ..layers import REGISTRY
from ..layers.base import LayerKind
from .common import emit, report_errors


def layer_dict(unit: LayerKind) -> dict:
    return {
        "name": unit.name, "aliases": list(unit.aliases), "category": unit.category,
        "summary": unit.summary, "shorthand": unit.primary,
        "inputs": "many" if unit.n_inputs == 0 else 1,
        "arguments": [{"name": a.name, "type": a.type, "default": None if a.required
                       else a.default, "required": a.required, "aliases": list(a.aliases),
                       "choices": list(a.choices), "doc": a.doc} for a in unit.arguments],
    }


def layers_text(units: list[LayerKind]) -> str:
    lines = []
    for unit in units:
        alias = f"  (also: {', '.join(unit.aliases)})" if unit.aliases else ""
        lines.append(f"{unit.name}{alias}")
        lines.append(f"    {unit.summary}")
        for a in unit.arguments:
            also = f" [also: {', '.join(a.aliases)}]" if a.aliases else ""
            default = "required" if a.required else f"default {a.describe_default()}"
            lines.append(f"    {a.name} ({a.type}, {default}){also}: {a.doc}")
        if unit.primary:
            lines.append(f"    shorthand: '- {unit.name}: VALUE' sets {unit.primary}")
        lines.append("")
    return "\n".join(lines)


@click.command("layers")
@click.argument("names", nargs=-1)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@report_errors
def command(names: tuple[str, ...], fmt: str, output: str | None) -> None:
    """List layer kinds (all, or the NAMES given) with arguments, defaults and aliases.

    Names are matched loosely: MaxPool2d, max_pool2d and maxpool2d are the same kind.
    """
    from ..errors import CnnCalcError, did_you_mean
    from ..layers import lookup

    units = list(REGISTRY.values())
    if names:
        units = []
        for name in names:
            unit = lookup(name)
            if unit is None:
                raise CnnCalcError(f"unknown layer kind '{name}'{did_you_mean(name, REGISTRY)}")
            units.append(unit)
    if fmt == "json":
        emit(json.dumps([layer_dict(u) for u in units], indent=2) + "\n", output)
    else:
        emit(layers_text(units), output)
