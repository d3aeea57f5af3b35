"""Differential, property-based tests: for random layers and small networks of every family,
in 1-D, 2-D and 3-D, the engine's verdict must equal PyTorch's: the same output shape,
parameters, buffers and MACs when PyTorch accepts the configuration, and a cnncalc error
exactly when PyTorch raises. The oracle (tests/torch_oracle.py) builds torch.nn layers from the
written arguments, never from the engine's figures; its docstring lists the documented
exclusions.

300 examples per family by default (the whole file runs in about a minute on 2 cores). For a
long run: ``CNNCALC_DIFF_EXAMPLES=10000 pytest -m torch tests/test_torch_differential.py``.
"""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch_oracle import compare  # noqa: E402

pytestmark = pytest.mark.torch

EXAMPLES = int(os.environ.get("CNNCALC_DIFF_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 300,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

dims = st.sampled_from([1, 2, 3])


def sizes(n: int, low: int = 1, high: int = 10):
    return st.tuples(*[st.integers(low, high)] * n)


def ints(n: int, low: int, high: int):
    """One integer or one per axis, as a user may write either."""
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=n,
                                                      max_size=n))


@st.composite
def feature_map(draw, n: int, channels=(1, 6), high: int = 10):
    c = draw(st.integers(*channels))
    spatial = draw(sizes(n, 1, high if n < 3 else 7))
    return (c, *spatial)


@st.composite
def conv_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n))
    padding = draw(st.one_of(ints(n, 0, 3), st.sampled_from(
        ["valid", "same", "full"] + (["causal"] if n == 1 else []))))
    args = {"out_channels": draw(st.integers(1, 6)), "kernel_size": draw(ints(n, 1, 5)),
            "stride": draw(ints(n, 1, 3)), "padding": padding,
            "dilation": draw(ints(n, 1, 3)), "groups": draw(st.sampled_from([1, 1, 2, 3])),
            "bias": draw(st.booleans()),
            "padding_mode": draw(st.sampled_from(["zeros"] * 5 + ["reflect", "replicate",
                                                                  "circular"]))}
    if draw(st.integers(0, 9)) == 0:  # a written in_channels, sometimes wrong
        args["in_channels"] = max(1, shape[0] + draw(st.integers(-1, 1)))
    return shape, [(f"conv{n}d", args)]


@st.composite
def conv_transpose_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n))
    args = {"out_channels": draw(st.integers(1, 6)), "kernel_size": draw(ints(n, 1, 5)),
            "stride": draw(ints(n, 1, 3)), "padding": draw(ints(n, 0, 3)),
            "output_padding": draw(ints(n, 0, 2)), "dilation": draw(ints(n, 1, 2)),
            "groups": draw(st.sampled_from([1, 1, 2, 3])), "bias": draw(st.booleans())}
    return shape, [(f"conv_transpose{n}d", args)]


@st.composite
def pool_case(draw):
    n = draw(dims)
    kind = draw(st.sampled_from(["maxpool", "avgpool"]))
    shape = draw(feature_map(n, (1, 3)))
    args = {"kernel_size": draw(ints(n, 1, 5)), "padding": draw(ints(n, 0, 2)),
            "ceil_mode": draw(st.booleans())}
    stride = draw(st.one_of(st.none(), ints(n, 1, 4)))
    if stride is not None:
        args["stride"] = stride
    if kind == "maxpool":
        args["dilation"] = draw(ints(n, 1, 2))
    return shape, [(f"{kind}{n}d", args)]


@st.composite
def adaptive_case(draw):
    n = draw(dims)
    kind = draw(st.sampled_from(["adaptive_avgpool", "adaptive_maxpool"]))
    return draw(feature_map(n, (1, 3))), [(f"{kind}{n}d",
                                           {"output_size": draw(ints(n, 1, 6))})]


@st.composite
def norm_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n))
    kind = draw(st.sampled_from(["batchnorm", "instancenorm", "groupnorm", "layernorm",
                                 "local_response_norm"]))
    if kind == "batchnorm":
        if draw(st.booleans()) and n == 1:
            shape = shape[:1]  # BatchNorm1d on [C] after a dense layer
        args = {"affine": draw(st.booleans()), "track_running_stats": draw(st.booleans())}
        return shape, [(f"batchnorm{max(1, len(shape) - 1)}d", args)]
    if kind == "instancenorm":
        args = {"affine": draw(st.booleans()), "track_running_stats": draw(st.booleans())}
        return shape, [(f"instancenorm{n}d", args)]
    if kind == "groupnorm":
        return shape, [("groupnorm", {"num_groups": draw(st.integers(1, 4)),
                                      "affine": draw(st.booleans())})]
    if kind == "layernorm":
        tail = draw(st.integers(1, len(shape)))
        norm = list(shape[len(shape) - tail:])
        if draw(st.booleans()):
            norm[0] += draw(st.integers(-1, 1))  # sometimes wrong
        args = {"normalized_shape": [max(1, v) for v in norm],
                "elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
        return shape, [("layernorm", args)]
    return shape, [("local_response_norm", {"size": draw(st.integers(1, 5))})]


@st.composite
def dense_case(draw):
    shape = (draw(st.integers(1, 40)),)
    layers = [("linear", {"out_features": draw(st.integers(1, 20)),
                          "bias": draw(st.booleans())})]
    if draw(st.integers(0, 4)) == 0:  # a written in_features, sometimes wrong
        layers[0][1]["in_features"] = max(1, shape[0] + draw(st.integers(-1, 1)))
    if draw(st.booleans()):
        layers.append(("batchnorm1d", {}))
    return shape, layers


@st.composite
def reshape_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n, (1, 4), 6))
    kind = draw(st.sampled_from(["flatten", "reshape", "global_avgpool", "global_maxpool",
                                 "softmax", "prelu"]))
    rank = len(shape) + 1
    if kind == "flatten":
        start = draw(st.integers(-rank, rank))
        if start == 0 or start == -rank:
            start = 1  # torch would merge the batch axis; cnncalc refuses (documented)
        args = {"start_dim": start, "end_dim": draw(st.integers(-rank, rank))}
    elif kind == "reshape":
        total = 1
        for s in shape:
            total *= s
        first = draw(st.sampled_from([d for d in range(1, total + 1) if total % d == 0]))
        args = {"shape": draw(st.sampled_from([[first, -1], [-1], [first, total // first],
                                               [first + 1, -1]]))}
    elif kind in ("global_avgpool", "global_maxpool"):
        args = {"keepdims": draw(st.booleans())}
    elif kind == "softmax":
        args = {"dim": draw(st.integers(-len(shape), len(shape)))}
    else:
        args = {"num_parameters": draw(st.sampled_from([1, shape[0], shape[0] + 1]))}
    return shape, [(kind, args)]


@st.composite
def resize_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n, (1, 3), 6))
    kind = draw(st.sampled_from(["upsample", "zeropad"]))
    if kind == "upsample":
        mode = draw(st.sampled_from(["nearest", "linear", "bilinear", "bicubic", "trilinear"]))
        if draw(st.booleans()):
            args = {"scale_factor": draw(ints(n, 1, 3)), "mode": mode}
        else:
            args = {"size": draw(ints(n, 1, 9)), "mode": mode}
        return shape, [("upsample", args)]
    padding = draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n,
                                                         max_size=n),
                             st.lists(st.integers(0, 3), min_size=2 * n, max_size=2 * n)))
    return shape, [(f"zeropad{n}d", {"padding": padding})]


@st.composite
def merge_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n, (1, 4), 8))
    kind = draw(st.sampled_from(["concat", "add", "multiply"]))
    branches = []
    for _ in range(2):
        branch = [("conv", {"out_channels": draw(st.sampled_from([1, 2, 3])),
                            "kernel_size": 1})]
        if draw(st.booleans()):
            branch.append(("maxpool", {"kernel_size": draw(st.sampled_from([1, 2])),
                                       "ceil_mode": draw(st.booleans())}))
        branches.append(branch)
    return shape, [(kind, branches)]


@st.composite
def chain_case(draw):
    """Small multi-layer networks: conv/pool/norm/activation stacks, then a dense head."""
    n = draw(dims)
    shape = draw(feature_map(n, (1, 4), 12 if n < 3 else 7))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.sampled_from(["conv", "pool", "bn", "relu", "convT"]))
        if choice == "conv":
            layers.append(("conv", {"out_channels": draw(st.integers(1, 6)),
                                    "kernel_size": draw(st.integers(1, 4)),
                                    "stride": draw(st.integers(1, 2)),
                                    "padding": draw(st.sampled_from([0, 1, "same", "valid"])),
                                    "dilation": draw(st.integers(1, 2))}))
        elif choice == "pool":
            layers.append((draw(st.sampled_from(["maxpool", "avgpool"])),
                           {"kernel_size": draw(st.integers(1, 3)),
                            "ceil_mode": draw(st.booleans())}))
        elif choice == "bn":
            layers.append(("batchnorm", {}))
        elif choice == "convT":
            layers.append(("conv_transpose", {"out_channels": draw(st.integers(1, 4)),
                                              "kernel_size": draw(st.integers(1, 3)),
                                              "stride": draw(st.integers(1, 2))}))
        else:
            layers.append(("relu", {}))
    if draw(st.booleans()):
        layers += [("flatten", {}), ("linear", {"out_features": draw(st.integers(1, 10))})]
    return shape, layers


FAMILIES = {
    "conv": conv_case(), "conv_transpose": conv_transpose_case(), "pool": pool_case(),
    "adaptive_pool": adaptive_case(), "norm": norm_case(), "dense": dense_case(),
    "reshape_global_softmax_prelu": reshape_case(), "upsample_zeropad": resize_case(),
    "merge": merge_case(), "chain": chain_case(),
}


@pytest.mark.parametrize("family", list(FAMILIES))
@SETTINGS
@given(data=st.data())
def test_engine_verdict_equals_pytorch(family: str, data) -> None:
    shape, layers = data.draw(FAMILIES[family], label="network")
    event(compare(shape, layers))
