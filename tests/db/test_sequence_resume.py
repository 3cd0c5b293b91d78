"""``sequence(..., resume=True)`` on a SQLite file and PostgreSQL: a new process (here,
``reset_sequences()``) continues after the highest number already stored instead of
handing out ``user1@example.org`` again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, String, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import (
    AsyncModeError,
    Factory,
    FactoryDefinitionError,
    schema,
    sequence,
    transient,
)
from pyfactory.builders import ObjectBuilder
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from pyfactory.fields import counters
from tests.plugins.databases import _with_driver


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)


class MemberFactory(Factory[Member]):
    _model = Member
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": sequence("member{n}@example.org", resume=True),
            "code": sequence("M-%(n)05d", resume=True),
        }


class AsyncMemberFactory(MemberFactory):
    _model_builder = AsyncSQLAlchemyBuilder()


@pytest.fixture
def db_metadata() -> MetaData:
    """This module's table, for the database fixtures' ``engine`` and ``session``."""
    return Base.metadata


def store(session: Session, *rows: tuple[str, str]) -> None:
    """Rows written by an earlier process, or by hand."""
    session.add_all(Member(email=email, code=code) for email, code in rows)
    session.commit()


def emails(session: Session) -> list[str]:
    return list(session.scalars(select(Member.email).order_by(Member.id)))


class TestResume:
    def test_a_new_process_continues_after_the_highest_stored_number(
        self, session: Session
    ) -> None:
        """Rows up to member12 are there: the next create is member13 and M-00013, not
        member1; values the template does not render (member7x, admin, member0012) and a
        LIKE wildcard in a stored value do not count."""
        store(
            session,
            ("member3@example.org", "M-00003"),
            ("member12@example.org", "M-00012"),
            ("member99x@example.org", "M-00099x"),
            ("member%@example.org", "M-%"),
            ("admin@example.org", "admin"),
        )
        made = MemberFactory(session=session).create()
        assert (made.email, made.code) == ("member13@example.org", "M-00013")
        second = MemberFactory(session=session).create()
        assert second.email == "member14@example.org"

    def test_batches_and_insert_batch_resume_too(self, session: Session) -> None:
        """create_batch and insert_batch (what seeds' ctx.fill calls) skip the stored
        numbers before writing in bulk."""
        store(session, ("member5@example.org", "M-00005"))
        members = MemberFactory(session=session)
        assert [m.email for m in members.create_batch(2)] == [
            "member6@example.org",
            "member7@example.org",
        ]
        Factory.reset_sequences()
        members.insert_batch(2)
        assert emails(session)[-2:] == ["member8@example.org", "member9@example.org"]

    def test_an_empty_table_starts_at_start(self, session: Session) -> None:
        """With nothing stored, the sequence counts from its start as usual."""
        assert MemberFactory(session=session).create().email == "member1@example.org"

    def test_the_database_is_read_once_per_process(self, session: Session) -> None:
        """Rows that appear after the first create of the process are not looked for
        again: the counter already runs past what this process wrote."""
        members = MemberFactory(session=session)
        assert members.create().email == "member1@example.org"
        store(session, ("member40@example.org", "M-00040"))
        assert members.create().email == "member2@example.org"

    def test_reset_sequences_reads_the_database_again(self, session: Session) -> None:
        """After reset_sequences(), the next create looks at the stored rows again."""
        members = MemberFactory(session=session)
        members.create_batch(3)
        Factory.reset_sequences()
        assert members.create().email == "member4@example.org"

    def test_build_and_attributes_never_read_the_database(self) -> None:
        """build() needs no session: only create-like calls resume."""
        members = MemberFactory()
        assert members.build().email == "member1@example.org"
        assert members.attributes()["code"] == "M-00002"

    def test_spread_sequences_keep_their_spacing(self, session: Session) -> None:
        """Under pytest-xdist (spread(offset, stride)), a worker resumes on its own
        numbers: worker 1 of 4 after member10 gives member14, then member18."""
        store(session, ("member10@example.org", "M-00010"))
        spacing = counters.spacing
        counters.spread(1, 4)
        try:
            members = MemberFactory(session=session)
            assert [m.email for m in members.create_batch(2)] == [
                "member14@example.org",
                "member18@example.org",
            ]
        finally:
            counters.spread(*spacing)

    def test_threads_starting_together_share_one_resumed_counter(
        self, postgres_database_url: str, make_engine: Callable[..., Engine]
    ) -> None:
        """Eight threads, each with its own session, make their first members at once:
        every number is past the stored one, and none is given twice."""
        engine = make_engine(_with_driver(postgres_database_url, "postgresql+psycopg"))
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            store(session, ("member50@example.org", "M-00050"))
        start = threading.Barrier(8)

        def make_members() -> list[str]:
            with Session(engine) as session:
                members = MemberFactory(session=session)
                start.wait()
                made = [m.email for m in members.create_batch(5)]
                session.commit()
                return made

        with ThreadPoolExecutor(8) as pool:
            made = [
                email for batch in pool.map(lambda _: make_members(), range(8)) for email in batch
            ]
        numbers = sorted(int(email[6:].split("@")[0]) for email in made)
        assert numbers == list(range(51, 91))

    async def test_acreate_resumes_through_an_async_session(
        self, engine: Engine, async_db_url: str, make_async_engine: Callable[..., AsyncEngine]
    ) -> None:
        """AsyncSQLAlchemyBuilder reads the stored numbers through the AsyncSession."""
        with Session(engine) as session:
            store(session, ("member8@example.org", "M-00008"))
        async with AsyncSession(make_async_engine(async_db_url)) as session:
            members = AsyncMemberFactory(session=session)
            made = await members.acreate()
            batch = await members.acreate_batch(2)
            assert made.email == "member9@example.org"
            assert [m.code for m in batch] == ["M-00010", "M-00011"]

    async def test_the_sync_builder_under_acreate(self, session: Session) -> None:
        """SQLAlchemyBuilder under acreate reads through its Session."""
        store(session, ("member2@example.org", "M-00002"))
        made = await MemberFactory(session=session).acreate()
        assert made.email == "member3@example.org"


class TestResumeErrors:
    def test_a_function_of_n_cannot_resume(self) -> None:
        """resume=True needs a template it can read the numbers back with."""

        def email(n: int) -> str:
            return f"member{n}@example.org"

        with pytest.raises(FactoryDefinitionError) as error:
            sequence(email, resume=True)
        assert str(error.value) == (
            "sequence(TestResumeErrors.test_a_function_of_n_cannot_resume.<locals>.email, "
            "resume=True): resume reads the numbers back from the stored values, which "
            "needs a template string such as 'user{n}@example.org'; a function of n cannot "
            "be read backwards: give a template, or drop resume=True"
        )

    def test_a_number_not_in_decimal_cannot_resume(self) -> None:
        """A hexadecimal number would be read back wrong: refused when defined."""
        with pytest.raises(FactoryDefinitionError) as error:
            sequence("member{n:x}", resume=True)
        assert str(error.value) == (
            "sequence('member{n:x}', resume=True): the number cannot be read back from "
            "'member12d688'; write n in decimal, as {n} or {n:05d}"
        )

    def test_resume_must_be_a_bool(self) -> None:
        with pytest.raises(FactoryDefinitionError, match="resume is True or False, got 'yes'"):
            sequence("member{n}", resume="yes")  # type: ignore[call-overload]

    def test_a_builder_that_cannot_read_rows(self) -> None:
        """ObjectBuilder stores nothing: create() with resume=True says so, with the path."""

        class PlainFactory(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = ObjectBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": sequence("member{n}@example.org", resume=True)}

        assert PlainFactory().build("basic") == {"email": "member1@example.org"}
        with pytest.raises(FactoryDefinitionError) as error:
            PlainFactory().create("basic")
        assert str(error.value) == (
            "PlainFactory.basic → email: sequence('member{n}@example.org', resume=True) "
            "continues after the highest number already stored, but ObjectBuilder cannot "
            "read stored rows; give the factory a database builder (SQLAlchemyBuilder, "
            "DjangoBuilder), implement highest_sequence() on yours, or drop resume=True"
        )

    def test_a_field_with_no_column(self, session: Session) -> None:
        """A resumed sequence held by a transient field has no column to read."""
        with pytest.raises(FactoryDefinitionError) as error:
            MemberFactory(session=session).create(
                number=transient(sequence("{n}", resume=True)), email="x", code="y"
            )
        assert str(error.value) == (
            "MemberFactory.basic → number: sequence('{n}', resume=True) reads the stored "
            "values of its field, but Member has no column 'number'; resume works on a "
            "field that the model stores in a column of its own"
        )

    def test_the_async_builder_refuses_create(self, session: Session) -> None:
        """AsyncSQLAlchemyBuilder reads through an AsyncSession only: create() says so."""
        members = AsyncMemberFactory(session=session)
        with pytest.raises(AsyncModeError, match="call acreate"):
            members.create()
        pattern = sequence("member{n}@example.org", resume=True).pattern
        assert pattern is not None
        with pytest.raises(AsyncModeError, match="call acreate"):
            AsyncSQLAlchemyBuilder().highest_sequence(Member, "email", pattern, members.context)


class TestSequencePattern:
    """How a template is read backwards, for builders of your own."""

    @pytest.mark.parametrize(
        ("template", "prefix", "suffix", "value", "number"),
        [
            ("user{n}@example.org", "user", "@example.org", "user42@example.org", 42),
            ("T-%(n)04d", "T-", "", "T-0042", 42),
            ("{n:*>6}%%", "", "%%", "****42%%", 42),
            ("{n}", "", "", "-3", -3),
            ("{n:,} points", "", " points", "1,234 points", 1234),
            ("user{n}@example.org", "user", "@example.org", "user042@example.org", None),
            ("user{n}@example.org", "user", "@example.org", "user4x@example.org", None),
        ],
    )
    def test_number_reads_back_what_the_template_renders(
        self, template: str, prefix: str, suffix: str, value: str, number: int | None
    ) -> None:
        """Prefix and suffix are the text around the number; number() gives the n that
        renders as the value, and None for anything else."""
        pattern = sequence(template, resume=True).pattern
        assert pattern is not None
        assert (pattern.prefix, pattern.suffix, pattern.number(value)) == (prefix, suffix, number)

    def test_highest_skips_what_is_no_number(self) -> None:
        pattern = sequence("user{n}", resume=True).pattern
        assert pattern is not None
        assert repr(pattern) == "SequencePattern('user{n}')"
        assert pattern.highest(["user3", None, "user12", "admin", 7]) == 12
        assert pattern.highest([], above=5) == 5
        assert pattern.highest(["user2"], above=5) == 5
