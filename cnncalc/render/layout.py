"""Where the graph view's nodes and edges go: a layered (Sugiyama) layout from a maintained
library, never one of our own.

Two engines, picked by ``--engine``:

- ``graphviz``: Graphviz's ``dot`` (the reference layered layout: network-simplex ranks,
  crossing reduction, spline routing), run as a subprocess when it is on ``PATH``;
- ``python``: grandalf's Sugiyama layout, pure Python and a dependency of the core install,
  so that the default install draws with nothing else installed;
- ``auto`` (the default): ``graphviz`` when ``dot`` is on ``PATH``, else ``python``; also
  ``python`` when ``dot`` fails or runs out of time on the graph.

Coordinates are abstract: ``along`` follows the edges (down the page, or right), ``across`` is
the position inside a rank, so each engine lays out top-down and the caller turns the result for
left-to-right. Nodes come in topological order (the report's order).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from ..errors import CnnCalcError

ENGINES = ("auto", "graphviz", "python")

Point = tuple[float, float]


@dataclass
class Placed:
    """A layout: each node's centre, each edge's course, and the drawing's size."""

    centres: list[Point]
    """(across, along) per node."""
    extent: Point
    """(across, along) size of the whole drawing; every node lies inside it."""
    engine: str
    """The engine that made it: ``graphviz`` or ``python``."""
    bends: dict[tuple[int, int], list[Point]] = field(default_factory=dict)
    """(source, target) -> the points a long edge passes through on the ranks between its ends
    (``python``); the caller draws the curve through them."""
    splines: dict[tuple[int, int], list[Point]] = field(default_factory=dict)
    """(source, target) -> a routed cubic Bezier spline from the source's border to the
    target's, as ``1 + 3k`` control points (``graphviz``)."""


class LayoutError(CnnCalcError):
    """An engine could not lay the graph out (missing, failed, out of time)."""


def has_graphviz() -> bool:
    return shutil.which("dot") is not None


def pick(engine: str = "auto") -> str:
    """The engine ``engine`` stands for on this machine (``auto`` resolved)."""
    if engine not in ENGINES:
        raise CnnCalcError(f"unknown layout engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "graphviz" if has_graphviz() else "python"
    if engine == "graphviz" and not has_graphviz():
        raise LayoutError("--engine graphviz needs Graphviz's dot on PATH (apt install "
                          "graphviz, brew install graphviz); --engine python needs nothing")
    return engine


def layout(sizes: list[Point], edges: list[tuple[int, int]], gap_across: float = 30.0,
           gap_along: float = 40.0, engine: str = "auto") -> Placed:
    """Place nodes of (across, along) ``sizes`` joined by ``edges``; an edge runs from the
    earlier node to the later one."""
    edges = list(dict.fromkeys((u, v) if u < v else (v, u) for u, v in edges if u != v))
    chosen = pick(engine)
    if chosen == "graphviz":
        from .layout_graphviz import place

        try:
            return place(sizes, edges, gap_across, gap_along)
        except LayoutError:
            if engine != "auto":
                raise
    from .layout_sugiyama import place as place_python

    return place_python(sizes, edges, gap_across, gap_along)
