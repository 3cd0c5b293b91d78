"""The factories of the blog, for the builder tests.

The blog's models (authors, posts, comments, tags, notes) are in
``tests/models/sqlalchemy.py``, shared by the suite; this module names them too, so
that tests import the models and their factories from one place.
"""

from __future__ import annotations

from typing import Any

from pyfactory import Factory, after, association, fake, many, schema, sequence, trait
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.models.sqlalchemy import Author, Base, Comment, Note, Post, Tag, post_tags

__all__ = [
    "ASYNC",
    "SYNC",
    "Author",
    "Base",
    "Comment",
    "Note",
    "Post",
    "Tag",
    "factories",
    "post_tags",
]


def factories(builder_class: type[Any], **options: Any) -> dict[str, type[Factory[Any]]]:
    """The blog's factories over one builder class (sync or async), by model name."""
    builder = builder_class(**options)

    class AuthorFactory(Factory[Author]):
        _model = Author
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": fake("name"), "email": sequence("author{n}@example.com")}

    class TagFactory(Factory[Tag]):
        _model = Tag
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("tag{n}")}

    class CommentFactory(Factory[Comment]):
        _model = Comment
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"body": sequence("comment {n}")}

    class NoteFactory(Factory[Note]):
        _model = Note
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"text": sequence("note {n}")}

    class PostFactory(Factory[Post]):
        _model = Post
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "title": sequence("post {n}"),
                "author": association(AuthorFactory),
            }

        @schema()
        def full(self) -> dict[str, Any]:
            raw = self.schema("basic")
            raw["comments"] = many(CommentFactory, count=2)
            raw["tags"] = many(TagFactory, count=2)
            raw["notes"] = many(NoteFactory, count=1)
            return raw

        @trait()
        def live(self) -> dict[str, Any]:
            return {"published": True}

        @after("create")
        def check_row_exists(self, post: Post, attrs: Any) -> None:
            # The hook runs once the row exists: its key is set.
            assert post.id is not None
            self.context.get("seen", []).append(post.id)

    return {
        "Author": AuthorFactory,
        "Tag": TagFactory,
        "Comment": CommentFactory,
        "Note": NoteFactory,
        "Post": PostFactory,
    }


SYNC = factories(SQLAlchemyBuilder)
ASYNC = factories(AsyncSQLAlchemyBuilder)
