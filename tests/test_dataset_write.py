"""pyfactory.dataset.write: Parquet, CSV and JSON Lines files, written by one process or
by worker processes with the same bytes, holding the rows generate() gives."""

from __future__ import annotations

import csv
import datetime
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from pyfactory import Factory, FieldError, UnknownSchemaError, UsageError, fake, schema
from pyfactory.dataset import generate, write
from tests.dataset_factories import AccountFactory, Colour, PersonFactory, RowFactory

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

FORMATS = ("parquet", "csv", "jsonl")


def files(path: Path) -> list[str]:
    """What a directory holds, hidden temporary files included."""
    return sorted(p.name for p in path.iterdir())


@pytest.mark.parametrize("suffix", FORMATS)
def test_any_number_of_workers_writes_the_same_bytes(tmp_path: Path, suffix: str) -> None:
    one, two = tmp_path / f"one.{suffix}", tmp_path / f"two.{suffix}"
    # 45 rows in chunks of 7: seven chunks, the last one short.
    assert write(PersonFactory, count=45, seed=3, to=one, chunk_size=7) == 45
    assert write(PersonFactory, count=45, seed=3, to=two, chunk_size=7, workers=2) == 45
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_bytes()) > 1000
    assert files(tmp_path) == [f"one.{suffix}", f"two.{suffix}"]


def test_parquet_columns_are_typed_from_the_model(tmp_path: Path) -> None:
    to = tmp_path / "people.parquet"
    write(PersonFactory, "basic", count=30, seed=5, to=to, chunk_size=8)
    table = pq.read_table(to)
    assert dict(zip(table.schema.names, map(str, table.schema.types), strict=True)) == {
        "number": "int64",
        "name": "string",
        "score": "double",
        "active": "bool",
        "born": "date32[day]",
        "joined": "timestamp[us]",
        "uid": "extension<arrow.uuid>" if hasattr(pa, "uuid") else "string",
        "colour": "string",
        "nickname": "string",
    }
    # One row group per chunk.
    assert pq.ParquetFile(to).num_row_groups == 4
    rows = list(generate(PersonFactory, "basic", count=30, seed=5))
    expected = [
        {
            **r,
            "uid": r["uid"] if hasattr(pa, "uuid") else str(r["uid"]),
            "colour": r["colour"].value,
        }
        for r in rows
    ]
    assert table.to_pylist() == expected
    assert {r["colour"] for r in expected} == {"red", "green"}
    assert any(r["nickname"] is None for r in expected)


def test_parquet_decimals_times_bytes_and_aware_datetimes(tmp_path: Path) -> None:
    to = tmp_path / "accounts.parquet"
    write(AccountFactory, count=7, seed=2, to=to, chunk_size=3, workers=2)
    table = pq.read_table(to)
    assert [str(t) for t in table.schema.types] == [
        "int64",
        "decimal128(9, 2)",
        "time64[us]",
        "binary",
        "timestamp[us, tz=UTC]",
        "list<element: string>",
    ]
    assert table.to_pylist() == list(generate(AccountFactory, count=7, seed=2))


def test_jsonl_decimals_are_strings(tmp_path: Path) -> None:
    to = tmp_path / "accounts.jsonl"
    write(AccountFactory, count=3, seed=2, to=to, token=None)
    rows = list(generate(AccountFactory, count=3, seed=2, token=None))
    got = [json.loads(line) for line in to.read_text().splitlines()]
    assert got == [
        {
            **r,
            "balance": str(r["balance"]),
            "opens": r["opens"].isoformat(),
            "created": r["created"].isoformat(),
        }
        for r in rows
    ]
    assert got[0]["created"].endswith("+00:00")


def test_parquet_casts_a_later_chunk_of_nulls(tmp_path: Path) -> None:
    to = tmp_path / "fading.parquet"
    write(RowFactory, "fading", count=20, seed=1, to=to, chunk_size=10)
    table = pq.read_table(to)
    assert str(table.schema.field("value").type) == "string"
    assert table.column("value").to_pylist() == [f"v{n}" for n in range(1, 11)] + [None] * 10


def test_parquet_of_a_dict_model_infers_types_and_nests_associations(tmp_path: Path) -> None:
    to = tmp_path / "nested.parquet"
    write(RowFactory, "nested", count=25, seed=1, to=to, chunk_size=6, workers=2)
    table = pq.read_table(to)
    assert str(table.schema.field("tag").type) == "struct<word: string, size: int64>"
    assert str(table.schema.field("tags").type) == (
        "list<element: struct<word: string, size: int64>>"
    )
    assert table.to_pylist() == list(generate(RowFactory, "nested", count=25, seed=1))


def test_a_slice_and_overrides_and_traits(tmp_path: Path) -> None:
    to = tmp_path / "slice.parquet"
    write(RowFactory, "flat", count=10, seed=2, start=990, to=to, city="Lyon", workers=2)
    got = pq.read_table(to).to_pylist()
    assert got == list(generate(RowFactory, "flat", count=1000, seed=2, city="Lyon"))[990:]
    assert [r["email"] for r in got][:2] == ["u991@example.org", "u992@example.org"]
    assert {r["city"] for r in got} == {"Lyon"}


def test_an_instance_keeps_its_context_in_the_workers(tmp_path: Path) -> None:
    to = tmp_path / "ctx.jsonl"
    factory = RowFactory(tenant="acme")
    write(factory, "tenanted", count=5, seed=2, to=to, workers=2, chunk_size=2)
    got = [json.loads(line) for line in to.read_text().splitlines()]
    assert got == list(generate(factory, "tenanted", count=5, seed=2))
    assert {r["tenant"] for r in got} == {"acme"}


def test_csv_reads_back_as_strings_of_the_rows(tmp_path: Path) -> None:
    to = tmp_path / "rows.csv"
    write(RowFactory, "flat", count=20, seed=4, to=to, chunk_size=6)
    with to.open(newline="", encoding="utf-8") as f:
        got = list(csv.DictReader(f))
    rows = list(generate(RowFactory, "flat", count=20, seed=4))
    assert got == [
        {
            "email": r["email"],
            "name": r["name"],
            "city": r["city"],
            "age": str(r["age"]),
            "when": r["when"].isoformat(),
            "note": "" if r["note"] is None else r["note"],
        }
        for r in rows
    ]
    # Quotes and commas survive; None is an empty cell.
    assert any('"hi", ' in r["note"] for r in got)
    assert any(r["note"] == "" for r in got)
    assert to.read_bytes().startswith(b"email,name,city,age,when,note\r\n")


def test_jsonl_encodes_dates_uuids_and_enums_as_strings(tmp_path: Path) -> None:
    to = tmp_path / "people.jsonl"
    write(PersonFactory, count=12, seed=9, to=to, chunk_size=5)
    lines = to.read_text(encoding="utf-8").splitlines()
    rows = list(generate(PersonFactory, count=12, seed=9))
    assert [json.loads(line) for line in lines] == [
        {
            **r,
            "born": r["born"].isoformat(),
            "joined": r["joined"].isoformat(),
            "uid": str(r["uid"]),
            "colour": r["colour"].value,
        }
        for r in rows
    ]
    assert isinstance(rows[0]["colour"], Colour)
    assert isinstance(rows[0]["born"], datetime.date)


def test_jsonl_nests_associations(tmp_path: Path) -> None:
    to = tmp_path / "nested.jsonl"
    write(RowFactory, "nested", count=8, seed=1, to=to, workers=2, chunk_size=3)
    got = [json.loads(line) for line in to.read_text().splitlines()]
    assert got == list(generate(RowFactory, "nested", count=8, seed=1))


def test_format_argument_overrides_the_suffix(tmp_path: Path) -> None:
    to = tmp_path / "rows.data"
    write(RowFactory, "nested", count=3, seed=1, to=str(to), format="jsonl")
    assert len(to.read_text().splitlines()) == 3


def test_zero_rows_still_make_a_file(tmp_path: Path) -> None:
    for suffix in FORMATS:
        assert write(RowFactory, count=0, seed=1, to=tmp_path / f"none.{suffix}") == 0
    assert pq.read_table(tmp_path / "none.parquet").num_rows == 0
    assert (tmp_path / "none.csv").read_bytes() == b""
    assert (tmp_path / "none.jsonl").read_bytes() == b""


def test_a_file_already_there_is_replaced(tmp_path: Path) -> None:
    to = tmp_path / "rows.jsonl"
    to.write_text("old\n")
    write(RowFactory, count=2, seed=1, to=to)
    assert len(to.read_text().splitlines()) == 2
    assert "old" not in to.read_text()


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("workers", [1, 2])
def test_a_field_error_is_the_same_in_a_worker_and_leaves_no_file(
    tmp_path: Path, workers: int
) -> None:
    to = tmp_path / "broken.parquet"
    to.write_bytes(b"before")
    with pytest.raises(FieldError) as raised:
        # Row 14 is in the second chunk: the first is written when the error comes.
        write(
            PersonFactory,
            "basic",
            "broken",
            count=40,
            seed=1,
            to=to,
            workers=workers,
            chunk_size=10,
        )
    with pytest.raises(FieldError) as alone:
        list(generate(PersonFactory, "basic", "broken", count=40, seed=1))
    assert str(raised.value) == str(alone.value)
    assert "PersonFactory.basic" in str(raised.value)
    assert str(raised.value) == (
        "PersonFactory.basic → number: sequence(Broken()) raised "
        "ZeroDivisionError('integer division or modulo by zero')"
    )
    # The file that was there is untouched, and no temporary file is left.
    assert to.read_bytes() == b"before"
    assert files(tmp_path) == ["broken.parquet"]


@pytest.mark.parametrize("workers", [1, 2])
def test_csv_refuses_nested_values_naming_the_field(tmp_path: Path, workers: int) -> None:
    with pytest.raises(UsageError) as raised:
        write(RowFactory, "nested", count=5, seed=1, to=tmp_path / "n.csv", workers=workers)
    assert str(raised.value) == (
        "write(RowFactory, 'nested', ...) to CSV: field 'tag' of RowFactory.nested holds "
        "dict values (an association or many() field), which a CSV cell cannot hold; "
        "write Parquet or JSON Lines, or leave the field out of the schema"
    )
    assert files(tmp_path) == []


def test_csv_refuses_bytes(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        write(RowFactory, "raw", count=2, seed=1, to=tmp_path / "r.csv")
    assert str(raised.value) == (
        "write(RowFactory, 'raw', ...) to CSV: field 'blob' of RowFactory.raw holds "
        "bytes values (not text), which a CSV cell cannot hold; write Parquet or JSON "
        "Lines, or leave the field out of the schema"
    )


def test_jsonl_refuses_bytes(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        write(RowFactory, "raw", count=2, seed=1, to=tmp_path / "r.jsonl")
    assert str(raised.value) == (
        "write(RowFactory, 'raw', ...) to JSON Lines: field 'blob' of RowFactory.raw "
        "holds a bytes value, which JSON cannot hold"
    )
    assert files(tmp_path) == []


def test_parquet_refuses_a_type_that_changes_after_the_first_chunk(tmp_path: Path) -> None:
    to = tmp_path / "s.parquet"
    with pytest.raises(UsageError) as raised:
        write(RowFactory, "shifting", count=20, seed=1, to=to, chunk_size=10)
    assert str(raised.value) == (
        "write(RowFactory, 'shifting', ...) to Parquet: field 'value' of "
        "RowFactory.shifting was null in the first chunk, as pyarrow inferred it from its "
        "values, and is string in a later one; give the field a type in the model, or "
        "make its first chunk's values show it (a larger chunk_size)"
    )
    assert files(tmp_path) == []
    # With the text in the first chunk, later Nones are nulls of a string column.
    write(RowFactory, "shifting", count=20, seed=1, to=to, chunk_size=20)
    assert pq.read_table(to).column("value").to_pylist()[9:12] == [None, "v11", "v12"]


def test_parquet_refuses_values_that_do_not_fit_the_models_type(tmp_path: Path) -> None:
    to = tmp_path / "p.parquet"
    with pytest.raises(UsageError) as raised:
        write(PersonFactory, count=3, seed=1, to=to, score="high")
    assert str(raised.value).startswith(
        "write(PersonFactory, 'basic', ...) to Parquet: field 'score' of "
        "PersonFactory.basic cannot be written as double: "
    )
    assert files(tmp_path) == []


class Local(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"word": fake("word")}


def test_workers_refuse_a_factory_they_cannot_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Inner(Factory[dict[str, Any]]):
        _model = dict
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"word": fake("word")}

    to = tmp_path / "w.jsonl"
    with pytest.raises(UsageError) as raised:
        write(Inner, count=3, seed=1, to=to, workers=2)
    assert str(raised.value) == (
        "write(Inner, ..., workers=N) needs a factory class that worker processes can "
        "import by its module and name, but it is defined in a function: define it at "
        "the top level of an importable module, or write with workers=1"
    )
    # One process needs no import.
    assert write(Inner, count=3, seed=1, to=to) == 3
    Local.__module__, module = "__main__", Local.__module__
    try:
        # A script's __main__ is a file: one that holds no Local does not name it.
        script = types.ModuleType("__main__")
        script.__file__ = str(tmp_path / "script.py")
        monkeypatch.setitem(sys.modules, "__main__", script)
        with pytest.raises(UsageError, match=r"but __main__\.Local does not name it"):
            write(Local, count=3, seed=1, to=to, workers=2)
        monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
        with pytest.raises(UsageError) as raised:
            write(Local, count=3, seed=1, to=to, workers=2)
        assert "it is defined in the __main__ of an interactive session or python -c, " in (
            str(raised.value)
        )
    finally:
        Local.__module__ = module
    Local.__qualname__ = "Elsewhere"
    try:
        with pytest.raises(UsageError) as raised:
            write(Local, count=3, seed=1, to=to, workers=2)
    finally:
        Local.__qualname__ = "Local"
    assert "but tests.test_dataset_write.Elsewhere does not name it:" in str(raised.value)


def test_workers_refuse_overrides_that_do_not_pickle(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        write(RowFactory, count=3, seed=1, to=tmp_path / "x.csv", workers=2, city=lambda: 1)
    assert str(raised.value).startswith(
        "write(RowFactory, ..., workers=N) sends the traits, overrides and the factory's "
        "context to worker processes, but they do not pickle ("
    )
    assert files(tmp_path) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to": "rows.txt"}, "write(RowFactory, ...) cannot tell the format of "),
        ({"to": "rows.csv", "format": "xlsx"}, "write(RowFactory, ...) format must be one of "),
        (
            {"to": 3},
            "write(RowFactory, ...) to must be a file path, a database URL or a SQLAlchemy "
            "Engine, got 3",
        ),
        ({"to": "rows.csv", "workers": 0}, "write(RowFactory, ...) workers must be an int of "),
        ({"to": "rows.csv", "count": -1}, "write(RowFactory, ...) count must be a non-negat"),
        ({"to": "rows.csv", "start": 1.5}, "write(RowFactory, ...) start must be a non-negat"),
        ({"to": "rows.csv", "chunk_size": 0}, "write(RowFactory, ...) chunk_size must be an "),
        ({"to": "rows.csv", "seed": "7"}, "write(RowFactory, ...) seed must be an int, got '7'"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"count": 3, "seed": 1, **kwargs}
    if isinstance(arguments["to"], str) and "://" not in arguments["to"]:
        arguments["to"] = str(tmp_path / arguments["to"])
    with pytest.raises(UsageError) as raised:
        write(RowFactory, **arguments)
    assert str(raised.value).startswith(message)
    assert files(tmp_path) == []


def test_bad_format_messages_in_full(tmp_path: Path) -> None:
    to = tmp_path / "rows.txt"
    with pytest.raises(UsageError) as raised:
        write(RowFactory, count=1, seed=1, to=to)
    assert str(raised.value) == (
        f"write(RowFactory, ...) cannot tell the format of {str(to)!r} from its suffix: "
        "name the file with one of .parquet, .csv, .jsonl, or pass format="
    )
    with pytest.raises(UsageError) as raised:
        write(RowFactory, count=1, seed=1, to=to, format="xlsx")
    assert str(raised.value) == (
        "write(RowFactory, ...) format must be one of ['csv', 'jsonl', 'parquet'], got 'xlsx'"
    )


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        write(RowFactory, count=1, seed=1, to=tmp_path)
    assert str(raised.value) == (
        f"write(RowFactory, ...) to {str(tmp_path)!r} is a directory, not a file"
    )
    missing = tmp_path / "no" / "rows.csv"
    with pytest.raises(UsageError) as raised:
        write(RowFactory, count=1, seed=1, to=missing)
    assert str(raised.value) == (
        f"write(RowFactory, ...) to {str(missing)!r}: the directory "
        f"{str(missing.parent)!r} does not exist"
    )


def test_not_a_factory_and_unknown_schema(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        write(dict, count=1, seed=1, to=tmp_path / "x.csv")  # type: ignore[arg-type]
    assert str(raised.value) == "write() takes a Factory class or instance, got <class 'dict'>"
    with pytest.raises(UnknownSchemaError):
        write(RowFactory, "nope", count=1, seed=1, to=tmp_path / "x.csv")
    assert files(tmp_path) == []


def test_importing_the_dataset_package_does_not_import_pyarrow() -> None:
    code = "import sys, pyfactory.dataset; print('pyarrow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_parquet_without_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    with pytest.raises(UsageError) as raised:
        write(RowFactory, count=1, seed=1, to=tmp_path / "x.parquet")
    assert str(raised.value) == (
        "write(RowFactory, ...) to Parquet needs pyarrow: pip install 'pyfactory-schema[dataset]'"
    )
    assert files(tmp_path) == []


def test_a_scripts_own_factory_is_written_by_workers(tmp_path: Path) -> None:
    """A factory defined in the script that calls write(..., workers=2) under
    ``if __name__ == "__main__":``: each worker runs the script again as its __main__."""
    script = tmp_path / "script_factory.py"
    script.write_text(
        "from pyfactory import Factory, fake, schema, sequence\n"
        "from pyfactory.dataset import write\n"
        "class Thing(Factory[dict]):\n"
        "    _model = dict\n"
        "    _default_schema = 'basic'\n"
        "    @schema()\n"
        "    def basic(self):\n"
        "        return {'n': sequence(lambda n: n), 'word': fake('word')}\n"
        "if __name__ == '__main__':\n"
        "    import sys\n"
        "    for workers, name in ((1, 'one.jsonl'), (2, 'two.jsonl')):\n"
        "        write(Thing, count=25, seed=3, to=sys.argv[1] + '/' + name, workers=workers,\n"
        "              chunk_size=4)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr
    one, two = (tmp_path / "one.jsonl").read_bytes(), (tmp_path / "two.jsonl").read_bytes()
    assert one == two
    assert len(one.splitlines()) == 25
