"""``create_strategy()`` on real databases: SQLAlchemy on a SQLite file and Django
(pytest-django's test database), each example in a transaction rolled back after it,
as docs/hypothesis.rst shows; and ``strategy()`` of their models, auto-filled within
their constraints.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis.extra.django import TestCase as HypothesisDjangoTestCase
from sqlalchemy import CheckConstraint, Connection, ForeignKey, String, create_engine, func, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    scoped_session,
    sessionmaker,
)

from pyfactory import Factory, fake, many, schema, sequence
from pyfactory.builders import DjangoBuilder, SQLAlchemyBuilder
from tests.django_app.models import Author as DjangoAuthor
from tests.django_app.models import Stay

QUIET = settings(database=None, max_examples=40)


class Base(DeclarativeBase):
    pass


class Shop(Base):
    __tablename__ = "strategy_shop"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    products: Mapped[list[Product]] = relationship(back_populates="shop")


class Product(Base):
    __tablename__ = "strategy_product"
    __table_args__ = (CheckConstraint("stock BETWEEN 5 AND 50", name="ck_strategy_stock"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("strategy_shop.id"))
    shop: Mapped[Shop] = relationship(back_populates="products")
    stock: Mapped[int]
    label: Mapped[str] = mapped_column(String(20))


#: The session every example writes through: a scoped session, so that a factory made
#: once, where the strategy is written, reaches the session of the running example.
db = scoped_session(sessionmaker())


class ProductFactory(Factory[Product]):
    _model_builder = SQLAlchemyBuilder()

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}


class ShopFactory(Factory[Shop]):
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": sequence("shop{n}@example.com"),
            "name": fake("company"),
            "products": many(ProductFactory, "basic", count=(0, 3)),
        }


class TestSQLAlchemy:
    """Each example writes in a transaction of its own, rolled back after it by
    Hypothesis's ``setup_example``/``teardown_example``."""

    connection: Connection

    @pytest.fixture(autouse=True)
    def _connection(self, tmp_path: Path) -> Iterator[None]:
        engine = create_engine(f"sqlite:///{tmp_path / 'shops.db'}")
        Base.metadata.create_all(engine)
        with engine.connect() as connection:
            self.connection = connection
            yield
        engine.dispose()

    def setup_example(self) -> None:
        self.transaction = self.connection.begin()
        db(bind=self.connection, join_transaction_mode="create_savepoint")

    def teardown_example(self, _example: object) -> None:
        db.remove()
        self.transaction.rollback()

    @QUIET
    @given(ShopFactory(session=db).create_strategy("basic"))
    def test_each_example_is_written_and_rolled_back(self, shop: Shop) -> None:
        """The shop and its products are rows of this example alone: the unique email
        counts from the same number in every example, and the CHECK holds."""
        assert shop.id is not None
        assert shop.email == "shop1@example.com"
        assert db.scalar(select(func.count()).select_from(Shop)) == 1
        stocks = db.scalars(select(Product.stock)).all()
        assert sorted(stocks) == sorted(p.stock for p in shop.products)
        assert all(5 <= stock <= 50 for stock in stocks)

    def test_a_failing_example_shrinks_on_the_database(self) -> None:
        """A created example shrinks as a built one does: fewest products, lowest stock."""
        seen: list[list[int]] = []
        outer = self

        class Failing:
            setup_example = outer.setup_example
            teardown_example = outer.teardown_example

            @QUIET
            @given(ShopFactory(session=db).create_strategy("basic"))
            def test(self, shop: Shop) -> None:
                seen.append([p.stock for p in shop.products])
                assert not shop.products

        with pytest.raises(AssertionError):
            Failing().test()
        assert seen[-1] == [5]

    def test_strategy_builds_without_a_session(self) -> None:
        """``strategy()`` builds: no session is needed and no row is written."""
        found: list[Shop] = []

        @QUIET
        @given(ShopFactory().strategy("basic"))
        def test(shop: Shop) -> None:
            found.append(shop)
            assert shop.id is None
            assert all(5 <= p.stock <= 50 for p in shop.products)

        test()
        assert found


class DjangoAuthorFactory(Factory[DjangoAuthor]):
    _model_builder = DjangoBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("name"), "email": sequence("author{n}@example.com")}


class StayFactory(Factory[Stay]):
    _model_builder = DjangoBuilder()

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}


class TestDjango(HypothesisDjangoTestCase):
    """Hypothesis's Django ``TestCase`` runs each example in a transaction rolled back
    after it."""

    @QUIET
    @given(DjangoAuthorFactory().create_strategy("basic"))
    def test_each_example_is_written_and_rolled_back(self, author: DjangoAuthor) -> None:
        """The author is a row of this example alone."""
        assert author.pk is not None
        assert author.email == "author1@example.com"
        assert list(DjangoAuthor.objects.values_list("email", flat=True)) == [author.email]

    @QUIET
    @given(StayFactory().create_strategy("basic"))
    def test_auto_filled_fields_keep_their_check_constraints(self, stay: Stay) -> None:
        """Every example of an auto-filled model keeps its CHECK constraints, which the
        database enforces as the row is written."""
        assert 1 <= stay.guests <= 6
        assert stay.status in ("booked", "cancelled")
        assert stay.check_out > stay.check_in
        assert Stay.objects.count() == 1

    def test_a_failing_example_shrinks_to_the_checks_bound(self) -> None:
        """``CHECK (guests BETWEEN 1 AND 6)``: the falsifying example has 1 guest."""
        seen: list[Stay] = []

        @QUIET
        @given(StayFactory().strategy("basic"))
        def test(stay: Stay) -> None:
            seen.append(stay)
            raise ValueError("every stay fails")

        with pytest.raises(ValueError, match="every stay fails"):
            test()
        assert seen[-1].guests == 1
