"""A value meant for the objects given to the factory instead of the call
(``UserFactory(first_name="x")``, a factory_boy habit) is refused with the call to
write, while context keys that something reads keep working."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from pyfactory import Context, Factory, UsageError, association, lazy, schema, sequence
from pyfactory.builders import ModelBuilder, ObjectBuilder


@dataclass
class User:
    username: str
    first_name: str = "Ann"


class Recorder(ObjectBuilder[Any]):
    """Keeps what it made, to show that nothing was."""

    made: list[Any]

    def __init__(self) -> None:
        self.made = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        self.made.append(obj)
        return obj


class UserFactory(Factory[User]):
    _model = User
    _model_builder = Recorder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"username": sequence("user{n}")}


FIRST_NAME = (
    "UserFactory.basic: UserFactory(first_name=...) was given 'first_name', a field of "
    "User, as its context, and nothing reads it there; pass the object's values to the "
    "call: UserFactory().build(first_name=...)"
)


def test_a_model_field_given_to_the_factory_is_refused_with_the_call_to_write() -> None:
    with pytest.raises(UsageError) as caught:
        UserFactory(first_name="Bob").build()
    assert str(caught.value) == FIRST_NAME


def test_nothing_is_made_when_a_model_field_is_given_as_context() -> None:
    builder = UserFactory._pf_builder
    assert isinstance(builder, Recorder)
    before = len(builder.made)
    with pytest.raises(UsageError):
        UserFactory(first_name="Bob").create()
    with pytest.raises(UsageError):
        UserFactory(first_name="Bob").create_batch(3)
    with pytest.raises(UsageError):
        asyncio.run(UserFactory(first_name="Bob").acreate_batch(2))
    assert len(builder.made) == before


def test_the_value_given_to_the_call_is_the_fix() -> None:
    assert UserFactory().build(first_name="Bob").first_name == "Bob"


class Plain:
    """A class whose fields pyfactory cannot read: its schema's keys are checked."""

    def __init__(self, **values: Any) -> None:
        self.values = values


class PlainFactory(Factory[Plain]):
    _model = Plain
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "t"}


def test_a_key_of_the_schema_given_to_the_factory_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        PlainFactory(title="x").attributes()
    assert str(caught.value) == (
        "PlainFactory.basic: PlainFactory(title=...) was given 'title', a key of its schema "
        "'basic', as its context, and nothing reads it there; pass the object's values to "
        "the call: PlainFactory().build(title=...)"
    )


def test_context_keys_that_are_no_field_or_schema_key_are_context() -> None:
    factory = UserFactory(tenant="acme", outbox=[])
    assert factory.build().username.startswith("user")
    assert dict(factory.context) == {"tenant": "acme", "outbox": []}


class SessionOwner(ObjectBuilder[Any]):
    context_keys = frozenset({"session"})

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        context.require("session").append(obj)
        return obj


@dataclass
class Seat:
    row: int
    session: str = "evening"


class SeatFactory(Factory[Seat]):
    _model = Seat
    _model_builder = SessionOwner()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"row": 1, "session": "matinee"}


def test_a_key_the_builder_reads_is_context_even_when_the_model_has_that_field() -> None:
    stored: list[Any] = []
    seat = SeatFactory(session=stored).create(session="late")
    assert stored == [seat]
    assert seat.session == "late"


def test_the_database_builders_list_the_keys_they_read() -> None:
    from pyfactory.builders.django import DjangoBuilder
    from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder

    assert ModelBuilder.context_keys == frozenset()
    assert SQLAlchemyBuilder.context_keys == frozenset({"session"})
    assert AsyncSQLAlchemyBuilder.context_keys == frozenset({"session"})
    assert DjangoBuilder.context_keys == frozenset({"using"})


class TenantUserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        # The schema fills the field from the context key of the same name.
        return {"username": "u", "first_name": self.context["first_name"]}

    @schema()
    def later(self) -> dict[str, Any]:
        return {"username": "u", "first_name": lazy(lambda _: self.context["first_name"])}


def test_a_context_key_that_the_schema_reads_is_context() -> None:
    assert TenantUserFactory(first_name="Eve").build().first_name == "Eve"


def test_a_context_key_that_the_field_s_own_lazy_may_read_is_context() -> None:
    assert TenantUserFactory(first_name="Eve").build("later").first_name == "Eve"


@dataclass
class Team:
    name: str
    owner: User


class TeamFactory(Factory[Team]):
    _model = Team
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "t", "owner": association(UserFactory)}

    @schema()
    def given(self) -> dict[str, Any]:
        return {"name": "t", "owner": association(UserFactory(first_name="Bob"))}


def test_keys_passed_down_to_children_are_not_checked_again() -> None:
    # first_name is no field of Team; the child's model has it, but it came down.
    team = TeamFactory(first_name="x").build()
    assert team.owner.first_name == "Ann"


def test_a_factory_instance_given_to_an_association_is_checked_as_its_own() -> None:
    with pytest.raises(UsageError) as caught:
        TeamFactory().build("given")
    assert str(caught.value) == "TeamFactory.given → owner (UserFactory.basic): " + (
        FIRST_NAME.removeprefix("UserFactory.basic: ")
    )
