"""The shape debugger around check-spec: --min-input, lossless sizes, --trace, --until, --watch,
explain, and the answer checker's file handling. Expected figures are worked out by hand in the
comments."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from helpers import ARCHITECTURES, ROOT

from cnncalc import load_file, load_spec
from cnncalc.check import check_file
from cnncalc.cli.debug import watch_file
from cnncalc.diagnose import describe_sizes, lossless_sizes, min_input
from cnncalc.errors import CnnCalcError
from cnncalc.trace import trace_lines, until

EXAMPLE = ROOT / "examples" / "assignment"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.mark.parametrize(("spec", "smallest"), [
    # 16 -5+1-> 12 -/2-> 6 -5+1-> 2 -/2-> 1; at 15: 11, 5, 1, and the 2x2 pool fails
    ("lenet5.yaml", (1, 16, 16)),
    # 67: (67 - 11)/4 + 1 = 15, pool 7, pool 3, pool5 (3 - 3)/2 + 1 = 1;
    # 66: 14, 6, 2 < 3 fails at pool5
    ("alexnet.yaml", (3, 67, 67)),
    # five 2x2 pools: 32 = 2^5
    ("vgg16.yaml", (3, 32, 32)),
])
def test_min_input(spec, smallest):
    assert min_input(load_file(ARCHITECTURES / spec)).shape == smallest


def test_lossless_sizes_of_vgg16_are_multiples_of_32():
    sizes = lossless_sizes(load_file(ARCHITECTURES / "vgg16.yaml"), 32, 256)
    assert sizes == [32, 64, 96, 128, 160, 192, 224, 256]
    assert describe_sizes(sizes) == "32, 64, 96, 128, ... 256 (every 32: 0 mod 32)"


def test_lossless_sizes_of_alexnet_include_227_not_224():
    # conv1 needs n = 3 (mod 4) and every pool an odd size: n = 3 (mod 32); 227 = 7*32 + 3
    sizes = lossless_sizes(load_file(ARCHITECTURES / "alexnet.yaml"), 200, 260)
    assert sizes == [227, 259]


def test_min_input_cli():
    result = _cli("analyze", "architectures/lenet5.yaml", "--min-input")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "smallest input that survives every layer: 1x16x16 (the spec has 1x32x32)"
    assert lines[-1] == ("sizes from 16 to 64 that lose no pixel to floor division: 16, 20, 24, "
                         "28, ... 64 (every 4: 0 mod 4)")


def test_trace_until_shows_each_formula():
    graph = until(load_file(ARCHITECTURES / "lenet5.yaml"), "s2")
    lines = [line.split("  (")[0] for line in trace_lines(graph)]
    assert lines == [
        "input: 1x32x32",
        "c1 (conv2d): 1x32x32 -> 6x28x28",
        "    out = (in + 2*pad - k_eff) / stride + 1, rounded down (floor)",
        "    H: (32 - 5) + 1 = 28",
        "    W: (32 - 5) + 1 = 28",
        "tanh1 (tanh): 6x28x28 -> 6x28x28",
        "s2 (avgpool2d): 6x28x28 -> 6x14x14",
        "    out = (in + 2*pad - k) / stride + 1, rounded down (floor); channels unchanged",
        "    H: (28 - 2) / 2 + 1 = 14",
        "    W: (28 - 2) / 2 + 1 = 14",
    ]


def test_trace_marks_the_failing_layer_and_exits_2(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - maxpool2d: 2\n  - maxpool2d: 2\n"
                    "  - conv2d: {out_channels: 4, kernel_size: 3}\n  - relu\n")
    result = _cli("analyze", str(spec), "--trace")
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("conv1 (conv2d): ERROR kernel 3x3 is larger than the padded "
                                "input 2x2")
    assert lines[-1] == "relu1 (relu): ? (an input above failed)"


def test_until_scope_and_typo():
    graph = load_file(ARCHITECTURES / "vgg16.yaml")
    cut = until(graph, "stage2")
    assert cut.nodes[-1].name.startswith("stage2.") and len(cut.outputs) == 1
    with pytest.raises(CnnCalcError, match="did you mean"):
        until(graph, "stage22")


def test_until_cli_prints_the_table_up_to_the_layer():
    result = _cli("analyze", "architectures/lenet5.yaml", "--until", "c3", "--format", "json")
    data = json.loads(result.stdout)
    assert [layer["name"] for layer in data["layers"]] == ["c1", "tanh1", "s2", "c3"]


def test_watch_reruns_when_the_file_changes(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers: [relu]\n")
    runs, naps = [], []

    def nap(_seconds: float) -> None:
        naps.append(1)
        if len(naps) == 2:  # the designer saves an edit between two polls
            import os

            stat = os.stat(spec)
            os.utime(spec, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    watch_file(str(spec), lambda: runs.append(spec.read_text()), runs=2, interval=0,
               sleep=nap)
    assert len(runs) == 2


def test_watch_cli_bounded(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers: [relu]\n")
    result = _cli("analyze", str(spec), "--watch", "--watch-runs", "1", "--format", "csv")
    assert result.returncode == 0 and "relu1" in result.stdout


def test_explain_cli_layer_in_a_network():
    result = _cli("explain", "architectures/alexnet.yaml", "--layer", "conv1", "--layout", "hwc")
    assert result.returncode == 0
    lines = [line.strip() for line in result.stdout.splitlines()]
    # (227 - 11)/4 + 1 = 55; 11*11*3*96 = 34,848; 55*55*96*363 = 105,415,200
    assert "H: (227 - 11) / 4 + 1 = 55" in lines
    assert "weights = k_h * k_w * C_in * C_out = 11 * 11 * 3 * 96 = 34,848" in lines
    assert ("MACs = H_out * W_out * C_out * k_h * k_w * C_in = 55 * 55 * 96 * 11 * 11 * 3 = "
            "105,415,200") in lines


def test_explain_same_padding_at_stride_2_shows_tensorflows_rule():
    graph = load_spec("input: [3, 224, 224]\nlayers:\n"
                      "  - conv2d: {out_channels: 8, kernel_size: 3, stride: 2, "
                      "padding: same}\n", "net.yaml")
    from cnncalc.engine import propagate

    (step,) = list(propagate(graph))
    lines = [line.text for line in step.node.unit.explain(step.result)]
    # ceil(224/2) = 112; (112 - 1)*2 + 3 - 224 = 1 -> 0 before, 1 after;
    # (224 + 0 + 1 - 3)/2 + 1 = 112
    assert ("H: padding 'same': out = ceil(224 / 2) = 112; total = max((112 - 1)*2 + 3 - 224, "
            "0) = 1 -> 0 before, 1 after (the odd pixel goes after, TensorFlow's rule)") in lines
    assert "H: (224 + 0 + 1 - 3) / 2 + 1 = 112" in lines


# -- check: answer files and a class folder -----------------------------------------------------

def test_example_assignment_scores():
    # Bob: c1 params (biases forgotten), c3 MACs (FLOPs), c5 params, B1 (padding ignored),
    # B3 (55 instead of floor 54), B5 unanswered, B6 (biases), B7 (13 instead of 14):
    # 8 of 21 wrong
    ada = check_file(str(EXAMPLE / "submissions" / "ada.yaml"))
    bob = check_file(str(EXAMPLE / "submissions" / "bob.yaml"))
    assert (ada.right, ada.total) == (21, 21)
    assert (bob.right, bob.total) == (13, 21)
    notes = {f"{m.item} {m.field}": m.note for m in bob.marks if m.note}
    assert notes == {
        "c1 params": "that is the weight count; params add the 6 biases",
        "c3 macs": "that is the FLOP count, 2 x MACs",
        "c5 params": "that is the weight count; params add the 120 biases",
        "question B1 output": "that is the size without the padding 2",
        "question B2 output": "written CHW, channels first; the file says hwc",
        "question B3 output": "that is the division rounded up, ceil; the formula rounds it down, "
                              "floor",
        "question B7 output": "that is the size without the output_padding 1",
        "question B5 macs": "not answered",
        "question B6 params": "that is the weight count; params add the 100 biases",
    }


def test_folder_gives_a_csv_of_scores():
    result = _cli("check", "examples/assignment/submissions")
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["student"], r["right"], r["total"], r["percent"]) for r in rows] == [
        ("Ada Lovelace", "21", "21", "100.0"), ("Bob Student", "13", "21", "61.9")]


def test_check_json_for_graders():
    result = _cli("check", "examples/assignment/submissions/bob.yaml", "--format", "json")
    data = json.loads(result.stdout)
    assert data["schema"] == "cnncalc.check/1" and (data["right"], data["total"]) == (13, 21)
    wrong = next(m for m in data["marks"] if m["item"] == "c1" and m["field"] == "params")
    assert wrong["work"] == ["weights = k_h * k_w * C_in * C_out = 5 * 5 * 1 * 6 = 150",
                             "biases = C_out = 6",
                             "params = weights + biases = 150 + 6 = 156"]


def test_blank_sheet_is_all_unanswered():
    result = check_file(str(EXAMPLE / "assignment.yaml"))
    assert result.right == 0 and all(m.note == "not answered" for m in result.marks)


@pytest.mark.parametrize(("text", "message"), [
    ("questions:\n  - conv: {input: 32x32x3, filters: 6, kernel: 5}\n    parms: 456\n",
     "answers.yaml:3:5: unknown answer field 'parms' (did you mean 'params'?); answers can "
     "give: output, weights, biases, params, macs, flops"),
    ("questions:\n  - conv: {input: 32x32x3, filters: 6, kernal: 5}\n    params: 456\n",
     "answers.yaml:2:40: unknown conv setting 'kernal' (did you mean 'kernel'?); conv takes: "
     "input, filters, kernel, stride, padding, dilation, groups, bias"),
    (f"spec: {ARCHITECTURES / 'lenet5.yaml'}\nanswers:\n  c33: {{params: 1}}\n",
     f"answers.yaml:3:3: 'c33' is not a layer of {ARCHITECTURES / 'lenet5.yaml'} (did you mean "
     "'c3'?)"),
    ("student: x\n", "answers.yaml:1:1: the answer file has neither 'answers' (with 'spec') nor "
     "'questions'"),
    ("questions:\n  - conv: {input: 32x32x3, filters: 6, kernel: 5}\n    params: lots\n",
     "answers.yaml:3:13: expected a whole number like 61706 or 61,706, got 'lots'"),
])
def test_answer_file_mistakes_are_located(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answers.yaml").write_text(text)
    with pytest.raises(CnnCalcError) as info:
        check_file("answers.yaml")
    assert str(info.value) == message


def test_dominant_dense_layer_warning_looks_through_dropout():
    from cnncalc.diagnose import diagnose

    found = diagnose(load_file(ARCHITECTURES / "alexnet.yaml"))
    # fc6: 9,216*4,096 + 4,096 = 37,752,832 of 62,378,344 (60.5%);
    # after global pooling: 256*4,096 + 4,096 = 1,052,672
    assert found.ok and [w.message for w in found.warnings] == [
        "this dense layer holds 37,752,832 of the 62,378,344 parameters (61%), from 9,216 "
        "inputs; global_avgpool instead of the flatten of 256x6x6 would give it 256 inputs and "
        "1,052,672 parameters"]


def test_trace_of_an_inception_module_adds_the_branch_widths():
    # GoogLeNet 3a (reference.md): 64 + 128 + 32 + 32 = 256 channels at 28x28
    lines = trace_lines(load_file(ARCHITECTURES / "inception_module.yaml"))
    assert "    C: 64 + 128 + 32 + 32 = 256" in lines
