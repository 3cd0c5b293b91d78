"""``insert_batch``'s rows bound for the driver in a fill's worker process, and
written here (:class:`~pyfactory.builders.RowBinder`, :ref:`seeding-workers`).

Part of the SQLAlchemy builder. The worker makes a chunk of rows and runs what
``insert_many`` runs before the database: the driver-level statement of
:mod:`~pyfactory.builders._sa_insert` and every value's bind processor (a uuid's hex,
a time's text on SQLite). This process then only runs the statements, and names a
refused row as ``insert_many`` does (:mod:`~pyfactory.builders._sa_bulk`).

The dialect does not pickle (it holds the driver's module): the worker makes its own
of the same class, as ``create_engine`` makes one before it connects. An engine's own
options (a JSON serializer, say) are not carried over, so a fill checks one chunk the
worker bound against this process's binding of the same rows before trusting the
worker's (``seeding._beside``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory.builders import BoundRows, RowBinder
from pyfactory.builders._sa_bulk import _change_counter, _plan_bulk, run_statements
from pyfactory.builders._sa_shape import shape_of

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.orm import Session

__all__ = ["StatementBinder", "insert_bound"]


class StatementBinder(RowBinder):
    """Rows of one mapped class bound into the driver's statements for one dialect:
    what ``insert_many`` would run for them at the driver level."""

    __slots__ = ("dialect", "model")

    def __init__(self, model: type[Any], dialect: Dialect) -> None:
        self.model = model
        self.dialect = dialect

    def __getstate__(self) -> tuple[type[Any], type[Dialect]]:
        return self.model, type(self.dialect)

    def __setstate__(self, state: tuple[type[Any], type[Dialect]]) -> None:
        self.model, dialect_class = state
        # What create_engine does before it connects: the driver's module given.
        self.dialect = dialect_class(dbapi=dialect_class.import_dbapi())  # type: ignore[call-arg]

    def bind(self, rows: list[dict[str, Any]]) -> list[tuple[str, Any]] | None:
        """The (SQL, parameters) that write ``rows`` at the driver level; None when
        ``insert_many`` writes them otherwise (keys that differ between rows, related
        objects, a column default that reads more than the row)."""
        planned = _plan_bulk(self.model, rows) if rows else None
        if planned is None:
            return None
        shape, groups = planned
        if len(groups) != 1 or not shape.fast:
            return None
        writer = shape.writer(self.dialect, tuple(rows[0]))
        if writer is None or any(remote is not None for _, remote in writer.sources):
            return None
        return writer.write_only(rows)


def insert_bound(session: Session, model: type[Any], rows: BoundRows) -> int:
    """Run the statements a :class:`StatementBinder` made for ``rows``, as
    ``insert_many`` runs its own: a refused row is named the same way."""
    shape = shape_of(model)
    dialect = session.get_bind(mapper=shape.mapper).dialect
    counter = _change_counter(session, shape, dialect)
    run_statements(session, shape, counter, rows, list(range(len(rows))), rows.bound)
    return len(rows)
