"""Whether a batch's rows may query the database while they resolve: a create batch
of such rows watches its first row (see ``ModelBuilder.reads``) and, if it read, makes
every row as ``create()`` does, so that each sees the rows written before it.

Only code of the user's can query: a :func:`~pyfactory.lazy` function, an
``association(...).callback()``, a custom field, or :func:`~pyfactory.each` over a
query or a queryset. A field says whether it may with
:attr:`~pyfactory.SpecialField.queries`; the built-in fields that run no such code
say False, and the fields they hold (a transient's default, an association's
overrides) are looked at in turn, as are the schemas of the children they make.
Schemas of sequences, fakes, plain values and associations to such schemas cannot
query, and their batches keep the bulk path without a probe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyfactory._walk import CONTAINERS
from pyfactory.fields import AssociationField, DerivedField, ManyField, SpecialField

if TYPE_CHECKING:
    from pyfactory._core.plan.plan import Plan
    from pyfactory._factory import Factory

__all__ = ["any_field", "makes_rows", "may_read"]

#: Slots that hold no field: a target factory, a sequence's own function and caches.
_NOT_FIELDS = frozenset({"factory", "source", "_counters", "_render", "_compiled", "_fast"})


def any_field(value: Any, verdict: Callable[[SpecialField[Any]], bool | None]) -> bool:
    """Whether ``verdict`` says True of ``value``, or of a field it holds: containers
    are walked, each special field is asked, and where it answers None, the fields in
    its slots (a transient's default, an association's overrides) are asked in turn."""
    if type(value) in CONTAINERS:
        items = value.values() if isinstance(value, dict) else value
        return any(any_field(item, verdict) for item in items)
    if not isinstance(value, SpecialField):
        return False
    said = verdict(value)
    if said is not None:
        return said
    return any(
        any_field(getattr(value, slot, None), verdict)
        for cls in type(value).__mro__
        for slot in getattr(cls, "__slots__", ())
        if slot not in _NOT_FIELDS
    )


def _reads(field: SpecialField[Any]) -> bool | None:
    if isinstance(field, DerivedField):
        return field.fn is not None  # .callback(fn) runs code; .attribute() reads one
    return True if field.queries else None


def _makes_rows(field: SpecialField[Any]) -> bool | None:
    return True if isinstance(field, (AssociationField, ManyField, DerivedField)) else None


def _field_may_read(value: Any) -> bool:
    return any_field(value, _reads)


def makes_rows(plan: Plan, overrides: dict[str, Any]) -> bool:
    """Whether an object of ``plan`` (with ``overrides``) makes other objects as it
    resolves (an association, a ``many``, in a nested value or a transient's default
    too), which a create batch writes before its rows."""
    fields = [plan.base[name] for name in plan.specials]
    return any_field(fields, _makes_rows) or any_field(overrides, _makes_rows)


def may_read(factory: Factory[Any], plan: Plan, overrides: dict[str, Any]) -> bool:
    """Whether an object of ``plan`` (with ``overrides``), or a child it makes, runs
    code that may query the database while it resolves. The children's schemas are
    walked without recursion (a chain may be thousands deep), each once per factory
    class, schema and traits (a tree of a factory's own children ends)."""
    if _field_may_read(overrides):
        return True
    seen: set[tuple[type, str, tuple[str, ...]]] = set()
    todo = [(factory, plan)]
    while todo:
        maker, current = todo.pop()
        key = (type(maker), current.schema, current.traits)
        if key in seen:
            continue
        seen.add(key)
        base = current.base
        for name in current.specials:
            value = base[name]
            if _field_may_read(value):
                return True
            if isinstance(value, (AssociationField, ManyField)):
                child = maker._pf_child_factory(value.factory)
                child_plan, _ = child._pf_plan(value.schema, value.traits, {})
                todo.append((child, child_plan))
        if any(_field_may_read(sub) for sub in current.dunder.values()):
            return True
    return False
