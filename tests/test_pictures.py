"""The pictures in docs/images/ are what scripts/pictures.py makes today."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET

from helpers import ROOT


def _script():
    loaded = importlib.util.spec_from_file_location("pictures", ROOT / "scripts" / "pictures.py")
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


def test_shipped_pictures_are_current():
    script = _script()
    assert script.stale() == [], (
        "docs/images/ is stale; regenerate with: python scripts/pictures.py --write")


def test_shipped_pictures_are_the_promised_ones():
    names = set(_script().pictures())
    assert {"lenet5.svg", "alexnet.svg", "vgg16.svg", "inception_module.svg",
            "resnet50_stage.svg", "unet.svg", "vgg16_report.html"} <= names
    for name in names:
        if name.endswith(".svg"):
            ET.parse(ROOT / "docs" / "images" / name)
    doc = (ROOT / "docs" / "pictures.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f"images/{name}" in doc, f"docs/pictures.md does not show {name}"
        assert f"docs/images/{name}" in readme, f"README.md does not show {name}"


def test_docs_console_examples_are_real_runs():
    """docs/pictures.md's commands that print (no -o) print what the page shows."""
    import re
    import shlex
    import subprocess
    import sys

    text = (ROOT / "docs" / "pictures.md").read_text(encoding="utf-8")
    checked = 0
    for block in re.findall(r"^```console\n(.*?)^```", text, re.S | re.M):
        runs: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                runs.append((line[2:], []))
            elif runs:
                runs[-1][1].append(line)
        for command, expected in runs:
            argv = shlex.split(command)
            assert argv[0] == "cnncalc"
            if "-o" in argv:
                continue
            result = subprocess.run([sys.executable, "-m", "cnncalc", *argv[1:]],
                                    capture_output=True, text=True, cwd=ROOT)
            assert result.returncode == 0 and result.stdout.splitlines() == expected, command
            checked += 1
    assert checked >= 1
