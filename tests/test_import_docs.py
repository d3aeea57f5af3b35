"""docs/import.md's console examples are real runs (as README's are, in
``test_readme_examples``): each ``$ cnncalc ...`` must print what the page shows (stdout
then stderr), and ``$ echo $?`` its exit status. The committed ``examples/keras/*.yaml`` the
page analyzes must be what the importer writes today."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
from helpers import ROOT

from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec

PAGE = ROOT / "docs" / "import.md"
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def examples() -> list[tuple[str, list[str], int | None]]:
    runs: list[list] = []
    for block in BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ echo $?") and runs:
                runs[-1][2] = "next"
            elif line.startswith("$ "):
                runs.append([line[2:], [], None])
            elif runs and runs[-1][2] == "next":
                runs[-1][2] = int(line)
            elif runs:
                runs[-1][1].append(line)
    return [(cmd, out, code) for cmd, out, code in runs]


def test_the_page_shows_import_and_the_keras_style():
    commands = [cmd for cmd, _, _ in examples()]
    assert any(c.startswith("cnncalc import keras") for c in commands)
    assert any("--style keras" in c for c in commands)


@pytest.mark.parametrize(("command", "expected", "status"), examples(),
                         ids=[cmd for cmd, _, _ in examples()])
def test_example_is_a_real_run(command, expected, status):
    argv = shlex.split(command)
    assert argv[0] == "cnncalc"
    result = subprocess.run([sys.executable, "-m", "cnncalc", *argv[1:]], text=True, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # as a terminal
    assert result.stdout.splitlines() == expected
    if status is not None:
        assert result.returncode == status


def test_the_committed_spec_is_what_the_importer_writes():
    source = "examples/keras/cats_dogs.py"
    text = (ROOT / source).read_text()
    written = to_spec(read_model(text, source), source, f"cnncalc import keras {source}")
    assert (ROOT / "examples" / "keras" / "cats_dogs.yaml").read_text() == written
