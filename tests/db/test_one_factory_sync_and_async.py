"""One factory for sync and async code (DESIGN.md §4): a factory whose builder is
``SQLAlchemyBuilder`` writes through a ``Session`` under ``create`` and through an
``AsyncSession`` under ``acreate``, on a SQLite file and on PostgreSQL, with no second
set of factories. Each test uses one database through both kinds of session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyfactory import (
    AsyncModeError,
    BuilderError,
    Context,
    Factory,
    MissingContextError,
    after,
    association,
    many,
    schema,
    sequence,
)
from pyfactory.builders import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.db.blog import Author, Comment, Note, Post, Tag, post_tags
from tests.graph import sa_models as graph_models


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ada", "email": sequence("author{n}@example.com")}


class TagFactory(Factory[Tag]):
    _model = Tag
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("tag{n}")}


class NoteFactory(Factory[Note]):
    _model = Note
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"text": sequence("note {n}")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("post {n}"), "author": association(AuthorFactory)}

    @schema()
    def full(self) -> dict[str, Any]:
        post = self.schema("basic")
        post["comments"] = many(CommentFactory, count=2)
        post["tags"] = many(TagFactory, count=2)
        post["notes"] = many(NoteFactory, count=1)
        return post

    @after("create")
    def note_the_row(self, post: Post, attrs: Any) -> None:
        # Runs once the row exists, under create and acreate alike.
        assert post.id is not None
        self.context["seen"].append(post.title)


class CommentFactory(Factory[Comment]):
    """A comment on a post by an author: a chain of two associations."""

    _model = Comment
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"body": sequence("comment {n}")}

    @schema()
    def on_a_post(self) -> dict[str, Any]:
        return {"body": sequence("comment {n}"), "post": association(PostFactory)}


class UniqueAuthorFactory(AuthorFactory):
    _get_or_create = ("email",)


class CommittingAuthorFactory(AuthorFactory):
    _model_builder = SQLAlchemyBuilder(persistence="commit")


class ResumedAuthorFactory(AuthorFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ada", "email": sequence("author{n}@example.com", resume=True)}


def count(session: Session, model: Any) -> int:
    session.rollback()  # a fresh snapshot: see what the other session committed
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def acount(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestTheSameFactoryClass:
    async def test_create_on_a_session_and_acreate_on_an_async_session(
        self, session: Session, async_session: AsyncSession
    ) -> None:
        """PostFactory writes a post with its author, comments, tags and notes through a
        Session under create, and through an AsyncSession under acreate."""
        seen: list[str] = []
        synced = PostFactory(session=session, seen=seen).create("full")
        session.commit()
        awaited = await PostFactory(session=async_session, seen=seen).acreate("full")
        for post in (synced, awaited):
            assert post.id is not None
            assert post.author.id == post.author_id
            assert [c.post_id for c in post.comments] == [post.id, post.id]
            assert all(c.post is post for c in post.comments)
            assert len(post.tags) == 2
            assert [n.post_id for n in post.notes] == [post.id]
        assert awaited.id == synced.id + 1
        assert seen == ["post 1", "post 2"]
        assert await acount(async_session, Comment) == 4
        assert await acount(async_session, post_tags) == 4
        await async_session.commit()
        assert count(session, Post) == 2

    async def test_create_batch_and_acreate_batch(
        self, session: Session, async_session: AsyncSession
    ) -> None:
        """The batches write in bulk through either session: one INSERT per table for
        three posts with their children, and the after-create hook runs per post."""
        seen: list[str] = []
        made = PostFactory(session=session, seen=seen).create_batch("full", 3)
        session.commit()
        inserts: list[str] = []

        def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith("INSERT"):
                inserts.append(statement.split()[2])

        engine = async_session.bind.sync_engine  # type: ignore[union-attr]
        event.listen(engine, "before_cursor_execute", note)
        try:
            awaited = await PostFactory(session=async_session, seen=seen).acreate_batch("full", 3)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert sorted(inserts) == ["author", "comment", "note", "post", "post_tags", "tag"]
        assert [p.id for p in made + awaited] == [1, 2, 3, 4, 5, 6]
        assert all(p.author.id == p.author_id for p in awaited)
        assert all(c.post is p for p in awaited for c in p.comments)
        assert all(p in async_session for p in awaited)
        assert seen == [f"post {n}" for n in range(1, 7)]
        assert await acount(async_session, Comment) == 12

    async def test_insert_batch_and_ainsert_batch(
        self, session: Session, async_session: AsyncSession
    ) -> None:
        """insert_batch and ainsert_batch write the rows and say how many."""
        assert AuthorFactory(session=session).insert_batch(3) == 3
        session.commit()
        assert await AuthorFactory(session=async_session).ainsert_batch(4) == 4
        emails = await async_session.scalars(select(Author.email).order_by(Author.id))
        assert list(emails) == [f"author{n}@example.com" for n in range(1, 8)]
        assert await PostFactory(session=async_session, seen=[]).ainsert_batch("full", 2) == 2
        assert await acount(async_session, Comment) == 4

    async def test_an_association_chain(
        self, session: Session, async_session: AsyncSession
    ) -> None:
        """A comment on a post by an author: each link of the chain is written through
        the session of the call, and overrides reach down the chain."""
        synced = CommentFactory(session=session, seen=[]).create(
            "on_a_post", post__author__name="Sync"
        )
        session.commit()
        awaited = await CommentFactory(session=async_session, seen=[]).acreate(
            "on_a_post", post__author__name="Async"
        )
        assert awaited.post.author.id == awaited.post.author_id
        assert awaited.post_id == awaited.post.id
        assert (synced.post.author.name, awaited.post.author.name) == ("Sync", "Async")
        authors = await async_session.scalars(select(Author.name).order_by(Author.id))
        assert list(authors) == ["Sync", "Async"]

    async def test_get_or_create_commit_and_resume_under_acreate(
        self, session: Session, async_session: AsyncSession
    ) -> None:
        """_get_or_create, persistence="commit" and resumed sequences read and write
        through the AsyncSession as they do through the Session."""
        first = await UniqueAuthorFactory(session=async_session).acreate(email="x@example.com")
        again = await UniqueAuthorFactory(session=async_session).acreate(email="x@example.com")
        assert again is first
        await CommittingAuthorFactory(session=async_session).acreate_batch(2)
        assert count(session, Author) == 3  # committed: the other session sees them
        stored = await async_session.scalars(select(Author.email))
        highest = max(int(e[6:-12]) for e in stored if e.startswith("author"))
        resumed = await ResumedAuthorFactory(session=async_session).acreate()
        assert resumed.email == f"author{highest + 1}@example.com"

    async def test_a_failing_acreate_undoes_only_itself(self, async_session: AsyncSession) -> None:
        """A failure part way through acreate or acreate_batch rolls back to the call's
        savepoint and names the builder; the session stays usable."""
        posts = PostFactory(session=async_session, seen=[])
        await posts.acreate()
        with pytest.raises(BuilderError, match=r"^PostFactory\.basic: SQLAlchemyBuilder\.acreate"):
            await posts.acreate(title=None)
        with pytest.raises(
            BuilderError,
            match=r"^PostFactory\.basic: acreate_batch\(\) failed on row 0 \(the 1st row\): "
            r"SQLAlchemyBuilder\.acreate_many\(Post\) raised IntegrityError",
        ):
            await posts.acreate_batch(2, title=None)
        assert await acount(async_session, Author) == 1
        await posts.acreate()
        assert await acount(async_session, Post) == 2

    async def test_concurrent_acreates_on_one_async_session(
        self, async_session: AsyncSession
    ) -> None:
        """acreate calls on one AsyncSession that run at once wait for each other."""
        posts = PostFactory(session=async_session, seen=[])
        made = await asyncio.gather(*(posts.acreate("full") for _ in range(4)))
        assert sorted(p.id for p in made) == [1, 2, 3, 4]
        assert await acount(async_session, Comment) == 8

    async def test_aadd_links_stored_rows_through_the_async_session(
        self, async_session: AsyncSession
    ) -> None:
        """The builder's aadd writes link-table rows through the AsyncSession."""
        post = await PostFactory(session=async_session, seen=[]).acreate()
        tags = await TagFactory(session=async_session).acreate_batch(2)
        context = Context({"session": async_session}, "PostFactory")
        await SQLAlchemyBuilder[Post]().aadd(post, "tags", tags, context)
        rows = await async_session.execute(select(post_tags.c.post_id, post_tags.c.tag_id))
        assert sorted(tuple(row) for row in rows) == [(post.id, tags[0].id), (post.id, tags[1].id)]

    async def test_an_async_only_child_under_a_plain_factory(
        self, async_session: AsyncSession
    ) -> None:
        """A factory on SQLAlchemyBuilder may name a child factory on
        AsyncSQLAlchemyBuilder: under acreate both write through the AsyncSession."""

        class AsyncAuthorFactory(AuthorFactory):
            _model_builder = AsyncSQLAlchemyBuilder()

        post = await PostFactory(session=async_session, seen=[]).acreate(
            author=association(AsyncAuthorFactory, name="Async")
        )
        assert (post.author.name, post.author_id) == ("Async", post.author.id)


class TestErrors:
    @pytest.mark.parametrize("call", ["create", "create_batch", "insert_batch"])
    async def test_a_sync_call_with_an_async_session(
        self, async_session: AsyncSession, call: str
    ) -> None:
        """create, create_batch and insert_batch with an AsyncSession say to await the
        async call, and write nothing."""
        posts = PostFactory(session=async_session, seen=[])
        with pytest.raises(AsyncModeError) as info:
            getattr(posts, call)(*([2] if call != "create" else []))
        assert str(info.value) == (
            "PostFactory was given an AsyncSession, but its builder is SQLAlchemyBuilder; "
            "use AsyncSQLAlchemyBuilder's calls, which every SQLAlchemyBuilder has: await "
            "acreate(), acreate_batch() or ainsert_batch() (create(), create_batch() and "
            "insert_batch() write through a Session)"
        )
        assert await acount(async_session, Post) == 0

    @pytest.mark.parametrize("call", ["acreate", "acreate_batch", "ainsert_batch"])
    async def test_an_async_call_with_no_kind_of_session(self, call: str) -> None:
        """An async call whose context's session is neither a Session nor an AsyncSession
        says what it got and what to give."""
        authors = AuthorFactory(session="oops")
        with pytest.raises(BuilderError) as info:
            await getattr(authors, call)(*([2] if call != "acreate" else []))
        assert str(info.value) == (
            "AuthorFactory.basic: the context's session is 'oops' (str), which is not a "
            "session: SQLAlchemyBuilder writes through a sqlalchemy.ext.asyncio.AsyncSession "
            "under acreate(), acreate_batch() and ainsert_batch() (or a "
            "sqlalchemy.orm.Session); make the factory with one: "
            "AuthorFactory(session=AsyncSession(engine))"
        )

    async def test_an_async_call_with_no_session(self) -> None:
        """An async call on a factory made without a session says how to make it."""
        with pytest.raises(
            MissingContextError,
            match=r"^AuthorFactory needs 'session' in its context; pass it when making the "
            r"factory: AuthorFactory\(session=\.\.\.\)",
        ):
            await AuthorFactory().acreate()

    async def test_the_async_only_builder_given_a_session(self, session: Session) -> None:
        """AsyncSQLAlchemyBuilder given a Session names the builder that takes one."""

        class AsyncAuthorFactory(AuthorFactory):
            _model_builder = AsyncSQLAlchemyBuilder()

        with pytest.raises(AsyncModeError) as info:
            await AsyncAuthorFactory(session=session).acreate()
        assert str(info.value) == (
            "AsyncAuthorFactory uses AsyncSQLAlchemyBuilder, which needs an AsyncSession, "
            "but was given Session; use SQLAlchemyBuilder for a Session"
        )


class TestGraphs:
    @pytest.fixture
    async def graph_session(self, async_engine: Any) -> AsyncIterator[AsyncSession]:
        async with async_engine.begin() as conn:
            await conn.run_sync(graph_models.Base.metadata.create_all)
        async with AsyncSession(async_engine) as session:
            yield session

    async def test_a_graph_of_plain_factories_under_acreate(
        self, graph_session: AsyncSession
    ) -> None:
        """A graph whose factories use SQLAlchemyBuilder writes its nodes and links
        through an AsyncSession under acreate, in the builder's atransaction and aadd."""
        objs = await graph_models.SyncOrgGraph(session=graph_session).acreate(
            projects=["p1"],
            teams=["t"],
            users=["joe", "ann"],
            links=["t.members:joe", "t.members:ann", "joe.roles:p1.admin_role"],
        )
        team, joe, ann = objs.teams["t"], objs.users["joe"], objs.users["ann"]
        rows = await graph_session.execute(select(*graph_models.team_members.columns))
        assert {tuple(row) for row in rows} == {(team.id, joe.id), (team.id, ann.id)}
        roles = await graph_session.execute(select(*graph_models.user_roles.columns))
        assert [tuple(row) for row in roles] == [(joe.id, objs.projects["p1"].admin_role.id)]
