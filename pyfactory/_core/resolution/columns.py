"""The :func:`~pyfactory.fake` fields of a batch's rows made a column at a time (most of
the values of seed data and load tests); the other fields are then resolved object by
object, with these values in place.

Each value is what the object-by-object path gives it: its key is made the same way
(the object's root key, from its number, mixed with the field's name), and a fast
provider makes a whole column of values from a list of keys faster than one call per
key. When a field has no fast provider for the factory's Faker, the batch goes object
by object instead, before anything is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory._drawn import FakeField
from pyfactory._stream import value_keys
from pyfactory._walk import fresh_copy
from pyfactory.errors import FactoryError

if TYPE_CHECKING:
    from pyfactory._core.plan.plan import Plan
    from pyfactory._factory import Factory

__all__ = ["resolve_columns"]


def resolve_columns(
    factory: Factory[Any], plan: Plan, first: int, count: int
) -> list[dict[str, Any]] | None:
    """The rows of objects ``first`` to ``first + count - 1`` of ``plan``, with the values
    of its fake() fields (:attr:`Plan.fakes`), or None when a field cannot be made a
    column at a time."""
    keys = plan.fakes
    if not keys:
        return None
    randomness = factory._pf_randomness
    faker = randomness.faker
    fields: list[FakeField] = [plan.base[key] for key in keys]
    if not all(field._fast(faker, field.kwargs) is not None for field in fields):
        return None
    cls, schema = type(factory), plan.schema
    roots = [randomness.root(cls, schema, number) for number in range(first, first + count)]
    base, copies = plan.base, plan.copies
    rows = [base.copy() for _ in range(count)]
    if copies:
        for row in rows:
            for key in copies:
                row[key] = fresh_copy(row[key])
    for key, field in zip(keys, fields, strict=True):
        try:
            values = field.column(faker, value_keys(roots, key))
        except FactoryError as error:
            raise error.within(plan.factory_name, plan.schema, key) from error.__cause__
        assert values is not None  # checked above, before any value was drawn
        for row, value in zip(rows, values, strict=True):
            row[key] = value
    return rows
