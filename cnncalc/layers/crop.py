"""Border cropping (Keras Cropping1D/2D/3D): the inverse of ``zeropad``.

``center_crop`` cuts a centred window of a given size; ``cropping`` removes given counts from
each side, which is what taking the last time step of a sequence (``cropping1d: [L-1, 0]``,
PyTorch's ``y[:, :, -1:]``) or trimming a U-Net skip by hand needs.
"""

from __future__ import annotations

from .base import Arg, Call, LayerKind, Receptive, Result, Shape, fmt_shape, register
from .padding import SIDES_DOC, per_side


@register
class Cropping(LayerKind):
    """Remove elements from the borders (Keras Cropping1D/2D/3D), the inverse of zeropad.

    `cropping` is one integer, one per axis, or (before, after) per axis; no weights."""

    base = "cropping"
    dims = (1, 2, 3, None)
    arguments = (Arg("cropping", "any_ints", doc=SIDES_DOC, minimum=0),)
    primary = "cropping"
    min_rank = 2

    def crops(self, call: Call) -> list[tuple[int, int]]:
        return per_side(call, "cropping")

    def output_shape(self, call: Call) -> Shape:
        crops = self.crops(call)
        sizes = [n - b - a for n, (b, a) in zip(call.x[1:], crops)]
        if any(s < 1 for s in sizes):
            raise call.error(f"cropping {[list(c) for c in crops]} removes all of "
                             f"{fmt_shape(call.x[1:])}", arg="cropping")
        return (call.x[0], *sizes)

    def receptive(self, call: Result, rf: Receptive) -> Receptive:
        return rf.through((1,) * call.ndim, (1,) * call.ndim, [-b for b, _ in self.crops(call)])

    def torch_module(self, call: Result):
        """Negative padding crops (``torch.nn.functional.pad`` in constant mode)."""
        from ..torch.modules import Pad

        return Pad(tuple((-b, -a) for b, a in self.crops(call)))


# -- Keras side (cnncalc import keras, export --to keras, analyze --style keras) ------------
from .keras_part import KerasClass, KerasSide, keras_sides, py, sides_reader  # noqa: E402

Cropping.keras = KerasSide(
    (KerasClass("Cropping{n}D", ("cropping", "data_format"),
                sides_reader("cropping", "cropping", "cropping", 0), (1, 2, 3)),),
    lambda use: f"layers.Cropping{use.rank}D("
                f"{py(keras_sides(use.args['cropping'], use.rank))}, name={{name!r}})")
