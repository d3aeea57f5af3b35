"""The one table from PyTorch to cnncalc kinds: which module or function becomes which row.

``MODULES`` maps a ``torch.nn`` class to a converter, ``FUNCTIONS`` maps a function (as
torch.fx records ``call_function`` targets) or a tensor method name (``call_method``) to one.
A converter gets a ``Call`` (the module or the call's bound arguments, and the shapes seen
on the meta device) and returns a ``Row`` (a cnncalc kind and its arguments, written only
where they differ from cnncalc's defaults), ``PASS`` for a call that changes nothing cnncalc
counts (``x.contiguous()``), or raises ``Unsupported`` with the reason. Adding a kind is one
entry here; whatever is not in the table is refused by the caller with the module path and
the op, never guessed.

Shapes include the batch axis (PyTorch's), the spec's exclude it: a torch ``dim`` of 1 is
the spec's axis 0 (channels).
"""

from __future__ import annotations

import importlib
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PASS = object()
"""A call the spec leaves out: its output is its input, as far as counting goes."""


class Unsupported(Exception):
    """This call cannot be written in cnncalc's kinds (the message says why)."""


@dataclass
class Call:
    """One call seen while tracing: its arguments bound to names, the shapes around it."""

    module: Any                       # the torch.nn.Module called, or None for a function
    bound: dict[str, Any]             # the call's arguments by name (tensors as TENSOR)
    tensors: list[Any]                # the tensor arguments, in order
    in_shapes: list[tuple[int, ...]]  # their shapes, batch axis first
    out_shape: tuple[int, ...]

    @property
    def rank(self) -> int:
        """Spatial axes of the first input (batch and channels excluded)."""
        return len(self.in_shapes[0]) - 2 if self.in_shapes else 0


@dataclass
class Row:
    """A cnncalc layer: kind, arguments; ``merge`` joins ``inputs`` (add/concat/multiply)."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    merge: bool = False
    inputs: list[Any] = field(default_factory=list)   # filled in by the tracer


TENSOR = object()
"""Stands for a tensor argument in ``Call.bound``."""


def _ints(value: Any) -> Any:
    """A size as the spec writes it: one int when every axis agrees, else a list."""
    if isinstance(value, (tuple, list)):
        values = [int(v) for v in value]
        return values[0] if values and all(v == values[0] for v in values) else values
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _put(args: dict[str, Any], name: str, value: Any, default: Any) -> None:
    """``args[name] = value`` unless it is cnncalc's default (keeps specs short)."""
    value = _ints(value)
    if value != default:
        args[name] = value


def _conv(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {"out_channels": m.out_channels, "kernel_size": _ints(m.kernel_size)}
    _put(args, "stride", m.stride, 1)
    _put(args, "padding", m.padding, 0)
    if getattr(m, "transposed", False):
        _put(args, "output_padding", m.output_padding, 0)
    _put(args, "dilation", m.dilation, 1)
    _put(args, "groups", m.groups, 1)
    if m.bias is None:
        args["bias"] = False
    if not getattr(m, "transposed", False):
        _put(args, "padding_mode", m.padding_mode, "zeros")
    rank = len(m.kernel_size)
    return Row(f"conv_transpose{rank}d" if m.transposed else f"conv{rank}d", args)


def _linear(call: Call) -> Row:
    """nn.Linear; on a non-flat input (ConvNeXt's channels-last MLP) it runs on the last
    axis, which cnncalc's linear does where ``in_features`` is written, so it is."""
    args: dict[str, Any] = {"out_features": call.module.out_features}
    if len(call.in_shapes[0]) != 2:
        if call.in_shapes[0][-1] != call.module.in_features:   # nn.Linear itself would raise
            raise Unsupported(f"Linear({call.module.in_features}) on a "
                              f"{_shape(call.in_shapes[0])} input")
        args["in_features"] = call.module.in_features
    if call.module.bias is None:
        args["bias"] = False
    return Row("linear", args)


def _batchnorm(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {}
    _put(args, "eps", m.eps, 1e-5)
    if m.momentum is not None:
        _put(args, "momentum", m.momentum, 0.1)
    _put(args, "affine", m.affine, True)
    _put(args, "track_running_stats", m.track_running_stats, True)
    return Row(f"batchnorm{call.rank}d" if 1 <= call.rank <= 3 else "batchnorm1d", args)


def _instancenorm(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {}
    _put(args, "eps", m.eps, 1e-5)
    _put(args, "affine", m.affine, False)
    _put(args, "track_running_stats", m.track_running_stats, False)
    return Row(f"instancenorm{max(call.rank, 1)}d", args)


def _layernorm(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {"normalized_shape": list(m.normalized_shape)}
    _put(args, "eps", m.eps, 1e-5)
    _put(args, "elementwise_affine", m.elementwise_affine, True)
    if m.elementwise_affine and m.bias is None:
        args["bias"] = False
    return Row("layernorm", args)


def _channel_layernorm(call: Call) -> Row:
    """torchvision's LayerNorm2d: nn.LayerNorm over the channels of a channels-first map
    (it permutes to channels last and back in its forward, which is why it is a leaf)."""
    m = call.module
    args: dict[str, Any] = {}
    _put(args, "eps", m.eps, 1e-5)
    _put(args, "elementwise_affine", m.elementwise_affine, True)
    if m.elementwise_affine and m.bias is None:
        args["bias"] = False
    if list(m.normalized_shape) != [call.in_shapes[0][1]]:
        raise Unsupported(f"LayerNorm2d({list(m.normalized_shape)}) on a "
                          f"{_shape(call.in_shapes[0])} input")
    return Row("channel_layernorm", args)


def _groupnorm(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {"num_groups": m.num_groups}
    _put(args, "eps", m.eps, 1e-5)
    _put(args, "affine", m.affine, True)
    return Row("groupnorm", args)


def _lrn(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {"size": m.size}
    _put(args, "alpha", m.alpha, 1e-4)
    _put(args, "beta", m.beta, 0.75)
    _put(args, "k", m.k, 1.0)
    return Row("local_response_norm", args)


def _pool(kind: str, values: dict[str, Any], rank: int) -> Row:
    """A max or average pool from its arguments (a module's attributes or a call's)."""
    if values.get("return_indices"):
        raise Unsupported("return_indices=True (a pool that also returns indices)")
    kernel = values["kernel_size"]
    args: dict[str, Any] = {"kernel_size": _ints(kernel)}
    stride = values.get("stride")
    if stride is not None and stride != [] and _ints(stride) != _ints(kernel):
        args["stride"] = _ints(stride)
    _put(args, "padding", values.get("padding", 0), 0)
    if kind == "maxpool":
        _put(args, "dilation", values.get("dilation", 1), 1)
    _put(args, "ceil_mode", bool(values.get("ceil_mode", False)), False)
    if kind == "avgpool":
        _put(args, "count_include_pad", bool(values.get("count_include_pad", True)), True)
    return Row(f"{kind}{rank}d", args)


def _module_pool(kind: str) -> Callable[[Call], Row]:
    def convert(call: Call) -> Row:
        return _pool(kind, vars(call.module), call.rank)
    return convert


def _adaptive(kind: str) -> Callable[[Call], Row]:
    def convert(call: Call) -> Row:
        size = call.module.output_size if call.module is not None else call.bound["output_size"]
        spatial = call.in_shapes[0][2:]
        if isinstance(size, (tuple, list)):
            size = [spatial[i] if s is None else s for i, s in enumerate(size)]
        return Row(f"{kind}{call.rank}d", {"output_size": _ints(size)})
    return convert


def _simple(kind: str, **names: str) -> Callable[[Call], Row]:
    """A kind whose arguments are attributes (modules) or arguments (functions) by name."""
    def convert(call: Call) -> Row:
        source = vars(call.module) if call.module is not None else call.bound
        args = {ours: _ints(source[theirs]) for ours, theirs in names.items()
                if source.get(theirs) is not None}
        return Row(kind, args)
    return convert


def _softmax(kind: str) -> Callable[[Call], Row]:
    def convert(call: Call) -> Row:
        dim = call.module.dim if call.module is not None else call.bound.get("dim")
        if dim is None:
            raise Unsupported("softmax without dim (PyTorch's implicit dim is deprecated)")
        return Row(kind, _dim_arg(call, dim, "dim", None))
    return convert


def _dim_arg(call: Call, dim: int, name: str, default: Any) -> dict[str, Any]:
    """A torch axis (batch counted) as the spec's (batch left out)."""
    rank = len(call.in_shapes[0])
    axis = dim + rank if dim < 0 else dim
    if axis == 0:
        raise Unsupported(f"{name}={dim} is the batch axis")
    return {} if axis - 1 == default else {name: axis - 1}


def _hardtanh(call: Call) -> Row:
    source = vars(call.module) if call.module is not None else call.bound
    if (source.get("min_val", -1.0), source.get("max_val", 1.0)) == (0.0, 6.0):
        return Row("relu6")
    raise Unsupported("hardtanh other than (0, 6) (ReLU6)")


def _flatten(call: Call) -> Row:
    source = vars(call.module) if call.module is not None else call.bound
    start, end = source.get("start_dim", 0), source.get("end_dim", -1)
    rank = len(call.in_shapes[0])
    if (start + rank if start < 0 else start) == 0:
        raise Unsupported("flattening the batch axis (start_dim=0)")
    args: dict[str, Any] = {}
    _put(args, "start_dim", start, 1)
    _put(args, "end_dim", end, -1)
    return Row("flatten", args)


def _reshape(call: Call) -> Row:
    """view/reshape: the shape PyTorch produced (batch kept first), as flatten or reshape."""
    shape_in, shape_out = call.in_shapes[0], call.out_shape
    if not shape_out or shape_out[0] != shape_in[0]:
        raise Unsupported(f"a reshape from {_shape(shape_in)} to {_shape(shape_out)} that "
                          "moves the batch axis")
    if len(shape_out) == 2:
        return Row("flatten")
    return Row("reshape", {"shape": list(shape_out[1:])})


def _upsample(call: Call) -> Row:
    m = call.module
    args: dict[str, Any] = {}
    if m.size is not None:
        args["size"] = _ints(m.size)
    elif m.scale_factor is not None:
        factor = _ints(m.scale_factor)
        if not all(float(f).is_integer() for f in (factor if isinstance(factor, list)
                                                   else [factor])):
            raise Unsupported(f"a fractional scale_factor {m.scale_factor}")
        args["scale_factor"] = _ints(factor)
    _put(args, "mode", m.mode, "nearest")
    return Row("upsample", args)


def _zeropad(call: Call) -> Row:
    pad = call.module.padding          # torch: last axis first, (before, after) pairs
    pairs = [pad[i:i + 2] for i in range(0, len(pad), 2)][::-1]
    return Row(f"zeropad{len(pairs)}d", {"padding": [int(v) for p in pairs for v in p]})


def _binary(merge_kind: str) -> Callable[[Call], Row]:
    """a + b, a * b: a merge of two tensors, or a rescaling by a constant."""
    def convert(call: Call) -> Row:
        consts = [v for k, v in call.bound.items() if k in ("input", "other") and v is not TENSOR]
        if len(call.tensors) >= 2 and not consts:
            if merge_kind == "add" and len({tuple(s) for s in call.in_shapes}) > 1:
                shapes = " and ".join(map(_shape, call.in_shapes))
                raise Unsupported(f"an add that broadcasts {shapes}")
            return Row(merge_kind, merge=True)
        if len(call.tensors) == 1 and len(consts) == 1 and isinstance(consts[0], (int, float)) \
                and not isinstance(consts[0], bool):
            if call.bound.get("alpha", 1) != 1:
                raise Unsupported("add with alpha")
            value = float(consts[0])
            return Row("rescaling", {"offset": value} if merge_kind == "add" else {"scale": value})
        raise Unsupported(f"{merge_kind} of {consts or 'these arguments'}")
    return convert


def _divide(call: Call) -> Row:
    other = call.bound.get("other")
    if call.bound.get("input") is TENSOR and isinstance(other, (int, float)) and other:
        return Row("rescaling", {"scale": 1.0 / float(other)})
    raise Unsupported("a division other than by a constant")


def _cat(call: Call) -> Row | object:
    if len(call.tensors) == 1 and len(call.bound.get("tensors") or ()) == 1:
        return PASS                   # torch.cat([x]) is x (DenseNet's first layer)
    if len(call.tensors) < 2:
        raise Unsupported("a concatenation of fewer than two distinct tensors")
    return Row("concat", _dim_arg(call, call.bound.get("dim", 0), "dim", 0), merge=True)


def _permute(call: Call) -> Row:
    """torch.permute(x, dims), x.permute(*dims), torchvision's Permute: dims count the batch
    axis in both PyTorch and cnncalc's permute, which refuses one that moves it."""
    dims = call.bound.get("dims")
    if isinstance(dims, (tuple, list)) and len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]                # x.permute((0, 2, 3, 1))
    rank = len(call.in_shapes[0])
    if not isinstance(dims, (tuple, list)) or not all(isinstance(d, int) for d in dims) \
            or sorted(d % rank for d in dims) != list(range(rank)):
        raise Unsupported(f"a permute by {dims} of a {_shape(call.in_shapes[0])} tensor")
    dims = [d % rank for d in dims]
    if dims[0] != 0:
        raise Unsupported(f"a permute by {dims} moves the batch axis")
    return Row("permute", {"dims": dims})


def _transpose(call: Call) -> Row:
    """torch.transpose(x, a, b): the permute that swaps two axes."""
    rank = len(call.in_shapes[0])
    first, second = call.bound.get("dim0"), call.bound.get("dim1")
    if not isinstance(first, int) or not isinstance(second, int):
        raise Unsupported(f"a transpose of axes {first} and {second}")
    dims = list(range(rank))
    dims[first % rank], dims[second % rank] = dims[second % rank], dims[first % rank]
    return _permute(Call(call.module, {"dims": dims}, call.tensors, call.in_shapes,
                         call.out_shape))


def _mean(call: Call) -> Row:
    """x.mean([2, 3]): the average over every spatial axis is a global average pool."""
    dims = call.bound.get("dim")
    rank = len(call.in_shapes[0])
    dims = [dims] if isinstance(dims, int) else list(dims or ())
    if sorted(d + rank if d < 0 else d for d in dims) != list(range(2, rank)) or rank < 3:
        raise Unsupported(f"a mean over axes {dims} of a {_shape(call.in_shapes[0])} tensor "
                          "(only every spatial axis, a global average pool, is a kind)")
    return Row("global_avgpool", {"keepdims": True} if call.bound.get("keepdim") else {})


def _dropout(call: Call) -> Row:
    source = vars(call.module) if call.module is not None else call.bound
    args: dict[str, Any] = {}
    _put(args, "p", float(source.get("p", 0.5)), 0.5)
    return Row("dropout", args)


def _stochastic_depth(call: Call) -> Row:
    """torchvision.ops.stochastic_depth: the identity in eval mode, which is what is traced."""
    from ..layers import REGISTRY

    unit = REGISTRY.get("stochastic_depth")
    if unit is None:                  # no such kind yet: what eval mode computes
        return Row("identity")
    names = {a.name for a in unit.arguments}
    values = {"p": float(call.bound.get("p", 0.0)), "mode": call.bound.get("mode")}
    return Row("stochastic_depth", {k: v for k, v in values.items()
                                    if k in names and v is not None})


def _functional_pool(kind: str) -> Callable[[Call], Row]:
    def convert(call: Call) -> Row:
        return _pool(kind, call.bound, call.rank)
    return convert


def _attention(call: Call) -> Row:
    """nn.MultiheadAttention as torchvision's ViT runs it: self-attention, batch first, one
    embedding size for q, k and v (the tracer checks that query, key and value are one
    tensor and no mask is given)."""
    m = call.module
    if not m.batch_first:
        raise Unsupported("attention with batch_first=False (cnncalc's sequences are batch "
                          "first, [N, L, E])")
    if not m._qkv_same_embed_dim or m.bias_k is not None or m.add_zero_attn:
        raise Unsupported("attention with kdim/vdim, add_bias_kv or add_zero_attn")
    args: dict[str, Any] = {"num_heads": m.num_heads}
    _put(args, "bias", m.in_proj_bias is not None, True)
    _put(args, "dropout", float(m.dropout), 0.0)
    return Row("multihead_attention", args)


def _partition_attention(call: Call) -> Row:
    """torchvision's MaxViT PartitionAttentionLayer, one row: its parts are torchvision's
    fixed ones (LayerNorm, the relative-position attention, an MLP with GELU), checked here;
    the partition is the one its grid_size was built for, which must be the map's."""
    from torch import nn

    m = call.module
    norm, mlp = m.attn_layer[0], m.mlp_layer
    plain = [isinstance(n, nn.LayerNorm) and n.eps == 1e-5 and n.elementwise_affine
             and n.bias is not None for n in (norm, mlp[0])]
    if not all(plain) or type(mlp[2]) is not nn.GELU or mlp[2].approximate != "none":
        raise Unsupported("a PartitionAttentionLayer with a norm or an activation other than "
                          "nn.LayerNorm() and nn.GELU()")
    if tuple(call.in_shapes[0][2:]) != tuple(m.grid_size):
        raise Unsupported(f"a PartitionAttentionLayer built for grid_size {tuple(m.grid_size)} "
                          f"run on a {_shape(call.in_shapes[0][2:])} map")
    channels = norm.normalized_shape[0]
    args: dict[str, Any] = {"head_dim": m.head_dim,
                            "partition_size": m.p if m.partition_type == "window" else m.g,
                            "partition_type": m.partition_type}
    _put(args, "mlp_ratio", mlp[1].out_features // channels, 4)
    _put(args, "attention_dropout", float(m.attn_layer[2].p), 0.0)
    _put(args, "mlp_dropout", float(mlp[4].p), 0.0)
    _put(args, "p_stochastic_dropout", float(m.stochastic_dropout.p), 0.0)
    return Row("partition_attention", args)


def _window_attention(call: Call) -> Row:
    """torchvision's ShiftedWindowAttention (V2): one row, as its forward reads its qkv and
    proj weights and calls the fx-wrapped ``shifted_window_attention``."""
    m = call.module
    args: dict[str, Any] = {"num_heads": m.num_heads, "window_size": _ints(m.window_size)}
    _put(args, "shift_size", m.shift_size, 0)
    _put(args, "version", 2 if hasattr(m, "logit_scale") else 1, 1)
    _put(args, "qkv_bias", m.qkv.bias is not None, True)
    _put(args, "proj_bias", m.proj.bias is not None, True)
    _put(args, "attention_dropout", float(m.attention_dropout), 0.0)
    _put(args, "dropout", float(m.dropout), 0.0)
    return Row("shifted_window_attention", args)


def _select(call: Call) -> Row:
    """``x[:, 0]`` (full slices, then one integer): torch.select, as ViT takes its class
    token's output."""
    index = call.bound.get("index")
    parts = index if isinstance(index, tuple) else (index,)
    full = slice(None, None, None)
    if parts and isinstance(parts[-1], int) and not isinstance(parts[-1], bool) \
            and all(p == full for p in parts[:-1]) and len(parts) > 1:
        return Row("select", {"dim": len(parts) - 1, "index": parts[-1]})
    raise Unsupported(f"an index {index!r} other than x[:, ..., i] (one integer after full "
                      "slices)")


def _modules() -> dict[type, Callable[[Call], Row]]:
    from torch import nn

    table: dict[type, Callable[[Call], Row]] = {
        nn.Linear: _linear, nn.LayerNorm: _layernorm, nn.GroupNorm: _groupnorm,
        nn.LocalResponseNorm: _lrn, nn.Flatten: _flatten, nn.Upsample: _upsample,
        nn.Identity: lambda call: Row("identity"), nn.Hardtanh: _hardtanh,
        nn.ReLU: _simple("relu"), nn.ReLU6: _simple("relu6"), nn.SELU: _simple("selu"),
        nn.LeakyReLU: _simple("leaky_relu", negative_slope="negative_slope"),
        nn.ELU: _simple("elu", alpha="alpha"), nn.GELU: _simple("gelu", approximate="approximate"),
        nn.Sigmoid: _simple("sigmoid"), nn.Tanh: _simple("tanh"), nn.SiLU: _simple("silu"),
        nn.Hardswish: _simple("hardswish"), nn.Hardsigmoid: _simple("hardsigmoid"),
        nn.Mish: _simple("mish"), nn.Softplus: _simple("softplus", beta="beta"),
        nn.PReLU: _simple("prelu", num_parameters="num_parameters"),
        nn.Softmax: _softmax("softmax"), nn.LogSoftmax: _softmax("log_softmax"),
        nn.MultiheadAttention: _attention,
    }
    for module, name, convert in (
            ("torchvision.models.convnext", "LayerNorm2d", _channel_layernorm),
            ("torchvision.models.swin_transformer", "ShiftedWindowAttention", _window_attention),
            ("torchvision.models.swin_transformer", "ShiftedWindowAttentionV2",
             _window_attention),
            ("torchvision.models.maxvit", "PartitionAttentionLayer", _partition_attention)):
        cls = _torchvision(module, name)
        if cls is not None:
            table[cls] = convert
    for cls in (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                nn.ConvTranspose3d):
        table[cls] = _conv
    for cls in (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d):
        table[cls] = _batchnorm
    for cls in (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d):
        table[cls] = _instancenorm
    for cls in (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d):
        table[cls] = _module_pool("maxpool")
    for cls in (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d):
        table[cls] = _module_pool("avgpool")
    for cls in (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d):
        table[cls] = _adaptive("adaptive_avgpool")
    for cls in (nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d):
        table[cls] = _adaptive("adaptive_maxpool")
    for cls in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout):
        table[cls] = _dropout
    for cls in (nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d):
        table[cls] = _zeropad
    return table


# How each function's arguments are named, in order: torch's builtins have no signature
# Python can read, so the binding is written here once.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "unary": ("input", "inplace"),
    "binary": ("input", "other", "alpha"),
    "softmax": ("input", "dim", "_stacklevel", "dtype"),
    "flatten": ("input", "start_dim", "end_dim"),
    "cat": ("tensors", "dim"),
    "dropout": ("input", "p", "training", "inplace"),
    "adaptive": ("input", "output_size", "return_indices"),
    "max_pool": ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                 "return_indices"),
    "avg_pool": ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                 "divisor_override"),
    "leaky_relu": ("input", "negative_slope", "inplace"),
    "elu": ("input", "alpha", "inplace"),
    "gelu": ("input", "approximate"),
    "hardtanh": ("input", "min_val", "max_val", "inplace"),
    "stochastic_depth": ("input", "p", "mode", "training"),
    "shape": ("input", "shape"),
    "mean": ("input", "dim", "keepdim", "dtype"),
    "permute": ("input", "dims"),
    "transpose": ("input", "dim0", "dim1"),
    "getitem": ("input", "index"),
}


def _functions() -> dict[Any, tuple[str, Callable[[Call], Row | object]]]:
    """``call_function`` targets and ``call_method`` names: (signature, converter)."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    table: dict[Any, tuple[str, Callable[[Call], Row | object]]] = {}

    def put(keys: tuple[Any, ...], signature: str, convert: Callable[[Call], Row | object]):
        for key in keys:
            table[key] = (signature, convert)

    for name in ("relu", "relu6", "selu", "silu", "sigmoid", "tanh", "hardswish", "hardsigmoid",
                 "mish"):
        keys = tuple(getattr(mod, name) for mod in (F, torch) if hasattr(mod, name))
        put((*keys, name, name + "_"), "unary", _simple(name))
    put((F.leaky_relu, "leaky_relu"), "leaky_relu",
        _simple("leaky_relu", negative_slope="negative_slope"))
    put((F.elu,), "elu", _simple("elu", alpha="alpha"))
    put((F.gelu,), "gelu", _simple("gelu", approximate="approximate"))
    put((F.hardtanh,), "hardtanh", _hardtanh)
    put((F.softmax, torch.softmax, "softmax"), "softmax", _softmax("softmax"))
    put((F.log_softmax, torch.log_softmax, "log_softmax"), "softmax", _softmax("log_softmax"))
    put((torch.flatten, "flatten"), "flatten", _flatten)
    put((torch.reshape, "reshape", "view"), "shape", _reshape)
    put((torch.cat, torch.concat, torch.concatenate), "cat", _cat)
    put((F.dropout, F.dropout1d, F.dropout2d, F.dropout3d), "dropout", _dropout)
    put((operator.add, operator.iadd, torch.add, "add", "add_"), "binary", _binary("add"))
    put((operator.mul, operator.imul, torch.mul, "mul", "mul_"), "binary", _binary("multiply"))
    put((operator.truediv, torch.div, "div"), "binary", _divide)
    put(("contiguous", "clone"), "unary", lambda call: PASS)
    put((torch.mean, "mean"), "mean", _mean)
    put((torch.permute, "permute"), "permute", _permute)
    put((torch.transpose, "transpose"), "transpose", _transpose)
    put((operator.getitem,), "getitem", _select)
    for rank in (1, 2, 3):
        put((getattr(F, f"adaptive_avg_pool{rank}d"),), "adaptive",
            _adaptive("adaptive_avgpool"))
        put((getattr(F, f"adaptive_max_pool{rank}d"),), "adaptive",
            _adaptive("adaptive_maxpool"))
        put((getattr(F, f"max_pool{rank}d"),), "max_pool", _functional_pool("maxpool"))
        put((getattr(F, f"avg_pool{rank}d"),), "avg_pool", _functional_pool("avgpool"))
    stochastic = _torchvision("torchvision.ops", "stochastic_depth")
    if stochastic is not None:
        put((stochastic,), "stochastic_depth", _stochastic_depth)
    merging = _torchvision("torchvision.models.swin_transformer", "_patch_merging_pad")
    if merging is not None:
        put((merging,), "unary", lambda call: Row("patch_merge"))
    return table


def _torchvision(module: str, name: str) -> Any:
    """A torchvision class or function the tables map, or None where torchvision (optional)
    is absent or does not import."""
    try:
        return getattr(importlib.import_module(module), name)
    except Exception:  # noqa: BLE001 - torchvision is optional and may not import
        return None


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


_TABLES: dict[str, Any] = {}


def module_converter(module: Any) -> Callable[[Call], Row] | None:
    """The converter of a module's class (or of the nearest table class it derives from)."""
    table = _TABLES.get("modules") or _TABLES.setdefault("modules", _modules())
    for cls in type(module).__mro__:
        if cls in table:
            return table[cls]
    return None


def is_leaf(module: Any) -> bool:
    """Whether torch.fx should record ``module`` as one call rather than trace into its
    forward: a class the table names itself (torchvision's LayerNorm2d, whose forward
    permutes and calls F.layer_norm with its own parameters)."""
    table = _TABLES.get("modules") or _TABLES.setdefault("modules", _modules())
    return type(module) in table


def function_converter(target: Any) -> tuple[tuple[str, ...], Callable[[Call], Any]] | None:
    """(argument names, converter) of a traced function or method name, or None."""
    table = _TABLES.get("functions") or _TABLES.setdefault("functions", _functions())
    try:
        entry = table.get(target)
    except TypeError:  # an unhashable target
        return None
    return None if entry is None else (SIGNATURES[entry[0]], entry[1])
