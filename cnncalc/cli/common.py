"""What every subcommand shares: turning user errors into one line and exit status 2, and
writing output atomically."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import CnnCalcError

USER_ERROR = 2


def report_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Print a ``CnnCalcError`` as ``error: ...`` on stderr and exit 2, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CnnCalcError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(USER_ERROR)

    return wrapper


def emit(text: str, output: str | None) -> None:
    """Write ``text`` to stdout, or to ``output`` atomically (temp file, then rename)."""
    if not output or output == "-":
        click.echo(text, nl=False)
        return
    import tempfile

    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise CnnCalcError(f"cannot write {output}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(output)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, output)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def parse_shape(text: str, flag: str = "--input") -> tuple[int, ...]:
    """``3,224,224``, ``224x224x3`` or ``[3, 224, 224]`` as integers, read strictly (see
    ``cnncalc.homework.parse_sizes``): a typo such as ``32xx32`` is refused, not guessed."""
    from ..homework import parse_sizes

    shape = parse_sizes(text, flag)
    if not 1 <= len(shape) <= 4 or any(s <= 0 for s in shape):
        raise CnnCalcError(f"{flag}: the shape '{text}' must have 1 to 4 positive sizes")
    return shape
