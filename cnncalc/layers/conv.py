"""Convolutions: ``conv1d/2d/3d`` (and rank-generic ``conv``) and their transposes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import CnnCalcError
from ..formulas import conv_out, conv_transpose_out
from ..worked import (
    Line,
    axis_names,
    layout_names,
    params_line,
    product_line,
    shape_text,
    sliding_window_line,
)
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
from .keras_part import (
    Code,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Refused,
    Use,
    Written,
    axes,
    one,
    per_axis,
    py,
    read_activation,
    read_padding,
)
from .keras_part import ints as keras_ints
from .padding import PAD_WORDS, explain_padding, resolve_padding

if TYPE_CHECKING:
    from .fixes import FixContext



def check_in_channels(call: Call, groups: int, out_channels: int | None = None) -> int:
    """Input channels, checked against a written ``in_channels`` and ``groups``."""
    channels = call.x[0]
    written = call.args.get("in_channels")
    if written is not None and written != channels:
        raise call.error(f"in_channels is written as {written} but the input has {channels} "
                         f"channels ({call.fmt(call.x)})", arg="in_channels",
                         hint=f"write in_channels: {channels} or leave it out (it is inferred)",
                         code="in_channels_mismatch")
    if channels % groups:
        raise call.error(f"groups={groups} does not divide the {channels} input channels",
                         arg="groups", code="groups_mismatch")
    if out_channels is not None and out_channels % groups:
        raise call.error(f"groups={groups} does not divide out_channels={out_channels}",
                         arg="groups", code="groups_mismatch")
    return channels


def warn_dropped(call: Call, dropped: list[int], sizes: tuple[int, ...]) -> None:
    """Note (``Call.dropped``) and warn about the border pixels that no window reads."""
    if max(dropped, default=0) <= 0:
        call.dropped = (0,) * len(dropped)
        return
    call.dropped = tuple(max(0, d) for d in dropped)
    names = AXIS_NAMES.get(call.ndim, ())
    lost = [f"{n} loses {d} of {s}" for n, d, s in zip(names, dropped, sizes) if d > 0]
    if lost:
        call.warn("floor division leaves border pixels unread (" + ", ".join(lost) + ")")


def warn_skipping(call: Call, kernel: tuple[int, ...], stride: tuple[int, ...],
                  dilation: tuple[int, ...]) -> None:
    """A stride longer than the window skips input pixels that no window ever reads.

    A 1x1 window with a stride is exempt: that is the deliberate subsampling of ResNet's
    projection shortcut, and warning on every ResNet would hide the real mistakes."""
    if math.prod(kernel) == 1:
        return
    names = AXIS_NAMES.get(call.ndim, ())
    skipped = [(n, s, d * (k - 1) + 1) for n, k, s, d in zip(names, kernel, stride, dilation)
               if s > d * (k - 1) + 1]
    if skipped:
        parts = ", ".join(f"{n}: stride {s} > window {w}, {s - w} of every {s} pixels unread"
                          for n, s, w in skipped)
        call.warn(f"stride is larger than the kernel, so windows skip pixels ({parts})")


def check_padding_mode(call: Call, pads: list[tuple[int, int]]) -> None:
    """PyTorch's limits on non-zero padding modes (``F.pad``): ``reflect`` mirrors inside the
    input so each side pads less than the axis length; ``circular`` may wrap around once."""
    mode = call.args.get("padding_mode", "zeros")
    for n, (before, after) in zip(call.x[1:], pads):
        widest = max(before, after)
        if mode == "reflect" and widest >= n or mode == "circular" and widest > n:
            limit = f"less than {n}" if mode == "reflect" else f"at most {n}"
            raise call.error(f"padding_mode '{mode}' needs padding {limit} (the input axis "
                             f"length) on each side, got {widest}", arg="padding",
                             hint="use padding_mode 'zeros' or 'replicate', or less padding")


CONV_ARGS = (
    Arg("out_channels", "int", doc="number of filters (output channels)", aliases=("filters",),
        minimum=1),
    Arg("kernel_size", "ints", doc="window size: one integer or one per spatial axis",
        aliases=("kernel",), minimum=1),
    Arg("stride", "ints", 1, "step between windows", aliases=("strides",), minimum=1),
    Arg("padding", "padding", 0, "zeros added per side: integer, per-axis list, valid, same "
        "(TensorFlow's rule at stride > 1), full (k-1), causal (1-D: k-1 before)",
        choices=PAD_WORDS),
    Arg("dilation", "ints", 1, "spacing between kernel elements", aliases=("dilation_rate",),
        minimum=1),
    Arg("groups", "int", 1, "channel groups; groups = channels is depthwise", minimum=1),
    Arg("bias", "bool", True, "learn one bias per output channel", aliases=("use_bias",)),
    Arg("padding_mode", "str", "zeros", "how padding is filled (no effect on counts)",
        choices=("zeros", "reflect", "replicate", "circular")),
    Arg("in_channels", "int", None, "inferred; checked if written", minimum=1),
)


def _bias_lines(weights: int, cout: int, bias: bool) -> list[Line]:
    """One bias per output channel, and the parameter sum, as worked lines."""
    biases = cout if bias else 0
    return [Line("biases", f"biases = C_out = {cout}" if bias else "biases = 0 (bias: false)"),
            params_line(weights, biases)]


def fix_in_channels(ctx: FixContext) -> list[str]:
    """Delete the written count; and say where a stale number came from (an earlier layer of
    that width: the usual trace of an edit that changed a width upstream)."""
    from .base import NETWORK_INPUT
    from .fixes import line

    graph, node, shape = ctx.graph, ctx.node, ctx.inputs[0]
    written = node.args["in_channels"]
    fixes = [f"delete 'in_channels: {written}' (cnncalc infers {shape[0]})"]
    node_id, changer = node.inputs[0], None
    while node_id != NETWORK_INPUT:
        up = graph.nodes[node_id]
        width = up.args.get("out_channels")
        if width == written and changer is not None:
            fixes.append(f"{written} is the width of '{up.name}' ({line(up, graph)}); "
                         f"'{changer.name}' ({line(changer, graph)}) changed it to {shape[0]}")
            break
        if width is not None and changer is None:
            changer = up
        node_id = up.inputs[0] if up.inputs else NETWORK_INPUT
    return fixes


class _Convolution(LayerKind):
    """What convolutions and their transposes share: the channel checks of
    ``check_in_channels`` and the debugger's answers to them."""

    category = "convolution"
    min_rank = 2

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Go on as if a written in_channels were left out, or without groups."""
        args, attempts = call.args, super().recover(call, error, ctx)
        if args.get("in_channels") is not None:
            attempts.append((call.inputs, {**args, "in_channels": None}, "in_channels inferred"))
        if args.get("groups", 1) != 1:
            attempts.append((call.inputs, {**args, "groups": 1}, "as if groups: 1"))
        return attempts

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "in_channels_mismatch":
            return fix_in_channels(ctx)
        if error.code == "groups_mismatch":
            from .fixes import groups

            return groups(ctx)
        return super().suggest_fixes(ctx, error)


@register
class Conv(_Convolution):
    """Convolution (torch.nn.Conv1d/2d/3d); `conv` picks the rank from its input."""

    base = "conv"
    dims = (1, 2, 3, None)
    arguments = CONV_ARGS
    window_formula = "conv"

    def window(self, call: Call) -> Window:
        kernel, stride, dilation = call.axes("kernel_size"), call.axes("stride"), \
            call.axes("dilation")
        pads = resolve_padding(call, kernel, stride, dilation, warn=False)
        return Window("conv", kernel, stride, dilation, tuple(pads))

    def output_shape(self, call: Call) -> Shape:
        out_channels, groups = call.args["out_channels"], call.args["groups"]
        check_in_channels(call, groups, out_channels)
        kernel, stride, dilation = call.axes("kernel_size"), call.axes("stride"), \
            call.axes("dilation")
        pads = resolve_padding(call, kernel, stride, dilation)
        check_padding_mode(call, pads)
        sizes, dropped = [], []
        for n, k, s, d, (before, after) in zip(call.x[1:], kernel, stride, dilation, pads):
            try:
                axis = conv_out(n, k, s, before, after, d)
            except ValueError as exc:
                padded = [x + b + a for x, (b, a) in zip(call.x[1:], pads)]
                raise call.error(f"kernel {fmt_shape(kernel)} is larger than the padded input "
                                 f"{fmt_shape(padded)}" + (f" ({exc})" if d > 1 else ""),
                                 arg="kernel_size", code="kernel_too_large",
                                 hint=f"use a smaller kernel or padding >= "
                                      f"{max(0, -(-(d * (k - 1) + 1 - n) // 2))}") from None
            sizes.append(axis.size)
            dropped.append(axis.dropped - after if s <= d * (k - 1) + 1 else 0)
        warn_dropped(call, dropped, call.x[1:])
        warn_skipping(call, kernel, stride, dilation)
        return (out_channels, *sizes)

    def weights(self, call: Call) -> int:
        a = call.args
        return a["out_channels"] * (call.x[0] // a["groups"]) * math.prod(call.axes(
            "kernel_size"))

    def biases(self, call: Call) -> int:
        return call.args["out_channels"] if call.args["bias"] else 0

    def macs(self, call: Call) -> int:
        a = call.args
        return numel(call.out) * (call.x[0] // a["groups"]) * math.prod(call.axes("kernel_size"))

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """A kernel larger than its input: go on as if the size were kept (``same``)."""
        attempts = super().recover(call, error, ctx)
        if error.code == "kernel_too_large":
            attempts.append((call.inputs, {**call.args, "padding": "same", "stride": 1},
                             "as if padding: same"))
        return attempts

    def other_ops(self, call: Call) -> int:
        return numel(call.out) if call.args["bias"] else 0

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        """Every formula of this convolution with the numbers substituted, step by step."""
        a = call.args
        assert call.window is not None
        kernel, stride, dilation, pads = call.window.kernel, call.window.stride, \
            call.window.dilation, call.window.pads
        names = axis_names(call.ndim)
        cin, cout, groups = call.x[0], a["out_channels"], a["groups"]
        lines = [Line("input", f"input {shape_text(call.x, layout)} "
                               f"({layout_names(call.ndim, layout)}); {cout} filters of "
                               f"{fmt_shape(kernel)}, stride {fmt_shape(stride)}"
                               + (f", dilation {fmt_shape(dilation)}" if max(dilation) > 1
                                  else "") + (f", groups {groups}" if groups > 1 else ""))]
        lines += explain_padding(a["padding"], call.x[1:], kernel, stride, dilation, pads)
        lines.append(Line("shape", "out = (in + pad_before + pad_after - k_eff) / stride + 1, "
                                   "rounded down (floor)" if any(b != e for b, e in pads) else
                          "out = (in + 2*pad - k_eff) / stride + 1, rounded down (floor)"))
        for n, k, s, d, (b, e), size in zip(names, kernel, stride, dilation, pads, call.x[1:]):
            if d > 1:
                lines.append(Line("shape", f"{n}: k_eff = dilation*(k - 1) + 1 = {d}*({k} - 1)"
                                           f" + 1 = {d * (k - 1) + 1}"))
            lines.append(sliding_window_line(n, size, b, e, k, s, d)[0])
        lines.append(Line("shape", f"output shape: {shape_text(call.out, layout)}"))
        per_filter = math.prod(kernel) * (cin // groups)
        k_sym = " * ".join(f"k_{n.lower()}" for n in names)
        c_sym = "(C_in / groups)" if groups > 1 else "C_in"
        c_val = [cin // groups]
        weights = cout * per_filter
        lines.append(product_line("weights", "weights", f"{k_sym} * {c_sym} * C_out",
                                  [*kernel, *c_val, cout]))
        lines += _bias_lines(weights, cout, a["bias"])
        o_sym = " * ".join(f"{n}_out" for n in names)
        lines.append(product_line("macs", "MACs", f"{o_sym} * C_out * {k_sym} * {c_sym}",
                                  [*call.out[1:], cout, *kernel, *c_val]))
        lines.append(Line("macs", f"FLOPs = 2 * MACs = {2 * numel(call.out) * per_filter:,}"))
        return lines

    def torch_module(self, call: Result):
        """``nn.ConvNd``; asymmetric padding (TensorFlow's ``same``, ``causal``) becomes an
        explicit ``Pad`` before an unpadded convolution, as torch.nn.Conv cannot express it."""
        from torch import nn

        from ..torch.modules import Pad

        a = call.args
        assert call.window is not None
        pads = call.window.pads
        conv_cls = getattr(nn, f"Conv{call.ndim}d")
        symmetric = all(b == e for b, e in pads)
        conv = conv_cls(call.x[0], a["out_channels"], call.axes("kernel_size"),
                        stride=call.axes("stride"),
                        padding=tuple(b for b, _ in pads) if symmetric else 0,
                        dilation=call.axes("dilation"), groups=a["groups"], bias=a["bias"],
                        padding_mode=a["padding_mode"])
        if symmetric:
            return conv
        mode = {"zeros": "constant"}.get(a["padding_mode"], a["padding_mode"])
        return nn.Sequential(Pad(tuple(pads), mode), conv)


@register
class ConvTranspose(_Convolution):
    """Transposed convolution (torch.nn.ConvTranspose1d/2d/3d), a learned upsampling."""

    base = "conv_transpose"
    dims = (1, 2, 3, None)
    aliases_by_dim = {None: ("deconv",)}
    arguments = (
        Arg("out_channels", "int", doc="output channels", aliases=("filters",), minimum=1),
        Arg("kernel_size", "ints", doc="window size", aliases=("kernel",), minimum=1),
        Arg("stride", "ints", 1, "upsampling step", aliases=("strides",), minimum=1),
        Arg("padding", "ints", 0, "removed from each side of the output", minimum=0),
        Arg("output_padding", "ints", 0, "added to one side of the output", minimum=0),
        Arg("dilation", "ints", 1, "spacing between kernel elements", minimum=1),
        Arg("groups", "int", 1, "channel groups", minimum=1),
        Arg("bias", "bool", True, "learn one bias per output channel", aliases=("use_bias",)),
        Arg("in_channels", "int", None, "inferred; checked if written", minimum=1),
    )
    window_formula = "deconv"

    def output_shape(self, call: Call) -> Shape:
        out_channels, groups = call.args["out_channels"], call.args["groups"]
        check_in_channels(call, groups, out_channels)
        sizes = []
        for n, k, s, p, op, d in zip(call.x[1:], call.axes("kernel_size"), call.axes("stride"),
                                     call.axes("padding"), call.axes("output_padding"),
                                     call.axes("dilation")):
            try:
                sizes.append(conv_transpose_out(n, k, s, p, op, d))
            except ValueError as exc:
                code = "output_padding_too_large" if op >= max(s, d) else None
                raise call.error(str(exc), arg="output_padding", code=code) from None
        return (out_channels, *sizes)

    def _largest_output_padding(self, call: Call) -> tuple[int, ...]:
        return tuple(min(op, max(s, d) - 1) for op, s, d in zip(
            call.per_axis("output_padding"), call.per_axis("stride"), call.per_axis("dilation")))

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """output_padding too large: go on with the largest allowed (nearest to the intent)."""
        attempts = super().recover(call, error, ctx)
        if error.code == "output_padding_too_large":
            largest = self._largest_output_padding(call)
            attempts.insert(0, (call.inputs, {**call.args, "output_padding": largest},
                                f"as if output_padding: {ints(largest)}"))
        return attempts

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """Each output_padding the stride allows, with the size it gives."""
        if error.code != "output_padding_too_large":
            return super().suggest_fixes(ctx, error)
        call = Call(dict(ctx.node.args), list(ctx.inputs), ndim=len(ctx.inputs[0]) - 1)
        stride, dilation = call.per_axis("stride"), call.per_axis("dilation")
        options = []
        for op in range(max(max(s, d) for s, d in zip(stride, dilation))):
            try:
                sizes = [conv_transpose_out(n, k, s, p, min(op, max(s, d) - 1), d)
                         for n, k, s, p, d in zip(ctx.inputs[0][1:],
                                                  call.per_axis("kernel_size"), stride,
                                                  call.per_axis("padding"), dilation)]
            except ValueError:
                continue
            options.append(f"output_padding: {op} gives {fmt_shape(sizes)}")
        return ["output_padding must stay below the stride: " + ", ".join(options)] \
            if options else []

    def weights(self, call: Call) -> int:
        a = call.args
        return call.x[0] * (a["out_channels"] // a["groups"]) * math.prod(
            call.axes("kernel_size"))

    def biases(self, call: Call) -> int:
        return call.args["out_channels"] if call.args["bias"] else 0

    def window(self, call: Call) -> Window:
        """The transposed window: ``pads`` is what is cut from each side of the output."""
        return Window("deconv", call.axes("kernel_size"), call.axes("stride"),
                      call.axes("dilation"), tuple((p, p) for p in call.axes("padding")),
                      output_padding=call.axes("output_padding"))

    def macs(self, call: Call) -> int:
        a = call.args
        return numel(call.x) * (a["out_channels"] // a["groups"]) * math.prod(
            call.axes("kernel_size"))

    def other_ops(self, call: Call) -> int:
        return numel(call.out) if call.args["bias"] else 0

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        """The transposed-convolution size formula and counts, numbers substituted."""
        a = call.args
        names = axis_names(call.ndim)
        kernel, stride = call.axes("kernel_size"), call.axes("stride")
        cin, cout, groups = call.x[0], a["out_channels"], a["groups"]
        lines = [Line("input", f"input {shape_text(call.x, layout)} "
                               f"({layout_names(call.ndim, layout)}); {cout} filters of "
                               f"{fmt_shape(kernel)}, stride {fmt_shape(stride)}"),
                 Line("shape", "out = (in - 1)*stride - 2*padding + dilation*(k - 1) + "
                               "output_padding + 1")]
        for n, size, k, s, p, op, d, o in zip(names, call.x[1:], kernel, stride,
                                              call.axes("padding"), call.axes("output_padding"),
                                              call.axes("dilation"), call.out[1:]):
            lines.append(Line("shape", f"{n}: ({size} - 1)*{s} - 2*{p} + {d}*({k} - 1) + {op} "
                                       f"+ 1 = {o}"))
        lines.append(Line("shape", f"output shape: {shape_text(call.out, layout)}"))
        k_sym = " * ".join(f"k_{n.lower()}" for n in names)
        per = cout // groups
        weights = cin * per * math.prod(kernel)
        c_sym = "(C_out / groups)" if groups > 1 else "C_out"
        lines.append(product_line("weights", "weights", f"C_in * {c_sym} * {k_sym}",
                                  [cin, per, *kernel]))
        lines += _bias_lines(weights, cout, a["bias"])
        i_sym = " * ".join(f"{n}_in" for n in names)
        lines.append(product_line("macs", "MACs", f"C_in * {i_sym} * (C_out / groups) * {k_sym}"
                                  " (every input pixel is spread over a k-window)",
                                  [cin, *call.x[1:], per, *kernel]))
        return lines

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        kernel, stride = call.axes("kernel_size"), call.axes("stride")
        touched = tuple(-(-k // s) for k, s in zip(kernel, stride))
        grown = rf.through(touched, (1,) * call.ndim, (0,) * call.ndim)
        return grown.scaled(stride)

    def torch_module(self, call: Result):
        from torch import nn

        a = call.args
        return getattr(nn, f"ConvTranspose{call.ndim}d")(
            call.x[0], a["out_channels"], call.axes("kernel_size"), stride=call.axes("stride"),
            padding=call.axes("padding"), output_padding=call.axes("output_padding"),
            groups=a["groups"], bias=a["bias"], dilation=call.axes("dilation"))


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------

def _keras_read_conv(w: Written, n: int) -> Converted:
    args: dict[str, Any] = {
        "out_channels": keras_ints(w.get("filters"), "filters", w.cls),
        "kernel_size": keras_ints(w.get("kernel_size"), "kernel_size", w.cls),
    }
    stride = keras_ints(w.get("strides", 1), "strides", w.cls)
    dilation = keras_ints(w.get("dilation_rate", 1), "dilation_rate", w.cls)
    padding = read_padding(w, ("valid", "same", "causal") if n == 1 else ("valid", "same"))
    groups = w.get("groups", 1)
    if stride != 1:
        args["stride"] = stride
    if padding != "valid":
        args["padding"] = padding
    if dilation != 1:
        args["dilation"] = dilation
    if groups != 1:
        args["groups"] = keras_ints(groups, "groups", w.cls)
    if w.get("use_bias", True) is False:
        args["bias"] = False
    return f"conv{n}d", args, read_activation(w)


def _keras_write_conv(use: Use) -> Code:
    """A PyTorch padding Keras cannot say inside the layer (pixels) is a ZeroPadding before."""
    a, n = use.args, use.rank
    kernel = axes(a["kernel_size"], n)
    dilation = axes(a["dilation"], n)
    padding = a["padding"]
    if a.get("padding_mode", "zeros") != "zeros":
        raise Refused(f"padding_mode '{a['padding_mode']}' has no Keras counterpart")
    before: list[str] = []
    if isinstance(padding, str) and padding == "full":
        padding = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    if isinstance(padding, str):
        mode = padding
    else:
        pads = axes(padding, n)
        mode = "valid"
        if any(pads):
            before.append(f"layers.ZeroPadding{n}D({py(one(pads))}, name={{pad!r}})")
    args = [str(a["out_channels"]), py(one(kernel))]
    if axes(a["stride"], n) != (1,) * n:
        args.append(f"strides={py(one(axes(a['stride'], n)))}")
    if mode != "valid":
        args.append(f"padding={mode!r}")
    if dilation != (1,) * n:
        args.append(f"dilation_rate={py(one(dilation))}")
    if a["groups"] != 1:
        args.append(f"groups={a['groups']}")
    if not a["bias"]:
        args.append("use_bias=False")
    return before, f"layers.Conv{n}D({', '.join(args)}, name={{name!r}})", []


def _keras_read_conv_transpose(w: Written, n: int) -> Converted:
    """Keras' output size rules (``deconv_output_length``) as PyTorch's padding and
    output_padding: 'valid' gives in*s + max(k - s, 0), 'same' gives in*s."""
    kernel = keras_ints(w.get("kernel_size"), "kernel_size", w.cls)
    stride = keras_ints(w.get("strides", 1), "strides", w.cls)
    dilation = keras_ints(w.get("dilation_rate", 1), "dilation_rate", w.cls)
    padding = read_padding(w, ("valid", "same"))
    written_op = w.get("output_padding")
    pads, ops = [], []
    for k, s, d, op in zip(per_axis(kernel, n), per_axis(stride, n), per_axis(dilation, n),
                           per_axis(keras_ints(written_op, "output_padding", w.cls, 0)
                                    if written_op is not None else None, n)):
        k_eff = d * (k - 1) + 1
        if op is not None:
            pads.append(k_eff // 2 if padding == "same" else 0)
            ops.append(op)
        elif padding == "valid":
            pads.append(0)
            ops.append(max(s - k_eff, 0))
        else:  # 'same': (in-1)*s - 2p + k_eff + op = in*s
            total = k_eff - s
            if total >= 0:
                pads.append((total + 1) // 2)
                ops.append(2 * ((total + 1) // 2) - total)
            else:
                pads.append(0)
                ops.append(-total)
    args: dict[str, Any] = {"out_channels": keras_ints(w.get("filters"), "filters", w.cls),
                            "kernel_size": kernel}
    if stride != 1:
        args["stride"] = stride
    if any(pads):
        args["padding"] = pads[0] if len(set(pads)) == 1 else tuple(pads)
    if any(ops):
        if any(op >= max(s, d) for op, s, d in zip(ops, per_axis(stride, n),
                                                    per_axis(dilation, n))):
            raise KerasLayerError(f"{w.cls}'s output size needs output_padding {ops}, which "
                                  "PyTorch does not allow", "output_padding")
        args["output_padding"] = ops[0] if len(set(ops)) == 1 else tuple(ops)
    if dilation != 1:
        args["dilation"] = dilation
    if w.get("use_bias", True) is False:
        args["bias"] = False
    return f"conv_transpose{n}d", args, read_activation(w)


def _keras_write_conv_transpose(use: Use) -> Code:
    """PyTorch's ``padding`` (cut from the output) is a Cropping after the layer."""
    a, n = use.args, use.rank
    if a["groups"] != 1:
        raise Refused("Keras' transposed convolutions have no groups")
    kernel, stride = axes(a["kernel_size"], n), axes(a["stride"], n)
    pads, out_pad = axes(a["padding"], n), axes(a["output_padding"], n)
    dilation = axes(a["dilation"], n)
    args = [str(a["out_channels"]), py(one(kernel))]
    if stride != (1,) * n:
        args.append(f"strides={py(one(stride))}")
    if any(out_pad):
        args.append(f"output_padding={py(one(out_pad))}")
    elif any(s > d * (k - 1) + 1 for s, k, d in zip(stride, kernel, dilation)):
        args.append(f"output_padding={py(one((0,) * n))}")  # Keras' None adds s - k
    if dilation != (1,) * n:
        args.append(f"dilation_rate={py(one(dilation))}")
    if not a["bias"]:
        args.append("use_bias=False")
    after = [f"layers.Cropping{n}D({py(one(pads))}, name={{crop!r}})"] if any(pads) else []
    return [], f"layers.Conv{n}DTranspose({', '.join(args)}, name={{name!r}})", after


_CONV = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
         "groups", "activation", "use_bias")
Conv.keras = KerasSide((KerasClass("Conv{n}D", _CONV, _keras_read_conv, (1, 2, 3), True),
                        KerasClass("Convolution{n}D", _CONV, _keras_read_conv, (1, 2, 3),
                                   True)),
                       _keras_write_conv)
ConvTranspose.keras = KerasSide((KerasClass(
    "Conv{n}DTranspose", ("filters", "kernel_size", "strides", "padding", "output_padding",
                          "data_format", "dilation_rate", "activation", "use_bias"),
    _keras_read_conv_transpose, (1, 2, 3), True),), _keras_write_conv_transpose)
