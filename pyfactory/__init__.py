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
    # ``X as X`` marks a re-export for type checkers, which do not read the
    # ``__all__`` built below; a test checks that these are the names of ``_WHERE``.
    from pyfactory._check import CheckFailure as CheckFailure
    from pyfactory._check import acheck as acheck
    from pyfactory._check import check as check
    from pyfactory._context import Context as Context
    from pyfactory._core.definition import after as after
    from pyfactory._core.definition import schema as schema
    from pyfactory._core.definition import trait as trait
    from pyfactory._core.resolution.context import Attrs as Attrs
    from pyfactory._core.resolution.context import FieldContext as FieldContext
    from pyfactory._drawn import EachField as EachField
    from pyfactory._drawn import FakeField as FakeField
    from pyfactory._drawn import ParentField as ParentField
    from pyfactory._drawn import each as each
    from pyfactory._drawn import fake as fake
    from pyfactory._drawn import parent as parent
    from pyfactory._factory import Factory as Factory
    from pyfactory._factory import factory_for as factory_for
    from pyfactory._graph import Graph as Graph
    from pyfactory._graph import node as node
    from pyfactory._graph import nodes as nodes
    from pyfactory._graph import ref as ref
    from pyfactory.errors import AsyncModeError as AsyncModeError
    from pyfactory.errors import BuilderError as BuilderError
    from pyfactory.errors import ConstraintError as ConstraintError
    from pyfactory.errors import CyclicDependencyError as CyclicDependencyError
    from pyfactory.errors import FactoryDefinitionError as FactoryDefinitionError
    from pyfactory.errors import FactoryError as FactoryError
    from pyfactory.errors import FieldError as FieldError
    from pyfactory.errors import GraphError as GraphError
    from pyfactory.errors import HookError as HookError
    from pyfactory.errors import MissingContextError as MissingContextError
    from pyfactory.errors import OverrideError as OverrideError
    from pyfactory.errors import SchemaError as SchemaError
    from pyfactory.errors import UnknownSchemaError as UnknownSchemaError
    from pyfactory.errors import UnknownTraitError as UnknownTraitError
    from pyfactory.errors import UsageError as UsageError
    from pyfactory.fields import OMIT as OMIT
    from pyfactory.fields import AssociationField as AssociationField
    from pyfactory.fields import DerivedField as DerivedField
    from pyfactory.fields import LazyField as LazyField
    from pyfactory.fields import ManyField as ManyField
    from pyfactory.fields import RandomlyNullifyField as RandomlyNullifyField
    from pyfactory.fields import RandomlyUnsetField as RandomlyUnsetField
    from pyfactory.fields import SequenceField as SequenceField
    from pyfactory.fields import SpecialField as SpecialField
    from pyfactory.fields import TransientField as TransientField
    from pyfactory.fields import association as association
    from pyfactory.fields import lazy as lazy
    from pyfactory.fields import many as many
    from pyfactory.fields import randomly_nullify as randomly_nullify
    from pyfactory.fields import randomly_unset as randomly_unset
    from pyfactory.fields import sequence as sequence
    from pyfactory.fields import transient as transient

__version__ = "1.0.0a1"

#: Where each public name lives; read by ``__getattr__`` on first use.
_WHERE: dict[str, str] = {
    "factory_for": "pyfactory._factory",
    "Context": "pyfactory._context",
    "CheckFailure": "pyfactory._check",
    "Factory": "pyfactory._factory",
    "acheck": "pyfactory._check",
    "after": "pyfactory._core.definition",
    "check": "pyfactory._check",
    "schema": "pyfactory._core.definition",
    "trait": "pyfactory._core.definition",
    "Graph": "pyfactory._graph",
    "node": "pyfactory._graph",
    "nodes": "pyfactory._graph",
    "ref": "pyfactory._graph",
    "Attrs": "pyfactory._core.resolution.context",
    "FieldContext": "pyfactory._core.resolution.context",
    "AsyncModeError": "pyfactory.errors",
    "BuilderError": "pyfactory.errors",
    "CyclicDependencyError": "pyfactory.errors",
    "FactoryDefinitionError": "pyfactory.errors",
    "FactoryError": "pyfactory.errors",
    "FieldError": "pyfactory.errors",
    "GraphError": "pyfactory.errors",
    "ConstraintError": "pyfactory.errors",
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
    "FakeField": "pyfactory._drawn",
    "LazyField": "pyfactory.fields",
    "ManyField": "pyfactory.fields",
    "RandomlyNullifyField": "pyfactory.fields",
    "RandomlyUnsetField": "pyfactory.fields",
    "SequenceField": "pyfactory.fields",
    "SpecialField": "pyfactory.fields",
    "TransientField": "pyfactory.fields",
    "EachField": "pyfactory._drawn",
    "ParentField": "pyfactory._drawn",
    "association": "pyfactory.fields",
    "each": "pyfactory._drawn",
    "fake": "pyfactory._drawn",
    "parent": "pyfactory._drawn",
    "lazy": "pyfactory.fields",
    "many": "pyfactory.fields",
    "randomly_nullify": "pyfactory.fields",
    "randomly_unset": "pyfactory.fields",
    "sequence": "pyfactory.fields",
    "transient": "pyfactory.fields",
}

if not TYPE_CHECKING:
    # Built from the table for ``from pyfactory import *``. Type checkers skip it: a
    # computed ``__all__`` would hide from them every name it does not spell out.
    __all__ = ["__version__", *_WHERE]  # noqa: PLE0604 - the table's keys are strings


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pyfactory' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
