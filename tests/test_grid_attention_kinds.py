"""MaxViT's partition attention (issue 14): ``partition_attention``, torchvision's
PartitionAttentionLayer as one row. Figures are worked out by hand in the comments; the
differential family ``partition`` (tests/test_torch_differential.py) compares them with an
oracle written from torchvision's forward at random, and tests/test_zoo.py loads a
torchvision maxvit_t state dict into the spec's build."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main

FIRST_LAYER = """
    input: [64, 56, 56]
    layers:
      - partition_attention: {head_dim: 32, partition_size: 7, partition_type: window}
      - partition_attention: {head_dim: 32, partition_size: 7, partition_type: grid}
"""


def rows(text: str):
    return analyze(load_spec(textwrap.dedent(text))).rows


def test_maxvit_t_first_layer_by_hand():
    window, grid = rows(FIRST_LAYER)
    # C = 64, h = 64 / 32 = 2 heads, P = 7, r = 4. Parameters: LayerNorms 2 x 128, to_qkv
    # 64 * 192 + 192, merge 64 * 64 + 64, the bias table 13 * 13 * 2, the MLP
    # 64 * 256 + 256 + 256 * 64 + 64
    params = 256 + (64 * 192 + 192) + (64 * 64 + 64) + 13 * 13 * 2 + (64 * 256 + 256) + \
        (256 * 64 + 64)
    assert window.params == grid.params == params == 50_322
    # N = 3,136 tokens: 4 N C^2 = 51,380,224; 2 N P^2 C = 19,668,992 (each token against the
    # 49 of its group, twice); 2 r N C^2 = 102,760,448
    assert window.macs == grid.macs == 51_380_224 + 19_668_992 + 102_760_448 == 173_809_664
    # 10 N C + 2 r N C element-wise, and 2 per score: 2 heads x 3,136 x 49
    assert window.other_ops == 10 * 3136 * 64 + 2 * 4 * 3136 * 64 + 2 * 2 * 3136 * 49
    assert window.output_shape == grid.output_shape == (64, 56, 56)
    assert window.buffers == 0                       # relative_position_index is integer
    assert window.receptive_field is None


def test_mlp_ratio_and_a_non_square_window():
    (row,) = rows("input: [12, 4, 6]\nlayers:\n  - partition_attention: {head_dim: 4, "
                  "partition_size: 2, mlp_ratio: 2}\n")
    # C = 12, h = 3, P = 2: 2 * 12 + 4 * 144 + 4 * 144 weights; 24 + 48 + 24 + 12 + 9 * 3
    assert row.params == 24 + 576 + 576 + 24 + 48 + 24 + 12 + 27
    assert row.macs == 4 * 24 * 144 + 2 * 24 * 4 * 12 + 2 * 2 * 24 * 144


def test_an_einsum_over_an_axis_of_one_is_not_counted():
    """torch.einsum multiplies where the summed axis has size 1 (no bmm): FlopCounterMode
    counts nothing for q k^T when head_dim is 1, nor for the weighted sum of v when a group
    is one pixel."""
    (one_dim,) = rows("input: [2, 4, 4]\nlayers: [partition_attention: {head_dim: 1, "
                      "partition_size: 2}]\n")
    assert one_dim.macs == 4 * 16 * 4 + 16 * 4 * 2 + 2 * 4 * 16 * 4
    (one_pixel,) = rows("input: [4, 3, 3]\nlayers: [partition_attention: {head_dim: 2, "
                        "partition_size: 1}]\n")
    assert one_pixel.macs == 4 * 9 * 16 + 9 * 1 * 4 + 2 * 4 * 9 * 16


@pytest.mark.parametrize(("text", "message"), [
    ("input: [64, 50, 50]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7}]\n",
     "the 50x50 map is not divisible by partition_size 7"),
    ("input: [64, 14, 28]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7, "
     "partition_type: grid}]\n", "grid attention on a 14x28 map"),
    ("input: [64, 5, 5]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7, "
     "partition_type: grid}]\n", "cannot be cut into a grid of partition_size 7"),
    ("input: [48, 14, 14]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7}]\n",
     "head_dim 32 does not divide the 48 channels"),
    ("input: [196, 64]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7}]\n",
     "partition_attention"),
    ("input: [64, 14, 14]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7, "
     "in_channels: 32}]\n", "in_channels is written as 32 but the map has 64 channels"),
    ("input: [64, 14, 14]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7, "
     "partition_type: block}]\n", "partition_type"),
    ("input: [64, 14, 14]\nlayers: [partition_attention: {head_dim: 32, partition_size: 7, "
     "mlp_dropout: 2}]\n", "'mlp_dropout' is a probability between 0 and 1, got 2"),
])
def test_errors_say_where_torchvision_would_raise(text, message):
    with pytest.raises(CnnCalcError, match=message.replace("[", r"\[")):
        analyze(load_spec(text))


def test_a_map_not_divisible_is_one_located_line_and_exit_2():
    text = "input: [64, 50, 50]\nlayers:\n  - partition_attention: {head_dim: 32, " \
           "partition_size: 7}\n"
    result = CliRunner().invoke(main, ["analyze", "-"], input=text)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: <stdin>:3:"), result.output
    assert "not divisible by partition_size 7" in lines[0]


def test_check_spec_goes_on_after_a_bad_partition():
    text = "input: [64, 50, 50]\nlayers:\n  - partition_attention: {head_dim: 32, " \
           "partition_size: 7}\n  - conv2d: {out_channels: 8, kernel_size: 3}\n"
    result = CliRunner().invoke(main, ["check-spec", "-"], input=text)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "as if partition_size: 1" in result.output, result.output


def test_explain_and_layers_list_the_kind():
    listed = CliRunner().invoke(main, ["layers"]).output
    assert "\npartition_attention" in listed
    result = CliRunner().invoke(main, ["explain", "-", "--layer", "partition_attention1"],
                                input=textwrap.dedent(FIRST_LAYER))
    assert result.exit_code == 0, result.output
    assert "(2P - 1)^2 * h" in result.output and "MACs = 51,380,224 + 19,668,992 + " \
        "102,760,448 = 173,809,664" in result.output


@pytest.mark.torch
def test_the_torch_build_is_counted_as_the_engine_counts():
    """FlopCounterMode on the build (einsums, as torchvision's) equals the engine, and its
    parameters are the engine's; its state dict carries the integer index buffer."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.torch import build_model

    for text in (FIRST_LAYER, "input: [2, 4, 4]\nlayers: [partition_attention: {head_dim: 1, "
                              "partition_size: 2, partition_type: grid}]\n"):
        report = analyze(load_spec(textwrap.dedent(text)))
        model = build_model(load_spec(textwrap.dedent(text))).eval()
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            model(torch.randn(1, *report.rows[0].output_shape))
        assert counter.get_total_flops() // 2 == report.totals.macs
        assert sum(p.numel() for p in model.parameters()) == report.totals.params
    index = [k for k in model.state_dict() if k.endswith("relative_position_index")]
    assert index and model.state_dict()[index[0]].dtype == torch.int64
