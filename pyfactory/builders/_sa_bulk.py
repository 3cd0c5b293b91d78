"""The bulk writes of the SQLAlchemy builder: ``create``, ``create_batch`` and
``insert_batch``, each one synchronous body that takes a ``Session``.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`): it imports
:mod:`~pyfactory.builders._sa_shape`, :mod:`~pyfactory.builders._sa_session`,
:mod:`~pyfactory.builders._sa_insert` and :mod:`~pyfactory.builders._sa_copy`, never the
builder itself. The builder calls these bodies with a ``Session`` under ``create``, and
through ``AsyncSession.run_sync`` under ``acreate`` (see
:mod:`~pyfactory.builders._sa_session`).

* :func:`create_many` writes every row of a table with one multi-row
  ``INSERT ... RETURNING`` per set of columns, and hands back real ORM instances,
  attached to the session, with their keys set;
* :func:`insert_many` writes rows that nobody reads back, at the driver level: on
  PostgreSQL through psycopg 3, a table's rows in one ``COPY``
  (:mod:`~pyfactory.builders._sa_copy`) once there are enough of them;
* a failing bulk write is retried row by row inside a SAVEPOINT, to name the row
  that failed (:func:`_locate_failure`);
* with a :class:`~pyfactory.builders._sa_conflict.Conflict` (``on_conflict="skip"`` or
  ``"update"``), both write through ``INSERT ... ON CONFLICT`` instead
  (:func:`_write_conflicting`, :mod:`~pyfactory.builders._sa_conflict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from pyfactory.builders._conflict import Conflict, report_found, skipped_rows
from pyfactory.builders._sa_conflict import (
    check_table,
    key_values,
    lookup_keys,
    read_back,
    stored,
    write_rows,
)
from pyfactory.builders._sa_copy import CopyJob, copies, copy_job, failed_line
from pyfactory.builders._sa_insert import BulkInsert
from pyfactory.builders._sa_session import _BULK_KEY, remember
from pyfactory.builders._sa_shape import Shape, construct, fresh, shape_of
from pyfactory.errors import BuilderError, FactoryDefinitionError, FactoryError

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = ["create_many", "create_one", "insert_many"]


def _drop_null_keys(shape: Shape, rows: list[dict[str, Any]]) -> None:
    """Leave out a primary key given as None, in place, as a flush does: the
    database then makes it."""
    for attr in shape.key_attrs:
        for index, row in enumerate(rows):
            if attr in row and row[attr] is None:
                rows[index] = {k: v for k, v in row.items() if k != attr}


def _group_by_keys(rows: list[dict[str, Any]]) -> dict[frozenset[str], list[int]]:
    """Row indexes by key set: one INSERT serves rows that name the same columns."""
    if not rows:
        return {}
    first = rows[0].keys()
    if all(row.keys() == first for row in rows):
        return {frozenset(first): list(range(len(rows)))}
    groups: dict[frozenset[str], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(frozenset(row), []).append(index)
    return groups


def _unsaved(
    shape: Shape, rows: list[dict[str, Any]], groups: Iterable[frozenset[str]]
) -> list[Any]:
    """The related objects the rows name that have no row yet (made with ``build()``
    or by hand, added to the session or not): written first, as a flush would
    cascade to them, so that the rows can point at their keys."""
    names = {key for keys in groups for key in keys if key in shape.many_to_one}
    collections = {key for keys in groups for key in keys if key in shape.many_to_many}
    if not names and not collections:
        return []
    unsaved: dict[int, Any] = {}
    seen: set[int] = set()
    for row in rows:
        for name in names:
            value = row.get(name)
            if value is not None and id(value) not in seen:
                seen.add(id(value))
                if instance_state(value).key is None:
                    unsaved[id(value)] = value
        for name in collections:
            for value in row.get(name, ()):
                if id(value) not in seen:
                    seen.add(id(value))
                    if instance_state(value).key is None:
                        unsaved[id(value)] = value
    return list(unsaved.values())


def _plan_bulk(
    model: type[Any], rows: list[dict[str, Any]]
) -> tuple[Shape, dict[frozenset[str], list[int]]] | None:
    shape = shape_of(model)
    _drop_null_keys(shape, rows)
    groups = _group_by_keys(rows)
    if all(shape.bulk_ready(keys) for keys in groups):
        return shape, groups
    return None


def _finish_bulk(
    shape: Shape,
    rows: list[dict[str, Any]],
    objs: list[Any],
    keys: Iterable[frozenset[str]],
) -> dict[Table, list[dict[str, Any]]]:
    """Set the related objects on the new instances; the link-table rows to write.

    ``keys`` are the key sets of the rows (one per group)."""
    links: dict[Table, list[dict[str, Any]]] = {}
    joined: dict[tuple[int, str], tuple[Any, bool, list[Any]]] = {}
    relevant = {
        key
        for group in keys
        for key in group
        if key in shape.many_to_many
        or (key in shape.many_to_one and (key in shape.reverse or not shape.fast))
    }
    if not relevant:
        return links
    for obj, row in zip(objs, rows, strict=True):
        for key in relevant:
            if key not in row:
                continue
            value = row[key]
            if key in shape.many_to_one:
                reverse = shape.reverse.get(key)
                if reverse is not None and value is not None:
                    # The parent's loaded collection gains the row, as the
                    # backref event of a plain flush would add it.
                    name, is_list = reverse
                    if name in instance_state(value).dict:
                        entry = joined.setdefault((id(value), name), (value, is_list, []))
                        entry[2].append(obj)
                if not shape.fast:  # the fast path's persistent() set it already
                    set_committed_value(obj, key, value)
            else:
                table = shape.many_to_many[key].secondary
                assert isinstance(table, Table)
                links.setdefault(table, []).extend(shape.link_rows(obj, key, list(value)))
                set_committed_value(obj, key, list(value))
    for (_, name), (parent, is_list, children) in joined.items():
        current = instance_state(parent).dict[name]
        value = [*current, *children] if is_list else children[-1]
        set_committed_value(parent, name, value)
    return links


def _insert_job(
    model: type[Any], rows: list[dict[str, Any]]
) -> tuple[Shape, list[Any], dict[frozenset[str], list[int]]] | None:
    """What ``insert_many`` writes at the driver level: the shape, the related
    objects to save first and the rows by key set; None to make instances
    (a shape the bulk path cannot take, or many-to-many links to write)."""
    bulk = _plan_bulk(model, rows)
    if bulk is None or not bulk[0].fast:
        return None
    shape, groups = bulk
    if any(key in shape.many_to_many for keys in groups for key in keys):
        return None
    return shape, _unsaved(shape, rows, groups), groups


def create_one(session: Session, model: type[Any], attributes: dict[str, Any]) -> Any:
    """What ``create`` writes: the object added and flushed, so its keys are set."""
    obj = construct(model, attributes)
    session.add(obj)
    session.flush()
    fresh(model, [obj])
    return obj


def create_many(
    session: Session,
    model: type[Any],
    rows: list[dict[str, Any]],
    conflict: Conflict | None = None,
) -> list[Any]:
    """What ``create_batch`` writes: every row of a table with one multi-row
    ``INSERT ... RETURNING`` per set of columns; real ORM instances, attached to the
    session, with their keys set. With a ``conflict``, through ``ON CONFLICT``: one
    object per row, the stored one for a skipped row."""
    if conflict is not None:
        kept = _write_conflicting(session, model, rows, conflict, keep=True)
        assert isinstance(kept, list)
        return kept
    bulk = _plan_bulk(model, rows)
    if bulk is None:
        objs = [construct(model, row) for row in rows]
        session.add_all(objs)
        session.flush()
        fresh(model, objs)
        return objs
    shape, groups = bulk
    unsaved = _unsaved(shape, rows, groups)
    if unsaved:
        session.add_all(unsaved)
        session.flush()
    made: list[Any] = [None] * len(rows)
    dialect = session.get_bind(mapper=shape.mapper).dialect
    for indexes in groups.values():
        given = [rows[i] for i in indexes]
        with _locate_failure(session, model, rows, indexes):
            objs = _write_group(session, model, shape, dialect, given)
        for i, obj in zip(indexes, objs, strict=True):
            made[i] = obj
    remember(session, made)
    fresh(model, made)
    for table, links in _finish_bulk(shape, rows, made, groups).items():
        if links:
            session.execute(insert(table), links)
    return made


def _write_group(
    session: Session,
    model: type[Any],
    shape: Shape,
    dialect: Dialect,
    given: list[dict[str, Any]],
) -> list[Any]:
    """Write rows that name the same columns in bulk; their new instances."""
    job = _driver_job(shape, dialect, given)
    if job is not None:
        writer, loaded, statements = job
        connection = session.connection(bind_arguments={"mapper": shape.mapper})
        back: list[Any] = []
        for sql, params in statements:
            result = connection.exec_driver_sql(sql, params)
            if writer.returned:
                back.extend(result.fetchall())
        writer.finish(loaded, back)
        objs = shape.persistent(session, loaded, given)
    elif shape.fast:
        assert isinstance(shape.table, Table)
        values = [shape.core_row(row) for row in given]
        returned = session.execute(_core_statement(shape.table, dialect.name), values)
        objs = shape.persistent(session, shape.loaded(returned), given)
    else:
        values = [shape.column_row(row) for row in given]
        objs = list(session.scalars(_statement(model, dialect.name), values))
    return objs


@contextmanager
def _locate_failure(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], indexes: list[int]
) -> Iterator[None]:
    """Write a group of rows in a SAVEPOINT; when the bulk write fails, find the row
    that made it fail (see :func:`_row_statements`) and raise a BuilderError that
    says which. A group of one row needs neither."""
    if len(indexes) == 1:
        try:
            yield
        except Exception as exc:
            error = _failed_row(exc, rows, indexes[0])
            raise error from error.__cause__
        return
    connection = session.connection(bind_arguments={"mapper": inspect(model)})
    savepoint = connection.begin_nested()
    try:
        yield
    except Exception as exc:
        savepoint.rollback()
        found = _found_inside(exc, indexes)
        if found is None and not isinstance(exc, BuilderError):
            probe = connection.begin_nested()
            try:
                for n, (statement, params) in enumerate(
                    _row_statements(model, [rows[i] for i in indexes])
                ):
                    try:
                        session.execute(statement, params)
                    except Exception:
                        found = indexes[n]
                        break
            finally:
                probe.rollback()
        error = _failed_row(exc, rows, found)
        if error is exc:
            raise
        raise error from error.__cause__
    savepoint.commit()


def insert_many(
    session: Session,
    model: type[Any],
    rows: list[dict[str, Any]],
    copy_from: int | None = None,
    conflict: Conflict | None = None,
) -> int:
    """What ``insert_batch`` writes: the rows, at the driver level where it can, without
    making instances; how many (with a ``conflict``: inserted or updated, not skipped).

    A table's rows go in one ``COPY`` when there are ``copy_from`` of them or more and
    the driver and their values allow it (:mod:`~pyfactory.builders._sa_copy`); None
    never copies. A ``conflict`` never copies: COPY has no ``ON CONFLICT``."""
    if conflict is not None:
        written = _write_conflicting(session, model, rows, conflict, keep=False)
        assert isinstance(written, int)
        return written
    job = _insert_job(model, rows)
    if job is None:
        return len(create_many(session, model, rows))
    shape, unsaved, groups = job
    if unsaved:
        session.add_all(unsaved)
        session.flush()
    dialect = session.get_bind(mapper=shape.mapper).dialect
    if copy_from is not None and not copies(dialect):
        copy_from = None
    counter = _change_counter(session, shape, dialect)
    for indexes, given, write in _driver_writes(session, shape, dialect, rows, groups, copy_from):
        if isinstance(write, list):
            run_statements(session, shape, counter, rows, indexes, write)
            continue
        if isinstance(write, CopyJob) and write.located and session.info.get(_BULK_KEY):
            _copy_located(session, shape, rows, indexes, write)
            continue
        with _locate_failure(session, model, rows, indexes):
            if write is None:
                create_many(session, model, given)
                continue
            write.run(session.connection(bind_arguments={"mapper": shape.mapper}))
    return len(rows)


def run_statements(
    session: Session,
    shape: Shape,
    counter: Any,
    rows: Sequence[dict[str, Any]],
    indexes: list[int],
    statements: list[tuple[str, Any]],
) -> None:
    """Run the driver-level statements that write ``rows[i]`` for each of ``indexes``
    (``insert_many``'s, or those a fill's worker bound); a refused row is named by the
    driver's count of changes where ``counter`` is one (:func:`_change_counter`), else
    by :func:`_locate_failure`'s SAVEPOINT."""
    if counter is None:
        around = _locate_failure(session, shape.mapper.class_, rows, indexes)
    else:
        around = _counted_failure(counter, rows, indexes)
    with around:
        connection = session.connection(bind_arguments={"mapper": shape.mapper})
        for sql, params in statements:
            connection.exec_driver_sql(sql, params)


def _change_counter(session: Session, shape: Shape, dialect: Dialect) -> Any:
    """The SQLite driver connection whose ``total_changes`` tells how many rows a
    failed ``executemany`` wrote before its failing row, when ``insert_many`` may write
    without a SAVEPOINT per group of rows; else None.

    A SAVEPOINT costs SQLite a copy of every page the group's rows change: on a
    million-row seed, a SAVEPOINT per 1,000 rows made the writes 2.2 times slower than
    the same ``executemany`` calls without (20.8 against 9.3 µs a row). It is not needed
    when the call's own SAVEPOINT (:func:`~pyfactory.builders._sa_session.transaction`)
    rolls every row back on the error anyway, and the count names the failing row
    exactly as writing the rows again one at a time would: an INSERT that is not
    ``executemany``'s last adds one change per row, and nothing else adds any. That
    holds for a table with no triggers (their changes count too) and no ``ON
    CONFLICT`` clause in its definition (an ignored row counts none); other tables keep
    the SAVEPOINT."""
    if dialect.name != "sqlite" or not session.info.get(_BULK_KEY):
        return None
    connection = session.connection(bind_arguments={"mapper": shape.mapper})
    driver = connection.connection.driver_connection
    if not isinstance(getattr(driver, "total_changes", None), int):
        return None  # pragma: no cover - pysqlite and aiosqlite both count
    table = shape.table
    assert isinstance(table, Table)
    master = "sqlite_master"
    if table.schema is not None:
        master = f"{dialect.identifier_preparer.quote_schema(table.schema)}.sqlite_master"
    found = connection.exec_driver_sql(
        "SELECT type, sql FROM sqlite_temp_master WHERE type = 'trigger' AND tbl_name = ? "
        f"UNION ALL SELECT type, sql FROM {master} WHERE tbl_name = ? "
        "AND (type = 'trigger' OR (type = 'table' AND name = ?))",
        (table.name, table.name, table.name),
    ).fetchall()
    for kind, sql in found:
        if kind != "table" or "on conflict" in " ".join(str(sql).lower().split()):
            return None
    return driver


@contextmanager
def _counted_failure(
    driver: Any, rows: Sequence[dict[str, Any]], indexes: list[int]
) -> Iterator[None]:
    """Around the ``executemany`` of a group of rows, without a SAVEPOINT (see
    :func:`_change_counter`): when it fails, the rows it wrote before the failure are
    the driver's new changes, so the failing row is the next one; the BuilderError
    names it, as :func:`_locate_failure` does."""
    before = driver.total_changes
    try:
        yield
    except Exception as exc:
        written = driver.total_changes - before
        error = _failed_row(exc, rows, indexes[written] if written < len(indexes) else None)
        if error is exc:
            raise
        raise error from error.__cause__


def _copy_located(
    session: Session, shape: Shape, rows: list[dict[str, Any]], indexes: list[int], job: CopyJob
) -> None:
    """A COPY with no SAVEPOINT of its own, for a pyfactory call's rows (whose own
    SAVEPOINT gives the caller's transaction back on a failure) into a table where the
    server names each row it refuses by its line (:attr:`CopyJob.located`): the
    failing row is read from the error, where :func:`_locate_failure` would write the
    rows again one at a time in a SAVEPOINT taken for every chunk, two round trips more
    per chunk."""
    try:
        job.run(session.connection(bind_arguments={"mapper": shape.mapper}))
    except Exception as exc:
        line = failed_line(exc)
        found = indexes[line - 1] if line is not None and 0 < line <= len(indexes) else None
        error = _failed_row(exc, rows, found)
        if error is exc:
            raise
        raise error from error.__cause__


def _write_conflicting(
    session: Session,
    model: type[Any],
    rows: list[dict[str, Any]],
    conflict: Conflict,
    keep: bool,
) -> list[Any] | int:
    """The rows written with ``INSERT ... ON CONFLICT``, one group of keys at a time,
    after the related objects they name that have no row yet (as :func:`create_many`
    does); with ``keep``, the stored object of each row, else how many rows were
    inserted or updated. Many-to-many links go in with ``DO NOTHING``: a link that
    exists already stays."""
    shape = shape_of(model)
    dialect = session.get_bind(mapper=shape.mapper).dialect
    check_table(shape, dialect, conflict)
    _drop_null_keys(shape, rows)
    groups = _group_by_keys(rows)
    for keys in groups:
        if not shape.bulk_ready(keys):
            odd = sorted(k for k in keys if not shape.bulk_ready(frozenset({k})))
            raise FactoryDefinitionError(
                f"{conflict.said()} writes {model.__name__}'s columns and many-to-one and "
                f"many-to-many relationships; {', '.join(map(repr, odd))} is none of these"
            )
    linked = [name for name in shape.many_to_many if any(name in keys for keys in groups)]
    usable = lookup_keys(shape, rows, conflict) if keep or linked else []
    unsaved = _unsaved(shape, rows, groups)
    # Pending changes go first, so that the rows of this write are not then
    # overwritten by an older change, nor read back from before it.
    session.add_all(unsaved)
    session.flush()
    skipped: list[int] = []
    if keep and conflict.action == "skip":
        # Read before the write: afterwards, a skipped row and a new one look alike.
        before = stored(session, shape, rows, usable)
        skipped = skipped_rows(before, key_values(shape, rows, usable))
    written = 0
    for indexes in groups.values():
        given = [rows[i] for i in indexes]
        with _locate_conflict_failure(session, shape, rows, indexes, conflict):
            written += write_rows(session, shape, dialect, given, conflict)
    if not usable:
        return written
    made = read_back(session, shape, rows, conflict, usable)
    for name in linked:
        links = [
            link
            for obj, row in zip(made, rows, strict=True)
            if name in row
            for link in shape.link_rows(obj, name, list(row[name]))
        ]
        table = shape.many_to_many[name].secondary
        if links and isinstance(table, Table):
            dialect_insert = sqlite_insert if dialect.name == "sqlite" else pg_insert
            session.execute(dialect_insert(table).on_conflict_do_nothing(), links)
    report_found(skipped)
    return made if keep else written


@contextmanager
def _locate_conflict_failure(
    session: Session,
    shape: Shape,
    rows: list[dict[str, Any]],
    indexes: list[int],
    conflict: Conflict,
) -> Iterator[None]:
    """:func:`_locate_failure` for a write with ``ON CONFLICT``: when it fails (a NOT NULL
    column, a conflict on a key other than the target), write its rows again one at a
    time, with the same statement and after one another, in a SAVEPOINT rolled back
    afterwards; the first that fails is the row the BuilderError names."""
    connection = session.connection(bind_arguments={"mapper": shape.mapper})
    savepoint = connection.begin_nested()
    try:
        yield
    except Exception as exc:
        savepoint.rollback()
        if isinstance(exc, FactoryError) or len(indexes) == 1:
            error = exc if isinstance(exc, FactoryError) else _failed_row(exc, rows, indexes[0])
            if error is exc:
                raise
            raise error from error.__cause__
        found = None
        dialect = connection.dialect
        probe = connection.begin_nested()
        try:
            for index in indexes:
                try:
                    write_rows(session, shape, dialect, [rows[index]], conflict, report=False)
                except Exception:
                    found = index
                    break
        finally:
            probe.rollback()
        error = _failed_row(exc, rows, found)
        if error is exc:
            raise
        raise error from error.__cause__
    savepoint.commit()


def _driver_job(
    shape: Shape, dialect: Dialect, rows: list[dict[str, Any]]
) -> tuple[BulkInsert, list[dict[str, Any]], list[tuple[str, tuple[Any, ...]]]] | None:
    """The driver-level INSERT of ``rows`` (one group, one set of keys): the writer,
    each new instance's loaded state and the statements; None to use the Core INSERT."""
    writer = shape.writer(dialect, tuple(rows[0]))
    if writer is None:
        return None
    prepared = writer.statements(rows)
    if prepared is None:
        return None
    return writer, *prepared


def _driver_writes(
    session: Session,
    shape: Shape,
    dialect: Dialect,
    rows: list[dict[str, Any]],
    groups: dict[Any, list[int]],
    copy_from: int | None,
) -> Iterator[tuple[list[int], list[dict[str, Any]], CopyJob | list[tuple[str, Any]] | None]]:
    """For ``insert_many``, each group's row indexes and rows (one set of keys) and how
    to write them without reading back: a COPY, the driver-level statements, or None to
    make instances. Worked out before the group's SAVEPOINT, as the values' bind
    processors always were: an error of theirs is raised as it comes."""
    for indexes in groups.values():
        given = [rows[i] for i in indexes]
        if copy_from is not None and len(given) >= copy_from:
            connection = session.connection(bind_arguments={"mapper": shape.mapper})
            copy = copy_job(connection, shape, dialect, given)
            if copy is not None:
                yield indexes, given, copy
                continue
        writer = shape.writer(dialect, tuple(given[0]))
        yield indexes, given, None if writer is None else writer.write_only(given)


def _found_inside(exc: Exception, indexes: list[int]) -> int | None:
    """The failing row that a ``create_many`` inside ``insert_many`` found, as an index of
    the outer call's rows (``indexes`` maps the inner rows to them)."""
    if isinstance(exc, BuilderError) and exc.index is not None:
        return indexes[exc.index]
    return None


def _row_statements(model: type[Any], given: list[dict[str, Any]]) -> Iterator[tuple[Any, Any]]:
    """The statements that write ``given`` one row at a time, to find the row that made
    their bulk INSERT fail: an ORM bulk INSERT of each row's column values."""
    shape = shape_of(model)
    statement = insert(model)
    for row in given:
        yield statement, [shape.column_row(row)]


def _failed_row(exc: Exception, rows: Sequence[dict[str, Any]], index: int | None) -> Exception:
    """The error of a failed bulk write, for the factory: a BuilderError that says which
    row failed (its index in ``rows``), the database's error as its cause; the error
    itself when no row alone fails."""
    if isinstance(exc, BuilderError) and isinstance(exc.__cause__, Exception):
        exc = exc.__cause__  # from create_many under insert_many: the index is remapped
    if index is None:
        return exc
    # A list: rows that a fill's worker bound are fetched from it (BoundRows).
    rows = rows if isinstance(rows, list) else list(rows)
    error = BuilderError(repr(exc), attributes=rows[index], rows=rows, index=index)
    error.__cause__ = exc
    return error


def _core_statement(table: Table, dialect: str) -> Any:
    """INSERT ... RETURNING every column, rows back in the order given (see _statement)."""
    return insert(table).returning(*table.columns, sort_by_parameter_order=dialect != "sqlite")


def _statement(model: type[Any], dialect: str) -> Any:
    """The bulk INSERT ... RETURNING whose rows come back in the order they were given.

    SQLite writes the rows of one multi-row VALUES in order and returns them as
    it writes them, so the plain statement keeps the order; asking SQLAlchemy to
    guarantee it there would cost one statement per row.
    """
    if dialect == "sqlite":
        return insert(model).returning(model)
    return insert(model).returning(model, sort_by_parameter_order=True)
