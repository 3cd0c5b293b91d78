"""Edges of SQLAlchemyBuilder and AsyncSQLAlchemyBuilder on SQLite and PostgreSQL:
relationship shapes, models that the fast Core INSERT cannot write, rows it cannot
take, nested calls, refusals, and the optional dependencies."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import (
    OMIT,
    AsyncModeError,
    BuilderError,
    Context,
    HookError,
    after,
    association,
    lazy,
    schema,
    sequence,
)
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.db import blog, more_models
from tests.db.blog import Author, Comment, Note, Post
from tests.db.more_models import (
    Animal,
    Dog,
    Gig,
    Item,
    Label,
    Member,
    Passport,
    Profile,
    Team,
    doc_labels,
)
from tests.db.spies import Inserts

SYNC = more_models.SYNC
ASYNC = more_models.ASYNC


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def acount(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestRelationshipShapes:
    def test_a_backref_given_as_a_string(self, session: Session) -> None:
        """Members of ``relationship(backref="team")`` point at their team, under create
        and create_batch, in memory and in the database."""
        teams = SYNC["Team"](session=session)
        made = [teams.create(), *teams.create_batch(2)]
        assert [[m.name for m in t.members] for t in made] == [
            ["member 1", "member 2"],
            ["member 3", "member 4"],
            ["member 5", "member 6"],
        ]
        assert all(m.team is t for t in made for m in t.members)
        rows = session.execute(select(Member.name, Member.team_id).order_by(Member.id)).all()
        assert [tuple(r) for r in rows] == [
            (f"member {n}", made[(n - 1) // 2].id) for n in range(1, 7)
        ]

    def test_a_backref_given_with_backref(self, session: Session) -> None:
        """Gigs of ``relationship(backref=backref("band", ...))`` point at their band,
        under create and create_batch."""
        bands = SYNC["Band"](session=session)
        made = [bands.create(), *bands.create_batch(2)]
        assert [[g.city for g in b.gigs] for b in made] == [
            ["city 1", "city 2"],
            ["city 3", "city 4"],
            ["city 5", "city 6"],
        ]
        assert all(g.band is b and g.band_id == b.id for b in made for g in b.gigs)
        assert count(session, Gig) == 6

    async def test_backrefs_under_acreate_batch(self, async_session: AsyncSession) -> None:
        """Both backref forms work under acreate and acreate_batch."""
        teams = [await ASYNC["Team"](session=async_session).acreate()]
        teams += await ASYNC["Team"](session=async_session).acreate_batch(2)
        bands = await ASYNC["Band"](session=async_session).acreate_batch(2)
        assert all(len(t.members) == 2 and all(m.team is t for m in t.members) for t in teams)
        assert all(len(b.gigs) == 2 and all(g.band is b for g in b.gigs) for b in bands)
        assert await acount(async_session, Member) == 6

    def test_a_one_to_one_reverse_relationship(self, session: Session) -> None:
        """``association()`` on a ``uselist=False`` relationship with back_populates makes
        one profile after the person and sets it, under create and create_batch."""
        people = SYNC["Person"](session=session)
        made = [people.create(), *people.create_batch(2)]
        assert [p.profile.bio for p in made] == ["bio 1", "bio 2", "bio 3"]
        assert all(p.profile.person is p and p.profile.person_id == p.id for p in made)
        rows = session.execute(select(Profile.person_id).order_by(Profile.id)).scalars().all()
        assert rows == [p.id for p in made]

    def test_a_one_to_one_with_only_a_foreign_key(self, session: Session) -> None:
        """A ``uselist=False`` relationship with no reverse sets the passport's foreign key
        to the person, under create and create_batch."""
        people = SYNC["Person"](session=session)
        made = [people.create(), *people.create_batch(2)]
        assert [p.passport.number for p in made] == ["P00001", "P00002", "P00003"]
        assert [p.passport.person_id for p in made] == [p.id for p in made]
        numbers = session.execute(select(Passport.person_id, Passport.number)).all()
        assert sorted(tuple(r) for r in numbers) == [
            (p.id, f"P{n:05d}") for n, p in enumerate(made, 1)
        ]

    async def test_one_to_one_under_acreate_batch(self, async_session: AsyncSession) -> None:
        """Both one-to-one shapes work under acreate and acreate_batch."""
        people = ASYNC["Person"](session=async_session)
        made = [await people.acreate(), *await people.acreate_batch(2)]
        assert [p.profile.bio for p in made] == ["bio 1", "bio 2", "bio 3"]
        assert all(p.profile.person is p for p in made)
        assert [p.passport.person_id for p in made] == [p.id for p in made]

    def test_a_write_only_collection(self, session: Session) -> None:
        """``many()`` on a ``WriteOnlyMapped`` one-to-many writes the items pointing at the
        box, under create and create_batch; the box's collection reads them back."""
        boxes = SYNC["Box"](session=session)
        made = [boxes.create(), *boxes.create_batch(2)]
        names = [
            [i.name for i in session.scalars(b.items.select().order_by(Item.id))] for b in made
        ]
        assert names == [["item 1", "item 2"], ["item 3", "item 4"], ["item 5", "item 6"]]

    async def test_a_write_only_collection_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate and acreate_batch."""
        boxes = ASYNC["Box"](session=async_session)
        made = [await boxes.acreate(), *await boxes.acreate_batch(2)]
        names = [
            (await async_session.scalars(b.items.select().order_by(Item.id))).all() for b in made
        ]
        assert [[i.name for i in items] for items in names] == [
            ["item 1", "item 2"],
            ["item 3", "item 4"],
            ["item 5", "item 6"],
        ]

    def test_a_built_graph_can_be_flushed_later(self, session: Session) -> None:
        """Children built after their parent, including those that point back only by a
        foreign key, are written with that key when the built post is added and flushed."""
        post = blog.SYNC["Post"](session=session).build("full")
        session.add(post)
        session.flush()
        rows = session.execute(select(Note.post_id, Note.text)).all()
        assert [tuple(r) for r in rows] == [(post.id, "note 1")]
        assert session.scalars(select(Comment.post_id)).all() == [post.id, post.id]

    def test_a_built_one_to_one_can_be_flushed_later(self, session: Session) -> None:
        """The same for a one-to-one that points back only by a foreign key."""
        person = SYNC["Person"](session=session).build()
        session.add(person)
        session.flush()
        assert session.scalars(select(Passport.person_id)).all() == [person.id]

    def test_a_failing_child_made_after_the_object(self, session: Session) -> None:
        """A member that breaks NOT NULL under create names the team's schema and the
        member, and the team is rolled back with it."""
        with pytest.raises(
            BuilderError,
            match=r"^TeamFactory\.basic → members\[0\] \(MemberFactory\.basic\): "
            r"SQLAlchemyBuilder\.create\(Member\) raised IntegrityError\(",
        ) as caught:
            SYNC["Team"](session=session).create(members__name=None)
        assert caught.value.attributes["name"] is None
        assert (count(session, Team), count(session, Member)) == (0, 0)

    async def test_a_failing_child_made_after_the_object_under_acreate(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate."""
        with pytest.raises(
            BuilderError,
            match=r"^TeamFactory\.basic → members\[0\] \(MemberFactory\.basic\): "
            r"AsyncSQLAlchemyBuilder\.acreate\(Member\) raised IntegrityError\(",
        ):
            await ASYNC["Team"](session=async_session).acreate(members__name=None)
        assert await acount(async_session, Team) == 0


class TestOrmBulkInsert:
    """Models the fast Core INSERT cannot write (inheritance, a version counter) go
    through the ORM's bulk INSERT ... RETURNING instead."""

    def test_joined_inheritance_rows_come_back_in_order(
        self, engine: Engine, session: Session
    ) -> None:
        """Dogs whose rows name different columns come back in the order asked, with their
        keys, attached, and the subclass table is written once per set of columns."""
        seen = Inserts(engine)
        dogs = SYNC["Dog"](session=session).create_batch(
            6, good=sequence(lambda n: OMIT if n % 2 else False, key="good")
        )
        assert [d.name for d in dogs] == [f"dog {n}" for n in range(1, 7)]
        assert [d.good for d in dogs] == [True, False] * 3
        assert [d.kind for d in dogs] == ["dog"] * 6
        assert len({d.id for d in dogs}) == 6
        assert all(session.get(Dog, d.id) is d for d in dogs)
        assert [t for t in seen.tables if t == "dog"] == ["dog", "dog"]
        session.expire_all()
        stored = session.execute(select(Dog.id, Dog.name, Dog.good)).all()
        assert sorted(tuple(r) for r in stored) == sorted((d.id, d.name, d.good) for d in dogs)

    async def test_joined_inheritance_under_acreate_batch(
        self, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        dogs = await ASYNC["Dog"](session=async_session).acreate_batch(
            6, good=sequence(lambda n: OMIT if n % 2 else False, key="good")
        )
        assert [d.name for d in dogs] == [f"dog {n}" for n in range(1, 7)]
        assert [d.good for d in dogs] == [True, False] * 3
        found = [await async_session.get(Dog, d.id) for d in dogs]
        assert all(f is d for f, d in zip(found, dogs, strict=True))
        assert await acount(async_session, Animal) == 6

    def test_a_versioned_model_with_relationships(self, engine: Engine, session: Session) -> None:
        """Docs with a version counter get version 1, their owner and labels (one INSERT of
        link rows), run their hooks, and can be updated afterwards."""
        seen: list[tuple[int, int]] = []
        inserts = Inserts(engine)
        docs = SYNC["Doc"](session=session, seen=seen).create_batch(3)
        assert inserts.tables == ["owner", "label", "doc", "doc_labels"]
        assert [(d.title, d.version, d.owner.name) for d in docs] == [
            ("doc 1", 1, "owner 1"),
            ("doc 2", 1, "owner 2"),
            ("doc 3", 1, "owner 3"),
        ]
        assert [[lab.name for lab in d.labels] for d in docs] == [
            ["label 1", "label 2"],
            ["label 3", "label 4"],
            ["label 5", "label 6"],
        ]
        assert seen == [(d.id, 1) for d in docs]
        assert all(d.owner_id == d.owner.id for d in docs)
        docs[0].title = "renamed"
        session.flush()
        assert docs[0].version == 2
        assert count(session, doc_labels) == 6

    async def test_a_versioned_model_under_acreate_batch(self, async_session: AsyncSession) -> None:
        """The same under acreate_batch."""
        docs = await ASYNC["Doc"](session=async_session).acreate_batch(3)
        assert [(d.version, d.owner.name) for d in docs] == [
            (1, "owner 1"),
            (1, "owner 2"),
            (1, "owner 3"),
        ]
        assert [len(d.labels) for d in docs] == [2, 2, 2]
        docs[2].title = "renamed"
        await async_session.flush()
        assert docs[2].version == 2
        assert await acount(async_session, doc_labels) == 6

    def test_an_empty_many_to_many_writes_no_link_rows(
        self, engine: Engine, session: Session
    ) -> None:
        """Docs given no labels write no link-table INSERT and have empty collections."""
        seen = Inserts(engine)
        docs = SYNC["Doc"](session=session).create_batch(2, labels=[])
        assert seen.tables == ["owner", "doc"]
        assert [d.labels for d in docs] == [[], []]
        assert count(session, Label) == 0

    async def test_an_empty_many_to_many_under_acreate_batch(
        self, async_engine: AsyncEngine, async_session: AsyncSession
    ) -> None:
        """The same under acreate_batch."""
        seen = Inserts(async_engine.sync_engine)
        docs = await ASYNC["Doc"](session=async_session).acreate_batch(2, labels=[])
        assert seen.tables == ["owner", "doc"]
        assert [d.labels for d in docs] == [[], []]

    def test_a_failing_call_forgets_the_rows_it_loaded(self, session: Session) -> None:
        """When a hook fails after the dogs were written, the call is rolled back and none
        of its dogs stays in the session."""

        class PickyDogFactory(SYNC["Dog"]):  # type: ignore[misc, valid-type]
            @after("create")
            def refuse(self, dog: Dog, attrs: Any) -> None:
                if dog.name == "dog 3":
                    raise ValueError(dog.name)

        with pytest.raises(
            HookError, match=r"^PickyDogFactory\.basic: after-create hook refuse raised "
        ):
            PickyDogFactory(session=session).create_batch(3)
        assert [o for o in session.identity_map.values() if isinstance(o, Animal)] == []
        assert count(session, Animal) == 0

    def test_a_row_the_caller_detached_is_skipped_on_rollback(self, session: Session) -> None:
        """A hook that detaches its dog from the session, in a call that then fails, leaves
        the rollback to forget the other dogs without tripping over that one."""

        class DetachingDogFactory(SYNC["Dog"]):  # type: ignore[misc, valid-type]
            @after("create")
            def detach(self, dog: Dog, attrs: Any) -> None:
                if dog.name == "dog 1":
                    session.expunge(dog)
                if dog.name == "dog 2":
                    raise ValueError(dog.name)

        with pytest.raises(HookError, match=r"^DetachingDogFactory\.basic: after-create hook "):
            DetachingDogFactory(session=session).create_batch(2)
        assert [o for o in session.identity_map.values() if isinstance(o, Animal)] == []
        assert count(session, Animal) == 0


class TestRowsTheInsertCannotTake:
    """Rows with a key that is not a column go to ``session.add_all`` instead."""

    def test_a_plain_attribute(self, session: Session) -> None:
        """Members given a plain Python attribute are still written, in order, with keys."""
        team = SYNC["Team"](session=session).create(members=[])
        members = SYNC["Member"](session=session).create_batch(3, team=team, scratch="kept")
        assert [m.name for m in members] == ["member 1", "member 2", "member 3"]
        assert [m.scratch for m in members] == ["kept"] * 3
        assert all(m.id is not None and m.team_id == team.id for m in members)
        assert count(session, Member) == 3

    async def test_a_plain_attribute_under_acreate_batch(self, async_session: AsyncSession) -> None:
        """The same under acreate_batch."""
        team = await ASYNC["Team"](session=async_session).acreate(members=[])
        members = await ASYNC["Member"](session=async_session).acreate_batch(
            3, team=team, scratch="kept"
        )
        assert [m.scratch for m in members] == ["kept"] * 3
        assert all(m.id is not None and m.team_id == team.id for m in members)
        assert await acount(async_session, Member) == 3

    def test_a_one_to_many_list_given_as_a_value(self, session: Session) -> None:
        """Posts given a list of new comments are written with their comments."""
        posts = blog.SYNC["Post"](session=session).create_batch(
            2, comments=lazy(lambda a: [Comment(body=f"on {a['title']}")])
        )
        rows = session.execute(select(Comment.post_id, Comment.body).order_by(Comment.id)).all()
        assert [tuple(r) for r in rows] == [(p.id, f"on {p.title}") for p in posts]


class TestNestedCalls:
    """A create_batch made inside another (from a hook) shares its savepoint."""

    @staticmethod
    def teams_with_captains() -> type[Any]:
        class CaptainedTeamFactory(SYNC["Team"]):  # type: ignore[misc, valid-type]
            @after("create")
            def add_captain(self, team: Team, attrs: Any) -> None:
                members = SYNC["Member"](session=self.context["session"])
                members.create_batch(1, team=team, name=f"captain of {team.name}")
                if team.name == self.context.get("fail_at"):
                    raise ValueError(team.name)

        return CaptainedTeamFactory

    def test_rows_of_a_nested_call_are_kept(self, session: Session) -> None:
        """Each team gets the captain its hook makes in a call of its own."""
        teams = self.teams_with_captains()(session=session).create_batch(2, members=[])
        names = session.scalars(select(Member.name).order_by(Member.id)).all()
        assert names == ["captain of team 1", "captain of team 2"]
        assert [t.id for t in teams] == sorted(session.scalars(select(Member.team_id)))

    def test_a_failure_forgets_the_rows_of_nested_calls(self, session: Session) -> None:
        """When the second team's hook fails, the captains its nested calls wrote are rolled
        back and gone from the session too."""
        factory = self.teams_with_captains()(session=session, fail_at="team 2")
        with pytest.raises(
            HookError,
            match=r"^CaptainedTeamFactory\.basic: after-create hook add_captain raised "
            r"ValueError\('team 2'\)",
        ):
            factory.create_batch(2, members=[])
        kinds = {type(o).__name__ for o in session.identity_map.values()}
        assert kinds == set()
        assert (count(session, Team), count(session, Member)) == (0, 0)


class TestPersistence:
    async def test_commit_persistence_under_acreate(
        self, async_session: AsyncSession, db_url: str, make_engine: Callable[..., Engine]
    ) -> None:
        """With persistence="commit" the async builder commits each call: another
        connection sees the rows at once."""
        fs = blog.factories(AsyncSQLAlchemyBuilder, persistence="commit")
        await fs["Post"](session=async_session).acreate()
        await fs["Post"](session=async_session).acreate_batch(2)
        with Session(make_engine(db_url)) as reader:
            assert count(reader, Post) == 3
            assert count(reader, Author) == 3

    async def test_the_sync_builder_under_acreate(self, session: Session) -> None:
        """acreate and acreate_batch over the synchronous builder write through its
        Session, each call inside its savepoint."""
        posts = blog.SYNC["Post"](session=session)
        one = await posts.acreate("full")
        many = await posts.acreate_batch(2)
        assert one.id is not None
        assert len(one.comments) == 2
        assert [p.author_id for p in many] == [p.author.id for p in many]
        with pytest.raises(BuilderError, match=r"^PostFactory\.basic: SQLAlchemyBuilder"):
            await posts.acreate(title=None)
        assert (count(session, Post), count(session, Author)) == (3, 3)


class TestBuilderSurface:
    def test_repr_shows_the_persistence(self) -> None:
        """A builder's repr names its class and persistence."""
        assert repr(SQLAlchemyBuilder()) == "SQLAlchemyBuilder(persistence='flush')"
        assert (
            repr(AsyncSQLAlchemyBuilder(persistence="commit"))
            == "AsyncSQLAlchemyBuilder(persistence='commit')"
        )

    def test_create_many_called_directly(self, session: Session) -> None:
        """The builder's create_many, called outside any factory, writes the rows and
        returns attached objects in order."""
        rows = [{"name": f"A{i}", "email": f"a{i}@example.com"} for i in range(3)]
        made = SQLAlchemyBuilder().create_many(Author, rows, Context({"session": session}))
        assert [a.email for a in made] == ["a0@example.com", "a1@example.com", "a2@example.com"]
        assert all(a in session and a.id is not None for a in made)
        assert count(session, Author) == 3


def async_children() -> dict[str, type[Any]]:
    """Synchronous posts whose authors come from the async builder's factories."""

    class UniqueAsyncAuthorFactory(blog.ASYNC["Author"]):  # type: ignore[misc, valid-type]
        _get_or_create = ("email",)

    class PostFactory(blog.SYNC["Post"]):  # type: ignore[misc, valid-type]
        @schema()
        def async_author(self) -> dict[str, Any]:
            return {"title": "t", "author": association(blog.ASYNC["Author"])}

        @schema()
        def unique_async_author(self) -> dict[str, Any]:
            return {"title": "t", "author": association(UniqueAsyncAuthorFactory)}

    return {"Post": PostFactory}


class TestAsyncBuilderRefusals:
    def test_create_of_an_async_child_is_refused(self, session: Session) -> None:
        """A sync post whose author factory uses the async builder says to call acreate(),
        with the path to the author, under create and create_batch."""
        posts = async_children()["Post"](session=session)
        message = (
            r"^PostFactory\.async_author → author \(AuthorFactory\.basic\): AuthorFactory "
            r"uses AsyncSQLAlchemyBuilder, which writes through an AsyncSession: call "
            r"acreate\(\) or acreate_batch\(\) \(build\(\) needs no session\)$"
        )
        with pytest.raises(AsyncModeError, match=message):
            posts.create("async_author")
        with pytest.raises(AsyncModeError, match=message):
            posts.create_batch("async_author", 2)
        assert count(session, Post) == 0

    def test_get_of_an_async_child_is_refused(self, session: Session) -> None:
        """A _get_or_create author on the async builder refuses its lookup the same way."""
        posts = async_children()["Post"](session=session)
        with pytest.raises(
            AsyncModeError,
            match=r"^PostFactory\.unique_async_author → author "
            r"\(UniqueAsyncAuthorFactory\.basic\): UniqueAsyncAuthorFactory uses "
            r"AsyncSQLAlchemyBuilder, which writes through an AsyncSession: call acreate\(\)",
        ):
            posts.create("unique_async_author")


class TestOptionalDependencies:
    def test_the_sync_builder_works_without_the_asyncio_extra(
        self, monkeypatch: pytest.MonkeyPatch, session: Session
    ) -> None:
        """With ``sqlalchemy.ext.asyncio`` unimportable the sync builder still writes."""
        monkeypatch.setitem(sys.modules, "sqlalchemy.ext.asyncio", None)
        post = blog.SYNC["Post"](session=session).create()
        posts = blog.SYNC["Post"](session=session).create_batch(2)
        assert post.id is not None
        assert count(session, Post) == 1 + len(posts)

    async def test_the_async_builder_says_which_extra_it_needs(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With ``sqlalchemy.ext.asyncio`` unimportable the async builder names the extra."""
        monkeypatch.setitem(sys.modules, "sqlalchemy.ext.asyncio", None)
        with pytest.raises(
            ImportError,
            match=r"^AsyncSQLAlchemyBuilder needs SQLAlchemy's asyncio extra: "
            r"pip install 'pyfactory-schema\[asyncio\]'$",
        ):
            await blog.ASYNC["Post"](session=object()).acreate()

    def test_the_module_says_which_extra_it_needs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Importing the builders without SQLAlchemy names the extra and keeps the cause."""
        monkeypatch.delitem(sys.modules, "pyfactory.builders.sqlalchemy")
        monkeypatch.setitem(sys.modules, "sqlalchemy", None)
        with pytest.raises(
            ImportError,
            match=r"^pyfactory\.builders\.sqlalchemy needs SQLAlchemy 2: "
            r"pip install 'pyfactory-schema\[sqlalchemy\]'$",
        ) as caught:
            importlib.import_module("pyfactory.builders.sqlalchemy")
        assert isinstance(caught.value.__cause__, ImportError)
