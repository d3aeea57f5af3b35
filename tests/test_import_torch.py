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


def not_a_model():
    return 42


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
          "SplitOnly": (3, 6, 6)}


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
    spec, _ = import_spec("examples/torch/small_resnet.py:SmallResNet", (1, 28, 28))
    names = [row.name for row in analyze_text(spec).rows]
    assert "blocks.0.relu" in names and "blocks.0.relu_1" in names
    assert names.index("blocks.0.add.add") < names.index("blocks.0.relu_1")


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
