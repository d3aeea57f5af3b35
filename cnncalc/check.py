"""Marking a student's answers (``cnncalc check``): each answer right or wrong, with the
correct value and the worked formula that gives it.

An answer file is plain YAML (see ``FORMAT``). Answers about a network are checked against
``cnncalc analyze`` of its spec; single-layer questions against the calculators (one-layer
graphs on the same engine), so the marking can never disagree with the tool's other answers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from .engine import propagate
from .errors import CnnCalcError, SourcePos, SpecError, did_you_mean
from .homework import LayerAnswer, biases_of, layer_answer, parse_ints, parse_padding
from .source import PosDict, PosList, load_yaml
from .spec import load_file, to_layout

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

def read_shape(value: Any, pos: SourcePos | None) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = [p for p in re.split(r"[x×,\s]+", str(value).strip().strip("()[]")) if p]
    try:
        shape = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        raise SpecError(f"cannot read the shape {value!r}; write it like 28x28x6 or "
                        "[28, 28, 6]", pos) from None
    if not shape:
        raise SpecError(f"cannot read the shape {value!r}", pos)
    return shape


def read_number(value: Any, pos: SourcePos | None) -> int:
    if isinstance(value, bool):
        raise SpecError(f"expected a number, got {value!r}", pos)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).replace(",", "").replace("_", "").replace(" ", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise SpecError(f"expected a whole number like 61706 or 61,706, got {value!r}", pos)


def _field(key: str, pos: SourcePos | None, allowed: tuple[str, ...] = FIELDS) -> str:
    name = FIELD_ALIASES.get(key, key)
    if name not in allowed:
        raise SpecError(f"unknown answer field '{key}'{did_you_mean(key, allowed)}; answers "
                        f"can give: {', '.join(allowed)}", pos)
    return name


def _mark(item: str, name: str, raw: Any, pos, expected_shape_or_number: Any, layout: str,
          work: list[str], weights: int | None = None) -> Mark:
    """Compare one written answer with the computed value (shapes in the answer's layout)."""
    if name == "output":
        expected = tuple(to_layout(expected_shape_or_number, layout))
        shown = "x".join(map(str, expected))
        if raw is None:
            return Mark(item, name, None, shown, False, tuple(work), "not answered")
        given = read_shape(raw, pos)
        given_text = "x".join(map(str, given))
        if given == expected:
            return Mark(item, name, given_text, shown, True, tuple(work))
        other = "chw" if layout == "hwc" else "hwc"
        if len(given) > 1 and given == tuple(to_layout(expected_shape_or_number, other)):
            return Mark(item, name, given_text, shown, True, tuple(work),
                        f"written {other.upper()} (channels "
                        f"{'first' if other == 'chw' else 'last'}); the file says {layout}")
        return Mark(item, name, given_text, shown, False, tuple(work))
    expected = int(expected_shape_or_number)
    if raw is None:
        return Mark(item, name, None, expected, False, tuple(work), "not answered")
    given = read_number(raw, pos)
    note = ""
    if given != expected and name == "flops" and given * 2 == expected:
        note = "that is the MAC count; FLOPs = 2 x MACs"
    elif given != expected and name == "macs" and given == 2 * expected:
        note = "that is the FLOP count (2 x MACs)"
    elif given != expected and name == "params" and weights is not None and given == weights:
        note = f"that is the weight count; params add the {expected - weights:,} biases"
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
    shape = read_shape(spec["input"], pos("input"))
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
                args["padding"] = parse_padding(spec["padding"]) if kind == "conv" else \
                    parse_ints(spec["padding"], "padding")
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


def check_questions(questions: Any, layout: str, pos: SourcePos | None) -> list[Mark]:
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
        for key, raw in question.items():
            if key in (kind, "id", "layout"):
                continue
            name = _field(key, question.key_pos.get(key))
            expected = {"output": answer.output_shape, "weights": answer.weights,
                        "biases": answer.biases, "params": answer.params, "macs": answer.macs,
                        "flops": answer.flops}[name]
            marks.append(_mark(f"question {item}", name, raw, question.pos_of(key), expected,
                               qlayout, _work(answer.steps, name), answer.weights))
    return marks


# -- answers about a network -------------------------------------------------------------------

def check_network(spec_path: str, answers: Any, layout: str | None,
                  pos: SourcePos | None) -> list[Mark]:
    graph = load_file(spec_path, layout)
    layout = graph.layout
    calls = {step.node.name: step for step in propagate(graph)}
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
        call, unit = step.call, step.node.unit
        assert call is not None
        lines = unit.explain(call, layout)
        biases = biases_of(call)
        values = {"output": call.out, "params": unit.params(call), "biases": biases,
                  "weights": unit.params(call) - biases, "macs": unit.macs(call),
                  "flops": 2 * unit.macs(call)}
        for key, raw in given.items():
            fname = _field(key, given.key_pos.get(key))
            marks.append(_mark(name, fname, raw, given.pos_of(key), values[fname], layout,
                               _work(lines, fname), values["weights"]))
    return marks


def _check_total(graph, calls, given: PosDict, layout: str) -> list[Mark]:
    rows = [(name, step.node.unit.params(step.call), step.node.unit.macs(step.call))
            for name, step in calls.items() if step.call is not None]
    params = sum(r[1] for r in rows)
    macs = sum(r[2] for r in rows)
    final = calls[graph.nodes[graph.outputs[0]].name].call.out
    nonzero_p = [f"{p:,}" for _, p, _ in rows if p]
    nonzero_m = [f"{m:,}" for _, _, m in rows if m]
    work = {"params": [f"params = {' + '.join(nonzero_p)} = {params:,}"],
            "macs": [f"MACs = {' + '.join(nonzero_m)} = {macs:,}"],
            "flops": [f"FLOPs = 2 * MACs = 2 * {macs:,} = {2 * macs:,}"],
            "output": [f"the last layer gives {'x'.join(map(str, to_layout(final, layout)))}"]}
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
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise SpecError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}") from None
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
        marks += check_questions(doc["questions"], layout or "hwc", doc.pos_of("questions"))
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

