"""Write the same rows to a database with pyfactory, factory_boy, polyfactory and SQLAlchemy.

Run from the repository root::

    python benchmarks/bench_db.py                  # full run, 10,000 rows, about 2 minutes
    python benchmarks/bench_db.py --quick          # smoke run for CI, 500 rows, seconds
    python benchmarks/bench_db.py --postgres postgresql://user@host:port/db
    python benchmarks/bench_db.py --gc             # garbage collector on while timing

Every contender writes ``Member`` rows (ten columns, one of them a foreign key to
``Team``) to freshly created, empty tables, on a SQLite file and, when a server
is given (``--postgres`` or ``PYFACTORY_TEST_POSTGRES_URL``), on PostgreSQL. Two
cases: every member points at one existing team, or every member needs a team of
its own. What each contender wrote is checked in the database (row counts, every
column value, the foreign keys) before anything is timed. Each row of the table
is the best of several samples, taken in rounds interleaved with the other rows,
in microseconds per row and as a ratio to the raw bulk insert of SQLAlchemy
itself. See ``benchmarks/README.rst``.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import os
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
from typing import Any

import factory
import factory.alchemy
from _harness import Column, Table, argument_parser, gc_words, header, pyfactory_version, total_time
from polyfactory import Use
from polyfactory.factories.sqlalchemy_factory import SQLAlchemyFactory
from sqlalchemy import (
    Engine,
    ForeignKey,
    String,
    Text,
    create_engine,
    func,
    insert,
    make_url,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import Factory, association, schema, sequence
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder

POSTGRES_ENV = "PYFACTORY_TEST_POSTGRES_URL"

# ------------------------------------------------------------------ the models
# Team: id and a name. Member: ten columns, the id, eight data columns of mixed
# types and the foreign key to its team, with a many-to-one relationship to it
# (no reverse collection, so no library pays for keeping Team.members in step).


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "bench_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Member(Base):
    __tablename__ = "bench_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    age: Mapped[int]
    score: Mapped[float]
    active: Mapped[bool]
    joined: Mapped[datetime.date]
    last_seen: Mapped[datetime.datetime]
    bio: Mapped[str] = mapped_column(Text)
    team_id: Mapped[int] = mapped_column(ForeignKey("bench_team.id"))
    team: Mapped[Team] = relationship()


#: The constant columns of every member; ``email`` is ``member{n}@example.com``,
#: n counting from 1 in each write, and ``team_id`` points at its team.
MEMBER: dict[str, Any] = {
    "name": "Ann Smith",
    "age": 42,
    "score": 3.5,
    "active": True,
    "joined": datetime.date(2024, 1, 2),
    "last_seen": datetime.datetime(2024, 1, 2, 3, 4, 5),
    "bio": "Writes test data for a living, and benchmarks it on weekends.",
}
TEAM: dict[str, Any] = {"name": "Team"}


def email(n: int) -> str:
    return f"member{n}@example.com"


# ------------------------------------------------------------------ pyfactory


class TeamFactory(Factory[Team]):
    _model = Team
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Team"}


class MemberFactory(Factory[Member]):
    _model = Member
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": sequence("member{n}@example.com"),
            "name": "Ann Smith",
            "age": 42,
            "score": 3.5,
            "active": True,
            "joined": datetime.date(2024, 1, 2),
            "last_seen": datetime.datetime(2024, 1, 2, 3, 4, 5),
            "bio": "Writes test data for a living, and benchmarks it on weekends.",
            "team": association(TeamFactory),
        }


# ------------------------------------------------------------------ factory_boy


def boy_factories(persistence: str) -> type[factory.alchemy.SQLAlchemyModelFactory]:
    """factory_boy's member factory (and its team's) with one session persistence.

    The session is set on both classes' options before each write.
    """

    class TeamBoy(factory.alchemy.SQLAlchemyModelFactory):
        class Meta:
            model = Team
            sqlalchemy_session_persistence = persistence

        name = "Team"

    class MemberBoy(factory.alchemy.SQLAlchemyModelFactory):
        class Meta:
            model = Member
            sqlalchemy_session_persistence = persistence

        # factory_boy counts from 0; the other contenders from 1.
        email = factory.Sequence(lambda n: email(n + 1))
        name = "Ann Smith"
        age = 42
        score = 3.5
        active = True
        joined = datetime.date(2024, 1, 2)
        last_seen = datetime.datetime(2024, 1, 2, 3, 4, 5)
        bio = "Writes test data for a living, and benchmarks it on weekends."
        team = factory.SubFactory(TeamBoy)

    return MemberBoy


MemberBoyFlush = boy_factories("flush")
MemberBoyCommit = boy_factories("commit")


def boy_bind(member_boy: Any, session: Session) -> None:
    member_boy._meta.sqlalchemy_session = session
    member_boy.team.get_factory()._meta.sqlalchemy_session = session


# ------------------------------------------------------------------ polyfactory


class Numbers:
    """A counter from 1 that can restart: polyfactory has no sequences of its own."""

    def __init__(self) -> None:
        self.next = 1

    def reset(self) -> None:
        self.next = 1

    def email(self) -> str:
        n = self.next
        self.next = n + 1
        return email(n)


POLY_NUMBERS = Numbers()


class TeamPoly(SQLAlchemyFactory[Team]):
    # A plain value set on the factory class is used as it is for every object;
    # the primary key is left to the database, nothing is random.
    __model__ = Team
    __set_primary_key__ = False

    name = "Team"


class MemberPoly(SQLAlchemyFactory[Member]):
    # The foreign key column is left out: the ``team`` relationship sets it at flush.
    # A factory class as a field value builds the related object for every member,
    # and the session's flush inserts it with the member (cascade).
    __model__ = Member
    __set_primary_key__ = False
    __set_foreign_keys__ = False
    __set_relationships__ = True

    email = Use(POLY_NUMBERS.email)
    name = "Ann Smith"
    age = 42
    score = 3.5
    active = True
    joined = datetime.date(2024, 1, 2)
    last_seen = datetime.datetime(2024, 1, 2, 3, 4, 5)
    bio = "Writes test data for a living, and benchmarks it on weekends."
    team = TeamPoly


# ------------------------------------------------------------------ the writes
# Each takes a fresh Session, the number of members and, in case A, the team
# (loaded in that session) or None in case B, and leaves the rows committed.


def raw_write(session: Session, rows: int, team: Team | None) -> None:
    if team is None:
        # Every team row is the same, so the order RETURNING gives the ids in does
        # not matter: each member gets a team of its own either way.
        team_ids = session.scalars(
            insert(Team).returning(Team.id), [{**TEAM} for _ in range(rows)]
        ).all()
    else:
        team_ids = [team.id] * rows
    session.execute(
        insert(Member),
        [
            {"email": email(n), **MEMBER, "team_id": team_id}
            for n, team_id in enumerate(team_ids, 1)
        ],
    )
    session.commit()


def add_all_write(session: Session, rows: int, team: Team | None) -> None:
    if team is None:
        objs = [Member(email=email(n), **MEMBER, team=Team(**TEAM)) for n in range(1, rows + 1)]
    else:
        team_id = team.id
        objs = [Member(email=email(n), **MEMBER, team_id=team_id) for n in range(1, rows + 1)]
    session.add_all(objs)
    session.commit()


def pyfactory_write(session: Session, rows: int, team: Team | None) -> None:
    members = MemberFactory(session=session)
    if team is None:
        members.create_batch(rows)
    else:
        members.create_batch(rows, team=team)
    session.commit()


def boy_write(member_boy: Any) -> Callable[[Session, int, Team | None], None]:
    def write(session: Session, rows: int, team: Team | None) -> None:
        boy_bind(member_boy, session)
        if team is None:
            member_boy.create_batch(rows)
        else:
            member_boy.create_batch(rows, team=team)
        session.commit()

    return write


def poly_write(session: Session, rows: int, team: Team | None) -> None:
    # polyfactory's default persistence commits once, after add_all() of the batch.
    MemberPoly.__session__ = session
    if team is None:
        MemberPoly.create_batch_sync(rows)
    else:
        MemberPoly.create_batch_sync(rows, team=team)


def reset_boys() -> None:
    for member_boy in (MemberBoyFlush, MemberBoyCommit):
        member_boy.reset_sequence()


@dataclass(frozen=True)
class Contender:
    """One row of a table: ``write`` writes ``rows`` members (and teams) and commits."""

    library: str
    how: str
    write: Callable[[Session, int, Team | None], None]
    #: Restart the email counter before each write (not timed).
    reset: Callable[[], None]
    #: Written on ``Settings.capped_rows`` rows at most: its cost per row grows
    #: with the number of rows (the result is still given per row).
    capped: bool = False


def no_reset() -> None:
    pass


CONTENDERS = (
    Contender("raw", "session.execute(insert(M), rows)", raw_write, no_reset),
    Contender("sqlalchemy", "session.add_all([M(**row)...])", add_all_write, no_reset),
    Contender(
        "pyfactory",
        "F(session=s).create_batch(n)",
        pyfactory_write,
        MemberFactory.reset_sequences,
    ),
    Contender(
        "factory_boy",
        'create_batch(n), "flush"',
        boy_write(MemberBoyFlush),
        reset_boys,
    ),
    Contender(
        "factory_boy",
        'create_batch(n), "commit"',
        boy_write(MemberBoyCommit),
        reset_boys,
        capped=True,
    ),
    Contender(
        "polyfactory",
        "create_batch_sync(n)",
        poly_write,
        POLY_NUMBERS.reset,
    ),
)


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    new_team: bool


CASES = (
    Case("A", "every member points at one existing team", new_team=False),
    Case("B", "every member needs a new team (association / SubFactory / cascade)", True),
)


# ------------------------------------------------------------------ databases


@dataclass
class Database:
    name: str
    engine: Engine
    description: str

    def fresh(self, case: Case) -> int | None:
        """Drop and create the tables; in case A, insert the one team. Its id."""
        Base.metadata.drop_all(self.engine)
        Base.metadata.create_all(self.engine)
        if case.new_team:
            return None
        with self.engine.begin() as conn:
            team_id: int = conn.scalar(insert(Team).values(**TEAM).returning(Team.id))
        return team_id


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="pyfactory-bench-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            levels = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            description = (
                f"SQLite {sqlite3.sqlite_version}, a file in {tmp} "
                f"(journal_mode={journal}, synchronous={levels.get(synchronous, synchronous)})"
            )
            yield Database("sqlite file", engine, description)
        finally:
            engine.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    """A throwaway database on the server at ``url``, dropped afterwards.

    When the user may not create databases, the tables (``bench_team`` and
    ``bench_member``) go in the database of the URL and are dropped afterwards.
    """
    import psycopg
    from psycopg import sql

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(libpq, autocommit=True)
    except psycopg.OperationalError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise SystemExit(f"bench_db: cannot connect to PostgreSQL at {shown}: {error}") from None
    name = f"pyfactory_bench_{secrets.token_hex(4)}"
    try:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        name = ""
    target = make_url(url).set(drivername="postgresql+psycopg")
    if name:
        target = target.set(database=name)
    engine = create_engine(target)
    try:
        with engine.connect() as conn:
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            fsync = conn.exec_driver_sql("SHOW fsync").scalar()
            synchronous = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
        where = f"a throwaway database {name}" if name else f"the database {target.database}"
        description = (
            f"PostgreSQL {server} at {target.host}:{target.port}, {where} "
            f"(fsync={fsync}, synchronous_commit={synchronous}), psycopg {version('psycopg')}"
        )
        yield Database("postgresql", engine, description)
    finally:
        if not name:
            Base.metadata.drop_all(engine)
        engine.dispose()
        if name:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


# ------------------------------------------------------------------ checking


def count(session: Session, statement: Any) -> int:
    return int(session.scalar(statement) or 0)


def check(db: Database, case: Case, contender: Contender, rows: int, team_id: int | None) -> None:
    """Fail loudly (even under ``python -O``) unless the database holds exactly what
    ``rows`` members (and their teams) should be: counts, every value, the keys."""
    label = f"{db.name}, case {case.key}, {contender.library} {contender.how}"

    def expect(what: str, got: object, want: object) -> None:
        if got != want:
            raise AssertionError(f"{label}: {what} is {got!r}, expected {want!r}")

    with Session(db.engine) as session:
        expect("the number of members", count(session, select(func.count(Member.id))), rows)
        same = select(func.count(Member.id)).where(
            *(getattr(Member, key) == value for key, value in MEMBER.items())
        )
        expect("the number of members with the expected values", count(session, same), rows)
        emails = set(session.scalars(select(Member.email)))
        expect("the set of emails", emails == {email(n) for n in range(1, rows + 1)}, True)
        teams = count(session, select(func.count(Team.id)))
        named = count(session, select(func.count(Team.id)).where(Team.name == TEAM["name"]))
        joined = count(session, select(func.count(Member.id)).join(Team))
        expect("the number of members whose team exists", joined, rows)
        if team_id is None:
            expect("the number of teams", teams, rows)
            expect("the number of teams named as expected", named, rows)
            distinct = count(session, select(func.count(Member.team_id.distinct())))
            expect("the number of distinct teams of members", distinct, rows)
        else:
            expect("the number of teams", teams, 1)
            expect("the number of teams named as expected", named, 1)
            on_team = count(session, select(func.count(Member.id)).where(Member.team_id == team_id))
            expect("the number of members on the given team", on_team, rows)
        # A spot check through the ORM: one member in the middle, all its columns.
        n = rows // 2 + 1
        member = session.scalars(select(Member).where(Member.email == email(n))).one()
        got = {key: getattr(member, key) for key in MEMBER}
        expect(f"member {n}", got, MEMBER)
        expect(f"member {n}'s team name", member.team.name, TEAM["name"])
        if team_id is not None:
            expect(f"member {n}'s team id", member.team_id, team_id)


def check_counts(db: Database, case: Case, contender: Contender, rows: int) -> None:
    """After a timed write: the number of rows only (the values were checked before)."""
    with Session(db.engine) as session:
        members = count(session, select(func.count(Member.id)))
        teams = count(session, select(func.count(Team.id)))
    want = (rows, rows if case.new_team else 1)
    if (members, teams) != want:
        raise AssertionError(
            f"{db.name}, case {case.key}, {contender.library} {contender.how}: "
            f"wrote {members} members and {teams} teams, expected {want[0]} and {want[1]}"
        )


# ------------------------------------------------------------------ timing


def write_once(
    db: Database, case: Case, contender: Contender, rows: int, collect: bool = False
) -> tuple[float, int | None]:
    """Fresh tables, then one timed write of ``rows`` members. Seconds, and case A's team id.

    ``collect``: keep the cyclic garbage collector on while timing, as it is in a test
    suite; by default it is off, for every contender alike (as timeit does).
    """
    team_id = db.fresh(case)
    contender.reset()
    with Session(db.engine) as session:
        team = None if team_id is None else session.get(Team, team_id)
        gc.collect()
        enabled = gc.isenabled()
        if not collect:
            gc.disable()
        try:
            start = time.perf_counter()
            contender.write(session, rows, team)
            elapsed = time.perf_counter() - start
        finally:
            if enabled:
                gc.enable()
    return elapsed, team_id


@dataclass(frozen=True)
class Settings:
    """How much to write and how often; see :func:`measure`."""

    #: Members per write.
    rows: int
    #: Rows per write of a capped contender (factory_boy's commit persistence).
    capped_rows: int
    #: Timed writes per contender after the first, checked one.
    rounds: int
    #: A contender whose first write takes longer than this (seconds) is not
    #: written again: that write is its only sample.
    long: float
    #: Whether to measure pyfactory's peak memory (on the SQLite file).
    memory: bool
    #: Whether the cyclic garbage collector stays on while timing (``--gc``).
    collect: bool = False


FULL = Settings(rows=10_000, capped_rows=1000, rounds=3, long=2.0, memory=True)
QUICK = Settings(rows=500, capped_rows=20, rounds=1, long=0.25, memory=False)


@dataclass(frozen=True)
class Result:
    rows: int
    seconds: float
    writes: int


def measure(db: Database, case: Case, settings: Settings) -> list[Result]:
    """The best write of each contender, its rows and the number of writes timed.

    Each contender first writes once and the database is checked (this write is
    timed too, and warms everything up). Then the rounds are interleaved: each
    round times one write of every contender in turn, so a stretch of noise on the
    machine touches every contender and the baseline alike. A contender whose
    first write took longer than ``settings.long`` is not written again: noise is
    a small part of a long write, and it would take minutes. The best write is kept.
    """
    sizes = [
        min(settings.rows, settings.capped_rows) if c.capped else settings.rows for c in CONTENDERS
    ]
    samples: list[list[float]] = []
    for contender, rows in zip(CONTENDERS, sizes, strict=True):
        elapsed, team_id = write_once(db, case, contender, rows, settings.collect)
        check(db, case, contender, rows, team_id)
        samples.append([elapsed])
    for _ in range(settings.rounds):
        for contender, rows, times in zip(CONTENDERS, sizes, samples, strict=True):
            if times[0] > settings.long:
                continue
            elapsed, _ = write_once(db, case, contender, rows, settings.collect)
            check_counts(db, case, contender, rows)
            times.append(elapsed)
    return [
        Result(rows, min(times), len(times)) for rows, times in zip(sizes, samples, strict=True)
    ]


#: The batch sizes of the memory measurement (full run, SQLite file only).
MEMORY_ROWS = (10_000, 100_000)


def memory(db: Database, sizes: Sequence[int]) -> list[tuple[int, float, float]]:
    """Peak and held traced memory (MB) of pyfactory's ``create_batch(n)`` in case B.

    Held is what is still allocated when the call returns: the n members and teams
    it hands back, in the session. Peak minus held is what the call needed on top.
    """
    case = CASES[1]
    found = []
    for rows in sizes:
        db.fresh(case)
        MemberFactory.reset_sequences()
        with Session(db.engine) as session:
            members = MemberFactory(session=session)
            gc.collect()
            tracemalloc.start()
            try:
                made = members.create_batch(rows)
                held, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            if len(made) != rows:
                raise AssertionError(f"create_batch({rows}) gave {len(made)} members")
            del made
            session.commit()
        check_counts(db, case, CONTENDERS[2], rows)
        found.append((rows, peak / 1e6, held / 1e6))
    return found


# ------------------------------------------------------------------ output


REPORT = Table(
    Column("library", "<12"),
    Column("call", "<34"),
    Column("rows", ">6"),
    Column("writes", ">6"),
    Column("us/row", ">9", ".2f"),
    Column("rows/s", ">9", ",.0f"),
    Column("x raw", ">8", ".2f"),
)


def report(results: list[Result], rows: int, out: Callable[[str], None]) -> None:
    out(REPORT.header())
    baseline = results[0].seconds / results[0].rows
    capped = None
    for contender, result in zip(CONTENDERS, results, strict=True):
        per_row = result.seconds / result.rows
        mark = ""
        if result.rows != rows:
            capped, mark = result.rows, " *"
        line = REPORT.row(
            contender.library,
            contender.how,
            result.rows,
            result.writes,
            per_row * 1e6,
            1 / per_row,
            per_row / baseline,
        )
        out(line + mark)
    if capped is not None:
        out(
            f"  * written {capped} rows at a time, not {rows}, and still given per row: "
            "commit persistence commits after every object and each commit expires every "
            f"object of the session, so its cost per row grows with the rows (at {rows} "
            "rows it is higher still)"
        )


def run(
    quick: bool, postgres: str | None, out: Callable[[str], None] = print, collect: bool = False
) -> None:
    settings = dataclasses.replace(QUICK if quick else FULL, collect=collect)
    started = time.perf_counter()
    versions = {
        "pyfactory": pyfactory_version(),
        "factory_boy": version("factory_boy"),
        "polyfactory": version("polyfactory"),
        "SQLAlchemy": version("SQLAlchemy"),
    }
    for line in header(versions):
        out(line)
    out(
        f"mode: {'quick' if quick else 'full'}; {settings.rows} rows per write; fresh empty "
        "tables for every write; each contender's first write is checked, then "
        + (
            f"{settings.rounds} more interleaved round(s) (not for a contender whose first "
            f"write took over {settings.long:g} s); best write kept"
            if settings.rounds
            else "that write is the only one timed"
        )
        + f"; {gc_words(collect)}"
    )
    backends: list[Callable[[], Any]] = [sqlite_database]
    if postgres:
        backends.append(lambda: postgres_database(postgres))
    else:
        out(
            f"PostgreSQL: not measured (no --postgres URL and {POSTGRES_ENV} is not set); "
            "SQLite only"
        )
    for backend in backends:
        with backend() as db:
            out("")
            out(db.description)
            for case in CASES:
                out("")
                out(f"{db.name}, case {case.key}: {settings.rows} members, {case.title}")
                report(measure(db, case, settings), settings.rows, out)
            if settings.memory and db.name == "sqlite file":
                out("")
                out(
                    "pyfactory create_batch(n) in case B on the SQLite file: traced memory "
                    "(tracemalloc, gc on); held = still allocated on return (the n members "
                    "and teams it returns), call = peak - held"
                )
                out(
                    f"  {'n':>7} {'peak MB':>9} {'held MB':>9} {'call MB':>9} "
                    f"{'peak KB/row':>12} {'call KB/row':>12}"
                )
                for rows, peak, held in memory(db, MEMORY_ROWS):
                    out(
                        f"  {rows:>7} {peak:>9.1f} {held:>9.1f} {peak - held:>9.1f} "
                        f"{peak * 1e3 / rows:>12.2f} {(peak - held) * 1e3 / rows:>12.2f}"
                    )
    out("")
    out(total_time(started))


def main(argv: Sequence[str] | None = None) -> int:
    # This script's collector is off by default, as timeit has it, so its option is
    # --gc, not the harness's --no-gc.
    parser = argument_parser(
        __doc__,
        "500 rows, one timed write each: checks that every library still writes "
        "the right rows (for CI), numbers are rough",
        no_gc_help=None,
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_ENV, "").strip() or None,
        help=f"a PostgreSQL server to measure as well (default: ${POSTGRES_ENV}); "
        "its user should be allowed to create a throwaway database",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="keep the cyclic garbage collector on while timing, as in a test suite "
        "(by default it is off for every contender, as timeit does)",
    )
    args = parser.parse_args(argv)
    run(args.quick, args.postgres, collect=args.gc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
