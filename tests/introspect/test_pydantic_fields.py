"""Fields of pydantic v2 models and dataclasses (``pyfactory/introspect/_pydantic_fields.py``)."""

from __future__ import annotations

import decimal
import enum
from typing import Annotated, Any, ClassVar, Literal

import annotated_types as at
import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    EmailStr,
    Field,
    HttpUrl,
    IPvAnyAddress,
    NameEmail,
    PositiveInt,
    StringConstraints,
    condecimal,
    conint,
    constr,
)

from pyfactory.introspect import FieldInfo, fields_of
from pyfactory.introspect._pydantic_fields import pydantic_fields


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def copy_name(data: dict[str, Any]) -> str:
    return str(data["name"])


class Everything(BaseModel):
    name: str = Field(max_length=20, min_length=2, pattern=r"^[A-Z]")
    age: Annotated[int, at.Ge(0), at.Le(130)]
    score: Annotated[float, Field(gt=0, lt=1)]
    nickname: Annotated[str, at.MaxLen(10)] | None = None
    code: constr(max_length=4, pattern=r"^\d+$")  # type: ignore[valid-type]
    count: conint(ge=1, le=9, multiple_of=3)  # type: ignore[valid-type]
    price: condecimal(max_digits=5, decimal_places=2)  # type: ignore[valid-type]
    trimmed: Annotated[str, StringConstraints(max_length=3, strip_whitespace=True)]
    positive: PositiveInt = 1
    website: HttpUrl
    address: IPvAnyAddress
    size: Literal["s", "m"] = "s"
    color: Color = Color.RED
    tags: list[str] = Field(default_factory=list)
    copy_of_name: str = Field(default_factory=copy_name)
    user_id: int = Field(alias="userId")
    strict_int: int = Field(default=0, strict=True)
    maybe: Annotated[int | None, Field(ge=0)]


@pydantic.dataclasses.dataclass
class PydanticDataclass:
    name: str = Field(max_length=5)
    hidden: int = Field(default=0, init=False)


class TestPydanticFields:
    """model_fields and their metadata become FieldInfo attributes."""

    def test_every_feature(self) -> None:
        """Field(), Annotated, con* types, StringConstraints, URL types, aliases, factories."""
        assert fields_of(Everything) == [
            FieldInfo("name", str, required=True, max_length=20, min_length=2, pattern="^[A-Z]"),
            FieldInfo("age", int, required=True, ge=0, le=130),
            FieldInfo("score", float, required=True, gt=0, lt=1),
            FieldInfo(
                "nickname",
                str | None,
                has_default=True,
                default=None,
                nullable=True,
                max_length=10,
            ),
            FieldInfo("code", str, required=True, max_length=4, pattern=r"^\d+$"),
            FieldInfo("count", int, required=True, ge=1, le=9, multiple_of=3),
            FieldInfo("price", decimal.Decimal, required=True, max_digits=5, decimal_places=2),
            FieldInfo(
                "trimmed", str, required=True, max_length=3, extra={"strip_whitespace": True}
            ),
            FieldInfo("positive", int, has_default=True, default=1, gt=0),
            FieldInfo(
                "website",
                HttpUrl,
                required=True,
                max_length=2083,
                extra={"format": "url", "allowed_schemes": ("http", "https")},
            ),
            FieldInfo("address", IPvAnyAddress, required=True, extra={"format": "ip"}),
            FieldInfo("size", Literal["s", "m"], has_default=True, default="s", choices=("s", "m")),
            FieldInfo(
                "color", Color, has_default=True, default=Color.RED, choices=(Color.RED, Color.BLUE)
            ),
            FieldInfo("tags", list[str], has_default=True, default_factory=list),
            FieldInfo(
                "copy_of_name",
                str,
                has_default=True,
                extra={"default_factory_takes_data": copy_name},
            ),
            FieldInfo("user_id", int, required=True, extra={"alias": "userId"}),
            FieldInfo("strict_int", int, has_default=True, default=0, extra={"strict": True}),
            FieldInfo("maybe", int | None, required=True, nullable=True, ge=0),
        ]

    def test_pydantic_dataclass(self) -> None:
        """A pydantic dataclass is read through pydantic, and init=False fields are left out."""
        assert fields_of(PydanticDataclass) == [
            FieldInfo("name", str, required=True, max_length=5),
        ]

    @pytest.mark.parametrize(
        ("annotation", "fmt"),
        [(EmailStr, "email"), (NameEmail, "name_email"), (EmailStr | None, "email")],
    )
    def test_email_types_are_noted(self, annotation: Any, fmt: str) -> None:
        """EmailStr and NameEmail say what they hold in ``extra["format"]``.

        (A model with them needs the email-validator package, so the field is read
        without one.)
        """

        class Model:
            __pydantic_fields__: ClassVar[dict[str, Any]] = {
                "email": pydantic.fields.FieldInfo.from_annotation(annotation)
            }

        (info,) = pydantic_fields(Model)
        assert info.type == annotation
        assert info.extra == {"format": fmt}

    def test_unknown_metadata_is_kept(self) -> None:
        """Annotated metadata that is not a constraint is kept in ``extra["metadata"]``."""
        marker = at.Predicate(str.isdigit)

        class Model(BaseModel):
            code: Annotated[str, marker]

        assert fields_of(Model)[0].extra == {"metadata": (marker,)}


class TestPydanticProperties:
    """Constraints of generated pydantic models come back unchanged."""

    @given(
        max_length=st.integers(0, 1000),
        min_length=st.integers(0, 1000),
        ge=st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6),
        le=st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6),
        optional=st.booleans(),
    )
    def test_field_constraints_round_trip(
        self, max_length: int, min_length: int, ge: float, le: float, optional: bool
    ) -> None:
        """Any ``Field(max_length=, min_length=, ge=, le=)`` values are the record's."""
        text_type: Any = str | None if optional else str
        model = pydantic.create_model(
            "Generated",
            text=(text_type, Field(max_length=max_length, min_length=min_length)),
            number=(float, Field(ge=ge, le=le, default=0)),
        )
        text, number = fields_of(model)
        assert text == FieldInfo(
            "text",
            text_type,
            required=True,
            nullable=optional,
            max_length=max_length,
            min_length=min_length,
        )
        assert number == FieldInfo("number", float, has_default=True, default=0, ge=ge, le=le)

    @given(
        lengths=st.tuples(st.integers(0, 50), st.integers(0, 50)),
        digits=st.tuples(st.integers(1, 30), st.integers(0, 30)),
    )
    def test_annotated_constraints_round_trip(
        self, lengths: tuple[int, int], digits: tuple[int, int]
    ) -> None:
        """``Annotated`` with annotated_types and decimal digits carry over the same."""
        model = pydantic.create_model(
            "GeneratedAnnotated",
            code=(Annotated[str, at.Len(*sorted(lengths))], ...),
            price=(
                Annotated[decimal.Decimal, Field(max_digits=digits[0], decimal_places=digits[1])],
                ...,
            ),
        )
        code, price = fields_of(model)
        # Len(0, n) states no minimum at all: annotated_types leaves MinLen(0) out.
        assert (code.min_length or 0, code.max_length) == tuple(sorted(lengths))
        assert (price.max_digits, price.decimal_places) == digits
