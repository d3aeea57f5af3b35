"""A layer unit's Keras side: the Keras classes it stands for, how their arguments read
(``cnncalc import keras``), how a use of the kind is written as Keras code (``export --to
keras``), the ``keras.activations`` names of an activation kind, and the class that Keras'
``model.summary()`` shows (``analyze --style keras``).

A unit declares it as a class attribute, ``keras = KerasSide(...)``, in its own file (usually
in a "Keras side" section after the class); the importer, the exporter and the Keras names
of ``cnncalc.keras_names`` find it through ``sides()`` and know no kind by name. A kind with
no Keras counterpart declares nothing: export refuses it with its name, and its summary
class is its name in title case.

This module also holds what every unit's Keras reader and writer share: ``Written`` (the
written arguments, read one by one, with whatever is left unread an error), the integer
checks, and the small formatting helpers of the generated code. None of it imports Keras.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..record import record

NO_EFFECT = frozenset({
    "name", "dtype", "seed", "trainable_default", "autocast", "input_shape",
    "batch_input_shape", "input_dim", "batch_size", "fill_mode", "fill_value", "interpolation",
    "value_range", "noise_shape", "data_format_default", "momentum", "moving_mean_initializer",
    "synchronized", "sparse", "ragged", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
    "antialias", "bias_initializer",
})
NO_EFFECT_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
"""Arguments that change training, never a shape or a count."""


class KerasLayerError(Exception):
    """A layer's arguments cannot be written as a cnncalc layer; ``arg`` is the culprit."""

    def __init__(self, message: str, arg: str | None = None):
        super().__init__(message)
        self.arg = arg


class Refused(Exception):
    """A use of a kind that Keras cannot write with the same counts (export names it)."""


CHANNELS_LAST, AS_IS, ANY = "channels_last", "as_is", "any"
"""The layouts a written Keras layer may need of its input (``KerasSide.layout``)."""


class Written:
    """A layer's written arguments, read one by one; whatever is left unread at the end and
    has an effect is an error."""

    def __init__(self, cls: str, args: dict[str, Any], unknown_type: type):
        self.cls = cls
        self.args = dict(args)
        self.read: set[str] = set()
        self.unknown_type = unknown_type

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        value = self.args.get(name, default)
        if isinstance(value, self.unknown_type):
            line = getattr(value.node, "lineno", None)
            where = f" (line {line})" if line else ""
            raise KerasLayerError(f"{self.cls}'s {name}= cannot be read without running the "
                                  f"code: {value.why}{where}", name)
        return value

    def has(self, name: str) -> bool:
        return name in self.args

    def leftovers(self) -> None:
        for name, value in self.args.items():
            if name in self.read or name in NO_EFFECT or name.endswith(NO_EFFECT_SUFFIXES) \
                    or value is None:
                continue
            if name == "trainable" and value is True:
                continue
            if name == "data_format" and value in (None, "channels_last"):
                continue
            if name == "data_format":
                raise KerasLayerError(f"{self.cls}(data_format={value!r}): cnncalc reads "
                                      "channels-last Keras models only", name)
            if name == "trainable":
                raise KerasLayerError(f"{self.cls}(trainable=False): frozen weights are not "
                                      "expressible in a cnncalc spec", name)
            raise KerasLayerError(f"{self.cls} argument '{name}' is not one cnncalc reads",
                                  name)


Converted = tuple[str, dict[str, Any], str | None]
"""(cnncalc kind, arguments, the kind of the activation row after it or None)."""

Reader = Callable[[Written, int], Converted]
"""Keras arguments (and the rank its class name carries, 0 for none) -> a cnncalc layer."""


@record(frozen=True)
class Use:
    """One use of a kind, as the exporter writes it: the node's arguments, the rank (spatial
    axes of its input), its input shape and output shape (channels first)."""

    kind: str
    args: Any
    rank: int
    source: tuple[int, ...] = ()
    out: tuple[int, ...] = ()
    layout: str = "chw"
    """The spec's layout (``hwc``: a Keras-style spec, where some kinds read differently)."""
    order: tuple[int, ...] = ()
    """How the Keras tensor coming in holds the spec's axes (Keras axis i is the spec's axis
    order[i], batch excluded), for a kind that writes its layer in whatever order the
    input has (``KerasSide.regroup``)."""


Code = tuple[list[str], str, list[str]]
"""Keras constructor calls: (before, the layer, after); the strings hold ``{name}``,
``{pad}``, ``{crop}`` for the names the exporter fills in."""

Writer = Callable[[Use], "Code | str | None"]
"""A use -> its Keras code (or only the layer's call); None: no Keras layer of the same
counts for this use (the exporter says so). Raise ``Refused`` to say why."""


@record(frozen=True)
class KerasClass:
    """One Keras class a unit reads: its name (``{n}`` for the rank, with ``ranks``), the
    order of its positional arguments (Keras' signature) and its reader."""

    name: str
    positional: tuple[str, ...]
    read: Reader
    ranks: tuple[int, ...] = (0,)
    spelling: bool = False
    """Also a spelling of the kind in a spec, in Keras' snake case (``MaxPooling2D``,
    ``max_pooling2d``), where the unit's own arguments take Keras' names and meanings
    (``add_spellings``). Not where they differ: UpSampling2D's ``size`` is a factor, the
    upsample kind's an output size."""
    self_call: bool = False
    """Called as ``layer(x, x)`` (self-attention: query = value = x), read as one input."""

    def names(self) -> Iterator[tuple[str, int]]:
        for n in self.ranks:
            yield self.name.format(n=n), n


@record(frozen=True)
class KerasSide:
    """Everything Keras about a unit. ``summary`` is the class ``model.summary()`` shows
    (default: the first class's name; ``{n}`` is the rank of the layer's input, dropped where
    it is unknown); ``activations`` are the ``keras.activations`` names of the kind, the first
    the one export writes as ``layers.Activation(name)``."""

    classes: tuple[KerasClass, ...] = ()
    write: Writer | None = None
    activations: tuple[str, ...] = ()
    summary: str | None = None
    layout: str | Callable[[Use], str] = CHANNELS_LAST
    """How the written layer reads its input's axes: ``CHANNELS_LAST`` (Keras' own: the
    channels on the last axis, the spatial axes before it in order), ``AS_IS`` (the axes in
    the spec's order: Keras' last axis is the spec's last, as a Dense or a LayerNormalization
    after a ``permute`` needs) or ``ANY`` (element-wise: whatever the input has). The exporter
    writes a ``Permute`` before a layer whose input is laid out otherwise."""
    relayout: Callable[[Use], tuple[int, ...]] | None = None
    """A kind that only reorders axes (``permute``): the new order of the sample's axes
    (output axis a is input axis order[a]). The exporter writes no layer for it and lays the
    same Keras tensor out anew; the next layer that needs another layout gets a Permute."""
    regroup: Callable[[Use], tuple[str, tuple[int, ...]] | None] | None = None
    """A kind that regroups axes (``reshape``): given the input's Keras order (``Use.order``),
    the layer's call (``{name}`` to fill in) and the order of its output, where the regrouping
    can be written in the order Keras holds; None: write it in the spec's order (``AS_IS``)."""
    call: str = "{x}"
    """How the written layer is called on its input ``{x}`` (``{x}, {x}``: self-attention)."""
    helper: str | None = None
    """The source of a small Keras layer class the exported file defines (Keras has no layer
    for the kind): its name is the first class's. ``cnncalc import keras`` reads a class
    written exactly so, and no other class of that name."""

    def summary_class(self, unit_ndim: int | None, rank: int | None) -> str | None:
        name = self.summary or (self.classes[0].name if self.classes else None)
        if name is None or "{n}" not in name:
            return name
        n = unit_ndim if unit_ndim is not None else rank
        return name.format(n=n) if n else name.replace("{n}D", "").replace("{n}", "")

    def layout_of(self, use: Use) -> str:
        """An activation is element-wise: ``ANY`` unless it says otherwise."""
        if callable(self.layout):
            return self.layout(use)
        return ANY if self.activations and self.layout == CHANNELS_LAST else self.layout

    def code(self, use: Use) -> Code | None:
        if self.write is not None:
            written = self.write(use)
            if written is None or isinstance(written, tuple):
                return written
            return [], written, []
        if self.activations:
            return [], f"layers.Activation({self.activations[0]!r}, name={{name!r}})", []
        return None


def add_spellings() -> None:
    """Register every ``spelling`` class name as an alias of its kind, so that a Keras name
    written in a spec is declared once, on the unit's Keras side. The rank in a class name
    picks the unit of that rank (``MaxPooling2D``: maxpool2d); a name that already folds to
    the kind (``Conv2D``: conv2d) needs none. Run once the units are imported
    (``cnncalc.layers``), on every ``cnncalc analyze``: a plain loop, no regular expression
    (``tests/test_keras_names.py`` checks its snake case against Keras' rule)."""
    from .base import REGISTRY
    from .registry import add_alias, folded

    done: set[type] = set()
    for unit in list(REGISTRY.values()):
        side = getattr(type(unit), "keras", None)
        if type(unit) in done or not isinstance(side, KerasSide):
            continue
        done.add(type(unit))
        for cls in side.classes:
            if not cls.spelling:
                continue
            for name, n in cls.names():
                target = REGISTRY.get(f"{unit.base}{n}d") if n else None
                target = target or REGISTRY.get(unit.base) or unit
                if folded(name) != target.name:
                    add_alias(target, snake(name))


def snake(class_name: str) -> str:
    """Keras' snake case of a class name (``MaxPooling2D``: max_pooling2d; ``ReLU``: re_lu):
    an underscore before a capital that follows a lower-case letter or starts a word."""
    out = []
    for i, ch in enumerate(class_name):
        if ch.isupper() and i and (class_name[i - 1].islower() or
                                   i + 1 < len(class_name) and class_name[i + 1].islower()):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def sides() -> Iterator[tuple[Any, KerasSide]]:
    """(unit, its Keras side) for every registered unit that declares one."""
    from .base import REGISTRY

    for unit in REGISTRY.values():
        side = getattr(type(unit), "keras", None)
        if isinstance(side, KerasSide):
            yield unit, side


def side_of(kind: str) -> tuple[Any, KerasSide] | tuple[None, None]:
    from .base import REGISTRY

    unit = REGISTRY.get(kind)
    side = getattr(type(unit), "keras", None) if unit is not None else None
    return (unit, side) if isinstance(side, KerasSide) else (None, None)


# -- what readers share --------------------------------------------------------------------

def ints(value: Any, name: str, cls: str, minimum: int = 1) -> int | tuple[int, ...]:
    """A Keras size: an int or a tuple of ints, as a spec writes it (one int when equal)."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum
                             for v in values):
        raise KerasLayerError(f"{cls}'s {name}= must be whole numbers >= {minimum}, got "
                              f"{value!r}"[:160], name)
    return values[0] if len(set(values)) == 1 else tuple(values)


def per_axis(value: Any, n: int) -> list[int]:
    return list(value) if isinstance(value, tuple) else [value] * n


def read_activation(w: Written) -> str | None:
    """The kind of a layer's ``activation=`` row, or None."""
    from ..keras_names import activation_kind

    try:
        return activation_kind(w.get("activation"))
    except ValueError as exc:
        raise KerasLayerError(str(exc), "activation") from None


def sides_reader(kind: str, keras_name: str, arg: str, default: Any) -> Reader:
    """ZeroPadding/Cropping: an int, one per axis, or ((before, after), ...) per axis, as
    cnncalc's ``[b0, a0, b1, a1]``."""
    def read(w: Written, n: int) -> Converted:
        value = w.get(keras_name, default)
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple))
                                                              for v in value):
            flat = [x for pair in value for x in pair]
            if len(flat) != 2 * len(value):
                raise KerasLayerError(f"{w.cls}'s {keras_name}= pairs must have two values",
                                      keras_name)
            value = tuple(flat)
        return f"{kind}{n}d", {arg: ints(value, keras_name, w.cls, 0)}, None
    return read


def read_padding(w: Written, allowed: tuple[str, ...]) -> str:
    value = w.get("padding", "valid")
    if not isinstance(value, str) or value.lower() not in allowed:
        raise KerasLayerError(f"{w.cls}'s padding= must be one of {', '.join(allowed)}, got "
                              f"{value!r}", "padding")
    return value.lower()


# -- what writers share ----------------------------------------------------------------------

def py(value: Any) -> str:
    """A value as Python source (tuples with their trailing comma)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def axes(value: Any, n: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,) * n


def one(value: tuple[int, ...]) -> Any:
    return value[0] if len(set(value)) == 1 else value


def pairs(sides: list[tuple[int, int]]) -> Any:
    """(before, after) per axis as Keras writes them: ``(b, a)`` for 1-D layers,
    ``((b0, a0), (b1, a1))`` above."""
    return sides[0] if len(sides) == 1 else tuple(sides)


def keras_sides(value: Any, n: int) -> Any:
    """A per-side list (cnncalc's ``[b0, a0, b1, a1]``) as Keras' ``((b0, a0), (b1, a1))``."""
    if isinstance(value, tuple) and len(value) == 2 * n:
        return pairs([(value[2 * i], value[2 * i + 1]) for i in range(n)])
    return one(axes(value, n))
