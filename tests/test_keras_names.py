"""Keras' spellings: class names and argument names as aliases in the layer units, pools
with ``padding: valid|same``, and ``split_activation`` (which the spec loader calls so that
``activation:`` on a layer is its own row)."""

from __future__ import annotations

import pytest
from helpers import run

from cnncalc import load_spec
from cnncalc.errors import SpecError
from cnncalc.keras_names import (
    ACTIVATIONS,
    activation_kind,
    keras_class,
    snake_case,
    split_activation,
)
from cnncalc.layers import REGISTRY, lookup


@pytest.mark.parametrize("keras, kind", [
    ("Conv1D", "conv1d"), ("Conv2D", "conv2d"), ("Convolution2D", "conv2d"),
    ("Conv3D", "conv3d"), ("Conv1DTranspose", "conv_transpose1d"),
    ("Conv2DTranspose", "conv_transpose2d"), ("MaxPooling1D", "maxpool1d"),
    ("MaxPooling2D", "maxpool2d"), ("MaxPool2D", "maxpool2d"), ("MaxPooling3D", "maxpool3d"),
    ("AveragePooling2D", "avgpool2d"), ("AvgPool2D", "avgpool2d"),
    ("GlobalAveragePooling2D", "global_avgpool"), ("GlobalAvgPool1D", "global_avgpool"),
    ("GlobalMaxPooling2D", "global_maxpool"), ("Dense", "linear"), ("Flatten", "flatten"),
    ("Dropout", "dropout"), ("BatchNormalization", "batchnorm"), ("ReLU", "relu"),
    ("LeakyReLU", "leaky_relu"), ("ELU", "elu"), ("Softmax", "softmax"),
    ("ZeroPadding2D", "zeropad2d"), ("Cropping2D", "cropping2d"), ("Rescaling", "rescaling"),
    ("RandomFlip", "random_flip"), ("RandomRotation", "random_rotation"),
    ("RandomZoom", "random_zoom"), ("Add", "add"), ("Concatenate", "concat"),
    ("Multiply", "multiply"),
])
def test_keras_class_names_are_layer_names(keras, kind):
    assert lookup(keras).name == kind


def test_the_book_convnet_typed_with_keras_names_gives_991041():
    report = run("""
        name: cats vs dogs, Keras names
        input_layout: hwc
        input: [180, 180, 3]
        layers:
          - RandomFlip: {mode: horizontal}
          - RandomRotation: 0.1
          - RandomZoom: {height_factor: 0.2}
          - Rescaling: {scale: 0.00392156862745098}
          - Conv2D: {filters: 32, kernel_size: 3, strides: 1, padding: valid}
          - ReLU
          - MaxPooling2D: {pool_size: 2}
          - Conv2D: {filters: 64, kernel_size: 3}
          - ReLU
          - MaxPooling2D: {pool_size: 2, padding: valid}
          - Conv2D: {filters: 128, kernel_size: 3}
          - ReLU
          - MaxPooling2D: {pool_size: 2}
          - Conv2D: {filters: 256, kernel_size: 3, dilation_rate: 1, use_bias: true}
          - ReLU
          - MaxPooling2D: {pool_size: 2, strides: 2}
          - Conv2D: {filters: 256, kernel_size: 3}
          - ReLU
          - Flatten
          - Dropout: {rate: 0.5}
          - Dense: {units: 1}
          - sigmoid
    """)
    assert report.ok
    assert report.totals.params == 991_041


def test_batchnorm_takes_keras_epsilon():
    report = run("""
        input: [4, 8, 8]
        layers: [BatchNormalization: {epsilon: 0.001}]
    """)
    assert report.totals.params == 8 and report.totals.non_trainable == 8


@pytest.mark.parametrize("size, pool, stride, want", [
    (7, 2, None, 4), (8, 2, None, 4), (7, 3, 1, 7), (7, 3, 2, 4), (1, 3, 2, 1)])
def test_pool_padding_same_gives_ceil_of_size_over_stride(size, pool, stride, want):
    """TensorFlow's 'same': ceil(in / stride) outputs, whatever the window."""
    strides = f", strides: {stride}" if stride else ""
    report = run(f"""
        input_layout: hwc
        input: [{size}, {size}, 3]
        layers: [MaxPooling2D: {{pool_size: {pool}, padding: same{strides}}}]
    """)
    assert report.rows[0].output_shape == (3, want, want)


def test_pool_padding_valid_is_no_padding():
    report = run("""
        input: [3, 7, 7]
        layers: [AveragePooling2D: {pool_size: 2, padding: valid}]
    """)
    assert report.rows[0].output_shape == (3, 3, 3)


def test_same_with_ceil_mode_is_refused():
    with pytest.raises(SpecError, match="padding 'same' already keeps the last window"):
        load_spec("input: [3, 7, 7]\nlayers: [maxpool2d: {kernel_size: 2, padding: same, "
                  "ceil_mode: true}]\n", "s.yaml")


def test_split_activation():
    assert split_activation("conv2d", {"filters": 32, "kernel_size": 3, "activation": "relu"}) \
        == ({"filters": 32, "kernel_size": 3}, "relu")
    assert split_activation("Dense", {"units": 1, "activation": "sigmoid"}) == \
        ({"units": 1}, "sigmoid")
    assert split_activation("Dense", {"units": 1, "activation": None}) == ({"units": 1}, None)
    assert split_activation("Dense", {"units": 1}) == ({"units": 1}, None)
    raw = {"units": 1, "activation": "softmax"}
    split_activation("Dense", raw)
    assert raw == {"units": 1, "activation": "softmax"}  # the caller's mapping is untouched
    with pytest.raises(ValueError, match="activation 'rellu' is not one cnncalc knows"):
        split_activation("Dense", {"units": 1, "activation": "rellu"})


def test_every_activation_named_is_a_layer_kind():
    for keras_name, kind in ACTIVATIONS.items():
        assert lookup(kind) is not None, keras_name
        assert activation_kind(keras_name) == kind


def test_keras_auto_names_and_classes():
    assert snake_case("GlobalAveragePooling2D") == "global_average_pooling2d"
    assert snake_case("Conv2DTranspose") == "conv2d_transpose"
    assert keras_class("batchnorm2d") == "BatchNormalization"
    assert keras_class("upsample", 2) == "UpSampling2D"


def test_each_keras_spelling_is_declared_once_on_the_units_keras_side():
    """The Keras class names a spec accepts come from the units' Keras sides
    (``KerasClass(..., spelling=True)``); no unit also writes them in ``aliases_by_dim``."""
    from cnncalc.keras_names import snake_case
    from cnncalc.layers.keras_part import sides

    spelled = {snake_case(name) for _, side in sides() for cls in side.classes
               if cls.spelling for name, _ in cls.names()}
    assert {"max_pooling2d", "dense", "batch_normalization", "zero_padding2d",
            "layer_normalization", "global_average_pooling2d", "concatenate"} <= spelled
    for _, unit in REGISTRY.items():
        written = {a for names in type(unit).aliases_by_dim.values() for a in names}
        assert not written & spelled, (unit.name, written & spelled)
    # a Keras class whose arguments mean something else in the unit is no spelling:
    # UpSampling2D's size is a factor, the upsample kind's an output size
    assert lookup("UpSampling2D") is None and lookup("Resizing") is None


def test_the_spellings_snake_case_is_keras_rule():
    from cnncalc.keras_names import snake_case
    from cnncalc.layers.keras_part import sides, snake

    names = {name for _, side in sides() for cls in side.classes for name, _ in cls.names()}
    assert len(names) > 60
    for name in names | {"ReLU", "PReLU", "Conv2DTranspose", "GlobalAvgPool2D", "ABCLayer"}:
        assert snake(name) == snake_case(name), name
