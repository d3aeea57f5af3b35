"""The spec language's rules (issue 10): one evaluation rule for every value, both block call
forms alike, computed names, ``$in``, spec-level args and ``--set``, ``use:``, functions, the
framework's rule for ``same``, and fixes that never change what a layer means. Each case is
the input that showed the problem; expected figures are worked out in the comments."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner
from helpers import run

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main


def cli(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def one_error_line(result, *needles: str) -> str:
    """The run ended in exactly one located 'error:' line and exit 2."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# -- 1. both call forms substitute -------------------------------------------------------------

BASIC = """
input: [8, 8, 8]
blocks:
  basic:
    args: {c: 8, project: false}
    add:
      - [conv2d: {out_channels: $c, kernel_size: 3, padding: 1, bias: false},
         conv2d: {out_channels: $c, kernel_size: 3, padding: 1, bias: false}]
      - when: $project
        then: [conv2d: {out_channels: $c, kernel_size: 1, bias: false}]
        else: [identity]
  stage:
    args: {project: false}
    layers: [CALL]
layers:
  - stage: {project: false}
"""


@pytest.mark.parametrize("call", ["basic: {c: 8, project: $project}", "basic: [8, $project]"])
def test_a_mapping_call_substitutes_like_a_list_call(call):
    """Two 3x3 convs 8->8 without bias on 8x8: 2 * 8*8*9 = 1,152 params, 1,152 * 64 = 73,728
    MACs. The projection (1,216 params, 77,824 MACs) must not appear: $project is false."""
    report = run(BASIC.replace("CALL", call))
    assert (report.totals.params, report.totals.macs) == (1_152, 73_728)
    assert not any(r.kind == "conv2d" and r.name.endswith("conv3") for r in report.rows)


def test_a_repeat_index_passed_in_a_mapping_is_substituted():
    report = run("""
        input: [4, 8, 8]
        blocks:
          widen:
            args: {k: 0}
            layers: [conv2d: {out_channels: 4 + $k, kernel_size: 1}]
        layers:
          - repeat: 3
            index: i
            layers: [widen: {k: $i}]
    """)
    assert [r.output_shape[0] for r in report.rows] == [4, 5, 6]


# -- 2. expressions never end in a traceback ---------------------------------------------------

@pytest.mark.parametrize(("value", "needle"), [
    ("max($act, 8)", "max() compares numbers, got the text 'relu'"),
    ("int($act)", "int() needs a number, got the text 'relu'"),
    ("round($c, 1, 2)", "round() takes a number and optionally the digits"),
    ("int(1e300 / 1e-300)", "which is too large"),
    ("8 if $act > 1 else 4", "'>' compares two numbers, got the text 'relu'"),
    ("-$act", "'-' needs a number, got the text 'relu'"),
    ("int('abc')", "int() needs a number"),
    ("min()", "min() needs at least one number"),
    ("max([])", "max() needs at least one number"),
    ("min(0, null)", "min() compares numbers, got null"),   # found by the fuzzer
    ("int(1e999)", "gives inf, which is not a number"),
    ("round($c, -10**9)", "digits must be a whole number from -15 to 15"),
    ("[1, 2] < 3", "'<' compares two numbers"),
    ("$c" + " + 1" * 400, "longer than the limit"),
    ("-" * 50_000 + "1", "longer than the limit"),
    ("-(" * 70 + "1" + ")" * 70, "nested too deeply"),
])
def test_a_bad_expression_is_one_located_line(tmp_path, value, needle):
    spec = tmp_path / "net.yaml"
    spec.write_text(textwrap.dedent(f"""\
        input: [3, 8, 8]
        blocks:
          b:
            args: {{act: relu, c: 8}}
            layers: [conv2d: {{out_channels: "{value}", kernel_size: 1}}]
        layers:
          - b
    """))
    for command in ("analyze", "check-spec"):
        line = one_error_line(cli(command, str(spec)), needle)
        assert line.startswith(f"error: {spec}:5:"), line


# -- 3. one rule: a value that is arithmetic is evaluated, wherever it is written ---------------

def test_arithmetic_without_a_dollar_is_arithmetic():
    report = run("""
        input: [3, 8, 8]
        blocks:
          t:
            args: [c]
            vars: {w: 4 * 8}
            layers: [conv2d: {out_channels: $c, kernel_size: 1},
                     conv2d: {out_channels: $w, kernel_size: 1}]
        layers:
          - conv2d: {out_channels: 4 * 8, kernel_size: 3, padding: 1}
          - repeat: 2 * 3
            layers: [relu]
          - t: (96 + 6 * 48) // 2
    """)
    assert report.rows[0].output_shape == (32, 8, 8)
    assert sum(r.kind == "relu" for r in report.rows) == 6
    assert [r.output_shape[0] for r in report.rows[-2:]] == [192, 32]


def test_text_with_a_bare_name_is_refused_at_its_line_with_the_fix():
    with pytest.raises(CnnCalcError) as info:
        load_spec("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4 * w, kernel_size: "
                  "1}\n", "net.yaml")
    message = str(info.value)
    assert message.startswith("net.yaml:3:28:")
    assert "'4 * w' is read as text because 'w' is not a variable" in message
    assert "write $w" in message


def test_check_spec_goes_on_after_text_and_after_arithmetic_alike():
    """'abc' is mended (goes on); '4 * 8' is simply 32: neither stops the check."""
    spec = ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: abc, kernel_size: 1}\n"
            "  - conv2d: {out_channels: 4 * 8, kernel_size: 1}\n  - flatten\n")
    result = cli("check-spec", "-", stdin=spec)
    assert result.exit_code == 2
    assert result.output.count("error:") == 1
    assert "'out_channels' must be an integer" in result.output
    assert "does NOT work: 1 error" in result.output


# -- 4. computed names -------------------------------------------------------------------------

def test_computed_names_read_like_regnet_module_paths():
    report = run("""
        input: [8, 8, 8]
        blocks:
          unit:
            args: [s, i]
            layers: [{name: "block{$s}-{$i + 1}", relu: {}}]
        layers:
          - name: trunk_output
            layers:
              - repeat: 2
                index: i
                layers: [unit: [3, $i]]
    """)
    assert [r.name for r in report.rows] == ["trunk_output.unit1.block3-1",
                                             "trunk_output.unit2.block3-2"]


def test_sequential_numbering_of_an_inline_block_gives_flat_features_paths():
    """torchvision's VGG-BN: features.0 (conv), features.1 (bn), features.2 (relu), ...;
    a block marked inline names its layers in the caller's scope."""
    report = run("""
        input: [3, 32, 32]
        blocks:
          cbr:
            inline: true
            args: [c]
            layers: [conv2d: {name: "{#}", out_channels: $c, kernel_size: 3, padding: 1},
                     batchnorm2d: {name: "{#}"}, relu: {name: "{#}"}]
        layers:
          - name: features
            layers: [cbr: 8, cbr: 8, maxpool2d: {name: "{#}", kernel_size: 2}, cbr: 16]
    """)
    assert [r.name for r in report.rows] == [f"features.{i}" for i in range(10)]
    assert report.rows[9].kind == "relu" and report.rows[7].output_shape == (16, 16, 16)


def test_a_dollar_outside_braces_in_a_name_is_refused_with_the_fix():
    with pytest.raises(CnnCalcError, match=r"writes each expression in braces, e\.g\. "
                                           r"'block\{\$s\}-\{\$i\}'"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - {name: block$s-$i, relu: {}}\n")


def test_a_written_name_is_still_checked_strictly():
    with pytest.raises(CnnCalcError, match="'name' must be a word without dots"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - {name: a.b, relu: {}}\n")
    with pytest.raises(CnnCalcError, match=r"must be a word without dots, got 'x\.1' "
                                           r"\(from 'x\.\{1\}'\)"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - {name: 'x.{1}', relu: {}}\n")


# -- 5. $in --------------------------------------------------------------------------------------

def test_a_densenet_transition_reads_the_incoming_channels():
    report = run("""
        input: [64, 16, 16]
        blocks:
          transition:
            layers: [conv2d: {out_channels: $in.channels // 2, kernel_size: 1, bias: false},
                     avgpool2d: 2]
        layers:
          - conv2d: {out_channels: 96, kernel_size: 1}
          - transition
          - transition
    """)
    assert [r.output_shape for r in report.rows] == [(96, 16, 16), (48, 16, 16), (48, 8, 8),
                                                     (24, 8, 8), (24, 4, 4)]


def test_in_knows_size_shape_and_layout():
    report = run("""
        input: [6, 10, 3]
        input_layout: hwc
        layers:
          - conv2d: {out_channels: $in.channels * 2, kernel_size: [$in.height, 1]}
          - conv2d: {out_channels: "$in.shape[2] + $in.width", kernel_size: 1}
    """)
    # rows are channels first: kernel 6x1 on 6x10 gives 1x10 with 3 * 2 channels
    assert report.rows[0].output_shape == (6, 1, 10)
    assert report.rows[1].output_shape == (16, 1, 10)  # $in.shape is [1, 10, 6] (hwc)


def test_in_is_refused_where_branches_meet_and_after_a_failure():
    with pytest.raises(CnnCalcError, match="several branches meet"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - concat: [[relu], [relu]]\n"
                  "    dim: $in.channels\n")
    with pytest.raises(CnnCalcError, match="layer 'conv1' before it fails"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 9}\n"
                  "  - conv2d: {out_channels: $in.channels, kernel_size: 1}\n")


# -- 6. args, --set, use:, functions -------------------------------------------------------------

FAMILY = """
name: a family
args: {width: 1.0, depth: 2}
vars: {c: "int(16 * $width)"}
variants: {family_small: {width: 0.5}}
input: [3, 8, 8]
layers:
  - repeat: $depth
    layers: [conv2d: {out_channels: $c, kernel_size: 3, padding: 1}]
"""


def test_spec_level_args_from_set_the_library_and_json(tmp_path):
    spec = tmp_path / "family.yaml"
    spec.write_text(FAMILY)
    default = run(FAMILY)
    assert [r.output_shape[0] for r in default.rows] == [16, 16]
    small = analyze(load_spec(FAMILY, settings={"width": 0.5, "depth": 3}))
    assert [r.output_shape[0] for r in small.rows] == [8, 8, 8]
    result = cli("analyze", str(spec), "--set", "width=0.5", "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["args"] == {"width": 0.5, "depth": 2}
    assert [layer["output_shape"][0] for layer in doc["layers"]] == [8, 8]


@pytest.mark.parametrize(("flags", "needle"), [
    (["--set", "widht=2"], "the spec has no argument 'widht' (did you mean 'width'?)"),
    (["--set", "width"], "--set takes NAME=VALUE"),
    (["--set", "depth=10**40"], "too large"),
    (["--set", "depth=[[[[1]]]]"], "'repeat' must be a whole number"),
    (["--set", "width=0.5", "--set", "width=1"], "--set width is given twice"),
    (["--set", "depth=" + "9" * 5000], "too long"),
])
def test_odd_set_values_are_one_line(tmp_path, flags, needle):
    spec = tmp_path / "family.yaml"
    spec.write_text(FAMILY)
    one_error_line(cli("analyze", str(spec), *flags), needle)


@pytest.mark.parametrize(("spec", "flag", "needle"), [
    ("convnext.yaml", "size=xl", "--set size=xl: size must be one of tiny, small, base, large"),
    ("efficientnet_v2.yaml", "size=xl", "--set size=xl: size must be one of s, m, l"),
    ("shufflenet_v2.yaml", "width=3", "--set width=3: width must be one of 0.5, 1.0, 1.5, 2.0"),
    ("video/video_resnet.yaml", "conv=foo", "conv must be one of r3d, mc3, r2plus1d"),
    ("mobilenet_v3.yaml", "small=3", "small must be one of false, true"),
])
def test_a_family_arg_outside_its_choices_is_one_line_naming_them(spec, flag, needle):
    """The family files pick their numbers by indexing a list with the arg: another value
    was an "index out of range" error, or with index -1 (efficientnet_v2) another member's
    figures. ``choices:`` refuses it where the allowed values are written."""
    from helpers import ARCHITECTURES

    result = cli("analyze", str(ARCHITECTURES / spec), "--set", flag)
    line = one_error_line(result, needle)
    assert f"{spec}:" in line and "index" not in line


CHOOSING = FAMILY.replace("variants:", "choices: {width: [0.5, 1.0], depth: [2, 3]}\nvariants:")


def test_choices_accept_the_listed_values_and_check_defaults_and_variants():
    assert [r.output_shape[0] for r in run(CHOOSING).rows] == [16, 16]
    small = analyze(load_spec(CHOOSING, settings={"width": 0.5, "depth": 3}))
    assert [r.output_shape[0] for r in small.rows] == [8, 8, 8]
    assert analyze(load_spec(CHOOSING, settings={"width": 1})).ok   # 1 == 1.0, as $width == 1.0
    cases = [
        (CHOOSING.replace("depth: 2}", "depth: 4}"), "the default depth: 4: depth must be one "
                                                     "of 2, 3"),
        (CHOOSING.replace("{width: 0.5}}", "{width: 0.25}}"), "variant 'family_small' sets "
                                                               "width: 0.25, but width must be"),
        (CHOOSING.replace("depth: [2, 3]", "deep: [2, 3]"), "choices names 'deep', which is not "
                                                            "one of the spec's args"),
        (CHOOSING.replace("depth: [2, 3]", "depth: []"), "choices of 'depth' must be a "
                                                         "non-empty list"),
        (CHOOSING.replace("{width: [0.5, 1.0], depth: [2, 3]}", "[width]"), "'choices' maps"),
    ]
    for text, needle in cases:
        with pytest.raises(CnnCalcError, match=None) as caught:
            load_spec(text, "family.yaml")
        assert needle in str(caught.value), str(caught.value)
        assert caught.value.pos is not None


def test_use_reads_blocks_and_functions_of_other_files(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "common.yaml").write_text(textwrap.dedent("""\
        functions:
          make_divisible:
            args: {v: null, divisor: 8, min_value: null}
            vars:
              low: "$divisor if $min_value is None else $min_value"
              new: "max($low, int($v + $divisor / 2) // $divisor * $divisor)"
            value: "$new + $divisor if $new < 0.9 * $v else $new"
        blocks:
          cbr:
            args: [c]
            layers: [conv2d: {out_channels: "make_divisible($c)", kernel_size: 1}, relu]
    """))
    (tmp_path / "net.yaml").write_text(textwrap.dedent("""\
        use: [lib/common.yaml]
        input: [3, 8, 8]
        layers: [cbr: 30, cbr: 36, cbr: 3, conv2d: {out_channels: "make_divisible(100, 16)",
                                                   kernel_size: 1}]
    """))
    report = analyze(load_spec((tmp_path / "net.yaml").read_text(), str(tmp_path / "net.yaml")))
    # torchvision's _make_divisible: 30 -> 32, 36 -> 40, 3 -> 8, (100, 16) -> 96 (>= 0.9 * 100)
    assert [r.output_shape[0] for r in report.rows if r.kind == "conv2d"] == [32, 40, 8, 96]


@pytest.mark.parametrize(("files", "needle"), [
    ({"net.yaml": "use: [net.yaml]\ninput: [3, 8, 8]\nlayers: [relu]\n"},
     "makes a cycle (net.yaml -> net.yaml)"),
    ({"net.yaml": "use: [a.yaml]\ninput: [3, 8, 8]\nlayers: [relu]\n",
      "a.yaml": "use: [net.yaml]\n"}, "makes a cycle (net.yaml -> a.yaml -> net.yaml)"),
    ({"net.yaml": "use: [missing.yaml]\ninput: [3, 8, 8]\nlayers: [relu]\n"},
     "no such file"),
    ({"net.yaml": "use: [/dev/zero]\ninput: [3, 8, 8]\nlayers: [relu]\n"},
     "is not a regular file"),
    ({"net.yaml": "use: [a.yaml]\ninput: [3, 8, 8]\nblocks: {b: {layers: [relu]}}\n"
                  "layers: [b]\n", "a.yaml": "blocks: {b: {layers: [relu]}}\n"},
     "block 'b' is defined twice"),
])
def test_use_refuses_cycles_missing_and_special_files(tmp_path, files, needle):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    line = one_error_line(cli("analyze", str(tmp_path / "net.yaml")), needle)
    assert ".yaml:1:" in line


def test_a_deep_use_chain_is_refused(tmp_path):
    for i in range(40):
        (tmp_path / f"f{i}.yaml").write_text(f"use: [f{i + 1}.yaml]\n")
    (tmp_path / "f40.yaml").write_text("blocks: {b: {layers: [relu]}}\n")
    (tmp_path / "net.yaml").write_text("use: [f0.yaml]\ninput: [3, 8, 8]\nlayers: [b]\n")
    one_error_line(cli("analyze", str(tmp_path / "net.yaml")), "chains more than 16 files deep")


@pytest.mark.parametrize(("functions", "value", "needle"), [
    ("{f: {args: [x], value: f($x)}}", "f(1)", "calls functions more than 32 deep"),
    ("{f: {args: [x], value: f($x) + f($x)}}", "f(1)", "calls functions more than 32 deep"),
    ("{f: {args: [x], value: $x + 1}}", "f()", "f() is missing argument 'x'"),
    ("{f: {args: [x], value: $y}}", "f(1)", "uses unknown variable $y"),
    ("{max: {args: [x], value: $x}}", "1", "'max' is a built-in function"),
    ("{f: {value: 1, arg: [x]}}", "1", "unknown key 'arg' (did you mean 'args'?)"),
])
def test_bad_functions_are_one_line(tmp_path, functions, value, needle):
    spec = tmp_path / "net.yaml"
    spec.write_text(f"functions: {functions}\ninput: [3, 8, 8]\n"
                    f"layers: [conv2d: {{out_channels: '{value}', kernel_size: 1}}]\n")
    one_error_line(cli("analyze", str(spec)), needle)


def test_regnet_width_quantization_as_torchvision_computes_it():
    """RegNetY-400MF: w_0 48, w_a 27.89, w_m 2.09, depth 16; torchvision's widths are
    48, 104, 208, 440 per stage (quantized to multiples of 8)."""
    report = run("""
        args: {w0: 48, wa: 27.89, wm: 2.09}
        functions:
          width:
            args: [j]
            vars: {k: "round(log(($j * $wa + $w0) / $w0) / log($wm))"}
            value: "int(round($w0 * $wm ** $k / 8) * 8)"
        input: [3, 8, 8]
        layers: [conv2d: {out_channels: width(0), kernel_size: 1},
                 conv2d: {out_channels: width(1), kernel_size: 1},
                 conv2d: {out_channels: width(4), kernel_size: 1},
                 conv2d: {out_channels: width(15), kernel_size: 1}]
    """)
    assert [r.output_shape[0] for r in report.rows] == [48, 104, 208, 440]


# -- 7. a fix never changes what a layer means -----------------------------------------------------

@pytest.mark.parametrize(("kind", "closest"), [("batchnorm_relu", "batchnorm"),
                                               ("transpose", "conv_transpose")])
def test_a_different_layer_is_named_not_mended(kind, closest):
    result = cli("check-spec", "-", stdin=f"input: [96, 56, 56]\nlayers: [{kind}]\n")
    line = one_error_line(result, f"unknown layer kind '{kind}'",
                          f"'{closest}', is a different layer")
    assert "fix:" not in result.output and "did you mean" not in line


# -- 8. padding 'same' at stride > 1: whose rule ---------------------------------------------------

SAME = "input: [3, 224, 224]\n{framework}layers: [conv2d: {{out_channels: 8, kernel_size: 3, " \
       "stride: 2, padding: same}}]\n"


def test_pytorch_refuses_same_at_stride_two_in_its_own_words(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(SAME.format(framework=""))
    one_error_line(cli("analyze", str(spec), "--framework", "pytorch"),
                   "padding='same' is not supported for strided convolutions")
    spec.write_text(SAME.format(framework="framework: pytorch\n"))
    one_error_line(cli("analyze", str(spec)), "padding='same' is not supported")


def test_keras_pads_asymmetrically_and_the_default_names_the_rule(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(SAME.format(framework="framework: keras\n"))
    keras = cli("analyze", str(spec), "-f", "json")
    assert keras.exit_code == 0
    assert "PyTorch refuses" not in keras.output
    spec.write_text(SAME.format(framework=""))
    default = cli("analyze", str(spec), "-f", "json")
    assert default.exit_code == 0
    assert "PyTorch refuses 'same' at stride > 1" in default.output
    doc = json.loads(default.stdout)
    assert doc["layers"][0]["output_shape"] == [8, 112, 112]   # ceil(224 / 2)


# -- 9. receptive field through a reshape ----------------------------------------------------------

def test_a_reshape_that_moves_pixels_ends_the_receptive_field():
    report = run("""
        input: [1, 32, 32]
        layers:
          - conv2d: {out_channels: 1, kernel_size: 3, padding: 1}
          - reshape: [1, 64, 16]
          - conv2d: {out_channels: 1, kernel_size: 3, padding: 1}
          - reshape: [1, 64, 16]
    """)
    assert report.rows[0].receptive_field == (3, 3)
    assert [r.receptive_field for r in report.rows[1:]] == [None, None, None]


# -- the zoo by name ------------------------------------------------------------------------------

def test_a_zoo_network_is_found_by_its_name():
    by_path = cli("analyze", "architectures/vgg16.yaml", "-f", "json")
    by_name = cli("analyze", "vgg16", "-f", "json")
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout)["totals"] == json.loads(by_path.stdout)["totals"]
    one_error_line(cli("analyze", "vgg61"), "no zoo network of that name (did you mean")


# -- Keras as written: activation= is its own row; framework: keras reads channels last ----------

KERAS_TYPED = """
name: cats vs dogs, typed from Chollet's book with Keras' names
framework: keras
input: [180, 180, 3]
layers:
  - Rescaling: {scale: 0.00392156862745098}
  - Conv2D: {filters: 32, kernel_size: 3, activation: relu}
  - MaxPooling2D: {pool_size: 2}
  - Conv2D: {filters: 64, kernel_size: 3, activation: relu}
  - MaxPooling2D: {pool_size: 2}
  - Conv2D: {filters: 128, kernel_size: 3, activation: relu}
  - MaxPooling2D: {pool_size: 2}
  - Conv2D: {filters: 256, kernel_size: 3, activation: relu}
  - MaxPooling2D: {pool_size: 2}
  - Conv2D: {filters: 256, kernel_size: 3, activation: relu}
  - Flatten
  - Dropout: {rate: 0.5}
  - Dense: {units: 1, activation: sigmoid}
"""


def test_keras_typed_yaml_gives_the_books_991041_with_no_error():
    result = cli("check-spec", "-", stdin=KERAS_TYPED)
    assert "error:" not in result.output and result.exit_code == 0, result.output
    report = run(KERAS_TYPED)
    assert report.totals.params == 991_041
    assert report.layout == "hwc" and report.input_shape == (3, 180, 180)
    assert [(r.name, r.kind) for r in report.rows[1:3]] == [("conv1", "conv2d"),
                                                           ("conv1_activation", "relu")]
    assert (report.rows[-1].name, report.rows[-1].kind) == ("dense1_activation", "sigmoid")


def test_keras_activation_layer_and_an_unknown_activation():
    report = run("input: [4, 8, 8]\nlayers: [Activation: relu, Activation: linear, "
                 "{Activation: {activation: softmax}}]\n")
    assert [r.kind for r in report.rows] == ["relu", "identity", "softmax"]
    with pytest.raises(CnnCalcError, match="activation 'relux' is not one cnncalc knows"):
        load_spec("input: [4, 8, 8]\nlayers: [conv2d: {out_channels: 4, kernel_size: 1, "
                  "activation: relux}]\n")


# -- found by the 100,000-example input fuzz: huge integers written in YAML ----------------------

def test_a_huge_integer_reaching_arithmetic_is_one_located_line():
    spec = ("input: [3, 8, 8]\nblocks:\n  b:\n    args: [c]\n    layers: [conv2d: "
            "{out_channels: 'int($c / 2.0)', kernel_size: 1}]\nlayers:\n  - b: " + "1" * 400 + "\n")
    with pytest.raises(CnnCalcError, match="gives a number with 400 digits, which is too large"):
        load_spec(spec, "net.yaml")


def test_worked_numbers_are_exact_past_the_float_range():
    from fractions import Fraction

    from cnncalc.worked import number

    assert number(Fraction(7, 2)) == "3.5"
    assert number(Fraction(-1, 8)) == "-0.125"
    assert number(Fraction(10**400 + 1, 4)) == f"{10**400 // 4:,}.25"


def test_check_spec_follows_the_framework_as_analyze_does(tmp_path):
    """The debugger runs the layers with the spec's framework too: before, check-spec said a
    strided 'same' conv works where analyze (framework: pytorch) refused it."""
    spec = tmp_path / "net.yaml"
    spec.write_text(SAME.format(framework="framework: pytorch\n"))
    for command in ("analyze", "check-spec"):
        one_error_line(cli(command, str(spec)), "padding='same' is not supported")
