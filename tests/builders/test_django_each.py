"""``each(queryset)`` with DjangoBuilder: the queryset is evaluated on first use, once,
and its rows are handed out in turn (factory_boy's ``Iterator(Model.objects.all())``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from pyfactory import Factory, each, schema, sequence
from pyfactory.builders.django import DjangoBuilder
from tests.builders.test_django import ALIASES
from tests.django_app.models import Author, Post


class PostByAuthorFactory(Factory[Post]):
    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        authors = Author.objects.using(self.context["using"]).order_by("pk")
        return {"title": sequence("post {n}"), "author": each(authors)}


@pytest.mark.parametrize("using", ALIASES)
def test_a_queryset_is_read_lazily_once_and_in_turn(using: str) -> None:
    authors = [
        Author.objects.using(using).create(name=f"A{i}", email=f"a{i}@x.org") for i in range(2)
    ]
    factory = PostByAuthorFactory(using=using)
    with CaptureQueriesContext(connections[using]) as queries:
        posts = factory.create_batch(3)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1  # the queryset, evaluated once, when the first post needed it
    assert [p.author for p in posts] == [authors[0], authors[1], authors[0]]
    assert Post.objects.using(using).filter(author=authors[1]).count() == 1
