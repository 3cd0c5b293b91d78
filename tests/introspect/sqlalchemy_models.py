"""Mapped classes with every column and relationship feature that introspection reads.

Their own metadata, never created in a database: only the mapping is read.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Column,
    Computed,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    DynamicMapped,
    Mapped,
    attribute_keyed_dict,
    column_property,
    mapped_column,
    relationship,
    synonym,
)


class Base(DeclarativeBase):
    pass


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def make_code() -> str:
    return "abc"


def from_context(context: Any) -> int:
    return 1


class Trimmed(TypeDecorator[str]):
    """A type that does not say its Python type: the annotation does."""

    impl = String(12)
    cache_ok = True


thing_labels = Table(
    "thing_labels",
    Base.metadata,
    Column("thing_id", ForeignKey("thing.id"), primary_key=True),
    Column("label_id", ForeignKey("label.id"), primary_key=True),
)


class Owner(Base):
    __tablename__ = "owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    things: Mapped[set[Thing]] = relationship(back_populates="owner")
    badge: Mapped[Badge | None] = relationship(back_populates="owner")


class Badge(Base):
    __tablename__ = "badge"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), unique=True)
    owner: Mapped[Owner] = relationship(back_populates="badge")


class Label(Base):
    __tablename__ = "label"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class Entry(Base):
    __tablename__ = "entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int] = mapped_column(ForeignKey("thing.id"))


class Thing(Base):
    __tablename__ = "thing"
    __table_args__ = (UniqueConstraint("serial"), Index("ix_thing_slug", "slug", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(40))
    serial: Mapped[str] = mapped_column(String(10))
    body: Mapped[str | None] = mapped_column(Text)
    price: Mapped[decimal.Decimal] = mapped_column(Numeric(6, 2), default=decimal.Decimal("9.99"))
    ratio: Mapped[float] = mapped_column(Float)
    small: Mapped[int] = mapped_column(SmallInteger)
    big: Mapped[int] = mapped_column(BigInteger, server_default="0")
    active: Mapped[bool] = mapped_column(default=True)
    day: Mapped[datetime.date]
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    clock: Mapped[datetime.time]
    span: Mapped[datetime.timedelta]
    uid: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    blob: Mapped[bytes] = mapped_column(LargeBinary(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    raw = mapped_column(JSON)
    color: Mapped[Color] = mapped_column(Enum(Color))
    grade: Mapped[str] = mapped_column(Enum("a", "b", name="grade"))
    code: Mapped[str] = mapped_column(String(3), default=make_code)
    counted: Mapped[int] = mapped_column(default=from_context)
    seq: Mapped[int] = mapped_column(Sequence("thing_seq"))
    stamp: Mapped[datetime.datetime] = mapped_column(default=func.now())
    ident: Mapped[int] = mapped_column(Identity())
    twice: Mapped[int] = mapped_column(Computed("small * 2"))
    trimmed: Mapped[str] = mapped_column(Trimmed)
    numbers: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id"))
    owner: Mapped[Owner | None] = relationship(back_populates="things")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("thing.id"))
    parent: Mapped[Thing | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Thing]] = relationship(back_populates="parent")
    labels: Mapped[set[Label]] = relationship(secondary=thing_labels)
    seen_labels: Mapped[list[Label]] = relationship(secondary=thing_labels, viewonly=True)
    entries: DynamicMapped[Entry] = relationship()
    title_length: Mapped[int] = column_property(func.length(title))
    headline = synonym("title")


class Folder(Base):
    """A collection kept in a dict: the annotation says what it holds."""

    __tablename__ = "folder"
    id: Mapped[int] = mapped_column(primary_key=True)
    pages: Mapped[dict[str, Page]] = relationship(collection_class=attribute_keyed_dict("key"))


class Page(Base):
    __tablename__ = "page"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(10))
    folder_id: Mapped[int] = mapped_column(ForeignKey("folder.id"))


class Pair(Base):
    """A composite primary key: neither column is unique alone, nor generated."""

    __tablename__ = "pair"
    left: Mapped[int] = mapped_column(primary_key=True)
    right: Mapped[int] = mapped_column(primary_key=True)
