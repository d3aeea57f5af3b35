"""Every mistake a user can make ends in one located line; these messages are pinned.

Each case is a broken spec and the exact message cnncalc must print for it. The CLI test at
the end checks the contract around them: stderr, exit status 2, no traceback.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from cnncalc import CnnCalcError, analyze, load_spec

CASES = {
    "yaml_syntax": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3\n  - relu\n",
        "net.yaml:3:13: YAML syntax error: while parsing a flow mapping that starts here: did "
        "not find expected ',' or '}' (the parser gave up at line 5, column 1)"),
    "unknown_kind": (
        "input: [3, 32, 32]\nlayers:\n  - conv2: {out_channels: 8, kernel_size: 3}\n",
        "net.yaml:3:5: unknown layer kind 'conv2' (did you mean 'conv2d'?); 'cnncalc layers' "
        "lists them all"),
    "unknown_argument": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernal_size: 3}\n",
        "net.yaml:3:44: in layer 'conv1' (conv2d): unknown argument 'kernal_size' (did you mean "
        "'kernel_size'?); conv2d takes: out_channels, kernel_size, stride, padding, dilation, "
        "groups, bias, padding_mode, in_channels"),
    "missing_argument": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8}\n",
        "net.yaml:3:5: in layer 'conv1' (conv2d): missing required argument 'kernel_size'"),
    "wrong_type": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: eight, kernel_size: 3}\n",
        "net.yaml:3:28: in layer 'conv1' (conv2d): 'out_channels' must be an integer, got "
        "'eight'"),
    "non_integer_width": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8.5, kernel_size: 3}\n",
        "net.yaml:3:28: in layer 'conv1' (conv2d): 'out_channels' must be an integer, got 8.5"),
    "zero_channels": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 0, kernel_size: 3}\n",
        "net.yaml:3:28: in layer 'conv1' (conv2d): 'out_channels' must be positive, got 0"),
    "negative_input": (
        "input: [3, -32, 32]\nlayers:\n  - relu\n",
        "net.yaml:1:8: 'input' sizes must be positive, got [3, -32, 32]"),
    "stride_zero": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3, stride: 0}\n",
        "net.yaml:3:55: in layer 'conv1' (conv2d): 'stride' must be positive, got 0"),
    "groups_do_not_divide": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3, groups: 2}\n",
        "net.yaml:3:55: in layer 'conv1' (conv2d): groups=2 does not divide the 3 input "
        "channels"),
    "kernel_larger_than_input": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 5}\n"
        "  - maxpool2d: 2\n  - maxpool2d: 2\n  - maxpool2d: 2\n"
        "  - conv2d: {out_channels: 8, kernel_size: 5, name: conv3}\n",
        "net.yaml:7:44: in layer 'conv3' (conv2d): kernel 5x5 is larger than the padded input "
        "3x3; use a smaller kernel or padding >= 1"),
    "add_mismatch": (
        "input: [64, 56, 56]\nlayers:\n  - add:\n"
        "      - [conv2d: {out_channels: 128, kernel_size: 3, stride: 2, padding: 1}]\n"
        "      - [identity]\n",
        "net.yaml:3:5: in layer 'add1' (add): shapes differ: 128x28x28, 64x56x56; a projection "
        "conv: {out_channels: 128, kernel_size: 1, stride: 2} on the shortcut would give "
        "128x28x28"),
    "concat_mismatch": (
        "input: [64, 56, 56]\nlayers:\n  - concat:\n"
        "      - [conv2d: {out_channels: 32, kernel_size: 3}]\n"
        "      - [conv2d: {out_channels: 32, kernel_size: 3, padding: 1}]\n",
        "net.yaml:3:5: in layer 'concat1' (concat): inputs 32x54x54, 32x56x56 differ outside "
        "axis 0; all but the joined axis must match; crop or pad the larger input "
        "(center_crop, zeropad)"),
    "dense_without_flatten": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 16, kernel_size: 3}\n"
        "  - dense: 10\n",
        "net.yaml:4:5: in layer 'dense1' (linear): expects a flat input but got 16x30x30; add "
        "'- flatten' before it: flatten gives 14,400 features"),
    "in_channels_wrong": (
        "input: [3, 32, 32]\nlayers:\n"
        "  - conv2d: {in_channels: 1, out_channels: 16, kernel_size: 3}\n",
        "net.yaml:3:27: in layer 'conv1' (conv2d): in_channels is written as 1 but the input "
        "has 3 channels (3x32x32); write in_channels: 3 or leave it out (it is inferred)"),
    "in_features_wrong": (
        "input: [3, 32, 32]\nlayers:\n  - flatten\n"
        "  - linear: {in_features: 9216, out_features: 10}\n",
        "net.yaml:4:27: in layer 'linear1' (linear): in_features is written as 9,216 but the "
        "input has 3,072 features; write in_features: 3072 or leave it out"),
    "wrong_input_rank": (
        "input: [3, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3}\n",
        "net.yaml:3:5: in layer 'conv1' (conv2d): expects a 3-D input [C, H, W] but got 3x32 "
        "(2-D)"),
    "conv_after_flatten": (
        "input: [3, 32, 32]\nlayers:\n  - flatten\n  - conv2d: {out_channels: 8, kernel_size: 3}\n",
        "net.yaml:4:5: in layer 'conv1' (conv2d): expects a 3-D input [C, H, W] but got 3072 "
        "(1-D); it comes after a flatten or dense layer; move it before the flatten"),
    "padding_word_typo": (
        "input: [3, 32, 32]\nlayers:\n"
        "  - conv2d: {out_channels: 8, kernel_size: 3, padding: sme}\n",
        "net.yaml:3:56: in layer 'conv1' (conv2d): 'padding' must be an integer, a list of "
        "integers or one of valid, same, full, causal; got 'sme' (did you mean 'same'?)"),
    "unknown_top_level_key": (
        "inputs: [3, 32, 32]\nlayers: [relu]\n",
        "net.yaml:1:1: unknown top-level key 'inputs' (did you mean 'input'?); a spec has: name, "
        "input, input_layout, framework, batch, args, choices, vars, use, functions, blocks, "
        "layers, variants, "
        "description, reference"),
    "missing_input": (
        "layers: [relu]\n",
        "net.yaml:1:1: the spec needs an 'input' shape, e.g. 'input: [3, 224, 224]'"),
    "reference_typo": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3, name: stem}\n"
        "  - relu: {from: stme}\n",
        "net.yaml:4:18: 'from: stme' names no earlier layer (did you mean 'stem'?)"),
    "block_calls_itself": (
        "input: [3, 32, 32]\nblocks:\n  loop:\n    layers: [relu, loop]\nlayers: [loop]\n",
        "net.yaml:4:20: block 'loop' calls itself (loop -> loop)"),
    "huge_repeat": (
        "input: [3, 32, 32]\nlayers:\n  - repeat: 100000000\n    layers: [relu]\n",
        "net.yaml:3:13: repeat 100,000,000 is more than the limit of 10,000"),
    "python_tag": (
        "input: !!python/object/apply:os.system ['echo hi']\nlayers: [relu]\n",
        "net.yaml:1:8: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not "
        "allowed: specs are plain YAML"),
    "block_argument_typo": (
        "input: [3, 32, 32]\nblocks:\n  b:\n    args: [width]\n"
        "    layers: [conv2d: {out_channels: $width, kernel_size: 3}]\n"
        "layers:\n  - b: {widht: 8}\n",
        "net.yaml:7:8: block 'b' has no argument 'widht' (did you mean 'width'?); it takes: "
        "width"),
    "expression_variable_typo": (
        "input: [3, 32, 32]\nblocks:\n  b:\n    args: [width]\n"
        "    layers: [conv2d: {out_channels: $widht * 2, kernel_size: 3}]\nlayers:\n  - b: 8\n",
        "net.yaml:5:37: in 'b1.conv1': unknown variable $widht in '$widht * 2' (known: $width)"),
    "pool_padding_too_large": (
        "input: [3, 32, 32]\nlayers:\n  - maxpool2d: {kernel_size: 2, padding: 2}\n",
        "net.yaml:3:30: in layer 'maxpool1' (maxpool2d): padding 2 is more than half the kernel "
        "2 (input 3x32x32, kernel 2x2, padding 2x2)"),
    "output_padding_too_large": (
        "input: [3, 8, 8]\nlayers:\n"
        "  - conv_transpose2d: {out_channels: 3, kernel_size: 3, stride: 2, output_padding: 2}\n",
        "net.yaml:3:84: in layer 'conv_transpose1' (conv_transpose2d): output_padding 2 must be "
        "smaller than stride 2 or dilation 1"),
    "duplicate_key": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, out_channels: 16, "
        "kernel_size: 3}\n",
        "net.yaml:3:31: key 'out_channels' is written twice in the same mapping"),
    "probability_out_of_range": (
        "input: [3, 32, 32]\nlayers:\n  - dropout: 1.5\n",
        "net.yaml:3:14: in layer 'dropout1' (dropout): 'p' is a probability between 0 and 1, "
        "got 1.5"),
    "two_kinds_in_one_item": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3}\n"
        "    relu: null\n",
        "net.yaml:4:5: this item has keys conv2d, relu; a layer item has one layer kind or "
        "block as its key (plus name, from, output, functional)"),
    "per_axis_tuple_of_wrong_length": (
        "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: [3, 3, 3]}\n",
        "net.yaml:3:44: in layer 'conv1' (conv2d): 'kernel_size' has 3 values [3, 3, 3] but the "
        "input has 2 spatial axes"),
    "empty_file": ("", "net.yaml:1:1: the spec is empty"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pinned_message(case):
    text, message = CASES[case]
    with pytest.raises(CnnCalcError) as info:
        analyze(load_spec(text, "net.yaml"))
    assert str(info.value) == message


def test_alias_bomb_is_refused_quickly():
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    text = "\n".join(levels) + "\ninput: [3, 32, 32]\nlayers: [relu]\n"
    start = time.perf_counter()
    with pytest.raises(CnnCalcError, match="alias bomb"):
        load_spec(text, "bomb.yaml")
    assert time.perf_counter() - start < 30  # a guard against hanging, not a speed test


def test_self_referencing_anchor_is_refused():
    with pytest.raises(CnnCalcError, match="nested more than"):
        load_spec("input: [3, 8, 8]\nlayers: &l [relu, *l]\n", "loop.yaml")


def test_deep_nesting_is_refused():
    text = "input: [3, 8, 8]\nlayers: " + "[" * 200 + "relu" + "]" * 200 + "\n"
    with pytest.raises(CnnCalcError, match="nested more than"):
        load_spec(text, "deep.yaml")


def test_too_many_layers_is_refused():
    text = ("input: [3, 8, 8]\nlayers:\n  - repeat: 10000\n    layers:\n"
            "      - repeat: 10000\n        layers: [relu]\n")
    # 10**8 layers: the bound on expansion steps (100,000) stops it before the layer bound
    with pytest.raises(CnnCalcError, match="more than 100,000 (layers|steps).*refusing"):
        load_spec(text, "big.yaml")


def test_cli_prints_one_line_and_exits_2(tmp_path):
    spec = tmp_path / "broken.yaml"
    spec.write_text(CASES["dense_without_flatten"][0])
    result = subprocess.run([sys.executable, "-m", "cnncalc", "analyze", str(spec)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"error: {spec}:4:5: in layer 'dense1' (linear): expects a flat input but got 16x30x30;"
        " add '- flatten' before it: flatten gives 14,400 features"]
    assert "Traceback" not in result.stderr


def test_cli_missing_file(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cnncalc", "analyze",
                             str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_every_character_clean_escapes_is_one_isprintable_refuses():
    """``errors.clean`` returns printable text untouched without its pattern: that is right
    only while every unsafe character is non-printable."""
    import re

    from cnncalc.errors import _UNSAFE_CLASS, clean

    unsafe = re.compile(_UNSAFE_CLASS)
    assert not [hex(c) for c in range(0x110000) if unsafe.match(chr(c)) and chr(c).isprintable()]
    assert clean("a\nb\x1b[31m\u202e") == "a\\nb\\x1b[31m\\u202e" and clean("conv1") == "conv1"
