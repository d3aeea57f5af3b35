"""Turning a written ``padding`` (ints, ``valid``, ``same``, ``full``, ``causal``) into
per-axis (before, after) pairs, shared by every sliding-window unit; and the per-side counts
of ``zeropad`` and ``cropping``."""

from __future__ import annotations

from ..formulas import full_padding, same_padding
from ..worked import Line, axis_names
from .base import Call, ints

PAD_WORDS = ("valid", "same", "full", "causal")
SIDES_DOC = ("integer, per-axis list, or 2 per axis in axis order [before0, after0, before1, "
             "after1, ...]")


def per_side(call: Call, arg: str) -> list[tuple[int, int]]:
    """The ``any_ints`` argument ``arg`` as (before, after) per spatial axis: one integer for
    every side, one per axis for both its sides, or two per axis (Keras' order)."""
    value = call.args[arg]
    if isinstance(value, int):
        return [(value, value)] * call.ndim
    if len(value) == call.ndim:
        return [(v, v) for v in value]
    if len(value) == 2 * call.ndim:
        return [(value[2 * i], value[2 * i + 1]) for i in range(call.ndim)]
    raise call.error(f"{arg} {list(value)} needs 1, {call.ndim} or {2 * call.ndim} values for "
                     f"{call.ndim} spatial axes", arg=arg)


def resolve_padding(call: Call, kernel: tuple[int, ...], stride: tuple[int, ...],
                    dilation: tuple[int, ...], arg: str = "padding",
                    warn: bool = True) -> list[tuple[int, int]]:
    """Per-axis (before, after) padding; warns (the shape rule's call, ``warn``) when
    ``same`` has to pad asymmetrically."""
    value = call.args[arg]
    spatial = call.x[1:]
    if value == "valid":
        return [(0, 0)] * call.ndim
    if value == "full":
        return [(full_padding(k, d),) * 2 for k, d in zip(kernel, dilation)]
    if value == "causal":
        if call.ndim != 1:
            raise call.error("padding 'causal' is only defined for 1-D inputs", arg=arg,
                             code="causal_not_1d")
        return [(full_padding(kernel[0], dilation[0]), 0)]
    if value == "same":
        strided = any(s > 1 for s in stride)
        if strided and call.framework == "pytorch":
            raise call.error("padding='same' is not supported for strided convolutions "
                             f"(PyTorch's rule; stride {ints(stride)})", arg=arg,
                             code="same_strided",
                             hint="write the padding as numbers, or set 'framework: keras' for "
                                  "TensorFlow's asymmetric rule")
        pads = [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, stride, dilation)]
        odd = [f"{n} {b}+{a}" for n, (b, a) in zip(axis_names(call.ndim), pads) if b != a]
        rule = ("; PyTorch refuses 'same' at stride > 1 (say 'framework: pytorch' or "
                "'framework: keras' to choose)") if strided and not call.framework else ""
        if odd and warn:
            call.warn(f"'same' padding is asymmetric (before+after: {', '.join(odd)}): "
                      f"TensorFlow's rule puts the extra pixel at the end{rule}")
        elif rule and warn:
            call.warn(f"'same' at stride {ints(stride)} follows TensorFlow's rule (output "
                      f"ceil(in / stride)){rule}")
        return pads
    return [(p, p) for p in call.axes(arg)]


def explain_padding(value, spatial, kernel, stride, dilation, pads) -> list[Line]:
    """How a written padding became per-axis (before, after) pixels, as worked lines."""
    names = axis_names(len(spatial))
    if value == "valid":
        return [Line("padding", "padding 'valid': no padding")]
    lines = []
    for n, size, k, s, d, (b, a) in zip(names, spatial, kernel, stride, dilation, pads):
        ext = d * (k - 1) + 1
        if value == "same":
            if s == 1:
                text = f"total = k_eff - 1 = {ext - 1}"
            else:
                out = -(-size // s)
                text = (f"out = ceil({size} / {s}) = {out}; total = max(({out} - 1)*{s} + {ext} "
                        f"- {size}, 0) = {b + a}")
            odd = " (the odd pixel goes after, TensorFlow's rule)" if b != a else ""
            lines.append(Line("padding", f"{n}: padding 'same': {text} -> {b} before, {a} "
                                         f"after{odd}"))
        elif value == "full":
            lines.append(Line("padding", f"{n}: padding 'full': k_eff - 1 = {ext - 1} on each "
                                         "side"))
        elif value == "causal":
            lines.append(Line("padding", f"{n}: padding 'causal': k_eff - 1 = {ext - 1} before, "
                                         "0 after"))
    return lines
