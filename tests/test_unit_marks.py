"""Marking reads the layer unit, never guesses: a correct answer (output shape, weights,
biases, params, MACs) for every layer of every shipped spec is marked right, LeNet-5's
connection-table C3 included, and the slips of issue 11 are named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import ARCHITECTURES

from cnncalc import load_file
from cnncalc.check import check_file
from cnncalc.cli import main
from cnncalc.engine import propagate
from cnncalc.layers.base import to_layout

SPECS = sorted(ARCHITECTURES.glob("*.yaml"))


def _answers_file(tmp_path: Path, spec: Path, answers: dict) -> Path:
    path = tmp_path / "answers.yaml"
    text = yaml.safe_dump({"spec": str(spec.resolve()), "answers": answers}, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_lenet5_c3_weights_and_biases_are_marked_right(tmp_path: Path) -> None:
    """C3 reads a connection table: 60 connections x 5x5 = 1,500 weights, 16 biases (one per
    output map), 1,516 params (LeCun et al. 1998)."""
    path = _answers_file(tmp_path, ARCHITECTURES / "lenet5_1998.yaml",
                         {"c3": {"weights": 1500, "biases": 16, "params": 1516,
                                 "output": "16x10x10"}})
    result = CliRunner().invoke(main, ["check", str(path)], prog_name="cnncalc")
    assert result.exit_code == 0, result.output
    assert "4/4" in result.output or "4 of 4" in result.output, result.output
    marks = check_file(str(path)).marks
    assert [(m.field, m.right) for m in marks] == [
        ("weights", True), ("biases", True), ("params", True), ("output", True)]


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_every_layer_of_every_shipped_spec_is_marked_right(spec: Path, tmp_path: Path) -> None:
    graph = load_file(spec)
    answers = {}
    for step in propagate(graph):
        result = step.result
        assert result is not None
        answers[step.node.name] = {
            "output": "x".join(map(str, to_layout(result.out, graph.layout))),
            "weights": result.weights, "biases": result.biases, "params": result.params,
            "macs": result.macs}
    assert answers
    marks = check_file(str(_answers_file(tmp_path, spec, answers))).marks
    assert len(marks) == 5 * len(answers)
    wrong = [m for m in marks if not m.right]
    assert not wrong, wrong[:3]
    # the split is the unit's: weights + biases = params, as torch counts them
    assert all(a["weights"] + a["biases"] == a["params"] for a in answers.values())
