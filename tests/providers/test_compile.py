"""``fast_provider``: per-key determinism, caching, and the cases that keep calling
Faker (None)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from faker import Faker
from faker.providers import BaseProvider
from faker.providers.internet import Provider as InternetProvider

from pyfactory._stream import mix
from pyfactory.providers import FastProvider, fast_provider
from tests.providers.conftest import faker

ROOT = Path(__file__).resolve().parents[2]

#: Providers and arguments whose values do not depend on today's date.
STABLE = [
    ("name", (), {}),
    ("email", (), {}),
    ("city", (), {}),
    ("address", (), {}),
    ("phone_number", (), {}),
    ("sentence", (), {}),
    ("date_between", (date(2000, 1, 1), date(2020, 1, 1)), {}),
    ("pyint", (), {"min_value": 1, "max_value": 10**6}),
    ("uuid4", (), {}),
]


def values(name: str, args: tuple[object, ...], kwargs: dict[str, object]) -> list[str]:
    fn = fast_provider(faker(), name, args, kwargs)
    assert fn is not None
    return [str(fn(key)) for key in range(0, 2**64, 2**58)]


class TestDeterminism:
    """A value depends on its key only."""

    @pytest.mark.parametrize(("name", "args", "kwargs"), STABLE, ids=[s[0] for s in STABLE])
    def test_same_key_same_value(
        self, name: str, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> None:
        """Calling again with the same keys gives the same values; ``many`` gives what
        the calls give."""
        fn = fast_provider(faker(), name, args, kwargs)
        assert fn is not None
        keys = [0, 1, 2, 2**63, 2**64 - 1, 12345678901234567]
        first = [fn(k) for k in keys]
        assert [fn(k) for k in keys] == first
        assert fn.many(keys) == first
        assert fn.many(iter(keys)) == first

    def test_the_fakers_random_state_does_not_matter(self) -> None:
        """Seeding the Faker, or drawing from it, changes no fast value."""
        fake = Faker("en_US")
        fn = fast_provider(fake, "name")
        assert fn is not None
        before = fn.many(range(20))
        fake.seed_instance(99)
        fake.name()
        assert fn.many(range(20)) == before
        assert fast_provider(Faker("en_US"), "name").many(range(20)) == before  # type: ignore[union-attr]

    def test_draw_is_the_value_of_mixed_bits(self) -> None:
        """``fn(key)`` is ``fn.draw(mix(key + GAMMA))``, the key's first draw."""
        fn = fast_provider(faker(), "city")
        assert fn is not None
        assert [fn(k) for k in range(10)] == [
            fn.draw(mix(k + 0x9E3779B97F4A7C15)) for k in range(10)
        ]

    def test_same_values_in_a_fresh_process(self) -> None:
        """Another process (another hash seed) makes the same values from the same keys."""
        script = (
            "import json, sys\n"
            "from datetime import date\n"
            "from tests.providers.test_compile import STABLE, values\n"
            "json.dump([values(*s) for s in STABLE], sys.stdout)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345", "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(result.stdout) == [values(*s) for s in STABLE]

    @pytest.mark.parametrize(("name", "args", "kwargs"), STABLE, ids=[s[0] for s in STABLE])
    def test_different_keys_spread(
        self, name: str, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> None:
        """Neighbouring keys (a counter) give values that differ: 1,000 keys, at least
        900 different values."""
        fn = fast_provider(faker(), name, args, kwargs)
        assert fn is not None
        assert len({str(v) for v in fn.many(range(1000))}) >= 900

    def test_repr_names_the_provider(self) -> None:
        fn = fast_provider(faker(), "email")
        assert repr(fn) == "<FastProvider email>"


class TestCache:
    """Compiling is done once per locale, provider and arguments."""

    def test_same_call_same_provider(self) -> None:
        """Two Fakers of one locale share the compiled provider; other arguments do
        not."""
        first = fast_provider(Faker("en_US"), "sentence", (), {"nb_words": 4})
        assert first is fast_provider(Faker("en_US"), "sentence", (), {"nb_words": 4})
        assert first is not fast_provider(Faker("en_US"), "sentence", (), {"nb_words": 5})
        assert first is not fast_provider(Faker("fr_FR"), "sentence", (), {"nb_words": 4})

    def test_list_arguments_are_cached_by_content(self) -> None:
        """An ``ext_word_list`` list is part of the cache key by its words."""
        a = fast_provider(faker(), "word", (), {"ext_word_list": ["a", "b"]})
        assert a is fast_provider(faker(), "word", (), {"ext_word_list": ["a", "b"]})
        assert a is not fast_provider(faker(), "word", (), {"ext_word_list": ["a", "c"]})
        assert set(a.many(range(100))) == {"a", "b"}  # type: ignore[union-attr]

    def test_a_generator_works_as_the_faker(self) -> None:
        """A Faker generator (``Faker("en_US").factories[0]``) is accepted too."""
        fn = fast_provider(Faker("en_US").factories[0], "city")
        assert fn is fast_provider(faker(), "city")

    def test_weighting_is_part_of_the_key(self) -> None:
        """``Faker(use_weighting=False)`` picks uniformly: another compiled provider."""
        uniform = fast_provider(Faker("en_US", use_weighting=False), "first_name")
        weighted = fast_provider(faker(), "first_name")
        assert isinstance(uniform, FastProvider)
        assert uniform is not weighted
        assert not uniform.gen.weighted
        assert weighted is not None
        assert weighted.gen.weighted


class _Override(BaseProvider):
    def email(self) -> str:
        return "mine@example.org"

    def last_name(self) -> str:
        return "Mine"


class _Subclass(InternetProvider):
    """A user's subclass of Faker's internet provider: its module is not Faker's."""


class TestNone:
    """Where the core must keep calling Faker."""

    @pytest.mark.parametrize(
        "name", ["no_such_provider", "ipv4", "credit_card_number", "profile", "seed_instance"]
    )
    def test_unknown_or_not_compiled(self, name: str) -> None:
        """A name that is not a provider, or one whose code is not compiled."""
        assert fast_provider(faker(), name) is None

    def test_several_locales(self) -> None:
        assert fast_provider(Faker(["en_US", "fr_FR"]), "name") is None

    def test_not_a_faker(self) -> None:
        assert fast_provider(object(), "name") is None

    @pytest.mark.parametrize(
        ("name", "args", "kwargs"),
        [
            ("email", (), {"unknown": 1}),
            ("name", ("extra",), {}),
            ("pyint", (), {"min_value": 10, "max_value": 1}),
            ("pyint", (), {"step": 0}),
            ("random_int", (1.5, 3), {}),
            ("pybool", (), {"truth_probability": 101}),
            ("date_between", ("gibberish",), {}),
            ("date_between", (date(2020, 1, 1), date(2000, 1, 1)), {}),
            ("date_time_between", ("-1d", "-2d"), {}),
            ("date_of_birth", (), {"minimum_age": 30, "maximum_age": 20}),
            ("sentence", (), {"nb_words": "six"}),
            ("words", (), {"nb": 10**6, "unique": True}),
            ("text", (), {"max_nb_chars": 4}),
            ("domain_name", (), {"levels": 0}),
            ("url", (), {"schemes": "http"}),
            ("pyfloat", (), {"left_digits": 10, "right_digits": 10}),
            ("pyfloat", (), {"min_value": 1}),
            ("word", (), {"part_of_speech": "interjection"}),
            ("uuid4", (), {"cast_to": 3}),
            ("country_code", (), {"representation": "alpha-4"}),
        ],
    )
    def test_unsupported_arguments(
        self, name: str, args: tuple[object, ...], kwargs: dict[str, object]
    ) -> None:
        """Arguments a compiler does not take, or that Faker itself refuses: Faker is
        called, and raises its own error where it does."""
        assert fast_provider(faker(), name, args, kwargs) is None

    def test_a_users_provider_overrides_the_name(self) -> None:
        """A provider the user added wins in Faker; the fast path steps aside, also
        for providers whose formats use the overridden token."""
        fake = Faker("en_US")
        fake.add_provider(_Override)
        assert fast_provider(fake, "email") is None
        assert fast_provider(fake, "last_name") is None
        assert fast_provider(fake, "name") is None  # "{{first_name}} {{last_name}}"
        assert fast_provider(fake, "first_name") is not None

    def test_a_subclass_of_fakers_provider_is_not_fakers(self) -> None:
        """Only classes of Faker's own modules qualify: a user's subclass may change
        what its methods do."""
        fake = Faker("en_US")
        fake.add_provider(_Subclass)
        assert fast_provider(fake, "user_name") is None
        assert fast_provider(fake, "name") is not None

    def test_a_plain_dict_of_weights_is_refused(self) -> None:
        """Faker refuses a ``dict`` that is not an ``OrderedDict`` (hash order); so
        does the fast path."""
        # Compiled once, from the class's own tables, before the instance is changed:
        # whichever test of this process runs first.
        assert fast_provider(Faker("en_US"), "first_name") is not None
        fake = Faker("en_US")
        fake.factories[0].provider("faker.providers.person").first_names = {"A": 1.0, "B": 2.0}
        try:
            assert fast_provider(fake, "first_name") is not None  # cached by class
            from pyfactory.providers._compile import Session

            method = fake.factories[0].first_name
            assert Session(fake.factories[0]).compile(method, (), {}) is None
        finally:
            del fake.factories[0].provider("faker.providers.person").first_names


class TestColumns:
    """``many`` mixes the keys together, and picks a table's entries together: the
    same values as one call per key."""

    @pytest.mark.parametrize("locale", ["en_US", "de_DE", "ja_JP"])
    @pytest.mark.parametrize(
        "name",
        [
            "first_name",
            "country",
            "name",
            "email",
            "user_name",
            "company",
            "address",
            "phone_number",
            "url",
            "sentence",
            "date",
            "date_time",
            "date_of_birth",
            "pyint",
            "pybool",
            "uuid4",
        ],
    )
    def test_many_is_one_call_per_key(self, locale: str, name: str) -> None:
        """Lane by lane, a column holds what one call per key gives (tables, formats,
        weighted picks, numerify patterns, numbers, dates)."""
        fn = fast_provider(faker(locale), name)
        assert fn is not None
        keys = [*range(0, 2**64 - 1, 2**54), *range(3000)]
        assert fn.many(keys) == [fn(k) for k in keys]

    def test_keys_out_of_range_are_mixed_one_by_one(self) -> None:
        """A key that is not a 64-bit unsigned integer is reduced as ``fn(key)`` does."""
        fn = fast_provider(faker(), "city")
        assert fn is not None
        keys = [2**64, -1, 2**70 + 5, 3]
        assert fn.many(keys) == [fn(k) for k in keys]


#: Calls with arguments a compiler does not take (or Faker refuses), by locale.
REFUSED = [
    ("en_US", "country_code", (), {"bad": 1}),
    ("en_US", "state_abbr", (), {"bad": 1}),
    ("en_GB", "postcode", ("x",), {}),
    ("fr_FR", "postcode", ("x",), {}),
    ("fr_FR", "area_code_with_separator", ("x",), {}),
    ("en_US", "user_name", ("x",), {}),
    ("en_US", "domain_word", ("x",), {}),
    ("en_US", "domain_name", (), {"levels": "2"}),
    ("en_US", "domain_name", (), {"bad": 1}),
    ("en_US", "safe_email", ("x",), {}),
    ("en_US", "free_email", ("x",), {}),
    ("en_US", "company_email", ("x",), {}),
    ("en_US", "url", (), {"bad": 1}),
    ("en_US", "url", (), {"schemes": [1]}),
    ("en_US", "name_male", ("x",), {}),
    ("en_US", "first_name_female", ("x",), {}),
    ("en_US", "prefix", ("x",), {}),
    ("en_US", "suffix_male", ("x",), {}),
    ("en_US", "word", (), {"bad": 1}),
    ("en_US", "word", (), {"ext_word_list": []}),
    ("en_US", "word", (), {"ext_word_list": [1, 2]}),
    ("en_US", "words", (), {"nb": -1}),
    ("en_US", "words", (), {"bad": 1}),
    ("en_US", "sentence", (), {"bad": 1}),
    ("en_US", "sentences", (), {"nb": "x"}),
    ("en_US", "paragraph", (), {"nb_sentences": "x"}),
    ("en_US", "paragraph", (), {"bad": 1}),
    ("en_US", "paragraphs", (), {"nb": "x"}),
    ("en_US", "text", (), {"bad": 1}),
    ("en_US", "date", (), {"pattern": 3}),
    ("en_US", "date", (), {"end_datetime": "garbage"}),
    ("en_US", "date_object", (), {"bad": 1}),
    ("en_US", "time", (), {"pattern": 3}),
    ("en_US", "date_time", (), {"end_datetime": "garbage"}),
    ("en_US", "date_time", (), {"bad": 1}),
    ("en_US", "date_time_between", (), {"bad": 1}),
    ("en_US", "date_time_between", (datetime(2020, 1, 1), datetime(2020, 1, 1, 0, 0, 1)), {}),
    ("en_US", "past_datetime", (), {"bad": 1}),
    ("en_US", "future_datetime", (), {"bad": 1}),
    ("en_US", "date_between", (), {"bad": 1}),
    ("en_US", "past_date", (), {"bad": 1}),
    ("en_US", "future_date", (), {"bad": 1}),
    ("en_US", "date_of_birth", (), {"bad": 1}),
    ("en_US", "date_of_birth", (), {"minimum_age": "1"}),
    ("en_US", "random_int", (), {"bad": 1}),
    ("en_US", "pyint", (), {"bad": 1}),
    ("en_US", "pybool", (), {"bad": 1}),
    ("en_US", "boolean", (), {"chance_of_getting_true": "x"}),
    ("en_US", "null_boolean", ("x",), {}),
    ("en_US", "uuid4", (), {"bad": 1}),
    ("en_US", "pyfloat", (), {"bad": 1}),
    ("en_US", "pyfloat", (), {"left_digits": -1}),
    ("en_US", "pyfloat", (), {"left_digits": 0, "right_digits": 0}),
    ("en_US", "pyfloat", (), {"min_value": 5, "max_value": 1}),
    ("en_US", "pyfloat", (), {"min_value": -5, "max_value": 5, "positive": True}),
    ("en_US", "pyfloat", (), {"min_value": 1, "max_value": 5, "left_digits": 2}),
]


@pytest.mark.parametrize(
    ("locale", "name", "args", "kwargs"), REFUSED, ids=[f"{r[0]}-{r[1]}" for r in REFUSED]
)
def test_refused_arguments(
    locale: str, name: str, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    """Each compiler refuses what it does not support: Faker is called instead."""
    assert fast_provider(faker(locale), name, args, kwargs) is None


def test_uuid_cast_to_a_callable() -> None:
    """``uuid4(cast_to=...)`` with another callable applies it to the UUID."""
    fn = fast_provider(faker(), "uuid4", (), {"cast_to": lambda u: u.hex})
    plain = fast_provider(faker(), "uuid4")
    assert fn is not None
    assert plain is not None
    assert fn(5) == plain(5).replace("-", "")
