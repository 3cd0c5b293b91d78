"""The plan of a schema: everything about a schema and its traits that does not
change between objects, worked out once per factory instance: the merged values,
which keys are special fields, which are transient, which values need a fresh
copy, and the ``key__field`` overrides meant for children.

Part of the plan layer: it reads the field declarations (:mod:`pyfactory.fields`)
and nothing above them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pyfactory._drawn import FakeField
from pyfactory._walk import CONTAINERS, is_mutable, without
from pyfactory.errors import SchemaError
from pyfactory.fields import (
    OMIT,
    AssociationField,
    ManyField,
    NestedField,
    SpecialField,
    TransientField,
    holds_special,
)

if TYPE_CHECKING:
    from pyfactory._core.resolution.resolver import Resolution

__all__ = ["Plan", "check_dict", "lay_overrides", "split_dunder"]


def split_dunder(key: str) -> tuple[str, str] | None:
    """``"profile__bio"`` → ``("profile", "bio")``; ``None`` for a plain key."""
    head, sep, rest = key.partition("__")
    if sep and head and rest:
        return head, rest
    return None


def check_dict(value: object, where: str) -> dict[str, Any]:
    """The dict a schema or trait returned, or a :class:`SchemaError` saying what it was."""
    if not isinstance(value, dict):
        raise SchemaError(f"{where} returned {type(value).__name__}, not a dict: {value!r}")
    for key in value:
        if not isinstance(key, str):
            raise SchemaError(f"{where} returned a dict with a key that is not a string: {key!r}")
    return value


def lay_overrides(
    values: dict[str, Any],
    overrides: Mapping[str, Any],
    child_overrides: dict[str, dict[str, Any]],
    transient: frozenset[str],
) -> tuple[dict[str, dict[str, Any]], frozenset[str]]:
    """Lay a call's overrides over an object's ``values``, in place: the ``key__field``
    ones go to the children's overrides, and a ``transient()`` given for a key the schema
    lacks joins the transient keys. Returns those two, new."""
    child_overrides = {head: dict(sub) for head, sub in child_overrides.items()}
    for key, value in overrides.items():
        split = split_dunder(key)
        if split is not None:
            child_overrides.setdefault(split[0], {})[split[1]] = value
        elif value is OMIT:
            values.pop(key, None)
        elif type(value) in CONTAINERS:
            kept = without(value, OMIT)
            values[key] = NestedField(kept) if holds_special(kept) else kept
        else:
            values[key] = value
            # transient() given for a key the schema lacks: read, never built, as
            # Plan.with_overrides makes it for a batch.
            if isinstance(value, TransientField) and key not in transient:
                transient = transient | {key}
    return child_overrides, transient


class Plan:
    """What one schema with one list of traits gives every object, computed once."""

    __slots__ = (
        "base",
        "cached",
        "columns",
        "copies",
        "dunder",
        "factory_name",
        "fakes",
        "lean",
        "loops",
        "makers",
        "rows",
        "schema",
        "simple",
        "spares",
        "specials",
        "traits",
        "transient",
    )

    def __init__(
        self,
        factory_name: str,
        schema: str,
        traits: tuple[str, ...],
        layers: list[dict[str, Any]],
    ) -> None:
        self.factory_name = factory_name
        self.schema = schema
        self.traits = traits
        base: dict[str, Any] = {}
        dunder: dict[str, dict[str, Any]] = {}
        transient: set[str] = set()
        for layer in layers:
            for key, value in layer.items():
                split = split_dunder(key)
                if split is None:
                    base[key] = value
                    # A trait that sets a transient key gives it a value; it stays transient.
                    if isinstance(value, TransientField):
                        transient.add(key)
                else:
                    dunder.setdefault(split[0], {})[split[1]] = value
        specials: list[str] = []
        copies: list[str] = []
        for key in list(base):
            value = base[key]
            if value is OMIT:
                del base[key]
                continue
            if type(value) in CONTAINERS:
                # OMIT inside a list, tuple or dict removes that item or key.
                value = base[key] = without(value, OMIT)
            if isinstance(value, SpecialField):
                specials.append(key)
            elif holds_special(value):
                base[key] = NestedField(value)
                specials.append(key)
            elif is_mutable(value):
                copies.append(key)
        #: Schema and trait values merged, OMIT dropped, without dunder keys.
        self.base = base
        #: Keys whose values are special fields, in declaration order.
        self.specials = tuple(specials)
        #: Keys declared with ``transient()``: read by others, never built.
        self.transient = frozenset(transient)
        #: Keys whose values are built-in containers, copied for each object.
        self.copies = tuple(copies)
        #: ``key__field`` values from the schema and traits, by association key.
        self.dunder = dunder
        #: Whether an association or many field makes children: a relational builder
        #: may make their rows after the object's.
        self.makers = any(isinstance(base[k], (AssociationField, ManyField)) for k in specials)
        #: True when every object is just a copy of :attr:`base`.
        self.simple = not specials and not copies and not dunder and not transient
        #: The fake() fields with nothing passed down to them: a batch makes their values a
        #: column at a time (resolution.columns), and resolves the other fields by object.
        self.fakes = tuple(k for k in specials if type(base[k]) is FakeField and k not in dunder)
        #: The special fields left for each object to resolve once the fakes are made.
        self.columns = tuple(k for k in specials if k not in self.fakes)
        #: False for a plan of an uncached schema or trait, made again for each object.
        self.cached = True
        #: Finished resolutions, ready for the next object (see Resolution.run).
        self.spares: list[Resolution] = []
        #: The same for build() with nothing laid over the plan (see Resolution.built).
        self.lean: list[Resolution] = []
        #: The function that resolves a batch's row, by whether the batch filled the
        #: fakes; None once a first row was resolved without it (resolution.compiled).
        self.rows: dict[bool, Callable[..., Any] | None] = {}
        #: The function that resolves a chunk's rows in one loop, by the same key, and
        #: whether its rows make no child (resolution.compiled.rows).
        self.loops: dict[bool, tuple[Callable[..., Any], bool]] = {}

    def with_overrides(self, overrides: Mapping[str, Any]) -> Plan:
        """This plan with the same overrides laid over it, for a batch: each of its
        objects then starts from one merged dict instead of applying them again."""
        dunder = {
            f"{head}__{rest}": value
            for head, sub in self.dunder.items()
            for rest, value in sub.items()
        }
        plan = Plan(
            self.factory_name, self.schema, self.traits, [self.base, dunder, dict(overrides)]
        )
        plan.transient = plan.transient | (self.transient & plan.base.keys())
        plan.simple = plan.simple and not plan.transient

        plan.cached = self.cached
        return plan

    def where(self) -> str:
        return f"{self.factory_name}.{self.schema}"
