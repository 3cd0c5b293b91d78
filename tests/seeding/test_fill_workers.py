"""``ctx.fill`` with ``workers=1``: the rows made in a spawned process while this one
writes them (pyfactory/seeding/_beside.py), on SQLite files. The same rows as a fill
made here, the sequences counting on after it, errors raised here as they would be,
and fills whose fields need this process made here."""

from __future__ import annotations

import datetime
import hashlib
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select

from pyfactory import (
    BuilderError,
    Factory,
    FieldError,
    UsageError,
    after,
    association,
    each,
    fake,
    lazy,
    schema,
    sequence,
    transient,
)
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.seeding import Seed, SeedContext, SeedFailedError, run_seeds
from pyfactory.seeding._beside import job_for
from tests.seeding.shop import Base, Customer, ProductFactory

ROOT = Path(__file__).resolve().parents[2]


def _email(customer: Any) -> str:
    return f"{customer['name'].lower().replace(' ', '.')}{customer['number']}@example.org"


class RealisticCustomers(Factory[Customer]):
    """Fakes, a transient sequence, a lazy value and each() over a list: all made the
    same in a worker process."""

    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),
            "number": transient(sequence(lambda n: n)),
            "email": lazy(_email),
        }

    @schema()
    def listed(self) -> dict[str, Any]:
        return {"name": each(["Ann", "Bob", "Cy"]), "email": sequence("listed{n}@example.org")}


def _failing_email(customer: Any) -> str:
    if customer["number"] == 1500:
        raise ValueError("no email for 1500")
    return _email(customer)


class FailingCustomers(RealisticCustomers):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {**super().basic(), "email": lazy(_failing_email)}


class FillsCustomers(Seed):
    """2,500 customers in chunks of 1,000, then one more made here."""

    factory: type[Factory[Customer]] = RealisticCustomers
    after: list[str] = []

    def run(self, ctx: SeedContext) -> None:
        made = ctx.factory(self.factory, seed=7)
        ctx.fill(made, 2500)
        ctx.fill(made, "listed", 5)
        FillsCustomers.after = [made.build().email, made.build("listed").email]


class FillsFailing(FillsCustomers):
    factory = FailingCustomers


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine, tables=[Customer.__table__])
    return engine


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(Customer).order_by(Customer.id))]


def _seeded(tmp_path: Path, workers: int, seed: type[Seed] = FillsCustomers) -> Any:
    engine = _engine(tmp_path / f"shop{workers}.sqlite3")
    RealisticCustomers.reset_sequences()  # each run counts from 1
    try:
        summary = run_seeds([seed], engine, chunk_size=1000, workers=workers)
        return summary, _stored(engine), list(FillsCustomers.after)
    finally:
        engine.dispose()


def test_a_fill_made_beside_writes_the_rows_made_here(tmp_path: Path) -> None:
    here, rows, after = _seeded(tmp_path, 0)
    beside, rows_beside, after_beside = _seeded(tmp_path, 1)
    assert len(rows) == 2505
    assert rows_beside == rows
    assert beside.rows == here.rows == {"customer": 2505}
    # The sequences and object numbers of this process count on after the rows made
    # in the worker: the next objects are those a fill made here is followed by.
    assert after_beside == after
    assert rows[-5:][0][1:] == ("Ann", "listed1@example.org")


def test_a_field_that_fails_in_the_worker_fails_the_seed_here(tmp_path: Path) -> None:
    messages = []
    for workers in (0, 1):
        engine = _engine(tmp_path / f"failing{workers}.sqlite3")
        FailingCustomers.reset_sequences()
        with pytest.raises(SeedFailedError) as caught:
            run_seeds([FillsFailing], engine, chunk_size=1000, workers=workers)
        assert isinstance(caught.value.__cause__, FieldError)
        messages.append(str(caught.value.__cause__))
        assert _stored(engine) == []  # the seed's rows were rolled back
        engine.dispose()
    assert messages[0] == messages[1]
    assert messages[1] == (
        "FailingCustomers.basic → email: lazy field raised ValueError('no email for 1500')"
    )


class ClashingCustomers(Seed):
    def run(self, ctx: SeedContext) -> None:
        ctx.session.add(Customer(name="Stored", email="listed1400@example.org"))
        ctx.session.flush()
        ctx.fill(ctx.factory(RealisticCustomers, seed=7), "listed", 2500)


def test_a_row_the_database_refuses_is_named_as_here(tmp_path: Path) -> None:
    messages = []
    for workers in (0, 1):
        engine = _engine(tmp_path / f"clash{workers}.sqlite3")
        RealisticCustomers.reset_sequences()
        with pytest.raises(SeedFailedError) as caught:
            run_seeds([ClashingCustomers], engine, chunk_size=1000, workers=workers)
        error = caught.value.__cause__
        assert isinstance(error, BuilderError)
        # The 400th row of the fill's second insert_batch call: each() counts by call.
        assert error.attributes == {"name": "Ann", "email": "listed1400@example.org"}
        assert error.first + error.index == 399
        messages.append(str(error))
        engine.dispose()
    assert messages[0] == messages[1]
    assert messages[0].startswith(
        "RealisticCustomers.listed: insert_batch() failed on row 399 (the 400th row): "
    )


class Unique(RealisticCustomers):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "u", "email": fake("email", unique=True)}


class Resumed(RealisticCustomers):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "r", "email": sequence("r{n}@example.org", resume=True)}


class Hooked(RealisticCustomers):
    @after("create")
    def noted(self, obj: Any, values: Any) -> None:
        pass


def test_only_fields_made_the_same_elsewhere_go_to_the_worker() -> None:
    """A unique fake (this process holds its claims), a resumed sequence (it reads the
    table), an association (it writes other rows), a factory given its own Faker, and
    a hook, and a class no worker could import are made here."""
    assert job_for(RealisticCustomers(seed=1), None, (), {}) is not None
    assert job_for(RealisticCustomers(seed=1), "listed", (), {"name": each(["x"])}) is not None
    assert job_for(Unique(seed=1), None, (), {}) is None
    assert job_for(Resumed(seed=1), None, (), {}) is None
    assert job_for(Hooked(seed=1), None, (), {}) is None
    assert job_for(RealisticCustomers(seed=1), None, (), {"email": each(iter(["x"]))}) is None
    assert (
        job_for(RealisticCustomers(seed=1), None, (), {"name": association(ProductFactory)}) is None
    )
    from faker import Faker

    assert job_for(RealisticCustomers(faker=Faker()), None, (), {}) is None

    class Local(RealisticCustomers):
        pass

    assert job_for(Local(seed=1), None, (), {}) is None
    job = job_for(RealisticCustomers(seed=1, day=datetime.date(2024, 1, 2)), None, (), {})
    assert job is not None
    assert job.context == {"day": datetime.date(2024, 1, 2)}


def test_workers_is_zero_or_one() -> None:
    with pytest.raises(UsageError, match=r"^workers is 0 or 1, not 2$"):
        run_seeds([FillsCustomers], "sqlite://", workers=2)


SEEDS = """
from tests.seeding.test_fill_workers import RealisticCustomers
from pyfactory.seeding import Seed


class Customers(Seed):
    def run(self, ctx):
        ctx.fill(ctx.factory(RealisticCustomers, seed=3), 1500)
"""


def test_the_command_line_fills_with_a_worker(tmp_path: Path) -> None:
    module = tmp_path / "seeds.py"
    module.write_text(SEEDS)
    digests = []
    for workers in ("0", "1"):
        database = tmp_path / f"cli{workers}.sqlite3"
        _engine(database).dispose()
        done = subprocess.run(
            [sys.executable, "-m", "pyfactory", "seed", str(module), "--url",
             f"sqlite:///{database}", "--workers", workers, "--no-progress"],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "customer 1,500" in done.stdout + done.stderr
        engine = create_engine(f"sqlite:///{database}")
        digests.append(hashlib.sha256(repr(_stored(engine)).encode()).hexdigest())
        engine.dispose()
    assert digests[0] == digests[1]
    refused = subprocess.run(
        [sys.executable, "-m", "pyfactory", "seed", str(module), "--url", "sqlite://",
         "--workers", "2"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--workers: invalid choice: 2 (choose from 0, 1)" in refused.stderr


def test_each_over_a_list_pickles_and_over_a_query_does_not() -> None:
    sent = pickle.loads(pickle.dumps(each(["a", "b"])))
    assert sent.source == ["a", "b"]
    assert RealisticCustomers(seed=1).build("listed", name=sent).name == "a"
    with pytest.raises(TypeError, match=r"^each\(\) over list_iterator does not pickle$"):
        pickle.dumps(each(iter(["a"])))
