"""What a seed's ``run`` and ``should_run`` receive: :class:`SeedContext`."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs

from pyfactory import Factory
from pyfactory._core.realization.batch import BatchCall, held_for
from pyfactory._drive import Body, adrive, drive
from pyfactory.builders import BoundRows
from pyfactory.errors import UsageError
from pyfactory.seeding._beside import fill_beside, job_for
from pyfactory.seeding._progress import Reporter, Silent

__all__ = ["CHUNK_SIZE", "MAX_ROWS", "SeedContext"]

F = TypeVar("F", bound=Factory[Any])

#: How many rows :meth:`SeedContext.fill` writes per ``insert_batch`` call.
CHUNK_SIZE = 10_000

#: The most rows that one count of :meth:`SeedContext.fill` or
#: :meth:`SeedContext.scaled` may come to once scaled: a billion, hours of writing.
#: A larger one is refused before anything of it is written, and a scale above it
#: (which would make even a count of 1 larger) before any seed runs.
MAX_ROWS = 10**9


def scale_problem(scale: object) -> str | None:
    """What is wrong with a scale, or None: the one rule of ``--scale`` and of the
    runners' ``scale``."""
    if (
        not isinstance(scale, (int, float))
        or isinstance(scale, bool)
        or not 0 < scale < math.inf  # also false for NaN
    ):
        return f"a finite number above 0, not {scale!r}"
    if scale > MAX_ROWS:
        return (
            f"at most {MAX_ROWS:,}, not {scale:g}: even a count of 1 would come to more "
            f"rows than the {MAX_ROWS:,} (MAX_ROWS) that one count may be"
        )
    return None


@attrs.frozen
class SeedContext:
    """What a seed gets: the session, the app's settings, and factories bound to the
    session.

    Attributes:
        session: The SQLAlchemy ``Session``, or ``AsyncSession`` for an async URL or
            engine; the runner commits it after each seed.
        settings: The settings object given to the runner (``None`` if none was).
        scale: The factor that :meth:`scaled` and :meth:`fill` multiply counts by
            (``pyfactory seed --scale``); 1 by default.
        seed: The name of the seed being run.
        chunk_size: How many rows :meth:`fill` writes per ``insert_batch`` call.
        workers: 1 to have :meth:`fill` make its rows in a worker process while this
            one writes them (``pyfactory seed --workers 1``), where its factory's
            fields allow; 0 (the default) makes them here.

    .. versionadded:: 0.1
    .. versionchanged:: 1.1
       ``workers``.
    """

    session: Any
    settings: Any = None
    scale: float = 1
    seed: str = ""
    chunk_size: int = CHUNK_SIZE
    workers: int = 0
    _progress: Reporter = attrs.field(factory=Silent, alias="progress", repr=False)

    def factory(self, factory: type[F], /, **context: Any) -> F:
        """An instance of ``factory`` that writes through this session:
        ``UserFactory(session=ctx.session, **context)``."""
        return factory(session=self.session, **context)

    def scaled(self, count: int) -> int:
        """``count`` times :attr:`scale`, rounded; at least 1 when ``count`` is.

        Raises:
            UsageError: ``count`` is not a non-negative int, or comes to more than
                :data:`MAX_ROWS` rows.
        """
        _check_count(self.seed, count)
        if count == 0:
            return 0
        rows = count * self.scale
        if rows > MAX_ROWS:
            raise UsageError(
                f"{self.seed}: a count of {count:,} at scale {self.scale:g} comes to "
                f"{rows:,.0f} rows, more than the {MAX_ROWS:,} (MAX_ROWS) that one count may "
                "be; lower the scale or the count"
            )
        return max(1, round(rows))

    def _plan(
        self, factory: type[Factory[Any]] | Factory[Any], first: Any, args: tuple[Any, ...]
    ) -> tuple[Factory[Any], str | None, int, tuple[str, ...]]:
        made = self.factory(factory) if isinstance(factory, type) else factory
        if isinstance(first, str):
            if not args:
                raise UsageError(
                    f"{self.seed}: fill({type(made).__name__}, {first!r}) needs a count "
                    "after the schema name"
                )
            schema, count, traits = first, args[0], args[1:]
        else:
            schema, count, traits = None, first, args
        return made, schema, self.scaled(count), tuple(traits)

    def _chunks(self, total: int) -> Iterator[int]:
        size = self.chunk_size
        return (min(size, total - start) for start in range(0, total, size))

    def fill(
        self,
        factory: type[Factory[Any]] | Factory[Any],
        first: str | int,
        /,
        *args: Any,
        **overrides: Any,
    ) -> int:
        """Write ``count`` times :attr:`scale` rows in chunks of :attr:`chunk_size`
        with the factory's ``insert_batch``, keeping none of them: memory stays flat
        however many rows it writes.

        Called as ``create_batch`` is: ``ctx.fill(UserFactory, 1000)`` or
        ``ctx.fill(UserFactory, "admin", 1000, "verified", country="FR")``. A
        factory class is bound to the session; an instance is used as it is.

        The chunks are written in one transaction, the builder's for one call (a
        SAVEPOINT with the SQLAlchemy builders): a failing row rolls back every row
        of the fill, and leaves the session usable.

        With :attr:`workers`, a fill of more than one chunk has a spawned process
        make its rows, and bind them where the builder can
        (:meth:`~pyfactory.builders.ModelBuilder.insert_binder`), while this one
        writes them; this one makes the first chunks itself while that process
        starts. That is where the factory's fields need nothing of this process
        (fakes but ``unique`` ones, sequences but ``resume=True`` ones, lazy,
        transient and plain values, ``each()`` over a list; no association,
        ``many``, custom field or hook): the same rows, in the same transaction, and
        this process's sequences count on after them. Other fills are made here
        (:ref:`seeding-workers`).

        Returns:
            How many rows of the model it created.

        Raises:
            UsageError: The count is not a non-negative int, or a schema has none.
        """
        made, schema, total, traits = self._plan(factory, first, args)
        job = None
        if self.workers and total > self.chunk_size:  # one chunk: nothing to overlap
            job = job_for(made, schema, traits, overrides)
        if job is None:
            body = self._fill("insert_batch", made, schema, total, traits, overrides)
        with type(made)._pf_builder.transaction(made._pf_context), _holding(made):
            if job is None:
                return drive(body)
            self._progress.fill_started(_label(made, schema), total)

            def here(size: int) -> None:
                made.insert_batch(*_batch_args(schema, size, traits), **overrides)
                self._progress.advance(size)

            def write(rows: list[dict[str, Any]] | BoundRows) -> None:
                args = (schema, len(rows), traits, overrides)
                made._pf_run_batch(BatchCall("create", *args, keep=False, given=rows))
                self._progress.advance(len(rows))

            fill_beside(made, job, self._chunks(total), here, write)
            return total

    async def afill(
        self,
        factory: type[Factory[Any]] | Factory[Any],
        first: str | int,
        /,
        *args: Any,
        **overrides: Any,
    ) -> int:
        """:meth:`fill` through ``ainsert_batch``, for an ``AsyncSession``."""
        made, body = self._filling("ainsert_batch", factory, first, args, overrides)
        async with type(made)._pf_builder.atransaction(made._pf_context):
            with _holding(made):
                return await adrive(body)

    def _filling(
        self,
        method: str,
        factory: type[Factory[Any]] | Factory[Any],
        first: str | int,
        args: tuple[Any, ...],
        overrides: dict[str, Any],
    ) -> tuple[Factory[Any], Body[int]]:
        """The factory that :meth:`fill` or :meth:`afill` writes with, and their one
        body, not started (see :meth:`_fill`)."""
        made, schema, total, traits = self._plan(factory, first, args)
        return made, self._fill(method, made, schema, total, traits, overrides)

    def _fill(
        self,
        method: str,
        made: Factory[Any],
        schema: str | None,
        total: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
    ) -> Body[int]:
        """The one body of :meth:`fill` and :meth:`afill`: ``method`` is the factory's
        ``insert_batch`` or ``ainsert_batch``, and each chunk is yielded as what it
        returned (see :mod:`pyfactory._drive`)."""
        insert = getattr(made, method)
        self._progress.fill_started(_label(made, schema), total)
        for size in self._chunks(total):
            yield insert(*_batch_args(schema, size, traits), **overrides)
            self._progress.advance(size)
        return total


@contextmanager
def _holding(made: Factory[Any]) -> Iterator[None]:
    """``made``'s batch calls inside the transaction that a fill holds for all of them
    (the builder's, as one ``insert_batch`` call takes it), so that each takes none of
    its own: see :data:`~pyfactory._core.realization.batch.held_for`. A fill's rows are
    then written, or rolled back, together."""
    token = held_for.set(made)
    try:
        yield
    finally:
        held_for.reset(token)


def _batch_args(schema: str | None, size: int, traits: tuple[str, ...]) -> tuple[Any, ...]:
    """A batch call's arguments before the overrides: the schema only when named."""
    return (size, *traits) if schema is None else (schema, size, *traits)


def _label(factory: Factory[Any], schema: str | None) -> str:
    name = type(factory).__name__
    return f"{name}.{schema}" if schema else name


def _check_count(seed: str, count: Any) -> None:
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise UsageError(f"{seed}: a count is a non-negative int, not {count!r}")
