"""The human table: aligned columns, a rule under the header, the totals block, the convention.

Written by hand rather than with rich: rich's table costs ~35 ms per run, more than the whole
analysis, and the output must be byte-stable for golden files. Colour is plain ANSI (bold
header, dim side-output rows) and only when asked for.
"""

from __future__ import annotations

from ..errors import clean
from ..report import Report
from .columns import COLUMNS, Column, collapse
from .summary import total_lines

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


OPTIONAL = ("receptive_field", "activations", "kind")
"""Columns left out, in this order, when the table would be wider than ``width``."""
MIN_NAME = 12


def _fit(columns: list[Column], cells: list[list[str]], width: int | None) -> tuple[
        list[Column], list[list[str]], list[str]]:
    """Drop optional columns, then shorten layer names (with '~'), until the table fits in
    ``width`` characters; return the columns kept, their cells and the headers dropped."""
    dropped: list[str] = []

    def total() -> int:
        header = [c.header for c in columns]
        return sum(max(len(x) for x in col) for col in zip(header, *cells)) + \
            2 * (len(columns) - 1)

    if width is None:
        return columns, cells, dropped
    for key in OPTIONAL:
        if total() <= width:
            break
        at = next(i for i, c in enumerate(columns) if c.key == key)
        dropped.append(columns[at].header)
        columns = columns[:at] + columns[at + 1:]
        cells = [row[:at] + row[at + 1:] for row in cells]
    excess = total() - width
    if excess > 0 and columns[0].key == "name":
        longest = max(len(row[0]) for row in [[columns[0].header], *cells])
        keep = max(MIN_NAME, longest - excess)
        cells = [[row[0] if len(row[0]) <= keep else row[0][:keep - 1] + "~", *row[1:]]
                 for row in cells]
    return columns, cells, dropped


def to_table(report: Report, depth: int | None = None, color: bool = False,
             width: int | None = None) -> str:
    """The table; with ``width`` (the terminal's, or ``COLUMNS``) it fits in that many
    characters: optional columns go first, then long layer names are shortened."""
    rows = collapse(report.rows, depth)
    cells = [[c.text(c.value(r, report), report) if c.numeric else
              clean(c.text(c.value(r, report), report)) for c in COLUMNS] for r in rows]
    columns, cells, dropped = _fit(list(COLUMNS), cells, width)
    header = [c.header for c in columns]
    widths = [max(len(x) for x in col) for col in zip(header, *cells)]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if c.numeric else v.ljust(w)
                 for v, w, c in zip(values, widths, columns)]
        return "  ".join(parts).rstrip()

    bold, dim, reset = (BOLD, DIM, RESET) if color else ("", "", "")
    total_width = sum(widths) + 2 * (len(widths) - 1)
    out = [f"{bold}{clean(report.name)}{reset}", "", f"{bold}{line(header)}{reset}",
           "─" * total_width]
    for row, values in zip(rows, cells):
        text = line(values)
        out.append(text if row.on_main_path else f"{dim}{text}{reset}"
                   if color else f"{text}  (side output)")
    out.append("─" * total_width)
    totals = total_lines(report)
    label_width = max(len(label) for label, _ in totals)
    out += [f"{label.ljust(label_width)}  {value}" for label, value in totals]
    if dropped:
        out.append(f"(not shown to fit {width} columns: {', '.join(dropped)})")
    out.append("")
    wrapped = _wrap(report.conventions, max(40, min(width or 100, 100)))
    out += [f"{dim}{text}{reset}" for text in wrapped]
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap of plain prose (the conventions footer): textwrap's import and its
    regular expressions cost more than the whole table's rendering."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines
