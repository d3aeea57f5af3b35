"""A ``Scene`` as SVG text, written by hand: the default install draws with no dependency."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .scene import Path, Polygon, Scene, Text

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _polygon(p: Polygon) -> str:
    xs = [x for x, _ in p.points]
    ys = [y for _, y in p.points]
    if p.radius and len(p.points) == 4:
        x, y = min(xs), min(ys)
        return (f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(xs) - x)}" '
                f'height="{_num(max(ys) - y)}" rx="{_num(p.radius)}" fill="{p.fill}" '
                f'stroke="{p.stroke}" stroke-width="{_num(p.width)}"/>')
    pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in p.points)
    return (f'<polygon points="{pts}" fill="{p.fill}" stroke="{p.stroke}" '
            f'stroke-width="{_num(p.width)}" stroke-linejoin="round"/>')


def _path(p: Path) -> str:
    d = " ".join(c[0] + " ".join(_num(v) for v in c[1:]) for c in p.commands)
    extra = ' marker-end="url(#arrow)"' if p.arrow else ""
    extra += ' stroke-dasharray="4 3"' if p.dash else ""
    return (f'<path d="{d}" fill="none" stroke="{p.stroke}" '
            f'stroke-width="{_num(p.width)}"{extra}/>')


def _text(t: Text) -> str:
    weight = ' font-weight="bold"' if t.bold else ""
    role = f' class="{t.role}"' if t.role else ""
    return (f'<text x="{_num(t.x)}" y="{_num(t.y)}" font-size="{_num(t.size)}" '
            f'text-anchor="{t.anchor}" fill="{t.color}"{weight}{role}>{escape(t.text)}</text>')


def to_svg(scene: Scene, standalone: bool = True) -> str:
    """The scene as an SVG document (``standalone``) or as an ``<svg>`` element to inline in
    HTML. Every group is a ``<g>`` whose ``data-*`` attributes name what it draws."""
    w, h = _num(scene.width), _num(scene.height)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    out = [f'{head}<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="{FONT}" role="img">']
    if scene.title:
        out.append(f"<title>{escape(scene.title)}</title>")
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
               'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
               '<path d="M0,1 L9,5 L0,9 z" fill="#555555"/></marker></defs>')
    out.append(f'<rect width="{w}" height="{h}" fill="white"/>')
    for group in scene.groups:
        attrs = "".join(f" data-{k}={quoteattr(v)}" for k, v in group.data.items())
        out.append(f"<g{attrs}>")
        for item in group.items:
            if isinstance(item, Polygon):
                out.append(_polygon(item))
            elif isinstance(item, Path):
                out.append(_path(item))
            elif isinstance(item, Text):
                out.append(_text(item))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
