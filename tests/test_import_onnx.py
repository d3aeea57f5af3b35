"""``cnncalc import onnx``: round trips through ONNX files, ops built by hand, and bad input.

Round trip: a PyTorch module exported with ``torch.onnx.export`` (the TorchScript exporter,
``dynamo=False``, which needs only the onnx package; the torch.export one needs onnxscript
too), imported, and analyzed: the spec's parameters equal the module's ``parameters()`` and
the file's initializers (BatchNorm's running statistics apart, which are buffers), and its
MACs equal ``FlopCounterMode``'s FLOPs / 2. Skipped with the reason where the onnx extra (or
torch, for the exports) is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import analyze_file
from cnncalc.cli import main

onnx = pytest.importorskip("onnx", reason="the onnx extra is not installed "
                                          "(pip install -e '.[onnx]')")
from onnx import TensorProto, helper  # noqa: E402

pytestmark = pytest.mark.onnx


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def imported(path: Path, tmp_path: Path, *extra: str):
    spec = tmp_path / (path.stem + ".yaml")
    result = run("import", "onnx", str(path), "-o", str(spec), *extra)
    assert result.exit_code == 0, result.output
    return spec, analyze_file(str(spec))


def initializer_params(path: Path, constants: bool = False) -> int:
    """The file's own count: every float initializer, less BatchNorm's running mean and
    variance (inputs 3 and 4 of each BatchNormalization node); with ``constants``, the
    float tensors of Constant nodes too (where the exporter put folded biases)."""
    model = onnx.load(str(path))
    stats = {i for n in model.graph.node if n.op_type == "BatchNormalization"
             for i in n.input[3:5]}
    total = 0
    tensors = list(model.graph.initializer)
    if constants:
        tensors += [a.t for n in model.graph.node if n.op_type == "Constant"
                    for a in n.attribute if a.name == "value"]
    for t in tensors:
        if t.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE) and \
                t.name not in stats and t.dims:
            n = 1
            for d in t.dims:
                n *= d
            total += n
    return total


# -- round trips of modules exported by torch ------------------------------------------------

def _modules():
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    nn = torch.nn

    class Basic(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout)) if stride != 1 else None

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return self.relu(y + (self.down(x) if self.down is not None else x))

    class ResNetLike(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3, bias=False), nn.BatchNorm2d(16),
                                      nn.ReLU(), nn.MaxPool2d(3, 2, 1))
            self.layer1 = nn.Sequential(Basic(16, 16, 1), Basic(16, 32, 2))
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = nn.functional.adaptive_avg_pool2d(self.layer1(self.stem(x)), 1)
            return self.fc(torch.flatten(x, 1))

    class VGGLike(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(True),
                                          nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                                          nn.ReLU(True), nn.MaxPool2d(2, ceil_mode=True))
            self.avgpool = nn.AdaptiveAvgPool2d(4)
            self.classifier = nn.Sequential(nn.Linear(16 * 16, 32), nn.ReLU(True),
                                            nn.Dropout(), nn.Linear(32, 5))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    class MobileLike(nn.Module):
        """Depthwise convs, hardswish, SiLU, squeeze-and-excitation (a Mul), relu6, a
        concat of two branches, average pooling with count_include_pad."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16),
                                      nn.Hardswish())
            self.dw = nn.Conv2d(16, 16, 5, 1, 2, groups=16)
            self.act = nn.SiLU()
            self.se1 = nn.Conv2d(16, 4, 1)
            self.se2 = nn.Conv2d(4, 16, 1)
            self.b1 = nn.Sequential(nn.Conv2d(16, 8, 1), nn.ReLU6())
            self.b2 = nn.Sequential(nn.AvgPool2d(3, 1, 1), nn.Conv2d(16, 8, 1), nn.Sigmoid())
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(16, 3), nn.Softmax(dim=1))

        def forward(self, x):
            x = self.act(self.dw(self.stem(x)))
            s = nn.functional.adaptive_avg_pool2d(x, 1)
            x = x * torch.sigmoid(self.se2(torch.relu(self.se1(s))))
            x = torch.cat([self.b1(x), self.b2(x)], 1)
            return self.head(nn.functional.adaptive_max_pool2d(x, 1))

    class UNetLike(nn.Module):
        """ConvTranspose, Resize (nearest and bilinear), Pad, a skip concat."""

        def __init__(self):
            super().__init__()
            self.down = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.LeakyReLU(0.2),
                                      nn.MaxPool2d(2))
            self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
            self.up2 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
            self.pad = nn.ZeroPad2d((1, 0, 2, 1))
            self.out = nn.Conv2d(16, 2, 1)

        def forward(self, x):
            d = self.down(x)
            y = self.pad(self.up(d))
            z = self.up2(self.up2(nn.functional.interpolate(d, scale_factor=0.5)))
            return self.out(torch.cat([y, self.pad(z)], 1))

    class Seq1d(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Conv1d(4, 8, 5, stride=2, dilation=2), nn.BatchNorm1d(8),
                                     nn.ELU(), nn.MaxPool1d(2), nn.Flatten(), nn.Linear(8 * 6, 3))

        def forward(self, x):
            return self.net(x)

    return torch, {"resnet_like": (ResNetLike, (3, 64, 64)), "vgg_like": (VGGLike, (3, 32, 32)),
                   "mobile_like": (MobileLike, (3, 32, 32)), "unet_like": (UNetLike, (1, 16, 16)),
                   "seq1d": (Seq1d, (4, 32))}


MODELS = ["resnet_like", "vgg_like", "mobile_like", "unet_like", "seq1d"]


def export(torch, module, shape, path: Path, keep_batchnorm: bool = True) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mode = torch.onnx.TrainingMode.TRAINING if keep_batchnorm else \
            torch.onnx.TrainingMode.EVAL
        torch.onnx.export(module, (torch.zeros(1, *shape),), str(path), dynamo=False,
                          training=mode)


def torch_figures(torch, module, shape) -> tuple[int, int]:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(torch.zeros(1, *shape))
    return sum(p.numel() for p in module.parameters()), counter.get_total_flops() // 2


@pytest.mark.torch
@pytest.mark.parametrize("name", MODELS)
def test_exported_module_round_trips(name, tmp_path):
    torch, modules = _modules()
    cls, shape = modules[name]
    torch.manual_seed(0)
    module = cls().eval()
    path = tmp_path / f"{name}.onnx"
    export(torch, module, shape, path)
    spec, report = imported(path, tmp_path)
    assert not report.errors, report.errors
    params, macs = torch_figures(torch, module, shape)
    assert report.totals.params == params == initializer_params(path)
    assert report.totals.macs == macs
    assert f"{params:,} trainable weights read" in spec.read_text()


@pytest.mark.torch
def test_batchnorm_folded_by_the_exporter_is_the_files_count(tmp_path):
    """In eval mode the exporter folds BatchNorm into the conv before it (the conv gains a
    bias of C, the BatchNorm's 2C go): the spec counts the layers the file holds. Equal
    biases are stored once and shared (Identity nodes); the header says both figures."""
    torch, modules = _modules()
    cls, shape = modules["resnet_like"]
    module = cls().eval()
    path = tmp_path / "fused.onnx"
    export(torch, module, shape, path, keep_batchnorm=False)
    spec, report = imported(path, tmp_path)
    params, macs = torch_figures(torch, module, shape)
    text = spec.read_text()
    assert "batchnorm2d" not in text
    channels = sum(m.num_features for m in module.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))
    assert report.totals.params == params - channels
    stored = initializer_params(path, constants=True)
    assert stored < params - channels
    assert f"{params - channels:,} trainable weights read ({stored:,} stored" in text
    assert report.totals.macs == macs


@pytest.mark.torch
def test_a_module_run_twice_is_counted_per_layer_and_the_header_says_so(tmp_path):
    """One conv run twice: both Conv nodes read the same initializers. The spec gives each
    layer its own (ONNX cannot tell shared weights from equal values stored once), and the
    header's figure is what the spec counts, with the stored figure beside it."""
    torch, _ = _modules()

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = torch.nn.Conv2d(3, 8, 1)
            self.conv = torch.nn.Conv2d(8, 8, 3, padding=1)

        def forward(self, x):
            return self.conv(self.conv(self.stem(x)))

    path = tmp_path / "twice.onnx"
    export(torch, Twice().eval(), (3, 8, 8), path)
    spec, report = imported(path, tmp_path)
    per_layer = 3 * 8 + 8 + 2 * (8 * 8 * 9 + 8)
    assert report.totals.params == per_layer == 1_200
    assert initializer_params(path) == 616
    assert f"{per_layer:,} trainable weights read (616 stored: layers share tensors" in \
        spec.read_text()


@pytest.mark.torch
def test_slices_and_sub_div_of_computed_tensors_round_trip(tmp_path):
    """``x[:, :4]`` and ``x[:, 4:]`` are chunk rows, ``x[:, :, 1:-1]`` a crop, ``a - b`` and
    ``a / b`` of two computed tensors add and multiply rows (the same shapes and counts),
    which the header says."""
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    nn = torch.nn

    class Slices(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.side = nn.Conv2d(4, 4, 1)
            self.head = nn.Conv2d(4, 6, 3)

        def forward(self, x):
            y = self.conv(x)
            a, b = y[:, :4], self.side(y[:, 4:])
            z = (a - b) / torch.sigmoid(b)
            return self.head(z[:, :, 1:-1, 2:])

    module = Slices().eval()
    path = tmp_path / "slices.onnx"
    export(torch, module, (3, 16, 16), path)
    spec, report = imported(path, tmp_path)
    assert not report.errors, report.errors
    assert (report.totals.params, report.totals.macs) == torch_figures(torch, module,
                                                                       (3, 16, 16))
    text = spec.read_text()
    assert "chunk: {chunks: 2, index: 0}" in text and "chunk: {chunks: 2, index: 1}" in text
    assert "cropping2d: {cropping: [1, 1, 0, 0]}" in text
    assert "cropping2d: {cropping: [0, 0, 2, 0]}" in text
    assert "# Not exact op for op: Sub of two computed tensors written as add (the same " \
           "shapes and counts); Div of two computed tensors written as multiply" in text
    assert report.rows[-1].output_shape == (6, 10, 10)     # 14 x 14 cropped to 12 x 12


@pytest.mark.torch
def test_lrn_is_local_response_norm(tmp_path):
    """LRN (AlexNet's, as Caffe-era exporters write it) is a ``local_response_norm`` row with
    the same size, alpha, beta and bias, and the same figures as PyTorch's
    ``nn.LocalResponseNorm``. (``torch.onnx.export`` itself writes LocalResponseNorm as
    its arithmetic, Pow/AveragePool/If, not as LRN: the graph is built by hand here.)"""
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="/conv/Conv",
                              kernel_shape=[3, 3]),
             helper.make_node("LRN", ["c"], ["y"], name="/norm/LRN", size=5, alpha=2e-4,
                              beta=0.7, bias=2.0)]
    path = _save(_model(nodes, [_weight("w", 8, 3, 3, 3), _weight("b", 8)], shape=(1, 3, 10,
                                                                                     10)),
                 tmp_path / "lrn.onnx")
    spec, report = imported(path, tmp_path)
    assert "local_response_norm: {size: 5, alpha: 0.0002, beta: 0.7, k: 2.0}" in \
        spec.read_text()
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3),
                                 torch.nn.LocalResponseNorm(5, 2e-4, 0.7, 2.0)).eval()
    assert (report.totals.params, report.totals.macs) == torch_figures(torch, module,
                                                                       (3, 10, 10))
    assert report.rows[-1].output_shape == (8, 8, 8)


# -- ops built by hand (no torch needed) ---------------------------------------------------

def _model(nodes, inits, shape=(1, 3, 8, 8), opset=17, name="x", out_rank=4):
    graph = helper.make_graph(
        nodes, "hand", [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT,
                                       [None] * out_rank)],
        initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _weight(name, *dims):
    n = 1
    for d in dims:
        n *= d
    return helper.make_tensor(name, TensorProto.FLOAT, list(dims), [0.0] * n)


def _ints(name, values):
    return helper.make_tensor(name, TensorProto.INT64, [len(values)], list(values))


def _save(model, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def test_hand_built_ops_map_to_their_kinds(tmp_path):
    """Pad (asymmetric), Conv with SAME_UPPER at stride 2, Resize by sizes, MatMul + Add as
    one dense layer with its bias, Clip(0, 6) as relu6, Mul by a number as rescaling."""
    nodes = [
        helper.make_node("Mul", ["x", "half"], ["s"], name="/scale/Mul"),
        helper.make_node("Pad", ["s", "pads"], ["p"], name="/pad/Pad"),
        helper.make_node("Conv", ["p", "w"], ["c"], name="/conv/Conv", auto_pad="SAME_UPPER",
                         strides=[2, 2]),
        helper.make_node("Clip", ["c", "zero", "six"], ["r"], name="/act/Clip"),
        helper.make_node("Resize", ["r", "", "", "sizes"], ["u"], name="/up/Resize",
                         mode="nearest"),
        helper.make_node("GlobalAveragePool", ["u"], ["g"], name="/GlobalAveragePool"),
        helper.make_node("Flatten", ["g"], ["f"], name="/Flatten"),
        helper.make_node("MatMul", ["f", "m"], ["mm"], name="/fc/MatMul"),
        helper.make_node("Add", ["mm", "b"], ["y"], name="/fc/Add"),
    ]
    inits = [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
             _ints("pads", [0, 0, 1, 0, 0, 0, 2, 1]), _weight("w", 4, 3, 3, 3),
             helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
             helper.make_tensor("six", TensorProto.FLOAT, [], [6.0]),
             _ints("sizes", [1, 4, 10, 10]), _weight("m", 4, 7), _weight("b", 7)]
    path = _save(_model(nodes, inits, out_rank=2), tmp_path / "hand.onnx")
    spec, report = imported(path, tmp_path)
    text = spec.read_text()
    assert "rescaling: {scale: 0.5}" in text
    assert "zeropad2d: {padding: [1, 2, 0, 1]}" in text
    assert "conv2d: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1, bias: false}" \
        in text
    assert "relu6: {}" in text and "upsample: {size: 10}" in text
    assert "linear: {out_features: 7}" in text
    rows = {r.kind: r for r in report.rows}
    assert rows["zeropad2d"].output_shape == (3, 11, 9)
    assert rows["conv2d"].output_shape == (4, 6, 5)  # ceil(11/2), ceil(9/2): SAME_UPPER
    assert report.totals.params == 4 * 27 + 4 * 7 + 7 == initializer_params(path)
    assert report.rows[-1].output_shape == (7,)


def test_split_and_transpose_need_their_kinds_or_say_so(tmp_path):
    from cnncalc.layers import lookup

    nodes = [helper.make_node("Split", ["x"], ["a", "b"], name="/split/Split", axis=1,
                              num_outputs=2),
             helper.make_node("Add", ["a", "b"], ["y"], name="/Add")]
    path = _save(_model(nodes, [], shape=(1, 4, 8, 8), opset=18), tmp_path / "split.onnx")
    result = run("import", "onnx", str(path))
    if lookup("chunk") is None:
        assert result.exit_code == 2
        assert "'chunk' layer kind" in result.output and "(Split)" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert "chunk: {chunks: 2, index: 1}" in result.output
    nodes = [helper.make_node("Transpose", ["x"], ["y"], name="/t/Transpose",
                              perm=[0, 2, 3, 1])]
    path = _save(_model(nodes, []), tmp_path / "transpose.onnx")
    result = run("import", "onnx", str(path))
    if lookup("permute") is None:
        assert result.exit_code == 2 and "'permute' layer kind" in result.output
    else:
        assert result.exit_code == 0 and "permute: {dims: [0, 2, 3, 1]}" in result.output


def test_open_input_sizes_need_input(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="/Relu")]
    path = _save(_model(nodes, [], shape=("N", 3, "H", "W")), tmp_path / "open.onnx")
    result = run("import", "onnx", str(path))
    assert result.exit_code == 2 and "--input" in result.output
    result = run("import", "onnx", str(path), "--input", "3,20,20")
    assert result.exit_code == 0 and "input: [3, 20, 20]" in result.output


# -- bad input: one line, exit 2, naming the file and the node --------------------------------

def _one_error(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]


def test_a_file_that_is_not_onnx(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_text("name: not onnx\nlayers: [relu]\n")
    _one_error(run("import", "onnx", str(path)), str(path), "not an ONNX model")
    path.write_bytes(b"")
    _one_error(run("import", "onnx", str(path)), str(path), "not an ONNX model")


def test_a_truncated_file(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="/conv/Conv")]
    whole = _model(nodes, [_weight("w", 8, 3, 3, 3)]).SerializeToString()
    for cut in (len(whole) // 3, len(whole) // 2, len(whole) - 5):
        path = tmp_path / f"cut{cut}.onnx"
        path.write_bytes(whole[:cut])
        _one_error(run("import", "onnx", str(path)), str(path))


def test_an_unsupported_op_names_the_node_and_op(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="/features/Relu"),
             helper.make_node("Einsum", ["r"], ["y"], name="/features/mix/Einsum",
                              equation="ij->ji")]
    path = _save(_model(nodes, []), tmp_path / "einsum.onnx")
    _one_error(run("import", "onnx", str(path)), str(path), "'/features/mix/Einsum' (Einsum)",
               "no cnncalc layer")


@pytest.mark.parametrize("starts, ends, axes, steps, words", [
    ([0], [8], [2], [2], ["steps [2]", "step 1 only"]),
    ([0, 1], [2, 7], [1, 2], [1, 1], ["slices axes [1, 2]", "channels alone"]),
    ([1], [3], [1], [1], ["channels 1:3 of 4", "equal split"]),
    ([0], [1], [0], [1], ["(Slice)"]),                 # the whole batch: no cut, an alias
])
def test_a_slice_cnncalc_cannot_write_is_one_line(tmp_path, starts, ends, axes, steps, words):
    nodes = [helper.make_node("Slice", ["x", "s", "e", "a", "t"], ["y"], name="/crop/Slice"),
             helper.make_node("Relu", ["y"], ["z"], name="/Relu")]
    inits = [_ints("s", starts), _ints("e", ends), _ints("a", axes), _ints("t", steps)]
    path = _save(_model(nodes, inits, shape=(1, 4, 8, 8)), tmp_path / "slice.onnx")
    result = run("import", "onnx", str(path))
    if axes == [0]:
        assert result.exit_code == 0, result.output
        assert "Slice" not in result.output and "relu: {}" in result.output
    else:
        _one_error(result, str(path), "'/crop/Slice' (Slice)", *words)


def test_a_missing_file_and_a_folder(tmp_path):
    _one_error(run("import", "onnx", str(tmp_path / "nope.onnx")), "nope.onnx")
    _one_error(run("import", "onnx", str(tmp_path)), str(tmp_path))


def test_a_device_or_a_pipe_is_refused_before_it_is_read(tmp_path):
    """/dev/zero would otherwise be read up to protobuf's 2 GiB limit before being refused."""
    _one_error(run("import", "onnx", "/dev/zero"), "/dev/zero is not a regular file")
    fifo = tmp_path / "model.onnx"
    os.mkfifo(fifo)                 # opening it to read would block forever
    _one_error(run("import", "onnx", str(fifo)), "is not a regular file")


def test_without_the_onnx_package_the_error_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    path = tmp_path / "m.onnx"
    path.write_bytes(b"\x08\x07")
    _one_error(run("import", "onnx", str(path)), "cnncalc[onnx]")


# -- real torchvision models (where a torchvision can be imported) ---------------------------

TORCHVISION_SITE = os.environ.get("CNNCALC_TORCHVISION_SITE",
                                  "/tmp/tv/lib/python3.11/site-packages")
TORCHVISION_MODELS = ["resnet18", "mobilenet_v3_small", "squeezenet1_1", "densenet121",
                      "googlenet", "efficientnet_b0", "regnet_y_400mf", "mnasnet0_5",
                      "alexnet", "vgg11", "convnext_tiny", "lraspp_mobilenet_v3_large"]
_EXPORT = """
import sys, types, warnings, json
sys.modules["torchvision._meta_registrations"] = types.ModuleType("stub")
import torch, torchvision
from torch.utils.flop_counter import FlopCounterMode
warnings.simplefilter("ignore")
name, path = sys.argv[1], sys.argv[2]
kwargs = {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
if name.startswith("lraspp"):   # no backbone weights to download; a Resize to the input's size
    kwargs = {"weights_backbone": None}
model = torchvision.models.get_model(name, **kwargs).eval()
x = torch.zeros(1, 3, 224, 224)
counter = FlopCounterMode(display=False)
with counter, torch.no_grad():
    model(x)
# PRESERVE on an eval model: BatchNorm kept (not folded), dropout and stochastic depth off
torch.onnx.export(model, (x,), path, dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
print(json.dumps([sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2,
                  torchvision.__version__]))
"""


def _torchvision_path(tmp_path: Path) -> str:
    """A folder that makes /tmp/tv's torchvision (and PIL) importable beside this
    environment's torch, read-only; skip when there is none."""
    try:
        import torchvision  # noqa: F401

        return ""
    except Exception:
        pass
    site = Path(TORCHVISION_SITE)
    if not (site / "torchvision").is_dir():
        pytest.skip("torchvision is not installed here and CNNCALC_TORCHVISION_SITE names no "
                    "site-packages with it")
    folder = tmp_path / "tvpath"
    folder.mkdir()
    for name in ("torchvision", "torchvision.libs", "PIL", "pillow.libs"):
        if (site / name).exists():
            (folder / name).symlink_to(site / name)
    return str(folder)


@pytest.mark.torch
@pytest.mark.parametrize("name", TORCHVISION_MODELS)
def test_torchvision_model_round_trips(name, tmp_path):
    pytest.importorskip("torch", reason="the torch extra is not installed")
    extra = _torchvision_path(tmp_path)
    path = tmp_path / f"{name}.onnx"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (extra, os.environ.get(
        "PYTHONPATH", "")) if p)}
    done = subprocess.run([sys.executable, "-c", _EXPORT, name, str(path)], env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode and "No module named" in done.stderr:
        pytest.skip(f"torchvision does not import here: {done.stderr.splitlines()[-1]}")
    assert done.returncode == 0, done.stderr[-2000:]
    params, macs, _ = json.loads(done.stdout.strip().splitlines()[-1])
    spec, report = imported(path, tmp_path)
    assert not report.errors
    assert report.totals.params == params
    assert f"initializers: {params:,} trainable weights read" in spec.read_text()
    # the exporter stores equal tensors once (BatchNorm's zero shifts): fewer stored values
    assert initializer_params(path, constants=True) <= params
    assert report.totals.macs == macs


def test_hostile_files_stay_bounded_and_one_line(tmp_path):
    """Shape arithmetic that doubles 60 times is not evaluated (2^60 values); a node name
    with a newline cannot forge a second line."""
    nodes = [helper.make_node("Constant", [], ["c0"], value=helper.make_tensor(
        "v", TensorProto.INT64, [2], [1, 2]))]
    for i in range(60):
        nodes.append(helper.make_node("Concat", [f"c{i}", f"c{i}"], [f"c{i + 1}"], axis=0))
    nodes.append(helper.make_node("Relu", ["x"], ["y"], name="/Relu"))
    path = _save(_model(nodes, []), tmp_path / "doubling.onnx")
    result = run("import", "onnx", str(path))
    assert result.exit_code == 0, result.output
    assert "relu: {}" in result.output
    nodes = [helper.make_node("LpNormalization", ["x"], ["y"], name="evil\nerror: forged")]
    path = _save(_model(nodes, []), tmp_path / "evil.onnx")
    _one_error(run("import", "onnx", str(path)), "evil?error: forged", "(LpNormalization)")


# -- the gaps of issue 14: several inputs, ConvTranspose's output_shape, LayerNormalization --

def test_a_second_input_is_one_line_naming_every_input(tmp_path):
    """A spec has one input: a model with two is refused, both named with their shapes."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "mask"], ["y"], name="/Add")], "two",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])])
    path = _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                 tmp_path / "two.onnx")
    _one_error(run("import", "onnx", str(path)), "has 2 inputs", "'x' [1, 3, 8, 8]",
               "'mask' [1, 3, 8, 8]", "one input")


def _transposed(tmp_path, name, size=5, kernel=3, stride=2, **attributes):
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="/up/ConvTranspose",
                              kernel_shape=[kernel, kernel], strides=[stride, stride],
                              **attributes)]
    return _save(_model(nodes, [_weight("w", 3, 4, kernel, kernel), _weight("b", 4)],
                        shape=(1, 3, size, size)), tmp_path / f"{name}.onnx")


def _inferred(path):
    inferred = onnx.shape_inference.infer_shapes(onnx.load(str(path)), strict_mode=True)
    dims = inferred.graph.output[0].type.tensor_type.shape.dim
    return tuple(d.dim_value for d in dims)[1:]


@pytest.mark.parametrize("attributes, rows", [
    # TensorFlow's 'same' as ONNX writes it: output_shape = input * stride; the operator's
    # rule gives pads (1, 0): padding 1, output_padding 1 in one row
    ({"output_shape": [10, 10]}, ["padding: 1, output_padding: 1"]),
    ({"auto_pad": "SAME_UPPER"}, ["stride: 2}}", "cropping2d: {cropping: [0, 1, 0, 1]}"]),
    ({"auto_pad": "SAME_LOWER"}, ["padding: 1, output_padding: 1"]),
    ({"output_shape": [9, 8], "output_padding": [1, 1]}, ["cropping2d"]),
    ({"pads": [0, 0, 2, 2]}, ["cropping2d: {cropping: [0, 2, 0, 2]}"]),
    ({"pads": [1, 2, 1, 2], "output_padding": [1, 0]},
     ["padding: [1, 2], output_padding: [1, 0]}"]),
])
def test_conv_transpose_output_shape_and_uneven_pads(tmp_path, attributes, rows):
    """The written output size (or auto_pad SAME_*) by ONNX's rule, and pads that differ
    before and after: the spec's output is the size ONNX shape inference gives, the
    parameters the initializers', the MACs those of the one transposed convolution."""
    path = _transposed(tmp_path, "up", **attributes)
    spec, report = imported(path, tmp_path)
    assert not report.errors, report.errors
    text = spec.read_text()
    for row in rows:
        assert row in text, text
    assert report.rows[-1].output_shape == _inferred(path)
    assert report.totals.params == 3 * 4 * 9 + 4 == initializer_params(path)
    assert report.totals.macs == 3 * 4 * 9 * 5 * 5       # per input position, as torch counts


@pytest.mark.torch
@pytest.mark.parametrize("pads, extra", [([0, 0, 2, 2], [0, 0]), ([2, 1, 0, 1], [1, 1]),
                                         ([1, 1, 0, 0], [1, 0])])
def test_conv_transpose_rows_compute_the_onnx_values(tmp_path, pads, extra):
    """The rows written for uneven pads compute ONNX's values, not only its shape: the
    ONNX reference evaluator against torch's ConvTranspose2d with the written padding and
    output_padding, then the written crop, on the same weights."""
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    import numpy as np
    from onnx.reference import ReferenceEvaluator

    path = _transposed(tmp_path, "vals", size=4, pads=pads, output_padding=extra)
    spec, report = imported(path, tmp_path)
    model = onnx.load(str(path))
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    x = rng.standard_normal((1, 3, 4, 4)).astype(np.float32)
    del model.graph.initializer[:]
    model.graph.initializer.extend([onnx.numpy_helper.from_array(w, "w"),
                                    onnx.numpy_helper.from_array(b, "b")])
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    import yaml

    rows = {k: v for row in yaml.safe_load(spec.read_text())["layers"] for k, v in row.items()
            if k != "name"}
    args = {"padding": 0, "output_padding": 0, **rows["conv_transpose2d"]}
    layer = torch.nn.ConvTranspose2d(3, 4, 3, 2, padding=args["padding"],
                                     output_padding=args["output_padding"])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        layer.bias.copy_(torch.from_numpy(b))
        got = layer(torch.from_numpy(x)).numpy()
    if "cropping2d" in rows:
        top, bottom, left, right = rows["cropping2d"]["cropping"]
        got = got[:, :, top:got.shape[2] - bottom, left:got.shape[3] - right]
    assert got.shape == expected.shape == (1, *report.rows[-1].output_shape)
    assert np.allclose(got, expected, atol=1e-5)


def test_conv_transpose_that_cannot_be_said_is_one_line(tmp_path):
    path = _transposed(tmp_path, "big", output_shape=[14, 14])
    _one_error(run("import", "onnx", str(path)), "output_shape [14, 14] is larger",
               "(ConvTranspose)")
    path = _transposed(tmp_path, "op", output_padding=[2, 2])
    _one_error(run("import", "onnx", str(path)), "output_padding [2, 2] must be below")


def test_lp_normalization_is_one_line_with_its_reason(tmp_path):
    nodes = [helper.make_node("LpNormalization", ["x"], ["y"], name="/norm/LpNormalization",
                              axis=1, p=2)]
    path = _save(_model(nodes, []), tmp_path / "lp.onnx")
    _one_error(run("import", "onnx", str(path)), "(LpNormalization)", "L2 normalization",
               "no cnncalc layer kind")


@pytest.mark.torch
def test_layer_normalization_round_trips(tmp_path):
    """torch.onnx.export writes nn.LayerNorm as LayerNormalization (opset 17 on): ConvNeXt's
    block (a depthwise conv, a LayerNorm on the channels after a permute, two linears on
    the last axis with GELU between, written as its Erf arithmetic, and the layer scale, a
    Mul by a stored (C, 1, 1) tensor) and a LayerNorm over two axes without bias."""
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.dw = nn.Conv2d(8, 8, 7, padding=3, groups=8)
            self.norm = nn.LayerNorm(8, eps=1e-6)
            self.fc1, self.act, self.fc2 = nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 8)
            self.layer_scale = nn.Parameter(torch.full((8, 1, 1), 1e-6))
            self.last = nn.LayerNorm([8, 8], bias=False)

        def forward(self, x):
            y = self.dw(x).permute(0, 2, 3, 1)
            y = self.fc2(self.act(self.fc1(self.norm(y)))).permute(0, 3, 1, 2)
            return self.last(x + self.layer_scale * y)

    module = Block().eval()
    path = tmp_path / "block.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(1, 8, 8, 8),), str(path), dynamo=False,
                          opset_version=17)
    assert "LayerNormalization" in {n.op_type for n in onnx.load(str(path)).graph.node}
    spec, report = imported(path, tmp_path)
    assert not report.errors, report.errors
    text = spec.read_text()
    assert "layernorm: {normalized_shape: 8, eps: 1.0e-06}" in text
    assert "layernorm: {normalized_shape: [8, 8], bias: false}" in text
    assert "gelu: {}" in text and "layer_scale: {}" in text and "Erf" not in text
    assert (report.totals.params, report.totals.macs) == torch_figures(torch, module, (8, 8, 8))
    assert report.totals.params == initializer_params(path)
