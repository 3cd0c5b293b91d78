"""README's demo, ``pyfactory seed examples/ticketing --create-tables``, run as a user
runs it, and its SQLite file read with SQL: the rows keep the ticketing app's own
rules and look real, and the seeds run again after any partial run."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO = ROOT / "examples" / "ticketing"
SEEDS = ["UsersSeed", "MembershipsSeed", "TicketingSeed", "CrowdSeed"]


def seed(cwd: Path, *args: str) -> str:
    """``pyfactory seed examples/ticketing ARGS`` in ``cwd``, as README runs it (the
    database is ``pyfactory.sqlite3`` there); its standard output."""
    command = [sys.executable, "-m", "pyfactory", "seed", str(DEMO), *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    return result.stdout


# The module's tests read one run of the demo (``demo``): one pytest-xdist worker
# makes it for all of them.
pytestmark = pytest.mark.xdist_group("ticketing_demo")


def rows(db: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
    return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """The database of README's command, run once for the module."""
    workdir = tmp_path_factory.mktemp("demo")
    seed(workdir, "--create-tables")
    with sqlite3.connect(workdir / "pyfactory.sqlite3") as db:
        yield db


# ------------------------------------------------------------------ the app's rules
# Each returns the rows that break its rule: [] when the data keeps it.


def oversold(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Categories, sessions and the event with more tickets than their quota."""
    return [
        *rows(
            db,
            "SELECT c.name, c.quota, count(t.id) FROM category c "
            "JOIN ticket t ON t.category_id = c.id GROUP BY c.id HAVING count(t.id) > c.quota",
        ),
        *rows(
            db,
            "SELECT s.name, s.quota, count(t.id) FROM event_session s "
            "JOIN ticket t ON t.session_id = s.id GROUP BY s.id HAVING count(t.id) > s.quota",
        ),
        *rows(
            db,
            "SELECT e.name, e.quota, count(t.id) FROM event e "
            "JOIN ticket t ON t.event_id = e.id GROUP BY e.id HAVING count(t.id) > e.quota",
        ),
    ]


def miscounted(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Rows whose used_quota is not the number of valid tickets sold."""
    found = []
    for table, column in [
        ("category", "category_id"),
        ("event_session", "session_id"),
        ("event", "event_id"),
    ]:
        found += rows(
            db,
            f"SELECT '{table}', x.name, x.used_quota, "
            f"(SELECT count(*) FROM ticket t WHERE t.{column} = x.id AND t.status = 'valid') "
            f"AS sold FROM {table} x WHERE x.used_quota != sold",
        )
    return found


def held_by_non_members(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Tickets of a members-only category whose holder was no member on the day."""
    return rows(
        db,
        "SELECT t.reference, c.name, u.email FROM ticket t "
        "JOIN category c ON c.id = t.category_id "
        "JOIN event_session s ON s.id = t.session_id "
        'JOIN "user" u ON u.id = t.user_id '
        "WHERE c.required_membership_id IS NOT NULL AND NOT EXISTS ("
        "  SELECT 1 FROM user_membership m WHERE m.user_id = t.user_id"
        "  AND m.membership_id = c.required_membership_id"
        "  AND m.start_date <= date(s.date) AND date(s.date) <= m.end_date)",
    )


def beyond_the_rules_of_a_sale(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Tickets for a session their category does not admit, at another price than the
    category's, sold before the user signed up or after the session began, or more per
    user than the category, session and event allow."""
    return [
        *rows(
            db,
            "SELECT t.reference, 'session not admitted' FROM ticket t WHERE NOT EXISTS ("
            "  SELECT 1 FROM category_session cs"
            "  WHERE cs.category_id = t.category_id AND cs.session_id = t.session_id)",
        ),
        *rows(
            db,
            "SELECT t.reference, 'price' FROM ticket t JOIN category c ON c.id = t.category_id "
            "WHERE t.total != c.price",
        ),
        *rows(
            db,
            "SELECT t.reference, 'when' FROM ticket t "
            'JOIN "user" u ON u.id = t.user_id JOIN event_session s ON s.id = t.session_id '
            "WHERE t.created_at <= u.created_at OR t.created_at >= s.date",
        ),
        *rows(
            db,
            "SELECT t.user_id, 'per user' FROM ticket t "
            "JOIN category c ON c.id = t.category_id JOIN event_session s ON s.id = t.session_id "
            "JOIN event e ON e.id = t.event_id GROUP BY t.user_id, t.category_id, t.session_id "
            "HAVING count(*) > min(c.user_quota, s.user_quota, e.user_quota)",
        ),
    ]


def sessions_against_their_names(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Sessions whose weekday or hour is not what their name says, or outside the
    event's dates."""
    hours = {"morning": range(6, 12), "afternoon": range(12, 18), "evening": range(18, 21)}
    hours["night"] = range(21, 24)
    weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    wrong = []
    for name, weekday, hour, inside in rows(
        db,
        "SELECT s.name, CAST(strftime('%w', s.date) AS INTEGER), "
        "CAST(strftime('%H', s.date) AS INTEGER), "
        "s.date BETWEEN e.open_date AND e.close_date "
        "FROM event_session s JOIN event e ON e.id = s.event_id",
    ):
        day, part = str(name).split()
        if (day, hour in hours[part], inside) != (weekdays[int(str(weekday))], True, 1):
            wrong.append((name, weekday, hour, inside))
    return wrong


def _plain(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z-]", "", text.lower())


def unrealistic_emails(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Emails that repeat, or are not the user's first and last name at a domain."""
    users = rows(db, 'SELECT first_name, last_name, email FROM "user"')
    emails = [email for _, _, email in users]
    repeated = [(email, "repeated") for email in set(emails) if emails.count(email) > 1]
    address = re.compile(r"(?P<first>[a-z-]+)\.(?P<last>[a-z-]+)\d*@[a-z]+(\.[a-z]+)+")
    unlike = []
    for first, last, email in users:
        found = address.fullmatch(str(email))
        if found is None or (found["first"], found["last"]) != (_plain(first), _plain(last)):
            unlike.append((email, f"not {first} {last}"))
    return [*repeated, *unlike]


def repeated_timestamps(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Timestamps that several users, or several tickets, share."""
    return [
        *rows(
            db, 'SELECT created_at, count(*) FROM "user" GROUP BY created_at HAVING count(*) > 1'
        ),
        *rows(
            db, "SELECT created_at, count(*) FROM ticket GROUP BY created_at HAVING count(*) > 1"
        ),
    ]


RULES = [
    oversold,
    miscounted,
    held_by_non_members,
    beyond_the_rules_of_a_sale,
    sessions_against_their_names,
    unrealistic_emails,
    repeated_timestamps,
]


def broken_rules(db: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {rule.__name__: found for rule in RULES if (found := rule(db))}


# ------------------------------------------------------------------------- tests


class TestTheSeededData:
    def test_it_keeps_the_apps_rules(self, demo: sqlite3.Connection) -> None:
        """No category, session or event oversold; used_quota counts the tickets;
        members-only tickets held by members; sessions as their names say; distinct
        emails made from the names, and distinct timestamps."""
        assert broken_rules(demo) == {}

    def test_the_counts(self, demo: sqlite3.Connection) -> None:
        """20 registered users and 200 walk-ins; 10 members' tickets and 200 at the door."""
        assert rows(
            demo,
            'SELECT (SELECT count(*) FROM "user"), (SELECT count(*) FROM ticket), '
            "(SELECT count(*) FROM user_membership), (SELECT used_quota FROM event)",
        ) == [(220, 210, 15, 210)]
        by_category = rows(
            demo,
            "SELECT c.name, c.quota, c.used_quota, c.required_membership_id IS NOT NULL "
            "FROM category c ORDER BY c.price",
        )
        assert by_category == [
            ("Centrale student", 150, 6, 1),
            ("Lyon student", 200, 4, 1),
            ("Guest", 250, 200, 0),
        ]

    def test_the_values_vary_as_real_ones_do(self, demo: sqlite3.Connection) -> None:
        """Names from Faker, sign-ups spread over months, members' tickets bought over
        the spring, walk-ins at the door before the show, sessions on their days."""
        [(names, surnames)] = rows(
            demo, 'SELECT count(DISTINCT first_name), count(DISTINCT last_name) FROM "user"'
        )
        assert names > 100
        assert surnames > 100
        [(first, last)] = rows(
            demo,
            'SELECT min(created_at), max(created_at) FROM "user" '
            "WHERE email LIKE '%@example.org'",
        )
        assert str(first) < "2024-10"
        assert str(last) > "2025-01"
        assert rows(demo, "SELECT name, date FROM event_session ORDER BY date") == [
            ("Saturday night", "2025-06-14 21:00:00.000000"),
            ("Sunday afternoon", "2025-06-15 15:00:00.000000"),
        ]
        [(sold_from, sold_to)] = rows(
            demo, "SELECT min(created_at), max(created_at) FROM ticket WHERE nb_scan = 0"
        )
        assert str(sold_from) < "2025-04"
        assert str(sold_to) > "2025-05"
        [(doors, show)] = rows(
            demo, "SELECT min(created_at), max(created_at) FROM ticket WHERE nb_scan = 1"
        )
        assert "2025-06-14 19:30" <= str(doors) < str(show) < "2025-06-14 21:00"
        assert rows(demo, "SELECT email FROM \"user\" WHERE email LIKE 'user%'") == []

    def test_a_second_run_skips_every_seed(self, tmp_path: Path) -> None:
        """README: run again, every seed's should_run is false and nothing is written."""
        seed(tmp_path, "--create-tables")
        again = seed(tmp_path).splitlines()
        assert [line.split()[:2] for line in again[1:-1]] == [[name, "skipped"] for name in SEEDS]
        assert again[-1].startswith("4 seeds: 0 ran, 4 skipped; 0 rows")

    def test_the_seed_value_makes_the_same_rows(
        self, demo: sqlite3.Connection, tmp_path: Path
    ) -> None:
        """Two runs on two new databases write the same rows, ids included."""
        seed(tmp_path, "--create-tables")
        with sqlite3.connect(tmp_path / "pyfactory.sqlite3") as other:
            assert list(other.iterdump()) == list(demo.iterdump())


@pytest.mark.parametrize("only", SEEDS)
def test_a_full_run_after_a_partial_run(only: str, tmp_path: Path) -> None:
    """``--only X`` (X and what it depends on), then the whole demo in a new process:
    the rest runs, the ticket references and emails do not clash with the first run's,
    and the data keeps every rule."""
    seed(tmp_path, "--create-tables", "--only", only)
    full = seed(tmp_path).splitlines()
    ran = SEEDS[SEEDS.index(only) + 1 :]
    assert [line.split()[0] for line in full[1:-1] if line.split()[1] == "ran"] == ran
    with sqlite3.connect(tmp_path / "pyfactory.sqlite3") as db:
        assert broken_rules(db) == {}
        assert rows(db, "SELECT count(*), count(DISTINCT reference) FROM ticket") == [(210, 210)]
