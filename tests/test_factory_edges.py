"""Edge cases of ``pyfactory._factory``, ``pyfactory.builders`` and ``pyfactory.errors``:
definition checks, names, get-or-create, builder failures, hooks and async batches
(DESIGN §1, §2, §3, §4, §7)."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import inspect
import warnings
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import pytest

from pyfactory import (
    AsyncModeError,
    BuilderError,
    Context,
    Factory,
    FactoryDefinitionError,
    FactoryError,
    HookError,
    UnknownTraitError,
    UsageError,
    after,
    lazy,
    schema,
    sequence,
    trait,
)
from pyfactory.builders import ModelBuilder, ObjectBuilder
from pyfactory.errors import Step


@dataclasses.dataclass
class Account:
    email: str
    name: str = "anon"
    plan: str = "free"


class Store(ObjectBuilder[Any]):
    """A builder over an in-memory table, with lookups for ``_get_or_create``."""

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


class AccountBase(Factory[Account]):
    """Schemas and traits of the ``Account`` factories below; each test picks a builder."""

    _abstract = True
    _model = Account
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"email": sequence("a{n}@example.com"), "name": "Ann"}

    @trait()
    def paid(self) -> dict[str, Any]:
        return {"plan": "paid"}


def account_factory(builder: ModelBuilder[Any], **attrs: Any) -> type[AccountBase]:
    """A concrete ``AccountFactory`` over ``builder``, with class attributes ``attrs``."""
    namespace = {"_model_builder": builder, **attrs}
    return type("AccountFactory", (AccountBase,), namespace)


class TestDecoratorChecks:
    def test_schema_on_a_staticmethod_is_refused(self) -> None:
        """``@schema()`` over a ``staticmethod`` raises ``FactoryDefinitionError`` naming it."""
        with pytest.raises(FactoryDefinitionError, match=r"@schema\(\) decorates a plain method"):

            class F(Factory[Account]):
                _model = Account

                @schema()  # type: ignore[arg-type]
                @staticmethod
                def basic() -> dict[str, Any]:
                    return {"email": "x"}

    def test_trait_on_a_classmethod_is_refused(self) -> None:
        """``@trait()`` over a ``classmethod`` raises ``FactoryDefinitionError`` naming it."""
        with pytest.raises(
            FactoryDefinitionError, match=r"@trait\(\) decorates a plain method, not <classmethod"
        ):

            class F(Factory[Account]):
                _model = Account

                @trait()  # type: ignore[arg-type]
                @classmethod
                def paid(cls) -> dict[str, Any]:
                    return {"plan": "paid"}

    def test_after_on_a_class_or_a_value_is_refused(self) -> None:
        """``@after()`` refuses a class and a value that is not callable."""
        with pytest.raises(FactoryDefinitionError, match=r"@after\(\) decorates a plain method"):
            after("create")(Account)
        with pytest.raises(FactoryDefinitionError, match=r"not 42"):
            after("build")(42)  # type: ignore[type-var]


class TestClassChecks:
    def test_get_or_create_with_a_non_string_is_refused(self) -> None:
        """A ``_get_or_create`` entry that is not a field name is refused at class definition."""
        with pytest.raises(
            FactoryDefinitionError, match=r"^F\._get_or_create lists field names, not 3$"
        ):

            class F(Factory[Account]):
                _model = Account
                _get_or_create = ("email", 3)  # type: ignore[assignment]

                @schema()
                def basic(self) -> dict[str, Any]:
                    return {"email": "x"}

    def test_builder_class_that_is_not_a_model_builder_is_refused(self) -> None:
        """A ``_model_builder`` class that is not a ``ModelBuilder`` subclass is refused."""
        with pytest.raises(
            FactoryDefinitionError, match=r"^F\._model_builder must be a ModelBuilder, got <class"
        ):

            class F(Factory[Account]):
                _model = Account
                _model_builder = dict  # type: ignore[assignment]

    def test_builder_instance_that_is_not_a_model_builder_is_refused(self) -> None:
        """A ``_model_builder`` instance that is not a ``ModelBuilder`` is refused."""

        class Duck:
            def build(self, model: type[Any], attributes: dict[str, Any], context: Any) -> Any:
                return model(**attributes)

        with pytest.raises(
            FactoryDefinitionError, match=r"^F\._model_builder must be a ModelBuilder, got <.*Duck"
        ):

            class F(Factory[Account]):
                _model = Account
                _model_builder = Duck()  # type: ignore[assignment]


class TestIntrospection:
    def test_repr_shows_the_class_and_context(self) -> None:
        """``repr`` of a factory names its class and shows its context."""
        factory_cls = account_factory(ObjectBuilder())

        assert (
            repr(factory_cls(session="db", seed=1)) == "<AccountFactory context={'session': 'db'}>"
        )
        assert repr(factory_cls()) == "<AccountFactory context={}>"

    def test_traits_lists_own_and_inherited_traits(self) -> None:
        """``traits()`` gives the trait names, a base's first and a subclass's after."""
        base = account_factory(ObjectBuilder())

        class Sub(base):  # type: ignore[valid-type,misc]
            @trait()
            def closed(self) -> dict[str, Any]:
                return {"plan": "closed"}

        assert base.traits() == ("paid",)
        assert Sub.traits() == ("paid", "closed")
        assert Sub().build("basic", "closed").plan == "closed"


class TestNames:
    def test_schema_name_that_is_not_a_string(self) -> None:
        """A schema name that is not a string raises ``UsageError`` saying so."""

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x"}

        with pytest.raises(UsageError, match=r"^F: the schema name must be a string, got 5$"):
            F().build(5)  # type: ignore[arg-type]

    def test_schema_name_that_is_not_a_string_with_a_default_schema(self) -> None:
        """With a ``_default_schema``, a non-string first argument is still a ``UsageError``."""
        f = account_factory(ObjectBuilder())()

        with pytest.raises(
            UsageError, match=r"^AccountFactory: the schema name must be a string, got 1\.5$"
        ):
            f.create(1.5)  # type: ignore[arg-type]

    def test_trait_name_that_is_not_a_string(self) -> None:
        """A trait name that is not a string raises ``UsageError`` saying so."""
        f = account_factory(ObjectBuilder())()

        with pytest.raises(UsageError, match=r"^AccountFactory: trait names are strings, got 5$"):
            f.build("basic", 5)  # type: ignore[arg-type]

    def test_unhashable_schema_name_is_a_usage_error(self) -> None:
        """A list given as the schema name raises ``UsageError``, like any non-string name."""
        f = account_factory(ObjectBuilder())()

        with pytest.raises(UsageError, match=r"the schema name must be a string, got \['basic'\]"):
            f.build(["basic"])  # type: ignore[arg-type]

    def test_unhashable_trait_name_is_a_usage_error(self) -> None:
        """A list given as a trait name raises ``UsageError``, like any non-string name."""
        f = account_factory(ObjectBuilder())()

        with pytest.raises(UsageError, match=r"trait names are strings, got \['paid'\]"):
            f.build("basic", ["paid"])  # type: ignore[arg-type]


class TestAttributesInsideASchema:
    def test_without_a_name_it_extends_the_default_schema(self) -> None:
        """Inside a schema, ``attributes()`` with no name gives the default schema's raw dict."""
        base = account_factory(ObjectBuilder())

        class F(base):  # type: ignore[valid-type,misc]
            @schema()
            def named(self) -> dict[str, Any]:
                raw = self.attributes()
                raw["name"] = "Named"
                return raw

        account = F().build("named")

        assert account == Account(email="a1@example.com", name="Named")

    def test_traits_are_laid_over_the_raw_dict(self) -> None:
        """Inside a schema, ``attributes(name, *traits)`` lays each trait over the raw dict."""
        base = account_factory(ObjectBuilder())

        class F(base):  # type: ignore[valid-type,misc]
            @trait()
            def renamed(self) -> dict[str, Any]:
                return {"name": "Renamed"}

            @schema()
            def premium(self) -> dict[str, Any]:
                return self.attributes("basic", "paid", "renamed", name="Over")

        assert F().build("premium") == Account(email="a1@example.com", name="Over", plan="paid")
        assert F().attributes("premium") == {
            "email": "a2@example.com",
            "name": "Over",
            "plan": "paid",
        }

    def test_unknown_trait_names_the_factory_and_its_traits(self) -> None:
        """Inside a schema, an unknown trait raises ``UnknownTraitError`` listing the traits."""
        base = account_factory(ObjectBuilder())

        class F(base):  # type: ignore[valid-type,misc]
            @schema()
            def broken(self) -> dict[str, Any]:
                return self.attributes("basic", "gold")

        with pytest.raises(
            UnknownTraitError, match=r"^F\.broken: F has no trait 'gold'; its traits are: paid$"
        ):
            F().build("broken")

    def test_without_a_name_or_a_default_schema_is_a_usage_error(self) -> None:
        """Inside a schema of a factory with no default, ``attributes()`` asks for a name."""

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x"}

            @schema()
            def other(self) -> dict[str, Any]:
                return self.attributes()

        with pytest.raises(UsageError, match=r"^F\.other: F has no _default_schema, so name"):
            F().build("other")


class TestGetOrCreate:
    def test_existing_row_is_returned_instead_of_a_new_one(self) -> None:
        """``create`` returns the row that matches ``_get_or_create`` and writes nothing."""
        store = Store()
        f = account_factory(store, _get_or_create=("email",))()

        first = f.create(email="same@example.com")
        second = f.create(email="same@example.com", name="Other")

        assert second is first
        assert store.rows == [Account(email="same@example.com", name="Ann")]
        assert store.lookups == [{"email": "same@example.com"}] * 2

    def test_default_get_finds_nothing(self) -> None:
        """With the base builder's ``get``, every ``create`` writes a new object."""
        written: list[Any] = []

        class Plain(ModelBuilder[Any]):
            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                written.append(attributes)
                return model(**attributes)

        f = account_factory(Plain(), _get_or_create=("email",))()

        one = f.create(email="same@example.com")
        two = f.create(email="same@example.com")

        assert one == two
        assert one is not two
        assert len(written) == 2

    def test_field_the_schema_does_not_give(self) -> None:
        """A ``_get_or_create`` field missing from the attributes raises with the path."""
        f = account_factory(Store(), _get_or_create=("slug",))()

        with pytest.raises(
            FactoryDefinitionError,
            match=r"^AccountFactory\.basic: _get_or_create names 'slug', which the schema "
            r"does not give$",
        ):
            f.create()

    async def test_field_the_schema_does_not_give_under_acreate(self) -> None:
        """Under ``acreate`` a missing ``_get_or_create`` field raises the same error."""
        f = account_factory(Store(), _get_or_create=("email", "slug"))()

        with pytest.raises(
            FactoryDefinitionError,
            match=r"^AccountFactory\.basic: _get_or_create names 'slug', which the schema",
        ):
            await f.acreate()

    async def test_acreate_returns_the_existing_row_through_get(self) -> None:
        """Under ``acreate`` the base ``aget`` calls ``get``; a match means no row, no hook."""
        store = Store()
        hooked: list[Any] = []

        base = account_factory(store, _get_or_create=("email",))

        class F(base):  # type: ignore[valid-type,misc]
            @after("create")
            def note(self, instance: Any, attrs: Any) -> None:
                hooked.append(instance)

        f = F()
        first = await f.acreate(email="same@example.com")
        second = await f.acreate(email="same@example.com", name="Other")

        assert second is first
        assert store.rows == [Account(email="same@example.com", name="Ann")]
        assert hooked == [first]

    async def test_acreate_uses_an_overridden_aget(self) -> None:
        """A builder's own ``aget`` is awaited for ``acreate``, and its row returned."""
        existing = Account(email="kept@example.com", name="Kept")
        asked: list[dict[str, Any]] = []

        class AsyncStore(ObjectBuilder[Any]):
            async def aget(self, model: type[Any], lookup: dict[str, Any], context: Context) -> Any:
                asked.append(lookup)
                return existing if lookup["email"] == existing.email else None

        f = account_factory(AsyncStore(), _get_or_create=("email",))()

        found = await f.acreate(email="kept@example.com")
        made = await f.acreate(email="new@example.com")

        assert found is existing
        assert made == Account(email="new@example.com", name="Ann")
        assert asked == [{"email": "kept@example.com"}, {"email": "new@example.com"}]

    async def test_acreate_batch_looks_up_every_row(self) -> None:
        """``acreate_batch`` with ``_get_or_create`` looks each row up before writing it."""
        store = Store()
        f = account_factory(store, _get_or_create=("name",))()

        accounts = await f.acreate_batch(3)

        assert accounts == [Account(email="a1@example.com", name="Ann")] * 3
        assert all(a is accounts[0] for a in accounts)
        assert len(store.rows) == 1
        assert store.lookups == [{"name": "Ann"}] * 3


class TestTransactionDefaults:
    async def test_builder_with_only_a_sync_transaction(self) -> None:
        """A builder that overrides only ``transaction`` wraps ``create``; under ``acreate`` the
        default ``atransaction`` does nothing and the object is still made."""
        events: list[str] = []

        class SyncOnly(ObjectBuilder[Any]):
            @contextlib.contextmanager
            def transaction(self, context: Context) -> Iterator[None]:
                events.append("begin")
                yield
                events.append("commit")

            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                events.append("create")
                return model(**attributes)

        f = account_factory(SyncOnly())()

        made = f.create()
        events.append("then async")
        amade = await f.acreate()

        assert (made, amade) == (Account("a1@example.com", "Ann"), Account("a2@example.com", "Ann"))
        assert events == ["begin", "create", "commit", "then async", "create"]

    async def test_builder_with_only_an_async_transaction(self) -> None:
        """A builder that overrides only ``atransaction`` wraps ``acreate``; under ``create`` the
        default ``transaction`` does nothing and the object is still made."""
        events: list[str] = []

        class AsyncOnly(ObjectBuilder[Any]):
            @contextlib.asynccontextmanager
            async def atransaction(self, context: Context) -> AsyncIterator[None]:
                events.append("begin")
                yield
                events.append("commit")

            def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
                events.append("create")
                return model(**attributes)

        f = account_factory(AsyncOnly())()

        made = f.create()
        events.append("then async")
        amade = await f.acreate()

        assert (made, amade) == (Account("a1@example.com", "Ann"), Account("a2@example.com", "Ann"))
        assert events == ["create", "then async", "begin", "create", "commit"]


class TestBatchCounts:
    def test_create_many_returning_too_few_objects(self) -> None:
        """A ``create_many`` that returns fewer objects than rows raises ``BuilderError``."""

        class Short(ObjectBuilder[Any]):
            def create_many(
                self, model: type[Any], rows: list[dict[str, Any]], context: Context
            ) -> list[Any]:
                return [model(**rows[0])]

        f = account_factory(Short())()

        with pytest.raises(
            BuilderError,
            match=r"^AccountFactory\.basic: Short\.create_many\(\) returned 1 objects for 3 rows$",
        ):
            f.create_batch(3)

    async def test_acreate_many_returning_too_many_objects(self) -> None:
        """An ``acreate_many`` that returns more objects than rows raises ``BuilderError``."""

        class Long(ObjectBuilder[Any]):
            async def acreate_many(
                self, model: type[Any], rows: list[dict[str, Any]], context: Context
            ) -> list[Any]:
                return [model(**row) for row in rows * 2]

        f = account_factory(Long())()

        with pytest.raises(
            BuilderError,
            match=r"^AccountFactory\.basic: Long\.acreate_many\(\) returned 4 objects for 2 rows$",
        ):
            await f.acreate_batch(2)


class Failing(ObjectBuilder[Any]):
    """A builder whose async writes fail."""

    async def acreate(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        raise RuntimeError("store is down")

    async def acreate_many(
        self, model: type[Any], rows: list[dict[str, Any]], context: Context
    ) -> list[Any]:
        raise RuntimeError("bulk insert failed")


class TestAsyncBuilderErrors:
    async def test_acreate_failure_is_a_builder_error(self) -> None:
        """A builder's ``acreate`` that raises gives ``BuilderError`` naming ``acreate``."""
        f = account_factory(Failing())()

        with pytest.raises(
            BuilderError,
            match=r"^AccountFactory\.basic: Failing\.acreate\(Account\) raised "
            r"RuntimeError\('store is down'\)$",
        ) as info:
            await f.acreate(name="Bo")

        assert info.value.attributes == {"email": "a1@example.com", "name": "Bo"}
        assert info.value.rows == [info.value.attributes]
        assert isinstance(info.value.__cause__, RuntimeError)

    async def test_acreate_many_failure_carries_every_row(self) -> None:
        """A failing ``acreate_many`` gives ``BuilderError`` with all rows in ``.rows``."""
        f = account_factory(Failing())()

        with pytest.raises(
            BuilderError,
            match=r"^AccountFactory\.basic: acreate_batch\(\) failed on one of 2 rows written "
            r"together \(the builder does not say which\): Failing\.acreate_many\(Account\) "
            r"raised RuntimeError\('bulk insert failed'\); the first row: \{'email': ",
        ) as info:
            await f.acreate_batch(2, "paid")

        rows = [
            {"email": "a1@example.com", "name": "Ann", "plan": "paid"},
            {"email": "a2@example.com", "name": "Ann", "plan": "paid"},
        ]
        assert info.value.rows == rows
        assert info.value.attributes == rows[0]
        assert isinstance(info.value.__cause__, RuntimeError)


class TestAsyncBatch:
    async def test_uncached_schema_runs_for_every_object(self) -> None:
        """``acreate_batch`` of a ``cache=False`` schema runs the schema method per object."""
        calls: list[int] = []

        class F(Factory[Account]):
            _model = Account

            @schema(cache=False)
            def numbered(self) -> dict[str, Any]:
                calls.append(len(calls) + 1)
                return {"email": f"n{len(calls)}@example.com"}

        accounts = await F().acreate_batch("numbered", 3)

        assert [a.email for a in accounts] == [f"n{i}@example.com" for i in (1, 2, 3)]
        assert calls == [1, 2, 3]


class Awaitable:
    """An awaitable that is not a coroutine."""

    def __await__(self) -> Generator[Any, None, None]:
        yield from ()


class TestHooks:
    def test_sync_hook_returning_a_coroutine_under_build(self) -> None:
        """A hook that returns a coroutine under ``build`` raises ``AsyncModeError``; the
        coroutine is closed, so no "never awaited" warning follows."""
        made: list[Any] = []

        async def later() -> None:
            return None

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x@example.com"}

            @after("build")
            def link(self, instance: Any, attrs: Any) -> Any:
                coro = later()
                made.append(coro)
                return coro

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(
                AsyncModeError,
                match=r"^F\.basic: after-build hook link returned an awaitable, which only "
                r"acreate\(\) and acreate_batch\(\) await; call one of those$",
            ):
                F().build("basic")
            gc.collect()

        assert inspect.getcoroutinestate(made[0]) == inspect.CORO_CLOSED
        assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []

    def test_sync_hook_returning_another_awaitable_under_create(self) -> None:
        """A hook returning a non-coroutine awaitable under ``create`` is refused the same way."""

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x@example.com"}

            @after("create")
            def link(self, instance: Any, attrs: Any) -> Any:
                return Awaitable()

        with pytest.raises(
            AsyncModeError,
            match=r"^F\.basic: after-create hook link returned an awaitable, which only ",
        ):
            F().create("basic")

    def test_factory_error_from_a_hook_keeps_its_class_and_gains_the_path(self) -> None:
        """A ``FactoryError`` raised by a hook is re-raised as is, with the factory's step."""

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x@example.com"}

            @after("create")
            def check(self, instance: Any, attrs: Any) -> None:
                raise UsageError("the hook refused it")

        with pytest.raises(UsageError, match=r"^F\.basic: the hook refused it$") as info:
            F().create("basic")

        assert not isinstance(info.value, HookError)
        assert info.value.steps == (Step("F", "basic"),)

    def test_error_of_a_factory_called_by_a_hook_keeps_its_own_path(self) -> None:
        """A hook that calls another factory which fails gives that error, prefixed by ours."""

        class Child(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": lazy(lambda a: a["missing"])}

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x@example.com"}

            @after("build")
            def sibling(self, instance: Any, attrs: Any) -> None:
                Child().build("basic")

        with pytest.raises(
            FactoryError, match=r"^F\.basic \(Child\.basic\) → email: lazy field raised KeyError"
        ) as info:
            F().build("basic")

        assert info.value.steps == (Step("F", "basic"), Step("Child", "basic", "email"))

    async def test_factory_error_from_an_async_hook(self) -> None:
        """Under ``acreate`` a hook's ``FactoryError`` also keeps its class and gains the path."""

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": "x@example.com"}

            @after("create")
            async def check(self, instance: Any, attrs: Any) -> None:
                raise UsageError("async hook refused it")

        with pytest.raises(UsageError, match=r"^F\.basic: async hook refused it$"):
            await F().acreate("basic")


class TestErrorPath:
    def test_innermost_step_names_factory_schema_and_field(self) -> None:
        """``factory``, ``schema`` and ``field`` of an error come from its innermost step."""
        error = FactoryError("boom", steps=[Step("UserFactory", "basic", "profile")])
        error.within("OrgFactory", "basic", "owner")

        assert (error.factory, error.schema, error.field) == ("UserFactory", "basic", "profile")
        assert str(error) == "OrgFactory.basic → owner (UserFactory.basic) → profile: boom"

    def test_error_without_a_path(self) -> None:
        """An error raised outside any factory call has no factory, schema or field."""
        error = FactoryError("boom")

        assert (error.factory, error.schema, error.field) == (None, None, None)
        assert error.path == ""
        assert str(error) == "boom"

    def test_error_from_a_real_call_names_where_it_happened(self) -> None:
        """An error from a factory call names the factory, schema and field that failed."""

        class F(Factory[Account]):
            _model = Account

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"email": lazy(lambda a: 1 / 0)}

        with pytest.raises(FactoryError, match="division by zero") as info:
            F().build("basic")

        assert (info.value.factory, info.value.schema, info.value.field) == ("F", "basic", "email")
