"""Keys of a ``TypedDict``."""

from __future__ import annotations

import typing
from typing import Any, get_args, get_origin

from pyfactory.introspect._common import Facts, read_type, strip_qualifiers, type_hints
from pyfactory.introspect._info import FieldInfo

__all__ = ["is_typeddict", "typeddict_fields"]


def is_typeddict(model: Any) -> bool:
    """Whether ``model`` is a TypedDict class, from ``typing`` or ``typing_extensions``."""
    return (
        isinstance(model, type)
        and issubclass(model, dict)
        and isinstance(getattr(model, "__required_keys__", None), frozenset)
    )


def typeddict_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per key, inherited keys included.

    A key is required as the TypedDict says (its totality, ``Required`` and
    ``NotRequired``); ``ReadOnly`` is dropped from the type. A TypedDict has no
    defaults, so a key that is not required is simply left out when not given.
    """
    hints = type_hints(model)
    required_keys: frozenset[str] = model.__required_keys__
    infos = []
    for name, annotation in hints.items():
        facts = Facts(name)
        marked = _marked_required(annotation)
        required = name in required_keys if marked is None else marked
        facts.set(type=read_type(strip_qualifiers(annotation), facts), required=required)
        infos.append(facts.info())
    return infos


def _marked_required(annotation: Any) -> bool | None:
    """``True`` for ``Required[...]``, ``False`` for ``NotRequired[...]``, else ``None``.

    The TypedDict's own ``__required_keys__`` misses these marks when annotations
    are strings (``from __future__ import annotations``): the class is made before
    they are resolved. Resolved here, they say it themselves.
    """
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = annotation.__origin__
            continue
        name = getattr(origin, "_name", None)
        if name == "Required":
            return True
        if name == "NotRequired":
            return False
        if name == "ReadOnly" and get_args(annotation):
            annotation = get_args(annotation)[0]
            continue
        return None
