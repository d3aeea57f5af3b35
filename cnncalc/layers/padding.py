"""Turning a written ``padding`` (ints, ``valid``, ``same``, ``full``, ``causal``) into
per-axis (before, after) pairs, shared by every sliding-window unit."""

from __future__ import annotations

from ..formulas import full_padding, same_padding
from .base import Call

PAD_WORDS = ("valid", "same", "full", "causal")


def resolve_padding(call: Call, kernel: tuple[int, ...], stride: tuple[int, ...],
                    dilation: tuple[int, ...], arg: str = "padding") -> list[tuple[int, int]]:
    """Per-axis (before, after) padding; warns when ``same`` has to pad asymmetrically."""
    value = call.args[arg]
    spatial = call.x[1:]
    if value == "valid":
        return [(0, 0)] * call.ndim
    if value == "full":
        return [(full_padding(k, d),) * 2 for k, d in zip(kernel, dilation)]
    if value == "causal":
        if call.ndim != 1:
            raise call.error("padding 'causal' is only defined for 1-D inputs", arg=arg)
        return [(full_padding(kernel[0], dilation[0]), 0)]
    if value == "same":
        pads = [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, stride, dilation)]
        odd = [f"{b}+{a}" for b, a in pads if b != a]
        if odd:
            call.warn(f"'same' padding is asymmetric ({', '.join(odd)} before+after): "
                      "TensorFlow's rule puts the extra pixel at the end")
        return pads
    return [(p, p) for p in call.axes(arg)]
