"""Building the frozen records made once per layer (``Result``, ``Row``) at the cost of a plain
object: a frozen dataclass's ``__init__`` sets each field with ``object.__setattr__``, which on a
500-layer network took a third of the walk. The instances built here are the same frozen
dataclass instances (equal, hashable, refusing assignment)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")
_FIELDS: dict[type, frozenset[str]] = {}


def built(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of frozen dataclass ``cls`` with exactly the fields ``values`` names."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
    if values.keys() != names:
        raise TypeError(f"{cls.__name__} needs exactly the fields {sorted(names)}")
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance
