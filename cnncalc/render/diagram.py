"""Diagrams of a network as a ``Scene``: the classic row of feature-map boxes for chains, and a
layered graph for branching networks.

The row of boxes (LeNet-5's and AlexNet's figures): each feature map a cuboid whose height,
depth and thickness follow H, W and C on a stated log scale, so a 224x224x64 map and a 7x7x512
one are both visible; layers that keep the shape and do no multiply-accumulates (activations,
normalization, dropout) are folded into the box before them; dense layers are bars. The graph
(Inception's branches, residual shortcuts, U-Net's skips): a node per layer or block, an edge
per input, laid out by Graphviz or grandalf (``layout.layout``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from .layout import layout
from .netgraph import INPUT, Net, Node
from .scene import PALETTE, Path, Polygon, Scene, Text, text_width

VIEWS = ("auto", "boxes", "graph")
DIRECTIONS = ("TB", "LR")

SPATIAL = 14.0
"""Pixels per doubling of a spatial size: side = SPATIAL * log2(1 + size)."""
DEPTH_SLANT = 0.35
"""The width axis is drawn receding at 45 degrees, foreshortened by this factor."""
CHANNELS = 5.0
"""Pixels per doubling of the channel count: thickness = CHANNELS * log2(1 + channels)."""
MARGIN = 24.0


def spatial(n: int) -> float:
    return SPATIAL * math.log2(1 + n)


def thickness(c: int) -> float:
    return CHANNELS * math.log2(1 + c)


def draw(net: Net, view: str = "auto", direction: str = "TB", engine: str = "auto") -> Scene:
    """The picture of ``net``: ``boxes`` needs a chain; ``auto`` picks it when it fits. The
    graph view is laid out by ``engine`` (``layout.ENGINES``)."""
    if view == "auto":
        view = "boxes" if net.is_chain() else "graph"
    if view == "boxes":
        return boxes(net)
    return graph(net, direction, engine)


def _shade(colour: str, factor: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    if factor > 1:
        r, g, b = (round(v + (255 - v) * (factor - 1)) for v in (r, g, b))
    else:
        r, g, b = (round(v * factor) for v in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def _axis(value: object, index: int = 0) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, int) for v in value):
        return value[min(index, len(value) - 1)]
    return None


def window_label(node: Node) -> str:
    """``5×5 /2``: the window and stride of a sliding-window layer ('' for other layers)."""
    if not node.windowed:
        return ""
    k = node.args.get("kernel_size")
    s = node.args.get("stride")
    s = k if s is None and "stride" in node.args else s  # pooling: stride defaults to kernel
    text = ""
    if isinstance(k, (tuple, list)):
        text = "×".join(map(str, k))
    elif isinstance(k, int):
        text = f"{k}×{k}" if node.shape and len(node.shape) == 3 else f"{k}"
    stride = s if isinstance(s, int) else (s[0] if isinstance(s, (tuple, list))
                                            and len(set(s)) == 1 else None)
    if stride is not None:
        text += f" /{stride}"
    return text.strip()


def op_label(node: Node) -> str:
    """``conv2d 5×5 /2``: the kind, with the window and stride of a sliding-window layer."""
    return f"{node.kind} {window_label(node)}".strip()


@dataclass
class _Segment:
    lead: Node
    members: list[Node] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self.members[-1].shape

    @property
    def layers(self) -> list[str]:
        return [r.name for n in self.members for r in n.rows]


def segments(net: Net) -> list[_Segment]:
    """The boxes of a chain: a node that keeps the shape and does no MACs joins the box before
    it (ReLU after a conv), any other node starts a box."""
    out: list[_Segment] = []
    for node in net.nodes:
        if (out and out[-1].lead.key != INPUT and node.shape == out[-1].shape
                and node.macs == 0 and node.kind != "block"):
            out[-1].members.append(node)
        else:
            out.append(_Segment(node, [node]))
    return out


def _cuboid(shape: tuple[int, ...] | None) -> tuple[float, float, float]:
    """(thickness, height, slant) in pixels for a feature map of ``shape`` (channels first)."""
    if not shape:
        return 10.0, 10.0, 4.0
    if len(shape) == 1:
        return 8.0, spatial(shape[0]), 5.0
    c, spatial_dims = shape[0], shape[1:]
    h = spatial(spatial_dims[-2] if len(spatial_dims) >= 2 else spatial_dims[0])
    d = spatial(spatial_dims[-1]) * DEPTH_SLANT if len(spatial_dims) >= 2 else 5.0
    return thickness(c), h, d


def boxes(net: Net) -> Scene:
    segs = segments(net)
    dims = [_cuboid(s.shape) for s in segs]
    tallest = max(h for _, h, _ in dims)
    slant = max(d for _, _, d in dims)
    font = 11.0
    labels = []
    for s in segs:
        labels.append((s.lead.key, net.shape_label(s.members[-1]),
                       "+".join(m.kind if m.repeats == 1 else f"block ×{m.repeats}"
                                for m in s.members)))
    windows = [window_label(s.lead) for s in segs]
    gaps = [max(26.0, text_width(t, 9.5) + 12) for t in windows[1:]]
    pitch = [max(w + d, *(text_width(t, font) for t in lab)) for (w, _, d), lab in
             zip(dims, labels)]
    top = MARGIN + 26 + font + 8 + slant
    centre = top + tallest / 2
    bottom = centre + tallest / 2
    width = MARGIN * 2 + sum(pitch) + sum(gaps)
    scene = Scene(max(width, 560.0), 0.0, title=f"{net.name}: layers as feature maps")
    scene.add({"role": "title"}, Text(MARGIN, MARGIN + 6, net.name, 15, "start", True))
    x = MARGIN
    faces: list[tuple[float, float, float, float, float]] = []
    categories: list[str] = []
    for i, (seg, (w, h, d), p, (name, shape, op)) in enumerate(zip(segs, dims, pitch, labels)):
        bx = x + (p - w - d) / 2
        y0, y1 = centre - h / 2, centre + h / 2
        colour = PALETTE.get(seg.lead.category, PALETTE["other"])
        categories.append(seg.lead.category)
        items = [Polygon(((bx + k, y0 - k), (bx + w + d + k, y0 - d - k),
                          (bx + w + d + k, y1 - d - k), (bx + w + k, y1 - k), (bx + k, y1 - k)),
                         _shade(colour, 1.2), width=0.6)
                 for k in (6.0, 3.0)[:2 if seg.lead.repeats > 1 else 0]]
        items += [
            Polygon(((bx, y0), (bx + w, y0), (bx + w + d, y0 - d), (bx + d, y0 - d)),
                    _shade(colour, 1.35), width=0.8),
            Polygon(((bx + w, y0), (bx + w + d, y0 - d), (bx + w + d, y1 - d), (bx + w, y1)),
                    _shade(colour, 0.8), width=0.8),
            Polygon(((bx, y0), (bx + w, y0), (bx + w, y1), (bx, y1)), colour, width=0.8),
            Text(x + p / 2, bottom + 16, shape, font, role="shape"),
            Text(x + p / 2, bottom + 30, op, font - 1, color="#555555", role="op"),
            Text(x + p / 2, top - slant - 8, name, font, bold=True, role="name"),
        ]
        scene.add({"node": seg.lead.key, "layers": json.dumps(seg.layers),
                   "shape": shape, "kind": seg.lead.kind}, *items)
        faces.append((bx, y0, w, h, d))
        x += p + (gaps[i] if i < len(gaps) else 0.0)
    for i in range(1, len(segs)):
        bx, y0, w, h, d = faces[i - 1]
        nx, ny0, nw, nh, nd = faces[i]
        items = [Path((("M", bx + w + d + 2, centre - d / 2), ("L", nx - 3, centre)),
                      stroke="#777777", width=1.0, arrow=True)]
        k = _axis(segs[i].lead.args.get("kernel_size"))
        prev = segs[i - 1].shape
        if segs[i].lead.windowed and k and prev and len(prev) == 3:
            # The window on the previous map's side face, and the pyramid to the next map.
            fh = max(min(k / prev[1], 1.0) * h, 5.0)
            fd = max(min(k / prev[2], 1.0) * d, 2.5)
            sx, sy = bx + w + d * 0.45, centre - d * 0.45 + fh * 0.1
            corners = ((sx, sy - fh / 2), (sx + fd, sy - fh / 2 - fd),
                       (sx + fd, sy + fh / 2 - fd), (sx, sy + fh / 2))
            tip = (nx + nw * 0.5, centre - nd * 0.2)
            items = [Polygon(corners, "#ffffff", "#444444", 0.8)]
            items += [Path((("M", *c), ("L", *tip)), stroke="#888888", width=0.6)
                      for c in corners]
        if windows[i]:
            mid = (bx + w + d + nx) / 2
            items.append(Text(mid, centre + 16, windows[i], 9.5, color="#333333", role="window"))
        scene.add({"from": segs[i - 1].lead.key, "to": segs[i].lead.key}, *items)
    legend_y = bottom + 52
    legend_y = _legend(scene, categories, MARGIN, legend_y)
    scale = (f"Log scale. Height and slanted depth follow H and W: {SPATIAL:g}·log2(1+n) px "
             f"(224 → {spatial(224):.0f} px, 7 → {spatial(7):.0f} px; depth × {DEPTH_SLANT:g}).",
             f"Thickness follows C: {CHANNELS:g}·log2(1+C) px (64 → {thickness(64):.0f} px, "
             f"512 → {thickness(512):.0f} px). Dense layers are bars {SPATIAL:g}·log2(1+n) px "
             "tall.",
             "Under each box: its output shape, then the layer(s) it stands for; between boxes: "
             "the window and /stride.")
    scene.add({"role": "legend"}, *(Text(MARGIN, legend_y + 14 + 14 * i, line, 10, "start",
                                         color="#444444", role="legend")
                                    for i, line in enumerate(scale)))
    scene.width = max(scene.width, MARGIN * 2 + max(text_width(t, 10) for t in scale))
    legend_y += 14 * (len(scale) - 1)
    scene.height = legend_y + 30
    return scene


def _legend(scene: Scene, categories: list[str], x: float, y: float) -> float:
    seen = list(dict.fromkeys(categories))
    items: list = []
    for cat in seen:
        items.append(Polygon(((x, y), (x + 12, y), (x + 12, y + 12), (x, y + 12)),
                             PALETTE.get(cat, PALETTE["other"]), width=0.8))
        items.append(Text(x + 16, y + 10, cat, 10, "start", role="legend"))
        x += 16 + text_width(cat, 10) + 14
    scene.add({"role": "legend"}, *items)
    return y + 18


def block_text(node: Node) -> str:
    """``block of 8``, or ``3 blocks of 10`` for folded repeats."""
    if node.repeats > 1:
        return f"{node.repeats} blocks of {len(node.rows) // node.repeats}"
    return f"block of {len(node.rows)}"


def _node_lines(net: Net, node: Node) -> tuple[str, str]:
    shape = net.shape_label(node)
    kind = node.kind if node.kind != "block" else block_text(node)
    return node.key, f"{kind} · {shape}"


def _spline(points: list[tuple[float, float]], xy) -> list[tuple]:  # noqa: ANN001
    """A routed spline (``1 + 3k`` Bezier control points) as path commands, stopped short of
    the target's border by the arrowhead's length."""
    pts = [xy(a, b) for a, b in points]
    (px, py), (qx, qy) = pts[-2], pts[-1]
    length = math.hypot(qx - px, qy - py)
    if length > 0:
        pts[-1] = (qx - (qx - px) / length * 2, qy - (qy - py) / length * 2)
    commands: list[tuple] = [("M", *pts[0])]
    commands += [("C", *pts[i], *pts[i + 1], *pts[i + 2]) for i in range(1, len(pts) - 2, 3)]
    return commands


def _ports(placed, sizes, centres, edges, lr, xy) -> dict[tuple[int, int], float]:  # noqa: ANN001
    """Where each edge of the python engine enters its target, off the border's middle: a
    merge's inputs enter side by side, in the order they arrive from."""
    into: dict[int, list[tuple[float, int]]] = {}
    for u, v in edges:
        pts = placed.bends.get((u, v), [])
        first = xy(*pts[-1]) if pts else centres[u]
        into.setdefault(v, []).append((first[1] if lr else first[0], u))
    port: dict[tuple[int, int], float] = {}
    for v, ins in into.items():
        ins.sort()
        span = (sizes[v][1] if lr else sizes[v][0]) * 0.6
        for i, (_, u) in enumerate(ins):
            port[(u, v)] = (i + 1) / (len(ins) + 1) * span - span / 2 if len(ins) > 1 else 0.0
    return port


def _through(placed, sizes, centres, edge, port, lr, xy) -> list[tuple]:  # noqa: ANN001
    """An edge of the python engine: from the source's border through the points its layout
    gave it to its port on the target's border, each stretch a curve that leaves and enters
    along the ranks."""
    u, v = edge
    (ux, uy), (vx, vy) = centres[u], centres[v]
    (uw, uh), (vw, vh) = sizes[u], sizes[v]
    if lr:
        start, end = (ux + uw / 2, uy), (vx - vw / 2 - 2, vy + port)
    else:
        start, end = (ux, uy + uh / 2), (vx + port, vy - vh / 2 - 2)
    pts = [start, *(xy(a, b) for a, b in placed.bends.get((u, v), [])), end]
    commands: list[tuple] = [("M", *pts[0])]
    for (px, py), (qx, qy) in zip(pts, pts[1:]):
        if lr:
            mid = (px + qx) / 2
            commands.append(("C", mid, py, mid, qy, qx, qy))
        else:
            mid = (py + qy) / 2
            commands.append(("C", px, mid, qx, mid, qx, qy))
    return commands


def graph(net: Net, direction: str = "TB", engine: str = "auto") -> Scene:
    """The layered graph, laid out by ``engine`` (see ``layout``): top to bottom, or left to
    right (``LR``: the same layout turned, so both read in the edges' direction)."""
    index = {n.key: i for i, n in enumerate(net.nodes)}
    lines = [_node_lines(net, n) for n in net.nodes]
    sizes = []
    for a, b in lines:
        w = max(text_width(a, 11) * 1.08, text_width(b, 10)) + 20
        sizes.append((w, 36.0))
    edges = [(index[s], index[t]) for s, t in net.edges()]
    lr = direction == "LR"
    placed = layout([(h, w) if lr else (w, h) for w, h in sizes], edges,
                    gap_across=22.0 if lr else 26.0, gap_along=70.0 if lr else 34.0,
                    engine=engine)
    head = 44.0

    def xy(across: float, along: float) -> tuple[float, float]:
        return (MARGIN + along, head + across) if lr else (MARGIN + across, head + along)

    centres = [xy(a, b) for a, b in placed.centres]
    ext = xy(*placed.extent)
    scene = Scene(max(ext[0] + MARGIN, 420.0), 0.0, title=f"{net.name}: layer graph")
    scene.add({"role": "title", "engine": placed.engine},
              Text(MARGIN, MARGIN + 6, net.name, 15, "start", True))
    # Edges first, so the nodes sit on top of them.
    port = _ports(placed, sizes, centres, edges, lr, xy)
    for u, v in edges:
        if (u, v) in placed.splines:
            commands = _spline(placed.splines[(u, v)], xy)
        else:
            commands = _through(placed, sizes, centres, (u, v), port[(u, v)], lr, xy)
        scene.add({"from": net.nodes[u].key, "to": net.nodes[v].key},
                  Path(tuple(commands), arrow=True))
    categories = []
    for node, (cx, cy), (w, h), (a, b) in zip(net.nodes, centres, sizes, lines):
        colour = PALETTE.get(node.category, PALETTE["other"])
        categories.append(node.category)
        merge = len(node.inputs) > 1
        scene.add({"node": node.key, "layers": json.dumps([r.name for r in node.rows]),
                   "shape": net.shape_label(node), "kind": node.kind},
                  Polygon(((cx - w / 2, cy - h / 2), (cx + w / 2, cy - h / 2),
                           (cx + w / 2, cy + h / 2), (cx - w / 2, cy + h / 2)), colour,
                          "#222222" if merge else "#555555", 2.0 if merge else 0.8,
                          radius=h / 2 if merge else 5.0),
                  Text(cx, cy - 3, a, 11, bold=True, role="name"),
                  Text(cx, cy + 11, b, 10, color="#333333", role="shape"))
    y = ext[1] + 18
    y = _legend(scene, categories, MARGIN, y)
    note = "Each node: name, then kind · output shape; merges (several inputs) have a bold " \
           "rounded outline."
    scene.add({"role": "legend"}, Text(MARGIN, y + 12, note, 10, "start", color="#444444",
                                       role="legend"))
    scene.width = max(scene.width, MARGIN * 2 + text_width(note, 10))
    scene.height = y + 26
    return scene
