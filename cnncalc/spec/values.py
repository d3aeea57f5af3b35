"""One rule for every written value: where it is evaluated, with which variables, and how a
mistake in it is reported.

A value is evaluated where it is written, whatever holds it (a layer's argument, a block call
in either form, ``repeat``, ``when``, ``vars``, a function, a spec-level arg): a string that
is an expression (``expr.Evaluator.is_expression``: it names a ``$variable`` or is made of
numbers, operators and functions) becomes its value; lists and mappings are evaluated item by
item; anything else is kept as written. ``$in`` is the shape coming into the item being
written, computed by the engine on demand.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import CnnCalcError, SourcePos, SpecError
from ..expr import Evaluator, ExprError, InputShape, render_name
from ..graph import NETWORK_INPUT, Node
from ..source import PosDict, PosList
from .scope import Scope

_IN = re.compile(r"\$in\b")


class Values:
    """Evaluates the values of one spec; ``here`` is the input of the item being built (a
    node id, or a tuple of ids where branches meet)."""

    def __init__(self, evaluator: Evaluator, input_shape: tuple[int, ...], layout: str):
        self.evaluator = evaluator
        self.input_shape = input_shape
        self.layout = layout
        self.framework = ""
        """Whose rule decides ``same`` at stride > 1, for the shapes ``$in`` reads."""
        self.here: int | tuple[int, ...] = NETWORK_INPUT
        self.nodes: list[Node] = []
        self._shapes: dict[int, tuple[int, ...] | None] = {NETWORK_INPUT: input_shape}
        self._failed: dict[int, str] = {}

    def set_input(self, shape: tuple[int, ...]) -> None:
        """The network's input, known once the spec's args have been read."""
        self.input_shape = shape
        self._shapes[NETWORK_INPUT] = shape

    # -- values ----------------------------------------------------------------------------
    def value(self, value: Any, scope: Scope, pos: SourcePos | None, label: str = "",
              names: bool = False) -> Any:
        """``value`` with every expression in it evaluated (``names``: a ``from:`` value,
        where only ``$variables`` are read, since layer names hold dashes)."""
        if isinstance(value, str):
            if names and "$" not in value:
                return value
            if self.evaluator.is_expression(value):
                return self.text(value, scope, pos, label)
            return value
        if isinstance(value, list):
            items = PosList(self.value(v, scope, _item_pos(value, i, pos), label, names)
                            for i, v in enumerate(value))
            items.pos, items.item_pos = getattr(value, "pos", pos), getattr(value, "item_pos", [])
            return items
        if isinstance(value, PosDict):
            out = PosDict((k, self.value(v, scope, value.pos_of(k), label, names))
                          for k, v in value.items())
            out.pos, out.key_pos = value.pos, value.key_pos
            out.value_pos = value.value_pos
            return out
        return value

    def text(self, text: str, scope: Scope, pos: SourcePos | None, label: str = "") -> Any:
        """One expression's value, any mistake a located error."""
        env = scope.env
        if _IN.search(text) and "in" not in env:
            env = {**env, "in": self.input_view(pos, label)}
        try:
            result = self.evaluator.evaluate(text, env)
        except ExprError as exc:
            raise SpecError(str(exc), pos, label or None) from None
        if isinstance(result, InputShape):
            raise SpecError(f"'{text}' is a shape; write $in.channels, $in.size or $in.shape",
                            pos, label or None)
        return result

    def name(self, template: str, scope: Scope, pos: SourcePos | None) -> str:
        """A written name, computed where it holds ``{expressions}`` or ``{#}``."""
        if "{" not in template and "$" not in template and "}" not in template:
            return template
        env = scope.env
        if _IN.search(template):
            env = {**env, "in": self.input_view(pos, "")}
        try:
            return render_name(template, env, self.evaluator, scope.next_index)
        except ExprError as exc:
            raise SpecError(str(exc), pos) from None

    def explain_text(self, error: SpecError, raw: dict[str, Any]) -> None:
        """A refused argument that looks like arithmetic with a name and no ``$`` (``4 * w``)
        gets a hint saying how to write the variable."""
        value = raw.get(error.arg) if error.arg else None
        if not isinstance(value, str) or error.hint:
            return
        bare = self.evaluator.bare_names(value)
        if bare:
            error.hint = (f"'{value}' is read as text because '{bare[0]}' is not a variable or "
                          f"a function; write ${bare[0]} for a variable")

    # -- $in -------------------------------------------------------------------------------
    def input_view(self, pos: SourcePos | None, label: str) -> InputShape:
        here = self.here
        if isinstance(here, tuple):
            raise SpecError("$in is not defined here: several branches meet (write $in inside "
                            "a branch, or read the shape before the merge)", pos, label or None)
        if not self.input_shape:
            raise SpecError("$in is the shape coming into a layer; it is not defined in the "
                            "spec's input, args or vars", pos, label or None)
        shape = self.shape_of(here)
        if shape is None:
            failed = self._failed.get(here, "an earlier layer fails")
            raise SpecError(f"$in is unknown here: {failed}", pos, label or None)
        return InputShape(shape, self.layout)

    def shape_of(self, node_id: int) -> tuple[int, ...] | None:
        """The output shape of a node built so far, running the engine's rules on the nodes
        not yet computed (once each)."""
        if node_id in self._shapes:
            return self._shapes[node_id]
        from ..engine import call_for, run

        for node in self.nodes[:node_id + 1]:
            if node.id in self._shapes:
                continue
            inputs = [self._shapes.get(i) for i in node.inputs]
            if any(s is None for s in inputs):
                self._shapes[node.id] = None
                upstream = next(i for i in node.inputs if self._shapes.get(i) is None)
                self._failed[node.id] = self._failed.get(upstream, "an earlier layer fails")
                continue
            try:
                self._shapes[node.id] = run(node, call_for(node, inputs, layout=self.layout,
                                                            framework=self.framework)).out
            except CnnCalcError:
                self._shapes[node.id] = None
                self._failed[node.id] = f"layer '{node.name}' before it fails"
        return self._shapes.get(node_id)


def _item_pos(container: Any, index: int, default: SourcePos | None) -> SourcePos | None:
    if isinstance(container, PosList):
        return container.pos_of(index) or default
    return default
