"""Walks over values inside lists, tuples and dicts, for the modules that look for
special fields, batch placeholders, nested models or :data:`~pyfactory.OMIT` there,
and copy the mutable ones so that no two objects share one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["CONTAINERS", "fresh_copy", "holds", "is_mutable", "without"]

#: The container types that these walks enter; any other object is a leaf.
CONTAINERS = frozenset({list, tuple, dict})


def holds(value: Any, found: Callable[[Any], bool]) -> bool:
    """Whether ``found`` is true of ``value`` or of an item of its lists, tuples and dicts,
    at any depth: the one walk behind special fields, batch placeholders and nested models
    inside containers."""
    if found(value):
        return True
    kind = type(value)
    if kind is list or kind is tuple:
        return any(holds(v, found) for v in value)
    if kind is dict:
        return any(holds(v, found) for v in value.values())
    return False


def without(value: Any, marker: object) -> Any:
    """``value`` with every item of its lists and tuples, and every key of its dicts,
    whose value is ``marker`` left out, at any depth.

    ``value`` itself comes back, uncopied, when it holds no ``marker``: the common
    case costs one look at each item and no allocation.
    """
    kind = type(value)
    if kind is list or kind is tuple:
        changed = False
        items = []
        for item in value:
            if item is marker:
                changed = True
                continue
            kept = without(item, marker) if type(item) in CONTAINERS else item
            changed = changed or kept is not item
            items.append(kept)
        if not changed:
            return value
        return items if kind is list else tuple(items)
    if kind is dict:
        changed = False
        entries = {}
        for key, item in value.items():
            if item is marker:
                changed = True
                continue
            kept = without(item, marker) if type(item) in CONTAINERS else item
            changed = changed or kept is not item
            entries[key] = kept
        return entries if changed else value
    return value


_MUTABLE = (list, dict, set, bytearray)


def fresh_copy(value: Any) -> Any:
    """A copy of the built-in containers in ``value``, so no two objects share one.

    Other objects (model instances given as values, say) are kept as they are:
    sharing them is what the schema asked for.
    """
    kind = type(value)
    if kind is list:
        return [fresh_copy(v) for v in value]
    if kind is dict:
        return {k: fresh_copy(v) for k, v in value.items()}
    if kind is set:
        return set(value)
    if kind is bytearray:
        return bytearray(value)
    if kind is tuple:
        return tuple(fresh_copy(v) for v in value)
    return value


def is_mutable(value: Any) -> bool:
    """Whether ``value`` holds a built-in mutable container that needs a copy per object."""
    kind = type(value)
    if kind in _MUTABLE:
        return True
    if kind is tuple:
        return any(is_mutable(v) for v in value)
    return False
