"""run_seeds and arun_seeds on real databases (a SQLite file and PostgreSQL, sync and
async): order, transactions, skipping, counts, settings, scale and dry runs."""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import tracemalloc
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import AsyncModeError, UsageError
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from pyfactory.seeding import (
    CHUNK_SIZE,
    MAX_ROWS,
    MissingSeedError,
    Seed,
    SeedContext,
    SeedFailedError,
    SeedResult,
    arun_seeds,
    run_seeds,
)
from pyfactory.seeding._progress import Plain, Rich, Silent, reporter
from pyfactory.seeding._runner import _table
from tests.seeding.shop import (
    AsyncCustomerFactory,
    AsyncOrderFactory,
    Customer,
    CustomerFactory,
    Order,
    OrderFactory,
    Product,
    ProductFactory,
    Tag,
    count,
)

# ------------------------------------------------------------------ sync seeds


class Catalog(Seed):
    """Three products, two tags, four product-tag links."""

    def should_run(self, ctx: SeedContext) -> bool:
        return not ctx.session.scalar(count(Product))

    def run(self, ctx: SeedContext) -> None:
        tags = [Tag(name="new"), Tag(name="sale")]
        products = ctx.factory(ProductFactory)
        products.create(name="Lamp", price=2500, tags=tags)
        products.create(name="Desk", price=9900, tags=tags[:1])
        products.create(name="Chair", price=4900, tags=tags[1:])


class Customers(Seed):
    """``customers`` customers (times the scale), written in bulk."""

    customers: ClassVar[int] = 30

    def should_run(self, ctx: SeedContext) -> bool:
        return not ctx.session.scalar(count(Customer))

    def run(self, ctx: SeedContext) -> None:
        assert ctx.fill(CustomerFactory, self.customers) == ctx.scaled(self.customers)


class Orders(Seed):
    """Twelve orders of the lamp, each by a new customer."""

    depends_on = ("Catalog", Customers)
    fail_with: ClassVar[Exception | None] = None

    def should_run(self, ctx: SeedContext) -> bool:
        return not ctx.session.scalar(count(Order))

    def run(self, ctx: SeedContext) -> None:
        lamp = ctx.session.scalars(select(Product).filter_by(name="Lamp")).one()
        ctx.fill(OrderFactory, "basic", 12, product_id=lamp.id)
        if self.fail_with is not None:
            raise self.fail_with


ALL = [Orders, Catalog]


def counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(count(model)) or 0
        for model in (Customer, Product, Tag, Order)
    }


EXPECTED_ROWS = {
    "Catalog": {"product": 3, "product_tag": 4, "tag": 2},
    "Customers": {"customer": 30},
    "Orders": {"customer": 12, "order": 12},
}


class TestRunSeeds:
    def test_runs_in_order_and_counts_rows(self, engine: Engine) -> None:
        """Seeds run after their dependencies; the summary has each one's rows per table."""
        summary = run_seeds(ALL, engine)
        assert [(r.name, r.status) for r in summary.results] == [
            ("Catalog", "ran"),
            ("Customers", "ran"),
            ("Orders", "ran"),
        ]
        assert {r.name: r.rows for r in summary.results} == EXPECTED_ROWS
        assert summary.rows == {
            "customer": 42,
            "order": 12,
            "product": 3,
            "product_tag": 4,
            "tag": 2,
        }
        assert all(r.seconds >= 0 for r in summary.results)
        assert summary.ok
        with Session(engine) as session:
            assert counts(session) == {"customer": 42, "product": 3, "tag": 2, "order": 12}
            lamp = session.scalars(select(Product).filter_by(name="Lamp")).one()
            assert [t.name for t in lamp.tags] == ["new", "sale"]
            quantities = session.scalars(select(Order.quantity).filter_by(product_id=lamp.id))
            assert list(quantities) == [2] * 12

    def test_a_second_run_adds_nothing(self, engine: Engine) -> None:
        """Run again, every seed's should_run is false: all skipped, no row added."""
        run_seeds(ALL, engine)
        again = run_seeds(ALL, engine)
        assert again.names("skipped") == ("Catalog", "Customers", "Orders")
        assert again.names("ran") == ()
        assert again.rows == {}
        with Session(engine) as session:
            assert counts(session) == {"customer": 42, "product": 3, "tag": 2, "order": 12}

    def test_a_failing_seed_leaves_none_of_its_rows(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A seed that raises is rolled back whole; the seeds before it stay; the run
        stops and says which seed failed and why."""
        monkeypatch.setattr(Orders, "fail_with", ValueError("no stock\nmore detail"))
        after = type("After", (Seed,), {"depends_on": (Orders,), "run": lambda s, c: None})
        with pytest.raises(SeedFailedError) as caught:
            run_seeds([after, *ALL], engine)
        error = caught.value
        assert str(error) == (
            "seed Orders failed: ValueError: no stock (its rows were rolled back; "
            "the rows of Catalog, Customers stay)"
        )
        assert error.seed == "Orders"
        assert isinstance(error.__cause__, ValueError)
        assert [(r.name, r.status) for r in error.summary.results] == [
            ("Catalog", "ran"),
            ("Customers", "ran"),
            ("Orders", "failed"),
        ]
        assert error.summary["Orders"].rows == {}
        assert error.summary["Orders"].error is error.__cause__
        assert not error.summary.ok
        with Session(engine) as session:
            assert counts(session) == {"customer": 30, "product": 3, "tag": 2, "order": 0}
        monkeypatch.setattr(Orders, "fail_with", None)
        assert run_seeds([after, *ALL], engine).names("ran") == ("Orders", "After")

    def test_the_first_seed_failing(self, engine: Engine) -> None:
        """A failure in should_run is a failure too, and says nothing ran before it."""

        class Broken(Seed):
            def should_run(self, ctx: SeedContext) -> bool:
                raise LookupError("no table")

            def run(self, ctx: SeedContext) -> None:
                pass

        with pytest.raises(SeedFailedError) as caught:
            run_seeds([Broken, Catalog], engine)
        assert str(caught.value) == (
            "seed Broken failed: LookupError: no table (its rows were rolled back; "
            "no seed ran before it)"
        )

    def test_an_error_with_no_message(self, engine: Engine) -> None:
        """An exception without a message is shown by its repr."""

        class Silent(Seed):
            def run(self, ctx: SeedContext) -> None:
                raise RuntimeError

        with pytest.raises(SeedFailedError, match=r"Silent failed: RuntimeError: RuntimeError\(\)"):
            run_seeds(Silent, engine)

    def test_the_context(self, engine: Engine) -> None:
        """ctx carries the session, the settings, the scale and the seed's name."""
        seen: dict[str, Any] = {}

        class Looks(Seed):
            def run(self, ctx: SeedContext) -> None:
                seen.update(
                    session=ctx.session,
                    settings=ctx.settings,
                    scale=ctx.scale,
                    seed=ctx.seed,
                    scaled=[ctx.scaled(n) for n in (0, 1, 10, 3)],
                    factory=ctx.factory(CustomerFactory, seed=5),
                )

        settings = {"USE_FACTORIES": True}
        with Session(engine) as session:
            run_seeds(Looks, session, settings=settings, scale=0.5)
            assert seen["session"] is session
        assert seen["settings"] is settings
        assert (seen["scale"], seen["seed"]) == (0.5, "Looks")
        assert seen["scaled"] == [0, 1, 5, 2]
        assert seen["factory"].context["session"] is session
        assert seen["factory"].seed == 5

    def test_scale_multiplies_fill(self, engine: Engine) -> None:
        """``scale`` multiplies what fill() writes."""
        summary = run_seeds(Customers, engine, scale=3)
        assert summary["Customers"].rows == {"customer": 90}

    def test_fill_writes_in_chunks(self, engine: Engine) -> None:
        """fill() calls create_batch with at most chunk_size rows, and reports each."""
        out = io.StringIO()
        ctx_seen: list[int] = []

        class Chunked(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx_seen.append(ctx.chunk_size)
                ctx.fill(CustomerFactory, 20)
                ctx.fill(CustomerFactory(session=ctx.session), "basic", 3, name="Named")

        plain = Plain(out, 1)
        from pyfactory.seeding import _runner

        original = _runner.reporter
        _runner.reporter = lambda progress, seeds: plain  # type: ignore[assignment]
        try:
            run_seeds(Chunked, engine, chunk_size=7)
        finally:
            _runner.reporter = original
        assert ctx_seen == [7]
        assert out.getvalue().splitlines() == [
            "[1/1] Chunked ...",
            "    CustomerFactory: 7/20 rows",
            "    CustomerFactory: 14/20 rows",
            "    CustomerFactory: 20/20 rows",
            "    CustomerFactory.basic: 3/3 rows",
            "[1/1] Chunked: ran",
        ]
        with Session(engine) as session:
            assert session.scalar(count(Customer)) == 23
            assert session.scalar(count(Customer).filter_by(name="Named")) == 3

    def test_dry_run_writes_nothing(self, engine: Engine) -> None:
        """A dry run shows the order and which seeds would run, and rolls back."""
        run_seeds(Customers, engine)
        summary = run_seeds(ALL, engine, dry_run=True)
        assert [(r.name, r.status) for r in summary.results] == [
            ("Catalog", "would run"),
            ("Customers", "skipped"),
            ("Orders", "would run"),
        ]
        assert summary.dry_run
        with Session(engine) as session:
            assert counts(session) == {"customer": 30, "product": 0, "tag": 0, "order": 0}

    def test_only(self, engine: Engine) -> None:
        """``only`` runs the named seeds and their dependencies."""
        summary = run_seeds(ALL, engine, only="Customers")
        assert [r.name for r in summary.results] == ["Customers"]
        with pytest.raises(MissingSeedError, match="unknown seed: 'Nope'"):
            run_seeds(ALL, engine, only=["Nope"])

    def test_a_session_given_is_committed_and_left_open(self, engine: Engine) -> None:
        """The app's own session: each seed committed, the session still usable."""
        with Session(engine) as session:
            run_seeds(Catalog, session)
            assert session.scalar(count(Tag)) == 2
            session.rollback()
            assert session.scalar(count(Tag)) == 2

    def test_an_async_seed_on_a_sync_engine_is_refused_before_anything_runs(
        self, engine: Engine
    ) -> None:
        """An ``async def`` seed on a synchronous engine would await a result ("object
        ChunkedIteratorResult can't be used in 'await' expression"): it is refused
        before any seed runs, naming the seed and the async URL to use."""

        class AsyncStyle(Seed):
            depends_on = (Customers,)

            async def run(self, ctx: SeedContext) -> None:
                await ctx.session.execute(select(Customer))

        with pytest.raises(AsyncModeError) as caught:
            run_seeds(AsyncStyle, engine)
        url = engine.url
        driver = "sqlite+aiosqlite" if url.get_backend_name() == "sqlite" else "postgresql+asyncpg"
        assert str(caught.value) == (
            f"AsyncStyle.run is async def, and the URL {url.render_as_string()} has a "
            "synchronous driver: an async seed needs an async driver, as in "
            f"{url.set(drivername=driver).render_as_string()}, or write AsyncStyle.run as "
            "a plain def"
        )
        with Session(engine) as session:
            assert session.scalar(count(Customer)) == 0  # Customers did not run either

    async def test_an_async_seed_on_a_sync_bind_of_arun_seeds(self, engine: Engine) -> None:
        """arun_seeds given a synchronous bind refuses async seeds the same way; a session
        without an engine gets the drivers to choose from."""

        class AsyncCheck(Seed):
            async def should_run(self, ctx: SeedContext) -> bool:
                return True

            def run(self, ctx: SeedContext) -> None:
                pass

        with pytest.raises(AsyncModeError, match=r"^AsyncCheck.should_run is async def, "):
            await arun_seeds(AsyncCheck, engine)
        with pytest.raises(AsyncModeError) as caught:
            await arun_seeds(AsyncCheck, Session())
        assert str(caught.value) == (
            "AsyncCheck.should_run is async def, and the session is a synchronous Session: an "
            "async seed needs an async driver, as in sqlite+aiosqlite:///... or "
            "postgresql+asyncpg://..., or write AsyncCheck.should_run as a plain def"
        )

    def test_a_plain_def_that_returns_a_coroutine_fails(self, engine: Engine) -> None:
        """A plain ``def`` that hands back a coroutine on a synchronous session fails as
        a seed, saying it is async; the coroutine is closed, not left unawaited."""

        async def later() -> None:
            pass

        class Hidden(Seed):
            def run(self, ctx: SeedContext) -> Any:
                return later()

        with pytest.raises(SeedFailedError) as caught:
            run_seeds(Hidden, engine)
        assert isinstance(caught.value.__cause__, AsyncModeError)
        assert str(caught.value).startswith(
            "seed Hidden failed: AsyncModeError: Hidden.run is async def, and the URL "
        )


class TestBinds:
    def test_a_url(self, sqlite_url: str) -> None:
        """A URL gets an engine of its own, disposed of afterwards."""
        from sqlalchemy import create_engine

        from tests.seeding.shop import Base

        made = create_engine(sqlite_url)
        Base.metadata.create_all(made)
        made.dispose()
        assert run_seeds(Catalog, sqlite_url)["Catalog"].rows["product"] == 3

    def test_an_async_bind_is_refused(self, sqlite_async_url: str) -> None:
        """run_seeds given an async URL or engine says to await arun_seeds."""
        from sqlalchemy.ext.asyncio import create_async_engine

        with pytest.raises(AsyncModeError) as caught:
            run_seeds(Catalog, sqlite_async_url)
        assert str(caught.value) == (
            f"run_seeds() was given the async URL {sqlite_async_url}; await "
            "arun_seeds(...) instead, or use a synchronous driver"
        )
        engine = create_async_engine(sqlite_async_url)
        with pytest.raises(AsyncModeError, match=r"^run_seeds\(\) was given an AsyncEngine;"):
            run_seeds(Catalog, engine)

    def test_something_else_is_refused(self) -> None:
        """A bind that is no session, engine or URL is a UsageError naming its type."""
        with pytest.raises(UsageError) as caught:
            run_seeds(Catalog, 42)  # type: ignore[arg-type]
        assert str(caught.value) == "run_seeds() takes a Session, an Engine or a URL, not int"
        with pytest.raises(UsageError) as caught:
            asyncio.run(arun_seeds(Catalog, 42))  # type: ignore[arg-type]
        assert str(caught.value) == (
            "arun_seeds() takes an AsyncSession, an AsyncEngine, a Session, an Engine or a "
            "URL, not int"
        )

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"scale": 0}, "scale is a finite number above 0, not 0"),
            ({"scale": True}, "scale is a finite number above 0, not True"),
            ({"scale": float("inf")}, "scale is a finite number above 0, not inf"),
            ({"scale": float("nan")}, "scale is a finite number above 0, not nan"),
            (
                {"scale": 1e12},
                "scale is at most 1,000,000,000, not 1e+12: even a count of 1 would come to "
                "more rows than the 1,000,000,000 (MAX_ROWS) that one count may be",
            ),
            ({"chunk_size": 0}, "chunk_size is a positive int, not 0"),
            ({"chunk_size": 2.5}, "chunk_size is a positive int, not 2.5"),
        ],
    )
    def test_bad_options(self, options: dict[str, Any], message: str) -> None:
        """scale and chunk_size are checked before anything runs: an infinite scale
        would overflow only inside a seed's first count, and a huge one would hang
        making chunks."""
        with pytest.raises(UsageError) as caught:
            run_seeds(Catalog, "sqlite://", **options)
        assert str(caught.value) == message


class TestFillErrors:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ((-1,), "Bad: a count is a non-negative int, not -1"),
            (("basic", "3"), "Bad: a count is a non-negative int, not '3'"),
            ((True,), "Bad: a count is a non-negative int, not True"),
            (("basic",), "Bad: fill(CustomerFactory, 'basic') needs a count after the schema name"),
        ],
    )
    def test_bad_counts(self, args: tuple[Any, ...], message: str) -> None:
        """fill() and scaled() refuse what is no count, naming the seed."""
        ctx = SeedContext(session=None, seed="Bad")
        with pytest.raises(UsageError) as caught:
            ctx.fill(CustomerFactory, *args)
        assert str(caught.value) == message
        with pytest.raises(UsageError):
            asyncio.run(ctx.afill(CustomerFactory, *args))

    def test_a_count_above_max_rows_is_refused_before_writing(self) -> None:
        """A count that the scale takes above MAX_ROWS is refused before a row of it
        is written, saying by how much; MAX_ROWS itself is allowed."""
        ctx = SeedContext(session=None, seed="Load", scale=1e6)
        assert ctx.scaled(1_000) == MAX_ROWS
        with pytest.raises(UsageError) as caught:
            ctx.fill(CustomerFactory, 10_000)
        assert str(caught.value) == (
            "Load: a count of 10,000 at scale 1e+06 comes to 10,000,000,000 rows, more "
            "than the 1,000,000,000 (MAX_ROWS) that one count may be; lower the scale or "
            "the count"
        )
        with pytest.raises(UsageError, match=r"^Load: a count of 1,000,000,001 at scale 1 "):
            SeedContext(session=None, seed="Load").scaled(MAX_ROWS + 1)

    def test_the_defaults(self) -> None:
        """A context made by hand: scale 1, chunks of CHUNK_SIZE, silent progress."""
        ctx = SeedContext(session=None)
        assert (ctx.scale, ctx.chunk_size, ctx.settings) == (1, CHUNK_SIZE, None)
        assert CHUNK_SIZE == 10_000
        assert ctx.fill(CustomerFactory, 0) == 0


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
@pytest.mark.untraced  # fill()'s lines run in the tests above; traced, 25,000 rows are slow
def test_memory_stays_flat(engine: Engine) -> None:
    """fill() keeps no rows: writing four times the rows needs no more memory."""
    peaks = []
    for rows in (5_000, 20_000):

        class Many(Seed):
            count: ClassVar[int] = rows

            def run(self, ctx: SeedContext) -> None:
                ctx.fill(CustomerFactory, self.count)

        gc.collect()
        tracemalloc.start()
        try:
            run_seeds(Many, engine, chunk_size=2_500)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5, peaks


# ------------------------------------------------------------------ async seeds


class AsyncCustomers(Seed):
    async def should_run(self, ctx: SeedContext) -> bool:
        return not await ctx.session.scalar(count(Customer))

    async def run(self, ctx: SeedContext) -> None:
        await ctx.factory(AsyncCustomerFactory).acreate(name="First")
        await ctx.afill(AsyncCustomerFactory, "basic", 25)


class AsyncOrders(Seed):
    depends_on = (AsyncCustomers,)
    fail: ClassVar[bool] = False

    async def should_run(self, ctx: SeedContext) -> bool:
        return not await ctx.session.scalar(count(Order))

    async def run(self, ctx: SeedContext) -> None:
        await ctx.session.execute(insert(Product).values(id=1, name="Lamp", price=1))
        await ctx.afill(AsyncOrderFactory, 10, product_id=1)
        if self.fail:
            raise KeyError("boom")


class TestArunSeeds:
    async def test_runs_and_skips(self, async_engine: AsyncEngine) -> None:
        """Async seeds on an AsyncEngine: run, counted, and skipped the second time."""
        summary = await arun_seeds([AsyncOrders], async_engine, settings="s")
        assert [(r.name, r.status, dict(r.rows)) for r in summary.results] == [
            ("AsyncCustomers", "ran", {"customer": 26}),
            ("AsyncOrders", "ran", {"customer": 10, "order": 10, "product": 1}),
        ]
        again = await arun_seeds([AsyncOrders], async_engine)
        assert again.names("skipped") == ("AsyncCustomers", "AsyncOrders")
        async with AsyncSession(async_engine) as session:
            assert await session.scalar(count(Customer)) == 36
            assert await session.scalar(count(Order)) == 10

    async def test_a_failing_seed_is_rolled_back(
        self, async_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failing async seed leaves none of its rows; the earlier ones stay."""
        monkeypatch.setattr(AsyncOrders, "fail", True)
        async with AsyncSession(async_engine) as session:
            with pytest.raises(SeedFailedError) as caught:
                await arun_seeds(AsyncOrders, session)
        assert str(caught.value) == (
            "seed AsyncOrders failed: KeyError: 'boom' (its rows were rolled back; "
            "the rows of AsyncCustomers stay)"
        )
        async with AsyncSession(async_engine) as session:
            assert await session.scalar(count(Customer)) == 26
            assert await session.scalar(count(Product)) == 0
            assert await session.scalar(count(Order)) == 0

    async def test_dry_run(self, async_engine: AsyncEngine) -> None:
        """An async dry run writes nothing."""
        summary = await arun_seeds(AsyncOrders, async_engine, dry_run=True)
        assert summary.names("would run") == ("AsyncCustomers", "AsyncOrders")
        async with AsyncSession(async_engine) as session:
            assert await session.scalar(count(Customer)) == 0

    async def test_an_async_url(self, sqlite_async_url: str, sqlite_url: str) -> None:
        """An async URL gets an AsyncEngine of its own, disposed of afterwards."""
        from sqlalchemy import create_engine

        from tests.seeding.shop import Base

        made = create_engine(sqlite_url)
        Base.metadata.create_all(made)
        made.dispose()
        summary = await arun_seeds(AsyncCustomers, sqlite_async_url)
        assert summary["AsyncCustomers"].rows == {"customer": 26}

    async def test_sync_binds(self, engine: Engine, db_url: str) -> None:
        """arun_seeds also takes a Session, an Engine or a sync URL, for sync seeds."""
        assert (await arun_seeds(Customers, engine))["Customers"].status == "ran"
        with Session(engine) as session:
            summary = await arun_seeds(Customers, session)
        assert summary["Customers"].status == "skipped"
        summary = await arun_seeds(Catalog, db_url)
        assert summary["Catalog"].rows == EXPECTED_ROWS["Catalog"]


# ------------------------------------------------------------------ progress and counts


class TestProgress:
    def test_off_unless_asked(self) -> None:
        """The library prints nothing unless progress=True."""
        assert isinstance(reporter(False, 3), Silent)

    def test_rich_when_installed(self, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
        """With rich installed, progress=True draws its bars on standard error."""
        made = reporter(True, 1)
        assert isinstance(made, Rich)
        made.close()
        run_seeds(Customers, engine, progress=True)
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "seeds: Customers" in captured.err

    def test_plain_without_rich(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without rich, progress is plain lines on standard error."""
        monkeypatch.setitem(sys.modules, "rich", None)
        assert isinstance(reporter(True, 1), Plain)
        run_seeds([Customers, Catalog], engine, progress=True, chunk_size=20)
        assert capsys.readouterr().err.splitlines() == [
            "[1/2] Customers ...",
            "    CustomerFactory: 20/30 rows",
            "    CustomerFactory: 30/30 rows",
            "[1/2] Customers: ran",
            "[2/2] Catalog ...",
            "[2/2] Catalog: ran",
        ]


class TestTableNames:
    @pytest.mark.parametrize(
        ("statement", "table"),
        [
            ("INSERT INTO customer (name) VALUES (?)", "customer"),
            ('INSERT INTO "order" (id) VALUES ($1)', "order"),
            ('insert into shop."order" (id) select 1', "order"),
            ("INSERT OR IGNORE INTO tag (name) VALUES (?)", "tag"),
            ("  INSERT INTO `user` (id) VALUES (%s)", "user"),
            ("UPDATE customer SET name = ?", None),
            ("SELECT 1", None),
        ],
    )
    def test_inserted_table(self, statement: str, table: str | None) -> None:
        """The table of an INSERT as SQLAlchemy and the bulk path write it; None otherwise."""
        assert _table(statement) == table

    def test_a_result_by_hand(self) -> None:
        """SeedResult sorts its tables and totals them."""
        result = SeedResult("S", "ran", {"b": 2, "a": 1})
        assert list(result.rows) == ["a", "b"]
        assert result.total == 3


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt, which pytest would take for the user's."""


class TestCountsAndInterrupts:
    def test_rows_from_an_insert_select_returning(self, engine: Engine) -> None:
        """An INSERT ... SELECT ... RETURNING, whose count SQLite's driver knows only
        once its rows are fetched, is counted."""
        from sqlalchemy import text

        class Selected(Seed):
            def run(self, ctx: SeedContext) -> None:
                ids = ctx.session.execute(
                    text(
                        "INSERT INTO tag (name) SELECT 'tag ' || n FROM "
                        "(SELECT 1 AS n UNION ALL SELECT 2) AS two RETURNING id"
                    )
                ).all()
                assert len(ids) == 2

        assert run_seeds(Selected, engine)["Selected"].rows == {"tag": 2}

    def test_a_driver_without_rowcount(self) -> None:
        """A driver that reports no row count: one row per parameter set."""
        from types import SimpleNamespace

        from pyfactory.seeding._runner import _listening, _RowCounter

        counter = _RowCounter()
        connection = object()
        cursor = SimpleNamespace(rowcount=-1)
        with _listening(counter):
            counter.executed(
                connection, cursor, "INSERT INTO t (a) VALUES (?)", [(1,), (2,)], None, True
            )
            counter.executed(connection, cursor, "INSERT INTO t (a) VALUES (?)", (3,), None, False)
            counter.commit(connection)
        counter.executed(connection, cursor, "INSERT INTO t (a) VALUES (?)", (4,), None, False)
        assert counter.take() == {"t": 3}

    @pytest.mark.parametrize(
        ("statement", "parameters", "rows"),
        [
            ("INSERT INTO t (a, b) VALUES (?, ?), (?, ?) RETURNING id", (1, 2, 3, 4), 2),
            ("INSERT INTO t (a) VALUES (?) RETURNING id", [(1,), (2,), (3,)], 3),
            ("INSERT INTO t (a) SELECT 1 RETURNING id", (), None),
            ("INSERT INTO t (a) VALUES (%(a)s) RETURNING id", {"a": 1}, None),
            ("INSERT INTO t (a) VALUES (1) RETURNING id", (), None),
        ],
    )
    def test_rows_given(self, statement: str, parameters: Any, rows: int | None) -> None:
        """Rows counted from the placeholders they fill; None when that says nothing."""
        from pyfactory.seeding._runner import _rows_given

        assert _rows_given(statement, parameters) == rows

    def test_an_interrupt_rolls_back(self, engine: Engine) -> None:
        """An interrupt is not a failure: it rolls the seed back and goes through."""

        class Stopped(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.fill(CustomerFactory, 5)
                raise Interrupted

        with pytest.raises(Interrupted):
            run_seeds([Stopped], engine)
        with Session(engine) as session:
            assert session.scalar(count(Customer)) == 0

    async def test_an_async_interrupt_rolls_back(self, async_engine: AsyncEngine) -> None:
        """Likewise for arun_seeds."""

        class AsyncStopped(Seed):
            async def run(self, ctx: SeedContext) -> None:
                await ctx.afill(AsyncCustomerFactory, 5)
                raise Interrupted

        with pytest.raises(Interrupted):
            await arun_seeds([AsyncStopped], async_engine)
        async with AsyncSession(async_engine) as session:
            assert await session.scalar(count(Customer)) == 0

    def test_two_fills_under_rich(self, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
        """Each fill gets a bar of its own under rich."""

        class Twice(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.fill(CustomerFactory, 3)
                ctx.fill(CustomerFactory, "basic", 2)

        assert run_seeds(Twice, engine, progress=True)["Twice"].rows == {"customer": 5}
        assert "seeds: Twice" in capsys.readouterr().err


# ------------------------------------------------------------------ rows that a seed commits itself


class CommittingCustomerFactory(CustomerFactory):
    """Commits the session after each call, as real apps' CRUD helpers do."""

    _model_builder = SQLAlchemyBuilder(persistence="commit")


class AsyncCommittingCustomerFactory(CustomerFactory):
    _model_builder = AsyncSQLAlchemyBuilder(persistence="commit")


class CommitsPartWay(Seed):
    """Commits through a factory, through the session, and in bulk; then flushes a
    product that only the runner's commit would keep."""

    fail: ClassVar[bool] = False

    def run(self, ctx: SeedContext) -> None:
        ctx.factory(CommittingCustomerFactory).create_batch(3)
        ctx.session.add(Tag(name="own"))
        ctx.session.commit()
        ctx.fill(CommittingCustomerFactory, 4)
        ctx.factory(ProductFactory).create()
        if self.fail:
            raise ValueError("late")


class AsyncCommitsPartWay(Seed):
    fail: ClassVar[bool] = False

    async def run(self, ctx: SeedContext) -> None:
        await ctx.factory(AsyncCommittingCustomerFactory).acreate_batch(3)
        ctx.session.add(Tag(name="own"))
        await ctx.session.commit()
        await ctx.afill(AsyncCommittingCustomerFactory, 4)
        ctx.session.add(Product(name="Lamp", price=1))
        await ctx.session.flush()
        if self.fail:
            raise ValueError("late")


COMMITTED = {"customer": 7, "tag": 1}
STAYED = (
    "(8 rows (customer 7, tag 1) it had committed stay; what it wrote after its last "
    "commit was rolled back; no seed ran before it)"
)


class TestRowsCommittedPartWay:
    def test_every_commit_of_a_seed_is_counted(self, engine: Engine) -> None:
        """A seed that commits part way (a persistence="commit" factory, its own
        session.commit(), fill() through a committing factory) is counted whole."""
        summary = run_seeds(CommitsPartWay, engine)
        assert summary["CommitsPartWay"].rows == {**COMMITTED, "product": 1}
        with Session(engine) as session:
            assert counts(session) == {"customer": 7, "product": 1, "tag": 1, "order": 0}

    def test_a_failing_seed_says_how_many_committed_rows_stay(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When it then fails, the rows it had committed stay and are said to, per
        table, never called rolled back; what it wrote after is rolled back."""
        monkeypatch.setattr(CommitsPartWay, "fail", True)
        with pytest.raises(SeedFailedError) as caught:
            run_seeds(CommitsPartWay, engine)
        assert str(caught.value) == f"seed CommitsPartWay failed: ValueError: late {STAYED}"
        assert caught.value.summary["CommitsPartWay"].rows == COMMITTED
        assert caught.value.summary.lines()[1].endswith("customer 7, tag 1")
        with Session(engine) as session:
            assert counts(session) == {"customer": 7, "product": 0, "tag": 1, "order": 0}

    async def test_async_commits_are_counted(self, async_engine: AsyncEngine) -> None:
        """Likewise on an AsyncSession: every commit is counted."""
        summary = await arun_seeds(AsyncCommitsPartWay, async_engine)
        assert summary["AsyncCommitsPartWay"].rows == {**COMMITTED, "product": 1}

    async def test_a_failing_async_seed_says_how_many_committed_rows_stay(
        self, async_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Likewise on an AsyncSession: what stays after a failure."""
        monkeypatch.setattr(AsyncCommitsPartWay, "fail", True)
        with pytest.raises(SeedFailedError) as caught:
            await arun_seeds(AsyncCommitsPartWay, async_engine)
        assert str(caught.value) == f"seed AsyncCommitsPartWay failed: ValueError: late {STAYED}"
        async with AsyncSession(async_engine) as session:
            assert await session.scalar(count(Customer)) == 7
            assert await session.scalar(count(Product)) == 0

    def test_rows_on_other_connections_are_counted(self, engine: Engine) -> None:
        """Rows that a seed writes through a connection of its own are counted when that
        connection commits, and not when it rolls back."""

        class Aside(Seed):
            def run(self, ctx: SeedContext) -> None:
                with engine.begin() as other:
                    other.execute(insert(Tag).values(name="aside"))
                with engine.connect() as undone:
                    undone.execute(insert(Tag).values(name="undone"))
                    undone.rollback()
                ctx.session.add(Tag(name="mine"))

        assert run_seeds(Aside, engine)["Aside"].rows == {"tag": 2}

    def test_an_autocommit_connection_counts_at_once(self, engine: Engine) -> None:
        """On an AUTOCOMMIT connection each INSERT stays at once: a failing seed says so."""

        class Autocommit(Seed):
            def run(self, ctx: SeedContext) -> None:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(insert(Tag).values(name="at once"))
                raise RuntimeError("then it failed")

        with pytest.raises(SeedFailedError) as caught:
            run_seeds(Autocommit, engine)
        assert caught.value.summary["Autocommit"].rows == {"tag": 1}
        assert "(1 row (tag 1) it had committed stay;" in str(caught.value)

    def test_savepoints_rolled_back_are_not_counted(self, engine: Engine) -> None:
        """Rows undone by a rollback to a savepoint are not counted; a released
        savepoint's rows are, once the transaction commits."""

        class Nested(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.session.add(Tag(name="before"))
                ctx.session.flush()
                try:
                    with ctx.session.begin_nested():
                        ctx.session.add(Tag(name="undone"))
                        ctx.session.flush()
                        raise LookupError
                except LookupError:
                    pass
                with ctx.session.begin_nested():
                    ctx.session.add(Tag(name="kept"))
                    ctx.session.flush()

        assert run_seeds(Nested, engine)["Nested"].rows == {"tag": 2}
        with Session(engine) as session:
            assert sorted(session.scalars(select(Tag.name))) == ["before", "kept"]

    @pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
    def test_a_commit_that_fails_is_not_counted(self, engine: Engine) -> None:
        """A COMMIT that the server refuses (a deferred constraint) keeps nothing: those
        rows are not counted, the ones committed before are."""
        from sqlalchemy import text

        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE late (id int PRIMARY KEY, customer_id int REFERENCES "
                    "customer (id) DEFERRABLE INITIALLY DEFERRED)"
                )
            )

        class Deferred(Seed):
            def run(self, ctx: SeedContext) -> None:
                ctx.factory(CommittingCustomerFactory).create()
                ctx.session.execute(text("INSERT INTO late VALUES (1, 999)"))
                ctx.session.commit()

        with pytest.raises(SeedFailedError) as caught:
            run_seeds(Deferred, engine)
        assert caught.value.summary["Deferred"].rows == {"customer": 1}

    def test_runs_in_two_threads_count_their_own_rows(self, engine: Engine, tmp_path: Path) -> None:
        """Two runs at once in two threads: each counts the rows of its own seeds only."""
        import threading

        from sqlalchemy import create_engine

        from tests.seeding.shop import Base

        other = create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
        Base.metadata.create_all(other)
        started = threading.Barrier(2)

        class Waits(Seed):
            def run(self, ctx: SeedContext) -> None:
                started.wait(timeout=30)
                ctx.fill(CustomerFactory, 50)
                started.wait(timeout=30)

        results: dict[str, Any] = {}

        def run(name: str, bind: Engine) -> None:
            results[name] = run_seeds(Waits, bind)["Waits"].rows

        threads = [
            threading.Thread(target=run, args=(name, bind))
            for name, bind in (("one", engine), ("two", other))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        other.dispose()
        assert results == {"one": {"customer": 50}, "two": {"customer": 50}}
