"""The human table: aligned columns, a rule under the header, the totals block, the convention.

Written by hand rather than with rich: rich's table costs ~35 ms per run, more than the whole
analysis, and the output must be byte-stable for golden files. Colour is plain ANSI (bold
header, dim side-output rows) and only when asked for.
"""

from __future__ import annotations

import textwrap

from ..report import Report
from .columns import COLUMNS, collapse
from .summary import total_lines

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def to_table(report: Report, depth: int | None = None, color: bool = False,
             width: int | None = None) -> str:
    rows = collapse(report.rows, depth)
    cells = [[c.text(c.value(r, report), report) for c in COLUMNS] for r in rows]
    header = [c.header for c in COLUMNS]
    widths = [max(len(x) for x in col) for col in zip(header, *cells)]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if c.numeric else v.ljust(w)
                 for v, w, c in zip(values, widths, COLUMNS)]
        return "  ".join(parts).rstrip()

    bold, dim, reset = (BOLD, DIM, RESET) if color else ("", "", "")
    total_width = sum(widths) + 2 * (len(widths) - 1)
    out = [f"{bold}{report.name}{reset}", "", f"{bold}{line(header)}{reset}",
           "─" * total_width]
    for row, values in zip(rows, cells):
        text = line(values)
        out.append(text if row.on_main_path else f"{dim}{text}{reset}"
                   if color else f"{text}  (side output)")
    out.append("─" * total_width)
    totals = total_lines(report)
    label_width = max(len(label) for label, _ in totals)
    out += [f"{label.ljust(label_width)}  {value}" for label, value in totals]
    out.append("")
    wrapped = textwrap.wrap(report.conventions, width=max(60, min(width or 100, 100)))
    out += [f"{dim}{text}{reset}" for text in wrapped]
    return "\n".join(out) + "\n"
