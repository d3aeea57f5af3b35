"""Worked formulas: the step-by-step lines a textbook would write, with the numbers substituted.

Layer units build their ``explain(call)`` answers from these helpers so that every kind shows its
arithmetic the same way: the formula with the numbers in it, the exact quotient, and the
rounding made visible (``(224 - 11) / 4 + 1 = 54.25 -> floor -> 54``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .record import record

if TYPE_CHECKING:
    from fractions import Fraction

TOPICS = ("input", "padding", "shape", "weights", "biases", "params", "macs", "note")


@record(frozen=True)
class Line:
    """One step of a worked answer; ``topic`` says which quantity it computes (see TOPICS)."""

    topic: str
    text: str

    def __str__(self) -> str:
        return self.text


def number(value: Fraction | int | float) -> str:
    """An exact number as a student would write it: 54, 54.25, 5.333..."""
    from fractions import Fraction  # explanations only: kept off analyze's import path

    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    for digits in (1, 2, 3):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            return _decimal(value, digits)
    return _decimal(value, 3) + "..."


def _decimal(value: Fraction, digits: int) -> str:
    """``value`` with ``digits`` decimals, exactly (a float overflows past 1e308)."""
    whole, rest = divmod(abs(value.numerator) * 10**digits // value.denominator, 10**digits)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole:,}.{rest:0{digits}d}"


def rounded(quotient: Fraction, ceil: bool = False) -> tuple[int, str]:
    """The integer a division rounds to, and the visible rounding step (empty when exact)."""
    if quotient.denominator == 1:
        return int(quotient), ""
    value = -(-quotient.numerator // quotient.denominator) if ceil else \
        quotient.numerator // quotient.denominator
    return value, f" -> {'ceil' if ceil else 'floor'} -> {value:,}"


def terms(values: Sequence[int | str], sep: str = " * ") -> str:
    return sep.join(f"{v:,}" if isinstance(v, int) else v for v in values)


def product_line(topic: str, label: str, symbols: str, factors: Sequence[int]) -> Line:
    """``weights = k_h * k_w * C_in * C_out = 5 * 5 * 3 * 6 = 450``."""
    total = 1
    for f in factors:
        total *= f
    if len(factors) == 1:
        return Line(topic, f"{label} = {symbols} = {factors[0]:,}")
    return Line(topic, f"{label} = {symbols} = {terms(list(factors))} = {total:,}")


def params_line(weights: int, biases: int) -> Line:
    """``params = weights + biases = 150 + 6 = 156``, the sum every layer with weights ends
    its account with."""
    return Line("params", f"params = weights + biases = {weights:,} + {biases:,} = "
                          f"{weights + biases:,}")


def with_flops(lines: Sequence[Line], macs: int) -> list[Line]:
    """``lines`` ending with ``FLOPs = 2 * MACs`` when the layer multiplies by weights.

    The summary of every calculator prints FLOPs; a unit whose ``explain`` stops at its MACs
    (a transposed convolution, a dense layer) gets the same last step here, so a handout never
    shows one layer's FLOPs and not another's."""
    lines = list(lines)
    if macs and not any(line.topic == "macs" and line.text.startswith("FLOPs")
                        for line in lines):
        lines.append(Line("macs", f"FLOPs = 2 * MACs = {2 * macs:,}"))
    return lines


def sliding_window_line(axis: str, size: int, pad_before: int, pad_after: int, kernel: int,
                        stride: int, dilation: int = 1, ceil: bool = False,
                        discarded_last: bool = False) -> tuple[Line, int]:
    """One axis of ``out = (in + pads - k_eff) / stride + 1`` with the rounding shown.

    Returns the line and the output size. ``discarded_last`` is PyTorch's ceil-mode rule: a
    last window starting in the right padding is dropped (one less output). A stride longer
    than the window also skips pixels between windows; that is said too, since "the last
    pixel is never covered" alone would suggest it is the only one.
    """
    extent = dilation * (kernel - 1) + 1
    pads = f" + 2*{pad_before}" if pad_before == pad_after else f" + {pad_before} + {pad_after}"
    if pad_before == pad_after == 0:
        pads = ""
    from fractions import Fraction

    numer = size + pad_before + pad_after - extent
    quotient = Fraction(numer, stride) + 1
    head = f"({size}{pads} - {extent}) / {stride} + 1" if stride != 1 else \
        f"({size}{pads} - {extent}) + 1"
    if stride == 1:
        text = f"{axis}: {head} = {number(quotient)}"
        out = int(quotient)
    else:
        out, step = rounded(quotient, ceil)
        text = f"{axis}: {head} = {number(quotient)}{step}"
    if ceil and discarded_last:
        out -= 1
        place = "in the padding" if pad_after else "past the end of the input"
        text += f" -> the last window would start {place}, so PyTorch drops it -> {out}"
    if not ceil and quotient.denominator != 1:
        covered = (out - 1) * stride + extent
        left = size + pad_before + pad_after - covered
        real = left - pad_after
        if real > 0:
            text += (f", the last {real} pixel{'s are' if real > 1 else ' is'} never covered")
        else:
            text += ", only padding is left over"
    if stride > extent and out > 1:
        what = "kernel" if dilation == 1 else "k_eff"
        text += (f"{', and' if ', ' in text else ','} stride {stride} > {what} {extent} skips "
                 f"{stride - extent} of every {stride} pixels")
    return Line("shape", text), out


def shape_text(shape: Sequence[int], layout: str = "chw") -> str:
    """A channels-first shape written in the reader's layout: 6x28x28 or 28x28x6."""
    from .layers.core import fmt_shape

    return fmt_shape(shape, layout)


def axis_names(ndim: int) -> tuple[str, ...]:
    return {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}.get(ndim, ())


def layout_names(ndim: int, layout: str = "chw") -> str:
    names = list(axis_names(ndim))
    return " x ".join(["C", *names] if layout == "chw" else [*names, "C"])
