"""Safe YAML reading that remembers where every value was written.

Only plain YAML is accepted (safe loading: no tags that construct objects). Mappings and
sequences come back as ``PosDict`` / ``PosList``, which carry the position of themselves and of
each key and item, so that errors found much later (in the engine) can still name the user's
``file:line:col``. Size and nesting are bounded here, before anything is expanded.
"""

from __future__ import annotations

import re
import sys
from typing import Any, BinaryIO

import yaml

from .errors import SourcePos, SpecError, quote

MAX_BYTES = 2_000_000
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_INT_DIGITS = 1_000
"""No size, width or count of a network needs more digits; far below Python's own 4,300-digit
limit on reading and printing integers, so every product of a few such numbers still prints."""

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
"""Characters YAML refuses (it allows tab, newline, carriage return and NEL); found before the
parser, so that the message names the character's own line and column."""


class PosDict(dict):
    """A mapping read from YAML; ``pos`` is where it starts, ``key_pos[k]`` where key k is."""

    pos: SourcePos | None = None
    key_pos: dict[str, SourcePos]
    value_pos: dict[str, SourcePos]

    def pos_of(self, key: str) -> SourcePos | None:
        try:
            return self.value_pos.get(key) or self.pos
        except AttributeError:  # a mapping built in code, not read from YAML
            return self.pos


class PosList(list):
    """A sequence read from YAML; ``item_pos[i]`` is where item i starts."""

    pos: SourcePos | None = None
    item_pos: list[SourcePos]

    def pos_of(self, index: int) -> SourcePos | None:
        items = getattr(self, "item_pos", [])
        return items[index] if index < len(items) else self.pos


def _mark(node: yaml.Node, filename: str) -> SourcePos:
    return SourcePos(filename, node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    """Turns a composed YAML node tree into positioned Python values, within budgets."""

    def __init__(self, filename: str):
        self.filename = filename
        self.count = 0
        self.scalar = yaml.SafeLoader("")  # only used to resolve scalars by their tags

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(f"the file expands to more than {MAX_NODES:,} YAML values "
                            "(an alias bomb?); refusing to read it", _mark(node, self.filename))
        if depth > MAX_DEPTH:
            raise SpecError(f"YAML is nested more than {MAX_DEPTH} levels deep "
                            "(a self-referencing anchor?)", _mark(node, self.filename))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            raise SpecError(f"the YAML tag '{node.tag}' is not allowed: specs are plain YAML",
                            _mark(node, self.filename))
        if isinstance(node, yaml.MappingNode):
            out = PosDict()
            out.pos, out.key_pos, out.value_pos = _mark(node, self.filename), {}, {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, depth + 1)
                if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                    raise SpecError("YAML merge keys ('<<') are not supported; write the keys out",
                                    _mark(key_node, self.filename))
                if not isinstance(key, (str, int)):
                    raise SpecError(f"a mapping key must be a name, not {key!r}",
                                    _mark(key_node, self.filename))
                key = str(key)
                if key in out:
                    raise SpecError(f"key '{key}' is written twice in the same mapping",
                                    _mark(key_node, self.filename))
                out[key] = self.convert(value_node, depth + 1)
                out.key_pos[key] = _mark(key_node, self.filename)
                out.value_pos[key] = _mark(value_node, self.filename)
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = PosList(self.convert(item, depth + 1) for item in node.value)
            seq.pos = _mark(node, self.filename)
            seq.item_pos = [_mark(item, self.filename) for item in node.value]
            return seq
        return self.scalar_value(node)

    def scalar_value(self, node: yaml.ScalarNode) -> Any:
        """The scalar's Python value; a value its tag cannot construct is a located error.

        Dates and timestamps, plain or tagged, stay the text they were written as: no spec
        value is a date, and ``2001-02-30`` or ``!!timestamp xyz`` would make PyYAML's date
        constructor fail. Tags other than str, int, float, bool and null (``!!binary``)
        construct nothing a spec could use."""
        where = _mark(node, self.filename)
        if node.tag == _TIMESTAMP:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            raise SpecError(f"the YAML tag {quote(_short(node.tag))} is not allowed: specs are "
                            "plain YAML", where)
        if node.tag.endswith(":int") and sum(c.isdigit() for c in node.value) > MAX_INT_DIGITS:
            raise SpecError(f"an integer of {sum(c.isdigit() for c in node.value):,} digits; "
                            f"cnncalc reads integers of at most {MAX_INT_DIGITS:,} digits", where)
        try:
            return self.scalar.construct_object(node, deep=True)
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors raise anything
            kind = _short(node.tag)
            raise SpecError(f"{quote(node.value)} is not a valid {kind} "
                            f"({type(exc).__name__})", where) from None

def _short(tag: str) -> str:
    """``tag:yaml.org,2002:float`` as a user writes it: ``!!float``."""
    return "!!" + tag.rsplit(":", 1)[1] if tag.startswith("tag:yaml.org,2002:") else tag


def position(text: str, index: int, filename: str) -> SourcePos:
    """The line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return SourcePos(filename, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def read_source(path: str, stdin: BinaryIO | None = None) -> tuple[str, str]:
    """The text of the file ``path`` (``-``: standard input) and the name errors give it.

    Reads at most ``MAX_BYTES`` + 1 bytes whatever the file is (``/dev/zero``, a pipe that
    never ends, a 50 MB log), and decodes strictly: a byte that is not UTF-8 is an error at
    its own line and column, never a guess."""
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(f"no such file: {quote(path)}") from None
    except IsADirectoryError:
        raise SpecError(f"{quote(path)} is a folder, not a spec file") from None
    except OSError as exc:
        raise SpecError(f"cannot read {quote(path)}: {quote(exc.strerror or str(exc))}") from None
    if len(data) > MAX_BYTES:
        raise SpecError(f"{quote(name)} is longer than {MAX_BYTES:,} bytes, the limit for a "
                        "spec; refusing to read it", SourcePos(name, 1, 1))
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode("utf-8")
        raise SpecError(f"byte 0x{data[exc.start]:02x} is not UTF-8 text (save the file as "
                        "UTF-8)", position(good, len(good), name)) from None


def _syntax_error(exc: yaml.MarkedYAMLError, filename: str) -> tuple[str, SourcePos | None]:
    """The parser's words, located where the mistake most likely is: at the bracket or block
    it was still inside (an unclosed ``{`` on line 3 is reported at line 3, not at the line
    where the parser noticed), with where it gave up in brackets."""
    problem = exc.problem or exc.context or "invalid YAML"
    start, stop = exc.context_mark, exc.problem_mark
    if exc.context and start and stop and (start.line, start.column) != (stop.line, stop.column):
        where = SourcePos(filename, start.line + 1, start.column + 1)
        return (f"YAML syntax error: {exc.context} that starts here: {problem} (the parser "
                f"gave up at line {stop.line + 1}, column {stop.column + 1})", where)
    mark = stop or start
    return (f"YAML syntax error: {problem}",
            SourcePos(filename, mark.line + 1, mark.column + 1) if mark else None)


def load_yaml(text: str, filename: str = "<string>") -> Any:
    """Parse ``text`` safely into positioned values; any problem is a located ``SpecError``."""
    if len(text) > MAX_BYTES:
        raise SpecError(f"the spec is {len(text):,} characters long; the limit is {MAX_BYTES:,}",
                        SourcePos(filename, 1, 1))
    bad = _CONTROL.search(text)
    if bad:
        raise SpecError(f"control character U+{ord(bad.group()):04X} is not allowed in YAML "
                        "text", position(text, bad.start(), filename))
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.MarkedYAMLError as exc:
        raise SpecError(*_syntax_error(exc, filename)) from None
    except yaml.YAMLError as exc:
        text = " ".join(str(getattr(exc, "reason", None) or exc).split())
        raise SpecError(f"YAML error: {text}", SourcePos(filename, 1, 1)) from None
    if node is None:
        raise SpecError("the spec is empty", SourcePos(filename, 1, 1))
    try:
        return _Converter(filename).convert(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = SourcePos(filename, mark.line + 1, mark.column + 1) if mark else None
        raise SpecError(f"unsupported YAML: {exc.problem}", pos) from None
