"""Fields of SQLAlchemy mapped classes (``pyfactory/introspect/_sqlalchemy_fields.py``)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import NullType

from pyfactory.introspect import FieldInfo, fields_of
from tests.db import blog, more_models
from tests.introspect.sqlalchemy_models import (
    Badge,
    Color,
    Entry,
    Folder,
    Label,
    Owner,
    Page,
    Pair,
    Thing,
    Trimmed,
    from_context,
    make_code,
)

INT32: dict[str, Any] = {"ge": -(2**31), "le": 2**31 - 1}
INT16: dict[str, Any] = {"ge": -(2**15), "le": 2**15 - 1}
INT64: dict[str, Any] = {"ge": -(2**63), "le": 2**63 - 1}
#: An integer primary key that the database numbers.
SERIAL: dict[str, Any] = {
    **INT32,
    "has_default": True,
    "unique": True,
    "primary_key": True,
    "server_generated": True,
}


def by_name(model: type[Any]) -> dict[str, FieldInfo]:
    return {info.name: info for info in fields_of(model)}


class TestColumns:
    """Each column's type, constraints, defaults and keys."""

    def test_types_lengths_and_ranges(self) -> None:
        """Column types give the Python type, lengths, integer ranges, digits and choices."""
        fields = by_name(Thing)
        assert [
            fields[name]
            for name in (
                "body",
                "price",
                "ratio",
                "small",
                "active",
                "day",
                "at",
                "clock",
                "span",
                "blob",
                "color",
                "grade",
                "numbers",
            )
        ] == [
            FieldInfo("body", str | None, nullable=True),
            FieldInfo(
                "price",
                decimal.Decimal,
                has_default=True,
                default=decimal.Decimal("9.99"),
                max_digits=6,
                decimal_places=2,
            ),
            FieldInfo("ratio", float, required=True),
            FieldInfo("small", int, required=True, **INT16),
            FieldInfo("active", bool, has_default=True, default=True),
            FieldInfo("day", datetime.date, required=True),
            FieldInfo("at", datetime.datetime, required=True, extra={"timezone": True}),
            FieldInfo("clock", datetime.time, required=True),
            FieldInfo("span", datetime.timedelta, required=True),
            FieldInfo("blob", bytes, required=True, max_length=16),
            FieldInfo("color", Color, required=True, choices=(Color.RED, Color.BLUE)),
            FieldInfo("grade", str, required=True, choices=("a", "b")),
            FieldInfo("numbers", list[int], required=True),
        ]

    def test_types_the_column_type_does_not_say(self) -> None:
        """JSON and custom types take the ``Mapped[...]`` annotation, or dict for bare JSON."""
        fields = by_name(Thing)
        assert fields["data"] == FieldInfo("data", dict[str, Any], required=True)
        assert fields["raw"] == FieldInfo("raw", dict | None, nullable=True)
        assert fields["trimmed"] == FieldInfo("trimmed", str, required=True, max_length=12)

    def test_uniqueness(self) -> None:
        """unique=True, a unique index and a unique constraint of one column are unique."""
        fields = by_name(Thing)
        assert fields["title"] == FieldInfo("title", str, required=True, max_length=80, unique=True)
        assert fields["slug"] == FieldInfo("slug", str, required=True, max_length=40, unique=True)
        assert fields["serial"] == FieldInfo(
            "serial", str, required=True, max_length=10, unique=True
        )

    def test_defaults(self) -> None:
        """Plain defaults, zero-argument factories and context-taking functions."""
        fields = by_name(Thing)
        assert fields["uid"] == FieldInfo(
            "uid", uuid.UUID, has_default=True, default_factory=uuid.uuid4
        )
        assert fields["code"] == FieldInfo(
            "code", str, has_default=True, default_factory=make_code, max_length=3
        )
        assert fields["counted"] == FieldInfo(
            "counted",
            int,
            has_default=True,
            extra={"default_takes_context": from_context},
            **INT32,
        )

    def test_generated_values(self) -> None:
        """Autoincrement keys, server defaults, sequences, SQL defaults, identity,
        computed columns and column properties are made by the database."""
        fields = by_name(Thing)
        assert fields["id"] == FieldInfo("id", int, **SERIAL)
        generated: dict[str, Any] = {"has_default": True, "server_generated": True}
        assert fields["big"] == FieldInfo("big", int, **generated, **INT64)
        assert fields["seq"] == FieldInfo("seq", int, **generated, **INT32)
        assert fields["stamp"] == FieldInfo("stamp", datetime.datetime, **generated)
        assert fields["ident"] == FieldInfo("ident", int, **generated, **INT32)
        assert fields["twice"] == FieldInfo("twice", int, **generated, **INT32)
        assert fields["title_length"] == FieldInfo("title_length", int, **generated)

    def test_composite_primary_key(self) -> None:
        """Columns of a composite key are neither unique alone nor generated."""
        assert fields_of(Pair) == [
            FieldInfo("left", int, required=True, primary_key=True, **INT32),
            FieldInfo("right", int, required=True, primary_key=True, **INT32),
        ]

    def test_foreign_key_columns_name_their_targets(self) -> None:
        """A foreign key column says which ``table.column`` it references."""
        fields = by_name(Thing)
        assert fields["owner_id"] == FieldInfo(
            "owner_id",
            int | None,
            nullable=True,
            extra={"references": ("owner.id",)},
            **INT32,
        )

    def test_synonyms_are_left_out(self) -> None:
        """A synonym stands for a column that is listed already."""
        assert "headline" not in by_name(Thing)

    def test_declaration_order(self) -> None:
        """Fields come in the order the class declares them, annotated-only ones included."""
        names = [f.name for f in fields_of(Thing)]
        assert names[:5] == ["id", "title", "slug", "serial", "body"]
        assert names.index("data") + 1 == names.index("raw")
        assert names[-1] == "title_length"


class TestRelationships:
    """Each relationship's kind, target, keys and reverse."""

    def test_many_to_one_and_one_to_many(self) -> None:
        """A nullable many-to-one, its reverse collection (a set), and a self-reference."""
        things = by_name(Thing)
        assert things["owner"] == FieldInfo(
            "owner",
            Owner | None,
            nullable=True,
            relation="many_to_one",
            related_model=Owner,
            foreign_keys=("owner_id",),
            extra={"reverse": "things"},
        )
        assert by_name(Owner)["things"] == FieldInfo(
            "things",
            set[Thing],
            relation="one_to_many",
            related_model=Thing,
            extra={"reverse": "owner", "remote_keys": ("owner_id",)},
        )
        assert things["parent"] == FieldInfo(
            "parent",
            Thing | None,
            nullable=True,
            relation="many_to_one",
            related_model=Thing,
            foreign_keys=("parent_id",),
            extra={"reverse": "children"},
        )
        assert things["children"] == FieldInfo(
            "children",
            list[Thing],
            relation="one_to_many",
            related_model=Thing,
            extra={"reverse": "parent", "remote_keys": ("parent_id",)},
        )

    def test_one_to_one_both_sides(self) -> None:
        """The side with the unique foreign key is required and unique; the other is
        an optional scalar."""
        assert by_name(Badge)["owner"] == FieldInfo(
            "owner",
            Owner,
            required=True,
            unique=True,
            relation="one_to_one",
            related_model=Owner,
            foreign_keys=("owner_id",),
            extra={"reverse": "badge"},
        )
        assert by_name(Owner)["badge"] == FieldInfo(
            "badge",
            Badge | None,
            nullable=True,
            relation="one_to_one",
            related_model=Badge,
            extra={"reverse": "owner", "remote_keys": ("owner_id",)},
        )

    def test_many_to_many(self) -> None:
        """A link table's name, a set collection, and a view-only relationship."""
        things = by_name(Thing)
        assert things["labels"] == FieldInfo(
            "labels",
            set[Label],
            relation="many_to_many",
            related_model=Label,
            extra={"secondary": "thing_labels"},
        )
        assert things["seen_labels"] == FieldInfo(
            "seen_labels",
            list[Label],
            relation="many_to_many",
            related_model=Label,
            extra={"secondary": "thing_labels", "viewonly": True},
        )

    def test_dict_collection(self) -> None:
        """A collection kept in a dict has the type its annotation gives."""
        assert fields_of(Folder)[-1] == FieldInfo(
            "pages",
            dict[str, Page],
            relation="one_to_many",
            related_model=Page,
            extra={"remote_keys": ("folder_id",)},
        )

    def test_dynamic_collection(self) -> None:
        """A dynamic relationship is a one-to-many whose loading strategy is noted."""
        assert by_name(Thing)["entries"] == FieldInfo(
            "entries",
            list[Entry],
            relation="one_to_many",
            related_model=Entry,
            extra={"lazy": "dynamic", "remote_keys": ("thing_id",)},
        )


class TestSharedModels:
    """The builder tests' own models read as their shapes say."""

    def test_blog_post(self) -> None:
        """The blog's post: a key, columns, a many-to-one, two one-to-manys and a many-to-many."""
        assert fields_of(blog.Post) == [
            FieldInfo("id", int, **SERIAL),
            FieldInfo("title", str, required=True, max_length=200),
            FieldInfo("published", bool, has_default=True, default=False),
            FieldInfo(
                "author_id", int, required=True, extra={"references": ("author.id",)}, **INT32
            ),
            FieldInfo(
                "author",
                blog.Author,
                required=True,
                relation="many_to_one",
                related_model=blog.Author,
                foreign_keys=("author_id",),
                extra={"reverse": "posts"},
            ),
            FieldInfo(
                "comments",
                list[blog.Comment],
                relation="one_to_many",
                related_model=blog.Comment,
                extra={"reverse": "post", "remote_keys": ("post_id",)},
            ),
            FieldInfo(
                "tags",
                list[blog.Tag],
                relation="many_to_many",
                related_model=blog.Tag,
                extra={"secondary": "post_tags"},
            ),
            FieldInfo(
                "notes",
                list[blog.Note],
                relation="one_to_many",
                related_model=blog.Note,
                extra={"remote_keys": ("post_id",)},
            ),
        ]

    def test_backref_made_relationship(self) -> None:
        """A relationship that a ``backref=`` on the other class made is listed, last."""
        team = fields_of(more_models.Member)[-1]
        assert team == FieldInfo(
            "team",
            more_models.Team,
            required=True,
            relation="many_to_one",
            related_model=more_models.Team,
            foreign_keys=("team_id",),
            extra={"reverse": "members"},
        )

    def test_joined_inheritance(self) -> None:
        """A subclass's key comes from its parent's row; its discriminator is the mapper's."""
        assert fields_of(more_models.Dog) == [
            FieldInfo("id", int, extra={"references": ("animal.id",)}, **SERIAL),
            FieldInfo(
                "kind",
                str,
                has_default=True,
                default="dog",
                max_length=20,
                server_generated=True,
                extra={"polymorphic_identities": ("animal", "dog")},
            ),
            FieldInfo("name", str, required=True, max_length=80),
            FieldInfo("good", bool, has_default=True, default=True),
        ]

    def test_write_only_collection(self) -> None:
        """A write-only collection is a one-to-many whose loading strategy is noted."""
        assert fields_of(more_models.Box)[-1] == FieldInfo(
            "items",
            list[more_models.Item],
            relation="one_to_many",
            related_model=more_models.Item,
            extra={"lazy": "write_only", "remote_keys": ("box_id",)},
        )


class TestImperativeMapping:
    """Classes mapped without declarative, with no annotations at all."""

    def test_plain_class_mapped_to_a_table(self) -> None:
        """Columns read the same with nothing but the table to go by."""
        metadata = MetaData()
        table = Table(
            "imperative",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(30), nullable=False),
            Column("kind", Trimmed, nullable=False),
            Column("odd", NullType),
        )

        class Imperative:
            pass

        registry(metadata=metadata).map_imperatively(Imperative, table)
        assert fields_of(Imperative) == [
            FieldInfo("id", int, **SERIAL),
            FieldInfo("name", str, required=True, max_length=30),
            FieldInfo("kind", str, required=True, max_length=12),
            FieldInfo("odd", Any | None, nullable=True),
        ]


class TestColumnProperties:
    """Generated mapped classes round-trip their column constraints."""

    @given(
        length=st.integers(1, 10_000),
        digits=st.tuples(st.integers(1, 38), st.integers(0, 38)),
        nullable=st.booleans(),
        unique=st.booleans(),
    )
    def test_lengths_digits_and_flags(
        self, length: int, digits: tuple[int, int], nullable: bool, unique: bool
    ) -> None:
        """Any String length, Numeric precision, nullability and uniqueness carry over."""

        class Base(DeclarativeBase):
            pass

        class Generated(Base):
            __tablename__ = "generated"
            id: Mapped[int] = mapped_column(primary_key=True)
            text: Mapped[str] = mapped_column(String(length), nullable=nullable, unique=unique)
            amount: Mapped[decimal.Decimal] = mapped_column(Numeric(*digits))

        _, text, amount = fields_of(Generated)
        assert text == FieldInfo(
            "text",
            str | None if nullable else str,
            required=not nullable,
            nullable=nullable,
            max_length=length,
            unique=unique,
        )
        assert (amount.max_digits, amount.decimal_places) == digits


@pytest.mark.parametrize("model", [Thing, Owner, Badge, Label, Entry, Folder, Page, Pair])
def test_every_field_is_a_mapped_attribute(model: type[Any]) -> None:
    """Every record names an attribute the class really has."""
    for info in fields_of(model):
        assert hasattr(model, info.name)
