"""cnncalc: calculate and analyze convolutional network architectures.

Library use, no CLI needed::

    from cnncalc import analyze_file
    report = analyze_file("architectures/vgg16.yaml")
    report.totals.params      # 138357544
"""

from __future__ import annotations

import os

from .engine import analyze
from .errors import CnnCalcError, ShapeError, SpecError
from .graph import Graph
from .report import Report
from .spec import load_file, load_spec

__version__ = "0.1.0"


def analyze_file(path: str | os.PathLike, **kwargs) -> Report:
    """Load a spec file and analyze it (``kwargs`` go to ``analyze``)."""
    return analyze(load_file(path), **kwargs)


def analyze_text(text: str, filename: str = "<string>", **kwargs) -> Report:
    """Analyze a spec given as YAML text."""
    return analyze(load_spec(text, filename), **kwargs)


__all__ = ["CnnCalcError", "Graph", "Report", "ShapeError", "SpecError", "analyze",
           "analyze_file", "analyze_text", "load_file", "load_spec"]
