"""``cnncalc bench SPEC``: time the network in PyTorch next to the engine's figures."""

from __future__ import annotations

import json
import sys

import click

from .common import emit, report_errors
from .spec_options import spec_options
from .verify import load_graph


@click.command("bench")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--device", type=click.Choice(["cpu", "cuda", "mps"]), default="cpu",
              show_default=True)
@click.option("--batch", type=click.IntRange(min=1), help="Batch size (default: the spec's, "
              "else 1).")
@click.option("--dtype", type=click.Choice(["float32", "float16", "bfloat16"]),
              default="float32", show_default=True)
@click.option("--channels-last", is_flag=True, help="Use the channels_last memory format.")
@click.option("--backward", is_flag=True, help="Time forward + backward (training step "
              "without the optimizer).")
@click.option("--warmup", type=click.IntRange(min=0), default=3, show_default=True,
              help="Untimed calls first.")
@click.option("--repeats", type=click.IntRange(min=3), default=10, show_default=True,
              help="Timed measurements (median and IQR are over these).")
@click.option("--number", type=click.IntRange(min=1), help="Calls per measurement (default: "
              "enough for about 50 ms).")
@click.option("--input", "input_shape", metavar="SHAPE", help="Override the input shape.")
@click.option("--threads", type=click.IntRange(min=1), help="torch.set_num_threads first.")
@click.option("--force", is_flag=True, help="Run even when the engine's memory estimate "
              "exceeds the available memory.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@spec_options
@report_errors
def command(spec: str, device: str, batch: int | None, dtype: str, channels_last: bool,
            backward: bool, warmup: int, repeats: int, number: int | None,
            input_shape: str | None, threads: int | None, force: bool, fmt: str,
            output: str | None, settings: tuple[str, ...] = (),
            framework: str | None = None) -> None:
    """Time SPEC's forward pass (or forward + backward) with torch.utils.benchmark.

    Reports the median and interquartile range, images/s, achieved FLOP/s from the engine's
    FLOP count, and peak memory next to the engine's memory estimate. Before allocating, the
    engine's estimate is compared with the available memory; the run is refused (exit 2)
    unless --force.

    \b
    Examples:
      cnncalc bench architectures/vgg16.yaml --device cpu
      cnncalc bench architectures/vgg16.yaml --device cuda --batch 64 --dtype float16 \\
          --channels-last --format json
    """
    from ..torch import require_torch

    torch = require_torch()
    from ..torch.bench import bench, describe

    if threads:
        torch.set_num_threads(threads)
    graph = load_graph(spec, input_shape, batch, settings, framework)
    show = fmt == "table" and not output and sys.stderr.isatty()
    if show:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"timing {graph.name}", total=repeats)
            result = bench(graph, device, dtype, channels_last, backward, warmup, repeats,
                           number, force, lambda done, total: bar.update(task, completed=done))
    else:
        result = bench(graph, device, dtype, channels_last, backward, warmup, repeats, number,
                       force)
    text = json.dumps(result.as_dict(), indent=2) + "\n" if fmt == "json" else describe(result)
    emit(text, output)
