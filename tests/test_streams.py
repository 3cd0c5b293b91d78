"""Values stable under edits: a seeded factory draws each value from a stream of its own,
derived from (seed, factory class, schema, field path, object number).

Each test makes two versions of one factory (the same class name, as after an edit)
and checks that what the edit did not touch kept its values, over dataclasses,
pydantic models and SQLAlchemy rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import types
from typing import Any

import pydantic
import pytest
from sqlalchemy.orm import Session

from pyfactory import (
    Factory,
    FieldContext,
    SpecialField,
    association,
    fake,
    lazy,
    many,
    randomly_nullify,
    schema,
    sequence,
    trait,
)
from pyfactory.builders import SQLAlchemyBuilder
from tests.models.sqlalchemy import Author, Comment, Post

pytestmark = pytest.mark.filterwarnings("error")


@dataclasses.dataclass
class Person:
    name: str
    email: str
    city: str = ""
    job: str = ""
    nickname: str | None = None
    friends: list[Any] = dataclasses.field(default_factory=list)
    best: Any = None


class Account(pydantic.BaseModel):
    name: str
    email: str
    city: str = ""
    age: int = 0


def person_factory(
    fields: dict[str, Any], traits: dict[str, dict[str, Any]] | None = None
) -> type[Factory[Person]]:
    """A factory named ``PersonFactory`` (whatever test makes it) of schema ``basic``."""

    def basic(self: Any) -> dict[str, Any]:
        return dict(fields)

    namespace: dict[str, Any] = {
        "__qualname__": "PersonFactory",
        "_default_schema": "basic",
        "basic": schema()(basic),
    }
    for name, values in (traits or {}).items():

        def layer(self: Any, values: dict[str, Any] = values) -> dict[str, Any]:
            return dict(values)

        layer.__name__ = name
        namespace[name] = trait()(layer)
    made: type[Factory[Person]] = types.new_class(
        "PersonFactory", (Factory[Person],), {}, lambda ns: ns.update(namespace)
    )
    return made


BASE = {"name": fake("name"), "email": fake("email"), "city": fake("city")}


def names(objects: list[Any], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(getattr(o, k) for k in keys) for o in objects]


class TestEditsKeepTheOtherValues:
    def test_a_new_field_moves_no_other(self) -> None:
        before = person_factory(BASE)(seed=5).build_batch(5)
        after = person_factory({"name": BASE["name"], "job": fake("job"), **BASE})(seed=5)
        made = after.build_batch(5)
        assert names(made, "name", "email", "city") == names(before, "name", "email", "city")
        assert all(p.job for p in made)

    def test_reordering_and_removing_fields_moves_no_other(self) -> None:
        before = person_factory(BASE)(seed=5).build_batch(5)
        reordered = {"city": fake("city"), "email": fake("email"), "name": fake("name")}
        assert names(person_factory(reordered)(seed=5).build_batch(5), "name", "city") == names(
            before, "name", "city"
        )
        fewer = {"name": fake("name"), "email": fake("email")}
        assert names(person_factory(fewer)(seed=5).build_batch(5), "name", "email") == names(
            before, "name", "email"
        )

    def test_a_new_random_field_in_between_moves_no_other(self) -> None:
        """Fields that draw (a nullified value, a many() count) take no draws from others."""
        before = person_factory(BASE)(seed=8).build_batch(6)
        more = {
            "nickname": randomly_nullify(fake("first_name"), 0.5),
            **BASE,
            "friends": many(person_factory({"name": fake("name"), "email": "e"}), count=(0, 3)),
        }
        made = person_factory(more)(seed=8).build_batch(6)
        assert names(made, "name", "email", "city") == names(before, "name", "email", "city")
        assert {p.nickname is None for p in made} == {True, False}
        assert len({len(p.friends) for p in made}) > 1

    def test_a_trait_changes_only_what_it_sets(self) -> None:
        plain = person_factory(BASE)(seed=3).build_batch(4)
        factory = person_factory(BASE, {"remote": {"city": "Nowhere"}})(seed=3)
        with_trait = factory.build_batch("basic", 4, "remote")
        assert names(with_trait, "name", "email") == names(plain, "name", "email")
        assert {p.city for p in with_trait} == {"Nowhere"}
        # Defining a trait (and not using it) changes nothing at all.
        assert person_factory(BASE, {"remote": {"city": "x"}})(seed=3).build_batch(4) == plain

    def test_other_objects_made_in_between_move_nothing(self) -> None:
        alone = person_factory(BASE)(seed=11)
        expected = [alone.build() for _ in range(4)]
        busy = person_factory(BASE)(seed=11)
        other = person_factory({"name": fake("name"), "email": fake("email")})
        made = []
        for _ in range(4):
            other(seed=11).build_batch(3)  # another factory instance, the same class name
            other().build()  # and an unseeded one
            made.append(busy.build())
        assert made == expected

    def test_the_kth_object_is_the_same_made_singly_or_in_batches(self) -> None:
        singles = person_factory(BASE)(seed=2)
        one_by_one = [singles.build() for _ in range(6)]
        batches = person_factory(BASE)(seed=2)
        assert [*batches.build_batch(2), *batches.build_batch(4)] == one_by_one

    def test_a_childs_values_move_with_its_parent_field_only(self) -> None:
        child = person_factory({"name": fake("name"), "email": fake("email")})
        before = person_factory({**BASE, "best": association(child)})(seed=4).build_batch(3)
        after = person_factory({"job": fake("job"), **BASE, "best": association(child)})(seed=4)
        made = after.build_batch(3)
        assert [p.best for p in made] == [p.best for p in before]
        # Children of one parent differ from each other, and from other parents' children.
        assert len({p.best.email for p in made}) == 3

    def test_the_seed_and_the_class_name_choose_the_values(self) -> None:
        first = person_factory(BASE)(seed=1).build_batch(3)
        assert person_factory(BASE)(seed=1).build_batch(3) == first
        assert person_factory(BASE)(seed=2).build_batch(3) != first

        class Renamed(Factory[Person]):
            @schema()
            def basic(self) -> dict[str, Any]:
                return dict(BASE)

        assert Renamed(seed=1).build_batch("basic", 3) != first


class TestPydanticAndSQLAlchemy:
    def test_pydantic_models_keep_their_values_under_edits(self) -> None:
        def account_factory(fields: dict[str, Any]) -> type[Factory[Account]]:
            class AccountFactory(Factory[Account]):
                __qualname__ = "AccountFactory"

                @schema()
                def basic(self) -> dict[str, Any]:
                    return dict(fields)

            return AccountFactory

        base = {"name": fake("name"), "email": fake("email")}
        before = account_factory(base)(seed=9).build_batch("basic", 4)
        grown = {"age": fake("pyint", min_value=18, max_value=90), **base, "city": fake("city")}
        after = account_factory(grown)(seed=9).build_batch("basic", 4)
        assert [(a.name, a.email) for a in after] == [(a.name, a.email) for a in before]
        assert all(18 <= a.age <= 90 for a in after)

    def test_created_rows_keep_their_values_under_edits(self, session: Session) -> None:
        def author_factory(fields: dict[str, Any]) -> type[Factory[Author]]:
            class AuthorFactory(Factory[Author]):
                __qualname__ = "AuthorFactory"
                _model_builder = SQLAlchemyBuilder()

                @schema()
                def basic(self) -> dict[str, Any]:
                    return dict(fields)

            return AuthorFactory

        made = author_factory({"name": fake("name"), "email": fake("email", unique=True)})
        first = made(session=session, seed=6).create_batch("basic", 5)
        rows = [(a.name, a.email) for a in first]
        session.rollback()
        made.reset_unique()
        edited = author_factory({"email": fake("email", unique=True), "name": fake("name")})(
            session=session, seed=6
        )
        again = edited.create_batch("basic", 5)
        assert [(a.name, a.email) for a in again] == rows
        assert session.query(Author).count() == 5

    def test_acreate_gives_what_create_gives(self, session: Session) -> None:
        class PostFactory(Factory[Post]):
            _model_builder = SQLAlchemyBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "title": fake("sentence"),
                    "author": association(
                        AuthorFactory, "basic", name=fake("name"), email=fake("email")
                    ),
                }

        class AuthorFactory(Factory[Author]):
            _model_builder = SQLAlchemyBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "n", "email": "e"}

        built = PostFactory(seed=12).build_batch("basic", 3)
        expected = [(p.title, p.author.name, p.author.email) for p in built]

        async def made() -> list[Post]:
            factory = PostFactory(session=session, seed=12)
            return [await factory.acreate("basic") for _ in range(3)]

        posts = asyncio.run(made())
        assert [(p.title, p.author.name, p.author.email) for p in posts] == expected


class Stamp(SpecialField[str]):
    """A custom field that draws from ``ctx.random`` and reads ``ctx.index``."""

    def resolve(self, ctx: FieldContext) -> str:
        return f"{ctx.index}:{ctx.random.randint(0, 10**9)}"


class TwoDraws(SpecialField[tuple[str, str]]):
    """A custom field that calls ``ctx.faker`` twice for its one value."""

    def resolve(self, ctx: FieldContext) -> tuple[str, str]:
        return (ctx.faker.sha256(), ctx.faker.sha256())


class TestCustomFieldsAndUnseededFactories:
    def test_a_value_s_faker_goes_on_from_one_call_to_the_next(self) -> None:
        """Within one value ``ctx.faker`` is seeded once: its second call gives the
        stream's next value, not the first again; the same seed gives both again."""
        made = person_factory({**BASE, "best": TwoDraws()})(seed=6).build_batch(2)
        assert all(p.best[0] != p.best[1] for p in made)
        assert made[0].best != made[1].best
        again = person_factory({**BASE, "best": TwoDraws()})(seed=6).build_batch(2)
        assert [p.best for p in again] == [p.best for p in made]

    def test_custom_fields_draw_from_their_own_stream(self) -> None:
        before = person_factory({**BASE, "job": Stamp()})(seed=1).build_batch(4)
        after = person_factory({"nickname": Stamp(), **BASE, "job": Stamp()})(seed=1)
        made = after.build_batch(4)
        assert [p.job for p in made] == [p.job for p in before]
        assert [p.job.split(":")[0] for p in made] == ["0", "1", "2", "3"]
        assert [p.nickname for p in made] != [p.job for p in made]

    def test_unseeded_factories_stay_random(self) -> None:
        factory = person_factory(BASE)
        first = names(factory().build_batch(5), "name", "email")
        second = names(factory().build_batch(5), "name", "email")
        assert first != second

    def test_lazy_fields_see_the_drawn_values(self) -> None:
        fields = {**BASE, "job": lazy(lambda a: a["name"].upper())}
        made = person_factory(fields)(seed=3).build_batch(3)
        assert [p.job for p in made] == [p.name.upper() for p in made]


class TestRowsMadeAfterTheirParent:
    """A one-to-many ``many()`` whose rows the builder writes after the parent (they point
    at it) draws from the parent field's stream too: its count and its rows' values."""

    @staticmethod
    def post_factory(fields: dict[str, Any]) -> type[Factory[Post]]:
        class CommentFactory(Factory[Comment]):
            _model_builder = SQLAlchemyBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"body": fake("sentence")}

        class AuthorFactory(Factory[Author]):
            _model_builder = SQLAlchemyBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": fake("name"), "email": sequence("a{n}@example.org")}

        def basic(self: Any) -> dict[str, Any]:
            return {
                **fields,
                "title": fake("sentence"),
                "author": association(AuthorFactory, "basic"),
                "comments": many(CommentFactory, "basic", count=(0, 3)),
            }

        namespace = {"_model_builder": SQLAlchemyBuilder(), "basic": schema()(basic)}
        made: type[Factory[Post]] = types.new_class(
            "PostFactory", (Factory[Post],), {}, lambda ns: ns.update(namespace)
        )
        return made

    def test_edits_keep_the_rows_made_after_the_parent(self, session: Session) -> None:
        first = self.post_factory({})(session=session, seed=3).create_batch("basic", 5)
        expected = [(p.title, [c.body for c in p.comments]) for p in first]
        session.rollback()
        edited = self.post_factory({"published": fake("pybool")})(session=session, seed=3)
        again = edited.create_batch("basic", 5)
        assert [(p.title, [c.body for c in p.comments]) for p in again] == expected
        assert len({len(p.comments) for p in again}) > 1
        session.rollback()
        singles = self.post_factory({})(session=session, seed=3)
        one_by_one = [singles.create("basic") for _ in range(5)]
        assert [(p.title, [c.body for c in p.comments]) for p in one_by_one] == expected
