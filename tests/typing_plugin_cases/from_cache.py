# fmt: off
# ruff: noqa: E501
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""Checked in a second mypy run, where plugin_models comes from mypy's cache: what the
plugin read from the factory classes survives in their metadata."""

from __future__ import annotations

from plugin_models import StaffFactory, UserFactory

UserFactory().build("admn")  # E: UserFactory has no schema "admn"; its schemas are: "admin", "basic"  [pyfactory-schema]
StaffFactory().build("remote", dsk=1, desk=1)  # E: StaffFactory has no field "dsk" in schema "staff"; its fields are: "age", "desk", "email", "name", "profile", "role", "shout", "tags"; its traits are: "adult", "remote", "verified"  [pyfactory-override]
UserFactory().build("basic", "adlt")  # E: UserFactory has no trait "adlt"; its traits are: "adult", "verified"  [pyfactory-trait]
UserFactory().build("basic", age="1")  # E: UserFactory field "age" takes "int", not "str"  [pyfactory-value]
UserFactory().build("basic", profile__bi="x")  # E: ProfileFactory has no field "bi" (in "profile__bi" of UserFactory) in schema "basic"; its fields are: "avatar", "bio"; its traits are: "pictured"  [pyfactory-override]
