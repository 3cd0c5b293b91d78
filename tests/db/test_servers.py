"""The database fixtures give real, isolated databases: a SQLite file and PostgreSQL,
sync and async, each test starting empty and nothing left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    make_url,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine

ROWS = [{"id": n, "name": f"user {n}"} for n in range(1, 101)]
DRIVERS = {
    "sqlite": ("pysqlite", "aiosqlite"),
    "postgresql": ("psycopg", "asyncpg"),
}

# Later tests check the databases that earlier ones used, so under pytest-xdist the
# module runs on one worker, in order.
pytestmark = pytest.mark.xdist_group("test_servers")

# Databases that earlier tests of this module used, checked by later ones.
used_postgres_databases: list[str] = []
seen_urls: set[str] = set()


@pytest.fixture(scope="module")
def leaked() -> Iterator[list[Any]]:
    """Connections a test leaves open on purpose, closed when the module is done."""
    connections: list[Any] = []
    yield connections
    for conn in connections:
        conn.close()  # the server ended them already, when their database was dropped


def users_table() -> tuple[MetaData, Table]:
    metadata = MetaData()
    table = Table(
        "users",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False),
    )
    return metadata, table


def test_sync_roundtrip(make_engine: Callable[..., Engine], db_url: str) -> None:
    """A table made with Core, rows written with one executemany and read back."""
    engine = make_engine(db_url)
    assert engine.dialect.driver == DRIVERS[engine.dialect.name][0]
    metadata, users = users_table()
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(insert(users), ROWS)
    with engine.connect() as conn:
        got = conn.execute(select(users).order_by(users.c.id)).mappings().all()
    assert [dict(row) for row in got] == ROWS


async def test_async_roundtrip(
    make_async_engine: Callable[..., AsyncEngine], async_db_url: str
) -> None:
    """The same through the async drivers, in the test's event loop."""
    engine = make_async_engine(async_db_url)
    assert engine.dialect.driver == DRIVERS[engine.dialect.name][1]
    metadata, users = users_table()
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(users), ROWS)
    async with engine.connect() as conn:
        got = (await conn.execute(select(users).order_by(users.c.id))).mappings().all()
    assert [dict(row) for row in got] == ROWS


async def test_sync_and_async_urls_name_one_database(
    db_url: str,
    async_db_url: str,
    make_engine: Callable[..., Engine],
    make_async_engine: Callable[..., AsyncEngine],
) -> None:
    """Tables made through the sync URL are there through the async one: one run per
    backend, not one per pair."""
    assert make_url(db_url).get_backend_name() == make_url(async_db_url).get_backend_name()
    metadata, users = users_table()
    with make_engine(db_url).begin() as conn:
        metadata.create_all(conn)
        conn.execute(insert(users), ROWS[:3])
    async with make_async_engine(async_db_url).connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(users))).scalar() == 3


@pytest.mark.parametrize("run", [1, 2, 3])
def test_each_test_starts_empty(run: int, db_url: str, make_engine: Callable[..., Engine]) -> None:
    """Every test gets its own empty database: the same table made and filled by each
    of these runs never collides with an earlier run's."""
    assert db_url not in seen_urls
    seen_urls.add(db_url)
    engine = make_engine(db_url)
    assert inspect(engine).get_table_names() == []
    metadata, users = users_table()
    with engine.begin() as conn:
        metadata.create_all(conn, checkfirst=False)
        conn.execute(insert(users), [{"id": run, "name": f"run {run}"}])
        assert conn.execute(select(users.c.id)).scalars().all() == [run]
    if engine.dialect.name == "postgresql":
        used_postgres_databases.append(engine.url.database or "")


async def test_each_async_test_starts_empty(
    make_async_engine: Callable[..., AsyncEngine], async_db_url: str
) -> None:
    engine = make_async_engine(async_db_url)
    async with engine.connect() as conn:
        assert await conn.run_sync(lambda sync: inspect(sync).get_table_names()) == []


class TestPostgres:
    """PostgreSQL is really PostgreSQL, with the features the builders rely on."""

    def test_version(self, postgres_database_url: str, make_engine: Callable[..., Engine]) -> None:
        engine = make_engine(make_url(postgres_database_url).set(drivername="postgresql+psycopg"))
        with engine.connect() as conn:
            assert "PostgreSQL" in conn.execute(text("SELECT version()")).scalar_one()
            assert conn.execute(text("SELECT current_database()")).scalar_one() == (
                make_url(postgres_database_url).database
            )
        used_postgres_databases.append(engine.url.database or "")

    def test_insert_returning_sync(
        self, make_engine: Callable[..., Engine], postgres_database_url: str
    ) -> None:
        """One executemany INSERT ... RETURNING gives back every row's key, in order."""
        engine = make_engine(make_url(postgres_database_url).set(drivername="postgresql+psycopg"))
        assert engine.dialect.insert_returning
        assert engine.dialect.use_insertmanyvalues
        metadata = MetaData()
        posts = Table(
            "posts",
            metadata,
            Column("id", Integer, primary_key=True),  # SERIAL: the server makes the keys
            Column("title", String(50), nullable=False),
        )
        titles = [f"post {n}" for n in range(250)]
        with engine.begin() as conn:
            metadata.create_all(conn)
            returned = conn.execute(
                insert(posts).returning(posts.c.id, posts.c.title, sort_by_parameter_order=True),
                [{"title": title} for title in titles],
            ).all()
        assert [row.title for row in returned] == titles
        assert [row.id for row in returned] == list(range(1, 251))

    async def test_insert_returning_async(
        self, make_async_engine: Callable[..., AsyncEngine], postgres_database_url: str
    ) -> None:
        engine = make_async_engine(
            make_url(postgres_database_url).set(drivername="postgresql+asyncpg")
        )
        metadata = MetaData()
        posts = Table(
            "posts",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("title", String(50), nullable=False),
        )
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            result = await conn.execute(
                insert(posts).returning(posts.c.id, sort_by_parameter_order=True),
                [{"title": "a"}, {"title": "b"}, {"title": "c"}],
            )
            assert result.scalars().all() == [1, 2, 3]

    def test_leaked_connection_does_not_stop_the_drop(
        self, postgres_database_url: str, leaked: list[Any]
    ) -> None:
        """A test that leaves a connection open, inside a transaction holding a lock,
        still gets its database dropped (the next test checks)."""
        import psycopg

        conn = psycopg.connect(postgres_database_url)
        conn.execute("CREATE TABLE held (id int)")
        conn.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
        leaked.append(conn)
        used_postgres_databases.append(conn.info.dbname)

    def test_databases_are_dropped_after_their_test(self, postgres_admin: Any) -> None:
        if not used_postgres_databases:
            pytest.skip("checks the databases of the earlier tests in this module")
        still_there = postgres_admin.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s)",
            [used_postgres_databases],
        ).fetchall()
        assert still_there == []
