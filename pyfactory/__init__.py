"""pyfactory: typed, fast, async-ready test data factories built from schemas.

Everything a factory author uses is importable from here; builders live in
:mod:`pyfactory.builders`.
"""

from pyfactory._auto import factory_for
from pyfactory._context import Context
from pyfactory._factory import Factory, after, schema, trait
from pyfactory._resolver import Attrs, FieldContext
from pyfactory.errors import (
    AsyncModeError,
    BuilderError,
    CyclicDependencyError,
    FactoryDefinitionError,
    FactoryError,
    FieldError,
    HookError,
    MissingContextError,
    OverrideError,
    SchemaError,
    UnknownSchemaError,
    UnknownTraitError,
    UsageError,
)
from pyfactory.fields import (
    OMIT,
    AssociationField,
    DerivedField,
    FakeField,
    LazyField,
    ManyField,
    RandomlyNullifyField,
    RandomlyUnsetField,
    SequenceField,
    SpecialField,
    TransientField,
    association,
    fake,
    lazy,
    many,
    randomly_nullify,
    randomly_unset,
    sequence,
    transient,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "OMIT",
    "AssociationField",
    "AsyncModeError",
    "Attrs",
    "BuilderError",
    "Context",
    "CyclicDependencyError",
    "DerivedField",
    "Factory",
    "FactoryDefinitionError",
    "FactoryError",
    "FakeField",
    "FieldContext",
    "FieldError",
    "HookError",
    "LazyField",
    "ManyField",
    "MissingContextError",
    "OverrideError",
    "RandomlyNullifyField",
    "RandomlyUnsetField",
    "SchemaError",
    "SequenceField",
    "SpecialField",
    "TransientField",
    "UnknownSchemaError",
    "UnknownTraitError",
    "UsageError",
    "__version__",
    "after",
    "association",
    "factory_for",
    "fake",
    "lazy",
    "many",
    "randomly_nullify",
    "randomly_unset",
    "schema",
    "sequence",
    "trait",
    "transient",
]
