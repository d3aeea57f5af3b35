"""Layers that join several inputs: channel concatenation, elementwise add and multiply."""

from __future__ import annotations

from ..worked import Line, shape_text
from .base import Arg, Call, LayerKind, Shape, fmt_shape, numel, register


def _shapes(call: Call) -> str:
    return ", ".join(fmt_shape(s) for s in call.inputs)


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
            raise call.error(f"dim {dim} is out of range for {fmt_shape(first)}", arg="dim")
        dim %= len(first)
        for shape in call.inputs[1:]:
            rest = [s for i, s in enumerate(shape) if i != dim]
            want = [s for i, s in enumerate(first) if i != dim]
            if len(shape) != len(first) or rest != want:
                raise call.error(f"inputs {_shapes(call)} differ outside axis {dim}; all but "
                                 "the joined axis must match",
                                 hint="crop or pad the larger input (center_crop, zeropad)")
        return (*first[:dim], sum(s[dim] for s in call.inputs), *first[dim + 1:])

    def explain(self, call: Call, layout: str = "chw") -> list[Line]:
        """The joined axis is the sum of the inputs' sizes; every other axis is shared."""
        dim = call.args["dim"] % len(call.x)
        parts = " + ".join(str(s[dim]) for s in call.inputs)
        axis = "C" if dim == 0 else f"axis {dim}"
        return [Line("shape", f"{axis}: {parts} = {call.out[dim]:,}"),
                Line("shape", f"output shape: {shape_text(call.out, layout)}")]

    def torch_module(self, call: Call):
        from ..torch.modules import Concat

        return Concat(call.args["dim"] % len(call.x) + 1)


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
                             hint=_fix_hint(call.x, shape))
    return tuple(out)


def _fix_hint(main: Shape, other: Shape) -> str | None:
    """Suggest a projection shortcut that maps ``other`` onto ``main``."""
    if len(main) != len(other) or len(main) < 2:
        return None
    ratios = {o // m for m, o in zip(main[1:], other[1:]) if m and o % m == 0}
    if len(ratios) == 1:
        stride = ratios.pop()
        if stride >= 1 and all(m * stride == o for m, o in zip(main[1:], other[1:])):
            return (f"a projection conv: {{out_channels: {main[0]}, kernel_size: 1, stride: "
                    f"{stride}}} on the shortcut would give {fmt_shape(main)}")
    return None


@register
class Add(LayerKind):
    """Elementwise sum of equal shapes: the residual connection."""

    base = "add"
    n_inputs = 0
    category = "merge"

    def output_shape(self, call: Call) -> Shape:
        return _broadcast(call, allow=False)

    def other_ops(self, call: Call) -> int:
        return numel(call.out) * (len(call.inputs) - 1)

    def torch_module(self, call: Call):
        from ..torch.modules import Add

        return Add()


@register
class Multiply(LayerKind):
    """Elementwise product with broadcasting over size-1 axes (squeeze-and-excitation)."""

    base = "multiply"
    aliases_by_dim = {None: ("mul",)}
    n_inputs = 0
    category = "merge"

    def output_shape(self, call: Call) -> Shape:
        return _broadcast(call, allow=True)

    def other_ops(self, call: Call) -> int:
        return numel(call.out) * (len(call.inputs) - 1)

    def torch_module(self, call: Call):
        from ..torch.modules import Multiply

        return Multiply()
