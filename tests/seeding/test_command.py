"""``pyfactory seed``: the real command in a subprocess for what a user sees (exit
codes, output, ``python -m``), and :func:`pyfactory.cli.main` in this process for the
many ways input can be wrong."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

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
            (["--scale", "0"], "argument --scale: must be a finite number above 0: '0'"),
            (["--scale", "x"], "argument --scale: not a number: 'x'"),
            (["--scale", "inf"], "argument --scale: must be a finite number above 0: 'inf'"),
            (["--chunk-size", "0"], "argument --chunk-size: must be at least 1: '0'"),
            (["--chunk-size", "a"], "argument --chunk-size: not an int: 'a'"),
        ],
    )
    def test_bad_numbers(
        self, here: Path, capsys: pytest.CaptureFixture[str], option: list[str], message: str
    ) -> None:
        """--scale and --chunk-size are checked by the parser: exit code 2."""
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
