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
from .formulas import pool_out, same_padding
from .graph import NETWORK_INPUT, Graph, Node
from .layers import REGISTRY, lookup
from .layers.base import AXIS_NAMES, LayerKind, Result, fmt_shape, numel
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
    result: Result | None = field(default=None, compare=False, repr=False)
    """The unit and the frozen result that gave this answer, so that marking can ask "what
    would a common slip (ceil for floor, no padding) have given?" of the same rules."""

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
    if unit.window_formula == "pool" and isinstance(args.get("padding"), str):
        args = {**args, "padding": _pool_padding(args, shape)}
    nodes = []
    if unit.dense and len(shape) > 1:
        flat = next(u for u in REGISTRY.values() if u.flattens and u.ndim is None)
        nodes.append(Node(0, flat.name, flat, flat.validate({}, {}, None, flat.name),
                          (NETWORK_INPUT,)))
    label = unit.name
    checked = unit.validate(dict(args), {}, None, label)
    nodes.append(Node(len(nodes), label, unit, checked,
                      (nodes[-1].id if nodes else NETWORK_INPUT,)))
    graph = Graph(label, shape, tuple(nodes), (nodes[-1].id,), layout)
    steps: list[Line] = []
    warnings: list[str] = []
    result: Result | None = None
    for step in propagate(graph):
        result = step.result
        assert result is not None
        for warning in result.warnings:
            if warning.message not in warnings:
                warnings.append(warning.message)
        steps.extend(step.node.unit.explain(result, layout))
    assert result is not None
    return LayerAnswer(unit.name, shape, result.out, result.weights, result.biases, result.macs,
                       layout, tuple(with_flops(steps, result.macs)), tuple(warnings), unit,
                       result)


def _pool_padding(args: dict[str, Any], shape: tuple[int, ...]) -> int | tuple[int, ...]:
    """Keras' pooling ``padding``: ``valid`` is 0; ``same`` is TensorFlow's padding
    (output ``ceil(in / stride)``) where it pads both sides alike, as PyTorch's pools must;
    an uneven ``same`` is refused with the size Keras gives and the flags that match it."""
    word = args["padding"]
    ndim = len(shape) - 1
    if word == "valid":
        return 0
    if word != "same":
        raise SpecError(f"--padding: a pool takes an integer, valid or same, got {word!r}")
    expand = lambda v: v if isinstance(v, tuple) else (v,) * ndim  # noqa: E731
    kernel = expand(args["kernel_size"])
    stride = expand(args.get("stride") or args["kernel_size"])
    if len(kernel) != ndim or len(stride) != ndim:
        return 0  # the unit names the length mismatch
    pads = [same_padding(n, k, s) for n, k, s in zip(shape[1:], kernel, stride)]
    if all(b == a for b, a in pads):
        return tuple(b for b, _ in pads) if ndim > 1 else pads[0][0]
    keras = [-(-n // s) for n, s in zip(shape[1:], stride)]
    sides = ", ".join(f"{n}: {b} before and {a} after"
                      for n, (b, a) in zip(AXIS_NAMES[ndim], pads))
    ceil = [pool_out(n, k, s, 0, 1, True).size for n, k, s in zip(shape[1:], kernel, stride)]
    hint = "; --padding 0 --ceil gives the same size" if ceil == keras else ""
    raise SpecError(f"--padding same pads {sides} here (TensorFlow's rule, output ceil(in / "
                    f"stride) = {fmt_shape(keras)}); PyTorch's pools pad both sides alike, "
                    f"so this pool cannot be computed as written{hint}")


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
    """The layout of an ``--input`` written without ``--layout``, and a note saying how it
    was read whenever the size reads two ways.

    Channels last (32x32x3, the textbooks' and Keras' way) when that reading alone gives
    equal spatial sizes; channels first (3x224x224, 16x12x12: PyTorch's order) when that
    reading alone does; otherwise (16x16x16, 100x50x3) the size is ambiguous: channels last,
    unless it plainly starts with a few channels (3x100x50), and the note says which reading
    was taken. Two sizes are always a 1-D input (length x channels, as ``100x8`` is
    documented), but ``28x28`` is just as often an MNIST image written without its channel,
    so the note says how to write the grey image. Four sizes are a 3-D volume, which a batch
    size written in front (4x28x28x3) would silently make: the note says so. A dense layer
    flattens its input first, so the reading cannot matter there."""
    if family == "dense":
        return "hwc", None
    dims = fmt_shape(shape)
    if len(shape) == 2:
        return "hwc", (f"note: {dims} is read as a 1-D signal of length {shape[0]} with "
                       f"{shape[1]} channel{'s' if shape[1] != 1 else ''} (L x C); for a "
                       f"{dims} grey image write {dims}x1; pass --layout hwc (L x C) or "
                       "--layout chw (C x L) to say the 1-D reading is meant")
    if len(shape) < 3:
        return "hwc", None
    last = len(set(shape[:-1])) == 1
    first = len(set(shape[1:])) == 1
    plural = "s" if shape[0] != 1 else ""
    volume = ""
    if len(shape) == 4:
        volume = (f"; 4 sizes are a 3-D volume (a 3-D {family}): if {shape[0]} is a batch "
                  f"size, leave it out (--input {fmt_shape(shape[1:])})")
    if first and not last or not first and not last and shape[0] <= 4 < shape[-1]:
        return "chw", (f"note: {dims} is read channels first ({shape[0]} channel{plural}); "
                       f"pass --layout hwc to read it channels last{volume}")
    if last and not first and not volume:
        return "hwc", None
    spatial = fmt_shape(shape[:-1])
    return "hwc", (f"note: {dims} is read channels last ({spatial} with {shape[-1]} "
                   f"channel{'s' if shape[-1] != 1 else ''}); pass --layout chw to read it "
                   f"channels first ({shape[0]} channel{plural} of {fmt_shape(shape[1:])})"
                   f"{volume}")


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
