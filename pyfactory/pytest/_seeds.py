"""Reproducible data: the session seed, each test's seed, per-test resets, pytest-xdist.

* One **session seed**: ``--pyfactory-seed=N``, else a random one; the header shows it,
  and under pytest-xdist the controller hands its own to every worker.
* Each test's **seed** is derived from the session seed and the test's node id with
  SHA-256 (:func:`seed_of_test`), so it does not change when other tests are added,
  removed, reordered or deselected. The ``pyfactory_seed`` fixture gives it.
* While a test runs (setup, call and teardown), factories made without ``faker`` or
  ``seed`` draw from one Faker seeded with the test's seed, through the core's
  :func:`~pyfactory._context.default_faker_from`. It is one Faker for the session,
  seeded again at its first use in each test. A fixture of a broader scope (module,
  session, ...) draws, while it is set up, from a Faker seeded from its own name and
  scope instead: its data does not depend on which test needed it first.
* Before each test every sequence restarts and every unique value is forgotten, so a
  test's data depends on nothing that ran before it: the command that a failing
  test's report prints replays it alone with the same data.
  ``--pyfactory-keep-sequences`` lets them run on across tests instead.
* Under pytest-xdist each worker spaces its sequences out (worker ``i`` of ``n`` counts
  ``start + i``, ``start + i + n``, ...) and claims every unique value in an SQLite
  file that the workers of the run share, so that no two workers give the same.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shlex
import sqlite3
import tempfile
import threading
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pyfactory import _state
from pyfactory._context import default_faker_from, new_faker, remember_faker
from pyfactory._sequences import counters
from pyfactory._stream import address_key
from pyfactory.autofill._unique import Claim, set_unique_claim

if TYPE_CHECKING:
    from faker import Faker

__all__ = ["pyfactory_seed", "seed_of_test"]

#: Session seeds chosen at random are below this: short enough to type.
_RANDOM_SEEDS = 10**8


def seed_of_test(session_seed: int, nodeid: str) -> int:
    """The seed of the test ``nodeid`` in a session seeded with ``session_seed``.

    The first 8 bytes of the SHA-256 of both: the same in every process and on every
    run, whatever other tests the session holds.
    """
    digest = hashlib.sha256(f"{session_seed}:{nodeid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _TestFaker:
    """The Faker of the factories made without ``faker`` or ``seed``, during tests.

    One Faker for the session, made on first use and seeded again with each test's
    seed the first time that test needs it.
    """

    __slots__ = ("_faker", "_locales", "_seed", "_test", "_test_seed")

    def __init__(self) -> None:
        self._faker: Faker | None = None
        self._seed: int | None = None
        self._test_seed: int | None = None
        #: How many tests have begun: the Faker of a locale is seeded again in each.
        self._test = 0
        #: The Faker of each locale (factories with ``_faker_locale``), and the test it
        #: was last seeded for.
        self._locales: dict[str, tuple[Faker, int]] = {}

    def begin(self, seed: int) -> None:
        """A test with this seed starts."""
        self._seed = self._test_seed = seed
        self._test += 1

    def in_locale(self, locale: str) -> Faker:
        """The Faker of ``locale`` for this test: seeded from the test's seed and the
        locale the first time the test needs it, as the default one is."""
        found = self._locales.get(locale)
        if found is not None and found[1] == self._test:
            return found[0]
        faker = found[0] if found is not None else new_faker(locale, None)
        if self._test_seed is not None:
            faker.seed_instance(address_key(self._test_seed, locale))
        self._locales[locale] = (faker, self._test)
        return faker

    def __call__(self) -> Faker:
        faker = self._faker
        if faker is None:
            from faker import Faker

            faker = self._faker = Faker()
            remember_faker(faker)
        if self._seed is not None:
            faker.seed_instance(self._seed)
            self._seed = None
        return faker


class _SharedClaims:
    """The unique values given by the workers of one pytest-xdist run, in an SQLite
    file they share: a value is this worker's if no other worker claimed it first."""

    def __init__(self, path: Path, worker: str) -> None:
        self.path = path
        self.worker = worker
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @staticmethod
    def prepare(path: Path, *, wal: bool = True) -> None:
        """Make the file, in the controller, before any worker starts.

        Switching to WAL needs the file to itself, and SQLite may refuse it at once
        (no busy wait) while another connection opens it, so the workers never do it:
        the mode and the table are set here, once, and persist in the file.
        """
        db = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            if wal:
                db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS claims (namespace TEXT NOT NULL,"
                " value TEXT NOT NULL, worker TEXT NOT NULL,"
                " PRIMARY KEY (namespace, value)) WITHOUT ROWID"
            )
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            # No controller prepared it: make the table (which waits for the lock, as
            # the switch to WAL would not) and keep SQLite's default journal.
            self.prepare(self.path, wal=False)
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=OFF")  # a store for one run: no need to survive a crash
        self._db = db
        return db

    def __call__(self, namespace: str, value: Any) -> bool:
        text = repr(value)
        with self._lock:
            db = self._db or self._connect()
            cursor = db.execute(
                "INSERT OR IGNORE INTO claims VALUES (?, ?, ?)", (namespace, text, self.worker)
            )
            if cursor.rowcount == 1:
                return True
            row = db.execute(
                "SELECT worker FROM claims WHERE namespace = ? AND value = ?", (namespace, text)
            ).fetchone()
        # Its own value again (after Factory.reset_unique()) is this worker's to give.
        return row is not None and row[0] == self.worker

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _claims_path(testrunuid: str) -> Path:
    """Where the workers of the run ``testrunuid`` claim their unique values."""
    return Path(tempfile.gettempdir()) / f"pyfactory-unique-{testrunuid}.sqlite3"


class _State:
    """What the plugin keeps for one pytest session (in ``config.stash``)."""

    def __init__(self, session_seed: int, given: bool, keep: bool) -> None:
        self.session_seed = session_seed
        self.given = given  # whether --pyfactory-seed chose it
        self.keep = keep  # --pyfactory-keep-sequences: no restart per test
        self.faker = _TestFaker()
        self.spacing: tuple[int, int] | None = None  # the spacing to put back
        self.claims: _SharedClaims | None = None
        self.previous_claim: Claim | None = None
        self.run_files: set[Path] = set()  # the controller's to remove at the end
        #: The state after each live fixture of a broader scope than a test's was set
        #: up, by fixture name: a test's sequences restart at its next numbers.
        self.floors: dict[str, _state.Snapshot] = {}

    def replay(self, nodeid: str) -> str:
        """What a failing test's report says: the command that runs ``nodeid`` alone
        with the same data, and what may differ when this run could not promise it.

        Only the session seed is printed: the test's own seed is derived from it and
        the node id, and printing it too would offer a number that
        ``--pyfactory-seed`` does not take.
        """
        command = f"pytest {shlex.quote(nodeid)} --pyfactory-seed={self.session_seed}"
        text = f"pyfactory: rerun this test alone with the same data:\n    {command}"
        if self.keep:
            text += (
                "\nThis run let sequences and unique values run on from the tests before it "
                "(--pyfactory-keep-sequences); alone they start afresh, so its sequence "
                "numbers and unique values may differ from this run's."
            )
        if self.spacing is not None:
            offset, stride = counters.spacing
            text += (
                f"\nUnder pytest-xdist its sequences counted in this worker's lane (from "
                f"start + {offset}, in steps of {stride}) and it drew again the "
                "unique values that other workers had taken; alone they count 1, 2, 3, ... "
                "and nothing is taken, so those values may differ from this run's."
            )
        return text


_STATE = pytest.StashKey[_State]()
_SEED = pytest.StashKey[int]()


def _worker_index(worker: str) -> int:
    found = re.search(r"\d+$", worker)
    return int(found.group()) if found else 0


def pytest_configure(config: pytest.Config) -> None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    given = config.getoption("pyfactory_seed")
    if given is not None:
        seed = int(given)
    elif workerinput is not None and "pyfactory_seed" in workerinput:
        seed = int(workerinput["pyfactory_seed"])  # the controller's, chosen at random
    else:
        seed = secrets.randbelow(_RANDOM_SEEDS)
    keep = bool(config.getoption("pyfactory_keep_sequences"))
    if keep and config.getoption("pyfactory_reset_sequences"):
        raise pytest.UsageError(
            "--pyfactory-keep-sequences and --pyfactory-reset-sequences contradict each "
            "other; give one (restarting per test is the default)"
        )
    state = _State(seed, given is not None, keep)
    config.stash[_STATE] = state
    lanes = _lanes(config)  # checked in every run, so that a wrong value is told at once
    if workerinput is not None and int(workerinput.get("workercount", 1)) > 1 and lanes:
        worker = str(workerinput["workerid"])
        count = int(workerinput["workercount"])
        state.spacing = counters.spacing
        counters.spread(_worker_index(worker) % count, count)
        state.claims = _SharedClaims(_claims_path(str(workerinput["testrunuid"])), worker)
        state.previous_claim = set_unique_claim(state.claims)


def _lanes(config: pytest.Config) -> bool:
    """Whether pytest-xdist workers count in lanes and claim unique values across the
    run: ``--pyfactory-xdist-lanes``, else the ini's ``pyfactory_xdist_lanes``."""
    given = config.getoption("pyfactory_xdist_lanes") or config.getini("pyfactory_xdist_lanes")
    value = str(given).strip().lower()
    if value not in ("on", "off"):
        raise pytest.UsageError(
            f"pyfactory_xdist_lanes = {given!r}: give on (each pytest-xdist worker counts "
            "in a lane of its own, for workers that share a database) or off (each counts "
            "as one process does, for tests that each have their own database)"
        )
    return value == "on"


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    if state.spacing is not None:
        counters.spread(*state.spacing)
    if state.claims is not None:
        set_unique_claim(state.previous_claim)
        state.claims.close()
    for path in state.run_files:
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
            path.with_name(name).unlink(missing_ok=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the controller: give each worker the session seed."""
    state = node.config.stash[_STATE]
    node.workerinput["pyfactory_seed"] = state.session_seed
    path = _claims_path(str(node.workerinput["testrunuid"]))
    if path not in state.run_files:
        _SharedClaims.prepare(path)
        state.run_files.add(path)


def pytest_report_header(config: pytest.Config) -> str:
    state = config.stash[_STATE]
    how = "given" if state.given else "random"
    line = (
        f"pyfactory: session seed {state.session_seed} ({how}; "
        f"replay with --pyfactory-seed={state.session_seed})"
    )
    if state.keep:
        line += ", sequences and unique values run on across tests (--pyfactory-keep-sequences)"
    return line


def _seed_of(item: pytest.Item) -> int:
    seed = item.stash.get(_SEED, None)
    if seed is None:
        seed = item.stash[_SEED] = seed_of_test(item.config.stash[_STATE].session_seed, item.nodeid)
    return seed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Run the test (setup, call and teardown) with the Faker of its seed."""
    state = item.config.stash[_STATE]
    state.faker.begin(_seed_of(item))
    with default_faker_from(state.faker):
        return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Restart every sequence and forget every unique value, so that the test's data
    is the same whatever ran before it (unless --pyfactory-keep-sequences).

    Sequences restart after the numbers that the test's fixtures of broader scopes
    took, when those are already set up: as when the test runs alone and sets them
    up first, and so that a test never gives a number again that such a fixture's
    objects, which may be rows that outlive the test, have.
    """
    state = item.config.stash[_STATE]
    if not state.keep:
        names = getattr(item, "fixturenames", ())
        _state.reset([state.floors[name] for name in names if name in state.floors])


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """Set up a fixture of a broader scope than the test's with a Faker of its own,
    seeded from the session seed, its scope's node id and its name: the first test
    that needs it may be any, and its data must not depend on which. Then keep the
    sequence numbers it took from the tests that use it, while it lives.

    With --pyfactory-keep-sequences nothing changes: the fixture draws from the
    test's Faker, whose unique values then stay taken for the rest of the session.
    """
    state = request.config.stash[_STATE]
    if fixturedef.scope == "function" or state.keep:
        return (yield)
    name = fixturedef.argname
    faker = _TestFaker()
    faker.begin(seed_of_test(state.session_seed, f"{request.node.nodeid}::{name}"))
    with default_faker_from(faker):
        value = yield
    floor = state.floors[name] = _state.snapshot()

    def release() -> None:
        if state.floors.get(name) is floor:
            del state.floors[name]

    fixturedef.addfinalizer(release)
    return value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the command that replays a failing test alone, with the same data, to its
    report."""
    report = yield
    if report.failed:
        text = item.config.stash[_STATE].replay(item.nodeid)
        # Under the traceback (and sent by pytest-xdist with it), whatever --show-capture.
        addsection = getattr(report.longrepr, "addsection", None)
        if addsection is not None:
            addsection("pyfactory", text)
        else:
            report.sections.append(("pyfactory", text))
    return report


@pytest.fixture
def pyfactory_seed(request: pytest.FixtureRequest) -> int:
    """This test's seed: the one the Faker of factories made without ``faker`` or
    ``seed`` was seeded with. Seed randomness of your own with it
    (``random.Random(pyfactory_seed)``) to make that replay too."""
    node = request.node
    if isinstance(node, pytest.Item):
        return _seed_of(node)
    return seed_of_test(request.config.stash[_STATE].session_seed, node.nodeid)
