"""pyfactory: typed, fast, async-ready test data factories built from schemas.

Everything a factory author uses is importable from here; builders live in
:mod:`pyfactory.builders`.

The names are loaded on first use, so ``import pyfactory`` (and pytest loading the
plugin ``pyfactory.pytest``) costs almost nothing until a factory is written.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyfactory._auto import factory_for
    from pyfactory._context import Context
    from pyfactory._factory import CheckFailure, Factory, after, check, schema, trait
    from pyfactory._graph import Graph, node, nodes, ref
    from pyfactory._resolver import Attrs, FieldContext
    from pyfactory.errors import (
        AsyncModeError,
        BuilderError,
        CyclicDependencyError,
        FactoryDefinitionError,
        FactoryError,
        FieldError,
        GraphError,
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

__version__ = "1.0.0a1"

#: Where each public name lives; read by ``__getattr__`` on first use.
_WHERE: dict[str, str] = {
    "factory_for": "pyfactory._auto",
    "Context": "pyfactory._context",
    "CheckFailure": "pyfactory._factory",
    "Factory": "pyfactory._factory",
    "after": "pyfactory._factory",
    "check": "pyfactory._factory",
    "schema": "pyfactory._factory",
    "trait": "pyfactory._factory",
    "Graph": "pyfactory._graph",
    "node": "pyfactory._graph",
    "nodes": "pyfactory._graph",
    "ref": "pyfactory._graph",
    "Attrs": "pyfactory._resolver",
    "FieldContext": "pyfactory._resolver",
    "AsyncModeError": "pyfactory.errors",
    "BuilderError": "pyfactory.errors",
    "CyclicDependencyError": "pyfactory.errors",
    "FactoryDefinitionError": "pyfactory.errors",
    "FactoryError": "pyfactory.errors",
    "FieldError": "pyfactory.errors",
    "GraphError": "pyfactory.errors",
    "HookError": "pyfactory.errors",
    "MissingContextError": "pyfactory.errors",
    "OverrideError": "pyfactory.errors",
    "SchemaError": "pyfactory.errors",
    "UnknownSchemaError": "pyfactory.errors",
    "UnknownTraitError": "pyfactory.errors",
    "UsageError": "pyfactory.errors",
    "OMIT": "pyfactory.fields",
    "AssociationField": "pyfactory.fields",
    "DerivedField": "pyfactory.fields",
    "FakeField": "pyfactory.fields",
    "LazyField": "pyfactory.fields",
    "ManyField": "pyfactory.fields",
    "RandomlyNullifyField": "pyfactory.fields",
    "RandomlyUnsetField": "pyfactory.fields",
    "SequenceField": "pyfactory.fields",
    "SpecialField": "pyfactory.fields",
    "TransientField": "pyfactory.fields",
    "association": "pyfactory.fields",
    "fake": "pyfactory.fields",
    "lazy": "pyfactory.fields",
    "many": "pyfactory.fields",
    "randomly_nullify": "pyfactory.fields",
    "randomly_unset": "pyfactory.fields",
    "sequence": "pyfactory.fields",
    "transient": "pyfactory.fields",
}

__all__ = [
    "OMIT",
    "AssociationField",
    "AsyncModeError",
    "Attrs",
    "BuilderError",
    "CheckFailure",
    "Context",
    "CyclicDependencyError",
    "DerivedField",
    "Factory",
    "FactoryDefinitionError",
    "FactoryError",
    "FakeField",
    "FieldContext",
    "FieldError",
    "Graph",
    "GraphError",
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
    "check",
    "factory_for",
    "fake",
    "lazy",
    "many",
    "node",
    "nodes",
    "randomly_nullify",
    "randomly_unset",
    "ref",
    "schema",
    "sequence",
    "trait",
    "transient",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pyfactory' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
