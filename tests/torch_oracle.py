"""PyTorch as the oracle for differential tests: build each layer straight from the arguments
a user writes in a spec, with torch.nn's own semantics, and observe what it does.

Deliberately independent of ``cnncalc.torch``: nothing here reads the engine's resolved
padding or any other engine figure. The only translations are of spellings torch lacks, each
written from its definition: ``full`` padding is ``dilation * (kernel - 1)`` per side,
``causal`` is that much before and none after, and ``same`` at stride > 1 is TensorFlow's rule
(total padding ``max((ceil(n / s) - 1) * s + dilation * (k - 1) + 1 - n, 0)``, the odd pixel
after), which torch itself refuses. Layers torch.nn lacks (Keras cropping and preprocessing,
centre crop, channel padding, LeNet-5's layers) are written as tensor operations in
``tests/torch_oracle_defs.py``.

Documented exclusions, where cnncalc deliberately differs from torch:
- ``same`` at stride > 1: torch raises; cnncalc follows TensorFlow (checked against TF's rule).
- ``linear`` on a non-flat input: torch applies Linear to the last axis; cnncalc does so
  only where ``in_features`` is written as that axis' size and otherwise asks for a flatten
  (a feature map fed to a dense layer with nothing said is almost always a mistake). The
  strategies write ``in_features`` for every non-flat linear (equal to the last axis, or
  one off). ``rbf`` takes flat inputs only.
- ``permute`` that moves the batch axis: torch does it, cnncalc refuses (its samples have
  no batch axis); the oracle refuses too (``torch_oracle_defs.permute``).
- ``flatten`` with ``start_dim`` 0: torch would merge the batch axis, cnncalc refuses.
- ``softmax``/``log_softmax`` ``dim`` counts the sample's axes in cnncalc; a
  negative dim that would reach the batch axis in torch is out of range in cnncalc (the
  strategies stay within the sample).
- ``add`` refuses broadcasting (see ``_residual_add``); ``multiply`` broadcasts like torch.
- ``center_crop`` larger than its input: torchvision pads, cnncalc refuses (see
  ``torch_oracle_defs.center_crop``).
- ``channel_pad`` needs spatial axes in cnncalc; the strategies give it feature maps only.

Rank: the oracle always runs a batch, so a kind spelled for ``n`` spatial axes (``conv2d``)
takes exactly ``n`` (torch.nn would read a batched input of one rank less as an unbatched
one); BatchNorm1d also takes a flat ``[C]`` sample, as in torch. Kinds that work on spatial
axes refuse a flat sample.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

torch = pytest.importorskip("torch")  # also when doctest collection imports this module

import torch.nn.functional as F  # noqa: E402
import torch_oracle_defs as defs  # noqa: E402
import torch_oracle_seg as seg  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_oracle_attn import ORACLE_ATTN  # noqa: E402
from torch_oracle_grid import ORACLE_GRID  # noqa: E402
from torch_oracle_swin import ORACLE_SWIN  # noqa: E402

from cnncalc import analyze, load_spec  # noqa: E402
from cnncalc.errors import CnnCalcError  # noqa: E402
from cnncalc.record import replace  # noqa: E402

BATCH = 2

ELEMENTWISE = {
    # kind: (torch.nn class, {written argument: its torch.nn keyword})
    "relu": (nn.ReLU, {}), "relu6": (nn.ReLU6, {}),
    "leaky_relu": (nn.LeakyReLU, {"negative_slope": "negative_slope"}),
    "elu": (nn.ELU, {"alpha": "alpha"}), "selu": (nn.SELU, {}),
    "gelu": (nn.GELU, {"approximate": "approximate"}), "sigmoid": (nn.Sigmoid, {}),
    "tanh": (nn.Tanh, {}), "silu": (nn.SiLU, {}), "swish": (nn.SiLU, {}),
    "hardswish": (nn.Hardswish, {}), "hardsigmoid": (nn.Hardsigmoid, {}),
    "mish": (nn.Mish, {}), "softplus": (nn.Softplus, {"beta": "beta"}),
    "prelu": (nn.PReLU, {"num_parameters": "num_parameters"}),
    "identity": (nn.Identity, {}), "dropout": (nn.Dropout, {"p": "p"}),
}
"""Layers torch.nn has under another name, built from the written arguments one for one."""

KERAS_AUGMENTATION = ("random_flip", "random_rotation", "random_zoom")
"""Random while training, the identity at inference (what the oracle runs: ``eval()``)."""

SPATIAL = {"conv", "conv_transpose", "maxpool", "avgpool", "adaptive_avgpool",
           "adaptive_maxpool", "instancenorm", "local_response_norm", "global_avgpool",
           "global_maxpool", "upsample", "zeropad", "cropping", "center_crop", "channel_pad",
           "channel_shuffle"}
"""Kinds that work on spatial axes: a flat [C] sample has none."""


@dataclass(frozen=True)
class Seen:
    shape: tuple[int, ...]
    params: int
    buffers: int
    macs: int


def _per_axis(value, n):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n


def _tf_same(size, k, s, d):
    out = -(-size // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
    return total // 2, total - total // 2


class _Lambda(nn.Module):
    def __init__(self, fn, *children):
        super().__init__()
        self.fn = fn
        self.inner = nn.ModuleList(children)

    def forward(self, *xs):
        return self.fn(*xs)


def conv_module(n: int, a: dict, x: torch.Tensor) -> nn.Module:
    k = _per_axis(a["kernel_size"], n)
    s = _per_axis(a.get("stride", 1), n)
    d = _per_axis(a.get("dilation", 1), n)
    pad = a.get("padding", 0)
    mode = a.get("padding_mode", "zeros")
    spatial = x.shape[2:]
    explicit = None
    if pad == "full":
        pad = tuple(di * (ki - 1) for ki, di in zip(k, d))
    elif pad == "causal":
        if n != 1:
            raise ValueError("causal padding is 1-D only")
        explicit = [(d[0] * (k[0] - 1), 0)]
        pad = 0
    elif pad == "same" and any(si > 1 for si in s):
        explicit = [_tf_same(nn_, ki, si, di) for nn_, ki, si, di in zip(spatial, k, s, d)]
        pad = 0
    conv = getattr(nn, f"Conv{n}d")(a.get("in_channels") or x.shape[1], a["out_channels"], k,
                                    stride=s, padding=pad,
                                    dilation=d, groups=a.get("groups", 1),
                                    bias=a.get("bias", True), padding_mode=mode)
    if explicit is None:
        return conv
    flat = [v for pair in reversed(explicit) for v in pair]
    fmode = "constant" if mode == "zeros" else mode
    return _Lambda(lambda t: conv(F.pad(t, flat, mode=fmode)), conv)


def _check_rank(kind: str, base: str, n: int | None, x: torch.Tensor) -> None:
    """See the module docstring: explicit ranks are exact, spatial kinds need spatial axes."""
    if n is not None:
        if x.dim() != n + 2 and not (base == "batchnorm" and n == 1 and x.dim() == 2):
            raise ValueError(f"{kind} takes a batch of {n}-D maps, not {tuple(x.shape)}")
    elif base in SPATIAL and x.dim() < 3:
        raise ValueError(f"{kind} needs spatial axes, the input is {tuple(x.shape)}")


def _elementwise(cls, keywords):
    return lambda a, x, n: cls(**{keywords[k]: v for k, v in a.items()})


def _augmentation(base):
    def build(a, x, n):
        if base == "random_flip":
            defs.keras_flip_mode(a.get("mode", "horizontal"))
        return nn.Identity()
    return build


def _softmax(cls):
    def build(a, x, n):
        dim = a.get("dim", 0)
        return cls(dim + 1 if dim >= 0 else dim)
    return build


def _global(reduce):
    return lambda a, x, n: _Lambda(lambda t: reduce(t, dim=tuple(range(2, t.dim())),
                                                    keepdim=a.get("keepdims", False)))


def _layernorm(a, x, n):
    shape = a.get("normalized_shape") or list(x.shape[1:])
    return nn.LayerNorm(shape, elementwise_affine=a.get("elementwise_affine", True),
                        bias=a.get("bias", True))


def _upsample(a, x, n):
    factor = a.get("scale_factor")
    return nn.Upsample(size=a.get("size"), scale_factor=factor and tuple(
        float(f) for f in _per_axis(factor, x.dim() - 2)), mode=a.get("mode", "nearest"))


ORACLE = {
    **{base: _elementwise(cls, keywords) for base, (cls, keywords) in ELEMENTWISE.items()},
    **{base: _augmentation(base) for base in KERAS_AUGMENTATION},
    "rescaling": lambda a, x, n: _Lambda(lambda t: defs.rescale(t, **a)),
    "conv": lambda a, x, n: conv_module(n, a, x),
    "conv_transpose": lambda a, x, n: getattr(nn, f"ConvTranspose{n}d")(
        x.shape[1], a["out_channels"], a["kernel_size"], stride=a.get("stride", 1),
        padding=a.get("padding", 0), output_padding=a.get("output_padding", 0),
        groups=a.get("groups", 1), bias=a.get("bias", True), dilation=a.get("dilation", 1)),
    "maxpool": lambda a, x, n: getattr(nn, f"MaxPool{n}d")(
        a["kernel_size"], a.get("stride"), a.get("padding", 0), a.get("dilation", 1),
        ceil_mode=a.get("ceil_mode", False)),
    "avgpool": lambda a, x, n: getattr(nn, f"AvgPool{n}d")(
        a["kernel_size"], a.get("stride"), a.get("padding", 0),
        ceil_mode=a.get("ceil_mode", False)),
    "adaptive_avgpool": lambda a, x, n: getattr(nn, f"AdaptiveAvgPool{n}d")(a["output_size"]),
    "adaptive_maxpool": lambda a, x, n: getattr(nn, f"AdaptiveMaxPool{n}d")(a["output_size"]),
    "batchnorm": lambda a, x, n: getattr(nn, f"BatchNorm{max(n, 1)}d")(
        x.shape[1], affine=a.get("affine", True),
        track_running_stats=a.get("track_running_stats", True)),
    "instancenorm": lambda a, x, n: getattr(nn, f"InstanceNorm{n}d")(
        x.shape[1], affine=a.get("affine", False),
        track_running_stats=a.get("track_running_stats", False)),
    "groupnorm": lambda a, x, n: nn.GroupNorm(a["num_groups"], x.shape[1],
                                              affine=a.get("affine", True)),
    "layernorm": _layernorm,
    "local_response_norm": lambda a, x, n: nn.LocalResponseNorm(a["size"]),
    "linear": lambda a, x, n: nn.Linear(a.get("in_features") or x.shape[1], a["out_features"],
                                        bias=a.get("bias", True)),
    "flatten": lambda a, x, n: nn.Flatten(a.get("start_dim", 1), a.get("end_dim", -1)),
    "upsample": _upsample,
    "zeropad": lambda a, x, n: _Lambda(lambda t: defs.zero_pad(t, a["padding"])),
    "cropping": lambda a, x, n: _Lambda(lambda t: defs.crop(t, a["cropping"])),
    "center_crop": lambda a, x, n: _Lambda(lambda t: defs.center_crop(t, a["size"])),
    "crop": lambda a, x, n: _Lambda(lambda t: defs.center_crop(t, a["size"])),
    "channel_pad": lambda a, x, n: _Lambda(lambda t: defs.channel_pad(t, a["out_channels"])),
    "table_conv": lambda a, x, n: defs.TableConv(a["table"], a["kernel_size"],
                                                 a.get("stride", 1), a.get("bias", True)),
    "subsample": lambda a, x, n: defs.Subsample(x.shape[1], a.get("kernel_size", 2),
                                                a.get("stride")),
    "rbf": lambda a, x, n: defs.RBF(x.shape[1], a["out_features"]),
    "softmax": _softmax(nn.Softmax),
    "log_softmax": _softmax(nn.LogSoftmax),
    "global_avgpool": _global(torch.mean),
    "global_maxpool": _global(torch.amax),
    "reshape": lambda a, x, n: _Lambda(lambda t: t.reshape(t.shape[0], *a["shape"])),
    "permute": lambda a, x, n: _Lambda(lambda t: defs.permute(t, a["dims"])),
    "channel_shuffle": lambda a, x, n: nn.ChannelShuffle(a["groups"]),
    "chunk": lambda a, x, n: _Lambda(lambda t: defs.chunk(t, a["chunks"], a.get("index", 0))),
    "channel_layernorm": lambda a, x, n: defs.ChannelLayerNorm(
        a.get("num_channels") or x.shape[1], a.get("eps", 1e-5),
        a.get("elementwise_affine", True), a.get("bias", True)),
    "layer_scale": lambda a, x, n: defs.LayerScale(x.shape[1], x.dim() - 1,
                                                   a.get("init", 1e-6)),
    "stochastic_depth": lambda a, x, n: defs.stochastic_depth(a.get("p", 0.0),
                                                              a.get("mode", "row")),
    **seg.ORACLE_SEG,   # pixel (un)shuffle, local_conv, interpolate: tests/torch_oracle_seg.py
    **ORACLE_ATTN,      # the Vision Transformer's kinds: tests/torch_oracle_attn.py
    **ORACLE_GRID,      # MaxViT's partition attention: tests/torch_oracle_grid.py
    **ORACLE_SWIN,      # the Swin Transformer's kinds: tests/torch_oracle_swin.py
}
"""The oracle, one entry per layer family (the kind without its ``1d/2d/3d``): a function of
the written arguments ``a``, the batched input ``x`` and the spatial rank ``n`` that builds
what a user would write in torch. A new kind adds its entry here (or, in a test, for the
test's lifetime): this is the one place outside its unit, as the oracle must not read
cnncalc."""


def layer_module(kind: str, a: dict, x: torch.Tensor) -> nn.Module:
    """The torch.nn module a user would write for spec item ``{kind: a}`` on input ``x``."""
    match = re.fullmatch(r"(.*?)([123])d", kind)
    base, written_n = (match[1], int(match[2])) if match else (kind, None)
    _check_rank(kind, base, written_n, x)
    n = x.dim() - 2 if written_n is None else written_n
    return ORACLE[base](a, x, n)


def _residual_add(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """cnncalc's ``add`` is the residual connection and refuses broadcasting on purpose (a
    1-channel map added to a 64-channel one is a bug in a CNN spec); torch's ``+`` would
    broadcast it. Documented exclusion: the oracle adds equal shapes only."""
    if a.shape != b.shape:
        raise ValueError(f"residual add of different shapes {tuple(a.shape)} {tuple(b.shape)}")
    return a + b


MERGES = {"concat": lambda *t: torch.cat(t, 1), "add": _residual_add,
          "multiply": lambda a, b: a * b}
"""The merges: branches from one input, joined on the channel axis or elementwise."""


def observe(module: nn.Module, *xs: torch.Tensor) -> tuple[torch.Tensor, Seen]:
    with FlopCounterMode(display=False) as counter:
        out = module(*xs)
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers() if b.is_floating_point())
    stated = sum(getattr(m, "defined_macs", 0) for m in module.modules())
    return out, Seen(tuple(out.shape[1:]), params, buffers,
                     counter.get_total_flops() // 2 + stated)


ITEM_KEYS = ("name", "from")
"""A spec item's own keys, written among a layer's arguments (``{name: stem, ...}``,
``{from: input, ...}``): where the layer's input comes from and what later layers call its
output (``interpolate``'s ``size_of``), not arguments of the torch module."""


def _item_keys(args):
    """``(args without the item keys, name, from)``; a merge's branches pass unchanged."""
    if not isinstance(args, dict) or not set(args) & set(ITEM_KEYS):
        return args, None, None
    return ({k: v for k, v in args.items() if k not in ITEM_KEYS}, args.get("name"),
            args.get("from"))


def run_torch(input_shape, layers, x: torch.Tensor | None = None
              ) -> tuple[list[Seen], torch.Tensor] | str:
    """Run ``layers`` (a list of ``(kind, args)``) in torch on ``x`` (random by default):
    what each layer did (MACs of the whole batch) and the output, or the error text if
    torch refuses."""
    x = torch.randn(BATCH, *input_shape) if x is None else x
    seg.NAMED.clear()
    seg.NAMED["input"] = x
    seen = []
    try:
        for kind, args in layers:
            args, name, source = _item_keys(args)
            if source is not None:
                x = seg.named(source)
            if kind in MERGES:
                branches = []
                for branch in args:
                    y = x
                    for bkind, bargs in branch:
                        module = layer_module(bkind, bargs, y).eval()
                        y, obs = observe(module, y)
                        seen.append(obs)
                    branches.append(y)
                x, obs = observe(_Lambda(MERGES[kind]), *branches)
                seen.append(obs)
                continue
            module = layer_module(kind, args, x).eval()
            x, obs = observe(module, x)
            seen.append(obs)
            if 0 in x.shape:
                raise ValueError(f"empty output {tuple(x.shape)}")
            if name is not None:
                seg.NAMED[name] = x
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return seen, x


def torch_chain(input_shape, layers) -> list[Seen] | str:
    """Run ``layers`` (a list of ``(kind, args)``) in torch; the error text if torch refuses."""
    done = run_torch(input_shape, layers)
    return done if isinstance(done, str) else done[0]


def spec_text(input_shape, layers) -> str:
    """The same network as a cnncalc spec (JSON is YAML)."""
    items = []
    for kind, args in layers:
        if kind in MERGES:
            items.append({kind: [[{k: v} for k, v in branch] for branch in args]})
        else:
            items.append({kind: args})
    return json.dumps({"name": "differential", "input": list(input_shape), "layers": items})


def engine_chain(input_shape, layers, batch: int = 1) -> list[Seen] | str:
    """What the engine says of each layer, its MACs at ``batch`` (torch ran BATCH)."""
    try:
        graph = load_spec(spec_text(input_shape, layers))
        report = analyze(replace(graph, batch=batch) if batch != 1 else graph)
    except CnnCalcError as exc:
        return f"cnncalc: {exc}"
    return [Seen(r.output_shape, r.params, r.buffers, r.macs // 1) for r in report.rows]


def compare(input_shape, layers, done=None) -> str:
    """Assert the engine's verdict equals PyTorch's for this network; return the verdict.
    ``done`` is ``run_torch``'s answer when the caller has already run the network (the
    differential tests keep its output to compare values), else torch runs it here."""
    want = torch_chain(input_shape, layers) if done is None else \
        done if isinstance(done, str) else done[0]
    got = engine_chain(input_shape, layers, BATCH)
    net = spec_text(input_shape, layers)
    if isinstance(want, str) or isinstance(got, str):
        assert isinstance(want, str) == isinstance(got, str), (
            f"verdicts differ for {net}\n  torch:   {want if isinstance(want, str) else 'ok'}"
            f"\n  cnncalc: {got if isinstance(got, str) else 'ok: ' + str(got)}")
        return "both refuse"
    for i, (w, g) in enumerate(zip(want, got)):     # both at a batch of BATCH
        assert w == g, f"layer {i} of {net}\n  torch:   {w}\n  cnncalc: {g}"
    assert len(want) == len(got), net
    return "both accept"


__all__ = ["BATCH", "MERGES", "Seen", "compare", "engine_chain", "layer_module", "run_torch",
           "spec_text", "torch_chain"]
