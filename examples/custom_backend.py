"""A pyfactory backend of your own: a builder that writes rows with the standard library's sqlite3.

This is the builder that the "Writing your own backend" how-to in the docs
(docs/builders.rst) builds step by step. Run it with:

    python examples/custom_backend.py

It works on an in-memory database, so it leaves no file behind.
"""

import contextlib
import dataclasses
import sqlite3
from collections.abc import Iterator
from typing import Any, ClassVar

from pyfactory import (
    BuilderError,
    Context,
    Factory,
    MissingContextError,
    association,
    fake,
    schema,
    sequence,
)
from pyfactory.builders import ModelBuilder

# --- The models: plain dataclasses that name their table. -------------------


@dataclasses.dataclass
class Author:
    __table__: ClassVar[str] = "authors"

    name: str
    email: str
    id: int | None = None


@dataclasses.dataclass
class Book:
    __table__: ClassVar[str] = "books"

    title: str
    author: Author
    id: int | None = None


TABLES = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors (id)
);
"""

# --- The builder: finished attributes in, a stored object out. --------------


class SQLiteBuilder(ModelBuilder[Any]):
    """Writes each object as one row of its model's ``__table__`` and sets its ``id``."""

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        connection = context.require("connection")
        row = {}
        for name, value in attributes.items():
            if dataclasses.is_dataclass(value):
                # An association's child was created first, so it has its id already.
                row[f"{name}_id"] = value.id
            else:
                row[name] = value
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = connection.execute(
            f"INSERT INTO {model.__table__} ({columns}) VALUES ({marks})",
            list(row.values()),
        )
        obj = model(**attributes)
        obj.id = cursor.lastrowid
        return obj


class AtomicSQLiteBuilder(SQLiteBuilder):
    """The same builder, with a SAVEPOINT around each top-level create call."""

    @contextlib.contextmanager
    def transaction(self, context: Context) -> Iterator[None]:
        connection = context.require("connection")
        connection.execute("SAVEPOINT pyfactory")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK TO SAVEPOINT pyfactory")
            connection.execute("RELEASE SAVEPOINT pyfactory")
            raise
        connection.execute("RELEASE SAVEPOINT pyfactory")


# --- The factories: they name the builder; everything else is as usual. ----


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = SQLiteBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),
            "email": sequence("author{n}@example.com"),
        }


class BookFactory(Factory[Book]):
    _model = Book
    _model_builder = SQLiteBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "title": sequence("Book {n}"),
            "author": association(AuthorFactory, "basic"),
        }


class AtomicBookFactory(BookFactory):
    _model_builder = AtomicSQLiteBuilder()


def main() -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(TABLES)
        books = BookFactory(connection=connection, seed=1)

        book = books.create("basic")
        print(f"created {book.title!r} (id {book.id}) by author id {book.author.id}")

        books.create_batch("basic", 3)
        draft = books.build("basic")  # build() makes the objects and writes nothing
        print(f"built {draft.title!r} (id {draft.id}), not stored")

        print("rows in the database:")
        query = """
            SELECT books.id, books.title, authors.id, authors.email
            FROM books JOIN authors ON authors.id = books.author_id
            ORDER BY books.id
        """
        for book_id, title, author_id, email in connection.execute(query):
            print(f"  book {book_id}: {title:<8} author {author_id} <{email}>")
        connection.commit()

        # A create that fails part way leaves nothing behind: the author it wrote
        # before the book's NOT NULL failure is rolled back to the savepoint.
        authors_before = connection.execute("SELECT count(*) FROM authors").fetchone()[0]
        try:
            AtomicBookFactory(connection=connection).create("basic", title=None)
        except BuilderError as error:
            print(f"a failed create: {error}")
        authors_after = connection.execute("SELECT count(*) FROM authors").fetchone()[0]
        print(f"authors before and after the failed create: {authors_before}, {authors_after}")
        assert authors_before == authors_after

        # A factory made without the connection says which call fixes it.
        try:
            BookFactory().create("basic")
        except MissingContextError as error:
            print(f"without a connection: {error}")
    finally:
        connection.close()


if __name__ == "__main__":
    main()
