"""What every command that reads a spec shares: ``--set NAME=VALUE`` for the spec's ``args``,
``--framework`` for the rule of ``padding: same``, and SPEC given as a file or as the name of a
zoo network (``efficientnet_b3``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..graph import Graph
from ..spec import FRAMEWORKS, load_file, parse_settings
from ..zoo import resolve


def spec_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--set`` and ``--framework`` to a command whose first argument is SPEC."""
    func = click.option("--framework", type=click.Choice(sorted(FRAMEWORKS)),
                        help="Whose rule decides padding 'same' at stride > 1: pytorch refuses "
                             "it, keras/tf pad asymmetrically (default: the spec's "
                             "'framework:', else TensorFlow's rule with a warning).")(func)
    return click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                        help="Set one of the spec's 'args' (repeatable), e.g. --set "
                             "width=0.5.")(func)


def load(spec: str, settings: tuple[str, ...] = (), framework: str | None = None,
         layout: str | None = None, tolerant: bool = False) -> Graph:
    """Load SPEC (a file, ``-``, or a zoo name) with the command line's settings; settings
    given on the command line win over a zoo variant's."""
    path, preset = resolve(spec)
    chosen = {**preset, **parse_settings(settings)}
    return load_file(path, layout, tolerant=tolerant, settings=chosen, framework=framework)
