"""``analyze --style keras``: a report in the layout of Keras 3's ``model.summary()``.

So that a student can hold cnncalc's answer next to Keras' own: the same box table (rich,
as Keras draws it, at Keras' default widths: 88 characters, 108 with the "Connected to"
column of a branching network), "name (Class)" cells, ``(None, 178, 178, 32)`` shapes and
the three totals with Keras' memory figures (1024-based, labelled KB/MB as Keras does).
Keras counts BatchNorm's moving mean and variance as non-trainable params, so "Param #"
is parameters plus buffers.

Rows are regrouped the way Keras shows them: a layer's ``activation=`` row (named
``<layer>_activation``, see ``cnncalc.keras_names``) folds into its layer, and rows nested
deeper than ``depth`` (default 0, Keras' ``expand_nested=False``) fold into one row per
group, shown as a ``Sequential`` (a chain) or a ``Functional`` (branches). A first
``identity`` row (fed by the network input) is a functional model's ``InputLayer``: the
Keras importer writes one so that the rows line up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from ..keras_names import ACTIVATION_SUFFIX, keras_class
from ..report import Report, Row
from ..spec import to_layout

ACTIVATION_KINDS = frozenset({
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "silu",
    "hardswish", "hardsigmoid", "mish", "softplus", "softmax", "log_softmax"})
NETWORK_INPUT = "input"


@dataclass
class KerasRow:
    """One row as Keras shows it; ``members`` are the report rows folded into it."""

    name: str
    cls: str
    shape: tuple[int, ...] | None
    params: int
    buffers: int
    inputs: tuple[str, ...]
    members: tuple[str, ...]
    member_classes: tuple[str, ...] = ()


def _rank_of_input(row: Row, shapes: dict[str, tuple[int, ...] | None],
                   report: Report) -> int | None:
    """Spatial axes of the layer's input (GlobalAveragePooling2D takes 2-D maps)."""
    source = report.input_shape if row.inputs == (NETWORK_INPUT,) else \
        shapes.get(row.inputs[0]) if row.inputs else None
    return len(source) - 1 if source else None


def _fold_activations(report: Report) -> list[KerasRow]:
    shapes = {r.name: r.output_shape for r in report.rows}
    out: list[KerasRow] = []
    for row in report.rows:
        last = out[-1] if out else None
        if last is not None and row.kind in ACTIVATION_KINDS and \
                row.name == last.name + ACTIVATION_SUFFIX and row.inputs == (last.name,):
            last.shape = row.output_shape
            last.members += (row.name,)
            continue
        cls = keras_class(row.kind, _rank_of_input(row, shapes, report))
        out.append(KerasRow(row.name, cls, row.output_shape, row.params, row.buffers,
                            row.inputs, (row.name,), (cls,)))
    return out


def _fold_groups(rows: list[KerasRow], depth: int) -> list[KerasRow]:
    out: list[KerasRow] = []
    groups: set[str] = set()
    for row in rows:
        parts = row.name.split(".")
        if len(parts) <= depth + 1:
            out.append(row)
            continue
        group = ".".join(parts[:depth + 1])
        last = out[-1] if out else None
        if last is not None and last.name == group and group in groups:
            last.shape = row.shape
            last.params += row.params
            last.buffers += row.buffers
            last.inputs += tuple(i for i in row.inputs
                                 if i not in last.members and i not in last.inputs)
            last.members += row.members
            last.member_classes += row.member_classes
            continue
        groups.add(group)
        out.append(KerasRow(group, "", row.shape, row.params, row.buffers, row.inputs,
                            row.members, row.member_classes))
    for row in out:
        if row.name not in groups:
            continue
        merges = {"Add", "Concatenate", "Multiply"} & set(row.member_classes)
        if len(row.member_classes) == 1 and merges:
            row.cls = row.member_classes[0]  # a named merge: the spec's 'add.add'
        else:
            row.cls = "Functional" if merges or len(row.inputs) > 1 else "Sequential"
    return out


def keras_rows(report: Report, depth: int | None = None) -> list[KerasRow]:
    """The report's rows as Keras' summary lists them (see the module's docstring)."""
    rows = _fold_activations(report)
    rows = _fold_groups(rows, 0 if depth is None else depth)
    display: dict[str, str] = {}
    for row in rows:
        for member in row.members:
            display[member] = row.name
        display[row.name] = row.name
    for row in rows:
        row.inputs = tuple(display.get(i, i) for i in row.inputs)
    if rows and rows[0].cls == "Identity" and rows[0].inputs == (NETWORK_INPUT,):
        rows[0].cls = "InputLayer"
        rows[0].inputs = ()
    return rows


def _shape(shape: tuple[int, ...] | None, report: Report) -> str:
    if shape is None:
        return "?"
    dims = ["None" if report.batch is None else str(report.batch)]
    dims += [str(d) for d in to_layout(shape, report.layout)]
    return "(" + ", ".join(dims) + ")"


def readable_bytes(size: float) -> str:
    """Keras' memory figure: 1024-based steps labelled B, KB, MB, GB, TB, PB.

    >>> readable_bytes(991041 * 4), readable_bytes(0)
    ('3.78 MB', '0.00 B')
    """
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _sequential_like(rows: list[KerasRow]) -> bool:
    previous = None
    for row in rows:
        expected = () if previous is None and row.cls == "InputLayer" else \
            ((NETWORK_INPUT,) if previous is None else (previous,))
        if row.inputs != expected:
            return False
        previous = row.name
    return True


def to_keras_summary(report: Report, depth: int | None = None) -> str:
    """The summary text: ``Model: "name"``, the box table, and the three totals."""
    import rich.box
    import rich.console
    import rich.table
    from rich.text import Text

    rows = keras_rows(report, depth)
    sequential = _sequential_like(rows)
    if sequential:
        width, positions = 88, (0.45, 0.80, 1.0)
        header = ("Layer (type)", "Output Shape", "Param #")
        justify = ("left", "left", "right")
    else:
        width, positions = 108, (0.3, 0.56, 0.74, 1.0)
        header = ("Layer (type)", "Output Shape", "Param #", "Connected to")
        justify = ("left", "left", "right", "left")
    columns, used = [], 0
    for title, pos, side in zip(header, positions, justify):
        columns.append(rich.table.Column(title, justify=side, width=int(pos * width) - used))
        used = int(pos * width)
    table = rich.table.Table(*columns, width=width, show_lines=True, box=rich.box.HEAVY_HEAD)
    for row in rows:
        cells = [f"{_printable(row.name)} ({row.cls})", _shape(row.shape, report),
                 f"{row.params + row.buffers:,}"]
        if not sequential:
            cells.append(", ".join(f"{_printable(i)}[0][0]" for i in row.inputs
                                   if i != NETWORK_INPUT) or "-")
        table.add_row(*(Text(c) for c in cells))
    out = io.StringIO()
    console = rich.console.Console(file=out, width=width + 2, highlight=False,
                                   force_terminal=False, color_system=None, no_color=True)
    console.print(Text(f'Model: "{_printable(report.name)}"'))
    console.print(table)
    t = report.totals
    per = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1}
    size = per.get(report.dtype, t.bytes_per_element)
    total = t.params + t.non_trainable
    for label, count in ((" Total params: ", total), (" Trainable params: ", t.params),
                         (" Non-trainable params: ", t.non_trainable)):
        console.print(Text(f"{label}{count:,} ({readable_bytes(count * size)})"))
    return out.getvalue()


def _printable(text: str) -> str:
    """Names are the user's text: no control characters reach the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
