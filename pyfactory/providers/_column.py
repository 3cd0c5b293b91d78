"""Columns of values at once: what ``FastProvider.many`` uses.

SplitMix64's ``mix`` is twelve operations on 64-bit integers, each a Python object
made and freed: about half a microsecond, as much as the rest of a cheap value. For
a column, the keys are laid side by side in one large integer, a key every 128 bits,
and each operation is done once for all of them: CPython does it in C, over the
whole number. A key's lane is twice its width so that a product (64 x 64 bits) stays
inside it; the lanes are masked back to 64 bits between steps, so no bit of one key
reaches another. The result is exactly ``mix(key + GAMMA)`` for each key (the tests
pin it), four to five times cheaper per key than the scalar loop. A batch's keys
are made the same way (:func:`subkey_lanes`, :func:`value_key_lanes`), so a column's
keys are never a list of Python integers at all.

The picks go the same way (:func:`column`): a table's Lemire pick is one product and
one shift of the packed bits, the bits left one mask, and the entries are fetched
with ``map``; a template's parts are columns joined with ``map(fmt.__mod__, ...)``;
a choice of formats sorts the lanes by the format they picked and makes each
format's column from its lanes. Every lane does exactly the arithmetic of the scalar
draw, so a column holds the values ``fn(key)`` gives, key by key; what is saved is a
Python call (and its tuple) per pick and per part.

NumPy would do the same with arrays of ``uint64``; it is not a dependency, and
Python's integers are enough. Blocks of :data:`BLOCK` keys keep the numbers small
enough to stay in the CPU's cache: much longer ones are slower per key.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache, partial
from itertools import repeat
from operator import rshift
from typing import Any

from pyfactory._stream import GAMMA, MASK
from pyfactory._stream import MIX_1 as _C1
from pyfactory._stream import MIX_2 as _C2
from pyfactory.providers._gen import (
    Choice,
    Const,
    Func,
    Gen,
    Mapped,
    OneOf,
    Template,
    part_groups,
)
from pyfactory.providers._pattern import Pattern, segment_groups

__all__ = [
    "BLOCK",
    "column",
    "first_draws",
    "mixed_lanes",
    "packed",
    "picks",
    "repeated",
    "subkey_lanes",
    "unpacked",
    "value_key_lanes",
]

#: Keys mixed together; about the fastest per key on common CPUs.
BLOCK = 1024


@cache
def _ones(n: int) -> int:
    """1 in each of ``n`` 128-bit lanes: times a 64-bit word, that word in each lane."""
    return int.from_bytes(array("Q", [1, 0] * n).tobytes(), "little")


@cache
def _lanes(n: int) -> tuple[int, int]:
    """(a 64-bit mask in each of ``n`` 128-bit lanes, GAMMA in each lane)."""
    ones = _ones(n)
    return ones * MASK, ones * GAMMA


def repeated(word: int, n: int) -> int:
    """The 64-bit ``word`` in each of ``n`` lanes: a constant of a lane-wise step."""
    return _ones(n) * word


def packed(words: Iterable[int]) -> int:
    """64-bit unsigned ``words`` laid in 128-bit lanes of one integer, the first in
    the lowest (OverflowError or TypeError for a word that is not one)."""
    low = array("Q", words)
    lanes = array("Q", bytes(16 * len(low)))
    lanes[0::2] = low
    return int.from_bytes(lanes.tobytes(), "little")


def unpacked(z: int, n: int) -> array[int]:
    """The ``n`` 64-bit lanes of a packed integer, in order."""
    return array("Q", z.to_bytes(16 * n, "little"))[0::2]


def mixed_lanes(keys: Sequence[int]) -> int:
    """The packed ``mix(key + GAMMA)`` of up to :data:`BLOCK` keys: each lane the
    key's first draw (OverflowError or TypeError for a key that is not a 64-bit
    unsigned integer)."""
    return first_draws(packed(keys), len(keys))


def first_draws(keys: int, n: int) -> int:
    """The packed ``mix(key + GAMMA)`` of the ``n`` keys packed in ``keys``."""
    mask, gamma = _lanes(n)
    return _mix((keys + gamma) & mask, mask)


def subkey_lanes(base: int, first: int, n: int) -> int:
    """The packed :func:`~pyfactory._stream.subkey` of ``base`` and each index from
    ``first`` to ``first + n - 1``: a chunk's object keys, ``mix((base + (index + 1) *
    GAMMA) & MASK)`` in each lane."""
    mask, _ = _lanes(n)
    counters: Iterable[int] = range(first + 1, first + n + 1)
    if first + 1 < 0 or first + n > MASK:
        # Out of a lane's 64 bits: the same counters modulo 2**64 give the same keys.
        counters = [counter & MASK for counter in counters]
    # A counter times GAMMA fills at most its 128-bit lane; masked to 64 bits before
    # the base is added, the sum cannot carry into the next lane.
    return _mix((((packed(counters) * GAMMA) & mask) + repeated(base, n)) & mask, mask)


def value_key_lanes(roots: int, n: int, named: int) -> int:
    """The packed :func:`~pyfactory._stream.value_key` of a field whose
    :func:`~pyfactory._stream.name_key` is ``named``, for the ``n`` object keys
    packed in ``roots``: ``mix(root ^ named)`` in each lane."""
    mask, _ = _lanes(n)
    return _mix(roots ^ repeated(named, n), mask)


def _mix(z: int, mask: int) -> int:
    """SplitMix64's ``mix`` of each lane of ``z``."""
    z = (((z ^ (z >> 30)) & mask) * _C1) & mask
    z = (((z ^ (z >> 27)) & mask) * _C2) & mask
    return (z ^ (z >> 31)) & mask


def _draw_lanes(r: int, n: int, i: int) -> int:
    """The packed ``mix(r + i * GAMMA)`` of each lane: its ``i``-th draw."""
    mask, gamma = _lanes(n)
    return _mix((r + i * gamma) & mask, mask)


def picks(r: int, n: int, total: int, cumulative: list[int] | None = None) -> tuple[Any, int]:
    """Lemire's pick below ``total`` (weighted by ``cumulative``) in each lane, and
    the packed bits left."""
    mask, _ = _lanes(n)
    x = r * total
    picked: Any = unpacked((x >> 64) & mask, n)
    if cumulative is not None:
        picked = _weighted(picked, cumulative)
    return picked, x & mask


#: A weighted pick's range is cut into up to ``2 ** _BUCKET_BITS`` buckets.
_BUCKET_BITS = 12
#: Tables with fewer entries are bisected whole: a few comparisons, no buckets.
_FEW_ENTRIES = 32
#: The buckets of each weighted table, by id (the table kept, to check it is the same).
_bucket_cache: dict[int, tuple[list[int], int, list[int], list[int]]] = {}


def _weighted(picked: Sequence[int], cumulative: list[int]) -> Iterable[int]:
    """``bisect_right(cumulative, p)`` for each pick ``p`` (below ``cumulative[-1]``).

    A long table (Faker's first names: 690 weights) costs a dozen comparisons a pick.
    The picks' range is cut into buckets of ``2 ** shift`` numbers, and the answers
    for a bucket's numbers lie between the bisections of its first and last number,
    kept per bucket: each pick is bisected between those two, mostly equal (a
    bucket inside one weight), so one comparison or none. Same answers, in 60% of
    the time; the shift, the look-ups and the bisections are maps, in C.
    """
    if len(cumulative) < _FEW_ENTRIES:
        return map(partial(bisect_right, cumulative), picked)
    found = _bucket_cache.get(id(cumulative))
    if found is None or found[0] is not cumulative:
        found = _bucket_cache[id(cumulative)] = _buckets(cumulative)
    _, shift, lows, highs = found
    bucket = list(map(rshift, picked, repeat(shift)))
    return map(
        bisect_right,
        repeat(cumulative),
        picked,
        map(lows.__getitem__, bucket),
        map(highs.__getitem__, bucket),
    )


def _buckets(cumulative: list[int]) -> tuple[list[int], int, list[int], list[int]]:
    """(the table, the shift from a pick to its bucket, each bucket's first and last
    possible answer)."""
    if len(_bucket_cache) > 1000:  # tables come from providers; bound it all the same
        _bucket_cache.clear()
    shift = max(0, cumulative[-1].bit_length() - _BUCKET_BITS)
    starts = range(0, cumulative[-1] + (1 << shift), 1 << shift)
    lows = [bisect_right(cumulative, start) for start in starts]
    highs = [bisect_right(cumulative, start + (1 << shift) - 1) for start in starts]
    return cumulative, shift, lows, highs


def column(gen: Gen, r: int, n: int) -> list[Any]:
    """The values of ``gen`` for the ``n`` lanes of packed bits ``r``: lane by lane
    what ``gen.draw`` gives."""
    return _column(gen, r, n, False)[0]


def _column(gen: Gen, r: int, n: int, rest: bool) -> tuple[list[Any], int]:
    """The column of ``gen``, and (with ``rest``, for a Gen with ``split``) the packed
    bits its splits leave."""
    kind = type(gen)
    if kind is Const:
        assert isinstance(gen, Const)
        return [gen.value] * n, r
    if kind is Choice:
        assert isinstance(gen, Choice)
        picked, left = picks(r, n, gen.total, gen.cumulative)
        return list(map(gen.table.__getitem__, picked)), left
    if kind is Template:
        assert isinstance(gen, Template)
        return _template(gen, r, n, rest)
    if kind is OneOf:
        assert isinstance(gen, OneOf)
        return _one_of(gen, r, n, rest)
    if kind is Pattern:
        assert isinstance(gen, Pattern)
        return _pattern(gen, r, n)
    if kind is Mapped:
        assert isinstance(gen, Mapped)
        values, left = _column(gen.inner, r, n, rest)
        return list(map(gen.fn, values)), left
    if isinstance(gen, Func) and gen.column is not None and not rest:
        return gen.column(r, n), r
    lanes = unpacked(r, n)
    if not rest or gen.split is None:
        return list(map(gen.draw, lanes)), r
    pairs = list(map(gen.split, lanes))
    return [value for value, _ in pairs], packed([left for _, left in pairs])


def _template(gen: Template, r: int, n: int, rest: bool) -> tuple[list[Any], int]:
    gens = [p for p in gen.parts if isinstance(p, Gen)]
    fmt = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in gen.parts)
    columns: list[list[Any]] = []
    word = r
    for g, group in enumerate(part_groups(gens)):
        if g:
            word = _draw_lanes(r, n, g)
        for index, part in enumerate(group):
            chained = part.split is not None and (rest or index < len(group) - 1)
            values, word = _column(part, word, n, chained)
            columns.append(values)
    return list(map(fmt.__mod__, zip(*columns, strict=True))), word


def _one_of(gen: OneOf, r: int, n: int, rest: bool) -> tuple[list[Any], int]:
    picked, left = picks(r, n, gen.total, gen.cumulative)
    picked = list(picked)
    if not gen.chained:
        left = _draw_lanes(r, n, 1)
    # The lanes sorted by the option they picked (sorts and maps run in C): each
    # option's lanes are then one run, made into one column.
    order = sorted(range(n), key=picked.__getitem__)
    lefts = list(map(unpacked(left, n).__getitem__, order))
    values: list[Any] = []
    bits: list[int] = []
    start = 0
    for option, count in sorted(Counter(picked).items()):
        sub_values, sub_left = _column(
            gen.gens[option], packed(lefts[start : start + count]), count, rest
        )
        values.extend(sub_values)
        if rest:
            bits.extend(unpacked(sub_left, count))
        start += count
    # Back to the lanes' order: the inverse of the sort.
    back = sorted(range(n), key=order.__getitem__)
    out = list(map(values.__getitem__, back))
    return out, (packed(list(map(bits.__getitem__, back))) if rest else r)


def _pattern(gen: Pattern, r: int, n: int) -> tuple[list[Any], int]:
    columns: list[Any] = []
    word = r
    for g, group in enumerate(segment_groups(gen.segments)):
        if g:
            word = _draw_lanes(r, n, g)
        for span, base in group:
            picked, word = picks(word, n, span, None)
            if isinstance(base, int):
                columns.append(map(base.__add__, picked) if base else picked)
            else:
                columns.append(map(base.__getitem__, picked))
    return list(map(gen.fmt.__mod__, zip(*columns, strict=True))), word
