"""``cnncalc import torch MODULE:FACTORY``: build, trace, write; the notes to print.

Unlike the Keras importer this one runs the user's code (importing MODULE, calling FACTORY,
running forward on a meta tensor): that is the only way to know what a PyTorch model is.
"""

from __future__ import annotations

import contextlib
import sys

from ..errors import CnnCalcError
from .torch_load import build_module, parse_reference
from .torch_spec import to_spec
from .torch_trace import trace

DEFAULT_INPUT = (3, 224, 224)


def import_torch(reference: str, input_shape: tuple[int, ...] | None,
                 command: str) -> tuple[str, list[str]]:
    """(spec text, notes for stderr) of the model ``reference`` names."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise CnnCalcError("cnncalc import torch needs PyTorch: pip install 'cnncalc[torch]'") \
            from None
    ref = parse_reference(reference)
    shape = tuple(input_shape) if input_shape else DEFAULT_INPUT
    # what the user's code prints goes to stderr: stdout is the spec
    with contextlib.redirect_stdout(sys.stderr):
        model = build_module(ref)
        traced = trace(model, shape, f"'{ref.text}'")
    notes = [traced.note] if traced.note else []
    if traced.unused:
        total = sum(count for _, count in traced.unused)
        where = ", ".join(path or "(top)" for path, _ in traced.unused[:4])
        more = f" and {len(traced.unused) - 4} more" if len(traced.unused) > 4 else ""
        notes.append(f"{total:,} parameters in modules forward never calls in eval mode are "
                     f"not in the spec: {where}{more}")
    how = "read with forward hooks" if traced.note else "traced with torch.fx"
    return to_spec(traced, type(model).__name__, shape, command, how), notes
