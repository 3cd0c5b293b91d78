"""``fields()`` on each builder (DESIGN.md §4): the base reads any supported model,
each database builder reads its own kind."""

from __future__ import annotations

import dataclasses
from typing import TypedDict

import pydantic
import pytest

from pyfactory import FactoryDefinitionError
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder
from pyfactory.builders.django import DjangoBuilder
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from pyfactory.introspect import FieldInfo, fields_of
from tests.db import blog
from tests.django_app import models as django_models


@dataclasses.dataclass
class User:
    name: str
    age: int = 0


class PydanticUser(pydantic.BaseModel):
    name: str = pydantic.Field(max_length=10)


class Point(TypedDict):
    x: int
    y: int


class TestInMemoryBuilders:
    """The base class, ObjectBuilder and DictBuilder."""

    def test_base_reads_any_supported_model(self) -> None:
        """ModelBuilder.fields is fields_of."""
        assert ModelBuilder[User]().fields(User) == [
            FieldInfo("name", str, required=True),
            FieldInfo("age", int, has_default=True, default=0),
        ]

    def test_object_builder(self) -> None:
        """ObjectBuilder inherits it for the models it makes."""
        assert ObjectBuilder[PydanticUser]().fields(PydanticUser) == [
            FieldInfo("name", str, required=True, max_length=10)
        ]

    def test_dict_builder(self) -> None:
        """A TypedDict's keys; a plain dict has none."""
        builder = DictBuilder()
        assert builder.fields(Point) == [  # type: ignore[arg-type]
            FieldInfo("x", int, required=True),
            FieldInfo("y", int, required=True),
        ]
        assert builder.fields(dict) == []

    def test_unsupported_model(self) -> None:
        """A class of no supported kind raises FactoryDefinitionError."""
        with pytest.raises(FactoryDefinitionError, match="cannot read the fields of"):
            ObjectBuilder[object]().fields(object)


class TestDatabaseBuilders:
    """The SQLAlchemy and Django builders read their own models, and only those."""

    @pytest.mark.parametrize("builder_class", [SQLAlchemyBuilder, AsyncSQLAlchemyBuilder])
    def test_sqlalchemy(self, builder_class: type[SQLAlchemyBuilder[blog.Post]]) -> None:
        """Both SQLAlchemy builders read a mapped class, and refuse anything else."""
        builder = builder_class()
        assert builder.fields(blog.Post) == fields_of(blog.Post)
        with pytest.raises(FactoryDefinitionError, match=r"it is not a SQLAlchemy mapped class$"):
            builder.fields(User)  # type: ignore[arg-type]

    def test_django(self) -> None:
        """DjangoBuilder reads a Django model, and refuses anything else."""
        builder = DjangoBuilder[django_models.Post]()
        assert builder.fields(django_models.Post) == fields_of(django_models.Post)
        with pytest.raises(FactoryDefinitionError, match=r"it is not a Django model$"):
            builder.fields(blog.Post)  # type: ignore[arg-type]
