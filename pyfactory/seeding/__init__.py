"""Seeding a database: :class:`Seed` classes run in dependency order, each in a
transaction of its own, by :func:`run_seeds` / :func:`arun_seeds` or by
``pyfactory seed``.

A seed that writes many rows asks for them with :meth:`SeedContext.fill`, which goes
through the factories' bulk ``insert_batch`` in chunks, and whose counts
``--scale`` multiplies (up to :data:`MAX_ROWS` rows per count). With ``lock=True``
(``--lock``), processes that seed one database at once run one after the other. See
:doc:`/seeding`.

Defining seeds needs nothing but pyfactory; running them needs SQLAlchemy 2 (the
``sqlalchemy`` extra), imported when a run starts.
"""

from __future__ import annotations

from pyfactory.seeding._context import CHUNK_SIZE, MAX_ROWS, SeedContext
from pyfactory.seeding._runner import arun_seeds, run_seeds
from pyfactory.seeding._seed import Seed, order_seeds
from pyfactory.seeding._summary import SeedResult, SeedStatus, SeedSummary
from pyfactory.seeding.errors import (
    MissingSeedError,
    SeedCycleError,
    SeedDefinitionError,
    SeedError,
    SeedFailedError,
    SeedLockError,
    SeedLockTimeoutError,
)

__all__ = [
    "CHUNK_SIZE",
    "MAX_ROWS",
    "MissingSeedError",
    "Seed",
    "SeedContext",
    "SeedCycleError",
    "SeedDefinitionError",
    "SeedError",
    "SeedFailedError",
    "SeedLockError",
    "SeedLockTimeoutError",
    "SeedResult",
    "SeedStatus",
    "SeedSummary",
    "arun_seeds",
    "order_seeds",
    "run_seeds",
]
