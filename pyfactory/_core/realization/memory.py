"""Memory around a large batch: room held back so that running out is reported by
pyfactory, and the cyclic garbage collector paused while a chunk is made.

Both wrap :meth:`~pyfactory._core.realization.batch.MakeBatch._pf_batch`'s chunks.
"""

from __future__ import annotations

import gc
import mmap
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["MemoryGuard", "collector_paused"]

#: Memory kept back while a large batch runs and let go of if it runs out, so that the
#: rollback of what it wrote, and the error, still find room. An anonymous mapping
#: whose pages are never touched costs address space, not memory (about 10 µs).
_RESERVE_BYTES = 16 * 2**20
#: What a large batch makes sure is free before each chunk (see MemoryGuard.probe).
_PROBE_BYTES = 8 * 2**20


class MemoryGuard:
    """Around a batch's body, which starts with :meth:`hold`: memory held back while the
    batch runs, given back when it ends, however it ends. Out of memory, the drivers
    close the body (:func:`~pyfactory._drive.drive`), so the reserve and the rows being
    made are free again for the rollback, and ``_pf_run_batch`` raises the batch's
    own error."""

    __slots__ = ("reserve",)

    def __init__(self) -> None:
        self.reserve: mmap.mmap | None = None

    def __enter__(self) -> MemoryGuard:
        return self

    def hold(self, count: int) -> None:
        """Hold :data:`_RESERVE_BYTES` back for a batch of more than 10,000 objects."""
        if count > 10_000:
            try:
                self.reserve = mmap.mmap(-1, _RESERVE_BYTES)
            except OSError as error:  # ENOMEM: too little left even to start the batch
                raise MemoryError(str(error)) from None

    def probe(self) -> None:
        """Before a chunk of a large batch: raise MemoryError here, in pyfactory's own code,
        when less than :data:`_PROBE_BYTES` is left, rather than deep in a builder's or
        a driver's C code, where running out can fail in ways that cannot be reported
        (``SystemError: ... returned NULL``).

        An anonymous mapping asks for the room as ``bytearray`` would (the same
        address space and commit charge) without touching its pages: about 10 µs per
        chunk, where a ``bytearray`` that zeroes its 8 MiB cost 0.5 ms, half a
        microsecond per row of a 1,000-row chunk."""
        if self.reserve is not None:
            try:
                mmap.mmap(-1, _PROBE_BYTES).close()
            except OSError as error:  # ENOMEM
                raise MemoryError(str(error)) from None

    def __exit__(self, *exc_info: object) -> None:
        if self.reserve is not None:
            self.reserve.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while one chunk of a batch is made.

    A chunk allocates thousands of objects that all survive it (the models, an ORM's
    state for each, the rows). CPython's collector counts those allocations and keeps
    running collections that find nothing to free; once enough survivors pile up it
    walks every object of the process, which cost a 10,000-row ``create_batch`` on
    SQLite more than the INSERT itself (2.1x a raw bulk insert with the collector on,
    1.1x with it off: benchmarks/bench_db.py). Paused for a chunk, the collector
    looks at the chunk's survivors once when it resumes, between chunks. Mercurial
    pauses it the same way around building its large in-memory indexes.

    Only a collector that was running is resumed: a caller's ``gc.disable()`` stands,
    and so does an outer chunk's pause (a child factory's batch inside a chunk).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
