"""A row that ``on_conflict="skip"`` leaves alone is returned as the stored row, and
nothing more is made for it: no ``many()`` children, no after-create hooks (as for a
row ``_get_or_create`` finds). On SQLAlchemy and Django, SQLite and PostgreSQL, under
``create``, ``create_batch`` and ``insert_batch``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ForeignKey, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import Factory, after, many, schema, sequence
from pyfactory.builders.django import DjangoBuilder
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from tests.builders.test_django import ALIASES
from tests.django_app.models import Author, Post


class Base(DeclarativeBase):
    pass


class Shop(Base):
    __tablename__ = "found_shop"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    items: Mapped[list[Item]] = relationship(back_populates="shop")


class Item(Base):
    __tablename__ = "found_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    shop_id: Mapped[int] = mapped_column(ForeignKey("found_shop.id"))
    shop: Mapped[Shop] = relationship(back_populates="items")


@pytest.fixture
def db_metadata() -> MetaData:
    return Base.metadata


HOOKED: list[str] = []


class ItemFactory(Factory[Item]):
    _model = Item
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"label": "new item"}


class ShopFactory(Factory[Shop]):
    _model = Shop
    _model_builder = SQLAlchemyBuilder(on_conflict="skip")
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "code": sequence("s{n}"),
            "name": "New",
            "items": many(ItemFactory, "basic", count=2),
        }

    @after("create")
    def opened(self, shop: Shop, attrs: dict[str, Any]) -> None:
        HOOKED.append(shop.code)


def _store_s2(session: Session) -> Shop:
    """s2 stored already, with one item of its own."""
    shop = Shop(code="s2", name="Old", items=[Item(label="old item")])
    session.add(shop)
    session.commit()
    return shop


def _items_per_shop(session: Session) -> dict[str, list[str]]:
    session.expire_all()
    found: dict[str, list[str]] = {}
    for code, label in session.execute(
        select(Shop.code, Item.label).join(Item.shop).order_by(Shop.code, Item.id)
    ):
        found.setdefault(code, []).append(label)
    return found


class TestSQLAlchemy:
    def test_create_batch(self, session: Session) -> None:
        old = _store_s2(session)
        HOOKED.clear()
        shops = ShopFactory(session=session).create_batch(3)
        assert [shop.code for shop in shops] == ["s1", "s2", "s3"]
        assert shops[1].id == old.id
        assert shops[1].name == "Old"
        assert HOOKED == ["s1", "s3"]
        assert _items_per_shop(session) == {
            "s1": ["new item", "new item"],
            "s2": ["old item"],
            "s3": ["new item", "new item"],
        }

    def test_create(self, session: Session) -> None:
        old = _store_s2(session)
        HOOKED.clear()
        shop = ShopFactory(session=session).create(code="s2")
        assert shop.id == old.id
        assert HOOKED == []
        assert _items_per_shop(session) == {"s2": ["old item"]}

    def test_a_key_twice_in_one_batch(self, session: Session) -> None:
        """The database keeps the first of two rows with one key; the second is the
        first's object, and gets nothing more."""
        HOOKED.clear()
        shops = ShopFactory(session=session).create_batch(2, code="twice")
        assert shops[0] is shops[1]
        assert HOOKED == ["twice"]
        assert _items_per_shop(session) == {"twice": ["new item", "new item"]}

    def test_insert_batch_counts_the_rows_written(self, session: Session) -> None:
        """With hooks and children, insert_batch goes the create path: its count leaves
        the skipped row out too."""
        _store_s2(session)
        HOOKED.clear()
        assert ShopFactory(session=session).insert_batch(3) == 2
        assert session.scalar(select(func.count()).select_from(Item)) == 5


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = DjangoBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "New post"}


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = DjangoBuilder(on_conflict="skip")
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": "New",
            "email": sequence("a{n}@example.org"),
            "posts": many(PostFactory, "basic", count=2),
        }

    @after("create")
    def welcomed(self, author: Author, attrs: dict[str, Any]) -> None:
        HOOKED.append(author.email)


@pytest.mark.parametrize("using", ALIASES)
class TestDjango:
    def _store_a2(self, using: str) -> Author:
        author = Author.objects.using(using).create(name="Old", email="a2@example.org")
        Post.objects.using(using).create(title="Old post", author=author)
        return author

    def _posts(self, using: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        query = Post.objects.using(using).order_by("author__email", "id")
        for email, title in query.values_list("author__email", "title"):
            found.setdefault(email, []).append(title)
        return found

    def test_create_batch(self, using: str) -> None:
        old = self._store_a2(using)
        HOOKED.clear()
        authors = AuthorFactory(using=using).create_batch(3)
        assert [a.email for a in authors] == ["a1@example.org", "a2@example.org", "a3@example.org"]
        assert authors[1].pk == old.pk
        assert HOOKED == ["a1@example.org", "a3@example.org"]
        assert self._posts(using) == {
            "a1@example.org": ["New post", "New post"],
            "a2@example.org": ["Old post"],
            "a3@example.org": ["New post", "New post"],
        }

    def test_create(self, using: str) -> None:
        old = self._store_a2(using)
        HOOKED.clear()
        author = AuthorFactory(using=using).create(email="a2@example.org")
        assert author.pk == old.pk
        assert HOOKED == []
        assert self._posts(using) == {"a2@example.org": ["Old post"]}

    def test_insert_batch(self, using: str) -> None:
        self._store_a2(using)
        assert AuthorFactory(using=using).insert_batch(3) == 2
        assert Post.objects.using(using).count() == 5
