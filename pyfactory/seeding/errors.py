"""The errors of seeding, all :class:`~pyfactory.FactoryError` subclasses; also importable
from :mod:`pyfactory.seeding`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from pyfactory.errors import CyclicDependencyError, FactoryError

if TYPE_CHECKING:
    from pyfactory.seeding._summary import SeedSummary

__all__ = [
    "MissingSeedError",
    "SeedCycleError",
    "SeedDefinitionError",
    "SeedError",
    "SeedFailedError",
    "SeedLockError",
    "SeedLockTimeoutError",
]


class SeedError(FactoryError):
    """The base of every seeding error.

    .. versionadded:: 0.1
    """


class SeedDefinitionError(SeedError, TypeError):
    """A seed class that cannot work: no ``run`` method, a ``depends_on`` entry that
    is neither a seed class nor a name, two seeds of one name, or a seed called in a
    way it cannot be (an async ``run`` from :func:`run_seeds` inside an event loop).

    .. versionadded:: 0.1
    """


class MissingSeedError(SeedError, LookupError):
    """Seed names that are not among the seeds being run: a ``depends_on`` string or an
    ``only`` name.

    Attributes:
        missing: What was asked for and not found, each as ``"TicketingSeed needs
            'PaymentSeed'"`` (or the bare name, for ``only``).
        available: The names of the seeds there are.

    .. versionadded:: 0.1
    """

    def __init__(self, missing: Iterable[str], available: Iterable[str]) -> None:
        self.missing = tuple(missing)
        self.available = tuple(sorted(available))
        have = ", ".join(self.available) or "none"
        super().__init__(f"unknown seed: {'; '.join(self.missing)}; the seeds are: {have}")


class SeedCycleError(SeedError, CyclicDependencyError):
    """Seeds whose ``depends_on`` reach themselves; nothing has run.

    Attributes:
        cycle: The seed names along the cycle, the first repeated at the end.

    .. versionadded:: 0.1
    """

    def __init__(self, cycle: Iterable[str]) -> None:
        CyclicDependencyError.__init__(self, "the seeds' depends_on", cycle)


class SeedFailedError(SeedError):
    """A seed raised, in ``should_run`` or ``run``: its transaction was rolled back, the
    seeds before it stay written, and the seeds after it did not run. Rows that the seed
    had committed itself before it failed (its own ``session.commit()``, a factory whose
    builder commits) stay too: the message says how many, and its result in the
    summary counts them. The original exception is the ``__cause__``.

    Attributes:
        seed: The name of the seed that failed.
        summary: What the run did up to and including the failed seed.

    .. versionadded:: 0.1
    """

    def __init__(self, seed: str, error: BaseException, summary: SeedSummary) -> None:
        self.seed = seed
        self.summary = summary
        before = summary.names("ran")
        kept = f"the rows of {', '.join(before)} stay" if before else "no seed ran before it"
        committed = summary[seed].rows
        if committed:
            own = (
                f"{_rows(committed)} it had committed stay; what it wrote after its last "
                "commit was rolled back"
            )
        else:
            own = "its rows were rolled back"
        super().__init__(
            f"seed {seed} failed: {type(error).__name__}: {_first_line(error)} ({own}; {kept})"
        )


class SeedLockError(SeedError):
    """The seeding lock (``lock=True``, ``pyfactory seed --lock``) could not be taken,
    and no seed ran: a database that has no lock here (neither PostgreSQL nor SQLite),
    a session bound to no engine, a lock file that cannot be opened, or a connection
    that broke while it waited (the driver's error is the ``__cause__``).

    Attributes:
        lock: The lock's name.
        database: The database's URL, without its password (None when unknown).

    .. versionadded:: 1.0
    """

    def __init__(self, message: str, lock: str, database: str | None) -> None:
        self.lock = lock
        self.database = database
        super().__init__(message)


class SeedLockTimeoutError(SeedLockError, TimeoutError):
    """Another process held the seeding lock for longer than ``lock_timeout``
    (``--lock-timeout``): this one gave up, and no seed ran.

    Attributes:
        lock: The lock's name.
        database: The database's URL, without its password.
        waited: How long it waited, in seconds.
        timeout: The ``lock_timeout`` it was given.

    .. versionadded:: 1.0
    """

    def __init__(self, lock: str, database: str, waited: float, timeout: float) -> None:
        self.waited = waited
        self.timeout = timeout
        super().__init__(
            f"gave up waiting for the seeding lock {lock!r} on {database} after {waited:.1f} s "
            f"(lock_timeout={timeout:g}): another process is seeding it; no seed ran",
            lock,
            database,
        )


def _rows(rows: Mapping[str, int]) -> str:
    """``3 rows (customer 2, order 1)``: how many rows, and per table."""
    total = sum(rows.values())
    tables = ", ".join(f"{table} {count:,}" for table, count in rows.items())
    return f"{total:,} {'row' if total == 1 else 'rows'} ({tables})"


def _first_line(error: BaseException) -> str:
    """The first line of an error's message: driver errors add SQL and links below it."""
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)
