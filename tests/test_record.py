"""cnncalc.record: the dataclass subset the analytic path's records rely on, pinned."""

from __future__ import annotations

from typing import ClassVar

import pytest

from cnncalc.record import FrozenRecordError, field, fields, record, replace


@record(frozen=True)
class Point:
    """A frozen record with a plain default and a factory default."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    unit: ClassVar[str] = "px"


class Labelled(Point):
    """A plain subclass keeps the record's constructor and fields."""


@record
class Bag:
    items: list[int] = field(default_factory=list)
    name: str = ""


def test_fields_defaults_and_equality_follow_dataclasses():
    p = Point(1)
    assert (p.x, p.y, p.tags) == (1, 0, ())
    assert [f.name for f in fields(Point)] == ["x", "y", "tags"]  # the ClassVar is no field
    assert p == Point(1, 0, ()) and p != Point(2) and p != (1, 0, ())
    assert hash(p) == hash(Point(1)) and repr(p) == "Point(x=1, y=0, tags=())"
    assert Labelled(3, y=4) == Labelled(3, 4) and Labelled(3) != Point(3)  # the class counts
    assert Point.__match_args__ == ("x", "y", "tags")


def test_a_frozen_record_refuses_assignment_and_replace_makes_a_copy():
    p = Point(1, 2)
    with pytest.raises(FrozenRecordError, match="cannot assign to field 'x'"):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y  # type: ignore[misc]
    q = replace(p, y=7)
    assert (p.y, q.y, q.x) == (2, 7, 1) and type(replace(Labelled(1), x=2)) is Labelled
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(p, z=1)


def test_a_plain_record_is_mutable_unhashable_and_gets_a_fresh_default_each_time():
    a, b = Bag(), Bag()
    a.items.append(1)
    assert b.items == [] and a != b
    a.name = "kept"
    assert a.name == "kept"
    with pytest.raises(TypeError):
        hash(a)


def test_constructor_errors_are_pythons_own():
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=2)  # type: ignore[call-arg]


def test_declarations_python_could_not_call_are_refused_at_definition():
    with pytest.raises(TypeError, match="non-default field 'b' follows a default field"):
        @record
        class Bad:
            a: int = 1
            b: int
    with pytest.raises(ValueError, match="mutable default"):
        @record
        class Shared:
            a: list[int] = []  # noqa: RUF012


def test_the_constructor_is_compiled_once_on_first_use():
    @record(frozen=True)
    class Lazy:
        a: int

    stub = Lazy.__dict__["__init__"]
    assert Lazy(1).a == 1
    compiled = Lazy.__dict__["__init__"]
    assert compiled is not stub and Lazy(2).a == 2 and Lazy.__dict__["__init__"] is compiled

