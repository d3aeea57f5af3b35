"""One-layer calculations (``cnncalc conv/pool/deconv/dense``), built on the same engine.

A homework question ("32x32x3 input, 6 filters of 5x5, stride 1, no padding") becomes a
one-layer ``Graph`` and goes through the same ``propagate`` walk as a whole network, so the
calculators can never disagree with ``cnncalc analyze``. The worked steps come from the layer
unit's own ``explain``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .engine import propagate
from .errors import CnnCalcError, SpecError, quote
from .graph import NETWORK_INPUT, Graph, Node
from .layers import lookup
from .layers.base import Call, LayerKind, numel
from .spec import from_layout, to_layout
from .worked import Line, with_flops

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
    unit: LayerKind | None = field(default=None, compare=False, repr=False)
    call: Call | None = field(default=None, compare=False, repr=False)
    """The unit and the call that gave this answer, so that marking can ask "what would a
    common slip (ceil for floor, no padding) have given?" of the same rules."""

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
                               f"channels, like 100x8 or 32x32x3), got {rank}")
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
        # the shape rule's warnings, taken before explain runs the same rules (and warns) again
        for warning in list(call.warnings):
            if warning.message not in warnings:
                warnings.append(warning.message)
        steps.extend(step.node.unit.explain(call, layout))
    assert call is not None
    biases = biases_of(call)
    macs = unit.macs(call)
    return LayerAnswer(unit.name, shape, call.out, unit.params(call) - biases, biases, macs,
                       layout, tuple(with_flops(steps, macs)), tuple(warnings), unit, call)


SEPARATOR = r"\s*[x\u00d7X,]\s*"
SIZES = re.compile(rf"\d+(?:{SEPARATOR}\d+)*")
"""Sizes as students write them: digits separated by single ``x`` (or ``\u00d7``) or commas,
spaces allowed around a separator. Nothing else is guessed at: ``32xx32``, ``x32``, ``5x``
and ``4 56`` are typos whose meaning a calculator must not invent."""


def parse_sizes(text: Any, what: str, example: str = "32x32x3 or 3,224,224") -> tuple[int, ...]:
    """``32x32x3``, ``3, 224, 224``, ``[3, 224, 224]`` or ``(5, 3)`` as integers; anything
    else is refused with one line naming ``what`` (the flag or key) and the text."""
    body = str(text).strip()
    if body and body[0] in "[(" and body[-1] == {"[": "]", "(": ")"}[body[0]]:
        body = body[1:-1].strip()
    if not SIZES.fullmatch(body):
        raise SpecError(f"{what}: cannot read {quote(str(text)[:80])}; write whole numbers "
                        f"separated by single x or commas, like {example}")
    parts = re.split(SEPARATOR, body)
    from .source import MAX_INT_DIGITS

    if max(len(p) for p in parts) > MAX_INT_DIGITS:  # int() itself refuses 4,300 digits
        raise SpecError(f"{what}: a size of more than {MAX_INT_DIGITS:,} digits")
    return tuple(int(p) for p in parts)


def parse_ints(text: Any, what: str) -> int | tuple[int, ...]:
    """``5``, ``5x3``, ``5,3`` or a list: one integer or one per axis (strictly read)."""
    if isinstance(text, bool):
        raise SpecError(f"{what} must be an integer or one per axis, got {text!r}")
    if isinstance(text, int):
        return text
    if isinstance(text, (list, tuple)):
        if not text or not all(isinstance(v, int) and not isinstance(v, bool) for v in text):
            raise SpecError(f"{what} must be an integer or one per axis like [5, 3], got "
                            f"{list(text)!r}")
        values = tuple(text)
    else:
        values = parse_sizes(text, what, "5 or 5x3 (one per axis)")
    return values[0] if len(values) == 1 else values


def parse_padding(text: Any, what: str = "--padding") -> Any:
    """A padding word (valid, same, full, causal) or integers as ``parse_ints`` reads them."""
    if isinstance(text, str) and text.strip().lower() in ("valid", "same", "full", "causal"):
        return text.strip().lower()
    return parse_ints(text, what)


def guess_layout(shape: tuple[int, ...], family: str = "conv") -> tuple[str, str | None]:
    """The layout of an ``--input`` written without ``--layout``: channels last (32x32x3, the
    textbooks' and Keras' way) unless it plainly reads channels first (3x224x224: a small
    first size and equal spatial sizes after it); the note says which reading was taken.

    Two sizes are always a 1-D input (length x channels, as ``100x8`` is documented), but
    ``28x28`` is just as often an MNIST image written without its channel, so the note says
    how it was read and how to write the grey image (28x28x1); ``--layout`` silences it. A
    dense layer flattens its input first, so the reading cannot matter there."""
    if len(shape) == 2 and family != "dense":
        dims = "x".join(map(str, shape))
        return "hwc", (f"note: {dims} is read as a 1-D signal of length {shape[0]} with "
                       f"{shape[1]} channel{'s' if shape[1] != 1 else ''} (L x C); for a "
                       f"{dims} grey image write {dims}x1; pass --layout hwc (L x C) or "
                       "--layout chw (C x L) to say the 1-D reading is meant")
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
