"""The one list of columns every output format reads, and the row grouping of ``--depth``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..layers.core import fmt_shape
from ..record import record, replace
from ..report import Report, Row
from ..spec import to_layout


@record(frozen=True)
class Column:
    key: str
    header: str
    value: Callable[[Row, Report], Any]
    text: Callable[[Any, Report], str]
    numeric: bool = False


def shape_value(shape: tuple[int, ...] | None, report: Report) -> list[int] | None:
    """Output shape as machine data: channels first, batch axis only when a batch is given."""
    if shape is None:
        return None
    return [report.batch, *shape] if report.batch else list(shape)


def shape_text(shape: tuple[int, ...] | None, report: Report) -> str:
    """Output shape as people read it, in the report's layout (``hwc`` for Keras users)."""
    if shape is None:
        return "?"
    dims = list(to_layout(shape, report.layout))
    if report.batch:
        dims = [report.batch, *dims]
    return " x ".join(str(d) for d in dims)


def kind_text(row: Row) -> str:
    """A row's kind as people read it: a function call with no module says so
    (``interpolate (no module)``), as ``model.named_modules()`` will not list it."""
    return f"{row.kind} (no module)" if row.functional else row.kind


def _int(n: int, report: Report | None = None) -> str:
    return f"{n:,}"


def _str(value: Any, report: Report | None = None) -> str:
    return str(value)


def _rf(value: tuple[int, ...] | None, report: Report | None = None) -> str:
    if not value:
        return "-"
    return str(value[0]) if len(set(value)) == 1 else fmt_shape(value)


COLUMNS: tuple[Column, ...] = (
    Column("name", "Layer", lambda r, rep: r.name, _str),
    Column("kind", "Kind", lambda r, rep: kind_text(r), _str),
    Column("output_shape", "Output shape", lambda r, rep: r.output_shape, shape_text),
    Column("params", "Params", lambda r, rep: r.params, _int, True),
    Column("macs", "MACs", lambda r, rep: r.macs, _int, True),
    Column("activations", "Activations", lambda r, rep: r.activations, _int, True),
    Column("receptive_field", "RF", lambda r, rep: r.receptive_field, _rf, True),
)


def collapse(rows: tuple[Row, ...], depth: int | None) -> tuple[Row, ...]:
    """Merge rows nested deeper than ``depth`` into one row per group (``--depth``).

    A group row sums its members' counts and shows the shape of its last member.
    """
    if depth is None:
        return rows
    out: list[Row] = []
    for row in rows:
        parts = row.name.split(".")
        if len(parts) <= depth + 1:
            out.append(row)
            continue
        group = ".".join(parts[:depth + 1])
        if out and out[-1].name == group and out[-1].kind == "group":
            last = out[-1]
            out[-1] = replace(last, output_shape=row.output_shape,
                              params=last.params + row.params,
                              buffers=last.buffers + row.buffers, macs=last.macs + row.macs,
                              other_ops=last.other_ops + row.other_ops,
                              activations=last.activations + row.activations,
                              receptive_field=row.receptive_field)
        else:
            out.append(replace(row, name=group, kind="group", functional=False))
    return tuple(out)
