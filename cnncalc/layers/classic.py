"""Layers of LeNet-5 as published in 1998 (LeCun et al., "Gradient-based learning applied to
document recognition"), which have no modern ``torch.nn`` counterpart."""

from __future__ import annotations

from ..formulas import conv_out, pool_out
from .base import Arg, Call, LayerKind, Result, Shape, Window, numel, register
from .conv import warn_dropped


@register
class TableConv(LayerKind):
    """Convolution where output map i sees only the input maps listed in row i of `table`
    (LeNet-5's C3); weights: k*k per connection, plus one bias per output map."""

    base = "table_conv"
    dims = (2,)
    arguments = (
        Arg("table", "table", doc="for each output map, the input maps (0-based) it reads"),
        Arg("kernel_size", "ints", doc="window size", aliases=("kernel",), minimum=1),
        Arg("stride", "ints", 1, "step between windows", minimum=1),
        Arg("bias", "bool", True, "one bias per output map"),
    )
    category = "convolution"

    def check_args(self, args, error) -> None:
        if not args["table"]:
            raise error("'table' lists no output map; write one row of input maps per output "
                        "map, e.g. [[0, 1, 2], [1, 2, 3]]", "table")

    def output_shape(self, call: Call) -> Shape:
        channels = call.x[0]
        for i, row in enumerate(call.args["table"]):
            bad = [c for c in row if not 0 <= c < channels]
            if bad or not row:
                raise call.error(f"table row {i} reads input maps {list(row)}; the input has "
                                 f"maps 0..{channels - 1}", arg="table")
        sizes, dropped = [], []
        for n, k, s in zip(call.x[1:], call.axes("kernel_size"), call.axes("stride")):
            try:
                axis = conv_out(n, k, s)
            except ValueError as exc:
                raise call.error(f"{exc} ({call.fmt(call.x)})", arg="kernel_size",
                                 code="kernel_too_large") from None
            sizes.append(axis.size)
            dropped.append(axis.dropped)
        warn_dropped(call, dropped, call.x[1:])
        return (len(call.args["table"]), *sizes)

    def connections(self, call: Call) -> int:
        return sum(len(row) for row in call.args["table"])

    def weights(self, call: Call) -> int:
        k = call.axes("kernel_size")
        return self.connections(call) * k[0] * k[1]

    def biases(self, call: Call) -> int:
        return len(call.args["table"]) if call.args["bias"] else 0

    def other_ops(self, call: Call) -> int:
        """One bias add per output value, as for conv2d."""
        return numel(call.out) if call.args["bias"] else 0

    def window(self, call: Call) -> Window:
        return Window("conv", call.axes("kernel_size"), call.axes("stride"), (1, 1),
                      ((0, 0), (0, 0)))

    def macs(self, call: Call) -> int:
        k = call.axes("kernel_size")
        return numel(call.out[1:]) * self.connections(call) * k[0] * k[1]

    def torch_module(self, call: Result):
        from ..torch.modules import TableConv2d

        return TableConv2d(call.args["table"], call.axes("kernel_size"), call.axes("stride"),
                           call.args["bias"])


@register
class Subsample(LayerKind):
    """LeNet-5's trainable subsampling: sum each window, times one learned coefficient per map,
    plus one learned bias per map (2 parameters per map)."""

    base = "subsample"
    dims = (2,)
    arguments = (
        Arg("kernel_size", "ints", 2, "window size", aliases=("kernel",), minimum=1),
        Arg("stride", "ints", None, "step (default: kernel_size)", minimum=1),
    )
    category = "pooling"

    def _geometry(self, call: Call):
        kernel = call.axes("kernel_size")
        stride = call.axes("stride") if call.args["stride"] is not None else kernel
        return kernel, stride

    def output_shape(self, call: Call) -> Shape:
        kernel, stride = self._geometry(call)
        sizes, dropped = [], []
        for n, k, s in zip(call.x[1:], kernel, stride):
            try:
                axis = pool_out(n, k, s)
            except ValueError as exc:
                raise call.error(str(exc), arg="kernel_size", code="kernel_too_large") from None
            sizes.append(axis.size)
            dropped.append(axis.dropped)
        warn_dropped(call, dropped, call.x[1:])
        return (call.x[0], *sizes)

    def weights(self, call: Call) -> int:
        """The one trainable coefficient per map."""
        return call.x[0]

    def biases(self, call: Call) -> int:
        return call.x[0]

    def other_ops(self, call: Call) -> int:
        """Per output: the window's k*k reads summed (as pooling counts them), one scale by
        the map's coefficient and one bias add. The scale is element-wise, like BatchNorm's,
        so it is an other op, not a MAC (see ``LayerKind.macs``)."""
        kernel, _ = self._geometry(call)
        return numel(call.out) * (kernel[0] * kernel[1] + 2)

    def window(self, call: Call) -> Window:
        kernel, stride = self._geometry(call)
        return Window("pool", kernel, stride, (1, 1), ((0, 0), (0, 0)))

    def torch_module(self, call: Result):
        from ..torch.modules import Subsample2d

        kernel, stride = self._geometry(call)
        return Subsample2d(call.x[0], kernel, stride)


@register
class RBF(LayerKind):
    """LeNet-5's output layer: one Euclidean radial basis unit per class, each with one weight
    per input (the squared distance to a prototype); no bias."""

    base = "rbf"
    arguments = (Arg("out_features", "int", doc="number of classes", aliases=("units",),
                     minimum=1),)
    primary = "out_features"
    category = "dense"

    def output_shape(self, call: Call) -> Shape:
        if len(call.x) != 1:
            raise call.error(f"expects a flat input but got {call.fmt(call.x)}",
                             hint=f"flatten gives {numel(call.x):,} features",
                             code="flat_input_expected")
        return (call.args["out_features"],)

    dense = True

    def weights(self, call: Call) -> int:
        return call.x[0] * call.args["out_features"]

    def macs(self, call: Call) -> int:
        return call.x[0] * call.args["out_features"]

    def other_ops(self, call: Call) -> int:
        return call.x[0] * call.args["out_features"]

    def torch_module(self, call: Result):
        from ..torch.modules import RBF

        return RBF(call.x[0], call.args["out_features"])
