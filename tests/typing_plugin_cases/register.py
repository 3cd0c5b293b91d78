# fmt: off
# ruff: noqa: E501
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""``register()`` in a conftest: its schema is one of the factory's schemas, and the
keys of its ``overrides`` dict are what a call's override keywords may be."""

from __future__ import annotations

from typing import Any

from plugin_models import ProfileFactory, StaffFactory, UserFactory

from pyfactory import Factory
from pyfactory.pytest import LazyFixture, register

register(UserFactory, schema="basic")
register(UserFactory, "admin_user", schema="admin", overrides={"role": "owner", "name": LazyFixture("profile")})
register(ProfileFactory)
register(StaffFactory, "staff_default")
register(UserFactory, "bad_user", schema="ful")  # E: register(UserFactory): UserFactory has no schema "ful"; its schemas are: "admin", "basic"  [pyfactory-schema]
register(StaffFactory, "remote_staff", schema="remote")  # E: register(StaffFactory): StaffFactory has no schema "remote"; its schemas are: "admin", "basic", "staff"  [pyfactory-schema]
register(UserFactory, "no_schema")  # E: register(UserFactory) needs schema=...: UserFactory has no _default_schema; its schemas are: "admin", "basic"  [pyfactory-schema]
register(UserFactory, "titled", schema="basic", overrides={"titel": "x"})  # E: UserFactory has no field "titel" in schema "basic"; its fields are: "age", "email", "name", "profile", "shout", "tags"; its traits are: "adult", "verified"  [pyfactory-override]
register(UserFactory, "deep", schema="basic", overrides={"profile__bi": "x"})  # E: ProfileFactory has no field "bi" (in "profile__bi" of UserFactory) in schema "basic"; its fields are: "avatar", "bio"; its traits are: "pictured"  [pyfactory-override]
register(UserFactory, "flagged", schema="basic", overrides={"verified": True, "checked_by": "me"})
register(Factory)  # E: register() needs a factory that makes objects; Factory is abstract  [pyfactory-abstract]

# A schema or overrides not known statically are not checked.
name: str = "basic"
extra: dict[str, Any] = {"anything": 1}
register(UserFactory, "loose", schema=name, overrides=extra)
register(UserFactory, "explicit_none", schema=None)  # E: register(UserFactory) needs schema=...: UserFactory has no _default_schema; its schemas are: "admin", "basic"  [pyfactory-schema]


# As a class decorator, the factory is not known where register() is called.
@register(name="decorated", schema="basic")
class DecoratedFactory(UserFactory):
    pass


def registered(factory: type[UserFactory]) -> None:
    register(factory, "from_a_variable", schema="basic", overrides={"nam": "x"})  # E: UserFactory has no field "nam" in schema "basic"; its fields are: "age", "email", "name", "profile", "shout", "tags"; its traits are: "adult", "verified"  [pyfactory-override]
