"""Overrides of Django models: fields, ``author_id``, reverse relations by their
accessor and properties with a setter are taken; a misspelt key is refused with the
names it may have meant."""

from __future__ import annotations

from typing import Any

import pytest

from pyfactory import Factory, OverrideError, association, schema, sequence
from pyfactory.builders.django import DjangoBuilder, unsaved_related
from tests.django_app.models import Author, Comment, Post


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "email": sequence("a{n}@example.org")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "t", "author": association(AuthorFactory)}


def test_django_fields_foreign_key_columns_reverse_accessors_and_properties_are_taken() -> None:
    author = AuthorFactory().build(pk=7)
    assert author.pk == 7
    post = PostFactory().build(author=author)
    assert post.author is author
    assert PostFactory().build(author_id=3).author_id == 3
    comment = Comment(body="b")
    built = PostFactory().build(comment_set=[comment])
    assert unsaved_related(built)["comment_set"] == [comment]


def test_a_misspelt_django_override_is_refused_with_the_accessor_names() -> None:
    with pytest.raises(OverrideError) as caught:
        PostFactory().build(comments=[])
    assert str(caught.value).startswith(
        "PostFactory.basic → comments: 'comments' is not a field of Post, a key of the "
        "schema or a trait of PostFactory; did you mean "
    )
    assert "'comment_set'" in str(caught.value)
