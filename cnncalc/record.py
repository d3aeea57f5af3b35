"""Records for the modules every ``cnncalc analyze`` loads, at a fifth of a dataclass's import cost.

``dataclasses.dataclass`` compiles four to six functions per class when the class is defined
(``__init__``, ``__repr__``, ``__eq__``, and for a frozen one ``__hash__``, ``__setattr__`` and
``__delattr__``), about a millisecond a class. The analytic path defines some thirty records, so
that was a fifth of the time a user waits for ``cnncalc analyze`` on a large network. A record
compiles its ``__init__`` alone (the one method whose speed matters per layer) and shares one
generic ``__repr__``, ``__eq__``, ``__hash__`` and frozen ``__setattr__`` among all records.

It behaves as the dataclass subset the project uses: annotated fields in order (a base record's
first), defaults and ``field(default_factory=...)``, ``frozen``, value equality, hashing of a
frozen record, and :func:`replace` and :func:`fields` in place of the ``dataclasses`` ones.
Modules off that path (importers, the torch backend, the debugger's search) keep dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING: Any = object()


class FrozenRecordError(AttributeError):
    """Assigning to a field of a frozen record."""


class Field:
    """One field of a record: its name and its default (a value, or a factory for a fresh
    mutable value per instance)."""

    __slots__ = ("name", "default", "default_factory")

    def __init__(self, default: Any = _MISSING, default_factory: Any = _MISSING) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING) -> Any:
    """A field's default where a bare ``= value`` cannot say it (a fresh list or dict)."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("a field takes a default or a default_factory, not both")
    return Field(default, default_factory)


def _is_classvar(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _own_fields(cls: type) -> list[Field]:
    out = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        written = cls.__dict__.get(name, _MISSING)
        made = written if isinstance(written, Field) else Field(written)
        if isinstance(made.default, (list, dict, set)):
            raise ValueError(f"mutable default for field {name} of {cls.__name__}: use "
                             "field(default_factory=...)")
        made.name = name
        if made.default is _MISSING:
            if name in cls.__dict__:
                delattr(cls, name)
        else:
            setattr(cls, name, made.default)
        out.append(made)
    return out


def _first_init(cls: type, all_fields: list[Field]) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one on the class's first instance and hands over
    to it: a record never built by a run (a debugger's, or one made by ``frozen.built``)
    costs no compilation at all."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if cls.__dict__.get("__init__") is __init__:
            source, names = _init_source(all_fields)
            exec(source, names)  # noqa: S102 (source built from the class's own field names)
            made = names["__init__"]
            made.__qualname__ = f"{cls.__qualname__}.__init__"
            type.__setattr__(cls, "__init__", made)
        cls.__dict__["__init__"](self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _init_source(all_fields: list[Field]) -> tuple[str, dict[str, Any]]:
    """``__init__``'s source: each field stored straight into ``__dict__`` (what a frozen
    dataclass does with ``object.__setattr__``, without the call)."""
    params, body, names = ["self"], ["    __d = self.__dict__"], {"__MISSING": _MISSING}
    seen_default = False
    for f in all_fields:
        if f.default_factory is not _MISSING:
            names[f"__f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__MISSING")
            body.append(f"    __d[{f.name!r}] = __f_{f.name}() if {f.name} is __MISSING "
                        f"else {f.name}")
            seen_default = True
            continue
        if f.default is not _MISSING:
            names[f"__d_{f.name}"] = f.default
            params.append(f"{f.name}=__d_{f.name}")
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default field '{f.name}' follows a default field")
        else:
            params.append(f.name)
        body.append(f"    __d[{f.name!r}] = {f.name}")
    return f"def __init__({', '.join(params)}):\n" + "\n".join(body) + "\n", names


def _repr(self: Any) -> str:
    parts = ", ".join(f"{n}={self.__dict__[n]!r}" for n in type(self).__record_names__)
    return f"{type(self).__qualname__}({parts})"


def _values(self: Any) -> tuple[Any, ...]:
    own = self.__dict__
    return tuple(own[n] for n in type(self).__record_names__)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field '{name}' of a frozen "
                            f"{type(self).__name__}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field '{name}' of a frozen {type(self).__name__}")


def _put(cls: type, name: str, value: Any) -> None:
    if name not in cls.__dict__:
        setattr(cls, name, value)


def record(cls: type[T] | None = None, *, frozen: bool = False) -> Any:
    """Make ``cls`` a record (used as ``@record`` or ``@record(frozen=True)``)."""

    def wrap(cls: type[T]) -> type[T]:
        inherited: list[Field] = []
        for base in reversed(cls.__mro__[1:]):
            for f in base.__dict__.get("__record_fields__", ()):
                inherited = [g for g in inherited if g.name != f.name] + [f]
        own = _own_fields(cls)
        all_fields = [f for f in inherited if f.name not in {g.name for g in own}] + own
        _init_source(all_fields)  # refuses a field order Python could not call now
        cls.__init__ = _first_init(cls, all_fields)  # type: ignore[misc]
        cls.__record_fields__ = tuple(all_fields)  # type: ignore[attr-defined]
        cls.__record_names__ = tuple(f.name for f in all_fields)  # type: ignore[attr-defined]
        cls.__match_args__ = cls.__record_names__  # type: ignore[attr-defined]
        _put(cls, "__repr__", _repr)
        explicit_hash = "__hash__" in cls.__dict__ and not (
            cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__)
        _put(cls, "__eq__", _eq)
        if not explicit_hash:
            cls.__hash__ = _hash if frozen else None  # type: ignore[assignment,method-assign]
        if frozen:
            cls.__setattr__ = _frozen_setattr  # type: ignore[method-assign,assignment]
            cls.__delattr__ = _frozen_delattr  # type: ignore[method-assign,assignment]
        return cls

    return wrap if cls is None else wrap(cls)


def fields(item: Any) -> tuple[Field, ...]:
    """The fields of a record (class or instance), in order."""
    try:
        return item.__record_fields__
    except AttributeError:
        raise TypeError(f"{item!r} is not a record") from None


def replace(item: T, **changes: Any) -> T:
    """A copy of record ``item`` with ``changes`` (a frozen record's way to change)."""
    values = {n: item.__dict__[n] for n in type(item).__record_names__}  # type: ignore[attr-defined]
    unknown = changes.keys() - values.keys()
    if unknown:
        raise TypeError(f"{type(item).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(item)(**values)


def is_record(item: Any) -> bool:
    return hasattr(type(item) if not isinstance(item, type) else item, "__record_names__")
