"""build() of a plan with special fields runs its compiled function from the second
call on (pyfactory._core.resolution.compiled). Each test here makes the first call,
which the resolver's loop serves, and later ones, which the compiled function serves,
and asserts that both give the same values and the same errors, for each kind of step
the compiler writes out (sequence, lazy, child of plain values, any other field) and
each piece of bookkeeping it keeps only where needed (pending keys, the stack,
transient and omitted keys, fresh copies)."""

from __future__ import annotations

import dataclasses
import traceback
from typing import Any

import pytest

from pyfactory import (
    OMIT,
    AsyncModeError,
    BuilderError,
    CyclicDependencyError,
    Factory,
    FieldError,
    association,
    fake,
    lazy,
    schema,
    sequence,
    transient,
)
from pyfactory.pytest import defaults


@dataclasses.dataclass
class Child:
    x: int
    y: str


class ChildFactory(Factory[Child]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"x": 1, "y": "y"}


def builds(factory: Factory[Any], count: int = 4, schema_name: str = "basic") -> list[Any]:
    return [factory.build(schema_name) for _ in range(count)]


def messages(factory: Factory[Any], error: type[Exception], count: int = 3) -> list[str]:
    """The message of each of ``count`` failing build() calls."""
    found = []
    for _ in range(count):
        with pytest.raises(error) as caught:
            factory.build("basic")
        found.append(str(caught.value))
    return found


def test_the_second_build_runs_the_compiled_function() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n)}

    factory = Rows()
    factory.build("basic")
    factory.build("basic")
    made = factory._pf_quick["basic"]
    assert made.__code__.co_filename.startswith("<pyfactory build of Rows.basic #")  # type: ignore[attr-defined]
    assert builds(factory, 2) == [{"n": 3}, {"n": 4}]


def test_a_lazy_field_reads_fields_before_and_after_it() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "a": sequence(lambda n: n),
                "label": lazy(lambda v: f"{v['a']}-{v['b']}-{v['name']}"),
                "b": sequence(lambda n: n * 10),
                "name": "x",
                "child": association(ChildFactory, "basic"),
            }

    rows = builds(Rows())
    assert [(row["a"], row["b"], row["label"]) for row in rows] == [
        (1, 10, "1-10-x"),
        (2, 20, "2-20-x"),
        (3, 30, "3-30-x"),
        (4, 40, "4-40-x"),
    ]
    assert {id(row["child"]) for row in rows}.__len__() == 4
    assert all(row["child"] == Child(1, "y") for row in rows)


def test_a_field_read_early_by_a_lazy_one_is_resolved_once() -> None:
    calls: list[int] = []

    def counted(n: int) -> int:
        calls.append(n)
        return n

    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"twice": lazy(lambda v: v["n"] * 2), "n": sequence(counted)}

    assert [row["twice"] for row in builds(Rows())] == [2, 4, 6, 8]
    assert calls == [1, 2, 3, 4]


def test_a_sequence_that_raises_names_the_field_on_every_call() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: 1 // 0), "name": lazy(lambda v: "x")}

    assert (
        messages(Rows(), FieldError)
        == [
            "Rows.basic → n: sequence(<lambda>) raised ZeroDivisionError('integer division or "
            "modulo by zero')"
        ]
        * 3
    )


def test_a_cycle_is_found_on_every_call() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "n": sequence(lambda n: n),
                "a": lazy(lambda v: v["b"]),
                "b": lazy(lambda v: v["a"]),
            }

    found = messages(Rows(), CyclicDependencyError)
    assert len(set(found)) == 1
    assert "a → b → a" in found[0]


def test_a_model_that_refuses_the_values_gives_the_builders_error() -> None:
    @dataclasses.dataclass
    class Strict:
        n: int

        def __post_init__(self) -> None:
            if self.n > 1:
                raise ValueError(f"no {self.n}")

    class StrictFactory(Factory[Strict]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n)}

    factory = StrictFactory()
    assert factory.build("basic") == Strict(1)
    found = messages(factory, BuilderError)
    assert found == [
        f"StrictFactory.basic: ObjectBuilder.build(Strict) raised ValueError('no {n}')"
        for n in (2, 3, 4)
    ]


def test_omitted_and_transient_keys_are_dropped_as_the_loop_drops_them() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "n": sequence(lambda n: n),
                "secret": transient("s"),
                "odd": lazy(lambda v: v["n"] if v["n"] % 2 else OMIT),
                "seen": lazy(lambda v: v["secret"] * v["n"]),
            }

    assert builds(Rows()) == [
        {"n": 1, "odd": 1, "seen": "s"},
        {"n": 2, "seen": "ss"},
        {"n": 3, "odd": 3, "seen": "sss"},
        {"n": 4, "seen": "ssss"},
    ]


def test_each_object_gets_its_own_copy_of_a_mutable_value() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "tags": ["new"]}

    rows = builds(Rows())
    rows[1]["tags"].append("changed")
    assert [row["tags"] for row in rows] == [["new"], ["new", "changed"], ["new"], ["new"]]


def test_an_open_defaults_block_stands_for_the_child() -> None:
    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "child": association(ChildFactory, "basic")}

    factory = Rows()
    builds(factory, 2)
    mine = Child(7, "mine")
    with defaults(child=mine):
        inside = builds(factory, 2)
    after = builds(factory, 1)
    assert [row["child"] is mine for row in inside] == [True, True]
    assert after[0]["child"] == Child(1, "y")
    assert after[0]["child"] is not mine


def test_a_child_that_refuses_its_values_names_both_factories() -> None:
    refuse = False

    @dataclasses.dataclass
    class Touchy:
        x: int

        def __post_init__(self) -> None:
            if refuse:
                raise RuntimeError("refused")

    class TouchyFactory(Factory[Touchy]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"x": 1}

    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "child": association(TouchyFactory, "basic")}

    factory = Rows()
    builds(factory, 3)
    refuse = True
    expected = (
        "Rows.basic → child (TouchyFactory.basic): "
        "ObjectBuilder.build(Touchy) raised RuntimeError('refused')"
    )
    assert messages(factory, BuilderError) == [expected] * 3
    assert messages(Rows(), BuilderError, 1) == [expected]


def test_a_lazy_coroutine_under_build_is_refused_on_every_call() -> None:
    async def later(values: Any) -> str:
        return "x"

    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "name": lazy(later)}

    found = messages(Rows(), AsyncModeError)
    assert len(set(found)) == 1
    assert found[0].startswith("Rows.basic → name: lazy field returned a coroutine")


def test_other_fields_and_children_it_cannot_shortcut_keep_their_values() -> None:
    """A seeded fake (a step the compiler leaves to the field), a child with overrides
    and an attribute of a child: the same values as a batch, which takes no compiled
    function, gives the same objects."""

    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "name": fake("first_name"),
                "child": association(ChildFactory, "basic", y="given"),
                "x": association(ChildFactory, "basic", attr="x"),
                "upper": lazy(lambda v: v["name"].upper()),
            }

    singles = builds(Rows(seed=3))
    batch = Rows(seed=3).build_batch("basic", 4)
    assert singles == batch
    assert [row["child"] for row in singles] == [Child(1, "given")] * 4
    assert [row["x"] for row in singles] == [1] * 4
    assert all(row["upper"] == row["name"].upper() for row in singles)


def test_keys_of_any_text_are_literals_in_the_compiled_function() -> None:
    odd = 'it\'s "odd"\n{0} \\ é'

    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {odd: sequence(lambda n: n), "copy": lazy(lambda v: v[odd])}

    assert builds(Rows()) == [{odd: n, "copy": n} for n in (1, 2, 3, 4)]


def test_a_lazy_field_building_the_same_plan_again_gets_its_own_resolution() -> None:
    class Tree(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "n": sequence(lambda n: n),
                "inner": lazy(lambda v: tree.build("basic") if v["n"] % 3 == 1 else None),
                "after": lazy(lambda v: v["n"] * 10),
            }

    tree = Tree()
    assert builds(tree, 3) == [
        {"n": 1, "inner": {"n": 2, "inner": None, "after": 20}, "after": 10},
        {"n": 3, "inner": None, "after": 30},
        {"n": 4, "inner": {"n": 5, "inner": None, "after": 50}, "after": 40},
    ]


def test_a_traceback_through_the_compiled_function_shows_its_lines() -> None:
    def failing(values: Any) -> str:
        raise ValueError("no slug")

    class Rows(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "slug": lazy(failing)}

    factory = Rows()
    with pytest.raises(FieldError):
        factory.build("basic")  # the first call: the resolver's loop
    with pytest.raises(FieldError) as caught:
        factory.build("basic")  # the second: the compiled function
    assert str(caught.value) == "Rows.basic → slug: lazy field raised ValueError('no slug')"
    shown = "".join(traceback.format_exception(caught.value.__cause__))
    assert "<pyfactory build of Rows.basic #" in shown
    assert "value = f1_fn(r.attrs)" in shown
