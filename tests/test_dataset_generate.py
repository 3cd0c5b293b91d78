"""pyfactory.dataset.generate: rows that depend only on (seed, row index), so any slice
made on its own, in any chunks, is the same as that part of the whole run."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from examples.ticketing.factories import UserFactory
from pyfactory import (
    Factory,
    FieldError,
    UnknownSchemaError,
    UsageError,
    association,
    each,
    fake,
    lazy,
    many,
    schema,
    sequence,
)
from pyfactory.dataset import generate
from pyfactory.fields import SpecialField


class Where(SpecialField[tuple[int, Any]]):
    """(ctx.index, ctx.row), as a custom field sees them."""

    def resolve(self, ctx: Any) -> tuple[int, Any]:
        return ctx.index, ctx.row

    def describe(self) -> str:
        return "where"


class TagFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"label": sequence("t{n}"), "word": fake("word"), "where": Where()}


class WordFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"word": fake("word"), "size": fake("random_int", min=1, max=9)}


class UserRowFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": sequence("u{n}@example.org"),
            "code": sequence(lambda n: n * 10, start=100),
            "name": fake("name"),
            "city": fake("city"),
            "slug": lazy(lambda a: a["name"].lower()),
            "colour": each(["red", "green", "blue"]),
            "where": Where(),
            "tag": association(TagFactory),
            "tags": many(TagFactory, count=(0, 3)),
        }

    @schema()
    def plain(self) -> dict[str, Any]:
        return {"name": fake("name"), "city": fake("city"), "tags": many(WordFactory, count=2)}


def rows(**kwargs: Any) -> list[dict[str, Any]]:
    return list(generate(UserRowFactory, "basic", **kwargs))


def test_any_slice_in_any_chunks_is_that_part_of_the_whole_run() -> None:
    whole = rows(count=40, seed=7)
    assert rows(count=10, seed=7, start=25) == whole[25:35]
    assert rows(count=40, seed=7, chunk_size=1) == whole
    assert rows(count=40, seed=7, chunk_size=7) == whole
    # Pieces made in another order, as workers would, put back together.
    pieces = [rows(count=8, seed=7, start=s, chunk_size=3) for s in (32, 0, 16, 8, 24)]
    assert sorted(itertools.chain(*pieces), key=lambda r: r["where"][1]) == whole


def test_sequences_each_and_the_index_count_from_the_row() -> None:
    got = rows(count=4, seed=1, start=1000)
    assert [r["email"] for r in got] == [f"u{n}@example.org" for n in range(1001, 1005)]
    assert [r["code"] for r in got] == [11000, 11010, 11020, 11030]
    assert [r["colour"] for r in got] == ["green", "blue", "red", "green"]
    assert [r["where"] for r in got] == [(1000, 1000), (1001, 1001), (1002, 1002), (1003, 1003)]
    # A child counts from its row too; its index is its place among its siblings.
    assert [r["tag"]["label"] for r in got] == ["t1001", "t1002", "t1003", "t1004"]
    assert [r["tag"]["where"] for r in got] == [(0, 1000), (0, 1001), (0, 1002), (0, 1003)]
    for row in got:
        assert [t["where"] for t in row["tags"]] == [
            (i, row["where"][1]) for i in range(len(row["tags"]))
        ]


def test_associations_and_many_are_nested_dicts() -> None:
    got = rows(count=30, seed=3)
    assert all(isinstance(r["tag"], dict) and r["tag"]["word"] for r in got)
    assert {len(r["tags"]) for r in got} == {0, 1, 2, 3}
    assert all(r["slug"] == r["name"].lower() for r in got)


def test_the_seed_decides_the_values() -> None:
    assert rows(count=5, seed=7) == rows(count=5, seed=7)
    names = [r["name"] for r in rows(count=5, seed=7)]
    assert names != [r["name"] for r in rows(count=5, seed=8)]
    assert len(set(names)) == 5


def test_rows_are_those_of_the_seeded_factory() -> None:
    # No sequence in this schema: a dataset's rows are the seeded factory's own.
    got = list(generate(UserRowFactory, "plain", count=6, seed=11))
    assert got == UserRowFactory(seed=11).attributes_batch("plain", 6)


def test_no_process_counter_moves() -> None:
    before = UserRowFactory().attributes("basic")["email"]
    rows(count=50, seed=1)
    after = UserRowFactory().attributes("basic")["email"]
    number = int(before.split("@")[0][1:])
    assert after == f"u{number + 1}@example.org"


def test_rows_are_made_as_they_are_read_a_chunk_at_a_time() -> None:
    calls: list[int] = []

    class Counted(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": lazy(lambda a: calls.append(1) or len(calls))}

    it = generate(Counted, "basic", count=1_000_000, seed=1, chunk_size=50)
    assert calls == []
    first = next(it)
    assert first == {"n": 1}
    assert len(calls) == 50
    for _ in range(50):
        next(it)
    assert len(calls) == 100


def test_an_instance_keeps_its_context() -> None:
    class Region(SpecialField[str]):
        def resolve(self, ctx: Any) -> str:
            return str(ctx.context["region"])

        def describe(self) -> str:
            return "region"

    class ShopFactory(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"region": Region()}

    got = list(generate(ShopFactory(region="north", seed=99), "basic", count=2, seed=1))
    assert got == [{"region": "north"}, {"region": "north"}]


def test_unique_values_are_unique_in_a_call_and_the_same_in_every_call() -> None:
    class Unique(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": fake("random_int", min=1, max=50, unique=True)}

    first = [r["n"] for r in generate(Unique, "basic", count=50, seed=4)]
    assert sorted(first) == list(range(1, 51))
    assert [r["n"] for r in generate(Unique, "basic", count=50, seed=4)] == first


def test_the_ticketing_users_slice_as_the_whole_run() -> None:
    whole = list(generate(UserFactory, count=30, seed=2024))
    assert list(generate(UserFactory, count=5, seed=2024, start=20)) == whole[20:25]
    assert [u["email"].split("@")[0][-2:] for u in whole[20:22]] == ["21", "22"]
    assert len({u["id"] for u in whole}) == 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"count": -1, "seed": 1},
            "generate(UserRowFactory, ...) count must be a non-negative int, got -1",
        ),
        ({"count": True, "seed": 1}, "count must be a non-negative int, got True"),
        ({"count": 3, "seed": 1, "start": -5}, "start must be a non-negative int, got -5"),
        (
            {"count": 3, "seed": 1, "chunk_size": 0},
            "chunk_size must be an int of at least 1, got 0",
        ),
        ({"count": 3, "seed": "7"}, "generate(UserRowFactory, ...) seed must be an int, got '7'"),
        ({"count": 3, "seed": None}, "generate(UserRowFactory, ...) seed must be an int, got None"),
    ],
)
def test_bad_arguments_fail_before_any_row(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        generate(UserRowFactory, "basic", **kwargs)
    assert message in str(caught.value)


def test_a_factory_is_required() -> None:
    with pytest.raises(UsageError, match=r"generate\(\) takes a Factory class or instance, got 3"):
        generate(3, "basic", count=1, seed=1)  # type: ignore[arg-type]


def test_an_unknown_schema_is_named_at_once() -> None:
    with pytest.raises(UnknownSchemaError) as caught:
        generate(UserRowFactory, "nope", count=1, seed=1)
    assert "UserRowFactory" in str(caught.value)
    assert "'nope'" in str(caught.value)


def test_a_failing_field_names_the_factory_schema_and_field() -> None:
    class Failing(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "bad": lazy(lambda a: 1 // (a["n"] - 3))}

    it = generate(Failing, "basic", count=5, seed=1)
    with pytest.raises(FieldError) as caught:
        list(it)
    assert str(caught.value) == (
        "Failing.basic → bad: lazy field raised "
        "ZeroDivisionError('integer division or modulo by zero')"
    )
