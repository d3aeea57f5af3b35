"""Convolutions: ``conv1d/2d/3d`` (and rank-generic ``conv``) and their transposes."""

from __future__ import annotations

import math

from ..formulas import conv_out, conv_transpose_out
from .base import Arg, Call, LayerKind, Receptive, Shape, fmt_shape, numel, register
from .padding import PAD_WORDS, resolve_padding

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def check_in_channels(call: Call, groups: int, out_channels: int | None = None) -> int:
    """Input channels, checked against a written ``in_channels`` and ``groups``."""
    channels = call.x[0]
    written = call.args.get("in_channels")
    if written is not None and written != channels:
        raise call.error(f"in_channels is written as {written} but the input has {channels} "
                         f"channels ({fmt_shape(call.x)})", arg="in_channels",
                         hint=f"write in_channels: {channels} or leave it out (it is inferred)")
    if channels % groups:
        raise call.error(f"groups={groups} does not divide the {channels} input channels",
                         arg="groups")
    if out_channels is not None and out_channels % groups:
        raise call.error(f"groups={groups} does not divide out_channels={out_channels}",
                         arg="groups")
    return channels


def warn_dropped(call: Call, dropped: list[int], sizes: tuple[int, ...]) -> None:
    names = AXIS_NAMES.get(call.ndim, ())
    lost = [f"{n} loses {d} of {s}" for n, d, s in zip(names, dropped, sizes) if d > 0]
    if lost:
        call.warn("floor division leaves border pixels unread (" + ", ".join(lost) + ")")


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


@register
class Conv(LayerKind):
    """Convolution (torch.nn.Conv1d/2d/3d); `conv` picks the rank from its input."""

    base = "conv"
    dims = (1, 2, 3, None)
    arguments = CONV_ARGS
    category = "convolution"
    min_rank = 2

    def _geometry(self, call: Call):
        kernel, stride, dilation = call.axes("kernel_size"), call.axes("stride"), \
            call.axes("dilation")
        return kernel, stride, dilation, resolve_padding(call, kernel, stride, dilation)

    def output_shape(self, call: Call) -> Shape:
        out_channels, groups = call.args["out_channels"], call.args["groups"]
        check_in_channels(call, groups, out_channels)
        kernel, stride, dilation, pads = self._geometry(call)
        call.state["pads"] = pads
        sizes, dropped = [], []
        for n, k, s, d, (before, after) in zip(call.x[1:], kernel, stride, dilation, pads):
            try:
                axis = conv_out(n, k, s, before, after, d)
            except ValueError as exc:
                padded = [x + b + a for x, (b, a) in zip(call.x[1:], pads)]
                raise call.error(f"kernel {fmt_shape(kernel)} is larger than the padded input "
                                 f"{fmt_shape(padded)}" + (f" ({exc})" if d > 1 else ""),
                                 arg="kernel_size",
                                 hint=f"use a smaller kernel or padding >= "
                                      f"{max(0, -(-(d * (k - 1) + 1 - n) // 2))}") from None
            sizes.append(axis.size)
            dropped.append(axis.dropped - after if s <= d * (k - 1) + 1 else 0)
        warn_dropped(call, dropped, call.x[1:])
        return (out_channels, *sizes)

    def params(self, call: Call) -> int:
        a = call.args
        weights = a["out_channels"] * (call.x[0] // a["groups"]) * math.prod(call.axes(
            "kernel_size"))
        return weights + (a["out_channels"] if a["bias"] else 0)

    def macs(self, call: Call) -> int:
        a = call.args
        return numel(call.out) * (call.x[0] // a["groups"]) * math.prod(call.axes("kernel_size"))

    def other_ops(self, call: Call) -> int:
        return numel(call.out) if call.args["bias"] else 0

    def receptive(self, call: Call, rf: Receptive) -> Receptive:
        kernel, stride, dilation, _ = self._geometry(call)
        pads = call.state.get("pads") or [(0, 0)] * call.ndim
        return rf.through(kernel, stride, [b for b, _ in pads], dilation)


@register
class ConvTranspose(LayerKind):
    """Transposed convolution (torch.nn.ConvTranspose1d/2d/3d), a learned upsampling."""

    base = "conv_transpose"
    dims = (1, 2, 3, None)
    aliases_by_dim = {None: ("deconv", "conv2d_transpose")}
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
    category = "convolution"
    min_rank = 2

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
                raise call.error(str(exc), arg="output_padding") from None
        return (out_channels, *sizes)

    def params(self, call: Call) -> int:
        a = call.args
        weights = call.x[0] * (a["out_channels"] // a["groups"]) * math.prod(
            call.axes("kernel_size"))
        return weights + (a["out_channels"] if a["bias"] else 0)

    def macs(self, call: Call) -> int:
        a = call.args
        return numel(call.x) * (a["out_channels"] // a["groups"]) * math.prod(
            call.axes("kernel_size"))

    def other_ops(self, call: Call) -> int:
        return numel(call.out) if call.args["bias"] else 0

    def receptive(self, call: Call, rf: Receptive) -> Receptive:
        kernel, stride = call.axes("kernel_size"), call.axes("stride")
        touched = tuple(-(-k // s) for k, s in zip(kernel, stride))
        grown = rf.through(touched, (1,) * call.ndim, (0,) * call.ndim)
        return grown.scaled(tuple(float(s) for s in stride))
