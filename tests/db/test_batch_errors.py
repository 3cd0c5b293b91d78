"""A bulk write that fails names the call, the row that failed and its values, on a
SQLite file and PostgreSQL: here a UNIQUE violation at the 7,777th row of 10,000.

The databases do not say which row of a multi-row INSERT failed, so the builder writes
each group of rows in a SAVEPOINT and, when it fails, writes them again one at a time
in another SAVEPOINT that it then rolls back, to find the first row that fails alone.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyfactory import BuilderError, lazy, many
from tests.db.blog import ASYNC, SYNC, Author, Post, Tag

COUNT = 10_000
TAKEN = "author7777@example.com"  # the email that the 7,777th row of a fresh sequence gets


def _emails() -> Any:
    """``author1@example.com`` for the first row of the batch, and so on: counted here,
    since a sequence's numbers differ between pytest-xdist workers."""
    numbers = itertools.count(1)
    return lazy(lambda attrs: f"author{next(numbers)}@example.com")


def _authors(session: Session) -> list[str]:
    return list(session.scalars(select(Author.email)))


def _names(prefix: str) -> Any:
    numbers = itertools.count(1)
    return lazy(lambda attrs: f"{prefix}{next(numbers)}")


class TestTheFailingRow:
    @pytest.mark.parametrize("call", ["insert_batch", "create_batch"])
    def test_a_unique_violation_at_row_7777(self, session: Session, call: str) -> None:
        """The 7,777th of 10,000 rows repeats a stored email: the error names the call,
        row 7776 (the 7,777th) and its values, and the call leaves no row behind."""
        session.execute(insert(Author), [{"name": "First", "email": TAKEN}])
        authors = SYNC["Author"](session=session)
        with pytest.raises(BuilderError) as info:
            getattr(authors, call)(COUNT, name="Ann", email=_emails())
        method = "insert_many" if call == "insert_batch" else "create_many"
        message = str(info.value)
        assert message.startswith(
            f"AuthorFactory.basic: {call}() failed on row 7776 (the 7,777th row): "
            f"SQLAlchemyBuilder.{method}(Author) raised IntegrityError("
        )
        assert message.endswith(f"; the row: {{'email': '{TAKEN}', 'name': 'Ann'}}")
        assert info.value.index == 776  # in its chunk of 1,000 rows
        assert info.value.attributes == {"name": "Ann", "email": TAKEN}
        assert _authors(session) == [TAKEN]

    def test_two_rows_of_the_batch_that_clash(self, session: Session) -> None:
        """Row 9000 repeats row 10's email: the later one, row 9000, is named."""
        numbers = itertools.count()
        names = lazy(lambda attrs: str(next(numbers)))
        emails = lazy(
            lambda a: "same@example.com" if a["name"] in ("10", "9000") else f"{a['name']}@x.org"
        )
        authors = SYNC["Author"](session=session)
        with pytest.raises(BuilderError) as info:
            authors.create_batch(COUNT, name=names, email=emails)
        assert "create_batch() failed on row 9000 (the 9,001st row)" in str(info.value)
        assert _authors(session) == []

    def test_a_child_row(self, session: Session) -> None:
        """A post's tag repeats a stored name: the path goes to that tag, and the message
        says where it was among the tags written together."""
        session.execute(insert(Tag), [{"name": "tag7777"}])
        posts = SYNC["Post"](session=session)
        with pytest.raises(BuilderError) as info:
            posts.create_batch(1, tags=many(SYNC["Tag"], count=COUNT, name=_names("tag")))
        message = str(info.value)
        assert message.startswith(
            "PostFactory.basic → tags[7776] (TagFactory.basic): create_batch() failed on "
            "this row, the 7,777th of 10,000 TagFactory rows written together: "
            "SQLAlchemyBuilder.create_many(Tag) raised IntegrityError("
        )
        assert message.endswith("; the row: {'name': 'tag7777'}")
        assert session.scalar(select(func.count()).select_from(Post)) == 0


class TestAsync:
    @pytest.mark.parametrize("call", ["ainsert_batch", "acreate_batch"])
    async def test_a_unique_violation_at_row_7777(
        self, async_session: AsyncSession, call: str
    ) -> None:
        """The same through an AsyncSession (aiosqlite, asyncpg)."""
        await async_session.execute(insert(Author), [{"name": "First", "email": TAKEN}])
        authors = ASYNC["Author"](session=async_session)
        with pytest.raises(BuilderError) as info:
            await getattr(authors, call)(COUNT, name="Ann", email=_emails())
        method = "ainsert_many" if call == "ainsert_batch" else "acreate_many"
        assert str(info.value).startswith(
            f"AuthorFactory.basic: {call}() failed on row 7776 (the 7,777th row): "
            f"AsyncSQLAlchemyBuilder.{method}(Author) raised IntegrityError("
        )
        emails = (await async_session.scalars(select(Author.email))).all()
        assert list(emails) == [TAKEN]
