"""User-facing errors and warnings, each pointing at the user's own text.

A ``CnnCalcError`` is something the user can fix; the CLI prints it as one line and exits 2.
Anything else escaping is a bug in cnncalc and keeps its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .record import record

_UNSAFE_CLASS = "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
"""Characters a terminal acts on instead of printing: control characters (a newline would
forge a second ``error:`` line, ESC starts colour and OSC title sequences), line separators
and the invisible bidirectional/zero-width marks that make text read differently than it is.
Every one of them is a character ``str.isprintable`` refuses, so printable text (nearly all
of it) skips the pattern, which is compiled the first time it is needed."""
_unsafe: list[re.Pattern[str]] = []


def clean(text: str) -> str:
    """``text`` safe to print on one line: every unsafe character as its visible escape.

    >>> clean("a\\nerror: forged \\x1b[31m")
    'a\\\\nerror: forged \\\\x1b[31m'
    """
    if text.isprintable():
        return text
    if not _unsafe:
        _unsafe.append(re.compile(_UNSAFE_CLASS))
    return _unsafe[0].sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def quote(value: object) -> str:
    """A value the user wrote, quoted and cleaned for a message: ``'conv1'``."""
    return f"'{clean(str(value))}'"


@record(frozen=True)
class SourcePos:
    """Where a YAML node starts, 1-based, as editors number lines and columns."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def _locate(message: str, pos: SourcePos | None, layer: str | None, kind: str | None) -> str:
    where = f"{pos}: " if pos else ""
    if layer:
        where += f"in layer '{layer}' ({kind}): " if kind and kind != layer else f"in '{layer}': "
    return where + message


class CnnCalcError(Exception):
    """An error the user caused: bad YAML, a bad argument, shapes that do not fit.

    ``code`` names the kind of mistake for programs (``"kernel_too_large"``,
    ``"in_channels_mismatch"``, ...), set where the error is raised, so that the debugger
    and other tools can react to it without parsing the message, whose wording may change.
    None where nothing reacts to it yet."""

    def __init__(self, message: str, pos: SourcePos | None = None, layer: str | None = None,
                 kind: str | None = None, hint: str | None = None, code: str | None = None,
                 arg: str | None = None):
        self.message = message
        self.pos = pos
        self.layer = layer
        self.kind = kind
        self.hint = hint
        self.code = code
        self.arg = arg
        """The argument the error is about: as written (an alias included) in a spec error,
        by its own name in a shape error."""
        super().__init__(str(self))

    def __str__(self) -> str:
        text = _locate(self.message, self.pos, self.layer, self.kind)
        return clean(f"{text}; {self.hint}" if self.hint else text)


class SpecError(CnnCalcError):
    """The spec text itself is wrong: syntax, unknown names, bad argument values."""


class ShapeError(CnnCalcError):
    """The spec is well formed but its shapes do not fit together."""


@record(frozen=True)
class Warning_:
    """A legal but suspicious design, e.g. floor division that drops border pixels."""

    message: str
    pos: SourcePos | None = None
    layer: str | None = None
    kind: str | None = None

    def __str__(self) -> str:
        return "warning: " + clean(_locate(self.message, self.pos, self.layer, self.kind))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean ...?)' suffix, or '' when nothing is close.

    >>> did_you_mean("kernal_size", ["kernel_size", "stride"])
    " (did you mean 'kernel_size'?)"
    """
    close = closest(word, choices)
    return f" (did you mean '{close}'?)" if close else ""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice a typo most likely meant, or None when nothing is close.

    >>> closest("smae", ["valid", "same", "full"])
    'same'
    """
    import difflib  # only on the error path

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None
