"""SQLAlchemy 2 builder: :class:`SQLAlchemyBuilder` writes through a ``Session`` under
``create`` and through an ``AsyncSession`` under ``acreate``, so one factory serves
sync and async code alike; :class:`AsyncSQLAlchemyBuilder` is the same builder for
factories that only ever write through an ``AsyncSession``.

The builder takes the session from the factory's context (``UserFactory(session=s)``).
Every write is one synchronous body over a ``Session``
(:mod:`~pyfactory.builders._sa_bulk`); under ``acreate`` an ``AsyncSession`` runs it
with ``AsyncSession.run_sync``, as SQLAlchemy's own ``AsyncSession`` runs the ORM
(:mod:`~pyfactory.builders._sa_session`).

* ``create`` adds the object and flushes, so its keys are set.
* ``create_many`` (what ``create_batch`` calls) writes every row of a table
  with one multi-row ``INSERT ... RETURNING`` per set of columns, and hands
  back real ORM instances, attached to the session, with their keys set.
* ``insert_many`` (what ``insert_batch`` calls) writes the rows without making
  instances; on PostgreSQL through psycopg 3, a table's rows go in one binary
  ``COPY`` once there are :attr:`SQLAlchemyBuilder.copy_threshold` of them
  (:mod:`~pyfactory.builders._sa_copy`).
* Each top-level ``create`` and ``create_batch`` runs inside a SAVEPOINT
  (``session.begin_nested()``): a failure part way undoes exactly what that
  call wrote and leaves the caller's transaction usable.
* With ``persistence="commit"`` the session is committed once the whole call
  has succeeded, not once per object.
* With ``on_conflict="skip"`` or ``"update"``, every write goes through
  ``INSERT ... ON CONFLICT DO NOTHING`` / ``DO UPDATE`` on PostgreSQL and SQLite
  (:mod:`~pyfactory.builders._sa_conflict`).

This is the public module, at the top of the builder's modules: it imports
``_sa_bulk``, ``_sa_copy``, ``_sa_session``, ``_sa_shape`` and ``_sa_insert``, which
never import it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, nullcontext
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

try:
    from sqlalchemy import Executable, inspect, select
    from sqlalchemy.orm import RelationshipProperty, Session
    from sqlalchemy.orm.attributes import set_committed_value
    from sqlalchemy.orm.interfaces import ONETOMANY
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "pyfactory.builders.sqlalchemy needs SQLAlchemy 2: "
        "pip install 'pyfactory-schema[sqlalchemy]'"
    ) from exc

from pyfactory._context import Context
from pyfactory.builders import BoundRows, ModelBuilder, Relation, RowBinder, RowStream
from pyfactory.builders._conflict import Conflict, OnConflict, conflict_repr, conflict_settings
from pyfactory.builders._sa_bulk import create_many, create_one, insert_many
from pyfactory.builders._sa_copy import COPY_THRESHOLD, copies
from pyfactory.builders._sa_insert import _attr
from pyfactory.builders._sa_session import (
    async_session_types,
    awaited_transaction,
    drive,
    in_call,
    is_async_session,
    is_session,
    not_a_session,
    reads_on,
)
from pyfactory.builders._sa_session import transaction as call_transaction
from pyfactory.builders._sa_shape import construct
from pyfactory.errors import AsyncModeError, BuilderError, FactoryDefinitionError, UsageError
from pyfactory.introspect import FieldInfo
from pyfactory.introspect._kinds import SQLALCHEMY, read_fields
from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from pyfactory.fields import SequencePattern

__all__ = ["AsyncSQLAlchemyBuilder", "SQLAlchemyBuilder"]

M = TypeVar("M")

Persistence = Literal["flush", "commit"]


class SQLAlchemyBuilder(ModelBuilder[M]):
    """Creates rows through the SQLAlchemy 2 session of the context's ``session``: a
    ``Session`` under ``create``, ``create_batch`` and ``insert_batch``, and an
    ``AsyncSession`` (or a ``Session``) under ``acreate``, ``acreate_batch`` and
    ``ainsert_batch``. One factory thus serves sync and async code alike.

    Args:
        persistence: ``"flush"`` (the default) flushes, so keys are set and the
            caller's transaction decides; ``"commit"`` also commits once each
            top-level ``create`` or ``create_batch`` has succeeded.
        copy_threshold: :attr:`copy_threshold` for this builder, in place of the
            class's; ``None`` never copies.
        on_conflict: What a write does with a row whose unique key is stored already:
            ``"error"`` (the default) fails the call; ``"skip"`` keeps the stored row
            (``ON CONFLICT DO NOTHING``); ``"update"`` overwrites the stored row's other
            columns with those the row gives (``ON CONFLICT (key) DO UPDATE``).
            PostgreSQL and SQLite only; see :ref:`sqlalchemy-on-conflict`.
        on_conflict_target: The attribute names of the unique key that a conflict is
            on, such as ``("email",)``. ``"skip"`` without it skips a conflict on any
            unique key; ``"update"`` without it uses the table's one unique key besides
            the primary key, else the primary key.

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       Writes through an ``AsyncSession`` under ``acreate``, as
       :class:`AsyncSQLAlchemyBuilder` does.
    .. versionchanged:: 1.1
       ``on_conflict`` and ``on_conflict_target``.
    """

    context_keys = frozenset({"session"})
    writes_to_database = True

    #: The fewest rows of one table that ``insert_batch`` (and ``ainsert_batch``) writes
    #: with PostgreSQL's ``COPY ... FROM STDIN`` where the driver is psycopg 3, sync or
    #: async, instead of one ``INSERT``; ``None``: never. Nothing is read back from a
    #: COPY, so ``create_batch`` never uses it. Below this count the INSERT costs less
    #: than COPY's extra round trips (``benchmarks/bench_copy.py`` measures both). Rows
    #: whose values COPY would store differently from the INSERT still go by INSERT
    #: (see :ref:`sqlalchemy-copy`).
    #:
    #: .. versionadded:: 1.0
    copy_threshold: int | None = COPY_THRESHOLD

    # What a builder whose subclass's __init__ does not call this one's does: "error".
    on_conflict: OnConflict = "error"
    on_conflict_target: tuple[str, ...] | None = None
    _conflict: Conflict | None = None

    def __init__(
        self,
        persistence: Persistence = "flush",
        *,
        copy_threshold: int | EllipsisType | None = ...,
        on_conflict: OnConflict = "error",
        on_conflict_target: tuple[str, ...] | str | None = None,
    ) -> None:
        name = type(self).__name__
        self.on_conflict, self.on_conflict_target, self._conflict = conflict_settings(
            name, on_conflict, on_conflict_target
        )
        if persistence not in ("flush", "commit"):
            raise FactoryDefinitionError(
                f"{type(self).__name__} persistence is 'flush' or 'commit', not {persistence!r}"
            )
        self.persistence = persistence
        if copy_threshold is not ...:
            if copy_threshold is not None and (
                not isinstance(copy_threshold, int)
                or isinstance(copy_threshold, bool)
                or copy_threshold < 1
            ):
                raise FactoryDefinitionError(
                    f"{type(self).__name__} copy_threshold is a positive int or None "
                    f"(never COPY), not {copy_threshold!r}"
                )
            self.copy_threshold = copy_threshold

    def __repr__(self) -> str:
        more = ""
        if self.copy_threshold != type(self).copy_threshold:
            more = f", copy_threshold={self.copy_threshold!r}"
        more += conflict_repr(self.on_conflict, self.on_conflict_target)
        return f"{type(self).__name__}(persistence={self.persistence!r}{more})"

    @property
    def commits(self) -> bool:
        return self.persistence == "commit"

    # ------------------------------------------------------------ sessions

    def session(self, context: Context) -> Session:
        """The context's ``session``, for ``create``, ``create_batch`` and
        ``insert_batch``: it must be a synchronous ``Session``.

        Raises:
            MissingContextError: The context has no ``session``.
            AsyncModeError: The session is an ``AsyncSession``, which only the async
                calls can wait for.
            BuilderError: The context's ``session`` is not a session at all.
        """
        session = context.require("session")
        if is_session(session):
            return session  # type: ignore[no-any-return]
        name = type(self).__name__
        if is_async_session(session):
            # The start of this message is the one of 1.0, which tests and users match.
            raise AsyncModeError(
                f"{context.owner} was given an AsyncSession, but its builder is {name}; "
                "use AsyncSQLAlchemyBuilder's calls, which every SQLAlchemyBuilder has: "
                "await acreate(), acreate_batch() or ainsert_batch() (create(), "
                "create_batch() and insert_batch() write through a Session)"
            )
        raise not_a_session(
            context,
            session,
            f"{name} writes through a sqlalchemy.orm.Session",
            "Session(engine)",
        )

    def _sync_session(self, context: Context) -> Session:
        """The session of a synchronous call; :class:`AsyncSQLAlchemyBuilder` refuses."""
        return self.session(context)

    def _async_session(self, context: Context) -> Session | AsyncSession:
        """The context's ``session``, for the async calls: an ``AsyncSession``, or a
        ``Session``, which they write through directly.

        Raises:
            MissingContextError: The context has no ``session``.
            BuilderError: The context's ``session`` is not a session at all.
        """
        session = context.require("session")
        if is_session(session) or is_async_session(session):
            return session  # type: ignore[no-any-return]
        raise not_a_session(
            context,
            session,
            f"{type(self).__name__} writes through a sqlalchemy.ext.asyncio.AsyncSession "
            "under acreate(), acreate_batch() and ainsert_batch() (or a "
            "sqlalchemy.orm.Session)",
            "AsyncSession(engine)",
        )

    def _call_session(self, get: Callable[[Context], Any], context: Context) -> Any:
        """The session a call's savepoint goes in; None when the context's ``session`` is
        not a session, which the create itself reports (its error then has the path)."""
        try:
            return get(context)
        except BuilderError:
            return None

    # ------------------------------------------------------------ writes: one body each,
    # called with the Session under the sync calls, driven by drive() under the async ones

    def create(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        session = self._sync_session(context)
        made: M
        if self._conflict is not None:
            made = create_many(session, model, [attributes], self._conflict)[0]
        else:
            made = create_one(session, model, attributes)
        return made

    async def acreate(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        session = self._async_session(context)
        made: M
        if self._conflict is not None:
            rows = [attributes]
            made = (await drive(session, create_many, model, rows, self._conflict))[0]
        else:
            made = await drive(session, create_one, model, attributes)
        return made

    def create_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> list[M]:
        return create_many(self._sync_session(context), model, rows, self._conflict)

    async def acreate_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> list[M]:
        session = self._async_session(context)
        return await drive(session, create_many, model, rows, self._conflict)

    def insert_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> int:
        session = self._sync_session(context)
        return insert_many(session, model, rows, self.copy_threshold, self._conflict)

    async def ainsert_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> int:
        session = self._async_session(context)
        return await drive(session, insert_many, model, rows, self.copy_threshold, self._conflict)

    def insert_stream(self, model: type[M], context: Context) -> RowStream | None:
        """One ``COPY`` held open across the chunks of an ``insert_batch`` call
        (:mod:`~pyfactory.builders._sa_stream`), on PostgreSQL through psycopg with
        :attr:`copy_threshold` set and no ``on_conflict``; else None."""
        if self.copy_threshold is None or self._conflict is not None:
            return None
        session = self._sync_session(context)
        if not in_call(session) or not is_sqlalchemy(model):
            return None
        from pyfactory.builders._sa_stream import InsertStream

        stream = InsertStream(session, model, self.copy_threshold)
        return stream if stream.copying else None  # else each chunk's own write is as fast

    def insert_binder(self, model: type[M], context: Context) -> RowBinder | None:
        """A binder that makes, in a fill's worker, the driver-level statements that
        :meth:`insert_many` would run (:mod:`~pyfactory.builders._sa_bound`); None with
        ``on_conflict``, or where :meth:`insert_many` would ``COPY`` (the stream of
        :meth:`insert_stream` writes those rows here)."""
        if self._conflict is not None or not is_sqlalchemy(model):
            return None
        session = self._sync_session(context)
        dialect = session.get_bind(mapper=inspect(model)).dialect
        if self.copy_threshold is not None and copies(dialect):
            return None
        from pyfactory.builders._sa_bound import StatementBinder

        return StatementBinder(model, dialect)

    def insert_bound(self, model: type[M], rows: BoundRows, context: Context) -> int:
        """Run the statements that :meth:`insert_binder`'s binder made in the worker."""
        from pyfactory.builders._sa_bound import insert_bound

        return insert_bound(self._sync_session(context), model, rows)

    def get(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        found: M | None = _get(self._sync_session(context), model, lookup)
        return found

    async def aget(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        found: M | None = await drive(self._async_session(context), _get, model, lookup)
        return found

    def fresh_copy(self, instance: M, context: Context) -> M:
        """The row of ``instance`` loaded again through the context's session (one
        ``SELECT`` by primary key, or none when that session already holds it), with
        its stored values: the copy belongs to the test's session, which can then
        change it, relate it and flush it.

        Raises:
            UsageError: The row is not stored where the session can see it (deleted,
                never flushed, or written on another connection).
        """
        session = self._sync_session(context)
        model = type(instance)
        identity = inspect(instance).identity
        found = None if identity is None else session.get(model, identity, populate_existing=True)
        if found is None:
            raise UsageError(
                f"{context.factory} cannot load its {model.__name__} {identity!r} again "
                "through this session: the row is not stored where the session sees it "
                "(deleted, never flushed, or written on another connection)"
            )
        return found

    def read(self, query: Any, context: Context) -> list[Any]:
        """The rows of a ``select()`` given to :func:`~pyfactory.each`, run in the
        context's session: ``select(User)`` gives users, ``select(User.id)`` ids."""
        rows: list[Any] = _read(self._sync_session(context), query)
        return rows

    async def aread(self, query: Any, context: Context) -> list[Any]:
        rows: list[Any] = await drive(self._async_session(context), _read, query)
        return rows

    def reads(self, context: Context) -> AbstractContextManager[Callable[[], bool]]:
        """Every ``SELECT`` on the engine of the context's session, sync or async."""
        session = self._call_session(self._async_session, context)
        return reads_on(session)

    def supports(self, model: type[Any]) -> bool:
        """Whether ``model`` is a class mapped by the SQLAlchemy ORM."""
        return is_sqlalchemy(model)

    def build(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        """A transient instance, as ``model(**attributes)``; for a ``MappedAsDataclass``
        model, the attributes its ``__init__`` does not take are set after it."""
        return construct(model, attributes)  # type: ignore[no-any-return]

    def fields(self, model: type[M]) -> list[FieldInfo]:
        """The mapped class's columns and relationships, as
        :class:`~pyfactory.introspect.FieldInfo` records.

        Raises:
            FactoryDefinitionError: ``model`` is not a mapped class.
        """
        return read_fields(model, (SQLALCHEMY,))

    def relation(self, model: type[M], name: str) -> Relation | None:
        """One-to-many relationships are made after the parent, pointing back at it."""
        rel = inspect(model).relationships.get(name)
        if rel is None or rel.direction is not ONETOMANY:
            return None
        reverse = rel.back_populates or (rel.backref if isinstance(rel.backref, str) else None)
        if reverse is None and isinstance(rel.backref, tuple):
            reverse = rel.backref[0]
        if reverse:
            back_name = reverse
            return Relation("children", back=lambda parent: {back_name: parent})
        parent_mapper = inspect(model)
        pairs = [
            (_attr(rel.mapper, remote), _attr(parent_mapper, local))
            for local, remote in rel.local_remote_pairs or ()
        ]
        return Relation(
            "children", back=lambda parent: {child: getattr(parent, p) for child, p in pairs}
        )

    def link(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        rel = inspect(type(instance)).relationships[name]
        if rel.lazy in ("dynamic", "write_only"):
            return  # such a collection is never loaded: the rows in the database are it
        value = related if rel.uselist else (related[0] if related else None)
        if inspect(instance).transient:
            # Built, not stored: a normal assignment, so that a later flush of the
            # object cascades to these children and sets their foreign keys.
            setattr(instance, name, value)
        else:
            # The rows are in the database already; make the loaded collection match
            # them without marking a change (and without a lazy load, which async
            # cannot do).
            set_committed_value(instance, name, value)

    def _collection(self, instance: Any, name: str) -> RelationshipProperty[Any]:
        """The relationship ``name`` of ``instance``, which must hold many rows."""
        mapper = inspect(type(instance))
        rel: RelationshipProperty[Any] | None = mapper.relationships.get(name)
        if rel is None or not rel.uselist:
            model = type(instance).__name__
            have = ", ".join(sorted(r.key for r in mapper.relationships if r.uselist)) or "none"
            what = "a relationship to one row" if rel is not None else "not a relationship"
            raise TypeError(
                f"{model}.{name} is {what}, not a collection; the collection "
                f"relationships of {model} are: {have}"
            )
        return rel

    @staticmethod
    def _append(instance: Any, rel: RelationshipProperty[Any], related: list[Any]) -> None:
        collection = getattr(instance, rel.key)
        if rel.lazy == "write_only":
            collection.add_all(related)
            return
        if rel.lazy == "dynamic":
            collection.extend(related)
            return
        add = getattr(collection, "append", None) or collection.add
        for obj in related:
            # A loaded collection compares by identity: the same row is not linked twice.
            if obj not in collection:
                add(obj)

    def transaction(self, context: Context) -> AbstractContextManager[Any]:
        session = self._call_session(self._sync_session, context)
        return nullcontext() if session is None else call_transaction(session, self.commits)

    def atransaction(self, context: Context) -> AbstractAsyncContextManager[Any]:
        session = self._call_session(self._async_session, context)
        return nullcontext() if session is None else awaited_transaction(session, self.commits)

    def add(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """Append to the relationship's collection, and flush when ``instance`` is stored,
        so that the link-table rows (or the children's foreign keys) are written.

        Raises:
            TypeError: ``name`` is not a relationship to many rows.
        """
        rel = self._stored_collection(instance, name, related)
        if rel is not None:
            _add_and_flush(self._sync_session(context), instance, rel, related)

    async def aadd(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """:meth:`add` under ``acreate``: through an ``AsyncSession``, the collection is
        loaded, appended to and flushed in one ``run_sync`` call."""
        rel = self._stored_collection(instance, name, related)
        if rel is not None:
            await drive(self._async_session(context), _add_and_flush, instance, rel, related)

    def _stored_collection(
        self, instance: Any, name: str, related: list[Any]
    ) -> RelationshipProperty[Any] | None:
        """The relationship ``name`` of a stored ``instance``, for :meth:`add` to write;
        None once ``related`` is appended to a built one, whose flush will cascade."""
        rel = self._collection(instance, name)
        if inspect(instance).transient:
            self._append(instance, rel, related)
            return None
        return rel

    def highest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """The highest number of a ``resume=True`` sequence stored in ``model.field``,
        read through the context's ``Session``.

        .. versionadded:: 1.0
        """
        return _highest(self._sync_session(context), model, field, pattern)

    async def ahighest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """:meth:`highest_sequence` under ``acreate``, through the context's session,
        a ``Session`` or an ``AsyncSession``.

        .. versionadded:: 1.0
        """
        return await drive(self._async_session(context), _highest, model, field, pattern)


class AsyncSQLAlchemyBuilder(SQLAlchemyBuilder[M]):
    """:class:`SQLAlchemyBuilder` for factories that write only through an
    ``AsyncSession``, under ``acreate``, ``acreate_batch`` and ``ainsert_batch``;
    ``build`` works as everywhere.

    It is the same builder: a factory with :class:`SQLAlchemyBuilder` writes through
    an ``AsyncSession`` under ``acreate`` too, and needs no second class for async
    code. This one says that its factories are async only
    (:attr:`~pyfactory.builders.ModelBuilder.async_only`, which makes
    :func:`pyfactory.pytest.register` give them async fixtures), and refuses the
    synchronous calls and a synchronous ``Session`` with an
    :class:`~pyfactory.AsyncModeError` that says what to call.

    Args:
        persistence: ``"flush"`` or ``"commit"``, as for :class:`SQLAlchemyBuilder`;
            so are its other arguments (``copy_threshold``, ``on_conflict``,
            ``on_conflict_target``).

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       A subclass of :class:`SQLAlchemyBuilder`, which it shares every write with.
    """

    async_only = True

    # The session of this builder is the AsyncSession, as it has been since 0.1.
    def session(self, context: Context) -> AsyncSession:  # type: ignore[override]
        """The context's ``session``, which must be an ``AsyncSession``.

        Raises:
            MissingContextError: The context has no ``session``.
            AsyncModeError: The session is a synchronous ``Session``.
            BuilderError: The context's ``session`` is not a session at all.
        """
        session = context.require("session")
        types = async_session_types()
        if not types:
            raise ImportError(
                "AsyncSQLAlchemyBuilder needs SQLAlchemy's asyncio extra: "
                "pip install 'pyfactory-schema[asyncio]'"
            )
        if isinstance(session, types):
            return session  # type: ignore[no-any-return]
        if is_session(session):
            raise AsyncModeError(
                f"{context.owner} uses AsyncSQLAlchemyBuilder, which needs an "
                f"AsyncSession, but was given {type(session).__name__}; use "
                "SQLAlchemyBuilder for a Session"
            )
        raise not_a_session(
            context,
            session,
            "AsyncSQLAlchemyBuilder writes through a sqlalchemy.ext.asyncio.AsyncSession, "
            "for acreate() and acreate_batch()",
            "AsyncSession(engine)",
        )

    def _async_session(self, context: Context) -> AsyncSession:
        return self.session(context)

    def _sync_session(self, context: Context) -> NoReturn:
        raise AsyncModeError(
            f"{context.factory} uses AsyncSQLAlchemyBuilder, which writes through an "
            "AsyncSession: call acreate() or acreate_batch() (build() needs no session)"
        )


def _get(session: Session, model: type[Any], lookup: dict[str, Any]) -> Any:
    """The stored row that matches ``lookup``, for ``_get_or_create``; None if none."""
    return session.scalars(select(model).filter_by(**lookup).limit(1)).first()


def _read(session: Session, query: Any) -> list[Any]:
    """The rows (one entity or column: scalars) of a query each() was given."""
    if not isinstance(query, Executable):
        raise FactoryDefinitionError(
            f"each() takes a list or any iterable, or a select() that SQLAlchemyBuilder "
            f"runs in the context's session; {query!r} is neither"
        )
    return list(session.scalars(query).all())


def _add_and_flush(
    session: Session, instance: Any, rel: RelationshipProperty[Any], related: list[Any]
) -> None:
    """Add ``related`` to a stored object's collection and write the links."""
    SQLAlchemyBuilder._append(instance, rel, related)
    session.flush()


def _highest(
    session: Session, model: type[Any], field: str, pattern: SequencePattern
) -> int | None:
    """The highest number of ``pattern`` stored in ``model.field``, read in chunks."""
    return pattern.highest(session.scalars(_stored_values(model, field, pattern)))


def _stored_values(model: type[Any], field: str, pattern: SequencePattern) -> Any:
    """The SELECT of the values of ``model.field`` that may hold a number of
    ``pattern``: those between its prefix and suffix (``LIKE 'user%@example.org'``)."""
    if field not in inspect(model).column_attrs:
        raise FactoryDefinitionError(
            f"sequence({pattern.template!r}, resume=True) reads the stored values of its "
            f"field, but {model.__name__} has no column {field!r}; resume works on a field "
            "that the model stores in a column of its own"
        )
    attribute = getattr(model, field)
    statement = select(attribute)
    if pattern.prefix:
        statement = statement.where(attribute.startswith(pattern.prefix, autoescape=True))
    if pattern.suffix:
        statement = statement.where(attribute.endswith(pattern.suffix, autoescape=True))
    # Read in chunks: a table of millions of rows is scanned once, not held.
    return statement.execution_options(yield_per=_YIELD_PER)


_YIELD_PER = 2_000
