"""Tests for ``pyfactory.errors``: every error path, its class, its message and its path
(DESIGN §1, §2, §3, §5, §7)."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from typing import Any

import pytest

import pyfactory
from pyfactory import (
    AsyncModeError,
    BuilderError,
    Context,
    CyclicDependencyError,
    Factory,
    FactoryDefinitionError,
    FactoryError,
    FieldError,
    HookError,
    MissingContextError,
    OverrideError,
    SchemaError,
    UnknownSchemaError,
    UnknownTraitError,
    UsageError,
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
)
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder
from tests.models import ProfileFactory, User, UserFactory

ERROR_NAMES = [
    "FactoryError",
    "FactoryDefinitionError",
    "UnknownSchemaError",
    "UnknownTraitError",
    "UsageError",
    "OverrideError",
    "SchemaError",
    "CyclicDependencyError",
    "FieldError",
    "BuilderError",
    "HookError",
    "MissingContextError",
    "AsyncModeError",
]

PUBLIC_NAMES = [
    "Factory",
    "schema",
    "trait",
    "after",
    "sequence",
    "association",
    "many",
    "lazy",
    "fake",
    "transient",
    "randomly_unset",
    "randomly_nullify",
    "OMIT",
    "SpecialField",
    "Context",
]


class DictFactory(Factory[dict[str, Any]]):
    _abstract = True
    _model = dict
    _model_builder = DictBuilder()


class TestPublicNames:
    @pytest.mark.parametrize("name", ERROR_NAMES)
    def test_error_is_importable_and_a_factory_error(self, name: str) -> None:
        """Each error class is exported by ``pyfactory`` and derives from ``FactoryError``."""
        cls = getattr(pyfactory, name)

        assert name in pyfactory.__all__
        assert isinstance(cls, type)
        assert issubclass(cls, pyfactory.FactoryError)
        assert issubclass(cls, Exception)

    @pytest.mark.parametrize("name", PUBLIC_NAMES)
    def test_public_names_are_importable(self, name: str) -> None:
        """Factories, fields, ``after`` and ``OMIT`` are importable from ``pyfactory`` itself."""
        assert name in pyfactory.__all__
        assert getattr(pyfactory, name) is not None


class TestUnknownNames:
    def test_unknown_schema_names_the_factory_and_its_schemas(self) -> None:
        """An unknown schema raises ``UnknownSchemaError`` listing the schemas there are."""
        with pytest.raises(
            UnknownSchemaError,
            match=re.escape(
                "UserFactory has no schema 'nope'; its schemas are: "
                "admin, basic, with_posts, with_profile"
            ),
        ) as info:
            UserFactory().build("nope")

        assert info.value.name == "nope"
        assert info.value.available == ("admin", "basic", "with_posts", "with_profile")

    @pytest.mark.parametrize(
        "call",
        [
            lambda f: f.attributes("nope"),
            lambda f: f.create("nope"),
            lambda f: f.build_batch("nope", 2),
            lambda f: f.schema("nope"),
        ],
    )
    def test_unknown_schema_from_every_method(self, call: Callable[[Any], Any]) -> None:
        """Every method that takes a schema name refuses an unknown one the same way."""
        with pytest.raises(UnknownSchemaError, match="UserFactory has no schema 'nope'"):
            call(UserFactory())

    def test_unknown_schema_through_self_schema(self) -> None:
        """``self.schema`` of a missing name inside a schema raises ``UnknownSchemaError``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return self.schema("missing")

        with pytest.raises(
            UnknownSchemaError, match=r"F has no schema 'missing'; its schemas are: basic"
        ):
            F().build("basic")

    def test_unknown_schema_of_an_association(self) -> None:
        """An association naming an unknown schema raises with the path to it."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"profile": association(ProfileFactory, "nope")}

        with pytest.raises(
            UnknownSchemaError,
            match=re.escape(
                "F.basic → profile: ProfileFactory has no schema 'nope'; its schemas are: basic"
            ),
        ):
            F().build("basic")

    def test_unknown_trait_by_name(self) -> None:
        """An unknown trait name raises ``UnknownTraitError`` listing the traits there are."""
        with pytest.raises(
            UnknownTraitError,
            match=re.escape("UserFactory has no trait 'nope'; its traits are: inactive, verified"),
        ) as info:
            UserFactory().build("basic", "verified", "nope")

        assert info.value.name == "nope"
        assert info.value.available == ("inactive", "verified")

    def test_unknown_trait_of_a_child_by_dunder_name(self) -> None:
        """An unknown trait of a child, given through its association, raises with the path."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"profile": association(ProfileFactory, "basic", "nope")}

        with pytest.raises(
            UnknownTraitError,
            match=re.escape(
                "F.basic → profile: ProfileFactory has no trait 'nope'; its traits are: empty"
            ),
        ):
            F().build("basic")

    def test_boolean_for_a_name_that_is_no_trait_is_a_plain_value(self) -> None:
        """A flag-looking override whose name is not a trait is a plain value, as any new key is."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1}

            @trait()
            def real(self) -> dict[str, Any]:
                return {"real": "yes"}

        assert F().build("basic", nope=True, real=True) == {"a": 1, "nope": True, "real": "yes"}

    def test_trait_flag_must_be_a_bool(self) -> None:
        """A trait flag given anything but True or False raises ``OverrideError``."""
        with pytest.raises(
            OverrideError,
            match=re.escape(
                "UserFactory.basic → verified: trait flag 'verified' takes True or False, got 1"
            ),
        ):
            UserFactory().build("basic", verified=1)

    def test_trait_flag_of_a_child_must_be_a_bool(self) -> None:
        """A non-bool flag passed down through a dunder key raises with the child's path."""
        with pytest.raises(
            OverrideError,
            match=re.escape("trait flag 'empty' takes True or False, got 'yes'"),
        ) as info:
            UserFactory().build("with_profile", profile__empty="yes")

        assert str(info.value).startswith("UserFactory.with_profile → profile")

    def test_no_schema_and_no_default(self) -> None:
        """Leaving out the schema with no ``_default_schema`` raises ``UsageError``."""
        with pytest.raises(
            UsageError,
            match=re.escape(
                "UserFactory has no _default_schema, so name a schema: "
                "one of admin, basic, with_posts, with_profile"
            ),
        ):
            UserFactory().build()


class TestOverrideErrors:
    def test_dunder_head_that_is_a_plain_value(self) -> None:
        """A dunder key on a plain field raises ``OverrideError`` naming key, factory and schema."""
        with pytest.raises(OverrideError, match=r"cannot pass first_name__x down") as info:
            UserFactory().build("basic", first_name__x=1)

        message = str(info.value)
        assert message.startswith("UserFactory.basic → first_name: ")
        assert "'first_name' is not an association, many or fake field but 'John'" in message

    def test_dunder_head_that_does_not_exist(self) -> None:
        """A dunder key on a missing field raises ``OverrideError`` saying the schema lacks it."""
        with pytest.raises(
            OverrideError,
            match=re.escape(
                "UserFactory.admin → nope: cannot pass nope__bio down: "
                "UserFactory.admin has no field 'nope'"
            ),
        ):
            UserFactory().build("admin", nope__bio="x")

    def test_dunder_head_replaced_by_a_value(self) -> None:
        """A dunder key for an association the caller replaced raises ``OverrideError``."""
        with pytest.raises(
            OverrideError,
            match=re.escape(
                "UserFactory.with_profile → profile: cannot pass profile__bio down: "
                "'profile' was given a value (None), so no child is made to take them"
            ),
        ):
            UserFactory().build("with_profile", profile=None, profile__bio="x")

    def test_dunder_head_omitted(self) -> None:
        """A dunder key for an association removed with ``OMIT`` raises ``OverrideError``."""
        with pytest.raises(OverrideError, match=r"cannot pass profile__bio down"):
            UserFactory().build("with_profile", profile=pyfactory.OMIT, profile__bio="x")

    def test_deep_dunder_head_not_an_association(self) -> None:
        """A bad head two levels down names the child's factory and schema in the path."""
        with pytest.raises(OverrideError, match=r"cannot pass bio__x down") as info:
            UserFactory().build("with_profile", profile__bio__x=1)

        assert str(info.value).startswith(
            "UserFactory.with_profile → profile (ProfileFactory.basic) → bio: "
        )

    def test_no_child_is_made_when_an_override_is_refused(self) -> None:
        """A refused dunder key fails before any object is written."""
        created: list[Any] = []

        class Recording(ObjectBuilder[Any]):
            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                created.append(model)
                return model(**attributes)

        class F(UserFactory):
            _model_builder = Recording()

        with pytest.raises(OverrideError, match="cannot pass first_name__x down"):
            F().create("basic", first_name__x=1)
        assert created == []


class TestSchemaErrors:
    def test_schema_returning_a_non_dict(self) -> None:
        """A schema returning something other than a dict raises ``SchemaError``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> Any:
                return ["not", "a", "dict"]

        with pytest.raises(
            SchemaError,
            match=re.escape(
                "F.basic: the schema method 'basic' returned list, not a dict: ['not', 'a', 'dict']"
            ),
        ):
            F().build("basic")

    def test_trait_returning_a_non_dict(self) -> None:
        """A trait returning something other than a dict raises ``SchemaError``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {}

            @trait()
            def broken(self) -> Any:
                return None

        with pytest.raises(
            SchemaError,
            match=re.escape(
                "F.basic: the trait method 'broken' returned NoneType, not a dict: None"
            ),
        ):
            F().build("basic", "broken")

    def test_schema_with_a_key_that_is_not_a_string(self) -> None:
        """A schema dict with a non-string key raises ``SchemaError``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> Any:
                return {1: "x"}

        with pytest.raises(
            SchemaError,
            match=re.escape(
                "F.basic: the schema method 'basic' returned a dict with a key that is not "
                "a string: 1"
            ),
        ):
            F().build("basic")

    def test_schema_cycle(self) -> None:
        """Schemas that reach each other raise ``CyclicDependencyError`` with the cycle."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return self.schema("admin")

            @schema()
            def admin(self) -> dict[str, Any]:
                return self.schema("basic")

        with pytest.raises(
            CyclicDependencyError, match=re.escape("schemas form a cycle: basic → admin → basic")
        ) as info:
            F().build("basic")

        assert info.value.cycle == ("basic", "admin", "basic")

    def test_self_reference_without_a_parent_schema(self) -> None:
        """A schema that asks for itself with no parent schema raises ``CyclicDependencyError``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return self.schema("basic")

        with pytest.raises(
            CyclicDependencyError, match=re.escape("schemas form a cycle: basic → basic")
        ):
            F().build("basic")

    def test_super_attributes_without_a_parent_schema(self) -> None:
        """``super().attributes(name)`` with no base schema of that name raises a cycle error."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return super().attributes("basic")

        with pytest.raises(
            CyclicDependencyError, match=re.escape("schemas form a cycle: basic → basic")
        ):
            F().build("basic")

    def test_schema_method_raising(self) -> None:
        """An exception inside a schema method becomes a ``FactoryError`` with the path."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                raise ValueError("inside")

        with pytest.raises(FactoryError, match=re.escape("F.basic: ")) as info:
            F().build("basic")

        assert isinstance(info.value.__cause__, ValueError)


class TestDefinitionErrors:
    @pytest.mark.parametrize(
        "name", ["build", "create", "attributes", "schema", "acreate", "build_batch"]
    )
    def test_schema_named_like_the_api(self, name: str) -> None:
        """A schema whose name clashes with the API is refused when the class is defined."""
        with pytest.raises(
            FactoryDefinitionError,
            match=re.escape(f"F defines {name!r}, a name the Factory API uses"),
        ):
            type(
                "F",
                (DictFactory,),
                {name: schema()(lambda self: {})},
            )

    def test_schema_called_build(self) -> None:
        """``@schema() def build`` is refused at class definition."""
        with pytest.raises(FactoryDefinitionError, match="'build', a name the Factory API uses"):

            class F(DictFactory):
                @schema()
                def build(self) -> dict[str, Any]:  # type: ignore[override]
                    return {}

    def test_attribute_called_create(self) -> None:
        """A plain class attribute called ``create`` is refused at class definition."""
        with pytest.raises(FactoryDefinitionError, match="'create', a name the Factory API uses"):

            class F(DictFactory):
                create = "oops"  # type: ignore[assignment]

    def test_trait_called_attributes(self) -> None:
        """A trait whose name clashes with the API is refused too."""
        with pytest.raises(
            FactoryDefinitionError, match="'attributes', a name the Factory API uses"
        ):

            class F(DictFactory):
                @trait()
                def attributes(self) -> dict[str, Any]:  # type: ignore[override]
                    return {}

    def test_no_model(self) -> None:
        """A factory that names no model, by ``_model`` or by a class as its generic
        parameter, is refused at class definition."""
        with pytest.raises(
            FactoryDefinitionError,
            match=re.escape("NoModel has no _model; set _model to the class it makes"),
        ):

            class NoModel(Factory[Any]):
                @schema()
                def basic(self) -> dict[str, Any]:
                    return {}

    def test_the_model_is_the_generic_parameter(self) -> None:
        """``class UserFactory(Factory[User])`` makes ``User`` without ``_model``
        (DESIGN.md §1); a ``_model`` of its own wins, and a subclass keeps its parent's."""

        class Users(Factory[User]):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"first_name": "Ada", "last_name": "L", "email": "a@x.org"}

        class Staff(Users):
            pass

        class Dicts(Factory[User]):
            _model = dict  # type: ignore[assignment]

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"first_name": "Ada"}

        assert Users._model is User
        assert Users().build("basic").first_name == "Ada"
        assert Staff._model is User
        assert Dicts().build("basic") == {"first_name": "Ada"}

    def test_model_that_is_not_a_class(self) -> None:
        """A ``_model`` that is not a class is refused at class definition."""
        with pytest.raises(FactoryDefinitionError, match=r"_model = 'User', which is not a class"):

            class F(Factory[User]):
                _model = "User"  # type: ignore[assignment]

    def test_plain_method_replacing_a_schema(self) -> None:
        """A subclass method replacing a base schema without ``@schema()`` is refused."""
        with pytest.raises(
            FactoryDefinitionError,
            match=re.escape(
                "Sub.basic replaces the schema 'basic' of a base factory without @schema()"
            ),
        ):

            class Sub(UserFactory):
                def basic(self) -> dict[str, Any]:
                    return {}

    def test_plain_method_replacing_a_trait(self) -> None:
        """A subclass method replacing a base trait without ``@trait()`` is refused."""
        with pytest.raises(
            FactoryDefinitionError,
            match=re.escape(
                "Sub.verified replaces the trait 'verified' of a base factory without @trait()"
            ),
        ):

            class Sub(UserFactory):
                def verified(self) -> dict[str, Any]:
                    return {}

    def test_builder_that_is_not_a_model_builder(self) -> None:
        """A ``_model_builder`` that is not a ``ModelBuilder`` is refused."""
        with pytest.raises(
            FactoryDefinitionError, match=r"F\._model_builder must be a ModelBuilder"
        ):

            class F(DictFactory):
                _model_builder = object()  # type: ignore[assignment]

    def test_unknown_default_schema(self) -> None:
        """A ``_default_schema`` naming no schema is refused at class definition."""
        with pytest.raises(
            UnknownSchemaError, match=r"F has no schema 'missing'; its schemas are: basic"
        ):

            class F(DictFactory):
                _default_schema = "missing"

                @schema()
                def basic(self) -> dict[str, Any]:
                    return {}

    def test_abstract_factory_cannot_be_made(self) -> None:
        """An abstract factory refuses to be instantiated."""
        with pytest.raises(FactoryDefinitionError, match=r"DictFactory is abstract"):
            DictFactory()

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (
                lambda: sequence(123),
                "sequence() takes a template string or a function of n, got 123",
            ),
            (
                lambda: sequence("no placeholder"),
                "sequence template 'no placeholder' has no place for the number",
            ),
            (lambda: sequence("u{n}", start="1"), "sequence start must be an int, got '1'"),
            (
                lambda: many(ProfileFactory, count=-1),
                "many() count must be a non-negative int or a (low, high) pair, got -1",
            ),
            (
                lambda: many(ProfileFactory, count=(3, 1)),
                "many() count must be an int or a (low, high) pair",
            ),
            (lambda: many(ProfileFactory, count=1.5), "many() count must be a non-negative int"),
            (
                lambda: randomly_unset("x", p=2),
                "randomly_unset() probability must be between 0 and 1, got 2",
            ),
            (
                lambda: randomly_nullify("x", p=-0.5),
                "randomly_nullify() probability must be between 0 and 1, got -0.5",
            ),
            (
                lambda: association("ProfileFactory"),
                "association() takes a Factory class or instance, got 'ProfileFactory'",
            ),
            (lambda: many(User), "many() takes a Factory class or instance"),
            (
                lambda: lazy("not callable"),
                "lazy() takes a function of the attributes, got 'not callable'",
            ),
            (lambda: fake(""), "fake() takes a provider name, got ''"),
            (
                lambda: after("attributes"),
                'after() follows "build" or "create", not \'attributes\'',
            ),
            (after, "after() needs the methods to follow"),
        ],
    )
    def test_bad_special_field_arguments(self, make: Callable[[], Any], message: str) -> None:
        """Special fields refuse arguments they cannot use with ``FactoryDefinitionError``."""
        with pytest.raises(FactoryDefinitionError, match=re.escape(message)):
            make()


class TestUsageErrors:
    @pytest.mark.parametrize("count", [-1, "3", 2.5, None, True])
    def test_bad_batch_count(self, count: Any) -> None:
        """A batch count that is not a non-negative int raises ``UsageError``."""
        with pytest.raises(
            UsageError,
            match=re.escape(
                f"UserFactory.build_batch() count must be a non-negative int, got {count!r}"
            ),
        ):
            UserFactory().build_batch("basic", count)

    @pytest.mark.parametrize("method", ["attributes_batch", "build_batch", "create_batch"])
    def test_bad_count_in_every_batch_method(self, method: str) -> None:
        """Each batch form checks its count and names itself."""
        with pytest.raises(
            UsageError, match=re.escape(f"UserFactory.{method}() count must be a non-negative int")
        ):
            getattr(UserFactory(), method)("basic", -3)

    def test_batch_without_count(self) -> None:
        """A batch call with a schema but no count raises ``UsageError``."""
        with pytest.raises(
            UsageError, match=re.escape("UserFactory.create_batch() takes (schema, count, *traits)")
        ):
            UserFactory().create_batch("basic")

    def test_seed_must_be_an_int(self) -> None:
        """A seed that is not an int raises ``UsageError``."""
        with pytest.raises(
            UsageError, match=re.escape("UserFactory(seed=...) takes an int, got '42'")
        ):
            UserFactory(seed="42")  # type: ignore[arg-type]


class TestBuilderAndHookErrors:
    def test_builder_that_raises(self) -> None:
        """A builder's exception becomes ``BuilderError`` with the attributes and the cause."""
        original = ValueError("boom")

        class Failing(ObjectBuilder[Any]):
            def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                raise original

        class F(UserFactory):
            _model_builder = Failing()

        with pytest.raises(
            BuilderError, match=re.escape("F.basic: Failing.build(User) raised ValueError('boom')")
        ) as info:
            F().build("basic", first_name="Ann")

        assert info.value.__cause__ is original
        assert info.value.attributes == {
            "first_name": "Ann",
            "last_name": "Doe",
            "email": "user1@example.com",
            "username": "ann.doe",
        }

    def test_builder_that_raises_in_a_child(self) -> None:
        """A child's builder error names the path through the parent."""

        class Failing(ObjectBuilder[Any]):
            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                raise RuntimeError("db down")

        class Profiles(ProfileFactory):
            _model_builder = Failing()

        class F(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().schema("basic")
                base["profile"] = association(Profiles, "basic", avatar=None)
                return base

        with pytest.raises(
            BuilderError,
            match=re.escape(
                "F.basic → profile (Profiles.basic): "
                "Failing.create(Profile) raised RuntimeError('db down')"
            ),
        ) as info:
            F().create("basic")

        assert isinstance(info.value.__cause__, RuntimeError)
        assert info.value.attributes == {"bio": "Hello", "avatar": None}

    def test_hook_that_raises(self) -> None:
        """An after-hook's exception becomes ``HookError`` with the original as cause."""
        original = RuntimeError("hook failed")

        class F(UserFactory):
            @after("create")
            def link(self, instance: User, attrs: Any) -> None:
                raise original

        with pytest.raises(
            HookError,
            match=re.escape("F.basic: after-create hook link raised RuntimeError('hook failed')"),
        ) as info:
            F().create("basic")

        assert info.value.__cause__ is original

    def test_build_hook_that_raises_in_a_batch(self) -> None:
        """An after-build hook failing in a batch raises ``HookError`` too."""

        class F(UserFactory):
            @after("build")
            def check(self, instance: User, attrs: Any) -> None:
                if attrs["email"] == "user2@example.com":
                    raise KeyError("second")

        with pytest.raises(
            HookError, match=re.escape("after-build hook check raised KeyError('second')")
        ):
            F().build_batch("basic", 3)


class TestFieldErrors:
    def test_lazy_error_in_a_child_has_the_exact_path(self) -> None:
        """A lazy field raising in a child gives ``FieldError`` with the documented path."""

        class ProfileFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"avatar": lazy(lambda a: {}["size"])}

        class UserFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "n", "profile": association(ProfileFactory, "basic")}

        with pytest.raises(FieldError) as info:
            UserFactory().build("basic")

        assert str(info.value) == (
            "UserFactory.basic → profile (ProfileFactory.basic) → avatar: "
            "lazy field raised KeyError('size')"
        )
        assert isinstance(info.value.__cause__, KeyError)
        assert info.value.__cause__.args == ("size",)

    def test_lazy_reading_a_missing_key(self) -> None:
        """Reading a key the object does not have raises ``FieldError`` caused by ``KeyError``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": lazy(lambda a: a["size"])}

        with pytest.raises(
            FieldError, match=re.escape("F.basic → a: lazy field raised KeyError('size')")
        ) as info:
            F().build("basic")

        assert isinstance(info.value.__cause__, KeyError)

    def test_many_child_index_in_the_path(self) -> None:
        """An error in the second child of a ``many`` field names ``comments[1]``."""
        made: list[int] = []

        def body(attrs: Any) -> str:
            made.append(1)
            if len(made) == 2:
                raise ValueError("second")
            return "ok"

        class CommentFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"body": lazy(body)}

        class PostFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"comments": many(CommentFactory, "basic", count=3)}

        with pytest.raises(FieldError) as info:
            PostFactory().build("basic")

        assert str(info.value) == (
            "PostFactory.basic → comments[1] (CommentFactory.basic) → body: "
            "lazy field raised ValueError('second')"
        )
        assert isinstance(info.value.__cause__, ValueError)

    def test_many_index_at_depth(self) -> None:
        """Indices appear at each ``many`` level of a deep path."""

        class CommentFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"body": lazy(lambda a: 1 // 0)}

        class PostFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"comments": many(CommentFactory, "basic", count=2)}

        class UserFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"posts": many(PostFactory, "basic", count=2)}

        with pytest.raises(FieldError) as info:
            UserFactory().create("basic")

        assert str(info.value) == (
            "UserFactory.basic → posts[0] (PostFactory.basic) → comments[0] (CommentFactory.basic)"
            " → body: lazy field raised ZeroDivisionError('integer division or modulo by zero')"
        )
        assert isinstance(info.value.__cause__, ZeroDivisionError)

    def test_lazy_cycle_with_its_path(self) -> None:
        """Lazy fields that read each other raise ``CyclicDependencyError`` naming the cycle."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "a": lazy(lambda x: x["b"]),
                    "b": lazy(lambda x: x["c"]),
                    "c": lazy(lambda x: x["a"]),
                }

        with pytest.raises(
            CyclicDependencyError,
            match=re.escape("F.basic → a: lazy fields form a cycle: a → b → c → a"),
        ) as info:
            F().build("basic")

        assert info.value.cycle == ("a", "b", "c", "a")
        assert info.value.__cause__ is not info.value

    def test_lazy_cycle_in_a_child(self) -> None:
        """A lazy cycle in a child names the path to it."""

        class Child(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": lazy(lambda a: a["x"])}

        class Parent(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"child": association(Child, "basic")}

        with pytest.raises(
            CyclicDependencyError,
            match=re.escape(
                "Parent.basic → child (Child.basic) → x: lazy fields form a cycle: x → x"
            ),
        ):
            Parent().build("basic")

    def test_nested_field_error_is_not_its_own_cause(self) -> None:
        """An error passed up through a parent keeps the original exception as its cause."""

        class Child(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"x": lazy(lambda a: int("x"))}

        class Parent(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"child": association(Child, "basic")}

        with pytest.raises(
            FieldError, match=re.escape("Parent.basic → child (Child.basic) → x")
        ) as info:
            Parent().build("basic")

        assert info.value.__cause__ is not info.value
        assert isinstance(info.value.__cause__, ValueError)


class TestMissingContext:
    def test_require_names_the_key_and_the_call(self) -> None:
        """``Context.require`` raises, showing ``UserFactory(session=...)``."""
        context = Context({"other": 1}, "UserFactory")

        with pytest.raises(
            MissingContextError,
            match=re.escape(
                "UserFactory needs 'session' in its context; pass it when making the factory: "
                "UserFactory(session=...)"
            ),
        ) as info:
            context.require("session")

        assert info.value.key == "session"
        assert isinstance(info.value, KeyError)
        assert context.require("other") == 1

    def test_builder_needing_a_missing_key(self) -> None:
        """A builder that requires a context key names the factory the user made."""

        class SessionBuilder(ObjectBuilder[Any]):
            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                context.require("session")
                return model(**attributes)

        class UserFactory(DictFactory):
            _model_builder = SessionBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1}

        with pytest.raises(
            MissingContextError, match=re.escape("UserFactory(session=...)")
        ) as info:
            UserFactory(db="x").create("basic")

        assert info.value.key == "session"
        assert info.value.__cause__ is not info.value
        assert UserFactory(session="s").create("basic") == {"a": 1}

    def test_child_builder_needing_a_missing_key_shows_the_outer_call(self) -> None:
        """A child's missing context key is fixed by passing it to the factory the user made."""

        class SessionBuilder(ModelBuilder[Any]):
            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                context.require("session")
                return dict(attributes)

        class ProfileFactory(DictFactory):
            _model_builder = SessionBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"bio": "b"}

        class UserFactory(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"profile": association(ProfileFactory, "basic")}

        with pytest.raises(
            MissingContextError, match=re.escape("UserFactory(session=...)")
        ) as info:
            UserFactory().create("basic")

        assert str(info.value).startswith("UserFactory.basic → profile (ProfileFactory.basic): ")


class TestAsyncMode:
    def test_coroutine_lazy_under_build(self) -> None:
        """A coroutine lazy field under ``build`` raises ``AsyncModeError`` naming acreate."""

        async def fetch(attrs: Any) -> int:
            return 1

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"value": lazy(fetch)}

        for call in (F().build, F().create, F().attributes):
            with pytest.raises(
                AsyncModeError,
                match=re.escape(
                    "F.basic → value: lazy field returned a coroutine, which only acreate() and "
                    "acreate_batch() await; call one of those"
                ),
            ):
                call("basic")

    def test_coroutine_lazy_in_a_child_under_create(self) -> None:
        """A coroutine field in a child under ``create`` names the path and acreate."""

        async def fetch(attrs: Any) -> int:
            return 1

        class Child(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"value": lazy(fetch)}

        class Parent(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"child": association(Child, "basic")}

        with pytest.raises(
            AsyncModeError, match=r"Parent\.basic → child \(Child\.basic\) → value: .*acreate\(\)"
        ):
            Parent().create("basic")

    def test_async_hook_under_create(self) -> None:
        """A coroutine after-hook under ``create`` raises ``AsyncModeError`` naming acreate."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1}

            @after("create")
            async def link(self, instance: Any, attrs: Any) -> None:
                return None

        with pytest.raises(
            AsyncModeError,
            match=re.escape("after-create hook link returned an awaitable, which only acreate()"),
        ):
            F().create("basic")


def _raise(call: Callable[[], Any]) -> FactoryError:
    try:
        call()
    except FactoryError as error:
        return error
    raise AssertionError("no error was raised")  # pragma: no cover


class PickleProfile(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"avatar": lazy(lambda a: {}["size"])}


class PickleUser(DictFactory):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "profile": association(PickleProfile, "basic"),
            "a": lazy(lambda x: x["b"]),
            "b": lazy(lambda x: x["a"]),
        }

    @schema()
    def plain(self) -> dict[str, Any]:
        return {"name": "n"}


class FailingBuilder(ObjectBuilder[Any]):
    def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        raise ValueError("boom")


class PickleFailing(Factory[User]):
    _model = User
    _model_builder = FailingBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"first_name": "a"}


class TestPickle:
    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(lambda: PickleUser().build("basic"), id="field-error-with-path"),
            pytest.param(lambda: PickleUser().build("basic", profile=None), id="lazy-cycle"),
            pytest.param(lambda: PickleUser().build("nope"), id="unknown-schema"),
            pytest.param(lambda: PickleUser().build("plain", "nope"), id="unknown-trait"),
            pytest.param(lambda: PickleUser().build("plain", name__x=1), id="override"),
            pytest.param(lambda: PickleFailing().build("basic"), id="builder"),
            pytest.param(
                lambda: Context({}, "UserFactory").require("session"), id="missing-context"
            ),
            pytest.param(lambda: PickleUser().build_batch("plain", -1), id="usage"),
        ],
    )
    def test_errors_survive_pickling(self, call: Callable[[], Any]) -> None:
        """An error sent through pickle keeps its class, its message and its attributes."""
        error = _raise(call)

        copy = pickle.loads(pickle.dumps(error))

        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.args == error.args
        for name in ("cycle", "attributes", "key", "name", "available"):
            if hasattr(error, name):
                assert getattr(copy, name) == getattr(error, name)
