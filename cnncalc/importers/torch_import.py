"""``cnncalc import torch MODULE:FACTORY``: build, trace, write; the notes to print.

Unlike the Keras importer this one runs the user's code (importing MODULE, calling FACTORY,
running forward on a meta tensor): that is the only way to know what a PyTorch model is.
"""

from __future__ import annotations

import contextlib
import sys

from ..errors import CnnCalcError
from .torch_blocks import find_blocks
from .torch_load import build_module, parse_reference
from .torch_spec import to_spec
from .torch_trace import trace

DEFAULT_INPUT = (3, 224, 224)


def import_torch(reference: str, input_shape: tuple[int, ...] | None,
                 command: str, flat: bool = False) -> tuple[str, list[str]]:
    """(spec text, notes for stderr) of the model ``reference`` names; repeated module
    classes are blocks unless ``flat``."""
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
    name = type(model).__name__
    written = to_spec(traced, name, shape, command, how)
    if flat:
        return written, notes
    classes = {path: f"{type(m).__module__}.{type(m).__qualname__}"
               for path, m in model.named_modules()}
    calls, _ = find_blocks(traced, classes)
    if not calls:
        return written, notes
    with_blocks = to_spec(traced, name, shape, command, how, calls)
    problem = same_network(written, with_blocks)
    if problem:     # a bug of the block writer: never a silently different network
        notes.append(f"the spec is written without blocks: written with them it would differ "
                     f"({problem}); please report it")
        return written, notes
    return with_blocks, notes


def same_network(flat: str, blocks: str) -> str | None:
    """What differs between two specs' rows (kind, shape, counts, receptive field), or None.

    Rows are matched by name, except merges: a merge written as branches in a block is
    auto-named, so merges are matched as a multiset."""
    from .. import analyze_text

    def rows(text: str) -> tuple[dict[str, tuple], list[tuple]]:
        named: dict[str, tuple] = {}
        merges: list[tuple] = []
        for row in analyze_text(text, "<imported>").rows:
            key = (row.kind, str(row.output_shape), row.params, row.macs,
                   str(row.receptive_field))
            if row.kind in ("add", "concat", "multiply"):
                merges.append(key)
            else:
                named[row.name] = key
        return named, sorted(merges)

    try:
        a, b = rows(flat), rows(blocks)
    except CnnCalcError as exc:
        return f"it does not load: {exc}"
    if a[1] != b[1]:
        return "its merges"
    for row_name in a[0]:
        if a[0][row_name] != b[0].get(row_name):
            return f"row {row_name}"
    return None if set(a[0]) == set(b[0]) else "its row names"
