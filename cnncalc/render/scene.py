"""A picture as a flat list of drawing primitives, so that one drawing routine feeds several
back ends: SVG text (no dependency), and PNG/PDF through matplotlib (the ``plot`` extra).

Coordinates are pixels, y pointing down, as in SVG. Each primitive may carry ``data``: the
attributes a test or the HTML report reads to find which layers a shape stands for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass(frozen=True)
class Polygon:
    points: tuple[Point, ...]
    fill: str
    stroke: str = "#333333"
    width: float = 1.0
    radius: float = 0.0
    """Corner radius; only meaningful for a 4-point axis-aligned rectangle."""


@dataclass(frozen=True)
class Path:
    """An open curve: ``commands`` are ("M", x, y), ("L", x, y) or ("C", x1, y1, x2, y2, x, y)."""

    commands: tuple[tuple, ...]
    stroke: str = "#555555"
    width: float = 1.2
    arrow: bool = False
    dash: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 11.0
    anchor: str = "middle"
    """``start``, ``middle`` or ``end``, as SVG's text-anchor."""
    bold: bool = False
    color: str = "#222222"
    role: str = ""
    """What the text says, for tests and tools: ``shape``, ``name``, ``op``, ``legend``."""


@dataclass
class Group:
    """Primitives that stand for one thing (a layer, a block, an edge), with its attributes."""

    items: list = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class Scene:
    width: float
    height: float
    groups: list[Group] = field(default_factory=list)
    title: str = ""

    def add(self, data: dict[str, str] | None = None, *items) -> Group:
        group = Group(list(items), dict(data or {}))
        self.groups.append(group)
        return group


def text_width(text: str, size: float) -> float:
    """A sans-serif line's width, estimated (no font metrics without a renderer): wide enough
    that neighbouring labels, spaced by it, do not overlap."""
    return 0.56 * size * len(text)


PALETTE = {
    "input": "#a8a8a8",
    "convolution": "#8fb8de",
    "pooling": "#f4a582",
    "dense": "#b2abd2",
    "normalization": "#c7e9c0",
    "activation": "#fee08b",
    "merge": "#66c2a5",
    "block": "#a6d8d4",
    "other": "#e0e0e0",
}
"""Fill colour per layer category (``LayerKind.category``), with ``block`` for folded groups
and ``input`` for the network's input. Colour-blind-safe ColorBrewer tones."""
