"""``nn.Module`` implementations of the Swin Transformer's layers for the torch backend
(``modules.CUSTOM`` lists them for export).

Like ``modules``, no class here imports cnncalc: ``export`` copies their source into a
standalone file. ``ShiftedWindowAttention`` holds torchvision's parameters and buffers under
torchvision's names (``qkv``, ``proj``, ``relative_position_bias_table`` or ``logit_scale``
and ``cpb_mlp``, ``relative_position_index``, ``relative_coords_table``), so a state dict of
torchvision's ``ShiftedWindowAttention`` / ``ShiftedWindowAttentionV2`` loads into it, and
computes what torchvision's ``shifted_window_attention`` computes, with the same products
(which FlopCounterMode counts as the engine predicts).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class ShiftedWindowAttention(nn.Module):
    """Window attention on ``[B, H, W, C]``: pad to whole windows, roll by the shift (off on
    an axis the window covers), attend within windows with a relative position bias (v1: a
    learned table; v2: cosine attention, ``logit_scale`` and the bias from ``cpb_mlp``), mask
    the pairs a roll brought together, undo the roll and the padding."""

    def __init__(self, dim: int, window_size: list[int], shift_size: list[int],
                 num_heads: int, version: int = 1, qkv_bias: bool = True,
                 proj_bias: bool = True, attention_dropout: float = 0.0, dropout: float = 0.0):
        super().__init__()
        self.window_size, self.shift_size = list(window_size), list(shift_size)
        self.num_heads, self.version = num_heads, version
        self.attention_dropout, self.dropout = attention_dropout, dropout
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        wh, ww = self.window_size
        if version == 1:
            self.relative_position_bias_table = nn.Parameter(
                torch.zeros((2 * wh - 1) * (2 * ww - 1), num_heads))
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        else:
            self.logit_scale = nn.Parameter(torch.log(10 * torch.ones(num_heads, 1, 1)))
            self.cpb_mlp = nn.Sequential(nn.Linear(2, 512), nn.ReLU(inplace=True),
                                         nn.Linear(512, num_heads, bias=False))
            self.register_buffer("relative_coords_table", self._coords_table(wh, ww))
            if qkv_bias:
                with torch.no_grad():
                    self.qkv.bias[dim:2 * dim].zero_()
        self.register_buffer("relative_position_index", self._position_index(wh, ww))

    @staticmethod
    def _position_index(wh: int, ww: int) -> torch.Tensor:
        """Row of the (2wh-1)(2ww-1) offsets table for each pair of a window's tokens."""
        rows, cols = torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")
        rows, cols = rows.flatten(), cols.flatten()
        dr = rows[:, None] - rows[None, :] + wh - 1
        dc = cols[:, None] - cols[None, :] + ww - 1
        return (dr * (2 * ww - 1) + dc).flatten()

    @staticmethod
    def _coords_table(wh: int, ww: int) -> torch.Tensor:
        """v2's offsets (1, 2wh-1, 2ww-1, 2), scaled to [-8, 8] and log-spaced."""
        dh = torch.arange(-(wh - 1), wh, dtype=torch.float32)
        dw = torch.arange(-(ww - 1), ww, dtype=torch.float32)
        table = torch.stack(torch.meshgrid(dh, dw, indexing="ij"), dim=-1).unsqueeze(0)
        table[..., 0] /= wh - 1
        table[..., 1] /= ww - 1
        table = table * 8
        return torch.sign(table) * torch.log2(table.abs() + 1.0) / 3.0

    def _position_bias(self) -> torch.Tensor:
        """(1, heads, N, N) bias added to each window's scores."""
        n = self.window_size[0] * self.window_size[1]
        table = (self.relative_position_bias_table if self.version == 1 else
                 self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads))
        bias = table[self.relative_position_index].view(n, n, -1).permute(2, 0, 1)
        bias = bias.contiguous().unsqueeze(0)
        return bias if self.version == 1 else 16 * torch.sigmoid(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self._position_bias()
        b, h, w, c = x.shape
        wh, ww = self.window_size
        x = F.pad(x, (0, 0, 0, (ww - w % ww) % ww, 0, (wh - h % wh) % wh))
        ph, pw = x.shape[1], x.shape[2]
        sh = 0 if wh >= ph else self.shift_size[0]
        sw = 0 if ww >= pw else self.shift_size[1]
        if sh + sw > 0:
            x = torch.roll(x, shifts=(-sh, -sw), dims=(1, 2))
        nh, nw, n, heads = ph // wh, pw // ww, wh * ww, self.num_heads
        x = x.view(b, nh, wh, nw, ww, c).permute(0, 1, 3, 2, 4, 5).reshape(b * nh * nw, n, c)
        qkv_bias = self.qkv.bias
        if self.version == 2 and qkv_bias is not None:
            qkv_bias = torch.cat([qkv_bias[:c], torch.zeros_like(qkv_bias[c:2 * c]),
                                  qkv_bias[2 * c:]])
        qkv = F.linear(x, self.qkv.weight, qkv_bias)
        q, k, v = qkv.reshape(x.size(0), n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        if self.version == 2:
            scores = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
            scores = scores * torch.clamp(self.logit_scale, max=math.log(100.0)).exp()
        else:
            scores = (q * (c // heads) ** -0.5).matmul(k.transpose(-2, -1))
        scores = scores + bias
        if sh + sw > 0:
            scores = scores.view(b, nh * nw, heads, n, n) + self._mask(x, ph, pw, sh, sw)
            scores = scores.view(-1, heads, n, n)
        weights = F.dropout(F.softmax(scores, dim=-1), self.attention_dropout, self.training)
        x = weights.matmul(v).transpose(1, 2).reshape(x.size(0), n, c)
        x = F.dropout(F.linear(x, self.proj.weight, self.proj.bias), self.dropout,
                      self.training)
        x = x.view(b, nh, nw, wh, ww, c).permute(0, 1, 3, 2, 4, 5).reshape(b, ph, pw, c)
        if sh + sw > 0:
            x = torch.roll(x, shifts=(sh, sw), dims=(1, 2))
        return x[:, :h, :w, :].contiguous()

    def _mask(self, x: torch.Tensor, ph: int, pw: int, sh: int, sw: int) -> torch.Tensor:
        """-100 between tokens of a window that came from different regions of the rolled
        map (three bands per axis), 0 elsewhere: (1, windows, 1, N, N)."""
        wh, ww = self.window_size
        region = x.new_zeros((ph, pw))
        bands_h = ((0, -wh), (-wh, -sh), (-sh, None))
        bands_w = ((0, -ww), (-ww, -sw), (-sw, None))
        for i, (h0, h1) in enumerate(bands_h):
            for j, (w0, w1) in enumerate(bands_w):
                region[h0:h1, w0:w1] = 3 * i + j
        region = region.view(ph // wh, wh, pw // ww, ww).permute(0, 2, 1, 3)
        region = region.reshape(-1, wh * ww)
        differ = region.unsqueeze(1) - region.unsqueeze(2)
        mask = differ.masked_fill(differ != 0, -100.0).masked_fill(differ == 0, 0.0)
        return mask.unsqueeze(1).unsqueeze(0)

    def extra_repr(self) -> str:
        return (f"{self.qkv.in_features!r}, {self.window_size!r}, {self.shift_size!r}, "
                f"{self.num_heads!r}, version={self.version!r}, "
                f"qkv_bias={self.qkv.bias is not None}, proj_bias={self.proj.bias is not None}, "
                f"attention_dropout={self.attention_dropout!r}, dropout={self.dropout!r}")


class PatchMerge(nn.Module):
    """``[..., H, W, C]`` -> ``[..., ceil(H/2), ceil(W/2), 4C]``: pad H and W to even, then
    the 2x2 neighbours (0,0), (1,0), (0,1), (1,1) side by side (torchvision's
    ``_patch_merging_pad``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-3], x.shape[-2]
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        return torch.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :],
                          x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)
