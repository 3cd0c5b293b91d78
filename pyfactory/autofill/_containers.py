"""Containers: the ``list``, ``set``, ``tuple`` and ``dict`` rules (and their
abstract forms), whose elements are compiled through the compiler so that the
factory's type mappings reach them too.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import attrs

from pyfactory.autofill._common import (
    _MISSING,
    _NONE_TYPE,
    Generator,
    _constant,
    _convert,
    _draw_int,
    _Impossible,
)
from pyfactory.autofill._lookup import _lookup_type, _type_name
from pyfactory.autofill._spec import _length_bounds, _scaled_bounds, _Spec, _spec_for
from pyfactory.errors import FactoryError

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.autofill._compiler import _Compiler
    from pyfactory.introspect import FieldInfo


def _count_bounds(spec: _Spec) -> tuple[int, int]:
    """How many items: the field's min/max_length, else 1 to 3."""
    lo, hi = _length_bounds(spec, 1, None)
    return lo, lo + 2 if hi is None else min(hi, lo + 2)


def _element_type(spec: _Spec) -> Any:
    args = get_args(spec.type)
    return args[0] if args else str


def _list_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    item = compiler.item(_element_type(spec))
    lo, hi = _count_bounds(spec)

    def items(faker: Faker, field: FieldInfo) -> Any:
        return [item(faker, field) for _ in range(_draw_int(faker, lo, hi))]

    return items


def _distinct(
    draw: Generator, lo: int, hi: int, what: str, where: str
) -> Callable[[Faker, FieldInfo], list[Any]]:
    """Draws of ``draw`` until a random count in ``[lo, hi]`` of them are distinct."""

    def distinct(faker: Faker, field: FieldInfo) -> list[Any]:
        wanted = _draw_int(faker, lo, hi)
        seen: dict[Any, None] = {}
        for _ in range(wanted * 10 + 10):
            if len(seen) >= wanted:
                break
            seen[draw(faker, field)] = None
        if len(seen) < lo:
            raise FactoryError(
                f"{where}: only {len(seen)} distinct {what} found, min_length is {lo}"
            )
        return list(seen)

    return distinct


def _distinct_bounds(compiler: _Compiler, spec: _Spec, tp: Any) -> tuple[int, int]:
    """How many distinct items of type ``tp`` to make: the field's lengths, at most as
    many as ``tp`` has values (``bool`` two, an Enum its members, ...)."""
    lo, hi = _count_bounds(spec)
    size = _domain_size(compiler, tp)
    if size is not None:
        if size < lo:
            raise _Impossible(
                f"min_length={lo} is above the {size} distinct values of {_type_name(tp)}"
            )
        hi = min(hi, size)
    return lo, hi


def _domain_size(compiler: _Compiler, tp: Any) -> int | None:
    """How many distinct values the generator of ``tp`` makes, when it is known to be few;
    ``None`` otherwise (a user's generator, text, unbounded numbers)."""
    spec = _spec_for(tp)
    if _lookup_type(compiler.type_mappings, spec.raw) is not _MISSING:
        return None
    base = spec.type
    if base is None or base is _NONE_TYPE:
        return 1
    if get_origin(base) is Literal:
        return len(set(get_args(base)))
    if not isinstance(base, type):
        return None
    if issubclass(base, bool):
        return 2
    if issubclass(base, enum.Enum):
        return len(base)
    if issubclass(base, int) and spec.multiple_of is None:
        lo, hi = _scaled_bounds(spec, 1)
        if lo is not None and hi is not None:
            return max(hi - lo + 1, 0)
    return None


def _set_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    element = _element_type(spec)
    item = compiler.item(element)
    lo, hi = _distinct_bounds(compiler, spec, element)
    origin = get_origin(spec.type) or spec.type
    make: Callable[[list[Any]], Any] = frozenset if origin is frozenset else set
    distinct = _distinct(item, lo, hi, "items", compiler.where)

    def items(faker: Faker, field: FieldInfo) -> Any:
        return make(distinct(faker, field))

    return items


def _tuple_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    args = get_args(spec.type)
    if spec.type is tuple or (len(args) == 2 and args[1] is Ellipsis):
        element = args[0] if args else str
        as_list = attrs.evolve(spec, type=list.__class_getitem__(element))
        listed = _list_rule(compiler, as_list, None)
        return _convert(listed, tuple)
    if args in ((), ((),)):  # tuple[()]
        return _constant(())
    items = tuple(compiler.item(arg) for arg in args)

    def fixed(faker: Faker, field: FieldInfo) -> Any:
        return tuple(item(faker, field) for item in items)

    return fixed


def _dict_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    args = get_args(spec.type)
    # A bare dict is JSON: text keys and values.
    key_type, value_type = args if len(args) == 2 else (str, str)
    key = compiler.item(key_type)
    value = compiler.item(value_type)
    lo, hi = _distinct_bounds(compiler, spec, key_type)
    keys = _distinct(key, lo, hi, "keys", compiler.where)

    def mapping(faker: Faker, field: FieldInfo) -> Any:
        return {k: value(faker, field) for k in keys(faker, field)}

    return mapping
