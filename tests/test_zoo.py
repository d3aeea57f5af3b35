"""The model zoo (issue 4): every architecture's totals against figures cnncalc did not make.

- torchvision models: ``sum(p.numel() for p in model.parameters())`` and
  ``torch.utils.flop_counter.FlopCounterMode`` FLOPs / 2 at batch 1, printed by
  ``scripts/torchvision_figures.py`` (torch 2.14.1, torchvision 0.29.1); regenerate with
  ``/tmp/tv/bin/python scripts/torchvision_figures.py``. ConvNeXt's, ShuffleNetV2's,
  EfficientNetV2's, MobileNetV3's, the video and the segmentation networks' figures were
  measured with torch 2.13.0 and torchvision 0.28.0 (0.29.1 could not be installed then); their
  parameter counts equal the ``num_params`` of torchvision's weights and their MACs round to
  its documented "GFLOPS".
- MobileNetV1, ZFNet, U-Net and the TCN: worked out here by hand from the papers' tables, with
  the formulas written out (weights = k*k*C_in*C_out + C_out; MACs = k*k*C_in*C_out*H*W).

Where torchvision is installed, more tests compare every layer's parameters and MACs, every
conv and linear layer's output shape (by torchvision module path) and the float buffers with
the model torchvision builds.
"""

from __future__ import annotations

import importlib.util
import re

import pytest
from helpers import ROOT, row, zoo_file, zoo_graph, zoo_report

# spec: (params, MACs) of torchvision's model; the main output only where the spec has
# auxiliary heads (side outputs), whose totals with the heads are in TORCHVISION_WITH_AUX.
TORCHVISION = {
    "googlenet": (6_624_904, 1_498_376_192),
    "inception_v3": (23_834_568, 5_713_216_096),
    "vgg11": (132_863_336, 7_609_090_048),
    "vgg13": (133_047_848, 11_308_466_176),
    "vgg16": (138_357_544, 15_470_264_320),
    "vgg19": (143_667_240, 19_632_062_464),
    "vgg16_bn": (138_365_992, 15_470_264_320),
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet34": (21_797_672, 3_663_761_408),
    "resnet50": (25_557_032, 4_089_184_256),
    "resnet101": (44_549_160, 7_801_405_440),
    "resnet152": (60_192_808, 11_513_626_624),
    "resnet50_v1": (25_557_032, 3_857_973_248),   # resnet50 with the strides moved to conv1
    "mobilenet_v2": (3_504_872, 300_774_272),
    "squeezenet1_0": (1_248_424, 818_924_576),
    "squeezenet1_1": (1_235_496, 349_151_936),
    "densenet121": (7_978_856, 2_834_161_664),
    "efficientnet_b0": (5_288_548, 385_814_752),
    "efficientnet_b1": (7_794_184, 686_802_832),       # at 240 x 240
    "efficientnet_b2": (9_109_994, 993_561_872),       # at 260 x 260
    "efficientnet_b3": (12_233_232, 1_827_141_392),    # at 300 x 300
    "efficientnet_b4": (19_341_616, 4_393_771_024),    # at 380 x 380
    "efficientnet_b5": (30_389_784, 10_266_384_752),   # at 456 x 456
    "efficientnet_b6": (43_040_704, 19_067_593_536),   # at 528 x 528
    "efficientnet_b7": (66_347_960, 37_745_884_192),   # at 600 x 600
    "convnext_tiny": (28_589_128, 4_455_531_264),
    "convnext_small": (50_223_688, 8_683_712_256),
    "convnext_base": (88_591_464, 15_354_729_472),
    "convnext_large": (197_767_336, 34_361_433_600),
    "shufflenet_v2_x0_5": (1_366_792, 40_476_448),
    "shufflenet_v2_x1_0": (2_278_604, 144_907_992),
    "shufflenet_v2_x1_5": (3_503_624, 295_759_392),
    "shufflenet_v2_x2_0": (7_393_996, 583_253_464),
    "efficientnet_v2_s": (21_458_488, 8_365_617_152),    # at 384 x 384
    "efficientnet_v2_m": (54_139_356, 24_582_460_384),   # at 480 x 480
    "efficientnet_v2_l": (118_515_272, 56_079_699_008),  # at 480 x 480
    "r3d_18": (33_371_472, 40_696_553_472),        # video: a 3 x 16 x 112 x 112 clip
    "mc3_18": (11_695_440, 43_342_635_008),
    "r2plus1d_18": (31_505_325, 40_519_080_960),
    "s3d": (8_320_048, 17_978_771_456),            # 3 x 16 x 224 x 224
    # recorded with torchvision 0.28.0 (0.29.1 does not install where they were recorded):
    # mobilenet_v3.yaml's two variants, and architectures/segmentation/ at 3x224x224 with
    # aux_loss=False (outputs resized to the input's size)
    "mobilenet_v3_large": (5_483_032, 216_589_760),
    "mobilenet_v3_small": (2_542_856, 56_510_400),
    "fcn_resnet50": (32_957_013, 26_484_498_432),
    "deeplabv3_resnet50": (39_638_869, 31_310_548_992),
    "deeplabv3_mobilenet_v3_large": (11_025_477, 1_882_169_120),
    "lraspp_mobilenet_v3_large": (3_221_538, 379_281_312),
    # vit.yaml (torchvision 0.28.0, torch 2.13.0), attention measured with the fast path off
    # and the math backend (see scripts/torchvision_figures.py; on the CPU torch's fused
    # kernels are not counted): MACs = 4 L E^2 + 2 L^2 E per attention layer
    "vit_b_16": (86_567_656, 17_563_828_224),
    "vit_b_32": (88_224_232, 4_409_186_304),
    "vit_l_16": (304_326_632, 61_554_712_576),
    "vit_l_32": (306_535_400, 15_377_539_072),
    "vit_h_14": (632_045_800, 167_295_109_120),
    # maxvit.yaml (torchvision 0.28.0, torch 2.13.0): parameters equal the weights' meta
    # num_params 30919624; MACs as FlopCounterMode counts its einsums (no fused kernel there)
    "maxvit_t": (30_919_624, 5_558_046_720),
    # swin.yaml (torchvision 0.28.0, torch 2.13.0; v2 at 256 x 256): window attention's MACs
    # are P (4 C^2 + 2 N C) over the map padded to whole windows, plus v2's cpb_mlp
    "swin_t": (28_288_354, 4_490_566_656),
    "swin_s": (49_606_258, 8_740_875_264),
    "swin_b": (87_768_224, 15_430_946_816),
    "swin_v2_t": (28_351_570, 5_939_690_496),
    "swin_v2_s": (49_737_442, 11_545_857_024),
    "swin_v2_b": (87_930_848, 20_325_134_336),
}
# float buffers (BatchNorm's running mean and variance), scripts/torchvision_figures.py's
# layer_outputs: cnncalc's non-trainable figure
TORCHVISION_BUFFERS = {
    "efficientnet_v2_s": 153_872, "efficientnet_v2_m": 292_032, "efficientnet_v2_l": 512_576,
    "r3d_18": 9_600, "mc3_18": 9_600, "r2plus1d_18": 25_350, "s3d": 21_216,
    # MaxViT-T: BatchNorm's statistics only; its integer relative_position_index buffers
    # (22 x 2,401 int64) are not float state, as num_batches_tracked is not
    "maxvit_t": 47_616,
    # Swin V2's relative_coords_table, (2 x 8 - 1)^2 x 2 floats per block (12 or 24 blocks)
    "swin_v2_t": 5_400, "swin_v2_s": 10_800, "swin_v2_b": 10_800,
}
TORCHVISION_WITH_AUX = {
    "googlenet": (13_004_888, 1_506_748_416),      # googlenet_aux in the script
    "inception_v3": (27_161_264, 5_718_899_296),   # inception_v3_aux
}
# torchvision's documented "GFLOPS" column (which counts MACs), to two decimals
TORCHVISION_DOCS_GMACS = {
    "googlenet": 1.50, "inception_v3": 5.71, "vgg11": 7.61, "vgg13": 11.31, "vgg19": 19.63,
    "vgg16_bn": 15.47, "resnet18": 1.81, "resnet34": 3.66, "resnet50": 4.09, "resnet101": 7.80,
    "resnet152": 11.51, "mobilenet_v2": 0.30, "squeezenet1_0": 0.82, "squeezenet1_1": 0.35,
    # convnext_base is listed at 15.36 there; FlopCounterMode (torch 2.13) gives 15.355 G
    "densenet121": 2.83, "efficientnet_b0": 0.39, "convnext_tiny": 4.46, "convnext_small": 8.68,
    "convnext_large": 34.36, "shufflenet_v2_x0_5": 0.04,
    "shufflenet_v2_x1_0": 0.14, "shufflenet_v2_x1_5": 0.30, "shufflenet_v2_x2_0": 0.58,
    "efficientnet_v2_s": 8.37,
    "efficientnet_v2_m": 24.58, "efficientnet_v2_l": 56.08, "r3d_18": 40.70, "mc3_18": 43.34,
    "r2plus1d_18": 40.52, "s3d": 17.98,
    "mobilenet_v3_large": 0.22,
    "mobilenet_v3_small": 0.06,
    # the weights' meta "_ops": 17.564, 4.409, 61.555, 15.378, 167.295 (vit_h_14 at 224: its
    # SWAG_LINEAR weights)
    "vit_b_16": 17.56, "vit_b_32": 4.41, "vit_l_16": 61.55, "vit_l_32": 15.38,
    "vit_h_14": 167.30,
    "maxvit_t": 5.56,                  # the weights' meta "_ops": 5.558
    # the weights' meta "_ops": 4.491, 8.741, 15.431, 5.94, 11.546, 20.325 (v2 at 256)
    "swin_t": 4.49, "swin_s": 8.74, "swin_b": 15.43, "swin_v2_t": 5.94, "swin_v2_s": 11.55,
    "swin_v2_b": 20.33,
}


@pytest.mark.parametrize("spec", sorted(TORCHVISION))
def test_params_and_macs_equal_torchvision(spec):
    report = zoo_report(spec)
    main = report.totals_main or report.totals
    assert (main.params, main.macs) == TORCHVISION[spec]
    assert not report.errors
    if spec in TORCHVISION_WITH_AUX:
        assert (report.totals.params, report.totals.macs) == TORCHVISION_WITH_AUX[spec]
    else:
        assert report.totals_main is None


@pytest.mark.parametrize("spec", sorted(TORCHVISION_DOCS_GMACS))
def test_macs_round_to_torchvisions_documented_gflops(spec):
    report = zoo_report(spec)
    main = report.totals_main or report.totals
    assert round(main.macs / 1e9, 2) == TORCHVISION_DOCS_GMACS[spec]


@pytest.mark.parametrize("spec", sorted(TORCHVISION_BUFFERS))
def test_float_buffers_equal_torchvision(spec):
    assert zoo_report(spec).totals.non_trainable == TORCHVISION_BUFFERS[spec]


def test_r3d_18_published_gflops_are_macs():
    """torchvision lists r3d_18 at 40.70 "GFLOPS" for a 16 x 112 x 112 clip: that is the MAC
    count (FlopCounterMode's FLOPs are twice it)."""
    report = zoo_report("r3d_18")
    assert report.input_shape == (3, 16, 112, 112)
    assert round(report.totals.macs / 1e9, 2) == 40.70
    assert round(report.totals.flops / 1e9, 2) == 81.39


def test_video_resnets_differ_in_how_the_3x3x3_convs_are_built():
    r3d, mc3, r21d = (zoo_report(name) for name in ("r3d_18", "mc3_18", "r2plus1d_18"))
    assert row(r3d, "layer2.0.conv1.0").output_shape == (128, 8, 28, 28)      # strides in time
    assert row(mc3, "layer1.0.conv1.0").output_shape == (64, 16, 56, 56)      # 3x3x3 in layer1
    assert row(mc3, "layer2.0.conv1.0").output_shape == (128, 16, 28, 28)     # 1x3x3 after
    assert row(mc3, "layer2.0.downsample.0").output_shape == (128, 16, 28, 28)
    # (2+1)D: mid = (64 * 128 * 27) // (64 * 9 + 3 * 128) = 230 channels between the two
    assert row(r21d, "layer2.0.conv1.0.0").output_shape == (230, 16, 28, 28)
    assert row(r21d, "layer2.0.conv1.0.3").output_shape == (128, 8, 28, 28)
    assert row(r21d, "stem.0").output_shape == (45, 16, 56, 56)


def test_efficientnet_v2_fused_stages_have_no_depthwise_conv_or_squeeze():
    report = zoo_report("efficientnet_v2_s")
    fused = [r for r in report.rows if r.name.startswith(("features.1.", "features.2.",
                                                           "features.3."))]
    assert fused and not any(".fc1" in r.name for r in fused)
    assert row(report, "features.2.0.block.0.0").output_shape == (96, 96, 96)  # 3x3, t = 4
    assert row(report, "features.4.0.block.2.fc1").output_shape == (16, 1, 1)  # 64 // 4
    assert row(report, "features.7.0").output_shape == (1280, 12, 12)          # S: 6 stages
    assert row(zoo_report("efficientnet_v2_m"), "features.8.0").output_shape == (1280, 15, 15)


def test_mobilenet_v2_width_multiplier_is_torchvisions_width_mult():
    """torchvision.models.mobilenet_v2(width_mult=0.5), scripts/torchvision_figures.py's
    mobilenet_v2_050: 1,968,680 parameters, 97,131,840 MACs (the last conv stays 1280 wide)."""
    from cnncalc import analyze, load_file

    report = analyze(load_file(zoo_file("mobilenet_v2"), settings={"width": 0.5}))
    assert (report.totals.params, report.totals.macs) == (1_968_680, 97_131_840)
    assert report.rows[-5].output_shape == (1280, 7, 7)


def test_resnet50_v1_is_where_the_papers_3_8_gflops_come_from():
    v1 = zoo_report("resnet50_v1").totals
    v15 = zoo_report("resnet50").totals
    assert v1.params == v15.params
    assert round(v1.macs / 1e9, 2) == 3.86 and v1.macs < v15.macs


def test_auxiliary_heads_are_side_outputs():
    report = zoo_report("googlenet")
    assert [name for name, _ in report.outputs] == ["fc", "aux1.fc2", "aux2.fc2"]
    assert all(shape == (1000,) for _, shape in report.outputs)
    assert not row(report, "aux1.fc1").on_main_path and row(report, "fc").on_main_path
    report = zoo_report("inception_v3")
    assert [name for name, _ in report.outputs] == ["fc", "AuxLogits.fc"]
    assert row(report, "AuxLogits.conv1.conv").output_shape == (768, 1, 1)


@pytest.mark.parametrize(("spec", "name", "shape"), [
    ("resnet50", "layer3.2.conv2", (256, 14, 14)),
    ("resnet50", "layer2.0.downsample.0", (512, 28, 28)),
    ("resnet50_v1", "layer2.0.conv1", (128, 28, 28)),      # v1: the first 1x1 strides
    ("resnet50", "layer2.0.conv1", (128, 56, 56)),         # v1.5: it does not
    ("resnet18", "layer4.1.conv2", (512, 7, 7)),
    ("googlenet", "inception4a.branch2.1.conv", (208, 14, 14)),
    ("inception_v3", "Mixed_6b.branch7x7_2.conv", (128, 17, 17)),
    ("inception_v3", "Mixed_7c.branch3x3_2b.conv", (384, 8, 8)),
    ("mobilenet_v2", "features.2.conv.1.0", (96, 56, 56)),
    ("efficientnet_b0", "features.2.0.block.2.fc1", (4, 1, 1)),
    ("efficientnet_v2_l", "features.7.6.block.3.0", (640, 15, 15)),
    ("r3d_18", "layer4.1.conv2.0", (512, 2, 7, 7)),
    ("s3d", "features.15.branch1.1.1.0", (384, 2, 7, 7)),
    ("s3d", "classifier.1", (400, 1, 1, 1)),
    ("densenet121", "features.denseblock3.denselayer24.conv2", (32, 14, 14)),
    ("densenet121", "features.norm5", (1024, 7, 7)),
    ("squeezenet1_0", "features.12.expand3x3", (256, 13, 13)),
    ("vgg19", "stage5.conv4", (512, 14, 14)),
    ("unet", "up1.crop", (64, 392, 392)),
    ("tcn", "tcn.network.7.conv2", (25, 784)),
    ("convnext_tiny", "features.5.8.block.3", (14, 14, 1536)),     # Linear, channels last
    ("convnext_tiny", "features.5.8.layer_scale", (384, 14, 14)),
    ("convnext_tiny", "features.6.0", (384, 14, 14)),              # LayerNorm2d
    ("convnext_base", "classifier.2", (1000,)),
    ("shufflenet_v2_x1_0", "stage3.0.branch1.2", (116, 14, 14)),
    ("shufflenet_v2_x1_0", "stage3.1.branch2.5", (116, 14, 14)),
    ("shufflenet_v2_x1_0", "stage4.3.channel_shuffle1", (464, 7, 7)),
    ("vit_b_16", "permute", (196, 768)),                       # 14 x 14 patch tokens
    ("vit_b_16", "class_token", (197, 768)),
    ("vit_b_16", "encoder.layers.encoder_layer_11.self_attention", (197, 768)),
    ("vit_b_16", "encoder.layers.encoder_layer_11.mlp.0", (197, 3072)),
    ("vit_b_16", "heads.head", (1000,)),
    ("vit_b_32", "class_token", (50, 768)),                    # 7 x 7 + 1
    ("vit_l_16", "encoder.layers.encoder_layer_23.mlp.3", (197, 1024)),
    ("vit_h_14", "encoder.pos_embedding", (257, 1280)),        # 16 x 16 + 1
    ("maxvit_t", "stem.1.0", (64, 112, 112)),
    ("maxvit_t", "blocks.0.layers.0.layers.MBconv.proj.0", (64, 56, 56)),  # the 3x3/2 pool
    ("maxvit_t", "blocks.0.layers.0.layers.MBconv.layers.conv_a.0", (256, 112, 112)),
    ("maxvit_t", "blocks.0.layers.0.layers.MBconv.layers.squeeze_excitation.fc1", (16, 1, 1)),
    ("maxvit_t", "blocks.2.layers.4.layers.window_attention", (256, 14, 14)),
    ("maxvit_t", "blocks.3.layers.1.layers.grid_attention", (512, 7, 7)),
    ("maxvit_t", "classifier.5", (1000,)),
    ("swin_t", "features.0.1", (56, 56, 96)),                  # channels last from here
    ("swin_t", "features.1.1.attn", (56, 56, 96)),
    ("swin_t", "features.2.merge", (28, 28, 384)),             # the 2x2 patches, 4C
    ("swin_t", "features.2.reduction", (28, 28, 192)),
    ("swin_t", "features.7.1.mlp.0", (7, 7, 3072)),
    ("swin_t", "head", (1000,)),
    ("swin_v2_t", "features.7.1.attn", (8, 8, 768)),           # 256 / 32: one 8x8 window
    ("swin_v2_b", "features.6.norm", (8, 8, 1024)),            # v2: LayerNorm(2C) last
])
def test_rows_are_named_like_torchvision_module_paths(spec, name, shape):
    assert row(zoo_report(spec), name).output_shape == shape


def test_densenet_concatenates_every_earlier_layer_of_a_block():
    report = zoo_report("densenet121")
    # block 2 starts at 128 channels; after layer n it holds 128 + 32 n
    for n in (1, 6, 12):
        concat = row(report, f"features.denseblock2.denselayer{n}.concat1")
        assert concat.output_shape == (128 + 32 * n, 28, 28)


# -- the four that torchvision lacks: figures worked out by hand --------------------------------

def conv(cin, cout, k, out_hw, bias=True, groups=1):
    """(params, MACs) of a conv with square kernel k and out_hw output positions."""
    weights = k * k * (cin // groups) * cout
    return weights + (cout if bias else 0), weights * out_hw


def dense(cin, cout):
    return cin * cout + cout, cin * cout


def total(*layers):
    return tuple(sum(x) for x in zip(*layers))


def test_mobilenet_v1_matches_the_papers_table_1():
    # (input width, output width, stride) of the 13 depthwise separable convs, table 1
    rows = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1),
            (256, 512, 2), *[(512, 512, 1)] * 5, (512, 1024, 2), (1024, 1024, 1)]
    layers, size, bn = [conv(3, 32, 3, 112 * 112, bias=False)], 112, 2 * 32
    for cin, cout, stride in rows:
        size //= stride
        layers.append(conv(cin, cin, 3, size * size, bias=False, groups=cin))   # depthwise
        layers.append(conv(cin, cout, 1, size * size, bias=False))              # pointwise
        bn += 2 * cin + 2 * cout
    layers.append(dense(1024, 1000))
    params, macs = total(*layers)
    assert (params, macs) == (4_210_088, 568_740_352)     # the paper: "4.2M", "569M"
    totals = zoo_report("mobilenet_v1").totals
    assert (totals.params, totals.macs) == (params + bn, macs)
    assert bn == 21_888


def test_zfnet_matches_the_papers_figure_3():
    # (C_in, C_out, k, output side) from figure 3: 110, 26, 13, 13, 13; pools to 55, 13, 6
    convs = [(3, 96, 7, 110), (96, 256, 5, 26), (256, 384, 3, 13), (384, 384, 3, 13),
             (384, 256, 3, 13)]
    params, macs = total(*(conv(a, b, k, s * s) for a, b, k, s in convs),
                         dense(256 * 6 * 6, 4096), dense(4096, 4096), dense(4096, 1000))
    report = zoo_report("zfnet")
    assert (report.totals.params, report.totals.macs) == (params, macs) == \
        (62_357_608, 1_168_032_896)
    sides = [r.output_shape[1] for r in report.rows if r.kind in ("conv2d", "maxpool2d")]
    assert sides == [110, 55, 26, 13, 13, 13, 13, 6]


def test_unet_matches_the_papers_figure_1():
    # 3x3 valid convs: (C_in, C_out, output side); each level's two convs
    convs = [(1, 64, 570), (64, 64, 568), (64, 128, 282), (128, 128, 280), (128, 256, 138),
             (256, 256, 136), (256, 512, 66), (512, 512, 64), (512, 1024, 30),
             (1024, 1024, 28), (1024, 512, 54), (512, 512, 52), (512, 256, 102),
             (256, 256, 100), (256, 128, 198), (128, 128, 196), (128, 64, 390), (64, 64, 388)]
    layers = [conv(a, b, 3, s * s) for a, b, s in convs]
    # 2x2 up-convs: weights 2*2*C_in*C_out (+ bias); a transposed conv's MACs are per INPUT
    # pixel: every input pixel is multiplied into a 2x2xC_out patch
    for cin, cout, side_in in [(1024, 512, 28), (512, 256, 52), (256, 128, 100),
                               (128, 64, 196)]:
        layers.append((4 * cin * cout + cout, 4 * cin * cout * side_in * side_in))
    layers.append(conv(64, 2, 1, 388 * 388))
    params, macs = total(*layers)
    report = zoo_report("unet")
    assert len(layers) == 23                                   # "23 convolutional layers"
    assert (report.totals.params, report.totals.macs) == (params, macs) == \
        (31_030_658, 150_428_424_448)
    assert report.outputs[0][1] == (2, 388, 388)
    crops = [row(report, f"up{i}.crop").output_shape[1] for i in (4, 3, 2, 1)]
    assert crops == [56, 104, 200, 392]


def test_tcn_matches_the_reference_configuration():
    # 8 residual blocks of two 7-tap causal convs, 25 channels, over 784 time steps
    length = 784
    layers = [(25 * 7 + 25, 25 * 7 * length),                  # block 0 conv1: 1 -> 25
              (25 * 1 + 25, 25 * length)]                      # block 0 1x1 downsample
    layers += [(25 * 25 * 7 + 25, 25 * 25 * 7 * length)] * 15  # the other 15 convs
    layers.append(dense(25, 10))
    params, macs = total(*layers)
    report = zoo_report("tcn")
    assert (report.totals.params, report.totals.macs) == (params, macs) == (66_510, 51_607_050)
    assert params + 16 * 25 == 66_910          # + weight-norm gains = the reference's count
    # receptive field of the last block: 1 + 2 * (7 - 1) * (1 + 2 + ... + 128)
    assert row(report, "last_step").receptive_field == (1 + 2 * 6 * 255,)
    assert row(report, "last_step").output_shape == (25, 1)


# -- the specs stay short and ResNets differ only where they should -----------------------------

ZOO = ["googlenet", "inception_v3", "vgg11", "vgg13", "vgg19", "vgg16_bn", "resnet18",
       "resnet34", "resnet50", "resnet101", "resnet152", "resnet50_v1", "mobilenet_v2",
       "squeezenet1_0", "squeezenet1_1", "densenet121", "efficientnet_b0", "mobilenet_v1",
       "zfnet", "unet", "tcn", "convnext_tiny", "shufflenet_v2_x1_0", "efficientnet_v2_s",
       "efficientnet_v2_m", "efficientnet_v2_l", "r3d_18", "mc3_18", "r2plus1d_18", "s3d",
       "mobilenet_v3_large", "mobilenet_v3_small", "fcn_resnet50", "deeplabv3_resnet50",
       "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large", "vit_b_16", "maxvit_t",
       "swin_t", "swin_v2_t"]


@pytest.mark.parametrize("spec", ZOO)
def test_spec_is_at_most_150_lines_and_cites_its_expected_figures(spec):
    text = zoo_file(spec).read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    assert "Expected" in header and "parameters" in header and "MACs" in header


@pytest.mark.parametrize(("other", "counts"), [("resnet101", (3, 4, 23, 3)),
                                               ("resnet152", (3, 8, 36, 3))])
def test_deeper_resnets_differ_from_resnet50_only_in_repeat_counts(other, counts):
    def body(name):
        lines = zoo_file(name).read_text(encoding="utf-8").splitlines()
        return [line for line in lines if not line.startswith(("#", "name:"))]

    base, deep = body("resnet50"), body(other)
    assert len(base) == len(deep)
    changed = [(a, b) for a, b in zip(base, deep) if a != b]
    assert [re.sub(r"repeat: \d+", "repeat: N", b) for _, b in changed] == \
        [re.sub(r"repeat: \d+", "repeat: N", a) for a, _ in changed]
    written = [int(m) for line in deep for m in re.findall(r"repeat: (\d+)", line)]
    assert tuple(written) == counts


# -- optional: layer by layer against the model torchvision builds ------------------------------

SAME_NAMES = {spec: spec for spec in TORCHVISION if not spec.startswith("vgg")}
SAME_NAMES.update(googlenet="googlenet_aux", inception_v3="inception_v3_aux")


def torchvision_leaves(model: str) -> list[tuple[str, int, int]]:
    """(module path, own params, MACs) of torchvision's leaf modules, via the script."""
    return torchvision_figures().measure(model)[2]


def torchvision_figures():
    """scripts/torchvision_figures.py as a module (skips the test where torchvision is absent)."""
    pytest.importorskip("torchvision")
    path = ROOT / "scripts" / "torchvision_figures.py"
    loaded = importlib.util.spec_from_file_location("torchvision_figures", path)
    figures = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(figures)
    return figures


@pytest.mark.torch
@pytest.mark.parametrize("spec", sorted(SAME_NAMES))
def test_every_layer_matches_torchvision_by_module_path(spec):
    want = {name: (params, macs) for name, params, macs in torchvision_leaves(SAME_NAMES[spec])
            if params or macs}
    report = zoo_report(spec)
    got = {r.name: (r.params, r.macs) for r in report.rows if r.params or r.macs}
    assert got == want


@pytest.mark.torch
@pytest.mark.parametrize("spec", sorted(SAME_NAMES))
def test_every_conv_and_linear_output_shape_and_the_buffers_match_torchvision(spec):
    shapes, buffers = torchvision_figures().layer_outputs(SAME_NAMES[spec])
    report = zoo_report(spec)
    got = {r.name: r.output_shape for r in report.rows if r.kind.startswith(("conv", "linear"))}
    assert got == shapes
    assert report.totals.non_trainable == buffers


@pytest.mark.torch
@pytest.mark.parametrize("spec", ["vgg11", "vgg13", "vgg16", "vgg19", "vgg16_bn"])
def test_every_vgg_layer_matches_torchvision_in_order(spec):
    # the VGG specs name rows by stage (stage2.conv1), torchvision by index (features.5)
    want = [(params, macs) for _, params, macs in torchvision_leaves(spec) if params or macs]
    report = zoo_report(spec)
    assert [(r.params, r.macs) for r in report.rows if r.params or r.macs] == want


# -- every member of a family verifies (tests/test_torch_backend.py verifies each file's defaults)

@pytest.mark.torch
@pytest.mark.parametrize("name", ["efficientnet_v2_m", "efficientnet_v2_l", "mc3_18",
                                  "r2plus1d_18"])
def test_family_member_verifies_layer_by_layer(name):
    pytest.importorskip("torch")
    from cnncalc.torch import verify

    result = verify(zoo_graph(name))
    assert result.ok, result.summary()


# -- the network cnncalc's torch backend builds from each spec has torchvision's figures --------

HAND = {"mobilenet_v1": (4_231_976, 568_740_352), "zfnet": (62_357_608, 1_168_032_896),
        "unet": (31_030_658, 150_428_424_448), "tcn": (66_510, 51_607_050)}


@pytest.mark.torch
@pytest.mark.parametrize("spec", ZOO)
def test_torch_backend_network_has_the_expected_params_and_flop_counter_macs(spec):
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.torch import build_model

    graph = zoo_graph(spec)
    model = build_model(graph, "meta").eval()     # meta tensors: no memory, no arithmetic
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.empty(1, *graph.input_shape, device="meta"))
    params = sum(p.numel() for p in model.parameters())
    # the built network computes its side outputs too: compare with the totals including them
    expected = TORCHVISION_WITH_AUX.get(spec) or TORCHVISION.get(spec) or HAND[spec]
    assert (params, counter.get_total_flops() // 2) == expected


# -- ConvNeXt and ShuffleNetV2 (issue 12) ----------------------------------------------------------

def test_convnext_tiny_written_block_by_block_as_torchvisions_code_reads():
    """A user who writes ConvNeXt-T's CNBlock as torchvision's code reads it (dwconv, permute,
    LayerNorm, Linear, GELU, Linear, layer scale, permute back, stochastic depth, add) gets
    torchvision's 28,589,128 parameters and its FlopCounterMode MACs."""
    from cnncalc import analyze, load_spec

    def block(dim, p):
        return (f"      - add:\n          - []\n          - [conv2d: {{out_channels: {dim}, "
                f"kernel_size: 7, padding: 3, groups: {dim}}}, permute: [0, 2, 3, 1], "
                f"layernorm: {{normalized_shape: {dim}, eps: 0.000001}}, "
                f"linear: {{in_features: {dim}, out_features: {4 * dim}}}, gelu, "
                f"linear: {{in_features: {4 * dim}, out_features: {dim}}}, "
                f"permute: [0, 3, 1, 2], layer_scale: 0.000001, stochastic_depth: {p}]\n")

    text = ["input: [3, 224, 224]\nlayers:\n  - conv2d: {out_channels: 96, kernel_size: 4, "
            "stride: 4}\n  - layernorm2d: {eps: 0.000001}\n"]
    index = 0
    for stage, (dim, depth) in enumerate(zip((96, 192, 384, 768), (3, 3, 9, 3))):
        if stage:
            text.append(f"  - layernorm2d: {{eps: 0.000001}}\n  - conv2d: {{out_channels: "
                        f"{dim}, kernel_size: 2, stride: 2}}\n")
        text.append("  - layers:\n")
        for _ in range(depth):
            text.append(block(dim, round(0.1 * index / 17, 4)))
            index += 1
    text.append("  - adaptive_avgpool2d: 1\n  - layernorm2d: {eps: 0.000001}\n  - flatten\n"
                "  - linear: 1000\n")
    totals = analyze(load_spec("".join(text))).totals
    assert (totals.params, totals.macs) == TORCHVISION["convnext_tiny"] == \
        (28_589_128, 4_455_531_264)


def test_convnext_layer_scale_and_layernorms_are_the_21408_parameters_a_1x1_conv_spec_missed():
    report = zoo_report("convnext_tiny")
    by_kind: dict[str, int] = {}
    for r in report.rows:
        by_kind[r.kind] = by_kind.get(r.kind, 0) + r.params
    assert by_kind["layer_scale"] == 3 * 96 + 3 * 192 + 9 * 384 + 3 * 768 == 6_624
    head = row(report, "classifier.0").params
    assert by_kind["layernorm"] + by_kind["channel_layernorm"] - head == 14_784
    assert 14_784 + 6_624 == 28_589_128 - 28_567_720     # the issue's shortfall
    assert sum(1 for r in report.rows if r.kind == "linear") == 37      # 36 in blocks + fc
    assert sum(1 for r in report.rows if r.kind == "stochastic_depth") == 18


@pytest.mark.parametrize("resolution", [64, 97, 160])
def test_shufflenet_v2_is_valid_at_other_input_sizes(resolution):
    from cnncalc import analyze, load_file

    report = analyze(load_file(zoo_file("shufflenet_v2_x1_0"), settings={
        "resolution": resolution}))
    assert not report.errors and report.totals.params == 2_278_604
    side = -(-resolution // 2)
    for _ in range(4):                     # maxpool and three stride-2 stages: (n + 1) // 2
        side = (side + 1) // 2
    assert row(report, "conv5.0").output_shape == (1024, side, side)


@pytest.mark.torch
@pytest.mark.parametrize("resolution", [97])
def test_shufflenet_v2_at_another_size_matches_torchvision(resolution):
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc import analyze, load_file

    model = torchvision.models.shufflenet_v2_x1_0(weights=None).eval()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.zeros(1, 3, resolution, resolution))
    report = analyze(load_file(zoo_file("shufflenet_v2_x1_0"), settings={
        "resolution": resolution}))
    assert (report.totals.params, report.totals.macs) == (
        sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2)


@pytest.mark.torch
@pytest.mark.parametrize("spec", ["convnext_tiny", "convnext_base", "shufflenet_v2_x0_5",
                                  "shufflenet_v2_x2_0"])
def test_every_conv_and_linear_output_shape_and_the_buffers_equal_torchvisions(spec):
    """Output shapes of every Conv2d and Linear by module path (forward hooks on the model
    torchvision builds, batch axis dropped), and the float buffers (BatchNorm statistics)."""
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")

    model = getattr(torchvision.models, spec)(weights=None).eval()
    seen = {}
    for path, module in model.named_modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            module.register_forward_hook(
                lambda m, i, out, path=path: seen.__setitem__(path, tuple(out.shape[1:])))
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    report = zoo_report(spec)
    got = {r.name: r.output_shape for r in report.rows if r.kind in ("conv2d", "linear")}
    assert got == seen
    buffers = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    assert report.totals.non_trainable == buffers


# -- every command that takes a spec finds a network of a sub-folder by its name ---------------

@pytest.mark.parametrize("args", [
    ["analyze", "r2plus1d_18", "-f", "csv"],
    ["check-spec", "s3d"],
    ["explain", "mc3_18", "--layer", "fc"],
    ["diagram", "efficientnet_v2_s", "--depth", "0", "-f", "dot"],
    pytest.param(["export", "r3d_18", "--to", "pytorch"], marks=pytest.mark.torch),
])
def test_spec_commands_find_a_zoo_network_by_name_from_any_folder(args, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cnncalc.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CNNCALC_ZOO", raising=False)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout
# -- MobileNetV3 and the segmentation networks: output shapes and rows with no module -----------

OWN_FOLDER = {"fcn_resnet50": "segmentation", "deeplabv3_resnet50": "segmentation",
              "deeplabv3_mobilenet_v3_large": "segmentation",
              "lraspp_mobilenet_v3_large": "segmentation",
              "mobilenet_v3_large": "", "mobilenet_v3_small": ""}
"""Where each of these networks' file is (the zoo finds sub-folders; these tests find the files
by path, so a lookup that missed one would fail here)."""


@pytest.mark.parametrize("spec", sorted(OWN_FOLDER))
def test_zoo_names_find_the_files_in_their_folders(spec):
    stem = "mobilenet_v3" if spec.startswith("mobilenet_v3") else spec
    assert zoo_file(spec) == ROOT / "architectures" / OWN_FOLDER[spec] / f"{stem}.yaml"


def torchvision_layer_shapes(model: str) -> dict[str, tuple[int, ...]]:
    """Output shape (batch excluded) of every Conv2d and Linear of torchvision's model, by
    module path, from forward hooks."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    path = ROOT / "scripts" / "torchvision_figures.py"
    loaded = importlib.util.spec_from_file_location("torchvision_figures", path)
    figures = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(figures)
    network, sample = figures.build(model)       # the sample's shape, batch excluded
    shapes: dict[str, tuple[int, ...]] = {}
    for name, module in network.named_modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            module.register_forward_hook(
                lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
    with torch.no_grad():
        network(torch.zeros(1, *sample))
    return shapes


@pytest.mark.torch
@pytest.mark.parametrize("spec", sorted(OWN_FOLDER))
def test_every_conv_and_linear_output_shape_matches_torchvision(spec):
    want = torchvision_layer_shapes(spec)
    report = zoo_report(spec)
    got = {r.name: r.output_shape for r in report.rows if r.kind in ("conv2d", "linear")}
    assert got == want


@pytest.mark.torch
@pytest.mark.parametrize("spec", sorted(OWN_FOLDER))
def test_rows_with_no_module_are_the_ones_torchvision_calls_as_functions(spec):
    """A row marked functional (F.interpolate, torch.cat, torch.flatten, +, *) has no module
    at its path; every other row is a torchvision module, or a repeated call of one (a
    ResNet bottleneck calls its one `relu` three times: rows relu, relu1, relu2)."""
    pytest.importorskip("torchvision")
    path = ROOT / "scripts" / "torchvision_figures.py"
    loaded = importlib.util.spec_from_file_location("torchvision_figures", path)
    figures = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(figures)
    modules = dict(figures.build(spec)[0].named_modules())
    report = zoo_report(spec)
    assert not [r.name for r in report.rows if r.functional and r.name in modules]
    reused = [r.name for r in report.rows if not r.functional and r.name not in modules]
    assert all(re.fullmatch(r".*\.relu\d", name) for name in reused), reused
    assert {r.kind for r in report.rows if r.functional} <= {"interpolate", "add", "concat",
                                                             "multiply", "flatten"}


@pytest.mark.parametrize("spec", ["fcn_resnet50", "deeplabv3_resnet50",
                                  "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"])
def test_segmentation_scores_are_resized_to_any_input_size(spec):
    from cnncalc import analyze, load_spec

    text = zoo_file(spec).read_text(encoding="utf-8").replace("input: [3, 224, 224]",
                                                              "input: [3, 320, 480]")
    report = analyze(load_spec(text, str(zoo_file(spec))))
    assert report.outputs[0][1] == (21, 320, 480)
    assert report.rows[-1].kind == "interpolate" and report.rows[-1].functional
    assert zoo_report(spec).outputs[0][1] == (21, 224, 224)


# -- the Vision Transformers (issue 14): values, not only counts ---------------------------------

@pytest.mark.torch
def test_vit_built_from_the_spec_computes_torchvisions_outputs():
    """torchvision's ViT-B/32 weights loaded into cnncalc's build of vit.yaml (the same
    parameter names, but for the class token's and the position embedding's, which are
    modules' parameters there) give torchvision's logits: the layout, the token order, the
    heads' split and x[:, 0] are torchvision's."""
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    from cnncalc.torch import build_model

    torch.manual_seed(0)
    theirs = torchvision.models.vit_b_32(weights=None).eval()
    torch.nn.init.normal_(theirs.heads.head.weight)      # zeros in torchvision's init
    torch.nn.init.normal_(theirs.class_token)
    ours = build_model(zoo_graph("vit_b_32")).eval()
    state = theirs.state_dict()
    ours.load_state_dict({k: state[k.replace("class_token.class_token", "class_token").replace(
        "pos_embedding.pos_embedding", "pos_embedding")] for k in ours.state_dict()})
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        want, got = theirs(x), ours(x)
    assert want.abs().max() > 1 and torch.allclose(got, want, atol=1e-4)


# -- MaxViT (issue 14): values, not only counts ---------------------------------------------------

@pytest.mark.torch
def test_maxvit_built_from_the_spec_computes_torchvisions_outputs():
    """A torchvision maxvit_t state dict (random init, no download) loads into cnncalc's build
    of maxvit.yaml under the same names, buffers (relative_position_index) included, and gives
    torchvision's logits in eval mode: the window and grid partitions, the heads' split, the
    relative position bias and its C^-1/2 scaling are torchvision's."""
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    from cnncalc.torch import build_model

    torch.manual_seed(0)
    theirs = torchvision.models.maxvit_t(weights=None).eval()
    for module in theirs.modules():      # BatchNorm's statistics away from 0 and 1
        if isinstance(module, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(module.running_mean, -0.1, 0.1)
            torch.nn.init.uniform_(module.running_var, 0.5, 1.5)
            torch.nn.init.uniform_(module.weight, 0.5, 1.5)
    torch.nn.init.normal_(theirs.classifier[5].weight)
    ours = build_model(zoo_graph("maxvit_t")).eval()
    state = theirs.state_dict()
    assert set(ours.state_dict()) == set(state)
    ours.load_state_dict(state)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        want, got = theirs(x), ours(x)
    assert want.abs().max() > 1 and torch.allclose(got, want, atol=1e-4)


# -- Swin (issue 14): values, not only counts -----------------------------------------------------

@pytest.mark.torch
@pytest.mark.parametrize(("name", "side"), [("swin_t", 72), ("swin_v2_t", 80)])
def test_swin_built_from_the_spec_computes_torchvisions_outputs(name, side):
    """torchvision's swin_t / swin_v2_t state (parameters and buffers, by the same names)
    loaded into cnncalc's build of swin.yaml gives torchvision's logits. At 72 x 72 (v1) and
    80 x 80 (v2) the stages' maps (18, 9, 5, 3 and 20, 10, 5, 3) take every rule: padding to
    whole windows, shifts that are kept or turned off, patch merging of odd sizes."""
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    from cnncalc.spec import load_file
    from cnncalc.torch import build_model
    from cnncalc.zoo import resolve

    torch.manual_seed(0)
    theirs = getattr(torchvision.models, name)(weights=None).eval()
    for module in theirs.modules():              # biases are zeros in torchvision's init
        if isinstance(module, torch.nn.Linear) and module.bias is not None:
            torch.nn.init.normal_(module.bias, std=0.1)
    path, settings = resolve(name)
    ours = build_model(load_file(path, settings={**settings, "resolution": side})).eval()
    state = theirs.state_dict()
    assert set(ours.state_dict()) == set(state)
    ours.load_state_dict(state)
    x = torch.randn(2, 3, side, side)
    with torch.no_grad():
        want, got = theirs(x), ours(x)
    assert want.abs().max() > 0.1 and torch.allclose(got, want, atol=1e-4)
