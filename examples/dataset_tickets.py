"""A multi-table dataset: the ticketing app's tables, written into a SQLite file by
worker processes, with every foreign key pointing at a row that exists.

Run it with (it needs ``pip install 'pyfactory-schema[sqlalchemy]'``), from any
directory:

    python examples/dataset_tickets.py

It reuses the models and factories of the ticketing app (``examples/ticketing``)
and writes, with :func:`pyfactory.dataset.write`, into a SQLite file of a temporary
directory (deleted at the end), the tickets made by two worker processes:

* users and organisers, as the app's factories make them;
* events, whose ``creator_id`` and ``organiser_id`` are the ids of a random user and
  organiser (:func:`pyfactory.dataset.pick` with ``count=``);
* three sessions and two categories per event, tied to their event by their own row
  index (``pick(..., row=lambda ctx: ctx.row // 3)``);
* tickets of a random user, for a random category, with the category's event and
  price and one of that event's sessions (a transient category index read by
  ``row=``, and the category's whole row with ``field=None``).

No table is read while the rows are made: each dataset's rows depend only on the
seed and their index, so a ticket works out the id of "user 17" by making user 17's
row again. The script then checks with SQL that no key dangles, and that one
process (``workers=1``) writes the same rows into a second file.

The categories' sessions (the ``category_session`` link table) are left out: a
dataset writes the rows of a mapped class's table, and that table has no class.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text

# The ticketing app is the package beside this file, whose directory Python puts
# first on sys.path when it runs the file (and passes on to worker processes).
from ticketing.factories import (
    FESTIVAL,
    CategoryFactory,
    EventFactory,
    EventSessionFactory,
    OrganiserFactory,
    TicketFactory,
    UserFactory,
)
from ticketing.models import Base

from pyfactory import each, fake, lazy, schema, sequence, transient
from pyfactory.dataset import pick, write

#: The one seed of every table: pick() makes the rows of the seed being written, so
#: the tables must be written with the same one.
SEED = 2025

USERS = 100
ORGANISERS = 5
EVENTS = 10
SESSIONS_PER_EVENT = 3
CATEGORIES_PER_EVENT = 2
CATEGORIES = EVENTS * CATEGORIES_PER_EVENT
TICKETS = 1_000
#: The rows made at a time, by this process or by a worker.
CHUNK_SIZE = 500

#: The three sessions of every festival weekend: session ``s`` of an event is
#: ``SESSION_DATES[s % 3]`` (each() gives the row's value, round the list).
SESSION_DATES = [
    FESTIVAL[0] + datetime.timedelta(hours=1),  # Saturday afternoon
    FESTIVAL[0] + datetime.timedelta(hours=7),  # Saturday night
    FESTIVAL[0] + datetime.timedelta(days=1),  # Sunday afternoon
]

# --- The dataset schemas: the app's factories, with their foreign keys. ----------
# Each adds a "dataset" schema to an app factory: its "basic" schema, plus the keys
# that the app's seeds set by hand. The ids are fake("uuid4"), drawn from each row's
# own random stream, so a pick() that makes a row again gets the same id.


class EventRows(EventFactory):
    _default_schema = "dataset"

    @schema()
    def dataset(self) -> dict[str, Any]:
        return {
            **self.schema("basic"),
            "organiser_id": pick(OrganiserFactory, count=ORGANISERS),
            "creator_id": pick(UserFactory, count=USERS),
        }


class SessionRows(EventSessionFactory):
    _default_schema = "dataset"

    @schema()
    def dataset(self) -> dict[str, Any]:
        """Sessions 3e, 3e + 1 and 3e + 2 are those of event e."""
        return {
            **self.schema("basic"),
            "event_id": pick(EventRows, row=lambda ctx: ctx.row // SESSIONS_PER_EVENT),
            "date": each(SESSION_DATES),
        }


class CategoryRows(CategoryFactory):
    _default_schema = "dataset"

    @schema()
    def dataset(self) -> dict[str, Any]:
        """Categories 2e (standard) and 2e + 1 (VIP) are those of event e."""
        return {
            **self.schema("basic"),
            "event_id": pick(EventRows, row=lambda ctx: ctx.row // CATEGORIES_PER_EVENT),
            "price": each([1_500, 4_000]),
        }


def _session_row(ctx: Any) -> int:
    """One of the sessions of the ticket's category's event, drawn from the value's
    own random stream."""
    event = ctx.attrs["category_row"] // CATEGORIES_PER_EVENT
    return event * SESSIONS_PER_EVENT + ctx.random.randrange(SESSIONS_PER_EVENT)


class TicketRows(TicketFactory):
    _default_schema = "dataset"

    @schema()
    def dataset(self) -> dict[str, Any]:
        return {
            **self.schema("basic"),
            # The app's reference resumes after those stored, reading the database; a
            # dataset's row numbers are unique already.
            "reference": sequence("CMZ-{n:05d}"),
            "user_id": pick(UserFactory, count=USERS),
            # The category's index, then its whole row: its id, event and price agree.
            "category_row": transient(fake("random_int", min=0, max=CATEGORIES - 1)),
            "category": transient(
                pick(CategoryRows, row=lambda ctx: ctx.attrs["category_row"], field=None)
            ),
            "category_id": lazy(lambda t: t["category"]["id"]),
            "event_id": lazy(lambda t: t["category"]["event_id"]),
            "total": lazy(lambda t: t["category"]["price"]),
            "session_id": pick(SessionRows, row=_session_row),
        }


#: Each table's factory and row count, in the order their keys need.
TABLES = [
    (UserFactory, USERS),
    (OrganiserFactory, ORGANISERS),
    (EventRows, EVENTS),
    (SessionRows, EVENTS * SESSIONS_PER_EVENT),
    (CategoryRows, CATEGORIES),
    (TicketRows, TICKETS),
]

#: The tables written.
NAMES = [factory._model.__tablename__ for factory, _ in TABLES]

#: Every foreign key of the written tables: (table, column, referenced table).
KEYS = [
    ("event", "organiser_id", "organiser"),
    ("event", "creator_id", "user"),
    ("event_session", "event_id", "event"),
    ("category", "event_id", "event"),
    ("ticket", "user_id", "user"),
    ("ticket", "event_id", "event"),
    ("ticket", "category_id", "category"),
    ("ticket", "session_id", "event_session"),
]


def write_dataset(path: Path, workers: int) -> Engine:
    """Every table written into a new SQLite file at ``path``; its engine."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    for factory, count in TABLES:
        # A table of one chunk would keep one worker busy: starting a process for it
        # costs more than making its rows here. The tickets are two chunks, one per
        # worker.
        processes = workers if count > CHUNK_SIZE else 1
        write(factory, count=count, seed=SEED, to=url, workers=processes, chunk_size=CHUNK_SIZE)
    return engine


def table_rows(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every written table's rows, in the order they were written."""
    return {
        table: list(connection.execute(text(f'SELECT * FROM "{table}" ORDER BY rowid')))
        for table in NAMES
    }


def check_keys(connection: Connection) -> None:
    """Fail unless every key points at a row, and each ticket's category and session
    are those of its event."""
    # SQLite's own check lists every row whose key points at no row.
    dangling = connection.execute(text("PRAGMA foreign_key_check")).all()
    assert dangling == [], f"{len(dangling)} dangling keys, such as {dangling[:3]}"
    for table, column, target in KEYS:
        missing = connection.execute(
            text(
                f'SELECT count(*) FROM "{table}" AS t LEFT JOIN "{target}" AS r '
                f"ON r.id = t.{column} WHERE r.id IS NULL"
            )
        ).scalar_one()
        assert missing == 0, f"{missing} of {table}.{column} point at no {target}"
    mismatched = connection.execute(
        text(
            "SELECT count(*) FROM ticket t "
            "JOIN category c ON c.id = t.category_id "
            "JOIN event_session s ON s.id = t.session_id "
            "WHERE c.event_id != t.event_id OR s.event_id != t.event_id OR t.total != c.price"
        )
    ).scalar_one()
    assert mismatched == 0, f"{mismatched} tickets mix events"


def summary(connection: Connection) -> list[str]:
    """What the tables hold, in a few lines."""
    counts = ", ".join(f"{table} {len(rows)}" for table, rows in table_rows(connection).items())
    buyers = connection.execute(text("SELECT count(DISTINCT user_id) FROM ticket")).scalar_one()
    name, sold = connection.execute(
        text(
            "SELECT e.name, count(*) FROM ticket t JOIN event e ON e.id = t.event_id "
            "GROUP BY e.id ORDER BY count(*) DESC, e.name LIMIT 1"
        )
    ).one()
    return [
        f"rows: {counts}",
        f"{buyers} of {USERS} users hold tickets; the busiest event, {name}, sold {sold}",
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = write_dataset(Path(folder) / "tickets.db", workers=2)
        again = None
        try:
            with engine.connect() as connection:
                check_keys(connection)
                print(*summary(connection), sep="\n")
            print("every key points at a row; a ticket's category and session are its event's")
            # One process writes the same rows: each depends on (seed, index) alone.
            again = write_dataset(Path(folder) / "tickets-1.db", workers=1)
            with engine.connect() as first, again.connect() as second:
                assert table_rows(first) == table_rows(second)
            print("workers=1 wrote the same rows as workers=2")
        finally:
            engine.dispose()
            if again is not None:
                again.dispose()


if __name__ == "__main__":
    # Each worker process runs this file again, to find its factory classes: the guard
    # keeps the workers from writing too.
    main()
