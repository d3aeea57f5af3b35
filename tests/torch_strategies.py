"""Hypothesis strategies for the differential tests: random networks written the way a user
writes a spec, one family per group of layer kinds, in every dimensionality a kind takes.

A network is ``(input_shape, [(kind, args), ...])``; a merge's args are its branches. Each
family draws two kinds of configuration: mostly ones built to be valid (sizes at least the
window, groups that divide the channels, padding a pool can take), so that most examples
exercise the figures and not only the refusals, and, one time in four or so, anything at
all in the argument ranges, which PyTorch mostly refuses and the engine must refuse too.
"""

from __future__ import annotations

from hypothesis import strategies as st

dims = st.sampled_from([1, 2, 3])
ranks = st.sampled_from([1, 2, 3, 4])
"""Sample ranks, batch excluded: a flat [C] and feature maps with 1 to 3 spatial axes."""

FLOATS = st.floats(-4, 4, allow_nan=False).map(lambda v: round(v, 3))
"""Rounded so that JSON writes them as YAML floats (``1e-05`` would load as a string)."""


def sizes(n: int, low: int = 1, high: int = 10):
    return st.tuples(*[st.integers(low, high)] * n)


def ints(n: int, low: int, high: int):
    """One integer or one per axis, as a user may write either."""
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=n,
                                                      max_size=n))


def per_axis(value, n: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else (value,) * n


def as_written(draw, values) -> int | list[int]:
    """Per-axis values as a user writes them: one integer when they are all equal (now and
    then), else the list."""
    values = list(values)
    return values[0] if len(set(values)) == 1 and draw(st.booleans()) else values


def anything(draw) -> bool:
    """One time in four: a configuration drawn without regard to validity."""
    return draw(st.integers(0, 3)) == 0


def spelled(draw, base: str, n: int) -> str:
    """The explicit spelling (``conv2d``) or, one time in three, the rank-generic one."""
    return base if draw(st.integers(0, 2)) == 0 else f"{base}{n}d"


@st.composite
def feature_map(draw, n: int, channels=(1, 6), high: int = 10):
    c = draw(st.integers(*channels))
    spatial = draw(sizes(n, 1, high if n < 3 else 7))
    return (c, *spatial)


@st.composite
def sample(draw, rank: int, channels=(1, 6), high: int = 8):
    """A sample of ``rank`` axes: flat ``[C]`` or a feature map."""
    if rank == 1:
        return (draw(st.integers(*channels)),)
    return draw(feature_map(rank - 1, channels, high))


@st.composite
def fitting_map(draw, channels: int, windows, pads, high: int = 5):
    """A map whose every axis is at least its window (``windows``) minus both paddings."""
    return (channels, *(max(1, w - 2 * p) + draw(st.integers(0, high))
                        for w, p in zip(windows, pads)))


@st.composite
def conv_case(draw):
    n = draw(dims)
    kind = spelled(draw, "conv", n)
    if anything(draw):
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
        return shape, [(kind, args)]
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    big = 4 if n < 3 else 3
    kernel = draw(ints(n, 1, big))
    dilation = draw(st.one_of(st.just(1), ints(n, 1, 2)))
    stride = draw(ints(n, 1, 3))
    padding = draw(st.one_of(ints(n, 0, 2), st.sampled_from(
        ["valid", "same", "full"] + (["causal"] if n == 1 else []))))
    mode = draw(st.sampled_from(["zeros"] * 4 + ["reflect", "replicate", "circular"]))
    windows = [d * (k - 1) + 1 for k, d in zip(per_axis(kernel, n), per_axis(dilation, n))]
    pads = (0,) * n if isinstance(padding, str) else per_axis(padding, n)
    if mode != "zeros":  # reflect/circular padding needs an input larger than the padding
        windows = [max(w, p + 1) for w, p in zip(windows, pads)]
        pads = (0,) * n
    shape = draw(fitting_map(groups * draw(st.integers(1, 2)), windows, pads,
                             4 if n < 3 else 2))
    args = {"out_channels": groups * draw(st.integers(1, 3)), "kernel_size": kernel,
            "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
            "bias": draw(st.booleans()), "padding_mode": mode}
    return shape, [(kind, args)]


@st.composite
def conv_transpose_case(draw):
    n = draw(dims)
    kind = spelled(draw, "conv_transpose", n)
    if anything(draw):
        shape = draw(feature_map(n))
        args = {"out_channels": draw(st.integers(1, 6)), "kernel_size": draw(ints(n, 1, 5)),
                "stride": draw(ints(n, 1, 3)), "padding": draw(ints(n, 0, 3)),
                "output_padding": draw(ints(n, 0, 2)), "dilation": draw(ints(n, 1, 2)),
                "groups": draw(st.sampled_from([1, 1, 2, 3])), "bias": draw(st.booleans())}
        return shape, [(kind, args)]
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    kernel = per_axis(draw(ints(n, 1, 4)), n)
    stride = per_axis(draw(ints(n, 1, 3)), n)
    dilation = per_axis(draw(st.one_of(st.just(1), ints(n, 1, 2))), n)
    # output_padding must be smaller than the stride or the dilation
    output_padding = [draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)]
    # padding removes from both sides of (n-1)*s + d*(k-1) + 1 + output_padding
    padding = [draw(st.integers(0, (d * (k - 1)) // 2)) for k, d in zip(kernel, dilation)]
    shape = (groups * draw(st.integers(1, 2)), *draw(sizes(n, 1, 8 if n < 3 else 5)))
    args = {"out_channels": groups * draw(st.integers(1, 3)),
            "kernel_size": as_written(draw, kernel), "stride": as_written(draw, stride),
            "padding": as_written(draw, padding),
            "output_padding": as_written(draw, output_padding),
            "dilation": as_written(draw, dilation), "groups": groups,
            "bias": draw(st.booleans())}
    return shape, [(kind, args)]


@st.composite
def pool_case(draw):
    n = draw(dims)
    base = draw(st.sampled_from(["maxpool", "avgpool"]))
    kind = spelled(draw, base, n)
    if anything(draw):
        shape = draw(feature_map(n, (1, 3)))
        args = {"kernel_size": draw(ints(n, 1, 5)), "padding": draw(ints(n, 0, 2)),
                "ceil_mode": draw(st.booleans())}
        stride = draw(st.one_of(st.none(), ints(n, 1, 4)))
        if stride is not None:
            args["stride"] = stride
        if base == "maxpool":
            args["dilation"] = draw(ints(n, 1, 2))
        return shape, [(kind, args)]
    kernel = per_axis(draw(ints(n, 1, 4 if n < 3 else 3)), n)
    dilation = per_axis(draw(st.one_of(st.just(1), ints(n, 1, 2))), n) if base == "maxpool" \
        else (1,) * n
    windows = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    padding = [draw(st.integers(0, w // 2)) for w in windows]  # at most half the window
    # avg_pool3d wants the unpadded input at least the kernel
    pads = (0,) * n if base == "avgpool" and n == 3 else padding
    args = {"kernel_size": as_written(draw, kernel), "padding": as_written(draw, padding),
            "ceil_mode": draw(st.booleans())}
    if draw(st.booleans()):
        args["stride"] = draw(ints(n, 1, 3))
    if base == "maxpool":
        args["dilation"] = as_written(draw, dilation)
    shape = draw(fitting_map(draw(st.integers(1, 3)), windows, pads, 4 if n < 3 else 2))
    return shape, [(kind, args)]


@st.composite
def adaptive_case(draw):
    n = draw(dims)
    kind = spelled(draw, draw(st.sampled_from(["adaptive_avgpool", "adaptive_maxpool"])), n)
    return draw(feature_map(n, (1, 3))), [(kind, {"output_size": draw(ints(n, 1, 6))})]


@st.composite
def norm_case(draw):
    rank = draw(ranks)
    shape = draw(sample(rank, high=10 if rank < 4 else 7))
    n = rank - 1
    kind = draw(st.sampled_from(["batchnorm", "instancenorm", "groupnorm", "layernorm",
                                 "local_response_norm"]))
    if kind == "batchnorm":
        args = {"affine": draw(st.booleans()), "track_running_stats": draw(st.booleans())}
        return shape, [(spelled(draw, "batchnorm", max(n, 1)), args)]
    if kind == "instancenorm" and n > 0:
        args = {"affine": draw(st.booleans()), "track_running_stats": draw(st.booleans())}
        return shape, [(spelled(draw, "instancenorm", n), args)]
    if kind == "groupnorm":
        channels = shape[0]
        groups = draw(st.one_of(st.integers(1, 4), st.sampled_from(
            [g for g in range(1, channels + 1) if channels % g == 0])))
        return shape, [("groupnorm", {"num_groups": groups, "affine": draw(st.booleans())})]
    if kind == "local_response_norm" and n > 0:
        return shape, [("local_response_norm", {"size": draw(st.integers(1, 5))})]
    tail = draw(st.integers(1, len(shape)))
    norm = list(shape[len(shape) - tail:])
    if draw(st.integers(0, 3)) == 0:
        norm[0] += draw(st.integers(-1, 1))  # sometimes wrong
    args = {"normalized_shape": [max(1, v) for v in norm],
            "elementwise_affine": draw(st.booleans()), "bias": draw(st.booleans())}
    return shape, [("layernorm", args)]


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
def activation_case(draw):
    """Every elementwise kind, with its written arguments, on every rank."""
    rank = draw(ranks)
    shape = draw(sample(rank, (1, 4), 6))
    kind = draw(st.sampled_from([
        "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "silu",
        "hardswish", "hardsigmoid", "mish", "softplus", "softmax", "log_softmax", "prelu",
        "identity", "dropout", "rescaling", "random_flip", "random_rotation", "random_zoom"]))
    optional = {
        "leaky_relu": {"negative_slope": FLOATS}, "elu": {"alpha": FLOATS},
        "gelu": {"approximate": st.sampled_from(["none", "tanh", "tanh", "erf"])},
        "softplus": {"beta": FLOATS},
        # a dim from -rank to rank: rank itself is out of range in both
        "softmax": {"dim": st.integers(-rank, rank)},
        "log_softmax": {"dim": st.integers(-rank, rank)},
        "prelu": {"num_parameters": st.sampled_from([1, shape[0], shape[0], shape[0] + 1])},
        "dropout": {"p": st.sampled_from([0.0, 0.1, 0.5, 1.0, 1.5, -0.25])},
        "rescaling": {"scale": FLOATS, "offset": FLOATS},
        "random_flip": {"mode": st.sampled_from(
            ["horizontal", "vertical", "horizontal_and_vertical", "diagonal"])},
        "random_rotation": {"factor": st.floats(-1, 1).map(lambda v: round(v, 3))},
        "random_zoom": {"factor": st.floats(0, 1).map(lambda v: round(v, 3))},
    }.get(kind, {})
    return shape, [(kind, draw(st.fixed_dictionaries({}, optional=optional)))]


@st.composite
def reshape_case(draw):
    rank = draw(ranks)
    shape = draw(sample(rank, (1, 4), 6))
    kinds = ["flatten", "reshape"] + (["global_avgpool", "global_maxpool"] if rank > 1 else [])
    kind = draw(st.sampled_from(kinds))
    torch_rank = rank + 1
    if kind == "flatten":
        start = draw(st.integers(-torch_rank, torch_rank))
        if start == 0 or start == -torch_rank:
            start = 1  # torch would merge the batch axis; cnncalc refuses (documented)
        args = {"start_dim": start, "end_dim": draw(st.integers(-torch_rank, torch_rank))}
    elif kind == "reshape":
        total = 1
        for s in shape:
            total *= s
        first = draw(st.sampled_from([d for d in range(1, total + 1) if total % d == 0]))
        args = {"shape": draw(st.sampled_from([[first, -1], [-1], [first, total // first],
                                               [first + 1, -1]]))}
    else:
        args = {"keepdims": draw(st.booleans())}
    return shape, [(kind, args)]


@st.composite
def upsample_case(draw):
    n = draw(dims)
    shape = draw(feature_map(n, (1, 3), 6))
    fits = ["nearest", {1: "linear", 2: "bilinear", 3: "trilinear"}[n]] + (["bicubic"] if n == 2
                                                                           else [])
    mode = draw(st.sampled_from(fits)) if not anything(draw) else draw(st.sampled_from(
        ["nearest", "linear", "bilinear", "bicubic", "trilinear"]))
    if draw(st.booleans()):
        args = {"scale_factor": draw(ints(n, 1, 3)), "mode": mode}
    else:
        args = {"size": draw(ints(n, 1, 9)), "mode": mode}
    return shape, [("upsample", args)]


@st.composite
def sides_written(draw, n: int, high: int):
    """Keras' padding/cropping spellings: one integer, one per axis, (before, after) per axis,
    and one time in ten a list of a length that fits neither."""
    form = draw(st.integers(0, 9))
    if form == 0:
        length = draw(st.sampled_from([m for m in range(1, 8) if m not in (n, 2 * n)]))
        return draw(st.lists(st.integers(0, high), min_size=length, max_size=length))
    if form < 4:
        return draw(st.integers(0, high))
    return draw(st.lists(st.integers(0, high), min_size=n if form < 7 else 2 * n,
                         max_size=n if form < 7 else 2 * n))


@st.composite
def keeping_crop(draw, spatial: tuple[int, ...]):
    """A cropping that leaves at least one element of every axis, in each spelling."""
    form = draw(st.integers(0, 2))
    if form == 0:
        return draw(st.integers(0, (min(spatial) - 1) // 2))
    if form == 1:
        return [draw(st.integers(0, (size - 1) // 2)) for size in spatial]
    pairs = []
    for size in spatial:
        before = draw(st.integers(0, size - 1))
        pairs += [before, draw(st.integers(0, size - 1 - before))]
    return pairs


@st.composite
def border_case(draw):
    """Zero padding, cropping, centre crop and channel padding of 1-D, 2-D and 3-D maps;
    one time in ten a kind spelled for another rank, which both must refuse."""
    n = draw(dims)
    shape = draw(feature_map(n, (1, 4), 9 if n < 3 else 6))
    kind = draw(st.sampled_from(["zeropad", "cropping", "center_crop", "channel_pad"]))
    written_n = n if draw(st.integers(0, 9)) else draw(dims)
    if kind == "zeropad":
        return shape, [(spelled(draw, "zeropad", written_n),
                        {"padding": draw(sides_written(n, 3))})]
    if kind == "cropping":
        cropping = draw(sides_written(n, 4) if anything(draw) else keeping_crop(shape[1:]))
        return shape, [(spelled(draw, "cropping", written_n), {"cropping": cropping})]
    if kind == "center_crop":
        size = draw(ints(n, 1, 9)) if anything(draw) else [draw(st.integers(1, s))
                                                           for s in shape[1:]]
        return shape, [(draw(st.sampled_from(["center_crop", "crop"])), {"size": size})]
    extra = draw(st.integers(-1, 4))
    return shape, [("channel_pad", {"out_channels": max(1, shape[0] + extra)})]


@st.composite
def lenet_case(draw):
    """LeNet-5's connection-table convolution and trainable subsampling on 2-D maps, and its
    RBF output layer on flat inputs."""
    kind = draw(st.sampled_from(["table_conv2d", "subsample2d", "rbf"]))
    if kind == "rbf":
        return (draw(st.integers(1, 40)),), [("rbf", {"out_features": draw(st.integers(1,
                                                                                       12))})]
    channels = draw(st.integers(1, 6))
    if kind == "subsample2d":
        args = draw(st.fixed_dictionaries({}, optional={"kernel_size": ints(2, 1, 4),
                                                        "stride": ints(2, 1, 3)}))
        windows = per_axis(args.get("kernel_size", 2), 2)
        shape = draw(fitting_map(channels, windows, (0, 0), 6)) if not anything(draw) \
            else draw(feature_map(2, (channels, channels)))
        return shape, [(kind, args)]
    kernel = draw(ints(2, 1, 5))
    valid = not anything(draw)
    # each row: the input maps an output map reads (an index past the last map now and then)
    last = channels - 1 if valid else channels
    row = st.lists(st.integers(0, last), min_size=1 if valid else 0, max_size=channels)
    args = {"table": draw(st.lists(row, min_size=1, max_size=6)), "kernel_size": kernel,
            "stride": draw(ints(2, 1, 3)), "bias": draw(st.booleans())}
    shape = draw(fitting_map(channels, per_axis(kernel, 2), (0, 0), 6)) if valid else \
        draw(feature_map(2, (channels, channels)))
    return shape, [(kind, args)]


@st.composite
def merge_case(draw):
    rank = draw(ranks)
    shape = draw(sample(rank, (1, 4), 8))
    kind = draw(st.sampled_from(["concat", "add", "multiply"]))
    branches = []
    for _ in range(2):
        width = draw(st.sampled_from([1, 2, 3]))
        if rank == 1:
            branch = [("linear", {"out_features": width})]
        else:
            branch = [("conv", {"out_channels": width, "kernel_size": 1})]
            if draw(st.booleans()):
                branch.append(("maxpool", {"kernel_size": draw(st.sampled_from([1, 2])),
                                           "ceil_mode": draw(st.booleans())}))
        branches.append(branch)
    return shape, [(kind, branches)]


CHAIN_POINTWISE = ["relu", "tanh", "gelu", "hardswish", "identity", "dropout", "selu"]


@st.composite
def chain_case(draw):
    """Small multi-layer networks: conv/pool/norm/activation stacks, then a dense head."""
    n = draw(dims)
    shape = draw(feature_map(n, (1, 4), 12 if n < 3 else 7))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.sampled_from(["conv", "pool", "bn", "act", "convT", "pad"]))
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
        elif choice == "pad":
            amount = draw(st.integers(0, 1))
            layers.append(draw(st.sampled_from([("zeropad", {"padding": amount}),
                                                ("cropping", {"cropping": amount})])))
        else:
            layers.append((draw(st.sampled_from(CHAIN_POINTWISE)), {}))
    if draw(st.booleans()):
        layers += [("flatten", {}), ("linear", {"out_features": draw(st.integers(1, 10))})]
    return shape, layers


@st.composite
def unit_case(draw, names=None):
    """Any registered kind (or one of ``names``), from its unit's own ``examples``: the
    written arguments its rules accept, on the example's input or one with longer spatial
    axes. A new kind is drawn here without a strategy of its own; the hand-written families
    above go further into each kind's argument space. A merge joins two identity branches."""
    from cnncalc.layers.base import REGISTRY

    name = draw(st.sampled_from(sorted(names if names is not None else REGISTRY)))
    unit = REGISTRY[name]
    example = draw(st.sampled_from(unit.examples()))
    shape = example.input
    if len(shape) > 1 and draw(st.booleans()):
        shape = (shape[0], *(n + draw(st.integers(0, 4)) for n in shape[1:]))
    if unit.merges:
        return shape, [(name, [[("identity", {})], [("identity", {})]])]
    return shape, [(name, dict(example.args))]


MODERN = ["permute", "channel_shuffle", "chunk", "channel_layernorm", "layer_scale",
          "stochastic_depth", "linear"]
"""The kinds of ConvNeXt and ShuffleNetV2 (issue 12), drawn by ``modern_case``."""


@st.composite
def modern_case(draw):
    """Permute, channel shuffle, channel split, layer normalization over channels, layer
    scale, stochastic depth and a linear on the last axis, in every rank each takes; now and
    then a ConvNeXt block's channels-last sandwich (permute, LayerNorm, Linear, GELU, Linear,
    permute back, layer scale) or ShuffleNetV2's split-and-shuffle unit."""
    rank = draw(ranks)
    shape = draw(sample(rank, (1, 8), 6))
    kind = draw(st.sampled_from(MODERN + ["convnext_block", "shuffle_unit"]))
    wild = anything(draw)
    if kind == "permute":
        order = draw(st.permutations(list(range(1, rank + 1))))
        dims = [0, *order]
        if wild:
            dims = draw(st.lists(st.integers(-rank - 1, rank + 1), min_size=rank,
                                 max_size=rank + 2))
        elif draw(st.booleans()):                     # negative axes, as torch takes them
            dims = [d - (rank + 1) if d and draw(st.booleans()) else d for d in dims]
        return shape, [("permute", {"dims": dims})]
    if kind == "channel_shuffle":
        channels = shape[0]
        groups = draw(st.integers(1, 5)) if wild else draw(st.sampled_from(
            [g for g in range(1, channels + 1) if channels % g == 0]))
        return shape, [("channel_shuffle", {"groups": groups})]
    if kind == "chunk":
        chunks = draw(st.integers(1, 6))
        size = -(-shape[0] // chunks)
        pieces = -(-shape[0] // size)
        index = draw(st.integers(0, 6)) if wild else draw(st.integers(0, pieces - 1))
        return shape, [("chunk", {"chunks": chunks, "index": index})]
    if kind == "channel_layernorm":
        args = draw(st.fixed_dictionaries({}, optional={
            "eps": st.sampled_from([1e-5, 0.000001, 0.001]),
            "elementwise_affine": st.booleans(), "bias": st.booleans()}))
        if wild:
            args["num_channels"] = max(1, shape[0] + draw(st.integers(-1, 1)))
        return shape, [("channel_layernorm", args)]
    if kind == "layer_scale":
        return shape, [("layer_scale", draw(st.fixed_dictionaries({}, optional={
            "init": st.sampled_from([1e-6, 0.5, 1.0, -2.0])})))]
    if kind == "stochastic_depth":
        p = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0] + ([1.5, -0.1] if wild else [])))
        mode = draw(st.sampled_from(["row", "batch"] + (["sample"] if wild else [])))
        return shape, [("stochastic_depth", {"p": p, "mode": mode})]
    if kind == "linear":
        last = shape[-1]
        args = {"out_features": draw(st.integers(1, 8)), "bias": draw(st.booleans()),
                "in_features": max(1, last + (draw(st.integers(-1, 1)) if wild else 0))}
        if rank == 1 and draw(st.booleans()):
            del args["in_features"]
        return shape, [("linear", args)]
    if kind == "convnext_block" and rank > 1:
        c = shape[0]
        last = [0, *range(2, rank + 1), 1]
        back = [0, rank, *range(1, rank)]
        return shape, [("permute", {"dims": last}),
                       ("layernorm", {"normalized_shape": c, "eps": 0.000001}),
                       ("linear", {"in_features": c, "out_features": 4 * c}), ("gelu", {}),
                       ("linear", {"in_features": 4 * c, "out_features": c}),
                       ("permute", {"dims": back}), ("layer_scale", {"init": 0.5}),
                       ("stochastic_depth", {"p": 0.1})]
    if rank == 1:
        return shape, [("layer_scale", {})]
    half = -(-shape[0] // 2)
    return shape, [("concat", [[("chunk", {"chunks": 2, "index": 0})],
                               [("chunk", {"chunks": 2, "index": 1 if shape[0] > 1 else 0}),
                                ("conv", {"out_channels": half, "kernel_size": 1})]]),
                   ("channel_shuffle", {"groups": 2 if wild or shape[0] > 1 else 1})]
