# fmt: off
# ruff: noqa: E501, F821
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""Revealed types of the factory methods: ``Factory[M]`` gives ``M`` and ``list[M]``."""

from __future__ import annotations

from dataclasses import dataclass

from pyfactory import Factory, schema, sequence
from pyfactory.builders import ObjectBuilder


@dataclass
class User:
    name: str


class UserFactory(Factory[User]):
    _model = User
    _model_builder = ObjectBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, object]:
        return {"name": sequence("user{n}")}


class StaffFactory(UserFactory):
    pass


factory = UserFactory()
reveal_type(factory.build("basic"))  # N: Revealed type is "reveal_types.User"
reveal_type(factory.create("basic"))  # N: Revealed type is "reveal_types.User"
reveal_type(factory.build("basic", "trait", name="x"))  # N: Revealed type is "reveal_types.User"
reveal_type(factory.build())  # N: Revealed type is "reveal_types.User"
reveal_type(factory.build_batch("basic", 3))  # N: Revealed type is "list[reveal_types.User]"
reveal_type(factory.build_batch(3))  # N: Revealed type is "list[reveal_types.User]"
reveal_type(factory.create_batch("basic", 3))  # N: Revealed type is "list[reveal_types.User]"
reveal_type(factory.create_batch("basic", 3, "trait", name="x"))  # N: Revealed type is "list[reveal_types.User]"
reveal_type(factory.attributes("basic"))  # N: Revealed type is "dict[str, Any]"
reveal_type(StaffFactory().build("basic"))  # N: Revealed type is "reveal_types.User"


async def main() -> None:
    reveal_type(await factory.acreate("basic"))  # N: Revealed type is "reveal_types.User"
    reveal_type(await factory.acreate_batch("basic", 2))  # N: Revealed type is "list[reveal_types.User]"
