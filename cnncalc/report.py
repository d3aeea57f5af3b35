"""The engine's result: immutable rows per layer plus totals, with no formatting inside."""

from __future__ import annotations

from typing import Any

from .errors import CnnCalcError, SourcePos, Warning_
from .frozen import built
from .record import field, record

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1}

CONVENTIONS = (
    "Params: what torch.nn.Module.parameters() counts; non-trainable: float buffers "
    "(BatchNorm running mean/var; Keras adds them to its param count). MACs: "
    "multiply-accumulates of weighted sums, one per weight of a window or matrix per output "
    "position (conv, transposed conv, dense, table conv, RBF), and attention's products "
    "(q k^T, weights x v); FLOPs = 2 x MACs (torch.utils.flop_counter); bias adds, "
    "element-wise scales (BatchNorm, subsampling), norm, activation, pooling and add ops are "
    "the separate 'other ops'. Activations: sum of every layer's output; MB = 10^6 bytes."
)


@record(frozen=True)
class Row:
    """One layer: what it outputs and what it costs (costs already multiplied by the batch)."""

    name: str
    kind: str
    output_shape: tuple[int, ...] | None
    params: int
    buffers: int
    macs: int
    other_ops: int
    activations: int
    receptive_field: tuple[int, ...] | None
    inputs: tuple[str, ...]
    on_main_path: bool = True
    pos: SourcePos | None = None
    functional: bool = False
    """A function call with no module of its own in the framework's model (``F.interpolate``,
    ``torch.flatten``, a ``+``): the row is shown, and says so, but ``model.named_modules()``
    has no such path. Set by the kind (``interpolate``) or by the spec (``functional: true``)."""

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def depth(self) -> int:
        return self.name.count(".")

    @classmethod
    def of(cls, **values: Any) -> Row:
        """A Row of every field by name, at a plain object's cost (``frozen.built``): the
        engine makes one per layer."""
        return built(cls, values)


@record(frozen=True)
class Totals:
    """Sums over rows; ``params`` are trainable, ``non_trainable`` are buffers."""

    params: int
    non_trainable: int
    macs: int
    other_ops: int
    activations: int
    bytes_per_element: int

    @property
    def trainable_params(self) -> int:
        return self.params

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def param_bytes(self) -> int:
        return (self.params + self.non_trainable) * self.bytes_per_element

    @property
    def activation_bytes(self) -> int:
        return self.activations * self.bytes_per_element

    @classmethod
    def of(cls, rows: list[Row] | tuple[Row, ...], bytes_per_element: int) -> Totals:
        return cls(sum(r.params for r in rows), sum(r.buffers for r in rows),
                   sum(r.macs for r in rows), sum(r.other_ops for r in rows),
                   sum(r.activations for r in rows), bytes_per_element)


@record(frozen=True)
class Report:
    """Everything ``analyze`` found. ``totals_main`` excludes side outputs (auxiliary heads)
    and is None when the network has none."""

    name: str
    source: str
    input_shape: tuple[int, ...]
    layout: str
    batch: int | None
    dtype: str
    rows: tuple[Row, ...]
    totals: Totals
    totals_main: Totals | None
    outputs: tuple[tuple[str, tuple[int, ...] | None], ...]
    warnings: tuple[Warning_, ...] = ()
    errors: tuple[CnnCalcError, ...] = field(default=())
    conventions: str = CONVENTIONS
    args: dict[str, Any] = field(default_factory=dict)
    """The spec-level ``args`` with the values this report used."""
    framework: str = ""
    """Whose rule decided ``padding: same`` at stride > 1 (empty: TensorFlow's, warned)."""

    @property
    def ok(self) -> bool:
        return not self.errors
