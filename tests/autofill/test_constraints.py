"""Auto-filled rows that CHECK constraints and model validators accept.

CHECKs read into bounds (SQLAlchemy text and expressions, column-level ones, Django
``Q``), two fields drawn in order, and what is not read checked by drawing again, then
``ConstraintError``: on SQLite and the real PostgreSQL (each row written and read back),
Django on both aliases, pydantic validators and a dataclass's ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Engine,
    Enum,
    MetaData,
    Numeric,
    String,
    column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pyfactory import BuilderError, Factory, FactoryDefinitionError, factory_for, lazy, schema
from pyfactory.autofill import MAX_CHECK_TRIES, ConstraintError
from pyfactory.builders import SQLAlchemyBuilder
from pyfactory.introspect import FieldInfo, fields_of
from pyfactory.introspect._checks import (
    Compare,
    Pair,
    django_checks,
    parse_check,
    sqlalchemy_checks,
)
from tests.builders.test_django import ALIASES


class Base(DeclarativeBase):
    pass


class Booking(Base):
    """Every kind of CHECK auto-filling reads, and one it checks by drawing again."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("price > 0 AND price <= 500", name="ck_price"),
        CheckConstraint("seats BETWEEN 1 AND 8", name="ck_seats"),
        CheckConstraint("status IN ('open', 'held', 'closed')", name="ck_status"),
        CheckConstraint("ends_at > starts_at", name="ck_order"),
        CheckConstraint("seats % 2 = 0", name="ck_even"),  # not read: drawn again
        CheckConstraint(column("code") != "", name="ck_code"),  # an expression, compiled
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    seats: Mapped[int] = mapped_column(CheckConstraint("seats <> 4", name="ck_not_four"))
    status: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(6), CheckConstraint("length(code) >= 3"))
    starts_at: Mapped[datetime.datetime]
    ends_at: Mapped[datetime.datetime]


class Sale(Base):
    """A CHECK that no draw of the discount meets once the price is small."""

    __tablename__ = "sale"
    __table_args__ = (
        CheckConstraint("price BETWEEN 10 AND 20", name="ck_sale_price"),
        CheckConstraint("discount * 2 < price", name="ck_sale_discount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[int]
    discount: Mapped[int] = mapped_column(CheckConstraint("discount >= 0"))


class Span(Base):
    """Two fields in order within bounds of their own: the later is drawn no further than
    its bound, and the earlier stays short of it, so there is room for a step."""

    __tablename__ = "span"
    __table_args__ = (
        CheckConstraint("lo BETWEEN 0 AND 100 AND hi BETWEEN 0 AND 100 AND hi > lo"),
        CheckConstraint("a >= 0 AND a <= 1 AND b >= 0 AND b <= 1 AND b > a"),
        CheckConstraint("d1 >= '2024-01-01' AND d2 <= '2024-01-10' AND d2 >= d1"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lo: Mapped[int]
    hi: Mapped[int]
    a: Mapped[float]
    b: Mapped[float]
    d1: Mapped[datetime.date]
    d2: Mapped[datetime.date]


class Color(enum.Enum):
    RED = "r"
    BLUE = "b"


class Gadget(Base):
    """The CHECKs SQLAlchemy writes itself: an Enum's names, a Boolean's 0 and 1."""

    __tablename__ = "gadget"
    id: Mapped[int] = mapped_column(primary_key=True)
    color: Mapped[Color] = mapped_column(Enum(Color, native_enum=False, create_constraint=True))
    flag: Mapped[bool] = mapped_column(Boolean(create_constraint=True))


@pytest.fixture
def db_metadata() -> MetaData:
    return Base.metadata


def rows(session: Session, model: type[Any]) -> list[Any]:
    """The rows as the database holds them, read back in a new session."""
    with Session(session.get_bind()) as fresh:
        return list(fresh.scalars(select(model).order_by(model.id)))


def assert_booking(b: Booking) -> None:
    assert Decimal(0) < b.price <= Decimal(500)
    assert b.seats in (2, 6, 8)
    assert b.status in ("open", "held", "closed")
    assert 3 <= len(b.code) <= 6
    assert b.ends_at > b.starts_at


# ------------------------------------------------------------------ reading CHECKs


COLUMNS = {"x": "x", "a": "a", "b": "b", "status": "status", "name": "name", "ends": "ends"}


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("x > 0", [Compare("x", "gt", 0)]),
        ("x >= 1 AND x <= 10", [Compare("x", "ge", 1), Compare("x", "le", 10)]),
        ("x BETWEEN 1 AND 10", [Compare("x", "ge", 1), Compare("x", "le", 10)]),
        ("10 > x", [Compare("x", "lt", 10)]),
        ("(x > -2.5)", [Compare("x", "gt", Decimal("-2.5"))]),
        ('"x" = 3', [Compare("x", "in", (3,))]),
        ("status IN ('a', 'it''s')", [Compare("status", "in", ("a", "it's"))]),
        ("length(name) > 2", [Compare("name", "len_gt", 2)]),
        ("ends > a", [Pair("a", "ends", strict=True)]),
        ("booking.a <= b", [Pair("a", "b", strict=False)]),
    ],
)
def test_parse_reads_the_simple_grammar(text: str, read: list[Any]) -> None:
    assert parse_check(text, COLUMNS) == (read, [])


def test_parse_keeps_what_it_cannot_read_and_reads_the_rest_of_an_and() -> None:
    text = "a > 0 AND (x < 5 OR x > 7) AND NOT b = 1 AND x <> 3 AND a + b > 3 AND y > 1"
    assert parse_check(text, COLUMNS) == (
        [Compare("a", "gt", 0)],
        ["x < 5 OR x > 7", "NOT b = 1", "x <> 3", "a + b > 3", "y > 1"],
    )
    assert parse_check("x::int > 0", COLUMNS) == ([], ["x::int > 0"])
    assert parse_check("t.x <> 3", COLUMNS) == ([], ["t.x <> 3"])
    assert parse_check("x ~ '^[a-z]'", COLUMNS) == ([], ["x ~ '^[a-z]'"])


def test_sqlalchemy_checks_bound_the_fields() -> None:
    by_name = {f.name: f for f in fields_of(Booking)}
    assert by_name["price"] == FieldInfo(
        "price",
        Decimal,
        required=True,
        gt=Decimal(0),
        le=Decimal(500),
        max_digits=8,
        decimal_places=2,
    )
    assert (by_name["seats"].ge, by_name["seats"].le) == (1, 8)
    assert by_name["status"].choices == ("open", "held", "closed")
    assert (by_name["code"].min_length, by_name["code"].max_length) == (3, 6)
    checks = {c.name: c for c in sqlalchemy_checks(Booking)}
    assert checks["ck_order"].parts == (Pair("starts_at", "ends_at", strict=True),)
    assert checks["ck_even"].unread == ("seats % 2 = 0",)
    assert checks["ck_code"].text == "code != ''"
    assert checks["ck_not_four"].unread == ("seats <> 4",)


def test_the_checks_sqlalchemy_writes_for_enums_and_booleans_change_nothing(
    session: Session,
) -> None:
    by_name = {f.name: f for f in fields_of(Gadget)}
    assert by_name["color"].choices == (Color.RED, Color.BLUE)  # the CHECK names them
    assert by_name["flag"] == FieldInfo("flag", bool, required=True)
    assert [c.text for c in sqlalchemy_checks(Gadget)] == [
        "gadget.color IN ('RED', 'BLUE')",
        "gadget.flag IN (0, 1)",
    ]  # in the order of their text, every run
    made = factory_for(Gadget)(session=session, seed=1).create_batch(20)
    session.commit()
    assert [(g.color, g.flag) for g in rows(session, Gadget)] == [(g.color, g.flag) for g in made]
    assert {g.color for g in made} == {Color.RED, Color.BLUE}
    assert {g.flag for g in made} == {False, True}


# ------------------------------------------------------------------ SQLAlchemy, both backends


def test_rows_meet_every_check_and_the_database_takes_them(session: Session) -> None:
    made = factory_for(Booking)(session=session, seed=1).create_batch(40)
    session.commit()
    stored = rows(session, Booking)
    assert len(stored) == 40
    for booking in stored:
        assert_booking(booking)
    # The draws are spread over what the checks allow, not pinned to one value.
    assert {b.seats for b in stored} == {2, 6, 8}
    assert [(b.seats, b.code) for b in stored] == [(b.seats, b.code) for b in made]


def test_ordered_fields_keep_within_their_own_bounds(session: Session) -> None:
    by_name = {f.name: f for f in fields_of(Span)}
    assert (by_name["lo"].ge, by_name["lo"].le, by_name["lo"].lt) == (0, 100, 100)
    assert (by_name["hi"].gt, by_name["hi"].le) == (0, 100)
    assert (by_name["d1"].ge, by_name["d1"].le) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 1, 10),
    )
    made = factory_for(Span)(session=session, seed=1).create_batch(300)
    session.commit()
    stored = rows(session, Span)
    assert [(s.lo, s.hi, s.d1, s.d2) for s in stored] == [(s.lo, s.hi, s.d1, s.d2) for s in made]
    for span in stored:
        assert 0 <= span.lo < span.hi <= 100
        assert 0 <= span.a < span.b <= 1
        assert datetime.date(2024, 1, 1) <= span.d1 <= span.d2 <= datetime.date(2024, 1, 10)
    assert any(span.d1 == span.d2 for span in stored)  # >= allows a step of none


def test_one_seed_gives_the_same_rows(session: Session) -> None:
    first = factory_for(Booking)(seed=7).build_batch(10)
    again = factory_for(Booking)(session=session, seed=7).create_batch(10)
    session.commit()
    key = [(b.price, b.seats, b.status, b.code, b.starts_at, b.ends_at) for b in first]
    assert [(b.price, b.seats, b.status, b.code, b.starts_at, b.ends_at) for b in again] == key
    assert len(rows(session, Booking)) == 10


def test_the_earlier_field_is_drawn_below_a_later_one_given(session: Session) -> None:
    ends = datetime.datetime(2024, 3, 1, 12, 0)
    made = factory_for(Booking)(session=session, seed=2).create_batch(5, ends_at=ends)
    session.commit()
    assert [b.ends_at for b in rows(session, Booking)] == [ends] * 5
    assert all(b.starts_at < ends for b in made)
    assert len({b.starts_at for b in made}) == 5


def test_the_earlier_field_is_drawn_below_one_the_schema_gives(session: Session) -> None:
    class Fixed(Factory[Booking]):
        _model = Booking
        _model_builder = SQLAlchemyBuilder()
        _default_schema = "basic"

        @schema(auto=True)
        def basic(self) -> dict[str, Any]:
            return {"ends_at": datetime.datetime(2001, 1, 1)}

    made = Fixed(session=session, seed=6).create_batch(10)
    session.commit()
    stored = rows(session, Booking)
    assert [b.ends_at for b in stored] == [datetime.datetime(2001, 1, 1)] * 10
    assert all(b.starts_at < b.ends_at for b in stored)
    assert [b.starts_at for b in stored] == [b.starts_at for b in made]


def test_an_override_is_checked_with_the_draws(session: Session) -> None:
    made = factory_for(Booking)(session=session, seed=3).create_batch(5, seats=6)
    session.commit()
    assert [b.seats for b in rows(session, Booking)] == [6] * 5
    assert all(b.code and b.ends_at > b.starts_at for b in made)


async def test_acreate_meets_the_checks(async_session: AsyncSession) -> None:
    made = await factory_for(Booking)(session=async_session, seed=4).acreate_batch(10)
    await async_session.commit()
    stored = list(await async_session.scalars(select(Booking)))
    assert len(stored) == 10
    for booking in made:
        assert_booking(booking)


def test_a_check_no_draw_meets_is_an_error_and_nothing_is_written(session: Session) -> None:
    sales = factory_for(Sale)(session=session, seed=5)
    made = sales.create(discount=2)
    session.commit()
    assert [(s.price, s.discount) for s in rows(session, Sale)] == [(made.price, 2)]
    with pytest.raises(ConstraintError) as caught:
        sales.create(price=10)
    assert str(caught.value) == (
        "SaleFactory.basic → (checks): Sale: 20 draws of the auto-filled fields discount "
        "were all refused, the last by CHECK ck_sale_discount (discount * 2 < price) (it is "
        "false); the last 3 tried: (discount=6785); (discount=1150); (discount=1920); give "
        "these fields values in the schema, map them with _name_mappings, or raise "
        "SaleFactory._check_tries"
    )
    session.rollback()
    assert len(rows(session, Sale)) == 1


def test_a_check_sqlite_cannot_read_is_left_to_postgresql(
    postgres_database_url: str, make_engine: Callable[..., Engine]
) -> None:
    class PgBase(DeclarativeBase):
        pass

    class Handle(PgBase):
        __tablename__ = "handle"
        __table_args__ = (CheckConstraint("name ~ '^[0-9]+$'", name="ck_digits"),)
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(20))

    assert sqlalchemy_checks(Handle)[0].unread == ("name ~ '^[0-9]+$'",)
    engine = make_engine(postgres_database_url.replace("postgresql://", "postgresql+psycopg://"))
    PgBase.metadata.create_all(engine)
    with Session(engine) as session:
        handles = factory_for(Handle)(session=session, seed=1)
        assert handles.create(name="2024").name == "2024"
        with pytest.raises(BuilderError, match="ck_digits"):
            handles.create()


# ------------------------------------------------------------------ model validators


class Event(pydantic.BaseModel):
    title: str = pydantic.Field(max_length=40)
    starts: datetime.date
    ends: datetime.date

    @pydantic.model_validator(mode="after")
    def in_order(self) -> Event:
        if self.ends <= self.starts:
            raise ValueError("ends must be after starts")
        return self


@dataclasses.dataclass
class Shift:
    opens: int
    closes: int

    def __post_init__(self) -> None:
        if not 0 < self.closes - self.opens <= 5000:
            raise ValueError(f"a shift of {self.closes - self.opens}")


def test_a_model_validator_is_met_by_drawing_again() -> None:
    events = factory_for(Event)(seed=1).build_batch(30)
    assert all(e.ends > e.starts for e in events)
    assert [(e.starts, e.ends) for e in factory_for(Event)(seed=1).build_batch(30)] == [
        (e.starts, e.ends) for e in events
    ]
    # The validator sees an override, and only the other fields are drawn again.
    fixed = factory_for(Event)(seed=1).build_batch(
        5, title="Launch", starts=datetime.date(2001, 1, 1)
    )
    assert [e.title for e in fixed] == ["Launch"] * 5
    assert all(e.ends > datetime.date(2001, 1, 1) for e in fixed)
    assert sorted(factory_for(Event)(seed=1).attributes()) == ["ends", "starts", "title"]


def test_a_model_validator_no_draw_meets_is_an_error() -> None:
    with pytest.raises(ConstraintError) as caught:
        factory_for(Event)(seed=1).build(ends=datetime.date(2000, 1, 1))
    assert str(caught.value) == (
        "EventFactory.basic → (checks): Event: 20 draws of the auto-filled fields title, "
        "starts were all refused, the last by model validator Event.in_order (Value error, "
        "ends must be after starts); the last 3 tried: (title='Girl spend rest seven', "
        "starts=datetime.date(2010, 2, 2)); (title='Specific player your although "
        "generation', starts=datetime.date(2024, 2, 15)); (title='Rather blue defense', "
        "starts=datetime.date(2007, 5, 18)); give these fields values in the schema, map "
        "them with _name_mappings, or raise EventFactory._check_tries"
    )
    assert caught.value.factory == "EventFactory"
    assert caught.value.schema == "basic"


class Ticket(pydantic.BaseModel):
    row: int = pydantic.Field(ge=1, le=30)

    @pydantic.field_validator("row")
    @classmethod
    def even(cls, value: int) -> int:
        if value % 2:
            raise ValueError("rows are even")
        return value


def test_a_field_validator_is_met_by_drawing_again() -> None:
    assert {t.row % 2 for t in factory_for(Ticket)(seed=3).build_batch(30)} == {0}

    class OneTry(Factory[Ticket]):
        _model = Ticket
        _default_schema = "basic"
        _check_tries = 1

        @schema(auto=True)
        def basic(self) -> dict[str, Any]:
            return {}

    with pytest.raises(ConstraintError) as caught:
        OneTry(seed=3).build_batch(20)
    assert str(caught.value) == (
        "OneTry.basic → (checks): Ticket: 1 draw of the auto-filled fields row was refused, "
        "by field validator Ticket.even (Value error, rows are even); tried: "
        "(row=11); give these fields values in the schema, map them with _name_mappings, or "
        "raise OneTry._check_tries"
    )


def test_a_dataclass_post_init_is_met_by_drawing_again() -> None:
    shifts = factory_for(Shift)(seed=2).build_batch(10)
    assert all(0 < s.closes - s.opens <= 5000 for s in shifts)


def test_check_tries_is_a_class_attribute() -> None:
    class ImpatientEvents(Factory[Event]):
        _model = Event
        _default_schema = "basic"
        _check_tries = 2

        @schema(auto=True)
        def basic(self) -> dict[str, Any]:
            return {"ends": datetime.date(2000, 1, 1)}

    assert MAX_CHECK_TRIES == 20
    with pytest.raises(ConstraintError, match="2 draws of the auto-filled fields title, starts"):
        ImpatientEvents(seed=1).build()

    class Wrong(ImpatientEvents):
        _check_tries = 0

    with pytest.raises(FactoryDefinitionError) as caught:
        Wrong().build()
    assert str(caught.value) == "Wrong.basic: Wrong._check_tries must be a positive int, got 0"


# ------------------------------------------------------------------ Django


@pytest.mark.parametrize("using", ALIASES)
def test_django_check_constraints(using: str) -> None:
    from tests.django_app.models import Stay

    by_name = {f.name: f for f in fields_of(Stay)}
    assert (by_name["guests"].ge, by_name["guests"].le) == (1, 6)
    assert (by_name["nightly_rate"].gt, by_name["nightly_rate"].le) == (0, 900)
    assert by_name["status"].choices == ("booked", "cancelled")
    checks = django_checks(Stay)
    assert [c.label for c in checks] == [
        "CHECK stay_guests (guests BETWEEN 1 AND 6)",
        "CHECK stay_rate (nightly_rate > 0 AND nightly_rate <= 900)",
        "CHECK stay_status (status IN ('booked', 'cancelled'))",
        "CHECK stay_order (check_out > check_in)",
    ]
    assert checks[3].parts == (Pair("check_in", "check_out", strict=True),)
    assert all(not c.unread for c in checks)
    made = factory_for(Stay)(seed=1, using=using).create_batch(30)
    stored = list(Stay.objects.using(using).order_by("id"))
    assert [s.pk for s in stored] == [s.pk for s in made]
    for stay in stored:
        assert 1 <= stay.guests <= 6
        assert Decimal(0) < stay.nightly_rate <= Decimal(900)
        assert stay.status in ("booked", "cancelled")
        assert stay.check_out > stay.check_in


def test_a_field_computed_from_a_drawn_one_leaves_the_row_unchecked() -> None:
    """A lazy title over ``starts`` cannot be known before ``starts`` is drawn: the row is
    made as first drawn, and the model's own error says what it refused."""

    class Titled(Factory[Event]):
        _model = Event
        _default_schema = "basic"

        @schema(auto=True)
        def basic(self) -> dict[str, Any]:
            return {"title": lazy(lambda o: f"from {o['starts']}")}

    made = [Titled(seed=seed).attributes() for seed in range(10)]
    assert [m["title"] == f"from {m['starts']}" for m in made] == [True] * 10
    refused = [seed for seed, m in enumerate(made) if m["ends"] <= m["starts"]]
    assert refused  # drawn once each, so some are out of order
    with pytest.raises(BuilderError, match="ends must be after starts"):
        Titled(seed=refused[0]).build()
    kept = next(seed for seed in range(10) if seed not in refused)
    assert Titled(seed=kept).build().ends > Titled(seed=kept).build().starts


def test_nothing_is_drawn_again_when_the_call_gives_every_checked_field() -> None:
    event = factory_for(Event)(seed=1).build(
        title="Launch", starts=datetime.date(2001, 1, 1), ends=datetime.date(2001, 1, 2)
    )
    assert (event.title, event.starts, event.ends) == (
        "Launch",
        datetime.date(2001, 1, 1),
        datetime.date(2001, 1, 2),
    )


def test_django_q_is_read_part_by_part() -> None:
    from django.db.models import F, Q
    from django.db.models.lookups import GreaterThan

    from pyfactory.introspect._checks import _q_text, _read_q

    fields = {"guests": "guests", "status": "status", "check_in": "check_in"}
    q = (
        Q(guests__gte=1, guests__lt=9)
        & (Q(status="a") | Q(status="b"))
        & ~Q(guests=4)
        & Q(check_in__year=2020)
        & Q(guests=F("status"))
        & Q(GreaterThan(F("guests"), 0))
        & Q(status=None)
    )
    read: list[Any] = []
    unread: list[str] = []
    _read_q(q, fields, read, unread)
    assert read == [Compare("guests", "ge", 1), Compare("guests", "lt", 9)]
    assert unread == [
        "status = 'a' OR status = 'b'",
        "NOT (guests = 4)",
        "check_in__year=2020",
        "guests = status",
        "GreaterThan(F(guests), Value(0))",
        "status = None",
    ]
    assert _q_text(Q(guests__range=(1, 6), status__in=["x"])) == (
        "guests BETWEEN 1 AND 6 AND status IN ('x')"
    )


class Account(pydantic.BaseModel):
    user_id: int = pydantic.Field(alias="userId", ge=1, le=100)
    limit: int = pydantic.Field(ge=0, le=100)

    @pydantic.model_validator(mode="after")
    def covers(self) -> Account:
        if self.limit < self.user_id:
            raise ValueError("limit below user id")
        return self


def test_a_validator_sees_a_field_under_its_alias() -> None:
    accounts = factory_for(Account)(seed=1).build_batch(20)
    assert all(a.limit >= a.user_id for a in accounts)
    given = factory_for(Account)(seed=1).build_batch(10, user_id=90)
    assert [a.user_id for a in given] == [90] * 10
    assert all(a.limit >= 90 for a in given)
    assert sorted(factory_for(Account)(seed=1).attributes()) == ["limit", "userId"]
