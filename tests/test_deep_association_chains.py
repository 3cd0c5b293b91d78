"""A long chain of distinct factories, each making the next through an association, is
made in every method without reaching Python's recursion limit, which is as it was
afterwards."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, ForeignKey, Table, create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pyfactory import Factory, association, schema
from pyfactory.builders import DictBuilder
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.models.sqlalchemy import Base


class Node(Base):
    __tablename__ = "node"
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int]
    next_id: Mapped[int | None] = mapped_column(ForeignKey("node.id"))
    next: Mapped[Node | None] = relationship(remote_side=[id])


def chain_of(length: int, model: type[Any], builder: Any) -> type[Factory[Any]]:
    """``length`` distinct factory classes, each one's object holding the next one's."""
    following: type[Factory[Any]] | None = None
    for level in reversed(range(length)):

        def basic(self: Any, level: int = level, following: Any = following) -> dict[str, Any]:
            values: dict[str, Any] = {"level": level}
            if following is not None:
                values["next"] = association(following, "basic")
            return values

        following = type(
            f"Level{level}Factory",
            (Factory,),
            {"_model": model, "_model_builder": builder, "basic": schema()(basic)},
        )
    assert following is not None
    return following


def levels(obj: Any) -> list[int]:
    """The levels along a made chain, from a dict or a model."""
    found = []
    while obj is not None:
        if isinstance(obj, dict):
            found.append(obj["level"])
            obj = obj.get("next")
        else:
            found.append(obj.level)
            obj = obj.next
    return found


@pytest.fixture(autouse=True)
def _recursion_limit_is_kept() -> Iterator[None]:
    limit = sys.getrecursionlimit()
    yield
    assert sys.getrecursionlimit() == limit


DICTS = {length: chain_of(length, dict, DictBuilder()) for length in (200, 1000)}

# The chains of 200 run every line the longer ones do: coverage measures those only, and
# the longer ones (past the default recursion limit of 1000, which is their point) run
# untraced, 2 to 4 times faster.
LENGTHS = [200, pytest.param(1000, marks=pytest.mark.untraced)]


@pytest.mark.parametrize("length", LENGTHS)
class TestLongChainsOfDistinctFactories:
    @pytest.mark.parametrize("method", ["attributes", "build", "create"])
    def test_one_object(self, length: int, method: str) -> None:
        made = getattr(DICTS[length](), method)("basic")
        assert levels(made) == list(range(length))

    @pytest.mark.parametrize("method", ["attributes_batch", "build_batch", "create_batch"])
    def test_a_batch(self, length: int, method: str) -> None:
        made = getattr(DICTS[length](), method)("basic", 2)
        assert [levels(m) for m in made] == [list(range(length))] * 2

    async def test_acreate(self, length: int) -> None:
        made = await DICTS[length]().acreate("basic")
        assert levels(made) == list(range(length))

    async def test_acreate_batch(self, length: int) -> None:
        made = await DICTS[length]().acreate_batch("basic", 2)
        assert [levels(m) for m in made] == [list(range(length))] * 2

    @pytest.mark.skipif(
        sys.version_info < (3, 11),
        reason="Python 3.10 keeps its recursion limit outside the main thread (docs/fields.rst)",
    )
    def test_in_another_thread(self, length: int) -> None:
        made: list[Any] = []
        worker = threading.Thread(target=lambda: made.append(DICTS[length]().build("basic")))
        worker.start()
        worker.join()
        assert levels(made[0]) == list(range(length))


@pytest.mark.untraced  # see LENGTHS
def test_a_chain_of_five_thousand_levels_builds() -> None:
    assert len(levels(chain_of(5000, dict, DictBuilder())().build("basic"))) == 5000


@pytest.fixture
def db_tables() -> list[Table]:
    """The node table, for the SQLite file of ``sqlite_engine``."""
    return [Node.__table__]


@pytest.fixture
def sqlite_file(sqlite_engine: Engine, sqlite_path: Path) -> Path:
    """The test's SQLite file (tests/plugins/databases.py), with the node table."""
    return sqlite_path


@pytest.mark.parametrize("length", LENGTHS)
class TestOnADatabase:
    def test_create_writes_every_row_linked(self, sqlite_file: Path, length: int) -> None:
        engine = create_engine(f"sqlite:///{sqlite_file}")
        try:
            with Session(engine) as session:
                top = chain_of(length, Node, SQLAlchemyBuilder())(session=session).create("basic")
                session.commit()
                top_id = top.id
            with Session(engine) as session:
                found = session.get(Node, top_id)
                assert levels(found) == list(range(length))
                assert len(session.scalars(select(Node.id)).all()) == length
        finally:
            engine.dispose()

    def test_create_batch_writes_every_row_linked(self, sqlite_file: Path, length: int) -> None:
        engine = create_engine(f"sqlite:///{sqlite_file}")
        try:
            with Session(engine) as session:
                factory = chain_of(length, Node, SQLAlchemyBuilder())(session=session)
                tops = factory.create_batch("basic", 3)
                session.commit()
                assert [levels(t) for t in tops] == [list(range(length))] * 3
                assert len(session.scalars(select(Node.id)).all()) == 3 * length
        finally:
            engine.dispose()

    async def test_acreate_writes_every_row_linked(self, sqlite_file: Path, length: int) -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{sqlite_file}")
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                factory = chain_of(length, Node, AsyncSQLAlchemyBuilder())(session=session)
                await factory.acreate("basic")
                await session.commit()
                ids = (await session.scalars(select(Node.id))).all()
                assert len(ids) == length
        finally:
            await engine.dispose()
