"""One generic harness over the layer registry: every kind, with no per-kind code here.

For each registered unit it builds the smallest valid use from the unit's own argument
declarations and checks the invariants every kind must keep: documented, loadable from YAML,
a positive output shape, non-negative counts, listed by ``cnncalc layers``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.layers import ALIASES, REGISTRY, lookup

SAMPLE = {"int": 4, "ints": 1, "int_list": [-1], "any_ints": 1, "table": [[0]],
          "str": "input"}   # a str shorthand without default names a layer (size_of)


def minimal_args(unit) -> dict:
    """Required arguments, plus the shorthand argument when it has no default, at the unit's
    own ``sample_args`` where it declares them (a pixel shuffle's factor that divides 4)."""
    args = {a.name: SAMPLE[a.type] for a in unit.arguments
            if a.required or (a.name == unit.primary and a.default is None)}
    return {**args, **{k: v for k, v in unit.sample_args.items() if k in args}}


def sample_inputs(unit) -> list[list[int]]:
    if unit.ndim is not None:
        return [[4] + [6] * unit.ndim]
    return [[4, 6, 6], [4, 6], [4]]


def single_input_units():
    return sorted(name for name, u in REGISTRY.items() if u.n_inputs == 1)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_unit_is_documented(name):
    unit = REGISTRY[name]
    assert unit.summary, f"{name} has no docstring"
    for arg in unit.arguments:
        assert arg.doc, f"{name}.{arg.name} has no doc"


@pytest.mark.parametrize("name", single_input_units())
def test_minimal_use_runs_through_loader_and_engine(name):
    unit = REGISTRY[name]
    args = minimal_args(unit)
    errors = []
    for shape in sample_inputs(unit):
        text = f"input: {shape}\nlayers:\n  - {name}: {args or '{}'}\n"
        try:
            report = analyze(load_spec(text.replace("'", ""), "unit.yaml"))
        except CnnCalcError as exc:
            errors.append(str(exc))
            continue
        out = report.rows[0]
        assert out.output_shape and all(d > 0 for d in out.output_shape)
        assert min(out.params, out.buffers, out.macs, out.other_ops) >= 0
        return
    pytest.fail(f"{name} rejected every sample input: {errors}")


@pytest.mark.parametrize("name", sorted(n for n, u in REGISTRY.items() if u.n_inputs == 0))
def test_merge_units_join_two_equal_branches(name):
    report = analyze(load_spec(f"input: [4, 6, 6]\nlayers:\n  - {name}: [[identity], "
                               "[identity]]\n", "merge.yaml"))
    assert report.rows[-1].output_shape[1:] == (6, 6)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_resolve_to_registered_units(alias):
    assert lookup(alias) is REGISTRY[ALIASES[alias]]


def test_unknown_argument_is_refused_for_every_kind():
    for name, unit in REGISTRY.items():
        if unit.n_inputs == 0:
            continue
        args = dict(minimal_args(unit), no_such_argument=1)
        text = f"input: [4, 6, 6]\nlayers:\n  - {name}: {args}\n".replace("'", "")
        with pytest.raises(CnnCalcError, match="unknown argument 'no_such_argument'"):
            load_spec(text, "unit.yaml")


# -- the unit's parts and the import graph ------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "cnncalc"
PARTS = ("cnncalc.layers.base", "cnncalc.layers.explaining", "cnncalc.layers.debugging",
         "cnncalc.layers.torching", "cnncalc.layers.fixes")


def top_level_imports(module: str) -> set[str]:
    """Modules of cnncalc that ``module`` imports when it is loaded (not inside functions,
    not under TYPE_CHECKING), as absolute names."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            target = ".".join(p for p in (base, node.module or "") if p) if node.level else \
                node.module or ""
            if target.startswith("cnncalc"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names
                             if (PACKAGE.parent / f"{target}.{a.name}".replace(".", "/")
                                 ).with_suffix(".py").exists())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cnncalc"))
    return found


def test_layer_modules_import_each_other_without_a_cycle():
    """core <- registry, parts <- base <- units: a cycle would make the import order decide
    which names exist (the old base <-> fixes loop)."""
    modules = [f"cnncalc.layers.{p.stem}" for p in (PACKAGE / "layers").glob("*.py")
               if p.stem != "__init__"] + ["cnncalc.engine", "cnncalc.graph"]
    graph = {m: {t for t in top_level_imports(m) if t in modules} for m in modules}
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, " -> ".join((*trail, module))
        if module not in done:
            for target in graph[module]:
                visit(target, (*trail, module))
            done.add(module)

    for module in modules:
        visit(module, ())


@pytest.mark.parametrize("module", ["cnncalc.engine", "cnncalc.graph", "cnncalc.report",
                                    "cnncalc.layers.core", "cnncalc.layers.registry"])
def test_analytic_path_reads_units_through_the_core_only(module):
    assert not top_level_imports(module) & set(PARTS)


def test_every_unit_is_a_core_with_the_three_parts():
    from cnncalc.layers.base import LayerKind
    from cnncalc.layers.core import LayerCore
    from cnncalc.layers.debugging import DebugPart
    from cnncalc.layers.explaining import ExplainPart
    from cnncalc.layers.torching import TorchPart

    for unit in REGISTRY.values():
        assert isinstance(unit, LayerKind)
        for part in (LayerCore, ExplainPart, DebugPart, TorchPart):
            assert isinstance(unit, part), (unit.name, part)


def test_result_and_row_built_fast_are_the_frozen_records():
    """``Result.of`` and ``Row.of`` skip the constructor's argument passing; what they build
    must still equal, hash and refuse assignment like one built by the constructor, and a
    missing or extra field must be an error, never a half-built record."""
    from cnncalc.record import FrozenRecordError, fields
    from cnncalc.report import Row

    row = Row("conv1", "conv2d", (8, 4, 4), 224, 0, 3456, 128, 128, (3, 3), ("input",))
    fast = Row.of(**{f.name: getattr(row, f.name) for f in fields(Row)})
    assert fast == row and hash(fast) == hash(row)
    with pytest.raises(FrozenRecordError):
        fast.name = "other"
    values = {f.name: getattr(row, f.name) for f in fields(Row)}
    with pytest.raises(TypeError, match="needs exactly the fields"):
        Row.of(**{k: v for k, v in values.items() if k != "pos"})
    with pytest.raises(TypeError, match="needs exactly the fields"):
        Row.of(**values, extra=1)
