"""SQLite DATETIME values that the driver-level bulk INSERT formats itself
(pyfactory/builders/_sa_insert.py ``_bind_processor``) are stored as exactly the text
SQLAlchemy's own bind processor gives: compared on real SQLite files, one written by
``create_batch``, the other by SQLAlchemy's Core INSERT, for the edge values (no
microseconds, year 1, years below 1000, time zones, a date, a datetime subclass,
None) and for the storage formats it leaves to SQLAlchemy."""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, Engine, create_engine, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import Factory, lazy, schema, sequence
from pyfactory.builders._sa_insert import _bind_processor
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from tests.db.spies import Inserts


class Moment(datetime.datetime):
    """A datetime subclass: formatted by SQLAlchemy's processor, as it always was."""


class Base(DeclarativeBase):
    pass


#: A storage format of one's own, which pyfactory leaves to SQLAlchemy.
SLASHED = sqlite.DATETIME(
    storage_format="%(year)04d/%(month)02d/%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
    regexp=r"(\d+)/(\d+)/(\d+) (\d+):(\d+):(\d+)",
)


class Stamp(Base):
    __tablename__ = "stamp"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[Any] = mapped_column(DateTime, nullable=True)
    aware: Mapped[Any] = mapped_column(DateTime(timezone=True), nullable=True)
    slashed: Mapped[Any] = mapped_column(SLASHED, nullable=True)
    short: Mapped[Any] = mapped_column(sqlite.DATETIME(truncate_microseconds=True), nullable=True)


PARIS = datetime.timezone(datetime.timedelta(hours=2))
SAME = datetime.datetime(2025, 6, 14, 14, 0, 0, 250_000)
VALUES: list[Any] = [
    datetime.datetime(2024, 9, 2),  # microsecond 0
    datetime.datetime(2024, 9, 2, 8, 30, 5, 7),
    datetime.datetime(1, 1, 1),
    datetime.datetime(999, 12, 31, 23, 59, 59, 999_999),
    datetime.datetime(9999, 12, 31, 23, 59, 59, 999_999),
    datetime.datetime(2025, 3, 30, 2, 30, fold=1),
    datetime.datetime(2025, 6, 14, 14, 0, tzinfo=datetime.UTC),
    datetime.datetime(2025, 6, 14, 14, 0, 0, 1, tzinfo=PARIS),
    datetime.date(2024, 1, 2),  # a date in a DATETIME column
    Moment(2024, 5, 6, 7, 8, 9, 10),
    None,
    SAME,
    SAME,  # the same object twice in a row
]


class StampFactory(Factory[Stamp]):
    _model = Stamp
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "at": sequence(lambda n: VALUES[n - 1]),
            "aware": lazy(lambda row: row["at"]),
            "slashed": lazy(lambda row: row["at"]),
            "short": lazy(lambda row: row["at"]),
        }


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return engine


def _stored(path: Path) -> list[tuple[Any, ...]]:
    """The rows as SQLite holds them: the text, not what SQLAlchemy reads back."""
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT id, at, aware, slashed, short, typeof(at) FROM stamp ORDER BY id"
        ).fetchall()


def test_create_batch_stores_the_text_of_sqlalchemy_s_core_insert(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "create_batch.sqlite3", tmp_path / "core.sqlite3"
    engine = _engine(ours)
    seen = Inserts(engine)
    StampFactory.reset_sequences()
    with Session(engine) as session:
        made = StampFactory(session=session).create_batch("basic", len(VALUES))
        session.commit()
        ids = [stamp.id for stamp in made]
    rows = [
        {"id": id_, "at": value, "aware": value, "slashed": value, "short": value}
        for id_, value in zip(ids, VALUES, strict=True)
    ]
    assert seen.driver  # the driver-level INSERT wrote them, not SQLAlchemy's
    core = _engine(theirs)
    with core.begin() as connection:
        connection.execute(insert(Stamp.__table__), rows)
    assert _stored(ours) == _stored(theirs)
    texts = [row[1] for row in _stored(ours)]
    assert texts[:5] == [
        "2024-09-02 00:00:00.000000",
        "2024-09-02 08:30:05.000007",
        "0001-01-01 00:00:00.000000",
        "0999-12-31 23:59:59.999999",
        "9999-12-31 23:59:59.999999",
    ]
    # SQLAlchemy drops the offset of an aware datetime, and so does the batch.
    assert texts[6:11] == [
        "2025-06-14 14:00:00.000000",
        "2025-06-14 14:00:00.000001",
        "2024-01-02 00:00:00.000000",
        "2024-05-06 07:08:09.000010",
        None,
    ]


def test_the_default_format_gets_its_own_processor_with_sqlalchemy_s_text() -> None:
    dialect = sqlite.dialect()
    impl = DateTime().dialect_impl(dialect)
    theirs = impl.bind_processor(dialect)
    ours = _bind_processor(impl, dialect)
    assert theirs is not None
    assert ours is not None
    assert ours is not theirs
    for value in VALUES:
        assert ours(value) == theirs(value)


@pytest.mark.parametrize(
    "impl",
    [SLASHED, sqlite.DATETIME(truncate_microseconds=True), sqlite.DATE(), sqlite.TIME()],
    ids=["storage_format", "truncate_microseconds", "date", "time"],
)
def test_other_formats_and_types_keep_sqlalchemy_s_processor(impl: Any) -> None:
    dialect = sqlite.dialect()
    ours = _bind_processor(impl, dialect)
    assert ours is not None
    assert ours.__qualname__ == impl.bind_processor(dialect).__qualname__
    assert ours.__module__.startswith("sqlalchemy.")


def test_a_subclass_of_datetime_s_type_keeps_its_processor() -> None:
    class Stamped(sqlite.DATETIME):
        def bind_processor(self, dialect: Any) -> Any:
            return lambda value: "stamped"

    assert _bind_processor(Stamped(), sqlite.dialect())(SAME) == "stamped"  # type: ignore[misc]


def test_other_dialects_keep_sqlalchemy_s_processor() -> None:
    dialect = postgresql.dialect()
    impl = DateTime().dialect_impl(dialect)
    assert _bind_processor(impl, dialect) is impl.bind_processor(dialect)


def test_a_value_that_is_no_date_fails_as_sqlalchemy_s_processor_does() -> None:
    dialect = sqlite.dialect()
    ours = _bind_processor(DateTime().dialect_impl(dialect), dialect)
    assert ours is not None
    with pytest.raises(
        TypeError, match="SQLite DateTime type only accepts Python datetime and date"
    ):
        ours("2024-09-02 00:00:00")
