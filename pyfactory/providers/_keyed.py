"""A Faker stand-in whose providers are the fast ones, drawn from one value's key:
:class:`KeyedFaker`, made by :meth:`FastFaker.at`.

Auto-fill's generators, and the ``_name_mappings``/``_type_mappings`` callables users
write, take a Faker: ``(faker, field) -> value``, and call ``faker.email()`` or
``faker.random.randint(...)``. Handing them a :class:`KeyedFaker` instead makes every
such value come from the value's own key, at the speed of the fast providers, with
no change to their code:

* ``keyed.email()`` (any provider :func:`~pyfactory.providers.fast_provider`
  compiles, with the arguments it supports) is the fast provider's value of a key of
  its own: the ``n``-th provider call of a value draws from sub-key ``n`` of its key
  (the first from the key itself, so an auto-filled ``email`` is the value
  ``fake("email")`` gives the same field). A call of a provider that is not compiled
  (or one the user added) counts too, so which providers are fast never moves the
  keys of the others;
* ``keyed.random`` is a :class:`~pyfactory._stream.Draws` of the key (a
  ``random.Random``), so a generator's own draws follow the key as well;
  ``keyed.below(n)`` and ``keyed.fraction()`` are its ``randrange(n)`` and
  ``random()``, drawn without making the ``Random`` (auto-fill's rules use them);
* anything else (a provider that is not compiled, ``faker.unique``, ``faker.format``,
  ``faker.locales``, ``faker["fr_FR"]``) is the real Faker's, which for a seeded
  factory is seeded for this value when first needed (seeding costs microseconds:
  most values never need it).

Attribute look-up goes through ``__getattr__`` rather than a generated class per
Faker, because which names are providers is only known per Faker instance (its
locale, the providers added to it) and is decided once per name, on first use.
"""

from __future__ import annotations

import random as _random_module
import threading
import weakref
from collections.abc import Callable, Hashable
from types import MethodType
from typing import Any

from pyfactory._stream import GAMMA, MASK, Draws, SourcedDraws, subkey
from pyfactory._stream import MIX_1 as _C1
from pyfactory._stream import MIX_2 as _C2
from pyfactory._stream import TWO_TO_MINUS_53 as _TWO_TO_MINUS_53
from pyfactory.providers._compile import FastProvider, _freeze, _generator_of, fast_provider

__all__ = ["FastFaker", "KeyedFaker", "fast_faker"]

#: Calls with arguments remembered per provider name; past that (arguments that change
#: on every call), each call asks :func:`fast_provider`, whose cache has them too.
_MAX_ARGUMENTS = 256
#: What the stream of ``keyed.random`` is salted with, so that its draws are not those
#: of the key's first provider call (``fn(key)`` is ``mix(key + GAMMA)``, the first draw
#: of ``Draws(key)``).
_RANDOM_SALT = 0x5A17_D3A1_C0FF_EE15
_TWO_TO_64 = 1 << 64


class _KeyDraws(Draws):
    """The :class:`~pyfactory._stream.Draws` of a :class:`KeyedFaker`, with a number
    below ``n`` drawn in one step (Lemire's multiply-shift, as ``Draws.below``)
    rather than by ``random.Random``'s rejection loop over ``getrandbits``, which in
    Python costs a few calls per draw: ``randint``, ``randrange``, ``choice``,
    ``choices`` and ``shuffle`` all go through ``_randbelow``. The bias is at most
    ``n / 2**64``; a larger ``n`` takes the exact way."""

    def bits64(self) -> int:
        # SplitMix64's draw, inline (pyfactory._stream.mix): a call is a third of it.
        count = self._count + 1
        self._count = count
        z = (self._key + count * GAMMA) & MASK
        z = ((z ^ (z >> 30)) * _C1) & MASK
        z = ((z ^ (z >> 27)) * _C2) & MASK
        return z ^ (z >> 31)

    def random(self) -> float:
        return (self.bits64() >> 11) * _TWO_TO_MINUS_53

    def _randbelow(self, n: int) -> int:
        if n <= _TWO_TO_64:
            return (self.bits64() * n) >> 64
        # random.Random's own way (_randbelow_with_getrandbits): no bias at all.
        k = n.bit_length()
        r = self.getrandbits(k)
        while r >= n:
            r = self.getrandbits(k)
        return r


class _Method:
    """One provider name of a :class:`FastFaker`: called with a :class:`KeyedFaker`
    (bound to it by ``MethodType``), the fast provider's value of the next key, else
    the real Faker's call."""

    __slots__ = ("by_arguments", "name", "plain")

    def __init__(self, faker: Any, name: str) -> None:
        self.name = name
        self.plain = fast_provider(faker, name)
        self.by_arguments: dict[Hashable, FastProvider | None] = {}

    def __call__(self, keyed: KeyedFaker, /, *args: Any, **kwargs: Any) -> Any:
        key = keyed.next_key()
        fast = self._compiled(keyed.faker, args, kwargs) if args or kwargs else self.plain
        if fast is None:
            return getattr(keyed.real, self.name)(*args, **kwargs)
        return fast(key)

    def _compiled(
        self, faker: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> FastProvider | None:
        try:
            # Most arguments are numbers and strings: hashable as they come. The first
            # item tells this form from the frozen one.
            frozen: Hashable = (0, args, *kwargs.items())
            found = self.by_arguments.get(frozen, self)
        except TypeError:  # a list, say
            try:
                frozen = (1, _freeze(args), _freeze(kwargs))
                found = self.by_arguments.get(frozen, self)
            except TypeError:  # an unhashable argument: compiled (or not) each time
                return fast_provider(faker, self.name, args, kwargs)
        if found is self:
            found = fast_provider(faker, self.name, args, kwargs)
            if len(self.by_arguments) < _MAX_ARGUMENTS:
                self.by_arguments[frozen] = found
        return found  # type: ignore[return-value]

    @property
    def __name__(self) -> str:  # what the bound method says it is, as Faker's would
        return self.name

    def __repr__(self) -> str:
        return f"<fast {self.name}>"


class FastFaker:
    """The fast providers of one Faker, looked up once per name, and the
    :class:`KeyedFaker` stand-ins that draw them from a key (:meth:`at`).

    Get one with :func:`fast_faker`, which keeps one per Faker.

    Args:
        faker: A ``faker.Faker`` (or a Faker generator).

    .. versionadded:: 1.0
    """

    __slots__ = ("__weakref__", "_faker", "_lock", "_methods", "_source")

    def __init__(self, faker: Any) -> None:
        # Weakly: fast_faker() keeps one per Faker for as long as the Faker lives, in a
        # WeakKeyDictionary whose values must not hold their keys. A KeyedFaker holds
        # its Faker strongly.
        try:
            self._faker: Callable[[], Any] = weakref.ref(faker)
        except TypeError:  # not weakly referable
            self._faker = lambda: faker
        # name -> _Method for a provider's method, None for anything else.
        self._methods: dict[str, _Method | None] = {}
        self._lock = threading.Lock()
        #: The Faker's stream when a Hypothesis strategy owns it (its Faker's ``random``
        #: draws from the test case's choices, and never changes): its KeyedFakers draw
        #: from it too. See :class:`~pyfactory._context.DrawnRandomness`.
        self._source = _drawn_of(faker)

    @property
    def faker(self) -> Any:
        """The Faker (None once it is gone)."""
        return self._faker()

    def method(self, name: str) -> _Method | None:
        """The fast form of the provider ``name`` (which calls the real Faker when the
        provider has none), or None when ``name`` is not a provider's method on this
        Faker (then the real one answers)."""
        try:
            return self._methods[name]
        except KeyError:
            pass
        with self._lock:
            if name not in self._methods:
                self._methods[name] = self._method(name)
            return self._methods[name]

    def _method(self, name: str) -> _Method | None:
        if name.startswith("_"):
            return None
        generator = _generator_of(self.faker)
        found = None if generator is None else getattr(generator, name, None)
        owner = getattr(found, "__self__", None)
        function = getattr(found, "__func__", None)
        if function is None or owner is None or owner is generator:
            # Not a provider's method (the generator's own seed_instance, format, ...),
            # or a Faker of several locales.
            return None
        # A provider the user added is a _Method too, never fast (fast_provider says
        # None): its calls count as the others do.
        return _Method(self.faker, name)

    def at(self, key: int, seeded: Callable[[], Any] | None = None) -> KeyedFaker:
        """A :class:`KeyedFaker` drawing from ``key``.

        Args:
            key: The value's 64-bit key.
            seeded: Returns the Faker to call for what is not fast (the factory's,
                seeded for this value); called only when needed. Default: the Faker
                itself.
        """
        if self._source is not None:
            return _DrawnKeyedFaker(self, self.faker, key, seeded, self._source)
        return KeyedFaker(self, self.faker, key, seeded)

    def __repr__(self) -> str:
        return f"<FastFaker of {self.faker!r}>"


def _drawn_of(faker: Any) -> SourcedDraws | None:
    """The Faker's ``random`` when it is a strategy's :class:`SourcedDraws`, else None."""
    try:
        random = getattr(faker, "random", None)
    except NotImplementedError:  # a Faker of several locales
        return None
    return random if isinstance(random, SourcedDraws) else None


class KeyedFaker:
    """A stand-in for a Faker whose provider calls are fast and drawn from one key:
    see the module's docstring.

    Get one with ``fast_faker(faker).at(key)``. It is not a ``faker.Faker``
    (``isinstance`` says so), but it answers every attribute a Faker has.

    Attributes:
        faker: The Faker it stands for (not seeded for the value).
        key: The value's 64-bit key.

    .. versionadded:: 1.0
    """

    __slots__ = ("_calls", "_drawn", "_fast", "_random", "_real", "_seeded", "faker", "key")

    def __init__(
        self, fast: FastFaker, faker: Any, key: int, seeded: Callable[[], Any] | None = None
    ) -> None:
        self._fast = fast
        self.faker = faker
        self.key = key & MASK
        self._seeded = seeded
        self._calls = 0
        #: Draws of the random stream made by below() and fraction() before ``random``
        #: was first asked for (which then goes on from there).
        self._drawn = 0
        self._random: _KeyDraws | SourcedDraws | None = None
        self._real: Any = None

    def next_key(self) -> int:
        """The key of the next provider call: the key itself first, then its sub-keys
        ``1, 2, ...``."""
        calls = self._calls
        self._calls = calls + 1
        return self.key if calls == 0 else subkey(self.key, calls)

    @property
    def random(self) -> _random_module.Random:
        """The value's own ``random.Random``, drawn from its key."""
        return self._draws()

    def _draws(self) -> _KeyDraws | SourcedDraws:
        found = self._random
        if found is None:
            found = self._random = _KeyDraws(self.key ^ _RANDOM_SALT)
            found._count = self._drawn  # on from the draws below() and fraction() made
        return found

    def below(self, n: int) -> int:
        """A number in ``range(n)`` (``n`` > 0): the next draw of :attr:`random`, as
        ``random.randrange(n)`` gives it, without making the ``Random`` (a
        ``random.Random`` is a few kilobytes of Mersenne Twister state to allocate,
        unused here). ``lo + below(hi - lo + 1)`` is ``random.randint(lo, hi)`` and
        ``seq[below(len(seq))]`` is ``random.choice(seq)``, the same numbers."""
        found = self._random
        if found is not None or n > _TWO_TO_64:
            return self._draws()._randbelow(n)
        return (self._bits() * n) >> 64

    def fraction(self) -> float:
        """A float in [0, 1): the next draw of :attr:`random`, as ``random.random()``
        gives it (see :meth:`below`)."""
        found = self._random
        if found is not None:
            return found.random()
        return (self._bits() >> 11) * _TWO_TO_MINUS_53

    def _bits(self) -> int:
        # _KeyDraws.bits64 of the random stream, before it is made.
        count = self._drawn + 1
        self._drawn = count
        z = ((self.key ^ _RANDOM_SALT) + count * GAMMA) & MASK
        z = ((z ^ (z >> 30)) * _C1) & MASK
        z = ((z ^ (z >> 27)) * _C2) & MASK
        return z ^ (z >> 31)

    @property
    def real(self) -> Any:
        """The Faker that answers what is not fast: for a seeded factory, seeded for
        this value."""
        found = self._real
        if found is None:
            seeded = self._seeded
            found = self._real = self.faker if seeded is None else seeded()
        return found

    def __getattr__(self, name: str) -> Any:
        if name in _OWN:
            # Only before __init__ has run (while unpickling, say): not the real one's.
            raise AttributeError(name)
        method = self._fast.method(name)
        if method is None:
            return getattr(self.real, name)
        return MethodType(method, self)

    def __getitem__(self, locale: str) -> Any:
        return self.real[locale]

    def __dir__(self) -> list[str]:
        return sorted({*dir(type(self)), *dir(self.real)})

    def __repr__(self) -> str:
        return f"<KeyedFaker {self.key:#018x} of {self.faker!r}>"


class _DrawnKeyedFaker(KeyedFaker):
    """The :class:`KeyedFaker` of a Faker that a Hypothesis strategy owns: its
    ``random``, ``below`` and ``fraction`` are the strategy's draws, and each provider
    call after the first a fresh key of them, so that every value it makes is drawn
    from the test case's choices, unscrambled (:func:`~pyfactory._stream.key_drawing`)."""

    __slots__ = ()

    def __init__(
        self,
        fast: FastFaker,
        faker: Any,
        key: int,
        seeded: Callable[[], Any] | None,
        drawn: SourcedDraws,
    ) -> None:
        super().__init__(fast, faker, key, seeded)
        self._random = drawn

    def next_key(self) -> int:
        calls = self._calls
        self._calls = calls + 1
        random = self._random
        assert isinstance(random, SourcedDraws)
        return self.key if calls == 0 else random.key()


_OWN = frozenset(KeyedFaker.__slots__)

_fast_fakers: weakref.WeakKeyDictionary[Any, FastFaker] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def fast_faker(faker: Any) -> FastFaker:
    """The :class:`FastFaker` of ``faker``, one per Faker (kept while the Faker lives).

    ``fast_faker(faker).at(key)`` is a stand-in for ``faker`` whose provider calls are
    the fast providers', drawn from ``key``: what auto-filled fields hand their
    generators.

    .. versionadded:: 1.0
    """
    try:
        found = _fast_fakers.get(faker)
    except TypeError:  # neither hashable nor weakly referable: not kept
        return FastFaker(faker)
    if found is None:
        with _lock:
            found = _fast_fakers.get(faker)
            if found is None:
                found = _fast_fakers[faker] = FastFaker(faker)
    return found
