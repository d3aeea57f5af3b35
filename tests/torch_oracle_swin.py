"""The oracle's entries for the Swin Transformer's kinds (``shifted_window_attention``,
``patch_merge``), written from torchvision 0.28's ``swin_transformer.py`` (its
``shifted_window_attention``, ``ShiftedWindowAttention(V2)`` and ``_patch_merging_pad``);
``torch_oracle.ORACLE`` takes them in. Like the rest of the oracle, nothing here reads
cnncalc; and it is a second implementation, not cnncalc's module: it takes windows apart one
at a time and labels the shift's regions position by position.

- ``shifted_window_attention`` on a batch ``[B, H, W, C]``: torchvision's parameters and
  buffers (``qkv``, ``proj``, v1's ``relative_position_bias_table``, v2's ``logit_scale``,
  ``cpb_mlp`` and float ``relative_coords_table``, the integer ``relative_position_index``),
  its padding to whole windows, its rule that turns the shift off on an axis the window
  covers, its products (which FlopCounterMode counts: ``F.linear`` and ``matmul``). Any other
  rank fails as torchvision's ``B, H, W, C = input.shape`` does; a head count that does not
  divide C fails in its reshape. v2's ``cpb_mlp`` runs once per forward, as torchvision's
  does: the engine, analyzing at the oracle's batch, counts it once (its
  ``macs_per_forward``).
- ``patch_merge`` is ``_patch_merging_pad`` on ``[..., H, W, C]``. Documented exclusion: a
  batched ``[B, H, W]`` (a rank-2 sample) would take the batch for H; the oracle refuses it,
  as cnncalc does.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class WindowAttention(nn.Module):
    def __init__(self, a: dict, x: torch.Tensor):
        super().__init__()
        if x.dim() != 4:
            raise ValueError(f"not enough values to unpack: {tuple(x.shape)} is not B, H, W, C")
        c = x.shape[-1]
        self.heads, self.version = a["num_heads"], a.get("version", 1)
        self.window, self.shift = _pair(a["window_size"]), _pair(a.get("shift_size", 0))
        self.qkv = nn.Linear(c, 3 * c, bias=a.get("qkv_bias", True))
        self.proj = nn.Linear(c, c, bias=a.get("proj_bias", True))
        wh, ww = self.window
        if self.version == 1:
            self.relative_position_bias_table = nn.Parameter(
                torch.randn((2 * wh - 1) * (2 * ww - 1), self.heads) * 0.02)
        else:
            self.logit_scale = nn.Parameter(torch.log(10 * torch.ones(self.heads, 1, 1)))
            self.cpb_mlp = nn.Sequential(nn.Linear(2, 512), nn.ReLU(),
                                         nn.Linear(512, self.heads, bias=False))
            # a window of 1 divides 0 by 0, as torchvision does: NaN
            ch = torch.arange(-(wh - 1), wh, dtype=torch.float32) / (wh - 1)
            cw = torch.arange(-(ww - 1), ww, dtype=torch.float32) / (ww - 1)
            table = torch.stack(torch.meshgrid(ch, cw, indexing="ij"), -1).unsqueeze(0) * 8
            self.register_buffer("relative_coords_table",
                                 torch.sign(table) * torch.log2(table.abs() + 1) / 3)
        index = torch.empty(wh * ww, wh * ww, dtype=torch.long)
        for i in range(wh * ww):
            for j in range(wh * ww):
                dy, dx = i // ww - j // ww, i % ww - j % ww
                index[i, j] = (dy + wh - 1) * (2 * ww - 1) + dx + ww - 1
        self.register_buffer("relative_position_index", index.flatten())

    def bias(self) -> torch.Tensor:
        n = self.window[0] * self.window[1]
        if self.version == 1:
            table = self.relative_position_bias_table
        else:
            table = self.cpb_mlp(self.relative_coords_table).view(-1, self.heads)
        bias = table[self.relative_position_index].view(n, n, -1).permute(2, 0, 1)
        return bias if self.version == 1 else 16 * torch.sigmoid(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        (wh, ww), heads = self.window, self.heads
        bias = self.bias()
        x = F.pad(x, (0, 0, 0, (ww - w % ww) % ww, 0, (wh - h % wh) % wh))
        ph, pw = x.shape[1:3]
        sh = 0 if wh >= ph else self.shift[0]
        sw = 0 if ww >= pw else self.shift[1]
        x = torch.roll(x, (-sh, -sw), (1, 2))
        # which of the shift's regions each position of the rolled map came from; the
        # labels only ever meet within one window
        rows = [2 if sh and i >= ph - sh else 1 if i >= ph - wh else 0 for i in range(ph)]
        cols = [2 if sw and j >= pw - sw else 1 if j >= pw - ww else 0 for j in range(pw)]
        qkv_bias = self.qkv.bias
        if self.version == 2 and qkv_bias is not None:
            qkv_bias = qkv_bias.clone()
            qkv_bias[c:2 * c] = 0
        out = torch.empty_like(x)
        d = c // heads
        for r in range(0, ph, wh):
            for s in range(0, pw, ww):
                tokens = x[:, r:r + wh, s:s + ww, :].reshape(b, wh * ww, c)
                q, k, v = F.linear(tokens, self.qkv.weight, qkv_bias).reshape(
                    b, wh * ww, 3, heads, d).permute(2, 0, 3, 1, 4)
                if self.version == 1:
                    scores = (q * d ** -0.5).matmul(k.transpose(-2, -1))
                else:
                    scores = F.normalize(q, dim=-1).matmul(F.normalize(k, dim=-1).transpose(
                        -2, -1)) * torch.clamp(self.logit_scale, max=math.log(100.0)).exp()
                scores = scores + bias
                if sh or sw:
                    label = torch.tensor([[3 * rows[i] + cols[j] for j in range(s, s + ww)]
                                          for i in range(r, r + wh)]).flatten()
                    scores = scores + (label[None, :] != label[:, None]) * -100.0
                y = scores.softmax(-1).matmul(v).transpose(1, 2).reshape(b, wh * ww, c)
                y = F.linear(y, self.proj.weight, self.proj.bias)
                out[:, r:r + wh, s:s + ww, :] = y.reshape(b, wh, ww, c)
        out = torch.roll(out, (sh, sw), (1, 2))
        return out[:, :h, :w, :].contiguous()


class PatchMerge(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 4:
            raise ValueError(f"a batched [B, H, W] would take the batch for H: {tuple(x.shape)}")
        h, w = x.shape[-3], x.shape[-2]
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        parts = [x[..., i::2, j::2, :] for j in (0, 1) for i in (0, 1)]
        return torch.cat(parts, -1)


ORACLE_SWIN = {
    "shifted_window_attention": lambda a, x, n: WindowAttention(a, x),
    "patch_merge": lambda a, x, n: PatchMerge(),
}
