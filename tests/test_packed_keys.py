"""A batch's keys made packed in lanes (``pyfactory.providers._column``) are, lane for
lane, the keys the resolver makes one at a time (``pyfactory._stream``): the objects'
keys (``subkey``), the fields' keys (``value_key``) and their first draws, so a batch's
values are the values made one by one."""

from __future__ import annotations

import bisect
import itertools
import pickle
import random
import uuid
from typing import Any, ClassVar

import pytest
from faker import Faker

from pyfactory import Factory, fake, schema
from pyfactory._context import Randomness
from pyfactory._stream import GAMMA, MASK, mix, name_key, subkey, value_key
from pyfactory.providers import _column, _numbers, fast_provider
from pyfactory.providers._column import (
    BLOCK,
    first_draws,
    mixed_lanes,
    packed,
    subkey_lanes,
    unpacked,
    value_key_lanes,
)

BASES = [0, 1, MASK, MASK - 1, 1 << 63, GAMMA, 0x0123_4567_89AB_CDEF]


def lanes(z: int, n: int) -> list[int]:
    return unpacked(z, n).tolist()


class TestLanes:
    def test_packed_words_come_back_unpacked(self) -> None:
        words = [0, 1, MASK, 1 << 63, GAMMA]
        assert lanes(packed(words), len(words)) == words
        assert packed([]) == 0

    @pytest.mark.parametrize("word", [-1, 1 << 64])
    def test_a_word_out_of_64_bits_is_refused(self, word: int) -> None:
        with pytest.raises(OverflowError):
            packed([1, word])

    @pytest.mark.parametrize("base", BASES)
    @pytest.mark.parametrize("first", [0, 1, 999, 10**12])
    def test_object_keys_are_the_subkeys(self, base: int, first: int) -> None:
        for n in (1, 2, 7, BLOCK):
            made = lanes(subkey_lanes(base, first, n), n)
            assert made == [subkey(base, index) for index in range(first, first + n)]

    @pytest.mark.parametrize("first", [MASK - 3, MASK, 1 << 70, -5, -(1 << 65)])
    def test_counters_beyond_64_bits_wrap_as_the_subkeys_do(self, first: int) -> None:
        # subkey() takes its counter modulo 2**64 (a mask of the product); the lanes too.
        for base in BASES:
            made = lanes(subkey_lanes(base, first, 8), 8)
            assert made == [subkey(base, index) for index in range(first, first + 8)]

    @pytest.mark.parametrize("name", ["email", "first_name", "", "a.b"])
    def test_field_keys_are_the_value_keys(self, name: str) -> None:
        roots = [*BASES, *range(10**6, 10**6 + 100)]
        made = lanes(value_key_lanes(packed(roots), len(roots), name_key(name)), len(roots))
        assert made == [value_key(root, name) for root in roots]

    def test_first_draws_are_the_mixed_keys(self) -> None:
        keys = [*BASES, *range(500)]
        assert first_draws(packed(keys), len(keys)) == mixed_lanes(keys)
        assert lanes(mixed_lanes(keys), len(keys)) == [mix((k + GAMMA) & MASK) for k in keys]


class TestRootLanes:
    @pytest.mark.parametrize("first", [0, 3, 5000])
    def test_seeded_roots_are_root_one_by_one(self, first: int) -> None:
        packed_roots = Randomness(seed=42).root_lanes(Factory, "basic", first, 300)
        one_by_one = Randomness(seed=42)
        expected = [one_by_one.root(Factory, "basic", n) for n in range(first, first + 300)]
        assert lanes(packed_roots, 300) == expected

    def test_unseeded_roots_are_the_stream_s_words_in_order(self) -> None:
        def randomness() -> Randomness:
            faker = Faker()
            faker.seed_instance(11)
            return Randomness(faker)

        expected = randomness()
        one_by_one = [expected.root(Factory, "basic", n) for n in range(40)]
        assert lanes(randomness().root_lanes(Factory, "basic", 0, 40), 40) == one_by_one


class TestManyLanes:
    @pytest.mark.parametrize(
        ("provider", "kwargs"),
        [
            ("first_name", {}),
            ("email", {}),
            ("uuid4", {"cast_to": None}),
            ("uuid4", {}),
            ("random_int", {"min": 3, "max": 90}),
            ("date_time_between", {"start_date": "-30y", "end_date": "now"}),
        ],
    )
    def test_the_values_of_packed_keys_are_the_values_of_the_keys(
        self, provider: str, kwargs: dict[str, Any]
    ) -> None:
        faker = Faker()
        fast = fast_provider(faker, provider, (), kwargs)
        assert fast is not None
        keys = [*BASES, *range(10**9, 10**9 + 300)]
        assert fast.many_lanes(packed(keys), len(keys)) == [fast(key) for key in keys]


class People(Factory[dict[str, Any]]):
    _model = dict

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("first_name"),
            "email": fake("email", unique=True),
            "id": fake("uuid4", cast_to=None),
        }


class TestBatches:
    @pytest.mark.parametrize("sizes", [[1, BLOCK - 1, 2], [BLOCK + 1, 3], [2 * BLOCK + 5]])
    def test_a_batch_across_blocks_is_its_objects_made_one_by_one(self, sizes: list[int]) -> None:
        batched = People(seed=5)
        rows = [row for size in sizes for row in batched.attributes_batch("basic", size)]
        single = People(seed=5)
        assert rows == [single.attributes("basic") for _ in rows]
        assert len({row["email"] for row in rows}) == len(rows)

    def test_an_unseeded_batch_is_its_objects_made_one_by_one_from_the_same_stream(
        self,
    ) -> None:
        def factory() -> People:
            faker = Faker()
            faker.seed_instance(3)
            return People(faker=faker)

        rows = factory().attributes_batch("basic", BLOCK + 10)
        single = factory()
        assert rows == [single.attributes("basic") for _ in rows]


class TestUuids:
    """The UUIDs made without ``UUID.__init__`` (``providers._numbers``) are the
    constructor's, one at a time and a column at a time."""

    INTS: ClassVar[list[int]] = [
        0,
        1,
        (1 << 128) - 1,
        0x1234 << 64,
        *range(1 << 64, (1 << 64) + 50),
    ]

    def test_the_fast_makers_are_in_use_and_make_what_the_constructor_makes(self) -> None:
        assert _numbers._uuid is not _numbers._uuid_constructed
        expected = [uuid.UUID(int=value) for value in self.INTS]
        for made in ([_numbers._uuid(value) for value in self.INTS], _numbers._uuids(self.INTS)):
            assert made == expected
            assert [type(value) for value in made] == [uuid.UUID] * len(made)
            assert [str(value) for value in made] == [str(value) for value in expected]
            assert {value.is_safe for value in made} == {uuid.SafeUUID.unknown}
            assert pickle.loads(pickle.dumps(made)) == expected
            with pytest.raises(TypeError, match="UUID objects are immutable"):
                made[0].int = 5  # type: ignore[misc]

    def test_the_constructor_s_makers_make_the_same(self) -> None:
        assert _numbers._uuids_constructed(self.INTS) == _numbers._uuids(self.INTS)
        assert _numbers._uuid_constructed(7) == _numbers._uuid(7)

    def test_a_uuid_column_is_the_uuids_one_by_one(self) -> None:
        fast = fast_provider(Faker(), "uuid4", (), {"cast_to": None})
        assert fast is not None
        keys = [*BASES, *range(10**6, 10**6 + 2000)]
        made = fast.many(keys)
        assert made == [fast(key) for key in keys]
        assert {value.version for value in made} == {4}
        assert {value.variant for value in made} == {uuid.RFC_4122}
        assert len(set(made)) == len(keys)


class TestWeightedPicks:
    """A weighted pick of a long table, bisected within its bucket
    (``_column._weighted``), is the pick bisected over the whole table."""

    @pytest.mark.parametrize(
        "weights",
        [
            [1] * 40,
            [5, 1, 1, 900, 1, *range(1, 60)],
            [1 << 40, 1, 3, *([7] * 50), 1 << 41],
            [1] * 5000,  # more entries than buckets
            [3] * 20,  # few entries: bisected whole
        ],
    )
    def test_every_edge_picks_what_bisecting_the_whole_table_picks(
        self, weights: list[int]
    ) -> None:
        cumulative = list(itertools.accumulate(weights))
        total = cumulative[-1]
        edges = {0, total - 1, *(c - 1 for c in cumulative[:-1]), *cumulative[:-1]}
        rng = random.Random(4)
        picked = sorted(edges | {rng.randrange(total) for _ in range(3000)})
        expected = [bisect.bisect_right(cumulative, p) for p in picked]
        assert list(_column._weighted(picked, cumulative)) == expected
        assert list(_column._weighted(picked, cumulative)) == expected  # the kept buckets

    def test_a_new_table_at_an_old_table_s_id_gets_buckets_of_its_own(self) -> None:
        first = list(itertools.accumulate([1] * 100))
        assert list(_column._weighted([0, 99], first)) == [0, 99]
        other = list(itertools.accumulate([50] * 100))
        _column._bucket_cache[id(other)] = _column._bucket_cache[id(first)]
        assert list(_column._weighted([0, 49, 50, 4999], other)) == [0, 0, 1, 99]
