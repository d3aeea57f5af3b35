"""Keras' spellings of layers, in one place: the ``activation=`` argument, class names and
layer auto-names.

Keras puts an activation inside a layer (``Conv2D(32, 3, activation="relu")``); cnncalc
counts it as its own parameterless row right after the layer, as PyTorch writes it. Keras'
``model.summary()`` still shows one row, so the row's name says where it came from
(``conv2d`` then ``conv2d_activation``) and ``analyze --style keras`` folds it back.

Pure functions and tables only: the spec loader, the Keras importer, the Keras summary
renderer and the Keras exporter all read them, and none imports Keras.
"""

from __future__ import annotations

import re
from typing import Any

ACTIVATION_SUFFIX = "_activation"
"""The name of the row an ``activation=`` becomes: the layer's name plus this suffix."""

ACTIVATIONS: dict[str, str] = {
    "relu": "relu",
    "relu6": "relu6",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "tanh": "tanh",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu",
    "silu": "silu",
    "swish": "silu",
    "leaky_relu": "leaky_relu",
    "hard_sigmoid": "hardsigmoid",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "mish": "mish",
    "softplus": "softplus",
    "log_softmax": "log_softmax",
}
"""Keras' activation names (``keras.activations``) -> cnncalc's kinds."""

NO_ACTIVATION = ("linear", None)
"""``activation="linear"`` (or None) is Keras' way of saying "no activation"."""


def activation_kind(name: Any) -> str | None:
    """The cnncalc kind of a Keras activation name; None for "no activation".

    >>> activation_kind("relu"), activation_kind("linear"), activation_kind("swish")
    ('relu', None, 'silu')

    Raises ``ValueError`` (with the names it knows) for anything else.
    """
    if name in NO_ACTIVATION:
        return None
    if isinstance(name, str) and name.lower() in ACTIVATIONS:
        return ACTIVATIONS[name.lower()]
    known = ", ".join(sorted(ACTIVATIONS))
    raise ValueError(f"activation {name!r} is not one cnncalc knows; it knows: linear, {known}")


def split_activation(kind: str, raw_args: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A layer's written arguments without ``activation``, and the kind of the row that must
    follow it (None when there is none).

    The spec loader calls it on every layer's arguments before validating them, so that
    ``Conv2D: {filters: 32, kernel_size: 3, activation: relu}`` is a conv2d row followed by a
    relu row, never an "unknown argument" error. A kind that itself takes an argument called
    ``activation`` would keep it; none does today.

    >>> split_activation("conv2d", {"filters": 32, "activation": "relu"})
    ({'filters': 32}, 'relu')
    >>> split_activation("linear", {"units": 1, "activation": "linear"})
    ({'units': 1}, None)
    >>> split_activation("conv2d", {"filters": 32})
    ({'filters': 32}, None)

    Raises ``ValueError`` for an activation cnncalc does not know (the caller locates it).
    """
    if "activation" not in raw_args:
        return raw_args, None
    rest = {k: v for k, v in raw_args.items() if k != "activation"}
    return rest, activation_kind(raw_args["activation"])


def activation_layer(value: Any) -> str | None:
    """The kind that Keras' ``Activation`` layer written in a spec stands for:
    ``- Activation: relu`` or ``- Activation: {activation: relu}``; None for "linear"
    (the loader writes an ``identity`` row then, as Keras' summary still shows the layer).

    >>> activation_layer("relu"), activation_layer({"activation": "softmax"})
    ('relu', 'softmax')
    >>> activation_layer("linear") is None
    True

    Raises ``ValueError`` for anything else (the caller locates it).
    """
    if isinstance(value, dict):
        if set(value) != {"activation"}:
            raise ValueError("Activation takes one argument, activation")
        value = value["activation"]
    return activation_kind(value)


def snake_case(class_name: str) -> str:
    """Keras' auto-name stem of a layer class (``keras.src.utils.naming.to_snake_case``):

    >>> [snake_case(c) for c in ("Conv2D", "MaxPooling2D", "BatchNormalization", "ReLU")]
    ['conv2d', 'max_pooling2d', 'batch_normalization', 're_lu']
    """
    name = re.sub(r"\W+", "", class_name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


KERAS_CLASS: dict[str, str] = {
    "conv1d": "Conv1D", "conv2d": "Conv2D", "conv3d": "Conv3D",
    "conv_transpose1d": "Conv1DTranspose", "conv_transpose2d": "Conv2DTranspose",
    "conv_transpose3d": "Conv3DTranspose",
    "maxpool1d": "MaxPooling1D", "maxpool2d": "MaxPooling2D", "maxpool3d": "MaxPooling3D",
    "avgpool1d": "AveragePooling1D", "avgpool2d": "AveragePooling2D",
    "avgpool3d": "AveragePooling3D",
    "global_avgpool": "GlobalAveragePooling", "global_maxpool": "GlobalMaxPooling",
    "linear": "Dense", "flatten": "Flatten", "dropout": "Dropout", "reshape": "Reshape",
    "batchnorm1d": "BatchNormalization", "batchnorm2d": "BatchNormalization",
    "batchnorm3d": "BatchNormalization", "layernorm": "LayerNormalization",
    "groupnorm": "GroupNormalization",
    "leaky_relu": "LeakyReLU", "prelu": "PReLU", "relu": "Activation", "relu6": "Activation",
    "elu": "Activation", "softmax": "Activation",
    "sigmoid": "Activation", "tanh": "Activation", "selu": "Activation", "gelu": "Activation",
    "silu": "Activation", "hardswish": "Activation", "hardsigmoid": "Activation",
    "mish": "Activation", "softplus": "Activation", "log_softmax": "Activation",
    "identity": "Identity", "rescaling": "Rescaling", "random_flip": "RandomFlip",
    "random_rotation": "RandomRotation", "random_zoom": "RandomZoom",
    "upsample": "UpSampling", "zeropad1d": "ZeroPadding1D", "zeropad2d": "ZeroPadding2D",
    "zeropad3d": "ZeroPadding3D", "cropping1d": "Cropping1D", "cropping2d": "Cropping2D",
    "cropping3d": "Cropping3D", "concat": "Concatenate", "add": "Add", "multiply": "Multiply",
}
"""cnncalc kinds -> the Keras class a summary shows for them (``analyze --style keras``).
Global pools and upsampling get their rank appended (``GlobalAveragePooling2D``). A plain
activation row is Keras' ``Activation`` layer, the usual way to write one (``ReLU()`` and
``Softmax()`` layers show as ``Activation`` too)."""


def keras_class(kind: str, rank: int | None = None) -> str:
    """The Keras class name of a cnncalc kind as ``model.summary()`` prints it; ``rank`` is
    the number of spatial axes of the layer's input, where the class name carries it.

    >>> keras_class("conv2d"), keras_class("global_avgpool", 2), keras_class("linear")
    ('Conv2D', 'GlobalAveragePooling2D', 'Dense')
    """
    name = KERAS_CLASS.get(kind)
    if name is None:
        return "".join(part.title() for part in kind.split("_"))
    if name in ("GlobalAveragePooling", "GlobalMaxPooling", "UpSampling") and rank:
        return f"{name}{rank}D"
    return name
