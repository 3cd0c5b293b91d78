"""The factories of the ticketing models: what one row of each looks like.

Read top to bottom, they show pyfactory's special fields at work: ``fake`` draws
names, ids and dates from Faker; ``lazy`` derives a value from the others (an email
from the name, a session's name from its date); ``transient`` holds a value that
only other fields read; ``sequence`` counts, and with ``resume=True`` continues
after the numbers already stored; ``association`` makes the user that a walk-in
ticket points at; traits switch on a variant (``"admin"``, ``"walk_in"``,
``"scanned"``).

The seeds make every factory with a ``seed``, so two runs write the same rows.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from pyfactory import Factory, association, fake, lazy, schema, sequence, trait, transient
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder

from .models import (
    Category,
    Event,
    EventSession,
    Membership,
    Organiser,
    Ticket,
    User,
    UserMembership,
)

#: Users sign up over the academic year, before ticket sales open.
SIGN_UPS = (datetime.datetime(2024, 9, 2), datetime.datetime(2025, 2, 28, 23, 59))
#: Members join their association in the first weeks of the year, for the whole year.
MEMBERSHIP_YEAR = (datetime.date(2024, 9, 2), datetime.date(2025, 8, 31))
#: Tickets are sold online from March until the day before the festival.
SALES = (datetime.datetime(2025, 3, 1, 10, 0), datetime.datetime(2025, 6, 13, 23, 59))
#: The festival: a weekend, from Saturday afternoon to Sunday night.
FESTIVAL = (datetime.datetime(2025, 6, 14, 14, 0), datetime.datetime(2025, 6, 15, 23, 0))


# Cached: names repeat (a few thousand first names among a million users), and the
# same names transliterated again cost a seed of users about 2.5 µs of its 19 µs a user
# (benchmarks/bench_seed_scale.py).
@functools.lru_cache(maxsize=16_384)
def _plain(name: str) -> str:
    """``"Zoë O'Neil"`` as it goes in an address: ``"zoeoneil"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z-]", "", ascii_name.lower())


def email_address(user: Mapping[str, Any]) -> str:
    """``first.last`` and the user's number at the user's domain."""
    first, last = _plain(user["first_name"]), _plain(user["last_name"])
    return f"{first}.{last}{user['number']}@{user['domain']}"


def part_of_day(moment: datetime.datetime) -> str:
    """How a session's name says when it starts: ``"afternoon"`` at 15:00."""
    if moment.hour < 12:
        return "morning"
    if moment.hour < 18:
        return "afternoon"
    if moment.hour < 21:
        return "evening"
    return "night"


class UserFactory(Factory[User]):
    _model = User
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": fake("uuid4", cast_to=None),
            "first_name": fake("first_name"),
            "last_name": fake("last_name"),
            # Two people may share a name: the number keeps their addresses apart.
            "number": transient(sequence(lambda n: n)),
            "domain": transient("example.org"),
            "email": lazy(email_address),
            "created_at": fake("date_time_between", start_date=SIGN_UPS[0], end_date=SIGN_UPS[1]),
        }

    @trait()
    def admin(self) -> dict[str, Any]:
        """The account to log in as: ada.admin@example.org."""
        return {"first_name": "Ada", "last_name": "Admin", "number": ""}

    @trait()
    def walk_in(self) -> dict[str, Any]:
        """A guest who signs up at the door; the seed says when (``created_at``).

        Walk-ins get addresses of their own domain, so that their numbers, which start
        at 1 in the process that makes them, never meet those of the registered users.
        """
        return {"domain": "guests.example.org"}


class MembershipFactory(Factory[Membership]):
    _model = Membership
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"id": fake("uuid4", cast_to=None), "name": sequence("Association {n}")}


class UserMembershipFactory(Factory[UserMembership]):
    _model = UserMembership
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        """A membership of the year; the seed gives ``user_id`` and ``membership_id``."""
        first_weeks = MEMBERSHIP_YEAR[0] + datetime.timedelta(weeks=6)
        return {
            "id": fake("uuid4", cast_to=None),
            "start_date": fake("date_between", start_date=MEMBERSHIP_YEAR[0], end_date=first_weeks),
            "end_date": MEMBERSHIP_YEAR[1],
        }


class OrganiserFactory(Factory[Organiser]):
    _model = Organiser
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"id": fake("uuid4", cast_to=None), "name": fake("company")}


class EventFactory(Factory[Event]):
    _model = Event
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        """The festival weekend; the seed gives the organiser and the creator."""
        return {
            "id": fake("uuid4", cast_to=None),
            "name": sequence("Festival {n}"),
            "open_date": FESTIVAL[0],
            "close_date": FESTIVAL[1],
            "quota": 500,
            "user_quota": 4,
        }


class EventSessionFactory(Factory[EventSession]):
    _model = EventSession
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        """A session named after when it starts: 21:00 on a Saturday is
        "Saturday night"."""
        return {
            "id": fake("uuid4", cast_to=None),
            "date": FESTIVAL[0],
            "name": lazy(lambda s: f"{s['date']:%A} {part_of_day(s['date'])}"),
            "quota": 300,
            "user_quota": 2,
        }


class CategoryFactory(Factory[Category]):
    _model = Category
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "id": fake("uuid4", cast_to=None),
            "name": sequence("Category {n}"),
            "price": 1500,
            "quota": 150,
            "user_quota": 2,
            "required_membership_id": None,
        }


class TicketFactory(Factory[Ticket]):
    _model = Ticket
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        """A ticket bought online by an existing user: the seed gives ``user_id``, the
        event's ids and the price."""
        return {
            "id": fake("uuid4", cast_to=None),
            # Printed on the ticket, and unique: resume=True continues after the
            # references already stored, so seeds that sell tickets can run in any
            # later process without handing out CMZ-00001 again.
            "reference": sequence("CMZ-{n:05d}", resume=True),
            "created_at": fake("date_time_between", start_date=SALES[0], end_date=SALES[1]),
        }

    @schema()
    def walk_in(self) -> dict[str, Any]:
        """A ticket bought at the door by someone who signs up there, a minute before:
        a new user each."""
        base = self.schema("basic")
        base["user"] = association(UserFactory, "basic", "walk_in")
        base["created_at"] = lazy(lambda t: t["user"].created_at + datetime.timedelta(minutes=1))
        return base

    @trait()
    def scanned(self) -> dict[str, Any]:
        """Scanned once at the entrance."""
        return {"nb_scan": 1}
