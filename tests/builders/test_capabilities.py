"""What builders declare they can do (``context_keys``, ``writes_to_database``,
``async_only``, ``supports()``), and that pyfactory reads those declarations rather
than guessing from a builder's class or module: a builder of one's own that declares
them is treated as the shipped ones are."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from sqlalchemy import ForeignKey, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pyfactory import Context, Factory, Graph, factory_for, node, schema
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder
from pyfactory.builders.django import DjangoBuilder
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.django_app.models import Author as DjangoAuthor
from tests.models.sqlalchemy import Base


class Writer(Base):
    __tablename__ = "caps_writer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Essay(Base):
    __tablename__ = "caps_essay"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    writer_id: Mapped[int] = mapped_column(ForeignKey("caps_writer.id"))
    writer: Mapped[Writer] = relationship()


@dataclasses.dataclass
class Seat:
    row: str
    number: int


@dataclasses.dataclass
class Ticket:
    __table__: ClassVar[str] = "tickets"

    event: str
    seat: Seat


@pytest.fixture
def db_tables() -> list[Table]:
    """The writer and essay tables, for the SQLite file of ``sqlite_session``."""
    return [Writer.__table__, Essay.__table__]


@pytest.fixture
def session(sqlite_session: Session) -> Session:
    """A session on the test's SQLite file (tests/plugins/databases.py)."""
    return sqlite_session


class SessionBuilder(ModelBuilder[Any]):
    """A database builder of one's own: adds each object to the context's session."""

    context_keys = frozenset({"session"})
    writes_to_database = True

    def __init__(self) -> None:
        self.written: list[str] = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        session = context.require("session")
        obj = model(**attributes)
        session.add(obj)
        session.flush()
        self.written.append(model.__name__)
        return obj


class Recording(ObjectBuilder[Any]):
    """A builder of one's own that writes nothing, and records what it makes."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        self.made.append(model.__name__)
        return model(**attributes)


class TableStore(ModelBuilder[Any]):
    """Writes the models that name a ``__table__`` to a list of rows; no others."""

    writes_to_database = True

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def supports(self, model: type[Any]) -> bool:
        return hasattr(model, "__table__")

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        self.rows.append((model.__table__, dict(attributes)))
        return model(**attributes)


@pytest.mark.parametrize(
    ("builder", "context_keys", "writes", "async_only"),
    [
        (ModelBuilder, frozenset(), False, False),
        (ObjectBuilder, frozenset(), False, False),
        (DictBuilder, frozenset(), False, False),
        (SQLAlchemyBuilder, frozenset({"session"}), True, False),
        (AsyncSQLAlchemyBuilder, frozenset({"session"}), True, True),
        (DjangoBuilder, frozenset({"using"}), True, False),
    ],
)
def test_the_shipped_builders_declare_what_they_do(
    builder: type[ModelBuilder[Any]], context_keys: frozenset[str], writes: bool, async_only: bool
) -> None:
    assert builder.context_keys == context_keys
    assert builder.writes_to_database is writes
    assert builder.async_only is async_only


def test_only_a_committing_sqlalchemy_builder_says_it_commits() -> None:
    assert SQLAlchemyBuilder(persistence="commit").commits
    assert not SQLAlchemyBuilder().commits
    assert not ObjectBuilder().commits
    assert not DjangoBuilder().commits


def test_the_database_builders_support_only_their_orms_models() -> None:
    for builder in (SQLAlchemyBuilder(), AsyncSQLAlchemyBuilder()):
        assert (builder.supports(Writer), builder.supports(DjangoAuthor)) == (True, False)
        assert builder.supports(Seat) is False
    django = DjangoBuilder()
    assert (django.supports(DjangoAuthor), django.supports(Writer)) == (True, False)
    assert django.supports(Seat) is False
    assert ObjectBuilder().supports(Seat)
    assert DictBuilder().supports(dict)


def test_factory_for_keeps_a_database_builder_of_ones_own_for_a_mapped_class(
    session: Session,
) -> None:
    """A builder that declares writes_to_database is used for a mapped class, and for
    the related row auto-filled for it, as SQLAlchemyBuilder would be."""
    builder = SessionBuilder()
    essay = factory_for(Essay, builder=builder)(session=session, seed=1).create()
    assert builder.written == ["Writer", "Essay"]
    stored = session.scalars(select(Essay)).one()
    assert (stored.id, stored.writer.id) == (essay.id, essay.writer.id)


def test_factory_for_gives_a_mapped_class_its_orms_builder_in_place_of_one_that_writes_nothing(
    session: Session,
) -> None:
    """A builder that does not write (passed on from a dataclass parent, say) cannot
    store a mapped class: SQLAlchemy's builder writes the row instead."""
    builder = Recording()
    writer = factory_for(Writer, builder=builder)(session=session, seed=1).create()
    assert builder.made == []
    assert session.scalars(select(Writer.id)).all() == [writer.id]


def test_a_builder_is_not_passed_on_to_a_nested_model_it_does_not_support() -> None:
    """A ticket's builder writes tickets; the seat held inside one is made by an
    ObjectBuilder, since the builder's supports() refuses it."""
    builder = TableStore()
    ticket = factory_for(Ticket, builder=builder)(seed=1).create()
    assert isinstance(ticket.seat, Seat)
    assert builder.rows == [("tickets", {"event": ticket.event, "seat": ticket.seat})]


def test_a_database_builder_given_for_a_plain_model_makes_way_for_object_builder() -> None:
    """SQLAlchemyBuilder supports no dataclass: factory_for makes one with ObjectBuilder,
    and create() needs no session."""
    seat = factory_for(Seat, builder=SQLAlchemyBuilder())(seed=1).create()
    assert isinstance(seat, Seat)
    assert isinstance(seat.number, int)


class Opening(ObjectBuilder[Any]):
    """A builder of one's own whose transactions note when they are opened."""

    def __init__(self, name: str, opened: list[str]) -> None:
        self.name, self.opened = name, opened

    @contextlib.contextmanager
    def transaction(self, context: Context) -> Iterator[None]:
        self.opened.append(self.name)
        yield


class Committing(Opening):
    commits = True


@pytest.mark.parametrize("commit_first", [True, False])
def test_a_graph_opens_the_transaction_of_a_builder_of_ones_own_that_commits_first(
    commit_first: bool,
) -> None:
    """A builder that declares commits is the outermost transaction of a graph, as
    SQLAlchemyBuilder(persistence="commit") is, whichever node is declared first."""
    opened: list[str] = []

    def factory_of(builder: ModelBuilder[Any]) -> type[Factory[Any]]:
        def basic(self: Any) -> dict[str, Any]:
            return {"row": "A", "number": 1}

        body = {"_model": Seat, "_model_builder": builder, "basic": schema()(basic)}
        return type("SeatFactory", (Factory,), body)

    slots = {
        "committed": node(factory_of(Committing("committing", opened)), "basic"),
        "flushed": node(factory_of(Opening("flushing", opened)), "basic"),
    }
    order = list(slots) if commit_first else list(reversed(slots))
    Mixed = type("Mixed", (Graph,), {name: slots[name] for name in order})

    made = Mixed().create()
    assert opened == ["committing", "flushing"]
    assert isinstance(made.committed, Seat)
