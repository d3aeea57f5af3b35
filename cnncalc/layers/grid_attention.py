"""MaxViT's multi-axis attention (torchvision's ``PartitionAttentionLayer``): block attention
inside non-overlapping P x P windows, and grid attention over a dilated P x P grid, each a
whole transformer layer on a feature map [C, H, W].

One kind, ``partition_attention``, is the whole torchvision module (its LayerNorm, its
relative-position attention, its MLP, the two residual adds): torchvision's forward cuts the
map into groups with reshapes and permutes of its own and puts it back, so the layer's
module path (``blocks.0.layers.0.layers.window_attention``) is the row, as MaxViT's own
module tree has it. ``partition_type: window`` groups each P x P window's pixels;
``partition_type: grid`` groups the pixels H/P apart (one per window of H/P x H/P), so
that P x P pixels spread over the whole map attend to each other.

Counting (what FlopCounterMode counts of torchvision's forward, docs/conventions.md): with
N = H W tokens of C features and ``mlp_ratio`` r, 4 N C^2 for the projections (to_qkv,
merge), 2 N P^2 C for the two products of the P^2 x P^2 scores of every group, 2 r N C^2 for
the MLP. LayerNorm, GELU, the softmax, the bias and the scaling are other ops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from .base import Arg, Attempt, Call, LayerKind, Result, Shape, register

if TYPE_CHECKING:
    from .fixes import FixContext

_MAP_HINT = ("partition attention takes a feature map [C, H, W] (MaxViT's blocks), with H "
             "and W multiples of partition_size")


def _figures(call: Call | Result) -> tuple[int, int, int, int, int]:
    """(N tokens, C channels, heads, T tokens per group, mlp ratio). T is P^2 but for a
    grid with P = 1, whose 1 x 1 bias torch broadcasts over any group: there torchvision's
    groups are (H / cell) x (W / cell) pixels, the cell H // P pixels square."""
    channels, height, width = call.x
    size = call.args["partition_size"]
    group = size * size
    if call.args["partition_type"] == "grid" and size == 1:
        group = (width // height) if height and width % height == 0 else 1
    return (height * width, channels, channels // call.args["head_dim"], group,
            call.args["mlp_ratio"])


def _attend(call: Call | Result) -> int:
    """The two einsums' MACs, N P^2 C each, as FlopCounterMode counts them: torch.einsum
    computes a product whose summed axis has size 1 as a plain multiply (no bmm), which it
    does not count: q k^T when head_dim is 1, the weighted sum of v when a group is one pixel."""
    tokens, c, _, group, _ = _figures(call)
    return tokens * group * c * ((call.args["head_dim"] > 1) + (group > 1))


@register
class PartitionAttention(LayerKind):
    """MaxViT's window or grid attention on a map [C, H, W] (torchvision's
    PartitionAttentionLayer): P x P groups of pixels, each a pre-norm relative-position
    attention and a pre-norm MLP, each added back; the map keeps its shape."""

    base = "partition_attention"
    aliases_by_dim = {None: ("maxvit_attention", "multi_axis_attention")}
    sample_args = {"head_dim": 2, "partition_size": 2}
    arguments = (
        Arg("head_dim", "int", doc="features per head (torchvision's head_dim; MaxViT: 32); "
            "must divide the channels, heads = C / head_dim", minimum=1),
        Arg("partition_size", "int", doc="P: groups of P x P pixels, a P x P window or a "
            "P x P grid; H and W must be multiples of it (MaxViT: 7)", minimum=1),
        Arg("partition_type", "str", "window", "window: each P x P window (block attention); "
            "grid: P x P pixels H/P apart (grid attention)", choices=("window", "grid")),
        Arg("mlp_ratio", "int", 4, "the MLP's hidden width, as a multiple of C", minimum=1),
        Arg("attention_dropout", "float", 0.0, "dropout after the attention while training",
            minimum=0),
        Arg("mlp_dropout", "float", 0.0, "dropout after the MLP while training", minimum=0),
        Arg("p_stochastic_dropout", "float", 0.0, "stochastic depth of the two residual "
            "branches while training (the identity at inference)", minimum=0,
            aliases=("stochastic_depth", "drop_path")),
        Arg("in_channels", "int", None, "inferred (C); checked if written", minimum=1),
    )
    primary = "head_dim"
    category = "attention"
    min_rank = 3

    def check_args(self, args, error) -> None:
        for name in ("attention_dropout", "mlp_dropout", "p_stochastic_dropout"):
            if args[name] > 1:
                raise error(f"'{name}' is a probability between 0 and 1, got {args[name]}",
                            name)

    def output_shape(self, call: Call) -> Shape:
        if len(call.x) != 3:
            raise call.error(f"expects a feature map [C, H, W] but got {call.fmt(call.x)} "
                             f"({len(call.x)}-D)", hint=_MAP_HINT, code="map_rank")
        channels, height, width = call.x
        a = call.args
        written, head_dim, size = a["in_channels"], a["head_dim"], a["partition_size"]
        if written is not None and written != channels:
            raise call.error(f"in_channels is written as {written} but the map has {channels} "
                             "channels", arg="in_channels", code="in_channels",
                             hint=f"write in_channels: {channels} or leave it out")
        if channels % head_dim:
            raise call.error(f"head_dim {head_dim} does not divide the {channels} channels "
                             "(heads = channels / head_dim)", arg="head_dim",
                             code="head_dim")
        if a["partition_type"] == "window":
            if height % size or width % size:
                raise call.error(f"the {height}x{width} map is not divisible by "
                                 f"partition_size {size} (windows of {size}x{size} pixels)",
                                 arg="partition_size", code="partition",
                                 hint="torchvision asserts the same; pick a partition_size "
                                      "that divides H and W, or resize the input")
            return call.x
        # torchvision's grid: cells of H // P x H // P pixels (from the height alone), the
        # pixels at one place in every cell a group, which must hold P^2 of them
        cell = height // size
        if cell == 0 or height % cell or width % cell:
            raise call.error(f"the {height}x{width} map cannot be cut into a grid of "
                             f"partition_size {size}: its cells (H // {size} = {cell} pixels "
                             "square) must divide H and W", arg="partition_size",
                             code="partition", hint="torchvision asserts the same; use a "
                             "square map that partition_size divides")
        if (height // cell) * (width // cell) != size * size and size > 1:
            raise call.error(f"grid attention on a {height}x{width} map: cells of {cell}x"
                             f"{cell} pixels give groups of {height // cell}x{width // cell}, "
                             f"not {size}x{size} (torchvision takes the cell from the height "
                             "alone: the map must be square)", arg="partition_type",
                             code="partition")
        return call.x

    def weights(self, call: Call) -> int:
        """The two LayerNorms' scales (2 C), to_qkv (3 C x C) and merge (C x C), the MLP's
        two matrices (2 r C^2)."""
        _, c, _, _, ratio = _figures(call)
        return 2 * c + 4 * c * c + 2 * ratio * c * c

    def biases(self, call: Call) -> int:
        """The LayerNorms' shifts (2 C), to_qkv's and merge's biases (3 C + C), the MLP's
        (r C + C), and the relative position bias table: one learned bias per head for each
        of the (2P - 1)^2 offsets between two pixels of a P x P group."""
        _, c, heads, _, ratio = _figures(call)
        size = call.args["partition_size"]
        return 2 * c + 4 * c + ratio * c + c + (2 * size - 1) ** 2 * heads

    def macs(self, call: Call) -> int:
        """4 N C^2 (to_qkv, merge) + 2 N P^2 C (q k^T and the weighted sum of v: every token
        meets the P^2 tokens of its group, over C features in all heads) + 2 r N C^2 (MLP):
        what FlopCounterMode counts of torchvision's forward (its einsums are bmm)."""
        tokens, c, _, group, ratio = _figures(call)
        return 4 * tokens * c * c + _attend(call) + 2 * ratio * tokens * c * c

    def other_ops(self, call: Call) -> int:
        """One per element of: the two LayerNorms (2 N C), to_qkv's bias (3 N C), k's
        scaling (N C), merge's bias, the two residual adds and fc2's bias (4 N C), fc1's bias
        and GELU (2 r N C); per score (h N P^2) its bias add and its softmax."""
        tokens, c, heads, group, ratio = _figures(call)
        return 10 * tokens * c + 2 * ratio * tokens * c + 2 * heads * tokens * group

    def explain(self, call: Result, layout: str = "chw") -> list:
        """The parameters part by part, then the three products."""
        from ..worked import Line, params_line

        tokens, c, heads, group, ratio = _figures(call)
        a = call.args
        size, head_dim = a["partition_size"], a["head_dim"]
        table = (2 * size - 1) ** 2 * heads
        weights, biases = self.weights(call), self.biases(call)
        project, attend, mlp = 4 * tokens * c * c, _attend(call), 2 * ratio * tokens * c * c
        kind = "window" if a["partition_type"] == "window" else "grid"
        groups = tokens // group
        return [
            Line("input", f"input {c:,}x{call.x[1]:,}x{call.x[2]:,}: N = {tokens:,} tokens of "
                          f"C = {c:,} features; h = C / head_dim = {c:,} / {head_dim:,} = "
                          f"{heads:,} heads; {kind} partition: {groups:,} groups of T = "
                          f"{'P^2 = ' if group == size * size else ''}{group:,} pixels"),
            Line("shape", f"output shape: {c:,}x{call.x[1]:,}x{call.x[2]:,} (the map keeps "
                          "its shape)"),
            Line("weights", f"weights = 2 * C + 4 * C * C + 2 * r * C * C = 2 * {c:,} + "
                            f"4 * {c:,} * {c:,} + 2 * {ratio} * {c:,} * {c:,} = {weights:,} "
                            "(LayerNorms, to_qkv, merge, MLP)"),
            Line("biases", f"biases = 2 * C + 4 * C + r * C + C + (2P - 1)^2 * h = "
                           f"{2 * c:,} + {4 * c:,} + {ratio * c:,} + {c:,} + "
                           f"{2 * size - 1}^2 * {heads:,} = {biases:,} (the relative "
                           f"position bias table: {table:,})"),
            params_line(weights, biases),
            Line("macs", f"projection MACs = 4 * N * C * C = {project:,}"),
            Line("macs", f"attention MACs = 2 * N * T * C (q k^T, then weights * v) = "
                         f"2 * {tokens:,} * {group:,} * {c:,} = {attend:,}"
                 if attend == 2 * tokens * group * c else
                 f"attention MACs = {attend:,} (an einsum over an axis of size 1 is a "
                 "multiply, not counted: head_dim 1 or one pixel a group)"),
            Line("macs", f"MLP MACs = 2 * r * N * C * C = {mlp:,}"),
            Line("macs", f"MACs = {project:,} + {attend:,} + {mlp:,} = "
                         f"{project + attend + mlp:,}"),
        ]

    def receptive(self, result: Result, rf):
        """A window's pixels read their whole window, whose place depends on the pixel's (not
        one sliding kernel); a grid's read the whole map: no field of one kernel is left."""
        return None

    def keeps_positions(self, result: Result) -> bool:
        return False

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Go on with the map's shape: as if the written value were left out or one."""
        if error.code == "in_channels":
            return [(call.inputs, {**call.args, "in_channels": None},
                     "as if in_channels were left out")]
        if error.code == "head_dim":
            return [(call.inputs, {**call.args, "head_dim": 1}, "as if head_dim: 1")]
        if error.code == "partition":
            return [(call.inputs, {**call.args, "partition_size": 1,
                                   "partition_type": "window"}, "as if partition_size: 1")]
        return super().recover(call, error, ctx)

    def torch_module(self, call: Result):
        from ..torch.modules_grid import PartitionAttention as Module

        a = call.args
        return Module(call.x[0], a["head_dim"], a["partition_size"],
                      a["partition_type"] == "grid", mlp_ratio=a["mlp_ratio"],
                      attention_dropout=a["attention_dropout"], mlp_dropout=a["mlp_dropout"],
                      p=a["p_stochastic_dropout"])

