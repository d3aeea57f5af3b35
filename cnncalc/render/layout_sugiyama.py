"""The ``python`` layout engine: grandalf's Sugiyama layout (pure Python, GPLv2 or EPL-1.0,
used here under EPL-1.0 as an unmodified dependency).

grandalf ranks by longest path from the sources, cuts long edges into chains of dummy vertices,
reduces crossings by barycenter sweeps with adjacent swaps, and places the vertices of each
rank by Brandes and Koepf's method. It is deterministic: its vertex and edge sets keep their
insertion order, so the same graph gives the same picture (the shipped pictures rely on it).
"""

from __future__ import annotations

from .layout import LayoutError, Placed, Point

ROUNDS = 3
"""Crossing-reduction sweeps (each one down and back up); grandalf's default is 1.5. Three
find the crossing-free order of every zoo network that has one and cost ~0.2 s on ResNet-152."""


DUMMY_WIDTH = 8.0
"""Room a long edge takes in each rank it passes (plus the gap on either side)."""


class _View:
    """What grandalf reads and writes on each vertex: its size, and the centre it is given."""

    __slots__ = ("w", "h", "xy")

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy: Point = (0.0, 0.0)


def _components(n: int, edges: list[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    """Connected components as (node indices, edge indices), in the nodes' order. Found here,
    in linear time, because grandalf's ``Graph`` finds them in quadratic time (a second of the
    two it takes on ResNet-152)."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for u, v in edges:
        parent[root(u)] = root(v)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i in range(n):
        groups.setdefault(root(i), ([], []))[0].append(i)
    for k, (u, _) in enumerate(edges):
        groups[root(u)][1].append(k)
    return list(groups.values())


def place(sizes: list[Point], edges: list[tuple[int, int]], gap_across: float,
          gap_along: float) -> Placed:
    """Lay out each connected component with grandalf and set the components side by side."""
    try:
        from grandalf.graphs import Edge, Vertex, graph_core
        from grandalf.layouts import SugiyamaLayout
    except ImportError as exc:  # a core dependency; only a broken install lacks it
        raise LayoutError("the python layout engine needs grandalf: pip install grandalf "
                          f"(or install Graphviz and use --engine graphviz) ({exc})") from exc
    vertices = [Vertex(i) for i in range(len(sizes))]
    for vertex, (w, h) in zip(vertices, sizes):
        vertex.view = _View(w, h)
    links = [Edge(vertices[u], vertices[v]) for u, v in edges]
    centres: list[Point] = [(0.0, 0.0)] * len(sizes)
    bends: dict[tuple[int, int], list[Point]] = {}
    offset, height = 0.0, 0.0
    for members, component_edges in _components(len(sizes), edges):
        component = graph_core([vertices[i] for i in members], [links[i] for i in component_edges])
        sug = SugiyamaLayout(component)
        sug.xspace, sug.yspace = gap_across, gap_along
        sug.dw = DUMMY_WIDTH  # a long edge's bends are thin, not node-wide (grandalf's default)
        roots = [v for v in component.sV if not v.e_in()]
        sug.init_all(roots=roots, inverted_edges=[])  # edges run forward: already acyclic
        sug.draw(ROUNDS)
        members = list(component.sV)
        dummies = [d for e in component.sE if e in sug.ctrls
                   for r, d in sug.ctrls[e].items() if d not in (e.v[0], e.v[1])]
        left = min([v.view.xy[0] - v.view.w / 2 for v in members]
                   + [d.view.xy[0] for d in dummies])
        right = max([v.view.xy[0] + v.view.w / 2 for v in members]
                    + [d.view.xy[0] for d in dummies])
        top = min(v.view.xy[1] - v.view.h / 2 for v in members)
        for v in members:
            x, y = v.view.xy
            centres[v.data] = (x - left + offset, y - top)
            height = max(height, y - top + v.view.h / 2)
        for e in component.sE:
            ctrl = sug.ctrls.get(e)
            if ctrl:
                u, v = e.v[0].data, e.v[1].data
                bends[(u, v)] = [(ctrl[r].view.xy[0] - left + offset, ctrl[r].view.xy[1] - top)
                                 for r in sorted(ctrl) if ctrl[r] not in (e.v[0], e.v[1])]
        offset += right - left + gap_across
    return Placed(centres, (max(offset - gap_across, 0.0), height), "python", bends=bends)
