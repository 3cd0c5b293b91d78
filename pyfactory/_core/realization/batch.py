"""Realization of batches: many rows resolved together, written in chunks by
the builder's bulk methods, with the children waiting for their batch
(pending placeholders) written level by level.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import (
    TYPE_CHECKING,
    Any,
    TypeVar,
)

import attrs

from pyfactory._core.plan.plan import Plan
from pyfactory._core.realization import observe as _obs
from pyfactory._core.realization.calls import row_getter
from pyfactory._core.realization.memory import MemoryGuard, collector_paused
from pyfactory._core.realization.observe import _made
from pyfactory._core.realization.one import LaterRow, MakeOne
from pyfactory._core.realization.reads import makes_rows, may_read
from pyfactory._core.resolution import compiled
from pyfactory._core.resolution.chain import Link, leave
from pyfactory._core.resolution.columns import resolve_columns
from pyfactory._core.resolution.context import Seat
from pyfactory._core.resolution.pending import (
    Batch,
    Pending,
    batch_method,
    batch_out_of_memory,
    batch_too_large,
    settling_row,
)
from pyfactory._core.resolution.resolver import Later, Resolution
from pyfactory._drive import Block, Body, Call, adrive, drive
from pyfactory._limits import MAX_BATCH
from pyfactory.builders import BoundRows
from pyfactory.builders._conflict import noting_found
from pyfactory.errors import (
    BuilderError,
    FactoryError,
    UsageError,
)

if TYPE_CHECKING:
    from pyfactory._context import Context
    from pyfactory.builders import ModelBuilder, RowStream

M = TypeVar("M")


def _child_row_error(pendings: list[Pending], error: FactoryError) -> FactoryError:
    """A batch's error from writing the rows of pending children, its path down to the
    child whose row failed (to the first child's, when the builder cannot tell)."""
    failed = getattr(error, "_pf_failed", None)
    index = error.index if isinstance(error, BuilderError) else None
    if failed is not None:
        failed[1] = False  # a child's row: its path says which
    return pendings[index or 0].origin.frame(error)


@contextmanager
def _streaming(stream: RowStream | None) -> Iterator[None]:
    """Around a batch written into ``stream``: ended without its rows on a failure
    (the call's transaction then rolls back what it wrote)."""
    try:
        yield
    except BaseException:
        if stream is not None:
            stream.abort()
        raise


def _after_chunk_start(error: BuilderError, start: int) -> None:
    """Count a failing row of a chunk of the batch's own rows from the batch's start."""
    failed = getattr(error, "_pf_failed", None)
    if failed is not None and failed[1] and failed[0] is not None:
        failed[0] += start
        error.first += start


_values_repr = reprlib.Repr()
_values_repr.maxstring = 80
_values_repr.maxother = 80
_values_repr.maxdict = 12
_values_repr.maxlist = 6
_values_repr.maxlevel = 3


@contextmanager
def _naming_the_call(call: BatchCall) -> Iterator[None]:
    """Around a batch call that writes rows: its builder's errors say which call failed
    (:func:`_name_the_call`); ``attributes_batch`` and ``build_batch`` write none."""
    try:
        yield
    except BuilderError as error:
        if call.scope == "create":
            _name_the_call(error, call.method)
        raise


def _name_the_call(error: BuilderError, call: str) -> None:
    """Complete the message of a failed bulk write: the batch call, the failing row's
    place in it and its values (long ones cut short)."""
    failed = error.__dict__.pop("_pf_failed", None)
    if failed is None:
        return
    position, own = failed
    values = _values_repr.repr(error.attributes)
    if error.index is None:
        where = (
            f"{call}() failed on one of {len(error.rows):,} rows written together (the "
            f"builder does not say which): {error.reason}; the first row: {values}"
        )
    elif own:
        where = (
            f"{call}() failed on row {position} (the {_ordinal(position + 1)} row): "
            f"{error.reason}; the row: {values}"
        )
    else:
        where = (
            f"{call}() failed on this row, the {_ordinal(error.index + 1)} of "
            f"{len(error.rows):,} {error.factory} rows written together: {error.reason}; "
            f"the row: {values}"
        )
    error.reason = where
    error.args = (where,)


def _ordinal(n: int) -> str:
    """``7,777th``, ``1st``, ``22nd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _written(
    batch: Batch, keys: tuple[str, ...] | None, waiting: list[tuple[dict[str, Any], dict[str, Any]]]
) -> Body[None]:
    """Write the children that ``batch`` holds, then put them in the rows that wait for
    them (what the builder gets, and every value) in place of their placeholders."""
    yield from batch.flushing()
    # Every placeholder is written by now: settling them reads the objects back.
    for row, values in waiting:
        yield from settling_row(row, keys)
        if values is not row:
            yield from settling_row(values, keys)


#: The factory instance whose create batches run inside one transaction held for all of
#: them (:meth:`pyfactory.seeding.SeedContext.fill`'s), so that each call takes none of
#: its own: on SQLite, a SAVEPOINT per 10,000-row call cost a million-row seed 4 µs a
#: row (a copy of every page each call changes), more than a third of the write.
held_for: ContextVar[Any] = ContextVar("pyfactory_batches_held_for", default=None)


@attrs.frozen
class BatchCall:
    """One call of a batch method, as every step of its body reads it."""

    #: ``"attributes"``, ``"build"`` or ``"create"``.
    scope: str
    schema: str | None
    count: int
    traits: tuple[str, ...]
    overrides: dict[str, Any]
    #: False for ``insert_batch``: the rows are written, no list is returned.
    keep: bool = True
    is_async: bool = False
    #: For a dataset: the index of the call's first row. Its rows are numbered from it
    #: (their streams, ``ctx.index`` and ``ctx.row``) rather than from what the factory
    #: made before, so a row is the same whichever call makes it.
    first: int | None = None
    #: Rows made elsewhere (a fill's worker process, ``seeding._beside``): written as
    #: they are, in place of resolving the call's own; bound there already when a
    #: :class:`~pyfactory.builders.BoundRows`, written whole by ``insert_bound``.
    given: list[dict[str, Any]] | BoundRows | None = None
    #: How many rows the call wrote, for ``insert_batch`` to return: the builder's own
    #: count, which leaves out rows skipped by ``on_conflict="skip"``.
    written: list[int] = attrs.field(factory=lambda: [0], eq=False)

    @property
    def rows_written(self) -> int:
        """:attr:`written`'s count, what ``insert_batch`` returns."""
        return self.written[0]

    @property
    def method(self) -> str:
        """The method's name, for messages: ``create_batch``, ``ainsert_batch``, ..."""
        return batch_method(self.scope, self.keep, self.is_async)


class _Probe:
    """The watch on a create batch's first row: the builder's ``reads`` block (``areads``
    under the async methods), whether the row read the database, and the numbers of
    the first chunk."""

    __slots__ = ("first", "place", "read", "watch")

    def __init__(self, builder: ModelBuilder[Any], context: Context) -> None:
        # Held as steps: Django's async watch goes in the thread where its ORM runs
        # under the async methods.
        self.watch = Block(builder.reads, builder.areads, context)
        self.read = False
        self.first = self.place = 0


class MakeBatch(MakeOne[M]):
    """Many objects at a time; see the module docstring."""

    def _pf_batch_args(
        self, method: str, args: tuple[Any, ...]
    ) -> tuple[str | None, int, tuple[str, ...]]:
        if args and isinstance(args[0], int) and not isinstance(args[0], bool):
            schema, count, traits = None, args[0], args[1:]
        elif len(args) >= 2:
            schema, count, traits = args[0], args[1], args[2:]
        else:
            raise UsageError(
                f"{type(self).__name__}.{method}() takes (schema, count, *traits), "
                f"or (count, *traits) with a _default_schema; got {args!r}"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise UsageError(
                f"{type(self).__name__}.{method}() count must be a non-negative int, got {count!r}"
            )
        if count > MAX_BATCH and not method.endswith("insert_batch"):
            name = self._pf_batch_schema(schema)
            raise batch_too_large(type(self).__name__, name, method, count)
        return schema, count, traits

    def _pf_batch(self, call: BatchCall) -> Body[list[Any]]:
        """A batch in chunks of ``_batch_size``: the one body of ``attributes_batch``,
        ``build_batch``, ``create_batch``, ``insert_batch`` and their async twins."""
        cls = type(self)
        count = call.count
        size = count if isinstance(call.given, BoundRows) else cls._batch_size
        made: list[Any] = []
        probe = None
        watched = call.given is None and cls._pf_watches  # rows made already read nothing
        if watched and call.scope == "create" and count > 1 and self._pf_reads(call):
            probe = _Probe(cls._pf_builder, self._pf_context)
        stream = self._pf_stream(call) if count > size else None
        with MemoryGuard() as guard, _streaming(stream):
            guard.hold(count)
            # Chunks keep the resolved rows and placeholders of one chunk in memory at a
            # time; the whole call is still one transaction.
            # A range, not a generator: out of memory, a generator left to finalize
            # could fail in its finalizer, where nothing can report it.
            for start in range(0, count, size):
                chunk = min(size, count - start)
                guard.probe()
                try:
                    with collector_paused():
                        objs = yield from self._pf_chunk(call, start, chunk, probe, stream)
                except BuilderError as error:
                    _after_chunk_start(error, start)
                    raise
                if call.keep:
                    made.extend(objs)
                if probe is not None and probe.read:
                    # The first row read the database: the others are made as create()
                    # makes them, each seeing the rows written before it.
                    for index in range(1, count):
                        guard.probe()
                        obj = yield from self._pf_created_row(call, probe, index, chunk)
                        if call.keep:
                            made.append(obj)
                    break
                probe = None
            if stream is not None:
                self._pf_streamed(call, stream, None, 0)
            return made

    def _pf_stream(self, call: BatchCall) -> RowStream | None:
        """The builder's stream for the chunks of an ``insert_batch`` call
        (:meth:`ModelBuilder.insert_stream`), where nothing but the stream's writes
        runs on the database until the call ends: its rows make no other rows and run
        no code that may query (or were made already), no hook runs, and the call is
        synchronous."""
        cls = type(self)
        if call.keep or call.is_async or self._get_or_create or "create" in cls._pf_hooks:
            return None
        plan, laid = self._pf_plan(call.schema, call.traits, call.overrides)
        if call.given is None and (makes_rows(plan, laid) or may_read(self, plan, laid)):  # type: ignore[arg-type]
            return None
        return cls._pf_builder.insert_stream(cls._model, self._pf_context)

    def _pf_streamed(
        self, call: BatchCall, stream: RowStream, rows: list[dict[str, Any]] | None, start: int
    ) -> None:
        """``rows`` of the chunk from the batch's ``start``-th written into ``stream``;
        None to end it. A row it refuses may be one of an earlier chunk: the error names
        it by its place in the batch, as the chunk's own write would."""
        try:
            if rows is None:
                stream.close()
            else:
                stream.write(rows)
        except Exception as exc:  # never a MemoryError: the drivers close the body on one
            plan, _ = self._pf_plan(call.schema, call.traits, call.overrides)
            named = exc if isinstance(exc, BuilderError) and exc.index is not None else None
            failed = (rows or [{}]) if named is None else named.rows
            error = self._pf_rows_error(plan, "insert_many", exc, failed)
            where = getattr(error, "_pf_failed", None)
            if named is not None and where is not None and isinstance(error, BuilderError):
                # The stream counts the batch's rows from 0: its rows[0] is row
                # named.first, and the chunk's start is added on the way out.
                where[0] += named.first - start
                error.first = named.first - start
            raise error from error.__cause__

    def _pf_probed(
        self, plan: Plan, overrides: dict[str, Any], seat: Seat, probe: _Probe
    ) -> Body[tuple[dict[str, Any], dict[str, Any], list[Later]]]:
        """A create batch's first row, resolved as create() resolves one object, with
        its children made at once, while the builder watches for reads."""
        probe.first, probe.place = seat.number, seat.place
        step = Call(self._pf_resolve, self._pf_aresolve, plan, overrides, None, None, seat)
        read = yield probe.watch.enter()
        try:
            resolved: tuple[dict[str, Any], dict[str, Any], list[Later]] = yield step
        except Exception:
            yield probe.watch.leave()
            raise
        yield probe.watch.leave()
        probe.read = read()
        return resolved

    def _pf_reads(self, call: BatchCall) -> bool:
        """Whether the batch's rows may query the database as they resolve."""
        plan, overrides = self._pf_plan(call.schema, call.traits, call.overrides)
        return may_read(self, plan, overrides)  # type: ignore[arg-type]

    def _pf_created_row(self, call: BatchCall, probe: _Probe, index: int, chunk: int) -> Body[Any]:
        """Row ``index`` of a create batch, made as create() makes one object, with the
        numbers the batch gives it: those of the first chunk, or the next ones."""
        if index < chunk:
            number, place = probe.first + index, probe.place + index
        else:
            schema = self._pf_batch_schema(call.schema)
            assert schema is not None  # the plan made for the first chunk has one
            number, place = self._pf_first_row(call, schema, index, 1)
        seat = Seat(place, number)
        args = ("create", call.schema, call.traits, call.overrides, seat)
        made = yield Call(self._pf_one, self._pf_ascoped, *args)
        call.written[0] += 1
        return made

    def _pf_dataset_rows(
        self,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        first: int,
        count: int,
    ) -> list[dict[str, Any]]:
        """Rows ``first`` to ``first + count - 1`` of a dataset of ``schema``: attribute
        dicts numbered from ``first`` (see :attr:`BatchCall.first`)."""
        call = BatchCall("attributes", schema, count, traits, overrides, first=first)
        return self._pf_run_batch(call)

    def _pf_batch_schema(self, schema: str | None) -> str | None:
        """The schema a batch call names, for a message: the default when it names none."""
        cls = type(self)
        if isinstance(schema, str) and schema in cls._pf_schemas:
            return schema
        return cls._default_schema

    def _pf_check_count(
        self, plan: Plan, method: str, made: list[Any], rows: list[dict[str, Any]]
    ) -> None:
        if len(made) != len(rows):
            builder = type(type(self)._pf_builder).__name__
            error = BuilderError(
                f"{builder}.{method}() returned {len(made)} objects for {len(rows)} rows",
                attributes={},
            )
            raise error.within(plan.factory_name, plan.schema)

    def _pf_out_of_memory(self, call: BatchCall) -> FactoryError:
        name = self._pf_batch_schema(call.schema)
        return batch_out_of_memory(type(self).__name__, name, call.method, call.count)

    def _pf_chunk(
        self,
        call: BatchCall,
        start: int,
        count: int,
        probe: _Probe | None = None,
        stream: RowStream | None = None,
    ) -> Body[list[Any]]:
        """``count`` rows of a batch from its ``start``-th; with ``keep`` false, the rows
        may be written without making objects (nothing needs them: no hooks, no rows made
        after them), into the call's ``stream`` if it has one. With a ``probe``, the first
        row is watched, and is the chunk's only row if it read the database."""
        scope, is_async = call.scope, call.is_async
        if call.given is None:
            resolved = yield from self._pf_resolve_rows(call, start, count, probe)
        else:
            given = call.given
            # Rows a worker bound are one chunk, the whole call (see _pf_batch).
            rows = given if isinstance(given, BoundRows) else given[start : start + count]
            plan = self._pf_plan(call.schema, call.traits, call.overrides)[0]
            resolved = plan, rows, rows, {}  # type: ignore[assignment]
        plan, rows, everything, laters = resolved
        if scope == "attributes":
            _made(self, scope, len(rows))  # type: ignore[arg-type]
            return rows
        cls = type(self)
        found: set[int] = set()
        if scope == "build":
            objs = self._pf_build_rows(plan, rows)
        elif self._get_or_create:
            objs = []
            method = "acreate" if is_async else "create"
            for index, row in enumerate(rows):
                obj, existed = yield from self._pf_write_one(plan, method, row)
                objs.append(obj)
                if existed:
                    # An existing row is returned as it is: no new children, no hooks.
                    found.add(index)
                    laters.pop(index, None)
        elif not call.keep and not laters and scope not in cls._pf_hooks:
            written = yield from self._pf_insert_rows(call, plan, rows, stream, start)
            _made(self, scope, written)  # type: ignore[arg-type]
            call.written[0] += written
            return []
        else:
            objs = []
            if rows:
                with noting_found() as skipped:
                    objs = yield from self._pf_write_rows(plan, rows, "create_many", is_async)
                # Rows the builder found stored (on_conflict="skip") are returned as they
                # are: no new children, no hooks.
                found.update(skipped)
                for index in skipped:
                    laters.pop(index, None)
        if laters and scope == "create":
            items: list[LaterRow] = [
                (objs[i], everything[i], later, None) for i, later in laters.items()
            ]
            yield from self._pf_make_later_many(plan, items)
        elif laters:
            for index, later in laters.items():
                yield from self._pf_make_later(plan, objs[index], everything[index], later, scope)
        hooks = cls._pf_hooks.get(scope)
        if hooks:
            for index, (obj, values) in enumerate(zip(objs, everything, strict=True)):
                if index not in found:
                    yield from self._pf_run_hooks(plan, scope, hooks, obj, values)
        made = len(objs) - len(found)
        _made(self, scope, made)  # type: ignore[arg-type]
        call.written[0] += made
        return objs

    def _pf_build_rows(self, plan: Plan, rows: list[dict[str, Any]]) -> list[Any]:
        """``build_batch``'s objects: one call of the model per row when it takes the
        attributes as keywords, else the builder's ``build``."""
        cls = type(self)
        if cls._pf_plain_build:
            model = cls._model
            try:
                get = row_getter(model, rows[0]) if rows else None
                if get is None:
                    return [model(**row) for row in rows]
                size = len(rows[0])
                return [model(*get(row)) if len(row) == size else model(**row) for row in rows]
            except Exception:
                pass  # the loop below finds the row, and says what went wrong with it
        objs = []
        for row in rows:
            try:
                objs.append(cls._pf_builder.build(cls._model, row, self._pf_context))
            except Exception as exc:
                error = self._pf_builder_error(plan, "build", row, exc)
                raise error from error.__cause__
        return objs

    def _pf_resolve_rows(
        self, call: BatchCall, start: int, count: int, probe: _Probe | None = None
    ) -> Body[tuple[Plan, list[dict[str, Any]], list[dict[str, Any]], dict[int, list[Later]]]]:
        """Resolve ``count`` rows of a batch, from its ``start``-th: the plan, what the
        builder gets, every value, and the fields to make once each object exists (by
        row). A ``probe`` watches the first row, resolved as create() resolves one object
        (its children made at once), and stops there if it read the database."""
        scope, schema, traits, given = call.scope, call.schema, call.traits, call.overrides
        plan, overrides = self._pf_plan(schema, traits, given)
        if overrides and plan.cached:
            # The same overrides for every object: merge them into the plan once.
            plan, overrides = plan.with_overrides(overrides), {}
        laters: dict[int, list[Later]] = {}
        if plan.simple and not overrides and plan.cached:
            rows = self._pf_plain_rows(plan, scope, count)
            return plan, rows, rows, laters
        # Children of created rows wait and are written in bulk, a level at a time.
        batch = Batch() if scope == "create" and not self._get_or_create else None
        # What the builder gets, every value, and the rows that hold placeholders.
        rows, everything, waiting = [], [], []
        first, place = self._pf_first_row(call, plan.schema, start, count)
        rows_of = call.first is not None
        filled = None
        if plan.fakes and plan.cached and not overrides:
            filled = resolve_columns(self, plan, first, count)  # type: ignore[arg-type]
            if filled is not None and not plan.columns and not plan.transient:
                return plan, filled, filled, laters  # nothing left to resolve
        straight = self._pf_straight(call, plan, overrides)
        quick = scope == "build" and _obs._observer is None
        if straight and probe is None:
            # The hot path of seeds and datasets: the plan's compiled loop, once it has one.
            made = compiled.rows(
                self,  # type: ignore[arg-type]
                plan,
                scope,
                batch,
                quick,
                first,
                place,
                filled,
                rows_of,
                count,
            )
            if made is not None:
                return plan, made[0], made[1], laters
        for index in range(count):
            if index and not plan.cached:
                plan, overrides = self._pf_plan(schema, traits, given)
            before = batch.added if batch is not None else 0
            row = filled[index] if filled is not None else None
            number = first + index
            seat = Seat(place + index, number, None, None, row, number if rows_of else None)
            if probe is not None and not index:
                built, values, later = yield from self._pf_probed(plan, overrides, seat, probe)
            elif straight:
                built, values = compiled.straight(self, plan, scope, seat, batch, quick)  # type: ignore[arg-type]
                later = None
            elif call.is_async:
                step = Call(self._pf_resolve, self._pf_aresolve, plan, overrides, batch, None, seat)
                built, values, later = yield step
            else:  # the hot path of every sync batch: no step to drive
                run = Resolution.run
                built, values, later = run(self, plan, scope, overrides, batch, None, seat)  # type: ignore[arg-type]
            rows.append(built)
            everything.append(values)
            if later:
                laters[index] = later
            if batch is not None and batch.added != before:
                waiting.append(index)
            if probe is not None and probe.read:
                break  # the others are made as create() makes them (see _pf_batch)
        if batch is not None and batch.groups:
            # Children only come from special fields, unless overrides vary by row.
            keys = plan.specials if plan.cached and not overrides else None
            yield from _written(batch, keys, [(rows[i], everything[i]) for i in waiting])
        return plan, rows, everything, laters

    def _pf_plain_rows(self, plan: Plan, scope: str, count: int) -> list[dict[str, Any]]:
        """The rows of a plan of plain values."""
        if scope == "build" and type(self)._pf_quick_build:
            # Read only: each object is model(**row), which copies it.
            return [plan.base] * count
        return [plan.base.copy() for _ in range(count)]

    def _pf_straight(self, call: BatchCall, plan: Plan, overrides: dict[str, Any]) -> bool:
        """Whether the rows of a synchronous batch with nothing laid over its plan take
        the hot path (see Resolution.straight): not when the builder makes some rows
        after them."""
        cls = type(self)
        return (
            not overrides
            and plan.cached
            and not call.is_async
            and not (cls._pf_relational and plan.makers and call.scope != "attributes")
        )

    def _pf_first_row(
        self, call: BatchCall, schema: str, start: int, count: int
    ) -> tuple[int, int]:
        """The numbers of a chunk's first row, whose ``start`` is its place in the batch:
        the object's among those this factory made of the schema (its random stream),
        and its ``ctx.index``. In a dataset both are the row's index."""
        if call.first is None:
            return self._pf_number(schema, count), start
        return call.first + start, call.first + start

    def _pf_run_batch(self, call: BatchCall) -> list[Any]:
        """The sync batch methods: the batch body, driven (for ``create``, in one
        transaction); out of memory, the batch's own error."""
        body = self._pf_batch(call)
        try:
            with _naming_the_call(call):
                if call.scope != "create" or not type(self)._pf_atomic or held_for.get() is self:
                    return drive(body)
                with type(self)._pf_builder.transaction(self._pf_context):
                    return drive(body)
        except MemoryError:
            pass  # leaving this block lets go of the traceback, and the rows it holds
        raise self._pf_out_of_memory(call)

    async def _pf_arun_batch(self, call: BatchCall) -> list[Any]:
        """:meth:`_pf_run_batch` for ``acreate_batch`` and ``ainsert_batch``."""
        body = self._pf_batch(call)
        try:
            with _naming_the_call(call):
                if not type(self)._pf_atomic or held_for.get() is self:
                    return await adrive(body)
                async with type(self)._pf_builder.atransaction(self._pf_context):
                    return await adrive(body)
        except MemoryError:
            pass
        raise self._pf_out_of_memory(call)

    def _pf_later_many_enter(self, plan: Plan, items: list[LaterRow]) -> Token[Link | None]:
        """:meth:`_pf_later_enter` for the rows of a batch, which share one plan: their
        first row's fields are checked, and the batch stands on the chain as one object."""
        obj, _, later, origin = items[0]
        tokens: list[Token[Link | None]] = []
        try:
            for item in later:
                child, overrides = self._pf_later_child(item, obj)
                tokens.append(self._pf_later_enter(plan, item, child, overrides))
        except FactoryError as error:
            for token in reversed(tokens):
                leave(token)
            error = error.within(plan.factory_name, plan.schema, later[len(tokens)].key)
            raise (origin.frame(error) if origin is not None else error) from error.__cause__
        for token in reversed(tokens[1:]):
            leave(token)
        return tokens[0]

    def _pf_make_later_many(self, plan: Plan, items: list[LaterRow]) -> Body[None]:
        """:meth:`_pf_make_later` for a whole batch: each table of rows in one write."""
        token = self._pf_later_many_enter(plan, items)
        try:
            batch = Batch()
            found = yield from self._pf_later_pending(plan, batch, items)
            yield from batch.flushing()
            for obj, values, item, pendings in found:
                # Written by the flush: result() reads each object back.
                self._pf_link(plan, obj, values, item, [p.result() for p in pendings])
        finally:
            leave(token)

    def _pf_create_pending(self, pendings: list[Pending]) -> None:
        """Write the rows of pending children of one plan in one ``create_many`` call."""
        drive(self._pf_pending_body(pendings, False))

    async def _pf_acreate_pending(self, pendings: list[Pending]) -> None:
        """:meth:`_pf_create_pending` for ``acreate_batch``."""
        await adrive(self._pf_pending_body(pendings, True))

    def _pf_rows_error(
        self, plan: Plan, method: str, exc: Exception, rows: list[dict[str, Any]]
    ) -> FactoryError:
        """The error of the builder's write of many rows: the row that failed, when the
        builder says which (:attr:`BuilderError.index`), else the first. The batch call
        that wrote them completes the message (:func:`_name_the_call`)."""
        index = exc.index if isinstance(exc, BuilderError) else None
        if isinstance(exc, FactoryError) and index is None:
            return self._pf_builder_error(plan, method, rows[0], exc, rows)
        cause = exc.__cause__ if isinstance(exc, BuilderError) else exc
        builder = type(type(self)._pf_builder).__name__
        error = BuilderError(
            f"{builder}.{method}({type(self)._model.__name__}) raised {cause!r}",
            attributes=rows[0 if index is None else index],
            rows=rows,
            index=index,
        )
        error.__cause__ = cause
        # Where the row is in the whole batch (the chunk adds its start), and whether it
        # is one of the batch's own rows rather than a child's.
        error._pf_failed = [index, True]  # type: ignore[attr-defined]
        return error.within(plan.factory_name, plan.schema)

    def _pf_pending_body(self, pendings: list[Pending], is_async: bool) -> Body[None]:
        for pending in pendings:
            if pending.nested:
                yield from settling_row(pending.built)
                # Often the same dict: settled once, its children are not walked again.
                if pending.values is not pending.built:
                    yield from settling_row(pending.values)
        plan, rows = pendings[0].plan, [pending.built for pending in pendings]
        try:
            objs = yield from self._pf_write_rows(plan, rows, "create_many", is_async)
        except FactoryError as error:
            error = _child_row_error(pendings, error)
            raise error from error.__cause__
        for pending, obj in zip(pendings, objs, strict=True):
            pending.obj = obj
        later: list[LaterRow] = [(p.obj, p.values, p.later, p.origin) for p in pendings if p.later]
        if later:
            yield from self._pf_make_later_many(plan, later)
        hooks = type(self)._pf_hooks.get("create")
        if hooks:
            for pending in pendings:
                yield from self._pf_run_hooks(plan, "create", hooks, pending.obj, pending.values)
        _made(self, "create", len(pendings))  # type: ignore[arg-type]

    def _pf_insert_rows(
        self,
        call: BatchCall,
        plan: Plan,
        rows: list[dict[str, Any]] | BoundRows,
        stream: RowStream | None,
        start: int,
    ) -> Body[int]:
        """A chunk of ``insert_batch``'s rows written into the call's ``stream``, by the
        builder's ``insert_bound`` when a fill's worker bound them already, else by its
        ``insert_many``; how many."""
        if isinstance(rows, BoundRows):
            cls = type(self)
            try:
                return cls._pf_builder.insert_bound(cls._model, rows, self._pf_context)
            except Exception as exc:
                error = self._pf_rows_error(plan, "insert_bound", exc, rows.rows())
                raise error from error.__cause__
        if stream is not None:
            self._pf_streamed(call, stream, rows, start)
            return len(rows)
        if not rows:
            return 0
        written: int = yield from self._pf_write_rows(plan, rows, "insert_many", call.is_async)
        return written

    def _pf_write_rows(
        self, plan: Plan, rows: list[dict[str, Any]], many: str, is_async: bool
    ) -> Body[Any]:
        """The builder's ``create_many`` or ``insert_many`` (``many``; ``acreate_many``
        or ``ainsert_many`` under the async methods) for finished rows; its errors with
        their path."""
        cls = type(self)
        builder = cls._pf_builder
        method = f"a{many}" if is_async else many
        args = (cls._model, rows, self._pf_context)
        try:
            result = yield Call(getattr(builder, many), getattr(builder, f"a{many}"), *args)
        except Exception as exc:  # never a MemoryError: the drivers close the body on one
            error = self._pf_rows_error(plan, method, exc, rows)
            raise error from error.__cause__
        if method.endswith("create_many"):
            self._pf_check_count(plan, method, result, rows)
        return result
