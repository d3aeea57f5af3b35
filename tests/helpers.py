"""Helpers for tests: analyze inline specs, look up rows."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cnncalc import analyze, load_spec
from cnncalc.report import Report

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURES = ROOT / "architectures"


def run(text: str, **kwargs) -> Report:
    """Analyze a spec written inline (dedented) in a test."""
    return analyze(load_spec(textwrap.dedent(text), "spec.yaml"), **kwargs)


def shapes(report: Report) -> dict[str, tuple[int, ...] | None]:
    return {row.name: row.output_shape for row in report.rows}


def row(report: Report, name: str):
    for r in report.rows:
        if r.name == name:
            return r
    raise KeyError(f"no row {name!r}; rows: {[r.name for r in report.rows]}")
