"""``cnncalc verify SPEC``: prove the engine's figures equal what PyTorch does."""

from __future__ import annotations

import json

import click

from ..layers.core import fmt_shape
from ..record import replace
from ..spec import from_layout
from .common import emit, parse_shape, report_errors
from .spec_options import load, spec_options

DISAGREE = 1


def load_graph(spec: str, input_shape: str | None, batch: int | None,
               settings: tuple[str, ...] = (), framework: str | None = None):
    """The spec's graph with the command line's --input, --batch, --set and --framework."""
    graph = load(spec, settings, framework)
    if input_shape:
        graph = replace(graph, input_shape=from_layout(parse_shape(input_shape),
                                                                   graph.layout))
    if batch:
        graph = replace(graph, batch=batch)
    return graph


def _cell(value: object) -> str:
    if isinstance(value, tuple):
        return fmt_shape(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_table(result) -> str:
    """One row per layer; a differing figure reads ``engine != torch``."""
    head = ("layer", "kind", "output", "params", "buffers", "MACs", "")
    rows = []
    for check in result.layers:
        cells = [check.name, check.kind]
        for f in ("shape", "params", "buffers", "macs"):
            want, got = check.expected[f], check.observed[f]
            cells.append(_cell(want) if want == got else f"{_cell(want)} != {_cell(got)}")
        cells.append("ok" if check.ok else "DIFFERS")
        rows.append(cells)
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    right = {3, 4, 5}

    def line(cells) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    totals = ", ".join(f"{k} {want:,}" + ("" if want == got else f" != {got:,}")
                       for k, (want, got) in result.totals.items())
    out += ["", f"totals: {totals}", result.summary()]
    return "\n".join(out) + "\n"


def render_json(result) -> str:
    doc = {
        "schema": "cnncalc.verify/1", "spec": result.spec, "device": result.device,
        "batch": result.batch, "ok": result.ok, "summary": result.summary(),
        "layers": [{"name": c.name, "kind": c.kind, "ok": c.ok,
                    "engine": {k: list(v) if isinstance(v, tuple) else v
                               for k, v in c.expected.items()},
                    "torch": {k: list(v) if isinstance(v, tuple) else v
                              for k, v in c.observed.items()}} for c in result.layers],
        "totals": {k: {"engine": want, "torch": got} for k, (want, got) in result.totals.items()},
    }
    return json.dumps(doc, indent=2) + "\n"


@click.command("verify")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--real", is_flag=True, help="Run real tensors on the CPU instead of the meta "
              "device (meta needs no memory and is the default).")
@click.option("--batch", type=click.IntRange(min=1), help="Batch size of the forward pass.")
@click.option("--input", "input_shape", metavar="SHAPE", help="Override the input shape.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@spec_options
@report_errors
def command(spec: str, real: bool, batch: int | None, input_shape: str | None, fmt: str,
            output: str | None, settings: tuple[str, ...] = (),
            framework: str | None = None) -> None:
    """Build SPEC in PyTorch, run one forward pass and compare every layer with the engine.

    Compares output shape, parameters, floating-point buffers (BatchNorm's integer
    num_batches_tracked counter is left out) and MACs (torch.utils.flop_counter FLOPs / 2).
    Exits 0 when everything agrees, 1 naming the first layer that differs, 2 on a spec error
    or when torch is not installed.

    \b
    Examples:
      cnncalc verify architectures/vgg16.yaml
      cnncalc verify architectures/resnet_basic_block.yaml --real --batch 2
    """
    from ..torch import require_torch

    require_torch()
    from ..torch.compare import verify

    result = verify(load_graph(spec, input_shape, batch, settings, framework), real=real)
    emit(render_json(result) if fmt == "json" else render_table(result), output)
    if not result.ok:
        click.echo(f"error: {result.summary()}", err=True)
        raise SystemExit(DISAGREE)
