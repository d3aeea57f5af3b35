"""The layer registry: importing this package registers every built-in layer kind."""

from . import activation, classic, conv, crop, dense, merge, misc, norm, pool  # noqa: F401
from . import reorder, scale  # noqa: F401
from .base import ALIASES, REGISTRY, Arg, Call, LayerKind, Receptive, Shape, lookup, register

__all__ = ["ALIASES", "REGISTRY", "Arg", "Call", "LayerKind", "Receptive", "Shape", "lookup",
           "register"]
