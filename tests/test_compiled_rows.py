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
            "tag": transient(sequence(lambda n: f"t{n}")),
            "first": fake("first_name"),
            "last": fake("last_name"),
            "domain": transient("example.org"),
            "email": lazy(lambda v: f"{v['first']}.{v['n']}@{v['domain']}".lower()),
            "odd": lazy(lambda v: True if v["n"] % 2 else OMIT),
            "tagged": lazy(lambda v: f"{v['tag']}:{v['n']}"),
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
    assert all("domain" not in row and "tag" not in row for row in batch)
    assert [row["tagged"] for row in batch] == [f"t{n}:{n}" for n in range(1, 7)]
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


class Members(Factory[dict[str, Any]]):
    """Rows whose fields make no child: their batch under create() is left aside."""

    _model = dict

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "n": transient(sequence(lambda n: n)),
            "name": fake("first_name"),
            "label": lazy(lambda v: f"{v['name']}-{v['n']}"),
        }


def test_a_transient_sequence_that_raises_names_its_key_on_every_row() -> None:
    class Broken(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": transient(sequence(lambda n: 1 // (n - 3))), "x": lazy(lambda v: v["n"])}

    with pytest.raises(FieldError) as caught:
        Broken().build_batch("basic", 5)
    assert str(caught.value) == (
        "Broken.basic → n: transient(sequence(<lambda>)) raised "
        "ZeroDivisionError('integer division or modulo by zero')"
    )


def test_rows_without_children_give_the_same_values_in_every_scope() -> None:
    Members.reset_sequences()
    attributes = Members(seed=4).attributes_batch("basic", 5)
    Members.reset_sequences()
    built = Members(seed=4).build_batch("basic", 5)
    assert attributes == built
    assert [row["label"].rsplit("-", 1)[1] for row in built] == ["1", "2", "3", "4", "5"]


def test_rows_whose_fakes_are_not_made_a_column_at_a_time_call_them_row_by_row() -> None:
    """A fake() with no fast provider (isbn10) leaves the batch's fakes to each row:
    the loop's fake steps, the fast one among them, give the single calls' values."""

    class Books(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "isbn": fake("isbn10"),
                "author": fake("first_name"),
                "label": lazy(lambda v: f"{v['author']}:{v['isbn']}"),
            }

    one = Books(seed=8)
    singles = [one.build("basic") for _ in range(7)]
    batch = Books(seed=8)
    rows = batch.build_batch("basic", 3) + batch.build_batch("basic", 4)
    assert rows == singles
    assert all(row["label"] == f"{row['author']}:{row['isbn']}" for row in rows)
    assert len({row["isbn"] for row in rows}) == 7
