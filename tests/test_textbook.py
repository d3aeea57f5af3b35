"""Textbook exercises answered by the homework calculators and marked by ``cnncalc check``.

Every expected value below was worked out by hand from the formula the source teaches (the
arithmetic is in the comment beside it), never by running cnncalc. Sources:

- CS231n: Stanford CS231n course notes, "Convolutional Neural Networks"
  (cs231n.github.io/convolutional-networks): the conv quiz, AlexNet's first layer, the 7x7
  examples, pooling, the live conv demo, the VGGNet breakdown.
- DLS: the Deep Learning Specialization, Course 4 (Convolutional Neural Networks), week 1
  (padding, strided convolutions, the "neural network example", the quiz) and week 2 (1x1
  convolutions, the cost of an Inception module and its bottleneck).
- D&V: Dumoulin and Visin, "A guide to convolution arithmetic for deep learning"
  (arXiv:1603.07285), relationships 1-15 and their figures.
- REF: ../shared/reference.md (the project's source notes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from helpers import ROOT

from cnncalc.check import check_file
from cnncalc.homework import layer_answer
from cnncalc.solve import solve


@dataclass(frozen=True)
class Exercise:
    id: str
    source: str
    kind: str                       # conv, pool, deconv, dense (the calculators)
    settings: dict[str, Any]        # as a question in an answer file (input channels last)
    expected: dict[str, Any]        # output (H x W x C), weights, biases, params, macs


def ex(id_, source, kind, settings, **expected) -> Exercise:
    return Exercise(id_, source, kind, settings, expected)


EXERCISES = [
    # -- CS231n --------------------------------------------------------------------------------
    # (32 + 2*2 - 5)/1 + 1 = 32; each filter 5*5*3 + 1 = 76 params, 76*10 = 760
    ex("cs231n-conv-quiz", "CS231n", "conv",
       {"input": "32x32x3", "filters": 10, "kernel": 5, "stride": 1, "padding": 2},
       output="32x32x10", weights=750, biases=10, params=760),
    # (227 - 11)/4 + 1 = 55; 11*11*3*96 = 34,848 weights + 96 biases; 55*55*96*363 = 105,415,200
    ex("cs231n-alexnet-conv1", "CS231n", "conv",
       {"input": "227x227x3", "filters": 96, "kernel": 11, "stride": 4},
       output="55x55x96", weights=34848, biases=96, params=34944, macs=105415200),
    # "7x7 input and a 3x3 filter with stride 1 and pad 0 we would get a 5x5 output"
    ex("cs231n-7x7-stride1", "CS231n", "conv", {"input": "7x7x1", "filters": 1, "kernel": 3},
       output="5x5x1"),
    # "With stride 2 we would get a 3x3 output": (7 - 3)/2 + 1 = 3
    ex("cs231n-7x7-stride2", "CS231n", "conv",
       {"input": "7x7x1", "filters": 1, "kernel": 3, "stride": 2}, output="3x3x1"),
    # "stride 3 does not fit": (7 - 3)/3 + 1 = 2.33; PyTorch's floor gives 2
    ex("cs231n-7x7-stride3", "CS231n", "conv",
       {"input": "7x7x1", "filters": 1, "kernel": 3, "stride": 3}, output="2x2x1"),
    # "input volume of size [224x224x64] is pooled with filter size 2, stride 2 into [112x112x64]"
    ex("cs231n-pool", "CS231n", "pool", {"input": "224x224x64", "kernel": 2, "stride": 2},
       output="112x112x64", params=0),
    # conv demo: W1 = 5, D1 = 3, K = 2, F = 3, S = 2, P = 1: (5 - 3 + 2)/2 + 1 = 3;
    # 2*(3*3*3) + 2 = 56
    ex("cs231n-conv-demo", "CS231n", "conv",
       {"input": "5x5x3", "filters": 2, "kernel": 3, "stride": 2, "padding": 1},
       output="3x3x2", weights=54, biases=2, params=56),
    # VGGNet breakdown "CONV3-64: [224x224x64] weights: (3*3*3)*64 = 1,728"
    ex("cs231n-vgg-conv1", "CS231n", "conv",
       {"input": "224x224x3", "filters": 64, "kernel": 3, "padding": 1},
       output="224x224x64", weights=1728),
    # "CONV3-64: [224x224x64] weights: (3*3*64)*64 = 36,864"
    ex("cs231n-vgg-conv2", "CS231n", "conv",
       {"input": "224x224x64", "filters": 64, "kernel": 3, "padding": 1},
       output="224x224x64", weights=36864),
    # "FC: [1x1x4096] weights: 7*7*512*4096 = 102,760,448"
    ex("cs231n-vgg-fc6", "CS231n", "dense", {"input": "7x7x512", "units": 4096},
       output="4096", weights=102760448),
    # "FC: [1x1x4096] weights: 4096*4096 = 16,777,216"
    ex("cs231n-vgg-fc7", "CS231n", "dense", {"input": "4096", "units": 4096},
       weights=16777216),
    # "FC: [1x1x1000] weights: 4096*1000 = 4,096,000"
    ex("cs231n-vgg-fc8", "CS231n", "dense", {"input": "4096", "units": 1000},
       weights=4096000, params=4097000),
    # 1x1 convolution 56x56x64 with 32 filters -> 56x56x32; 64*32 + 32 = 2,080
    ex("cs231n-1x1", "CS231n", "conv", {"input": "56x56x64", "filters": 32, "kernel": 1},
       output="56x56x32", params=2080),

    # -- Deep Learning Specialization ----------------------------------------------------------
    # 6x6 image * 3x3 filter = 4x4 (n - f + 1)
    ex("dls-6x6-3x3", "DLS C4W1", "conv", {"input": "6x6x1", "filters": 1, "kernel": 3},
       output="4x4x1", weights=9, biases=1, params=10),
    # padding p = 1 keeps 6x6: n + 2p - f + 1 = 6
    ex("dls-same-padding", "DLS C4W1", "conv",
       {"input": "6x6x1", "filters": 1, "kernel": 3, "padding": 1}, output="6x6x1"),
    # 7x7, f = 3, s = 2: (7 - 3)/2 + 1 = 3
    ex("dls-strided", "DLS C4W1", "conv",
       {"input": "7x7x1", "filters": 1, "kernel": 3, "stride": 2}, output="3x3x1"),
    # quiz: 63x63x16, 32 filters 7x7, stride 2, no padding: (63 - 7)/2 + 1 = 29;
    # (7*7*16 + 1)*32 = 25,120
    ex("dls-quiz-63", "DLS C4W1 quiz", "conv",
       {"input": "63x63x16", "filters": 32, "kernel": 7, "stride": 2},
       output="29x29x32", params=25120),
    # quiz: 10 filters 3x3x3: (27 + 1)*10 = 280
    ex("dls-quiz-10-filters", "DLS C4W1 quiz", "conv",
       {"input": "32x32x3", "filters": 10, "kernel": 3}, params=280),
    # quiz: 300x300 RGB, fully connected to 100 neurons: 300*300*3*100 + 100 = 27,000,100
    ex("dls-quiz-300-dense", "DLS C4W1 quiz", "dense", {"input": "300x300x3", "units": 100},
       params=27000100),
    # quiz: 300x300 RGB, 100 filters 5x5: (5*5*3 + 1)*100 = 7,600
    ex("dls-quiz-300-conv", "DLS C4W1 quiz", "conv",
       {"input": "300x300x3", "filters": 100, "kernel": 5}, params=7600),
    # quiz: 32x32x16, max pooling stride 2 filter 2 -> 16x16x16
    ex("dls-quiz-pool", "DLS C4W1 quiz", "pool", {"input": "32x32x16", "kernel": 2, "stride": 2},
       output="16x16x16"),
    # network example CONV1: 32x32x3, f = 5, 6 filters: 28x28x6; (75 + 1)*6 = 456;
    # 28*28*6*75 = 352,800
    ex("dls-example-conv1", "DLS C4W1", "conv", {"input": "32x32x3", "filters": 6, "kernel": 5},
       output="28x28x6", params=456, macs=352800),
    # POOL1: 28x28x6 -> 14x14x6
    ex("dls-example-pool1", "DLS C4W1", "pool", {"input": "28x28x6", "kernel": 2},
       output="14x14x6"),
    # CONV2: 14x14x6, f = 5, 16 filters: 10x10x16; (150 + 1)*16 = 2,416; 10*10*16*150 = 240,000
    ex("dls-example-conv2", "DLS C4W1", "conv", {"input": "14x14x6", "filters": 16, "kernel": 5},
       output="10x10x16", params=2416, macs=240000),
    # FC3: 5*5*16 = 400 -> 120: 400*120 + 120 = 48,120
    ex("dls-example-fc3", "DLS C4W1", "dense", {"input": "5x5x16", "units": 120},
       output="120", params=48120, macs=48000),
    # 1x1 conv: 28x28x192 with 32 filters -> 28x28x32; 28*28*32*192 = 4,816,896
    ex("dls-1x1", "DLS C4W2", "conv", {"input": "28x28x192", "filters": 32, "kernel": 1},
       output="28x28x32", macs=4816896),
    # the cost of a 5x5 same conv: 28*28*32 outputs * 5*5*192 = 120,422,400 ("120 million")
    ex("dls-inception-5x5-cost", "DLS C4W2 / REF", "conv",
       {"input": "28x28x192", "filters": 32, "kernel": 5, "padding": "same"},
       output="28x28x32", macs=120422400),
    # bottleneck: 28*28*16*192 = 2,408,448
    ex("dls-bottleneck-1x1", "DLS C4W2 / REF", "conv",
       {"input": "28x28x192", "filters": 16, "kernel": 1}, output="28x28x16", macs=2408448),
    # then 28*28*32*5*5*16 = 10,035,200
    ex("dls-bottleneck-5x5", "DLS C4W2 / REF", "conv",
       {"input": "28x28x16", "filters": 32, "kernel": 5, "padding": 2},
       output="28x28x32", macs=10035200),

    # -- Dumoulin & Visin ----------------------------------------------------------------------
    # relationship 1 (fig 2.1): o = (i - k) + 1 = (4 - 3) + 1 = 2
    ex("dv-rel1", "D&V rel. 1", "conv", {"input": "4x4x1", "filters": 1, "kernel": 3},
       output="2x2x1"),
    # relationship 2 (fig 2.2): o = (i - k) + 2p + 1 = (5 - 4) + 4 + 1 = 6
    ex("dv-rel2", "D&V rel. 2", "conv",
       {"input": "5x5x1", "filters": 1, "kernel": 4, "padding": 2}, output="6x6x1"),
    # relationship 3 (fig 2.3), half padding: p = floor(k/2) = 1: o = i = 5
    ex("dv-rel3-half", "D&V rel. 3", "conv",
       {"input": "5x5x1", "filters": 1, "kernel": 3, "padding": 1}, output="5x5x1"),
    # relationship 4 (fig 2.4), full padding p = k - 1 = 2: o = i + (k - 1) = 7
    ex("dv-rel4-full", "D&V rel. 4", "conv",
       {"input": "5x5x1", "filters": 1, "kernel": 3, "padding": "full"}, output="7x7x1"),
    # relationship 5 (fig 2.5): o = floor((i - k)/s) + 1 = floor(2/2) + 1 = 2
    ex("dv-rel5", "D&V rel. 5", "conv",
       {"input": "5x5x1", "filters": 1, "kernel": 3, "stride": 2}, output="2x2x1"),
    # relationship 6 (fig 2.6): floor((5 + 2 - 3)/2) + 1 = 3
    ex("dv-rel6-odd", "D&V rel. 6", "conv",
       {"input": "5x5x1", "filters": 1, "kernel": 3, "stride": 2, "padding": 1},
       output="3x3x1"),
    # relationship 6 (fig 2.7): floor((6 + 2 - 3)/2) + 1 = 3, the same output for i = 6
    ex("dv-rel6-even", "D&V rel. 6", "conv",
       {"input": "6x6x1", "filters": 1, "kernel": 3, "stride": 2, "padding": 1},
       output="3x3x1"),
    # pooling relationship (fig 1.6): floor((5 - 3)/1) + 1 = 3
    ex("dv-pool", "D&V rel. 7", "pool", {"input": "5x5x1", "kernel": 3, "stride": 1},
       output="3x3x1"),
    # relationship 8 (fig 4.1): o' = i' + (k - 1) = 2 + 2 = 4
    ex("dv-rel8", "D&V rel. 8", "deconv", {"input": "2x2x1", "filters": 1, "kernel": 3},
       output="4x4x1"),
    # relationship 9 (fig 4.2): o' = i' + (k - 1) - 2p = 6 + 3 - 4 = 5
    ex("dv-rel9", "D&V rel. 9", "deconv",
       {"input": "6x6x1", "filters": 1, "kernel": 4, "padding": 2}, output="5x5x1"),
    # relationship 10 (fig 4.3), half padding: o' = i' = 5
    ex("dv-rel10", "D&V rel. 10", "deconv",
       {"input": "5x5x1", "filters": 1, "kernel": 3, "padding": 1}, output="5x5x1"),
    # relationship 11 (fig 4.4), full padding: o' = i' - (k - 1) = 7 - 2 = 5
    ex("dv-rel11", "D&V rel. 11", "deconv",
       {"input": "7x7x1", "filters": 1, "kernel": 3, "padding": 2}, output="5x5x1"),
    # relationship 12 (fig 4.5): o' = s(i' - 1) + k = 2*1 + 3 = 5
    ex("dv-rel12", "D&V rel. 12", "deconv",
       {"input": "2x2x1", "filters": 1, "kernel": 3, "stride": 2}, output="5x5x1"),
    # relationship 13 (fig 4.6): o' = s(i' - 1) + k - 2p = 4 + 3 - 2 = 5
    ex("dv-rel13", "D&V rel. 13", "deconv",
       {"input": "3x3x1", "filters": 1, "kernel": 3, "stride": 2, "padding": 1},
       output="5x5x1"),
    # relationship 14 (fig 4.7): o' = s(i' - 1) + a + k - 2p = 4 + 1 + 3 - 2 = 6
    ex("dv-rel14", "D&V rel. 14", "deconv",
       {"input": "3x3x1", "filters": 1, "kernel": 3, "stride": 2, "padding": 1,
        "output_padding": 1}, output="6x6x1"),
    # relationship 15 (fig 5.1), dilation: o = floor((i + 2p - k - (k - 1)(d - 1))/s) + 1
    # = (7 - 3 - 2) + 1 = 3
    ex("dv-rel15", "D&V rel. 15", "conv",
       {"input": "7x7x1", "filters": 1, "kernel": 3, "dilation": 2}, output="3x3x1"),

    # -- the project's source notes (reference.md) ---------------------------------------------
    # Conv2d(3, 6, 16): 16*16*3*6 = 4,608 weights + 6 biases = 4,614; (32 - 16) + 1 = 17
    ex("ref-conv-4614", "REF", "conv", {"input": "32x32x3", "filters": 6, "kernel": 16},
       output="17x17x6", weights=4608, biases=6, params=4614),
    # Keras: (26, 26, 32), kernel (3, 3, 32, 64), stride 1, no padding -> (24, 24, 64)
    ex("ref-keras-layout", "REF", "conv", {"input": "26x26x32", "filters": 64, "kernel": 3},
       output="24x24x64", weights=18432),
    # AlexNet at the paper's 224: floor((224 - 11)/4 + 1) = floor(54.25) = 54
    ex("ref-alexnet-224", "REF", "conv",
       {"input": "224x224x3", "filters": 96, "kernel": 11, "stride": 4}, output="54x54x96"),
    # 1-D (time series): 100 steps x 8 variables, 16 filters of 3, dilation 2:
    # 100 - 2*(3 - 1) = 96; 3*8*16 + 16 = 400
    ex("ref-conv1d-dilated", "REF", "conv",
       {"input": "100x8", "filters": 16, "kernel": 3, "dilation": 2},
       output="96x16", params=400),
]


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("x"))


def _family(exercise: Exercise) -> str:
    return "maxpool" if exercise.kind == "pool" else exercise.kind


def _args(exercise: Exercise) -> dict[str, Any]:
    s = dict(exercise.settings)
    names = {"filters": "out_channels", "kernel": "kernel_size", "units": "out_features"}
    s.pop("input")
    return {names.get(k, k): v for k, v in s.items()}


def test_there_are_at_least_40_exercises_from_the_four_sources():
    assert len(EXERCISES) >= 40
    assert len({e.id for e in EXERCISES}) == len(EXERCISES)
    assert {e.source.split()[0] for e in EXERCISES} >= {"CS231n", "DLS", "D&V", "REF"}


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_calculator_answers_the_exercise(exercise):
    answer = layer_answer(_family(exercise), _shape(exercise.settings["input"]), "hwc",
                          _args(exercise))
    got = {"output": "x".join(map(str, answer.shape_in_layout(answer.output_shape))),
           "weights": answer.weights, "biases": answer.biases, "params": answer.params,
           "macs": answer.macs}
    assert {k: got[k] for k in exercise.expected} == exercise.expected


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_check_marks_the_textbook_answer_right(exercise, tmp_path):
    sheet = {"student": "textbook", "layout": "hwc",
             "questions": [{"id": exercise.id, exercise.kind: exercise.settings,
                            **exercise.expected}]}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(sheet, sort_keys=False))
    result = check_file(str(path))
    assert [(m.field, m.right) for m in result.marks] == [
        (field, True) for field in exercise.expected]


def test_check_marks_a_wrong_answer_wrong_with_the_worked_formula(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("questions:\n  - id: alexnet\n"
                    "    conv: {input: 224x224x3, filters: 96, kernel: 11, stride: 4}\n"
                    "    output: 55x55x96\n")
    (mark,) = check_file(str(path)).marks
    assert not mark.right and mark.expected == "54x54x96" and mark.given == "55x55x96"
    assert ("H: (224 - 11) / 4 + 1 = 54.25 -> floor -> 54, the last 1 pixel is never covered"
            in mark.work)


# -- inverse questions --------------------------------------------------------------------------

SOLVE = [
    # DLS: 'same' padding p = (f - 1)/2 = 3 for f = 7
    ("dls-same-f7", "conv", {"input": 15, "kernel": 7}, ("padding",), 15, [{"padding": 3}]),
    # CS231n: "stride 1 and zero-padding P = (F - 1)/2" preserves the size: F = 5 -> P = 2
    ("cs231n-preserve-f5", "conv", {"input": 32, "kernel": 5}, ("padding",), 32,
     [{"padding": 2}]),
    # CS231n AlexNet: (227 - F)/4 + 1 = 55 exactly only for F = 11 (floor also admits 8, 9, 10)
    ("cs231n-alexnet-kernel", "conv", {"input": 227, "stride": 4}, ("kernel",), 55,
     [{"kernel": 8}, {"kernel": 9}, {"kernel": 10}, {"kernel": 11}]),
    # D&V relationship 14 read backwards: which a gives 6 from 3 (k 3, s 2, p 1)? a = 1
    ("dv-rel14-inverse", "deconv", {"input": 3, "kernel": 3, "stride": 2, "padding": 1},
     ("output_padding",), 6, [{"output_padding": 1}]),
    # doubling with k 4, s 2: (16 - 1)*2 - 2p + 3 + 1 = 32 -> p = 1
    ("deconv-double", "deconv", {"input": 16, "kernel": 4, "stride": 2}, ("padding",), 32,
     [{"padding": 1}]),
    # D&V rel. 6: floor((i + 2 - 3)/2) + 1 = 3 for i = 5 and 6 only (7 would give 4)
    ("dv-rel6-inputs", "conv", {"kernel": 3, "stride": 2, "padding": 1}, ("input",), 3,
     [{"input": 5}, {"input": 6}]),
]


@pytest.mark.parametrize(("name", "op", "known", "unknowns", "target", "expected"), SOLVE,
                         ids=[s[0] for s in SOLVE])
def test_solve_inverse_exercises(name, op, known, unknowns, target, expected):
    answer = solve(op, known, unknowns, target)
    assert [s.values for s in answer.solutions] == expected


def test_solve_says_none_exists():
    # (32 + 2p - 3) + 1 = 40 needs p = 5, beyond the padding a 3x3 kernel can use (0..2);
    # p = 0, 1, 2 give 30, 32, 34 (only even sizes: "30 to 34" would claim 31 and 33)
    answer = solve("conv", {"input": 32, "kernel": 3}, ("padding",), 40)
    assert answer.solutions == ()
    assert answer.none_text() == ("none exists: no padding 0..2 gives output 40; the outputs "
                                  "reachable are 30, 32 and 34")


# -- the command line ---------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True,
                          text=True)


def test_conv_cli_explain_shows_the_floor():
    result = _cli("conv", "--input", "224x224x3", "--filters", "96", "--kernel", "11",
                  "--stride", "4", "--explain")
    assert result.returncode == 0
    assert "  H: (224 - 11) / 4 + 1 = 54.25 -> floor -> 54, the last 1 pixel is never covered" \
        in result.stdout.splitlines()
    assert "output shape  54x54x96 (H x W x C)" in result.stdout


def test_conv_cli_json_and_chw_layout():
    result = _cli("conv", "--input", "3x227x227", "--layout", "chw", "--filters", "96",
                  "--kernel", "11", "--stride", "4", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["output"], data["weights"], data["biases"], data["macs"]) == (
        [96, 55, 55], 34848, 96, 105415200)


def test_plain_channels_first_input_is_read_as_such():
    result = _cli("conv", "--input", "3x227x227", "--filters", "96", "--kernel", "11",
                  "--stride", "4")
    assert result.stderr == ("note: 3x227x227 is read channels first (3 channels); pass "
                             "--layout hwc to read it channels last\n")
    assert "output shape  96x55x55 (C x H x W)" in result.stdout


@pytest.mark.parametrize("args", [
    ("pool", "--input", "55x55x96", "--kernel", "3", "--stride", "2"),
    ("deconv", "--input", "7x7x128", "--filters", "64", "--kernel", "3", "--stride", "2",
     "--padding", "1", "--output-padding", "1"),
    ("dense", "--input", "5x5x16", "--units", "120"),
])
def test_other_calculators_run(args):
    result = _cli(*args, "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    # 27x27x96 by (55 - 3)/2 + 1; 14x14x64 by (7 - 1)*2 - 2 + 2 + 1 + 1; 120 outputs
    assert data["output"] in ([27, 27, 96], [14, 14, 64], [120])


@pytest.mark.parametrize("args", [
    ("conv", "--input", "32x32", "--filters", "6", "--kernel", "5", "--stride", "0"),
    ("conv", "--input", "32x32x3", "--filters", "6", "--kernel", "five"),
    ("conv", "--input", "3x3x1", "--filters", "6", "--kernel", "5"),
    ("pool", "--input", "banana", "--kernel", "2"),
    ("deconv", "--input", "7x7x8", "--filters", "4", "--kernel", "3", "--stride", "2",
     "--output-padding", "2"),
    ("solve", "--input", "32x32", "--output", "16", "--kernel", "3", "--stride", "?"),
    ("solve", "--input", "32", "--kernel", "3", "--padding", "?"),
    ("explain", str(ROOT / "architectures" / "lenet5.yaml"), "--layer", "c9"),
    ("check", "no/such/answers.yaml"),
])
def test_bad_input_is_one_line_and_exit_2(args):
    result = _cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")


def test_solve_cli_none_exists_exits_1():
    result = _cli("solve", "--input", "32", "--output", "40", "--kernel", "3", "--padding", "?")
    assert result.returncode == 1
    assert "none exists" in result.stdout


@pytest.mark.parametrize("command", ["check-spec", "conv", "pool", "deconv", "dense",
                                     "explain", "solve", "check"])
def test_every_command_has_help_with_examples(command):
    result = _cli(command, "--help")
    assert result.returncode == 0
    assert "Examples:" in result.stdout and f"cnncalc {command}" in result.stdout


def test_solve_names_the_reachable_set_not_a_range():
    # (32 - 3)/s + 1 for s = 1..32: 30, 15, 10, 8, 6, 5, 5, 4, 4, 3, ... 1; 16 is not among them
    answer = solve("conv", {"input": 32, "kernel": 3}, ("stride",), 16)
    assert answer.none_text() == ("none exists: no stride 1..32 gives output 16; the outputs "
                                  "reachable are 1 to 6, 8, 10, 15 and 30")


def test_solve_with_one_reachable_output():
    # kernel 1, stride 3, padding 0 only (below the kernel): (32 - 1)/3 + 1 = 11.33 -> 11
    answer = solve("conv", {"input": 32, "kernel": 1, "stride": 3}, ("padding",), 16)
    assert answer.none_text() == ("none exists: no padding 0..0 gives output 16; the only "
                                  "output reachable is 11")


def test_several_unknowns_cannot_reach_beyond_the_limits():
    # with padding below the kernel, kernel 1 stride 3 can never give 16 (it gives 11), so the
    # multi-unknown search must not list "kernel 1, stride 3, padding 7"
    answer = solve("conv", {"input": 32}, ("kernel", "stride", "padding"), 16)
    assert {"kernel": 1, "stride": 3, "padding": 7} not in [s.values for s in answer.solutions]
    assert all(s.values["padding"] < s.values["kernel"] for s in answer.solutions)
    # the textbook answers first: k 2 s 2 p 0, k 3 s 2 p 1, k 4 s 2 p 1, k 5 s 2 p 2
    assert [s.values for s in answer.ranked()[:4]] == [
        {"kernel": 2, "stride": 2, "padding": 0}, {"kernel": 3, "stride": 2, "padding": 1},
        {"kernel": 4, "stride": 2, "padding": 1}, {"kernel": 5, "stride": 2, "padding": 2}]


def test_solve_cli_summarizes_many_solutions():
    result = _cli("solve", "--input", "32", "--output", "16", "--kernel", "?", "--stride", "?",
                  "--padding", "?")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "  kernel 2, stride 2, padding 0: (32 - 2) / 2 + 1 = 16"
    listed = [line for line in lines if line.startswith("  kernel ")]
    assert len(listed) == 12
    summary = next(line for line in lines if line.startswith("  ... "))
    total = int(lines[-1].split()[0])
    assert summary.startswith(f"  ... {total - 12} more: kernel ")
    assert summary.endswith("; --all lists them")
    every = _cli("solve", "--input", "32", "--output", "16", "--kernel", "?", "--stride", "?",
                 "--padding", "?", "--all")
    assert len([line for line in every.stdout.splitlines() if line.startswith("  kernel ")]) \
        == total
