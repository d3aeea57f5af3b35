"""Golden files: the JSON and Markdown output of every shipped architecture, byte for byte.

A change in output shows up as a diff in review. Rewrite them on purpose with
``python -m pytest tests/test_golden.py --update-golden`` and read the diff before committing.
Each golden is also checked for internal consistency: per-row figures sum to the totals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ARCHITECTURES

from cnncalc import analyze, analyze_file, load_spec
from cnncalc.render import render

GOLDEN = Path(__file__).parent / "golden"
SPECS = sorted(ARCHITECTURES.glob("*.yaml"))


def _check(path: Path, text: str, update: bool) -> None:
    if update:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run pytest --update-golden and review it"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} differs from the current output; if the change is intended, run "
        "python -m pytest tests/test_golden.py --update-golden and review the diff")


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_golden_json_and_markdown(spec: Path, update_golden: bool):
    # loaded under its repository path, so goldens do not depend on where the checkout is
    report = analyze(load_spec(spec.read_text(encoding="utf-8"), f"architectures/{spec.name}"))
    _check(GOLDEN / f"{spec.stem}.json", render(report, "json"), update_golden)
    _check(GOLDEN / f"{spec.stem}.md", render(report, "markdown"), update_golden)


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_rows_sum_to_totals(spec: Path):
    data = json.loads(render(analyze_file(spec), "json"))
    for key in ("params", "non_trainable", "macs", "flops", "other_ops", "activations"):
        assert sum(layer[key] for layer in data["layers"]) == data["totals"][key], key
    assert data["totals"]["flops"] == 2 * data["totals"]["macs"]
    assert data["totals"]["trainable_params"] == data["totals"]["params"]


def test_every_golden_belongs_to_a_shipped_architecture():
    stems = {s.stem for s in SPECS}
    orphans = [p.name for p in GOLDEN.glob("*") if p.stem not in stems]
    assert not orphans, f"golden files without a spec: {orphans}"
