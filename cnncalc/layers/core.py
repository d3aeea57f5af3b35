"""The analytic core of a layer unit: what one layer kind takes and what it computes.

A unit declares its arguments (at once its YAML schema, its validation and its documentation
in ``cnncalc layers``) and its rules: output shape, parameters, buffers, MACs, other
operations, sliding window and receptive field. This is all that the loader, the engine and
the renderers read, so the analytic path imports nothing else of a unit's world: the worked
explanation (``explaining``), the debugger's mends and fixes (``debugging``) and the torch
build (``torching``) are parts beside it, joined into ``LayerKind`` by ``base``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import CnnCalcError, ShapeError, SourcePos, SpecError, Warning_, did_you_mean
from ..frozen import built
from ..record import field, record
from .registry import REGISTRY

if TYPE_CHECKING:
    from fractions import Fraction

Shape = tuple[int, ...]
"""A tensor shape without the batch axis, channels first: (C,), (C, L), (C, H, W), (C, D, H, W)."""

REQUIRED: Any = object()

NETWORK_INPUT = -1
"""The id that stands for the network's input in a node's inputs (``graph.Node.inputs``)."""

@record(frozen=True)
class Arg:
    """One argument of a layer kind.

    ``type`` is one of: ``int`` (one integer), ``ints`` (one integer or one per spatial axis),
    ``float``, ``bool``, ``str``, ``padding`` (ints, or one of ``choices``), ``int_list``
    (a list of integers), ``table`` (a list of lists of integers), ``any_ints`` (integer or
    list, unexpanded).
    """

    name: str
    type: str
    default: Any = REQUIRED
    doc: str = ""
    aliases: tuple[str, ...] = ()
    minimum: int | float | None = None
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe_default(self) -> str:
        if self.required:
            return "required"
        return "none" if self.default is None else str(self.default).lower() \
            if isinstance(self.default, bool) else str(self.default)


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(arg: Arg, value: Any, what: str = "") -> int:
    if isinstance(value, float) and value.is_integer() and arg.type != "float" \
            and abs(value) <= 2**53:  # beyond, a float is no longer the integer written
        value = int(value)
    if not _is_int(value):
        raise SpecError(f"'{arg.name}' must be an integer{what}, got {value!r}")
    if arg.minimum is not None and value < arg.minimum:
        bound = "positive" if arg.minimum == 1 else f"at least {arg.minimum}"
        raise SpecError(f"'{arg.name}' must be {bound}, got {value}")
    return value


def validate_arg(arg: Arg, value: Any) -> Any:
    """Check one written value against its declaration; return the normalized value."""
    if value is None and arg.default is None:
        return None
    kind = arg.type
    if kind == "int":
        return _check_int(arg, value)
    if kind in ("ints", "any_ints"):
        if isinstance(value, (list, tuple)):
            if not value:
                raise SpecError(f"'{arg.name}' must not be an empty list")
            return tuple(_check_int(arg, v, " or a list of integers") for v in value)
        return _check_int(arg, value, " or a list of integers")
    if kind == "float":
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e-5 (no dot) as a string
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"'{arg.name}' must be a number, got {value!r}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):  # NaN or infinity means nothing for a rate or an eps
            raise SpecError(f"'{arg.name}' must be a finite number, got {str(value)[:40]}")
        if arg.minimum is not None and number < arg.minimum:
            raise SpecError(f"'{arg.name}' must be at least {arg.minimum}, got {value}")
        return number
    if kind == "bool":
        if not isinstance(value, bool):
            raise SpecError(f"'{arg.name}' must be true or false, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str) or (arg.choices and value not in arg.choices):
            options = ", ".join(arg.choices)
            raise SpecError(f"'{arg.name}' must be one of {options}; got {value!r}"
                            + (did_you_mean(str(value), arg.choices) if arg.choices else ""))
        return value
    if kind == "padding":
        if isinstance(value, str):
            if value not in arg.choices:
                raise SpecError(f"'{arg.name}' must be an integer, a list of integers or one of "
                                f"{', '.join(arg.choices)}; got {value!r}"
                                + did_you_mean(value, arg.choices))
            return value
        inner = Arg(arg.name, "ints", minimum=0)
        return validate_arg(inner, value)
    if kind == "int_list":
        if not isinstance(value, (list, tuple)):
            value = [value]
        return tuple(_check_int(arg, v, " list") for v in value)
    if kind == "table":
        if not isinstance(value, (list, tuple)) or not all(isinstance(r, (list, tuple))
                                                           for r in value):
            raise SpecError(f"'{arg.name}' must be a list of lists of integers")
        return tuple(tuple(_check_int(arg, v, " table") for v in row) for row in value)
    raise AssertionError(f"unknown argument type {kind}")


class _Reads:
    """The reads that rules make of a layer's use, shared by ``Call`` (while the shape rule
    runs) and ``Result`` (after it): arguments, input shapes and the per-axis expansions."""

    args: Mapping[str, Any]
    inputs: Any
    ndim: int
    name: str
    kind: str
    pos: SourcePos | None
    arg_pos: Mapping[str, SourcePos]
    layout: str
    framework: str

    def fmt(self, shape: Sequence[int]) -> str:
        """A whole tensor's shape as the user reads it: ``28x28x1`` in a channels-last spec.
        (Spatial-only tuples such as a kernel are the same either way: ``fmt_shape``.)"""
        return fmt_shape(to_layout(shape, self.layout))

    @property
    def x(self) -> Shape:
        """The (first) input shape."""
        return self.inputs[0]

    def axes(self, name: str) -> tuple[int, ...]:
        """An ``ints`` argument expanded to one value per spatial axis."""
        value = self.args[name]
        if isinstance(value, tuple):
            if len(value) != self.ndim:
                raise self.error(f"'{name}' has {len(value)} values {list(value)} but the input "
                                 f"has {self.ndim} spatial axes", arg=name, code="axes_count")
            return value
        return (value,) * self.ndim

    def error(self, message: str, arg: str | None = None, hint: str | None = None,
              code: str | None = None) -> ShapeError:
        """A located error to raise; ``code`` (see ``CnnCalcError``) lets the debugger pick
        the unit's fixes without reading the message."""
        pos = self.arg_pos.get(arg, self.pos) if arg else self.pos
        return ShapeError(message, pos, self.name, self.kind, hint, code, arg)

    def per_axis(self, name: str) -> tuple[int, ...]:
        """A per-axis argument cut or stretched to the input's spatial axes (its first values,
        the last repeated): what the user most likely meant by a tuple of the wrong length."""
        value = self.args[name]
        value = value if isinstance(value, tuple) else (value,)
        return tuple(value[min(i, len(value) - 1)] for i in range(self.ndim))


@record
class Call(_Reads):
    """One use of a layer kind while its shape rule runs: its arguments and input shapes.

    The shape rule reads ``args`` and ``inputs`` and may ``warn`` and note the border pixels
    it leaves unread (``dropped``); ``LayerKind.evaluate`` sets ``ndim`` before the rule and
    returns the frozen ``Result`` that everything after the shape rule reads.
    """

    args: dict[str, Any]
    inputs: list[Shape]
    ndim: int = 0
    out: Shape = ()
    name: str = ""
    kind: str = ""
    pos: SourcePos | None = None
    arg_pos: dict[str, SourcePos] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)
    dropped: tuple[int, ...] = ()
    """Per spatial axis, border pixels that no window reads (floor division)."""
    layout: str = "chw"
    """How the user reads shapes (the spec's ``input_layout``): messages follow it."""
    framework: str = ""
    """Whose rule decides ``padding: same`` at stride > 1 (``Graph.framework``)."""

    def warn(self, message: str) -> None:
        self.warnings.append(Warning_(message, self.pos, self.name, self.kind))

    @classmethod
    def for_node(cls, node: Any, inputs: Sequence[Shape], args: dict[str, Any] | None = None,
                 layout: str = "chw", framework: str = "") -> Call:
        """A use of graph node ``node``'s unit on ``inputs``, with its own copy of the
        arguments (``args`` instead of the node's when the debugger tries a fix); ``layout``
        is how its messages print shapes."""
        return cls(dict(node.args if args is None else args), list(inputs), name=node.name,
                   kind=node.kind, pos=node.pos, arg_pos=node.arg_pos, layout=layout,
                   framework=framework)


@record(frozen=True)
class Window:
    """A sliding window's geometry per spatial axis, as a marker, the debugger, the receptive
    field and the torch build all need it: ``pads`` is (before, after) per axis, resolved
    (``same`` as numbers); ``formula`` names the size formula of ``cnncalc.solve`` (``conv``,
    ``pool``, ``deconv``); ``ceil`` is ceil mode; ``output_padding`` a transposed conv's."""

    formula: str
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    ceil: bool = False
    output_padding: tuple[int, ...] = ()

    @property
    def padded(self) -> bool:
        return any(b or e for b, e in self.pads)


@record(frozen=True)
class Result(_Reads):
    """What one use of a layer kind computes, frozen once its shape rule has run: the one
    public account that the engine, the marker, the debugger, ``explain``, the receptive
    field and the torch build read (never a unit's private state, never a kind's name).

    ``weights`` and ``biases`` are counted apart (``params`` is their sum); ``window`` is the
    sliding-window geometry or None; ``merges`` says the kind joins several inputs;
    ``flattens`` that it turns a feature map into a vector; ``dense`` that it is a
    fully-connected product over a flat input."""

    args: Mapping[str, Any]
    inputs: tuple[Shape, ...]
    ndim: int
    out: Shape
    kind: str
    weights: int
    biases: int
    buffers: int
    macs: int
    other_ops: int
    window: Window | None = None
    merges: bool = False
    flattens: bool = False
    dense: bool = False
    dropped: tuple[int, ...] = ()
    warnings: tuple[Warning_, ...] = ()
    name: str = ""
    pos: SourcePos | None = None
    arg_pos: Mapping[str, SourcePos] = field(default_factory=dict)
    layout: str = "chw"
    framework: str = ""
    """Whose rule decided ``padding: same`` at stride > 1 (``Graph.framework``)."""

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @classmethod
    def of(cls, **values: Any) -> Result:
        """A Result of every field by name, built at a plain object's cost (``frozen.built``):
        the engine makes one per layer."""
        return built(cls, values)


def _written_key(raw: dict[str, Any], unit: LayerCore, name: str | None) -> str | None:
    """The key under which argument ``name`` was written (itself or one of its aliases)."""
    if name is None:
        return None
    spellings = (name, *unit.arg(name).aliases) if name in {a.name for a in unit.arguments} \
        else (name,)
    return next((k for k in spellings if k in raw), None)


def from_layout(shape: Sequence[int], layout: str) -> tuple[int, ...]:
    """A shape written in ``layout`` as channels-first."""
    shape = tuple(shape)
    return (shape[-1], *shape[:-1]) if layout == "hwc" and len(shape) > 1 else shape


def to_layout(shape: Sequence[int], layout: str) -> tuple[int, ...]:
    """A channels-first shape as written in ``layout``."""
    shape = tuple(shape)
    return (*shape[1:], shape[0]) if layout == "hwc" and len(shape) > 1 else shape


AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
"""The spatial axes' letters by their count, as messages name them."""


def ints(values: Sequence[int]) -> str:
    """Per-axis values as a spec writes them: one value when all are equal (``2``), else the
    list (``[2, 3]``)."""
    values = list(values)
    return str(values[0]) if len(set(values)) == 1 else "[" + ", ".join(map(str, values)) + "]"


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def fmt_shape(shape: Sequence[int], layout: str = "chw") -> str:
    """The one shape formatter: ``6x28x28``; a whole tensor's channels-first shape is written
    in ``layout`` (``hwc``: ``28x28x6``). Spatial-only tuples (a kernel) keep the default."""
    return "x".join(str(s) for s in to_layout(shape, layout))


def exact(numerator: int, denominator: int = 1) -> int | Fraction:
    """``numerator / denominator`` without rounding: an int when it divides, else a Fraction.
    Receptive fields stay exact however large the kernels and strides (a float overflows at
    10^308 and loses pixels long before)."""
    if isinstance(numerator, int) and isinstance(denominator, int) and denominator:
        quotient, rest = divmod(numerator, denominator)
        if not rest:
            return quotient
    from fractions import Fraction  # rare (an upsampling's jump): kept off the import path

    return Fraction(numerator) / Fraction(denominator)


@record(frozen=True)
class Receptive:
    """Receptive field per spatial axis: window ``size`` in input pixels, ``jump`` between
    neighbouring outputs, and ``center2``, twice the centre of the first output in input
    coordinates (so that the half pixel of an even window stays an integer). Exact numbers
    (ints, or Fractions after an upsampling)."""

    size: tuple[int | Fraction, ...]
    jump: tuple[int | Fraction, ...]
    center2: tuple[int | Fraction, ...]
    channels_last: bool = False
    """A permute moved the channels last (ConvNeXt's ``[0, 2, 3, 1]``): the figures are
    still those of the original spatial axes, which only layers that keep every position
    carry on (``LayerCore.keeps_positions``) until the inverse permute restores them; any
    other layer would work on the permuted axes, so the field ends there."""

    @property
    def start(self) -> tuple[int | Fraction, ...]:
        """Centre of the first output, in input pixels (the ``start`` of Araujo et al.)."""
        return tuple(exact(c, 2) for c in self.center2)

    @classmethod
    def identity(cls, ndim: int) -> Receptive:
        one = (1,) * ndim
        return cls(one, one, one)

    def through(self, kernel: Sequence[int], stride: Sequence[int], pad: Sequence[int],
                dilation: Sequence[int] | None = None) -> Receptive:
        """After a sliding window (the standard recurrence of Araujo et al., Distill 2019)."""
        dilation = dilation or (1,) * len(kernel)
        size, jump, center2 = [], [], []
        for r, j, c, k, st, p, d in zip(self.size, self.jump, self.center2, kernel, stride,
                                        pad, dilation):
            span = d * (k - 1)
            size.append(r + span * j)
            center2.append(c + (span - 2 * p) * j)
            jump.append(j * st)
        return Receptive(tuple(size), tuple(jump), tuple(center2))

    def scaled(self, factor: Sequence[int | float | Fraction]) -> Receptive:
        """After an upsampling by ``factor`` per axis (outputs get closer together)."""
        return Receptive(self.size, tuple(exact(j, f) for j, f in zip(self.jump, factor)),
                         self.center2)


SAMPLE_VALUES: dict[str, Any] = {"int": 8, "ints": 2, "any_ints": 2, "int_list": [-1],
                                 "float": 0.5, "bool": True, "padding": 0,
                                 "table": [[0], [0, 1], [1, 2, 3]]}
"""A written value per argument type, for examples drawn from the declarations alone."""

SAMPLE_INPUTS: tuple[Shape, ...] = ((4, 6, 6), (4, 6), (4, 5, 6, 6), (4,))
"""Input shapes tried for examples: a 2-D map, a 1-D sequence, a 3-D volume, a flat vector."""


@record(frozen=True)
class Example:
    """A use of a kind that its rules accept: the written arguments and the input shape
    (channels first, batch excluded; a merge takes it on each of its two inputs)."""

    args: dict[str, Any]
    input: Shape


class LayerCore:
    """What every layer unit computes: arguments, shape, counts, window, receptive field.
    Units subclass ``LayerKind``, which adds the explain, debugger and torch parts."""

    base: ClassVar[str] = ""
    """Family name; with ``ndim`` set the kind is called ``f"{base}{ndim}d"``."""
    dims: ClassVar[tuple[int | None, ...]] = (None,)
    """Which spatial dimensionalities to register; None registers the rank-generic kind."""
    aliases_by_dim: ClassVar[dict[int | None, tuple[str, ...]]] = {}
    arguments: ClassVar[tuple[Arg, ...]] = ()
    primary: ClassVar[str | None] = None
    """Argument that a scalar shorthand sets: ``- dropout: 0.5``, ``- dense: 10``."""
    n_inputs: ClassVar[int] = 1
    """How many inputs the layer takes; 0 means two or more (merges)."""
    category: ClassVar[str] = "other"
    min_rank: ClassVar[int] = 1
    window_formula: ClassVar[str | None] = None
    """Sliding windows: which size formula of ``cnncalc.solve`` gives the output size
    (``conv``, ``pool``, ``deconv``), so the debugger can solve it for a padding or stride."""

    def __init__(self, ndim: int | None = None):
        self.ndim = ndim
        self.name = f"{self.base}{ndim}d" if ndim is not None else self.base
        self.aliases = self.aliases_by_dim.get(ndim, ())

    sample_args: ClassVar[dict[str, Any]] = {}
    """Written arguments for ``examples`` where the declarations' sample values do not make a
    working use (``num_groups`` that divides the sample's 4 channels)."""

    # -- documentation --------------------------------------------------------------------
    @property
    def summary(self) -> str:
        doc = (type(self).__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    def name_for(self, ndim: int) -> str:
        """The kind that runs on ``ndim`` spatial axes: a rank-generic unit (``conv``) is
        reported by its dimension-specific name (``conv2d``), so a report reads the same
        whichever spelling the spec used; errors keep the name the user wrote."""
        if self.ndim is not None:
            return self.name
        specific = f"{self.base}{ndim}d"
        return specific if specific in REGISTRY else self.name

    def rank_generic(self) -> LayerCore | None:
        """The rank-generic unit of this family (``conv1d`` -> ``conv``), which takes its rank
        from the input; None for kinds without one, and for the generic unit itself."""
        unit = REGISTRY.get(self.base)
        return unit if unit is not None and unit.ndim is None and self.ndim is not None else None

    def arg(self, name: str) -> Arg:
        for a in self.arguments:
            if a.name == name:
                return a
        raise KeyError(name)

    def examples(self) -> list[Example]:
        """Uses of this kind that its own rules accept, one per sample input rank it takes:
        every required argument at its type's sample value (``SAMPLE_VALUES``), overridden
        by ``sample_args``. The torch-backend tests and the differential tests draw from
        these, so a new kind needs no hand-written sample anywhere else."""
        written = {a.name: SAMPLE_VALUES[a.type] for a in self.arguments if a.required}
        written.update(self.sample_args)
        out = []
        for shape in SAMPLE_INPUTS:
            try:
                args = self.validate(dict(written), {}, None, self.name)
                self.evaluate(Call(args, [shape] * (2 if self.merges else 1), kind=self.name))
            except CnnCalcError:
                continue
            out.append(Example(written, shape))
        return out

    # -- loading ---------------------------------------------------------------------------
    def validate(self, raw: dict[str, Any], arg_pos: dict[str, SourcePos],
                 pos: SourcePos | None, label: str) -> dict[str, Any]:
        """Check written arguments (aliases resolved, unknown names refused), fill defaults."""
        by_name = self._arguments_by_name()
        out: dict[str, Any] = {}
        for key, value in raw.items():
            a = by_name.get(key)
            where = arg_pos.get(key, pos)
            if a is None:
                names = [x.name for x in self.arguments] + [al for x in self.arguments
                                                            for al in x.aliases]
                known = ", ".join(x.name for x in self.arguments) or "none"
                raise SpecError(f"unknown argument '{key}'{did_you_mean(key, names)}; "
                                f"{self.name} takes: {known}", where, label, self.name,
                                code="unknown_argument", arg=key)
            if a.name in out:
                raise SpecError(f"'{a.name}' is given twice (as '{key}' and another alias)",
                                where, label, self.name, code="duplicate_argument", arg=key)
            try:
                out[a.name] = validate_arg(a, value)
            except SpecError as exc:
                raise SpecError(exc.message, where, label, self.name, code="bad_value",
                                arg=key) from None
            if key != a.name:
                arg_pos[a.name] = where
        for a in self.arguments:
            if a.name not in out:
                if a.default is REQUIRED:
                    raise SpecError(f"missing required argument '{a.name}'", pos, label,
                                    self.name, code="missing_argument", arg=a.name)
                out[a.name] = a.default
        self.check_args(out, lambda msg, arg=None: SpecError(
            msg, arg_pos.get(arg, pos) if arg else pos, label, self.name, code="bad_value",
            arg=_written_key(raw, self, arg)))
        return out

    def _arguments_by_name(self) -> dict[str, Arg]:
        """Each declaration under its name and its aliases, made once per unit (every layer
        of a spec is validated) and made again if ``arguments`` is replaced."""
        made = self.__dict__.get("_by_name")
        if made is None or made[0] is not self.arguments:
            by_name = {a.name: a for a in self.arguments}
            for a in self.arguments:
                for alias in a.aliases:
                    by_name[alias] = a
            made = self.__dict__["_by_name"] = (self.arguments, by_name)
        return made[1]

    def check_args(self, args: dict[str, Any], error: Callable[..., SpecError]) -> None:
        """Cross-argument checks that need no shapes (override where useful)."""

    # -- rules -------------------------------------------------------------------------------
    def resolve_ndim(self, call: Call) -> int:
        """Spatial axes the layer works on; checks the input rank against the kind."""
        rank = len(call.x)
        if self.ndim is not None and rank != self.ndim + 1:
            expected = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}[self.ndim]
            if call.layout == "hwc":
                expected = "[" + ", ".join(expected[4:-1].split(", ") + ["C"]) + "]"
            raise call.error(f"expects a {self.ndim + 1}-D input {expected} but got "
                             f"{call.fmt(call.x)} ({rank}-D)",
                             hint=self.rank_hint(call), code="rank_mismatch")
        if rank < self.min_rank:
            raise call.error(f"expects an input with spatial axes but got {call.fmt(call.x)}")
        return rank - 1

    def rank_hint(self, call: Call) -> str | None:
        if len(call.x) == 1:
            return "it comes after a flatten or dense layer; move it before the flatten"
        return None

    def output_shape(self, call: Call) -> Shape:
        """Shape rule (raise ``call.error`` where PyTorch would raise)."""
        return call.x

    def weights(self, call: Call) -> int:
        """Trainable weights (kernels, dense matrices, learned scales), biases apart."""
        return 0

    def biases(self, call: Call) -> int:
        """Trainable biases (learned additive terms, BatchNorm's shift included)."""
        return 0

    def params(self, call: Call) -> int:
        """Trainable parameters, as ``torch.nn.Module.parameters()`` counts them: weights plus
        biases (units write those two, never this sum)."""
        return self.weights(call) + self.biases(call)

    def buffers(self, call: Call) -> int:
        """Non-trainable floating-point state (BatchNorm running statistics)."""
        return 0

    def macs(self, call: Call) -> int:
        """Multiply-accumulates per sample of the layer's weighted sum: each weight of a window
        or matrix times an input, summed (conv, dense, connection-table conv, RBF)."""
        return 0

    def macs_per_forward(self, call: Result) -> int:
        """The part of ``macs`` a forward spends once whatever its batch (Swin V2's position
        bias MLP on its fixed table of offsets): at ``--batch N`` the engine counts it once,
        the rest N times, as FlopCounterMode sees a batched forward."""
        return 0

    def other_ops(self, call: Call) -> int:
        """Other arithmetic per sample, one per operation: bias adds, element-wise scales
        (BatchNorm, subsampling coefficients), normalization, activations, comparisons."""
        return 0

    def window(self, call: Call) -> Window | None:
        """The sliding window's geometry (kernel, stride, dilation, padding per side) for
        kinds that slide one; None for the rest."""
        return None

    references: ClassVar[tuple[str, ...]] = ()
    """Arguments that name another layer of the spec (``interpolate``'s ``size_of``): the
    loader adds that layer as an extra input of the node, after the data input."""
    functional: ClassVar[bool] = False
    """The framework computes the kind with a function, no module (``F.interpolate``): its
    rows say so."""

    flattens: ClassVar[bool] = False
    """The kind turns a feature map into a vector (flatten), so a dense layer after it sees
    ``C*H*W`` features."""
    dense: ClassVar[bool] = False
    """A fully-connected product over a flat input (the layers a flatten feeds)."""

    @property
    def merges(self) -> bool:
        """The kind joins two or more inputs (add, concat, ...)."""
        return self.n_inputs == 0

    def evaluate(self, call: Call) -> Result:
        """Run the rules on ``call`` (rank check, then the shape rule, which may warn and
        raises where PyTorch would) and return the frozen ``Result`` that every reader uses."""
        call.ndim = self.resolve_ndim(call)
        call.out = tuple(self.output_shape(call))
        return Result.of(
            args=MappingProxyType(call.args), inputs=tuple(call.inputs), ndim=call.ndim,
            out=call.out, kind=call.kind, weights=self.weights(call), biases=self.biases(call),
            buffers=self.buffers(call), macs=self.macs(call), other_ops=self.other_ops(call),
            window=self.window(call), merges=self.merges, flattens=self.flattens,
            dense=self.dense, dropped=tuple(call.dropped), warnings=tuple(call.warnings),
            name=call.name, pos=call.pos, arg_pos=MappingProxyType(call.arg_pos),
            layout=call.layout, framework=call.framework)

    def keeps_positions(self, result: Result) -> bool:
        """Whether every output position comes from the same input position alone: no
        window, no pixel move of its own, every axis but the last unchanged (LayerNorm,
        Linear, activations, adds). Such layers carry a channels-last receptive field."""
        return result.window is None and result.out[:-1] == result.x[:-1] and \
            type(self).receptive is LayerCore.receptive

    def receptive(self, result: Result, rf: Receptive) -> Receptive:
        """Receptive field after this layer: through its window where it has one (``window``),
        else unchanged; kinds that move or scale pixels otherwise override this."""
        window = result.window
        if window is None or window.formula == "deconv":
            return rf
        return rf.through(window.kernel, window.stride, [b for b, _ in window.pads],
                          window.dilation)
