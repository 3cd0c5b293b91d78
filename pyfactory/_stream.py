"""Counter-based random streams: a value's draws depend on its address, nothing else.

A seeded factory gives every value an address -- (seed, factory class, schema, field
path, object index) -- and turns it into a 64-bit *key*. Everything random about that
value is drawn from the key alone, so adding, removing or reordering other fields, or
making other objects in between, never moves it: there is no shared sequence for one
field's draws to shift.

The numbers come from SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
number generators", 2014): draw ``i`` of a key is ``mix(key + i * GAMMA)``. It is a
hash of a counter, so any draw of any value is computed directly, with no state to
carry or seed. ``random.Random`` would need seeding per value (about 4.5 us, more than
most fast values take to make), and NumPy's Philox is not a dependency; SplitMix64 is
three lines of integer arithmetic and passes BigCrush, which is plenty for test data.

Keys of addresses are made with BLAKE2b rather than ``hash()``, which is salted per
process: a seeded factory must give the same values in every process and on every
Python version.
"""

from __future__ import annotations

import hashlib
import random as _random_module
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = [
    "GAMMA",
    "MIX_1",
    "MIX_2",
    "TWO_TO_MINUS_53",
    "Draws",
    "SourcedDraws",
    "address_key",
    "key_drawing",
    "mix",
    "name_key",
    "subkey",
    "unmix",
    "value_key",
    "value_keys",
]

T = TypeVar("T")

MASK = (1 << 64) - 1
#: The golden-ratio increment of SplitMix64: consecutive counters land far apart.
GAMMA = 0x9E3779B97F4A7C15
#: SplitMix64's two multipliers, for the copies of :func:`mix` written inline in loops
#: where a call would cost a third of the work (the fast providers).
MIX_1 = 0xBF58476D1CE4E5B9
MIX_2 = 0x94D049BB133111EB
#: 64 random bits to a float in [0, 1): the top 53 bits times this.
TWO_TO_MINUS_53 = 2.0**-53


def mix(z: int) -> int:
    """SplitMix64's finalizer: a 64-bit integer scrambled into another, bijectively."""
    z = ((z ^ (z >> 30)) * MIX_1) & MASK
    z = ((z ^ (z >> 27)) * MIX_2) & MASK
    return z ^ (z >> 31)


#: The inverses of MIX_1 and MIX_2 modulo 2**64, for :func:`unmix`.
_UNMIX_1 = pow(MIX_1, -1, 1 << 64)
_UNMIX_2 = pow(MIX_2, -1, 1 << 64)


def _unshift(z: int, shift: int) -> int:
    """The ``x`` of ``z == x ^ (x >> shift)``: each pass fixes ``shift`` more bits."""
    x = z
    for _ in range(64 // shift):
        x = z ^ (x >> shift)
    return x


def unmix(z: int) -> int:
    """The inverse of :func:`mix`: ``unmix(mix(x)) == x`` for every 64-bit ``x``."""
    z = (_unshift(z & MASK, 31) * _UNMIX_2) & MASK
    z = (_unshift(z, 27) * _UNMIX_1) & MASK
    return _unshift(z, 30)


def key_drawing(word: int) -> int:
    """The key whose first draw is ``word``: ``mix(key_drawing(w) + GAMMA) == w``.

    The first draw of a key is what the fast providers make a value from
    (``fn(key)`` is ``fn.draw(mix(key + GAMMA))``), what ``Draws(key)`` gives first and
    what a :class:`~pyfactory.providers.KeyedFaker`'s first provider call uses. So a
    value whose key is made here from a word chosen elsewhere (a Hypothesis draw, see
    :class:`SourcedDraws`) is that word's value, unscrambled: the word 0 gives the
    first entry of a table, the low bound of a range.
    """
    return (unmix(word) - GAMMA) & MASK


def subkey(key: int, index: int) -> int:
    """The key of the ``index``-th part of what ``key`` addresses (an object of a factory,
    an element of a list): a different, independent stream for each index."""
    return mix((key + (index + 1) * GAMMA) & MASK)


def address_key(*parts: str | int | None) -> int:
    """A 64-bit key for an address such as ``(seed, "app.UserFactory", "basic",
    "profile.avatar")``, the same in every process."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


_name_keys: dict[str | int, int] = {}


def name_key(name: str | int) -> int:
    """:func:`address_key` of one name (a field, an index), cached: a value's key is
    its object's key mixed with the names on its path, each looked up here."""
    key = _name_keys.get(name)
    if key is None:
        if len(_name_keys) > 100_000:  # names come from schemas; bound it all the same
            _name_keys.clear()
        key = _name_keys[name] = address_key(name)
    return key


def value_key(root: int, name: str, inner: tuple[str | int, ...] = ()) -> int:
    """The key of field ``name`` of the object whose key is ``root`` (and of the part
    ``inner`` that the field holds): an object's values are made from these, one at a
    time by the resolver or a column at a time for a batch."""
    key = mix(root ^ name_key(name))
    for part in inner:
        key = mix(key ^ name_key(part))
    return key


def value_keys(roots: Sequence[int], name: str) -> list[int]:
    """:func:`value_key` of field ``name`` for each object key in ``roots``: a batch's
    column of keys, with :func:`mix` written out in the loop: the calls of
    :func:`value_key` and :func:`mix` per key cost a third of the time."""
    named = name_key(name)
    keys: list[int] = []
    append = keys.append
    for root in roots:
        z = root ^ named
        z = ((z ^ (z >> 30)) * MIX_1) & MASK
        z = ((z ^ (z >> 27)) * MIX_2) & MASK
        append(z ^ (z >> 31))
    return keys


class Draws(_random_module.Random):
    """The draws of one value: a :class:`random.Random` whose numbers come from a key.

    It is a real ``Random`` (``choice``, ``randint``, ``shuffle``, ``gauss``, ... all
    work), so custom fields and Faker can be handed one; only its core generator is
    replaced. Seeding it (``seed(key)``) is one assignment, not the Mersenne Twister's
    624-word set-up.
    """

    # Random is a C type with a Mersenne Twister state; this subclass keeps the state
    # unused and draws from (key, counter) instead.
    def __init__(self, key: int = 0) -> None:
        self._key = key & MASK
        self._count = 0
        self.gauss_next: float | None = None  # what Random.gauss keeps between calls

    def seed(self, a: Any = None, version: int = 2) -> None:
        """Start the draws of key ``a`` over (an int; ``None`` picks a random key)."""
        if a is None:
            a = _random_module.getrandbits(64)
        elif not isinstance(a, int):
            a = address_key(repr(a))
        self._key = a & MASK
        self._count = 0
        self.gauss_next = None

    def bits64(self) -> int:
        """The next 64 random bits."""
        self._count += 1
        return mix((self._key + self._count * GAMMA) & MASK)

    def random(self) -> float:
        """The next float in [0, 1)."""
        return (self.bits64() >> 11) * TWO_TO_MINUS_53

    def getrandbits(self, k: int) -> int:
        """``k`` random bits, as :meth:`random.Random.getrandbits`."""
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        value = 0
        filled = 0
        while filled < k:
            value = (value << 64) | self.bits64()
            filled += 64
        return value >> (filled - k)

    def below(self, n: int) -> int:
        """A number in ``range(n)`` (``n`` > 0), with one draw: Lemire's multiply-shift,
        whose bias is at most n / 2**64."""
        return (self.bits64() * n) >> 64

    def pick(self, items: Sequence[T]) -> T:
        """One of ``items``, each as likely."""
        return items[(self.bits64() * len(items)) >> 64]

    def getstate(self) -> tuple[int, ...]:
        return (self._key, self._count)

    def setstate(self, state: tuple[int, ...]) -> None:
        self._key, self._count = state

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._key, self._count))


class SourcedDraws(Draws):
    """Draws whose every 64-bit word is asked of ``source``, one call a word: the random
    stream of a Hypothesis strategy (:mod:`pyfactory._strategy`), where ``source``
    draws from the test case's choices.

    Nothing here scrambles a word: ``below(n)``, ``randint``, ``choice``, ``random()``
    and the top bits of ``getrandbits`` grow with the word, so a source that shrinks
    its words toward 0 makes values shrink toward the first choice, the low bound and
    0.0. :meth:`key` hands out keys whose first draw is a word of the source (see
    :func:`key_drawing`), for the code that makes a value from a key.

    Seeding it does nothing (a Faker given it as its ``random`` seeds its stream on
    ``seed_instance``): its words are the source's, whatever the seed.
    """

    def __init__(self, source: Callable[[], int] | None = None) -> None:
        super().__init__(0)
        self.source: Callable[[], int] = source or _no_source

    def detach(self) -> None:
        """Forget the source: a use after its test case ended fails loudly."""
        self.source = _no_source

    def seed(self, a: Any = None, version: int = 2) -> None:
        """Ignored: the words are the source's."""

    def bits64(self) -> int:
        """The source's next word."""
        return self.source() & MASK

    def key(self) -> int:
        """A fresh key whose first draw is the source's next word."""
        return key_drawing(self.source() & MASK)

    def _randbelow(self, n: int) -> int:
        # random.Random's randint, randrange, choice and shuffle all come here: one word,
        # multiply-shift, so the number grows with the word (a rejection loop over
        # getrandbits would jump to another word on a rejected one).
        if n <= 1 << 64:
            return (self.bits64() * n) >> 64
        return (self.getrandbits(n.bit_length() + 64) * n) >> (n.bit_length() + 64)

    def getstate(self) -> tuple[int, ...]:
        return ()

    def setstate(self, state: tuple[int, ...]) -> None:
        """Ignored: the words are the source's."""

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("SourcedDraws draws from a live source and cannot be pickled")


def _no_source() -> int:
    raise RuntimeError("these draws have no source: they are only used inside a strategy")


def _restore(key: int, count: int) -> Draws:
    draws = Draws(key)
    draws._count = count
    return draws
