"""Definition: what a factory class declares, collected once per class.

The ``@schema``, ``@trait`` and ``@after`` marks; :class:`FactoryBase`, which
declares every class attribute a factory has (the user's ``_model``,
``_model_builder``, ... and the ``_pf_*`` tables ``Factory.__init_subclass__``
fills); and the model and builder a class names.

The lowest layer of the core: it imports the builders' base class and the
foundation, nothing of the plan, the resolution or the realization.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    TypeVar,
    get_args,
    get_origin,
)

from pyfactory.builders import ModelBuilder, ObjectBuilder
from pyfactory.errors import FactoryDefinitionError

if TYPE_CHECKING:
    # Only named in the declarations of FactoryBase: the layers above fill them.
    from pyfactory._context import Context, Randomness
    from pyfactory._core.plan.keys import ModelKeys
    from pyfactory._core.plan.plan import Plan
    from pyfactory._factory import Factory
    from pyfactory.builders import Relation

M = TypeVar("M")
F = TypeVar("F", bound=Callable[..., Any])


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


def _generic_model(cls: type[Factory[Any]]) -> type[Any] | None:
    """The class named by a factory's own generic parameter (``Factory[User]``), or None
    where its bases name none, ``Any``, a type variable or a string (a generic base)."""
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        if isinstance(origin, type) and issubclass(origin, FactoryBase):
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


class FactoryBase(Generic[M]):
    """The declarations every layer of the core reads from a factory; the layers
    above add their methods as subclasses, and :class:`~pyfactory.Factory` is the
    last of them (see ``docs/architecture.rst``)."""

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
    _faker_locale: ClassVar[str | None] = None
    _abstract: ClassVar[bool] = True

    _pf_schemas: ClassVar[dict[str, tuple[_Definition, ...]]] = {}
    _pf_traits: ClassVar[dict[str, _Definition]] = {}
    _pf_hooks: ClassVar[dict[str, tuple[Callable[..., Any], ...]]] = {}
    _pf_builder: ClassVar[ModelBuilder[Any]]
    _pf_plain_build: ClassVar[bool] = True
    #: A plain build with no after-build hook: ``build()`` of a schema of plain values
    #: calls the model directly.
    _pf_quick_build: ClassVar[bool] = True
    _pf_atomic: ClassVar[bool] = False
    _pf_relational: ClassVar[bool] = False
    _pf_relations: ClassVar[dict[str, Relation | None]] = {}
    _pf_keys: ClassVar[ModelKeys | None] = None

    # Set per instance by Factory.__init__.
    _pf_given: Mapping[str, Any]
    _pf_context: Context
    _pf_randomness: Randomness
    _pf_plans: dict[Any, Plan]
    #: ``build(schema)`` with no traits, overrides or observer, for schemas of plain
    #: values: the model's constructor with the values bound (see MakeOne._pf_one).
    _pf_quick: dict[str | None, Callable[[], Any]]
    #: How many objects of each schema this instance has made through the resolver:
    #: each object's number, for its random stream and ``ctx.index``.
    _pf_counts: dict[str, int]
    _pf_raw: dict[tuple[str, str], dict[str, Any]]
    _pf_children: dict[Any, Factory[Any]]
