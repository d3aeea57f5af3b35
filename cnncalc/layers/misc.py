"""Layers that move or keep values without learning: identity, dropout, upsampling, padding,
cropping, and the Keras preprocessing layers that appear in tutorials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from .base import (
    Arg,
    Attempt,
    Call,
    LayerKind,
    Receptive,
    Result,
    Shape,
    exact,
    fmt_shape,
    register,
)
from .padding import SIDES_DOC, per_side

if TYPE_CHECKING:
    from .fixes import FixContext


@register
class Identity(LayerKind):
    """Passes its input through unchanged (the identity shortcut)."""

    base = "identity"

    def torch_module(self, call: Result):
        from torch import nn

        return nn.Identity()


@register
class Dropout(LayerKind):
    """Randomly zeroes elements while training (torch.nn.Dropout); no shape change."""

    base = "dropout"
    arguments = (Arg("p", "float", 0.5, "probability of zeroing", aliases=("rate",),
                     minimum=0),)
    primary = "p"

    def check_args(self, args, error) -> None:
        if args["p"] > 1:
            raise error(f"'p' is a probability between 0 and 1, got {args['p']}", "p")

    def torch_module(self, call: Result):
        from torch import nn

        return nn.Dropout(call.args["p"])


def _identity_module(call: Call):
    """Augmentation layers are the identity at inference, which is what verify and bench run."""
    from torch import nn

    return nn.Identity()


def _rescaling_module(call: Call):
    from ..torch.modules import Rescaling

    return Rescaling(call.args["scale"], call.args["offset"])


def _keras_layer(name: str, doc: str, arguments: tuple[Arg, ...] = (),
                 torch_build=_identity_module) -> type[LayerKind]:
    """Keras preprocessing/augmentation layers: no weights, no shape change."""
    cls = type(name.title().replace("_", ""), (LayerKind,), {
        "__doc__": doc, "base": name, "arguments": arguments, "__module__": __name__,
        "category": "preprocessing", "primary": arguments[0].name if arguments else None,
        "torch_module": lambda self, call: torch_build(call)})
    return register(cls)


_keras_layer("rescaling", "Multiply by a constant (Keras Rescaling); no weights.",
             (Arg("scale", "float", 1.0, "factor"), Arg("offset", "float", 0.0, "added after")),
             _rescaling_module)
_keras_layer("random_flip", "Random flips while training (Keras RandomFlip); no weights.",
             (Arg("mode", "str", "horizontal", "which flips",
                  choices=("horizontal", "vertical", "horizontal_and_vertical")),))
_keras_layer("random_rotation", "Random rotations while training (Keras RandomRotation).",
             (Arg("factor", "float", 0.1, "fraction of a full turn"),))
_keras_layer("random_zoom", "Random zoom while training (Keras RandomZoom); no weights.",
             (Arg("factor", "float", 0.1, "zoom range", aliases=("height_factor",)),))


@register
class Upsample(LayerKind):
    """Nearest or (bi/tri)linear upsampling by a factor or to a size (torch.nn.Upsample)."""

    base = "upsample"
    sample_args = {"scale_factor": 2}
    arguments = (
        Arg("scale_factor", "ints", None, "integer factor per spatial axis", minimum=1),
        Arg("size", "ints", None, "output size per spatial axis", minimum=1),
        Arg("mode", "str", "nearest", "interpolation",
            choices=("nearest", "linear", "bilinear", "bicubic", "trilinear")),
    )
    primary = "scale_factor"
    min_rank = 2

    def check_args(self, args, error) -> None:
        if (args["scale_factor"] is None) == (args["size"] is None):
            raise error("give exactly one of 'scale_factor' and 'size'")

    def output_shape(self, call: Call) -> Shape:
        mode = call.args["mode"]
        wants = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode)
        if wants is not None and wants != call.ndim or call.ndim > 3:
            raise call.error(f"mode '{mode}' works on {wants or '1 to 3'} spatial axes but the "
                             f"input {call.fmt(call.x)} has {call.ndim}", arg="mode",
                             hint="use mode 'nearest' or the mode that matches the rank")
        if call.args["size"] is not None:
            return (call.x[0], *call.axes("size"))
        return (call.x[0], *(n * f for n, f in zip(call.x[1:], call.axes("scale_factor"))))

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        return rf.scaled(tuple(exact(o, n) for o, n in zip(call.out[1:], call.x[1:])))

    def torch_module(self, call: Result):
        from torch import nn

        if call.args["size"] is not None:
            return nn.Upsample(size=call.axes("size"), mode=call.args["mode"])
        return nn.Upsample(scale_factor=tuple(float(f) for f in call.axes("scale_factor")),
                           mode=call.args["mode"])


@register
class ZeroPad(LayerKind):
    """Pad with zeros; `padding` is one integer, one per axis, or (before, after) per axis."""

    base = "zeropad"
    dims = (1, 2, 3, None)
    arguments = (Arg("padding", "any_ints", doc=SIDES_DOC, minimum=0),)
    primary = "padding"
    min_rank = 2

    def pads(self, call: Call) -> list[tuple[int, int]]:
        return per_side(call, "padding")

    def output_shape(self, call: Call) -> Shape:
        return (call.x[0], *(n + b + a for n, (b, a) in zip(call.x[1:], self.pads(call))))

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        pads = self.pads(call)
        return rf.through((1,) * call.ndim, (1,) * call.ndim, [b for b, _ in pads])

    def torch_module(self, call: Result):
        from ..torch.modules import Pad

        return Pad(tuple(self.pads(call)))


@register
class CenterCrop(LayerKind):
    """Cut the centre `size` out of each spatial axis (U-Net's crop before concatenation)."""

    base = "center_crop"
    aliases_by_dim = {None: ("crop",)}
    arguments = (Arg("size", "ints", doc="output size per spatial axis", minimum=1),)
    primary = "size"
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        size = call.axes("size")
        if any(s > n for s, n in zip(size, call.x[1:])):
            raise call.error(f"cannot crop {fmt_shape(call.x[1:])} to the larger "
                             f"{fmt_shape(size)}", arg="size", code="crop_too_large")
        return (call.x[0], *size)

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """A crop larger than the map: go on with the map as it is."""
        if error.code == "crop_too_large":
            return [(call.inputs, {**call.args, "size": tuple(call.x[1:])},
                     "as if it cropped nothing")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """A crop can only shrink: the padding that grows the map to the size instead."""
        if error.code != "crop_too_large":
            return super().suggest_fixes(ctx, error)
        spatial = ctx.inputs[0][1:]
        call = Call(dict(ctx.node.args), list(ctx.inputs), ndim=len(spatial))
        grow = [s - n for s, n in zip(call.per_axis("size"), spatial)]
        if all(g >= 0 and g % 2 == 0 for g in grow):
            half = [g // 2 for g in grow]
            pad = str(half[0]) if len(set(half)) == 1 else str(half)
            return [f"a crop only shrinks: to grow {fmt_shape(spatial)} to "
                    f"{fmt_shape(call.per_axis('size'))}, write zeropad: {pad} instead"]
        return [f"a crop only shrinks: size at most {fmt_shape(spatial)}"]

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        offsets = [-((n - s) // 2) for n, s in zip(call.x[1:], call.out[1:])]
        return rf.through((1,) * call.ndim, (1,) * call.ndim, offsets)

    def torch_module(self, call: Result):
        from ..torch.modules import CenterCrop

        return CenterCrop(call.axes("size"))


@register
class ChannelPad(LayerKind):
    """Append zero channels up to `out_channels`: the weightless residual shortcut of He et al.
    2015 (option A), used with a stride-2 subsample when the main path doubles its width."""

    base = "channel_pad"
    arguments = (Arg("out_channels", "int", doc="channels after padding (at least the input's)",
                     minimum=1),)
    primary = "out_channels"
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        want = call.args["out_channels"]
        if want < call.x[0]:
            raise call.error(f"cannot pad {call.x[0]} channels down to {want}",
                             arg="out_channels")
        return (want, *call.x[1:])

    def torch_module(self, call: Result):
        from ..torch.modules import ChannelPad

        return ChannelPad(call.args["out_channels"])


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
from typing import Any  # noqa: E402  (the section stays in one place, after the units)

from .base import REGISTRY  # noqa: E402
from .keras_part import (  # noqa: E402
    ANY,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Use,
    Written,
    axes,
    ints,
    keras_sides,
    one,
    pairs,
    py,
    sides_reader,
)


def _keras_shape_keeping(w: Written, n: int) -> Converted:
    """Augmentation layers with no weights and no shape change cnncalc has no kind for."""
    for name in list(w.args):
        w.read.add(name)
    return "identity", {}, None


def _keras_read_dropout(w: Written, n: int) -> Converted:
    rate = w.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise KerasLayerError(f"{w.cls}'s rate= must be a number in [0, 1), got {rate!r}",
                              "rate")
    return "dropout", {"p": float(rate)}, None


def _keras_read_rescaling(w: Written, n: int) -> Converted:
    scale, offset = w.get("scale"), w.get("offset", 0.0)
    for name, value in (("scale", scale), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise KerasLayerError(f"Rescaling's {name}= must be a number, got {value!r}", name)
    args: dict[str, Any] = {"scale": float(scale)}
    if offset:
        args["offset"] = float(offset)
    return "rescaling", args, None


def _keras_read_factor(kind: str, keras_name: str):  # noqa: ANN202
    def read(w: Written, n: int) -> Converted:
        value = w.get(keras_name)
        if isinstance(value, (list, tuple)) and value:
            value = max(abs(v) for v in value if isinstance(v, (int, float)))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise KerasLayerError(f"{w.cls}'s {keras_name}= must be a number, got {value!r}",
                                  keras_name)
        if kind == "random_zoom":
            w.get("width_factor")
        return kind, {"factor": float(value)}, None
    return read


def _keras_read_upsampling(w: Written, n: int) -> Converted:
    size = ints(w.get("size", 2), "size", w.cls)
    mode = w.get("interpolation", "nearest")
    args: dict[str, Any] = {"scale_factor": size}
    if mode != "nearest":
        modes = {1: "linear", 2: "bilinear", 3: "trilinear"}
        if mode != "bilinear":
            raise KerasLayerError(f"UpSampling interpolation={mode!r} is not read",
                                  "interpolation")
        args["mode"] = modes[n]
    return "upsample", args, None


def _keras_read_resizing(w: Written, n: int) -> Converted:
    height = ints(w.get("height"), "height", w.cls)
    width = ints(w.get("width"), "width", w.cls)
    mode = w.get("interpolation", "bilinear")
    return "upsample", {"size": (height, width),
                        "mode": "nearest" if mode == "nearest" else "bilinear"}, None


def _keras_write_upsample(use: Use) -> str | None:
    a, rank = use.args, use.rank
    if a["scale_factor"] is None:
        return None
    size = py(one(axes(a["scale_factor"], rank)))
    if a["mode"] == "nearest":
        return f"layers.UpSampling{rank}D({size}, name={{name!r}})"
    if a["mode"] == "bilinear" and rank == 2:
        return f"layers.UpSampling2D({size}, interpolation='bilinear', name={{name!r}})"
    return None


def _keras_write_center_crop(use: Use) -> str:
    """cnncalc's center crop (an odd remainder dropped at the end) as Keras' per-side crop."""
    sides = []
    for n, size in zip(use.source[1:], axes(use.args["size"], use.rank)):
        before = (n - size) // 2
        sides.append((before, n - size - before))
    return f"layers.Cropping{use.rank}D({py(pairs(sides))}, name={{name!r}})"


Identity.keras = KerasSide(
    (KerasClass("Identity", (), _keras_shape_keeping),
     *(KerasClass(name, positional, _keras_shape_keeping) for name, positional in (
         ("RandomContrast", ("factor",)), ("RandomTranslation", ("height_factor",
                                                                 "width_factor")),
         ("RandomBrightness", ("factor",)), ("GaussianNoise", ("stddev",)),
         ("GaussianDropout", ("rate",))))),
    lambda use: "layers.Identity(name={name!r})", layout=ANY)
Dropout.keras = KerasSide(
    (KerasClass("Dropout", ("rate", "noise_shape", "seed"), _keras_read_dropout),
     KerasClass("SpatialDropout{n}D", ("rate",), _keras_read_dropout, (1, 2, 3))),
    lambda use: f"layers.Dropout({use.args['p']!r}, name={{name!r}})", layout=ANY)
type(REGISTRY["rescaling"]).keras = KerasSide(
    (KerasClass("Rescaling", ("scale", "offset"), _keras_read_rescaling),),
    lambda use: f"layers.Rescaling({use.args['scale']!r}, offset={use.args['offset']!r}, "
                "name={name!r})")
type(REGISTRY["random_flip"]).keras = KerasSide(
    (KerasClass("RandomFlip", ("mode", "seed"), lambda w, n: (
        "random_flip", {"mode": w.get("mode", "horizontal_and_vertical")}, None)),),
    lambda use: f"layers.RandomFlip({use.args['mode']!r}, name={{name!r}})")
type(REGISTRY["random_rotation"]).keras = KerasSide(
    (KerasClass("RandomRotation", ("factor",), _keras_read_factor("random_rotation",
                                                                  "factor")),),
    lambda use: f"layers.RandomRotation({use.args['factor']!r}, name={{name!r}})")
type(REGISTRY["random_zoom"]).keras = KerasSide(
    (KerasClass("RandomZoom", ("height_factor", "width_factor"),
                _keras_read_factor("random_zoom", "height_factor")),),
    lambda use: f"layers.RandomZoom({use.args['factor']!r}, name={{name!r}})")
Upsample.keras = KerasSide(
    (KerasClass("UpSampling{n}D", ("size", "data_format", "interpolation"),
                _keras_read_upsampling, (1, 2, 3)),
     KerasClass("Resizing", ("height", "width", "interpolation"), _keras_read_resizing)),
    _keras_write_upsample)
ZeroPad.keras = KerasSide(
    (KerasClass("ZeroPadding{n}D", ("padding", "data_format"),
                sides_reader("zeropad", "padding", "padding", 1), (1, 2, 3), True),),
    lambda use: f"layers.ZeroPadding{use.rank}D("
                f"{py(keras_sides(use.args['padding'], use.rank))}, name={{name!r}})")
CenterCrop.keras = KerasSide(write=_keras_write_center_crop)
