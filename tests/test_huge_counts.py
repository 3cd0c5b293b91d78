"""A batch count too large for memory is refused up front with a UsageError naming the
factory, schema and count and saying what to use instead; a batch that runs out of
memory part way says the same, and the rows written before it stay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pyfactory import Factory, FactoryDefinitionError, UsageError, many, schema
from pyfactory._limits import MAX_BATCH
from tests.models import PostFactory, RecordingBuilder, UserFactory

ROOT = Path(__file__).resolve().parent.parent


class TestAbsurdCountsAreRefusedUpFront:
    @pytest.mark.parametrize(
        ("method", "advice"),
        [
            (
                "attributes_batch",
                "make them in chunks (attributes_batch(schema, 100_000) in a loop)",
            ),
            ("build_batch", "make them in chunks (build_batch(schema, 100_000) in a loop)"),
            (
                "create_batch",
                "write them with insert_batch(), which keeps memory flat, or make them in "
                "chunks (create_batch(schema, 100_000) in a loop)",
            ),
        ],
    )
    def test_every_method_that_returns_a_list(
        self, method: str, advice: str, recorder: RecordingBuilder
    ) -> None:
        # The recorder fixture empties the shared builder's record first: under
        # pytest-xdist the test before may be any that made users without it.
        with pytest.raises(UsageError) as info:
            getattr(UserFactory(), method)("basic", 10**9)
        assert str(info.value) == (
            f"UserFactory.basic: {method}() of 1,000,000,000 objects is more than one call "
            f"returns in a list (10,000,000): they would not fit in memory; {advice}"
        )
        assert recorder.calls == []

    async def test_acreate_batch(self) -> None:
        with pytest.raises(UsageError) as info:
            await UserFactory().acreate_batch("basic", 10**12)
        assert str(info.value).startswith(
            "UserFactory.basic: acreate_batch() of 1,000,000,000,000 objects is more than"
        )
        assert "write them with ainsert_batch()" in str(info.value)

    def test_the_default_schema_is_named(self) -> None:
        class NotesFactory(Factory[dict[str, Any]]):
            _model = dict
            _default_schema = "basic"

            @schema()
            def basic(self) -> dict[str, Any]:
                return {}

        with pytest.raises(UsageError, match=r"^NotesFactory\.basic: build_batch\(\) of "):
            NotesFactory().build_batch(MAX_BATCH + 1)

    def test_a_factory_without_a_default_schema_is_named(self) -> None:
        with pytest.raises(UsageError, match=r"^UserFactory\.build_batch\(\) of 20,000,000 "):
            UserFactory().build_batch(20_000_000)

    def test_the_limit_itself_is_allowed(self) -> None:
        # Checked before anything is made: a count at the limit goes on to the schema.
        with pytest.raises(UsageError, match="has no _default_schema"):
            UserFactory().build_batch(MAX_BATCH)

    def test_insert_batch_has_no_limit(self) -> None:
        # It returns no list; its memory stays flat however many rows it writes.
        assert UserFactory().insert_batch("basic", 3) == 3

    @pytest.mark.parametrize("count", [10**12, (1, 10**12)])
    def test_a_many_field_too_large_for_memory(self, count: Any) -> None:
        class TimelineFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"posts": many(PostFactory, count=count)}

        with pytest.raises(FactoryDefinitionError) as info:
            TimelineFactory().build("basic")
        assert str(info.value) == (
            "TimelineFactory.basic: many(PostFactory) count=1,000,000,000,000 is more than "
            "one object's list holds (10,000,000): they would not fit in memory; make the "
            "rows with the child factory's insert_batch() instead"
        )


# A process whose address space is capped just above what it uses, so that a batch well
# under the limit still runs out of memory, and quickly.
OUT_OF_MEMORY = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
    from pyfactory import Factory, UsageError, schema, sequence
    from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    class ItemFactory(Factory[Item]):
        _model = Item
        _model_builder = SQLAlchemyBuilder()

        @schema()
        def basic(self):
            return {"name": sequence("item {n}")}

    engine = create_engine(sys.argv[1])
    Base.metadata.create_all(engine)
    session = Session(engine)
    items = ItemFactory(session=session)
    items.create("basic")
    session.commit()
    items.create("basic")  # written, not committed yet

    def used():
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        return pages * resource.getpagesize()

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (used() + 100 * 2**20, hard))
    errors = {}
    for method in ("attributes_batch", "build_batch", "create_batch"):
        try:
            getattr(items, method)("basic", 9_000_000)
        except UsageError as error:
            errors[method] = str(error)
    class WideItemFactory(ItemFactory):
        _batch_size = 9_000_000  # one chunk of every row: too many to hold

    try:
        WideItemFactory(session=session).insert_batch("basic", 9_000_000)
    except UsageError as error:
        errors["insert_batch"] = str(error)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    session.commit()
    names = session.scalars(select(Item.name).order_by(Item.id)).all()
    print(json.dumps({"errors": errors, "names": names}))
    """
)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_a_batch_that_runs_out_of_memory_says_so_and_keeps_earlier_rows(tmp_path: Path) -> None:
    script = tmp_path / "out_of_memory.py"
    script.write_text(OUT_OF_MEMORY)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script), f"sqlite:///{tmp_path / 'items.sqlite3'}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["errors"] == {
        "attributes_batch": (
            "ItemFactory.basic: attributes_batch() of 9,000,000 objects ran out of memory; "
            "make them in chunks (attributes_batch(schema, 100_000) in a loop)"
        ),
        "build_batch": (
            "ItemFactory.basic: build_batch() of 9,000,000 objects ran out of memory; "
            "make them in chunks (build_batch(schema, 100_000) in a loop)"
        ),
        "create_batch": (
            "ItemFactory.basic: create_batch() of 9,000,000 objects ran out of memory; "
            "write them with insert_batch(), which keeps memory flat, or make them in "
            "chunks (create_batch(schema, 100_000) in a loop)"
        ),
        "insert_batch": (
            "WideItemFactory.basic: insert_batch() of 9,000,000 objects ran out of memory; "
            "lower the factory's _batch_size, the rows it holds at a time"
        ),
    }
    # The rows written before the failing call stay; none of its own rows do.
    assert result["names"] == ["item 1", "item 2"]
