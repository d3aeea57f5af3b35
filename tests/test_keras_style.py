"""``analyze --style keras`` on specs written for cnncalc (the imported ones are compared
with real Keras in ``test_keras_real``): Keras' regrouping, batch and depth, refusals."""

from __future__ import annotations

from click.testing import CliRunner
from helpers import ARCHITECTURES

from cnncalc import analyze_file
from cnncalc.cli import main
from cnncalc.render.keras import keras_rows, readable_bytes


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cats_dogs_spec_shows_its_relu_rows_as_activation_layers():
    result = invoke("analyze", str(ARCHITECTURES / "keras_cats_dogs.yaml"), "--style", "keras")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == 'Model: "Keras cats-vs-dogs convnet"'
    conv = next(line for line in lines if "(Conv2D)" in line)
    relu = next(line for line in lines if "(Activation)" in line)
    assert conv.split("│")[2:4] == [" (None, 178, 178, 32)        ", "             896 "]
    assert relu.split("│")[2:4] == [" (None, 178, 178, 32)        ", "               0 "]
    assert lines[-3:] == [" Total params: 991,041 (3.78 MB)",
                          " Trainable params: 991,041 (3.78 MB)",
                          " Non-trainable params: 0 (0.00 B)"]


def test_batchnorm_statistics_are_keras_non_trainable_params():
    report = analyze_file(ARCHITECTURES / "vgg16_bn.yaml")
    rows = keras_rows(report, depth=99)
    bn = next(r for r in rows if r.cls == "BatchNormalization")
    assert (bn.params, bn.buffers) == (128, 128)
    result = invoke("analyze", str(ARCHITECTURES / "vgg16_bn.yaml"), "--style", "keras",
                    "--batch", "8")
    assert " Total params: 138,374,440 (527.86 MB)" in result.stdout
    assert " Non-trainable params: 8,448 (33.00 KB)" in result.stdout
    assert "(8, 25088)" in result.stdout


def test_blocks_fold_like_nested_models_until_depth_unfolds_them():
    spec = str(ARCHITECTURES / "resnet_basic_block.yaml")
    folded = invoke("analyze", spec, "--style", "keras").stdout
    assert "(Functional)" in folded
    unfolded = invoke("analyze", spec, "--style", "keras", "--depth", "5").stdout
    assert "(Functional)" not in unfolded and "Connected to" in unfolded
    assert "(Add)" in unfolded


def test_style_keras_is_a_table_only():
    result = invoke("analyze", str(ARCHITECTURES / "lenet5.yaml"), "--style", "keras", "-f",
                    "json")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --style keras is a table; leave out --format")


def test_memory_is_keras_1024_based():
    assert readable_bytes(1023) == "1023.00 B"
    assert readable_bytes(1024) == "1.00 KB"
    assert readable_bytes(5 * 1024 ** 3) == "5.00 GB"
