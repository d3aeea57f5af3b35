"""Layers that move channels or axes without arithmetic: permute, channel shuffle, and the
channel split (``chunk``) that ShuffleNetV2's blocks open with.

None of them has weights or MACs, and none does any other arithmetic: they reorder or select
values (PyTorch returns views, or one copy). The design of the split: a layer has one output
in cnncalc's graph, so ``x1, x2 = x.chunk(2, dim=1)`` is written as two ``chunk`` layers, one
at the head of each branch, each taking its piece (``index``) of the same input:

    concat:
      - [chunk: {chunks: 2, index: 0}]
      - [chunk: {chunks: 2, index: 1}, conv2d: ..., ...]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from ..record import replace
from .base import (
    Arg,
    Attempt,
    Call,
    LayerKind,
    Receptive,
    Result,
    Shape,
    _yaml,
    register,
)

if TYPE_CHECKING:
    from .fixes import FixContext


def _normalized(dims: tuple[int, ...], rank: int) -> list[int] | None:
    """``dims`` with negative axes counted from the end, or None when one is out of range."""
    out = []
    for d in dims:
        if not -rank <= d < rank:
            return None
        out.append(d % rank)
    return out


@register
class Permute(LayerKind):
    """Reorder the axes (torch.permute, torchvision's Permute); dims count the batch axis.

    The batch axis stays first: [0, 2, 3, 1] moves the channels last, [0, 3, 1, 2] back."""

    base = "permute"
    sample_args = {"dims": [0, 2, 3, 1]}
    arguments = (Arg("dims", "int_list", doc="the new order of the axes, batch axis 0 first "
                     "(as torch.permute and torchvision's Permute write it)"),)
    primary = "dims"

    def output_shape(self, call: Call) -> Shape:
        full = (1, *call.x)
        dims = call.args["dims"]
        order = _normalized(dims, len(full))
        if order is None or sorted(order) != list(range(len(full))):
            raise call.error(f"dims {list(dims)} is not an order of the {len(full)} axes "
                             f"0..{len(full) - 1} of the input {call.fmt(call.x)} (batch "
                             "axis 0 included)", arg="dims", code="permute_dims")
        if order[0] != 0:
            raise call.error(f"dims {list(dims)} moves the batch axis; it stays first (axis 0)",
                             arg="dims", code="permute_dims")
        return tuple(full[d] for d in order[1:])

    def receptive(self, call: Result, rf: Receptive) -> Receptive | None:
        """The channels moved last keep the field of the pixels (``Receptive.channels_last``) until
        moved back; any other reordering moves the axes the field follows: none."""
        rank = len(call.x) + 1
        order = _normalized(call.args["dims"], rank)
        if order == list(range(rank)):
            return rf
        if order == [0, *range(2, rank), 1] and not rf.channels_last:
            return replace(rf, channels_last=True)
        if order == [0, rank - 1, *range(1, rank - 1)] and rf.channels_last:
            return replace(rf, channels_last=False)
        return None

    def keeps_positions(self, result: Result) -> bool:
        """A permute decides itself what becomes of a channels-last field (``receptive``)."""
        return True

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Bad dims: go on with the axes as they are."""
        if error.code == "permute_dims":
            same = list(range(len(call.x) + 1))
            return [(call.inputs, {**call.args, "dims": tuple(same)},
                     f"as if dims: {_yaml(same)}")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code != "permute_dims":
            return super().suggest_fixes(ctx, error)
        rank = len(ctx.inputs[0]) + 1
        last = [0, *range(2, rank), 1]
        back = [0, rank - 1, *range(1, rank - 1)]
        return [f"dims: {_yaml(last)} moves the channels last and dims: {_yaml(back)} "
                f"moves them back (one entry per axis of the {rank}-D batched input, 0 first)"]

    def torch_module(self, call: Result):
        from ..torch.modules import Permute as Module

        return Module(tuple(_normalized(call.args["dims"], len(call.x) + 1) or ()))


@register
class ChannelShuffle(LayerKind):
    """Interleave the channels of `groups` groups (torch.nn.ChannelShuffle, ShuffleNet).

    C = groups x n channels are read as (groups, n) and written as (n, groups)."""

    base = "channel_shuffle"
    sample_args = {"groups": 2}
    arguments = (Arg("groups", "int", doc="groups the channels are split into; must divide "
                     "them", minimum=1),)
    primary = "groups"
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        groups = call.args["groups"]
        if call.x[0] % groups:
            raise call.error(f"groups={groups} does not divide the {call.x[0]} channels",
                             arg="groups", code="groups_mismatch")
        return call.x

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        """Channels move, pixels do not (on a permuted map it moves along the first axis,
        so a channels-last field does not pass: ``LayerCore.keeps_positions``)."""
        return rf

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """A shuffle never changes the shape: go on as if groups were 1."""
        if error.code == "groups_mismatch":
            return [(call.inputs, {**call.args, "groups": 1}, "as if groups: 1")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "groups_mismatch":
            channels = ctx.inputs[0][0]
            divisors = [g for g in range(2, min(channels, 8) + 1) if channels % g == 0]
            if divisors:
                return [f"groups: {divisors[0]} divides the {channels} channels (divisors up "
                        f"to 8: {', '.join(map(str, divisors))})"]
        return super().suggest_fixes(ctx, error)

    def torch_module(self, call: Result):
        from torch import nn

        return nn.ChannelShuffle(call.args["groups"])


def chunk_pieces(channels: int, chunks: int) -> tuple[int, int]:
    """(channels per piece, number of pieces) of ``torch.chunk(x, chunks, dim=1)``: pieces of
    ceil(C / chunks), the last smaller, and fewer than ``chunks`` pieces where the rounding
    leaves nothing for the rest (torch's rule). Constant time, however large the numbers.

    >>> chunk_pieces(116, 2), chunk_pieces(5, 4), chunk_pieces(6, 4)
    ((58, 2), (2, 3), (2, 3))
    """
    size = -(-channels // chunks)
    return size, -(-channels // size)


def chunk_sizes(channels: int, chunks: int) -> list[int]:
    """The channels of each piece (for small counts: messages and tests).

    >>> chunk_sizes(116, 2), chunk_sizes(5, 4), chunk_sizes(6, 4)
    ([58, 58], [2, 2, 1], [2, 2, 2])
    """
    size, count = chunk_pieces(channels, chunks)
    return [min(size, channels - k * size) for k in range(count)]


@register
class Chunk(LayerKind):
    """Piece `index` of the channels split into `chunks`: x.chunk(chunks, dim=1)[index].

    ShuffleNetV2's channel split, written at the head of each branch that takes a piece."""

    base = "chunk"
    sample_args = {"chunks": 2, "index": 1}
    arguments = (
        Arg("chunks", "int", doc="pieces the channels are split into (torch.chunk's rule: "
            "ceil(C / chunks) each, the last smaller)", minimum=1),
        Arg("index", "int", 0, "which piece this layer takes, from 0", minimum=0),
    )
    primary = "chunks"

    def output_shape(self, call: Call) -> Shape:
        channels, index = call.x[0], call.args["index"]
        size, count = chunk_pieces(channels, call.args["chunks"])
        if index >= count:
            listed = ", ".join(map(str, chunk_sizes(channels, call.args["chunks"]))) \
                if count <= 8 else f"{size:,} each, the last {channels - (count - 1) * size:,}"
            raise call.error(f"index {index} is past the last piece: {channels} channels in "
                             f"{call.args['chunks']} chunks make {count} pieces ({listed})",
                             arg="index", code="chunk_index")
        return (min(size, channels - index * size), *call.x[1:])

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        if error.code == "chunk_index":
            last = chunk_pieces(call.x[0], call.args["chunks"])[1] - 1
            return [(call.inputs, {**call.args, "index": last}, f"as if index: {last}")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "chunk_index":
            count = chunk_pieces(ctx.inputs[0][0], ctx.node.args["chunks"])[1]
            return [f"index: 0 to {count - 1} (pieces are counted from 0)"]
        return super().suggest_fixes(ctx, error)

    def torch_module(self, call: Result):
        from ..torch.modules import Chunk as Module

        return Module(call.args["chunks"], call.args["index"])


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
# Keras writes channels last; the exporter keeps, per tensor, which spec axis each Keras axis
# holds. A permute moves no data there: it only says how the next layers read the axes, and
# the exporter writes a Permute before a layer that needs another layout (``KerasSide``).
# Keras has no layer for a channel shuffle or a channel split: the exported file defines
# one small class for each (written below, read back by ``cnncalc import keras`` only when
# written exactly so), on the last axis, where channels-last code keeps the channels.

from typing import Any  # noqa: E402  (the section stays in one place, after the units)

from .keras_part import (  # noqa: E402
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Use,
    Written,
    ints,
)


def _keras_read_permute(w: Written, n: int) -> Converted:
    """Keras' dims (1-based, batch excluded) on channels-last tensors as the spec's dims on
    channels-first ones (batch axis 0 first): Keras axis i holds the spec's axis (i + 1) % k."""
    dims = w.get("dims")
    if not isinstance(dims, (list, tuple)) or sorted(dims) != list(range(1, len(dims) + 1)):
        raise KerasLayerError(f"Permute's dims= must be an order of 1..k (the axes after the "
                              f"batch axis), got {dims!r}"[:160], "dims")
    k = len(dims)
    order = [0] * k
    for j, d in enumerate(dims):
        order[(j + 1) % k] = d % k  # spec axis of Keras axis d - 1 is d % k
    return "permute", {"dims": [0, *(a + 1 for a in order)]}, None


def _keras_relayout(use: Use) -> tuple[int, ...]:
    rank = len(use.source)
    return tuple(d - 1 for d in (_normalized(use.args["dims"], rank + 1) or ())[1:])


Permute.keras = KerasSide((KerasClass("Permute", ("dims",), _keras_read_permute),),
                          relayout=_keras_relayout)

_SHUFFLE = '''
class ChannelShuffle(keras.layers.Layer):
    """torch.nn.ChannelShuffle on the last (channels) axis; no weights (cnncalc)."""

    def __init__(self, groups, **kwargs):
        super().__init__(**kwargs)
        self.groups = groups

    def call(self, x):
        shape = tuple(x.shape[1:])
        x = keras.ops.reshape(x, (-1, *shape[:-1], self.groups, shape[-1] // self.groups))
        return keras.ops.reshape(keras.ops.swapaxes(x, -1, -2), (-1, *shape))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
'''

_CHUNK = '''
class Chunk(keras.layers.Layer):
    """Piece `index` of torch.chunk(x, chunks) on the last (channels) axis (cnncalc)."""

    def __init__(self, chunks, index=0, **kwargs):
        super().__init__(**kwargs)
        self.chunks, self.index = chunks, index

    def call(self, x):
        size = -(-x.shape[-1] // self.chunks)
        return x[..., self.index * size:(self.index + 1) * size]

    def get_config(self):
        return {**super().get_config(), "chunks": self.chunks, "index": self.index}
'''


def _keras_read_shuffle(w: Written, n: int) -> Converted:
    return "channel_shuffle", {"groups": ints(w.get("groups"), "groups", w.cls)}, None


def _keras_read_chunk(w: Written, n: int) -> Converted:
    args: dict[str, Any] = {"chunks": ints(w.get("chunks"), "chunks", w.cls),
                            "index": ints(w.get("index", 0), "index", w.cls, 0)}
    return "chunk", args, None


ChannelShuffle.keras = KerasSide(
    (KerasClass("ChannelShuffle", ("groups",), _keras_read_shuffle),),
    lambda use: f"ChannelShuffle({use.args['groups']}, name={{name!r}})", helper=_SHUFFLE)
Chunk.keras = KerasSide(
    (KerasClass("Chunk", ("chunks", "index"), _keras_read_chunk),),
    lambda use: f"Chunk({use.args['chunks']}, {use.args['index']}, name={{name!r}})",
    helper=_CHUNK)
