"""The seeding lock (``run_seeds(..., lock=True)``, ``pyfactory seed --lock``): real
processes that seed one database at once, on a SQLite file and on PostgreSQL, sync and
async; and, in this process, the options, the errors and the timeout.

The processes do not race by chance: the one that seeds waits, in its seed, until
every other has said that it waits for the lock (the lock logs it, and the seeds'
module leaves a file per line), so each test sees the same interleaving every time.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import re
import runpy
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

import pyfactory
from pyfactory._secrets import shown_url
from pyfactory.cli import main
from pyfactory.errors import UsageError
from pyfactory.seeding import (
    Seed,
    SeedFailedError,
    SeedLockError,
    SeedLockTimeoutError,
    SeedSummary,
    arun_seeds,
    run_seeds,
)
from pyfactory.seeding._lock import DEFAULT_LOCK, advisory_key, lock_file
from tests.seeding.shop import Base, Customer, CustomerFactory, count

SCRIPT = Path(sys.executable).with_name("pyfactory")

#: The seeds that the processes run. ``LOCK_TEST_ROLE`` says what the one that seeds
#: does once it holds the lock: ``ok`` waits until ``LOCK_TEST_WAITERS`` processes wait
#: for it, ``fail`` does too and then raises, ``hold`` waits for a file named ``go``.
LOCKSEEDS = """
    import asyncio
    import logging
    import os
    import time
    from pathlib import Path

    from sqlalchemy import ForeignKey, String, func, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from pyfactory.seeding import Seed

    HERE = Path(__file__).parent
    ROLE = os.environ.get("LOCK_TEST_ROLE", "ok")
    WAITERS = int(os.environ.get("LOCK_TEST_WAITERS", "0"))


    class Base(DeclarativeBase):
        pass


    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        name: Mapped[str] = mapped_column(String(40))


    class Label(Base):
        __tablename__ = "label"
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))


    class Marker(logging.Handler):
        def emit(self, record):
            (HERE / f"waiting-{os.getpid()}").write_text(record.getMessage())


    if "LOCK_TEST_ROLE" in os.environ:  # in the processes of the tests only
        logging.getLogger("pyfactory.seeding").addHandler(Marker())
        logging.getLogger("pyfactory.seeding").setLevel(logging.INFO)


    def ready():
        (HERE / f"seeding-{os.getpid()}").touch()
        if ROLE == "hold":
            return (HERE / "go").exists()
        return len(list(HERE.glob("waiting-*"))) >= WAITERS


    def empty(session, model):
        return not session.scalar(select(func.count()).select_from(model))


    # Fixed ids: a second run of a seed would fail on the primary key.
    def items():
        return [Item(id=n, name=f"item {n}") for n in range(1, 11)]


    def labels():
        return [Label(id=n, item_id=n) for n in range(1, 4)]


    class Items(Seed):
        def should_run(self, ctx):
            return empty(ctx.session, Item)

        def run(self, ctx):
            deadline = time.monotonic() + 120
            while not ready():
                assert time.monotonic() < deadline, "no other process came"
                time.sleep(0.02)
            ctx.session.add_all(items())
            ctx.session.flush()
            if ROLE == "fail":
                raise RuntimeError("the payment provider is down")


    class Labels(Seed):
        depends_on = (Items,)

        def should_run(self, ctx):
            return empty(ctx.session, Label)

        def run(self, ctx):
            ctx.session.add_all(labels())


    class AsyncItems(Seed):
        async def should_run(self, ctx):
            return await ctx.session.run_sync(empty, Item)

        async def run(self, ctx):
            deadline = time.monotonic() + 120
            while not ready():
                assert time.monotonic() < deadline, "no other process came"
                await asyncio.sleep(0.02)
            ctx.session.add_all(items())
            await ctx.session.flush()
            if ROLE == "fail":
                raise RuntimeError("the payment provider is down")


    class AsyncLabels(Seed):
        depends_on = (AsyncItems,)

        async def should_run(self, ctx):
            return await ctx.session.run_sync(empty, Label)

        async def run(self, ctx):
            ctx.session.add_all(labels())
"""

#: One process: run_seeds or arun_seeds with lock=True (and the options given as
#: JSON), and what came of it as JSON.
WORKER = """
    import asyncio
    import json
    import sys

    from lockseeds import AsyncLabels, Labels
    from pyfactory.seeding import arun_seeds, run_seeds

    url, mode, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    try:
        if mode == "sync":
            summary = run_seeds([Labels], url, lock=True, **options)
        else:
            summary = asyncio.run(arun_seeds([AsyncLabels], url, lock=True, **options))
    except BaseException as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}))
    else:
        print(json.dumps({
            "statuses": [r.status for r in summary.results],
            "rows": summary.rows,
            "lock": summary.lock,
            "waited": summary.waited is not None,
            "last": summary.lines()[-1],
        }))
"""

RAN, SKIPPED = ["ran", "ran"], ["skipped", "skipped"]
ONE_RUN = {"item": 10, "label": 3}


class Processes:
    """The processes of one test, in ``tmp_path`` with the seeds' module."""

    def __init__(self, here: Path) -> None:
        self.here = here
        (here / "lockseeds.py").write_text(textwrap.dedent(LOCKSEEDS))
        (here / "worker.py").write_text(textwrap.dedent(WORKER))
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *argv: str, **env: str) -> subprocess.Popen[str]:
        # The pyfactory of this test run, whichever is installed.
        root = str(Path(pyfactory.__file__).parent.parent)
        path = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
        process = subprocess.Popen(
            list(argv),
            cwd=self.here,
            env={
                **os.environ,
                "PYTHONPATH": path,
                "PYTHONWARNINGS": "error",
                "LOCK_TEST_ROLE": "ok",
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(process)
        return process

    def worker(self, url: str, mode: str, options: Any = None, **env: str) -> Any:
        return self.start(sys.executable, "worker.py", url, mode, json.dumps(options or {}), **env)

    def result(self, process: subprocess.Popen[str]) -> Any:
        out, err = process.communicate(timeout=180)
        assert (process.returncode, err) == (0, ""), (out, err)
        return json.loads(out)

    def wait_for(self, pattern: str, count: int = 1) -> None:
        """Until ``count`` files match ``pattern``: a process got that far."""
        deadline = time.monotonic() + 120
        while len(list(self.here.glob(pattern))) < count:
            dead = [p.communicate() for p in self.started if p.poll() is not None]
            assert not dead, (pattern, dead)
            assert time.monotonic() < deadline, pattern
            time.sleep(0.02)

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def with_tables(url: str, make_engine: Callable[..., Engine], here: Path) -> Engine:
    """An engine on ``url``, with the tables of the seeds' module."""
    engine = make_engine(url)
    runpy.run_path(str(here / "lockseeds.py"))["Base"].metadata.create_all(engine)
    return engine


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ONE_RUN}


def url_for(mode: str, db_url: str, async_db_url: str) -> str:
    return db_url if mode == "sync" else async_db_url


# ------------------------------------------------------------------ processes at once


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_one_process_seeds_the_others_wait_then_skip(
    processes: Processes, db_url: str, async_db_url: str, make_engine: Any, mode: str
) -> None:
    """Three processes start the same seeds on one database together: one seeds, the
    two others wait for it and then skip every seed, since their should_run finds its
    rows; no IntegrityError, and the rows of one run."""
    engine = with_tables(db_url, make_engine, processes.here)
    url = url_for(mode, db_url, async_db_url)
    results = [
        processes.result(p)
        for p in [processes.worker(url, mode, LOCK_TEST_WAITERS="2") for _ in range(3)]
    ]
    ran = [r for r in results if r["statuses"] == RAN]
    skipped = [r for r in results if r["statuses"] == SKIPPED]
    assert (len(ran), len(skipped)) == (1, 2), results
    assert ran[0]["rows"] == ONE_RUN
    assert ran[0]["waited"] is False
    for result in skipped:
        assert (result["rows"], result["waited"], result["lock"]) == ({}, True, DEFAULT_LOCK)
        assert re.fullmatch(
            r"2 seeds: 0 ran, 2 skipped; 0 rows in 0 tables; \d+\.\d\d s; "
            r"first waited \d+\.\d\d s for the lock 'pyfactory-seed'",
            result["last"],
        )
    assert counts(engine) == ONE_RUN
    assert len(list(processes.here.glob("seeding-*"))) == 1
    assert len(list(processes.here.glob("waiting-*"))) == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_failing_seed_releases_the_lock(
    processes: Processes, db_url: str, async_db_url: str, make_engine: Any, mode: str
) -> None:
    """Process A seeds and fails while B waits: A's rows are rolled back and its lock
    released, and B, finding nothing, seeds."""
    engine = with_tables(db_url, make_engine, processes.here)
    url = url_for(mode, db_url, async_db_url)
    first = processes.worker(url, mode, LOCK_TEST_ROLE="fail", LOCK_TEST_WAITERS="1")
    processes.wait_for("seeding-*")
    second = processes.worker(url, mode, LOCK_TEST_WAITERS="1")
    name = "Items" if mode == "sync" else "AsyncItems"
    assert processes.result(first) == {
        "error": "SeedFailedError",
        "message": f"seed {name} failed: RuntimeError: the payment provider is down (its "
        "rows were rolled back; no seed ran before it)",
    }
    result = processes.result(second)
    assert (result["statuses"], result["rows"], result["waited"]) == (RAN, ONE_RUN, True)
    assert counts(engine) == ONE_RUN


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_interrupt_releases_the_lock(
    processes: Processes, db_url: str, async_db_url: str, make_engine: Any, mode: str
) -> None:
    """Ctrl-C in process A while it holds the lock and B waits: A rolls back and lets
    go of the lock on its way out, and B seeds."""
    engine = with_tables(db_url, make_engine, processes.here)
    url = url_for(mode, db_url, async_db_url)
    first = processes.worker(url, mode, LOCK_TEST_ROLE="hold")
    processes.wait_for("seeding-*")
    second = processes.worker(url, mode, LOCK_TEST_WAITERS="1")
    processes.wait_for("waiting-*")
    first.send_signal(signal.SIGINT)
    assert processes.result(first) == {"error": "KeyboardInterrupt", "message": ""}
    result = processes.result(second)
    assert (result["statuses"], result["rows"], result["waited"]) == (RAN, ONE_RUN, True)
    assert counts(engine) == ONE_RUN


def test_a_killed_process_releases_the_lock(
    processes: Processes, db_url: str, make_engine: Any
) -> None:
    """A process killed while it holds the lock (kill -9: no Python code runs) leaves
    no lock behind: the operating system closes its lock file, the server ends its
    connection's session."""
    engine = with_tables(db_url, make_engine, processes.here)
    first = processes.worker(db_url, "sync", LOCK_TEST_ROLE="hold")
    processes.wait_for("seeding-*")
    second = processes.worker(db_url, "sync", LOCK_TEST_WAITERS="1")
    processes.wait_for("waiting-*")
    first.kill()
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    result = processes.result(second)
    assert (result["statuses"], result["rows"], result["waited"]) == (RAN, ONE_RUN, True)
    assert counts(engine) == ONE_RUN


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_timeout_gives_up_and_names_the_database(
    processes: Processes, db_url: str, async_db_url: str, make_engine: Any, mode: str
) -> None:
    """A process that waits longer than lock_timeout gives up with SeedLockTimeoutError,
    naming the lock, the database (without its password) and how long it waited, and
    runs nothing; the process that holds the lock goes on."""
    engine = with_tables(db_url, make_engine, processes.here)
    url = url_for(mode, db_url, async_db_url)
    first = processes.worker(url, mode, LOCK_TEST_ROLE="hold")
    processes.wait_for("seeding-*")
    result = processes.result(processes.worker(url, mode, {"lock_timeout": 0.2}))
    (processes.here / "go").touch()
    assert result["error"] == "SeedLockTimeoutError"
    shown = re.escape(shown_url(url))
    assert re.fullmatch(
        rf"gave up waiting for the seeding lock 'pyfactory-seed' on {shown} after "
        r"\d+\.\d s \(lock_timeout=0\.2\): another process is seeding it; no seed ran",
        result["message"],
    ), result["message"]
    password = make_url(url).password
    assert not password or password not in result["message"]
    assert processes.result(first)["statuses"] == RAN
    assert counts(engine) == ONE_RUN


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_command(
    processes: Processes, db_url: str, async_db_url: str, make_engine: Any, mode: str
) -> None:
    """Three `pyfactory seed --lock --create-tables` at once on an empty database: the
    lock covers creating the tables too. One seeds; the others say on standard error
    that they wait, then skip, and the summary says how long they waited."""
    url = url_for(mode, db_url, async_db_url)
    names = "lockseeds:Labels" if mode == "sync" else "lockseeds:AsyncLabels"
    argv = [str(SCRIPT), "seed", names, "--url", url, "--create-tables", "--lock"]
    started = [processes.start(*argv, LOCK_TEST_ROLE="ok", LOCK_TEST_WAITERS="2") for _ in range(3)]
    results = [(p.communicate(timeout=180), p.returncode) for p in started]
    assert [code for _, code in results] == [0, 0, 0], results
    waited = (
        f"pyfactory seed: waiting for the seeding lock 'pyfactory-seed' on {shown_url(url)}: "
        "another process holds it\n"
    )
    ran = [out for (out, err), _ in results if err == "" and "2 seeds: 2 ran" in out]
    skipped = [
        out for (out, err), _ in results if err == waited and "2 seeds: 0 ran, 2 skipped" in out
    ]
    assert (len(ran), len(skipped)) == (1, 2), results
    assert "first waited" not in ran[0]
    assert all("s for the lock 'pyfactory-seed'" in out for out in skipped)
    assert counts(make_engine(db_url)) == ONE_RUN


# ------------------------------------------------------------------ in this process


@contextmanager
def held_elsewhere(url: str, name: str = DEFAULT_LOCK) -> Iterator[None]:
    """The lock ``name`` of the database of ``url``, held the way another process holds
    it: an advisory lock on a connection of its own, or its lock file, opened and
    locked apart from the runner's (flock's locks belong to an open file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed.set(drivername="postgresql+psycopg"))
        try:
            with engine.connect() as conn:
                key = {"key": advisory_key(name)}
                conn.execute(text("SELECT pg_advisory_lock(CAST(:key AS bigint))"), key)
                conn.commit()
                yield
                conn.execute(text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), key)
        finally:
            engine.dispose()
    else:
        assert parsed.database
        fd = os.open(lock_file(parsed.database, name), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield
        finally:
            os.close(fd)


@contextmanager
def on_waiting(action: Callable[[], Any]) -> Iterator[list[str]]:
    """Call ``action`` when a run logs that it waits for the lock (in its thread, before
    it waits); the lines it logged."""
    lines: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())
            action()

    logger = logging.getLogger("pyfactory.seeding")
    handler, level = Handler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


WAITED = re.compile(
    r"1 seed: 1 ran, 0 skipped; 3 rows in 1 table; \d+\.\d\d s; first waited \d+\.\d\d s "
    r"for the lock 'pyfactory-seed'"
)


class Customers(Seed):
    def should_run(self, ctx: Any) -> bool:
        return not ctx.session.scalar(count(Customer))

    def run(self, ctx: Any) -> None:
        ctx.fill(CustomerFactory, 3)


class Fails(Seed):
    def run(self, ctx: Any) -> None:
        ctx.fill(CustomerFactory, 2)
        raise ValueError("no")


class Interrupted(Seed):
    def run(self, ctx: Any) -> None:
        raise KeyboardInterrupt


class Cancelled(Seed):
    async def run(self, ctx: Any) -> None:
        raise asyncio.CancelledError


class TestOptions:
    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (
                {"lock": 1},
                "lock is True, False or a name of letters, digits, '_', '.' and '-' (at "
                "most 100), not 1",
            ),
            ({"lock": "a b"}, "not 'a b'"),
            ({"lock": ""}, "not ''"),
            ({"lock": "x" * 101}, "(at most 100)"),
            ({"lock": "../x"}, "not '../x'"),
            (
                {"lock": True, "lock_timeout": -1},
                "lock_timeout is a number of seconds, 0 or more (None: as long as it "
                "takes), not -1",
            ),
            ({"lock": True, "lock_timeout": float("nan")}, "not nan"),
            ({"lock": True, "lock_timeout": True}, "not True"),
            ({"lock": True, "lock_timeout": "5"}, "not '5'"),
            (
                {"lock_timeout": 5},
                "lock_timeout=5 is how long to wait for the lock: it needs lock=True, or "
                "lock='name'",
            ),
        ],
    )
    def test_bad_options_are_refused_before_connecting(
        self, options: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(UsageError) as caught:
            run_seeds([Customers], "postgresql+psycopg://nobody@nowhere.invalid/db", **options)
        assert message in str(caught.value)

    def test_the_lock_and_its_file(self, sqlite_engine: Engine, sqlite_path: Path) -> None:
        """lock=True: the lock 'pyfactory-seed', a file next to the SQLite database,
        taken at once; the summary says which lock and that it did not wait."""
        summary = run_seeds([Customers], sqlite_engine, lock=True)
        assert (summary.names("ran"), summary.lock, summary.waited) == (
            ("Customers",),
            "pyfactory-seed",
            None,
        )
        assert "waited" not in str(summary)
        assert Path(f"{sqlite_path}-pyfactory-seed.lock").is_file()
        again = run_seeds([Customers], sqlite_engine, lock="shop.v2-seed")
        assert (again.names("skipped"), again.lock) == (("Customers",), "shop.v2-seed")
        assert Path(f"{sqlite_path}-shop.v2-seed.lock").is_file()
        plain = run_seeds([Customers], sqlite_engine)
        assert (plain.lock, plain.waited) == (None, None)

    def test_one_name_does_not_wait_for_another(
        self, db_url: str, engine: Engine, caplog: pytest.LogCaptureFixture
    ) -> None:
        with held_elsewhere(db_url, "other"), caplog.at_level(logging.INFO, "pyfactory.seeding"):
            summary = run_seeds([Customers], engine, lock=True, lock_timeout=0)
        assert (summary.names("ran"), summary.waited, caplog.records) == (("Customers",), None, [])

    def test_a_file_uri(self, sqlite_path: Path, make_engine: Callable[..., Engine]) -> None:
        engine = make_engine(f"sqlite:///file:{sqlite_path}?uri=true")
        Base.metadata.create_all(engine)
        assert run_seeds([Customers], engine, lock=True).rows == {"customer": 3}
        assert Path(f"{sqlite_path}-pyfactory-seed.lock").is_file()

    def test_in_memory_the_lock_is_a_no_op(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No other process can open an in-memory database: nothing to wait for, and no
        file is made."""
        monkeypatch.chdir(tmp_path)
        for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:seeds?mode=memory&uri=true"):
            engine = create_engine(url, poolclass=StaticPool)
            Base.metadata.create_all(engine)
            summary = run_seeds([Customers], engine, lock=True, lock_timeout=0)
            assert (summary.names("ran"), summary.lock, summary.waited) == (
                ("Customers",),
                "pyfactory-seed",
                None,
            )
            engine.dispose()
        assert list(tmp_path.iterdir()) == []

    def test_another_database_has_no_lock(self) -> None:
        """MySQL (a real engine of its dialect, never connected): refused before
        anything, naming the database without its password."""
        import sqlite3

        engine = create_engine("mysql+pymysql://shop:s3cret-pw@db.example/shop", module=sqlite3)
        with pytest.raises(SeedLockError) as caught:
            run_seeds([Customers], engine, lock=True)
        assert str(caught.value) == (
            "the seeding lock 'pyfactory-seed' is a PostgreSQL advisory lock or a file next "
            "to a SQLite database, and mysql+pymysql://shop:***@db.example/shop is mysql: "
            "run the seeds without a lock, from one process"
        )
        assert (caught.value.lock, caught.value.database) == (
            "pyfactory-seed",
            "mysql+pymysql://shop:***@db.example/shop",
        )

    def test_a_session_bound_to_nothing(self) -> None:
        with Session() as session, pytest.raises(SeedLockError) as caught:
            run_seeds([Customers], session, lock="mine")
        assert str(caught.value) == (
            "the seeding lock 'mine' is taken on the session's database, and this session "
            "is bound to none: give it an engine (Session(engine))"
        )
        assert caught.value.database is None

    def test_a_lock_file_that_cannot_be_opened(
        self, sqlite_engine: Engine, sqlite_path: Path
    ) -> None:
        Path(f"{sqlite_path}-pyfactory-seed.lock").mkdir()
        with pytest.raises(SeedLockError) as caught:
            run_seeds([Customers], sqlite_engine, lock=True)
        assert str(caught.value) == (
            f"cannot open the lock file {sqlite_path}-pyfactory-seed.lock of the seeding "
            f"lock 'pyfactory-seed' on sqlite:///{sqlite_path}: Is a directory"
        )
        with Session(sqlite_engine) as session:
            assert session.scalar(count(Customer)) == 0

    def test_the_summary_says_how_long_it_waited(self) -> None:
        summary = SeedSummary((), 0.25, lock="pyfactory-seed", waited=1.5)
        assert summary.lines()[-1] == (
            "0 seeds: 0 ran, 0 skipped; 0 rows in 0 tables; 0.25 s; first waited 1.50 s "
            "for the lock 'pyfactory-seed'"
        )


class TestTimeout:
    @pytest.mark.parametrize("timeout", [0, 0.05])
    def test_sync(
        self,
        db_url: str,
        engine: Engine,
        caplog: pytest.LogCaptureFixture,
        timeout: float,
    ) -> None:
        """Held by another: SeedLockTimeoutError after lock_timeout (0: at once), the
        waiting logged first; nothing ran. Released, the next run takes the lock."""
        shown = shown_url(engine.url)
        with held_elsewhere(db_url), caplog.at_level(logging.INFO, "pyfactory.seeding"):
            with pytest.raises(SeedLockTimeoutError) as caught:
                run_seeds([Customers], engine, lock=True, lock_timeout=timeout)
        error = caught.value
        assert re.fullmatch(
            rf"gave up waiting for the seeding lock 'pyfactory-seed' on {re.escape(shown)} "
            rf"after \d+\.\d s \(lock_timeout={timeout:g}\): another process is seeding it; "
            "no seed ran",
            str(error),
        )
        assert isinstance(error, TimeoutError)
        assert (error.lock, error.database, error.timeout) == ("pyfactory-seed", shown, timeout)
        assert error.waited >= timeout  # it gives up only once the time is up
        assert [r.getMessage() for r in caplog.records] == [
            f"waiting for the seeding lock 'pyfactory-seed' on {shown}: another process "
            f"holds it (giving up after {timeout:g} s)"
        ]
        with Session(engine) as session:
            assert session.scalar(count(Customer)) == 0
        assert run_seeds([Customers], engine, lock=True, lock_timeout=0).names("ran") == (
            "Customers",
        )

    async def test_async(self, async_db_url: str, async_engine: AsyncEngine) -> None:
        with held_elsewhere(async_db_url), pytest.raises(SeedLockTimeoutError) as caught:
            await arun_seeds([Customers], async_engine, lock=True, lock_timeout=0.05)
        assert caught.value.waited >= 0.05
        assert str(caught.value).startswith(
            f"gave up waiting for the seeding lock 'pyfactory-seed' on {shown_url(async_db_url)} "
        )
        summary = await arun_seeds([Customers], async_engine, lock=True, lock_timeout=0)
        assert summary.names("ran") == ("Customers",)


class TestWaiting:
    """The lock held as another process holds it, and let go of once the run says that
    it waits: the run takes it then, and its summary says that it waited."""

    @pytest.mark.parametrize("timeout", [None, 30])
    def test_sync(self, db_url: str, engine: Engine, timeout: float | None) -> None:
        with ExitStack() as holder:
            holder.enter_context(held_elsewhere(db_url))
            with on_waiting(holder.close) as lines:
                summary = run_seeds([Customers], engine, lock=True, lock_timeout=timeout)
        assert len(lines) == 1
        assert (summary.rows, summary.lock) == ({"customer": 3}, "pyfactory-seed")
        assert summary.waited is not None
        assert WAITED.fullmatch(summary.lines()[-1]), summary.lines()[-1]

    @pytest.mark.parametrize("timeout", [None, 30])
    async def test_async(
        self, async_db_url: str, async_engine: AsyncEngine, timeout: float | None
    ) -> None:
        with ExitStack() as holder:
            holder.enter_context(held_elsewhere(async_db_url))
            with on_waiting(holder.close):
                summary = await arun_seeds(
                    [Customers], async_engine, lock=True, lock_timeout=timeout
                )
        assert summary.rows == {"customer": 3}
        assert summary.waited is not None

    def test_a_connection_lost_while_waiting(
        self, postgres_database_url: str, make_engine: Callable[..., Engine]
    ) -> None:
        """The server ends the waiting connection: SeedLockError, with the driver's
        error as its cause, and nothing ran."""
        url = make_url(postgres_database_url).set(drivername="postgresql+psycopg")
        engine = make_engine(url)
        Base.metadata.create_all(engine)

        def end_the_waiting_connection() -> None:
            with engine.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname "
                        "= current_database() AND pid <> pg_backend_pid() AND query LIKE "
                        "'%pg_try_advisory_lock%'"
                    )
                )
                conn.commit()

        with held_elsewhere(postgres_database_url), on_waiting(end_the_waiting_connection):
            with pytest.raises(SeedLockError) as caught:
                run_seeds([Customers], engine, lock=True)
        assert type(caught.value) is SeedLockError
        assert str(caught.value) == (
            f"cannot take the seeding lock 'pyfactory-seed' on {shown_url(url)}: "
            "AdminShutdown: terminating connection due to administrator command"
        )
        assert isinstance(caught.value.__cause__, OperationalError)
        with Session(engine) as session:
            assert session.scalar(count(Customer)) == 0
        assert run_seeds([Customers], engine, lock=True, lock_timeout=0).rows == {"customer": 3}


class TestReleased:
    """However a run ends, the next one takes the lock at once (lock_timeout=0)."""

    def test_after_a_failing_seed(self, engine: Engine) -> None:
        with pytest.raises(SeedFailedError):
            run_seeds([Fails], engine, lock=True)
        assert run_seeds([Customers], engine, lock=True, lock_timeout=0).rows == {"customer": 3}

    def test_after_an_interrupt(self, engine: Engine) -> None:
        with pytest.raises(KeyboardInterrupt):
            run_seeds([Interrupted], engine, lock=True)
        assert run_seeds([Customers], engine, lock=True, lock_timeout=0).rows == {"customer": 3}

    async def test_async_after_a_failing_seed_and_a_cancel(self, async_engine: AsyncEngine) -> None:
        with pytest.raises(SeedFailedError):
            await arun_seeds([Fails], async_engine, lock=True)
        with pytest.raises(asyncio.CancelledError):
            await arun_seeds([Cancelled], async_engine, lock=True)
        summary = await arun_seeds([Customers], async_engine, lock=True, lock_timeout=0)
        assert summary.rows == {"customer": 3}

    def test_a_session_of_its_own(self, session: Session, db_url: str) -> None:
        """Given a session, the lock is taken on its engine, with a connection of its
        own, and the session is left open."""
        with held_elsewhere(db_url), pytest.raises(SeedLockTimeoutError):
            run_seeds([Customers], session, lock=True, lock_timeout=0)
        assert run_seeds([Customers], session, lock=True).rows == {"customer": 3}
        assert session.scalar(count(Customer)) == 3


# ------------------------------------------------------------------ the command, in process


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """tmp_path as the current directory, with the seeds' module, for main()."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    (tmp_path / "lockseeds.py").write_text(textwrap.dedent(LOCKSEEDS))
    yield tmp_path
    sys.modules.pop("lockseeds", None)


class TestCommandOptions:
    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--lock-timeout", "5"], "--lock-timeout is for --lock, which is not given"),
            (["--lock-name", "mine"], "--lock-name is for --lock, which is not given"),
        ],
    )
    def test_without_lock(
        self, here: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
    ) -> None:
        assert main(["seed", "lockseeds", *argv]) == 2
        assert capsys.readouterr().err == f"pyfactory seed: error: {message}\n"

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (
                ["--lock-name", "a b"],
                "argument --lock-name: a name of letters, digits, '_', '.' and '-' (at most "
                "100), not 'a b'",
            ),
            (["--lock-timeout", "-1"], "argument --lock-timeout: must be 0 or more seconds: '-1'"),
            (
                ["--lock-timeout", "inf"],
                "argument --lock-timeout: must be 0 or more seconds: 'inf'",
            ),
            (["--lock-timeout", "soon"], "argument --lock-timeout: not a number: 'soon'"),
        ],
    )
    def test_refused_by_the_parser(
        self, here: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
    ) -> None:
        with pytest.raises(SystemExit) as caught:
            main(["seed", "lockseeds", "--lock", *argv])
        assert caught.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1] == f"pyfactory seed: error: {message}"

    @pytest.mark.parametrize("driver", ["sqlite", "sqlite+aiosqlite"])
    def test_a_timeout_exits_75(
        self, here: Path, capsys: pytest.CaptureFixture[str], driver: str
    ) -> None:
        """Giving up: a line saying it waits, one saying it gave up, exit code 75 (try
        again later), nothing run; the tables are not created either, as that is done
        under the lock."""
        url = f"{driver}:///{here / 'shop.sqlite3'}"
        argv = ["seed", "lockseeds:Labels", "--url", url, "--create-tables", "--lock"]
        with held_elsewhere(url, "shop-seed"):
            assert main([*argv, "--lock-name", "shop-seed", "--lock-timeout", "0"]) == 75
        captured = capsys.readouterr()
        assert captured.out == ""
        waiting, gave_up = captured.err.splitlines()
        assert waiting == (
            f"pyfactory seed: waiting for the seeding lock 'shop-seed' on {url}: another "
            "process holds it (giving up after 0 s)"
        )
        assert gave_up.startswith(
            f"pyfactory seed: gave up waiting for the seeding lock 'shop-seed' on {url} after "
        )
        assert gave_up.endswith(" s (lock_timeout=0): another process is seeding it; no seed ran")
        assert counts_or_none(f"sqlite:///{here / 'shop.sqlite3'}") is None
        assert main([*argv, "--lock-name", "shop-seed"]) == 0
        assert "2 seeds: 2 ran" in capsys.readouterr().out

    def test_a_lock_that_cannot_be_taken_exits_2(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = here / "shop.sqlite3"
        Path(f"{path}-pyfactory-seed.lock").mkdir()
        assert (
            main(
                [
                    "seed",
                    "lockseeds:Labels",
                    "--url",
                    f"sqlite:///{path}",
                    "--create-tables",
                    "--lock",
                ]
            )
            == 2
        )
        assert capsys.readouterr().err == (
            f"pyfactory seed: error: cannot open the lock file {path}-pyfactory-seed.lock "
            f"of the seeding lock 'pyfactory-seed' on sqlite:///{path}: Is a directory\n"
        )


def counts_or_none(url: str) -> dict[str, int] | None:
    """The rows of the seeds' tables, or None when the database has none of them."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = conn.execute(text("SELECT name FROM sqlite_master")).scalars().all()
        return counts(engine) if names else None
    finally:
        engine.dispose()
