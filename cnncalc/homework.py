"""One-layer calculations (``cnncalc conv/pool/deconv/dense``), built on the same engine.

A homework question ("32x32x3 input, 6 filters of 5x5, stride 1, no padding") becomes a
one-layer ``Graph`` and goes through the same ``propagate`` walk as a whole network, so the
calculators can never disagree with ``cnncalc analyze``. The worked steps come from the layer
unit's own ``explain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .engine import propagate
from .errors import CnnCalcError, SpecError
from .graph import NETWORK_INPUT, Graph, Node
from .layers import lookup
from .layers.base import Call, LayerKind, numel
from .spec import from_layout, to_layout
from .worked import Line

CALCULATORS = ("conv", "pool", "deconv", "dense")
"""The question kinds: each maps to a layer family (the rank comes from the input shape)."""


@dataclass(frozen=True)
class LayerAnswer:
    """Everything a homework question can ask about one layer, channels-first shapes."""

    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    weights: int
    biases: int
    macs: int
    layout: str
    steps: tuple[Line, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def shape_in_layout(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return to_layout(shape, self.layout)

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "cnncalc.layer/1", "kind": self.kind, "layout": self.layout,
            "input": list(self.shape_in_layout(self.input_shape)),
            "output": list(self.shape_in_layout(self.output_shape)),
            "weights": self.weights, "biases": self.biases, "params": self.params,
            "macs": self.macs, "flops": self.flops,
            "steps": [{"topic": s.topic, "text": s.text} for s in self.steps],
            "warnings": list(self.warnings),
        }


def biases_of(call: Call) -> int:
    """Bias count of a call: one per output channel/feature when ``bias`` is on."""
    if not call.args.get("bias"):
        return 0
    return call.args.get("out_channels") or call.args.get("out_features") or 0


def unit_for(family: str, rank: int) -> LayerKind:
    """The registered unit for a question kind and an input rank (with its channel axis)."""
    if family == "dense":
        unit = lookup("linear")
    else:
        if rank not in (2, 3, 4):
            raise CnnCalcError(f"a {family} input has 2 to 4 sizes (1-D, 2-D or 3-D with "
                               f"channels), got {rank}")
        base = {"conv": "conv", "deconv": "conv_transpose", "pool": "maxpool",
                "maxpool": "maxpool", "avgpool": "avgpool"}[family]
        unit = lookup(f"{base}{rank - 1}d")
    assert unit is not None
    return unit


def layer_answer(family: str, input_shape: tuple[int, ...], layout: str,
                 args: dict[str, Any], explain_layout: str | None = None) -> LayerAnswer:
    """Compute one layer from a question: ``input_shape`` is written in ``layout``."""
    shape = from_layout(input_shape, layout)
    unit = unit_for(family, len(shape))
    nodes = []
    if unit.name == "linear" and len(shape) > 1:
        flat = lookup("flatten")
        nodes.append(Node(0, "flatten", flat, flat.validate({}, {}, None, "flatten"),
                          (NETWORK_INPUT,)))
    label = unit.name
    checked = unit.validate(dict(args), {}, None, label)
    nodes.append(Node(len(nodes), label, unit, checked,
                      (nodes[-1].id if nodes else NETWORK_INPUT,)))
    graph = Graph(label, shape, tuple(nodes), (nodes[-1].id,), layout)
    steps: list[Line] = []
    warnings: list[str] = []
    call: Call | None = None
    for step in propagate(graph):
        call = step.call
        assert call is not None
        steps.extend(step.node.unit.explain(call, layout))
        warnings.extend(w.message for w in call.warnings)
    assert call is not None
    biases = biases_of(call)
    return LayerAnswer(unit.name, shape, call.out, unit.params(call) - biases, biases,
                       unit.macs(call), layout, tuple(steps), tuple(warnings))


def parse_ints(text: Any, what: str) -> int | tuple[int, ...]:
    """``5``, ``5x3``, ``5,3`` or a list: one integer or one per axis."""
    import re

    if isinstance(text, bool):
        raise SpecError(f"{what} must be an integer or one per axis, got {text!r}")
    if isinstance(text, int):
        return text
    if isinstance(text, (list, tuple)):
        parts = list(text)
    else:
        parts = [p for p in re.split(r"[x,\s]+", str(text).strip().strip("()[]")) if p]
    try:
        values = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be an integer or one per axis like 5x3, got "
                        f"{text!r}") from None
    if not values:
        raise SpecError(f"{what} is empty")
    return values[0] if len(values) == 1 else values


def parse_padding(text: Any) -> Any:
    if isinstance(text, str) and text.strip().lower() in ("valid", "same", "full", "causal"):
        return text.strip().lower()
    return parse_ints(text, "padding")


def guess_layout(shape: tuple[int, ...]) -> tuple[str, str | None]:
    """The layout of an ``--input`` written without ``--layout``: channels last (32x32x3, the
    textbooks' and Keras' way) unless it plainly reads channels first (3x224x224: a small
    first size and equal spatial sizes after it); the note says which reading was taken."""
    if len(shape) >= 3 and shape[0] <= 4 < shape[-1] and len(set(shape[1:])) == 1 \
            and shape[-2] != shape[0]:
        dims = "x".join(map(str, shape))
        plural = "s" if shape[0] != 1 else ""
        return "chw", (f"note: {dims} is read channels first ({shape[0]} channel{plural}); "
                       "pass --layout hwc to read it channels last")
    return "hwc", None


def summary_lines(answer: LayerAnswer) -> list[str]:
    """The plain answer: shapes, weights and biases apart, parameters, MACs, FLOPs."""
    from .worked import layout_names, shape_text

    ndim = len(answer.input_shape) - 1
    names = layout_names(ndim, answer.layout) if ndim else "features"
    out_names = layout_names(len(answer.output_shape) - 1, answer.layout) \
        if len(answer.output_shape) > 1 else "features"
    rows = [
        ("input", f"{shape_text(answer.input_shape, answer.layout)} ({names})"),
        ("output shape", f"{shape_text(answer.output_shape, answer.layout)} ({out_names})"),
        ("weights", f"{answer.weights:,}"),
        ("biases", f"{answer.biases:,}"),
        ("params", f"{answer.params:,}"),
        ("MACs", f"{answer.macs:,}"),
        ("FLOPs", f"{answer.flops:,} (2 x MACs)"),
    ]
    return [f"{label:<13} {value}" for label, value in rows] + [
        f"output elements: {numel(answer.output_shape):,}"]
