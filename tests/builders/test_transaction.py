"""A builder's transaction wraps each top-level create call, children included, so a
failure part way leaves nothing behind: tested on a real SQLite file."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyfactory import BuilderError, Context, Factory, HookError, after, association, schema
from pyfactory import sequence as seq
from pyfactory.builders import ModelBuilder


@dataclasses.dataclass
class Author:
    name: str
    id: int | None = None


@dataclasses.dataclass
class Book:
    title: str | None
    author: Author
    id: int | None = None


class SQLiteBuilder(ModelBuilder[Any]):
    """Inserts one row per object into the table named after the model; counts savepoints."""

    def __init__(self) -> None:
        self.savepoints = 0

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        connection: sqlite3.Connection = context.require("connection")
        row = {
            (f"{k}_id" if dataclasses.is_dataclass(v) else k): (
                v.id if dataclasses.is_dataclass(v) else v
            )
            for k, v in attributes.items()
        }
        cursor = connection.execute(
            f"INSERT INTO {model.__name__.lower()} ({', '.join(row)}) "
            f"VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        obj = model(**attributes)
        obj.id = cursor.lastrowid
        return obj

    async def acreate(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        return self.create(model, attributes, context)

    @contextlib.contextmanager
    def transaction(self, context: Context) -> Iterator[None]:
        connection: sqlite3.Connection = context.require("connection")
        self.savepoints += 1
        connection.execute("SAVEPOINT pf")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK TO SAVEPOINT pf")
            connection.execute("RELEASE SAVEPOINT pf")
            raise
        connection.execute("RELEASE SAVEPOINT pf")

    @contextlib.asynccontextmanager
    async def atransaction(self, context: Context) -> AsyncIterator[None]:
        with self.transaction(context):
            yield


BUILDER = SQLiteBuilder()


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = BUILDER

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": seq("author {n}")}


class BookFactory(Factory[Book]):
    _model = Book
    _model_builder = BUILDER

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": seq("book {n}"), "author": association(AuthorFactory, "basic")}


class CheckedBookFactory(BookFactory):
    @after("create")
    def refuse_unlucky(self, book: Book, attrs: Any) -> None:
        if book.title == "thirteen":
            raise ValueError("unlucky title")


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "books.sqlite3")
    conn.executescript(
        """
        CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE book (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            author_id INTEGER NOT NULL REFERENCES author (id)
        );
        """
    )
    yield conn
    conn.close()


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


class TestTransaction:
    def test_create_that_fails_leaves_no_child_row(self, connection: sqlite3.Connection) -> None:
        """A NOT NULL failure of the parent rolls back the author its call had written."""
        books = BookFactory(connection=connection)
        books.create("basic")
        with pytest.raises(
            BuilderError, match=r"BookFactory\.basic: SQLiteBuilder\.create\(Book\)"
        ):
            books.create("basic", title=None)
        assert (count(connection, "author"), count(connection, "book")) == (1, 1)

    def test_one_savepoint_per_call_not_per_child(self, connection: sqlite3.Connection) -> None:
        """The child's create runs inside the parent's savepoint, not one of its own."""
        before = BUILDER.savepoints
        BookFactory(connection=connection).create("basic")
        BookFactory(connection=connection).create_batch("basic", 3)
        assert BUILDER.savepoints - before == 2
        assert count(connection, "book") == 4

    def test_hook_failure_rolls_back_the_row(self, connection: sqlite3.Connection) -> None:
        """An after-create hook that raises undoes the rows its call wrote."""
        with pytest.raises(HookError, match="after-create hook refuse_unlucky raised"):
            CheckedBookFactory(connection=connection).create("basic", title="thirteen")
        assert (count(connection, "author"), count(connection, "book")) == (0, 0)

    def test_create_batch_is_all_or_nothing(self, connection: sqlite3.Connection) -> None:
        """A batch whose third row fails leaves none of its rows."""
        books = CheckedBookFactory(connection=connection)
        titles = iter(["one", "two", "thirteen"])
        with pytest.raises(HookError):
            books.create_batch("basic", 3, title=seq(lambda n: next(titles)))
        assert (count(connection, "author"), count(connection, "book")) == (0, 0)

    def test_earlier_rows_and_the_connection_stay_usable(
        self, connection: sqlite3.Connection
    ) -> None:
        """After a rolled-back call the caller's transaction goes on and can commit."""
        books = BookFactory(connection=connection)
        books.create("basic")
        with pytest.raises(BuilderError):
            books.create("basic", title=None)
        books.create("basic")
        connection.commit()
        assert count(connection, "book") == 2

    async def test_acreate_rolls_back_too(self, connection: sqlite3.Connection) -> None:
        """acreate and acreate_batch run inside the builder's atransaction."""
        books = BookFactory(connection=connection)
        await books.acreate("basic")
        with pytest.raises(BuilderError, match=r"SQLiteBuilder\.acreate\(Book\)"):
            await books.acreate("basic", title=None)
        with pytest.raises(BuilderError):
            await books.acreate_batch("basic", 2, title=None)
        assert (count(connection, "author"), count(connection, "book")) == (1, 1)

    def test_builders_without_transactions_are_not_wrapped(self) -> None:
        """A builder that keeps the default transaction() is called without one."""
        assert BookFactory._pf_atomic is True

        class Plain(Factory[Author]):
            _model = Author

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x"}

        assert Plain._pf_atomic is False
        assert Plain().create("basic") == Author(name="x")
