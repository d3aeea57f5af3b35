"""A layered (Sugiyama-style) layout in pure Python, so that the default install draws
branching networks without Graphviz.

The four classic steps: ranks by longest path from the input; long edges cut into chains of dummy
points; crossings reduced by barycenter sweeps, keeping the best order seen; positions across
the ranks by isotonic regression (each node as close as its order allows to the mean of its
neighbours), which straightens chains and keeps parallel branches apart.

Coordinates are abstract: ``along`` follows the edges (down the page, or right), ``across``
is the position inside a rank. Nodes are given in topological order (the report's order).
"""

from __future__ import annotations

from dataclasses import dataclass

SWEEPS = 12


@dataclass
class Placed:
    """The result: each node's centre, and each edge's route (centres of its dummy points)."""

    centres: list[tuple[float, float]]
    """(across, along) per node."""
    routes: dict[tuple[int, int], list[tuple[float, float]]]
    """(source, target) -> the points between them, source and target excluded."""
    extent: tuple[float, float]
    """(across, along) size of the whole drawing."""
    crossings: int


def _ranks(n: int, edges: list[tuple[int, int]]) -> list[int]:
    preds: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        preds[v].append(u)
    rank = [0] * n
    for v in range(n):
        rank[v] = max((rank[u] + 1 for u in preds[v]), default=0)
    return rank


def _crossings(upper_pos: dict[int, int], lower_pos: dict[int, int],
               links: list[tuple[int, int]]) -> int:
    """Crossings between two adjacent ranks: inversions of the lower ends, counted with a
    Fenwick tree in O(E log E)."""
    pairs = sorted((upper_pos[u], lower_pos[v]) for u, v in links)
    size = len(lower_pos) + 1
    tree = [0] * (size + 1)
    count = 0
    for seen, (_, b) in enumerate(pairs):
        i, le = b + 1, 0
        while i > 0:
            le += tree[i]
            i -= i & -i
        count += seen - le
        i = b + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def _isotonic(desired: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``desired`` (weighted least squares): pool
    adjacent violators."""
    blocks: list[list[float]] = []  # [value, weight, count]
    for d, w in zip(desired, weights):
        blocks.append([d, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks[-1]
            blocks[-1] = [(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2]
    out: list[float] = []
    for value, _, count in blocks:
        out.extend([value] * count)
    return out


def layout(sizes: list[tuple[float, float]], edges: list[tuple[int, int]],
           gap_across: float = 30.0, gap_along: float = 40.0) -> Placed:
    """Place nodes of (across, along) ``sizes`` joined by ``edges`` (source before target)."""
    n = len(sizes)
    edges = [(u, v) if u < v else (v, u) for u, v in edges if u != v]
    rank = _ranks(n, edges)
    # Dummy points: ids n, n+1, ... with the rank they sit on and a zero-ish size.
    node_rank = list(rank)
    width = [s[0] for s in sizes]
    order_key: list[float] = [float(i) for i in range(n)]
    links: list[tuple[int, int]] = []
    chains: dict[tuple[int, int], list[int]] = {}
    for u, v in edges:
        prev, chain = u, []
        for r in range(rank[u] + 1, rank[v]):
            d = len(node_rank)
            node_rank.append(r)
            width.append(2.0)
            order_key.append(u + 0.5)
            links.append((prev, d))
            chain.append(d)
            prev = d
        links.append((prev, v))
        chains[(u, v)] = chain
    total = len(node_rank)
    n_ranks = max(node_rank, default=0) + 1
    layers: list[list[int]] = [[] for _ in range(n_ranks)]
    for v in sorted(range(total), key=lambda v: order_key[v]):
        layers[node_rank[v]].append(v)
    up: list[list[int]] = [[] for _ in range(total)]
    down: list[list[int]] = [[] for _ in range(total)]
    for a, b in links:
        down[a].append(b)
        up[b].append(a)
    between: list[list[tuple[int, int]]] = [[] for _ in range(n_ranks)]
    for a, b in links:
        between[node_rank[a]].append((a, b))

    def positions() -> list[int]:
        pos = [0] * total
        for layer in layers:
            for i, v in enumerate(layer):
                pos[v] = i
        return pos

    def count() -> int:
        pos = positions()
        return sum(_crossings({a: pos[a] for a, _ in between[r]},
                              {b: pos[b] for _, b in between[r]} | {v: pos[v]
                                                                     for v in layers[r + 1]},
                              between[r]) for r in range(n_ranks - 1))

    best = [list(layer) for layer in layers]
    best_count = count()
    for sweep in range(SWEEPS):
        if best_count == 0:
            break
        pos = positions()
        ranks = range(1, n_ranks) if sweep % 2 == 0 else range(n_ranks - 2, -1, -1)
        for r in ranks:
            near = up if sweep % 2 == 0 else down
            keyed = []
            for v in layers[r]:
                ns = near[v]
                keyed.append((sum(pos[u] for u in ns) / len(ns) if ns else pos[v], pos[v], v))
            keyed.sort()
            layers[r] = [v for _, _, v in keyed]
            for i, v in enumerate(layers[r]):
                pos[v] = i
        c = count()
        if c < best_count:
            best, best_count = [list(layer) for layer in layers], c
    layers = best

    # Across: start packed, then pull each node towards its neighbours' mean.
    x = [0.0] * total
    for layer in layers:
        at = 0.0
        for v in layer:
            x[v] = at + width[v] / 2
            at += width[v] + gap_across
        shift = at / 2
        for v in layer:
            x[v] -= shift
    for sweep in range(8):
        ranks = range(n_ranks) if sweep % 2 == 0 else range(n_ranks - 1, -1, -1)
        for r in ranks:
            layer = layers[r]
            if not layer:
                continue
            offsets, at = [], 0.0
            for i, v in enumerate(layer):
                if i:
                    at += (width[layer[i - 1]] + width[v]) / 2 + gap_across
                offsets.append(at)
            desired, weights = [], []
            for v, off in zip(layer, offsets):
                ns = up[v] + down[v]
                target = sum(x[u] for u in ns) / len(ns) if ns else x[v]
                desired.append(target - off)
                weights.append(4.0 if v >= n else 1.0)
            for v, off, val in zip(layer, offsets, _isotonic(desired, weights)):
                x[v] = val + off
    left = min((x[v] - width[v] / 2 for v in range(total)), default=0.0)
    right = max((x[v] + width[v] / 2 for v in range(total)), default=0.0)
    along_size = [0.0] * n_ranks
    for v in range(n):
        along_size[rank[v]] = max(along_size[rank[v]], sizes[v][1])
    y, at = [], 0.0
    for r in range(n_ranks):
        y.append(at + along_size[r] / 2)
        at += along_size[r] + gap_along
    centres = [(x[v] - left, y[node_rank[v]]) for v in range(n)]
    routes = {e: [(x[d] - left, y[node_rank[d]]) for d in chain] for e, chain in chains.items()}
    return Placed(centres, routes, (right - left, at - gap_along), best_count)
