"""insert_batch on PostgreSQL: its COPY against its INSERT ... unnest, and a raw COPY.

Run from the repository root::

    python benchmarks/bench_copy.py                  # full run: 100,000 and 1,000,000 rows
    python benchmarks/bench_copy.py --quick          # smoke run for CI: 2,000 rows, seconds
    python benchmarks/bench_copy.py --rows 100000    # the sizes to write (any number of them)
    python benchmarks/bench_copy.py --crossover      # small writes: where COPY starts to win
    python benchmarks/bench_copy.py --postgres postgresql://user@host:port/db
    python benchmarks/bench_copy.py --no-gc          # garbage collector off while timing

Every contender writes the same rows of a ten-column table (``id`` serial, a unique
``email``, two strings, an int, a float, a bool, a date, a timestamp and a text) to
PostgreSQL through psycopg 3, in one process, side by side:

* ``raw COPY``: psycopg's own ``COPY ... FROM STDIN`` of rows built as tuples before
  the clock starts, binary (the floor, and the format the builder writes) and text;
* ``insert_many``: what ``insert_batch`` hands its builder, ``SQLAlchemyBuilder``'s
  write of rows resolved before the clock starts, in chunks of the factory's
  ``_batch_size`` (1,000 rows, as ``insert_batch`` writes them), with
  ``copy_threshold=None`` (the ``INSERT ... SELECT FROM unnest`` that ``insert_batch``
  used before COPY) and with the default threshold (COPY);
* ``insert_batch``: the factory call itself, values resolved while timing, both ways;
* ``raw COPY`` of the same rows already encoded (read back from the table with ``COPY
  ... TO STDOUT``): ``copy.write()`` of the bytes, the server's share that no client
  can take away;
* ``dataset write``: :func:`pyfactory.dataset.write` of the same factory's rows to the
  engine (rows made while timing, chunks of 10,000 rows into one COPY), in the
  process and with ``workers=2`` (spawned processes make the rows, their start
  counted).

Each sample is one write of all the rows into the emptied table and its commit; the
samples are taken in interleaved rounds, best and median kept, the garbage collector
on. What each contender writes is checked in the database before anything is timed.
See ``benchmarks/README.rst``.
"""

from __future__ import annotations

import datetime
import gc
import os
import resource
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from _harness import (
    Column,
    Table,
    argument_parser,
    best_and_median,
    gc_words,
    header,
    pyfactory_version,
    total_time,
)
from sqlalchemy import Engine, String, Text, create_engine, make_url, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import Context, Factory, schema, sequence
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.dataset import write

POSTGRES_ENV = "PYFACTORY_TEST_POSTGRES_URL"


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "bench_copy_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    age: Mapped[int]
    score: Mapped[float]
    active: Mapped[bool]
    joined: Mapped[datetime.date]
    last_seen: Mapped[datetime.datetime]
    bio: Mapped[str] = mapped_column(Text)
    team_id: Mapped[int]


#: The columns every row has but its email (``member{n}@example.com``, n from 1).
MEMBER: dict[str, Any] = {
    "name": "Ann Smith",
    "age": 42,
    "score": 3.5,
    "active": True,
    "joined": datetime.date(2024, 1, 2),
    "last_seen": datetime.datetime(2024, 1, 2, 3, 4, 5),
    "bio": "Writes test data for a living, and benchmarks it on weekends.",
    "team_id": 7,
}
COLUMNS = ["email", *MEMBER]


def email(n: int) -> str:
    return f"member{n}@example.com"


def member_factory(builder: SQLAlchemyBuilder[Member]) -> type[Factory[Member]]:
    class MemberFactory(Factory[Member]):
        _model = Member
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"email": sequence("member{n}@example.com"), **MEMBER}

    return MemberFactory


INSERTS = SQLAlchemyBuilder[Member](copy_threshold=None)
COPIES = SQLAlchemyBuilder[Member]()
InsertFactory = member_factory(INSERTS)


class CopyFactory(Factory[Member]):
    """The factory of the COPY rows, at the top level of the module: write()'s worker
    processes import it by its name."""

    _model = Member
    _model_builder = COPIES
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"email": sequence("member{n}@example.com"), **MEMBER}


#: Rows per insert_many call: the factory's _batch_size, as insert_batch writes them
#: (``--chunk`` sets both).
CHUNK = InsertFactory._batch_size


def set_chunk(rows: int) -> None:
    global CHUNK
    CHUNK = rows
    for factory in (InsertFactory, CopyFactory):
        factory._batch_size = rows


# ------------------------------------------------------------------ the writes


@dataclass
class Rows:
    """The rows of one size, built before the clock starts: dicts for the builder,
    tuples for the raw COPY, and the same rows as COPY's binary bytes (read back from
    the table once the first raw COPY has written them)."""

    count: int
    dicts: list[dict[str, Any]]
    tuples: list[tuple[Any, ...]]
    encoded: bytes = b""

    @classmethod
    def make(cls, count: int) -> Rows:
        dicts = [{"email": email(n), **MEMBER} for n in range(1, count + 1)]
        return cls(count, dicts, [tuple(row[c] for c in COLUMNS) for row in dicts])

    def encode(self, engine: Engine) -> None:
        """The table's rows, as ``COPY ... TO STDOUT (FORMAT BINARY)`` gives them."""
        statement = f"COPY bench_copy_member ({', '.join(COLUMNS)}) TO STDOUT (FORMAT BINARY)"
        out = bytearray()
        with engine.connect() as conn:
            driver: Any = conn.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for data in copy:
                    out += data
        self.encoded = bytes(out)


def raw_copy(binary: bool) -> Callable[[Engine, Rows], None]:
    """psycopg's COPY of the tuples: binary, with the columns' types set (as the builder
    writes), or text, which the server parses."""
    statement = f"COPY bench_copy_member ({', '.join(COLUMNS)}) FROM STDIN"
    types = ["varchar", "varchar", "int4", "float8", "bool", "date", "timestamp", "text", "int4"]

    if binary:
        statement += " (FORMAT BINARY)"

    def write(engine: Engine, rows: Rows) -> None:
        with engine.begin() as conn:
            driver: Any = conn.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                if binary:
                    copy.set_types(types)
                for row in rows.tuples:
                    copy.write_row(row)

    return write


def raw_bytes(engine: Engine, rows: Rows) -> None:
    """psycopg's COPY of the rows already encoded: ``copy.write()`` of 1 MiB slices of
    the bytes, the server's own share of a COPY, which no client can take away."""
    statement = f"COPY bench_copy_member ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    data = memoryview(rows.encoded)
    with engine.begin() as conn:
        driver: Any = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])


def builder_write(builder: SQLAlchemyBuilder[Member]) -> Callable[[Engine, Rows], None]:
    def write(engine: Engine, rows: Rows) -> None:
        with Session(engine) as session:
            context = Context({"session": session}, "MemberFactory")
            for start in range(0, rows.count, CHUNK):
                builder.insert_many(Member, rows.dicts[start : start + CHUNK], context)
            session.commit()

    return write


def factory_write(factory: type[Factory[Member]]) -> Callable[[Engine, Rows], None]:
    def write(engine: Engine, rows: Rows) -> None:
        with Session(engine) as session:
            factory(session=session).insert_batch(rows.count)
            session.commit()

    return write


def dataset_write(workers: int) -> Callable[[Engine, Rows], None]:
    """pyfactory.dataset.write to the engine: rows made while timing (in ``workers``
    spawned processes when more than one, their start in the time), chunks of 10,000
    into one COPY, one transaction."""

    def write_rows(engine: Engine, rows: Rows) -> None:
        write(CopyFactory, count=rows.count, seed=1, to=engine, workers=workers)

    return write_rows


@dataclass(frozen=True)
class Contender:
    name: str
    how: str
    write: Callable[[Engine, Rows], None]


CONTENDERS = (
    Contender("raw COPY", "binary: cursor.copy().write_row(tuple)", raw_copy(binary=True)),
    Contender("raw COPY", "text: cursor.copy().write_row(tuple)", raw_copy(binary=False)),
    Contender("raw COPY", "binary bytes: copy.write(encoded)", raw_bytes),
    Contender("insert_many", "copy_threshold=None: INSERT unnest", builder_write(INSERTS)),
    Contender("insert_many", "default: COPY", builder_write(COPIES)),
    Contender("insert_batch", "copy_threshold=None: INSERT unnest", factory_write(InsertFactory)),
    Contender("insert_batch", "default: COPY", factory_write(CopyFactory)),
    Contender("dataset write", "write(..., to=engine): COPY", dataset_write(1)),
    Contender("dataset write", "the same, workers=2", dataset_write(2)),
)


# ------------------------------------------------------------------ the database


@contextmanager
def postgres(url: str) -> Iterator[tuple[Engine, str]]:
    """An engine on a throwaway database of the server at ``url`` (or on the URL's own
    database, when its user may not create one), with the table; dropped afterwards."""
    import psycopg
    from psycopg import sql

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(libpq, autocommit=True)
    except psycopg.OperationalError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise SystemExit(f"bench_copy: cannot connect to PostgreSQL at {shown}: {error}") from None
    name = f"pyfactory_bench_{secrets.token_hex(4)}"
    try:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        name = ""
    target = make_url(url).set(drivername="postgresql+psycopg")
    if name:
        target = target.set(database=name)
    # One connection: every write runs on the server process whose CPU time is read.
    engine = create_engine(target, pool_size=1, max_overflow=0)
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with engine.connect() as conn:
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            fsync = conn.exec_driver_sql("SHOW fsync").scalar()
            synchronous = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
        where = f"a throwaway database {name}" if name else f"the database {target.database}"
        yield (
            engine,
            (
                f"PostgreSQL {server} at {target.host}:{target.port}, {where} "
                f"(fsync={fsync}, synchronous_commit={synchronous})"
            ),
        )
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
        if name:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE bench_copy_member RESTART IDENTITY"))
    for factory in (InsertFactory, CopyFactory):
        factory.reset_sequences()


def check(engine: Engine, contender: Contender, count: int) -> None:
    """Fail loudly (even under ``python -O``) unless the table holds exactly the rows
    expected: every value of every row, ids 1 to ``count`` in the order written."""
    with Session(engine) as session:
        got = session.execute(select(Member.id, *(getattr(Member, c) for c in COLUMNS)))
        rows = sorted(tuple(row) for row in got)
    want = [(n, email(n), *MEMBER.values()) for n in range(1, count + 1)]
    if rows != want:
        wrong = next((g, w) for g, w in zip([*rows, None], want, strict=False) if g != w)
        raise AssertionError(
            f"{contender.name} {contender.how}: {len(rows)} rows, expected {count}; "
            f"first difference: {wrong[0]!r} instead of {wrong[1]!r}"
        )


def count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM bench_copy_member")).scalar() or 0)


@dataclass(frozen=True)
class Sample:
    """One write: its seconds, commit included, and the CPU seconds it took in this
    process and its children (the workers), and in the server's process."""

    seconds: float
    client: float
    server: float


def client_cpu() -> float:
    """This process's CPU seconds and those of its children that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def server_cpu(pid: int) -> float:
    """The CPU seconds of the server's process ``pid``, from /proc (the server runs on
    this machine); 0 where /proc cannot tell (another machine, another system)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    engine: Engine, write: Callable[[Engine, Rows], None], rows: Rows, collect: bool
) -> Sample:
    """One write into the emptied table.

    Wall time is what the tables give; on a machine that other work shares, the CPU
    times say what each side cost whatever the load: a COPY streams, so on idle cores
    its time is about the larger of the two, where a COPY per chunk costs about their
    sum."""
    empty(engine)
    with engine.connect() as conn:
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() or 0)
    gc.collect()
    enabled = gc.isenabled()
    if not collect:
        gc.disable()
    try:
        start, client, server = time.perf_counter(), client_cpu(), server_cpu(pid)
        write(engine, rows)
        seconds = time.perf_counter() - start
        return Sample(seconds, client_cpu() - client, server_cpu(pid) - server)
    finally:
        if enabled:
            gc.enable()


# ------------------------------------------------------------------ the tables


REPORT = Table(
    Column("contender", "<13"),
    Column("how", "<40"),
    Column("best s", ">8", ".3f"),
    Column("median s", ">9", ".3f"),
    Column("us/row", ">7", ".2f"),
    Column("rows/s", ">10", ",.0f"),
    Column("x raw", ">6", ".2f"),
    Column("client", ">7", ".2f"),
    Column("server", ">7", ".2f"),
)


def measure(
    engine: Engine, count: int, repeat: int, collect: bool, out: Callable[[str], None]
) -> None:
    rows = Rows.make(count)
    for contender in CONTENDERS:  # a first write of each, checked: it warms up too
        if contender.write is raw_bytes:
            rows.encode(engine)  # the rows the raw COPY before it wrote, and checked
        timed(engine, contender.write, rows, collect)
        check(engine, contender, count)
    samples: list[list[Sample]] = [[] for _ in CONTENDERS]
    for _ in range(repeat):
        for contender, taken in zip(CONTENDERS, samples, strict=True):
            taken.append(timed(engine, contender.write, rows, collect))
            if count_rows(engine) != count:
                raise AssertionError(f"{contender.name} {contender.how} wrote the wrong count")
    out(f"{count:,} rows, {repeat} sample(s) each after a checked first write")
    out(
        "  (client, server: median CPU µs per row of this process and its workers, and of "
        "the server's process)"
    )
    out(REPORT.header())
    by: dict[tuple[str, str], tuple[float, float]] = {}
    for contender, taken in zip(CONTENDERS, samples, strict=True):
        by[contender.name, contender.how.split(":")[0]] = best_and_median(
            [sample.seconds for sample in taken]
        )
    floor = by["raw COPY", "binary"][0]
    for contender, taken in zip(CONTENDERS, samples, strict=True):
        best, median = by[contender.name, contender.how.split(":")[0]]
        client = best_and_median([sample.client for sample in taken])[1]
        server = best_and_median([sample.server for sample in taken])[1]
        out(
            REPORT.row(
                contender.name,
                contender.how,
                best,
                median,
                best / count * 1e6,
                count / best,
                best / floor,
                client / count * 1e6,
                server / count * 1e6,
            )
        )
    for what in ("insert_many", "insert_batch"):
        insert, copy = by[what, "copy_threshold=None"], by[what, "default"]
        out(
            f"  {what}: INSERT over COPY {insert[0] / copy[0]:.2f} (best), "
            f"{insert[1] / copy[1]:.2f} (median); above 1: COPY is faster (target 2)"
        )
    raw = by["raw COPY", "binary"]
    for how, label in (
        ("write(..., to=engine)", "workers=1"),
        ("the same, workers=2", "workers=2"),
    ):
        made = by["dataset write", how]
        out(
            f"  dataset write {label} over raw binary COPY: {made[0] / raw[0]:.2f} (best), "
            f"{made[1] / raw[1]:.2f} (median); target 1.3"
        )


CROSSOVER_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def crossover(engine: Engine, seconds: float, out: Callable[[str], None]) -> None:
    """Small writes through the builder, INSERT against COPY (``copy_threshold=1``), in one
    transaction: where COPY's extra round trips stop costing more than they save."""
    copy_always = SQLAlchemyBuilder[Member](copy_threshold=1)
    out(
        f"crossover: one insert_many of n rows, INSERT (copy_threshold=None) against COPY "
        f"(copy_threshold=1), alternated for about {seconds:g} s per size; ms per write"
    )
    out(
        f"  {'rows':>6} {'INSERT best':>12} {'median':>8} {'COPY best':>10} {'median':>8} "
        f"{'INSERT/COPY':>12}"
    )
    empty(engine)
    numbers = iter(range(1, 10**9))
    with Session(engine) as session:
        context = Context({"session": session}, "MemberFactory")
        for size in CROSSOVER_SIZES:
            taken: dict[str, list[float]] = {"insert": [], "copy": []}
            until = time.perf_counter() + seconds
            while time.perf_counter() < until or len(taken["copy"]) < 5:
                for key, builder in (("insert", INSERTS), ("copy", copy_always)):
                    batch = [{"email": email(next(numbers)), **MEMBER} for _ in range(size)]
                    start = time.perf_counter()
                    builder.insert_many(Member, batch, context)
                    taken[key].append(time.perf_counter() - start)
            session.commit()
            insert, copy = (best_and_median(taken[k]) for k in ("insert", "copy"))
            out(
                f"  {size:>6} {insert[0] * 1e3:>12.3f} {insert[1] * 1e3:>8.3f} "
                f"{copy[0] * 1e3:>10.3f} {copy[1] * 1e3:>8.3f} {insert[1] / copy[1]:>12.2f}"
            )
    out(f"  (SQLAlchemyBuilder.copy_threshold is {SQLAlchemyBuilder.copy_threshold})")


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__,
        "2,000 rows, one timed write of each contender after the checked one: checks "
        "that every path still writes the right rows (for CI); numbers are rough",
    )
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        metavar="N",
        help="rows per write, one table per size (default: 100000 1000000; 2000 with --quick)",
    )
    parser.add_argument(
        "--repeat", type=int, metavar="K", help="timed writes per contender (default: 3)"
    )
    parser.add_argument(
        "--chunk",
        type=int,
        metavar="N",
        help=f"rows per insert_many call, and the factories' _batch_size (default: {CHUNK})",
    )
    parser.add_argument(
        "--crossover",
        action="store_true",
        help="measure small writes (1 to 1,000 rows) instead, INSERT against COPY",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_ENV, "").strip() or None,
        help=f"the PostgreSQL server (default: ${POSTGRES_ENV}); its user should be "
        "allowed to create a throwaway database",
    )
    args = parser.parse_args(argv)
    sizes = args.rows or ([2_000] if args.quick else [100_000, 1_000_000])
    repeat = args.repeat or (1 if args.quick else 3)
    collect = not args.no_gc
    if args.chunk:
        set_chunk(args.chunk)
    started = time.perf_counter()
    versions = {
        "pyfactory": pyfactory_version(),
        "SQLAlchemy": version("SQLAlchemy"),
        "psycopg": f"{version('psycopg')} ({_psycopg_impl()})",
    }
    for line in header(versions, load=True):
        print(line)
    if not args.postgres:
        print(f"PostgreSQL: not measured (no --postgres URL and {POSTGRES_ENV} is not set)")
        return 0
    with postgres(args.postgres) as (engine, description):
        print(description)
        print(
            f"mode: {'quick' if args.quick else 'full'}; insert_many in chunks of {CHUNK} "
            f"rows, the factories' _batch_size, as insert_batch writes them; "
            f"{gc_words(collect)}"
        )
        if args.crossover:
            print("")
            crossover(engine, 0.5 if args.quick else 5.0, print)
        else:
            for count in sizes:
                print("")
                measure(engine, count, repeat, collect, print)
    print("")
    print(total_time(started))
    return 0


def _psycopg_impl() -> str:
    import psycopg

    return str(psycopg.pq.__impl__)


if __name__ == "__main__":
    sys.exit(main())
