"""Where the sync and async paths of seeding used to differ, and now run one body:
each behaviour shown on a synchronous session or engine and on an async one, against
the real databases (a SQLite file and PostgreSQL)."""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url
from sqlalchemy import inspect as inspect_db
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from pyfactory import AsyncModeError
from pyfactory.cli import main
from pyfactory.seeding import Seed, SeedContext, SeedFailedError, arun_seeds, run_seeds
from tests.seeding.shop import Tag, count

# ------------------------------------------------------------------ a plain def's awaitable


def hidden_async(method: str, made: list[Coroutine[Any, Any, Any]]) -> type[Seed]:
    """A seed whose ``method`` is a plain ``def`` that hands back a coroutine (as a
    decorator that does not keep ``async def`` does), after writing a tag."""

    async def later() -> bool:
        return True

    def hands_back_a_coroutine(self: Seed, ctx: SeedContext) -> Any:
        ctx.session.add(Tag(name="written, then rolled back"))
        made.append(later())
        return made[-1]

    def run(self: Seed, ctx: SeedContext) -> None:
        ctx.session.add(Tag(name="never written"))

    return type("Hidden", (Seed,), {"run": run, method: hands_back_a_coroutine})


@pytest.mark.parametrize("method", ["should_run", "run"])
class TestAPlainDefThatReturnsAnAwaitable:
    def test_fails_the_seed_on_a_session(self, engine: Engine, method: str) -> None:
        """On a Session: the seed fails, saying the method is async; the coroutine is
        closed, and the seed's rows are rolled back."""
        made: list[Coroutine[Any, Any, Any]] = []
        with pytest.raises(SeedFailedError) as caught:
            run_seeds(hidden_async(method, made), engine)
        assert isinstance(caught.value.__cause__, AsyncModeError)
        assert str(caught.value).startswith(
            f"seed Hidden failed: AsyncModeError: Hidden.{method} is async def, and the URL "
        )
        assert inspect.getcoroutinestate(made[0]) == inspect.CORO_CLOSED
        with Session(engine) as session:
            assert session.scalar(count(Tag)) == 0

    async def test_fails_the_seed_on_an_async_session(
        self, async_engine: AsyncEngine, method: str
    ) -> None:
        """On an AsyncSession, where the plain def runs inside run_sync: the seed fails
        the same way (it used to count as run, its coroutine dropped unawaited and its
        rows committed), saying why and what to write instead."""
        made: list[Coroutine[Any, Any, Any]] = []
        with pytest.raises(SeedFailedError) as caught:
            await arun_seeds(hidden_async(method, made), async_engine)
        assert isinstance(caught.value.__cause__, AsyncModeError)
        assert str(caught.value) == (
            f"seed Hidden failed: AsyncModeError: Hidden.{method} returned an awaitable but "
            "is a plain def, which runs inside AsyncSession.run_sync with a synchronous "
            "ctx.session: write it as async def (a decorator on it must keep it an async "
            "def function) (its rows were rolled back; no seed ran before it)"
        )
        assert inspect.getcoroutinestate(made[0]) == inspect.CORO_CLOSED
        async with AsyncSession(async_engine) as session:
            assert await session.scalar(count(Tag)) == 0


# ------------------------------------------------------------------ --create-tables

#: Two metadata: the second's table cannot be created (PostgreSQL checks a default's
#: function when the table is made).
TWO_METADATA = """
    from sqlalchemy import Column, Integer, MetaData, Table, text

    from pyfactory.seeding import Seed

    first = MetaData()
    Table("made_first", first, Column("id", Integer, primary_key=True))
    second = MetaData()
    Table(
        "broken",
        second,
        Column("id", Integer, primary_key=True),
        Column("at", Integer, server_default=text("no_such_function()")),
    )


    class Nothing(Seed):
        def run(self, ctx):
            pass
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """tmp_path as the current directory, with the path and modules as they were
    afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.mark.parametrize("driver", ["postgresql+psycopg", "postgresql+asyncpg"])
def test_create_tables_that_fails_creates_none(
    here: Path,
    postgres_database_url: str,
    make_engine: Any,
    capsys: pytest.CaptureFixture[str],
    driver: str,
) -> None:
    """--create-tables makes the tables of every metadata in one transaction, on a sync
    engine as on an async one (the sync path used to commit each metadata on its own,
    leaving the first one's tables behind); a table that cannot be made is one line on
    standard error and exit code 2, and no seed runs."""
    (here / "twometa.py").write_text(textwrap.dedent(TWO_METADATA))
    url = make_url(postgres_database_url).set(drivername=driver).render_as_string(False)
    assert main(["seed", "twometa", "--url", url, "--create-tables"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(
        "pyfactory seed: error: --create-tables: cannot create the tables: ProgrammingError: "
    )
    assert line.endswith("function no_such_function() does not exist")
    engine = make_engine(make_url(postgres_database_url).set(drivername="postgresql+psycopg"))
    assert inspect_db(engine).get_table_names() == []
