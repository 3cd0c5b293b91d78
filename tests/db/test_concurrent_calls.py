"""Several ``acreate`` and ``acreate_batch`` calls on one session at once
(``asyncio.gather``), on SQLite (aiosqlite) and PostgreSQL (asyncpg): pyfactory runs
them one after the other, so each gets its own savepoint and all their rows are written."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_scoped_session,
    async_sessionmaker,
)
from sqlalchemy.orm import Session

from pyfactory import BuilderError, after
from tests.db.blog import ASYNC, SYNC, Author, Comment, Post, Tag


async def _counts(session: AsyncSession) -> dict[str, int]:
    found = {}
    for model in (Author, Post, Comment, Tag):
        found[model.__name__] = int(
            await session.scalar(select(func.count()).select_from(model)) or 0
        )
    return found


class TestGather:
    async def test_ten_acreate_calls_at_once(self, async_session: AsyncSession) -> None:
        """Ten acreate("full") calls gathered on one AsyncSession all succeed, and every
        post has its own author, comments and tags."""
        posts = ASYNC["Post"](session=async_session)
        made = await asyncio.gather(*(posts.acreate("full") for _ in range(10)))
        assert len({p.id for p in made}) == 10
        assert all(p.author.id == p.author_id and len(p.comments) == 2 for p in made)
        ids = [p.id for p in made]
        await async_session.commit()
        assert await _counts(async_session) == {"Author": 10, "Post": 10, "Comment": 20, "Tag": 20}
        per_post = select(Comment.post_id, func.count()).group_by(Comment.post_id)
        rows = (await async_session.execute(per_post)).all()
        assert sorted(tuple(row) for row in rows) == [(i, 2) for i in sorted(ids)]

    async def test_ten_acreate_batch_calls_at_once(self, async_session: AsyncSession) -> None:
        """Ten acreate_batch calls of 5 posts gathered on one AsyncSession write 50 posts."""
        posts = ASYNC["Post"](session=async_session)
        batches = await asyncio.gather(*(posts.acreate_batch("full", 5) for _ in range(10)))
        assert [len(batch) for batch in batches] == [5] * 10
        made = {p.title for batch in batches for p in batch}
        await async_session.commit()
        assert await _counts(async_session) == {
            "Author": 50,
            "Post": 50,
            "Comment": 100,
            "Tag": 100,
        }
        titles = set((await async_session.scalars(select(Post.title))).all())
        assert titles == made
        assert len(made) == 50

    async def test_a_failing_call_leaves_the_others_written(
        self, async_session: AsyncSession
    ) -> None:
        """One call of the ten fails (a duplicate unique name): it is rolled back alone,
        and the nine others' rows are all there."""
        tags = ASYNC["Tag"](session=async_session)
        await tags.acreate(name="taken")
        calls = [tags.acreate() for _ in range(9)]
        calls.insert(4, tags.acreate(name="taken"))
        results = await asyncio.gather(*calls, return_exceptions=True)
        failed = [r for r in results if isinstance(r, Exception)]
        assert len(failed) == 1
        assert isinstance(failed[0], BuilderError)
        await async_session.commit()
        names = sorted((await async_session.scalars(select(Tag.name))).all())
        assert len(names) == 10
        assert names.count("taken") == 1

    async def test_a_call_inside_a_call_does_not_wait_for_itself(
        self, async_session: AsyncSession
    ) -> None:
        """An after-create hook that calls acreate on the same session, in ten gathered
        calls: the inner call runs inside the outer one instead of waiting for it."""

        class TaggedAuthorFactory(ASYNC["Author"]):  # type: ignore[misc, valid-type]
            @after("create")
            async def tag(self, author: Author, attrs: Any) -> None:
                await ASYNC["Tag"](**self.context).acreate(name=f"tag of {author.email}")

        authors = TaggedAuthorFactory(session=async_session)
        calls = asyncio.gather(*(authors.acreate() for _ in range(10)))
        emails = [author.email for author in await asyncio.wait_for(calls, timeout=30)]
        await async_session.commit()
        names = set((await async_session.scalars(select(Tag.name))).all())
        assert names == {f"tag of {email}" for email in emails}
        assert len(names) == 10

    async def test_a_sync_session_under_acreate(self, engine: Engine) -> None:
        """SQLAlchemyBuilder's acreate on a plain Session, gathered, is serialized too."""
        with Session(engine) as session:
            posts = SYNC["Post"](session=session)
            made = await asyncio.gather(*(posts.acreate("full") for _ in range(10)))
            assert len({p.id for p in made}) == 10
            session.commit()
            assert session.scalar(select(func.count()).select_from(Comment)) == 20


def test_a_session_in_one_event_loop_then_another(engine: Engine) -> None:
    """A session used by acreate in one event loop, then in another, works in both (its
    lock belongs to one loop, and the second loop gets a new one)."""
    with Session(engine) as session:
        tags = SYNC["Tag"](session=session)
        first = asyncio.run(tags.acreate())
        second = asyncio.run(tags.acreate())
        assert second.id == first.id + 1


async def test_an_async_scoped_session(async_engine: AsyncEngine) -> None:
    """An ``async_scoped_session`` is taken as an AsyncSession."""
    async with async_engine.begin() as conn:
        await conn.run_sync(Tag.metadata.create_all)
    scoped = async_scoped_session(async_sessionmaker(async_engine), scopefunc=asyncio.current_task)
    try:
        tag = await ASYNC["Tag"](session=scoped).acreate()
        assert tag.id is not None
    finally:
        await scoped.remove()
