"""README's console examples are real runs: every ``$ cnncalc ...`` of the analytic commands
(and ``$ diff`` of example files) in a README console block whose output is shown in full is
run again and must print what README shows, and ``$ echo $?`` the exit status; so the page
cannot drift from the program. The torch commands (their output holds timings and versions)
and commands that write files are left out."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^( *)```console\n(.*?)^\1```", re.S | re.M)
TORCH = ("verify", "bench", "export")


def _checked(command: str) -> bool:
    argv = shlex.split(command)
    if argv[:2] == ["diff", argv[1]] and argv[1].startswith("examples/"):
        return True
    return argv[0] == "cnncalc" and argv[1] not in TORCH and "-o" not in argv


def examples() -> list[tuple[str, list[str], int | None]]:
    """(command, expected output lines, expected exit status or None) of README's blocks."""
    found = []
    for indent, block in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        lines = [line[len(indent):] for line in block.splitlines()]
        if any(line.strip() == "..." for line in lines):
            continue  # output elided on purpose
        runs: list[list] = []
        for line in lines:
            if line.startswith("$ echo $?") and runs:
                runs[-1][2] = "next"
            elif line.startswith("$ "):
                runs.append([line[2:], [], None])
            elif runs and runs[-1][2] == "next":
                runs[-1][2] = int(line)
            elif runs:
                runs[-1][1].append(line)
        found += [(cmd, out, code) for cmd, out, code in runs if _checked(cmd)]
    return found


def test_readme_shows_the_examples():
    commands = [cmd.split()[1] for cmd, _, _ in examples()]
    for command in ("check-spec", "conv", "explain", "solve", "check", "analyze"):
        assert command in commands


@pytest.mark.parametrize(("command", "expected", "status"), examples(),
                         ids=[cmd for cmd, _, _ in examples()])
def test_readme_example_is_a_real_run(command, expected, status):
    argv = shlex.split(command)
    if argv[0] == "cnncalc":
        argv = [sys.executable, "-m", "cnncalc", *argv[1:]]
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)  # as a terminal shows both streams: in order
    assert result.stdout.splitlines() == expected
    if status is not None:
        assert result.returncode == status
