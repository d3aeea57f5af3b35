"""Fully connected layers and the reshapes that lead into them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..errors import CnnCalcError
from ..worked import Line, params_line, product_line, shape_text
from .base import (
    Arg,
    Attempt,
    Call,
    LayerKind,
    Receptive,
    Result,
    Shape,
    fmt_shape,
    numel,
    register,
)

if TYPE_CHECKING:
    from .fixes import FixContext


def per_position(call: Call) -> bool:
    """Whether a dense layer runs on the last axis of a non-flat input (PyTorch's nn.Linear
    on a (..., features) tensor, as ConvNeXt applies it after a permute) rather than being
    the classic mistake of a dense layer straight after a conv with no flatten. The rule:
    ``in_features`` is written and equals the size of the last axis, as ``nn.Linear(in,
    out)`` always writes it. A dense layer without it on a map asks for a flatten. Not in a
    channels-last spec, where Keras' Dense on a map would act on the channels (written there
    as a 1x1 conv, which counts the same).

    See docs/conventions.md, "A dense layer on a feature map"."""
    written = call.args["in_features"]
    return len(call.x) > 1 and written is not None and written == call.x[-1] and \
        call.layout != "hwc"


@register
class Linear(LayerKind):
    """Fully connected layer (torch.nn.Linear, Keras Dense) on a flat [features] input.

    On a non-flat input it runs on the last axis at every position, as nn.Linear does, where
    `in_features` is written as that axis' size (else the input asks for a flatten)."""

    base = "linear"
    aliases_by_dim = {None: ("fc",)}  # Dense: its Keras side
    arguments = (
        Arg("out_features", "int", doc="output features", aliases=("units",), minimum=1),
        Arg("bias", "bool", True, "learn one bias per output", aliases=("use_bias",)),
        Arg("in_features", "int", None, "inferred; checked if written", minimum=1),
    )
    primary = "out_features"
    category = "dense"

    def output_shape(self, call: Call) -> Shape:
        if per_position(call):
            return (*call.x[:-1], call.args["out_features"])
        if len(call.x) != 1:
            raise call.error(f"expects a flat input but got {call.fmt(call.x)}",
                             hint=f"add '- flatten' before it: flatten gives {numel(call.x):,} "
                                  "features",
                             code="flat_input_expected")
        written = call.args["in_features"]
        if written is not None and written != call.x[0]:
            raise call.error(f"in_features is written as {written:,} but the input has "
                             f"{call.x[0]:,} features", arg="in_features",
                             hint=f"write in_features: {call.x[0]} or leave it out",
                             code="in_features_mismatch")
        return (call.args["out_features"],)

    dense = True

    def weights(self, call: Call) -> int:
        return call.x[-1] * call.args["out_features"]

    def biases(self, call: Call) -> int:
        return call.args["out_features"] if call.args["bias"] else 0

    def macs(self, call: Call) -> int:
        """One matrix product per position (PyTorch's nn.Linear on the last axis)."""
        return numel(call.x[:-1]) * call.x[-1] * call.args["out_features"]

    def other_ops(self, call: Call) -> int:
        return numel(call.out) if call.args["bias"] else 0

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        """Dense-layer counts: one weight per (input, output) pair, one bias per output; on a
        non-flat input the same product at every position of the axes before the last."""
        n_in, n_out = call.x[-1], call.args["out_features"]
        biases = n_out if call.args["bias"] else 0
        positions = numel(call.x[:-1])
        lines = [
            Line("input", f"input {n_in:,} features; {n_out:,} units"
                 + (f", at each of {positions:,} positions ({fmt_shape(call.x[:-1])}, the "
                    f"axes before the last)" if len(call.x) > 1 else "")),
            Line("shape", f"output shape: {fmt_shape(call.out)}"),
            product_line("weights", "weights", "n_in * n_out", [n_in, n_out]),
            Line("biases", f"biases = n_out = {n_out:,}" if biases else
                 "biases = 0 (bias: false)"),
            params_line(n_in * n_out, biases),
        ]
        if len(call.x) > 1:
            return [*lines, product_line("macs", "MACs", "positions * n_in * n_out",
                                         [positions, n_in, n_out])]
        return [*lines, product_line("macs", "MACs", "n_in * n_out", [n_in, n_out])]

    def torch_module(self, call: Result):
        from torch import nn

        return nn.Linear(call.x[-1], call.args["out_features"], bias=call.args["bias"])

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Go on as if a written in_features were left out, or a flatten came before."""
        attempts: list[Attempt] = []
        if call.args.get("in_features") is not None:
            attempts.append((call.inputs, {**call.args, "in_features": None},
                             "in_features inferred"))
        if len(call.x) > 1:
            attempts.append(([(numel(call.x),)], call.args, "a flatten before it"))
        return attempts

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        from .fixes import line

        shape = ctx.inputs[0]
        if error.code == "flat_input_expected":
            out, bias = ctx.node.args["out_features"], ctx.node.args["bias"]
            flat = numel(shape) * out + (out if bias else 0)
            position = shape[0] * out + (out if bias else 0)
            fixes = [f"paste '- flatten' on the line before '{ctx.node.name}' "
                     f"({line(ctx.node, ctx.graph)}): {ctx.fmt(shape)} -> "
                     f"{numel(shape):,} features ({flat:,} parameters)"]
            if numel(shape) != shape[0]:  # a real map, not 128x1x1
                acts = ("as Keras' Dense does on a channels-last map" if ctx.graph.layout ==
                        "hwc" else f"nn.Linear on this map as it is would act on its last axis "
                        f"({shape[-1]}) instead")
                fixes.append(f"or, for a dense layer on the channels at every position (as in "
                             f"ConvNeXt's blocks): write 'conv{len(shape) - 1}d: {{out_channels: "
                             f"{out}, kernel_size: 1}}', which counts the same ({position:,} "
                             f"parameters) on the {ctx.fmt(shape)} map; {acts}")
            if numel(shape) != shape[0] and ctx.graph.layout != "hwc":
                last = shape[-1] * out + (out if bias else 0)
                fixes.append(f"or, for nn.Linear on the last axis ({shape[-1]}) at every "
                             f"position as PyTorch runs it: write in_features: {shape[-1]} "
                             f"({last:,} parameters)")
            return fixes
        if error.code == "in_features_mismatch":
            return self._fix_in_features(ctx)
        return super().suggest_fixes(ctx, error)

    def _fix_in_features(self, ctx: FixContext) -> list[str]:
        """Delete the written count; when a flatten of a square map comes before, say which
        map size the written count was made for."""
        from .base import NETWORK_INPUT
        from .fixes import shape_of

        graph, node, shape = ctx.graph, ctx.node, ctx.inputs[0]
        written = node.args["in_features"]
        fixes = [f"delete 'in_features: {written}' (cnncalc infers {shape[0]:,})"]
        prev = node.inputs[0]
        if prev != NETWORK_INPUT and isinstance(graph.nodes[prev].unit, Flatten):
            before = shape_of(graph, ctx.steps, graph.nodes[prev].inputs[0])
            if before and len(before) == 3:
                side = math.isqrt(written // before[0]) if written % before[0] == 0 else 0
                if side and side * side * before[0] == written:
                    fixes.append(f"{written:,} = {before[0]} x {side} x {side}: the layer "
                                 f"expects a {side}x{side} map before the flatten but gets "
                                 f"{fmt_shape(before[1:])}")
        return fixes


@register
class Flatten(LayerKind):
    """Flatten axes start_dim..end_dim into one (torch.nn.Flatten; dims count the batch axis)."""

    base = "flatten"
    flattens = True
    arguments = (
        Arg("start_dim", "int", 1, "first axis to flatten, batch axis = 0"),
        Arg("end_dim", "int", -1, "last axis to flatten"),
    )

    def output_shape(self, call: Call) -> Shape:
        full = (1, *call.x)
        rank = len(full)
        start, end = call.args["start_dim"], call.args["end_dim"]
        start, end = start % rank if -rank <= start < rank else None, \
            end % rank if -rank <= end < rank else None
        if start is None or end is None or start > end or start == 0:
            raise call.error(f"cannot flatten axes {call.args['start_dim']}..{call.args['end_dim']}"
                             f" of a {rank}-D tensor (batch included); the batch axis 0 stays",
                             arg="start_dim", code="flatten_axes")
        merged = numel(full[start:end + 1])
        return (*full[1:start], merged, *full[end + 1:])

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Bad axes: go on with the default (every axis of the sample)."""
        if error.code == "flatten_axes":
            return [(call.inputs, {**call.args, "start_dim": 1, "end_dim": -1},
                     "as if a plain '- flatten'")]
        return super().recover(call, error, ctx)

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        if error.code == "flatten_axes":
            return [f"a plain '- flatten' (start_dim: 1, end_dim: -1) keeps the batch axis and "
                    f"gives {numel(ctx.inputs[0]):,} features"]
        return super().suggest_fixes(ctx, error)

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        dims = " * ".join(shape_text(call.x, layout).split("x"))
        return [Line("shape", f"flatten {shape_text(call.x, layout)}: {dims} = "
                              f"{numel(call.x):,} features")]

    def torch_module(self, call: Result):
        from torch import nn

        return nn.Flatten(call.args["start_dim"], call.args["end_dim"])


@register
class Reshape(LayerKind):
    """Reshape a sample to a new shape (batch axis excluded); one axis may be -1."""

    base = "reshape"
    arguments = (Arg("shape", "int_list", doc="target shape without the batch axis"),)
    primary = "shape"

    def output_shape(self, call: Call) -> Shape:
        shape = list(call.args["shape"])
        total = numel(call.x)
        if shape.count(-1) > 1 or any(s == 0 or s < -1 for s in shape):
            raise call.error(f"shape {shape} may hold positive sizes and at most one -1",
                             arg="shape")
        known = numel([s for s in shape if s != -1])
        if -1 in shape:
            if total % known:
                raise call.error(f"cannot reshape {call.fmt(call.x)} ({total:,} values) to "
                                 f"{shape}", arg="shape", code="reshape_size")
            shape[shape.index(-1)] = total // known
        if numel(shape) != total:
            raise call.error(f"cannot reshape {call.fmt(call.x)} ({total:,} values) to "
                             f"{fmt_shape(shape)} ({numel(shape):,} values)", arg="shape",
                             code="reshape_size")
        return tuple(shape)

    def receptive(self, call: Call, rf: Receptive) -> Receptive | None:
        """A reshape that keeps the spatial sizes keeps the field; one that moves values
        between axes (32x32 to 64x16) leaves no field to follow."""
        return rf if call.out[1:] == call.x[1:] else None

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """The target shape with its last axis fixed to hold every value, or inferred."""
        if error.code != "reshape_size":
            return super().suggest_fixes(ctx, error)
        shape = ctx.inputs[0]
        total = numel(shape)
        wanted = [s for s in ctx.node.args["shape"] if s != -1]
        rest = numel(wanted[:-1]) if wanted else 1
        fixes = []
        if wanted and total % rest == 0:
            fixed = [*wanted[:-1], total // rest]
            fixes.append(f"reshape: {list(fixed)} holds all {total:,} values of "
                         f"{fmt_shape(shape)}")
        fixes.append(f"or let one axis be inferred: reshape: {[*wanted[:-1], -1]}")
        return fixes

    def torch_module(self, call: Result):
        from ..torch.modules import Reshape

        return Reshape(call.args["shape"])


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
from typing import Any  # noqa: E402  (the section stays in one place, after the units)

from .keras_part import (  # noqa: E402
    AS_IS,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Refused,
    Use,
    Written,
    ints,
    py,
    read_activation,
)


def _keras_read_dense(w: Written, n: int) -> Converted:
    args: dict[str, Any] = {"out_features": ints(w.get("units"), "units", w.cls)}
    if w.get("use_bias", True) is False:
        args["bias"] = False
    return "linear", args, read_activation(w)


def _keras_write_dense(use: Use) -> str:
    """On a flat input, Dense. On the last axis of a map (nn.Linear after a permute, laid out
    as the spec orders it: ``AS_IS``), a 1x1 convolution over that axis: Keras' Dense would
    compute the same, but a Dense on a map reads back (``cnncalc import keras``, channels
    last) as the classic missing flatten, while a 1x1 conv is how a channels-last spec writes
    a dense layer per position (the same parameters, shape and values)."""
    bias = "" if use.args["bias"] else ", use_bias=False"
    if len(use.source) > 1:
        rank = len(use.source) - 1
        if rank > 3:
            raise Refused(f"Keras has no {rank}-D convolution for a dense layer per position")
        return f"layers.Conv{rank}D({use.args['out_features']}, 1{bias}, name={{name!r}})"
    return f"layers.Dense({use.args['out_features']}{bias}, name={{name!r}})"


def _keras_read_reshape(w: Written, n: int) -> Converted:
    """A flat target as it is; a target of several axes (Keras' channels last) as the spec's
    channels-first shape, its last axis first: ``(49, 768)`` after a ``(7, 7, 768)`` map is
    ``[768, 49]``, the same regrouping where the reshape keeps the channels last (ViT's
    patches to tokens), and the same shapes and counts in any case."""
    target = w.get("target_shape")
    if not isinstance(target, (list, tuple)) or not target:
        raise KerasLayerError(f"Reshape's target_shape= must be a tuple of sizes, got "
                              f"{target!r}"[:160], "target_shape")
    sizes = [ints(t, "target_shape", w.cls) for t in target] if -1 not in target else \
        [-1 if t == -1 else ints(t, "target_shape", w.cls) for t in target]
    return "reshape", {"shape": sizes if len(sizes) == 1 else [sizes[-1], *sizes[:-1]]}, None


def _regroups(source: tuple[int, ...], out: tuple[int, ...]
              ) -> list[tuple[list[int], list[int]]] | None:
    """The reshape of ``source`` to ``out`` as groups of consecutive axes whose values merge
    or split (``(768, 7, 7)`` to ``(768, 49)``: axis 0 stays, axes 1-2 merge into 1), or
    None where sizes do not line up."""
    groups: list[tuple[list[int], list[int]]] = []
    i = j = 0
    while i < len(source) and j < len(out):
        s_axes, t_axes = [i], [j]
        ps, pt = source[i], out[j]
        while ps != pt:
            if ps < pt and i + 1 < len(source):
                i += 1
                s_axes.append(i)
                ps *= source[i]
            elif pt < ps and j + 1 < len(out):
                j += 1
                t_axes.append(j)
                pt *= out[j]
            else:
                return None
        groups.append((s_axes, t_axes))
        i, j = i + 1, j + 1
    if not groups or any(source[k] != 1 for k in range(i, len(source))) or \
            any(out[k] != 1 for k in range(j, len(out))):
        return None
    groups[-1][0].extend(range(i, len(source)))
    groups[-1][1].extend(range(j, len(out)))
    return groups


def _keras_regroup_reshape(use: Use) -> tuple[str, tuple[int, ...]] | None:
    """A reshape written in the order Keras holds the input, where each group of merged
    spec axes lies in that order side by side there (the patch conv's ``(7, 7, 768)`` to
    ``(49, 768)``: no Permute), with the output's order; else None (the exporter lays the
    input out in the spec's order first)."""
    have, source, out = use.order, use.source, use.out
    if len(have) != len(source) or not out:
        return None
    groups = _regroups(source, out)
    if groups is None:
        return None
    emitted: list[int] = []
    for position, axis in enumerate(have):
        for s_axes, t_axes in groups:
            if s_axes[0] == axis:
                if list(have[position:position + len(s_axes)]) != s_axes:
                    return None
                emitted.extend(t_axes)
    if sorted(emitted) != list(range(len(out))):
        return None
    target = tuple(out[a] for a in emitted)
    return f"layers.Reshape({py(target)}, name={{name!r}})", tuple(emitted)


Linear.keras = KerasSide((KerasClass("Dense", ("units", "activation", "use_bias"),
                                     _keras_read_dense, spelling=True),), _keras_write_dense,
                         layout=AS_IS)
Flatten.keras = KerasSide((KerasClass("Flatten", ("data_format",),
                                      lambda w, n: ("flatten", {}, None)),),
                          lambda use: "layers.Flatten(name={name!r})")
Reshape.keras = KerasSide((KerasClass("Reshape", ("target_shape",), _keras_read_reshape),),
                          lambda use: f"layers.Reshape({py(tuple(use.out))}, name={{name!r}})",
                          layout=AS_IS, regroup=_keras_regroup_reshape)
