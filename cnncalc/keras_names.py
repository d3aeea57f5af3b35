"""Keras' spellings of layers, in one place: the ``activation=`` argument, class names and
layer auto-names.

Keras puts an activation inside a layer (``Conv2D(32, 3, activation="relu")``); cnncalc
counts it as its own parameterless row right after the layer, as PyTorch writes it. Keras'
``model.summary()`` still shows one row, so the row's name says where it came from
(``conv2d`` then ``conv2d_activation``) and ``analyze --style keras`` folds it back.

Pure functions only: the spec loader, the Keras importer, the Keras summary renderer and the
Keras exporter all read them, and none imports Keras. The class and activation names
themselves are declared by the layer units (``cnncalc.layers.keras_part``).
"""

from __future__ import annotations

import re
from typing import Any

ACTIVATION_SUFFIX = "_activation"
"""The name of the row an ``activation=`` becomes: the layer's name plus this suffix."""

def activations() -> dict[str, str]:
    """Keras' activation names (``keras.activations``) -> cnncalc's kinds, as the activation
    units declare them (their ``keras`` side's ``activations``).

    >>> activations()["swish"], activations()["hard_silu"]
    ('silu', 'hardswish')
    """
    from .layers.base import REGISTRY
    from .layers.keras_part import sides

    state = (len(REGISTRY), sum(id(type(u)) for u in REGISTRY.values()))
    if state != _SEEN[0]:
        _ACTIVATIONS.clear()
        for unit, side in sides():
            for name in side.activations:
                _ACTIVATIONS.setdefault(name, unit.name)
        _SEEN[0] = state
    return _ACTIVATIONS


_ACTIVATIONS: dict[str, str] = {}
_SEEN: list[tuple[int, int]] = [(-1, -1)]


def __getattr__(name: str) -> Any:
    """``ACTIVATIONS``, read from the units when first asked for (they import this module)."""
    if name == "ACTIVATIONS":
        return activations()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    table = activations()
    if isinstance(name, str) and name.lower() in table:
        return table[name.lower()]
    known = ", ".join(sorted(table))
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


def keras_class(kind: str, rank: int | None = None) -> str:
    """The Keras class name of a cnncalc kind as ``model.summary()`` prints it; ``rank`` is
    the number of spatial axes of the layer's input, where the class name carries it. The
    unit declares it (its ``keras`` side); a kind without one shows its name in title case.
    A plain activation row is Keras' ``Activation`` layer, the usual way to write one.

    >>> keras_class("conv2d"), keras_class("global_avgpool", 2), keras_class("linear")
    ('Conv2D', 'GlobalAveragePooling2D', 'Dense')
    """
    from .layers.keras_part import side_of

    unit, side = side_of(kind)
    name = side.summary_class(unit.ndim, rank) if side is not None else None
    if name is None:
        return "".join(part.title() for part in kind.split("_"))
    return name
