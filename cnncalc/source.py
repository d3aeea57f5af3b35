"""Safe YAML reading that remembers where every value was written.

Only plain YAML is accepted (safe loading: no tags that construct objects). Mappings and
sequences come back as ``PosDict`` / ``PosList``, which carry the position of themselves and of
each key and item, so that errors found much later (in the engine) can still name the user's
``file:line:col``. Size and nesting are bounded here, before anything is expanded.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import SourcePos, SpecError

MAX_BYTES = 2_000_000
MAX_DEPTH = 64
MAX_NODES = 200_000

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class PosDict(dict):
    """A mapping read from YAML; ``pos`` is where it starts, ``key_pos[k]`` where key k is."""

    pos: SourcePos | None = None
    key_pos: dict[str, SourcePos]
    value_pos: dict[str, SourcePos]

    def pos_of(self, key: str) -> SourcePos | None:
        return getattr(self, "value_pos", {}).get(key) or self.pos


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
        return self.scalar.construct_object(node, deep=True)


def load_yaml(text: str, filename: str = "<string>") -> Any:
    """Parse ``text`` safely into positioned values; any problem is a located ``SpecError``."""
    if len(text) > MAX_BYTES:
        raise SpecError(f"the spec is {len(text):,} characters long; the limit is {MAX_BYTES:,}",
                        SourcePos(filename, 1, 1))
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = SourcePos(filename, mark.line + 1, mark.column + 1) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem_mark:
            cm = exc.context_mark
            problem += f" ({exc.context} that starts at line {cm.line + 1}, column {cm.column + 1})"
        raise SpecError(f"YAML syntax error: {problem}", pos) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", SourcePos(filename, 1, 1)) from None
    if node is None:
        raise SpecError("the spec is empty", SourcePos(filename, 1, 1))
    try:
        return _Converter(filename).convert(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = SourcePos(filename, mark.line + 1, mark.column + 1) if mark else None
        raise SpecError(f"unsupported YAML: {exc.problem}", pos) from None
