"""A factory's context (what builders need) and its source of randomness."""

from __future__ import annotations

import random as _random_module
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from pyfactory._stream import SourcedDraws, address_key, subkey
from pyfactory.errors import MissingContextError
from pyfactory.providers._column import packed, subkey_lanes

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.providers import FastProvider, UniqueValues

__all__ = [
    "Context",
    "DrawnRandomness",
    "Randomness",
    "default_faker",
    "default_faker_from",
    "known_fakers",
    "remember_faker",
]


class Context(Mapping[str, Any]):
    """The read-only keyword arguments a factory was made with, minus ``faker`` and ``seed``.

    Builders read what they need from it (``context["session"]``); a builder that
    needs a key the factory was not given calls :meth:`require`, which raises
    :class:`~pyfactory.MissingContextError` showing the call that fixes it.

    .. versionadded:: 0.1
    """

    __slots__ = ("_data", "_reads", "factory", "owner")

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        owner: str = "Factory",
        factory: str | None = None,
    ) -> None:
        self._data: dict[str, Any] = dict(data) if data else {}
        #: The name of the factory class that was made with this context: the call to
        #: fix when a key is missing.
        self.owner = owner
        #: The name of the factory whose builder receives the context (a child's, when
        #: the context came down through an association).
        self.factory = factory or owner
        #: The keys read so far, when the factory watches them (see
        #: Factory._pf_check_given); None otherwise.
        self._reads: set[str] | None = None

    def for_factory(self, name: str) -> Context:
        """The same keys, handed to the builder of factory ``name`` (a child)."""
        context = Context(None, self.owner, name)
        context._data = self._data
        return context

    def __getitem__(self, key: str) -> Any:
        reads = self._reads
        if reads is not None:
            reads.add(key)
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Context({self._data!r})"

    def require(self, key: str) -> Any:
        """Return ``self[key]``, or raise :class:`~pyfactory.MissingContextError` naming it."""
        try:
            return self[key]
        except KeyError:
            raise MissingContextError(key, self.owner) from None

    def with_defaults(self, defaults: Mapping[str, Any], owner: str | None = None) -> Context:
        """A new context with this one's keys, and ``defaults`` for the keys it lacks."""
        return Context({**defaults, **self._data}, owner or self.owner)


_default_faker: Faker | None = None

#: Held while a Faker (or a random stream) is made on first use: threads that ask for
#: it together would otherwise each make one, and two Fakers of one seed give the same
#: "unique" values. Taken only when the object is missing, so using it costs nothing.
_making = threading.Lock()

#: Every Faker that pyfactory has handed out, so ``reset_unique()`` reaches them all;
#: read and added to under ``_known_lock`` (a WeakSet copied while another thread adds
#: to it raises "Set changed size during iteration").
_known: weakref.WeakSet[Faker] = weakref.WeakSet()
_known_lock = threading.Lock()


def remember_faker(faker: Faker) -> None:
    """Count ``faker`` among the Fakers that :func:`known_fakers` lists."""
    with _known_lock:
        _known.add(faker)


def known_fakers() -> list[Faker]:
    """The Fakers pyfactory has handed out that are still alive, safe to call from any
    thread while others make Fakers."""
    with _known_lock:
        return list(_known)


#: What ``fake(..., unique=True)`` has handed out, by Faker: see :func:`unique_snapshot`.
FakerMemory = Mapping["Faker", dict[Any, Any]]

#: Marks the fast providers' memories among a Faker's in a snapshot.
_FAST = object()


#: The memory of ``fake(..., unique=True)`` on the fast path, per Faker and call.
_fast_unique: weakref.WeakKeyDictionary[Faker, dict[str, UniqueValues]] = (
    weakref.WeakKeyDictionary()
)
_fast_lock = threading.Lock()


def unique_values(faker: Faker, provider: FastProvider, label: str) -> UniqueValues:
    """The values that ``fake(..., unique=True)`` (the call ``label``) has handed out
    through ``faker``'s fast ``provider``; reset with the Faker's own unique proxy."""
    memory = _fast_unique.get(faker)
    values = memory.get(label) if memory is not None else None
    if values is None:
        from pyfactory.providers import UniqueValues

        with _fast_lock:
            memory = _fast_unique.setdefault(faker, {})
            values = memory.get(label)
            if values is None:  # not made by another thread while this one waited
                values = memory[label] = UniqueValues(provider, label)
    return values


def unique_clear() -> None:
    """Forget what every Faker has handed out under ``fake(..., unique=True)``."""
    for faker in known_fakers():
        faker.unique.clear()
    with _fast_lock:
        memories = list(_fast_unique.values())
    for memory in memories:
        for values in memory.values():
            values.clear()


def unique_forget(faker: Faker) -> None:
    """Forget what ``faker`` alone has handed out under ``fake(..., unique=True)``."""
    faker.unique.clear()
    with _fast_lock:
        memory = list(_fast_unique.get(faker, {}).values())
    for values in memory:
        values.clear()


def unique_snapshot() -> FakerMemory:
    """What every known Faker's unique proxy has handed out so far.

    Faker offers no call to read it but the proxy's pickled state, whose ``_seen``
    maps each call (provider, arguments) to the values it gave.
    """
    memory: weakref.WeakKeyDictionary[Faker, dict[Any, frozenset[Any]]] = (
        weakref.WeakKeyDictionary()
    )
    for faker in known_fakers():
        seen = faker.unique.__getstate__()["_seen"]
        memory[faker] = {call: frozenset(values) for call, values in seen.items()}
        for label, values in _fast_unique.get(faker, {}).items():
            memory[faker][(_FAST, label)] = values.snapshot()
    return memory


def unique_restore(memory: FakerMemory) -> None:
    """Make what ``memory`` (from :func:`unique_snapshot`) holds the values handed out;
    a Faker that ``memory`` lacks (made since) has handed out none."""
    for faker in known_fakers():
        kept = memory.get(faker) or {}
        seen = {call: set(values) for call, values in kept.items() if call[0] is not _FAST}
        faker.unique.__setstate__({"_seen": seen})
        for label, values in _fast_unique.get(faker, {}).items():
            snapshot = kept.get((_FAST, label))
            if snapshot is None:
                values.clear()
            else:
                values.restore(snapshot)


#: What stands in for the process-wide Faker in this context; see default_faker_from().
_default_source: ContextVar[Callable[[], Faker] | None] = ContextVar(
    "pyfactory_default_faker", default=None
)


def default_faker(locale: str | None = None) -> Faker:
    """The Faker shared by factories made without ``faker`` or ``seed``; of ``locale``
    for factories whose class names one (``_faker_locale``).

    Inside :func:`default_faker_from`, the one its source gives; otherwise the
    process-wide one, created on first use so that ``import pyfactory`` does not
    import Faker. Seeding that one (``Faker.seed(42)``) makes those factories
    reproducible too. A locale's Faker follows the default one: see :func:`in_locale`.
    """
    source = _default_source.get()
    if source is not None:
        if locale is not None:
            of_locale = getattr(source, "in_locale", None)
            return of_locale(locale) if of_locale is not None else in_locale(source(), locale)
        return source()
    faker = _default_faker
    if faker is None:
        faker = _make_default_faker()
    return faker if locale is None else in_locale(faker, locale)


#: The Faker of each locale that follows a default Faker: see in_locale().
_of_locale: weakref.WeakKeyDictionary[Faker, dict[str, Faker]] = weakref.WeakKeyDictionary()


def in_locale(base: Faker, locale: str) -> Faker:
    """The Faker of ``locale`` that stands beside the default Faker ``base``: made on
    first use and seeded from ``base``'s stream then, so a seeded ``base`` makes it
    reproducible too."""
    made = _of_locale.get(base)
    found = made.get(locale) if made is not None else None
    if found is None:
        with _making:
            made = _of_locale.setdefault(base, {})
            found = made.get(locale)
            if found is None:
                found = made[locale] = new_faker(locale, _stream_of(base).getrandbits(64))
    return found


def new_faker(locale: str | None, seed: int | None) -> Faker:
    """A new Faker of ``locale`` (Faker's default when None), seeded with ``seed``."""
    from faker import Faker

    faker = Faker(locale)
    if seed is not None:
        faker.seed_instance(seed)
    remember_faker(faker)
    return faker


def _stream_of(faker: Faker) -> _random_module.Random:
    try:
        stream: _random_module.Random = faker.random
    except NotImplementedError:  # a Faker of several locales: one stream per locale
        stream = faker[faker.locales[0]].random
    return stream


def _make_default_faker() -> Faker:
    global _default_faker
    with _making:
        if _default_faker is None:  # another thread may have made it while this one waited
            from faker import Faker

            faker = Faker()
            remember_faker(faker)
            _default_faker = faker
        return _default_faker


@contextmanager
def default_faker_from(source: Callable[[], Faker]) -> Iterator[None]:
    """Give factories made without ``faker`` or ``seed`` the Faker that ``source()`` returns.

    Inside the block, and in the tasks started from it (it is a
    :class:`~contextvars.ContextVar`, so other threads keep the process-wide Faker),
    every such factory calls ``source()`` each time it needs its Faker -- whenever
    the factory was made. ``source`` should return the same Faker for the whole
    block, so that those factories draw from one stream, as they do from the
    process-wide Faker: a seeded one makes all of them reproducible. Factories made
    with a ``faker`` or a ``seed`` keep theirs. Blocks nest; the old source is back
    when one ends.

    The pytest plugin wraps each test in one, with a Faker seeded from the test's
    seed (:doc:`pytest-seeds`).

    .. versionadded:: 0.1
    """
    token = _default_source.set(source)
    try:
        yield
    finally:
        _default_source.reset(token)


class Randomness:
    """The Faker and the random stream of a factory, shared with the children it makes.

    With a seed, every value's draws come from a key of its own (:meth:`root`, then
    mixed with the value's field path: see :mod:`pyfactory._stream`), so one seed fixes
    every generated value and no value moves when others are added or made. Without
    one, each object's key is drawn from the Faker's stream: random, yet reproducible
    when that Faker is seeded (``Faker.seed(42)``, or the pytest plugin's seeds). The
    Faker is made on first use: a factory of constant values never imports Faker.
    """

    __slots__ = (
        "__weakref__",
        "_bases",
        "_faker",
        "_faker_at",
        "_random",
        "drawn",
        "given",
        "locale",
        "seed",
    )

    #: The draws that every random decision comes from when the values are drawn by a
    #: Hypothesis strategy (:class:`DrawnRandomness`); None otherwise. The resolver asks
    #: for it where it hands out a value's key or draw.
    drawn: SourcedDraws | None

    def __init__(
        self, faker: Faker | None = None, seed: int | None = None, locale: str | None = None
    ) -> None:
        self.seed = seed
        #: The locale of the Faker made on first use, when none was given.
        self.locale = locale
        #: Whether the caller gave the Faker: children of other locales share it then.
        self.given = faker is not None
        self._faker = faker
        self._random: _random_module.Random | None = None
        #: The key of each (factory class, schema)'s objects, for a seed: see root().
        self._bases: dict[tuple[type, str], int] = {}
        #: The value key the Faker was last seeded for, and by whom (see faker_at).
        self._faker_at: tuple[int, object] | None = None
        self.drawn = None
        if faker is not None:
            remember_faker(faker)
            if seed is not None:
                faker.seed_instance(seed)

    @property
    def faker(self) -> Faker:
        """The Faker to call; seeded with :attr:`seed` when one was given.

        Without ``faker`` and ``seed`` it is :func:`default_faker`, looked up on every
        use (not kept), so that a factory made before a :func:`default_faker_from`
        block draws from that block's Faker inside it.
        """
        faker = self._faker
        if faker is None:
            if self.seed is None:
                return default_faker(self.locale)
            with _making:
                faker = self._faker
                if faker is None:  # not made by another thread while this one waited
                    faker = self._faker = new_faker(self.locale, self.seed)
        return faker

    def of_locale(self, locale: str | None) -> Randomness:
        """This randomness for the children of a factory class of ``locale``: itself
        when the locale is the same or the Faker was given, else one with the same
        seed and a Faker of that locale."""
        if locale == self.locale or self.given:
            return self
        return Randomness(None, self.seed, locale)

    def root(self, factory: type, schema: str, number: int) -> int:
        """The key of the ``number``-th object a factory instance makes of ``schema``.

        Seeded: derived from (seed, factory class, schema, number), the same in every
        process. Unseeded: 64 bits of the Faker's stream."""
        if self.seed is None:
            return self.random.getrandbits(64)
        base = self._bases.get((factory, schema))
        if base is None:
            base = self._new_base(factory, schema, self.seed)
        return subkey(base, number)

    def root_lanes(self, factory: type, schema: str, first: int, count: int) -> int:
        """:meth:`root` of objects ``first`` to ``first + count - 1``, packed in lanes
        (:func:`~pyfactory.providers._column.packed`; ``count`` up to its ``BLOCK``):
        a batch's keys, made all at once when seeded."""
        if self.seed is None:  # drawn from the stream one by one, in order, as root() does
            return packed([self.root(factory, schema, n) for n in range(first, first + count)])
        base = self._bases.get((factory, schema))
        if base is None:
            base = self._new_base(factory, schema, self.seed)
        return subkey_lanes(base, first, count)

    def _new_base(self, factory: type, schema: str, seed: int) -> int:
        """The key that a seeded factory's objects of ``schema`` are numbered from, made
        and kept."""
        # The class's name, not its module's: moving a factory to another module keeps
        # its values.
        base = self._bases[(factory, schema)] = address_key(seed, factory.__qualname__, schema)
        return base

    def faker_at(self, key: int, owner: object) -> Faker:
        """The Faker, seeded for the value whose key is ``key`` (a seeded factory's), which
        ``owner`` (one object's resolution) is making: what it gives next depends on that
        value alone. Seeding costs a few microseconds, so it is done once per value,
        however many calls the value makes; another owner of the same key (the same
        object made again, by a copy of the factory) starts the stream over."""
        faker = self.faker
        if self._faker_at != (key, owner):
            faker.seed_instance(key)
            self._faker_at = (key, owner)
        return faker

    @property
    def random(self) -> _random_module.Random:
        """The random stream: the Faker's own, so both draw from one sequence."""
        rnd = self._random
        if rnd is None:
            faker = self.faker
            if self._faker is None:  # the default Faker: looked up each time, as is faker
                try:
                    default: _random_module.Random = faker.random
                except NotImplementedError:
                    default = faker[faker.locales[0]].random
                return default
            with _making:
                rnd = self._random
                if rnd is None:  # not made by another thread while this one waited
                    try:
                        rnd = faker.random
                    except NotImplementedError:
                        # A Faker of several locales has one stream per locale and none
                        # shared.
                        rnd = _random_module.Random(self.seed)
                    self._random = rnd
        return rnd


class DrawnRandomness(Randomness):
    """The randomness of a factory whose values a Hypothesis strategy draws (see
    :mod:`pyfactory._strategy`): every random decision is a word of :attr:`drawn`.

    * a value's key (``ctx.stream_key()``) is a fresh key whose first draw is the next
      word (:meth:`~pyfactory._stream.SourcedDraws.key`), so a fast provider's value,
      an auto-filled value's first provider call and ``ctx.random``'s first number are
      made from that word, unscrambled;
    * ``ctx.draw()`` (``randomly_unset``, ``randomly_nullify``) and ``ctx.random`` are
      :attr:`drawn` itself;
    * the Faker's own ``random`` is :attr:`drawn`, so a provider that is not fast draws
      from it too. It has no seed: what the base class would draw from the Faker's
      stream (an object's root key) is drawn from it, and seeding it does nothing.

    Args:
        fakers: Gives the Faker of a locale (None: Faker's default) whose ``random``
            draws from the strategy's source; children of another locale ask it.
        locale: The locale of this factory's Faker.
    """

    __slots__ = ("_fakers", "_locales")

    def __init__(self, fakers: Callable[[str | None], Faker], locale: str | None) -> None:
        faker = fakers(locale)
        super().__init__(faker, None, locale)
        #: Children of other locales get a Faker of theirs, drawing from the same source.
        self.given = False
        random = faker.random
        assert isinstance(random, SourcedDraws)  # what fakers() promises
        self.drawn = random
        self._random = random
        self._fakers = fakers
        self._locales: dict[str | None, DrawnRandomness] = {locale: self}

    def of_locale(self, locale: str | None) -> Randomness:
        found = self._locales.get(locale)
        if found is None:
            found = self._locales[locale] = DrawnRandomness(self._fakers, locale)
            found._locales = self._locales
        return found
