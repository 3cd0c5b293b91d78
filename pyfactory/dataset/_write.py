"""pyfactory.dataset.write: a dataset into a Parquet, CSV or JSON Lines file or into a
database table (:mod:`pyfactory.dataset._database`), made by one process or several,
with the same bytes, or rows, either way.

The rows ``start`` to ``start + count - 1`` are cut into chunks of ``chunk_size``
rows, at boundaries that depend on ``start``, ``count`` and ``chunk_size`` alone.
Each chunk is made and encoded on its own (:mod:`pyfactory.dataset._formats`): in
this process with ``workers=1``, in worker processes otherwise, which find the
factory class again by its module and qualified name. The parent appends the
chunks to the file in their order, holding at most two chunks per worker at a time,
so a file of any size is written in flat memory. A chunk depends only on its rows
and its rows only on (seed, row index), so the file does not depend on ``workers``.

The file is written under a temporary name in its directory and renamed once it is
complete: a failed write leaves no partial file behind, and a reader never sees one.
"""

from __future__ import annotations

import collections
import importlib
import multiprocessing
import os
import pickle
import secrets
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyfactory.dataset._args import check_int, seeded
from pyfactory.dataset._database import DATABASE, Target, is_database
from pyfactory.dataset._formats import FORMATS, Format, Sink, Where
from pyfactory.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pyfactory._factory import Factory

__all__ = ["write"]

#: How many rows :func:`write` makes at a time, and a Parquet file's row group size.
WRITE_CHUNK_SIZE = 10_000

#: Chunks in flight per worker: one being made while the parent writes another.
_AHEAD = 2


def write(
    factory: type[Factory[Any]] | Factory[Any],
    schema: str | None = None,
    /,
    *traits: str,
    count: int,
    seed: int,
    to: str | os.PathLike[str] | Engine,
    workers: int = 1,
    start: int = 0,
    format: str | None = None,
    chunk_size: int = WRITE_CHUNK_SIZE,
    progress: Callable[[int], object] | None = None,
    **overrides: Any,
) -> int:
    """Write rows ``start`` to ``start + count - 1`` of the dataset of ``factory``'s
    ``schema`` for ``seed`` (the rows :func:`~pyfactory.dataset.generate` gives) to the
    file or database ``to``, and return how many rows were written.

    A database is a SQLAlchemy URL (``sqlite:///app.db``,
    ``postgresql://user:pass@host/db``) or a SQLAlchemy ``Engine``, and the factory's
    model a SQLAlchemy mapped class whose table exists there. The rows go in with
    ``insert_batch``'s checks, a chunk at a time: on PostgreSQL through psycopg 3 (a
    bare ``postgresql://`` URL uses it) into a binary ``COPY`` held open across
    chunks, ended once it holds 100,000 rows; one multi-row INSERT per chunk
    elsewhere. One transaction holds them all: an error leaves none written. A row's
    fields must be columns of the table: give a foreign key column a value (such as
    :func:`~pyfactory.dataset.pick`), not a relationship.

    The format is ``format`` (``"parquet"``, ``"csv"`` or ``"jsonl"``), or else the
    suffix of ``to`` (``.parquet``, ``.csv``, ``.jsonl``):

    * Parquet (needs pyarrow: ``pip install pyfactory-schema[dataset]``): typed
      columns from the model's fields (``int`` is int64, ``str`` string, ``datetime``
      a microsecond timestamp, ``Decimal`` with max digits a decimal128, ``UUID``
      Parquet's UUID type, or a string before pyarrow 18); a field the model says
      nothing of (a ``dict`` model's) takes the type pyarrow infers from the first
      chunk. Associations are struct columns and ``many`` fields lists of structs.
      One row group per chunk.
    * CSV: a header of the fields, then a line per row (the csv module's default
      dialect). ``None`` is an empty cell; dates, datetimes and times are ISO
      strings, UUIDs and Decimals ``str()``, Enum members their value. Associations,
      ``many`` fields and bytes are refused.
    * JSON Lines: one JSON object per line, UTF-8. Associations are nested objects
      and ``many`` fields arrays; dates, datetimes and times are ISO strings, UUIDs
      and Decimals ``str()`` (strings, not numbers), Enum members their value.

    Args:
        factory: A factory class, or an instance whose context is kept (as for
            :func:`~pyfactory.dataset.generate`).
        schema: The schema; the factory's ``_default_schema`` when left out.
        *traits: Traits applied to every row.
        count: How many rows.
        seed: The dataset's seed.
        to: The file's path (its directory must exist; a file already there is
            replaced, once the new one is complete), or a database's URL or Engine.
        workers: How many processes make the rows. With more than one, the factory
            class must be importable by its module and name (not defined in a
            function, nor in an interactive session), and the traits, overrides and an instance's
            context must pickle. The file's bytes, or the table's rows, are the same
            for any number.
        start: The index of the first row.
        format: The format, when the suffix of ``to`` does not say it.
        chunk_size: How many rows are made and written at a time; a Parquet row
            group; a database's COPY or INSERT. It changes the file's layout, never
            its rows.
        progress: Called with the number of rows written so far after each chunk
            (what ``pyfactory generate``'s progress bar shows).
        **overrides: Overrides for every row, as for ``attributes()``.

    Raises:
        UsageError: A bad argument, path or format, a factory the workers cannot
            import, or a value the format cannot hold (the message names the factory,
            the schema and the field), a database that cannot be reached or lacks the
            table; before the file is replaced or the transaction committed.
        FactoryError: A field, hook or builder error of a row, of the same class and
            message as a single process gives, whichever process made the row; a
            row the database refuses is a BuilderError naming its index.
    """
    made = seeded("write", factory, seed)
    cls = type(made)
    name = cls.__name__
    for what, value, least in (("count", count, 0), ("start", start, 0)):
        check_int("write", name, what, value, least)
    check_int("write", name, "chunk_size", chunk_size, 1)
    check_int("write", name, "workers", workers, 1)
    made._pf_names(schema, traits)
    where = Where(name, made._pf_batch_schema(schema))
    if progress is not None and not callable(progress):
        raise UsageError(f"write({name}, ...) progress must be a callable, got {progress!r}")
    database = is_database(to)
    if database:
        if format is not None:
            raise UsageError(f"write({name}, ...) format= is for files, not databases")
        fmt: Format = DATABASE
        extra = None
    else:
        path = _file_path(name, to)
        fmt = _format_of(name, path, format)
        extra = _prepare(fmt, cls, where)
    job = _Job(
        _locate(cls) if workers > 1 else None,
        dict(made.context) if not isinstance(factory, type) else None,
        schema,
        traits,
        overrides,
        seed,
        fmt.name,
        where,
        extra,
    )
    if workers > 1:
        _check_pickles(name, job)
    # Made as they are needed, not listed: memory stays flat in count.
    chunks = (
        (first, min(chunk_size, start + count - first))
        for first in range(start, start + count, chunk_size)
    )
    if database:
        # The rows of a chunk made again, to name the row the server refused (the
        # same rows, whichever process made them first).
        def remake(first: int, n: int) -> list[dict[str, Any]]:
            return made._pf_dataset_rows(schema, traits, overrides, first, n)

        sink = Target(where, cls, to).sink(start, remake)
        _fill(sink, job, made, chunks, workers, progress)
        return count
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as file:
            _fill(fmt.sink(file, where, extra), job, made, chunks, workers, progress)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


@dataclass(frozen=True)
class _Job:
    """What a worker needs to make and encode any chunk: it pickles."""

    located: tuple[str, str] | None
    context: dict[str, Any] | None
    schema: str | None
    traits: tuple[str, ...]
    overrides: dict[str, Any]
    seed: int
    format: str
    where: Where
    extra: Any


def _fill(
    sink: Sink,
    job: _Job,
    made: Factory[Any],
    chunks: Iterator[tuple[int, int]],
    workers: int,
    progress: Callable[[int], object] | None,
) -> None:
    """Every chunk's payload appended to ``sink`` in order, made here or by workers;
    the sink closed, or aborted on any error (Ctrl-C too)."""
    done = 0

    def append(payload: Any, n: int) -> None:
        nonlocal done
        sink.append(payload)
        done += n
        if progress is not None:
            progress(done)

    try:
        if workers == 1:
            for first, n in chunks:
                append(*_encode(job, first, n, made))
        else:
            _in_workers(job, chunks, workers, append)
        sink.close()
    except BaseException:
        sink.abort()
        raise


def _encode(job: _Job, first: int, n: int, made: Factory[Any] | None = None) -> Any:
    """The payload of rows ``first`` to ``first + n - 1``, made as generate() makes a
    chunk. In a worker, the seeded factory is made again from its class, found by
    its module and name, and the context."""
    if made is None:
        made = _worker_factory(job)
    rows = made._pf_dataset_rows(job.schema, job.traits, job.overrides, first, n)
    fmt = DATABASE if job.format == DATABASE.name else FORMATS[job.format]
    return fmt.encode(rows, job.where, job.extra), n


#: In a worker process: the job whose factory it made last, and that factory. Kept for
#: the job's next chunk: a new factory would make a new Faker and new plans, whose
#: pick() fields would make again the rows they pointed at in the last chunk.
_worker_made: tuple[_Job, Factory[Any]] | None = None


def _worker_factory(job: _Job) -> Factory[Any]:
    global _worker_made
    if _worker_made is not None and _worker_made[0] == job:
        return _worker_made[1]
    assert job.located is not None
    made: Factory[Any] = _resolve(*job.located)(seed=job.seed, **(job.context or {}))
    _worker_made = (job, made)
    return made


def _in_workers(
    job: _Job,
    chunks: Iterator[tuple[int, int]],
    workers: int,
    append: Callable[[Any, int], None],
) -> None:
    """Each chunk made by a pool of processes, appended in order; at most
    ``_AHEAD * workers`` chunks in flight. The 'spawn' start method: a worker imports
    what it needs afresh rather than copying this process's threads and locks."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: collections.deque[Future[Any]] = collections.deque()
        try:
            for first, n in chunks:
                pending.append(pool.submit(_encode, job, first, n))
                if len(pending) >= _AHEAD * workers:
                    break
            while pending:
                payload, n = pending.popleft().result()
                for first, size in chunks:  # the next one, if any
                    pending.append(pool.submit(_encode, job, first, size))
                    break
                append(payload, n)
        except BrokenProcessPool:
            raise UsageError(
                f"write({job.where.factory}, ..., workers={workers}): a worker process "
                "stopped abruptly. Worker processes import the program that calls write() "
                'again: put that call under `if __name__ == "__main__":`. Otherwise a '
                "worker ran out of memory or was killed"
            ) from None
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _locate(cls: type[Any]) -> tuple[str, str]:
    """The module and qualified name a worker finds ``cls`` by; refused for a class it
    could not find (made in a function, or in the ``__main__`` of an interactive
    session or ``python -c``).

    A class of a script's ``__main__`` is found: a 'spawn' worker runs the script again
    as its own ``__main__`` (so the call of ``write`` belongs under ``if __name__ ==
    "__main__":``, as for any multiprocessing script)."""
    module, qualname = cls.__module__, cls.__qualname__
    why = None
    if "<locals>" in qualname:
        why = "it is defined in a function"
    elif module == "__main__" and getattr(sys.modules.get("__main__"), "__file__", None) is None:
        why = (
            "it is defined in the __main__ of an interactive session or python -c, "
            "which worker processes cannot import"
        )
    else:
        try:
            found = _resolve(module, qualname)
        except (ImportError, AttributeError):
            found = None
        if found is not cls:
            why = f"{module}.{qualname} does not name it"
    if why is not None:
        raise UsageError(
            f"write({cls.__name__}, ..., workers=N) needs a factory class that worker "
            f"processes can import by its module and name, but {why}: define it at the "
            "top level of an importable module, or write with workers=1"
        )
    return module, qualname


def _resolve(module: str, qualname: str) -> Any:
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _check_pickles(name: str, job: _Job) -> None:
    try:
        pickle.dumps(job)
    except Exception as error:
        raise UsageError(
            f"write({name}, ..., workers=N) sends the traits, overrides and the factory's "
            f"context to worker processes, but they do not pickle ({error}): pass values "
            "that pickle, or write with workers=1"
        ) from None


def _format_of(name: str, path: Path, format: str | None) -> Format:
    if format is not None:
        found = FORMATS.get(format) if isinstance(format, str) else None
        if found is None:
            raise UsageError(
                f"write({name}, ...) format must be one of {sorted(FORMATS)}, got {format!r}"
            )
        return found
    suffix = path.suffix.lower()
    for fmt in FORMATS.values():
        if suffix in fmt.suffixes:
            return fmt
    known = ", ".join(s for f in FORMATS.values() for s in f.suffixes)
    raise UsageError(
        f"write({name}, ...) cannot tell the format of {str(path)!r} from its suffix: "
        f"name the file with one of {known}, or pass format="
    )


def _file_path(name: str, to: Any) -> Path:
    if not isinstance(to, str | os.PathLike):
        raise UsageError(
            f"write({name}, ...) to must be a file path, a database URL or a SQLAlchemy "
            f"Engine, got {to!r}"
        )
    path = Path(os.fspath(to))
    _check_path(name, path)
    return path


def _check_path(name: str, path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"write({name}, ...) to {str(path)!r} is a directory, not a file")
    if not path.parent.is_dir():
        raise UsageError(
            f"write({name}, ...) to {str(path)!r}: the directory {str(path.parent)!r} "
            "does not exist"
        )


def _prepare(fmt: Format, cls: type[Factory[Any]], where: Where) -> Any:
    if fmt.name == "parquet":
        try:
            importlib.import_module("pyarrow")
        except ImportError:
            raise UsageError(
                f"write({where.factory}, ...) to Parquet needs pyarrow: "
                "pip install 'pyfactory-schema[dataset]'"
            ) from None
    return fmt.prepare(cls, where)
