"""What the mypy plugin knows pyfactory and SQLAlchemy by: its error codes, the full
names mypy gives the classes and functions it looks for, and the method lists it
reads from :mod:`pyfactory._names`.

Layer: the bottom of the plugin package; imports mypy and :mod:`pyfactory._names`
only (mypy loads the plugin without pyfactory's runtime modules).
"""

from __future__ import annotations

from typing import Any, Final

from mypy.errorcodes import ErrorCode
from mypy.types import Type

from pyfactory import _names
from pyfactory._names import MAKE_METHODS

#: A schema name the factory does not define, or no schema where it has no default.
SCHEMA_CODE: Final = ErrorCode("pyfactory-schema", "Factory schema names", "General")
#: A trait name or trait flag the factory does not define, or a flag that is not a bool.
TRAIT_CODE: Final = ErrorCode("pyfactory-trait", "Factory trait names and flags", "General")
#: An override keyword that is no field of the model, key of the schema or trait.
OVERRIDE_CODE: Final = ErrorCode("pyfactory-override", "Factory override keywords", "General")
#: An override value whose type does not fit the model's field.
VALUE_CODE: Final = ErrorCode("pyfactory-value", "Factory override values", "General")
#: A factory that makes no objects (``Factory[User]()``, a base with ``_abstract = True``)
#: asked to make one.
ABSTRACT_CODE: Final = ErrorCode(
    "pyfactory-abstract", "Objects made by an abstract factory", "General"
)

# What the plugin knows pyfactory and SQLAlchemy by: the full names mypy gives their
# classes and functions, which are where each is defined, private modules included.
# They are all here; a test (tests/test_names.py) imports each, so one that moves
# breaks that test rather than silently switching a check off.
#: The module that defines ``Factory``: the one place that
#: says where they live (tests/test_names.py checks it against ``Factory.__module__``;
#: importing ``Factory`` here would load the factory machinery into mypy).
FACTORY_MODULE: Final = "pyfactory._factory"
FACTORY: Final = f"{FACTORY_MODULE}.Factory"
#: The package of the layers ``Factory`` is built on (its bases): none declares a schema.
CORE: Final = "pyfactory._core."
SPECIAL_FIELD: Final = "pyfactory.fields.SpecialField"
OMIT_TYPE: Final = "pyfactory.fields._Omit"
#: Where the ``@schema`` and ``@trait`` marks are defined: the definition layer.
DEFINITION_MODULE: Final = "pyfactory._core.definition"
SCHEMA_DECORATOR: Final = f"{DEFINITION_MODULE}.schema"
TRAIT_DECORATOR: Final = f"{DEFINITION_MODULE}.trait"
METADATA_KEY: Final = "pyfactory"

#: The factory methods checked, with whether they take a count after the schema.
METHODS: Final = MAKE_METHODS
#: The methods that return a Hypothesis strategy (``strategy``, ``create_strategy``),
#: called as ``build`` is and checked alike.
STRATEGY_METHODS: Final[tuple[str, ...]] = _names.STRATEGY_METHODS
#: The functions whose first argument is a factory, with whether their override values
#: are checked against the child's model (a graph node's may be ``ref(...)`` instead).
FUNCTIONS: Final = {
    "pyfactory.fields.association": True,
    "pyfactory.fields.many": True,
    "pyfactory._graph.node": False,
    "pyfactory._graph.nodes": False,
}
#: The special fields whose first argument is a child factory that a ``key__field``
#: override reaches.
CHILD_FUNCTIONS: Final = ("pyfactory.fields.association", "pyfactory.fields.many")
#: The keywords of those functions that are no override of the child.
CHILD_OPTIONS: Final = frozenset({"attr", "count"})
#: ``pyfactory.pytest.register``, where it is defined.
REGISTER: Final = "pyfactory.pytest._register.register"
#: SQLAlchemy's attribute types whose first type argument is a mapped field's type.
MAPPED: Final = ("sqlalchemy.orm.base.Mapped", "sqlalchemy.sql.schema.Column")

#: A model's fields: name → type, or None where the type is not known.
Fields = dict[str, "Type | None"]
#: A schema or trait as metadata: ``keys`` (sorted, or None when they cannot be known),
#: ``refs``, the other dicts it extends: ``[via, name]`` with via ``"self"``,
#: ``"super"`` (schemas) or ``"trait"``, and ``children``: for each key it visibly
#: sets, the :data:`Child` that its :func:`~pyfactory.association` or
#: :func:`~pyfactory.many` makes, or None for another value.
Definition = dict[str, Any]
#: The child of an association as metadata: ``factory`` (its class's full name),
#: ``schema`` (a name, None for the default, True when not known statically),
#: ``traits`` (names, or None when not known) and ``keys`` (its override keywords).
Child = dict[str, Any]
