"""Layers that join several inputs: channel concatenation, elementwise add and multiply."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..errors import CnnCalcError
from ..worked import Line, shape_text
from .base import (
    Arg,
    Attempt,
    Call,
    LayerKind,
    Result,
    Shape,
    fmt_shape,
    numel,
    register,
    to_layout,
)

if TYPE_CHECKING:
    from ..graph import Graph
    from .fixes import FixContext


def _shapes(call: Call) -> str:
    return ", ".join(call.fmt(s) for s in call.inputs)


@register
class Concat(LayerKind):
    """Concatenate inputs along the channel axis (torch.cat(dim=1)), as Inception and DenseNet."""

    base = "concat"
    arguments = (Arg("dim", "int", 0, "axis of the sample to join along (0 = channels)"),)
    n_inputs = 0
    category = "merge"

    def output_shape(self, call: Call) -> Shape:
        first = call.x
        dim = call.args["dim"]
        if not -len(first) <= dim < len(first):
            raise call.error(f"dim {dim} is out of range for {call.fmt(first)}", arg="dim")
        dim %= len(first)
        for shape in call.inputs[1:]:
            rest = [s for i, s in enumerate(shape) if i != dim]
            want = [s for i, s in enumerate(first) if i != dim]
            if len(shape) != len(first) or rest != want:
                raise call.error(f"inputs {_shapes(call)} differ outside axis {dim}; all but "
                                 "the joined axis must match",
                                 hint="crop or pad the larger input (center_crop, zeropad)",
                                 code="merge_shape_mismatch")
        return (*first[:dim], sum(s[dim] for s in call.inputs), *first[dim + 1:])

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        """The joined axis is the sum of the inputs' sizes; every other axis is shared."""
        dim = call.args["dim"] % len(call.x)
        parts = " + ".join(str(s[dim]) for s in call.inputs)
        axis = "C" if dim == 0 else f"axis {dim}"
        return [Line("shape", f"{axis}: {parts} = {call.out[dim]:,}"),
                Line("shape", f"output shape: {shape_text(call.out, layout)}")]

    def torch_module(self, call: Result):
        from ..torch.modules import Concat

        return Concat(call.args["dim"] % len(call.x) + 1)

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Go on as if every input were cropped to the smallest size."""
        inputs = call.inputs
        small = [min(axis) for axis in zip(*(s[1:] for s in inputs))]
        cropped = [(s[0], *small) for s in inputs] if len({len(s) for s in inputs}) == 1 \
            else inputs
        return [(cropped, call.args, "its inputs cropped to the smallest")]

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """Crop the larger inputs, pad the smaller ones, or keep the size on a branch whose
        stride-1 windows shrink it."""
        from .fixes import ancestors, branch, ints, producer, shrinking_windows

        inputs, graph, node = ctx.inputs, ctx.graph, ctx.node
        if error.code != "merge_shape_mismatch":
            return super().suggest_fixes(ctx, error)
        if len({len(s) for s in inputs}) != 1 or len(inputs[0]) < 2:
            return []
        small = [min(axis) for axis in zip(*(s[1:] for s in inputs))]
        large = [max(axis) for axis in zip(*(s[1:] for s in inputs))]
        keep: list[str] = []
        for shape, node_id in zip(inputs, node.inputs):
            if list(shape[1:]) == large:
                continue
            others = set().union(*(ancestors(graph, i) for i in node.inputs if i != node_id))
            keep += shrinking_windows(ctx.steps, branch(graph, node_id, others), graph)
        crop, pad = [], []
        for shape, node_id in zip(inputs, node.inputs):
            if list(shape[1:]) != small:
                crop.append(f"center_crop: {ints(small)} at the end of the branch from "
                            f"{producer(graph, node_id)} ({ctx.fmt(shape)} -> "
                            f"{ctx.fmt((shape[0], *small))})")
            if list(shape[1:]) != large:
                total = [g - s for g, s in zip(large, shape[1:])]
                halves = [v for t in total for v in (t // 2, t - t // 2)]
                value = ints([t // 2 for t in total]) if all(t % 2 == 0 for t in total) else \
                    ints(halves)
                pad.append(f"zeropad: {value} at the end of the branch from "
                           f"{producer(graph, node_id)} ({ctx.fmt(shape)} -> "
                           f"{ctx.fmt((shape[0], *large))})")
        fixes = ["crop the larger inputs: " + "; ".join(crop)] if crop else []
        if pad:
            fixes.append("or pad the smaller ones: " + "; ".join(pad))
        return fixes + [f"or keep the size: {k}" for k in keep]


def _broadcast(call: Call, allow: bool) -> Shape:
    out = list(call.x)
    for shape in call.inputs[1:]:
        if len(shape) != len(out):
            raise call.error(f"inputs {_shapes(call)} have different ranks")
        for i, (a, b) in enumerate(zip(out, shape)):
            if a == b:
                continue
            if allow and 1 in (a, b):
                out[i] = max(a, b)
                continue
            raise call.error(f"shapes differ: {_shapes(call)}",
                             hint=_fix_hint(call, shape), code="merge_shape_mismatch")
    return tuple(out)


def _fix_hint(call: Call, other: Shape) -> str | None:
    """Suggest a projection shortcut that maps ``other`` onto the main path (the first
    input)."""
    main = call.x
    if len(main) != len(other) or len(main) < 2:
        return None
    ratios = {o // m for m, o in zip(main[1:], other[1:]) if m and o % m == 0}
    if len(ratios) == 1:
        stride = ratios.pop()
        if stride >= 1 and all(m * stride == o for m, o in zip(main[1:], other[1:])):
            return (f"a projection conv: {{out_channels: {main[0]}, kernel_size: 1, stride: "
                    f"{stride}}} on the shortcut would give {call.fmt(main)}")
    return None


def _projection(graph: Graph, source: int, shape: Shape, target: Shape) -> str | None:
    """The strided 1x1 conv that maps a shortcut of ``shape`` (from node ``source``) onto
    ``target``, when every spatial axis shrinks by the same whole factor; else None."""
    from .base import NETWORK_INPUT
    from .fixes import line, producer, shared_with

    if not all(o > m for o, m in zip(shape[1:], target[1:])):
        return None
    ratios = {o / m for o, m in zip(shape[1:], target[1:])}
    ratio = next(iter(ratios))
    if len(ratios) != 1 or not float(ratio).is_integer():
        return None
    where = "" if source == NETWORK_INPUT else f" ({line(graph.nodes[source], graph)})"
    fmt = lambda s: fmt_shape(to_layout(s, graph.layout))  # noqa: E731
    text = (f"on the shortcut (from {producer(graph, source)}{where}, {fmt(shape)}) paste "
            f"a projection: conv{len(target) - 1}d: {{out_channels: {target[0]}, kernel_size: 1,"
            f" stride: {int(ratio)}, bias: false}} -> {fmt(target)}")
    if source != NETWORK_INPUT and shared_with(graph, graph.nodes[source]):
        text += ("; that line serves every use of its block: write the projection there with "
                 "the block's arguments if every use needs one, or choose it with 'when:' on a "
                 "block argument if only some do")
    return text


class _Elementwise(LayerKind):
    """What add and multiply share: equal shapes (size-1 axes broadcast where ``broadcast``),
    one operation per output element and extra input, and the debugger's fixes."""

    n_inputs = 0
    category = "merge"
    broadcast: ClassVar[bool] = False

    def output_shape(self, call: Call) -> Shape:
        return _broadcast(call, allow=self.broadcast)

    def other_ops(self, call: Call) -> int:
        return numel(call.out) * (len(call.inputs) - 1)

    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Go on with the main path (the first input) as the first fix would leave it: with
        its shrinking windows padded when that is the fix (a residual branch that lost its
        border), else as it is (the shortcut gets a projection)."""
        from .fixes import ancestors, branch, padded_rerun

        attempts: list[Attempt] = []
        if ctx is not None and error.code == "merge_shape_mismatch" and len(call.x) > 1:
            main_id, others = ctx.node.inputs[0], ctx.node.inputs[1:]
            smaller = all(all(m < o for m, o in zip(call.x[1:], other[1:]))
                          for other in call.inputs[1:] if len(other) == len(call.x))
            stop = set.intersection(*(ancestors(ctx.graph, i) for i in (main_id, *others)))
            kept = padded_rerun(ctx.steps, branch(ctx.graph, main_id, stop)) if smaller \
                else None
            if kept is not None:
                attempts.append(([kept], call.args, "the main path padded as above"))
        return [*attempts, ([call.x], call.args, "as its first input, the main path")]

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """Channels: the branch's last conv gets the main path's width (or a projection when
        the branch has none). Size: a projection for an integer ratio, padding on stride-1
        windows that shrink, or the padding/stride (solved) that makes a branch's last window
        reach the size."""
        from .fixes import (
            ancestors,
            branch,
            line,
            padded_rerun,
            producer,
            resize,
            shrinking_windows,
        )

        if error.code != "merge_shape_mismatch":
            return super().suggest_fixes(ctx, error)
        graph, node, steps, broadcast = ctx.graph, ctx.node, ctx.steps, self.broadcast
        main, main_id = ctx.inputs[0], node.inputs[0]
        fixes: list[str] = []
        for other, other_id in zip(ctx.inputs[1:], node.inputs[1:]):
            if other == main or len(other) != len(main):
                continue
            stop = ancestors(graph, main_id) & ancestors(graph, other_id)
            side = branch(graph, other_id, stop)
            if other[0] != main[0] and not (broadcast and 1 in (other[0], main[0])):
                last = next((n for n in reversed(side) if "out_channels" in n.args), None)
                if last is not None:
                    fixes.append(f"out_channels: {main[0]} on '{last.name}' ({line(last, graph)}) "
                                 f"gives the branch {main[0]} channels like the main path (now "
                                 f"{other[0]})")
                elif other[1:] == main[1:]:
                    fixes.append(f"channels differ ({main[0]} vs {other[0]}): paste a "
                                 f"projection on the branch from {producer(graph, other_id)}: "
                                 f"conv{len(main) - 1}d: {{out_channels: {main[0]}, "
                                 "kernel_size: 1}"
                                 + (f", or channel_pad: {main[0]} (no weights)"
                                    if other[0] < main[0] else ""))
            spatial_ok = all(o == m or (broadcast and 1 in (o, m))
                             for o, m in zip(other[1:], main[1:]))
            if spatial_ok or len(main) < 2:
                continue
            plain_side = not any("out_channels" in n.args for n in side)
            projection = _projection(graph, other_id, other, main) if plain_side else None
            if projection:
                fixes.append(projection)
                continue
            main_branch = branch(graph, main_id, stop)
            shrinking = shrinking_windows(steps, main_branch, graph) if all(
                m < o for o, m in zip(other[1:], main[1:])) else []
            if shrinking:
                fixes += shrinking
                kept = padded_rerun(steps, main_branch)
                then = _projection(graph, other_id, other, kept) if kept and plain_side and \
                    kept != other else None
                if then:
                    fixes.append("and then " + then)
                continue
            resized = resize(steps, side, main[1:], graph) or \
                resize(steps, main_branch, other[1:], graph)
            if resized:
                fixes.append(resized)
            else:
                fixes.append(f"the branch from {producer(graph, other_id)} gives "
                             f"{ctx.fmt(other)} but the main path {ctx.fmt(main)}")
        return fixes


@register
class Add(_Elementwise):
    """Elementwise sum of equal shapes: the residual connection."""

    base = "add"

    def torch_module(self, call: Result):
        from ..torch.modules import Add

        return Add()


@register
class Multiply(_Elementwise):
    """Elementwise product with broadcasting over size-1 axes (squeeze-and-excitation)."""

    base = "multiply"
    aliases_by_dim = {None: ("mul",)}
    broadcast = True

    def torch_module(self, call: Result):
        from ..torch.modules import Multiply

        return Multiply()


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
from .keras_part import (  # noqa: E402  (the section stays in one place, after the units)
    ANY,
    Converted,
    KerasClass,
    KerasLayerError,
    KerasSide,
    Refused,
    Use,
)


def _keras_read_concatenate(w, n: int) -> Converted:  # noqa: ANN001
    if w.get("axis", -1) != -1:
        raise KerasLayerError("Concatenate is read along the channels (axis=-1) only", "axis")
    return "concat", {}, None


def _keras_write_concatenate(use: Use) -> str:
    if use.args["dim"] != 0:
        raise Refused("a concat along another axis than the channels")
    return "layers.Concatenate(name={name!r})"


Concat.keras = KerasSide((KerasClass("Concatenate", ("axis",), _keras_read_concatenate,
                                     spelling=True),),
                         _keras_write_concatenate)
# element-wise: the inputs in whatever order the first holds (a transformer's residual adds
# of sequences need no Permute), the others laid out alike
Add.keras = KerasSide((KerasClass("Add", (), lambda w, n: ("add", {}, None)),),
                      lambda use: "layers.Add(name={name!r})", layout=ANY)
Multiply.keras = KerasSide((KerasClass("Multiply", (), lambda w, n: ("multiply", {}, None)),),
                           lambda use: "layers.Multiply(name={name!r})", layout=ANY)
