"""The building blocks of compiled providers: each turns 64 random bits into a value.

A :class:`Gen` wraps ``draw(r)``, a plain function of one uniformly random 64-bit
integer ``r`` (a :func:`~pyfactory._stream.mix` of the value's key). What a Faker
method does with its Random -- pick from a table, fill in a template, numerify a
pattern -- becomes a Gen made once, when the provider is compiled; drawing a value is
then a few integer operations and a table look-up.

Bits are spent with Lemire's multiply-shift: ``(r * n) >> 64`` is a number below
``n``, and ``(r * n) & MASK`` the bits left over, which the next pick of the same
value uses (they hold ``64 - log2(n)`` random bits). A part that needs more bits than
one word holds (another token of a template, the next digits of a long pattern) draws a
fresh word ``mix(r + i * GAMMA)``: the ``i``-th draw of ``r`` in the counter-based
scheme of :mod:`pyfactory._stream`.

Every Gen can also say how many values it has (:meth:`Gen.size`) and, for small
spaces, list them (:meth:`Gen.values`): that is what
:class:`~pyfactory.providers.UniqueValues` uses when a space runs out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from typing import Any, TypeAlias

from pyfactory._stream import GAMMA, MASK, mix

__all__ = [
    "LIMIT",
    "PLACEHOLDERS",
    "Choice",
    "Const",
    "Func",
    "Gen",
    "Mapped",
    "OneOf",
    "Pattern",
    "Template",
    "choice",
    "pattern",
    "template",
]

#: A space of at most this many values is listed by :meth:`Gen.values`; a larger one
#: is never nearly used up in practice, and listing it would cost more than it saves.
LIMIT = 1 << 20

#: Integer weights are scaled to add up to about this much: fine enough that a float
#: weight keeps 12 significant digits, small enough that ``r * total`` stays cheap.
_WEIGHT_SCALE = 1 << 40

Draw = Callable[[int], Any]


class Gen:
    """A compiled way to make a value from 64 random bits: see the module docstring.

    Attributes:
        draw: ``draw(r) -> value``, ``r`` a uniformly random 64-bit integer.
        weighted: Whether some part picks with weights (a uniform variant of the same
            provider then spreads values more evenly, which unique draws use).
    """

    __slots__ = ("draw", "weighted")

    def __init__(self, draw: Draw, weighted: bool = False) -> None:
        self.draw = draw
        self.weighted = weighted

    def size(self) -> int | None:
        """How many different values it makes, when known (an upper bound for
        templates, whose formats may overlap); None when unknown or unbounded."""
        return None

    def values(self) -> list[Any] | None:
        """Every value it can make, once each, in a fixed order; None when the space is
        larger than :data:`LIMIT` or cannot be listed."""
        return None

    def pieces(self) -> set[str] | None:
        """The texts its values are put together from (table entries and literal
        text), or None when it cannot tell: a template that numerifies what it parsed
        checks that these hold no placeholder."""
        return None

    def leafwise(self, fn: Callable[[str], str]) -> Gen | None:
        """The same Gen with ``fn`` applied to every piece of text it puts together,
        at compile time; None when it cannot. Right only for an ``fn`` that works
        piece by piece (``fn(a + b) == fn(a) + fn(b)``), such as lower-casing."""
        return None

    def mapped(self, fn: Callable[[Any], Any]) -> Gen:
        """The Gen of ``fn(value)``: computed once per table entry where it can,
        otherwise on each draw."""
        return Mapped(self, fn)


class Const(Gen):
    """Always the same value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(lambda r: value)

    def size(self) -> int:
        return 1

    def values(self) -> list[Any]:
        return [self.value]

    def pieces(self) -> set[str] | None:
        return {self.value} if isinstance(self.value, str) else None

    def leafwise(self, fn: Callable[[str], str]) -> Gen | None:
        return Const(fn(self.value)) if isinstance(self.value, str) else None

    def mapped(self, fn: Callable[[Any], Any]) -> Gen:
        return Const(fn(self.value))


class Choice(Gen):
    """One entry of a table, uniformly or by weights (Faker's ``random_element``).

    A weighted pick bisects integer cumulative weights, as ``random.choices`` does
    with float ones; an entry listed twice (Faker's way of weighting a tuple) counts
    twice.
    """

    __slots__ = ("table", "weights")

    def __init__(self, table: Sequence[Any], weights: Sequence[float] | None = None) -> None:
        self.table = tuple(table)
        self.weights = None if weights is None else tuple(weights)
        entries = self.table
        n = len(entries)
        if self.weights is None or len(set(self.weights)) <= 1:
            super().__init__(lambda r: entries[(r * n) >> 64])
            return
        largest = max(self.weights)
        scale = _WEIGHT_SCALE / (largest * n)
        # An entry with a tiny positive weight keeps a chance, as in random.choices.
        ints = [max(1, round(w * scale)) if w > 0 else 0 for w in self.weights]
        cumulative = list(accumulate(ints))
        total = cumulative[-1]

        def draw(r: int) -> Any:
            return entries[bisect_right(cumulative, (r * total) >> 64)]

        super().__init__(draw, weighted=True)

    def size(self) -> int:
        return len(set(self._distinct()))

    def values(self) -> list[Any] | None:
        return self._distinct() if len(self.table) <= LIMIT else None

    def _distinct(self) -> list[Any]:
        if self.weights is None:
            return list(dict.fromkeys(self.table))
        return list(dict.fromkeys(v for v, w in zip(self.table, self.weights) if w > 0))

    def pieces(self) -> set[str] | None:
        if all(isinstance(v, str) for v in self.table):
            return set(self.table)
        return None

    def leafwise(self, fn: Callable[[str], str]) -> Gen | None:
        if not all(isinstance(v, str) for v in self.table):
            return None
        return Choice([fn(v) for v in self.table], self.weights)

    def mapped(self, fn: Callable[[Any], Any]) -> Gen:
        return Choice([fn(v) for v in self.table], self.weights)


def choice(table: Sequence[Any], weights: Sequence[float] | None = None) -> Gen:
    """A :class:`Choice`, or a :class:`Const` for a table of one value."""
    if len(set(table)) == 1 and (weights is None or all(w > 0 for w in weights)):
        return Const(table[0])
    return Choice(table, weights)


class OneOf(Gen):
    """One of several Gens, picked uniformly or by weights, then drawn from the bits
    the pick leaves: Faker's ``random_element(formats)`` before a ``parse``."""

    __slots__ = ("gens", "weights")

    def __init__(self, gens: Sequence[Gen], weights: Sequence[float] | None = None) -> None:
        self.gens = tuple(gens)
        self.weights = None if weights is None else tuple(weights)
        draws = tuple(g.draw for g in self.gens)
        n = len(draws)
        weighted = any(g.weighted for g in self.gens)
        if self.weights is None or len(set(self.weights)) <= 1:

            def draw(r: int) -> Any:
                x = r * n
                return draws[x >> 64](x & MASK)

            super().__init__(draw, weighted)
            return
        scale = _WEIGHT_SCALE / (max(self.weights) * n)
        cumulative = list(accumulate(max(1, round(w * scale)) if w > 0 else 0 for w in self.weights))
        total = cumulative[-1]

        def draw_weighted(r: int) -> Any:
            x = r * total
            # The bits left are those below the pick: x's low word, uniform enough.
            return draws[bisect_right(cumulative, x >> 64)](x & MASK)

        super().__init__(draw_weighted, weighted=True)

    def size(self) -> int | None:
        sizes = [g.size() for g in self.gens]
        if any(s is None for s in sizes):
            return None
        unique = {id(g): s for g, s in zip(self.gens, sizes)}
        return sum(s for s in unique.values() if s is not None)

    def values(self) -> list[Any] | None:
        seen: dict[Any, None] = {}
        for gen in dict.fromkeys(self.gens):
            values = gen.values()
            if values is None:
                return None
            seen.update(dict.fromkeys(values))
            if len(seen) > LIMIT:
                return None
        return list(seen)

    def pieces(self) -> set[str] | None:
        return _union(g.pieces() for g in self.gens)

    def leafwise(self, fn: Callable[[str], str]) -> Gen | None:
        gens = [g.leafwise(fn) for g in self.gens]
        if any(g is None for g in gens):
            return None
        return OneOf([g for g in gens if g is not None], self.weights)


def _union(parts: Iterable[set[str] | None]) -> set[str] | None:
    out: set[str] = set()
    for part in parts:
        if part is None:
            return None
        out |= part
    return out


class Template(Gen):
    """Literal text with Gens in between, each part drawn from its own bits: the
    compiled form of one Faker format such as ``"{{first_name}} {{last_name}}"``.

    The first part uses the bits it is given; part ``i`` uses ``mix(r + i * GAMMA)``.
    Values are joined with one ``%`` format, which is cheaper than a ``join``.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[str | Gen]) -> None:
        self.parts = tuple(parts)
        gens = [p for p in self.parts if isinstance(p, Gen)]
        fmt = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in self.parts)
        super().__init__(_template_draw(fmt, [g.draw for g in gens]), any(g.weighted for g in gens))

    def size(self) -> int | None:
        total = 1
        for part in self.parts:
            if isinstance(part, Gen):
                size = part.size()
                if size is None:
                    return None
                total *= size
        return total

    def values(self) -> list[Any] | None:
        size = self.size()
        if size is None or size > LIMIT:
            return None
        combos: list[str] = [""]
        for part in self.parts:
            if isinstance(part, str):
                combos = [c + part for c in combos]
                continue
            values = part.values()
            if values is None:
                return None
            combos = [c + str(v) for c in combos for v in values]
        return list(dict.fromkeys(combos))

    def pieces(self) -> set[str] | None:
        return _union({p} if isinstance(p, str) else p.pieces() for p in self.parts)

    def leafwise(self, fn: Callable[[str], str]) -> Gen | None:
        parts: list[str | Gen] = []
        for part in self.parts:
            mapped = fn(part) if isinstance(part, str) else part.leafwise(fn)
            if mapped is None:
                return None
            parts.append(mapped)
        return template(parts)


def _template_draw(fmt: str, draws: list[Draw]) -> Draw:
    # Unrolled for the common shapes: a loop would cost more than the parts.
    if not draws:
        text = fmt.replace("%%", "%")
        return lambda r: text
    if len(draws) == 1:
        (d0,) = draws
        return lambda r: fmt % (d0(r),)
    if len(draws) == 2:
        d0, d1 = draws

        def draw2(r: int) -> str:
            return fmt % (d0(r), d1(mix((r + GAMMA) & MASK)))

        return draw2
    if len(draws) == 3:
        d0, d1, d2 = draws

        def draw3(r: int) -> str:
            return fmt % (d0(r), d1(mix((r + GAMMA) & MASK)), d2(mix((r + 2 * GAMMA) & MASK)))

        return draw3
    indexed = tuple(enumerate(draws))

    def draw_n(r: int) -> str:
        return fmt % tuple(d(mix((r + i * GAMMA) & MASK)) if i else d(r) for i, d in indexed)

    return draw_n


def template(parts: Sequence[str | Gen]) -> Gen:
    """A :class:`Template` of ``parts`` (adjacent texts merged), or its only Gen, or a
    :class:`Const` when it has no Gen."""
    merged: list[str | Gen] = []
    for part in parts:
        if isinstance(part, Const) and isinstance(part.value, str):
            part = part.value
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        merged.append(part)
    if not merged:
        return Const("")
    if len(merged) == 1:
        only = merged[0]
        return Const(only) if isinstance(only, str) else only
    return Template(merged)


#: What each numerify placeholder stands for: (first value, how many values).
_DIGITS = {"#": (0, 10), "%": (1, 9), "$": (2, 8)}
#: ``!`` is a digit or nothing, and ``@`` a non-zero digit or nothing, half the time each.
_MAYBE = {"!": ("",) * 10 + tuple("0123456789"), "@": ("",) * 9 + tuple("123456789")}
#: The characters that numerify, lexify and hexify replace.
PLACEHOLDERS = re.compile(r"[#%$!@?^]")

#: Bits of one 64-bit word a pattern spends before it draws a fresh one: some are
#: left so the last pick of a word is still fine-grained.
_BITS_PER_WORD = 56


#: A piece of a :class:`Pattern`: literal text, or (how many values, the first number
#: or a table of texts, its ``%`` format).
_Item: TypeAlias = "str | tuple[int, int | tuple[str, ...], str]"


class Pattern(Gen):
    """A numerify/lexify/bothify/hexify pattern: ``"$##-$##-####"``, ``"??-###"``.

    Each run of digit placeholders starting with at most one ``%`` or ``$`` is one
    number in a range (``"$##"`` is 200 to 999) printed with ``%0Nd``; letters and
    ``!``/``@`` are table picks. Faker replaces each placeholder with its own draw; the
    values come out the same way, uniformly, and with a few multiplications.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Sequence[_Item]) -> None:
        self._items = tuple(items)
        fmt = "".join(
            item.replace("%", "%%") if isinstance(item, str) else item[2] for item in self._items
        )
        segments = tuple((item[0], item[1]) for item in self._items if not isinstance(item, str))
        super().__init__(_pattern_draw(fmt, segments))

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
            if isinstance(base, int):
                options = [spec % (base + i) for i in range(span)]
            else:
                options = list(base)
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
            scale = 10 ** (width - 1)
            items.append((count * scale, first * scale, f"%0{width}d"))
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
    gen: Gen = Pattern(items)
    if upper:
        gen = gen.leafwise(str.upper) or gen.mapped(str.upper)
    if all(isinstance(item, str) for item in items):
        return Const(gen.draw(0))
    return gen


def _pattern_draw(fmt: str, segments: tuple[tuple[int, int | tuple[str, ...]], ...]) -> Draw:
    if not segments:
        text = fmt.replace("%%", "%")
        return lambda r: text
    # Group the segments so that each group spends at most one word's bits.
    groups: list[list[tuple[int, int | tuple[str, ...]]]] = [[]]
    bits = 0
    for segment in segments:
        need = segment[0].bit_length()
        if groups[-1] and bits + need > _BITS_PER_WORD:
            groups.append([])
            bits = 0
        groups[-1].append(segment)
        bits += need
    if len(groups) == 1 and len(segments) == 1:
        ((span, base),) = segments
        if isinstance(base, int):
            return lambda r: fmt % (base + ((r * span) >> 64),)
        return lambda r: fmt % (base[(r * span) >> 64],)
    plan = tuple(tuple(group) for group in groups)

    def draw(r: int) -> str:
        out: list[Any] = []
        append = out.append
        word = r
        for g, group in enumerate(plan):
            if g:
                word = mix((r + g * GAMMA) & MASK)
            for span, base in group:
                x = word * span
                word = x & MASK
                append(base + (x >> 64) if base.__class__ is int else base[x >> 64])  # type: ignore[operator,index]
        return fmt % tuple(out)

    return draw


class Mapped(Gen):
    """A Gen's value passed through a function on each draw."""

    __slots__ = ("fn", "inner")

    def __init__(self, inner: Gen, fn: Callable[[Any], Any]) -> None:
        self.inner = inner
        self.fn = fn
        d = inner.draw
        super().__init__(lambda r: fn(d(r)), inner.weighted)

    def size(self) -> int | None:
        values = self.values()
        return self.inner.size() if values is None else len(values)

    def values(self) -> list[Any] | None:
        values = self.inner.values()
        return None if values is None else list(dict.fromkeys(self.fn(v) for v in values))


class Func(Gen):
    """A Gen written by hand (dates, numbers, sentences), with what it knows of its
    space."""

    __slots__ = ("_size", "_values")

    def __init__(
        self,
        draw: Draw,
        *,
        size: int | None = None,
        values: Callable[[], list[Any]] | None = None,
        weighted: bool = False,
    ) -> None:
        self._size = size
        self._values = values
        super().__init__(draw, weighted)

    def size(self) -> int | None:
        return self._size

    def values(self) -> list[Any] | None:
        if self._values is None or self._size is None or self._size > LIMIT:
            return None
        return self._values()
