"""The fields whose values come from outside the schema: :func:`fake` (a realistic
value from a provider), :func:`each` (the next of a list or a query's rows) and
:func:`parent` (a field of the object making this one).

They are public as ``pyfactory.fake``, ``pyfactory.each`` and ``pyfactory.parent``.
They live apart from :mod:`pyfactory.fields`, which defines
:class:`~pyfactory.fields.SpecialField`, so that each module reads in one sitting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pyfactory._context import unique_values
from pyfactory.errors import FactoryDefinitionError, FactoryError, FieldError
from pyfactory.fields import SpecialField

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory._core.resolution.context import FieldContext
    from pyfactory.providers import FastProvider

__all__ = ["EachField", "FakeField", "ParentField", "each", "fake", "parent"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


# ------------------------------------------------------------------------ fake


class FakeField(SpecialField[Any]):
    """A realistic value: a fast provider's, else a call of the factory's Faker; see
    :func:`fake`."""

    __slots__ = ("_compiled", "args", "kwargs", "provider", "unique")
    queries = False
    #: ``password__length=10`` passes ``length=10`` to the provider for one call.
    takes_overrides = True

    def __init__(
        self, provider: str, args: tuple[Any, ...], unique: bool, kwargs: dict[str, Any]
    ) -> None:
        if not isinstance(provider, str) or not provider:
            raise FactoryDefinitionError(f"fake() takes a provider name, got {provider!r}")
        self.provider = provider
        self.args = args
        self.unique = unique
        self.kwargs = kwargs
        # The Faker last seen and the fast provider compiled for it (or None: Faker's
        # own), for calls with no ``key__argument`` override.
        self._compiled: tuple[Any, FastProvider | None] | None = None

    def _fast(self, faker: Faker, kwargs: dict[str, Any]) -> FastProvider | None:
        from pyfactory.providers import fast_provider

        if kwargs is not self.kwargs:  # overridden for this object: compiled (and cached) there
            return fast_provider(faker, self.provider, self.args, kwargs)
        compiled = self._compiled
        if compiled is None or compiled[0] is not faker:
            compiled = self._compiled = (
                faker,
                fast_provider(faker, self.provider, self.args, kwargs),
            )
        return compiled[1]

    def resolve(self, ctx: FieldContext) -> Any:
        faker = ctx.factory._pf_randomness.faker
        given = ctx.overrides
        if not given and not self.unique:
            # The hot path: a value per key, with the provider compiled for this Faker.
            compiled = self._compiled
            if compiled is not None and compiled[0] is faker and compiled[1]:
                return compiled[1](ctx.stream_key())
        kwargs = {**self.kwargs, **given} if given else self.kwargs
        fast = self._fast(faker, kwargs)
        if fast is not None:
            if not self.unique:
                return fast(ctx.stream_key())
            return self._unique_draw(faker, fast, kwargs)(ctx.stream_key())
        faker = ctx.faker  # seeded for this value, when the factory has a seed
        if not self.unique:
            return getattr(faker, self.provider)(*self.args, **kwargs)
        from pyfactory.autofill._unique import MAX_UNIQUE_TRIES, claim_unique

        # Faker's unique proxy never repeats a value of this Faker; a claim installed
        # with set_unique_claim() also refuses those that another process gave.
        draw = getattr(faker.unique, self.provider)
        namespace = self._namespace(kwargs)
        for _ in range(MAX_UNIQUE_TRIES):
            value = draw(*self.args, **kwargs)
            if claim_unique(namespace, value):
                return value
        raise FactoryError(
            f"fake({self.provider!r}, unique=True): {MAX_UNIQUE_TRIES} values in a row were "
            "already claimed by another process; widen the provider's range"
        )

    def column(self, faker: Faker, keys: list[int]) -> list[Any] | None:
        """The values of a column of objects whose keys are ``keys``, in order: what
        :meth:`resolve` gives each, made a column at a time; None when this Faker has
        no fast provider for the call (then each object calls Faker)."""
        fast = self._fast(faker, self.kwargs)
        if fast is None:
            return None
        if not self.unique:
            return fast.many(keys)
        draw = self._unique_draw(faker, fast, self.kwargs)
        return [draw(key) for key in keys]

    def _unique_draw(
        self, faker: Faker, fast: FastProvider, kwargs: dict[str, Any]
    ) -> Callable[[int], Any]:
        """A unique value per key on the fast path: from the memory of this call (kept per
        Faker, see :func:`~pyfactory._context.unique_values`), claimed across processes
        under the call's name."""
        from pyfactory.autofill._unique import claim_unique

        values = unique_values(faker, fast, self._namespace(kwargs))
        label = values.label

        def draw(key: int) -> Any:
            return values.draw(key, lambda value: claim_unique(label, value))

        return draw

    def _namespace(self, kwargs: dict[str, Any]) -> str:
        """The call, as it reads in a schema: what unique values are kept per (and claimed
        per, across processes), and what an error names."""
        given = [repr(self.provider), *map(repr, self.args)]
        given += [f"{k}={v!r}" for k, v in sorted(kwargs.items())]
        return f"fake({', '.join(given)})"

    def describe(self) -> str:
        return f"fake({self.provider!r})"


def fake(provider: str, /, *args: Any, unique: bool = False, **kwargs: Any) -> FakeField:
    """A realistic value, named as Faker's providers are: ``fake("email")``,
    ``fake("pyint", max_value=9)``.

    The common providers (names, emails, addresses, companies, text, dates, numbers,
    ...) are pyfactory's fast ones, made from the same locale data as the factory's
    Faker and many times faster (:doc:`values`); any other provider, or a Faker with
    several locales or a provider of your own under that name, is called on the
    factory's Faker. Either way, a seeded factory's value comes from a stream of its
    own (:doc:`context`): adding or moving other fields never changes it.

    Args:
        provider: The Faker provider method's name.
        *args: Positional arguments for it.
        unique: No value repeats until ``Factory.reset_unique()`` (Faker's unique
            proxy, for providers that are not fast ones).
        **kwargs: Keyword arguments for it. A call of the factory can add to them or
            replace them for one object with ``key__argument`` overrides:
            ``build(password__length=20)`` for ``"password": fake("password")``.

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       Fast providers, and a stream per value for seeded factories.
    """
    return FakeField(provider, args, unique, kwargs)


# ------------------------------------------------------------------------ each


class _Unread:
    """The marker of an each() source that has not been read yet."""


class EachField(SpecialField[T_co]):
    """``values[ctx.index % len(values)]``, read lazily; see :func:`each`."""

    __slots__ = ("_done", "_items", "_iterator", "_lock", "source")
    takes_overrides = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to another process (a fill's worker) as the values it goes through, read
        # afresh there; a source that may be a query stays in its process.
        if self.queries:
            raise TypeError(f"each() over {type(self.source).__name__} does not pickle")
        return EachField, (self.source,)

    @property
    def queries(self) -> bool:  # type: ignore[override]
        """Whether reading the values may query the database: not for a list, a tuple or
        a range; any other iterable may be a query (a queryset, a ``select``)."""
        return not isinstance(self.source, (list, tuple, range))

    def __init__(self, values: Iterable[T_co] | Any) -> None:
        if isinstance(values, (str, bytes, Mapping)):
            raise FactoryDefinitionError(
                f"each() takes the values to go through, as a list or any iterable, got "
                f"{type(values).__name__} {values!r}"
            )
        self.source = values
        # What has been read so far; the source is read as far as an index needs, once.
        self._items: list[Any] = []
        self._iterator: Iterator[Any] | None = None
        self._done = False
        self._lock = threading.Lock()

    def _item(self, index: int, read: Callable[[], Iterable[Any]]) -> Any:
        items = self._items
        if index < len(items):
            return items[index]
        with self._lock:
            if not self._done:
                if self._iterator is None:
                    self._iterator = iter(read())
                iterator = self._iterator
                while len(items) <= index:
                    try:
                        items.append(next(iterator))
                    except StopIteration:
                        self._done = True
                        break
        if not items:
            raise FactoryError(f"each() has no values to give: {self.source!r} was empty")
        return items[index] if index < len(items) else items[index % len(items)]

    def _reader(self, ctx: FieldContext) -> Callable[[], Iterable[Any]]:
        source = self.source
        if isinstance(source, Iterable):
            return lambda: source
        # A query (a SQLAlchemy select, say): the factory's builder runs it.
        builder = type(ctx.factory)._pf_builder
        return lambda: builder.read(source, ctx.context)

    def resolve(self, ctx: FieldContext) -> Any:
        return self._item(ctx.index, self._reader(ctx))

    def aresolve(self, ctx: FieldContext) -> Any:
        if self._done or isinstance(self.source, Iterable) or ctx.index < len(self._items):
            return self.resolve(ctx)
        return self._aresolve(ctx)

    async def _aresolve(self, ctx: FieldContext) -> Any:
        builder = type(ctx.factory)._pf_builder
        rows = list(await builder.aread(self.source, ctx.context))
        return self._item(ctx.index, lambda: rows)

    def reset(self) -> None:
        """Read the values again, from the start, when next needed."""
        with self._lock:
            self._items = []
            self._iterator = None
            self._done = False

    def describe(self) -> str:
        return "each field"


def each(values: Iterable[T] | Any) -> EachField[T]:
    """The i-th object of a batch gets ``values[i % len(values)]`` (factory_boy's
    ``Iterator``); a single call takes the next value each time.

    ``values`` may be any iterable (a list, a generator, a Django queryset), or a
    query that the factory's builder runs (a SQLAlchemy ``select()``, run in the
    context's session). It is read lazily, as far as the objects made need, and once:
    a queryset is evaluated on first use, not when the schema is declared. The
    number that picks the value is ``ctx.index`` (see :class:`FieldContext`); an
    iterable that ends starts over; one that never ends (``itertools.count()``) is
    read one value further for each object.

    .. versionadded:: 1.0
    """
    return EachField(values)


# ---------------------------------------------------------------------- parent


class _NoDefault:
    """The marker of a parent() field given no default."""

    def __repr__(self) -> str:
        return "no default"


_NO_DEFAULT = _NoDefault()


class ParentField(SpecialField[T_co]):
    """A field of the object making this one; see :func:`parent`."""

    __slots__ = ("default", "name")
    queries = False
    takes_overrides = False

    def __init__(self, name: str, default: Any) -> None:
        if not isinstance(name, str) or not name:
            raise FactoryDefinitionError(f"parent() takes the name of a field, got {name!r}")
        self.name = name
        self.default = default

    def resolve(self, ctx: FieldContext) -> Any:
        above = ctx.parent
        if above is not None and self.name in above:
            return above[self.name]
        default = self.default
        if default is _NO_DEFAULT:
            why = (
                "this object was made on its own, not by an association or many() field"
                if above is None
                else f"the object making it has no field {self.name!r}"
            )
            raise FieldError(
                f"parent({self.name!r}) has no value to give: {why}; give "
                f"parent({self.name!r}, default=...) a value or a field for that case"
            )
        if isinstance(default, SpecialField):
            return ctx.resolve_inner(default, "default")
        return default

    def describe(self) -> str:
        return f"parent({self.name!r}) field"


def parent(name: str, default: T | SpecialField[T] | Any = _NO_DEFAULT) -> ParentField[T]:
    """The value of the field ``name`` of the object whose association or
    :func:`~pyfactory.many` field is making this one: factory_boy's
    ``SelfAttribute("..name")``. A building's rooms share the building's region, and
    one region is made::

        class RoomFactory(Factory[Room]):
            @schema()
            def basic(self):
                return {"number": sequence(lambda n: n), "region": parent("region")}

        class BuildingFactory(Factory[Building]):
            @schema()
            def basic(self):
                return {"region": association(RegionFactory), "rooms": many(RoomFactory)}

    The parent's field is resolved first if it has not been yet, so the order of the
    keys does not matter; a parent's field that needs this object's value is a cycle,
    and raises :class:`~pyfactory.CyclicDependencyError`. The value is the parent's,
    in the parent's scope: the created region under ``create``, its attribute dict
    under ``attributes``. Rows made after their parent exists (a one-to-many
    relationship's) read the parent's finished values.

    Args:
        name: The parent's field; its transient fields count.
        default: The value for an object made on its own (or by a parent without that
            field): a value or a special field, such as ``association(RegionFactory)``.
            Without one, such an object raises :class:`~pyfactory.FieldError`.

    .. versionadded:: 1.1
    """
    return ParentField(name, default)
