"""The totals block under every human-readable table, shared by table and Markdown output."""

from __future__ import annotations

from ..report import Report, Totals
from ..units import grouped, mebibytes, megabytes, si


def total_lines(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs, exact integers first and SI figures in brackets."""
    t = report.totals
    per = f" (batch {report.batch})" if report.batch else " (per sample)"
    lines = [
        ("Input", _shape(report)),
        ("Output", ", ".join(f"{n}: {_dims(s, report)}" for n, s in report.outputs)),
        ("Params (trainable)", _with_si(t.params)),
        ("Non-trainable (buffers)", grouped(t.non_trainable)),
        ("Keras-style total params", grouped(t.params + t.non_trainable)),
        ("MACs" + per, _with_si(t.macs, "MACs")),
        ("FLOPs = 2 x MACs", _with_si(t.flops, "FLOPs")),
        ("Other ops (bias, norm, act, pool, add)", f"{grouped(t.other_ops)}"),
        (f"Param memory ({report.dtype})", _bytes(t.param_bytes)),
        (f"Activation memory ({report.dtype})" + per, _bytes(t.activation_bytes)),
    ]
    if report.totals_main is not None:
        lines.extend(_main_only(report.totals_main))
    return lines


def _main_only(m: Totals) -> list[tuple[str, str]]:
    return [("Params without side outputs", _with_si(m.params)),
            ("MACs without side outputs", _with_si(m.macs, "MACs"))]


def _with_si(n: int, unit: str = "") -> str:
    """``1,234,567 (1.23 M)``; below a thousand the SI figure would only repeat the number
    (``56 (56)``), so it is left out."""
    return grouped(n) if abs(n) < 1000 else f"{grouped(n)} ({si(n)}{unit})"


def _bytes(n: int) -> str:
    return f"{megabytes(n)} ({mebibytes(n)})"


def _dims(shape, report: Report) -> str:
    from .columns import shape_text

    return shape_text(shape, report)


def _shape(report: Report) -> str:
    layout = "channels last, HWC" if report.layout == "hwc" else "channels first, CHW"
    return f"{_dims(report.input_shape, report)} ({layout})"
