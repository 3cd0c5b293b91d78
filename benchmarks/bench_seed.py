"""Seed a 10-column table with pyfactory's seeding runner, against a raw chunked
executemany of the same rows.

Run from the repository root::

    python benchmarks/bench_seed.py                  # full run: 1,000,000 rows, minutes
    python benchmarks/bench_seed.py --quick          # smoke run for CI: 5,000 rows, seconds
    python benchmarks/bench_seed.py --postgres postgresql://user@host:port/db
    python benchmarks/bench_seed.py --rows 200000    # another size

Both contenders write the same rows (``member{n}@example.com``, the same constants) to
a freshly created, empty ``bench_seed_member`` table in one transaction, on a SQLite
file and, when a server is given (``--postgres`` or ``PYFACTORY_TEST_POSTGRES_URL``), on
PostgreSQL:

* raw: the driver's ``executemany`` of an ``INSERT`` with placeholders, 10,000 rows of
  tuples at a time (``Connection.exec_driver_sql``), then a commit;
* pyfactory: ``run_seeds([MembersSeed], engine)``, whose seed calls
  ``ctx.fill(MemberFactory, rows)``: ``create_batch`` in chunks of 10,000 rows, with
  the row counts, the transaction and the summary of the runner.

What each wrote is checked (row count, first and last rows) before the times are
printed. Memory: the traced peak (tracemalloc) of the pyfactory seed at two sizes, to
show that it does not grow with the rows, and the process's peak resident size.
"""

from __future__ import annotations

import datetime
import gc
import os
import resource
import secrets
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

from _harness import Column, Table, argument_parser, header, pyfactory_version, total_time
from sqlalchemy import Engine, String, Text, create_engine, func, make_url, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import Factory, schema, sequence
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.seeding import Seed, SeedContext, run_seeds

POSTGRES_ENV = "PYFACTORY_TEST_POSTGRES_URL"
CHUNK = 10_000


class Base(DeclarativeBase):
    pass


class Member(Base):
    """Ten columns: the key and nine data columns of mixed types."""

    __tablename__ = "bench_seed_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    age: Mapped[int]
    score: Mapped[float]
    active: Mapped[bool]
    joined: Mapped[datetime.date]
    last_seen: Mapped[datetime.datetime]
    city: Mapped[str] = mapped_column(String(80))
    bio: Mapped[str] = mapped_column(Text)


#: The constant columns of every member; ``email`` is ``member{n}@example.com``.
MEMBER: dict[str, Any] = {
    "name": "Ann Smith",
    "age": 42,
    "score": 3.5,
    "active": True,
    "joined": datetime.date(2024, 1, 2),
    "last_seen": datetime.datetime(2024, 1, 2, 3, 4, 5),
    "city": "Lyon",
    "bio": "Writes test data for a living, and benchmarks it on weekends.",
}
COLUMNS = ["email", *MEMBER]


class MemberFactory(Factory[Member]):
    _model = Member
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"email": sequence("member{n}@example.com"), **MEMBER}


class MembersSeed(Seed):
    rows: ClassVar[int] = 0

    def run(self, ctx: SeedContext) -> None:
        ctx.fill(MemberFactory, self.rows)


# ------------------------------------------------------------------ the writes


def raw_write(engine: Engine, rows: int) -> None:
    """The driver's executemany, CHUNK rows of tuples at a time, one transaction."""
    placeholder = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {Member.__tablename__} ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join([placeholder] * len(COLUMNS))})"
    )
    constants = tuple(MEMBER.values())
    with engine.begin() as conn:
        for start in range(1, rows + 1, CHUNK):
            stop = min(start + CHUNK, rows + 1)
            chunk = [(f"member{n}@example.com", *constants) for n in range(start, stop)]
            conn.exec_driver_sql(sql, chunk)


def pyfactory_write(engine: Engine, rows: int, chunk: int = CHUNK) -> None:
    MembersSeed.rows = rows
    summary = run_seeds([MembersSeed], engine, chunk_size=chunk)
    if summary["MembersSeed"].rows != {Member.__tablename__: rows}:
        raise AssertionError(f"the summary counted {summary['MembersSeed'].rows}")


CONTENDERS: list[tuple[str, Callable[[Engine, int], None]]] = [
    ("raw executemany", raw_write),
    ("pyfactory seed", pyfactory_write),
]


# ------------------------------------------------------------------ databases


@dataclass
class Database:
    name: str
    engine: Engine
    description: str

    def fresh(self) -> None:
        Base.metadata.drop_all(self.engine)
        Base.metadata.create_all(self.engine)
        MemberFactory.reset_sequences()


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="pyfactory-bench-") as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            with engine.connect() as conn:
                journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            description = (
                f"SQLite {sqlite3.sqlite_version}, a file in {tmp} (journal_mode={journal})"
            )
            yield Database("sqlite file", engine, description)
        finally:
            engine.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    """A throwaway database on the server at ``url``, dropped afterwards."""
    import psycopg
    from psycopg import sql

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(libpq, autocommit=True)
    except psycopg.OperationalError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise SystemExit(f"bench_seed: cannot connect to PostgreSQL at {shown}: {error}") from None
    name = f"pyfactory_bench_{secrets.token_hex(4)}"
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    target = make_url(url).set(drivername="postgresql+psycopg", database=name)
    engine = create_engine(target)
    try:
        with engine.connect() as conn:
            server = conn.exec_driver_sql("SHOW server_version").scalar()
        description = (
            f"PostgreSQL {server} at {target.host}:{target.port}, a throwaway database "
            f"{name}, psycopg {version('psycopg')}"
        )
        yield Database("postgresql", engine, description)
    finally:
        engine.dispose()
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


# ------------------------------------------------------------------ measuring


def check(db: Database, who: str, rows: int) -> None:
    """The rows are there, and the first and last are the ones asked for."""
    with Session(db.engine) as session:
        count = session.scalar(select(func.count()).select_from(Member))
        if count != rows:
            raise AssertionError(f"{who} on {db.name}: {count} rows, not {rows}")
        for n in (1, rows):
            member = session.scalars(select(Member).filter_by(email=f"member{n}@example.com")).one()
            got = {key: getattr(member, key) for key in MEMBER}
            if got != MEMBER:
                raise AssertionError(f"{who} on {db.name}: member {n} is {got}")


def timed(db: Database, who: str, write: Callable[[Engine, int], None], rows: int) -> float:
    db.fresh()
    gc.collect()
    started = time.perf_counter()
    write(db.engine, rows)
    seconds = time.perf_counter() - started
    check(db, who, rows)
    return seconds


def traced_peak(db: Database, rows: int, chunk: int) -> float:
    """The traced peak (MB) of the pyfactory seed writing ``rows`` rows."""
    db.fresh()
    gc.collect()
    tracemalloc.start()
    try:
        pyfactory_write(db.engine, rows, chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    check(db, "pyfactory seed (traced)", rows)
    return peak / 1e6


def max_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KB else


REPORT = Table(
    Column("contender", "<16"),
    Column("seconds", ">9", ".2f"),
    Column("us/row", ">8", ".2f"),
    Column("rows/s", ">11", ",.0f"),
    Column("x raw", ">7", ".2f"),
)


def run(
    rows: int,
    memory: tuple[int, Sequence[int]],
    postgres: str | None,
    out: Callable[[str], None] = print,
) -> None:
    """Time both contenders on each database, then trace the seed's memory at the sizes
    ``memory[1]`` with chunks of ``memory[0]`` rows."""
    chunk, memory_rows = memory
    started = time.perf_counter()
    versions = {"pyfactory": pyfactory_version(), "SQLAlchemy": version("SQLAlchemy")}
    for line in header(versions):
        out(line)
    out(
        f"{rows:,} rows of a 10-column table per write, in chunks of {CHUNK:,}; fresh empty "
        "table for each; each write checked; garbage collector on"
    )
    backends: list[Callable[[], Any]] = [sqlite_database]
    if postgres:
        backends.append(lambda: postgres_database(postgres))
    else:
        out(f"PostgreSQL: not measured (no --postgres URL and {POSTGRES_ENV} is not set)")
    for backend in backends:
        with backend() as db:
            out("")
            out(db.description)
            out(REPORT.header())
            baseline = None
            for who, write in CONTENDERS:
                seconds = timed(db, who, write, rows)
                baseline = baseline or seconds
                out(
                    REPORT.row(
                        who, seconds, seconds / rows * 1e6, rows / seconds, seconds / baseline
                    )
                )
            peaks = [(n, traced_peak(db, n, chunk)) for n in memory_rows]
            growth = peaks[-1][1] / peaks[0][1]
            out(
                f"  pyfactory seed in chunks of {chunk:,}, traced peak: "
                + ", ".join(f"{n:,} rows {mb:.1f} MB" for n, mb in peaks)
                + f" (x{growth:.2f} for x{memory_rows[-1] / memory_rows[0]:g} the rows)"
            )
    out("")
    out(f"process peak resident size: {max_rss_mb():.0f} MB")
    out(total_time(started))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__, "5,000 rows: checks that it all still works (CI)", no_gc_help=None
    )
    parser.add_argument("--rows", type=int, default=None, help="rows per write (default 1,000,000)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_ENV, "").strip() or None,
        help=f"a PostgreSQL server to measure as well (default: ${POSTGRES_ENV}); its user "
        "must be allowed to create a throwaway database",
    )
    args = parser.parse_args(argv)
    rows = args.rows or (5_000 if args.quick else 1_000_000)
    memory = (1_000, (2_000, 8_000)) if args.quick else (CHUNK, (50_000, 200_000))
    run(rows, memory, args.postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main())
