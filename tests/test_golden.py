"""Golden files: the JSON and Markdown output of every shipped architecture, byte for byte.

A change in output shows up as a diff in review. Rewrite them on purpose with
``python -m pytest tests/test_golden.py --update-golden`` and read the diff before committing.
Each golden is also checked for internal consistency: per-row figures sum to the totals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ZOO_SPECS, zoo_id

from cnncalc import analyze, analyze_file, load_spec
from cnncalc.render import render

GOLDEN = Path(__file__).parent / "golden"
SPECS = ZOO_SPECS


def _check(path: Path, text: str, update: bool) -> None:
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run pytest --update-golden and review it"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} differs from the current output; if the change is intended, run "
        "python -m pytest tests/test_golden.py --update-golden and review the diff")


@pytest.mark.parametrize("spec", SPECS, ids=[zoo_id(s) for s in SPECS])
def test_golden_json_and_markdown(spec: Path, update_golden: bool):
    # loaded under its repository path, so goldens do not depend on where the checkout is
    name = f"architectures/{zoo_id(spec)}.yaml"
    report = analyze(load_spec(spec.read_text(encoding="utf-8"), name))
    _check(GOLDEN / f"{zoo_id(spec)}.json", render(report, "json"), update_golden)
    _check(GOLDEN / f"{zoo_id(spec)}.md", render(report, "markdown"), update_golden)


@pytest.mark.parametrize("spec", SPECS, ids=[zoo_id(s) for s in SPECS])
def test_rows_sum_to_totals(spec: Path):
    data = json.loads(render(analyze_file(spec), "json"))
    for key in ("params", "non_trainable", "macs", "flops", "other_ops", "activations"):
        assert sum(layer[key] for layer in data["layers"]) == data["totals"][key], key
    assert data["totals"]["flops"] == 2 * data["totals"]["macs"]
    assert data["totals"]["trainable_params"] == data["totals"]["params"]


def test_every_golden_belongs_to_a_shipped_architecture():
    ids = {zoo_id(s) for s in SPECS}
    orphans = [p.name for p in GOLDEN.rglob("*.*")
               if p.relative_to(GOLDEN).with_suffix("").as_posix() not in ids]
    assert not orphans, f"golden files without a spec: {orphans}"
