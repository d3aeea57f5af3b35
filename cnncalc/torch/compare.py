"""``verify``: the engine's report against one real PyTorch forward pass, layer by layer.

For every node the backend observes, without predicting anything itself:

- the output shape of the module's forward call (batch axis checked, then dropped; a layer
  that changes the batch axis is a disagreement, reported with the whole shape it gave);
- parameters: ``sum(p.numel() for p in module.parameters())``;
- buffers: floating-point buffers only. BatchNorm's ``num_batches_tracked`` is an int64 step
  counter, not state the layer computes with, so it is left out (the engine does the same);
- MACs: ``torch.utils.flop_counter.FlopCounterMode`` FLOPs of that one call, divided by 2
  (its convention: one multiply-accumulate = 2 FLOPs for conv, mm, addmm, bmm; elementwise
  work is not counted, which matches the engine's MAC column).

By default the pass runs on the ``meta`` device, so VGG-16 needs no memory; ``real=True``
runs on CPU with real tensors (also the fallback if some module has no meta implementation).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..engine import analyze
from ..graph import Graph
from ..layers.core import fmt_shape
from ..report import Report
from .build import Entry, build_model

FIELDS = ("shape", "params", "buffers", "macs")
LABELS = {"shape": "output shape", "params": "params", "buffers": "buffers", "macs": "MACs"}


@dataclass(frozen=True)
class LayerCheck:
    """One layer: what the engine predicted and what PyTorch did."""

    name: str
    kind: str
    expected: dict[str, object]
    observed: dict[str, object]

    @property
    def differences(self) -> list[str]:
        return [f for f in FIELDS if self.expected[f] != self.observed[f]]

    @property
    def ok(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class Verification:
    """All layer checks plus network totals; ``ok`` when everything agrees."""

    spec: str
    device: str
    batch: int
    layers: tuple[LayerCheck, ...]
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def first_difference(self) -> tuple[LayerCheck, str] | None:
        for check in self.layers:
            if not check.ok:
                return check, check.differences[0]
        return None

    @property
    def total_differences(self) -> list[str]:
        return [k for k, (want, got) in self.totals.items() if want != got]

    @property
    def ok(self) -> bool:
        return self.first_difference is None and not self.total_differences

    def summary(self) -> str:
        """One line: agreement, or the first differing layer with both numbers."""
        n = len(self.layers)
        found = self.first_difference
        if found is not None:
            check, what = found
            return (f"DISAGREE at layer '{check.name}' ({check.kind}): {LABELS[what]} engine "
                    f"{_fmt(check.expected[what])} vs PyTorch {_fmt(check.observed[what])}")
        if self.total_differences:
            what = self.total_differences[0]
            want, got = self.totals[what]
            return f"DISAGREE in the network total {what}: engine {want:,} vs PyTorch {got:,}"
        return (f"OK: all {n} layers agree with PyTorch {torch.__version__} on shape, params, "
                f"buffers and MACs ({self.device}, batch {self.batch})")


def _fmt(value: object) -> str:
    if isinstance(value, tuple):
        return fmt_shape(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _float_buffers(module: torch.nn.Module) -> int:
    return sum(b.numel() for b in module.buffers() if b.is_floating_point())


def observe(graph: Graph, real: bool = False) -> tuple[list[dict[str, object]], object]:
    """Build and run ``graph`` once; per node (in graph order) what PyTorch observed."""
    device = "cpu" if real else "meta"
    batch = graph.batch or 1
    model = build_model(graph, device).eval()
    observed: list[dict[str, object]] = []

    def wrap(entry: Entry, compute):
        module = model.layer(entry)
        try:
            with FlopCounterMode(display=False) as counter:
                out = compute()
        except Exception as exc:  # torch refused what the engine accepted: a disagreement
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            observed.append({"shape": f"error ({type(exc).__name__}: {message})",
                             "params": sum(p.numel() for p in module.parameters()),
                             "buffers": _float_buffers(module), "macs": None})
            raise _Stop() from exc
        if out.shape[0] != batch:  # a layer that mixes samples: report it, stop the walk
            observed.append({"shape": f"{_fmt(tuple(out.shape))} with the batch axis changed "
                                      f"({batch} -> {out.shape[0]})",
                             "params": sum(p.numel() for p in module.parameters()),
                             "buffers": _float_buffers(module),
                             "macs": counter.get_total_flops() // 2})
            raise _Stop()
        observed.append({
            "shape": tuple(out.shape[1:]),
            "params": sum(p.numel() for p in module.parameters()),
            "buffers": _float_buffers(module),
            "macs": counter.get_total_flops() // 2,
        })
        return out

    make = torch.randn if real else torch.zeros
    x = make(batch, *graph.input_shape, device=device)
    with torch.no_grad(), contextlib.suppress(_Stop):
        model.run(x, wrap)
    return observed, model


class _Stop(Exception):
    """A layer raised in PyTorch; the walk stops there and verify reports it."""


def verify(graph: Graph, real: bool = False, report: Report | None = None) -> Verification:
    """Analyze ``graph`` (unless ``report`` is given) and compare it with PyTorch."""
    report = report or analyze(graph)
    observed, model = observe(graph, real)
    if not real and any("NotImplementedError" in str(o["shape"]) for o in observed):
        real = True  # a module without a meta kernel: fall back to real tensors on the CPU
        observed, model = observe(graph, real)
    checks = []
    for row, seen in zip(report.rows, observed):
        expected = {"shape": tuple(row.output_shape), "params": row.params,
                    "buffers": row.buffers, "macs": row.macs}
        checks.append(LayerCheck(row.name, row.kind, expected, seen))
    totals = {
        "params": (report.totals.params, sum(p.numel() for p in model.parameters())),
        "buffers": (report.totals.non_trainable, _float_buffers(model)),
        "layers": (len(report.rows), len(observed)),
    }
    return Verification(graph.name, "cpu" if real else "meta", graph.batch or 1,
                        tuple(checks), totals)
