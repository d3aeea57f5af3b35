"""``cnncalc export SPEC --to pytorch|keras``: the spec as a standalone source file (an
nn.Module, or a Keras functional model)."""

from __future__ import annotations

import click

from .common import emit, report_errors
from .spec_options import spec_options
from .verify import load_graph


@click.command("export")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--to", "target", type=click.Choice(["pytorch", "keras"]), default="pytorch",
              show_default=True, help="What to write.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this .py file (atomically) instead of stdout.")
@click.option("--input", "input_shape", metavar="SHAPE", help="Override the input shape.")
@spec_options
@report_errors
def command(spec: str, target: str, output: str | None, input_shape: str | None,
            settings: tuple[str, ...] = (), framework: str | None = None) -> None:
    """Write SPEC as a readable PyTorch module file that needs only torch (--to keras: a
    Keras 3 functional model file that needs only Keras; writing it needs neither).

    The file defines `Net` (layers at the spec's names, forward written out line by line);
    running it with python prints the network, its parameter count and output shape.

    \b
    Examples:
      cnncalc export architectures/vgg16.yaml --to pytorch -o vgg16.py
      python vgg16.py
      cnncalc export architectures/keras_cats_dogs.yaml --to keras -o cats_dogs.py
    """
    if target == "keras":
        from ..keras_export import to_keras

        emit(to_keras(load_graph(spec, input_shape, None, settings, framework), spec), output)
        return
    from ..torch import require_torch

    require_torch()
    from ..torch.export import to_pytorch

    emit(to_pytorch(load_graph(spec, input_shape, None, settings, framework), spec), output)
