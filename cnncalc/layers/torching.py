"""The torch part of a layer unit: the ``torch.nn`` module that the backend builds, verifies
and exports. torch is imported only inside the units' overrides, never here."""

from __future__ import annotations

from typing import Any

from .core import LayerCore, Result


class TorchPart(LayerCore):
    """Default: no torch counterpart (the backend names the kind in its error)."""

    def torch_module(self, call: Result) -> Any:
        """The equivalent ``torch.nn.Module`` of the frozen ``Result`` (torch imported lazily
        by the caller's backend)."""
        raise NotImplementedError(f"{self.name} has no torch counterpart yet")
