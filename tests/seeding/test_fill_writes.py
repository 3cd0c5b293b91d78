"""How ``ctx.fill`` writes: one transaction for all its chunks, and on SQLite the
chunks' rows without a SAVEPOINT each, the failing row still named, on real
databases (a SQLite file and PostgreSQL, sync and async).

The SAVEPOINTs are left out for speed (see ``_change_counter`` in
``pyfactory/builders/_sa_bulk.py``); a table that the driver's change count would
misread (a trigger, an ``ON CONFLICT`` clause) keeps them, and its failing row is
found as before, by writing the rows again one at a time.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import Engine, String, create_engine, event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import BuilderError, Factory, lazy, schema, sequence
from pyfactory.builders._sa_bulk import insert_many
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.seeding import Seed, SeedContext, SeedFailedError, arun_seeds, run_seeds
from tests.seeding.shop import AsyncCustomerFactory, Customer, CustomerFactory

TAKEN = "taken@example.com"
#: The row of a fill that repeats the stored email: in the fill's third chunk of 10.
FAILING = 23


def _emails() -> Any:
    """``c0@example.org``, ``c1@...`` by row of the fill, and the stored email at row
    :data:`FAILING`: counted here, since a sequence's numbers differ between
    pytest-xdist workers."""
    numbers = itertools.count()

    def email(attrs: Any) -> str:
        n = next(numbers)
        return TAKEN if n == FAILING else f"c{n}@example.org"

    return lazy(email)


class FillsWithAClash(Seed):
    """A stored customer, then a fill of 40 whose 24th row repeats its email."""

    def run(self, ctx: SeedContext) -> None:
        ctx.session.add(Customer(name="Stored", email=TAKEN))
        ctx.session.flush()
        try:
            ctx.fill(CustomerFactory, 40, email=_emails())
        finally:
            # What the fill left in the seed's transaction, read before the runner
            # rolls the seed back.
            FillsWithAClash.seen = list(ctx.session.scalars(select(Customer.email)))

    seen: list[str] = []


class AsyncFillsWithAClash(Seed):
    async def run(self, ctx: SeedContext) -> None:
        ctx.session.add(Customer(name="Stored", email=TAKEN))
        await ctx.session.flush()
        try:
            await ctx.afill(AsyncCustomerFactory, 40, email=_emails())
        finally:
            found = await ctx.session.scalars(select(Customer.email))
            AsyncFillsWithAClash.seen = list(found)

    seen: list[str] = []


def _check_failure(caught: pytest.ExceptionInfo[SeedFailedError], call: str) -> None:
    error = caught.value.__cause__
    assert isinstance(error, BuilderError)
    # Row 3 of the third chunk of 10: the row's place in its insert_batch call.
    assert error.index == FAILING - 20
    assert error.attributes["email"] == TAKEN
    assert f"{call}() failed on row 3 (the 4th row)" in str(error)


class TestAFailingFill:
    def test_names_the_row_and_leaves_none_of_its_rows(self, engine: Engine) -> None:
        """The 24th of 40 rows repeats a stored email: the error names it (row 3 of the
        third call of 10), and none of the fill's rows stay, not even its first two
        chunks: the fill is one transaction."""
        with pytest.raises(SeedFailedError) as caught:
            run_seeds(FillsWithAClash, engine, chunk_size=10)
        _check_failure(caught, "insert_batch")
        assert FillsWithAClash.seen == [TAKEN]

    async def test_async(self, async_engine: AsyncEngine) -> None:
        """The same through ``afill``."""
        with pytest.raises(SeedFailedError) as caught:
            await arun_seeds(AsyncFillsWithAClash, async_engine, chunk_size=10)
        _check_failure(caught, "ainsert_batch")
        assert AsyncFillsWithAClash.seen == [TAKEN]

    def test_a_caught_failure_leaves_the_session_usable(self, engine: Engine) -> None:
        """A seed that catches a failed fill goes on in its transaction: the rows
        before the fill stay, the fill's are gone, and later writes commit."""

        class GoesOn(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.session.add(Customer(name="Stored", email=TAKEN))
                ctx.session.flush()
                with pytest.raises(BuilderError):
                    ctx.fill(CustomerFactory, 40, email=_emails())
                ctx.fill(CustomerFactory, 2, email=lazy(lambda a: f"{a['name']}@x.org"))

        run_seeds(GoesOn, engine, chunk_size=10)
        with Session(engine) as session:
            assert len(list(session.scalars(select(Customer.email)))) == 3


# ------------------------------------------------------------------ the SAVEPOINTs kept


def _watched(engine: Engine) -> list[str]:
    """The SAVEPOINTs that ``engine`` takes from now on (their SQL)."""
    taken: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.upper().startswith("SAVEPOINT"):
            taken.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return taken


#: The SAVEPOINTs left out are SQLite's: these tests run on the SQLite file only.
sqlite_only = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)


class TestSavepoints:
    @sqlite_only
    def test_a_fill_takes_one(self, engine: Engine) -> None:
        """A fill of 40 rows in chunks of 10 (40 groups of a chunk of the builder's
        1,000) takes one SAVEPOINT, its own, not one per call nor per group."""
        taken = _watched(engine)

        class Fills(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.fill(CustomerFactory, 40)

        run_seeds(Fills, engine, chunk_size=10)
        assert len(taken) == 1

    @sqlite_only
    async def test_an_async_fill_takes_one(self, async_engine: AsyncEngine) -> None:
        """The same through ``afill`` (aiosqlite counts the changes too)."""
        taken = _watched(async_engine.sync_engine)

        class Fills(Seed):
            async def run(self, ctx: SeedContext) -> None:
                await ctx.afill(AsyncCustomerFactory, 40)

        await arun_seeds(Fills, async_engine, chunk_size=10)
        assert len(taken) == 1

    @sqlite_only
    @pytest.mark.parametrize(
        "ddl",
        [
            "CREATE TRIGGER customer_log AFTER INSERT ON customer BEGIN "
            "INSERT INTO tag (name) VALUES (NEW.email); END",
            "CREATE TEMP TRIGGER customer_log AFTER INSERT ON main.customer BEGIN SELECT 1; END",
        ],
        ids=["trigger", "temp-trigger"],
    )
    def test_a_table_with_a_trigger_keeps_them(self, engine: Engine, ddl: str) -> None:
        """A trigger's changes count too, so the count would name a later row: the
        chunks keep their SAVEPOINTs, and the row is found by writing the rows again
        one at a time."""
        taken = _watched(engine)
        if "TEMP" not in ddl:
            with engine.begin() as conn:
                conn.execute(text(ddl))

        class Clashes(Seed):
            def run(self, ctx: SeedContext) -> None:
                if "TEMP" in ddl:  # a temporary trigger is the connection's own
                    ctx.session.execute(text(ddl))
                ctx.session.add(Customer(name="Stored", email=TAKEN))
                ctx.session.flush()
                ctx.fill(CustomerFactory, 40, email=_emails())

        with pytest.raises(SeedFailedError) as caught:
            run_seeds(Clashes, engine, chunk_size=10)
        _check_failure(caught, "insert_batch")
        assert len(taken) > 1  # the fill's, and one per group again

    def test_a_table_with_on_conflict_keeps_them(self, sqlite_path: Any) -> None:
        """A table whose definition has an ``ON CONFLICT`` clause (an ignored row counts
        no change) keeps them too."""
        engine = create_engine(f"sqlite:///{sqlite_path}")
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(80) "
                        "NOT NULL, email VARCHAR(120) UNIQUE ON CONFLICT IGNORE)"
                    )
                )
            taken = _watched(engine)

            class Fills(Seed):
                def run(self, ctx: SeedContext) -> None:
                    ctx.fill(CustomerFactory, 40, email="same@example.org")

            summary = run_seeds(Fills, engine, chunk_size=10)
            assert summary["Fills"].rows == {"customer": 1}  # 39 ignored
            assert len(taken) > 1
        finally:
            engine.dispose()

    @sqlite_only
    def test_outside_a_call_the_builder_keeps_them(self, engine: Engine) -> None:
        """The builder's bulk insert called on its own (no call's SAVEPOINT around it
        to roll back its rows) keeps one per group: a failure leaves none of them."""
        with Session(engine) as session:
            session.add(Customer(name="Stored", email=TAKEN))
            session.flush()
            rows = [{"name": "A", "email": "a@x.org"}, {"name": "B", "email": TAKEN}]
            with pytest.raises(BuilderError) as caught:
                insert_many(session, Customer, rows)
            assert caught.value.index == 1
            assert list(session.scalars(select(Customer.email))) == [TAKEN]


class _Schemas(DeclarativeBase):
    pass


class Visitor(_Schemas):
    """A table named with its schema (an attached database's, here ``main``)."""

    __tablename__ = "visitor"
    __table_args__ = {"schema": "main"}
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class VisitorFactory(Factory[Visitor]):
    _model = Visitor
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("visitor{n}")}


def test_a_table_of_a_named_schema(sqlite_path: Any) -> None:
    """The triggers of a table named with its schema are looked up in that schema's
    catalogue: none, so one SAVEPOINT for the fill."""
    engine = create_engine(f"sqlite:///{sqlite_path}")
    try:
        _Schemas.metadata.create_all(engine)
        taken = _watched(engine)

        class Visitors(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.fill(VisitorFactory, 30)

        assert run_seeds(Visitors, engine, chunk_size=10)["Visitors"].rows == {"visitor": 30}
        assert len(taken) == 1
    finally:
        engine.dispose()
