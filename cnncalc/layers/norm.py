"""Normalization layers: batch, layer, group, instance and local response normalization."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from .base import Arg, Call, LayerKind, Result, Shape, numel, register

if TYPE_CHECKING:
    from .fixes import FixContext


def _check_features(call: Call, arg: str = "num_features") -> int:
    channels = call.x[0]
    written = call.args.get(arg)
    if written is not None and written != channels:
        raise call.error(f"{arg} is written as {written} but the input has {channels} channels",
                         arg=arg, hint=f"write {arg}: {channels} or leave it out")
    return channels


class _PerChannelNorm(LayerKind):
    """Normalization with a learned scale and shift per channel (``affine``) and, when it
    keeps running statistics (``track_running_stats``), a running mean and variance per
    channel as buffers: the counting rules of batch and instance normalization."""

    category = "normalization"

    def output_shape(self, call: Call) -> Shape:
        _check_features(call)
        return call.x

    def weights(self, call: Call) -> int:
        """The learned scale, one per channel."""
        return call.x[0] if call.args["affine"] else 0

    def biases(self, call: Call) -> int:
        """The learned shift, one per channel."""
        return call.x[0] if call.args["affine"] else 0

    def buffers(self, call: Call) -> int:
        return 2 * call.x[0] if call.args["track_running_stats"] else 0

    def other_ops(self, call: Call) -> int:
        return numel(call.out)


@register
class BatchNorm(_PerChannelNorm):
    """Batch normalization (torch.nn.BatchNorm1d/2d/3d): scale and shift per channel."""

    base = "batchnorm"
    dims = (1, 2, 3, None)
    aliases_by_dim = {None: ("bn",)}  # BatchNormalization: its Keras side
    arguments = (
        Arg("eps", "float", 1e-5, "added to the variance", aliases=("epsilon",), minimum=0),
        Arg("momentum", "float", 0.1, "running statistics update rate", minimum=0),
        Arg("affine", "bool", True, "learn a scale and a shift per channel"),
        Arg("track_running_stats", "bool", True, "keep running mean and variance (buffers)"),
        Arg("num_features", "int", None, "inferred; checked if written", minimum=1),
    )

    def resolve_ndim(self, call: Call) -> int:
        # BatchNorm1d accepts [C] (after a dense layer) as well as [C, L].
        if self.ndim == 1 and len(call.x) == 1:
            return 0
        return super().resolve_ndim(call)

    def torch_module(self, call: Result):
        from torch import nn

        a = call.args
        return getattr(nn, f"BatchNorm{max(call.ndim, 1)}d")(
            call.x[0], eps=a["eps"], momentum=a["momentum"], affine=a["affine"],
            track_running_stats=a["track_running_stats"])


@register
class LayerNorm(LayerKind):
    """Layer normalization (torch.nn.LayerNorm) over the trailing `normalized_shape` axes
    (default: the whole sample; in a channels-last spec, Keras' axis=-1: the channels)."""

    base = "layernorm"
    arguments = (
        Arg("normalized_shape", "any_ints", None, "trailing axes to normalize over "
            "(default: the whole sample)", minimum=1),
        Arg("eps", "float", 1e-5, "added to the variance", aliases=("epsilon",), minimum=0),
        Arg("elementwise_affine", "bool", True, "learn a scale per normalized element"),
        Arg("bias", "bool", True, "learn a shift per normalized element"),
    )
    category = "normalization"

    @staticmethod
    def over_channels(call: Call | Result) -> bool:
        """Keras' LayerNormalization (axis=-1) in a channels-last spec: with no
        ``normalized_shape``, the channels at each position (as ``channel_layernorm``),
        not the whole sample."""
        return call.args["normalized_shape"] is None and call.layout == "hwc" and len(call.x) > 1

    def shape_of(self, call: Call) -> tuple[int, ...]:
        written = call.args["normalized_shape"]
        if self.over_channels(call):
            return (call.x[0],)
        if written is None:
            return call.x
        return written if isinstance(written, tuple) else (written,)

    def output_shape(self, call: Call) -> Shape:
        if self.over_channels(call):
            return call.x
        norm = self.shape_of(call)
        if tuple(call.x[len(call.x) - len(norm):]) != tuple(norm) or len(norm) > len(call.x):
            raise call.error(f"normalized_shape {list(norm)} does not match the trailing axes "
                             f"of the input {call.fmt(call.x)}", arg="normalized_shape")
        return call.x

    def weights(self, call: Call) -> int:
        return numel(self.shape_of(call)) if call.args["elementwise_affine"] else 0

    def biases(self, call: Call) -> int:
        affine = call.args["elementwise_affine"] and call.args["bias"]
        return numel(self.shape_of(call)) if affine else 0

    def other_ops(self, call: Call) -> int:
        return numel(call.out)

    def torch_module(self, call: Result):
        from torch import nn

        a = call.args
        if self.over_channels(call):
            from ..torch.modules import LayerNormChannels

            return LayerNormChannels(call.x[0], eps=a["eps"], affine=a["elementwise_affine"],
                                     bias=a["bias"])
        return nn.LayerNorm(self.shape_of(call), eps=a["eps"],
                            elementwise_affine=a["elementwise_affine"], bias=a["bias"])


@register
class GroupNorm(LayerKind):
    """Group normalization (torch.nn.GroupNorm): channels split into groups."""

    base = "groupnorm"
    sample_args = {"num_groups": 2}
    arguments = (
        Arg("num_groups", "int", doc="number of channel groups", aliases=("groups",), minimum=1),
        Arg("eps", "float", 1e-5, "added to the variance", aliases=("epsilon",), minimum=0),
        Arg("affine", "bool", True, "learn a scale and a shift per channel"),
        Arg("num_channels", "int", None, "inferred; checked if written", minimum=1),
    )
    primary = "num_groups"
    category = "normalization"

    def output_shape(self, call: Call) -> Shape:
        channels = _check_features(call, "num_channels")
        if channels % call.args["num_groups"]:
            raise call.error(f"num_groups={call.args['num_groups']} does not divide the "
                             f"{channels} channels", arg="num_groups", code="groups_mismatch")
        return call.x

    def weights(self, call: Call) -> int:
        return call.x[0] if call.args["affine"] else 0

    def biases(self, call: Call) -> int:
        return call.x[0] if call.args["affine"] else 0

    def other_ops(self, call: Call) -> int:
        return numel(call.out)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "groups_mismatch":
            from .fixes import groups

            return groups(ctx)
        return super().suggest_fixes(ctx, error)

    def torch_module(self, call: Result):
        from torch import nn

        return nn.GroupNorm(call.args["num_groups"], call.x[0], eps=call.args["eps"],
                            affine=call.args["affine"])


@register
class InstanceNorm(_PerChannelNorm):
    """Instance normalization (torch.nn.InstanceNorm1d/2d/3d), per sample and channel."""

    base = "instancenorm"
    dims = (1, 2, 3, None)
    arguments = (
        Arg("eps", "float", 1e-5, "added to the variance", aliases=("epsilon",), minimum=0),
        Arg("affine", "bool", False, "learn a scale and a shift per channel"),
        Arg("track_running_stats", "bool", False, "keep running statistics (buffers)"),
        Arg("num_features", "int", None, "inferred; checked if written", minimum=1),
    )
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        super().output_shape(call)
        if numel(call.x[1:]) == 1 and not call.args["track_running_stats"]:
            raise call.error(f"instance normalization of {call.fmt(call.x)} normalizes over a "
                             "single spatial element (PyTorch refuses: its variance is 0)",
                             hint="normalize before the spatial size reaches 1, or use "
                                  "batchnorm")
        return call.x

    def torch_module(self, call: Result):
        from torch import nn

        a = call.args
        return getattr(nn, f"InstanceNorm{call.ndim}d")(
            call.x[0], eps=a["eps"], affine=a["affine"],
            track_running_stats=a["track_running_stats"])


@register
class LocalResponseNorm(LayerKind):
    """Local response normalization across neighbouring channels (AlexNet 2012); no weights."""

    base = "local_response_norm"
    sample_args = {"size": 3}
    aliases_by_dim = {None: ("lrn",)}
    arguments = (
        Arg("size", "int", doc="neighbouring channels in the sum", minimum=1),
        Arg("alpha", "float", 1e-4, "scale"),
        Arg("beta", "float", 0.75, "exponent"),
        Arg("k", "float", 1.0, "additive constant"),
    )
    primary = "size"
    category = "normalization"
    min_rank = 2

    def other_ops(self, call: Call) -> int:
        return numel(call.out) * call.args["size"]

    def torch_module(self, call: Result):
        from torch import nn

        a = call.args
        return nn.LocalResponseNorm(a["size"], alpha=a["alpha"], beta=a["beta"], k=a["k"])


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
from typing import Any  # noqa: E402  (the section stays in one place, after the units)

from .keras_part import (  # noqa: E402
    AS_IS,
    CHANNELS_LAST,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Refused,
    Use,
    Written,
)


def _keras_read_batchnorm(w: Written, n: int) -> Converted:
    axis = w.get("axis", -1)
    if axis not in (-1, [-1], (-1,)):
        raise KerasLayerError(f"{w.cls}(axis={axis!r}): cnncalc normalizes channels "
                              "(axis=-1) only", "axis")
    center, scale = w.get("center", True), w.get("scale", True)
    if center != scale:
        raise KerasLayerError(f"{w.cls}(center={center}, scale={scale}): a scale without a "
                              "shift (or the reverse) is not expressible", "center")
    eps = w.get("epsilon", 1e-3)
    args: dict[str, Any] = {"eps": float(eps)} if isinstance(eps, (int, float)) else {}
    if not center:
        args["affine"] = False
    return "batchnorm", args, None


def _keras_write_batchnorm(use: Use) -> str:
    a = use.args
    if not a["track_running_stats"]:
        raise Refused("Keras' BatchNormalization always keeps moving statistics")
    affine = "" if a["affine"] else ", center=False, scale=False"
    return f"layers.BatchNormalization(epsilon={a['eps']!r}{affine}, name={{name!r}})"


BatchNorm.keras = KerasSide((KerasClass(
    "BatchNormalization", ("axis", "momentum", "epsilon", "center", "scale"),
    _keras_read_batchnorm, spelling=True),), _keras_write_batchnorm)
def _keras_layernorm_layout(use: Use) -> str:
    """Over the channels of a Keras-style spec's map: Keras' own layout; over the trailing
    axis of the spec's own order (nn.LayerNorm after a permute): that axis last."""
    return CHANNELS_LAST if use.layout == "hwc" and use.args["normalized_shape"] is None \
        else AS_IS


def _keras_write_layernorm(use: Use) -> str:
    a = use.args
    norm = a["normalized_shape"]
    one_axis = len(use.source) == 1 or use.layout == "hwc" and norm is None or \
        isinstance(norm, int) or isinstance(norm, tuple) and len(norm) == 1
    if not one_axis:
        raise Refused("a LayerNorm over several axes is Keras' LayerNormalization(axis=[...]),"
                      " which cnncalc does not write yet (one axis only)")
    return keras_layer_norm(a["eps"], a["elementwise_affine"], a["bias"])


def keras_layer_norm(eps: float, affine: bool, bias: bool) -> str:
    """LayerNormalization on the last axis: gamma and beta of its size, as PyTorch's weight
    and bias (Keras' epsilon default is 1e-3: always written)."""
    flags = "" if affine and bias else ", center=False" if affine else \
        ", center=False, scale=False"
    return f"layers.LayerNormalization(epsilon={eps!r}{flags}, name={{name!r}})"


def keras_read_layer_norm(w: Written, n: int) -> Converted:
    """Keras' LayerNormalization on the last axis: the channels of a channels-last map, or
    the features of a flat input."""
    axis = w.get("axis", -1)
    if axis not in (-1, [-1], (-1,)):
        raise KerasLayerError(f"{w.cls}(axis={axis!r}): cnncalc reads axis=-1 (the "
                              "channels) only", "axis")
    if w.get("rms_scaling", False):
        raise KerasLayerError(f"{w.cls}(rms_scaling=True) is not read", "rms_scaling")
    center, scale = w.get("center", True), w.get("scale", True)
    if center and not scale:
        raise KerasLayerError(f"{w.cls}(center=True, scale=False): a shift without a scale "
                              "is not expressible", "center")
    eps = w.get("epsilon", 1e-3)
    args: dict[str, Any] = {"eps": float(eps)} if isinstance(eps, (int, float)) else {}
    if not scale:
        args["elementwise_affine"] = False
    elif not center:
        args["bias"] = False
    return "channel_layernorm", args, None


LayerNorm.keras = KerasSide(
    (KerasClass("LayerNormalization", ("axis", "epsilon", "center", "scale", "rms_scaling"),
                keras_read_layer_norm, spelling=True),),
    _keras_write_layernorm, layout=_keras_layernorm_layout)
GroupNorm.keras = KerasSide(summary="GroupNormalization")
