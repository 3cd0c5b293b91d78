"""The rules about the names a factory call gives, written once for the three places
that apply them: a factory call (``_factory``), a graph's node (``_graph``) and the
mypy plugin (``pyfactory.mypy``), which reads this module while mypy runs and so must
find nothing here that imports the rest of pyfactory.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Final, TypeVar

__all__ = [
    "FACTORY_API",
    "MAKE_METHODS",
    "STRATEGY_METHODS",
    "NoDefaultSchema",
    "NotASchema",
    "NotATrait",
    "split_names",
]

D = TypeVar("D")

#: The factory methods that make objects, with whether they take a count after the
#: schema. They may be called on the class too (``UserFactory.build("basic")``), and
#: the mypy plugin checks their calls.
MAKE_METHODS: Final[Mapping[str, bool]] = {
    "attributes": False,
    "build": False,
    "create": False,
    "acreate": False,
    "attributes_batch": True,
    "build_batch": True,
    "create_batch": True,
    "acreate_batch": True,
    "insert_batch": True,
    "ainsert_batch": True,
}

#: The factory methods that return a Hypothesis strategy of objects (``strategy`` builds,
#: ``create_strategy`` creates), called as ``build`` is: a schema, traits, overrides.
#: They may be called on the class too; the objects are made only as examples are drawn.
STRATEGY_METHODS: Final = ("strategy", "create_strategy")

#: Names that a schema, trait or attribute of a factory may not take: the Factory API.
FACTORY_API: Final = frozenset(
    {
        *MAKE_METHODS,
        *STRATEGY_METHODS,
        "schema",
        "schemas",
        "traits",
        "context",
        "faker",
        "random",
        "seed",
        "reset_sequences",
        "reset_unique",
        "related",
    }
)


class NoDefaultSchema(Exception):
    """No schema is named and the factory has no ``_default_schema``."""


class NotASchema(Exception):
    """The first name is no schema (nor, with a default schema, a trait)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class NotATrait(Exception):
    """A name after the schema is no trait."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def split_names(
    first: str | None,
    rest: tuple[str, ...],
    schemas: Container[str],
    traits: Container[str],
    default: D | None,
) -> tuple[str | D, tuple[str, ...]]:
    """The schema a call makes and the traits laid over it.

    ``first`` is the name where the schema goes: a schema, or, when the factory has a
    ``default`` schema, a trait of that default (``UserFactory.build("admin")`` with
    ``_default_schema = "basic"``), or None for the default. ``default`` is whatever
    stands for the default schema: its name, or for the mypy plugin a value saying
    that it exists but is not known statically.

    Raises:
        NotASchema: ``first`` names no schema, and no trait of a default.
        NoDefaultSchema: ``first`` is None and there is no default.
        NotATrait: a name of ``rest`` is no trait.
    """
    schema: str | D
    if first is not None and first in schemas:
        schema = first
    elif default is None:
        if first is not None:
            raise NotASchema(first)
        raise NoDefaultSchema
    elif first is None:
        schema = default
    elif first in traits:
        schema, rest = default, (first, *rest)
    else:
        raise NotASchema(first)
    for name in rest:
        if name not in traits:
            raise NotATrait(name)
    return schema, rest
