"""The torch backend: every layer kind builds, every shipped architecture verifies, and the
verify/bench/export commands behave (including without torch installed)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES, ROOT, ZOO_SPECS, zoo_id

from cnncalc import analyze, load_file, load_spec
from cnncalc.errors import CnnCalcError
from cnncalc.layers.base import REGISTRY, Example, LayerKind

SPECS = ZOO_SPECS


def test_every_registered_kind_has_a_torch_build() -> None:
    """Adding a layer kind means saying how PyTorch builds it (no torch needed to check)."""
    missing = [name for name, unit in REGISTRY.items()
               if type(unit).torch_module is LayerKind.torch_module]
    assert not missing, f"layer kinds without torch_module: {missing}"


# --- everything below needs torch -------------------------------------------------------------

def _sample_spec(name: str, unit: LayerKind, example: Example) -> str:
    """A one-layer spec of the unit's own example (a merge joins two identity branches)."""
    item = {name: [["identity"], ["identity"]]} if unit.merges else {name: example.args}
    return json.dumps({"name": name, "input": list(example.input), "layers": [item]})


def test_every_kind_has_an_example_its_rules_accept() -> None:
    """``LayerKind.examples`` (from the Arg declarations and ``sample_args``) is what the
    torch tests and the differential sampling draw: every kind must have one."""
    missing = [name for name, unit in REGISTRY.items() if not unit.examples()]
    assert not missing, f"no example works for {missing}: set their sample_args"


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_kind_builds_and_agrees_with_the_engine(name: str) -> None:
    pytest.importorskip("torch")
    from cnncalc.torch import verify

    unit = REGISTRY[name]
    for example in unit.examples():
        graph = load_spec(_sample_spec(name, unit, example))
        analyze(graph)
        result = verify(graph, real=True)
        assert result.ok, result.summary()


@pytest.mark.torch
@pytest.mark.parametrize("spec", SPECS, ids=[zoo_id(p) for p in SPECS])
def test_shipped_architecture_verifies_on_meta(spec: Path) -> None:
    pytest.importorskip("torch")
    from cnncalc.torch import verify

    result = verify(load_file(spec))
    assert result.ok, result.summary()
    assert result.totals["params"][0] == result.totals["params"][1]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["lenet5_1998", "resnet_basic_block", "inception_module",
                                  "timeseries_dilated_conv1d"])
def test_real_tensors_agree_too(name: str) -> None:
    pytest.importorskip("torch")
    from cnncalc.torch import verify

    result = verify(load_file(ARCHITECTURES / f"{name}.yaml"), real=True)
    assert result.ok, result.summary()


@pytest.mark.torch
def test_module_paths_follow_the_spec_names() -> None:
    pytest.importorskip("torch")
    from cnncalc.torch import build_model

    graph = load_file(ARCHITECTURES / "resnet_basic_block.yaml")
    model = build_model(graph, "meta")
    for node in graph.nodes:
        assert model.get_submodule(node.name) is not None
    text = str(model)
    assert "(basic2): Scope(" in text and "(conv3): Conv2d(64, 128" in text


@pytest.mark.torch
def test_a_layer_named_like_a_module_attribute_still_builds() -> None:
    pytest.importorskip("torch")
    from cnncalc.torch import build_model, verify

    graph = load_spec("""
input: [3, 8, 8]
layers:
  - conv2d: {out_channels: 4, kernel_size: 3, name: forward}
  - relu: {name: training}
  - {name: state_dict, layers: [conv2d: {out_channels: 2, kernel_size: 1}]}
""")
    model = build_model(graph, "meta")
    assert [e.path for e in model.entries] == ["forward_", "training_", "state_dict_.conv1"]
    assert verify(graph).ok


@pytest.mark.torch
def test_side_outputs_come_back_as_a_tuple() -> None:
    torch = pytest.importorskip("torch")
    from cnncalc.torch import build_model

    graph = load_spec("""
input: [3, 16, 16]
layers:
  - conv2d: {out_channels: 8, kernel_size: 3, padding: 1, name: stem}
  - {name: aux, from: stem, output: true, layers: [global_avgpool, linear: 5]}
  - maxpool2d: 2
  - flatten
  - linear: 10
""")
    out = build_model(graph)(torch.zeros(2, 3, 16, 16))
    assert [tuple(o.shape) for o in out] == [(2, 10), (2, 5)]


@pytest.mark.torch
def test_asymmetric_same_padding_builds_an_explicit_pad() -> None:
    """TensorFlow's 'same' at stride 2 pads 0 before and 1 after (224 -> 112)."""
    torch = pytest.importorskip("torch")
    from cnncalc.torch import build_model, verify

    graph = load_spec("input: [3, 224, 224]\nlayers: [conv2d: {out_channels: 8, kernel_size: 3,"
                      " stride: 2, padding: same}]")
    model = build_model(graph)
    conv = model.get_submodule("conv1")
    assert isinstance(conv, torch.nn.Sequential) and conv[0].pads == ((0, 1), (0, 1))
    assert tuple(model(torch.zeros(1, 3, 224, 224)).shape) == (1, 8, 112, 112)
    assert verify(graph).ok


@pytest.mark.torch
def test_verify_names_the_first_differing_layer(monkeypatch) -> None:
    """A deliberately wrong engine rule is caught and reported with both numbers."""
    pytest.importorskip("torch")
    from cnncalc.layers.conv import Conv
    from cnncalc.torch import verify

    real = Conv.weights
    monkeypatch.setattr(Conv, "weights", lambda self, call: real(self, call) + 1)
    graph = load_file(ARCHITECTURES / "vgg16.yaml")
    result = verify(graph)
    assert not result.ok
    # VGG-16's first conv: 64 filters of 3x3x3 plus 64 biases = 1,792 (torchvision's too)
    assert result.summary() == (f"DISAGREE at layer '{graph.nodes[0].name}' (conv2d): params "
                                "engine 1,793 vs PyTorch 1,792")


@pytest.mark.torch
def test_verify_reports_pytorch_refusing_what_the_engine_accepted(monkeypatch) -> None:
    """A pool whose engine rule forgot to shrink: the pool's shape differs first, and the
    dense layer built for the wrong size then raises in PyTorch, reported, not crashed."""
    pytest.importorskip("torch")
    from cnncalc.layers.pool import MaxPool
    from cnncalc.torch import verify

    monkeypatch.setattr(MaxPool, "output_shape", lambda self, call: call.x)
    result = verify(load_file(ARCHITECTURES / "vgg16.yaml"))
    assert not result.ok
    check, what = result.first_difference
    assert check.kind == "maxpool2d" and what == "shape"
    assert any(str(c.observed["shape"]).startswith("error (RuntimeError")
               for c in result.layers)


@pytest.mark.torch
def test_verify_reports_a_layer_that_changes_the_batch_axis(monkeypatch) -> None:
    """A module that merges the samples of a batch (a flatten over the batch axis) is a
    disagreement naming the layer and both values, like any other, not a crash."""
    pytest.importorskip("torch")
    from torch import nn

    from cnncalc.layers.dense import Flatten
    from cnncalc.record import replace
    from cnncalc.torch import verify

    monkeypatch.setattr(Flatten, "torch_module", lambda self, call: nn.Flatten(0, -1))
    graph = replace(load_file(ARCHITECTURES / "lenet5.yaml"), batch=2)
    result = verify(graph)
    assert not result.ok
    check, what = result.first_difference
    assert (check.kind, what) == ("flatten", "shape")
    assert result.summary() == (f"DISAGREE at layer '{check.name}' (flatten): output shape "
                                "engine 400 vs PyTorch 800 with the batch axis changed "
                                "(2 -> 800)")
    assert result.layers[-1] is check  # the walk stops there


# --- commands ------------------------------------------------------------------------------------


def _cli(*args: str):
    from cnncalc.cli import main

    return CliRunner().invoke(main, list(args))


@pytest.mark.torch
def test_cli_verify_passes_and_prints_a_table() -> None:
    pytest.importorskip("torch")
    result = _cli("verify", str(ARCHITECTURES / "lenet5_1998.yaml"))
    assert result.exit_code == 0, result.output
    assert "c3        table_conv2d  16x10x10   1,516" in result.output
    assert "OK: all 12 layers agree" in result.output


@pytest.mark.torch
def test_cli_verify_exits_1_on_disagreement(monkeypatch) -> None:
    pytest.importorskip("torch")
    from cnncalc.layers.conv import Conv

    monkeypatch.setattr(Conv, "macs", lambda self, call: 7)
    result = _cli("verify", str(ARCHITECTURES / "lenet5.yaml"), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["summary"].startswith("DISAGREE at layer")
    assert "MACs engine 7 vs PyTorch" in doc["summary"]
    assert result.stderr.strip() == f"error: {doc['summary']}"


@pytest.mark.torch
def test_cli_bench_json(tmp_path) -> None:
    pytest.importorskip("torch")
    out = tmp_path / "bench.json"
    result = _cli("bench", str(ARCHITECTURES / "lenet5.yaml"), "--repeats", "3", "--warmup",
                  "1", "--batch", "2", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "cnncalc.bench/1" and doc["batch"] == 2
    assert len(doc["times_s"]) == 3 and doc["iqr_s"] >= 0
    assert doc["images_per_s"] == pytest.approx(2 / doc["median_s"])
    report = analyze(load_file(ARCHITECTURES / "lenet5.yaml"))
    assert doc["flops_per_pass"] == 2 * report.totals.flops  # batch 2


@pytest.mark.torch
def test_bench_memory_guard_refuses_then_force_runs(monkeypatch) -> None:
    pytest.importorskip("torch")
    from cnncalc.torch import bench as bench_module

    monkeypatch.setattr(bench_module, "available_memory", lambda device: 1000)
    graph = load_file(ARCHITECTURES / "lenet5.yaml")
    with pytest.raises(CnnCalcError, match="refusing rather than being killed"):
        bench_module.bench(graph, repeats=3, warmup=1)
    assert bench_module.bench(graph, repeats=3, warmup=1, number=1, force=True).median_s > 0
    result = _cli("bench", str(ARCHITECTURES / "lenet5.yaml"))
    assert result.exit_code == 2 and "--force" in result.output


@pytest.mark.torch
def test_bench_calibration_waits_for_the_device_before_reading_the_clock() -> None:
    """On CUDA a call returns once its kernels are queued. A fake device whose calls cost
    nothing to launch and 1/64 s each when it is synchronized: timed without waiting, the
    warm-up would see 0 s a call and pick 1,000 calls per measurement instead of 3, and work
    queued before it (building the model) would be counted in."""
    pytest.importorskip("torch")
    from cnncalc.torch.bench import calls_per_measurement, warm_up

    now, queued = [1.0], [2]  # two calls' work already queued before the warm-up

    def launch() -> None:
        queued[0] += 1

    def synchronize() -> None:
        now[0] += queued[0] / 64
        queued[0] = 0

    per_call = warm_up(launch, 3, synchronize, clock=lambda: now[0])
    assert per_call == 1 / 64 and queued[0] == 0
    assert calls_per_measurement(per_call) == 3
    assert calls_per_measurement(0.0) == 1000 and calls_per_measurement(1.0) == 1


@pytest.mark.torch
def test_bench_synchronizes_the_device_it_runs_on(monkeypatch) -> None:
    torch = pytest.importorskip("torch")
    from cnncalc.torch import bench as bench_module

    assert bench_module.synchronizer("cuda") is torch.cuda.synchronize
    assert bench_module.synchronizer("mps") is torch.mps.synchronize
    assert bench_module.synchronizer("cpu")() is None
    waits: list[str] = []
    monkeypatch.setattr(bench_module, "synchronizer",
                        lambda device: lambda: waits.append(device))
    bench_module.bench(load_file(ARCHITECTURES / "lenet5.yaml"), warmup=2, repeats=3)
    assert waits == ["cpu", "cpu"]  # before the warm-up's clock starts, and before it stops


@pytest.mark.torch
@pytest.mark.parametrize("name", ["lenet5_1998", "resnet_basic_block", "inception_module",
                                  "timeseries_dilated_conv1d", "alexnet"])
def test_exported_file_is_standalone_and_equal(name: str, tmp_path) -> None:
    torch = pytest.importorskip("torch")
    target = tmp_path / f"{name}_net.py"
    result = _cli("export", str(ARCHITECTURES / f"{name}.yaml"), "--to", "pytorch", "-o",
                  str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "cnncalc" not in text.replace("cnncalc export", "")
    spec = importlib.util.spec_from_file_location(f"exported_{name}", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.Net().eval()
    report = analyze(load_file(ARCHITECTURES / f"{name}.yaml"))
    assert sum(p.numel() for p in net.parameters()) == report.totals.params
    with torch.no_grad():
        out = net(torch.randn(1, *report.input_shape))
    outs = out if isinstance(out, tuple) else (out,)
    assert [tuple(o.shape[1:]) for o in outs] == [tuple(s) for _, s in report.outputs]


@pytest.mark.torch
def test_exported_files_pass_a_linter(tmp_path) -> None:
    """An exported file imports only what it uses and keeps its lines within 100 characters:
    LeNet-5 (1998) copies cnncalc modules that use math and F (its connection table alone is
    ~300 characters unwrapped), U-Net copies some that use neither, VGG-16 and ResNet-18 are
    torch.nn only, GoogLeNet reaches layers with get_submodule."""
    pytest.importorskip("torch")
    pytest.importorskip("ruff")
    from cnncalc.torch.export import to_pytorch

    texts = {}
    for name in ("lenet5_1998", "unet", "vgg16", "resnet18", "googlenet"):
        texts[name] = to_pytorch(load_file(ARCHITECTURES / f"{name}.yaml"), f"{name}.yaml")
        (tmp_path / f"{name}_net.py").write_text(texts[name])
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           "--select", "F,E,W", "--line-length", "100", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import math\n" in texts["lenet5_1998"] and "as F\n" in texts["lenet5_1998"]
    assert "import math" not in texts["vgg16"] and " as F" not in texts["unet"]


def test_without_torch_each_command_says_how_to_install(tmp_path) -> None:
    """Simulate a missing torch: one line naming the extra, exit 2; analyze still works."""
    runner = (
        "import sys; sys.modules['torch'] = None\n"
        "from cnncalc.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    spec = str(ARCHITECTURES / "lenet5.yaml")
    for command in (["verify", spec], ["bench", spec], ["export", spec, "--to", "pytorch"]):
        done = subprocess.run([sys.executable, "-c", runner, *command], capture_output=True,
                              text=True, cwd=ROOT)
        assert done.returncode == 2, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "pip install 'cnncalc[torch]'" in lines[0], done.stderr
        assert done.stdout == ""
    done = subprocess.run([sys.executable, "-c", runner, "analyze", spec], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0 and "61,706" in done.stdout


@pytest.mark.torch
@pytest.mark.parametrize("spec", SPECS, ids=[zoo_id(p) for p in SPECS])
def test_every_architecture_exports_and_rebuilds(spec: Path) -> None:
    """Every shipped spec exports; the file's Net (built on the meta device, so VGG costs no
    memory) has the engine's parameter count and output shapes."""
    torch = pytest.importorskip("torch")
    from cnncalc.torch.export import to_pytorch

    namespace: dict = {"__name__": f"exported_{spec.stem}"}
    exec(compile(to_pytorch(load_file(spec)), f"{spec.stem}_net.py", "exec"), namespace)
    report = analyze(load_file(spec))
    with torch.device("meta"):
        net = namespace["Net"]().eval()
        out = net(torch.zeros(1, *report.input_shape))
    assert sum(p.numel() for p in net.parameters()) == report.totals.params
    outs = out if isinstance(out, tuple) else (out,)
    assert [tuple(o.shape[1:]) for o in outs] == [tuple(s) for _, s in report.outputs]


@pytest.mark.torch
def test_bench_turns_a_pytorch_refusal_into_one_clear_error() -> None:
    pytest.importorskip("torch")
    from cnncalc.torch.bench import bench

    graph = load_spec("input: [3, 1, 1]\nlayers: [conv2d: {out_channels: 4, kernel_size: 1}, "
                      "batchnorm2d]")
    with pytest.raises(CnnCalcError, match="more than 1 value per channel.*raise --batch"):
        bench(graph, backward=True, repeats=3, warmup=1)


def test_importing_the_backend_package_does_not_import_torch() -> None:
    code = ("import sys; import cnncalc.torch, cnncalc.cli.verify, cnncalc.cli.bench, "
            "cnncalc.cli.export; print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.torch
def test_cli_verify_spec_error_exits_2() -> None:
    pytest.importorskip("torch")
    result = _cli("verify", str(ARCHITECTURES / "vgg16.yaml"), "--input", "3,16,16")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
