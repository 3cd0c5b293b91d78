"""The ticketing app's SQLAlchemy models: ordinary SQLAlchemy 2, nothing for pyfactory."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime.datetime]


class Membership(Base):
    """An association membership, which some ticket categories require."""

    __tablename__ = "membership"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class UserMembership(Base):
    __tablename__ = "user_membership"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership.id"))
    start_date: Mapped[datetime.date]
    end_date: Mapped[datetime.date]


class Organiser(Base):
    __tablename__ = "organiser"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80))


class Event(Base):
    """An event from ``open_date`` to ``close_date``, with a ticket quota: ``quota`` in
    all, ``user_quota`` per user; ``used_quota`` counts the tickets sold, as it does for
    sessions and categories."""

    __tablename__ = "event"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organiser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organiser.id"))
    creator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(120))
    open_date: Mapped[datetime.datetime]
    close_date: Mapped[datetime.datetime]
    quota: Mapped[int]
    user_quota: Mapped[int]
    used_quota: Mapped[int] = mapped_column(default=0)
    disabled: Mapped[bool] = mapped_column(default=False)
    organiser: Mapped[Organiser] = relationship()


class EventSession(Base):
    """One date of an event (``Session`` would clash with SQLAlchemy's)."""

    __tablename__ = "event_session"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id"))
    name: Mapped[str] = mapped_column(String(120))
    date: Mapped[datetime.datetime]
    quota: Mapped[int]
    user_quota: Mapped[int]
    used_quota: Mapped[int] = mapped_column(default=0)
    disabled: Mapped[bool] = mapped_column(default=False)


category_session = Table(
    "category_session",
    Base.metadata,
    Column("category_id", ForeignKey("category.id"), primary_key=True),
    Column("session_id", ForeignKey("event_session.id"), primary_key=True),
)


class Category(Base):
    """A kind of ticket: its price in cents, its quotas, the sessions it admits to,
    and the membership it requires, if any."""

    __tablename__ = "category"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id"))
    name: Mapped[str] = mapped_column(String(80))
    price: Mapped[int]
    quota: Mapped[int]
    user_quota: Mapped[int]
    used_quota: Mapped[int] = mapped_column(default=0)
    disabled: Mapped[bool] = mapped_column(default=False)
    required_membership_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("membership.id"))
    sessions: Mapped[list[EventSession]] = relationship(secondary=category_session)


class Ticket(Base):
    """A ticket sold: ``reference`` is the number printed on it."""

    __tablename__ = "ticket"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"))
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event_session.id"))
    total: Mapped[int]
    created_at: Mapped[datetime.datetime]
    nb_scan: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="valid")
    user: Mapped[User] = relationship()
