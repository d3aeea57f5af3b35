"""Strategies for the Vision Transformer's kinds (``tests/torch_oracle_attn.py`` is their
oracle): multi-head self-attention, the class token, the position embedding and ``select``,
in every rank each takes (the sequence kinds are refused off ``[L, E]`` by both sides), and
now and then a whole ViT encoder: class token, position embedding, the two residual
sub-blocks of torchvision's EncoderBlock, LayerNorm, ``x[:, 0]`` and a head."""

from __future__ import annotations

from hypothesis import strategies as st
from torch_strategies import anything, sample

ATTENTION = ["multihead_attention", "class_token", "pos_embedding", "select"]


@st.composite
def sequence(draw, wild: bool):
    """``(L, E)`` with E = heads x head_dim; when ``wild``, a sample of any rank 2 to 4."""
    heads = draw(st.integers(1, 4))
    shape = (draw(st.integers(1, 7)), heads * draw(st.integers(1, 4)))
    if wild and draw(st.booleans()):
        shape = draw(sample(draw(st.sampled_from([2, 3, 4])), (1, 8), 6))
    return shape, heads


@st.composite
def attention_case(draw):
    kind = draw(st.sampled_from(ATTENTION + ["vit"]))
    wild = anything(draw)
    shape, heads = draw(sequence(wild))
    if kind == "multihead_attention":
        args = {"num_heads": draw(st.integers(1, 5)) if wild else heads}
        args.update(draw(st.fixed_dictionaries({}, optional={
            "bias": st.booleans(), "dropout": st.sampled_from([0.0, 0.1, 0.5])})))
        if draw(st.booleans()):
            args["embed_dim"] = max(1, shape[-1] + (draw(st.integers(-1, 1)) if wild else 0))
        return shape, [("multihead_attention", args)]
    if kind == "class_token":
        if draw(st.booleans()):
            shape = draw(sample(draw(st.sampled_from([2, 3, 4])), (1, 8), 6))
        return shape, [("class_token", {})]
    if kind == "pos_embedding":
        if draw(st.booleans()):
            shape = draw(sample(draw(st.sampled_from([1, 2, 3, 4])), (1, 8), 6))
        return shape, [("pos_embedding", {})]
    if kind == "select":
        if draw(st.booleans()):
            shape = draw(sample(draw(st.sampled_from([2, 3, 4])), (1, 8), 6))
        rank = len(shape) + 1
        dim = draw(st.integers(-rank - 1, rank)) if wild else draw(st.sampled_from(
            [d for d in range(-rank + 1, rank) if d % rank]))
        axis = dim % rank if -rank <= dim < rank else 1
        size = shape[axis - 1] if axis else 1
        index = draw(st.integers(-size - 1, size)) if wild else draw(st.integers(-size, size - 1))
        return shape, [("select", {"dim": dim, "index": index})]
    length, dim = shape[0], shape[-1]
    mlp = draw(st.integers(1, 8))
    layers = [("class_token", {}), ("pos_embedding", {}),
              ("add", [[], [("layernorm", {"normalized_shape": dim}),
                            ("multihead_attention", {"num_heads": heads}),
                            ("dropout", {"p": 0.0})]]),
              ("add", [[], [("layernorm", {"normalized_shape": dim}),
                            ("linear", {"in_features": dim, "out_features": mlp}),
                            ("gelu", {}),
                            ("linear", {"in_features": mlp, "out_features": dim})]]),
              ("layernorm", {"normalized_shape": dim}), ("select", {"dim": 1, "index": 0}),
              ("linear", {"in_features": dim, "out_features": draw(st.integers(1, 5))})]
    return (length, dim), layers
