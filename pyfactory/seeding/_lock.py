"""The seeding lock of ``run_seeds(..., lock=True)`` and ``pyfactory seed --lock``: one
process seeds a database at a time; the others wait for it, then run, and their
``should_run`` finds its rows.

Two web workers that start together both find an empty database, both seed, and one
fails on a UNIQUE constraint. A check cannot prevent that; a lock held from before
the first ``should_run`` to after the last commit can: the second process reads the
database only once the first has committed everything. It does not skip blindly: if
the first one failed (and so released the lock with its seed rolled back), the second
runs that seed itself.

The lock has a name (:data:`DEFAULT_LOCK` unless given), so that unrelated seedings
of one database need not wait for each other. Where it lives:

* **PostgreSQL**: a session-level advisory lock (``pg_advisory_lock``) whose key is a
  64-bit hash of the name (BLAKE2b, the same in every process and Python version),
  taken on a connection of its own. The server queues the waiters, enforces the
  timeout (its ``lock_timeout``), and frees the lock when the connection ends however
  the process ends. That connection is closed afterwards rather than returned to the
  pool, so no pooled connection keeps the lock or the timeouts set on it.
* **SQLite**: a file next to the database, ``dev.sqlite3-pyfactory-seed.lock`` (as
  SQLite's own ``-wal`` and ``-journal``), locked with ``flock`` (``msvcrt.locking``
  on Windows). Rather than a transaction on the database itself (``BEGIN
  EXCLUSIVE``), which, held on a connection of its own for the run, would block the
  seeds' own writes; rather than a row in a lock table, which would add a table to the
  application's database, and which a killed process would leave behind, with every
  later run waiting for it. The operating system frees a file lock when its process
  ends. Like SQLite's own locking, it serializes the processes of one machine (on a
  network file system, as reliably as SQLite's locks there). The file stays: removing
  it while another process waits on it would let a third lock a new one. Hand-written:
  the one library that does this (filelock) is not a dependency, for twenty lines.
  SQLite cannot wait on a file lock with a timeout, so a waiter tries again, 10 ms
  apart at first and then up to 250 ms apart.
* **An in-memory SQLite database** (``sqlite://``, ``:memory:``, ``mode=memory``) is
  private to its process, so no other process can be seeding it: the lock is a
  no-op there, and the same start-up code runs in the tests of an application whose
  tests use one.
* **Other databases** have no lock here: :class:`SeedLockError`, before any seed runs.

Taking and releasing the lock are bodies of steps (see :mod:`pyfactory._drive`), so
``run_seeds`` and ``arun_seeds`` (and ``pyfactory seed``, sync or async) share them: a
statement on an ``AsyncConnection`` is awaited, and a wait between two tries is
``time.sleep`` or ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pyfactory._drive import Body, Call
from pyfactory._secrets import shown_url
from pyfactory.errors import UsageError
from pyfactory.seeding.errors import SeedLockError, SeedLockTimeoutError, _first_line

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine

__all__ = ["DEFAULT_LOCK", "SeedLock", "advisory_key", "lock_file", "name_problem", "seed_lock"]

T = TypeVar("T")

#: The name of the lock of ``lock=True`` and ``pyfactory seed --lock``.
DEFAULT_LOCK = "pyfactory-seed"

# Letters, digits, "_", "." and "-": a name that is also a file name, as written.
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")

#: Where a process says that it waits: ``logging.getLogger("pyfactory.seeding")``, at
#: INFO; ``pyfactory seed`` prints the line on standard error too.
LOG = logging.getLogger("pyfactory.seeding")

# PostgreSQL's SQLSTATE for a lock not granted within lock_timeout (lock_not_available).
_LOCK_NOT_AVAILABLE = "55P03"

# Seconds between two tries at a file lock: the first, and the most.
_FIRST_TRY_AGAIN, _LAST_TRY_AGAIN = 0.01, 0.25


def name_problem(name: object) -> str | None:
    """What is wrong with a lock name, or None."""
    if isinstance(name, str) and _NAME.fullmatch(name):
        return None
    return f"a name of letters, digits, '_', '.' and '-' (at most 100), not {name!r}"


def seed_lock(lock: object, timeout: object) -> SeedLock | None:
    """The lock of ``run_seeds(..., lock=, lock_timeout=)``, or None without one.

    Raises:
        UsageError: A lock that is neither a bool nor a name, a timeout that is no
            number of seconds, or a timeout without a lock.
    """
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout < 0
    ):
        raise UsageError(
            "lock_timeout is a number of seconds, 0 or more (None: as long as it takes), "
            f"not {timeout!r}"
        )
    if lock is False:
        if timeout is not None:
            raise UsageError(
                f"lock_timeout={timeout!r} is how long to wait for the lock: it needs "
                "lock=True, or lock='name'"
            )
        return None
    if lock is True:
        return SeedLock(DEFAULT_LOCK, timeout)
    problem = name_problem(lock)
    if problem is not None:
        raise UsageError(f"lock is True, False or {problem}")
    assert isinstance(lock, str)
    return SeedLock(lock, timeout)


def advisory_key(name: str) -> int:
    """The key of the PostgreSQL advisory lock of ``name``: a signed 64-bit hash."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_file(database: str, name: str) -> str:
    """The lock file of the SQLite database file ``database``: next to it."""
    return f"{database}-{name}.lock"


def _sqlite_file(url: URL) -> str | None:
    """The file of a SQLite URL (of its ``file:`` URI too), or None in memory."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database.removeprefix("file:").partition("?")[0]
        if url.query.get("mode") == "memory" or "mode=memory" in (url.database or ""):
            return None
    return None if database in ("", ":memory:") else database


def _engine_of(bind: Any, lock: str) -> Engine:
    """The synchronous ``Engine`` behind a session, a connection or an engine, sync or
    async: the lock takes a connection of its own from it."""
    if hasattr(bind, "sync_engine"):  # AsyncEngine, AsyncConnection
        return bind.sync_engine  # type: ignore[no-any-return]
    if hasattr(bind, "sync_session"):  # AsyncSession
        bind = bind.sync_session
    if hasattr(bind, "get_bind"):  # Session
        from sqlalchemy.exc import UnboundExecutionError

        try:
            bind = bind.get_bind()
        except UnboundExecutionError:
            raise SeedLockError(
                f"the seeding lock {lock!r} is taken on the session's database, and this "
                "session is bound to none: give it an engine (Session(engine))",
                lock,
                None,
            ) from None
    return bind.engine  # type: ignore[no-any-return]  # an Engine is its own


class _Held:
    """A lock taken: ``release()`` lets it go (a body), ``drop()`` lets go of what can
    be let go of without a step, for a body closed before it could release."""

    def __init__(self, release: Callable[[], Body[None]], drop: Callable[[], None]) -> None:
        self.release = release
        self.drop = drop


def _no_step(action: Callable[[], None]) -> Body[None]:
    """A body that waits for nothing: ``action()``."""
    action()
    yield from ()


class SeedLock:
    """The lock of one run, from its options to its release.

    Attributes:
        name: Its name; :data:`DEFAULT_LOCK` for ``lock=True``.
        timeout: Seconds to wait at most; None waits as long as it takes.
        waited: Seconds it waited for another process; None when it took it at once.
        waiting: Called with a line when it has to wait (``pyfactory seed`` prints it);
            the line is logged too (:data:`LOG`).
    """

    def __init__(self, name: str, timeout: float | None) -> None:
        self.name = name
        self.timeout = timeout
        self.waited: float | None = None
        self.waiting: Callable[[str], None] = lambda line: None
        self._held: _Held | None = None

    @property
    def held(self) -> bool:
        return self._held is not None

    def holding(self, bind: Any, body: Body[T]) -> Body[T]:
        """``body`` with the lock held: taken first, released afterwards, whether it
        returns, raises or is interrupted."""
        yield from self.acquire(bind)
        try:
            result = yield from body
        except GeneratorExit:  # pragma: no cover - a driver out of memory closed the body
            self.drop()
            raise
        except BaseException:
            yield from self.release()
            raise
        yield from self.release()
        return result

    def acquire(self, bind: Any) -> Body[None]:
        """Take the lock on the database of ``bind`` (a session, connection or engine,
        sync or async), waiting for another process as long as the timeout allows."""
        engine = _engine_of(bind, self.name)
        database = shown_url(engine.url)
        backend = engine.dialect.name
        if backend == "postgresql":
            self._held = yield from self._advisory(engine, database)
        elif backend == "sqlite":
            path = _sqlite_file(engine.url)
            if path is None:  # in memory: no other process sees it
                self._held = _Held(lambda: _no_step(lambda: None), lambda: None)
            else:
                self._held = yield from self._file(lock_file(path, self.name), database)
        else:
            raise SeedLockError(
                f"the seeding lock {self.name!r} is a PostgreSQL advisory lock or a file "
                f"next to a SQLite database, and {database} is {backend}: run the seeds "
                "without a lock, from one process",
                self.name,
                database,
            )

    def release(self) -> Body[None]:
        """Let go of the lock, if held."""
        held, self._held = self._held, None
        if held is not None:
            yield from held.release()

    def drop(self) -> None:  # pragma: no cover - see holding()
        held, self._held = self._held, None
        if held is not None:
            held.drop()

    # ----------------------------------------------------------------- waiting

    def _wait(self, database: str) -> float:
        """Say that another process holds the lock; the time the wait starts."""
        line = f"waiting for the seeding lock {self.name!r} on {database}: another process holds it"
        if self.timeout is not None:
            line += f" (giving up after {self.timeout:g} s)"
        LOG.info(line)
        self.waiting(line)
        return time.monotonic()

    def _waited(self, started: float) -> None:
        self.waited = time.monotonic() - started

    def _timed_out(self, database: str, started: float) -> SeedLockTimeoutError:
        waited = time.monotonic() - started
        self.waited = waited
        assert self.timeout is not None  # None waits for ever: PostgreSQL's lock_timeout 0
        return SeedLockTimeoutError(self.name, database, waited, self.timeout)

    # ----------------------------------------------------------------- PostgreSQL

    def _advisory(self, engine: Engine, database: str) -> Body[_Held]:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        connectable: Any = engine
        if engine.dialect.is_async:
            from sqlalchemy.ext.asyncio import AsyncEngine

            connectable = AsyncEngine(engine)
        connection = yield connectable.connect()
        key = {"key": advisory_key(self.name)}
        started = time.monotonic()
        try:
            # Set on this connection only, which is closed afterwards: a statement_timeout
            # of the server or the role must not end a wait that lock_timeout bounds.
            yield connection.execute(text("SELECT set_config('statement_timeout', '0', false)"))
            taken = yield connection.execute(
                text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), key
            )
            if not taken.scalar():
                started = self._wait(database)
                if self.timeout == 0:  # lock_timeout 0 is no timeout to PostgreSQL
                    raise self._timed_out(database, started)
                milliseconds = "0" if self.timeout is None else f"{math.ceil(self.timeout * 1000)}"
                yield connection.execute(
                    text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": milliseconds}
                )
                yield connection.execute(text("SELECT pg_advisory_lock(CAST(:key AS bigint))"), key)
                self._waited(started)
            yield connection.commit()  # the lock is the session's: it outlives the transaction
        except DBAPIError as error:
            yield from _closed(connection)
            if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                # Only the wait has a lock_timeout: the time is up.
                raise self._timed_out(database, started) from None
            cause = error.orig or error  # the connection broke, the server went away
            raise SeedLockError(
                f"cannot take the seeding lock {self.name!r} on {database}: "
                f"{type(cause).__name__}: {_first_line(cause)}",
                self.name,
                database,
            ) from error
        except BaseException:
            yield from _closed(connection)
            raise
        return _Held(lambda: _unlocked(connection, key), lambda: None)

    # ----------------------------------------------------------------- SQLite

    def _file(self, path: str, database: str) -> Body[_Held]:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            raise SeedLockError(
                f"cannot open the lock file {path} of the seeding lock {self.name!r} on "
                f"{database}: {error.strerror or error}",
                self.name,
                database,
            ) from error
        try:
            if not _try_lock(fd):
                started = self._wait(database)
                again = _FIRST_TRY_AGAIN
                deadline = None if self.timeout is None else started + self.timeout
                while not _try_lock(fd):
                    pause = again if deadline is None else min(again, deadline - time.monotonic())
                    if pause <= 0:
                        raise self._timed_out(database, started)
                    yield Call(time.sleep, asyncio.sleep, pause)
                    again = min(again * 2, _LAST_TRY_AGAIN)
                self._waited(started)
        except BaseException:
            os.close(fd)
            raise
        # Closing the file lets go of its lock.
        return _Held(lambda: _no_step(lambda: os.close(fd)), lambda: os.close(fd))


def _unlocked(connection: Any, key: dict[str, int]) -> Body[None]:
    """Release the advisory lock, then close its connection. Released first, so that it
    is free once this returns: a closed connection's lock is freed when the server has
    ended its session, a moment later."""
    from sqlalchemy import text

    # A broken connection cannot run it: closing the connection frees the lock then.
    with contextlib.suppress(Exception):
        yield connection.execute(text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), key)
    yield from _closed(connection)


def _closed(connection: Any) -> Body[None]:
    """Close the lock's connection, rather than hand it back to the pool: PostgreSQL
    frees its advisory lock, and its settings go with it."""
    yield connection.invalidate()
    yield connection.close()


if sys.platform == "win32":  # pragma: no cover - the suite runs on Linux
    import msvcrt

    def _try_lock(fd: int) -> bool:
        """Lock the first byte of the file, if no other handle has."""
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        """Lock the file, if no other open file has: flock's locks belong to the open
        file, so two threads of one process exclude each other too."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
