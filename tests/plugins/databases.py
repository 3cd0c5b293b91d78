"""Real databases for the tests: a SQLite file, and a PostgreSQL server.

A pytest plugin, registered once for the whole suite by ``pytest_plugins`` in the
checkout's root ``conftest.py``: every test module and conftest sees these fixtures without
importing them.

URL fixtures (strings, ready for ``create_engine`` / ``create_async_engine``):

* ``sqlite_url`` / ``sqlite_async_url``: one SQLite file in the test's ``tmp_path``
  (the same file for both, so a test can make its tables sync and use them async).
* ``postgres_url`` (session): the server from ``PYFACTORY_TEST_POSTGRES_URL``, as given.
* ``postgres_database_url``: a fresh, empty database on that server, libpq URL
  (``postgresql://...``), dropped after the test.
* ``db_url`` / ``async_db_url``: parametrized over ``sqlite`` and ``postgres``, sync
  (``sqlite``, ``postgresql+psycopg``) and async (``sqlite+aiosqlite``,
  ``postgresql+asyncpg``) URLs. A test that asks for both gets two runs, not four, and
  both URLs name the same database.

Engine helpers: ``make_engine(url, **kw)`` and ``make_async_engine(url, **kw)`` create
engines and dispose of them after the test, before its database is dropped.

Engines and sessions with tables, on ``db_url`` / ``async_db_url`` (so on each backend):
``engine``, ``session``, ``async_engine`` and ``async_session``; on the SQLite file only:
``sqlite_engine`` and ``sqlite_session``. They create the tables of ``db_metadata``
(``db_tables`` of them; on PostgreSQL ``engine`` and ``async_engine`` get a copy of a
database that already holds them, see :class:`_Templates`): the shared models of
``tests/models/sqlalchemy.py`` unless a module (or conftest) with tables of its own
overrides one of those fixtures::

    @pytest.fixture
    def db_metadata() -> MetaData:  # a declarative base of the module's own
        return Base.metadata

    @pytest.fixture
    def db_tables() -> list[Table]:  # the module's tables on the shared Base
        return [Category.__table__]

Without ``PYFACTORY_TEST_POSTGRES_URL`` the PostgreSQL cases skip, saying how to enable
them, except under CI (``CI`` set), where they fail: CI never skips a backend. The
terminal summary then counts them in one line (:func:`pytest_terminal_summary`) rather
than listing each.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, Engine, MetaData, Table, create_engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session

POSTGRES_ENV = "PYFACTORY_TEST_POSTGRES_URL"
POSTGRES_HOW = (
    "PostgreSQL tests need PYFACTORY_TEST_POSTGRES_URL=postgresql://user@host:port/db; "
    "`bash .ci/run` starts a throwaway server and sets it"
)
BACKENDS = ["sqlite", "postgres"]
# The database fixtures a test may use; make_engine sets them up first (see there).
DATABASE_FIXTURES = ("db_url", "async_db_url", "postgres_database_url")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _with_driver(url: str | URL, drivername: str) -> str:
    """``url`` with another SQLAlchemy driver (``postgresql+asyncpg``, ...), as a string."""
    return make_url(url).set(drivername=drivername).render_as_string(hide_password=False)


# --- SQLite -------------------------------------------------------------------------


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """The test's SQLite database file (created on first connection)."""
    return tmp_path / "test.sqlite3"


@pytest.fixture
def sqlite_url(sqlite_path: Path) -> str:
    return f"sqlite:///{sqlite_path}"


@pytest.fixture
def sqlite_async_url(sqlite_path: Path) -> str:
    return f"sqlite+aiosqlite:///{sqlite_path}"


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL server to test against, from ``PYFACTORY_TEST_POSTGRES_URL``.

    Its user must be allowed to create databases: every test gets its own.
    """
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    if _in_ci():
        pytest.fail(
            f"{POSTGRES_ENV} is not set, and CI must never skip the PostgreSQL tests. "
            "Run the suite through `bash .ci/run`, which starts a server and sets it.",
            pytrace=False,
        )
    pytest.skip(POSTGRES_HOW)


@pytest.fixture(scope="session")
def postgres_admin(postgres_url: str) -> Iterator[Any]:
    """One autocommit connection to the server's own database, to create and drop the
    per-test databases (CREATE DATABASE cannot run inside a transaction)."""
    import psycopg

    try:
        conn = psycopg.connect(_with_driver(postgres_url, "postgresql"), autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(f"cannot connect to {POSTGRES_ENV}={postgres_url}: {error}", pytrace=False)
    with conn:
        yield conn


def _create_database(admin: Any, name: str, template: str) -> None:
    from psycopg import sql

    strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
    admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE {} ENCODING 'UTF8' LOCALE 'C'" + strategy).format(
            sql.Identifier(name), sql.Identifier(template)
        )
    )


def _drop_database(admin: Any, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _template_key(
    metadata: MetaData, tables: Sequence[Table] | None
) -> tuple[tuple[int, ...], list[Table]]:
    """The key of a template for ``create_all(tables=tables)`` on ``metadata``, and those
    tables. A table added to the metadata later (with ``tables`` ``None``) makes another
    key, so another template; the templates keep the key's objects alive, so that their
    ids are never another metadata's."""
    chosen = list(metadata.sorted_tables if tables is None else tables)
    return (id(metadata), *(id(table) for table in chosen)), chosen


class _Templates:
    """Databases holding the tables of one ``(db_metadata, db_tables)``, made once per
    process: the test databases of ``engine`` and ``async_engine`` are copies of one.

    ``CREATE DATABASE ... TEMPLATE`` copies a database with its tables for about what an
    empty one costs, where making the tables in each test's database (``create_all``:
    a round trip and catalog writes per table, type and index) cost as much again. The
    copy is the database ``create_all`` would have made: the same tables, types and
    sequences, no rows. A template is never connected to after its tables are made
    (PostgreSQL copies only a database nobody is connected to), and is dropped with
    the session.
    """

    def __init__(self, admin: Any, url: str) -> None:
        self.admin = admin
        self.url = url
        #: (metadata, tables) → the template's name (see :func:`_template_key`).
        self.made: dict[tuple[int, ...], tuple[str, MetaData, list[Table]]] = {}

    def name_for(self, metadata: MetaData, tables: Sequence[Table] | None) -> str:
        key, chosen = _template_key(metadata, tables)
        found = self.made.get(key)
        if found is None:
            name = f"test_template_{secrets.token_hex(6)}"
            _create_database(self.admin, name, "template0")
            from sqlalchemy.pool import NullPool

            url = make_url(_with_driver(self.url, "postgresql+psycopg")).set(database=name)
            engine = create_engine(url, poolclass=NullPool)  # no connection stays open
            try:
                metadata.create_all(engine, tables=chosen)
            finally:
                engine.dispose()
            found = self.made[key] = (name, metadata, chosen)
        return found[0]

    def drop_all(self) -> None:
        for name, _, _ in self.made.values():
            _drop_database(self.admin, name)


@pytest.fixture(scope="session")
def _postgres_templates(postgres_admin: Any, postgres_url: str) -> Iterator[_Templates]:
    templates = _Templates(postgres_admin, postgres_url)
    yield templates
    templates.drop_all()


class _SqliteTemplates:
    """SQLite files holding the tables of one ``(db_metadata, db_tables)``, made once per
    process in its temporary directory: the test's file is a copy of one.

    On SQLite each ``CREATE TABLE`` of ``create_all`` commits on its own (Python's sqlite3
    opens no transaction for DDL), a sync of the file each: for the 22 shared tables a
    fifth to half a second per test on a loaded machine, where copying the file takes a
    few milliseconds. The copy is byte for byte the file ``create_all`` made.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        #: (metadata, tables) → the template file (see :func:`_template_key`).
        self.made: dict[tuple[int, ...], tuple[Path, MetaData, list[Table]]] = {}

    def copy_to(self, path: Path, metadata: MetaData, tables: Sequence[Table] | None) -> bool:
        """Copy the file with the tables to ``path`` unless ``path`` exists already (an
        earlier fixture of the test made it, with tables of its own): whether it did."""
        if path.exists():
            return False
        key, chosen = _template_key(metadata, tables)
        found = self.made.get(key)
        if found is None:
            template = self.directory / f"template_{len(self.made)}.sqlite3"
            engine = create_engine(f"sqlite:///{template}")
            try:
                metadata.create_all(engine, tables=chosen)
            finally:
                engine.dispose()
            found = self.made[key] = (template, metadata, chosen)
        shutil.copyfile(found[0], path)
        return True


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> _SqliteTemplates:
    return _SqliteTemplates(tmp_path_factory.mktemp("sqlite_templates"))


#: The databases of this test that were copied with the tables of ``db_tables``.
_WITH_TABLES = pytest.StashKey[set[str]]()


@pytest.fixture
def _tables_in_the_database() -> None:
    """Requested by ``engine`` and ``async_engine`` (never by a module's own engine
    fixture): a test that has it in its fixtures gets its PostgreSQL database copied
    with the tables those fixtures would make (see :class:`_Templates`)."""


def _tables_made(
    request: pytest.FixtureRequest,
    url: str,
    metadata: MetaData,
    tables: Sequence[Table] | None,
) -> bool:
    """Whether the database of ``url`` holds the tables already: a PostgreSQL database
    copied from a template, or a SQLite file copied from one now, before any connection
    to it (:class:`_SqliteTemplates`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and Path(parsed.database or "").is_absolute():
        templates: _SqliteTemplates = request.getfixturevalue("_sqlite_templates")
        return templates.copy_to(Path(parsed.database), metadata, tables)
    return parsed.database in request.node.stash.get(_WITH_TABLES, set())


@pytest.fixture
def postgres_database_url(
    request: pytest.FixtureRequest, postgres_admin: Any, postgres_url: str
) -> Iterator[str]:
    """A new, empty database for this test only (libpq URL), dropped afterwards; for the
    PostgreSQL run of ``engine`` and ``async_engine``, a copy of a template holding their
    tables (:class:`_Templates`), which they then do not make again.

    Why a database per test rather than a schema per test: it isolates everything
    (schemas, enum types, sequences, extensions, search_path), it is an ordinary URL
    that any driver, SQLAlchemy or Django accepts unchanged, and ``DROP DATABASE ...
    WITH (FORCE)`` still cleans up when a failed test leaked a connection or left a
    transaction open, where dropping a schema would wait on its locks. Copying the tiny
    ``template0`` (with FILE_COPY on PostgreSQL 15+, and fsync off on the throwaway CI
    server) costs about 15 ms per test, create and drop, so hundreds of tests pay
    seconds. ``template0`` also guarantees an empty database whatever was added to
    ``template1``; C collation keeps string order the same on every machine.
    Needs PostgreSQL 13+ (``WITH (FORCE)``).
    """
    name = f"test_{secrets.token_hex(6)}"
    template = "template0"
    names = request.fixturenames
    if "_tables_in_the_database" in names and request.getfixturevalue("db_backend") == "postgres":
        templates: _Templates = request.getfixturevalue("_postgres_templates")
        template = templates.name_for(
            request.getfixturevalue("db_metadata"), request.getfixturevalue("db_tables")
        )
        request.node.stash.setdefault(_WITH_TABLES, set()).add(name)
    _create_database(postgres_admin, name, template)
    try:
        yield (
            make_url(_with_driver(postgres_url, "postgresql"))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        _drop_database(postgres_admin, name)


# --- Both backends --------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: the backend of this run of the test."""
    return str(request.param)


def _database_url(request: pytest.FixtureRequest, backend: str) -> str:
    # Looked up lazily so that the SQLite runs never need a PostgreSQL server.
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_database_url"))


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_backend: str) -> str:
    """A sync SQLAlchemy URL for a fresh, empty database, on each backend in turn."""
    url = _database_url(request, db_backend)
    return url if db_backend == "sqlite" else _with_driver(url, "postgresql+psycopg")


@pytest.fixture
def async_db_url(request: pytest.FixtureRequest, db_backend: str) -> str:
    """An async SQLAlchemy URL for a fresh, empty database, on each backend in turn."""
    url = _database_url(request, db_backend)
    return _with_driver(url, "sqlite+aiosqlite" if db_backend == "sqlite" else "postgresql+asyncpg")


# --- Engines ----------------------------------------------------------------------------


def _set_up_databases_first(request: pytest.FixtureRequest) -> None:
    """Make the test's database fixtures before the engine helper.

    pytest tears fixtures down in the reverse order it set them up, so this way the
    engines are disposed of before their database is dropped, whatever order the
    test lists its arguments in.
    """
    for name in DATABASE_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name)


@pytest.fixture
def make_engine(request: pytest.FixtureRequest) -> Iterator[Callable[..., Engine]]:
    """``make_engine(url, **kwargs)``: ``create_engine``, disposed of after the test."""
    _set_up_databases_first(request)
    engines: list[Engine] = []

    def make(url: str | URL, **kwargs: Any) -> Engine:
        engine = create_engine(url, **kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in reversed(engines):
        engine.dispose()


@pytest.fixture
async def make_async_engine(
    request: pytest.FixtureRequest,
) -> AsyncIterator[Callable[..., AsyncEngine]]:
    """``make_async_engine(url, **kwargs)``: ``create_async_engine``, disposed of (awaited,
    in the test's event loop) after the test."""
    _set_up_databases_first(request)
    engines: list[AsyncEngine] = []

    def make(url: str | URL, **kwargs: Any) -> AsyncEngine:
        engine = create_async_engine(url, **kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in reversed(engines):
        await engine.dispose()


# --- Engines and sessions with tables -----------------------------------------------------


@pytest.fixture
def db_metadata() -> MetaData:
    """The metadata whose tables ``engine`` and ``async_engine`` create: the suite's
    shared ``Base``. A module with a declarative base of its own overrides this
    fixture."""
    from tests.models.sqlalchemy import Base

    return Base.metadata


@pytest.fixture
def db_tables(db_metadata: MetaData) -> Sequence[Table] | None:
    """Which tables of ``db_metadata`` to create: ``None`` for all of them.

    On the shared ``Base``, where modules add tables of their own, the shared ones
    (``tests.models.sqlalchemy.TABLES``): a module with tables of its own on that
    ``Base`` names them by overriding this fixture.
    """
    from tests.models import sqlalchemy as shared

    return shared.TABLES if db_metadata is shared.Base.metadata else None


@pytest.fixture
def engine(
    request: pytest.FixtureRequest,
    db_url: str,
    make_engine: Callable[..., Engine],
    db_metadata: MetaData,
    db_tables: Sequence[Table] | None,
    _tables_in_the_database: None,
) -> Engine:
    """An engine on the test's database (each backend in turn), with the tables."""
    engine = make_engine(db_url)
    if not _tables_made(request, db_url, db_metadata, db_tables):
        db_metadata.create_all(engine, tables=db_tables)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A Session on ``engine``."""
    with Session(engine) as session:
        yield session


@pytest.fixture
async def async_engine(
    request: pytest.FixtureRequest,
    async_db_url: str,
    make_async_engine: Callable[..., AsyncEngine],
    db_metadata: MetaData,
    db_tables: Sequence[Table] | None,
    _tables_in_the_database: None,
) -> AsyncEngine:
    """An async engine on the test's database (each backend in turn), with the tables."""
    engine = make_async_engine(async_db_url)
    if not _tables_made(request, async_db_url, db_metadata, db_tables):
        async with engine.begin() as conn:
            await conn.run_sync(db_metadata.create_all, tables=db_tables)
    return engine


@pytest.fixture
async def async_session(async_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """An AsyncSession on ``async_engine``."""
    async with AsyncSession(async_engine) as session:
        yield session


@pytest.fixture
def sqlite_engine(
    request: pytest.FixtureRequest,
    sqlite_url: str,
    make_engine: Callable[..., Engine],
    db_metadata: MetaData,
    db_tables: Sequence[Table] | None,
) -> Engine:
    """An engine on the test's SQLite file only, with the tables: for tests of
    pyfactory's own logic, which one backend shows."""
    engine = make_engine(sqlite_url)
    if not _tables_made(request, sqlite_url, db_metadata, db_tables):
        db_metadata.create_all(engine, tables=db_tables)
    return engine


@pytest.fixture
def sqlite_session(sqlite_engine: Engine) -> Iterator[Session]:
    """A Session on ``sqlite_engine``."""
    with Session(sqlite_engine) as session:
        yield session


# --- One line for the PostgreSQL tests that skipped -------------------------------------


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Count the PostgreSQL tests that skipped (no ``PYFACTORY_TEST_POSTGRES_URL``) in
    one line, and each other reason for a skip in one line with its count.

    The ini's ``-r`` leaves skips out of pytest's own short summary (``-rfExX``), which
    would list the PostgreSQL runs one by one: hundreds of lines that say the same.
    Under pytest-xdist this runs in the controller, which has every worker's reports.
    """
    skipped = terminalreporter.stats.get("skipped", [])
    by_reason: dict[str, int] = {}
    for report in skipped:
        reason = _skip_reason(report)
        by_reason[reason] = by_reason.get(reason, 0) + 1
    postgres = sum(n for reason, n in by_reason.items() if POSTGRES_ENV in reason)
    if postgres:
        terminalreporter.write_line(
            f"{postgres} PostgreSQL tests skipped: set "
            f"{POSTGRES_ENV}=postgresql://user@host:port/db to run them "
            "(`bash .ci/run` starts a throwaway server and sets it)",
            yellow=True,
        )
    for reason, count in sorted(by_reason.items()):
        if POSTGRES_ENV not in reason:
            terminalreporter.write_line(f"{count} skipped: {reason}", yellow=True)
