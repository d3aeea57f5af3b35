"""The report as one self-contained HTML file: totals, the diagram, bar charts, the per-layer
table (sortable, foldable by block), warnings and the counting conventions.

Everything is inline (CSS, JavaScript, SVG), so the file opens offline and makes no request.
It needs nothing beyond the core install: the charts are SVG written here, not matplotlib.
"""

from __future__ import annotations

import json
from html import escape

from ..graph import Graph
from ..report import Report, Row
from .columns import COLUMNS, collapse, shape_text
from .json import totals_dict
from .netgraph import build, fold_repeats, group_key
from .scene import text_width

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""The page forbids itself any request: a stray external reference fails loudly, offline."""

MAX_DIAGRAM_NODES = 60
"""The diagram in the page uses the deepest ``--depth`` that keeps at most this many nodes."""

TOTALS = (("params", "Parameters (trainable)"), ("non_trainable", "Non-trainable"),
          ("macs", "MACs"), ("flops", "FLOPs"), ("other_ops", "Other ops"),
          ("activations", "Activations"), ("param_bytes", "Parameter bytes"),
          ("activation_bytes", "Activation bytes"))


def human(n: int | float) -> str:
    """1,234,567 as ``1.23 M``: the scale people say aloud, beside the exact figure."""
    for size, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:g}"


def diagram_depth(report: Report, graph: Graph, depth: int | None) -> int | None:
    if depth is not None:
        return depth
    deepest = max((r.depth for r in report.rows), default=0)
    for d in [None, *range(deepest - 1, -1, -1)]:
        if len({group_key(r.name, d) for r in report.rows}) <= MAX_DIAGRAM_NODES:
            return d
    return 0


def _diagram(report: Report, graph: Graph, depth: int | None,
             engine: str = "auto") -> tuple[str, int | None]:
    from .diagram import draw
    from .svg import to_svg

    d = diagram_depth(report, graph, depth)
    return to_svg(draw(fold_repeats(build(report, graph, d)), engine=engine),
                  standalone=False), d


def bar_chart(title: str, rows: list[tuple[str, int]], unit: str = "") -> str:
    """Horizontal bars, one per row, the exact value written at each bar's end."""
    if not rows:
        return ""
    label_w = min(max(text_width(n, 11) for n, _ in rows) + 10, 220)
    bar_w, row_h = 360.0, 18
    top = 26
    peak = max(v for _, v in rows) or 1
    height = top + row_h * len(rows) + 8
    width = label_w + bar_w + 110
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
           f'{height}" width="{width:.0f}" height="{height}" role="img" '
           f'aria-label="{escape(title)}">',
           f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (name, value) in enumerate(rows):
        y = top + i * row_h
        w = bar_w * value / peak
        out.append(f'<g data-layer="{escape(name)}"><title>{escape(name)}: {value:,}'
                   f'{unit}</title>'
                   f'<text x="{label_w - 6:.0f}" y="{y + 12}" font-size="11" '
                   f'text-anchor="end">{escape(name)}</text>'
                   f'<rect x="{label_w:.0f}" y="{y + 2}" width="{max(w, 0.5):.1f}" '
                   f'height="{row_h - 5}" fill="#6a9fcf"/>'
                   f'<text x="{label_w + w + 4:.0f}" y="{y + 12}" font-size="10" '
                   f'fill="#444">{human(value)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def line_chart(title: str, values: list[float], ylabel: str) -> str:
    """One polyline over the layers in execution order, with its first and last values and
    the peak written on the axis."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    width, height, left, top, bottom = 560.0, 220.0, 64.0, 26.0, 30.0
    peak = max(v for _, v in points) or 1
    span = max(len(values) - 1, 1)

    def xy(i: float, v: float) -> str:
        x = left + (width - left - 10) * i / span
        y = height - bottom - (height - top - bottom) * v / peak
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(i, v) for i, v in points)
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
            f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" '
            f'aria-label="{escape(title)}">'
            f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
            f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}"'
            f' stroke="#999"/><line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}"'
            f' stroke="#999"/>'
            f'<text x="{left - 4}" y="{top + 4}" font-size="10" text-anchor="end">'
            f"{human(peak)}</text>"
            f'<text x="{left - 4}" y="{height - bottom}" font-size="10" text-anchor="end">0'
            f"</text>"
            f'<text x="{(left + width) / 2:.0f}" y="{height - 8}" font-size="10" '
            f'text-anchor="middle">layers in execution order ({len(values)})</text>'
            f'<text x="12" y="{(top + height - bottom) / 2:.0f}" font-size="10" '
            f'text-anchor="middle" transform="rotate(-90 12 {(top + height - bottom) / 2:.0f})">'
            f"{escape(ylabel)}</text>"
            f'<polyline points="{line}" fill="none" stroke="#d62728" stroke-width="1.6"/>'
            "</svg>")


def _cell(col, row: Row, report: Report) -> str:  # noqa: ANN001 - a Column
    value = col.value(row, report)
    text = escape(col.text(value, report))
    if col.key == "receptive_field":
        sort = max(value) if value else -1
        return f'<td class="num" data-v="{sort}">{text}</td>'
    if col.numeric:
        return f'<td class="num" data-v="{value}">{text}</td>'
    if col.key == "name":
        pad = row.depth
        return (f'<td class="name" data-v="{escape(str(value))}" style="padding-left:'
                f'{0.4 + pad}em">{text}</td>')
    return f'<td data-v="{escape(str(value))}">{text}</td>'


def _table(report: Report) -> str:
    head = "".join(f'<th scope="col" data-key="{c.key}"{" class=num" if c.numeric else ""}>'
                   f'<button type="button">{escape(c.header)}</button></th>' for c in COLUMNS)
    bodies = []
    groups: dict[str, list[Row]] = {}
    for row in report.rows:
        groups.setdefault(group_key(row.name, 0), []).append(row)
    summary = {r.name: r for r in collapse(report.rows, 0)}
    for key, rows in groups.items():
        if len(rows) == 1 and rows[0].name == key:
            cells = "".join(_cell(c, rows[0], report) for c in COLUMNS)
            bodies.append(f'<tbody><tr class="layer" data-layer="{escape(key)}">{cells}'
                          "</tr></tbody>")
            continue
        total = summary[key]
        cells = "".join(_cell(c, total, report) for c in COLUMNS)
        cells = cells.replace(f">{escape(key)}</td>",
                              f'><button type="button" class="fold" aria-expanded="false">'
                              f"{escape(key)}</button> <small>({len(rows)} layers)</small></td>",
                              1)
        inner = "".join(f'<tr class="layer" data-layer="{escape(r.name)}">'
                        + "".join(_cell(c, r, report) for c in COLUMNS) + "</tr>"
                        for r in rows)
        bodies.append(f'<tbody class="block folded"><tr class="summary" data-block='
                      f'"{escape(key)}">{cells}</tr>{inner}</tbody>')
    return (f'<table id="layers"><thead><tr>{head}</tr></thead>{"".join(bodies)}'
            "</table>")


CSS = """
:root{--fg:#1d1d1f;--muted:#555;--line:#d8d8d8;--accent:#2f6fab;--hl:#fff3b0}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:var(--fg);margin:0 auto;padding:1rem;max-width:1200px;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem}
.meta{color:var(--muted);margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5rem,1fr));gap:.6rem}
.card{border:1px solid var(--line);border-radius:8px;padding:.5rem .7rem}
.card .label{font-size:.8rem;color:var(--muted)}
.card .value{font-size:1.05rem;font-variant-numeric:tabular-nums;font-weight:600;
overflow-wrap:anywhere}
.card .human{font-size:.8rem;color:var(--muted)}
.scroll{overflow:auto;border:1px solid var(--line);border-radius:8px;max-height:80vh}
.scroll svg{display:block}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:.85rem;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .4rem;border-bottom:1px solid var(--line);text-align:left;
white-space:nowrap}
th.num,td.num{text-align:right}
thead th{position:sticky;top:0;background:#f4f4f4;z-index:1}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;
color:inherit}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
tr.summary{background:#f7fafd;font-weight:600}
button.fold{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;
color:var(--accent)}
button.fold::before{content:"\\25BE  "}
tbody.folded button.fold::before{content:"\\25B8  "}
tbody.folded tr.layer{display:none}
tr.hl td{background:var(--hl)}
g.hl polygon,g.hl rect{stroke:#d62728;stroke-width:3}
.tools button{font:inherit;margin:0 .4rem .4rem 0}
ul.warnings li{color:#8a4b00}
.conventions{color:var(--muted);font-size:.9rem}
@media (max-width:640px){body{padding:.5rem}h1{font-size:1.2rem}
table{font-size:.75rem}.cards{grid-template-columns:repeat(2,1fr)}}
@media print{.tools{display:none}.scroll{max-height:none;overflow:visible;border:0}
#diagram svg{max-width:100%;height:auto}
tbody.folded tr.layer{display:table-row}thead th{position:static}
button.fold::before,tbody.folded button.fold::before{content:""}
h2{break-after:avoid}tr{break-inside:avoid}body{max-width:none}}
"""

JS = """
(function(){
var table=document.getElementById('layers');
function val(tr,i){var td=tr.children[i];var v=td.getAttribute('data-v');
  var n=Number(v);return isNaN(n)||v===''?v:n;}
function cmp(a,b,dir){if(a===b)return 0;
  if(typeof a==='number'&&typeof b==='number')return (a-b)*dir;
  return String(a).localeCompare(String(b),undefined,{numeric:true})*dir;}
var order=Array.prototype.slice.call(table.tBodies);
table.querySelectorAll('thead th').forEach(function(th,i){
  th.querySelector('button').addEventListener('click',function(){
    var dir=th.getAttribute('aria-sort')==='descending'?1:-1;
    if(!th.hasAttribute('aria-sort')&&!th.classList.contains('num'))dir=1;
    table.querySelectorAll('thead th').forEach(function(o){o.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir>0?'ascending':'descending');
    var bodies=Array.prototype.slice.call(table.tBodies);
    bodies.forEach(function(tb){var rows=Array.prototype.slice.call(
      tb.querySelectorAll('tr.layer'));if(tb.classList.contains('block')){
      rows.sort(function(a,b){return cmp(val(a,i),val(b,i),dir);});
      rows.forEach(function(r){tb.appendChild(r);});}});
    bodies.sort(function(a,b){return cmp(val(a.rows[0],i),val(b.rows[0],i),dir);});
    bodies.forEach(function(tb){table.appendChild(tb);});
  });});
document.getElementById('unsort').addEventListener('click',function(){
  table.querySelectorAll('thead th').forEach(function(o){o.removeAttribute('aria-sort');});
  order.forEach(function(tb){var rows=Array.prototype.slice.call(tb.querySelectorAll('tr.layer'));
    rows.sort(function(a,b){return a.getAttribute('data-i')-b.getAttribute('data-i');});
    rows.forEach(function(r){tb.appendChild(r);});table.appendChild(tb);});});
table.querySelectorAll('tr.layer').forEach(function(r,i){r.setAttribute('data-i',i);});
function fold(tb,folded){tb.classList.toggle('folded',folded);
  tb.querySelector('button.fold').setAttribute('aria-expanded',String(!folded));}
table.querySelectorAll('button.fold').forEach(function(b){b.addEventListener('click',
  function(){var tb=b.closest('tbody');fold(tb,!tb.classList.contains('folded'));});});
document.getElementById('expand').addEventListener('click',function(){
  table.querySelectorAll('tbody.block').forEach(function(tb){fold(tb,false);});});
document.getElementById('collapse').addEventListener('click',function(){
  table.querySelectorAll('tbody.block').forEach(function(tb){fold(tb,true);});});
var shapes={};
document.querySelectorAll('#diagram g[data-layers]').forEach(function(g){
  JSON.parse(g.getAttribute('data-layers')).forEach(function(n){shapes[n]=g;});});
function hl(tr,on){var names=tr.hasAttribute('data-layer')?[tr.getAttribute('data-layer')]:
  Array.prototype.map.call(tr.parentNode.querySelectorAll('tr.layer'),
    function(r){return r.getAttribute('data-layer');});
  tr.classList.toggle('hl',on);
  names.forEach(function(n){if(shapes[n])shapes[n].classList.toggle('hl',on);});}
table.querySelectorAll('tbody tr').forEach(function(tr){
  tr.addEventListener('mouseenter',function(){hl(tr,true);});
  tr.addEventListener('mouseleave',function(){hl(tr,false);});});
})();
"""


def to_html(report: Report, graph: Graph, depth: int | None = None,
            engine: str = "auto") -> str:
    """The whole page. ``depth`` picks the diagram's folding (default: as deep as stays
    legible), ``engine`` lays out its graph view (``layout.ENGINES``); the table always lists
    every layer, folded by top-level block."""
    totals = totals_dict(report.totals)
    cards = "".join(
        f'<div class="card"><div class="label">{label}</div>'
        f'<div class="value" data-total="{key}" data-v="{totals[key]}">{totals[key]:,}</div>'
        f'<div class="human">{human(totals[key])}{"B" if key.endswith("bytes") else ""}'
        "</div></div>" for key, label in TOTALS)
    main = ""
    if report.totals_main:
        tm = totals_dict(report.totals_main)
        main = (f'<p class="meta">Main output only (auxiliary heads left out): '
                f'{tm["params"]:,} parameters, {tm["macs"]:,} MACs.</p>')
    svg, d = _diagram(report, graph, depth, engine)
    depth_note = ("every layer" if d is None else f"--depth {d}") + ", repeated blocks folded"
    top = collapse(report.rows, 0)
    charts = "".join(bar_chart(title, [(r.name, getattr(r, key)) for r in top
                                       if getattr(r, key)])
                     for key, title in (("params", "Parameters per top-level layer or block"),
                                        ("macs", "MACs per top-level layer or block"),
                                        ("activations", "Activations (elements) per top-level "
                                         "layer or block")))
    running, acc = [], 0
    for r in report.rows:
        acc += r.macs
        running.append(acc)
    charts += line_chart("MACs, running total", running, "MACs")
    charts += line_chart("Receptive field by layer", [max(r.receptive_field)
                                                      if r.receptive_field else None
                                                      for r in report.rows], "pixels")
    outputs = ", ".join(f"{escape(n)}: {escape(shape_text(s, report))}"
                        for n, s in report.outputs)
    warnings = "".join(f"<li>{escape(str(w))}</li>" for w in report.warnings)
    warn_html = (f'<ul class="warnings">{warnings}</ul>' if warnings
                 else "<p>None.</p>")
    batch = f", batch {report.batch}" if report.batch else ""
    data = json.dumps({"totals": totals}, sort_keys=True).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{escape(report.name)}: cnncalc report</title>
<style>{CSS}</style></head>
<body>
<header><h1>{escape(report.name)}</h1>
<p class="meta">{escape(report.source)} · input {escape(shape_text(report.input_shape, report))}
({report.layout}{batch}) · {report.dtype} · outputs: {outputs}</p></header>
<h2>Totals</h2>
<div class="cards" id="totals">{cards}</div>{main}
<h2>Diagram</h2>
<p class="meta">Drawn at {depth_note}; hover a table row to find its shape here.</p>
<div class="scroll" id="diagram">{svg}</div>
<h2>Where the cost is</h2>
<div class="charts">{charts}</div>
<h2>Layers</h2>
<div class="tools"><button type="button" id="expand">Expand all blocks</button><button
type="button" id="collapse">Fold all blocks</button><button type="button" id="unsort">Network
order</button> <span class="meta">Click a column title to sort.</span></div>
<div class="scroll">{_table(report)}</div>
<h2>Warnings</h2>
{warn_html}
<h2>How things are counted</h2>
<p class="conventions">{escape(report.conventions)}</p>
<script type="application/json" id="report-data">{data}</script>
<script>{JS}</script>
</body></html>
"""
