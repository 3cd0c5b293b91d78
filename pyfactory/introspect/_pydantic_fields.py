"""Fields of a pydantic v2 model or pydantic dataclass."""

from __future__ import annotations

import sys
from typing import Any

from pyfactory.introspect._common import Facts, non_none, read_type
from pyfactory.introspect._info import FieldInfo

__all__ = ["is_pydantic", "pydantic_fields"]


def is_pydantic(model: Any) -> bool:
    """Whether ``model`` is a pydantic v2 model or pydantic dataclass."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(model, type):
        return False  # nothing can subclass pydantic's classes before it is imported
    if issubclass(model, pydantic.BaseModel):
        return True
    from pydantic.dataclasses import is_pydantic_dataclass

    return is_pydantic_dataclass(model)


def pydantic_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per field of the model (``model_fields``), in declaration order.

    Constraints come from the field's metadata: ``Field(max_length=..., ge=...,
    pattern=..., max_digits=...)``, ``Annotated[...]`` with annotated_types,
    ``constr``/``conint``/``condecimal`` and ``StringConstraints``; ``strict`` and
    the like go to ``extra``. ``EmailStr``, ``NameEmail``, the URL types and the
    ``IPvAny`` types keep their type and say what they hold in
    ``extra["format"]`` (``"email"``, ``"name_email"``, ``"url"``, ``"ip"``). A
    field with an alias is given to the constructor under that name:
    ``extra["alias"]``. Fields of a pydantic dataclass declared with ``init=False``
    are left out.
    """
    declared: dict[str, Any] = model.__pydantic_fields__
    infos = []
    for name, field in declared.items():
        if field.init is False:
            continue
        facts = Facts(name)
        facts.set(type=read_type(field.annotation, facts))
        facts.apply(field.metadata)
        _read_format(non_none(facts.values["type"]), facts)
        _read_default(field, facts)
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
        if alias and alias != name:
            facts.note("alias", alias)
        facts.set(required=field.is_required())
        infos.append(facts.info())
    return infos


def _read_default(field: Any, facts: Facts) -> None:
    from pydantic_core import PydanticUndefined

    if field.default_factory is not None:
        if getattr(field, "default_factory_takes_validated_data", False):
            # The factory needs the other fields' values, so it is not a plain one.
            facts.default()
            facts.note("default_factory_takes_data", field.default_factory)
        else:
            facts.default(factory=field.default_factory)
    elif field.default is not PydanticUndefined:
        facts.default(field.default)


def _read_format(tp: Any, facts: Facts) -> None:
    """What pydantic's string-like types hold, and the limits their class declares."""
    if not isinstance(tp, type):
        return
    from pydantic import networks

    email = getattr(networks, "EmailStr", None)
    name_email = getattr(networks, "NameEmail", None)
    base_url = getattr(networks, "_BaseUrl", None) or getattr(networks, "AnyUrl", None)
    ip_types = tuple(
        t
        for t in (
            getattr(networks, n, None)
            for n in ("IPvAnyAddress", "IPvAnyInterface", "IPvAnyNetwork")
        )
        if isinstance(t, type)
    )
    if tp is email:
        facts.note("format", "email")
    elif tp is name_email:
        facts.note("format", "name_email")
    elif isinstance(base_url, type) and issubclass(tp, base_url):
        facts.note("format", "url")
        constraints = getattr(tp, "_constraints", None)
        if constraints is not None:
            facts.constrain("max_length", getattr(constraints, "max_length", None))
            schemes = getattr(constraints, "allowed_schemes", None)
            if schemes:
                facts.note("allowed_schemes", tuple(schemes))
    elif tp in ip_types:
        facts.note("format", "ip")
