"""Spec-language additions made for the model zoo (issue 4): ``index:`` on repeats, ``vars:``
in blocks, and a scalar block argument when the other arguments have defaults. Expected
shapes and counts are worked out by hand in each test."""

from __future__ import annotations

import pytest
from helpers import row, run, shapes

from cnncalc import CnnCalcError


def test_repeat_index_numbers_the_copies_so_the_first_block_can_differ():
    # copy 0 strides (8 -> 4) and widens; copies 1 and 2 keep the shape
    report = run("""
        input: [2, 8, 8]
        blocks:
          unit:
            args: [i]
            layers:
              - conv2d: {name: conv, out_channels: 4, kernel_size: 3, padding: 1,
                         stride: "2 if $i == 0 else 1"}
        layers:
          - {name: layer1, repeat: 3, index: i, layers: [unit: [$i]]}
    """)
    assert shapes(report) == {"layer1.0.conv": (4, 4, 4), "layer1.1.conv": (4, 4, 4),
                              "layer1.2.conv": (4, 4, 4)}
    # conv params: 4 * 2 * 9 + 4 = 76, then 4 * 4 * 9 + 4 = 148 twice
    assert [r.params for r in report.rows] == [76, 148, 148]


def test_repeat_index_in_an_unnamed_repeat_and_in_arithmetic():
    report = run("""
        input: [1, 16]
        layers:
          - repeat: 3
            index: k
            layers: [conv1d: {out_channels: 2, kernel_size: 3, dilation: 1 + $k,
                              padding: causal}]
    """)
    # dilations 1, 2, 3 with causal padding keep the length; names continue the counter
    assert [r.name for r in report.rows] == ["conv1", "conv2", "conv3"]
    assert [r.receptive_field for r in report.rows] == [(3,), (7,), (13,)]


def test_repeat_index_is_not_visible_after_the_repeat():
    with pytest.raises(CnnCalcError, match=r"unknown variable \$i"):
        run("""
            input: [1, 8]
            layers:
              - {repeat: 2, index: i, layers: [relu]}
              - conv1d: {out_channels: $i, kernel_size: 1}
        """)


@pytest.mark.parametrize("bad", ["[i]", "2i", "'a b'"])
def test_repeat_index_must_be_a_variable_name(bad):
    with pytest.raises(CnnCalcError, match="'index' names the variable"):
        run(f"""
            input: [1, 8]
            layers:
              - {{repeat: 2, index: {bad}, layers: [relu]}}
        """)


def test_block_vars_are_computed_in_order_from_the_arguments():
    report = run("""
        input: [8, 4, 4]
        blocks:
          expand:
            args: [t, cin]
            vars: {hidden: $cin * $t, squeeze: "max(1, $hidden // 16)"}
            layers:
              - conv2d: {name: up, out_channels: $hidden, kernel_size: 1}
              - conv2d: {name: down, out_channels: $squeeze, kernel_size: 1}
        layers:
          - expand: [6, 8]
    """)
    assert row(report, "expand1.up").output_shape == (48, 4, 4)
    assert row(report, "expand1.down").output_shape == (3, 4, 4)    # 48 // 16


def test_block_var_may_not_shadow_an_argument():
    with pytest.raises(CnnCalcError, match="var 'cin' of block 'b' is already an argument"):
        run("""
            input: [8, 4, 4]
            blocks:
              b: {args: [cin], vars: {cin: 3}, layers: [relu]}
            layers: [b: 8]
        """)


def test_block_vars_must_be_a_mapping():
    with pytest.raises(CnnCalcError, match="'vars' of block 'b' must map names"):
        run("""
            input: [8, 4, 4]
            blocks:
              b: {args: [cin], vars: [3], layers: [relu]}
            layers: [b: 8]
        """)


def test_scalar_sets_the_first_argument_when_the_others_have_defaults():
    report = run("""
        input: [3, 8, 8]
        blocks:
          basic:
            args: {out: null, k: 1, s: 1}
            layers: [conv2d: {name: conv, out_channels: $out, kernel_size: $k, stride: $s}]
        layers:
          - {name: a, basic: 16}
          - {name: b, basic: [4, 3, 2]}
    """)
    assert shapes(report) == {"a.conv": (16, 8, 8), "b.conv": (4, 3, 3)}


def test_scalar_is_refused_when_a_later_argument_has_no_default():
    with pytest.raises(CnnCalcError, match="write them as a list or a mapping"):
        run("""
            input: [3, 8, 8]
            blocks:
              b: {args: [out, k], layers: [conv2d: {out_channels: $out, kernel_size: $k}]}
            layers: [b: 16]
        """)


# -- cropping (Keras Cropping1D/2D/3D), added for the TCN's last time step -------------------

def test_cropping_removes_given_counts_per_side():
    report = run("""
        input: [3, 10, 12]
        layers:
          - cropping2d: 2                 # 2 from every side
          - cropping2d: [1, 3]            # 1 from top and bottom, 3 from left and right
          - cropping: [0, 2, 1, 0]        # (before, after) per axis
    """)
    assert [r.output_shape for r in report.rows] == [(3, 6, 8), (3, 4, 2), (3, 2, 1)]
    assert report.totals.params == 0


def test_cropping_to_the_last_time_step_keeps_its_receptive_field():
    report = run("""
        input: [1, 20]
        layers:
          - conv1d: {out_channels: 2, kernel_size: 3, padding: causal, dilation: 2}
          - cropping1d: [19, 0]
    """)
    assert report.rows[-1].output_shape == (2, 1)
    assert report.rows[-1].receptive_field == (5,)


def test_cropping_everything_is_an_error():
    with pytest.raises(CnnCalcError, match="removes all of 4"):
        run("""
            input: [1, 4]
            layers: [cropping1d: [2, 2]]
        """)


@pytest.mark.torch
def test_cropping_torch_module_matches_slicing():
    torch = pytest.importorskip("torch")
    from cnncalc.engine import propagate
    from cnncalc.spec import load_spec

    graph = load_spec("input: [2, 5, 6]\nlayers: [cropping2d: [1, 0, 2, 3]]\n")
    step = next(propagate(graph))
    x = torch.arange(60.0).reshape(1, 2, 5, 6)
    got = step.node.unit.torch_module(step.result)(x)
    assert torch.equal(got, x[:, :, 1:, 2:3])


# -- ** in expressions, for dilation schedules -----------------------------------------------

def test_power_gives_a_doubling_dilation_schedule():
    report = run("""
        input: [1, 64]
        layers:
          - repeat: 4
            index: i
            layers: [conv1d: {out_channels: 1, kernel_size: 2, dilation: 2 ** $i,
                              padding: causal}]
    """)
    # kernel 2, dilations 1, 2, 4, 8: receptive field 1 + 1 + 2 + 4 + 8 = 16
    assert report.rows[-1].receptive_field == (16,)
    assert [r.output_shape for r in report.rows] == [(1, 64)] * 4


def test_power_takes_fractional_exponents_of_a_positive_base():
    """RegNet's width rule raises w_m (2.52) to a whole power and takes logs: both as floats."""
    from cnncalc.expr import evaluate

    assert evaluate("2 ** -1", {}) == 0.5
    assert evaluate("2 ** 0.5", {}) == pytest.approx(1.41421356)
    assert evaluate("$w ** 2", {"w": 2.5}) == 6.25


@pytest.mark.parametrize(("text", "message"), [
    ("(-2) ** 0.5", "needs a positive base"),
    ("(0 - 8) ** -1", "needs a positive base"),
    ("9 ** 9 ** 9", "is too large"),
    ("2 ** -100", "too large or too small"),
])
def test_power_refuses_negative_fractional_and_huge_results(text, message):
    from cnncalc.expr import ExprError, evaluate

    with pytest.raises(ExprError, match=message):
        evaluate(text, {})
