"""Strategies for the Swin Transformer's kinds (``tests/torch_oracle_swin.py`` is their
oracle): shifted window attention (v1 and v2, windows that cover the map or not, shifts kept
or turned off, maps padded to whole windows) and the 2x2 patch merge, on channels-last maps
``[H, W, C]`` (now and then another rank, which both sides refuse or, for the merge, take),
and now and then a whole Swin block: norm, attention, residual add, norm, MLP, add, merge."""

from __future__ import annotations

from hypothesis import strategies as st
from torch_strategies import anything, sample

SWIN = ["shifted_window_attention", "patch_merge"]


@st.composite
def channels_last(draw, wild: bool):
    """``(H, W, C)`` with C = heads x head_dim; when ``wild``, a sample of any rank 2 to 4."""
    heads = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 9)), draw(st.integers(1, 9)), heads * draw(st.integers(1, 3)))
    if wild and draw(st.booleans()):
        shape = draw(sample(draw(st.sampled_from([2, 3, 4])), (1, 7), 6))
    return shape, heads


def window_args(draw, heads: int, wild: bool) -> dict:
    one_or_pair = st.one_of(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=2,
                                                         max_size=2))
    args = {"num_heads": draw(st.integers(1, 4)) if wild else heads,
            "window_size": draw(one_or_pair)}
    optional = {"shift_size": st.one_of(st.integers(0, 3), st.lists(
        st.integers(0, 3), min_size=2, max_size=2)), "version": st.sampled_from([1, 2]),
        "qkv_bias": st.booleans(), "proj_bias": st.booleans(),
        "attention_dropout": st.sampled_from([0.0, 0.1]), "dropout": st.sampled_from([0.0, 0.2])}
    args.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return args


@st.composite
def swin_case(draw):
    kind = draw(st.sampled_from(SWIN + ["block"]))
    wild = anything(draw)
    shape, heads = draw(channels_last(wild))
    if kind == "shifted_window_attention":
        return shape, [("shifted_window_attention", window_args(draw, heads, wild))]
    if kind == "patch_merge":
        return shape, [("patch_merge", {})]
    dim = shape[-1]
    attn = window_args(draw, heads, False)
    return shape, [
        ("add", [[], [("layernorm", {"normalized_shape": dim}),
                      ("shifted_window_attention", attn)]]),
        ("add", [[], [("layernorm", {"normalized_shape": dim}),
                      ("linear", {"in_features": dim, "out_features": 2 * dim}),
                      ("gelu", {}), ("linear", {"in_features": 2 * dim, "out_features": dim})]]),
        ("patch_merge", {}),
        ("layernorm", {"normalized_shape": 4 * dim}),
        ("linear", {"in_features": 4 * dim, "out_features": 2 * dim, "bias": False})]
