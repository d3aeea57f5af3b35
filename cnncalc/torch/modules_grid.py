"""``nn.Module`` implementation of MaxViT's partition attention for the torch backend
(``modules.CUSTOM`` lists it for export).

Like ``modules``, nothing here imports cnncalc: ``export`` copies the source into a standalone
file. ``PartitionAttention`` has torchvision's ``PartitionAttentionLayer`` submodules under the
same names (``attn_layer.0`` LayerNorm, ``attn_layer.1.to_qkv`` / ``merge`` /
``relative_position_bias_table`` / the ``relative_position_index`` buffer, ``mlp_layer.0`` to
``.4``), so a torchvision state dict loads into it as it is; its products are torchvision's
einsums, which ``torch.utils.flop_counter`` counts as the engine predicts.
"""

from __future__ import annotations

import torch
from torch import nn


class RelativeAttention(nn.Module):
    """Multi-head self-attention over each group's tokens [N, G, P, C] with a learned bias per
    head and relative offset; scores scaled by C^-1/2 (torchvision's choice, not the head's)."""

    def __init__(self, channels: int, head_dim: int, size: int):
        super().__init__()
        self.heads, self.head_dim, self.size = channels // head_dim, head_dim, size
        self.to_qkv = nn.Linear(channels, 3 * channels)
        self.merge = nn.Linear(channels, channels)
        self.scale = channels ** -0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.empty((2 * size - 1) ** 2, self.heads).normal_(std=0.02))
        self.register_buffer("relative_position_index", self.index(size))

    @staticmethod
    def index(size: int) -> torch.Tensor:
        """(size^2, size^2): for each pair of pixels of a size x size group, the row of the
        (2 size - 1)^2 bias table that holds their offset (dy, dx)."""
        coords = torch.stack(torch.meshgrid(torch.arange(size), torch.arange(size),
                                            indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (size - 1)
        return rel[:, :, 0] * (2 * size - 1) + rel[:, :, 1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, groups, tokens, channels = x.shape
        q, k, v = (t.reshape(n, groups, tokens, self.heads, self.head_dim).transpose(2, 3)
                   for t in self.to_qkv(x).chunk(3, dim=-1))
        bias = self.relative_position_bias_table[self.relative_position_index.reshape(-1)]
        side = self.size * self.size    # the bias of a P x P group (broadcast if P is 1)
        bias = bias.reshape(side, side, self.heads).permute(2, 0, 1)
        # einsum, as torchvision writes it: FlopCounterMode then counts what the engine says
        # (an einsum over an axis of size 1 is a multiply, no bmm, and not counted)
        scores = torch.einsum("nghid,nghjd->nghij", q, k * self.scale) + bias
        out = torch.einsum("nghij,nghjd->nghid", scores.softmax(dim=-1), v)
        return self.merge(out.transpose(2, 3).reshape(n, groups, tokens, channels))

    def extra_repr(self) -> str:
        return f"{self.heads * self.head_dim!r}, {self.head_dim!r}, {self.size!r}"


class PartitionAttention(nn.Module):
    """MaxViT's partition attention on a map [N, C, H, W]: cut it into groups of size^2
    pixels (``window``: each size x size window; ``grid``: the pixels one stride of H/size
    apart, a dilated size x size grid), then in each group a pre-norm attention and a pre-norm
    MLP, each added back, and the map put together again."""

    def __init__(self, channels: int, head_dim: int, size: int, grid: bool, mlp_ratio: int = 4,
                 attention_dropout: float = 0.0, mlp_dropout: float = 0.0, p: float = 0.0):
        super().__init__()
        self.channels, self.head_dim, self.mlp_ratio = channels, head_dim, mlp_ratio
        self.size, self.grid, self.p = size, grid, p
        self.attn_layer = nn.Sequential(nn.LayerNorm(channels),
                                        RelativeAttention(channels, head_dim, size),
                                        nn.Dropout(attention_dropout))
        hidden = channels * mlp_ratio
        self.mlp_layer = nn.Sequential(nn.LayerNorm(channels), nn.Linear(channels, hidden),
                                       nn.GELU(), nn.Linear(hidden, channels),
                                       nn.Dropout(mlp_dropout))

    def _drop(self, x: torch.Tensor) -> torch.Tensor:
        """Stochastic depth by sample (torchvision's mode "row"): the identity in eval mode."""
        if not self.training or self.p == 0.0:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p) if self.p < 1 else x * keep

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, channels, height, width = x.shape
        # the cut: windows of `cell` x `cell` pixels; grid swaps which axis is the group
        cell = height // self.size if self.grid else self.size
        gh, gw = height // cell, width // cell
        x = x.reshape(n, channels, gh, cell, gw, cell).permute(0, 2, 4, 3, 5, 1)
        x = x.reshape(n, gh * gw, cell * cell, channels)
        if self.grid:
            x = x.transpose(1, 2)
        x = x + self._drop(self.attn_layer(x))
        x = x + self._drop(self.mlp_layer(x))
        if self.grid:
            x = x.transpose(1, 2)
        x = x.reshape(n, gh, gw, cell, cell, channels).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(n, channels, height, width)

    def extra_repr(self) -> str:
        """The constructor's arguments (``export`` rebuilds the module from them)."""
        return (f"{self.channels!r}, {self.head_dim!r}, {self.size!r}, {self.grid!r}, "
                f"mlp_ratio={self.mlp_ratio!r}, "
                f"attention_dropout={float(self.attn_layer[2].p)!r}, "
                f"mlp_dropout={float(self.mlp_layer[4].p)!r}, p={self.p!r}")
