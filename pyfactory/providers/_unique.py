"""Unique values on the fast path: :class:`UniqueValues`, the memory behind
``fake(name, unique=True)``.

A draw for a key tries, in order, until it finds a value never given before (and that
the claim, if any, accepts):

1. the key's own value, the one it has without ``unique=True``;
2. the values of three sub-keys of the key (:func:`~pyfactory._stream.subkey`),
   drawn with uniform weights when the provider has weighted tables (names, whose
   popular entries are the first to be used up: the rare ones are then reached);
3. for a provider whose values can be told apart by added digits (emails, user
   names, domains, URLs), the value of a sub-key with digits added (``jdoe47@...``):
   two digits, then one more every three tries, so however many values are taken
   a few tries find a free one;
4. for a provider with a small space (a table such as ``country`` or ``job``, a range
   of numbers or of days, booleans), one of the values not given yet, picked with
   the key's bits from a Fenwick tree of what is left: one pick, never a retry loop;
5. otherwise (a large composite space: ``name``, ``address``, ``sentence``) more
   sub-keys, up to :data:`MAX_TRIES` in all.

When a small space has given all its values, or step 5 runs out of tries, the draw
raises :class:`~pyfactory.errors.FactoryError`, naming the provider and how many
values it has, and saying how to widen the space or to reset the unique values. When
the claim refused candidates (another process -- a pytest-xdist worker -- already
gave them), the error says how many: then the space is shared, not used up here, and
steps 3 and 5 give up after :data:`MAX_TRIES` candidates too.

Which value a draw gives depends only on the key and on the set of values given
before, so the same keys drawn in the same order give the same values, and a
:meth:`~UniqueValues.restore` of a snapshot draws again what was drawn after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from pyfactory._stream import subkey
from pyfactory.errors import FactoryError
from pyfactory.providers._compile import FastProvider

__all__ = ["MAX_TRIES", "UniqueValues"]

#: Draws of a key (its own value, then sub-keys) tried before digits or a pick
#: among the values left.
RETRIES = 4
#: Tries in all before a draw of a large space without digits gives up.
MAX_TRIES = 64
#: Width of the digits a widened value starts with.
_FIRST_WIDTH = 2


def _at_local_part(value: str, digits: str) -> str:
    local, at, domain = value.rpartition("@")
    return f"{local}{digits}{at}{domain}" if at else value + digits


def _appended(value: str, digits: str) -> str:
    return value + digits


def _before_tld(host: str, digits: str) -> str:
    name, dot, tld = host.rpartition(".")
    return f"{name}{digits}{dot}{tld}" if dot else host + digits


def _in_url_host(value: str, digits: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep:
        return value + digits
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{_before_tld(host, digits)}{slash}{path}"


#: How a provider's value takes digits to become new: by provider name.
WIDENERS: dict[str, Callable[[str, str], str]] = {
    **dict.fromkeys(
        (
            "email",
            "safe_email",
            "free_email",
            "company_email",
            "ascii_email",
            "ascii_safe_email",
            "ascii_free_email",
            "ascii_company_email",
        ),
        _at_local_part,
    ),
    "user_name": _appended,
    "domain_word": _appended,
    "domain_name": _before_tld,
    "url": _in_url_host,
}


def _hashable(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:  # a list of words: its text stands for it
        return repr(value)
    return value  # type: ignore[no-any-return]


class _Remaining:
    """The values of a small space not given yet, in the space's order, with the
    k-th found in O(log n): a Fenwick tree of counts over the listed values."""

    __slots__ = ("_index", "_size", "_top", "_tree", "_values", "left")

    def __init__(self, values: list[Any], seen: set[Hashable]) -> None:
        self._values = values
        self._index = {_hashable(v): i for i, v in enumerate(values)}
        n = len(values)
        tree = [0] * (n + 1)
        left = 0
        for i, value in enumerate(values, 1):
            if _hashable(value) not in seen:
                tree[i] += 1
                left += 1
            parent = i + (i & -i)
            if parent <= n:
                tree[parent] += tree[i]
        self._tree = tree
        self._size = n
        self._top = 1 << (n.bit_length() - 1) if n else 0
        self.left = left

    def remove(self, value: Hashable) -> None:
        i = self._index.get(value)
        if i is None:
            return
        i += 1
        tree, n = self._tree, self._size
        while i <= n:
            tree[i] -= 1
            i += i & -i
        self.left -= 1

    def pick(self, bits: int) -> Any:
        """The ``(bits * left) >> 64``-th value left (``left`` > 0)."""
        k = (bits * self.left) >> 64
        position = 0
        step = self._top
        tree, n = self._tree, self._size
        while step:
            following = position + step
            if following <= n and tree[following] <= k:
                position = following
                k -= tree[following]
            step >>= 1
        return self._values[position]


class UniqueValues:
    """Values of one fast provider, never the same twice: see the module docstring.

    Args:
        provider: The compiled provider to draw from.
        label: What the values are for, in messages, such as ``"fake('email')"`` or
            ``"UserFactory.basic → email"``.

    .. versionadded:: 1.0
    """

    def __init__(self, provider: FastProvider, label: str) -> None:
        self.provider = provider
        self.label = label
        self._seen: set[Hashable] = set()
        self._lock = threading.Lock()
        self._widen = WIDENERS.get(provider.name)
        self._remaining: _Remaining | None = None
        self._listed: list[Any] | bool | None = False  # False: not asked yet
        #: Candidates the claim refused: in all (since the last clear), in this draw.
        self._claimed = 0
        self._refused = 0

    def __len__(self) -> int:
        """How many values were given (or refused by the claim)."""
        return len(self._seen)

    def draw(self, key: int, claim: Callable[[Any], bool] | None = None) -> Any:
        """A value never given before, from ``key``.

        Args:
            key: The value's 64-bit key.
            claim: Called with each new candidate; a candidate it refuses (another
                process has it) is skipped, and counted as given.

        Raises:
            FactoryError: When the provider's space has no value left.
        """
        with self._lock:
            return self._draw(key, claim)

    def _draw(self, key: int, claim: Callable[[Any], bool] | None) -> Any:
        provider = self.provider
        self._refused = 0
        # The value the key has without unique=True.
        value = provider(key)
        if self._take(value, claim):
            return value
        # Other draws of the key; uniform where the provider has weights, as its
        # popular entries are the first to be used up.
        other = provider.uniform() or provider
        draw = other.draw
        for attempt in range(1, RETRIES):
            value = draw(subkey(key, attempt))
            if self._take(value, claim):
                return value
        if self._widen is not None:
            return self._widened(key, draw, claim)
        values = self._values()
        if values is not None:
            return self._from_remaining(key, values, claim)
        for attempt in range(RETRIES, MAX_TRIES):
            value = draw(subkey(key, attempt))
            if self._take(value, claim):
                return value
        raise self._gave_up(MAX_TRIES)

    def _gave_up(self, tries: int) -> FactoryError:
        """The error of a draw whose last ``tries`` candidates were all taken."""
        name = self.provider.name
        refused = self._refused
        if not refused:
            return FactoryError(
                f"{self.label}: {tries} draws in a row of {name!r} repeated one of the "
                f"{len(self._seen)} values already given; its values may be used up: widen "
                "its space (other arguments, another provider) or reset the unique values "
                "(Factory.reset_unique())"
            )
        if refused >= tries:
            what = f"{tries} values in a row of {name!r} were already claimed by another process"
        else:
            what = (
                f"{tries} values in a row of {name!r} were taken: {refused} already claimed by "
                f"another process, the other {tries - refused} already given here"
            )
        return FactoryError(
            f"{self.label}: {what} (the processes that share unique values, such as "
            "pytest-xdist workers, claim each one: see set_unique_claim()); widen its space "
            "(other arguments, another provider) or reset the unique values "
            "(Factory.reset_unique())"
        )

    def _take(self, value: Any, claim: Callable[[Any], bool] | None) -> bool:
        """Record ``value`` as given if it is new and the claim accepts it; a value
        the claim refuses is recorded too (another process has it)."""
        hashable = value if value.__class__ is str else _hashable(value)
        if hashable in self._seen:
            return False
        self._seen.add(hashable)
        if self._remaining is not None:
            self._remaining.remove(hashable)
        if claim is None or claim(value):
            return True
        self._refused += 1
        self._claimed += 1
        return False

    def _widened(
        self, key: int, draw: Callable[[int], Any], claim: Callable[[Any], bool] | None
    ) -> Any:
        widen = self._widen
        assert widen is not None
        for attempt in range(MAX_TRIES):
            width = _FIRST_WIDTH + attempt // 3
            base = draw(subkey(key, RETRIES + attempt))
            bits = subkey(key, RETRIES + MAX_TRIES + attempt)
            value = widen(base, str((bits * 10**width) >> 64).zfill(width))
            if self._take(value, claim):
                return value
        # Digits grow by one every three tries: MAX_TRIES of them all given here cannot
        # happen with fewer than 10**20 values given, so a claim refused them.
        raise self._gave_up(RETRIES + MAX_TRIES)

    def _values(self) -> list[Any] | None:
        if self._listed is False:
            self._listed = self.provider.gen.values()
        return self._listed if isinstance(self._listed, list) else None

    def _from_remaining(
        self, key: int, values: list[Any], claim: Callable[[Any], bool] | None
    ) -> Any:
        if self._remaining is None:
            self._remaining = _Remaining(values, self._seen)
        remaining = self._remaining
        attempt = 0
        while remaining.left:
            value = remaining.pick(subkey(key, RETRIES + attempt))
            attempt += 1
            if self._take(value, claim):
                return value
        claimed = ""
        if self._claimed:
            claimed = (
                f" ({self._claimed} of them already claimed by another process: see "
                "set_unique_claim())"
            )
        raise FactoryError(
            f"{self.label}: all {len(values)} values of {self.provider.name!r} are used "
            f"(unique=True){claimed}; widen its space (other arguments such as a larger "
            "range, or another provider) or reset the unique values (Factory.reset_unique())"
        )

    def clear(self) -> None:
        """Forget every value given."""
        with self._lock:
            self._seen.clear()
            self._remaining = None
            self._claimed = 0

    def snapshot(self) -> frozenset[Hashable]:
        """The values given so far, for :meth:`restore`."""
        with self._lock:
            return frozenset(self._seen)

    def restore(self, snapshot: frozenset[Hashable]) -> None:
        """Make the values of ``snapshot`` (from :meth:`snapshot`) the ones given."""
        with self._lock:
            self._seen = set(snapshot)
            self._remaining = None
            self._claimed = 0  # which of them a claim refused is not kept
