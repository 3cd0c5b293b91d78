"""``on_conflict="skip"`` and ``"update"`` for the SQLAlchemy builder: rows written with
``INSERT ... ON CONFLICT DO NOTHING`` or ``DO UPDATE`` (PostgreSQL and SQLite), and the
objects of ``create_batch`` read back by their unique key.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`): it imports
:mod:`~pyfactory.builders._sa_shape` and :mod:`~pyfactory.builders._conflict` only;
:mod:`~pyfactory.builders._sa_bulk` prepares the rows (related objects saved first, rows
grouped by their keys) and calls it.

Why these choices:

* The rows go through a Core multi-row ``INSERT ... VALUES`` with SQLAlchemy's
  ``on_conflict_do_nothing`` / ``on_conflict_do_update`` of the dialect, never through
  ``COPY`` (which has no ``ON CONFLICT``) nor the driver-level INSERT of
  :mod:`~pyfactory.builders._sa_insert` (which matches returned rows to their objects
  by position, and a skipped row returns nothing).
* No ``RETURNING``: PostgreSQL returns nothing for a row that ``DO NOTHING`` skipped,
  and the statement's row count (the rows inserted or updated) is what both databases
  report the same way, and what a seed counts. Skipped = given - written.
* ``create_batch`` hands back one object per row, in order, as ``_get_or_create`` does:
  for a skipped row, the row already stored. Every object is read back with one
  ``SELECT ... WHERE key IN (...)`` per unique key, so an updated row shows its new
  values and a skipped one its stored values.
* ``"update"`` needs a conflict target (PostgreSQL's ``DO UPDATE`` requires one): the
  ``on_conflict_target`` given, else the table's only unique key besides its primary
  key, else the primary key; with several such keys the builder asks which. It sets the
  non-key columns that the row gives. PostgreSQL refuses to update one row twice in one
  statement, so rows with the same key go in successive statements: the last one wins,
  on both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
from sqlalchemy import Column, Index, Table, UniqueConstraint, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from pyfactory.builders._conflict import Conflict, by_keys, report_skipped
from pyfactory.builders._sa_insert import _attr
from pyfactory.builders._sa_shape import Shape
from pyfactory.errors import BuilderError, FactoryDefinitionError

__all__ = [
    "check_table",
    "key_values",
    "lookup_keys",
    "read_back",
    "stored",
    "unique_keys",
    "write_rows",
]

#: The dialects whose ``insert()`` has ``on_conflict_do_nothing`` / ``_do_update``.
_INSERTS: dict[str, Callable[[Table], Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}

Key = tuple[Column[Any], ...]


@attrs.frozen
class _Plan:
    """How one table's rows are written: the statement's target (None: any unique key,
    for ``"skip"`` only) and the keys that ``create_batch`` reads the rows back by."""

    target: Key | None
    lookups: list[Key]


def unique_keys(table: Table) -> list[Key]:
    """The table's unique keys: its unique constraints and plain unique indexes (no
    expressions, no ``WHERE``), in the order of their columns in the table, then its
    primary key."""
    position = {column: n for n, column in enumerate(table.columns)}
    found: dict[frozenset[Column[Any]], Key] = {}
    for item in [*table.constraints, *table.indexes]:
        columns: list[Any]
        if isinstance(item, UniqueConstraint):
            columns = list(item.columns)
        elif isinstance(item, Index) and item.unique and not _partial(item):
            columns = list(item.expressions)
        else:
            continue
        if columns and all(isinstance(c, Column) and c in position for c in columns):
            found.setdefault(frozenset(columns), tuple(columns))
    keys = sorted(found.values(), key=lambda key: sorted(position[c] for c in key))
    primary = tuple(table.primary_key.columns)
    if primary and frozenset(primary) not in found:
        keys.append(primary)
    return keys


def _partial(index: Index) -> bool:
    kwargs = index.dialect_kwargs
    return any(kwargs.get(f"{name}_where") is not None for name in ("postgresql", "sqlite"))


def _names(shape: Shape, key: Key) -> str:
    return "(" + ", ".join(_attr(shape.mapper, column) for column in key) + ")"


def _keys_said(shape: Shape, keys: list[Key]) -> str:
    return ", ".join(_names(shape, key) for key in keys) or "none"


def check_table(shape: Shape, dialect: Dialect, conflict: Conflict) -> None:
    """Refuse what ``ON CONFLICT`` cannot write: a database without it, a model mapped
    to more than one table.

    Raises:
        FactoryDefinitionError: Saying which, and what to use instead.
    """
    model = shape.mapper.class_.__name__
    if dialect.name not in _INSERTS:
        raise FactoryDefinitionError(
            f"{conflict.said()} writes INSERT ... ON CONFLICT, which it supports on "
            f"PostgreSQL and SQLite; {model} is written to a {dialect.name} database: "
            "use on_conflict='error' there"
        )
    table = shape.table
    mapper = shape.mapper
    if (
        not isinstance(table, Table)
        or mapper.inherits is not None
        or mapper.polymorphic_on is not None
        or any(column.table is not table for column in mapper.columns)
    ):
        raise FactoryDefinitionError(
            f"{conflict.said()} writes each row with one INSERT ... ON CONFLICT into one "
            f"table, but {model} is mapped with inheritance (or to more than one table), "
            "whose rows the ORM writes itself; use on_conflict='error' for it"
        )


def _plan(shape: Shape, conflict: Conflict) -> _Plan:
    """The conflict target and the keys to read rows back by (see the module)."""
    assert isinstance(shape.table, Table)
    keys = unique_keys(shape.table)
    model = shape.mapper.class_.__name__
    if conflict.target is not None:
        target = _target(shape, conflict, keys)
        return _Plan(target, [target])
    if conflict.action == "skip":
        return _Plan(None, keys)
    primary = frozenset(shape.table.primary_key.columns)
    others = [key for key in keys if frozenset(key) != primary]
    if len(others) > 1:
        raise FactoryDefinitionError(
            f"{conflict.said()} updates the row whose unique key is taken, but {model} has "
            f"{len(others)} unique keys besides its primary key: {_keys_said(shape, others)}; "
            f"say which one with on_conflict_target, as in "
            f"{conflict.builder}(on_conflict='update', "
            f"on_conflict_target={tuple(_attr(shape.mapper, c) for c in others[0])!r})"
        )
    if not others and not primary:
        raise FactoryDefinitionError(
            f"{conflict.said()} updates the row whose unique key is taken, but {model} "
            "has no unique key at all"
        )  # pragma: no cover - the ORM maps no table without a primary key
    target = others[0] if others else tuple(shape.table.primary_key.columns)
    return _Plan(target, [target])


def _target(shape: Shape, conflict: Conflict, keys: list[Key]) -> Key:
    """The columns of ``on_conflict_target``, which must be one of the unique keys."""
    assert conflict.target is not None
    model = shape.mapper.class_.__name__
    columns: list[Column[Any]] = []
    for name in conflict.target:
        prop = shape.mapper.column_attrs.get(name)
        column = prop.columns[0] if prop is not None and len(prop.columns) == 1 else None
        if not isinstance(column, Column):
            raise FactoryDefinitionError(
                f"{conflict.said()}: {model} has no column attribute {name!r}; its unique "
                f"keys are: {_keys_said(shape, keys)}"
            )
        columns.append(column)
    for key in keys:
        if frozenset(key) == frozenset(columns):
            return tuple(columns)
    raise FactoryDefinitionError(
        f"{conflict.said()}: {conflict.target!r} is not a unique key of {model} (a unique "
        "constraint, a unique index or the primary key), which ON CONFLICT needs; its "
        f"unique keys are: {_keys_said(shape, keys)}"
    )


def write_rows(
    session: Session,
    shape: Shape,
    dialect: Dialect,
    rows: list[dict[str, Any]],
    conflict: Conflict,
    report: bool = True,
) -> int:
    """Write ``rows`` (one group: the same keys) with ``ON CONFLICT``; how many rows
    the database inserted or updated. With ``report``, the rows it skipped are reported
    to the running seed (:func:`~pyfactory.builders._conflict.report_skipped`)."""
    table = shape.table
    assert isinstance(table, Table)
    plan = _plan(shape, conflict)
    values = [shape.core_row(row) for row in rows]
    columns = list(values[0])
    target = plan.target
    fixed = {column.key for column in table.primary_key.columns}
    if target is not None:
        fixed.update(column.key for column in target)
    changed = [key for key in columns if key not in fixed]
    update = conflict.action == "update" and bool(changed)
    make_insert = _INSERTS[dialect.name]
    limit = int(getattr(dialect, "insertmanyvalues_max_parameters", 999))
    per = max(1, limit // max(1, len(columns)))
    connection = session.connection(bind_arguments={"mapper": shape.mapper})
    written = 0
    key = [column.key for column in target] if update and target is not None else None
    for chunk in _statement_rows(values, per, key):
        statement = make_insert(table).values(chunk)
        if update:
            assert target is not None
            excluded = statement.excluded
            statement = statement.on_conflict_do_update(
                index_elements=list(target), set_={name: excluded[name] for name in changed}
            )
        else:
            statement = statement.on_conflict_do_nothing(
                index_elements=None if target is None else list(target)
            )
        # SQLAlchemy keeps the row count of an INSERT only when asked to.
        result = connection.execute(statement.execution_options(preserve_rowcount=True))
        written += max(result.rowcount, 0)
    if report:
        report_skipped(table.name, len(rows) - written)
    return written


def _statement_rows(
    values: list[dict[str, Any]], per: int, key: list[str] | None
) -> Iterator[list[dict[str, Any]]]:
    """The rows of each statement: at most ``per``, and, when ``key`` is given (an
    update), no two with the same values of it, which PostgreSQL refuses to apply in
    one statement (``cannot affect row a second time``)."""
    chunk: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for row in values:
        if key is not None:
            value = _hashable(tuple(row.get(name) for name in key))
            if value in seen:
                yield chunk
                chunk, seen = [], set()
            if None not in value:
                seen.add(value)
        chunk.append(row)
        if len(chunk) >= per:
            yield chunk
            chunk, seen = [], set()
    if chunk:
        yield chunk


def _hashable(value: tuple[Any, ...]) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def lookup_keys(shape: Shape, rows: list[dict[str, Any]], conflict: Conflict) -> list[Key]:
    """The unique keys that ``create_batch`` reads its rows back by: those of the plan
    that the first row gives, checked before anything is written.

    Raises:
        FactoryDefinitionError: The rows give none of them.
    """
    plan = _plan(shape, conflict)
    given = shape.core_row(rows[0])
    usable = [key for key in plan.lookups if all(column.key in given for column in key)]
    if not usable:
        raise FactoryDefinitionError(
            f"{conflict.said()}: create_batch reads each row of "
            f"{shape.mapper.class_.__name__} back by a unique key that the row gives, and "
            f"its rows give none of {_keys_said(shape, plan.lookups)}; give one, or use "
            "insert_batch, which reads nothing back"
        )
    return usable


def read_back(
    session: Session,
    shape: Shape,
    rows: list[dict[str, Any]],
    conflict: Conflict,
    usable: list[Key],
) -> list[Any]:
    """The stored object of each row, in order: looked up by the first of the ``usable``
    keys (:func:`lookup_keys`) that the row gives and that finds it (rows that give the
    same key get the same object). Its many-to-one relationships are set from the row
    where its foreign keys are the row's (a skipped row may point elsewhere: those load
    on use).

    Raises:
        BuilderError: A row is neither written nor found (its key holds NULL, say).
    """
    model = shape.mapper.class_
    # Rows that an update wrote hold new values: refresh any object already loaded.
    made = stored(session, shape, rows, usable, refresh=conflict.action == "update")
    left = [index for index, obj in enumerate(made) if obj is None]
    if left:
        index = left[0]
        raise BuilderError(
            f"{conflict.said()}: row {index} of {model.__name__} was neither written nor "
            f"found by its unique keys {_keys_said(shape, usable)} (a key holding NULL "
            "never conflicts, and finds nothing)",
            attributes=rows[index],
            rows=rows,
            index=index,
        )
    _set_parents(shape, made, rows)
    return made


def key_values(shape: Shape, rows: list[dict[str, Any]], usable: list[Key]) -> list[list[Any]]:
    """Each row's value of each of the ``usable`` keys (a tuple; None where it holds
    NULL): ``values[n][i]`` for key ``n`` and row ``i``."""
    values = [shape.core_row(row) for row in rows]
    found = []
    for key in usable:
        names = [column.key for column in key]
        found.append(
            [
                None if None in (value := tuple(row.get(name) for name in names)) else value
                for row in values
            ]
        )
    return found


def stored(
    session: Session,
    shape: Shape,
    rows: list[dict[str, Any]],
    usable: list[Key],
    refresh: bool = False,
) -> list[Any]:
    """The stored object of each row, looked up by the first of the ``usable`` keys
    that finds it (:func:`~pyfactory.builders._conflict.by_keys`); None for a row none
    finds. ``refresh`` loads the stored values into objects the session holds already."""
    mapper = shape.mapper
    options = {"populate_existing": refresh}

    def fetch(n: int, values: list[Any]) -> dict[Any, Any]:
        key = usable[n]
        attrs_ = [_attr(mapper, column) for column in key]
        found: dict[Any, Any] = {}
        per = max(1, 30_000 // len(key))
        for start in range(0, len(values), per):
            part = values[start : start + per]
            where = (
                key[0].in_([value[0] for value in part])
                if len(key) == 1
                else tuple_(*key).in_(part)
            )
            statement = select(mapper.class_).where(where).execution_options(**options)
            for obj in session.scalars(statement, bind_arguments={"mapper": mapper}):
                found[tuple(getattr(obj, attr) for attr in attrs_)] = obj
        return found

    return by_keys(key_values(shape, rows, usable), fetch, len(rows))


def _set_parents(shape: Shape, made: list[Any], rows: list[dict[str, Any]]) -> None:
    """Set each object's many-to-one relationships to the related objects its row gave,
    as a flush leaves them, where the stored foreign keys point at them."""
    for obj, row in zip(made, rows, strict=True):
        for name, pairs in shape.many_to_one.items():
            if name not in row:
                continue
            value = row[name]
            if all(
                getattr(obj, local) == (None if value is None else getattr(value, remote))
                for local, remote in pairs
            ):
                set_committed_value(obj, name, value)
