"""The oracle's entries for ``pixel_shuffle``/``pixel_unshuffle``, ``local_conv`` and
``interpolate`` (issue 12), written from their definitions; ``torch_oracle.ORACLE`` takes
them in. Like the rest of the oracle, nothing here reads cnncalc.

Documented exclusions:
- ``pixel_shuffle``/``pixel_unshuffle`` on a sample that is not [C, H, W]: torch reads the
  last three axes of the batch, so on a [C, L] sample it would take the batch for channels;
  cnncalc refuses (ValueError here).
- ``interpolate``'s ``size_of`` takes the spatial size of the tensor it names: ``input``
  or an earlier layer written with a ``name`` (``torch_oracle.run_torch`` records them in
  ``NAMED``, and reads a layer's ``from`` there).
- ``local_conv`` (Keras LocallyConnected) is written from its definition: every output
  position p has its own weight matrix W[p] (C_in * prod(k) x C_out) and its own bias per
  channel; padding words as for a convolution (``same`` at stride > 1 by TensorFlow's rule).
  Its product per position runs through a batched matrix multiply, so FlopCounterMode counts
  prod(out) * C_out * C_in * prod(k) MACs per sample.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

NAMED: dict[str, torch.Tensor] = {}
"""The tensors of the network under test that later layers may name (``size_of``,
``from``): ``input`` (the batch it started from) and every layer written with a ``name``,
recorded by ``torch_oracle.run_torch`` as it runs them in order."""


def named(name) -> torch.Tensor:
    """The tensor called ``name`` so far; a name not (yet) given is refused, as a user's
    Python would raise a NameError."""
    if name not in NAMED:
        raise ValueError(f"no tensor named {name!r} before this layer")
    return NAMED[name]


def _per_axis(value, n):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n


def _image(kind: str, x: torch.Tensor) -> None:
    if x.dim() != 4:
        raise ValueError(f"{kind} takes a batch of [C, H, W] images, not {tuple(x.shape)}")


def pixel_shuffle(a, x, n):
    _image("pixel_shuffle", x)
    return nn.PixelShuffle(a["upscale_factor"])


def pixel_unshuffle(a, x, n):
    _image("pixel_unshuffle", x)
    return nn.PixelUnshuffle(a["downscale_factor"])


class _Interpolate(nn.Module):
    def __init__(self, size, scale_factor, mode, align_corners):
        super().__init__()
        self.size, self.scale_factor = size, scale_factor
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x):
        return F.interpolate(x, size=self.size, scale_factor=self.scale_factor,
                             mode=self.mode, align_corners=self.align_corners)


def interpolate(a, x, n):
    size, factor = a.get("size"), a.get("scale_factor")
    if a.get("size_of") is not None:
        size = tuple(named(str(a["size_of"])).shape[2:])   # torchvision's input.shape[-2:]
    if factor is not None:
        factor = tuple(float(f) for f in _per_axis(factor, max(x.dim() - 2, 1)))
    return _Interpolate(size, factor, a.get("mode", "nearest"), a.get("align_corners"))


def _pads(a, spatial, k, s, d):
    """(before, after) per axis, from the written padding (a convolution's words)."""
    pad = a.get("padding", 0)
    n = len(spatial)
    if pad == "valid":
        return [(0, 0)] * n
    if pad == "full":
        return [(di * (ki - 1),) * 2 for ki, di in zip(k, d)]
    if pad == "causal":
        if n != 1:
            raise ValueError("causal padding is 1-D only")
        return [(d[0] * (k[0] - 1), 0)]
    if pad == "same":
        pads = []
        for size, ki, si, di in zip(spatial, k, s, d):
            if si == 1:
                total = di * (ki - 1)
            else:  # TensorFlow's rule
                total = max((-(-size // si) - 1) * si + di * (ki - 1) + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    return [(p, p) for p in _per_axis(pad, n)]


class LocallyConnectedOracle(nn.Module):
    """y[:, o, p] = sum over (c, k) of W[p, (c, k), o] * x_padded[:, c, p * s + k * d] + b[o, p]
    for every output position p: windows cut with ``Tensor.unfold``, one matrix per position."""

    def __init__(self, cin, cout, spatial, k, s, d, pads, bias):
        super().__init__()
        self.k, self.s, self.d, self.pads = k, s, d, pads
        self.out = tuple((n + b + e - di * (ki - 1) - 1) // si + 1
                         for n, (b, e), ki, si, di in zip(spatial, pads, k, s, d))
        if min(self.out) <= 0:
            raise ValueError(f"the window does not fit: output {self.out}")
        taps = math.prod(k)
        self.weight = nn.Parameter(torch.randn(math.prod(self.out), cin * taps, cout))
        self.bias = nn.Parameter(torch.randn(cout, *self.out)) if bias else None

    def forward(self, x):
        flat = [v for pair in reversed(self.pads) for v in pair]
        x = F.pad(x, flat)
        n = len(self.k)
        for axis, (ki, si, di) in enumerate(zip(self.k, self.s, self.d)):
            # windows of the dilated extent along this axis, every d-th element kept: the
            # window axes pile up at the end, (N, C, *out, *k)
            x = x.unfold(2 + axis, di * (ki - 1) + 1, si)[..., ::di]
        x = x[(slice(None), slice(None), *(slice(o) for o in self.out))]
        batch, channels = x.shape[:2]
        # (N, C, *out, *k) -> (positions, N, C * k): one row of inputs per position and sample
        order = [*range(2, 2 + n), 0, 1, *range(2 + n, 2 + 2 * n)]
        rows = x.permute(order).reshape(math.prod(self.out), batch, -1)
        y = torch.bmm(rows, self.weight)                                # (positions, N, C_out)
        y = y.permute(1, 2, 0).reshape(batch, -1, *self.out)
        return y if self.bias is None else y + self.bias


def local_conv(a, x, n):
    if x.dim() < 3:
        raise ValueError("a locally-connected layer needs spatial axes")
    spatial = tuple(x.shape[2:])
    k = _per_axis(a["kernel_size"], n)
    s = _per_axis(a.get("stride", 1), n)
    d = _per_axis(a.get("dilation", 1), n)
    if len(k) != n or len(s) != n or len(d) != n:
        raise ValueError("one value per spatial axis")
    pads = _pads(a, spatial, k, s, d)
    if len(pads) != n:
        raise ValueError("one padding per spatial axis")
    return LocallyConnectedOracle(x.shape[1], a["out_channels"], spatial, k, s, d, pads,
                                  a.get("bias", True))


ORACLE_SEG = {"pixel_shuffle": pixel_shuffle, "pixel_unshuffle": pixel_unshuffle,
              "interpolate": interpolate, "resize": interpolate,
              "local_conv": local_conv, "locally_connected": local_conv}
