"""The spec language: blocks, arithmetic, repeat, branches, conditions, references, naming,
side outputs, layouts. Expected figures are worked out by hand in each test."""

from __future__ import annotations

import pytest
from helpers import row, run, shapes

from cnncalc import CnnCalcError, load_spec
from cnncalc.expr import ExprError, evaluate


def test_terse_layers_and_scalar_shorthand():
    report = run("""
        input: [4, 8, 8]
        layers: [relu, maxpool2d: 2, flatten, dropout: 0.25, dense: 3]
    """)
    assert [r.kind for r in report.rows] == ["relu", "maxpool2d", "flatten", "dropout", "linear"]
    assert report.rows[-1].output_shape == (3,)
    assert report.totals.params == 4 * 4 * 4 * 3 + 3


def test_loose_spellings_of_kinds_are_the_same_kind():
    report = run("""
        input: [3, 8, 8]
        layers: [Conv2d: {out_channels: 2, kernel_size: 3}, BatchNorm2d, ReLU, MaxPool2d: 2]
    """)
    assert [r.kind for r in report.rows] == ["conv2d", "batchnorm2d", "relu", "maxpool2d"]


def test_rank_generic_conv_follows_its_input():
    report = run("""
        input: [2, 9]
        layers: [conv: {out_channels: 4, kernel_size: 3}, pool: 2, batchnorm]
    """)
    assert [r.output_shape for r in report.rows] == [(4, 7), (4, 3), (4, 3)]
    assert [r.kind for r in report.rows] == ["conv1d", "maxpool1d", "batchnorm1d"]


def test_rank_generic_kinds_are_reported_by_the_kind_that_ran():
    report = run("""
        input: [2, 6, 6, 6]
        layers: [conv: {out_channels: 4, kernel_size: 3}, avgpool: 2, zeropad: 1]
    """)
    assert [r.kind for r in report.rows] == ["conv3d", "avgpool3d", "zeropad3d"]


def test_repeat_unnamed_continues_the_scope_counters():
    report = run("""
        input: [3, 8, 8]
        layers:
          - repeat: 2
            layers: [conv2d: {out_channels: 4, kernel_size: 3, padding: 1}, relu]
    """)
    assert [r.name for r in report.rows] == ["conv1", "relu1", "conv2", "relu2"]


def test_named_repeat_of_a_block_reads_like_torchvision_module_paths():
    report = run("""
        input: [8, 8, 8]
        blocks:
          unit:
            args: {width: 8}
            layers: [conv2d: {out_channels: $width, kernel_size: 3, padding: 1, name: conv1},
                     relu: {name: relu}]
        layers:
          - name: layer3
            repeat: 3
            layers: [unit: {width: 8}]
    """)
    assert [r.name for r in report.rows][-2:] == ["layer3.2.conv1", "layer3.2.relu"]
    assert len(report.rows) == 6


def test_block_arithmetic_and_defaults():
    report = run("""
        input: [16, 8, 8]
        blocks:
          wide:
            args: {planes: 4, expansion: 4}
            layers: [conv2d: {out_channels: $planes * $expansion, kernel_size: 1}]
        layers: [wide, wide: {planes: 8}, wide: [2, 3]]
    """)
    assert [r.output_shape[0] for r in report.rows] == [16, 32, 6]
    assert [r.name for r in report.rows] == ["wide1.conv1", "wide2.conv1", "wide3.conv1"]


def test_concat_add_multiply_and_then():
    report = run("""
        input: [8, 6, 6]
        layers:
          - concat:
              - [conv2d: {out_channels: 2, kernel_size: 1}]
              - conv2d: {out_channels: 3, kernel_size: 3, padding: 1}
              - [identity]
            then: [relu]
          - add: [[identity], [conv2d: {out_channels: 13, kernel_size: 1}]]
          - multiply:
              - [identity]
              - [global_avgpool: {keepdims: true}, conv2d: {out_channels: 13, kernel_size: 1},
                 sigmoid]
    """)
    got = shapes(report)
    assert got["concat1"] == (2 + 3 + 8, 6, 6)
    assert got["relu1"] == (13, 6, 6)
    assert got["add1"] == (13, 6, 6)
    assert got["global_avgpool1"] == (13, 1, 1)
    assert got["multiply1"] == (13, 6, 6)


def test_when_then_else_picks_a_branch():
    text = """
        input: [4, 8, 8]
        blocks:
          maybe:
            args: {project: false}
            layers:
              - when: $project
                then: [conv2d: {out_channels: 6, kernel_size: 1}]
                else: [identity]
        layers: [maybe, maybe: {project: true}]
    """
    assert [r.kind for r in run(text).rows] == ["identity", "conv2d"]


def test_references_to_earlier_layers_build_non_nested_graphs():
    report = run("""
        input: [3, 16, 16]
        layers:
          - conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: enc}
          - maxpool2d: 2
          - conv_transpose2d: {out_channels: 8, kernel_size: 2, stride: 2, name: up}
          - concat: [[{from: enc}], [identity]]
          - conv2d: {out_channels: 4, kernel_size: 1, from: enc, name: side}
    """)
    assert row(report, "concat1").output_shape == (16, 16, 16)
    assert row(report, "concat1").inputs == ("enc", "identity1")
    assert row(report, "identity1").inputs == ("up",)
    assert row(report, "side").inputs == ("enc",)


def test_side_outputs_do_not_consume_the_stream_and_have_their_own_totals():
    report = run("""
        input: [4, 8, 8]
        layers:
          - conv2d: {out_channels: 4, kernel_size: 3, padding: 1, name: trunk}
          - name: aux
            output: true
            layers: [flatten, dense: 2]
          - flatten
          - dense: 3
    """)
    assert [n for n, _ in report.outputs] == ["dense1", "aux.dense1"]
    assert report.outputs[1][1] == (2,)
    aux_params = 4 * 8 * 8 * 2 + 2
    assert report.totals.params - report.totals_main.params == aux_params
    assert not row(report, "aux.dense1").on_main_path


def test_automatic_names_never_take_a_name_written_later():
    report = run("""
        input: [3, 8, 8]
        layers:
          - conv2d: {out_channels: 4, kernel_size: 1}
          - conv2d: {out_channels: 4, kernel_size: 1, name: conv1}
    """)
    assert [r.name for r in report.rows] == ["conv2", "conv1"]


def test_channels_last_layout_reads_and_prints_keras_shapes():
    from cnncalc.render.columns import shape_text
    report = run("""
        input_layout: hwc
        input: [32, 32, 3]
        layers: [conv2d: {filters: 6, kernel: 5}]
    """)
    assert report.input_shape == (3, 32, 32)
    assert shape_text(report.rows[0].output_shape, report) == "28 x 28 x 6"


def test_batch_prefixes_shapes_and_scales_costs_not_params():
    one = run("input: [3, 8, 8]\nlayers: [conv2d: {out_channels: 2, kernel_size: 3}]")
    four = run("input: [3, 8, 8]\nbatch: 4\nlayers: [conv2d: {out_channels: 2, kernel_size: 3}]")
    assert four.totals.params == one.totals.params
    assert four.totals.macs == 4 * one.totals.macs
    assert four.totals.activations == 4 * one.totals.activations


def test_same_padding_at_stride_two_follows_tensorflow_and_warns_when_asymmetric():
    report = run("input: [3, 224, 224]\nlayers: [conv2d: {out_channels: 8, kernel_size: 3, "
                 "stride: 2, padding: same}]")
    assert report.rows[0].output_shape == (8, 112, 112)
    assert any("asymmetric" in str(w) for w in report.warnings)


def test_causal_padding_keeps_the_length():
    report = run("input: [1, 50]\nlayers: [conv1d: {out_channels: 4, kernel_size: 3, "
                 "dilation: 4, padding: causal}]")
    assert report.rows[0].output_shape == (4, 50)


def test_written_in_channels_that_agree_are_accepted():
    report = run("input: [3, 8, 8]\nlayers: [conv2d: {in_channels: 3, out_channels: 2, "
                 "kernel_size: 3}]")
    assert report.totals.params == 2 * 3 * 9 + 2


def test_expressions():
    assert evaluate("$a * 4 + 1", {"a": 16}) == 65
    assert evaluate("$a // 3", {"a": 10}) == 3
    assert evaluate("max($a, 8)", {"a": 3}) == 8
    assert evaluate("$a if $b else 0", {"a": 5, "b": True}) == 5
    with pytest.raises(ExprError, match="not a whole number"):
        evaluate("$a / 3", {"a": 10})
    with pytest.raises(ExprError, match="unknown function .__import__"):
        evaluate("__import__('os')", {})
    with pytest.raises(ExprError, match="too large"):
        evaluate("$a * $a * $a * $a", {"a": 10**5})


def test_block_name_that_shadows_a_layer_kind_is_refused():
    with pytest.raises(CnnCalcError, match="already a layer kind"):
        load_spec("input: [3, 8, 8]\nblocks:\n  relu:\n    layers: [identity]\nlayers: [relu]\n")


def test_names_are_unique_in_a_scope():
    with pytest.raises(CnnCalcError, match="used twice"):
        load_spec("input: [3, 8, 8]\nlayers:\n  - relu: {name: a}\n  - relu: {name: a}\n")


def test_concat_joins_along_a_dim_written_beside_its_branches():
    # dim 2 of the sample [C, H, W] is W: 8 + 8 = 16
    report = run("""
        input: [3, 8, 8]
        layers:
          - concat: [[conv2d: {out_channels: 3, kernel_size: 1}], [identity]]
            dim: 2
    """)
    assert report.rows[-1].output_shape == (3, 8, 16)


def test_a_merge_refuses_arguments_it_does_not_take():
    with pytest.raises(CnnCalcError, match="got add, dim"):
        run("input: [3, 8, 8]\nlayers:\n  - add: [[identity], [identity]]\n    dim: 1\n")


def test_exponent_floats_without_a_dot_are_numbers():
    # YAML 1.1 reads 1e-5 as a string; PyTorch users write it that way
    graph = load_spec("input: [3, 8, 8]\nlayers:\n  - batchnorm2d: {eps: 1e-5}\n", "net.yaml")
    assert graph.nodes[0].args["eps"] == 1e-5


def test_an_empty_connection_table_is_refused_at_load():
    with pytest.raises(CnnCalcError, match="'table' lists no output map"):
        load_spec("input: [2, 5, 5]\nlayers:\n  - table_conv2d: {table: [], kernel_size: 3}\n",
                  "net.yaml")
