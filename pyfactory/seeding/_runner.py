"""Running seeds: :func:`run_seeds` over a ``Session`` and :func:`arun_seeds` over an
``AsyncSession`` (or a ``Session``), side by side.

Both share every step that is not I/O (:class:`_Run`): the order, the context of each
seed, the row counts and the summary. SQLAlchemy is imported when a run starts, so
that defining seeds needs nothing but pyfactory.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from pyfactory.errors import AsyncModeError, UsageError
from pyfactory.seeding._context import CHUNK_SIZE, SeedContext
from pyfactory.seeding._progress import reporter
from pyfactory.seeding._seed import Seed, order_seeds
from pyfactory.seeding._summary import SeedResult, SeedStatus, SeedSummary
from pyfactory.seeding.errors import SeedDefinitionError, SeedFailedError

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
    from sqlalchemy.orm import Session

__all__ = ["arun_seeds", "run_seeds"]

T = TypeVar("T")


def _sqlalchemy() -> None:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the message is the point
        raise ImportError(
            "running seeds needs SQLAlchemy 2: pip install 'pyfactory-schema[sqlalchemy]'"
        ) from exc


def _async_types() -> tuple[type[Any], ...]:
    """AsyncSession and AsyncEngine, or nothing when SQLAlchemy's asyncio extra
    (greenlet) is missing: synchronous runs must work without it."""
    try:
        from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
    except ImportError:  # pragma: no cover - greenlet is installed with the test extra
        return ()
    return (AsyncSession, AsyncEngine)


# --------------------------------------------------------------------- row counts

# The table of an INSERT, as SQLAlchemy and the bulk path of the builders write it
# (possibly schema-qualified and quoted).
_INSERT = re.compile(
    r'\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+((?:"[^"]+"|`[^`]+`|[\w$]+)(?:\.(?:"[^"]+"|`[^`]+`|[\w$]+))?)',
    re.IGNORECASE,
)


def _table(statement: str) -> str | None:
    found = _INSERT.match(statement)
    if found is None:
        return None
    return found.group(1).split(".")[-1].strip('"`')


# The first row of a VALUES list, for counting its placeholders.
_FIRST_ROW = re.compile(r"\bVALUES\s*(\([^)]*\))", re.IGNORECASE)


def _rows_given(statement: str, parameters: Any) -> int | None:
    """How many rows an INSERT with positional ``?`` placeholders writes: one per
    parameter set, or per run of a row's placeholders in one flat set; None when the
    statement does not say."""
    if isinstance(parameters, list):
        return len(parameters)
    found = _FIRST_ROW.search(statement)
    if found is None or not isinstance(parameters, tuple):
        return None
    per_row = found.group(1).count("?")
    return len(parameters) // per_row if per_row else None


class _RowCounter:
    """Counts the rows that INSERT statements on one connection write, per table.

    It listens to ``after_cursor_execute`` of every engine while a run lasts and keeps
    what happens on the connection of the seed being run. SQLite's driver knows how
    many rows an ``INSERT ... RETURNING`` wrote only once they have all been fetched,
    after the event (and SQLAlchemy runs the next batch on the same cursor), so those
    rows are counted from the parameters: as many rows as sets of placeholders they
    fill. Anything else of that kind is read from its cursor at the next statement.
    """

    def __init__(self) -> None:
        self.connection: Any = None
        self.rows: dict[str, int] = {}
        self.pending: list[tuple[str, Any]] = []

    def __call__(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if conn is not self.connection:
            return
        self._settle()
        table = _table(statement)
        if table is None:
            return
        count = cursor.rowcount
        if count <= 0 and "RETURNING" in statement.upper():
            rows = _rows_given(statement, parameters)
            if rows is None:
                self.pending.append((table, cursor))
            else:
                self.rows[table] = self.rows.get(table, 0) + rows
        elif count >= 0:
            self.rows[table] = self.rows.get(table, 0) + count
        else:  # a driver that does not tell: one row per parameter set
            written = len(parameters) if executemany else 1
            self.rows[table] = self.rows.get(table, 0) + written

    def _settle(self) -> None:
        for table, cursor in self.pending:
            self.rows[table] = self.rows.get(table, 0) + max(cursor.rowcount, 0)
        self.pending.clear()

    def watch(self, connection: Any) -> None:
        self.connection = connection
        self.rows = {}
        self.pending.clear()

    def take(self) -> dict[str, int]:
        self._settle()
        rows, self.rows, self.connection = self.rows, {}, None
        return rows


@contextmanager
def _listening(counter: _RowCounter) -> Iterator[None]:
    from sqlalchemy import Engine, event

    event.listen(Engine, "after_cursor_execute", counter)
    try:
        yield
    finally:
        event.remove(Engine, "after_cursor_execute", counter)


# --------------------------------------------------------------------- the shared run


class _Run:
    """What the sync and async runners share: everything but the I/O."""

    def __init__(
        self,
        seeds: Iterable[type[Seed]],
        *,
        settings: Any,
        only: Iterable[str],
        scale: float,
        dry_run: bool,
        progress: bool,
        chunk_size: int,
    ) -> None:
        if (
            not isinstance(scale, (int, float))
            or isinstance(scale, bool)
            or not 0 < scale < math.inf
        ):
            raise UsageError(f"scale is a finite number above 0, not {scale!r}")
        if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise UsageError(f"chunk_size is a positive int, not {chunk_size!r}")
        self.order = order_seeds(seeds, only=only)
        self.settings = settings
        self.scale = scale
        self.dry_run = dry_run
        self.chunk_size = chunk_size
        self.reporter = reporter(progress, len(self.order))
        self.counter = _RowCounter()
        self.results: list[SeedResult] = []
        self.started = time.perf_counter()
        self.seed_started = self.started

    def context(self, session: Any, seed: type[Seed]) -> SeedContext:
        return SeedContext(
            session=session,
            settings=self.settings,
            scale=self.scale,
            seed=seed.__name__,
            chunk_size=self.chunk_size,
            progress=self.reporter,
        )

    def begin(self, seed: type[Seed], connection: Any) -> None:
        self.seed_started = time.perf_counter()
        self.reporter.seed_started(seed.__name__)
        self.counter.watch(connection)

    def finish(self, seed: type[Seed], status: SeedStatus) -> None:
        rows = self.counter.take()
        result = SeedResult(
            seed.__name__,
            status,
            rows if status == "ran" else {},
            time.perf_counter() - self.seed_started,
        )
        self.results.append(result)
        self.reporter.seed_finished(result)

    def failed(self, seed: type[Seed], error: Exception) -> SeedFailedError:
        self.counter.take()
        result = SeedResult(
            seed.__name__, "failed", {}, time.perf_counter() - self.seed_started, error
        )
        self.results.append(result)
        self.reporter.seed_finished(result)
        return SeedFailedError(seed.__name__, error, self.summary())

    def summary(self) -> SeedSummary:
        return SeedSummary(
            tuple(self.results), time.perf_counter() - self.started, dry_run=self.dry_run
        )


def _is_async_url(url: str | URL) -> bool:
    from sqlalchemy import make_url

    return bool(getattr(make_url(url).get_dialect(), "is_async", False))


def engine_for(url: str | URL) -> Any:
    """An engine for ``url``: an ``AsyncEngine`` when its driver is async."""
    if _is_async_url(url):
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(url)
    from sqlalchemy import create_engine

    return create_engine(url)


# --------------------------------------------------------------------- sync


class _Loop:
    """An event loop of the synchronous runner's own, for seeds written ``async def``
    that it is given a ``Session`` for; made on first use."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

    def result(self, value: T | Awaitable[T], seed: type[Seed], method: str) -> T:
        if not inspect.isawaitable(value):
            return value
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            if inspect.iscoroutine(value):
                value.close()
            raise SeedDefinitionError(
                f"{seed.__name__}.{method} is async, and run_seeds() was called inside a "
                "running event loop: await arun_seeds(...) there instead"
            )
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
        done: T = self.loop.run_until_complete(_awaited(value))
        return done

    def close(self) -> None:
        if self.loop is not None:
            self.loop.close()


async def _awaited(value: Awaitable[T]) -> T:
    return await value


@contextmanager
def _session(bind: Session | Engine | str | URL) -> Iterator[Session]:
    """The session to run seeds in: the one given, or one on the engine or URL given
    (and the engine of a URL is disposed of afterwards)."""
    _sqlalchemy()
    from sqlalchemy import URL, Engine, create_engine
    from sqlalchemy.orm import Session

    if isinstance(bind, Session):
        yield bind
        return
    if isinstance(bind, _async_types()):
        raise AsyncModeError(
            f"run_seeds() was given an {type(bind).__name__}; await arun_seeds(...) instead"
        )
    owned = isinstance(bind, (str, URL))
    if owned:
        assert isinstance(bind, (str, URL))
        if _is_async_url(bind):
            raise AsyncModeError(
                f"run_seeds() was given the async URL {_shown(bind)}; await arun_seeds(...) "
                "instead, or use a synchronous driver"
            )
        engine = create_engine(bind)
    elif isinstance(bind, Engine):
        engine = bind
    else:
        raise UsageError(
            f"run_seeds() takes a Session, an Engine or a URL, not {type(bind).__name__}"
        )
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        if owned:
            engine.dispose()


def _shown(url: str | URL) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_seeds(
    seeds: Iterable[type[Seed]] | type[Seed],
    bind: Session | Engine | str | URL,
    /,
    *,
    settings: Any = None,
    only: Iterable[str] = (),
    scale: float = 1,
    dry_run: bool = False,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> SeedSummary:
    """Run seeds in dependency order, each in a transaction of its own, through a
    SQLAlchemy ``Session``.

    For each seed: ``should_run(ctx)``; if true, ``run(ctx)`` and a commit; if either
    raises, a rollback and :class:`SeedFailedError`, and no later seed runs. A seed
    written ``async def`` is run to completion on an event loop of the runner's own
    (outside a running loop only; there, await :func:`arun_seeds`).

    Args:
        seeds: Seed classes (or one); the seeds they depend on are added.
        bind: A ``Session`` (committed after each seed), an ``Engine`` or a URL.
        settings: Anything; the seeds read it as ``ctx.settings``.
        only: Names of seeds: run only these, and what they depend on.
        scale: Multiplies the counts of :meth:`SeedContext.fill` and
            :meth:`SeedContext.scaled`.
        dry_run: Evaluate each ``should_run`` and roll back, running nothing.
        progress: Show progress bars on standard error (rich, or plain lines).
        chunk_size: Rows per ``insert_batch`` call of :meth:`SeedContext.fill`.

    Returns:
        What each seed did.

    Raises:
        SeedFailedError: A seed raised; its ``summary`` says what ran before.
        MissingSeedError: A dependency or ``only`` name that is no seed (nothing ran).
        SeedCycleError: Seeds that depend on themselves (nothing ran).
        AsyncModeError: An ``AsyncSession``, ``AsyncEngine`` or async URL.

    .. versionadded:: 0.1
    """
    state = _Run(
        seeds if not isinstance(seeds, type) else [seeds],
        settings=settings,
        only=only,
        scale=scale,
        dry_run=dry_run,
        progress=progress,
        chunk_size=chunk_size,
    )
    loop = _Loop()
    try:
        with _session(bind) as session, _listening(state.counter):
            for seed in state.order:
                instance = seed()
                ctx = state.context(session, seed)
                state.begin(seed, session.connection())
                try:
                    if not loop.result(instance.should_run(ctx), seed, "should_run"):
                        session.rollback()
                        state.finish(seed, "skipped")
                        continue
                    if dry_run:
                        session.rollback()
                        state.finish(seed, "would run")
                        continue
                    loop.result(instance.run(ctx), seed, "run")
                    session.commit()
                except SeedDefinitionError:
                    session.rollback()
                    raise
                except Exception as error:
                    session.rollback()
                    raise state.failed(seed, error) from error
                except BaseException:
                    session.rollback()
                    raise
                state.finish(seed, "ran")
    finally:
        loop.close()
        state.reporter.close()
    return state.summary()


# --------------------------------------------------------------------- async


@asynccontextmanager
async def _asession(
    bind: AsyncSession | AsyncEngine | Session | Engine | str | URL,
) -> AsyncIterator[Any]:
    """:func:`_session` for :func:`arun_seeds`: async binds give an ``AsyncSession``,
    sync ones a ``Session``."""
    _sqlalchemy()
    from sqlalchemy import URL, Engine
    from sqlalchemy.orm import Session

    async_types = _async_types()
    if async_types and isinstance(bind, async_types[0]):
        yield bind
        return
    if isinstance(bind, (str, URL)):
        is_async = _is_async_url(bind)
    elif isinstance(bind, (Session, Engine)):
        is_async = False
    elif async_types and isinstance(bind, async_types[1]):
        is_async = True
    else:
        raise UsageError(
            "arun_seeds() takes an AsyncSession, an AsyncEngine, a Session, an Engine or "
            f"a URL, not {type(bind).__name__}"
        )
    if not is_async:
        with _session(bind) as session:
            yield session
        return
    from sqlalchemy.ext.asyncio import AsyncSession

    engine: Any = engine_for(bind) if isinstance(bind, (str, URL)) else bind
    try:
        async with AsyncSession(engine, expire_on_commit=False) as asession:
            yield asession
    finally:
        if engine is not bind:  # made here, from a URL
            await engine.dispose()


async def _maybe(value: T | Awaitable[T]) -> T:
    if inspect.isawaitable(value):
        done: T = await value
        return done
    return value


async def _call(method: Any, ctx: SeedContext, sync_ctx: SeedContext | None, session: Any) -> Any:
    """Call a seed's ``run`` or ``should_run``, awaiting it if it is ``async def``.

    With an ``AsyncSession``, a plain ``def`` runs inside ``session.run_sync`` and sees
    the session's synchronous ``Session`` as ``ctx.session``: the same seeds serve a
    sync URL and an async one (a sync ``session.get()`` on the ``AsyncSession`` would
    hand back a coroutine that nobody awaits).
    """
    if sync_ctx is not None and not inspect.iscoroutinefunction(method):
        return await session.run_sync(lambda _: method(sync_ctx))
    return await _maybe(method(ctx))


async def _connection(session: Any) -> Any:
    """The session's connection, as the engine events see it."""
    connection = await _maybe(session.connection())
    return getattr(connection, "sync_connection", connection)


async def arun_seeds(
    seeds: Iterable[type[Seed]] | type[Seed],
    bind: AsyncSession | AsyncEngine | Session | Engine | str | URL,
    /,
    *,
    settings: Any = None,
    only: Iterable[str] = (),
    scale: float = 1,
    dry_run: bool = False,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> SeedSummary:
    """:func:`run_seeds` for an async application: awaits each seed's methods when they
    are ``async def``, and the session when it is an ``AsyncSession``.

    ``bind`` may be an ``AsyncSession``, an ``AsyncEngine`` or an async URL
    (``sqlite+aiosqlite://``, ``postgresql+asyncpg://``), and also their synchronous
    counterparts; the other arguments are those of :func:`run_seeds`.

    Returns:
        What each seed did.

    Raises:
        SeedFailedError: A seed raised; its ``summary`` says what ran before.
        MissingSeedError: A dependency or ``only`` name that is no seed (nothing ran).
        SeedCycleError: Seeds that depend on themselves (nothing ran).

    .. versionadded:: 0.1
    """
    state = _Run(
        seeds if not isinstance(seeds, type) else [seeds],
        settings=settings,
        only=only,
        scale=scale,
        dry_run=dry_run,
        progress=progress,
        chunk_size=chunk_size,
    )
    try:
        async with _asession(bind) as session:
            with _listening(state.counter):
                for seed in state.order:
                    instance = seed()
                    ctx = state.context(session, seed)
                    sync_ctx = None
                    if hasattr(session, "sync_session"):
                        sync_ctx = state.context(session.sync_session, seed)
                    state.begin(seed, await _connection(session))
                    try:
                        if not await _call(instance.should_run, ctx, sync_ctx, session):
                            await _maybe(session.rollback())
                            state.finish(seed, "skipped")
                            continue
                        if dry_run:
                            await _maybe(session.rollback())
                            state.finish(seed, "would run")
                            continue
                        await _call(instance.run, ctx, sync_ctx, session)
                        await _maybe(session.commit())
                    except Exception as error:
                        await _maybe(session.rollback())
                        raise state.failed(seed, error) from error
                    except BaseException:
                        await _maybe(session.rollback())
                        raise
                    state.finish(seed, "ran")
    finally:
        state.reporter.close()
    return state.summary()
