"""The debugger part of a layer unit: how ``check-spec`` mends a written mistake to read on
(``repaired``), runs a failed layer as if fixed (``recover``), and words a fix computed from
the user's numbers (``suggest_fixes``). Units override these for their own error codes; the
defaults here know the mistakes any unit may make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import CnnCalcError, SpecError, closest
from ..record import record
from .core import AXIS_NAMES, Call, LayerCore, Shape, fmt_shape
from .registry import lookup

if TYPE_CHECKING:
    from .fixes import FixContext

Attempt = tuple[list[Shape], dict[str, Any], str]
"""A way to run a failed layer once fixed: (input shapes, arguments, the assumption in words)."""


@record(frozen=True)
class Mend:
    """A layer's written arguments with one mistake mended (``LayerKind.repaired``): the
    fix to paste where one is clear, and what checking goes on with, in words."""

    raw: dict[str, Any]
    fix: str | None
    reading: str


def _yaml(value: Any) -> str:
    """A value as the user would write it in the spec (``true``, ``[1, 2]``, ``same``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return str(value)


class DebugPart(LayerCore):
    """Default mends, recoveries and fixes of every unit."""

    def repaired(self, raw: dict[str, Any], error: SpecError) -> Mend | None:
        """``raw`` (the arguments as written) with the one that ``error`` is about mended the
        likeliest way, so that a checker can go on past a typo and still see the problems
        below it: a misspelt name or choice becomes the closest one (``kernal_size`` ->
        ``kernel_size``, ``smae`` -> ``same``), an argument the kind does not take is left
        out, a bad optional value falls back to its default. None when no guess is safe (a
        missing required argument, a bad required value)."""
        key = error.arg
        if key is None or key not in raw:
            return None
        declared = {a.name: a for a in self.arguments}
        declared.update({alias: a for a in self.arguments for alias in a.aliases})
        rest = {k: v for k, v in raw.items() if k != key}
        written = f"{key}: {_yaml(raw[key])}"
        if error.code in ("unknown_argument", "duplicate_argument"):
            guess = closest(key, declared) if error.code == "unknown_argument" else None
            taken = {declared[k].name for k in rest if k in declared}
            if guess is not None and declared[guess].name not in taken:
                meant = f"{guess}: {_yaml(raw[key])}"
                return Mend({**rest, guess: raw[key]}, f"{meant} instead of {written}", meant)
            fix = f"delete '{written}'"
            if key == "activation" and isinstance(raw[key], str) and lookup(raw[key]):
                fix += f" and write '- {raw[key]}' as the next layer (Keras' activation=)"
            return Mend(rest, fix, f"'{key}' left out")
        arg = declared.get(key)
        if error.code != "bad_value" or arg is None:
            return None
        value = raw[key]
        if isinstance(value, str) and arg.choices:
            guess = closest(value, arg.choices)
            if guess is not None:
                return Mend({**raw, key: guess}, f"{key}: {guess} instead of {written}",
                            f"{key}: {guess}")
        if not arg.required:
            return Mend(rest, None, f"{arg.name} at its default ({arg.describe_default()})")
        return None

    # -- debugging (check-spec) ------------------------------------------------------------
    def recover(self, call: Call, error: CnnCalcError,
                ctx: FixContext | None = None) -> list[Attempt]:
        """Ways to run this layer as if ``error`` (raised by ``call``) were fixed, most
        plausible first (the fix suggested first, where the network ``ctx`` tells which);
        the debugger takes the first that works so that checking can go on below a failure
        with the shape the fix would give. Default: the mistakes any unit may make (a
        per-axis tuple of the wrong length, ``causal`` padding off a sequence); none else
        (the layers below get an unknown shape)."""
        if error.code == "axes_count" and error.arg:
            fitted = call.per_axis(error.arg)
            return [(call.inputs, {**call.args, error.arg: fitted},
                     f"as if {error.arg}: {_yaml(fitted)}")]
        if error.code == "causal_not_1d" and error.arg:
            return [(call.inputs, {**call.args, error.arg: "same"}, f"as if {error.arg}: same")]
        return []

    def suggest_fixes(self, ctx: FixContext, error: CnnCalcError) -> list[str]:
        """Fixes computed from the user's numbers for ``error``, raised by this layer in the
        network of ``ctx``, written so that they can be pasted into the spec. The default
        knows the errors any unit may raise: a wrong input rank, a window larger than its
        input. Units override it for their own codes and fall back on it."""
        if error.code == "kernel_too_large":
            from .fixes import too_small  # the fix helpers load on the error path only

            return too_small(ctx)
        shape = ctx.inputs[0]
        if error.code == "axes_count" and error.arg and len(shape) > 1:
            names = ", ".join(AXIS_NAMES[len(shape) - 1])
            written = ctx.node.args[error.arg]
            fitted = tuple(written[min(i, len(written) - 1)] for i in range(len(shape) - 1))
            return [f"{error.arg}: {_yaml(fitted)} (one value per spatial axis: {names}), or "
                    f"one number for all of them"]
        if error.code == "causal_not_1d" and error.arg:
            return [f"{error.arg}: same keeps {fmt_shape(shape[1:])} ('causal' pads only the "
                    "past of a 1-D sequence)"]
        source = ctx.node.inputs[0] if ctx.node.inputs else -1
        if error.code == "rank_mismatch" and len(shape) == 1 and source >= 0 and \
                ctx.graph.nodes[source].unit.flattens:
            from .fixes import line

            flat = ctx.graph.nodes[source]
            return [f"move '- flatten' ({line(flat, ctx.graph)}) below '{ctx.node.name}' and "
                    "the other layers that need the image"]
        if error.code == "rank_mismatch" and self.ndim is not None and 2 <= len(shape) <= 4:
            fitting = f"{self.base}{len(shape) - 1}d"
            if lookup(fitting) is not None:
                return [f"a {ctx.fmt(shape)} input needs {fitting}; or write '{self.base}', "
                        "which takes its rank from the input"]
        return []
