"""A walk over values inside lists, tuples and dicts, for the modules that look for
special fields, batch placeholders or nested models there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["holds"]


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
