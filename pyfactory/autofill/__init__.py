"""Values for auto-filled fields, chosen by the field's name first and then by its type.

``@schema(auto=True)`` fills the fields that a schema leaves out from the model's
own field information. For each field, :func:`resolve_generator` picks a
*generator*, a callable ``(faker, field) -> value``, in this order:

1. the factory's ``_name_mappings`` (field name → generator, or ``None`` to leave
   the field alone);
2. fields that nobody should fill are left alone: server-generated columns,
   autoincrement primary keys, and relations other than many-to-one;
3. the factory's ``_type_mappings`` (type → generator or ``None``), looked up
   through ``Optional``, ``Annotated`` and the class's MRO;
4. the field's ``choices``;
5. :data:`NAME_GENERATORS` (``email``, ``first_name``, ``*_at``, ...), when the
   generator can make the field's type;
6. :data:`TYPE_GENERATORS` (``str``, ``int``, ``Decimal``, ``date``, ``Enum``,
   ``list[...]``, ...).

The choice is made once per field and compiled: bounds, lengths, patterns and
element generators are worked out up front, so a type that cannot be generated
fails when the factory is set up, and making a value costs little more than the
Faker call itself. Every random draw comes from the Faker passed in (its
providers and ``faker.random``), so a seeded Faker gives the same values every run.

A factory hands the generators a :class:`~pyfactory.providers.KeyedFaker` of its
Faker for each value, not the Faker itself: its common providers (names, emails,
addresses, companies, text, ...) are the fast ones, and its ``random`` is drawn
from the value's key, so an auto-filled value depends on its address alone (seed,
factory, schema, field, object number) and costs a few microseconds; the rules draw
their numbers through ``_draw_int`` and the like, which take them from a
``KeyedFaker`` without making a ``random.Random`` per value. A generator called by
hand with a plain Faker draws from that Faker, as before.

The code lives in private modules: ``_common`` (the :data:`Generator` type,
:class:`NestedModel`, shared helpers), ``_lookup`` (look-ups by type and name),
``_spec`` (constraint specs and bounds), ``_compiler`` (a field to a generator),
``_generators`` (:class:`TypeGenerator`, :class:`NameGenerator`), the rules in
``_text``, ``_pattern``, ``_numbers``, ``_time``, ``_scalars`` and ``_containers``,
the tables in ``_types``, ``_names`` and ``_formats``, ``_unique``
(:class:`UniqueTracker`), ``_resolve`` (:func:`resolve_generator`) and
``_constraint`` (:class:`ConstraintError`, :data:`MAX_CHECK_TRIES`: a row that its
CHECK constraints or its model's validators keep refusing, which
``pyfactory._core.plan.checked`` draws again).

.. versionadded:: 0.1
"""

from __future__ import annotations

from pyfactory.autofill._common import Generator, NestedModel
from pyfactory.autofill._constraint import MAX_CHECK_TRIES as MAX_CHECK_TRIES
from pyfactory.autofill._constraint import ConstraintError
from pyfactory.autofill._generators import NameGenerator, TypeGenerator
from pyfactory.autofill._names import NAME_GENERATORS
from pyfactory.autofill._resolve import resolve_generator
from pyfactory.autofill._types import TYPE_GENERATORS
from pyfactory.autofill._unique import MAX_UNIQUE_TRIES as MAX_UNIQUE_TRIES
from pyfactory.autofill._unique import UniqueTracker

__all__ = [
    "NAME_GENERATORS",
    "TYPE_GENERATORS",
    "ConstraintError",
    "Generator",
    "NameGenerator",
    "NestedModel",
    "TypeGenerator",
    "UniqueTracker",
    "resolve_generator",
]

# The public objects keep the module path they are documented (and pickled) under
# (ConstraintError is pyfactory.errors's, named here too).
for _public in (
    NameGenerator,
    NestedModel,
    TypeGenerator,
    UniqueTracker,
    resolve_generator,
):
    _public.__module__ = __name__
del _public
