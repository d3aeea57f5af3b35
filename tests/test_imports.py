"""The analytic path must stay framework-free: no torch, no numpy, no rich table."""

from __future__ import annotations

import subprocess
import sys

from helpers import ARCHITECTURES

PROBE = """
import sys
from cnncalc.cli import main
try:
    main(["analyze", {spec!r}, "--format", {fmt!r}], standalone_mode=False)
finally:
    heavy = sorted(m for m in ("torch", "numpy", "rich.table", "rich.console", "pandas")
                   if m in sys.modules)
    sys.stderr.write("HEAVY=" + ",".join(heavy) + "\\n")
"""


def _heavy_modules(fmt: str) -> str:
    code = PROBE.format(spec=str(ARCHITECTURES / "vgg16.yaml"), fmt=fmt)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return result.stderr.strip().splitlines()[-1]


def test_analyze_imports_no_torch_numpy_or_rich_table():
    for fmt in ("table", "json", "csv", "markdown"):
        assert _heavy_modules(fmt) == "HEAVY=", fmt
