"""Build a spec's ``Graph`` as one ``nn.Module`` by replaying the engine's walk.

Each node's unit builds its own ``torch.nn`` module from the same ``Call`` the engine used;
one generic module runs the nodes in order, feeding each the outputs of its inputs. Modules
are stored at the spec's dotted names in nested containers, so ``print(model)`` reads like
the spec and ``model.get_submodule("layer3.2.conv2")`` finds a row of ``cnncalc analyze``.
Nothing here computes a shape or a count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..engine import propagate
from ..errors import CnnCalcError
from ..graph import NETWORK_INPUT, Graph, Node


class Scope(nn.Module):
    """A named scope of the spec (a block call, a repeat copy, a named merge): it only holds
    its layers so that module paths follow the spec's names; it is never called."""

    def forward(self, *args: Any) -> Any:  # pragma: no cover - never called
        raise RuntimeError("a Scope only groups layers; the network runs them in graph order")


@dataclass(frozen=True)
class Entry:
    """One node of the network: its module path and where its inputs come from."""

    node: Node
    path: str


def _taken(parent: nn.Module, name: str) -> bool:
    """Whether ``name`` would clash with a child or shadow an attribute of ``parent``."""
    return name in parent._modules or hasattr(type(parent), name) or name in parent.__dict__


def _install(root: nn.Module, dotted: str, module: nn.Module) -> str:
    """Put ``module`` at ``dotted`` under ``root``, creating ``Scope`` containers on the way.

    Layers never receive children and names never shadow a Module attribute (a clash appends
    ``_``: a layer called ``forward`` lives at ``forward_``), so a layer's parameters are
    exactly ``module.parameters()``. Returns the path actually used.
    """
    parent, used = root, []
    *scopes, last = dotted.split(".")
    for part in scopes:
        name = part or "_"
        while True:
            child = parent._modules.get(name)
            if isinstance(child, Scope):
                break
            if not _taken(parent, name):
                child = Scope()
                parent.add_module(name, child)
                break
            name += "_"
        used.append(name)
        parent = child
    name = last or "_"
    while _taken(parent, name):
        name += "_"
    parent.add_module(name, module)
    used.append(name)
    return ".".join(used)


class GraphModule(nn.Module):
    """A spec's network: runs its layers in graph order; returns the main output, or a tuple
    (main output first) when the spec has side outputs."""

    def __init__(self, graph: Graph, entries: list[tuple[Node, nn.Module]]):
        super().__init__()
        self.spec_name = graph.name
        self.input_shape = tuple(graph.input_shape)
        self.output_ids = tuple(graph.outputs)
        self.entries: tuple[Entry, ...] = ()
        self._last_use: dict[int, int] = {}
        order = [Entry(node, _install(self, node.name, module)) for node, module in entries]
        self.entries = tuple(order)
        for step, entry in enumerate(order):
            for i in entry.node.inputs:
                self._last_use[i] = step
        for o in self.output_ids:
            self._last_use[o] = len(order)

    def layer(self, entry: Entry) -> nn.Module:
        return self.get_submodule(entry.path)

    def run(self, x: torch.Tensor,
            wrap: Callable[[Entry, Callable[[], torch.Tensor]], torch.Tensor] | None = None
            ) -> tuple[torch.Tensor, ...]:
        """Run every layer; ``wrap(entry, compute)`` may observe each one (verify does)."""
        values: dict[int, torch.Tensor] = {NETWORK_INPUT: x}
        for step, entry in enumerate(self.entries):
            module = self.layer(entry)
            args = [values[i] for i in entry.node.inputs]

            def compute(module=module, args=args) -> torch.Tensor:
                return module(*args)

            values[entry.node.id] = wrap(entry, compute) if wrap else compute()
            for i in set(entry.node.inputs):
                if self._last_use.get(i, -1) <= step:
                    values.pop(i, None)
        return tuple(values[o] for o in self.output_ids)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        outputs = self.run(x)
        return outputs[0] if len(outputs) == 1 else outputs

    def extra_repr(self) -> str:
        return f"spec={self.spec_name!r}, input={list(self.input_shape)}"


def build_model(graph: Graph, device: Any = None) -> GraphModule:
    """Build ``graph`` as a ``GraphModule``; ``device="meta"`` allocates no memory at all.

    Raises the engine's ``CnnCalcError`` when the spec does not propagate, and a
    ``CnnCalcError`` naming the layer when a unit has no torch counterpart.
    """
    entries = []
    context = torch.device(device) if device is not None else _NoDevice()
    with context:
        for step in propagate(graph):
            unit, call = step.node.unit, step.result
            try:
                module = unit.torch_module(call)
            except NotImplementedError as exc:
                raise CnnCalcError(str(exc), step.node.pos, step.node.name, unit.name) from None
            entries.append((step.node, module))
        return GraphModule(graph, entries)


class _NoDevice:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None
