"""Elementwise activations: shape unchanged, no weights (PReLU aside), one op per element."""

from __future__ import annotations

from .base import Arg, Call, LayerKind, Result, Shape, numel, register


class _Activation(LayerKind):
    category = "activation"
    torch_name: str = ""

    def output_shape(self, call: Call) -> Shape:
        dim = call.args.get("dim")
        if dim is not None and not -len(call.x) <= dim < len(call.x):
            raise call.error(f"dim {dim} is out of range for the sample {call.fmt(call.x)} "
                             f"(axes {-len(call.x)}..{len(call.x) - 1}, batch excluded)",
                             arg="dim")
        return call.x

    def other_ops(self, call: Call) -> int:
        return numel(call.out)

    def torch_module(self, call: Result):
        """``torch.nn.<torch_name>(**args)``; a ``dim`` counts the batch axis in torch."""
        from torch import nn

        args = dict(call.args)
        if "dim" in args and args["dim"] >= 0:
            args["dim"] += 1
        return getattr(nn, self.torch_name)(**args)


def _activation(name: str, torch_name: str, doc: str, arguments: tuple[Arg, ...] = (),
                aliases: tuple[str, ...] = (), primary: str | None = None) -> type[LayerKind]:
    """Declare one parameterless activation unit; they differ only in name and arguments."""
    cls = type(torch_name, (_Activation,), {
        "__doc__": doc, "base": name, "torch_name": torch_name, "arguments": arguments,
        "aliases_by_dim": {None: aliases}, "primary": primary, "__module__": __name__,
    })
    return register(cls)


_activation("relu", "ReLU", "max(0, x) (torch.nn.ReLU).")
_activation("relu6", "ReLU6", "min(max(0, x), 6) (torch.nn.ReLU6), MobileNet's activation.")
_activation("leaky_relu", "LeakyReLU", "x, or slope * x below zero (torch.nn.LeakyReLU).",
            (Arg("negative_slope", "float", 0.01, "slope below zero", aliases=("alpha",)),),
            primary="negative_slope")
_activation("elu", "ELU", "Exponential linear unit (torch.nn.ELU).",
            (Arg("alpha", "float", 1.0, "saturation value"),), primary="alpha")
_activation("selu", "SELU", "Scaled ELU (torch.nn.SELU).")
_activation("gelu", "GELU", "Gaussian error linear unit (torch.nn.GELU).",
            (Arg("approximate", "str", "none", "tanh approximation", choices=("none", "tanh")),))
_activation("sigmoid", "Sigmoid", "1 / (1 + exp(-x)) (torch.nn.Sigmoid).")
_activation("tanh", "Tanh", "Hyperbolic tangent (torch.nn.Tanh).")
_activation("silu", "SiLU", "x * sigmoid(x) (torch.nn.SiLU), also called swish.",
            aliases=("swish",))
_activation("hardswish", "Hardswish", "MobileNetV3's hard swish (torch.nn.Hardswish).")
_activation("hardsigmoid", "Hardsigmoid", "Piecewise-linear sigmoid (torch.nn.Hardsigmoid).")
_activation("mish", "Mish", "x * tanh(softplus(x)) (torch.nn.Mish).")
_activation("softplus", "Softplus", "log(1 + exp(x)) (torch.nn.Softplus).",
            (Arg("beta", "float", 1.0, "sharpness"),))
_activation("softmax", "Softmax", "Normalized exponentials over an axis (torch.nn.Softmax).",
            (Arg("dim", "int", 0, "axis of the sample (batch excluded) to normalize over"),))
_activation("log_softmax", "LogSoftmax", "log(softmax(x)) (torch.nn.LogSoftmax).",
            (Arg("dim", "int", 0, "axis of the sample (batch excluded) to normalize over"),))


@register
class PReLU(_Activation):
    """Leaky ReLU with a learned slope (torch.nn.PReLU): 1 or one per channel."""

    base = "prelu"
    arguments = (Arg("num_parameters", "int", 1, "1, or the number of channels", minimum=1),)
    primary = "num_parameters"
    torch_name = "PReLU"

    def output_shape(self, call: Call) -> Shape:
        n = call.args["num_parameters"]
        if n not in (1, call.x[0]):
            raise call.error(f"num_parameters must be 1 or the {call.x[0]} channels, got {n}",
                             arg="num_parameters")
        return call.x

    def weights(self, call: Call) -> int:
        """The learned slopes."""
        return call.args["num_parameters"]


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
# Keras writes an activation as ``activation="relu"`` on a layer or as an ``Activation``
# layer; ``activations`` are the names of ``keras.activations`` each kind answers to (the
# first is what export writes), and model.summary() shows them as ``Activation``.
from .base import REGISTRY  # noqa: E402
from .keras_part import (  # noqa: E402
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Refused,
    Use,
    Written,
    read_activation,
)


def _keras_read_activation_layer(w: Written, n: int) -> Converted:
    kind = read_activation(w)
    return ("identity", {}, None) if kind is None else (kind, {}, None)


def _keras_read_relu(w: Written, n: int) -> Converted:
    max_value = w.get("max_value")
    slope = w.get("negative_slope", 0.0)
    if w.get("threshold", 0.0) not in (0, 0.0):
        raise KerasLayerError("ReLU(threshold=...) is not expressible", "threshold")
    if slope not in (0, 0.0):
        if max_value is not None:
            raise KerasLayerError("ReLU with both max_value and negative_slope is not "
                                  "expressible", "max_value")
        return "leaky_relu", {"negative_slope": float(slope)}, None
    if max_value is None:
        return "relu", {}, None
    if max_value == 6:
        return "relu6", {}, None
    raise KerasLayerError(f"ReLU(max_value={max_value!r}): cnncalc has relu and relu6",
                          "max_value")


def _keras_read_softmax(w: Written, n: int) -> Converted:
    if w.get("axis", -1) != -1:
        raise KerasLayerError("Softmax over another axis than the last is not read", "axis")
    return "softmax", {}, None


def _keras_write_softmax(use: Use) -> str:
    if use.args["dim"] != 0:
        raise Refused("softmax over another axis than the channels")
    return "layers.Softmax(name={name!r})"


def _side(kind: str, *activations: str, **more) -> None:  # noqa: ANN003
    type(REGISTRY[kind]).keras = KerasSide(activations=activations, summary="Activation",
                                           **more)


_side("relu", "relu", classes=(
    KerasClass("ReLU", ("max_value", "negative_slope", "threshold"), _keras_read_relu),
    KerasClass("Activation", ("activation",), _keras_read_activation_layer)))
_side("relu6", "relu6", write=lambda use: "layers.ReLU(max_value=6.0, name={name!r})")
_side("elu", "elu", classes=(KerasClass("ELU", ("alpha",), lambda w, n: (
    "elu", {"alpha": float(w.get("alpha", 1.0))}, None)),),
    write=lambda use: f"layers.ELU(alpha={use.args['alpha']!r}, name={{name!r}})")
_side("softmax", "softmax", classes=(KerasClass("Softmax", ("axis",), _keras_read_softmax),),
      write=_keras_write_softmax)
for _kind, *_names in (("sigmoid", "sigmoid"), ("tanh", "tanh"), ("selu", "selu"),
                       ("gelu", "gelu"), ("silu", "silu", "swish"),
                       ("hardsigmoid", "hard_sigmoid"), ("hardswish", "hard_silu", "hard_swish"),
                       ("mish", "mish"), ("softplus", "softplus"),
                       ("log_softmax", "log_softmax")):
    _side(_kind, *_names)
type(REGISTRY["leaky_relu"]).keras = KerasSide(
    (KerasClass("LeakyReLU", ("negative_slope",), lambda w, n: (
        "leaky_relu", {"negative_slope": float(w.get("negative_slope", w.get("alpha", 0.3)))},
        None)),),
    lambda use: f"layers.LeakyReLU(negative_slope={use.args['negative_slope']!r}, "
                "name={name!r})", activations=("leaky_relu",))
PReLU.keras = KerasSide(summary="PReLU")
