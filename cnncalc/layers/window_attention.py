"""Layers of the Swin Transformer (torchvision's ``SwinTransformer``, v1 and v2): shifted
window attention and the 2x2 patch merge, on a channels-last map ``[H, W, C]``.

Swin keeps the image's grid: after the patch conv torchvision permutes the map to
``[H, W, C]`` (``permute: [0, 2, 3, 1]``), and ``layernorm``, ``linear``, ``gelu`` and
``dropout`` act on its last axis already. These kinds add the two steps they lack.

Patch merging is ``patch_merge`` (torchvision's ``_patch_merging_pad``: pad H and W to even,
concatenate the 2x2 neighbours to 4C) followed by the ``layernorm`` and ``linear`` that
torchvision's ``PatchMerging`` holds as ``norm`` and ``reduction`` (v1: norm(4C), then
4C -> 2C; v2: 4C -> 2C, then norm(2C)): its rows carry torchvision's module paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from .attention import heads_fix, one_head
from .base import Arg, Attempt, Call, LayerKind, Receptive, Result, Shape, register

if TYPE_CHECKING:
    from .fixes import FixContext

CPB_HIDDEN = 512
"""v2's continuous position bias MLP: Linear(2, 512), ReLU, Linear(512, heads) (torchvision
fixes the 512)."""

_CHANNELS_LAST_HINT = ("Swin's layers take a channels-last map [H, W, C]; after the patch "
                       "conv write permute: [0, 2, 3, 1] (torchvision's Permute)")


def pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    """A window or shift written as one integer or as [h, w]."""
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def _map(call: Call) -> tuple[int, int, int]:
    """(H, W, C) of a ``[H, W, C]`` sample, or the error torchvision raises for any other rank
    (its ``B, H, W, C = input.shape``)."""
    if len(call.x) != 3:
        raise call.error(f"expects a channels-last map [H, W, C] but got {call.fmt(call.x)} "
                         f"({len(call.x)}-D)", hint=_CHANNELS_LAST_HINT, code="map_rank")
    return call.x[0], call.x[1], call.x[2]


def _looks_channels_first(shape: Shape) -> bool:
    """[C, H, W] fed where [H, W, C] is meant: a square map whose first axis differs."""
    return len(shape) == 3 and shape[1] == shape[2] != shape[0]


class Geometry:
    """What torchvision's ``shifted_window_attention`` computes from the map and the args:
    the map padded to whole windows, the windows, the shift left after the rule that turns
    it off on an axis the window covers."""

    def __init__(self, shape: Shape, args):
        self.h, self.w, self.c = shape
        self.wh, self.ww = pair(args["window_size"])
        sh, sw = pair(args["shift_size"])
        self.ph = -(-self.h // self.wh) * self.wh
        self.pw = -(-self.w // self.ww) * self.ww
        self.shift = (0 if self.wh >= self.ph else sh, 0 if self.ww >= self.pw else sw)
        self.tokens = self.wh * self.ww                    # N, tokens per window
        self.windows = (self.ph // self.wh) * (self.pw // self.ww)
        self.positions = self.ph * self.pw                 # padded H x W
        self.table = (2 * self.wh - 1) * (2 * self.ww - 1)  # relative offsets


@register
class ShiftedWindowAttention(LayerKind):
    """Shifted window multi-head self-attention on a channels-last map [H, W, C]
    (torchvision's ShiftedWindowAttention, v2: ShiftedWindowAttentionV2): pad to whole
    windows, roll by the shift, attend within each window with a relative position bias."""

    base = "shifted_window_attention"
    aliases_by_dim = {None: ("window_attention", "swin_attention")}
    sample_args = {"num_heads": 2, "window_size": 2}
    arguments = (
        Arg("num_heads", "int", doc="attention heads; must divide C", minimum=1,
            aliases=("heads",)),
        Arg("window_size", "ints", doc="window height and width (one integer or [h, w]); "
            "the map is padded to a multiple of it", minimum=1, aliases=("window",)),
        Arg("shift_size", "ints", 0, "cyclic shift before partitioning (one integer or "
            "[h, w]; torchvision shifts every second block by window_size // 2); off on an "
            "axis whose padded size the window covers", minimum=0, aliases=("shift",)),
        Arg("version", "int", 1, "1: Swin (scaled dot product, a learned bias table); 2: "
            "Swin V2 (cosine attention with a learned logit_scale, the bias from an MLP "
            "2 -> 512 -> heads)", minimum=1),
        Arg("qkv_bias", "bool", True, "bias of the qkv projection (3C); v2 zeroes its key "
            "third in forward, but it stays a parameter"),
        Arg("proj_bias", "bool", True, "bias of the output projection (C)"),
        Arg("attention_dropout", "float", 0.0, "dropout on the attention weights while "
            "training", minimum=0),
        Arg("dropout", "float", 0.0, "dropout on the output while training", minimum=0),
    )
    primary = "num_heads"
    category = "attention"
    min_rank = 3

    def check_args(self, args, error) -> None:
        if args["version"] not in (1, 2):
            raise error(f"'version' is 1 (Swin) or 2 (Swin V2), got {args['version']}",
                        "version")
        for name in ("window_size", "shift_size"):
            value = args[name]
            if isinstance(value, tuple) and len(value) != 2:
                raise error(f"'{name}' is one integer or [h, w], got {len(value)} values "
                            f"{list(value)}", name)
        for name in ("attention_dropout", "dropout"):
            if args[name] > 1:
                raise error(f"'{name}' is a probability between 0 and 1, got {args[name]}",
                            name)

    def resolve_ndim(self, call: Call) -> int:
        _map(call)
        return 2

    def output_shape(self, call: Call) -> Shape:
        _, _, dim = _map(call)
        heads = call.args["num_heads"]
        if _looks_channels_first(call.x) and call.x[0] > call.x[1]:
            call.warn(f"{call.fmt(call.x)} looks like a channels-first [C, H, W] map, read "
                      f"here as H = {call.x[0]}, W = {call.x[1]}, C = {call.x[2]}; "
                      + _CHANNELS_LAST_HINT)
        if dim % heads:
            hint = None
            if _looks_channels_first(call.x) and call.x[0] % heads == 0:
                hint = (f"{call.fmt(call.x)} looks like a channels-first [C, H, W] map; "
                        + _CHANNELS_LAST_HINT)
            raise call.error(f"num_heads {heads} does not divide the {dim} channels (the "
                             "last axis of [H, W, C]; each head takes C / num_heads)",
                             arg="num_heads", hint=hint, code="heads_mismatch")
        return call.x

    def weights(self, call: Call) -> int:
        """qkv.weight (3C x C), proj.weight (C x C); v1 its relative_position_bias_table
        ((2h-1)(2w-1) x heads), v2 its logit_scale (heads) and cpb_mlp's two weights
        (512 x 2, heads x 512)."""
        g, heads = Geometry(call.x, call.args), call.args["num_heads"]
        if call.args["version"] == 1:
            extra = g.table * heads
        else:
            extra = heads + 2 * CPB_HIDDEN + CPB_HIDDEN * heads
        return 4 * g.c * g.c + extra

    def biases(self, call: Call) -> int:
        """qkv.bias (3C), proj.bias (C); v2 cpb_mlp.0.bias (512)."""
        c = call.x[-1]
        own = (3 * c if call.args["qkv_bias"] else 0) + (c if call.args["proj_bias"] else 0)
        return own + (CPB_HIDDEN if call.args["version"] == 2 else 0)

    def buffers(self, call: Call) -> int:
        """v2's relative_coords_table ((2h-1)(2w-1) x 2 floats). relative_position_index
        (N^2 integers) is an integer buffer, not counted, as BatchNorm's
        num_batches_tracked."""
        if call.args["version"] == 1:
            return 0
        return 2 * Geometry(call.x, call.args).table

    def macs(self, call: Call) -> int:
        """As FlopCounterMode counts torchvision's forward, over the padded map of P = H'W'
        positions (every padded window computed): qkv 3 P C^2, q k^T and weights x v P N C
        each (N = tokens per window), proj P C^2: P (4 C^2 + 2 N C). v2 adds its cpb_mlp,
        run once per forward on the (2h-1)(2w-1) offsets: T (2 x 512 + 512 x heads) (a
        forward of one sample; ``macs_per_forward`` keeps it once in a batch)."""
        g = Geometry(call.x, call.args)
        return g.positions * (4 * g.c * g.c + 2 * g.tokens * g.c) + self.macs_per_forward(call)

    def macs_per_forward(self, call: Call) -> int:
        """v2's cpb_mlp runs on the table of offsets, not on the samples: once per forward."""
        if call.args["version"] != 2:
            return 0
        return Geometry(call.x, call.args).table * CPB_HIDDEN * (2 + call.args["num_heads"])

    def other_ops(self, call: Call) -> int:
        """The projections' bias adds, then per score (heads x N per padded position): its
        scaling, its position bias, the shift's mask where shifted, and its softmax."""
        g = Geometry(call.x, call.args)
        bias = (3 * g.c if call.args["qkv_bias"] else 0) + (g.c if call.args["proj_bias"]
                                                           else 0)
        scores = call.args["num_heads"] * g.tokens * g.positions
        return g.positions * bias + scores * (4 if any(g.shift) else 3)

    def explain(self, call: Result, layout: str = "chw") -> list:
        """The padded map and its windows, the parameters, the MACs of the four products."""
        from ..worked import Line, params_line

        g, a = Geometry(call.x, call.args), call.args
        heads, v2 = a["num_heads"], a["version"] == 2
        extra = (f"logit_scale {heads} + cpb_mlp 2 * 512 + 512 * {heads}" if v2 else
                 f"bias table (2*{g.wh}-1) * (2*{g.ww}-1) * {heads}")
        written = pair(a["shift_size"])
        off = " (off where the window covers the padded map)" if written != g.shift else ""
        project = g.positions * 4 * g.c * g.c
        attend = g.positions * 2 * g.tokens * g.c
        lines = [
            Line("input", f"input {g.h}x{g.w} positions of C = {g.c:,} channels; {heads} "
                          f"heads; window {g.wh}x{g.ww} (N = {g.tokens} tokens)"),
            Line("shape", f"padded to {g.ph}x{g.pw}: {g.windows} window"
                          f"{'s' if g.windows > 1 else ''}; shift {g.shift[0]}x{g.shift[1]}"
                          f"{off}; output shape: {g.h}x{g.w}x{g.c}"),
            Line("weights", f"weights = 4 * C * C (qkv 3C x C, proj C x C) + {extra} = "
                            f"{call.weights:,}"),
            Line("biases", f"biases = {call.biases:,} (qkv 3C, proj C"
                           + (", cpb_mlp 512)" if v2 else ")")),
            params_line(call.weights, call.biases),
            Line("macs", f"projection MACs = P * 4 * C * C = {g.positions:,} * 4 * {g.c:,} * "
                         f"{g.c:,} = {project:,} (P = padded positions)"),
            Line("macs", f"attention MACs = P * 2 * N * C = {g.positions:,} * 2 * {g.tokens} "
                         f"* {g.c:,} = {attend:,}"),
        ]
        if v2:
            mlp = g.table * CPB_HIDDEN * (2 + heads)
            lines.append(Line("macs", f"cpb_mlp MACs = {g.table} offsets * 512 * (2 + {heads}) "
                                      f"= {mlp:,} (once per forward)"))
        lines.append(Line("macs", f"MACs = {call.macs:,}"))
        return lines

    def receptive(self, result: Result, rf: Receptive) -> Receptive | None:
        """Windows are fixed tiles, not a sliding window, and a shift moves them: an output's
        field depends on where it sits in its window. No one field is followed, as after
        attention."""
        return None

    def keeps_positions(self, result: Result) -> bool:
        return False

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """A head count that does not divide C: go on as if one head were written."""
        if error.code == "heads_mismatch":
            return one_head(call)
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "heads_mismatch":
            return [heads_fix(ctx.inputs[0][-1], "channels", 32)]
        return super().suggest_fixes(ctx, error)

    def torch_module(self, call: Result):
        from ..torch.modules_swin import ShiftedWindowAttention as Module

        a = call.args
        return Module(call.x[-1], list(pair(a["window_size"])), list(pair(a["shift_size"])),
                      a["num_heads"], version=a["version"], qkv_bias=a["qkv_bias"],
                      proj_bias=a["proj_bias"], attention_dropout=a["attention_dropout"],
                      dropout=a["dropout"])


@register
class PatchMerge(LayerKind):
    """Merge each 2x2 patch of a channels-last map [..., H, W, C] into one of 4C channels
    (torchvision's _patch_merging_pad: H and W padded to even, the neighbours (0,0), (1,0),
    (0,1), (1,1) concatenated): [..., ceil(H/2), ceil(W/2), 4C]."""

    base = "patch_merge"
    aliases_by_dim = {None: ("patch_merging_pad",)}
    category = "reshape"
    min_rank = 3

    def resolve_ndim(self, call: Call) -> int:
        if len(call.x) < 3:
            raise call.error(f"expects a channels-last map [H, W, C] but got "
                             f"{call.fmt(call.x)} ({len(call.x)}-D)", hint=_CHANNELS_LAST_HINT,
                             code="map_rank")
        return len(call.x) - 1

    def output_shape(self, call: Call) -> Shape:
        *lead, h, w, c = call.x
        return (*lead, -(-h // 2), -(-w // 2), 4 * c)

    def receptive(self, result: Result, rf: Receptive) -> Receptive | None:
        """The spatial axes are not the last ones: the field is not followed."""
        return None

    def keeps_positions(self, result: Result) -> bool:
        return False

    def explain(self, call: Result, layout: str = "chw") -> list:
        from ..worked import Line

        *_, h, w, c = call.x
        *_, oh, ow, oc = call.out
        return [Line("shape", f"H: ceil({h} / 2) = {oh}; W: ceil({w} / 2) = {ow}; "
                              f"C: 4 * {c} = {oc} (each 2x2 patch's four pixels)"),
                Line("params", "params = 0 (values are only moved)")]

    def torch_module(self, call: Result):
        from ..torch.modules_swin import PatchMerge as Module

        return Module()

