# fmt: off
# ruff: noqa: E501
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""Calls that mypy --strict must reject."""

from __future__ import annotations

from dataclasses import dataclass

from pyfactory import Factory, schema
from pyfactory.builders import ObjectBuilder


@dataclass
class User:
    name: str


class UserFactory(Factory[User]):
    _model = User
    _model_builder = ObjectBuilder()

    @schema()
    def basic(self) -> dict[str, object]:
        return {"name": "ann"}


factory = UserFactory()
number: int = factory.build("basic")  # E: Incompatible types in assignment (expression has type "User", variable has type "int")  [assignment]
factory.build(1)  # E: Argument 1 to "build" of "Factory" has incompatible type "int"; expected "str | None"  [arg-type]
factory.create("basic", 2)  # E: Argument 2 to "create" of "Factory" has incompatible type "int"; expected "str"  [arg-type]
factory.build_batch("basic", "3")  # E: No overload variant of "build_batch" of "Factory" matches argument types "str", "str"  [call-overload]
factory.create_batch("basic", "3")  # E: No overload variant of "create_batch" of "Factory" matches argument types "str", "str"  [call-overload]
numbers: list[int] = factory.build_batch("basic", 3)  # E: Incompatible types in assignment (expression has type "list[User]", variable has type "list[int]")  [assignment]


async def main() -> None:
    text: str = await factory.acreate("basic")  # E: Incompatible types in assignment (expression has type "User", variable has type "str")  [assignment]
    print(text)
