"""``ctx.fill`` with ``workers=1``: the rows made and bound in a spawned process while
this one writes them (pyfactory/seeding/_beside.py, builders/_sa_bound.py), on SQLite
files and PostgreSQL. The same rows as a fill made here, the sequences counting on
after it, errors raised here as they would be, the worker's bindings used only when
they are this process's, and fills whose fields need this process made here.

Most tests have the worker make every chunk (:func:`worker_does_all`): by default this
process makes the first chunks itself while the worker starts, which for the few
thousand rows of a test is all of them."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, String, TypeDecorator, create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
from pyfactory.builders import BoundRows, DictBuilder, ModelBuilder
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.seeding import Seed, SeedContext, SeedFailedError, _beside, run_seeds
from pyfactory.seeding._beside import job_for
from tests.seeding.shop import Base, Customer, Order, ProductFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_does_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker makes every chunk of a fill: this process waits for it to start."""
    monkeypatch.setattr(_beside, "worker_ready", lambda started, made_here: bool(started.result()))


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many chunks the SQLAlchemy builder wrote by ``insert_bound`` (bound in the
    worker) and by ``insert_many`` (rows bound here)."""
    counts = {"insert_bound": 0, "insert_many": 0}
    for name in counts:
        method = getattr(SQLAlchemyBuilder, name)

        def counted(self: Any, *args: Any, _name: str = name, _method: Any = method) -> Any:
            counts[_name] += 1
            return _method(self, *args)

        monkeypatch.setattr(SQLAlchemyBuilder, name, counted)
    return counts


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


@pytest.mark.usefixtures("worker_does_all")
def test_a_fill_made_beside_writes_the_rows_made_here(
    tmp_path: Path, writes: dict[str, int]
) -> None:
    here, rows, after = _seeded(tmp_path, 0)
    assert writes == {"insert_bound": 0, "insert_many": 4}
    writes["insert_many"] = 0
    beside, rows_beside, after_beside = _seeded(tmp_path, 1)
    # The worker bound the three chunks of 2,500 rows; five rows are one chunk, made
    # here.
    assert writes == {"insert_bound": 3, "insert_many": 1}
    assert len(rows) == 2505
    assert rows_beside == rows
    assert beside.rows == here.rows == {"customer": 2505}
    # The sequences and object numbers of this process count on after the rows made
    # in the worker: the next objects are those a fill made here is followed by.
    assert after_beside == after
    assert rows[-5:][0][1:] == ("Ann", "listed1@example.org")


def test_the_worker_takes_over_after_the_chunks_made_here(
    tmp_path: Path, writes: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the worker starts, this process makes chunks itself; the worker goes on
    from where they stopped: its numbers and sequences are this process's then."""
    _, rows, after = _seeded(tmp_path, 0)
    ready = lambda started, made_here: made_here >= 2 and bool(started.result())  # noqa: E731
    monkeypatch.setattr(_beside, "worker_ready", ready)
    writes["insert_many"] = 0
    _, rows_beside, after_beside = _seeded(tmp_path, 1)
    assert rows_beside == rows
    assert after_beside == after
    # 1,000 and 1,000 rows made here, 500 in the worker; then the five "listed".
    assert writes == {"insert_bound": 1, "insert_many": 3}


def test_a_fill_ended_before_the_worker_started_needs_none(
    tmp_path: Path, writes: dict[str, int]
) -> None:
    """Without the worker ready, every chunk is made here: a small fill pays nothing
    for ``workers``."""
    _, rows, after = _seeded(tmp_path, 0)
    _, rows_beside, after_beside = _seeded(tmp_path, 1)
    assert (rows_beside, after_beside) == (rows, after)
    assert writes["insert_bound"] == 0


@pytest.mark.usefixtures("worker_does_all")
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


@pytest.mark.usefixtures("worker_does_all")
@pytest.mark.parametrize("trigger", [False, True], ids=["counted", "savepoint"])
def test_a_row_the_database_refuses_is_named_as_here(
    tmp_path: Path, writes: dict[str, int], trigger: bool
) -> None:
    """The refused row of rows the worker bound is fetched from it to be named, found
    by the driver's count of the rows written (a plain table), or by writing them again
    one at a time in a SAVEPOINT (a table with a trigger, whose rows count too)."""
    messages = []
    for workers in (0, 1):
        engine = _engine(tmp_path / f"clash{workers}.sqlite3")
        if trigger:
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "CREATE TRIGGER noted AFTER INSERT ON customer BEGIN SELECT 1; END"
                )
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
    # The same words, but for the builder's method that wrote the rows bound already.
    assert messages[0] == messages[1].replace(".insert_bound(", ".insert_many(")
    assert messages[0].startswith(
        "RealisticCustomers.listed: insert_batch() failed on row 399 (the 400th row): "
    )
    assert "SQLAlchemyBuilder.insert_bound(Customer) raised IntegrityError(" in messages[1]
    assert writes["insert_bound"] == 2  # the worker's first chunk, then the refused one


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
    from faker import Faker
    from sqlalchemy.orm import Session

    engine = create_engine("sqlite://")
    with Session(engine) as session:

        def job(cls: type[Factory[Any]], *args: Any, **context: Any) -> Any:
            made = cls(session=session, **{"seed": 1, **context})
            return job_for(made, *args)

        assert job(RealisticCustomers, None, (), {}) is not None
        assert job(RealisticCustomers, "listed", (), {"name": each(["x"])}) is not None
        assert job(Unique, None, (), {}) is None
        assert job(Resumed, None, (), {}) is None
        assert job(Hooked, None, (), {}) is None
        assert job(RealisticCustomers, None, (), {"email": each(iter(["x"]))}) is None
        assert job(RealisticCustomers, None, (), {"name": association(ProductFactory)}) is None
        assert job(RealisticCustomers, None, (), {}, seed=None, faker=Faker()) is None

        class Local(RealisticCustomers):
            pass

        assert job(Local, None, (), {}) is None
        assert job(RealisticCustomers, None, (), {}, callback=lambda: 1) is None  # no pickle
        made = job(RealisticCustomers, None, (), {}, day=datetime.date(2024, 1, 2))
        assert made is not None
        # The session stays here; the binder goes, and shows nothing of the engine.
        assert made.context == {"day": datetime.date(2024, 1, 2)}
        assert made.binder is not None
        assert "binder" not in repr(made)
    engine.dispose()


def test_workers_is_zero_or_one() -> None:
    with pytest.raises(UsageError, match=r"^workers is 0 or 1, not 2$"):
        run_seeds([FillsCustomers], "sqlite://", workers=2)


SEEDS = """
from tests.seeding.test_fill_workers import RealisticCustomers
from pyfactory.seeding import Seed


class Customers(Seed):
    def run(self, ctx):
        ctx.fill(ctx.factory(RealisticCustomers, seed=3), 20_000)
"""


def test_the_command_line_fills_with_a_worker(tmp_path: Path) -> None:
    """The command line's own run: its first chunks made here while the worker starts,
    the rest by the worker, the same rows."""
    module = tmp_path / "seeds.py"
    module.write_text(SEEDS)
    digests = []
    for workers in ("0", "1"):
        database = tmp_path / f"cli{workers}.sqlite3"
        _engine(database).dispose()
        done = subprocess.run(
            [sys.executable, "-m", "pyfactory", "seed", str(module), "--url",
             f"sqlite:///{database}", "--workers", workers, "--chunk-size", "200",
             "--no-progress"],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "customer 20,000" in done.stdout + done.stderr
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


# ---------------------------------------------------------------- the worker's bindings


class Notes(DeclarativeBase):
    pass


class Note(Notes):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[Any] = mapped_column(JSON)


class NoteFactory(Factory[Note]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"number": transient(sequence(lambda n: n)), "body": lazy(_body)}


def _body(note: Any) -> dict[str, Any]:
    return {"n": note["number"], "tags": ["a", "b"]}


class FillsNotes(Seed):
    def run(self, ctx: SeedContext) -> None:
        ctx.fill(ctx.factory(NoteFactory, seed=1), 2500)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@pytest.mark.usefixtures("worker_does_all")
def test_bindings_the_engine_makes_otherwise_are_made_here(
    tmp_path: Path, writes: dict[str, int]
) -> None:
    """An engine option the worker's dialect lacks (a JSON serializer) makes its
    bindings differ from this process's on the chunk checked: every chunk is then bound
    here, from the worker's rows, and written with the engine's serializer."""
    path = tmp_path / "notes.sqlite3"
    engine = create_engine(f"sqlite:///{path}", json_serializer=_compact)
    Notes.metadata.create_all(engine)
    NoteFactory.reset_sequences()
    run_seeds([FillsNotes], engine, chunk_size=1000, workers=1)
    engine.dispose()
    assert writes == {"insert_bound": 0, "insert_many": 3}
    with closing(sqlite3.connect(path)) as connection:
        bodies = [body for (body,) in connection.execute("SELECT body FROM note ORDER BY id")]
    assert len(bodies) == 2500
    assert bodies[0] == '{"n":1,"tags":["a","b"]}'
    assert bodies[-1] == '{"n":2500,"tags":["a","b"]}'


@pytest.mark.usefixtures("worker_does_all")
def test_the_same_bindings_are_the_worker_s(tmp_path: Path, writes: dict[str, int]) -> None:
    """With the engine's defaults, the worker's JSON is this process's: its bindings
    are used, and the rows are those of a fill made here."""
    stored = []
    for workers in (0, 1):
        path = tmp_path / f"notes{workers}.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
        Notes.metadata.create_all(engine)
        NoteFactory.reset_sequences()
        run_seeds([FillsNotes], engine, chunk_size=1000, workers=workers)
        engine.dispose()
        with closing(sqlite3.connect(path)) as connection:
            stored.append(connection.execute("SELECT id, body FROM note ORDER BY id").fetchall())
    assert stored[0] == stored[1]
    assert stored[1][0] == (1, '{"n": 1, "tags": ["a", "b"]}')
    assert writes["insert_bound"] == 3


class UnnestCustomers(RealisticCustomers):
    """Written by INSERT ... unnest on PostgreSQL, never by COPY."""

    _model_builder = SQLAlchemyBuilder(copy_threshold=None)


class FillsOnServer(Seed):
    factory: type[Factory[Customer]] = RealisticCustomers

    def run(self, ctx: SeedContext) -> None:
        ctx.fill(ctx.factory(self.factory, seed=7), 2500)


class FillsUnnest(FillsOnServer):
    factory = UnnestCustomers


@pytest.mark.usefixtures("worker_does_all")
@pytest.mark.parametrize(("seed", "bound"), [(FillsUnnest, 3), (FillsOnServer, 0)])
def test_postgresql_fills_beside(
    postgres_database_url: str, writes: dict[str, int], seed: type[FillsOnServer], bound: int
) -> None:
    """On PostgreSQL through psycopg, the worker binds the rows of ``INSERT ... unnest``
    (one array per column); rows that ``COPY`` would write come here as rows, for the
    COPY stream. Either way, the rows of a fill made here."""
    url = postgres_database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    Base.metadata.create_all(engine, tables=[Customer.__table__])
    stored = []
    try:
        for workers in (0, 1):
            seed.factory.reset_sequences()
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE customer RESTART IDENTITY"))
            writes["insert_bound"] = 0
            run_seeds([seed], engine, chunk_size=1000, workers=workers)
            stored.append(_stored(engine))
    finally:
        engine.dispose()
    assert len(stored[0]) == 2500
    assert stored[1] == stored[0]
    assert writes["insert_bound"] == bound


def test_a_binder_pickles_with_its_dialect_s_class(tmp_path: Path) -> None:
    """The binder sent to the worker makes a dialect of the same class there, and the
    same statements for the same rows; rows it leaves to insert_many bind to None."""
    from sqlalchemy.orm import Session

    engine = _engine(tmp_path / "bind.sqlite3")
    with Session(engine) as session:
        binder = SQLAlchemyBuilder().insert_binder(Customer, _context(session))
    engine.dispose()
    assert binder is not None
    sent = pickle.loads(pickle.dumps(binder))
    assert type(sent.dialect) is type(binder.dialect)  # type: ignore[attr-defined]
    assert sent.dialect is not binder.dialect  # type: ignore[attr-defined]
    rows = [{"name": "Ann", "email": "a@x.org"}, {"name": "Bob", "email": "b@x.org"}]
    assert (
        sent.bind([dict(row) for row in rows])
        == binder.bind(rows)
        == [
            (
                "INSERT INTO customer (name, email) VALUES (?, ?)",
                [("Ann", "a@x.org"), ("Bob", "b@x.org")],
            )
        ]
    )
    assert binder.bind([{"name": "Ann", "email": "a"}, {"name": "Bob"}]) is None
    assert binder.bind([]) is None
    # A related object's key is read from the object: insert_many writes those rows.
    engine = _engine(tmp_path / "orders.sqlite3")
    with Session(engine) as session:
        orders = SQLAlchemyBuilder().insert_binder(Order, _context(session))
    engine.dispose()
    assert orders is not None
    customer = Customer(id=1, name="Ann", email="a@x.org")
    assert orders.bind([{"customer": customer, "product_id": 2, "quantity": 1}]) is None
    assert orders.bind([{"customer_id": 1, "product_id": 2, "quantity": 1}]) is not None


def test_uuids_cross_over_as_their_integers() -> None:
    """The worker pickles a UUID of unknown safety (a seed's ids) as its integer, and
    others as uuid does: equal, same safety, once back here."""
    made = uuid.UUID(int=2**122 + 12345)
    safe = uuid.UUID(int=7, is_safe=uuid.SafeUUID.safe)
    back = pickle.loads(_beside._dumps([made, safe, {"id": made}]))
    assert back == [made, safe, {"id": made}]
    assert [value.is_safe for value in back[:2]] == [uuid.SafeUUID.unknown, uuid.SafeUUID.safe]
    assert b"_uuid" in _beside._dumps(made)  # made again from its int, without UUID()
    assert b"_uuid" not in _beside._dumps(safe)


def _context(session: Any) -> Any:
    from pyfactory._context import Context

    return Context({"session": session}, factory="Test")


def test_bound_rows_fetch_their_rows_once() -> None:
    fetched = []

    def fetch() -> list[dict[str, Any]]:
        fetched.append(1)
        return [{"a": 1}, {"a": 2}]

    rows = BoundRows(["bound"], 2, fetch)
    assert (len(rows), rows.bound, repr(rows)) == (2, ["bound"], "<BoundRows: 2 rows>")
    assert fetched == []
    assert rows[1] == {"a": 2}
    assert rows[:1] == [{"a": 1}]
    assert list(rows) == [{"a": 1}, {"a": 2}]
    assert fetched == [1]


def test_a_builder_writes_bound_rows_with_insert_many_by_default() -> None:
    """A builder with no binder of its own never gets rows bound elsewhere; given some,
    its insert_bound writes their rows with insert_many."""

    class Recording(DictBuilder):
        def insert_many(self, model: Any, rows: Any, context: Any) -> int:
            seen.append(rows)
            return len(rows)

    seen: list[Any] = []
    builder: ModelBuilder[Any] = Recording()
    assert builder.insert_binder(dict, _context(None)) is None
    rows = BoundRows(None, 1, lambda: [{"a": 1}])
    assert builder.insert_bound(dict, rows, _context(None)) == 1
    assert seen == [[{"a": 1}]]


def _dies_in_the_worker(customer: Any) -> str:
    if os.environ.get("PYFACTORY_TEST_FILL_PARENT") != str(os.getpid()):
        os._exit(3)
    return _email(customer)


class DyingCustomers(RealisticCustomers):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {**super().basic(), "email": lazy(_dies_in_the_worker)}


class FillsDying(FillsCustomers):
    factory = DyingCustomers


@pytest.mark.usefixtures("worker_does_all")
def test_a_worker_that_dies_fails_the_seed_with_what_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYFACTORY_TEST_FILL_PARENT", str(os.getpid()))  # the spawned one differs
    engine = _engine(tmp_path / "dying.sqlite3")
    with pytest.raises(SeedFailedError) as caught:
        run_seeds([FillsDying], engine, chunk_size=1000, workers=1)
    error = caught.value.__cause__
    assert isinstance(error, UsageError)
    assert str(error) == (
        "fill(DyingCustomers, ...) with workers: the worker process stopped abruptly. It "
        "imports the program that runs the seeds again: put that run under "
        '`if __name__ == "__main__":`. Otherwise it ran out of memory or was killed'
    )
    assert _stored(engine) == []
    engine.dispose()


class Checked(TypeDecorator[str]):
    """A column type whose bind processor refuses a value, as validating types do."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value == "refused":
            raise ValueError("refused is not a code")
        return value


class Coded(Notes):
    __tablename__ = "coded"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Checked)


class CodedFactory(Factory[Coded]):
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"number": transient(sequence(lambda n: n)), "code": lazy(_code)}


def _code(coded: Any) -> str:
    return "refused" if coded["number"] == 1700 else f"c{coded['number']}"


class FillsCoded(Seed):
    def run(self, ctx: SeedContext) -> None:
        ctx.fill(ctx.factory(CodedFactory, seed=1), 2500)


@pytest.mark.usefixtures("worker_does_all")
def test_a_value_its_type_refuses_is_named_as_here(tmp_path: Path, writes: dict[str, int]) -> None:
    """A bind processor that raises in the worker leaves that chunk's rows to this
    process, whose insert_many raises the error with the factory, schema and row."""
    messages = []
    for workers in (0, 1):
        engine = create_engine(f"sqlite:///{tmp_path / f'coded{workers}.sqlite3'}")
        Notes.metadata.create_all(engine)
        CodedFactory.reset_sequences()
        with pytest.raises(SeedFailedError) as caught:
            run_seeds([FillsCoded], engine, chunk_size=1000, workers=workers)
        error = caught.value.__cause__
        assert isinstance(error, BuilderError)
        messages.append(str(error))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM coded")).scalar() == 0
        engine.dispose()
    assert messages[0] == messages[1]
    assert messages[0].startswith("CodedFactory.basic: insert_batch() failed on ")
    assert "refused is not a code" in messages[0]
    assert writes["insert_bound"] == 1  # the first chunk; the second went as rows
