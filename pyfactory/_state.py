"""The process-wide state that decides generated values: :func:`snapshot` and
:func:`restore`.

A :class:`Snapshot` holds

* the next number of every sequence counter (``pyfactory.fields.counters``),
* the values that unique auto-filled fields and unique-together groups have given
  (their trackers in ``pyfactory._core.plan.auto``),
* the values that ``fake(..., unique=True)`` has handed out, per known Faker
  (``pyfactory._context``),
* the claim that unique values pass under pytest-xdist
  (``pyfactory.autofill._unique.set_unique_claim``).

Each of those modules keeps its own state and gives and takes it here through its
own ``snapshot``/``restore`` methods, which hold its locks: none reads another's
attributes. :func:`check() <pyfactory.check>` builds between a snapshot and its
restore, so checking does not change the data that tests then make; the pytest
plugin starts each test from :func:`reset`.

Left out, because they do not change what is generated:

* the caches of shapes -- the auto-fill layers and field lists of ``_auto``, the
  builders' column shapes and constructor signatures -- which are the same whenever
  they are rebuilt;
* the observer and the timing switch of ``_factory``, which watch calls;
* the spacing of :meth:`SequenceCounters.spread()
  <pyfactory.fields.SequenceCounters.spread>`, a setting of the process (each
  pytest-xdist worker's lane) rather than a position: a restore keeps the current
  one;
* the Fakers' random streams: a factory made with a ``seed`` seeds its Faker itself,
  and the pytest plugin seeds each test's Faker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyfactory import _context
from pyfactory._core.plan import auto as _auto
from pyfactory._sequences import CounterKey, counters
from pyfactory.autofill._unique import Claim, set_unique_claim, unique_claim

__all__ = ["Snapshot", "reset", "restore", "snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """The process-wide state that decides generated values, at one moment."""

    #: The next number of each sequence, by factory class and sequence key.
    sequences: Mapping[CounterKey, int]
    #: The values each unique auto-filled field and group had given.
    auto_unique: _auto.UniqueMemory
    #: The values each Faker's ``unique`` proxy had handed out.
    fake_unique: _context.FakerMemory
    #: The claim that unique values passed (pytest-xdist), or None.
    claim: Claim | None


def snapshot() -> Snapshot:
    """The state now, for :func:`restore`."""
    return Snapshot(
        counters.snapshot(), _auto.unique_snapshot(), _context.unique_snapshot(), unique_claim()
    )


def restore(snapshot: Snapshot) -> None:
    """Put the state back as ``snapshot`` holds it. What was made since (a sequence
    counter, a unique field, a Faker) starts afresh: from its start, with no value
    given."""
    counters.restore(snapshot.sequences)
    _auto.unique_restore(snapshot.auto_unique)
    _context.unique_restore(snapshot.fake_unique)
    set_unique_claim(snapshot.claim)


def reset(after: Iterable[Snapshot] = ()) -> None:
    """Restart every sequence and forget every unique value, as in a new process; the
    claim stays.

    With ``after``, each sequence that those snapshots hold starts at the highest
    next number among them instead: so it never gives again a number taken before
    them (by objects that may outlive this reset).
    """
    highest: dict[CounterKey, int] = {}
    for floor in after:
        for key, number in floor.sequences.items():
            highest[key] = max(number, highest.get(key, number))
    restore(Snapshot(highest, {}, {}, unique_claim()))
