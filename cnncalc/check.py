"""Marking a student's answers (``cnncalc check``): each answer right or wrong, with the
correct value and the worked formula that gives it.

An answer file is plain YAML (see ``FORMAT``). Answers about a network are checked against
``cnncalc analyze`` of its spec; single-layer questions against the calculators (one-layer
graphs on the same engine), so the marking can never disagree with the tool's other answers.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from .engine import propagate
from .errors import CnnCalcError, SourcePos, SpecError, did_you_mean
from .formulas import effective_kernel
from .homework import (
    LayerAnswer,
    guess_layout,
    layer_answer,
    parse_ints,
    parse_padding,
    parse_sizes,
)
from .layers.core import Result as LayerResult
from .layers.core import fmt_shape, ints, numel
from .source import PosDict, PosList, load_yaml, read_source
from .spec import load_file, to_layout
from .worked import with_flops

FORMAT = """\
student: Ada Lovelace          # optional (default: the file name)
layout: hwc                    # how shapes are written: hwc (28x28x6) or chw (6x28x28)
spec: lenet5.yaml              # optional: the network 'answers' are about (looked for
                               # beside this file, then up to two folders above it)
answers:                       # per layer of the spec (names as 'cnncalc analyze' prints)
  c1: {output: 28x28x6, params: 156, macs: 117600}
  total: {params: 61706, macs: 416520}      # whole network (output = final shape)
questions:                     # single-layer questions, written like the calculators' flags
  - id: 1a
    conv: {input: 32x32x3, filters: 6, kernel: 5, stride: 1, padding: 0}
    output: 28x28x6
    params: 456
"""

FIELDS = ("output", "weights", "biases", "params", "macs", "flops")
FIELD_ALIASES = {"output_shape": "output", "shape": "output", "parameters": "params",
                 "multiplications": "macs", "mults": "macs"}
TOP_KEYS = ("student", "layout", "spec", "answers", "questions", "name", "description")
QUESTION_KINDS = ("conv", "pool", "deconv", "dense")
QUESTION_ARGS = {
    "conv": ("input", "filters", "kernel", "stride", "padding", "dilation", "groups", "bias"),
    "deconv": ("input", "filters", "kernel", "stride", "padding", "output_padding", "dilation",
               "groups", "bias"),
    "pool": ("input", "kernel", "stride", "padding", "ceil", "type"),
    "dense": ("input", "units", "bias"),
}
TOPICS = {"output": ("padding", "shape"), "weights": ("weights",), "biases": ("biases",),
          "params": ("weights", "biases", "params"), "macs": ("macs",), "flops": ("macs",)}


@dataclass(frozen=True)
class Mark:
    """One answer: which item and quantity, what was written, what is right, and why."""

    item: str
    field: str
    given: Any
    expected: Any
    right: bool
    work: tuple[str, ...] = ()
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "field": self.field, "given": self.given,
                "expected": self.expected, "right": self.right, "work": list(self.work),
                "note": self.note}


@dataclass(frozen=True)
class Result:
    student: str
    source: str
    spec: str | None
    marks: tuple[Mark, ...] = field(default=())

    @property
    def right(self) -> int:
        return sum(m.right for m in self.marks)

    @property
    def total(self) -> int:
        return len(self.marks)

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"schema": "cnncalc.check/1", "student": self.student, "source": self.source,
                "spec": self.spec, "right": self.right, "total": self.total,
                "percent": round(self.percent, 1), "marks": [m.as_dict() for m in self.marks]}


# -- reading answers ---------------------------------------------------------------------------

NUMBER = re.compile(r"\d+|\d{1,3}(?:,\d{3})+|\d{1,3}(?:_\d{3})+")
"""A whole number as written by hand: plain digits, or grouped in threes by commas or
underscores (61,706). A space is never read as grouping: ``4 56`` may be 456 or two numbers."""


def read_shape(value: Any, pos: SourcePos | None, what: str = "shape") -> tuple[int, ...]:
    """A written shape (``28x28x6``, ``28 x 28 x 6``, ``[28, 28, 6]``), read strictly."""
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return tuple(value)
        value = str(list(value))
    try:
        return parse_sizes(value, what, "28x28x6 or [28, 28, 6]")
    except SpecError as exc:
        raise SpecError(exc.message, pos) from None


def read_number(value: Any, pos: SourcePos | None) -> int:
    if isinstance(value, bool):
        raise SpecError(f"expected a number, got {value!r}", pos)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if NUMBER.fullmatch(text):
        return int(text.replace(",", "").replace("_", ""))
    why = ""
    if re.fullmatch(r"[\d\s,_]+", text) and re.search(r"\d\s+\d", text):
        why = f" (a space inside a number is not read: is it {re.sub(r'[^0-9]', '', text)}, " \
              "or two numbers?)"
    raise SpecError(f"expected a whole number like 61706 or 61,706, got {value!r}{why}", pos)


def _field(key: str, pos: SourcePos | None, allowed: tuple[str, ...] = FIELDS) -> str:
    name = FIELD_ALIASES.get(key, key)
    if name not in allowed:
        raise SpecError(f"unknown answer field '{key}'{did_you_mean(key, allowed)}; answers "
                        f"can give: {', '.join(allowed)}", pos)
    return name


# -- spotting the usual slips ------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """What a wrong answer is compared with to say which slip gave it."""

    weights: int | None = None
    biases: int = 0
    in_channels: int | None = None
    slips: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """(note, channels-first output shape) for the shapes a common slip gives."""
    bias_adds: int = 0
    """The bias adds (one per output value), which are not MACs."""
    macs_stride_one: int | None = None
    """The MACs had the stride been left out (every position computed)."""
    per_filter_channels: int | None = None
    """The input channels one filter reads (C_in / groups): the factor a forgotten input
    depth leaves out of the weights and MACs."""
    unflattened: tuple[int, ...] | None = None
    """A dense layer's input before its flatten (512x7x7 -> 25,088 features)."""
    macs: int = 0
    unflattened_text: str = ""
    """``unflattened`` as the answers write shapes (7x7x512)."""


def _rounded_other_way(result: LayerResult) -> tuple[str, tuple[int, ...]] | None:
    """The output shape had the division been rounded the other way (the ceil-for-floor slip:
    55x55x96 for AlexNet at 224, where floor gives 54x54x96)."""
    window = result.window
    if window is None or window.formula not in ("conv", "pool"):
        return None
    sizes = []
    for n, k, s, d, (b, e) in zip(result.x[1:], window.kernel, window.stride, window.dilation,
                                  window.pads):
        span = n + b + e - effective_kernel(k, d)
        if span < 0:
            return None
        sizes.append((span // s if window.ceil else -(-span // s)) + 1)
    shape = (result.out[0], *sizes)
    if shape == tuple(result.out):
        return None
    return ("that is the division rounded down, floor; ceil_mode rounds it up, ceil"
            if window.ceil else
            "that is the division rounded up, ceil; the formula rounds it down, floor", shape)


def _without_padding(result: LayerResult) -> tuple[str, tuple[int, ...]] | None:
    """The output shape had the padding been left out of the formula (``valid`` for
    ``same``)."""
    window = result.window
    if window is None or window.formula not in ("conv", "pool") or not window.padded:
        return None
    sizes = []
    for n, k, s, d in zip(result.x[1:], window.kernel, window.stride, window.dilation):
        span = n - effective_kernel(k, d)
        if span < 0:
            return None
        sizes.append(span // s + 1)
    written = result.args.get("padding")
    if written == "same":
        return ("that is 'valid' (no padding); 'same' pads so that the output is "
                "ceil(input / stride)", (result.out[0], *sizes))
    what = f"'{written}' padding" if isinstance(written, str) else \
        f"padding {fmt_shape(written) if isinstance(written, tuple) else written}"
    return f"that is the size without the {what}", (result.out[0], *sizes)


def _deconv_slips(result: LayerResult) -> list[tuple[str, tuple[int, ...]]]:
    """A transposed convolution's size without its output_padding (the one-pixel-short slip),
    and the convolution's formula used in its place (a shrinking output)."""
    window = result.window
    if window is None or window.formula != "deconv":
        return []
    slips = []
    if any(window.output_padding):
        sizes = tuple(o - op for o, op in zip(result.out[1:], window.output_padding))
        slips.append((f"that is the size without the output_padding "
                      f"{ints(window.output_padding)}", (result.out[0], *sizes)))
    conv = []
    for n, k, s, d, (p, _) in zip(result.x[1:], window.kernel, window.stride, window.dilation,
                                  window.pads):
        span = n + 2 * p - effective_kernel(k, d)
        if span < 0:
            return slips
        conv.append(span // s + 1)
    slips.append(("that is the convolution's formula; a transposed convolution goes the other "
                  "way: out = (in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding"
                  " + 1", (result.out[0], *conv)))
    return slips


def facts_of(result: LayerResult, unflattened: tuple[int, ...] | None = None,
             layout: str = "chw") -> Facts:
    """The slip candidates of one computed layer (a question's or a network's);
    ``unflattened`` is the feature map (channels first) that a flatten turned into this
    dense layer's input; ``layout`` is how the answers write shapes."""
    slips = [s for s in (_rounded_other_way(result), _without_padding(result)) if s]
    slips += _deconv_slips(result)
    window = result.window
    if window is not None and window.formula in ("conv", "deconv") and len(result.out) > 1 \
            and result.x[0] != result.out[0]:
        slips.append((f"the channels are the {result.out[0]} filters, not the input's "
                      f"{result.x[0]} channels", (result.x[0], *result.out[1:])))
    stride_one = None
    if window is not None and window.formula == "conv" and max(window.stride) > 1 \
            and result.macs:
        sizes = [n + b + e - effective_kernel(k, d) + 1 for n, k, d, (b, e) in
                 zip(result.x[1:], window.kernel, window.dilation, window.pads)]
        if min(sizes) > 0:
            stride_one = result.macs // math.prod(result.out[1:]) * math.prod(sizes)
    return Facts(result.weights, result.biases, result.x[0], tuple(slips),
                 numel(result.out) if result.biases else 0, stride_one,
                 result.x[0] // result.args.get("groups", 1)
                 if window is not None and window.formula == "conv" and len(result.x) > 1
                 else None, unflattened if result.dense else None, result.macs,
                 fmt_shape(to_layout(unflattened, layout)) if unflattened else "")


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def _shape_mark(item: str, raw: Any, pos, expected_cf: tuple[int, ...], layout: str,
                work: list[str], facts: Facts) -> Mark:
    """Mark a written output shape; equivalent writings count as right, with a note."""
    expected = tuple(to_layout(expected_cf, layout))
    shown = fmt_shape(expected)
    if raw is None:
        return Mark(item, "output", None, shown, False, tuple(work), "not answered")
    given = read_shape(raw, pos, "output")
    given_text = fmt_shape(given)
    right = lambda note="": Mark(item, "output", given_text, shown, True, tuple(work), note)  # noqa: E731
    wrong = lambda note="": Mark(item, "output", given_text, shown, False, tuple(work), note)  # noqa: E731
    if given == expected:
        return right()
    other = "chw" if layout == "hwc" else "hwc"
    if len(given) > 1 and given == tuple(to_layout(expected_cf, other)):
        return right(f"written {other.upper()}, channels "
                     f"{'first' if other == 'chw' else 'last'}; the file says {layout}")
    if len(given) != len(expected) and _squeezed(given) == _squeezed(expected):
        return right(f"{given_text} and {shown} differ only in axes of size 1, which hold the "
                     "same values")
    for note, shape in facts.slips:
        if given == tuple(to_layout(shape, layout)):
            return wrong(note)
    spatial = expected[:-1] if layout == "hwc" else expected[1:]
    if len(expected) > 2 and given == spatial:
        return wrong(f"the spatial size is right; the shape also has the {expected_cf[0]} "
                     "channels")
    return wrong()


def _number_note(name: str, given: int, expected: int, facts: Facts) -> str:
    """Which usual slip gives ``given`` where ``expected`` is right ('' when none fits)."""
    weights, biases = facts.weights, facts.biases
    if name == "flops" and given * 2 == expected:
        return "that is the MAC count; FLOPs = 2 x MACs"
    if name == "macs" and given == 2 * expected:
        return "that is the FLOP count, 2 x MACs"
    if name == "macs" and weights and given == weights and weights != expected:
        return "that is the weight count; each weight is used once per output position"
    if name == "params" and weights is not None and given == weights and biases:
        return f"that is the weight count; params add the {biases:,} biases"
    if name == "params" and biases > 1 and expected % biases == 0 \
            and given == expected // biases:
        return (f"that is one filter's count (its weights and bias); there are {biases:,} "
                "of them")
    if name == "weights" and weights is not None and biases and given == weights + biases:
        return f"that includes the {biases:,} biases; weights alone are {weights:,}"
    return _more_notes(name, given, expected, facts)


def _more_notes(name: str, given: int, expected: int, facts: Facts) -> str:
    """The slips of the counts' factors: the input depth or the flatten left out, a bias
    counted as a MAC, the stride left out of the MACs."""
    weights, biases, cin = facts.weights, facts.biases, facts.per_filter_channels
    if cin and cin > 1 and name in ("weights", "params", "macs", "flops"):
        base = {"weights": weights, "params": weights, "macs": facts.macs,
                "flops": 2 * facts.macs}[name]
        extra = biases if name == "params" else 0
        if base and base % cin == 0 and given == base // cin + extra:
            return (f"that leaves out the {cin:,} input channels: each filter reads every input"
                    f" channel, so multiply by {cin:,}")
    if name == "macs" and facts.bias_adds and given == expected + facts.bias_adds:
        return (f"that counts the {facts.bias_adds:,} bias adds as MACs; a bias is added, not "
                "multiplied (cnncalc counts it in other ops)")
    if name == "flops" and facts.bias_adds and given == expected + facts.bias_adds:
        return (f"that adds the {facts.bias_adds:,} bias adds to 2 x MACs; FLOPs here are "
                "2 x MACs, bias adds are counted in other ops")
    if name in ("macs", "flops") and facts.macs_stride_one:
        slip = facts.macs_stride_one * (2 if name == "flops" else 1)
        if given == slip and slip != expected:
            return ("that computes the window at every input position; the stride skips "
                    "positions, so use the output size (after the stride)")
    flat = facts.unflattened
    if flat and weights and name in ("weights", "params", "macs", "flops"):
        features = math.prod(flat)
        outs = weights // features if weights % features == 0 else 0
        extra = biases if name == "params" else 0
        scale = 2 if name == "flops" else 1
        for part in (flat[0], math.prod(flat[1:])):
            if outs and part != features and given == part * outs * scale + extra:
                return (f"the dense layer reads the flattened map: {features:,} = "
                        f"{facts.unflattened_text} features, not {part:,}")
    return ""


def _mark(item: str, name: str, raw: Any, pos, expected_shape_or_number: Any, layout: str,
          work: list[str], facts: Facts = Facts()) -> Mark:
    """Compare one written answer with the computed value (shapes in the answer's layout)."""
    if name == "output":
        return _shape_mark(item, raw, pos, tuple(expected_shape_or_number), layout, work, facts)
    expected = int(expected_shape_or_number)
    if raw is None:
        return Mark(item, name, None, expected, False, tuple(work), "not answered")
    given = read_number(raw, pos)
    note = _number_note(name, given, expected, facts) if given != expected else ""
    return Mark(item, name, given, expected, given == expected, tuple(work), note)


def _work(lines, name: str) -> list[str]:
    return [line.text for line in lines if line.topic in TOPICS[name]]


# -- single-layer questions --------------------------------------------------------------------

def question_answer(kind: str, spec: PosDict, layout: str) -> LayerAnswer:
    """Run one question through the calculators' engine."""
    allowed = QUESTION_ARGS[kind]
    for key in spec:
        if key not in allowed:
            raise SpecError(f"unknown {kind} setting '{key}'{did_you_mean(key, allowed)}; "
                            f"{kind} takes: {', '.join(allowed)}", spec.key_pos.get(key))
    if "input" not in spec:
        raise SpecError(f"the {kind} question needs an 'input' shape", spec.pos)
    pos = spec.pos_of
    shape = read_shape(spec["input"], pos("input"), "input")
    args: dict[str, Any] = {}
    try:
        if kind in ("conv", "deconv"):
            args["out_channels"] = read_number(spec.get("filters"), pos("filters")) \
                if "filters" in spec else None
            if args["out_channels"] is None:
                raise SpecError(f"the {kind} question needs 'filters'", spec.pos)
        if kind in ("conv", "deconv", "pool"):
            if "kernel" not in spec:
                raise SpecError(f"the {kind} question needs 'kernel'", spec.pos)
            args["kernel_size"] = parse_ints(spec["kernel"], "kernel")
            if "stride" in spec:
                args["stride"] = parse_ints(spec["stride"], "stride")
            if "padding" in spec:
                args["padding"] = parse_padding(spec["padding"], "padding") \
                    if kind in ("conv", "pool") else parse_ints(spec["padding"], "padding")
        for key, arg in (("dilation", "dilation"), ("output_padding", "output_padding")):
            if key in spec:
                args[arg] = parse_ints(spec[key], key)
        if "groups" in spec:
            args["groups"] = read_number(spec["groups"], pos("groups"))
        if "bias" in spec:
            args["bias"] = bool(spec["bias"])
        if kind == "pool" and "ceil" in spec:
            args["ceil_mode"] = bool(spec["ceil"])
        if kind == "dense":
            if "units" not in spec:
                raise SpecError("the dense question needs 'units'", spec.pos)
            args["out_features"] = read_number(spec["units"], pos("units"))
        family = kind
        if kind == "pool":
            kind_type = str(spec.get("type", "max"))
            if kind_type not in ("max", "avg"):
                raise SpecError(f"pool type must be max or avg, got {kind_type!r}", pos("type"))
            family = f"{kind_type}pool"
        return layer_answer(family, shape, layout, args)
    except CnnCalcError as exc:
        if exc.pos is None:
            raise SpecError(exc.message, spec.pos) from None
        raise


def _reading_note(kind: str, settings: PosDict, layout: str, written: bool) -> str:
    """How a question's input was read when the file says no layout and the size reads two
    ways (16x12x12 is PyTorch's order as often as 16 high, 12 wide, 12 channels): '' else."""
    if written or kind == "dense":
        return ""
    try:
        shape = read_shape(settings.get("input"), None)
    except SpecError:
        return ""
    guessed, note = guess_layout(shape, kind)
    if note is None and guessed == layout:
        return ""
    other = "chw" if layout == "hwc" else "hwc"
    read = "channels last" if layout == "hwc" else "channels first"
    return (f"input {fmt_shape(shape)} read {read} ({layout}: the file sets no layout); write "
            f"layout: {other} to read it the other way")


def check_questions(questions: Any, layout: str, pos: SourcePos | None,
                    layout_written: bool = True) -> list[Mark]:
    if not isinstance(questions, PosList):
        raise SpecError("'questions' must be a list of questions", pos)
    marks: list[Mark] = []
    for index, question in enumerate(questions):
        qpos = questions.pos_of(index)
        if not isinstance(question, PosDict):
            raise SpecError("a question is a mapping like {id: 1a, conv: {...}, output: ...}",
                            qpos)
        kinds = [k for k in question if k in QUESTION_KINDS]
        if len(kinds) != 1:
            raise SpecError(f"a question names exactly one of {', '.join(QUESTION_KINDS)} with "
                            "its settings", qpos)
        item = str(question.get("id", index + 1))
        kind = kinds[0]
        settings = question[kind]
        if not isinstance(settings, PosDict):
            raise SpecError(f"'{kind}' takes a mapping of settings like {{input: 32x32x3, "
                            "...}", question.pos_of(kind))
        qlayout = str(question.get("layout", layout))
        answer = question_answer(kind, settings, qlayout)
        reading = _reading_note(kind, settings, qlayout,
                                layout_written or "layout" in question)
        assert answer.result is not None
        facts = facts_of(answer.result, answer.input_shape if len(answer.input_shape) > 1
                         else None, qlayout)
        for key, raw in question.items():
            if key in (kind, "id", "layout"):
                continue
            name = _field(key, question.key_pos.get(key))
            expected = {"output": answer.output_shape, "weights": answer.weights,
                        "biases": answer.biases, "params": answer.params, "macs": answer.macs,
                        "flops": answer.flops}[name]
            mark = _mark(f"question {item}", name, raw, question.pos_of(key), expected,
                         qlayout, _work(answer.steps, name), facts)
            if reading and len(answer.input_shape) > 1:
                mark = dataclasses.replace(mark, note="; ".join(n for n in (mark.note, reading)
                                                                if n))
            marks.append(mark)
    return marks


# -- answers about a network -------------------------------------------------------------------

def check_network(spec_path: str, answers: Any, layout: str | None,
                  pos: SourcePos | None) -> list[Mark]:
    graph = load_file(spec_path, layout)
    layout = graph.layout
    calls = {step.node.name: step for step in propagate(graph)}
    by_id = {step.node.id: step for step in calls.values()}
    if not isinstance(answers, PosDict):
        raise SpecError("'answers' maps layer names to answers, e.g. c1: {output: 28x28x6}",
                        pos)
    marks = []
    for name, given in answers.items():
        apos = answers.key_pos.get(name)
        if not isinstance(given, PosDict):
            raise SpecError(f"the answer for '{name}' must be a mapping like "
                            "{output: 28x28x6, params: 156}", apos)
        if name == "total":
            marks += _check_total(graph, calls, given, layout)
            continue
        if name not in calls:
            raise SpecError(f"'{name}' is not a layer of {spec_path}"
                            f"{did_you_mean(name, list(calls))}", apos)
        step = calls[name]
        result, unit = step.result, step.node.unit
        assert result is not None
        lines = with_flops(unit.explain(result, layout), result.macs)
        values = {"output": result.out, "params": result.params, "biases": result.biases,
                  "weights": result.weights, "macs": result.macs, "flops": result.flops}
        facts = facts_of(result, _unflattened(step, by_id), layout)
        for key, raw in given.items():
            fname = _field(key, given.key_pos.get(key))
            marks.append(_mark(name, fname, raw, given.pos_of(key), values[fname], layout,
                               _work(lines, fname), facts))
    return marks


def _unflattened(step, by_id) -> tuple[int, ...] | None:
    """The feature map that a flatten turned into this layer's input (looking through
    single-input layers that keep the shape, such as dropout), or None."""
    node = step.node
    while len(node.inputs) == 1 and node.inputs[0] in by_id:
        up = by_id[node.inputs[0]]
        if up.result is None:
            return None
        if up.result.flattens:
            return up.result.x
        if up.result.out != up.result.x:
            return None
        node = up.node
    return None


def _check_total(graph, calls, given: PosDict, layout: str) -> list[Mark]:
    rows = [(name, step.result.params, step.result.macs)
            for name, step in calls.items() if step.result is not None]
    params = sum(r[1] for r in rows)
    macs = sum(r[2] for r in rows)
    final = calls[graph.nodes[graph.outputs[0]].name].result.out
    nonzero_p = [f"{p:,}" for _, p, _ in rows if p]
    nonzero_m = [f"{m:,}" for _, _, m in rows if m]
    work = {"params": [f"params = {' + '.join(nonzero_p)} = {params:,}"],
            "macs": [f"MACs = {' + '.join(nonzero_m)} = {macs:,}"],
            "flops": [f"FLOPs = 2 * MACs = 2 * {macs:,} = {2 * macs:,}"],
            "output": [f"the last layer gives {fmt_shape(final, layout)}"]}
    values = {"params": params, "macs": macs, "flops": 2 * macs, "output": final}
    marks = []
    for key, raw in given.items():
        fname = _field(key, given.key_pos.get(key), ("output", "params", "macs", "flops"))
        marks.append(_mark("total", fname, raw, given.pos_of(key), values[fname], layout,
                           work[fname]))
    return marks


# -- a whole answer file -----------------------------------------------------------------------

def check_file(path: str) -> Result:
    """Mark every answer in the answer file ``path``."""
    text, _ = read_source(path)
    doc = load_yaml(text, path)
    if not isinstance(doc, PosDict):
        raise SpecError("an answer file is a mapping with 'questions' and/or 'spec' + "
                        "'answers'", getattr(doc, "pos", None))
    for key in doc:
        if key not in TOP_KEYS:
            raise SpecError(f"unknown key '{key}'{did_you_mean(key, TOP_KEYS)}; an answer file "
                            f"has: {', '.join(TOP_KEYS)}", doc.key_pos[key])
    if "answers" not in doc and "questions" not in doc:
        raise SpecError("the answer file has neither 'answers' (with 'spec') nor 'questions'",
                        doc.pos)
    layout = doc.get("layout")
    if layout is not None and layout not in ("hwc", "chw"):
        raise SpecError(f"'layout' must be hwc or chw, got {layout!r}", doc.pos_of("layout"))
    student = str(doc.get("student") or os.path.splitext(os.path.basename(path))[0])
    marks: list[Mark] = []
    spec_path = None
    if "answers" in doc:
        if "spec" not in doc:
            raise SpecError("'answers' need a 'spec: FILE' naming the network they are about",
                            doc.pos_of("answers"))
        spec_path = _resolve(str(doc["spec"]), path, doc.pos_of("spec"))
        marks += check_network(spec_path, doc["answers"], layout, doc.pos_of("answers"))
    if "questions" in doc:
        marks += check_questions(doc["questions"], layout or "hwc", doc.pos_of("questions"),
                                 layout is not None)
    return Result(student, path, spec_path, tuple(marks))


def _resolve(spec: str, answers_path: str, pos: SourcePos | None) -> str:
    """The spec path: beside the answer file, then up to two folders above it (so that a
    class's submissions/ folder can sit inside the assignment's), then the current folder."""
    folder = os.path.dirname(os.path.abspath(answers_path))
    candidates = []
    for _ in range(3):
        candidates.append(os.path.join(folder, spec))
        folder = os.path.dirname(folder)
    candidates.append(spec)
    for candidate in candidates:
        if os.path.isfile(candidate):
            return os.path.relpath(candidate) if not os.path.isabs(spec) else candidate
    raise SpecError(f"spec '{spec}' not found (looked beside the answer file, in the two "
                    "folders above it and in the current folder)", pos)

