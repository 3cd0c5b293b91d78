"""Keys of TypedDicts (``pyfactory/introspect/_typeddict_fields.py``)."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import annotated_types as at
import typing_extensions
from typing_extensions import NotRequired, ReadOnly, Required

from pyfactory.introspect import FieldInfo, fields_of


class Base(TypedDict):
    id: int


class Everything(Base, total=False):
    name: Required[Annotated[str, at.MaxLen(20)]]
    nickname: str | None
    age: Annotated[int, at.Ge(0)]
    size: Literal["s", "m"]


class Frozen(typing_extensions.TypedDict):
    code: ReadOnly[Annotated[str, at.MinLen(4)]]
    note: NotRequired[ReadOnly[str]]


class TestTypedDictFields:
    """A TypedDict's keys, with their totality, qualifiers and constraints."""

    def test_every_feature(self) -> None:
        """Inherited keys, totality, Required, Optional, Annotated and Literal."""
        assert fields_of(Everything) == [
            FieldInfo("id", int, required=True),
            FieldInfo("name", str, required=True, max_length=20),
            FieldInfo("nickname", str | None, nullable=True),
            FieldInfo("age", int, ge=0),
            FieldInfo("size", Literal["s", "m"], choices=("s", "m")),
        ]

    def test_typing_extensions_qualifiers(self) -> None:
        """ReadOnly and NotRequired from typing_extensions are taken off the type."""
        assert fields_of(Frozen) == [
            FieldInfo("code", str, required=True, min_length=4),
            FieldInfo("note", str),
        ]

    def test_none_has_a_default(self) -> None:
        """A TypedDict has no defaults: a key that is not required is simply left out."""
        assert not any(f.has_default for f in fields_of(Everything))

    def test_functional_syntax(self) -> None:
        """A TypedDict made by calling TypedDict, whose types are never strings."""
        # The call is the point: its types are objects, never strings.
        point = TypedDict("point", {"x": Required[int], "y": NotRequired[int]}, total=False)  # type: ignore[misc]  # noqa: UP013
        assert fields_of(point) == [
            FieldInfo("x", int, required=True),
            FieldInfo("y", int),
        ]
