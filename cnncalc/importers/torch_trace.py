"""A built PyTorch module as a list of cnncalc rows, by torch.fx (or forward hooks).

torch.fx records every module call and every functional call (``F.relu``, ``torch.cat``,
``x + y``) of ``forward`` with the module path it happens in; ``ShapeProp`` then runs the
graph on a meta-device input, so every call knows its shapes at no cost. Each call becomes a
``Traced`` row named by its module path (``layer1.0.conv1``), or, for a function, by the
module it runs in plus the function (``layer1.0.add``). A call outside ``torch_ops``' table
is refused with its path and op.

Where fx cannot trace (``forward`` branches on a tensor's value, calls something fx cannot
proxy), forward hooks on the leaf modules see the modules run in order and, by tensor
identity, which module's output each one reads; functional calls in between are invisible to
hooks, so that fallback says so in its note and writes only what it saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnCalcError, clean, quote
from .torch_ops import (
    PASS,
    TENSOR,
    Call,
    Row,
    Unsupported,
    function_converter,
    is_leaf,
    module_converter,
)

INPUT = -1
"""The producer index of the network input."""


@dataclass
class Traced:
    """One row: where it is in the module tree, what it is, which rows it reads."""

    path: list[str]                  # module path components, the row's own name last
    row: Row
    inputs: list[int]                # producer row indices, INPUT for the network input
    shape: tuple[int, ...]           # output shape, batch axis first
    output: bool = False             # a side output of the network
    functional: bool = False         # a function's row, named after its module's path


@dataclass
class Trace:
    rows: list[Traced]
    main: int                        # the row whose output is the network's main output
    note: str | None = None          # said once on stderr (the hooks fallback)
    unused: list[tuple[str, int]] = field(default_factory=list)   # (module, params) never run


def trace(model: Any, input_shape: tuple[int, ...], label: str) -> Trace:
    """Rows of ``model`` run on a ``[1, *input_shape]`` meta tensor."""
    import torch
    import torch.fx

    if module_converter(model) is not None and not list(model.children()):
        # a bare layer (nn.Conv2d(3, 4, 3)): fx would trace into its forward; one row
        result = trace(torch.nn.Sequential(model), input_shape, label)
        for row in result.rows:
            row.path = [type(model).__name__.lower()]
        return result
    try:
        tracer = _Tracer()
        tracer.record_stack_traces = True    # so that a refused call names its source line
        graph_module = torch.fx.GraphModule(model, tracer.trace(model))
    except Exception as exc:  # noqa: BLE001 - fx raises many kinds; all mean "cannot trace"
        lines = str(exc).splitlines()
        reason = f"{type(exc).__name__}: {clean(lines[0]) if lines else ''}"
        result = _hooks(model, input_shape, label)
        _refuse_shared(model, result, label)
        result.note = (f"torch.fx cannot trace {label} ({reason[:160]}); read it with forward "
                       "hooks instead: functional calls between modules (adds, "
                       "concatenations, reshapes) are not seen")
        return result
    _propagate(graph_module, input_shape, label)
    result = _from_graph(graph_module, label)
    called = {node.target for node in graph_module.graph.nodes if node.op == "call_module"}
    direct = {node.target for node in graph_module.graph.nodes if node.op == "get_attr"}
    result.unused = _unused(model, called, direct)
    return result


def _tracer_class() -> Any:
    import torch.fx

    class Tracer(torch.fx.Tracer):
        """fx's tracer, keeping as one call the modules the table names (LayerNorm2d)."""

        def is_leaf_module(self, m: Any, module_qualified_name: str) -> bool:
            return super().is_leaf_module(m, module_qualified_name) or is_leaf(m)

    return Tracer


def _Tracer() -> Any:  # noqa: N802 - stands for the class, built where torch is imported
    return _tracer_class()()


def _meta_input(input_shape: tuple[int, ...]) -> Any:
    import torch

    return torch.empty(1, *input_shape, device="meta")


def _propagate(graph_module: Any, input_shape: tuple[int, ...], label: str) -> None:
    import contextlib
    import io

    from torch.fx.passes.shape_prop import ShapeProp

    try:   # ShapeProp prints a traceback of its own before raising: keep it off stderr
        with contextlib.redirect_stderr(io.StringIO()):
            ShapeProp(graph_module).propagate(_meta_input(input_shape))
    except Exception as exc:  # noqa: BLE001 - the user's forward may raise anything
        found = re.search(r"node=%(\w+)", str(exc))
        nodes = {n.name: n for n in graph_module.graph.nodes}
        node = nodes.get(found.group(1)) if found else None
        where = ""
        if node is not None and node.op == "call_module":
            module = graph_module.get_submodule(node.target)
            where = f"in {quote(node.target)} ({type(module).__name__}): "
        elif node is not None:
            where = f"in {quote('.'.join(_scope(node)) or 'forward')}: "
        raise CnnCalcError(_run_failed(label, input_shape, exc, where)) from None


def _run_failed(label: str, input_shape: tuple[int, ...], exc: BaseException,
                where: str = "") -> str:
    if exc.__cause__ is not None:     # ShapeProp wraps what the module raised
        exc = exc.__cause__
    text = str(exc).splitlines()
    first = clean(text[0])[:240] if text else ""
    return (f"{label}: {where}running it on a 1x{'x'.join(map(str, input_shape))} input raised "
            f"{type(exc).__name__}: {first} (the input shape is --input C,H,W; the model runs on "
            "the meta device, where tensors have shapes but no values)")


def _tensor_shape(node: Any) -> tuple[int, ...] | None:
    from torch.fx.passes.shape_prop import TensorMetadata

    meta = node.meta.get("tensor_meta")
    return tuple(int(s) for s in meta.shape) if isinstance(meta, TensorMetadata) else None


def _scope(node: Any) -> list[str]:
    """The module path a functional call happens in (empty at the top)."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return []
    path = list(stack.values())[-1][0]
    return path.split(".") if path else []


def _op_name(node: Any) -> str:
    target = node.target
    name = target if isinstance(target, str) else getattr(target, "__name__", "op")
    return name.strip("_") or "op"


def _from_graph(graph_module: Any, label: str) -> Trace:
    rows: list[Traced] = []
    produced: dict[Any, int] = {}     # fx node -> row index (or INPUT)
    ran: set[str] = set()             # call_module targets already written (shared weights)
    params: set[Any] = set()
    placeholder_seen = False
    outputs: list[Any] = []
    pieces: dict[Any, tuple[Any, int]] = {}          # x.chunk(n, 1) node -> (its input, n)
    pending: dict[Any, tuple[str, Any, int]] = {}    # a channel shuffle's steps, see _special
    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            if placeholder_seen:
                if node.users:
                    raise CnnCalcError(f"{label}: forward takes a second input "
                                       f"{quote(node.name)}; cnncalc specs have one input")
                continue
            placeholder_seen = True
            produced[node] = INPUT
            continue
        if node.op == "get_attr":
            params.add(node)
            continue
        if node.op == "output":
            outputs = _flat_nodes(node.args[0])
            for out in outputs:
                if out in pending or out in pieces:
                    raise _refuse(label, node, graph_module, "returns a step of a channel "
                                  "shuffle or the pieces of a chunk")
            continue
        shape = _tensor_shape(node)
        tensor_args = [a for a in _flat_nodes((node.args, node.kwargs))]
        special = _special(node, graph_module, label, tensor_args, params, produced, pieces,
                           pending, rows, shape)
        if special:
            continue
        for arg in tensor_args:
            if arg in params:
                raise _refuse(label, node, graph_module, f"uses the parameter or buffer "
                              f"{quote(arg.target)} directly (not through a module)")
        if shape is None:
            if any(a in produced for a in tensor_args) and node.op == "call_module":
                raise _refuse(label, node, graph_module, "returns something other than one tensor")
            continue                  # x.size(0), a tuple index of sizes, ...: no row
        feeding = [a for a in tensor_args if a in produced]
        if not feeding and not any(_tensor_shape(a) for a in tensor_args):
            raise _refuse(label, node, graph_module, "makes a new tensor from nothing it reads")
        call = _call(node, graph_module, feeding)
        try:
            result = _convert(node, graph_module, call)
        except Unsupported as exc:
            raise _refuse(label, node, graph_module, str(exc)) from None
        if result is PASS:
            produced[node] = produced[feeding[0]]
            continue
        assert isinstance(result, Row)
        inputs = [produced[a] for a in feeding] if result.merge else [produced[feeding[0]]]
        if node.op == "call_module":
            if node.target in ran and _state(graph_module.get_submodule(node.target)):
                raise _refuse(label, node, graph_module, _SHARED)
            ran.add(node.target)
            path = str(node.target).split(".")
        else:
            path = [*_scope(node), _op_name(node)]
        rows.append(Traced(path, result, inputs, shape, functional=node.op != "call_module"))
        produced[node] = len(rows) - 1
    if not rows:
        raise CnnCalcError(f"{label}: forward does nothing cnncalc can count (no layer runs)")
    tensors = [produced[o] for o in outputs if o in produced and produced[o] != INPUT]
    if not tensors:
        raise CnnCalcError(f"{label}: forward returns no tensor that a layer made")
    main = tensors[0]
    for index in tensors[1:]:
        rows[index].output = True
    _name_wrappers(rows)
    return Trace(rows, main)


_CHUNK = {"chunk"}
_SAME = {"contiguous", "clone"}
_VIEW = {"view", "reshape"}


def _target_name(node: Any) -> str:
    target = node.target
    return target if isinstance(target, str) else getattr(target, "__name__", "")


def _special(node: Any, graph_module: Any, label: str, tensor_args: list[Any], params: set[Any],
             produced: dict[Any, int], pieces: dict[Any, tuple[Any, int]],
             pending: dict[Any, tuple[str, Any, int]], rows: list[Traced],
             shape: tuple[int, ...] | None) -> bool:
    """The calls that are one row only together with their neighbours, or none; True when
    ``node`` was handled here.

    - ``x.chunk(n, dim=1)`` gives a tuple, and each ``pieces[k]`` read becomes a ``chunk``
      row ``{chunks: n, index: k}`` (one per consumer, as a spec writes ShuffleNetV2).
    - ``x.view(N, g, C // g, H, W)``, ``transpose(1, 2)``, (``contiguous()``),
      ``view(N, C, H, W)``: the channel shuffle, one ``channel_shuffle`` row of ``g`` groups.
      The steps wait in ``pending``; a split view read by anything else is written then as
      the reshape it is, a transposed one is refused.
    - ``parameter * x`` where the parameter is (C, 1, ..., 1) (ConvNeXt's gamma): a
      ``layer_scale`` row, counting the C parameters.
    """
    import operator

    import torch

    name = _target_name(node)
    fed = [a for a in tensor_args if a in produced or a in pending or a in pieces]
    for arg in fed:
        if arg in pieces and not (node.target is operator.getitem and node.args[0] is arg
                                  and isinstance(node.args[1], int)):
            raise _refuse(label, node, graph_module, "reads the pieces of a chunk other than "
                          "one by one (pieces[k])")
    if node.target is operator.getitem and fed and fed[0] in pieces:
        source, chunks = pieces[fed[0]]
        index = node.args[1]
        if index < 0:                 # from the end of the pieces torch made
            made = fed[0].meta.get("tensor_meta")
            index += len(made) if isinstance(made, (tuple, list)) else chunks
        path = [*_scope(node), "chunk"]
        rows.append(Traced(path, Row("chunk", {"chunks": chunks, "index": index}),
                           [produced[source]], shape or (), functional=True))
        produced[node] = len(rows) - 1
        return True
    if _vit_step(node, graph_module, label, tensor_args, params, produced, rows, shape):
        return True
    source = fed[0] if len(fed) == 1 else None
    if shape is not None and source is not None and source in pending:
        step, origin, groups = pending[source]
        if step == "split" and name == "transpose" and _swaps(node, 1, 2, len(shape)):
            pending[node] = ("shuffled", origin, groups)
            return True
        if step == "shuffled" and name in _SAME:
            pending[node] = pending[source]
            return True
        if step == "shuffled" and name in _VIEW | {"flatten"} \
                and shape == _tensor_shape(origin):
            path = [*_scope(node), "channel_shuffle"]
            rows.append(Traced(path, Row("channel_shuffle", {"groups": groups}),
                               [produced[origin]], shape, functional=True))
            produced[node] = len(rows) - 1
            return True
    for arg in fed:                   # read otherwise: a split is the reshape it is
        if arg not in pending:
            continue
        step, origin, groups = pending.pop(arg)
        if step == "shuffled":
            raise _refuse(label, node, graph_module, "reads channel groups swapped by a "
                          "transpose other than as a view back to the channels (the channel "
                          "shuffle)")
        split_shape = _tensor_shape(arg) or ()
        rows.append(Traced([*_scope(arg), "reshape"],
                           Row("reshape", {"shape": list(split_shape[1:])}),
                           [produced[origin]], split_shape, functional=True))
        produced[arg] = len(rows) - 1
    if node.op in ("call_method", "call_function") and name in _CHUNK and fed \
            and fed[0] in produced:
        in_shape = _tensor_shape(fed[0])
        chunks = node.args[1] if len(node.args) > 1 else node.kwargs.get("chunks")
        dim = node.args[2] if len(node.args) > 2 else node.kwargs.get("dim", 0)
        if in_shape is None or not isinstance(chunks, int) or not isinstance(dim, int):
            raise _refuse(label, node, graph_module, "a chunk cnncalc cannot read")
        if dim % len(in_shape) != 1:
            raise _refuse(label, node, graph_module, f"a chunk along axis {dim} (cnncalc's "
                          "chunk splits the channels, axis 1)")
        pieces[node] = (fed[0], chunks)
        return True
    if shape is None:
        return False
    if source is not None and source in produced and name in _VIEW \
            and node.op in ("call_method", "call_function"):
        in_shape = _tensor_shape(source)
        if in_shape is not None and len(shape) == len(in_shape) + 1 and len(in_shape) >= 3 \
                and shape[0] == in_shape[0] and shape[3:] == in_shape[2:] \
                and shape[1] * shape[2] == in_shape[1] and shape[1] > 1:
            pending[node] = ("split", source, shape[1])
            return True
    if name in ("mul", "mul_", "imul") and len(tensor_args) == 2 and len(fed) == 1 \
            and any(a in params for a in tensor_args):
        param_node = next(a for a in tensor_args if a in params)
        try:
            value = graph_module.get_parameter(str(param_node.target))
        except AttributeError:        # a buffer, not a learned scale
            value = None
        in_shape = _tensor_shape(fed[0])
        if isinstance(value, torch.nn.Parameter) and in_shape is not None \
                and len(in_shape) >= 2 and tuple(value.shape) == (in_shape[1],) + (1,) * (
                    len(in_shape) - 2) and fed[0] in produced:
            path = [*_scope(node), str(param_node.target).rpartition(".")[2]]
            rows.append(Traced(path, Row("layer_scale"), [produced[fed[0]]], shape,
                               functional=True))
            produced[node] = len(rows) - 1
            return True
    return False


def _vit_step(node: Any, graph_module: Any, label: str, tensor_args: list[Any],
              params: set[Any], produced: dict[Any, int], rows: list[Traced],
              shape: tuple[int, ...] | None) -> bool:
    """The Vision Transformer's calls (torchvision's VisionTransformer); True when handled.

    - ``self_attention(x, x, x, need_weights=False)``: nn.MultiheadAttention returns a tuple;
      its row is written at the call (``torch_ops`` converts the module) and ``[0]`` reads it;
      the attention weights ``[1]`` may only go unread.
    - ``self.class_token.expand(n, -1, -1)`` then ``torch.cat([token, x], dim=1)``: a
      ``class_token`` row (the (1, 1, E) parameter, E parameters).
    - ``x + self.pos_embedding`` with a (1, *sample) parameter: a ``pos_embedding`` row.
    """
    import operator

    import torch

    def param(n: Any) -> Any:
        try:
            return graph_module.get_parameter(str(n.target)) if n in params else None
        except AttributeError:        # a buffer
            return None

    def add(path: list[str], row: Row, source: Any, out: tuple[int, ...], functional: bool):
        rows.append(Traced(path, row, [produced[source]], out, functional=functional))
        produced[node] = len(rows) - 1

    if node.op == "call_module" and isinstance(graph_module.get_submodule(node.target),
                                               torch.nn.MultiheadAttention):
        given = dict(zip(("query", "key", "value"), node.args))
        given.update({k: v for k, v in node.kwargs.items() if k in ("query", "key", "value")})
        rest = {k: v for k, v in node.kwargs.items() if k not in ("query", "key", "value")}
        query = given.get("query")
        masked = len(node.args) > 4 or any(v is not None and v is not False for k, v in
                                           rest.items() if k != "need_weights")
        if len({id(v) for v in given.values()}) != 1 or len(given) != 3 \
                or query not in produced or masked:
            raise _refuse(label, node, graph_module, "attention other than self-attention "
                          "without a mask (query, key and value one tensor)")
        in_shape = _tensor_shape(query) or ()
        call = _call(node, graph_module, [query])
        call.out_shape = in_shape
        try:
            result = _convert(node, graph_module, call)
        except Unsupported as exc:
            raise _refuse(label, node, graph_module, str(exc)) from None
        add(str(node.target).split("."), result, query, in_shape, False)
        return True
    if node.target is operator.getitem and isinstance(node.args[0], torch.fx.Node) \
            and node.args[0].op == "call_module" and isinstance(
                graph_module.get_submodule(node.args[0].target), torch.nn.MultiheadAttention):
        if node.args[1] == 0:
            produced[node] = produced[node.args[0]]
        elif node.users:
            raise _refuse(label, node, graph_module, "reads the attention weights")
        return True
    if node.op == "call_method" and node.target == "expand" and node.args \
            and param(node.args[0]) is not None:
        params.add(node)              # the token, read by the cat that prepends it
        return True
    name = _target_name(node)
    if name in ("cat", "concat", "concatenate") and shape is not None and len(tensor_args) == 2:
        token, x = tensor_args
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        value = param(token.args[0]) if token in params and token.op == "call_method" else None
        if value is not None and x in produced and dim in (1, -2) and len(shape) == 3 \
                and tuple(value.shape) == (1, 1, shape[2]):
            name = str(token.args[0].target).rpartition(".")[2]
            add([*_scope(node), name], Row("class_token"), x, shape, True)
            return True
    if node.target in (operator.add, operator.iadd, torch.add) and shape is not None \
            and len(tensor_args) == 2 and len(node.args) == 2:
        pos = next((a for a in tensor_args if param(a) is not None), None)
        x = next((a for a in tensor_args if a in produced), None)
        if pos is not None and x is not None and \
                tuple(param(pos).shape) == (1, *(_tensor_shape(x) or ())[1:]) == (1, *shape[1:]):
            name = str(pos.target).rpartition(".")[2]
            add([*_scope(node), name], Row("pos_embedding"), x, shape, True)
            return True
    return False


def _swaps(node: Any, first: int, second: int, rank: int) -> bool:
    """Whether a transpose node swaps axes ``first`` and ``second``."""
    dims = [a for a in (*node.args[1:], *node.kwargs.values()) if isinstance(a, int)]
    return len(dims) == 2 and sorted(d % rank for d in dims) == [first, second]


def _name_wrappers(rows: list[Traced]) -> None:
    """A module whose forward is one functional call (torchvision's ``StochasticDepth``)
    gives its row its own path: ``features.1.0.stochastic_depth``, not that path twice."""
    counts: dict[tuple[str, ...], int] = {}
    for row in rows:
        for i in range(1, len(row.path)):
            counts[tuple(row.path[:i])] = counts.get(tuple(row.path[:i]), 0) + 1
    for row in rows:
        scope = tuple(row.path[:-1])
        if row.functional and scope and counts.get(scope) == 1:
            row.path = list(scope)


def _flat_nodes(value: Any) -> list[Any]:
    """Every fx Node in a nest of tuples, lists and dicts, in order, without repeats."""
    import torch.fx

    found: list[Any] = []

    def walk(v: Any) -> None:
        if isinstance(v, torch.fx.Node):
            if v not in found:
                found.append(v)
        elif isinstance(v, (tuple, list)):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)

    walk(value)
    return found


def _call(node: Any, graph_module: Any, feeding: list[Any]) -> Call:
    """The call at ``node`` with its arguments bound to names and its shapes."""
    import torch.fx

    def plain(v: Any) -> Any:
        if isinstance(v, torch.fx.Node):
            return TENSOR if _tensor_shape(v) is not None else v
        if isinstance(v, (tuple, list)):
            return type(v)(plain(i) for i in v)
        return v

    bound: dict[str, Any] = {}
    module = None
    if node.op == "call_module":
        module = graph_module.get_submodule(node.target)
    else:
        entry = function_converter(node.target)
        names = entry[0] if entry else ()
        for i, arg in enumerate(node.args):
            bound[names[i] if i < len(names) else f"arg{i}"] = plain(arg)
        bound.update({k: plain(v) for k, v in node.kwargs.items()})
        if node.op == "call_method" and node.target in ("view", "reshape") and len(node.args) > 2:
            bound["shape"] = plain(node.args[1:])
        if node.op == "call_method" and node.target == "permute" and len(node.args) > 2:
            bound["dims"] = plain(node.args[1:])
    in_shapes = [s for s in (_tensor_shape(a) for a in feeding) if s is not None]
    return Call(module, bound, feeding, in_shapes, _tensor_shape(node) or ())


def _convert(node: Any, graph_module: Any, call: Call) -> Any:
    if node.op == "call_module":
        convert = module_converter(call.module)
        if convert is None:
            raise Unsupported("cnncalc has no kind for it")
        return convert(call)
    entry = function_converter(node.target)
    if entry is None:
        raise Unsupported("cnncalc has no kind for it")
    return entry[1](call)


_SHARED = ("it runs a second time with the same parameters (shared weights), and every row "
           "of a cnncalc spec has its own: the count would be wrong (give each use its own "
           "module, or count the shared one once by hand)")


def _state(module: Any) -> int:
    """The parameters and float buffers a module holds: what a second run would count again."""
    return (sum(p.numel() for p in module.parameters())
            + sum(b.numel() for b in module.buffers() if b.is_floating_point()))


def _refuse_shared(model: Any, result: Trace, label: str) -> None:
    """The forward-hooks reading's check for a module run twice with its state (the fx
    reading checks it as it goes, naming the source line)."""
    ran: set[str] = set()
    for row in result.rows:
        if row.functional:
            continue
        path = ".".join(row.path)
        if path in ran and _state(model.get_submodule(path)):
            op = type(model.get_submodule(path)).__name__
            raise CnnCalcError(f"{label}: in {quote(path)}: unsupported op {op}: {_SHARED}")
        ran.add(path)


def _refuse(label: str, node: Any, graph_module: Any, reason: str) -> CnnCalcError:
    """One line: the module path, the op, why it cannot be written."""
    if node.op == "call_module":
        module = graph_module.get_submodule(node.target)
        where, op = str(node.target), type(module).__name__
    else:
        where = ".".join(_scope(node)) or "forward"
        target = node.target
        op = target if isinstance(target, str) else (
            f"{getattr(target, '__module__', None) or ''}.{getattr(target, '__name__', target)}"
            .lstrip("."))
        op = f"x.{op}()" if node.op == "call_method" else f"{op}()"
    return CnnCalcError(f"{label}: {_source_line(node)}in {quote(where)}: unsupported op "
                        f"{clean(op)}: {reason}")


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _source_line(node: Any) -> str:
    """``file.py:14: `` where the refused call is written (the innermost frame fx kept)."""
    import os

    import torch

    inside = os.path.dirname(torch.__file__) + os.sep
    frames = [(f, n) for f, n in _FRAME.findall(node.stack_trace or "")
              if not f.startswith(inside)]
    if not frames:
        return ""
    path = frames[-1][0]
    relative = os.path.relpath(path) if not path.startswith("<") else path
    shown = relative if not relative.startswith("..") else path
    return f"{clean(shown)}:{frames[-1][1]}: "


def _unused(model: Any, called: set[str], direct: frozenset[str] | set[str] = frozenset()
            ) -> list[tuple[str, int]]:
    """Modules holding parameters that forward never calls (auxiliary heads in eval mode).

    A parameter ``forward`` reads itself (``direct``: ConvNeXt's layer scale) is used. Each
    module is given at the highest path whose parameters are all unused."""
    owners: dict[str, int] = {}
    used_paths: set[str] = set()
    for name, param in model.named_parameters():
        owner = name.rpartition(".")[0]
        if name in direct or any(owner == c or owner.startswith(c + ".") for c in called):
            used_paths.add(owner)
        else:
            owners[owner] = owners.get(owner, 0) + param.numel()
    tops: dict[str, int] = {}
    for owner, count in owners.items():
        parts = owner.split(".")
        top = owner
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            if not any(u == prefix or u.startswith(prefix + ".") for u in used_paths):
                top = prefix
                break
        tops[top] = tops.get(top, 0) + count
    return sorted(tops.items())


def _hooks(model: Any, input_shape: tuple[int, ...], label: str) -> Trace:
    """The leaf modules in the order they run, each reading the output it was given."""
    import torch

    rows: list[Traced] = []
    produced: dict[int, int] = {}     # id(tensor) -> row
    keep: list[Any] = []              # tensors kept alive so their ids stay theirs
    failure: list[CnnCalcError] = []
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children())]

    def hook(name: str, module: Any) -> Any:
        def record(_module: Any, args: tuple, output: Any) -> None:
            if failure:
                return
            tensors = [a for a in args if isinstance(a, torch.Tensor)]
            if not tensors or not isinstance(output, torch.Tensor):
                failure.append(CnnCalcError(f"{label}: in {quote(name)}: {type(module).__name__} "
                                            "does not map one tensor to one tensor"))
                return
            source = produced.get(id(tensors[0]))
            shapes = [tuple(t.shape) for t in tensors]
            last_shape = rows[-1].shape if rows else (1, *input_shape)
            if source is None and shapes[0] != ((1, *input_shape) if not rows else last_shape):
                source = _reshaped(rows, shapes[0], last_shape, name,
                                   f"{label}: in {quote(name)}", failure)
            call = Call(module, {}, tensors, shapes, tuple(output.shape))
            convert = module_converter(module)
            try:
                if convert is None:
                    raise Unsupported("cnncalc has no kind for it")
                result = convert(call)
            except Unsupported as exc:
                failure.append(CnnCalcError(f"{label}: in {quote(name)}: unsupported op "
                                            f"{type(module).__name__}: {exc}"))
                return
            if result is PASS:
                return
            inputs = [len(rows) - 1 if source is None else source]
            rows.append(Traced(name.split("."), result, inputs, tuple(output.shape)))
            produced[id(output)] = len(rows) - 1
            keep.append(output)
        return record

    handles = [m.register_forward_hook(hook(name, m)) for name, m in leaves]
    try:
        x = _meta_input(input_shape)
        produced[id(x)] = INPUT
        keep.append(x)
        with torch.no_grad():
            model(x)
    except CnnCalcError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's forward may raise anything
        raise CnnCalcError(_run_failed(label, input_shape, exc)) from None
    finally:
        for handle in handles:
            handle.remove()
    if failure:
        raise failure[0]
    if not rows:
        raise CnnCalcError(f"{label}: forward does nothing cnncalc can count (no layer runs)")
    called = {".".join(r.path) for r in rows}
    return Trace(rows, len(rows) - 1, unused=_unused(model, called))


def _reshaped(rows: list[Traced], want: tuple[int, ...], have: tuple[int, ...], name: str,
              where: str, failure: list[CnnCalcError]) -> int | None:
    """A flatten or reshape row where a module reads an unseen reshape of the last output."""
    if want[0] != have[0] or _numel(want) != _numel(have):
        failure.append(CnnCalcError(f"{where}: it reads a {_fmt(want)} tensor that no "
                                    f"module made (the last made {_fmt(have)}); forward hooks "
                                    "cannot see the functional call in between"))
        return None
    row = Row("flatten") if len(want) == 2 else Row("reshape", {"shape": list(want[1:])})
    scope = name.split(".")[:-1]
    rows.append(Traced([*scope, "reshape"], row, [len(rows) - 1], want))
    return len(rows) - 1


def _numel(shape: tuple[int, ...]) -> int:
    total = 1
    for s in shape:
        total *= s
    return total


def _fmt(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))
