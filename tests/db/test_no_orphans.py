"""No orphan rows. A foreign key given for a relationship replaces the association on
it: no related row is made, and the key given is the one stored (factory_boy makes an
orphan and overwrites the key there), for create, create_batch, insert_batch and
acreate, and for children told their parent's key by an override. And
``_get_or_create`` looks its row up before it makes any child. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import Factory, association, many, schema
from tests.db.blog import ASYNC, SYNC, Author, Post

AuthorFactory, PostFactory, CommentFactory = SYNC["Author"], SYNC["Post"], SYNC["Comment"]


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_create_with_the_key_makes_no_other_row(session: Session) -> None:
    author = AuthorFactory(session=session).create()
    post = PostFactory(session=session).create(author_id=author.id)
    session.expire_all()
    assert count(session, Author) == 1
    assert post.author_id == author.id
    assert post.author is author


def test_batches_and_insert_batch_keep_the_key(session: Session) -> None:
    author = AuthorFactory(session=session).create()
    posts = PostFactory(session=session).create_batch(3, author_id=author.id)
    assert PostFactory(session=session).insert_batch(4, author_id=author.id) == 4
    session.expire_all()
    assert count(session, Author) == 1
    assert {post.author_id for post in posts} == {author.id}
    assert session.scalars(select(Post.author_id)).all() == [author.id] * 7


def test_the_relationship_given_too_is_the_callers_choice(session: Session) -> None:
    """Both given: nothing is left out; the relationship's object wins at the flush."""
    first, second = AuthorFactory(session=session).create_batch(2)
    post = PostFactory(session=session).create(author=second, author_id=first.id)
    assert post.author_id == second.id
    assert count(session, Author) == 2


class CommentOnPostFactory(CommentFactory):  # type: ignore[misc, valid-type]
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"body": "hi", "post": association(PostFactory)}


def test_a_many_override_with_the_key_points_children_at_one_row(session: Session) -> None:
    post = PostFactory(session=session).create()

    class Thread(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"comments": many(CommentOnPostFactory, count=3, post_id=post.id)}

    made = Thread(session=session).create("basic")
    session.expire_all()
    assert count(session, Post) == 1
    assert count(session, Author) == 1
    assert [comment.post_id for comment in made["comments"]] == [post.id] * 3
    # The same through a dunder override of the children.

    class Threads(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"comments": many(CommentOnPostFactory, count=2)}

    again = Threads(session=session).create("basic", comments__post_id=post.id)
    assert [comment.post_id for comment in again["comments"]] == [post.id] * 2
    assert count(session, Post) == 1


async def test_acreate_keeps_the_key(async_engine: AsyncEngine) -> None:
    async with AsyncSession(async_engine) as session:
        author = await ASYNC["Author"](session=session).acreate()
        post = await ASYNC["Post"](session=session).acreate(author_id=author.id)
        authors = await session.scalar(select(func.count()).select_from(Author))
    assert authors == 1
    assert post.author_id == author.id


class PostByTitleFactory(PostFactory):  # type: ignore[misc, valid-type]
    _get_or_create = ("title",)


class AsyncPostByTitleFactory(ASYNC["Post"]):  # type: ignore[misc, valid-type]
    _get_or_create = ("title",)


def test_get_or_create_looks_the_row_up_before_making_children(session: Session) -> None:
    first = PostByTitleFactory(session=session).create(title="Hello")
    again = PostByTitleFactory(session=session).create(title="Hello")
    other = PostByTitleFactory(session=session).create(title="Other")
    session.expire_all()
    assert again is first
    assert other is not first
    # One author for "Hello" (the second call found the row and made no author), one
    # for "Other".
    assert count(session, Author) == 2
    assert count(session, Post) == 2


async def test_acreate_looks_the_row_up_before_making_children(
    async_engine: AsyncEngine,
) -> None:
    async with AsyncSession(async_engine) as session:
        factory = AsyncPostByTitleFactory(session=session)
        first = await factory.acreate(title="Hello")
        again = await factory.acreate(title="Hello")
        authors = await session.scalar(select(func.count()).select_from(Author))
    assert again is first
    assert authors == 1
