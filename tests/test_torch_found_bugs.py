"""Engine rules the differential tests (tests/test_torch_differential.py) found wrong, pinned.

Each expected verdict is PyTorch's (ATen's rule cited); the checks run without torch, and the
same cases are cross-checked against torch itself when it is installed.
"""

from __future__ import annotations

import pytest
from helpers import run

from cnncalc.errors import ShapeError

# (spec, expected output shape or None for "PyTorch raises"), with the ATen rule
CASES = {
    # pooling_output_shape computes ceil((in + 2p - k) / s) + 1 before checking it, so in ceil
    # mode a window up to stride-1 longer than the input still gives one output
    "maxpool ceil, kernel 2 over 1 pixel": ("input: [1, 1]\nlayers: [maxpool1d: {kernel_size: 2,"
                                            " ceil_mode: true}]", (1, 1)),
    "avgpool ceil, kernel 3 stride 2 over 2": ("input: [1, 2, 2]\nlayers: [avgpool2d: "
                                               "{kernel_size: 3, stride: 2, ceil_mode: true}]",
                                               (1, 1, 1)),
    "maxpool ceil, kernel 3 stride 2 over 1": ("input: [1, 1]\nlayers: [maxpool1d: "
                                               "{kernel_size: 3, stride: 2, ceil_mode: true}]",
                                               None),
    # avg_pool3d's pool3d_shape_check(check_input_size=true): unpadded input >= kernel
    "avgpool3d padded but input shorter than kernel": (
        "input: [1, 2, 5, 5]\nlayers: [avgpool3d: {kernel_size: 3, stride: 1, padding: 1}]",
        None),
    "avgpool2d same case is fine": (
        "input: [1, 2, 5]\nlayers: [avgpool2d: {kernel_size: 3, stride: 1, padding: 1}]",
        (1, 2, 5)),
    "maxpool3d same case is fine": (
        "input: [1, 2, 5, 5]\nlayers: [maxpool3d: {kernel_size: 3, stride: 1, padding: 1}]",
        (1, 2, 5, 5)),
    # F.pad reflect: padding < input size; circular: padding <= input size
    "reflect padding as long as the input": (
        "input: [1, 1]\nlayers: [conv1d: {out_channels: 1, kernel_size: 1, padding: 1, "
        "padding_mode: reflect}]", None),
    "reflect padding shorter than the input": (
        "input: [1, 2]\nlayers: [conv1d: {out_channels: 1, kernel_size: 1, padding: 1, "
        "padding_mode: reflect}]", (1, 4)),
    "circular padding wrapping once": (
        "input: [1, 2]\nlayers: [conv1d: {out_channels: 1, kernel_size: 1, padding: 2, "
        "padding_mode: circular}]", (1, 6)),
    "circular padding wrapping twice": (
        "input: [1, 2]\nlayers: [conv1d: {out_channels: 1, kernel_size: 1, padding: 3, "
        "padding_mode: circular}]", None),
    # F.instance_norm: "Expected more than 1 spatial element" when it uses input statistics
    "instancenorm over one element": ("input: [3, 1, 1]\nlayers: [instancenorm2d]", None),
    # softmax over an axis the sample does not have
    "softmax dim out of range": ("input: [4, 5]\nlayers: [softmax: {dim: 2}]", None),
    "softmax last axis": ("input: [4, 5]\nlayers: [softmax: {dim: -1}]", (4, 5)),
    # interpolate: bilinear needs 4-D input (2 spatial axes)
    "bilinear on a 1-D signal": ("input: [2, 8]\nlayers: [upsample: {scale_factor: 2, "
                                 "mode: bilinear}]", None),
    "linear on a 1-D signal": ("input: [2, 8]\nlayers: [upsample: {scale_factor: 2, "
                               "mode: linear}]", (2, 16)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_engine_matches_pytorchs_rule(case: str) -> None:
    text, expected = CASES[case]
    if expected is None:
        with pytest.raises(ShapeError):
            run(text)
    else:
        assert run(text).rows[-1].output_shape == expected


@pytest.mark.torch
@pytest.mark.parametrize("case", list(CASES))
def test_the_pinned_verdicts_are_pytorchs(case: str) -> None:
    """The expectations above, checked against torch itself."""
    pytest.importorskip("torch")
    import yaml
    from torch_oracle import torch_chain

    text, expected = CASES[case]
    doc = yaml.safe_load(text)
    layers = [next(iter(item.items())) if isinstance(item, dict) else (item, {})
              for item in doc["layers"]]
    seen = torch_chain(tuple(doc["input"]), layers)
    if expected is None:
        assert isinstance(seen, str), seen
    else:
        assert not isinstance(seen, str), seen
        assert seen[-1].shape == expected
