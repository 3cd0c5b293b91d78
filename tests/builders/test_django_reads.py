"""Django: a create batch whose fields query the database gives the objects a loop of
create() calls gives (its rows are made one by one once the first read), under
``create_batch`` and under ``acreate_batch``, where Django runs its queries in the
thread of ``sync_to_async``: the watch goes there. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from pyfactory import Factory, association, lazy, schema, sequence
from pyfactory.builders.django import DjangoBuilder
from tests.builders.test_django import (  # the fixture, for the async test
    ALIASES,
    ASYNC_ALIASES,
    _close_thread_connections,  # noqa: F401
)
from tests.django_app.models import Author, Post


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "email": sequence("reader{n}@example.org")}


class CountingPostFactory(Factory[Post]):
    """The title counts the authors stored: it resolves before the post's own author
    is made (it comes first), so the n-th post of a loop sees n authors."""

    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "counting"

    @schema()
    def counting(self) -> dict[str, Any]:
        using = self.context["using"]
        return {
            "title": lazy(lambda a: f"authors: {Author.objects.using(using).count()}"),
            "author": association(AuthorFactory),
        }

    @schema()
    def acounting(self) -> dict[str, Any]:
        using = self.context["using"]

        async def title(a: Any) -> str:
            return f"authors: {await Author.objects.using(using).acount()}"

        return {"title": lazy(title), "author": association(AuthorFactory)}


@pytest.mark.parametrize("using", ALIASES)
def test_create_batch(using: str) -> None:
    posts = CountingPostFactory(using=using).create_batch(3)
    assert [post.title for post in posts] == ["authors: 0", "authors: 1", "authors: 2"]


@pytest.mark.usefixtures("_close_thread_connections")
@pytest.mark.parametrize("using", ASYNC_ALIASES)
async def test_acreate_batch(using: str) -> None:
    posts = await CountingPostFactory(using=using).acreate_batch("acounting", 3)
    assert [post.title for post in posts] == ["authors: 0", "authors: 1", "authors: 2"]
    stored = await sync_to_async(
        lambda: list(Post.objects.using(using).order_by("id").values_list("title", flat=True))
    )()
    assert stored == ["authors: 0", "authors: 1", "authors: 2"]
