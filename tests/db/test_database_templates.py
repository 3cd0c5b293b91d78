"""The PostgreSQL databases of ``engine`` and ``async_engine`` are copies of a template
with their tables (tests/plugins/databases.py): the copy holds what ``create_all`` makes
in an empty database, and a table added to the metadata later gets a template of its own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
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
    postgres_admin: Any, postgres_url: str, db_metadata: MetaData, db_tables: Sequence[Table] | None
) -> Iterator[Engine]:
    """Another database, from ``template0``, where ``create_all`` made the tables."""
    name = f"test_{secrets.token_hex(6)}"
    plugin._create_database(postgres_admin, name, "template0")
    url = make_url(plugin._with_driver(postgres_url, "postgresql+psycopg")).set(database=name)
    made = create_engine(url, poolclass=NullPool)
    try:
        db_metadata.create_all(made, tables=db_tables)
        yield made
    finally:
        made.dispose()
        plugin._drop_database(postgres_admin, name)


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_the_copy_holds_what_create_all_makes(
    request: pytest.FixtureRequest, engine: Engine, created_fresh: Engine
) -> None:
    from tests.models.sqlalchemy import TABLES

    assert plugin._tables_made(request, engine.url.render_as_string(hide_password=False))

    copied = schema(engine)
    assert sorted(copied) == sorted(table.name for table in TABLES)
    assert copied == schema(created_fresh)
    with engine.connect() as conn:  # no rows, and each sequence starts at 1
        for table in TABLES:
            assert conn.scalar(select(func.count()).select_from(table)) == 0
        assert (
            conn.exec_driver_sql("SELECT nextval(pg_get_serial_sequence('author', 'id'))").scalar()
            == 1
        )


def test_a_table_added_later_gets_a_template_with_it(
    postgres_admin: Any, postgres_url: str
) -> None:
    templates = plugin._Templates(postgres_admin, postgres_url)
    metadata = MetaData()
    Table("first", metadata, Column("id", Integer, primary_key=True))
    try:
        before = templates.name_for(metadata, None)
        assert templates.name_for(metadata, None) == before  # made once
        Table("second", metadata, Column("id", Integer, primary_key=True))
        after = templates.name_for(metadata, None)
        assert after != before
        url = make_url(plugin._with_driver(postgres_url, "postgresql+psycopg"))
        for name, tables in [(before, ["first"]), (after, ["first", "second"])]:
            made = create_engine(url.set(database=name), poolclass=NullPool)
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
