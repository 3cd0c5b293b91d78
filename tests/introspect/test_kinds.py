"""Recognising the kind of a model, and the errors for what is not one
(``pyfactory/introspect/_kinds.py``)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from typing import Any

import attrs
import pytest
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column

from pyfactory import FactoryDefinitionError, FactoryError
from pyfactory.introspect import FieldInfo, fields_of
from pyfactory.introspect._kinds import Kind, read_fields

ALL_KINDS = (
    "a SQLAlchemy mapped class, a Django model, a pydantic v2 model or dataclass, "
    "a msgspec Struct, an attrs class, a dataclass or a TypedDict"
)


class NotAModel:
    name: str


class MappedBase(MappedAsDataclass, DeclarativeBase):
    pass


class MappedDataclass(MappedBase):
    __tablename__ = "mapped_dataclass"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(default="x")


class TestDetection:
    """Each model is read by the reader of its kind."""

    def test_mapped_dataclass_is_read_as_sqlalchemy(self) -> None:
        """A class that is both mapped and a dataclass is read through its mapping."""
        assert dataclasses.is_dataclass(MappedDataclass)
        info = fields_of(MappedDataclass)[0]
        assert (info.name, info.primary_key, info.server_generated) == ("id", True, True)

    def test_attrs_subclass_of_a_dataclass_is_read_as_attrs(self) -> None:
        """attrs is tried before dataclasses."""

        @attrs.define
        class Model:
            x: int = attrs.field(validator=attrs.validators.ge(1))

        assert fields_of(Model) == [FieldInfo("x", int, required=True, ge=1)]


class TestErrors:
    """What cannot be read raises a FactoryDefinitionError that says why."""

    def test_unsupported_class(self) -> None:
        """The message names the class and every kind pyfactory reads."""
        with pytest.raises(FactoryDefinitionError) as caught:
            fields_of(NotAModel)
        assert str(caught.value) == (
            f"cannot read the fields of {__name__}.NotAModel: it is not {ALL_KINDS}"
        )
        assert isinstance(caught.value, FactoryError)

    def test_plain_dict(self) -> None:
        """``dict`` has no fields to read (DictBuilder answers for it)."""
        with pytest.raises(FactoryDefinitionError, match=r"fields of dict: it is not "):
            fields_of(dict)

    def test_not_a_class(self) -> None:
        """An instance is refused, with what to pass instead."""
        with pytest.raises(FactoryDefinitionError) as caught:
            fields_of(NotAModel())
        message = str(caught.value)
        assert message.startswith("cannot read the fields of <")
        assert message.endswith(f"it is not a class; pass {ALL_KINDS}")

    def test_failing_reader(self) -> None:
        """An error while reading names the model and its kind, and chains the cause."""

        def broken(model: type[Any]) -> list[FieldInfo]:
            raise LookupError("no such column")

        kind = Kind("a broken thing", lambda model: True, broken)
        with pytest.raises(FactoryDefinitionError) as caught:
            read_fields(NotAModel, (kind,))
        assert str(caught.value) == (
            f"cannot read the fields of {__name__}.NotAModel, a broken thing: "
            "LookupError: no such column"
        )
        assert isinstance(caught.value.__cause__, LookupError)

    def test_pyfactory_errors_pass_through(self) -> None:
        """A pyfactory error raised by a reader is not wrapped again."""
        error = FactoryDefinitionError("already clear")

        def broken(model: type[Any]) -> list[FieldInfo]:
            raise error

        with pytest.raises(FactoryDefinitionError) as caught:
            read_fields(NotAModel, (Kind("a thing", lambda model: True, broken),))
        assert caught.value is error

    def test_one_kind(self) -> None:
        """Asked for one kind only, the message names that kind."""
        from pyfactory.introspect._kinds import SQLALCHEMY

        with pytest.raises(FactoryDefinitionError) as caught:
            read_fields(NotAModel, (SQLALCHEMY,))
        assert str(caught.value).endswith(": it is not a SQLAlchemy mapped class")


def test_reading_stays_light() -> None:
    """Reading a dataclass, an attrs class or a TypedDict imports no optional library."""
    code = textwrap.dedent(
        """
        import dataclasses, sys, typing
        import attrs
        from pyfactory.introspect import fields_of

        @dataclasses.dataclass
        class D:
            x: int

        @attrs.define
        class A:
            x: int

        class T(typing.TypedDict):
            x: int

        for model in (D, A, T):
            assert fields_of(model)[0].name == "x"
        heavy = {"faker", "sqlalchemy", "django", "pydantic", "msgspec", "annotated_types"}
        print(sorted(heavy & {m.split(".")[0] for m in sys.modules}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
