"""The HTML report in a real headless Chromium (the operating system's package): it loads with
no console error, asks for nothing outside the file, shows the JSON report's totals, sorts and
folds its table, fits a phone's width, and leaves screenshots in build/screenshots/ for review.

Skipped, with the reason, where no chromium is installed; CI installs it (.ci/run)."""

from __future__ import annotations

import json

import pytest
from browser import Browser, find_chromium
from helpers import ARCHITECTURES, ROOT

from cnncalc import analyze, load_file
from cnncalc.render.html import to_html
from cnncalc.render.json import report_dict

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get "
                                "install chromium, or set CNNCALC_CHROMIUM)")
SHOTS = ROOT / "build" / "screenshots"

READ_PAGE = """(() => {
  const totals = {};
  document.querySelectorAll('[data-total]').forEach(e => {
    totals[e.dataset.total] = e.textContent.replace(/,/g, ''); });
  const firsts = Array.from(document.querySelectorAll('#layers tbody'))
    .map(tb => tb.rows[0].cells[COL].dataset.v);
  const shown = Array.from(document.querySelectorAll('#layers tr.layer'))
    .filter(r => getComputedStyle(r).display !== 'none').length;
  return JSON.stringify({totals, firsts, shown,
    layers: document.querySelectorAll('#layers tr.layer').length,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    diagram: document.querySelectorAll('#diagram g[data-layers]').length});
})()"""


def _page(name: str, tmp_path) -> tuple[str, dict]:
    graph = load_file(ARCHITECTURES / f"{name}.yaml")
    report = analyze(graph)
    path = tmp_path / f"{name}.html"
    path.write_text(to_html(report, graph), encoding="utf-8")
    return path.as_uri(), report_dict(report)


@pytest.fixture
def browser():
    b = Browser(CHROMIUM)
    try:
        yield b
    finally:
        b.close()


def _read(browser: Browser, column: int) -> dict:
    return json.loads(browser.evaluate(READ_PAGE.replace("COL", str(column))))


@pytest.mark.parametrize("name", ["vgg16", "googlenet"])
def test_report_in_chromium(name, tmp_path, browser) -> None:
    url, data = _page(name, tmp_path)
    browser.open_page()
    browser.navigate(url)
    state = _read(browser, 3)  # column 3: Params
    assert {k: int(v) for k, v in state["totals"].items()} == \
        {k: v for k, v in data["totals"].items() if k in state["totals"]}
    assert len(state["totals"]) == 8
    assert state["layers"] == len(data["layers"])
    assert state["diagram"] > 0
    # Sorting: the Params header, once descending, again ascending; blocks sort by their sum.
    browser.evaluate("document.querySelector('#layers th[data-key=params] button').click()")
    firsts = [int(v) for v in _read(browser, 3)["firsts"]]
    assert firsts == sorted(firsts, reverse=True) and firsts[0] > firsts[-1]
    browser.evaluate("document.querySelector('#layers th[data-key=params] button').click()")
    firsts = [int(v) for v in _read(browser, 3)["firsts"]]
    assert firsts == sorted(firsts)
    inside = browser.evaluate("""JSON.stringify(Array.from(document.querySelectorAll(
        '#layers tbody.block')[0].querySelectorAll('tr.layer')).map(r => +r.cells[3].dataset.v))""")
    inside = json.loads(inside)
    assert inside == sorted(inside)
    # Folding: every block starts folded; expanding all shows every layer row.
    folded = _read(browser, 0)["shown"]
    browser.evaluate("document.getElementById('expand').click()")
    assert _read(browser, 0)["shown"] == len(data["layers"]) > folded
    browser.evaluate("document.getElementById('unsort').click()")
    names = json.loads(browser.evaluate(
        "JSON.stringify(Array.from(document.querySelectorAll('#layers tr.layer'))"
        ".map(r => r.dataset.layer))"))
    assert names == [layer["name"] for layer in data["layers"]]
    # Hovering a layer's row marks the shape that draws it.
    marked = browser.evaluate("""(() => {
      const row = document.querySelectorAll('#layers tr.layer')[0];
      row.dispatchEvent(new MouseEvent('mouseenter'));
      const g = document.querySelector('#diagram g.hl');
      return g && JSON.parse(g.dataset.layers).includes(row.dataset.layer); })()""")
    assert marked is True
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(str(SHOTS / f"{name}_report.png"))
    # Printed, every block is unfolded.
    browser.evaluate("document.getElementById('collapse').click()")
    assert _read(browser, 0)["shown"] < len(data["layers"])
    browser.send("Emulation.setEmulatedMedia", {"media": "print"})
    assert _read(browser, 0)["shown"] == len(data["layers"])
    assert browser.problems() == []
    assert set(browser.requests()) <= {url}, browser.requests()


def test_report_fits_a_phone(tmp_path, browser) -> None:
    url, _ = _page("resnet50", tmp_path)
    browser.open_page(width=390, height=844, mobile=True)
    browser.navigate(url)
    assert _read(browser, 0)["overflow"] <= 0  # wide parts scroll inside their own boxes
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(str(SHOTS / "resnet50_report_phone.png"))
    assert browser.problems() == []
    assert set(browser.requests()) <= {url}


def test_a_request_leaving_the_page_would_be_seen(tmp_path, browser) -> None:
    """The probe itself can fail: a page that asks for an image is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="http://192.0.2.1/x.png"><script>'
                    'console.error("boom")</script>')
    browser.open_page()
    browser.navigate(page.as_uri())
    assert "http://192.0.2.1/x.png" in browser.requests()
    assert any("boom" in p for p in browser.problems())
