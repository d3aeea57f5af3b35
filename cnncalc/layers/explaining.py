"""The explain part of a layer unit: the worked steps ``cnncalc explain`` and ``--trace``
print. Units with formulas (conv, pool, dense, ...) override ``explain``; the rest show their
shapes and parameters this way."""

from __future__ import annotations

from typing import Any

from .core import LayerCore, Result


class ExplainPart(LayerCore):
    """Default worked explanation, read from the frozen ``Result``."""

    def explain(self, call: Result, layout: str = "chw") -> list[Any]:
        """Worked steps (``cnncalc.worked.Line``) for ``cnncalc explain``/``--trace``, from the
        frozen ``Result``; kinds with formulas (conv, pool, dense, ...) override this."""
        from ..worked import Line, shape_text

        ins = ", ".join(shape_text(s, layout) for s in call.inputs)
        verb = "unchanged" if call.out == call.x and len(call.inputs) == 1 else "->"
        text = f"{ins} {verb}" if verb == "unchanged" else \
            f"{ins} -> {shape_text(call.out, layout)}"
        return [Line("shape", f"output shape: {text}"),
                Line("params", f"params = {call.params:,}")]
