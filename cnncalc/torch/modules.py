"""Small ``nn.Module`` implementations of layers that ``torch.nn`` does not have.

Each one is honest: it computes what the layer computes, with exactly the parameters the
engine counts, and its main product runs through a convolution or a matrix multiply so that
``torch.utils.flop_counter`` sees the same multiply-accumulates the engine predicts. Every
class has a constructor-shaped ``extra_repr`` so that ``cnncalc export`` can write it out, and
no class imports cnncalc: ``export`` copies their source into a standalone file.

This module imports torch at import time; only the torch backend imports it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class Pad(nn.Module):
    """Pad the spatial axes by (before, after) per axis, first axis first (unlike F.pad).

    Needed before a convolution whose padding is asymmetric (TensorFlow's ``same`` with an
    even kernel or at stride > 1, ``causal``), which ``torch.nn.Conv`` cannot express.
    """

    def __init__(self, pads: tuple[tuple[int, int], ...], mode: str = "constant"):
        super().__init__()
        self.pads = tuple(tuple(p) for p in pads)
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = [v for before_after in reversed(self.pads) for v in before_after]
        return F.pad(x, flat, mode=self.mode)

    def extra_repr(self) -> str:
        return f"{self.pads!r}, mode={self.mode!r}"


class TableConv2d(nn.Module):
    """LeNet-5's C3 (LeCun et al. 1998, table I): output map i convolves only the input maps
    listed in ``table[i]``. One weight tensor per output map, one bias per output map."""

    def __init__(self, table: tuple[tuple[int, ...], ...], kernel_size: tuple[int, int],
                 stride: tuple[int, int] = (1, 1), bias: bool = True):
        super().__init__()
        self.table = tuple(tuple(row) for row in table)
        self.kernel_size, self.stride = tuple(kernel_size), tuple(stride)
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(1, len(row), *self.kernel_size)) for row in self.table)
        self.bias = nn.Parameter(torch.empty(len(self.table))) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for w in self.weights:
            if not w.is_meta:
                bound = 1 / math.sqrt(w[0].numel())
                nn.init.uniform_(w, -bound, bound)
        if self.bias is not None and not self.bias.is_meta:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = []
        for row, w in zip(self.table, self.weights):
            index = torch.tensor(row, device=x.device)
            maps.append(F.conv2d(x.index_select(1, index), w, stride=self.stride))
        out = torch.cat(maps, dim=1)
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return (f"{self.table!r}, kernel_size={self.kernel_size!r}, stride={self.stride!r}, "
                f"bias={self.bias is not None}")


class Subsample2d(nn.Module):
    """LeNet-5's trainable subsampling: the sum of each window, times one learned coefficient
    per map, plus one learned bias per map. The scaling is element-wise, like BatchNorm's,
    so FlopCounterMode counts no multiply-accumulate for it."""

    def __init__(self, channels: int, kernel_size: tuple[int, int],
                 stride: tuple[int, int] | None = None):
        super().__init__()
        self.channels = channels
        self.kernel_size = tuple(kernel_size)
        self.stride = tuple(stride) if stride is not None else self.kernel_size
        self.weight = nn.Parameter(torch.ones(channels, 1, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sums = F.avg_pool2d(x, self.kernel_size, self.stride, divisor_override=1)
        return sums * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.channels}, kernel_size={self.kernel_size!r}, stride={self.stride!r}"


class RBF(nn.Module):
    """LeNet-5's output: ``y_j = sum_i (x_i - w_ji)^2``, one prototype per class, no bias.

    Computed as ``|x|^2 - 2 x.W^T + |w_j|^2`` so the one matrix product carries the
    in x out multiply-accumulates."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if not self.weight.is_meta:
            nn.init.uniform_(self.weight, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x * x).sum(1, keepdim=True) - 2 * (x @ self.weight.t())
                + (self.weight * self.weight).sum(1))

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}"


class CenterCrop(nn.Module):
    """Cut the centre ``size`` out of each spatial axis (U-Net's crop before concatenation);
    the odd pixel is dropped at the end."""

    def __init__(self, size: tuple[int, ...]):
        super().__init__()
        self.size = tuple(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for axis, want in enumerate(self.size, start=2):
            start = (x.shape[axis] - want) // 2
            x = x.narrow(axis, start, want)
        return x

    def extra_repr(self) -> str:
        return f"{self.size!r}"


class ChannelPad(nn.Module):
    """Append zero channels up to ``out_channels`` (ResNet's weightless shortcut, option A)."""

    def __init__(self, out_channels: int):
        super().__init__()
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, [0, 0] * (x.dim() - 2) + [0, self.out_channels - x.shape[1]])

    def extra_repr(self) -> str:
        return f"{self.out_channels}"


class GlobalPool(nn.Module):
    """Average or maximum over every spatial axis; drops them (Keras) unless ``keepdims``."""

    def __init__(self, op: str = "avg", keepdims: bool = False):
        super().__init__()
        self.op, self.keepdims = op, keepdims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        axes = tuple(range(2, x.dim()))
        if self.op == "max":
            return x.amax(dim=axes, keepdim=self.keepdims)
        return x.mean(dim=axes, keepdim=self.keepdims)

    def extra_repr(self) -> str:
        return f"{self.op!r}, keepdims={self.keepdims}"


class Reshape(nn.Module):
    """Reshape each sample; the batch axis is kept."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"{self.shape!r}"


class Rescaling(nn.Module):
    """``x * scale + offset`` (Keras Rescaling)."""

    def __init__(self, scale: float = 1.0, offset: float = 0.0):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset

    def extra_repr(self) -> str:
        return f"{self.scale!r}, {self.offset!r}"


class Concat(nn.Module):
    """Concatenate the inputs along ``dim`` (counted with the batch axis)."""

    def __init__(self, dim: int = 1):
        super().__init__()
        self.dim = dim

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Add(nn.Module):
    """Elementwise sum of the inputs (residual connection)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Multiply(nn.Module):
    """Elementwise product of the inputs, broadcasting size-1 axes (squeeze-and-excitation)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


CUSTOM = (Pad, TableConv2d, Subsample2d, RBF, CenterCrop, ChannelPad, GlobalPool, Reshape,
          Rescaling, Concat, Add, Multiply)
"""Every class here, in the order ``export`` writes them out."""

from .modules_seg import Interpolate, LocallyConnected  # noqa: E402

CUSTOM += (LocallyConnected, Interpolate)
