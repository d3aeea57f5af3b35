"""Whatever a user writes, cnncalc answers with a report or one CnnCalcError, never a crash.

Hypothesis builds random specs from the real vocabulary (layer kinds, argument names, values of
every type, structural keys) and random YAML text; any exception other than CnnCalcError is a
bug in cnncalc.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.layers import REGISTRY

KINDS = sorted(REGISTRY)
ARG_NAMES = sorted({a.name for u in REGISTRY.values() for a in u.arguments} | {"name", "from"})
STRUCTURAL = ["repeat", "layers", "concat", "add", "multiply", "when", "then", "else", "output"]

scalars = st.one_of(
    st.integers(-3, 300), st.booleans(), st.none(), st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["same", "valid", "full", "causal", "$x", "$x * 2", "relu", "conv1",
                     "input", "", "nearest"]),
    st.lists(st.integers(-1, 9), min_size=0, max_size=4),
)


def items(depth: int):
    layer = st.one_of(
        st.sampled_from(KINDS),
        st.builds(lambda k, a: {k: a}, st.sampled_from(KINDS),
                  st.one_of(scalars, st.dictionaries(st.sampled_from(ARG_NAMES), scalars,
                                                     max_size=4))),
    )
    if depth == 0:
        return layer
    sub = st.lists(items(depth - 1), min_size=0, max_size=4)
    structural = st.dictionaries(st.sampled_from(STRUCTURAL),
                                 st.one_of(sub, st.lists(sub, max_size=3), scalars),
                                 min_size=1, max_size=3)
    return st.one_of(layer, structural)


specs = st.fixed_dictionaries({
    "input": st.integers(0, 9).flatmap(  # mostly valid, so that most examples reach the engine
        lambda i: st.lists(st.integers(1, 40), min_size=2, max_size=4) if i < 8
        else st.one_of(st.lists(st.integers(-1, 40), max_size=5), scalars)),
    "layers": st.lists(items(2), min_size=0, max_size=6),
}, optional={"blocks": st.dictionaries(st.sampled_from(["b", "blk"]), st.fixed_dictionaries(
    {"args": st.sampled_from([["x"], {"x": 4}, []]),
     "layers": st.lists(items(1), max_size=3)}), max_size=2),
    "input_layout": st.sampled_from(["chw", "hwc", "chw", "hwc", "xyz"])})


def answer(text: str) -> None:
    try:
        analyze(load_spec(text, "fuzz.yaml"), keep_going=True)
    except CnnCalcError as exc:
        assert str(exc).strip() and "\n" not in str(exc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs)
def test_random_specs_give_a_report_or_a_user_error(spec):
    answer(yaml.safe_dump(spec, sort_keys=False))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]{}:,-&*!|>'\"#\n abc123$")), max_size=80))
def test_random_text_gives_a_report_or_a_user_error(text):
    answer(text)
