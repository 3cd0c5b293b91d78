"""SQLAlchemyBuilder and AsyncSQLAlchemyBuilder against a SQLite file and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from pyfactory import (
    OMIT,
    AsyncModeError,
    BuilderError,
    FactoryDefinitionError,
    HookError,
    MissingContextError,
    after,
    association,
    lazy,
    many,
    randomly_unset,
    schema,
    sequence,
)
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from tests.db.blog import ASYNC, SYNC, Author, Comment, Note, Post, Tag, factories
from tests.db.spies import Inserts


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


class TestCreate:
    def test_create_writes_the_row_and_its_parent(self, session: Session) -> None:
        """create() flushes the post and the author it points at; both have keys."""
        post = SYNC["Post"](session=session).create(title="Hello")
        assert post.id is not None
        assert post.author.id == post.author_id
        assert inspect(post).persistent
        assert session.scalars(select(Post.title)).all() == ["Hello"]

    def test_one_to_many_rows_are_made_after_the_parent(self, session: Session) -> None:
        """many() on a one-to-many relationship writes the comments pointing at the post."""
        post = SYNC["Post"](session=session).create("full")
        session.expire_all()
        fresh = session.get(Post, post.id)
        assert fresh is not None
        assert sorted(c.body for c in fresh.comments) == sorted(c.body for c in post.comments)
        assert len(fresh.comments) == 2
        assert all(c.post_id == post.id for c in fresh.comments)

    def test_many_to_many_rows_are_linked(self, session: Session) -> None:
        """many() on a many-to-many relationship writes the tags and the link rows."""
        post = SYNC["Post"](session=session).create("full")
        session.expire_all()
        fresh = session.get(Post, post.id)
        assert fresh is not None
        assert sorted(t.name for t in fresh.tags) == sorted(t.name for t in post.tags)
        assert len(fresh.tags) == 2

    def test_children_without_a_reverse_relationship_get_the_foreign_key(
        self, session: Session
    ) -> None:
        """Notes have no relationship back to the post: their post_id column is set."""
        post = SYNC["Post"](session=session).create("full")
        notes = session.scalars(select(Note)).all()
        assert [n.post_id for n in notes] == [post.id]
        assert [n.text for n in post.notes] == [notes[0].text]

    def test_hooks_run_once_the_row_exists(self, session: Session) -> None:
        """The after-create hook sees the post's id."""
        seen: list[int] = []
        post = SYNC["Post"](session=session, seen=seen).create()
        assert seen == [post.id]

    def test_a_ready_author_makes_no_new_author(self, session: Session) -> None:
        """An author given in place of the association is used, and no other is written."""
        posts = SYNC["Post"](session=session)
        author = SYNC["Author"](session=session).create()
        post = posts.create(author=author)
        assert post.author is author
        assert count(session, Author) == 1

    def test_build_writes_nothing(self, session: Session) -> None:
        """build() makes transient objects and writes no row."""
        post = SYNC["Post"](session=session).build("full")
        assert post.id is None
        assert inspect(post).transient
        assert len(post.comments) == 2
        assert count(session, Post) == 0

    def test_dunder_overrides_reach_the_children(self, session: Session) -> None:
        """``author__name`` and ``comments__body`` reach the associated rows."""
        post = SYNC["Post"](session=session).create(
            "full", author__name="Ada", comments__body="same"
        )
        assert post.author.name == "Ada"
        assert [c.body for c in post.comments] == ["same", "same"]


class TestBulk:
    def test_a_batch_writes_one_insert_per_table(self, engine: Engine, session: Session) -> None:
        """A batch of posts, each with a new author, comments, tags and a note, writes each
        table with one INSERT statement."""
        seen = Inserts(engine)
        posts = SYNC["Post"](session=session).create_batch("full", 50)
        tables = sorted(seen.tables)
        assert tables == ["author", "comment", "note", "post", "post_tags", "tag"]
        assert count(session, Post) == 50
        assert count(session, Comment) == 100
        assert count(session, Tag) == 100
        assert len({p.author_id for p in posts}) == 50

    def test_batch_objects_are_attached_with_their_keys(self, session: Session) -> None:
        """create_batch returns persistent ORM instances, in order, with keys and relations."""
        posts = SYNC["Post"](session=session).create_batch(
            "basic", 20, title=sequence("t{n}", key="t")
        )
        assert [p.title for p in posts] == [f"t{n}" for n in range(1, 21)]
        assert all(inspect(p).persistent and p in session for p in posts)
        assert all(p.author.id == p.author_id for p in posts)
        assert session.get(Post, posts[7].id) is posts[7]

    def test_rows_with_different_columns_keep_their_order(self, session: Session) -> None:
        """Rows that name different columns go in separate INSERTs and come back in order."""
        posts_factory = SYNC["Post"](session=session)
        author = SYNC["Author"](session=session).create()
        titles = [f"row {i}" for i in range(6)]
        made = posts_factory.create_batch(
            "basic",
            6,
            author=author,
            title=sequence(lambda n: titles[(n - 1) % 6], key="x"),
            published=randomly_unset(True, p=0.5),
        )
        assert [p.title for p in made] == titles
        assert all(p.author is author for p in made)

    def test_batch_hooks_run_after_the_rows_exist(self, session: Session) -> None:
        """Hooks of a batch see every row's id."""
        seen: list[int] = []
        posts = SYNC["Post"](session=session, seen=seen).create_batch(5)
        assert seen == [p.id for p in posts]

    def test_a_lazy_reading_a_child_gets_it_created_first(self, session: Session) -> None:
        """A lazy field that needs a child's id inside a batch gets the real, written row."""
        posts = SYNC["Post"](session=session).create_batch(
            "basic", 3, title=lazy(lambda a: f"by author {a['author'].id}")
        )
        assert [p.title for p in posts] == [f"by author {p.author.id}" for p in posts]


class TestTransactions:
    def test_a_failing_child_leaves_nothing_of_the_call(self, session: Session) -> None:
        """A unique violation in a tag rolls back the post, author and comments of that call,
        and earlier rows and the session stay usable."""
        posts = SYNC["Post"](session=session)
        first = posts.create("full")
        with pytest.raises(
            BuilderError, match=r"PostFactory\.full → tags\[0\] \(TagFactory\.basic\)"
        ):
            posts.create("full", tags__name=first.tags[0].name)
        assert (count(session, Post), count(session, Author), count(session, Comment)) == (1, 1, 2)
        again = posts.create()
        session.commit()
        assert count(session, Post) == 2
        assert again.id is not None

    def test_a_failing_batch_writes_nothing(self, session: Session) -> None:
        """A batch whose posts break NOT NULL leaves no author behind, and says so."""
        with pytest.raises(
            BuilderError,
            match=r"PostFactory\.basic: create_batch\(\) failed on row 0 \(the 1st row\): "
            r"SQLAlchemyBuilder\.create_many\(Post\) raised IntegrityError",
        ) as caught:
            SYNC["Post"](session=session).create_batch(3, title=None)
        assert len(caught.value.rows) == 3
        assert caught.value.__cause__ is not None
        assert count(session, Author) == 0

    def test_commit_persistence_commits_once_per_call(
        self, engine: Engine, db_url: str, make_engine: Callable[..., Engine]
    ) -> None:
        """With persistence="commit" the rows are visible to another connection at once."""
        fs = factories(SQLAlchemyBuilder, persistence="commit")
        with Session(engine) as session:
            fs["Post"](session=session).create_batch(4)
        other = make_engine(db_url)
        with Session(other) as reader:
            assert count(reader, Post) == 4

    def test_flush_persistence_leaves_the_commit_to_the_caller(
        self, engine: Engine, session: Session
    ) -> None:
        """With the default flush persistence a rollback undoes the rows."""
        SYNC["Post"](session=session).create_batch(3)
        session.rollback()
        assert count(session, Post) == 0

    def test_unknown_persistence_is_refused(self) -> None:
        """persistence takes 'flush' or 'commit'."""
        with pytest.raises(
            FactoryDefinitionError,
            match="SQLAlchemyBuilder persistence is 'flush' or 'commit', not 'later'",
        ):
            SQLAlchemyBuilder(persistence="later")  # type: ignore[arg-type]


class TestGetOrCreate:
    def test_existing_row_is_returned(self, session: Session) -> None:
        """_get_or_create finds the author by email instead of writing a second one."""

        class UniqueAuthor(SYNC["Author"]):  # type: ignore[misc, valid-type]
            _get_or_create = ("email",)

        authors = UniqueAuthor(session=session)
        first = authors.create(email="ada@example.com", name="Ada")
        again = authors.create(email="ada@example.com", name="Someone else")
        assert again is first
        assert count(session, Author) == 1
        batch = authors.create_batch(2, email="ada@example.com")
        assert batch == [first, first]


class TestErrors:
    def test_missing_session(self) -> None:
        """A factory made without a session says which call fixes it."""
        with pytest.raises(
            MissingContextError,
            match=r"PostFactory needs 'session' in its context; pass it when making the "
            r"factory: PostFactory\(session=\.\.\.\)",
        ):
            SYNC["Post"]().create()

    def test_async_builder_refuses_create(self, session: Session) -> None:
        """create() on the async builder says to call acreate()."""
        with pytest.raises(
            AsyncModeError,
            match=r"PostFactory uses AsyncSQLAlchemyBuilder, which writes through an "
            r"AsyncSession: call acreate\(\) or acreate_batch\(\)",
        ):
            ASYNC["Post"](session=session).create()

    async def test_sync_builder_refuses_an_async_session(
        self, async_db_url: str, make_async_engine: Callable[..., AsyncEngine]
    ) -> None:
        """The sync builder given an AsyncSession says which builder to use."""
        async with AsyncSession(make_async_engine(async_db_url)) as session:
            with pytest.raises(
                AsyncModeError,
                match="PostFactory was given an AsyncSession, but its builder is "
                "SQLAlchemyBuilder; use AsyncSQLAlchemyBuilder",
            ):
                SYNC["Post"](session=session).create()

    def test_async_builder_refuses_a_session(self, session: Session) -> None:
        """The async builder given a Session says which builder to use."""
        assert ASYNC["Post"](session=session).build().id is None  # build needs no session
        posts = ASYNC["Post"](session=session)
        with pytest.raises(
            AsyncModeError,
            match="PostFactory uses AsyncSQLAlchemyBuilder, which needs an AsyncSession, "
            "but was given Session; use SQLAlchemyBuilder",
        ):
            asyncio.run(posts.acreate())

    @pytest.mark.parametrize(
        ("given", "shown"), [(None, "None (NoneType)"), ("oops", "'oops' (str)")]
    )
    @pytest.mark.parametrize("call", ["create", "create_batch"])
    def test_a_session_that_is_not_a_session(self, given: Any, shown: str, call: str) -> None:
        """``session=None`` or a string is reported as not a session, with the factory's
        path and the session to give, instead of an AttributeError from the builder."""
        posts = SYNC["Post"](session=given)
        with pytest.raises(BuilderError) as info:
            getattr(posts, call)(*([2] if call == "create_batch" else []))
        assert str(info.value) == (
            f"PostFactory.basic → author (AuthorFactory.basic): the context's session is "
            f"{shown}, which is not a session: SQLAlchemyBuilder writes through a "
            "sqlalchemy.orm.Session; make the factory with one: "
            "PostFactory(session=Session(engine))"
        )

    @pytest.mark.parametrize("call", ["acreate", "acreate_batch"])
    async def test_an_async_session_that_is_not_a_session(self, call: str) -> None:
        """The async builder says the same of ``session="oops"``, naming AsyncSession."""
        tags = ASYNC["Tag"](session="oops")
        with pytest.raises(BuilderError) as info:
            await getattr(tags, call)(*([2] if call == "acreate_batch" else []))
        assert str(info.value) == (
            "TagFactory.basic: the context's session is 'oops' (str), which is not a "
            "session: AsyncSQLAlchemyBuilder writes through a "
            "sqlalchemy.ext.asyncio.AsyncSession, for acreate() and acreate_batch(); make "
            "the factory with one: TagFactory(session=AsyncSession(engine))"
        )

    async def test_the_sync_builder_under_acreate(self) -> None:
        """SQLAlchemyBuilder's acreate says the same of ``session=None``."""
        with pytest.raises(
            BuilderError, match=r"^TagFactory\.basic: the context's session is None"
        ):
            await SYNC["Tag"](session=None).acreate()

    def test_a_scoped_session_is_a_session(self, engine: Engine) -> None:
        """A ``scoped_session`` (Flask-SQLAlchemy's ``db.session``) is taken as a session."""
        scoped = scoped_session(sessionmaker(engine))
        try:
            assert SYNC["Tag"](session=scoped).create().id is not None
        finally:
            scoped.remove()


async def acount(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestAsync:
    async def test_acreate_writes_the_graph(self, async_session: AsyncSession) -> None:
        """acreate writes the post, its author, comments, tags and notes."""
        post = await ASYNC["Post"](session=async_session).acreate("full")
        assert post.id is not None
        assert post.author.id == post.author_id
        assert [c.post_id for c in post.comments] == [post.id, post.id]
        assert len(post.tags) == 2
        assert await acount(async_session, Comment) == 2

    async def test_acreate_batch_writes_in_bulk(self, async_session: AsyncSession) -> None:
        """acreate_batch returns attached objects with keys; every table has its rows."""
        posts = await ASYNC["Post"](session=async_session).acreate_batch("full", 10)
        assert len({p.id for p in posts}) == 10
        assert all(p in async_session for p in posts)
        assert await acount(async_session, Author) == 10
        assert await acount(async_session, Comment) == 20

    async def test_a_failing_acreate_leaves_nothing(self, async_session: AsyncSession) -> None:
        """A failure part way through acreate rolls back to the savepoint."""
        posts = ASYNC["Post"](session=async_session)
        await posts.acreate()
        with pytest.raises(BuilderError, match=r"AsyncSQLAlchemyBuilder\.acreate\(Post\)"):
            await posts.acreate(title=None)
        with pytest.raises(BuilderError):
            await posts.acreate_batch(2, title=None)
        assert await acount(async_session, Author) == 1
        await posts.acreate()
        await async_session.commit()
        assert await acount(async_session, Post) == 2

    async def test_aget_or_create(self, async_session: AsyncSession) -> None:
        """_get_or_create works under acreate."""

        class UniqueAuthor(ASYNC["Author"]):  # type: ignore[misc, valid-type]
            _get_or_create = ("email",)

        authors = UniqueAuthor(session=async_session)
        first = await authors.acreate(email="x@example.com")
        assert await authors.acreate(email="x@example.com") is first


def test_omit_and_association_placeholders_mix(session: Session) -> None:
    """OMIT and an association given as an override work in a batch."""
    fs = SYNC

    class Draft(fs["Post"]):  # type: ignore[misc, valid-type]
        @schema()
        def draft(self) -> dict[str, Any]:
            return {
                "title": "draft",
                "published": OMIT,
                "author": association(fs["Author"], name="Anon"),
            }

    made = Draft(session=session).create_batch("draft", 3)
    assert [p.author.name for p in made] == ["Anon"] * 3
    assert [p.published for p in made] == [False] * 3


class TestChunks:
    def test_a_large_batch_is_written_in_chunks(self, engine: Engine, session: Session) -> None:
        """With _batch_size = 10, 25 posts are three INSERTs per table, in one savepoint,
        and come back in order."""

        class SmallChunks(SYNC["Post"]):  # type: ignore[misc, valid-type]
            _batch_size = 10

        seen = Inserts(engine)
        posts = SmallChunks(session=session).create_batch(25, title=sequence("c{n}", key="c"))
        assert seen.tables == ["author", "post"] * 3
        assert [p.title for p in posts] == [f"c{n}" for n in range(1, 26)]
        assert count(session, Author) == 25

    def test_a_failing_chunk_undoes_the_earlier_chunks(self, session: Session) -> None:
        """The chunks of one call share its savepoint: a failure in the last undoes all."""

        class SmallChunks(SYNC["Post"]):  # type: ignore[misc, valid-type]
            _batch_size = 2

        titles = iter(["a", "b", "c", "d", None])
        with pytest.raises(BuilderError):
            SmallChunks(session=session).create_batch(5, title=lazy(lambda a: next(titles)))
        assert (count(session, Post), count(session, Author)) == (0, 0)

    async def test_acreate_batch_is_written_in_chunks(self, async_session: AsyncSession) -> None:
        """acreate_batch chunks the same way."""

        class SmallChunks(ASYNC["Post"]):  # type: ignore[misc, valid-type]
            _batch_size = 4

        posts = await SmallChunks(session=async_session).acreate_batch(10)
        assert len({p.id for p in posts}) == 10
        assert await acount(async_session, Author) == 10

    def test_batch_size_must_be_positive(self) -> None:
        """_batch_size is checked when the class is defined."""
        with pytest.raises(
            FactoryDefinitionError, match=r"Bad\._batch_size must be a positive int, got 0"
        ):

            class Bad(SYNC["Post"]):  # type: ignore[misc, valid-type]
                _batch_size = 0


class TestNestedCommit:
    def test_a_create_inside_a_hook_commits_with_the_outer_call(self, session: Session) -> None:
        """With persistence="commit", a create made by a hook belongs to the outer call:
        when the outer call fails, neither row stays; when it succeeds, one commit."""
        fs = factories(SQLAlchemyBuilder, persistence="commit")

        class LoggedPost(fs["Post"]):  # type: ignore[misc, valid-type]
            @after("create")
            def log(self, post: Post, attrs: Any) -> None:
                fs["Tag"](session=self.context["session"]).create()
                if self.context.get("fail"):
                    raise ValueError("boom")

        with pytest.raises(HookError, match="after-create hook log raised ValueError"):
            LoggedPost(session=session, fail=True).create()
        assert (count(session, Post), count(session, Tag)) == (0, 0)
        LoggedPost(session=session).create_batch(2)
        session.rollback()  # nothing to undo: the outer call committed
        assert (count(session, Post), count(session, Tag)) == (2, 2)


class TestChildrenRules:
    def test_a_found_row_gets_no_new_children(self, session: Session) -> None:
        """_get_or_create returns a found author as it is: its posts are not made again,
        and neither create nor create_batch runs hooks for it."""

        class AuthorWithPosts(SYNC["Author"]):  # type: ignore[misc, valid-type]
            _get_or_create = ("email",)

            @schema()
            def prolific(self) -> dict[str, Any]:
                raw = self.schema("basic")
                raw["posts"] = many(SYNC["Post"], author=OMIT, count=2)
                return raw

        authors = AuthorWithPosts(session=session)
        first = authors.create("prolific", email="a@example.com")
        assert count(session, Post) == 2
        assert authors.create("prolific", email="a@example.com") is first
        assert authors.create_batch("prolific", 2, email="a@example.com") == [first, first]
        assert count(session, Post) == 2

    def test_build_makes_one_to_many_children_after_the_parent(self, session: Session) -> None:
        """Under build, comments are built after their post and point at it; no extra
        post is built for them."""
        built: list[str] = []

        class CountingPosts(SYNC["Post"]):  # type: ignore[misc, valid-type]
            @after("build")
            def count_builds(self, post: Post, attrs: Any) -> None:
                built.append(post.title)

        post = CountingPosts(session=session).build("full")
        assert built == [post.title]
        assert [c.post for c in post.comments] == [post, post]
        assert count(session, Post) == 0
