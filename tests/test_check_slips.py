"""``cnncalc check`` on the usual slips: equivalent writings marked right with a note, common
wrong answers marked wrong with the slip named, and numbers that cannot be read refused.

Expected values are worked by hand in the comments."""

from __future__ import annotations

import pytest

from cnncalc.check import check_file
from cnncalc.errors import CnnCalcError


def marks(tmp_path, questions: str, layout: str = "hwc"):
    path = tmp_path / "answers.yaml"
    path.write_text(f"layout: {layout}\nquestions:\n{questions}")
    return check_file(str(path)).marks


def one(tmp_path, question: str, answer: str, layout: str = "hwc"):
    (mark,) = marks(tmp_path, f"  - id: q\n    {question}\n    {answer}\n", layout)
    return mark


DENSE_FC7 = "dense: {input: 4096, units: 4096}"      # CS231n VGG: "FC: [1x1x4096]"
ALEXNET_224 = "conv: {input: 224x224x3, filters: 96, kernel: 11, stride: 4}"
CONV1 = "conv: {input: 32x32x3, filters: 6, kernel: 5}"  # 28x28x6, 450 weights + 6 biases


@pytest.mark.parametrize("written", ["1x1x4096", "4096x1x1", "[1, 1, 4096]"])
def test_axes_of_size_one_are_the_same_shape(tmp_path, written):
    mark = one(tmp_path, DENSE_FC7, f"output: {written}")
    assert mark.right and mark.expected == "4096"
    assert "differ only in axes of size 1" in mark.note


def test_a_1x1_conv_output_may_be_written_without_its_unit_axes(tmp_path):
    # (5 - 5) + 1 = 1: the output is 1x1x120, which LeNet's C5 is often written as 120
    mark = one(tmp_path, "conv: {input: 5x5x16, filters: 120, kernel: 5}", "output: 120")
    assert mark.right and mark.expected == "1x1x120"


def test_axes_of_size_one_are_not_a_licence_for_other_shapes(tmp_path):
    assert not one(tmp_path, DENSE_FC7, "output: 1x2x4096").right
    assert not one(tmp_path, DENSE_FC7, "output: 4096x4096").right


def test_ceil_for_floor_is_named(tmp_path):
    # (224 - 11)/4 + 1 = 54.25: floor 54, ceil 55
    mark = one(tmp_path, ALEXNET_224, "output: 55x55x96")
    assert not mark.right and mark.expected == "54x54x96"
    assert mark.note == "that is the division rounded up, ceil; the formula rounds it down, floor"


def test_floor_for_ceil_mode_is_named(tmp_path):
    # (112 - 3)/2 + 1 = 55.5: ceil_mode gives 56, floor 55
    mark = one(tmp_path, "pool: {input: 112x112x64, kernel: 3, stride: 2, ceil: true}",
               "output: 55x55x64")
    assert not mark.right and mark.expected == "56x56x64"
    assert mark.note == "that is the division rounded down, floor; ceil_mode rounds it up, ceil"


def test_exact_division_has_no_rounding_slip(tmp_path):
    # (227 - 11)/4 + 1 = 55 exactly: 56 is just wrong
    mark = one(tmp_path, "conv: {input: 227x227x3, filters: 96, kernel: 11, stride: 4}",
               "output: 56x56x96")
    assert not mark.right and mark.note == ""


def test_forgotten_padding_and_output_padding_are_named(tmp_path):
    # (32 + 4 - 5) + 1 = 32 with padding 2; 28 without
    pad = one(tmp_path, "conv: {input: 32x32x3, filters: 10, kernel: 5, padding: 2}",
              "output: 28x28x10")
    assert pad.note == "that is the size without the padding 2"
    # (7 - 1)*2 - 2 + 2 + 1 + 1 = 14; 13 without the output_padding
    deconv = one(tmp_path, "deconv: {input: 7x7x128, filters: 64, kernel: 3, stride: 2, "
                           "padding: 1, output_padding: 1}", "output: 13x13x64")
    assert deconv.note == "that is the size without the output_padding 1"


def test_channels_slips_are_named(tmp_path):
    kept = one(tmp_path, CONV1, "output: 28x28x3")
    assert kept.note == "the channels are the 6 filters, not the input's 3 channels"
    spatial = one(tmp_path, CONV1, "output: 28x28")
    assert spatial.note == "the spatial size is right; the shape also has the 6 channels"


def test_the_other_layout_is_right_with_a_note_without_nested_parentheses(tmp_path):
    mark = one(tmp_path, CONV1, "output: 6x28x28")
    assert mark.right and mark.note == "written CHW, channels first; the file says hwc"


@pytest.mark.parametrize(("answer", "note"), [
    ("params: 450", "that is the weight count; params add the 6 biases"),
    # 456 / 6 = 76 = 5*5*3 + 1: one filter
    ("params: 76", "that is one filter's count (its weights and bias); there are 6 of them"),
    ("weights: 456", "that includes the 6 biases; weights alone are 450"),
    # MACs = 28*28*6*75 = 352,800; FLOPs 705,600; the weights alone 450
    ("macs: 705600", "that is the FLOP count, 2 x MACs"),
    ("macs: 450", "that is the weight count; each weight is used once per output position"),
    ("flops: 352800", "that is the MAC count; FLOPs = 2 x MACs"),
])
def test_number_slips_are_named(tmp_path, answer, note):
    mark = one(tmp_path, CONV1, answer)
    assert not mark.right and mark.note == note


def test_the_usual_numbers_are_still_right(tmp_path):
    got = marks(tmp_path, f"  - id: q\n    {CONV1}\n    output: 28x28x6\n    params: 456\n"
                          "    weights: '450'\n    macs: 352,800\n    flops: 705_600\n")
    assert [(m.field, m.right, m.note) for m in got] == [
        ("output", True, ""), ("params", True, ""), ("weights", True, ""), ("macs", True, ""),
        ("flops", True, "")]


@pytest.mark.parametrize(("written", "why"), [
    ("'4 56'", "(a space inside a number is not read: is it 456, or two numbers?)"),
    ("'4,56'", ""), ("'45,6'", ""), ("'1,,000'", ""),
])
def test_numbers_that_cannot_be_read_are_refused(tmp_path, written, why):
    (tmp_path / "answers.yaml").write_text(
        f"questions:\n  - {{{CONV1}, params: {written}}}\n")
    with pytest.raises(CnnCalcError) as info:
        check_file(str(tmp_path / "answers.yaml"))
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'answers.yaml'}:2:")
    assert f"expected a whole number like 61706 or 61,706, got {written}" in message
    assert message.endswith(why)


@pytest.mark.parametrize("written", ["28xx28x6", "x28x28x6", "28x28x"])
def test_shapes_that_cannot_be_read_are_refused(tmp_path, written):
    with pytest.raises(CnnCalcError, match=f"output: cannot read '{written}'"):
        one(tmp_path, CONV1, f"output: {written}")


def test_network_answers_get_the_same_notes(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 224, 224]\nlayers:\n"
                    "  - conv: {out_channels: 96, kernel_size: 11, stride: 4, name: conv1}\n"
                    "  - flatten\n  - dense: {out_features: 10, name: fc}\n")
    answers = tmp_path / "answers.yaml"
    answers.write_text("layout: hwc\nspec: net.yaml\nanswers:\n"
                       "  conv1: {output: 55x55x96}\n  fc: {output: 1x1x10}\n")
    conv1, fc = check_file(str(answers)).marks
    assert not conv1.right and conv1.note.startswith("that is the division rounded up, ceil")
    assert fc.right and "axes of size 1" in fc.note


def test_notes_read_inside_the_parentheses_they_are_printed_in():
    # result_text prints "(note)": a note with its own parentheses reads "(... (...))"
    from helpers import ROOT

    bob = check_file(str(ROOT / "examples" / "assignment" / "submissions" / "bob.yaml"))
    notes = [m.note for m in bob.marks if m.note]
    assert len(notes) == 9 and not [n for n in notes if "(" in n or ")" in n]
