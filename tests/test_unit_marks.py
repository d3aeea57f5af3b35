"""Marking reads the layer unit, never guesses: a correct answer (output shape, weights,
biases, params, MACs) for every layer of every shipped spec is marked right, LeNet-5's
connection-table C3 included, and the slips of issue 11 are named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import ARCHITECTURES, ZOO_SPECS, zoo_id

from cnncalc import load_file
from cnncalc.check import check_file
from cnncalc.cli import main
from cnncalc.engine import propagate
from cnncalc.layers.base import to_layout

SPECS = ZOO_SPECS


def _answers_file(tmp_path: Path, spec: Path, answers: dict) -> Path:
    path = tmp_path / "answers.yaml"
    text = yaml.safe_dump({"spec": str(spec.resolve()), "answers": answers}, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_lenet5_c3_weights_and_biases_are_marked_right(tmp_path: Path) -> None:
    """C3 reads a connection table: 60 connections x 5x5 = 1,500 weights, 16 biases (one per
    output map), 1,516 params (LeCun et al. 1998)."""
    path = _answers_file(tmp_path, ARCHITECTURES / "lenet5_1998.yaml",
                         {"c3": {"weights": 1500, "biases": 16, "params": 1516,
                                 "output": "16x10x10"}})
    result = CliRunner().invoke(main, ["check", str(path)], prog_name="cnncalc")
    assert result.exit_code == 0, result.output
    assert "4/4" in result.output or "4 of 4" in result.output, result.output
    marks = check_file(str(path)).marks
    assert [(m.field, m.right) for m in marks] == [
        ("weights", True), ("biases", True), ("params", True), ("output", True)]


@pytest.mark.parametrize("spec", SPECS, ids=[zoo_id(p) for p in SPECS])
def test_every_layer_of_every_shipped_spec_is_marked_right(spec: Path, tmp_path: Path) -> None:
    graph = load_file(spec)
    answers = {}
    for step in propagate(graph):
        result = step.result
        assert result is not None
        answers[step.node.name] = {
            "output": "x".join(map(str, to_layout(result.out, graph.layout))),
            "weights": result.weights, "biases": result.biases, "params": result.params,
            "macs": result.macs}
    assert answers
    marks = check_file(str(_answers_file(tmp_path, spec, answers))).marks
    assert len(marks) == 5 * len(answers)
    wrong = [m for m in marks if not m.right]
    assert not wrong, wrong[:3]
    # the split is the unit's: weights + biases = params, as torch counts them
    assert all(a["weights"] + a["biases"] == a["params"] for a in answers.values())


# -- the slips that check names (issue 11 §3) ---------------------------------------------------

def _question_note(tmp_path: Path, question: str) -> tuple[bool, str]:
    path = tmp_path / "q.yaml"
    path.write_text(f"questions:\n  - {question}\n", encoding="utf-8")
    (mark,) = check_file(str(path)).marks
    return mark.right, mark.note


@pytest.mark.parametrize(("question", "words"), [
    # 5x5x3 per filter, 6 filters: 450 weights; 150 forgets the 3 input channels
    ("{conv: {input: 32x32x3, filters: 6, kernel: 5}, weights: 150}",
     "leaves out the 3 input channels"),
    ("{conv: {input: 32x32x3, filters: 6, kernel: 5}, params: 156}",
     "leaves out the 3 input channels"),
    # 28*28*6*75 = 352,800 MACs; + 4,704 bias adds = 357,504
    ("{conv: {input: 32x32x3, filters: 6, kernel: 5}, macs: 357504}",
     "counts the 4,704 bias adds as MACs"),
    # stride 2: 14*14*6*75 = 88,200; every position (stride left out) = 352,800
    ("{conv: {input: 32x32x3, filters: 6, kernel: 5, stride: 2}, macs: 352800}",
     "the stride skips positions"),
    # transposed: (7 - 1)*2 - 2 + 4 = 14; the conv formula (7 + 2 - 4)//2 + 1 = 3
    ("{deconv: {input: 7x7x16, filters: 8, kernel: 4, stride: 2, padding: 1}, "
     "output: 3x3x8}", "that is the convolution's formula"),
    # same keeps 28; valid gives 24
    ("{conv: {input: 28x28x1, filters: 8, kernel: 5, padding: same}, output: 24x24x8}",
     "that is 'valid' (no padding)"),
    # VGG's fc6 reads 7x7x512 = 25,088 features: 102,760,448 weights, not 512 * 4,096
    ("{dense: {input: 7x7x512, units: 4096}, weights: 2097152}",
     "25,088 = 7x7x512 features, not 512"),
    ("{dense: {input: 7x7x512, units: 4096}, params: 2101248}",
     "25,088 = 7x7x512 features, not 512"),
    ("{dense: {input: 7x7x512, units: 4096}, macs: 200704}",
     "25,088 = 7x7x512 features, not 49"),
])
def test_check_names_the_slip(tmp_path: Path, question: str, words: str) -> None:
    right, note = _question_note(tmp_path, question)
    assert not right
    assert words in note, note


@pytest.mark.parametrize("question", [
    "{conv: {input: 32x32x3, filters: 6, kernel: 5}, weights: 450}",
    "{conv: {input: 32x32x3, filters: 6, kernel: 5}, macs: 352800}",
    "{conv: {input: 32x32x3, filters: 6, kernel: 5, stride: 2}, macs: 88200}",
    "{deconv: {input: 7x7x16, filters: 8, kernel: 4, stride: 2, padding: 1}, output: 14x14x8}",
    "{conv: {input: 28x28x1, filters: 8, kernel: 5, padding: same}, output: 28x28x8}",
    "{dense: {input: 7x7x512, units: 4096}, weights: 102760448}",
    "{pool: {input: 28x28x6, kernel: 3, stride: 1, padding: same}, output: 28x28x6}",
])
def test_the_right_answers_to_those_questions_are_right(tmp_path: Path, question: str) -> None:
    assert _question_note(tmp_path, question) == (True, "")


def test_explained_macs_show_every_factor() -> None:
    """Not a collapsed ``28 * 28 * 32 * 4,800``: each factor of the product."""
    result = CliRunner().invoke(main, ["conv", "--input", "28x28x192", "--filters", "32",
                                       "--kernel", "5", "--padding", "same", "--explain"])
    assert ("MACs = H_out * W_out * C_out * k_h * k_w * C_in = 28 * 28 * 32 * 5 * 5 * 192 = "
            "120,422,400") in result.output


# -- counting conventions -------------------------------------------------------------------------

def test_table_conv_counts_its_bias_adds_and_subsampling_scales_are_other_ops() -> None:
    """One rule: MACs are weighted sums; a bias add or an element-wise scale (BatchNorm's,
    the subsampling coefficient) is an other op."""
    from cnncalc.engine import analyze
    from cnncalc.report import CONVENTIONS

    rows = {r.name: r for r in analyze(load_file(ARCHITECTURES / "lenet5_1998.yaml")).rows}
    assert (rows["c3"].macs, rows["c3"].other_ops) == (150_000, 16 * 10 * 10)
    # S2: 6x14x14 outputs, each 2x2 reads + 1 scale + 1 bias add; no MAC
    assert (rows["s2"].macs, rows["s2"].other_ops) == (0, 6 * 14 * 14 * (4 + 2))
    assert "element-wise scales (BatchNorm, subsampling)" in CONVENTIONS
    assert "conv/dense" not in CONVENTIONS


def test_small_totals_are_not_repeated_in_brackets() -> None:
    from cnncalc import load_spec
    from cnncalc.engine import analyze
    from cnncalc.render.summary import total_lines

    report = analyze(load_spec("input: [4]\nlayers:\n  - dense: 8\n  - dense: 4\n"))
    values = dict(total_lines(report))
    assert values["Params (trainable)"] == "76"  # 4*8 + 8 + 8*4 + 4
    assert values["MACs (per sample)"] == "64"
    big = analyze(load_file(ARCHITECTURES / "lenet5.yaml"))
    assert dict(total_lines(big))["Params (trainable)"] == "61,706 (61.71 k)"


def test_ceil_note_without_padding_says_past_the_end() -> None:
    # 2 wide, kernel 1, stride 3: ceil asks for a 2nd window starting at 3, beyond the input
    result = CliRunner().invoke(main, ["pool", "--input", "2x2x1", "--kernel", "1",
                                       "--stride", "3", "--ceil", "--explain"])
    assert result.exit_code == 0, result.output
    assert "would start past the end of the input" in result.output
    assert "in the padding" not in result.output


# -- the calculators say how they read an ambiguous size ---------------------------------------

def _cli(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="cnncalc")


def test_pytorch_order_input_is_read_channels_first_and_said() -> None:
    result = _cli("conv", "--input", "16x12x12", "--filters", "8", "--kernel", "3")
    assert result.stderr.startswith("note: 16x12x12 is read channels first (16 channels)")
    assert "output shape  8x10x10 (C x H x W)" in result.stdout
    hwc = _cli("conv", "--input", "16x12x12", "--layout", "hwc", "--filters", "8",
               "--kernel", "3")
    assert hwc.stderr == "" and "output shape  14x10x8 (H x W x C)" in hwc.stdout


def test_a_size_that_reads_both_ways_is_said() -> None:
    result = _cli("conv", "--input", "16x16x16", "--filters", "8", "--kernel", "3")
    assert result.stderr.startswith("note: 16x16x16 is read channels last (16x16 with 16 "
                                    "channels); pass --layout chw")
    assert _cli("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3").stderr == ""


def test_four_sizes_are_not_silently_a_3d_conv() -> None:
    result = _cli("conv", "--input", "4x28x28x3", "--filters", "8", "--kernel", "3")
    assert "4 sizes are a 3-D volume (a 3-D conv): if 4 is a batch size, leave it out " \
           "(--input 28x28x3)" in result.stderr
    assert result.stdout.startswith("conv3d")


@pytest.mark.parametrize(("padding", "output"), [("valid", "26x26x6"), ("same", "28x28x6"),
                                                 ("0", "26x26x6"), ("1", "28x28x6")])
def test_pool_padding_takes_keras_words(padding: str, output: str) -> None:
    result = _cli("pool", "--input", "28x28x6", "--kernel", "3", "--stride", "1",
                  "--padding", padding)
    assert result.exit_code == 0, result.output
    assert f"output shape  {output} (H x W x C)" in result.stdout


def test_pool_same_that_pads_unevenly_is_refused_with_keras_size() -> None:
    result = _cli("pool", "--input", "7x7x6", "--kernel", "2", "--padding", "same")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --padding same pads H: 0 before and 1 after, W: 0 before and 1 after here "
        "(TensorFlow's rule, output ceil(in / stride) = 4x4); PyTorch's pools pad both sides "
        "alike, so this pool cannot be computed as written; --padding 0 --ceil gives the same "
        "size"]


def test_min_input_gives_the_main_output_first(tmp_path: Path) -> None:
    """The trunk's 3x3 conv needs 3; the side head's 9x9 conv needs 11 (14 - 3 - ...)."""
    spec = tmp_path / "aux.yaml"
    spec.write_text("input: [1, 16, 16]\nlayers:\n"
                    "  - conv2d: {out_channels: 4, kernel_size: 3, name: trunk}\n"
                    "  - name: aux\n    output: true\n"
                    "    layers: [conv2d: {out_channels: 2, kernel_size: 9}, flatten, dense: 2]\n"
                    "  - flatten\n  - dense: 3\n", encoding="utf-8")
    result = _cli("analyze", str(spec), "--min-input")
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("smallest input")]
    assert lines == [
        "smallest input that survives the main output: 1x3x3 (the spec has 1x16x16)",
        "smallest input that survives every layer, side outputs included: 1x11x11 (the spec "
        "has 1x16x16)"]


def test_check_says_how_an_ambiguous_question_input_was_read(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("questions:\n"
                    "  - {conv: {input: 16x12x12, filters: 8, kernel: 3}, output: 14x10x8}\n"
                    "  - {conv: {input: 32x32x3, filters: 8, kernel: 3}, output: 30x30x8}\n",
                    encoding="utf-8")
    first, second = check_file(str(path)).marks
    assert first.right and first.note == (
        "input 16x12x12 read channels last (hwc: the file sets no layout); write layout: chw "
        "to read it the other way")
    assert second.right and second.note == ""
    path.write_text("layout: hwc\nquestions:\n"
                    "  - {conv: {input: 16x12x12, filters: 8, kernel: 3}, output: 14x10x8}\n",
                    encoding="utf-8")
    assert check_file(str(path)).marks[0].note == ""


def test_the_shape_rule_returns_a_frozen_result_with_every_fact() -> None:
    """What marker, debugger, explain, RF and torch build read: frozen, weights and biases
    apart, the window with its padding per side, merge/flatten/dense facts."""
    from cnncalc import load_spec
    from cnncalc.record import FrozenRecordError

    graph = load_spec("input: [3, 7, 7]\nlayers:\n"
                      "  - conv2d: {out_channels: 4, kernel_size: 2, stride: 2, padding: same}\n"
                      "  - add: [[identity], [relu]]\n  - flatten\n  - dense: 5\n")
    results = [step.result for step in propagate(graph)]
    conv, add, flat, dense = results[0], results[-3], results[-2], results[-1]
    assert (conv.weights, conv.biases, conv.params, conv.macs) == (48, 4, 52, 4 * 4 * 4 * 12)
    assert conv.window.kernel == (2, 2) and conv.window.stride == (2, 2)
    assert conv.window.pads == ((0, 1), (0, 1))  # TensorFlow's same: the odd pixel after
    assert add.merges and not conv.merges and flat.flattens and dense.dense
    assert (dense.weights, dense.biases) == (64 * 5, 5)
    with pytest.raises(FrozenRecordError):
        conv.out = (1,)  # type: ignore[misc]
    with pytest.raises(TypeError):
        conv.args["stride"] = 1  # type: ignore[index]
