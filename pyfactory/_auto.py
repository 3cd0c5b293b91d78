"""Auto-filled fields: ``@schema(auto=True)`` and :func:`factory_for`.

The schema's dict is laid over a layer of special fields made from the model's
own field information (``builder.fields(model)``): one :class:`AutoField` per
field to fill, with the generator :func:`pyfactory.autofill.resolve_generator`
picks, and an association for a many-to-one relation. The layer depends only
on the factory class, the mode and the keys the schema gives, so it is made
once and cached.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pyfactory._walk import holds
from pyfactory.errors import FactoryDefinitionError
from pyfactory.fields import AssociationField, NestedField, SpecialField

if TYPE_CHECKING:
    from pyfactory._factory import Factory
    from pyfactory._resolver import FieldContext
    from pyfactory.autofill import Generator
    from pyfactory.builders import ModelBuilder
    from pyfactory.introspect import FieldInfo

__all__ = ["AutoField", "auto_layer", "factory_for"]

_RELATIONS_FILLED = ("many_to_one", "one_to_one")


class AutoField(SpecialField[Any]):
    """A value made by an auto-fill generator from the factory's Faker."""

    __slots__ = ("generator", "info", "owner")
    takes_overrides = False

    def __init__(self, generator: Generator, info: FieldInfo, owner: type[Factory[Any]]):
        self.generator = generator
        self.info = info
        self.owner = owner

    def resolve(self, ctx: FieldContext) -> Any:
        value = self.generator(ctx.faker, self.info)
        if _holds_nested(value):
            # A field typed with another model: make it with that model's factory.
            return ctx.resolve_inner(NestedField(_as_associations(value, self.owner)))
        return value

    def describe(self) -> str:
        return f"auto-filled field of type {getattr(self.info.type, '__name__', self.info.type)!r}"


def _holds_nested(value: Any) -> bool:
    from pyfactory.autofill import NestedModel

    return holds(value, lambda item: type(item) is NestedModel)


def _as_associations(value: Any, owner: type[Factory[Any]]) -> Any:
    from pyfactory.autofill import NestedModel

    kind = type(value)
    if kind is NestedModel:
        if value.nullable:
            # An optional reference to another model (often one's own kind) stays
            # empty: following it could go on forever.
            return None
        return AssociationField(factory_for(value.model, builder=owner._pf_builder))
    if kind is list:
        return [_as_associations(v, owner) for v in value]
    if kind is tuple:
        return tuple(_as_associations(v, owner) for v in value)
    if kind is dict:
        return {k: _as_associations(v, owner) for k, v in value.items()}
    return value


def _mappings(cls: type[Any], name: str) -> dict[Any, Any]:
    """A mapping class attribute merged along the MRO, a subclass's entries winning."""
    merged: dict[Any, Any] = {}
    for klass in reversed(cls.__mro__):
        found = klass.__dict__.get(name)
        if found is not None:
            if not isinstance(found, Mapping):
                raise FactoryDefinitionError(
                    f"{klass.__name__}.{name} must be a mapping, got {found!r}"
                )
            merged.update(found)
    return merged


_layers: dict[tuple[type[Any], str | bool, frozenset[str]], dict[str, Any]] = {}
_fields: dict[type[Any], list[FieldInfo]] = {}
_lock = threading.Lock()


def _fields_of(cls: type[Factory[Any]]) -> list[FieldInfo]:
    found = _fields.get(cls)
    if found is None:
        found = _fields[cls] = list(cls._pf_builder.fields(cls._model))
    return found


def auto_layer(cls: type[Factory[Any]], mode: bool | str, given: frozenset[str]) -> dict[str, Any]:
    """The special fields that fill what the schema leaves out, for ``cls``.

    Args:
        cls: The factory class.
        mode: ``True`` fills the fields the model cannot be made without;
            ``"all"`` fills every field that is not left alone.
        given: The keys the schema and its traits give.
    """
    key = (cls, mode, given)
    layer = _layers.get(key)
    if layer is not None:
        return layer
    from pyfactory.autofill import UniqueTracker, resolve_generator

    names = _mappings(cls, "_name_mappings")
    types = _mappings(cls, "_type_mappings")
    fields = _fields_of(cls)
    model = cls._model.__name__
    layer = {}
    covered: set[str] = set()
    for info in fields:
        if info.relation in _RELATIONS_FILLED and info.related_model is not None:
            keys = tuple(getattr(info, "foreign_keys", ()) or ())
            if info.name in given or any(k in given for k in keys):
                covered.update(keys)
                continue
            needed = mode == "all" or info.required or _any_required(fields, keys)
            if keys or info.relation == "many_to_one":
                covered.update(keys)
                if needed and info.name not in names:
                    layer[info.name] = AssociationField(
                        factory_for(info.related_model, builder=cls._pf_builder)
                    )
                    continue
    for info in fields:
        name = info.name
        if name in given or name in covered or name in layer:
            continue
        if info.relation is not None and name not in names:
            continue
        if mode is True and not info.required:
            continue
        generator = resolve_generator(info, names, types, factory=cls.__name__, model=model)
        if generator is None:
            continue
        if isinstance(generator, UniqueTracker):
            _trackers.setdefault(cls, []).append(generator)
        layer[name] = AutoField(generator, info, cls)
    with _lock:
        _layers[key] = layer
    return layer


def _any_required(fields: list[FieldInfo], keys: tuple[str, ...]) -> bool:
    return any(f.name in keys and f.required for f in fields)


_trackers: dict[type[Any], list[Any]] = {}


def reset_unique(cls: type[Any]) -> None:
    """Forget the values that the unique auto-filled fields of ``cls`` (and its
    subclasses) have given."""
    for owner, trackers in list(_trackers.items()):
        if issubclass(owner, cls):
            for tracker in trackers:
                tracker.reset()


_made: dict[tuple[type[Any], int], type[Factory[Any]]] = {}


def factory_for(
    model: type[Any], *, builder: ModelBuilder[Any] | None = None
) -> type[Factory[Any]]:
    """A ready factory class for ``model``, with no class written: every field is auto-filled.

    ``factory_for(User)().build()`` makes a ``User``; its ``"basic"`` schema is
    ``@schema(auto=True)`` with nothing of its own. The builder follows the model:
    SQLAlchemy's for a mapped class, Django's for a Django model, ``DictBuilder``
    for a ``TypedDict``, ``ObjectBuilder`` otherwise; ``builder`` chooses another.
    The class is made once per model and builder.

    .. versionadded:: 0.1
    """
    from pyfactory._factory import Factory, schema

    chosen = _builder_for(model, builder)
    # A builder passed in is the one used; one chosen here stands for its class.
    key = (model, id(chosen) if chosen is builder else id(type(chosen)))
    made = _made.get(key)
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
                "__module__": __name__,
            },
        )
        with _lock:
            made = _made.setdefault(key, made)
    return made


def _builder_for(model: type[Any], given: ModelBuilder[Any] | None) -> ModelBuilder[Any]:
    import sys

    from pyfactory.builders import DictBuilder, ObjectBuilder

    if "sqlalchemy" in sys.modules and hasattr(model, "__mapper__"):
        from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder, _SQLAlchemyBase

        return given if isinstance(given, _SQLAlchemyBase) else SQLAlchemyBuilder()
    if "django" in sys.modules and hasattr(model, "_meta") and hasattr(model, "_default_manager"):
        from pyfactory.builders.django import DjangoBuilder

        return given if isinstance(given, DjangoBuilder) else DjangoBuilder()
    from typing import is_typeddict

    if is_typeddict(model):
        return DictBuilder()
    if given is not None and type(given) is not ObjectBuilder and not _is_db(given):
        return given
    return ObjectBuilder()


def _is_db(builder: ModelBuilder[Any]) -> bool:
    module = type(builder).__module__
    return module.endswith((".sqlalchemy", ".django"))
