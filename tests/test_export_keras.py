"""``cnncalc export --to keras``: the spec as Keras code.

Without Keras: every exportable architecture read back by ``cnncalc import keras`` gives
the same Keras-style total (params + buffers), and what cannot be exported is one located
line. With the keras extra: Keras itself runs the file and counts the same parameters."""

from __future__ import annotations

import os
import re
import runpy

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES, ZOO_SPECS, zoo_id

from cnncalc import analyze, analyze_file, load_file, load_spec
from cnncalc.cli import main
from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec
from cnncalc.keras_export import to_keras

REFUSED = {
    "alexnet_2012": "'norm1' (local_response_norm) to Keras: local_response_norm has no Keras "
                    "layer",
    "googlenet": "'aux1.adaptive_avgpool1' (adaptive_avgpool2d)",
    "lenet5_1998": "'s2' (subsample2d)",
    "zfnet": "'norm1' (local_response_norm)",
    # MaxViT: its first partition attention (no Keras export of the kind)
    "maxvit": "'blocks.0.layers.0.layers.window_attention' (partition_attention)",
    # the Swins: their window attention (no Keras export of the Swin kinds)
    "swin": "'features.1.0.attn' (shifted_window_attention) to Keras: shifted_window_attention "
            "has no Keras layer",
}
SPECS = [zoo_id(p) for p in ZOO_SPECS]
EXPORTED = [s for s in SPECS if s not in REFUSED]
RUN_IN_KERAS = ["keras_cats_dogs", "lenet5", "resnet_basic_block", "inception_module",
                "timeseries_dilated_conv1d", "squeezenet1_1", "tcn"]


def keras_total(spec: str) -> int:
    totals = analyze_file(ARCHITECTURES / f"{spec}.yaml").totals
    return totals.params + totals.non_trainable


@pytest.mark.parametrize("spec", EXPORTED)
def test_export_reads_back_to_the_same_counts(spec):
    code = to_keras(load_file(ARCHITECTURES / f"{spec}.yaml"), f"{spec}.yaml")
    back = analyze(load_spec(to_spec(read_model(code, "x.py"), "x.py", "test"), "y.yaml"))
    assert back.ok
    assert back.totals.params + back.totals.non_trainable == keras_total(spec)
    assert f"PARAMETERS = {keras_total(spec)}\n" in code
    assert max(len(line) for line in code.splitlines()[1:]) <= 100


@pytest.mark.parametrize("spec", sorted(REFUSED))
def test_what_keras_cannot_say_is_one_located_line(spec):
    result = CliRunner().invoke(main, ["export", str(ARCHITECTURES / f"{spec}.yaml"), "--to",
                                       "keras"])
    assert result.exit_code == 2
    assert result.stdout == ""
    line, = result.stderr.splitlines()
    where = line.split(": ", 2)[1]       # the layer's line, in the spec or a file it uses
    assert re.fullmatch(r"\S+\.yaml:\d+:\d+", where), line
    assert f"cannot export layer {REFUSED[spec]}" in line


def test_padding_and_ceil_mode_become_zero_padding():
    code = to_keras(load_spec(
        "input: [3, 10, 10]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, "
        "padding: 1}\n  - maxpool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n"
        "  - conv_transpose2d: {out_channels: 2, kernel_size: 4, stride: 2, padding: 1}\n",
        "s.yaml"))
    assert "    x1_pad = layers.ZeroPadding2D(1, name='conv1_pad')(inputs)\n" \
           "    x1 = layers.Conv2D(4, 3, name='conv1')(x1_pad)\n" \
           "    x2_pad = layers.ZeroPadding2D(((0, 1), (0, 1)), name='maxpool1_pad')(x1)\n" \
           "    x2 = layers.MaxPooling2D(3, strides=2, name='maxpool1')(x2_pad)\n" \
           "    x3 = layers.Conv2DTranspose(2, 4, strides=2, name='conv_transpose1')(x2)\n" \
           "    x3 = layers.Cropping2D(1, name='conv_transpose1_crop')(x3)\n" in code


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize("spec", RUN_IN_KERAS)
def test_keras_counts_what_cnncalc_counts(spec, tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="the keras extra is not installed")
    keras.utils.clear_session()
    path = tmp_path / f"{spec}.py"
    path.write_text(to_keras(load_file(ARCHITECTURES / f"{spec}.yaml"), f"{spec}.yaml"))
    model = runpy.run_path(str(path), run_name="exported")["build_model"]()
    assert model.count_params() == keras_total(spec)
    report = analyze_file(ARCHITECTURES / f"{spec}.yaml")
    assert tuple(model.output_shape[1:]) == tuple(
        report.rows[-1].output_shape[1:] + report.rows[-1].output_shape[:1]
        if len(report.rows[-1].output_shape) > 1 else report.rows[-1].output_shape)


# -- issue 12's kinds -------------------------------------------------------------------------

NEW_KINDS = """
input: [8, 12, 12]
layers:
  - channel_layernorm: {eps: 0.000001}
  - conv2d: {out_channels: 16, kernel_size: 3, padding: 1}
  - permute: [0, 2, 3, 1]
  - layernorm: {normalized_shape: 16}
  - linear: {in_features: 16, out_features: 32}
  - gelu
  - linear: {in_features: 32, out_features: 16}
  - permute: [0, 3, 1, 2]
  - layer_scale: 0.000001
  - stochastic_depth: {p: 0.2}
  - channel_shuffle: 4
  - chunk: {chunks: 3, index: 2}
  - pixel_shuffle: 2
  - pixel_unshuffle: 2
  - interpolate: {size: [30, 30], mode: bilinear}
  - interpolate: {scale_factor: 2}
  - linear: {in_features: 60, out_features: 5}
  - permute: [0, 2, 1, 3]
  - conv2d: {out_channels: 3, kernel_size: 1}
"""


def readback_total(code: str) -> int:
    back = analyze(load_spec(to_spec(read_model(code, "x.py"), "x.py", "test"), "y.yaml"))
    assert back.ok, back.errors
    return back.totals.params + back.totals.non_trainable


def test_new_kinds_export_and_read_back_to_the_same_counts():
    report = analyze(load_spec(NEW_KINDS, "k.yaml"))
    assert report.ok
    code = to_keras(load_spec(NEW_KINDS, "k.yaml"))
    assert readback_total(code) == report.totals.params + report.totals.non_trainable
    body = code[code.index("def build_model"):]
    # ConvNeXt's permute to channels last is Keras' own layout: nothing is written for it
    assert "layers.LayerNormalization(epsilon=1e-06, name='channel_layernorm1')(inputs)" in body
    assert "layers.LayerNormalization(epsilon=1e-05, name='layernorm1')(x2)" in body
    assert "layers.Conv2D(32, 1, name='linear1')" in body
    assert "LayerScale(1e-06, 16, name='layer_scale1')" in body
    assert "layers.Dropout(0.2, noise_shape=(None, 1, 1, 1), name='stochastic_depth1')" in body
    assert "Chunk(3, 2, name='chunk1')" in body
    assert "layers.Resizing(30, 30, interpolation='bilinear', name='interpolate1')" in body
    assert "layers.UpSampling2D(2, name='interpolate2')" in body
    # a linear on the last axis of a channels-first map: the spec's axes, then Keras' back
    assert "layers.Permute((3, 1, 2), name='linear3_perm')" in body
    assert "layers.Conv2D(5, 1, name='linear3')" in body
    assert "layers.Permute((3, 1, 2), name='conv2_perm')" not in body
    assert body.count("layers.Permute(") == 2
    for cls in ("class ChannelShuffle(", "class Chunk(", "class LayerScale(",
                "class PixelShuffle(", "class PixelUnshuffle("):
        assert code.count(cls) == 1


@pytest.mark.parametrize(("layer", "needle"), [
    ("local_conv2d: {out_channels: 4, kernel_size: 3}", "Keras 3 has no locally-connected "
                                                        "layer"),
    ("interpolate: {size: [5, 5]}", "Keras' nearest resize rounds where torch's floors"),
    ("interpolate: {size: [5, 5], mode: bicubic}", "mode 'bicubic' on 2 spatial axes has no "
                                                   "Keras resize"),
    ("interpolate: {scale_factor: 2, mode: bilinear, align_corners: true}",
     "mode 'bilinear' with align_corners has no Keras resize"),
    ("layernorm: {normalized_shape: [8, 8]}", "a LayerNorm over several axes"),
    ("stochastic_depth: 1", "p=1 drops every branch"),
])
def test_what_keras_3_cannot_say_of_issue_12s_kinds_is_one_line(layer, needle):
    spec = f"input: [4, 8, 8]\nlayers:\n  - {layer}\n"
    result = CliRunner().invoke(main, ["export", "-", "--to", "keras"], input=spec)
    assert result.exit_code == 2
    line, = result.stderr.splitlines()
    assert line.startswith("error: <stdin>:3:") and needle in line, line


def test_a_helper_class_is_read_back_only_as_export_writes_it():
    code = to_keras(load_spec("input: [4, 6, 6]\nlayers:\n  - channel_shuffle: 2\n", "s.yaml"))
    assert readback_total(code) == 0
    changed = code.replace("self.groups = groups", "self.groups = groups * 2")
    with pytest.raises(Exception, match="ChannelShuffle"):
        readback_total(changed)
    plain = ("import keras\nfrom keras import layers\ninputs = keras.Input(shape=(6, 6, 4))\n"
             "model = keras.Model(inputs, layers.ChannelShuffle(2)(inputs))\n")
    with pytest.raises(Exception, match="ChannelShuffle"):
        readback_total(plain)


def test_keras_permute_reads_as_the_same_reordering_channels_first():
    code = ("import keras\nfrom keras import layers\ninputs = keras.Input(shape=(8, 6, 3))\n"
            "x = layers.Permute((2, 3, 1))(inputs)\n"
            "model = keras.Model(inputs, layers.LayerNormalization()(x))\n")
    report = analyze(load_spec(to_spec(read_model(code, "x.py"), "x.py", "t"), "y.yaml"))
    # Keras: (8, 6, 3) -> (6, 3, 8); LayerNormalization on the last axis: 8 + 8 parameters
    assert report.rows[-2].output_shape == (8, 6, 3)       # channels first: Keras' (6, 3, 8)
    assert report.rows[-1].kind == "channel_layernorm" and report.totals.params == 16


SMALL_IN_KERAS = [("convnext", {"resolution": 32}), ("shufflenet_v2", {"resolution": 64}),
                  ("shufflenet_v2", {"resolution": 64, "width": 0.5}),
                  ("segmentation/lraspp_mobilenet_v3_large", {})]


def run_in_keras(graph, tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="the keras extra is not installed")
    keras.utils.clear_session()
    path = tmp_path / "exported.py"
    path.write_text(to_keras(graph))
    return runpy.run_path(str(path), run_name="exported")


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize(("spec", "settings"), SMALL_IN_KERAS)
def test_keras_counts_issue_12s_networks_as_cnncalc(spec, settings, tmp_path):
    graph = load_file(ARCHITECTURES / f"{spec}.yaml", settings=settings)
    report = analyze(graph)
    model = run_in_keras(graph, tmp_path)["build_model"]()
    assert model.count_params() == report.totals.params + report.totals.non_trainable
    out = report.rows[-1].output_shape
    assert tuple(model.output_shape[1:]) == (*out[1:], out[0])     # channels last


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
def test_keras_builds_every_new_kind_with_cnncalcs_shapes_and_counts(tmp_path):
    graph = load_spec(NEW_KINDS, "k.yaml")
    report = analyze(graph)
    model = run_in_keras(graph, tmp_path)["build_model"]()
    assert model.count_params() == report.totals.params
    out = report.rows[-1].output_shape
    assert tuple(model.output_shape[1:]) == (*out[1:], out[0])


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
def test_the_helper_classes_compute_what_torch_computes(tmp_path):
    """The same values as torch's modules on the same map (channels last in Keras)."""
    torch = pytest.importorskip("torch")
    spec = ("input: [16, 4, 6]\nlayers:\n  - channel_shuffle: 4\n  - chunk: {chunks: 3, "
            "index: 2}\n  - pixel_shuffle: 2\n  - pixel_unshuffle: 2\n  - layer_scale: 0.5\n"
            "  - stochastic_depth: 0.3\n")
    graph = load_spec(spec, "s.yaml")
    namespace = run_in_keras(graph, tmp_path)
    keras = pytest.importorskip("keras")
    x = torch.randn(2, 16, 4, 6)
    piece = torch.nn.ChannelShuffle(4)(x).chunk(3, dim=1)[2]       # 6, 6, 4 channels: the 4
    shuffled = torch.nn.PixelShuffle(2)(piece)
    want = torch.nn.PixelUnshuffle(2)(shuffled)
    model = namespace["build_model"]()
    got = keras.ops.convert_to_numpy(model(x.permute(0, 2, 3, 1), training=False))
    assert torch.allclose(torch.from_numpy(got).permute(0, 3, 1, 2), want * 0.5)
    half = keras.Model(model.input, model.get_layer("pixel_shuffle1").output)
    got = keras.ops.convert_to_numpy(half(x.permute(0, 2, 3, 1)))
    assert torch.equal(torch.from_numpy(got).permute(0, 3, 1, 2), shuffled)
    unshuffle = namespace["PixelUnshuffle"](2)
    got = keras.ops.convert_to_numpy(unshuffle(x.permute(0, 2, 3, 1)))
    assert torch.equal(torch.from_numpy(got).permute(0, 3, 1, 2), torch.nn.PixelUnshuffle(2)(x))


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize("layer", ["interpolate: {size: [17, 30], mode: bilinear}",
                                   "interpolate: {size: [5, 4], mode: bilinear}",
                                   "interpolate: {scale_factor: 2, mode: bilinear}",
                                   "interpolate: {size: [24, 36]}"])
def test_keras_resizes_to_torchs_values(layer, tmp_path):
    torch = pytest.importorskip("torch")
    graph = load_spec(f"input: [3, 12, 12]\nlayers:\n  - {layer}\n", "s.yaml")
    model = run_in_keras(graph, tmp_path)["build_model"]()
    keras = pytest.importorskip("keras")
    x = torch.randn(2, 3, 12, 12)
    a = graph.nodes[0].args
    want = torch.nn.functional.interpolate(
        x, size=a["size"], scale_factor=a["scale_factor"], mode=a["mode"],
        align_corners=False if a["mode"] == "bilinear" else None)
    got = keras.ops.convert_to_numpy(model(x.permute(0, 2, 3, 1)))
    assert torch.allclose(torch.from_numpy(got).permute(0, 3, 1, 2), want, atol=1e-5)


# -- issue 14's ViT: tokens, class token, position embedding, self-attention ------------------

def vit(size: str = "b_32", resolution: int = 64):
    return load_file(ARCHITECTURES / "vit.yaml",
                     settings={"size": size, "resolution": resolution})


def test_vit_exports_without_a_permute_and_reads_back_to_the_same_figures():
    """The patch conv's (2, 2, 768) map is Reshape((4, 768)) in the order Keras holds it (no
    Permute anywhere); the blocks' adds take the sequences as they are; attention is
    MultiHeadAttention(12, 64) called on (x, x); ``cnncalc import keras`` reads the file back
    to the same parameters and MACs."""
    graph = vit()
    report = analyze(graph)
    code = to_keras(graph, "vit.yaml")
    body = code[code.index("def build_model"):]
    assert "Permute" not in body
    assert "    x2 = layers.Reshape((4, 768), name='reshape')(x1)\n" in body
    assert "ClassToken(name='class_token')(x2)" in body
    assert "layers.MultiHeadAttention(\n        12, 64, name='encoder_layers_encoder_layer_0_" \
           "self_attention')(x7, x7)" in body
    assert "Select(-2, 0, name='class_output')" in body
    back = analyze(load_spec(to_spec(read_model(code, "x.py"), "x.py", "test"), "y.yaml"))
    assert back.ok, back.errors
    assert (back.totals.params, back.totals.macs) == (report.totals.params, report.totals.macs)
    assert back.rows[-1].output_shape == (1000,)


def test_a_reshape_is_written_in_keras_order_where_it_can_be():
    """Splitting the channels of a channels-last map regroups within the axes as Keras holds
    them: Reshape((64, 2, 2)) with no Permute. Merging the channels with a spatial axis
    cannot be: the map is laid out as the spec's (one Permute), then Reshape((32, 8)). The
    counts read back equal."""
    def code(target: str) -> tuple[str, str]:
        text = ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 1}\n"
                f"  - reshape: {target}\n  - flatten\n  - linear: 5\n")
        return text, to_keras(load_spec(text, "r.yaml"))

    text, split = code("[2, 2, 64]")
    assert "    x2 = layers.Reshape((64, 2, 2), name='reshape1')(x1)\n" in split
    assert readback_total(split) == analyze(load_spec(text, "r.yaml")).totals.params
    text, merged = code("[32, 8]")
    assert "    x2_1_perm = layers.Permute((3, 1, 2), name='reshape1_perm')(x1)\n" \
           "    x2 = layers.Reshape((32, 8), name='reshape1')(x2_1_perm)\n" in merged
    assert readback_total(merged) == analyze(load_spec(text, "r.yaml")).totals.params


def test_keras_self_attention_reads_as_torchs_and_refuses_what_differs(tmp_path):
    """MultiHeadAttention(h, E/h)(x, x) is multihead_attention (embed_dim = h x key_dim,
    checked against the tokens); a value_dim of its own, or a call on two tensors, is one
    located line."""
    head = ("import keras\nfrom keras import layers\ninputs = keras.Input((10, 32))\n")
    good = head + "x = layers.MultiHeadAttention(4, 8)(inputs, inputs)\n" \
                  "model = keras.Model(inputs, x)\n"
    report = analyze(load_spec(to_spec(read_model(good, "m.py"), "m.py", "t"), "y.yaml"))
    assert report.ok and report.totals.params == 4 * 32 * 32 + 4 * 32
    for body, words in [
            ("x = layers.MultiHeadAttention(4, 8, value_dim=4)(inputs, inputs)\n",
             "value_dim"),
            ("x = layers.MultiHeadAttention(4, 4)(inputs, inputs)\n",
             "embed_dim is written as 16 but the tokens have 32"),
            ("y = layers.Dense(32)(inputs)\nx = layers.MultiHeadAttention(4, 8)(inputs, y)\n",
             "called with 2 arguments")]:
        path = tmp_path / "m.py"
        path.write_text(head + body + "model = keras.Model(inputs, x)\n")
        spec = tmp_path / "m.yaml"
        result = CliRunner().invoke(main, ["import", "keras", str(path), "-o", str(spec)])
        if result.exit_code == 0:
            result = CliRunner().invoke(main, ["analyze", str(spec)])
        assert result.exit_code == 2, result.output
        assert words in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
def test_keras_builds_vit_with_cnncalcs_count_and_torchs_attention(tmp_path):
    """Keras runs the exported ViT-B/32 at 64 x 64: count_params() and the output shape are
    cnncalc's; and one MultiHeadAttention given torch's nn.MultiheadAttention weights
    computes torch's values (the same scaling, softmax and projections, 4 E^2 + 4 E)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="the keras extra is not installed")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()}, this test on torch")
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    import numpy as np

    keras.utils.clear_session()
    graph = vit()
    report = analyze(graph)
    path = tmp_path / "vit.py"
    path.write_text(to_keras(graph, "vit.yaml"))
    model = runpy.run_path(str(path), run_name="exported")["build_model"]()
    assert model.count_params() == report.totals.params == 88_189_672
    assert tuple(model.output_shape[1:]) == report.rows[-1].output_shape == (1000,)
    assert tuple(model(np.zeros((2, 64, 64, 3), "float32")).shape) == (2, 1000)

    dim, heads = 32, 4
    torch.manual_seed(0)
    reference = torch.nn.MultiheadAttention(dim, heads, batch_first=True).eval()
    layer = keras.layers.MultiHeadAttention(heads, dim // heads)
    x = np.random.default_rng(0).standard_normal((2, 7, dim)).astype("float32")
    layer(x, x)
    assert layer.count_params() == sum(p.numel() for p in reference.parameters()) \
        == 4 * dim * dim + 4 * dim
    w_in, b_in = (t.detach().numpy() for t in (reference.in_proj_weight, reference.in_proj_bias))
    split = dim // heads
    kernels = []
    for i in range(3):                      # query, key, value: x @ W_i^T + b_i per head
        kernels += [w_in[i * dim:(i + 1) * dim].T.reshape(dim, heads, split),
                    b_in[i * dim:(i + 1) * dim].reshape(heads, split)]
    out_w = reference.out_proj.weight.detach().numpy()
    kernels += [out_w.T.reshape(heads, split, dim), reference.out_proj.bias.detach().numpy()]
    layer.set_weights(kernels)
    want = reference(*(torch.from_numpy(x),) * 3, need_weights=False)[0].detach().numpy()
    got = np.asarray(keras.ops.convert_to_numpy(layer(x, x)))
    assert np.allclose(got, want, atol=1e-5)
