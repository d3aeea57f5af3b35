"""What every subcommand shares: one meaning per exit status, user errors as one line, reading
a spec within bounds, and writing output files safely.

Exit statuses (README's table): 0 done; 1 the answer is "no" (verify disagrees, solve finds
nothing); 2 the input or the usage is wrong (one ``error:`` line per problem); 3 a bug in
cnncalc (one line asking for a report; the traceback with ``--debug`` or ``CNNCALC_DEBUG=1``);
130 interrupted (Ctrl-C); 141 the reader of the output went away (``| head -1``), quietly.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from ..errors import CnnCalcError, clean, quote

DONE, ANSWER_NO, USER_ERROR, INTERNAL_ERROR = 0, 1, 2, 3
INTERRUPTED, PIPE_CLOSED = 130, 141
DEBUG_ENV = "CNNCALC_DEBUG"


def debugging() -> bool:
    """Whether an internal error shows its traceback (``--debug`` sets the variable)."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _quiet_pipe() -> None:
    """After the reader closed the pipe: send what is left nowhere, so that Python's own flush
    at exit does not print a second error about the same closed pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@contextlib.contextmanager
def outcomes() -> Iterator[None]:
    """Turn whatever a command ends with into its one exit status and at most one line."""
    try:
        yield
    except CnnCalcError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(USER_ERROR) from None
    except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            click.echo("", err=True)
        raise SystemExit(INTERRUPTED) from None
    except BrokenPipeError:
        _quiet_pipe()
        raise SystemExit(PIPE_CLOSED) from None
    except Exception as exc:  # noqa: BLE001 - the one place a bug is turned into a line
        if debugging():
            import traceback

            traceback.print_exc()
        else:
            words = " ".join(str(exc).split())[:200]
            click.echo(f"error: internal error in cnncalc ({type(exc).__name__}: "
                       f"{clean(words)}); please report it with the command and the spec "
                       f"(rerun with --debug or {DEBUG_ENV}=1 for the traceback)", err=True)
        raise SystemExit(INTERNAL_ERROR) from None


def report_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command under ``outcomes``: its exit status has one meaning (see the module)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with outcomes():
            return func(*args, **kwargs)

    return wrapper


def emit(text: str, output: str | None) -> None:
    """Write ``text`` to stdout, or to the file ``output``.

    A regular file (or a new one) is written atomically: a temporary file beside it, then a
    rename, with the mode a plain ``open`` would give (the umask, or the old file's mode).
    Anything else (``/dev/null``, ``/dev/stdout``, a FIFO, a terminal) is written through as
    it is, and a symbolic link is followed: a rename would replace the device or the link
    itself with a regular file. Any failure is one ``error:`` line."""
    if not output or output == "-":
        click.echo(text, nl=False)
        return
    try:
        try:
            mode = os.stat(output).st_mode  # through symbolic links
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            if stat.S_ISDIR(mode):
                raise CnnCalcError(f"cannot write {quote(output)}: it is a folder")
            with open(output, "w", encoding="utf-8") as handle:  # /dev/stdout: a pipe's fd
                handle.write(text)
            return
        _replace(text, os.path.realpath(output), None if mode is None else stat.S_IMODE(mode))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CnnCalcError(f"cannot write {quote(output)}: {clean(reason)}") from None


def _replace(text: str, target: str, mode: int | None) -> None:
    """``target`` atomically replaced by ``text``; the temporary file never outlives a failure
    (only a SIGKILL between its creation and the rename can leave a ``.NAME.*.tmp``)."""
    import tempfile

    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise CnnCalcError(f"cannot write {quote(target)}: folder {quote(folder)} does not exist")
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def parse_shape(text: str, flag: str = "--input") -> tuple[int, ...]:
    """``3,224,224``, ``224x224x3`` or ``[3, 224, 224]`` as integers, read strictly (see
    ``cnncalc.homework.parse_sizes``): a typo such as ``32xx32`` is refused, not guessed."""
    from ..homework import parse_sizes

    shape = parse_sizes(text, flag)
    if not 1 <= len(shape) <= 4 or any(s <= 0 for s in shape):
        raise CnnCalcError(f"{flag}: the shape {quote(text)} must have 1 to 4 positive sizes")
    return shape
