"""10,000 rows with a unique email on a SQLite file, end to end: pyfactory's
``create_batch`` against Faker's unique proxy and a raw ``executemany``.

Run from the repository root::

    python benchmarks/bench_unique.py                # full run, 10,000 rows, minutes
    python benchmarks/bench_unique.py --quick        # smoke run for CI, 300 rows, seconds
    python benchmarks/bench_unique.py --rows 50000   # another size

Every contender writes ``Customer`` rows (a key, a unique ``email``, a ``name``, a
``city`` and a ``joined`` date) to a freshly created, empty table in a SQLite file,
and commits:

* raw (the baseline, ratio 1.00): ``faker.unique.email()``, ``faker.name()``,
  ``faker.city()`` and ``faker.date_between(...)`` for each row, then one
  ``executemany`` of the rows as tuples through the driver, and a commit;
* pyfactory: ``CustomerFactory(session=s).create_batch(n)`` and a commit, the schema
  being ``fake("email", unique=True)``, ``fake("name")``, ``fake("city")`` and
  ``fake("date_between", ...)``; unseeded, and seeded (``seed=...``);
* pyfactory ``insert_batch(n)``, which makes no ORM objects (what ``ctx.fill`` of a
  seed uses), for information.

Everything a user waits for is timed: the values, the objects, the INSERTs and the
commit. Before each write, the unique values handed out are forgotten
(``Factory.reset_unique()``, ``faker.unique.clear()``) and the table is made anew;
that is not timed. Each write is checked in the database (see *Fairness* in
``benchmarks/README.rst``). Best and median of several writes, interleaved, garbage
collector on. Only the public API is called, so the same script measures any version
of pyfactory.
"""

from __future__ import annotations

import datetime
import gc
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from _harness import (
    Column,
    Table,
    add_no_gc,
    argument_parser,
    best_and_median,
    gc_words,
    header,
    pyfactory_version,
    total_time,
)
from faker import Faker
from sqlalchemy import Engine, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import Factory, fake, schema
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder

#: The seed of the seeded row.
SEED = 2024
#: The issue's target for 10,000 rows, in seconds.
TARGET = 0.5
TARGET_ROWS = 10_000
JOINED = (datetime.date(2020, 1, 1), datetime.date(2024, 12, 31))


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "bench_unique_customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    city: Mapped[str] = mapped_column(String(80))
    joined: Mapped[datetime.date]


class CustomerFactory(Factory[Customer]):
    _model = Customer
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": fake("email", unique=True),
            "name": fake("name"),
            "city": fake("city"),
            "joined": fake("date_between", start_date=JOINED[0], end_date=JOINED[1]),
        }


# ------------------------------------------------------------------ the writes

#: The baseline's Faker, made once, as a user's script would.
RAW_FAKER = Faker()
INSERT = f"INSERT INTO {Customer.__tablename__} (email, name, city, joined) VALUES (?, ?, ?, ?)"


def raw_write(engine: Engine, rows: int) -> None:
    """Faker's unique proxy and three providers per row, then the driver's executemany.

    The date goes in as SQLAlchemy's ``Date`` stores it on SQLite, ISO text: the
    driver's own date adapter is deprecated since Python 3.12.
    """
    faker = RAW_FAKER
    start, end = JOINED
    made = [
        (
            faker.unique.email(),
            faker.name(),
            faker.city(),
            faker.date_between(start_date=start, end_date=end).isoformat(),
        )
        for _ in range(rows)
    ]
    with engine.begin() as conn:
        conn.exec_driver_sql(INSERT, made)


def create_write(seed: int | None) -> Callable[[Engine, int], None]:
    def write(engine: Engine, rows: int) -> None:
        with Session(engine) as session:
            CustomerFactory(session=session, seed=seed).create_batch(rows)
            session.commit()

    return write


def insert_write(engine: Engine, rows: int) -> None:
    with Session(engine) as session:
        CustomerFactory(session=session).insert_batch(rows)
        session.commit()


def forget_unique() -> None:
    CustomerFactory.reset_unique()
    RAW_FAKER.unique.clear()


@dataclass(frozen=True)
class Contender:
    library: str
    how: str
    write: Callable[[Engine, int], None]
    #: Whether the row counts for the target (pyfactory's create_batch rows).
    target: bool = False
    #: Whether every write must give the same rows (a seed).
    repeats: bool = False


CONTENDERS = (
    Contender("raw", "faker.unique + executemany", raw_write),
    Contender("pyfactory", "create_batch(n)", create_write(None), target=True),
    Contender(
        "pyfactory",
        f"F(seed={SEED}).create_batch(n)",
        create_write(SEED),
        target=True,
        repeats=True,
    ),
    Contender("pyfactory", "insert_batch(n) (information)", insert_write),
)


# ------------------------------------------------------------------ checking

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def table(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        return [
            tuple(row)
            for row in session.execute(
                select(Customer.email, Customer.name, Customer.city, Customer.joined).order_by(
                    Customer.id
                )
            )
        ]


def check(engine: Engine, label: str, rows: int) -> list[tuple[Any, ...]]:
    """Fail loudly (even under ``python -O``) unless the table holds ``rows`` realistic
    rows with distinct emails. The rows, in the order written."""
    found = table(engine)

    def expect(what: str, ok: bool) -> None:
        if not ok:
            raise AssertionError(f"{label}: {what}; first row {found[:1]!r}")

    expect(f"{len(found)} rows, not {rows}", len(found) == rows)
    emails = [row[0] for row in found]
    expect("two rows share an email", len(set(emails)) == rows)
    expect("an email is not an address", all(EMAIL.match(email) for email in emails))
    expect("a name has fewer than two words", all(len(row[1].split()) >= 2 for row in found))
    expect("a city is empty", all(row[2].strip() for row in found))
    expect(
        "a date is out of its range",
        all(JOINED[0] <= row[3] <= JOINED[1] for row in found),
    )
    # Realistic values vary (names and cities repeat, but not all the time).
    for index, what in ((1, "name"), (2, "city"), (3, "joined date")):
        distinct = len({row[index] for row in found})
        expect(f"only {distinct} distinct {what} values", distinct >= min(rows, 200) // 5)
    return found


# ------------------------------------------------------------------ timing


@contextmanager
def sqlite_file() -> Iterator[tuple[Engine, str]]:
    with tempfile.TemporaryDirectory(prefix="pyfactory-bench-") as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            with engine.connect() as conn:
                journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            levels = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            yield (
                engine,
                (
                    f"SQLite {sqlite3.sqlite_version}, a file in {tmp} "
                    f"(journal_mode={journal}, synchronous={levels.get(synchronous, synchronous)})"
                ),
            )
        finally:
            engine.dispose()


def write_once(engine: Engine, contender: Contender, rows: int, collect: bool) -> float:
    """Fresh table, unique values forgotten, then one timed write. Seconds."""
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    forget_unique()
    gc.collect()
    enabled = gc.isenabled()
    if not collect:
        gc.disable()
    try:
        started = time.perf_counter()
        contender.write(engine, rows)
        return time.perf_counter() - started
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Settings:
    rows: int
    #: Timed writes per contender; the first is checked in full.
    writes: int


FULL = Settings(rows=TARGET_ROWS, writes=3)
QUICK = Settings(rows=300, writes=2)


def measure(engine: Engine, settings: Settings, collect: bool) -> list[list[float]]:
    """The seconds of every write of every contender, in interleaved rounds: each
    round writes once with every contender in turn."""
    samples: list[list[float]] = [[] for _ in CONTENDERS]
    first: list[list[tuple[Any, ...]]] = [[] for _ in CONTENDERS]
    for round_ in range(settings.writes):
        for index, contender in enumerate(CONTENDERS):
            samples[index].append(write_once(engine, contender, settings.rows, collect))
            label = f"{contender.library} {contender.how}, write {round_ + 1}"
            found = check(engine, label, settings.rows)
            if round_ == 0:
                first[index] = found
            elif contender.repeats and found != first[index]:
                raise AssertionError(f"{label}: the seed wrote other rows than in write 1")
    return samples


# ------------------------------------------------------------------ output


TABLE = Table(
    Column("library", "<10"),
    Column("call", "<32"),
    Column("best s", ">8", ".3f"),
    Column("median s", ">9", ".3f"),
    Column("us/row", ">8", ".1f"),
    Column("x raw", ">7", ".2f"),
)


def run(
    settings: Settings,
    out: Callable[[str], None] = print,
    collect: bool = True,
    quick: bool = False,
) -> None:
    started = time.perf_counter()
    versions = {
        "pyfactory": pyfactory_version(where=True),
        "Faker": version("Faker"),
        "SQLAlchemy": version("SQLAlchemy"),
    }
    for line in header(versions, load=True):
        out(line)
    out(
        f"mode: {'quick' if quick else 'full'}; {settings.rows:,} rows per write, a fresh "
        f"empty table each; {settings.writes} interleaved write(s) per contender, each "
        f"checked; best and median; {gc_words(collect)}"
    )
    with sqlite_file() as (engine, description):
        out(description)
        out("")
        out(f"{settings.rows:,} customers: unique email, name, city, joined date")
        out(TABLE.header())
        samples = measure(engine, settings, collect)
    baseline = min(samples[0])
    verdicts = []
    for contender, taken in zip(CONTENDERS, samples, strict=True):
        best, median = best_and_median(taken)
        out(
            TABLE.row(
                contender.library,
                contender.how,
                best,
                median,
                best / settings.rows * 1e6,
                best / baseline,
            )
        )
        if contender.target:
            verdicts.append(f"{contender.how} {'met' if best <= TARGET else 'not met'}")
    if settings.rows == TARGET_ROWS:
        out(f"  target, at most {TARGET} s for {TARGET_ROWS:,} rows: " + "; ".join(verdicts))
    else:
        out(f"  target ({TARGET} s) is for {TARGET_ROWS:,} rows: not judged at this size")
    out("")
    out(total_time(started))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__,
        "300 rows, two writes each: checks that every contender still writes the "
        "right rows (for CI), numbers are rough",
        no_gc_help=None,
    )
    parser.add_argument(
        "--rows", type=int, default=None, help=f"rows per write (default {TARGET_ROWS:,})"
    )
    parser.add_argument(
        "--writes", type=int, default=None, help="timed writes per contender (default 3)"
    )
    add_no_gc(parser, "switch the garbage collector off while timing; it is on by default")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    settings = Settings(rows=args.rows or base.rows, writes=args.writes or base.writes)
    run(settings, collect=not args.no_gc, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
