"""``cnncalc import torch`` on a small Vision Transformer written as torchvision writes its
ViT (issue 14): the patch conv, reshape and permute to tokens, the class token prepended with
``expand`` and ``torch.cat``, the position embedding added, ``nn.MultiheadAttention`` as
self-attention, ``x[:, 0]`` and a head. It round-trips exactly (parameters and FlopCounterMode
MACs on the meta device), ``cnncalc verify`` passes, and attention the kinds cannot write is
one line naming the module. torchvision's own ViTs are in tests/test_import_torchvision.py."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

pytest.importorskip("torch", reason="cnncalc import torch needs the torch extra")

from torch_roundtrip import import_spec, own_figures, spec_figures  # noqa: E402

from cnncalc import CnnCalcError, analyze_text  # noqa: E402
from cnncalc.cli import main  # noqa: E402

pytestmark = pytest.mark.torch

MODELS = '''
import torch
from torch import nn


class TinyViT(nn.Module):
    def __init__(self, bias=True, batch_first=True, cross=False, weights=False):
        super().__init__()
        self.conv_proj = nn.Conv2d(3, 12, 4, stride=4)
        self.class_token = nn.Parameter(torch.zeros(1, 1, 12))
        self.pos_embedding = nn.Parameter(torch.zeros(1, 17, 12))
        self.ln = nn.LayerNorm(12, eps=1e-6)
        self.attn = nn.MultiheadAttention(12, 3, dropout=0.1, bias=bias,
                                          batch_first=batch_first)
        self.head = nn.Linear(12, 5)
        self.cross, self.weights = cross, weights

    def forward(self, x):
        n = x.shape[0]
        x = self.conv_proj(x).reshape(n, 12, -1).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)
        x = x + self.pos_embedding
        y = self.ln(x)
        y, w = self.attn(y, x if self.cross else y, y, need_weights=self.weights)
        x = x + y
        if self.weights:
            x = x * w.sum()
        return self.head(x[:, 0])
'''

SHAPE = (3, 16, 16)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "vit_models.py"
    path.write_text(MODELS)
    return path


@pytest.mark.parametrize("factory", ["TinyViT", "TinyViT(bias=False)"])
def test_a_small_vit_round_trips_and_verifies(models, factory, tmp_path):
    reference = f"{models}:{factory}"
    spec, notes = import_spec(reference, SHAPE)
    assert notes == []
    # conv 4*4*3*12 + 12; token 12; embedding 17 * 12; LayerNorm 24; attention 4 * 144
    # (+ 48 biases); head 12 * 5 + 5
    bias = 48 if factory == "TinyViT" else 0
    params = 588 + 12 + 204 + 24 + 576 + bias + 65
    # conv 16 positions * 48 * 12; attention 4 * 17 * 144 + 2 * 17^2 * 12; head 60
    macs = 9_216 + 9_792 + 6_936 + 60
    assert spec_figures(spec) == own_figures(reference, SHAPE) == (params, macs)
    rows = analyze_text(spec).rows
    assert [(r.name, r.kind) for r in rows] == [
        ("conv_proj", "conv2d"), ("reshape", "reshape"), ("permute", "permute"),
        ("class_token", "class_token"), ("pos_embedding", "pos_embedding"), ("ln", "layernorm"),
        ("attn", "multihead_attention"), ("add.add", "add"), ("getitem", "select"),
        ("head", "linear")]
    assert "num_heads: 3" in spec and "dropout: 0.1" in spec
    path = tmp_path / "tiny.yaml"
    path.write_text(spec)
    result = CliRunner().invoke(main, ["verify", str(path)], catch_exceptions=False)
    assert result.exit_code == 0 and "OK: all 10 layers agree" in result.output, result.output


@pytest.mark.parametrize(("factory", "message"), [
    ("TinyViT(cross=True)", "in 'attn': unsupported op MultiheadAttention: attention other "
     "than self-attention without a mask"),
    ("TinyViT(batch_first=False)", "attention with batch_first=False"),
    ("TinyViT(weights=True)", "reads the attention weights"),
])
def test_attention_cnncalc_cannot_write_is_one_line(models, factory, message):
    with pytest.raises(CnnCalcError) as caught:
        import_spec(f"{models}:{factory}", SHAPE)
    assert "\n" not in str(caught.value)
    assert message in str(caught.value)
