"""``cnncalc check-spec SPEC``: every problem and warning of a spec, fixes, and a verdict."""

from __future__ import annotations

import json

import click

from ..diagnose import diagnose
from ..errors import CnnCalcError
from .common import USER_ERROR, load, report_errors
from .debug import print_diagnosis, verdict


@click.command("check-spec")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json lists problems, fixes and warnings for tools.")
@report_errors
def command(spec: str, fmt: str) -> None:
    """Check SPEC for every shape problem at once, with a computed fix for each.

    Keeps going past an error (shapes below it are unknown), so one run shows everything;
    legal but suspicious designs (pixels dropped by floor division, a stride larger than the
    kernel, a 1x1 map fed to a 3x3 window, one dense layer holding most parameters, ...) are
    warnings. Exit status 0 when the spec works (even with warnings), 2 when it does not.

    \b
    Examples:
      cnncalc check-spec my_net.yaml
      cnncalc check-spec my_net.yaml --format json
    """
    try:
        diagnosis = diagnose(load(spec, tolerant=True))
    except CnnCalcError as exc:  # nothing to check: no YAML, no input, no layers, no file
        stopped(spec, exc, fmt)
        raise SystemExit(USER_ERROR) from None
    if fmt == "json":
        click.echo(as_json(diagnosis.graph.source, [
            error_json(p.error, p.fixes, p.assumed) for p in diagnosis.problems],
            diagnosis.warnings, verdict(diagnosis)))
    else:
        print_diagnosis(diagnosis)
    if not diagnosis.ok:
        raise SystemExit(USER_ERROR)


def stopped(spec: str, error: CnnCalcError, fmt: str) -> None:
    """A spec that cannot be checked at all: the one error, and the verdict (or its JSON)."""
    line = f"verdict: {spec} cannot be checked: fix this error first"
    if fmt == "json":
        click.echo(as_json(spec, [error_json(error)], (), line))
        return
    click.echo(f"error: {error}", err=True)
    click.echo(line)


def error_json(error: CnnCalcError, fixes: tuple[str, ...] = (),
               assumed: str | None = None) -> dict:
    return {"message": str(error), "layer": error.layer,
            "position": str(error.pos) if error.pos else None, "fixes": list(fixes),
            "assumed": assumed}


def as_json(source: str, errors: list[dict], warnings, line: str) -> str:
    """``cnncalc.check-spec/1``: the errors with their fixes, the warnings, the verdict."""
    return json.dumps({
        "schema": "cnncalc.check-spec/1", "source": source, "ok": not errors, "errors": errors,
        "warnings": [{"message": str(w), "layer": w.layer,
                      "position": str(w.pos) if w.pos else None} for w in warnings],
        "verdict": line}, indent=2, sort_keys=True)
