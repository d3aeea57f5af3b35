"""A layer kind is one unit: a kind written here, in the test, and registered for the test's
lifetime works in the engine, in ``cnncalc layers``, in ``cnncalc check`` and in the
differential sampling with nothing written anywhere else but its oracle entry (the oracle
must not read cnncalc). README's "Adding a layer kind" lists the same pieces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cnncalc import analyze, load_spec
from cnncalc.check import check_file
from cnncalc.cli import main
from cnncalc.layers.base import (
    REGISTRY,
    Arg,
    Call,
    LayerKind,
    Result,
    Shape,
    lookup,
    numel,
    register,
    unregister,
)


class ChannelScale(LayerKind):
    """A learned scale per channel, y = gamma_c * x (CaiT's LayerScale); shape unchanged."""

    base = "channel_scale"
    arguments = (Arg("init", "float", 1e-5, "initial value of every gamma", minimum=0),)
    category = "normalization"

    def output_shape(self, call: Call) -> Shape:
        return call.x

    def weights(self, call: Call) -> int:
        return call.x[0]

    def other_ops(self, call: Call) -> int:
        return numel(call.out)

    def torch_module(self, call: Result):
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, channels: int, init: float):
                super().__init__()
                self.gamma = nn.Parameter(torch.full((channels,), init))

            def forward(self, x):
                return x * self.gamma.view(1, -1, *([1] * (x.dim() - 2)))

        return Scale(call.x[0], call.args["init"])


@pytest.fixture
def fresh_kind():
    register(ChannelScale)
    try:
        yield REGISTRY["channel_scale"]
    finally:
        unregister(ChannelScale)
    assert lookup("channel_scale") is None and "channel_scale" not in REGISTRY


SPEC = {"input": [3, 8, 8], "layers": [{"conv2d": {"out_channels": 4, "kernel_size": 3}},
                                       {"channel_scale": {"init": 0.1}}, "relu"]}


def test_the_engine_counts_it(fresh_kind) -> None:
    rows = {r.kind: r for r in analyze(load_spec(json.dumps(SPEC))).rows}
    row = rows["channel_scale"]
    assert (row.output_shape, row.params, row.macs, row.other_ops) == ((4, 6, 6), 4, 0, 144)


def test_layers_lists_it(fresh_kind) -> None:
    result = CliRunner().invoke(main, ["layers", "channel_scale"])
    assert result.exit_code == 0, result.output
    assert "channel_scale" in result.output and "initial value of every gamma" in result.output


def test_check_marks_it(fresh_kind, tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"spec": str(spec), "answers": {"channel_scale1": {
        "output": "4x6x6", "weights": 4, "biases": 0, "params": 4, "macs": 0}}},
        sort_keys=False), encoding="utf-8")
    marks = check_file(str(answers)).marks
    assert [m.right for m in marks] == [True] * 5, marks


def test_its_examples_come_from_its_declarations(fresh_kind) -> None:
    assert [e.input for e in fresh_kind.examples()] == [(4, 6, 6), (4, 6), (4, 5, 6, 6), (4,)]


@pytest.mark.torch
def test_the_differential_sampling_draws_and_compares_it(fresh_kind) -> None:
    torch = pytest.importorskip("torch")
    import torch_strategies as strategies
    from test_torch_differential import drawn_by, supported_ranks, undrawn
    from torch import nn
    from torch_oracle import ORACLE, compare

    from cnncalc.torch import verify

    class OracleScale(nn.Module):  # from the definition, not from cnncalc
        def __init__(self, channels: int, init: float):
            super().__init__()
            self.gamma = nn.Parameter(torch.full((channels,), float(init)))

        def forward(self, x):
            return x * self.gamma.reshape(1, -1, *([1] * (x.dim() - 2)))

    ORACLE["channel_scale"] = lambda a, x, n: OracleScale(x.shape[1], a.get("init", 1e-5))
    try:
        # the units family draws from the whole registry; here from the new kind alone, so
        # that the check does not depend on how many kinds share the draws
        assert "channel_scale" in REGISTRY
        drawn = drawn_by(strategies.unit_case(names=["channel_scale"]), 200)
        assert undrawn({"channel_scale": fresh_kind}, drawn) == []
        assert supported_ranks(fresh_kind) == {1, 2, 3, 4}
        verdicts = set()
        for rank_shape in [e.input for e in fresh_kind.examples()]:
            verdicts.add(compare(rank_shape, [("channel_scale", {"init": 0.5})]))
        assert verdicts == {"both accept"}
        graph = load_spec(json.dumps(SPEC))
        assert verify(graph, real=True).ok
    finally:
        del ORACLE["channel_scale"]


def test_readme_example_kind_works_from_its_unit_alone() -> None:
    """The "Adding a layer kind" example of docs/development.md, run as written."""
    from helpers import ROOT

    page = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    section = page[page.index("## Adding a layer kind"):]
    start = section.index("```python") + len("```python")
    namespace: dict = {}
    exec(section[start:section.index("```", start)], namespace)  # noqa: S102
    try:
        unit = REGISTRY["softmin"]
        assert [e.input for e in unit.examples()] == [(4, 6, 6), (4, 6), (4, 5, 6, 6), (4,)]
        (row,) = analyze(load_spec("input: [8, 4, 4]\nlayers:\n  - softmin: 0\n")).rows
        assert (row.output_shape, row.other_ops) == ((8, 4, 4), 384)
    finally:
        unregister(namespace["Softmin"])
    assert "softmin" not in REGISTRY
