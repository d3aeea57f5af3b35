"""``export --to keras``: a spec as a standalone Keras 3 source file (functional API).

The mirror of ``export --to pytorch`` for Keras users: one ``build_model()`` that writes
every layer as ``x = layers.Conv2D(...)(x)``, channels last as Keras computes, under the
spec's layer names (dots become underscores). Writing the file needs no Keras; running it
needs Keras 3 on any backend, and prints ``model.summary()`` and the parameter count that
Keras should find: cnncalc's parameters plus BatchNorm's buffers, which Keras counts as
non-trainable params.

A PyTorch padding Keras cannot say in a convolution (an explicit number of pixels) is a
``ZeroPadding`` layer before it, and a transposed convolution's ``padding`` a ``Cropping``
after it: same shapes and counts, one more row. Kinds with no Keras layer of the same
counts are refused with the layer named, never written approximately.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from .engine import analyze
from .errors import CnnCalcError
from .graph import NETWORK_INPUT, Graph, Node
from .layers.core import to_layout
from .report import Row

ACTIVATION_NAMES = {
    "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "selu": "selu", "gelu": "gelu",
    "silu": "silu", "hardswish": "hard_silu", "hardsigmoid": "hard_sigmoid", "mish": "mish",
    "softplus": "softplus", "log_softmax": "log_softmax",
}


def _py(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _axes(value: Any, n: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,) * n


def _one(value: tuple[int, ...]) -> Any:
    return value[0] if len(set(value)) == 1 else value


class _Refused(Exception):
    pass


def _conv(node: Node, n: int) -> tuple[list[str], str]:
    a = node.args
    kernel = _axes(a["kernel_size"], n)
    dilation = _axes(a["dilation"], n)
    padding = a["padding"]
    if a.get("padding_mode", "zeros") != "zeros":
        raise _Refused(f"padding_mode '{a['padding_mode']}' has no Keras counterpart")
    before: list[str] = []
    if isinstance(padding, str) and padding == "full":
        padding = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    if isinstance(padding, str):
        mode = padding
    else:
        pads = _axes(padding, n)
        mode = "valid"
        if any(pads):
            before.append(f"layers.ZeroPadding{n}D({_py(_one(pads))}, name={{pad!r}})")
    args = [str(a["out_channels"]), _py(_one(kernel))]
    if _axes(a["stride"], n) != (1,) * n:
        args.append(f"strides={_py(_one(_axes(a['stride'], n)))}")
    if mode != "valid":
        args.append(f"padding={mode!r}")
    if dilation != (1,) * n:
        args.append(f"dilation_rate={_py(_one(dilation))}")
    if a["groups"] != 1:
        args.append(f"groups={a['groups']}")
    if not a["bias"]:
        args.append("use_bias=False")
    return before, f"layers.Conv{n}D({', '.join(args)}, name={{name!r}})"


def _conv_transpose(node: Node, n: int) -> tuple[list[str], str, list[str]]:
    a = node.args
    if a["groups"] != 1:
        raise _Refused("Keras' transposed convolutions have no groups")
    kernel, stride = _axes(a["kernel_size"], n), _axes(a["stride"], n)
    pads, out_pad = _axes(a["padding"], n), _axes(a["output_padding"], n)
    dilation = _axes(a["dilation"], n)
    args = [str(a["out_channels"]), _py(_one(kernel))]
    if stride != (1,) * n:
        args.append(f"strides={_py(_one(stride))}")
    if any(out_pad):
        args.append(f"output_padding={_py(_one(out_pad))}")
    elif any(s > d * (k - 1) + 1 for s, k, d in zip(stride, kernel, dilation)):
        args.append(f"output_padding={_py(_one((0,) * n))}")  # Keras' None adds s - k
    if dilation != (1,) * n:
        args.append(f"dilation_rate={_py(_one(dilation))}")
    if not a["bias"]:
        args.append("use_bias=False")
    after = [f"layers.Cropping{n}D({_py(_one(pads))}, name={{crop!r}})"] if any(pads) else []
    return [], f"layers.Conv{n}DTranspose({', '.join(args)}, name={{name!r}})", after


def _pool(node: Node, n: int, cls: str, source: tuple[int, ...],
          out: tuple[int, ...]) -> tuple[list[str], str]:
    """A pool; its padding, and the extra end pixels ceil_mode reads, as ZeroPadding."""
    a = node.args
    if _axes(a.get("dilation", 1), n) != (1,) * n:
        raise _Refused("a dilated pool has no Keras counterpart")
    kernel = _axes(a["kernel_size"], n)
    stride = _axes(a["stride"], n) if a["stride"] is not None else kernel
    same = a["padding"] == "same"
    pads = (0,) * n if isinstance(a["padding"], str) else _axes(a["padding"], n)
    if cls == "AveragePooling" and any(pads) and a.get("count_include_pad", True) is False:
        raise _Refused("count_include_pad: false with padding has no Keras counterpart")
    sides = []
    for size, o, k, s, p in zip(source[1:], out[1:], kernel, stride, pads):
        if same:
            break
        extra = max(0, (o - 1) * s + k - (size + 2 * p))  # ceil_mode's last window
        sides.append((p, p + extra))
    before = []
    if any(b or e for b, e in sides):
        value = _one(pads) if all(b == e for b, e in sides) else _pairs(sides)
        before = [f"layers.ZeroPadding{n}D({_py(value)}, name={{pad!r}})"]
    args = [_py(_one(kernel))]
    if stride != kernel:
        args.append(f"strides={_py(_one(stride))}")
    if same:
        args.append("padding='same'")
    return before, f"layers.{cls}{n}D({', '.join(args)}, name={{name!r}})"


def _pairs(sides: list[tuple[int, int]]) -> Any:
    """(before, after) per axis as Keras writes them: ``(b, a)`` for 1-D layers,
    ``((b0, a0), (b1, a1))`` above."""
    return sides[0] if len(sides) == 1 else tuple(sides)


def _sides(value: Any, n: int) -> Any:
    """A per-side list (cnncalc's ``[b0, a0, b1, a1]``) as Keras' ``((b0, a0), (b1, a1))``."""
    if isinstance(value, tuple) and len(value) == 2 * n:
        return _pairs([(value[2 * i], value[2 * i + 1]) for i in range(n)])
    return _one(_axes(value, n))


def _center_crop(a: dict[str, Any], source: tuple[int, ...], rank: int) -> str:
    """cnncalc's center crop (an odd remainder dropped at the end) as Keras' per-side crop."""
    sides = []
    for n, size in zip(source[1:], _axes(a["size"], rank)):
        before = (n - size) // 2
        sides.append((before, n - size - before))
    return f"layers.Cropping{rank}D({_py(_pairs(sides))}, name={{name!r}})"


def layer_code(node: Node, row: Row, rank: int,
               source: tuple[int, ...] = ()) -> tuple[list[str], str, list[str]]:
    """Keras constructor calls for one node: (before, the layer, after); the strings hold
    ``{name}``, ``{pad}``, ``{crop}`` for the names to fill in."""
    kind, a = row.kind, node.args
    base = re.sub(r"[123]d$", "", kind)
    if base == "conv":
        before, main = _conv(node, rank)
        return before, main, []
    if base == "conv_transpose":
        return _conv_transpose(node, rank)
    if base in ("maxpool", "avgpool"):
        before, main = _pool(node, rank, "MaxPooling" if base == "maxpool" else
                             "AveragePooling", source, row.output_shape or ())
        return before, main, []
    if base == "adaptive_avgpool" and all(
            n % o == 0 for n, o in zip(source[1:], (row.output_shape or ())[1:])):
        window = tuple(n // o for n, o in zip(source[1:], (row.output_shape or ())[1:]))
        return [], f"layers.AveragePooling{rank}D({_py(_one(window))}, name={{name!r}})", []
    if kind == "center_crop":
        return [], _center_crop(a, source, rank), []
    simple = _simple(kind, base, a, rank)
    if simple is None:
        raise _Refused(f"{kind} has no Keras layer with the same counts written yet")
    return [], simple + "", []


def _simple(kind: str, base: str, a: dict[str, Any], rank: int) -> str | None:
    name = "name={name!r}"
    if kind == "linear":
        bias = "" if a["bias"] else ", use_bias=False"
        return f"layers.Dense({a['out_features']}{bias}, {name})"
    if kind == "flatten":
        return f"layers.Flatten({name})"
    if kind == "dropout":
        return f"layers.Dropout({a['p']!r}, {name})"
    if base == "batchnorm":
        if not a["track_running_stats"]:
            raise _Refused("Keras' BatchNormalization always keeps moving statistics")
        affine = "" if a["affine"] else ", center=False, scale=False"
        return f"layers.BatchNormalization(epsilon={a['eps']!r}{affine}, {name})"
    if kind in ACTIVATION_NAMES:
        return f"layers.Activation({ACTIVATION_NAMES[kind]!r}, {name})"
    if kind == "relu6":
        return f"layers.ReLU(max_value=6.0, {name})"
    if kind == "leaky_relu":
        return f"layers.LeakyReLU(negative_slope={a['negative_slope']!r}, {name})"
    if kind == "elu":
        return f"layers.ELU(alpha={a['alpha']!r}, {name})"
    if kind == "softmax":
        if a["dim"] != 0:
            raise _Refused("softmax over another axis than the channels")
        return f"layers.Softmax({name})"
    if kind in ("global_avgpool", "global_maxpool"):
        cls = "GlobalAveragePooling" if kind == "global_avgpool" else "GlobalMaxPooling"
        keep = ", keepdims=True" if a["keepdims"] else ""
        return f"layers.{cls}{rank}D({name}{keep})"
    if kind == "identity":
        return f"layers.Identity({name})"
    if kind == "rescaling":
        return f"layers.Rescaling({a['scale']!r}, offset={a['offset']!r}, {name})"
    if kind == "random_flip":
        return f"layers.RandomFlip({a['mode']!r}, {name})"
    if kind == "random_rotation":
        return f"layers.RandomRotation({a['factor']!r}, {name})"
    if kind == "random_zoom":
        return f"layers.RandomZoom({a['factor']!r}, {name})"
    if base == "zeropad":
        return f"layers.ZeroPadding{rank}D({_py(_sides(a['padding'], rank))}, {name})"
    if base == "cropping":
        return f"layers.Cropping{rank}D({_py(_sides(a['cropping'], rank))}, {name})"
    if kind == "upsample" and a["scale_factor"] is not None:
        size = _py(_one(_axes(a["scale_factor"], rank)))
        if a["mode"] == "nearest":
            return f"layers.UpSampling{rank}D({size}, {name})"
        if a["mode"] == "bilinear" and rank == 2:
            return f"layers.UpSampling2D({size}, interpolation='bilinear', {name})"
        return None
    if kind == "concat":
        if a["dim"] != 0:
            raise _Refused("a concat along another axis than the channels")
        return f"layers.Concatenate({name})"
    if kind == "add":
        return f"layers.Add({name})"
    if kind == "multiply":
        return f"layers.Multiply({name})"
    return None


def to_keras(graph: Graph, source_name: str = "") -> str:
    """The generated Keras source file as text."""
    report = analyze(graph)
    if report.errors:
        raise report.errors[0]
    rows = {r.name: r for r in report.rows}
    shapes = {node.id: rows[node.name].output_shape for node in graph.nodes}
    var: dict[int, str] = {NETWORK_INPUT: "inputs"}
    keras_names: set[str] = set()

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
    for node in graph.nodes:
        row = rows[node.name]
        source = graph.input_shape if node.inputs[0] == NETWORK_INPUT else \
            shapes[node.inputs[0]]
        rank = len(source or ()) - 1
        try:
            before, main, after = layer_code(node, row, rank, source or ())
        except _Refused as exc:
            raise CnnCalcError(f"cannot export layer '{node.name}' ({row.kind}) to Keras: "
                               f"{exc}", node.pos) from None
        name = fresh(node.name.replace(".", "_"), keras_names)
        args = ", ".join(var[i] for i in node.inputs)
        x = f"[{args}]" if len(node.inputs) > 1 else args
        for code in before:
            pad = fresh(f"{name}_pad", keras_names)
            padded = f"x{len(var)}_pad"
            lines.append(f"    {padded} = {code.format(pad=pad)}({x})")
            x = padded
        target = f"x{len(var)}"
        lines.append(f"    {target} = {main.format(name=name)}({x})")
        for code in after:
            crop = fresh(f"{name}_crop", keras_names)
            lines.append(f"    {target} = {code.format(crop=crop)}({target})")
        var[node.id] = target
    outs = [var[o] for o in graph.outputs]
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
    return f'''"""{about}
"""

import keras
from keras import layers

INPUT_SHAPE = {_py(shape)}
PARAMETERS = {total}


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
