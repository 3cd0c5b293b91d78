"""Running seeds: :func:`run_seeds` over a ``Session`` and :func:`arun_seeds` over an
``AsyncSession`` (or a ``Session``).

Both run one body (:func:`_seeds`, a generator of the steps of I/O; see
:mod:`pyfactory._drive`) with one state (:class:`Run`: the order, the context
of each seed, the row counts and the summary); each adds only its driver and the way
it opens its session. SQLAlchemy is imported when a run starts, so that defining seeds
needs nothing but pyfactory.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AsyncExitStack,
    ExitStack,
    asynccontextmanager,
    contextmanager,
    nullcontext,
)
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from pyfactory._drive import Body, adrive, drive
from pyfactory._secrets import shown_url
from pyfactory.builders._conflict import listening_for_skips
from pyfactory.errors import AsyncModeError, UsageError
from pyfactory.seeding._context import CHUNK_SIZE, SeedContext, scale_problem
from pyfactory.seeding._lock import seed_lock
from pyfactory.seeding._progress import Reporter, Silent, reporter
from pyfactory.seeding._seed import Seed, order_seeds
from pyfactory.seeding._summary import SeedResult, SeedStatus, SeedSummary
from pyfactory.seeding.errors import SeedFailedError

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
# (possibly schema-qualified and quoted), or of the COPY ... FROM STDIN that
# SQLAlchemyBuilder's insert_batch runs on PostgreSQL, whose cursor's rowcount is the
# rows copied.
_INSERT = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|COPY(?=\s.*\bFROM\s+STDIN\b))\s+((?:"[^"]+"|`[^`]+`|[\w$]+)(?:\.(?:"[^"]+"|`[^`]+`|[\w$]+))?)',
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


#: The counter of the run going on in this thread or task (and in the tasks and the
#: ``asyncio.to_thread`` calls it starts, which copy its context); SQLAlchemy's async
#: layer runs the driver in greenlets that share the context of their task.
_COUNTING: ContextVar[_RowCounter | None] = ContextVar("pyfactory_seed_rows", default=None)


class _RowCounter:
    """Counts the rows that a seed's INSERT statements write and keep, per table.

    Its engine events see every connection of every engine, and keep what the run's
    own context executes (:data:`_COUNTING`): the seed's session, a factory that
    commits (``persistence="commit"``), another connection the seed opens. A row
    counts once the transaction that wrote it commits: the seed's own commits, the
    runner's commit at its end, or at once on an ``AUTOCOMMIT`` connection; what a
    rollback (or a rollback to a savepoint) undoes is dropped. So a seed that fails
    after committing part way shows the rows that stay, and no others.

    SQLite's driver knows how many rows an ``INSERT ... RETURNING`` wrote only once
    they have all been fetched, after the event (and SQLAlchemy runs the next batch on
    the same cursor), so those rows are counted from the parameters: as many rows as
    sets of placeholders they fill. Anything else of that kind is read from its cursor
    at the connection's next event.
    """

    def __init__(self) -> None:
        #: Rows that writes with ``on_conflict="skip"`` left out, as they report them
        #: (:func:`~pyfactory.builders._conflict.report_skipped`): never written, so
        #: outside the transactions' bookkeeping.
        self.skips: dict[str, int] = {}
        self.kept: dict[str, int] = {}
        # Per connection: the rows of its open transaction, then of each savepoint in it.
        self.open: dict[Any, list[dict[str, int]]] = {}
        self.unread: dict[Any, list[tuple[str, Any]]] = {}
        # Rows whose COMMIT was sent: kept unless the driver reports that it failed.
        self.committing: dict[Any, dict[str, int]] = {}

    def executed(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if _COUNTING.get() is not self:
            return
        self._settle(conn)
        table = _table(statement)
        if table is None:
            return
        count = cursor.rowcount
        if count <= 0 and "RETURNING" in statement.upper():
            rows = _rows_given(statement, parameters)
            if rows is None:
                self.unread.setdefault(conn, []).append((table, cursor))
                return
        elif count >= 0:
            rows = count
        else:  # a driver that does not tell: one row per parameter set
            rows = len(parameters) if executemany else 1
        self._add(conn, {table: rows})

    def _add(self, conn: Any, rows: dict[str, int]) -> None:
        autocommit = getattr(conn, "_is_autocommit_isolation", None)
        if autocommit is not None and autocommit():
            _merge(self.kept, rows)
        else:
            _merge(self.open.setdefault(conn, [{}])[-1], rows)

    def _settle(self, conn: Any) -> None:
        """Read the rows of the connection's statements that said nothing at the time,
        and keep those of its last COMMIT, which went through."""
        committed = self.committing.pop(conn, None)
        if committed is not None:
            _merge(self.kept, committed)
        for table, cursor in self.unread.pop(conn, ()):
            self._add(conn, {table: max(cursor.rowcount, 0)})

    def commit(self, conn: Any) -> None:
        self._settle(conn)
        written: dict[str, int] = {}
        for layer in self.open.pop(conn, ()):
            _merge(written, layer)
        if written:
            self.committing[conn] = written

    def rollback(self, conn: Any) -> None:
        self._settle(conn)  # a previous COMMIT went through; this transaction's rows go
        self.open.pop(conn, None)

    def savepoint(self, conn: Any, name: str | None) -> None:
        if conn in self.open or _COUNTING.get() is self:
            self._settle(conn)
            self.open.setdefault(conn, [{}]).append({})

    def rollback_savepoint(self, conn: Any, name: str, context: Any) -> None:
        layers = self.open.get(conn, ())
        if len(layers) > 1:
            self.unread.pop(conn, None)
            layers.pop()

    def release_savepoint(self, conn: Any, name: str, context: Any) -> None:
        layers = self.open.get(conn, ())
        if len(layers) > 1:
            self._settle(conn)
            released = layers.pop()
            _merge(layers[-1], released)

    def failed(self, context: Any) -> None:
        """A driver error: when it is the COMMIT's (no statement), its rows are gone."""
        if context.statement is None and context.connection is not None:
            self.committing.pop(context.connection, None)

    def skipped(self, table: str, count: int) -> None:
        if _COUNTING.get() is self:
            _merge(self.skips, {table: count})

    def take_skipped(self) -> dict[str, int]:
        """The rows skipped since the last call."""
        skips, self.skips = self.skips, {}
        return skips

    def take(self) -> dict[str, int]:
        """The rows kept since the last call; what is still open was not kept."""
        for conn in list(self.committing) + list(self.unread):
            self._settle(conn)
        rows, self.kept = self.kept, {}
        self.open.clear()
        return rows


def _merge(into: dict[str, int], rows: dict[str, int]) -> None:
    for table, count in rows.items():
        if count:  # an INSERT that wrote nothing (all its rows skipped) names no table
            into[table] = into.get(table, 0) + count


#: The engine events that :class:`_RowCounter` follows, by its method names.
_EVENTS = {
    "after_cursor_execute": "executed",
    "commit": "commit",
    "rollback": "rollback",
    "savepoint": "savepoint",
    "rollback_savepoint": "rollback_savepoint",
    "release_savepoint": "release_savepoint",
    "handle_error": "failed",
}


@contextmanager
def _listening(counter: _RowCounter) -> Iterator[None]:
    from sqlalchemy import Engine, event

    listeners = [(name, getattr(counter, method)) for name, method in _EVENTS.items()]
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    token = _COUNTING.set(counter)
    try:
        with listening_for_skips(counter.skipped):
            yield
    finally:
        _COUNTING.reset(token)
        for name, listener in listeners:
            event.remove(Engine, name, listener)


# --------------------------------------------------------------------- the shared run


class Run:
    """What the sync and async runners share: everything but the I/O."""

    def __init__(
        self,
        seeds: Iterable[type[Seed]] | type[Seed],
        settings: Any = None,
        only: Iterable[str] = (),
        scale: float = 1,
        dry_run: bool = False,
        progress: bool = False,
        chunk_size: int = CHUNK_SIZE,
        lock: bool | str = False,
        lock_timeout: float | None = None,
        workers: int = 0,
    ) -> None:
        problem = scale_problem(scale)
        if problem is not None:
            raise UsageError(f"scale is {problem}")
        if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise UsageError(f"chunk_size is a positive int, not {chunk_size!r}")
        if workers not in (0, 1) or isinstance(workers, bool):
            raise UsageError(f"workers is 0 or 1, not {workers!r}")
        #: The lock of ``lock=``, None without one: taken by :func:`_seeds`, or before
        #: it by ``pyfactory seed``, whose ``--create-tables`` it covers too.
        self.lock = seed_lock(lock, lock_timeout)
        self.order = order_seeds([seeds] if isinstance(seeds, type) else seeds, only=only)
        self.settings = settings
        self.scale = scale
        self.dry_run = dry_run
        self.chunk_size = chunk_size
        self.workers = workers
        self.progress = progress
        self.reporter: Reporter = Silent()
        self.counter = _RowCounter()
        self.results: list[SeedResult] = []
        #: The seed that an interrupt stopped, and the rows it had committed (which stay).
        self.interrupted: tuple[str, dict[str, int]] | None = None
        self.started = time.perf_counter()
        self.seed_started = self.started

    @contextmanager
    def running(self) -> Iterator[None]:
        """The run, from its start: its clock and its progress bars (made here, not
        before, so that ``pyfactory seed`` shows none for a URL it cannot reach), which
        are closed at its end."""
        self.started = time.perf_counter()
        self.reporter = reporter(self.progress, len(self.order))
        try:
            yield
        finally:
            self.reporter.close()

    def refuse_async(self, bind: Any) -> None:
        """Before any seed runs: an ``async def`` method cannot work on a synchronous
        session or engine (its ``await ctx.session.execute(...)`` would await a
        result)."""
        if hasattr(bind, "sync_session") or hasattr(bind, "sync_engine"):
            return
        for seed in self.order:
            for method in ("should_run", "run"):
                if inspect.iscoroutinefunction(getattr(seed, method)):
                    raise AsyncModeError(_async_on_sync(seed, method, bind))

    def context(self, session: Any, seed: type[Seed]) -> SeedContext:
        return SeedContext(
            session=session,
            settings=self.settings,
            scale=self.scale,
            seed=seed.__name__,
            chunk_size=self.chunk_size,
            workers=self.workers,
            progress=self.reporter,
        )

    def begin(self, seed: type[Seed]) -> None:
        self.seed_started = time.perf_counter()
        self.reporter.seed_started(seed.__name__)
        self.counter.take()
        self.counter.take_skipped()

    def finish(self, seed: type[Seed], status: SeedStatus) -> None:
        result = SeedResult(
            seed.__name__,
            status,
            self.counter.take(),
            time.perf_counter() - self.seed_started,
            skipped_rows=self.counter.take_skipped(),
        )
        self.results.append(result)
        self.reporter.seed_finished(result)

    def failed(self, seed: type[Seed], error: Exception) -> SeedFailedError:
        result = SeedResult(
            seed.__name__,
            "failed",
            self.counter.take(),  # what it had committed itself, which stays
            time.perf_counter() - self.seed_started,
            error,
            skipped_rows=self.counter.take_skipped(),
        )
        self.results.append(result)
        self.reporter.seed_finished(result)
        return SeedFailedError(seed.__name__, error, self.summary())

    def stop(self, seed: type[Seed]) -> None:
        """An interrupt (Ctrl-C, a cancelled task) stopped the seed."""
        self.interrupted = (seed.__name__, self.counter.take())

    def summary(self) -> SeedSummary:
        return SeedSummary(
            tuple(self.results),
            time.perf_counter() - self.started,
            dry_run=self.dry_run,
            lock=None if self.lock is None else self.lock.name,
            waited=None if self.lock is None else self.lock.waited,
        )


#: The async driver of each database that has a common one, for the advice of
#: :func:`_async_on_sync`.
_ASYNC_DRIVERS = {
    "sqlite": "aiosqlite",
    "postgresql": "asyncpg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
}


def _async_on_sync(seed: type[Seed], method: str, bind: Any) -> str:
    """Why an ``async def`` seed method cannot run on a synchronous session or engine,
    and what to use."""
    name = f"{seed.__name__}.{method}"
    url = getattr(bind, "url", None) or getattr(getattr(bind, "bind", None), "url", None)
    backend = url.get_backend_name() if url is not None else ""
    if url is not None and backend in _ASYNC_DRIVERS:
        use = shown_url(url.set(drivername=f"{backend}+{_ASYNC_DRIVERS[backend]}"))
    else:
        use = "sqlite+aiosqlite:///... or postgresql+asyncpg://..."
    where = (
        f"the URL {shown_url(url)} has a synchronous driver"
        if url is not None
        else "the session is a synchronous Session"
    )
    return (
        f"{name} is async def, and {where}: an async seed needs an async driver, as in "
        f"{use}, or write {name} as a plain def"
    )


def _plain_result(value: T | Awaitable[T], seed: type[Seed], method: str, session: Any) -> T:
    """What a seed's plain ``def`` method returned: never an awaitable, which nothing
    would await. On a ``Session`` nothing can; on an ``AsyncSession`` the method ran
    inside ``run_sync`` and made the awaitable with the synchronous session, so awaiting
    it would not work either. The coroutine is closed, not left unawaited."""
    if inspect.isawaitable(value):
        if inspect.iscoroutine(value):
            value.close()
        if hasattr(session, "sync_session"):
            name = f"{seed.__name__}.{method}"
            raise AsyncModeError(
                f"{name} returned an awaitable but is a plain def, which runs inside "
                "AsyncSession.run_sync with a synchronous ctx.session: write it as async "
                "def (a decorator on it must keep it an async def function)"
            )
        raise AsyncModeError(_async_on_sync(seed, method, session))
    return value


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


# --------------------------------------------------------------------- sessions


def _target(bind: Any, runner: str) -> tuple[Any, Any, bool]:
    """What ``runner`` (``run_seeds`` or ``arun_seeds``) runs seeds on: the session
    given, or else an engine, and whether that engine is made here from a URL (and so
    disposed of afterwards). ``run_seeds`` refuses what is async."""
    _sqlalchemy()
    from sqlalchemy import URL, Engine
    from sqlalchemy.orm import Session

    async_types = _async_types()
    takes_async = runner == "arun_seeds"
    if isinstance(bind, Session) or (takes_async and isinstance(bind, async_types[:1])):
        return bind, None, False
    if isinstance(bind, (str, URL)):
        if not takes_async and _is_async_url(bind):
            raise AsyncModeError(
                f"run_seeds() was given the async URL {shown_url(bind)}; await arun_seeds(...) "
                "instead, or use a synchronous driver"
            )
        return None, engine_for(bind), True
    if isinstance(bind, Engine) or (takes_async and isinstance(bind, async_types[1:])):
        return None, bind, False
    if isinstance(bind, async_types):
        raise AsyncModeError(
            f"run_seeds() was given an {type(bind).__name__}; await arun_seeds(...) instead"
        )
    takes = (
        "an AsyncSession, an AsyncEngine, a Session, an Engine or a URL"
        if takes_async
        else "a Session, an Engine or a URL"
    )
    raise UsageError(f"{runner}() takes {takes}, not {type(bind).__name__}")


def _opened(bind: Any, runner: str) -> Any:
    """The session to run seeds in, as a context manager: the one given (left open),
    or one on the engine or URL given (closed afterwards). On an async engine it is an
    async context manager, which only :func:`arun_seeds` is given."""
    given, engine, owned = _target(bind, runner)
    if given is not None:
        return nullcontext(given)  # a context manager of both kinds
    if hasattr(engine, "sync_engine"):
        return _async_session(engine, owned)
    return _session(engine, owned)


@contextmanager
def _session(engine: Engine, owned: bool) -> Iterator[Session]:
    """A ``Session`` on ``engine``; the engine is disposed of afterwards when it was
    made from a URL."""
    from sqlalchemy.orm import Session

    with ExitStack() as stack:
        if owned:
            stack.callback(engine.dispose)
        yield stack.enter_context(Session(engine, expire_on_commit=False))


@asynccontextmanager
async def _async_session(engine: AsyncEngine, owned: bool) -> AsyncIterator[AsyncSession]:
    """:func:`_session` on an ``AsyncEngine``."""
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncExitStack() as stack:
        if owned:
            stack.push_async_callback(engine.dispose)
        yield await stack.enter_async_context(AsyncSession(engine, expire_on_commit=False))


# --------------------------------------------------------------------- the one body


def _seeds(state: Run, session: Any) -> Body[None]:
    """Run the seeds in ``session``: the body of :func:`run_seeds` and
    :func:`arun_seeds`, driven by :func:`drive` on a ``Session`` and by :func:`adrive`
    on an ``AsyncSession`` (see :mod:`pyfactory._drive`); with ``lock=``, holding the
    lock from before the first ``should_run`` to after the last commit (unless
    ``pyfactory seed`` took it already).
    """
    state.refuse_async(session)  # before waiting for a lock, to refuse at once
    if state.lock is None or state.lock.held:
        yield from _each_seed(state, session)
    else:
        yield from state.lock.holding(session, _each_seed(state, session))


def _each_seed(state: Run, session: Any) -> Body[None]:
    """The seeds of :func:`_seeds`, one after the other.

    For each seed: ``should_run``, then ``run`` and a commit; a rollback when it is
    skipped, in a dry run, or when a step raises. An error fails the seed; an interrupt
    (Ctrl-C, a cancelled task) stops it, and goes through.
    """
    # The clock starts once the lock is held: the summary shows the wait apart.
    state.started = time.perf_counter()
    for seed in state.order:
        instance = seed()
        ctx = state.context(session, seed)
        sync_ctx = None
        if hasattr(session, "sync_session"):
            sync_ctx = state.context(session.sync_session, seed)
        state.begin(seed)
        try:
            if not (yield _call(instance, "should_run", ctx, sync_ctx)):
                yield session.rollback()
                state.finish(seed, "skipped")
                continue
            if state.dry_run:
                yield session.rollback()
                state.finish(seed, "would run")
                continue
            yield _call(instance, "run", ctx, sync_ctx)
            yield session.commit()
        except Exception as error:
            yield session.rollback()
            raise state.failed(seed, error) from error
        except GeneratorExit:  # pragma: no cover - an interrupt between two steps
            raise  # the driver let go of the body: it runs no step any more
        except BaseException:
            try:
                yield session.rollback()
            finally:
                state.stop(seed)
            raise
        state.finish(seed, "ran")


def _call(instance: Seed, method: str, ctx: SeedContext, sync_ctx: SeedContext | None) -> Any:
    """Call a seed's ``run`` or ``should_run``: on a ``Session``, what it returns; on an
    ``AsyncSession``, an awaitable of it.

    With an ``AsyncSession`` (``sync_ctx`` is its ``Session``'s context), a plain
    ``def`` runs inside ``session.run_sync`` and sees the session's synchronous
    ``Session`` as ``ctx.session``: the same seeds serve a sync URL and an async one (a
    sync ``session.get()`` on the ``AsyncSession`` would hand back a coroutine that
    nobody awaits); an ``async def`` is called with ``ctx``.
    """
    bound = getattr(instance, method)
    seed, session = type(instance), ctx.session
    if sync_ctx is None:
        return _plain_result(bound(ctx), seed, method, session)
    if inspect.iscoroutinefunction(bound):
        return bound(ctx)
    return session.run_sync(lambda _: _plain_result(bound(sync_ctx), seed, method, session))


# --------------------------------------------------------------------- the runners


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
    lock: bool | str = False,
    lock_timeout: float | None = None,
    workers: int = 0,
) -> SeedSummary:
    """Run seeds in dependency order, each in a transaction of its own, through a
    SQLAlchemy ``Session``.

    For each seed: ``should_run(ctx)``; if true, ``run(ctx)`` and a commit; if either
    raises, a rollback and :class:`SeedFailedError`, and no later seed runs. The rows
    a seed commits itself on the way (its own ``session.commit()``, a factory whose
    builder commits) stay, and the summary counts them.

    Args:
        seeds: Seed classes (or one); the seeds they depend on are added.
        bind: A ``Session`` (committed after each seed), an ``Engine`` or a URL.
        settings: Anything; the seeds read it as ``ctx.settings``.
        only: Names of seeds: run only these, and what they depend on.
        scale: Multiplies the counts of :meth:`SeedContext.fill` and
            :meth:`SeedContext.scaled`; above 0 and at most :data:`MAX_ROWS`.
        dry_run: Evaluate each ``should_run`` and roll back, running nothing.
        progress: Show progress bars on standard error (rich, or plain lines).
        chunk_size: Rows per ``insert_batch`` call of :meth:`SeedContext.fill`.
        lock: ``True``, or the name of a lock (letters, digits, ``_``, ``.``, ``-``;
            ``True`` is ``"pyfactory-seed"``): hold it for the whole run, so that
            processes that seed one database at once run one after the other, each
            next one finding the rows of the one before (see :ref:`seeding-lock`).
            A PostgreSQL advisory lock, or a file next to a SQLite database; none for
            an in-memory one.
        lock_timeout: Seconds to wait at most for another process's lock; ``None``
            waits as long as it takes, ``0`` not at all.
        workers: 1 to make the rows of :meth:`SeedContext.fill` in a worker process
            while this one writes them, where their fields allow (see
            :ref:`seeding-workers`); 0, the default, makes them here.

    Returns:
        What each seed did.

    Raises:
        SeedFailedError: A seed raised; its ``summary`` says what ran before.
        MissingSeedError: A dependency or ``only`` name that is no seed (nothing ran).
        SeedCycleError: Seeds that depend on themselves (nothing ran).
        AsyncModeError: An ``AsyncSession``, ``AsyncEngine`` or async URL, or a seed
            written ``async def``, which needs one (nothing ran).
        SeedLockTimeoutError: Another process held the lock for longer than
            ``lock_timeout`` (nothing ran).
        SeedLockError: The lock could not be taken: another database than
            PostgreSQL or SQLite, a session bound to no engine, a lock file that
            cannot be opened, a connection lost while waiting (nothing ran).
        UsageError: A bad ``scale``, ``chunk_size``, ``lock``, ``lock_timeout`` or
            ``workers`` (nothing ran).

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       ``lock`` and ``lock_timeout``.
    .. versionchanged:: 1.1
       ``workers``.
    """
    state = Run(
        seeds, settings, only, scale, dry_run, progress, chunk_size, lock, lock_timeout, workers
    )
    return run_with(state, bind)


def run_with(state: Run, bind: Session | Engine | str | URL) -> SeedSummary:
    """:func:`run_seeds` with its state made: ``pyfactory seed`` reads it after an
    interrupt."""
    with state.running(), _opened(bind, "run_seeds") as session, _listening(state.counter):
        drive(_seeds(state, session))
    return state.summary()


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
    lock: bool | str = False,
    lock_timeout: float | None = None,
) -> SeedSummary:
    """:func:`run_seeds` for an async application: awaits each seed's methods when they
    are ``async def``, and the session when it is an ``AsyncSession``.

    ``bind`` may be an ``AsyncSession``, an ``AsyncEngine`` or an async URL
    (``sqlite+aiosqlite://``, ``postgresql+asyncpg://``), and also their synchronous
    counterparts, for seeds written with plain ``def``; the other arguments are those
    of :func:`run_seeds` but ``workers`` (``afill`` makes its rows in this process). It
    returns what :func:`run_seeds` returns, and raises what it raises, but for
    :class:`~pyfactory.AsyncModeError`, which here means a seed written ``async def``
    given a synchronous bind (nothing ran). With ``lock``, a wait for
    another process's lock does not block the event loop: PostgreSQL waits on the
    async driver's connection, SQLite tries again after ``asyncio.sleep``.

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       ``lock`` and ``lock_timeout``.
    """
    state = Run(seeds, settings, only, scale, dry_run, progress, chunk_size, lock, lock_timeout)
    return await arun_with(state, bind)


async def arun_with(
    state: Run, bind: AsyncSession | AsyncEngine | Session | Engine | str | URL
) -> SeedSummary:
    """:func:`arun_seeds` with its state made; a sync bind gets a ``Session``."""
    async with AsyncExitStack() as stack:
        stack.enter_context(state.running())
        opened = _opened(bind, "arun_seeds")
        if isinstance(opened, AbstractAsyncContextManager):
            session = await stack.enter_async_context(opened)
        else:
            session = stack.enter_context(opened)
        stack.enter_context(_listening(state.counter))
        await adrive(_seeds(state, session))
    return state.summary()
