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
        ("Params (trainable)", f"{grouped(t.params)} ({si(t.params)})"),
        ("Non-trainable (buffers)", grouped(t.non_trainable)),
        ("Keras-style total params", grouped(t.params + t.non_trainable)),
        ("MACs" + per, f"{grouped(t.macs)} ({si(t.macs)}MACs)"),
        ("FLOPs = 2 x MACs", f"{grouped(t.flops)} ({si(t.flops)}FLOPs)"),
        ("Other ops (bias, norm, act, pool, add)", f"{grouped(t.other_ops)}"),
        (f"Param memory ({report.dtype})", _bytes(t.param_bytes)),
        (f"Activation memory ({report.dtype})" + per, _bytes(t.activation_bytes)),
    ]
    if report.totals_main is not None:
        lines.extend(_main_only(report.totals_main))
    return lines


def _main_only(m: Totals) -> list[tuple[str, str]]:
    return [("Params without side outputs", f"{grouped(m.params)} ({si(m.params)})"),
            ("MACs without side outputs", f"{grouped(m.macs)} ({si(m.macs)}MACs)")]


def _bytes(n: int) -> str:
    return f"{megabytes(n)} ({mebibytes(n)})"


def _dims(shape, report: Report) -> str:
    from .columns import shape_text

    return shape_text(shape, report)


def _shape(report: Report) -> str:
    layout = "channels last, HWC" if report.layout == "hwc" else "channels first, CHW"
    return f"{_dims(report.input_shape, report)} ({layout})"
