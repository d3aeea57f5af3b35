"""One generic harness over the layer registry: every kind, with no per-kind code here.

For each registered unit it builds the smallest valid use from the unit's own argument
declarations and checks the invariants every kind must keep: documented, loadable from YAML,
a positive output shape, non-negative counts, listed by ``cnncalc layers``.
"""

from __future__ import annotations

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
