"""``Factory[M]``: collects a class's schemas, traits and hooks, and realizes them."""

from __future__ import annotations

import functools
import inspect
import mmap
import reprlib
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Protocol,
    TypeVar,
    cast,
    get_args,
    get_origin,
    is_typeddict,
    overload,
)

import attrs

from pyfactory._context import Context, Randomness, known_fakers
from pyfactory._core.plan.auto import auto_layer
from pyfactory._core.plan.auto import reset_unique as reset_auto_unique
from pyfactory._core.plan.keys import (
    NO_KEYS,
    ModelKeys,
    close_names,
    context_error,
    either,
    may_read_context,
    unchecked,
)
from pyfactory._core.resolution.chain import Link, always_makes, enter, leave
from pyfactory._core.resolution.pending import (
    Batch,
    Origin,
    Pending,
    asettle_row,
    batch_method,
    batch_out_of_memory,
    batch_too_large,
    settle_row,
)
from pyfactory._core.resolution.resolver import Later, Plan, Resolution, check_dict
from pyfactory._limits import MAX_BATCH
from pyfactory._names import (
    FACTORY_API,
    MAKE_METHODS,
    NoDefaultSchema,
    NotASchema,
    NotATrait,
    split_names,
)
from pyfactory._sequences import counters
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder, Relation
from pyfactory.errors import (
    AsyncModeError,
    BuilderError,
    CyclicDependencyError,
    FactoryDefinitionError,
    FactoryError,
    HookError,
    OverrideError,
    SchemaError,
    UnknownSchemaError,
    UnknownTraitError,
    UsageError,
)
from pyfactory.fields import ManyField, fresh_copy
from pyfactory.introspect._django_fields import is_django
from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

if TYPE_CHECKING:
    from random import Random

    from faker import Faker

__all__ = [
    "CheckFailure",
    "Factory",
    "Observer",
    "after",
    "check",
    "factory_for",
    "observe",
    "schema",
    "trait",
]

M = TypeVar("M")
F = TypeVar("F", bound=Callable[..., Any])
OtherFactory = TypeVar("OtherFactory", bound="Factory[Any]")

#: An object made in a batch, its values, its fields to make after it, and (for a
#: pending child) where it comes from.
LaterRow = tuple[Any, dict[str, Any], list[Later], "Origin | None"]

_SCHEMA_MARK = "__pyfactory_schema__"
_TRAIT_MARK = "__pyfactory_trait__"
_AFTER_MARK = "__pyfactory_after__"
_AUTO_MARK = "__pyfactory_auto__"


class _Definition:
    """A schema or trait method as collected from one class."""

    __slots__ = ("auto", "cache", "func", "kind", "name", "owner")

    def __init__(self, kind: str, name: str, func: Callable[..., Any], owner: type, cache: bool):
        self.kind = kind
        self.name = name
        self.func = func
        self.owner = owner
        self.cache = cache
        self.auto: bool | str = getattr(func, _AUTO_MARK, False)


def schema(*, cache: bool = True, auto: bool | str = False) -> Callable[[F], F]:
    """Mark a factory method as a schema: it returns a dict of raw values.

    The method runs once per factory instance and its dict serves every object
    that instance makes: per-object values come from special fields
    (:func:`sequence`, :func:`lazy`, :func:`fake`, ...). Lists, dicts and sets
    in it are copied for each object, so no two objects share one.

    Args:
        cache: ``False`` runs the method for every object instead, for a schema
            that reads state which changes between objects.
        auto: ``True`` fills every field of the model that the schema leaves out
            and the model cannot be made without, from the model's own field
            information (name first, then type, honouring its constraints);
            ``"all"`` fills the optional fields too. See :doc:`/autofill`.

    .. versionadded:: 0.1
    """
    if auto not in (True, False, "all"):
        raise FactoryDefinitionError(f'schema(auto=...) takes True, False or "all", not {auto!r}')

    def mark(func: F) -> F:
        _check_method(func, "schema")
        setattr(func, _SCHEMA_MARK, cache)
        setattr(func, _AUTO_MARK, auto)
        return func

    return mark


def trait(*, cache: bool = True) -> Callable[[F], F]:
    """Mark a factory method as a trait: a partial dict applied over a schema on request,
    by name (``build("basic", "verified")``) or as a flag (``build("basic", verified=True)``).

    Args:
        cache: ``False`` runs the method for every object instead.

    .. versionadded:: 0.1
    """

    def mark(func: F) -> F:
        _check_method(func, "trait")
        setattr(func, _TRAIT_MARK, cache)
        return func

    return mark


def after(*scopes: str) -> Callable[[F], F]:
    """Mark a method to run after an object is made: ``@after("create")``.

    The method receives ``(instance, attrs)``, where ``attrs`` holds every
    resolved value, transient ones included. It runs once per object, batches
    included, only for the methods named (``"build"``, ``"create"``), never for
    ``attributes``. Under ``acreate`` it may be a coroutine function.

    .. versionadded:: 0.1
    """
    if not scopes:
        raise FactoryDefinitionError('after() needs the methods to follow: after("create")')
    for scope in scopes:
        if scope not in ("build", "create"):
            raise FactoryDefinitionError(f'after() follows "build" or "create", not {scope!r}')

    def mark(func: F) -> F:
        _check_method(func, "after")
        setattr(func, _AFTER_MARK, tuple(scopes))
        return func

    return mark


def _check_method(func: object, what: str) -> None:
    if not callable(func) or isinstance(func, (staticmethod, classmethod, type)):
        raise FactoryDefinitionError(f"@{what}() decorates a plain method, not {func!r}")


class _Frame:
    """A schema or trait being evaluated, for ``self.schema()`` and ``super()`` inside it."""

    __slots__ = ("factory", "index", "kind", "name")

    def __init__(self, factory: Factory[Any], kind: str, name: str, index: int) -> None:
        self.factory = factory
        self.kind = kind
        self.name = name
        self.index = index


_local = threading.local()


def _frames() -> list[_Frame]:
    frames: list[_Frame] | None = getattr(_local, "frames", None)
    if frames is None:
        frames = _local.frames = []
    return frames


# ------------------------------------------------------------------ observing


class Observer(Protocol):
    """What :func:`observe` reports to: the pytest plugin's ``--pyfactory-report``, or
    any profiler of your own. Both methods may be called from any thread."""

    def made(self, factory: type[Factory[Any]], scope: str, count: int) -> None:
        """``count`` objects of ``factory`` were made in ``scope`` (``"attributes"``,
        ``"build"`` or ``"create"``): every object, those made for associations
        included, each reported under the factory that made it. An existing row
        found through ``_get_or_create`` is not reported."""

    def called(self, factory: type[Factory[Any]], scope: str, count: int, seconds: float) -> None:
        """A public call on ``factory`` returned or raised after ``seconds`` of wall time
        (the objects made for its associations included): ``scope`` as for :meth:`made`,
        ``count`` the objects it was asked for (1, or a batch's count). Only the
        outermost call is reported: one made inside another (in a lazy field or a
        hook) is part of that one's time."""


#: The observer, or None: every public call and every object made test this once.
_observer: Observer | None = None
#: Whether a public call is already being timed, in this thread or task.
_timing: ContextVar[bool] = ContextVar("pyfactory_timing", default=False)


def observe(observer: Observer | None) -> Observer | None:
    """Report every factory call and every object made to ``observer`` from now on;
    ``None`` stops reporting. Returns the observer it replaces, to put back later.

    With no observer (the default) a call costs one test of a module global.
    """
    global _observer
    previous, _observer = _observer, observer
    return previous


class _Timed:
    """Times an outermost public call for the observer: ``with _Timed(self, "build", 1):``."""

    __slots__ = ("count", "factory", "scope", "start", "token")

    def __init__(self, factory: Factory[Any], scope: str, count: int) -> None:
        self.factory = type(factory)
        self.scope = scope
        self.count = count

    def __enter__(self) -> None:
        self.token = None if _timing.get() else _timing.set(True)
        self.start = time.perf_counter()

    def __exit__(self, *exc_info: object) -> None:
        if self.token is None:
            return
        seconds = time.perf_counter() - self.start
        _timing.reset(self.token)
        observer = _observer
        if observer is not None:
            observer.called(self.factory, self.scope, self.count, seconds)


def _made(factory: Factory[Any], scope: str, count: int) -> None:
    observer = _observer
    if observer is not None and count:
        observer.made(type(factory), scope, count)


def derive(target: Any, context: Context, randomness: Randomness) -> Any:
    """The maker of a parent's children for ``target``, a factory (or graph) class or
    instance.

    A class is made with the parent's ``context`` and shares its ``randomness``; a
    missing context key then names the call the caller made. An instance is adopted
    (see :func:`adopt`).
    """
    if isinstance(target, type):
        child = target(**context)
        child._pf_context = context.for_factory(target.__name__)
        # The parent's context is the child's too: its keys are checked where given.
        child._pf_given = NO_KEYS
        child._pf_randomness = randomness
        return child
    return adopt(target, context, randomness)


def adopt(target: Factory[Any], context: Context, randomness: Randomness) -> Factory[Any]:
    """A copy of the factory instance ``target`` that makes children for a parent.

    It keeps its own context, with the keys it lacks taken from the parent's
    ``context``, and its own Faker and seed, or the parent's ``randomness`` when it
    has neither; its caches start empty, as they belong to its context.
    """
    child = object.__new__(type(target))
    child.__dict__.update(target.__dict__)
    child._pf_context = target._pf_context.with_defaults(context)
    if target._pf_given:
        child._pf_context._reads = set()  # its own keys are checked as its plans are made
    own = target._pf_randomness
    if own.seed is None and own._faker is None:
        child._pf_randomness = randomness
    child._pf_plans = {}
    child._pf_raw = {}
    child._pf_children = {}
    return child


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
for _name in MAKE_METHODS:
    setattr(_FactoryType, _name, _OnClass(_name))


class Factory(Generic[M], metaclass=_FactoryType):
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

    Making one: ``UserFactory(session=db, faker=Faker("fr_FR"), seed=42)``. Keyword
    arguments other than ``faker`` and ``seed`` form its :attr:`context`.

    .. versionadded:: 0.1
    """

    #: Marks factory classes and instances for the fields, which cannot import this module.
    _pf_is_factory: ClassVar[bool] = True

    _model: ClassVar[type[Any]]
    _model_builder: ClassVar[ModelBuilder[Any] | type[ModelBuilder[Any]]] = ObjectBuilder()
    _default_schema: ClassVar[str | None] = None
    _get_or_create: ClassVar[tuple[str, ...]] = ()
    _batch_size: ClassVar[int] = 1000
    _name_mappings: ClassVar[Mapping[str, Any]] = {}
    _type_mappings: ClassVar[Mapping[Any, Any]] = {}
    _nullable_probability: ClassVar[float] = 0.0
    _abstract: ClassVar[bool] = True

    _pf_schemas: ClassVar[dict[str, tuple[_Definition, ...]]] = {}
    _pf_traits: ClassVar[dict[str, _Definition]] = {}
    _pf_hooks: ClassVar[dict[str, tuple[Callable[..., Any], ...]]] = {}
    _pf_builder: ClassVar[ModelBuilder[Any]]
    _pf_plain_build: ClassVar[bool] = True
    _pf_atomic: ClassVar[bool] = False
    _pf_relational: ClassVar[bool] = False
    _pf_relations: ClassVar[dict[str, Relation | None]] = {}
    _pf_keys: ClassVar[ModelKeys | None] = None

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
        builder_type = type(cls._pf_builder)
        # These ask whether the builder overrides a method whose base version does
        # nothing (no relations, no transaction), only to skip calling it: nothing is
        # guessed about the builder, so they need no declaration of its own.
        cls._pf_relational = builder_type.relation is not ModelBuilder.relation
        cls._pf_relations = {}
        cls._pf_keys = None
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
        size = cls._batch_size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise FactoryDefinitionError(f"{name}._batch_size must be a positive int, got {size!r}")
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
        self._pf_randomness = Randomness(faker, seed)
        self._pf_plans: dict[Any, Plan] = {}
        self._pf_raw: dict[tuple[str, str], dict[str, Any]] = {}
        self._pf_children: dict[Any, Factory[Any]] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} context={dict(self._pf_context)!r}>"

    @classmethod
    def _pf_model_keys(cls) -> ModelKeys:
        """What the model takes, read from the builder once per class."""
        keys = cls._pf_keys
        if keys is None:
            keys = cls._pf_keys = ModelKeys(cls._pf_builder, cls._model)
        return keys

    def _pf_check_given(self, schema: str, layers: list[dict[str, Any]]) -> None:
        """Refuse a context key given to this factory that is meant for the objects, as
        each plan is made: ``UserFactory(first_name="x")`` for
        ``UserFactory().build(first_name="x")``.

        Such a key names a field of the model or a key of the schema, and nothing reads
        it: not the builder (its ``context_keys``), not the schema and trait methods
        that just ran (``self.context["author_id"]``), and not the key's own field when
        that runs code of the user's (``lazy``), which may read it later.
        """
        cls = type(self)
        reads = self._pf_context._reads or ()
        builder_reads = cls._pf_builder.context_keys
        fields = cls._pf_model_keys().fields
        schema_keys: dict[str, Any] = {}
        for layer in layers:
            schema_keys.update(layer)
        for key in self._pf_given:
            if key in reads or key in builder_reads:
                continue
            if key in fields:
                what = f"a field of {cls._model.__name__}"
            elif key in schema_keys:
                what = f"a key of its schema {schema!r}"
            else:
                continue
            if may_read_context(schema_keys.get(key)):
                continue
            raise context_error(cls.__name__, key, what).within(cls.__name__, schema)

    def _pf_check_overrides(self, plan: Plan, overrides: Mapping[str, Any]) -> None:
        """Refuse an override that the model does not take, before anything is made: it
        is no field of the model, no key of the schema or its traits (transient ones
        included), no trait and no ``transient()`` of its own; a ``key__field`` key's
        head is checked as it resolves."""
        cls = type(self)
        accepted = (cls._pf_keys or cls._pf_model_keys()).accepted
        if accepted is None:
            return
        base = plan.base
        for key, value in overrides.items():
            if key not in accepted and key not in base and unchecked(key, value):
                known = [*cls._pf_model_keys().fields, *base, *cls._pf_traits]
                close = close_names(key, known)
                model = cls._model.__name__
                if close:
                    hint = f"did you mean {either(close)}?"
                else:
                    hint = f"the keys it takes are: {', '.join(sorted(set(known)))}"
                error = OverrideError(
                    f"{key!r} is not a field of {model}, a key of the schema or a trait of "
                    f"{cls.__name__}; {hint}"
                )
                raise error.within(plan.factory_name, plan.schema, key)

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
        for faker in known_fakers():
            faker.unique.clear()
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

    def _pf_child_factory(self, target: Any) -> Factory[Any]:
        """The factory that makes this one's children for an association's target.

        A class is made with this factory's context and shares its randomness; an
        instance keeps its own context, with this factory's filling the gaps.
        """
        child = self._pf_children.get(target)
        if child is None:
            child = self._pf_children[target] = derive(
                target, self._pf_context, self._pf_randomness
            )
        return child

    # ---------------------------------------------------- schemas and traits

    def _pf_evaluate(self, kind: str, name: str, index: int) -> dict[str, Any]:
        """Run the schema or trait method ``name`` as defined at ``index`` in the MRO."""
        cls = type(self)
        if kind == "schema":
            definitions = cls._pf_schemas.get(name)
            if definitions is None:
                raise UnknownSchemaError(cls.__name__, name, cls._pf_schemas)
            definition = definitions[index]
        else:
            found = cls._pf_traits.get(name)
            if found is None:
                raise UnknownTraitError(cls.__name__, name, cls._pf_traits)
            definition = found
        frames = _frames()
        frames.append(_Frame(self, kind, name, index))
        try:
            raw = definition.func(self)
        finally:
            frames.pop()
        where = f"the {kind} method {name!r}"
        if index:
            where = f"{definition.owner.__name__}'s {kind} method {name!r}"
        return check_dict(raw, where)

    def _pf_raw_dict(self, kind: str, name: str) -> dict[str, Any]:
        """The dict of a schema or trait; cached, so callers must not change it."""
        raw = self._pf_raw.get((kind, name))
        if raw is None:
            raw = self._pf_evaluate(kind, name, 0)
            table = type(self)._pf_schemas if kind == "schema" else None
            cache = table[name][0].cache if table else type(self)._pf_traits[name].cache
            if cache:
                self._pf_raw[(kind, name)] = raw
        return raw

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

    def _pf_inside_schema(self) -> bool:
        return any(f.factory is self for f in _frames())

    # --------------------------------------------------------------- planning

    def _pf_names(self, schema: str | None, traits: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """The schema to use and the traits, filling in ``_default_schema``."""
        cls = type(self)
        if schema is not None and not isinstance(schema, str):
            raise UsageError(f"{cls.__name__}: the schema name must be a string, got {schema!r}")
        for name in traits:
            if not isinstance(name, str):
                raise UsageError(f"{cls.__name__}: trait names are strings, got {name!r}")
        try:
            return split_names(schema, traits, cls._pf_schemas, cls._pf_traits, cls._default_schema)
        except NotASchema as error:
            raise UnknownSchemaError(cls.__name__, error.name, cls._pf_schemas) from None
        except NoDefaultSchema:
            raise UsageError(
                f"{cls.__name__} has no _default_schema, so name a schema: "
                f"one of {', '.join(sorted(cls._pf_schemas)) or 'none'}"
            ) from None
        except NotATrait as error:
            raise UnknownTraitError(cls.__name__, error.name, cls._pf_traits) from None

    def _pf_plan(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> tuple[Plan, dict[str, Any]]:
        """The plan for a call, and the overrides left once trait flags are taken out."""
        cls = type(self)
        if overrides and cls._pf_traits:
            flags = [k for k in overrides if k in cls._pf_traits]
            if flags:
                overrides = dict(overrides)
                chosen = list(traits)
                for flag in flags:
                    on = overrides.pop(flag)
                    if on is not True and on is not False:
                        error = OverrideError(
                            f"trait flag {flag!r} takes True or False, got {on!r}"
                        )
                        raise error.within(cls.__name__, schema or str(cls._default_schema), flag)
                    if on and flag not in chosen:
                        chosen.append(flag)
                traits = tuple(chosen)
        key = (schema, traits) if traits else schema
        try:
            plan = self._pf_plans.get(key)
        except TypeError:
            # An unhashable name: let the checks below say what is wrong with it.
            plan = None
        if plan is None:
            name, trait_names = self._pf_names(schema, traits)
            try:
                layers = [self._pf_raw_dict("schema", name)]
                applied = self._pf_trait_layers(trait_names, layers)
                auto = cls._pf_schemas[name][0].auto
                if auto:
                    # A ``key__field`` value is for the child that ``key`` makes, which
                    # the auto layer may still have to fill.
                    given = frozenset(k for layer in layers for k in layer if "__" not in k)
                    layers.insert(0, auto_layer(cls, auto, given))
            except FactoryError as error:
                if not error.steps:
                    error.within(cls.__name__, name)
                raise
            except Exception as exc:
                failure = FactoryError(f"the schema method raised {exc!r}")
                raise failure.within(cls.__name__, name) from exc
            if self._pf_given:
                self._pf_check_given(name, layers)
            plan = Plan(cls.__name__, name, trait_names, layers)
            if self._pf_cacheable(name, applied):
                self._pf_plans[key] = plan
            else:
                plan.cached = False
        if overrides:
            self._pf_check_overrides(plan, overrides)
        return plan, overrides

    def _pf_trait_layers(self, names: tuple[str, ...], layers: list[dict[str, Any]]) -> list[str]:
        """Add the dicts of traits ``names`` to ``layers``, in order, and return the names
        of every trait applied.

        A trait's key that names another trait of the factory is that trait's flag, as
        among the overrides: ``True`` applies the other trait first, so that this
        trait's own keys win over its values; ``False`` leaves it off. A trait applies
        wherever it is asked for, by the caller or by another trait, and the later
        application wins; traits that switch each other on are refused. A trait's key
        that is its own name is a plain value.
        """
        known = type(self)._pf_traits
        applied: list[str] = []

        def apply(name: str, chain: list[str]) -> None:
            if name in chain:
                cycle = [*chain[chain.index(name) :], name]
                raise CyclicDependencyError("traits", cycle, reason=_trait_cycle(cycle))
            raw = self._pf_raw_dict("trait", name)
            if not any(key in known and key != name for key in raw):
                applied.append(name)
                layers.append(raw)
                return
            own = {}
            for key, value in raw.items():
                if key not in known or key == name:
                    own[key] = value
                elif value is True:
                    apply(key, [*chain, name])
                elif value is not False:
                    raise SchemaError(
                        f"the trait method {name!r} gives {key!r}, a trait of "
                        f"{type(self).__name__}, the value {value!r}; a trait switches "
                        "another on with True, or leaves it off with False"
                    )
            applied.append(name)
            layers.append(own)

        for name in names:
            apply(name, [])
        return applied

    def _pf_cacheable(self, name: str, traits: Iterable[str]) -> bool:
        cls = type(self)
        return cls._pf_schemas[name][0].cache and all(cls._pf_traits[t].cache for t in traits)

    # -------------------------------------------------------------- realizing

    def _pf_one(
        self,
        scope: str,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
    ) -> Any:
        """Make one object in ``scope``; the heart of every synchronous method."""
        plan = (
            None if traits or overrides or type(schema) is not str else self._pf_plans.get(schema)
        )
        if plan is None:
            plan, overrides = self._pf_plan(schema, traits, overrides)
        later: list[Later] = []
        if plan.simple and not overrides:
            built = values = plan.base.copy()
        else:
            built, values, later = Resolution.run(self, plan, scope, overrides)
        if scope == "attributes":
            if _observer is not None:
                _made(self, scope, 1)
            return built
        cls = type(self)
        if scope == "build":
            try:
                if cls._pf_plain_build:
                    obj = cls._model(**built)
                else:
                    obj = cls._pf_builder.build(cls._model, built, self._pf_context)
            except Exception as exc:
                error = self._pf_builder_error(plan, scope, built, exc)
                raise error from error.__cause__
        else:
            obj, found = self._pf_build(plan, scope, built)
            if found:
                # An existing row is returned as it is: no new children, no hooks.
                return obj
        if later:
            self._pf_make_later(plan, obj, values, later, scope)
        hooks = cls._pf_hooks.get(scope)
        if hooks:
            self._pf_run_hooks(plan, scope, hooks, obj, values)
        if _observer is not None:
            _made(self, scope, 1)
        return obj

    def _pf_later_child(self, item: Later, obj: Any) -> tuple[Factory[Any], dict[str, Any]]:
        """The child factory and the overrides of one later field's rows."""
        field = item.field
        child = self._pf_child_factory(field.factory)
        overrides = {**field.overrides, **item.extra} if item.extra else dict(field.overrides)
        back = item.relation.back
        if item.relation.kind == "children" and back is not None:
            overrides.update(back(obj))
        return child, overrides

    def _pf_later_enter(
        self, plan: Plan, item: Later, child: Factory[Any], overrides: dict[str, Any]
    ) -> Token[Link | None]:
        """Put the object on the chain of objects being made while its later rows are
        made: a cycle through them is refused before they are (see ``chain``)."""
        field = item.field
        sure = always_makes(field, field)
        return enter(
            self,
            plan,
            item.made_with,
            item.key,
            sure,
            child,
            field.schema,
            field.traits,
            overrides,
        )

    def _pf_later_calls(
        self, item: Later, obj: Any
    ) -> tuple[Factory[Any], dict[str, Any], list[str]]:
        """The child factory, the overrides and the path labels of one later field's rows."""
        field = item.field
        child, overrides = self._pf_later_child(item, obj)
        if isinstance(field, ManyField):
            labels = [f"{item.key}[{i}]" for i in range(field.size_from(self.random))]
        else:
            labels = [item.key]
        return child, overrides, labels

    def _pf_link(
        self, plan: Plan, obj: Any, values: dict[str, Any], item: Later, made: list[Any]
    ) -> None:
        try:
            type(self)._pf_builder.link(obj, item.key, made, self._pf_context)
        except Exception as exc:
            error = self._pf_builder_error(plan, "link", {item.key: made}, exc)
            raise error from error.__cause__
        values[item.key] = made if isinstance(item.field, ManyField) else made[0]

    def _pf_make_later(
        self,
        plan: Plan,
        obj: Any,
        values: dict[str, Any],
        later: list[Later],
        scope: str = "create",
    ) -> None:
        """Make the rows that point at ``obj`` (or meet it in a link table), now that it
        exists, and link them to it; under ``build``, the same objects, unsaved."""
        for item in later:
            child, overrides, labels = self._pf_later_calls(item, obj)
            made = []
            for label in labels:
                try:
                    token = self._pf_later_enter(plan, item, child, overrides)
                    try:
                        made.append(
                            child._pf_one(scope, item.field.schema, item.field.traits, overrides)
                        )
                    finally:
                        leave(token)
                except FactoryError as error:
                    raise error.within(plan.factory_name, plan.schema, label) from error.__cause__
            self._pf_link(plan, obj, values, item, made)

    def _pf_later_pending(
        self, plan: Plan, batch: Batch, items: list[LaterRow]
    ) -> list[tuple[Any, dict[str, Any], Later, list[Pending]]]:
        found = []
        for obj, values, later, origin in items:
            for item in later:
                child, overrides, labels = self._pf_later_calls(item, obj)
                field = item.field
                pendings = [
                    child._pf_defer(
                        batch,
                        Origin(plan.factory_name, plan.schema, label, 1, origin),
                        field.schema,
                        field.traits,
                        overrides,
                    )
                    for label in labels
                ]
                found.append((obj, values, item, pendings))
        return found

    def _pf_later_many_enter(self, plan: Plan, items: list[LaterRow]) -> Token[Link | None]:
        """:meth:`_pf_later_enter` for the rows of a batch, which share one plan: their
        first row's fields are checked, and the batch stands on the chain as one object."""
        obj, _, later, origin = items[0]
        tokens: list[Token[Link | None]] = []
        try:
            for item in later:
                child, overrides = self._pf_later_child(item, obj)
                tokens.append(self._pf_later_enter(plan, item, child, overrides))
        except FactoryError as error:
            for token in reversed(tokens):
                leave(token)
            error = error.within(plan.factory_name, plan.schema, later[len(tokens)].key)
            raise (origin.frame(error) if origin is not None else error) from error.__cause__
        for token in reversed(tokens[1:]):
            leave(token)
        return tokens[0]

    def _pf_make_later_many(self, plan: Plan, items: list[LaterRow]) -> None:
        """:meth:`_pf_make_later` for a whole batch: each table of rows in one write."""
        token = self._pf_later_many_enter(plan, items)
        try:
            batch = Batch()
            found = self._pf_later_pending(plan, batch, items)
            batch.flush()
            for obj, values, item, pendings in found:
                self._pf_link(plan, obj, values, item, [p.result() for p in pendings])
        finally:
            leave(token)

    async def _pf_amake_later_many(self, plan: Plan, items: list[LaterRow]) -> None:
        """:meth:`_pf_make_later_many` for ``acreate_batch``."""
        token = self._pf_later_many_enter(plan, items)
        try:
            batch = Batch()
            found = self._pf_later_pending(plan, batch, items)
            await batch.aflush()
            for obj, values, item, pendings in found:
                self._pf_link(plan, obj, values, item, [await p.aresult() for p in pendings])
        finally:
            leave(token)

    def _pf_defer(
        self,
        batch: Batch,
        origin: Origin,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
    ) -> Any:
        """Resolve a child's attributes for a batch and leave its row to be written later."""
        if self._get_or_create:
            # Finding an existing row needs a query per child: no bulk write for these.
            return self._pf_one("create", schema, traits, overrides)
        plan, overrides = self._pf_plan(schema, traits, overrides)
        if plan.simple and not overrides:
            return self._pf_pending(batch, origin, plan, plan.base.copy(), None, [])
        before = batch.added
        built, values, later = Resolution.run(self, plan, "create", overrides, batch, origin)
        pending = self._pf_pending(batch, origin, plan, built, values, later)
        pending.nested = batch.added != before + 1
        return pending

    async def _pf_adefer(
        self,
        batch: Batch,
        origin: Origin,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
    ) -> Any:
        """:meth:`_pf_defer` for ``acreate_batch``."""
        if self._get_or_create:
            return await self._pf_aone(schema, traits, overrides)
        plan, overrides = self._pf_plan(schema, traits, overrides)
        if plan.simple and not overrides:
            return self._pf_pending(batch, origin, plan, plan.base.copy(), None, [])
        resolution = Resolution(self, plan, "create", True, overrides)
        resolution.batch = batch
        resolution.origin = origin
        resolution.depth = origin.depth
        before = batch.added
        await resolution.aresolve()
        built, values = resolution.finish()
        pending = self._pf_pending(batch, origin, plan, built, values, resolution.later)
        pending.nested = batch.added != before + 1
        return pending

    def _pf_pending(
        self,
        batch: Batch,
        origin: Origin,
        plan: Plan,
        built: dict[str, Any],
        values: dict[str, Any] | None,
        later: list[Later],
    ) -> Pending:
        pending = Pending(self, plan, built, built if values is None else values, later, origin)
        batch.add(pending)
        return pending

    def _pf_pending_rows(self, pendings: list[Pending]) -> tuple[Plan, list[dict[str, Any]]]:
        return pendings[0].plan, [pending.built for pending in pendings]

    def _pf_pending_made(self, pendings: list[Pending], objs: list[Any]) -> list[LaterRow]:
        """Record the objects written for pending children; their fields to make next."""
        for pending, obj in zip(pendings, objs, strict=True):
            pending.obj = obj
        return [(p.obj, p.values, p.later, p.origin) for p in pendings if p.later]

    def _pf_create_pending(self, pendings: list[Pending]) -> None:
        """Write the rows of pending children of one plan in one ``create_many`` call."""
        for pending in pendings:
            if pending.nested:
                settle_row(pending.built)
                # Often the same dict: settled once, its children are not walked again.
                if pending.values is not pending.built:
                    settle_row(pending.values)
        plan, rows = self._pf_pending_rows(pendings)
        try:
            objs = self._pf_create_rows(plan, rows)
        except FactoryError as error:
            error = _child_row_error(pendings, error)
            raise error from error.__cause__
        later = self._pf_pending_made(pendings, objs)
        if later:
            self._pf_make_later_many(plan, later)
        hooks = type(self)._pf_hooks.get("create")
        if hooks:
            for pending in pendings:
                self._pf_run_hooks(plan, "create", hooks, pending.obj, pending.values)
        _made(self, "create", len(pendings))

    async def _pf_acreate_pending(self, pendings: list[Pending]) -> None:
        """:meth:`_pf_create_pending` for ``acreate_batch``."""
        for pending in pendings:
            if pending.nested:
                await asettle_row(pending.built)
                if pending.values is not pending.built:
                    await asettle_row(pending.values)
        plan, rows = self._pf_pending_rows(pendings)
        try:
            objs = await self._pf_acreate_rows(plan, rows)
        except FactoryError as error:
            error = _child_row_error(pendings, error)
            raise error from error.__cause__
        later = self._pf_pending_made(pendings, objs)
        if later:
            await self._pf_amake_later_many(plan, later)
        for pending in pendings:
            await self._pf_arun_hooks(plan, pending.obj, pending.values)
        _made(self, "create", len(pendings))

    def _pf_create_rows(self, plan: Plan, rows: list[dict[str, Any]]) -> list[Any]:
        """The builder's ``create_many`` for finished rows, its errors with their path."""
        cls = type(self)
        try:
            objs = cls._pf_builder.create_many(cls._model, rows, self._pf_context)
        except Exception as exc:
            error = self._pf_rows_error(plan, "create_many", exc, rows)
            raise error from error.__cause__
        self._pf_check_count(plan, "create_many", objs, rows)
        return objs

    def _pf_insert_rows(self, plan: Plan, rows: list[dict[str, Any]]) -> int:
        """The builder's ``insert_many`` for finished rows, its errors with their path."""
        cls = type(self)
        try:
            return cls._pf_builder.insert_many(cls._model, rows, self._pf_context)
        except Exception as exc:
            error = self._pf_rows_error(plan, "insert_many", exc, rows)
            raise error from error.__cause__

    async def _pf_ainsert_rows(self, plan: Plan, rows: list[dict[str, Any]]) -> int:
        """:meth:`_pf_insert_rows` for ``ainsert_batch``."""
        cls = type(self)
        try:
            return await cls._pf_builder.ainsert_many(cls._model, rows, self._pf_context)
        except Exception as exc:
            error = self._pf_rows_error(plan, "ainsert_many", exc, rows)
            raise error from error.__cause__

    async def _pf_acreate_rows(self, plan: Plan, rows: list[dict[str, Any]]) -> list[Any]:
        """:meth:`_pf_create_rows` for ``acreate_batch``."""
        cls = type(self)
        try:
            objs = await cls._pf_builder.acreate_many(cls._model, rows, self._pf_context)
        except Exception as exc:
            error = self._pf_rows_error(plan, "acreate_many", exc, rows)
            raise error from error.__cause__
        self._pf_check_count(plan, "acreate_many", objs, rows)
        return objs

    async def _pf_amake_later(
        self, plan: Plan, obj: Any, values: dict[str, Any], later: list[Later]
    ) -> None:
        """:meth:`_pf_make_later` for ``acreate``."""
        for item in later:
            child, overrides, labels = self._pf_later_calls(item, obj)
            made = []
            for label in labels:
                try:
                    token = self._pf_later_enter(plan, item, child, overrides)
                    try:
                        made.append(
                            await child._pf_aone(item.field.schema, item.field.traits, overrides)
                        )
                    finally:
                        leave(token)
                except FactoryError as error:
                    raise error.within(plan.factory_name, plan.schema, label) from error.__cause__
            self._pf_link(plan, obj, values, item, made)

    def _pf_build(self, plan: Plan, scope: str, built: dict[str, Any]) -> tuple[Any, bool]:
        """Create one object, or find it when ``_get_or_create`` names fields; and whether
        it was found."""
        builder = type(self)._pf_builder
        model = type(self)._model
        try:
            if self._get_or_create:
                existing = builder.get(model, self._pf_lookup(plan, built), self._pf_context)
                if existing is not None:
                    return existing, True
            return builder.create(model, built, self._pf_context), False
        except Exception as exc:
            error = self._pf_builder_error(plan, scope, built, exc)
            raise error from error.__cause__

    def _pf_lookup(self, plan: Plan, built: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in self._get_or_create if k not in built]
        if missing:
            raise FactoryDefinitionError(
                f"_get_or_create names {', '.join(map(repr, missing))}, which the schema "
                "does not give"
            ).within(plan.factory_name, plan.schema)
        return {k: built[k] for k in self._get_or_create}

    def _pf_builder_error(
        self,
        plan: Plan,
        scope: str,
        built: Mapping[str, Any],
        exc: Exception,
        rows: list[dict[str, Any]] | None = None,
    ) -> FactoryError:
        if isinstance(exc, FactoryError):
            if not exc.steps:
                exc.within(plan.factory_name, plan.schema)
            return exc
        builder = type(self)._pf_builder
        model = type(self)._model
        method = scope if rows is None else f"{scope}_many"
        error = BuilderError(
            f"{type(builder).__name__}.{method}({model.__name__}) raised {exc!r}",
            attributes=built,
            rows=rows,
        )
        error.__cause__ = exc
        return error.within(plan.factory_name, plan.schema)

    def _pf_rows_error(
        self, plan: Plan, method: str, exc: Exception, rows: list[dict[str, Any]]
    ) -> FactoryError:
        """The error of the builder's write of many rows: the row that failed, when the
        builder says which (:attr:`BuilderError.index`), else the first. The batch call
        that wrote them completes the message (:func:`_name_the_call`)."""
        index = exc.index if isinstance(exc, BuilderError) else None
        if isinstance(exc, FactoryError) and index is None:
            return self._pf_builder_error(plan, method, rows[0], exc, rows)
        cause = exc.__cause__ if isinstance(exc, BuilderError) else exc
        builder = type(type(self)._pf_builder).__name__
        error = BuilderError(
            f"{builder}.{method}({type(self)._model.__name__}) raised {cause!r}",
            attributes=rows[0 if index is None else index],
            rows=rows,
            index=index,
        )
        error.__cause__ = cause
        # Where the row is in the whole batch (the chunk adds its start), and whether it
        # is one of the batch's own rows rather than a child's.
        error._pf_failed = [index, True]  # type: ignore[attr-defined]
        return error.within(plan.factory_name, plan.schema)

    def _pf_check_count(
        self, plan: Plan, method: str, made: list[Any], rows: list[dict[str, Any]]
    ) -> None:
        if len(made) != len(rows):
            builder = type(type(self)._pf_builder).__name__
            error = BuilderError(
                f"{builder}.{method}() returned {len(made)} objects for {len(rows)} rows",
                attributes={},
            )
            raise error.within(plan.factory_name, plan.schema)

    def _pf_run_hooks(
        self,
        plan: Plan,
        scope: str,
        hooks: tuple[Callable[..., Any], ...],
        obj: Any,
        values: dict[str, Any],
    ) -> None:
        attrs = types.MappingProxyType(values)
        for hook in hooks:
            try:
                result = hook(self, obj, attrs)
            except Exception as exc:
                error = self._pf_hook_error(plan, scope, hook, exc)
                raise error from error.__cause__
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                error = AsyncModeError(
                    f"after-{scope} hook {hook.__name__} returned an awaitable, which only "
                    "acreate() and acreate_batch() await; call one of those"
                )
                raise error.within(plan.factory_name, plan.schema)

    def _pf_hook_error(
        self, plan: Plan, scope: str, hook: Callable[..., Any], exc: Exception
    ) -> FactoryError:
        if isinstance(exc, FactoryError):
            return exc.within(plan.factory_name, plan.schema)
        error = HookError(f"after-{scope} hook {hook.__name__} raised {exc!r}")
        error.__cause__ = exc
        return error.within(plan.factory_name, plan.schema)

    def _pf_batch(
        self,
        scope: str,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        keep: bool = True,
    ) -> list[Any]:
        size = type(self)._batch_size
        made: list[Any] = []
        with _MemoryGuard() as guard:
            guard.hold(count)
            # Chunks keep the resolved rows and placeholders of one chunk in memory at a
            # time; the whole call is still one transaction.
            for start, chunk in _chunks(count, size):
                try:
                    objs = self._pf_chunk(scope, schema, chunk, traits, overrides, keep)
                except BuilderError as error:
                    _after_chunk_start(error, start)
                    raise
                if keep:
                    made.extend(objs)
            return made
        # Out of memory (the guard let go of the traceback): see _MemoryGuard.
        made.clear()
        raise self._pf_out_of_memory(batch_method(scope, keep), schema, count)

    def _pf_batch_schema(self, schema: str | None) -> str | None:
        """The schema a batch call names, for a message: the default when it names none."""
        cls = type(self)
        if isinstance(schema, str) and schema in cls._pf_schemas:
            return schema
        return cls._default_schema

    def _pf_out_of_memory(self, method: str, schema: str | None, count: int) -> FactoryError:
        name = self._pf_batch_schema(schema)
        return batch_out_of_memory(type(self).__name__, name, method, count)

    def _pf_chunk(
        self,
        scope: str,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        keep: bool = True,
    ) -> list[Any]:
        """One chunk of a batch; with ``keep`` false, the rows may be written without
        making objects (nothing needs them: no hooks, no rows made after them)."""
        plan, rows, everything, laters = self._pf_resolve_rows(
            scope, schema, count, traits, overrides
        )
        if scope == "attributes":
            _made(self, scope, len(rows))
            return rows
        cls = type(self)
        found: set[int] = set()
        if scope == "build":
            objs = []
            for row in rows:
                try:
                    objs.append(cls._pf_builder.build(cls._model, row, self._pf_context))
                except Exception as exc:
                    error = self._pf_builder_error(plan, scope, row, exc)
                    raise error from error.__cause__
        elif self._get_or_create:
            objs = []
            for index, row in enumerate(rows):
                obj, existed = self._pf_build(plan, scope, row)
                objs.append(obj)
                if existed:
                    # An existing row is returned as it is: no new children, no hooks.
                    found.add(index)
                    laters.pop(index, None)
        elif not keep and not laters and not cls._pf_hooks.get(scope):
            written = self._pf_insert_rows(plan, rows) if rows else 0
            _made(self, scope, written)
            return []
        else:
            objs = self._pf_create_rows(plan, rows) if rows else []
        if laters and scope == "create":
            self._pf_make_later_many(
                plan, [(objs[i], everything[i], later, None) for i, later in laters.items()]
            )
        elif laters:
            for index, later in laters.items():
                self._pf_make_later(plan, objs[index], everything[index], later, scope)
        hooks = cls._pf_hooks.get(scope)
        if hooks:
            for index, (obj, values) in enumerate(zip(objs, everything, strict=True)):
                if index not in found:
                    self._pf_run_hooks(plan, scope, hooks, obj, values)
        _made(self, scope, len(objs) - len(found))
        return objs

    def _pf_resolve_rows(
        self,
        scope: str,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
    ) -> tuple[Plan, list[dict[str, Any]], list[dict[str, Any]], dict[int, list[Later]]]:
        """Resolve the rows of a batch: the plan, what the builder gets, every value, and
        the fields to make once each object exists (by row)."""
        given = overrides
        plan, overrides = self._pf_plan(schema, traits, given)
        if overrides and plan.cached:
            # The same overrides for every object: merge them into the plan once.
            plan, overrides = plan.with_overrides(overrides), {}
        laters: dict[int, list[Later]] = {}
        if plan.simple and not overrides and plan.cached:
            rows = [plan.base.copy() for _ in range(count)]
            return plan, rows, rows, laters
        # Children of created rows wait and are written in bulk, a level at a time.
        batch = Batch() if scope == "create" and not self._get_or_create else None
        rows = []
        everything = []
        waiting = []  # the rows that hold placeholders
        for index in range(count):
            if index and not plan.cached:
                plan, overrides = self._pf_plan(schema, traits, given)
            before = batch.added if batch is not None else 0
            built, values, later = Resolution.run(self, plan, scope, overrides, batch)
            rows.append(built)
            everything.append(values)
            if later:
                laters[index] = later
            if batch is not None and batch.added != before:
                waiting.append(index)
        if batch is not None and batch.groups:
            batch.flush()
            # Children only come from special fields, unless overrides vary by row.
            keys = plan.specials if plan.cached and not overrides else None
            for index in waiting:
                settle_row(rows[index], keys)
                if everything[index] is not rows[index]:
                    settle_row(everything[index], keys)
        return plan, rows, everything, laters

    async def _pf_aone(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> Any:
        """:meth:`_pf_one` for ``acreate``: fields, children and hooks are awaited."""
        plan, overrides = self._pf_plan(schema, traits, overrides)
        built, values, later = await self._pf_aresolve(plan, overrides)
        return await self._pf_acreate_row(plan, built, values, later)

    async def _pf_acreate_row(
        self, plan: Plan, built: dict[str, Any], values: dict[str, Any], later: list[Later]
    ) -> Any:
        cls = type(self)
        builder = cls._pf_builder
        try:
            if self._get_or_create:
                lookup = self._pf_lookup(plan, built)
                existing = await builder.aget(cls._model, lookup, self._pf_context)
                if existing is not None:
                    return existing
            obj = await builder.acreate(cls._model, built, self._pf_context)
        except Exception as exc:
            error = self._pf_builder_error(plan, "acreate", built, exc)
            raise error from error.__cause__
        if later:
            await self._pf_amake_later(plan, obj, values, later)
        await self._pf_arun_hooks(plan, obj, values)
        if _observer is not None:
            _made(self, "create", 1)
        return obj

    async def _pf_aresolve(
        self, plan: Plan, overrides: dict[str, Any], batch: Batch | None = None
    ) -> tuple[dict[str, Any], dict[str, Any], list[Later]]:
        if plan.simple and not overrides:
            values = plan.base.copy()
            return values, values, []
        resolution = Resolution(self, plan, "create", True, overrides)
        resolution.batch = batch
        await resolution.aresolve()
        built, values = resolution.finish()
        return built, values, resolution.later

    async def _pf_arun_hooks(self, plan: Plan, obj: Any, values: dict[str, Any]) -> None:
        hooks = type(self)._pf_hooks.get("create")
        if not hooks:
            return
        attrs = types.MappingProxyType(values)
        for hook in hooks:
            try:
                result = hook(self, obj, attrs)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                error = self._pf_hook_error(plan, "create", hook, exc)
                raise error from error.__cause__

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
        if _observer is not None:
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
        if _observer is not None:
            with _Timed(self, "build", 1):
                return cast("M", self._pf_one("build", schema, traits, overrides))
        return cast("M", self._pf_one("build", schema, traits, overrides))

    def create(self, schema: str | None = None, /, *traits: str, **overrides: Any) -> M:
        """A model instance persisted by the builder; arguments as for :meth:`build`.

        The whole call, children included, runs inside the builder's
        :meth:`~pyfactory.builders.ModelBuilder.transaction`, so a failure part way
        leaves nothing of it behind where the builder has transactions.
        """
        if _observer is not None:
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
        if _observer is not None:
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

    def _pf_batch_args(
        self, method: str, args: tuple[Any, ...]
    ) -> tuple[str | None, int, tuple[str, ...]]:
        if args and isinstance(args[0], int) and not isinstance(args[0], bool):
            schema, count, traits = None, args[0], args[1:]
        elif len(args) >= 2:
            schema, count, traits = args[0], args[1], args[2:]
        else:
            raise UsageError(
                f"{type(self).__name__}.{method}() takes (schema, count, *traits), "
                f"or (count, *traits) with a _default_schema; got {args!r}"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise UsageError(
                f"{type(self).__name__}.{method}() count must be a non-negative int, got {count!r}"
            )
        if count > MAX_BATCH and not method.endswith("insert_batch"):
            name = self._pf_batch_schema(schema)
            raise batch_too_large(type(self).__name__, name, method, count)
        return schema, count, traits

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
        if _observer is not None:
            with _Timed(self, "attributes", count):
                return self._pf_batch("attributes", schema, count, traits, overrides)
        return self._pf_batch("attributes", schema, count, traits, overrides)

    @overload
    def build_batch(self, count: int, /, *traits: str, **overrides: Any) -> list[M]: ...
    @overload
    def build_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[M]: ...
    def build_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[M]:
        """``count`` built instances: ``build_batch("basic", 10, last_name="X")``."""
        schema, count, traits = self._pf_batch_args("build_batch", (first, *args))
        if _observer is not None:
            with _Timed(self, "build", count):
                return self._pf_batch("build", schema, count, traits, overrides)
        return self._pf_batch("build", schema, count, traits, overrides)

    @overload
    def create_batch(self, count: int, /, *traits: str, **overrides: Any) -> list[M]: ...
    @overload
    def create_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[M]: ...
    def create_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[M]:
        """``count`` created instances, handed to the builder's ``create_many`` in one call."""
        schema, count, traits = self._pf_batch_args("create_batch", (first, *args))
        if _observer is not None:
            with _Timed(self, "create", count):
                return self._pf_create_batch(schema, count, traits, overrides)
        return self._pf_create_batch(schema, count, traits, overrides)

    def _pf_create_batch(
        self,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        keep: bool = True,
    ) -> list[M]:
        cls = type(self)
        try:
            if cls._pf_atomic:
                with cls._pf_builder.transaction(self._pf_context):
                    return self._pf_batch("create", schema, count, traits, overrides, keep)
            return self._pf_batch("create", schema, count, traits, overrides, keep)
        except BuilderError as error:
            _name_the_call(error, "create_batch" if keep else "insert_batch")
            raise

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
            The number of rows written: ``count``.

        .. versionadded:: 0.1
        """
        schema, count, traits = self._pf_batch_args("insert_batch", (first, *args))
        if _observer is not None:
            with _Timed(self, "create", count):
                self._pf_create_batch(schema, count, traits, overrides, keep=False)
                return count
        self._pf_create_batch(schema, count, traits, overrides, keep=False)
        return count

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
        if _observer is not None:
            with _Timed(self, "create", count):
                await self._pf_acreate_batch(schema, count, traits, overrides, keep=False)
                return count
        await self._pf_acreate_batch(schema, count, traits, overrides, keep=False)
        return count

    @overload
    async def acreate_batch(self, count: int, /, *traits: str, **overrides: Any) -> list[M]: ...
    @overload
    async def acreate_batch(
        self, schema: str, count: int, /, *traits: str, **overrides: Any
    ) -> list[M]: ...
    async def acreate_batch(self, first: Any, /, *args: Any, **overrides: Any) -> list[M]:
        """:meth:`create_batch`, awaiting fields, children, ``acreate_many`` and hooks."""
        schema, count, traits = self._pf_batch_args("acreate_batch", (first, *args))
        if _observer is not None:
            with _Timed(self, "create", count):
                return await self._pf_acreate_batch(schema, count, traits, overrides)
        return await self._pf_acreate_batch(schema, count, traits, overrides)

    async def _pf_acreate_batch(
        self,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        keep: bool = True,
    ) -> list[M]:
        cls = type(self)
        try:
            if cls._pf_atomic:
                async with cls._pf_builder.atransaction(self._pf_context):
                    return await self._pf_abatch(schema, count, traits, overrides, keep)
            return await self._pf_abatch(schema, count, traits, overrides, keep)
        except BuilderError as error:
            _name_the_call(error, "acreate_batch" if keep else "ainsert_batch")
            raise

    async def _pf_abatch(
        self,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        keep: bool = True,
    ) -> list[M]:
        size = type(self)._batch_size
        made: list[M] = []
        with _MemoryGuard() as guard:
            guard.hold(count)
            for start, chunk in _chunks(count, size):
                try:
                    objs = await self._pf_achunk(schema, chunk, traits, overrides, keep)
                except BuilderError as error:
                    _after_chunk_start(error, start)
                    raise
                if keep:
                    made.extend(objs)
            return made
        made.clear()
        raise self._pf_out_of_memory(batch_method("create", keep, True), schema, count)

    async def _pf_achunk(
        self,
        schema: str | None,
        count: int,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        keep: bool = True,
    ) -> list[M]:
        given = overrides
        plan, overrides = self._pf_plan(schema, traits, given)
        if overrides and plan.cached:
            plan, overrides = plan.with_overrides(overrides), {}
        rows = []
        everything = []
        laters = []
        batch = None if self._get_or_create else Batch()
        waiting = []  # the rows that hold placeholders
        for index in range(count):
            if index and not plan.cached:
                plan, overrides = self._pf_plan(schema, traits, given)
            before = batch.added if batch is not None else 0
            built, values, later = await self._pf_aresolve(plan, overrides, batch)
            rows.append(built)
            everything.append(values)
            laters.append(later)
            if batch is not None and batch.added != before:
                waiting.append(index)
        if batch is not None and batch.groups:
            await batch.aflush()
            for index in waiting:
                await asettle_row(rows[index])
                if everything[index] is not rows[index]:
                    await asettle_row(everything[index])
        if self._get_or_create:
            return [
                await self._pf_acreate_row(plan, b, v, later)
                for b, v, later in zip(rows, everything, laters, strict=True)
            ]
        if not keep and not any(laters) and not type(self)._pf_hooks.get("create"):
            written = await self._pf_ainsert_rows(plan, rows) if rows else 0
            _made(self, "create", written)
            return []
        made = await self._pf_acreate_rows(plan, rows) if rows else []
        items: list[LaterRow] = [
            (obj, values, later, None)
            for obj, values, later in zip(made, everything, laters, strict=True)
            if later
        ]
        if items:
            await self._pf_amake_later_many(plan, items)
        for obj, values in zip(made, everything, strict=True):
            await self._pf_arun_hooks(plan, obj, values)
        _made(self, "create", len(made))
        return cast("list[M]", made)


def _child_row_error(pendings: list[Pending], error: FactoryError) -> FactoryError:
    """A batch's error from writing the rows of pending children, its path down to the
    child whose row failed (to the first child's, when the builder cannot tell)."""
    failed = getattr(error, "_pf_failed", None)
    index = error.index if isinstance(error, BuilderError) else None
    if failed is not None:
        failed[1] = False  # a child's row: its path says which
    return pendings[index or 0].origin.frame(error)


def _after_chunk_start(error: BuilderError, start: int) -> None:
    """Count a failing row of a chunk of the batch's own rows from the batch's start."""
    failed = getattr(error, "_pf_failed", None)
    if failed is not None and failed[1] and failed[0] is not None:
        failed[0] += start


_values_repr = reprlib.Repr()
_values_repr.maxstring = 80
_values_repr.maxother = 80
_values_repr.maxdict = 12
_values_repr.maxlist = 6
_values_repr.maxlevel = 3


def _name_the_call(error: BuilderError, call: str) -> None:
    """Complete the message of a failed bulk write: the batch call, the failing row's
    place in it and its values (long ones cut short)."""
    failed = error.__dict__.pop("_pf_failed", None)
    if failed is None:
        return
    position, own = failed
    values = _values_repr.repr(error.attributes)
    if error.index is None:
        where = (
            f"{call}() failed on one of {len(error.rows):,} rows written together (the "
            f"builder does not say which): {error.reason}; the first row: {values}"
        )
    elif own:
        where = (
            f"{call}() failed on row {position} (the {_ordinal(position + 1)} row): "
            f"{error.reason}; the row: {values}"
        )
    else:
        where = (
            f"{call}() failed on this row, the {_ordinal(error.index + 1)} of "
            f"{len(error.rows):,} {error.factory} rows written together: {error.reason}; "
            f"the row: {values}"
        )
    error.reason = where
    error.args = (where,)


def _ordinal(n: int) -> str:
    """``7,777th``, ``1st``, ``22nd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


#: Memory kept back while a large batch runs and let go of if it runs out, so that the
#: rollback of what it wrote, and the error, still find room. An anonymous mapping
#: whose pages are never touched costs address space, not memory (about 10 µs).
_RESERVE_BYTES = 16 * 2**20


class _MemoryGuard:
    """Around a batch's body, which starts with :meth:`hold`: swallows a MemoryError, so
    that the code after the ``with`` block raises the batch's own error once the
    traceback, and with it the rows being made, is let go of and the reserve is free
    again for the rollback."""

    __slots__ = ("reserve",)

    def __init__(self) -> None:
        self.reserve: mmap.mmap | None = None

    def __enter__(self) -> _MemoryGuard:
        return self

    def hold(self, count: int) -> None:
        """Hold :data:`_RESERVE_BYTES` back for a batch of more than 10,000 objects."""
        if count > 10_000:
            try:
                self.reserve = mmap.mmap(-1, _RESERVE_BYTES)
            except OSError as error:  # ENOMEM: too little left even to start the batch
                raise MemoryError(str(error)) from None

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        if self.reserve is not None:
            self.reserve.close()
        return kind is not None and issubclass(kind, MemoryError)


def _chunks(count: int, size: int) -> Iterator[tuple[int, int]]:
    """``(start, length)`` of each chunk of ``size`` rows in a batch of ``count``."""
    for start in range(0, count, size):
        yield start, min(size, count - start)


def _trait_cycle(cycle: list[str]) -> str:
    return (
        f"traits switch each other on: {' → '.join(cycle)}; "
        "a trait may switch on another only if that one does not lead back to it"
    )


def _generic_model(cls: type[Factory[Any]]) -> type[Any] | None:
    """The class named by a factory's own generic parameter (``Factory[User]``), or None
    where its bases name none, ``Any``, a type variable or a string (a generic base)."""
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        if isinstance(origin, type) and issubclass(origin, Factory):
            args = get_args(base)
            # typing.Any is a class from Python 3.11 on, but names no model.
            if args and isinstance(args[0], type) and args[0] is not Any:
                return args[0]
    return None


def _builder_of(cls: type[Factory[Any]]) -> ModelBuilder[Any]:
    builder = cls.__dict__.get("_model_builder", None)
    if builder is None:
        inherited: ModelBuilder[Any] = getattr(cls, "_pf_builder", ObjectBuilder())
        return inherited
    if isinstance(builder, type):
        if not issubclass(builder, ModelBuilder):
            raise FactoryDefinitionError(
                f"{cls.__name__}._model_builder must be a ModelBuilder, got {builder!r}"
            )
        return builder()
    if not isinstance(builder, ModelBuilder):
        raise FactoryDefinitionError(
            f"{cls.__name__}._model_builder must be a ModelBuilder, got {builder!r}"
        )
    return builder


# ------------------------------------------------------------------ checking


@attrs.frozen
class CheckFailure:
    """One call that :func:`check` found to fail.

    Attributes:
        factory: The factory class.
        schema: The schema built.
        traits: The trait applied over it, if any (none or one).
        error: What the call raised; a :class:`~pyfactory.FactoryError` carries the
            path to where it happened.
        seed: The seed the factory was made with, so the call can be replayed.
    """

    factory: type[Factory[Any]]
    schema: str
    traits: tuple[str, ...]
    error: Exception
    seed: int

    @property
    def call(self) -> str:
        """The call that fails, to replay it: ``UserFactory(seed=0).build('basic', 'admin')``."""
        names = ", ".join(repr(name) for name in (self.schema, *self.traits))
        return f"{self.factory.__qualname__}(seed={self.seed}).build({names})"

    def __str__(self) -> str:
        return f"{self.call}: {type(self.error).__name__}: {self.error}"


def check(*factories: type[Factory[Any]], seed: int = 0, **context: Any) -> list[CheckFailure]:
    """Build every schema of each factory alone, then with each of its traits, and
    return the calls that fail; an empty list when all of them work.

    Each call is ``Factory(seed=seed, **context).build(schema, trait)`` on a new
    factory: build scope, so nothing is written and no database is needed, but
    everything short of writing runs -- every field, the associations (built), the
    rows that point back at the object, the model's own constructor and its
    validation, and the ``@after("build")`` hooks. Sequence counters and the
    unique values (auto-filled, and ``fake(..., unique=True)``) are as they were
    afterwards, so checking does not change the data that the tests then make.

    Args:
        *factories: Factory classes, none of them abstract.
        seed: The seed of each factory made, so that a failure replays.
        **context: The context to make each factory with.

    Raises:
        UsageError: A factory is not a Factory subclass, or is abstract.

    .. versionadded:: 0.1
    """
    for factory in factories:
        if not (isinstance(factory, type) and issubclass(factory, Factory)):
            raise UsageError(f"check() takes Factory subclasses, not {factory!r}")
        if factory._abstract:
            raise UsageError(
                f"check(): {factory.__qualname__} is abstract (_abstract = True); "
                "check the factories that subclass it"
            )
    failures = []
    with _state_kept():
        for factory in factories:
            for name in factory._pf_schemas:
                for traits in [(), *((trait,) for trait in factory._pf_traits)]:
                    made = factory(seed=seed, **context)
                    try:
                        made.build(name, *traits)
                    except Exception as error:
                        failures.append(CheckFailure(factory, name, traits, error, seed))
    return failures


@contextmanager
def _state_kept() -> Iterator[None]:
    """Put back the sequence counters and the unique values as they were, and claim no
    unique value from the other processes (pytest-xdist workers) meanwhile."""
    from pyfactory import _state
    from pyfactory.autofill._unique import set_unique_claim

    kept = _state.snapshot()
    set_unique_claim(None)
    try:
        yield
    finally:
        _state.restore(kept)


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
