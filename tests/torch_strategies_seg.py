"""Hypothesis strategies for the kinds of issue 12's segmentation work: pixel (un)shuffle,
the locally-connected convolution and ``interpolate`` (tests/torch_strategies.py's
conventions: mostly valid configurations, one time in four anything in the ranges)."""

from __future__ import annotations

from hypothesis import strategies as st
from torch_strategies import (
    anything,
    as_written,
    dims,
    feature_map,
    ints,
    per_axis,
    ranks,
    sample,
    spelled,
)


@st.composite
def shuffle_case(draw):
    """pixel_shuffle / pixel_unshuffle, alone or one after the other; every sample rank (torch
    and cnncalc both refuse all but [C, H, W])."""
    r = draw(st.integers(1, 3))
    if anything(draw):
        shape = draw(sample(draw(ranks), (1, 12), 9))
        kind = draw(st.sampled_from(["pixel_shuffle", "pixel_unshuffle"]))
        key = "upscale_factor" if kind == "pixel_shuffle" else "downscale_factor"
        return shape, [(kind, {key: r})]
    c = draw(st.integers(1, 3))
    h, w = (r * draw(st.integers(1, 4)) for _ in range(2))
    if draw(st.booleans()):
        layers = [("pixel_unshuffle", {"downscale_factor": r})]
        if draw(st.booleans()):
            layers.append(("pixel_shuffle", {"upscale_factor": draw(st.sampled_from(
                [1, r]))}))
        return (c, h, w), layers
    return (c * r * r, draw(st.integers(1, 5)), draw(st.integers(1, 5))), \
        [("pixel_shuffle", {"upscale_factor": r})]


@st.composite
def local_conv_case(draw):
    """local_conv in 1 to 3 spatial axes (Keras' spelling now and then), small maps so the
    oracle's loop over output positions stays quick."""
    n = draw(dims)
    kind = spelled(draw, "local_conv", n)
    if n < 3 and draw(st.integers(0, 4)) == 0:
        kind = f"locally_connected{n}d"
    padding = draw(st.one_of(ints(n, 0, 2), st.sampled_from(
        ["valid", "same", "full"] + (["causal"] if n == 1 else []))))
    if anything(draw):
        shape = draw(feature_map(n, (1, 3), 6 if n < 3 else 4))
        args = {"out_channels": draw(st.integers(1, 4)), "kernel_size": draw(ints(n, 1, 4)),
                "stride": draw(ints(n, 1, 3)), "padding": padding,
                "dilation": draw(ints(n, 1, 2)), "bias": draw(st.booleans())}
        return shape, [(kind, args)]
    kernel = draw(ints(n, 1, 3 if n < 3 else 2))
    dilation = draw(st.one_of(st.just(1), ints(n, 1, 2)))
    windows = [d * (k - 1) + 1 for k, d in zip(per_axis(kernel, n), per_axis(dilation, n))]
    high = 4 if n < 3 else 2
    shape = (draw(st.integers(1, 3)), *(w + draw(st.integers(0, high)) for w in windows))
    args = {"out_channels": draw(st.integers(1, 4)), "kernel_size": kernel,
            "stride": draw(ints(n, 1, 2)), "padding": padding, "dilation": dilation,
            "bias": draw(st.booleans())}
    return shape, [(kind, args)]


LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


NAMES = ["target", "stem", "4"]
"""Names for the layer ``size_of`` names; ``"4"`` as torchvision's numbered children."""


def _size_of(draw, name: str) -> str | int:
    """``size_of`` as written: a numbered name now and then unquoted (``size_of: 4``)."""
    return int(name) if name.isdigit() and draw(st.booleans()) else name


@st.composite
def _resize_target(draw, n: int, name: str):
    """A named layer whose spatial size another layer is resized to: a strided 1x1 max pool
    or conv (the conv changes the channels, which the resize must not take), or a resize
    by a factor."""
    kind = draw(st.sampled_from(["maxpool", "conv", "interpolate"]))
    if kind == "interpolate":
        return "interpolate", {"name": name, "scale_factor": draw(ints(n, 1, 2))}
    args = {"name": name, "kernel_size": 1, "stride": draw(ints(n, 1, 3))}
    if kind == "conv":
        args["out_channels"] = draw(st.integers(1, 4))
    return f"{kind}{n}d", args


@st.composite
def _named_target_anything(draw, shape, args):
    """``size_of`` naming a layer, drawn without regard to validity: a target of another
    rank (a flatten), or a name given only after the resize (both refused)."""
    name = draw(st.sampled_from(NAMES))
    target = (draw(st.sampled_from(["flatten", "identity", "relu"])), {"name": name})
    resize = ("interpolate", {**args, "size_of": _size_of(draw, name), "from": "input"})
    return shape, [target, resize] if draw(st.integers(0, 3)) else [resize, target]


@st.composite
def interpolate_case(draw):
    """interpolate to a size, by a factor, back to the network input's size after a strided
    conv (``size_of: input``), or to the size of a named layer of a small graph (``size_of:
    target``: the resize reads the input, a layer after the target, or the target itself);
    every sample rank. Maps stay small (at most 7 per axis, factors at most 5), so that one
    example costs milliseconds."""
    if anything(draw):
        shape = draw(sample(draw(ranks), (1, 3), 6))
        n = max(len(shape) - 1, 1)
        args = {draw(st.sampled_from(["size", "scale_factor", "size_of"])): None}
        key = next(iter(args))
        args[key] = "input" if key == "size_of" else draw(ints(n, 1, 5))
        if draw(st.booleans()):
            args["mode"] = draw(st.sampled_from(["nearest", "nearest-exact", "linear",
                                                 "bilinear", "bicubic", "trilinear", "area"]))
        if draw(st.integers(0, 3)) == 0:
            args["align_corners"] = draw(st.booleans())
        if draw(st.integers(0, 5)) == 0:  # two ways of giving the size: refused
            args["scale_factor" if key != "scale_factor" else "size"] = 2
        if key == "size_of" and draw(st.booleans()):
            return draw(_named_target_anything(shape, {k: v for k, v in args.items()
                                                       if k != "size_of"}))
        return shape, [("interpolate", args)]
    n = draw(dims)
    shape = draw(feature_map(n, (1, 3), 6 if n < 3 else 4))
    modes = ["nearest", "nearest-exact", "area", LINEAR[n]] + (["bicubic"] if n == 2 else [])
    mode = draw(st.sampled_from(modes))
    args = {"mode": mode}
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and draw(st.booleans()):
        args["align_corners"] = draw(st.booleans())
    how = draw(st.sampled_from(["size", "scale_factor", "size_of", "size_of_layer"]))
    layers = []
    if how == "size_of_layer":
        name = draw(st.sampled_from(NAMES))
        layers.append(draw(_resize_target(n, name)))
        args["size_of"] = _size_of(draw, name)
        source = draw(st.sampled_from(["target", "input", "after"]))
        if source == "input":
            args["from"] = "input"
        elif source == "after":
            layers.append((f"maxpool{n}d", {"from": "input", "kernel_size": 1,
                                            "stride": draw(ints(n, 1, 2))}))
    elif how == "size_of":
        layers.append((f"maxpool{n}d", {"kernel_size": 1, "stride": 2}))
        args["size_of"] = "input"
    elif how == "size":
        args["size"] = as_written(draw, [draw(st.integers(1, 7)) for _ in range(n)])
    else:
        args["scale_factor"] = as_written(draw, [draw(st.integers(1, 3)) for _ in range(n)])
    return shape, [*layers, ("interpolate" if draw(st.integers(0, 3)) else "resize", args)]
