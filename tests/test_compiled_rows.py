"""The rows of a synchronous batch run their plan's compiled function from the second
row on (pyfactory._core.resolution.compiled.straight); the first row takes the
resolver's loop. Each test holds the two to the same values and errors: rows made
as single calls, or as the first row of a batch, against the later rows."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pyfactory import (
    OMIT,
    Factory,
    FieldError,
    association,
    fake,
    lazy,
    schema,
    sequence,
    transient,
)
from pyfactory.dataset import generate
from pyfactory.pytest import defaults


@dataclasses.dataclass
class Child:
    x: int


class ChildFactory(Factory[Child]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"x": 1}


class People(Factory[dict[str, Any]]):
    _model = dict

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "n": sequence(lambda n: n),
            "first": fake("first_name"),
            "last": fake("last_name"),
            "domain": transient("example.org"),
            "email": lazy(lambda v: f"{v['first']}.{v['n']}@{v['domain']}".lower()),
            "odd": lazy(lambda v: True if v["n"] % 2 else OMIT),
            "child": association(ChildFactory, "basic"),
        }


def test_the_rows_of_a_batch_are_the_objects_single_calls_make() -> None:
    People.reset_sequences()
    one = People(seed=5)
    singles = [one.build("basic") for _ in range(6)]
    People.reset_sequences()
    batch = People(seed=5).build_batch("basic", 6)
    assert batch == singles
    assert [row["n"] for row in batch] == [1, 2, 3, 4, 5, 6]
    assert ["odd" in row for row in batch] == [True, False] * 3
    assert all("domain" not in row for row in batch)
    assert all(row["email"].endswith(f".{row['n']}@example.org") for row in batch)
    assert [row["child"] for row in batch] == [Child(1)] * 6
    assert len({id(row["child"]) for row in batch}) == 6


def test_attributes_batches_and_builds_agree_row_by_row() -> None:
    People.reset_sequences()
    attributes = People(seed=9).attributes_batch("basic", 4)
    People.reset_sequences()
    built = People(seed=9).build_batch("basic", 4)
    assert [{**row, "child": Child(**row["child"])} for row in attributes] == built


def test_an_error_on_a_later_row_is_the_error_of_a_first_row() -> None:
    def failing_at(row: int) -> str:
        class Failing(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n), "x": lazy(lambda v: 1 // (v["n"] - row))}

        with pytest.raises(FieldError) as caught:
            Failing().build_batch("basic", 5)
        return str(caught.value)

    expected = (
        "Failing.basic → x: lazy field raised ZeroDivisionError('integer division or modulo "
        "by zero')"
    )
    assert failing_at(1) == failing_at(3) == expected


def test_a_dataset_numbers_its_rows_by_index_in_every_chunk() -> None:
    full = list(generate(People, "basic", count=12, seed=2, chunk_size=5))
    part = list(generate(People, "basic", count=4, seed=2, start=7, chunk_size=3))
    assert [row["n"] for row in full] == list(range(1, 13))
    assert part == full[7:11]
    assert all(row["email"].endswith(f".{row['n']}@example.org") for row in full)


def test_an_open_defaults_block_stands_for_the_child_of_every_row() -> None:
    mine = Child(7)
    People(seed=1).build_batch("basic", 2)
    with defaults(child=mine):
        rows = People(seed=1).build_batch("basic", 3)
    assert [row["child"] is mine for row in rows] == [True, True, True]
