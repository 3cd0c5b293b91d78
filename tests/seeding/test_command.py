"""``pyfactory seed``: the real command in a subprocess for what a user sees (exit
codes, output, ``python -m``), and :func:`pyfactory.cli.main` in this process for the
many ways input can be wrong."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyfactory.cli import main

SCRIPT = Path(sys.executable).with_name("pyfactory")

SEEDS = """
    from sqlalchemy import ForeignKey, String, func, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from pyfactory import Factory, schema, sequence
    from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
    from pyfactory.seeding import Seed


    class Base(DeclarativeBase):
        pass


    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(40))


    class Label(Base):
        __tablename__ = "label"
        id: Mapped[int] = mapped_column(primary_key=True)
        item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
        text: Mapped[str] = mapped_column(String(40))


    class ItemFactory(Factory[Item]):
        _model = Item
        _model_builder = SQLAlchemyBuilder()
        _default_schema = "basic"

        @schema()
        def basic(self):
            return {"name": sequence("item {n}")}


    def empty(ctx, model):
        return not ctx.session.scalar(select(func.count()).select_from(model))


    class Items(Seed):
        def should_run(self, ctx):
            return empty(ctx, Item)

        def run(self, ctx):
            ctx.fill(ItemFactory, 10)


    class Labels(Seed):
        depends_on = (Items,)

        def should_run(self, ctx):
            return empty(ctx, Label)

        def run(self, ctx):
            text = ctx.settings["label"] if ctx.settings else "plain"
            ctx.session.add(Label(item_id=1, text=text))
"""

BROKEN = """
    from pyfactory.seeding import Seed
    from shopseeds import Items, Label


    class Broken(Seed):
        depends_on = (Items,)

        def run(self, ctx):
            ctx.session.add(Label(item_id=1, text="written, then rolled back"))
            ctx.session.flush()
            1 / 0
"""

ASYNC_SEEDS = """
    from sqlalchemy import func, select

    from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder
    from pyfactory.seeding import Seed
    from shopseeds import Base, Item, ItemFactory


    class AsyncItemFactory(ItemFactory):
        _model_builder = AsyncSQLAlchemyBuilder()


    class AsyncItems(Seed):
        async def should_run(self, ctx):
            return not await ctx.session.scalar(select(func.count()).select_from(Item))

        async def run(self, ctx):
            await ctx.afill(AsyncItemFactory, 5)
"""


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def run(
    *args: str, cwd: Path, command: tuple[str, ...] = (str(SCRIPT),)
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as conn:
        count: int = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    conn.close()
    return count


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """For in-process runs: tmp_path as the current directory, with the seeds module in
    it, and the path and modules as they were afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    write(tmp_path / "shopseeds.py", SEEDS)
    yield tmp_path
    # Only the modules written here: SQLAlchemy's dialects imported on the way must stay
    # (imported twice, they would register their functions twice).
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run main(argv), expect exit code 2 and exactly one line on standard error."""
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


# ------------------------------------------------------------------ the real command


class TestCommand:
    @pytest.mark.parametrize(
        "command", [(str(SCRIPT),), (sys.executable, "-m", "pyfactory")], ids=["script", "-m"]
    )
    def test_seed_then_skip(self, tmp_path: Path, command: tuple[str, ...]) -> None:
        """Seeds into the default SQLite file, then, run again, skips every seed."""
        write(tmp_path / "shopseeds.py", SEEDS)
        first = run("seed", "shopseeds", "--create-tables", cwd=tmp_path, command=command)
        assert (first.returncode, first.stderr) == (0, "")
        lines = first.stdout.splitlines()
        assert lines[0].split() == ["seed", "status", "seconds", "rows"]
        assert lines[1].split()[:2] == ["Items", "ran"]
        assert lines[1].endswith("item 10")
        assert lines[2].endswith("label 1")
        assert lines[3].startswith("2 seeds: 2 ran, 0 skipped; 11 rows in 2 tables; ")
        assert rows(tmp_path / "pyfactory.sqlite3", "item") == 10
        second = run("seed", "shopseeds", cwd=tmp_path, command=command)
        assert second.returncode == 0
        assert [line.split()[1] for line in second.stdout.splitlines()[1:3]] == ["skipped"] * 2
        assert second.stdout.splitlines()[3].startswith("2 seeds: 0 ran, 2 skipped; 0 rows")

    def test_a_failing_seed_exits_1(self, tmp_path: Path) -> None:
        """A failing seed: the summary, one line saying which and why, exit code 1, and
        none of its rows; --debug adds the traceback."""
        write(tmp_path / "shopseeds.py", SEEDS)
        write(tmp_path / "broken.py", BROKEN)
        result = run("seed", "broken", "--create-tables", cwd=tmp_path)
        assert result.returncode == 1
        assert result.stdout.splitlines()[1].split()[:2] == ["Items", "ran"]
        assert result.stdout.splitlines()[2].split()[:2] == ["Broken", "failed"]
        assert result.stderr == (
            "pyfactory seed: seed Broken failed: ZeroDivisionError: division by zero "
            "(its rows were rolled back; the rows of Items stay)\n"
        )
        assert rows(tmp_path / "pyfactory.sqlite3", "item") == 10
        assert rows(tmp_path / "pyfactory.sqlite3", "label") == 0
        debug = run("seed", "broken", "--debug", cwd=tmp_path)
        assert debug.returncode == 1
        assert "Traceback (most recent call last)" in debug.stderr
        assert 'broken.py", line 12, in run' in debug.stderr
        assert debug.stderr.endswith("no seed ran before it)\n")

    def test_bad_input_exits_2_in_one_line(self, tmp_path: Path) -> None:
        """A module that does not import: one line, no traceback, exit code 2; with
        --debug, the traceback too."""
        write(tmp_path / "needs.py", "import not_installed_anywhere\n")
        result = run("seed", "needs", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (
            "pyfactory seed: error: cannot import needs: ModuleNotFoundError: "
            "No module named 'not_installed_anywhere'\n"
        )
        debug = run("seed", "needs", "--debug", cwd=tmp_path)
        assert debug.returncode == 2
        assert debug.stderr.startswith("Traceback (most recent call last)")
        assert debug.stderr.endswith(result.stderr)

    def test_help(self, tmp_path: Path) -> None:
        """``pyfactory seed --help`` describes every option."""
        result = run("seed", "--help", cwd=tmp_path)
        assert result.returncode == 0
        for option in ("--url", "--create-tables", "--only", "--dry-run", "--scale", "--debug"):
            assert option in result.stdout
        assert "sqlite:///pyfactory.sqlite3" in result.stdout

    def test_an_async_url(self, tmp_path: Path) -> None:
        """An async driver runs the seeds with an AsyncSession."""
        write(tmp_path / "shopseeds.py", SEEDS)
        write(tmp_path / "asyncseeds.py", ASYNC_SEEDS)
        url = f"sqlite+aiosqlite:///{tmp_path / 'async.sqlite3'}"
        result = run("seed", "asyncseeds", "--url", url, "--create-tables", cwd=tmp_path)
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout.splitlines()[1].endswith("item 5")
        again = run("seed", "asyncseeds", "--url", url, cwd=tmp_path)
        assert again.stdout.splitlines()[1].split()[1] == "skipped"


# ------------------------------------------------------------------ in this process


class TestOptions:
    def test_scale_only_and_settings(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--scale multiplies fill(); --only runs a seed and its dependencies; --settings
        is ctx.settings."""
        write(here / "config.py", "SETTINGS = {'label': 'from settings'}\n")
        argv = ["seed", "shopseeds", "--create-tables", "--scale", "2.5", "--only", "Labels"]
        assert main([*argv, "--settings", "config:SETTINGS"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert [line.split()[0] for line in out[1:3]] == ["Items", "Labels"]
        assert out[1].endswith("item 25")
        with sqlite3.connect(here / "pyfactory.sqlite3") as conn:
            assert conn.execute("SELECT text FROM label").fetchall() == [("from settings",)]
        conn.close()

    def test_only_a_seed_without_its_dependents(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--only Items runs Items alone; MODULE:NAME picks seeds the same way."""
        assert main(["seed", "shopseeds", "--create-tables", "--only", "Items"]) == 0
        assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:-1]] == ["Items"]
        assert main(["seed", "shopseeds:Labels,Items", "--dry-run"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert [line.split()[:2] for line in out[1:3]] == [
            ["Items", "skipped"],
            ["Labels", "would"],
        ]
        assert out[3].endswith("(dry run: nothing written)")
        assert rows(here / "pyfactory.sqlite3", "label") == 0

    def test_a_url_and_chunks(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--url names the database; --chunk-size and --progress reach the runner."""
        url = f"sqlite:///{here / 'other.sqlite3'}"
        argv = ["seed", "shopseeds:Items", "--url", url, "--create-tables", "--chunk-size", "4"]
        assert main([*argv, "--progress"]) == 0
        captured = capsys.readouterr()
        assert captured.out.splitlines()[1].endswith("item 10")
        assert "seeds" in captured.err
        assert rows(here / "other.sqlite3", "item") == 10
        assert not (here / "pyfactory.sqlite3").exists()

    def test_a_package_directory(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A package directory's seeds are those it defines or imports from its modules."""
        write(here / "pkg" / "__init__.py", "from .seeds import Items, Labels\n")
        write(here / "pkg" / "seeds.py", SEEDS)
        assert main(["seed", "pkg", "--create-tables"]) == 0
        assert capsys.readouterr().out.splitlines()[-1].startswith("2 seeds: 2 ran")


class TestUsageErrors:
    def test_no_such_module_or_file(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A module or file that is not there."""
        assert error_line(capsys, "seed", "nope") == (
            f"pyfactory seed: error: no module named 'nope' (from {here})"
        )
        assert error_line(capsys, "seed", "dir/nope.py") == (
            "pyfactory seed: error: no such file: dir/nope.py"
        )

    def test_a_module_that_raises(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A module that raises while imported is bad input, shown in one line."""
        write(here / "raises.py", "raise RuntimeError('bad config\\nsecond line')\n")
        assert error_line(capsys, "seed", "raises") == (
            "pyfactory seed: error: cannot import raises: RuntimeError: bad config"
        )

    def test_a_name_that_is_no_seed(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """MODULE:NAME with a name that is no seed lists the module's seeds."""
        assert error_line(capsys, "seed", "shopseeds:Nope") == (
            "pyfactory seed: error: shopseeds:Nope has no seed 'Nope'; its seeds are: Items, Labels"
        )
        assert error_line(capsys, "seed", "shopseeds:ItemFactory") == (
            "pyfactory seed: error: shopseeds:ItemFactory has no seed 'ItemFactory'; its "
            "seeds are: Items, Labels"
        )

    def test_a_module_without_seeds(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A module that defines no seed."""
        write(here / "plain.py", "from pyfactory.seeding import Seed\n")
        assert error_line(capsys, "seed", "plain") == (
            "pyfactory seed: error: no seed found in plain"
        )

    def test_an_unknown_only(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--only with a name that is no seed lists the seeds."""
        assert error_line(capsys, "seed", "shopseeds", "--only", "Items,Nope") == (
            "pyfactory seed: error: unknown seed: 'Nope'; the seeds are: Items, Labels"
        )

    def test_a_cycle(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Seeds in a cycle are refused before anything runs."""
        write(
            here / "cycle.py",
            """
            from pyfactory.seeding import Seed

            class A(Seed):
                depends_on = ("B",)
                def run(self, ctx):
                    pass

            class B(Seed):
                depends_on = (A,)
                def run(self, ctx):
                    pass
            """,
        )
        assert error_line(capsys, "seed", "cycle") == (
            "pyfactory seed: error: the seeds' depends_on form a cycle: A → B → A"
        )
        assert not (here / "pyfactory.sqlite3").exists()

    @pytest.mark.parametrize(
        ("url", "start"),
        [
            (
                "sqlite:///no/such/dir/x.sqlite3",
                "cannot connect to sqlite:///no/such/dir/x.sqlite3: "
                "OperationalError: unable to open database file",
            ),
            (
                "postgresql+psycopg://nobody:secret@127.0.0.1:1/x",
                "cannot connect to postgresql+psycopg://nobody:***@127.0.0.1:1/x: "
                "OperationalError: ",
            ),
            (
                "postgresql+asyncpg://nobody@127.0.0.1:1/x",
                "cannot connect to postgresql+asyncpg://nobody@127.0.0.1:1/x: ",
            ),
            ("not a url", "cannot use the URL 'not a url': ArgumentError: "),
            ("nosuch://x", "cannot use the URL 'nosuch://x': NoSuchModuleError: "),
        ],
    )
    def test_a_bad_or_unreachable_url(
        self, here: Path, capsys: pytest.CaptureFixture[str], url: str, start: str
    ) -> None:
        """A URL that cannot be parsed, has no driver or cannot be reached; the password
        is not shown."""
        line = error_line(capsys, "seed", "shopseeds", "--url", url)
        assert line.startswith(f"pyfactory seed: error: {start}"), line

    @pytest.mark.parametrize(
        ("url", "driver", "extra"),
        [
            ("postgresql+psycopg://u@127.0.0.1:1/x", "psycopg", "postgres"),
            ("postgresql+asyncpg://u@127.0.0.1:1/x", "asyncpg", "postgres"),
            ("sqlite+aiosqlite:///x.sqlite3", "aiosqlite", "asyncio"),
        ],
    )
    def test_a_missing_driver_names_the_extra(
        self,
        here: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        url: str,
        driver: str,
        extra: str,
    ) -> None:
        """A URL whose driver is not installed says which extra installs it."""
        monkeypatch.setitem(sys.modules, driver, None)  # import fails: not installed
        line = error_line(capsys, "seed", "shopseeds", "--url", url)
        assert line.startswith(f"pyfactory seed: error: cannot use the URL {url!r}: "), line
        assert line.endswith(f"(pip install 'pyfactory-schema[{extra}]')"), line

    def test_create_tables_without_metadata(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--create-tables needs SQLAlchemy metadata in the modules."""
        write(
            here / "bare.py",
            """
            from pyfactory.seeding import Seed

            class Nothing(Seed):
                def run(self, ctx):
                    pass
            """,
        )
        assert error_line(capsys, "seed", "bare", "--create-tables") == (
            "pyfactory seed: error: --create-tables: no SQLAlchemy metadata found in bare "
            "(define or import the declarative base or the models there)"
        )

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("nocolon", "--settings is MODULE:NAME, not 'nocolon'"),
            ("shopseeds:NOPE", "--settings: shopseeds has no 'NOPE'"),
            ("missing_mod:X", "no module named 'missing_mod'"),
        ],
    )
    def test_bad_settings(
        self, here: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
    ) -> None:
        """--settings must name an attribute of an importable module."""
        line = error_line(capsys, "seed", "shopseeds", "--settings", value)
        assert line.startswith(f"pyfactory seed: error: {message}")

    @pytest.mark.parametrize(
        ("option", "message"),
        [
            (["--scale", "x"], "argument --scale: not a number: 'x'"),
            (["--chunk-size", "0"], "argument --chunk-size: must be at least 1: '0'"),
            (["--chunk-size", "a"], "argument --chunk-size: not an int: 'a'"),
        ],
    )
    def test_bad_numbers(
        self, here: Path, capsys: pytest.CaptureFixture[str], option: list[str], message: str
    ) -> None:
        """What is no number is refused by the parser: exit code 2."""
        with pytest.raises(SystemExit) as caught:
            main(["seed", "shopseeds", *option])
        assert caught.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1] == f"pyfactory seed: error: {message}"


class TestMore:
    def test_a_failing_seed_in_process(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit code 1: the summary on standard output, the traceback under --debug,
        then the line saying which seed failed."""
        write(here / "broken.py", BROKEN)
        assert main(["seed", "broken", "--create-tables", "--debug"]) == 1
        captured = capsys.readouterr()
        assert captured.out.splitlines()[2].split()[:2] == ["Broken", "failed"]
        assert "ZeroDivisionError: division by zero\n" in captured.err
        assert captured.err.splitlines()[-1].startswith("pyfactory seed: seed Broken failed:")

    def test_an_async_url_in_process(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An async URL: tables made and seeds run on one event loop."""
        write(here / "asyncseeds.py", ASYNC_SEEDS)
        url = f"sqlite+aiosqlite:///{here / 'async.sqlite3'}"
        assert main(["seed", "asyncseeds", "--url", url, "--create-tables"]) == 0
        assert capsys.readouterr().out.splitlines()[1].endswith("item 5")

    def test_debug_shows_tracebacks_of_bad_input(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--debug adds the traceback to a missing module, a cycle and a bad URL."""
        for argv in (
            ["seed", "nope"],
            ["seed", "shopseeds", "--only", "Nope"],
            ["seed", "shopseeds", "--url", "not a url"],
            ["seed", "shopseeds", "--url", "sqlite:///no/such/dir/x.sqlite3"],
        ):
            assert main([*argv, "--debug"]) == 2
            err = capsys.readouterr().err
            assert "Traceback (most recent call last)" in err
            assert err.splitlines()[-1].startswith("pyfactory seed: error: ")

    def test_seeds_found_by_name_and_metadata_by_itself(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """MODULE:NAME finds a seed by its class name when the module calls it otherwise;
        a bare MetaData in the module is found for --create-tables."""
        write(
            here / "aliased.py",
            """
            from sqlalchemy import Column, Integer, MetaData, Table

            from pyfactory.seeding import Seed

            metadata = MetaData()
            Table("plain", metadata, Column("id", Integer, primary_key=True))


            class Plain(Seed):
                def run(self, ctx):
                    ctx.session.execute(metadata.tables["plain"].insert(), [{"id": 1}])


            Stock = Plain
            del Plain
            """,
        )
        assert main(["seed", "aliased:Plain", "--create-tables"]) == 0
        assert capsys.readouterr().out.splitlines()[1].endswith("plain 1")

    def test_without_sqlalchemy(
        self, here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without SQLAlchemy, the command says which extra to install."""
        monkeypatch.setitem(sys.modules, "sqlalchemy", None)
        assert error_line(capsys, "seed", "shopseeds") == (
            "pyfactory seed: error: pyfactory seed needs SQLAlchemy 2: "
            "pip install 'pyfactory-schema[sqlalchemy]'"
        )


# ------------------------------------------------------------------ no password shown

PASSWORD = "Zq7-distinctive-Pw"

LEAKY = """
    import os

    from pyfactory.seeding import Seed
    from shopseeds import Item


    class Leaky(Seed):
        async def run(self, ctx):
            await ctx.session.execute(Item.__table__.insert().values(name="x"))
            raise ConnectionError(f"the cache at {os.environ['LEAKY_URL']} is down")


    class SyncLeaky(Seed):
        def run(self, ctx):
            ctx.session.add(Item(name="x"))
            raise ConnectionError(f"the cache at {os.environ['LEAKY_URL']} is down")
"""


def with_password(url: str) -> tuple[str, str]:
    """``url`` with a password, and that password: its own if it has one (the server
    checks it), else a distinctive one (the test server trusts local users)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    password = parsed.password or PASSWORD
    return parsed.set(password=password).render_as_string(hide_password=False), password


class TestNoPasswordShown:
    @pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
    @pytest.mark.parametrize(
        ("url", "line"),
        [
            (  # missing driver (made missing below)
                f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:1/x",
                "cannot use the URL 'postgresql+psycopg://u:***@127.0.0.1:1/x': ",
            ),
            (  # unknown driver
                f"nosuch://u:{PASSWORD}@h/x",
                "cannot use the URL 'nosuch://u:***@h/x': NoSuchModuleError: Can't load "
                "plugin: sqlalchemy.dialects:nosuch",
            ),
            (  # bad port
                f"postgresql+psycopg://u:{PASSWORD}@h:abc/x",
                "cannot use the URL 'postgresql+psycopg://u:***@h:abc/x': ValueError: invalid "
                "literal for int() with base 10: 'abc'",
            ),
            (  # not a URL SQLAlchemy can read, a password with an @ in it
                f"post gres://u:p@{PASSWORD}@h/x",
                "cannot use the URL 'post gres://u:***@h/x': ArgumentError: ",
            ),
            (  # unreachable, sync and async, with the password in the query
                f"postgresql+asyncpg://u:{PASSWORD}@127.0.0.1:1/x",
                "cannot connect to postgresql+asyncpg://u:***@127.0.0.1:1/x: ",
            ),
            (
                f"postgresql+psycopg://u@127.0.0.1:1/x?password={PASSWORD}",
                "cannot connect to postgresql+psycopg://u@127.0.0.1:1/x?password=***: "
                "OperationalError: ",
            ),
        ],
        ids=["missing-driver", "unknown-driver", "bad-port", "unreadable", "async", "query"],
    )
    def test_bad_urls(
        self,
        here: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        url: str,
        line: str,
        debug: list[str],
    ) -> None:
        """No message about a URL shows its password, nor its traceback under --debug."""
        if line.startswith("cannot use the URL 'postgresql+psycopg://u:***@127.0.0.1:1/x'"):
            monkeypatch.setitem(sys.modules, "psycopg", None)
            line += "ModuleNotFoundError: "
        assert main(["seed", "shopseeds", "--url", url, *debug]) == 2
        captured = capsys.readouterr()
        assert PASSWORD not in captured.out + captured.err
        assert captured.err.splitlines()[-1].startswith(f"pyfactory seed: error: {line}")
        assert ("Traceback (most recent call last)" in captured.err) == bool(debug)

    @pytest.mark.parametrize("driver", ["postgresql+psycopg", "postgresql+asyncpg"])
    def test_a_failing_seed_under_debug(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        postgres_database_url: str,
        driver: str,
    ) -> None:
        """A seed that fails on the real server with an error that echoes the URL: the
        summary, the traceback and the line show no password."""
        from sqlalchemy import make_url

        write(tmp_path / "shopseeds.py", SEEDS)
        write(tmp_path / "leaky.py", LEAKY)
        url, password = with_password(
            make_url(postgres_database_url).set(drivername=driver).render_as_string(False)
        )
        name = "leaky:Leaky" if driver.endswith("asyncpg") else "leaky:SyncLeaky"
        monkeypatch.setenv("LEAKY_URL", url)
        result = run("seed", name, "--url", url, "--create-tables", "--debug", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert password not in result.stdout + result.stderr
        assert "Traceback (most recent call last)" in result.stderr
        shown = make_url(url).render_as_string(hide_password=True)
        assert result.stderr.splitlines()[-1] == (
            f"pyfactory seed: seed {name.split(':')[1]} failed: ConnectionError: the cache at "
            f"{shown} is down (its rows were rolled back; no seed ran before it)"
        )


# ------------------------------------------------------------------ what stays, and Ctrl-C

PARTIAL = """
    from pathlib import Path
    import asyncio
    import os
    import time

    from pyfactory.seeding import Seed
    from shopseeds import Item, Label


    class Committed(Seed):
        def run(self, ctx):
            ctx.session.add(Item(name="committed"))
            ctx.session.commit()
            ctx.session.add(Item(name="flushed"))
            ctx.session.flush()
            raise RuntimeError("half way")


    class Interrupted(Seed):
        def run(self, ctx):
            ctx.session.add(Item(name="committed"))
            ctx.session.commit()
            raise KeyboardInterrupt


    class Stubborn(Seed):
        def __init__(self):
            raise KeyboardInterrupt

        def run(self, ctx):
            pass


    class First(Seed):
        def run(self, ctx):
            ctx.session.add(Item(name="first"))


    class Slow(Seed):
        depends_on = (First,)

        def run(self, ctx):
            ctx.session.add(Label(item_id=1, text="slow"))
            ctx.session.flush()
            Path(os.environ["READY"]).write_text("ready")
            time.sleep(120)


    class AsyncSlow(Seed):
        depends_on = (First,)

        async def run(self, ctx):
            ctx.session.add(Label(item_id=1, text="slow"))
            await ctx.session.flush()
            Path(os.environ["READY"]).write_text("ready")
            await asyncio.sleep(120)
"""


class TestPartialRuns:
    def test_a_failing_seed_says_which_committed_rows_stay(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A seed that commits part way then fails: the summary counts the row that
        stays, and the line says so instead of calling it rolled back."""
        write(here / "partial.py", PARTIAL)
        assert main(["seed", "partial:Committed", "--create-tables"]) == 1
        captured = capsys.readouterr()
        assert captured.out.splitlines()[1].split()[:2] == ["Committed", "failed"]
        assert captured.out.splitlines()[1].endswith("item 1")
        assert captured.err == (
            "pyfactory seed: seed Committed failed: RuntimeError: half way (1 row (item 1) it "
            "had committed stay; what it wrote after its last commit was rolled back; no seed "
            "ran before it)\n"
        )
        assert rows(here / "pyfactory.sqlite3", "item") == 1

    def test_an_interrupt_in_process(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Ctrl-C in a seed that had committed rows: one line saying what stays, exit code
        130; before any seed, and between seeds, one line too."""
        write(here / "partial.py", PARTIAL)
        assert main(["seed", "partial:Interrupted", "--create-tables"]) == 130
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == (
            "",
            "pyfactory seed: interrupted: Interrupted was rolled back, but for the 1 row "
            "(item 1) it had committed, which stay; no seed finished before it\n",
        )
        assert main(["seed", "partial:First,Stubborn"]) == 130
        assert capsys.readouterr().err == (
            "pyfactory seed: interrupted between seeds; finished: First\n"
        )
        write(here / "stop.py", "raise KeyboardInterrupt\n")
        assert main(["seed", "stop"]) == 130
        assert capsys.readouterr().err == "pyfactory seed: interrupted before any seed ran\n"

    @pytest.mark.parametrize("mode", ["sync", "async"])
    def test_ctrl_c(
        self,
        tmp_path: Path,
        db_url: str,
        async_db_url: str,
        make_engine: Any,
        mode: str,
    ) -> None:
        """Ctrl-C in a real process while a seed runs: one line saying which seeds
        finished and that the interrupted one was rolled back, exit code 130; the
        finished seed's rows are there, the interrupted one's are not."""
        write(tmp_path / "shopseeds.py", SEEDS)
        write(tmp_path / "partial.py", PARTIAL)
        ready = tmp_path / "ready"
        url, seed = (db_url, "Slow") if mode == "sync" else (async_db_url, "AsyncSlow")
        process = subprocess.Popen(
            [str(SCRIPT), "seed", f"partial:{seed}", "--url", url, "--create-tables"],
            cwd=tmp_path,
            env={**os.environ, "READY": str(ready), "PYTHONWARNINGS": "error"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert ready.exists(), process.communicate(timeout=10)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert (process.returncode, out, err) == (
            130,
            "",
            f"pyfactory seed: interrupted: {seed} was rolled back; finished before it: First\n",
        )
        from sqlalchemy import text

        with make_engine(db_url).connect() as conn:
            assert conn.execute(text("SELECT name FROM item")).scalars().all() == ["first"]
            assert conn.execute(text("SELECT count(*) FROM label")).scalar() == 0


# ------------------------------------------------------------------ scale, settings, async, tables


class TestScale:
    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("1e308", "at most 1,000,000,000, not 1e+308"),
            ("1e12", "at most 1,000,000,000, not 1e+12"),
            ("nan", "a finite number above 0, not nan"),
            ("inf", "a finite number above 0, not inf"),
            ("-inf", "a finite number above 0, not -inf"),
            ("0", "a finite number above 0, not 0"),
        ],
    )
    def test_absurd_scales_are_refused_up_front(
        self, here: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
    ) -> None:
        """A scale that is no finite number above 0, or so large that even a count of 1
        would pass MAX_ROWS, is one line and exit code 2 before anything is made (it
        used to hang, its memory growing)."""
        line = error_line(capsys, "seed", "shopseeds", "--create-tables", f"--scale={value}")
        assert line.startswith(f"pyfactory seed: error: --scale is {message}"), line
        assert not (here / "pyfactory.sqlite3").exists()

    def test_a_count_past_the_bound_fails_the_seed(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A scale that passes MAX_ROWS for one seed's count fails that seed before it
        writes a row of it."""
        assert main(["seed", "shopseeds:Items", "--create-tables", "--scale", "2e8"]) == 1
        assert capsys.readouterr().err == (
            "pyfactory seed: seed Items failed: UsageError: Items: a count of 10 at scale "
            "2e+08 comes to 2,000,000,000 rows, more than the 1,000,000,000 (MAX_ROWS) that "
            "one count may be; lower the scale or the count (its rows were rolled back; no "
            "seed ran before it)\n"
        )
        assert rows(here / "pyfactory.sqlite3", "item") == 0


SETTINGS = """
    import functools


    @functools.lru_cache
    def get_settings():
        return {"label": "from the getter"}


    class Settings:
        def __init__(self):
            self.values = {"label": "from the class"}

        def __getitem__(self, key):
            return self.values[key]


    def needs(name):
        return name


    def broken():
        raise ValueError("DATABASE_URL is not set\\nmore")
"""

SEES = """
    from pyfactory.seeding import Seed

    seen = []


    class Sees(Seed):
        def run(self, ctx):
            seen.append(ctx.settings)
"""


class TestSettings:
    @pytest.mark.parametrize(
        ("name", "label"),
        [("get_settings", "from the getter"), ("Settings", "from the class")],
    )
    def test_a_getter_is_called(
        self, here: Path, capsys: pytest.CaptureFixture[str], name: str, label: str
    ) -> None:
        """--settings naming a function or class that takes no arguments (FastAPI's
        lru_cache'd get_settings) hands the seeds what it returns."""
        write(here / "config.py", SETTINGS)
        argv = ["seed", "shopseeds", "--create-tables", "--settings", f"config:{name}"]
        assert main(argv) == 0
        with sqlite3.connect(here / "pyfactory.sqlite3") as conn:
            assert conn.execute("SELECT text FROM label").fetchall() == [(label,)]
        conn.close()

    def test_a_function_with_arguments_is_handed_as_it_is(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A function that needs arguments is not called: the seeds get it."""
        write(here / "config.py", SETTINGS)
        write(here / "sees.py", SEES)
        assert main(["seed", "sees", "--settings", "config:needs"]) == 0
        import config  # type: ignore[import-not-found]
        import sees  # type: ignore[import-not-found]

        assert sees.seen == [config.needs]

    def test_a_getter_that_raises(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A getter that raises is bad input: one line, its traceback under --debug."""
        write(here / "config.py", SETTINGS)
        assert error_line(capsys, "seed", "shopseeds", "--settings", "config:broken") == (
            "pyfactory seed: error: --settings: config:broken() raised ValueError: "
            "DATABASE_URL is not set"
        )
        assert main(["seed", "shopseeds", "--settings", "config:broken", "--debug"]) == 2
        assert "Traceback (most recent call last)" in capsys.readouterr().err


class TestAsyncSeedsOnASyncUrl:
    def test_refused_with_the_url_to_use(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An async seed on a sync URL (which failed with "object ChunkedIteratorResult
        can't be used in 'await' expression") is one line naming the seed and the async
        URL to use, exit code 2, before anything is made."""
        write(here / "asyncseeds.py", ASYNC_SEEDS)
        assert error_line(
            capsys, "seed", "asyncseeds", "--url", "sqlite:///sync.sqlite3", "--create-tables"
        ) == (
            "pyfactory seed: error: AsyncItems.should_run is async def, and the URL "
            "sqlite:///sync.sqlite3 has a synchronous driver: an async seed needs an async "
            "driver, as in sqlite+aiosqlite:///sync.sqlite3, or write AsyncItems.should_run "
            "as a plain def"
        )
        assert not (here / "sync.sqlite3").exists()
        url = f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:1/x"
        assert main(["seed", "asyncseeds", "--url", url, "--debug"]) == 2
        err = capsys.readouterr().err
        assert PASSWORD not in err
        assert "Traceback (most recent call last)" in err
        assert err.splitlines()[-1].endswith(
            "as in postgresql+asyncpg://u:***@127.0.0.1:1/x, or write AsyncItems.should_run "
            "as a plain def"
        )


MANY = """
    from sqlalchemy import Column, Integer, MetaData, Table

    from pyfactory.seeding import Seed

    metadata = MetaData()
    for name in "abcdefg":
        Table(f"t_{name}", metadata, Column("id", Integer, primary_key=True))


    class Fills(Seed):
        def run(self, ctx):
            ctx.session.execute(metadata.tables["t_a"].insert(), [{"id": 1}])
"""

TABLELESS = """
    from pyfactory.seeding import Seed


    class Plain(Seed):
        def run(self, ctx):
            pass
"""


class TestNoTables:
    @pytest.mark.parametrize("url", ["", "sqlite+aiosqlite:///pyfactory.sqlite3"])
    @pytest.mark.parametrize("dry_run", [["--dry-run"], []], ids=["dry-run", "run"])
    def test_a_missing_file(
        self, here: Path, capsys: pytest.CaptureFixture[str], url: str, dry_run: list[str]
    ) -> None:
        """A SQLite file that is not there, without --create-tables: one line saying to
        add it, and no empty file left behind."""
        option = ["--url", url] if url else []
        assert error_line(capsys, "seed", "shopseeds", *option, *dry_run) == (
            "pyfactory seed: error: the database file pyfactory.sqlite3 does not exist: add "
            "--create-tables to create it with the tables of the seeds' models"
        )
        assert not (here / "pyfactory.sqlite3").exists()

    def test_a_database_without_the_tables(
        self, here: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A database that has none of the models' tables (here an empty file) says to
        add --create-tables, naming five of them and how many more."""
        write(here / "many.py", MANY)
        sqlite3.connect(here / "empty.sqlite3").close()
        argv = ["seed", "many", "--url", "sqlite:///empty.sqlite3", "--dry-run"]
        assert error_line(capsys, *argv) == (
            "pyfactory seed: error: the database sqlite:///empty.sqlite3 has none of the "
            "tables of the seeds' models (t_a, t_b, t_c, t_d, t_e and 2 more): add "
            "--create-tables to create them"
        )
        argv = ["seed", "many", "--url", "sqlite+aiosqlite:///empty.sqlite3"]
        assert error_line(capsys, *argv).endswith("add --create-tables to create them")

    def test_a_database_in_memory(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A database in memory starts without tables: the same line, no file made."""
        assert error_line(capsys, "seed", "shopseeds", "--url", "sqlite://", "--dry-run") == (
            "pyfactory seed: error: the database sqlite:// has none of the tables of the "
            "seeds' models (item, label): add --create-tables to create them"
        )
        assert list(here.glob("*.sqlite3")) == []

    def test_an_empty_postgres_database(
        self, here: Path, capsys: pytest.CaptureFixture[str], postgres_database_url: str
    ) -> None:
        """The same on PostgreSQL, whose URL keeps its password hidden."""
        url, password = with_password(postgres_database_url)
        line = error_line(capsys, "seed", "shopseeds", "--url", url, "--dry-run")
        assert password not in line
        assert line.endswith(
            "has none of the tables of the seeds' models (item, label): add --create-tables "
            "to create them"
        )

    def test_some_tables_are_enough(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A database that has some of the tables runs: the seeds may need no others."""
        write(here / "many.py", MANY)
        with sqlite3.connect(here / "some.sqlite3") as conn:
            conn.execute("CREATE TABLE t_a (id INTEGER PRIMARY KEY)")
        conn.close()
        assert main(["seed", "many", "--url", "sqlite:///some.sqlite3"]) == 0
        assert capsys.readouterr().out.splitlines()[1].endswith("t_a 1")

    def test_seeds_without_models(self, here: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Seeds whose modules have no models: a dry run on a missing file says it does
        not create it; a run creates it."""
        write(here / "tableless.py", TABLELESS)
        assert error_line(capsys, "seed", "tableless", "--dry-run") == (
            "pyfactory seed: error: the database file pyfactory.sqlite3 does not exist, and "
            "a dry run does not create it"
        )
        assert not (here / "pyfactory.sqlite3").exists()
        assert main(["seed", "tableless"]) == 0
        assert (here / "pyfactory.sqlite3").exists()
