"""``check(create=True)`` and ``pyfactory check --create``: every schema and trait
created once in a transaction rolled back, on SQLite and PostgreSQL, through
SQLAlchemy and Django; ``_check_skip``; Django set up by ``pyfactory check``.

The plugin's ``--pyfactory-check=create`` is in ``tests/pytest_plugin/test_check_create.py``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError as DjangoIntegrityError
from sqlalchemy import (
    CheckConstraint,
    Engine,
    ForeignKey,
    MetaData,
    String,
    event,
    func,
    make_url,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import (
    BuilderError,
    CheckFailure,
    Factory,
    UsageError,
    association,
    check,
    lazy,
    schema,
    sequence,
    trait,
)
from pyfactory.builders.django import DjangoBuilder
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from pyfactory.cli import main, summary
from tests.builders.test_django import ALIASES
from tests.django_app.models import Author, Comment, Post

ROOT = Path(__file__).parent.parent

# ------------------------------------------------------------------ SQLAlchemy


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "check_owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Shop(Base):
    __tablename__ = "check_shop"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    note: Mapped[str | None] = mapped_column(String(40), nullable=False)
    price: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("check_owner.id"))
    owner: Mapped[Owner | None] = relationship()


class OwnerFactory(Factory[Owner]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann"}


class ShopFactory(Factory[Shop]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("shop {n}"), "note": "open", "price": 1}

    @trait()
    def owned(self) -> dict[str, Any]:
        return {"owner": association(OwnerFactory)}

    @trait()
    def unnoted(self) -> dict[str, Any]:
        return {"note": None}  # NOT NULL

    @trait()
    def taken(self) -> dict[str, Any]:
        return {"name": "taken"}  # UNIQUE: a row has it

    @trait()
    def negative(self) -> dict[str, Any]:
        return {"price": -1}  # CHECK

    @trait()
    def orphan(self) -> dict[str, Any]:
        return {"owner_id": 999_999}  # FOREIGN KEY


class Stall(Base):
    """A foreign key checked only at the commit, which a rolled-back check never
    reaches unless it asks for it."""

    __tablename__ = "check_stall"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("check_owner.id", deferrable=True, initially="DEFERRED")
    )


class StallFactory(Factory[Stall]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"owner_id": 999_999}


class CommittingShopFactory(ShopFactory):
    _model_builder = SQLAlchemyBuilder(persistence="commit")


#: The database's words for each violation, by backend.
VIOLATIONS = {
    "sqlite": {
        "unnoted": "NOT NULL constraint failed: check_shop.note",
        "taken": "UNIQUE constraint failed: check_shop.name",
        "negative": "CHECK constraint failed: price_not_negative",
        "orphan": "FOREIGN KEY constraint failed",
    },
    "postgres": {
        "unnoted": 'null value in column "note" of relation "check_shop" violates not-null',
        "taken": 'duplicate key value violates unique constraint "check_shop_name_key"',
        "negative": 'new row for relation "check_shop" violates check constraint '
        '"price_not_negative"',
        "orphan": 'insert or update on table "check_shop" violates foreign key constraint',
    },
}


@pytest.fixture
def db_metadata() -> MetaData:
    return Base.metadata


def _foreign_keys_on(engine: Engine) -> Engine:
    """SQLite checks foreign keys only when told to, on each connection."""
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def on(connection: Any, record: Any) -> None:
            connection.execute("PRAGMA foreign_keys=ON")

    return engine


@pytest.fixture
def shop_engine(db_url: str, make_engine: Callable[..., Engine]) -> Engine:
    """The tables, and one shop named ``taken``, committed."""
    engine = _foreign_keys_on(make_engine(db_url))
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO check_shop (name, note, price) VALUES ('taken', 'x', 0)")
        )
    return engine


def counts(engine: Engine) -> tuple[int, int]:
    """The shops and owners stored, read on a connection of its own."""
    with engine.connect() as connection:
        shops = connection.scalar(select(func.count()).select_from(Shop))
        owners = connection.scalar(select(func.count()).select_from(Owner))
    return shops or 0, owners or 0


def test_create_reports_every_constraint_that_a_build_passes(
    shop_engine: Engine, db_backend: str
) -> None:
    assert check(ShopFactory) == []
    with Session(shop_engine) as session:
        failures = check(ShopFactory, create=True, session=session)
        assert [f.traits for f in failures] == [
            ("unnoted",),
            ("taken",),
            ("negative",),
            ("orphan",),
        ]
        for failure in failures:
            (trait_name,) = failure.traits
            assert isinstance(failure, CheckFailure)
            assert (failure.scope, failure.seed, failure.context) == (
                "create",
                0,
                {"session": session},
            )
            assert isinstance(failure.error, BuilderError)
            assert isinstance(failure.error.__cause__, IntegrityError)
            assert (
                failure.call
                == f"ShopFactory(seed=0, session=session).create('basic', '{trait_name}')"
            )
            assert str(failure).startswith(
                f"{failure.call}: BuilderError: ShopFactory.basic: "
                "SQLAlchemyBuilder.create(Shop) raised IntegrityError("
            )
            assert VIOLATIONS[db_backend][trait_name] in str(failure)
        # The session goes on: what the check created is gone, the rest is usable,
        # and the sequences are as they were.
        assert session.scalars(select(Shop.name)).all() == ["taken"]
        assert ShopFactory(session=session).create("basic", "owned").name == "shop 1"
        session.rollback()
    assert counts(shop_engine) == (1, 0)


def test_a_deferred_foreign_key_is_checked(shop_engine: Engine, db_backend: str) -> None:
    """The create itself passes; the check makes the database check the deferred key
    before it rolls back, as a commit would."""
    with Session(shop_engine) as session:
        [failure] = check(StallFactory, create=True, session=session)
        assert failure.call == "StallFactory(seed=0, session=session).create('basic')"
        assert isinstance(failure.error, IntegrityError)
        if db_backend == "sqlite":
            assert str(failure).startswith(
                "StallFactory(seed=0, session=session).create('basic'): IntegrityError: "
                "(sqlite3.IntegrityError) FOREIGN KEY constraint failed: row 1 of "
                "check_stall points at no row of check_owner (a deferred foreign key, "
                "checked at the commit)"
            )
        else:
            assert 'violates foreign key constraint "check_stall_owner_id_fkey"' in str(failure)
        assert session.scalar(select(func.count()).select_from(Stall)) == 0
        session.rollback()


def test_the_reported_call_reproduces_the_failure(shop_engine: Engine, db_backend: str) -> None:
    with Session(shop_engine) as session:
        failure = check(ShopFactory, create=True, session=session, seed=3)[2]
        assert failure.call == "ShopFactory(seed=3, session=session).create('basic', 'negative')"
        with pytest.raises(BuilderError) as info:
            ShopFactory(seed=3, session=session).create("basic", "negative")
        # The same values: on PostgreSQL, only the id that the sequence gave differs.
        assert str(info.value).split("DETAIL")[0] == str(failure.error).split("DETAIL")[0]
        if db_backend == "postgres":  # its message shows the row
            assert "shop 1" in str(info.value)
            assert "shop 1" in str(failure.error)


def test_nothing_is_left_even_by_a_factory_that_commits(shop_engine: Engine) -> None:
    """The check's transaction is the outermost call's: the builder's commit waits for
    it, and it is rolled back."""
    with Session(shop_engine) as session:
        failures = check(CommittingShopFactory, create=True, session=session)
        assert len(failures) == 4
    assert counts(shop_engine) == (1, 0)
    with Session(shop_engine) as session:
        CommittingShopFactory(session=session).create("basic", "owned")
    assert counts(shop_engine) == (2, 1)  # outside the check, it commits


def test_without_a_session_create_says_so(shop_engine: Engine) -> None:
    failures = check(OwnerFactory, create=True)
    assert [str(f) for f in failures] == [
        "OwnerFactory(seed=0).create('basic'): MissingContextError: OwnerFactory needs "
        "'session' in its context; pass it when making the factory: OwnerFactory(session=...)"
    ]


# ------------------------------------------------------------------ opting out


class SkippedShopFactory(ShopFactory):
    _check_skip = "needs the warehouse's rows"


def test_a_factory_with_check_skip_is_left_out_with_its_reason(shop_engine: Engine) -> None:
    with Session(shop_engine) as session:
        assert check(SkippedShopFactory, create=True, session=session) == []
        failures = check(
            SkippedShopFactory, OwnerFactory, ShopFactory, create=True, session=session
        )
    assert {f.factory for f in failures} == {ShopFactory}
    lines = summary([SkippedShopFactory, OwnerFactory, ShopFactory], failures, "create")
    assert lines[-2:] == [
        "SkippedShopFactory skipped: needs the warehouse's rows",
        "pyfactory check: 4 of 7 creates of 2 factories failed, 1 skipped",
    ]
    assert summary([SkippedShopFactory, OwnerFactory], []) == [
        "SkippedShopFactory skipped: needs the warehouse's rows",
        "pyfactory check: 1 build of 1 factory passed, 1 skipped",
    ]


@pytest.mark.parametrize("reason", ["", "  ", True, 1])
def test_check_skip_must_be_a_reason(reason: object) -> None:
    class Unclear(OwnerFactory):
        _check_skip = reason

    with pytest.raises(UsageError) as info:
        check(Unclear)
    assert str(info.value).endswith(
        "<locals>.Unclear._check_skip is the reason the check leaves it out, a non-empty string, "
        f"not {reason!r}"
    )


def test_a_subclass_may_take_the_opt_out_back() -> None:
    class Checked(SkippedShopFactory):
        _check_skip = None

    assert [f.traits for f in check(Checked)] == []
    assert summary([Checked], [])[-1] == "pyfactory check: 6 builds of 1 factory passed"


# ------------------------------------------------------------------ Django


class DjangoFactory(Factory[Any]):
    _abstract = True
    _model_builder = DjangoBuilder()
    _default_schema = "basic"


class AuthorFactory(DjangoFactory, Factory[Author]):
    _model = Author

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "email": sequence("author{n}@example.com")}

    @trait()
    def taken(self) -> dict[str, Any]:
        return {"email": "taken@example.com"}  # UNIQUE: a row has it

    @trait()
    def counted(self) -> dict[str, Any]:
        # Reads the database while it builds.
        return {"name": lazy(lambda author: f"author {Author.objects.count() + 1}")}


class PostFactory(DjangoFactory, Factory[Post]):
    _model = Post

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("post {n}"), "author": association(AuthorFactory)}

    @trait()
    def orphan(self) -> dict[str, Any]:
        return {"author": None, "author_id": 999_999}  # FOREIGN KEY, checked at commit


class CommentFactory(DjangoFactory, Factory[Comment]):
    _model = Comment

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"post": association(PostFactory), "body": "Nice."}

    @trait()
    def silent(self) -> dict[str, Any]:
        return {"body": None}  # NOT NULL


DJANGO_VIOLATIONS = {
    "default": {
        "taken": "UNIQUE constraint failed: django_app_author.email",
        "silent": "NOT NULL constraint failed: django_app_comment.body",
        "orphan": "django_app_post.author_id contains a value '999999' that does not have a "
        "corresponding value in django_app_author.id",
    },
    "postgres": {
        "taken": 'duplicate key value violates unique constraint "django_app_author_email_',
        "silent": 'null value in column "body" of relation "django_app_comment" violates '
        "not-null constraint",
        "orphan": 'insert or update on table "django_app_post" violates foreign key constraint',
    },
}


def _django_counts(using: str) -> tuple[int, int, int]:
    return (
        Author.objects.using(using).count(),
        Post.objects.using(using).count(),
        Comment.objects.using(using).count(),
    )


@pytest.mark.parametrize("using", ALIASES)
def test_django_create_reports_the_constraints_and_leaves_nothing(using: str) -> None:
    Author.objects.using(using).create(name="Taken", email="taken@example.com")
    factories = (AuthorFactory, PostFactory, CommentFactory)
    assert check(*factories, using=using) == []
    failures = check(*factories, create=True, using=using)
    assert [(f.factory, f.traits) for f in failures] == [
        (AuthorFactory, ("taken",)),
        (PostFactory, ("orphan",)),
        (CommentFactory, ("silent",)),
    ]
    taken, orphan, silent = failures
    assert taken.call == f"AuthorFactory(seed=0, using={using!r}).create('basic', 'taken')"
    assert isinstance(taken.error, BuilderError)
    assert isinstance(taken.error.__cause__, DjangoIntegrityError)
    assert isinstance(silent.error.__cause__, DjangoIntegrityError)
    # A deferred foreign key fails at the check of the constraints, after the create.
    assert isinstance(orphan.error, DjangoIntegrityError)
    for failure in failures:
        assert DJANGO_VIOLATIONS[using][failure.traits[0]] in str(failure)
    assert _django_counts(using) == (1, 0, 0)
    # The connection is still usable, and sequences start where they did.
    assert AuthorFactory(using=using).create().email == "author1@example.com"


# ------------------------------------------------------------------ the command line


SHOPS = """
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pyfactory import Factory, schema, sequence, trait
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


class Shop(Base):
    __tablename__ = "cli_shop"
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
    def unnoted(self):
        return {"note": None}

    @trait()
    def negative(self):
        return {"price": -1}


class WarehouseFactory(ShopFactory):
    _check_skip = "reads the warehouse"
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """tmp_path as the current directory, and the path and the modules as they were
    afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    (tmp_path / "shops.py").write_text(SHOPS)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def _shops(url: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM cli_shop")) or 0
    finally:
        engine.dispose()


def test_cli_create_on_a_url(
    here: Path, db_url: str, db_backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "shops"]) == 0
    assert capsys.readouterr().out == (
        "WarehouseFactory skipped: reads the warehouse\n"
        "pyfactory check: 3 builds of 1 factory passed, 1 skipped\n"
    )
    assert main(["check", "shops", "--create", "--url", db_url, "--create-tables"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split(":", 1)[0] for line in lines[:2]] == [
        "ShopFactory(seed=0, session=session).create('basic', 'unnoted')",
        "ShopFactory(seed=0, session=session).create('basic', 'negative')",
    ]
    assert all("IntegrityError" in line for line in lines[:2])
    assert lines[2:] == [
        "WarehouseFactory skipped: reads the warehouse",
        "pyfactory check: 2 of 3 creates of 1 factory failed, 1 skipped",
    ]
    assert err == ""
    assert _shops(db_url) == 0  # the tables were made and kept; no row
    password = make_url(db_url).password
    assert not password or password not in out + err
    # Tables there already: no --create-tables needed.
    assert main(["check", "shops", "--create", "--url", db_url, "--seed", "2"]) == 1
    assert "ShopFactory(seed=2, session=session).create" in capsys.readouterr().out
    assert _shops(db_url) == 0


def test_cli_create_awaits_the_factories_that_only_acreate(
    here: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A factory whose builder writes only through acreate is checked by acheck(), on
    the command's Session, in the same rolled-back transaction."""
    source = SHOPS.replace("class WarehouseFactory(ShopFactory):", "class _Skipped(ShopFactory):")
    source += (
        "\n\nfrom pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder\n\n\n"
        "class AsyncShopFactory(ShopFactory):\n"
        "    _model_builder = AsyncSQLAlchemyBuilder()\n"
    )
    (here / "ashops.py").write_text(source)
    assert main(["check", "ashops", "--create", "--url", db_url, "--create-tables"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":", 1)[0] for line in out[:-2]] == [
        "ShopFactory(seed=0, session=session).create('basic', 'unnoted')",
        "ShopFactory(seed=0, session=session).create('basic', 'negative')",
        "await AsyncShopFactory(seed=0, session=session).acreate('basic', 'unnoted')",
        "await AsyncShopFactory(seed=0, session=session).acreate('basic', 'negative')",
    ]
    assert all("IntegrityError" in line for line in out[:-2])
    assert out[-2:] == [
        "_Skipped skipped: reads the warehouse",
        "pyfactory check: 4 of 6 creates of 2 factories failed, 1 skipped",
    ]
    assert _shops(db_url) == 0


def test_cli_create_usage_errors(
    here: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def usage(argv: list[str]) -> str:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        return capsys.readouterr().err.splitlines()[-1]

    assert usage(["check", "shops", "--create"]) == (
        "pyfactory check: error: --create: ShopFactory, WarehouseFactory write through a "
        "SQLAlchemy session: give the database's --url"
    )
    assert usage(["check", "shops", "--url", sqlite_url]) == (
        "pyfactory check: error: --url is for --create"
    )
    assert usage(["check", "shops", "--database", "other"]) == (
        "pyfactory check: error: --database is for --create"
    )
    assert usage(["check", "shops", "--create", "--create-tables"]) == (
        "pyfactory check: error: --create-tables needs --url"
    )
    # Errors found once the modules are read: one line, exit code 2.
    assert main(["check", "shops", "--create", "--url", sqlite_url]) == 2
    assert capsys.readouterr().err == (
        f"pyfactory check: error: the database file {sqlite_url.removeprefix('sqlite:///')} "
        "does not exist: add --create-tables to create it with the tables of the seeds' models\n"
    )
    async_url = sqlite_url.replace("sqlite://", "sqlite+aiosqlite://")
    assert main(["check", "shops", "--create", "--url", async_url]) == 2
    assert capsys.readouterr().err == (
        f"pyfactory check: error: --url {async_url!r} names an async driver; the check "
        "creates through a Session: give the synchronous URL (sqlite://, postgresql+psycopg://)\n"
    )


def test_cli_unreachable_database_hides_the_password(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://ann:s3cr3t-pw@127.0.0.1:1/nowhere"
    assert main(["check", "shops", "--create", "--url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "pyfactory check: error: cannot connect to "
        "postgresql+psycopg://ann:***@127.0.0.1:1/nowhere: OperationalError: "
    )
    assert "s3cr3t-pw" not in err


# ------------------------------------------------------------------ Django on the command line

AUTHORS = """
from pyfactory import Factory, lazy, schema, sequence, trait
from pyfactory.builders.django import DjangoBuilder
from tests.django_app.models import Author, Comment


class AuthorFactory(Factory[Author]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": lazy(lambda a: f"author {Author.objects.count() + 1}"),
                "email": sequence("author{n}@example.com")}


class CommentFactory(Factory[Comment]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"post_id": 999_999, "body": "Nice."}

    @trait()
    def silent(self):
        return {"body": None}
"""


def _pyfactory(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m pyfactory``, with the checkout on the path (for ``tests.django_app``)."""
    full = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{cwd}", **env}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pyfactory", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def django_project(tmp_path: Path, db_backend: str, request: pytest.FixtureRequest) -> Path:
    """A settings module on a database of the test's own, its tables made with
    ``migrate --run-syncdb``, and a module of factories for the models."""
    if db_backend == "sqlite":
        database: dict[str, object] = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "db.sqlite3"),
        }
    else:
        from tests.django_settings import _postgres

        database = {
            k: v
            for k, v in _postgres(request.getfixturevalue("postgres_database_url")).items()
            if k != "TEST"
        }
    (tmp_path / "projsettings.py").write_text(
        "from tests.django_settings import *  # noqa: F403\n"
        f"DATABASES = {{'default': {database!r}}}\n"
    )
    (tmp_path / "authors.py").write_text(AUTHORS)
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"],
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}",
            "DJANGO_SETTINGS_MODULE": "projsettings",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_cli_sets_django_up_from_settings(django_project: Path, db_backend: str) -> None:
    # Without settings, the models cannot even be imported.
    result = _pyfactory("check", "authors", cwd=django_project, env={})
    assert result.returncode == 1
    assert result.stderr.endswith(
        "pyfactory check: importing authors raised ImproperlyConfigured\n"
    )
    for how, env in (
        (["--settings", "projsettings"], {}),
        ([], {"DJANGO_SETTINGS_MODULE": "projsettings"}),
    ):
        result = _pyfactory("check", "authors", *how, cwd=django_project, env=env)
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == "pyfactory check: 3 builds of 2 factories passed\n"
    result = _pyfactory(
        "check", "authors", "--settings", "projsettings", "--create", cwd=django_project, env={}
    )
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("DETAIL")]
    assert [line.split(": ", 1)[0] for line in lines[:-1]] == [
        "CommentFactory(seed=0).create('basic')",
        "CommentFactory(seed=0).create('basic', 'silent')",
    ]
    assert lines[-1] == "pyfactory check: 2 of 3 creates of 2 factories failed"
    assert "IntegrityError" in lines[0]
    if db_backend == "sqlite":
        with sqlite3.connect(django_project / "db.sqlite3") as connection:
            stored = [
                connection.execute(f"SELECT count(*) FROM django_app_{table}").fetchone()[0]
                for table in ("author", "comment")
            ]
        assert stored == [0, 0]


def test_cli_settings_that_do_not_import(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_text("")
    result = _pyfactory("check", "empty", "--settings", "no_such_settings", cwd=tmp_path, env={})
    assert result.returncode == 2
    assert result.stderr == (
        "pyfactory check: error: cannot set Django up with the settings no_such_settings: "
        "ModuleNotFoundError: No module named 'no_such_settings'\n"
    )


def test_cli_an_environments_settings_that_cannot_be_found_are_for_another_program(
    tmp_path: Path,
) -> None:
    """DJANGO_SETTINGS_MODULE alone, naming settings not found from here, leaves Django
    alone (as when Django is not installed): a module without models is checked."""
    (tmp_path / "plain.py").write_text(
        "from pyfactory import Factory, schema\n"
        "class PlainFactory(Factory[dict]):\n"
        "    _model = dict\n"
        "    @schema()\n"
        "    def basic(self):\n"
        "        return {'a': 1}\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "elsewhere.settings"}
    result = _pyfactory("check", "plain", cwd=tmp_path, env=env)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "pyfactory check: 1 build of 1 factory passed\n"


DJANGO_MODULE = """
from pyfactory import Factory, schema, sequence, trait
from pyfactory.builders.django import DjangoBuilder
from tests.django_app.models import Author


class AuthorFactory(Factory[Author]):
    _model_builder = DjangoBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": "Ann", "email": sequence("author{n}@example.com")}

    @trait()
    def nameless(self):
        return {"name": None}
"""


@pytest.mark.django_db
def test_cli_create_through_django(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In this process, whose Django is set up already: --create without --url writes
    through Django, to the alias that --database names (here the test database)."""
    (here / "djangomodels.py").write_text(DJANGO_MODULE)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", os.environ["DJANGO_SETTINGS_MODULE"])
    argv = ["check", "djangomodels", "--settings", "tests.django_settings"]
    assert main([*argv, "--create", "--database", "default"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "AuthorFactory(seed=0, using='default').create('basic', 'nameless'): BuilderError: "
        "AuthorFactory.basic: DjangoBuilder.create(Author) raised IntegrityError("
    )
    assert "NOT NULL constraint failed: django_app_author.name" in lines[0]
    assert lines[1:] == ["pyfactory check: 1 of 2 creates of 1 factory failed"]
    assert Author.objects.count() == 0
    assert main(argv) == 0
    assert capsys.readouterr().out == "pyfactory check: 2 builds of 1 factory passed\n"


def test_cli_create_knows_no_asyncio_driver_for_the_database() -> None:
    """The factories that only acreate need an asyncio driver of the URL's database."""
    from pyfactory.cli._check import _acreate_on
    from pyfactory.cli._seed import UsageProblem

    class AsyncOnly(ShopFactory):
        _model_builder = AsyncSQLAlchemyBuilder()

    with pytest.raises(UsageProblem) as raised:
        _acreate_on("mssql+pyodbc://user:secret@host/db", [AsyncOnly], 0, {})
    assert str(raised.value) == (
        "the factories that write only through an AsyncSession "
        "(test_cli_create_knows_no_asyncio_driver_for_the_database.<locals>.AsyncOnly) "
        "need an asyncio driver, and pyfactory knows none for 'mssql+pyodbc' (it knows "
        "postgresql, postgresql+psycopg, postgresql+psycopg2, sqlite, sqlite+pysqlite)"
    )
