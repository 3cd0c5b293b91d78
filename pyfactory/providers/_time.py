"""Compilers for Faker's dates and times (``faker.providers.date_time``).

A range's ends are parsed once, when the provider is compiled, by Faker's own parser
(``_parse_date_time``, ``_parse_date``: ``"-30y"``, ``"today"``, ``"now"``,
``"+1w"``, dates, datetimes, timedeltas, timestamps). So a relative range such as
``date_between("-30y", "today")`` is fixed for the rest of the process, and a value
drawn from the same key is the same date only while the day it was compiled on is:
for a golden file, give absolute ends (``date(2000, 1, 1)``).

Values are drawn as Faker draws them -- uniformly in seconds (to the microsecond)
between the ends, then cut to a date -- with the same edge rules
(``date_of_birth`` never gives its first day; ``date_time_between`` of a range
shorter than a second).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from itertools import repeat
from typing import Any

from pyfactory.providers._column import picks
from pyfactory.providers._compile import Call, compiles
from pyfactory.providers._gen import Const, Func, Gen

_TIME = "faker.providers.date_time"
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ISO_DATE = "%Y-%m-%d"
_DAY = 86400


def _timestamp(call: Call, value: Any, tz: tzinfo | None = None) -> int | None:
    """Faker's ``_parse_date_time(value, tzinfo)``, or None if Faker refuses it."""
    try:
        return int(call.provider._parse_date_time(value, tzinfo=tz))
    except (ValueError, TypeError, OverflowError):
        return None


def _day(call: Call, value: Any) -> date | None:
    """Faker's ``_parse_date(value)``, or None if Faker refuses it."""
    try:
        parsed = call.provider._parse_date(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return parsed if isinstance(parsed, date) else None


def _microseconds(start: int, end: int, base: datetime) -> Gen:
    """A datetime ``base + t`` with ``t`` uniform in ``[start, end)`` seconds, to the
    microsecond (Faker's ``random.uniform(start, end)`` in seconds)."""
    first = start * 1_000_000
    span = (end - start) * 1_000_000

    def column(r: int, n: int) -> list[datetime]:
        microseconds = map(first.__add__, picks(r, n, span)[0])
        return list(map(base.__add__, map(timedelta, repeat(0), repeat(0), microseconds)))

    return Func(
        lambda r: base + timedelta(0, 0, first + ((r * span) >> 64)),
        size=span if span else 1,
        # A lane holds a product below 2**128: spans of up to 2**64 microseconds
        # (half a million years).
        column=column if span < 1 << 64 else None,
    )


def _days(first: date, count: int, *, skip_first: bool = False) -> Gen:
    """One of ``count`` days from ``first``, uniformly; with ``skip_first`` the first
    day gives the second instead (``date_of_birth``)."""
    if count <= 0:
        return Const(first)
    ordinal = first.toordinal()
    fromordinal = date.fromordinal
    if skip_first:

        def draw_skipping(r: int) -> date:
            offset = (r * count) >> 64
            return fromordinal(ordinal + (offset or 1))

        days = [fromordinal(ordinal + i) for i in range(1, count)] if count > 1 else [first]
        return Func(
            draw_skipping,
            size=len(days),
            values=lambda: days,
            column=lambda r, n: [fromordinal(ordinal + (i or 1)) for i in picks(r, n, count)[0]],
        )
    return Func(
        lambda r: fromordinal(ordinal + ((r * count) >> 64)),
        size=count,
        values=lambda: [fromordinal(ordinal + i) for i in range(count)],
        column=lambda r, n: list(map(fromordinal, map(ordinal.__add__, picks(r, n, count)[0]))),
    )


def _unix_seconds(call: Call, end_datetime: Any) -> int | None:
    """The end of ``unix_time``'s range: now (Faker's ``_parse_end_datetime``)."""
    try:
        return int(call.provider._parse_end_datetime(end_datetime))
    except (ValueError, TypeError, OverflowError):
        return None


@compiles(_TIME, "date")
def _date(call: Call) -> Gen | None:
    """``date(pattern="%Y-%m-%d", end_datetime=None)``: a day between 1970 and now,
    formatted."""
    arguments = call.arguments(pattern=_ISO_DATE, end_datetime=None)
    if arguments is None or not isinstance(arguments["pattern"], str):
        return None
    end = _unix_seconds(call, arguments["end_datetime"])
    if end is None or end < 0:
        return None
    fmt = arguments["pattern"]
    if fmt == _ISO_DATE:
        # The same text as strftime, from the day alone: a third of the time.
        # The text of every day since 1970, made once (20,000 days, a millisecond or
        # two): a value is then one pick, a third of what making a date costs.
        span = end
        texts = [date.fromordinal(_EPOCH_ORDINAL + d).isoformat() for d in range(end // _DAY + 1)]

        def column(r: int, n: int) -> list[str]:
            return list(map(texts.__getitem__, map(_DAY.__rfloordiv__, picks(r, n, span)[0])))

        return Func(
            lambda r: texts[((r * span) >> 64) // _DAY],
            size=len(texts),
            values=lambda: list(texts),
            pieces={"0123456789", "-"},
            column=column,
        )
    moments = _microseconds(0, end, _EPOCH)
    draw = moments.draw
    # What the text is made of: digits, the pattern's literal text, and names (of
    # months, days), which hold no numerify placeholder.
    pieces = {"0123456789", re.sub("%[^%]", "", fmt)}
    return Func(lambda r: draw(r).strftime(fmt), pieces=pieces)


@compiles(_TIME, "date_object")
def _date_object(call: Call) -> Gen | None:
    """``date_object(end_datetime=None)``: a date between 1970 and now."""
    arguments = call.arguments(end_datetime=None)
    end = None if arguments is None else _unix_seconds(call, arguments["end_datetime"])
    if end is None or end < 0:
        return None
    span = end
    fromordinal = date.fromordinal
    return Func(lambda r: fromordinal(_EPOCH_ORDINAL + ((r * span) >> 64) // _DAY))


@compiles(_TIME, "time")
def _time(call: Call) -> Gen | None:
    """``time(pattern="%H:%M:%S", end_datetime=None)``."""
    arguments = call.arguments(pattern="%H:%M:%S", end_datetime=None)
    if arguments is None or not isinstance(arguments["pattern"], str):
        return None
    end = _unix_seconds(call, arguments["end_datetime"])
    if end is None or end < 0:
        return None
    draw = _microseconds(0, end, _EPOCH).draw
    fmt = arguments["pattern"]
    return Func(lambda r: draw(r).time().strftime(fmt))


@compiles(_TIME, "date_time")
def _date_time(call: Call) -> Gen | None:
    """``date_time(tzinfo=None, end_datetime=None)``: between 1970 and now."""
    arguments = call.arguments(tzinfo=None, end_datetime=None)
    if arguments is None:
        return None
    end = _unix_seconds(call, arguments["end_datetime"])
    if end is None or end < 0:
        return None
    # Faker adds the seconds to 1970-01-01 in the given zone, not to the UTC epoch.
    return _microseconds(0, end, datetime(1970, 1, 1, tzinfo=arguments["tzinfo"]))


@compiles(_TIME, "date_time_between")
def _date_time_between(call: Call) -> Gen | None:
    """``date_time_between(start_date="-30y", end_date="now", tzinfo=None)``."""
    arguments = call.arguments(start_date="-30y", end_date="now", tzinfo=None)
    if arguments is None:
        return None
    tz = arguments["tzinfo"]
    start = _timestamp(call, arguments["start_date"], tz)
    end = _timestamp(call, arguments["end_date"], tz)
    if start is None or end is None or end < start:
        return None
    if end - start <= 1 and end != start:
        return None  # Faker adds random() to the start: too rare a range to compile
    if tz is None:
        return _microseconds(start, end, _EPOCH)
    moments = _microseconds(start, end, _EPOCH_UTC).draw
    return Func(lambda r: moments(r).astimezone(tz), size=(end - start) * 1_000_000 or 1)


@compiles(_TIME, "past_datetime")
def _past_datetime(call: Call) -> Gen | None:
    arguments = call.arguments(start_date="-30d", tzinfo=None)
    if arguments is None:
        return None
    return call.method("date_time_between", arguments["start_date"], "-1s", arguments["tzinfo"])


@compiles(_TIME, "future_datetime")
def _future_datetime(call: Call) -> Gen | None:
    arguments = call.arguments(end_date="+30d", tzinfo=None)
    if arguments is None:
        return None
    return call.method("date_time_between", "+1s", arguments["end_date"], arguments["tzinfo"])


@compiles(_TIME, "date_between")
def _date_between(call: Call) -> Gen | None:
    """``date_between(start_date="-30y", end_date="today")``: a day from the start
    up to the day before the end (Faker's draw reaches the end's midnight only with
    probability zero), or the start when both are the same day."""
    arguments = call.arguments(start_date="-30y", end_date="today")
    if arguments is None:
        return None
    start = _day(call, arguments["start_date"])
    end = _day(call, arguments["end_date"])
    if start is None or end is None or end < start:
        return None
    return _days(start, (end - start).days)


@compiles(_TIME, "past_date")
def _past_date(call: Call) -> Gen | None:
    arguments = call.arguments(start_date="-30d", tzinfo=None)
    if arguments is None:
        return None
    return call.method("date_between", arguments["start_date"], "-1d")


@compiles(_TIME, "future_date")
def _future_date(call: Call) -> Gen | None:
    arguments = call.arguments(end_date="+30d")
    if arguments is None:
        return None
    return call.method("date_between", "+1d", arguments["end_date"])


@compiles(_TIME, "date_of_birth")
def _date_of_birth(call: Call) -> Gen | None:
    """``date_of_birth(tzinfo=None, minimum_age=0, maximum_age=115)``: a day in the
    ``maximum_age + 1`` years before ``minimum_age`` years ago, never the first."""
    from faker.providers.date_time import change_year

    arguments = call.arguments(tzinfo=None, minimum_age=0, maximum_age=115)
    if arguments is None:
        return None
    low, high = arguments["minimum_age"], arguments["maximum_age"]
    if not isinstance(low, int) or not isinstance(high, int) or not 0 <= low <= high:
        return None  # Faker raises its own TypeError or ValueError
    today = datetime.now(arguments["tzinfo"]).date()
    start = change_year(today, -(high + 1))
    end = change_year(today, -low)
    return _days(start, (end - start).days, skip_first=True)
