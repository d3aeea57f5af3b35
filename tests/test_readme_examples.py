"""README's console examples of the shape debugger are real runs: every ``$ cnncalc check-spec``
and ``$ diff`` on a file of ``examples/`` is run again and must print what README shows (and
``$ echo $?`` the exit status), so the page cannot drift from the program."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
CHECKED = ("cnncalc check-spec examples/", "diff examples/")


def examples() -> list[tuple[str, list[str], int | None]]:
    """(command, expected output lines, expected exit status or None) of README's blocks."""
    found = []
    for block in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        runs: list[list] = []
        for line in block.splitlines():
            if line.startswith("$ echo $?") and runs:
                runs[-1][2] = "next"
            elif line.startswith("$ "):
                runs.append([line[2:], [], None])
            elif runs and runs[-1][2] == "next":
                runs[-1][2] = int(line)
            elif runs:
                runs[-1][1].append(line)
        found += [(cmd, out, code) for cmd, out, code in runs if cmd.startswith(CHECKED)]
    return found


def test_readme_shows_the_debugging_examples():
    assert len(examples()) >= 7


@pytest.mark.parametrize(("command", "expected", "status"), examples(),
                         ids=[cmd for cmd, _, _ in examples()])
def test_readme_example_is_a_real_run(command, expected, status):
    argv = shlex.split(command)
    if argv[0] == "cnncalc":
        argv = [sys.executable, "-m", "cnncalc", *argv[1:]]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    assert (result.stdout + result.stderr).splitlines() == expected
    if status is not None:
        assert result.returncode == status
