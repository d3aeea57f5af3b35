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


def test_the_layer_units_import_no_engine_graph_or_loader():
    """The import cycle engine -> graph -> layers/base -> layers/fixes -> engine is broken:
    nothing under cnncalc/layers imports the engine, the graph, the debugger or the loader at
    run time (type hints under ``TYPE_CHECKING`` excepted)."""
    import ast

    from helpers import ROOT

    forbidden = {"engine", "graph", "diagnose", "spec", "check", "homework"}
    found = []
    for path in sorted((ROOT / "cnncalc" / "layers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and getattr(node.test, "id", "") == "TYPE_CHECKING"
                       for n in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and id(node) not in typing_only \
                    and node.level == 2 and (node.module or "").split(".")[0] in forbidden:
                found.append(f"{path.name}:{node.lineno} from ..{node.module}")
    assert not found, found
