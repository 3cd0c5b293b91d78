"""pyfactory.dataset.write into databases (SQLite files and the real PostgreSQL server),
and pick(): the keys of a multi-table dataset that point at rows the other table has."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, make_url, select, text

from pyfactory import BuilderError, Factory, FieldError, UsageError, schema, sequence
from pyfactory.builders import SQLAlchemyBuilder
from pyfactory.dataset import _database, generate, pick, write
from pyfactory.errors import FactoryDefinitionError
from tests.dataset_tables import USERS, Base, Ticket, TicketFactory, User, UserFactory

pytestmark = pytest.mark.xdist_group("dataset-database")


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with the users and tickets tables, empty: its URL as a user writes it
    (a bare postgresql:// for PostgreSQL)."""
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path / 'dataset.db'}"
    else:
        found = str(request.getfixturevalue("postgres_database_url"))
    engine = create_engine(found.replace("postgresql://", "postgresql+psycopg://"))
    Base.metadata.create_all(engine)
    engine.dispose()
    return found


@pytest.fixture
def engine(url: str) -> Engine:
    made = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    yield made  # type: ignore[misc]
    made.dispose()


def rows_of(engine: Engine, model: type[Any]) -> list[dict[str, Any]]:
    table = model.__table__
    with engine.connect() as connection:
        found = connection.execute(select(table).order_by(table.c.id)).mappings().all()
    return [dict(row) for row in found]


def test_a_two_table_dataset_has_no_dangling_keys_for_any_workers(url: str, engine: Engine) -> None:
    tables = []
    for workers in (1, 2):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM tickets"))
            connection.execute(text("DELETE FROM users"))
        assert write(UserFactory, count=USERS, seed=7, to=url, workers=workers) == USERS
        written = write(TicketFactory, count=250, seed=7, to=url, workers=workers, chunk_size=40)
        assert written == 250
        tables.append((rows_of(engine, User), rows_of(engine, Ticket)))
    assert tables[0] == tables[1]
    users, tickets = tables[0]
    assert [user["id"] for user in users] == list(range(1, USERS + 1))
    assert users == [{**row} for row in generate(UserFactory, count=USERS, seed=7)]
    emails = {user["id"]: user["email"] for user in users}
    assert len(tickets) == 250
    for ticket, made in zip(tickets, generate(TicketFactory, count=250, seed=7), strict=True):
        assert ticket == made
        # The author's id and email come from one row of the users' dataset.
        assert emails[ticket["author_id"]] == ticket["author_email"]
    assert len({ticket["author_id"] for ticket in tickets}) > USERS // 2
    with engine.connect() as connection:
        joined = connection.execute(
            text("SELECT count(*) FROM tickets t JOIN users u ON u.id = t.author_id")
        ).scalar()
    assert joined == 250


def test_a_slice_writes_the_same_rows_as_the_whole(url: str, engine: Engine) -> None:
    write(UserFactory, count=USERS, seed=3, to=url)
    write(TicketFactory, "by_index", count=12, seed=3, to=url, start=30, chunk_size=5)
    tickets = rows_of(engine, Ticket)
    assert [t["id"] for t in tickets] == list(range(31, 43))
    assert [t["author_id"] for t in tickets] == [i // 3 + 1 for i in range(30, 42)]
    made = list(generate(TicketFactory, "by_index", count=42, seed=3))[30:]
    assert tickets == [{**row, "author_email": None} for row in made]


def test_progress_is_told_after_each_chunk(url: str) -> None:
    told: list[int] = []
    write(UserFactory, count=25, seed=1, to=url, chunk_size=10, progress=told.append)
    assert told == [10, 20, 25]


def test_an_engine_is_written_through_and_left_open(engine: Engine) -> None:
    write(UserFactory, count=3, seed=1, to=engine)
    write(UserFactory, count=3, seed=1, to=engine, start=3)
    assert [u["email"] for u in rows_of(engine, User)] == [
        f"user{n}@example.org" for n in range(1, 7)
    ]


def test_a_failing_row_rolls_back_every_chunk_written_before_it(url: str, engine: Engine) -> None:
    write(UserFactory, count=USERS, seed=1, to=url)
    with pytest.raises(BuilderError) as raised:
        write(TicketFactory, "same_id", count=60, seed=1, to=url, chunk_size=10)
    message = str(raised.value)
    assert message.startswith(
        "TicketFactory.same_id: write(TicketFactory, ...) to "
        f"{make_url(url).render_as_string(hide_password=True)}".replace(
            "postgresql://", "postgresql+psycopg://"
        )
        + ": row 25 could not be written ("
    )
    assert message.endswith("); nothing was written")
    assert "IntegrityError" in message
    assert raised.value.attributes["id"] == 25
    assert rows_of(engine, Ticket) == []


def test_a_relationship_or_unknown_field_is_refused_before_any_row_is_kept(
    url: str, engine: Engine
) -> None:
    shown = make_url(url.replace("postgresql://", "postgresql+psycopg://")).render_as_string(
        hide_password=True
    )
    with pytest.raises(UsageError) as raised:
        write(TicketFactory, "nested", count=3, seed=1, to=url)
    assert str(raised.value) == (
        f"write(TicketFactory, ...) to {shown}: field 'author' of TicketFactory.nested "
        "(row 0) is the relationship Ticket.author, which a dataset's row holds as a "
        "nested dict, not a row of this table: give its foreign key column a value "
        "instead (such as pyfactory.dataset.pick(OtherFactory, count=N)); nothing was written"
    )
    with pytest.raises(UsageError) as raised:
        write(TicketFactory, "unknown_column", count=3, seed=1, to=url)
    assert str(raised.value) == (
        f"write(TicketFactory, ...) to {shown}: field 'colour' of "
        "TicketFactory.unknown_column (row 0) is no column of Ticket (table 'tickets'); "
        "nothing was written"
    )
    assert rows_of(engine, User) == []
    assert rows_of(engine, Ticket) == []


def test_a_missing_table_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(UsageError) as raised:
        write(UserFactory, count=3, seed=1, to=url)
    assert str(raised.value) == (
        f"write(UserFactory, ...) to {url}: the table 'users' of User does not exist "
        "there; make it first (metadata.create_all(engine), or your migrations)"
    )


def test_no_message_shows_a_password(postgres_url: str) -> None:
    wrong = make_url(postgres_url.replace("postgresql://", "postgresql+psycopg://")).set(
        password="s3cret-pw", username="nobody"
    )
    with pytest.raises(UsageError) as raised:
        write(UserFactory, count=3, seed=1, to=wrong.render_as_string(hide_password=False))
    message = str(raised.value)
    assert "s3cret-pw" not in message
    assert message.startswith(
        f"write(UserFactory, ...) to {wrong.render_as_string(hide_password=True)}: "
        "cannot connect (OperationalError: "
    )
    with pytest.raises(UsageError) as raised:
        write(UserFactory, count=1, seed=1, to="postgresql://bob:s3cret-pw@host:1:2/db")
    assert str(raised.value) == (
        "write(UserFactory, ...): 'postgresql://bob:***@host:1:2/db' is not a database URL"
    )


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("nosuch://bob:pw@h/db", "SQLAlchemy knows no database 'nosuch://bob:***@h/db'"),
        (
            "mysql://bob:pw@h/db",
            "to mysql://bob:***@h/db: its driver is not installed (No module named 'MySQLdb')",
        ),
    ],
)
def test_unknown_databases_and_drivers(to: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        write(UserFactory, count=1, seed=1, to=to)
    assert str(raised.value).startswith("write(UserFactory, ...)")
    assert str(raised.value).endswith(message)


def test_an_async_driver_and_a_format_are_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(UsageError) as raised:
        write(UserFactory, count=1, seed=1, to=url)
    assert str(raised.value) == (
        f"write(UserFactory, ...) to {url}: aiosqlite is an asyncio driver; write through "
        "a synchronous one (postgresql+psycopg://, sqlite://)"
    )
    with pytest.raises(UsageError) as raised:
        write(UserFactory, count=1, seed=1, to=f"sqlite:///{tmp_path / 'a.db'}", format="csv")
    assert str(raised.value) == "write(UserFactory, ...) format= is for files, not databases"


class Plain(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"a": 1}


def test_a_model_that_is_not_sqlalchemys_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        write(Plain, count=1, seed=1, to=f"sqlite:///{tmp_path / 'a.db'}")
    assert str(raised.value) == (
        "write(Plain, ...) writes to a database the rows of a SQLAlchemy model's table, "
        "but Plain's model is <class 'dict'>: write it to a file instead"
    )


def test_workers_started_by_an_unguarded_script_say_how_to_fix_it(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(Path.cwd())!r})
            from pyfactory.dataset import write
            from tests.dataset_factories import RowFactory
            write(RowFactory, count=5, seed=1, to={str(tmp_path / "r.jsonl")!r}, workers=2)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert (
        "pyfactory.errors.UsageError: write(RowFactory, ..., workers=2): a worker process "
        "stopped abruptly. Worker processes import the program that calls write() again: "
        'put that call under `if __name__ == "__main__":`. Otherwise a worker ran out of '
        "memory or was killed\n"
    ) in done.stderr


# ------------------------------------------------------ PostgreSQL: COPY across chunks


@pytest.fixture
def pg_engine(postgres_database_url: str) -> Engine:
    made = create_engine(postgres_database_url.replace("postgresql://", "postgresql+psycopg://"))
    Base.metadata.create_all(made)
    yield made  # type: ignore[misc]
    made.dispose()


class Statements:
    """The statements an engine runs that write the users' or tickets' table, and the
    rows each COPY copied (its cursor's rowcount, once it ends)."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        self.copied: list[int] = []
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.startswith(("COPY", "INSERT INTO users", "INSERT INTO tickets")):
            self.seen.append(statement.split(" (", maxsplit=1)[0])

    def after(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.startswith("COPY"):
            self.copied.append(cursor.rowcount)


def test_postgres_chunks_go_into_one_copy_ended_every_stream_rows(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Statements(pg_engine)
    assert write(UserFactory, count=USERS, seed=4, to=pg_engine, chunk_size=10) == USERS
    assert spy.seen == ["COPY users"]
    assert spy.copied == [USERS]
    with pg_engine.begin() as connection:
        connection.execute(text("DELETE FROM users"))
    monkeypatch.setattr(_database, "STREAM_ROWS", 25)
    spy.seen, spy.copied = [], []
    write(UserFactory, count=USERS, seed=4, to=pg_engine, chunk_size=10)
    # A COPY takes chunks until it holds STREAM_ROWS rows or more.
    assert spy.seen == ["COPY users", "COPY users"]
    assert spy.copied == [30, 10]
    assert rows_of(pg_engine, User) == list(generate(UserFactory, count=USERS, seed=4))


class MixedUsers(Factory[User]):
    """Users whose 17th sign-up is a date, not a datetime: COPY leaves it to the INSERT
    (binary COPY writes a timestamp column's values only from datetimes)."""

    _model = User
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": sequence(lambda n: n),
            "email": sequence("m{n}@example.org"),
            "name": "m",
            "joined": sequence(
                lambda n: datetime.date(2024, 1, 2) if n == 17 else datetime.datetime(2024, 1, n)
            ),
        }


def test_a_chunk_copy_cannot_take_is_inserted_between_two_copies(pg_engine: Engine) -> None:
    spy = Statements(pg_engine)
    write(MixedUsers, count=30, seed=1, to=pg_engine, chunk_size=10)
    assert spy.seen == ["COPY users", "INSERT INTO users", "COPY users"]
    assert spy.copied == [10, 10]
    joined = [(u["id"], u["joined"]) for u in rows_of(pg_engine, User)]
    assert joined == [
        (n, datetime.datetime(2024, 1, 2) if n == 17 else datetime.datetime(2024, 1, n))
        for n in range(1, 31)
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_refused_in_a_later_copy_is_named_and_made_again(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The server reports the refused row when its COPY ends, by its line in that COPY:
    the write names the row of the dataset, and gives its chunk's rows, made again (by
    the writing process, whichever process made them first)."""
    monkeypatch.setattr(_database, "STREAM_ROWS", 10)
    write(UserFactory, count=USERS, seed=1, to=pg_engine)
    spy = Statements(pg_engine)
    with pytest.raises(BuilderError) as raised:
        write(
            TicketFactory,
            "same_id",
            count=60,
            seed=1,
            to=pg_engine,
            chunk_size=10,
            workers=workers,
        )
    assert spy.seen == ["COPY tickets"] * 3
    message = str(raised.value)
    assert message.startswith(
        "TicketFactory.same_id: write(TicketFactory, ...) to "
        f"{pg_engine.url.render_as_string(hide_password=True)}: row 25 could not be "
        "written (IntegrityError('(psycopg.errors.UniqueViolation) duplicate key value "
    )
    assert "CONTEXT:  COPY tickets, line 6" in message
    assert message.endswith("); nothing was written")
    error = raised.value
    assert error.index == 5
    assert error.rows == list(generate(TicketFactory, "same_id", count=10, seed=1, start=20))
    assert error.attributes == error.rows[5]
    assert error.attributes["id"] == 25
    assert rows_of(pg_engine, Ticket) == []


def test_a_failing_field_ends_the_open_copy_without_its_rows(pg_engine: Engine) -> None:
    class Failing(Factory[User]):
        _model = User
        _model_builder = SQLAlchemyBuilder()
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "id": sequence(lambda n: n if n != 26 else 1 // 0),
                "email": sequence("f{n}@example.org"),
                "name": "f",
                "joined": datetime.datetime(2024, 1, 1),
            }

    with pytest.raises(FieldError) as raised:
        write(Failing, count=40, seed=1, to=pg_engine, chunk_size=10)
    assert str(raised.value).startswith("Failing.basic → id: sequence(")
    assert str(raised.value).endswith(
        "raised ZeroDivisionError('integer division or modulo by zero')"
    )
    assert rows_of(pg_engine, User) == []
    write(UserFactory, count=3, seed=1, to=pg_engine)
    assert len(rows_of(pg_engine, User)) == 3


def test_a_connection_lost_between_copies_names_the_rows(
    pg_engine: Engine, postgres_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends the connection as the second COPY starts: no line to name, so
    the error gives that COPY's rows."""
    monkeypatch.setattr(_database, "STREAM_ROWS", 10)
    copies: list[str] = []

    @event.listens_for(pg_engine, "before_cursor_execute")
    def end_it(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.startswith("COPY"):
            copies.append(statement)
            if len(copies) == 2:
                pid = conn.connection.driver_connection.info.backend_pid
                postgres_admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    with pytest.raises(BuilderError) as raised:
        write(UserFactory, count=USERS, seed=1, to=pg_engine, chunk_size=10)
    message = str(raised.value)
    assert message.startswith(
        "UserFactory.basic: write(UserFactory, ...) to "
        f"{pg_engine.url.render_as_string(hide_password=True)}: rows 10 to 19 could not be "
        "written (OperationalError("
    )
    assert raised.value.index is None
    event.remove(pg_engine, "before_cursor_execute", end_it)
    assert rows_of(pg_engine, User) == []


# ------------------------------------------------------------------------------ pick


def test_pick_picks_rows_of_the_same_seeds_dataset() -> None:
    tickets = list(generate(TicketFactory, count=200, seed=5))
    users = {u["id"]: u for u in generate(UserFactory, count=USERS, seed=5)}
    for ticket in tickets:
        assert users[ticket["author_id"]]["email"] == ticket["author_email"]
    assert list(generate(TicketFactory, count=20, seed=5, start=150)) == tickets[150:170]
    # A seeded factory's own calls draw from the same dataset.
    assert TicketFactory(seed=5).attributes()["author_id"] in users


def test_pick_row_follows_the_rows_index() -> None:
    ids = [t["author_id"] for t in generate(TicketFactory, "by_index", count=7, seed=1)]
    assert ids == [1, 1, 1, 2, 2, 2, 3]


class Refs(Factory[dict[str, Any]]):
    _model = dict

    @schema()
    def missing_field(self) -> dict[str, Any]:
        return {"x": pick(UserFactory, count=5, field="nope")}

    @schema()
    def negative_row(self) -> dict[str, Any]:
        return {"x": pick(UserFactory, row=lambda ctx: -1)}

    @schema()
    def past_count(self) -> dict[str, Any]:
        return {"x": pick(UserFactory, count=5, row=lambda ctx: 5)}


def test_pick_errors_name_the_factory_schema_and_field() -> None:
    with pytest.raises(UsageError) as raised:
        TicketFactory().attributes()
    assert str(raised.value) == (
        "TicketFactory.basic → author: pick(UserFactory.basic, count=40, field=None) picks "
        "a row of a seeded dataset, but TicketFactory has no seed: make it with seed=, or "
        "make its rows with pyfactory.dataset.generate() or write()"
    )
    with pytest.raises(FieldError) as raised:
        Refs(seed=1).attributes("missing_field")
    assert str(raised.value) == (
        "Refs.missing_field → x: pick(UserFactory.basic, count=5, field='nope'): row "
        f"{raised.value.reason.split('row ')[1].split(' ')[0]} of UserFactory.basic has no "
        "field 'nope'; it has ['email', 'id', 'joined', 'name']"
    )
    with pytest.raises(UsageError) as raised:
        Refs(seed=1).attributes("negative_row")
    assert str(raised.value) == (
        "Refs.negative_row → x: pick(UserFactory.basic, row=..., field='id'): row= gave -1, "
        "not a row index (an int ≥ 0)"
    )
    with pytest.raises(UsageError) as raised:
        Refs(seed=1).attributes("past_count")
    assert str(raised.value) == (
        "Refs.past_count → x: pick(UserFactory.basic, count=5, row=..., field='id'): row= "
        "gave 5, past the last of its 5 rows"
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((dict,), {"count": 1}, "pick() takes a Factory class, got <class 'dict'>"),
        ((UserFactory(),), {"count": 1}, "pick() takes a Factory class, got <"),
        (
            (UserFactory, "nope"),
            {"count": 1},
            "pick(UserFactory, 'nope'): UserFactory has no schema 'nope'; it has ['basic']",
        ),
        (
            (UserFactory,),
            {},
            "pick(UserFactory, ...) needs count= (how many rows of its dataset to pick "
            "from) or row= (a function of the context giving the row's index)",
        ),
        (
            (UserFactory,),
            {"count": 0},
            "pick(UserFactory, ...) count must be an int of at least 1 (the rows of its "
            "dataset to pick from), got 0",
        ),
        (
            (UserFactory,),
            {"row": 3},
            "pick(UserFactory, ...) row must be a function of the field's context giving a "
            "row index, got 3",
        ),
        (
            (UserFactory,),
            {"count": 2, "field": ""},
            "pick(UserFactory, ...) field must name a field of its rows, or be None for the "
            "whole row, got ''",
        ),
    ],
)
def test_pick_refuses_bad_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(FactoryDefinitionError) as raised:
        pick(*args, **kwargs)
    assert str(raised.value).startswith(message)
