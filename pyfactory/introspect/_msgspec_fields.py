"""Fields of a msgspec ``Struct``."""

from __future__ import annotations

import sys
from typing import Any

from pyfactory.introspect._common import Facts, read_type
from pyfactory.introspect._info import FieldInfo

__all__ = ["is_msgspec", "msgspec_fields"]


def is_msgspec(model: Any) -> bool:
    """Whether ``model`` is a msgspec ``Struct`` class."""
    msgspec = sys.modules.get("msgspec")
    return msgspec is not None and isinstance(model, type) and issubclass(model, msgspec.Struct)


def msgspec_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per field of the Struct (``msgspec.structs.fields``).

    ``Annotated[..., msgspec.Meta(...)]`` gives the constraints (``ge``, ``max_length``,
    ``pattern``, ...; ``tz`` goes to ``extra["timezone"]``). A field renamed for
    encoding keeps its attribute name as ``name``, the encoded one in
    ``extra["encode_name"]``.
    """
    import msgspec

    infos = []
    for field in msgspec.structs.fields(model):
        facts = Facts(field.name)
        facts.set(type=read_type(field.type, facts))
        if field.default_factory is not msgspec.NODEFAULT:
            facts.default(factory=field.default_factory)
        elif field.default is not msgspec.NODEFAULT:
            facts.default(field.default)
        if field.encode_name != field.name:
            facts.note("encode_name", field.encode_name)
        facts.set(required=not facts.has_default)
        infos.append(facts.info())
    return infos
