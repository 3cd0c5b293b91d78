"""The driver-level bulk INSERT behind create_batch on SQLite and PostgreSQL
(pyfactory/builders/_sa_insert.py): which statements it writes, that the objects it
hands back hold exactly what the database holds, and that every case it does not
take goes through SQLAlchemy's Core INSERT with the same result."""

from __future__ import annotations

import datetime
import enum
import itertools
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Engine,
    ForeignKey,
    MetaData,
    Numeric,
    String,
    Table,
    TypeDecorator,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import BuilderError, Factory, association, lazy, schema, sequence
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.db.spies import Inserts


class Base(DeclarativeBase):
    pass


class Status(enum.Enum):
    NEW = "new"
    USED = "used"


class Csv(TypeDecorator[list[str]]):
    """A list of words stored as one comma-separated string: a bind processor of its own."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Any) -> str | None:
        return None if value is None else ",".join(value)

    def process_result_value(self, value: str | None, dialect: Any) -> list[str] | None:
        return None if value is None else value.split(",")


_tokens = itertools.count(1)


def _token() -> str:
    return f"t{next(_tokens)}"


def _slug(context: Any) -> str:
    return str(context.get_current_parameters()["gadget label"]).lower().replace(" ", "-")


class Maker(Base):
    __tablename__ = "maker"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Gadget(Base):
    """Every kind of column the driver-level INSERT handles itself."""

    __tablename__ = "gadget"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A column whose name differs from its attribute and needs quoting.
    label: Mapped[str] = mapped_column("gadget label", String(40))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    weight: Mapped[float]
    made: Mapped[datetime.date]
    seen: Mapped[datetime.datetime | None]
    status: Mapped[Status]
    words: Mapped[list[str]] = mapped_column(Csv())
    code: Mapped[str] = mapped_column(String(10), default="X1")
    token: Mapped[str] = mapped_column(String(10), default=_token)
    slug: Mapped[str] = mapped_column(String(60), default=_slug)
    created: Mapped[datetime.datetime] = mapped_column(server_default=func.current_timestamp())
    maker_id: Mapped[int | None] = mapped_column(ForeignKey("maker.id"))
    maker: Mapped[Maker | None] = relationship()


class Numbered(Base):
    """A table whose keys the rows give."""

    __tablename__ = "numbered"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))


class Document(Base):
    """Columns the driver-level INSERT leaves to SQLAlchemy on PostgreSQL (JSON) or
    everywhere (a SQL expression as a default)."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(40), default=func.lower("UNTITLED"))


class Reading(Base):
    __tablename__ = "reading"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[float]


def gadget_schema() -> dict[str, Any]:
    return {
        "label": sequence("Gadget {n}"),
        "price": Decimal("9.99"),
        "weight": 1.5,
        "made": datetime.date(2024, 5, 6),
        "status": Status.USED,
        "words": ["red", "small"],
    }


def factories(builder: Any) -> dict[str, type[Factory[Any]]]:
    class MakerFactory(Factory[Maker]):
        _model = Maker
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("maker {n}")}

    class GadgetFactory(Factory[Gadget]):
        _model = Gadget
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return gadget_schema()

        @schema()
        def made_by(self) -> dict[str, Any]:
            return {**gadget_schema(), "maker": association(MakerFactory)}

        @schema()
        def seen(self) -> dict[str, Any]:
            return {**gadget_schema(), "seen": datetime.datetime(2024, 5, 6, 7, 8, 9)}

    class NumberedFactory(Factory[Numbered]):
        _model = Numbered
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"id": sequence(lambda n: 100 - n), "name": sequence("n{n}")}

    class DocumentFactory(Factory[Document]):
        _model = Document
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"body": lazy(lambda o: {"n": 1})}

    class ReadingFactory(Factory[Reading]):
        _model = Reading
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            # Whole numbers and fractions in one column: one Python type per column
            # is what an array parameter takes.
            return {"value": sequence(lambda n: n if n % 2 else n + 0.5)}

    return {
        "Maker": MakerFactory,
        "Gadget": GadgetFactory,
        "Numbered": NumberedFactory,
        "Document": DocumentFactory,
        "Reading": ReadingFactory,
    }


SYNC = factories(SQLAlchemyBuilder())
ASYNC = factories(AsyncSQLAlchemyBuilder())


@pytest.fixture
def db_metadata() -> MetaData:
    """This module's tables, for the database fixtures' ``engine`` and ``async_engine``."""
    return Base.metadata


COLUMNS = [
    "id",
    "label",
    "price",
    "weight",
    "made",
    "seen",
    "status",
    "words",
    "code",
    "token",
    "slug",
    "created",
    "maker_id",
]


def columns(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in COLUMNS}


def stored(engine: Engine, model: type[Any], ids: list[int]) -> dict[int, dict[str, Any]]:
    """The rows as a new session loads them, by id."""
    with Session(engine) as session:
        found = session.scalars(select(model).where(model.id.in_(ids))).all()
        return {obj.id: columns(obj) for obj in found}


def normal(values: dict[str, Any]) -> dict[str, Any]:
    """Values as compared across drivers: SQLite keeps Numeric as a float-backed
    Decimal and drops time zones, which the comparison should not trip over."""
    out = dict(values)
    out["price"] = Decimal(str(out["price"])).quantize(Decimal("0.01"))
    return out


class TestStatements:
    def test_one_statement_per_group_and_chunk(self, engine: Engine) -> None:
        seen = Inserts(engine)
        with Session(engine) as session:
            made = SYNC["Gadget"](session=session).create_batch(250)
            assert len(made) == 250
        assert len(seen.driver) == 1
        assert len(seen.statements) == 1

    def test_parents_then_children_each_in_one_statement(self, engine: Engine) -> None:
        seen = Inserts(engine)
        with Session(engine) as session:
            made = SYNC["Gadget"](session=session).create_batch("made_by", 40)
            assert len({g.maker_id for g in made}) == 40
            assert all(g.maker.id == g.maker_id for g in made)
        tables = [s.split()[2].strip('"') for s in seen.driver]
        assert tables == ["maker", "gadget"]

    def test_a_chunk_larger_than_the_parameter_limit_is_split_on_sqlite(
        self, engine: Engine, db_backend: str
    ) -> None:
        seen = Inserts(engine)
        factory = SYNC["Maker"]
        with Session(engine) as session:
            factory(session=session).create_batch(40_000 if db_backend == "sqlite" else 2000)
            assert session.scalar(select(func.count()).select_from(Maker)) == (
                40_000 if db_backend == "sqlite" else 2000
            )
        statements = len(seen.driver)
        if db_backend == "sqlite":
            # 40 chunks of 1,000 rows, each within the driver's parameter limit.
            assert statements == 40
        else:
            assert statements == 2


class TestValues:
    @pytest.mark.parametrize("name", ["basic", "seen", "made_by"])
    def test_objects_hold_what_the_database_holds(self, engine: Engine, name: str) -> None:
        with Session(engine) as session:
            made = SYNC["Gadget"](session=session).create_batch(name, 30)
            session.commit()
            held = {g.id: normal(columns(g)) for g in made}
        loaded = {k: normal(v) for k, v in stored(engine, Gadget, list(held)).items()}
        assert held == loaded
        first = held[min(held)]
        assert first["code"] == "X1"
        assert first["slug"] == first["label"].lower().replace(" ", "-")
        assert first["words"] == ["red", "small"]
        assert first["status"] is Status.USED
        assert isinstance(first["created"], datetime.datetime)
        assert len({v["token"] for v in held.values()}) == 30

    def test_same_rows_as_create_one_at_a_time(self, engine: Engine) -> None:
        factory = SYNC["Gadget"]
        with Session(engine) as session:
            factory.reset_sequences()
            batch = factory(session=session).create_batch("seen", 3)
            factory.reset_sequences()
            single = [factory(session=session).create("seen") for _ in range(3)]
            session.commit()
            ids = [g.id for g in batch + single]
        rows = stored(engine, Gadget, ids)
        skip = {"id", "token", "created"}

        def same(obj_id: int) -> dict[str, Any]:
            return {k: v for k, v in normal(rows[obj_id]).items() if k not in skip}

        for a, b in zip(ids[:3], ids[3:], strict=True):
            assert same(a) == same(b)

    def test_objects_are_in_the_identity_map(self, engine: Engine) -> None:
        seen = Inserts(engine)
        with Session(engine) as session:
            made = SYNC["Gadget"](session=session).create_batch(5)
            before = len(seen.statements)
            assert all(session.get(Gadget, g.id) is g for g in made)
            assert all(g in session and not session.is_modified(g) for g in made)
            assert len(seen.statements) == before

    def test_given_keys_need_no_returning(self, engine: Engine) -> None:
        seen = Inserts(engine)
        with Session(engine) as session:
            made = SYNC["Numbered"](session=session).create_batch(5)
            assert [n.id for n in made] == [99, 98, 97, 96, 95]
            assert all(session.get(Numbered, n.id) is n for n in made)
        (statement,) = seen.driver
        assert "RETURNING" not in statement

    def test_a_related_object_not_yet_saved_is_written_first(self, engine: Engine) -> None:
        with Session(engine) as session:
            loose = Maker(name="loose")  # never added to the session
            made = SYNC["Gadget"](session=session).create_batch(3, maker=loose)
            assert loose.id is not None
            assert [g.maker_id for g in made] == [loose.id] * 3
            ids, maker_id = [g.id for g in made], loose.id
            session.commit()
        assert {row["maker_id"] for row in stored(engine, Gadget, ids).values()} == {maker_id}


class TestLeftToSQLAlchemy:
    """What the driver-level INSERT does not take is still written, correctly."""

    def test_json_and_sql_expression_defaults(self, engine: Engine) -> None:
        seen = Inserts(engine)
        with Session(engine) as session:
            made = SYNC["Document"](session=session).create_batch(3)
            session.commit()
            assert [d.body for d in made] == [{"n": 1}] * 3
            assert [d.title for d in made] == ["untitled"] * 3
        assert seen.driver == []

    def test_mixed_python_types_in_one_column(self, engine: Engine, db_backend: str) -> None:
        seen = Inserts(engine)
        with Session(engine) as session:
            made = SYNC["Reading"](session=session).create_batch(4)
            session.commit()
            assert [r.value for r in made] == [1, 2.5, 3, 4.5]
            loaded = session.scalars(select(Reading.value).order_by(Reading.id)).all()
            assert loaded == [1.0, 2.5, 3.0, 4.5]
        # SQLite takes any mix of types row by row; PostgreSQL's arrays cannot.
        assert len(seen.driver) == (1 if db_backend == "sqlite" else 0)

    def test_a_key_given_as_none(self, engine: Engine) -> None:
        with Session(engine) as session:
            made = SYNC["Maker"](session=session).create_batch(3, id=None)
            assert all(m.id is not None for m in made)
            assert all(session.get(Maker, m.id) is m for m in made)

    def test_a_default_that_reads_more_than_the_row(self, engine: Engine) -> None:
        class Other(DeclarativeBase):
            pass

        class Stamped(Other):
            __tablename__ = "stamped"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(40))
            dialect: Mapped[str] = mapped_column(
                String(20), default=lambda context: context.dialect.name
            )

        Other.metadata.create_all(engine)

        class StampedFactory(Factory[Stamped]):
            _model = Stamped
            _model_builder = SQLAlchemyBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x"}

        with Session(engine) as session:
            made = StampedFactory(session=session).create_batch("basic", 2)
            assert [s.dialect for s in made] == [engine.dialect.name] * 2

    def test_a_relationship_and_its_key_both_given(self, engine: Engine) -> None:
        with Session(engine) as session:
            one, two = SYNC["Maker"](session=session).create_batch(2)
            made = SYNC["Gadget"](session=session).create_batch(2, maker=one, maker_id=two.id)
            session.flush()
            # The rows decide, key by key, as a Core INSERT of the same rows does.
            assert {g.maker_id for g in made} in ({one.id}, {two.id})


class TestErrors:
    def test_a_failing_batch_rolls_back_and_names_the_field(self, engine: Engine) -> None:
        factory = SYNC["Gadget"]
        with Session(engine) as session:
            kept = factory(session=session).create("basic")
            with pytest.raises(BuilderError) as caught:
                factory(session=session).create_batch(3, label=None)
            assert str(caught.value).startswith(
                "GadgetFactory.basic: create_batch() failed on row 0 (the 1st row): "
                "SQLAlchemyBuilder.create_many(Gadget) raised "
            )
            assert "IntegrityError" in str(caught.value)
            session.commit()
            assert session.scalars(select(Gadget.id)).all() == [kept.id]


class TestAsync:
    async def test_driver_level_insert_under_acreate_batch(self, async_engine: AsyncEngine) -> None:
        seen = Inserts(async_engine.sync_engine)
        async with AsyncSession(async_engine, expire_on_commit=False) as session:
            made = await ASYNC["Gadget"](session=session).acreate_batch("made_by", 20)
            await session.commit()
            held = {g.id: normal(columns(g)) for g in made}
        async with AsyncSession(async_engine) as session:
            found = (await session.scalars(select(Gadget))).all()
            loaded = {g.id: normal(columns(g)) for g in found}
        assert held == loaded
        assert [s.split()[2].strip('"') for s in seen.driver] == ["maker", "gadget"]

    async def test_a_related_object_not_yet_saved(self, async_engine: AsyncEngine) -> None:
        async with AsyncSession(async_engine) as session:
            loose = Maker(name="loose")
            made = await ASYNC["Gadget"](session=session).acreate_batch(2, maker=loose)
            assert [g.maker_id for g in made] == [loose.id] * 2

    async def test_left_to_sqlalchemy(self, async_engine: AsyncEngine) -> None:
        async with AsyncSession(async_engine) as session:
            made = await ASYNC["Reading"](session=session).acreate_batch(4)
            assert [r.value for r in made] == [1, 2.5, 3, 4.5]
            docs = await ASYNC["Document"](session=session).acreate_batch(2)
            assert [d.title for d in docs] == ["untitled"] * 2


class TestPlan:
    """Which tables and columns the driver-level INSERT leaves to SQLAlchemy, decided
    once per dialect and set of keys, without a database."""

    @staticmethod
    def plan(model: type[Any], url: str, keys: list[str]) -> Any:
        from sqlalchemy import create_engine, inspect

        from pyfactory.builders._sa_insert import plan
        from pyfactory.builders._sa_shape import shape_of as _shape

        dialect = create_engine(url).dialect
        shape = _shape(model)
        assert isinstance(shape.table, Table)
        return plan(inspect(model), shape.table, shape.many_to_one, dialect, keys)

    def test_dialects_it_takes(self) -> None:
        assert self.plan(Maker, "sqlite://", ["name"]) is not None
        assert self.plan(Maker, "postgresql+psycopg://u@h/d", ["name"]) is not None
        assert self.plan(Maker, "postgresql+asyncpg://u@h/d", ["name"]) is not None

    def test_mysql_is_left_to_sqlalchemy(self) -> None:
        import sqlite3

        from sqlalchemy.dialects import mysql

        from pyfactory.builders._sa_insert import plan
        from pyfactory.builders._sa_shape import shape_of as _shape

        shape = _shape(Maker)
        assert isinstance(shape.table, Table)
        # Without its driver, and with one (any module with a paramstyle will do here).
        assert plan(shape.mapper, shape.table, {}, mysql.dialect(), ["name"]) is None
        with_driver = mysql.dialect(dbapi=sqlite3)
        assert plan(shape.mapper, shape.table, {}, with_driver, ["name"]) is None

    def test_given_keys_and_server_defaults(self) -> None:
        class Other(DeclarativeBase):
            pass

        class Keyed(Other):
            __tablename__ = "keyed"
            id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
            made: Mapped[datetime.datetime] = mapped_column(server_default=func.now())

        class Named(Other):
            __tablename__ = "named"
            code: Mapped[str] = mapped_column(String(8), primary_key=True, server_default="a")
            name: Mapped[str] = mapped_column(String(8))

        # Returned rows could not find their objects: no counter to sort them by.
        assert self.plan(Keyed, "sqlite://", ["id"]) is None
        assert self.plan(Named, "sqlite://", ["name"]) is None
        assert self.plan(Named, "sqlite://", ["code", "name"]) is not None

    def test_types_postgresql_arrays_cannot_carry(self) -> None:
        class Other(DeclarativeBase):
            pass

        class Sorted(Other):
            __tablename__ = "sorted"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(8, collation="C"))

        class Totalled(Other):
            __tablename__ = "totalled"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(8))
            total: Mapped[Decimal] = mapped_column(Numeric(8, 2), server_default="0")

        psycopg = "postgresql+psycopg://u@h/d"
        assert self.plan(Sorted, psycopg, ["name"]) is None  # a collation
        assert self.plan(Sorted, "sqlite://", ["name"]) is not None
        # A Numeric the database fills must be read with the driver's type code.
        assert self.plan(Totalled, psycopg, ["name"]) is None
        assert self.plan(Totalled, psycopg, ["name", "total"]) is not None
        assert self.plan(Reading, psycopg, ["value"]) is not None
        assert self.plan(Document, psycopg, ["body"]) is None  # JSON, and a SQL default

    def test_types_with_sql_expressions(self) -> None:
        class Lowered(TypeDecorator[str]):
            impl = String(20)
            cache_ok = True

            def bind_expression(self, bindvalue: Any) -> Any:
                return func.lower(bindvalue)

        class Uppered(TypeDecorator[str]):
            impl = String(20)
            cache_ok = True

            def column_expression(self, column: Any) -> Any:
                return func.upper(column)

        class Other(DeclarativeBase):
            pass

        class Shouted(Other):
            __tablename__ = "shouted"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str | None] = mapped_column(String(20))
            quiet: Mapped[str | None] = mapped_column(Lowered())
            loud: Mapped[str] = mapped_column(Uppered(), server_default="x")

        # A value written through a SQL function, or one read back through one.
        assert self.plan(Shouted, "sqlite://", ["quiet", "loud"]) is None
        assert self.plan(Shouted, "sqlite://", ["name"]) is None
        # Given, the second is written as it is; nothing needs reading back.
        assert self.plan(Shouted, "sqlite://", ["loud"]) is not None
