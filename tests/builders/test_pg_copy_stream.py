"""``insert_batch``'s chunks streamed into one ``COPY`` held open across them, on the real
PostgreSQL through psycopg 3 (pyfactory/builders/_sa_stream.py): the same rows as the
INSERT path, the refused row named by its place in the batch whichever chunk sent it,
and no stream where anything else must run on the connection between the chunks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, String, create_engine, make_url, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pyfactory import (
    OMIT,
    BuilderError,
    Context,
    Factory,
    FieldError,
    association,
    each,
    lazy,
    schema,
    sequence,
)
from pyfactory.builders import ModelBuilder, ObjectBuilder, RowStream, _sa_stream
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from pyfactory.seeding import Seed, SeedContext, run_seeds
from tests.builders.test_pg_copy import Base, Owner, Pet, Statements


class Badge(Base):
    """A row that names its holder by name, with no foreign key: the server names every
    row it refuses, so its chunks may stream."""

    __tablename__ = "copy_badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    holder: Mapped[str | None] = mapped_column(String(20))


@pytest.fixture
def pg(postgres_database_url: str, make_engine: Callable[..., Engine]) -> Engine:
    """The test's database through psycopg 3, with the tables of test_pg_copy.py."""
    engine = make_engine(make_url(postgres_database_url).set(drivername="postgresql+psycopg"))
    Base.metadata.create_all(engine)
    return engine


def owners(threshold: int | None = 1, size: int = 100, **fields: Any) -> type[Factory[Owner]]:
    """A factory of owners named ``o1``, ``o2``, ... in chunks of ``size`` rows."""

    class OwnerFactory(Factory[Owner]):
        _model_builder = SQLAlchemyBuilder(copy_threshold=threshold)
        _default_schema = "basic"
        _batch_size = size

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("o{n}"), **fields}

    return OwnerFactory


def names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Owner.name).order_by(Owner.id)))


def test_the_chunks_of_a_call_go_in_one_copy(pg: Engine) -> None:
    spy = Statements(pg)
    with Session(pg) as session:
        assert owners()(session=session).insert_batch(450) == 450
        session.commit()
    assert spy.starting("COPY") == ["COPY copy_owner (name) FROM STDIN (FORMAT BINARY)"]
    assert len(spy.starting("SELECT A.ATTNAME")) == 1  # the catalog, once
    assert len(spy.starting("SAVEPOINT")) == 1  # the call's
    assert not spy.starting("INSERT")
    assert names(pg) == [f"o{n}" for n in range(1, 451)]


def test_one_chunk_is_no_stream(pg: Engine) -> None:
    """A call of one chunk writes it as before: a stream would save nothing."""
    with Session(pg) as session:
        made = owners()(session=session)
        assert made.insert_batch(100) == 100
        assert made.insert_batch(1) == 1
        session.commit()
    assert len(names(pg)) == 101


def test_a_row_refused_in_an_earlier_chunk_is_named_by_its_place(pg: Engine) -> None:
    """o150 is stored already: the server refuses the 150th row, sent with the second
    chunk, and says so when the COPY ends, after the fifth chunk was sent. The error
    names it as the INSERT path does, and the call writes nothing."""
    messages = []
    for threshold in (None, 1):
        with pg.begin() as conn:
            conn.execute(text("TRUNCATE copy_owner RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o150')"))
        with Session(pg) as session:
            made = owners(threshold)(session=session)
            with pytest.raises(BuilderError) as caught:
                made.insert_batch(450)
            refused = caught.value
            assert refused.attributes == refused.rows[refused.index] == {"name": "o150"}
            assert (refused.first, refused.index) == (100, 49)  # its chunk's, as the INSERT's
            messages.append(str(caught.value))
            # The session is usable, and the call left nothing behind.
            assert session.scalars(select(Owner.name)).all() == ["o150"]
    assert messages[1].startswith(
        "OwnerFactory.basic: insert_batch() failed on row 149 (the 150th row): "
        "SQLAlchemyBuilder.insert_many(Owner) raised IntegrityError('(psycopg.errors."
        'UniqueViolation) duplicate key value violates unique constraint "copy_owner_name_key"'
    )
    # The INSERT path's message says the same, without the COPY's line.
    assert messages[0].split("\\n")[0] == messages[1].split("\\n")[0]


def test_a_long_call_ends_its_copy_every_part(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The COPY ends once it holds PART_ROWS rows (the rows kept to name a refused one):
    chunks of 100 in parts of 150 make three COPYs of 200, 200 and 50 rows, and a row
    refused in the second part is named by its place in the batch."""
    monkeypatch.setattr(_sa_stream, "PART_ROWS", 150)
    spy = Statements(pg)
    with Session(pg) as session:
        owners()(session=session).insert_batch(450)
        session.commit()
    assert len(spy.starting("COPY")) == 3
    assert names(pg) == [f"o{n}" for n in range(1, 451)]
    with pg.begin() as conn:
        conn.execute(text("TRUNCATE copy_owner RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o320')"))
    with Session(pg) as session, pytest.raises(BuilderError) as caught:
        owners()(session=session).insert_batch(450)
    refused = caught.value
    assert refused.attributes == refused.rows[refused.index] == {"name": "o320"}
    assert (refused.first, refused.index) == (300, 19)  # its rows are its chunk's
    assert str(caught.value).startswith(
        "OwnerFactory.basic: insert_batch() failed on row 319 (the 320th row): "
    )


def test_a_chunk_that_cannot_be_copied_goes_between_copies(pg: Engine) -> None:
    """A chunk of other columns ends the COPY and starts another; a chunk too small for
    a COPY of its own joins an open one of its columns, or else goes in an INSERT."""
    spy = Statements(pg)
    with Session(pg) as session:

        class BadgeFactory(Factory[Badge]):
            _model_builder = SQLAlchemyBuilder(copy_threshold=60)
            _default_schema = "basic"
            _batch_size = 100

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"label": sequence("b{n}"), "holder": "h"}

        made = BadgeFactory(session=session)
        # Rows 100 to 199 name no holder: other columns, so the first COPY ends and
        # they go in a second; the last 50 rows, of the first columns again, end it
        # too, and are too few for a COPY of their own: an INSERT.
        holder = each(["h"] * 100 + [OMIT] * 100 + ["h"] * 50)
        assert made.insert_batch(250, holder=holder) == 250
        # 130 rows in chunks of 100: the last 30 join the first chunk's COPY.
        assert made.insert_batch(130) == 130
        session.commit()
    assert spy.starting("COPY") == [
        "COPY copy_badge (label, holder) FROM STDIN (FORMAT BINARY)",
        "COPY copy_badge (label) FROM STDIN (FORMAT BINARY)",
        "COPY copy_badge (label, holder) FROM STDIN (FORMAT BINARY)",
    ]
    assert len(spy.starting("INSERT INTO COPY_BADGE")) == 1
    with Session(pg) as session:
        rows = session.execute(select(Badge.label, Badge.holder).order_by(Badge.id)).all()
    holders = ["h"] * 100 + [None] * 100 + ["h"] * 50 + ["h"] * 130
    assert rows == [(f"b{n}", holder) for n, holder in zip(range(1, 381), holders, strict=True)]


def test_no_stream_where_rows_make_rows_or_may_query(pg: Engine) -> None:
    """A row whose association makes an owner, or whose lazy function may query, needs
    the connection between the chunks: each chunk has a COPY of its own, as before."""
    owner_factory = owners(None)

    class BadgeFactory(Factory[Badge]):
        _model_builder = SQLAlchemyBuilder(copy_threshold=1)
        _default_schema = "basic"
        _batch_size = 100

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"label": sequence("b{n}")}

        @schema()
        def held(self) -> dict[str, Any]:
            return {
                "label": sequence("h{n}"),
                "holder": association(owner_factory, "basic", attr="name"),
            }

        @schema()
        def looked_up(self) -> dict[str, Any]:
            return {"label": sequence("l{n}"), "holder": lazy(lambda badge: badge["label"])}

    spy = Statements(pg)
    with Session(pg) as session:
        made = BadgeFactory(session=session)
        made.insert_batch("held", 250)
        held = len(spy.starting("COPY"))
        made.insert_batch("looked_up", 250)
        session.commit()
    assert held == 3
    assert len(spy.starting("COPY")) == 6
    assert len(names(pg)) == 250
    with Session(pg) as session:
        badges = session.execute(select(Badge.label, Badge.holder).order_by(Badge.id)).all()
    assert badges[0] == ("h1", "o1")
    assert badges[-1] == ("l500", "l500")  # the label's counter is the factory's


def test_a_failure_between_chunks_ends_the_copy_and_writes_nothing(pg: Engine) -> None:
    def name(n: int) -> str:
        if n == 250:
            raise ValueError("no 250")
        return f"o{n}"

    with Session(pg) as session:
        made = owners(name=sequence(name))(session=session)
        with pytest.raises(FieldError, match=r"OwnerFactory\.basic → name: .*no 250"):
            made.insert_batch(450)
        # The COPY was ended without its rows: the session goes on.
        assert session.scalars(select(Owner.name)).all() == []
        assert made.insert_batch(150) == 150
        session.commit()
    assert len(names(pg)) == 150


def test_a_resumed_sequence_reads_before_the_stream_opens(pg: Engine) -> None:
    with pg.begin() as conn:
        conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o1'), ('o2'), ('o3')"))
    with Session(pg) as session:
        owners(name=sequence("o{n}", resume=True))(session=session).insert_batch(250)
        session.commit()
    assert names(pg) == [f"o{n}" for n in range(1, 254)]


class OwnerSeed(Seed):
    def run(self, ctx: SeedContext) -> None:
        ctx.fill(owners(), 2500)


def test_a_seed_counts_the_streamed_rows(pg: Engine) -> None:
    summary = run_seeds([OwnerSeed], pg)
    assert summary.rows == {"copy_owner": 2500}
    assert len(names(pg)) == 2500


def test_builders_without_a_stream(tmp_path: Any, pg: Engine) -> None:
    """The base builder has none, nor SQLAlchemy's without COPY, outside a call, or on
    SQLite; a RowStream of a builder of one's own says what it lacks."""
    context = Context({}, "OwnerFactory")
    assert ModelBuilder[Any]().insert_stream(Owner, context) is None
    assert ObjectBuilder[Any]().insert_stream(Owner, context) is None
    with Session(pg) as session:
        inside = Context({"session": session}, "OwnerFactory")
        assert SQLAlchemyBuilder[Owner]().insert_stream(Owner, inside) is None  # no call
        assert SQLAlchemyBuilder[Owner](copy_threshold=None).insert_stream(Owner, inside) is None
    sqlite = create_engine(f"sqlite:///{tmp_path / 'owners.sqlite3'}")
    Base.metadata.create_all(sqlite, tables=[Owner.__table__])
    with Session(sqlite) as session:
        assert owners()(session=session).insert_batch(250) == 250
        session.commit()
    assert len(names(sqlite)) == 250
    sqlite.dispose()
    for method, args in (("write", ([],)), ("close", ()), ("abort", ())):
        with pytest.raises(NotImplementedError):
            getattr(RowStream(), method)(*args)


def test_values_of_a_list_stream_and_an_iterator_may_query(pg: Engine) -> None:
    """each() over a list is read without the database; over any other iterable (a
    queryset, a select) it may query, so its chunks keep a COPY each."""
    spy = Statements(pg)
    with Session(pg) as session:
        made = owners()(session=session)
        made.insert_batch(250, name=each([f"a{n}" for n in range(250)]))
        streamed = len(spy.starting("COPY"))
        made.insert_batch(250, name=each(iter([f"b{n}" for n in range(250)])))
        session.commit()
    assert streamed == 1
    assert len(spy.starting("COPY")) == 1 + 3
    assert names(pg) == [f"a{n}" for n in range(250)] + [f"b{n}" for n in range(250)]


def test_a_table_that_names_no_refused_row_writes_a_copy_per_chunk(pg: Engine) -> None:
    """copy_pet's foreign key is checked once a COPY's rows are in, and its error names
    no row: its chunks go through insert_many, each a COPY of its own whose failing
    row is found as before."""
    with pg.begin() as conn:
        conn.execute(text("INSERT INTO copy_owner (name) VALUES ('o')"))

    class PetFactory(Factory[Pet]):
        _model_builder = SQLAlchemyBuilder(copy_threshold=1)
        _default_schema = "basic"
        _batch_size = 100

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("p{n}"), "owner_id": 1}

    spy = Statements(pg)
    with Session(pg) as session:
        made = PetFactory(session=session)
        assert made.insert_batch(250) == 250
        assert len(spy.starting("COPY")) == 3
        assert len(spy.starting("SELECT A.ATTNAME")) == 1  # the catalog, once
        owner_ids = [1] * 149 + [99] + [1] * 100
        with pytest.raises(BuilderError) as caught:
            made.insert_batch(250, owner_id=each(owner_ids))
        assert (caught.value.first, caught.value.index) == (100, 49)
        assert str(caught.value).startswith(
            "PetFactory.basic: insert_batch() failed on row 149 (the 150th row): "
        )
        assert len(session.scalars(select(Pet.id)).all()) == 250
