"""Special fields: sequence, association, many, lazy, fake, transient, randomly_*,
nested containers and custom ``SpecialField`` subclasses (DESIGN.md §3)."""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from faker import Faker
from faker.exceptions import UniquenessException

from pyfactory import (
    OMIT,
    Attrs,
    Context,
    CyclicDependencyError,
    Factory,
    FactoryDefinitionError,
    FactoryError,
    FieldContext,
    FieldError,
    SpecialField,
    after,
    association,
    fake,
    lazy,
    many,
    randomly_nullify,
    randomly_unset,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder, ObjectBuilder

# ----------------------------------------------------------------------- models


@dataclass
class Profile:
    bio: str
    serial: int = 0
    avatar: str = "default.png"
    saved: bool = False


@dataclass
class User:
    name: str
    profile: Any = None
    saved: bool = False


class SavingBuilder(ObjectBuilder[Any]):
    """An ObjectBuilder that marks created objects and remembers what it made."""

    def __init__(self) -> None:
        self.built: list[Any] = []
        self.created: list[Any] = []

    def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        self.built.append(obj)
        return obj

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        obj.saved = True
        self.created.append(obj)
        return obj

    def create_many(
        self, model: type[Any], rows: list[dict[str, Any]], context: Context
    ) -> list[Any]:
        return [self.create(model, row, context) for row in rows]


class Probe(SpecialField[Any]):
    """A custom field whose value is ``fn(ctx)``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def resolve(self, ctx: FieldContext) -> Any:
        return self.fn(ctx)


class _Base(Factory[Any]):
    """The root of this module's factories, so their counters reset together."""

    _abstract = True
    _model_builder = DictBuilder()


profile_builder = SavingBuilder()
user_builder = SavingBuilder()


class ProfileFactory(_Base):
    _model = Profile
    _model_builder = profile_builder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"bio": "hello", "serial": sequence(lambda n: n)}

    @schema()
    def long(self) -> dict[str, Any]:
        return {"bio": "a much longer bio", "serial": sequence(lambda n: n)}

    @trait()
    def with_avatar(self) -> dict[str, Any]:
        return {"avatar": "me.png"}


class UserFactory(_Base):
    _model = User
    _model_builder = user_builder

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "ann", "profile": association(ProfileFactory, "basic")}

    @schema()
    def long_profile(self) -> dict[str, Any]:
        return {"name": "ann", "profile": association(ProfileFactory, "long")}

    @schema()
    def default_profile(self) -> dict[str, Any]:
        return {"name": "ann", "profile": association(ProfileFactory)}

    @schema()
    def avatar_profile(self) -> dict[str, Any]:
        return {"name": "ann", "profile": association(ProfileFactory, "basic", "with_avatar")}

    @schema()
    def set_profile(self) -> dict[str, Any]:
        return {"name": "ann", "profile": association(ProfileFactory, "basic", bio="set here")}

    @schema()
    def bio_only(self) -> dict[str, Any]:
        return {"name": "ann", "profile": association(ProfileFactory, "long", attr="bio")}


class CardFactory(_Base):
    """Fields that read one association's child in several ways."""

    _model = dict

    @schema()
    def basic(self) -> dict[str, Any]:
        owner = association(ProfileFactory, "basic")
        return {
            "owner": owner,
            "owner_bio": owner.attribute("bio"),
            "owner_serial": owner.attribute("serial"),
            "owner_itself": owner.callback(lambda child: child),
        }

    @schema()
    def derived_first(self) -> dict[str, Any]:
        owner = association(ProfileFactory, "basic")
        return {
            "owner_bio": owner.attribute("bio"),
            "owner_itself": owner.callback(lambda child: child),
            "owner": owner,
        }

    @schema()
    def derived_only(self) -> dict[str, Any]:
        owner = association(ProfileFactory, "basic")
        return {
            "owner_bio": owner.attribute("bio"),
            "owner_serial": owner.attribute("serial"),
            "owner_itself": owner.callback(lambda child: child),
        }


class TeamFactory(_Base):
    _model = dict

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"members": many(ProfileFactory, "basic", count=3)}

    @schema()
    def empty(self) -> dict[str, Any]:
        return {"members": many(ProfileFactory, "basic", count=0)}

    @schema()
    def ranged(self) -> dict[str, Any]:
        return {"members": many(ProfileFactory, "basic", count=(2, 4))}

    @schema()
    def fixed_range(self) -> dict[str, Any]:
        return {"members": many(ProfileFactory, "basic", count=(2, 2))}

    @schema()
    def styled(self) -> dict[str, Any]:
        return {"members": many(ProfileFactory, "long", "with_avatar", count=2, bio="team bio")}


@pytest.fixture(autouse=True)
def _fresh_state() -> None:
    """Every test starts with fresh counters and empty builder records."""
    _Base.reset_sequences()
    for builder in (profile_builder, user_builder):
        builder.built.clear()
        builder.created.clear()


def next_profile_serial() -> int:
    """The serial the next ProfileFactory object gets, which consumes one number."""
    return ProfileFactory().attributes("basic")["serial"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------- sequence


class TestSequence:
    def test_brace_template(self) -> None:
        """A "{n}" template renders the counter, starting at 1."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": sequence("user{n}@example.com")}

        f = F()
        assert [f.build("basic")["email"] for _ in range(3)] == [
            "user1@example.com",
            "user2@example.com",
            "user3@example.com",
        ]

    def test_brace_template_with_format_spec(self) -> None:
        """A "{n:03d}" template applies the format spec to the counter."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"code": sequence("C-{n:03d}")}

        f = F()
        assert [f.build("basic")["code"] for _ in range(2)] == ["C-001", "C-002"]

    def test_percent_template(self) -> None:
        """PyFactory's "%(n)s" template renders the counter too."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": sequence("user%(n)s@example.com")}

        f = F()
        assert [f.build("basic")["email"] for _ in range(2)] == [
            "user1@example.com",
            "user2@example.com",
        ]

    def test_callable(self) -> None:
        """A function of n gives its result, of whatever type it returns."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"score": sequence(lambda n: n * 10), "pair": sequence(lambda n: (n, -n))}

        f = F()
        assert [f.build("basic") for _ in range(2)] == [
            {"score": 10, "pair": (1, -1)},
            {"score": 20, "pair": (2, -2)},
        ]

    def test_start(self) -> None:
        """start= gives the first number."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"id": sequence(lambda n: n, start=100), "zero": sequence("z{n}", start=0)}

        f = F()
        assert [f.build("basic") for _ in range(2)] == [
            {"id": 100, "zero": "z0"},
            {"id": 101, "zero": "z1"},
        ]

    def test_key_shares_one_counter(self) -> None:
        """Fields that give the same key= draw from one counter."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "a": sequence("a{n}", key="shared"),
                    "b": sequence("b{n}", key="shared"),
                    "c": sequence("c{n}"),
                }

        f = F()
        assert [f.build("basic") for _ in range(2)] == [
            {"a": "a1", "b": "b2", "c": "c1"},
            {"a": "a3", "b": "b4", "c": "c2"},
        ]

    def test_each_field_name_counts_separately(self) -> None:
        """Two fields of one schema have their own counters."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": sequence(lambda n: n), "y": sequence(lambda n: n)}

        f = F()
        assert [f.build("basic") for _ in range(2)] == [{"x": 1, "y": 1}, {"x": 2, "y": 2}]

    def test_each_factory_class_counts_separately(self) -> None:
        """Two factory classes with the same field name count separately."""

        class A(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

        class B(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

        a, b = A(), B()
        assert [a.build("basic")["n"], a.build("basic")["n"], b.build("basic")["n"]] == [1, 2, 1]

    def test_subclass_counts_separately(self) -> None:
        """A subclass is its own factory class and so has its own counter."""

        class A(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

        class B(A):
            pass

        assert [A().build("basic")["n"], A().build("basic")["n"], B().build("basic")["n"]] == [
            1,
            2,
            1,
        ]

    def test_instances_and_schemas_of_one_class_share_the_counter(self) -> None:
        """The counter belongs to the class and field name, not to an instance or a schema."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

            @schema()
            def other(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: -n)}

        assert [F().build("basic")["n"], F().build("other")["n"], F().build("basic")["n"]] == [
            1,
            -2,
            3,
        ]

    def test_reset_sequences(self) -> None:
        """reset_sequences() restarts every counter of the class at its start."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n), "m": sequence(lambda n: n, start=5)}

        f = F()
        f.build("basic")
        assert f.build("basic") == {"n": 2, "m": 6}
        F.reset_sequences()
        assert f.build("basic") == {"n": 1, "m": 5}

    def test_reset_sequences_reaches_subclasses_only_downwards(self) -> None:
        """A parent's reset restarts its subclasses' counters; a subclass's reset leaves the
        parent's alone."""

        class Parent(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

        class Child(Parent):
            pass

        for _ in range(3):
            Parent().build("basic")
            Child().build("basic")
        Child.reset_sequences()
        assert Parent().build("basic")["n"] == 4
        assert Child().build("basic")["n"] == 1
        Parent.reset_sequences()
        assert Parent().build("basic")["n"] == 1
        assert Child().build("basic")["n"] == 1

    def test_factory_reset_sequences_restarts_all(self) -> None:
        """Factory.reset_sequences() restarts the counters of every factory."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

        F().build("basic")
        F().build("basic")
        Factory.reset_sequences()
        assert F().build("basic")["n"] == 1

    def test_thread_safe(self) -> None:
        """Many threads building at once never get the same number twice, nor skip one."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

        threads_count, per_thread = 8, 300
        barrier = threading.Barrier(threads_count)
        results: list[list[int]] = [[] for _ in range(threads_count)]

        def work(slot: list[int]) -> None:
            f = F()
            barrier.wait()
            slot.extend(f.build("basic")["n"] for _ in range(per_thread))

        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=work, args=(slot,)) for slot in results]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            sys.setswitchinterval(old)
        numbers = [n for slot in results for n in slot]
        assert len(numbers) == threads_count * per_thread
        assert sorted(numbers) == list(range(1, threads_count * per_thread + 1))

    def test_template_without_a_place_for_n_is_refused(self) -> None:
        """A template that cannot show the number is refused when the field is made."""
        with pytest.raises(FactoryDefinitionError, match="has no place for the number"):
            sequence("user@example.com")

    def test_non_int_start_is_refused(self) -> None:
        """start= must be an int."""
        with pytest.raises(FactoryDefinitionError, match="sequence start must be an int"):
            sequence("u{n}", start="1")  # type: ignore[arg-type]


# ------------------------------------------------------------------ association


class TestAssociation:
    def test_attributes_scope_gives_the_childs_dict(self) -> None:
        """Under attributes() the child is its resolved attribute dict, and no builder runs."""
        attrs = UserFactory().attributes("basic")
        assert attrs == {"name": "ann", "profile": {"bio": "hello", "serial": 1}}
        assert profile_builder.built == []
        assert profile_builder.created == []

    def test_build_scope_gives_a_built_child(self) -> None:
        """Under build() the child is a built model that was not created."""
        user = UserFactory().build("basic")
        assert user == User(name="ann", profile=Profile(bio="hello", serial=1))
        assert profile_builder.built == [user.profile]
        assert profile_builder.created == []
        assert user.saved is False

    def test_create_scope_gives_a_created_child(self) -> None:
        """Under create() the child is created by its own factory's builder."""
        user = UserFactory().create("basic")
        assert user.saved is True
        assert user.profile == Profile(bio="hello", serial=1, saved=True)
        assert profile_builder.created == [user.profile]
        assert profile_builder.built == []
        assert user_builder.created == [user]

    def test_each_parent_gets_its_own_child(self) -> None:
        """Every parent object gets a new child."""
        users = UserFactory().build_batch("basic", 3)
        assert [u.profile.serial for u in users] == [1, 2, 3]
        assert len({id(u.profile) for u in users}) == 3

    def test_named_schema(self) -> None:
        """The schema given to association() is the child's schema."""
        assert UserFactory().build("long_profile").profile.bio == "a much longer bio"

    def test_default_schema(self) -> None:
        """With no schema named, the child's _default_schema is used."""
        assert UserFactory().build("default_profile").profile == Profile(bio="hello", serial=1)

    def test_traits(self) -> None:
        """Traits given to association() apply to the child."""
        profile = UserFactory().build("avatar_profile").profile
        assert (profile.bio, profile.avatar) == ("hello", "me.png")

    def test_declared_overrides(self) -> None:
        """Overrides given to association() apply to the child."""
        assert UserFactory().build("set_profile").profile.bio == "set here"

    def test_caller_dunder_overrides_beat_declared_ones(self) -> None:
        """A caller's profile__bio wins over the override declared in the schema."""
        user = UserFactory().build("set_profile", profile__bio="from the call")
        assert user.profile.bio == "from the call"

    @pytest.mark.parametrize(
        ("method", "expected"),
        [("attributes", "a much longer bio"), ("build", "a much longer bio")],
    )
    def test_attr(self, method: str, expected: str) -> None:
        """attr= gives that attribute of the child instead of the child."""
        result = getattr(UserFactory(), method)("bio_only")
        value = result["profile"] if method == "attributes" else result.profile
        assert value == expected

    def test_attr_under_create_reads_the_created_child(self) -> None:
        """attr= under create() reads the attribute of a child that was created."""
        user = UserFactory().create("bio_only")
        assert user.profile == "a much longer bio"
        assert [p.bio for p in profile_builder.created] == ["a much longer bio"]

    @pytest.mark.parametrize("schema_name", ["basic", "derived_first", "derived_only"])
    @pytest.mark.parametrize("method", ["attributes", "build", "create"])
    def test_attribute_and_callback_share_one_child(self, schema_name: str, method: str) -> None:
        """.attribute() and .callback() read the association's one child, whatever the
        declaration order, and no extra child is made."""
        card = getattr(CardFactory(), method)(schema_name)
        child = card["owner_itself"]
        if "owner" in card:
            assert card["owner"] is child
        if method == "attributes":
            assert child == {"bio": "hello", "serial": 1}
        else:
            assert child == Profile(bio="hello", serial=1, saved=method == "create")
        assert card["owner_bio"] == "hello"
        if "owner_serial" in card:
            assert card["owner_serial"] == 1
        made = profile_builder.built if method == "build" else profile_builder.created
        assert len(made) == (0 if method == "attributes" else 1)
        assert next_profile_serial() == 2

    def test_attribute_reads_a_ready_object_given_instead(self) -> None:
        """When the caller replaces the association with an object, .attribute() and
        .callback() read that object, and no child is made."""
        ready = Profile(bio="ready", serial=99)
        card = CardFactory().build("basic", owner=ready)
        assert card == {
            "owner": ready,
            "owner_bio": "ready",
            "owner_serial": 99,
            "owner_itself": ready,
        }
        assert profile_builder.built == []
        assert next_profile_serial() == 1

    def test_class_child_gets_the_parents_context_faker_and_seed(self) -> None:
        """A factory class is made with the parent's context, Faker and seed."""

        class Child(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "context": Probe(lambda ctx: dict(ctx.context)),
                    "faker": Probe(lambda ctx: ctx.faker),
                    "seed": Probe(lambda ctx: ctx.factory.seed),
                }

        class Parent(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"child": association(Child, "basic")}

        parent = Parent(tenant="acme", session="db", seed=5)
        child = parent.build("basic")["child"]
        assert child == {
            "context": {"tenant": "acme", "session": "db"},
            "faker": parent.faker,
            "seed": 5,
        }

    def test_instance_child_keeps_its_context_and_faker(self) -> None:
        """A factory instance keeps its own context and Faker; the parent's context fills
        only the keys it lacks."""
        own_faker = Faker()

        class Child(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "context": Probe(lambda ctx: dict(ctx.context)),
                    "faker": Probe(lambda ctx: ctx.faker),
                }

        class Parent(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "child": association(Child(tenant="child", extra=1, faker=own_faker), "basic")
                }

        parent = Parent(tenant="parent", session="db")
        child = parent.build("basic")["child"]
        assert child["context"] == {"tenant": "child", "extra": 1, "session": "db"}
        assert child["faker"] is own_faker
        assert child["faker"] is not parent.faker

    def test_non_factory_is_refused(self) -> None:
        """association() takes a Factory class or instance only."""
        with pytest.raises(
            FactoryDefinitionError, match=r"association\(\) takes a Factory class or instance"
        ):
            association(Profile, "basic")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- many


class TestMany:
    def test_fixed_count_under_build(self) -> None:
        """many(count=3) gives three built children, each a new object."""
        team = TeamFactory().build("basic")
        assert team["members"] == [
            Profile(bio="hello", serial=1),
            Profile(bio="hello", serial=2),
            Profile(bio="hello", serial=3),
        ]
        assert profile_builder.built == team["members"]
        assert profile_builder.created == []

    def test_fixed_count_under_attributes(self) -> None:
        """Under attributes() the children are dicts and no builder runs."""
        team = TeamFactory().attributes("basic")
        assert team["members"] == [{"bio": "hello", "serial": n} for n in (1, 2, 3)]
        assert profile_builder.built == []

    def test_fixed_count_under_create(self) -> None:
        """Under create() every child is created."""
        team = TeamFactory().create("basic")
        assert [m.saved for m in team["members"]] == [True, True, True]
        assert profile_builder.created == team["members"]

    def test_zero_count(self) -> None:
        """count=0 gives an empty list."""
        assert TeamFactory().build("empty") == {"members": []}

    def test_schema_traits_and_overrides(self) -> None:
        """Schema, traits and overrides apply to every child."""
        members = TeamFactory().build("styled")["members"]
        assert [(m.bio, m.avatar) for m in members] == [("team bio", "me.png")] * 2

    def test_dunder_override_reaches_every_child(self) -> None:
        """members__bio= from the caller reaches every child."""
        members = TeamFactory().build("basic", members__bio="x")["members"]
        assert [m.bio for m in members] == ["x", "x", "x"]

    def test_random_count_in_range(self) -> None:
        """count=(lo, hi) picks each parent's size in the range, both ends reachable."""
        teams = TeamFactory(seed=11).build_batch("ranged", 100)
        sizes = [len(t["members"]) for t in teams]
        assert set(sizes) == {2, 3, 4}

    def test_random_count_of_equal_ends(self) -> None:
        """count=(n, n) always gives n."""
        teams = TeamFactory(seed=3).build_batch("fixed_range", 10)
        assert [len(t["members"]) for t in teams] == [2] * 10

    @pytest.mark.parametrize("count", [-1, (3, 1), (1, 2, 3), (-1, 2), "3", True])
    def test_bad_count_is_refused(self, count: Any) -> None:
        """A count that is not a non-negative int or a (lo, hi) pair is refused."""
        with pytest.raises(FactoryDefinitionError, match=r"many\(\) count must be"):
            many(ProfileFactory, "basic", count=count)


# ------------------------------------------------------------------------- lazy


class TestLazy:
    def test_reads_other_fields(self) -> None:
        """A lazy field computes its value from the other fields."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "first": "John",
                    "last": "Doe",
                    "full": lazy(lambda a: f"{a['first']} {a['last']}"),
                }

        assert F().build("basic")["full"] == "John Doe"
        assert F().build("basic", first="Bob")["full"] == "Bob Doe"

    @pytest.mark.parametrize(
        "order",
        [("a", "b", "c", "d"), ("d", "c", "b", "a"), ("b", "d", "a", "c"), ("c", "a", "d", "b")],
    )
    def test_reads_lazy_fields_in_any_declaration_order(self, order: tuple[str, ...]) -> None:
        """Lazy fields reading other lazy fields resolve whatever the declaration order."""
        fields: dict[str, Any] = {
            "a": 1,
            "b": lazy(lambda a: a["a"] + 1),
            "c": lazy(lambda a: a["b"] * 10),
            "d": lazy(lambda a: f"{a['c']}-{a['b']}-{a['a']}"),
        }

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {key: fields[key] for key in order}

        result = F().build("basic")
        assert result == {"a": 1, "b": 2, "c": 20, "d": "20-2-1"}
        assert list(result) == list(order)

    def test_reads_a_sequence_once(self) -> None:
        """A lazy field reading a sequence sees the object's own value; the counter moves once."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "username": lazy(lambda a: a["email"].split("@")[0]),
                    "email": sequence("user{n}@example.com"),
                }

        f = F()
        assert [f.build("basic") for _ in range(2)] == [
            {"username": "user1", "email": "user1@example.com"},
            {"username": "user2", "email": "user2@example.com"},
        ]

    def test_called_once_per_object(self) -> None:
        """A lazy field read by several others runs once per object."""
        calls: list[int] = []

        def base(a: Any) -> int:
            calls.append(1)
            return 7

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "x": lazy(lambda a: a["base"] + 1),
                    "y": lazy(lambda a: a["base"] + 2),
                    "base": lazy(base),
                }

        assert F().build("basic") == {"x": 8, "y": 9, "base": 7}
        assert len(calls) == 1

    def test_overridden_lazy_is_not_called(self) -> None:
        """A lazy field replaced by an override never runs, and readers see the override."""
        calls: list[int] = []

        def expensive(a: Any) -> int:
            calls.append(1)
            return 1

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": lazy(expensive), "y": lazy(lambda a: a["x"] * 2)}

        assert F().build("basic", x=21) == {"x": 21, "y": 42}
        assert calls == []

    def test_view_is_read_only(self) -> None:
        """The attrs view cannot be written to."""

        def write(a: Any) -> None:
            a["other"] = 1

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"other": 0, "x": lazy(write)}

        with pytest.raises(FieldError, match="does not support item assignment") as info:
            F().build("basic")
        assert isinstance(info.value.__cause__, TypeError)

    def test_view_is_a_mapping_of_the_objects_keys(self) -> None:
        """The view iterates over the object's keys and answers `in`."""
        seen: dict[str, Any] = {}

        def look(a: Any) -> int:
            seen["type"] = type(a)
            seen["keys"] = sorted(a)
            seen["has_x"] = "x" in a
            seen["has_nope"] = "nope" in a
            seen["len"] = len(a)
            return 0

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": 1, "look": lazy(look), "z": sequence(lambda n: n)}

        F().build("basic")
        assert seen == {
            "type": Attrs,
            "keys": ["look", "x", "z"],
            "has_x": True,
            "has_nope": False,
            "len": 3,
        }

    def test_cycle_raises_with_its_path(self) -> None:
        """A cycle of lazy fields raises CyclicDependencyError whose cycle and message show
        the path."""

        class Cyclic(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "plain": 1,
                    "a": lazy(lambda a: a["b"]),
                    "b": lazy(lambda a: a["plain"] + a["c"]),
                    "c": lazy(lambda a: a["a"]),
                }

        with pytest.raises(
            CyclicDependencyError, match=re.escape("lazy fields form a cycle: a → b → c → a")
        ) as info:
            Cyclic().build("basic")
        assert info.value.cycle == ("a", "b", "c", "a")
        assert str(info.value).startswith("Cyclic.basic → ")
        assert isinstance(info.value, FactoryError)

    def test_self_cycle(self) -> None:
        """A lazy field that reads itself is a cycle of one."""

        class Cyclic(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": lazy(lambda a: a["a"])}

        with pytest.raises(CyclicDependencyError, match=re.escape("a cycle: a → a")) as info:
            Cyclic().attributes("basic")
        assert info.value.cycle == ("a", "a")

    def test_cycle_found_from_a_field_outside_it(self) -> None:
        """The cycle lists only the fields on it, not the field that led to it."""

        class Cyclic(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "entry": lazy(lambda a: a["x"]),
                    "x": lazy(lambda a: a["y"]),
                    "y": lazy(lambda a: a["x"]),
                }

        with pytest.raises(CyclicDependencyError, match=re.escape("a cycle: x → y → x")) as info:
            Cyclic().build("basic")
        assert info.value.cycle == ("x", "y", "x")

    def test_error_in_a_lazy_field_names_the_path(self) -> None:
        """A lazy field that raises gives a FieldError with the path and the original cause."""

        class Avatar(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"avatar": lazy(lambda a: a["size"])}

        with pytest.raises(
            FieldError, match=re.escape("Avatar.basic → avatar: lazy field raised KeyError('size')")
        ) as info:
            Avatar().build("basic")
        assert isinstance(info.value.__cause__, KeyError)

    def test_non_callable_is_refused(self) -> None:
        """lazy() takes a function."""
        with pytest.raises(FactoryDefinitionError, match=re.escape("lazy() takes a function")):
            lazy(3)  # type: ignore[arg-type]


# ------------------------------------------------------------------------- fake


class TestFake:
    def test_calls_the_provider_of_the_factorys_faker(self) -> None:
        """A provider that is not a fast one is called on the factory's Faker, seeded for
        the value: the seeded Faker's own call, with the value's key as its seed."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"isbn": fake("isbn13")}

        f = F(seed=7)
        got = [f.build("basic")["isbn"] for _ in range(3)]
        assert got == [F(seed=7).build("basic")["isbn"], *got[1:]]
        assert len(set(got)) == 3
        assert all(len(isbn.replace("-", "")) == 13 for isbn in got)

    def test_a_provider_of_your_own_is_called_even_under_a_fast_name(self) -> None:
        """A Faker given a provider of its own for ``email`` keeps it: no fast value."""
        from faker.providers import BaseProvider

        class Mine(BaseProvider):
            def email(self) -> str:
                return "mine@example.org"

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": fake("email"), "name": fake("name")}

        faker = Faker()
        faker.add_provider(Mine)
        made = F(faker=faker).build("basic")
        assert made["email"] == "mine@example.org"
        assert " " in made["name"]

    def test_args_and_kwargs_are_passed(self) -> None:
        """Positional and keyword arguments reach the provider."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "code": fake("numerify", "##-##"),
                    "three": fake("pyint", min_value=3, max_value=3),
                    "pick": fake("random_element", elements=("only",)),
                }

        result = F(seed=1).build("basic")
        assert re.fullmatch(r"\d\d-\d\d", result["code"])
        assert result["three"] == 3
        assert result["pick"] == "only"

    def test_dunder_overrides_reach_the_provider(self) -> None:
        """``key__argument`` overrides add to or replace the provider's keyword
        arguments for one call; the schema's own stay for the next."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "password": fake("password", length=12),
                    "n": fake("pyint", min_value=1, max_value=1),
                }

        f = F(seed=3)
        once = f.build("basic", password__length=30, password__special_chars=False, n__min_value=0)
        assert len(once["password"]) == 30
        assert once["password"].isalnum()
        assert once["n"] in (0, 1)
        assert len(f.build("basic")["password"]) == 12

    def test_a_bad_argument_names_the_field(self) -> None:
        """A keyword the provider does not take fails with the field's path."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"password": fake("password")}

        with pytest.raises(
            FieldError, match=re.escape("F.basic → password: fake('password') raised TypeError(")
        ):
            F(seed=1).build("basic", password__colour="red")

    def test_uses_the_faker_given_to_the_factory(self) -> None:
        """A Faker passed to the factory is the one called."""
        from faker.providers import BaseProvider

        class Marker(BaseProvider):
            def pyfactory_marker(self, suffix: str = "") -> str:
                return "marker" + suffix

        faker = Faker()
        faker.add_provider(Marker)

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"m": fake("pyfactory_marker", suffix="!")}

        f = F(faker=faker)
        assert f.faker is faker
        assert f.build("basic") == {"m": "marker!"}

    def test_unique_never_repeats(self) -> None:
        """unique=True gives no value twice within the provider's whole domain."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": fake("pyint", min_value=1, max_value=40, unique=True)}

        f = F(seed=2)
        values = [f.build("basic")["n"] for _ in range(40)]
        assert sorted(values) == list(range(1, 41))

    def test_unique_exhausted_then_reset(self) -> None:
        """A unique range that runs out raises a FactoryError that names the call and
        its number of values, with no storm of retries; Factory.reset_unique() lets the
        values come again."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": fake("pyint", min_value=1, max_value=5, unique=True)}

        f = F(seed=4)
        first = [f.build("basic")["n"] for _ in range(5)]
        assert sorted(first) == [1, 2, 3, 4, 5]
        with pytest.raises(
            FactoryError,
            match=re.escape(
                "F.basic → n: fake('pyint', max_value=5, min_value=1): all 5 values of "
                "'pyint' are used (unique=True); widen its space"
            ),
        ):
            f.build("basic")
        Factory.reset_unique()
        again = [f.build("basic")["n"] for _ in range(5)]
        assert sorted(again) == [1, 2, 3, 4, 5]

    def test_unique_exhausted_on_fakers_own_path(self) -> None:
        """A provider that is not a fast one keeps Faker's unique proxy: running out raises
        a FieldError caused by Faker's UniquenessException."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": fake("random_element", elements=("a", "b"), unique=True)}

        f = F(seed=4)
        assert sorted(f.build("basic")["n"] for _ in range(2)) == ["a", "b"]
        with pytest.raises(
            FieldError,
            match=re.escape("F.basic → n: fake('random_element') raised UniquenessException"),
        ) as info:
            f.build("basic")
        assert isinstance(info.value.__cause__, UniquenessException)

    def test_unknown_provider(self) -> None:
        """A provider that Faker does not have gives a FieldError naming it."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": fake("no_such_provider")}

        with pytest.raises(
            FieldError,
            match=re.escape("F.basic → x: fake('no_such_provider') raised AttributeError"),
        ) as info:
            F(seed=1).build("basic")
        assert isinstance(info.value.__cause__, AttributeError)

    def test_empty_provider_name_is_refused(self) -> None:
        """fake() needs a provider name."""
        with pytest.raises(FactoryDefinitionError, match=re.escape("fake() takes a provider name")):
            fake("")


# -------------------------------------------------------------------- transient


class TestTransient:
    @staticmethod
    def make() -> tuple[type[Factory[Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        received: list[dict[str, Any]] = []
        hooked: list[dict[str, Any]] = []

        class Recording(DictBuilder):
            def build(
                self, model: type[dict[str, Any]], attributes: dict[str, Any], context: Context
            ) -> dict[str, Any]:
                received.append(dict(attributes))
                return dict(attributes)

        class F(_Base):
            _model = dict
            _model_builder = Recording()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "shout": transient(False),
                    "name": lazy(lambda a: "BOB" if a["shout"] else "bob"),
                }

            @trait()
            def loud(self) -> dict[str, Any]:
                return {"shout": True}

            @after("build")
            def record(self, instance: Any, attrs: Any) -> None:
                hooked.append(dict(attrs))

        return F, received, hooked

    def test_a_transient_override_for_a_key_the_schema_lacks_never_reaches_the_model(
        self,
    ) -> None:
        """``transient()`` given as an override for a new key is read by lazy fields and
        dropped before the builder, for one object as for a batch (one ``build`` used to
        hand it to the model)."""
        F, received, hooked = self.make()
        f = F()
        name = lazy(lambda a: a.get("prefix", "") + "bob")
        assert f.build("basic", prefix=transient("mr "), name=name) == {"name": "mr bob"}
        assert f.build_batch("basic", 2, prefix=transient("mr "), name=name) == [
            {"name": "mr bob"},
            {"name": "mr bob"},
        ]
        assert f.attributes("basic", prefix=transient("mr "), name=name) == {"name": "mr bob"}
        assert received == [{"name": "mr bob"}] * 3
        assert hooked[0] == {"shout": False, "prefix": "mr ", "name": "mr bob"}

    def test_read_by_lazy_and_never_built(self) -> None:
        """Lazy fields read the default; the builder never sees the key."""
        f, received, _ = self.make()
        assert f().build("basic") == {"name": "bob"}
        assert received == [{"name": "bob"}]

    def test_set_by_override(self) -> None:
        """An override sets a transient value, still kept from the builder."""
        f, received, _ = self.make()
        assert f().build("basic", shout=True) == {"name": "BOB"}
        assert received == [{"name": "BOB"}]

    def test_set_by_trait(self) -> None:
        """A trait can set a transient value."""
        f, _, _ = self.make()
        assert f().build("basic", "loud") == {"name": "BOB"}

    def test_read_by_hooks(self) -> None:
        """After-hooks see transient values among the attributes."""
        f, _, hooked = self.make()
        f().build("basic", shout=True)
        assert hooked == [{"shout": True, "name": "BOB"}]

    def test_left_out_of_attributes(self) -> None:
        """attributes() gives what the builder would get, without transient keys."""
        f, received, _ = self.make()
        assert f().attributes("basic") == {"name": "bob"}
        assert received == []

    def test_default_may_be_a_special_field(self) -> None:
        """A transient default that is a special field is resolved."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "base": transient(sequence(lambda n: n * 100)),
                    "value": lazy(lambda a: a["base"] + 1),
                }

        f = F()
        assert [f.build("basic") for _ in range(2)] == [{"value": 101}, {"value": 201}]


# ------------------------------------------------------------------- randomness


class TestRandomly:
    @staticmethod
    def factory(p: float) -> type[Factory[Any]]:
        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "keep": 1,
                    "maybe_gone": randomly_unset("here", p),
                    "maybe_none": randomly_nullify("value", p),
                }

        return F

    def test_p_zero_always_keeps(self) -> None:
        """p=0 always gives the value."""
        rows = self.factory(0)(seed=1).build_batch("basic", 100)
        assert rows == [{"keep": 1, "maybe_gone": "here", "maybe_none": "value"}] * 100

    def test_p_one_always_drops(self) -> None:
        """p=1 always leaves the key out / gives None."""
        rows = self.factory(1)(seed=1).build_batch("basic", 100)
        assert rows == [{"keep": 1, "maybe_none": None}] * 100

    def test_seed_reproduces_the_choices(self) -> None:
        """Two factories with one seed make the same choices."""
        f = self.factory(0.5)
        assert f(seed=42).build_batch("basic", 200) == f(seed=42).build_batch("basic", 200)

    def test_half_gives_a_mix(self) -> None:
        """p=0.5 over 200 objects drops some and keeps some, near half each."""
        rows = self.factory(0.5)(seed=42).build_batch("basic", 200)
        unset = sum("maybe_gone" not in r for r in rows)
        nulled = sum(r["maybe_none"] is None for r in rows)
        assert 60 <= unset <= 140
        assert 60 <= nulled <= 140
        assert {r.get("maybe_gone") for r in rows} == {"here", None}
        assert {r["maybe_none"] for r in rows} == {"value", None}

    def test_special_value_resolved_only_when_kept(self) -> None:
        """A special field given as the value is resolved when kept, never when dropped."""
        calls: list[int] = []

        def counted(a: Any) -> str:
            calls.append(1)
            return "computed"

        class F(_Base):
            _model = dict

            @schema()
            def kept(self) -> dict[str, Any]:
                return {
                    "a": randomly_unset(lazy(counted), 0),
                    "b": randomly_nullify(lazy(counted), 0),
                }

            @schema()
            def dropped(self) -> dict[str, Any]:
                return {
                    "a": randomly_unset(lazy(counted), 1),
                    "b": randomly_nullify(lazy(counted), 1),
                }

        assert F().build("dropped") == {"b": None}
        assert calls == []
        assert F().build("kept") == {"a": "computed", "b": "computed"}
        assert len(calls) == 2

    @pytest.mark.parametrize("p", [-0.1, 1.5, "half", True])
    def test_bad_probability_is_refused(self, p: Any) -> None:
        """p must be a number from 0 to 1."""
        with pytest.raises(FactoryDefinitionError, match="probability must be between 0 and 1"):
            randomly_unset(1, p)
        with pytest.raises(FactoryDefinitionError, match="probability must be between 0 and 1"):
            randomly_nullify(1, p)


# ----------------------------------------------------------------------- nested


class TestNested:
    def test_special_fields_inside_lists_and_dicts_are_resolved(self) -> None:
        """Special fields at any depth of lists, tuples and dicts are resolved in place."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "name": "ann",
                    "tags": [sequence("t{n}"), "plain", lazy(lambda a: a["name"].upper())],
                    "meta": {
                        "owner": lazy(lambda a: a["name"]),
                        "deep": {"pair": (sequence(lambda n: n), "x")},
                        "list": [{"k": lazy(lambda a: len(a["name"]))}],
                    },
                }

        f = F()
        assert f.build("basic") == {
            "name": "ann",
            "tags": ["t1", "plain", "ANN"],
            "meta": {"owner": "ann", "deep": {"pair": (1, "x")}, "list": [{"k": 3}]},
        }
        assert f.build("basic", name="bo")["tags"] == ["t2", "plain", "BO"]

    def test_associations_inside_a_list(self) -> None:
        """An association inside a list is made in the current scope."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"profiles": [association(ProfileFactory, "basic"), None]}

        assert F().build("basic") == {"profiles": [Profile(bio="hello", serial=1), None]}
        assert F().attributes("basic") == {"profiles": [{"bio": "hello", "serial": 2}, None]}

    def test_lazy_reads_a_resolved_container(self) -> None:
        """A lazy field reading a nested container sees it resolved."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "count": lazy(lambda a: len(a["items"]) + a["items"][0]),
                    "items": [lazy(lambda a: 10), 20],
                }

        assert F().build("basic") == {"count": 12, "items": [10, 20]}

    def test_containers_are_fresh_per_object(self) -> None:
        """Each object gets its own containers, so changing one leaves the next alone."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"plain": [1, {"a": []}], "special": [sequence(lambda n: n), {"b": []}]}

        f = F()
        first = f.build("basic")
        first["plain"][1]["a"].append("x")
        first["special"][1]["b"].append("y")
        second = f.build("basic")
        assert second == {"plain": [1, {"a": []}], "special": [2, {"b": []}]}


# ----------------------------------------------------------------------- custom


class TestCustomField:
    def test_context_carries_everything(self) -> None:
        """resolve(ctx) sees the scope, factory, lazy attrs, Faker, context and key."""
        seen: list[dict[str, Any]] = []

        class Spy(SpecialField[str]):
            def resolve(self, ctx: FieldContext) -> str:
                seen.append(
                    {
                        "scope": ctx.scope,
                        "factory": ctx.factory,
                        "name": ctx.attrs["name"],
                        "faker": ctx.faker,
                        "context": dict(ctx.context),
                        "key": ctx.key,
                    }
                )
                return f"{ctx.scope}:{ctx.attrs['name']}"

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"spy": Spy(), "name": lazy(lambda a: "ann")}

        f = F(tenant="acme", seed=3)
        assert f.attributes("basic")["spy"] == "attributes:ann"
        assert f.build("basic")["spy"] == "build:ann"
        assert f.create("basic")["spy"] == "create:ann"
        assert [s["scope"] for s in seen] == ["attributes", "build", "create"]
        for s in seen:
            assert s["factory"] is f
            assert s["faker"] is f.faker
            assert s["context"] == {"tenant": "acme"}
            assert s["key"] == "spy"
            assert s["name"] == "ann"

    async def test_scope_is_create_under_acreate(self) -> None:
        """Under acreate() the scope is "create"."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"scope": Probe(lambda ctx: ctx.scope)}

        assert await F().acreate("basic") == {"scope": "create"}

    def test_context_is_read_only(self) -> None:
        """ctx.context cannot be changed by a field."""

        def write(ctx: FieldContext) -> None:
            ctx.context["session"] = None  # type: ignore[index]

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": Probe(write)}

        with pytest.raises(FieldError, match="does not support item assignment"):
            F(session="db").build("basic")

    def test_overrides_meant_for_the_field(self) -> None:
        """ctx.overrides holds the caller's key__field overrides for this field's key."""

        class Options(SpecialField[dict[str, Any]]):
            def resolve(self, ctx: FieldContext) -> dict[str, Any]:
                return {"size": 1, **ctx.overrides}

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"opts": Options(), "other": Probe(lambda ctx: dict(ctx.overrides))}

        f = F()
        assert f.build("basic") == {"opts": {"size": 1}, "other": {}}
        assert f.build("basic", opts__size=2, opts__flag=True) == {
            "opts": {"size": 2, "flag": True},
            "other": {},
        }

    def test_returning_omit_drops_the_key(self) -> None:
        """A field that resolves to OMIT leaves its key out."""

        class Gone(SpecialField[Any]):
            def resolve(self, ctx: FieldContext) -> Any:
                return OMIT

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1, "gone": Gone()}

        assert F().build("basic") == {"a": 1}
        assert F().attributes("basic") == {"a": 1}

    def test_may_be_given_as_an_override(self) -> None:
        """A custom field passed as an override is resolved like one in the schema."""

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1}

        assert F().build("basic", b=Probe(lambda ctx: ctx.attrs["a"] + 1)) == {"a": 1, "b": 2}

    def test_error_uses_describe(self) -> None:
        """A field that raises is named by its describe() in a FieldError with the path."""

        class Broken(SpecialField[Any]):
            def resolve(self, ctx: FieldContext) -> Any:
                raise ValueError("no good")

            def describe(self) -> str:
                return "broken field"

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": Broken()}

        with pytest.raises(
            FieldError, match=re.escape("F.basic → x: broken field raised ValueError('no good')")
        ) as info:
            F().build("basic")
        assert isinstance(info.value.__cause__, ValueError)

    def test_missing_resolve(self) -> None:
        """A subclass without resolve() says it must implement it."""

        class Lazy(SpecialField[Any]):
            pass

        class F(_Base):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": Lazy()}

        with pytest.raises(FieldError, match=re.escape("Lazy must implement resolve(ctx)")):
            F().build("basic")
