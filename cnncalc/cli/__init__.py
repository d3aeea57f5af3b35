"""The ``cnncalc`` command: a thin click layer over the library.

Subcommands live in their own modules and are imported only when invoked, so that
``cnncalc analyze`` pays for nothing it does not use.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator

import click

COMMANDS = {
    "analyze": ("cnncalc.cli.analyze", "Per-layer shapes, parameters, MACs/FLOPs, memory and "
                "receptive field of a spec."),
    "diagram": ("cnncalc.cli.diagram", "Draw a spec: feature-map boxes or a layer graph "
                "(SVG; PNG/PDF with the plot extra; DOT, Mermaid)."),
    "plot": ("cnncalc.cli.plot", "Charts of params, MACs, activations, memory or receptive "
             "field per layer, for one spec or several (plot extra)."),
    "layers": ("cnncalc.cli.layers", "List every layer kind with its arguments, defaults and "
               "aliases."),
    "verify": ("cnncalc.cli.verify", "Build the spec in PyTorch and prove every layer's figures "
               "equal (needs the torch extra)."),
    "bench": ("cnncalc.cli.bench", "Time the network in PyTorch on cpu/cuda/mps (torch extra)."),
    "export": ("cnncalc.cli.export", "Write the spec as a standalone PyTorch nn.Module file."),
    "import": ("cnncalc.cli.import_", "Read a Keras model from Python code (never run) and "
               "write it as a spec."),
    "check-spec": ("cnncalc.cli.check_spec", "Every problem and warning of a spec, with "
                   "computed fixes, and a verdict."),
    "conv": ("cnncalc.cli.conv", "One convolution from flags: shape, params, MACs (--explain)."),
    "pool": ("cnncalc.cli.pool", "One pooling layer from flags: shape and the window formula."),
    "deconv": ("cnncalc.cli.deconv", "One transposed convolution from flags."),
    "dense": ("cnncalc.cli.dense", "One dense layer from flags: weights, biases, MACs."),
    "explain": ("cnncalc.cli.explain", "Every formula of one layer of a spec, step by step."),
    "solve": ("cnncalc.cli.solve", "Inverse questions: which padding/stride/kernel/input gives "
              "an output size."),
    "check": ("cnncalc.cli.check", "Mark a student's answers (shapes, params, MACs) right or "
              "wrong, with worked formulas."),
}


class OneLineError(click.ClickException):
    """A click usage error re-worded as cnncalc's own: one ``error: ...`` line, exit 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"error: {self.message}", err=True, file=file)


def one_line(exc: click.ClickException) -> OneLineError:
    """``exc``'s message on one line, with the command's --help named after it.

    click prints usage errors as four lines (Usage, Try, blank, Error); every other cnncalc
    error is one line, and a student should not have to learn two error styles."""
    from ..errors import clean

    message = clean(" ".join(exc.format_message().split())).rstrip(".").replace(
        ". (Did ", " (did ")
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return OneLineError(message)


_KEEP = tuple(e for e in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if e)
"""Errors whose own display is right: a bare ``cnncalc`` shows the help (click >= 8.2)."""


@contextlib.contextmanager
def _usage_errors_on_one_line() -> Iterator[None]:
    try:
        yield
    except click.ClickException as exc:
        if isinstance(exc, (OneLineError, *_KEEP)):
            raise
        raise one_line(exc) from None


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, and whose usage errors (its own
    and its subcommands') are one line. The hook is ``make_context``/``invoke`` rather than
    ``main``, so click's own handling of --help, --version, Ctrl-C and exit codes stays."""

    def make_context(self, info_name, args, parent=None, **extra):  # noqa: ANN001, ANN201
        with _usage_errors_on_one_line():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context):  # noqa: ANN201 - whatever the command returns
        from .common import outcomes

        with outcomes(), _usage_errors_on_one_line():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_) for name, (_, help_) in COMMANDS.items()])


def _debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        from .common import DEBUG_ENV

        os.environ[DEBUG_ENV] = "1"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnncalc")
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_debug,
              help="Show the traceback of an internal error (also CNNCALC_DEBUG=1).")
def main() -> None:
    """cnncalc: calculate and analyze convolutional network architectures from YAML specs.

    \b
    Start with:
      cnncalc analyze architectures/vgg16.yaml      the whole table
      cnncalc check-spec my_net.yaml                every problem, with fixes
      cnncalc conv --input 32x32x3 --filters 6 --kernel 5 --explain
      cnncalc layers                                every layer kind and its arguments
    Each command has --help with examples.
    """
