"""``nn.Module`` implementations of the Vision Transformer's layers for the torch backend
(``modules.CUSTOM`` lists them for export).

Like ``modules``, no class here imports cnncalc: ``export`` copies their source into a
standalone file. ``SelfAttention`` is ``nn.MultiheadAttention`` (the same parameters, under
the same names, so a state dict loads either way) with its forward written out: torch's
own forward takes a fused kernel on the CPU (the fast path under ``no_grad``, or
``scaled_dot_product_attention``'s CPU kernel) that ``torch.utils.flop_counter`` does not
count, where the products written here are counted as the engine predicts.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.MultiheadAttention):
    """Multi-head self-attention, batch first: ``nn.MultiheadAttention(x, x, x)[0]`` with
    the in-projection, the per-head products and the out-projection as plain matrix
    products (``in_proj_weight``, ``in_proj_bias``, ``out_proj`` as torch names them)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True):
        super().__init__(embed_dim, num_heads, dropout=dropout, bias=bias, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        n, length, dim = x.shape
        heads = self.num_heads
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        q, k, v = qkv.reshape(n, length, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(dim // heads)
        weights = F.dropout(scores.softmax(dim=-1), self.dropout, self.training)
        out = torch.matmul(weights, v).transpose(1, 2).reshape(n, length, dim)
        return F.linear(out, self.out_proj.weight, self.out_proj.bias)

    def extra_repr(self) -> str:
        return (f"{self.embed_dim!r}, {self.num_heads!r}, dropout={self.dropout!r}, "
                f"bias={self.in_proj_bias is not None}")


class ClassToken(nn.Module):
    """Prepend a learned token to every sequence (torchvision's ViT ``class_token``)."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)

    def extra_repr(self) -> str:
        return f"{self.dim!r}"


class PositionEmbedding(nn.Module):
    """Add a learned tensor of the sample's shape (torchvision's ViT ``pos_embedding``)."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.shape = tuple(shape)
        self.pos_embedding = nn.Parameter(torch.empty(1, *self.shape).normal_(std=0.02))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pos_embedding

    def extra_repr(self) -> str:
        return f"{self.shape!r}"


class Select(nn.Module):
    """``x.select(dim, index)``: one entry of an axis, the axis dropped (ViT's ``x[:, 0]``)."""

    def __init__(self, dim: int, index: int = 0):
        super().__init__()
        self.dim, self.index = dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.select(self.dim, self.index)

    def extra_repr(self) -> str:
        return f"{self.dim!r}, {self.index!r}"
