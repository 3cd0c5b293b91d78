"""Whether a batch's rows may query the database while they resolve: a create batch
of such rows watches its first row (see ``ModelBuilder.reads``) and, if it read, makes
every row as ``create()`` does, so that each sees the rows written before it.

Only code of the user's can query: a :func:`~pyfactory.lazy` function, an
``association(...).callback()``, a custom field, or :func:`~pyfactory.each` over a
query or a queryset. Schemas of sequences, fakes, plain values and associations to
such schemas cannot, and their batches keep the bulk path without a probe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory._drawn import EachField, FakeField, ParentField
from pyfactory._walk import CONTAINERS
from pyfactory.fields import (
    AssociationField,
    DerivedField,
    ManyField,
    NestedField,
    RandomlyNullifyField,
    RandomlyUnsetField,
    SequenceField,
    SpecialField,
    TransientField,
)

if TYPE_CHECKING:
    from pyfactory._core.plan.plan import Plan
    from pyfactory._factory import Factory

__all__ = ["may_read"]

#: Fields that run no code of the user's that could query; their parts are looked at.
_OWN = (
    SequenceField,
    FakeField,
    ParentField,
    AssociationField,
    ManyField,
    TransientField,
    RandomlyUnsetField,
    RandomlyNullifyField,
    NestedField,
)


def _field_may_read(value: Any) -> bool:
    if type(value) in CONTAINERS:
        items = value.values() if isinstance(value, dict) else value
        return any(_field_may_read(item) for item in items)
    if isinstance(value, EachField):
        return True
    if isinstance(value, DerivedField):
        return value.fn is not None  # .callback(fn) runs code; .attribute() reads one
    if isinstance(value, _OWN):
        return any(
            _field_may_read(getattr(value, slot, None))
            for cls in type(value).__mro__
            for slot in getattr(cls, "__slots__", ())
            if slot not in ("factory", "_counters", "_render", "source")
        )
    return isinstance(value, SpecialField)


def may_read(factory: Factory[Any], plan: Plan, overrides: dict[str, Any]) -> bool:
    """Whether an object of ``plan`` (with ``overrides``), or a child it makes, runs
    code that may query the database while it resolves."""
    return _field_may_read(overrides) or _plan_may_read(factory, plan, set())


def _plan_may_read(factory: Factory[Any], plan: Plan, seen: set[int]) -> bool:
    if id(plan) in seen:
        return False
    seen.add(id(plan))
    base = plan.base
    for key in plan.specials:
        value = base[key]
        if _field_may_read(value):
            return True
        if isinstance(value, (AssociationField, ManyField)):
            child = factory._pf_child_factory(value.factory)
            child_plan, _ = child._pf_plan(value.schema, value.traits, {})
            if _plan_may_read(child, child_plan, seen):
                return True
    return any(_field_may_read(sub) for sub in plan.dunder.values())
