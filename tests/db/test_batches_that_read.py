"""A create batch whose fields query the database gives the objects a loop of create()
calls gives: its first row is made as create() makes one, watched, and if it read, every
row is, each seeing the rows written before it. Rows that run no code of the user's,
or whose first row read nothing, keep the bulk path. SQLite and PostgreSQL, sync and
async."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import lazy, schema
from tests.db.blog import ASYNC, SYNC, Author, Post
from tests.db.spies import Inserts


def authors_so_far(session: Any) -> Any:
    """A lazy title that counts the authors stored. In create() the title resolves
    before the post's own author is made (it comes first), so the n-th post sees the
    authors of the posts before it."""
    return lazy(lambda a: f"authors: {session.scalar(select(func.count()).select_from(Author))}")


class CountingPostFactory(SYNC["Post"]):  # type: ignore[misc, valid-type]
    @schema()
    def counting(self) -> dict[str, Any]:
        return {**self.schema("basic"), "title": authors_so_far(self.context["session"])}


class QuietPostFactory(SYNC["Post"]):  # type: ignore[misc, valid-type]
    @schema()
    def quiet(self) -> dict[str, Any]:
        return {**self.schema("basic"), "title": lazy(lambda a: "quiet")}


def test_a_batch_that_reads_sees_what_a_loop_of_create_sees(session: Session) -> None:
    looped = [CountingPostFactory(session=session).create("counting") for _ in range(3)]
    session.rollback()
    batch = CountingPostFactory(session=session).create_batch("counting", 3)
    expected = ["authors: 0", "authors: 1", "authors: 2"]
    assert [post.title for post in looped] == expected
    assert [post.title for post in batch] == expected
    assert session.scalar(select(func.count()).select_from(Post)) == 3


def test_rows_that_read_nothing_keep_the_bulk_path(session: Session, engine: Engine) -> None:
    inserts = Inserts(engine)
    posts = QuietPostFactory(session=session).create_batch("quiet", 5)
    assert [post.title for post in posts] == ["quiet"] * 5
    # The first row alone (its author, then itself with the others), then one INSERT
    # for the other four authors: the posts stay one bulk INSERT.
    assert inserts.tables.count("post") == 1
    assert inserts.tables.count("author") == 2
    inserts.clear()
    SYNC["Post"](session=session).create_batch(5)  # nothing to watch: no probe at all
    assert inserts.tables.count("author") == 1


def test_insert_batch_reads_row_by_row_too(session: Session) -> None:
    assert CountingPostFactory(session=session).insert_batch("counting", 3) == 3
    titles = session.scalars(select(Post.title).order_by(Post.id)).all()
    assert titles == ["authors: 0", "authors: 1", "authors: 2"]


class AsyncCountingPostFactory(ASYNC["Post"]):  # type: ignore[misc, valid-type]
    @schema()
    def counting(self) -> dict[str, Any]:
        session = self.context["session"]

        async def title(a: Any) -> str:
            count = await session.scalar(select(func.count()).select_from(Author))
            return f"authors: {count}"

        return {**self.schema("basic"), "title": lazy(title)}


async def test_acreate_batch_reads_row_by_row(async_engine: AsyncEngine) -> None:
    async with AsyncSession(async_engine) as session:
        posts = await AsyncCountingPostFactory(session=session).acreate_batch("counting", 3)
    assert [post.title for post in posts] == ["authors: 0", "authors: 1", "authors: 2"]


class SmallChunksCountingFactory(CountingPostFactory):
    _batch_size = 2


def test_rows_past_the_first_chunk_are_numbered_on(session: Session) -> None:
    """Rows made one by one beyond the first chunk take the next numbers, as a loop of
    create() would: each sees every author made before it."""
    posts = SmallChunksCountingFactory(session=session).create_batch("counting", 5)
    assert [post.title for post in posts] == [f"authors: {n}" for n in range(5)]
    emails = [post.author.email for post in posts]
    assert len(set(emails)) == 5
