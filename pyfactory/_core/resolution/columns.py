"""The :func:`~pyfactory.fake` fields of a batch's rows made a column at a time (most of
the values of seed data and load tests); the other fields are then resolved object by
object, with these values in place.

Each value is what the object-by-object path gives it: its key is made the same way
(the object's root key, from its number, mixed with the field's name), and a fast
provider makes a whole column of values from the keys faster than one call per key.
The keys themselves are made a block at a time, packed in the lanes of one integer
(:mod:`pyfactory.providers._column`), and handed over packed: a key made and mixed in
Python costs about 0.3 µs, in lanes a tenth of that. When a field has no fast
provider for the factory's Faker, the batch goes object by object instead, before
anything is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory._drawn import FakeField
from pyfactory._stream import name_key
from pyfactory._walk import fresh_copy
from pyfactory.errors import FactoryError
from pyfactory.providers._column import BLOCK, unpacked, value_key_lanes

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
    fasts = [field._fast(faker, field.kwargs) for field in fields]
    if any(fast is None for fast in fasts):
        return None
    cls, schema = type(factory), plan.schema
    # The objects' keys and each field's keys are made packed in lanes, a block of
    # objects at a time (pyfactory.providers._column), as the fast providers use them.
    # Every object's key first, as root() one by one: unseeded, they are the stream's.
    blocks = [
        (randomness.root_lanes(cls, schema, start, n), n)
        for start in range(first, first + count, BLOCK)
        for n in [min(BLOCK, first + count - start)]
    ]
    base, copies = plan.base, plan.copies
    rows = [base.copy() for _ in range(count)]
    if copies:
        for row in rows:
            for key in copies:
                row[key] = fresh_copy(row[key])
    for key, field, fast in zip(keys, fields, fasts, strict=True):
        assert fast is not None  # checked above, before any value was drawn
        named = name_key(key)
        values: list[Any] = []
        try:
            for roots, n in blocks:
                lanes = value_key_lanes(roots, n, named)
                if field.unique:  # claimed key by key
                    column = field.column(faker, unpacked(lanes, n).tolist())
                    assert column is not None  # the same check
                    values += column
                else:
                    values += fast.many_lanes(lanes, n)
        except FactoryError as error:
            raise error.within(plan.factory_name, plan.schema, key) from error.__cause__
        for row, value in zip(rows, values, strict=True):
            row[key] = value
    return rows
