""":meth:`SeedContext.fill <pyfactory.seeding.SeedContext.fill>` with ``workers``: the
rows made in a worker process while this process writes them.

Why: a large seed takes turns between making rows (Python) and writing them (the
database driver); on a machine with a core to spare, a process of its own makes the
next chunk while this one writes the last. Only this process writes, in the fill's
one transaction, so the database, its errors and its counts are those of a fill
made here.

The rows are the ones this process would make. The worker makes the factory again
from its class (found by module and name, as ``dataset.write``'s workers do), with
the same seed, context and object numbers, and this process's sequence counters of
that class (their next numbers and spacing) go to it, and come back when it is done:
after the fill, this process counts on as if it had made the rows. So only rows made
of fields that need nothing else of this process are made there: fakes (not
``unique``, whose claims are this process's), sequences (not ``resume=True``, which
read the table), lazy and transient values, ``each()`` over a list, plain values and
containers of these; no association, ``many`` or custom field, no ``@after`` hook,
no ``faker=`` given to the factory. Any other fill is made here, as without
``workers``. A lazy function runs in the worker: one that queries the database
finds no session there.
"""

from __future__ import annotations

import collections
import copyreg
import io
import multiprocessing
import pickle
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyfactory._drawn import EachField, FakeField
from pyfactory._sequences import counters
from pyfactory._walk import CONTAINERS
from pyfactory.dataset._write import _locate, _resolve
from pyfactory.errors import UsageError
from pyfactory.fields import LazyField, NestedField, SequenceField, SpecialField, TransientField
from pyfactory.providers._numbers import _checked_uuid_makers

if TYPE_CHECKING:
    from pyfactory import Factory

__all__ = ["Job", "fill_beside", "job_for"]

#: Chunks made ahead of the one being written: enough that the worker never waits,
#: few enough that memory stays a few chunks.
AHEAD = 2

#: A sequence of the factory class: its key, and its start and next number.
Numbers = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Job:
    """What the worker needs to make the fill's rows: it pickles."""

    located: tuple[str, str]
    seed: int | None
    context: dict[str, Any]
    schema: str | None
    traits: tuple[str, ...]
    overrides: dict[str, Any]
    #: The plan's schema name, and the number of the fill's first object of it.
    name: str
    number: int
    sequences: Numbers
    spacing: tuple[int, int]


def _portable(value: Any) -> bool:
    """Whether ``value`` is made the same in another process, from the seed and the
    numbers alone."""
    if type(value) in CONTAINERS:
        items = value.values() if isinstance(value, dict) else value
        return all(map(_portable, items))
    if not isinstance(value, SpecialField):
        return True
    if isinstance(value, FakeField):
        return not value.unique
    if isinstance(value, SequenceField):
        return value.pattern is None  # resume=True reads the table
    if isinstance(value, EachField):
        return not value.queries
    if isinstance(value, TransientField):
        return _portable(value.default)
    if isinstance(value, NestedField):
        return _portable(value.value)
    return isinstance(value, LazyField)


def _numbers(cls: type[Any]) -> Numbers:
    """The sequence counters of factory class ``cls``: start and next number, by key."""
    return {
        key: (counters.counter(owner, key, 0).start, number)
        for (owner, key), number in counters.snapshot().items()
        if owner is cls
    }


def _count_on(cls: type[Any], numbers: Numbers) -> None:
    """Set ``cls``'s sequence counters to ``numbers`` (made where they do not exist)."""
    for key, (start, number) in numbers.items():
        counters.counter(cls, key, start).reset(number)


def job_for(
    made: Factory[Any], schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
) -> Job | None:
    """The job that makes ``made``'s rows of ``schema`` in a worker process, or None
    when they must be made here (see the module's docstring)."""
    cls = type(made)
    if made._pf_randomness.given or "create" in cls._pf_hooks:
        return None
    plan, laid = made._pf_plan(schema, traits, overrides)
    if plan.dunder or not _portable([plan.base[k] for k in plan.specials]) or not _portable(laid):
        return None
    try:
        located = _locate(cls)
    except UsageError:
        return None
    kept = cls._pf_builder.context_keys  # the session stays here
    context = {key: value for key, value in made.context.items() if key not in kept}
    job = Job(
        located,
        made._pf_randomness.seed,
        context,
        schema,
        traits,
        overrides,
        plan.schema,
        made._pf_counts.get(plan.schema, 0),
        _numbers(cls),
        counters.spacing,
    )
    try:
        pickle.dumps(job)
    except Exception:
        return None
    return job


# ---------------------------------------------------------------- the rows between

_uuid_of_int = _checked_uuid_makers()[0]


def _uuid(value: int) -> uuid.UUID:
    return _uuid_of_int(value)


def _reduced_uuid(value: uuid.UUID) -> Any:
    if value.is_safe is uuid.SafeUUID.unknown:
        return _uuid, (value.int,)
    return value.__reduce_ex__(pickle.HIGHEST_PROTOCOL)


#: How the rows are pickled for this process, which unpickles them while it writes:
#: a UUID (a seed's ids) as its integer, made again without ``UUID.__init__``, which
#: takes this process 0.7 µs a row less than UUID's own pickling (1.3 µs).
_DISPATCH = {**copyreg.dispatch_table, uuid.UUID: _reduced_uuid}


def _dumps(rows: list[dict[str, Any]]) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(rows)
    return out.getvalue()


# ---------------------------------------------------------------- in the worker

#: The factory the worker makes the rows with, made for its first chunk.
_made: Factory[Any] | None = None


def _rows(job: Job, count: int) -> bytes:
    """The fill's next ``count`` rows, as ``insert_batch`` would resolve them here."""
    global _made
    if _made is None:
        if counters.spacing != job.spacing:
            counters.spread(*job.spacing)
        cls = _resolve(*job.located)
        _count_on(cls, job.sequences)
        _made = cls(seed=job.seed, **job.context)
        _made._pf_counts[job.name] = job.number
    # The rows insert_batch hands its builder (transient keys left out), made in
    # "create" scope without writing them: attributes_batch's rows are the same.
    return _dumps(_made.attributes_batch(job.name, count, *job.traits, **job.overrides))


def _done(job: Job) -> Numbers:
    """The worker's sequence counters of the factory class, once every row is made."""
    return _numbers(_resolve(*job.located))


# ---------------------------------------------------------------- here


def fill_beside(
    made: Factory[Any],
    job: Job,
    sizes: Iterator[int],
    write: Callable[[list[dict[str, Any]]], object],
) -> None:
    """Each chunk of ``sizes`` rows made by one spawned worker process, ``AHEAD``
    chunks ahead, and handed to ``write`` here in order; then this process's counters
    of the factory set to where the worker's stopped."""
    context = multiprocessing.get_context("spawn")
    total = 0
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pending: collections.deque[Future[bytes]] = collections.deque()
        try:
            for size in sizes:
                pending.append(pool.submit(_rows, job, size))
                if len(pending) >= AHEAD:
                    break
            while pending:
                rows = pickle.loads(pending.popleft().result())
                for size in sizes:  # the next one, if any
                    pending.append(pool.submit(_rows, job, size))
                    break
                write(rows)
                total += len(rows)
            numbers = pool.submit(_done, job).result()
        except BrokenProcessPool:
            raise UsageError(
                f"fill({type(made).__name__}, ...) with workers: the worker process "
                "stopped abruptly. It imports the program that runs the seeds again: "
                'put that run under `if __name__ == "__main__":`. Otherwise it ran out '
                "of memory or was killed"
            ) from None
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    _count_on(type(made), numbers)
    made._pf_counts[job.name] = job.number + total
