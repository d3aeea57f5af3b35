"""Per-channel layers of modern residual blocks (ConvNeXt): layer normalization over the
channel axis of a feature map, the learned layer scale, and stochastic depth."""

from __future__ import annotations

from .base import Arg, Call, LayerKind, Result, Shape, numel, register


@register
class ChannelLayerNorm(LayerKind):
    """Layer normalization over the channels at each position (torchvision's LayerNorm2d).

    Keras' LayerNormalization(axis=-1) on a channels-last map: C scales and C shifts."""

    base = "channel_layernorm"
    aliases_by_dim = {None: ("layernorm2d", "layer_norm2d")}
    arguments = (
        Arg("eps", "float", 1e-5, "added to the variance (torchvision's ConvNeXt: 1e-6)",
            aliases=("epsilon",), minimum=0),
        Arg("elementwise_affine", "bool", True, "learn a scale per channel",
            aliases=("affine", "scale")),
        Arg("bias", "bool", True, "learn a shift per channel", aliases=("center",)),
        Arg("num_channels", "int", None, "inferred; checked if written", minimum=1),
    )
    category = "normalization"

    def output_shape(self, call: Call) -> Shape:
        written = call.args["num_channels"]
        if written is not None and written != call.x[0]:
            raise call.error(f"num_channels is written as {written} but the input has "
                             f"{call.x[0]} channels", arg="num_channels",
                             hint=f"write num_channels: {call.x[0]} or leave it out")
        return call.x

    def weights(self, call: Call) -> int:
        """The learned scale, one per channel."""
        return call.x[0] if call.args["elementwise_affine"] else 0

    def biases(self, call: Call) -> int:
        """The learned shift, one per channel."""
        return call.x[0] if call.args["elementwise_affine"] and call.args["bias"] else 0

    def other_ops(self, call: Call) -> int:
        """One normalization per element, as the other normalization layers count it."""
        return numel(call.out)

    def torch_module(self, call: Result):
        from ..torch.modules import LayerNormChannels

        a = call.args
        return LayerNormChannels(call.x[0], eps=a["eps"], affine=a["elementwise_affine"],
                                 bias=a["bias"])


@register
class LayerScale(LayerKind):
    """A learned scale per channel, y = gamma_c * x (ConvNeXt's layer_scale); no MACs.

    An nn.Parameter of shape (C, 1, 1) in torchvision (CaiT's LayerScale): C parameters."""

    base = "layer_scale"
    arguments = (Arg("init", "float", 1e-6, "initial value of every gamma (torchvision's "
                     "ConvNeXt: 1e-6)"),)
    primary = "init"
    category = "normalization"

    def weights(self, call: Call) -> int:
        """One gamma per channel."""
        return call.x[0]

    def other_ops(self, call: Call) -> int:
        """One multiply per element: element-wise, like BatchNorm's scale, so no MAC (the
        rule of docs/conventions.md; FlopCounterMode counts none either)."""
        return numel(call.out)

    def torch_module(self, call: Result):
        from ..torch.modules import LayerScale as Module

        return Module(call.x[0], call.args["init"], len(call.x) - 1)


@register
class StochasticDepth(LayerKind):
    """Stochastic depth (torchvision.ops.StochasticDepth): the identity at inference.

    Drops a residual branch at random while training (Huang et al. 2016); no parameters,
    no arithmetic counted."""

    base = "stochastic_depth"
    aliases_by_dim = {None: ("drop_path",)}
    arguments = (
        Arg("p", "float", 0.0, "probability of dropping the branch while training",
            aliases=("rate", "drop_prob"), minimum=0),
        Arg("mode", "str", "row", "row: per sample; batch: the whole batch at once",
            choices=("row", "batch")),
    )
    primary = "p"

    def check_args(self, args, error) -> None:
        if args["p"] > 1:
            raise error(f"'p' is a probability between 0 and 1, got {args['p']}", "p")

    def torch_module(self, call: Result):
        from ..torch.modules import StochasticDepth as Module

        return Module(call.args["p"], call.args["mode"])


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
# Channels last, as Keras writes a map: LayerNorm2d is LayerNormalization on the last axis,
# the layer scale a small class the exported file defines (Keras has no layer for it; the
# signature of keras.applications' ConvNeXt LayerScale), stochastic depth a Dropout whose
# mask is one number per sample (noise_shape), which scales the kept rows by 1 / (1 - p) as
# torchvision's does, and is the identity at inference.

from .keras_part import (  # noqa: E402
    ANY,
    Converted,
    KerasClass,
    KerasSide,
    Refused,
    Use,
    Written,
    py,
)
from .norm import keras_layer_norm  # noqa: E402

ChannelLayerNorm.keras = KerasSide(  # read from LayerNormalization: the layernorm unit's
    write=lambda use: keras_layer_norm(use.args["eps"], use.args["elementwise_affine"],
                                       use.args["bias"]), summary="LayerNormalization")

_LAYER_SCALE = '''
class LayerScale(keras.layers.Layer):
    """A learned scale per channel (last axis), y = gamma * x: ConvNeXt's (cnncalc)."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = init_values, projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=keras.initializers.Constant(self.init_values))

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}
'''


def _keras_read_layer_scale(w: Written, n: int) -> Converted:
    init = w.get("init_values")
    w.get("projection_dim")  # the channels: Keras itself checks them against the input
    return "layer_scale", {"init": float(init)} if isinstance(init, (int, float)) else {}, None


def _keras_write_stochastic_depth(use: Use) -> str:
    p = use.args["p"]
    if p >= 1:
        raise Refused("p=1 drops every branch (torchvision multiplies by zero); Keras' "
                      "Dropout(rate=1) divides by zero")
    mask = (None if use.args["mode"] == "row" else 1, *(1,) * len(use.source))
    return f"layers.Dropout({p!r}, noise_shape={py(mask)}, name={{name!r}})"


LayerScale.keras = KerasSide(
    (KerasClass("LayerScale", ("init_values", "projection_dim"), _keras_read_layer_scale),),
    lambda use: f"LayerScale({use.args['init']!r}, {use.source[0]}, name={{name!r}})",
    helper=_LAYER_SCALE)
StochasticDepth.keras = KerasSide(write=_keras_write_stochastic_depth, layout=ANY,
                                  summary="Dropout")
