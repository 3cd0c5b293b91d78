"""A small blog mapped with SQLAlchemy 2, and its factories, for the builder tests.

Authors write posts; a post has comments (one-to-many, with ``back_populates``),
tags (many-to-many through ``post_tags``) and notes (one-to-many with no reverse
relationship, so only the foreign key points back).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pyfactory import Factory, after, association, fake, many, schema, sequence, trait
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("post.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(120), unique=True)
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(back_populates="post")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)
    notes: Mapped[list[Note]] = relationship()


class Comment(Base):
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(200))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    post: Mapped[Post] = relationship(back_populates="comments")


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))


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
