"""Compilers for numbers, booleans and UUIDs (``random_int``, ``pyint``, ``pybool``,
``boolean``, ``null_boolean``, ``pyfloat``, ``uuid4``).

These cost Faker little (``pyint`` and ``pybool`` about half a microsecond, ``uuid4``
under three), so the gain here is determinism more than speed: drawing from a key
costs about as much as Faker's call.
"""

from __future__ import annotations

import math
import uuid
from collections import deque
from collections.abc import Callable
from itertools import repeat
from typing import Any

from pyfactory._stream import GAMMA, MASK, mix
from pyfactory.providers._column import picks, repeated, unpacked
from pyfactory.providers._compile import Call, compiles
from pyfactory.providers._gen import Func, Gen, choice

_MISC = "faker.providers.misc"
_PYTHON = "faker.providers.python"
_FLOAT_DIGITS = 15  # sys.float_info.dig, which Faker's pyfloat spends
#: Bits of a range beyond which a number is drawn from two words.
_WIDE = 56


def _integers(low: int, high: int, step: int = 1) -> Gen | None:
    """One of ``range(low, high + 1, step)``, uniformly (``random.randrange``)."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high, step)):
        return None
    if step == 0:
        return None
    # len(range(low, high + 1, step)), which overflows past sys.maxsize.
    stop = high + 1
    count = max(
        0, (stop - low + step - 1) // step if step > 0 else (low - stop - step - 1) // -step
    )
    if count == 0:
        return None
    if count.bit_length() > _WIDE:
        # Over 2**56 numbers: two words, so that every number can come out.
        def draw_wide(r: int) -> int:
            wide = (r << 64) | mix((r + GAMMA) & MASK)
            return low + step * ((wide * count) >> 128)

        return Func(draw_wide, size=count)

    def split(r: int) -> tuple[int, int]:
        x = r * count
        return low + step * (x >> 64), x & MASK

    def column(r: int, n: int) -> list[int]:
        picked = picks(r, n, count)[0]
        if step == 1:
            return list(map(low.__add__, picked))
        return [low + step * i for i in picked]

    return Func(
        lambda r: low + step * ((r * count) >> 64),
        split=split,
        bits=math.log2(count),
        size=count,
        values=lambda: list(range(low, high + 1, step)),
        column=column,
    )


@compiles("faker.providers", "random_int", owner="BaseProvider")
def _random_int(call: Call) -> Gen | None:
    """``random_int(min=0, max=9999, step=1)``."""
    arguments = call.arguments(min=0, max=9999, step=1)
    if arguments is None:
        return None
    return _integers(arguments["min"], arguments["max"], arguments["step"])


@compiles(_PYTHON, "pyint")
def _pyint(call: Call) -> Gen | None:
    """``pyint(min_value=0, max_value=9999, step=1)``: the generator's
    ``random_int``."""
    arguments = call.arguments(min_value=0, max_value=9999, step=1)
    if arguments is None:
        return None
    return call.token(
        "random_int", arguments["min_value"], arguments["max_value"], step=arguments["step"]
    )


def _chance(percent: Any) -> Gen | None:
    """True with ``percent`` chances in 100: ``randint(1, 100) <= percent``."""
    if not isinstance(percent, int | float) or isinstance(percent, bool):
        return None
    return Func(
        lambda r: ((r * 100) >> 64) < percent,
        size=2,
        values=lambda: [False, True],
        column=lambda r, n: [i < percent for i in picks(r, n, 100)[0]],
    )


@compiles(_PYTHON, "pybool")
def _pybool(call: Call) -> Gen | None:
    """``pybool(truth_probability=50)``."""
    arguments = call.arguments(truth_probability=50)
    if arguments is None or not 0 <= arguments["truth_probability"] <= 100:
        return None  # Faker raises its ValueError
    return _chance(arguments["truth_probability"])


@compiles(_MISC, "boolean")
def _boolean(call: Call) -> Gen | None:
    """``boolean(chance_of_getting_true=50)``."""
    arguments = call.arguments(chance_of_getting_true=50)
    return None if arguments is None else _chance(arguments["chance_of_getting_true"])


@compiles(_MISC, "null_boolean")
def _null_boolean(call: Call) -> Gen | None:
    """``None``, ``True`` or ``False``, each as likely."""
    return choice([None, True, False]) if call.no_arguments() else None


UuidMakers = tuple[Callable[[int], uuid.UUID], Callable[[list[int]], list[uuid.UUID]]]


def _uuid_makers() -> UuidMakers:
    """``uuid.UUID(int=v)`` of one ``v``, and of a column of them, without
    ``UUID.__init__``: it checks which of its five arguments was given, then sets two
    slots, and the checks cost three times the rest.

    The objects are made the way ``__init__`` makes them: ``object.__new__``, then its
    two slots, ``int`` and ``is_safe``, set through their descriptors (``UUID``'s own
    ``__setattr__`` refuses every assignment, and a descriptor's ``__set__`` is cheaper
    than ``object.__setattr__``'s look-up by name); a column's are made with ``map``, in
    C. :func:`_checked_uuid_makers` compares them with the constructor's."""
    slots = vars(uuid.UUID)
    set_int, set_safe = slots["int"].__set__, slots["is_safe"].__set__
    new, uuid_type, unknown = object.__new__, uuid.UUID, uuid.SafeUUID.unknown

    def one(value: int) -> uuid.UUID:
        made: uuid.UUID = new(uuid_type)
        set_int(made, value)
        set_safe(made, unknown)
        return made

    def column(values: list[int]) -> list[uuid.UUID]:
        made: list[uuid.UUID] = list(map(new, repeat(uuid_type, len(values))))
        deque(map(set_int, made, values), 0)
        deque(map(set_safe, made, repeat(unknown)), 0)
        return made

    return one, column


def _checked_uuid_makers() -> UuidMakers:
    # A Python whose UUID has other slots, or keeps other state, gets the constructor.
    probe = (0x1234 << 64) | 0x8000_0000_0000_0001
    expected = uuid.UUID(int=probe)
    try:
        one, column = _uuid_makers()
        made = [one(probe), *column([probe])]
        if all(
            type(value) is uuid.UUID
            and value == expected
            and str(value) == str(expected)
            and hash(value) == hash(expected)
            and value.is_safe is expected.is_safe
            for value in made
        ):
            return one, column
    except (AttributeError, KeyError, TypeError):
        pass
    return _uuid_constructed, _uuids_constructed


def _uuid_constructed(value: int) -> uuid.UUID:
    return uuid.UUID(int=value)


def _uuids_constructed(values: list[int]) -> list[uuid.UUID]:
    return [uuid.UUID(int=value) for value in values]


_uuid, _uuids = _checked_uuid_makers()


#: Bits of a UUID that are not its version (4) and variant (RFC 4122).
_HIGH_KEPT = MASK & ~0xF000
_LOW_KEPT = 0x3FFF_FFFF_FFFF_FFFF
_VERSION = 0x4000
_VARIANT = 0x8000_0000_0000_0000


@compiles(_MISC, "uuid4")
def _uuid4(call: Call) -> Gen | None:
    """``uuid4(cast_to=str)``: version 4 and the RFC 4122 variant, as text (formatted
    directly, four times cheaper than ``str(uuid.UUID(...))``) or, with
    ``cast_to=None``, a :class:`uuid.UUID`.

    A value has the 64 random bits of its key, no more: the high half of the UUID is
    those bits, the low half the same bits times an odd constant (a bijection, so
    spread over the low half's bits, rather than a second ``mix`` that would add no
    randomness and cost as much as the rest). Two keys never give one UUID: they
    would have to differ only in the version's four bits and, multiplied, only in the
    variant's two, which no difference below ``2**16`` can.
    """
    arguments = call.arguments(cast_to=str)
    if arguments is None:
        return None
    cast = arguments["cast_to"]
    if cast is str:

        def text(r: int) -> str:
            high = (r & _HIGH_KEPT) | _VERSION
            low = ((r * GAMMA) & _LOW_KEPT) | _VARIANT
            return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031 (the fastest spelling)
                high >> 32,
                (high >> 16) & 0xFFFF,
                high & 0xFFFF,
                low >> 48,
                low & 0xFFFF_FFFF_FFFF,
            )

        return Func(text, size=1 << 64)

    def value(r: int) -> uuid.UUID:
        return _uuid((((r & _HIGH_KEPT) | _VERSION) << 64) | ((r * GAMMA) & _LOW_KEPT) | _VARIANT)

    def values(r: int, n: int) -> list[uuid.UUID]:
        # value() in each lane: r * GAMMA stays inside a lane's 128 bits and is masked
        # back to 62, so the halves are two lane-wise steps; only the join is per UUID.
        high = unpacked((r & repeated(_HIGH_KEPT, n)) | repeated(_VERSION, n), n)
        low = unpacked(((r * GAMMA) & repeated(_LOW_KEPT, n)) | repeated(_VARIANT, n), n)
        return _uuids([(h << 64) | lo for h, lo in zip(high, low, strict=True)])

    if cast is None:
        return Func(value, size=1 << 64, column=values)
    if not callable(cast):
        return None
    return Func(lambda r: cast(value(r)), size=1 << 64)


@compiles(_PYTHON, "pyfloat")
def _pyfloat(call: Call) -> Gen | None:
    """``pyfloat(left_digits=None, right_digits=None, positive=None, min_value=None,
    max_value=None)`` without bounds, or with both bounds and no ``left_digits``: the
    digit counts, sign and digits drawn as Faker draws them. Other combinations keep
    calling Faker."""
    arguments = call.arguments(
        left_digits=None, right_digits=None, positive=None, min_value=None, max_value=None
    )
    if arguments is None:
        return None
    left, right = arguments["left_digits"], arguments["right_digits"]
    positive = arguments["positive"]
    low, high = arguments["min_value"], arguments["max_value"]
    if any(v is not None and (not isinstance(v, int) or v < 0) for v in (left, right)):
        return None
    if left == 0 and right == 0:
        return None
    if low is None and high is None:
        return _float_free(left, right, positive)
    if low is None or high is None or left is not None or not low < high:
        return None
    if positive and low <= 0:
        return None
    return _float_between(low, high, right, bool(positive))


def _digit_counts(
    left: int | None, right: int | None, needed_left: int
) -> list[tuple[int, int]] | None:
    """The (left, right) digit counts Faker may pick, each as likely."""
    if left is None and right is None:
        pairs = [(max(1, _FLOAT_DIGITS - r), r) for r in range(1, _FLOAT_DIGITS - needed_left + 1)]
    elif left is None:
        assert right is not None
        pairs = [(max(1, _FLOAT_DIGITS - right), right)]
    elif right is None:
        pairs = [(left, max(1, _FLOAT_DIGITS - left))]
    else:
        pairs = [(left, right)]
    if not pairs or any(a + b > _FLOAT_DIGITS for a, b in pairs):
        return None
    return pairs


def _float_free(left: int | None, right: int | None, positive: bool | None) -> Gen | None:
    pairs = _digit_counts(left, right, 1)
    if pairs is None:
        return None
    spans = tuple((10**a, 10**b, b) for a, b in pairs)
    count = len(spans)
    signs = ("", "-") if positive is None else ("-",) if positive is False else ("",)
    sign_count = len(signs)

    def draw(r: int) -> float:
        x = r * count
        left_span, right_span, right_digits = spans[x >> 64]
        x = (x & MASK) * sign_count
        sign = signs[x >> 64]
        whole = ((x & MASK) * left_span) >> 64
        fraction = (mix((r + GAMMA) & MASK) * right_span) >> 64
        result = float(f"{sign}{whole}.{fraction}")
        if positive and result == 0:
            result = float("0." + "0" * (right_digits - 1) + "1") if right_digits else 1.0
        return result

    return Func(draw)


def _float_between(low: float, high: float, right: int | None, positive: bool) -> Gen | None:
    needed_left = max(1, math.ceil(math.log10(max(abs(high or 1), abs(low or 1)))))
    pairs = _digit_counts(None, right, needed_left)
    if pairs is None:
        return None
    rights = tuple(b for _, b in pairs)
    count = len(rights)
    # Faker's _safe_random_int: whole numbers from the bounds (the max one lower).
    first = low + 1 if low < 0 else low
    last = high + 1 if high < 0 else high
    if positive:
        first = max(first, 0)
    if first == last:
        wholes_low = wholes_high = int(first)
    else:
        wholes_low, wholes_high = int(first), int(last - 1)
        if wholes_high < wholes_low:
            wholes_high += 1
    span = wholes_high - wholes_low + 1
    lowest = 0 if positive else low
    width = high - lowest

    def draw(r: int) -> float:
        x = r * count
        right_digits = rights[x >> 64]
        whole = wholes_low + (((x & MASK) * span) >> 64)
        word = mix((r + GAMMA) & MASK)
        x = word * 10**right_digits
        result = float(f"{whole}.{x >> 64}")
        if positive and result == 0:
            result = float("0." + "0" * (right_digits - 1) + "1")
        # Out of bounds, Faker moves the value back in by a random part of the range.
        if result > high:
            result -= result - high + width * ((x & MASK) / 2**64)
        if result < lowest:
            result += lowest - result + width * ((x & MASK) / 2**64)
        return result

    return Func(draw)
