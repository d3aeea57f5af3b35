"""Output formats of a ``Report``. Each is a projection of the same rows and columns."""

from __future__ import annotations

from ..report import Report

FORMATS = ("table", "json", "csv", "markdown")


def render(report: Report, fmt: str = "table", depth: int | None = None,
           color: bool = False, width: int | None = None) -> str:
    """The report as text in ``fmt``; only ``table`` imports rich."""
    if fmt == "json":
        from .json import to_json

        return to_json(report, depth)
    if fmt == "csv":
        from .text import to_csv

        return to_csv(report, depth)
    if fmt == "markdown":
        from .text import to_markdown

        return to_markdown(report, depth)
    if fmt == "table":
        from .table import to_table

        return to_table(report, depth, color=color, width=width)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
