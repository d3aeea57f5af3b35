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


class Permute(nn.Module):
    """Reorder the axes (torchvision.ops.Permute: ``dims`` count the batch axis, which stays
    first): ConvNeXt's blocks move the channels last for LayerNorm and Linear, then back."""

    def __init__(self, dims: tuple[int, ...]):
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)

    def extra_repr(self) -> str:
        return f"{self.dims!r}"


class Chunk(nn.Module):
    """Piece ``index`` of ``x.chunk(chunks, dim=1)``: ShuffleNetV2's channel split, one
    module per branch that takes a piece (a view; no arithmetic)."""

    def __init__(self, chunks: int, index: int):
        super().__init__()
        self.chunks, self.index = chunks, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.chunks, dim=1)[self.index]

    def extra_repr(self) -> str:
        return f"{self.chunks!r}, {self.index!r}"


class LayerNormChannels(nn.Module):
    """Layer normalization over the channel axis at every position (torchvision's
    ``LayerNorm2d`` for any rank): a scale and a shift per channel, run through
    ``F.layer_norm`` with the channels moved last and back."""

    def __init__(self, channels: int, eps: float = 1e-5, affine: bool = True,
                 bias: bool = True):
        super().__init__()
        self.channels, self.eps = channels, eps
        self.weight = nn.Parameter(torch.ones(channels)) if affine else None
        self.bias = nn.Parameter(torch.zeros(channels)) if affine and bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.movedim(1, -1)
        x = F.layer_norm(x, (self.channels,), self.weight, self.bias, self.eps)
        return x.movedim(-1, 1)

    def extra_repr(self) -> str:
        return (f"{self.channels!r}, eps={self.eps!r}, affine={self.weight is not None}, "
                f"bias={self.bias is not None}")


class LayerScale(nn.Module):
    """A learned scale per channel (ConvNeXt's ``layer_scale``, shape (C, 1, 1) on a map):
    an element-wise multiply, which FlopCounterMode does not count (no MAC)."""

    def __init__(self, channels: int, init: float = 1e-6, ndim: int = 2):
        super().__init__()
        self.channels, self.init, self.ndim = channels, init, ndim
        self.gamma = nn.Parameter(torch.full((channels, *[1] * ndim), float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * x

    def extra_repr(self) -> str:
        return f"{self.channels!r}, init={self.init!r}, ndim={self.ndim!r}"


class StochasticDepth(nn.Module):
    """Drop a residual branch at random while training (Huang et al. 2016; torchvision.ops.
    StochasticDepth): per sample (``row``) or for the whole batch (``batch``), the survivors
    scaled by 1 / (1 - p). The identity at inference, which is what verify and bench run."""

    def __init__(self, p: float, mode: str = "row"):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        shape = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        keep = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p) if self.p < 1 else x * keep

    def extra_repr(self) -> str:
        return f"{self.p!r}, mode={self.mode!r}"


CUSTOM = (Pad, TableConv2d, Subsample2d, RBF, CenterCrop, ChannelPad, GlobalPool, Reshape,
          Rescaling, Concat, Add, Multiply, Permute, Chunk, LayerNormChannels, LayerScale,
          StochasticDepth)
"""Every class here, in the order ``export`` writes them out."""

from .modules_seg import Interpolate, LocallyConnected  # noqa: E402

CUSTOM += (LocallyConnected, Interpolate)

from .modules_attn import ClassToken, PositionEmbedding, Select, SelfAttention  # noqa: E402

CUSTOM += (SelfAttention, ClassToken, PositionEmbedding, Select)

from .modules_grid import PartitionAttention, RelativeAttention  # noqa: E402

CUSTOM += (RelativeAttention, PartitionAttention)
from .modules_swin import PatchMerge, ShiftedWindowAttention  # noqa: E402

CUSTOM += (ShiftedWindowAttention, PatchMerge)
