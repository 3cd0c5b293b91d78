"""examples/ticketing, the README's demo: its seeds on a SQLite file and PostgreSQL,
in this process and through ``pyfactory seed``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from examples.ticketing import CrowdSeed, MembershipsSeed, TicketingSeed, UsersSeed
from examples.ticketing.models import (
    Base,
    Category,
    Event,
    Membership,
    Ticket,
    User,
    UserMembership,
)
from examples.ticketing.seeds import fixed_id
from pyfactory.seeding import arun_seeds, run_seeds

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = Path(sys.executable).with_name("pyfactory")
SEEDS = [CrowdSeed, MembershipsSeed, TicketingSeed, UsersSeed]
ROWS = {
    "UsersSeed": {"user": 20},
    "MembershipsSeed": {"membership": 2, "user_membership": 15},
    "TicketingSeed": {
        "category": 3,
        "category_session": 5,
        "event": 1,
        "event_session": 2,
        "organiser": 1,
        "ticket": 10,
    },
    "CrowdSeed": {"ticket": 200, "user": 200},
}


@pytest.fixture
def tickets(db_url: str, make_engine: Callable[..., Engine]) -> Engine:
    """An engine on an empty database with the ticketing tables."""
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    return engine


class TestTicketing:
    def test_the_seeds_write_the_event(self, tickets: Engine) -> None:
        """The four seeds run in dependency order and write the event the app needs."""
        summary = run_seeds(SEEDS, tickets)
        assert [r.name for r in summary.results] == list(ROWS)
        assert {r.name: r.rows for r in summary.results} == ROWS
        with Session(tickets) as session:
            event = session.get(Event, TicketingSeed.event_id)
            assert event is not None
            assert (event.name, event.organiser.name, event.quota) == ("Commuz 2025", "ECLAIR", 500)
            assert event.creator_id == UsersSeed.user_ids[0]
            categories = session.scalars(select(Category).order_by(Category.price)).all()
            assert [(c.name, c.price, len(c.sessions)) for c in categories] == [
                ("Centrale student", 1500, 2),
                ("Lyon student", 2000, 2),
                ("Guest", 3000, 1),
            ]
            assert categories[0].required_membership_id == fixed_id("membership", "Centrale")
            assert categories[2].required_membership_id is None
            assert session.scalar(select(func.count()).select_from(UserMembership)) == 15
            assert sorted(session.scalars(select(Membership.name))) == ["Centrale", "Lyon"]
            owners = session.scalars(
                select(Ticket.user_id).where(
                    Ticket.category_id == TicketingSeed.category_ids["Guest"]
                )
            ).all()
            assert len(owners) == len(set(owners)) == 200
            assert session.scalar(select(func.count()).select_from(User)) == 220
            admin = session.get(User, UsersSeed.user_ids[0])
            assert admin is not None
            assert (admin.first_name, admin.last_name) == ("Ada", "Admin")

    def test_a_second_run_skips_every_seed(self, tickets: Engine) -> None:
        """Run again, every seed is skipped and nothing is added."""
        run_seeds(SEEDS, tickets)
        again = run_seeds(SEEDS, tickets)
        assert again.names("skipped") == tuple(ROWS)
        with Session(tickets) as session:
            assert session.scalar(select(func.count()).select_from(Ticket)) == 210

    async def test_the_sync_seeds_on_an_async_url(self, tickets: Engine, async_db_url: str) -> None:
        """arun_seeds on an async URL runs the example's plain ``def`` seeds through
        ``run_sync``: the same rows, and a second run skips them all."""
        summary = await arun_seeds(SEEDS, async_db_url)
        assert {r.name: r.rows for r in summary.results} == ROWS
        again = await arun_seeds(SEEDS, async_db_url)
        assert again.names("skipped") == tuple(ROWS)
        with Session(tickets) as session:
            assert session.scalar(select(func.count()).select_from(Ticket)) == 210
            event = session.get(Event, TicketingSeed.event_id)
            assert event is not None
            assert event.name == "Commuz 2025"

    def test_scale_and_only(self, tickets: Engine) -> None:
        """--scale multiplies the walk-ins; only runs a seed with its dependencies."""
        summary = run_seeds(SEEDS, tickets, only=["MembershipsSeed"])
        assert summary.names("ran") == ("UsersSeed", "MembershipsSeed")
        summary = run_seeds(SEEDS, tickets, scale=3)
        assert summary["CrowdSeed"].rows == {"ticket": 600, "user": 600}

    def test_the_command_on_each_database(self, tickets: Engine, tmp_path: Path) -> None:
        """``pyfactory seed examples/ticketing --url ...`` seeds, then skips everything."""
        url = tickets.url.render_as_string(hide_password=False)
        command = [str(SCRIPT), "seed", str(ROOT / "examples" / "ticketing"), "--url", url]
        first = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
        assert (first.returncode, first.stderr) == (0, "")
        assert first.stdout.splitlines()[-1].startswith("4 seeds: 4 ran, 0 skipped; 459 rows")
        second = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
        assert second.stdout.splitlines()[-1].startswith("4 seeds: 0 ran, 4 skipped; 0 rows")
