"""Layers that move values between the channel axis and the spatial axes without arithmetic:
``pixel_shuffle`` (sub-pixel convolution's upscaling, Shi et al. 2016) and its inverse
``pixel_unshuffle`` (space-to-depth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from ..worked import Line, shape_text
from .base import Arg, Attempt, Call, LayerKind, Receptive, Result, Shape, register

if TYPE_CHECKING:
    from .fixes import FixContext


def _image(call: Call, kind: str) -> None:
    """torch's pixel (un)shuffle reads the last three axes as (C, H, W): a sample of another
    rank would have its batch or its channels taken for image axes, so cnncalc refuses it."""
    if len(call.x) != 3:
        raise call.error(f"{kind} works on a [C, H, W] image, got {call.fmt(call.x)} "
                         f"({len(call.x)}-D)", code="rank_mismatch")


@register
class PixelShuffle(LayerKind):
    """Rearrange C*r*r channels into an r-times larger image (torch.nn.PixelShuffle)."""

    base = "pixel_shuffle"
    arguments = (Arg("upscale_factor", "int", doc="r: each axis grows r times, channels "
                     "shrink r*r times", minimum=1),)
    primary = "upscale_factor"
    sample_args = {"upscale_factor": 2}       # the sample input has 4 channels
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        _image(call, "pixel_shuffle")
        r = call.args["upscale_factor"]
        c, h, w = call.x
        if c % (r * r):
            raise call.error(f"{c} channels are not divisible by upscale_factor^2 = {r}*{r} = "
                             f"{r * r}", arg="upscale_factor", code="shuffle_channels")
        return (c // (r * r), h * r, w * r)

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        """Each output pixel is one input value: outputs r times closer together."""
        r = call.args["upscale_factor"]
        return rf.scaled((r, r))

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        r = call.args["upscale_factor"]
        c, h, w = call.x
        return [Line("shape", f"C: {c} / ({r}*{r}) = {c // (r * r)}; H: {h}*{r} = {h * r}; "
                              f"W: {w}*{r} = {w * r}"),
                Line("shape", f"output shape: {shape_text(call.out, layout)}"),
                Line("params", "params = 0 (values are only moved)")]

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Channels not divisible by r*r: go on as if the layer before gave the next
        multiple of r*r."""
        if error.code == "shuffle_channels":
            r2 = call.args["upscale_factor"] ** 2
            fitted = (-(-call.x[0] // r2) * r2, *call.x[1:])
            return [([fitted], call.args, f"as if its input had {fitted[0]} channels")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code != "shuffle_channels":
            return super().suggest_fixes(ctx, error)
        r = ctx.node.args["upscale_factor"]
        c = ctx.inputs[0][0]
        up, down = -(-c // (r * r)) * r * r, c // (r * r) * r * r
        options = [f"out_channels: {up}"] + ([f"out_channels: {down}"] if down else [])
        return [f"the layer before must give a multiple of {r * r} channels: "
                + " or ".join(options) + f" (C_out * {r * r} for C_out output channels)"]

    def torch_module(self, call: Result):
        from torch import nn

        return nn.PixelShuffle(call.args["upscale_factor"])


@register
class PixelUnshuffle(LayerKind):
    """Fold each r x r block of pixels into channels: C*r*r channels, H/r x W/r
    (torch.nn.PixelUnshuffle, space-to-depth)."""

    base = "pixel_unshuffle"
    arguments = (Arg("downscale_factor", "int", doc="r: each axis shrinks r times, channels "
                     "grow r*r times", minimum=1),)
    primary = "downscale_factor"
    sample_args = {"downscale_factor": 2}     # the sample image is 6x6
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        _image(call, "pixel_unshuffle")
        r = call.args["downscale_factor"]
        c, h, w = call.x
        if h % r or w % r:
            raise call.error(f"the image {h}x{w} is not divisible by downscale_factor {r} "
                             "on every axis", arg="downscale_factor", code="unshuffle_size")
        return (c * r * r, h // r, w // r)

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        """Each output pixel holds an r x r block: a window of r, stride r."""
        r = call.args["downscale_factor"]
        return rf.through((r, r), (r, r), (0, 0))

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        r = call.args["downscale_factor"]
        c, h, w = call.x
        return [Line("shape", f"C: {c}*{r}*{r} = {c * r * r}; H: {h} / {r} = {h // r}; "
                              f"W: {w} / {r} = {w // r}"),
                Line("shape", f"output shape: {shape_text(call.out, layout)}"),
                Line("params", "params = 0 (values are only moved)")]

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """A size not divisible by r: go on as if the image were cropped to a multiple."""
        if error.code == "unshuffle_size":
            r = call.args["downscale_factor"]
            fitted = (call.x[0], *(n // r * r for n in call.x[1:]))
            if all(fitted[1:]):
                return [([fitted], call.args, f"as if its input were cropped to "
                                              f"{fitted[1]}x{fitted[2]}")]
            return []
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code != "unshuffle_size":
            return super().suggest_fixes(ctx, error)
        r = ctx.node.args["downscale_factor"]
        h, w = ctx.inputs[0][1:]
        grow = [(-(-n // r) * r - n) for n in (h, w)]
        pads = [v for g in grow for v in (g // 2, g - g // 2)]
        fixes = [f"zeropad: [{', '.join(map(str, pads))}] before it makes "
                 f"{h + grow[0]}x{w + grow[1]}, divisible by {r}"]
        if all(n // r for n in (h, w)):
            fixes.append(f"or center_crop: [{h // r * r}, {w // r * r}] before it")
        return fixes

    def torch_module(self, call: Result):
        from torch import nn

        return nn.PixelUnshuffle(call.args["downscale_factor"])


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
# keras.ops.depth_to_space / space_to_depth (channels last) read the channels as (r, r, C),
# TensorFlow's order; torch's pixel (un)shuffle reads them as (C, r, r). The same shape and
# no weights, but other values: the exported file defines a small class for each, in
# torch's order on a channels-last map, read back by ``cnncalc import keras`` only when
# written exactly so.

from .keras_part import Converted, KerasClass, KerasSide, Written, ints  # noqa: E402

_SHUFFLE = '''
class PixelShuffle(keras.layers.Layer):
    """torch.nn.PixelShuffle on a channels-last map: channels read as (C, r, r) (cnncalc)."""

    def __init__(self, upscale_factor, **kwargs):
        super().__init__(**kwargs)
        self.upscale_factor = upscale_factor

    def call(self, x):
        r, (h, w, c) = self.upscale_factor, tuple(x.shape[1:])
        x = keras.ops.reshape(x, (-1, h, w, c // (r * r), r, r))
        x = keras.ops.transpose(x, (0, 1, 4, 2, 5, 3))
        return keras.ops.reshape(x, (-1, h * r, w * r, c // (r * r)))

    def get_config(self):
        return {**super().get_config(), "upscale_factor": self.upscale_factor}
'''

_UNSHUFFLE = '''
class PixelUnshuffle(keras.layers.Layer):
    """torch.nn.PixelUnshuffle on a channels-last map: channels written as (C, r, r)
    (cnncalc)."""

    def __init__(self, downscale_factor, **kwargs):
        super().__init__(**kwargs)
        self.downscale_factor = downscale_factor

    def call(self, x):
        r, (h, w, c) = self.downscale_factor, tuple(x.shape[1:])
        x = keras.ops.reshape(x, (-1, h // r, r, w // r, r, c))
        x = keras.ops.transpose(x, (0, 1, 3, 5, 2, 4))
        return keras.ops.reshape(x, (-1, h // r, w // r, c * r * r))

    def get_config(self):
        return {**super().get_config(), "downscale_factor": self.downscale_factor}
'''


def _keras_reader(kind: str, arg: str):  # noqa: ANN202 - a small reader factory
    def read(w: Written, n: int) -> Converted:
        return kind, {arg: ints(w.get(arg), arg, w.cls)}, None
    return read


PixelShuffle.keras = KerasSide(
    (KerasClass("PixelShuffle", ("upscale_factor",),
                _keras_reader("pixel_shuffle", "upscale_factor")),),
    lambda use: f"PixelShuffle({use.args['upscale_factor']}, name={{name!r}})",
    helper=_SHUFFLE)
PixelUnshuffle.keras = KerasSide(
    (KerasClass("PixelUnshuffle", ("downscale_factor",),
                _keras_reader("pixel_unshuffle", "downscale_factor")),),
    lambda use: f"PixelUnshuffle({use.args['downscale_factor']}, name={{name!r}})",
    helper=_UNSHUFFLE)
