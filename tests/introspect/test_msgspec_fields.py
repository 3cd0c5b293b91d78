"""Fields of msgspec Structs (``pyfactory/introspect/_msgspec_fields.py``)."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated, Literal

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from pyfactory.introspect import FieldInfo, fields_of


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Everything(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(max_length=20, min_length=2, pattern="^[A-Z]")]
    age: Annotated[int, msgspec.Meta(ge=0, le=130, description="years")]
    score: Annotated[float, msgspec.Meta(gt=0, lt=1)]
    step: Annotated[int, msgspec.Meta(multiple_of=5)] = 0
    nickname: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    when: Annotated[datetime.datetime, msgspec.Meta(tz=True)]
    color: Color = Color.RED
    size: Literal["s", "m"] = "s"
    tags: list[str] = msgspec.field(default_factory=list)
    user_id: int = msgspec.field(name="userId")


class TestMsgspecFields:
    """Struct fields and their ``msgspec.Meta`` constraints become FieldInfo attributes."""

    def test_every_feature(self) -> None:
        """Meta bounds, lengths, patterns and time zones; defaults, factories, renames."""
        assert fields_of(Everything) == [
            FieldInfo("name", str, required=True, max_length=20, min_length=2, pattern="^[A-Z]"),
            FieldInfo("age", int, required=True, ge=0, le=130),
            FieldInfo("score", float, required=True, gt=0, lt=1),
            FieldInfo("step", int, has_default=True, default=0, multiple_of=5),
            FieldInfo(
                "nickname",
                str | None,
                has_default=True,
                default=None,
                nullable=True,
                max_length=10,
            ),
            FieldInfo("when", datetime.datetime, required=True, extra={"timezone": True}),
            FieldInfo(
                "color", Color, has_default=True, default=Color.RED, choices=(Color.RED, Color.BLUE)
            ),
            FieldInfo("size", Literal["s", "m"], has_default=True, default="s", choices=("s", "m")),
            FieldInfo("tags", list[str], has_default=True, default_factory=list),
            FieldInfo("user_id", int, required=True, extra={"encode_name": "userId"}),
        ]


class TestMsgspecProperties:
    """Constraints of generated Structs come back unchanged."""

    @given(
        max_length=st.integers(0, 1000),
        min_length=st.integers(0, 1000),
        gt=st.integers(-(10**6), 10**6),
        lt=st.integers(-(10**6), 10**6),
    )
    def test_meta_round_trips(self, max_length: int, min_length: int, gt: int, lt: int) -> None:
        """Any ``Meta`` lengths and strict bounds are the record's."""
        model = msgspec.defstruct(
            "Generated",
            [
                (
                    "text",
                    Annotated[str, msgspec.Meta(max_length=max_length, min_length=min_length)],
                ),
                ("number", Annotated[int, msgspec.Meta(gt=gt, lt=lt)], 0),
            ],
        )
        assert fields_of(model) == [
            FieldInfo("text", str, required=True, max_length=max_length, min_length=min_length),
            FieldInfo("number", int, has_default=True, default=0, gt=gt, lt=lt),
        ]
