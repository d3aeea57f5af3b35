"""The optional PyTorch backend: build a spec as a real ``nn.Module``, verify the engine's
figures against what PyTorch observes, time it, and export it as standalone code.

Nothing on the analytic path imports this package. Importing it does not import torch
either; each entry point calls ``require_torch`` first, which turns a missing torch into one
user-facing line naming the install command.
"""

from __future__ import annotations

from typing import Any

from ..errors import CnnCalcError

INSTALL = "pip install 'cnncalc[torch]'"


class TorchMissing(CnnCalcError):
    """PyTorch is not installed; the message says how to install the extra."""


def require_torch() -> Any:
    """Import and return torch, or raise ``TorchMissing`` with the install command."""
    try:
        import torch
    except ImportError:
        raise TorchMissing(f"this command needs PyTorch, which is not installed; install the "
                           f"extra with: {INSTALL}") from None
    return torch


def build_model(graph, device: Any = None):
    """The spec as an ``nn.Module`` (see ``cnncalc.torch.build.GraphModule``)."""
    require_torch()
    from .build import build_model as _build

    return _build(graph, device)


def verify(graph, real: bool = False):
    """Compare the engine's report with one PyTorch forward pass, layer by layer."""
    require_torch()
    from .compare import verify as _verify

    return _verify(graph, real=real)


__all__ = ["INSTALL", "TorchMissing", "build_model", "require_torch", "verify"]
