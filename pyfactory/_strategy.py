"""Hypothesis strategies from factories: :meth:`Factory.strategy() <pyfactory.Factory.strategy>`
and :meth:`Factory.create_strategy() <pyfactory.Factory.create_strategy>`.

A strategy makes its object exactly as ``build`` (or ``create``) does -- the same plan,
traits, overrides, associations and hooks -- on a copy of the factory whose randomness
is a :class:`~pyfactory._context.DrawnRandomness`. That is the one hook: every random
decision of the object and its children asks that randomness for a key or a number, and
each of those is a *word* drawn from the test case's choices. The rule, written once
(:func:`_word`):

* a word is 4 bytes of Hypothesis's ``binary()``, read as the top 32 bits of a 64-bit
  word, whose low 32 bits are a scramble of the top ones (SplitMix64's ``mix``, with
  ``mix(0) == 0``). Bytes, because Hypothesis draws them uniformly (its wide integers
  lean hard toward small numbers, which would make nearly every value the first of its
  table) and shrinks them toward zero, most significant first: the word shrinks toward
  0, monotonically in its top bits;
* no word is scrambled on its way to a value (see :class:`~pyfactory._stream.SourcedDraws`
  and :func:`~pyfactory._stream.key_drawing`): a pick from a table, a number in a range,
  a ``many()`` count, a ``randomly_unset`` coin all grow with the word. So failing
  examples shrink toward the first entry of a table, the low bound of a range (an
  auto-filled column's CHECK bound included), the fewest ``many()`` children, and
  unset (or None) for ``randomly_unset`` (``randomly_nullify``), as ``st.none() | x``
  shrinks to None.

The rest of what decides a value is put in the same state for every example, so that
an example replays from Hypothesis's database exactly:

* the copy of the factory numbers its objects from 0 (``ctx.index``, ``each()``);
* the process's sequence counters and unique memories are snapshot when a test case
  first draws from a factory's strategy, and put back when the test case ends
  (Hypothesis's ``cleanup``), so each example counts its sequences on from the same
  numbers, and the objects the test itself makes meanwhile never repeat them;
* the strategy's Faker (one per locale, kept in a pool and lent to one draw at a time)
  forgets its ``unique=True`` values at the start of each draw: values are unique
  within one example.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from pyfactory import _state
from pyfactory._context import DrawnRandomness, new_faker, unique_forget
from pyfactory._stream import MASK, SourcedDraws, mix

if TYPE_CHECKING:
    from faker import Faker
    from hypothesis.strategies import SearchStrategy

    from pyfactory._factory import Factory

__all__ = ["factory_strategy"]

M = TypeVar("M")

_LOW = (1 << 32) - 1


def _word(draw: Callable[[SearchStrategy[bytes]], bytes], four_bytes: SearchStrategy[bytes]) -> int:
    """One 64-bit word of the test case's choices: see the module docstring."""
    top = int.from_bytes(draw(four_bytes), "big")
    return ((top << 32) | (mix(top) & _LOW)) & MASK


# ------------------------------------------------------------------- Fakers


#: Fakers whose ``random`` is a SourcedDraws, by locale and added provider classes,
#: waiting to be lent. A Faker costs tens of milliseconds to make, far more than an
#: example, so they are kept.
_Kind = tuple[str | None, tuple[type, ...]]
_idle: dict[_Kind, list[Faker]] = {}
_idle_lock = threading.Lock()


def _borrow(kind: _Kind) -> Faker:
    with _idle_lock:
        found = _idle.get(kind)
        if found:
            return found.pop()
    locale, added = kind
    faker = new_faker(locale, None)
    for provider in added:
        faker.add_provider(provider)
    # Set before anything looks at the Faker: fast_faker(faker) reads it once.
    faker.random = SourcedDraws()  # type: ignore[attr-defined]  # a setter, not in the stub
    return faker


def _give_back(kind: _Kind, faker: Faker) -> None:
    with _idle_lock:
        _idle.setdefault(kind, []).append(faker)


def _added_providers(faker: Faker) -> tuple[type, ...]:
    """The provider classes of ``faker`` that are not Faker's own (``add_provider``):
    the strategy's Fakers get them too, so ``fake("my_provider")`` works there."""
    try:
        providers = faker.providers
    except (AttributeError, NotImplementedError):  # pragma: no cover - several locales
        return ()
    own = [type(p) for p in providers if not type(p).__module__.startswith("faker.")]
    return tuple(reversed(own))  # in the order they were added


class _Lending:
    """The Fakers one draw borrows (one per locale its objects ask for), each drawing
    from the draw's words; given back when the draw ends."""

    def __init__(self, source: Callable[[], int], added: tuple[type, ...]) -> None:
        self.source = source
        self.added = added
        self.lent: list[tuple[_Kind, Faker]] = []

    def __call__(self, locale: str | None) -> Faker:
        kind = (locale, self.added)
        faker = _borrow(kind)
        random = faker.random
        assert isinstance(random, SourcedDraws)
        random.source = self.source
        # Unique within one example, and every example starts from none given.
        unique_forget(faker)
        self.lent.append((kind, faker))
        return faker

    def close(self) -> None:
        for kind, faker in self.lent:
            random = faker.random
            assert isinstance(random, SourcedDraws)
            random.detach()
            _give_back(kind, faker)
        self.lent.clear()


# ----------------------------------------------------------- process state


#: The test cases whose process state is already kept (see _kept_state).
_kept: weakref.WeakSet[Any] = weakref.WeakSet()


@contextmanager
def _kept_state() -> Iterator[None]:
    """Run one draw with the process state (sequences, unique memories) put back when
    the test case ends (Hypothesis's ``cleanup``): so the test's own objects, made
    after the draw, do not repeat the draw's numbers, and the next test case starts
    where this one did. The first draw of a test case takes the snapshot; the others
    (a test given two strategies) count on from it."""
    from hypothesis.control import cleanup, current_build_context
    from hypothesis.errors import InvalidArgument

    try:
        case = current_build_context()
    except InvalidArgument:
        case = None
    if case is None:  # pragma: no cover - every entry point of Hypothesis draws in one
        before = _state.snapshot()
        try:
            yield
        finally:
            _state.restore(before)
        return
    if case not in _kept:
        _kept.add(case)
        before = _state.snapshot()
        cleanup(lambda: _state.restore(before))
    yield


# ----------------------------------------------------------------- strategy


def _locale_of(factory: Factory[Any]) -> str | None:
    """The locale of the strategy's Faker: the factory's Faker's, when it was given one
    of a single locale, else its class's ``_faker_locale``."""
    randomness = factory._pf_randomness
    given = randomness._faker if randomness.given else None
    if given is not None and len(given.locales) == 1:
        return str(given.locales[0])
    return randomness.locale


def _drawn_copy(factory: Factory[M], randomness: DrawnRandomness) -> Factory[M]:
    """A copy of ``factory`` with the strategy's randomness and nothing made yet: its
    plans, shortcuts, object numbers and child factories start afresh for each
    example (the plans keep resolutions bound to their factory)."""
    copy: Factory[M] = object.__new__(type(factory))
    copy.__dict__.update(factory.__dict__)
    copy._pf_randomness = randomness
    copy._pf_plans = {}
    copy._pf_quick = {}
    copy._pf_counts = {}
    copy._pf_raw = {}
    copy._pf_children = {}
    return copy


def _checked(factory: Factory[Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides as ``build`` checks them: a strategy stands for one value of its
    kind (a trait flag's for True)."""
    from hypothesis.strategies import SearchStrategy

    traits = type(factory)._pf_traits
    return {
        key: (True if key in traits else value) if isinstance(value, SearchStrategy) else value
        for key, value in overrides.items()
    }


def factory_strategy(
    factory: Factory[M],
    scope: str,
    schema: str | None,
    traits: tuple[str, ...],
    overrides: dict[str, Any],
) -> SearchStrategy[M]:
    """The strategy of :meth:`Factory.strategy` (``scope`` ``"build"``) and
    :meth:`Factory.create_strategy` (``"create"``).

    The schema, traits and override keys are checked now, as ``build`` checks them,
    so a mistake fails where the strategy is written rather than in every example.
    """
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy

    factory._pf_plan(schema, traits, _checked(factory, overrides))
    drawn_overrides = {k: v for k, v in overrides.items() if isinstance(v, SearchStrategy)}
    four_bytes = st.binary(min_size=4, max_size=4)
    locale = _locale_of(factory)
    added = _added_providers(factory._pf_randomness.faker)

    def made(draw: Callable[[SearchStrategy[Any]], Any], *names: str) -> M:
        given = {**overrides, **{k: draw(v) for k, v in drawn_overrides.items()}}
        lending = _Lending(lambda: _word(draw, four_bytes), added)
        try:
            with _kept_state():
                copy = _drawn_copy(factory, DrawnRandomness(lending, locale))
                make = copy.build if scope == "build" else copy.create
                return make(schema, *traits, **given)
        finally:
            lending.close()

    # Hypothesis shows a composite as its function's call, UserFactory_strategy('basic'),
    # and wants an identifier.
    method = "strategy" if scope == "build" else "create_strategy"
    made.__name__ = made.__qualname__ = f"{type(factory).__name__}_{method}"
    names = [name for name in (schema, *traits) if name is not None]
    return st.composite(made)(*names)
