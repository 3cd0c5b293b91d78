"""Auto-filled foreign key columns that no relationship sets, and unique-together
groups, on a SQLite file and PostgreSQL (the ``db_url`` fixtures of ``tests/db``).

A column such as ``publisher_id = mapped_column(ForeignKey("fk_publisher.id"))``
with no ``relationship()`` is filled through an association to
``factory_for(Publisher)``: the publisher row is written first and its key fills
the column. SQLite enforces the foreign keys here (``PRAGMA foreign_keys=ON``), as
PostgreSQL always does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Table,
    UniqueConstraint,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import Factory, FactoryDefinitionError, factory_for, schema
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from pyfactory.introspect._sqlalchemy_fields import foreign_key_targets, sqlalchemy_unique_groups
from tests.db.spies import Inserts


class Base(DeclarativeBase):
    pass


class Publisher(Base):
    __tablename__ = "fk_publisher"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(30), unique=True)


class Book(Base):
    """Two foreign keys to one table, neither with a relationship: a required one to
    the key, and a nullable one to another unique column."""

    __tablename__ = "fk_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("fk_publisher.id"))
    imprint_code: Mapped[str | None] = mapped_column(ForeignKey("fk_publisher.code"))


class Edition(Base):
    """A composite key whose first column is itself a foreign key."""

    __tablename__ = "fk_edition"
    book_id: Mapped[int] = mapped_column(ForeignKey("fk_book.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)


class Printing(Base):
    """A composite foreign key: both columns come from the one edition."""

    __tablename__ = "fk_printing"
    __table_args__ = (
        ForeignKeyConstraint(
            ["edition_book", "edition_number"], ["fk_edition.book_id", "fk_edition.number"]
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_book: Mapped[int] = mapped_column()
    edition_number: Mapped[int] = mapped_column()
    copies: Mapped[int] = mapped_column()


class Shelf(Base):
    """A view-only relationship sets nothing, so its column is filled as a plain key."""

    __tablename__ = "fk_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("fk_book.id"))
    book: Mapped[Book] = relationship(viewonly=True)


class Review(Base):
    """A foreign key with its relationship, for comparison."""

    __tablename__ = "fk_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("fk_book.id"))
    book: Mapped[Book] = relationship()


legacy = Table("fk_legacy", Base.metadata, Column("id", Integer, primary_key=True))


class Archived(Base):
    """Foreign keys to a table that no class maps."""

    __tablename__ = "fk_archived"
    id: Mapped[int] = mapped_column(primary_key=True)
    legacy_id: Mapped[int] = mapped_column(ForeignKey("fk_legacy.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("fk_legacy.id"))


class Node(Base):
    """A nullable key to its own table."""

    __tablename__ = "fk_node"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("fk_node.id"))


class Seat(Base):
    """Unique together; each column alone repeats."""

    __tablename__ = "fk_seat"
    __table_args__ = (UniqueConstraint("row", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    row: Mapped[str] = mapped_column(String(1))
    number: Mapped[int] = mapped_column()


class Animal(Base):
    """Joined-table inheritance with a key that the application gives."""

    __tablename__ = "fk_animal"
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "animal"}
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))


class Cat(Animal):
    """``code`` is a foreign key to the parent's table, which the ORM writes itself."""

    __tablename__ = "fk_cat"
    __mapper_args__ = {"polymorphic_identity": "cat"}
    code: Mapped[str] = mapped_column(ForeignKey("fk_animal.code"), primary_key=True)
    lives: Mapped[int] = mapped_column()


class Other(DeclarativeBase):
    """A registry of its own, for the models whose keys cannot be filled."""


class Loop(Other):
    __tablename__ = "fk_loop"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("fk_loop.id"))


class Ping(Other):
    __tablename__ = "fk_ping"
    id: Mapped[int] = mapped_column(primary_key=True)
    pong_id: Mapped[int] = mapped_column(ForeignKey("fk_pong.id"))


class Pong(Other):
    __tablename__ = "fk_pong"
    id: Mapped[int] = mapped_column(primary_key=True)
    ping_id: Mapped[int] = mapped_column(ForeignKey("fk_ping.id", use_alter=True))


SYNC = SQLAlchemyBuilder()
ASYNC = AsyncSQLAlchemyBuilder()


class SeatFactory(Factory[Seat]):
    _model = Seat
    _model_builder = SYNC
    _default_schema = "basic"
    _name_mappings = {
        "row": lambda faker, field: faker.random_element("ABC"),
        "number": lambda faker, field: faker.random_int(1, 40),
    }

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}


class PublisherFactory(Factory[Publisher]):
    """Two auto schemas of one factory; the code comes from a few values only."""

    _model = Publisher
    _model_builder = SYNC
    _default_schema = "basic"
    _name_mappings = {"code": lambda faker, field: f"P{faker.random_int(1, 150)}"}

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}

    @schema(auto="all")
    def full(self) -> dict[str, Any]:
        return {"name": "Full"}


@pytest.fixture(autouse=True)
def _fresh_unique() -> Iterator[None]:
    """Each test starts with no unique value given (each has a new database)."""
    Factory.reset_unique()
    yield
    Factory.reset_unique()


def _enforce_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()


@pytest.fixture
def engine(db_url: str, make_engine: Callable[..., Engine]) -> Engine:
    """The database fixtures' engine (tests/plugins/databases.py, whose ``session`` uses
    this one), with SQLite enforcing foreign keys before the tables are made."""
    engine = make_engine(db_url)
    _enforce_foreign_keys(engine)
    Base.metadata.create_all(engine)
    return engine


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def books() -> type[Factory[Book]]:
    return factory_for(Book, builder=SYNC)


class TestForeignKeyColumns:
    def test_create_writes_the_referenced_row_first(self, session: Session) -> None:
        """A required foreign key column gets the key of a publisher written for it; the
        nullable one is left empty under auto=True."""
        book = books()(session=session, seed=1).create()
        publisher = session.get(Publisher, book.publisher_id)
        assert publisher is not None
        assert book.imprint_code is None
        assert count(session, Publisher) == 1

    def test_create_batch_writes_a_table_at_a_time(self, engine: Engine, session: Session) -> None:
        """create_batch writes all the publishers in one INSERT, then all the books, each
        pointing at its own publisher."""
        inserts = Inserts(engine)
        made = books()(session=session, seed=2).create_batch(30)
        assert inserts.tables == ["fk_publisher", "fk_book"]
        ids = [b.publisher_id for b in made]
        assert len(set(ids)) == 30
        found = session.scalars(select(Publisher.id).where(Publisher.id.in_(ids))).all()
        assert sorted(found) == sorted(ids)

    def test_all_fills_a_nullable_key_to_another_column(self, session: Session) -> None:
        """Under auto="all" a nullable foreign key is filled too, with the referenced
        column's attribute: here a publisher's code."""

        class FullBookFactory(Factory[Book]):
            _model = Book
            _model_builder = SYNC

            @schema(auto="all")
            def full(self) -> dict[str, Any]:
                return {}

        made = FullBookFactory(session=session, seed=3).create_batch("full", 5)
        codes = {b.imprint_code for b in made}
        assert None not in codes
        assert set(session.scalars(select(Publisher.code))) >= codes
        # Each foreign key has its own association, so two publishers per book.
        assert count(session, Publisher) == 10

    def test_a_composite_key_comes_from_one_row(self, engine: Engine, session: Session) -> None:
        """Both columns of a composite foreign key take the one edition's key; the chain
        printing → edition → book → publisher is written deepest first, in bulk."""
        inserts = Inserts(engine)
        made = factory_for(Printing, builder=SYNC)(session=session, seed=4).create_batch(8)
        assert inserts.tables == ["fk_publisher", "fk_book", "fk_edition", "fk_printing"]
        for printing in made:
            edition = session.get(Edition, (printing.edition_book, printing.edition_number))
            assert edition is not None
        assert count(session, Edition) == 8

    def test_a_viewonly_relationship_does_not_cover_its_column(self, session: Session) -> None:
        """The column under a view-only relationship is filled as a plain foreign key."""
        shelf = factory_for(Shelf, builder=SYNC)(session=session, seed=5).create()
        assert session.get(Book, shelf.book_id) is not None
        assert shelf.book.id == shelf.book_id

    def test_a_nullable_key_to_its_own_table(self, session: Session) -> None:
        """auto="all" makes a parent node, whose own parent (auto=True) stays empty."""

        class NodeFactory(Factory[Node]):
            _model = Node
            _model_builder = SYNC

            @schema(auto="all")
            def full(self) -> dict[str, Any]:
                return {}

        node = NodeFactory(session=session).create("full")
        parent = session.get(Node, node.parent_id)
        assert parent is not None
        assert parent.parent_id is None

    def test_the_key_to_a_parent_table_is_a_plain_value(self, session: Session) -> None:
        """The key that joins a subclass's table to its parent's is generated as any
        unique column: the ORM writes both rows, and no other animal is made."""
        cats = factory_for(Cat, builder=SYNC)(session=session, seed=12).create_batch(5)
        assert len({c.code for c in cats}) == 5
        assert count(session, Animal) == 5
        assert "code" not in foreign_key_targets(Cat)

    def test_what_is_given_wins(self, session: Session) -> None:
        """A name mapping, a schema value or an override fills the column instead, and
        then no publisher is made for it."""
        session.add(Publisher(id=500, name="Kept", code="KEPT"))
        session.flush()

        class Mapped_(Factory[Book]):
            _model = Book
            _model_builder = SYNC
            _name_mappings = {"publisher_*": lambda faker, field: 500}

            @schema(auto=True)
            def basic(self) -> dict[str, Any]:
                return {}

            @schema(auto=True)
            def given(self) -> dict[str, Any]:
                return {"publisher_id": 500}

        assert Mapped_(session=session).create("basic").publisher_id == 500
        assert books()(session=session).create(publisher_id=500).publisher_id == 500
        assert count(session, Publisher) == 1
        unmapped = type("Given", (Mapped_,), {"_name_mappings": {"publisher_*": None}})
        assert unmapped(session=session).create("given").publisher_id == 500
        assert count(session, Publisher) == 1

    def test_an_override_of_a_relationship_key_wins(self, session: Session) -> None:
        """With a relationship over the column, a key given to the call is kept too, and
        no book is made for the relationship."""
        book = books()(session=session, seed=13).create()
        reviews = factory_for(Review, builder=SYNC)(session=session, seed=13)
        assert reviews.create(book_id=book.id).book_id == book.id
        assert {r.book_id for r in reviews.create_batch(3, book_id=book.id)} == {book.id}
        assert count(session, Book) == 1
        assert reviews.create().book_id != book.id
        assert count(session, Book) == 2

    def test_build_makes_no_row(self, session: Session) -> None:
        """build() writes nothing: the publisher is built too, and its key is not known."""
        book = books()(seed=6).build()
        assert book.publisher_id is None
        assert books()(seed=6).attributes()["publisher_id"] is None
        assert count(session, Publisher) == 0

    def test_a_table_no_class_maps(self, session: Session) -> None:
        """A nullable key to a table no class maps is left empty; the required one must be
        given, and then the row is written."""

        class ArchivedFactory(Factory[Archived]):
            _model = Archived
            _model_builder = SYNC

            @schema(auto="all")
            def full(self) -> dict[str, Any]:
                return {"legacy_id": 7}

        session.execute(insert(legacy), [{"id": 7}])
        archived = ArchivedFactory(session=session).create("full")
        assert (archived.legacy_id, archived.previous_id) == (7, None)


class TestErrors:
    def test_a_required_key_to_a_table_no_class_maps(self) -> None:
        """The error names the factory, the model and field, the table, and the fixes."""
        with pytest.raises(FactoryDefinitionError) as info:
            factory_for(Archived, builder=SYNC)().build()
        message = str(info.value)
        assert message.startswith("ArchivedFactory.basic: ArchivedFactory: cannot fill ")
        assert "Archived.legacy_id, a foreign key to fk_legacy.id that cannot be NULL" in message
        assert "no class of Archived's registry maps the table 'fk_legacy'" in message
        assert "give 'legacy_id' a value in the schema, map the table to a class" in message
        assert "_name_mappings = {'legacy_id': lambda faker, field: ...}" in message

    def test_a_required_key_to_its_own_table(self) -> None:
        """A required key to the model's own table would need rows forever."""
        with pytest.raises(FactoryDefinitionError, match=r"Loop\.parent_id → Loop go round"):
            factory_for(Loop, builder=SYNC)().build()

    def test_required_keys_in_a_circle(self) -> None:
        """Two tables whose required keys point at each other cannot be filled either."""
        with pytest.raises(
            FactoryDefinitionError,
            match=r"cannot fill Ping\.pong_id: the required references "
            r"Ping\.pong_id → Pong\.ping_id → Ping go round in a circle",
        ):
            factory_for(Ping, builder=SYNC)().build()

    def test_a_name_mapping_fixes_it(self) -> None:
        """Mapping the column takes it out of auto-filling's hands."""

        class ArchivedFactory(Factory[Archived]):
            _model = Archived
            _model_builder = SYNC
            _name_mappings = {"legacy_id": lambda faker, field: 3}

            @schema(auto=True)
            def basic(self) -> dict[str, Any]:
                return {}

        assert ArchivedFactory().build("basic").legacy_id == 3


class TestIntrospection:
    def test_foreign_key_targets(self) -> None:
        """Each foreign key column names its constraint's referenced class and attributes;
        a composite key's columns share one record."""
        book = foreign_key_targets(Book)
        assert book["publisher_id"].model is Publisher
        assert book["publisher_id"].attributes == ("id",)
        assert book["imprint_code"].attributes == ("code",)
        printing = foreign_key_targets(Printing)
        assert printing["edition_book"] is printing["edition_number"]
        assert printing["edition_book"].columns == ("edition_book", "edition_number")
        assert printing["edition_book"].attributes == ("book_id", "number")
        archived = foreign_key_targets(Archived)["legacy_id"]
        assert (archived.model, archived.table) == (None, "fk_legacy")

    def test_unique_groups(self) -> None:
        """Composite keys and unique constraints of several columns are groups."""
        assert sqlalchemy_unique_groups(Seat) == [("row", "number")]
        assert sqlalchemy_unique_groups(Edition) == [("book_id", "number")]
        assert sqlalchemy_unique_groups(Book) == []


class TestUnique:
    def test_unique_together_columns_do_not_repeat(self, session: Session) -> None:
        """Three rows and forty numbers: 100 seats would repeat a pair without tracking."""
        seats = SeatFactory(session=session, seed=7).create_batch(100)
        assert len({(s.row, s.number) for s in seats}) == 100

    def test_a_given_member_is_read(self, session: Session) -> None:
        """With the row given, the numbers alone must differ, and do."""
        seats = SeatFactory(session=session, seed=8).create_batch(40, row="A")
        assert sorted(s.number for s in seats) == list(range(1, 41))

    def test_the_schemas_of_a_factory_share_unique_values(self, session: Session) -> None:
        """Two auto schemas of one factory, with the same seed, never give the same code."""
        first = PublisherFactory(session=session, seed=9).create_batch(60)
        second = PublisherFactory(session=session, seed=9).create_batch("full", 60)
        assert len({p.code for p in [*first, *second]}) == 120

    def test_the_factories_of_a_model_share_unique_values(self, session: Session) -> None:
        """A hand-written factory and the one an association derives fill one column:
        with one seed, they still never give the same code."""

        class HouseFactory(Factory[Publisher]):
            _model = Publisher
            _model_builder = SYNC
            _name_mappings = {"code": lambda faker, field: f"P{faker.random_int(1, 150)}"}

            @schema(auto=True)
            def basic(self) -> dict[str, Any]:
                return {}

        houses = HouseFactory(session=session, seed=11).create_batch("basic", 60)
        more = PublisherFactory(session=session, seed=11).create_batch(60)
        assert len({p.code for p in [*houses, *more]}) == 120
        HouseFactory.reset_unique()  # forgets the column's values, for both
        assert HouseFactory(seed=11).build("basic").code == houses[0].code


# ---------------------------------------------------------------- async


@pytest.fixture
async def async_session(
    async_db_url: str, make_async_engine: Callable[..., AsyncEngine]
) -> AsyncIterator[AsyncSession]:
    engine = make_async_engine(async_db_url)
    _enforce_foreign_keys(engine.sync_engine)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with AsyncSession(engine) as session:
        yield session


async def acount(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestAsync:
    async def test_acreate(self, async_session: AsyncSession) -> None:
        """acreate writes the publisher first and takes its key."""
        book = await factory_for(Book, builder=ASYNC)(session=async_session, seed=10).acreate()
        assert await async_session.get(Publisher, book.publisher_id) is not None
        assert await acount(async_session, Publisher) == 1

    async def test_acreate_batch(self, async_session: AsyncSession) -> None:
        """acreate_batch writes a table at a time, the chain deepest first."""
        inserts = Inserts(async_session.bind.sync_engine)  # type: ignore[union-attr]
        made = await factory_for(Printing, builder=ASYNC)(
            session=async_session, seed=11
        ).acreate_batch(12)
        assert inserts.tables == ["fk_publisher", "fk_book", "fk_edition", "fk_printing"]
        assert len({(p.edition_book, p.edition_number) for p in made}) == 12
        assert await acount(async_session, Edition) == 12
        assert await acount(async_session, Publisher) == 12

    async def test_acreate_with_a_relationship_key_given(self, async_session: AsyncSession) -> None:
        """Under acreate too, a key given to the call keeps the relationship from making
        a row; without it, the relationship makes one."""
        book = await factory_for(Book, builder=ASYNC)(session=async_session, seed=14).acreate()
        reviews = factory_for(Review, builder=ASYNC)(session=async_session, seed=14)
        assert (await reviews.acreate(book_id=book.id)).book_id == book.id
        assert await acount(async_session, Book) == 1
        made = await reviews.acreate_batch(2)
        assert await acount(async_session, Book) == 3
        assert all(r.book_id is not None for r in made)
