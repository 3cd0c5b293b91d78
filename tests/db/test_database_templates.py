"""The databases of ``engine``, ``async_engine`` and ``sqlite_engine`` are copies of a
template with their tables (tests/plugins/databases.py): the copy holds what
``create_all`` makes in an empty database, a file a fixture made before is left alone,
and a table added to the metadata later gets a template of its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    inspect,
    make_url,
    select,
)
from sqlalchemy.pool import NullPool

from tests.models.sqlalchemy import TABLES
from tests.plugins import databases as plugin


def schema(engine: Engine) -> dict[str, Any]:
    """Everything the inspector tells of each table: columns, keys, indexes, uniques."""
    found = inspect(engine)
    return {
        name: (
            [
                (c["name"], str(c["type"]), c["nullable"], c["default"])
                for c in found.get_columns(name)
            ],
            found.get_pk_constraint(name),
            found.get_foreign_keys(name),
            found.get_indexes(name),
            found.get_unique_constraints(name),
            found.get_check_constraints(name),
        )
        for name in found.get_table_names()
    }


@pytest.fixture
def created_fresh(
    request: pytest.FixtureRequest,
    db_backend: str,
    tmp_path: Path,
    db_metadata: MetaData,
    db_tables: Sequence[Table] | None,
) -> Iterator[Engine]:
    """Another database of the backend, empty, where ``create_all`` made the tables."""
    if db_backend == "sqlite":
        made = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", poolclass=NullPool)
        db_metadata.create_all(made, tables=db_tables)
        yield made
        made.dispose()
        return
    admin = request.getfixturevalue("postgres_admin")
    url = make_url(request.getfixturevalue("postgres_url"))
    name = f"test_{secrets.token_hex(6)}"
    plugin._create_database(admin, name, "template0")
    made = create_engine(
        url.set(drivername="postgresql+psycopg", database=name), poolclass=NullPool
    )
    try:
        db_metadata.create_all(made, tables=db_tables)
        yield made
    finally:
        made.dispose()
        plugin._drop_database(admin, name)


def test_the_copy_holds_what_create_all_makes(
    request: pytest.FixtureRequest,
    engine: Engine,
    created_fresh: Engine,
    db_metadata: MetaData,
    db_tables: Sequence[Table] | None,
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":  # the database was copied with the tables
        assert plugin._tables_made(request, url, db_metadata, db_tables)
    else:  # the file was copied before, so it is there now and is left alone
        assert not plugin._tables_made(request, url, db_metadata, db_tables)
    copied = schema(engine)
    assert sorted(copied) == sorted(table.name for table in TABLES)
    assert copied == schema(created_fresh)
    with engine.connect() as conn:  # no rows, and a new row's id is 1
        for table in TABLES:
            assert conn.scalar(select(func.count()).select_from(table)) == 0
        author = db_metadata.tables["author"]
        conn.execute(author.insert().values(name="A", email="a@example.org"))
        assert conn.scalar(select(author.c.id)) == 1


def test_a_file_made_before_is_left_alone(
    request: pytest.FixtureRequest, sqlite_path: Path, sqlite_url: str
) -> None:
    """A fixture that made the test's SQLite file (with tables of its own) keeps it:
    ``sqlite_engine`` then makes the shared tables in it as ``create_all`` does."""
    sqlite_path.write_bytes(b"")
    templates: plugin._SqliteTemplates = request.getfixturevalue("_sqlite_templates")
    assert templates.copy_to(sqlite_path, MetaData(), None) is False
    assert sqlite_path.read_bytes() == b""
    other = sqlite_path.with_name("other.sqlite3")
    assert templates.copy_to(other, MetaData(), None) is True
    assert other.exists()


def test_a_table_added_later_gets_a_template_with_it(
    postgres_admin: Any, postgres_url: str, tmp_path: Path
) -> None:
    metadata = MetaData()
    Table("first", metadata, Column("id", Integer, primary_key=True))
    templates = plugin._Templates(postgres_admin, postgres_url)
    sqlite = plugin._SqliteTemplates(tmp_path)
    try:
        before = templates.name_for(metadata, None)
        assert templates.name_for(metadata, None) == before  # made once
        assert sqlite.copy_to(tmp_path / "before.sqlite3", metadata, None)
        Table("second", metadata, Column("id", Integer, primary_key=True))
        after = templates.name_for(metadata, None)
        assert after != before
        assert sqlite.copy_to(tmp_path / "after.sqlite3", metadata, None)
        assert len(sqlite.made) == 2
        url = make_url(postgres_url).set(drivername="postgresql+psycopg")
        for made, tables in [
            (create_engine(url.set(database=before), poolclass=NullPool), ["first"]),
            (create_engine(url.set(database=after), poolclass=NullPool), ["first", "second"]),
            (create_engine(f"sqlite:///{tmp_path / 'before.sqlite3'}"), ["first"]),
            (create_engine(f"sqlite:///{tmp_path / 'after.sqlite3'}"), ["first", "second"]),
        ]:
            try:
                assert sorted(inspect(made).get_table_names()) == tables
            finally:
                made.dispose()
    finally:
        templates.drop_all()
    with postgres_admin.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname IN (%s, %s)", (before, after)
        )
        assert cursor.fetchone() == (0,)
