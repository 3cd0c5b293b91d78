# fmt: off
# ruff: noqa: E501
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""An abstract factory makes no objects: ``Factory[User]()`` itself, or a base that
sets ``_abstract = True``, named where the call makes one."""

from __future__ import annotations

from typing import Any

from plugin_models import User, UserFactory

from pyfactory import Factory, schema


class BaseFactory(Factory[User]):
    _abstract = True

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "email": "ann@example.com"}


class ConcreteFactory(BaseFactory):
    _model = User


Factory[User]().build()  # E: Factory is abstract and makes no objects: build() on it raises FactoryDefinitionError; call a subclass that sets _model  [pyfactory-abstract]
Factory[User]().create_batch("basic", 2)  # E: Factory is abstract and makes no objects: create_batch() on it raises FactoryDefinitionError; call a subclass that sets _model  [pyfactory-abstract]
BaseFactory().build("basic")  # E: BaseFactory is abstract and makes no objects: build() on it raises FactoryDefinitionError; call a subclass that sets _model  [pyfactory-abstract]
ConcreteFactory().build("basic")
UserFactory().build("basic")


def helper(factory: Factory[User], base: BaseFactory) -> None:
    # A parameter typed with an abstract factory holds a concrete one.
    factory.build("basic")
    base.build("basic")
