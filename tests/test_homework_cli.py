"""The homework commands as a demanding new user meets them: strict size flags, the two-size
note, warnings printed once, one-line usage errors, explain on broken specs and block scopes,
and the handout wording of --explain."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES, ROOT

from cnncalc.cli import main
from cnncalc.errors import CnnCalcError
from cnncalc.homework import layer_answer, parse_ints, parse_sizes


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, prog_name="cnncalc")


def one_line_error(result, *parts: str) -> str:
    """The result is a user error: exit 2, nothing on stdout, one ``error:`` line on stderr
    (containing ``parts``); returns that line."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in parts:
        assert part in lines[0]
    return lines[0]


# -- 1. sizes are read strictly -----------------------------------------------------------------

@pytest.mark.parametrize(("flag", "value"), [
    ("--input", "32xx32x3"), ("--input", "x32x32x3"), ("--input", "32x"),
    ("--input", "32,32,3,"), ("--input", "32 32 3"), ("--input", "[32x32x3"),
    ("--kernel", "5x"), ("--kernel", "x5"), ("--kernel", "5,,3"), ("--stride", "x2"),
    ("--stride", "2x-1"), ("--padding", "1x"), ("--dilation", "2xx2"),
])
def test_malformed_sizes_are_refused_naming_flag_and_value(flag, value):
    args = {"--input": "32x32x3", "--filters": "8", "--kernel": "3", flag: value}
    result = invoke("conv", *[x for kv in args.items() for x in kv])
    line = one_line_error(result, flag, repr(value))
    assert line.startswith(f"error: {flag}: cannot read")


@pytest.mark.parametrize(("text", "sizes"), [
    ("32x32x3", (32, 32, 3)), ("3,224,224", (3, 224, 224)), ("[3, 224, 224]", (3, 224, 224)),
    ("(5, 3)", (5, 3)), ("32 x 32 x 3", (32, 32, 3)), (" 7 ", (7,)), ("28\u00d728", (28, 28)),
])
def test_well_formed_sizes_are_read(text, sizes):
    assert parse_sizes(text, "--input") == sizes


def test_parse_ints_keeps_one_number_a_number():
    assert parse_ints("5", "--kernel") == 5 and parse_ints("5x3", "--kernel") == (5, 3)
    with pytest.raises(CnnCalcError, match="--kernel: cannot read '5x'"):
        parse_ints("5x", "--kernel")


def test_the_same_strictness_holds_for_pool_deconv_and_analyze():
    one_line_error(invoke("pool", "--input", "28x28x6", "--kernel", "2x"), "--kernel", "'2x'")
    one_line_error(invoke("deconv", "--input", "7x7x8", "--filters", "4", "--kernel", "3",
                          "--output-padding", "1x"), "--output-padding")
    one_line_error(invoke("analyze", str(ARCHITECTURES / "vgg16.yaml"), "--input", "3,,224"),
                   "--input", "'3,,224'")


# -- 2. two sizes -------------------------------------------------------------------------------

def test_two_sizes_say_how_they_were_read():
    result = invoke("conv", "--input", "28x28", "--filters", "8", "--kernel", "3")
    assert result.exit_code == 0
    assert result.stderr == (
        "note: 28x28 is read as a 1-D signal of length 28 with 28 channels (L x C); for a 28x28 "
        "grey image write 28x28x1; pass --layout hwc (L x C) or --layout chw (C x L) to say "
        "the 1-D reading is meant\n")
    assert "output shape  26x8 (L x C)" in result.stdout  # conv1d over 28 steps


def test_an_explicit_layout_or_a_dense_layer_needs_no_note():
    quiet = invoke("conv", "--input", "100x8", "--layout", "hwc", "--filters", "16",
                   "--kernel", "3")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    dense = invoke("dense", "--input", "28x28", "--units", "10")  # 784 either way
    assert dense.exit_code == 0 and dense.stderr == ""
    grey = invoke("conv", "--input", "28x28x1", "--filters", "6", "--kernel", "5")
    assert grey.stderr == "" and "output shape  24x24x6 (H x W x C)" in grey.stdout


# -- 3. warnings once ---------------------------------------------------------------------------

ASYMMETRIC = ("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3", "--padding",
              "same", "--stride", "2")


def test_asymmetric_same_warns_once_in_text():
    result = invoke(*ASYMMETRIC)
    assert result.exit_code == 0
    assert result.stderr.count("'same' padding is asymmetric") == 1
    assert "asymmetric" not in result.stdout


def test_json_warns_once_on_stderr_and_once_inside_as_analyze_does():
    result = invoke(*ASYMMETRIC, "--format", "json")
    data = json.loads(result.stdout)
    assert [w for w in data["warnings"] if "asymmetric" in w] == [data["warnings"][0]]
    assert len(data["warnings"]) == 1
    assert result.stderr.count("asymmetric") == 1
    # analyze: the same warning on stderr with --format json, and in its JSON warnings list
    spec = "input: [3, 32, 32]\nlayers:\n  - conv: {out_channels: 8, kernel_size: 3, " \
           "stride: 2, padding: same}\n"
    analyzed = invoke("analyze", "-", "-f", "json", input=spec)
    assert analyzed.stderr.count("asymmetric") == 1
    assert sum("asymmetric" in w for w in json.loads(analyzed.stdout)["warnings"]) == 1


def test_layer_answer_lists_each_warning_once():
    answer = layer_answer("conv", (32, 32, 3), "hwc",
                          {"out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "same"})
    assert len(answer.warnings) == len(set(answer.warnings)) == 1


# -- 5. click's usage errors are one line -------------------------------------------------------

@pytest.mark.parametrize(("args", "parts"), [
    (("conv", "--input", "32x32x3", "--filters", "6"), ("missing option '--kernel'",
                                                        "cnncalc conv --help")),
    (("conv", "--input", "32x32x3", "--filters", "-6", "--kernel", "3"), ("'--filters'", "-6")),
    (("analyze", str(ROOT / "architectures")), ("'SPEC'", "is a directory")),
    (("explain", str(ROOT / "architectures"), "--layer", "x"), ("is a directory",)),
    (("solve", "--op", "fft"), ("'fft'", "cnncalc solve --help")),
    (("conv", "--kernl", "3"), ("--kernl", "did you mean")),
    (("frobnicate",), ("no such command 'frobnicate'",)),
    (("--bogus",), ("no such option '--bogus'",)),
    (("check", "-f", "xml", "x.yaml"), ("'xml'",)),
])
def test_usage_errors_are_one_line_with_exit_2(args, parts):
    one_line_error(invoke(*args), *parts)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_usage_errors_are_one_line_from_the_real_entry_point():
    result = _cli("conv", "--input", "32x32x3", "--filters", "6")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "error: missing option '--kernel' (see 'cnncalc conv --help')\n"


def test_help_version_and_normal_exits_are_unchanged():
    assert invoke("--help").exit_code == 0
    assert invoke("conv", "--help").exit_code == 0 and "Examples:" in invoke("conv", "-h").stdout
    version = invoke("--version")
    assert version.exit_code == 0 and version.stdout.startswith("cnncalc, version ")
    assert invoke("conv", "--input", "32x32x3", "--filters", "6", "--kernel", "5").exit_code == 0
    none = invoke("solve", "--input", "32", "--output", "40", "--kernel", "3", "--padding", "?")
    assert none.exit_code == 1  # "none exists" keeps its own status
    bare = invoke()
    assert "Usage:" in bare.output and "Commands:" in bare.output  # a bare cnncalc shows help


def test_ctrl_c_still_aborts(monkeypatch):
    import cnncalc.cli.calc as calc

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(calc, "layer_answer", interrupted)
    result = invoke("conv", "--input", "32x32x3", "--filters", "6", "--kernel", "5")
    assert result.exit_code == 130 and result.stderr.strip() == ""  # README's exit table


# -- 6. a spec that is not a mapping ------------------------------------------------------------

def test_plain_string_spec_names_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "frank.yaml").write_text("frank\n")
    one_line_error(invoke("explain", "frank.yaml", "--layer", "x"), "frank.yaml:1:1: ")


# -- 7. explain around a broken layer, and block scopes -----------------------------------------

BROKEN = """\
input: [1, 28, 28]
layers:
  - conv: {out_channels: 6, kernel_size: 5, name: conv1}
  - conv: {out_channels: 16, kernel_size: 50, name: conv2}
  - flatten
  - dense: {out_features: 10, name: linear1}
"""


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    return str(path)


def test_explain_a_layer_after_a_broken_one_names_the_broken_one(broken):
    line = one_line_error(invoke("explain", broken, "--layer", "linear1"))
    assert line.startswith("error: cannot explain 'linear1', its input is unknown because an "
                           "earlier layer 'conv2' failed: ")
    assert "kernel 50x50 is larger than the padded input 24x24" in line


def test_explain_a_layer_before_a_broken_one_works(broken):
    result = invoke("explain", broken, "--layer", "conv1")
    assert result.exit_code == 0 and result.stderr == ""
    assert "  output shape: 6x24x24" in result.stdout.splitlines()


def test_explain_the_broken_layer_gives_its_own_error_and_still_explains_the_others(broken):
    result = invoke("explain", broken, "--layer", "conv1", "--layer", "conv2")
    assert result.exit_code == 2
    assert result.stdout.startswith("conv1 (conv)")
    (line,) = result.stderr.strip().splitlines()
    assert "in layer 'conv2' (conv): kernel 50x50" in line


def test_a_block_scope_explains_every_layer_inside_it():
    result = invoke("explain", str(ARCHITECTURES / "resnet18.yaml"), "--layer", "layer2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "layer2 (block): 16 layers, layer2.0.conv1 to layer2.1.relu1"
    headers = [line.split(" ")[0] for line in lines if line and not line.startswith(" ")][1:]
    assert len(headers) == 16 and all(h.startswith("layer2.") for h in headers)


def test_did_you_mean_prefers_names_with_the_typed_prefix():
    line = one_line_error(invoke("explain", str(ARCHITECTURES / "resnet18.yaml"), "--layer",
                                 "layer"))
    assert "(did you mean 'layer1', 'layer2', 'layer3', 'layer4', ...?)" in line
    typo = one_line_error(invoke("explain", str(ARCHITECTURES / "resnet18.yaml"), "--layer",
                                 "lyer2"))
    assert "did you mean 'layer2'?" in typo


def test_explain_prints_each_warning_once():
    spec = "input: [3, 32, 32]\nlayers:\n  - conv: {out_channels: 8, kernel_size: 3, " \
           "stride: 2, padding: same, name: c}\n"
    result = invoke("explain", "-", "--layer", "c", input=spec)
    assert result.exit_code == 0 and result.stdout.count("asymmetric") == 1


# -- 9 and 10. handout wording ------------------------------------------------------------------

def test_deconv_and_dense_explain_end_with_flops_as_conv_does():
    deconv = invoke("deconv", "--input", "7x7x128", "--filters", "64", "--kernel", "3",
                    "--stride", "2", "--padding", "1", "--output-padding", "1", "--explain")
    # MACs = 128 * 7 * 7 * 64 * 3 * 3 = 3,612,672; FLOPs = 2 * MACs = 7,225,344
    assert "  FLOPs = 2 * MACs = 7,225,344" in deconv.stdout.splitlines()
    dense = invoke("dense", "--input", "400", "--units", "120", "--explain")
    assert "  FLOPs = 2 * MACs = 96,000" in dense.stdout.splitlines()  # 2 * 400 * 120
    conv = invoke("conv", "--input", "32x32x3", "--filters", "6", "--kernel", "5", "--explain")
    assert conv.stdout.count("FLOPs = 2 * MACs") == 1  # not added twice


def test_stride_longer_than_the_kernel_says_it_skips_pixels():
    result = invoke("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "1", "--stride",
                    "2", "--explain")
    # (32 - 1)/2 + 1 = 16.5 -> 16: pixel 31 is never read, and so is every odd pixel
    assert ("  H: (32 - 1) / 2 + 1 = 16.5 -> floor -> 16, the last 1 pixel is never covered, "
            "and stride 2 > kernel 1 skips 1 of every 2 pixels") in result.stdout.splitlines()
    exact = invoke("conv", "--input", "33x33x3", "--filters", "8", "--kernel", "1", "--stride",
                   "2", "--explain")
    assert "  H: (33 - 1) / 2 + 1 = 17, stride 2 > kernel 1 skips 1 of every 2 pixels" in \
        exact.stdout.splitlines()
    covered = invoke("conv", "--input", "32x32x3", "--filters", "8", "--kernel", "3",
                     "--stride", "2", "--explain")
    assert "skips" not in covered.stdout
