"""``cnncalc plot`` and PNG/PDF diagrams (the plot extra): skipped with the reason where
matplotlib is not installed; the figure's contents are checked, not its pixels."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES

from cnncalc import analyze_file
from cnncalc.cli import main

pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")

from cnncalc.render.plot import figure, series, wants_log  # noqa: E402


def _report(name: str):
    return analyze_file(ARCHITECTURES / f"{name}.yaml")


def test_one_spec_bars_per_layer_with_the_running_total() -> None:
    report = _report("vgg16")
    fig = figure([report], "params")
    ax, twin = fig.axes
    bars = ax.patches
    assert len(bars) == len(report.rows)
    assert [b.get_height() for b in bars] == [r.params for r in report.rows]
    assert ax.get_yscale() == "log"  # 0 .. 102,764,544: the range asks for it
    assert twin.lines[0].get_ydata()[-1] == report.totals.params


def test_linear_when_the_range_is_narrow_and_forced_scales() -> None:
    assert not wants_log([10, 20, 0, None])
    assert wants_log([1, 5000])
    report = _report("lenet5")
    assert figure([report], "activations", log=False).axes[0].get_yscale() == "linear"
    assert figure([report], "activations", log=True).axes[0].get_yscale() == "log"


def test_receptive_field_against_depth() -> None:
    report = _report("resnet50")
    rows, values = series(report, "rf", 0)
    line = figure([report], "rf", depth=0).axes[0].lines[0]
    shown = [y for y in line.get_ydata() if y == y]  # NaN where a layer has no field
    assert shown == [v for v in values if v is not None] and len(shown) > 5
    assert shown == sorted(shown)  # the field only grows along ResNet's main path
    assert values[0] == 7  # conv1: 7x7


def test_memory_counts_parameters_buffers_and_output_bytes() -> None:
    report = _report("vgg16_bn")
    rows, values = series(report, "memory", None)
    assert values == [(r.params + r.buffers + r.activations) * 4 for r in rows]


def test_several_specs_one_cumulative_curve_each() -> None:
    reports = [_report("vgg16"), _report("resnet50")]
    ax = figure(reports, "macs").axes[0]
    assert [ln.get_ydata()[-1] for ln in ax.lines] == [r.totals.macs for r in reports]
    assert "15,470,264,320" in ax.get_legend().get_texts()[0].get_text()


@pytest.mark.parametrize("what", ["params", "macs", "activations", "rf", "memory"])
def test_cli_writes_each_chart(what, tmp_path) -> None:
    out = tmp_path / "p.png"
    result = CliRunner().invoke(main, ["plot", str(ARCHITECTURES / "alexnet.yaml"),
                                       str(ARCHITECTURES / "vgg11.yaml"), "--what", what,
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_an_unknown_suffix(tmp_path) -> None:
    result = CliRunner().invoke(main, ["plot", str(ARCHITECTURES / "lenet5.yaml"),
                                       "-o", str(tmp_path / "p.gif")])
    assert result.exit_code == 2 and "write a .png, .pdf or .svg" in result.output


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_diagram_png_and_pdf(suffix, magic, tmp_path) -> None:
    for spec in ("lenet5", "inception_module"):
        out = tmp_path / f"{spec}{suffix}"
        result = CliRunner().invoke(main, ["diagram", str(ARCHITECTURES / f"{spec}.yaml"),
                                           "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:4] == magic
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{s}{suffix}" for s in ("lenet5", "inception_module"))  # no temporary file left
