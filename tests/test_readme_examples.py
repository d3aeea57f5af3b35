"""The console examples of README.md and of every page in docs/ are real runs.

Every ``console`` block is read as a session: each ``$ cnncalc ...`` of the analytic commands,
``$ diff`` and ``$ cut`` is run again, in order, in a scratch folder that sees the repository's
``examples/`` and ``architectures/`` (so ``-o FILE`` writes there, and a later ``$ cut`` of that
file reads it), and must print what the page shows; ``$ echo $?`` after a command gives its exit
status. A line ``...`` in the shown output stands for any number of lines left out; a trailing
``>/dev/null`` compares only what goes to stderr. The torch commands (their output holds
timings and versions) and other programs' commands (pip, pytest, the benchmark) are not rerun;
``cnncalc import torch`` is rerun where torch is installed.
A ``$ cnncalc`` line outside a ``console`` block is refused, so no example escapes the run by
its fence, and the pages' relative links must lead to a file and a heading that exist."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^( *)```(\S*)[^\n]*\n(.*?)^\1```", re.S | re.M)
TORCH = ("verify", "bench", "export")
SHARED = ("examples", "architectures")   # what a session's scratch folder sees of the repository


def _page_name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


HAVE_PLOT = importlib.util.find_spec("matplotlib") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _needs_plot(argv: list[str]) -> bool:
    """``cnncalc plot`` and PNG/PDF pictures need the plot extra (matplotlib); the core
    environment without it reruns every other example, CI's first environment these too."""
    return argv[1] == "plot" or any(a.endswith((".png", ".pdf")) for a in argv)


def _rerun(command: str) -> bool:
    argv = shlex.split(command)
    if argv[0] in ("diff", "cut"):
        return True
    if argv[0] != "cnncalc" or argv[1] in TORCH:
        return False
    if argv[1:3] == ["import", "torch"]:   # deterministic output, but it needs the torch extra
        return HAVE_TORCH
    return HAVE_PLOT or not _needs_plot(argv)


def _sessions(page: Path) -> list[tuple[str, list[tuple[str, list[str], int | None]]]]:
    """(id, [(command, expected output lines, expected exit status or None)]) per block."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        indent, language, block = match.groups()
        if language != "console":
            continue
        runs: list[list] = []
        for line in (line[len(indent):] for line in block.splitlines()):
            if line.startswith("$ echo $?") and runs:
                runs[-1][2] = "next"
            elif line.startswith("$ "):
                runs.append([line[2:], [], None])
            elif runs and runs[-1][2] == "next":
                runs[-1][2] = int(line)
            elif runs:
                runs[-1][1].append(line)
        runs = [run for run in runs if _rerun(run[0])]
        if runs:
            line_no = text.count("\n", 0, match.start()) + 1
            found.append((f"{_page_name(page)}:{line_no} {runs[0][0]}",
                          [(cmd, out, code) for cmd, out, code in runs]))
    return found


def sessions() -> list[tuple[str, list]]:
    return [session for page in PAGES for session in _sessions(page)]


def _matches(actual: list[str], expected: list[str]) -> bool:
    """``expected`` equals ``actual``, where a line ``...`` stands for any lines (even none)."""
    chunks: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == "...":
            chunks.append([])
        else:
            chunks[-1].append(line)
    if len(chunks) == 1:
        return actual == expected
    first, *middle, last = chunks
    end = len(actual) - len(last)
    if end < len(first) or actual[:len(first)] != first or actual[end:] != last:
        return False
    at = len(first)
    for chunk in middle:
        while at + len(chunk) <= end and actual[at:at + len(chunk)] != chunk:
            at += 1
        if at + len(chunk) > end:
            return False
        at += len(chunk)
    return True


def _run(command: str, cwd: Path) -> tuple[list[str], int]:
    argv = shlex.split(command)
    quiet_stdout = argv[-1] == ">/dev/null"
    if quiet_stdout:
        argv = argv[:-1]
    if argv[0] == "cnncalc":
        argv = [sys.executable, "-m", "cnncalc", *argv[1:]]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    if quiet_stdout:
        result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env)
        return result.stderr.splitlines(), result.returncode
    # as a terminal shows both streams: in the order they were written
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=cwd, env=env)
    return result.stdout.splitlines(), result.returncode


@pytest.mark.parametrize(("session", "runs"), sessions(), ids=[name for name, _ in sessions()])
def test_console_example_is_a_real_run(session, runs, tmp_path):
    for name in SHARED:
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    for command, expected, status in runs:
        shown, code = _run(command, tmp_path)
        assert _matches(shown, expected), (
            f"{session}\n$ {command}\nshown on the page:\n" + "\n".join(expected)
            + "\n\nprinted now:\n" + "\n".join(shown))
        if status is not None:
            assert code == status, f"$ {command}: exit status {code}, the page says {status}"


def test_the_pages_show_every_analytic_command():
    commands = {cmd.split()[1] for _, runs in sessions() for cmd, _, _ in runs
                if cmd.startswith("cnncalc ")}
    assert {"check-spec", "conv", "explain", "solve", "check", "analyze"} <= commands
    readme = {cmd.split()[1] for _, runs in _sessions(ROOT / "README.md")
              for cmd, _, _ in runs if cmd.startswith("cnncalc ")}
    assert {"analyze", "check-spec", "conv", "explain", "solve", "check"} <= readme


def test_the_docs_pages_are_read():
    names = {_page_name(page) for page in PAGES}
    assert {"README.md", "docs/debugging.md", "docs/homework.md", "docs/analyze.md"} <= names
    with_examples = {name.split(":")[0] for name, _ in sessions()}
    assert {"README.md", "docs/debugging.md", "docs/homework.md", "docs/analyze.md"} \
        <= with_examples


@pytest.mark.parametrize("page", PAGES, ids=_page_name)
def test_no_cnncalc_command_outside_a_console_block(page):
    for _indent, language, block in FENCE.findall(page.read_text(encoding="utf-8")):
        if language != "console":
            stray = [line for line in block.splitlines() if line.lstrip().startswith("$ cnncalc")]
            assert not stray, f"{_page_name(page)}: {stray[0]!r} is in a '{language}' block; " \
                              "make it a 'console' block so that it is rerun"


@pytest.mark.parametrize(("sample", "shown", "ok"), [
    (["a", "b", "c"], ["a", "...", "c"], True),
    (["a", "c"], ["a", "...", "c"], True),
    (["a", "b", "c", "d"], ["...", "b", "...", "d"], True),
    (["a", "b"], ["a", "b", "..."], True),
    (["a", "b"], ["a", "...", "b", "c"], False),
    (["a", "x", "c"], ["a", "b", "..."], False),
    (["a", "b"], ["a", "...", "c"], False),
    (["a"], ["a", "...", "a"], False),
    (["a", "b"], ["a", "b"], True),
    (["a", "b"], ["a"], False),
])
def test_an_ellipsis_stands_for_any_lines(sample, shown, ok):
    assert _matches(sample, shown) is ok


# ---------------------------------------------------------------------------------------------
# links between the pages

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(m) for m in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=_page_name)
def test_relative_links_lead_to_a_file_and_a_heading(page):
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue   # a web address
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{_page_name(page)}: link to {target} leads nowhere"
        if anchor:
            assert anchor in _anchors(linked), \
                f"{_page_name(page)}: link to {target}: no such heading in {linked.name}"


def test_readme_links_every_docs_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f"]({_page_name(page)}" in readme, f"README.md does not link {_page_name(page)}"


def test_ci_runs_readme_test_command_verbatim():
    """CI's first job is README's test command, so a newcomer's command is the one tested."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for _, language, block in FENCE.findall(readme) if language == "bash"
                   for line in block.splitlines() if "pytest" in line)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci, f".ci/run does not run README's test command: {command}"
