"""Tests for ``pyfactory._factory``: defining factories and calling them (DESIGN §1, §2, §4, §5)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import attrs
import msgspec
import pydantic
import pytest
from faker import Faker

from pyfactory import (
    Context,
    Factory,
    LazyField,
    SequenceField,
    after,
    association,
    fake,
    lazy,
    many,
    randomly_unset,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder
from tests.models import (
    Avatar,
    Post,
    Profile,
    ProfileFactory,
    RecordingBuilder,
    User,
    UserFactory,
)


class DictFactory(Factory[dict[str, Any]]):
    """A base for factories of plain dicts, so any key may be added."""

    _abstract = True
    _model = dict
    _model_builder = DictBuilder()


@dataclasses.dataclass
class Thing:
    """A model whose fields are named like the positional-only parameters."""

    schema: str
    count: int
    name: str


class ThingFactory(Factory[Thing]):
    _model = Thing
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"schema": "from-schema", "count": 1, "name": "thing"}


class TestDefinition:
    def test_factory_makes_instances_of_its_model(self) -> None:
        """A ``Factory[M]`` with ``_model = M`` builds ``M`` instances from the schema's values."""
        user = UserFactory().build("basic")

        assert isinstance(user, User)
        assert (user.first_name, user.last_name) == ("John", "Doe")

    def test_builder_given_as_an_instance_is_used(self) -> None:
        """A ``_model_builder`` instance receives the factory's build calls."""
        builder = RecordingBuilder()

        class F(Factory[Avatar]):
            _model = Avatar
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"url": "u"}

        avatar = F().build("basic")

        assert avatar == Avatar(url="u")
        assert builder.calls == [("build", "Avatar", {"url": "u"})]

    def test_builder_given_as_a_class_is_instantiated(self) -> None:
        """A ``_model_builder`` class is made with no arguments and then used."""
        made: list[ModelBuilder[Any]] = []

        class Tracking(ObjectBuilder[Any]):
            def __init__(self) -> None:
                made.append(self)

            def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                return ("tracked", model(**attributes))

        class F(Factory[Avatar]):
            _model = Avatar
            _model_builder = Tracking

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"url": "u"}

        result = F().build("basic")

        assert result == ("tracked", Avatar(url="u"))
        assert len(made) == 1
        assert isinstance(made[0], Tracking)

    def test_default_builder_is_object_builder(self) -> None:
        """A factory that names no builder calls ``model(**attrs)`` for build and create."""

        class F(Factory[Avatar]):
            _model = Avatar

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"url": "u", "size": 3}

        assert isinstance(F._model_builder, ObjectBuilder)
        assert F().build("basic") == Avatar(url="u", size=3)
        assert F().create("basic") == Avatar(url="u", size=3)

    def test_subclass_inherits_schemas_traits_and_builder(self) -> None:
        """A subclass of a factory has its parent's schemas, traits and builder."""

        class Sub(UserFactory):
            pass

        user = Sub().build("admin", "verified")

        assert user.type == "admin"
        assert user.verified_at == datetime.datetime(2024, 5, 1, 12, 0)
        assert set(Sub.schemas()) == set(UserFactory.schemas())


class TestMethods:
    def test_attributes_returns_the_resolved_dict(self, recorder: RecordingBuilder) -> None:
        """``attributes`` gives a dict with every special field resolved and calls no builder."""
        attrs_ = UserFactory().attributes("basic")

        assert attrs_ == {
            "first_name": "John",
            "last_name": "Doe",
            "email": "user1@example.com",
            "username": "john.doe",
        }
        assert recorder.calls == []

    def test_build_calls_the_builders_build(self, recorder: RecordingBuilder) -> None:
        """``build`` hands the resolved attributes to ``builder.build`` and returns its result."""
        user = UserFactory().build("basic")

        assert user == User("John", "Doe", "user1@example.com", "john.doe")
        assert recorder.methods() == ["build"]

    def test_create_calls_the_builders_create(self, recorder: RecordingBuilder) -> None:
        """``create`` hands the resolved attributes to ``builder.create``."""
        user = UserFactory().create("basic", first_name="Ann")

        assert user.first_name == "Ann"
        assert recorder.calls == [
            (
                "create",
                "User",
                {
                    "first_name": "Ann",
                    "last_name": "Doe",
                    "email": "user1@example.com",
                    "username": "ann.doe",
                },
            )
        ]

    def test_traits_by_name_follow_the_schema(self) -> None:
        """``build(schema, *traits)`` applies the named traits."""
        user = UserFactory().build("basic", "verified", "inactive")

        assert user.verified_at == datetime.datetime(2024, 5, 1, 12, 0)
        assert user.active is False

    def test_attributes_batch(self) -> None:
        """``attributes_batch(schema, count, *traits, **overrides)`` gives ``count`` dicts."""
        rows = UserFactory().attributes_batch("basic", 3, "inactive", last_name="X")

        assert [r["email"] for r in rows] == [f"user{n}@example.com" for n in (1, 2, 3)]
        assert all(r["last_name"] == "X" and r["username"] == "john.x" for r in rows)
        assert all(r["active"] is False for r in rows)

    def test_build_batch(self, recorder: RecordingBuilder) -> None:
        """``build_batch(schema, count, *traits, **overrides)`` builds ``count`` objects."""
        users = UserFactory().build_batch("admin", 4, "verified", first_name="Eve")

        assert len(users) == 4
        assert all(isinstance(u, User) for u in users)
        assert {u.type for u in users} == {"admin"}
        assert {u.first_name for u in users} == {"Eve"}
        assert all(u.verified_at is not None for u in users)
        assert len({u.email for u in users}) == 4
        assert recorder.methods() == ["build"] * 4

    def test_create_batch(self, recorder: RecordingBuilder) -> None:
        """``create_batch(schema, count, *traits, **overrides)`` creates ``count`` objects."""
        users = UserFactory().create_batch("basic", 3, "inactive", last_name="Roe")

        assert [u.email for u in users] == [f"user{n}@example.com" for n in (1, 2, 3)]
        assert all(u.last_name == "Roe" and not u.active for u in users)
        assert recorder.made("User") == 3

    def test_batch_of_zero_is_empty(self, recorder: RecordingBuilder) -> None:
        """A batch of 0 makes nothing and returns an empty list."""
        f = UserFactory()

        assert f.attributes_batch("basic", 0) == []
        assert f.build_batch("basic", 0) == []
        assert f.create_batch("basic", 0) == []
        assert recorder.made("User") == 0

    def test_schema_and_count_are_positional_only(self) -> None:
        """Fields named ``schema``, ``count`` and ``name`` can be given as overrides."""
        f = ThingFactory()

        thing = f.build("basic", schema="s", count=5, name="n")
        things = f.build_batch("basic", 2, schema="t", count=7, name="m")
        defaulted = f.build(schema="d", count=9)
        counted = f.build_batch(2, count=3)

        assert thing == Thing(schema="s", count=5, name="n")
        assert things == [Thing(schema="t", count=7, name="m")] * 2
        assert defaulted == Thing(schema="d", count=9, name="thing")
        assert counted == [Thing(schema="from-schema", count=3, name="thing")] * 2
        assert f.attributes(schema="x") == {"schema": "x", "count": 1, "name": "thing"}


class TestSchemaInheritance:
    def test_self_schema_returns_the_raw_dict(self) -> None:
        """``self.schema(name)`` gives the unresolved dict: special fields are still special."""
        raw = UserFactory().schema("admin")

        assert raw["type"] == "admin"
        assert raw["first_name"] == "John"
        assert isinstance(raw["email"], SequenceField)
        assert isinstance(raw["username"], LazyField)

    def test_self_schema_inside_a_schema_is_raw(self) -> None:
        """Inside a schema, ``self.schema(other)`` holds special fields, not values."""
        seen: dict[str, Any] = {}

        class F(UserFactory):
            @schema()
            def peek(self) -> dict[str, Any]:
                base = self.schema("basic")
                seen.update(base)
                return base

        F().build("peek")

        assert isinstance(seen["email"], SequenceField)
        assert isinstance(seen["username"], LazyField)

    def test_inheriting_schema_holds_the_base_keys_and_its_own(self) -> None:
        """A schema built on ``self.schema("basic")`` has basic's values plus its own."""
        admin = UserFactory().build("admin")

        assert admin.type == "admin"
        assert (admin.first_name, admin.email, admin.username) == (
            "John",
            "user1@example.com",
            "john.doe",
        )

    def test_changes_to_the_raw_dict_do_not_leak(self) -> None:
        """Changing the dict that ``self.schema`` returned does not change the other schema."""
        f = UserFactory()
        raw = f.schema("basic")
        raw["first_name"] = "Mutated"
        raw["extra"] = 1

        assert f.attributes("basic")["first_name"] == "John"
        assert "extra" not in f.schema("basic")

    def test_overrides_apply_before_inherited_fields_resolve(self) -> None:
        """A lazy field inherited through ``self.schema`` reads the caller's overrides."""
        admin = UserFactory().build("admin", first_name="Bob", last_name="Ray")

        assert admin.username == "bob.ray"


class Level1(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "first_name": "Ann",
            "email": sequence("l{n}@example.com"),
            "username": lazy(lambda a: f"{a['first_name']}-{a['last_name']}".lower()),
            "last_name": "One",
        }


class Level2(Level1):
    @schema()
    def basic(self) -> dict[str, Any]:
        base = super().attributes("basic")
        base["last_name"] = "Two"
        base["level2"] = True
        return base


class Level3(Level2):
    seen: dict[str, Any] = {}

    @schema()
    def basic(self) -> dict[str, Any]:
        base = super().schema("basic")
        Level3.seen = dict(base)
        base["level3"] = True
        return base


class TestFactoryInheritance:
    def test_super_attributes_inside_a_schema_is_raw(self) -> None:
        """``super().attributes(name)`` in a schema gives the parent's unresolved dict."""
        seen: dict[str, Any] = {}

        class Staff(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().attributes("basic")
                seen.update(base)
                base["email"] = "staff@example.com"
                return base

        staff = Staff().build("basic")

        assert isinstance(seen["email"], SequenceField)
        assert isinstance(seen["username"], LazyField)
        assert staff.email == "staff@example.com"
        assert staff.username == "john.doe"

    def test_child_schema_replaces_the_parents_for_every_schema_using_it(self) -> None:
        """The subclass's ``basic`` is the one other schemas of the subclass inherit."""

        class Staff(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().attributes("basic")
                base["email"] = "staff@example.com"
                return base

        assert Staff().build("admin").email == "staff@example.com"
        assert UserFactory().build("admin").email == "user1@example.com"

    def test_three_levels_of_inheritance(self) -> None:
        """Each level's schema extends its parent's, three levels deep."""
        result = Level3().build("basic")

        assert result == {
            "first_name": "Ann",
            "email": "l1@example.com",
            "username": "ann-two",
            "last_name": "Two",
            "level2": True,
            "level3": True,
        }

    def test_super_schema_three_levels_deep_is_raw(self) -> None:
        """``super().schema(name)`` at the third level holds its grandparent's special fields."""
        Level3().build("basic")

        assert isinstance(Level3.seen["email"], SequenceField)
        assert isinstance(Level3.seen["username"], LazyField)
        assert Level3.seen["last_name"] == "Two"
        assert "level3" not in Level3.seen

    def test_intermediate_levels_keep_their_own_schema(self) -> None:
        """A parent factory is unchanged by its subclasses' schemas."""
        assert Level2().attributes("basic") == {
            "first_name": "Ann",
            "email": "l1@example.com",
            "username": "ann-two",
            "last_name": "Two",
            "level2": True,
        }
        assert Level1().attributes("basic")["username"] == "ann-one"

    def test_overrides_reach_inherited_lazy_fields_three_levels_deep(self) -> None:
        """Caller overrides apply before the grandparent's lazy field resolves."""
        assert Level3().attributes("basic", first_name="Zed")["username"] == "zed-two"

    @pytest.mark.parametrize("replacement", [None, Profile(bio="given")])
    def test_replaced_association_of_the_parent_is_never_made(
        self, recorder: RecordingBuilder, replacement: Profile | None
    ) -> None:
        """A child schema that replaces the parent's association makes no child for it."""

        class Staff(UserFactory):
            @schema()
            def with_profile(self) -> dict[str, Any]:
                base = super().attributes("with_profile")
                base["profile"] = replacement
                return base

        staff = Staff().create("with_profile")

        assert staff.profile is replacement
        assert recorder.made("Profile") == 0
        assert recorder.made("Avatar") == 0
        assert recorder.made("User") == 1

    def test_replaced_association_via_super_schema_is_never_made(self) -> None:
        """Replacing an association taken from ``super().schema`` makes no child (hook count)."""
        made: list[Any] = []

        class CountingProfiles(ProfileFactory):
            @after("create")
            def count(self, instance: Profile, attrs: Any) -> None:
                made.append(instance)

        class Parent(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().schema("basic")
                base["profile"] = association(CountingProfiles, "basic")
                return base

        class Child(Parent):
            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().schema("basic")
                base["profile"] = None
                return base

        Parent().create("basic")
        assert len(made) == 1

        child = Child().create("basic")

        assert child.profile is None
        assert len(made) == 1


class TestSchemaEvaluation:
    def test_schema_runs_once_per_factory_instance(self) -> None:
        """A schema method runs once per factory instance, whatever is made with it."""
        calls: list[str] = []

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                calls.append("basic")
                return {"n": sequence(lambda n: n), "tag": "x"}

            @trait()
            def loud(self) -> dict[str, Any]:
                calls.append("loud")
                return {"tag": "X"}

        f = F()
        f.build("basic")
        f.create("basic", tag="y")
        f.attributes("basic")
        f.build_batch("basic", 3)
        f.build("basic", "loud")
        f.build("basic", loud=True)

        assert calls == ["basic", "loud"]

        F().build("basic")
        assert calls == ["basic", "loud", "basic"]

    def test_containers_are_fresh_per_object(self) -> None:
        """Lists and dicts in a schema are copied per object: mutating one leaves the next alone."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"tags": ["a"], "meta": {"roles": ["r"]}, "pair": ([1], 2)}

        f = F()
        first = f.build("basic")
        first["tags"].append("b")
        first["meta"]["roles"].append("s")
        first["meta"]["new"] = 1
        first["pair"][0].append(9)
        second = f.build("basic")
        batch = f.build_batch("basic", 2)
        batch[0]["tags"].append("c")

        assert second == {"tags": ["a"], "meta": {"roles": ["r"]}, "pair": ([1], 2)}
        assert batch[1]["tags"] == ["a"]
        assert f.build("basic")["tags"] == ["a"]

    def test_containers_with_special_fields_resolve_per_object(self) -> None:
        """A list holding special fields is resolved afresh for each object."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"emails": [sequence("a{n}@x.org"), "fixed@x.org"]}

        rows = F().attributes_batch("basic", 2)

        assert rows == [
            {"emails": ["a1@x.org", "fixed@x.org"]},
            {"emails": ["a2@x.org", "fixed@x.org"]},
        ]

    def test_uncached_schema_runs_per_object(self) -> None:
        """``@schema(cache=False)`` runs the method for every object made."""
        calls: list[int] = []

        class F(DictFactory):
            @schema(cache=False)
            def basic(self) -> dict[str, Any]:
                calls.append(1)
                return {"n": len(calls)}

        f = F()
        one = f.build("basic")
        batch = f.build_batch("basic", 2)
        three = f.attributes("basic")

        assert one == {"n": 1}
        assert three == {"n": 4}
        assert len(calls) == 4
        assert [b["n"] for b in batch] == [2, 3]


class TraitOrderFactory(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"x": "schema", "y": "schema"}

    @trait()
    def a(self) -> dict[str, Any]:
        return {"x": "a"}

    @trait()
    def b(self) -> dict[str, Any]:
        return {"x": "b", "y": "b"}


class TestTraits:
    def test_trait_flag_true_applies_the_trait(self, recorder: RecordingBuilder) -> None:
        """``verified=True`` applies the trait and is not passed on as a field."""
        user = UserFactory().build("basic", verified=True)

        assert user.verified_at == datetime.datetime(2024, 5, 1, 12, 0)
        assert "verified" not in recorder.calls[-1][2]

    def test_trait_flag_false_does_not_apply_it(self, recorder: RecordingBuilder) -> None:
        """``verified=False`` leaves the trait out and is not passed on as a field."""
        user = UserFactory().build("basic", verified=False, inactive=True)

        assert user.verified_at is None
        assert user.active is False
        assert "verified" not in recorder.calls[-1][2]
        assert "inactive" not in recorder.calls[-1][2]

    @pytest.mark.parametrize(
        ("traits", "expected"),
        [(("a", "b"), "b"), (("b", "a"), "a"), (("a",), "a"), ((), "schema")],
    )
    def test_traits_apply_in_the_order_given(self, traits: tuple[str, ...], expected: str) -> None:
        """A later trait wins over an earlier one on the same key."""
        assert TraitOrderFactory().attributes("basic", *traits)["x"] == expected

    def test_flags_apply_after_named_traits_in_the_order_given(self) -> None:
        """Flags follow the positional traits, in keyword order."""
        f = TraitOrderFactory()

        assert f.attributes("basic", "b", a=True)["x"] == "a"
        assert f.attributes("basic", "a", b=True)["x"] == "b"
        assert f.attributes("basic", b=True, a=True) == {"x": "a", "y": "b"}

    def test_overrides_win_over_traits(self) -> None:
        """An override replaces the value a trait gave."""
        assert TraitOrderFactory().attributes("basic", "a", "b", x="o") == {"x": "o", "y": "b"}

    def test_trait_flag_through_dunder_reaches_the_child(self) -> None:
        """``profile__empty=True`` applies the child's trait; ``False`` leaves it out."""
        f = UserFactory()

        assert f.build("with_profile", profile__empty=True).profile.bio == ""
        assert f.build("with_profile", profile__empty=False).profile.bio == "Hello"

    def test_trait_can_hold_special_fields(self) -> None:
        """A trait's special fields resolve like the schema's."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "n"}

            @trait()
            def numbered(self) -> dict[str, Any]:
                return {"code": sequence("c{n}"), "upper": lazy(lambda a: a["name"].upper())}

        assert F().attributes_batch("basic", 2, "numbered") == [
            {"name": "n", "code": "c1", "upper": "N"},
            {"name": "n", "code": "c2", "upper": "N"},
        ]


class DefaultFactory(DictFactory):
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"kind": "basic", "n": sequence(lambda n: n)}

    @schema()
    def other(self) -> dict[str, Any]:
        return {"kind": "other"}

    @trait()
    def loud(self) -> dict[str, Any]:
        return {"loud": True}

    @trait()
    def big(self) -> dict[str, Any]:
        return {"big": True}


class TestDefaultSchema:
    def test_schema_name_may_be_left_out(self) -> None:
        """With ``_default_schema``, ``build()`` uses that schema."""
        f = DefaultFactory()

        assert f.build() == {"kind": "basic", "n": 1}
        assert f.attributes()["kind"] == "basic"
        assert f.create(n=0) == {"kind": "basic", "n": 0}

    def test_a_named_schema_is_still_used(self) -> None:
        """A schema named explicitly wins over the default."""
        assert DefaultFactory().build("other") == {"kind": "other"}

    def test_first_positional_trait_name_is_a_trait(self) -> None:
        """A first positional that names a trait is taken as a trait of the default schema."""
        f = DefaultFactory()

        assert f.build("loud") == {"kind": "basic", "n": 1, "loud": True}
        assert f.build("loud", "big") == {"kind": "basic", "n": 2, "loud": True, "big": True}

    def test_batches_take_count_first(self) -> None:
        """With a default schema, the batch forms take ``(count, *traits, **overrides)``."""
        f = DefaultFactory()

        built = f.build_batch(2)
        loud = f.build_batch(2, "loud", kind="k")
        rows = f.attributes_batch(1, "big")
        created = f.create_batch(3)

        assert built == [{"kind": "basic", "n": 1}, {"kind": "basic", "n": 2}]
        assert loud == [{"kind": "k", "n": 3, "loud": True}, {"kind": "k", "n": 4, "loud": True}]
        assert rows == [{"kind": "basic", "n": 5, "big": True}]
        assert [c["n"] for c in created] == [6, 7, 8]

    def test_batches_may_still_name_a_schema(self) -> None:
        """With a default schema, ``(schema, count)`` still works."""
        assert (
            DefaultFactory().build_batch("other", 2, "loud")
            == [{"kind": "other", "loud": True}] * 2
        )


class TestHooks:
    def _factory(self, log: list[tuple[str, Any, dict[str, Any]]]) -> type[Factory[User]]:
        class F(Factory[User]):
            _model = User

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "first_name": "John",
                    "last_name": "Doe",
                    "email": sequence("h{n}@example.com"),
                    "shout": transient(False),
                    "username": lazy(lambda a: "JOHN" if a["shout"] else "john"),
                }

            @after("build")
            def on_build(self, instance: User, attrs: Any) -> None:
                log.append(("build", instance, dict(attrs)))

            @after("create")
            def on_create(self, instance: User, attrs: Any) -> None:
                log.append(("create", instance, dict(attrs)))

        return F

    def test_after_build_runs_once_for_build(self) -> None:
        """An ``after("build")`` hook gets the instance and the attrs, transient ones included."""
        log: list[tuple[str, Any, dict[str, Any]]] = []
        user = self._factory(log)().build("basic", shout=True)

        assert log == [
            (
                "build",
                user,
                {
                    "first_name": "John",
                    "last_name": "Doe",
                    "email": "h1@example.com",
                    "shout": True,
                    "username": "JOHN",
                },
            )
        ]
        assert log[0][1] is user

    def test_after_create_runs_once_for_create(self) -> None:
        """An ``after("create")`` hook runs for ``create`` only, with the transient default."""
        log: list[tuple[str, Any, dict[str, Any]]] = []
        user = self._factory(log)().create("basic")

        assert [(scope, obj) for scope, obj, _ in log] == [("create", user)]
        assert log[0][2]["shout"] is False
        assert log[0][2]["username"] == "john"

    def test_hooks_run_once_per_object_in_batches(self) -> None:
        """Batches run the matching hook once for each object, in order."""
        log: list[tuple[str, Any, dict[str, Any]]] = []
        f = self._factory(log)()

        built = f.build_batch("basic", 3)
        created = f.create_batch("basic", 2, shout=True)

        assert [entry[0] for entry in log] == ["build"] * 3 + ["create"] * 2
        assert [entry[1] for entry in log] == [*built, *created]
        assert [entry[2]["email"] for entry in log] == [f"h{n}@example.com" for n in range(1, 6)]
        assert all(entry[2]["shout"] is True for entry in log[3:])

    def test_hooks_never_run_for_attributes(self) -> None:
        """``attributes`` and ``attributes_batch`` run no hook."""
        log: list[tuple[str, Any, dict[str, Any]]] = []
        f = self._factory(log)()

        f.attributes("basic")
        f.attributes_batch("basic", 3)

        assert log == []

    def test_hook_for_both_methods(self) -> None:
        """``after("build", "create")`` runs for both methods."""
        seen: list[str] = []

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"k": 1}

            @after("build", "create")
            def note(self, instance: dict[str, Any], attrs: Any) -> None:
                seen.append(instance["k"])

        f = F()
        f.build("basic", k=1)
        f.create("basic", k=2)
        f.attributes("basic", k=3)

        assert seen == [1, 2]

    def test_hook_may_change_the_instance(self) -> None:
        """What a hook does to the instance is what the caller gets."""

        class F(UserFactory):
            @after("create")
            def promote(self, instance: User, attrs: Any) -> None:
                instance.type = "promoted"

        assert F().create("basic").type == "promoted"
        assert F().build("basic").type == "user"


class BulkBuilder(ModelBuilder[Any]):
    """Records its calls; ``create_many`` writes every row at once."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        self.calls.append(("create", dict(attributes)))
        return model(**attributes)

    def create_many(self, model: type[Any], rows: list[dict[str, Any]], context: Context) -> Any:
        self.calls.append(("create_many", [dict(r) for r in rows]))
        return [model(**r) for r in rows]


class TestBulkCreate:
    def test_create_batch_hands_all_rows_to_create_many_once(self) -> None:
        """``create_batch`` calls ``create_many`` once with every resolved row, never ``create``."""
        builder = BulkBuilder()

        class F(UserFactory):
            _model_builder = builder

        users = F().create_batch("basic", 4, last_name="Bulk")

        assert len(builder.calls) == 1
        method, rows = builder.calls[0]
        assert method == "create_many"
        assert rows == [
            {
                "first_name": "John",
                "last_name": "Bulk",
                "email": f"user{n}@example.com",
                "username": "john.bulk",
            }
            for n in range(1, 5)
        ]
        assert [u.email for u in users] == [r["email"] for r in rows]

    def test_hooks_run_after_the_bulk_write(self) -> None:
        """After-create hooks see the objects ``create_many`` returned, one call each."""
        builder = BulkBuilder()
        seen: list[tuple[int, str]] = []

        class F(UserFactory):
            _model_builder = builder

            @after("create")
            def note(self, instance: User, attrs: Any) -> None:
                seen.append((len(builder.calls), instance.email))

        F().create_batch("basic", 3)

        assert seen == [(1, f"user{n}@example.com") for n in (1, 2, 3)]

    def test_base_create_many_loops_over_create(self) -> None:
        """A builder that only overrides ``create`` gets one ``create`` per row."""
        created: list[dict[str, Any]] = []

        class OnlyCreate(ModelBuilder[Any]):
            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                created.append(dict(attributes))
                return model(**attributes)

        class F(UserFactory):
            _model_builder = OnlyCreate()

        users = F().create_batch("basic", 3)

        assert [c["email"] for c in created] == [u.email for u in users]
        assert len(created) == 3


class StoreBuilder(ModelBuilder[Any]):
    """A tiny store: ``get`` finds a stored object whose fields match."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.lookups: list[dict[str, Any]] = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        self.rows.append(obj)
        return obj

    def get(self, model: type[Any], lookup: dict[str, Any], context: Context) -> Any:
        self.lookups.append(dict(lookup))
        for row in self.rows:
            if all(getattr(row, k) == v for k, v in lookup.items()):
                return row
        return None


class TestGetOrCreate:
    def _factory(self, builder: StoreBuilder) -> type[Factory[User]]:
        class F(UserFactory):
            _model_builder = builder
            _get_or_create = ("email",)

        return F

    def test_existing_row_is_returned(self) -> None:
        """``create`` returns the stored row that matches the ``_get_or_create`` fields."""
        builder = StoreBuilder()
        f = self._factory(builder)()

        first = f.create("basic", email="a@x.org", first_name="A")
        again = f.create("basic", email="a@x.org", first_name="B")

        assert again is first
        assert again.first_name == "A"
        assert builder.rows == [first]
        assert builder.lookups == [{"email": "a@x.org"}, {"email": "a@x.org"}]

    def test_no_match_creates_a_new_row(self) -> None:
        """A lookup that finds nothing creates a new row."""
        builder = StoreBuilder()
        f = self._factory(builder)()

        a = f.create("basic")
        b = f.create("basic")

        assert a is not b
        assert [r.email for r in builder.rows] == ["user1@example.com", "user2@example.com"]

    def test_batches_use_the_lookup_too(self) -> None:
        """``create_batch`` with ``_get_or_create`` finds existing rows as well."""
        builder = StoreBuilder()
        f = self._factory(builder)()

        users = f.create_batch("basic", 3, email="same@x.org")

        assert users[0] is users[1] is users[2]
        assert len(builder.rows) == 1

    def test_build_never_looks_up(self) -> None:
        """``build`` makes a fresh object without asking the store."""
        builder = StoreBuilder()
        f = self._factory(builder)()
        f.create("basic", email="a@x.org")

        built = f.build("basic", email="a@x.org")

        assert built is not builder.rows[0]
        assert builder.lookups == [{"email": "a@x.org"}]


class TestContext:
    def test_keyword_arguments_form_the_context(self) -> None:
        """``UserFactory(session=x).context["session"]`` is ``x``; faker and seed are not in it."""
        session = object()
        f = UserFactory(session=session, seed=3, faker=Faker())

        assert f.context["session"] is session
        assert dict(f.context) == {"session": session}

    def test_context_is_read_only(self) -> None:
        """The context cannot be changed, neither its keys nor the attribute."""
        f = UserFactory(session="s")

        with pytest.raises(TypeError, match="does not support item assignment"):
            f.context["session"] = "other"  # type: ignore[index]
        with pytest.raises(AttributeError):
            f.context = Context({})  # type: ignore[misc]
        assert f.context["session"] == "s"

    def test_context_is_handed_to_the_builder(self, recorder: RecordingBuilder) -> None:
        """Every builder call gets the factory's context."""
        session = object()
        f = UserFactory(session=session)

        f.build("basic")
        f.create("basic")
        f.create_batch("basic", 2)

        assert recorder.methods() == ["build", "create", "create_many"]
        assert [c["session"] for c in recorder.contexts] == [session] * 3

    def test_context_reaches_children_of_associations(self, recorder: RecordingBuilder) -> None:
        """Children and grandchildren made through ``association`` get the parent's context."""
        session = object()

        UserFactory(session=session).create("with_profile")

        assert [name for _, name, _ in recorder.calls] == ["Avatar", "Profile", "User"]
        assert all(c["session"] is session for c in recorder.contexts)

    def test_context_reaches_children_of_many(self, recorder: RecordingBuilder) -> None:
        """Children and grandchildren made through ``many`` get the parent's context."""
        session = object()

        UserFactory(session=session).create("with_posts")

        assert recorder.made("Post") == 2
        assert recorder.made("Comment") == 4
        assert len(recorder.contexts) == 7
        assert all(c["session"] is session for c in recorder.contexts)

    def test_association_with_an_instance_keeps_its_own_context(self) -> None:
        """A factory instance in ``association`` keeps its context; the parent's fills the gaps."""
        builder = RecordingBuilder()

        class Avatars(Factory[Avatar]):
            _model = Avatar
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"url": "u"}

        class Profiles(Factory[Profile]):
            _model = Profile
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"bio": "b", "avatar": association(Avatars, "basic")}

        own = Profiles(session="own", region="eu")

        class Users(UserFactory):
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().schema("basic")
                base["profile"] = association(own, "basic")
                return base

        Users(session="parent", tenant="t").create("basic")

        contexts = {
            name: dict(ctx)
            for (_, name, _), ctx in zip(builder.calls, builder.contexts, strict=True)
        }
        assert contexts == {
            "Avatar": {"session": "own", "region": "eu", "tenant": "t"},
            "Profile": {"session": "own", "region": "eu", "tenant": "t"},
            "User": {"session": "parent", "tenant": "t"},
        }
        assert dict(own.context) == {"session": "own", "region": "eu"}


class Leaf(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"word": fake("word"), "number": fake("pyint", max_value=10_000)}


class Root(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),
            "email": fake("email"),
            "maybe": randomly_unset("here", p=0.5),
            "leaf": association(Leaf, "basic"),
            "leaves": many(Leaf, "basic", count=(0, 6)),
        }


class Tree(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),
            "leaf": association(Leaf, "basic"),
            "leaves": many(Leaf, "basic", count=(0, 6)),
        }


class Named(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("name"), "email": fake("email"), "leaf": association(Leaf, "basic")}


class TestSeed:
    def test_same_seed_same_values(self) -> None:
        """Two factories with ``seed=42`` make identical objects, children included."""
        one = Root(seed=42).build_batch("basic", 12)
        two = Root(seed=42).build_batch("basic", 12)

        assert one == two
        assert len({len(r["leaves"]) for r in one}) > 1
        assert any("maybe" in r for r in one)
        assert any("maybe" not in r for r in one)

    def test_same_seed_same_children(self) -> None:
        """With one seed, fake values and random ``many`` sizes of the children repeat exactly."""
        one = Tree(seed=42).build_batch("basic", 8)
        two = Tree(seed=42).build_batch("basic", 8)
        sizes = [len(r["leaves"]) for r in one]

        assert one == two
        assert all(0 <= n <= 6 for n in sizes)
        assert len(set(sizes)) > 1
        assert len({leaf["word"] for r in one for leaf in r["leaves"]}) > 1

    def test_different_seeds_differ(self) -> None:
        """Different seeds give different values."""
        assert Root(seed=1).build_batch("basic", 5) != Root(seed=2).build_batch("basic", 5)

    def test_seed_covers_every_method(self) -> None:
        """``attributes``, ``build`` and ``create`` with one seed follow the same stream."""
        assert Named(seed=7).attributes("basic") == Named(seed=7).build("basic")
        assert Named(seed=7).create("basic") == Named(seed=7).build("basic")

    def test_given_faker_is_used(self) -> None:
        """``faker=Faker("fr_FR")`` is the factory's Faker, and its children's."""
        faker = Faker("fr_FR")
        faker.seed_instance(5)
        expected = Faker("fr_FR")
        expected.seed_instance(5)

        f = Named(faker=faker)
        row = f.attributes("basic")

        assert f.faker is faker
        # Drawn from that Faker's stream, in its locale: the same Faker state, the same row.
        assert Named(faker=expected).attributes("basic") == row
        from faker.providers.lorem.fr_FR import Provider as FrenchLorem
        from faker.providers.person.fr_FR import Provider as FrenchPeople

        assert row["name"].split()[-1] in FrenchPeople.last_names
        assert row["leaf"]["word"] in FrenchLorem.word_list

    def test_given_faker_with_seed_is_reproducible(self) -> None:
        """A given Faker and a seed together reproduce the same values."""
        one = Named(faker=Faker("fr_FR"), seed=42).build_batch("basic", 3)
        two = Named(faker=Faker("fr_FR"), seed=42).build_batch("basic", 3)
        english = Named(seed=42).build_batch("basic", 3)

        assert one == two
        assert one != english

    def test_seed_property(self) -> None:
        """The factory remembers the seed it was made with."""
        assert Root(seed=42).seed == 42
        assert Root().seed is None


class TestSequences:
    def test_sequence_counts_per_object(self) -> None:
        """A sequence gives 1, 2, 3, ... to consecutive objects of a factory."""
        emails = [u.email for u in UserFactory().build_batch("basic", 3)]

        assert emails == ["user1@example.com", "user2@example.com", "user3@example.com"]

    def test_counters_are_shared_by_instances_of_a_class(self) -> None:
        """Counters belong to the factory class, not the instance."""
        assert UserFactory().build("basic").email == "user1@example.com"
        assert UserFactory().build("basic").email == "user2@example.com"

    def test_reset_sequences_restarts_the_counters(self) -> None:
        """``Factory.reset_sequences()`` starts every counter again from its start."""
        f = UserFactory()
        f.build_batch("basic", 3)
        ProfileFactory().build()

        Factory.reset_sequences()

        assert f.build("basic").email == "user1@example.com"
        assert ProfileFactory().build().avatar == Avatar(url="https://img.example.com/1.png")

    def test_reset_on_one_factory_leaves_others_alone(self) -> None:
        """``UserFactory.reset_sequences()`` restarts UserFactory's counters only."""
        UserFactory().build("basic")
        ProfileFactory().build()

        UserFactory.reset_sequences()

        assert UserFactory().build("basic").email == "user1@example.com"
        assert ProfileFactory().build().avatar.url == "https://img.example.com/2.png"  # type: ignore[union-attr]


class TestDictBuilder:
    def test_dict_builder_returns_dicts(self) -> None:
        """``DictBuilder`` gives the attributes as a new dict for build and create."""

        class F(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1, "b": sequence("b{n}")}

        f = F()

        assert f.build("basic") == {"a": 1, "b": "b1"}
        assert f.create("basic") == {"a": 1, "b": "b2"}
        assert f.create_batch("basic", 2) == [{"a": 1, "b": "b3"}, {"a": 1, "b": "b4"}]

    def test_dict_children_and_attribute_reads(self) -> None:
        """Associations between dict factories give dicts, and ``attr=`` reads a key."""

        class Child(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"id": sequence(lambda n: n)}

        class Parent(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "child": association(Child, "basic"),
                    "child_id": association(Child, "basic", attr="id"),
                }

        assert Parent().build("basic") == {"child": {"id": 1}, "child_id": 2}


@dataclasses.dataclass
class DataclassPerson:
    name: str
    age: int


@attrs.define
class AttrsPerson:
    name: str
    age: int


class PydanticPerson(pydantic.BaseModel):
    name: str
    age: int


class MsgspecPerson(msgspec.Struct):
    name: str
    age: int


class PlainPerson:
    def __init__(self, name: str, age: int) -> None:
        self.name = name
        self.age = age


class TestObjectBuilder:
    @pytest.mark.parametrize(
        "model", [PlainPerson, DataclassPerson, AttrsPerson, PydanticPerson, MsgspecPerson]
    )
    def test_object_builder_calls_the_model(self, model: type[Any]) -> None:
        """``ObjectBuilder`` makes plain classes, dataclasses, attrs, pydantic, msgspec models."""

        class PersonFactory(Factory[Any]):
            _model = model
            _model_builder = ObjectBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": sequence("person {n}"), "age": 36}

        f = PersonFactory()
        built = f.build("basic")
        created = f.create("basic", age=40)
        batch = f.create_batch("basic", 2)

        for obj in (built, created, *batch):
            assert type(obj) is model
        assert (built.name, built.age) == ("person 1", 36)
        assert (created.name, created.age) == ("person 2", 40)
        assert [p.name for p in batch] == ["person 3", "person 4"]

    def test_associations_are_models_under_build(self) -> None:
        """Under ``build`` an association gives a built model, under ``attributes`` a dict."""
        f = UserFactory()

        user = f.build("with_profile")
        attrs_ = f.attributes("with_profile")

        assert user.profile == Profile(
            bio="Hello", avatar=Avatar(url="https://img.example.com/1.png")
        )
        assert attrs_["profile"] == {
            "bio": "Hello",
            "avatar": {"url": "https://img.example.com/2.png", "size": 64},
        }

    def test_many_gives_a_list_of_children(self) -> None:
        """``many`` makes ``count`` children per object, each with their own children."""
        user = UserFactory().create("with_posts")

        assert [p.title for p in user.posts] == ["post 1", "post 2"]
        assert all(isinstance(p, Post) for p in user.posts)
        assert [c.body for p in user.posts for c in p.comments] == [
            f"comment {n}" for n in range(1, 5)
        ]
