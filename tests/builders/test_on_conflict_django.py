"""``DjangoBuilder(on_conflict=...)`` on SQLite and the real PostgreSQL: ``bulk_create``
with ``ignore_conflicts`` / ``update_conflicts``, one object per row handed back, and the
errors of a wrong configuration."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connections
from django.test.utils import CaptureQueriesContext

from pyfactory import BuilderError, Factory, FactoryDefinitionError, each, schema, sequence
from pyfactory.builders.django import DjangoBuilder
from tests.builders.test_django import (  # the fixture, for the async test
    ALIASES,
    ASYNC_ALIASES,
    _close_thread_connections,  # noqa: F401
)
from tests.django_app.models import Author, Coupon, Post, Restaurant, Slugged, Tag


def _author_factory(builder: DjangoBuilder[Any]) -> type[Factory[Author]]:
    class AuthorFactory(Factory[Author]):
        _model = Author
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": "New", "email": sequence("a{n}@example.org")}

    return AuthorFactory


SKIP = _author_factory(DjangoBuilder(on_conflict="skip"))
UPDATE = _author_factory(DjangoBuilder(on_conflict="update"))


def _store(using: str) -> list[int]:
    """a2 and a4 stored already, as 'Old'; their ids."""
    return [
        Author.objects.using(using).create(name="Old", email=f"a{n}@example.org").pk for n in (2, 4)
    ]


def _stored(using: str) -> list[tuple[str, str]]:
    return list(Author.objects.using(using).order_by("email").values_list("email", "name"))


@pytest.mark.parametrize("using", ALIASES)
class TestSkip:
    def test_create_batch(self, using: str) -> None:
        """ignore_conflicts=True (SQLite: INSERT OR IGNORE), then one query reads every
        row back: five objects in order, the stored row for each taken email."""
        old = _store(using)
        with CaptureQueriesContext(connections[using]) as queries:
            made = SKIP(using=using).create_batch(5)
        sql = [q["sql"] for q in queries.captured_queries]
        assert len([s for s in sql if s.startswith("INSERT")]) == 1
        insert = next(s for s in sql if s.startswith("INSERT"))
        assert ("ON CONFLICT DO NOTHING" in insert) or insert.startswith("INSERT OR IGNORE")
        assert [a.email for a in made] == [f"a{n}@example.org" for n in range(1, 6)]
        assert [a.name for a in made] == ["New", "Old", "New", "Old", "New"]
        assert [made[1].pk, made[3].pk] == old
        assert all(a.pk is not None for a in made)
        assert _stored(using) == [
            ("a1@example.org", "New"),
            ("a2@example.org", "Old"),
            ("a3@example.org", "New"),
            ("a4@example.org", "Old"),
            ("a5@example.org", "New"),
        ]

    def test_create_and_insert_batch(self, using: str) -> None:
        _store(using)
        member = SKIP(using=using).create(email="a2@example.org", name="Other")
        assert member.name == "Old"
        assert SKIP(using=using).insert_batch(5) == 3  # two were stored
        assert Author.objects.using(using).count() == 5

    def test_many_to_many_links_that_exist_stay(self, using: str) -> None:
        """Tags skipped on their unique name; the post's links go in with
        ignore_conflicts, so linking a stored tag again is no error."""
        tag = Tag.objects.using(using).create(name="t1")
        author = Author.objects.using(using).create(name="A", email="x@example.org")

        class TagFactory(Factory[Tag]):
            _model = Tag
            _model_builder = DjangoBuilder(on_conflict="skip")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": sequence("t{n}")}

        tags = TagFactory(using=using).create_batch("basic", 2)
        assert tags[0] == tag

        class PostFactory(Factory[Post]):
            _model = Post
            _model_builder = DjangoBuilder(on_conflict="update", on_conflict_target="id")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": "T", "author": author, "tags": tags}

        post = PostFactory(using=using).create("basic", id=100)
        again = PostFactory(using=using).create("basic", id=100, title="T2")
        assert (post.pk, again.pk, again.title) == (100, 100, "T2")
        assert sorted(t.name for t in again.tags.all()) == ["t1", "t2"]


@pytest.mark.parametrize("using", ALIASES)
class TestUpdate:
    def test_create_batch(self, using: str) -> None:
        old = _store(using)
        made = UPDATE(using=using).create_batch(5, name="Upd")
        assert [made[1].pk, made[3].pk] == old
        assert [a.name for a in made] == ["Upd"] * 5
        assert _stored(using) == [(f"a{n}@example.org", "Upd") for n in range(1, 6)]

    def test_the_last_of_two_rows_with_one_key_wins(self, using: str) -> None:
        made = UPDATE(using=using).create_batch(
            3, email="same@example.org", name=each(["a", "b", "c"])
        )
        assert made[0] is made[1] is made[2]
        assert made[0].name == "c"
        assert _stored(using) == [("same@example.org", "c")]

    def test_two_unique_keys_need_a_target(self, using: str) -> None:
        """Coupon has four unique keys besides its primary key: the builder asks which."""

        class CouponFactory(Factory[Coupon]):
            _model = Coupon
            _model_builder = DjangoBuilder(on_conflict="update")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"code": "abc"}

        with pytest.raises(FactoryDefinitionError) as caught:
            CouponFactory(using=using).create_batch("basic", 1)
        assert str(caught.value) == (
            "CouponFactory.basic: DjangoBuilder(on_conflict='update') updates the row whose "
            "unique key is taken, but Coupon has 5 unique keys besides its primary key: "
            "(code), (email), (slug), (number), (kind, serial); say which one with "
            "on_conflict_target, as in DjangoBuilder(on_conflict='update', "
            "on_conflict_target=('code',))"
        )

    def test_a_target_that_is_no_unique_key(self, using: str) -> None:
        factory = _author_factory(DjangoBuilder(on_conflict="update", on_conflict_target="name"))
        with pytest.raises(FactoryDefinitionError) as caught:
            factory(using=using).create_batch(1)
        assert str(caught.value) == (
            "AuthorFactory.basic: DjangoBuilder(on_conflict='update', on_conflict_target="
            "('name',)): ('name',) is not a unique key of Author (a unique field, "
            "unique_together, a UniqueConstraint or the primary key); its unique keys are: "
            "(email), (id)"
        )


@pytest.mark.parametrize("using", ALIASES)
class TestModelsBulkCreateCannotWrite:
    def test_a_model_with_its_own_save(self, using: str) -> None:
        class SluggedFactory(Factory[Slugged]):
            _model = Slugged
            _model_builder = DjangoBuilder(on_conflict="skip")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": "Hello"}

        with pytest.raises(FactoryDefinitionError) as caught:
            SluggedFactory(using=using).create_batch("basic", 1)
        assert str(caught.value) == (
            "SluggedFactory.basic: DjangoBuilder(on_conflict='skip') writes with "
            "bulk_create, which skips Slugged.save() and its pre_save/post_save receivers; "
            "give bulk='always' to accept that, or use on_conflict='error'"
        )

    def test_multi_table_inheritance(self, using: str) -> None:
        class RestaurantFactory(Factory[Restaurant]):
            _model = Restaurant
            _model_builder = DjangoBuilder(on_conflict="skip")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "Luigi's"}

        with pytest.raises(FactoryDefinitionError) as caught:
            RestaurantFactory(using=using).create("basic")
        assert str(caught.value) == (
            "RestaurantFactory.basic: DjangoBuilder(on_conflict='skip') writes with "
            "bulk_create, which Django refuses for Restaurant, a multi-table-inherited "
            "model; use on_conflict='error' for it"
        )

    def test_error_is_the_default(self, using: str) -> None:
        _store(using)
        with pytest.raises(BuilderError) as caught:
            _author_factory(DjangoBuilder())(using=using).create_batch(2)
        assert isinstance(caught.value.__cause__, IntegrityError)


class TestConstruction:
    def test_an_unknown_value(self) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            DjangoBuilder(on_conflict="ignore")  # type: ignore[arg-type]
        assert str(caught.value) == (
            "DjangoBuilder on_conflict is one of 'error', 'skip', 'update', not 'ignore'"
        )

    def test_bulk_never(self) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            DjangoBuilder("never", on_conflict="update")
        assert str(caught.value) == (
            "DjangoBuilder(bulk='never', on_conflict='update'): bulk='never' creates every "
            "row with objects.create(), which has no ON CONFLICT; on_conflict writes with "
            "bulk_create: give bulk='auto' or 'always'"
        )

    def test_skip_takes_no_target(self) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            DjangoBuilder(on_conflict="skip", on_conflict_target=("email",))
        assert str(caught.value) == (
            "DjangoBuilder(on_conflict='skip', on_conflict_target=('email',)): Django's "
            "bulk_create(ignore_conflicts=True) skips a conflict on any unique key and "
            "takes no target; leave on_conflict_target out, or use on_conflict='update'"
        )

    def test_repr(self) -> None:
        assert repr(DjangoBuilder("always", on_conflict="update")) == (
            "DjangoBuilder(bulk='always', on_conflict='update')"
        )


@pytest.mark.parametrize("using", ASYNC_ALIASES)
@pytest.mark.usefixtures("_close_thread_connections")
async def test_acreate_batch(using: str) -> None:
    """The same body in Django's thread (sync_to_async)."""
    from asgiref.sync import sync_to_async

    await sync_to_async(_store)(using)
    made = await SKIP(using=using).acreate_batch(3)
    assert [a.name for a in made] == ["New", "Old", "New"]
