"""Associations that would make the same object again and again are refused by name,
before anything is made or written; a cycle cut at run time (an override, a trait, a
field of the schema, ``randomly_nullify``) still works."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import ForeignKey, Table, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pyfactory import (
    CyclicDependencyError,
    Factory,
    association,
    lazy,
    many,
    randomly_nullify,
    schema,
    trait,
    transient,
)
from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
from tests.models import RecordingBuilder
from tests.models.sqlalchemy import Base

recorder = RecordingBuilder()


@pytest.fixture(autouse=True)
def _clear_recorder() -> Iterator[None]:
    recorder.clear()
    yield
    recorder.clear()


@dataclasses.dataclass
class Person:
    name: str = "Ann"
    manager: Any = None
    reports: Any = None
    partner: Any = None


class PersonFactory(Factory[Person]):
    _model = Person
    _model_builder = recorder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "manager": association(PersonFactory)}

    @schema()
    def boss(self) -> dict[str, Any]:
        return {"name": "Boss", "manager": None}

    @schema()
    def employee(self) -> dict[str, Any]:
        # The usual fix: the manager is made from another schema, which stops.
        return {"name": "Emp", "manager": association(PersonFactory, "boss")}

    @schema()
    def one_up(self) -> dict[str, Any]:
        # A field of the schema cuts the cycle one level down.
        return {"name": "Emp", "manager": association(PersonFactory, "one_up", manager=None)}

    @schema()
    def sometimes(self) -> dict[str, Any]:
        return {"manager": randomly_nullify(association(PersonFactory, "sometimes"), p=0.5)}

    @schema()
    def team(self) -> dict[str, Any]:
        return {"reports": many(PersonFactory, "team", count=3)}

    @schema()
    def small_team(self) -> dict[str, Any]:
        return {"reports": many(PersonFactory, "small_team", count=(0, 2))}

    @schema()
    def by_lazy(self) -> dict[str, Any]:
        # A lazy function that makes its own object decides itself when to stop.
        def manager(attrs: Any) -> Any:
            level = attrs["name"]
            if len(level) > 3:
                return None
            return PersonFactory().build("by_lazy", name=level + "+")

        return {"name": "A", "manager": lazy(manager)}

    @trait()
    def top(self) -> dict[str, Any]:
        return {"manager": None}


class AuthorFactory(Factory[Person]):
    _model = Person
    _model_builder = recorder

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Author", "partner": association(EditorFactory, "basic")}


class EditorFactory(Factory[Person]):
    _model = Person
    _model_builder = recorder

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Editor", "partner": association(AuthorFactory, "basic")}


class DeskFactory(Factory[Person]):
    """A legitimate parent of the cycle: the path and the fix start from it."""

    _model = Person
    _model_builder = recorder

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Desk", "partner": association(PersonFactory)}


SELF = (
    "PersonFactory.basic → manager: association cycle: PersonFactory.basic makes itself "
    "again; stop it with manager=None, a trait, or randomly_nullify"
)
TWO_STEP = (
    "AuthorFactory.basic → partner (EditorFactory.basic) → partner: association cycle: "
    "AuthorFactory.basic makes itself again through partner (EditorFactory.basic) → "
    "partner; stop it with partner__partner=None, a trait, or randomly_nullify"
)


class TestACycleIsRefusedByName:
    @pytest.mark.parametrize(
        "method", ["attributes", "build", "create", "attributes_batch", "build_batch"]
    )
    def test_a_factory_that_makes_itself(self, method: str) -> None:
        call = getattr(PersonFactory(), method)
        with pytest.raises(CyclicDependencyError) as info:
            call(2) if method.endswith("_batch") else call()
        assert str(info.value) == SELF
        assert info.value.cycle == ("PersonFactory.basic", "manager", "PersonFactory.basic")

    def test_nothing_is_written_before_it_is_refused(self) -> None:
        with pytest.raises(CyclicDependencyError):
            PersonFactory().create()
        with pytest.raises(CyclicDependencyError):
            PersonFactory().create_batch(5)
        assert recorder.calls == []

    async def test_under_acreate_and_acreate_batch(self) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            await PersonFactory().acreate()
        assert str(info.value) == SELF
        with pytest.raises(CyclicDependencyError) as info:
            await PersonFactory().acreate_batch(3)
        assert str(info.value) == SELF
        assert recorder.calls == []

    @pytest.mark.parametrize("method", ["build", "create", "create_batch"])
    def test_two_factories_that_make_each_other(self, method: str) -> None:
        call = getattr(AuthorFactory(), method)
        with pytest.raises(CyclicDependencyError) as info:
            call("basic", 2) if method.endswith("_batch") else call("basic")
        assert str(info.value) == TWO_STEP
        assert recorder.calls == []

    def test_below_a_parent_the_fix_is_named_from_the_call(self) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            DeskFactory().build("basic")
        assert str(info.value) == (
            "DeskFactory.basic → partner (PersonFactory.basic) → manager: association "
            "cycle: PersonFactory.basic makes itself again; stop it with "
            "partner__manager=None, a trait, or randomly_nullify"
        )

    def test_an_override_that_leaves_the_cycle_in_place_is_still_refused(self) -> None:
        # The top object differs (its own name), the ones below it repeat.
        with pytest.raises(CyclicDependencyError) as info:
            PersonFactory().build(name="Top")
        assert str(info.value).startswith(
            "PersonFactory.basic → manager (PersonFactory.basic) → manager: association cycle"
        )
        assert str(info.value).endswith(
            "stop it with manager__manager=None, a trait, or randomly_nullify"
        )

    def test_many_children_that_make_themselves_are_refused_at_once(self) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            PersonFactory().build("team")
        assert str(info.value) == (
            "PersonFactory.team → reports[0]: association cycle: PersonFactory.team makes "
            "itself again; stop it with reports=None, a trait, or randomly_nullify"
        )

    def test_the_error_is_short(self) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            AuthorFactory().build("basic")
        assert len(str(info.value)) < 300
        assert "Recursion" not in repr(info.value.__cause__)


class HiddenFactory(Factory[Person]):
    """The association behind a field that always makes it: still a cycle."""

    _model = Person
    _model_builder = recorder

    @schema()
    def transient(self) -> dict[str, Any]:
        return {"manager": transient(association(HiddenFactory, "transient"))}

    @schema()
    def nested(self) -> dict[str, Any]:
        return {"reports": [association(HiddenFactory, "nested")]}

    @schema()
    def derived(self) -> dict[str, Any]:
        boss = association(HiddenFactory, "derived")
        return {"name": boss.attribute("name")}


def ring_of(length: int) -> type[Factory[Any]]:
    """``length`` distinct factories, each making the next, the last making the first."""
    classes: list[type[Factory[Any]]] = []
    for index in range(length):

        def basic(self: Any, index: int = index) -> dict[str, Any]:
            return {"partner": association(classes[(index + 1) % length], "basic")}

        classes.append(
            type(
                f"Ring{index}Factory",
                (Factory,),
                {"_model": Person, "_model_builder": recorder, "basic": schema()(basic)},
            )
        )
    return classes[0]


class TestCyclesBehindOtherFields:
    @pytest.mark.parametrize(
        ("name", "key"), [("transient", "manager"), ("nested", "reports"), ("derived", "name")]
    )
    def test_a_field_that_always_makes_the_child(self, name: str, key: str) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            HiddenFactory().build(name)
        assert str(info.value).startswith(
            f"HiddenFactory.{name} → {key}: association cycle: HiddenFactory.{name} makes "
            f"itself again; stop it with {key}=None"
        )

    def test_a_cycle_longer_than_the_window_is_still_found(self) -> None:
        with pytest.raises(CyclicDependencyError) as info:
            ring_of(40)().build("basic")
        message = info.value.reason
        # Found one lap after a checkpoint: the first repeated object is named.
        assert re.fullmatch(
            r"association cycle: Ring(\d+)Factory\.basic makes itself again through "
            r"partner \(Ring\d+Factory\.basic\) → partner \(Ring\d+Factory\.basic\) → "
            r"… 36 more … → partner \(Ring\d+Factory\.basic\) → partner; "
            r"stop it at Ring\d+Factory\.basic → partner with None, a trait, or "
            r"randomly_nullify",
            message,
        ), message
        assert len(info.value.cycle) == 81
        assert len(str(info.value)) < 700


class TestACycleCutAtRunTime:
    def test_an_override_of_none(self) -> None:
        assert PersonFactory().build(manager=None) == Person("Ann")

    def test_a_dunder_override_one_level_down(self) -> None:
        person = PersonFactory().build(manager__manager=None)
        assert person == Person("Ann", manager=Person("Ann"))

    def test_a_dunder_override_deeper(self) -> None:
        person = PersonFactory().build(manager__manager__manager=None)
        assert person.manager.manager == Person("Ann")

    def test_a_ready_object(self) -> None:
        boss = Person("Boss")
        assert PersonFactory().build(manager=boss).manager is boss

    def test_a_trait(self) -> None:
        assert PersonFactory().build("top") == Person("Ann")
        assert PersonFactory().build(manager__top=True).manager == Person("Ann")

    def test_another_schema_for_the_child(self) -> None:
        assert PersonFactory().build("employee").manager == Person("Boss")

    def test_an_override_in_the_schemas_own_field(self) -> None:
        person = PersonFactory().create("one_up")
        assert person.manager.manager is None
        assert recorder.made("Person") == 2

    @pytest.mark.parametrize("seed", range(5))
    def test_randomly_nullify_stops_it(self, seed: int) -> None:
        person = PersonFactory(seed=seed).build("sometimes")
        depth = 0
        while person.manager is not None:
            person, depth = person.manager, depth + 1
        assert depth < 100

    @pytest.mark.parametrize("seed", range(3))
    def test_a_many_of_random_size_stops_it(self, seed: int) -> None:
        """A ``many`` that may make no child is no cycle: the trees end where a draw
        gives 0, and every node has between 0 and 2 reports."""
        people = PersonFactory(seed=seed).create_batch("small_team", 2)

        def sizes(person: Person) -> list[int]:
            return [len(person.reports)] + [n for r in person.reports for n in sizes(r)]

        assert len(people) == 2
        for person in people:
            counts = sizes(person)
            assert all(0 <= n <= 2 for n in counts)
            assert 0 in counts  # a leaf: the tree ended

    def test_a_lazy_function_that_makes_its_own_objects(self) -> None:
        person = PersonFactory().build("by_lazy")
        assert person.manager.manager.manager.name == "A+++"
        assert person.manager.manager.manager.manager is None


class TestACycleThatNeverStops:
    def test_the_depth_limit_names_the_factory_and_keeps_the_path_short(self) -> None:
        limit = sys.getrecursionlimit()

        class EndlessFactory(Factory[Person]):
            _model = Person

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"manager": randomly_nullify(association(EndlessFactory, "basic"), p=0.0)}

        with pytest.raises(CyclicDependencyError) as info:
            EndlessFactory().build("basic")
        message = str(info.value)
        assert "associations nest more than 10,000 objects deep" in message
        assert "(at EndlessFactory.basic → manager)" in message
        assert "… 9990 more …" in message
        assert len(message) < 700
        assert sys.getrecursionlimit() == limit


# ------------------------------------------------------------ on a database


class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    parent: Mapped[Category | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[Category]] = relationship(back_populates="parent")


class CategoryFactory(Factory[Category]):
    _model = Category
    _model_builder = SQLAlchemyBuilder()

    @schema()
    def tree(self) -> dict[str, Any]:
        # Each category's children are made after it, and have children of their own.
        return {"name": "c", "children": many(CategoryFactory, "tree", count=2)}

    @schema()
    def leaf(self) -> dict[str, Any]:
        return {"name": "leaf"}

    @schema()
    def chain(self) -> dict[str, Any]:
        return {"name": "c", "parent": association(CategoryFactory, "chain")}


@pytest.fixture
def db_tables() -> list[Table]:
    """The category table, for the SQLite file of ``sqlite_session``."""
    return [Category.__table__]


@pytest.fixture
def session(sqlite_session: Session) -> Session:
    """A session on the test's SQLite file (tests/plugins/databases.py)."""
    return sqlite_session


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Category)) or 0


class TestOnADatabase:
    def test_a_parent_cycle_writes_nothing(self, session: Session) -> None:
        with pytest.raises(CyclicDependencyError, match=r"CategoryFactory\.chain makes itself"):
            CategoryFactory(session=session).create("chain")
        assert _count(session) == 0

    @pytest.mark.parametrize("method", ["create", "create_batch"])
    def test_children_made_after_their_parent_that_make_themselves(
        self, session: Session, method: str
    ) -> None:
        factory = CategoryFactory(session=session)
        with pytest.raises(CyclicDependencyError) as info:
            factory.create("tree") if method == "create" else factory.create_batch("tree", 3)
        assert "association cycle: CategoryFactory.tree makes itself again" in str(info.value)
        assert "children" in info.value.path
        assert _count(session) == 0

    def test_the_same_tree_cut_by_a_dunder_override(self, session: Session) -> None:
        top = CategoryFactory(session=session).create("tree", children__children=[])
        session.commit()
        assert [len(c.children) for c in top.children] == [0, 0]
        assert _count(session) == 3
