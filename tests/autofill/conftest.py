"""Fixtures of the autofill tests, and field records to feed them.

Fields are ``pyfactory.introspect.FieldInfo`` records; where that package is not
there yet, a stand-in with the same attribute names (autofill reads attributes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from faker import Faker

#: The factory and model names the tests pass to ``resolve_generator``.
FACTORY = "UserFactory"
MODEL = "User"


try:
    from pyfactory.introspect import FieldInfo
except ImportError:  # pragma: no cover - until the introspection package lands

    @attrs.frozen
    class FieldInfo:  # type: ignore[no-redef]
        """The attributes of ``pyfactory.introspect.FieldInfo`` that autofill reads."""

        name: str
        type: Any
        required: bool = False
        has_default: bool = False
        default: Any = None
        nullable: bool = False
        max_length: int | None = None
        min_length: int | None = None
        ge: Any = None
        gt: Any = None
        le: Any = None
        lt: Any = None
        multiple_of: Any = None
        max_digits: int | None = None
        decimal_places: int | None = None
        pattern: str | None = None
        choices: tuple[Any, ...] | None = None
        unique: bool = False
        primary_key: bool = False
        server_generated: bool = False
        relation: str | None = None
        related_model: Any = None
        foreign_keys: tuple[str, ...] = ()
        extra: Mapping[str, Any] = attrs.field(factory=dict)


def field(name: str, tp: Any = str, **info: Any) -> FieldInfo:
    """A field called ``name`` of type ``tp``."""
    return FieldInfo(name, tp, **info)


@pytest.fixture
def faker() -> Faker:
    """A Faker seeded the same in every test."""
    fake = Faker()
    fake.seed_instance(1234)
    return fake


#: One Faker for property tests, reseeded per example (a new Faker per example is slow).
SHARED = Faker()


def seeded(seed: int) -> Faker:
    """The shared Faker, seeded with ``seed``."""
    SHARED.seed_instance(seed)
    return SHARED


def resolve(
    info: FieldInfo,
    names: Mapping[str, Any] | None = None,
    types: Mapping[Any, Any] | None = None,
    **options: Any,
) -> Any:
    """``resolve_generator`` for ``UserFactory`` making a ``User``."""
    from pyfactory.autofill import resolve_generator

    return resolve_generator(info, names, types, factory=FACTORY, model=MODEL, **options)


def values(info: FieldInfo, faker: Faker, count: int = 20, **options: Any) -> list[Any]:
    """``count`` values that the field's generator makes."""
    generator = resolve(info, **options)
    assert generator is not None, f"{info.name} was left alone"
    return [generator(faker, info) for _ in range(count)]
