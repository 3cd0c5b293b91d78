"""Special fields: values that a schema declares and the resolver computes per object.

Every special field is a :class:`SpecialField`; the resolver finds them with
``isinstance`` and calls :meth:`SpecialField.resolve` (or
:meth:`SpecialField.aresolve` under ``acreate``) with a
:class:`~pyfactory.FieldContext`. Fields hold no per-object state, so one
schema dict serves every object a factory makes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from pyfactory._drive import Body, adrive, drive
from pyfactory._limits import MAX_BATCH

# The counters live in _sequences; docs/pytest-seeds.rst names them as
# ``pyfactory.fields.counters`` (the hook that spreads them over test workers).
from pyfactory._sequences import (  # noqa: F401
    Counter,
    CounterKey,
    SequenceCounters,
    SequencePattern,
    counters,
    resume_pattern,
)
from pyfactory._walk import fresh_copy, holds
from pyfactory.errors import FactoryDefinitionError

if TYPE_CHECKING:
    from random import Random

    from pyfactory._core.resolution.resolver import FieldContext, Resolution
    from pyfactory._factory import Factory

__all__ = [
    "OMIT",
    "AssociationField",
    "Attributes",
    "LazyField",
    "ManyField",
    "RandomlyNullifyField",
    "RandomlyUnsetField",
    "SequenceField",
    "SequencePattern",
    "SpecialField",
    "TransientField",
    "association",
    "lazy",
    "many",
    "randomly_nullify",
    "randomly_unset",
    "sequence",
    "transient",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: The read-only view of an object's attributes that lazy functions receive.
Attributes = Mapping[str, Any]


class _Omit:
    """The type of :data:`OMIT`."""

    __slots__ = ()
    _instance: _Omit | None = None

    def __new__(cls) -> _Omit:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OMIT"

    def __reduce__(self) -> str:
        return "OMIT"


#: Give this as a value (in a schema, a trait or an override) to remove the key.
#: A special field may also resolve to it to leave its key out.
OMIT = _Omit()


class SpecialField(Generic[T_co]):
    """The base of every special field.

    Subclass it and implement :meth:`resolve` to make your own::

        class Slug(SpecialField[str]):
            def __init__(self, source: str) -> None:
                self.source = source

            def resolve(self, ctx):
                return ctx.attrs[self.source].lower().replace(" ", "-")

    ``resolve`` may be a coroutine function; it is then awaited under
    ``acreate`` and refused by the synchronous methods.

    .. versionadded:: 0.1
    """

    __slots__ = ()

    #: Whether ``key__field=value`` overrides may name this field's key; they reach
    #: :meth:`resolve` as ``ctx.overrides``. True for custom fields and associations.
    takes_overrides: ClassVar[bool] = True
    #: Whether resolving the field may run code that queries the database (a custom
    #: field may): a create batch of such rows watches its first row (see
    #: :meth:`ModelBuilder.reads <pyfactory.builders.ModelBuilder.reads>`). The
    #: built-in fields that run no code of yours say False.
    queries: ClassVar[bool] = True

    def resolve(self, ctx: FieldContext) -> T_co | Awaitable[T_co]:
        """Compute this field's value for one object.

        Args:
            ctx: What the field may use: ``ctx.scope``, ``ctx.factory``,
                ``ctx.attrs`` (the lazy view of the other fields), ``ctx.faker``,
                ``ctx.random``, ``ctx.context``, ``ctx.key`` and ``ctx.overrides``.

        Returns:
            The value, or :data:`OMIT` to leave the key out.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement resolve(ctx)")

    def aresolve(self, ctx: FieldContext) -> T_co | Awaitable[T_co]:
        """The value under ``acreate``; by default, what :meth:`resolve` gives."""
        return self.resolve(ctx)

    def describe(self) -> str:
        """How error messages name this field."""
        return f"{type(self).__name__} field"


# --------------------------------------------------------------------- sequence


class SequenceField(SpecialField[T_co]):
    """The next value of a counter; see :func:`sequence`."""

    __slots__ = ("_counters", "_render", "key", "pattern", "source", "start")
    queries = False
    takes_overrides = False

    def __init__(
        self,
        source: str | Callable[[int], T_co],
        *,
        key: str | None = None,
        start: int = 1,
        resume: bool = False,
    ) -> None:
        if isinstance(source, str):
            template = source
            if "%(n)" in template:
                self._render: Callable[[int], Any] = lambda n: template % {"n": n}
            elif "{n" in template:
                self._render = lambda n: template.format(n=n)
            else:
                raise FactoryDefinitionError(
                    f"sequence template {template!r} has no place for the number; "
                    "write it as 'user{n}@example.com' or 'user%(n)s@example.com'"
                )
        elif callable(source):
            self._render = source
        else:
            raise FactoryDefinitionError(
                f"sequence() takes a template string or a function of n, got {source!r}"
            )
        if not isinstance(start, int) or isinstance(start, bool):
            raise FactoryDefinitionError(f"sequence start must be an int, got {start!r}")
        if not isinstance(resume, bool):
            raise FactoryDefinitionError(f"sequence resume is True or False, got {resume!r}")
        self.source = source
        self.key = key
        self.start = start
        #: How to read the numbers back from stored values, for ``resume=True``.
        self.pattern = resume_pattern(source, self._render, start) if resume else None
        # The process-wide counters, looked up once per factory class and key.
        self._counters: dict[tuple[type[Any], str], Counter] = {}

    def _counter(self, ctx: FieldContext) -> Counter:
        return self.counter_for(type(ctx.factory), ctx.key)

    def counter_for(self, owner: type[Any], key: str) -> Counter:
        """The counter this field counts with for factory class ``owner``, at ``key``
        unless the field names its own: the same object for the life of the process
        (resets restart it in place)."""
        key = self.key or key
        counter = self._counters.get((owner, key))
        if counter is None:
            counter = self._counters[(owner, key)] = counters.counter(owner, key, self.start)
        return counter

    def _unresumed(self, ctx: FieldContext, counter: Counter) -> tuple[Any, str] | None:
        """The ``(model, column)`` whose stored numbers this ``create`` must skip first,
        or None."""
        if self.pattern is None or ctx.scope != "create":
            return None
        where = (type(ctx.factory)._model, ctx.key)
        return None if where in counter.resumed else where

    def resolve(self, ctx: FieldContext) -> T_co:
        if ctx.row is not None:  # in a dataset, the row's index is the count
            return self._render(self.start + ctx.row)  # type: ignore[no-any-return]
        # Per object: the counter's look-up is written out, as the hot path of a build.
        counter = self._counters.get((type(ctx.factory), self.key or ctx.key))
        if counter is None:
            counter = self._counter(ctx)
        where = None if self.pattern is None else self._unresumed(ctx, counter)
        if where is not None:
            assert self.pattern is not None
            builder = type(ctx.factory)._pf_builder
            model, column = where
            counter.skip_past(
                builder.highest_sequence(model, column, self.pattern, ctx.context), where
            )
        return self._render(counter.next())  # type: ignore[no-any-return]

    def aresolve(self, ctx: FieldContext) -> T_co | Awaitable[T_co]:
        counter = self._counter(ctx)
        where = self._unresumed(ctx, counter)
        if where is None:
            return self._render(counter.next())  # type: ignore[no-any-return]
        return self._aresume(ctx, counter, where)

    async def _aresume(self, ctx: FieldContext, counter: Counter, where: tuple[Any, str]) -> T_co:
        assert self.pattern is not None
        builder = type(ctx.factory)._pf_builder
        model, column = where
        highest = await builder.ahighest_sequence(model, column, self.pattern, ctx.context)
        counter.skip_past(highest, where)
        return self._render(counter.next())  # type: ignore[no-any-return]

    def describe(self) -> str:
        resume = ", resume=True" if self.pattern is not None else ""
        # A function by its name: its repr's address means nothing to a reader.
        source = self.source
        shown = repr(source) if isinstance(source, str) else getattr(source, "__name__", source)
        return f"sequence({shown}{resume})"


@overload
def sequence(
    template: str, *, key: str | None = None, start: int = 1, resume: bool = False
) -> SequenceField[str]: ...
@overload
def sequence(
    template: Callable[[int], T], *, key: str | None = None, start: int = 1, resume: bool = False
) -> SequenceField[T]: ...
def sequence(
    template: str | Callable[[int], T],
    *,
    key: str | None = None,
    start: int = 1,
    resume: bool = False,
) -> SequenceField[Any]:
    """A counter per factory class and field: ``1, 2, 3, ...`` rendered per object.

    Args:
        template: ``"user{n}@example.com"``, PyFactory's ``"user%(n)s@example.com"``,
            or a function of the number, such as ``lambda n: n * 10``.
        key: The counter's name when it is not the field's own; fields that
            give the same key share one counter.
        start: The first number.
        resume: Continue after the highest number already stored. The first time the
            sequence makes a value for ``create`` (or ``create_batch``,
            ``insert_batch`` and their async forms) in a process, the factory's
            builder reads the stored values of the field's column that the template
            renders (``user%@example.org``) and the counter jumps past the highest
            number among them, so that a seed run again in a new process, or a
            second process, does not hand out ``user1@example.com`` again. Needs a
            template string and a builder that can read the database
            (:class:`~pyfactory.builders.sqlalchemy.SQLAlchemyBuilder`,
            :class:`~pyfactory.builders.django.DjangoBuilder`); ``attributes`` and
            ``build`` never read it.

    Counters are thread-safe and restart with ``Factory.reset_sequences()``;
    ``pyfactory.fields.counters.spread(offset, stride)`` spaces out the numbers of
    processes that share a database (:meth:`SequenceCounters.spread`).

    Raises:
        FactoryDefinitionError: A template with no place for the number, a start
            that is not an int, or ``resume=True`` with a function of n, or with a
            template whose number cannot be read back (not in decimal).

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       ``resume``.
    """
    return SequenceField(template, key=key, start=start, resume=resume)


# ------------------------------------------------------------------ association


def _check_factory(target: object, what: str) -> None:
    # Factory classes and instances carry a marker (``_pf_is_factory``): fields sit
    # below the factory, and do not import it.
    if getattr(target, "_pf_is_factory", False) is True:
        return
    raise FactoryDefinitionError(f"{what}() takes a Factory class or instance, got {target!r}")


class AssociationField(SpecialField[Any]):
    """Another factory's object, made in the same scope; see :func:`association`."""

    __slots__ = ("attr", "factory", "overrides", "schema", "traits")
    queries = False

    def __init__(
        self,
        factory: type[Factory[Any]] | Factory[Any],
        schema: str | None = None,
        traits: tuple[str, ...] = (),
        attr: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        _check_factory(factory, "association")
        self.factory = factory
        self.schema = schema
        self.traits = traits
        self.attr = attr
        self.overrides = overrides or {}

    # The built-in fields that make children are handed the Resolution itself.

    def resolve(self, ctx: Resolution) -> Any:  # type: ignore[override]
        child = ctx.make_child(self)
        return self._finish(ctx, child)

    async def aresolve(self, ctx: Resolution) -> Any:  # type: ignore[override]
        child = await ctx.amake_child(self)
        return self._finish(ctx, child)

    def _finish(self, ctx: Resolution, child: Any) -> Any:
        ctx.children[id(self)] = child
        if self.attr is None or child is None:
            return child
        return ctx.attribute_of(self, child, self.attr)

    def attribute(self, name: str) -> DerivedField:
        """A field whose value is ``name`` of this association's child (the same child)."""
        return DerivedField(self, name=name)

    def callback(self, fn: Callable[[Any], Any]) -> DerivedField:
        """A field whose value is ``fn(child)`` for this association's child (the same child)."""
        return DerivedField(self, fn=fn)

    def describe(self) -> str:
        return f"association to {_factory_name(self.factory)}"


def _factory_name(factory: object) -> str:
    cls = factory if isinstance(factory, type) else type(factory)
    return cls.__name__


class DerivedField(SpecialField[Any]):
    """An attribute of, or a function of, an association's one child."""

    __slots__ = ("association", "fn", "name")
    takes_overrides = False

    def __init__(
        self,
        association: AssociationField,
        *,
        name: str | None = None,
        fn: Callable[[Any], Any] | None = None,
    ) -> None:
        self.association = association
        self.name = name
        self.fn = fn

    def resolve(self, ctx: Resolution) -> Any:  # type: ignore[override]
        # A callback needs the real object, so a child waiting for its batch is written now.
        child = ctx.shared_child(self.association, written=self.fn is not None)
        return self._finish(ctx, child)

    async def aresolve(self, ctx: Resolution) -> Any:  # type: ignore[override]
        child = await ctx.ashared_child(self.association, written=self.fn is not None)
        return self._finish(ctx, child)

    def _finish(self, ctx: Resolution, child: Any) -> Any:
        if self.fn is not None:
            return self.fn(child)
        if child is None:
            return None
        assert self.name is not None
        return ctx.attribute_of(self.association, child, self.name)

    def describe(self) -> str:
        what = f"attribute({self.name!r})" if self.fn is None else "callback()"
        return f"{what} of the association to {_factory_name(self.association.factory)}"


def association(
    factory: type[Factory[Any]] | Factory[Any],
    schema: str | None = None,
    /,
    *traits: str,
    attr: str | None = None,
    **overrides: Any,
) -> AssociationField:
    """An object of another factory, made in the same scope as its parent.

    Under ``attributes`` it is the child's attribute dict, under ``build`` a
    built model, under ``create`` a created one (``acreate`` under ``acreate``).

    Args:
        factory: A factory class (made with the parent's context, Faker and
            seed) or a factory instance (its own context, with the parent's
            filling the keys it lacks).
        schema: The child's schema; its ``_default_schema`` when left out.
        *traits: Traits of the child.
        attr: Give this attribute of the child instead of the child.
        **overrides: Overrides for the child; the parent's ``key__field=...``
            overrides are added to these.

    Use :meth:`AssociationField.attribute` and :meth:`AssociationField.callback`
    for other fields that read the same child.

    .. versionadded:: 0.1
    """
    return AssociationField(factory, schema, traits, attr, overrides)


class ManyField(SpecialField[list[Any]]):
    """A list of another factory's objects; see :func:`many`."""

    __slots__ = ("count", "factory", "overrides", "schema", "traits")
    queries = False

    def __init__(
        self,
        factory: type[Factory[Any]] | Factory[Any],
        schema: str | None,
        traits: tuple[str, ...],
        count: int | tuple[int, int],
        overrides: dict[str, Any],
    ) -> None:
        _check_factory(factory, "many")
        if isinstance(count, tuple):
            if (
                len(count) != 2
                or not all(isinstance(c, int) and not isinstance(c, bool) for c in count)
                or not 0 <= count[0] <= count[1]
            ):
                raise FactoryDefinitionError(
                    f"many() count must be an int or a (low, high) pair with 0 <= low <= high, "
                    f"got {count!r}"
                )
        elif not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise FactoryDefinitionError(
                f"many() count must be a non-negative int or a (low, high) pair, got {count!r}"
            )
        most = count[1] if isinstance(count, tuple) else count
        if most > MAX_BATCH:
            raise FactoryDefinitionError(
                f"many({_factory_name(factory)}) count={most:,} is more than one object's "
                f"list holds ({MAX_BATCH:,}): they would not fit in memory; make the rows "
                "with the child factory's insert_batch() instead"
            )
        self.factory = factory
        self.schema = schema
        self.traits = traits
        self.count = count
        self.overrides = overrides

    def size(self, ctx: FieldContext) -> int:
        """How many children to make for one object."""
        return self.size_from(ctx.random)

    def size_from(self, random: Random) -> int:
        """How many children to make, drawing from ``random`` for a ``(low, high)`` count."""
        if isinstance(self.count, tuple):
            return random.randint(*self.count)
        return self.count

    def resolve(self, ctx: Resolution) -> list[Any]:  # type: ignore[override]
        return [ctx.make_child(self, index) for index in range(self.size(ctx))]

    async def aresolve(self, ctx: Resolution) -> list[Any]:  # type: ignore[override]
        return [await ctx.amake_child(self, index) for index in range(self.size(ctx))]

    def describe(self) -> str:
        return f"many of {_factory_name(self.factory)}"


def many(
    factory: type[Factory[Any]] | Factory[Any],
    schema: str | None = None,
    /,
    *traits: str,
    count: int | tuple[int, int] = 3,
    **overrides: Any,
) -> ManyField:
    """A list of objects of another factory, made like :func:`association`.

    Args:
        factory: A factory class or instance, as for :func:`association`.
        schema: The children's schema; their ``_default_schema`` when left out.
        *traits: Traits of every child.
        count: How many; a ``(low, high)`` pair picks a size in that range
            (both ends included) for each parent, from the factory's random stream.
        **overrides: Overrides for every child.

    .. versionadded:: 0.1
    """
    return ManyField(factory, schema, traits, count, overrides)


# ------------------------------------------------------------------------ lazy


class LazyField(SpecialField[T_co]):
    """``fn(attrs)``; see :func:`lazy`."""

    __slots__ = ("fn",)
    takes_overrides = False

    def __init__(self, fn: Callable[[Attributes], T_co | Awaitable[T_co]]) -> None:
        if not callable(fn):
            raise FactoryDefinitionError(f"lazy() takes a function of the attributes, got {fn!r}")
        self.fn = fn

    def resolve(self, ctx: FieldContext) -> T_co | Awaitable[T_co]:
        return self.fn(ctx.attrs)

    def describe(self) -> str:
        return "lazy field"


# A coroutine function's value is what it returns once awaited, so its overload
# comes first; any other function's value is what it returns. (With Awaitable[T]
# here, mypy would call the two overloads ambiguous for a coroutine function whose
# parameter is Mapping[str, Any], and give LazyField[Any].)
@overload
def lazy(fn: Callable[[Attributes], Coroutine[Any, Any, T]]) -> LazyField[T]: ...
@overload
def lazy(fn: Callable[[Attributes], T]) -> LazyField[T]: ...
def lazy(fn: Callable[[Attributes], T | Awaitable[T]]) -> LazyField[T]:
    """A value computed from the object's other attributes.

    ``fn`` receives a read-only mapping; reading a key resolves that field
    first, so lazy fields may depend on each other in any order. A cycle raises
    :class:`~pyfactory.CyclicDependencyError` with its path. ``fn`` may be a
    coroutine function: it is awaited under ``acreate``.

    .. versionadded:: 0.1
    """
    return LazyField(fn)


# ------------------------------------------------------------------- transient


class TransientField(SpecialField[T_co]):
    """A value for lazy fields and hooks, dropped before the builder; see :func:`transient`."""

    __slots__ = ("default",)
    queries = False
    takes_overrides = False

    def __init__(self, default: T_co | SpecialField[T_co]) -> None:
        self.default = default

    def resolve(self, ctx: FieldContext) -> Any:
        default = self.default
        if isinstance(default, SpecialField):
            return ctx.resolve_inner(default)
        return default

    def aresolve(self, ctx: FieldContext) -> Any:
        default = self.default
        if isinstance(default, SpecialField):
            return ctx.resolve_inner(default)
        return default

    def describe(self) -> str:
        return _wrapping("transient", self.default)


@overload
def transient() -> TransientField[None]: ...
@overload
def transient(default: SpecialField[T]) -> TransientField[T]: ...
@overload
def transient(default: T) -> TransientField[T]: ...
def transient(default: Any = None) -> TransientField[Any]:
    """A value that lazy fields, traits and hooks read and overrides set, never given to
    the builder. ``default`` may itself be a special field.

    .. versionadded:: 0.1
    """
    return TransientField(default)


# ------------------------------------------------------------------ randomness


def _check_probability(p: float, what: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise FactoryDefinitionError(f"{what}() probability must be between 0 and 1, got {p!r}")
    return float(p)


def _wrapping(name: str, inner: Any) -> str:
    """``transient field``, or ``transient(lazy field)`` when it wraps a special field."""
    if isinstance(inner, SpecialField):
        return f"{name}({inner.describe()})"
    return f"{name} field"


def _kept(ctx: FieldContext, value: Any) -> Any:
    """A kept value: resolved if it is itself a special field."""
    if isinstance(value, SpecialField):
        return ctx.resolve_inner(value)
    return fresh_copy(value)


class RandomlyUnsetField(SpecialField[T_co]):
    """The value, or (with probability ``p``) no key at all; see :func:`randomly_unset`."""

    __slots__ = ("p", "value")
    queries = False
    takes_overrides = False

    def __init__(self, value: Any, p: float) -> None:
        self.value = value
        self.p = _check_probability(p, "randomly_unset")

    def resolve(self, ctx: FieldContext) -> Any:
        if ctx.draw() < self.p:
            return OMIT
        return _kept(ctx, self.value)

    def describe(self) -> str:
        return _wrapping("randomly_unset", self.value)


class RandomlyNullifyField(SpecialField[T_co | None]):
    """The value, or (with probability ``p``) ``None``; see :func:`randomly_nullify`."""

    __slots__ = ("p", "value")
    queries = False
    takes_overrides = False

    def __init__(self, value: Any, p: float) -> None:
        self.value = value
        self.p = _check_probability(p, "randomly_nullify")

    def resolve(self, ctx: FieldContext) -> Any:
        if ctx.draw() < self.p:
            return None
        return _kept(ctx, self.value)

    def describe(self) -> str:
        return _wrapping("randomly_nullify", self.value)


@overload
def randomly_unset(value: SpecialField[T], p: float = 0.5) -> RandomlyUnsetField[T]: ...
@overload
def randomly_unset(value: T, p: float = 0.5) -> RandomlyUnsetField[T]: ...
def randomly_unset(value: Any, p: float = 0.5) -> RandomlyUnsetField[Any]:
    """With probability ``p`` leave the key out, otherwise give ``value`` (which may be a
    special field, resolved only when kept).

    .. versionadded:: 0.1
    """
    return RandomlyUnsetField(value, p)


@overload
def randomly_nullify(value: SpecialField[T], p: float = 0.5) -> RandomlyNullifyField[T]: ...
@overload
def randomly_nullify(value: T, p: float = 0.5) -> RandomlyNullifyField[T]: ...
def randomly_nullify(value: Any, p: float = 0.5) -> RandomlyNullifyField[Any]:
    """With probability ``p`` give ``None``, otherwise ``value`` (which may be a special
    field, resolved only when kept).

    .. versionadded:: 0.1
    """
    return RandomlyNullifyField(value, p)


class NestedField(SpecialField[Any]):
    """A list, tuple or dict that holds special fields; each is resolved in place."""

    __slots__ = ("value",)
    queries = False
    takes_overrides = False

    def __init__(self, value: Any) -> None:
        self.value = value

    def resolve(self, ctx: FieldContext) -> Any:
        return drive(_nested(ctx, self.value))

    async def aresolve(self, ctx: FieldContext) -> Any:
        return await adrive(_nested(ctx, self.value))

    def describe(self) -> str:
        return f"{type(self.value).__name__} of special fields"


def _nested(ctx: FieldContext, value: Any) -> Body[Any]:
    """A container's special fields resolved in place, at any depth: a body whose steps
    are the inner fields' values (a coroutine's is awaited under ``acreate``)."""
    kind = type(value)
    if kind is dict:
        resolved = {}
        for key, item in value.items():
            resolved[key] = yield from _nested(ctx, item)
        return resolved
    if kind is list or kind is tuple:
        items = []
        for item in value:
            items.append((yield from _nested(ctx, item)))  # noqa: PERF401 - no yield in a comprehension
        return items if kind is list else tuple(items)
    if isinstance(value, SpecialField):
        return (yield ctx.resolve_inner(value))
    if kind is set:
        return set(value)
    return value


def _is_special(value: Any) -> bool:
    return isinstance(value, SpecialField)


def holds_special(value: Any) -> bool:
    """Whether a list, tuple or dict holds a special field at any depth."""
    kind = type(value)
    return (kind is list or kind is tuple or kind is dict) and holds(value, _is_special)
