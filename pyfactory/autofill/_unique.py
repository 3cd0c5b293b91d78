"""Uniqueness: :class:`UniqueTracker`, which wraps the generator of a unique
field so that it never gives the same value twice in a run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyfactory.autofill._common import Generator
from pyfactory.autofill._text import _Alphanumeric
from pyfactory.errors import FactoryError

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.introspect import FieldInfo


#: Draws in a row that may repeat a seen value before a unique field gives up.
MAX_UNIQUE_TRIES = 100

#: ``claim(namespace, value) -> bool``: whether this process may give ``value``.
Claim = Callable[[str, Any], bool]

_claim: Claim | None = None


def set_unique_claim(claim: Claim | None) -> Claim | None:
    """Make every unique value pass ``claim`` before it is given; ``None`` stops it.

    A unique auto-filled field (:class:`UniqueTracker`) and ``fake(...,
    unique=True)`` never repeat a value of their own process; that is all they do
    by default. With a claim, each value new to the process is also offered to
    ``claim(namespace, value)``, and one it refuses is drawn again: a claim backed
    by a store that several processes share (the pytest plugin uses an SQLite file
    for the workers of pytest-xdist) keeps them from giving the same value. The
    namespace names the column (``"User.email"``) or the Faker call
    (``"fake.email()[]"``); the value is hashable. A claim should accept again a
    value that it gave to this same process: after ``Factory.reset_unique()`` the
    process may give its own values again.

    Returns the claim it replaces, to put back later.

    .. versionadded:: 0.1
    """
    global _claim
    previous, _claim = _claim, claim
    return previous


def unique_claim() -> Claim | None:
    """The claim that :func:`set_unique_claim` set, or None."""
    return _claim


def claim_unique(namespace: str, value: Any) -> bool:
    """Whether ``value`` may be given: always, unless :func:`set_unique_claim` set a
    claim and that refuses it (``None`` always may: ``NULL`` repeats in SQL)."""
    claim = _claim
    return claim is None or value is None or claim(namespace, _hashable(value))


class UniqueTracker:
    """A generator that never gives the same value twice: for unique fields.

    It calls the generator it wraps again whenever a value was already given in
    this run (``None`` aside: SQL lets ``NULL`` repeat in a unique column). There
    is one per factory class and field, and the trackers of one model's field share
    what they gave (:meth:`share`); :meth:`reset` forgets the values given. A value
    new to it is also offered to the claim of :func:`set_unique_claim`, when one is
    set, under the namespace ``field``: so processes that share a database do not
    give the same value either.

    Args:
        generator: The generator to draw from.
        field: The field's name for messages, such as ``"User.email"``.
        max_tries: How many draws in a row may repeat before it gives up.

    Raises:
        FactoryError: When ``max_tries`` draws in a row were all taken; it names
            the field and the number of values given so far.

    .. versionadded:: 0.1
    """

    __slots__ = ("_lock", "_seen", "field", "generator", "max_tries")

    def __init__(self, generator: Generator, field: str, *, max_tries: int = MAX_UNIQUE_TRIES):
        self.generator = generator
        self.field = field
        self.max_tries = max_tries
        self._seen: set[Any] = set()
        self._lock = threading.Lock()

    def __call__(self, faker: Faker, field: FieldInfo) -> Any:
        refused = 0
        for _ in range(self.max_tries):
            value = self.generator(faker, field)
            if value is None:
                return value
            taken = self._take(value)
            if taken:
                return value
            refused += taken is None
        raise self._exhausted(self.max_tries, refused)

    def _take(self, value: Any) -> bool | None:
        """Record ``value`` as given, if it is new and the claim (if any) accepts it:
        True then, False for a value already given, None for one the claim refuses
        (it stays recorded: another process has it)."""
        key = _hashable(value)
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
        claim = _claim
        return True if claim is None or claim(self.field, key) else None

    def _exhausted(self, tries: int, refused: int) -> FactoryError:
        """The error of a call whose last ``tries`` values were all taken, ``refused``
        of them by the claim."""
        fix = (
            "widen its constraints, map it with _name_mappings, or reset the factory's "
            "unique values"
        )
        if not refused:
            return FactoryError(
                f"{self.field} is unique, but {tries} values in a row repeated one of "
                f"the {len(self._seen)} values already given in this run; {fix}"
            )
        if refused >= tries:
            what = f"{tries} values in a row were already claimed by another process"
        else:
            what = (
                f"{tries} values in a row were taken: {refused} already claimed by another "
                f"process, the other {tries - refused} already given in this run"
            )
        return FactoryError(
            f"{self.field} is unique, but {what} (the processes that share unique values, "
            f"such as pytest-xdist workers, claim each one: see set_unique_claim()); {fix}"
        )

    def share(self, other: UniqueTracker) -> None:
        """Keep one record of given values with ``other``: the trackers of two
        factories of one model fill one column, which must not repeat across them.
        :meth:`reset` on either then forgets the values of both."""
        with self._lock:
            self._seen = other._seen
            self._lock = other._lock

    @property
    def seen(self) -> int:
        """How many distinct values it has given since it was made or reset."""
        return len(self._seen)

    def reset(self) -> None:
        """Forget the values given, so they may come again."""
        self.restore(frozenset())

    def snapshot(self) -> frozenset[Any]:
        """The values given so far (shared ones included: see :meth:`share`)."""
        with self._lock:
            return frozenset(self._seen)

    def restore(self, values: frozenset[Any]) -> None:
        """Make ``values`` (from :meth:`snapshot`) the values given so far. The record
        is changed in place, so the trackers that share it see the same."""
        with self._lock:
            self._seen.clear()
            self._seen.update(values)

    def __repr__(self) -> str:
        return f"UniqueTracker({self.field!r}, seen={len(self._seen)})"


class _FallbackTracker(UniqueTracker):
    """A :class:`UniqueTracker` for text of a bounded length, whose generator (Faker
    words) runs out long before the strings of its lengths do.

    Each value is first drawn as the generator gives it; once that repeats, the rest
    of the call's draws are random letters and digits within the field's lengths
    (``fallback``), and when those repeat too, a free one of them is searched for. So
    the field gives up only when every such string is taken.
    """

    __slots__ = ("fallback",)

    def __init__(
        self,
        generator: Generator,
        field: str,
        fallback: _Alphanumeric,
        *,
        max_tries: int = MAX_UNIQUE_TRIES,
    ) -> None:
        super().__init__(generator, field, max_tries=max_tries)
        self.fallback = fallback

    def __call__(self, faker: Faker, field: FieldInfo) -> Any:
        draw: Generator = self.generator
        refused = 0
        for _ in range(self.max_tries):
            value = draw(faker, field)
            if value is None:
                return value
            taken = self._take(value)
            if taken:
                return value
            refused += taken is None
            draw = self.fallback
        tries = self.max_tries
        for _ in range(self.max_tries):
            with self._lock:
                value = self.fallback.free(faker, self._seen)
            if value is None:
                break
            tries += 1
            taken = self._take(value)
            if taken:
                return value
            refused += taken is None
        raise self._exhausted(tries, refused)


class UniqueCombinations:
    """The combinations a unique-together group of auto-filled fields gave in this
    run: one per model and group, kept like a :class:`UniqueTracker`'s values.

    Args:
        where: The group, for messages, such as ``"Seat.(row, number)"``.
    """

    __slots__ = ("lock", "seen", "where")

    def __init__(self, where: str) -> None:
        self.where = where
        self.seen: set[tuple[Any, ...]] = set()
        self.lock = threading.Lock()

    def claim(self, key: tuple[Any, ...]) -> bool | None:
        """Take ``key`` if no row had it yet (nor, under pytest-xdist, another
        worker): True then, False for a combination already given here, None for one
        the claim refuses (it stays recorded: another process has it)."""
        with self.lock:
            if key in self.seen:
                return False
            self.seen.add(key)
        return True if claim_unique(self.where, key) else None

    def exhausted(self, name: str, tries: int, refused: int) -> FactoryError:
        """The error of a row whose last ``tries`` values of the field ``name`` all
        made a combination taken, ``refused`` of them by the claim."""
        if not refused:
            what = (
                f"{tries} values of {name} in a row repeated a combination already given "
                f"in this run ({len(self.seen)} so far)"
            )
        else:
            if refused >= tries:
                taken = "already claimed by another process"
            else:
                taken = (
                    f"already taken: {refused} claimed by another process, the other "
                    f"{tries - refused} given in this run"
                )
            what = (
                f"{tries} values of {name} in a row made combinations {taken} (the "
                "processes that share unique values, such as pytest-xdist workers, claim "
                "each one: see set_unique_claim())"
            )
        return FactoryError(
            f"{self.where} is unique together, but {what}; widen its constraints, map it "
            "with _name_mappings, or reset the factory's unique values"
        )

    def reset(self) -> None:
        """Forget the combinations given."""
        self.restore(frozenset())

    def snapshot(self) -> frozenset[Any]:
        """The combinations given so far."""
        with self.lock:
            return frozenset(self.seen)

    def restore(self, seen: frozenset[Any]) -> None:
        """Make ``seen`` (from :meth:`snapshot`) the combinations given so far."""
        with self.lock:
            self.seen.clear()
            self.seen.update(seen)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:  # a list or a dict: its text stands for it
        return repr(value)
    return value
