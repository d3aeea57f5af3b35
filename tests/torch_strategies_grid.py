"""Strategies for MaxViT's ``partition_attention`` (``tests/torch_oracle_grid.py`` is its
oracle): window and grid partitions of small maps, head_dim dividing the channels or not,
maps the partition does or does not divide (non-square, smaller than the grid), now and then a
sample of another rank, and a MaxViT layer's pair (window, then grid) after a conv."""

from __future__ import annotations

from hypothesis import strategies as st
from torch_strategies import anything, sample


@st.composite
def partition_case(draw):
    wild = anything(draw)
    heads, head_dim = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    size = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["window", "grid"]))
    channels = heads * head_dim
    if wild:
        shape = (draw(st.integers(1, 8)), draw(st.integers(1, 12)), draw(st.integers(1, 12)))
        if draw(st.booleans()):
            shape = draw(sample(draw(st.sampled_from([1, 2, 4])), (1, 8), 8))
    else:
        side = size * draw(st.integers(1, 3))
        shape = (channels, side, side if kind == "grid" else size * draw(st.integers(1, 3)))
    args = {"head_dim": head_dim, "partition_size": size, "partition_type": kind}
    args.update(draw(st.fixed_dictionaries({}, optional={
        "mlp_ratio": st.integers(1, 4), "attention_dropout": st.sampled_from([0.0, 0.1]),
        "mlp_dropout": st.sampled_from([0.0, 0.5]),
        "p_stochastic_dropout": st.sampled_from([0.0, 0.2])})))
    if draw(st.integers(0, 4)) == 0:
        args["in_channels"] = max(1, shape[0] + (draw(st.integers(-1, 1)) if wild else 0))
    if draw(st.integers(0, 3)) == 0 and not wild:
        pair = {k: v for k, v in args.items() if k != "partition_type"}
        return shape, [("conv", {"out_channels": channels, "kernel_size": 1}),
                       ("partition_attention", {**pair, "partition_type": "window"}),
                       ("partition_attention", {**pair, "partition_type": "grid"})]
    return shape, [("partition_attention", args)]
