"""The seed summary counts the rows that a builder with ``on_conflict="skip"`` left out
(``skipped_rows``), apart from the rows written, on SQLite and PostgreSQL, sync and
async, and ``pyfactory seed`` prints them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from pyfactory import Factory
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from pyfactory.seeding import Seed, SeedContext, SeedResult, SeedSummary, arun_seeds, run_seeds
from tests.seeding.shop import Customer, CustomerFactory
from tests.seeding.test_command import run, write


class SkippingCustomers(CustomerFactory):
    _model_builder = SQLAlchemyBuilder(on_conflict="skip")


class AsyncSkippingCustomers(CustomerFactory):
    _model_builder = AsyncSQLAlchemyBuilder(on_conflict="skip")


class TenCustomers(Seed):
    """customer1..10@example.com, whatever is stored already."""

    def run(self, ctx: SeedContext) -> None:
        ctx.fill(SkippingCustomers, 10)


class AsyncTenCustomers(Seed):
    async def run(self, ctx: SeedContext) -> None:
        await ctx.afill(AsyncSkippingCustomers, 10)


def _store_four(session: Session) -> None:
    session.add_all(Customer(name="Kept", email=f"customer{n}@example.com") for n in (2, 4, 6, 8))
    session.commit()


class TestCounts:
    def test_run_seeds(self, engine: Engine) -> None:
        """Six rows written, four skipped; the stored ones keep their values."""
        with Session(engine) as session:
            _store_four(session)
        summary = run_seeds(TenCustomers, engine)
        result = summary["TenCustomers"]
        assert (result.status, result.rows, result.skipped_rows) == (
            "ran",
            {"customer": 6},
            {"customer": 4},
        )
        assert summary.skipped_rows == {"customer": 4}
        lines = summary.lines()
        assert lines[1].split()[:2] == ["TenCustomers", "ran"]
        assert lines[1].endswith("customer 6 (skipped, key taken: customer 4)")
        assert lines[2].startswith(
            "1 seed: 1 ran, 0 skipped; 6 rows in 1 table (4 more skipped: key taken); "
        )
        with Session(engine) as session:
            names = session.scalars(select(Customer.name).order_by(Customer.id)).all()
        assert names == ["Kept"] * 4 + [f"Customer {n}" for n in (1, 3, 5, 7, 9, 10)]

    def test_a_second_run_skips_everything(self, engine: Engine) -> None:
        """As a new process would: the sequence starts again at 1."""
        run_seeds(TenCustomers, engine)
        Factory.reset_sequences()
        again = run_seeds(TenCustomers, engine)["TenCustomers"]
        assert (again.rows, again.skipped_rows) == ({}, {"customer": 10})

    async def test_arun_seeds(self, engine: Engine, async_engine: AsyncEngine) -> None:
        """The async run counts what the same body reports under run_sync."""
        with Session(engine) as session:
            _store_four(session)
        summary = await arun_seeds(AsyncTenCustomers, async_engine)
        result = summary["AsyncTenCustomers"]
        assert (result.rows, result.skipped_rows) == ({"customer": 6}, {"customer": 4})

    def test_outside_a_run_nothing_is_counted(self, session: Session) -> None:
        """A skip reported with no seed running goes nowhere (and costs nothing)."""
        _store_four(session)
        assert SkippingCustomers(session=session).insert_batch(10) == 6  # 4 were stored


class TestSummary:
    def test_seeds_that_skipped_nothing_print_as_before(self) -> None:
        summary = SeedSummary(
            (
                SeedResult("A", "ran", {"user": 3}, skipped_rows={"user": 2, "team": 1}),
                SeedResult("B", "ran", {"user": 1}),
            ),
            seconds=1.0,
        )
        assert str(summary).splitlines() == [
            "seed  status     seconds  rows",
            "A     ran           0.00  user 3 (skipped, key taken: team 1, user 2)",
            "B     ran           0.00  user 1",
            "2 seeds: 2 ran, 0 skipped; 4 rows in 1 table (3 more skipped: key taken); 1.00 s",
        ]
        assert summary.skipped_rows == {"team": 1, "user": 2}
        assert SeedResult("C", "ran").skipped_rows == {}


SEEDS = """
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from pyfactory import Factory, schema, sequence
    from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
    from pyfactory.seeding import Seed


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "app_user"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(40), unique=True)


    class UserFactory(Factory[User]):
        _model = User
        _model_builder = SQLAlchemyBuilder(on_conflict="skip")
        _default_schema = "basic"

        @schema()
        def basic(self):
            return {"email": sequence("user{n}@example.org")}


    class Users(Seed):
        def run(self, ctx):
            ctx.fill(UserFactory, 10)
"""


@pytest.mark.slow
def test_pyfactory_seed_prints_the_skipped_rows(tmp_path: Path) -> None:
    """Run again at scale 1.5: the five new users are written, and the ten stored
    ones counted as skipped."""
    write(tmp_path / "userseeds.py", SEEDS)
    first = run("seed", "userseeds", "--create-tables", cwd=tmp_path)
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout.splitlines()[1].endswith("app_user 10")
    second = run("seed", "userseeds", "--scale", "1.5", cwd=tmp_path)
    assert (second.returncode, second.stderr) == (0, "")
    lines = second.stdout.splitlines()
    assert lines[1].endswith("app_user 5 (skipped, key taken: app_user 10)")
    assert lines[2].startswith(
        "1 seed: 1 ran, 0 skipped; 5 rows in 1 table (10 more skipped: key taken); "
    )
