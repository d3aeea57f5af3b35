"""Diagrams, graph text and the HTML report, checked by structure rather than pixels: every
layer (or block at the depth) drawn once, every edge drawn, every label with its shape."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from helpers import ARCHITECTURES

from cnncalc import analyze, load_file
from cnncalc.cli import main
from cnncalc.render.columns import shape_text
from cnncalc.render.diagram import draw, segments
from cnncalc.render.graphtext import to_dot, to_mermaid
from cnncalc.render.html import to_html
from cnncalc.render.layout import has_graphviz
from cnncalc.render.netgraph import INPUT, build, group_key
from cnncalc.render.svg import to_svg

SVG = "{http://www.w3.org/2000/svg}"
CASES = [("lenet5", None), ("alexnet", None), ("vgg16", None), ("vgg16", 0),
         ("inception_module", None), ("resnet50", 1), ("resnet50", None), ("unet", 0),
         ("unet", None), ("googlenet", 0), ("densenet121", 1), ("mobilenet_v2", 0),
         ("tcn", None), ("keras_cats_dogs", None)]


ENGINES = ["python", pytest.param("graphviz", marks=pytest.mark.skipif(
    not has_graphviz(), reason="Graphviz's dot is not installed (apt install graphviz); CI "
    "installs it"))]


def _net(name: str, depth: int | None):
    graph = load_file(ARCHITECTURES / f"{name}.yaml")
    report = analyze(graph)
    return report, build(report, graph, depth)


def _groups(svg_text: str) -> list[ET.Element]:
    root = ET.fromstring(svg_text.encode())  # valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    return list(root.iter(f"{SVG}g"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "depth"), CASES)
def test_every_layer_once_every_edge_every_shape(name: str, depth: int | None,
                                                 engine: str) -> None:
    report, net = _net(name, depth)
    svg = to_svg(draw(net, engine=engine))
    groups = _groups(svg)
    if not net.is_chain():
        assert f'data-engine="{engine}"' in svg
    drawn = [n for g in groups if "data-layers" in g.attrib
             for n in json.loads(g.attrib["data-layers"])]
    assert sorted(drawn) == sorted(r.name for r in report.rows)  # each layer exactly once
    nodes = [g for g in groups if "data-node" in g.attrib]
    keys = [g.attrib["data-node"] for g in nodes]
    assert len(keys) == len(set(keys))
    by_name = {r.name: r for r in report.rows}
    for g in nodes:
        key = g.attrib["data-node"]
        layers = json.loads(g.attrib["data-layers"])
        # The shape label is the output shape of the last layer the shape stands for.
        want = (shape_text(report.input_shape, report) if key == INPUT
                else shape_text(by_name[layers[-1]].output_shape, report)).replace(" x ", "×")
        assert g.attrib["data-shape"] == want
        texts = [t.text for t in g.iter(f"{SVG}text") if t.get("class") == "shape"]
        assert texts and want in texts[0], (key, texts)
        if depth is not None and key != INPUT:  # boxes also hold the activations after them
            assert all(group_key(n, depth) == key
                       for n in (layers if not net.is_chain() else layers[:1]))
    edges = {(g.attrib["data-from"], g.attrib["data-to"])
             for g in groups if "data-from" in g.attrib}
    if net.is_chain():
        boxes = [s.lead.key for s in segments(net)]
        assert edges == set(zip(boxes, boxes[1:]))
        assert keys == boxes
    else:
        assert edges == set(net.edges())
        assert sorted(keys) == sorted(n.key for n in net.nodes)
        # Every input of every layer crosses an edge unless it stays inside one node.
        owner = {r.name: group_key(r.name, depth) for r in report.rows} | {INPUT: INPUT}
        for r in report.rows:
            for src in r.inputs:
                if owner[src] != owner[r.name]:
                    assert (owner[src], owner[r.name]) in edges


def test_chains_draw_boxes_and_branches_draw_graphs() -> None:
    assert _net("lenet5", None)[1].is_chain()
    assert _net("vgg16", 0)[1].is_chain()
    assert _net("resnet50", 0)[1].is_chain()   # stages folded: a chain again
    assert _net("resnet50", 1)[1].is_chain()   # each shortcut stays inside its block
    assert not _net("resnet50", 2)[1].is_chain()
    assert not _net("inception_module", None)[1].is_chain()
    lenet = draw(_net("lenet5", None)[1])
    ops = [t.text for g in lenet.groups for t in g.items if getattr(t, "role", "") == "op"]
    assert ops[:4] == ["input", "conv2d+tanh", "avgpool2d", "conv2d+tanh"]
    windows = {(g.data["from"], g.data["to"]): t.text for g in lenet.groups for t in g.items
               if getattr(t, "role", "") == "window"}
    assert windows == {("input", "c1"): "5×5 /1", ("c1", "s2"): "2×2 /2",
                       ("s2", "c3"): "5×5 /1", ("c3", "s4"): "2×2 /2"}


def test_boxes_fold_shape_keeping_layers_into_the_box_before() -> None:
    _, net = _net("lenet5", None)
    assert [s.layers for s in segments(net)][:3] == [[], ["c1", "tanh1"], ["s2"]]


def test_merges_have_several_incoming_edges_and_a_bold_outline() -> None:
    _, net = _net("inception_module", None)
    groups = _groups(to_svg(draw(net)))
    into = [g.attrib["data-to"] for g in groups if "data-from" in g.attrib]
    assert into.count("inception1.concat1") == 4
    merge = next(g for g in groups if g.get("data-node") == "inception1.concat1")
    assert float(merge.find(f"{SVG}rect").get("stroke-width")) == 2


def test_directions_swap_axes() -> None:
    _, net = _net("inception_module", None)
    tb, lr = draw(net, "graph", "TB"), draw(net, "graph", "LR")
    assert tb.height > tb.width * 0.6 and lr.width > lr.height


def test_dot_and_mermaid_have_every_node_and_edge() -> None:
    report, net = _net("inception_module", None)
    dot = to_dot(net, "LR")
    assert dot.startswith('digraph "Inception module (GoogLeNet 3a)" {') and "rankdir=LR;" in dot
    assert len(re.findall(r"^  n\d+ \[label=", dot, re.M)) == len(net.nodes)
    assert len(re.findall(r"^  n\d+ -> n\d+;$", dot, re.M)) == len(net.edges()) == 17
    assert '"inception1.concat1\\nconcat · 256×28×28"' in dot
    mermaid = to_mermaid(net)
    assert mermaid.splitlines()[0] == "flowchart TB"
    assert len(re.findall(r"^  n\d+ --> n\d+$", mermaid, re.M)) == len(net.edges())
    assert 'n14(["inception1.concat1<br/>concat · 256×28×28"])' in mermaid


def test_mermaid_escapes_what_would_break_it() -> None:
    from cnncalc.render.graphtext import _mermaid_text

    assert _mermaid_text('c1 "quoted" [x]') == "c1 #34;quoted#34; #91;x#93;"


def test_cli_writes_svg_dot_and_mermaid(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "net.svg"
    result = runner.invoke(main, ["diagram", str(ARCHITECTURES / "lenet5.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ET.fromstring(out.read_bytes())
    result = runner.invoke(main, ["diagram", str(ARCHITECTURES / "resnet50.yaml"), "--depth",
                                  "0", "-f", "mermaid"])
    assert result.exit_code == 0 and "n5[\"layer1<br/>block of 32 · 256×56×56\"]" in \
        result.output
    dot = tmp_path / "net.dot"
    result = runner.invoke(main, ["diagram", str(ARCHITECTURES / "unet.yaml"), "-o", str(dot)])
    assert result.exit_code == 0 and dot.read_text().startswith("digraph")


def test_cli_refuses_boxes_for_a_branching_network() -> None:
    result = CliRunner().invoke(main, ["diagram", str(ARCHITECTURES / "inception_module.yaml"),
                                       "--view", "boxes"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "--view boxes draws chains only" in result.output


def test_cli_png_needs_a_file() -> None:
    result = CliRunner().invoke(main, ["diagram", str(ARCHITECTURES / "lenet5.yaml"),
                                       "-f", "png"])
    assert result.exit_code == 2 and "give it with -o" in result.output


def test_a_broken_spec_is_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 9}\n")
    for args in (["diagram", str(bad)], ["analyze", str(bad), "--format", "html"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and result.output.startswith("error: "), result.output


WITHOUT_MATPLOTLIB = """
import sys
sys.modules["matplotlib"] = None  # as if the plot extra were not installed
from cnncalc.cli import main
main({args!r})
"""


@pytest.mark.parametrize("args", [
    ["diagram", "{arch}/lenet5.yaml", "-o", "{tmp}/x.png"],
    ["plot", "{arch}/lenet5.yaml", "-o", "{tmp}/x.png"],
])
def test_without_the_plot_extra_one_line_and_exit_2(args, tmp_path) -> None:
    args = [a.format(arch=ARCHITECTURES, tmp=tmp_path) for a in args]
    result = subprocess.run([sys.executable, "-c", WITHOUT_MATPLOTLIB.format(args=args)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        result.stderr.strip()] and "pip install 'cnncalc[plot]'" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_svg_and_html_never_import_matplotlib(tmp_path) -> None:
    runs = [["analyze", str(ARCHITECTURES / "vgg16.yaml"), "-f", "html", "-o",
             str(tmp_path / "r.html")],
            ["diagram", str(ARCHITECTURES / "resnet50.yaml"), "-o", str(tmp_path / "r.svg")]]
    code = ("import sys\nfrom cnncalc.cli import main\n"
            f"for args in {runs!r}:\n"
            "    try:\n        main(args, standalone_mode=False)\n    except SystemExit:\n"
            "        pass\n"
            "print(sorted(m for m in ('matplotlib', 'torch', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    assert (tmp_path / "r.html").stat().st_size > 0 and (tmp_path / "r.svg").stat().st_size > 0


def test_html_is_self_contained_and_carries_the_json_totals() -> None:
    graph = load_file(ARCHITECTURES / "googlenet.yaml")
    report = analyze(graph)
    page = to_html(report, graph)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    from cnncalc.render.json import report_dict

    totals = report_dict(report)["totals"]
    shown = re.findall(r'data-total="(\w+)" data-v="(\d+)">([\d,]+)<', page)
    assert len(shown) == 8
    for key, value, text in shown:
        assert totals[key] == int(value) == int(text.replace(",", ""))
    assert len(re.findall(r'<tr class="layer"', page)) == len(report.rows)
    for warning in report.warnings:
        assert str(warning).split(":")[0] in page


def test_names_with_markup_are_text_everywhere(tmp_path) -> None:
    from cnncalc import analyze_text, load_spec

    text = ('name: "A <b>&\\"net"\ninput: [3, 8, 8]\nlayers:\n'
            '  - conv2d: {out_channels: 4, kernel_size: 3, name: "<i>x&\\"y</i>"}\n  - relu\n')
    graph = load_spec(text, "spec.yaml")
    report = analyze_text(text)
    for view in ("boxes", "graph"):
        root = ET.fromstring(to_svg(draw(build(report, graph), view)).encode())
        names = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "name"]
        assert '<i>x&"y</i>' in names
    page = to_html(report, graph)
    assert "<i>" not in page and "<b>" not in page and "&lt;i&gt;x&amp;&quot;y&lt;/i&gt;" in page
    assert '"<i>x&\\"y</i>\\nconv2d · 4×6×6"' in to_dot(build(report, graph))


def test_fold_repeats_keeps_every_layer_once() -> None:
    from cnncalc.render.netgraph import fold_repeats

    report, net = _net("resnet50", 1)
    folded = fold_repeats(net)
    assert [n.key for n in folded.nodes][5:10] == ["layer1.0", "layer1.1…2", "layer2.0",
                                                  "layer2.1…3", "layer3.0"]
    assert [n.repeats for n in folded.nodes][5:10] == [1, 2, 1, 3, 1]
    assert folded.is_chain()
    groups = _groups(to_svg(draw(folded)))
    drawn = [n for g in groups if "data-layers" in g.attrib
             for n in json.loads(g.attrib["data-layers"])]
    assert sorted(drawn) == sorted(r.name for r in report.rows)
    # Nothing to fold: no run of identical blocks, or a block read by two (an auxiliary head).
    for name, depth in (("googlenet", 0), ("inception_module", None), ("densenet121", 2)):
        _, net = _net(name, depth)
        assert [n.key for n in fold_repeats(net).nodes] == [n.key for n in net.nodes], name
    result = CliRunner().invoke(main, ["diagram", str(ARCHITECTURES / "resnet152.yaml"),
                                       "--depth", "1", "--fold-repeats", "-f", "mermaid"])
    assert result.exit_code == 0 and '"layer3.1…35<br/>35 blocks of 10 · 1024×14×14"' in \
        result.output
