"""``from pyfactory import *`` gives a type checker every public name: each is bound
below, and one it did not see would be an undefined name."""

# ruff: noqa: F403, F405

from __future__ import annotations

from typing import Any

from pyfactory import *

PUBLIC: tuple[Any, ...] = (
    AssociationField,
    AsyncModeError,
    Attrs,
    BuilderError,
    CheckFailure,
    ConstraintError,
    Context,
    CyclicDependencyError,
    DerivedField,
    EachField,
    Factory,
    FactoryDefinitionError,
    FactoryError,
    FakeField,
    FieldContext,
    FieldError,
    Graph,
    GraphError,
    HookError,
    LazyField,
    ManyField,
    MissingContextError,
    OMIT,
    OverrideError,
    ParentField,
    RandomlyNullifyField,
    RandomlyUnsetField,
    SchemaError,
    SequenceField,
    SpecialField,
    TransientField,
    UnknownSchemaError,
    UnknownTraitError,
    UsageError,
    acheck,
    after,
    association,
    check,
    each,
    factory_for,
    fake,
    lazy,
    many,
    node,
    nodes,
    parent,
    randomly_nullify,
    randomly_unset,
    ref,
    schema,
    sequence,
    trait,
    transient,
)
