"""docs/import.md: its console examples are rerun with every other page's by
``test_readme_examples``; here, that the page shows the import and the Keras style, and that
the committed ``examples/keras/*.yaml`` the page analyzes is what the importer writes today."""

from __future__ import annotations

from helpers import ROOT
from test_readme_examples import _sessions

from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec

PAGE = ROOT / "docs" / "import.md"


def test_the_page_shows_import_and_the_keras_style():
    commands = [cmd for _, runs in _sessions(PAGE) for cmd, _, _ in runs]
    assert any(c.startswith("cnncalc import keras") for c in commands)
    assert any("--style keras" in c for c in commands)


def test_the_committed_spec_is_what_the_importer_writes():
    source = "examples/keras/cats_dogs.py"
    text = (ROOT / source).read_text()
    written = to_spec(read_model(text, source), source, f"cnncalc import keras {source}")
    assert (ROOT / "examples" / "keras" / "cats_dogs.yaml").read_text() == written
