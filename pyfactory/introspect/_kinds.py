"""Which kind of model a class is, and the reader of its fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from pyfactory.errors import FactoryDefinitionError, FactoryError
from pyfactory.introspect._attrs_fields import attrs_fields, is_attrs
from pyfactory.introspect._dataclass_fields import dataclass_fields, is_dataclass
from pyfactory.introspect._django_fields import django_fields, is_django
from pyfactory.introspect._info import FieldInfo
from pyfactory.introspect._msgspec_fields import is_msgspec, msgspec_fields
from pyfactory.introspect._pydantic_fields import is_pydantic, pydantic_fields
from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy, sqlalchemy_fields
from pyfactory.introspect._typeddict_fields import is_typeddict, typeddict_fields

__all__ = ["ALL", "DJANGO", "SQLALCHEMY", "Kind", "fields_of", "read_fields"]


@attrs.frozen
class Kind:
    """One kind of model: how to recognise it, and how to read its fields.

    Neither imports the kind's library unless the model is of that kind: a class
    cannot derive from a library's classes before that library is imported, so
    recognising looks in ``sys.modules`` first.
    """

    description: str
    detect: Callable[[Any], bool]
    read: Callable[[type[Any]], list[FieldInfo]]


SQLALCHEMY = Kind("a SQLAlchemy mapped class", is_sqlalchemy, sqlalchemy_fields)
DJANGO = Kind("a Django model", is_django, django_fields)

#: Every kind, in the order they are tried: ORM classes first (a mapped class may
#: also be a dataclass or an attrs class), pydantic dataclasses before dataclasses.
ALL: tuple[Kind, ...] = (
    SQLALCHEMY,
    DJANGO,
    Kind("a pydantic v2 model or dataclass", is_pydantic, pydantic_fields),
    Kind("a msgspec Struct", is_msgspec, msgspec_fields),
    Kind("an attrs class", is_attrs, attrs_fields),
    Kind("a dataclass", is_dataclass, dataclass_fields),
    Kind("a TypedDict", is_typeddict, typeddict_fields),
)


def fields_of(model: Any) -> list[FieldInfo]:
    """The fields of ``model``, whatever kind of model it is.

    Supported: dataclasses, attrs classes, pydantic v2 models and dataclasses,
    msgspec Structs, TypedDicts, SQLAlchemy mapped classes and Django models. The
    kind is recognised without importing a library that the model does not use.
    The fields are read afresh on each call; a caller that needs them often
    keeps them.

    Args:
        model: The model class.

    Returns:
        One :class:`FieldInfo` per field, in declaration order (for Django and
        SQLAlchemy, reverse relations last).

    Raises:
        FactoryDefinitionError: ``model`` is not a class of a supported kind, or
            its fields cannot be read (the cause is chained).

    .. versionadded:: 0.1
    """
    return read_fields(model, ALL)


def read_fields(model: Any, kinds: tuple[Kind, ...]) -> list[FieldInfo]:
    """The fields of ``model`` if it is one of ``kinds``; otherwise an error that
    names the model and those kinds."""
    for kind in kinds:
        if kind.detect(model):
            try:
                return kind.read(model)
            except FactoryError:
                raise
            except Exception as error:
                raise FactoryDefinitionError(
                    f"cannot read the fields of {_name(model)}, {kind.description}: "
                    f"{type(error).__name__}: {error}"
                ) from error
    descriptions = [kind.description for kind in kinds]
    supported = descriptions[-1]
    if len(descriptions) > 1:
        supported = f"{', '.join(descriptions[:-1])} or {supported}"
    if isinstance(model, type):
        what = f"{_name(model)}: it is not {supported}"
    else:
        what = f"{model!r}: it is not a class; pass {supported}"
    raise FactoryDefinitionError(f"cannot read the fields of {what}")


def _name(model: Any) -> str:
    module = getattr(model, "__module__", None)
    qualname = getattr(model, "__qualname__", None) or repr(model)
    return f"{module}.{qualname}" if module and module != "builtins" else str(qualname)
