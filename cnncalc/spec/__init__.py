"""The spec loader: YAML text -> typed ``Graph``.

It reads the spec's top level (input, layout, framework, args, the blocks and functions of
the spec and of the files it uses), then expands the layers into a flat list of nodes in
execution order (``builder.py``), evaluating every written value by one rule (``values.py``)
and keeping each node's source position. It computes a shape only when an expression reads
``$in``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from ..errors import SourcePos, SpecError, closest, did_you_mean
from ..expr import WORD
from ..graph import NETWORK_INPUT, Graph, LoadProblem
from ..layers import lookup
from ..layers.core import from_layout, to_layout
from ..source import PosDict, load_yaml, read_source
from .builder import MAX_BLOCK_DEPTH, MAX_NODES, MAX_REPEAT, MAX_WORK, Builder
from .library import BLOCK_META, gather, parameters, read_setting
from .scope import Scope, explicit_names
from .values import Values

__all__ = ["load_spec", "load_file", "from_layout", "to_layout", "FRAMEWORKS", "MAX_NODES",
           "MAX_REPEAT", "MAX_BLOCK_DEPTH", "MAX_WORK"]

TOP_KEYS = ("name", "input", "input_layout", "framework", "batch", "args", "choices", "vars",
            "use", "functions", "blocks", "layers", "variants", "description", "reference")
LAYOUTS = {"chw": "channels first [C, H, W]", "hwc": "channels last [H, W, C] (Keras)"}
FRAMEWORKS = {"pytorch": "pytorch", "torch": "pytorch", "keras": "keras", "tf": "keras",
              "tensorflow": "keras"}
"""What ``framework:`` and ``--framework`` accept, and the rule each one names: ``padding:
same`` at stride > 1 is refused as PyTorch refuses it, or padded as Keras/TensorFlow pad it."""
_SIZES = re.compile(r"[x,\s]+")


def _input_shape(doc: PosDict, layout: str, values: Values, scope: Scope) -> tuple[int, ...]:
    value, pos = doc.get("input"), doc.pos_of("input")
    if value is None:
        raise SpecError("the spec needs an 'input' shape, e.g. 'input: [3, 224, 224]'", doc.pos)
    value = values.value(value, scope, pos)
    if isinstance(value, str):
        parts = [p for p in _SIZES.split(value.strip("()[] ")) if p]
        if not all(p.isdigit() and len(p) <= 15 for p in parts):
            raise SpecError(f"'input' must be a list of sizes, got {doc['input']!r}", pos)
        value = [int(p) for p in parts]
    if not isinstance(value, list) or not 1 <= len(value) <= 4 or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise SpecError(f"'input' must be 1 to 4 whole numbers ([C, L], [C, H, W] or "
                        f"[C, D, H, W]), got {value!r}", pos)
    if any(v <= 0 for v in value):
        raise SpecError(f"'input' sizes must be positive, got {list(value)}", pos)
    return tuple(from_layout(value, layout))


def _top_keys(doc: PosDict, problems: list[LoadProblem] | None) -> None:
    for key in list(doc):
        if key in TOP_KEYS:
            continue
        error = SpecError(f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)}; a "
                          f"spec has: {', '.join(TOP_KEYS)}", doc.key_pos[key])
        guess = closest(str(key), TOP_KEYS)
        if problems is None or guess is None or guess in doc:
            raise error
        problems.append(LoadProblem(error, f"{guess} instead of {key}", guess, 0))
        doc[guess] = doc[key]
        doc.key_pos[guess], doc.value_pos[guess] = doc.key_pos[key], doc.pos_of(key)


def _framework(doc: PosDict, override: str | None) -> str:
    """The rule for ``padding: same`` at stride > 1; empty when nobody named one."""
    written = override if override is not None else doc.get("framework")
    pos = None if override is not None else doc.pos_of("framework")
    if written is None:
        return ""
    if not isinstance(written, str) or written.lower() not in FRAMEWORKS:
        where = "--framework" if override is not None else "'framework'"
        raise SpecError(f"{where} must be one of {', '.join(FRAMEWORKS)}, got {written!r}"
                        f"{did_you_mean(str(written), FRAMEWORKS)}", pos)
    return FRAMEWORKS[written.lower()]


def _spec_args(doc: PosDict, settings: Mapping[str, Any], values: Values) -> dict[str, Any]:
    """The spec-level ``args`` with their defaults, then ``settings`` (``--set``), then the
    top-level ``vars`` computed from them."""
    params, defaults = parameters(doc.get("args"), "the spec", doc.pos_of("args"))
    env = dict(defaults)
    for key, raw in settings.items():
        if key not in params:
            takes = f"it takes: {', '.join(params)}" if params else "it declares no 'args'"
            raise SpecError(f"--set {key}: the spec has no argument '{key}'"
                            f"{did_you_mean(key, params)}; {takes}", doc.pos_of("args"))
        env[key] = read_setting(raw, values.evaluator) if isinstance(raw, str) else raw
    top = Scope("", env)
    for key in params:
        if key in env and key not in settings:
            env[key] = values.value(env[key], top, doc.pos_of("args"))
    missing = [p for p in params if p not in env]
    if missing:
        raise SpecError(f"the spec's argument '{missing[0]}' has no default; give it with "
                        f"--set {missing[0]}=VALUE", doc.pos_of("args"))
    allowed = _choices(doc, params)
    for key, options in allowed.items():
        if not any(_same_value(env[key], option) for option in options):
            given = f"--set {key}={settings[key]}" if key in settings else \
                f"the default {key}: {env[key]!r}"
            raise SpecError(f"{given}: {key} must be one of "
                            f"{_listed(options)}", doc["choices"].key_pos[key])
    derived = doc.get("vars")
    if derived is not None:
        if not isinstance(derived, PosDict):
            raise SpecError("'vars' must map names to expressions, e.g. 'vars: {width: "
                            "$base * 2}'", doc.pos_of("vars"))
        for key, expression in derived.items():
            where = derived.key_pos[key]
            if not WORD.fullmatch(key) or key in env:
                raise SpecError(f"'{key}' is not a new variable name", where)
            env[key] = values.value(expression, Scope("", env), derived.pos_of(key))
    return env


def _choices(doc: PosDict, params: list[str]) -> dict[str, list[Any]]:
    """``choices: {size: [tiny, small, base, large]}``: the values a spec-level arg may take,
    so that a family file that picks its numbers by the arg (a list indexed by it) refuses
    any other value with one line naming the allowed ones, never an index error or, with a
    negative index, another member's figures."""
    written = doc.get("choices")
    if written is None:
        return {}
    if not isinstance(written, PosDict):
        raise SpecError("'choices' maps spec-level args to the values they may take, e.g. "
                        "'choices: {size: [tiny, small, base]}'", doc.pos_of("choices"))
    out: dict[str, list[Any]] = {}
    for key, options in written.items():
        where = written.key_pos[key]
        if key not in params:
            raise SpecError(f"choices names '{key}', which is not one of the spec's args"
                            f"{did_you_mean(str(key), params)}", where)
        if not isinstance(options, list) or not options or not all(
                isinstance(o, (str, int, float, bool)) for o in options):
            raise SpecError(f"choices of '{key}' must be a non-empty list of plain values, "
                            f"e.g. [tiny, small, base]", written.pos_of(key))
        out[key] = options
    return out


def _listed(options: list[Any]) -> str:
    """The allowed values as the spec writes them (``false``, not Python's ``False``)."""
    return ", ".join(str(o).lower() if isinstance(o, bool) else str(o) for o in options)


def _same_value(a: Any, b: Any) -> bool:
    """Equal as the spec's expressions compare them (1 == 1.0), but a bool is no number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return isinstance(a, str) and isinstance(b, str) and a == b


def _check_variants(doc: PosDict) -> None:
    """``variants: {name: {arg: value}}``: the zoo names of a family's members (``cnncalc
    analyze efficientnet_b3``), each setting only declared args."""
    variants = doc.get("variants")
    if variants is None:
        return
    declared = parameters(doc.get("args"), "the spec", None)[0]
    allowed = _choices(doc, declared)
    if not isinstance(variants, PosDict):
        raise SpecError("'variants' maps member names to the args that make them, e.g. "
                        "'variants: {net_small: {width: 0.5}}'", doc.pos_of("variants"))
    for name, settings in variants.items():
        where = variants.key_pos[name]
        if not isinstance(settings, PosDict):
            raise SpecError(f"variant '{name}' must map args to values", where)
        for key in settings:
            if key not in declared:
                raise SpecError(f"variant '{name}' sets '{key}', which is not one of the spec's "
                                f"args{did_you_mean(key, declared)}", settings.key_pos[key])
            options = allowed.get(key)
            if options is not None and not any(_same_value(settings[key], o) for o in options):
                raise SpecError(f"variant '{name}' sets {key}: {settings[key]!r}, but {key} "
                                f"must be one of {_listed(options)}",
                                settings.pos_of(key))


def parse_settings(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``--set name=value`` pairs as a mapping, each checked for its shape."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not WORD.fullmatch(name):
            raise SpecError(f"--set takes NAME=VALUE (e.g. --set width=0.5), got "
                            f"'{pair[:60]}'")
        if name in out:
            raise SpecError(f"--set {name} is given twice")
        out[name] = value.strip()
    return out


def load_spec(text: str, filename: str = "<string>", layout: str | None = None,
              tolerant: bool = False, settings: Mapping[str, Any] | None = None,
              framework: str | None = None) -> Graph:
    """Parse spec ``text`` into a ``Graph``; every problem raises a located ``SpecError``.

    ``settings`` set the spec's ``args`` (strings are read as ``--set`` reads them; other
    values are taken as they are); ``framework`` overrides the spec's ``framework:``.
    ``tolerant`` (the shape debugger's reading) goes on past mistakes in the layers and the
    top-level keys, mending what it can, and lists them in ``Graph.load_problems``; a mistake
    that leaves nothing to check (YAML syntax, no input, no layers) still raises."""
    problems: list[LoadProblem] | None = [] if tolerant else None
    doc = load_yaml(text, filename)
    if not isinstance(doc, PosDict):
        raise SpecError("a spec is a mapping with 'input' and 'layers'",
                        getattr(doc, "pos", SourcePos(filename, 1, 1)))
    _top_keys(doc, problems)
    rule = _framework(doc, framework)
    # a spec that says it is Keras reads and prints shapes channels last, as Keras does
    written_layout = doc.get("input_layout", "hwc" if doc.get("framework") and rule == "keras"
                             else "chw")
    if written_layout not in LAYOUTS:
        raise SpecError(f"'input_layout' must be chw or hwc, got {written_layout!r}",
                        doc.pos_of("input_layout"))
    library = gather(doc, filename)
    values = Values(library.evaluator(), (), layout or written_layout)
    values.framework = rule
    env = _spec_args(doc, settings or {}, values)
    values.evaluator.globals = env
    shape = _input_shape(doc, written_layout, values, Scope("", env))
    values.set_input(shape)
    for bname, definition in library.blocks.items():
        where = library.blocks.key_pos.get(bname)
        if lookup(bname) is not None:
            raise SpecError(f"block name '{bname}' is already a layer kind; choose another",
                            where)
        if not isinstance(definition, PosDict) or not set(definition) - set(BLOCK_META):
            raise SpecError(f"block '{bname}' needs a body: 'layers: [...]' or a merge "
                            "('concat:'/'add:' with branches)", where)
    batch = doc.get("batch")
    if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool) or
                              not 1 <= batch <= 10**9):
        raise SpecError(f"'batch' must be a positive whole number, got {batch!r}",
                        doc.pos_of("batch"))
    if "layers" not in doc:
        raise SpecError("the spec has no 'layers' list", doc.pos)
    _check_variants(doc)
    builder = Builder(filename, library, values, problems)
    top = Scope("", env, reserved=explicit_names(doc["layers"]))
    out = builder.sequence(doc["layers"], NETWORK_INPUT, top, doc.pos_of("layers"))
    if problems and not builder.nodes:
        raise problems[0].error  # nothing left to check
    name = doc.get("name") or os.path.splitext(os.path.basename(filename))[0]
    declared = parameters(doc.get("args"), "the spec", None)[0]
    return Graph(str(name), shape, tuple(builder.nodes), (out, *builder.side_outputs),
                 layout or written_layout, batch, filename, doc.pos_of("input"),
                 str(doc.get("description") or ""), tuple(problems or ()),
                 {k: env[k] for k in declared}, rule)


def load_file(path: str | os.PathLike, layout: str | None = None, tolerant: bool = False,
              settings: Mapping[str, Any] | None = None, framework: str | None = None
              ) -> Graph:
    """Read and parse a spec file (``-`` reads standard input); the other arguments as for
    ``load_spec``."""
    text, name = read_source(str(path))
    return load_spec(text, name, layout, tolerant, settings, framework)

