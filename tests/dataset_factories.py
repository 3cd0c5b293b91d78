"""Factories for tests/test_dataset_write.py that worker processes import by module and
name: a factory written with ``workers=2`` must be importable, not made in a test."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from typing import Annotated, Any

import pydantic

from pyfactory import Factory, association, fake, lazy, many, schema, sequence, trait

# Fixed bounds: Faker's "-1y" or "now" move with the clock, and the rows with them.
BIRTHS = (datetime.date(1960, 1, 1), datetime.date(2005, 12, 31))
JOINS = (datetime.datetime(2024, 1, 1), datetime.datetime(2025, 12, 31))


class Broken:
    """``100 // (n - 15)``, with a repr that is the same in every process (a lambda's
    shows its address), so that a field error's message can be compared across them."""

    def __call__(self, n: int) -> int:
        return 100 // (n - 15)

    def __repr__(self) -> str:
        return "Broken()"


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Person:
    """A model whose fields say their types: Parquet columns are typed from them."""

    number: int
    name: str
    score: float
    active: bool
    born: datetime.date
    joined: datetime.datetime
    uid: uuid.UUID
    colour: Colour
    nickname: str | None = None


class PersonFactory(Factory[Person]):
    _model = Person
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "number": sequence(lambda n: n),
            "name": fake("name"),
            "score": fake("pyfloat", min_value=0, max_value=100),
            "active": fake("pybool"),
            "born": fake("date_between", start_date=BIRTHS[0], end_date=BIRTHS[1]),
            "joined": fake("date_time_between", start_date=JOINS[0], end_date=JOINS[1]),
            "uid": fake("uuid4", cast_to=None),
            "colour": fake("enum", enum_cls=Colour),
            "nickname": lazy(lambda p: None if p["number"] % 3 else p["name"].split()[0]),
        }

    @trait()
    def broken(self) -> dict[str, Any]:
        # Row 14 (n = 15) divides by zero: a field error in the middle of a chunk.
        return {"number": sequence(Broken())}


class TagFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"word": fake("word"), "size": fake("random_int", min=1, max=9)}


class RowFactory(Factory[dict[str, Any]]):
    """A ``dict`` model: no field information, so Parquet infers the columns."""

    _model = dict
    _default_schema = "flat"

    @schema()
    def flat(self) -> dict[str, Any]:
        return {
            "email": sequence("u{n}@example.org"),
            "name": fake("name"),
            "city": fake("city"),
            "age": fake("random_int", min=18, max=90),
            "when": fake("date_time_between", start_date=JOINS[0], end_date=JOINS[1]),
            "note": lazy(lambda r: None if r["age"] % 2 else f'say "hi", {r["name"]}'),
        }

    @schema()
    def nested(self) -> dict[str, Any]:
        return {
            "email": sequence("u{n}@example.org"),
            "tag": association(TagFactory),
            "tags": many(TagFactory, count=(0, 3)),
        }

    @schema()
    def tenanted(self) -> dict[str, Any]:
        return {"email": sequence("u{n}@example.org"), "tenant": self.context.get("tenant")}

    @schema()
    def raw(self) -> dict[str, Any]:
        return {"email": sequence("u{n}@example.org"), "blob": fake("binary", length=4)}

    @schema()
    def fading(self) -> dict[str, Any]:
        # Text in the first rows, then None: a later chunk's null column is cast.
        return {"value": sequence(lambda n: f"v{n}" if n <= 10 else None)}

    @schema()
    def shifting(self) -> dict[str, Any]:
        # None in the first rows, then text: pyarrow infers null from a first chunk.
        return {"value": sequence(lambda n: None if n <= 10 else f"v{n}")}


class Account(pydantic.BaseModel):
    """A pydantic model: decimal digits, bytes, times and aware datetimes."""

    number: int
    balance: Annotated[decimal.Decimal, pydantic.Field(max_digits=9, decimal_places=2)]
    opens: datetime.time
    token: bytes
    created: pydantic.AwareDatetime
    tags: list[str]


class AccountFactory(Factory[Account]):
    _model = Account
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "number": sequence(lambda n: n),
            "balance": fake("pydecimal", left_digits=5, right_digits=2, positive=True),
            "opens": lazy(lambda a: datetime.time(a["number"] % 24, 30, 15, 250)),
            "token": fake("binary", length=3),
            "created": lazy(
                lambda a: (
                    datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
                    + datetime.timedelta(hours=a["number"])
                )
            ),
            "tags": lazy(lambda a: ["x"] * (a["number"] % 3)),
        }
