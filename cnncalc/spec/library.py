"""What a spec brings besides its layers: blocks and functions, its own and those of the files
it ``use:``s, and its spec-level ``args`` (set with ``--set``).

``use:`` reads other spec files only: regular files, within the size limit, parsed as plain
YAML, their paths relative to the file that names them; a cycle, a missing file or a chain
deeper than the limit is one located error.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from ..errors import SourcePos, SpecError, did_you_mean, quote
from ..expr import WORD, Evaluator, ExprError, Function
from ..record import field, record
from ..source import PosDict, PosList, load_yaml, read_source

MAX_USE_DEPTH = 16
MAX_USED_FILES = 64

BLOCK_META = ("args", "vars", "doc", "inline")
"""Keys of a block definition that are not its body."""
FUNCTION_KEYS = ("args", "vars", "value", "doc")


@record
class Library:
    """Blocks and functions visible to a spec, each with the file it came from."""

    blocks: PosDict = field(default_factory=PosDict)
    functions: dict[str, Function] = field(default_factory=dict)
    origin: dict[str, SourcePos | None] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add_block(self, name: str, definition: Any, pos: SourcePos | None) -> None:
        if name in self.blocks:
            raise SpecError(f"block '{name}' is defined twice (first at "
                            f"{self.origin.get('block:' + name)})", pos)
        self.blocks[name] = definition
        if not hasattr(self.blocks, "key_pos"):
            self.blocks.key_pos, self.blocks.value_pos = {}, {}
        self.blocks.key_pos[name] = pos
        self.blocks.value_pos[name] = getattr(definition, "pos", pos)
        self.origin["block:" + name] = pos

    def evaluator(self) -> Evaluator:
        return Evaluator(self.functions)


def read_text(path: str, pos: SourcePos | None = None) -> str:
    """A used spec file's text: a regular file only (never a device or a pipe), read within
    ``source.read_source``'s bounds; an error without a place of its own is put at ``pos``
    (the ``use:`` line)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SpecError(f"no such file: {quote(path)}", pos) from None
    except OSError as exc:
        raise SpecError(f"cannot read {quote(path)}: {quote(exc.strerror or str(exc))}",
                        pos) from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(f"{quote(path)} is a folder, not a spec file", pos)
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(f"{quote(path)} is not a regular file; a spec is read from a file", pos)
    try:
        return read_source(path)[0]
    except SpecError as exc:
        if exc.pos is None:
            exc.pos = pos
        raise


def gather(doc: PosDict, filename: str, library: Library | None = None,
           stack: tuple[str, ...] = ()) -> Library:
    """The blocks and functions of ``doc`` and of every file it uses, depth first."""
    library = library or Library()
    if "use" in doc:
        _use(doc, filename, library, stack)
    blocks = doc.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, PosDict):
            raise SpecError("'blocks' must map block names to definitions", doc.pos_of("blocks"))
        for name, definition in blocks.items():
            library.add_block(name, definition, blocks.key_pos[name])
    functions = doc.get("functions")
    if functions is not None:
        if not isinstance(functions, PosDict):
            raise SpecError("'functions' must map names to definitions, e.g. 'functions: "
                            "{half: {args: [x], value: $x // 2}}'", doc.pos_of("functions"))
        for name, definition in functions.items():
            _function(library, name, definition, functions.key_pos[name])
    return library


def _use(doc: PosDict, filename: str, library: Library, stack: tuple[str, ...]) -> None:
    value, pos = doc["use"], doc.pos_of("use")
    paths = value if isinstance(value, list) else [value]
    if not all(isinstance(p, str) and p for p in paths):
        raise SpecError("'use' lists spec files whose blocks and functions this spec uses, e.g. "
                        "'use: [common.yaml]'", pos)
    here = os.path.dirname(os.path.abspath(filename)) if not filename.startswith("<") else \
        os.getcwd()
    me = os.path.realpath(filename) if not filename.startswith("<") else filename
    for i, path in enumerate(paths):
        where = value.pos_of(i) if isinstance(value, PosList) else pos
        full = os.path.join(here, path)
        real = os.path.realpath(full)
        if real in (*stack, me):
            chain = " -> ".join(os.path.basename(p) for p in (*stack, me, real))
            raise SpecError(f"'use: {path}' makes a cycle ({chain})", where)
        if len(stack) + 1 >= MAX_USE_DEPTH:
            raise SpecError(f"'use' chains more than {MAX_USE_DEPTH} files deep", where)
        if real in library.files:
            continue  # used twice through different files: read once
        if len(library.files) >= MAX_USED_FILES:
            raise SpecError(f"a spec may use at most {MAX_USED_FILES} files", where)
        library.files.append(real)
        shown = os.path.relpath(full) if not os.path.isabs(path) else path
        used = load_yaml(read_text(full, where), shown)
        if not isinstance(used, PosDict):
            raise SpecError(f"'{path}' is not a spec: a spec file is a mapping (blocks:, "
                            "functions:, ...)", where)
        gather(used, shown, library, (*stack, me))


def _function(library: Library, name: str, definition: Any, pos: SourcePos | None) -> None:
    from ..expr import BUILTINS

    if not WORD.fullmatch(name):
        raise SpecError(f"'{name}' is not a function name (letters, digits and _)", pos)
    if name in BUILTINS:
        raise SpecError(f"'{name}' is a built-in function; choose another name", pos)
    if name in library.functions:
        raise SpecError(f"function '{name}' is defined twice (first at "
                        f"{library.origin.get('function:' + name)})", pos)
    if not isinstance(definition, PosDict) or "value" not in definition:
        raise SpecError(f"function '{name}' needs 'value: <expression>' (and 'args: [...]'), "
                        f"e.g. 'half: {{args: [x], value: $x // 2}}'", pos)
    extra = [k for k in definition if k not in FUNCTION_KEYS]
    if extra:
        raise SpecError(f"function '{name}' has an unknown key '{extra[0]}'"
                        f"{did_you_mean(extra[0], FUNCTION_KEYS)}; it has: "
                        f"{', '.join(FUNCTION_KEYS)}", definition.key_pos[extra[0]])
    params, defaults = parameters(definition.get("args"), f"function '{name}'",
                                  definition.pos_of("args"))
    declared = definition.get("args")
    if isinstance(declared, PosDict):  # a function's null default is a value (None)
        defaults = dict(declared)
    steps = []
    derived = definition.get("vars") or PosDict()
    if not isinstance(derived, PosDict):
        raise SpecError(f"'vars' of function '{name}' must map names to expressions",
                        definition.pos_of("vars"))
    for var, expression in derived.items():
        if not WORD.fullmatch(var) or var in params:
            raise SpecError(f"'{var}' of function '{name}' is not a new variable name",
                            derived.key_pos[var])
        steps.append((var, expression))
    library.functions[name] = Function(name, tuple(params), defaults, tuple(steps),
                                       definition["value"], str(pos))
    library.origin["function:" + name] = pos


def parameters(declared: Any, owner: str, pos: SourcePos | None
               ) -> tuple[list[str], dict[str, Any]]:
    """``args: [a, b]`` (all required) or ``args: {a: 1, b: null}`` (defaults; null means
    required), as a block, a function or a spec declares them."""
    if declared is None:
        return [], {}
    if isinstance(declared, PosDict):
        params, defaults = list(declared), {k: v for k, v in declared.items() if v is not None}
    elif isinstance(declared, list):
        params, defaults = list(declared), {}
    else:
        raise SpecError(f"'args' of {owner} must be a list of names or a mapping of names to "
                        "defaults", pos)
    for p in params:
        if not isinstance(p, str) or not WORD.fullmatch(p):
            raise SpecError(f"'{p}' in the args of {owner} is not a variable name", pos)
    if len(set(params)) != len(params):
        raise SpecError(f"an argument of {owner} is named twice", pos)
    return params, defaults


def read_setting(text: str, evaluator: Evaluator) -> Any:
    """A ``--set name=value`` value as YAML would read it (``0.5``, ``true``, ``base``), an
    expression evaluated (``2 * 3``); never a Python object.

    >>> read_setting("0.5", Evaluator()), read_setting("base", Evaluator())
    (0.5, 'base')
    """
    import yaml

    if len(text) > 1_000:
        raise SpecError(f"a --set value of {len(text):,} characters is too long")
    if evaluator.is_expression(text):
        try:
            return evaluator.evaluate(text, {})
        except ExprError as exc:
            raise SpecError(f"--set: {exc}") from None
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except (yaml.YAMLError, ValueError, OverflowError):
        return text
    if isinstance(value, (bool, float, str)) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) > 10**15:
            raise SpecError(f"--set: {text[:40]} is too large")
        return value
    if isinstance(value, list) and len(value) <= 64 and all(
            isinstance(v, (int, float, str, bool)) for v in value):
        return value
    return text
