"""pyfactory with SQLAlchemy's asyncio extension, in the style of a FastAPI app.

Run it with (it needs ``pip install 'pyfactory-schema[asyncio]'``, for aiosqlite):

    python examples/sqlalchemy_async.py

It writes ``sqlalchemy_async.sqlite3`` in the current directory (recreated on
every run). FastAPI itself is not needed: the script has the parts of an
application that matter here, and calls them as FastAPI would.

1. ``lifespan`` creates the tables and seeds demo rows with ``acreate_batch``
   when the application starts;
2. a route handler reads them through the ``get_session`` dependency;
3. a test makes its own rows with ``acreate`` and ``acreate_batch`` (one
   INSERT per table), sees a failing ``acreate`` rolled back to its
   savepoint, and rolls everything back at its end.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pyfactory import (
    AsyncModeError,
    BuilderError,
    Factory,
    association,
    fake,
    many,
    schema,
    sequence,
    trait,
)
from pyfactory.builders import SQLAlchemyBuilder

DATABASE = Path("sqlalchemy_async.sqlite3")

# --- The models: ordinary SQLAlchemy 2 declarative classes. ------------------


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


# --- The factories: each names SQLAlchemyBuilder(), which writes through a ----
# --- Session under create() and through an AsyncSession under acreate(). ----


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
        return {"title": fake("sentence", nb_words=4), "author": association(AuthorFactory)}

    @schema()
    def full(self) -> dict[str, Any]:
        post = self.schema("basic")
        post["comments"] = many(CommentFactory, count=2)
        post["tags"] = many(TagFactory, count=2)
        return post

    @trait()
    def published(self) -> dict[str, Any]:
        return {"published": True}


# --- The application: engine, session dependency, lifespan, a route. ---------

engine = create_async_engine(f"sqlite+aiosqlite:///{DATABASE}")
make_session = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    """The dependency a route declares: ``session: AsyncSession = Depends(get_session)``."""
    async with make_session() as session:
        yield session


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """``FastAPI(lifespan=lifespan)``: create the tables and seed demo data at start-up."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with make_session() as session:
        seeded = await PostFactory(session=session, seed=7).acreate_batch("full", 50, "published")
        await session.commit()
    print(f"lifespan: seeded {len(seeded)} published posts, with authors, comments and tags")
    yield
    await engine.dispose()


async def list_posts(session: AsyncSession, limit: int = 3) -> list[dict[str, Any]]:
    """``GET /posts``: the latest posts and their authors."""
    query = (
        select(Post.id, Post.title, Author.name.label("author"))
        .join(Post.author)
        .order_by(Post.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in await session.execute(query)]


# --- Using the factories, as a test would. -----------------------------------


class InsertCounter:
    """Counts the INSERT statements the engine sends, by table."""

    def __init__(self) -> None:
        self.tables: Counter[str] = Counter()
        event.listen(engine.sync_engine, "before_cursor_execute", self.seen)

    def seen(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT"):
            self.tables[statement.split()[2]] += 1  # INSERT INTO <table> ...

    def take(self) -> str:
        """The counts since the last call, as text."""
        total = sum(self.tables.values())
        text = ", ".join(f"{table} {n}" for table, n in self.tables.items())
        self.tables.clear()
        return f"{total} ({text})"


async def counts(session: AsyncSession) -> str:
    models: list[type[Base]] = [Author, Post, Comment, Tag]
    found = [await session.scalar(select(func.count()).select_from(m)) for m in models]
    return ", ".join(f"{n} {m.__tablename__}s" for n, m in zip(found, models, strict=True))


async def a_test(inserts: InsertCounter) -> None:
    """What a test does: make its rows, check them, and leave nothing behind."""
    async with make_session() as session:
        posts = PostFactory(session=session)

        post = await posts.acreate("full", title="Async all the way")
        print(f"  acreate: post {post.id} {post.title!r} by author {post.author.id}")
        # Loaded already: no lazy load, which an AsyncSession would refuse.
        print(f"    comments {[c.id for c in post.comments]}, tags {[t.name for t in post.tags]}")
        print(f"    INSERT statements: {inserts.take()}")

        batch = await posts.acreate_batch("full", 200)
        print(f"  acreate_batch: {len(batch)} posts, ids {batch[0].id} to {batch[-1].id}")
        print(f"    INSERT statements: {inserts.take()}; one by one: {7 * len(batch)}")

        before = await counts(session)
        try:
            await posts.acreate("full", comments__body=None)  # NOT NULL fails
        except BuilderError as error:
            print(f"  a failed acreate: {error}")
        print(f"    rolled back to its savepoint: {await counts(session) == before}")
        print(f"    the session goes on: post {(await posts.acreate()).id} created")

        try:
            posts.create()
        except AsyncModeError as error:
            print(f"  create() instead: {error}")

        await session.rollback()  # a test fixture's rollback: nothing of the test stays


async def main() -> None:
    DATABASE.unlink(missing_ok=True)
    inserts = InsertCounter()
    app = SimpleNamespace(title="blog")  # what FastAPI would pass to lifespan
    async with lifespan(app):
        print(f"  INSERT statements: {inserts.take()}")

        async with asynccontextmanager(get_session)() as session:
            print("GET /posts:")
            for row in await list_posts(session):
                print(f"  {row}")

        print("a test:")
        await a_test(inserts)

        async with asynccontextmanager(get_session)() as session:
            print(f"after the test, {DATABASE} holds {await counts(session)}")


if __name__ == "__main__":
    asyncio.run(main())
