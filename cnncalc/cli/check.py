"""``cnncalc check ANSWERS.yaml``: mark a student's answers; a folder gives a CSV of scores."""

from __future__ import annotations

import csv
import io
import json
import os

import click

from ..check import FORMAT, Result, check_file
from ..errors import CnnCalcError
from .common import USER_ERROR, emit, report_errors


def result_text(result: Result, verbose: bool = True) -> str:
    lines = [f"check: {result.student} ({result.source})"
             + (f", network {result.spec}" if result.spec else "")]
    for mark in result.marks:
        label = f"{mark.item} {mark.field}"
        if mark.right:
            lines.append(f"  right  {label}: {_show(mark.given)}"
                         + (f" ({mark.note})" if mark.note else ""))
            continue
        given = "not answered" if mark.given is None else f"you wrote {_show(mark.given)}"
        lines.append(f"  WRONG  {label}: {given}; correct: {_show(mark.expected)}"
                     + (f" ({mark.note})" if mark.note and mark.given is not None else ""))
        if verbose:
            lines.extend(f"           {w}" for w in mark.work)
    lines.append(f"score: {result.right}/{result.total} ({result.percent:.1f}%)")
    return "\n".join(lines) + "\n"


def _show(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def scores_csv(results: list[tuple[str, Result | None, str]]) -> str:
    """One row per submission: file, student, right, total, percent, error, then one column
    per answered item (1 right, 0 wrong) in the order first seen."""
    items: list[str] = []
    for _, result, _ in results:
        for mark in result.marks if result else ():
            key = f"{mark.item} {mark.field}"
            if key not in items:
                items.append(key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "student", "right", "total", "percent", "error", *items])
    for path, result, error in results:
        if result is None:
            writer.writerow([path, "", "", "", "", error, *[""] * len(items)])
            continue
        got = {f"{m.item} {m.field}": int(m.right) for m in result.marks}
        writer.writerow([path, result.student, result.right, result.total,
                         f"{result.percent:.1f}", "", *[got.get(i, "") for i in items]])
    return buffer.getvalue()


@click.command("check", epilog="Answer file format:\n\n\b\n" + FORMAT)
@click.argument("answers", type=click.Path(exists=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "csv"]),
              default=None, help="text (default for one file), json for graders, csv "
              "(default for a folder).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file instead of stdout.")
@click.option("--brief", is_flag=True, help="Leave out the worked formulas of wrong answers.")
@report_errors
def command(answers: str, fmt: str | None, output: str | None, brief: bool) -> None:
    """Mark ANSWERS (a student's YAML answer file, or a folder of them) right or wrong.

    Each answer (output shape, weights, biases, params, MACs, FLOPs; per layer of a spec or
    per single-layer question) is compared with cnncalc's own computation; wrong ones get the
    correct value and the worked formula. A folder gives one CSV row of scores per file.
    Exit status 0 when marking worked (whatever the score), 2 on an unreadable answer file.

    \b
    Examples:
      cnncalc check examples/assignment/submissions/ada.yaml
      cnncalc check examples/assignment/submissions/ada.yaml --format json
      cnncalc check examples/assignment/submissions/ -o scores.csv
    """
    if os.path.isdir(answers):
        files = sorted(os.path.join(answers, f) for f in os.listdir(answers)
                       if f.endswith((".yaml", ".yml")))
        if not files:
            raise CnnCalcError(f"{answers} holds no .yaml answer files")
        results: list[tuple[str, Result | None, str]] = []
        failed = 0
        for path in files:
            try:
                results.append((path, check_file(path), ""))
            except CnnCalcError as exc:
                failed += 1
                click.echo(f"error: {exc}", err=True)
                results.append((path, None, str(exc)))
        if fmt == "json":
            text = json.dumps([r.as_dict() if r else {"source": p, "error": e}
                               for p, r, e in results], indent=2, sort_keys=True) + "\n"
        elif fmt == "text":
            text = "\n".join(result_text(r, not brief) if r else f"{p}: error: {e}\n"
                             for p, r, e in results)
        else:
            text = scores_csv(results)
        emit(text, output)
        if failed:
            raise SystemExit(USER_ERROR)
        return
    result = check_file(answers)
    if fmt == "json":
        emit(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n", output)
    elif fmt == "csv":
        emit(scores_csv([(answers, result, "")]), output)
    else:
        emit(result_text(result, not brief), output)
