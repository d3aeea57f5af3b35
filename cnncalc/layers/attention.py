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


def heads_fix(dim: int, noun: str, limit: int) -> str:
    """The fix for a head count that does not divide the features: the counts that do, up to
    ``limit`` (shared by the attention kinds that split features into heads)."""
    divisors = [h for h in range(1, min(dim, limit) + 1) if dim % h == 0]
    return (f"num_heads: one of {', '.join(map(str, divisors))} divides the {dim} {noun} "
            f"(divisors up to {limit})")


def one_head(call: Call) -> list[Attempt]:
    """Recovery from a head count that does not divide the features: go on with one head."""
    return [(call.inputs, {**call.args, "num_heads": 1}, "as if num_heads: 1")]


def _sequence(call: Call | Result) -> tuple[int, int]:
    """(L, E) of a ``[L, E]`` sample, or the error torch raises for any other rank. In a
    channels-last spec (``input_layout: hwc``, what ``cnncalc import keras`` writes) the
    features are the channels: Keras' ``(L, E)`` is held channels first as ``(E, L)``."""
    if len(call.x) != 2:
        raise call.error(f"expects a sequence [L, E] but got {call.fmt(call.x)} "
                         f"({len(call.x)}-D)", hint=_SEQUENCE_HINT, code="sequence_rank")
    if getattr(call, "layout", "chw") == "hwc":
        return call.x[1], call.x[0]
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
        return 4 * _sequence(call)[1] ** 2

    def biases(self, call: Call) -> int:
        """in_proj_bias (3E) and out_proj.bias (E)."""
        return 4 * _sequence(call)[1] if call.args["bias"] else 0

    def macs(self, call: Call) -> int:
        """The four projections (3 L E^2 in, L E^2 out) and the two products per head of
        L x L scores: q k^T (L^2 E/h each, h heads) and the weighted sum of v (the same):
        4 L E^2 + 2 L^2 E. FlopCounterMode counts exactly this where it sees the products
        (bmm, or its formula for the fused attention kernels); see docs/conventions.md."""
        length, dim = _sequence(call)
        return 4 * length * dim * dim + 2 * length * length * dim

    def other_ops(self, call: Call) -> int:
        """The bias adds (4 L E), then per score (h L^2) its scaling and its softmax, one
        each, as the softmax kind counts one per element."""
        length, dim = _sequence(call)
        scores = call.args["num_heads"] * length * length
        return (4 * length * dim if call.args["bias"] else 0) + 2 * scores

    def explain(self, call: Result, layout: str = "chw") -> list:
        """The projections' weights and MACs, then the two products of the L x L scores."""
        from ..worked import Line, params_line, product_line

        length, dim = _sequence(call)
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
            return one_head(call)
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "heads_mismatch":
            return [heads_fix(ctx.inputs[0][-1], "features", 16)]
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
        return (dim, length + 1) if call.layout == "hwc" else (length + 1, dim)

    def weights(self, call: Call) -> int:
        """The token itself, E values."""
        return _sequence(call)[1]

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


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
# The sequence [L, E] is laid out in the spec's order (``AS_IS``: the features last, as
# Keras' own sequences are). Self-attention is Keras' MultiHeadAttention called as
# ``mha(x, x)``: with key_dim = E / h its query, key and value kernels are (E, h, E/h) with
# (h, E/h) biases, and its output kernel (h, E/h, E) with an E bias: 4 E^2 + 4 E parameters,
# torch's count, the same scaling by 1/sqrt(E/h), the same softmax over the keys. Keras has
# no layer for the class token, the position embedding or ``x[:, 0]``: the exported file
# defines a small class for each (read back by ``cnncalc import keras`` only when written
# exactly so).

from typing import Any  # noqa: E402  (the section stays in one place, after the units)

from .keras_part import (  # noqa: E402
    ANY,
    AS_IS,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Refused,
    Use,
    Written,
    ints,
)

_CLASS_TOKEN = '''
class ClassToken(keras.layers.Layer):
    """torchvision's ViT class_token: a learned (1, 1, E) token put before the sequence."""

    def build(self, input_shape):
        self.token = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros",
                                     name="token")

    def call(self, x):
        token = keras.ops.broadcast_to(self.token, (keras.ops.shape(x)[0], 1, x.shape[-1]))
        return keras.ops.concatenate([keras.ops.cast(token, x.dtype), x], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] + 1, input_shape[2])
'''

_POSITION_EMBEDDING = '''
class PositionEmbedding(keras.layers.Layer):
    """torchvision's ViT pos_embedding: a learned tensor of the sample's shape, added."""

    def build(self, input_shape):
        self.embedding = self.add_weight(shape=(1, *input_shape[1:]), initializer="zeros",
                                         name="embedding")

    def call(self, x):
        return x + keras.ops.cast(self.embedding, x.dtype)
'''

_SELECT = '''
class Select(keras.layers.Layer):
    """torch.select: entry `index` of axis `axis` (negative, from the last), dropping it."""

    def __init__(self, axis, index=0, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.index = axis, index

    def call(self, x):
        return keras.ops.take(x, self.index, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        del shape[self.axis]
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "index": self.index}
'''


def _keras_write_attention(use: Use) -> str:
    dim, heads = use.source[-1], use.args["num_heads"]
    extra = "" if use.args["bias"] else ", use_bias=False"
    if use.args["dropout"]:
        extra += f", dropout={use.args['dropout']!r}"
    return (f"layers.MultiHeadAttention({heads}, {dim // heads}{extra}, name={{name!r}})")


def _keras_read_attention(w: Written, n: int) -> Converted:
    """Self-attention as torch's: key_dim x heads is E (written as embed_dim, which the kind
    checks against the tokens), no other value_dim, output_shape or attention_axes."""
    heads = ints(w.get("num_heads"), "num_heads", w.cls)
    key_dim = ints(w.get("key_dim"), "key_dim", w.cls)
    if not isinstance(heads, int) or not isinstance(key_dim, int):
        raise KerasLayerError(f"{w.cls}'s num_heads= and key_dim= are single numbers",
                              "num_heads")
    for name in ("value_dim", "output_shape", "attention_axes"):
        if w.get(name) is not None:
            raise KerasLayerError(f"{w.cls}({name}=...): cnncalc reads self-attention whose "
                                  "heads share E (torch's nn.MultiheadAttention)", name)
    args: dict[str, Any] = {"num_heads": heads, "embed_dim": heads * key_dim}
    if w.get("use_bias", True) is False:
        args["bias"] = False
    dropout = w.get("dropout", 0.0)
    if not isinstance(dropout, (int, float)) or isinstance(dropout, bool):
        raise KerasLayerError(f"{w.cls}'s dropout= must be a number", "dropout")
    if dropout:
        args["dropout"] = float(dropout)
    return "multihead_attention", args, None


def _keras_write_select(use: Use) -> str:
    """The axis counted from the last (Keras' own axes are the spec's here: ``AS_IS``), so
    that a channels-last reading maps it without knowing the rank."""
    rank = len(use.source) + 1
    axis = use.args["dim"] % rank - rank
    index = use.args["index"]
    if index < 0:
        index %= use.source[use.args["dim"] % rank - 1]
    return f"Select({axis}, {index}, name={{name!r}})"


def _keras_read_select(w: Written, n: int) -> Converted:
    """Keras' negative axis of a channels-last tensor as the spec's (channels first): -1 is
    the channels (dim 1); -k, k > 1, is the spec's -(k - 1)."""
    axis, index = w.get("axis"), ints(w.get("index", 0), "index", w.cls, 0)
    if not isinstance(axis, int) or isinstance(axis, bool) or axis >= 0:
        raise KerasLayerError(f"{w.cls}'s axis= is read counted from the last (negative), "
                              f"got {axis!r}", "axis")
    return "select", {"dim": 1 if axis == -1 else axis + 1, "index": index}, None


def _keras_write_class_token(use: Use) -> str:
    if len(use.source) != 2:
        raise Refused("the class token is read on a sequence [L, E]")
    return "ClassToken(name={name!r})"


MultiheadAttention.keras = KerasSide(
    (KerasClass("MultiHeadAttention", ("num_heads", "key_dim", "value_dim", "dropout",
                                       "use_bias", "output_shape", "attention_axes"),
                _keras_read_attention, self_call=True),),
    _keras_write_attention, layout=AS_IS, call="{x}, {x}")
ClassToken.keras = KerasSide((KerasClass("ClassToken", (), lambda w, n: ("class_token", {},
                                                                         None)),),
                             _keras_write_class_token, layout=AS_IS, helper=_CLASS_TOKEN)
PositionEmbedding.keras = KerasSide(
    (KerasClass("PositionEmbedding", (), lambda w, n: ("pos_embedding", {}, None)),),
    lambda use: "PositionEmbedding(name={name!r})", layout=ANY, helper=_POSITION_EMBEDDING)
Select.keras = KerasSide((KerasClass("Select", ("axis", "index"), _keras_read_select),),
                         _keras_write_select, layout=AS_IS, helper=_SELECT)
