"""Fields of attrs classes (``pyfactory/introspect/_attrs_fields.py``)."""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any, Literal

import annotated_types as at
import attr
import attrs
from hypothesis import given
from hypothesis import strategies as st

from pyfactory.introspect import FieldInfo, fields_of

v = attrs.validators


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def upper_name(instance: Any) -> str:
    return str(instance.name).upper()


@attrs.define(kw_only=True)
class Everything:
    name: str = attrs.field(validator=[v.max_len(20), v.min_len(2)])
    age: int = attrs.field(validator=v.and_(v.ge(0), v.le(130)))
    score: float = attrs.field(validator=[v.gt(0), v.lt(1)])
    nickname: str | None = attrs.field(default=None, validator=v.optional(v.max_len(10)))
    size: str = attrs.field(default="m", validator=v.in_(["s", "m", "l"]))
    color: Color = attrs.field(default=Color.RED, validator=v.in_(Color))
    code: str = attrs.field(validator=v.matches_re(r"[0-9]{4}"))
    slug: str = attrs.field(
        default="a", validator=v.matches_re("[a-z]+", flags=re.IGNORECASE, func=re.match)
    )
    word: str = attrs.field(default="x", validator=v.matches_re("x", func=re.search))
    tags: list[str] = attrs.field(factory=list)
    label: str = attrs.field(default=attrs.Factory(upper_name, takes_self=True))
    _secret: int = attrs.field(default=0, converter=int)
    amount: Annotated[int, at.Ge(1)] = attrs.field(default=5, validator=v.ge(5))
    kind: Literal["a", "b"] = "a"
    typed: int = attrs.field(default=0, validator=v.instance_of(int))
    hidden: int = attrs.field(init=False, default=0)


@attr.s
class Untyped:
    typed = attr.ib(type=int)
    untyped = attr.ib(default=None)


class TestAttrsFields:
    """Annotations, defaults and introspectable validators become FieldInfo attributes."""

    def test_every_feature(self) -> None:
        """Validators, factories, aliases, Annotated and Literal, each where it belongs."""
        assert fields_of(Everything) == [
            FieldInfo("name", str, required=True, max_length=20, min_length=2),
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
            FieldInfo("size", str, has_default=True, default="m", choices=("s", "m", "l")),
            FieldInfo(
                "color", Color, has_default=True, default=Color.RED, choices=(Color.RED, Color.BLUE)
            ),
            FieldInfo("code", str, required=True, pattern=r"\A(?:[0-9]{4})\Z"),
            FieldInfo(
                "slug",
                str,
                has_default=True,
                default="a",
                pattern=r"\A(?:[a-z]+)",
                extra={"pattern_flags": re.IGNORECASE},
            ),
            FieldInfo("word", str, has_default=True, default="x", pattern="x"),
            FieldInfo("tags", list[str], has_default=True, default_factory=list),
            FieldInfo("label", str, has_default=True, extra={"default_takes_self": upper_name}),
            FieldInfo("_secret", int, has_default=True, default=0, extra={"alias": "secret"}),
            FieldInfo("amount", int, has_default=True, default=5, ge=5),
            FieldInfo("kind", Literal["a", "b"], has_default=True, default="a", choices=("a", "b")),
            FieldInfo("typed", int, has_default=True, default=0),
        ]

    def test_type_from_attr_ib_or_none(self) -> None:
        """``attr.ib(type=...)`` gives the type; an attribute with no type at all is Any."""
        assert fields_of(Untyped) == [
            FieldInfo("typed", int, required=True),
            FieldInfo("untyped", Any, has_default=True, default=None),
        ]

    def test_in_validator_with_a_mapping_allows_its_keys(self) -> None:
        """``in_`` over a dict allows the dict's keys."""
        model = attrs.make_class("Keyed", {"k": attrs.field(validator=v.in_({"a": 1, "b": 2}))})
        assert fields_of(model)[0].choices == ("a", "b")


#: Simple regular expressions and the strings to try them on.
PATTERNS = st.sampled_from(["a+", "[0-9]{2}", "x|yz", "(ab)*", "a.c", "", "b?"])
TEXTS = st.text(alphabet="abcxyz019\n", max_size=6)


class TestAttrsProperties:
    """Constraints of generated attrs classes come back unchanged, and patterns keep
    their meaning."""

    @given(
        max_length=st.integers(0, 500),
        min_length=st.integers(0, 500),
        bounds=st.tuples(st.integers(-1000, 1000), st.integers(-1000, 1000)),
        strict=st.booleans(),
    )
    def test_validators_round_trip(
        self, max_length: int, min_length: int, bounds: tuple[int, int], strict: bool
    ) -> None:
        """Any ``max_len``/``min_len`` and numeric bounds are the record's."""
        low, high = bounds
        lower = v.gt(low) if strict else v.ge(low)
        upper = v.lt(high) if strict else v.le(high)
        model = attrs.make_class(
            "Generated",
            {
                "text": attrs.field(
                    type=str, validator=[v.max_len(max_length), v.min_len(min_length)]
                ),
                "number": attrs.field(type=int, validator=v.and_(lower, upper)),
            },
        )
        text, number = fields_of(model)
        assert (text.max_length, text.min_length) == (max_length, min_length)
        if strict:
            assert (number.gt, number.lt, number.ge, number.le) == (low, high, None, None)
        else:
            assert (number.ge, number.le, number.gt, number.lt) == (low, high, None, None)

    @given(pattern=PATTERNS, func=st.sampled_from([re.fullmatch, re.match, re.search]), text=TEXTS)
    def test_pattern_means_what_the_validator_checks(
        self, pattern: str, func: Any, text: str
    ) -> None:
        """``re.search`` with the recorded pattern accepts exactly what the validator accepts."""
        validator = v.matches_re(pattern, func=func)
        model = attrs.make_class("Matched", {"s": attrs.field(type=str, validator=validator)})
        recorded = fields_of(model)[0].pattern
        assert recorded is not None
        assert bool(re.search(recorded, text)) == bool(func(pattern, text))
