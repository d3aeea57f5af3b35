"""Root test configuration: doctests of modules that need torch are collected only with torch."""

from __future__ import annotations

import importlib.util

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob.append("cnncalc/torch/*")
