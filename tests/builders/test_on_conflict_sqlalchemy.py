"""``SQLAlchemyBuilder(on_conflict=...)`` on SQLite and the real PostgreSQL: rows whose
unique key is taken are skipped (``ON CONFLICT DO NOTHING``) or update the stored row
(``DO UPDATE``), under ``create``, ``create_batch``, ``insert_batch`` and their async
twins; what ``create_batch`` hands back; and the errors of a wrong configuration."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_mock_engine,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import BuilderError, Factory, FactoryDefinitionError, each, schema, sequence
from pyfactory.builders._conflict import Conflict, listening_for_skips
from pyfactory.builders._sa_bulk import create_many
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.db.spies import Inserts


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "oc_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Member(Base):
    """One unique key besides the primary key: email."""

    __tablename__ = "oc_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    visits: Mapped[int] = mapped_column(default=0)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("oc_team.id"))
    team: Mapped[Team | None] = relationship()
    badges: Mapped[list[Badge]] = relationship(secondary="oc_member_badge")


class Badge(Base):
    __tablename__ = "oc_badge"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40), unique=True)


member_badge = Table(
    "oc_member_badge",
    Base.metadata,
    Column("member_id", ForeignKey("oc_member.id"), primary_key=True),
    Column("badge_id", ForeignKey("oc_badge.id"), primary_key=True),
)


class Account(Base):
    """Two unique keys besides the primary key, one of them over two columns."""

    __tablename__ = "oc_account"
    __table_args__ = (UniqueConstraint("tenant", "handle"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(80), unique=True)
    tenant: Mapped[str] = mapped_column(String(20))
    handle: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40), default="")


class Setting(Base):
    """No unique key but the primary key, given by the rows."""

    __tablename__ = "oc_setting"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))


class Vehicle(Base):
    """Single-table inheritance: the ORM writes the discriminator, a Core INSERT not."""

    __tablename__ = "oc_vehicle"
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "vehicle",
    }
    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))


class Car(Vehicle):
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "car"}


@pytest.fixture
def db_metadata() -> MetaData:
    return Base.metadata


def _member_factory(builder: SQLAlchemyBuilder[Any]) -> type[Factory[Member]]:
    class MemberFactory(Factory[Member]):
        _model = Member
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"email": sequence("m{n}@example.org"), "name": "New", "visits": 1}

    return MemberFactory


SKIP = _member_factory(SQLAlchemyBuilder(on_conflict="skip"))
UPDATE = _member_factory(SQLAlchemyBuilder(on_conflict="update"))
ERROR = _member_factory(SQLAlchemyBuilder())


def _stored(session: Session) -> list[tuple[str, str, int]]:
    session.expire_all()
    query = select(Member.email, Member.name, Member.visits).order_by(Member.email)
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def _seed_members(session: Session) -> list[int]:
    """m2 and m4 stored already, as 'Old' with 7 visits; their ids."""
    old = [Member(email=f"m{n}@example.org", name="Old", visits=7) for n in (2, 4)]
    session.add_all(old)
    session.commit()
    return [member.id for member in old]


class TestSkip:
    def test_create_batch_keeps_the_stored_rows_and_returns_one_object_per_row(
        self, session: Session
    ) -> None:
        """The taken emails keep their stored values; the batch hands back five
        objects in order, the stored row for each skipped one (as _get_or_create)."""
        old_ids = _seed_members(session)
        made = SKIP(session=session).create_batch(5)
        assert [m.email for m in made] == [f"m{n}@example.org" for n in range(1, 6)]
        assert [m.name for m in made] == ["New", "Old", "New", "Old", "New"]
        assert [made[1].id, made[3].id] == old_ids
        assert len({m.id for m in made}) == 5
        assert all(m in session for m in made)
        session.commit()
        assert _stored(session) == [
            ("m1@example.org", "New", 1),
            ("m2@example.org", "Old", 7),
            ("m3@example.org", "New", 1),
            ("m4@example.org", "Old", 7),
            ("m5@example.org", "New", 1),
        ]

    def test_insert_batch_writes_only_the_new_rows(self, engine: Any, session: Session) -> None:
        """No COPY (it has no ON CONFLICT), whatever the threshold: one INSERT ... ON
        CONFLICT DO NOTHING without RETURNING; the skipped rows are reported."""
        _seed_members(session)
        factory = _member_factory(SQLAlchemyBuilder(on_conflict="skip", copy_threshold=1))
        spy = Inserts(engine)
        skipped: list[tuple[str, int]] = []
        with listening_for_skips(lambda table, count: skipped.append((table, count))):
            assert factory(session=session).insert_batch(5) == 3  # two were stored
        session.commit()
        assert [row[1] for row in _stored(session)] == ["New", "Old", "New", "Old", "New"]
        assert skipped == [("oc_member", 2)]
        statements = [s for s in spy.statements if "oc_member" in s]
        assert len(statements) == 1
        assert "ON CONFLICT DO NOTHING" in statements[0]
        assert "RETURNING" not in statements[0]
        assert not statements[0].startswith("COPY")

    def test_duplicates_within_the_batch(self, session: Session) -> None:
        """Two rows with one email: the first is written, the second skipped, and both
        get the one stored object."""
        made = SKIP(session=session).create_batch(3, email="same@example.org", name="X")
        assert made[0] is made[1] is made[2]
        session.commit()
        assert _stored(session) == [("same@example.org", "X", 1)]

    def test_create_one(self, session: Session) -> None:
        """create() with a skipping builder is a write of one row too: the stored row."""
        old_ids = _seed_members(session)
        member = SKIP(session=session).create(email="m2@example.org", name="Other")
        assert (member.id, member.name, member.visits) == (old_ids[0], "Old", 7)

    def test_without_target_any_unique_key_skips(self, session: Session) -> None:
        """DO NOTHING without a target: a row taken on (tenant, handle) but not on
        email is skipped too, and read back by the key it conflicted on."""
        session.add(Account(email="a@example.org", tenant="t", handle="ann", name="Old"))
        session.commit()
        factory = _account_factory(SQLAlchemyBuilder(on_conflict="skip"))
        made = factory(session=session).create_batch(
            2,
            email=each(["b@example.org", "c@example.org"]),
            tenant="t",
            handle=each(["ann", "bob"]),
            name="New",
        )
        assert [(a.email, a.handle, a.name) for a in made] == [
            ("a@example.org", "ann", "Old"),
            ("c@example.org", "bob", "New"),
        ]

    def test_with_a_target_other_conflicts_fail(self, session: Session) -> None:
        """on_conflict_target=("email",) skips only a taken email: a taken (tenant,
        handle) still fails, with the database's error as the cause."""
        session.add(Account(email="a@example.org", tenant="t", handle="ann"))
        session.commit()
        factory = _account_factory(
            SQLAlchemyBuilder(on_conflict="skip", on_conflict_target=("email",))
        )
        made = factory(session=session).create(email="a@example.org", tenant="u", handle="x")
        assert made.handle == "ann"
        with pytest.raises(BuilderError) as caught:
            factory(session=session).create_batch(
                1, email="b@example.org", tenant="t", handle="ann"
            )
        assert "IntegrityError" in str(caught.value)
        assert type(caught.value.__cause__).__name__ == "IntegrityError"

    @pytest.mark.parametrize("call", ["create_batch", "insert_batch"])
    def test_a_failing_row_is_named(self, session: Session, call: str) -> None:
        """A conflict on another key than the target fails the call; the rows are
        written again one by one to name the row, and nothing of the call stays."""
        session.add(Account(email="a@example.org", tenant="t", handle="ann"))
        session.commit()
        factory = _account_factory(
            SQLAlchemyBuilder(on_conflict="skip", on_conflict_target=("email",))
        )
        handles = each(["new1", "ann", "new2"])
        with pytest.raises(BuilderError) as caught:
            getattr(factory(session=session), call)(3, tenant="t", handle=handles)
        assert str(caught.value).startswith(
            f"AccountFactory.basic: {call}() failed on row 1 (the 2nd row): "
        )
        assert caught.value.index == 1
        assert caught.value.attributes["handle"] == "ann"
        assert type(caught.value.__cause__).__name__ == "IntegrityError"
        session.rollback()
        assert session.scalars(select(Account.handle)).all() == ["ann"]

    def test_many_to_one_and_many_to_many(self, session: Session) -> None:
        """Related objects not yet stored are written first; the parent is set on the
        objects whose stored row points at it; links go in with DO NOTHING."""
        badge = Badge(label="early")
        session.add(badge)
        session.add(Member(email="m1@example.org", name="Old", badges=[badge]))
        session.commit()
        team = Team(name="blue")  # not stored: written first
        made = SKIP(session=session).create_batch(2, team=team, badges=[badge])
        assert team.id is not None
        assert made[0].team_id is None  # the stored row points at no team
        assert made[1].team is team
        session.commit()
        links = session.execute(select(member_badge.c.member_id).order_by("member_id")).all()
        assert [row[0] for row in links] == [made[0].id, made[1].id]


def _account_factory(builder: SQLAlchemyBuilder[Any]) -> type[Factory[Account]]:
    class AccountFactory(Factory[Account]):
        _model = Account
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "email": sequence("a{n}@example.org"),
                "tenant": "t",
                "handle": sequence("h{n}"),
            }

    return AccountFactory


class TestUpdate:
    def test_create_batch_updates_the_stored_rows(self, session: Session) -> None:
        """The taken emails get the row's other columns; the ids stay; the objects are
        the stored rows with their new values, even those loaded already."""
        old_ids = _seed_members(session)
        loaded = session.get(Member, old_ids[0])
        made = UPDATE(session=session).create_batch(5, name="Upd", visits=3)
        assert [made[1].id, made[3].id] == old_ids
        assert made[1] is loaded
        assert [(m.name, m.visits) for m in made] == [("Upd", 3)] * 5
        session.commit()
        assert _stored(session) == [(f"m{n}@example.org", "Upd", 3) for n in range(1, 6)]

    def test_the_last_of_two_rows_with_one_key_wins(self, engine: Any, session: Session) -> None:
        """PostgreSQL refuses to update a row twice in one statement: the second row
        goes in a statement of its own, and wins, as on SQLite."""
        spy = Inserts(engine)
        made = UPDATE(session=session).create_batch(
            3, email="same@example.org", name=each(["a", "b", "c"])
        )
        assert made[0] is made[1] is made[2]
        assert made[0].name == "c"
        assert len([s for s in spy.statements if "oc_member" in s and "INSERT" in s]) == 3

    def test_insert_batch(self, session: Session) -> None:
        _seed_members(session)
        assert UPDATE(session=session).insert_batch(5, name="Upd") == 5
        session.commit()
        assert _stored(session) == [(f"m{n}@example.org", "Upd", 1) for n in range(1, 6)]

    def test_by_the_primary_key(self, session: Session) -> None:
        """A table with no other unique key updates by its primary key."""
        session.add(Setting(key="theme", value="dark"))
        session.commit()

        class SettingFactory(Factory[Setting]):
            _model = Setting
            _model_builder = SQLAlchemyBuilder(on_conflict="update")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"key": sequence("k{n}"), "value": "v"}

        made = SettingFactory(session=session).create_batch(
            "basic", 2, key=each(["theme", "lang"]), value="light"
        )
        assert [(s.key, s.value) for s in made] == [("theme", "light"), ("lang", "light")]

    def test_a_chosen_target_of_two_columns(self, session: Session) -> None:
        session.add(Account(email="a@example.org", tenant="t", handle="ann", name="Old"))
        session.commit()
        factory = _account_factory(
            SQLAlchemyBuilder(on_conflict="update", on_conflict_target=("tenant", "handle"))
        )
        made = factory(session=session).create(email="z@example.org", handle="ann", name="New")
        assert (made.email, made.name) == ("z@example.org", "New")
        assert session.scalar(select(Account.email)) == "z@example.org"


class TestErrors:
    @pytest.mark.parametrize("value", ["ignore", None, 1])
    def test_an_unknown_value(self, value: Any) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            SQLAlchemyBuilder(on_conflict=value)
        assert str(caught.value) == (
            f"SQLAlchemyBuilder on_conflict is one of 'error', 'skip', 'update', not {value!r}"
        )

    def test_a_target_that_is_not_names(self) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            AsyncSQLAlchemyBuilder(on_conflict="skip", on_conflict_target=())
        assert str(caught.value) == (
            "AsyncSQLAlchemyBuilder on_conflict_target is the column names of one unique "
            "key, such as ('email',) or ('tenant_id', 'slug'), not ()"
        )

    def test_a_target_with_error(self) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            SQLAlchemyBuilder(on_conflict_target="email")
        assert str(caught.value) == (
            "SQLAlchemyBuilder was given on_conflict_target=('email',) with "
            "on_conflict='error', where a conflict fails whatever its key: give "
            "on_conflict='skip' or 'update' with it, or leave the target out"
        )

    def test_repr(self) -> None:
        builder = SQLAlchemyBuilder(on_conflict="update", on_conflict_target="email")
        assert repr(builder) == (
            "SQLAlchemyBuilder(persistence='flush', on_conflict='update', "
            "on_conflict_target=('email',))"
        )
        assert repr(SQLAlchemyBuilder()) == "SQLAlchemyBuilder(persistence='flush')"

    def test_update_with_two_unique_keys_asks_which(self, session: Session) -> None:
        factory = _account_factory(SQLAlchemyBuilder(on_conflict="update"))
        with pytest.raises(FactoryDefinitionError) as caught:
            factory(session=session).create_batch(2)
        assert str(caught.value) == (
            "AccountFactory.basic: SQLAlchemyBuilder(on_conflict='update') updates the row "
            "whose unique key is taken, but Account has 2 unique keys besides its primary "
            "key: (email), (tenant, handle); say which one with on_conflict_target, as in "
            "SQLAlchemyBuilder(on_conflict='update', on_conflict_target=('email',))"
        )
        assert session.scalars(select(Account)).all() == []

    def test_a_target_that_is_no_unique_key(self, session: Session) -> None:
        factory = _account_factory(
            SQLAlchemyBuilder(on_conflict="skip", on_conflict_target=("tenant",))
        )
        with pytest.raises(FactoryDefinitionError) as caught:
            factory(session=session).insert_batch(1)
        assert str(caught.value) == (
            "AccountFactory.basic: SQLAlchemyBuilder(on_conflict='skip', "
            "on_conflict_target=('tenant',)): "
            "('tenant',) is not a unique key of Account (a unique constraint, a unique "
            "index or the primary key), which ON CONFLICT needs; its unique keys are: "
            "(email), (tenant, handle), (id)"
        )

    def test_a_target_that_is_no_column(self, session: Session) -> None:
        factory = _account_factory(
            SQLAlchemyBuilder(on_conflict="skip", on_conflict_target=("mail",))
        )
        with pytest.raises(FactoryDefinitionError) as caught:
            factory(session=session).create_batch(1)
        assert str(caught.value) == (
            "AccountFactory.basic: SQLAlchemyBuilder(on_conflict='skip', "
            "on_conflict_target=('mail',)): Account "
            "has no column attribute 'mail'; its unique keys are: (email), "
            "(tenant, handle), (id)"
        )

    def test_create_batch_needs_a_key_to_read_rows_back(self, session: Session) -> None:
        """Rows that give no unique key (the email left to nobody) cannot be found
        again; insert_batch reads nothing back."""

        class NoKey(Factory[Member]):
            _model = Member
            _model_builder = SQLAlchemyBuilder(on_conflict="skip")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x"}

        with pytest.raises(FactoryDefinitionError) as caught:
            NoKey(session=session).create_batch("basic", 1)
        assert str(caught.value) == (
            "NoKey.basic: SQLAlchemyBuilder(on_conflict='skip'): create_batch reads each "
            "row of Member back by a unique key that the row gives, and its rows give none "
            "of (email), (id); give one, or use insert_batch, which reads nothing back"
        )

    def test_a_database_without_on_conflict(self) -> None:
        """MySQL is refused by name before anything is sent (here to a mock engine of its
        dialect, which has no transactions: the builder's own body is called)."""
        mysql = create_mock_engine("mysql://", executor=lambda *a: None)
        conflict = Conflict("skip", None, "SQLAlchemyBuilder")
        with Session(mysql) as other, pytest.raises(FactoryDefinitionError) as caught:
            create_many(other, Member, [{"email": "a@example.org"}], conflict)
        assert str(caught.value) == (
            "SQLAlchemyBuilder(on_conflict='skip') writes INSERT ... ON CONFLICT, which it "
            "supports on PostgreSQL and SQLite; Member is written to a mysql database: use "
            "on_conflict='error' there"
        )

    @pytest.mark.parametrize("model", [Vehicle, Car])
    def test_inheritance(self, session: Session, model: type[Vehicle]) -> None:
        class VehicleFactory(Factory[Vehicle]):
            _model = model
            _model_builder = SQLAlchemyBuilder(on_conflict="skip")

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"plate": "AB-123"}

        with pytest.raises(FactoryDefinitionError) as caught:
            VehicleFactory(session=session).create("basic")
        assert str(caught.value) == (
            "VehicleFactory.basic: SQLAlchemyBuilder(on_conflict='skip') writes each row "
            f"with one INSERT ... ON CONFLICT into one table, but {model.__name__} is mapped "
            "with inheritance (or to more than one table), whose rows the ORM writes "
            "itself; use on_conflict='error' for it"
        )
        assert session.scalars(select(Vehicle)).all() == []

    def test_error_is_the_default(self, session: Session) -> None:
        _seed_members(session)
        with pytest.raises(BuilderError) as caught:
            ERROR(session=session).create_batch(2)
        assert type(caught.value.__cause__).__name__ == "IntegrityError"


class TestAsync:
    async def test_acreate_batch_and_ainsert_batch(self, async_session: AsyncSession) -> None:
        """The same bodies under AsyncSession.run_sync: skipped rows are read back
        without a lazy load."""
        async_session.add(Member(email="m2@example.org", name="Old", visits=7))
        await async_session.commit()
        factory = _member_factory(AsyncSQLAlchemyBuilder(on_conflict="skip"))
        made = await factory(session=async_session).acreate_batch(3)
        assert [(m.email, m.name) for m in made] == [
            ("m1@example.org", "New"),
            ("m2@example.org", "Old"),
            ("m3@example.org", "New"),
        ]
        updating = _member_factory(AsyncSQLAlchemyBuilder(on_conflict="update"))
        assert await updating(session=async_session).ainsert_batch(4, name="Upd") == 4
        await async_session.commit()
        names = (await async_session.scalars(select(Member.name).order_by(Member.email))).all()
        assert names == ["Upd"] * 4
