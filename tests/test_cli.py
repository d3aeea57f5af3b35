"""The command line: formats, options, files, stdin, and the layer listing."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from helpers import ARCHITECTURES

from cnncalc.cli import main

VGG = str(ARCHITECTURES / "vgg16.yaml")


def invoke(*args: str, input: str | None = None):
    """Run the CLI in-process; ``.stdout`` is the data, ``.stderr`` the diagnostics."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_analyze_table_prints_the_headline_figures():
    result = invoke("analyze", VGG)
    assert result.exit_code == 0
    assert "138,357,544" in result.stdout
    assert "15,470,264,320 (15.47 GMACs)" in result.stdout
    assert "FLOPs = 2 x MACs" in result.stdout


def test_json_is_the_stable_machine_interface():
    data = json.loads(invoke("analyze", VGG, "--format", "json").stdout)
    assert data["schema"] == "cnncalc.report/1"
    assert data["input"] == [3, 224, 224]
    assert data["totals"]["params"] == 138_357_544
    assert data["totals"]["macs"] == 15_470_264_320
    assert data["totals"]["flops"] == 2 * 15_470_264_320
    first = data["layers"][0]
    assert {"name", "kind", "output_shape", "params", "macs", "flops"} <= set(first)
    assert first["output_shape"] == [64, 224, 224]


def test_batch_adds_the_batch_axis_to_json_shapes():
    data = json.loads(invoke("analyze", VGG, "-f", "json", "--batch", "8").stdout)
    assert data["layers"][0]["output_shape"] == [8, 64, 224, 224]
    assert data["totals"]["macs"] == 8 * 15_470_264_320


def test_csv_rows_sum_to_the_total():
    rows = list(csv.DictReader(io.StringIO(invoke("analyze", VGG, "-f", "csv").stdout)))
    assert sum(int(r["params"]) for r in rows) == 138_357_544
    assert rows[0]["output_shape"] == "64x224x224"


def test_markdown_table():
    text = invoke("analyze", VGG, "-f", "markdown").stdout
    assert text.startswith("## VGG-16")
    assert "| Params (trainable) | 138,357,544 (138.36 M) |" in text


def test_output_file_is_written(tmp_path):
    target = tmp_path / "vgg.json"
    result = invoke("analyze", VGG, "-f", "json", "-o", str(target))
    assert result.stdout == ""
    assert json.loads(target.read_text())["totals"]["params"] == 138_357_544


def test_output_into_a_missing_folder_is_a_user_error(tmp_path):
    result = CliRunner().invoke(main, ["analyze", VGG, "-o", str(tmp_path / "no" / "x.txt")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_input_override_and_layout():
    alexnet = str(ARCHITECTURES / "alexnet.yaml")
    data = json.loads(invoke("analyze", alexnet, "-f", "json", "--input", "3,224,224").stdout)
    assert data["layers"][0]["output_shape"] == [96, 54, 54]
    hwc = invoke("analyze", alexnet, "--input", "224x224x3", "--layout", "hwc").stdout
    assert "54 x 54 x 96" in hwc


def test_depth_folds_blocks_into_one_row_each():
    text = invoke("analyze", VGG, "--depth", "0", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows][:5] == ["stage1", "stage2", "stage3", "stage4", "stage5"]
    assert sum(int(r["params"]) for r in rows) == 138_357_544


def test_spec_from_stdin():
    text = "input: [1, 28, 28]\nlayers: [flatten, dense: 10]\n"
    data = json.loads(invoke("analyze", "-", "-f", "json", input=text).stdout)
    assert data["totals"]["params"] == 7850
    assert data["source"] == "<stdin>"


def test_dtype_changes_memory_only():
    half = json.loads(invoke("analyze", VGG, "-f", "json", "--dtype", "float16").stdout)
    assert half["totals"]["param_bytes"] == 2 * 138_357_544


def test_warnings_go_to_stderr_not_stdout():
    runner = CliRunner()
    result = runner.invoke(main, ["analyze", str(ARCHITECTURES / "alexnet.yaml"), "-f", "json",
                                  "--input", "3,224,224"])
    json.loads(result.stdout)  # stdout stays clean data
    assert "W loses 1 of 224" in result.stderr


def test_bad_input_override_is_a_one_line_error():
    result = CliRunner().invoke(main, ["analyze", VGG, "--input", "3,abc"])
    assert result.exit_code == 2
    assert result.output.strip() == ("error: --input: cannot read '3,abc'; write whole numbers "
                                     "separated by single x or commas, like 32x32x3 or "
                                     "3,224,224")


def test_layers_listing_is_generated_from_the_registry():
    from cnncalc.layers import REGISTRY

    text = invoke("layers").stdout
    for name in REGISTRY:
        assert f"\n{name}" in "\n" + text
    data = json.loads(invoke("layers", "--format", "json").stdout)
    assert {d["name"] for d in data} == set(REGISTRY)
    conv = next(d for d in json.loads(invoke("layers", "conv2d", "-f", "json").stdout))
    assert conv["arguments"][0]["aliases"] == ["filters"]


def test_layers_unknown_name():
    result = CliRunner().invoke(main, ["layers", "maxpool2"])
    assert result.exit_code == 2
    assert "did you mean 'maxpool2d'" in result.output


def test_help_lists_the_commands():
    text = invoke("--help").stdout
    assert "analyze" in text and "layers" in text
