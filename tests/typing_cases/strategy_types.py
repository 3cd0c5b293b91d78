# fmt: off
# ruff: noqa: E501, F821
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""Revealed types of the strategy methods: ``Factory[M]`` gives ``SearchStrategy[M]``."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given

from pyfactory import Factory, fake, schema


@dataclass
class User:
    name: str


class UserFactory(Factory[User]):
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, object]:
        return {"name": fake("name")}


reveal_type(UserFactory().strategy())  # N: Revealed type is "hypothesis.strategies._internal.strategies.SearchStrategy[strategy_types.User]"
reveal_type(UserFactory().strategy("basic", name="x"))  # N: Revealed type is "hypothesis.strategies._internal.strategies.SearchStrategy[strategy_types.User]"
reveal_type(UserFactory().create_strategy("basic"))  # N: Revealed type is "hypothesis.strategies._internal.strategies.SearchStrategy[strategy_types.User]"


@given(UserFactory().strategy())
def test_user(user: User) -> None:
    reveal_type(user)  # N: Revealed type is "strategy_types.User"


wrong: int = UserFactory().strategy().example()  # E: Incompatible types in assignment (expression has type "User", variable has type "int")  [assignment]
