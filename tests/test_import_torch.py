"""``cnncalc import torch``: small hand-written modules round-trip exactly.

For each module: the spec the importer writes analyzes to the module's own parameter count
(``sum(p.numel() for p in model.parameters())``) and ``FlopCounterMode`` MACs (FLOPs / 2),
``cnncalc verify`` passes on it, and rows are named by module path. Bad references are one
``error:`` line and exit 2. The torchvision round trip is ``tests/test_import_torchvision.py``.
"""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from helpers import ROOT

pytest.importorskip("torch", reason="cnncalc import torch needs the torch extra")

from torch_roundtrip import import_spec, own_figures, spec_figures  # noqa: E402

from cnncalc import analyze_text  # noqa: E402
from cnncalc.cli import main  # noqa: E402
from cnncalc.importers.torch_import import import_torch, same_network  # noqa: E402

pytestmark = pytest.mark.torch

MODELS = '''
import torch
import torch.nn.functional as F
from torch import nn


class Plain(nn.Module):          # conv, BN, ReLU module, max pool, view, linear
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 5, stride=2, padding=2, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.ReLU()
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.fc = nn.Linear(8 * 9 * 9, 10)    # ceil mode: 9 x 9

    def forward(self, x):
        x = self.pool(self.act(self.bn(self.conv(x))))
        return self.fc(x.view(x.size(0), -1))


class Branches(nn.Module):       # functional pools, cat of three, residual add, mean, dropout
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, groups=1), nn.SiLU())
        self.c = nn.Conv2d(3, 4, (1, 3), padding=(0, 1), dilation=1)
        self.mix = nn.Conv2d(12, 12, 3, padding=1, groups=3)
        self.head = nn.Linear(12, 5, bias=False)

    def forward(self, x):
        y = torch.cat([self.a(x), self.b(x), F.relu(self.c(x))], 1)
        y = F.avg_pool2d(y, 2)
        y = y + self.mix(y)
        y = F.dropout(y.mean([2, 3]), 0.2, self.training)
        return F.log_softmax(self.head(y), dim=1)


class Gate(nn.Module):           # squeeze-and-excitation: adaptive pool, sigmoid, multiply
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.fc1 = nn.Conv2d(16, 4, 1)
        self.fc2 = nn.Conv2d(4, 16, 1)
        self.flat = nn.Flatten()

    def forward(self, x):
        x = self.conv(x)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return self.flat(F.adaptive_max_pool2d(x * s, (2, 2)))


class Seq1d(nn.Module):          # 1-D: conv, batch norm, avg pool, flatten, scale by a constant
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv1d(2, 6, 3), nn.BatchNorm1d(6), nn.ReLU6(),
                                  nn.AvgPool1d(2), nn.Flatten(), nn.Linear(6 * 15, 3))

    def forward(self, x):
        return self.body(x * 0.5)


class Branchy(nn.Module):        # forward branches on a shape: fx cannot trace it
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 2)

    def forward(self, x):
        if x.shape[-1] > 4:
            x = self.conv(x)
        return self.fc(x.flatten(1))


class NextBlock(nn.Module):      # ConvNeXt's block: permute, LayerNorm, Linear on a map, gamma
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 7, padding=3, groups=8)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.up = nn.Linear(8, 32)
        self.down = nn.Linear(32, 8)
        self.gamma = nn.Parameter(torch.full((8, 1, 1), 1e-6))
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.down(F.gelu(self.up(self.norm(y))))
        x = x + self.gamma * torch.permute(y, [0, 3, 1, 2])
        return self.head(torch.transpose(x, 1, 3)).flatten(1)


class Shuffle(nn.Module):        # ShuffleNetV2's unit: chunk, branch, cat, channel shuffle
    def __init__(self):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(4, 4, 1), nn.ReLU())
        self.after = nn.Conv2d(8, 6, 1)

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        x = torch.cat((x1, self.branch(x2)), dim=1)
        n, c, h, w = x.size()
        x = x.view(n, 2, c // 2, h, w)
        x = torch.transpose(x, 1, 2).contiguous()
        return self.after(x.view(n, -1, h, w))


class SplitOnly(nn.Module):      # a view that splits the channels, then no transpose
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        x = self.conv(x).view(1, 2, 2, 6, 6)
        pieces = x.chunk(2, dim=1)
        return torch.cat([x.flatten(1), x.flatten(1) * 2, pieces[-1].flatten(1)], 1)


class Basic(nn.Module):          # ResNet's BasicBlock: a downsample where the shape changes
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                        nn.BatchNorm2d(cout)) if stride != 1 else None

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (self.downsample(x) if self.downsample is not None else x))


class Stages(nn.Module):         # a class used four times: one block, its values as arguments
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layer1 = nn.Sequential(Basic(8, 8, 1), Basic(8, 8, 1))
        self.layer2 = nn.Sequential(Basic(8, 16, 2), Basic(16, 16, 1))
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.layer2(self.layer1(self.stem(x))).mean([2, 3]))


class DenseLayer(nn.Module):     # DenseNet's layer: it concatenates every earlier output
    def __init__(self, cin):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.conv = nn.Conv2d(cin, 4, 3, padding=1, bias=False)

    def forward(self, features):
        return self.conv(F.relu(self.norm(torch.cat(features, 1))))


class Dense(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layers = nn.ModuleList([DenseLayer(8 + 4 * i) for i in range(3)])

    def forward(self, x):
        features = [self.stem(x)]
        for layer in self.layers:
            features.append(layer(features))
        return torch.cat(features, 1)


def not_a_model():
    return 42


class TwiceBlock(nn.Module):     # Swin's block: one parameter-free module run in two places
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 1)
        self.post = nn.Sequential(nn.ReLU(), nn.Dropout(0.0))

    def forward(self, x):
        x = x + self.post(self.conv1(x))
        return x + self.post(self.conv2(x))


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(TwiceBlock(8), TwiceBlock(8), TwiceBlock(8))

    def forward(self, x):
        return self.blocks(self.stem(x))


class SharedConv(nn.Module):     # one conv run twice: its weights are shared
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 1)
        self.conv = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(self.stem(x)))


class SharedBranchy(nn.Module):  # the same, where fx cannot trace (read with forward hooks)
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 1)
        self.norm = nn.BatchNorm2d(8, affine=False)   # no parameters: its statistics shared

    def forward(self, x):
        if x.shape[-1] > 4:
            x = self.stem(x)
        return self.norm(self.norm(x))


def raises():
    raise ValueError("no such width")


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.cumsum(self.conv(x), 1)


class ChunkRows(nn.Module):
    def forward(self, x):
        return torch.cat(x.chunk(2, dim=2), 1)


class ChunkWidth(nn.Module):
    def forward(self, x):
        return x.chunk(2, dim=3)[0] * 2


class LoneTranspose(nn.Module):
    def forward(self, x):
        x = x.view(1, 3, 1, 224, 224)
        return torch.transpose(x, 1, 2).flatten(1)


class WrongScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3, 224, 1))

    def forward(self, x):
        return self.scale * x
'''

SHAPES = {"Plain": (3, 32, 32), "Branches": (3, 16, 16), "Gate": (3, 10, 10),
          "Seq1d": (2, 32), "Branchy": (3, 8, 8), "NextBlock": (8, 6, 6), "Shuffle": (8, 5, 5),
          "SplitOnly": (3, 6, 6), "Stages": (3, 8, 8), "Dense": (3, 6, 6),
          "Twice": (3, 6, 6)}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "models.py"
    path.write_text(MODELS)
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_round_trip_equals_the_modules_own_params_and_macs(models, name):
    reference = f"{models}:{name}"
    spec, _ = import_spec(reference, SHAPES[name])
    assert spec_figures(spec) == own_figures(reference, SHAPES[name])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_verify_passes_on_the_written_spec(models, tmp_path, name):
    out = tmp_path / f"{name}.yaml"
    result = invoke("import", "torch", f"{models}:{name}", "--input",
                    ",".join(map(str, SHAPES[name])), "-o", str(out))
    assert result.exit_code == 0, result.output
    result = invoke("verify", str(out))
    assert result.exit_code == 0, result.output
    assert "OK: all" in result.output


def test_rows_are_named_by_module_path_and_functions_by_their_module(models):
    spec, notes = import_spec(f"{models}:Branches", SHAPES["Branches"])
    assert notes == []
    names = [row.name for row in analyze_text(spec).rows]
    assert names == ["a", "b.0", "b.1", "c", "relu", "cat.concat", "avg_pool2d", "mix",
                     "add.add", "mean", "dropout", "head", "log_softmax"]


def test_convnext_calls_become_permute_layernorm_linear_and_layer_scale_rows(models):
    spec, notes = import_spec(f"{models}:NextBlock", SHAPES["NextBlock"])
    assert notes == []               # gamma, read by forward itself, is a used parameter
    rows = analyze_text(spec).rows
    assert [(row.name, row.kind) for row in rows] == [
        ("dw", "conv2d"), ("permute", "permute"), ("norm", "layernorm"), ("up", "linear"),
        ("gelu", "gelu"), ("down", "linear"), ("permute_1", "permute"),
        ("gamma", "layer_scale"), ("add.add", "add"), ("transpose", "permute"),
        ("head", "linear"), ("flatten", "flatten")]
    assert "in_features: 8" in spec and "dims: [0, 3, 2, 1]" in spec


def test_chunk_is_a_row_per_piece_and_the_shuffle_one_row(models):
    spec, _ = import_spec(f"{models}:Shuffle", SHAPES["Shuffle"])
    rows = analyze_text(spec).rows
    assert [(row.name, row.kind) for row in rows if row.kind != "concat"] == [
        ("chunk", "chunk"), ("chunk_1", "chunk"), ("branch.0", "conv2d"),
        ("branch.1", "relu"), ("channel_shuffle", "channel_shuffle"), ("after", "conv2d")]
    assert "{chunks: 2, index: 1}" in spec and "groups: 2" in spec


def test_a_split_view_without_a_shuffle_stays_a_reshape(models):
    spec, _ = import_spec(f"{models}:SplitOnly", SHAPES["SplitOnly"])
    kinds = [row.kind for row in analyze_text(spec).rows if row.kind != "concat"]
    assert kinds == ["conv2d", "reshape", "flatten", "flatten", "rescaling", "chunk", "flatten"]
    assert "{chunks: 2, index: 1}" in spec


def test_a_module_called_twice_gets_a_numbered_second_row():
    reference = "examples/torch/small_resnet.py:SmallResNet"
    flat, _ = import_torch(reference, (1, 28, 28), "cnncalc import torch", flat=True)
    names = [row.name for row in analyze_text(flat).rows]
    assert "blocks.0.relu" in names and "blocks.0.relu_1" in names
    assert names.index("blocks.0.add.add") < names.index("blocks.0.relu_1")
    spec, _ = import_spec(reference, (1, 28, 28))       # in a block: the add is a branch
    names = [row.name for row in analyze_text(spec).rows]
    assert names.index("blocks.0.add1") < names.index("blocks.0.relu_1")


def _rows(spec: str) -> list[tuple]:
    return [(row.name, row.kind, row.output_shape, row.params, row.macs, row.receptive_field)
            for row in analyze_text(spec).rows]


def test_a_repeated_class_is_one_block_its_values_arguments(models):
    """Basic is used four times with two widths, two strides and a downsample in one use:
    one block with those as arguments (the downsample a when:), called per module path;
    every row but the merges keeps its flat name and figures."""
    reference = f"{models}:Stages"
    spec, notes = import_spec(reference, SHAPES["Stages"])
    flat, _ = import_torch(reference, SHAPES["Stages"], "cnncalc import torch", flat=True)
    assert notes == [] and "blocks:" not in flat
    assert "  basic:  # Basic, 4 uses\n    args: [out, stride, downsample]\n" in spec
    assert "      - {name: \"0\", basic: [16, 2, true]}\n" in spec
    assert "when: $downsample" in spec and "out_channels: $out" in spec
    merges = ("add", "concat", "multiply")
    assert [r for r in _rows(spec) if r[1] not in merges] == \
        [r for r in _rows(flat) if r[1] not in merges]
    assert sorted(r[1:] for r in _rows(spec) if r[1] in merges) == \
        sorted(r[1:] for r in _rows(flat) if r[1] in merges)
    assert len(spec.splitlines()) < len(flat.splitlines())


def test_a_module_run_in_two_places_stays_inside_its_block(models):
    """Swin's block runs its stochastic_depth module twice: the block holds both runs, the
    second numbered (post_1) as the flat spec numbers it, and every row keeps its figures."""
    reference = f"{models}:Twice"
    spec, notes = import_spec(reference, SHAPES["Twice"])
    flat, _ = import_torch(reference, SHAPES["Twice"], "cnncalc import torch", flat=True)
    assert notes == [] and "  twice_block:  # TwiceBlock, 3 uses\n" in spec
    assert "- name: post_1\n" in spec and "- name: post_1\n" in flat
    merges = ("add", "concat", "multiply")
    assert [r for r in _rows(spec) if r[1] not in merges] == \
        [r for r in _rows(flat) if r[1] not in merges]
    assert len(spec.splitlines()) < len(flat.splitlines())


def test_a_layer_that_concatenates_earlier_outputs_calls_an_inline_block(models):
    spec, notes = import_spec(f"{models}:Dense", SHAPES["Dense"])
    assert notes == []
    assert "  dense_layer:  # DenseLayer, 3 uses\n    inline: true" in spec
    assert "      - {name: \"0\", layers: [dense_layer]}\n" in spec
    names = [row.name for row in analyze_text(spec).rows]
    assert names[:6] == ["stem", "layers.0.norm", "layers.0.relu", "layers.0.conv",
                         "layers.1.cat.concat", "layers.1.norm"]


def test_flat_writes_every_row_and_the_cli_takes_it(models, tmp_path):
    reference = f"{models}:Stages"
    out = tmp_path / "flat.yaml"
    result = invoke("import", "torch", reference, "--input", "3,8,8", "--flat", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text() == import_torch(reference, SHAPES["Stages"],
                                           f"cnncalc import torch {reference}", flat=True)[0]
    result = invoke("import", "onnx", "x.onnx", "--flat")
    assert result.exit_code == 2 and "--flat is for torch" in result.output


def test_a_block_spec_that_would_differ_falls_back_to_flat_and_says_so(models, monkeypatch):
    """The written blocks are checked against the flat rows; a difference (a bug) never
    reaches the user as a silently different network."""
    from cnncalc.importers import torch_import

    monkeypatch.setattr(torch_import, "same_network", lambda flat, blocks: "row layer1.0.conv1")
    reference = f"{models}:Stages"
    spec, notes = import_spec(reference, SHAPES["Stages"])
    assert "blocks:" not in spec
    assert notes == ["the spec is written without blocks: written with them it would differ "
                     "(row layer1.0.conv1); please report it"]


def test_same_network_sees_a_changed_row(models):
    flat, _ = import_torch(f"{models}:Stages", SHAPES["Stages"], "x", flat=True)
    assert same_network(flat, flat) is None
    wider = flat.replace("out_features: 4", "out_features: 5")
    assert same_network(flat, wider) == "row head"
    assert same_network(flat, "layers: [nonsense]").startswith("it does not load")


def test_the_committed_example_is_what_the_importer_writes():
    reference = "examples/torch/small_resnet.py:SmallResNet"
    spec, _ = import_spec(reference, (1, 28, 28))
    assert (ROOT / "examples" / "torch" / "small_resnet.yaml").read_text() == spec
    assert spec_figures(spec) == own_figures(reference, (1, 28, 28))


def test_where_fx_cannot_trace_hooks_read_the_modules_and_say_so(models):
    reference = f"{models}:Branchy"
    spec, notes = import_spec(reference, SHAPES["Branchy"])
    assert len(notes) == 1 and "torch.fx cannot trace" in notes[0]
    assert "forward hooks" in notes[0]
    assert spec_figures(spec) == own_figures(reference, SHAPES["Branchy"])
    result = invoke("import", "torch", reference, "--input", "3,8,8")
    assert result.exit_code == 0
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("note: torch.fx")


def test_modules_never_called_are_named_in_a_note(tmp_path):
    path = tmp_path / "aux.py"
    path.write_text(textwrap.dedent("""
        from torch import nn
        class WithAux(nn.Module):
            def __init__(self):
                super().__init__()
                self.main = nn.Conv2d(3, 4, 3)
                self.aux = nn.Sequential(nn.Conv2d(4, 4, 1), nn.Conv2d(4, 2, 1))
            def forward(self, x):
                return self.main(x)
        """))
    _, notes = import_spec(f"{path}:WithAux", (3, 8, 8))
    assert notes == ["30 parameters in modules forward never calls in eval mode are not in the "
                     "spec: aux"]


@pytest.mark.parametrize("reference, message", [
    ("{models}:not_a_model", "'not_a_model' returned a int, not a torch.nn.Module"),
    ("{models}:raises", "calling 'raises' raised ValueError: no such width"),
    ("{models}:Nothing", "has no 'Nothing'"),
    ("{models}:Unsupported", "in 'forward': unsupported op torch.cumsum(): cnncalc has no kind"),
    ("{models}:ChunkRows", "a chunk along axis 2 (cnncalc's chunk splits the channels"),
    ("{models}:ChunkWidth", "a chunk along axis 3"),
    ("{models}:LoneTranspose", "other than as a view back to the channels"),
    ("{models}:WrongScale", "uses the parameter or buffer 'scale' directly"),
    ("{models}:SharedConv", "in 'conv': unsupported op Conv2d: it runs a second time with the "
     "same parameters (shared weights), and every row of a cnncalc spec has its own"),
    ("{models}:SharedBranchy", "in 'norm': unsupported op BatchNorm2d: it runs a second time"),
    ("{models}", "is not MODULE:FACTORY"),
    ("{models}:", "is not MODULE:FACTORY"),
    ("{models}:1+", "is not a factory name"),
    ("{models}:Plain(x=open('f'))", "must be literals"),
    ("no_such_module_xyz:build", "no module named 'no_such_module_xyz'"),
    ("missing/model.py:Net", "no such file: 'missing/model.py'"),
])
def test_bad_references_are_one_line_and_exit_2(models, reference, message):
    result = invoke("import", "torch", reference.format(models=models))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr


def test_a_file_that_raises_while_it_runs_is_one_line(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import torch\nraise RuntimeError('half written')\n")
    result = invoke("import", "torch", f"{path}:Net")
    assert result.exit_code == 2
    assert result.stderr == (f"error: '{path}:Net': running '{path}' raised RuntimeError: "
                             "half written\n")


def test_an_input_the_model_cannot_take_is_one_line(models):
    result = invoke("import", "torch", f"{models}:Plain", "--input", "3,8,8")
    assert result.exit_code == 2
    assert "running it on a 1x3x8x8 input raised" in result.stderr
    assert "--input" in result.stderr and result.stderr.count("\n") == 1


def test_the_docs_rerun_the_torch_imports():
    from test_readme_examples import _sessions

    page = ROOT / "docs" / "import.md"
    commands = [cmd for _, runs in _sessions(page) for cmd, _, _ in runs]
    assert "cnncalc import torch examples/torch/small_resnet.py:SmallResNet --input 1,28,28" \
        in commands
    assert "cnncalc import torch examples/torch/unsupported.py:RunningSum" in commands


def test_what_the_code_prints_goes_to_stderr_not_into_the_spec(tmp_path):
    path = tmp_path / "chatty.py"
    path.write_text("from torch import nn\nprint('loading')\n"
                    "def build():\n    print('building')\n    return nn.Conv2d(3, 4, 3)\n")
    result = invoke("import", "torch", f"{path}:build")
    assert result.exit_code == 0
    assert result.stderr == "loading\nbuilding\n"
    assert result.stdout.startswith("# Written by") and "conv2d:" in result.stdout


def test_block_names_never_shadow_a_kind_or_a_spec_word():
    from cnncalc.importers.torch_blocks import block_name

    taken: set[str] = set()
    names = [block_name(c, taken) for c in ("m.Bottleneck", "n.Bottleneck", "m.Conv2d",
                                            "m.Repeat", "m._DenseLayer", "m.SEBlock")]
    assert names == ["bottleneck", "bottleneck_2", "conv2d_block", "repeat_block",
                     "dense_layer", "se_block"]
