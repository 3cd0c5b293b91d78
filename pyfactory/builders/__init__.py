"""Model builders: they turn finished attributes into objects, and persist them.

A builder never resolves fields; it receives plain values. Write a backend by
subclassing :class:`ModelBuilder` and overriding :meth:`ModelBuilder.create`
(and :meth:`ModelBuilder.build` if ``model(**attributes)`` is not how your
models are made).

The database builders are importable from here too
(``from pyfactory.builders import SQLAlchemyBuilder, AsyncSQLAlchemyBuilder,
DjangoBuilder``), and are loaded on first use: importing this module imports
neither SQLAlchemy nor Django.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    nullcontext,
)
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, overload

import attrs

from pyfactory._context import Context
from pyfactory._drive import Body, Call, adrive, drive
from pyfactory.builders._conflict import noting_found
from pyfactory.errors import FactoryDefinitionError
from pyfactory.introspect import FieldInfo, fields_of

if TYPE_CHECKING:
    # ``X as X`` marks a re-export for type checkers without putting it in ``__all__``.
    from pyfactory.builders.django import DjangoBuilder as DjangoBuilder
    from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder as AsyncSQLAlchemyBuilder
    from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder as SQLAlchemyBuilder
    from pyfactory.fields import SequencePattern

# The database builders stay out of ``__all__``: ``from pyfactory.builders import *``
# would load every backend, and fail where one of them is not installed.
__all__ = [
    "BoundRows",
    "DictBuilder",
    "ModelBuilder",
    "ObjectBuilder",
    "Relation",
    "RowBinder",
    "RowStream",
]

#: The builders of optional backends, by the module that holds each; read by
#: ``__getattr__`` on first use. Without the backend, that module's ImportError
#: names the extra to install.
_LAZY: dict[str, str] = {
    "SQLAlchemyBuilder": "pyfactory.builders.sqlalchemy",
    "AsyncSQLAlchemyBuilder": "pyfactory.builders.sqlalchemy",
    "DjangoBuilder": "pyfactory.builders.django",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pyfactory.builders' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


M = TypeVar("M")


@attrs.frozen
class Relation:
    """How a field of a model reaches other rows, as a builder tells the factory.

    Attributes:
        kind: ``"parent"``: the model holds the foreign key, so the related row
            is made first and handed to ``create`` (the default for every field).
            ``"children"``: the related rows hold the foreign key, so they are made
            after the object exists, each with the overrides ``back(instance)``
            gives, and then handed to :meth:`ModelBuilder.link`.
            ``"link"``: the rows meet in a link table; they are made, then linked
            with :meth:`ModelBuilder.link` once the object exists.
        back: For ``"children"``: the overrides that point one child at its parent,
            such as ``{"post": post}``.

    .. versionadded:: 0.1
    """

    kind: Literal["parent", "children", "link"]
    back: Callable[[Any], dict[str, Any]] | None = None


class Reads:
    """What a :meth:`ModelBuilder.reads` block gives: call it to ask whether a statement
    that reads (``SELECT``, ``WITH``) ran since the block began. A builder's watch hands
    each statement it sees to :meth:`note`; the rule of what reads is written here
    once, for every builder."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False

    def note(self, statement: str) -> None:
        if not self.seen and statement.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
            self.seen = True

    def __call__(self) -> bool:
        return self.seen


class RowStream:
    """The chunks of one ``insert_batch`` call written as one write
    (:meth:`ModelBuilder.insert_stream`).

    :meth:`write` may send rows before the database has said whether it takes
    them: a refused row may be reported by a later :meth:`write` or by
    :meth:`close`. So errors name the row as :meth:`ModelBuilder.insert_many`'s do,
    with a :class:`~pyfactory.BuilderError` whose :attr:`~pyfactory.BuilderError.first`
    says where its ``rows`` start among every row written into the stream.

    .. versionadded:: 1.1
    """

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Write ``rows`` (finished attributes, as ``insert_many`` gets them)."""
        raise NotImplementedError

    def close(self) -> None:
        """End the write: the database's verdict on every row written."""
        raise NotImplementedError

    def abort(self) -> None:
        """End the write without its rows, after a failure elsewhere; never raises."""
        raise NotImplementedError


class RowBinder:
    """Turns the rows of ``insert_batch`` into what the builder's driver takes, in
    another process: the worker of a fill with ``workers``
    (:ref:`seeding-workers`), which makes the rows.

    :meth:`ModelBuilder.insert_binder` makes one here; it is pickled to the worker,
    which calls :meth:`bind` on each chunk of rows it makes; what that returns is
    pickled back and written here by :meth:`ModelBuilder.insert_bound`. So this
    process only writes, and the work of turning values into the driver's moves to the
    worker, beside the write.

    .. versionadded:: 1.1
    """

    def bind(self, rows: list[dict[str, Any]]) -> Any:
        """``rows`` (finished attributes, as ``insert_many`` gets them) as
        :meth:`ModelBuilder.insert_bound` writes them, a value that pickles; None when
        these rows need :meth:`ModelBuilder.insert_many` itself (their dicts are then
        sent instead). Called in the worker, and here on one chunk the worker bound:
        the fill checks that both give the same before trusting the worker's."""
        raise NotImplementedError


class BoundRows(Sequence[dict[str, Any]]):
    """A chunk of rows that a :class:`RowBinder` bound in another process.

    :attr:`bound` is what :meth:`RowBinder.bind` returned. The rows themselves are
    fetched from that process when first read (:meth:`rows`, or indexing): the error
    of a refused row names it with its values, as ``insert_many``'s does.

    .. versionadded:: 1.1
    """

    __slots__ = ("_count", "_fetch", "_rows", "bound")

    def __init__(self, bound: Any, count: int, fetch: Callable[[], list[dict[str, Any]]]) -> None:
        self.bound = bound
        self._count = count
        self._fetch = fetch
        self._rows: list[dict[str, Any]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        """The rows as they were bound, fetched once."""
        if self._rows is None:
            self._rows = self._fetch()
        return self._rows

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        return self.rows()[index]

    def __repr__(self) -> str:
        return f"<BoundRows: {self._count} rows>"


class ModelBuilder(Generic[M]):
    """The base of every builder.

    Every method receives the model class, the finished attributes (plain
    values: special fields are already resolved, transient ones removed) and
    the factory's :class:`~pyfactory.Context`. The attributes dict is the
    builder's to keep or change.

    A builder declares what it can do, and pyfactory reads these declarations
    instead of guessing from the builder's class or module, so a backend of your
    own gets the treatment the shipped ones get: :attr:`context_keys` (the
    context it needs, such as a session), :attr:`writes_to_database`,
    :attr:`async_only`, :attr:`commits` and :meth:`supports`.

    .. versionadded:: 0.1
    """

    #: The context keys this builder reads (``{"session"}`` for SQLAlchemy). A factory
    #: refuses a context key that is also a field of its model, as a value meant for
    #: the object, unless its builder lists that key here.
    context_keys: frozenset[str] = frozenset()

    #: Whether ``create`` writes rows to a database (the SQLAlchemy and Django
    #: builders). :func:`~pyfactory.factory_for` keeps such a builder, given for an
    #: ORM's model, instead of the ORM's own one, and gives a model that only a
    #: database builder can make (a mapped class) its ORM's builder in place of a
    #: builder that does not write (an :class:`ObjectBuilder` passed on from a parent).
    #:
    #: .. versionadded:: 0.1
    writes_to_database: ClassVar[bool] = False

    #: Whether objects can only be created under ``acreate`` (``create`` refuses, as
    #: :class:`~pyfactory.builders.sqlalchemy.AsyncSQLAlchemyBuilder`'s does). The
    #: pytest plugin's :func:`~pyfactory.pytest.register` then makes async fixtures
    #: for its factories. A builder that overrides ``acreate`` and not ``create``
    #: counts as async-only without saying so.
    #:
    #: .. versionadded:: 0.1
    async_only: ClassVar[bool] = False

    def supports(self, model: type[Any]) -> bool:
        """Whether this builder makes objects of ``model``; ``True`` by default.

        :func:`~pyfactory.factory_for` passes a parent's builder on to the models its
        fields hold only where this is true, and otherwise gives the nested model its
        own default builder: SQLAlchemy's builder answers for mapped classes, so a
        dataclass kept in a JSON column is made by an :class:`ObjectBuilder`.

        .. versionadded:: 0.1
        """
        return True

    def build(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        """An instance that is not persisted; ``model(**attributes)`` by default."""
        return model(**attributes)

    def create(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        """An instance persisted to the backing store. Every backend overrides this."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement create(); override it to persist "
            "objects, or call build()"
        )

    def create_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> list[M]:
        """Many instances at once, for ``create_batch``; by default :meth:`create` per row.

        A database builder overrides this to write in bulk.
        """
        return [self.create(model, row, context) for row in rows]

    async def acreate(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        """:meth:`create` for ``acreate``; by default it calls :meth:`create`."""
        return self.create(model, attributes, context)

    async def acreate_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> list[M]:
        """:meth:`create_many` for ``acreate_batch``; by default :meth:`acreate` per row."""
        return [await self.acreate(model, row, context) for row in rows]

    def insert_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> int:
        """Write rows that nobody reads back as objects, for ``insert_batch``; how many.

        By default :meth:`create_many`, its objects dropped, less the rows it reported
        found stored (``on_conflict="skip"``). A database builder overrides this to
        write without making instances.

        .. versionadded:: 0.1
        """
        return drive(self._inserted(model, rows, context))

    async def ainsert_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> int:
        """:meth:`insert_many` for ``ainsert_batch``; by default :meth:`acreate_many`.

        .. versionadded:: 0.1
        """
        return await adrive(self._inserted(model, rows, context))

    def _inserted(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> Body[int]:
        """The default ``insert_many``'s one body: ``create_many`` (``acreate_many``),
        counting the rows written, not those reported found stored."""
        with noting_found() as found:
            made = yield Call(self.create_many, self.acreate_many, model, rows, context)
        return len(made) - len(found)

    def insert_stream(self, model: type[M], context: Context) -> RowStream | None:
        """A stream that writes the chunks of one ``insert_batch`` call as one write, or
        None (the default) to write each chunk with :meth:`insert_many`.

        The factory asks for one only when nothing else runs on the database between
        the chunks: the rows make no other rows and run no code that may query (see
        :attr:`~pyfactory.SpecialField.queries`), no hook runs, and the call is
        synchronous. It then hands every chunk to :meth:`RowStream.write` as it is
        resolved, and ends with :meth:`RowStream.close`, still inside the call's
        :meth:`transaction`. The SQLAlchemy builder's stream is one PostgreSQL ``COPY``
        held open across the chunks, so that the server writes one chunk while the next
        one is made.

        .. versionadded:: 1.1
        """
        return None

    def insert_binder(self, model: type[M], context: Context) -> RowBinder | None:
        """A :class:`RowBinder` that turns ``model``'s rows into what
        :meth:`insert_bound` writes, in a fill's worker process; None (the default)
        to have the worker send the rows themselves, written by :meth:`insert_many`.

        .. versionadded:: 1.1
        """
        return None

    def insert_bound(self, model: type[M], rows: BoundRows, context: Context) -> int:
        """Write a chunk of rows that this builder's :class:`RowBinder` bound in a
        fill's worker (:attr:`BoundRows.bound`); how many. Errors name the refused row
        as :meth:`insert_many`'s do: reading ``rows`` fetches them.

        By default :meth:`insert_many` of the rows themselves.

        .. versionadded:: 1.1
        """
        return self.insert_many(model, rows.rows(), context)

    def get(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        """The stored instance that matches ``lookup``, for ``_get_or_create``.

        The default finds nothing, so every ``create`` makes a new object.
        """
        return None

    async def aget(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        """:meth:`get` for ``acreate``; by default it calls :meth:`get`."""
        return self.get(model, lookup, context)

    def read(self, query: Any, context: Context) -> Iterable[Any]:
        """The values of a query given to :func:`~pyfactory.each` that is not itself an
        iterable: a database builder runs it (SQLAlchemyBuilder runs a ``select()`` in
        the context's session). The default knows no query and says so.

        .. versionadded:: 1.0
        """
        raise FactoryDefinitionError(
            f"each() takes a list or any iterable, or a query that the factory's builder "
            f"runs; {type(self).__name__} runs none, and {query!r} is not iterable"
        )

    async def aread(self, query: Any, context: Context) -> Iterable[Any]:
        """:meth:`read` under ``acreate``; by default it calls :meth:`read`."""
        return self.read(query, context)

    def reads(self, context: Context) -> AbstractContextManager[Callable[[], bool]]:
        """Notice the queries that read the database while the block runs; the callable
        it gives says whether one did.

        A row whose fields query the database may need the rows that the rows before
        it wrote, which a batch writes only once it has resolved them all. So when a
        create batch's rows may run such code (a ``lazy`` function, a custom field,
        ``each()`` over a query), the batch makes its first row as ``create`` does,
        inside this block, and if it read, every other row too, one after the other:
        the batch then gives the objects that a loop of ``create`` calls gives. The
        default notices nothing. The SQLAlchemy and Django builders notice every
        ``SELECT`` on the context's database (the builder's own included: a batch may go
        row by row when it did not need to, never the other way).

        .. versionadded:: 1.1
        """
        return nullcontext(Reads())

    @asynccontextmanager
    async def areads(self, context: Context) -> AsyncIterator[Callable[[], bool]]:
        """:meth:`reads` for ``acreate_batch`` (new in 1.1): by default the same watch,
        entered in the running thread; a builder whose queries run in another thread
        under the async methods (Django's) watches there."""
        with self.reads(context) as read:
            yield read

    def getattr(self, instance: M, name: str) -> Any:
        """Read an attribute of a made instance, for ``association(..., attr=...)``."""
        return getattr(instance, name)

    def fields(self, model: type[M]) -> list[FieldInfo]:
        """What ``model`` declares about each of its fields, for auto-filled fields.

        The default reads any kind of model that
        :func:`pyfactory.introspect.fields_of` supports (dataclasses, attrs,
        pydantic, msgspec, TypedDicts, SQLAlchemy and Django); a builder for
        another kind of model overrides it.

        Raises:
            FactoryDefinitionError: ``model`` is not a class whose fields pyfactory
                can read.

        .. versionadded:: 0.1
        """
        return fields_of(model)

    def relation(self, model: type[M], name: str) -> Relation | None:
        """How the field ``name`` of ``model`` reaches other rows, for ``create``.

        ``None`` (the default) treats the field's value as a plain value, made
        before the object. A database builder answers for its relationships, so
        that ``many()`` of one-to-many and many-to-many fields makes its rows
        after the object it belongs to.
        """
        return None

    def link(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """Attach rows made after ``instance`` to its field ``name`` (see :class:`Relation`).

        The default sets the attribute to the list.
        """
        setattr(instance, name, related)

    def add(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """Add objects that exist already to the collection ``name`` of ``instance``, as a
        graph's ``links`` do; persisted where the builder persists.

        The default reads the attribute with :meth:`getattr` and appends to a list or
        adds to a set, skipping objects it holds already; a database builder writes the
        link (a link-table row, or the foreign key of a one-to-many).

        Raises:
            TypeError: ``name`` is not a collection of ``instance``; the message names
                the collections it has.

        .. versionadded:: 0.1
        """
        try:
            current = self.getattr(instance, name)
        except (AttributeError, KeyError):
            current = _MISSING
        if isinstance(current, list):
            current.extend(r for r in related if not any(r is c for c in current))
        elif isinstance(current, set):
            current.update(related)
        else:
            held = "has no such attribute" if current is _MISSING else f"holds {current!r}"
            model = type(instance).__name__
            have = ", ".join(_collections_of(self, instance)) or "none"
            raise TypeError(
                f"{model}.{name} is not a collection (a list or a set): it {held}; "
                f"the collections of {model} are: {have}"
            )

    async def aadd(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """:meth:`add` for ``acreate``; by default it calls :meth:`add`.

        .. versionadded:: 0.1
        """
        self.add(instance, name, related, context)

    @property
    def commits(self) -> bool:
        """Whether :meth:`transaction` commits what the call wrote when it ends, as
        ``SQLAlchemyBuilder(persistence="commit")``'s does; ``False`` by default.

        A graph whose nodes use several builders opens the transactions of those that
        commit first, so that the outermost transaction is one that commits, whatever
        order the nodes are declared in. A builder of your own says so with a class
        attribute, ``commits = True``.

        .. versionadded:: 0.1
        """
        return False

    def transaction(self, context: Context) -> AbstractContextManager[Any]:
        """A context manager around each top-level ``create`` and ``create_batch`` call.

        A builder over a store with transactions returns one that undoes what
        the call wrote when it fails (a SAVEPOINT, say), so that the caller's
        own transaction and earlier rows stay usable. By default it does nothing.
        """
        return nullcontext()

    def atransaction(self, context: Context) -> AbstractAsyncContextManager[Any]:
        """:meth:`transaction` for ``acreate`` and ``acreate_batch``."""
        return nullcontext()

    def fresh_copy(self, instance: M, context: Context) -> M:
        """``instance`` again, as a separate object for one test: what the test does to
        it in memory never reaches the object other tests share.

        ``register(..., scope="module")`` creates an object once for many tests and
        gives each test this copy of it, made with the test's own context. By default
        it is ``copy.deepcopy(instance)``, as Django's ``setUpTestData`` gives each
        test a deep copy of the class's objects; the SQLAlchemy builder loads the row
        again through the test's session, so the copy belongs to that session.

        .. versionadded:: 1.1
        """
        return copy.deepcopy(instance)

    def highest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """The highest number that ``sequence(..., resume=True)`` finds stored in the
        column ``field`` of ``model``, or None when no stored value matches.

        A database builder reads the values that start with ``pattern.prefix`` and end
        with ``pattern.suffix`` and returns ``pattern.highest(values)``. The default
        cannot read stored rows and refuses.

        Raises:
            FactoryDefinitionError: The builder cannot read stored rows, or ``model``
                has no column ``field``.

        .. versionadded:: 1.0
        """
        raise FactoryDefinitionError(
            f"sequence({pattern.template!r}, resume=True) continues after the highest "
            f"number already stored, but {type(self).__name__} cannot read stored rows; "
            "give the factory a database builder (SQLAlchemyBuilder, DjangoBuilder), "
            "implement highest_sequence() on yours, or drop resume=True"
        )

    async def ahighest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """:meth:`highest_sequence` for ``acreate``; by default it calls
        :meth:`highest_sequence`.

        .. versionadded:: 1.0
        """
        return self.highest_sequence(model, field, pattern, context)


_MISSING = object()


def _collections_of(builder: ModelBuilder[Any], instance: Any) -> list[str]:
    """The names of the list and set attributes of ``instance``, for an error message."""
    if isinstance(instance, dict):
        names = list(instance)
    else:
        try:
            names = [info.name for info in builder.fields(type(instance))]
        except Exception:
            # Not a kind of model whose fields pyfactory reads: its __dict__ will do.
            names = list(getattr(instance, "__dict__", {}))
    found = []
    for name in names:
        try:
            value = builder.getattr(instance, name)
        except (AttributeError, KeyError):
            continue
        if isinstance(value, (list, set)):
            found.append(name)
    return sorted(found)


class ObjectBuilder(ModelBuilder[M]):
    """Calls ``model(**attributes)``: plain classes, dataclasses, attrs, pydantic, msgspec.

    There is no store behind it, so ``create`` makes the same object as ``build``.

    .. versionadded:: 0.1
    """

    def create(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        return model(**attributes)

    def create_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> list[M]:
        return [model(**row) for row in rows]


class DictBuilder(ModelBuilder[dict[str, Any]]):
    """Gives the attributes themselves, as a new dict; the factory's ``_model`` is
    ``dict`` or a ``TypedDict``.

    .. versionadded:: 0.1
    """

    def build(
        self, model: type[dict[str, Any]], attributes: dict[str, Any], context: Context
    ) -> dict[str, Any]:
        return dict(attributes)

    def create(
        self, model: type[dict[str, Any]], attributes: dict[str, Any], context: Context
    ) -> dict[str, Any]:
        return dict(attributes)

    def getattr(self, instance: dict[str, Any], name: str) -> Any:
        return instance[name]

    def fields(self, model: type[dict[str, Any]]) -> list[FieldInfo]:
        """A TypedDict's keys (or another model's fields); none for a plain ``dict``."""
        if model is dict:
            return []
        return fields_of(model)
