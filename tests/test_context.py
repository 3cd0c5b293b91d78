"""Tests for ``pyfactory._context``: a factory's context and its randomness (DESIGN §5)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from faker import Faker

from pyfactory import Context, Factory, MissingContextError, many, schema, sequence
from pyfactory.builders import DictBuilder


class LeafFactory(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"n": sequence(lambda n: n)}


class TreeFactory(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"leaves": many(LeafFactory, count=(1, 5))}


def multi_locale() -> Faker:
    """A Faker of two locales: it has no single random stream of its own."""
    return Faker(["en_US", "fr_FR"])


class TestContext:
    def test_len_counts_the_keys(self) -> None:
        """A context's length is the number of keyword arguments it holds."""
        assert len(Context({"session": "db", "tenant": 7})) == 2
        assert len(Context()) == 0

    def test_factory_context_length(self) -> None:
        """A factory's context holds its keyword arguments but not ``faker`` or ``seed``."""
        f = TreeFactory(session="db", tenant=7, seed=3, faker=Faker())

        assert len(f.context) == 2
        assert dict(f.context) == {"session": "db", "tenant": 7}

    def test_repr_shows_the_keys_and_values(self) -> None:
        """``repr`` of a context shows what it holds."""
        assert repr(Context({"session": "db"}, "UserFactory")) == "Context({'session': 'db'})"
        assert repr(Context()) == "Context({})"

    def test_with_defaults_keeps_own_keys_first(self) -> None:
        """``with_defaults`` fills only the missing keys, and names the given owner in errors."""
        merged = Context({"session": "mine"}, "A").with_defaults(
            {"session": "theirs", "tenant": 1}, "B"
        )

        assert dict(merged) == {"session": "mine", "tenant": 1}
        with pytest.raises(MissingContextError, match=r"B needs 'user' in its context"):
            merged.require("user")


class TestMultiLocaleFaker:
    def test_seeded_many_sizes_are_reproducible(self) -> None:
        """With a multi-locale Faker and a seed, ``many(count=(lo, hi))`` sizes repeat per seed."""
        first = TreeFactory(faker=multi_locale(), seed=7)
        second = TreeFactory(faker=multi_locale(), seed=7)

        sizes = [len(first.build()["leaves"]) for _ in range(8)]
        again = [len(second.build()["leaves"]) for _ in range(8)]

        other = TreeFactory(faker=multi_locale(), seed=8)
        assert sizes == again
        assert sizes != [len(other.build()["leaves"]) for _ in range(8)]
        assert all(1 <= size <= 5 for size in sizes)
        assert len(set(sizes)) > 1

    def test_random_is_a_stream_of_its_own(self) -> None:
        """A multi-locale Faker gives the factory a ``random.Random`` seeded with its seed."""
        f = TreeFactory(faker=multi_locale(), seed=11)

        stream = f.random

        assert isinstance(stream, random.Random)
        assert stream is f.random
        expected = random.Random(11)
        assert [stream.random() for _ in range(3)] == [expected.random() for _ in range(3)]

    def test_unseeded_multi_locale_faker_still_gives_sizes(self) -> None:
        """Without a seed a multi-locale Faker still picks sizes in the range."""
        f = TreeFactory(faker=multi_locale())

        sizes = {len(f.build()["leaves"]) for _ in range(20)}

        assert sizes <= {1, 2, 3, 4, 5}
        assert f.seed is None
