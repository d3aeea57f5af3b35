"""The import round trip, shared by the tests: a module's own figures against the spec's.

``own_figures`` measures the module as PyTorch counts it: ``sum(p.numel() for p in
model.parameters())`` and ``torch.utils.flop_counter.FlopCounterMode`` FLOPs / 2 on a
meta-device input at batch 1 (eval mode). ``spec_figures`` imports the same reference with
``cnncalc import torch`` and analyzes the written spec with cnncalc's analytic engine.
"""

from __future__ import annotations

from cnncalc import analyze_text
from cnncalc.importers.torch_import import import_torch
from cnncalc.importers.torch_load import build_module, parse_reference


def own_figures(reference: str, input_shape: tuple[int, ...]) -> tuple[int, int]:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model = build_module(parse_reference(reference))
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.empty(1, *input_shape, device="meta"))
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


def import_spec(reference: str, input_shape: tuple[int, ...]) -> tuple[str, list[str]]:
    return import_torch(reference, input_shape, f"cnncalc import torch {reference}")


def spec_figures(spec: str) -> tuple[int, int]:
    report = analyze_text(spec, "<imported>")
    return report.totals.params, report.totals.macs
