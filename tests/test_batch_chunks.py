"""A batch is written in chunks of ``_batch_size`` rows, but its rows are numbered in
the whole batch: ``ctx.index`` and ``each()`` go on from one chunk to the next, as
they do in a batch of one chunk."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyfactory import Factory, each, schema
from pyfactory.fields import SpecialField
from tests.db.blog import ASYNC, SYNC, Author


class Index(SpecialField[int]):
    """ctx.index, as a custom field reads it."""

    def resolve(self, ctx: Any) -> int:
        return int(ctx.index)

    def describe(self) -> str:
        return "index"


class Row(Factory[dict[str, Any]]):
    _model = dict
    _batch_size = 3

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"i": Index(), "letter": each("abcdefghij"[n] for n in range(10))}


@pytest.mark.parametrize("method", ["attributes_batch", "build_batch"])
def test_the_index_and_each_go_on_across_chunks(method: str) -> None:
    rows = getattr(Row(), method)("basic", 7)
    assert [row["i"] for row in rows] == [0, 1, 2, 3, 4, 5, 6]
    assert [row["letter"] for row in rows] == list("abcdefg")


def test_a_batch_of_one_chunk_gives_the_same_rows() -> None:
    class OneChunk(Row):
        _batch_size = 1000

    assert OneChunk().build_batch("basic", 7) == Row().build_batch("basic", 7)


def authors(base: type[Factory[Any]]) -> type[Factory[Any]]:
    class ChunkedAuthorFactory(base):  # type: ignore[misc, valid-type]
        _batch_size = 2

        @schema()
        def lettered(self) -> dict[str, Any]:
            return {
                "name": each(["ann", "bob", "cid", "dee", "eve"]),
                "email": each([f"{n}@example.org" for n in range(5)]),
            }

    return ChunkedAuthorFactory


def test_create_batch_numbers_the_rows_of_every_chunk(session: Session) -> None:
    made = authors(SYNC["Author"])(session=session).create_batch("lettered", 5)
    assert [a.name for a in made] == ["ann", "bob", "cid", "dee", "eve"]
    stored = session.scalars(select(Author.email).order_by(Author.id)).all()
    assert stored == [f"{n}@example.org" for n in range(5)]


async def test_acreate_batch_numbers_the_rows_of_every_chunk(
    async_session: AsyncSession,
) -> None:
    made = await authors(ASYNC["Author"])(session=async_session).acreate_batch("lettered", 5)
    assert [a.name for a in made] == ["ann", "bob", "cid", "dee", "eve"]
