"""``--pyfactory-check=create``, and ``--pyfactory-check`` under pytest-django: the check
runs before the first test, where the database is reachable (the session of the
``pyfactory_context`` fixture, pytest-django's test databases), on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# Imported here, before the in-process runs below: pytester drops the modules that a
# run imports, and a psycopg module imported again would not be the one that the
# PostgreSQL fixtures' connection holds (TypeError: unhashable type: 'Composed').
pytest.importorskip("psycopg.sql")

ROOT = Path(__file__).parent.parent.parent

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""

# ------------------------------------------------------------------ SQLAlchemy

MODELS = """
import os

import pytest
from sqlalchemy import CheckConstraint, String, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import Factory, schema, sequence, trait
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.pytest import register


class Base(DeclarativeBase):
    pass


class Shop(Base):
    __tablename__ = "plugin_shop"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    note: Mapped[str | None] = mapped_column(String(40), nullable=False)
    price: Mapped[int] = mapped_column(default=0)


class ShopFactory(Factory[Shop]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": sequence("shop {n}"), "note": "open", "price": 1}

    @trait()
    def expensive(self):
        return {"price": 100}
"""

BROKEN_TRAITS = """

    @trait()
    def unnoted(self):
        return {"note": None}

    @trait()
    def taken(self):
        return {"name": "taken"}
"""

FIXTURES = """

register(ShopFactory)


@pytest.fixture(scope="session")
def engine():
    engine = create_engine(os.environ["CHECK_DB_URL"])
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine):
    with Session(engine) as session:
        yield session
        session.rollback()


@pytest.fixture
def pyfactory_context(db_session):
    return {"session": db_session}
"""

TESTS = """
from sqlalchemy import text


def test_first(db_session):
    assert db_session.scalar(text("SELECT count(*) FROM plugin_shop")) == 1


def test_second(shop):
    assert shop.name.startswith("shop ")  # under xdist, in the worker's lane
"""


@pytest.fixture
def shop_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's database (each backend in turn) with the table and one shop,
    ``taken``, committed; given to the suite below as ``CHECK_DB_URL``."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE plugin_shop (id INTEGER NOT NULL PRIMARY KEY, "
                    "name VARCHAR(40) NOT NULL UNIQUE, note VARCHAR(40) NOT NULL, "
                    "price INTEGER NOT NULL, CONSTRAINT price_not_negative CHECK (price >= 0))"
                    if engine.dialect.name == "sqlite"
                    else "CREATE TABLE plugin_shop (id SERIAL PRIMARY KEY, "
                    "name VARCHAR(40) NOT NULL UNIQUE, note VARCHAR(40) NOT NULL, "
                    "price INTEGER NOT NULL, CONSTRAINT price_not_negative CHECK (price >= 0))"
                )
            )
            connection.execute(
                text("INSERT INTO plugin_shop (name, note, price) VALUES ('taken', 'x', 0)")
            )
    finally:
        engine.dispose()
    monkeypatch.setenv("CHECK_DB_URL", db_url)
    return db_url


def _shops(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM plugin_shop")) or 0
    finally:
        engine.dispose()


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", *args)


@pytest.fixture
def shops(pytester: pytest.Pytester, shop_url: str) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makeconftest(MODELS + FIXTURES)
    pytester.makepyfile(test_shops=TESTS)
    return pytester


@pytest.fixture
def broken_shops(pytester: pytest.Pytester, shop_url: str) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makeconftest(MODELS + BROKEN_TRAITS + FIXTURES)
    pytester.makepyfile(test_shops=TESTS)
    return pytester


def test_create_passes_and_leaves_nothing(shops: pytest.Pytester, shop_url: str) -> None:
    """test_first, after the check, still sees the one shop there was."""
    result = _run(shops, "--pyfactory-check=create")
    result.assert_outcomes(passed=2)
    assert result.outlines.count("pyfactory check: 2 creates of 1 factory passed") == 1
    assert _shops(shop_url) == 1


def test_constraints_pass_a_build_check(broken_shops: pytest.Pytester) -> None:
    result = _run(broken_shops, "--pyfactory-check")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["pyfactory check: 4 builds of 1 factory passed"])


def test_create_reports_the_constraints_and_runs_no_test(
    broken_shops: pytest.Pytester, shop_url: str, db_backend: str
) -> None:
    result = _run(broken_shops, "--pyfactory-check=create", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(errors=1, skipped=1)
    unnoted = {
        "sqlite": "*NOT NULL constraint failed: plugin_shop.note*",
        "postgres": '*null value in column "note" of relation "plugin_shop" violates not-null*',
    }[db_backend]
    taken = {
        "sqlite": "*UNIQUE constraint failed: plugin_shop.name*",
        "postgres": "*duplicate key value violates unique constraint*",
    }[db_backend]
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR collecting --pyfactory-check _*",
            "ShopFactory(seed=0, session=session).create('basic', 'unnoted'): BuilderError: "
            "ShopFactory.basic: SQLAlchemyBuilder.create(Shop) raised IntegrityError(" + unnoted,
            "ShopFactory(seed=0, session=session).create('basic', 'taken'): BuilderError: " + taken,
            "pyfactory check: 2 of 4 creates of 1 factory failed",
            "*pyfactory check: 2 of 4 creates of 1 factory failed*",  # the banner
        ]
    )
    assert "test_second" not in result.stdout.str()
    assert _shops(shop_url) == 1


def test_continue_on_collection_errors_runs_the_tests(broken_shops: pytest.Pytester) -> None:
    result = _run(broken_shops, "--pyfactory-check=create", "--continue-on-collection-errors")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["pyfactory check: 2 of 4 creates of 1 factory failed"])


def test_create_under_xdist(broken_shops: pytest.Pytester, shop_url: str, db_backend: str) -> None:
    """Each worker checks before its first test, and reports the same error once."""
    result = broken_shops.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:django", "-n", "2", "--pyfactory-check=create"
    )
    # The controller stops the workers once one has failed (session.shouldfail).
    assert result.ret == pytest.ExitCode.INTERRUPTED
    # Each worker that started skips its first test and reports the error, which
    # pytest-xdist shows once when the reports are the same; PostgreSQL's quote the
    # failing row, whose id differs from worker to worker.
    outcomes = result.parseoutcomes()
    assert outcomes["skipped"] in (1, 2)
    errors = 1 if db_backend == "sqlite" else outcomes["skipped"]
    assert outcomes["errors"] == errors
    assert result.stdout.str().count("ERROR collecting --pyfactory-check") == errors
    result.stdout.fnmatch_lines(["pyfactory check: 2 of 4 creates of 1 factory failed"])
    assert "passed" not in result.stdout.str()
    assert _shops(shop_url) == 1


def test_create_under_xdist_passes_once(shops: pytest.Pytester, shop_url: str) -> None:
    result = shops.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:django", "-n", "2", "--pyfactory-check=create"
    )
    result.assert_outcomes(passed=2)
    assert result.outlines.count("pyfactory check: 2 creates of 1 factory passed") == 1


def test_the_option_comes_before_the_paths(shops: pytest.Pytester) -> None:
    """``--pyfactory-check`` takes no value: the path after it stays a path."""
    result = _run(shops, "--pyfactory-check", "test_shops.py::test_second")
    result.assert_outcomes(passed=1)
    result = _run(shops, "--pyfactory-check=creat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --pyfactory-check: ignored explicit argument 'creat'"])


def test_a_context_that_is_no_mapping(shops: pytest.Pytester) -> None:
    shops.makeconftest(
        MODELS + FIXTURES + "\n\n@pytest.fixture\ndef pyfactory_context():\n    return 1\n"
    )
    result = _run(shops, "--pyfactory-check=create")
    result.assert_outcomes(errors=2)  # the check's, and register()'s own
    result.stdout.fnmatch_lines(
        [
            "E*UsageError: the pyfactory_context fixture must return a mapping of context "
            "keys (such as {'session': ...}), got 1"
        ]
    )


def test_collect_only_checks_nothing(shops: pytest.Pytester) -> None:
    result = _run(shops, "--pyfactory-check=create", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert "pyfactory check" not in result.stdout.str()


# ------------------------------------------------------------------ pytest-django

DJANGO_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
DJANGO_SETTINGS_MODULE = tests.django_settings
django_find_project = false
"""

DJANGO_CONFTEST = """
import pytest

from pyfactory import Factory, each, lazy, schema, sequence, trait
from pyfactory.builders.django import DjangoBuilder
from pyfactory.pytest import register
from tests.django_app.models import Author, Comment, Post

USING = {using!r}


class AuthorFactory(Factory[Author]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        # Reads the database as it builds.
        return {{
            "name": lazy(lambda a: f"author {{Author.objects.using(USING).count() + 1}}"),
            "email": sequence("author{{n}}@example.com"),
        }}


class PostFactory(Factory[Post]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {{"title": "Hi", "author": each(Author.objects.using(USING).all())}}


class CommentFactory(Factory[Comment]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"
    _check_skip = "needs a post of the fixtures"

    @schema()
    def basic(self):
        return {{"post": each(Post.objects.using(USING).all()), "body": "Nice."}}

{extra}

register(AuthorFactory)
register(PostFactory)
register(CommentFactory)


@pytest.fixture
def pyfactory_context():
    return {{"using": USING}}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # pytest-django's way to give the test databases rows: one author.
    with django_db_blocker.unblock():
        Author.objects.using(USING).create(name="Seeded", email="seeded@example.com")
"""

SILENT = """
class SilentFactory(Factory[Author]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": None, "email": "silent@example.com"}


register(SilentFactory, name="silent")
"""

DJANGO_TESTS = """
import pytest

from tests.django_app.models import Author, Comment, Post

pytestmark = pytest.mark.django_db(databases={databases!r})


def test_nothing_left():
    assert list(Author.objects.using({using!r}).values_list("name", flat=True)) == ["Seeded"]
    assert Post.objects.using({using!r}).count() == 0


def test_author(author_factory):
    assert author_factory.create().name == "author 2"
"""


@pytest.fixture(params=["default", "postgres"], ids=["sqlite", "postgres"])
def django_suite(
    request: pytest.FixtureRequest, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> tuple[pytest.Pytester, str]:
    """The suite, and the alias its factories use."""
    using = request.param
    if using == "postgres" and not os.environ.get("PYFACTORY_TEST_POSTGRES_URL"):
        request.getfixturevalue("postgres_url")  # skips, or fails under CI, saying why
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    databases = ["default", "postgres"] if using == "postgres" else ["default"]
    pytester.makeini(DJANGO_INI)
    pytester.makeconftest(DJANGO_CONFTEST.format(using=using, extra=""))
    pytester.makepyfile(test_authors=DJANGO_TESTS.format(using=using, databases=databases))
    return pytester, using


def _django_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_django_factories_that_read_the_database_pass_the_build_check(
    django_suite: tuple[pytest.Pytester, str],
) -> None:
    """Before the check ran before any database access was allowed: each factory that
    reads the database failed it."""
    result = _django_run(django_suite[0], "--pyfactory-check")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "CommentFactory skipped: needs a post of the fixtures",
            "pyfactory check: 2 builds of 2 factories passed, 1 skipped",
        ]
    )


def test_django_create_check_leaves_nothing(django_suite: tuple[pytest.Pytester, str]) -> None:
    result = _django_run(django_suite[0], "--pyfactory-check=create")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["pyfactory check: 2 creates of 2 factories passed, 1 skipped"])


def test_django_create_check_reports_a_constraint(
    django_suite: tuple[pytest.Pytester, str],
) -> None:
    suite, using = django_suite
    suite.makeconftest(DJANGO_CONFTEST.format(using=using, extra=SILENT))
    result = _django_run(suite, "--pyfactory-check")
    result.assert_outcomes(passed=2)  # a build passes
    result = _django_run(suite, "--pyfactory-check=create")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(errors=1, skipped=1)
    violation = {
        "default": "*NOT NULL constraint failed: django_app_author.name*",
        "postgres": '*null value in column "name" of relation "django_app_author" violates*',
    }[using]
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR collecting --pyfactory-check _*",
            f"SilentFactory(seed=0, using={using!r}).create('basic'): BuilderError: "
            "SilentFactory.basic: DjangoBuilder.create(Author) raised IntegrityError(" + violation,
        ]
    )
