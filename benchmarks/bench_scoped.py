"""A 200-test suite with and without ``register(..., scope=...)``: time per suite.

Each test needs an organization with its teams and their members (16 rows), as a
large app's tests need their tenant, and makes one project of its own. The suite is
written to a temporary directory: ten test modules of twenty tests, a ``conftest.py``
that registers the factories with the connection recipe of docs/pytest.rst, and a
SQLite file. It is run by pytest in a subprocess three ways:

* ``function``: ``register(OrgFactory)``, a new organization for every test (what a
  suite without scopes does);
* ``module``: ``register(OrgFactory, scope="module")``, one per module, a fresh copy
  (one ``SELECT``) per test;
* ``session``: ``register(OrgFactory, scope="session")``, one for the run.

Every run is checked first: all tests pass, and each sees exactly one organization.
The figure is pytest's own time for the session (its summary line), which leaves out
the interpreter's start; best and median of the repeats, the garbage collector on as
pytest leaves it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _harness import (
    Column,
    Table,
    argument_parser,
    best_and_median,
    header,
    optional_version,
    pyfactory_version,
    total_time,
)

MODELS = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pyfactory import Factory, association, many, schema, sequence
from pyfactory.builders import SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


class Org(Base):
    __tablename__ = "org"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    teams: Mapped[list["Team"]] = relationship(back_populates="org")


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    org: Mapped[Org] = relationship(back_populates="teams")
    members: Mapped[list["Member"]] = relationship(back_populates="team")


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    team: Mapped[Team] = relationship(back_populates="members")


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    org: Mapped[Org] = relationship()


class MemberFactory(Factory[Member]):
    _model = Member
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def basic(self):
        return {"email": sequence("member{n}@example.com")}


class TeamFactory(Factory[Team]):
    _model = Team
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def basic(self):
        return {"name": sequence("team{n}"), "members": many(MemberFactory, "basic", count=4)}


class OrgFactory(Factory[Org]):
    _model = Org
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": sequence("org{n}"), "teams": many(TeamFactory, "basic", count=3)}


class ProjectFactory(Factory[Project]):
    _model = Project
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"title": sequence("project{n}"), "org": association(OrgFactory)}
"""

CONFTEST = """
import os

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models import Base, OrgFactory, ProjectFactory
from pyfactory.pytest import register

register(OrgFactory, scope=os.environ["BENCH_SCOPE"])
register(ProjectFactory)


@pytest.fixture(scope="session")
def connection(tmp_path_factory):
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'suite.sqlite3'}")
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()
    engine.dispose()


@pytest.fixture(scope="session")
def pyfactory_scoped_context(connection):
    return {"session": Session(bind=connection, join_transaction_mode="create_savepoint")}


@pytest.fixture
def db_session(connection):
    test = connection.begin_nested()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    test.rollback()


@pytest.fixture
def pyfactory_context(db_session):
    return {"session": db_session}
"""

TEST = """
import pytest
from sqlalchemy import func, select

from models import Member, Org, Project


@pytest.mark.parametrize("n", range({tests}))
def test_a_project(n, project, org, db_session):
    assert project.org_id == org.id
    assert db_session.scalar(select(func.count()).select_from(Org)) == 1
    assert db_session.scalar(select(func.count()).select_from(Member)) == 12
    assert db_session.scalar(select(func.count()).select_from(Project)) == 1
"""

_SECONDS = re.compile(r"(\d+) passed in ([\d.]+)s")


def write_suite(where: Path, modules: int, tests: int) -> None:
    (where / "models.py").write_text(MODELS, encoding="utf-8")
    (where / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    for number in range(modules):
        source = textwrap.dedent(TEST).replace("{tests}", str(tests))
        (where / f"test_suite_{number:02}.py").write_text(source, encoding="utf-8")
    (where / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
    )


def run_suite(where: Path, scope: str, expected: int) -> float:
    """pytest's time for the suite with ``OrgFactory`` registered at ``scope``; every
    test must pass."""
    environment = {**os.environ, "BENCH_SCOPE": scope, "PYTHONPATH": str(where)}
    environment.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:django"],
        cwd=where,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    found = _SECONDS.search(done.stdout)
    if done.returncode != 0 or found is None or int(found[1]) != expected:
        raise SystemExit(f"the {scope} suite failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    return float(found[2])


def main() -> None:
    parser = argument_parser(
        __doc__,
        "a 20-test suite run once per scope: checks that it works, the figures mean little",
        no_gc_help=None,
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per scope (default 3)")
    args = parser.parse_args()
    started = time.perf_counter()
    modules, tests, repeat = (1, 5, 1) if args.quick else (10, 20, args.repeat)
    count = modules * tests
    print(
        "\n".join(
            header(
                {
                    "pyfactory": pyfactory_version(),
                    "SQLAlchemy": optional_version("SQLAlchemy"),
                    "pytest": optional_version("pytest"),
                },
                load=True,
            )
        )
    )
    print(
        f"mode: {'quick' if args.quick else 'full'}; {count} tests in {modules} modules, "
        f"each with an organization of 16 rows and a project; best and median of {repeat} "
        "run(s) per scope, pytest's own time, gc on"
    )
    scopes = ("function", "module", "session")
    samples: dict[str, list[float]] = {scope: [] for scope in scopes}
    with tempfile.TemporaryDirectory(prefix="pyfactory-bench-suite-") as directory:
        where = Path(directory)
        write_suite(where, modules, tests)
        for _ in range(repeat):
            for scope in scopes:  # interleaved, so that the machine's load hits each alike
                samples[scope].append(run_suite(where, scope, count))
    table = Table(
        Column("organization made", "<36"),
        Column("best s", ">8", ".2f"),
        Column("median s", ">9", ".2f"),
        Column("vs per test", ">12", ".2f"),
    )
    print(table.header())
    baseline = best_and_median(samples["function"])[1]
    for scope in scopes:
        best, median = best_and_median(samples[scope])
        words = "per test" if scope == "function" else f"once per {scope}"
        print(table.row(f"{words} (scope={scope!r})", best, median, median / baseline))
    print(total_time(started))


if __name__ == "__main__":
    main()
