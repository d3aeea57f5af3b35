"""The typed network graph that the spec loader produces and the engine (and the torch backend)
walk: a flat list of layer nodes in execution order, each naming its inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import SourcePos, SpecError
from .layers.core import NETWORK_INPUT, Shape
from .record import field, record

if TYPE_CHECKING:
    from .layers.base import LayerKind

__all__ = ["NETWORK_INPUT", "Graph", "LoadProblem", "Node"]


@record(frozen=True)
class Node:
    """One layer of the network, with the user's name for it and where it was written."""

    id: int
    name: str
    unit: LayerKind
    args: dict[str, Any]
    inputs: tuple[int, ...]
    pos: SourcePos | None = None
    arg_pos: dict[str, SourcePos] = field(default_factory=dict)
    functional: bool = False
    """The spec marks the layer as a function call with no module of its own (``F.relu``,
    ``torch.flatten``, ``torch.cat``): see ``Row.functional``."""

    @property
    def kind(self) -> str:
        return self.unit.name

    @property
    def depth(self) -> int:
        return self.name.count(".")


@record(frozen=True)
class LoadProblem:
    """A mistake in the spec text that a tolerant load (``load_spec(..., tolerant=True)``)
    stepped past: the error, the fix to paste where one is clear, what the loader went on
    with (``reading``; None when it left the item out) and where in the walk it belongs:
    before the node with id ``before``, so that a checker reports it in execution order among
    the shape errors."""

    error: SpecError
    fix: str | None
    reading: str | None
    before: int


@record(frozen=True)
class Graph:
    """A whole network: its input, its nodes in topological order, and which nodes are outputs.

    ``outputs[0]`` is the main output; any further ones are side outputs (auxiliary heads).
    """

    name: str
    input_shape: Shape
    nodes: tuple[Node, ...]
    outputs: tuple[int, ...]
    layout: str = "chw"
    batch: int | None = None
    source: str = "<string>"
    input_pos: SourcePos | None = None
    notes: str = ""
    load_problems: tuple[LoadProblem, ...] = ()
    """What a tolerant load stepped past; always empty after a strict load, which raises."""
    args: dict[str, Any] = field(default_factory=dict)
    """The spec-level ``args`` with the values used (defaults, or ``--set``)."""
    framework: str = ""
    """Whose rule decides ``padding: same`` at stride > 1: ``pytorch`` (refused, as PyTorch
    does), ``keras`` (TensorFlow's asymmetric rule), or empty: TensorFlow's rule, named in the
    warning."""
