"""The Vision Transformer's layer kinds (issue 14): multi-head self-attention, the class
token, the position embedding and ``select`` (``x[:, 0]``). Figures are worked out by hand in
the comments; the differential family ``attention`` (tests/test_torch_differential.py)
compares them with PyTorch at random."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main

VIT_B_16_BLOCK = """
    input: [3, 224, 224]
    layers:
      - conv2d: {out_channels: 768, kernel_size: 16, stride: 16}
      - flatten: {start_dim: 2}
      - permute: [0, 2, 1]
      - class_token
      - pos_embedding
      - add:
          - []
          - [layernorm: {normalized_shape: 768, eps: 0.000001},
             multihead_attention: {num_heads: 12}, dropout: 0.0]
      - select: {dim: 1, index: 0}
"""


def rows(text: str):
    return {r.name: r for r in analyze(load_spec(textwrap.dedent(text))).rows}


def check_spec(text: str):
    return CliRunner().invoke(main, ["check-spec", "-"], input=textwrap.dedent(text))


def test_vit_b_16_first_layers_by_hand():
    r = rows(VIT_B_16_BLOCK)
    assert r["permute1"].output_shape == (196, 768)             # 14 x 14 patches, batch first
    # the class token: one learned (1, 1, 768) vector in front, 197 tokens
    token = r["class_token1"]
    assert (token.output_shape, token.params, token.macs) == ((197, 768), 768, 0)
    # pos_embedding (1, 197, 768): 151,296 parameters, one add per element
    pos = r["pos_embedding1"]
    assert (pos.params, pos.macs, pos.other_ops) == (151_296, 0, 151_296)
    # nn.MultiheadAttention(768, 12): in_proj 3 * 768 * 768 + 3 * 768, out_proj 768 * 768 +
    # 768 = 2,362,368 parameters; MACs: 4 * 197 * 768^2 = 464,781,312 for the projections,
    # 12 heads x (197 x 197 x 64) twice = 2 * 197^2 * 768 = 59,610,624 for the products
    mha = r["multihead_attention1"]
    assert mha.params == 4 * 768 * 768 + 4 * 768 == 2_362_368
    assert mha.macs == 464_781_312 + 59_610_624 == 524_391_936
    # bias adds 4 * 197 * 768, then 12 * 197^2 scores scaled and softmaxed
    assert mha.other_ops == 4 * 197 * 768 + 2 * 12 * 197 * 197
    assert mha.receptive_field is None and mha.output_shape == (197, 768)
    assert r["select1"].output_shape == (768,)


def test_bias_false_and_a_single_head():
    r = rows("input: [5, 8]\nlayers: [multihead_attention: {num_heads: 1, bias: false}]\n")
    mha = r["multihead_attention1"]
    # 4 * 64 weights, no biases; 4 * 5 * 64 + 2 * 25 * 8 MACs
    assert (mha.params, mha.macs, mha.other_ops) == (256, 1_280 + 400, 2 * 25)


def test_position_embedding_takes_any_sample_shape():
    r = rows("input: [4, 6, 6]\nlayers: [pos_embedding]\n")
    assert r["pos_embedding1"].params == 144


@pytest.mark.parametrize(("dims", "index", "shape"), [
    (1, 0, (768,)), (1, -1, (768,)), (2, 5, (197,)), (-1, 0, (197,)), (-2, 3, (768,))])
def test_select_drops_the_axis_it_takes_from(dims, index, shape):
    r = rows(f"input: [197, 768]\nlayers: [select: {{dim: {dims}, index: {index}}}]\n")
    assert r["select1"].output_shape == shape


@pytest.mark.parametrize(("text", "message"), [
    ("input: [197, 768]\nlayers: [multihead_attention: 7]\n",
     "num_heads 7 does not divide embed_dim 768"),
    ("input: [197, 768]\nlayers: [multihead_attention: {num_heads: 12, embed_dim: 512}]\n",
     "embed_dim is written as 512 but the tokens have 768 features"),
    ("input: [768, 14, 14]\nlayers: [multihead_attention: 12]\n",
     "expects a sequence [L, E] but got 768x14x14"),
    ("input: [768, 14, 14]\nlayers: [class_token]\n", "expects a sequence [L, E]"),
    ("input: [197, 768]\nlayers: [select: {dim: 0}]\n", "selects along the batch axis"),
    ("input: [197, 768]\nlayers: [select: {dim: 3}]\n", "dim 3 is out of range"),
    ("input: [197, 768]\nlayers: [select: {dim: 1, index: 197}]\n",
     "index 197 is out of range for axis 1 of size 197"),
    ("input: [197, 768]\nlayers: [multihead_attention: {num_heads: 2, dropout: 1.5}]\n",
     "'dropout' is a probability between 0 and 1, got 1.5"),
])
def test_errors_say_where_pytorch_would_raise(text, message):
    with pytest.raises(CnnCalcError, match=message.replace("[", r"\[").replace("]", r"\]")):
        analyze(load_spec(text))


@pytest.mark.parametrize(("text", "needles"), [
    ("input: [10, 48]\nlayers: [multihead_attention: 5, linear: {in_features: 48, "
     "out_features: 2}]\n",
     ["num_heads 5 does not divide embed_dim 48", "fix: num_heads: one of 1, 2, 3, 4, 6, 8, "
      "12, 16 divides the 48 features", "as if num_heads: 1"]),
    ("input: [48, 4, 4]\nlayers: [multihead_attention: 4]\n",
     ["expects a sequence [L, E]", "flatten: {start_dim: 2} and permute: [0, 2, 1]"]),
    ("input: [10, 48]\nlayers: [select: {dim: 1, index: 12}, relu]\n",
     ["index 12 is out of range", "as if index: 0"]),
])
def test_check_spec_locates_fixes_and_goes_on(text, needles):
    result = check_spec(text)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


def test_explain_and_layers_list_the_new_kinds():
    listed = CliRunner().invoke(main, ["layers"]).output
    for kind in ("multihead_attention", "class_token", "pos_embedding", "select"):
        assert f"\n{kind}" in listed
    assert "self_attention" in CliRunner().invoke(main, ["layers", "multihead_attention"]).output


@pytest.mark.torch
def test_the_torch_build_computes_what_nn_multihead_attention_computes():
    """Values: cnncalc's SelfAttention holds nn.MultiheadAttention's parameters under their
    names and computes its output; the class token, embedding and select as torchvision's."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from cnncalc.torch.modules_attn import ClassToken, PositionEmbedding, Select, SelfAttention

    torch.manual_seed(0)
    for bias in (True, False):
        ours = SelfAttention(12, 3, bias=bias).eval()
        theirs = nn.MultiheadAttention(12, 3, bias=bias, batch_first=True).eval()
        theirs.load_state_dict(ours.state_dict())
        x = torch.randn(2, 5, 12)
        with torch.no_grad():
            assert torch.allclose(ours(x), theirs(x, x, x, need_weights=False)[0], atol=1e-5)
    token, pos = ClassToken(12), PositionEmbedding((6, 12))
    with torch.no_grad():
        token.class_token.normal_()
        y = pos(token(x))
    assert torch.allclose(y[:, 0] - pos.pos_embedding[:, 0], token.class_token[0].expand(2, 12))
    assert torch.equal(Select(1, 0)(y), y[:, 0])


@pytest.mark.torch
def test_flop_counter_counts_the_build_on_the_cpu_without_grad():
    """torch's own MultiheadAttention forward takes a fused kernel under no_grad on the CPU,
    which FlopCounterMode does not count; the build's products are counted everywhere."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.torch.modules_attn import SelfAttention

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        SelfAttention(768, 12).eval()(torch.zeros(1, 197, 768))
    assert counter.get_total_flops() // 2 == 524_391_936
    fused = FlopCounterMode(display=False)
    mha = torch.nn.MultiheadAttention(768, 12, batch_first=True).eval()
    x = torch.zeros(1, 197, 768)
    with torch.no_grad(), fused:
        mha(x, x, x, need_weights=False)
    assert fused.get_total_flops() == 0       # torch 2.13's fast path: nothing counted
