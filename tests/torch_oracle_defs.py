"""The oracle's layers that ``torch.nn`` lacks, written from their definitions as plain
tensor operations: Keras for cropping, zero padding and the preprocessing layers, He et al.
2015 for the zero-channel shortcut, LeCun et al. 1998 for LeNet-5's table convolution,
trainable subsampling and RBF output.

Nothing here reads cnncalc (neither the engine's resolved geometry nor ``cnncalc.torch``'s
modules): each function takes the arguments as a user writes them in a spec. Where a written
value is meaningless for the definition (a crop that removes everything, a channel pad that
would remove channels, an output map that reads no input map), it raises ``ValueError``,
which the differential tests read as "PyTorch refuses".

FLOPs: ``FlopCounterMode`` counts matrix products and convolutions only. The table
convolution runs through ``conv2d`` and the RBF's squared distance through a matrix product
(the difference dotted with itself), so the counter sees their multiply-accumulates. The
subsampling's one multiply per output (window sum times its map's coefficient) is
element-wise, like BatchNorm's scale: no MAC by cnncalc's convention, and none counted here.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")  # also when doctest collection imports this module

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

KERAS_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
"""Keras RandomFlip's modes; any other raises ValueError there."""


def axes(value, n: int, what: str) -> tuple[int, ...]:
    """One integer for every spatial axis, or a list with exactly one per axis."""
    if isinstance(value, int):
        return (value,) * n
    if len(value) != n:
        raise ValueError(f"{what} {value} has {len(value)} values for {n} spatial axes")
    return tuple(value)


def sides(written, n: int, what: str) -> list[tuple[int, int]]:
    """Keras' ZeroPadding/Cropping argument as (before, after) per spatial axis: one integer
    for every side; one per axis, symmetric; or two per axis, flattened in axis order
    (Keras nests them: ``((top, bottom), (left, right))``)."""
    if isinstance(written, int):
        return [(written, written)] * n
    if len(written) == n:
        return [(v, v) for v in written]
    if len(written) == 2 * n:
        return [(written[2 * i], written[2 * i + 1]) for i in range(n)]
    raise ValueError(f"{what} {written}: Keras wants 1, {n} or {2 * n} values")


def zero_pad(x: torch.Tensor, written) -> torch.Tensor:
    """ZeroPadding1D/2D/3D. ``F.pad`` lists the last axis first, hence the reversal."""
    pairs = sides(written, x.dim() - 2, "padding")
    return F.pad(x, [v for before_after in reversed(pairs) for v in before_after])


def crop(x: torch.Tensor, written) -> torch.Tensor:
    """Cropping1D/2D/3D: drop ``before`` elements at the start and ``after`` at the end of
    each spatial axis; at least one element must remain."""
    for axis, (before, after) in enumerate(sides(written, x.dim() - 2, "cropping"), start=2):
        keep = x.shape[axis] - before - after
        if keep < 1:
            raise ValueError(f"cropping {before}+{after} leaves nothing of {x.shape[axis]}")
        x = x[(slice(None),) * axis + (slice(before, before + keep),)]
    return x


def center_crop(x: torch.Tensor, size) -> torch.Tensor:
    """The centred window of ``size``: ``floor((n - size) / 2)`` elements go before, so an odd
    remainder is dropped at the end (cnncalc's documented rule, as U-Net's crop). Not
    torchvision's ``CenterCrop``, which rounds ``(n - size) / 2`` half to even (the odd
    element goes first when ``n - size`` is 3 mod 4) and pads a crop larger than its input;
    a larger crop is refused here, as in cnncalc (documented exclusion)."""
    for axis, want in enumerate(axes(size, x.dim() - 2, "size"), start=2):
        have = x.shape[axis]
        if want > have:
            raise ValueError(f"cannot centre-crop {have} to the larger {want}")
        start = (have - want) // 2
        x = x[(slice(None),) * axis + (slice(start, start + want),)]
    return x


def channel_pad(x: torch.Tensor, out_channels: int) -> torch.Tensor:
    """He et al.'s option A shortcut: zero channels appended up to ``out_channels``."""
    extra = out_channels - x.shape[1]
    if extra < 0:
        raise ValueError(f"channel_pad to {out_channels} would remove channels of {x.shape[1]}")
    return F.pad(x, [0, 0] * (x.dim() - 2) + [0, extra])


def rescale(x: torch.Tensor, scale: float = 1.0, offset: float = 0.0) -> torch.Tensor:
    """Keras Rescaling: ``x * scale + offset``."""
    return x * scale + offset


def keras_flip_mode(mode: str) -> None:
    if mode not in KERAS_FLIP_MODES:
        raise ValueError(f"RandomFlip has no mode {mode!r}")


class TableConv(nn.Module):
    """LeNet-5's C3: output map i is the sum, over the input maps j listed in row i, of a
    2-D convolution of map j with its own kernel, plus one bias per output map."""

    def __init__(self, table, kernel_size, stride=1, bias: bool = True):
        super().__init__()
        self.table = [list(row) for row in table]
        self.kernel = axes(kernel_size, 2, "kernel_size")
        self.stride = stride
        self.kernels = nn.ParameterList(nn.Parameter(torch.randn(1, 1, *self.kernel))
                                        for row in self.table for _ in row)
        self.bias = nn.Parameter(torch.randn(len(self.table))) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kernels = iter(self.kernels)
        maps = []
        for i, row in enumerate(self.table):
            if not row:
                raise ValueError(f"output map {i} reads no input map")
            total = sum(F.conv2d(x[:, j].unsqueeze(1), next(kernels), stride=self.stride)
                        for j in row)
            maps.append(total if self.bias is None else total + self.bias[i])
        return torch.cat(maps, dim=1)


class Subsample(nn.Module):
    """LeNet-5's S2/S4: each window's sum, times one trainable coefficient per map, plus one
    trainable bias per map; windows of ``kernel_size`` every ``stride`` (default: the
    kernel, non-overlapping)."""

    def __init__(self, channels: int, kernel_size=2, stride=None):
        super().__init__()
        self.kernel = axes(kernel_size, 2, "kernel_size")
        self.stride = self.kernel if stride is None else axes(stride, 2, "stride")
        self.coefficient = nn.Parameter(torch.randn(channels))
        self.bias = nn.Parameter(torch.randn(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        windows = x.unfold(2, self.kernel[0], self.stride[0]).unfold(3, self.kernel[1],
                                                                     self.stride[1])
        sums = windows.sum(dim=(-2, -1))
        return sums * self.coefficient.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class RBF(nn.Module):
    """LeNet-5's output layer: ``y_j = sum_i (x_i - w_ji)^2``, one prototype per class."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.prototypes = nn.Parameter(torch.randn(out_features, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise ValueError("the RBF layer takes flat inputs (documented exclusion)")
        diff = x.unsqueeze(1) - self.prototypes  # (batch, classes, features)
        return (diff.unsqueeze(-2) @ diff.unsqueeze(-1)).flatten(1)


def permute(x: torch.Tensor, dims) -> torch.Tensor:
    """torch.permute with the batch axis kept first: cnncalc's samples exclude the batch, so
    a permutation that moves it is refused there (documented exclusion); refused here too."""
    if len(dims) == x.dim() and dims[0] % x.dim() != 0:
        raise ValueError(f"dims {dims} move the batch axis")
    return x.permute(*dims)


def chunk(x: torch.Tensor, chunks: int, index: int = 0) -> torch.Tensor:
    """``x.chunk(chunks, dim=1)[index]`` (an index past the pieces raises IndexError)."""
    if index < 0:
        raise ValueError("a piece index counts from 0")
    return x.chunk(chunks, dim=1)[index]


class ChannelLayerNorm(nn.Module):
    """torchvision's LayerNorm2d for any rank: ``nn.LayerNorm(C)`` applied with the channels
    moved last (torchvision permutes (0, 2, 3, 1), normalizes, and permutes back)."""

    def __init__(self, channels: int, eps: float = 1e-5, affine: bool = True,
                 bias: bool = True):
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=eps, elementwise_affine=affine, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


class LayerScale(nn.Module):
    """ConvNeXt's ``layer_scale``: an ``nn.Parameter`` of shape (C, 1, ..., 1) times x."""

    def __init__(self, channels: int, rank: int, init: float = 1e-6):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels, *[1] * (rank - 1)) * init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * x


def stochastic_depth(p: float = 0.0, mode: str = "row") -> nn.Module:
    """torchvision.ops.StochasticDepth at inference: the identity; it refuses a ``p`` outside
    [0, 1] and a mode other than row or batch with ValueError."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("row", "batch"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    return nn.Identity()
