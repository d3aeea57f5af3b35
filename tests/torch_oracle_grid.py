"""The oracle's entry for MaxViT's ``partition_attention``, written from torchvision's
``PartitionAttentionLayer`` (torchvision/models/maxvit.py, 0.28); ``torch_oracle.ORACLE``
takes it in. Like the rest of the oracle, nothing here reads cnncalc, and unlike cnncalc's
torch build it follows torchvision's own steps: the partition of torchvision's
``WindowPartition`` (cells of ``p`` pixels, ``p`` = partition_size for a window,
``grid_size[0] // partition_size`` for a grid, then the axes swapped), its ``einsum`` products,
its bias gathered through ``relative_position_index``, k scaled by ``C ** -0.5``.

torchvision's ``torch._assert`` (a map its cells do not divide) and its ``ValueError``
(head_dim not dividing the channels) are raised as ValueError; a cell of 0 pixels (a map
smaller than the grid), which torchvision meets as a ZeroDivisionError, too. A grid whose
groups are not P^2 pixels fails in torchvision on the bias add (a RuntimeError) and here
the same way. ``grid_size`` is the map's own (H, W), as MaxViT builds it.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402


def _bias_index(size: int) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    ys, xs = ys.flatten(), xs.flatten()
    dy = ys[:, None] - ys[None, :] + size - 1
    dx = xs[:, None] - xs[None, :] + size - 1
    return dy * (2 * size - 1) + dx


class _RelativeAttention(nn.Module):
    def __init__(self, channels: int, head_dim: int, size: int):
        super().__init__()
        if channels % head_dim:
            raise ValueError(f"feat_dim {channels} must be divisible by head_dim {head_dim}")
        self.heads, self.head_dim, self.tokens = channels // head_dim, head_dim, size * size
        self.to_qkv = nn.Linear(channels, 3 * channels)
        self.merge = nn.Linear(channels, channels)
        self.scale = channels ** -0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.randn((2 * size - 1) ** 2, self.heads) * 0.02)
        self.register_buffer("relative_position_index", _bias_index(size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, g, p, d = x.shape
        q, k, v = torch.chunk(self.to_qkv(x), 3, dim=-1)
        q, k, v = (t.reshape(b, g, p, self.heads, self.head_dim).permute(0, 1, 3, 2, 4)
                   for t in (q, k, v))
        k = k * self.scale
        scores = torch.einsum("bghid,bghjd->bghij", q, k)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        bias = bias.view(self.tokens, self.tokens, -1).permute(2, 0, 1).unsqueeze(0)
        weights = torch.softmax(scores + bias, dim=-1)
        out = torch.einsum("bghij,bghjd->bghid", weights, v)
        return self.merge(out.permute(0, 1, 3, 2, 4).reshape(b, g, p, d))


class PartitionAttention(nn.Module):
    def __init__(self, a: dict, x: torch.Tensor):
        super().__init__()
        if x.dim() != 4:
            raise ValueError(f"PartitionAttentionLayer takes [B, C, H, W], got {tuple(x.shape)}")
        channels, height = x.shape[1], x.shape[2]
        if a.get("in_channels") not in (None, channels):
            raise ValueError(f"in_channels {a['in_channels']} for a {channels}-channel map")
        size, ratio = a.get("partition_size", 7), a.get("mlp_ratio", 4)
        for name in ("attention_dropout", "mlp_dropout", "p_stochastic_dropout"):
            if not 0 <= a.get(name, 0.0) <= 1:      # nn.Dropout's and StochasticDepth's check
                raise ValueError(f"{name} {a[name]} is not a probability")
        cells = height // size
        self.p = size if a.get("partition_type", "window") == "window" else cells
        self.grid = a.get("partition_type", "window") == "grid"
        if self.p == 0:
            raise ValueError("a cell of 0 pixels (torchvision: ZeroDivisionError)")
        self.attn_layer = nn.Sequential(nn.LayerNorm(channels),
                                        _RelativeAttention(channels, a["head_dim"], size),
                                        nn.Dropout(a.get("attention_dropout", 0.0)))
        self.mlp_layer = nn.Sequential(nn.LayerNorm(channels),
                                       nn.Linear(channels, channels * ratio), nn.GELU(),
                                       nn.Linear(channels * ratio, channels),
                                       nn.Dropout(a.get("mlp_dropout", 0.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        p = self.p
        if h % p or w % p:
            raise ValueError(f"grid size {(h, w)} not divisible by partition size {p}")
        x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
        x = x.reshape(b, (h // p) * (w // p), p * p, c)
        if self.grid:
            x = torch.swapaxes(x, -2, -3)
        x = x + self.attn_layer(x)
        x = x + self.mlp_layer(x)
        if self.grid:
            x = torch.swapaxes(x, -2, -3)
        x = x.reshape(b, h // p, w // p, p, p, c).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(b, c, h, w)


ORACLE_GRID = {
    "partition_attention": lambda a, x, n: PartitionAttention(a, x),
}
