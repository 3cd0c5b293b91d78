"""build() of a schema with special fields and nothing laid over it takes a shortcut
from its second call on (Resolution.built), and so does an association's child of
plain values. These tests make each call at least three times, so that the shortcut
is what they check: the same objects, the same errors, the same counts as the first
call."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest

from pyfactory import (
    BuilderError,
    CyclicDependencyError,
    Factory,
    FieldError,
    association,
    lazy,
    schema,
    sequence,
)
from pyfactory._core.realization.observe import observe


@dataclasses.dataclass
class Child:
    x: int
    y: str


@dataclasses.dataclass
class Account:
    id: int
    name: str
    slug: str
    tags: list[str]
    child: Child


class ChildFactory(Factory[Child]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"x": 1, "y": "y"}


class AccountFactory(Factory[Account]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": sequence(lambda n: n),
            "name": "Bob",
            "slug": lazy(lambda a: f"{a['name'].lower()}-{a['id']}"),
            "tags": ["new"],
            "child": association(ChildFactory, "basic"),
        }


def test_repeated_builds_make_fresh_objects_in_order() -> None:
    factory = AccountFactory()
    accounts = [factory.build("basic") for _ in range(4)]

    assert [a.id for a in accounts] == [1, 2, 3, 4]
    assert [a.slug for a in accounts] == ["bob-1", "bob-2", "bob-3", "bob-4"]
    assert all(a.child == Child(1, "y") for a in accounts)
    # Each object has its own child and its own copy of the schema's list.
    assert len({id(a.child) for a in accounts}) == 4
    accounts[0].tags.append("changed")
    assert [a.tags for a in accounts[1:]] == [["new"]] * 3
    assert factory.build("basic").tags == ["new"]


def test_a_lazy_field_reading_a_later_field_resolves_it_once() -> None:
    calls: list[int] = []

    def number(n: int) -> int:
        calls.append(n)
        return n * 10

    class Early(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"label": lazy(lambda a: f"#{a['n']}"), "n": sequence(number)}

    factory = Early()
    assert [factory.build("basic") for _ in range(3)] == [
        {"label": "#10", "n": 10},
        {"label": "#20", "n": 20},
        {"label": "#30", "n": 30},
    ]
    assert calls == [1, 2, 3]


def test_an_error_on_a_later_call_names_the_factory_schema_and_field() -> None:
    fail_at = 3

    def slug(attrs: Any) -> str:
        if attrs["id"] == fail_at:
            raise ValueError("no slug for 3")
        return "ok"

    class Failing(AccountFactory):
        @schema()
        def failing(self) -> dict[str, Any]:
            return {**self.attributes("basic"), "slug": lazy(slug)}

    factory = Failing()
    factory.build("failing")
    factory.build("failing")
    with pytest.raises(FieldError) as caught:
        factory.build("failing")
    assert str(caught.value) == (
        "Failing.failing → slug: lazy field raised ValueError('no slug for 3')"
    )
    # The factory goes on after the error.
    assert factory.build("failing").id == 4


def test_a_cycle_between_lazy_fields_is_still_found() -> None:
    class Cycle(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"a": lazy(lambda v: v["b"]), "b": lazy(lambda v: v["a"])}

    factory = Cycle()
    for _ in range(3):
        with pytest.raises(CyclicDependencyError) as caught:
            factory.build("basic")
        assert "a → b → a" in str(caught.value)


class Fragile:
    """A model that refuses to be made once ``broken`` is set."""

    broken = False

    def __init__(self, **values: Any) -> None:
        if Fragile.broken:
            raise RuntimeError("the child refused")
        self.values = values


class FragileFactory(Factory[Fragile]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"x": 1}


class ParentFactory(Factory[dict[str, Any]]):
    _model = dict

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"n": sequence(lambda n: n), "child": association(FragileFactory, "basic")}


def test_a_child_of_plain_values_failing_later_names_both_factories() -> None:
    factory = ParentFactory()
    first = [factory.build("basic") for _ in range(3)]
    assert [row["child"].values for row in first] == [{"x": 1}] * 3
    Fragile.broken = True
    try:
        with pytest.raises(BuilderError) as caught:
            factory.build("basic")
        # What a first call, which takes no shortcut, says.
        with pytest.raises(BuilderError) as first_call:
            ParentFactory().build("basic")
    finally:
        Fragile.broken = False
    assert str(caught.value) == (
        "ParentFactory.basic → child (FragileFactory.basic): "
        "ObjectBuilder.build(Fragile) raised RuntimeError('the child refused')"
    )
    assert str(first_call.value) == str(caught.value)
    assert isinstance(caught.value.__cause__, RuntimeError)
    # The factory goes on (the class's counter gave 4 and 5 to the failed calls).
    assert factory.build("basic")["n"] == 6


def test_an_observer_installed_after_the_shortcuts_counts_every_child() -> None:
    factory = AccountFactory()
    for _ in range(3):
        factory.build("basic")
    seen: Counter[tuple[str, str]] = Counter()

    class Observer:
        def made(self, owner: type[Any], scope: str, count: int) -> None:
            seen[(owner.__name__, scope)] += count

        def called(self, owner: type[Any], scope: str, count: int, seconds: float) -> None:
            pass

    previous = observe(Observer())
    try:
        for _ in range(2):
            factory.build("basic")
    finally:
        observe(previous)
    assert seen == {("AccountFactory", "build"): 2, ("ChildFactory", "build"): 2}
    # And with the observer gone, the shortcut is taken again.
    assert factory.build("basic").id == 6
