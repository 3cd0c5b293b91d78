"""pyfactory with SQLAlchemy 2: a blog written to SQLite through a ``Session``.

Run it with (it needs ``pip install 'pyfactory-schema[sqlalchemy]'``):

    python examples/sqlalchemy_sync.py

It writes ``sqlalchemy_sync.sqlite3`` in the current directory (recreated on
every run) and shows, in order:

1. ``create``: a post with its author, comments and tags, keys all set;
2. ``create_batch``: five hundred such posts in one INSERT per table;
3. a ``create`` that fails part way, and is rolled back to its savepoint
   while the session and every earlier row stay as they were.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, ForeignKey, String, Table, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import BuilderError, Factory, association, fake, many, schema, sequence, trait
from pyfactory.builders import SQLAlchemyBuilder

DATABASE = Path("sqlalchemy_sync.sqlite3")

# --- 1. The models: ordinary SQLAlchemy 2 declarative classes. ---------------


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


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(back_populates="post")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)


class Comment(Base):
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(500))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    post: Mapped[Post] = relationship(back_populates="comments")


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


# --- 2. The factories: each names SQLAlchemyBuilder(). -----------------------


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("name"), "email": sequence("author{n}@blog.example")}


class CommentFactory(Factory[Comment]):
    _model = Comment
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"body": fake("sentence")}


class TagFactory(Factory[Tag]):
    _model = Tag
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("tag-{n}")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "title": fake("sentence", nb_words=4),
            "author": association(AuthorFactory),  # many-to-one: written before the post
        }

    @schema()
    def full(self) -> dict[str, Any]:
        post = self.schema("basic")
        post["comments"] = many(CommentFactory, count=2)  # one-to-many: written after it
        post["tags"] = many(TagFactory, count=2)  # many-to-many: linked through post_tags
        return post

    @trait()
    def published(self) -> dict[str, Any]:
        return {"published": True}


# --- 3. Using them. ----------------------------------------------------------


class InsertCounter:
    """Counts the INSERT statements an engine sends, by table."""

    def __init__(self, engine: Engine) -> None:
        self.tables: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT"):
            self.tables[statement.split()[2]] += 1  # INSERT INTO <table> ...

    def take(self) -> str:
        """The counts since the last call, as text."""
        total = sum(self.tables.values())
        text = ", ".join(f"{table} {n}" for table, n in self.tables.items())
        self.tables.clear()
        return f"{total} ({text})"


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def summary(session: Session) -> str:
    models: list[type[Base]] = [Author, Post, Comment, Tag]
    return ", ".join(f"{count(session, model)} {model.__tablename__}s" for model in models)


def main() -> None:
    DATABASE.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{DATABASE}")
    Base.metadata.create_all(engine)
    inserts = InsertCounter(engine)
    with Session(engine) as session:
        # The session goes in the factory's context; child factories get it too.
        posts = PostFactory(session=session, seed=7)

        print("1. create")
        post = posts.create("full", "published", title="Hello, SQLAlchemy")
        print(f"   post {post.id} {post.title!r} by {post.author.name} (author {post.author_id})")
        print(f"   comments {[c.id for c in post.comments]}, all with post_id {post.id}")
        print(f"   tags {[t.name for t in post.tags]}")
        print(f"   INSERT statements: {inserts.take()}")

        print("\n2. create_batch")
        started = time.perf_counter()
        batch = posts.create_batch("full", 500)
        elapsed = time.perf_counter() - started
        print(f"   {len(batch)} posts, each with a new author, 2 comments and 2 tags,")
        print(f"   in {elapsed:.2f} s; INSERT statements: {inserts.take()}")
        print(f"   (one by one, as in step 1, that would be {7 * len(batch)} statements)")
        sample = batch[250]
        tag_ids = [tag.id for tag in sample.tags]
        print(f"   e.g. post {sample.id}: author {sample.author.id}, tags {tag_ids}, all with keys")
        print(f"   the database holds {summary(session)}")

        print("\n3. a failed create is rolled back")
        taken = post.tags[0].name
        try:
            # The tag's name is taken: the unique constraint fails once this call's
            # author is written, and the savepoint takes the author back.
            posts.create("full", tags__name=taken)
        except BuilderError as error:
            print(f"   {type(error).__name__}: {error}")
            print(f"   caused by {type(error.__cause__).__name__}")
        print(f"   the database still holds {summary(session)}")
        again = posts.create("full")
        print(f"   the session goes on: post {again.id} created")

        # With the default persistence="flush", committing is the caller's call.
        session.commit()
    with Session(engine) as session:
        print(f"\n{DATABASE} now holds {summary(session)}")
    engine.dispose()


if __name__ == "__main__":
    main()
