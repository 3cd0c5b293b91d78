"""``_faker_locale``: a factory class's Faker locale, inherited, for every value it makes
(single calls, batches made a column at a time, datasets), with children of another
locale using theirs, a given Faker shared by all, and seeds that keep it reproducible."""

from __future__ import annotations

from typing import Any

import pytest
from faker import Faker

from pyfactory import (
    Factory,
    FactoryDefinitionError,
    FieldError,
    association,
    fake,
    schema,
)
from pyfactory._context import default_faker_from
from pyfactory.builders import DictBuilder
from pyfactory.dataset import generate
from pyfactory.pytest._seeds import _TestFaker


class Base(Factory[dict[str, Any]]):
    _abstract = True
    _model = dict
    _model_builder = DictBuilder()
    _default_schema = "basic"


class AddressFactory(Base):
    _faker_locale = "de_DE"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"country": fake("current_country_code"), "city": fake("city")}


class UserFactory(Base):
    _faker_locale = "ja_JP"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("name"), "address": association(AddressFactory)}


class AdminFactory(UserFactory):
    """Inherits ja_JP."""


def german(address: dict[str, Any]) -> bool:
    return bool(address["country"] == "DE")


def japanese(name: str) -> bool:
    # Japanese names from Faker's ja_JP are written in kanji or kana, with a space.
    return any("\u3040" <= ch <= "\u9fff" for ch in name)


def test_each_class_uses_its_locale_and_subclasses_inherit_it() -> None:
    for factory in (UserFactory(), AdminFactory(), UserFactory(seed=3)):
        user = factory.build()
        assert japanese(user["name"]), user
        assert german(user["address"]), user
    assert UserFactory().faker.locales == ["ja_JP"]
    assert AdminFactory(seed=1).faker.locales == ["ja_JP"]
    assert AddressFactory().faker.locales == ["de_DE"]


def test_batches_and_datasets_use_the_locale() -> None:
    users = UserFactory(seed=2).build_batch(30)
    assert all(japanese(u["name"]) and german(u["address"]) for u in users)
    rows = list(generate(UserFactory, count=30, seed=2))
    assert all(japanese(r["name"]) for r in rows)


def test_a_seed_makes_the_values_the_same() -> None:
    assert UserFactory(seed=9).build_batch(5) == UserFactory(seed=9).build_batch(5)
    assert UserFactory(seed=9).build() != UserFactory(seed=10).build()


def test_a_given_faker_is_used_by_the_factory_and_its_children() -> None:
    user = UserFactory(faker=Faker("fr_FR"), seed=4).build()
    assert not japanese(user["name"])
    assert not german(user["address"])


def test_unseeded_values_follow_the_tests_seed() -> None:
    """Under the pytest plugin an unseeded factory's locale Faker is seeded from the
    test's seed, as the default Faker is: the same test seed gives the same values."""
    source = _TestFaker()
    made = []
    for seed in (5, 5, 6):
        source.begin(seed)
        with default_faker_from(source):
            made.append(UserFactory().build_batch(3))
    assert made[0] == made[1]
    assert made[0] != made[2]
    assert all(japanese(u["name"]) and german(u["address"]) for u in made[0])


def test_unseeded_values_follow_a_seeded_default_faker() -> None:
    """Outside tests, a locale's Faker is seeded from the default Faker's stream when
    first made: seeding the default one (Faker.seed) fixes those values too."""
    base = Faker()
    base.seed_instance(11)
    with default_faker_from(lambda: base):
        first = UserFactory().build()
    other = Faker()
    other.seed_instance(11)
    with default_faker_from(lambda: other):
        assert UserFactory().build() == first


def test_bad_settings_and_unknown_locales() -> None:
    with pytest.raises(FactoryDefinitionError) as raised:

        class Bad(Base):
            _faker_locale = 5  # type: ignore[assignment]

            @schema()
            def basic(self) -> dict[str, Any]:
                return {}

    assert str(raised.value) == "Bad._faker_locale must be a locale name such as 'fr_FR', got 5"

    class Nowhere(Base):
        _faker_locale = "xx_YY"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": fake("name")}

    with pytest.raises(FieldError) as failed:
        Nowhere().build()
    assert str(failed.value) == (
        "Nowhere.basic → name: fake('name') raised "
        "AttributeError('Invalid configuration for faker locale `xx_YY`')"
    )
