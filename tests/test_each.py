"""``each(values)`` and ``ctx.index``: the i-th object of a batch gets
``values[i % len(values)]``, from a list, any iterable read lazily and once, a
SQLAlchemy ``select()`` or a Django queryset."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyfactory import (
    Factory,
    FactoryDefinitionError,
    FactoryError,
    FieldContext,
    SpecialField,
    each,
    many,
    schema,
)
from pyfactory.builders import SQLAlchemyBuilder
from tests.models.sqlalchemy import Author, Post


def dict_factory(fields: dict[str, Any]) -> Factory[dict[str, Any]]:
    class Rows(Factory[dict[str, Any]]):
        _model = dict
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return dict(fields)

    return Rows()


class Index(SpecialField[int]):
    def resolve(self, ctx: FieldContext) -> int:
        return ctx.index


class TestLists:
    def test_a_batch_takes_the_values_in_turn_and_starts_over(self) -> None:
        rows = dict_factory({"id": each([10, 20, 30]), "i": Index()}).build_batch(7)
        assert [r["id"] for r in rows] == [10, 20, 30, 10, 20, 30, 10]
        assert [r["i"] for r in rows] == list(range(7))

    def test_every_batch_starts_at_the_first_value(self) -> None:
        factory = dict_factory({"id": each("abc"[i] for i in range(3))})
        assert [r["id"] for r in factory.build_batch(2)] == ["a", "b"]
        assert [r["id"] for r in factory.build_batch(2)] == ["a", "b"]

    def test_single_calls_take_the_next_value_each_time(self) -> None:
        """As factory_boy's Iterator: one call after another goes through the values."""
        factory = dict_factory({"role": each(["admin", "staff"]), "i": Index()})
        made = [factory.build() for _ in range(3)]
        assert [m["role"] for m in made] == ["admin", "staff", "admin"]
        assert [m["i"] for m in made] == [0, 1, 2]

    def test_many_children_are_numbered_in_their_list(self) -> None:
        child = dict_factory({"slot": each(["a", "b", "c"]), "i": Index()})
        parent = dict_factory({"children": many(child, count=4)})
        assert [c["slot"] for c in parent.build()["children"]] == ["a", "b", "c", "a"]
        assert [c["i"] for c in parent.build()["children"]] == [0, 1, 2, 3]


class TestIterables:
    def test_an_iterable_is_read_lazily_and_once(self) -> None:
        reads: list[int] = []

        def numbers() -> Iterator[int]:
            for n in range(100):
                reads.append(n)
                yield n

        factory = dict_factory({"n": each(numbers())})
        assert reads == []  # declaring it read nothing
        assert [r["n"] for r in factory.build_batch(3)] == [0, 1, 2]
        assert reads == [0, 1, 2]
        assert [r["n"] for r in factory.build_batch(2)] == [0, 1]
        assert reads == [0, 1, 2]  # read once: the values are kept

    def test_an_endless_iterable_gives_a_new_value_per_object(self) -> None:
        factory = dict_factory({"n": each(itertools.count(100))})
        assert [r["n"] for r in factory.build_batch(1000)][-2:] == [1098, 1099]

    def test_an_empty_iterable_is_an_error_naming_the_field(self) -> None:
        with pytest.raises(
            FactoryError, match=r"^Rows\.basic → id: each\(\) has no values to give: \[\] was empty"
        ):
            dict_factory({"id": each([])}).build()

    @pytest.mark.parametrize("values", ["abc", b"abc", {"a": 1}])
    def test_strings_and_mappings_are_refused(self, values: Any) -> None:
        with pytest.raises(FactoryDefinitionError, match="each\\(\\) takes the values"):
            each(values)

    def test_a_query_without_a_builder_to_run_it_is_refused(self) -> None:
        with pytest.raises(
            FactoryDefinitionError, match=r"^Rows\.basic → id: each\(\) takes .* ObjectBuilder runs"
        ):
            dict_factory({"id": each(object())}).build()


class PostFactory(Factory[Post]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "t", "author": each(select(Author).order_by(Author.id))}


class TestQueries:
    def test_a_select_is_run_in_the_session(self, session: Session) -> None:
        authors = [Author(name=f"a{i}", email=f"a{i}@x.org") for i in range(2)]
        session.add_all(authors)
        session.flush()
        posts = PostFactory(session=session).create_batch(3)
        assert [p.author for p in posts] == [authors[0], authors[1], authors[0]]

    async def test_a_select_under_acreate(self, async_session: AsyncSession) -> None:
        async_session.add_all([Author(name="x", email="x@x.org")])
        await async_session.flush()
        posts = await PostFactory(session=async_session).acreate_batch(2)
        assert [p.author.name for p in posts] == ["x", "x"]

    def test_a_select_that_is_not_a_query_is_refused(self, session: Session) -> None:
        class Broken(PostFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": "t", "author": each(42)}

        with pytest.raises(
            FactoryDefinitionError, match=r"^Broken\.basic → author: each\(\) .* 42 is neither"
        ):
            Broken(session=session).create()
