"""At least 40 broken specs, each pinned with the full check-spec output: every error with
its computed fixes, and every warning.

The numbers inside the messages were checked by hand (the arithmetic is in the comment
above each case); the wording is the contract users see.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from cnncalc.cli.debug import diagnosis_lines
from cnncalc.diagnose import diagnose
from cnncalc.errors import CnnCalcError
from cnncalc.spec import load_spec


def check_spec_lines(text: str) -> list[str]:
    """What `cnncalc check-spec` prints above its verdict (its own formatting and reading)."""
    try:
        found = diagnose(load_spec(textwrap.dedent(text).lstrip("\n"), "net.yaml",
                                   tolerant=True))
    except CnnCalcError as exc:
        return [f"error: {exc}"]
    return diagnosis_lines(found)

CASES = {
    # 32 -5+1-> 28 -/2-> 14 -5+1-> 10 -/2-> 5 < 7
    # at 40: 36, 18, 14, 7 -> 1; at 39: 35, 17, 13, 6 fails
    'kernel_larger_after_pools': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 16, kernel_size: 5}
          - maxpool2d: 2
          - conv2d: {out_channels: 32, kernel_size: 5}
          - maxpool2d: 2
          - conv2d: {out_channels: 64, kernel_size: 7}
        """,
        [
            "error: net.yaml:7:45: in layer 'conv3' (conv2d): kernel 7x7 is larger than the "
            'padded input 5x5; use a smaller kernel or padding >= 1',
            "  fix: its input 32x5x5 comes from 'maxpool2'",
            "  fix: the network up to 'conv3' needs an input of at least 3x40x40 (the spec has "
            '3x32x32)',
        ]),
    # 56 -> 54 -> 52 on the main path; (3 - 1)/2 = 1 keeps 56
    'residual_without_padding': (
        """
        input: [64, 56, 56]
        blocks:
          basic:
            add:
              - [conv2d: {out_channels: 64, kernel_size: 3}, relu,
                 conv2d: {out_channels: 64, kernel_size: 3}]
              - [identity]
        layers:
          - basic
        """,
        [
            "error: net.yaml:4:5: in layer 'basic1.add1' (add): shapes differ: 64x52x52, "
            '64x56x56',
            "  fix: padding: 1 on 'basic1.conv1' (line 5, kernel 3x3: (k - 1)/2 = 1); padding: "
            "1 on 'basic1.conv2' (line 6, kernel 3x3: (k - 1)/2 = 1) keeps 56x56 through the "
            'branch',
        ]),
    # (56 + 2 - 3)//2 + 1 = 28; 56/28 = 2
    'residual_strided_without_projection': (
        """
        input: [64, 56, 56]
        layers:
          - add:
              - [conv2d: {out_channels: 128, kernel_size: 3, stride: 2, padding: 1}, relu,
                 conv2d: {out_channels: 128, kernel_size: 3, padding: 1}]
              - [identity]
        """,
        [
            "error: net.yaml:3:5: in layer 'add1' (add): shapes differ: 128x28x28, 64x56x56; a "
            'projection conv: {out_channels: 128, kernel_size: 1, stride: 2} on the shortcut '
            'would give 128x28x28',
            "  fix: on the shortcut (from 'identity1' (line 6), 64x56x56) paste a projection: "
            'conv2d: {out_channels: 128, kernel_size: 1, stride: 2, bias: false} -> 128x28x28',
        ]),
    'residual_channels_only': (
        """
        input: [64, 28, 28]
        layers:
          - add:
              - [conv2d: {out_channels: 256, kernel_size: 1}]
              - [identity]
        """,
        [
            "error: net.yaml:3:5: in layer 'add1' (add): shapes differ: 256x28x28, 64x28x28; a "
            'projection conv: {out_channels: 256, kernel_size: 1, stride: 1} on the shortcut '
            'would give 256x28x28',
            '  fix: channels differ (256 vs 64): paste a projection on the branch from '
            "'identity1': conv2d: {out_channels: 256, kernel_size: 1}, or channel_pad: 256 (no "
            'weights)',
        ]),
    # 56 - 3 + 1 = 54; (56 - 54)/2 = 1 per side
    'concat_unpadded_branch': (
        """
        input: [64, 56, 56]
        layers:
          - concat:
              - [conv2d: {out_channels: 32, kernel_size: 3}]
              - [conv2d: {out_channels: 32, kernel_size: 3, padding: 1}]
        """,
        [
            "error: net.yaml:3:5: in layer 'concat1' (concat): inputs 32x54x54, 32x56x56 "
            'differ outside axis 0; all but the joined axis must match; crop or pad the larger '
            'input (center_crop, zeropad)',
            '  fix: crop the larger inputs: center_crop: 54 at the end of the branch from '
            "'conv2' (32x56x56 -> 32x54x54)",
            "  fix: or pad the smaller ones: zeropad: 1 at the end of the branch from 'conv1' "
            '(32x54x54 -> 32x56x56)',
            "  fix: or keep the size: padding: 1 on 'conv1' (line 4, kernel 3x3: (k - 1)/2 = "
            '1) keeps 56x56 through the branch',
        ]),
    # 16 * 30 * 30 = 14,400
    'dense_without_flatten': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 16, kernel_size: 3}
          - dense: 10
        """,
        [
            "error: net.yaml:4:5: in layer 'dense1' (linear): expects a flat input but got "
            "16x30x30; add '- flatten' before it: flatten gives 14,400 features",
            "  fix: paste '- flatten' on the line before 'dense1' (line 4): 16x30x30 -> 14,400 "
            'features (144,010 parameters)',
            "  fix: or, for a dense layer on the channels at every position (as in ConvNeXt's "
            "blocks): write 'conv2d: {out_channels: 10, kernel_size: 1}', which counts the same "
            '(170 parameters) on the 16x30x30 map; nn.Linear on this map as it is would act on its '
            'last axis (30) instead',
            "  fix: or, for nn.Linear on the last axis (30) at every position as PyTorch runs it: "
            "write in_features: 30 (310 parameters)",
        ]),
    # (12 - 3)//2 + 1 = 5 (covers 4*2 + 3 = 11 of 12); 256*5*5 = 6,400; 9,216 = 256*6*6
    'alexnet_head_at_224': (
        """
        input: [256, 12, 12]
        layers:
          - maxpool2d: {kernel_size: 3, stride: 2}
          - flatten
          - linear: {in_features: 9216, out_features: 4096}
        """,
        [
            "error: net.yaml:5:27: in layer 'linear1' (linear): in_features is written as "
            '9,216 but the input has 6,400 features; write in_features: 6400 or leave it out',
            "  fix: delete 'in_features: 9216' (cnncalc infers 6,400)",
            '  fix: 9,216 = 256 x 6 x 6: the layer expects a 6x6 map before the flatten but '
            'gets 5x5',
            "warning: net.yaml:3:5: in layer 'maxpool1' (maxpool2d): floor division leaves "
            'border pixels unread (H loses 1 of 12, W loses 1 of 12)',
        ]),
    # 28 -> 24 -> 12 -> 8 -> 4; 16*4*4 = 256; 400 = 16*5*5
    'lenet_in_features_on_mnist': (
        """
        input: [1, 28, 28]
        layers:
          - conv2d: {out_channels: 6, kernel_size: 5}
          - avgpool2d: 2
          - conv2d: {out_channels: 16, kernel_size: 5}
          - avgpool2d: 2
          - flatten
          - linear: {in_features: 400, out_features: 120}
        """,
        [
            "error: net.yaml:8:27: in layer 'linear1' (linear): in_features is written as 400 "
            'but the input has 256 features; write in_features: 256 or leave it out',
            "  fix: delete 'in_features: 400' (cnncalc infers 256)",
            '  fix: 400 = 16 x 5 x 5: the layer expects a 5x5 map before the flatten but gets '
            '4x4',
        ]),
    'in_channels_wrong': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 16, kernel_size: 3}
          - conv2d: {in_channels: 32, out_channels: 32, kernel_size: 3}
        """,
        [
            "error: net.yaml:4:27: in layer 'conv2' (conv2d): in_channels is written as 32 but "
            'the input has 16 channels (16x30x30); write in_channels: 16 or leave it out (it '
            'is inferred)',
            "  fix: delete 'in_channels: 32' (cnncalc infers 16)",
        ]),
    # 32 -> 30 -> 28 -> 14 -> conv3 (64 filters) 10 -> 5: the input of conv4 has 64 channels
    'stale_in_channels_after_edit': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 32, kernel_size: 3}
          - conv2d: {out_channels: 32, kernel_size: 3}
          - maxpool2d: 2
          - conv2d: {out_channels: 64, kernel_size: 5}
          - maxpool2d: 2
          - conv2d: {in_channels: 32, out_channels: 128, kernel_size: 3}
        """,
        [
            "error: net.yaml:8:27: in layer 'conv4' (conv2d): in_channels is written as 32 but "
            'the input has 64 channels (64x5x5); write in_channels: 64 or leave it out (it is '
            'inferred)',
            "  fix: delete 'in_channels: 32' (cnncalc infers 64)",
            "  fix: 32 is the width of 'conv2' (line 4); 'conv3' (line 6) changed it to 64",
        ]),
    # gcd(24, 36) = 12: divisors 1, 2, 3, 4, 6, 12
    'groups_do_not_divide': (
        """
        input: [24, 32, 32]
        layers:
          - conv2d: {out_channels: 36, kernel_size: 3, groups: 8}
        """,
        [
            "error: net.yaml:3:56: in layer 'conv1' (conv2d): groups=8 does not divide "
            'out_channels=36',
            '  fix: groups must divide both 24 input and 36 output channels: groups: 1, 2, 3, '
            '4, 6, 12 would work',
        ]),
    # gcd(32, 48) = 16: divisors 1, 2, 4, 8, 16
    'depthwise_out_not_divisible': (
        """
        input: [32, 16, 16]
        layers:
          - conv2d: {out_channels: 48, kernel_size: 3, padding: 1, groups: 32}
        """,
        [
            "error: net.yaml:3:68: in layer 'conv1' (conv2d): groups=32 does not divide "
            'out_channels=48',
            '  fix: groups must divide both 32 input and 48 output channels: groups: 1, 2, 4, '
            '8, 16 would work',
        ]),
    'conv_after_flatten': (
        """
        input: [3, 32, 32]
        layers:
          - flatten
          - conv2d: {out_channels: 8, kernel_size: 3}
        """,
        [
            "error: net.yaml:4:5: in layer 'conv1' (conv2d): expects a 3-D input [C, H, W] but "
            'got 3072 (1-D); it comes after a flatten or dense layer; move it before the flatten',
            "  fix: move '- flatten' (line 3) below 'conv1' and the other layers that need the "
            'image',
        ]),
    # a 4x4 window needs 4 pixels
    'pool_larger_than_input': (
        """
        input: [8, 3, 3]
        layers:
          - maxpool2d: 4
        """,
        [
            "error: net.yaml:3:16: in layer 'maxpool1' (maxpool2d): kernel 4 is larger than "
            'the padded input 3 (input 8x3x3, kernel 4x4, padding 0x0)',
            '  fix: its input 8x3x3 comes from the network input',
            "  fix: the network up to 'maxpool1' needs an input of at least 8x4x4 (the spec "
            'has 8x3x3)',
        ]),
    'pool_padding_more_than_half': (
        """
        input: [8, 16, 16]
        layers:
          - maxpool2d: {kernel_size: 3, padding: 2}
        """,
        [
            "error: net.yaml:3:30: in layer 'maxpool1' (maxpool2d): padding 2 is more than half "
            'the kernel 3 (input 8x16x16, kernel 3x3, padding 2x2)',
            '  fix: padding: 1 (a pool may pad at most half its window: 3 // 2 = 1), or '
            'kernel_size: 4 for padding 2',
        ]),
    # 16*5*5 = 400 = 16*25
    'reshape_wrong_size': (
        """
        input: [16, 5, 5]
        layers:
          - reshape: [16, 24]
        """,
        [
            "error: net.yaml:3:14: in layer 'reshape1' (reshape): cannot reshape 16x5x5 (400 "
            'values) to 16x24 (384 values)',
            '  fix: reshape: [16, 25] holds all 400 values of 16x5x5',
            '  fix: or let one axis be inferred: reshape: [16, -1]',
        ]),
    'output_padding_not_below_stride': (
        """
        input: [64, 7, 7]
        layers:
          - conv_transpose2d: {out_channels: 32, kernel_size: 3, stride: 2, output_padding: 2}
        """,
        [
            "error: net.yaml:3:85: in layer 'conv_transpose1' (conv_transpose2d): output_padding "
            '2 must be smaller than stride 2 or dilation 1',
            '  fix: output_padding must stay below the stride: output_padding: 0 gives 15x15, '
            'output_padding: 1 gives 16x16',
        ]),
    'crop_larger_than_input': (
        """
        input: [64, 56, 56]
        layers:
          - center_crop: 64
        """,
        [
            "error: net.yaml:3:18: in layer 'center_crop1' (center_crop): cannot crop 56x56 to "
            'the larger 64x64',
            '  fix: a crop only shrinks: to grow 56x56 to 64x64, write zeropad: 4 instead',
        ]),
    'conv1d_on_image': (
        """
        input: [3, 32, 32]
        layers:
          - conv1d: {out_channels: 8, kernel_size: 3}
        """,
        [
            "error: net.yaml:3:5: in layer 'conv1' (conv1d): expects a 2-D input [C, L] but "
            'got 3x32x32 (3-D)',
            "  fix: a 3x32x32 input needs conv2d; or write 'conv', which takes its rank from "
            'the input',
        ]),
    'conv3d_on_image': (
        """
        input: [3, 32, 32]
        layers:
          - conv3d: {out_channels: 8, kernel_size: 3}
        """,
        [
            "error: net.yaml:3:5: in layer 'conv1' (conv3d): expects a 4-D input [C, D, H, W] "
            'but got 3x32x32 (3-D)',
            "  fix: a 3x32x32 input needs conv2d; or write 'conv', which takes its rank from "
            'the input',
        ]),
    'kernel_tuple_wrong_length': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 8, kernel_size: [3, 3, 3]}
        """,
        [
            "error: net.yaml:3:44: in layer 'conv1' (conv2d): 'kernel_size' has 3 values [3, 3, "
            '3] but the input has 2 spatial axes',
            '  fix: kernel_size: [3, 3] (one value per spatial axis: H, W), or one number for all'
            ' of them',
        ]),
    'se_block_wrong_channels': (
        """
        input: [64, 28, 28]
        layers:
          - multiply:
              - [identity]
              - [global_avgpool: {keepdims: true}, conv2d: {out_channels: 4, kernel_size: 1}, relu,
                 conv2d: {out_channels: 32, kernel_size: 1}, sigmoid]
        """,
        [
            "error: net.yaml:3:5: in layer 'multiply1' (multiply): shapes differ: 64x28x28, "
            '32x1x1',
            "  fix: out_channels: 64 on 'conv2' (line 6) gives the branch 64 channels like the "
            'main path (now 32)',
        ]),
    # effective kernel 4*(3 - 1) + 1 = 9
    'dilated_kernel_too_large': (
        """
        input: [1, 8, 8]
        layers:
          - conv2d: {out_channels: 4, kernel_size: 3, dilation: 4}
        """,
        [
            "error: net.yaml:3:44: in layer 'conv1' (conv2d): kernel 3x3 is larger than the "
            'padded input 8x8 (dilated kernel 9 (kernel 3, dilation 4) is larger than the '
            'padded input 8); use a smaller kernel or padding >= 1',
            '  fix: its input 1x8x8 comes from the network input',
            "  fix: the network up to 'conv1' needs an input of at least 1x9x9 (the spec has "
            '1x8x8)',
        ]),
    'unknown_kind_typo': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 8, kernel_size: 3}
          - maxpol2d: 2
        """,
        [
            "error: net.yaml:4:5: unknown layer kind 'maxpol2d' (did you mean 'maxpool2d'?); "
            "'cnncalc layers' lists them all",
            "  fix: maxpool2d instead of maxpol2d",
            "  note: checking goes on with maxpool2d",
        ]),
    'unknown_argument_typo': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 8, kernal_size: 3}
        """,
        [
            "error: net.yaml:3:44: in layer 'conv1' (conv2d): unknown argument 'kernal_size' "
            "(did you mean 'kernel_size'?); conv2d takes: out_channels, kernel_size, stride, "
            'padding, dilation, groups, bias, padding_mode, in_channels',
            "  fix: kernel_size: 3 instead of kernal_size: 3",
            "  note: checking goes on with kernel_size: 3",
        ]),
    'padding_word_typo': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 8, kernel_size: 3, padding: smae}
        """,
        [
            "error: net.yaml:3:56: in layer 'conv1' (conv2d): 'padding' must be an integer, a "
            "list of integers or one of valid, same, full, causal; got 'smae' (did you mean "
            "'same'?)",
            "  fix: padding: same instead of padding: smae",
            "  note: checking goes on with padding: same",
        ]),
    'gap_then_wrong_in_features': (
        """
        input: [512, 7, 7]
        layers:
          - global_avgpool
          - linear: {in_features: 2048, out_features: 1000}
        """,
        [
            "error: net.yaml:4:27: in layer 'linear1' (linear): in_features is written as "
            '2,048 but the input has 512 features; write in_features: 512 or leave it out',
            "  fix: delete 'in_features: 2048' (cnncalc infers 512)",
        ]),
    # (56 - 1)//1 + 1 = 56 with stride 1
    'shortcut_strided_main_not': (
        """
        input: [64, 56, 56]
        layers:
          - add:
              - [conv2d: {out_channels: 128, kernel_size: 3, padding: 1}]
              - [conv2d: {out_channels: 128, kernel_size: 1, stride: 2}]
        """,
        [
            "error: net.yaml:3:5: in layer 'add1' (add): shapes differ: 128x56x56, 128x28x28",
            "  fix: stride: 1 on 'conv2' (line 5) makes it give 56x56 (solved from its size "
            'formula)',
        ]),
    # 28 - 5 + 1 = 24; (28 - 24)/2 = 2 per side; (5 - 1)/2 = 2
    'inception_branch_without_same': (
        """
        input: [192, 28, 28]
        layers:
          - concat:
              - [conv2d: {out_channels: 64, kernel_size: 1}]
              - [conv2d: {out_channels: 96, kernel_size: 1},
                 conv2d: {out_channels: 128, kernel_size: 3, padding: 1}]
              - [conv2d: {out_channels: 16, kernel_size: 1},
                 conv2d: {out_channels: 32, kernel_size: 5}]
              - [maxpool2d: {kernel_size: 3, stride: 1, padding: 1},
                 conv2d: {out_channels: 32, kernel_size: 1}]
        """,
        [
            "error: net.yaml:3:5: in layer 'concat1' (concat): inputs 64x28x28, 128x28x28, "
            '32x24x24, 32x28x28 differ outside axis 0; all but the joined axis must match; '
            'crop or pad the larger input (center_crop, zeropad)',
            '  fix: crop the larger inputs: center_crop: 24 at the end of the branch from '
            "'conv1' (64x28x28 -> 64x24x24); center_crop: 24 at the end of the branch from "
            "'conv3' (128x28x28 -> 128x24x24); center_crop: 24 at the end of the branch from "
            "'conv6' (32x28x28 -> 32x24x24)",
            "  fix: or pad the smaller ones: zeropad: 2 at the end of the branch from 'conv5' "
            '(32x24x24 -> 32x28x28)',
            "  fix: or keep the size: padding: 2 on 'conv5' (line 8, kernel 5x5: (k - 1)/2 = "
            '2) keeps 28x28 through the branch',
        ]),
    # 572 -> 570 -> 568 (enc1); 284 -> 282 -> 280 -> x2 = 560; (568 - 560)/2 = 4
    'unet_skip_without_crop': (
        """
        input: [1, 572, 572]
        layers:
          - conv2d: {out_channels: 64, kernel_size: 3, name: enc1a}
          - conv2d: {out_channels: 64, kernel_size: 3, name: enc1}
          - maxpool2d: 2
          - conv2d: {out_channels: 128, kernel_size: 3}
          - conv2d: {out_channels: 128, kernel_size: 3}
          - conv_transpose2d: {out_channels: 64, kernel_size: 2, stride: 2, name: up1}
          - concat:
              - [{from: enc1}]
              - [{from: up1}]
        """,
        [
            "error: net.yaml:9:5: in layer 'concat1' (concat): inputs 64x568x568, 64x560x560 "
            'differ outside axis 0; all but the joined axis must match; crop or pad the larger '
            'input (center_crop, zeropad)',
            '  fix: crop the larger inputs: center_crop: 560 at the end of the branch from '
            "'enc1' (64x568x568 -> 64x560x560)",
            "  fix: or pad the smaller ones: zeropad: 4 at the end of the branch from 'up1' "
            '(64x560x560 -> 64x568x568)',
            "  fix: or keep the size: padding: 1 on 'conv1' (line 6, kernel 3x3: (k - 1)/2 = "
            "1); padding: 1 on 'conv2' (line 7, kernel 3x3: (k - 1)/2 = 1) keeps 284x284 "
            'through the branch',
        ]),
    'flatten_batch_axis': (
        """
        input: [3, 32, 32]
        layers:
          - flatten: {start_dim: 0}
        """,
        [
            "error: net.yaml:3:26: in layer 'flatten1' (flatten): cannot flatten axes 0..-1 of a "
            '4-D tensor (batch included); the batch axis 0 stays',
            "  fix: a plain '- flatten' (start_dim: 1, end_dim: -1) keeps the batch axis and "
            'gives 3,072 features',
        ]),
    'causal_on_image': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 8, kernel_size: 3, padding: causal}
        """,
        [
            "error: net.yaml:3:56: in layer 'conv1' (conv2d): padding 'causal' is only defined "
            'for 1-D inputs',
            "  fix: padding: same keeps 32x32 ('causal' pads only the past of a 1-D sequence)",
        ]),
    # 64 -> 62 -> 60 vs 64: checking goes on with the fix (64 kept); (64 + 2 - 3)//2 + 1 = 32;
    # 32 - 5 + 1 = 28 (both cropped to it); 28//2 = 14; 32*14*14 = 6,272
    'three_problems_in_one_run': (
        """
        input: [3, 64, 64]
        blocks:
          res:
            args: [c]
            add:
              - [conv2d: {out_channels: $c, kernel_size: 3}, relu,
                 conv2d: {out_channels: $c, kernel_size: 3}]
              - [identity]
        layers:
          - conv2d: {out_channels: 32, kernel_size: 3, padding: 1}
          - res: 32
          - conv2d: {out_channels: 64, kernel_size: 3, stride: 2, padding: 1}
          - concat:
              - [conv2d: {out_channels: 16, kernel_size: 5}]
              - [conv2d: {out_channels: 16, kernel_size: 3, padding: 1}]
          - maxpool2d: 2
          - flatten
          - linear: {in_features: 9216, out_features: 10}
        """,
        [
            "error: net.yaml:4:5: in layer 'res1.add1' (add): shapes differ: 32x60x60, 32x64x64",
            "  fix: padding: 1 on 'res1.conv1' (line 6, kernel 3x3: (k - 1)/2 = 1); padding: 1 "
            "on 'res1.conv2' (line 7, kernel 3x3: (k - 1)/2 = 1) keeps 64x64 through the branch",
            "  note: checking goes on assuming 'res1.add1' gives 32x64x64 (the main path padded "
            'as above)',
            "error: net.yaml:13:5: in layer 'concat1' (concat): inputs 16x28x28, 16x32x32 "
            'differ outside axis 0; all but the joined axis must match; crop or pad the larger '
            'input (center_crop, zeropad)',
            '  fix: crop the larger inputs: center_crop: 28 at the end of the branch from '
            "'conv4' (16x32x32 -> 16x28x28)",
            "  fix: or pad the smaller ones: zeropad: 2 at the end of the branch from 'conv3' "
            '(16x28x28 -> 16x32x32)',
            "  fix: or keep the size: padding: 2 on 'conv3' (line 14, kernel 5x5: (k - 1)/2 = "
            '2) keeps 32x32 through the branch',
            "  note: checking goes on assuming 'concat1' gives 32x28x28 (its inputs cropped to "
            'the smallest)',
            "error: net.yaml:18:27: in layer 'linear1' (linear): in_features is written as "
            '9,216 but the input has 6,272 features; write in_features: 6272 or leave it out',
            "  fix: delete 'in_features: 9216' (cnncalc infers 6,272)",
        ]),
    # assumed 64x5x5: 64*5*5 = 1,600
    'forgot_flatten_and_kernel_too_large': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 16, kernel_size: 5}
          - maxpool2d: 2
          - conv2d: {out_channels: 32, kernel_size: 5}
          - maxpool2d: 2
          - conv2d: {out_channels: 64, kernel_size: 7}
          - linear: 10
        """,
        [
            "error: net.yaml:7:45: in layer 'conv3' (conv2d): kernel 7x7 is larger than the padded "
            'input 5x5; use a smaller kernel or padding >= 1',
            "  fix: its input 32x5x5 comes from 'maxpool2'",
            "  fix: the network up to 'conv3' needs an input of at least 3x40x40 (the spec has "
            '3x32x32)',
            "  note: checking goes on assuming 'conv3' gives 64x5x5 (as if padding: same)",
            "error: net.yaml:8:5: in layer 'linear1' (linear): expects a flat input but got 64x5x5;"
            " add '- flatten' before it: flatten gives 1,600 features",
            "  fix: paste '- flatten' on the line before 'linear1' (line 8): 64x5x5 -> 1,600 "
            'features (16,010 parameters)',
            "  fix: or, for a dense layer on the channels at every position (as in ConvNeXt's "
            "blocks): write 'conv2d: {out_channels: 10, kernel_size: 1}', which counts the same "
            '(650 parameters) on the 64x5x5 map; nn.Linear on this map as it is would act on its '
            'last axis (5) instead',
            "  fix: or, for nn.Linear on the last axis (5) at every position as PyTorch runs it: "
            "write in_features: 5 (60 parameters)",
        ]),
    # (224 - 11)/4 + 1 = 54.25 -> 54 covers 53*4 + 11 = 223 of 224
    # (54 - 3)/2 + 1 = 26.5 -> 26 covers 25*2 + 3 = 53 of 54
    'alexnet_at_224_floor_warning': (
        """
        input: [3, 224, 224]
        layers:
          - conv2d: {out_channels: 96, kernel_size: 11, stride: 4, name: conv1}
          - maxpool2d: {kernel_size: 3, stride: 2, name: pool1}
        """,
        [
            "warning: net.yaml:3:5: in layer 'conv1' (conv2d): floor division leaves border "
            'pixels unread (H loses 1 of 224, W loses 1 of 224)',
            "warning: net.yaml:4:5: in layer 'pool1' (maxpool2d): floor division leaves border "
            'pixels unread (H loses 1 of 54, W loses 1 of 54)',
        ]),
    # stride 3, window 2: 1 pixel of every 3 unread
    'stride_larger_than_kernel': (
        """
        input: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 8, kernel_size: 2, stride: 3}
        """,
        [
            "warning: net.yaml:3:5: in layer 'conv1' (conv2d): stride is larger than the "
            'kernel, so windows skip pixels (H: stride 3 > window 2, 1 of every 3 pixels '
            'unread, W: stride 3 > window 2, 1 of every 3 pixels unread)',
        ]),
    'pool_stride_larger_than_kernel': (
        """
        input: [8, 30, 30]
        layers:
          - maxpool2d: {kernel_size: 2, stride: 3}
        """,
        [
            "warning: net.yaml:3:5: in layer 'maxpool1' (maxpool2d): stride is larger than the "
            'kernel, so windows skip pixels (H: stride 3 > window 2, 1 of every 3 pixels '
            'unread, W: stride 3 > window 2, 1 of every 3 pixels unread)',
        ]),
    # ceil(224/2) = 112; (112 - 1)*2 + 3 - 224 = 1 -> 0 before, 1 after
    'asymmetric_same': (
        """
        input: [3, 224, 224]
        layers:
          - conv2d: {out_channels: 32, kernel_size: 3, stride: 2, padding: same}
        """,
        [
            "warning: net.yaml:3:5: in layer 'conv1' (conv2d): 'same' padding is asymmetric "
            "(before+after: H 0+1, W 0+1): TensorFlow's rule puts the extra pixel at the end; "
            "PyTorch refuses 'same' at stride > 1 (say 'framework: pytorch' or 'framework: "
            "keras' to choose)",
        ]),
    # ceil((5 + 2 - 2)/2) + 1 = 4, but window 4 starts at 6 >= 5 + 1: dropped -> 3 = floor
    'ceil_mode_window_discarded': (
        """
        input: [8, 5, 5]
        layers:
          - maxpool2d: {kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}
        """,
        [
            "warning: net.yaml:3:5: in layer 'maxpool1' (maxpool2d): ceil_mode: the extra "
            'window along H, W would start in the padding, so PyTorch discards it; ceil_mode '
            'gives nothing there',
        ]),
    # 7//2 = 3 windows cover 6 of 7
    'odd_map_pooled': (
        """
        input: [8, 7, 7]
        layers:
          - maxpool2d: 2
        """,
        [
            "warning: net.yaml:3:5: in layer 'maxpool1' (maxpool2d): floor division leaves "
            'border pixels unread (H loses 1 of 7, W loses 1 of 7)',
        ]),
    # 32 / 2^5 = 1
    'spatial_size_one_too_early': (
        """
        input: [3, 32, 32]
        layers:
          - repeat: 5
            layers: [conv2d: {out_channels: 16, kernel_size: 3, padding: 1}, maxpool2d: 2]
          - conv2d: {out_channels: 16, kernel_size: 3, padding: 1}
          - conv2d: {out_channels: 16, kernel_size: 3, padding: 1}
        """,
        [
            "warning: net.yaml:5:5: in layer 'conv6' (conv2d): the feature map is already 1x1 "
            "(since 'maxpool5'), so this 3x3 window and 1 more after it see little but "
            'padding; drop a downsampling step or start from a larger input',
        ]),
    # 512*7*7 = 25,088; 25,088*4,096 + 4,096 = 102,764,544; + 4,096*10 + 10 = 102,805,514
    # global pooling: 512*4,096 + 4,096 = 2,101,248
    'huge_dense_after_flatten': (
        """
        input: [512, 7, 7]
        layers:
          - flatten
          - linear: 4096
          - relu
          - linear: 10
        """,
        [
            "warning: net.yaml:4:5: in layer 'linear1' (linear): this dense layer holds "
            '102,764,544 of the 102,805,514 parameters (100%), from 25,088 inputs; '
            'global_avgpool instead of the flatten of 512x7x7 would give it 512 inputs and '
            '2,101,248 parameters',
        ]),
    'keras_layout_error': (
        """
        input: [32, 32, 3]
        input_layout: hwc
        layers:
          - conv2d: {filters: 8, kernel_size: 3}
          - dense: 10
        """,
        [
            # shapes as the spec writes them: channels last
            "error: net.yaml:5:5: in layer 'dense1' (linear): expects a flat input but got 30x30x8;"
            " add '- flatten' before it: flatten gives 7,200 features",
            "  fix: paste '- flatten' on the line before 'dense1' (line 5): 30x30x8 -> 7,200 "
            'features (72,010 parameters)',
            "  fix: or, for a dense layer on the channels at every position (as in ConvNeXt's "
            "blocks): write 'conv2d: {out_channels: 10, kernel_size: 1}', which counts the same (90"
            " parameters) on the 30x30x8 map; as Keras' Dense does on a channels-last map",
        ]),
    # (7 - 1)*2 + 3 = 15; (7 - 1)*2 - 2*1 + 2 + 1 + 1 = 14
    'deconv_mismatch_in_decoder_add': (
        """
        input: [128, 7, 7]
        layers:
          - add:
              - [conv_transpose2d: {out_channels: 64, kernel_size: 3, stride: 2}]
              - [upsample: 2, conv2d: {out_channels: 64, kernel_size: 1}]
        """,
        [
            "error: net.yaml:3:5: in layer 'add1' (add): shapes differ: 64x15x15, 64x14x14",
            "  fix: padding: 1, output_padding: 1 on 'conv_transpose1' (line 4) makes it give "
            '14x14 (solved from its size formula)',
        ]),
    # every typo of a first draft in one run: each mended the likely way (or the item left out),
    # so the shapes below are still checked: 32 -> same 32 -> pool 16 -> (16 - 3)//2 + 1 = 7
    'every_typo_in_one_run': (
        """
        inputs: [3, 32, 32]
        layers:
          - conv2d: {out_channels: 16, kernal_size: 3, padding: smae}
          - batchnorm2d
          - relu: {inplace: true}
          - maxpol2d: 2
          - conv2d: {out_channels: 32, kernel_size: 3, stride: 2, bias: no thanks}
          - blah
          - flatten
          - dense: {units: 10, activation: softmax}
        """,
        [
            "error: net.yaml:1:1: unknown top-level key 'inputs' (did you mean 'input'?); a spec "
            'has: name, input, input_layout, framework, batch, args, choices, vars, use, '
            'functions, blocks, layers, variants, description, reference',
            '  fix: input instead of inputs',
            '  note: checking goes on with input',
            "error: net.yaml:3:45: in layer 'conv1' (conv2d): unknown argument 'kernal_size' (did "
            "you mean 'kernel_size'?); conv2d takes: out_channels, kernel_size, stride, padding, "
            'dilation, groups, bias, padding_mode, in_channels',
            '  fix: kernel_size: 3 instead of kernal_size: 3',
            '  note: checking goes on with kernel_size: 3',
            "error: net.yaml:3:57: in layer 'conv1' (conv2d): 'padding' must be an integer, a list "
            "of integers or one of valid, same, full, causal; got 'smae' (did you mean 'same'?)",
            '  fix: padding: same instead of padding: smae',
            '  note: checking goes on with padding: same',
            "error: net.yaml:5:21: in layer 'relu1' (relu): unknown argument 'inplace'; relu takes:"
            ' none',
            "  fix: delete 'inplace: true'",
            "  note: checking goes on with 'inplace' left out",
            "error: net.yaml:6:5: unknown layer kind 'maxpol2d' (did you mean 'maxpool2d'?); "
            "'cnncalc layers' lists them all",
            '  fix: maxpool2d instead of maxpol2d',
            '  note: checking goes on with maxpool2d',
            "error: net.yaml:7:65: in layer 'conv2' (conv2d): 'bias' must be true or false, got 'no"
            " thanks'",
            '  note: checking goes on with bias at its default (true)',
            "error: net.yaml:8:5: unknown layer kind 'blah'; 'cnncalc layers' lists them all",
            '  note: checking goes on without this item',
            "warning: net.yaml:7:5: in layer 'conv2' (conv2d): floor division leaves border pixels "
            'unread (H loses 1 of 16, W loses 1 of 16)',
        ]),
    # conv1d on an image goes on as conv2d: 16 - 3 + 1 = 14; (14 - 2)//3 + 1 = 5 < 7
    'rank_then_too_small': (
        """
        input: [3, 16, 16]
        layers:
          - conv2d: {out_channels: 24, kernel_size: 3, padding: 1}
          - conv1d: {out_channels: 32, kernel_size: 3}
          - maxpool2d: {kernel_size: 2, stride: 3}
          - conv2d: {out_channels: 64, kernel_size: 7}
          - flatten
          - linear: 10
        """,
        [
            "error: net.yaml:4:5: in layer 'conv2' (conv1d): expects a 2-D input [C, L] but got "
            '24x16x16 (3-D)',
            "  fix: a 24x16x16 input needs conv2d; or write 'conv', which takes its rank from the"
            ' input',
            "  note: checking goes on assuming 'conv2' gives 32x14x14 (as conv2d)",
            "error: net.yaml:6:45: in layer 'conv3' (conv2d): kernel 7x7 is larger than the "
            'padded input 5x5; use a smaller kernel or padding >= 1',
            "  fix: its input 32x5x5 comes from 'maxpool1'",
            "  note: checking goes on assuming 'conv3' gives 64x5x5 (as if padding: same)",
            "warning: net.yaml:5:5: in layer 'maxpool1' (maxpool2d): stride is larger than the "
            'kernel, so windows skip pixels (H: stride 3 > window 2, 1 of every 3 pixels unread, '
            'W: stride 3 > window 2, 1 of every 3 pixels unread)',
        ]),
    # res1: 64 -> 64 -> 62 vs 64; res2 (stride 2): 64 -> 32 -> 30; padded 32, the shortcut 64 -> /2
    # line 7 and 8 are one text for both blocks; global_avgpool gives 128 features
    'shared_block_needs_projection': (
        """
        input: [3, 64, 64]
        blocks:
          res:
            args: [c, s]
            add:
              - [conv2d: {filters: $c, kernel_size: 3, stride: $s, padding: 1}, batchnorm2d, relu,
                 conv2d: {out_channels: $c, kernel_size: 3}, batchnorm2d]
              - [identity]
            then: [relu]
        layers:
          - conv2d: {out_channels: 64, kernel_size: 3, padding: 1}
          - res: [64, 1]
          - res: [128, 2]
          - global_avgpool
          - linear: {in_features: 256, out_features: 10}
        """,
        [
            "error: net.yaml:4:5: in layer 'res1.add1' (add): shapes differ: 64x62x62, 64x64x64",
            "  fix: padding: 1 on 'res1.conv2' (line 7, which also makes 'res2.conv2', kernel "
            '3x3: (k - 1)/2 = 1) keeps 64x64 through the branch',
            "  note: checking goes on assuming 'res1.add1' gives 64x64x64 (the main path padded "
            'as above)',
            "error: net.yaml:4:5: in layer 'res2.add1' (add): shapes differ: 128x30x30, 64x64x64",
            "  fix: padding: 1 on 'res2.conv2' (line 7, which also makes 'res1.conv2', kernel "
            '3x3: (k - 1)/2 = 1) keeps 32x32 through the branch',
            "  fix: and then on the shortcut (from 'res2.identity1' (line 8, which also makes "
            "'res1.identity1'), 64x64x64) paste a projection: conv2d: {out_channels: 128, "
            'kernel_size: 1, stride: 2, bias: false} -> 128x32x32; that line serves every use of '
            "its block: write the projection there with the block's arguments if every use needs "
            "one, or choose it with 'when:' on a block argument if only some do",
            "  note: checking goes on assuming 'res2.add1' gives 128x32x32 (the main path padded "
            'as above)',
            "error: net.yaml:15:27: in layer 'linear1' (linear): in_features is written as 256 "
            'but the input has 128 features; write in_features: 128 or leave it out',
            "  fix: delete 'in_features: 256' (cnncalc infers 128)",
        ]),
    # channels last, as written: 28 -> 26 -> 13 -> 11 -> 5 -> 3 -> 1 < 3;
    # 38 -> 36, 18, 16, 8, 6, 3 -> 1; 37 -> 35, 17, 15, 7, 5, 2 fails
    'keras_net_too_small': (
        """
        input: [28, 28, 1]
        input_layout: hwc
        layers:
          - conv2d: {filters: 32, kernel_size: 3}
          - maxpool2d: 2
          - conv2d: {filters: 64, kernel_size: 3}
          - maxpool2d: 2
          - conv2d: {filters: 128, kernel_size: 3}
          - maxpool2d: 2
          - conv2d: {filters: 128, kernel_size: 3}
          - flatten
          - dense: 10
        """,
        [
            "error: net.yaml:10:41: in layer 'conv4' (conv2d): kernel 3x3 is larger than the "
            'padded input 1x1; use a smaller kernel or padding >= 1',
            "  fix: its input 1x1x128 comes from 'maxpool3'",
            "  fix: the network up to 'conv4' needs an input of at least 38x38x1 (the spec has "
            '28x28x1)',
            "  note: checking goes on assuming 'conv4' gives 1x1x128 (as if padding: same)",
            "warning: net.yaml:7:5: in layer 'maxpool2' (maxpool2d): floor division leaves border"
            ' pixels unread (H loses 1 of 11, W loses 1 of 11)',
            "warning: net.yaml:9:5: in layer 'maxpool3' (maxpool2d): floor division leaves border"
            ' pixels unread (H loses 1 of 3, W loses 1 of 3)',
        ]),
    # the block argument's typo mended: 32 -> 16 -> 8, 64*8*8 = 4,096 as written
    'block_argument_typo_goes_on': (
        """
        input: [3, 32, 32]
        blocks:
          stage:
            args: [width, convs]
            layers:
              - repeat: $convs
                layers: [conv2d: {out_channels: $width, kernel_size: 3, padding: 1}, relu]
              - maxpool2d: 2
        layers:
          - stage: {widht: 32, convs: 2}
          - stage: {width: 64, convs: 2}
          - flatten
          - linear: {in_features: 4096, out_features: 10}
        """,
        [
            "error: net.yaml:10:12: block 'stage' has no argument 'widht' (did you mean "
            "'width'?); it takes: width, convs",
            '  fix: width: 32 instead of widht: 32',
            '  note: checking goes on with width: 32',
        ]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_spec_full_output(case):
    text, expected = CASES[case]
    assert check_spec_lines(text) == expected


def spec_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnncalc", *args], capture_output=True,
                          text=True)


def test_check_spec_cli_prints_everything_and_a_verdict(tmp_path):
    spec = tmp_path / "student.yaml"
    spec.write_text(spec_text(CASES["three_problems_in_one_run"][0]))
    result = _cli("check-spec", str(spec))
    assert result.returncode == 2
    lines = result.stderr.splitlines()  # the diagnostics on stderr, the verdict on stdout
    assert sum(line.startswith("error: ") for line in lines) == 3
    assert result.stdout == f"verdict: {spec} does NOT work: 3 errors, 0 warnings\n"
    assert "Traceback" not in result.stderr


def test_check_spec_cli_json(tmp_path):
    spec = tmp_path / "student.yaml"
    spec.write_text(spec_text(CASES["deconv_mismatch_in_decoder_add"][0]))
    result = _cli("check-spec", str(spec), "--format", "json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["schema"] == "cnncalc.check-spec/1"
    assert data["errors"][0]["fixes"] == [
        "padding: 1, output_padding: 1 on 'conv_transpose1' (line 4) makes it give 14x14 "
        "(solved from its size formula)"]


def test_check_spec_cli_working_spec_with_warnings_exits_0(tmp_path):
    spec = tmp_path / "ok.yaml"
    spec.write_text(spec_text(CASES["odd_map_pooled"][0]))
    result = _cli("check-spec", str(spec))
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == (
        f"verdict: {spec} works (output 8x3x3), 1 warning")


def test_check_spec_cli_spec_that_cannot_be_read_is_one_line_and_a_verdict(tmp_path):
    spec = tmp_path / "broken.yaml"
    spec.write_text("input: [3, 32\nlayers: [relu]\n")
    result = _cli("check-spec", str(spec))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {spec}:1:8: YAML syntax error")
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == f"verdict: {spec} cannot be checked: fix this error first\n"
    as_json = json.loads(_cli("check-spec", str(spec), "--format", "json").stdout)
    assert as_json["ok"] is False and len(as_json["errors"]) == 1
    assert as_json["errors"][0]["position"] == f"{spec}:1:8"


def test_check_spec_cli_goes_on_past_typos(tmp_path):
    spec = tmp_path / "typos.yaml"
    spec.write_text(spec_text(CASES["every_typo_in_one_run"][0]))
    result = _cli("check-spec", str(spec))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1] == (
        f"verdict: {spec} does NOT work: 7 errors, 1 warning")
