"""Numbers: the ``int``, ``float``, ``Decimal`` and ``bool`` rules, drawn within
the field's bounds, digits, places and ``multiple_of``.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pyfactory.autofill._common import Generator, _draw_float, _draw_int, _Impossible
from pyfactory.autofill._spec import (
    _bounds,
    _declared_bounds,
    _fraction,
    _multiples,
    _scaled_bounds,
    _settle,
    _Spec,
)

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.autofill._compiler import _Compiler
    from pyfactory.introspect import FieldInfo


#: The default window of numbers.
_NUMBER_WINDOW = (0, 10_000)  # fits a 16-bit column, reads well in a failing test


def _int_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    own = _scaled_bounds(spec, 1)
    lo, hi = _settle(*own, window or _NUMBER_WINDOW, "integer", spec)
    step = 1
    if spec.multiple_of is not None:
        multiple = _fraction(spec.multiple_of, "multiple_of")
        if multiple is None or multiple <= 0:
            raise _Impossible(f"multiple_of={spec.multiple_of!r} is not a positive number")
        # k * p/q is a whole number exactly when k is a multiple of q: steps of p.
        step = multiple.numerator
        lo, hi = _multiples((lo, hi), own, Fraction(step), spec)

    if step == 1:

        def integer(faker: Faker, field: FieldInfo) -> Any:
            return _draw_int(faker, lo, hi)

        return integer

    def multiple_int(faker: Faker, field: FieldInfo) -> Any:
        return _draw_int(faker, lo, hi) * step

    return multiple_int


def _float_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    lows: list[float] = []
    highs: list[float] = []
    for name, value, is_low, exclusive in _declared_bounds(spec):
        if _fraction(value, name) is None:
            continue
        bound = float(value)
        if exclusive:
            bound = math.nextafter(bound, math.inf if is_low else -math.inf)
        (lows if is_low else highs).append(bound)
    own = (max(lows) if lows else None, min(highs) if highs else None)
    wlo, whi = window or _NUMBER_WINDOW
    lo, hi = _settle(*own, (float(wlo), float(whi)), "number", spec)
    lo, hi = max(lo, -sys.float_info.max), min(hi, sys.float_info.max)
    if lo > hi:  # gt the largest float, or lt the smallest
        raise _Impossible(f"no finite number is within {_bounds(spec)}")
    if spec.multiple_of is not None:
        positive = _fraction(spec.multiple_of, "multiple_of")
        if positive is None or positive <= 0:
            raise _Impossible(f"multiple_of={spec.multiple_of!r} is not a positive number")
        multiple = float(spec.multiple_of)
        # Rounding is monotonic, so k * multiple in floats stays within float bounds
        # that the exact product of the same floats meets.
        klo, khi = _multiples((lo, hi), own, Fraction(multiple), spec)

        def multiple_float(faker: Faker, field: FieldInfo) -> Any:
            return _draw_int(faker, klo, khi) * multiple

        return multiple_float

    def number(faker: Faker, field: FieldInfo) -> Any:
        r = _draw_float(faker)
        # Written so that no intermediate overflows, whatever the bounds.
        value = lo * (1.0 - r) + hi * r
        return min(max(value, lo), hi)

    return number


#: The most decimal places tried for a Decimal field whose bounds need more than two.
_MOST_PLACES = 30


def _places_of(value: Fraction) -> int:
    """How many decimal places write ``value`` exactly (a third: never, so the most tried)."""
    rest = value.denominator
    twos = fives = 0
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    return max(twos, fives) if rest == 1 else _MOST_PLACES


def _rational_lcm(a: Fraction, b: Fraction) -> Fraction:
    """The least positive number that is a whole multiple of both ``a`` and ``b``."""
    return Fraction(math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator))


def _decimal_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    digits = spec.max_digits
    places = spec.decimal_places
    if (places is not None and places < 0) or (digits is not None and digits < 0):
        raise _Impossible("max_digits and decimal_places must not be negative")
    if digits is not None and places is not None and places > digits:
        raise _Impossible(f"decimal_places={places} is above max_digits={digits}")
    multiple = None
    if spec.multiple_of is not None:
        multiple = _fraction(spec.multiple_of, "multiple_of")
        if multiple is None or multiple <= 0:
            raise _Impossible(f"multiple_of={spec.multiple_of!r} is not a positive number")
    if places is not None:
        # max_digits - decimal_places then bounds the digits before the point (as pydantic,
        # Django and SQL's NUMERIC have it), so fewer places would not reach further.
        tried = [places]
    else:
        # Two places, like money; other counts when the bounds, the multiple or the
        # digits leave no value with two (ge=0.001, le=0.004; max_digits=3, ge=500).
        usual = 2 if digits is None else min(2, digits)
        exact = [
            _places_of(frac)
            for name in ("ge", "gt", "le", "lt", "multiple_of")
            if getattr(spec, name) is not None
            and (frac := _fraction(getattr(spec, name), name)) is not None
        ]
        most = digits if digits is not None else min(max([usual, *exact]) + 1, _MOST_PLACES)
        tried = [usual, *range(usual + 1, most + 1), *range(usual - 1, -1, -1)]
    first: _Impossible | None = None
    for count in tried:
        try:
            return _decimal_places_rule(spec, digits, count, multiple, window)
        except _Impossible as error:
            first = first or error
    assert first is not None
    raise first


def _decimal_places_rule(
    spec: _Spec, digits: int | None, places: int, multiple: Fraction | None, window: Any
) -> Generator:
    """Decimals of ``places`` places: whole numbers of the last place, drawn within the
    bounds and the digits (and multiples of ``multiple`` if it is given)."""
    scale = 10**places
    own_lo, own_hi = _scaled_bounds(spec, scale)
    if digits is not None:
        cap = 10**digits - 1
        if (own_lo is not None and own_lo > cap) or (own_hi is not None and own_hi < -cap):
            raise _Impossible(f"no decimal of {digits} digits is within {_bounds(spec)}")
        own_lo = -cap if own_lo is None else max(own_lo, -cap)
        own_hi = cap if own_hi is None else min(own_hi, cap)
    wlo, whi = window or _NUMBER_WINDOW
    scaled = (math.ceil(Fraction(wlo) * scale), math.floor(Fraction(whi) * scale))
    lo, hi = _settle(own_lo, own_hi, scaled, "decimal", spec)
    exponent = f"E-{places}"
    if multiple is None:

        def decimal(faker: Faker, field: FieldInfo) -> Any:
            # Built from text, so no decimal context rounds it.
            return Decimal(f"{_draw_int(faker, lo, hi)}{exponent}")

        return decimal

    # A multiple of both the multiple and the last place, in units of the last place.
    step = int(_rational_lcm(multiple, Fraction(1, scale)) * scale)
    klo, khi = _multiples((lo, hi), (own_lo, own_hi), Fraction(step), spec)

    def multiple_decimal(faker: Faker, field: FieldInfo) -> Any:
        return Decimal(f"{_draw_int(faker, klo, khi) * step}{exponent}")

    return multiple_decimal


def _bool_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    def boolean(faker: Faker, field: FieldInfo) -> Any:
        return _draw_float(faker) < 0.5

    return boolean
