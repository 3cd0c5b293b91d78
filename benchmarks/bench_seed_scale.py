"""A million ticketing users through ``pyfactory seed``, against a raw ``executemany``
of the same rows, pre-built in memory, into the same SQLite schema.

Run from the repository root::

    python benchmarks/bench_seed_scale.py               # full run: 1,000,000 rows, long
    python benchmarks/bench_seed_scale.py --quick       # smoke run for CI: 2,000 rows
    python benchmarks/bench_seed_scale.py --rows 100000 --rounds 1

This file is also the seed module that ``pyfactory seed`` runs: its
:class:`UsersAtScaleSeed` writes 1,000 users of the ticketing example
(``examples/ticketing``, ``UserFactory`` with the example's seed: a uuid, first and
last names, an email made from them, a sign-up time) with ``ctx.fill``, and
``--scale`` makes them as many as asked::

    pyfactory seed benchmarks/bench_seed_scale.py:UsersAtScaleSeed \\
        --url sqlite:///users.sqlite3 --create-tables --scale 1000   # 1,000,000 users

Contenders, each writing to a new SQLite file:

* raw (the baseline, ratio 1.00): the rows that the first ``pyfactory seed`` run
  wrote, read back into a list of tuples beforehand (not timed), then one
  ``executemany`` of them through the driver and a commit, into the same tables
  made beforehand (not timed);
* ``pyfactory seed``, the command line as users run it, in a subprocess, timed end to
  end: the interpreter's start, the imports, ``--create-tables``, the seed and its
  summary. The seed's own seconds, as its summary prints them, are shown beside;
* ``run_seeds``, the seeding API in this process, on tables made beforehand: the
  seed's part of the command line's time;
* ``pyfactory seed --dry-run``, which writes nothing: the command line's start and
  imports, the rest of its time (for information);
* ``pyfactory seed --workers 1`` and ``run_seeds(..., workers=1)``: the same, with
  the rows made in a worker process while this one writes them (the worker's start
  included).

Every write is checked (see *Fairness* in ``benchmarks/README.rst``): the first run's
rows are realistic, and every later write holds exactly the same rows (a digest of
the whole table). Best and median of the rounds, which are interleaved; the garbage
collector is on. Only public API and the command line are used, so the same script
measures any version of pyfactory.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from _harness import (
    Column,
    Table,
    argument_parser,
    best_and_median,
    header,
    pyfactory_version,
    total_time,
)
from sqlalchemy import create_engine

import pyfactory
from pyfactory.seeding import Seed, SeedContext, run_seeds

# The ticketing example is a package in examples/, which is not installed.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

from ticketing.factories import SIGN_UPS, UserFactory  # noqa: E402
from ticketing.models import Base, User  # noqa: E402
from ticketing.seeds import SEED  # noqa: E402

#: The users the seed asks for; ``--scale`` multiplies them.
USERS = 1_000
#: The issue's target: the seed within this times the raw executemany.
TARGET = 1.5
COLUMNS = ("id", "first_name", "last_name", "email", "created_at")
TABLE = User.__tablename__


class UsersAtScaleSeed(Seed):
    """The ticketing app's registered users: 1,000 of them, times ``--scale``."""

    def run(self, ctx: SeedContext) -> None:
        ctx.fill(ctx.factory(UserFactory, seed=SEED), USERS)


# ------------------------------------------------------------------ the writes


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_tables(path: Path) -> None:
    engine = create_engine(sqlite_url(path))
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def read_rows(path: Path) -> list[tuple[object, ...]]:
    """Every row of the users' table, as the driver gives them back (what it takes)."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f'SELECT {", ".join(COLUMNS)} FROM "{TABLE}" ORDER BY rowid').fetchall()


def raw_write(path: Path, rows: list[tuple[object, ...]]) -> float:
    """One executemany of ready tuples and a commit, through SQLAlchemy's connection
    to the driver (as bench_seed.py does). Seconds."""
    sql = f'INSERT INTO "{TABLE}" ({", ".join(COLUMNS)}) VALUES ({", ".join("?" * len(COLUMNS))})'
    engine = create_engine(sqlite_url(path))
    try:
        gc.collect()
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql(sql, rows)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def command_line() -> tuple[list[str], dict[str, str], str]:
    """The ``pyfactory`` command (the console script beside this interpreter, else
    ``python -m pyfactory``), an environment that makes it import the pyfactory this
    script imports, and that pyfactory's directory as the command sees it."""
    source = str(Path(pyfactory.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    script = Path(sys.executable).with_name("pyfactory")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "pyfactory"]
    seen = subprocess.run(
        [sys.executable, "-c", "import os, pyfactory; print(os.path.dirname(pyfactory.__file__))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return command, env, seen


SUMMARY = re.compile(rf"^{UsersAtScaleSeed.__name__}\s+ran\s+(?P<seconds>[\d.]+)\s", re.M)


def cli_write(
    path: Path,
    scale: float,
    command: list[str],
    env: dict[str, str],
    dry_run: bool = False,
    workers: int = 0,
) -> tuple[float, float | None]:
    """``pyfactory seed`` in a subprocess: its wall-clock seconds, and the seed's own
    seconds as its summary prints them (None for a dry run)."""
    args = [
        *command,
        "seed",
        f"{Path(__file__).resolve()}:{UsersAtScaleSeed.__name__}",
        "--url",
        sqlite_url(path),
        "--create-tables",
        "--scale",
        f"{scale:g}",
        "--no-progress",
        *(["--dry-run"] if dry_run else []),
        *(["--workers", str(workers)] if workers else []),
    ]
    gc.collect()
    started = time.perf_counter()
    done = subprocess.run(
        args, cwd=path.parent, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise AssertionError(
            f"pyfactory seed exited with {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    if dry_run:
        return seconds, None
    found = SUMMARY.search(done.stdout)
    if not found:
        raise AssertionError(f"pyfactory seed printed no line for the seed:\n{done.stdout}")
    return seconds, float(found["seconds"])


def api_write(path: Path, scale: float, workers: int = 0) -> tuple[float, float]:
    """``run_seeds`` in this process, on tables made beforehand: seconds, and the
    seed's own as its summary counts them."""
    make_tables(path)
    # A sequence counts on in a process: start the emails' numbers at 1, as a new
    # process of the command line does.
    UserFactory.reset_sequences()
    engine = create_engine(sqlite_url(path))
    try:
        gc.collect()
        started = time.perf_counter()
        summary = run_seeds([UsersAtScaleSeed], engine, scale=scale, workers=workers)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return seconds, summary[UsersAtScaleSeed.__name__].seconds


# ------------------------------------------------------------------ checking

EMAIL = re.compile(r"^[a-z-]+\.[a-z-]+\d+@example\.org$")
UUID_HEX = re.compile(r"^[0-9a-f]{32}$")


def digest(path: Path, rows: int, label: str, realistic: bool = False) -> str:
    """The SHA-256 of the users' table, row by row in the order written; fail loudly
    (even under ``python -O``) unless it has ``rows`` rows and, with ``realistic``,
    each has the shape the ticketing factory gives."""
    found = hashlib.sha256()
    count = 0
    firsts: set[str] = set()
    earliest, latest = f"{SIGN_UPS[0]:%Y-%m-%d %H:%M:%S}", f"{SIGN_UPS[1]:%Y-%m-%d %H:%M:%S}"
    with closing(sqlite3.connect(path)) as conn:
        cursor = conn.execute(f'SELECT {", ".join(COLUMNS)} FROM "{TABLE}" ORDER BY rowid')
        for row in cursor:
            count += 1
            found.update(repr(row).encode())
            if realistic:
                user_id, first, last, email, created = row
                if not (
                    UUID_HEX.match(user_id)
                    and first.strip()
                    and last.strip()
                    and EMAIL.match(email)
                    and earliest <= created[:19] <= latest
                ):
                    raise AssertionError(f"{label}: row {count} is not a ticketing user: {row!r}")
                firsts.add(first)
    if count != rows:
        raise AssertionError(f"{label}: {count} rows, not {rows}")
    if realistic and len(firsts) < min(rows, 1000) // 10:
        raise AssertionError(f"{label}: only {len(firsts)} distinct first names")
    return found.hexdigest()


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Row:
    library: str
    how: str
    #: Whether the ratio to raw means something (not for the dry run).
    compared: bool = True


ROWS = (
    Row("raw", "executemany of ready tuples"),
    Row("pyfactory", "pyfactory seed (CLI, end to end)"),
    Row("pyfactory", "run_seeds (API, in process)"),
    Row("pyfactory", "pyfactory seed --dry-run", compared=False),
    Row("pyfactory", "pyfactory seed --workers 1 (CLI)"),
    Row("pyfactory", "run_seeds(workers=1) (API)"),
)


def measure(
    tmp: Path, rows: int, rounds: int, out: Callable[[str], None]
) -> tuple[list[list[float]], list[list[float]]]:
    """Wall-clock seconds of every write of every row, and the seed's own seconds (as
    its summary says) of the two seed rows, in interleaved rounds."""
    scale = rows / USERS
    command, env, seen = command_line()
    out(f"command line: {' '.join(command)} (imports pyfactory from {seen})")
    if Path(seen).resolve() != Path(pyfactory.__file__).resolve().parent:
        raise AssertionError(f"the command line imports pyfactory from {seen}, not this one")
    samples: list[list[float]] = [[] for _ in ROWS]
    own: list[list[float]] = [[] for _ in ROWS]
    source = tmp / "source.sqlite3"
    for round_ in range(rounds):
        # The first round's command line run writes the rows that the others must
        # equal, and that raw writes.
        target = source if round_ == 0 else tmp / "cli.sqlite3"
        seconds, seed_seconds = cli_write(target, scale, command, env)
        samples[1].append(seconds)
        own[1].append(seed_seconds or 0.0)
        if round_ == 0:
            want = digest(source, rows, "pyfactory seed", realistic=True)
        else:
            if digest(target, rows, "pyfactory seed") != want:
                raise AssertionError("pyfactory seed wrote other rows than in its first run")
            target.unlink()

        api = tmp / "api.sqlite3"
        seconds, seed_seconds = api_write(api, scale)
        samples[2].append(seconds)
        own[2].append(seed_seconds)
        if digest(api, rows, "run_seeds") != want:
            raise AssertionError("run_seeds wrote other rows than pyfactory seed")
        api.unlink()

        raw = tmp / "raw.sqlite3"
        make_tables(raw)
        ready = read_rows(source)
        samples[0].append(raw_write(raw, ready))
        del ready
        gc.collect()
        if digest(raw, rows, "raw") != want:
            raise AssertionError("raw wrote other rows than pyfactory seed")
        raw.unlink()

        dry = tmp / "dry.sqlite3"
        samples[3].append(cli_write(dry, scale, command, env, dry_run=True)[0])
        dry.unlink(missing_ok=True)
        for index, (seconds, seed_seconds) in beside_writes(tmp, rows, scale, want, command, env):
            samples[index].append(seconds)
            own[index].append(seed_seconds)
    return samples, own


def beside_writes(
    tmp: Path, rows: int, scale: float, want: str, command: list[str], env: dict[str, str]
) -> Iterator[tuple[int, tuple[float, float]]]:
    """The two writes whose rows a worker process makes while this one writes them
    (``--workers 1``), by their row in :data:`ROWS`, each checked against ``want``."""
    beside = tmp / "beside.sqlite3"
    for index, label in ((4, "pyfactory seed --workers 1"), (5, "run_seeds(workers=1)")):
        if index == 4:
            seconds, seed_seconds = cli_write(beside, scale, command, env, workers=1)
        else:
            seconds, seed_seconds = api_write(beside, scale, workers=1)
        if digest(beside, rows, label) != want:
            raise AssertionError(f"{label} wrote other rows than pyfactory seed")
        beside.unlink()
        yield index, (seconds, seed_seconds or 0.0)


REPORT = Table(
    Column("library", "<10"),
    Column("how", "<34"),
    Column("best s", ">8", ".2f"),
    Column("median s", ">9", ".2f"),
    Column("us/row", ">7", ".2f"),
    Column("x raw", ">6", ".2f"),
    Column("seed s", ">7", ".2f"),
)


def run(rows: int, rounds: int, quick: bool, out: Callable[[str], None] = print) -> None:
    started = time.perf_counter()
    versions = {
        "pyfactory": pyfactory_version(where=True),
        "Faker": version("Faker"),
        "SQLAlchemy": version("SQLAlchemy"),
        "SQLite": sqlite3.sqlite_version,
    }
    for line in header(versions, load=True):
        out(line)
    out(
        f"mode: {'quick' if quick else 'full'}; {rows:,} ticketing users per write "
        f"({USERS:,} x --scale {rows / USERS:g}), a new SQLite file each; {rounds} "
        "interleaved round(s); every write checked; best and median; gc on"
    )
    with tempfile.TemporaryDirectory(prefix="pyfactory-bench-") as tmp:
        samples, own = measure(Path(tmp), rows, rounds, out)
    out("")
    out(f"{rows:,} users (uuid, first and last names, email, sign-up time) into SQLite")
    out(REPORT.header())
    baseline = min(samples[0])
    for row, taken, seed_own in zip(ROWS, samples, own, strict=True):
        best, median = best_and_median(taken)
        # The dry run writes no rows: its time per row and ratio would mean nothing.
        per_row = best / rows * 1e6 if row.compared else "-"
        ratio = best / baseline if row.compared else "-"
        own_best = min(seed_own) if seed_own else ""
        out(REPORT.row(row.library, row.how, best, median, per_row, ratio, own_best))
    out(
        "  seed s: the seed's own seconds, as its summary gives them (best); "
        "the command line's rest is its start, imports, tables and summary"
    )
    verdicts = []
    for label, taken in (
        ("pyfactory seed", samples[1]),
        ("run_seeds", samples[2]),
        ("pyfactory seed --workers 1", samples[4]),
        ("run_seeds(workers=1)", samples[5]),
    ):
        ratio = min(taken) / baseline
        verdicts.append(f"{label} {ratio:.2f}x ({'met' if ratio <= TARGET else 'not met'})")
    out(f"  target, within {TARGET}x raw: {', '.join(verdicts)}")
    out("")
    out(total_time(started))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__,
        "2,000 rows, one round: checks that it all still works (for CI), numbers are rough",
        no_gc_help=None,
    )
    parser.add_argument(
        "--rows", type=int, default=None, help="users per write (default 1,000,000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="interleaved rounds (default 3; 1 with --quick)"
    )
    args = parser.parse_args(argv)
    rows = args.rows or (2_000 if args.quick else 1_000_000)
    rounds = args.rounds or (1 if args.quick else 3)
    if rows < 1 or rounds < 1:
        parser.error("--rows and --rounds take a number above 0")
    run(rows, rounds, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
