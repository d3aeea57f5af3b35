#!/usr/bin/env python3
"""The pictures shipped in docs/images/, made from the specs by cnncalc itself.

    python scripts/pictures.py            # list what is stale
    python scripts/pictures.py --write    # regenerate docs/images/
    python scripts/pictures.py --benchmark [SPEC]   # time drawing and opening the report

``tests/test_pictures.py`` fails when a shipped picture differs from what this script makes,
so the figures in docs/pictures.md cannot drift from the specs or the drawing code. Only SVG
and HTML are shipped: text, byte-for-byte reproducible, and drawn with no optional extra.
"""

from __future__ import annotations

import argparse
import dataclasses
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
TITLES = {"resnet50_stage.svg": "ResNet-50: the stem and the first stage (up to layer1)"}
REPORTS = {"vgg16_report.html": "vgg16.yaml"}


def _load(spec: str, until: str | None = None):
    """Graph and report of ``architectures/spec``, with the source written relative to the
    repository so the output does not depend on where the checkout lives."""
    from cnncalc import analyze, load_file

    graph = load_file(ROOT / "architectures" / spec)
    graph = dataclasses.replace(graph, source=f"architectures/{spec}")
    if until:
        from cnncalc.trace import until as cut

        graph = cut(graph, until)
    return graph, analyze(graph)


def pictures() -> dict[str, str]:
    """File name in docs/images/ -> its text."""
    from cnncalc.render.diagram import draw
    from cnncalc.render.html import to_html
    from cnncalc.render.netgraph import build
    from cnncalc.render.svg import to_svg

    out = {}
    for name, (spec, depth, until, view, direction) in DIAGRAMS.items():
        graph, report = _load(spec, until)
        if name in TITLES:
            report = dataclasses.replace(report, name=TITLES[name])
        out[name] = to_svg(draw(build(report, graph, depth), view, direction))
    for name, spec in REPORTS.items():
        graph, report = _load(spec)
        out[name] = to_html(report, graph)
    return out


def stale() -> list[str]:
    return [name for name, text in pictures().items()
            if not (IMAGES / name).is_file()
            or (IMAGES / name).read_text(encoding="utf-8") != text]


def benchmark(spec: str, repeat: int = 5) -> None:
    """Best of ``repeat`` for each step on ``spec`` (default ResNet-152, ~500 layers): the
    drawing (graph view, every layer) and the HTML report, then the report opened in headless
    Chromium (navigation to load event) when one is installed."""
    import tempfile
    import time

    from cnncalc import analyze, load_file
    from cnncalc.render.diagram import draw
    from cnncalc.render.html import to_html
    from cnncalc.render.netgraph import build
    from cnncalc.render.svg import to_svg

    def best(step):  # noqa: ANN001, ANN202
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            value = step()
            times.append(time.perf_counter() - start)
        return min(times), value

    t_load, (graph, report) = best(lambda: (lambda g: (g, analyze(g)))(load_file(spec)))
    t_draw, svg = best(lambda: to_svg(draw(build(report, graph, None))))
    t_html, page = best(lambda: to_html(report, graph))
    print(f"{spec}: {len(report.rows)} layers")
    print(f"  load + analyze          {t_load * 1000:8.1f} ms")
    print(f"  draw every layer (SVG)  {t_draw * 1000:8.1f} ms  ({len(svg) / 1e3:.0f} kB)")
    print(f"  HTML report             {t_html * 1000:8.1f} ms  ({len(page) / 1e3:.0f} kB)")
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import Browser, find_chromium

    chromium = find_chromium()
    if not chromium:
        print("  (no chromium: the page's opening time is not measured)")
        return
    with tempfile.TemporaryDirectory() as folder:
        for name, text in (("report.html", page), ("diagram.svg", svg)):
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            browser = Browser(chromium)
            try:
                browser.open_page()
                times = [browser.navigate(path.as_uri()) for _ in range(repeat)]
                problems = browser.problems()
            finally:
                browser.close()
            note = f" {problems}" if problems else ""
            print(f"  open {name:<18} {min(times) * 1000:8.1f} ms in Chromium (best of "
                  f"{repeat}; first {times[0] * 1000:.0f} ms){note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate docs/images/")
    parser.add_argument("--benchmark", nargs="?", const="architectures/resnet152.yaml",
                        metavar="SPEC", help="time drawing and opening the report")
    args = parser.parse_args(argv)
    if args.benchmark:
        benchmark(args.benchmark)
        return 0
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
