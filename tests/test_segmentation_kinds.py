"""The kinds of issue 12's segmentation work, against figures worked out by hand: the
locally-connected convolution (CS231n's AlexNet conv1 without parameter sharing), pixel
(un)shuffle, ``interpolate`` with ``size_of`` (another layer as an extra input), and rows with
no module (``functional``)."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from click.testing import CliRunner
from helpers import run

from cnncalc.cli import main
from cnncalc.errors import CnnCalcError
from cnncalc.render.json import report_dict


def only(report, kind):
    (row,) = [r for r in report.rows if r.kind == kind]
    return row


# -- local_conv ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["local_conv2d", "locally_connected2d", "local_conv"])
def test_alexnet_conv1_without_parameter_sharing_has_105_million_parameters(kind):
    # CS231n: 55*55 positions, each with 96 filters of 11*11*3 weights and one bias each
    report = run(f"""
        input: [3, 227, 227]
        layers:
          - {kind}: {{out_channels: 96, kernel_size: 11, stride: 4}}
        """)
    row = only(report, "local_conv2d")
    assert row.output_shape == (96, 55, 55)
    assert row.params == 55 * 55 * 96 * (11 * 11 * 3 + 1) == 105_705_600
    # the arithmetic is a convolution's: one MAC per weight
    assert row.macs == 55 * 55 * 96 * 11 * 11 * 3 == 105_415_200
    assert row.other_ops == 55 * 55 * 96          # one bias add per output


def test_local_conv_counts_per_position_in_1d_and_3d():
    report = run("""
        input: [2, 10]
        layers:
          - local_conv: {out_channels: 4, kernel_size: 3, bias: false}
          - local_conv: {out_channels: 1, kernel_size: 2, stride: 2, padding: same}
        """)
    first, second = report.rows
    assert (first.output_shape, first.params, first.macs) == ((4, 8), 8 * 4 * 3 * 2, 192)
    # same at stride 2 (TensorFlow's rule): ceil(8 / 2) = 4 positions
    assert (second.output_shape, second.params) == ((1, 4), 4 * (1 * 2 * 4) + 4)
    cube = only(run("""
        input: [1, 4, 4, 4]
        layers: [local_conv3d: {out_channels: 2, kernel_size: 2}]
        """), "local_conv3d")
    assert (cube.output_shape, cube.params) == ((2, 3, 3, 3), 27 * 2 * 8 + 27 * 2)


def test_local_conv_takes_no_groups_and_explains_its_weights():
    with pytest.raises(CnnCalcError, match="unknown argument 'groups'"):
        run("input: [4, 8, 8]\nlayers: [local_conv2d: {out_channels: 4, kernel_size: 3, "
            "groups: 2}]\n")
    from cnncalc import load_spec
    from cnncalc.engine import propagate

    graph = load_spec("input: [8, 16, 16]\nlayers: [local_conv2d: {out_channels: 4, "
                      "kernel_size: 3}]\n")
    (step,) = propagate(graph)
    text = "\n".join(map(str, step.node.unit.explain(step.result)))
    assert "weights = H_out * W_out * C_out * k_h * k_w * C_in" in text
    assert "= 14 * 14 * 4 * 3 * 3 * 8 = 56,448" in text
    assert "biases = H_out * W_out * C_out = 14 * 14 * 4 = 784" in text
    assert "params = weights + biases = 56,448 + 784 = 57,232" in text


# -- pixel_shuffle / pixel_unshuffle ------------------------------------------------------------

def test_pixel_shuffle_and_unshuffle_move_values_only():
    report = run("""
        input: [3, 12, 8]
        layers:
          - pixel_unshuffle: 2
          - pixel_shuffle: {upscale_factor: 2}
          - conv2d: {out_channels: 18, kernel_size: 3, padding: 1}
          - pixel_shuffle: 3
        """)
    shapes = [r.output_shape for r in report.rows]
    assert shapes == [(12, 6, 4), (3, 12, 8), (18, 12, 8), (2, 36, 24)]
    assert [(r.params, r.macs, r.other_ops) for r in report.rows if "shuffle" in r.kind] == \
        [(0, 0, 0)] * 3
    # unshuffle reads a 2x2 block per output: a window of 2, stride 2; shuffle only spreads
    assert report.rows[0].receptive_field == (2, 2)


@pytest.mark.parametrize(("text", "message"), [
    ("input: [6, 4, 4]\nlayers: [pixel_shuffle: 2]\n",
     "6 channels are not divisible by upscale_factor^2 = 2*2 = 4"),
    ("input: [3, 5, 6]\nlayers: [pixel_unshuffle: 2]\n",
     "the image 5x6 is not divisible by downscale_factor 2"),
    ("input: [4, 6]\nlayers: [pixel_shuffle: 2]\n", "works on a [C, H, W] image"),
    ("input: [4, 2, 6, 6]\nlayers: [pixel_unshuffle: 2]\n", "works on a [C, H, W] image"),
])
def test_pixel_shuffle_refuses_what_torch_refuses(text, message):
    with pytest.raises(CnnCalcError, match=re.escape(message)):
        run(text)


@pytest.mark.parametrize(("layer", "fix"), [
    ("pixel_shuffle: 2", "the layer before must give a multiple of 4 channels: "
                         "out_channels: 8 or out_channels: 4"),
    ("pixel_unshuffle: 4", "zeropad: [0, 1, 0, 1] before it makes 16x16, divisible by 4"),
])
def test_check_spec_suggests_a_fix_and_goes_on(tmp_path, layer, fix):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 15, 15]\nlayers:\n  - conv2d: {out_channels: 6, kernel_size: 3,"
                    f" padding: 1}}\n  - {layer}\n  - conv2d: {{out_channels: 2, "
                    "kernel_size: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check-spec", str(spec)])
    assert result.exit_code == 2
    assert fix in result.output, result.output
    assert "checking goes on assuming" in result.output


# -- interpolate: size_of -----------------------------------------------------------------------

HEAD = """
    input: [3, 64, 48]
    layers:
      - conv2d: {name: stem, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
      - conv2d: {name: deep, out_channels: 4, kernel_size: 3, stride: 2, padding: 1}
      - interpolate: {size_of: stem, mode: bilinear, align_corners: false}
      - interpolate: input
    """


def test_interpolate_resizes_to_the_size_of_a_named_layer_or_the_input():
    report = run(HEAD)
    first, second = report.rows[2:]
    assert first.output_shape == (4, 32, 24) and second.output_shape == (4, 64, 48)
    assert first.inputs == ("deep", "stem") and second.inputs == ("interpolate1", "input")
    assert first.functional and second.functional and not report.rows[0].functional
    # the size comes from stem; the pixels (and the receptive field) from deep alone
    assert first.receptive_field == report.rows[1].receptive_field == (7, 7)
    wider = run(HEAD.replace("[3, 64, 48]", "[3, 100, 30]"))
    assert wider.rows[-1].output_shape == (4, 100, 30)


@pytest.mark.parametrize(("layer", "message"), [
    ("interpolate: {size_of: stme}", "'size_of: stme' names no earlier layer (did you mean "
                                     "'stem'?)"),
    ("interpolate: {size_of: stem, size: 4}", "give exactly one of 'size_of', 'size' and "
                                              "'scale_factor' (got size_of, size)"),
    ("interpolate: {scale_factor: 2, align_corners: true}",
     "align_corners works with the linear modes"),
    ("interpolate: {size_of: flat}", "size_of: flat gives 8, which has 0 spatial axes"),
    ("interpolate: {size: 4, mode: trilinear}", "mode 'trilinear' works on 3 spatial axes"),
])
def test_interpolate_refuses_with_one_located_line(layer, message):
    text = ("input: [3, 8, 8]\nlayers:\n  - conv2d: {name: stem, out_channels: 2, "
            "kernel_size: 1}\n  - {name: flat, from: input, layers: [flatten, "
            "linear: 8]}\n  - {from: stem, " + layer + "}\n")
    with pytest.raises(CnnCalcError) as info:
        run(text)
    assert message in str(info.value)
    assert str(info.value).startswith("spec.yaml:")


# -- functional rows ----------------------------------------------------------------------------

def test_a_functional_row_is_shown_and_says_it_has_no_module():
    report = run("""
        input: [3, 8, 8]
        layers:
          - conv2d: {out_channels: 4, kernel_size: 3}
          - relu: {functional: true}
          - {add: [[], [relu]], functional: true}
          - flatten
        """)
    assert [r.functional for r in report.rows] == [False, True, False, True, False]
    layers = report_dict(report)["layers"]
    assert [layer.get("functional") for layer in layers] == [None, True, None, True, None]
    grouped = report_dict(report, depth=0)["layers"]
    assert all("functional" not in layer or layer["kind"] != "group" for layer in grouped)
    from cnncalc.render.table import to_table

    table = to_table(report)
    assert "relu (no module)" in table and "add (no module)" in table
    assert "flatten (no module)" not in table


@pytest.mark.parametrize(("text", "message"), [
    ("  - relu: {functional: yes please}\n", "'functional' must be true or false"),
    ("  - {repeat: 2, layers: [relu], functional: true}\n", "not a group of layers"),
    ("  - {twice: 1, functional: true}\n", "'twice' is a block"),
])
def test_functional_is_checked(text, message):
    spec = ("input: [3, 8, 8]\nblocks:\n  twice: {args: [x], layers: [relu, relu]}\n"
            "layers:\n" + text)
    with pytest.raises(CnnCalcError, match=message):
        run(spec)


def test_json_marks_only_the_rows_with_no_module():
    result = CliRunner().invoke(main, ["analyze", "mobilenet_v3_small", "-f", "json"])
    assert result.exit_code == 0, result.output
    layers = json.loads(result.output)["layers"]
    marked = {layer["kind"] for layer in layers if layer.get("functional")}
    assert marked == {"add", "multiply", "flatten"}


@pytest.mark.torch
def test_export_writes_the_new_kinds_and_the_extra_input():
    torch = pytest.importorskip("torch")
    from cnncalc import load_spec
    from cnncalc.torch.export import to_pytorch

    text = HEAD.replace("      - interpolate: input\n", "      - interpolate: input\n"
                        "      - local_conv2d: {out_channels: 2, kernel_size: 3, padding: 1}\n"
                        "      - pixel_unshuffle: 2\n")
    source = to_pytorch(load_spec(textwrap.dedent(text), "spec.yaml"))
    assert "interpolate1 = self.interpolate1(deep, stem)" in source
    namespace: dict = {}
    exec(compile(source, "exported.py", "exec"), namespace)  # noqa: S102
    net = namespace["Net"]().eval()
    with torch.no_grad():
        out = net(torch.randn(1, 3, 64, 48))
    assert tuple(out.shape) == (1, 8, 32, 24)
    assert sum(p.numel() for p in net.parameters()) == namespace["PARAMETERS"]


@pytest.mark.torch
@pytest.mark.parametrize("spec", ["mobilenet_v3_large", "mobilenet_v3_small", "fcn_resnet50",
                                  "deeplabv3_resnet50", "deeplabv3_mobilenet_v3_large",
                                  "lraspp_mobilenet_v3_large"])
def test_verify_agrees_on_every_layer(spec):
    """``cnncalc verify`` on the new zoo files (the torch-backend tests glob the top folder
    only; the segmentation networks are in a sub-folder)."""
    pytest.importorskip("torch")
    from helpers import zoo_graph

    from cnncalc.torch import verify

    assert verify(zoo_graph(spec)).ok
