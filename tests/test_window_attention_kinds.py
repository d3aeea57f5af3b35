"""The Swin Transformer's layer kinds: shifted window attention (v1 and v2) and the 2x2
patch merge. Figures are worked out by hand in the comments; the differential family
``swin`` (tests/test_torch_differential.py) compares them with PyTorch at random, and
tests/test_zoo.py compares the six torchvision Swins layer by layer."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main
from cnncalc.record import replace

SWIN_T_STEM = """
    input: [3, 224, 224]
    layers:
      - conv2d: {out_channels: 96, kernel_size: 4, stride: 4}
      - permute: [0, 2, 3, 1]
      - layernorm: {normalized_shape: 96}
      - shifted_window_attention: {name: w, num_heads: 3, window_size: 7}
      - shifted_window_attention: {name: sw, num_heads: 3, window_size: 7, shift_size: 3}
      - shifted_window_attention: {name: v2, num_heads: 3, window_size: 8, version: 2}
      - patch_merge: {name: merge}
"""


def rows(text: str):
    return {r.name: r for r in analyze(load_spec(textwrap.dedent(text))).rows}


def test_swin_t_first_stage_by_hand():
    r = rows(SWIN_T_STEM)
    w = r["w"]
    # qkv 3 * 96 * 96 + 288, proj 96 * 96 + 96, the bias table (2*7-1)^2 x 3 heads
    assert w.params == 4 * 96 * 96 + 4 * 96 + 169 * 3 == 37_755
    # 56 x 56 = 8 x 8 windows of 49 tokens, no padding: 3136 (4 * 96^2 + 2 * 49 * 96)
    assert w.macs == 3_136 * (36_864 + 9_408) == 145_108_992
    assert w.output_shape == (56, 56, 96) and w.receptive_field is None
    # the shift changes neither figure; its mask adds one op per score (3 heads x 49 per
    # position): 3136 * 384 bias adds + 3136 * 147 scores * 3 or 4
    assert (r["sw"].params, r["sw"].macs) == (w.params, w.macs)
    assert w.other_ops == 3_136 * 384 + 3_136 * 147 * 3
    assert r["sw"].other_ops == 3_136 * 384 + 3_136 * 147 * 4
    v2 = r["v2"]
    # v2: no table; logit_scale 3, cpb_mlp 2 * 512 + 512 and 512 * 3; buffers: the (15, 15, 2)
    # relative_coords_table
    assert v2.params == 4 * 96 * 96 + 4 * 96 + 3 + 1_536 + 1_536 == 40_323
    assert v2.buffers == 450
    # window 8 on 56: padded to 56 (7 windows a side), the cpb_mlp over 225 offsets
    assert v2.macs == 3_136 * (36_864 + 2 * 64 * 96) + 225 * 512 * 5 == 154_716_672
    assert r["merge"].output_shape == (28, 28, 384)


def test_v2s_position_bias_mlp_runs_once_per_forward_whatever_the_batch():
    """At --batch 3 the windows' products are counted three times, v2's cpb_mlp (on the table
    of offsets, not on the samples) once, as FlopCounterMode sees a batched forward."""
    graph = load_spec(textwrap.dedent(SWIN_T_STEM))
    r = {row.name: row for row in analyze(replace(graph, batch=3)).rows}
    assert r["v2"].macs == 3 * 3_136 * (36_864 + 2 * 64 * 96) + 225 * 512 * 5 == 462_998_016
    assert r["w"].macs == 3 * 145_108_992                   # v1: every MAC is per sample


@pytest.mark.torch
def test_verify_agrees_with_pytorch_at_a_batch():
    pytest.importorskip("torch")
    result = CliRunner().invoke(main, ["verify", "swin_v2_t", "--set", "resolution=64",
                                       "--batch", "2"])
    assert result.exit_code == 0, result.output[-600:]
    assert "OK: all 161 layers agree" in result.output


def test_a_map_the_window_does_not_fit_is_padded_and_counted_padded():
    # 9 x 5 with window 4: padded to 12 x 8 = 96 positions, 6 windows of 16 tokens
    r = rows("input: [9, 5, 8]\nlayers: [shifted_window_attention: {num_heads: 2, "
             "window_size: 4, shift_size: 2}]\n")
    assert r["shifted_window_attention1"].macs == 96 * (4 * 64 + 2 * 16 * 8)
    # [h, w] windows: 3 x 5 on 9 x 5 needs no padding; a 5-wide window covers W
    r = rows("input: [9, 5, 8]\nlayers: [shifted_window_attention: {num_heads: 2, "
             "window_size: [3, 5], shift_size: [1, 2], qkv_bias: false, proj_bias: false}]\n")
    att = r["shifted_window_attention1"]
    assert att.macs == 45 * (4 * 64 + 2 * 15 * 8)
    assert att.params == 4 * 64 + 5 * 9 * 2


def test_patch_merge_pads_odd_sizes():
    r = rows("input: [7, 5, 3]\nlayers: [patch_merge]\n")
    assert r["patch_merge1"].output_shape == (4, 3, 12)
    r = rows("input: [2, 7, 5, 3]\nlayers: [patch_merge]\n")      # [..., H, W, C]
    assert r["patch_merge1"].output_shape == (2, 4, 3, 12)


@pytest.mark.parametrize(("text", "message"), [
    ("input: [56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 5, window_size: 7}]\n",
     "num_heads 5 does not divide the 96 channels"),
    ("input: [56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 3, window_size: 0}]\n",
     "'window_size' must be positive, got 0"),
    ("input: [56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 3, window_size: 7, "
     "shift_size: -1}]\n", "'shift_size' must be at least 0, got -1"),
    ("input: [56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 3, window_size: 7, "
     "version: 3}]\n", "'version' is 1 (Swin) or 2 (Swin V2), got 3"),
    ("input: [56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 3, "
     "window_size: [7, 7, 7]}]\n", "'window_size' is one integer or [h, w], got 3 values"),
    ("input: [3136, 96]\nlayers: [shifted_window_attention: {num_heads: 3, window_size: 7}]\n",
     "expects a channels-last map [H, W, C] but got 3136x96 (2-D)"),
    ("input: [2, 56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 3, "
     "window_size: 7}]\n", "expects a channels-last map [H, W, C] but got 2x56x56x96 (4-D)"),
    ("input: [56, 96]\nlayers: [patch_merge]\n", "expects a channels-last map [H, W, C]"),
])
def test_errors_say_where_torchvision_would_raise(text, message):
    with pytest.raises(CnnCalcError, match=message.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        analyze(load_spec(text))


def test_a_channels_first_map_is_one_located_line_with_the_permute_hint(tmp_path):
    path = tmp_path / "chw.yaml"
    path.write_text("input: [3, 224, 224]\nlayers:\n"
                    "  - conv2d: {out_channels: 96, kernel_size: 4, stride: 4}\n"
                    "  - shifted_window_attention: {num_heads: 3, window_size: 7}\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:4:"), result.output
    assert "96x56x56 looks like a channels-first [C, H, W] map" in lines[0]
    assert "permute: [0, 2, 3, 1]" in lines[0]
    # where the heads divide both, torchvision would run it: a warning, not an error
    path.write_text(path.read_text().replace("num_heads: 3", "num_heads: 4"))
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 0 and "looks like a channels-first" in result.output


def test_check_spec_suggests_a_head_count_and_goes_on():
    result = CliRunner().invoke(main, ["check-spec", "-"], input=(
        "input: [56, 56, 96]\nlayers: [shifted_window_attention: {num_heads: 5, "
        "window_size: 7}, patch_merge, linear: {in_features: 384, out_features: 192}]\n"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "fix: num_heads: one of 1, 2, 3, 4, 6, 8, 12, 16, 24, 32" in result.output
    assert "as if num_heads: 1" in result.output


def test_layers_and_explain_list_the_new_kinds():
    listed = CliRunner().invoke(main, ["layers"]).output
    for kind in ("shifted_window_attention", "patch_merge"):
        assert f"\n{kind}" in listed
    text = CliRunner().invoke(main, ["explain", "swin_v2_t", "--layer",
                                     "features.1.1.attn"]).output
    assert "padded to 64x64: 64 windows; shift 4x4" in text
    assert "cpb_mlp MACs = 225 offsets * 512 * (2 + 3) = 576,000" in text


WINDOW_CASES = [
    # (H, W, C, written args): padding, a shift on one axis only, [h, w] windows, v2
    (9, 5, 8, {"num_heads": 2, "window_size": 4, "shift_size": 2}),
    (16, 7, 6, {"num_heads": 3, "window_size": 7, "shift_size": 3}),
    (6, 10, 4, {"num_heads": 1, "window_size": [3, 4], "shift_size": [1, 2]}),
    (9, 9, 8, {"num_heads": 2, "window_size": 4, "shift_size": 2, "version": 2}),
    (5, 3, 6, {"num_heads": 3, "window_size": 8, "shift_size": 4, "version": 2,
               "qkv_bias": False}),
]


@pytest.mark.torch
@pytest.mark.parametrize(("h", "w", "c", "args"), WINDOW_CASES)
def test_the_torch_build_computes_what_the_oracle_computes(h, w, c, args):
    """Values: cnncalc's module holds the oracle's (torchvision's) parameters and buffers
    under their names and computes its output (the differential family compares figures
    only, as every window attention has parameters)."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode
    from torch_oracle_swin import WindowAttention

    from cnncalc.layers.window_attention import pair
    from cnncalc.torch.modules_swin import ShiftedWindowAttention

    torch.manual_seed(0)
    x = torch.randn(2, h, w, c)
    theirs = WindowAttention(args, x).eval()
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_(std=0.5)
    ours = ShiftedWindowAttention(c, list(pair(args["window_size"])),
                                  list(pair(args.get("shift_size", 0))), args["num_heads"],
                                  version=args.get("version", 1),
                                  qkv_bias=args.get("qkv_bias", True)).eval()
    ours.load_state_dict(theirs.state_dict())
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-5)
    one = FlopCounterMode(display=False)
    with torch.no_grad(), one:
        ours(x[:1])
    spec = f"input: [{h}, {w}, {c}]\nlayers: [shifted_window_attention: {args}]\n"
    assert one.get_total_flops() // 2 == analyze(load_spec(spec)).rows[0].macs


@pytest.mark.torch
def test_patch_merge_module_orders_the_neighbours_as_torchvision():
    torch = pytest.importorskip("torch")
    from cnncalc.torch.modules_swin import PatchMerge

    x = torch.arange(3 * 3 * 1, dtype=torch.float32).reshape(1, 3, 3, 1)
    y = PatchMerge()(x)
    # pixel (0,0) then (1,0), (0,1), (1,1); the odd row and column padded with zeros
    assert y.shape == (1, 2, 2, 4)
    assert y[0, 0, 0].tolist() == [0, 3, 1, 4] and y[0, 1, 1].tolist() == [8, 0, 0, 0]
