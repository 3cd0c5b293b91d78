""":meth:`SeedContext.fill <pyfactory.seeding.SeedContext.fill>` with ``workers``: the
rows made in a worker process while this process writes them.

Why: a large seed takes turns between making rows (Python) and writing them (the
database driver); on a machine with a core to spare, a process of its own makes the
next chunk while this one writes the last. Only this process writes, in the fill's
one transaction, so the database, its errors and its counts are those of a fill
made here.

The worker also binds the rows where the builder can
(:meth:`~pyfactory.builders.ModelBuilder.insert_binder`): it turns each value into
the driver's (a uuid's hex, a time's text) and sends the driver's statements, which
this process only runs (:meth:`~pyfactory.builders.ModelBuilder.insert_bound`).
Overlap hides only the smaller side: sending the rows themselves left this process
unpickling them and binding each value, about as long as making them had taken. The
first chunk the worker binds comes with its rows, which this process binds too; the
worker's bindings are used only if both are equal (a dialect made again in the
worker lacks the engine's own options). A refused row is fetched from the worker,
which keeps its last few chunks, so that the error names it with its values.

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
import itertools
import multiprocessing
import pickle
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pyfactory._core.realization.reads import any_field
from pyfactory._drawn import EachField, FakeField
from pyfactory._sequences import counters
from pyfactory.builders import BoundRows, RowBinder
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
#: Chunks the worker keeps after sending them, for this process to fetch the rows of
#: one it bound: those ahead, the one being written, and one more.
KEEP = AHEAD + 2

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
    #: The builder's, to bind the rows in the worker; None to send them as they are.
    binder: RowBinder | None = field(default=None, repr=False)

    def resumed(self, made: Factory[Any]) -> Job:
        """The job from where ``made`` is now: its object numbers and its class's
        sequence counters, after the chunks made here."""
        number = made._pf_counts.get(self.name, 0)
        return replace(self, number=number, sequences=_numbers(type(made)))


def _stays_here(field: SpecialField[Any]) -> bool | None:
    """Whether ``field`` needs this process (:func:`~pyfactory._core.realization.reads.any_field`
    asks it of every field of a row): a fake is made the same elsewhere from the seed
    and the numbers alone, but for a ``unique`` one; None for a transient or nested
    value, whose own fields are asked in turn."""
    if isinstance(field, FakeField):
        return field.unique
    if isinstance(field, SequenceField):
        return field.pattern is not None  # resume=True reads the table
    if isinstance(field, EachField):
        return field.queries
    if isinstance(field, (TransientField, NestedField)):
        return None
    return not isinstance(field, LazyField)


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
    fields = [plan.base[name] for name in plan.specials]
    if plan.dunder or any_field(fields, _stays_here) or any_field(laid, _stays_here):
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
        cls._pf_builder.insert_binder(cls._model, made._pf_context),
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


def _dumps(rows: Any) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(rows)
    return out.getvalue()


# ---------------------------------------------------------------- in the worker

#: The factory the worker makes the rows with, made for its first chunk.
_made: Factory[Any] | None = None
#: The rows of the worker's last :data:`KEEP` chunks, by number.
_kept: dict[int, list[dict[str, Any]]] = {}


def _rows(job: Job, count: int, chunk: int, send: str) -> bytes:
    """The fill's next ``count`` rows (chunk number ``chunk``), as ``insert_batch``
    would resolve them here, and bound by the job's binder: ``send`` is ``"rows"``
    (not bound), ``"bound"`` or ``"both"``. The rows go too when the binder leaves
    them to ``insert_many``."""
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
    rows = _made.attributes_batch(job.name, count, *job.traits, **job.overrides)
    bound = None
    if send != "rows" and job.binder is not None:
        try:
            bound = job.binder.bind(rows)
        except Exception:
            # A value its column's type refuses: the rows go as they are, and this
            # process's insert_many raises the error, named as a fill made here names it.
            bound = None
    _kept[chunk] = rows
    _kept.pop(chunk - KEEP, None)
    return _dumps((rows if send != "bound" or bound is None else None, bound))


def _rows_of(chunk: int) -> bytes:
    """The rows of a chunk the worker sent bound, for this process to name a row."""
    return _dumps(_kept[chunk])


def _done(job: Job) -> Numbers:
    """The worker's sequence counters of the factory class, once every row is made."""
    return _numbers(_resolve(*job.located))


# ---------------------------------------------------------------- here


class _Chunks:
    """This process's side of the worker: chunks asked for ahead, received in order,
    and the rows of a bound one fetched when needed."""

    def __init__(self, pool: ProcessPoolExecutor, job: Job, sizes: Iterator[int]) -> None:
        self.pool, self.job, self.sizes = pool, job, sizes
        #: Chunks asked for: number, size and the worker's answer to come.
        self.pending: collections.deque[tuple[int, int, Future[bytes]]] = collections.deque()
        self.asked = 0
        #: Whether the worker's bindings are used: None until one chunk is checked.
        self.trusted: bool | None = None if job.binder is not None else False

    def ask(self) -> bool:
        """Ask the worker for the next chunk, if there is one."""
        for size in self.sizes:
            if self.trusted is None:
                send = "both" if self.asked == 0 else "bound"
            else:
                send = "bound" if self.trusted else "rows"
            future = self.pool.submit(_rows, self.job, size, self.asked, send)
            self.pending.append((self.asked, size, future))
            self.asked += 1
            return True
        return False

    def fetch(self, chunk: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = pickle.loads(self.pool.submit(_rows_of, chunk).result())
        return rows

    def next(self) -> list[dict[str, Any]] | BoundRows:
        """The next chunk: its rows, or its bound rows when the worker's are trusted."""
        chunk, size, future = self.pending.popleft()
        rows, bound = pickle.loads(future.result())
        if bound is not None and self.trusted is None and rows is not None:
            binder = self.job.binder
            assert binder is not None
            self.trusted = binder.bind(rows) == bound
        if bound is None or not self.trusted:
            return rows if rows is not None else self.fetch(chunk)
        return BoundRows(bound, size, lambda: rows if rows is not None else self.fetch(chunk))

    def cancel(self) -> None:
        for _, _, future in self.pending:
            future.cancel()


def worker_ready(started: Future[type[Any]], made_here: int) -> bool:
    """Whether the worker takes over before the next chunk, ``made_here`` chunks made
    here already: once it has started (``started`` is its import of the factory's
    class). Tests replace it to have the worker make every chunk, or some."""
    return started.done()


def fill_beside(
    made: Factory[Any],
    job: Job,
    sizes: Iterator[int],
    here: Callable[[int], object],
    write: Callable[[list[dict[str, Any]] | BoundRows], object],
) -> None:
    """Each chunk of ``sizes`` rows made by one spawned worker process, ``AHEAD``
    chunks ahead, and handed to ``write`` here in order; then this process's counters
    of the factory set to where the worker's stopped.

    The worker is a new interpreter that imports the factory's module: most of a
    second, in which this process makes and writes the first chunks itself
    (``here(size)``); the worker takes over from the chunk after, with the counters
    and object numbers as they are then. A fill that ends before has no worker."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    total = 0
    try:
        started = pool.submit(_resolve, *job.located)
        for made_here, size in enumerate(sizes):
            if worker_ready(started, made_here):
                sizes = itertools.chain([size], sizes)
                break
            here(size)
        else:
            return
        started.result()
        job = job.resumed(made)
        chunks = _Chunks(pool, job, sizes)
        try:
            while len(chunks.pending) < AHEAD and chunks.ask():
                pass
            while chunks.pending:
                rows = chunks.next()
                chunks.ask()
                write(rows)
                total += len(rows)
        except BaseException:
            chunks.cancel()
            raise
        numbers = pool.submit(_done, job).result()
    except BrokenProcessPool:
        raise UsageError(
            f"fill({type(made).__name__}, ...) with workers: the worker process "
            "stopped abruptly. It imports the program that runs the seeds again: "
            'put that run under `if __name__ == "__main__":`. Otherwise it ran out '
            "of memory or was killed"
        ) from None
    finally:
        pool.shutdown(wait=total > 0, cancel_futures=True)
    _count_on(type(made), numbers)
    made._pf_counts[job.name] = job.number + total
