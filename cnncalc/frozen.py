"""Building the frozen records made once per layer (``Result``, ``Row``) at the cost of a plain
object: even a record's ``__init__`` passes every field as an argument, which on a 500-layer
network is measurable; the instances built here are the same frozen records (equal, hashable,
refusing assignment)."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")
_FIELDS: dict[type, frozenset[str]] = {}


def built(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of frozen record ``cls`` with exactly the fields ``values`` names."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(cls.__record_names__)  # type: ignore[attr-defined]
    if values.keys() != names:
        raise TypeError(f"{cls.__name__} needs exactly the fields {sorted(names)}")
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance
