"""Layers of the Vision Transformer (torchvision's ``VisionTransformer``): multi-head
self-attention, the learned class token, the learned position embedding, and taking one
token (``x[:, 0]``).

The sequence layout is torchvision's, batch first: a sample is ``[L, E]``, L tokens of E
features (the patch conv's ``[E, H, W]`` map becomes one with ``flatten: {start_dim: 2}`` and
``permute: [0, 2, 1]``). ``layernorm``, ``linear`` (with ``in_features``), ``gelu`` and
``dropout`` act on the last axis of such a sample already; these kinds add what they lack.

Attention mixes every token with every other: after it no output depends on a bounded
window of the input, so the receptive field ends there (``-``), as after a global pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from .base import Arg, Attempt, Call, LayerKind, Receptive, Result, Shape, numel, register

if TYPE_CHECKING:
    from .fixes import FixContext

_SEQUENCE_HINT = ("a transformer layer takes a sequence [L, E] (L tokens of E features, as "
                  "torchvision's VisionTransformer): after a patch conv write "
                  "flatten: {start_dim: 2} and permute: [0, 2, 1]")


def _sequence(call: Call) -> tuple[int, int]:
    """(L, E) of a ``[L, E]`` sample, or the error torch raises for any other rank."""
    if len(call.x) != 2:
        raise call.error(f"expects a sequence [L, E] but got {call.fmt(call.x)} "
                         f"({len(call.x)}-D)", hint=_SEQUENCE_HINT, code="sequence_rank")
    return call.x[0], call.x[1]


@register
class MultiheadAttention(LayerKind):
    """Multi-head self-attention (torch.nn.MultiheadAttention with batch_first, query = key =
    value = x) on a sequence [L, E]: in_proj to q, k, v, softmax(q k^T / sqrt(E/h)) v per
    head, out_proj."""

    base = "multihead_attention"
    aliases_by_dim = {None: ("self_attention", "mha")}
    sample_args = {"num_heads": 2}
    arguments = (
        Arg("num_heads", "int", doc="attention heads; must divide embed_dim", minimum=1,
            aliases=("heads",)),
        Arg("embed_dim", "int", None, "inferred (the last axis); checked if written",
            minimum=1),
        Arg("bias", "bool", True, "biases of in_proj (3E) and out_proj (E)"),
        Arg("dropout", "float", 0.0, "dropout on the attention weights while training",
            minimum=0),
    )
    primary = "num_heads"
    category = "attention"
    min_rank = 2

    def check_args(self, args, error) -> None:
        if args["dropout"] > 1:
            raise error(f"'dropout' is a probability between 0 and 1, got {args['dropout']}",
                        "dropout")

    def output_shape(self, call: Call) -> Shape:
        _, dim = _sequence(call)
        written, heads = call.args["embed_dim"], call.args["num_heads"]
        if written is not None and written != dim:
            raise call.error(f"embed_dim is written as {written} but the tokens have {dim} "
                             "features", arg="embed_dim", code="embed_dim",
                             hint=f"write embed_dim: {dim} or leave it out")
        if dim % heads:
            raise call.error(f"num_heads {heads} does not divide embed_dim {dim} (each head "
                             "takes embed_dim / num_heads features)", arg="num_heads",
                             code="heads_mismatch")
        return call.x

    def weights(self, call: Call) -> int:
        """in_proj_weight (3E x E: W_q, W_k, W_v) and out_proj.weight (E x E)."""
        return 4 * call.x[1] ** 2

    def biases(self, call: Call) -> int:
        """in_proj_bias (3E) and out_proj.bias (E)."""
        return 4 * call.x[1] if call.args["bias"] else 0

    def macs(self, call: Call) -> int:
        """The four projections (3 L E^2 in, L E^2 out) and the two products per head of
        L x L scores: q k^T (L^2 E/h each, h heads) and the weighted sum of v (the same):
        4 L E^2 + 2 L^2 E. FlopCounterMode counts exactly this where it sees the products
        (bmm, or its formula for the fused attention kernels); see docs/conventions.md."""
        length, dim = call.x
        return 4 * length * dim * dim + 2 * length * length * dim

    def other_ops(self, call: Call) -> int:
        """The bias adds (4 L E), then per score (h L^2) its scaling and its softmax, one
        each, as the softmax kind counts one per element."""
        length, dim = call.x
        scores = call.args["num_heads"] * length * length
        return (4 * length * dim if call.args["bias"] else 0) + 2 * scores

    def explain(self, call: Result, layout: str = "chw") -> list:
        """The projections' weights and MACs, then the two products of the L x L scores."""
        from ..worked import Line, params_line, product_line

        length, dim = call.x
        heads = call.args["num_heads"]
        biases = 4 * dim if call.args["bias"] else 0
        project, attend = 4 * length * dim * dim, 2 * length * length * dim
        return [
            Line("input", f"input {length:,} tokens of E = {dim:,} features; {heads:,} heads "
                          f"of E/h = {dim // heads:,}"),
            Line("shape", f"output shape: {length:,}x{dim:,} (the sequence keeps its shape)"),
            product_line("weights", "weights", "4 * E * E (in_proj: W_q, W_k, W_v; out_proj)",
                         [4, dim, dim]),
            Line("biases", f"biases = 4 * E = {biases:,}" if biases else
                 "biases = 0 (bias: false)"),
            params_line(4 * dim * dim, biases),
            product_line("macs", "projection MACs", "4 * L * E * E", [4, length, dim, dim]),
            Line("macs", f"attention MACs = h * (L * L * E/h) * 2 (q k^T, then weights * v) "
                         f"= 2 * L * L * E = 2 * {length:,} * {length:,} * {dim:,} = "
                         f"{attend:,}"),
            Line("macs", f"MACs = {project:,} + {attend:,} = {project + attend:,}"),
        ]

    def receptive(self, result: Result, rf: Receptive) -> Receptive | None:
        """Every output token reads every input token: no bounded field is left."""
        return None

    def keeps_positions(self, result: Result) -> bool:
        return False

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """A wrong embed_dim or head count: go on as if the input's were written (one head)."""
        if error.code == "embed_dim":
            return [(call.inputs, {**call.args, "embed_dim": None}, "as if embed_dim were "
                     "left out")]
        if error.code == "heads_mismatch":
            return [(call.inputs, {**call.args, "num_heads": 1}, "as if num_heads: 1")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "heads_mismatch":
            dim = ctx.inputs[0][-1]
            divisors = [h for h in range(1, min(dim, 16) + 1) if dim % h == 0]
            return [f"num_heads: one of {', '.join(map(str, divisors))} divides the {dim} "
                    "features (divisors up to 16)"]
        return super().suggest_fixes(ctx, error)

    def torch_module(self, call: Result):
        from ..torch.modules_attn import SelfAttention

        a = call.args
        return SelfAttention(call.x[1], a["num_heads"], dropout=a["dropout"], bias=a["bias"])


@register
class ClassToken(LayerKind):
    """Prepend a learned class token to a sequence [L, E] (torchvision's ViT class_token,
    an nn.Parameter of shape (1, 1, E)): E parameters, L + 1 tokens out."""

    base = "class_token"
    aliases_by_dim = {None: ("cls_token",)}
    category = "attention"
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        length, dim = _sequence(call)
        return (length + 1, dim)

    def weights(self, call: Call) -> int:
        """The token itself, E values."""
        return call.x[1]

    def receptive(self, result: Result, rf: Receptive) -> Receptive | None:
        """A token that reads no input is prepended: positions shift, no field follows."""
        return None

    def torch_module(self, call: Result):
        from ..torch.modules_attn import ClassToken as Module

        return Module(call.x[1])


@register
class PositionEmbedding(LayerKind):
    """Add a learned embedding of the sample's own shape (torchvision's ViT
    encoder.pos_embedding, an nn.Parameter of shape (1, L, E)): L x E parameters."""

    base = "pos_embedding"
    aliases_by_dim = {None: ("position_embedding",)}
    category = "attention"

    def weights(self, call: Call) -> int:
        """One learned value per element of the sample."""
        return numel(call.x)

    def other_ops(self, call: Call) -> int:
        """The add, one per element."""
        return numel(call.out)

    def torch_module(self, call: Result):
        from ..torch.modules_attn import PositionEmbedding as Module

        return Module(tuple(call.x))


@register
class Select(LayerKind):
    """Take one index along an axis, dropping it (torch.select; ViT's class token ``x[:, 0]``
    is select: {dim: 1, index: 0}); dims count the batch axis."""

    base = "select"
    sample_args = {"dim": 1}
    arguments = (
        Arg("dim", "int", doc="the axis to take from, batch axis 0 (as torch.select writes "
            "it; x[:, 0] is dim 1)"),
        Arg("index", "int", 0, "which entry along that axis; negative counts from the end"),
    )
    primary = "dim"
    min_rank = 2

    def output_shape(self, call: Call) -> Shape:
        rank = len(call.x) + 1
        dim, index = call.args["dim"], call.args["index"]
        if not -rank <= dim < rank:
            raise call.error(f"dim {dim} is out of range for the {rank} axes of the batched "
                             f"input {call.fmt(call.x)} (batch axis 0 included)", arg="dim",
                             code="select_dim")
        axis = dim % rank
        if axis == 0:
            raise call.error(f"dim {dim} selects along the batch axis; a spec's samples keep "
                             "it (dim 1 or later)", arg="dim", code="select_dim")
        size = call.x[axis - 1]
        if not -size <= index < size:
            raise call.error(f"index {index} is out of range for axis {axis} of size {size}",
                             arg="index", code="select_index")
        return call.x[:axis - 1] + call.x[axis:]

    def receptive(self, result: Result, rf: Receptive) -> Receptive | None:
        """An axis is gone; the field of the rest is not followed."""
        return None

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        if error.code == "select_index":
            return [(call.inputs, {**call.args, "index": 0}, "as if index: 0")]
        if error.code == "select_dim":
            return [(call.inputs, {**call.args, "dim": 1}, "as if dim: 1")]
        return super().recover(call, error, ctx)

    def torch_module(self, call: Result):
        from ..torch.modules_attn import Select as Module

        return Module(call.args["dim"] % (len(call.x) + 1), call.args["index"])
