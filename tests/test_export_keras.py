"""``cnncalc export --to keras``: the spec as Keras code.

Without Keras: every exportable architecture read back by ``cnncalc import keras`` gives
the same Keras-style total (params + buffers), and what cannot be exported is one located
line. With the keras extra: Keras itself runs the file and counts the same parameters."""

from __future__ import annotations

import os
import re
import runpy

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES, ZOO_SPECS, zoo_id

from cnncalc import analyze, analyze_file, load_file, load_spec
from cnncalc.cli import main
from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec
from cnncalc.keras_export import to_keras

REFUSED = {
    "alexnet_2012": "'norm1' (local_response_norm) to Keras: local_response_norm has no Keras "
                    "layer",
    "googlenet": "'aux1.adaptive_avgpool1' (adaptive_avgpool2d)",
    "lenet5_1998": "'s2' (subsample2d)",
    "zfnet": "'norm1' (local_response_norm)",
    "segmentation/deeplabv3_mobilenet_v3_large":
        "'classifier.0.convs.4.interpolate1' (interpolate)",
    "segmentation/deeplabv3_resnet50": "'classifier.0.convs.4.interpolate1' (interpolate)",
    "segmentation/fcn_resnet50": "'interpolate1' (interpolate)",
    "segmentation/lraspp_mobilenet_v3_large": "'classifier.interpolate1' (interpolate)",
    # issue 12's kinds have no Keras export written yet (PyTorch export works)
    "convnext": "'features.0.1' (channel_layernorm)",
    "shufflenet_v2": "'stage2.0.channel_shuffle1' (channel_shuffle)",
    # issue 14's ViT: its reshape to tokens first (no Keras export of the attention kinds)
    "vit": "'reshape' (reshape)",
}
SPECS = [zoo_id(p) for p in ZOO_SPECS]
EXPORTED = [s for s in SPECS if s not in REFUSED]
RUN_IN_KERAS = ["keras_cats_dogs", "lenet5", "resnet_basic_block", "inception_module",
                "timeseries_dilated_conv1d", "squeezenet1_1", "tcn"]


def keras_total(spec: str) -> int:
    totals = analyze_file(ARCHITECTURES / f"{spec}.yaml").totals
    return totals.params + totals.non_trainable


@pytest.mark.parametrize("spec", EXPORTED)
def test_export_reads_back_to_the_same_counts(spec):
    code = to_keras(load_file(ARCHITECTURES / f"{spec}.yaml"), f"{spec}.yaml")
    back = analyze(load_spec(to_spec(read_model(code, "x.py"), "x.py", "test"), "y.yaml"))
    assert back.ok
    assert back.totals.params + back.totals.non_trainable == keras_total(spec)
    assert f"PARAMETERS = {keras_total(spec)}\n" in code
    assert max(len(line) for line in code.splitlines()[1:]) <= 100


@pytest.mark.parametrize("spec", sorted(REFUSED))
def test_what_keras_cannot_say_is_one_located_line(spec):
    result = CliRunner().invoke(main, ["export", str(ARCHITECTURES / f"{spec}.yaml"), "--to",
                                       "keras"])
    assert result.exit_code == 2
    assert result.stdout == ""
    line, = result.stderr.splitlines()
    where = line.split(": ", 2)[1]       # the layer's line, in the spec or a file it uses
    assert re.fullmatch(r"\S+\.yaml:\d+:\d+", where), line
    assert f"cannot export layer {REFUSED[spec]}" in line


def test_padding_and_ceil_mode_become_zero_padding():
    code = to_keras(load_spec(
        "input: [3, 10, 10]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, "
        "padding: 1}\n  - maxpool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n"
        "  - conv_transpose2d: {out_channels: 2, kernel_size: 4, stride: 2, padding: 1}\n",
        "s.yaml"))
    assert "    x1_pad = layers.ZeroPadding2D(1, name='conv1_pad')(inputs)\n" \
           "    x1 = layers.Conv2D(4, 3, name='conv1')(x1_pad)\n" \
           "    x2_pad = layers.ZeroPadding2D(((0, 1), (0, 1)), name='maxpool1_pad')(x1)\n" \
           "    x2 = layers.MaxPooling2D(3, strides=2, name='maxpool1')(x2_pad)\n" \
           "    x3 = layers.Conv2DTranspose(2, 4, strides=2, name='conv_transpose1')(x2)\n" \
           "    x3 = layers.Cropping2D(1, name='conv_transpose1_crop')(x3)\n" in code


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize("spec", RUN_IN_KERAS)
def test_keras_counts_what_cnncalc_counts(spec, tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="the keras extra is not installed")
    keras.utils.clear_session()
    path = tmp_path / f"{spec}.py"
    path.write_text(to_keras(load_file(ARCHITECTURES / f"{spec}.yaml"), f"{spec}.yaml"))
    model = runpy.run_path(str(path), run_name="exported")["build_model"]()
    assert model.count_params() == keras_total(spec)
    report = analyze_file(ARCHITECTURES / f"{spec}.yaml")
    assert tuple(model.output_shape[1:]) == tuple(
        report.rows[-1].output_shape[1:] + report.rows[-1].output_shape[:1]
        if len(report.rows[-1].output_shape) > 1 else report.rows[-1].output_shape)
