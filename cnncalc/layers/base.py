"""The layer unit: everything cnncalc knows about one layer kind, in one class.

``LayerKind`` joins four parts, each in its own module: the analytic core (``core``:
arguments, shape, counts, window, receptive field: all that the loader, the engine and the
renderers read), the worked explanation (``explaining``), the debugger's mends and fixes
(``debugging``) and the torch build (``torching``). A unit subclasses ``LayerKind`` and
overrides, in its one file, the rules of each part that its kind needs; ``register`` makes it
known by name (``registry``). This module is the units' one import: it re-exports what they use.
"""

from __future__ import annotations

from .core import (  # noqa: F401  (re-exported for the units)
    AXIS_NAMES,
    NETWORK_INPUT,
    REQUIRED,
    SAMPLE_INPUTS,
    SAMPLE_VALUES,
    Arg,
    Call,
    Example,
    LayerCore,
    Receptive,
    Result,
    Shape,
    Window,
    exact,
    fmt_shape,
    from_layout,
    ints,
    numel,
    to_layout,
    validate_arg,
)
from .debugging import Attempt, DebugPart, Mend, _yaml  # noqa: F401
from .explaining import ExplainPart
from .registry import ALIASES, REGISTRY, lookup, register, unregister  # noqa: F401
from .torching import TorchPart


class LayerKind(ExplainPart, DebugPart, TorchPart):
    """Base of every layer unit: the analytic core with its explain, debugger and torch parts.
    Subclasses set the core's class attributes and override the rules of any part."""
