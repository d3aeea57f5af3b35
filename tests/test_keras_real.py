"""Against real Keras (the ``keras`` extra, KERAS_BACKEND=torch): each model file of
``examples/keras`` is run by Keras itself, and its ``model.summary()`` rows and
``count_params()`` must equal cnncalc's ``analyze --style keras`` of the imported spec, row
for row. Skipped with the reason where Keras is absent."""

from __future__ import annotations

import os
import runpy

import pytest
from click.testing import CliRunner
from helpers import ROOT

from cnncalc import analyze, load_spec
from cnncalc.cli import main
from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec

pytestmark = [pytest.mark.keras,
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # keras' numpy 2 talk
              pytest.mark.filterwarnings("ignore::UserWarning")]
MODELS = ROOT / "examples" / "keras"
FILES = ["cats_dogs.py", "mnist_add.py", "residual.py", "two_heads.py"]


def keras_model(name: str):
    """The model as Keras builds it, running our own test file (never a user's)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="the keras extra is not installed")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()}, these tests on torch")
    keras.utils.clear_session()  # auto-names start afresh, as in a new process
    found = runpy.run_path(str(MODELS / name), run_name="keras_model_file")
    return found["model"]


def table_rows(text: str) -> list[list[str]]:
    """The cells of a rich box table, a wrapped cell's lines joined by one space."""
    rows, current = [], None
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if current is None:
                current = cells
            else:
                current = [f"{a} {b}".strip() for a, b in zip(current, cells)]
        elif line.startswith(("├", "└")) and current is not None:
            rows.append(current)
            current = None
    return rows


def keras_summary(model, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "200")  # Keras sizes its table to the terminal
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    return "\n".join(lines)


def ours(name: str, tmp_path) -> str:
    spec = tmp_path / "spec.yaml"
    text = (MODELS / name).read_text()
    spec.write_text(to_spec(read_model(text, name), name, "test"))
    result = CliRunner().invoke(main, ["analyze", str(spec), "--style", "keras"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", FILES)
def test_count_params_equals_the_import(name):
    model = keras_model(name)
    text = (MODELS / name).read_text()
    report = analyze(load_spec(to_spec(read_model(text, name), name, "test"), "spec.yaml"))
    assert report.totals.params + report.totals.non_trainable == model.count_params()
    trainable = sum(int(v.numpy().size) for v in model.trainable_weights)
    assert report.totals.params == trainable


@pytest.mark.parametrize("name", FILES)
def test_style_keras_matches_model_summary_row_for_row(name, tmp_path, monkeypatch):
    want = keras_summary(keras_model(name), monkeypatch)
    got = ours(name, tmp_path)
    want_rows, got_rows = table_rows(want), table_rows(got)
    assert len(want_rows) > 3
    assert got_rows == want_rows
    tail = [line for line in want.splitlines() if line.lstrip().startswith(
        ("Total params", "Trainable params", "Non-trainable params"))]
    assert tail == [line for line in got.splitlines() if line.lstrip().startswith(
        ("Total params", "Trainable params", "Non-trainable params"))]
    assert len(tail) == 3
