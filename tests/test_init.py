"""``pyfactory init --models``: the factories, seeds and conftest written for the
ticketing example's models, used for real (rows in a SQLite file, the seeds through
pyfactory's runner, the conftest under pytest), checked as written (``pyfactory check
--create``, ``mypy --strict``, ``ruff format --check``), and every error it reports.

The generated modules import each other by their bare names (``from factories import
...``), as they do in a project's directory; they run in subprocesses, or are loaded
here under names of their own, so that nothing leaks into the other tests.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from examples.ticketing import models
from pyfactory._adopt.errors import (
    AdoptError,
    ModelsNotFoundError,
    NoModelsError,
    OutputExistsError,
)
from pyfactory.cli import _init, _parser, main

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(
    *args: str | Path, cwd: Path = ROOT, code: int = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command with this checkout first on the path (mypy's too) and ``env``
    added to the environment; fail with its output unless it exits with ``code``."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    base = {**os.environ, "PYTHONPATH": path, "MYPYPATH": str(ROOT)}
    # The generated conftest reads TEST_DATABASE_URL: only a test sets it.
    for name in ("DJANGO_SETTINGS_MODULE", "TEST_DATABASE_URL"):
        base.pop(name, None)
    env = {**base, **(env or {})}
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == code, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(autouse=True)
def _generated_modules_forgotten(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """``pyfactory init --url`` run in this process imports the models it writes, as
    ``models``, from a directory it puts on ``sys.path``: the tests after this one
    (in-process pytest runs that import a ``models`` of their own) must find neither.
    Only modules loaded from the temporary directories are forgotten: a library
    imported afresh beside its compiled parts breaks."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    base = str(tmp_path_factory.getbasetemp())
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if str(getattr(sys.modules[name], "__file__", None) or "").startswith(base):
            del sys.modules[name]


def pyfactory(*args: str | Path, cwd: Path = ROOT, code: int = 0) -> str:
    """``python -m pyfactory ARGS``: its standard output."""
    return run(sys.executable, "-m", "pyfactory", *args, cwd=cwd, code=code).stdout


def load(path: Path) -> ModuleType:
    """Import a generated module under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"_init_{path.parent.name}_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # SQLAlchemy resolves a model's annotations in its module, found by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def init(*argv: str) -> list[Path]:
    """``pyfactory init ARGV`` in this process; the files written."""
    return _init.run(_parser().parse_args(["init", *argv]))


def check_as_written(out: Path, mypy_cache: Path) -> None:
    """ruff format leaves the generated files as they are, and mypy --strict passes
    on them, with this checkout's pyfactory and examples importable.

    ``mypy_cache`` is the process's one cache for these runs (the ``mypy_cache``
    fixture): the standard library's stubs, SQLAlchemy and pyfactory, the same in each
    run, are read back instead of analysed again (5 s of each run); the generated
    files, new to it, are checked as in a first run.
    """
    run(BIN / "ruff", "format", "--check", "--no-cache", ".", cwd=out)
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--follow-imports=silent",  # the generated files, not pyfactory's own code
        "--cache-dir",
        mypy_cache,
        ".",
        cwd=out,
    )
    assert "Success: no issues found" in result.stdout


def run_pytest(
    directory: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest on the tests of a generated directory, in a process of its own."""
    return run(
        sys.executable,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"),
        *("-p", "no:django", "-p", "no:randomly", "--no-header"),
        cwd=directory,
        env=env,
    )


@pytest.fixture
def ticketing(tmp_path: Path) -> Path:
    """The files that ``init`` writes for the ticketing example's models."""
    out = tmp_path / "ticketing"
    assert main(["init", "--models", "examples.ticketing.models", "--out", str(out)]) == 0
    return out


class TestTicketing:
    """The ticketing example's models, as a project would adopt them."""

    def test_writes_factories_seeds_and_conftest(
        self, capsys: pytest.CaptureFixture[str], ticketing: Path
    ) -> None:
        """Three files, and the command that checks them next."""
        assert sorted(p.name for p in ticketing.iterdir()) == [
            "conftest.py",
            "factories.py",
            "seeds.py",
        ]
        printed = capsys.readouterr().out.splitlines()
        assert printed[0] == (
            f"pyfactory init: wrote {ticketing}/factories.py, {ticketing}/seeds.py, "
            f"{ticketing}/conftest.py"
        )
        assert printed[1] == f"next: pyfactory check {ticketing}/factories.py --create --url URL"

    def test_factories_write_out_only_what_auto_fill_would_not(self, ticketing: Path) -> None:
        """Associations for foreign keys (the relationship where there is one),
        sequences for unique columns, a trait for the nullable link; the rest is
        auto-fill's."""
        text = (ticketing / "factories.py").read_text()
        assert "from examples.ticketing.models import (\n    Category,\n" in text
        ticket = text[text.index("class TicketFactory") :]
        assert ticket == textwrap.dedent("""\
            class TicketFactory(Factory[Ticket]):
                _model = Ticket
                _model_builder = SQLAlchemyBuilder()
                _default_schema = "basic"

                @schema(auto=True)
                def basic(self) -> dict[str, Any]:
                    return {
                        "reference": sequence("Ticket {n}"),
                        "event_id": association(EventFactory).attribute("id"),
                        "category_id": association(CategoryFactory).attribute("id"),
                        "session_id": association(EventSessionFactory).attribute("id"),
                        "user": association(UserFactory),
                    }
            """)
        trait = textwrap.dedent('''\
                @trait()
                def with_required_membership(self) -> dict[str, Any]:
                    """Links a Membership: ``required_membership_id`` is None without this trait."""
                    return {
                        "required_membership_id": association(MembershipFactory).attribute("id"),
                    }
            ''')
        assert textwrap.indent(trait, "    ") in text[text.index("class CategoryFactory") :]
        assert '"email": sequence("user{n}@example.org"),' in text
        assert "class OrganiserFactory" in text
        assert "return {}" in text

    def test_factories_and_seeds_in_dependency_order(self, ticketing: Path) -> None:
        """Every model after those its required keys point at; each seed depends on
        the seeds of those models, and points its rows at theirs."""
        text = (ticketing / "seeds.py").read_text()
        seeds = [line.split("(")[0][6:] for line in text.splitlines() if line.startswith("class ")]
        assert seeds == [
            "UserSeed",
            "MembershipSeed",
            "UserMembershipSeed",
            "OrganiserSeed",
            "EventSeed",
            "EventSessionSeed",
            "CategorySeed",
            "TicketSeed",
        ]
        assert "    depends_on = (EventSeed, CategorySeed, EventSessionSeed, UserSeed)\n" in text
        assert "            user=each(select(User)),\n" in text
        assert "            event_id=each(select(Event.id)),\n" in text
        factories = (ticketing / "factories.py").read_text()
        order = [line[6:].split("(")[0] for line in factories.splitlines() if line[:6] == "class "]
        assert order == [seed.replace("Seed", "Factory") for seed in seeds]

    def test_the_factories_make_linked_rows_in_a_sqlite_file(
        self, ticketing: Path, tmp_path: Path
    ) -> None:
        """A ticket is created with its user, event, category and session, each a row;
        unique columns count up; the trait links a membership."""
        factories = load(ticketing / "factories.py")
        engine = create_engine(f"sqlite:///{tmp_path / 'rows.sqlite3'}")
        models.Base.metadata.create_all(engine)
        with Session(engine) as session:
            tickets = factories.TicketFactory(session=session, seed=1)
            first, second = tickets.create(), tickets.create()
            session.commit()
            assert (first.reference, second.reference) == ("Ticket 1", "Ticket 2")
            # Four users per ticket: its own, and the creator of each of three events.
            assert (first.user.email, second.user.email) == (
                "user4@example.org",
                "user8@example.org",
            )
            assert session.get(models.Event, first.event_id) is not None
            assert session.get(models.Category, first.category_id) is not None
            assert session.get(models.EventSession, first.session_id) is not None
            # The category's event, the ticket's event and the session's event: three.
            assert session.scalar(select(func.count()).select_from(models.Event)) == 6
            categories = factories.CategoryFactory(session=session)
            assert categories.create().required_membership_id is None
            member = categories.create("with_required_membership")
            assert session.get(models.Membership, member.required_membership_id) is not None
        engine.dispose()

    def test_check_create_passes_on_a_sqlite_file(self, ticketing: Path, tmp_path: Path) -> None:
        """``pyfactory check --create`` creates every schema and trait and passes."""
        url = f"sqlite:///{tmp_path / 'check.sqlite3'}"
        out = pyfactory(
            "check", ticketing / "factories.py", "--create", "--url", url, "--create-tables"
        )
        assert out.strip() == "pyfactory check: 9 creates of 8 factories passed"

    def test_the_seeds_run_once_with_pyfactorys_runner(
        self, ticketing: Path, tmp_path: Path
    ) -> None:
        """Five rows of every table, each pointing at rows of the seeds before it;
        a second run skips every seed."""
        database = tmp_path / "dev.sqlite3"
        url = f"sqlite:///{database}"
        first = pyfactory("seed", ticketing / "seeds.py", "--url", url, "--create-tables")
        assert "8 seeds: 8 ran, 0 skipped; 40 rows in 8 tables" in first
        again = pyfactory("seed", ticketing / "seeds.py", "--url", url)
        assert "8 seeds: 0 ran, 8 skipped; 0 rows in 0 tables" in again
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT count(*) FROM user").fetchone() == (5,)
            orphans = db.execute(
                "SELECT count(*) FROM ticket WHERE user_id NOT IN (SELECT id FROM user)"
            ).fetchone()
            assert orphans == (0,)
        db.close()

    def test_the_conftest_gives_fixtures_to_a_test(self, ticketing: Path) -> None:
        """Under pytest, the registered fixtures make rows through the session of the
        generated conftest, rolled back after each test."""
        (ticketing / "test_tickets.py").write_text(
            textwrap.dedent("""\
                from sqlalchemy import func, select

                from examples.ticketing.models import Ticket, User


                def test_a_ticket(ticket, db_session):
                    assert ticket.user.email.endswith("@example.org")
                    assert db_session.scalar(select(func.count()).select_from(Ticket)) == 1


                def test_rolled_back(user_factory, db_session):
                    user_factory.create_batch(3)
                    assert db_session.scalar(select(func.count()).select_from(User)) == 3
            """)
        )
        assert "2 passed" in run_pytest(ticketing).stdout

    @pytest.mark.slow
    def test_the_files_pass_ruff_format_and_mypy_strict(
        self, ticketing: Path, mypy_cache: Path
    ) -> None:
        """As written: formatted, and typed for ``mypy --strict``."""
        check_as_written(ticketing, mypy_cache)


class TestErrors:
    """Each error: its class, and a message that says what to do."""

    def test_a_module_that_does_not_exist(self, tmp_path: Path) -> None:
        """The module is named, with where it was looked for; exit code 2."""
        with pytest.raises(
            ModelsNotFoundError, match=r"--models: no module named 'nowhere\.models'"
        ):
            init("--models", "nowhere.models", "--out", str(tmp_path))
        err = pyfactory("init", "--models", "nowhere.models", cwd=tmp_path, code=2)
        assert err == ""

    def test_a_module_without_models(self, tmp_path: Path) -> None:
        """A module that imports models but defines none is refused."""
        with pytest.raises(NoModelsError) as raised:
            init("--models", "examples.ticketing.seeds", "--out", str(tmp_path))
        assert str(raised.value) == (
            "no SQLAlchemy mapped class or Django model is defined in "
            "examples.ticketing.seeds: name the module that defines the models (not one "
            "that imports them)"
        )
        assert isinstance(raised.value, AdoptError)
        assert not list(tmp_path.iterdir())

    def test_existing_files_are_kept_without_force(
        self, ticketing: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No file is written over another, nor any beside it; --force replaces them."""
        (ticketing / "factories.py").write_text("# mine\n")
        with pytest.raises(OutputExistsError) as raised:
            init("--models", "examples.ticketing.models", "--out", str(ticketing))
        assert str(raised.value) == (
            f"{ticketing}/factories.py, {ticketing}/seeds.py, {ticketing}/conftest.py "
            "already exist: pyfactory init writes no file over another; pass --force to "
            "replace them"
        )
        assert (ticketing / "factories.py").read_text() == "# mine\n"
        argv = ["init", "--models", "examples.ticketing.models", "--out", str(ticketing)]
        capsys.readouterr()
        assert main(argv) == 2
        assert capsys.readouterr().err.startswith("pyfactory init: error: ")
        assert main([*argv, "--force"]) == 0
        assert (ticketing / "factories.py").read_text().startswith('"""The factories')

    def test_a_module_that_raises_shows_its_traceback(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit code 1, the module's own error and where it was raised."""
        (tmp_path / "broken_models.py").write_text("raise RuntimeError('no config')\n")
        target = str(tmp_path / "broken_models.py")
        assert main(["init", "--models", target, "--out", str(tmp_path / "out")]) == 1
        err = capsys.readouterr().err
        assert 'broken_models.py", line 1, in <module>' in err
        assert "RuntimeError: no config" in err
        assert err.endswith(f"pyfactory init: importing {target} raised RuntimeError\n")
        assert not (tmp_path / "out").exists()

    def test_django_settings_that_cannot_be_read(self, tmp_path: Path) -> None:
        """``--settings`` naming no module: a usage error that names them."""
        result = run(
            *(sys.executable, "-m", "pyfactory", "init", "--models", "examples.ticketing.models"),
            *("--settings", "no_such_settings"),
            cwd=tmp_path,
            code=2,
        )
        assert result.stderr == (
            "pyfactory init: error: cannot set Django up with the settings no_such_settings: "
            "ModuleNotFoundError: No module named 'no_such_settings'\n"
        )

    def test_schema_is_for_url(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--schema`` without ``--url`` is a usage error."""
        with pytest.raises(SystemExit) as raised:
            main(["init", "--models", "examples.ticketing.models", "--schema", "x"])
        assert raised.value.code == 2
        assert "--schema is for --url" in capsys.readouterr().err


class TestLinksThatCannotBeFilled:
    """Self-referential and cyclic keys: a comment or a trait, never code that recurses."""

    MODELS = """\
        from __future__ import annotations

        from sqlalchemy import CheckConstraint, ForeignKey, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Folder(Base):
            __tablename__ = "folder"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(3), unique=True)
            parent_id: Mapped[int | None] = mapped_column(ForeignKey("folder.id"))


        class Chicken(Base):
            __tablename__ = "chicken"
            id: Mapped[int] = mapped_column(primary_key=True)
            egg_id: Mapped[int] = mapped_column(ForeignKey("egg.id"))


        class Egg(Base):
            __tablename__ = "egg"
            __table_args__ = (CheckConstraint("size <> 0 OR size IS NULL"),)
            id: Mapped[int] = mapped_column(primary_key=True)
            chicken_id: Mapped[int] = mapped_column(ForeignKey("chicken.id"))
            size: Mapped[int]
        """

    @pytest.fixture
    def written(self, tmp_path: Path) -> Path:
        (tmp_path / "coop.py").write_text(textwrap.dedent(self.MODELS))
        out = tmp_path / "out"
        pyfactory("init", "--models", "coop.py", "--out", out, cwd=tmp_path)
        return out

    def test_a_nullable_self_reference_is_a_trait(self, written: Path) -> None:
        """``parent_id`` stays None; ``with_parent`` makes a parent folder (whose own
        parent is None, so it ends there). A unique column too short for a sequence is
        left to auto-fill."""
        text = (written / "factories.py").read_text()
        folder = text[text.index("class FolderFactory") : text.index("class ChickenFactory")]
        assert '"parent_id": association(FolderFactory).attribute("id"),' in folder
        assert "    def with_parent(self) -> dict[str, Any]:" in folder
        assert "sequence" not in folder

    def test_a_required_cycle_is_a_comment(self, written: Path) -> None:
        """Neither a chicken nor an egg can be written first: the keys are commented
        out, with the reason, and the CHECK that auto-fill cannot read is noted."""
        text = (written / "factories.py").read_text()
        egg = text[text.index("class EggFactory") :]
        assert "            # chicken_id is required and Egg reaches itself through it:" in egg
        assert '            # "chicken_id": association(ChickenFactory).attribute("id"),' in egg
        assert "        # CHECK size <> 0 OR size IS NULL: not read by auto-fill," in egg

    def test_the_seeds_of_the_cycle_are_off(self, written: Path, tmp_path: Path) -> None:
        """The folders are seeded; the chickens and eggs are skipped, each seed
        saying why, so the other seeds run."""
        seeds = (written / "seeds.py").read_text()
        egg = seeds[seeds.index("class EggSeed") :]
        assert "    # Off: a required key leads back to Egg: no row can be written first" in egg
        assert "        return False\n" in egg
        url = f"sqlite:///{tmp_path / 'coop.sqlite3'}"
        out = pyfactory("seed", written / "seeds.py", "--url", url, "--create-tables", cwd=tmp_path)
        assert "3 seeds: 1 ran, 2 skipped; 5 rows in 1 table" in out

    @pytest.mark.slow
    def test_still_formatted_and_typed(
        self, written: Path, tmp_path: Path, mypy_cache: Path
    ) -> None:
        """Comments and traits keep the files formatted and typed."""
        (written / "coop.py").write_text((tmp_path / "coop.py").read_text())
        check_as_written(written, mypy_cache)


LONG_NAMES = """\
    from __future__ import annotations

    from sqlalchemy import ForeignKey, String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class BillingAdministratorAccountWithAVeryLongName(Base):
        __tablename__ = "billing_administrator_account"
        id: Mapped[int] = mapped_column(primary_key=True)
        responsible_billing_administrator_email_address: Mapped[str] = mapped_column(
            String(200), unique=True
        )


    class AuditTrailEntryOfTheBillingSubsystem(Base):
        __tablename__ = "audit_trail_entry"
        id: Mapped[int] = mapped_column(primary_key=True)
        responsible_billing_administrator_account_id: Mapped[int] = mapped_column(
            ForeignKey("billing_administrator_account.id")
        )
        reviewing_billing_administrator_account_id: Mapped[int | None] = mapped_column(
            ForeignKey("billing_administrator_account.id")
        )
    """


@pytest.mark.slow
def test_long_names_are_split_as_ruff_splits_them(tmp_path: Path, mypy_cache: Path) -> None:
    """Lines too long for 88 columns are split where ruff format splits them, so the
    files stay formatted whatever the names; and still run and type-check."""
    (tmp_path / "billing.py").write_text(textwrap.dedent(LONG_NAMES))
    out = tmp_path / "out"
    pyfactory("init", "--models", "billing.py", "--out", out, cwd=tmp_path)
    text = (out / "factories.py").read_text()
    assert (
        textwrap.indent(
            textwrap.dedent("""\
            "responsible_billing_administrator_account_id": association(
                BillingAdministratorAccountWithAVeryLongNameFactory
            ).attribute("id"),
        """),
            " " * 12,
        )
        in text
    )
    assert all(len(line) <= 88 for line in text.splitlines())
    (out / "billing.py").write_text((tmp_path / "billing.py").read_text())
    check_as_written(out, mypy_cache)
    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    seeded = pyfactory("seed", out / "seeds.py", "--url", url, "--create-tables", cwd=out)
    assert "2 seeds: 2 ran, 0 skipped; 10 rows in 2 tables" in seeded


def test_plans_are_immutable_records() -> None:
    """What a factory writes out is a plain record, readable in a debugger."""
    from pyfactory._adopt._write import plans_of

    plans = plans_of([models])
    ticket = next(plan for plan in plans if plan.name == "Ticket")
    keys: list[Any] = [entry.key for entry in ticket.entries]
    assert keys == ["reference", "event_id", "category_id", "session_id", "user"]
    assert [(p.key, p.model.__name__, p.attribute) for p in ticket.parents][-1] == (
        "user",
        "User",
        None,
    )
