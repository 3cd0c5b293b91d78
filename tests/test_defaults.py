"""pyfactory.pytest.defaults(): within a block, every association at a key gives one
object instead of making a child (test-prof's create_default), at any depth, in build,
create, batches and acreate; never under attributes(), for many() or where the caller
overrides the key or its child."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import Factory, association, many, schema
from pyfactory.builders import DictBuilder
from pyfactory.pytest import defaults
from tests.db.blog import ASYNC, SYNC, Author, Post

AuthorFactory, PostFactory, CommentFactory = SYNC["Author"], SYNC["Post"], SYNC["Comment"]


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_post_of_the_block_has_the_default_author(session: Session) -> None:
    author = AuthorFactory(session=session).create()
    with defaults(author=author) as used:
        one = PostFactory(session=session).create()
        batch = PostFactory(session=session).create_batch(3)
        assert PostFactory(session=session).insert_batch(2) == 2
    assert used.hits == {"author": 6}
    assert one.author is author
    assert {post.author_id for post in batch} == {author.id}
    assert count(session, Author) == 1
    assert set(session.scalars(select(Post.author_id))) == {author.id}
    # After the block, authors are made again.
    assert PostFactory(session=session).create().author is not author


def test_overrides_win_and_attributes_stay_plain(session: Session) -> None:
    author, other = AuthorFactory(session=session).create_batch(2)
    with defaults(author=author) as used:
        assert PostFactory(session=session).create(author=other).author is other
        renamed = PostFactory(session=session).create(author__name="Zed").author
        assert renamed is not author
        assert renamed.name == "Zed"
        assert isinstance(PostFactory().attributes()["author"], dict)
    assert used.hits == {"author": 0}


class Node(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"owner": {"name": "made"}}


class Leaf(Node):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"owner": association(Node)}


class Tree(Node):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"owner": association(Node), "leaves": many(Leaf, count=2)}


def test_any_depth_nesting_and_many_lists() -> None:
    outer, inner = {"name": "outer"}, {"name": "inner"}
    with defaults(owner=outer):
        tree = Tree().build()
        assert tree["owner"] is outer
        assert [leaf["owner"] for leaf in tree["leaves"]] == [outer, outer]
        with defaults(owner=inner) as used:
            assert Tree().build()["owner"] is inner
        assert used.hits == {"owner": 3}
        assert Tree().build()["owner"] is outer
    assert Tree().build()["owner"] == {"owner": {"name": "made"}}


def test_threads_do_not_see_a_block() -> None:
    import threading

    seen: list[Any] = []
    with defaults(owner={"name": "mine"}):
        thread = threading.Thread(target=lambda: seen.append(Leaf().build()["owner"]))
        thread.start()
        thread.join()
    assert seen == [{"owner": {"name": "made"}}]


async def test_acreate_and_tasks_use_the_default(async_engine: AsyncEngine) -> None:
    async with AsyncSession(async_engine) as session:
        author = await ASYNC["Author"](session=session).acreate()
        with defaults(author=author) as used:
            posts = await ASYNC["Post"](session=session).acreate_batch(2)
            post = await asyncio.create_task(ASYNC["Post"](session=session).acreate())
        authors = await session.scalar(select(func.count()).select_from(Author))
    assert authors == 1
    assert [p.author_id for p in (*posts, post)] == [author.id] * 3
    assert used.hits == {"author": 3}
