# fmt: off
# ruff: noqa: E501, F821
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""A factory fixture annotated ``FactoryFixture[M]``: calling it gives ``M``, as create() does,
and the factory's methods keep their types."""

from __future__ import annotations

from dataclasses import dataclass

from pyfactory import Factory, schema, sequence
from pyfactory.pytest import FactoryFixture


@dataclass
class User:
    name: str


class UserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, object]:
        return {"name": sequence("user{n}")}


def test_user_factory(user_factory: FactoryFixture[User]) -> None:
    reveal_type(user_factory(name="Ann"))  # N: Revealed type is "pytest_factory_fixture.User"
    reveal_type(user_factory("basic"))  # N: Revealed type is "pytest_factory_fixture.User"
    reveal_type(user_factory.build())  # N: Revealed type is "pytest_factory_fixture.User"
    reveal_type(user_factory.create_batch(2))  # N: Revealed type is "list[pytest_factory_fixture.User]"
    reveal_type(user_factory.factory)  # N: Revealed type is "pyfactory._factory.Factory[pytest_factory_fixture.User]"
    user_factory(1)  # E: Argument 1 to "__call__" of "FactoryFixture" has incompatible type "int"; expected "str | None"  [arg-type]
