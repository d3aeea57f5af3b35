"""The layer registry: importing this package registers every built-in layer kind."""

from . import (  # noqa: F401
    activation,
    attention,
    classic,
    conv,
    crop,
    dense,
    grid_attention,
    local,
    merge,
    misc,
    norm,
    pool,
    rearrange,
    reorder,
    resize,
    scale,
    window_attention,
)
from .base import ALIASES, REGISTRY, Arg, Call, LayerKind, Receptive, Shape, lookup, register
from .keras_part import add_spellings

add_spellings()  # the Keras class names the units' Keras sides declare, as spec spellings

__all__ = ["ALIASES", "REGISTRY", "Arg", "Call", "LayerKind", "Receptive", "Shape", "lookup",
           "register"]
