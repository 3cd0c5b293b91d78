"""The methods that make objects called on the factory class, as factory_boy users
write them (``UserFactory.build("basic")``): each runs on a new instance with no
context, as ``UserFactory().build("basic")`` does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from pyfactory import (
    Context,
    Factory,
    FactoryDefinitionError,
    MissingContextError,
    UnknownSchemaError,
    schema,
    sequence,
    trait,
)
from pyfactory.builders import ObjectBuilder


@dataclass
class User:
    name: str
    admin: bool = False


class UserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("user{n}")}

    @trait()
    def admin(self) -> dict[str, Any]:
        return {"admin": True}


@pytest.fixture(autouse=True)
def _fresh_sequences() -> None:
    UserFactory.reset_sequences()


def test_build_create_and_attributes_on_the_class_make_objects_as_on_an_instance() -> None:
    assert UserFactory.build() == User("user1")
    assert UserFactory.build("basic", "admin", name="ann") == User("ann", admin=True)
    assert UserFactory.create(admin=True) == User("user2", admin=True)
    assert UserFactory.attributes("basic") == {"name": "user3"}


def test_the_batch_forms_on_the_class_make_every_object() -> None:
    assert UserFactory.build_batch(2) == [User("user1"), User("user2")]
    assert UserFactory.create_batch("basic", 2, "admin") == [
        User("user3", admin=True),
        User("user4", admin=True),
    ]
    assert UserFactory.attributes_batch(1, name="x") == [{"name": "x"}]
    assert UserFactory.insert_batch(3) == 3


def test_the_async_forms_on_the_class_make_objects() -> None:
    async def main() -> tuple[Any, ...]:
        return (
            await UserFactory.acreate("admin"),
            await UserFactory.acreate_batch(2),
            await UserFactory.ainsert_batch(1),
        )

    one, many, count = asyncio.run(main())
    assert one == User("user1", admin=True)
    assert many == [User("user2"), User("user3")]
    assert count == 1


def test_a_class_call_runs_on_a_new_factory_with_no_context() -> None:
    class Recording(ObjectBuilder[Any]):
        contexts: list[Context] = []

        def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
            self.contexts.append(context)
            return model(**attributes)

    class RecordedFactory(UserFactory):
        _model_builder = Recording()

    RecordedFactory.build()
    RecordedFactory.build()
    assert [dict(c) for c in Recording.contexts] == [{}, {}]


def test_the_method_called_with_a_factory_first_is_the_plain_method() -> None:
    # Factory.build(factory, ...) keeps working: the instance is the one used.
    factory = UserFactory()
    assert Factory.build(factory, name="ann") == User("ann")
    assert UserFactory.create_batch(factory, 1) == [User("user1")]


def test_a_class_call_keeps_the_method_s_name_and_documentation() -> None:
    assert UserFactory.build.__name__ == "build"
    assert UserFactory.build.__doc__ == Factory.__dict__["build"].__doc__
    assert UserFactory().build.__func__ is Factory.__dict__["build"]
    # On the metaclass itself it is the descriptor.
    assert type(type(UserFactory).build).__name__ == "_OnClass"  # type: ignore[attr-defined]


def test_a_class_call_reports_bad_names_as_an_instance_call_does() -> None:
    with pytest.raises(UnknownSchemaError, match="UserFactory has no schema 'nope'"):
        UserFactory.build("nope")


def test_a_class_call_on_an_abstract_factory_says_it_is_abstract() -> None:
    with pytest.raises(FactoryDefinitionError, match=r"Factory is abstract \(_abstract = True\)"):
        Factory.build()


def test_a_class_call_of_a_factory_that_needs_context_shows_the_call_to_make() -> None:
    class NeedsSession(ObjectBuilder[Any]):
        def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
            context.require("session")
            return model(**attributes)

    class StoredUserFactory(UserFactory):
        _model_builder = NeedsSession()

    with pytest.raises(MissingContextError) as caught:
        StoredUserFactory.create()
    assert str(caught.value) == (
        "StoredUserFactory.basic: StoredUserFactory needs 'session' in its context; "
        "pass it when making the factory: StoredUserFactory(session=...)"
    )


def test_the_methods_of_a_factory_class_cannot_be_replaced() -> None:
    with pytest.raises(AttributeError) as caught:
        UserFactory.build = None  # type: ignore[method-assign,assignment]
    assert str(caught.value) == (
        "UserFactory.build is a method of the Factory API and cannot be replaced"
    )
