"""Errors carry a stable ``code`` set where they are raised, which the shape debugger keys on
instead of the wording of the message; each unit suggests the fixes for its own codes."""

from __future__ import annotations

import pytest

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.diagnose import diagnose
from cnncalc.layers.fixes import ints

CODES = {
    # 32 -> 16 -> 8 -> 4 -> 2: a 3x3 kernel no longer fits
    "kernel_too_large": "  - maxpool2d: 16\n  - conv2d: {out_channels: 4, kernel_size: 3}\n",
    "rank_mismatch": "  - conv1d: {out_channels: 4, kernel_size: 3}\n",
    "flat_input_expected": "  - linear: 10\n",
    "in_features_mismatch": "  - flatten\n  - linear: {in_features: 10, out_features: 2}\n",
    "in_channels_mismatch": "  - conv2d: {in_channels: 4, out_channels: 4, kernel_size: 3}\n",
    "groups_mismatch": "  - conv2d: {out_channels: 4, kernel_size: 3, groups: 2}\n",
    "merge_shape_mismatch": "  - add: [[maxpool2d: 2], [identity]]\n",
    "reshape_size": "  - reshape: [5, 5]\n",
    "pool_padding_too_large": "  - maxpool2d: {kernel_size: 3, padding: 2}\n",
    "output_padding_too_large": "  - conv_transpose2d: {out_channels: 4, kernel_size: 3, stride: 2,"
                                " output_padding: 2}\n",
    "axes_count": "  - conv2d: {out_channels: 4, kernel_size: [3, 3, 3]}\n",
    "causal_not_1d": "  - conv2d: {out_channels: 4, kernel_size: 3, padding: causal}\n",
    "flatten_axes": "  - flatten: {start_dim: 0}\n",
    "crop_too_large": "  - center_crop: 40\n",
}


@pytest.mark.parametrize("code", sorted(CODES))
def test_error_code_is_set_where_raised(code):
    with pytest.raises(CnnCalcError) as info:
        analyze(load_spec("input: [3, 32, 32]\nlayers:\n" + CODES[code], "net.yaml"))
    assert info.value.code == code


def test_spec_errors_without_a_mend_have_no_code():
    with pytest.raises(CnnCalcError) as info:
        load_spec("input: [3, 32, 32]\nlayers: [conv7d]\n", "net.yaml")
    assert info.value.code is None


def test_pool_padding_error_is_not_a_short_input():
    # pool_out refuses padding 2 > 3/2 before any size is computed: no input size fixes it, so
    # the fix is the padding (or the window), never a larger input
    found = diagnose(load_spec("input: [3, 32, 32]\nlayers:\n  - maxpool2d: {kernel_size: 3, "
                               "padding: 2}\n", "net.yaml"))
    (problem,) = found.problems
    assert problem.error.code == "pool_padding_too_large"
    assert problem.fixes == ("padding: 1 (a pool may pad at most half its window: 3 // 2 = 1), "
                             "or kernel_size: 4 for padding 2",)


def test_spec_errors_name_the_argument_they_are_about():
    with pytest.raises(CnnCalcError) as info:
        load_spec("input: [3, 32, 32]\nlayers:\n  - conv2d: {filters: 4, kernal: 3}\n", "net.yaml")
    assert (info.value.code, info.value.arg) == ("unknown_argument", "kernal")


def test_groupnorm_gets_the_divisor_fix():
    # gcd(6, 6) = 6: divisors 1, 2, 3, 6
    found = diagnose(load_spec("input: [6, 8, 8]\nlayers:\n  - groupnorm: 4\n", "net.yaml"))
    (problem,) = found.problems
    assert problem.error.code == "groups_mismatch"
    assert problem.fixes == ("groups must divide both 6 input and 6 output channels: groups: "
                             "1, 2, 3, 6 would work",)


def test_ints_folds_equal_axes():
    assert ints([2, 2]) == "2" and ints([2, 3]) == "[2, 3]"
