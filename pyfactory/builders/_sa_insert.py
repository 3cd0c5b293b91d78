"""The bulk INSERT that ``create_batch`` uses on SQLite and PostgreSQL, written at the
level of the database driver.

SQLAlchemy's own bulk ``INSERT ... RETURNING`` turns every row into a dictionary of
named parameters and renders a multi-row statement that names each of them, which
costs more than writing the rows. For the common case (plain columns, keys that are
either given or made by the database's own counter) this module writes the same
statement with positional parameters instead, through ``Connection.exec_driver_sql``
(so the engine's logging and cursor events still see it):

* SQLite: ``INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ... RETURNING id``, as many
  rows per statement as the driver's parameter limit allows.
* PostgreSQL (psycopg 3 or asyncpg): one statement per group of rows, whatever the
  count, with one array parameter per column::

      INSERT INTO t (a, b) SELECT p0, p1
      FROM unnest($1::TEXT[], $2::INTEGER[]) WITH ORDINALITY AS u(p0, p1, n)
      ORDER BY n RETURNING id

  A string column with a length travels as ``TEXT[]``: an explicit cast to
  ``VARCHAR(40)[]`` would cut a longer value short, where the INSERT's assignment to
  the column refuses it, as every other way of writing the row does.

Every value still goes through its column type's bind processor, so type decorators
and SQLAlchemy's own conversions apply as they would in a Core INSERT. Only what the
database makes is read back (the generated key, server defaults); everything else the
new instances hold is what was given, as after ``session.add(obj); session.flush()``.
Rows come back in the order of the generated key, which the database hands out in
the order the rows are written; that order is how each returned row finds its object.

:func:`plan` says ``None`` whenever a table or a set of columns needs more than this,
and the builder then uses SQLAlchemy's Core INSERT.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Column, ColumnElement, Table
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.schema import ColumnDefault

__all__ = ["BulkInsert", "doubles_percents", "plan"]

#: Column types whose values PostgreSQL can take as one array per column (unnest).
#: Arrays, JSON and the server's own special types are left to SQLAlchemy.
_ARRAY_SAFE = (
    sqltypes.Integer,
    sqltypes.Numeric,
    sqltypes.Float,
    sqltypes.Double,
    sqltypes.String,
    sqltypes.Boolean,
    sqltypes.Date,
    sqltypes.DateTime,
    sqltypes.Time,
    sqltypes.Uuid,
    sqltypes.LargeBinary,
)

#: Drivers whose list parameters PostgreSQL receives as arrays.
_ARRAY_DRIVERS = frozenset({"psycopg", "asyncpg"})

Processor = Callable[[Any], Any] | None


def _mixed(values: list[Any]) -> bool:
    """Whether a column's values are of more than one type (None aside): the driver
    makes one array of one element type, so such a column goes row by row."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    return len(kinds) > 1


def _bind(values: list[Any], binder: Callable[[Any], Any]) -> list[Any]:
    """``binder`` over a column's values, once per run of the same object.

    Seed and test rows repeat their values (a schema's constants, one parent for
    many children), and a type's bind processor (dates on SQLite, say) costs a
    Python call each time: the same object binds to the same value.
    """
    out: list[Any] = []
    append = out.append
    last: Any = _NOTHING
    bound: Any = None
    for value in values:
        if value is not last:
            last = value
            bound = binder(value)
        append(bound)
    return out


_NOTHING = object()


class _NeedsCore(Exception):
    """A column default asked for more than the row's parameters."""


class _DefaultContext:
    """What a context-sensitive column default reads: the row's other parameters.
    A default that reads anything else (the connection, say) is run by SQLAlchemy:
    the rows then go through the Core INSERT."""

    __slots__ = ("current_parameters",)

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.current_parameters = parameters

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self.current_parameters

    def __getattr__(self, name: str) -> Any:
        raise _NeedsCore(name)


class BulkInsert:
    """How rows with one set of keys are written to one table through one dialect.

    Attributes:
        sources: For each inserted column, where its values come from: a key of the
            rows, or a related object's key (``(relationship, attribute)``).
        attrs: The mapped attribute of each inserted column, in the same order.
        defaults: Columns the rows leave out but that have a Python-side default:
            (attribute, column key, the default).
        nulls: Attributes of columns the rows leave out and nothing fills (NULL).
        returned: Attributes the database fills, read back; the generated key first.
    """

    __slots__ = (
        "attrs",
        "binders",
        "defaults",
        "given_key",
        "keys",
        "nulls",
        "placeholder",
        "plain_text",
        "processors",
        "returned",
        "rows_per_statement",
        "sources",
        "style",
        "text",
    )

    def __init__(self) -> None:
        self.sources: list[tuple[str, str | None]] = []
        self.attrs: list[str] = []
        self.keys: list[str] = []
        self.binders: list[Processor] = []
        self.defaults: list[tuple[str, str, ColumnDefault]] = []
        self.nulls: list[str] = []
        self.returned: list[str] = []
        self.processors: list[Processor] = []
        #: Positions in attrs of the primary key, when the rows give it.
        self.given_key: list[int] = []
        self.style = ""
        self.placeholder = ""
        self.text = ""
        #: The statement without RETURNING, for rows nobody reads back.
        self.plain_text = ""
        self.rows_per_statement = 0

    # ------------------------------------------------------------------ writing

    def statements(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any] | None:
        """The loaded state of each new instance and the (SQL, parameters) to run.

        ``None`` when these rows cannot go this way after all (a column default that
        reads more than the row, values of mixed types for one array): the caller
        then uses the Core INSERT.
        """
        prepared = self._prepare(rows)
        if prepared is None:
            return None
        columns, bound = prepared
        attrs = self.attrs
        loaded = [dict(zip(attrs, values, strict=True)) for values in zip(*columns, strict=True)]
        if self.nulls:
            nulls = dict.fromkeys(self.nulls)
            for state in loaded:
                state.update(nulls)
        return loaded, list(self._render(bound, len(rows), self.text))

    def write_only(self, rows: list[dict[str, Any]]) -> list[tuple[str, Any]] | None:
        """The (SQL, parameters) that write ``rows`` and read nothing back.

        ``None`` when these rows need the Core INSERT, as for :meth:`statements`.
        """
        prepared = self._prepare(rows)
        if prepared is None:
            return None
        _, bound = prepared
        if self.style == "unnest":
            return [(self.plain_text, tuple(bound))]
        # Nothing to read back, so one row's statement, compiled once and run for
        # every row (executemany), beats parsing long multi-row VALUES each time.
        one = self.plain_text.format(values=self.placeholder)
        return [(one, list(zip(*bound, strict=True)))]

    def _prepare(
        self, rows: list[dict[str, Any]]
    ) -> tuple[list[list[Any]], list[list[Any]]] | None:
        """Each inserted column's values, and the same as the driver takes them.

        ``None`` when the Core INSERT must write the rows: a column default reads
        more than the row, or an ``unnest`` array would hold values of mixed types.
        """
        try:
            columns = self._gather(rows)
        except _NeedsCore:
            return None
        bound = [
            values if binder is None else _bind(values, binder)
            for values, binder in zip(columns, self.binders, strict=True)
        ]
        if self.style == "unnest" and any(_mixed(values) for values in bound):
            return None
        return columns, bound

    def _gather(self, rows: list[dict[str, Any]]) -> list[list[Any]]:
        columns: list[list[Any]] = []
        for key, remote in self.sources:
            if remote is None:
                columns.append([row[key] for row in rows])
            else:
                related = [row[key] for row in rows]
                columns.append([None if obj is None else getattr(obj, remote) for obj in related])
        for _, _, default in self.defaults:
            if default.is_scalar:
                columns.append([default.arg] * len(rows))
                continue
            keys = self.keys
            values = []
            for n in range(len(rows)):
                parameters = {keys[i]: columns[i][n] for i in range(len(columns))}
                value = default.arg(_DefaultContext(parameters))
                values.append(value)
            columns.append(values)
        return columns

    def _render(
        self, bound: list[list[Any]], count: int, text: str
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """The statements of ``text`` for ``count`` rows of bound column values."""
        if self.style == "unnest":
            yield text, tuple(bound)
            return
        per = self.rows_per_statement
        for start in range(0, count, per):
            stop = min(start + per, count)
            marks = ", ".join([self.placeholder] * (stop - start))
            part = [values[start:stop] for values in bound]
            params = tuple([value for row in zip(*part, strict=True) for value in row])
            yield text.format(values=marks), params

    def finish(self, loaded: list[dict[str, Any]], returned: list[Any]) -> None:
        """Add what the database made to each instance's loaded state.

        ``returned`` holds the rows every statement gave back; sorted by the generated
        key, they are in the order the rows were given.
        """
        if not self.returned:
            return
        if len(returned) != len(loaded):
            raise RuntimeError(
                f"bulk INSERT returned {len(returned)} rows for {len(loaded)}"
            )  # pragma: no cover - a database that drops rows silently
        ordered = sorted(returned, key=lambda row: row[0]) if not self.given_key else returned
        names = self.returned
        processors = self.processors
        if len(names) == 1 and processors[0] is None:
            name = names[0]
            for state, row in zip(loaded, ordered, strict=True):
                state[name] = row[0]
            return
        for state, row in zip(loaded, ordered, strict=True):
            for name, processor, value in zip(names, processors, row, strict=True):
                state[name] = value if processor is None else processor(value)


def plan(
    mapper: Mapper[Any],
    table: Table,
    many_to_one: dict[str, list[tuple[str, str]]],
    dialect: Dialect,
    keys: list[str],
) -> BulkInsert | None:
    """How to write rows with ``keys`` (attribute and relationship names, in the rows'
    order) to ``table``, or ``None`` to leave it to SQLAlchemy's Core INSERT."""
    style = _style(dialect)
    if style is None:
        return None
    out = BulkInsert()
    out.style = style
    given = _given(out, mapper, many_to_one, keys)
    if not given:
        return None
    returned = _left_out(out, mapper, table, given)
    if returned is None:
        return None
    inserted = [*given, *(table.columns[key] for _, key, _ in out.defaults)]
    out.attrs.extend(attr for attr, _, _ in out.defaults)
    out.keys = [column.key for column in inserted]
    key_columns = list(table.primary_key.columns)
    if all(column in inserted for column in key_columns):
        out.given_key = [inserted.index(column) for column in key_columns]
        if returned:
            return None  # nothing to match the returned rows to their objects by
    else:
        counter = table.autoincrement_column
        if counter is None or key_columns != [counter] or counter in inserted:
            return None
        returned.remove(counter)
        returned.insert(0, counter)
    if not _processors(out, mapper, dialect, inserted, returned):
        return None
    _write_text(out, table, dialect, inserted, returned)
    return out


def _given(
    out: BulkInsert,
    mapper: Mapper[Any],
    many_to_one: dict[str, list[tuple[str, str]]],
    keys: list[str],
) -> list[Column[Any]]:
    """The columns the rows give, in order, noting where each one's values come from;
    empty when a column is given twice (a relationship and its key: the rows decide)."""
    given: list[Column[Any]] = []
    for key in keys:
        pairs = many_to_one.get(key)
        targets: list[tuple[Column[Any] | None, str | None]]
        if pairs is None:
            targets = [(_column(mapper, key), None)]
            if targets[0][0] is None:
                continue  # a many-to-many collection: link rows, written apart
        else:
            targets = [(_column(mapper, local), remote) for local, remote in pairs]
        for column, remote in targets:
            if column is None or column in given:
                return []
            given.append(column)
            out.sources.append((key, remote))
            out.attrs.append(_attr(mapper, column))
    return given


def _left_out(
    out: BulkInsert, mapper: Mapper[Any], table: Table, given: list[Column[Any]]
) -> list[Column[Any]] | None:
    """Sort the columns the rows leave out: Python defaults, NULLs and what the
    database fills (returned); None when SQLAlchemy has to render a default."""
    returned: list[Column[Any]] = []
    for column in table.columns:
        if column in given:
            continue
        default = column.default
        if default is not None:
            if not isinstance(default, ColumnDefault) or not (
                default.is_scalar or default.is_callable
            ):
                return None  # a SQL expression or sequence: SQLAlchemy renders it
            out.defaults.append((_attr(mapper, column), column.key, default))
        elif column.server_default is not None or column is table.autoincrement_column:
            returned.append(column)
        else:
            out.nulls.append(_attr(mapper, column))
    return returned


def _processors(
    out: BulkInsert,
    mapper: Mapper[Any],
    dialect: Dialect,
    inserted: list[Column[Any]],
    returned: list[Column[Any]],
) -> bool:
    """Note the bind and result processors; False if a type needs SQLAlchemy itself."""
    for column in inserted:
        if getattr(column.type, "_has_bind_expression", True):
            return False
        if out.style == "unnest" and not _array_safe(column):
            return False
        out.binders.append(_bind_processor(column.type.dialect_impl(dialect), dialect))
    for column in returned:
        if getattr(column.type, "_has_column_expression", True):
            return False
        try:
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
        except Exception:
            return False  # a type that must see the driver's type code
        out.processors.append(processor)
        out.returned.append(_attr(mapper, column))
    return True


#: SQLAlchemy's SQLite DATETIME text (its default ``storage_format``): for a naive
#: ``datetime``, exactly ``isoformat(" ", "microseconds")``, which pads the year to four
#: digits too (tests/builders/test_sqlite_binds.py compares them on SQLite files).
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


def _bind_processor(impl: sqltypes.TypeEngine[Any], dialect: Dialect) -> Processor:
    """The bind processor of a column's type for ``dialect``: the type's own, or for
    SQLite's DATETIME in its default format, one that formats naive datetimes itself.

    SQLAlchemy's builds a dict of seven fields and ``%``-formats it for every value,
    1.2 µs of a seed's 15 µs a row; ``datetime.isoformat`` in C gives the same text in
    a third of that. Anything else (None, a date, a timezone-aware or subclassed
    datetime, which SQLAlchemy formats without its offset) goes to SQLAlchemy's.
    """
    processor = impl.bind_processor(dialect)
    if processor is None or dialect.name != "sqlite":
        return processor
    from sqlalchemy.dialects.sqlite import DATETIME

    if type(impl) is not DATETIME or impl._storage_format != _SQLITE_DATETIME_FORMAT:
        return processor
    return _sqlite_datetimes(processor)


def _sqlite_datetimes(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(
        value: Any,
        exact: type[datetime.datetime] = datetime.datetime,
        isoformat: Callable[[datetime.datetime, str, str], str] = datetime.datetime.isoformat,
    ) -> Any:
        # The look-ups are default arguments: locals, the cheapest to read per value.
        if type(value) is exact and value.tzinfo is None:
            return isoformat(value, " ", "microseconds")
        return fallback(value)

    return process


def _paramstyle(dialect: Dialect) -> str:
    """The placeholders the driver itself takes (exec_driver_sql hands SQL to it as is)."""
    return str(getattr(dialect.dbapi, "paramstyle", None) or dialect.paramstyle)


def _style(dialect: Dialect) -> str | None:
    if dialect.dbapi is None:
        return None
    paramstyle = _paramstyle(dialect)
    if dialect.name == "sqlite" and dialect.insert_returning and paramstyle == "qmark":
        return "values"
    if dialect.name == "postgresql" and dialect.driver in _ARRAY_DRIVERS:
        return "unnest"
    return None


def _array_safe(column: Column[Any]) -> bool:
    type_ = column.type
    if isinstance(type_, sqltypes.TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sqltypes.String) and type_.collation:
        return False
    return isinstance(type_, _ARRAY_SAFE) and not isinstance(type_, sqltypes.ARRAY)


def _array_element(column: Column[Any], dialect: Dialect) -> str:
    """The type of the elements of the array that carries ``column``'s values: the
    column's own, but TEXT for a string type with a length. An explicit cast to
    ``VARCHAR(n)`` or ``CHAR(n)`` cuts a longer value short without a word; from TEXT,
    the INSERT's assignment to the column refuses it, as every other INSERT (and COPY)
    does."""
    type_ = column.type
    if isinstance(type_, sqltypes.TypeDecorator):
        type_ = type_.impl_instance
    if (
        isinstance(type_, sqltypes.String)
        and type_.length is not None
        and not (isinstance(type_, sqltypes.Enum) and type_.native_enum)
    ):
        return "TEXT"
    return str(column.type.compile(dialect=dialect))


def doubles_percents(dialect: Dialect) -> bool:
    """Whether the dialect's identifier preparer writes a name's ``%`` as ``%%``, for a
    driver whose placeholders start with ``%`` (psycopg's ``%s``)."""
    return bool(dialect.identifier_preparer.quote("%") == '"%%"')


def _column(mapper: Mapper[Any], attr: str) -> Column[Any] | None:
    prop = mapper.column_attrs.get(attr)
    if prop is None or len(prop.columns) != 1:
        return None
    column = prop.columns[0]
    return column if isinstance(column, Column) else None


def _attr(mapper: Mapper[Any], column: ColumnElement[Any]) -> str:
    """The attribute name under which ``mapper`` maps ``column``."""
    return str(mapper.get_property_by_column(column).key)


def _write_text(
    out: BulkInsert,
    table: Table,
    dialect: Dialect,
    inserted: list[Column[Any]],
    returned: list[Column[Any]],
) -> None:
    preparer = dialect.identifier_preparer
    paramstyle = _paramstyle(dialect)
    # The driver reads % as its placeholders' mark; the preparer doubles it in names
    # already when SQLAlchemy's own paramstyle is the driver's.
    escape = paramstyle in ("format", "pyformat") and not doubles_percents(dialect)

    def quote(name: str) -> str:
        return name.replace("%", "%%") if escape else name

    target = quote(preparer.format_table(table))
    names = ", ".join(quote(preparer.quote(column.name)) for column in inserted)
    returning = ""
    if returned:
        returning = " RETURNING " + ", ".join(
            quote(preparer.quote(column.name)) for column in returned
        )
    if out.style == "unnest":
        # psycopg sends %b parameters in binary: its arrays of text need no escaping.
        marks = [
            f"${n}" if paramstyle == "numeric_dollar" else "%b" for n in range(1, len(inserted) + 1)
        ]
        arrays = ", ".join(
            f"{mark}::{quote(_array_element(column, dialect))}[]"
            for mark, column in zip(marks, inserted, strict=True)
        )
        aliases = ", ".join(f"p{n}" for n in range(len(inserted)))
        out.plain_text = (
            f"INSERT INTO {target} ({names}) SELECT {aliases} "
            f"FROM unnest({arrays}) WITH ORDINALITY AS pf_rows({aliases}, pf_n) "
            "ORDER BY pf_n"
        )
        out.text = out.plain_text + returning
        return
    out.placeholder = "(" + ", ".join(["?"] * len(inserted)) + ")"
    # {values} is filled per statement; braces in names are doubled for format().
    out.plain_text = (
        f"INSERT INTO {target} ({names}) VALUES ".replace("{", "{{").replace("}", "}}") + "{values}"
    )
    out.text = out.plain_text + returning.replace("{", "{{").replace("}", "}}")
    limit = int(getattr(dialect, "insertmanyvalues_max_parameters", 999))
    out.rows_per_statement = max(1, limit // len(inserted))
