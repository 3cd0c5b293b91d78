"""The field that makes an auto-filled value: :class:`AutoField`, and how a value that
holds another model becomes an association to that model's factory.

Apart from :mod:`pyfactory._core.plan.auto`, which lays these fields out, so that the
fields that refine them (:mod:`pyfactory._core.plan.checked`) need not import the layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, is_typeddict

from pyfactory._walk import holds
from pyfactory.builders import DictBuilder
from pyfactory.fields import AssociationField, NestedField, SpecialField

if TYPE_CHECKING:
    from pyfactory._core.resolution.resolver import FieldContext
    from pyfactory._factory import Factory
    from pyfactory.autofill import Generator
    from pyfactory.builders import ModelBuilder
    from pyfactory.introspect import FieldInfo
    from pyfactory.providers import FastFaker, KeyedFaker

__all__ = ["AutoField"]


class AutoField(SpecialField[Any]):
    """A value made by an auto-filled field's generator.

    The generator is handed a :class:`~pyfactory.providers.KeyedFaker` of the
    factory's Faker and the value's stream key: its provider calls (``faker.email()``)
    are the fast providers' values, and ``faker.random`` is drawn from the key, so
    the value depends on its address alone (:doc:`context`) and is made at the speed
    of the fast providers; what is not fast is the real Faker's, seeded for the value
    when the factory is seeded. A user's ``_name_mappings``/``_type_mappings``
    callable gets the same stand-in.
    """

    __slots__ = ("_fast", "generator", "info", "owner")
    queries = False
    takes_overrides = False

    def __init__(self, generator: Generator, info: FieldInfo, owner: type[Factory[Any]]):
        self.generator = generator
        self.info = info
        self.owner = owner
        self._fast: tuple[Any, FastFaker] | None = None  # the Faker last seen, and its own

    def keyed(self, ctx: FieldContext) -> KeyedFaker:
        """The Faker stand-in for the value ``ctx`` is making: see the class docstring."""
        faker = ctx.factory._pf_randomness.faker
        fast = self._fast
        if fast is None or fast[0] is not faker:
            from pyfactory.providers import fast_faker

            fast = self._fast = (faker, fast_faker(faker))
        return fast[1].at(ctx.stream_key(), lambda: ctx.faker)

    def resolve(self, ctx: FieldContext) -> Any:
        return self.value(ctx, self.keyed(ctx))

    def value(self, ctx: FieldContext, faker: KeyedFaker) -> Any:
        """A value of the generator from ``faker`` (each call from it another one)."""
        value = self.generator(faker, self.info)  # type: ignore[arg-type]
        if type(value) in _SCALARS:
            return value  # most values: nothing inside them to look at
        if _holds_nested(value):
            # A field typed with another model: make it with that model's factory.
            return ctx.resolve_inner(NestedField(_as_associations(value, self.owner)))
        return value

    def describe(self) -> str:
        return f"auto-filled field of type {getattr(self.info.type, '__name__', self.info.type)!r}"


_SCALARS = frozenset({str, int, float, bool, type(None), bytes})


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
        return AssociationField(
            owner._pf_factory_for(value.model, _builder_towards(owner, value.model))
        )
    if kind is list:
        return [_as_associations(v, owner) for v in value]
    if kind is tuple:
        return tuple(_as_associations(v, owner) for v in value)
    if kind is dict:
        return {k: _as_associations(v, owner) for k, v in value.items()}
    return value


def _builder_towards(cls: type[Factory[Any]], related: type[Any]) -> ModelBuilder[Any] | None:
    """The builder to hand :func:`factory_for` for a model that ``cls``'s model holds.

    The parent's own, so that a custom builder (or a ``DictBuilder`` chosen for a
    dataclass) reaches its nested models too; but a ``TypedDict`` holds the nested
    model's own objects, so its ``DictBuilder`` does not pass on.
    """
    return _passed_on(cls._model, cls._pf_builder, related)


def _passed_on(
    model: type[Any], builder: ModelBuilder[Any], related: type[Any]
) -> ModelBuilder[Any] | None:
    if isinstance(builder, DictBuilder) and is_typeddict(model) and not is_typeddict(related):
        return None
    return builder
