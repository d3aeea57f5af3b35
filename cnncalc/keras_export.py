"""``export --to keras``: a spec as a standalone Keras 3 source file (functional API).

The mirror of ``export --to pytorch`` for Keras users: one ``build_model()`` that writes
every layer as ``x = layers.Conv2D(...)(x)``, channels last as Keras computes, under the
spec's layer names (dots become underscores). Writing the file needs no Keras; running it
needs Keras 3 on any backend, and prints ``model.summary()`` and the parameter count that
Keras should find: cnncalc's parameters plus BatchNorm's buffers, which Keras counts as
non-trainable params.

Each kind's unit writes its own Keras code (its ``keras`` side, ``cnncalc.layers.keras_part``);
this module walks the graph, names the layers and writes the file. A PyTorch padding Keras
cannot say in a convolution (an explicit number of pixels) is a ``ZeroPadding`` layer before
it, and a transposed convolution's ``padding`` a ``Cropping`` after it: same shapes and
counts, one more row. Kinds with no Keras layer of the same counts are refused with the
layer named, never written approximately.
"""

from __future__ import annotations

import re
import textwrap

from .engine import analyze
from .errors import CnnCalcError
from .graph import NETWORK_INPUT, Graph, Node
from .layers.core import to_layout
from .layers.keras_part import ANY, AS_IS, CHANNELS_LAST, Refused, Use, side_of
from .layers.keras_part import py as _py
from .report import Row


def layer_code(node: Node, row: Row, rank: int, source: tuple[int, ...] = (),
               layout: str = "chw") -> tuple[list[str], str, list[str]]:
    """Keras constructor calls for one node: (before, the layer, after); the strings hold
    ``{name}``, ``{pad}``, ``{crop}`` for the names to fill in. The kind's unit writes them
    (its ``keras`` side, ``cnncalc.layers.keras_part``)."""
    _, side = side_of(row.kind)
    code = side.code(Use(row.kind, node.args, rank, tuple(source),
                         tuple(row.output_shape or ()), layout)) if side is not None else None
    if code is None:
        raise Refused(f"{row.kind} has no Keras layer with the same counts written yet")
    return code


Order = tuple[int, ...]
"""How a Keras tensor holds a spec tensor: Keras axis i (batch excluded) is the spec's axis
order[i] (channels first, 0 the channels)."""


def channels_last(rank: int) -> Order:
    """Keras' own layout of a spec tensor of ``rank`` axes: the channels moved last."""
    return (*range(1, rank), 0) if rank > 1 else tuple(range(rank))


def wanted_order(layout: str, rank: int, have: Order) -> Order:
    if layout == AS_IS:
        return tuple(range(rank))
    if layout == ANY and len(have) == rank:
        return have
    return channels_last(rank)


def permute_dims(have: Order, want: Order) -> tuple[int, ...]:
    """Keras' ``Permute`` dims (1-based, batch excluded) that turn layout ``have`` into
    ``want``: output axis j is input axis dims[j] - 1."""
    return tuple(have.index(axis) + 1 for axis in want)


def to_keras(graph: Graph, source_name: str = "") -> str:
    """The generated Keras source file as text."""
    report = analyze(graph)
    if report.errors:
        raise report.errors[0]
    rows = {r.name: r for r in report.rows}
    shapes = {node.id: rows[node.name].output_shape for node in graph.nodes}
    var: dict[int, str] = {NETWORK_INPUT: "inputs"}
    order: dict[int, Order] = {NETWORK_INPUT: channels_last(len(graph.input_shape))}
    keras_names: set[str] = set()
    helpers: dict[str, str] = {}

    def fresh(text: str, pool: set[str]) -> str:
        """A Keras layer name: the spec's, made a word, unique."""
        name = re.sub(r"\W", "_", text) or "layer"
        if name[0].isdigit():
            name = "l" + name
        while name in pool:
            name += "_"
        pool.add(name)
        return name

    lines = []

    def shape_of(node_id: int) -> tuple[int, ...]:
        return tuple(graph.input_shape if node_id == NETWORK_INPUT else shapes[node_id] or ())

    def laid_out(node_id: int, want: Order, name: str) -> str:
        """The input as a Keras tensor laid out as ``want``: a Permute where it is not."""
        have = order[node_id]
        if have == want:
            return var[node_id]
        perm = fresh(f"{name}_perm", keras_names)
        target = f"x{len(var)}_{len(lines)}_perm"
        lines.append(f"    {target} = layers.Permute({_py(permute_dims(have, want))}, "
                     f"name={perm!r})({var[node_id]})")
        return target

    for node in graph.nodes:
        row = rows[node.name]
        source = graph.input_shape if node.inputs[0] == NETWORK_INPUT else \
            shapes[node.inputs[0]]
        rank = len(source or ()) - 1
        unit, side = side_of(row.kind)
        use = Use(row.kind, node.args, rank, tuple(source or ()),
                  tuple(row.output_shape or ()), graph.layout, order[node.inputs[0]])
        if side is not None and side.regroup is not None:
            done = side.regroup(use)
            if done is not None:
                call, out_order = done
                name = fresh(node.name.replace(".", "_"), keras_names)
                target = f"x{len(var)}"
                lines.append(f"    {target} = {call.format(name=name)}({var[node.inputs[0]]})")
                var[node.id], order[node.id] = target, out_order
                continue
        if side is not None and side.relayout is not None:
            axes_order = side.relayout(use)
            have = order[node.inputs[0]]
            var[node.id] = var[node.inputs[0]]
            order[node.id] = tuple(axes_order.index(axis) for axis in have)
            continue
        try:
            before, main, after = layer_code(node, row, rank, source or (), graph.layout)
        except Refused as exc:
            raise CnnCalcError(f"cannot export layer '{node.name}' ({row.kind}) to Keras: "
                               f"{exc}", node.pos) from None
        if side is not None and side.helper is not None:
            helpers.setdefault(side.classes[0].name, side.helper)
        name = fresh(node.name.replace(".", "_"), keras_names)
        # a reference (interpolate's size_of) is an edge of the graph, not a Keras input
        inputs = node.inputs if unit is None or unit.n_inputs != 1 else node.inputs[:1]
        layout = side.layout_of(use) if side is not None else CHANNELS_LAST
        # an element-wise merge (ANY) reads every input in the order the first one holds
        args = ", ".join(laid_out(i, wanted_order(layout, len(shape_of(i)),
                                                  order[inputs[0]]), name) for i in inputs)
        x = f"[{args}]" if len(inputs) > 1 else args
        for code in before:
            pad = fresh(f"{name}_pad", keras_names)
            padded = f"x{len(var)}_pad"
            lines.append(f"    {padded} = {code.format(pad=pad)}({x})")
            x = padded
        target = f"x{len(var)}"
        called = side.call.format(x=x) if side is not None else x
        lines.append(f"    {target} = {main.format(name=name)}({called})")
        for code in after:
            crop = fresh(f"{name}_crop", keras_names)
            lines.append(f"    {target} = {code.format(crop=crop)}({target})")
        var[node.id] = target
        out_rank = len(row.output_shape or ())
        order[node.id] = wanted_order(layout, out_rank, order[inputs[0]])
    outs = [laid_out(o, channels_last(len(shape_of(o))), f"{graph.nodes[-1].name}_out")
            for o in graph.outputs]
    result = outs[0] if len(outs) == 1 else "[" + ", ".join(outs) + "]"
    shape = tuple(to_layout(graph.input_shape, "hwc"))
    total = report.totals.params + report.totals.non_trainable
    source = f" from {source_name}" if source_name else ""
    body = "\n".join(_wrap(line) for line in lines)
    about = textwrap.fill(
        f"{graph.name}: a Keras model generated by `cnncalc export --to keras`{source}. "
        f"Needs only Keras 3 (any backend). Channels last: input {list(shape)}. Layer names "
        f"follow the spec's (dots become underscores). Keras' count_params() should be "
        f"{total:,}: cnncalc's {report.totals.params:,} parameters plus "
        f"{report.totals.non_trainable:,} BatchNorm statistics.", 96,
        break_long_words=False, break_on_hyphens=False)
    classes = "".join(f"\n\n{textwrap.dedent(code).strip()}\n" for code in helpers.values())
    return f'''"""{about}
"""

import keras
from keras import layers

INPUT_SHAPE = {_py(shape)}
PARAMETERS = {total}
{classes}

def build_model() -> keras.Model:
    inputs = keras.Input(shape=INPUT_SHAPE)
{body}
    return keras.Model(inputs, {result}, name={_keras_model_name(graph.name)!r})


if __name__ == "__main__":
    model = build_model()
    model.summary()
    print(f"params: {{model.count_params():,}} (expected {{PARAMETERS:,}})")
'''


def _keras_model_name(name: str) -> str:
    return re.sub(r"[^\w-]", "_", name) or "model"


def _wrap(line: str, width: int = 100) -> str:
    """A long ``x = layers.X(a, b, name=...)(y)`` line broken after its first bracket, the
    arguments continued on lines indented by 8, broken after commas."""
    bracket = line.find("(")
    if len(line) <= width or bracket < 0:
        return line
    indent = " " * 8
    parts, rest = [line[:bracket + 1]], indent + line[bracket + 1:]
    while len(rest) > width:
        cut = rest.rfind(", ", 0, width - 1)
        if cut <= len(indent):
            break
        parts.append(rest[:cut + 1])
        rest = indent + rest[cut + 2:]
    return "\n".join([*parts, rest])


__all__ = ["to_keras"]
