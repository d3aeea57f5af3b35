"""``cnncalc import torch`` on every torchvision classification model (separate environment).

Needs torchvision, which cnncalc does not: skipped with the reason where it is absent, like
the torchvision tests of ``tests/test_zoo.py``. Run it where torch and torchvision are::

    python -m pytest tests/test_import_torchvision.py

For every model of ``torchvision.models.list_models(module=torchvision.models)`` either the
import round-trips exactly (the written spec's parameters and MACs equal
``sum(p.numel() for p in model.parameters())`` and ``FlopCounterMode`` FLOPs / 2 of the
model, in eval mode at batch 1, and ``cnncalc verify`` passes on it); a model torchvision adds
fails ``test_every_model_is_listed`` until it does (a refused op is one line naming the
module path and the op: tests/test_import_torch.py).

Measured with torchvision 0.28.0 and torch 2.13.0 (torchvision 0.29.1 does not install
here; a model it adds or changes fails ``test_every_model_is_listed`` or its own test): all
80 round-trip (the five ViTs: the written spec's attention MACs are what FlopCounterMode
counts on the meta device, where the products run as ``bmm``; the six Swins:
``ShiftedWindowAttention`` (V2) is one ``shifted_window_attention`` row, the fx-wrapped
``_patch_merging_pad`` a ``patch_merge`` row; MaxViT-T: each ``PartitionAttentionLayer`` is
one ``partition_attention`` row). GoogLeNet and Inception v3 are built with
``aux_logits=False``: their auxiliary heads never run in eval mode, so no trace can see them
(``test_never_called_heads_are_named`` checks the note that says so).

The round trip is of the spec as written by default, with ``blocks:`` for the module classes
that repeat (``notes == []`` also says the block spec matched the flat rows, row for row);
``test_blocks_make_the_spec_shorter`` pins the line counts that docs/import.md quotes.
Run here with ``/tmp/tv/bin/python`` and torchvision's stub (see the preamble's
``/tmp/tvtest.py``), ``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

pytest.importorskip("torch", reason="cnncalc import torch needs the torch extra")
torchvision = pytest.importorskip(
    "torchvision", reason="torchvision is not installed (a separate environment has it)")

from torch_roundtrip import import_spec, own_figures, spec_figures  # noqa: E402

from cnncalc.cli import main  # noqa: E402
from cnncalc.importers.torch_import import import_torch  # noqa: E402

pytestmark = pytest.mark.torch

ROUND_TRIP = [
    "alexnet", "convnext_base", "convnext_large", "convnext_small", "convnext_tiny",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
    "efficientnet_v2_l", "efficientnet_v2_m", "efficientnet_v2_s", "googlenet", "inception_v3",
    "maxvit_t", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3", "mobilenet_v2",
    "mobilenet_v3_large", "mobilenet_v3_small",
    "regnet_x_16gf", "regnet_x_1_6gf", "regnet_x_32gf", "regnet_x_3_2gf", "regnet_x_400mf",
    "regnet_x_800mf", "regnet_x_8gf", "regnet_y_128gf", "regnet_y_16gf", "regnet_y_1_6gf",
    "regnet_y_32gf", "regnet_y_3_2gf", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_8gf",
    "resnet101", "resnet152", "resnet18", "resnet34", "resnet50",
    "resnext101_32x8d", "resnext101_64x4d", "resnext50_32x4d",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "squeezenet1_0", "squeezenet1_1",
    "swin_b", "swin_s", "swin_t", "swin_v2_b", "swin_v2_s", "swin_v2_t",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "vit_b_16", "vit_b_32", "vit_h_14", "vit_l_16", "vit_l_32",
    "wide_resnet101_2", "wide_resnet50_2",
]

FACTORY = {"googlenet": "googlenet(aux_logits=False)",
           "inception_v3": "inception_v3(aux_logits=False)"}
SIZE = {"inception_v3": 299}


def reference(model: str) -> str:
    return f"torchvision.models:{FACTORY.get(model, model)}"


def shape(model: str) -> tuple[int, int, int]:
    size = SIZE.get(model, 224)
    return (3, size, size)


def test_every_model_is_listed():
    listed = set(torchvision.models.list_models(module=torchvision.models))
    assert listed == set(ROUND_TRIP)


@pytest.mark.parametrize("model", ROUND_TRIP)
def test_round_trip_is_exact_and_verify_passes(model, tmp_path):
    spec, notes = import_spec(reference(model), shape(model))
    assert notes == []
    assert spec_figures(spec) == own_figures(reference(model), shape(model))
    path = tmp_path / f"{model}.yaml"
    path.write_text(spec)
    result = CliRunner().invoke(main, ["verify", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output[-2000:]


def test_never_called_heads_are_named():
    spec, notes = import_spec("torchvision.models:googlenet", (3, 224, 224))
    with_heads = own_figures("torchvision.models:googlenet", (3, 224, 224))
    without = own_figures(reference("googlenet"), (3, 224, 224))
    unused = with_heads[0] - without[0]
    assert notes == [f"{unused:,} parameters in modules forward never calls in eval mode are "
                     "not in the spec: aux1, aux2"]
    assert spec_figures(spec) == without


# model: lines of the spec written flat (--flat), and with blocks (the default)
SHORTER = {"resnet50": (229, 61), "mobilenet_v2": (301, 85), "efficientnet_b0": (467, 133),
           "densenet121": (565, 271)}


@pytest.mark.parametrize("model", sorted(SHORTER))
def test_blocks_make_the_spec_shorter(model):
    spec, notes = import_spec(reference(model), shape(model))
    flat, _ = import_torch(reference(model), shape(model),
                           f"cnncalc import torch {reference(model)}", flat=True)
    assert notes == [] and "blocks:" in spec and "blocks:" not in flat
    assert (len(flat.splitlines()), len(spec.splitlines())) == SHORTER[model]
