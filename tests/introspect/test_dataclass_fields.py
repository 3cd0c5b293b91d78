"""Fields of standard-library dataclasses (``pyfactory/introspect/_dataclass_fields.py``)."""

from __future__ import annotations

import dataclasses
import decimal
import enum
from dataclasses import InitVar
from typing import Annotated, Any, ClassVar, Literal

import annotated_types as at
import msgspec
import pydantic
from hypothesis import given
from hypothesis import strategies as st

from pyfactory.introspect import NO_DEFAULT, FieldInfo, fields_of


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


DIGITS = at.Predicate(str.isdigit)


@dataclasses.dataclass(kw_only=True)
class Everything:
    name: Annotated[str, at.MaxLen(20), at.MinLen(2)]
    age: Annotated[int, at.Ge(0), at.Le(130)]
    score: Annotated[float, at.Interval(gt=0, lt=1)]
    nickname: Annotated[str, at.MaxLen(10)] | None
    bio: str | None = None
    color: Color = Color.RED
    size: Literal["s", "m", "l"] = "m"
    tags: list[str] = dataclasses.field(default_factory=list)
    price: Annotated[decimal.Decimal, pydantic.Field(max_digits=5, decimal_places=2)]
    step: Annotated[int, msgspec.Meta(multiple_of=5, lt=100)] = 0
    code: Annotated[str, DIGITS, at.Len(4, 4)]
    secret: InitVar[str]
    computed: int = dataclasses.field(init=False, default=0)
    registry: ClassVar[dict[str, Any]] = {}

    def __post_init__(self, secret: str) -> None:
        self.computed = len(secret)


@dataclasses.dataclass
class Unresolvable:
    known: int
    unknown: NotDefinedAnywhere  # type: ignore[name-defined]  # noqa: F821


class TestDataclassFields:
    """Every feature of a dataclass field becomes the matching FieldInfo attribute."""

    def test_every_feature(self) -> None:
        """Annotated constraints, Optional, defaults, factories, Enum, Literal and InitVar."""
        assert fields_of(Everything) == [
            FieldInfo("name", str, required=True, max_length=20, min_length=2),
            FieldInfo("age", int, required=True, ge=0, le=130),
            FieldInfo("score", float, required=True, gt=0, lt=1),
            FieldInfo("nickname", str | None, required=True, nullable=True, max_length=10),
            FieldInfo("bio", str | None, has_default=True, default=None, nullable=True),
            FieldInfo(
                "color", Color, has_default=True, default=Color.RED, choices=(Color.RED, Color.BLUE)
            ),
            FieldInfo(
                "size",
                Literal["s", "m", "l"],
                has_default=True,
                default="m",
                choices=("s", "m", "l"),
            ),
            FieldInfo("tags", list[str], has_default=True, default_factory=list),
            FieldInfo("price", decimal.Decimal, required=True, max_digits=5, decimal_places=2),
            FieldInfo("step", int, has_default=True, default=0, multiple_of=5, lt=100),
            FieldInfo(
                "code",
                str,
                required=True,
                min_length=4,
                max_length=4,
                extra={"metadata": (DIGITS,)},
            ),
            FieldInfo("secret", str, required=True, extra={"init_var": True}),
        ]

    def test_optional_without_default_is_still_required(self) -> None:
        """The constructor needs a field with no default even when it accepts None."""
        nickname = fields_of(Everything)[3]
        assert nickname.nullable
        assert nickname.required

    def test_init_false_and_class_variables_are_left_out(self) -> None:
        """Only what the constructor takes is listed."""
        names = [f.name for f in fields_of(Everything)]
        assert "computed" not in names
        assert "registry" not in names

    def test_an_unresolvable_annotation_stays_a_string(self) -> None:
        """One annotation that does not resolve leaves the others resolved."""
        assert fields_of(Unresolvable) == [
            FieldInfo("known", int, required=True),
            FieldInfo("unknown", "NotDefinedAnywhere", required=True),
        ]


class TestDataclassProperties:
    """Constraints of generated dataclasses come back unchanged."""

    @given(
        max_length=st.integers(0, 1000),
        min_length=st.integers(0, 1000),
        ge=st.integers(-(10**9), 10**9),
        le=st.integers(-(10**9), 10**9),
        default=st.none() | st.integers(),
    )
    def test_annotated_constraints_round_trip(
        self, max_length: int, min_length: int, ge: int, le: int, default: int | None
    ) -> None:
        """Any MaxLen/MinLen/Ge/Le values in ``Annotated`` are the record's bounds."""
        spec: list[Any] = [
            ("text", Annotated[str, at.MaxLen(max_length), at.MinLen(min_length)]),
            ("number", Annotated[int, at.Ge(ge), at.Le(le)]),
        ]
        if default is not None:
            spec.append(("rest", int, dataclasses.field(default=default)))
        model = dataclasses.make_dataclass("Generated", spec)
        text, number, *rest = fields_of(model)
        assert (text.max_length, text.min_length, text.required) == (max_length, min_length, True)
        assert (number.ge, number.le, number.gt, number.lt) == (ge, le, None, None)
        if default is not None:
            assert rest == [FieldInfo("rest", int, has_default=True, default=default)]
        else:
            assert rest == []
            assert text.default is NO_DEFAULT

    @given(bounds=st.lists(st.integers(-100, 100), min_size=1, max_size=5))
    def test_the_strictest_of_repeated_bounds_wins(self, bounds: list[int]) -> None:
        """Several lower and upper bounds on one field come down to the tightest pair."""
        metadata = [*(at.Ge(b) for b in bounds), *(at.Le(b) for b in bounds)]
        annotation = Annotated[(int, *metadata)]  # type: ignore[valid-type]
        model = dataclasses.make_dataclass("Bounded", [("n", annotation)])
        (field,) = fields_of(model)
        assert (field.ge, field.le) == (max(bounds), min(bounds))
