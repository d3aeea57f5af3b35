"""Every layer kind by name: the units register here, and the loader looks them up.

Kept apart from the units' base classes so that the core (which names a unit by the
dimension-specific kind it runs as) and the debugger (which suggests kinds) can both read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import LayerKind

REGISTRY: dict[str, LayerKind] = {}
ALIASES: dict[str, str] = {}
_FOLDED: dict[str, str] = {}


def _fold(name: str) -> str:
    """Spelling-insensitive key: ``MaxPool2d``, ``max_pool2d`` and ``maxpool2d`` are one name."""
    return name.lower().replace("_", "").replace("-", "")


def register(cls: type[LayerKind]) -> type[LayerKind]:
    """Class decorator: register one unit per dimensionality it declares."""
    for ndim in cls.dims:
        unit = cls(ndim)
        for name in (unit.name, *unit.aliases):
            if name in REGISTRY or name in ALIASES:
                raise AssertionError(f"layer name {name!r} registered twice")
        REGISTRY[unit.name] = unit
        for alias in unit.aliases:
            ALIASES[alias] = unit.name
        for name in (unit.name, *unit.aliases):
            _FOLDED.setdefault(_fold(name), unit.name)
    return cls


def add_alias(unit: LayerKind, alias: str) -> None:
    """One more spelling of a registered unit (a Keras class name its Keras side declares)."""
    if alias in REGISTRY or alias in ALIASES or _FOLDED.get(_fold(alias), unit.name) != unit.name:
        raise AssertionError(f"layer name {alias!r} registered twice")
    ALIASES[alias] = unit.name
    _FOLDED.setdefault(_fold(alias), unit.name)
    unit.aliases = (*unit.aliases, alias)


def unregister(cls: type[LayerKind]) -> None:
    """Undo ``register`` (a kind defined for a test's lifetime)."""
    for name in [n for n, unit in REGISTRY.items() if type(unit) is cls]:
        unit = REGISTRY.pop(name)
        for alias in unit.aliases:
            ALIASES.pop(alias, None)
        for spelling in (name, *unit.aliases):
            if _FOLDED.get(_fold(spelling)) == name:
                del _FOLDED[_fold(spelling)]


def folded(name: str) -> str | None:
    """The kind a spelling folds to (``MaxPool2d``: maxpool2d), or None."""
    return _FOLDED.get(_fold(name))


def lookup(name: str) -> LayerKind | None:
    """The unit called ``name`` (canonical or alias), or None."""
    if name in REGISTRY:
        return REGISTRY[name]
    canonical = ALIASES.get(name) or _FOLDED.get(_fold(name))
    return REGISTRY[canonical] if canonical else None
