"""The stable machine interface: canonical JSON (sorted keys, exact integers).

Schema ``cnncalc.report/1``. Shapes are lists of ints, channels first, with the batch axis
first only when a batch was given. Counts in ``layers`` and ``totals`` include the batch.
"""

from __future__ import annotations

import json
from typing import Any

from ..report import Report, Totals
from .columns import collapse, shape_value

SCHEMA = "cnncalc.report/1"


def totals_dict(t: Totals) -> dict[str, int]:
    return {"params": t.params, "trainable_params": t.trainable_params,
            "non_trainable": t.non_trainable, "macs": t.macs, "flops": t.flops,
            "other_ops": t.other_ops, "activations": t.activations,
            "param_bytes": t.param_bytes, "activation_bytes": t.activation_bytes}


def report_dict(report: Report, depth: int | None = None) -> dict[str, Any]:
    """The report as JSON data; with ``depth``, layers nested deeper are folded into one
    ``group`` row per block, as the table shows them."""
    return {
        "schema": SCHEMA,
        "name": report.name,
        "source": report.source,
        "input": shape_value(report.input_shape, report),
        "layout": report.layout,
        "batch": report.batch,
        "dtype": report.dtype,
        "args": report.args,
        "framework": report.framework or None,
        "layers": [{
            "name": r.name, "kind": r.kind, "inputs": list(r.inputs),
            "output_shape": shape_value(r.output_shape, report),
            "params": r.params, "non_trainable": r.buffers, "macs": r.macs, "flops": r.flops,
            "other_ops": r.other_ops, "activations": r.activations,
            "receptive_field": list(r.receptive_field) if r.receptive_field else None,
            "main_path": r.on_main_path,
            # only on rows with no module of their own (F.interpolate, torch.flatten, +)
            **({"functional": True} if r.functional else {}),
        } for r in collapse(report.rows, depth)],
        "totals": totals_dict(report.totals),
        "totals_main_output": totals_dict(report.totals_main) if report.totals_main else None,
        "outputs": [{"name": n, "shape": shape_value(s, report)} for n, s in report.outputs],
        "warnings": [str(w) for w in report.warnings],
        "conventions": report.conventions,
    }


def to_json(report: Report, depth: int | None = None) -> str:
    return json.dumps(report_dict(report, depth), indent=2, sort_keys=True) + "\n"
