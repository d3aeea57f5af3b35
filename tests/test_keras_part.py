"""A kind declares its Keras side in its own unit (``cnncalc.layers.keras_part``): a kind
written here, in the test, with a ``keras = KerasSide(...)`` and nothing else, is read by
``cnncalc import keras``, written by ``export --to keras``, named by ``analyze --style keras``
and answers to its ``activation=`` name, with no table anywhere else to edit."""

from __future__ import annotations

import pytest

from cnncalc import load_spec
from cnncalc.importers.keras_layers import LAYERS
from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec
from cnncalc.keras_export import to_keras
from cnncalc.keras_names import activation_kind, keras_class
from cnncalc.layers.base import Arg, Call, LayerKind, Shape, numel, register, unregister
from cnncalc.layers.keras_part import KerasClass, KerasSide, Use, Written, sides


def _read(w: Written, n: int):
    return "soft_clip", {"limit": float(w.get("limit", 1.0))}, None


def _write(use: Use) -> str:
    return f"layers.SoftClip(limit={use.args['limit']!r}, name={{name!r}})"


class SoftClip(LayerKind):
    """limit * tanh(x / limit): a squashing activation with no weights."""

    base = "soft_clip"
    arguments = (Arg("limit", "float", 1.0, "the bound"),)
    category = "activation"
    keras = KerasSide((KerasClass("SoftClip", ("limit",), _read),), _write,
                      activations=("soft_clip",), summary="SoftClip")

    def output_shape(self, call: Call) -> Shape:
        return call.x

    def other_ops(self, call: Call) -> int:
        return numel(call.out)


@pytest.fixture
def soft_clip():
    register(SoftClip)
    yield
    unregister(SoftClip)


def test_every_side_is_a_kind_and_every_reader_is_a_keras_class():
    for unit, side in sides():
        assert side.classes or side.write or side.activations or side.summary, unit.name
    assert "Conv2D" in LAYERS and LAYERS["Conv2D"].rank == 2


def test_a_new_kind_brings_its_keras_side(soft_clip):
    assert LAYERS["SoftClip"].positional == ("limit",)
    assert keras_class("soft_clip") == "SoftClip"
    assert activation_kind("soft_clip") == "soft_clip"
    code = "import keras\nmodel = keras.Sequential([keras.Input((8, 8, 3)), " \
           "keras.layers.Conv2D(4, 3, activation='soft_clip'), keras.layers.SoftClip(2.0)])\n"
    spec = to_spec(read_model(code, "m.py"), "m.py", "cnncalc import keras m.py")
    assert "soft_clip: {name: conv2d_activation}" in spec
    assert "soft_clip: {name: soft_clip, limit: 2.0}" in spec
    graph = load_spec("input: [3, 8, 8]\nlayers: [soft_clip: {limit: 3}]\n", "s.yaml")
    assert "layers.SoftClip(limit=3.0, name='soft_clip1')" in to_keras(graph)


def test_without_the_kind_nothing_knows_it():
    assert "SoftClip" not in LAYERS
    with pytest.raises(ValueError):
        activation_kind("soft_clip")
