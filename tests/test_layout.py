"""The graph view's layout engines (Graphviz's dot, grandalf's Sugiyama), checked on what is
drawn: no two edges cross where no crossing is needed, edges run with the layout's direction,
nodes do not overlap; and how ``auto`` picks an engine and falls back."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES

from cnncalc import analyze, load_file
from cnncalc.cli import main
from cnncalc.render import layout as layout_mod
from cnncalc.render import layout_graphviz
from cnncalc.render.diagram import draw
from cnncalc.render.layout import LayoutError, has_graphviz, layout, pick
from cnncalc.render.netgraph import build
from cnncalc.render.scene import Path, Polygon, Scene
from cnncalc.trace import until as cut

GRAPHVIZ = pytest.mark.skipif(not has_graphviz(), reason="Graphviz's dot is not installed "
                              "(apt install graphviz); CI installs it")
ENGINES = ["python", pytest.param("graphviz", marks=GRAPHVIZ)]

# Graphs that can be drawn without a crossing: Inception's four branches, a residual stage
# (every layer of ResNet-50 up to layer1: three bottlenecks, one with a projection shortcut),
# U-Net's four skips (by block, and every layer).
PLANAR = [("inception_module", None, None), ("resnet50", None, "layer1"), ("unet", 0, None),
          ("unet", None, None)]


def _net(name: str, depth: int | None, until: str | None = None):
    graph = load_file(ARCHITECTURES / f"{name}.yaml")
    if until:
        graph = cut(graph, until)
    return build(analyze(graph), graph, depth)


def _flatten(commands: tuple[tuple, ...], steps: int = 16) -> list[tuple[float, float]]:
    """A path's commands as a polyline (each Bezier sampled at ``steps`` points)."""
    points: list[tuple[float, float]] = []
    for command in commands:
        if command[0] in ("M", "L"):
            points.append((command[1], command[2]))
            continue
        (x0, y0), (x1, y1, x2, y2, x3, y3) = points[-1], command[1:]
        for i in range(1, steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
            points.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return points


def _cross(p, q, r, s) -> bool:  # noqa: ANN001
    """Whether segments pq and rs properly cross (touching ends do not count)."""
    def turn(a, b, c) -> float:  # noqa: ANN001
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2, d3, d4 = turn(r, s, p), turn(r, s, q), turn(p, q, r), turn(p, q, s)
    return d1 * d2 < 0 and d3 * d4 < 0


def crossings(scene: Scene) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Pairs of drawn edges, with no node in common, whose curves cross."""
    edges = [((g.data["from"], g.data["to"]), _flatten(item.commands))
             for g in scene.groups if "from" in g.data
             for item in g.items if isinstance(item, Path)]
    found = []
    for i, (e, line) in enumerate(edges):
        for f, other in edges[i + 1:]:
            if set(e) & set(f):
                continue
            boxes = [(min(x for x, _ in pts), max(x for x, _ in pts), min(y for _, y in pts),
                      max(y for _, y in pts)) for pts in (line, other)]
            (a0, a1, a2, a3), (b0, b1, b2, b3) = boxes
            if a1 < b0 or b1 < a0 or a3 < b2 or b3 < a2:
                continue
            if any(_cross(p, q, r, s) for p, q in zip(line, line[1:])
                   for r, s in zip(other, other[1:])):
                found.append((e, f))
    return found


def node_boxes(scene: Scene) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for g in scene.groups:
        if "node" in g.data:
            poly = next(i for i in g.items if isinstance(i, Polygon))
            xs, ys = [p[0] for p in poly.points], [p[1] for p in poly.points]
            out[g.data["node"]] = (min(xs), min(ys), max(xs), max(ys))
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("direction", ["TB", "LR"])
@pytest.mark.parametrize(("name", "depth", "until"), PLANAR)
def test_no_crossing_where_none_is_needed(name, depth, until, direction, engine) -> None:
    net = _net(name, depth, until)
    scene = draw(net, "graph", direction, engine)
    assert crossings(scene) == [], (name, engine, direction)
    boxes = node_boxes(scene)
    assert sorted(boxes) == sorted(n.key for n in net.nodes)
    # Edges run with the layout: down the page (TB) or to the right (LR).
    axis = 1 if direction == "TB" else 0
    for src, dst in net.edges():
        assert boxes[src][axis + 2] < boxes[dst][axis], (src, dst)
    # No two nodes overlap, and all lie inside the picture.
    ordered = sorted(boxes.values())
    for i, a in enumerate(ordered):
        assert a[0] >= 0 and a[2] <= scene.width and a[1] >= 0 and a[3] <= scene.height
        for b in ordered[i + 1:]:
            if b[0] >= a[2]:
                break
            assert a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_the_crossing_check_sees_a_crossing() -> None:
    """K(3,3) cannot be drawn in two ranks without crossings: the check must find some."""
    sizes = [(60.0, 30.0)] * 6
    edges = [(u, v) for u in range(3) for v in range(3, 6)]
    placed = layout(sizes, edges, engine="python")
    scene = Scene(1000, 1000)
    for u, v in edges:
        (ux, uy), (vx, vy) = placed.centres[u], placed.centres[v]
        scene.add({"from": str(u), "to": str(v)}, Path((("M", ux, uy), ("L", vx, vy))))
    assert len(crossings(scene)) >= 3


@pytest.mark.parametrize("engine", ENGINES)
def test_components_sit_side_by_side(engine) -> None:
    sizes = [(80.0, 30.0), (60.0, 30.0), (100.0, 30.0), (40.0, 30.0), (50.0, 20.0)]
    placed = layout(sizes, [(0, 1), (2, 3)], engine=engine)  # node 4 stands alone
    assert placed.engine == engine
    spans = [(x - w / 2, x + w / 2, y - h / 2, y + h / 2)
             for (x, y), (w, h) in zip(placed.centres, sizes)]
    for i, a in enumerate(spans):
        assert a[0] >= -1e-6 and a[1] <= placed.extent[0] + 1e-6
        assert a[2] >= -1e-6 and a[3] <= placed.extent[1] + 1e-6
        for b in spans[i + 1:]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]
    assert placed.centres[0][1] < placed.centres[1][1]


def test_long_edges_bend_through_the_ranks_between() -> None:
    # 0 -> 1 -> 2 -> 3 and a shortcut 0 -> 3: the shortcut passes ranks 1 and 2.
    placed = layout([(60.0, 30.0)] * 4, [(0, 1), (1, 2), (2, 3), (0, 3)], engine="python")
    bends = placed.bends[(0, 3)]
    assert len(bends) == 2
    assert [round(y) for _, y in bends] == [round(placed.centres[1][1]),
                                            round(placed.centres[2][1])]
    assert all(abs(x - placed.centres[1][0]) >= 30 for x, _ in bends)  # beside, not through


def test_auto_picks_graphviz_only_where_dot_is(monkeypatch) -> None:
    monkeypatch.setattr(layout_mod.shutil, "which", lambda name: None)
    assert pick("auto") == "python" and pick("python") == "python"
    with pytest.raises(LayoutError, match="needs Graphviz's dot on PATH"):
        pick("graphviz")
    monkeypatch.setattr(layout_mod.shutil, "which", lambda name: "/usr/bin/dot")
    assert pick("auto") == "graphviz"


def test_auto_falls_back_when_dot_fails(monkeypatch) -> None:
    monkeypatch.setattr(layout_mod.shutil, "which", lambda name: "/usr/bin/dot")

    def broken(cmd, **kwargs):  # noqa: ANN001, ANN202
        raise subprocess.TimeoutExpired(cmd, kwargs.get("timeout"))

    monkeypatch.setattr(layout_graphviz.subprocess, "run", broken)
    placed = layout([(60.0, 30.0)] * 2, [(0, 1)])
    assert placed.engine == "python"
    with pytest.raises(LayoutError, match="took over"):
        layout([(60.0, 30.0)] * 2, [(0, 1)], engine="graphviz")

    def failing(cmd, **kwargs):  # noqa: ANN001, ANN202
        return subprocess.CompletedProcess(cmd, 1, "", "Error: syntax error in line 1\n")

    monkeypatch.setattr(layout_graphviz.subprocess, "run", failing)
    with pytest.raises(LayoutError, match="exit 1.*syntax error in line 1"):
        layout([(60.0, 30.0)] * 2, [(0, 1)], engine="graphviz")
    assert layout([(60.0, 30.0)] * 2, [(0, 1)]).engine == "python"


def test_plain_output_is_read_in_points_with_y_down(monkeypatch) -> None:
    plain = ("graph 1 2 3\nnode n0 1 2.5 1 0.5 \"\" solid box black lightgrey\n"
             "node n1 1 0.5 1 0.5 \"\" solid box black lightgrey\n"
             "edge n0 n1 4 1 2.25 1 1.75 1 1.25 1 0.75 solid black\nstop\n")
    monkeypatch.setattr(layout_graphviz, "run_dot", lambda text: plain)
    placed = layout_graphviz.place([(72.0, 36.0)] * 2, [(0, 1)], 20.0, 30.0)
    assert placed.centres == [(36.0, 18.0), (36.0, 162.0)]
    assert placed.splines[(0, 1)][0] == (36.0, 36.0) and placed.splines[(0, 1)][-1] == (36.0,
                                                                                        144.0)
    assert placed.extent == (72.0, 180.0)
    monkeypatch.setattr(layout_graphviz, "run_dot", lambda text: "graph 1 2 3\nstop\n")
    with pytest.raises(LayoutError, match="left out"):
        layout_graphviz.place([(72.0, 36.0)] * 2, [(0, 1)], 20.0, 30.0)


def test_dot_input_names_sizes_in_inches() -> None:
    text = layout_graphviz.to_dot([(144.0, 36.0), (72.0, 36.0)], [(0, 1)], 36.0, 72.0)
    assert "nodesep=0.5000, ranksep=1.0000" in text
    assert "n0 [width=2.0000, height=0.5000];" in text and "n0 -> n1;" in text


@GRAPHVIZ
def test_graphviz_routes_every_edge_from_border_to_border() -> None:
    net = _net("inception_module", None)
    index = {n.key: i for i, n in enumerate(net.nodes)}
    sizes = [(120.0, 36.0)] * len(net.nodes)
    edges = [(index[a], index[b]) for a, b in net.edges()]
    placed = layout(sizes, edges, engine="graphviz")
    assert set(placed.splines) == set(edges) and not placed.bends

    def on_border(point, centre) -> bool:  # noqa: ANN001
        dx, dy = abs(point[0] - centre[0]), abs(point[1] - centre[1])
        return dx <= 63 and dy <= 21 and (dx >= 57 or dy >= 15)

    for (u, v), pts in placed.splines.items():
        assert len(pts) % 3 == 1
        assert on_border(pts[0], placed.centres[u]) and pts[0][1] > placed.centres[u][1]
        assert on_border(pts[-1], placed.centres[v]) and pts[-1][1] < placed.centres[v][1]


def test_the_python_engine_is_deterministic() -> None:
    """Shipped pictures are compared byte for byte: the same graph, the same layout."""
    net = _net("unet", None)
    first = draw(net, "graph", "TB", "python")
    again = draw(dataclasses.replace(net), "graph", "TB", "python")
    assert first == again


def _cli(*args: str):
    return CliRunner().invoke(main, ["diagram", str(ARCHITECTURES / "inception_module.yaml"),
                                     *args])


def test_cli_layout_names_the_direction_and_the_shape_order() -> None:
    lr = _cli("--layout", "left-right", "--engine", "python")
    assert lr.exit_code == 0, lr.output
    assert _cli("--direction", "LR", "--engine", "python").output == lr.output
    assert lr.output != _cli("--layout", "top-down", "--engine", "python").output
    both = _cli("--layout", "left-right", "--layout", "hwc", "--engine", "python")
    assert both.exit_code == 0 and "28×28×256" in both.output and "256×28×28" in lr.output
    dot = _cli("--layout", "left-right", "-f", "dot")
    assert "rankdir=LR;" in dot.output
    for args in (("--layout", "left-right", "--layout", "top-down"),
                 ("--layout", "left-right", "--direction", "TB"),
                 ("--layout", "chw", "--layout", "hwc")):
        bad = _cli(*args)
        assert bad.exit_code == 2 and bad.output.count("\n") == 1, args
        assert bad.output.startswith("error: ")


def test_cli_engine_graphviz_without_dot_is_one_line(monkeypatch) -> None:
    monkeypatch.setattr(layout_mod.shutil, "which", lambda name: None)
    result = _cli("--engine", "graphviz")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "needs Graphviz's dot on PATH" in result.output
    assert _cli("--engine", "graphviz", "-f", "mermaid").exit_code == 0  # no layout needed
    assert 'data-engine="python"' in _cli().output  # auto falls back


def test_only_a_graph_view_imports_grandalf() -> None:
    """The analytic path and the chain's boxes never load the layout library."""
    import sys

    code = ("import sys\nfrom cnncalc.cli import main\n"
            "for args in ({runs!r}):\n"
            "    try:\n        main(args, standalone_mode=False)\n    except SystemExit:\n"
            "        pass\n"
            "print('grandalf' in sys.modules)")
    for runs, loaded in (([["analyze", str(ARCHITECTURES / "resnet50.yaml")],
                           ["diagram", str(ARCHITECTURES / "vgg16.yaml")]], "False"),
                         ([["diagram", str(ARCHITECTURES / "unet.yaml"), "--engine", "python"]],
                          "True")):
        result = subprocess.run([sys.executable, "-c", code.format(runs=runs)],
                                capture_output=True, text=True, check=True)
        assert result.stdout.strip().splitlines()[-1] == loaded, runs
