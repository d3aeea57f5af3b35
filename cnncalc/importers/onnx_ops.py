"""ONNX ops -> cnncalc rows: one converter per op, reading the node's attributes and the
shapes of its initializers (a Conv's ``W`` is ``(M, C/group, k...)``).

The counts of a written row come from cnncalc's own rules, so a converter only has to say
the layer; ``Converted.weights`` records which initializers it read as trainable parameters
and which as buffers (BatchNorm's running statistics), so that the import can state the
file's own figure beside the spec. An attribute that would change a shape or a count and that
no cnncalc kind can say is an error naming the node, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..layers.base import lookup
from .onnx_read import Model


@dataclass
class Row:
    """One spec row: the kind, its arguments, and the tensors it reads (data, not weights)."""

    kind: str
    args: dict[str, Any]
    inputs: list[str]
    output: str
    label: str = ""
    """The node's name, where the row's spec name comes from."""


@dataclass
class Converted:
    rows: list[Row]
    weights: list[str] = field(default_factory=list)
    buffers: list[str] = field(default_factory=list)
    alias: dict[str, str] = field(default_factory=dict)
    """Outputs that are another tensor under a new name (Identity): no row."""
    claimed: list[str] = field(default_factory=list)
    """Tensors inside a pattern the rows stand for (GELU's Erf chain): their nodes are
    passed over."""
    approximate: str | None = None
    """Said in the spec's header: what the row stands for that is not exactly the op
    (a reflect padding written as zero padding: the same shapes and counts)."""


Converter = Callable[[Model, Any], Converted]


def attrs(node: Any) -> dict[str, Any]:
    """A node's attributes as Python values."""
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.type == 1:
            out[a.name] = a.f
        elif a.type == 2:
            out[a.name] = a.i
        elif a.type == 3:
            out[a.name] = a.s.decode("utf-8", "replace")
        elif a.type == 6:
            out[a.name] = list(a.floats)
        elif a.type == 7:
            out[a.name] = list(a.ints)
    return out


def one(values: list[int] | tuple[int, ...]) -> Any:
    """Per-axis values as a spec writes them: one number when all are equal."""
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else values


def _weight(m: Model, node: Any, index: int, what: str) -> tuple[int, ...]:
    """The shape of input ``index``, which must be an initializer (a weight)."""
    if len(node.input) <= index or not node.input[index]:
        raise m.error(node, f"has no {what}")
    name = node.input[index]
    if name not in m.initializers and name not in m.constants:
        raise m.error(node, f"its {what} '{name}' is computed in the graph, not stored: "
                            "cnncalc reads weights from initializers only")
    shape = m.shape(name)
    if shape is None or any(d is None for d in shape):
        raise m.error(node, f"the shape of its {what} is unknown")
    return tuple(int(d) for d in shape)  # type: ignore[arg-type]


def _has(node: Any, index: int) -> bool:
    return len(node.input) > index and bool(node.input[index])


def _rank(m: Model, node: Any, name: str | None = None) -> int:
    shape = m.shape(name or node.input[0])
    if shape is None:
        raise m.error(node, "the rank of its input is unknown (ONNX shape inference gave none)")
    return len(shape)


def _pads(m: Model, node: Any, a: dict[str, Any], n: int, kernel: list[int],
          stride: list[int], dilation: list[int]) -> list[tuple[int, int]]:
    """(before, after) per spatial axis, ``auto_pad`` resolved with the inferred input."""
    mode = a.get("auto_pad", "NOTSET")
    if mode in ("NOTSET", ""):
        pads = a.get("pads", [0] * 2 * n)
        if len(pads) != 2 * n:
            raise m.error(node, f"pads {pads} has not 2 values per spatial axis")
        return [(pads[i], pads[i + n]) for i in range(n)]
    if mode == "VALID":
        return [(0, 0)] * n
    shape = m.shape(node.input[0])
    if shape is None or any(d is None for d in shape[2:]):
        raise m.error(node, f"auto_pad {mode} needs the input size, which is unknown")
    out = []
    for size, k, s, d in zip(shape[2:], kernel, stride, dilation):
        total = max(0, (-(-size // s) - 1) * s + d * (k - 1) + 1 - size)
        small, large = total // 2, total - total // 2
        out.append((small, large) if mode == "SAME_UPPER" else (large, small))
    return out


def _padding(node: Any, n: int, pads: list[tuple[int, int]], args: dict[str, Any]
             ) -> tuple[list[Row], str]:
    """A window's padding: an even one goes into ``args``; an uneven one becomes a zeropad row
    before the layer (the same shapes and counts). The rows so far, and the tensor the layer
    then reads."""
    source = node.input[0]
    if all(b == e for b, e in pads):
        if any(b for b, _ in pads):
            args["padding"] = one([b for b, _ in pads])
        return [], source
    padded = node.output[0] + "#pad"
    return [Row(f"zeropad{n}d", {"padding": [x for pair in pads for x in pair]}, [source],
                padded, node.name + "_pad")], padded


def _conv(m: Model, node: Any) -> Converted:
    a = attrs(node)
    w = _weight(m, node, 1, "weight W")
    n = len(w) - 2
    if n not in (1, 2, 3):
        raise m.error(node, f"a {n}-D convolution has no cnncalc kind")
    kernel = a.get("kernel_shape", list(w[2:]))
    stride, dilation = a.get("strides", [1] * n), a.get("dilations", [1] * n)
    pads = _pads(m, node, a, n, kernel, stride, dilation)
    args: dict[str, Any] = {"out_channels": w[0], "kernel_size": one(kernel)}
    if any(s != 1 for s in stride):
        args["stride"] = one(stride)
    rows, source = _padding(node, n, pads, args)
    if any(d != 1 for d in dilation):
        args["dilation"] = one(dilation)
    if a.get("group", 1) != 1:
        args["groups"] = a["group"]
    weights = [node.input[1]]
    if _has(node, 2):
        _weight(m, node, 2, "bias B")
        weights.append(node.input[2])
    else:
        args["bias"] = False
    rows.append(Row(f"conv{n}d", args, [source], node.output[0], node.name))
    return Converted(rows, weights)


def _conv_transpose(m: Model, node: Any) -> Converted:
    """A ConvTranspose as PyTorch's (one ``padding`` per axis and an ``output_padding`` at
    the end), with a ``cropping`` row after it where ONNX crops more at one end.

    ONNX computes the full output (``s (i - 1) + d (k - 1) + 1 + output_padding`` per axis)
    and drops ``pads[start]`` values before and ``pads[end]`` after. ``output_shape`` (or
    ``auto_pad`` SAME_UPPER/SAME_LOWER, which asks for ``i * s``) gives those pads by the
    operator's rule: ``total = full - output_shape``; SAME_UPPER puts ``total // 2`` before,
    otherwise (SAME_LOWER, NOTSET) ``total - total // 2`` before. PyTorch drops ``padding``
    at both ends and keeps ``output_padding`` (< stride or dilation) more at the end: so
    ``padding = before``, ``output_padding = op + before - after`` where that is allowed,
    else the smaller pad and a crop of the rest (the same values, shapes and counts)."""
    a = attrs(node)
    w = _weight(m, node, 1, "weight W")
    n = len(w) - 2
    if n not in (1, 2, 3):
        raise m.error(node, f"a {n}-D transposed convolution has no cnncalc kind")
    kernel = a.get("kernel_shape", list(w[2:]))
    stride, dilation = a.get("strides", [1] * n), a.get("dilations", [1] * n)
    extra = list(a.get("output_padding", [0] * n))
    if len(extra) != n or len(kernel) != n or len(stride) != n or len(dilation) != n:
        raise m.error(node, f"kernel_shape, strides, dilations and output_padding need "
                            f"{n} values each (one per spatial axis)")
    if any(o < 0 or o >= max(s, d) for o, s, d in zip(extra, stride, dilation)):
        raise m.error(node, f"output_padding {extra} must be below the stride or the dilation "
                            "of its axis (the operator's rule, and PyTorch's)")
    pads = _transpose_pads(m, node, a, n, kernel, stride, dilation, extra)
    group = a.get("group", 1)
    padding, out_pad, crop = [], [], []
    for (before, after), op, s, d in zip(pads, extra, stride, dilation):
        if 0 <= op + before - after < max(s, d):       # exact in one layer
            padding.append(before)
            out_pad.append(op + before - after)
            crop += [0, 0]
        else:                                          # the smaller pad, the rest cropped
            low = min(before, after)
            padding.append(low)
            out_pad.append(op)
            crop += [before - low, after - low]
    args: dict[str, Any] = {"out_channels": w[1] * group, "kernel_size": one(kernel)}
    if any(s != 1 for s in stride):
        args["stride"] = one(stride)
    if any(padding):
        args["padding"] = one(padding)
    if any(out_pad):
        args["output_padding"] = one(out_pad)
    if any(d != 1 for d in dilation):
        args["dilation"] = one(dilation)
    if group != 1:
        args["groups"] = group
    weights = [node.input[1]]
    if _has(node, 2):
        weights.append(node.input[2])
    else:
        args["bias"] = False
    if not any(crop):
        return Converted([Row(f"conv_transpose{n}d", args, [node.input[0]], node.output[0],
                              node.name)], weights)
    _needs(f"cropping{n}d", m, node)
    full = node.output[0] + "#uncropped"
    return Converted([Row(f"conv_transpose{n}d", args, [node.input[0]], full, node.name),
                      Row(f"cropping{n}d", {"cropping": crop}, [full], node.output[0],
                          node.name + "_crop")], weights,
                     approximate="a transposed convolution's uneven pads written as padding "
                                 "and a cropping row (the same values, shapes and counts)")


def _transpose_pads(m: Model, node: Any, a: dict[str, Any], n: int, kernel: list[int],
                    stride: list[int], dilation: list[int], extra: list[int]
                    ) -> list[tuple[int, int]]:
    """(before, after) per spatial axis, from ``pads`` or from the wanted output size."""
    mode = a.get("auto_pad", "NOTSET") or "NOTSET"
    if mode not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise m.error(node, f"auto_pad {mode!r} is none of NOTSET, VALID, SAME_UPPER, "
                            "SAME_LOWER")
    if mode == "VALID":
        return [(0, 0)] * n
    if mode == "NOTSET" and "output_shape" not in a:
        pads = a.get("pads", [0] * 2 * n)
        if len(pads) != 2 * n or any(p < 0 for p in pads):
            raise m.error(node, f"pads {pads} are not 2 values >= 0 per spatial axis")
        return [(pads[i], pads[i + n]) for i in range(n)]
    shape = m.shape(node.input[0])
    if shape is None or len(shape) != n + 2 or any(d is None for d in shape[2:]):
        raise m.error(node, "its input size is unknown, which output_shape or auto_pad needs")
    sizes = [int(d) for d in shape[2:]]  # type: ignore[arg-type]
    wanted = list(a.get("output_shape", [i * s for i, s in zip(sizes, stride)]))
    if len(wanted) == n + 2:
        wanted = wanted[2:]         # some exporters write the batch and channels too
    if len(wanted) != n:
        raise m.error(node, f"output_shape {wanted} has not one size per spatial axis")
    out = []
    for i, k, s, d, op, want in zip(sizes, kernel, stride, dilation, extra, wanted):
        full = s * (i - 1) + op + (k - 1) * d + 1
        total = full - want
        if total < 0:
            raise m.error(node, f"output_shape {wanted} is larger than the {full} values the "
                                "transposed convolution computes along an axis")
        small, large = total // 2, total - total // 2
        out.append((small, large) if mode == "SAME_UPPER" else (large, small))
    return out


def _gemm(m: Model, node: Any) -> Converted:
    a = attrs(node)
    if a.get("transA", 0):
        raise m.error(node, "transA=1 (a transposed input) is not a dense layer")
    w = _weight(m, node, 1, "weight B")
    if len(w) != 2:
        raise m.error(node, f"weight B has shape {list(w)}, not a matrix")
    out = w[0] if a.get("transB", 0) else w[1]
    args: dict[str, Any] = {"out_features": out}
    weights = [node.input[1]]
    if _has(node, 2) and a.get("beta", 1.0) != 0:
        c = _weight(m, node, 2, "bias C")
        if c not in ((out,), (1, out)):
            raise m.error(node, f"bias C has shape {list(c)}; a dense layer's bias is [{out}]")
        weights.append(node.input[2])
    else:
        args["bias"] = False
    return Converted([Row("linear", args, [node.input[0]], node.output[0], node.name)],
                     weights)


def _matmul(m: Model, node: Any) -> Converted:
    """``x @ W`` with a stored ``W`` is a dense layer; an ``Add`` of a stored vector right
    after it (how exporters write ``nn.Linear`` on a non-matrix input) is its bias."""
    w = _weight(m, node, 1, "weight (the second operand)")
    if len(w) != 2:
        raise m.error(node, f"the weight has shape {list(w)}: only x @ W with a matrix W is "
                            "a dense layer")
    out = node.output[0]
    # nn.Linear on the last axis of a map or a sequence (ConvNeXt's, a transformer's MLP):
    # cnncalc's linear acts per position where in_features is written and is that axis
    source = m.shape(node.input[0])
    per_position = {"in_features": w[0]} if source is not None and len(source) > 2 else {}
    consumers = m.consumers.get(out, [])
    if len(consumers) == 1 and consumers[0].op_type == "Add" and out not in m.outputs:
        add = consumers[0]
        other = add.input[1] if add.input[0] == out else add.input[0]
        shape = m.shape(other) if other in m.initializers else None
        if shape is not None and tuple(shape) == (w[1],):
            return Converted([Row("linear", {**per_position, "out_features": w[1]},
                                  [node.input[0]], add.output[0], node.name)],
                             [node.input[1], other], alias={})
    return Converted([Row("linear", {**per_position, "out_features": w[1], "bias": False},
                          [node.input[0]], out, node.name)], [node.input[1]])


def _pool(kind: str) -> Converter:
    def convert(m: Model, node: Any) -> Converted:
        a = attrs(node)
        kernel = a.get("kernel_shape")
        if not kernel:
            raise m.error(node, "has no kernel_shape")
        n = len(kernel)
        stride, dilation = a.get("strides", [1] * n), a.get("dilations", [1] * n)
        pads = _pads(m, node, a, n, kernel, stride, dilation)
        if len(node.output) > 1 and node.output[1]:
            raise m.error(node, "the Indices output (max unpooling) is not read")
        args: dict[str, Any] = {"kernel_size": one(kernel)}
        if list(stride) != list(kernel):
            args["stride"] = one(stride)
        rows, source = _padding(node, n, pads, args)
        if any(d != 1 for d in dilation):
            if kind == "avgpool":
                raise m.error(node, "a dilated average pool has no cnncalc kind")
            args["dilation"] = one(dilation)
        if a.get("ceil_mode", 0):
            args["ceil_mode"] = True
        if kind == "avgpool" and "padding" in args:
            args["count_include_pad"] = bool(a.get("count_include_pad", 0))
        rows.append(Row(f"{kind}{n}d", args, [source], node.output[0], node.name))
        return Converted(rows, approximate="a pool's uneven padding written as a zeropad row "
                         "(same shapes and counts)" if len(rows) > 1 else None)
    return convert


def _global(kind: str) -> Converter:
    def convert(m: Model, node: Any) -> Converted:
        return Converted([Row(kind, {"keepdims": True}, [node.input[0]], node.output[0],
                              node.name)])
    return convert


def _reduce(kind: str) -> Converter:
    """A mean or max over every spatial axis (``x.mean([2, 3])``) is a global pool."""
    def convert(m: Model, node: Any) -> Converted:
        a = attrs(node)
        rank = _rank(m, node)
        if "axes" in a:
            reduced = a["axes"]
        elif _has(node, 1) and m.const(node.input[1]) is not None:
            reduced = [int(v) for v in m.const(node.input[1]).reshape(-1)]
        else:
            raise m.error(node, "reduces every axis (no axes given), the batch axis too")
        if sorted(d % rank for d in reduced) != list(range(2, rank)) or rank < 3:
            raise m.error(node, f"reduces axes {reduced}: cnncalc reads a reduction over "
                                "every spatial axis (a global pool)")
        keep = {"keepdims": True} if a.get("keepdims", 1) else {}
        return Converted([Row(kind, keep, [node.input[0]], node.output[0], node.name)])
    return convert


def _batchnorm(m: Model, node: Any) -> Converted:
    a = attrs(node)
    if any(o and (o in m.consumers or o in m.outputs) for o in node.output[1:]):
        raise m.error(node, "its training-mode outputs (running mean and variance) are read "
                            "by the graph; cnncalc reads the normalized output only")
    scale = _weight(m, node, 1, "scale")
    _weight(m, node, 2, "bias B")
    args: dict[str, Any] = {}
    if "epsilon" in a and abs(a["epsilon"] - 1e-5) > 1e-12:
        args["eps"] = float(f"{a['epsilon']:.6g}")
    rank = _rank(m, node)
    if rank not in (2, 3, 4, 5):
        raise m.error(node, f"a BatchNormalization of a {rank}-D tensor has no cnncalc kind")
    if rank == 2:
        args.setdefault("eps", 1e-5)
    kind = {2: "batchnorm1d", 3: "batchnorm1d", 4: "batchnorm2d", 5: "batchnorm3d"}[rank]
    del scale
    return Converted([Row(kind, args, [node.input[0]], node.output[0], node.name)],
                     [node.input[1], node.input[2]], [i for i in node.input[3:5] if i])


def _layernorm(m: Model, node: Any) -> Converted:
    """LayerNormalization (opset 17, how torch.onnx.export writes ``nn.LayerNorm`` and
    ConvNeXt's, ViT's and Swin's norms): a ``layernorm`` over the axes from ``axis`` to the
    last, its scale (and bias, where given) the learned weights of that shape."""
    a = attrs(node)
    shape = m.shape(node.input[0])
    if shape is None or any(d is None for d in shape):
        raise m.error(node, "the shape of its input is unknown (ONNX shape inference gave none)")
    rank = len(shape)
    axis = a.get("axis", -1)
    if not -rank <= axis < rank or axis % rank == 0:
        raise m.error(node, f"axis {axis} normalizes the batch axis too (or is out of range "
                            f"for a rank-{rank} input); cnncalc normalizes within a sample")
    normalized = [int(d) for d in shape[axis % rank:]]  # type: ignore[arg-type]
    if any(len(node.output) > i and node.output[i] and (
            node.output[i] in m.consumers or node.output[i] in m.outputs) for i in (1, 2)):
        raise m.error(node, "its Mean and InvStdDev outputs are read by the graph; cnncalc "
                            "reads the normalized output only")
    weights = []
    scale = _weight(m, node, 1, "scale")
    if list(scale) != normalized:
        raise m.error(node, f"its scale has shape {list(scale)}, not the normalized "
                            f"{normalized} (a broadcast scale has no cnncalc kind)")
    weights.append(node.input[1])
    args: dict[str, Any] = {"normalized_shape": one(normalized) if len(normalized) == 1
                            else normalized}
    zeros = m.const(node.input[2]) if _has(node, 2) else None
    if _has(node, 2) and node.input[2] not in m.initializers and zeros is not None and \
            not zeros.any():
        args["bias"] = False        # nn.LayerNorm(bias=False): the exporter writes zeros
    elif _has(node, 2):
        if list(_weight(m, node, 2, "bias B")) != normalized:
            raise m.error(node, f"its bias does not have the normalized shape {normalized}")
        weights.append(node.input[2])
    else:
        args["bias"] = False
    eps = float(f"{a.get('epsilon', 1e-5):.6g}")
    if eps != 1e-5:
        args["eps"] = eps
    return Converted([Row("layernorm", args, [node.input[0]], node.output[0], node.name)],
                     weights)


def _lp_normalization(m: Model, node: Any) -> Converted:
    """LpNormalization (x / ||x||_p along an axis) has no cnncalc kind yet: one line saying
    so, and what would be needed (``torch.onnx.export`` writes ``F.normalize`` as ReduceL2,
    Clip, Expand and Div, refused at its ReduceL2)."""
    a = attrs(node)
    raise m.error(node, f"an L{a.get('p', 2)} normalization along axis {a.get('axis', -1)} "
                        "(x / ||x||, torch.nn.functional.normalize) has no cnncalc layer kind "
                        "yet; it has no weights and no MACs, so the rest of the model can be "
                        "read by cutting the graph before it")


def _plain(kind: str, **defaults: Any) -> Converter:
    """An op with no weights whose named attributes (ONNX name -> cnncalc name) carry over."""
    def convert(m: Model, node: Any) -> Converted:
        a = attrs(node)
        args = {}
        for onnx_name, (name, default) in defaults.items():
            value = a.get(onnx_name, default)
            if value != default or name == "negative_slope":
                args[name] = float(f"{value:.6g}") if isinstance(value, float) else value
        return Converted([Row(kind, args, [node.input[0]], node.output[0], node.name)])
    return convert


def _softmax(kind: str) -> Converter:
    def convert(m: Model, node: Any) -> Converted:
        a = attrs(node)
        rank = _rank(m, node)
        axis = a.get("axis", -1 if m.opset >= 13 else 1)
        axis = axis % rank
        if axis == 0:
            raise m.error(node, "a softmax over the batch axis has no cnncalc kind")
        if m.opset < 13 and axis != rank - 1:
            raise m.error(node, "before opset 13 Softmax flattens the axes from 'axis' on; "
                                "only the last axis is read")
        return Converted([Row(kind, {"dim": axis - 1}, [node.input[0]], node.output[0],
                              node.name)])
    return convert


def _clip(m: Model, node: Any) -> Converted:
    a = attrs(node)
    low = a.get("min") if m.opset < 11 else _scalar(m, node, 1)
    high = a.get("max") if m.opset < 11 else _scalar(m, node, 2)
    if low == 0 and high is None:
        kind = "relu"
    elif low == 0 and high == 6:
        kind = "relu6"
    else:
        raise m.error(node, f"Clip({low}, {high}) is not relu (min 0) or relu6 (0 to 6)")
    return Converted([Row(kind, {}, [node.input[0]], node.output[0], node.name)])


def _scalar(m: Model, node: Any, index: int) -> float | None:
    if not _has(node, index):
        return None
    value = m.const(node.input[index])
    if value is None or value.size != 1:
        raise m.error(node, f"input {index} is not a stored number")
    return float(value.reshape(-1)[0])


def _prelu(m: Model, node: Any) -> Converted:
    slope = _weight(m, node, 1, "slope")
    count = 1
    for d in slope:
        count *= d
    return Converted([Row("prelu", {"num_parameters": count}, [node.input[0]],
                          node.output[0], node.name)], [node.input[1]])


def _dropout(m: Model, node: Any) -> Converted:
    ratio = attrs(node).get("ratio", 0.5) if m.opset < 12 else (_scalar(m, node, 1) or 0.5)
    return Converted([Row("dropout", {"p": float(f"{ratio:.6g}")}, [node.input[0]],
                          node.output[0], node.name)])


def _identity(m: Model, node: Any) -> Converted:
    return Converted([], alias={node.output[0]: node.input[0]})


def _binary(kind: str) -> Converter:
    """Add/Mul of two computed tensors is a merge row; with a stored single number it is
    a ``rescaling`` (no weights); ``x * sigmoid(x)`` is one ``silu`` row."""
    def convert(m: Model, node: Any) -> Converted:
        data = [i for i in node.input if m.is_data(i)]
        consts = [i for i in node.input if i and not m.is_data(i)]
        scale = _layer_scale(m, node, data, consts)
        if scale is not None:
            return scale
        if any(i not in m.constants for i in consts):
            raise m.error(node, "one operand is computed from constants in a way cnncalc "
                                "does not evaluate")
        if len(data) == 2 and kind == "multiply":
            for x, s in ((data[0], data[1]), (data[1], data[0])):
                producer = _producer(m, s)
                if producer is not None and producer.op_type == "Sigmoid" and \
                        producer.input[0] == x and len(m.consumers.get(s, [])) == 1:
                    return Converted([Row("silu", {}, [x], node.output[0], node.name)],
                                     alias={s: x})
        if len(data) == 2:
            plain = {"Sub": "add", "Div": "multiply"}.get(node.op_type)
            return Converted([Row(kind, {}, data, node.output[0], node.name)],
                             approximate=None if plain is None else
                             f"{node.op_type} of two computed tensors written as {plain} "
                             "(the same shapes and counts)")
        if len(data) == 1 and len(consts) == 1 and m.constants[consts[0]].size == 1:
            value = float(m.constants[consts[0]].reshape(-1)[0])
            gelu = _erf_gelu(m, node, data[0], value)
            if gelu is not None:
                return gelu
            first = node.input[0] == data[0]
            if node.op_type in ("Mul", "Div"):
                if node.op_type == "Div" and (not first or value == 0):
                    raise m.error(node, "division of a number by a tensor is not read")
                scale = value if node.op_type == "Mul" else 1 / value
                return Converted([Row("rescaling", {"scale": scale}, data, node.output[0],
                                      node.name)])
            sign = -1.0 if node.op_type == "Sub" and first else 1.0
            if node.op_type == "Sub" and not first:
                return Converted([Row("rescaling", {"scale": -1.0, "offset": value}, data,
                                      node.output[0], node.name)])
            return Converted([Row("rescaling", {"scale": 1.0, "offset": sign * value}, data,
                                  node.output[0], node.name)])
        raise m.error(node, f"{len(data)} computed inputs and a stored tensor of shape "
                            f"{_const_shape(m, consts)}: cnncalc reads {node.op_type} of two "
                            "computed tensors, or of a tensor and one stored number")
    return convert


def _layer_scale(m: Model, node: Any, data: list[str], consts: list[str]
                 ) -> Converted | None:
    """``gamma * x`` with a stored gamma of shape (C, 1, ..., 1) (ConvNeXt's layer_scale, an
    nn.Parameter): a ``layer_scale`` row, its C values trainable weights."""
    if node.op_type != "Mul" or len(data) != 1 or len(consts) != 1 or \
            consts[0] not in m.initializers:
        return None
    gamma, source = m.shape(consts[0]), m.shape(data[0])
    if gamma is None or source is None or len(source) < 3 or len(gamma) != len(source) - 1 \
            or gamma[0] != source[1] or any(d != 1 for d in gamma[1:]) or gamma[0] == 1:
        return None
    return Converted([Row("layer_scale", {}, data, node.output[0], node.name)], [consts[0]])


def _erf_gelu(m: Model, node: Any, x: str, value: float) -> Converted | None:
    """GELU as exporters write it before opset 20 (which has a Gelu op):
    ``Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)``: one ``gelu`` row for the five nodes,
    found from its Div. None where the chain is not exactly that."""
    if node.op_type != "Div" or node.input[0] != x or abs(value - 2 ** 0.5) > 1e-4:
        return None

    def only(tensor: str, op: str) -> Any | None:
        users = m.consumers.get(tensor, [])
        return users[0] if len(users) == 1 and users[0].op_type == op and \
            tensor not in m.outputs else None

    def other(n: Any, tensor: str) -> str:
        return n.input[1] if n.input[0] == tensor else n.input[0]

    def number(name: str) -> float | None:
        v = m.const(name)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 else None

    erf = only(node.output[0], "Erf")
    add = erf and only(erf.output[0], "Add")
    if add is None or number(other(add, erf.output[0])) != 1.0:
        return None
    mul = only(add.output[0], "Mul")
    if mul is None or other(mul, add.output[0]) != x:
        return None
    half = only(mul.output[0], "Mul")
    if half is None or number(other(half, mul.output[0])) != 0.5:
        return None
    inner = [node.output[0], erf.output[0], add.output[0], mul.output[0]]
    return Converted([Row("gelu", {}, [x], half.output[0], node.name)], claimed=inner)


def _const_shape(m: Model, names: list[str]) -> str:
    return ", ".join(str(list(m.constants[n].shape)) for n in names) or "none"


def _producer(m: Model, tensor: str) -> Any | None:
    for node in m.graph.node:
        if tensor in node.output:
            return node
    return None


def _concat(m: Model, node: Any) -> Converted:
    rank = _rank(m, node)
    axis = attrs(node).get("axis", 1) % rank
    if axis == 0:
        raise m.error(node, "a concat along the batch axis has no cnncalc kind")
    data = [i for i in node.input if i]
    if not all(m.is_data(i) for i in data):
        raise m.error(node, "concatenates a stored tensor; cnncalc joins computed ones only")
    args = {"dim": axis - 1} if axis != 1 else {}
    if len(data) == 1:
        return Converted([], alias={node.output[0]: data[0]})
    return Converted([Row("concat", args, data, node.output[0], node.name)])


def _reshape(m: Model, node: Any) -> Converted:
    """Flatten, Reshape, Squeeze, Unsqueeze: a ``flatten`` row when the result is (batch,
    features), else a ``reshape`` to the shape ONNX shape inference gives."""
    out = m.shape(node.output[0])
    if out is None or any(d is None for d in out):
        raise m.error(node, "its output shape is unknown (ONNX shape inference gave none); "
                            "cnncalc needs it to write the reshape")
    if len(out) < 1 or out[0] != 1:
        raise m.error(node, f"reshapes to {list(out)}, moving the batch axis")
    source = m.shape(node.input[0])
    if tuple(out) == tuple(source or ()):
        return Converted([], alias={node.output[0]: node.input[0]})
    if len(out) == 2 and source is not None and len(source) > 2:
        return Converted([Row("flatten", {}, [node.input[0]], node.output[0], node.name)])
    return Converted([Row("reshape", {"shape": [int(d) for d in out[1:]]},  # type: ignore
                          [node.input[0]], node.output[0], node.name)])


def _resize(m: Model, node: Any) -> Converted:
    a = attrs(node)
    source, out = m.shape(node.input[0]), m.shape(node.output[0])
    if source is None or out is None or any(d is None for d in (*source, *out)):
        raise m.error(node, "its input or output size is unknown")
    if tuple(source[:2]) != tuple(out[:2]):
        raise m.error(node, "resizes the batch or channel axis")
    n = len(source) - 2
    mode = a.get("mode", "nearest")
    modes = {"nearest": "nearest", "linear": {1: "linear", 2: "bilinear", 3: "trilinear"}.get(n),
             "cubic": "bicubic" if n == 2 else None}
    kind_mode = modes.get(mode)
    if kind_mode is None:
        raise m.error(node, f"mode {mode!r} on {n} spatial axes has no cnncalc upsample mode")
    sizes = [int(d) for d in out[2:]]  # type: ignore[arg-type]
    factors = [o // i for o, i in zip(sizes, source[2:])]  # type: ignore[operator]
    if all(f >= 1 and f * i == o for f, i, o in zip(factors, source[2:], sizes)):
        args: dict[str, Any] = {"scale_factor": one(factors)}
    else:
        args = {"size": one(sizes)}
    if kind_mode != "nearest":
        args["mode"] = kind_mode
    return Converted([Row("upsample", args, [node.input[0]], node.output[0], node.name)])


def _pad(m: Model, node: Any) -> Converted:
    a = attrs(node)
    if m.opset < 11:
        pads = a.get("pads", [])
    else:
        value = m.const(node.input[1]) if _has(node, 1) else None
        if value is None:
            raise m.error(node, "its pads are computed in the graph, not stored")
        pads = [int(v) for v in value.reshape(-1)]
    if _has(node, 3) and m.opset >= 18:
        raise m.error(node, "padding selected axes (the axes input) is not read")
    rank = len(pads) // 2
    if rank < 3 or len(pads) != 2 * rank:
        raise m.error(node, f"pads {pads} do not pad spatial axes of a feature map")
    if any(pads[i] or pads[i + rank] for i in (0, 1)):
        raise m.error(node, f"pads {pads} pad the batch or channel axis")
    if any(p < 0 for p in pads):
        raise m.error(node, f"negative pads {pads} (a crop) are not read")
    n = rank - 2
    sides = [x for i in range(2, rank) for x in (pads[i], pads[i + rank])]
    mode = a.get("mode", "constant")
    return Converted([Row(f"zeropad{n}d", {"padding": sides}, [node.input[0]],
                          node.output[0], node.name)],
                     approximate=None if mode == "constant" else
                     f"a {mode} padding written as zeropad (same shapes and counts)")


def _needs(kind: str, m: Model, node: Any) -> None:
    if lookup(kind) is None:
        raise m.error(node, f"needs cnncalc's '{kind}' layer kind, which this version lacks")


def _split(m: Model, node: Any) -> Converted:
    """A split of the channels into equal pieces: one ``chunk`` row per piece."""
    _needs("chunk", m, node)
    rank = _rank(m, node)
    axis = attrs(node).get("axis", 0) % rank
    if axis != 1:
        raise m.error(node, "cnncalc splits the channels (axis 1) only")
    source = m.shape(node.input[0])
    outs = [m.shape(o) for o in node.output]
    if source is None or any(o is None for o in outs):
        raise m.error(node, "the sizes of its pieces are unknown")
    sizes = [o[1] for o in outs]  # type: ignore[index]
    pieces = len(node.output)
    if len(set(sizes)) != 1 or sizes[0] * pieces != source[1]:
        raise m.error(node, f"pieces of {sizes} channels: cnncalc splits into equal pieces")
    return Converted([Row("chunk", {"chunks": pieces, "index": i}, [node.input[0]], out,
                          f"{node.name}_{i}") for i, out in enumerate(node.output)])


def _slice(m: Model, node: Any) -> Converted:
    """A Slice of the channels that is one piece of an equal split (``x[:, :c]``) is a
    ``chunk`` row; a Slice of spatial axes only (``x[:, :, 1:-1]``) a ``cropping`` row."""
    a = attrs(node)
    if m.opset < 10:
        starts, ends, axes, steps = a.get("starts"), a.get("ends"), a.get("axes"), None
    else:
        given = [m.const(node.input[i]) if _has(node, i) else None for i in range(1, 5)]
        if any(_has(node, i) and given[i - 1] is None for i in range(1, 5)):
            raise m.error(node, "its starts, ends, axes or steps are computed in the graph, "
                                "not stored")
        starts, ends, axes, steps = [None if v is None else [int(x) for x in v.reshape(-1)]
                                     for v in given]
    shape = m.shape(node.input[0])
    if starts is None or ends is None or shape is None or any(d is None for d in shape):
        raise m.error(node, "its input shape or its starts and ends are unknown")
    rank = len(shape)
    axes = axes if axes is not None else list(range(len(starts)))
    if any(st != 1 for st in steps or []):
        raise m.error(node, f"steps {steps}: cnncalc reads a slice with step 1 only")
    cut: dict[int, tuple[int, int]] = {}
    for axis, start, end in zip(axes, starts, ends):
        axis %= rank
        size = int(shape[axis])  # type: ignore[arg-type]
        start = min(max(start + size if start < 0 else start, 0), size)
        end = min(max(end + size if end < 0 else end, 0), size)
        if end <= start:
            raise m.error(node, f"an empty slice of axis {axis}")
        if (start, end) != (0, size):
            cut[axis] = (start, end)
    if not cut:
        return Converted([], alias={node.output[0]: node.input[0]})
    if set(cut) == {1} and rank >= 2:
        start, end = cut[1]
        channels = int(shape[1])  # type: ignore[arg-type]
        for chunks in range(2, channels + 1):
            piece = -(-channels // chunks)
            if start % piece == 0 and end == min(start + piece, channels):
                _needs("chunk", m, node)
                return Converted([Row("chunk", {"chunks": chunks, "index": start // piece},
                                      [node.input[0]], node.output[0], node.name)])
        raise m.error(node, f"channels {start}:{end} of {channels} are not one piece of an "
                            "equal split (cnncalc's chunk)")
    if 0 in cut or 1 in cut or not 1 <= rank - 2 <= 3:
        raise m.error(node, f"slices axes {sorted(cut)} of a rank-{rank} tensor: cnncalc reads "
                            "a slice of the channels alone (chunk) or of spatial axes alone "
                            "(cropping)")
    sides = []
    for axis in range(2, rank):
        start, end = cut.get(axis, (0, int(shape[axis])))  # type: ignore[arg-type]
        sides += [start, int(shape[axis]) - end]  # type: ignore[arg-type]
    kind = f"cropping{rank - 2}d"
    _needs(kind, m, node)
    return Converted([Row(kind, {"cropping": sides}, [node.input[0]], node.output[0],
                          node.name)])


def _lrn(m: Model, node: Any) -> Converted:
    """LRN across channels (AlexNet's): ``local_response_norm`` with the same four values."""
    a = attrs(node)
    if "size" not in a:
        raise m.error(node, "has no size")
    args: dict[str, Any] = {"size": a["size"]}
    for onnx_name, name, default in (("alpha", "alpha", 1e-4), ("beta", "beta", 0.75),
                                     ("bias", "k", 1.0)):
        value = float(f"{a.get(onnx_name, default):.6g}")
        if value != default:
            args[name] = value
    if _rank(m, node) < 3:
        raise m.error(node, "an LRN of a tensor without spatial axes has no cnncalc kind")
    return Converted([Row("local_response_norm", args, [node.input[0]], node.output[0],
                          node.name)])


def _transpose(m: Model, node: Any) -> Converted:
    perm = attrs(node).get("perm")
    if perm is None:
        raise m.error(node, "a Transpose without perm reverses the batch axis")
    if perm == sorted(perm):
        return Converted([], alias={node.output[0]: node.input[0]})
    if perm[0] != 0:
        raise m.error(node, f"perm {perm} moves the batch axis")
    _needs("permute", m, node)
    return Converted([Row("permute", {"dims": perm}, [node.input[0]], node.output[0],
                          node.name)])


CONVERTERS: dict[str, Converter] = {
    "Conv": _conv, "ConvTranspose": _conv_transpose, "Gemm": _gemm, "MatMul": _matmul,
    "MaxPool": _pool("maxpool"), "AveragePool": _pool("avgpool"),
    "GlobalAveragePool": _global("global_avgpool"), "GlobalMaxPool": _global("global_maxpool"),
    "BatchNormalization": _batchnorm, "ReduceMean": _reduce("global_avgpool"),
    "ReduceMax": _reduce("global_maxpool"),
    "Relu": _plain("relu"), "Sigmoid": _plain("sigmoid"), "Tanh": _plain("tanh"),
    "LeakyRelu": _plain("leaky_relu", alpha=("negative_slope", 0.01)),
    "Elu": _plain("elu", alpha=("alpha", 1.0)), "Selu": _plain("selu"),
    "Gelu": _plain("gelu"), "HardSigmoid": _plain("hardsigmoid"),
    "HardSwish": _plain("hardswish"), "Mish": _plain("mish"), "Softplus": _plain("softplus"),
    "Softmax": _softmax("softmax"), "LogSoftmax": _softmax("log_softmax"), "Clip": _clip,
    "PRelu": _prelu, "Dropout": _dropout, "Identity": _identity,
    "Add": _binary("add"), "Mul": _binary("multiply"), "Sub": _binary("add"),
    "Div": _binary("multiply"), "Concat": _concat,
    "Flatten": _reshape, "Reshape": _reshape, "Squeeze": _reshape, "Unsqueeze": _reshape,
    "Resize": _resize, "Upsample": _resize, "Pad": _pad, "Split": _split,
    "Transpose": _transpose, "Slice": _slice, "LRN": _lrn, "LayerNormalization": _layernorm,
}
REFUSED: dict[str, Converter] = {"LpNormalization": _lp_normalization}
"""Ops refused with their own reason (not just "no cnncalc layer")."""
"""Every op cnncalc reads; anything else is an error naming the node and the op."""
