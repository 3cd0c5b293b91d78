"""Dates and times: the ``date``, ``datetime``, ``time`` and ``timedelta`` rules,
drawn within the field's bounds from fixed default windows (so one seed gives
the same values on every day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from pyfactory.autofill._common import Generator, _draw_int, _Impossible
from pyfactory.autofill._spec import _bounds, _declared_bounds, _settle, _Spec

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.autofill._compiler import _Compiler
    from pyfactory.introspect import FieldInfo


_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1)
_DAY_US = 86_400 * 10**6

#: Default windows. They are fixed dates, not relative to today, because a seed
#: must give the same values on every day the tests run.
_DATE_WINDOW = (date(2000, 1, 1), date(2030, 12, 31))
_TIMEDELTA_WINDOW = (timedelta(0), timedelta(days=30))


def _micros(value: datetime) -> int:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return (value - _EPOCH) // _US


def _time_bounds(
    spec: _Spec, convert: Callable[[Any], int], what: str
) -> tuple[int | None, int | None]:
    lows: list[int] = []
    highs: list[int] = []
    for name, value, is_low, exclusive in _declared_bounds(spec):
        try:
            bound = convert(value)
        except (TypeError, AttributeError, ValueError):
            raise _Impossible(f"its bound {name}={value!r} is not a {what}") from None
        if exclusive:
            bound += 1 if is_low else -1
        (lows if is_low else highs).append(bound)
    return (max(lows) if lows else None, min(highs) if highs else None)


def _date_ordinal(value: Any) -> int:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise TypeError(value)
    return value.toordinal()


def _date_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    lo, hi = _time_bounds(spec, _date_ordinal, "date")
    wlo, whi = window or _DATE_WINDOW
    lo, hi = _settle(lo, hi, (_date_ordinal(wlo), _date_ordinal(whi)), "date", spec)
    lo, hi = max(lo, 1), min(hi, date.max.toordinal())

    def day(faker: Faker, field: FieldInfo) -> Any:
        return date.fromordinal(_draw_int(faker, lo, hi))

    return day


def _datetime_micros(value: Any) -> int:
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError(value)
        value = datetime(value.year, value.month, value.day)
    return _micros(value)


def _datetime_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    tz = spec.tz
    if tz is None and any(
        isinstance(b, datetime) and b.tzinfo is not None
        for b in (spec.ge, spec.gt, spec.le, spec.lt)
    ):
        tz = timezone.utc  # aware bounds only compare with aware values
    lo, hi = _time_bounds(spec, _datetime_micros, "datetime")
    wlo, whi = window or _DATE_WINDOW
    lo, hi = _settle(lo, hi, (_datetime_micros(wlo), _datetime_micros(whi)), "datetime", spec)
    lo, hi = max(lo, _datetime_micros(datetime.min)), min(hi, _datetime_micros(datetime.max))
    # Whole seconds read better and suit every database; microseconds only when
    # the bounds are closer than a second.
    unit = 10**6
    slo, shi = -(-lo // unit), hi // unit
    if slo <= shi:
        lo, hi = slo, shi
    else:
        unit = 1
    step = timedelta(microseconds=unit)

    if tz is None:

        def naive(faker: Faker, field: FieldInfo) -> Any:
            return _EPOCH + _draw_int(faker, lo, hi) * step

        return naive

    utc = _EPOCH.replace(tzinfo=timezone.utc)

    def aware(faker: Faker, field: FieldInfo) -> Any:
        value = utc + _draw_int(faker, lo, hi) * step
        return value if tz is timezone.utc else value.astimezone(tz)

    return aware


def _time_micros(value: Any) -> int:
    if not isinstance(value, time):
        raise TypeError(value)
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return seconds * 10**6 + value.microsecond


def _time_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    lo, hi = _time_bounds(spec, _time_micros, "time")
    lo = 0 if lo is None else max(lo, 0)
    hi = _DAY_US - 1 if hi is None else min(hi, _DAY_US - 1)
    if lo > hi:
        raise _Impossible(f"no time of day is within {_bounds(spec)}")
    unit = 10**6
    slo, shi = -(-lo // unit), hi // unit
    if slo <= shi:
        lo, hi = slo, shi
    else:
        unit = 1

    def time_of_day(faker: Faker, field: FieldInfo) -> Any:
        micros = _draw_int(faker, lo, hi) * unit
        seconds, micro = divmod(micros, 10**6)
        return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)

    return time_of_day


def _timedelta_micros(value: Any) -> int:
    if not isinstance(value, timedelta):
        raise TypeError(value)
    return value // _US


def _timedelta_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    lo, hi = _time_bounds(spec, _timedelta_micros, "timedelta")
    wlo, whi = window or _TIMEDELTA_WINDOW
    lo, hi = _settle(lo, hi, (wlo // _US, whi // _US), "timedelta", spec)
    lo, hi = max(lo, timedelta.min // _US), min(hi, timedelta.max // _US)
    unit = 10**6
    slo, shi = -(-lo // unit), hi // unit
    if slo <= shi:
        lo, hi = slo, shi
    else:
        unit = 1
    step = timedelta(microseconds=unit)

    def duration(faker: Faker, field: FieldInfo) -> Any:
        return _draw_int(faker, lo, hi) * step

    return duration
