"""A ``Scene`` drawn with matplotlib, for PNG and PDF (the ``plot`` extra).

The same primitives as the SVG writer, so both outputs show the same figure. Imported only
when a PNG/PDF is asked for; ``need_matplotlib`` turns its absence into one line.
"""

from __future__ import annotations

from typing import Any

from ..errors import CnnCalcError
from .scene import Path, Polygon, Scene, Text

INSTALL = "pip install 'cnncalc[plot]'"


def need_matplotlib(what: str) -> Any:
    """matplotlib's pyplot with the file-only Agg back end, or a one-line error saying how to
    install it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CnnCalcError(f"{what} needs matplotlib: {INSTALL}") from None
    return plt


DPI = 100


def save(scene: Scene, path: str, dpi: int = 200) -> None:
    """Write ``scene`` to ``path`` (.png or .pdf, as matplotlib reads the suffix)."""
    plt = need_matplotlib("drawing a PNG or PDF")
    from matplotlib.patches import FancyBboxPatch, PathPatch
    from matplotlib.patches import Polygon as MPolygon
    from matplotlib.path import Path as MPath

    fig = plt.figure(figsize=(scene.width / DPI, scene.height / DPI), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.axis("off")
    pt = 72 / DPI  # SVG pixels to points at this figure size
    for group in scene.groups:
        for item in group.items:
            if isinstance(item, Polygon):
                xs = [x for x, _ in item.points]
                ys = [y for _, y in item.points]
                if item.radius and len(item.points) == 4:
                    x, y = min(xs), min(ys)
                    w, h = max(xs) - x, max(ys) - y
                    r = min(item.radius, w / 2, h / 2)
                    ax.add_patch(FancyBboxPatch((x + r, y + r), w - 2 * r, h - 2 * r,
                                                boxstyle=f"round,pad={r}",
                                                facecolor=item.fill, edgecolor=item.stroke,
                                                linewidth=item.width * pt))
                else:
                    ax.add_patch(MPolygon(item.points, closed=True, facecolor=item.fill,
                                          edgecolor=item.stroke, linewidth=item.width * pt,
                                          joinstyle="round"))
            elif isinstance(item, Path):
                verts, codes = [], []
                for cmd in item.commands:
                    if cmd[0] == "M":
                        verts.append(cmd[1:3])
                        codes.append(MPath.MOVETO)
                    elif cmd[0] == "L":
                        verts.append(cmd[1:3])
                        codes.append(MPath.LINETO)
                    else:
                        verts += [cmd[1:3], cmd[3:5], cmd[5:7]]
                        codes += [MPath.CURVE4] * 3
                ax.add_patch(PathPatch(MPath(verts, codes), fill=False, edgecolor=item.stroke,
                                       linewidth=item.width * pt,
                                       linestyle="--" if item.dash else "-"))
                if item.arrow:
                    end, before = verts[-1], verts[-2]
                    ax.annotate("", xy=end, xytext=before,
                                arrowprops={"arrowstyle": "-|>", "color": item.stroke,
                                            "lw": 0, "mutation_scale": 9,
                                            "shrinkA": 0, "shrinkB": 0})
            elif isinstance(item, Text):
                ax.text(item.x, item.y, item.text, fontsize=item.size * pt,
                        ha={"start": "left", "end": "right"}.get(item.anchor, "center"),
                        va="baseline", color=item.color,
                        fontweight="bold" if item.bold else "normal")
    fig.savefig(path, dpi=dpi, facecolor="white")
    plt.close(fig)
