"""Fields of a standard-library dataclass."""

from __future__ import annotations

import dataclasses
from typing import Any

from pyfactory.introspect._common import Facts, read_type, strip_qualifiers, type_hints
from pyfactory.introspect._info import FieldInfo

__all__ = ["dataclass_fields", "is_dataclass"]


def is_dataclass(model: Any) -> bool:
    """Whether ``model`` is a dataclass (the class, not an instance)."""
    return isinstance(model, type) and dataclasses.is_dataclass(model)


def dataclass_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per argument of the dataclass's ``__init__``.

    Fields declared with ``init=False`` are left out: the constructor refuses
    them. ``InitVar`` pseudo-fields are in, as the constructor needs them, with
    ``extra["init_var"]``. ``Annotated`` metadata (annotated_types, pydantic's
    ``Field``, msgspec's ``Meta``) gives the constraints.
    """
    public = {f.name for f in dataclasses.fields(model) if f.init}
    declared: dict[str, dataclasses.Field[Any]] = model.__dataclass_fields__
    wanted = [
        f
        for f in declared.values()
        if f.name in public or str(getattr(f, "_field_type", "")) == "_FIELD_INITVAR"
    ]
    hints = type_hints(model, {f.name for f in wanted})
    infos = []
    for field in wanted:
        facts = Facts(field.name)
        annotation = strip_qualifiers(hints.get(field.name, field.type))
        if isinstance(annotation, dataclasses.InitVar):
            annotation = annotation.type
            facts.note("init_var", True)
        facts.set(type=read_type(annotation, facts))
        if field.default is not dataclasses.MISSING:
            facts.default(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            facts.default(factory=field.default_factory)
        facts.set(required=not facts.has_default)
        infos.append(facts.info())
    return infos
