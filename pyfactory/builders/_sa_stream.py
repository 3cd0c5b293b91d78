"""Chunks of rows into one PostgreSQL ``COPY`` held open across them: the SQLAlchemy
builder's :class:`~pyfactory.builders.RowStream`, for ``insert_batch`` and for
:func:`pyfactory.dataset.write`.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`). Why: a chunk
written in a COPY of its own is sent, then waited for while the server writes it,
and only then is the next chunk made; the client and the server take turns. Held
open, the COPY takes each chunk as it comes, and the server writes it while the
next one is made (``benchmarks/bench_copy.py`` measures both).

A COPY held open locks its connection: nothing else may run on it until the COPY
ends. The factory asks for a stream only when its rows run nothing on the database
as they resolve (see :meth:`~pyfactory.builders.ModelBuilder.insert_stream`), and
the stream ends its COPY itself before it writes a chunk any other way (through
``insert_many``: other columns, values COPY leaves to the INSERT, too few rows).

The server reports a refused row only when the COPY ends, by its line. To name the
row and its values as ``insert_many``'s error does, the stream keeps the rows of the
open COPY (``insert_batch``) or makes them again (a dataset, whose rows depend on
their index alone); the COPY ends every so many rows, which bounds what is kept and
how long a refused row goes unreported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect as sa_inspect

from pyfactory.builders import RowStream
from pyfactory.builders._sa_bulk import _insert_job, insert_many
from pyfactory.builders._sa_copy import CopyStream, copies, copy_job, failed_line
from pyfactory.errors import BuilderError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["PART_ROWS", "InsertStream", "Remake"]

#: Rows written into one COPY before it is ended and the next begins: the rows kept
#: to name a refused one. Its end waits only for the rows the server has not written
#: yet, so a part this long costs little more than one COPY for the whole call.
PART_ROWS = 20_000


#: ``remake(first, count)``: the ``count`` rows written from the stream's row ``first``,
#: made again, for a stream that keeps none (see :class:`InsertStream`).
Remake = Callable[[int, int], list[dict[str, Any]]]


class InsertStream(RowStream):
    """The chunks of one write (an ``insert_batch`` call, a dataset's write) on a
    session inside a pyfactory call's SAVEPOINT (or a dataset's transaction).

    Args:
        session: The session, whose connection the COPY holds.
        model: The mapped class whose table the rows go to.
        copy_from: Fewer rows than this in a chunk, with no COPY open, go in one
            INSERT; None never copies (each chunk goes through ``insert_many``).
        part_rows: Rows after which the open COPY ends, at a chunk's start;
            :data:`PART_ROWS` by default.
        remake: Rows made again to name a refused one; None keeps the rows of the
            open COPY instead.
        locate: Only tables where the server names each row it refuses stream (their
            other rows go chunk by chunk through ``insert_many``, which finds the
            row itself); else every table streams, and a COPY whose error names no row
            fails with :attr:`failed`, its rows, set.
    """

    def __init__(
        self,
        session: Session,
        model: type[Any],
        copy_from: int | None,
        *,
        part_rows: int | None = None,
        remake: Remake | None = None,
        locate: bool = True,
    ) -> None:
        self.session = session
        self.model = model
        self.copy_from = copy_from
        self.part_rows = PART_ROWS if part_rows is None else part_rows
        self.remake = remake
        self.locate = locate
        #: Rows written into the stream so far.
        self.written = 0
        #: Where the rows of a COPY that failed naming none start, and how many.
        self.failed: tuple[int, int] | None = None
        #: Whether chunks may stream: COPY through this session's driver, and (with
        #: ``locate``) a table that names the rows it refuses.
        self.copying = copy_from is not None and copies(
            session.get_bind(mapper=sa_inspect(model)).dialect
        )
        self._copy: CopyStream | None = None
        self._keys: tuple[str, ...] = ()
        #: The chunks of the open COPY: where each starts, and its rows (or None when
        #: they are made again) and their count.
        self._chunks: list[tuple[int, list[dict[str, Any]] | None, int]] = []

    def write(self, rows: list[dict[str, Any]]) -> None:
        first = self.written
        self.written += len(rows)
        if not rows or (self.copying and self._copied(rows, first)):
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
        self._chunks = []
        if copy is not None:
            copy.abort()

    def _copied(self, rows: list[dict[str, Any]], first: int) -> bool:
        """Write ``rows`` into the open COPY, or a new one; False when they must go by
        ``insert_many``: related objects to save first, rows of several sets of keys,
        too few rows for a COPY of their own, or columns, values or a table that COPY
        leaves to the INSERT (see :mod:`~pyfactory.builders._sa_copy`)."""
        if self._copy is not None and sum(size for _, _, size in self._chunks) >= self.part_rows:
            self._end()
        keys = tuple(rows[0])
        if self._copy is not None and keys != self._keys:
            self._end()  # other columns: another COPY, once this one has ended
        assert self.copy_from is not None  # self.copying says so
        if self._copy is None and len(rows) < self.copy_from:
            return False
        found = _insert_job(self.model, rows)
        if found is None or found[1] or len(found[2]) != 1:
            return False
        shape = found[0]
        connection = self.session.connection(bind_arguments={"mapper": shape.mapper})
        job = copy_job(connection, shape, connection.dialect, rows, self._copy)
        if job is None:
            return False
        if self.locate and not job.located:
            # The table names no refused row, now or later in the call: every chunk goes
            # through insert_many, without making its COPY here first.
            self.copying = False
            return False
        self._chunks.append((first, None if self.remake else rows, len(rows)))
        try:
            if self._copy is None:
                self._copy, self._keys = CopyStream(connection, job), keys
            self._copy.write(job)
        except Exception as exc:
            self._copy = None
            raise self._refused(exc) from exc
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
            self._chunks = []

    def _refused(self, exc: Exception) -> Exception:
        """The failure of the open COPY as a BuilderError naming the row the server
        names (its line), with the rows of its chunk; ``exc`` itself when the server
        names none (a lost connection, a foreign key checked at the end), with
        :attr:`failed` set to the rows of the COPY."""
        chunks, self._chunks = self._chunks, []
        line = failed_line(exc) or 0  # counted from 1: 0 names no row
        where = 0
        for first, kept, size in chunks:
            if 0 < line <= where + size:
                rows = kept if kept is not None else self._remade(first, size)
                index = line - where - 1
                error = BuilderError(
                    repr(exc), attributes=rows[index], rows=rows, index=index, first=first
                )
                error.__cause__ = exc
                return error
            where += size
        if chunks:
            self.failed = (chunks[0][0], sum(size for _, _, size in chunks))
        return exc

    def _remade(self, first: int, size: int) -> list[dict[str, Any]]:
        assert self.remake is not None  # a stream that keeps no rows makes them again
        return self.remake(first, size)
