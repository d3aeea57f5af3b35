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
