"""The shape debugger's reading of a spec: it goes on past mistakes in the text, mending what is
clear, so that one check shows every problem; a strict load (analyze, verify) still stops at
the first."""

from __future__ import annotations

import pytest

from cnncalc import CnnCalcError, SpecError, load_spec
from cnncalc.diagnose import diagnose

TWO_TYPOS = """\
input: [3, 32, 32]
layers:
  - conv2d: {out_channels: 8, kernal_size: 3}
  - maxpol2d: 2
  - flatten
  - linear: {in_features: 100, out_features: 10}
"""


def test_strict_load_stops_at_the_first_mistake():
    with pytest.raises(SpecError, match="kernal_size"):
        load_spec(TWO_TYPOS, "net.yaml")


def test_tolerant_load_mends_each_typo_and_the_shapes_below_are_still_checked():
    graph = load_spec(TWO_TYPOS, "net.yaml", tolerant=True)
    assert [(p.error.code, p.fix, p.reading) for p in graph.load_problems] == [
        ("unknown_argument", "kernel_size: 3 instead of kernal_size: 3", "kernel_size: 3"),
        (None, "maxpool2d instead of maxpol2d", "maxpool2d"),
    ]
    assert [n.kind for n in graph.nodes] == ["conv2d", "maxpool2d", "flatten", "linear"]
    # 32 - 3 + 1 = 30; 30 // 2 = 15; 8 * 15 * 15 = 1,800 features, not the 100 written
    found = diagnose(graph)
    assert [p.error.code for p in found.problems] == [
        "unknown_argument", None, "in_features_mismatch"]
    assert "the input has 1,800 features" in str(found.problems[-1].error)


def test_an_item_that_cannot_be_mended_is_left_out_and_checking_goes_on():
    graph = load_spec("input: [3, 8, 8]\nlayers:\n  - conv2d: {kernel_size: 3}\n"
                      "  - qqqq\n  - relu\n", "net.yaml", tolerant=True)
    assert [p.reading for p in graph.load_problems] == [None, None]
    assert "missing required argument 'out_channels'" in str(graph.load_problems[0].error)
    assert [n.kind for n in graph.nodes] == ["relu"]


def test_nothing_left_to_check_raises_the_first_mistake():
    with pytest.raises(CnnCalcError, match="missing required argument 'out_channels'"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - conv2d: {kernel_size: 3}\n", "net.yaml",
                  tolerant=True)


def test_a_block_used_twice_reports_its_typo_once():
    graph = load_spec("input: [3, 8, 8]\nblocks:\n  b:\n    layers: [conv2d: {filters: 3, "
                      "kernel_size: 1, strid: 1}]\nlayers: [b, b]\n", "net.yaml", tolerant=True)
    assert len(graph.load_problems) == 1
    assert len(graph.nodes) == 2


def test_a_bad_optional_value_falls_back_to_its_default():
    graph = load_spec("input: [3, 8, 8]\nlayers:\n  - maxpool2d: {kernel_size: 2, "
                      "ceil_mode: maybe}\n", "net.yaml", tolerant=True)
    (problem,) = graph.load_problems
    assert problem.fix is None and problem.reading == "ceil_mode at its default (false)"
    assert graph.nodes[0].args["ceil_mode"] is False
