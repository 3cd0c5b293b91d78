"""Fields of Django models (``pyfactory/introspect/_django_fields.py``).

Reading ``_meta`` needs no database. The whole-model tests use the builder tests'
app (``tests/django_app``); field options that its models do not use are read
from fields made on their own, outside any model.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import validators
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from pyfactory.introspect import FieldInfo, fields_of
from pyfactory.introspect._django_fields import _forward_field, _single_unique
from tests.django_app.models import (
    Author,
    Comment,
    Person,
    Place,
    Post,
    Profile,
    Restaurant,
    Slugged,
    Tag,
)

#: A BigAutoField primary key (the app's DEFAULT_AUTO_FIELD).
BIG_ID = FieldInfo(
    "id",
    int,
    has_default=True,
    ge=-(2**63),
    le=2**63 - 1,
    unique=True,
    primary_key=True,
    server_generated=True,
)


def read(field: models.Field, name: str = "f") -> FieldInfo:
    """The record of a field made outside any model."""
    field.set_attributes_from_name(name)
    return _forward_field(field, set())


class TestAppModels:
    """The app's models: forward fields in order, then reverse relations."""

    def test_author(self) -> None:
        """An email field, a unique one, and two reverse relations (one-to-one, one-to-many)."""
        assert fields_of(Author) == [
            BIG_ID,
            FieldInfo("name", str, required=True, max_length=100),
            FieldInfo(
                "email", str, required=True, max_length=254, unique=True, extra={"format": "email"}
            ),
            FieldInfo(
                "profile",
                Profile | None,
                nullable=True,
                relation="one_to_one",
                related_model=Profile,
                extra={"reverse": "author", "remote_keys": ("author_id",)},
            ),
            FieldInfo(
                "posts",
                list[Post],
                relation="one_to_many",
                related_model=Post,
                extra={"reverse": "author", "remote_keys": ("author_id",)},
            ),
        ]

    def test_profile(self) -> None:
        """A forward one-to-one is required and unique; a default makes a field optional."""
        assert fields_of(Profile) == [
            BIG_ID,
            FieldInfo(
                "author",
                Author,
                required=True,
                unique=True,
                relation="one_to_one",
                related_model=Author,
                foreign_keys=("author_id",),
                extra={"reverse": "profile"},
            ),
            FieldInfo("bio", str, has_default=True, default=""),
        ]

    def test_post(self) -> None:
        """A foreign key, a many-to-many with its through model, and a default reverse name."""
        assert fields_of(Post) == [
            BIG_ID,
            FieldInfo("title", str, required=True, max_length=200),
            FieldInfo(
                "author",
                Author,
                required=True,
                relation="many_to_one",
                related_model=Author,
                foreign_keys=("author_id",),
                extra={"reverse": "posts"},
            ),
            FieldInfo("published", bool, has_default=True, default=False),
            FieldInfo(
                "tags",
                list[Tag],
                relation="many_to_many",
                related_model=Tag,
                extra={"through": Post.tags.through, "blank": True, "reverse": "posts"},
            ),
            FieldInfo(
                "comment_set",
                list[Comment],
                relation="one_to_many",
                related_model=Comment,
                extra={"reverse": "post", "remote_keys": ("post_id",)},
            ),
        ]

    def test_tag_sees_the_reverse_many_to_many(self) -> None:
        """The other side of a many-to-many is listed under its related name."""
        assert fields_of(Tag)[-1] == FieldInfo(
            "posts",
            list[Post],
            relation="many_to_many",
            related_model=Post,
            extra={"reverse": "tags", "through": Post.tags.through},
        )

    def test_symmetrical_many_to_many_to_self(self) -> None:
        """A symmetrical link to the same model has no reverse side to list."""
        assert fields_of(Person) == [
            BIG_ID,
            FieldInfo("name", str, required=True, max_length=100),
            FieldInfo(
                "friends",
                list[Person],
                relation="many_to_many",
                related_model=Person,
                extra={"through": Person.friends.through, "symmetrical": True, "blank": True},
            ),
        ]

    def test_blank_makes_a_field_optional(self) -> None:
        """``blank=True`` is noted and the field is not required."""
        assert fields_of(Slugged)[-1] == FieldInfo(
            "slug", str, max_length=100, extra={"blank": True}
        )

    def test_multi_table_inheritance(self) -> None:
        """The parent's fields come first; the parent link is generated by save()."""
        assert fields_of(Restaurant) == [
            BIG_ID,
            FieldInfo("name", str, required=True, max_length=100),
            FieldInfo(
                "place_ptr",
                Place,
                has_default=True,
                unique=True,
                primary_key=True,
                server_generated=True,
                relation="one_to_one",
                related_model=Place,
                foreign_keys=("place_ptr_id",),
                extra={"reverse": "restaurant", "parent_link": True},
            ),
            FieldInfo("serves_pizza", bool, has_default=True, default=False),
        ]


class TestFieldOptions:
    """Options and validators of single fields, made outside any model."""

    @pytest.mark.parametrize(
        ("field", "expected"),
        [
            (models.TextField(), FieldInfo("f", str, required=True)),
            (models.FloatField(), FieldInfo("f", float, required=True)),
            (models.DateField(), FieldInfo("f", datetime.date, required=True)),
            (
                models.DateTimeField(),
                FieldInfo("f", datetime.datetime, required=True, extra={"timezone": True}),
            ),
            (models.TimeField(), FieldInfo("f", datetime.time, required=True)),
            (models.DurationField(), FieldInfo("f", datetime.timedelta, required=True)),
            (models.BinaryField(max_length=8), FieldInfo("f", bytes, required=True, max_length=8)),
            (models.JSONField(null=True), FieldInfo("f", dict | None, nullable=True)),
            (models.BooleanField(null=True), FieldInfo("f", bool | None, nullable=True)),
            (
                models.UUIDField(default=uuid.uuid4),
                FieldInfo("f", uuid.UUID, has_default=True, default_factory=uuid.uuid4),
            ),
            (
                models.DecimalField(max_digits=5, decimal_places=2),
                FieldInfo("f", decimal.Decimal, required=True, max_digits=5, decimal_places=2),
            ),
            (
                models.PositiveSmallIntegerField(choices=[(1, "one"), ("Group", [(2, "two")])]),
                FieldInfo("f", int, required=True, ge=0, le=2**15 - 1, choices=(1, 2)),
            ),
            (
                models.SmallIntegerField(),
                FieldInfo("f", int, required=True, ge=-(2**15), le=2**15 - 1),
            ),
            (
                models.URLField(),
                FieldInfo("f", str, required=True, max_length=200, extra={"format": "url"}),
            ),
            (
                models.SlugField(),
                FieldInfo(
                    "f",
                    str,
                    required=True,
                    max_length=50,
                    pattern=r"^[-a-zA-Z0-9_]+\Z",
                    extra={"format": "slug"},
                ),
            ),
            (
                models.GenericIPAddressField(protocol="IPv4"),
                FieldInfo("f", str, required=True, max_length=39, extra={"format": "ipv4"}),
            ),
            (
                models.GenericIPAddressField(),
                FieldInfo("f", str, required=True, max_length=39, extra={"format": "ip"}),
            ),
            (
                models.FileField(),
                FieldInfo("f", str, required=True, max_length=100, extra={"format": "file"}),
            ),
        ],
        ids=lambda value: type(value).__name__ if isinstance(value, models.Field) else "",
    )
    def test_types_and_formats(self, field: models.Field, expected: FieldInfo) -> None:
        """Each field class gives its Python type, its limits and what it holds."""
        assert read(field) == expected

    def test_validators(self) -> None:
        """Value, step, length and regex validators are constraints; inverse regexes are not."""
        number = models.IntegerField(
            validators=[
                validators.MinValueValidator(1),
                validators.MaxValueValidator(10),
                validators.StepValueValidator(2),
            ]
        )
        assert read(number) == FieldInfo("f", int, required=True, ge=1, le=10, multiple_of=2)
        text = models.CharField(
            max_length=10,
            validators=[
                validators.RegexValidator(r"^a", flags=re.IGNORECASE),
                validators.MinLengthValidator(2),
                validators.RegexValidator("b", inverse_match=True),
            ],
        )
        assert read(text) == FieldInfo(
            "f",
            str,
            required=True,
            max_length=10,
            min_length=2,
            pattern="^a",
            extra={"pattern_flags": re.IGNORECASE},
        )

    def test_declared_validators_tighten_the_options(self) -> None:
        """A validator stricter than the field's own options wins; a step's offset is noted."""
        text = models.CharField(max_length=10, validators=[validators.MaxLengthValidator(5)])
        assert read(text) == FieldInfo("f", str, required=True, max_length=5)
        number = models.DecimalField(
            max_digits=8,
            decimal_places=3,
            validators=[
                validators.DecimalValidator(6, 2),
                validators.StepValueValidator(decimal.Decimal("0.5"), offset=decimal.Decimal(1)),
            ],
        )
        assert read(number) == FieldInfo(
            "f",
            decimal.Decimal,
            required=True,
            max_digits=6,
            decimal_places=2,
            multiple_of=decimal.Decimal("0.5"),
            extra={"multiple_of_offset": decimal.Decimal(1)},
        )

    def test_generic_relations(self) -> None:
        """A GenericForeignKey names its two key fields; a GenericRelation is one-to-many.

        (The app does not install contenttypes, so these stand-ins carry the attributes
        that Django's generic fields have.)
        """
        foreign_key = SimpleNamespace(
            name="target",
            is_relation=True,
            many_to_many=False,
            one_to_many=False,
            related_model=None,
            ct_field="content_type",
            fk_field="object_id",
        )
        assert _forward_field(foreign_key, set()) == FieldInfo(
            "target",
            Any,
            relation="many_to_one",
            foreign_keys=("content_type", "object_id"),
            extra={"generic": True},
        )
        relation = SimpleNamespace(
            name="notes", is_relation=True, many_to_many=False, one_to_many=True, related_model=Tag
        )
        assert _forward_field(relation, set()) == FieldInfo(
            "notes", list[Tag], relation="one_to_many", related_model=Tag, extra={"generic": True}
        )

    def test_a_bound_computed_when_validating_is_not_recorded(self) -> None:
        """A validator whose limit is a callable has no fixed value to record."""
        field = models.FloatField(validators=[validators.MinValueValidator(lambda: 1.0)])
        assert read(field) == FieldInfo("f", float, required=True)

    def test_values_made_on_save_or_by_the_database(self) -> None:
        """auto_now, db_default and GeneratedField are generated; AutoField is not blank."""
        assert read(models.DateTimeField(auto_now_add=True)) == FieldInfo(
            "f",
            datetime.datetime,
            has_default=True,
            server_generated=True,
            extra={"timezone": True, "auto_now_add": True},
        )
        assert read(models.CharField(max_length=3, db_default="abc")) == FieldInfo(
            "f",
            str,
            has_default=True,
            max_length=3,
            server_generated=True,
            extra={"db_default": "abc"},
        )
        generated = models.GeneratedField(
            expression=models.F("other"), output_field=models.IntegerField(), db_persist=True
        )
        assert read(generated) == FieldInfo(
            "f", int, has_default=True, ge=-(2**31), le=2**31 - 1, server_generated=True
        )

    def test_unknown_field_class(self) -> None:
        """A field whose internal type is unknown is ``Any``, with the type noted."""

        class PointField(models.Field):
            def get_internal_type(self) -> str:
                return "PointField"

        assert read(PointField()) == FieldInfo(
            "f", Any, required=True, extra={"internal_type": "PointField"}
        )

    def test_unique_from_model_constraints(self) -> None:
        """A unique constraint or unique_together of one field alone makes it unique."""
        meta = SimpleNamespace(
            constraints=[
                models.UniqueConstraint(fields=["code"], name="one"),
                models.UniqueConstraint(fields=["a", "b"], name="two"),
                models.UniqueConstraint(
                    fields=["c"], condition=models.Q(active=True), name="partial"
                ),
                models.CheckConstraint(condition=models.Q(n__gte=0), name="check"),
            ],
            unique_together=[("slug",), ("x", "y")],
        )
        assert _single_unique(meta) == {"code", "slug"}
        field = models.CharField(max_length=5)
        field.set_attributes_from_name("code")
        assert _forward_field(field, {"code"}).unique


class TestFieldProperties:
    """Generated field options come back unchanged."""

    @given(
        max_length=st.integers(1, 10_000),
        null=st.booleans(),
        blank=st.booleans(),
        unique=st.booleans(),
    )
    def test_char_field_options(
        self, max_length: int, null: bool, blank: bool, unique: bool
    ) -> None:
        """Any CharField's length, null, blank and unique carry over."""
        field = models.CharField(max_length=max_length, null=null, blank=blank, unique=unique)
        assert read(field) == FieldInfo(
            "f",
            str | None if null else str,
            required=not (null or blank),
            nullable=null,
            max_length=max_length,
            unique=unique,
            extra={"blank": True} if blank else {},
        )

    @given(digits=st.integers(1, 30), places=st.integers(0, 30), low=st.integers(-100, 100))
    def test_decimal_field_options(self, digits: int, places: int, low: int) -> None:
        """Any DecimalField's digits and a minimum value carry over."""
        field = models.DecimalField(
            max_digits=digits,
            decimal_places=places,
            validators=[validators.MinValueValidator(decimal.Decimal(low))],
        )
        info = read(field)
        assert (info.max_digits, info.decimal_places, info.ge) == (digits, places, low)
