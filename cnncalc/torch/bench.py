"""``bench``: time a spec's network with ``torch.utils.benchmark``, next to the engine's figures.

Measurement choices, written down because timings are easy to get wrong:

- Timing: ``torch.utils.benchmark.Timer`` (it synchronizes the accelerator, CUDA or MPS,
  around each measurement and records the thread count). After ``warmup`` untimed calls, each
  of ``repeats`` measurements times ``number`` back-to-back calls; we report the median and
  the interquartile range of the per-call times, images/s = batch / median.
- ``number`` defaults to enough calls for about 50 ms, from the warm-up's time per call. That
  clock is ours, so it is read only after ``synchronizer(device)`` has waited for the device:
  a CUDA or MPS call returns once its kernels are queued, and without the wait the warm-up
  would time the launches alone and pick far too many calls.
- Achieved FLOP/s uses the engine's FLOPs (2 x MACs of the weighted sums, batch included); with
  ``backward`` the work is counted as 3 x the forward FLOPs (the usual estimate: the backward
  pass computes gradients for both inputs and weights, about twice the forward work).
- Peak memory. CUDA: ``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``
  (tensors only, not the allocator's cache). CPU: the growth of the process's peak resident
  set size, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, from before the model is built to
  after the last run. It includes the weights, the activations, the allocator's free lists
  and anything else the process touched meanwhile, and reads 0 if an earlier peak (say, of
  importing torch) was higher: a coarse upper-bound-style figure. ``tracemalloc`` would be
  wrong here, as it sees only Python's allocator and not torch's.
- The engine's estimate beside it: parameter bytes + the sum of every layer's output bytes
  (``Totals.activation_bytes``), which is what a framework must hold if it frees nothing;
  PyTorch's inference frees as it goes, so it usually needs less.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch.utils import benchmark

from ..engine import analyze
from ..errors import CnnCalcError
from ..graph import Graph
from .build import build_model

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
GUARD_FRACTION = 0.8
"""Refuse when the engine's estimate exceeds this fraction of the available memory."""


@dataclass(frozen=True)
class BenchResult:
    spec: str
    device: str
    device_name: str
    dtype: str
    batch: int
    channels_last: bool
    backward: bool
    threads: int
    torch_version: str
    warmup: int
    repeats: int
    number: int
    median_s: float
    iqr_s: float
    times_s: tuple[float, ...]
    images_per_s: float
    flops_per_pass: int
    achieved_flops_per_s: float
    peak_memory_bytes: int | None
    peak_memory_method: str
    engine_estimate_bytes: int
    engine_activation_bytes: int
    engine_param_bytes: int

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["times_s"] = list(self.times_s)
        return {"schema": "cnncalc.bench/1", **doc}


def _maxrss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def available_memory(device: str) -> int | None:
    """Bytes the run may use: free GPU memory, or the system's MemAvailable on CPU."""
    if device == "cuda":
        return torch.cuda.mem_get_info()[0]
    if device == "cpu":
        try:
            with open("/proc/meminfo", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    return None


def check_device(device: str) -> None:
    if device == "cuda" and not torch.cuda.is_available():
        raise CnnCalcError("--device cuda: no CUDA GPU is visible to PyTorch "
                           f"{torch.__version__} (a CPU-only build, or no driver)")
    if device == "mps" and not (hasattr(torch.backends, "mps")
                                and torch.backends.mps.is_available()):
        raise CnnCalcError("--device mps: Apple's Metal backend is not available here")


def synchronizer(device: str) -> Callable[[], None]:
    """What waits until ``device`` has finished the work queued on it (nothing to wait for on
    the CPU, whose calls return when done)."""
    if device == "cuda":
        return torch.cuda.synchronize
    if device == "mps":
        return torch.mps.synchronize
    return lambda: None


def warm_up(step: Callable[[], None], calls: int, synchronize: Callable[[], None],
            clock: Callable[[], float] = time.perf_counter) -> float:
    """Run ``calls`` untimed calls (at least one) and return the seconds one took, with the
    device's queue drained before the clock starts and before it is read again."""
    calls = max(1, calls)
    synchronize()
    started = clock()
    for _ in range(calls):
        step()
    synchronize()
    return (clock() - started) / calls


def calls_per_measurement(per_call: float, target: float = 0.05) -> int:
    """Enough back-to-back calls to last about ``target`` seconds (1 to 1000), so that the
    timer's own overhead is negligible."""
    return max(1, min(1000, int(target / max(per_call, 1e-9))))


def estimate(report, backward: bool) -> int:
    """The engine's memory need: weights (x3 with backward: weights, grads, a copy for the
    update) plus every layer output (x2 with backward: outputs kept and their gradients)."""
    t = report.totals
    return t.param_bytes * (3 if backward else 1) + t.activation_bytes * (2 if backward else 1)


def bench(graph: Graph, device: str = "cpu", dtype: str = "float32", channels_last: bool = False,
          backward: bool = False, warmup: int = 3, repeats: int = 10, number: int | None = None,
          force: bool = False, progress: Callable[[int, int], None] | None = None
          ) -> BenchResult:
    """Time ``graph`` (batch = ``graph.batch`` or 1). ``progress(done, total)`` is called
    after each measurement; ``number`` (calls per measurement) defaults to enough calls for
    about 50 ms. Raises ``CnnCalcError`` when the memory guard refuses."""
    check_device(device)
    batch = graph.batch or 1
    report = analyze(graph, dtype=dtype)
    need = estimate(report, backward)
    free = available_memory(device)
    if free is not None and need > GUARD_FRACTION * free and not force:
        raise CnnCalcError(
            f"the engine estimates {need / 1e9:.2f} GB for batch {batch} ({dtype}"
            f"{', with backward' if backward else ''}) but only {free / 1e9:.2f} GB is "
            f"available on {device}; refusing rather than being killed",
            hint="lower --batch, or pass --force to try anyway")

    rss_before = _maxrss_bytes()
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model = build_model(graph, device).to(DTYPES[dtype])
    fmt = None
    if channels_last and len(graph.input_shape) in (3, 4):
        fmt = torch.channels_last if len(graph.input_shape) == 3 else torch.channels_last_3d
        model = model.to(memory_format=fmt)
    x = torch.randn(batch, *graph.input_shape, device=device, dtype=DTYPES[dtype])
    if fmt is not None:
        x = x.contiguous(memory_format=fmt)
    if backward:
        model.train()

        def step() -> None:
            outputs = model.run(x)
            sum(o.float().sum() for o in outputs).backward()
            model.zero_grad(set_to_none=True)
    else:
        model.eval()

        def step() -> None:
            with torch.inference_mode():
                model.run(x)

    try:
        per_call = warm_up(step, warmup, synchronizer(device))
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CnnCalcError(f"PyTorch could not run {graph.name} on {device} ({dtype}"
                           f"{', backward' if backward else ''}): {first}",
                           hint="BatchNorm in training needs more than one value per channel: "
                                "raise --batch" if "more than 1 value" in first else None
                           ) from None
    if number is None:
        number = calls_per_measurement(per_call)
    timer = benchmark.Timer(stmt="step()", globals={"step": step},
                            num_threads=torch.get_num_threads(),
                            label=graph.name, sub_label=f"batch {batch}",
                            description=f"{device} {dtype}")
    measurements = []
    for i in range(repeats):
        measurements.append(timer.timeit(number))
        if progress:
            progress(i + 1, repeats)
    merged = benchmark.Measurement.merge(measurements)[0]
    times = tuple(t for m in measurements for t in m.times)

    if device == "cuda":
        peak: int | None = torch.cuda.max_memory_allocated()
        method = "torch.cuda.max_memory_allocated (tensors, batch included)"
    elif device == "cpu":
        peak = max(0, _maxrss_bytes() - rss_before)
        method = ("growth of the process's peak RSS (getrusage ru_maxrss) while building and "
                  "running; includes allocator caches")
    else:
        peak, method = None, "not measured on this device"
    flops = report.totals.flops * (3 if backward else 1)
    median = merged.median
    return BenchResult(
        spec=graph.name, device=device, device_name=_device_name(device), dtype=dtype,
        batch=batch, channels_last=fmt is not None, backward=backward,
        threads=torch.get_num_threads(), torch_version=torch.__version__, warmup=warmup,
        repeats=repeats, number=number, median_s=median, iqr_s=merged.iqr, times_s=times,
        images_per_s=batch / median, flops_per_pass=flops, achieved_flops_per_s=flops / median,
        peak_memory_bytes=peak, peak_memory_method=method, engine_estimate_bytes=need,
        engine_activation_bytes=report.totals.activation_bytes,
        engine_param_bytes=report.totals.param_bytes)


def _device_name(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name()
    if device == "cpu":
        import platform

        try:
            with open("/proc/cpuinfo", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or platform.machine()
    return device


def describe(result: BenchResult) -> str:
    """Human-readable lines."""
    def si(value: float, unit: str) -> str:
        for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= factor:
                return f"{value / factor:.2f} {prefix}{unit}"
        return f"{value:.2f} {unit}"

    r = result
    mode = "forward + backward" if r.backward else "forward (inference_mode)"
    peak = "n/a" if r.peak_memory_bytes is None else f"{r.peak_memory_bytes / 1e6:,.1f} MB"
    lines = [
        f"{r.spec}: {mode}, batch {r.batch}, {r.dtype}"
        f"{', channels_last' if r.channels_last else ''} on {r.device} ({r.device_name}), "
        f"{r.threads} threads, torch {r.torch_version}",
        f"  time per batch   {r.median_s * 1e3:,.3f} ms median, IQR {r.iqr_s * 1e3:,.3f} ms "
        f"({r.repeats} measurements x {r.number} calls, {r.warmup} warm-up)",
        f"  time per image   {r.median_s / r.batch * 1e3:,.3f} ms",
        f"  throughput       {r.images_per_s:,.1f} images/s",
        f"  achieved         {si(r.achieved_flops_per_s, 'FLOP/s')} "
        f"(engine FLOPs {si(r.flops_per_pass, 'FLOP')} per batch"
        f"{', x3 for backward' if r.backward else ''})",
        f"  peak memory      {peak} [{r.peak_memory_method}]",
        f"  engine estimate  {r.engine_estimate_bytes / 1e6:,.1f} MB (params "
        f"{r.engine_param_bytes / 1e6:,.1f} MB + activations "
        f"{r.engine_activation_bytes / 1e6:,.1f} MB"
        f"{', x2 / x3 for training' if r.backward else ''})",
    ]
    return "\n".join(lines) + "\n"


__all__ = ["BenchResult", "bench", "describe"]
