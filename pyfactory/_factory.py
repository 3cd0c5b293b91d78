"""``Factory[M]``, the public API, on the layers of :mod:`pyfactory._core` it inherits
from (definition → plan → realization, see docs/architecture.rst); and
:func:`factory_for`, which makes a factory class for a model with none written."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    TypeVar,
    cast,
    is_typeddict,
    overload,
)

from pyfactory._context import Context, Randomness, unique_clear
from pyfactory._core.definition import (
    _AFTER_MARK,
    _SCHEMA_MARK,
    _TRAIT_MARK,
    _builder_of,
    _Definition,
    _generic_model,
    schema,
)
from pyfactory._core.plan.auto import reset_unique as reset_auto_unique
from pyfactory._core.plan.plan import Plan
from pyfactory._core.plan.planning import _frames
from pyfactory._core.realization import observe as _obs
from pyfactory._core.realization.batch import BatchCall, MakeBatch
from pyfactory._core.realization.observe import _Timed
from pyfactory._names import (
    FACTORY_API,
    MAKE_METHODS,
    STRATEGY_METHODS,
)
from pyfactory._sequences import counters
from pyfactory._walk import fresh_copy
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder, Relation
from pyfactory.errors import (
    CyclicDependencyError,
    FactoryDefinitionError,
    UnknownSchemaError,
    UsageError,
)
from pyfactory.introspect._django_fields import is_django
from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

if TYPE_CHECKING:
    from random import Random

    from faker import Faker
    from hypothesis.strategies import SearchStrategy

__all__ = ["Factory", "factory_for"]

M = TypeVar("M")
OtherFactory = TypeVar("OtherFactory", bound="Factory[Any]")

#: An object made in a batch, its values, its fields to make after it, and (for a
#: pending child) where it comes from.


class _OnClass:
    """``UserFactory.build(...)`` on the class is ``UserFactory().build(...)``.

    It sits on the metaclass as a data descriptor, so that only a lookup on the class
    reaches it: ``factory.build`` on an instance finds the plain function in the class,
    at no cost.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, cls: type[Factory[Any]] | None, meta: type | None = None) -> Any:
        if cls is None:
            return self
        name = self.name
        func = next(k.__dict__[name] for k in cls.__mro__ if name in k.__dict__)

        @functools.wraps(func)
        def on_class(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], cls):
                return func(*args, **kwargs)  # Factory.build(factory, ...): the function
            return func(cls(), *args, **kwargs)

        return on_class

    def __set__(self, cls: type[Factory[Any]], value: object) -> None:
        raise AttributeError(
            f"{cls.__name__}.{self.name} is a method of the Factory API and cannot be replaced"
        )


class _FactoryType(type):
    """The metaclass of factories: it lets the methods that make objects be called on
    the class (see :class:`_OnClass`, set on it below)."""


# On the class (``UserFactory.build("basic")``, as factory_boy users write) each
# method that makes objects runs on a new instance with no context.
for _name in (*MAKE_METHODS, *STRATEGY_METHODS):
    setattr(_FactoryType, _name, _OnClass(_name))


class Factory(MakeBatch[M], metaclass=_FactoryType):
    """The base of every factory: subclass it, name the model, and write schemas.

    Class attributes:
        _model: The class the factory makes (required unless ``_abstract = True``);
            left out, it is the generic parameter: ``class UserFactory(Factory[User])``.
        _model_builder: A :class:`~pyfactory.builders.ModelBuilder` instance, or a
            class with a no-argument constructor; :class:`ObjectBuilder` by default.
        _default_schema: The schema used when a call names none.
        _get_or_create: Fields whose values find an existing row for ``create``.
        _abstract: ``True`` for a base factory that only shares schemas and settings.
        _batch_size: How many rows ``create_batch`` resolves and writes at a time
            (1,000): memory stays flat however many rows a batch makes.
        _name_mappings: Field name or glob → ``(faker, field) -> value``, or ``None``
            to leave the field alone, for auto-filled schemas; merged with the
            parents' (see :doc:`autofill`).
        _type_mappings: Type → ``(faker, field) -> value``, or ``None``, likewise.
        _nullable_probability: The chance (0 to 1) that an auto-filled field which
            may be ``None`` is ``None``; 0, the default, never draws it.
        _faker_locale: The locale of the Faker of instances made without ``faker=``
            (``"fr_FR"``), inherited like any class attribute; ``None``, the default,
            is Faker's default locale. The children this factory makes for an
            association of another locale use a Faker of that locale, with the same
            seed; a Faker given to the parent is shared by all of them.

    Making one: ``UserFactory(session=db, faker=Faker("fr_FR"), seed=42)``. Keyword
    arguments other than ``faker`` and ``seed`` form its :attr:`context`.

    .. versionadded:: 0.1
    """

    # ------------------------------------------------------------ class set-up

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        name = cls.__name__
        for attr in own:
            if attr in FACTORY_API or attr.startswith("_pf_"):
                raise FactoryDefinitionError(
                    f"{name} defines {attr!r}, a name the Factory API uses; rename it"
                )
        cls._abstract = bool(own.get("_abstract", False))
        if "_model" not in own and (model := _generic_model(cls)) is not None:
            cls._model = model
        schemas: dict[str, list[_Definition]] = {}
        traits: dict[str, _Definition] = {}
        hooks: dict[str, dict[str, Callable[..., Any]]] = {"build": {}, "create": {}}
        # Walk from the base down, so a subclass's definitions replace its parents'.
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                func = value
                cache = getattr(func, _SCHEMA_MARK, None)
                if cache is not None:
                    schemas.setdefault(attr, []).insert(
                        0, _Definition("schema", attr, func, klass, cache)
                    )
                    traits.pop(attr, None)
                    continue
                cache = getattr(func, _TRAIT_MARK, None)
                if cache is not None:
                    traits[attr] = _Definition("trait", attr, func, klass, cache)
                    schemas.pop(attr, None)
                    continue
                if attr in schemas or attr in traits:
                    kind = "schema" if attr in schemas else "trait"
                    raise FactoryDefinitionError(
                        f"{klass.__name__}.{attr} replaces the {kind} {attr!r} of a base "
                        f"factory without @{kind}(); decorate it, or choose another name"
                    )
                for scoped in hooks.values():
                    scoped.pop(attr, None)
                for hook_scope in getattr(func, _AFTER_MARK, ()):
                    hooks[hook_scope][attr] = func
        cls._pf_schemas = {k: tuple(v) for k, v in schemas.items()}
        cls._pf_traits = traits
        cls._pf_hooks = {k: tuple(v.values()) for k, v in hooks.items() if v}
        cls._pf_builder = _builder_of(cls)
        # A builder whose build() is the base class's model(**attributes) is called
        # inline by the hot path; the result is the same object.
        cls._pf_plain_build = type(cls._pf_builder).build is ModelBuilder.build
        cls._pf_quick_build = cls._pf_plain_build and "build" not in cls._pf_hooks
        builder_type = type(cls._pf_builder)
        # These ask whether the builder overrides a method whose base version does
        # nothing (no relations, no transaction), only to skip calling it: nothing is
        # guessed about the builder, so they need no declaration of its own.
        cls._pf_relational = builder_type.relation is not ModelBuilder.relation
        cls._pf_watches = builder_type.reads is not ModelBuilder.reads
        cls._pf_relations, cls._pf_keys = {}, None
        cls._pf_atomic = (
            builder_type.transaction is not ModelBuilder.transaction
            or builder_type.atransaction is not ModelBuilder.atransaction
        )
        if cls._abstract:
            return
        if not isinstance(getattr(cls, "_model", None), type):
            model = getattr(cls, "_model", None)
            got = "no _model" if model is None else f"_model = {model!r}, which is not a class"
            raise FactoryDefinitionError(
                f"{name} has {got}; set _model to the class it makes, "
                "or _abstract = True for a base factory"
            )
        default = cls._default_schema
        if default is not None and default not in cls._pf_schemas:
            raise UnknownSchemaError(name, default, cls._pf_schemas).within(name, default)
        cls._pf_check_settings(name)

    @classmethod
    def _pf_check_settings(cls, name: str) -> None:
        """Refuse a class setting of the wrong kind when the class is defined."""
        size = cls._batch_size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise FactoryDefinitionError(f"{name}._batch_size must be a positive int, got {size!r}")
        locale = cls._faker_locale
        if locale is not None and (not isinstance(locale, str) or not locale):
            raise FactoryDefinitionError(
                f"{name}._faker_locale must be a locale name such as 'fr_FR', got {locale!r}"
            )
        for field in cls._get_or_create:
            if not isinstance(field, str):
                raise FactoryDefinitionError(
                    f"{name}._get_or_create lists field names, not {field!r}"
                )

    # ------------------------------------------------------------ instances

    def __init__(self, *, faker: Faker | None = None, seed: int | None = None, **context: Any):
        cls = type(self)
        if cls._abstract:
            raise FactoryDefinitionError(
                f"{cls.__name__} is abstract (_abstract = True); make a subclass that sets _model"
            )
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise UsageError(f"{cls.__name__}(seed=...) takes an int, got {seed!r}")
        #: The context keys given here (not passed down from a parent), checked as each
        #: plan is made (see _pf_check_given), with the keys read meanwhile.
        self._pf_given: Mapping[str, Any] = context
        self._pf_context = Context(context, cls.__name__)
        if context:
            self._pf_context._reads = set()
        self._pf_randomness = Randomness(faker, seed, cls._faker_locale)
        self._pf_plans: dict[Any, Plan] = {}
        self._pf_quick: dict[str | None, Callable[[], Any]] = {}
        self._pf_counts: dict[str, int] = {}
        self._pf_raw: dict[tuple[str, str], dict[str, Any]] = {}
        self._pf_children: dict[Any, Factory[Any]] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} context={dict(self._pf_context)!r}>"

    @property
    def context(self) -> Context:
        """The read-only keyword arguments this factory was made with (``session``, ...)."""
        return self._pf_context

    @property
    def faker(self) -> Faker:
        """This factory's Faker; shared with the children it makes."""
        return self._pf_randomness.faker

    @property
    def random(self) -> Random:
        """This factory's random stream (its Faker's), shared with the children it makes."""
        return self._pf_randomness.random

    @property
    def seed(self) -> int | None:
        """The seed this factory was made with, if any."""
        return self._pf_randomness.seed

    def related(self, other: type[OtherFactory] | OtherFactory, /) -> OtherFactory:
        """A factory of ``other`` that makes objects as this factory's children are made:
        with its context, Faker and seed. For the objects a hook makes (factory_boy's
        ``RelatedFactory``)::

            @after("create")
            def welcome(self, post, attrs):
                self.related(CommentFactory).create(post=post)

        ``other`` is a factory class, or an instance, which keeps its own context (this
        factory's fills the keys it lacks) and its own Faker or seed, as an
        association's target does. The same class gives the same factory each time.
        Its objects count as its own calls do, in :func:`observe` and
        ``--pyfactory-report``.

        .. versionadded:: 1.0
        """
        if not (
            isinstance(other, Factory) or (isinstance(other, type) and issubclass(other, Factory))
        ):
            raise UsageError(
                f"{type(self).__name__}.related() takes a factory class or instance, not {other!r}"
            )
        return cast("OtherFactory", self._pf_child_factory(other))

    @classmethod
    def schemas(cls) -> tuple[str, ...]:
        """The names of this factory's schemas, its bases' included."""
        return tuple(cls._pf_schemas)

    @classmethod
    def traits(cls) -> tuple[str, ...]:
        """The names of this factory's traits, its bases' included."""
        return tuple(cls._pf_traits)

    @classmethod
    def reset_sequences(cls, start: int | None = None) -> None:
        """Restart the sequence counters of this factory and its subclasses.

        Args:
            start: The next number; each counter's own ``start`` when left out.
        """
        counters.reset(cls, start)

    @classmethod
    def reset_unique(cls) -> None:
        """Forget the values that ``fake(..., unique=True)`` has handed out, in every Faker,
        and those of this factory's unique auto-filled fields."""
        unique_clear()
        reset_auto_unique(cls)

    @classmethod
    def _pf_factory_for(
        cls, model: type[Any], builder: ModelBuilder[Any] | None
    ) -> type[Factory[Any]]:
        """:func:`factory_for` for the auto-fill layer, which sits below this module and
        reaches it through the factory class it fills."""
        return factory_for(model, builder=builder)

    @classmethod
    def _pf_relation(cls, name: str) -> Relation | None:
        """What the builder says of the model's field ``name``; asked once per class."""
        try:
            return cls._pf_relations[name]
        except KeyError:
            relation = cls._pf_relations[name] = cls._pf_builder.relation(cls._model, name)
            return relation

    # ---------------------------------------------------- schemas and traits

    def schema(self, name: str, /) -> dict[str, Any]:
        """The raw, unresolved dict of schema ``name``: special fields are still special.

        Inside a schema of the same name it is the parent factory's schema, so
        ``super().schema(name)`` and ``self.schema(name)`` both extend the parent's.

        Raises:
            UnknownSchemaError: The factory has no such schema.
            CyclicDependencyError: The schema reaches itself.
        """
        frames = _frames()
        cls = type(self)
        own = [f for f in frames if f.factory is self]
        if own:
            top = own[-1]
            if top.kind == "schema" and top.name == name:
                index = top.index + 1
                if index >= len(cls._pf_schemas[name]):
                    names = [f.name for f in own]
                    raise CyclicDependencyError("schemas", [*names, name]).within(
                        cls.__name__, names[0]
                    )
                return fresh_copy(self._pf_evaluate("schema", name, index))  # type: ignore[no-any-return]
            for frame in own:
                if frame.kind == "schema" and frame.name == name:
                    names = [f.name for f in own[own.index(frame) :]]
                    raise CyclicDependencyError("schemas", [*names, name]).within(
                        cls.__name__, own[0].name
                    )
        return fresh_copy(self._pf_raw_dict("schema", name))  # type: ignore[no-any-return]

    # --------------------------------------------------------------- planning

    # -------------------------------------------------------------- realizing

    # ------------------------------------------------------------ public API

    def attributes(
        self, schema: str | None = None, /, *traits: str, **overrides: Any
    ) -> dict[str, Any]:
        """The resolved attribute dict of a schema; no builder is called.

        Inside a schema method it gives the raw dict instead (as :meth:`schema`
        does, with the traits and overrides laid over it), so that
        ``super().attributes(name)`` extends the parent's schema before anything
        is resolved.
        """
        if self._pf_inside_schema():
            if schema is None:
                schema = self._pf_names(schema, traits)[0]
            raw = self.schema(schema)
            layers: list[dict[str, Any]] = []
            self._pf_trait_layers(traits, layers)
            for layer in layers:
                raw.update(fresh_copy(layer))
            raw.update(overrides)
            return raw
        if _obs._observer is not None:
            with _Timed(self, "attributes", 1):
                return cast("dict[str, Any]", self._pf_one("attributes", schema, traits, overrides))
        return cast("dict[str, Any]", self._pf_one("attributes", schema, traits, overrides))

    def build(self, schema: str | None = None, /, *traits: str, **overrides: Any) -> M:
        """A model instance, not persisted: ``build("admin", "verified", first_name="Bob")``.

        Args:
            schema: The schema's name; ``_default_schema`` when left out.
            *traits: Traits to apply, in order.
            **overrides: Values that replace the schema's; ``trait=True`` applies a
                trait, ``key__field=value`` reaches the association at ``key``, and
                ``OMIT`` removes a key.
        """
        if _obs._observer is None:
            if not traits and not overrides:
                # The hot path of every test, in as few steps as Python allows: a
                # schema of plain values whose model takes them as keywords is one
                # C-level call of the constructor with the values bound.
                try:
                    quick = self._pf_quick[schema]
                except (KeyError, TypeError):  # not made yet, or not a schema name
                    pass
                else:
                    try:
                        return quick()  # type: ignore[no-any-return]
                    except Exception as exc:
                        error = self._pf_quick_failed(schema, exc)
                        raise error from error.__cause__
            return self._pf_one("build", schema, traits, overrides)  # type: ignore[no-any-return]
        with _Timed(self, "build", 1):
            return self._pf_one("build", schema, traits, overrides)  # type: ignore[no-any-return]

    def create(self, schema: str | None = None, /, *traits: str, **overrides: Any) -> M:
        """A model instance persisted by the builder; arguments as for :meth:`build`.

        The whole call, children included, runs inside the builder's
        :meth:`~pyfactory.builders.ModelBuilder.transaction`, so a failure part way
        leaves nothing of it behind where the builder has transactions.
        """
        if _obs._observer is not None:
            with _Timed(self, "create", 1):
                return self._pf_create(schema, traits, overrides)
        return self._pf_create(schema, traits, overrides)

    def _pf_create(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> M:
        cls = type(self)
        if cls._pf_atomic:
            with cls._pf_builder.transaction(self._pf_context):
                return cast("M", self._pf_one("create", schema, traits, overrides))
        return cast("M", self._pf_one("create", schema, traits, overrides))

    async def acreate(self, schema: str | None = None, /, *traits: str, **overrides: Any) -> M:
        """:meth:`create`, awaiting coroutine fields, children and hooks, inside the
        builder's :meth:`~pyfactory.builders.ModelBuilder.atransaction`."""
        if _obs._observer is not None:
            with _Timed(self, "create", 1):
                return await self._pf_acreate(schema, traits, overrides)
        return await self._pf_acreate(schema, traits, overrides)

    async def _pf_acreate(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> M:
        cls = type(self)
        if cls._pf_atomic:
            async with cls._pf_builder.atransaction(self._pf_context):
                return cast("M", await self._pf_aone(schema, traits, overrides))
        return cast("M", await self._pf_aone(schema, traits, overrides))

    def strategy(
        self, schema: str | None = None, /, *traits: str, **overrides: Any
    ) -> SearchStrategy[M]:
        """A Hypothesis strategy of built instances: ``@given(UserFactory().strategy("basic"))``.

        Each example is what :meth:`build` makes with the same arguments -- traits,
        overrides, ``key__field`` overrides and associations alike -- except that every
        random decision (``fake()`` values, ``many()`` counts, ``randomly_unset``,
        auto-filled fields within their constraints) is drawn from Hypothesis, so a
        failing example shrinks toward simple values (the first choice, a range's low
        bound) and replays from Hypothesis's example database. An override may be a
        strategy itself (``age=st.integers(0, 17)``): each example draws it.

        Hypothesis is imported here, not by ``import pyfactory``. The schema, traits
        and override keys are checked now, raising what :meth:`build` raises.

        See :doc:`hypothesis`.

        .. versionadded:: 1.1
        """
        from pyfactory._strategy import factory_strategy

        return factory_strategy(self, "build", schema, traits, overrides)

    def create_strategy(
        self, schema: str | None = None, /, *traits: str, **overrides: Any
    ) -> SearchStrategy[M]:
        """:meth:`strategy`, with each example persisted as :meth:`create` persists it.

        Each example writes its rows when it is drawn, so run each example in a
        transaction that is rolled back after it (:doc:`hypothesis` shows fixtures
        for SQLAlchemy and Django): examples count their sequences from the same
        numbers.

        .. versionadded:: 1.1
        """
        from pyfactory._strategy import factory_strategy

        return factory_strategy(self, "create", schema, traits, overrides)

    @overload
    def attributes_batch(
        self, count: int, /, *traits: str, **overrides: Any
    ) -> list[dict[str, Any]]: ...
    @overload
    def attributes_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[dict[str, Any]]: ...
    def attributes_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[dict[str, Any]]:
        """``count`` attribute dicts: ``attributes_batch("basic", 10, last_name="X")``."""
        schema, count, traits = self._pf_batch_args("attributes_batch", (first, *args))
        with _Timed(self, "attributes", count):
            return self._pf_run_batch(BatchCall("attributes", schema, count, traits, overrides))

    @overload
    def build_batch(self, count: int, /, *traits: str, **overrides: Any) -> list[M]: ...
    @overload
    def build_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[M]: ...
    def build_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[M]:
        """``count`` built instances: ``build_batch("basic", 10, last_name="X")``."""
        schema, count, traits = self._pf_batch_args("build_batch", (first, *args))
        with _Timed(self, "build", count):
            return self._pf_run_batch(BatchCall("build", schema, count, traits, overrides))

    @overload
    def create_batch(self, count: int, /, *traits: str, **overrides: Any) -> list[M]: ...
    @overload
    def create_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[M]: ...
    def create_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[M]:
        """``count`` created instances, handed to the builder's ``create_many`` in one call."""
        schema, count, traits = self._pf_batch_args("create_batch", (first, *args))
        with _Timed(self, "create", count):
            return self._pf_run_batch(BatchCall("create", schema, count, traits, overrides))

    @overload
    def insert_batch(self, count: int, /, *traits: str, **overrides: Any) -> int: ...
    @overload
    def insert_batch(self, schema: str, count: int, /, *traits: str, **overrides: Any) -> int: ...
    def insert_batch(self, first: Any, /, *args: Any, **overrides: Any) -> int:
        """Write ``count`` rows as :meth:`create_batch` does, but return none of them.

        For seed data and load tests: when nothing reads the new rows back as
        objects (the factory has no after-create hooks and no ``many`` fields made
        after the row), the builder's ``insert_many`` writes them without making
        model instances, which for SQLAlchemy is several times cheaper. Memory stays
        flat: one chunk of ``_batch_size`` rows at a time.

        Returns:
            The number of rows written: ``count``, less the rows that a builder with
            ``on_conflict="skip"`` found stored already and left alone.

        .. versionadded:: 0.1
        .. versionchanged:: 1.1
           Rows skipped on a conflict are not counted.
        """
        schema, count, traits = self._pf_batch_args("insert_batch", (first, *args))
        call = BatchCall("create", schema, count, traits, overrides, keep=False)
        with _Timed(self, "create", count):
            self._pf_run_batch(call)
        return call.rows_written

    @overload
    async def ainsert_batch(self, count: int, /, *traits: str, **overrides: Any) -> int: ...
    @overload
    async def ainsert_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> int: ...
    async def ainsert_batch(self, first: Any, /, *args: Any, **overrides: Any) -> int:
        """:meth:`insert_batch`, awaiting fields, children and ``ainsert_many``.

        .. versionadded:: 0.1
        """
        schema, count, traits = self._pf_batch_args("ainsert_batch", (first, *args))
        call = BatchCall("create", schema, count, traits, overrides, False, True)
        with _Timed(self, "create", count):
            await self._pf_arun_batch(call)
        return call.rows_written

    @overload
    async def acreate_batch(self, count: int, /, *traits: str, **overrides: Any) -> list[M]: ...
    @overload
    async def acreate_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[M]: ...
    async def acreate_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[M]:
        """:meth:`create_batch`, awaiting fields, children, ``acreate_many`` and hooks."""
        schema, count, traits = self._pf_batch_args("acreate_batch", (first, *args))
        with _Timed(self, "create", count):
            return await self._pf_arun_batch(
                BatchCall("create", schema, count, traits, overrides, True, True)
            )


# ----------------------------------------------------------------- factory_for


# One class per model and builder, made on first use; _made_lock keeps it one under threads.
_made_for: dict[tuple[type[Any], int], type[Factory[Any]]] = {}
_made_lock = threading.Lock()


def factory_for(
    model: type[Any], *, builder: ModelBuilder[Any] | None = None
) -> type[Factory[Any]]:
    """A ready factory class for ``model``, with no class written: every field is auto-filled.

    ``factory_for(User)().build()`` makes a ``User``; its ``"basic"`` schema is
    ``@schema(auto=True)`` with nothing of its own. The builder follows the model:
    SQLAlchemy's for a mapped class, Django's for a Django model, ``DictBuilder``
    for a ``TypedDict``, ``ObjectBuilder`` otherwise; ``builder`` chooses another
    where it makes the model (:meth:`~pyfactory.builders.ModelBuilder.supports`) and,
    for a mapped class or a Django model, writes to a database
    (:attr:`~pyfactory.builders.ModelBuilder.writes_to_database`).
    The class is made once per model and builder.

    .. versionadded:: 0.1
    """
    chosen = _builder_for(model, builder)
    # A builder passed in is the one used; one chosen here stands for its class.
    key = (model, id(chosen) if chosen is builder else id(type(chosen)))
    made = _made_for.get(key)
    if made is None:

        def basic(self: Any) -> dict[str, Any]:
            return {}

        made = type(
            f"{getattr(model, '__name__', 'Model')}Factory",
            (Factory,),
            {
                "_model": model,
                "_model_builder": chosen,
                "_default_schema": "basic",
                "basic": schema(auto=True)(basic),
                "__module__": "pyfactory._core.plan.auto",
            },
        )
        with _made_lock:
            made = _made_for.setdefault(key, made)
    return made


def _builder_for(model: type[Any], given: ModelBuilder[Any] | None) -> ModelBuilder[Any]:
    """The builder of ``factory_for(model, builder=given)``: ``given`` where it makes
    ``model`` (:meth:`~ModelBuilder.supports`) and, for an ORM's model, writes to a
    database (:attr:`~ModelBuilder.writes_to_database`); the model's default otherwise.
    The builders declare both, so one of your own is treated as the shipped ones are."""
    default = _default_builder(model)
    if given is None or type(given) is ObjectBuilder or default is DictBuilder:
        return default()
    if default.writes_to_database and not given.writes_to_database:
        return default()  # a mapped class is a row: a builder that writes none cannot store it
    return given if given.supports(model) else default()


def _default_builder(model: type[Any]) -> type[ModelBuilder[Any]]:
    """SQLAlchemy's builder for a mapped class, Django's for a Django model,
    ``DictBuilder`` for a ``TypedDict``, ``ObjectBuilder`` otherwise."""
    if is_sqlalchemy(model):
        from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder

        return SQLAlchemyBuilder
    if is_django(model):
        from pyfactory.builders.django import DjangoBuilder

        return DjangoBuilder
    return DictBuilder if is_typeddict(model) else ObjectBuilder
