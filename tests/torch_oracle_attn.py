"""The oracle's entries for the Vision Transformer's kinds (``multihead_attention``,
``class_token``, ``pos_embedding``, ``select``), written from torchvision's and torch's own
code; ``torch_oracle.ORACLE`` takes them in. Like the rest of the oracle, nothing here reads
cnncalc.

- ``multihead_attention`` is ``torch.nn.MultiheadAttention(E, heads, dropout, bias,
  batch_first=True)`` called as torchvision's EncoderBlock calls it, ``m(x, x, x,
  need_weights=False)[0]``. Its counts are observed with the fast path off and
  ``scaled_dot_product_attention``'s math backend, so that FlopCounterMode sees the two
  attention products as ``bmm``: on the CPU the fused kernels (the fast path under
  ``no_grad``, SDPA's CPU flash kernel) have no flop formula in torch 2.13 and would count
  nothing for them. torch's assertions (a head count that does not divide E, a wrong
  ``embed_dim``, a sample that is not a sequence) are raised as ValueError.
- ``class_token`` is torchvision's ``VisionTransformer.class_token``: a (1, 1, E) parameter
  expanded over the batch and concatenated in front (``torch.cat(dim=1)``).
- ``pos_embedding`` is torchvision's ``Encoder.pos_embedding``: a (1, *sample) parameter
  added.
- ``select`` is ``torch.select``. Documented exclusions: ``dim`` 0 selects along the batch
  axis, which cnncalc's samples do not have (refused here too, as ``permute`` that moves it);
  a flat ``[C]`` sample would select a scalar per sample, which cnncalc refuses (the
  strategies draw samples of rank 2 and more). ``dropout`` above 1: torch's attention
  ignores it in eval mode, cnncalc refuses it as every probability (not drawn).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402


def _script_counted_attention():
    """The one definition of "attention as FlopCounterMode can count it" is the figures
    script's (scripts/torchvision_figures.py), which records the zoo's figures the same way."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "torchvision_figures.py"
    spec = importlib.util.spec_from_file_location("torchvision_figures_oracle", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.counted_attention


counted_attention = _script_counted_attention()
"""Attention as explicit matrix products, which FlopCounterMode counts."""


class Attention(nn.Module):
    def __init__(self, a: dict, x: torch.Tensor):
        super().__init__()
        try:
            self.mha = nn.MultiheadAttention(a.get("embed_dim") or x.shape[-1], a["num_heads"],
                                             dropout=a.get("dropout", 0.0),
                                             bias=a.get("bias", True), batch_first=True)
        except AssertionError as exc:
            raise ValueError(f"nn.MultiheadAttention: {exc}") from None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            with counted_attention():
                return self.mha(x, x, x, need_weights=False)[0]
        except AssertionError as exc:
            raise ValueError(f"nn.MultiheadAttention: {exc}") from None


class ClassToken(nn.Module):
    def __init__(self, x: torch.Tensor):
        super().__init__()
        self.class_token = nn.Parameter(torch.zeros(1, 1, x.shape[-1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)


class PositionEmbedding(nn.Module):
    def __init__(self, x: torch.Tensor):
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.randn(1, *x.shape[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pos_embedding


class Select(nn.Module):
    def __init__(self, dim: int, index: int):
        super().__init__()
        self.dim, self.index = dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rank = x.dim()
        if -rank <= self.dim < rank and self.dim % rank == 0:
            raise ValueError(f"dim {self.dim} selects along the batch axis")
        if rank < 3:
            raise ValueError("a flat sample: select would leave a scalar per sample")
        return x.select(self.dim, self.index)


ORACLE_ATTN = {
    "multihead_attention": lambda a, x, n: Attention(a, x),
    "class_token": lambda a, x, n: ClassToken(x),
    "pos_embedding": lambda a, x, n: PositionEmbedding(x),
    "select": lambda a, x, n: Select(a["dim"], a.get("index", 0)),
}
