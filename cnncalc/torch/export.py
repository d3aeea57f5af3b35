"""``export --to pytorch``: write a spec as a standalone, readable ``nn.Module`` source file.

The file needs only torch: it holds one ``Net`` class whose ``__init__`` creates every layer
at the spec's dotted name and whose ``forward`` is the graph written out line by line, plus
the source of any of cnncalc's own small modules the network uses (copied, not imported).
Each layer's constructor call is checked by rebuilding it from the written text and comparing
its ``repr`` with the module the backend built, so an export that would not round-trip is
refused rather than written.
"""

from __future__ import annotations

import inspect
import keyword
import re
import textwrap

import torch
from torch import nn

from ..engine import analyze
from ..errors import CnnCalcError
from ..graph import NETWORK_INPUT, Graph
from . import modules as custom
from .build import Scope, build_model
from .wrap import wrap

CUSTOM = {cls.__name__: cls for cls in custom.CUSTOM}
WIDTH = 100
"""Longest line of an exported file (cnncalc's own limit)."""


def _is_name(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def constructor(module: nn.Module) -> str:
    """Python source that builds ``module`` (a torch.nn layer, a Sequential, or ours)."""
    cls = type(module)
    if isinstance(module, nn.Sequential):
        return "nn.Sequential(" + ", ".join(constructor(m) for m in module) + ")"
    if CUSTOM.get(cls.__name__) is cls:
        return f"{cls.__name__}({module.extra_repr()})"
    if getattr(nn, cls.__name__, None) is not cls:
        raise CnnCalcError(f"cannot export {cls.__name__}: not a torch.nn layer")
    args = re.sub(r"padding_mode=(\w+)", r"padding_mode='\1'", module.extra_repr())
    return f"nn.{cls.__name__}({args})"


def _checked(module: nn.Module, name: str) -> str:
    source = constructor(module)
    namespace = {"nn": nn, "torch": torch, **CUSTOM}
    with torch.device("meta"):
        try:
            rebuilt = eval(source, namespace)  # noqa: S307 - our own generated text
        except Exception as exc:
            raise CnnCalcError(f"cannot export layer '{name}': {source} does not rebuild "
                               f"({exc})") from None
    if repr(rebuilt) != repr(module):
        raise CnnCalcError(f"cannot export layer '{name}': {source} rebuilds as "
                           f"{rebuilt!r}, not {module!r}")
    return source


def _used_custom(model: nn.Module) -> list[type]:
    used = {type(m) for m in model.modules()}
    return [cls for cls in custom.CUSTOM if cls in used]


def _access(path: str) -> str:
    if all(_is_name(p) for p in path.split(".")):
        return f"self.{path}"
    return f"self.get_submodule({path!r})"


def _imports(code: str) -> str:
    """The import lines ``code`` needs: torch and nn always (the class and its ``forward``),
    ``math`` and ``F`` only where a copied module uses them, so the file passes a linter."""
    lines = ["from __future__ import annotations", ""]
    if re.search(r"\bmath\.", code):
        lines += ["import math", ""]
    lines.append("import torch")
    if re.search(r"\bF\.", code):
        lines.append("import torch.nn.functional as F")
    lines.append("from torch import nn")
    return "\n".join(lines) + "\n"


def _paragraph(text: str, indent: str = "") -> str:
    """``text`` filled to the line limit, less the three quotes a docstring opens with; a
    `quoted command` stays on one line."""
    kept = re.sub(r"`[^`]*`", lambda m: m[0].replace(" ", "\0"), text)
    filled = textwrap.fill(kept, WIDTH - 3, initial_indent=indent, subsequent_indent=indent,
                           break_long_words=False, break_on_hyphens=False)
    return filled.replace("\0", " ").lstrip(" ")


def to_pytorch(graph: Graph, source_name: str = "") -> str:
    """The generated module file as text."""
    report = analyze(graph)
    model = build_model(graph, "meta")
    names: dict[int, str] = {NETWORK_INPUT: "x"}
    taken = {"x", "self", "torch", "nn", "F", "math"}
    init_lines, forward_lines = [], []
    for entry in model.entries:
        node = entry.node
        init_lines.append(wrap(f"        _put(self, {entry.path!r}, "
                               f"{_checked(model.get_submodule(entry.path), node.name)})",
                               WIDTH))
        var = re.sub(r"\W", "_", node.name.replace(".", "_"))
        if not _is_name(var) or var in taken:
            var = f"h_{var}"
        while var in taken:
            var += "_"
        taken.add(var)
        names[node.id] = var
        args = ", ".join(names[i] for i in node.inputs)
        forward_lines.append(wrap(f"        {var} = {_access(entry.path)}({args})", WIDTH))
    outs = [names[o] for o in graph.outputs]
    result = outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"
    forward_lines.append(wrap(f"        return {result}", WIDTH))
    classes = "\n\n".join(inspect.getsource(cls).rstrip() for cls in _used_custom(model))
    shape = list(graph.input_shape)
    source = f" from {source_name}" if source_name else ""
    outputs = ", ".join(f"{n} {list(s)}" for n, s in report.outputs)
    about = "\n\n".join(_paragraph(text) for text in (
        f"{graph.name}: a PyTorch module generated by `cnncalc export --to pytorch`{source}.",
        f"Standalone: needs only torch (written with torch {torch.__version__}; layer arguments "
        f"are spelled as that version prints them). Input: a batch of {shape} tensors "
        f"(channels first). Expected output: {outputs}; trainable parameters: "
        f"{report.totals.params:,}. Module paths follow the spec's layer names."))
    header = f'''"""{about}
"""

{_imports(classes)}
INPUT_SHAPE = {tuple(shape)!r}
PARAMETERS = {report.totals.params}
'''
    helpers = '''

class Scope(nn.Module):
    """A named group of layers (a block of the spec); only holds them, never called."""


def _put(root: nn.Module, path: str, module: nn.Module) -> None:
    """Store ``module`` at the dotted ``path``, creating ``Scope`` groups on the way."""
    *scopes, last = path.split(".")
    for part in scopes:
        if part not in root._modules:
            root.add_module(part, Scope())
        root = root._modules[part]
    root.add_module(last, module)
'''
    body = f'''

class Net(nn.Module):
    """{_paragraph(f"{graph.name}.", "    ")}"""

    def __init__(self) -> None:
        super().__init__()
{chr(10).join(init_lines)}

    def forward(self, x: torch.Tensor):
{chr(10).join(forward_lines)}


if __name__ == "__main__":
    net = Net().eval()
    print(net)
    print(f"parameters: {{sum(p.numel() for p in net.parameters()):,}} "
          f"(expected {{PARAMETERS:,}})")
    with torch.no_grad():
        out = net(torch.randn(1, *INPUT_SHAPE))
    for o in (out if isinstance(out, tuple) else (out,)):
        print("output:", tuple(o.shape))
'''
    pieces = [header]
    if classes:
        pieces.append("\n\n" + classes + "\n")
    pieces.append(helpers)
    pieces.append(body)
    return "".join(pieces)


__all__ = ["Scope", "constructor", "to_pytorch"]
