"""``interpolate``: resize a feature map to a size, by a factor, or to the size of another
tensor of the network (``size_of``), as torchvision's segmentation heads resize their output
to the input image's size with ``F.interpolate(x, size=input.shape[-2:])``.

``size_of`` names an earlier layer (or ``input``): the loader makes that layer a second input
of the node (``references``), so the engine, the debugger and the torch backend see the
dependency like any other edge of the graph, and a spec stays valid at any input size.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import SourcePos
from ..worked import Line, shape_text
from .base import Arg, Call, LayerKind, Receptive, Result, Shape, exact, register

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
"""Modes that work on one rank only (torch refuses the others)."""


@register
class Interpolate(LayerKind):
    """Resize to `size`, by `scale_factor`, or to the spatial size of the layer named by
    `size_of` (torch.nn.functional.interpolate: a function, no module)."""

    base = "interpolate"
    aliases_by_dim = {None: ("resize",)}
    arguments = (
        Arg("size_of", "str", None, "an earlier layer's name (or input): resize to its "
            "spatial size"),
        Arg("size", "ints", None, "output size per spatial axis", minimum=1),
        Arg("scale_factor", "ints", None, "integer factor per spatial axis", minimum=1),
        Arg("mode", "str", "nearest", "interpolation", choices=MODES),
        Arg("align_corners", "bool", None, "linear modes only (torch's default: false)"),
    )
    primary = "size_of"
    sample_args = {"scale_factor": 2}
    min_rank = 2
    category = "other"
    references: ClassVar[tuple[str, ...]] = ("size_of",)
    """Arguments that name another layer: the loader adds that layer as an input."""
    functional: ClassVar[bool] = True
    """torchvision calls F.interpolate: the row has no module of its own."""

    def validate(self, raw: dict[str, Any], arg_pos: dict[str, SourcePos],
                 pos: SourcePos | None, label: str) -> dict[str, Any]:
        """A layer named by a number (torchvision's ``"4"``) may be written unquoted."""
        value = raw.get("size_of")
        if isinstance(value, int) and not isinstance(value, bool):
            raw = {**raw, "size_of": str(value)}
        return super().validate(raw, arg_pos, pos, label)

    def check_args(self, args, error) -> None:
        given = [a for a in ("size_of", "size", "scale_factor") if args[a] is not None]
        if len(given) != 1:
            raise error("give exactly one of 'size_of', 'size' and 'scale_factor'"
                        + (f" (got {', '.join(given)})" if given else ""))
        if args["align_corners"] is not None and args["mode"] not in (*_RANK, ):
            raise error(f"align_corners works with the linear modes (linear, bilinear, "
                        f"bicubic, trilinear), not '{args['mode']}'", "align_corners")

    def output_shape(self, call: Call) -> Shape:
        mode = call.args["mode"]
        wants = _RANK.get(mode)
        if wants is not None and wants != call.ndim or call.ndim > 3:
            raise call.error(f"mode '{mode}' works on {wants or '1 to 3'} spatial axes but the "
                             f"input {call.fmt(call.x)} has {call.ndim}", arg="mode",
                             hint="use mode 'nearest' or the mode that matches the rank")
        if call.args["size_of"] is not None:
            if len(call.inputs) < 2:
                raise call.error("size_of names no layer here", arg="size_of")
            like = call.inputs[1]
            if len(like) != len(call.x):
                raise call.error(f"size_of: {call.args['size_of']} gives "
                                 f"{call.fmt(like)}, which has {len(like) - 1} spatial axes; "
                                 f"the input {call.fmt(call.x)} has {call.ndim}",
                                 arg="size_of", code="size_of_rank")
            return (call.x[0], *like[1:])
        if call.args["size"] is not None:
            return (call.x[0], *call.axes("size"))
        return (call.x[0], *(n * f for n, f in zip(call.x[1:], call.axes("scale_factor"))))

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        return rf.scaled(tuple(exact(o, n) for o, n in zip(call.out[1:], call.x[1:])))

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        a = call.args
        how = f"to the size of '{a['size_of']}'" if a["size_of"] is not None else \
            f"to size {a['size']}" if a["size"] is not None else f"by {a['scale_factor']}"
        return [Line("shape", f"{shape_text(call.x, layout)} resized {how} ({a['mode']}): "
                              f"{shape_text(call.out, layout)}"),
                Line("params", "params = 0 (F.interpolate has no module and no weights)")]

    def torch_module(self, call: Result):
        from ..torch.modules import Interpolate as Module

        a = call.args
        if a["size_of"] is not None:
            return Module(mode=a["mode"], align_corners=a["align_corners"])
        if a["size"] is not None:
            return Module(size=call.axes("size"), mode=a["mode"],
                          align_corners=a["align_corners"])
        return Module(scale_factor=tuple(float(f) for f in call.axes("scale_factor")),
                      mode=a["mode"], align_corners=a["align_corners"])


# -- Keras side (export --to keras) ----------------------------------------------------------
# Keras' Resizing and UpSampling resize with half-pixel centres and no antialiasing, as
# F.interpolate does with align_corners=False; the output size is known when the file is
# written, so ``size_of`` (another tensor's size) is written as that size. Keras' nearest
# rounds half-pixel centres where torch's 'nearest' floors: the two agree at whole factors
# only, and Keras' bicubic (a = -0.5) is not torch's (a = -0.75), so those are refused.
# ``cnncalc import keras`` reads Resizing and UpSampling as ``upsample`` (cnncalc.layers.misc).

from .keras_part import KerasSide, Refused, Use, axes, one, py  # noqa: E402


def _keras_write_interpolate(use: Use) -> str:
    a, rank = use.args, use.rank
    size = tuple(use.out[1:])
    factors = [o // n if o % n == 0 else None for o, n in zip(size, use.source[1:])]
    if a["scale_factor"] is not None:
        factors = list(axes(a["scale_factor"], rank))
    if a["mode"] == "nearest":
        if None in factors:
            raise Refused(f"Keras' nearest resize rounds where torch's floors: they agree at "
                          f"whole factors only, and {fmt(use.source[1:])} -> {fmt(size)} is "
                          "not one")
        return f"layers.UpSampling{rank}D({py(one(tuple(factors)))}, name={{name!r}})"
    if a["mode"] != "bilinear" or rank != 2 or a["align_corners"]:
        raise Refused(f"mode '{a['mode']}'" + (" with align_corners" if a["align_corners"]
                                               else f" on {rank} spatial axes")
                      + " has no Keras resize of the same values (Keras: bilinear on 2 axes, "
                        "align_corners false, or nearest at whole factors)")
    if a["scale_factor"] is not None:
        return (f"layers.UpSampling2D({py(one(tuple(factors)))}, interpolation='bilinear', "
                "name={name!r})")
    return f"layers.Resizing({size[0]}, {size[1]}, interpolation='bilinear', name={{name!r}})"


def fmt(size: tuple[int, ...]) -> str:
    return "x".join(map(str, size))


Interpolate.keras = KerasSide(write=_keras_write_interpolate)
