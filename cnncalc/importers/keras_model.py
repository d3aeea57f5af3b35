"""The model a Keras file builds, read by ``keras_ast``'s interpreter: which model (the last
one built that no other uses, or the one named), its input shape, and its layers in the
order Keras itself lists them."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from ..errors import SourcePos
from .keras_ast import (
    MAX_BYTES,
    MAX_INT,
    FunctionalModel,
    GraphNode,
    KerasImportError,
    Layer,
    Reader,
    SequentialModel,
    Tensor,
    Unknown,
    _describe,
    _Return,
    builtins_env,
)


@dataclass
class ReadModel:
    """What was read: the graph nodes of the chosen model in order (the input first), its
    input shape (channels last, as Keras writes it) and its outputs."""

    name: str
    kind: str
    nodes: list[GraphNode]
    input_shape: tuple[int, ...]
    input_node: ast.AST
    functional: bool
    outputs: list[int]


def parse(text: str, filename: str) -> ast.Module:
    if len(text) > MAX_BYTES:
        raise KerasImportError(f"the file is {len(text):,} characters long; the limit is "
                               f"{MAX_BYTES:,}", SourcePos(filename, 1, 1))
    try:
        return ast.parse(text, filename)
    except SyntaxError as exc:
        line, col = exc.lineno or 1, exc.offset or 1
        raise KerasImportError(f"Python syntax error: {exc.msg}",
                               SourcePos(filename, line, col)) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        why = "nested too deeply" if isinstance(exc, (RecursionError, MemoryError)) else exc
        raise KerasImportError(f"cannot parse the file as Python: {why}",
                               SourcePos(filename, 1, 1)) from None


def read_model(text: str, filename: str, model: str | None = None,
               input_shape: tuple[int, ...] | None = None) -> ReadModel:
    """Interpret the file and pick its model: the one named ``model``, or else the last model
    built that no other model uses as a layer."""
    tree = parse(text, filename)
    reader = Reader(filename)
    env = builtins_env()
    try:
        reader.block(tree.body, env)
    except _Return:
        raise reader.error(tree, "'return' outside a function") from None
    except RecursionError:
        raise reader.error(tree, "the code nests too deeply to read") from None
    chosen = _choose(reader, env, filename, model)
    if isinstance(chosen, SequentialModel):
        return _sequential_graph(reader, chosen, input_shape)
    return _functional_graph(reader, chosen, input_shape)


def _choose(reader: Reader, env, filename: str, wanted: str | None):  # noqa: ANN001
    top = SourcePos(filename, 1, 1)
    if wanted is not None:
        try:
            value = env.get(wanted)
        except KeyError:
            raise KerasImportError(f"no name '{wanted}' at the top level of the file",
                                   top) from None
        if isinstance(value, Unknown):
            reader.need(value, value.node, f"model '{wanted}'")
        if not isinstance(value, (SequentialModel, FunctionalModel)):
            raise KerasImportError(f"'{wanted}' is {_describe(value)}, not a Keras model", top)
        return value
    candidates = [m for m in reader.models if not m.used_inside]
    if not candidates:
        if reader.subclassed is not None:
            raise reader.error(reader.subclassed, f"class '{reader.subclassed.name}' subclasses "
                                                  "a Keras class; cnncalc reads Sequential and "
                                                  "functional models only, not subclassed ones")
        raise KerasImportError("no Keras model found: cnncalc reads keras.Sequential([...]), "
                               "model.add(...) and keras.Model(inputs, outputs)", top)
    return candidates[-1]


def _input_from(reader: Reader, layer: Layer, override: tuple[int, ...] | None) -> tuple:
    if override is not None:
        return override
    shape = layer.args.get("shape")
    batch_shape = layer.args.get("batch_shape", layer.args.get("batch_input_shape"))
    if shape is None and batch_shape is not None:
        batch_shape = reader.need(batch_shape, layer.node, "the input's batch_shape")
        shape = tuple(batch_shape)[1:] if isinstance(batch_shape, (list, tuple)) else None
    if shape is None:
        shape = layer.args.get("input_shape")
    return _check_shape(reader, shape, layer.node)


def _check_shape(reader: Reader, shape: Any, node: ast.AST) -> tuple[int, ...]:
    shape = reader.need(shape, node, "the input shape")
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (list, tuple)) or not 1 <= len(shape) <= 4:
        raise reader.error(node, f"the input shape must be 1 to 4 sizes without the batch "
                                 f"axis, got {shape!r}"[:200])
    if any(s is None for s in shape):
        raise reader.error(node, f"the input shape {_tuple(shape)} has a size left open "
                                 "(None); give it with --input, e.g. --input 180,180,3")
    if not all(isinstance(s, int) and not isinstance(s, bool) and 0 < s <= MAX_INT
               for s in shape):
        raise reader.error(node, f"the input shape {_tuple(shape)} must be positive whole "
                                 "numbers")
    return tuple(shape)


def _tuple(shape: Any) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _sequential_graph(reader: Reader, model: SequentialModel,
                      override: tuple[int, ...] | None) -> ReadModel:
    if model.poisoned is not None:
        reader.need(model.poisoned, model.node, f"the layers of '{model.name}'")
    input_layer = None
    for item, where in model.items:
        item = reader.need(item, where, f"a layer of '{model.name}'")
        if isinstance(item, Tensor) and reader.nodes[item.index].layer.cls == "InputLayer":
            input_layer = reader.nodes[item.index].layer
        break
    items = reader.sequential_items(model)
    shape: tuple[int, ...] | None = None
    shape_node: ast.AST = model.node
    if override is not None:
        shape = override
    elif input_layer is not None:
        shape, shape_node = _input_from(reader, input_layer, None), input_layer.node
    elif items and any(k in items[0][0].args for k in ("input_shape", "batch_input_shape",
                                                       "input_dim")):
        first = items[0][0]
        if "input_dim" in first.args:
            shape = _check_shape(reader, first.args["input_dim"], first.node)
        else:
            shape = _input_from(reader, first, None)
        shape_node = first.node
    elif model.build_shape is not None:
        value, where = model.build_shape
        value = reader.need(value, where, "the shape given to build()")
        if not isinstance(value, (list, tuple)) or len(value) < 2:
            raise reader.error(where, "build() takes the input shape with its batch axis, "
                                      "e.g. (None, 180, 180, 3)")
        shape, shape_node = _check_shape(reader, tuple(value)[1:], where), where
    if shape is None:
        raise reader.error(model.node, f"Sequential '{model.name}' never gives its input shape "
                                       "(keras.Input(shape=...) first, input_shape= on the "
                                       "first layer, or model.build(...)); give it with "
                                       "--input, e.g. --input 28,28,1")
    if not items:
        raise reader.error(model.node, f"Sequential '{model.name}' has no layers")
    reader.nodes = []  # the Sequential's own graph, rebuilt in order
    for layer, _ in items:
        if isinstance(layer, Layer):
            layer.applied = False
        else:
            layer.used_inside = False
    x = reader.new_node(Layer("InputLayer", {"shape": shape}, "input", model.node), [],
                        model.node)
    for layer, where in items:
        x = reader.apply(layer, [x], where) if isinstance(layer, Layer) else \
            reader.apply_model(layer, x, where)
    return ReadModel(model.name, "Sequential", reader.nodes, shape, shape_node, False,
                     [x.index])


def _functional_graph(reader: Reader, model: FunctionalModel,
                      override: tuple[int, ...] | None) -> ReadModel:
    if len(model.inputs) != 1:
        raise reader.error(model.node, f"model '{model.name}' has {len(model.inputs)} inputs; "
                                       "a cnncalc spec has one")
    start = model.inputs[0].index
    first = reader.nodes[start]
    if first.layer.cls != "InputLayer":
        raise reader.error(model.node, f"the input of model '{model.name}' is not a "
                                       "keras.Input(...)")
    needed: set[int] = set()
    stack = [t.index for t in model.outputs]
    while stack:
        i = stack.pop()
        if i in needed:
            continue
        needed.add(i)
        if i != start:
            if not reader.nodes[i].inputs:
                raise reader.error(reader.nodes[i].layer.node,
                                   f"'{reader.nodes[i].layer.name}' is an input the model "
                                   "does not list; a cnncalc spec has one input")
            stack.extend(reader.nodes[i].inputs)
    shape = _input_from(reader, first.layer, override)
    kept = keras_order([n for n in reader.nodes if n.index in needed],
                       [t.index for t in model.outputs])
    return ReadModel(model.name, "Functional", kept, shape, first.layer.node, True,
                     [t.index for t in model.outputs])


def keras_order(nodes: list[GraphNode], outputs: list[int]) -> list[GraphNode]:
    """The nodes in the order Keras lists a functional model's layers (``map_graph`` in
    ``keras/src/ops/function.py``): by depth (the longest path to an output) from the
    deepest, ties broken by the order a depth-first walk from the outputs first meets them.
    A nested model is one operation there, so its nodes move together."""
    by_index = {n.index: n for n in nodes}
    op_of: dict[int, tuple[str, int]] = {}
    members: dict[tuple[str, int], list[int]] = {}
    for n in nodes:
        key = ("group", id(n.group_node)) if n.group is not None else ("node", n.index)
        op_of[n.index] = key
        members.setdefault(key, []).append(n.index)
    inputs_of: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for key, indices in members.items():
        own = set(indices)
        inputs_of[key] = [op_of[j] for i in indices for j in by_index[i].inputs
                          if j not in own]
    first_seen: dict[tuple[str, int], int] = {}
    finished: list[tuple[str, int]] = []
    done: set[tuple[str, int]] = set()
    for out in outputs:
        start = op_of[out]
        if start in done:
            continue
        first_seen.setdefault(start, len(first_seen))
        stack = [(start, iter(inputs_of[start]))]
        while stack:
            key, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                stack.pop()
                if key not in done:
                    done.add(key)
                    finished.append(key)
                continue
            if nxt in done:
                continue
            first_seen.setdefault(nxt, len(first_seen))
            stack.append((nxt, iter(inputs_of[nxt])))
    depth: dict[tuple[str, int], int] = {}
    for key in reversed(finished):
        d = depth.setdefault(key, 0)
        for parent in inputs_of[key]:
            depth[parent] = max(depth.get(parent, 0), d + 1)
    order = sorted(finished, key=lambda k: (-depth[k], first_seen[k]))
    return [by_index[i] for key in order for i in members[key]]


__all__ = ["KerasImportError", "ReadModel", "keras_order", "parse", "read_model"]
