"""Keras 3 layer classes -> cnncalc kinds with PyTorch's argument names, as the layer units
declare them (``cnncalc.layers.keras_part``: each unit's ``keras`` side names its Keras
classes, their positional arguments and a reader).

One entry per Keras class: the order of its positional arguments (Keras' signature) and a
function that turns the written arguments into a cnncalc layer. Arguments that change no
count or shape (initializers, regularizers, constraints, seeds, dtypes) are passed over; any
other argument the entry does not read is an error, never silently dropped, so that a
figure cnncalc prints is always the figure of the model as written.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..layers.keras_part import (
    NO_EFFECT,
    NO_EFFECT_SUFFIXES,
    Converted,
    KerasLayerError,
    Written,
    ints,
    per_axis,
    sides,
)

__all__ = ["LAYERS", "MERGE_FUNCTIONS", "NO_EFFECT", "NO_EFFECT_SUFFIXES", "Converted",
           "KerasLayer", "KerasLayerError", "Written", "ints", "per_axis"]


@dataclass(frozen=True)
class KerasLayer:
    positional: tuple[str, ...]
    convert: Callable[[Written, int], Converted]
    rank: int = 0
    self_call: bool = False
    """Called as ``layer(x, x)`` (self-attention), read as one input."""
    helper: str | None = None
    """The class's source where Keras has none and ``export --to keras`` defines it: read only
    as a class written exactly so in the file (``helper_class``), never as ``layers.X``."""


class _Layers(Mapping[str, KerasLayer]):
    """Every Keras class some unit reads, with its rank (0: the name carries none), read
    from the units again whenever the registry changes (a kind registered later counts)."""

    def __init__(self) -> None:
        self._table: dict[str, KerasLayer] = {}
        self._seen: tuple[int, int] = (-1, -1)

    def _current(self) -> dict[str, KerasLayer]:
        from ..layers.base import REGISTRY

        state = (len(REGISTRY), sum(id(type(u)) for u in REGISTRY.values()))
        if state != self._seen:
            table: dict[str, KerasLayer] = {}
            for _, side in sides():
                for cls in side.classes:
                    helper = side.helper if cls is side.classes[0] else None
                    for name, rank in cls.names():
                        table.setdefault(name, KerasLayer(cls.positional, cls.read, rank,
                                                          cls.self_call, helper))
            self._table, self._seen = table, state
        return self._table

    def __getitem__(self, name: str) -> KerasLayer:
        return self._current()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


LAYERS: Mapping[str, KerasLayer] = _Layers()


def helper_class(stmt: ast.ClassDef) -> bool:
    """Whether a class written in the file is one that ``export --to keras`` writes for a
    kind Keras has no layer for (the same code, comments and blank lines aside)."""
    layer = LAYERS.get(stmt.name)
    if layer is None or layer.helper is None:
        return False
    written = ast.parse(textwrap.dedent(layer.helper)).body
    return len(written) == 1 and ast.dump(written[0]) == ast.dump(stmt)

MERGE_FUNCTIONS = {"add": "Add", "concatenate": "Concatenate", "multiply": "Multiply"}
"""keras.layers.add([a, b]) and friends: a merge layer made and applied in one call."""
