"""The building blocks of compiled providers: each turns random bits into a value.

A :class:`Gen` wraps ``draw(r)``, a plain function of a uniformly random 64-bit
integer ``r``. What a Faker method does with its Random -- pick from a table, fill
in a template, numerify a pattern -- becomes a Gen made once, when the provider is
compiled; drawing a value is then a few integer operations and table look-ups.

Bits are spent with Lemire's multiply-shift: ``(r * n) >> 64`` is a number below
``n`` and ``(r * n) & MASK`` the bits left over, which hold ``64 - log2(n)`` random
bits for the next pick. A Gen that spends few bits has ``split(r) -> (value, rest)``
and says how many it spends (:attr:`Gen.bits`), so a template chains its parts
through one word -- a name is a format, a first name and a last name from one
``mix`` -- and draws a fresh word, ``mix(r + i * GAMMA)`` (the ``i``-th draw of ``r``
in the counter-based scheme of :mod:`pyfactory._stream`), only when the next part
would not fit in what is left. ``mix`` is the dearest step of a cheap value (12
operations on 64-bit integers), so that is what the chaining saves.

Every Gen can also say how many values it has (:meth:`Gen.size`) and, for small
spaces, list them (:meth:`Gen.values`): that is what
:class:`~pyfactory.providers.UniqueValues` uses when a space runs out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from math import log2
from typing import Any

from pyfactory._stream import GAMMA, MASK, mix

__all__ = [
    "BUDGET",
    "FULL",
    "LIMIT",
    "Choice",
    "Const",
    "Func",
    "Gen",
    "Mapped",
    "OneOf",
    "Template",
    "choice",
    "template",
]

#: A space of at most this many values is listed by :meth:`Gen.values`; a larger one
#: is never nearly used up in practice, and listing it would cost more than it saves.
LIMIT = 1 << 20

#: Bits of one 64-bit word that chained picks may spend: the last pick keeps a few
#: spare bits, so it is still uniform to within 2**-4 of its smallest step.
BUDGET = 60
#: The ``bits`` of a Gen that needs a fresh word of its own (it has no ``split``).
FULL = 64

#: A weighted table's smallest weight gets at least this many units of the integer
#: weights: enough for its share to be right within half a percent.
_UNITS = 256
#: ... and the units add up to at most this: a weighted pick spends log2(total) bits.
_MOST_UNITS = 1 << 32

Draw = Callable[[int], Any]
Split = Callable[[int], "tuple[Any, int]"]


class Gen:
    """A compiled way to make a value from random bits: see the module docstring.

    Attributes:
        draw: ``draw(r) -> value``.
        split: ``split(r) -> (value, rest)``, the bits left for the next pick, or None
            for a Gen that needs a fresh word.
        bits: How many of ``r``'s bits ``split`` spends (:data:`FULL` without split).
        weighted: Whether some part picks with weights (a uniform variant of the same
            provider then spreads values more evenly, which unique draws use).
    """

    __slots__ = ("bits", "draw", "split", "weighted")

    def __init__(
        self, draw: Draw, split: Split | None = None, bits: float = FULL, weighted: bool = False
    ) -> None:
        self.draw = draw
        self.split = split if bits <= BUDGET else None
        self.bits = bits if self.split is not None else FULL
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
        """The same Gen, as text, with ``fn`` applied to every piece of text it puts
        together: at compile time where it can (tables, literals), otherwise to its
        value as a whole; None when it cannot. Right only for an ``fn`` that works
        piece by piece (``fn(a + b) == fn(a) + fn(b)``), such as lower-casing, and in
        a text context (a template formats every part with ``str``)."""
        return Mapped(self, lambda value: fn(str(value)))

    def mapped(self, fn: Callable[[Any], Any]) -> Gen:
        """The Gen of ``fn(value)``: computed once per table entry where it can,
        otherwise on each draw."""
        return Mapped(self, fn)


class Const(Gen):
    """Always the same value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(lambda r: value, lambda r: (value, r), 0)

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


def _integer_weights(weights: Sequence[float]) -> list[int]:
    """Weights as integers, scaled so the smallest positive one has :data:`_UNITS`
    units (no more than :data:`_MOST_UNITS` in all); a tiny positive weight keeps
    at least one unit, as it keeps a chance in ``random.choices``."""
    positive = [w for w in weights if w > 0]
    scale = min(_UNITS / min(positive), _MOST_UNITS / sum(positive))
    return [max(1, round(w * scale)) if w > 0 else 0 for w in weights]


class Choice(Gen):
    """One entry of a table, uniformly or by weights (Faker's ``random_element``).

    A weighted pick bisects integer cumulative weights, as ``random.choices`` does
    with float ones; an entry listed twice (Faker's way of weighting a tuple) counts
    twice.
    """

    __slots__ = ("cumulative", "table", "total", "weights")

    def __init__(self, table: Sequence[Any], weights: Sequence[float] | None = None) -> None:
        self.table = tuple(table)
        self.weights = None if weights is None else tuple(weights)
        entries = self.table
        n = len(entries)
        #: What a pick draws below, and the cumulative integer weights (None: uniform).
        self.total = n
        self.cumulative: list[int] | None = None
        if self.weights is None or len(set(self.weights)) <= 1:

            def split(r: int) -> tuple[Any, int]:
                x = r * n
                return entries[x >> 64], x & MASK

            super().__init__(lambda r: entries[(r * n) >> 64], split, log2(n))
            return
        cumulative = list(accumulate(_integer_weights(self.weights)))
        total = cumulative[-1]
        self.total = total
        self.cumulative = cumulative

        def split_weighted(r: int) -> tuple[Any, int]:
            x = r * total
            return entries[bisect_right(cumulative, x >> 64)], x & MASK

        super().__init__(
            lambda r: entries[bisect_right(cumulative, (r * total) >> 64)],
            split_weighted,
            log2(total),
            weighted=True,
        )

    def size(self) -> int:
        return len(self._distinct())

    def values(self) -> list[Any] | None:
        return self._distinct() if len(self.table) <= LIMIT else None

    def _distinct(self) -> list[Any]:
        if self.weights is None:
            return list(dict.fromkeys(self.table))
        pairs = zip(self.table, self.weights, strict=True)
        return list(dict.fromkeys(v for v, w in pairs if w > 0))

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
    the pick leaves (or from a fresh word when they would not be enough): Faker's
    ``random_element(formats)`` before a ``parse``."""

    __slots__ = ("chained", "cumulative", "gens", "total", "weights")

    def __init__(self, gens: Sequence[Gen], weights: Sequence[float] | None = None) -> None:
        self.gens = tuple(gens)
        self.weights = None if weights is None or len(set(weights)) <= 1 else tuple(weights)
        weighted = self.weights is not None or any(g.weighted for g in self.gens)
        if self.weights is None:
            cumulative = None
            total = len(self.gens)
        else:
            cumulative = list(accumulate(_integer_weights(self.weights)))
            total = cumulative[-1]
        #: What the pick draws below, and the cumulative integer weights (None: uniform).
        self.total = total
        self.cumulative = cumulative
        widest = max(g.bits for g in self.gens)
        #: Whether an option is drawn from the bits the pick leaves (or a fresh word).
        self.chained = log2(total) + widest <= BUDGET
        if self.chained:
            self._chained(cumulative, total, log2(total) + widest, weighted)
            return
        # An option too wide for the bits the pick leaves gets a fresh word.
        draws = tuple(g.draw for g in self.gens)

        def draw(r: int) -> Any:
            x = (r * total) >> 64
            index = x if cumulative is None else bisect_right(cumulative, x)
            return draws[index](mix((r + GAMMA) & MASK))

        super().__init__(draw, weighted=weighted)

    def _chained(
        self, cumulative: list[int] | None, total: int, bits: float, weighted: bool
    ) -> None:
        draws = tuple(g.draw for g in self.gens)
        splits = tuple(g.split for g in self.gens)
        if cumulative is None:
            n = total

            def draw(r: int) -> Any:
                x = r * n
                return draws[x >> 64](x & MASK)

            def split(r: int) -> tuple[Any, int]:
                x = r * n
                return splits[x >> 64](x & MASK)  # type: ignore[misc]

            super().__init__(draw, split, bits, weighted)
            return

        def draw_weighted(r: int) -> Any:
            x = r * total
            return draws[bisect_right(cumulative, x >> 64)](x & MASK)

        def split_weighted(r: int) -> tuple[Any, int]:
            x = r * total
            return splits[bisect_right(cumulative, x >> 64)](x & MASK)  # type: ignore[misc]

        super().__init__(draw_weighted, split_weighted, bits, weighted)

    def size(self) -> int | None:
        sizes = {id(g): g.size() for g in self.gens}
        if any(s is None for s in sizes.values()):
            return None
        return sum(s for s in sizes.values() if s is not None)

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
        mapped: dict[int, Gen | None] = {}
        for gen in self.gens:
            if id(gen) not in mapped:
                mapped[id(gen)] = gen.leafwise(fn)
        if any(g is None for g in mapped.values()):
            return None
        return OneOf([mapped[id(g)] for g in self.gens], self.weights)  # type: ignore[misc]


def _union(parts: Iterable[set[str] | None]) -> set[str] | None:
    out: set[str] = set()
    for part in parts:
        if part is None:
            return None
        out |= part
    return out


class Template(Gen):
    """Literal text with Gens in between: the compiled form of one Faker format such
    as ``"{{first_name}} {{last_name}}"``.

    The parts are chained through the bits they are given while those last, then
    through ``mix(r + i * GAMMA)`` for the ``i``-th group of parts; a part without
    ``split`` has a fresh word to itself. Values are joined with one ``%`` format,
    which is cheaper than a ``join``.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[str | Gen]) -> None:
        self.parts = tuple(parts)
        gens = [p for p in self.parts if isinstance(p, Gen)]
        fmt = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in self.parts)
        weighted = any(g.weighted for g in gens)
        groups = part_groups(gens)
        if len(groups) == 1 and gens[0].split is not None:
            chained = _chain(fmt, groups[0])
            super().__init__(chained[0], chained[1], sum(g.bits for g in gens), weighted)
            return
        super().__init__(_grouped_draw(fmt, groups), weighted=weighted)

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


def part_groups(gens: Sequence[Gen]) -> list[list[Gen]]:
    """The parts in groups that each fit in one word's :data:`BUDGET`; a part without
    ``split`` makes a group of its own."""
    groups: list[list[Gen]] = []
    bits = float(FULL)
    for gen in gens:
        if gen.split is None or bits + gen.bits > BUDGET:
            groups.append([gen])
            bits = gen.bits
        else:
            groups[-1].append(gen)
            bits += gen.bits
    return groups


def _chain(fmt: str, gens: list[Gen]) -> tuple[Draw, Split]:
    """``draw`` and ``split`` of a template whose parts all fit in one word."""
    # Unrolled for the common shapes: a loop costs more than these parts.
    splits = tuple(g.split for g in gens if g.split is not None)
    assert len(splits) == len(gens)
    if len(gens) == 1:
        d0, s0 = gens[0].draw, splits[0]

        def split1(r: int) -> tuple[str, int]:
            v0, r = s0(r)
            return fmt % (v0,), r

        return (lambda r: fmt % (d0(r),)), split1
    if len(gens) == 2:
        s0, s1 = splits
        d1 = gens[1].draw

        def draw2(r: int) -> str:
            v0, r = s0(r)
            return fmt % (v0, d1(r))

        def split2(r: int) -> tuple[str, int]:
            v0, r = s0(r)
            v1, r = s1(r)
            return fmt % (v0, v1), r

        return draw2, split2

    def split_n(r: int) -> tuple[str, int]:
        values = []
        for s in splits:
            value, r = s(r)
            values.append(value)
        return fmt % tuple(values), r

    return (lambda r: split_n(r)[0]), split_n


def _grouped_draw(fmt: str, groups: list[list[Gen]]) -> Draw:
    """``draw`` of a template that needs more than one word."""
    # Each group: the splits of its chained parts, or () and the draw of its one part.
    plan: list[tuple[tuple[Split, ...], Draw]] = []
    for group in groups:
        splits = tuple(g.split for g in group if g.split is not None)
        plan.append((splits, group[0].draw))

    def draw(r: int) -> str:
        values: list[Any] = []
        word = r
        for g, (splits, whole) in enumerate(plan):
            if g:
                word = mix((r + g * GAMMA) & MASK)
            if not splits:
                values.append(whole(word))
                continue
            for s in splits:
                value, word = s(word)
                values.append(value)
        return fmt % tuple(values)

    return draw


def template(parts: Sequence[str | Gen]) -> Gen:
    """A :class:`Template` of ``parts`` (adjacent texts merged), or its only Gen, or a
    :class:`Const` when it has no Gen."""
    merged: list[str | Gen] = []
    for given in parts:
        part = given.value if isinstance(given, Const) and isinstance(given.value, str) else given
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


class Mapped(Gen):
    """A Gen's value passed through a function on each draw."""

    __slots__ = ("fn", "inner")

    def __init__(self, inner: Gen, fn: Callable[[Any], Any]) -> None:
        self.inner = inner
        self.fn = fn
        d, s = inner.draw, inner.split
        if s is None:
            super().__init__(lambda r: fn(d(r)), weighted=inner.weighted)
            return

        def split(r: int) -> tuple[Any, int]:
            value, r = s(r)
            return fn(value), r

        super().__init__(lambda r: fn(d(r)), split, inner.bits, inner.weighted)

    def size(self) -> int | None:
        values = self.values()
        return self.inner.size() if values is None else len(values)

    def values(self) -> list[Any] | None:
        values = self.inner.values()
        return None if values is None else list(dict.fromkeys(self.fn(v) for v in values))


class Func(Gen):
    """A Gen written by hand (dates, numbers, sentences), with what it knows of its
    space."""

    __slots__ = ("_pieces", "_size", "_values", "column")

    def __init__(
        self,
        draw: Draw,
        *,
        split: Split | None = None,
        bits: float = FULL,
        size: int | None = None,
        values: Callable[[], list[Any]] | None = None,
        pieces: set[str] | None = None,
        column: Callable[[int, int], list[Any]] | None = None,
        weighted: bool = False,
    ) -> None:
        self._size = size
        self._values = values
        self._pieces = pieces
        #: ``column(r, n)``: the values of ``n`` packed lanes of bits at once
        #: (:mod:`pyfactory.providers._column`), or None to draw lane by lane.
        self.column = column
        super().__init__(draw, split, bits, weighted)

    def size(self) -> int | None:
        return self._size

    def values(self) -> list[Any] | None:
        if self._values is None or self._size is None or self._size > LIMIT:
            return None
        return self._values()

    def pieces(self) -> set[str] | None:
        return self._pieces
