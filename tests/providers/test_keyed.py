"""``KeyedFaker``: a Faker stand-in whose provider calls are the fast providers' values
of one key, each call from a sub-key of its own, and whose other answers are the real
Faker's."""

from __future__ import annotations

import gc
import random
import uuid
import weakref
from typing import Any

import pytest
from faker import Faker
from faker.providers import BaseProvider

from pyfactory._stream import subkey
from pyfactory.providers import FastFaker, KeyedFaker, fast_faker, fast_provider
from tests.providers.conftest import faker

KEY = 0x1234_5678_9ABC_DEF0


def fast(name: str, *args: Any, **kwargs: Any) -> Any:
    fn = fast_provider(faker(), name, args, kwargs)
    assert fn is not None
    return fn


def seeded(seed: int) -> Faker:
    made = Faker()
    made.seed_instance(seed)
    return made


class TestFastCalls:
    def test_the_first_call_is_the_key_s_value_then_sub_keys(self) -> None:
        """The n-th provider call draws from sub-key n: the first is ``fn(key)``, what
        ``fake("email")`` gives a field of that key."""
        keyed = fast_faker(faker()).at(KEY)
        got = [keyed.email(), keyed.email(), keyed.first_name(), keyed.city()]
        assert got == [
            fast("email")(KEY),
            fast("email")(subkey(KEY, 1)),
            fast("first_name")(subkey(KEY, 2)),
            fast("city")(subkey(KEY, 3)),
        ]

    def test_the_same_key_the_same_values(self) -> None:
        def draw(key: int) -> list[Any]:
            keyed = fast_faker(faker()).at(key)
            return [keyed.name(), keyed.company(), keyed.date_between("-10y", "today")]

        assert draw(KEY) == draw(KEY)
        assert draw(KEY) != draw(KEY + 1)

    def test_arguments(self) -> None:
        keyed = fast_faker(faker()).at(KEY)
        numbers = [keyed.pyint(min_value=1, max_value=6) for _ in range(50)]
        assert set(numbers) <= set(range(1, 7))
        assert numbers[0] == fast("pyint", min_value=1, max_value=6)(KEY)
        # An argument that is not hashable as it comes (a list) is frozen for the cache.
        words = [keyed.words(2, ext_word_list=["a", "b"]) for _ in range(20)]
        assert {w for pair in words for w in pair} == {"a", "b"}

    def test_values_are_from_faker_s_tables(self) -> None:
        provider = faker().first_name.__self__
        keyed = fast_faker(faker()).at(KEY)
        assert {keyed.first_name() for _ in range(500)} <= set(provider.first_names)


class TestWhatIsNotFast:
    def test_a_provider_that_is_not_compiled_is_the_seeded_faker_s(self) -> None:
        """``password`` has no fast form: the Faker ``seeded`` returns makes it, asked
        for once; the call still counts, so the next fast call is sub-key 1's."""
        asked: list[int] = []

        def real() -> Faker:
            asked.append(1)
            return seeded(5)

        keyed = fast_faker(faker()).at(KEY, real)
        assert keyed.email() == fast("email")(KEY)
        assert asked == []  # fast calls never seed a Faker
        first = keyed.password(length=12)
        second = keyed.password(length=12)
        assert keyed.first_name() == fast("first_name")(subkey(KEY, 3))
        assert asked == [1]
        expected = seeded(5)
        assert [first, second] == [expected.password(length=12), expected.password(length=12)]

    def test_attributes_of_the_faker(self) -> None:
        real = seeded(1)
        keyed = fast_faker(real).at(KEY)
        assert keyed.locales == ["en_US"]
        assert keyed.unique.first_name() in set(real.first_name.__self__.first_names)
        assert keyed["en_US"] is real["en_US"]
        assert keyed.real is real
        assert {"email", "random", "locales"} <= set(dir(keyed))

    def test_a_provider_of_the_user_s_is_called(self) -> None:
        class Ship(BaseProvider):
            def first_name(self) -> str:  # overrides Faker's: never the fast one
                return "Nemo"

            def ship(self) -> str:
                return "Nautilus"

        real = Faker()
        real.add_provider(Ship)
        keyed = fast_faker(real).at(KEY)
        assert (keyed.first_name(), keyed.ship()) == ("Nemo", "Nautilus")
        # Faker's email reaches the user's first_name through its formats: not fast either.
        assert fast_provider(real, "email") is None
        emails = {keyed.email() for _ in range(50)}
        assert all("@" in e for e in emails)
        assert any("nemo" in e for e in emails)
        # Every provider call counts, the user's too: this is the 53rd.
        assert keyed.last_name() == fast("last_name")(subkey(KEY, 52))

    def test_a_faker_of_several_locales_is_called(self) -> None:
        """No fast provider for it: every call is Faker's (seeded for the value)."""
        real = Faker(["en_US", "fr_FR"])
        real.seed_instance(3)
        again = Faker(["en_US", "fr_FR"])
        again.seed_instance(3)
        keyed = fast_faker(real).at(KEY)
        assert [keyed.name() for _ in range(3)] == [again.name() for _ in range(3)]
        assert keyed.random.random() == fast_faker(again).at(KEY).random.random()

    def test_private_names_are_the_faker_s(self) -> None:
        real = Faker()
        assert fast_faker(real).at(KEY)._factories is real._factories

    def test_before_init_it_has_no_attributes(self) -> None:
        """While unpickling, say, its own slots are not looked up on a Faker."""
        blank = KeyedFaker.__new__(KeyedFaker)
        with pytest.raises(AttributeError):
            blank._fast


class TestRandom:
    def test_a_random_of_the_key(self) -> None:
        one, two = fast_faker(faker()).at(KEY), fast_faker(faker()).at(KEY)
        assert isinstance(one.random, random.Random)
        assert one.random is one.random
        draws = [one.random.randint(1, 6) for _ in range(200)]
        assert draws == [two.random.randint(1, 6) for _ in range(200)]
        assert set(draws) == set(range(1, 7))
        other = fast_faker(faker()).at(KEY + 1)
        assert [other.random.random() for _ in range(5)] != [
            fast_faker(faker()).at(KEY).random.random() for _ in range(5)
        ]

    def test_draws_of_every_kind(self) -> None:
        rng = fast_faker(faker()).at(KEY).random
        assert 0 <= rng.random() < 1
        assert rng.choice("abc") in "abc"
        assert 0 <= rng.randrange(10**30) < 10**30  # past 64 bits: the exact way
        assert len(rng.choices("ab", k=5)) == 5
        items = list(range(10))
        rng.shuffle(items)
        assert sorted(items) == list(range(10))
        assert uuid.UUID(int=rng.getrandbits(128), version=4).version == 4

    def test_random_is_not_the_first_call_s_draw(self) -> None:
        """The key's first provider call and its random stream are apart."""
        keyed = fast_faker(faker()).at(KEY)
        assert keyed.random.getrandbits(64) != fast("pyint", 0, 2**64 - 1)(KEY)

    def test_uniform(self) -> None:
        rng = fast_faker(faker()).at(KEY).random
        counts = [0] * 10
        for _ in range(20_000):
            counts[rng.randrange(10)] += 1
        assert all(1800 < c < 2200 for c in counts)


class TestFastFaker:
    def test_one_per_faker(self) -> None:
        real = Faker()
        assert fast_faker(real) is fast_faker(real)
        assert fast_faker(real) is not fast_faker(Faker())
        assert isinstance(fast_faker(real), FastFaker)
        assert fast_faker(real).faker is real

    def test_kept_while_the_faker_lives(self) -> None:
        """One FastFaker per Faker, which does not keep its Faker alive; a KeyedFaker
        does."""
        real = Faker()
        ref = weakref.ref(fast_faker(real))
        keyed = fast_faker(real).at(KEY)
        del real
        gc.collect()
        assert keyed.faker.first_name  # the KeyedFaker's Faker is alive
        assert keyed.email() == fast("email")(KEY)
        del keyed
        gc.collect()
        assert ref() is None

    def test_methods_are_looked_up_once(self) -> None:
        made = fast_faker(faker())
        assert made.method("email") is made.method("email")
        assert made.method("seed_instance") is None  # the generator's own
        assert made.method("no_such_provider") is None

    def test_reprs(self) -> None:
        made = fast_faker(faker())
        assert repr(made.at(1)).startswith("<KeyedFaker 0x0000000000000001 of <faker")
        assert repr(made.method("email")) == "<fast email>"
        assert made.at(1).email.__name__ == "email"
        assert repr(made).startswith("<FastFaker of <faker")


class TestArgumentsThatChange:
    def test_compiled_calls_kept_are_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A mapping that passes other arguments on every call compiles each, and the
        cache of compiled calls does not grow past its size; values stay the same."""
        from pyfactory.providers import _compile

        before = fast("pyint", max_value=7)(KEY)
        monkeypatch.setattr(_compile, "_CACHE_SIZE", 8)
        monkeypatch.setattr(_compile, "_CACHE", {})
        keyed = fast_faker(Faker()).at(KEY)
        got = [keyed.pyint(max_value=bound) for bound in range(1, 40)]
        assert all(0 <= n <= bound for n, bound in zip(got, range(1, 40), strict=True))
        assert len(_compile._CACHE) <= 8
        assert fast("pyint", max_value=7)(KEY) == before


class TestBelowAndFraction:
    """``below(n)`` and ``fraction()`` are the numbers ``random.randrange(n)`` and
    ``random.random()`` give, drawn without making the ``Random``."""

    def test_the_same_numbers_as_random(self) -> None:
        one, two = fast_faker(faker()).at(KEY), fast_faker(faker()).at(KEY)
        assert [one.below(1000) for _ in range(20)] == [
            two.random.randrange(1000) for _ in range(20)
        ]
        assert [one.fraction() for _ in range(5)] == [two.random.random() for _ in range(5)]

    def test_random_goes_on_from_them(self) -> None:
        one, two = fast_faker(faker()).at(KEY), fast_faker(faker()).at(KEY)
        first = [one.below(6), one.fraction()]
        later = [one.random.randint(0, 5), one.below(10**30), one.fraction()]
        rng = two.random
        assert first == [rng.randrange(6), rng.random()]
        assert later == [rng.randint(0, 5), rng.randrange(10**30), rng.random()]

    def test_past_64_bits(self) -> None:
        one, two = fast_faker(faker()).at(KEY), fast_faker(faker()).at(KEY)
        assert one.below(3 << 70) == two.random.randrange(3 << 70)
