"""``register(..., scope=...)``: one object for a class, module, package or session,
made in a transaction rolled back at the scope's end, a fresh copy in each test.

Run in pytest sessions of their own (``pytester``) on a SQLite file and on the
PostgreSQL server of ``PYFACTORY_TEST_POSTGRES_URL``, and with pytest-django.
"""

from __future__ import annotations

import importlib
import os
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from pyfactory import Factory, UsageError, schema
from pyfactory.pytest import LazyFixture, register

ROOT = Path(__file__).resolve().parents[2]

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

MODELS = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pyfactory import Factory, association, schema, sequence
from pyfactory.builders import SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


class Org(Base):
    __tablename__ = "scope_org"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Team(Base):
    __tablename__ = "scope_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    org_id: Mapped[int] = mapped_column(ForeignKey("scope_org.id"))
    org: Mapped[Org] = relationship()


class Member(Base):
    __tablename__ = "scope_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("scope_team.id"))
    team: Mapped[Team] = relationship()


class OrgFactory(Factory[Org]):
    _model = Org
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": sequence("org{n}")}


class TeamFactory(Factory[Team]):
    _model = Team
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": sequence("team{n}"), "org": association(OrgFactory)}


class MemberFactory(Factory[Member]):
    _model = Member
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"team": association(TeamFactory)}
"""

#: The connection, the scoped context and the tests' sessions, as docs/pytest.rst
#: shows them; the database comes from ``SCOPE_DB_URL``.
CONNECTION = """
import os

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from models import Base, Member, Org, Team


@pytest.fixture(scope="session")
def connection():
    engine = create_engine(os.environ["SCOPE_DB_URL"])
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()
    Base.metadata.drop_all(engine)
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


@pytest.fixture
def count(db_session):
    return lambda model: db_session.scalar(select(func.count()).select_from(model))
"""


@pytest.fixture
def sqlalchemy_loaded() -> None:
    """SQLAlchemy and its dialects imported here, before ``pytester``: pytester forgets
    the modules imported after it starts, and SQLAlchemy imported afresh beside its
    compiled parts breaks."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        # Another test's in-process run may have imported a dialect and forgotten it:
        # importing it again registers its SQL functions twice, which only warns.
        warnings.simplefilter("ignore", SAWarning)
        for module in (
            "sqlalchemy.orm",
            "sqlalchemy.dialects.postgresql.psycopg",
            "sqlalchemy.dialects.sqlite.pysqlite",
            "pyfactory.builders.sqlalchemy",
        ):
            importlib.import_module(module)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest,
    sqlalchemy_loaded: None,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> pytest.Pytester:
    """A pytester directory with the models and the connection fixtures, on a SQLite
    file or on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{pytester.path / 'scope.sqlite3'}"
    else:
        url = os.environ.get("PYFACTORY_TEST_POSTGRES_URL", "").strip()
        if not url:
            pytest.skip("PYFACTORY_TEST_POSTGRES_URL is not set")
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    monkeypatch.setenv("SCOPE_DB_URL", url)
    pytester.makeini(INI)
    pytester.makepyfile(models=MODELS)
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, files: dict[str, str], **outcomes: int) -> pytest.RunResult:
    for name, source in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", "-p", "no:randomly")
    result.assert_outcomes(**outcomes)
    return result


class TestSQLAlchemy:
    def test_one_row_per_module_and_a_copy_per_test(self, database: pytest.Pytester) -> None:
        """The module's org is one row, made once: the same id and name in every test,
        a different Python object in each, and what a test does to it is undone."""
        conftest = CONNECTION + "\nfrom pyfactory.pytest import register\n"
        conftest += "from models import OrgFactory\nregister(OrgFactory, scope='module')\n"
        test = """
            from models import Org

            SEEN = []


            def test_first(org, db_session, count):
                SEEN.append((org, org.id))
                org.name = "changed"
                db_session.commit()
                db_session.add(Org(name="extra"))
                db_session.flush()
                assert count(Org) == 2


            def test_second(org, count):
                assert org is not SEEN[0][0] and org.id == SEEN[0][1]
                assert org.name == "org1" and count(Org) == 1
        """
        other = """
            from models import Org


            def test_its_own(org, count):
                assert org.name == "org1" and count(Org) == 1
        """
        run(
            database,
            {"conftest.py": conftest, "test_a.py": test, "test_b.py": other},
            passed=3,
        )

    def test_class_scope(self, database: pytest.Pytester) -> None:
        """scope="class": one org per class, the last one gone with its class."""
        conftest = CONNECTION + "\nfrom pyfactory.pytest import register\n"
        conftest += "from models import OrgFactory\nregister(OrgFactory, scope='class')\n"
        test = """
            from models import Org

            IDS = {}


            class TestOne:
                def test_a(self, org, count):
                    IDS["one"] = org.id
                    assert count(Org) == 1

                def test_b(self, org, count):
                    assert org.id == IDS["one"] and count(Org) == 1


            class TestTwo:
                def test_a(self, org, count):
                    assert count(Org) == 1
        """
        run(database, {"conftest.py": conftest, "test_classes.py": test}, passed=3)

    def test_parents_are_shared_across_scopes(self, database: pytest.Pytester) -> None:
        """A module's team shares the session's org; a test's member shares the
        module's team; an override gives a test a team of its own."""
        conftest = CONNECTION + textwrap.dedent(
            """
            from pyfactory.pytest import register
            from models import MemberFactory, OrgFactory, TeamFactory

            register(OrgFactory, scope="session")
            register(TeamFactory, scope="module")
            register(MemberFactory)
            """
        )
        test = """
            import pytest

            from models import Member, Org, Team


            def test_one_of_each(member, team, org, count):
                assert member.team_id == team.id and team.org_id == org.id
                assert (count(Org), count(Team), count(Member)) == (1, 1, 1)


            @pytest.mark.parametrize("team__name", ["own"])
            def test_own_team(member, team, org, count):
                assert team.name == "own" and member.team_id == team.id
                assert team.org_id == org.id
                assert (count(Org), count(Team)) == (1, 2)
        """
        run(database, {"conftest.py": conftest, "test_chain.py": test}, passed=2)

    def test_a_session_on_another_connection(self, database: pytest.Pytester) -> None:
        """A scoped context whose session is not on the tests' connection: the test's
        session cannot see the shared row, and says so."""
        shared = 'Session(bind=connection, join_transaction_mode="create_savepoint")'
        conftest = CONNECTION.replace(
            f'return {{"session": {shared}}}',
            "other = connection.engine.connect()\n"
            '    yield {"session": Session(bind=other)}\n'
            "    other.close()",
        )
        conftest += "\nfrom pyfactory.pytest import register\n"
        conftest += "from models import OrgFactory\nregister(OrgFactory, scope='module')\n"
        test = """
            def test_it(org):
                pass
        """
        result = run(database, {"conftest.py": conftest, "test_it.py": test}, errors=1)
        result.stdout.fnmatch_lines(
            [
                "*pyfactory.errors.UsageError: OrgFactory cannot load its Org (1,) again "
                "through this session: the row is not stored where the session sees it "
                "(deleted, never flushed, or written on another connection)"
            ]
        )

    def test_no_scoped_context(self, database: pytest.Pytester) -> None:
        """Without pyfactory_scoped_context the factory has no session; the error
        names the fixture to override."""
        conftest = CONNECTION.replace("def pyfactory_scoped_context", "def unused_context")
        conftest += "\nfrom pyfactory.pytest import register\n"
        conftest += "from models import OrgFactory\nregister(OrgFactory, scope='module')\n"
        test = """
            def test_it(org):
                pass
        """
        result = run(database, {"conftest.py": conftest, "test_it.py": test}, errors=1)
        result.stdout.fnmatch_lines(
            [
                "*MissingContextError: OrgFactory needs 'session' in its context; pass it "
                "when making the factory: OrgFactory(session=...). register(OrgFactory, "
                "scope='module') creates its object with the context of the "
                "pyfactory_scoped_context fixture (session-scoped), which has no 'session'*"
            ]
        )


DJANGO_POSTGRES = """
import pytest

from pyfactory import Factory, association, schema, sequence
from pyfactory.builders import DjangoBuilder
from pyfactory.pytest import register
from tests.django_app.models import Author, Post


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": "Ann", "email": sequence("author{n}@example.com")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"title": "Hello", "author": association(AuthorFactory)}


register(AuthorFactory, scope="module")
register(PostFactory, scope="module")


@pytest.fixture(scope="session")
def pyfactory_scoped_context():
    return {"using": "postgres"}


@pytest.fixture
def pyfactory_context(db):
    return {"using": "postgres"}
"""


def test_django_on_postgresql(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's builder on the PostgreSQL alias: a module's author and post, each
    test's changes rolled back, and the next module starting from its own."""
    if not os.environ.get("PYFACTORY_TEST_POSTGRES_URL", "").strip():
        pytest.skip("PYFACTORY_TEST_POSTGRES_URL is not set")
    pytester.path.joinpath("pytest.ini").write_text(
        INI + "DJANGO_SETTINGS_MODULE = tests.django_settings\ndjango_find_project = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(DJANGO_POSTGRES)
    test = """
        import pytest

        from tests.django_app.models import Author, Post

        pytestmark = pytest.mark.django_db(databases=["default", "postgres"])
        authors = Author.objects.using("postgres")


        def test_renamed(post, author):
            assert post.author_id == author.pk
            author.name = "Renamed"
            author.save(using="postgres")
            assert authors.get().name == "Renamed"


        def test_back(post, author):
            assert author.name == "Ann" and authors.get().name == "Ann"
            assert Post.objects.using("postgres").count() == 1
    """
    pytester.makepyfile(test_first=test, test_second=test)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def _module(source: str, **names: Any) -> dict[str, Any]:
    """Run ``source`` as the top level of a module whose globals start with ``names``."""
    namespace: dict[str, Any] = {"__name__": "conftest_like", **names}
    exec(compile(textwrap.dedent(source), "conftest_like.py", "exec"), namespace)
    return namespace


class User:
    def __init__(self, name: str) -> None:
        self.name = name


class UserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "register(UserFactory, scope='modul')",
            "register(UserFactory, scope='modul'): the scope is one of 'function', "
            "'class', 'module', 'package', 'session'",
        ),
        (
            "register(UserFactory, scope='module', is_async=True)",
            "register(UserFactory, scope='module') makes its object once for many tests, "
            "through create(); an asynchronous fixture cannot be shared that way: drop "
            "scope=, or is_async=True",
        ),
        (
            "register(UserFactory, scope='session', overrides={'name': LazyFixture('x')})",
            "register(UserFactory, scope='session') cannot take the override 'name' from "
            "another fixture (LazyFixture): the object is made once for the scope, before "
            "any test's fixtures; give a value, or override it in the tests that need it "
            "(a user__name parameter or fixture)",
        ),
    ],
)
def test_refused(call: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        _module(call, register=register, UserFactory=UserFactory, LazyFixture=LazyFixture)
    assert str(raised.value) == message


def test_a_function_scope_is_the_default() -> None:
    """scope="function" is what register() did before: no hidden fixture."""
    namespace = _module(
        "register(UserFactory, scope='function')", register=register, UserFactory=UserFactory
    )
    assert "user" in namespace
    assert "_pyfactory_shared_user" not in namespace
    scoped = _module(
        "register(UserFactory, scope='module')", register=register, UserFactory=UserFactory
    )
    assert "_pyfactory_shared_user" in scoped
