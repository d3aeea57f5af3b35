"""Differential, property-based tests: for random layers and small networks of every family,
in every rank each kind takes, the engine's verdict must equal PyTorch's: the same output
shape, parameters, buffers and MACs when PyTorch accepts the configuration, and a cnncalc
error exactly when PyTorch raises. The oracle (tests/torch_oracle.py) builds torch layers from
the written arguments, never from the engine's figures; its docstring lists the documented
exclusions. The strategies are in tests/torch_strategies.py.

Each family must reach ``CNNCALC_DIFF_EXAMPLES`` accepted networks (300 by default; the
examples drawn are scaled up by what PyTorch refuses), and every registered layer kind must
be drawn by some family in every rank it takes. For a long run:
``CNNCALC_DIFF_EXAMPLES=10000 pytest -m torch -s tests/test_torch_differential.py -k FAMILY``
(``-s`` prints what each family compared, accepted and refused).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass

import pytest

torch = pytest.importorskip("torch")

import torch_strategies as strategies  # noqa: E402
import torch_strategies_attn as attn_strategies  # noqa: E402
import torch_strategies_grid as grid_strategies  # noqa: E402
import torch_strategies_seg as seg_strategies  # noqa: E402
import torch_strategies_swin as swin_strategies  # noqa: E402
from hypothesis import HealthCheck, Phase, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch_oracle import BATCH, MERGES, compare, run_torch, spec_text  # noqa: E402

from cnncalc import load_spec  # noqa: E402
from cnncalc.layers.base import ALIASES, REGISTRY, LayerKind  # noqa: E402
from cnncalc.torch import build_model  # noqa: E402

pytestmark = pytest.mark.torch

EXAMPLES = int(os.environ.get("CNNCALC_DIFF_EXAMPLES", "300"))
"""Accepted networks each family must compare."""


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The oracle runs thousands of tiny tensors: with torch's default intra-op threads on a
    loaded machine every parallel kernel waits for a descheduled thread (a 2x3x5x5 max pool
    took 17 ms with 2 threads and 0.007 ms with 1 on the 2-core CI machine), which made the
    pooling and resizing families slow. One thread computes the same values."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@dataclass(frozen=True)
class Family:
    strategy: st.SearchStrategy
    draws_per_accept: float
    """Examples drawn per accepted network wanted: 1 / PyTorch's acceptance rate for this
    strategy, measured at the CI default, plus a margin."""
    guard_draws: int = 400
    """Networks the coverage guard draws to see every (kind, rank) the family can draw."""

    def examples(self) -> int:
        return math.ceil(EXAMPLES * self.draws_per_accept)


FAMILIES = {
    "conv": Family(strategies.conv_case(), 1.6),
    "conv_transpose": Family(strategies.conv_transpose_case(), 1.6),
    "pool": Family(strategies.pool_case(), 1.6),
    "adaptive_pool": Family(strategies.adaptive_case(), 1.2),
    "norm": Family(strategies.norm_case(), 1.3),
    "dense": Family(strategies.dense_case(), 1.3),
    # 22 kinds in 4 ranks: enough examples that CI sees each pair
    "activation": Family(strategies.activation_case(), 3.0, guard_draws=2000),
    "reshape_global": Family(strategies.reshape_case(), 1.6),
    "upsample": Family(strategies.upsample_case(), 1.6),
    "border": Family(strategies.border_case(), 1.6),
    "lenet": Family(strategies.lenet_case(), 1.6),
    "merge": Family(strategies.merge_case(), 1.9),
    "chain": Family(strategies.chain_case(), 1.3),
    "shuffle": Family(seg_strategies.shuffle_case(), 1.6),
    "local_conv": Family(seg_strategies.local_conv_case(), 1.6),
    "interpolate": Family(seg_strategies.interpolate_case(), 1.6),
    # every registered kind from its unit's own examples (a new kind needs no strategy)
    "units": Family(strategies.unit_case(), 1.3, guard_draws=1500),
    # ConvNeXt's and ShuffleNetV2's kinds (issue 12)
    "modern": Family(strategies.modern_case(), 1.6, guard_draws=1000),
    # the Vision Transformer's kinds (issue 14)
    "attention": Family(attn_strategies.attention_case(), 1.6, guard_draws=1000),
    # MaxViT's partition attention (issue 14)
    "partition": Family(grid_strategies.partition_case(), 1.6),
    # the Swin Transformer's kinds
    "swin": Family(swin_strategies.swin_case(), 1.6, guard_draws=1000),
}

VERDICTS: dict[str, Counter] = {name: Counter() for name in FAMILIES}
"""What each family's differential test saw in this session, for the quota test."""


def assert_same_values(input_shape, layers, x=None, done=None) -> None:
    """A network without weights must compute the same values in cnncalc's own PyTorch
    build (what ``verify`` and ``bench`` run) as in the oracle's. ``verify`` builds modules
    from the engine's reading of the arguments, so it cannot see a misreading that keeps the
    shapes (a crop's before and after swapped, a centre off by one): the values can.
    ``x`` and ``done``: the batch the oracle already ran and its answer (one run, not two)."""
    if done is None:
        x = torch.randn(BATCH, *input_shape)
        done = run_torch(input_shape, layers, x)
    assert not isinstance(done, str), done
    seen, want = done
    if any(s.params for s in seen):
        return
    model = build_model(load_spec(spec_text(input_shape, layers))).eval()
    with torch.no_grad():
        got = model(x)
    assert got.shape == want.shape and torch.allclose(got, want, atol=1e-6, equal_nan=True), (
        f"cnncalc's torch build computes other values than the oracle for "
        f"{spec_text(input_shape, layers)}")


def _differential(name: str, family: Family):
    """The differential test of one family, with that family's number of examples."""

    @settings(max_examples=family.examples(), deadline=None, derandomize=EXAMPLES <= 300,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(network=family.strategy)
    def test(network) -> None:
        shape, layers = network
        x = torch.randn(BATCH, *shape)
        done = run_torch(shape, layers, x)      # the oracle runs once: figures, then values
        verdict = compare(shape, layers, done)
        if verdict == "both accept":
            assert_same_values(shape, layers, x, done)
        VERDICTS[name][verdict] += 1
        event(verdict)

    test.__name__ = test.__qualname__ = f"test_engine_verdict_equals_pytorch_{name}"
    return test


for _name, _family in FAMILIES.items():
    globals()[f"test_engine_verdict_equals_pytorch_{_name}"] = _differential(_name, _family)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_compares_enough_accepted_networks(family: str) -> None:
    """Figures are only compared where PyTorch accepts: a family whose strategy drifts toward
    refusals stops testing them. (Run alone, this runs the family's test first.)"""
    if not VERDICTS[family]:
        globals()[f"test_engine_verdict_equals_pytorch_{family}"]()
    accepted, drawn = VERDICTS[family]["both accept"], sum(VERDICTS[family].values())
    # the figures a long run's note states (shown with ``pytest -s``); a disagreement has
    # already failed the family's test
    print(f"\n{family}: {drawn} compared, {accepted} both accept, "
          f"{VERDICTS[family]['both refuse']} both refuse, 0 disagreements")
    assert accepted >= EXAMPLES, (
        f"{family}: {accepted} accepted of {drawn} drawn, fewer than {EXAMPLES}; bias the "
        "strategy toward valid networks or raise its draws_per_accept")


# --- every registered kind is drawn, in every rank it takes --------------------------------

FLAT_ONLY = {"rbf"}
"""LeNet-5's RBF layer takes a flat [C] sample only (documented exclusion in
tests/torch_oracle.py); a linear takes any rank (on its last axis)."""


def supported_ranks(unit: LayerKind) -> set[int]:
    """Sample ranks (batch excluded) a kind takes: ``conv2d`` 3; a rank-generic kind that
    needs spatial axes 2 to 4; any other 1 to 4."""
    if unit.ndim is not None:
        return {unit.ndim + 1}
    if unit.name in FLAT_ONLY:
        return {1}
    return set(range(max(unit.min_rank, 1), 5))


def first_layers(network) -> set[tuple[str, int]]:
    """(kind, sample rank) of the layers that see the network's input (a merge sees its
    branches', which keep the rank), aliases resolved."""
    shape, layers = network
    kind, args = layers[0]
    pairs = {(kind, len(shape))}
    if kind in MERGES:
        pairs |= {(branch[0][0], len(shape)) for branch in args if branch}
    return {(ALIASES.get(k, k), rank) for k, rank in pairs}


def drawn_by(strategy: st.SearchStrategy, count: int) -> set[tuple[str, int]]:
    """Every (kind, rank) among ``count`` networks of ``strategy`` (drawn only, not run)."""
    seen: set[tuple[str, int]] = set()

    @settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(network=strategy)
    def collect(network) -> None:
        seen.update(first_layers(network))

    collect()
    return seen


def undrawn(registry: dict[str, LayerKind], drawn: set[tuple[str, int]]) -> list:
    return sorted((name, rank) for name, unit in registry.items()
                  for rank in supported_ranks(unit) if (name, rank) not in drawn)


def test_every_registered_kind_is_drawn_in_every_rank_it_takes() -> None:
    drawn = set().union(*(drawn_by(f.strategy, f.guard_draws) for f in FAMILIES.values()))
    missing = undrawn(REGISTRY, drawn)
    assert not missing, f"(kind, sample rank) drawn by no family in torch_strategies: {missing}"


def test_the_coverage_guard_notices_a_new_kind() -> None:
    class Fresh(LayerKind):
        base = "fresh"

    everything = {(name, rank) for name, unit in REGISTRY.items()
                  for rank in supported_ranks(unit)}
    assert undrawn(REGISTRY, everything) == []
    assert undrawn({**REGISTRY, "fresh": Fresh()}, everything) == [("fresh", r)
                                                                    for r in (1, 2, 3, 4)]
    assert undrawn(REGISTRY, everything - {("conv2d", 3)}) == [("conv2d", 3)]


def test_an_empty_connection_table_is_refused() -> None:
    assert compare((2, 5, 5), [("table_conv2d", {"table": [], "kernel_size": 3})]) == \
        "both refuse"


def test_size_of_a_named_layer_is_run_as_a_graph_by_the_oracle() -> None:
    """The interpolate family's graphs: the oracle keeps each named layer's output and takes a
    layer's input from ``from``, so ``size_of`` resizes to that layer's spatial size and keeps
    the input's channels; a name given only after the resize is refused by both."""
    stem = ("conv2d", {"name": "stem", "out_channels": 3, "kernel_size": 1, "stride": 2})
    resize = ("interpolate", {"from": "input", "size_of": "stem", "mode": "bilinear"})
    assert compare((2, 6, 5), [stem, resize]) == "both accept"
    done = run_torch((2, 6, 5), [stem, resize])
    assert not isinstance(done, str) and tuple(done[1].shape) == (BATCH, 2, 3, 3)
    assert compare((2, 6, 5), [resize, ("relu", {"name": "stem"})]) == "both refuse"
