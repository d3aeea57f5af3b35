"""Every figure of ../shared/reference.md (the source notes' worked examples), asserted.

Expected values are the notes' own numbers, checked by hand from the formulas; none was
produced by running cnncalc.
"""

from __future__ import annotations

import pytest
from helpers import ARCHITECTURES, row, run, shapes

from cnncalc import analyze_file
from cnncalc.formulas import conv_out, full_padding, same_padding


def spatial(report):
    return [r.output_shape for r in report.rows]


# -- convolution arithmetic --------------------------------------------------------------------

@pytest.mark.parametrize(("size", "kernel", "stride", "pad", "dilation", "expected"), [
    (32, 5, 1, 0, 1, 28),        # floor((32 - 5)/1 + 1)
    (227, 11, 4, 0, 1, 55),      # AlexNet conv1
    (224, 11, 4, 0, 1, 54),      # AlexNet at the paper's 224: floor(54.25)
    (7, 3, 2, 1, 1, 4),          # floor((7 + 2 - 3)/2 + 1)
    (10, 3, 1, 0, 2, 6),         # dilated: floor((10 - 2*2 - 1)/1 + 1)
    (5, 3, 2, 0, 1, 2),
])
def test_floor_output_size_formula(size, kernel, stride, pad, dilation, expected):
    assert conv_out(size, kernel, stride, pad, pad, dilation).size == expected


def test_padding_modes_valid_same_full():
    report = run("""
        input: [1, 10, 10]
        layers:
          - conv2d: {out_channels: 1, kernel_size: 3, padding: valid}
          - conv2d: {out_channels: 1, kernel_size: 3, padding: same}
          - conv2d: {out_channels: 1, kernel_size: 3, padding: full}
    """)
    assert spatial(report) == [(1, 8, 8), (1, 8, 8), (1, 10, 10)]
    assert same_padding(10, 3) == (1, 1) and full_padding(3) == 2


def test_non_square_kernels_and_a_time_series_kernel_spanning_all_variables():
    report = run("""
        input: [1, 12, 100]        # 12 variables x 100 time steps, one channel
        layers:
          - conv2d: {out_channels: 4, kernel_size: [1, 3]}
          - conv2d: {out_channels: 4, kernel_size: [3, 1]}
          - conv2d: {out_channels: 8, kernel_size: [10, 5], name: spans_all}
    """)
    assert spatial(report) == [(4, 12, 98), (4, 10, 98), (8, 1, 94)]


def test_dilation_spreads_the_kernel_and_widens_the_receptive_field():
    report = run("""
        input: [3, 64]
        layers:
          - conv1d: {out_channels: 8, kernel_size: 3, dilation: 1}
          - conv1d: {out_channels: 8, kernel_size: 3, dilation: 2}
          - conv1d: {out_channels: 8, kernel_size: 3, dilation: 4}
    """)
    assert [r.output_shape for r in report.rows] == [(8, 62), (8, 58), (8, 50)]
    assert [r.receptive_field for r in report.rows] == [(3,), (7,), (15,)]


@pytest.mark.parametrize(("inp", "kind", "out"), [
    ([2, 10], "conv1d", (4, 8)),
    ([2, 10, 10], "conv2d", (4, 8, 8)),
    ([2, 10, 10, 10], "conv3d", (4, 8, 8, 8)),
])
def test_conv1d_2d_3d_are_the_same_operation(inp, kind, out):
    report = run(f"""
        input: {inp}
        layers: [{kind}: {{out_channels: 4, kernel_size: 3}}]
    """)
    ndim = len(inp) - 1
    assert report.rows[0].output_shape == out
    assert report.totals.params == 4 * 2 * 3**ndim + 4


def test_conv2d_3_to_6_with_16x16_kernel_has_4614_parameters():
    report = run("""
        input: [3, 32, 32]
        layers: [conv2d: {out_channels: 6, kernel_size: 16}]
    """)
    assert report.totals.params == 16 * 16 * 3 * 6 + 6 == 4_614


def test_keras_layout_26x26x32_kernel_3x3x32x64_gives_24x24x64():
    report = run("""
        input_layout: hwc
        input: [26, 26, 32]
        layers: [conv2d: {filters: 64, kernel: 3}]
    """)
    assert report.rows[0].output_shape == (64, 24, 24)          # stored channels first
    from cnncalc.render.columns import shape_text
    assert shape_text(report.rows[0].output_shape, report) == "24 x 24 x 64"


def test_pooling_shrinks_height_and_width_never_channels_and_has_no_weights():
    report = run("""
        input: [16, 28, 28]
        layers: [maxpool2d: 2, avgpool2d: {kernel_size: 3, stride: 2}]
    """)
    assert spatial(report) == [(16, 14, 14), (16, 6, 6)]
    assert report.totals.params == 0


def test_average_pooling_is_a_strided_convolution_in_shape():
    pool = run("input: [5, 20, 20]\nlayers: [avgpool2d: {kernel_size: 4, stride: 3}]")
    conv = run("input: [5, 20, 20]\nlayers: [conv2d: {out_channels: 5, kernel_size: 4, "
               "stride: 3, groups: 5, bias: false}]")
    assert pool.rows[0].output_shape == conv.rows[0].output_shape == (5, 6, 6)


def test_one_by_one_convolution_changes_only_the_channel_count():
    report = run("input: [192, 28, 28]\nlayers: [conv2d: {out_channels: 32, kernel_size: 1}]")
    assert report.rows[0].output_shape == (32, 28, 28)


# -- classic networks ------------------------------------------------------------------------

def test_lenet5_modern_reading():
    report = analyze_file(ARCHITECTURES / "lenet5.yaml")
    assert [r.output_shape for r in report.rows if r.kind in ("conv2d", "avgpool2d",
                                                              "flatten", "linear")] == [
        (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,), (84,), (10,)]
    assert report.totals.params == 61_706


def test_lenet5_1998_original_per_layer():
    report = analyze_file(ARCHITECTURES / "lenet5_1998.yaml")
    per_layer = {name: row(report, name).params
                 for name in ("c1", "s2", "c3", "s4", "c5", "f6", "output")}
    assert per_layer == {"c1": 156, "s2": 12, "c3": 1_516, "s4": 32, "c5": 48_120,
                         "f6": 10_164, "output": 840}
    assert report.totals.params == 60_840
    assert row(report, "c3").output_shape == (16, 10, 10)


ALEXNET_SHAPES = [(96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13), (384, 13, 13),
                  (384, 13, 13), (256, 13, 13), (256, 6, 6), (9216,)]


@pytest.mark.parametrize(("spec", "params"), [("alexnet.yaml", 62_378_344),
                                               ("alexnet_2012.yaml", 60_965_224)])
def test_alexnet_single_tower_and_two_gpu_split(spec, params):
    report = analyze_file(ARCHITECTURES / spec)
    walk = [r.output_shape for r in report.rows
            if r.kind in ("conv2d", "maxpool2d", "flatten")]
    assert walk == ALEXNET_SHAPES
    assert report.totals.params == params


def test_alexnet_at_the_papers_224_input_is_explained():
    from cnncalc import analyze, load_file
    from cnncalc.record import replace

    graph = load_file(ARCHITECTURES / "alexnet.yaml")
    report = analyze(replace(graph, input_shape=(3, 224, 224)))
    got = shapes(report)
    assert got["conv1"] == (96, 54, 54)                  # floor((224 - 11)/4 + 1) = 54
    assert got["flatten1"] == (256 * 5 * 5,)              # everything downstream shifts
    assert any("conv1" in str(w) and "W loses 1 of 224" in str(w) for w in report.warnings)


def test_vgg16():
    report = analyze_file(ARCHITECTURES / "vgg16.yaml")
    assert report.rows[0].output_shape == (64, 224, 224)
    assert row(report, "stage5.maxpool1").output_shape == (512, 7, 7)
    assert report.totals.params == 138_357_544
    assert report.totals.macs == 15_470_264_320
    assert report.totals.flops == 2 * 15_470_264_320


def test_keras_cats_vs_dogs_convnet():
    report = analyze_file(ARCHITECTURES / "keras_cats_dogs.yaml")
    sizes = [r.output_shape[1] for r in report.rows if r.kind in ("conv2d", "maxpool2d")]
    assert sizes == [178, 89, 87, 43, 41, 20, 18, 9, 7]
    assert row(report, "flatten1").output_shape == (12_544,)
    assert report.totals.params == 991_041


# -- inception and the cost of a convolution -------------------------------------------------

def test_inception_module_3a():
    report = analyze_file(ARCHITECTURES / "inception_module.yaml")
    assert report.outputs[0][1] == (256, 28, 28)
    assert report.totals.params == 163_696


def test_cost_of_a_5x5_convolution_and_its_bottleneck():
    direct = run("""
        input: [192, 28, 28]
        layers: [conv2d: {out_channels: 32, kernel_size: 5, padding: same}]
    """)
    assert direct.totals.macs == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    bottleneck = run("""
        input: [192, 28, 28]
        layers:
          - conv2d: {out_channels: 16, kernel_size: 1, name: reduce}
          - conv2d: {out_channels: 32, kernel_size: 5, padding: same, name: conv}
    """)
    assert row(bottleneck, "reduce").macs == 2_408_448
    assert row(bottleneck, "conv").macs == 10_035_200
    assert bottleneck.totals.macs == 12_443_648


# -- residual networks -----------------------------------------------------------------------

def test_residual_blocks_identity_and_projection():
    report = analyze_file(ARCHITECTURES / "resnet_basic_block.yaml")
    assert row(report, "basic1.add1").output_shape == (64, 56, 56)
    assert row(report, "basic2.add1").output_shape == (128, 28, 28)
    # basic block: two 3x3 convs (no bias) + two batch norms; the projection adds 1x1 + BN
    identity_block = 2 * (64 * 64 * 9) + 2 * 2 * 64
    projection_block = 128 * 64 * 9 + 128 * 128 * 9 + 2 * 2 * 128 + 128 * 64 + 2 * 128
    assert report.totals.params == identity_block + projection_block
    assert report.totals.non_trainable == 2 * 64 * 2 + 2 * 128 * 3


def test_zero_padding_shortcut_has_no_weights():
    report = run("""
        input: [16, 32, 32]
        layers:
          - add:
              - [conv2d: {out_channels: 32, kernel_size: 3, stride: 2, padding: 1}]
              - [maxpool2d: {kernel_size: 1, stride: 2}, channel_pad: 32]
    """)
    assert report.outputs[0][1] == (32, 16, 16)
    assert report.totals.params == 32 * 16 * 9 + 32


def test_a_plain_network_is_the_residual_graph_without_the_adds():
    residual = run("""
        input: [8, 16, 16]
        blocks:
          block:
            add: [[conv2d: {out_channels: 8, kernel_size: 3, padding: 1}, relu,
                   conv2d: {out_channels: 8, kernel_size: 3, padding: 1}], [identity]]
            then: [relu]
        layers: [block, block, block]
    """)
    plain = run("""
        input: [8, 16, 16]
        layers:
          - repeat: 3
            layers: [conv2d: {out_channels: 8, kernel_size: 3, padding: 1}, relu,
                     conv2d: {out_channels: 8, kernel_size: 3, padding: 1}, relu]
    """)
    assert residual.totals.params == plain.totals.params
    assert residual.totals.macs == plain.totals.macs


# -- counting multiplications ----------------------------------------------------------------

def test_macs_are_one_per_weight_per_output_position_and_flops_twice_that():
    report = run("""
        input: [3, 8, 8]
        layers:
          - conv2d: {out_channels: 4, kernel_size: 3, groups: 1}
          - flatten
          - dense: 10
    """)
    conv_macs = 4 * 6 * 6 * 3 * 3 * 3
    dense_macs = 4 * 6 * 6 * 10
    assert [r.macs for r in report.rows] == [conv_macs, 0, dense_macs]
    assert report.totals.flops == 2 * (conv_macs + dense_macs)


def test_grouped_and_transposed_convolution_macs():
    grouped = run("input: [8, 10, 10]\nlayers: [conv2d: {out_channels: 16, kernel_size: 3, "
                  "groups: 4}]")
    assert grouped.totals.macs == 16 * 8 * 8 * (8 // 4) * 9
    transposed = run("input: [8, 7, 7]\nlayers: [conv_transpose2d: {out_channels: 4, "
                     "kernel_size: 2, stride: 2}]")
    assert transposed.rows[0].output_shape == (4, 14, 14)
    assert transposed.totals.macs == 8 * 7 * 7 * 4 * 4
