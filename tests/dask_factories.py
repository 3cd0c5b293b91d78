"""Factories for tests/test_dask.py at the top level of an importable module, as a
pickling scheduler's workers (Dask's ``processes``, ``dask.distributed``) need them."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from typing import Annotated, Any

import annotated_types

from pyfactory import Factory, association, each, fake, lazy, many, schema, sequence, trait


class TagFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"label": sequence("t{n}"), "word": fake("word")}


class RowFactory(Factory[dict[str, Any]]):
    """A dict model: no field information, so a dataframe's dtypes come from a sample."""

    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": sequence("u{n}@example.org"),
            "name": fake("name"),
            "size": fake("random_int", min=1, max=9),
            "score": fake("pyfloat", min_value=0, max_value=1),
            "active": each([True, False, True]),
            "slug": lazy(lambda row: row["name"].lower()),
            "tag": association(TagFactory),
            "tags": many(TagFactory, count=(0, 3)),
        }

    @trait()
    def loud(self) -> dict[str, Any]:
        return {"slug": lazy(lambda row: row["name"].upper())}


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Account:
    id: uuid.UUID
    number: int
    owner: str
    balance: float
    verified: bool
    opened: datetime.datetime
    closed: datetime.date | None
    colour: Colour
    referrer: int | None
    #: A field the schema fills with something else than its type says.
    code: int


class AccountFactory(Factory[Account]):
    """A dataclass model: a dataframe types its columns from its fields."""

    _model = Account
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": fake("uuid4", cast_to=None),
            "number": sequence(lambda n: n),
            "owner": fake("name"),
            "balance": fake("pyfloat", min_value=-100, max_value=100),
            "verified": fake("pybool"),
            "opened": fake(
                "date_time_between",
                start_date=datetime.datetime(2020, 1, 1),
                end_date=datetime.datetime(2025, 1, 1),
            ),
            "closed": None,
            "colour": each(list(Colour)),
            # None in row 0 only: the field's Optional[int] makes it Int64.
            "referrer": lazy(lambda row: None if row["number"] == 1 else row["number"] - 1),
            "code": sequence("C{n}"),
        }


class LateNoneFactory(Factory[dict[str, Any]]):
    """An int that is None only after the rows a dataframe's sample sees."""

    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"n": sequence(lambda n: None if n > 150 else n)}


@dataclasses.dataclass
class Reading:
    #: Aware: kept as objects, whatever the field's type.
    at: Annotated[datetime.datetime, annotated_types.Timezone(...)]
    seen: datetime.datetime
    value: int | str
    amount: Any


class ReadingFactory(Factory[Reading]):
    """Fields whose types give no dtype: the sample decides."""

    _model = Reading
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        utc = datetime.timezone.utc
        return {
            "at": fake(
                "date_time_between",
                start_date=datetime.datetime(2020, 1, 1, tzinfo=utc),
                end_date=datetime.datetime(2021, 1, 1, tzinfo=utc),
                tzinfo=utc,
            ),
            "seen": fake(
                "date_time_between",
                start_date=datetime.datetime(2020, 1, 1, tzinfo=utc),
                end_date=datetime.datetime(2021, 1, 1, tzinfo=utc),
                tzinfo=utc,
            ),
            "value": each([1, 2, 3]),
            "amount": each([1, 2.5]),
        }
