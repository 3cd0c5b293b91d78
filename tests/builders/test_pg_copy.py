"""``insert_batch`` on the real PostgreSQL through psycopg 3: a table's rows in one
``COPY ... FROM STDIN (FORMAT BINARY)`` once there are ``copy_threshold`` of them.

Every value is read back with SQLAlchemy and compared with what the INSERT path
(``copy_threshold=None``) stores for the same rows: the COPY is only faster, never
different. Values that binary COPY would store differently go by INSERT, and errors
read as the INSERT's do."""

from __future__ import annotations

import datetime
import enum
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import (
    CHAR,
    JSON,
    BigInteger,
    DateTime,
    Double,
    Engine,
    Enum,
    ForeignKey,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    event,
    exc,
    func,
    inspect,
    make_url,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import (
    BuilderError,
    Context,
    Factory,
    FactoryDefinitionError,
    association,
    each,
    schema,
    sequence,
)
from pyfactory.builders import _sa_copy
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.seeding._runner import _table

SECRET = "s3cret-copy-pw"


class Mood(enum.Enum):
    HAPPY = "happy"
    SAD = "sad"


class Base(DeclarativeBase):
    pass


class Everything(Base):
    """One column of each type COPY writes, every one nullable, and three left out:
    a server default, a function of the server and a Python default."""

    __tablename__ = "copy_everything"

    id: Mapped[int] = mapped_column(primary_key=True)
    small: Mapped[int | None] = mapped_column(SmallInteger)
    number: Mapped[int | None] = mapped_column(Integer)
    big: Mapped[int | None] = mapped_column(BigInteger)
    ratio: Mapped[float | None] = mapped_column(Double)
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    flag: Mapped[bool | None]
    name: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(CHAR(3))
    day: Mapped[datetime.date | None]
    at: Mapped[datetime.datetime | None]
    at_tz: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    clock: Mapped[datetime.time | None]
    key: Mapped[uuid.UUID | None]
    doc: Mapped[Any] = mapped_column(JSONB, nullable=True)
    plain: Mapped[Any] = mapped_column(JSON, nullable=True)
    tags: Mapped[list[str | None] | None] = mapped_column(ARRAY(String))
    grid: Mapped[list[list[int]] | None] = mapped_column(ARRAY(Integer, dimensions=2))
    stamps: Mapped[list[datetime.datetime] | None] = mapped_column(ARRAY(DateTime(timezone=True)))
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    mood: Mapped[Mood | None] = mapped_column(Enum(Mood, name="mood"))
    status: Mapped[str] = mapped_column(String(10), server_default="new")
    created: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    version: Mapped[int] = mapped_column(default=1)


PARIS = ZoneInfo("Europe/Paris")
TEXTS = [
    "",
    "tab\there",
    "new\nline\r\nand\rreturn",
    "back\\slash \\N \\x00 \\\\",
    "unicode é 漢字 🎉 \u2028",
    '"quoted", {braced}, NULL',
    None,
]
#: The values of each column, cycled through the rows (``each``): the edges of every
#: type, and NULL in each column.
VALUES: dict[str, list[Any]] = {
    "small": [-32768, 32767, 0, None],
    "number": [-(2**31), 2**31 - 1, 7, None],
    "big": [-(2**63), 2**63 - 1, 0, None],
    "ratio": [0.1 + 0.2, -1e308, float("inf"), float("-inf"), 5, 2.5e-320, None],
    "price": [Decimal("12345678.1234"), Decimal("-0.0001"), 42, Decimal("1.5"), None],
    "flag": [True, False, None],
    "name": TEXTS,
    "body": [*TEXTS, "x" * 20_000],
    "code": ["abc", "a", "", None],
    "day": [datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(2024, 2, 29), None],
    "at": [datetime.datetime(2024, 1, 2, 3, 4, 5, 678901), datetime.datetime(1, 1, 1), None],
    "at_tz": [
        datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
        datetime.datetime(2024, 7, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=5.5))),
        datetime.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS),
        None,
    ],
    "clock": [datetime.time(0, 0), datetime.time(23, 59, 59, 999999), None],
    "key": [uuid.UUID(int=0), uuid.UUID("12345678-1234-5678-1234-567812345678"), None],
    "doc": [{"a": [1, 2, {"b": None}], "é": "漢"}, [], "a string", 1.5, None],
    "plain": [{"tab": "\t", "nested": {"list": [True, False]}}, None],
    "tags": [["a", "b,c", 'q"uote', "", None, "\\"], [], None],
    "grid": [[[1, 2], [3, 4]], [], None],
    "stamps": [[datetime.datetime(2024, 5, 6, tzinfo=datetime.timezone.utc)], None],
    "blob": [b"", b"\x00\xff\\N\t\n", bytes(range(256)), None],
    "mood": [Mood.HAPPY, Mood.SAD, None],
}
#: The columns read back and compared (``created`` is the server's clock: it differs).
COMPARED = ["id", *VALUES, "status", "version"]


def factory_for(
    model: type[Any], threshold: int | None, fields: dict[str, Any] | None = None
) -> type[Factory[Any]]:
    """A factory of ``model`` whose builder copies from ``threshold`` rows (None: never)."""

    class CopyFactory(Factory[Any]):
        _model = model
        _model_builder = SQLAlchemyBuilder(copy_threshold=threshold)
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return dict(fields or {})

    CopyFactory.__name__ = CopyFactory.__qualname__ = f"{model.__name__}Factory"
    return CopyFactory


def every_value() -> dict[str, Any]:
    return {name: each(values) for name, values in VALUES.items()}


class Statements:
    """The statements an engine's cursors run (its before_cursor_execute event)."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.seen.append(statement.strip())

    def starting(self, *words: str) -> list[str]:
        return [s for s in self.seen if s.upper().startswith(words)]

    def clear(self) -> None:
        self.seen.clear()


@pytest.fixture
def pg_url(postgres_database_url: str) -> str:
    """The test's database, through psycopg 3, with a password in the URL (the server
    trusts local connections, so any password connects): no message may show it."""
    return (
        make_url(postgres_database_url)
        .set(drivername="postgresql+psycopg", password=SECRET)
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def pg_engine(pg_url: str, make_engine: Callable[..., Engine]) -> Engine:
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    return engine


@pytest.fixture
async def pg_async_engine(
    pg_url: str, pg_engine: Engine, make_async_engine: Callable[..., AsyncEngine]
) -> AsyncEngine:
    """An async engine through psycopg 3's AsyncConnection, on the tables of pg_engine."""
    return make_async_engine(pg_url)


def read_back(engine: Engine, model: type[Any] = Everything) -> list[tuple[Any, ...]]:
    names = COMPARED if model is Everything else list(inspect(model).column_attrs.keys())
    with Session(engine) as session:
        rows = session.execute(select(*(getattr(model, n) for n in names)).order_by(model.id))
        return [tuple(row) for row in rows]


def write(engine: Engine, model: type[Any], threshold: int | None, count: int, **over: Any) -> Any:
    """Rows written by insert_batch, committed, read back; then the table is emptied
    (its counter restarted), so that the next write gives the same ids."""
    with Session(engine) as session:
        factory_for(model, threshold)(session=session).insert_batch(count, **over)
        session.commit()
    stored = read_back(engine, model)
    table = model.__table__.name.replace('"', '""')
    schema = f'"{model.__table__.schema}".' if model.__table__.schema else ""
    with engine.begin() as conn:
        conn.execute(text(f'TRUNCATE {schema}"{table}" RESTART IDENTITY CASCADE'))
    return stored


# ---------------------------------------------------------------- the values


class TestSameRowsAsTheInsert:
    def test_every_type_round_trips(self, pg_engine: Engine) -> None:
        """84 rows (the columns' value lists cycled) with NULLs in every column: what
        COPY stores equals what the INSERT stores, and the COPY is what ran."""
        spy = Statements(pg_engine)
        by_insert = write(pg_engine, Everything, None, 84, **every_value())
        assert spy.starting("INSERT INTO COPY_EVERYTHING")
        assert not spy.starting("COPY")
        spy.clear()
        by_copy = write(pg_engine, Everything, 1, 84, **every_value())
        assert spy.starting("COPY") == [
            "COPY copy_everything (small, number, big, ratio, price, flag, name, body, code, "
            "day, at, at_tz, clock, key, doc, plain, tags, grid, stamps, blob, mood, version) "
            "FROM STDIN (FORMAT BINARY)"
        ]
        assert not spy.starting("INSERT")
        assert by_copy == by_insert
        assert len(by_copy) == 84

    def test_the_values_are_those_given(self, pg_engine: Engine) -> None:
        """The stored values themselves: the text with tabs, newlines, backslashes and
        unicode as given, the edges of every integer, NULLs, the defaults of the
        columns left out, ids in the order of the rows."""
        rows = write(pg_engine, Everything, 1, 84, **every_value())
        by_name = [dict(zip(COMPARED, row, strict=True)) for row in rows]
        assert [row["id"] for row in by_name] == list(range(1, 85))
        for name in ("small", "number", "big", "flag", "name", "body", "day", "at", "clock"):
            cycle = VALUES[name]
            assert [row[name] for row in by_name] == [cycle[i % len(cycle)] for i in range(84)]
        assert [row["price"] for row in by_name[:5]] == [
            Decimal("12345678.1234"),
            Decimal("-0.0001"),
            Decimal("42.0000"),
            Decimal("1.5000"),
            None,
        ]
        assert [row["code"] for row in by_name[:4]] == ["abc", "a  ", "   ", None]
        # Compared in UTC: Python never calls a time in a fold equal to one of another zone.
        utc = datetime.timezone.utc
        assert [row["at_tz"] and row["at_tz"].astimezone(utc) for row in by_name[:4]] == [
            value and value.astimezone(utc) for value in VALUES["at_tz"]
        ]
        assert by_name[2]["at_tz"] == datetime.datetime(2024, 10, 27, 1, 30, tzinfo=utc)
        assert by_name[0]["tags"] == ["a", "b,c", 'q"uote', "", None, "\\"]
        assert by_name[0]["grid"] == [[1, 2], [3, 4]]
        assert by_name[2]["blob"] == bytes(range(256))
        assert by_name[0]["doc"] == {"a": [1, 2, {"b": None}], "é": "漢"}
        assert [row["mood"] for row in by_name[:3]] == [Mood.HAPPY, Mood.SAD, None]
        assert {row["status"] for row in by_name} == {"new"}
        assert {row["version"] for row in by_name} == {1}
        with Session(pg_engine) as session:
            assert session.scalar(select(func.count()).where(Everything.created.is_(None))) == 0

    async def test_ainsert_batch_copies_through_the_async_connection(
        self, pg_engine: Engine, pg_async_engine: AsyncEngine
    ) -> None:
        """Under an AsyncSession with psycopg's AsyncConnection, the same COPY body runs
        (through run_sync) and stores the same rows."""
        by_insert = write(pg_engine, Everything, None, 84, **every_value())
        spy = Statements(pg_async_engine.sync_engine)
        async with AsyncSession(pg_async_engine) as session:
            made = factory_for(Everything, 1)(session=session)
            assert await made.ainsert_batch(84, **every_value()) == 84
            await session.commit()
        assert len(spy.starting("COPY")) == 1
        assert not spy.starting("INSERT")
        assert read_back(pg_engine) == by_insert

    async def test_asyncpg_keeps_the_insert(
        self, postgres_database_url: str, pg_engine: Engine, make_async_engine: Any
    ) -> None:
        """asyncpg has no COPY of psycopg's kind: its rows go by INSERT, as before."""
        url = make_url(postgres_database_url).set(drivername="postgresql+asyncpg")
        engine = make_async_engine(url)
        spy = Statements(engine.sync_engine)
        async with AsyncSession(engine) as session:
            await factory_for(Everything, 1)(session=session).ainsert_batch(5, number=each([1]))
            await session.commit()
        assert not spy.starting("COPY")
        assert len(spy.starting("INSERT INTO COPY_EVERYTHING")) == 1

    def test_the_threshold(self, pg_engine: Engine) -> None:
        """Fewer rows than copy_threshold go by INSERT; that many, by COPY. create_batch,
        which reads its rows back, never copies."""
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            made = factory_for(Everything, 5)(session=session)
            made.insert_batch(4, number=each([1]))
            assert (len(spy.starting("INSERT")), len(spy.starting("COPY"))) == (1, 0)
            made.insert_batch(5, number=each([2]))
            assert (len(spy.starting("INSERT")), len(spy.starting("COPY"))) == (1, 1)
            made.create_batch(50, number=each([3]))
            assert (len(spy.starting("INSERT")), len(spy.starting("COPY"))) == (2, 1)
            numbers = session.scalars(select(Everything.number).order_by(Everything.id)).all()
        assert numbers == [1] * 4 + [2] * 5 + [3] * 50

    def test_the_default_threshold(self) -> None:
        builder = SQLAlchemyBuilder()
        assert builder.copy_threshold == SQLAlchemyBuilder.copy_threshold == 100
        assert repr(builder) == "SQLAlchemyBuilder(persistence='flush')"
        assert repr(SQLAlchemyBuilder(copy_threshold=None)) == (
            "SQLAlchemyBuilder(persistence='flush', copy_threshold=None)"
        )

        class Copies(SQLAlchemyBuilder[Any]):
            copy_threshold = 7

        assert Copies().copy_threshold == 7
        assert Copies(copy_threshold=9).copy_threshold == 9

    @pytest.mark.parametrize("bad", [0, -1, 2.5, True, "100"])
    def test_a_threshold_that_is_no_count(self, bad: Any) -> None:
        with pytest.raises(FactoryDefinitionError) as caught:
            SQLAlchemyBuilder(copy_threshold=bad)
        assert str(caught.value) == (
            f"SQLAlchemyBuilder copy_threshold is a positive int or None (never COPY), not {bad!r}"
        )


class Owner(Base):
    __tablename__ = "copy_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


class Pet(Base):
    __tablename__ = "copy_pet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("copy_owner.id"))
    owner: Mapped[Owner] = relationship()
    mood: Mapped[Mood | None] = mapped_column(Enum(Mood, name="pet_mood"))
    age: Mapped[int | None]


class OtherBase(DeclarativeBase):
    """The models whose tables a test makes with its own DDL."""


class Odd(OtherBase):
    """Names that need quoting, in a schema of their own, and a column whose type the
    model and the table do not agree on (the table's ``bigint`` is what COPY writes)."""

    __tablename__ = 'Odd "Table" 100%'
    __table_args__ = {"schema": "Other Schema"}

    id: Mapped[int] = mapped_column("Id", primary_key=True)
    label: Mapped[str] = mapped_column("Mixed Case", Text)
    amount: Mapped[int] = mapped_column("amount%", Integer)


class Kept(Base):
    """A type COPY leaves to the INSERT (interval)."""

    __tablename__ = "copy_kept"

    id: Mapped[int] = mapped_column(primary_key=True)
    span: Mapped[datetime.timedelta] = mapped_column(Interval)


class Lower(TypeDecorator[str]):
    """A type that binds through a SQL expression, which only SQLAlchemy renders."""

    impl = String(20)
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return func.lower(bindvalue)


class Defaults(Base):
    """A default that is a function of the row, which COPY computes as the INSERT does,
    and a type that binds through a SQL expression."""

    __tablename__ = "copy_defaults"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    shout: Mapped[str] = mapped_column(
        String(20), default=lambda ctx: ctx.get_current_parameters()["label"].upper()
    )
    lowered: Mapped[str | None] = mapped_column(Lower)


class SqlDefault(Base):
    """A default that is a SQL expression, which SQLAlchemy renders in the INSERT."""

    __tablename__ = "copy_sql_default"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    made: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=func.now())


class ReadsConnection(Base):
    """A default that reads more than the row: SQLAlchemy runs it, in the INSERT."""

    __tablename__ = "copy_reads_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    dialect: Mapped[str] = mapped_column(
        String(20), default=lambda ctx: ctx.connection.dialect.name
    )


class OwnerView(OtherBase):
    """The owners through a view, which the test makes."""

    __tablename__ = "copy_owner_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class Always(OtherBase):
    """A table whose key is GENERATED ALWAYS AS IDENTITY, which the test makes."""

    __tablename__ = "copy_always"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(Text)


class TestTablesAndColumns:
    def test_related_rows_and_their_keys(self, pg_engine: Engine) -> None:
        """A many-to-one association: the owners are written first, each pet's row
        carries its owner's key."""

        class OwnerFactory(Factory[Owner]):
            _model_builder = SQLAlchemyBuilder(copy_threshold=1)
            _default_schema = "basic"

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": sequence("owner {n}")}

        pets = factory_for(Pet, 1, {"owner": association(OwnerFactory)})
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            pets(session=session).insert_batch(150, name=each([f"pet {n}" for n in range(150)]))
            session.commit()
            got = session.execute(select(Pet.name, Owner.name).join(Owner).order_by(Pet.id)).all()
        assert [row[0] for row in got] == [f"pet {n}" for n in range(150)]
        assert len({row[1] for row in got}) == 150
        assert [s.split(" (")[0] for s in spy.starting("COPY")] == ["COPY copy_pet"]

    def test_quoted_names_in_another_schema(self, pg_engine: Engine) -> None:
        """A schema, a table and columns whose names need quoting and hold ``%``: the
        COPY names them as the INSERT does (whose ``%`` was escaped twice, and named a
        table that is not there)."""
        with pg_engine.begin() as conn:
            conn.execute(text('CREATE SCHEMA "Other Schema"'))
            conn.execute(
                text(
                    'CREATE TABLE "Other Schema"."Odd ""Table"" 100%" ('
                    '"Id" serial PRIMARY KEY, "Mixed Case" text, "amount%" bigint)'
                )
            )
        spy = Statements(pg_engine)
        labels = each(["a\tb", "%s", "%(x)s"])
        by_insert = write(pg_engine, Odd, None, 3, label=labels, amount=each([1, 2, 3]))
        assert by_insert == [(1, "a\tb", 1), (2, "%s", 2), (3, "%(x)s", 3)]
        assert not spy.starting("COPY")
        assert write(pg_engine, Odd, 1, 3, label=labels, amount=each([1, 2, 3])) == by_insert
        assert spy.starting("COPY") == [
            'COPY "Other Schema"."Odd ""Table"" 100%" ("Mixed Case", "amount%") '
            "FROM STDIN (FORMAT BINARY)"
        ]

    @pytest.mark.parametrize(("over", "copied"), [({}, True), ({"lowered": "MiXeD"}, False)])
    def test_a_default_of_the_row_and_a_type_with_a_bind_expression(
        self, pg_engine: Engine, over: dict[str, Any], copied: bool
    ) -> None:
        """A default that is a function of the row is computed for the COPY as for the
        INSERT; a type that binds through a SQL expression leaves the rows to
        SQLAlchemy."""
        spy = Statements(pg_engine)
        names = each(["a", "b\tc"])
        by_insert = write(pg_engine, Defaults, None, 2, label=names, **over)
        assert [row[:3] for row in by_insert] == [(1, "a", "A"), (2, "b\tc", "B\tC")]
        assert {row[3] for row in by_insert} == {over.get("lowered", "").lower() or None}
        assert write(pg_engine, Defaults, 1, 2, label=names, **over) == by_insert
        assert bool(spy.starting("COPY")) is copied

    def test_defaults_sqlalchemy_computes(self, pg_engine: Engine) -> None:
        """A SQL expression default, and one that reads the connection: the INSERT."""
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            factory_for(SqlDefault, 1)(session=session).insert_batch(2, label="x")
            factory_for(ReadsConnection, 1)(session=session).insert_batch(2, label="y")
            session.commit()
            assert session.scalar(select(func.count()).where(SqlDefault.made.is_not(None))) == 2
            assert session.scalars(select(ReadsConnection.dialect)).all() == ["postgresql"] * 2
        assert not spy.starting("COPY")

    def test_a_domain_is_written_as_its_base_type(self, pg_engine: Engine) -> None:
        """A column of a domain over int takes the int's binary form; the domain's check
        still holds, and a row that breaks it is named."""
        with pg_engine.begin() as conn:
            conn.execute(text("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)"))
            conn.execute(text("ALTER TABLE copy_pet ALTER COLUMN age TYPE positive"))
            conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o')"))
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            made = factory_for(Pet, 1)(session=session)
            made.insert_batch(3, name=each(["a", "b", "c"]), owner_id=1, age=each([1, 2, 3]))
            assert len(spy.starting("COPY")) == 1
            with pytest.raises(BuilderError) as caught:
                made.insert_batch(3, name=each(["d", "e", "f"]), owner_id=1, age=each([4, -5, 6]))
            assert str(caught.value).startswith(
                "PetFactory.basic: insert_batch() failed on row 1 (the 2nd row): "
            )
            assert 'value for domain positive violates check constraint "positive_check"' in str(
                caught.value
            )
            assert session.scalars(select(Pet.age).order_by(Pet.id)).all() == [1, 2, 3]

    @pytest.mark.parametrize(
        "ddl",
        [
            # COPY FROM refuses a table with row-level security, for a user it applies to.
            "ALTER TABLE copy_owner ENABLE ROW LEVEL SECURITY; "
            "ALTER TABLE copy_owner FORCE ROW LEVEL SECURITY; "
            "CREATE POLICY everyone ON copy_owner USING (true) WITH CHECK (true)",
            # COPY ignores rules; the INSERT runs them.
            "CREATE TABLE copy_owner_log (name text); "
            "CREATE RULE logged AS ON INSERT TO copy_owner DO ALSO "
            "INSERT INTO copy_owner_log VALUES (NEW.name)",
        ],
        ids=["row-level-security", "rule"],
    )
    def test_tables_copy_would_treat_otherwise(self, pg_engine: Engine, ddl: str) -> None:
        with pg_engine.begin() as conn:
            conn.exec_driver_sql(ddl)
        spy = Statements(pg_engine)
        names = each(["a", "b", "c"])
        by_insert = write(pg_engine, Owner, None, 3, name=names)
        assert (
            write(pg_engine, Owner, 1, 3, name=names)
            == by_insert
            == [
                (1, "a"),
                (2, "b"),
                (3, "c"),
            ]
        )
        assert not spy.starting("COPY")
        if "RULE" in ddl:
            with pg_engine.connect() as conn:
                logged = conn.exec_driver_sql("SELECT name FROM copy_owner_log").scalars()
                assert logged.all() == ["a", "b", "c"] * 2

    def test_a_view(self, pg_engine: Engine) -> None:
        """A model mapped to a view that takes INSERTs (COPY cannot write to it)."""
        with pg_engine.begin() as conn:
            conn.exec_driver_sql("CREATE VIEW copy_owner_view AS SELECT * FROM copy_owner")
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            factory_for(OwnerView, 1)(session=session).insert_batch(2, name=each(["a", "b"]))
            session.commit()
        assert read_back(pg_engine, Owner) == [(1, "a"), (2, "b")]
        assert not spy.starting("COPY")

    def test_an_identity_column_always_generated(self, pg_engine: Engine) -> None:
        """Values given for a GENERATED ALWAYS identity: the INSERT refuses them, as it
        always did (COPY would take them)."""
        with pg_engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE copy_always (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                "label text)"
            )
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            made = factory_for(Always, 1)(session=session)
            made.insert_batch(2, label=each(["a", "b"]))
            with pytest.raises(BuilderError) as caught:
                made.insert_batch(2, id=each([10, 11]), label="c")
            assert session.scalars(select(Always.label).order_by(Always.id)).all() == ["a", "b"]
        assert 'cannot insert a non-DEFAULT value into column "id"' in str(caught.value)
        assert len(spy.starting("COPY")) == 1

    def test_a_type_copy_leaves_to_the_insert(self, pg_engine: Engine) -> None:
        spy = Statements(pg_engine)
        spans = [datetime.timedelta(days=1, seconds=2), datetime.timedelta(0)]
        assert write(pg_engine, Kept, 1, 2, span=each(spans)) == [(1, spans[0]), (2, spans[1])]
        assert not spy.starting("COPY")
        assert spy.starting("INSERT INTO COPY_KEPT")

    def test_a_column_the_table_lacks(self, pg_engine: Engine) -> None:
        """A column of the model that the table does not have: COPY steps aside and
        the INSERT fails as it always did."""
        with pg_engine.begin() as conn:
            conn.execute(text("ALTER TABLE copy_kept DROP COLUMN span"))
        with Session(pg_engine) as session:
            made = factory_for(Kept, 1)(session=session)
            with pytest.raises(BuilderError) as caught:
                made.insert_batch(2, span=datetime.timedelta(1))
        assert 'column "span" of relation "copy_kept" does not exist' in str(caught.value)


# ---------------------------------------------------------------- values COPY leaves


class TestValuesCopyLeavesToTheInsert:
    """Values whose binary COPY would be stored differently from the INSERT's: the
    group goes by INSERT, and the rows are those the INSERT stores."""

    @pytest.mark.parametrize(
        ("field", "values"),
        [
            # The INSERT casts a float to numeric keeping 15 digits.
            ("price", [0.1 + 0.2, 1.5]),
            # The INSERT reads a naive datetime in the session's time zone.
            ("at_tz", [datetime.datetime(2024, 1, 2, 3, 4)]),
            # ... and converts an aware one to it, for a timestamp without one.
            ("at", [datetime.datetime(2024, 1, 2, 3, 4, tzinfo=PARIS)]),
            # A datetime in a date column, a date in a timestamp one, a str for a uuid.
            ("day", [datetime.datetime(2024, 1, 2, 3, 4)]),
            ("at", [datetime.date(2024, 1, 2)]),
            ("key", ["12345678-1234-5678-1234-567812345678"]),
            # A bool in an int column; an aware time.
            ("number", [True, False]),
            ("clock", [datetime.time(1, 2, tzinfo=datetime.timezone.utc)]),
        ],
    )
    def test_stored_as_the_insert_stores(
        self,
        pg_url: str,
        pg_engine: Engine,
        make_engine: Callable[..., Engine],
        field: str,
        values: list[Any],
    ) -> None:
        """On a session whose time zone is not UTC, where the INSERT's casts show."""
        engine = make_engine(pg_url, connect_args={"options": "-c TimeZone=Asia/Kolkata"})
        by_insert = write(engine, Everything, None, 4, **{field: each(values)})
        spy = Statements(engine)
        assert write(engine, Everything, 1, 4, **{field: each(values)}) == by_insert
        assert not spy.starting("COPY")

    def test_an_int_too_large_for_its_column(self, pg_engine: Engine) -> None:
        """psycopg would write 2**40 into an int4 as its low 32 bits: the INSERT runs,
        and fails as it always did, naming the row."""
        spy = Statements(pg_engine)
        messages = []
        for threshold in (None, 1):
            with Session(pg_engine) as session:
                made = factory_for(Everything, threshold)(session=session)
                with pytest.raises(BuilderError) as caught:
                    made.insert_batch(3, number=each([1, 2**40, 3]))
                messages.append(str(caught.value))
        assert not spy.starting("COPY")
        assert messages[0] == messages[1]
        assert messages[0].startswith(
            "EverythingFactory.basic: insert_batch() failed on row 1 (the 2nd row): "
            "SQLAlchemyBuilder.insert_many(Everything) raised DataError("
        )
        assert "integer out of range" in messages[0]


# ---------------------------------------------------------------- errors


def _without_copy_context(message: str) -> str:
    """An error's message without the line PostgreSQL adds to one raised in a COPY."""
    head, found, tail = message.partition("\\nCONTEXT:  COPY ")
    return head + tail[tail.index("'") :] if found else message


class TestErrors:
    def test_a_unique_violation(self, pg_engine: Engine) -> None:
        """Two rows of the batch with one name: the builder's error names the factory,
        its schema and the row, as the INSERT's does; the caller's transaction holds
        what it held before the call, and goes on."""
        found = []
        for threshold in (None, 1):
            with Session(pg_engine) as session:
                session.add(Owner(name="taken"))
                session.flush()
                made = factory_for(Owner, threshold)(session=session)
                made.insert_batch(2, name=each(["a", "b"]))
                with pytest.raises(BuilderError) as caught:
                    made.insert_batch(4, name=each(["c", "d", "c", "e"]))
                error = caught.value
                found.append((str(error), error.index, type(error.__cause__)))
                assert session.in_transaction()
                assert session.scalars(select(Owner.name).order_by(Owner.id)).all() == [
                    "taken",
                    "a",
                    "b",
                ]
                made.insert_batch(2, name=each(["f", "g"]))
                with pytest.raises(BuilderError) as again:
                    made.insert_batch(3, name=each(["h", "taken", "i"]))
                found.append((str(again.value), again.value.index, type(again.value.__cause__)))
                session.commit()
            assert [name for _, name in read_back(pg_engine, Owner)] == [
                "taken",
                "a",
                "b",
                "f",
                "g",
            ]
            with pg_engine.begin() as conn:
                conn.execute(text("TRUNCATE copy_owner RESTART IDENTITY CASCADE"))
        by_insert, by_copy = found[:2], found[2:]
        assert by_insert[0][0].startswith(
            "OwnerFactory.basic: insert_batch() failed on row 2 (the 3rd row): "
            "SQLAlchemyBuilder.insert_many(Owner) raised IntegrityError('(psycopg.errors."
            'UniqueViolation) duplicate key value violates unique constraint "copy_owner_name_key"'
        )
        assert "\\nCONTEXT:  COPY copy_owner, line 3" in by_copy[0][0]
        assert "\\nCONTEXT:  COPY copy_owner, line 2" in by_copy[1][0]
        for (insert_message, *insert_rest), (copy_message, *copy_rest) in zip(
            by_insert, by_copy, strict=True
        ):
            assert _without_copy_context(copy_message) == insert_message
            assert copy_rest == insert_rest
        assert [index for _, index, _ in by_copy] == [2, 1]
        assert {cause for _, _, cause in found} == {exc.IntegrityError}
        assert not any(SECRET in message for message, *_ in found)

    def test_a_value_the_column_refuses(self, pg_engine: Engine) -> None:
        """A label that is not the enum's, and a name too long for its column: refused
        by the server in the COPY as in the INSERT (no longer cut short by the INSERT's
        cast), with the same error."""
        with pg_engine.begin() as conn:
            conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o')"))
        messages: dict[int | None, list[str]] = {}
        for threshold in (None, 1):
            for over in (
                {"mood": each([Mood.HAPPY, "angry", Mood.SAD]), "name": each(["a", "b", "c"])},
                {"name": each(["d", "e", "x" * 21])},
            ):
                with Session(pg_engine) as session:
                    made = factory_for(Pet, threshold)(session=session)
                    with pytest.raises(BuilderError) as caught:
                        made.insert_batch(3, owner_id=1, **over)
                    messages.setdefault(threshold, []).append(str(caught.value))
        by_insert, by_copy = messages[None], messages[1]
        assert by_insert[0].startswith(
            "PetFactory.basic: insert_batch() failed on row 1 (the 2nd row): "
            "SQLAlchemyBuilder.insert_many(Pet) raised DataError('(psycopg.errors."
            'InvalidTextRepresentation) invalid input value for enum pet_mood: "angry"'
        )
        assert by_insert[1].startswith(
            "PetFactory.basic: insert_batch() failed on row 2 (the 3rd row): "
            "SQLAlchemyBuilder.insert_many(Pet) raised DataError('(psycopg.errors."
            "StringDataRightTruncation) value too long for type character varying(20)"
        )
        assert [_without_copy_context(m) for m in by_copy] == by_insert
        assert all("CONTEXT:  COPY copy_pet, line" in m for m in by_copy)

    def test_a_value_of_the_wrong_type(self, pg_engine: Engine) -> None:
        """A str for an int column is no value COPY writes: the INSERT fails on it as
        it always did."""
        messages = []
        for threshold in (None, 1):
            with Session(pg_engine) as session:
                made = factory_for(Everything, threshold)(session=session)
                with pytest.raises(BuilderError) as caught:
                    made.insert_batch(3, number=each(["1", "two", "3"]))
                messages.append(str(caught.value))
        assert messages[0] == messages[1]
        assert messages[0].startswith(
            "EverythingFactory.basic: insert_batch() failed on row 1 (the 2nd row): "
        )
        assert 'invalid input syntax for type integer: "two"' in messages[0]

    async def test_an_error_under_the_async_connection(self, pg_async_engine: AsyncEngine) -> None:
        async with AsyncSession(pg_async_engine) as session:
            made = factory_for(Owner, 1)(session=session)
            await made.ainsert_batch(2, name=each(["a", "b"]))
            with pytest.raises(BuilderError) as caught:
                await made.ainsert_batch(3, name=each(["c", "a", "d"]))
            assert str(caught.value).startswith(
                "OwnerFactory.basic: ainsert_batch() failed on row 1 (the 2nd row): "
                "SQLAlchemyBuilder.ainsert_many(Owner) raised IntegrityError("
            )
            assert "CONTEXT:  COPY copy_owner, line 2" in str(caught.value)
            assert isinstance(caught.value.__cause__, exc.IntegrityError)
            assert isinstance(caught.value.__cause__.orig, psycopg.errors.UniqueViolation)
            await made.ainsert_batch(2, name=each(["e", "f"]))
            await session.commit()
            names = (await session.scalars(select(Owner.name).order_by(Owner.id))).all()
        assert names == ["a", "b", "e", "f"]
        assert SECRET not in str(caught.value)


class TestRoundTrips:
    """What an insert_batch of several chunks sends besides its COPYs."""

    def test_one_catalog_query_and_no_savepoint_per_chunk(self, pg_engine: Engine) -> None:
        """copy_owner has no trigger on INSERT: the server names any row it refuses, so
        a chunk's COPY needs no SAVEPOINT of its own (the call's gives the caller's
        transaction back), and the catalog is asked once per call. Values read from an
        iterator may come from a query: each chunk then has a COPY of its own (the
        stream of tests/builders/test_pg_copy_stream.py holds none open)."""
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            chunked = factory_for(Owner, 1)
            chunked._batch_size = 100
            made = chunked(session=session)
            made.insert_batch(250, name=each(iter([f"o{n}" for n in range(250)])))
            assert len(spy.starting("COPY")) == 3
            assert len(spy.starting("SELECT A.ATTNAME")) == 1
            assert len(spy.starting("SAVEPOINT")) == 1  # the call's
            spy.clear()
            made.insert_batch(150, name=each([f"p{n}" for n in range(150)]))
            assert len(spy.starting("SELECT A.ATTNAME")) == 1  # a new call asks again
            session.commit()
        assert len(read_back(pg_engine, Owner)) == 400

    def test_a_foreign_key_keeps_a_savepoint_per_chunk(self, pg_engine: Engine) -> None:
        """copy_pet's foreign key is checked by a trigger once the COPY's rows are in,
        and its error names no line: each chunk keeps its SAVEPOINT, in which the rows
        are written again one at a time to find the one to blame, as for the INSERT."""
        with pg_engine.begin() as conn:
            conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o')"))
        spy = Statements(pg_engine)
        messages = []
        for threshold in (None, 1):
            with Session(pg_engine) as session:
                made = factory_for(Pet, threshold)(session=session)
                made.insert_batch(2, owner_id=1, name=each(["a", "b"]))
                spy.clear()
                with pytest.raises(BuilderError) as caught:
                    made.insert_batch(3, owner_id=each([1, 99, 1]), name=each(["c", "d", "e"]))
                messages.append(str(caught.value))
                assert caught.value.index == 1
                if threshold == 1:
                    assert len(spy.starting("COPY")) == 1
                    assert (
                        len(spy.starting("SAVEPOINT")) == 3
                    )  # the call's, the chunk's, the probe's
                assert session.scalars(select(Pet.name).order_by(Pet.id)).all() == ["a", "b"]
        assert messages[0] == messages[1]
        assert messages[0].startswith(
            "PetFactory.basic: insert_batch() failed on row 1 (the 2nd row): "
            "SQLAlchemyBuilder.insert_many(Pet) raised IntegrityError('(psycopg.errors."
            'ForeignKeyViolation) insert or update on table "copy_pet" violates foreign key '
        )

    def test_insert_many_outside_a_call_keeps_its_savepoint(self, pg_engine: Engine) -> None:
        """The builder's insert_many called by hand has no call's SAVEPOINT around it:
        its COPY takes one, and a refused row leaves the caller's transaction usable."""
        builder = SQLAlchemyBuilder[Owner](copy_threshold=1)
        spy = Statements(pg_engine)
        with Session(pg_engine) as session:
            context = Context({"session": session}, "OwnerFactory")
            builder.insert_many(Owner, [{"name": "a"}, {"name": "b"}], context)
            assert len(spy.starting("SAVEPOINT")) == 1
            with pytest.raises(BuilderError) as caught:
                builder.insert_many(Owner, [{"name": "c"}, {"name": "a"}], context)
            assert caught.value.index == 1
            assert session.scalars(select(Owner.name).order_by(Owner.id)).all() == ["a", "b"]


# ---------------------------------------------------------------- what listens


class TestWhatSeesTheCopy:
    def test_the_engine_log_shows_it(
        self, pg_url: str, make_engine: Callable[..., Engine], caplog: pytest.LogCaptureFixture
    ) -> None:
        engine = make_engine(pg_url, echo=True)
        Base.metadata.create_all(engine, tables=[Owner.__table__])
        caplog.set_level(logging.INFO, logger="sqlalchemy.engine.Engine")
        with Session(engine) as session:
            factory_for(Owner, 1)(session=session).insert_batch(2, name=each(["a", "b"]))
        logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("COPY")]
        assert logged == ["COPY copy_owner (name) FROM STDIN (FORMAT BINARY)"]
        assert not any(SECRET in r.getMessage() for r in caplog.records)

    def test_listeners_see_the_rows_copied(self, pg_engine: Engine) -> None:
        """after_cursor_execute gets the COPY and its cursor, whose rowcount is the rows
        copied: what the seed runner counts (its _table reads COPY's table)."""
        counts: list[tuple[str | None, int]] = []

        @event.listens_for(pg_engine, "after_cursor_execute")
        def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            counts.append((_table(statement), cursor.rowcount))

        with Session(pg_engine) as session:
            factory_for(Owner, 1)(session=session).insert_batch(
                150, name=each([f"o{n}" for n in range(150)])
            )
        assert ("copy_owner", 150) in counts
        assert _table('COPY "a"."b c" (x) FROM STDIN (FORMAT BINARY)') == "b c"
        assert _table("COPY b TO STDOUT") is None


class TestLostConnection:
    def test_a_connection_lost_in_the_copy(self, pg_engine: Engine, postgres_admin: Any) -> None:
        """The server ends the connection as the write starts: the COPY's error is
        SQLAlchemy's OperationalError, the connection is invalidated as for a
        statement, and the builder's error says, as the INSERT's does, that no row
        alone is to blame. The COPY, with no SAVEPOINT of its own (copy_owner has no
        trigger on INSERT), raises the OperationalError itself; the INSERT's SAVEPOINT
        cannot be rolled back on the lost connection, whose PendingRollbackError it
        raises, the OperationalError as its context."""

        @event.listens_for(pg_engine, "before_cursor_execute")
        def end_it(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            if statement.startswith(("COPY", "INSERT INTO copy_owner")):
                pid = conn.connection.driver_connection.info.backend_pid
                postgres_admin.execute("SELECT pg_terminate_backend(%s)", [pid])

        found = []
        for threshold in (None, 1):
            with Session(pg_engine) as session:
                made = factory_for(Owner, threshold)(session=session)
                with pytest.raises(BuilderError) as caught:
                    made.insert_batch(3, name=each(["a", "b", "c"]))
            found.append((str(caught.value), caught.value.__cause__))
        (by_insert, cause), (by_copy, lost) = found
        assert isinstance(cause, exc.PendingRollbackError)
        assert cause.__context__ is not None
        assert type(cause.__context__) is type(lost)
        for message in (by_insert, by_copy):
            assert message.startswith(
                "OwnerFactory.basic: insert_batch() failed on one of 3 rows written together "
                "(the builder does not say which): SQLAlchemyBuilder.insert_many(Owner) raised "
            )
        assert isinstance(lost, exc.OperationalError)
        assert isinstance(lost.orig, psycopg.errors.AdminShutdown)
        assert lost.connection_invalidated
        assert by_copy.endswith(
            "raised OperationalError('(psycopg.errors.AdminShutdown) terminating connection "
            "due to administrator command'); the first row: {'name': 'a'}"
        )


class TestTheChecks:
    """The checks that keep from COPY the values its binary form would store otherwise
    than the INSERT, by PostgreSQL type (psycopg's oids of the built-in types)."""

    @staticmethod
    def check(type_name: str) -> Callable[[list[Any]], bool]:
        info = psycopg.postgres.types[type_name.removesuffix("[]")]
        oid = info.array_oid if type_name.endswith("[]") else info.oid
        check = _sa_copy._kind_by_oid()[oid][0]
        return lambda values: _sa_copy.fits(check, values)

    @pytest.mark.parametrize(
        ("type_name", "values", "taken"),
        [
            ("int2", [-(2**15), 2**15 - 1], True),
            ("int2", [2**15], False),
            ("int4", [-(2**31) - 1], False),
            ("int8", [2**63 - 1, -(2**63)], True),
            ("int8", [2**63], False),
            ("int4", [True], False),
            ("float8", [1.5, 2], True),
            ("float8", [Decimal(1)], False),
            ("numeric", [Decimal("1.5"), 2], True),
            ("numeric", [1.5], False),
            ("timestamp", [datetime.datetime(2024, 1, 1)], True),
            ("timestamptz", [datetime.datetime(2024, 1, 1)], False),
            ("int4[]", [[1, None], [], [[2, 3], [4, 5]]], True),
            ("int4[]", [[1], (2,)], False),
            ("int4[]", [[1, (2,)]], False),
            ("int4[]", [[2**31]], False),
            ("text[]", [[None, None]], True),
            ("int4", [None, None], True),
            ("bytea", [psycopg.Binary(b"x"), b"y", None], True),
            ("bytea", [psycopg.Binary("x")], False),
            ("bytea", [b"x", bytearray(b"y"), memoryview(b"z")], True),
            ("bytea", ["x"], False),
        ],
    )
    def test_what_each_type_takes(self, type_name: str, values: list[Any], taken: bool) -> None:
        assert self.check(type_name)(values) is taken
