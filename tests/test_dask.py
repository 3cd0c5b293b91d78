"""pyfactory.dask: a dataset as a Dask bag or dataframe whose partitions make their own
rows, run by Dask's own schedulers (sync, threads, processes and, if installed, a
dask.distributed LocalCluster); computed, they are generate()'s rows."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
from typing import Any

import pytest

from pyfactory import Factory, UnknownSchemaError, UsageError, fake, schema, sequence
from pyfactory.dataset import generate
from tests.dask_factories import (
    AccountFactory,
    Colour,
    LateNoneFactory,
    ReadingFactory,
    RowFactory,
)

dask = pytest.importorskip("dask")
pd = pytest.importorskip("pandas")

from pyfactory.dask import SAMPLE_SIZE, bag, dataframe  # noqa: E402


def rows(factory: Any = RowFactory, *traits: str, count: int, seed: int) -> list[dict[str, Any]]:
    return list(generate(factory, "basic", *traits, count=count, seed=seed))


def plain(frame: Any) -> list[dict[str, Any]]:
    """A computed dataframe's rows as dicts, pandas' missing values as None."""
    return [
        {key: None if value is pd.NA else value for key, value in record.items()}
        for record in frame.to_dict("records")
    ]


def local_factory() -> type[Factory[dict[str, Any]]]:
    class Local(Factory[dict[str, Any]]):
        _model = dict

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"n": sequence(lambda n: n), "name": fake("name")}

    return Local


# ---------------------------------------------------------------- bag


@pytest.mark.parametrize("scheduler", ["sync", "single-threaded", "threads"])
@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_a_bag_computes_to_the_rows_of_generate(scheduler: str, npartitions: int) -> None:
    made = bag(RowFactory, "basic", count=40, seed=7, npartitions=npartitions)
    assert made.npartitions == npartitions
    assert made.compute(scheduler=scheduler) == rows(count=40, seed=7)


def test_a_bag_computes_to_the_rows_of_generate_in_processes() -> None:
    whole = rows(RowFactory, "loud", count=60, seed=3)
    for npartitions in (1, 3, 7):
        made = bag(RowFactory, "basic", "loud", count=60, seed=3, npartitions=npartitions)
        assert made.compute(scheduler="processes", num_workers=2) == whole
    assert all(row["slug"] == row["name"].upper() for row in whole)


def test_each_partition_holds_a_contiguous_range_of_rows() -> None:
    whole = rows(count=10, seed=1)
    made = bag(RowFactory, count=10, seed=1, npartitions=3)
    parts = dask.compute(*made.to_delayed(), scheduler="sync")
    assert [len(part) for part in parts] == [3, 3, 4]
    assert list(parts) == [whole[0:3], whole[3:6], whole[6:10]]
    assert [row["email"] for row in parts[1]] == [f"u{n}@example.org" for n in (4, 5, 6)]


def test_overrides_and_an_instance_context_reach_the_partitions() -> None:
    made = bag(RowFactory(), count=6, seed=2, npartitions=2, size=42)
    got = made.compute(scheduler="processes", num_workers=2)
    assert got == list(generate(RowFactory, count=6, seed=2, size=42))
    assert {row["size"] for row in got} == {42}


def test_fewer_rows_than_partitions_and_no_rows() -> None:
    few = bag(RowFactory, count=2, seed=1, npartitions=7)
    assert few.npartitions == 2
    assert few.compute(scheduler="sync") == rows(count=2, seed=1)
    empty = bag(RowFactory, count=0, seed=1, npartitions=4)
    assert empty.npartitions == 1
    assert empty.compute(scheduler="sync") == []


# ---------------------------------------------------------------- dataframe


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_a_dataframe_computes_to_the_rows_of_generate(npartitions: int) -> None:
    frame = dataframe(RowFactory, count=50, seed=5, npartitions=npartitions)
    assert frame.npartitions == npartitions
    for scheduler in ("sync", "threads"):
        got = frame.compute(scheduler=scheduler)
        assert plain(got) == rows(count=50, seed=5)
        assert list(got.index) == list(range(50))


def test_a_dataframe_computes_in_processes() -> None:
    frame = dataframe(AccountFactory, count=30, seed=9, npartitions=7)
    got = frame.compute(scheduler="processes", num_workers=2)
    assert plain(got) == rows(AccountFactory, count=30, seed=9)
    assert dict(got.dtypes) == dict(frame.dtypes)


def test_dtypes_from_a_sample_keep_nested_values_as_objects() -> None:
    frame = dataframe(RowFactory, count=5, seed=5, npartitions=2)
    string = pd.StringDtype("pyarrow")
    assert dict(frame.dtypes) == {
        "email": string,
        "name": string,
        "size": "int64",
        "score": "float64",
        "active": "bool",
        "slug": string,
        "tag": object,
        "tags": object,
    }
    got = frame.compute(scheduler="sync")
    assert dict(got.dtypes) == dict(frame.dtypes)
    assert isinstance(got["tag"][0], dict)
    assert got["tag"][0]["label"] == "t1"
    assert all(isinstance(tags, list) for tags in got["tags"])


def test_dtypes_from_the_models_fields() -> None:
    frame = dataframe(AccountFactory, count=12, seed=4, npartitions=3)
    assert dict(frame.dtypes) == {
        "id": object,  # UUID
        "number": "int64",
        "owner": pd.StringDtype("pyarrow"),
        "balance": "float64",
        "verified": "bool",
        "opened": "datetime64[us]",
        "closed": object,  # date | None, None in every row
        "colour": object,  # an Enum
        "referrer": "Int64",  # int | None, None in row 0 only
        "code": pd.StringDtype("pyarrow"),  # says int, holds strings: the values win
    }
    got = frame.compute(scheduler="sync")
    assert got["referrer"].isna().tolist() == [True] + [False] * 11
    assert got["referrer"][5] == 5
    assert got["colour"].tolist()[:3] == [Colour.RED, Colour.BLUE, Colour.RED]
    assert isinstance(got["opened"][0], pd.Timestamp)
    assert got["opened"][0] == rows(AccountFactory, count=1, seed=4)[0]["opened"]


def test_aware_datetimes_unions_and_mixed_numbers() -> None:
    frame = dataframe(ReadingFactory, count=6, seed=4, npartitions=2)
    assert dict(frame.dtypes) == {
        "at": object,  # the field says aware
        "seen": object,  # the values are aware
        "value": "int64",  # int | str: by the values
        "amount": "float64",  # ints and floats
    }
    got = frame.compute(scheduler="sync")
    assert plain(got) == rows(ReadingFactory, count=6, seed=4)
    assert got["at"][0].tzinfo is datetime.timezone.utc
    assert got["amount"].tolist() == [1.0, 2.5, 1.0, 2.5, 1.0, 2.5]


def test_the_index_is_the_row_index_with_known_divisions() -> None:
    frame = dataframe(RowFactory, count=1000, seed=7, npartitions=7)
    assert frame.known_divisions
    assert frame.divisions == (0, 142, 285, 428, 571, 714, 857, 999)
    tail = frame.loc[990:999]
    assert tail.npartitions == 1
    got = tail.compute(scheduler="sync")
    assert list(got.index) == list(range(990, 1000))
    assert plain(got) == list(generate(RowFactory, count=10, seed=7, start=990))
    across = frame.loc[140:144].compute(scheduler="sync")
    assert [row["email"] for row in plain(across)] == [f"u{n}@example.org" for n in range(141, 146)]


def test_an_empty_dataframe_has_the_columns() -> None:
    frame = dataframe(RowFactory, count=0, seed=7, npartitions=3)
    assert frame.npartitions == 1
    got = frame.compute(scheduler="sync")
    assert len(got) == 0
    assert list(got.columns) == ["email", "name", "size", "score", "active", "slug", "tag", "tags"]


def test_meta_gives_the_dtypes_and_column_order() -> None:
    meta = {"n": "float64"}
    frame = dataframe(LateNoneFactory, count=200, seed=1, npartitions=3, meta=meta)
    assert dict(frame.dtypes) == {"n": "float64"}
    got = frame.compute(scheduler="sync")
    assert got["n"][149] == 150.0
    assert got["n"][150:].isna().all()
    order = [("tags", object), ("email", "str"), ("name", object), ("size", "int32")]
    order += [("score", "float32"), ("active", "boolean"), ("slug", object), ("tag", object)]
    frame = dataframe(RowFactory, count=4, seed=2, npartitions=2, meta=order)
    assert list(frame.columns) == [name for name, _ in order]
    got = frame.compute(scheduler="sync")
    assert str(got["size"].dtype) == "int32"
    assert got["email"].tolist() == [f"u{n}@example.org" for n in range(1, 5)]


def test_a_value_the_sample_did_not_see_names_its_column() -> None:
    frame = dataframe(LateNoneFactory, count=200, seed=1, npartitions=3)
    assert SAMPLE_SIZE < 150
    assert dict(frame.dtypes) == {"n": "int64"}
    assert frame.loc[0:100].compute(scheduler="sync")["n"].tolist() == list(range(1, 102))
    with pytest.raises(UsageError) as caught:
        frame.compute(scheduler="sync")
    assert str(caught.value).startswith(
        "dataframe(LateNoneFactory, ...) rows 133 to 199: column 'n' cannot hold their "
        "values as int64: TypeError: "
    )
    assert str(caught.value).endswith("; give meta= with a dtype that holds them")


def test_strings_are_objects_when_dask_does_not_convert_them() -> None:
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dataframe(RowFactory, count=3, seed=1, npartitions=2)
    assert frame.dtypes["email"] is pd.api.types.pandas_dtype(object)
    got = frame.compute(scheduler="sync")
    assert got["email"].tolist() == ["u1@example.org", "u2@example.org", "u3@example.org"]


def test_meta_must_name_the_fields_of_a_row() -> None:
    with pytest.raises(UsageError) as caught:
        dataframe(LateNoneFactory, count=3, seed=1, npartitions=1, meta={"m": "int64"})
    assert str(caught.value) == (
        "dataframe(LateNoneFactory, ...) meta must name the fields of a row, ['n'], got ['m']"
    )


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize("make", [bag, dataframe])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1, "seed": 1, "npartitions": 2}, "count must be a non-negative int, got -1"),
        ({"count": 1.5, "seed": 1, "npartitions": 2}, "count must be a non-negative int, got 1.5"),
        ({"count": 3, "seed": "7", "npartitions": 2}, "seed must be an int, got '7'"),
        ({"count": 3, "seed": None, "npartitions": 2}, "seed must be an int, got None"),
        (
            {"count": 3, "seed": 1, "npartitions": 0},
            "npartitions must be an int of at least 1, got 0",
        ),
        (
            {"count": 3, "seed": 1, "npartitions": True},
            "npartitions must be an int of at least 1, got True",
        ),
    ],
)
def test_bad_arguments_fail_at_the_call(make: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        make(RowFactory, "basic", **kwargs)
    assert str(caught.value) == f"{make.__name__}(RowFactory, ...) {message}"


@pytest.mark.parametrize("make", [bag, dataframe])
def test_a_factory_and_a_known_schema_are_required(make: Any) -> None:
    with pytest.raises(UsageError) as caught:
        make(3, count=1, seed=1, npartitions=1)
    assert str(caught.value) == f"{make.__name__}() takes a Factory class or instance, got 3"
    with pytest.raises(UnknownSchemaError) as unknown:
        make(RowFactory, "nope", count=1, seed=1, npartitions=1)
    assert "RowFactory" in str(unknown.value)
    assert "'nope'" in str(unknown.value)


# ---------------------------------------------------------------- pickling


def test_a_factory_defined_in_a_function_works_where_nothing_is_pickled() -> None:
    local = local_factory()
    expected = list(generate(local, "basic", count=5, seed=1))
    made = bag(local, "basic", count=5, seed=1, npartitions=2)
    assert made.compute(scheduler="threads") == expected
    frame = dataframe(local, "basic", count=5, seed=1, npartitions=2)
    assert plain(frame.compute(scheduler="sync")) == expected


@pytest.mark.parametrize("make", [bag, dataframe])
def test_a_factory_defined_in_a_function_is_refused_by_processes(make: Any) -> None:
    local = local_factory()
    made = make(local, "basic", count=5, seed=1, npartitions=2)
    with pytest.raises(UsageError) as caught:
        made.compute(scheduler="processes", num_workers=2)
    assert str(caught.value) == (
        f"{make.__name__}(Local, ...) cannot send Local to Dask's workers: "
        "tests.test_dask.local_factory.<locals>.Local cannot be imported there (a class "
        "defined in a function or in __main__), and a copy pickled by value does not make "
        "the same rows in another process. Define the factory at the top level of a module "
        "the workers can import, or use the 'sync' or 'threads' scheduler"
    )


def test_a_factory_of_a_module_that_is_gone_is_refused_by_processes() -> None:
    local = local_factory()
    local.__module__, local.__qualname__ = "tests.gone", "Local"
    made = bag(local, "basic", count=5, seed=1, npartitions=2)
    with pytest.raises(UsageError, match=r"tests\.gone\.Local cannot be imported there"):
        made.compute(scheduler="processes", num_workers=2)


def test_a_context_that_does_not_pickle_is_refused_by_processes() -> None:
    made = bag(RowFactory(lock=threading.Lock()), count=4, seed=1, npartitions=2)
    with pytest.raises(UsageError) as caught:
        made.compute(scheduler="processes", num_workers=2)
    assert str(caught.value).startswith(
        "bag(RowFactory, ...) cannot send RowFactory, its context or overrides to Dask's "
        "workers: TypeError: cannot pickle '_thread.lock' object. Define the factory"
    )
    assert isinstance(caught.value.__cause__, TypeError)


# ---------------------------------------------------------------- import and cluster


def test_import_pyfactory_does_not_import_dask() -> None:
    code = (
        "import sys, pyfactory, pyfactory.dataset\n"
        "print(sorted(m for m in ('dask', 'pandas', 'pyfactory.dask') if m in sys.modules))\n"
        "import pyfactory.dask\n"
        "print('dask' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split("\n")[:2] == ["[]", "False"]


def test_a_distributed_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        made = bag(RowFactory, count=30, seed=11, npartitions=3)
        assert client.compute(made).result() == rows(count=30, seed=11)
        frame = dataframe(AccountFactory, count=30, seed=11, npartitions=7)
        assert plain(client.compute(frame).result()) == rows(AccountFactory, count=30, seed=11)
        # Each partition ran on a worker of the cluster, in another process.
        pids = bag(RowFactory, count=4, seed=1, npartitions=2).map_partitions(
            lambda part: [os.getpid()]
        )
        assert os.getpid() not in client.compute(pids).result()
        # A factory the workers cannot import: distributed's own error, ours as its cause.
        local = bag(local_factory(), "basic", count=4, seed=1, npartitions=2)
        with pytest.raises(TypeError, match="Could not serialize") as caught:
            client.compute(local).result()
        chain, error = [], caught.value.__cause__ or caught.value.__context__
        while error is not None and len(chain) < 10:
            chain.append(error)
            error = error.__cause__ or error.__context__
        ours = [error for error in chain if isinstance(error, UsageError)]
        assert ours, chain
        assert str(ours[0]).startswith("bag(Local, ...) cannot send Local to Dask's workers")
