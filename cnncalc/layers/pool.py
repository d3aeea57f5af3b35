"""Pooling: max and average (fixed windows), adaptive, and global pools."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import CnnCalcError
from ..formulas import adaptive_windows, conv_out, pool_out
from ..worked import Line, axis_names, layout_names, shape_text, sliding_window_line
from .base import (
    AXIS_NAMES,
    Arg,
    Attempt,
    Call,
    LayerKind,
    Receptive,
    Result,
    Shape,
    Window,
    fmt_shape,
    ints,
    numel,
    register,
)
from .conv import warn_dropped, warn_skipping
from .keras_part import (
    Code,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Reader,
    Refused,
    Use,
    Writer,
    Written,
    axes,
    one,
    pairs,
    py,
    read_padding,
)
from .keras_part import ints as keras_ints
from .padding import explain_padding, resolve_padding

if TYPE_CHECKING:
    from .fixes import FixContext


def _window_args(with_dilation: bool) -> tuple[Arg, ...]:
    args = [
        Arg("kernel_size", "ints", doc="window size", aliases=("kernel", "pool_size"), minimum=1),
        Arg("stride", "ints", None, "step between windows (default: kernel_size)",
            aliases=("strides",), minimum=1),
        Arg("padding", "padding", 0, "implicit padding per side (at most half the kernel), "
            "valid (none) or same (Keras/TensorFlow: ceil(in / stride) outputs, an odd pixel "
            "padded after)", minimum=0, choices=("valid", "same")),
    ]
    if with_dilation:
        args.append(Arg("dilation", "ints", 1, "spacing between window elements", minimum=1))
    args.append(Arg("ceil_mode", "bool", False, "round the output size up instead of down"))
    return tuple(args)


class _WindowPool(LayerKind):
    """Shared rule of max and average pooling (one window formula, PyTorch's)."""

    category = "pooling"
    min_rank = 2
    primary = "kernel_size"
    window_formula = "pool"

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Padding above half the window: go on with the most it may be."""
        if error.code != "pool_padding_too_large":
            return super().recover(call, error, ctx)
        kernel, _, padding, _ = self._geometry(call)
        most = tuple(min(p, k // 2) for p, k in zip(padding, kernel))
        return [(call.inputs, {**call.args, "padding": most}, f"as if padding: {ints(most)}")]

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """The most padding the window allows, or the window that allows the padding."""
        if error.code != "pool_padding_too_large":
            return super().suggest_fixes(ctx, error)
        call = Call(dict(ctx.node.args), list(ctx.inputs), ndim=len(ctx.inputs[0]) - 1)
        kernel, _, padding, _ = self._geometry(call)
        most = [min(p, k // 2) for p, k in zip(padding, kernel)]
        wide = [max(k, 2 * p) for p, k in zip(padding, kernel)]
        return [f"padding: {ints(most)} (a pool may pad at most half its window: "
                f"{kernel[0]} // 2 = {kernel[0] // 2}), or kernel_size: "
                f"{ints(wide)} for padding {ints(padding)}"]

    def _geometry(self, call: Call):
        """(kernel, stride, padding before each axis, dilation); ``valid`` is 0 and ``same``
        the pixels TensorFlow's rule puts before (``sides`` has both sides)."""
        kernel = call.axes("kernel_size")
        stride = call.axes("stride") if call.args["stride"] is not None else kernel
        dilation = call.axes("dilation") if "dilation" in call.args else (1,) * call.ndim
        padding = call.args["padding"]
        if padding == "valid":
            return kernel, stride, (0,) * call.ndim, dilation
        if padding == "same":
            return kernel, stride, tuple(b for b, _ in self.sides(call)), dilation
        return kernel, stride, call.axes("padding"), dilation

    def window(self, call: Call) -> Window:
        kernel, stride, _, dilation = self._geometry(call)
        return Window("pool", kernel, stride, dilation, tuple(self.sides(call)),
                      ceil=call.args["ceil_mode"])

    def sides(self, call: Call, warn: bool = False) -> list[tuple[int, int]]:
        """(before, after) padding per axis; asymmetric only for ``same``."""
        if call.args["padding"] != "same":
            _, _, padding, _ = self._geometry(call)
            return [(p, p) for p in padding]
        kernel = call.axes("kernel_size")
        stride = call.axes("stride") if call.args["stride"] is not None else kernel
        dilation = call.axes("dilation") if "dilation" in call.args else (1,) * call.ndim
        return resolve_padding(call, kernel, stride, dilation, warn=warn)

    def check_args(self, args, error) -> None:
        if args.get("padding") == "same" and args.get("ceil_mode"):
            raise error("padding 'same' already keeps the last window (ceil(in / stride) "
                        "outputs); leave out ceil_mode", "ceil_mode")

    def output_shape(self, call: Call) -> Shape:
        if call.args["padding"] == "same":
            return self._same_shape(call)
        kernel, stride, padding, dilation = self._geometry(call)
        sizes, dropped = [], []
        for n, k, s, p, d in zip(call.x[1:], kernel, stride, padding, dilation):
            try:
                axis = pool_out(n, k, s, p, d, call.args["ceil_mode"])
            except ValueError as exc:  # pool_out refuses padding > k/2, else a short input
                raise call.error(f"{exc} (input {call.fmt(call.x)}, kernel "
                                 f"{fmt_shape(kernel)}, padding {fmt_shape(padding)})",
                                 arg="kernel_size",
                                 code="pool_padding_too_large" if 2 * p > k else
                                 "kernel_too_large") from None
            sizes.append(axis.size)
            dropped.append(max(0, axis.dropped - p) if s <= d * (k - 1) + 1 else 0)
        warn_dropped(call, dropped, call.x[1:])
        warn_skipping(call, kernel, stride, dilation)
        discarded = self.discarded_windows(call)
        if any(discarded):
            where = ", ".join(n for n, gone in zip(AXIS_NAMES.get(call.ndim, ()), discarded)
                              if gone)
            padded = any(p for p, gone in zip(self._geometry(call)[2], discarded) if gone)
            place = "in the padding" if padded else "past the end of the input"
            call.warn(f"ceil_mode: the extra window along {where} would start {place}, "
                      "so PyTorch discards it; ceil_mode gives nothing there")
        return (call.x[0], *sizes)

    def _same_shape(self, call: Call) -> Shape:
        """Keras' ``padding='same'``: TensorFlow's split, the odd pixel after."""
        kernel, stride, _, dilation = self._geometry(call)
        sizes = [conv_out(n, k, s, b, a, d).size
                 for n, k, s, d, (b, a) in zip(call.x[1:], kernel, stride, dilation,
                                               self.sides(call, warn=True))]
        return (call.x[0], *sizes)

    def discarded_windows(self, call: Call) -> list[bool]:
        """Per axis: does ceil mode ask for a last window that PyTorch then drops because it
        would start beyond the input (ATen's pooling_output_shape rule)?"""
        if not call.args["ceil_mode"] or call.args["padding"] == "same":
            return [False] * call.ndim
        kernel, stride, padding, dilation = self._geometry(call)
        out = []
        for n, k, s, p, d in zip(call.x[1:], kernel, stride, padding, dilation):
            span = n + 2 * p - (d * (k - 1) + 1)
            wanted = -(-span // s) + 1
            out.append((wanted - 1) * s >= n + p)
        return out

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        """The pooling window formula per axis (floor or ceil made visible); no weights."""
        kernel, stride, padding, dilation = self._geometry(call)
        ceil = call.args["ceil_mode"]
        lines = [Line("input", f"input {shape_text(call.x, layout)} "
                               f"({layout_names(call.ndim, layout)}); {self.name} window "
                               f"{fmt_shape(kernel)}, stride {fmt_shape(stride)}"
                               + (f", padding {fmt_shape(padding)}" if max(padding) else "")
                               + (", ceil_mode" if ceil else "")),
                 Line("shape", "out = (in + 2*pad - k) / stride + 1, rounded "
                               + ("up (ceil_mode)" if ceil else "down (floor)")
                               + "; channels unchanged")]
        sides = self.sides(call)
        if call.args["padding"] == "same":
            lines[1:1] = explain_padding("same", call.x[1:], kernel, stride, dilation, sides)
        for n, size, k, s, (b, a), d, gone in zip(axis_names(call.ndim), call.x[1:], kernel,
                                                  stride, sides, dilation,
                                                  self.discarded_windows(call)):
            lines.append(sliding_window_line(n, size, b, a, k, s, d, ceil, gone)[0])
        lines.append(Line("shape", f"output shape: {shape_text(call.out, layout)}"))
        lines.append(Line("weights", "weights = 0 (pooling has no weights)"))
        lines.append(Line("biases", "biases = 0"))
        lines.append(Line("params", "params = 0"))
        lines.append(Line("macs", "MACs = 0 (no multiplications by weights; "
                                  f"{numel(call.out) * math.prod(kernel):,} window reads)"))
        return lines

    def other_ops(self, call: Call) -> int:
        return numel(call.out) * math.prod(self._geometry(call)[0])



@register
class MaxPool(_WindowPool):
    """Max pooling (torch.nn.MaxPool1d/2d/3d); no weights, channels unchanged."""

    base = "maxpool"
    dims = (1, 2, 3, None)
    aliases_by_dim = {None: ("pool", "max_pooling")}  # MaxPooling2D: its Keras side
    arguments = _window_args(with_dilation=True)

    def torch_module(self, call: Result):
        from torch import nn

        kernel, stride, padding, dilation = self._geometry(call)
        if call.args["padding"] == "same":
            pool = getattr(nn, f"MaxPool{call.ndim}d")(kernel, stride, 0, dilation)
            return _padded(call, self.sides(call), -3.4028234663852886e38, pool)  # f32 min
        return getattr(nn, f"MaxPool{call.ndim}d")(kernel, stride, padding, dilation,
                                                    ceil_mode=call.args["ceil_mode"])


@register
class AvgPool(_WindowPool):
    """Average pooling (torch.nn.AvgPool1d/2d/3d); no weights, channels unchanged."""

    base = "avgpool"
    dims = (1, 2, 3, None)
    aliases_by_dim = {None: ("average_pooling",)}  # AveragePooling2D: its Keras side
    arguments = (*_window_args(with_dilation=False),
                 Arg("count_include_pad", "bool", True, "padding zeros count in the average "
                     "(no effect on shapes or counts)"))

    def output_shape(self, call: Call) -> Shape:
        kernel = call.axes("kernel_size")
        if call.ndim == 3 and any(n < k for n, k in zip(call.x[1:], kernel)):
            # ATen's avg_pool3d checks the unpadded input against the kernel
            # (pool3d_shape_check with check_input_size), unlike the 1-D/2-D pools and max.
            raise call.error(f"avgpool3d needs every input axis at least as long as the kernel,"
                             f" even with padding: input {fmt_shape(call.x[1:])}, kernel "
                             f"{fmt_shape(kernel)} (PyTorch's avg_pool3d rule)",
                             arg="kernel_size")
        return super().output_shape(call)

    def torch_module(self, call: Result):
        from torch import nn

        kernel, stride, padding, _ = self._geometry(call)
        if call.args["padding"] == "same":
            pool = getattr(nn, f"AvgPool{call.ndim}d")(kernel, stride, 0)
            return _padded(call, self.sides(call), 0.0, pool)
        return getattr(nn, f"AvgPool{call.ndim}d")(
            kernel, stride, padding, ceil_mode=call.args["ceil_mode"],
            count_include_pad=call.args["count_include_pad"])


def _padded(call: Call, sides: list[tuple[int, int]], value: float, pool):  # noqa: ANN001, ANN202
    """A pool after an explicit (possibly asymmetric) pad: PyTorch's pools pad evenly only.
    Shapes and counts are Keras'; an average's border values differ (Keras leaves the
    padding out of the mean)."""
    from torch import nn

    flat = tuple(x for b, a in reversed(sides) for x in (b, a))  # F.pad: last axis first
    return nn.Sequential(getattr(nn, f"ConstantPad{call.ndim}d")(flat, value), pool)


class _Adaptive(LayerKind):
    category = "pooling"
    torch_name: str = ""
    min_rank = 2
    arguments = (Arg("output_size", "ints", doc="output size per spatial axis", minimum=1),)
    primary = "output_size"

    def output_shape(self, call: Call) -> Shape:
        return (call.x[0], *call.axes("output_size"))

    def other_ops(self, call: Call) -> int:
        windows = [adaptive_windows(n, o) for n, o in zip(call.x[1:], call.out[1:])]
        return numel(call.out) * math.prod(windows)

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        windows = [adaptive_windows(n, o) for n, o in zip(call.x[1:], call.out[1:])]
        strides = [max(1, n // o) for n, o in zip(call.x[1:], call.out[1:])]
        return rf.through(windows, strides, (0,) * call.ndim)

    def torch_module(self, call: Result):
        from torch import nn

        return getattr(nn, f"{self.torch_name}{call.ndim}d")(call.axes("output_size"))


@register
class AdaptiveAvgPool(_Adaptive):
    """Adaptive average pooling to a fixed output size (torch.nn.AdaptiveAvgPool1d/2d/3d)."""

    base = "adaptive_avgpool"
    dims = (1, 2, 3, None)
    torch_name = "AdaptiveAvgPool"


@register
class AdaptiveMaxPool(_Adaptive):
    """Adaptive max pooling to a fixed output size (torch.nn.AdaptiveMaxPool1d/2d/3d)."""

    base = "adaptive_maxpool"
    dims = (1, 2, 3, None)
    torch_name = "AdaptiveMaxPool"


class _Global(LayerKind):
    category = "pooling"
    op: str = ""
    min_rank = 2
    arguments = (Arg("keepdims", "bool", False, "keep the spatial axes as size 1 (like "
                     "AdaptiveAvgPool(1)); default drops them like Keras"),)

    def output_shape(self, call: Call) -> Shape:
        channels = call.x[0]
        return (channels, *([1] * call.ndim)) if call.args["keepdims"] else (channels,)

    def other_ops(self, call: Call) -> int:
        return numel(call.x)

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        spatial = call.x[1:]
        size = tuple(r + (n - 1) * j for r, n, j in zip(rf.size, spatial, rf.jump))
        jump = tuple(j * n for j, n in zip(rf.jump, spatial))
        center2 = tuple(c + (n - 1) * j for c, n, j in zip(rf.center2, spatial, rf.jump))
        return Receptive(size, jump, center2)

    def torch_module(self, call: Result):
        """torch.nn has no pool that drops the spatial axes: a small GlobalPool module."""
        from ..torch.modules import GlobalPool

        return GlobalPool(self.op, call.args["keepdims"])


@register
class GlobalAvgPool(_Global):
    """Average over all spatial positions: [C, H, W] -> [C] (Keras GlobalAveragePooling)."""

    base = "global_avgpool"
    op = "avg"
    aliases_by_dim = {None: ("gap", "global_average_pooling")}  # Keras': its Keras side


@register
class GlobalMaxPool(_Global):
    """Maximum over all spatial positions: [C, H, W] -> [C] (Keras GlobalMaxPooling)."""

    base = "global_maxpool"
    op = "max"
    aliases_by_dim = {None: ("global_max_pooling",)}  # GlobalMaxPooling2D: its Keras side


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------

def _keras_read_pool(kind: str) -> Reader:
    def read(w: Written, n: int) -> Converted:
        if kind == "avgpool" and not w.has("pool_size"):
            raise KerasLayerError(f"{w.cls} needs pool_size (Keras gives average pools no "
                                  "default)", "pool_size")
        size = keras_ints(w.get("pool_size", 2), "pool_size", w.cls)
        strides = w.get("strides")
        padding = read_padding(w, ("valid", "same"))
        args: dict[str, Any] = {"kernel_size": size}
        if strides is not None and keras_ints(strides, "strides", w.cls) != size:
            args["stride"] = keras_ints(strides, "strides", w.cls)
        if padding == "same":
            args["padding"] = "same"
        return f"{kind}{n}d", args, None
    return read


def _keras_write_pool(cls: str) -> Writer:
    """A pool; its padding, and the extra end pixels ceil_mode reads, as ZeroPadding."""
    def write(use: Use) -> Code:
        a, n = use.args, use.rank
        if axes(a.get("dilation", 1), n) != (1,) * n:
            raise Refused("a dilated pool has no Keras counterpart")
        kernel = axes(a["kernel_size"], n)
        stride = axes(a["stride"], n) if a["stride"] is not None else kernel
        same = a["padding"] == "same"
        pads = (0,) * n if isinstance(a["padding"], str) else axes(a["padding"], n)
        if cls == "AveragePooling" and any(pads) and a.get("count_include_pad", True) is False:
            raise Refused("count_include_pad: false with padding has no Keras counterpart")
        sides = []
        for size, o, k, s, p in zip(use.source[1:], use.out[1:], kernel, stride, pads):
            if same:
                break
            extra = max(0, (o - 1) * s + k - (size + 2 * p))  # ceil_mode's last window
            sides.append((p, p + extra))
        before = []
        if any(b or e for b, e in sides):
            value = one(pads) if all(b == e for b, e in sides) else pairs(sides)
            before = [f"layers.ZeroPadding{n}D({py(value)}, name={{pad!r}})"]
        args = [py(one(kernel))]
        if stride != kernel:
            args.append(f"strides={py(one(stride))}")
        if same:
            args.append("padding='same'")
        return before, f"layers.{cls}{n}D({', '.join(args)}, name={{name!r}})", []
    return write


def _keras_write_adaptive_avgpool(use: Use) -> str | None:
    """A whole-number window is an AveragePooling; any other adaptive pool has none."""
    if not all(n % o == 0 for n, o in zip(use.source[1:], use.out[1:])):
        return None
    window = tuple(n // o for n, o in zip(use.source[1:], use.out[1:]))
    return f"layers.AveragePooling{use.rank}D({py(one(window))}, name={{name!r}})"


def _keras_read_global(kind: str) -> Reader:
    def read(w: Written, n: int) -> Converted:
        args = {"keepdims": True} if w.get("keepdims", False) else {}
        return kind, args, None
    return read


def _keras_write_global(cls: str) -> Writer:
    def write(use: Use) -> str:
        keep = ", keepdims=True" if use.args["keepdims"] else ""
        return f"layers.{cls}{use.rank}D(name={{name!r}}{keep})"
    return write


_POOL = ("pool_size", "strides", "padding", "data_format")
_RANKS = (1, 2, 3)
MaxPool.keras = KerasSide((KerasClass("MaxPooling{n}D", _POOL, _keras_read_pool("maxpool"),
                                      _RANKS, True),
                           KerasClass("MaxPool{n}D", _POOL, _keras_read_pool("maxpool"),
                                      _RANKS, True)), _keras_write_pool("MaxPooling"))
AvgPool.keras = KerasSide((KerasClass("AveragePooling{n}D", _POOL, _keras_read_pool("avgpool"),
                                      _RANKS, True),
                           KerasClass("AvgPool{n}D", _POOL, _keras_read_pool("avgpool"),
                                      _RANKS, True)), _keras_write_pool("AveragePooling"))
AdaptiveAvgPool.keras = KerasSide(write=_keras_write_adaptive_avgpool)
GlobalAvgPool.keras = KerasSide(tuple(
    KerasClass(f"{name}{{n}}D", ("data_format", "keepdims"),
               _keras_read_global("global_avgpool"), _RANKS, True)
    for name in ("GlobalAveragePooling", "GlobalAvgPool")),
    _keras_write_global("GlobalAveragePooling"))
GlobalMaxPool.keras = KerasSide(tuple(
    KerasClass(f"{name}{{n}}D", ("data_format", "keepdims"),
               _keras_read_global("global_maxpool"), _RANKS, True)
    for name in ("GlobalMaxPooling", "GlobalMaxPool")),
    _keras_write_global("GlobalMaxPooling"))
