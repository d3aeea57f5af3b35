"""The layer graph as text for other tools: Graphviz DOT and Mermaid (which GitHub renders in
Markdown). Same nodes and edges as the drawn graph view, each node labelled with its name,
kind and output shape."""

from __future__ import annotations

import re

from .diagram import block_text
from .netgraph import Net
from .scene import PALETTE

GRAPH_FORMATS = ("dot", "mermaid")


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(net: Net, i: int) -> tuple[str, str]:
    node = net.nodes[i]
    kind = node.kind if node.kind != "block" else block_text(node)
    return node.key, f"{kind} · {net.shape_label(node)}"


def to_dot(net: Net, direction: str = "TB") -> str:
    lines = [f"digraph {_dot_quote(net.name)} {{", f"  rankdir={direction};",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [color="#555555"];']
    ids = {n.key: f"n{i}" for i, n in enumerate(net.nodes)}
    for i, node in enumerate(net.nodes):
        name, detail = _label(net, i)
        colour = PALETTE.get(node.category, PALETTE["other"])
        extra = ", penwidth=2" if len(node.inputs) > 1 else ""
        label = _dot_quote(name)[:-1] + "\\n" + _dot_quote(detail)[1:]
        lines.append(f'  {ids[node.key]} [label={label}, fillcolor="{colour}"{extra}];')
    for src, dst in net.edges():
        lines.append(f"  {ids[src]} -> {ids[dst]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_UNSAFE = re.compile(r'["<>#&;`{}\[\]()|]')


def _mermaid_text(text: str) -> str:
    """Mermaid has no escape inside quoted labels for some characters: use its entity codes."""
    return _MERMAID_UNSAFE.sub(lambda m: f"#{ord(m.group())};", text)


def to_mermaid(net: Net, direction: str = "TB") -> str:
    lines = [f"flowchart {direction}"]
    ids = {n.key: f"n{i}" for i, n in enumerate(net.nodes)}
    for i, node in enumerate(net.nodes):
        name, detail = _label(net, i)
        text = f"{_mermaid_text(name)}<br/>{_mermaid_text(detail)}"
        open_, close = ("([", "])") if len(node.inputs) > 1 else ("[", "]")
        lines.append(f'  {ids[node.key]}{open_}"{text}"{close}')
    for src, dst in net.edges():
        lines.append(f"  {ids[src]} --> {ids[dst]}")
    for category in dict.fromkeys(n.category for n in net.nodes):
        members = ",".join(ids[n.key] for n in net.nodes if n.category == category)
        fill = PALETTE.get(category, PALETTE["other"])
        lines.append(f"  classDef c_{category} fill:{fill}")
        lines.append(f"  class {members} c_{category}")
    return "\n".join(lines) + "\n"
