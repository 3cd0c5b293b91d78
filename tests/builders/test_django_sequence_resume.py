"""``sequence(..., resume=True)`` with DjangoBuilder, on SQLite and PostgreSQL: a new
process (here, ``reset_sequences()``) continues after the highest number stored."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from pyfactory import Factory, FactoryDefinitionError, schema, sequence
from pyfactory.builders.django import DjangoBuilder
from tests.builders.test_django import (
    ALIASES,
    ASYNC_ALIASES,
    _close_thread_connections,
    _postgres_required,
)
from tests.django_app.models import Author, Tag

# The fixtures of test_django, used here too.
__all__ = ["_close_thread_connections", "_postgres_required"]


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "email": sequence("author{n}@example.com", resume=True)}


class TagFactory(Factory[Tag]):
    _model = Tag
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("tag-{n:03d}", resume=True), "posts": []}


@pytest.mark.parametrize("using", ALIASES)
class TestDjangoResume:
    def test_create_continues_after_the_stored_numbers(self, using: str) -> None:
        """author7 is stored (and authorX, which is no number): the next is author8."""
        for email in ("author2@example.com", "author7@example.com", "authorX@example.com"):
            Author.objects.using(using).create(name="Old", email=email)
        authors = AuthorFactory(using=using)
        assert authors.create().email == "author8@example.com"
        assert [a.email for a in authors.create_batch(2)] == [
            "author9@example.com",
            "author10@example.com",
        ]

    def test_padded_numbers_and_a_new_process(self, using: str) -> None:
        """tag-001 to tag-003 written, then a new process: tag-004."""
        TagFactory(using=using).create_batch(3)
        Factory.reset_sequences()
        assert TagFactory(using=using).create().name == "tag-004"

    def test_a_field_with_no_column(self, using: str) -> None:
        """A resumed sequence on a name that is no column of the model is refused."""
        with pytest.raises(FactoryDefinitionError) as error:
            TagFactory(using=using).create(posts=sequence("{n}", resume=True))
        assert str(error.value) == (
            "TagFactory.basic → posts: sequence('{n}', resume=True) reads the stored "
            "values of its field, but Tag has no column 'posts'; resume works on a field "
            "that the model stores in a column of its own"
        )


@pytest.mark.parametrize("using", ASYNC_ALIASES)
@pytest.mark.usefixtures("_close_thread_connections")
async def test_acreate_resumes_in_djangos_thread(using: str) -> None:
    """acreate reads the stored numbers through sync_to_async, as Django's own calls do."""
    await sync_to_async(Author.objects.using(using).create)(
        name="Old", email="author41@example.com"
    )
    made = await AuthorFactory(using=using).acreate()
    assert made.email == "author42@example.com"
