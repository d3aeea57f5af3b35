"""``nn.Module`` implementations of the locally-connected convolution and of the resize to
another tensor's size, for the torch backend (``modules.CUSTOM`` lists them for export).

Like ``modules``, no class here imports cnncalc: ``export`` copies their source into a
standalone file. The main product runs through a batched matrix multiply so that
``torch.utils.flop_counter`` counts the MACs the engine predicts.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class LocallyConnected(nn.Module):
    """A convolution without weight sharing (Keras LocallyConnected1D/2D): output position l
    has its own weight matrix ``weight[l]`` (C_in * prod(kernel) x C_out) and its own bias
    per channel. ``out_size`` is the output's spatial size, as the engine computed it;
    ``pads`` is (before, after) per axis."""

    def __init__(self, in_channels: int, out_channels: int, out_size: tuple[int, ...],
                 kernel_size: tuple[int, ...], stride: tuple[int, ...],
                 pads: tuple[tuple[int, int], ...], dilation: tuple[int, ...],
                 bias: bool = True):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.out_size, self.kernel_size = tuple(out_size), tuple(kernel_size)
        self.stride, self.dilation = tuple(stride), tuple(dilation)
        self.pads = tuple(tuple(p) for p in pads)
        positions, taps = math.prod(self.out_size), math.prod(self.kernel_size)
        self.weight = nn.Parameter(torch.empty(positions, in_channels * taps, out_channels))
        self.bias = nn.Parameter(torch.empty(out_channels, *self.out_size)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if not self.weight.is_meta:
            bound = 1 / math.sqrt(self.weight.shape[1])
            nn.init.uniform_(self.weight, -bound, bound)
            if self.bias is not None:
                nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = [v for before_after in reversed(self.pads) for v in before_after]
        x = F.pad(x, flat)
        taps = []
        for tap in range(math.prod(self.kernel_size)):
            index: list[slice] = [slice(None), slice(None)]
            for axis in reversed(range(len(self.kernel_size))):
                tap, offset = divmod(tap, self.kernel_size[axis])
                start = offset * self.dilation[axis]
                stop = start + self.stride[axis] * (self.out_size[axis] - 1) + 1
                index.insert(2, slice(start, stop, self.stride[axis]))
            taps.append(x[tuple(index)])
        # (N, C, K, *out) -> (L, N, C*K): one row of inputs per position and sample
        columns = torch.stack(taps, 2).flatten(3).flatten(1, 2).permute(2, 0, 1)
        out = torch.bmm(columns, self.weight)             # (L, N, C_out)
        out = out.permute(1, 2, 0).reshape(x.shape[0], self.out_channels, *self.out_size)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, {self.out_size!r}, "
                f"{self.kernel_size!r}, {self.stride!r}, {self.pads!r}, {self.dilation!r}, "
                f"bias={self.bias is not None}")


class Interpolate(nn.Module):
    """``F.interpolate`` as a module: to a fixed ``size``, by ``scale_factor``, or, called
    with a second tensor, to that tensor's spatial size (torchvision's segmentation heads:
    ``F.interpolate(x, size=input.shape[-2:])``)."""

    def __init__(self, size: tuple[int, ...] | None = None,
                 scale_factor: tuple[float, ...] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None):
        super().__init__()
        self.size, self.scale_factor = size, scale_factor
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: torch.Tensor, like: torch.Tensor | None = None) -> torch.Tensor:
        size = tuple(like.shape[2:]) if like is not None else self.size
        factor = None if like is not None else self.scale_factor
        return F.interpolate(x, size=size, scale_factor=factor, mode=self.mode,
                             align_corners=self.align_corners)

    def extra_repr(self) -> str:
        return (f"size={self.size!r}, scale_factor={self.scale_factor!r}, mode={self.mode!r}, "
                f"align_corners={self.align_corners!r}")
