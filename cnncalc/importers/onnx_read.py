"""Reading an ONNX file for ``cnncalc import onnx``: the model checked, its shapes inferred,
and what the op converters need to know about every tensor.

ONNX files are protobuf messages; the ``onnx`` package (the ``onnx`` extra) parses them. A
file that is not ONNX, a truncated one, or one that the ONNX checker refuses is one error line
naming the file, never a traceback. Nothing in the file is executed: the importer reads the
graph's nodes, their attributes and the shapes of the initializers (the weights).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnCalcError

MAX_BYTES = 2**31 - 1
"""protobuf cannot parse a message over 2 GiB; larger models keep weights as external data,
whose values cnncalc does not need (the shapes are in the graph)."""

SHAPE_OPS = frozenset({
    "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Mul",
    "Div", "Add", "Sub", "Range", "Identity", "Floor", "Ceil", "Equal",
    "Where", "Expand", "Reshape", "ReduceProd", "Min", "Max", "Sqrt", "Transpose",
})
"""Ops that, fed only constants or shapes, compute more constants (the shape arithmetic
exporters write around ``x.view(x.size(0), -1)``): folded away, never a row."""


class OnnxImportError(CnnCalcError):
    """An ONNX model cnncalc cannot read or write as a spec; the message names the file and,
    where there is one, the node and its op."""


@dataclass
class Model:
    """What the converters read: the graph, constant values, tensor shapes and consumers."""

    filename: str
    proto: Any
    graph: Any
    opset: int
    input_name: str
    input_shape: tuple[int, ...]
    """Channels first, batch excluded."""
    outputs: list[str]
    constants: dict[str, Any] = field(default_factory=dict)
    """Tensor name -> numpy array, for initializers, Constant nodes and folded shape math."""
    shapes: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    """Tensor name -> full shape (batch first) where shape inference knows it."""
    consumers: dict[str, list[Any]] = field(default_factory=dict)
    initializers: set[str] = field(default_factory=set)
    opaque: set[str] = field(default_factory=set)
    """Tensors computed from constants alone in a way cnncalc does not evaluate: not data."""

    stored_as: dict[str, str] = field(default_factory=dict)
    """An Identity of an initializer -> that initializer (exporters share one stored tensor
    between layers whose values are equal)."""

    def is_data(self, name: str) -> bool:
        return bool(name) and name not in self.constants and name not in self.opaque \
            and name not in self.initializers

    def error(self, node: Any, message: str) -> OnnxImportError:
        name = node.name or (node.output[0] if node.output else "?")
        return OnnxImportError(f"{self.filename}: node '{_printable(name)}' "
                               f"({_printable(node.op_type)}): {message}")

    def const(self, name: str) -> Any | None:
        return self.constants.get(name) if name else None

    def shape(self, name: str) -> tuple[int | None, ...] | None:
        return self.shapes.get(name)


def _printable(text: str) -> str:
    """Names from the file, made safe for one message line."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text[:120] + ("..." if len(text) > 120 else "")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise OnnxImportError("cnncalc import onnx needs the onnx package: "
                              "pip install 'cnncalc[onnx]'") from None
    return onnx


def load(path: str, input_shape: tuple[int, ...] | None = None) -> Model:
    """Parse, check and shape-infer ``path``; ``input_shape`` (channels first, no batch)
    fills an input whose sizes the file leaves open."""
    onnx = _onnx()
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):   # /dev/zero or a pipe would read 2 GiB first
            raise OnnxImportError(f"{path} is not a regular file; an ONNX model is read from "
                                  "a file")
        size = info.st_size
        if size > MAX_BYTES:
            raise OnnxImportError(f"{path}: {size:,} bytes is over protobuf's 2 GiB limit")
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise OnnxImportError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise OnnxImportError(f"{path} is a folder, not an ONNX file") from None
    except OSError as exc:
        raise OnnxImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError and friends: any failure is bad input
        raise OnnxImportError(f"{path}: not an ONNX model (protobuf cannot parse it: "
                              f"{_printable(exc)[:80]}); is the file truncated?") from None
    if not proto.graph.node:
        raise OnnxImportError(f"{path}: not an ONNX model (no graph nodes; is the file "
                              "truncated or another format?)")
    try:
        onnx.checker.check_model(proto)
    except Exception as exc:
        first = _printable(str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        raise OnnxImportError(f"{path}: the ONNX checker refuses the model: {first}") from None
    return _model(onnx, proto, path, input_shape)


def _model(onnx: Any, proto: Any, path: str, input_shape: tuple[int, ...] | None) -> Model:
    graph = proto.graph
    inits = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in inits]
    if len(inputs) != 1:
        # The spec language has one network input (``input:``); a second one (a mask, a
        # second image, a text embedding) has no place to go, so the line names them all.
        names = ", ".join(f"'{_printable(i.name)}' {_shape_text(_dims(i.type))}"
                          for i in inputs[:6]) + (", ..." if len(inputs) > 6 else "")
        if not inputs:
            raise OnnxImportError(f"{path}: the graph has no input (every tensor is stored)")
        raise OnnxImportError(f"{path}: the model has {len(inputs)} inputs ({names}); a "
                              "cnncalc spec has one input, so cnncalc reads single-input "
                              "models only (export a wrapper whose forward takes one tensor)")
    written = _dims(inputs[0].type)
    if input_shape is None:
        if written is None or len(written) < 2 or any(d is None for d in written[1:]):
            raise OnnxImportError(f"{path}: the input '{_printable(inputs[0].name)}' has shape "
                                  f"{_shape_text(written)}; give its sizes with --input "
                                  "C,H,W (channels first)")
        input_shape = tuple(int(d) for d in written[1:])  # type: ignore[arg-type]
    if written is not None and len(written) != len(input_shape) + 1:
        raise OnnxImportError(f"{path}: --input has {len(input_shape)} axes but the model's "
                              f"input is {_shape_text(written)} (batch first)")
    if any(d <= 0 for d in input_shape):
        raise OnnxImportError(f"{path}: input sizes must be positive, got {list(input_shape)}")
    opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)
    model = Model(path, proto, graph, opset, inputs[0].name, tuple(input_shape),
                  [o.name for o in graph.output], initializers=inits)
    _fix_input(onnx, proto, inputs[0], input_shape)
    try:
        inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=False)
    except Exception as exc:
        raise OnnxImportError(f"{path}: ONNX shape inference fails: "
                              f"{_printable(str(exc).splitlines()[0] if str(exc) else exc)}"
                              ) from None
    for info in (*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input):
        dims = _dims(info.type)
        if dims is not None:
            model.shapes[info.name] = dims
    from onnx import numpy_helper

    for tensor in graph.initializer:
        model.shapes[tensor.name] = tuple(tensor.dims)
        if tensor.data_location != onnx.TensorProto.EXTERNAL and _small(tensor.dims):
            model.constants[tensor.name] = numpy_helper.to_array(tensor)
    for node in graph.node:
        for name in node.input:
            model.consumers.setdefault(name, []).append(node)
    _fold_constants(onnx, model)
    for _ in range(4):     # a size read from a shape that itself needed a folded size
        if not _infer_again(onnx, model):
            break
        _fold_constants(onnx, model)
    return model


def _infer_again(onnx: Any, model: Model) -> bool:
    """Shapes that depend on shape arithmetic (a Resize to the input's size, as torchvision's
    segmentation heads write it): ONNX's shape inference does not follow a computed size, so
    the sizes cnncalc folded (small by construction, ``_small``) are written into a copy of
    the graph as stored tensors and the shapes inferred again. (ONNX's own ``data_prop``
    would follow them too, but with no bound: a hostile file doubling a shape 60 times would
    take 2^60 values.)"""
    from onnx import numpy_helper

    unknown = {o for n in model.graph.node for o in n.output
               if o and (o not in model.shapes or None in model.shapes[o])}
    folded = {i for n in model.graph.node for i in n.input
              if i in model.constants and i not in model.initializers}
    if not unknown or not folded:
        return False
    copy = type(model.proto)()
    copy.CopyFrom(model.proto)
    for name in sorted(folded):
        copy.graph.initializer.append(numpy_helper.from_array(model.constants[name],
                                                              f"{name}#folded"))
    for node in copy.graph.node:
        for k, name in enumerate(node.input):
            if name in folded:
                node.input[k] = f"{name}#folded"
    try:
        inferred = onnx.shape_inference.infer_shapes(copy, strict_mode=False)
    except Exception:
        return False  # the shapes stay unknown; the op that needs one says so
    learned = False
    for info in (*inferred.graph.value_info, *inferred.graph.output):
        dims = _dims(info.type)
        if dims is not None and None not in dims and info.name in unknown:
            model.shapes[info.name] = dims
            learned = True
    return learned


def _small(dims: Any) -> bool:
    n = 1
    for d in dims:
        n *= d
    return n <= 4096


def _fix_input(onnx: Any, proto: Any, value: Any, shape: tuple[int, ...]) -> None:
    """Write the input's sizes (batch 1) into the model so that shape inference has them."""
    tensor = value.type.tensor_type
    del tensor.shape.dim[:]
    for d in (1, *shape):
        tensor.shape.dim.add().dim_value = d


def _dims(type_proto: Any) -> tuple[int | None, ...] | None:
    if not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None
                 for d in type_proto.tensor_type.shape.dim)


def _shape_text(dims: tuple[int | None, ...] | None) -> str:
    if dims is None:
        return "unknown"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def _fold_constants(onnx: Any, model: Model) -> None:
    """Constant nodes, and shape arithmetic on constants or on shapes, as values: the
    converters read a Reshape's target or a Resize's scales from here."""
    import numpy as np
    from onnx import numpy_helper

    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value" and attr.HasField("t"):
                    model.constants[node.output[0]] = numpy_helper.to_array(attr.t)
                elif attr.name in ("value_int", "value_float"):
                    model.constants[node.output[0]] = np.array(
                        attr.i if attr.name == "value_int" else attr.f)
                elif attr.name in ("value_ints", "value_floats"):
                    model.constants[node.output[0]] = np.array(
                        list(attr.ints) if attr.name == "value_ints" else list(attr.floats))
            continue
        if node.op_type == "Shape" and node.input[0] in model.shapes:
            dims = model.shapes[node.input[0]]
            if all(d is not None for d in dims):
                model.constants[node.output[0]] = np.array(dims, dtype=np.int64)
            continue
        ins = [i for i in node.input if i]
        if node.op_type == "Identity" and ins and ins[0] in model.initializers:
            model.initializers.add(node.output[0])
            model.stored_as[node.output[0]] = model.stored_as.get(ins[0], ins[0])
            if ins[0] in model.constants:
                model.constants[node.output[0]] = model.constants[ins[0]]
            continue
        if not all(i in model.constants or i in model.opaque for i in ins):
            continue
        value = None
        if node.op_type in SHAPE_OPS and all(i in model.constants for i in ins):
            value = _evaluate(node, [model.constants[i] for i in ins])
            if value is not None and not _small(getattr(value, "shape", ())):
                value = None  # shape arithmetic stays small; a growing chain is not evaluated
        elif node.op_type == "ConstantOfShape" and ins and ins[0] in model.constants:
            fill = next((numpy_helper.to_array(a.t) for a in node.attribute
                         if a.name == "value"), np.zeros(1, np.float32))
            shape = [int(d) for d in model.constants[ins[0]].reshape(-1)]
            if 0 <= np.prod(shape) <= 4096:
                value = np.full(shape, fill.reshape(-1)[0], dtype=fill.dtype)
        elif node.op_type == "Slice" and len(ins) >= 3 and all(i in model.constants
                                                               for i in ins):
            value = _slice(*(model.constants[i] for i in ins))
        if value is not None:
            model.constants[node.output[0]] = value
        else:
            model.opaque.update(o for o in node.output if o)


def _evaluate(node: Any, values: list[Any]) -> Any | None:
    """The few shape-arithmetic ops, on small integer arrays; None where unsure."""
    import numpy as np

    attrs = {a.name: a for a in node.attribute}
    op = node.op_type
    try:
        if op == "Identity" or op == "Cast":
            return values[0]
        if op == "Gather":
            axis = attrs["axis"].i if "axis" in attrs else 0
            return np.take(values[0], values[1], axis=axis)
        if op == "Unsqueeze":
            axes = list(attrs["axes"].ints) if "axes" in attrs else list(values[1])
            out = values[0]
            for axis in sorted(int(a) % (out.ndim + len(axes)) for a in axes):
                out = np.expand_dims(out, axis)
            return out
        if op == "Concat":
            return np.concatenate([np.atleast_1d(v) for v in values], axis=attrs["axis"].i)
        if op in ("Mul", "Div", "Add", "Sub") and len(values) == 2:
            a, b = values
            if a.size != 1 and b.size != 1 and a.shape != b.shape:
                return None  # a broadcast could make a large array; shape math never does
            return {"Mul": a * b, "Add": a + b, "Sub": a - b,
                    "Div": a // b if a.dtype.kind in "iu" else a / b}[op]
        if op == "Transpose":
            return np.transpose(values[0], list(attrs["perm"].ints) if "perm" in attrs
                                else None)
        if op == "Reshape":
            return np.reshape(values[0], [int(d) for d in values[1]])
        if op == "Squeeze":
            return np.squeeze(values[0])
    except Exception:  # malformed shape math: the op that uses it reports what it needs
        return None
    return None


def _slice(data: Any, starts: Any, ends: Any, axes: Any = None, steps: Any = None) -> Any:
    """ONNX Slice on a small constant array."""
    index = [slice(None)] * data.ndim
    axes = list(axes) if axes is not None else list(range(len(starts)))
    steps = list(steps) if steps is not None else [1] * len(starts)
    try:
        for a, b, e, st in zip(axes, starts, ends, steps):
            big = 2**62
            b, e = int(b), int(e)
            index[int(a)] = slice(None if abs(b) >= big else b, None if abs(e) >= big else e,
                                  int(st))
        return data[tuple(index)]
    except Exception:
        return None
