"""Plain-text projections of a report: CSV for spreadsheets, Markdown for papers and READMEs."""

from __future__ import annotations

import csv
import io

from ..layers.core import fmt_shape
from ..report import Report
from ..spec import to_layout
from .columns import COLUMNS, collapse, shape_value
from .summary import total_lines


def to_csv(report: Report, depth: int | None = None) -> str:
    """One row per layer with raw integers (shape as 'CxHxW', or 'HxWxC' with ``--layout
    hwc``), and no totals row, so that summing a column gives the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in COLUMNS] + ["flops", "non_trainable", "other_ops"])
    for row in collapse(report.rows, depth):
        values = []
        for c in COLUMNS:
            value = c.value(row, report)
            if c.key == "output_shape":  # in the report's layout, as the table shows it
                shape = shape_value(to_layout(value, report.layout) if value else None, report)
                value = fmt_shape(shape) if shape else ""
            elif c.key == "receptive_field":
                value = fmt_shape(value) if value else ""
            values.append(value)
        writer.writerow(values + [row.flops, row.buffers, row.other_ops])
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report, depth: int | None = None) -> str:
    lines = [f"## {_escape(report.name)}", "",
             "| " + " | ".join(c.header for c in COLUMNS) + " |",
             "|" + "|".join("---:" if c.numeric else "---" for c in COLUMNS) + "|"]
    for row in collapse(report.rows, depth):
        cells = [_escape(c.text(c.value(row, report), report)) for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| Total | |", "|---|---:|"]
    lines += [f"| {label} | {_escape(value)} |" for label, value in total_lines(report)]
    lines += ["", f"_{report.conventions}_", ""]
    for warning in report.warnings:
        lines.append(f"- {_escape(str(warning))}")
    return "\n".join(lines).rstrip() + "\n"
