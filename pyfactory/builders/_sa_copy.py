"""``insert_batch`` on PostgreSQL through psycopg 3: the rows of a table with one
``COPY ... FROM STDIN (FORMAT BINARY)``.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`): imported by
:mod:`~pyfactory.builders._sa_bulk`, it imports :mod:`~pyfactory.builders._sa_insert`
(whose plan of the columns it shares) and imports psycopg only once a dialect has
said that psycopg is its driver.

Why COPY, and why binary: rows that nobody reads back need none of an INSERT's
work. ``INSERT ... SELECT FROM unnest(...)`` has psycopg build one array per column
in Python and the server take the arrays apart again; COPY streams the rows, and
psycopg's C code formats a row of binary values in well under a microsecond, where
the text format costs several (benchmarks/bench_copy.py has the figures).

Binary COPY has one rule that the other paths do not: the server reads each value
with the receive function of the column's own type, with no cast. So:

* the types come from the server (:func:`_column_kinds`, one catalog query per table
  and pyfactory call), not from the model, which may say ``Integer`` for a ``bigint`` column;
* a column is written this way only when every one of its values is of a Python type
  that psycopg dumps, for that column's type, to what the INSERT would store
  (:data:`_SCALARS`): ints in the column's range (psycopg would wrap an int too large
  for ``int4`` silently), naive datetimes for ``timestamp``, aware ones for
  ``timestamptz``, ``Decimal`` or ``int`` for ``numeric``, and so on. A float for a
  ``numeric`` column is stored by the INSERT through a cast that keeps 15 digits, and
  a naive datetime for a ``timestamptz`` column is read in the session's time zone:
  such values, a type that :data:`_SCALARS` does not list (``interval``, ``inet``,
  arrays of enums, ...), a column that the server does not have, or a table that
  takes a COPY otherwise than an INSERT (a view, row-level security, rules, an
  identity ``GENERATED ALWAYS``) leave the rows to the INSERT, which writes them as
  before.

Nothing of this is read back: a COPY returns no rows, so it serves ``insert_batch``
only, never ``create_batch``.
"""

from __future__ import annotations

import contextlib
import datetime
import inspect
import re
import uuid
import weakref
from collections.abc import Callable
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Table
from sqlalchemy.exc import DBAPIError, StatementError

from pyfactory.builders._sa_insert import BulkInsert, _given, _left_out, doubles_percents

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect
    from sqlalchemy.orm import Mapper

    from pyfactory.builders._sa_shape import Shape

__all__ = [
    "COPY_THRESHOLD",
    "CopyJob",
    "CopyStream",
    "copies",
    "copy_job",
    "failed_line",
    "fits",
]

#: The value of ``SQLAlchemyBuilder.copy_threshold``: fewer rows of one table than
#: this go in one INSERT. Below it COPY's extra round trips (the catalog query, the
#: start and the end of the COPY) cost more than the INSERT's per-row work saves;
#: ``python benchmarks/bench_copy.py --crossover`` measures where the two meet.
COPY_THRESHOLD = 100

#: A check of one column's values: whether psycopg's binary dumper for the column's
#: type writes each of them as the value that the INSERT stores. It is given the
#: set of the values' types and the values, None left out of both (see :func:`fits`).
Check = Callable[[set[type], list[Any]], bool]

_NONE = type(None)


def fits(check: Check, values: list[Any]) -> bool:
    """Whether a column's values (NULLs among them) pass its check."""
    types = set(map(type, values))
    if _NONE in types:
        types.discard(_NONE)
        if not types:
            return True
        values = [value for value in values if value is not None]
    return check(types, values)


def _only(*kinds: type) -> Check:
    allowed = frozenset(kinds)
    return lambda types, values: types <= allowed


def _ints(bits: int) -> Check:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(types: set[type], values: list[Any]) -> bool:
        # bool is an int subclass, but type() tells them apart: True is no int here.
        # The range, since psycopg writes an int too large for int4 as its low bits.
        return types <= {int} and low <= min(values) and max(values) <= high

    return check


_tzinfo = attrgetter("tzinfo")


def _datetimes(aware: bool) -> Check:
    def check(types: set[type], values: list[Any]) -> bool:
        if not types <= {datetime.datetime}:
            return False
        zones = set(map(_tzinfo, values))
        return None not in zones if aware else zones <= {None}

    return check


def _times(types: set[type], values: list[Any]) -> bool:
    return types <= {datetime.time} and set(map(_tzinfo, values)) <= {None}


def _bytes(types: set[type], values: list[Any]) -> bool:
    # SQLAlchemy's LargeBinary hands psycopg its Binary wrapper, which the bytea
    # dumper unwraps.
    from psycopg import Binary

    plain = {bytes, bytearray, memoryview}
    if Binary not in types:
        return types <= plain
    inner = {type(value.obj) if type(value) is Binary else type(value) for value in values}
    return types <= {Binary, *plain} and inner <= plain


def _json(types: set[type], values: list[Any]) -> bool:
    # SQLAlchemy's JSON types hand psycopg its own wrappers, with the engine's
    # serializer: the json and jsonb dumpers write them as the INSERT would.
    from psycopg.types.json import Json, Jsonb

    return types <= {Json, Jsonb}


#: PostgreSQL type name → (the check of a column's values, the type whose binary
#: dumper psycopg uses for it, whether its arrays go too).
_SCALARS: dict[str, tuple[Check, str, bool]] = {
    "int2": (_ints(16), "int2", True),
    "int4": (_ints(32), "int4", True),
    "int8": (_ints(64), "int8", True),
    "float8": (_only(float, int), "float8", True),
    "numeric": (_only(Decimal, int), "numeric", True),
    "bool": (_only(bool), "bool", True),
    "text": (_only(str), "text", True),
    "varchar": (_only(str), "varchar", True),
    # bpchar reads text as text does, and pads or refuses by the column's length; psycopg
    # has no dumper of bpchar arrays, whose header must name bpchar.
    "bpchar": (_only(str), "text", False),
    "date": (_only(datetime.date), "date", True),
    "timestamp": (_datetimes(aware=False), "timestamp", True),
    "timestamptz": (_datetimes(aware=True), "timestamptz", True),
    "time": (_times, "time", True),
    "uuid": (_only(uuid.UUID), "uuid", True),
    "bytea": (_bytes, "bytea", True),
    "json": (_json, "json", True),
    "jsonb": (_json, "jsonb", True),
}

#: An enum's binary form is its label's text; an array of enums names the enum's own
#: type in its header, which psycopg cannot, so those are left to the INSERT.
_ENUM = _only(str)

#: The column kinds by type oid, made on first use from psycopg's built-in types.
_kinds: dict[int, tuple[Check, int]] = {}


def _kind_by_oid() -> dict[int, tuple[Check, int]]:
    if not _kinds:
        from psycopg.postgres import types

        for name, (check, dumper, arrays) in _SCALARS.items():
            info = types[name]
            _kinds[info.oid] = (check, types[dumper].oid)
            if arrays:
                _kinds[info.array_oid] = (_array(check), types[dumper].array_oid)
    return _kinds


def _array(check: Check) -> Check:
    """The check of an array column: lists (nested for more dimensions) whose elements,
    None aside, pass the element type's check."""

    def check_arrays(types: set[type], values: list[Any]) -> bool:
        if not types <= {list}:
            return False
        items: list[Any] = []
        nested = list(values)
        while nested:
            for item in nested.pop():
                if type(item) is list:
                    nested.append(item)
                else:
                    items.append(item)
        return fits(check, items)

    return check_arrays


# ---------------------------------------------------------------- the plan of a table


class _Plan:
    """How rows with one set of keys are copied into one table: the columns and their
    values as :class:`~pyfactory.builders._sa_insert.BulkInsert` gathers and binds
    them, and the COPY statement."""

    __slots__ = ("bulk", "names", "statement", "target")

    def __init__(self, bulk: BulkInsert, target: str, names: list[str], statement: str) -> None:
        self.bulk = bulk
        #: The table as the catalog query names it (schema-qualified, quoted).
        self.target = target
        #: The copied columns' names, in order, as the catalog has them.
        self.names = names
        self.statement = statement


_plans: weakref.WeakKeyDictionary[Dialect, dict[tuple[Any, tuple[str, ...]], _Plan | None]] = (
    weakref.WeakKeyDictionary()
)


def _plan(shape: Shape, dialect: Dialect, keys: tuple[str, ...]) -> _Plan | None:
    known = _plans.get(dialect)
    if known is None:
        known = _plans[dialect] = {}
    key = (shape.mapper, keys)
    if key not in known:
        assert isinstance(shape.table, Table)
        known[key] = _make_plan(shape.mapper, shape.table, shape.many_to_one, dialect, keys)
    return known[key]


def _make_plan(
    mapper: Mapper[Any],
    table: Table,
    many_to_one: dict[str, list[tuple[str, str]]],
    dialect: Dialect,
    keys: tuple[str, ...],
) -> _Plan | None:
    """The columns the rows give and the Python-side defaults they leave to fill, as the
    INSERT has them; None where SQLAlchemy must render a default (a SQL expression or a
    sequence) or a type binds through a SQL expression. Columns left out are the
    server's to fill, as in the INSERT: its defaults, its sequences, NULL."""
    bulk = BulkInsert()
    bulk.style = "copy"
    given = _given(bulk, mapper, many_to_one, list(keys))
    if not given or _left_out(bulk, mapper, table, given) is None:
        return None
    inserted: list[Column[Any]] = [*given, *(table.columns[key] for _, key, _ in bulk.defaults)]
    bulk.attrs.extend(attr for attr, _, _ in bulk.defaults)
    bulk.keys = [column.key for column in inserted]
    for column in inserted:
        if getattr(column.type, "_has_bind_expression", True):
            return None
        bulk.binders.append(column.type.dialect_impl(dialect).bind_processor(dialect))
    preparer = dialect.identifier_preparer
    target = preparer.format_table(table)
    names = ", ".join(preparer.quote(column.name) for column in inserted)
    statement = f"COPY {target} ({names}) FROM STDIN (FORMAT BINARY)"
    if doubles_percents(dialect):
        # The COPY has no parameters, so psycopg sends it as it is: a name's % is one.
        target, statement = target.replace("%%", "%"), statement.replace("%%", "%")
    return _Plan(bulk, target, [str(column.name) for column in inserted], statement)


def copies(dialect: Dialect) -> bool:
    """Whether ``insert_batch`` can COPY through this dialect: PostgreSQL through
    psycopg 3, sync or async."""
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


# ---------------------------------------------------------------- the write


_COLUMN_TYPES = """
SELECT a.attname, b.oid, b.typtype, a.attidentity = 'a',
       c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AND NOT c.relhasrules,
       c.relkind = 'r' AND NOT EXISTS (
         SELECT FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND g.tgtype & 4 <> 0
       )
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type b
  ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE c.oid = pg_catalog.to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""


#: What the catalog said of a plan's table, by the SAVEPOINT that asked (the innermost:
#: a pyfactory call's own, or a dataset write's): a call's chunks ask once. A table is
#: not altered halfway through one call; the next call asks again. Outside any
#: SAVEPOINT every write asks.
_asked: weakref.WeakKeyDictionary[Any, dict[_Plan, Columns | None]] = weakref.WeakKeyDictionary()


class Columns:
    """What the catalog says of a plan's table: each copied column's check and dumper
    type, and whether the server names every row it refuses by its line in the COPY."""

    __slots__ = ("kinds", "located")

    def __init__(self, kinds: list[tuple[Check, int]], located: bool) -> None:
        self.kinds = kinds
        #: No trigger fires on INSERT (a foreign key's check is one): every error of
        #: the COPY is raised by a row as the server reads it, and names its line.
        #: A foreign key is checked once every row is in, and its error names none.
        self.located = located


def _columns(connection: Connection, plan: _Plan) -> Columns | None:
    """:func:`_column_kinds`, asked once per plan in a transaction (see :data:`_asked`)."""
    transaction = connection.get_nested_transaction()
    if transaction is None:
        return _column_kinds(connection, plan)
    known = _asked.get(transaction)
    if known is None:
        known = _asked[transaction] = {}
    if plan not in known:
        known[plan] = _column_kinds(connection, plan)
    return known[plan]


def _column_kinds(connection: Connection, plan: _Plan) -> Columns | None:
    """Each copied column's check and dumper type, read from the server's catalog (a
    domain is written as its base type, whose receive function it uses); None when
    the rows must go by INSERT:

    * a column is missing, or of a type this module leaves to the INSERT;
    * the table is no plain or partitioned table (a view), or it has row-level
      security, which COPY FROM refuses, or rules, which COPY ignores;
    * a column is ``GENERATED ALWAYS AS IDENTITY``, whose given values the INSERT
      refuses and COPY would take.
    """
    found = connection.exec_driver_sql(_COLUMN_TYPES, (plan.target,)).all()
    if not found or not found[0][4]:
        return None
    by_name = {str(row[0]): (int(row[1]), str(row[2]), bool(row[3])) for row in found}
    kinds = _kind_by_oid()
    out: list[tuple[Check, int]] = []
    for name in plan.names:
        if name not in by_name:
            return None
        oid, typtype, always = by_name[name]
        kind = (_ENUM, _TEXT_OID) if typtype == "e" else kinds.get(oid)
        if kind is None or always:
            return None
        out.append(kind)
    return Columns(out, bool(found[0][5]))


#: The oid of ``text``, fixed in PostgreSQL's catalog: enums are written as text.
_TEXT_OID = 25


class CopyJob:
    """The rows of one group, ready to COPY: the plan (the statement), each column's
    check and dumper type as the catalog gave them, and the bound values by column."""

    __slots__ = ("columns", "dialect", "located", "oids", "plan", "statement", "table")

    def __init__(
        self, dialect: Dialect, plan: _Plan, table: Columns, columns: list[list[Any]]
    ) -> None:
        self.dialect = dialect
        self.plan = plan
        self.statement = plan.statement
        self.table = table
        self.oids = [oid for _, oid in table.kinds]
        #: Whether the server names a row it refuses (:attr:`Columns.located`).
        self.located = table.located
        self.columns = columns

    def run(self, connection: Connection) -> None:
        """Write the rows in a COPY of their own, inside the transaction (and SAVEPOINT)
        the session has open on the connection."""
        stream = CopyStream(connection, self)
        stream.write(self)
        stream.close()


class CopyStream:
    """A COPY held open while rows are written into it, then ended: its statement and
    dumper types are those of the first :class:`CopyJob`, and every job written into it
    must have the same (:meth:`takes`).

    Why hold it open: the server writes the rows as they arrive, so while it works on
    the rows sent, the client makes and sends the next ones; a COPY per chunk waits at
    its end for the server to finish the whole chunk, and the two take turns. The
    server reports a row it refuses only when the COPY ends (psycopg reads no answer
    before), with the row's line in the error's ``CONTEXT`` (:func:`failed_line`).

    While it is open, the psycopg connection is locked (psycopg holds its lock for the
    whole COPY): nothing else may run a statement on it until :meth:`close` or
    :meth:`abort`.

    A COPY is no ``execute``, so SQLAlchemy would neither log it nor tell its
    listeners; it is done here as SQLAlchemy does for the statements it runs on a
    cursor of its own (``Connection._cursor_execute``, no execution context): the
    engine's ``before_cursor_execute`` event sees the COPY statement and the cursor as
    the COPY starts, ``after_cursor_execute`` as it ends (the cursor's ``rowcount``
    is then the rows copied, which the seed runner counts), and its ``echo`` log shows
    it. A failure is raised as SQLAlchemy raises the driver's errors
    (``IntegrityError``, ``DataError``, ...), so that it reads as the INSERT's would.
    """

    __slots__ = ("_copy", "_cursor", "_manager", "_seen", "connection", "job", "rows", "statement")

    def __init__(self, connection: Connection, job: CopyJob) -> None:
        self.connection = connection
        #: The first job: the statement and types every later one must share.
        self.job = job
        #: The statement as sent, after the listeners (which may rewrite it).
        self.statement = job.statement
        #: How many rows were written into the COPY so far.
        self.rows = 0
        self._manager: Any = None
        driver: Any = connection.connection.driver_connection
        self._cursor = (_Blocking(driver) if job.dialect.is_async else driver).cursor()
        self._seen = self._cursor._target if isinstance(self._cursor, _Blocking) else self._cursor
        try:
            for listener in connection.dispatch.before_cursor_execute:
                self.statement, _ = listener(
                    connection, self._seen, self.statement, (), None, False
                )
            connection.engine.logger.info(self.statement)
            manager = self._cursor.copy(self.statement)
            self._copy = manager.__enter__()
            self._manager = manager
            self._copy.set_types(job.oids)
        except Exception as exc:
            raise self._failed(exc) from exc

    def takes(self, job: CopyJob) -> bool:
        """Whether ``job``'s rows can go into this COPY: the same plan (table and
        columns), and so the same types (:func:`copy_job` reads them from this COPY's)."""
        return job.plan is self.job.plan

    def write(self, job: CopyJob) -> None:
        """Send ``job``'s rows (one that this COPY :meth:`takes`)."""
        try:
            write_row = self._copy.write_row
            for row in zip(*job.columns, strict=True):
                write_row(row)
        except Exception as exc:
            raise self._failed(exc) from exc
        self.rows += len(job.columns[0])

    def close(self) -> None:
        """End the COPY: the server's verdict on every row sent, raised as SQLAlchemy
        raises it."""
        manager, self._manager = self._manager, None
        try:
            manager.__exit__(None, None, None)
            self.connection.dispatch.after_cursor_execute(
                self.connection, self._seen, self.statement, (), None, False
            )
        except Exception as exc:
            raise self._failed(exc) from exc
        self._cursor.close()

    def abort(self) -> None:
        """End the COPY without its rows (psycopg sends the server ``CopyFail``), for a
        write that failed elsewhere."""
        failed = RuntimeError("the write failed")
        manager, self._manager = self._manager, None
        try:
            if manager is not None:
                # Any error of the ending is the connection's: the rollback that follows
                # meets it too.
                with contextlib.suppress(Exception):
                    manager.__exit__(type(failed), failed, None)
        finally:
            self._cursor.close()

    def _failed(self, exc: Exception) -> StatementError:
        """``exc`` as SQLAlchemy raises a driver's error, the COPY ended and the
        connection invalidated if it was lost."""
        manager, self._manager = self._manager, None
        try:
            if manager is not None:
                # The error being raised says what happened; ending after it may fail too.
                with contextlib.suppress(Exception):
                    manager.__exit__(type(exc), exc, exc.__traceback__)
        finally:
            self._cursor.close()
        connection, dialect = self.connection, self.job.dialect
        error = dialect.loaded_dbapi.Error
        raw = connection.connection
        lost = isinstance(exc, error) and dialect.is_disconnect(exc, raw.dbapi_connection, None)
        if lost:
            connection.invalidate(exc)
        return DBAPIError.instance(
            self.statement, None, exc, error, connection_invalidated=lost, dialect=dialect
        )


_LINE = re.compile(r"^COPY .*?, line (\d+)", re.MULTILINE)


def failed_line(error: BaseException) -> int | None:
    """The row of a COPY that the server refused, counted from 1 in the COPY, as its
    error's ``CONTEXT`` names it (``COPY users, line 25, column email: ...``); None
    when the error names none (a lost connection)."""
    orig = getattr(error, "orig", error)
    context = getattr(getattr(orig, "diag", None), "context", None)
    found = _LINE.search(context) if isinstance(context, str) else None
    return int(found.group(1)) if found else None


def copy_job(
    connection: Connection,
    shape: Shape,
    dialect: Dialect,
    rows: list[dict[str, Any]],
    stream: CopyStream | None = None,
) -> CopyJob | None:
    """The COPY of ``rows`` (one group: one set of keys), or None to INSERT them: the
    table or a column cannot be copied, or a value is not one that binary COPY stores
    as the INSERT would (see the module's docstring).

    With an open ``stream`` of the same plan, its columns' types are reused: the
    catalog query cannot run on a connection whose COPY is open, and the table is the
    one that COPY writes."""
    plan = _plan(shape, dialect, tuple(rows[0]))
    if plan is None:
        return None
    prepared = plan.bulk._prepare(rows)
    if prepared is None:
        return None
    _, bound = prepared
    if stream is not None and stream.job.plan is plan:
        table: Columns | None = stream.job.table
    else:
        table = _columns(connection, plan)
    if table is None:
        return None
    kinds = table.kinds
    if not all(fits(check, values) for values, (check, _) in zip(bound, kinds, strict=True)):
        return None
    return CopyJob(dialect, plan, table, bound)


# ---------------------------------------------------------------- the driver


class _Blocking:
    """An object of psycopg's async API used from a synchronous body: a method's result
    that is awaitable is awaited, with SQLAlchemy's ``await_`` (as SQLAlchemy's own
    adapter of the async driver does), and every other result but None comes back
    seen the same way; as a context manager it enters and leaves the async one.

    ``ainsert_batch`` runs the synchronous body inside ``AsyncSession.run_sync``,
    whose greenlet lets ``await_`` wait for the event loop: the COPY is written once,
    and there is no async copy of it. Only what :class:`CopyStream` calls is needed:
    ``cursor()``, ``copy()`` and its context, ``set_types()``, ``write_row()``, ``close()``.
    """

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if inspect.isawaitable(result):
                result = _await(result)
            return None if result is None else _Blocking(result)

        return call

    def __enter__(self) -> _Blocking:
        return _Blocking(_await(self._target.__aenter__()))

    def __exit__(self, *exc_info: Any) -> bool:
        return bool(_await(self._target.__aexit__(*exc_info)))


try:
    from sqlalchemy.util.concurrency import await_ as _await
except ImportError:  # pragma: no cover - SQLAlchemy 2.0 names it await_only
    from sqlalchemy.util import await_only as _await
