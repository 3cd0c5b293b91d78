"""The ticketing app's development data: who, which event, which tickets.

Four seeds, each after those it ``depends_on``: the users, their memberships, the
festival with its sessions, categories and the members' tickets, then the crowd of
walk-ins. They keep the app's own rules: members-only categories are sold to members,
no category, session or event sells beyond its quota, and each ``used_quota`` is the
number of tickets actually sold.

Running them again, or after a partial run (``--only TicketingSeed``), works:

* each seed's ``should_run`` looks for its own rows, and a seed that fails leaves
  none (it runs in a transaction of its own), so a seed runs once;
* the ids that later seeds read (``UsersSeed.user_ids``) are derived from names with
  ``uuid5``, not drawn with ``uuid4()``: a seed that runs in a later process points
  at the rows of the first run;
* unique values never meet those of an earlier process: ticket references resume
  after the highest one stored (``sequence(..., resume=True)``), and walk-ins' email
  addresses have a domain of their own.

Every factory is made with a ``seed`` of its own, so two runs write the same rows.
"""

from __future__ import annotations

import datetime
import math
import uuid
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, func, select, update

from pyfactory import fake
from pyfactory.seeding import Seed, SeedContext

from .factories import (
    CategoryFactory,
    EventFactory,
    EventSessionFactory,
    MembershipFactory,
    OrganiserFactory,
    TicketFactory,
    UserFactory,
    UserMembershipFactory,
)
from .models import Category, Event, EventSession, Membership, Ticket, User

#: The seed of the factories: change it for other names, times and ids.
SEED = 2025

#: Walk-ins sign up at the door before the Saturday show.
DOORS = (datetime.datetime(2025, 6, 14, 19, 30), datetime.datetime(2025, 6, 14, 20, 55))

_NAMESPACE = uuid.UUID("6f81f713-44ee-53f9-8000-000000000000")


def fixed_id(*names: object) -> uuid.UUID:
    """The same id for the same names, in every run."""
    return uuid.uuid5(_NAMESPACE, "/".join(map(str, names)))


class UsersSeed(Seed):
    """Twenty registered users with known ids, the first of them the admin."""

    user_ids: ClassVar[list[uuid.UUID]] = [fixed_id("user", n) for n in range(20)]

    def should_run(self, ctx: SeedContext) -> bool:
        return ctx.session.get(User, self.user_ids[0]) is None

    def run(self, ctx: SeedContext) -> None:
        users = ctx.factory(UserFactory, seed=SEED)
        users.create("admin", id=self.user_ids[0])
        for user_id in self.user_ids[1:]:
            users.create(id=user_id)


class MembershipsSeed(Seed):
    """Two student associations: the first ten users belong to Centrale (the admin
    among them), the next five to Lyon."""

    depends_on = (UsersSeed,)
    membership_ids: ClassVar[dict[str, uuid.UUID]] = {
        "Centrale": fixed_id("membership", "Centrale"),
        "Lyon": fixed_id("membership", "Lyon"),
    }
    members: ClassVar[dict[str, list[uuid.UUID]]] = {
        "Centrale": UsersSeed.user_ids[:10],
        "Lyon": UsersSeed.user_ids[10:15],
    }

    def should_run(self, ctx: SeedContext) -> bool:
        return ctx.session.get(Membership, self.membership_ids["Centrale"]) is None

    def run(self, ctx: SeedContext) -> None:
        memberships = ctx.factory(MembershipFactory, seed=SEED + 1)
        joined = ctx.factory(UserMembershipFactory, seed=SEED + 1)
        for name, membership_id in self.membership_ids.items():
            memberships.create(id=membership_id, name=name)
            for user_id in self.members[name]:
                joined.create(user_id=user_id, membership_id=membership_id)


class TicketingSeed(Seed):
    """The organiser's festival: two sessions, three categories, and the members'
    tickets, bought online."""

    # A name works as well as the class, for a seed in a module that cannot be
    # imported here.
    depends_on = (UsersSeed, "MembershipsSeed")
    organiser_id = fixed_id("organiser")
    event_id = fixed_id("event")
    session_ids: ClassVar[dict[str, uuid.UUID]] = {
        "Saturday": fixed_id("session", 1),
        "Sunday": fixed_id("session", 2),
    }
    category_ids: ClassVar[dict[str, uuid.UUID]] = {
        "Centrale": fixed_id("category", 1),
        "Lyon": fixed_id("category", 2),
        "Guest": fixed_id("category", 3),
    }

    def should_run(self, ctx: SeedContext) -> bool:
        return ctx.session.get(Event, self.event_id) is None

    def run(self, ctx: SeedContext) -> None:
        # --scale makes a bigger festival: its quotas grow with the crowd.
        ctx.factory(OrganiserFactory, seed=SEED + 2).create(id=self.organiser_id, name="ECLAIR")
        ctx.factory(EventFactory, seed=SEED + 2).create(
            id=self.event_id,
            organiser_id=self.organiser_id,
            creator_id=UsersSeed.user_ids[0],
            name="Commuz 2025",
            quota=ctx.scaled(500),
        )
        sessions = ctx.factory(EventSessionFactory, seed=SEED + 2)
        saturday = sessions.create(
            id=self.session_ids["Saturday"],
            event_id=self.event_id,
            date=datetime.datetime(2025, 6, 14, 21, 0),
            quota=ctx.scaled(300),
        )
        sunday = sessions.create(
            id=self.session_ids["Sunday"],
            event_id=self.event_id,
            date=datetime.datetime(2025, 6, 15, 15, 0),
            quota=ctx.scaled(200),
        )
        categories = ctx.factory(CategoryFactory, seed=SEED + 2)
        memberships = MembershipsSeed.membership_ids
        for key, name, price, quota, sessions_admitted in [
            ("Centrale", "Centrale student", 1500, 150, [saturday, sunday]),
            ("Lyon", "Lyon student", 2000, 200, [saturday, sunday]),
            ("Guest", "Guest", 3000, 250, [saturday]),
        ]:
            categories.create(
                id=self.category_ids[key],
                event_id=self.event_id,
                name=name,
                price=price,
                quota=ctx.scaled(quota),
                required_membership_id=memberships.get(key),
                sessions=sessions_admitted,
            )
        # Six Centrale members and four Lyon members buy a ticket of their own
        # association's category, for one night or the other.
        tickets = ctx.factory(TicketFactory, seed=SEED + 2)
        buyers = [("Centrale", 1500, user) for user in MembershipsSeed.members["Centrale"][:6]]
        buyers += [("Lyon", 2000, user) for user in MembershipsSeed.members["Lyon"][:4]]
        for n, (key, price, user_id) in enumerate(buyers):
            night = [saturday, sunday][n % 2]
            tickets.create(
                user_id=user_id,
                event_id=self.event_id,
                category_id=self.category_ids[key],
                session_id=night.id,
                total=price,
            )
        count_sold(ctx, self.event_id)


class CrowdSeed(Seed):
    """Walk-in guests on Saturday night: 200 tickets (times ``--scale``), each with a
    user who signs up at the door, written in bulk; never more than the seats left."""

    depends_on = (TicketingSeed,)

    def should_run(self, ctx: SeedContext) -> bool:
        guests = TicketingSeed.category_ids["Guest"]
        return not ctx.session.scalar(select(func.count()).where(Ticket.category_id == guests))

    def run(self, ctx: SeedContext) -> None:
        category = TicketingSeed.category_ids["Guest"]
        session = TicketingSeed.session_ids["Saturday"]
        # ctx.fill multiplies the count by --scale: ask for what fits.
        left = seats_left(ctx, category, session)
        crowd = min(200, math.floor(left / ctx.scale))
        if crowd:
            ctx.fill(
                ctx.factory(TicketFactory, seed=SEED + 3),
                "walk_in",
                crowd,
                "scanned",
                event_id=TicketingSeed.event_id,
                category_id=category,
                session_id=session,
                total=3000,
                user__created_at=fake("date_time_between", start_date=DOORS[0], end_date=DOORS[1]),
            )
        count_sold(ctx, TicketingSeed.event_id)


def seats_left(ctx: SeedContext, category_id: uuid.UUID, session_id: uuid.UUID) -> int:
    """How many more tickets the category and the session can sell, within the event's
    quota."""

    def sold(which: ColumnElement[bool]) -> int:
        return int(ctx.session.scalar(select(func.count()).where(which)))

    category = ctx.session.get_one(Category, category_id)
    session = ctx.session.get_one(EventSession, session_id)
    event = ctx.session.get_one(Event, TicketingSeed.event_id)
    left: int = min(
        category.quota - sold(Ticket.category_id == category_id),
        session.quota - sold(Ticket.session_id == session_id),
        event.quota - sold(Ticket.event_id == event.id),
    )
    return max(0, left)


def count_sold(ctx: SeedContext, event_id: uuid.UUID) -> None:
    """The app's rule: each ``used_quota`` is the number of valid tickets sold."""

    def sold(which: ColumnElement[bool]) -> Any:
        valid = Ticket.status == "valid"
        return select(func.count()).where(which, valid).scalar_subquery()

    ctx.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(used_quota=sold(Ticket.event_id == Event.id))
    )
    ctx.session.execute(
        update(EventSession)
        .where(EventSession.event_id == event_id)
        .values(used_quota=sold(Ticket.session_id == EventSession.id))
    )
    ctx.session.execute(
        update(Category)
        .where(Category.event_id == event_id)
        .values(used_quota=sold(Ticket.category_id == Category.id))
    )


__all__ = ["SEED", "CrowdSeed", "MembershipsSeed", "TicketingSeed", "UsersSeed", "fixed_id"]
