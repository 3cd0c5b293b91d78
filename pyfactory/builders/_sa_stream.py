"""``insert_batch``'s chunks into one PostgreSQL ``COPY`` held open across them: the
SQLAlchemy builder's :class:`~pyfactory.builders.RowStream`.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`). Why: a chunk
written in a COPY of its own is sent, then waited for while the server writes it,
and only then is the next chunk resolved; the client and the server take turns.
Held open, the COPY takes each chunk as it comes, and the server writes it while
the next one is made (``benchmarks/bench_copy.py`` measures both).

A COPY held open locks its connection: nothing else may run on it until the COPY
ends. The factory asks for a stream only when its rows run nothing on the database
as they resolve (see :meth:`~pyfactory.builders.ModelBuilder.insert_stream`), and
the stream ends its COPY itself before it writes a chunk any other way.

The server reports a refused row only when the COPY ends, by its line. The rows of
the open COPY are kept, so that the error names the row and its values as
``insert_many``'s does; the COPY ends every :data:`PART_ROWS` rows, which bounds
what is kept. Only tables where the server names every refused row take the
stream (:attr:`~pyfactory.builders._sa_copy.CopyJob.located`); rows of any other
go chunk by chunk through ``insert_many``, which finds the failing row itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory.builders import RowStream
from pyfactory.builders._sa_bulk import _insert_job, insert_many
from pyfactory.builders._sa_copy import CopyStream, copy_job, failed_line
from pyfactory.errors import BuilderError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["PART_ROWS", "InsertStream"]

#: Rows written into one COPY before it is ended and the next begins: the rows kept
#: to name a refused one. Its end waits only for the rows the server has not written
#: yet, so a part this long costs little more than one COPY for the whole call.
PART_ROWS = 20_000


class InsertStream(RowStream):
    """The chunks of one ``insert_batch`` call on a session whose driver is psycopg,
    inside the call's SAVEPOINT."""

    def __init__(self, session: Session, model: type[Any], copy_from: int) -> None:
        self.session = session
        self.model = model
        #: Fewer rows than this in a chunk, with no COPY open, go in one INSERT.
        self.copy_from = copy_from
        #: Rows written into the stream so far.
        self.written = 0
        self._copy: CopyStream | None = None
        self._keys: tuple[str, ...] = ()
        #: The rows of the open COPY, and where they start in the stream.
        self._part: list[dict[str, Any]] = []
        self._part_first = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        first = self.written
        self.written += len(rows)
        if not rows or self._copied(rows, first):
            return
        self._end()
        try:
            insert_many(self.session, self.model, rows, self.copy_from)
        except BuilderError as error:
            error.first += first
            raise

    def close(self) -> None:
        self._end()

    def abort(self) -> None:
        copy, self._copy = self._copy, None
        self._part = []
        if copy is not None:
            copy.abort()

    def _copied(self, rows: list[dict[str, Any]], first: int) -> bool:
        """Write ``rows`` into the open COPY, or a new one; False when they must go by
        ``insert_many``: related objects to save first, rows of several sets of keys,
        too few rows for a COPY of their own, or columns, values or a table that COPY
        leaves to the INSERT (see :mod:`~pyfactory.builders._sa_copy`)."""
        if self._copy is not None and len(self._part) >= PART_ROWS:
            self._end()
        found = _insert_job(self.model, rows)
        if found is None or found[1] or len(found[2]) != 1:
            return False
        keys = tuple(rows[0])
        if self._copy is not None and keys != self._keys:
            self._end()  # other columns: another COPY, once this one has ended
        if self._copy is None and len(rows) < self.copy_from:
            return False
        shape = found[0]
        connection = self.session.connection(bind_arguments={"mapper": shape.mapper})
        job = copy_job(connection, shape, connection.dialect, rows, self._copy)
        if job is None or not job.located:
            return False
        try:
            if self._copy is None:
                self._copy, self._keys, self._part_first = CopyStream(connection, job), keys, first
            self._copy.write(job)
        except Exception as exc:
            self._copy = None
            raise self._refused(exc) from exc
        self._part.extend(rows)
        return True

    def _end(self) -> None:
        """End the open COPY, if any: the server's verdict on its rows."""
        copy, self._copy = self._copy, None
        if copy is None:
            return
        try:
            copy.close()
        except Exception as exc:
            raise self._refused(exc) from exc
        finally:
            self._part = []

    def _refused(self, exc: Exception) -> Exception:
        """The failure of the open COPY as a BuilderError naming the row the server
        names (its line), counted from the COPY's first row; ``exc`` itself when the
        server names none (a lost connection)."""
        part, self._part = self._part, []
        line = failed_line(exc)
        if line is None or not 0 < line <= len(part):
            return exc
        index = line - 1
        error = BuilderError(
            repr(exc), attributes=part[index], rows=part, index=index, first=self._part_first
        )
        error.__cause__ = exc
        return error
