"""What every model kind shares: reading annotations and gathering constraints
(``pyfactory/introspect/_common.py``)."""

# The typing module's spellings (Optional, Union) are among the inputs under test.
# ruff: noqa: UP007, UP045

from __future__ import annotations

import datetime
import typing
from typing import Annotated, Literal, Optional, Union

import annotated_types as at
import pytest
from typing_extensions import NotRequired, ReadOnly, Required

from pyfactory.introspect import FieldInfo
from pyfactory.introspect._common import Facts, non_none, read_type, strip_qualifiers, type_hints


def read(annotation: object) -> FieldInfo:
    facts = Facts("f")
    facts.set(type=read_type(annotation, facts))
    return facts.info()


class TestReadType:
    """Annotations become a type, nullability, choices and constraints."""

    @pytest.mark.parametrize(
        ("annotation", "expected"),
        [
            (int, FieldInfo("f", int)),
            (Optional[int], FieldInfo("f", Optional[int], nullable=True)),
            (int | None, FieldInfo("f", int | None, nullable=True)),
            (Annotated[int, at.Ge(1)], FieldInfo("f", int, ge=1)),
            (
                Optional[Annotated[int, at.Ge(1)]],
                FieldInfo("f", Optional[int], nullable=True, ge=1),
            ),
            (
                Annotated[Optional[int], at.Le(9)],
                FieldInfo("f", Optional[int], nullable=True, le=9),
            ),
            (Union[int, str, None], FieldInfo("f", Union[int, str, None], nullable=True)),
            (Union[int, str], FieldInfo("f", Union[int, str])),
            (None, FieldInfo("f", type(None), nullable=True)),
            (
                Literal["a", None],
                FieldInfo("f", Literal["a", None], nullable=True, choices=("a",)),
            ),
            (
                Optional[Literal[1, 2]],
                FieldInfo("f", Optional[Literal[1, 2]], nullable=True, choices=(1, 2)),
            ),
            (
                Annotated[datetime.datetime, at.Timezone(...)],
                FieldInfo("f", datetime.datetime, extra={"timezone": ...}),
            ),
            (
                list[Annotated[str, at.MaxLen(3)]],
                FieldInfo("f", list[Annotated[str, at.MaxLen(3)]]),
            ),
        ],
        ids=repr,
    )
    def test_annotations(self, annotation: object, expected: FieldInfo) -> None:
        """Each shape of annotation gives the record it describes."""
        assert read(annotation) == expected

    def test_constraints_inside_a_collection_are_not_the_fields(self) -> None:
        """A bound on the items of a list does not bound the list."""
        assert read(list[Annotated[int, at.Ge(0)]]).ge is None


class TestFacts:
    """Gathering constraints from several places."""

    def test_incomparable_bounds_keep_the_later(self) -> None:
        """Two bounds that cannot be compared: the later one stands."""
        facts = Facts("f")
        facts.set(type=int)
        facts.constrain("ge", 1)
        facts.constrain("ge", datetime.date(2020, 1, 1))
        assert facts.info().ge == datetime.date(2020, 1, 1)

    def test_several_patterns(self) -> None:
        """The first pattern is the field's; all of them are listed in ``extra``."""
        facts = Facts("f")
        facts.set(type=int)
        facts.constrain("pattern", "a")
        facts.constrain("pattern", "b")
        info = facts.info()
        assert (info.pattern, info.extra) == ("a", {"patterns": ("a", "b")})

    def test_none_adds_nothing(self) -> None:
        """A missing bound leaves the one already there."""
        facts = Facts("f")
        facts.set(type=int)
        facts.constrain("le", 3)
        facts.constrain("le", None)
        assert facts.info().le == 3


class TestHelpers:
    """Small helpers of the readers."""

    @pytest.mark.parametrize(
        ("annotation", "expected"),
        [
            (Required[int], int),
            (NotRequired[ReadOnly[str]], str),
            (typing.ClassVar[int], int),
            (Annotated[Required[int], "x"], Annotated[int, "x"]),
            (Annotated[int, "x"], Annotated[int, "x"]),
        ],
        ids=repr,
    )
    def test_strip_qualifiers(self, annotation: object, expected: object) -> None:
        """Qualifiers go, at the top level and under Annotated; metadata stays."""
        assert strip_qualifiers(annotation) == expected

    def test_non_none(self) -> None:
        """``None`` is taken out of a union, which stays a union if more remain."""
        assert non_none(Optional[int]) is int
        assert non_none(Union[int, str, None]) == Union[int, str]
        assert non_none(int) is int

    def test_type_hints_of_chosen_names(self) -> None:
        """Only the names asked for are resolved, and an unresolvable one stays a string."""

        class Model:
            a: int
            b: Missing  # type: ignore[name-defined]  # noqa: F821
            c: str

        assert type_hints(Model, {"a", "b"}) == {"a": int, "b": "Missing"}

    def test_type_hints_of_objects_and_forward_references(self) -> None:
        """Annotations that are objects stay; forward references are resolved one by one."""
        model = type(
            "Model",
            (),
            {"__annotations__": {"a": int, "b": typing.ForwardRef("str"), "c": "Missing"}},
        )
        assert type_hints(model) == {"a": int, "b": str, "c": "Missing"}
