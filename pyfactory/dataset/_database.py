"""pyfactory.dataset.write to a database: the rows of a SQLAlchemy model's dataset into
its table, through the SQLAlchemy builder's bulk path, in one transaction.

Each chunk's rows are made where :mod:`pyfactory.dataset._write` makes them (here, or
in worker processes) and written here, in order. On PostgreSQL through psycopg 3 the
chunks go into one binary ``COPY`` held open across them (``insert_batch``'s stream,
:class:`~pyfactory.builders._sa_stream.InsertStream`), with the same checks of the
columns and values as ``insert_batch``'s COPY: the server writes the rows sent while
the next chunk is made, where a COPY per chunk would wait for each. A COPY is ended
every :data:`STREAM_ROWS` rows, so that a row the server refuses (which it reports
only as the COPY ends) stops the write soon after it. A chunk that COPY cannot take,
and every chunk elsewhere, goes through what ``insert_batch`` uses
(:func:`pyfactory.builders._sa_bulk.insert_many`): one multi-row INSERT per chunk.
The rows do not depend on how many workers made them, and they are written in the
same order, so the table ends with the same rows (and the same generated keys) for
any number.

One transaction holds the whole write: a failing row, a refused value or Ctrl-C
rolls back every row written before it, so a database is never left with part of a
dataset. A URL's password is shown in no message (SQLAlchemy's own rendering hides
it, and a URL it cannot parse is shown with its password cut out).
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyfactory._secrets import Scrubber, shown_url
from pyfactory.dataset._formats import Format, Sink, Where
from pyfactory.errors import BuilderError, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Mapper, Session

    from pyfactory._factory import Factory

__all__ = ["DATABASE", "STREAM_ROWS", "Database", "Remake", "Target", "is_database", "shown"]

#: Rows per COPY of a write to PostgreSQL: a row the server refuses is reported when
#: its COPY ends, after every row sent before then has been made.
STREAM_ROWS = 100_000

#: ``remake(first, count)``: rows ``first`` to ``first + count - 1`` of the dataset made
#: again, to name a row that the server refused once its chunk has been let go.
Remake = Callable[[int, int], list[dict[str, Any]]]


def shown(url: str) -> str:
    """A database URL as messages show it: with no password, even one SQLAlchemy cannot
    read."""
    scrub = Scrubber(url).scrub
    try:
        return scrub(shown_url(url))
    except Exception:  # not a URL SQLAlchemy reads: scrubbed as written
        return scrub(url)


def is_database(to: Any) -> bool:
    """Whether ``to`` names a database: a URL (``scheme://...``) or an Engine."""
    if isinstance(to, str | os.PathLike):
        return "://" in os.fspath(to)
    return hasattr(to, "dialect") and hasattr(to, "connect")


class Database(Format):
    """The "format" of a database write: a chunk's payload is its rows as they are
    (they pickle), and the sink writes them into the model's table."""

    name = "database"

    def encode(self, rows: list[dict[str, Any]], where: Where, extra: Any) -> Any:
        return rows


#: The one Database format, looked up by name in worker processes.
DATABASE = Database()


class Target:
    """A database that a write goes to, checked before any row is made: the engine,
    the model's mapper and its table, which must exist there."""

    def __init__(self, where: Where, factory: type[Factory[Any]], to: Any) -> None:
        self.where = where
        self.call = f"write({where.factory}, ...)"
        try:
            sqlalchemy = importlib.import_module("sqlalchemy")
        except ImportError:
            raise UsageError(
                f"{self.call} to a database needs SQLAlchemy: "
                "pip install 'pyfactory-schema[sqlalchemy]'"
            ) from None
        self.mapper = self._mapper(sqlalchemy, factory)
        self.owned = isinstance(to, str | os.PathLike)
        self.engine: Engine = self._engine(to) if self.owned else to
        url = self.engine.url
        self.scrub = Scrubber(url.render_as_string(hide_password=False)).scrub
        self.shown = shown_url(url)
        if self.engine.dialect.is_async:
            self._dispose()
            raise UsageError(
                f"{self.call} to {self.shown}: {self.engine.dialect.driver} is an asyncio "
                "driver; write through a synchronous one (postgresql+psycopg://, sqlite://)"
            )
        self._check_table(sqlalchemy)

    def _mapper(self, sqlalchemy: Any, factory: type[Factory[Any]]) -> Mapper[Any]:
        model = factory._model
        mapper = sqlalchemy.inspect(model, raiseerr=False) if isinstance(model, type) else None
        if mapper is None or not hasattr(mapper, "local_table"):
            raise UsageError(
                f"{self.call} writes to a database the rows of a SQLAlchemy model's table, "
                f"but {self.where.factory}'s model is {model!r}: write it to a file instead"
            )
        return mapper  # type: ignore[no-any-return]

    def _engine(self, to: str | os.PathLike[str]) -> Engine:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        text = os.fspath(to)
        try:
            url = make_url(text)
        except (ArgumentError, ValueError):
            raise UsageError(f"{self.call}: {shown(text)!r} is not a database URL") from None
        if url.drivername in ("postgresql", "postgres"):
            # COPY needs psycopg 3, the driver of pyfactory's postgres extra; SQLAlchemy's
            # default for a bare postgresql:// is psycopg2.
            url = url.set(drivername="postgresql+psycopg")
        named = shown_url(url)
        try:
            return create_engine(url)
        except NoSuchModuleError:
            raise UsageError(f"{self.call}: SQLAlchemy knows no database {named!r}") from None
        except ImportError as error:
            raise UsageError(
                f"{self.call} to {named}: its driver is not installed ({error})"
            ) from None

    def _check_table(self, sqlalchemy: Any) -> None:
        table: Any = self.mapper.local_table
        try:
            with self.engine.connect() as connection:
                found = sqlalchemy.inspect(connection).has_table(table.name, schema=table.schema)
        except sqlalchemy.exc.DBAPIError as error:
            self._dispose()
            raise UsageError(
                f"{self.call} to {self.shown}: cannot connect ({type(error.orig).__name__}: "
                f"{' '.join(self.scrub(str(error.orig)).split())})"
            ) from None
        if not found:
            self._dispose()
            raise UsageError(
                f"{self.call} to {self.shown}: the table {table.description!r} of "
                f"{self.mapper.class_.__name__} does not exist there; make it first "
                "(metadata.create_all(engine), or your migrations)"
            )

    def sink(self, start: int, remake: Remake) -> DatabaseSink:
        from sqlalchemy.orm import Session

        from pyfactory.builders._sa_session import transaction

        session = Session(self.engine)
        # The builder's own transaction of a create_batch call: on SQLite it begins
        # before the SAVEPOINTs that insert_many takes, which would otherwise open and
        # commit transactions of their own.
        held = contextlib.ExitStack()
        try:
            held.enter_context(transaction(session, commit=False))
        except BaseException:
            session.close()
            self._dispose()
            raise
        return DatabaseSink(self, session, held, start, remake)

    def _dispose(self) -> None:
        if self.owned:
            self.engine.dispose()


class DatabaseSink(Sink):
    """Writes each chunk's rows, into an open COPY or with ``insert_batch``'s bulk path
    (the SQLAlchemy builder's :class:`~pyfactory.builders._sa_stream.InsertStream`), in
    one transaction that :meth:`close` commits and :meth:`abort` rolls back."""

    def __init__(
        self,
        target: Target,
        session: Session,
        held: contextlib.ExitStack,
        start: int,
        remake: Remake,
    ) -> None:
        from pyfactory.builders._sa_stream import InsertStream

        self.target = target
        self.where = target.where
        self.session = session
        self.held = held
        self.start = self.next = start
        mapper = target.mapper
        self.columns = frozenset(mapper.column_attrs.keys())
        self.relationships = frozenset(mapper.relationships.keys())
        # Chunks of any size stream, and every table: a row whose error names no line
        # (a foreign key's) fails the write with the rows of its COPY.
        self.stream = InsertStream(
            session,
            mapper.class_,
            1,
            part_rows=STREAM_ROWS,
            remake=lambda first, count: remake(start + first, count),
            locate=False,
        )

    def append(self, payload: Any) -> None:
        rows: list[dict[str, Any]] = payload
        first, self.next = self.next, self.next + len(rows)
        self._check_keys(rows, first)
        self._streaming(self.stream.write, rows)

    def _streaming(self, step: Callable[..., None], *args: Any) -> None:
        """``step`` of the stream; its failure as the write's error, naming the row of
        the dataset that the database refused, or the rows it wrote together."""
        try:
            step(*args)
        except BuilderError as error:
            raise self._failed(
                error, self.start + error.first, len(error.rows)
            ) from error.__cause__
        except Exception as error:
            if self.stream.failed is None:
                raise
            first, count = self.stream.failed
            found = BuilderError(repr(error), attributes={})
            raise self._failed(found, self.start + first, count) from error

    def _check_keys(self, rows: list[dict[str, Any]], first: int) -> None:
        keys = rows[0].keys() if rows else ()
        if all(row.keys() == keys for row in rows):
            given: set[str] = set(keys)
        else:
            given = set().union(*rows)
        odd = given - self.columns
        if not odd:
            return
        key = min(odd)
        row = next(first + n for n, r in enumerate(rows) if key in r)
        model = self.target.mapper.class_.__name__
        if key in self.relationships:
            why = (
                f"is the relationship {model}.{key}, which a dataset's row holds as a nested "
                "dict, not a row of this table: give its foreign key column a value instead "
                "(such as pyfactory.dataset.pick(OtherFactory, count=N))"
            )
        else:
            why = f"is no column of {model} (table {self.target.mapper.local_table.description!r})"
        raise UsageError(
            f"{self.target.call} to {self.target.shown}: field {key!r} of {self.where} "
            f"(row {row}) {why}; nothing was written"
        )

    def _failed(self, error: BuilderError, first: int, count: int) -> BuilderError:
        """``error`` of the ``count`` rows from row ``first`` (its ``rows`` and ``index``
        those of the chunk it names) as the write's error."""
        if error.index is None:
            what = f"rows {first} to {first + count - 1}"
        else:
            what = f"row {first + error.index}"
        failed = BuilderError(
            f"{self.target.call} to {self.target.shown}: {what} could not be written "
            f"({error.reason}); nothing was written",
            attributes=error.attributes,
            rows=error.rows,
            index=error.index,
        )
        failed.within(self.where.factory, self.where.schema or "")
        return failed

    def close(self) -> None:
        self._streaming(self.stream.close)
        try:
            self.held.close()
            self.session.commit()
        finally:
            self.session.close()
            self.target._dispose()

    def abort(self) -> None:
        try:
            self.stream.abort()
            failed = RuntimeError("the write failed")
            self.held.__exit__(type(failed), failed, None)
            self.session.rollback()
            self.session.close()
        finally:
            self.target._dispose()
