"""The sessions the SQLAlchemy builder writes through, and the call around each write.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`), at its bottom
beside :mod:`~pyfactory.builders._sa_shape`: it imports SQLAlchemy and
:mod:`pyfactory.errors` only.

Every write is one synchronous body that takes a ``Session``. Under ``create`` the
builder calls it with the context's ``Session``; under ``acreate`` it calls it with
that ``Session`` too, or, given an ``AsyncSession``, through
``AsyncSession.run_sync`` (:func:`drive`, :func:`entered`), which is how SQLAlchemy's
own ``AsyncSession`` runs the ORM: one body serves both, and nothing is written twice.

* :func:`transaction` (:func:`awaited_transaction` under ``acreate``): the SAVEPOINT
  around each top-level call, the bookkeeping that forgets a failed call's
  bulk-loaded objects, and the commit of ``persistence="commit"``;
* :func:`one_call_at_a_time`: the ``acreate`` calls on one session wait for each other;
* :func:`is_session` / :func:`is_async_session` / :func:`not_a_session`: which kind of
  session the context holds, and the error for something that is neither.
"""

from __future__ import annotations

import asyncio
import reprlib
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session, scoped_session

from pyfactory.builders import Reads
from pyfactory.errors import BuilderError

if TYPE_CHECKING:
    from pyfactory._context import Context

__all__ = [
    "async_session_types",
    "awaited_transaction",
    "drive",
    "entered",
    "is_async_session",
    "is_session",
    "not_a_session",
    "one_call_at_a_time",
    "reads_on",
    "remember",
    "transaction",
]

T = TypeVar("T")


def async_session_types() -> tuple[type[Any], ...]:
    """SQLAlchemy's ``AsyncSession`` and ``async_scoped_session``, or nothing when its
    asyncio extra (greenlet) is missing: the synchronous calls must work without it.

    Looked up on each call, not once: the extra may be made unimportable after this
    module was loaded (the tests do so), and the import of a loaded module is cheap.
    """
    try:
        from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session
    except ImportError:
        return ()
    return (AsyncSession, async_scoped_session)


def is_session(session: Any) -> bool:
    """Whether ``session`` is a synchronous ``Session`` (or a ``scoped_session`` of one,
    Flask-SQLAlchemy's ``db.session``)."""
    return isinstance(session, (Session, scoped_session))


def is_async_session(session: Any) -> bool:
    """Whether ``session`` is an ``AsyncSession`` (or an ``async_scoped_session``)."""
    types = async_session_types()
    return bool(types) and isinstance(session, types)


def _unscoped(session: Any) -> Any:
    """The ``AsyncSession`` that an ``async_scoped_session`` stands for in this task: the
    scoped session proxies most of ``AsyncSession``, but not ``run_sync``."""
    types = async_session_types()
    if types and isinstance(session, types[1]):
        return session()
    return session


def not_a_session(context: Context, given: Any, needs: str, example: str) -> BuilderError:
    """The error for a context whose ``session`` is something other than a session."""
    return BuilderError(
        f"the context's session is {reprlib.repr(given)} ({type(given).__name__}), which "
        f"is not a session: {needs}; make the factory with one: "
        f"{context.owner}(session={example})",
        attributes={},
    )


# ---------------------------------------------------------------- sync body, async driver


async def drive(session: Any, body: Callable[..., T], *args: Any) -> T:
    """``body(session, *args)`` for an ``acreate`` call: directly for a ``Session``, and
    through ``AsyncSession.run_sync`` (with the ``Session`` it wraps) for an
    ``AsyncSession``, whose driver then awaits each statement."""
    if is_session(session):
        return body(session, *args)
    result: T = await _unscoped(session).run_sync(body, *args)
    return result


@asynccontextmanager
async def entered(
    session: Any, manager: Callable[[Session], AbstractContextManager[Any]]
) -> AsyncIterator[None]:
    """``with manager(session):`` around an awaited block, for a ``Session`` or an
    ``AsyncSession``: for the latter, the manager is entered and left through
    ``run_sync``, so that :func:`transaction` is written once for both."""
    if is_session(session):
        with manager(session):
            yield
        return
    session = _unscoped(session)
    opened: AbstractContextManager[Any] = await session.run_sync(_enter, manager)
    try:
        yield
    except BaseException as exc:
        if not await session.run_sync(_exit, opened, exc):
            raise
    else:
        await session.run_sync(_exit, opened, None)


def _enter(
    session: Session, manager: Callable[[Session], AbstractContextManager[Any]]
) -> AbstractContextManager[Any]:
    opened = manager(session)
    opened.__enter__()
    return opened


def _exit(_: Session, opened: AbstractContextManager[Any], exc: BaseException | None) -> bool:
    if exc is None:
        return bool(opened.__exit__(None, None, None))
    return bool(opened.__exit__(type(exc), exc, exc.__traceback__))


# ---------------------------------------------------------------- one call's transaction


@contextmanager
def transaction(session: Session, commit: bool) -> Iterator[None]:
    """The SAVEPOINT around one top-level ``create`` or ``create_batch`` call: a failure
    part way undoes exactly what the call wrote and leaves the caller's transaction
    usable. With ``commit`` (``persistence="commit"``), the outermost call commits the
    session once it has succeeded."""
    connection = session.connection()
    if _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN")
    made = _enter_call(session)
    failed = True
    outermost = False
    try:
        with session.begin_nested():
            yield
        failed = False
    finally:
        outermost = _leave_call(session, made, failed)
    # A create inside another (from a hook, say) belongs to the outer call's
    # savepoint: only the outermost call commits.
    if commit and outermost:
        session.commit()


@asynccontextmanager
async def awaited_transaction(session: Any, commit: bool) -> AsyncIterator[None]:
    """:func:`transaction` for an ``acreate`` call, on a ``Session`` or an
    ``AsyncSession``, once the session's other calls are done (see
    :func:`one_call_at_a_time`)."""
    async with one_call_at_a_time(session), entered(session, partial(transaction, commit=commit)):
        yield


_BULK_KEY = "pyfactory.bulk"


def in_call(session: Any) -> bool:
    """Whether a pyfactory call's SAVEPOINT (:func:`transaction`) is open on ``session``."""
    return bool(session.info.get(_BULK_KEY))


def remember(session: Any, objs: list[Any]) -> None:
    """Note objects that a bulk INSERT loaded, so a rolled-back call can forget them.

    The session expunges the objects it added itself when a savepoint rolls back,
    but not those that INSERT ... RETURNING loaded into it.
    """
    calls = session.info.get(_BULK_KEY)
    if calls:
        calls[-1].extend(objs)


def _enter_call(session: Any) -> list[Any]:
    made: list[Any] = []
    session.info.setdefault(_BULK_KEY, []).append(made)
    return made


def _leave_call(session: Any, made: list[Any], failed: bool) -> bool:
    """Close one call's bookkeeping; whether it was the outermost pyfactory call."""
    calls = session.info[_BULK_KEY]
    calls.pop()
    if failed:
        for obj in made:
            if obj in session:
                session.expunge(obj)
    elif calls:
        calls[-1].extend(made)
    return not calls


def _sqlite_begin(connection: Any) -> bool:
    """Whether SQLite needs an explicit BEGIN before a SAVEPOINT.

    Python's sqlite3 driver opens a transaction only before a write, so a
    SAVEPOINT issued first would open one of its own, and releasing it would
    commit: the caller could no longer roll back. Beginning first keeps the
    savepoint inside the caller's transaction.
    """
    if connection.dialect.name != "sqlite":
        return False
    driver = connection.connection.driver_connection
    return not getattr(driver, "in_transaction", True)


# ---------------------------------------------------------------- calls on one session

#: The sessions whose call lock this task (and the tasks it starts) holds: a create
#: inside another (a hook's, say) goes on without waiting for its own caller.
_held: ContextVar[frozenset[int]] = ContextVar("pyfactory_sessions_held", default=frozenset())
_call_locks: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


@asynccontextmanager
async def one_call_at_a_time(session: Any) -> AsyncIterator[None]:
    """Run the ``acreate`` and ``acreate_batch`` calls on one session one after the other.

    A session is one connection and one transaction: two calls that interleave at their
    awaits would open and release each other's savepoints (SQLAlchemy then refuses the
    session, and SQLite fails the healthy call too). ``asyncio.gather`` of calls on one
    session is common in tests, so the calls wait for each other rather than fail; each
    still gets its own savepoint. Only the outermost call takes the lock: the calls a
    call makes (hooks, children) run inside it.
    """
    held = _held.get()
    key = id(session)
    if key in held:
        yield
        return
    loop = asyncio.get_running_loop()
    found = _call_locks.get(session)
    if found is None or found[0] is not loop:
        # An asyncio lock belongs to one event loop; a session may outlive its loop.
        found = _call_locks[session] = (loop, asyncio.Lock())
    async with found[1]:
        token = _held.set(held | {key})
        try:
            yield
        finally:
            _held.reset(token)


# ---------------------------------------------------------------- reads, for batches


@contextmanager
def reads_on(session: Any) -> Iterator[Reads]:
    """Notice the statements that read through ``session``'s engine (a ``Session`` or an
    ``AsyncSession``) while the block runs: on every connection of the engine, since a
    field may query through a session of its own."""
    from sqlalchemy import event

    read = Reads()
    sync = getattr(session, "sync_session", session)
    try:
        engine = sync.get_bind()
    except Exception:  # an unbound session: its own calls will say so
        yield read
        return
    engine = getattr(engine, "engine", engine)  # a Connection's Engine

    def noticed(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        read.note(statement)

    event.listen(engine, "before_cursor_execute", noticed)
    try:
        yield read
    finally:
        event.remove(engine, "before_cursor_execute", noticed)
