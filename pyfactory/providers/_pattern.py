"""Numerify, lexify, bothify and hexify patterns (``"$##-$##-####"``, ``"??-###"``)
compiled: :func:`pattern`.

Faker replaces each placeholder of a pattern with its own draw, with a regular
expression substitution per kind of placeholder. Here a run of digit placeholders
starting with at most one ``%`` or ``$`` is one number in a range (``"$##"`` is 200
to 999) printed with ``%0Nd``, drawn with one multiply-shift; letters and ``!``/``@``
are table picks. The values are the same kind, uniformly drawn, for a few
multiplications.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from math import log2
from typing import Any, TypeAlias

from pyfactory._stream import GAMMA, MASK, mix
from pyfactory.providers._gen import BUDGET, LIMIT, Const, Draw, Gen, Split

__all__ = ["PLACEHOLDERS", "Pattern", "pattern", "segment_groups"]

#: What each numerify placeholder stands for: (first value, how many values).
_DIGITS = {"#": (0, 10), "%": (1, 9), "$": (2, 8)}
#: ``!`` is a digit or nothing, and ``@`` a non-zero digit or nothing, half the time each.
_MAYBE = {"!": ("",) * 10 + tuple("0123456789"), "@": ("",) * 9 + tuple("123456789")}
#: The most digits a pattern draws as one number.
_WIDEST = 18
#: The characters that numerify, lexify and hexify replace.
PLACEHOLDERS = re.compile(r"[#%$!@?^]")

#: A piece of a :class:`Pattern`: literal text, or (how many values, the first number
#: or a table of texts, its ``%`` format).
_Item: TypeAlias = "str | tuple[int, int | tuple[str, ...], str]"


class Pattern(Gen):
    """A numerify/lexify/bothify/hexify pattern (see the module docstring)."""

    __slots__ = ("_items", "fmt", "segments")

    def __init__(self, items: Sequence[_Item]) -> None:
        self._items = tuple(items)
        #: The ``%`` format of the whole, and (how many values, first number or table)
        #: for each placeholder run, in order.
        self.fmt = "".join(
            item.replace("%", "%%") if isinstance(item, str) else item[2] for item in self._items
        )
        self.segments = tuple(
            (item[0], item[1]) for item in self._items if not isinstance(item, str)
        )
        bits = sum(log2(span) for span, _ in self.segments)
        draw, split = _pattern_draws(self.fmt, self.segments)
        super().__init__(draw, split, bits)

    def size(self) -> int:
        total = 1
        for item in self._items:
            if not isinstance(item, str):
                total *= item[0]
        return total

    def values(self) -> list[Any] | None:
        if self.size() > LIMIT:
            return None
        combos = [""]
        for item in self._items:
            if isinstance(item, str):
                combos = [c + item for c in combos]
                continue
            span, base, spec = item
            options = [spec % (base + i) for i in range(span)] if isinstance(base, int) else base
            combos = [c + o for c in combos for o in options]
        return list(dict.fromkeys(combos))

    def pieces(self) -> set[str]:
        out = {"0123456789"}
        for item in self._items:
            if isinstance(item, str):
                out.add(item)
            elif isinstance(item[1], tuple):
                out.update(item[1])
        return out

    def leafwise(self, fn: Callable[[str], str]) -> Gen | None:
        if fn("0123456789") != "0123456789":
            return None
        items: list[_Item] = []
        for item in self._items:
            if isinstance(item, str):
                items.append(fn(item))
            elif isinstance(item[1], tuple):
                items.append((item[0], tuple(fn(c) for c in item[1]), item[2]))
            else:
                items.append(item)
        return Pattern(items)


def pattern(
    text: str,
    *,
    digits: bool = True,
    letters: str | None = None,
    hexdigits: str | None = None,
    upper: bool = False,
) -> Gen:
    """The Gen of Faker's ``numerify(text)`` (``digits``), ``lexify(text, letters)``,
    ``bothify`` (both) or ``hexify``; ``upper`` upper-cases the result, as
    ``bothify(...).upper()`` in postcodes."""
    items: list[_Item] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if digits and ch in _DIGITS:
            start = i
            i += 1
            while i < len(text) and text[i] == "#":
                i += 1
            first, count = _DIGITS[ch]
            width = i - start
            # A run is drawn 18 digits at most at a time: a number below 2**64, so
            # one pick (and one lane of a column) holds it, and every digit is drawn.
            chunk = min(width, _WIDEST)
            scale = 10 ** (chunk - 1)
            items.append((count * scale, first * scale, f"%0{chunk}d"))
            for rest in range(chunk, width, _WIDEST):
                size = min(_WIDEST, width - rest)
                items.append((10**size, 0, f"%0{size}d"))
            continue
        if digits and ch in _MAYBE:
            items.append((len(_MAYBE[ch]), _MAYBE[ch], "%s"))
        elif letters is not None and ch == "?":
            items.append((len(letters), tuple(letters), "%s"))
        elif hexdigits is not None and ch == "^":
            items.append((len(hexdigits), tuple(hexdigits), "%s"))
        elif items and isinstance(items[-1], str):
            items[-1] += ch
        else:
            items.append(ch)
        i += 1
    if all(isinstance(item, str) for item in items):
        return Const(text.upper() if upper else text)
    gen: Gen = Pattern(items)
    if upper:
        gen = gen.leafwise(str.upper) or gen.mapped(str.upper)
    return gen


_Segment: TypeAlias = "tuple[int, int | tuple[str, ...]]"


def segment_groups(segments: Sequence[_Segment]) -> list[list[_Segment]]:
    """A pattern's segments in groups that each fit in one word's :data:`BUDGET`."""
    groups: list[list[_Segment]] = [[]]
    bits = 0.0
    for segment in segments:
        need = log2(segment[0])
        if groups[-1] and bits + need > BUDGET:
            groups.append([])
            bits = 0.0
        groups[-1].append(segment)
        bits += need
    return groups


def _pattern_draws(fmt: str, segments: tuple[_Segment, ...]) -> tuple[Draw, Split | None]:
    """``draw`` and (when it fits in one word) ``split`` of a pattern."""
    if len(segments) == 1:
        ((span, base),) = segments
        if isinstance(base, int):

            def split_number(r: int) -> tuple[str, int]:
                x = r * span
                return fmt % (base + (x >> 64),), x & MASK

            return (lambda r: fmt % (base + ((r * span) >> 64),)), split_number
        table = base

        def split_text(r: int) -> tuple[str, int]:
            x = r * span
            return fmt % (table[x >> 64],), x & MASK

        return (lambda r: fmt % (table[(r * span) >> 64],)), split_text

    def fill(word: int, group: tuple[_Segment, ...], out: list[Any]) -> int:
        for span, base in group:
            x = word * span
            word = x & MASK
            out.append(base + (x >> 64) if base.__class__ is int else base[x >> 64])  # type: ignore[index]
        return word

    groups = segment_groups(segments)
    if len(groups) == 1:
        only = tuple(groups[0])

        def split(r: int) -> tuple[str, int]:
            out: list[Any] = []
            r = fill(r, only, out)
            return fmt % tuple(out), r

        numbers = _numbers_draw(fmt, only)
        return (numbers or (lambda r: split(r)[0])), split
    plan = tuple(tuple(group) for group in groups)

    def draw(r: int) -> str:
        out: list[Any] = []
        for g, group in enumerate(plan):
            fill(mix((r + g * GAMMA) & MASK) if g else r, group, out)
        return fmt % tuple(out)

    return draw, None


def _numbers_draw(fmt: str, segments: tuple[_Segment, ...]) -> Draw | None:
    """``draw`` of a pattern of three or four runs of digits in one word (a phone
    number), unrolled: the loop and its tuple would cost as much as the digits."""
    if not all(isinstance(base, int) for _, base in segments) or len(segments) not in (3, 4):
        return None
    spans = [span for span, _ in segments]
    firsts = [base for _, base in segments if isinstance(base, int)]
    (s0, s1, s2, *s3), (b0, b1, b2, *b3) = spans, firsts
    if not s3:

        def draw3(r: int) -> str:
            x = r * s0
            a = b0 + (x >> 64)
            x = (x & MASK) * s1
            b = b1 + (x >> 64)
            return fmt % (a, b, b2 + (((x & MASK) * s2) >> 64))

        return draw3
    last_span, last_first = s3[0], b3[0]

    def draw4(r: int) -> str:
        x = r * s0
        a = b0 + (x >> 64)
        x = (x & MASK) * s1
        b = b1 + (x >> 64)
        x = (x & MASK) * s2
        c = b2 + (x >> 64)
        return fmt % (a, b, c, last_first + (((x & MASK) * last_span) >> 64))

    return draw4
