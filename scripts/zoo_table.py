#!/usr/bin/env python3
"""The zoo's table (README.md), generated from the specs in ``architectures/`` (sub-folders
included) and the papers' figures in ``docs/paper_figures.yaml``.

Every cnncalc figure comes from running cnncalc's analysis on the spec, so the table cannot
drift from the specs: ``tests/test_zoo_table.py`` fails when the page's copy is stale. One row
per name that ``cnncalc analyze NAME`` accepts: a spec file's own name, or each member of a
family file (its ``variants``), with the ``--set`` values that make the member.

    python scripts/zoo_table.py            # print the table (Markdown) to stdout
    python scripts/zoo_table.py --write    # replace the table in README.md between
                                           # <!-- ZOO-TABLE:START --> and <!-- ZOO-TABLE:END -->

Only the text between the two markers is replaced; the markers must already be there.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "README.md"
PAPERS = ROOT / "docs" / "paper_figures.yaml"
START = "<!-- ZOO-TABLE:START -->"
END = "<!-- ZOO-TABLE:END -->"


def _natural(path: Path) -> list:
    """Sort key: the top folder's specs first, then each sub-folder's; resnet18 before
    resnet101."""
    return [len(path.parts), *(int(part) if part.isdigit() else part
                               for part in re.split(r"(\d+)", path.as_posix()))]


def significant_digits(value: str) -> int:
    """How many significant digits a paper's figure is printed with: a whole number's
    trailing zeros are not significant ("120M" is 2 digits; write "1.20e8" for 3).

    >>> [significant_digits(v) for v in ("3.8e9", "138e6", "0.39e9", "120e6", "1.20e8")]
    [2, 3, 2, 2, 3]
    """
    mantissa = value.lower().split("e")[0]
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0")
    return len(digits) or 1


def differs(paper: str, ours: int) -> bool:
    """Whether cnncalc's exact figure, rounded to the paper's precision, is not the paper's.

    >>> differs("3.8e9", 4_089_184_256), differs("138e6", 138_357_544)
    (True, False)
    >>> differs("0.39e9", 385_814_752), differs("120e6", 118_515_272)
    (False, False)
    """
    return float(f"{ours:.{significant_digits(paper)}g}") != float(paper)


def _paper_cell(entry: dict[str, Any] | None, params: int, macs: int) -> str:
    if not entry:
        return ""
    said = [entry[key]["says"] for key, ours in (("params", params), ("macs", macs))
            if key in entry and differs(str(entry[key]["value"]), ours)]
    # a figure no stored text of the paper confirmed is shown, marked (docs/paper_figures.yaml
    # says why for each)
    mark = ", unchecked" if "unchecked" in entry else ""
    return f"{', '.join(said)} [{entry['source']}{mark}]" if said else ""


def _members(folder: Path) -> dict[Path, list[tuple[str, dict]]]:
    """Each spec file with the zoo names that select it: its own stem for a plain file, each
    variant for a family file."""
    from cnncalc.zoo import catalogue

    found: dict[Path, list[tuple[str, dict]]] = {}
    for name, (path, settings) in catalogue().items():
        if folder in path.parents:
            found.setdefault(path, []).append((name, settings))
    for path, names in found.items():
        variants = [(n, s) for n, s in names if n != path.stem]
        found[path] = variants or names
    return found


def _rows(folder: Path, papers: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Markdown rows, notes on side outputs, and one line per family file."""
    from cnncalc import analyze, load_file
    from cnncalc.render.columns import shape_text

    rows, notes, families = [], [], []
    members = _members(folder)
    for path in sorted(members, key=lambda p: _natural(p.relative_to(folder))):
        spec = path.relative_to(folder).as_posix()
        family = any(name != path.stem for name, _ in members[path])
        if family:
            defaults = analyze(load_file(path)).args
            args = ", ".join(f"`{k}` ({v})" for k, v in defaults.items())
            names = ", ".join(f"`{name}`" for name, _ in members[path])
            families.append(f"- `{spec}`: args {args}; members {names}.")
        for name, settings in members[path]:
            report = analyze(load_file(path, settings=settings))
            main = report.totals_main or report.totals
            mark = " (main)" if report.totals_main else ""
            layout = " (HWC)" if report.layout == "hwc" else ""
            sets = " ".join(f"{k}={v}" for k, v in settings.items())
            paper = _paper_cell(papers.get(name), main.params, main.macs)
            rows.append(
                f"| `{name}` | {report.name} | `{spec}` | {f'`--set {sets}`' if sets else ''} "
                f"| {shape_text(report.input_shape, report)}{layout} | {main.params:,}{mark} "
                f"| {main.macs:,} | {paper} |")
            if report.totals_main:
                sides = ", ".join(f"`{side}`" for side, _ in report.outputs[1:])
                notes.append(f"- `{name}`: figures of the main output; with its side outputs "
                             f"({sides}) the network has {report.totals.params:,} parameters "
                             f"and {report.totals.macs:,} MACs.")
    return rows, notes, families


def zoo_table(folder: Path = ROOT / "architectures", papers: Path = PAPERS) -> str:
    """The whole table as Markdown, ending in a newline."""
    import yaml

    data = yaml.safe_load(papers.read_text(encoding="utf-8"))
    rows, notes, families = _rows(folder, data["networks"])
    cited = sorted({entry["source"] for entry in data["networks"].values()})
    lines = [
        "| name | network | spec | args | input | params | MACs | the paper's figure, "
        "where it differs |",
        "|---|---|---|---|---|---:|---:|---|",
        *rows,
        "",
        "`cnncalc analyze NAME` (any command that takes a spec) finds a network by its name; "
        "a family member is its file with the args shown (`--set` on the file gives the same). "
        "Specs are under `architectures/`. Params as `torch.nn.Module.parameters()` counts "
        "them; MACs per sample (batch 1); FLOPs = 2 x MACs. A paper's figure is shown where "
        "cnncalc's exact figure, rounded as the paper prints it, differs (papers' \"FLOPs\" "
        "and \"multiply-adds\" are MACs); `docs/paper_figures.yaml` holds every figure "
        "compared and where in the paper's text it was checked; a figure marked "
        "\"unchecked\" could not be found in any stored text of the paper (the file says "
        "why). Generated by `python scripts/zoo_table.py --write`.",
    ]
    if families:
        lines += ["", "Families (one file, spec-level args with their defaults):", "",
                  *families]
    if notes:
        lines += ["", *notes]
    lines += ["", "Papers:", "",
              *(f"- [{key}] {' '.join(data['sources'][key].split())}" for key in cited)]
    return "\n".join(lines) + "\n"


def replace_between_markers(text: str, table: str) -> str:
    """``text`` with everything between START and END replaced by ``table``."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"the page needs exactly one '{START}' followed by one '{END}' "
                         "line; add them where the zoo table belongs")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="replace the table in the page instead of printing it")
    parser.add_argument("--page", type=Path, default=PAGE, help="default: README.md")
    args = parser.parse_args(argv)
    table = zoo_table()
    if not args.write:
        sys.stdout.write(table)
        return 0
    text = args.page.read_text(encoding="utf-8")
    try:
        updated = replace_between_markers(text, table)
    except ValueError as exc:
        print(f"error: {args.page}: {exc}", file=sys.stderr)
        return 2
    if updated != text:
        args.page.write_text(updated, encoding="utf-8")
    print(f"{args.page}: zoo table {'updated' if updated != text else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
