"""The file formats of :func:`pyfactory.dataset.write`: how a chunk of rows becomes
what a file holds, and how the parent process appends it to the file.

Each format has two halves. :meth:`Format.encode` turns one chunk of attribute dicts
into a payload (bytes for CSV and JSON Lines, an Arrow table for Parquet); it runs
where the rows are made, in a worker process when there are several, so that the
costly part of a write is spread across workers. :meth:`Sink.append` writes the
payloads, in chunk order, in the parent process. A chunk's payload depends only on
its rows, so the file's bytes do not depend on how many workers made them.

pyarrow is imported only by the Parquet format, when a Parquet file is written:
``import pyfactory.dataset`` stays light. It is imported by name (:func:`_arrow`) and
its objects typed ``Any``: pyarrow ships no type information, and an optional
dependency may not be installed where mypy runs.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import decimal
import enum
import importlib
import io
import json
import types
import typing
import uuid
from typing import IO, TYPE_CHECKING, Any

from pyfactory.errors import FactoryError, UsageError

if TYPE_CHECKING:
    from pyfactory._factory import Factory

__all__ = ["FORMATS", "Format", "Sink", "Where", "arrow_schema_of"]


class Where(typing.NamedTuple):
    """The factory and schema being written, for messages: ``UserFactory.basic``."""

    factory: str
    schema: str | None

    def __str__(self) -> str:
        return f"{self.factory}.{self.schema}"


class Sink:
    """The parent's half of a format: appends payloads, in chunk order, to an open
    binary file."""

    def __init__(self, file: IO[bytes], where: Where) -> None:
        self.file = file
        self.where = where

    def append(self, payload: Any) -> None:
        self.file.write(payload)

    def close(self) -> None:
        """Writes what the format keeps to the end (Parquet's footer)."""

    def abort(self) -> None:
        """Lets go of the file after an error: it is about to be removed."""


class Format:
    """One file format: its name, the suffixes that choose it and its two halves."""

    name = ""
    suffixes: tuple[str, ...] = ()

    def encode(self, rows: list[dict[str, Any]], where: Where, extra: Any) -> Any:
        """The payload of one chunk of rows; ``extra`` is :meth:`prepare`'s answer."""
        raise NotImplementedError

    def prepare(self, factory: type[Factory[Any]], where: Where) -> Any:
        """What every chunk's :meth:`encode` needs, worked out once in the parent
        (Parquet's column types); it is sent to the workers, so it pickles."""
        return None

    def sink(self, file: IO[bytes], where: Where, extra: Any) -> Sink:
        return Sink(file, where)


# ------------------------------------------------------------------ CSV


def _nested(where: Where, name: str, value: Any, what: str) -> UsageError:
    return UsageError(
        f"write({where.factory}, {where.schema!r}, ...) to CSV: field {name!r} of "
        f"{where} holds {type(value).__name__} values ({what}), which a CSV cell cannot "
        "hold; write Parquet or JSON Lines, or leave the field out of the schema"
    )


def _csv_cell(value: Any) -> Any:
    """A value as the csv module writes it, or a ``KeyError`` for one it must refuse."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool:
        return value
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list | tuple | set | frozenset | bytes | bytearray):
        raise KeyError(value)
    return str(value)


class CSVFormat(Format):
    """A header line of the row's keys, then one line per row (the csv module's
    default dialect: commas, ``\\r\\n``, quotes where needed). ``None`` is an empty
    cell; dates, datetimes and times are ISO strings, Enum members their value,
    UUIDs and Decimals ``str()``. Nested values (an association, a ``many`` list,
    bytes) are refused."""

    name = "csv"
    suffixes = (".csv",)

    def encode(self, rows: list[dict[str, Any]], where: Where, extra: Any) -> Any:
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        keys = tuple(rows[0]) if rows else ()
        for row in rows:
            try:
                writer.writerow([_csv_cell(v) for v in row.values()])
            except KeyError:
                name, value = next((k, v) for k, v in row.items() if _refused(v))
                what = (
                    "an association or many() field"
                    if isinstance(value, dict | list)
                    else "not text"
                )
                raise _nested(where, name, value, what) from None
        return keys, out.getvalue().encode("utf-8")

    def sink(self, file: IO[bytes], where: Where, extra: Any) -> Sink:
        return _CSVSink(file, where)


def _refused(value: Any) -> bool:
    try:
        _csv_cell(value)
    except KeyError:
        return True
    return False


class _CSVSink(Sink):
    """Writes the header before the first chunk; every chunk must have its keys."""

    keys: tuple[str, ...] | None = None

    def append(self, payload: Any) -> None:
        keys, data = payload
        if self.keys is None:
            self.keys = keys
            out = io.StringIO(newline="")
            csv.writer(out).writerow(keys)
            self.file.write(out.getvalue().encode("utf-8"))
        elif keys != self.keys and keys:
            raise UsageError(
                f"write({self.where.factory}, {self.where.schema!r}, ...) to CSV: rows of "
                f"{self.where} have the keys {list(keys)} after {list(self.keys)}; every row "
                "of a CSV file has the same columns"
            )
        self.file.write(data)


# ------------------------------------------------------------------ JSON Lines


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


class JSONLinesFormat(Format):
    """One JSON object per line, keys in the row's order, UTF-8, ``\\n`` after each.
    Associations are nested objects and ``many`` fields arrays of them; dates,
    datetimes and times are ISO strings, UUIDs and Decimals ``str()``, Enum members
    their value. Other values json cannot hold (bytes) are refused."""

    name = "jsonl"
    suffixes = (".jsonl",)

    def encode(self, rows: list[dict[str, Any]], where: Where, extra: Any) -> Any:
        dumps = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_json_default
        ).encode
        lines = []
        for row in rows:
            try:
                lines.append(dumps(row))
            except TypeError:
                name, kind = _unencodable(row)
                raise UsageError(
                    f"write({where.factory}, {where.schema!r}, ...) to JSON Lines: field "
                    f"{name!r} of {where} holds a {kind} value, which JSON cannot hold"
                ) from None
        lines.append("")
        return "\n".join(lines).encode("utf-8") if rows else b""


def _unencodable(row: dict[str, Any]) -> tuple[str, str]:
    """The first field of ``row`` that json cannot encode, and its value's type."""
    for name, value in row.items():
        try:
            json.dumps(value, default=_json_default)
        except TypeError:
            return name, type(value).__name__
    raise AssertionError("no field of the row failed to encode")  # pragma: no cover


# ------------------------------------------------------------------ Parquet


def _plain(t: Any) -> Any:
    """``X`` for ``Optional[X]``; ``t`` itself otherwise."""
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(t) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return t


def _arrow(name: str = "pyarrow") -> Any:
    """pyarrow (or ``pyarrow.parquet``), imported when a Parquet file is written."""
    return importlib.import_module(name)


def _arrow_type(info: Any) -> Any:
    """The Arrow type of a field from what its model declares; ``None`` leaves it to
    pyarrow to infer from the values (relations, Enums, anything not listed)."""
    pa = _arrow()
    if info.relation is not None:
        return None
    t = _plain(info.type)
    if not isinstance(t, type):
        return None
    if t is bool:
        return pa.bool_()
    if t is int:
        return pa.int64()
    if t is float:
        return pa.float64()
    if t is str:
        return pa.string()
    if t is bytes:
        return pa.binary()
    if t is uuid.UUID:
        # Parquet's UUID type (16 bytes) where pyarrow has it (18 and later), which
        # also takes UUID objects faster than their strings are made.
        return pa.uuid() if hasattr(pa, "uuid") else pa.string()
    if t is datetime.datetime:
        zone = info.extra.get("timezone")
        if zone is False:
            return pa.timestamp("us")
        return pa.timestamp("us", tz="UTC") if zone is True else None
    if t is datetime.date:
        return pa.date32()
    if t is datetime.time:
        return pa.time64("us")
    if t is decimal.Decimal:
        digits, places = info.max_digits, info.decimal_places
        if isinstance(digits, int) and isinstance(places, int) and 0 < digits <= 38:
            return pa.decimal128(digits, places)
    return None


def arrow_schema_of(factory: type[Factory[Any]]) -> dict[str, tuple[Any, bool]]:
    """By field name, the Arrow type of each field whose model says it (``None`` to
    infer it) and whether its values are made plain first (UUIDs, Enum members),
    rather than after pyarrow refuses them."""
    try:
        fields = factory._pf_builder.fields(factory._model)
    except FactoryError:
        return {}
    found = {}
    for info in fields:
        kind = _arrow_type(info)
        t = _plain(info.type)
        plain = (t is uuid.UUID and str(kind) == "string") or (
            isinstance(t, type) and issubclass(t, enum.Enum)
        )
        if kind is not None or plain:
            found[info.name] = (kind, plain)
    return found


def _as_plain(value: Any) -> Any:
    """A value pyarrow takes: an Enum member's value, a UUID's ``str()``."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class ParquetFormat(Format):
    """Typed columns: a field's type comes from the model (``int`` is int64, ``str``
    string, ``datetime`` a microsecond timestamp, ``Decimal`` with digits a decimal128,
    ``UUID`` Parquet's UUID, or a string before pyarrow 18), otherwise pyarrow
    infers it from the first chunk's values: an association is a struct column and a
    ``many`` field a list of structs. Every later chunk is cast to the first one's
    types. One row group per chunk."""

    name = "parquet"
    suffixes = (".parquet",)

    def prepare(self, factory: type[Factory[Any]], where: Where) -> Any:
        return arrow_schema_of(factory)

    def encode(self, rows: list[dict[str, Any]], where: Where, extra: Any) -> Any:
        pa = _arrow()
        typed: dict[str, tuple[Any, bool]] = extra
        names = list(rows[0]) if rows else []
        columns = []
        for name in names:
            values = [row.get(name) for row in rows]
            kind, plain = typed.get(name, (None, False))
            if plain:
                values = [_as_plain(v) for v in values]
            columns.append(_column(pa, where, name, values, kind))
        return pa.table(columns, names=names)

    def sink(self, file: IO[bytes], where: Where, extra: Any) -> Sink:
        return _ParquetSink(file, where)


def _column(pa: Any, where: Where, name: str, values: list[Any], kind: Any) -> Any:
    """One column: the values as they are, or made plain (Enum members, UUIDs) when
    pyarrow refuses them."""
    errors = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)
    try:
        return pa.array(values, type=kind)
    except errors:
        pass
    try:
        return pa.array([_as_plain(v) for v in values], type=kind)
    except errors as error:
        wanted = f" as {kind}" if kind is not None else ""
        raise UsageError(
            f"write({where.factory}, {where.schema!r}, ...) to Parquet: field {name!r} of "
            f"{where} cannot be written{wanted}: {error}"
        ) from None


class _ParquetSink(Sink):
    """A ParquetWriter made with the first chunk's schema; each chunk a row group."""

    writer: Any = None
    schema: Any = None

    def append(self, payload: Any) -> None:
        pq = _arrow("pyarrow.parquet")
        table = payload
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.file, self.schema)
        elif not table.schema.equals(self.schema):
            table = self._cast(table, self.schema)
        self.writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def _cast(self, table: Any, schema: Any) -> Any:
        pa = _arrow()
        if table.schema.names != schema.names:
            raise UsageError(
                f"write({self.where.factory}, {self.where.schema!r}, ...) to Parquet: rows "
                f"of {self.where} have the fields {table.schema.names} after "
                f"{schema.names}; every row of a Parquet file has the same columns"
            )
        for field in schema:
            column = table.column(field.name)
            if column.type == field.type:
                continue
            try:
                column.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                raise UsageError(
                    f"write({self.where.factory}, {self.where.schema!r}, ...) to Parquet: "
                    f"field {field.name!r} of {self.where} was {field.type} in the first "
                    f"chunk, as pyarrow inferred it from its values, and is {column.type} "
                    "in a later one; give the field a type in the model, or make its "
                    "first chunk's values show it (a larger chunk_size)"
                ) from None
        return table.cast(schema)

    def close(self) -> None:
        if self.writer is None:
            # No rows (count=0): still a Parquet file, of no columns.
            pq = _arrow("pyarrow.parquet")
            self.writer = pq.ParquetWriter(self.file, _arrow().schema([]))
        self.writer.close()

    def abort(self) -> None:
        # Closed now, while its file is open: pyarrow would close it when it is
        # collected, writing a footer to a closed file.
        if self.writer is not None:
            with contextlib.suppress(Exception):  # the file is thrown away
                self.writer.close()


#: The formats by name.
FORMATS: dict[str, Format] = {f.name: f for f in (ParquetFormat(), CSVFormat(), JSONLinesFormat())}
