"""SQLAlchemy models and factories of a two-table dataset (users and the tickets that
point at them) for tests/test_dataset_database.py, importable by worker processes."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pyfactory import Factory, association, fake, lazy, schema, sequence, transient
from pyfactory.builders import SQLAlchemyBuilder
from pyfactory.dataset import pick

USERS = 40
SESSIONS_PER_EVENT = 3


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str]
    joined: Mapped[datetime.datetime]


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_email: Mapped[str | None]
    author: Mapped[User] = relationship()


class UserFactory(Factory[User]):
    _model = User
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": sequence(lambda n: n),
            "email": sequence("user{n}@example.org"),
            "name": fake("name"),
            "joined": fake(
                "date_time_between",
                start_date=datetime.datetime(2024, 1, 1),
                end_date=datetime.datetime(2025, 12, 31),
            ),
        }


class TicketFactory(Factory[Ticket]):
    _model = Ticket
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": sequence(lambda n: n),
            "title": fake("sentence"),
            # One user's row, read twice: its id and its email agree.
            "author": transient(pick(UserFactory, count=USERS, field=None)),
            "author_id": lazy(lambda a: a["author"]["id"]),
            "author_email": lazy(lambda a: a["author"]["email"]),
        }

    @schema()
    def by_index(self) -> dict[str, Any]:
        """Tickets whose author follows from the ticket's own row: 3 per user."""
        return {
            "id": sequence(lambda n: n),
            "title": "t",
            "author_id": pick(UserFactory, row=lambda ctx: ctx.row // 3),
        }

    @schema()
    def nested(self) -> dict[str, Any]:
        return {"title": "x", "author": association(UserFactory)}

    @schema()
    def unknown_column(self) -> dict[str, Any]:
        return {"title": "x", "author_id": 1, "colour": "red"}

    @schema()
    def same_id(self) -> dict[str, Any]:
        """Row 25 repeats row 24's id."""
        return {
            "id": sequence(lambda n: min(n, 25)),
            "title": "x",
            "author_id": pick(UserFactory, count=USERS),
        }
