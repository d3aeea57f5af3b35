"""The layer kinds of ConvNeXt and ShuffleNetV2 (issue 12): permute, channel_shuffle, chunk,
channel_layernorm (LayerNorm2d), layer_scale, stochastic_depth and a linear on the last axis
of a feature map. Figures are worked out by hand in the comments; the differential family
``modern`` (tests/test_torch_differential.py) compares them with PyTorch at random."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main
from cnncalc.layers.reorder import chunk_sizes


def rows(text: str):
    return {r.name: r for r in analyze(load_spec(textwrap.dedent(text))).rows}


def check_spec(text: str):
    return CliRunner().invoke(main, ["check-spec", "-"], input=textwrap.dedent(text))


CONVNEXT_BLOCK = """
    input: [96, 56, 56]
    layers:
      - conv2d: {out_channels: 96, kernel_size: 7, padding: 3, groups: 96}
      - permute: [0, 2, 3, 1]
      - layernorm: {normalized_shape: 96, eps: 0.000001}
      - linear: {in_features: 96, out_features: 384}
      - gelu
      - linear: {in_features: 384, out_features: 96}
      - permute: [0, 3, 1, 2]
      - layer_scale: 0.000001
      - stochastic_depth: 0.1
"""


def test_a_convnext_block_as_torchvision_writes_it():
    r = rows(CONVNEXT_BLOCK)
    assert r["permute1"].output_shape == (56, 56, 96)
    # LayerNorm(96): 96 scales + 96 shifts; one normalization per element
    assert (r["layernorm1"].params, r["layernorm1"].other_ops) == (192, 56 * 56 * 96)
    # Linear(96, 384) at each of 56 * 56 positions: 96 * 384 + 384 params,
    # 3,136 * 96 * 384 = 115,605,504 MACs, one bias add per output element
    lin = r["linear1"]
    assert lin.output_shape == (56, 56, 384)
    assert (lin.params, lin.macs, lin.other_ops) == (37_248, 115_605_504, 56 * 56 * 384)
    assert r["linear2"].params == 384 * 96 + 96
    assert r["permute2"].output_shape == (96, 56, 56)
    # gamma of shape (96, 1, 1): 96 params, no MAC, one multiply per element
    scale = r["layer_scale1"]
    assert (scale.params, scale.macs, scale.other_ops) == (96, 0, 96 * 56 * 56)
    drop = r["stochastic_depth1"]
    assert (drop.params, drop.macs, drop.other_ops, drop.output_shape) == (0, 0, 0, (96, 56, 56))


def test_the_receptive_field_passes_a_convnext_block_and_stops_where_axes_are_mixed():
    # the pixels' field (7x7) travels through the channels-last sandwich unchanged
    r = rows(CONVNEXT_BLOCK)
    assert {r[n].receptive_field for n in r} == {(7, 7)}
    same = rows("input: [4, 8, 8]\nlayers: [conv2d: {out_channels: 4, kernel_size: 3}, "
                "permute: [0, 1, 2, 3]]\n")
    assert same["permute1"].receptive_field == (3, 3)
    # a window, a move along the first axis or another order on the permuted map: none
    mixed = rows("input: [4, 8, 8]\nlayers: [conv2d: {out_channels: 4, kernel_size: 3}, "
                 "permute: [0, 2, 3, 1], channel_shuffle: 2, permute: [0, 3, 1, 2], "
                 "conv2d: {out_channels: 4, kernel_size: 3}]\n")
    assert [x.receptive_field for x in mixed.values()] == [(3, 3), (3, 3), None, None, None]
    window = rows("input: [4, 8, 8]\nlayers: [permute: [0, 2, 3, 1], maxpool2d: 2, "
                  "permute: [0, 3, 1, 2]]\n")
    assert window["maxpool1"].receptive_field is None
    other = rows("input: [4, 8, 8]\nlayers: [permute: [0, 2, 1, 3], permute: [0, 2, 1, 3]]\n")
    assert other["permute2"].receptive_field is None


def test_layernorm2d_normalizes_the_channels_at_each_position():
    r = rows("input: [768, 7, 7]\nlayers: [layernorm2d: {eps: 0.000001}, "
             "channel_layernorm: {bias: false}, channel_layernorm: {elementwise_affine: false}]\n")
    assert [x.params for x in r.values()] == [2 * 768, 768, 0]
    assert r["layernorm1"].kind == "channel_layernorm"
    assert r["layernorm1"].other_ops == 768 * 49


def test_keras_layer_normalization_in_a_channels_last_spec_is_over_the_channels():
    # Keras' LayerNormalization(axis=-1) on 8x8x3: gamma and beta of shape (3,): 6 params;
    # the same layer in a channels-first spec normalizes the whole 8x8x3 sample (384)
    hwc = rows("input_layout: hwc\ninput: [8, 8, 3]\nlayers: [LayerNormalization]\n")
    chw = rows("input: [3, 8, 8]\nlayers: [LayerNormalization]\n")
    assert hwc["layernormalization1"].params == 6
    assert chw["layernormalization1"].params == 384


@pytest.mark.parametrize(("channels", "chunks", "sizes"), [
    (116, 2, [58, 58]), (5, 2, [3, 2]), (5, 4, [2, 2, 1]), (6, 4, [2, 2, 2]), (1, 3, [1]),
    (7, 7, [1] * 7)])
def test_chunk_follows_torch_chunk(channels, chunks, sizes):
    # torch.chunk: pieces of ceil(C / chunks); fewer pieces when that leaves nothing over
    assert chunk_sizes(channels, chunks) == sizes
    got = [rows(f"input: [{channels}, 4, 4]\nlayers: [chunk: {{chunks: {chunks}, index: {i}}}]"
                "\n")["chunk1"].output_shape[0] for i in range(len(sizes))]
    assert got == sizes


def test_shufflenet_unit_splits_runs_half_and_shuffles():
    r = rows("""
        input: [116, 28, 28]
        layers:
          - concat:
              - [chunk: {chunks: 2, index: 0}]
              - [chunk: {chunks: 2, index: 1}, conv2d: {out_channels: 58, kernel_size: 1}]
          - channel_shuffle: 2
    """)
    assert r["chunk1"].output_shape == r["chunk2"].output_shape == (58, 28, 28)
    assert r["conv1"].params == 58 * 58 + 58
    assert r["channel_shuffle1"].output_shape == (116, 28, 28)
    assert all(r[n].params == r[n].macs == r[n].other_ops == 0
               for n in ("chunk1", "chunk2", "channel_shuffle1"))


def test_a_dense_layer_straight_after_a_conv_still_asks_for_a_flatten():
    with pytest.raises(CnnCalcError, match="add '- flatten' before it"):
        load_and_run = analyze(load_spec(  # noqa: F841
            "input: [3, 32, 32]\nlayers: [conv2d: {out_channels: 16, kernel_size: 3}, "
            "dense: 10]\n"))
    # in_features written as something else than the last axis: the classic mistake too
    with pytest.raises(CnnCalcError, match="add '- flatten' before it"):
        analyze(load_spec("input: [3, 32, 32]\nlayers: [conv2d: {out_channels: 16, "
                          "kernel_size: 3}, linear: {in_features: 14400, out_features: 10}]\n"))


@pytest.mark.parametrize(("text", "needles"), [
    ("input: [4, 8, 8]\nlayers: [permute: [0, 1, 2], relu]\n",
     ["dims [0, 1, 2] is not an order of the 4 axes", "fix: dims: [0, 2, 3, 1] moves the "
      "channels last", "as if dims: [0, 1, 2, 3]"]),
    ("input: [4, 8, 8]\nlayers: [permute: [1, 0, 2, 3]]\n",
     ["moves the batch axis; it stays first"]),
    ("input: [6, 8, 8]\nlayers: [channel_shuffle: 4, relu]\n",
     ["groups=4 does not divide the 6 channels", "fix: groups: 2 divides the 6 channels",
      "as if groups: 1"]),
    ("input: [5, 8, 8]\nlayers: [chunk: {chunks: 4, index: 3}]\n",
     ["index 3 is past the last piece: 5 channels in 4 chunks make 3 pieces (2, 2, 1)",
      "fix: index: 0 to 2"]),
    ("input: [3, 8, 8]\nlayers: [layer_scale, stochastic_depth: 1.5]\n",
     ["'p' is a probability between 0 and 1, got 1.5"]),
    ("input: [3, 8, 8]\nlayers: [conv2d: {out_channels: 4, kernel_size: 3}, linear: 10]\n",
     ["add '- flatten' before it", "fix: or, for nn.Linear on the last axis (6) at every "
      "position as PyTorch runs it: write in_features: 6 (70 parameters)"]),
])
def test_check_spec_locates_fixes_and_goes_on(text, needles):
    result = check_spec(text)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


def test_the_new_kinds_are_listed_with_their_arguments():
    result = CliRunner().invoke(main, ["layers"])
    for kind in ("permute", "channel_shuffle", "chunk", "channel_layernorm", "layer_scale",
                 "stochastic_depth"):
        assert f"\n{kind}" in result.output
    assert "layernorm2d" in CliRunner().invoke(main, ["layers", "channel_layernorm"]).output


@pytest.mark.torch
def test_the_torch_build_computes_what_torchvision_computes():
    """Values, not only shapes: the shuffle's order, the split's halves, LayerNorm2d, the
    layer scale's gamma and stochastic depth's identity at inference."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from cnncalc.torch import build_model

    x = torch.randn(2, 6, 3, 3)
    spec = ("input: [6, 3, 3]\nlayers: [channel_shuffle: 2, chunk: {chunks: 2, index: 1}, "
            "layernorm2d: {eps: 0.000001}, layer_scale: 0.5, stochastic_depth: 0.9]\n")
    model = build_model(load_spec(spec)).eval()
    with torch.no_grad():
        got = model(x)
    shuffled = nn.ChannelShuffle(2)(x)
    assert torch.equal(shuffled[:, :, 0, 0], x[:, [0, 3, 1, 4, 2, 5], 0, 0])
    half = shuffled.chunk(2, dim=1)[1]
    norm = nn.LayerNorm(3, eps=1e-6)
    want = 0.5 * norm(half.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert torch.allclose(got, want, atol=1e-6)
    assert sum(p.numel() for p in model.parameters()) == 3 + 3 + 3


@pytest.mark.torch
def test_stochastic_depth_drops_while_training():
    torch = pytest.importorskip("torch")

    from cnncalc.torch.modules import StochasticDepth

    torch.manual_seed(0)
    x = torch.ones(64, 2, 3)
    y = StochasticDepth(0.5, "row").train()(x)
    kept = y.flatten(1).amax(1)
    assert set(kept.tolist()) <= {0.0, 2.0} and 0 < kept.sum() < 128     # survivors x 1/(1-p)
    whole = StochasticDepth(0.5, "batch").train()(x)
    assert len(set(whole.flatten().tolist())) == 1
