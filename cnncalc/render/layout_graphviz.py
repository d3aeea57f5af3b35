"""The ``graphviz`` layout engine: Graphviz's ``dot`` run as a subprocess.

The graph goes in as DOT with every node a fixed-size empty box (its size in points, one point
per pixel of ours) and comes back as ``-Tplain``: node centres and each edge's spline as cubic
Bezier control points, in inches with y pointing up. Arrowheads are left to the drawing, so a
spline runs from border to border. ``dot`` runs under a time limit: a user's network never
hangs the command (``--engine auto`` then falls back to the python engine).
"""

from __future__ import annotations

import subprocess

from .layout import LayoutError, Placed, Point

TIMEOUT = 60.0
"""Seconds ``dot`` may take; ResNet-152 with every layer (516 nodes) takes ~0.2 s."""
POINTS = 72.0


def to_dot(sizes: list[Point], edges: list[tuple[int, int]], gap_across: float,
           gap_along: float) -> str:
    """The layout problem as DOT: sizes and gaps in inches, nodes in the report's order."""
    lines = ["digraph cnncalc {",
             f"  graph [nodesep={gap_across / POINTS:.4f}, ranksep={gap_along / POINTS:.4f}];",
             '  node [shape=box, fixedsize=true, label=""];',
             "  edge [arrowhead=none];"]
    lines += [f"  n{i} [width={w / POINTS:.4f}, height={h / POINTS:.4f}];"
              for i, (w, h) in enumerate(sizes)]
    lines += [f"  n{u} -> n{v};" for u, v in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def run_dot(text: str) -> str:
    try:
        done = subprocess.run(["dot", "-Tplain"], input=text, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LayoutError(f"Graphviz's dot took over {TIMEOUT:g} s on this graph; use "
                          "--engine python, or a smaller --depth") from exc
    except OSError as exc:
        raise LayoutError(f"cannot run Graphviz's dot: {exc}") from exc
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise LayoutError(f"Graphviz's dot failed (exit {done.returncode}): {why}")
    return done.stdout


def parse_plain(text: str, n: int) -> tuple[list[Point | None], dict[tuple[int, int],
                                                                       list[Point]], float]:
    """Node centres and edge splines from ``-Tplain`` (inches, y up), and the graph height."""
    centres: list[Point | None] = [None] * n
    splines: dict[tuple[int, int], list[Point]] = {}
    height = 0.0
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph":
            height = float(parts[3])
        elif parts[0] == "node":
            centres[int(parts[1][1:])] = (float(parts[2]), float(parts[3]))
        elif parts[0] == "edge":
            count = int(parts[3])
            coords = [float(c) for c in parts[4:4 + 2 * count]]
            splines[(int(parts[1][1:]), int(parts[2][1:]))] = list(zip(coords[::2],
                                                                       coords[1::2]))
    return centres, splines, height


def place(sizes: list[Point], edges: list[tuple[int, int]], gap_across: float,
          gap_along: float) -> Placed:
    raw, raw_splines, height = parse_plain(run_dot(to_dot(sizes, edges, gap_across, gap_along)),
                                           len(sizes))
    if any(c is None for c in raw) or set(raw_splines) != set(edges):
        raise LayoutError("Graphviz's dot left out nodes or edges of the graph")

    def flip(p: Point) -> Point:
        return p[0] * POINTS, (height - p[1]) * POINTS

    centres = [flip(c) for c in raw if c is not None]
    splines = {e: [flip(p) for p in pts] for e, pts in raw_splines.items()}
    left = min([x - w / 2 for (x, _), (w, _) in zip(centres, sizes)]
               + [x for pts in splines.values() for x, _ in pts], default=0.0)
    top = min([y - h / 2 for (_, y), (_, h) in zip(centres, sizes)]
              + [y for pts in splines.values() for _, y in pts], default=0.0)
    centres = [(x - left, y - top) for x, y in centres]
    splines = {e: [(x - left, y - top) for x, y in pts] for e, pts in splines.items()}
    right = max([x + w / 2 for (x, _), (w, _) in zip(centres, sizes)]
                + [x for pts in splines.values() for x, _ in pts], default=0.0)
    bottom = max([y + h / 2 for (_, y), (_, h) in zip(centres, sizes)]
                 + [y for pts in splines.values() for _, y in pts], default=0.0)
    return Placed(centres, (right, bottom), "graphviz", splines=splines)
