#!/usr/bin/env python3
"""The pictures shipped in docs/images/, made from the specs by cnncalc itself.

    python scripts/pictures.py            # list what is stale
    python scripts/pictures.py --write    # regenerate docs/images/

``tests/test_pictures.py`` fails when a shipped picture differs from what this script makes,
so the figures in docs/pictures.md cannot drift from the specs or the drawing code. Only SVG
and HTML are shipped: text, byte-for-byte reproducible, and drawn with no optional extra. Graph
views are laid out by the python engine (grandalf, a pinned dependency): the same bytes on every
machine, where Graphviz's output changes with its version. Time the drawing with
``python scripts/benchmark.py --pictures``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"

# file name: (spec, depth, until, view, direction); a title replaces the spec's name
DIAGRAMS = {
    "lenet5.svg": ("lenet5.yaml", None, None, "auto", "TB"),
    "alexnet.svg": ("alexnet.yaml", None, None, "auto", "TB"),
    "vgg16.svg": ("vgg16.yaml", None, None, "auto", "TB"),
    "inception_module.svg": ("inception_module.yaml", None, None, "auto", "TB"),
    "resnet50_stage.svg": ("resnet50.yaml", None, "layer1", "auto", "TB"),
    "unet.svg": ("unet.yaml", 0, None, "auto", "TB"),
}
ENGINE = "python"
"""The layout engine of the shipped graph views (see the docstring)."""
TITLES = {"resnet50_stage.svg": "ResNet-50: the stem and the first stage (up to layer1)"}
REPORTS = {"vgg16_report.html": "vgg16.yaml"}


def _load(spec: str, until: str | None = None):
    """Graph and report of ``architectures/spec``, with the source written relative to the
    repository so the output does not depend on where the checkout lives."""
    from cnncalc import analyze, load_file
    from cnncalc.record import replace

    graph = load_file(ROOT / "architectures" / spec)
    graph = replace(graph, source=f"architectures/{spec}")
    if until:
        from cnncalc.trace import until as cut

        graph = cut(graph, until)
    return graph, analyze(graph)


def pictures() -> dict[str, str]:
    """File name in docs/images/ -> its text."""
    from cnncalc.record import replace
    from cnncalc.render.diagram import draw
    from cnncalc.render.html import to_html
    from cnncalc.render.netgraph import build
    from cnncalc.render.svg import to_svg

    out = {}
    for name, (spec, depth, until, view, direction) in DIAGRAMS.items():
        graph, report = _load(spec, until)
        if name in TITLES:
            report = replace(report, name=TITLES[name])
        out[name] = to_svg(draw(build(report, graph, depth), view, direction, ENGINE))
    for name, spec in REPORTS.items():
        graph, report = _load(spec)
        out[name] = to_html(report, graph, engine=ENGINE)
    return out


def stale() -> list[str]:
    return [name for name, text in pictures().items()
            if not (IMAGES / name).is_file()
            or (IMAGES / name).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate docs/images/")
    args = parser.parse_args(argv)
    if args.write:
        IMAGES.mkdir(parents=True, exist_ok=True)
        for name, text in pictures().items():
            (IMAGES / name).write_text(text, encoding="utf-8")
            print(f"wrote docs/images/{name}")
        return 0
    names = stale()
    for name in names:
        print(f"stale: docs/images/{name}")
    return 1 if names else 0


if __name__ == "__main__":
    sys.exit(main())
