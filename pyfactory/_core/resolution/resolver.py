"""The resolver: a schema's raw dict, traits and overrides in; finished attributes out.

It is pure: it never talks to a database. Children of associations are asked of
their factory through the small :class:`~pyfactory._core.resolution.maker.Maker`
protocol, which the realization layer implements; writing is its business.

:class:`Resolution` resolves one object's special fields from its
:class:`~pyfactory._core.plan.plan.Plan`, on demand and in declaration order,
sync or async.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import CoroutineType
from typing import TYPE_CHECKING, Any, cast

from pyfactory._core.plan.plan import Plan, lay_overrides
from pyfactory._core.resolution import defaults as _defaults
from pyfactory._core.resolution.chain import always_makes, enter, leave
from pyfactory._core.resolution.context import Attrs, FieldContext, Later, Seat
from pyfactory._core.resolution.defaults import NONE, default_for
from pyfactory._core.resolution.pending import (
    MAY_HOLD,
    Origin,
    Pending,
    PendingAttr,
    asettle,
    settle,
    unsettled,
)
from pyfactory._drive import Body, Call, adrive, drive
from pyfactory._stream import TWO_TO_MINUS_53, subkey, value_key
from pyfactory._walk import CONTAINERS, fresh_copy, without
from pyfactory.errors import (
    AsyncModeError,
    CyclicDependencyError,
    FactoryError,
    FieldError,
    OverrideError,
)
from pyfactory.fields import (
    OMIT,
    AssociationField,
    ManyField,
    SpecialField,
)

if TYPE_CHECKING:
    from contextvars import Token

    from faker import Faker

    from pyfactory._core.resolution.chain import Link
    from pyfactory._core.resolution.maker import Maker
    from pyfactory._core.resolution.pending import Batch
    from pyfactory._factory import Factory

__all__ = ["Attrs", "FieldContext", "Later", "Resolution", "Seat"]  # the first two: see context

SCOPES = ("attributes", "build", "create")


class _NeedsAwait(BaseException):
    """Raised through user code when it reads a field whose value is still a coroutine.

    A BaseException, like GeneratorExit, so that a broad ``except Exception`` in a
    lazy function cannot swallow it. The async resolver settles the key and runs
    the interrupted field again.
    """

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def _asettled(value: Any) -> Any:
    """:func:`asettle` for a field that needs a child before the batch writes it: an
    error's path already leads there from the batch's row, so no step is added."""
    try:
        return await asettle(value)
    except FactoryError as error:
        error._pf_framed = True  # type: ignore[attr-defined]
        raise


#: The fields whose values are children that their factories made, free of OMIT
#: already: walking them again would walk a chain of dict children at every level.
_MAKERS = frozenset({AssociationField, ManyField})
#: The types of a field's value that :meth:`Resolution._kept` looks at again: OMIT and
#: the containers that may hold it. Most values are none of them, so the resolver's
#: loop tests one type against this set and moves on.
_LOOKED_AT = CONTAINERS | {type(OMIT)}
#: And, for the synchronous loop, a coroutine it cannot await.
_LOOKED_AT_SYNC = _LOOKED_AT | {CoroutineType}

_AWAITING = object()
_NO_AWAITING: dict[str, Awaitable[Any]] = {}


class Resolution(FieldContext):
    """One object's special fields, resolved on demand.

    It is also the :class:`FieldContext` handed to each field: ``key`` is set
    around each field's ``resolve`` call, which saves an object per field.
    """

    __slots__ = (
        "above",
        "attrs",
        "awaiting",
        "batch",
        "child_overrides",
        "children",
        "depth",
        "extra",
        "factory",
        "index",
        "inner",
        "is_async",
        "key",
        "later",
        "number",
        "omitted",
        "order",
        "origin",
        "parent_at",
        "pending",
        "plan",
        "quick",
        "quick_children",
        "root",
        "row",
        "scope",
        "stack",
        "transient",
        "values",
    )

    def __init__(
        self,
        factory: Factory[Any],
        plan: Plan,
        scope: str,
        is_async: bool,
        overrides: Mapping[str, Any] | None,
        seat: Seat | None = None,
    ) -> None:
        self.factory = factory
        self.plan = plan
        self.is_async = is_async
        self.stack: list[str] = []
        #: The child each association made, by ``id(field)``, for the fields that share it.
        self.children: dict[int, Any] = {}
        #: The lazy view of this object's attributes (a slot, not FieldContext's
        #: property: lazy fields read it once per object, on the hot path).
        self.attrs = Attrs(self)  # type: ignore[misc]
        #: The create_batch collector whose children wait to be written in bulk.
        self.batch: Batch | None = None
        #: How many associations down from the batch's rows this object is.
        self.depth = 0
        #: Where this object comes from when it is a pending child of a batch.
        self.origin: Origin | None = None
        #: Whether a child of plain values may be made by its factory's build() shortcut:
        #: only for :meth:`built`, whose caller checked that no observer counts objects.
        self.quick = False
        #: Under ``quick``: the build() shortcut that makes each association's child, by
        #: ``id(field)``, once known to apply (it depends only on the plan).
        self.quick_children: dict[int, Callable[[], Any]] = {}
        self.start(scope, overrides, seat)

    def place(self, batch: Batch | None, origin: Origin | None) -> None:
        """Where this object's children go: into ``batch``, to be written with their
        level, and where the object stands in it (``origin``), for paths and depth."""
        self.batch = batch
        self.origin = origin
        self.depth = origin.depth if origin is not None else 0

    def start(
        self, scope: str, overrides: Mapping[str, Any] | None, seat: Seat | None = None
    ) -> None:
        """Set up for one object; a finished resolution starts again here for the next."""
        self._seat(seat)
        plan = self.plan
        self.scope = scope
        child_overrides = plan.dunder
        transient = plan.transient
        if overrides:
            values = self.values
            child_overrides, transient = lay_overrides(
                values, overrides, child_overrides, transient
            )
            self.order: tuple[str, ...] | list[str] = [
                k for k, v in values.items() if isinstance(v, SpecialField)
            ]
            self.pending = set(self.order)
        self.transient = transient
        #: The caller's overrides, to find where an association was placed.
        self.extra = overrides
        self.child_overrides = child_overrides
        # Only acreate awaits; the synchronous path shares one empty, never-written dict.
        self.awaiting: dict[str, Awaitable[Any]] = {} if self.is_async else _NO_AWAITING
        self.key = ""
        if child_overrides:
            self._check_child_overrides()
        #: Fields made after the object exists (see pyfactory.builders.Relation).
        self.later: list[Later] = []
        if scope != "attributes" and type(self.factory)._pf_relational:
            self._split_later()

    def _seat(self, seat: Seat | None) -> None:
        """Set up what is the object's own: its numbers (from ``seat``, or the next of
        the factory's) and its values before any override."""
        plan = self.plan
        filled = None
        if seat is None:
            self.index = self.number = self.factory._pf_number(plan.schema, 1)
            self.root = self.parent_at = self.row = self.above = None
        else:
            self.index, self.number, self.root, self.parent_at, filled, self.row, self.above = seat
            if self.root is not None and self.factory._pf_randomness.drawn is not None:
                self.root = None  # a strategy draws every key: see _key_at
        #: The parts of a held field being resolved (see resolve_inner), for its stream.
        self.inner: tuple[str | int, ...] = ()
        if filled:
            # A copy of the plan's values, its fakes made a column at a time by a batch.
            self.values = filled
            self.order = plan.columns
        else:
            values = self.values = plan.base.copy()
            for key in plan.copies:
                values[key] = fresh_copy(values[key])
            self.order = plan.specials
        self.pending = set(self.order)
        #: Whether some field resolved to OMIT, so finish() must drop keys.
        self.omitted = False

    def _split_later(self) -> None:
        """Set aside the association and many fields whose rows the builder makes after
        the object: their rows point at it, or meet it in a link table."""
        relation_of = type(self.factory)._pf_relation
        for key in self.order:
            field = self.values[key]
            if isinstance(field, (AssociationField, ManyField)):
                try:
                    relation = relation_of(key)
                except FactoryError as error:
                    raise self._frame(error, key) from error.__cause__
                if relation is not None and relation.kind != "parent":
                    extra = self.child_overrides.get(key, {})
                    stream = self._key_at(key, ())
                    self.later.append(Later(key, field, relation, extra, self.extra, stream))
        if self.later:
            keys = {item.key for item in self.later}
            for key in keys:
                del self.values[key]
            self.pending -= keys
            self.order = [k for k in self.order if k not in keys]

    @classmethod
    def run(
        cls,
        factory: Factory[Any],
        plan: Plan,
        scope: str,
        overrides: Mapping[str, Any] | None,
        batch: Batch | None = None,
        origin: Origin | None = None,
        seat: Seat | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any], list[Later]]:
        """Resolve one object synchronously: what the builder gets, every value, and the
        fields to make once the object exists.

        Each plan keeps the resolutions that finished cleanly and reuses them, which
        saves four allocations per object; a nested call of the same plan simply
        takes another one.
        """
        try:
            resolution = plan.spares.pop()
        except IndexError:
            resolution = cls(factory, plan, scope, False, overrides, seat)
        else:
            resolution.start(scope, overrides, seat)
        if batch is not None or origin is not None:
            resolution.place(batch, origin)
        else:
            resolution.batch = resolution.origin = None
            resolution.depth = 0
        resolution.resolve()
        built, values = resolution.finish()
        result = (built, values, resolution.later)
        # Keep no reference to this object's values or children while it waits.
        resolution.values = resolution.extra = resolution.batch = None  # type: ignore[assignment]
        resolution.origin = resolution.parent_at = resolution.above = None
        if resolution.children:
            resolution.children.clear()
        plan.spares.append(resolution)
        return result

    @classmethod
    def straight(
        cls,
        factory: Factory[Any],
        plan: Plan,
        scope: str,
        seat: Seat | None = None,
        batch: Batch | None = None,
        quick: bool = False,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the builder gets and every value, for one object with nothing laid over
        ``plan``: ``build()``, and each row of a synchronous batch. The hot path of a
        schema with special fields. ``quick``: a build with no observer counting
        objects, so a child of plain values may be made by its factory's build()
        shortcut.

        Its caller made sure that no field's rows are made after the object (see
        :meth:`_split_later`). Its resolutions are kept apart from :meth:`run`'s
        (``plan.lean``), so each keeps, from one object to the next, what only depends
        on the plan, and only the object's own state (:meth:`_seat`) is set again.
        """
        try:
            resolution = plan.lean.pop()
        except IndexError:
            resolution = cls(factory, plan, scope, False, None, seat)
        else:
            resolution._seat(seat)
            resolution.scope = scope
        resolution.batch = batch
        resolution.quick = quick
        resolution.resolve()
        result = resolution.finish()
        resolution.values = resolution.batch = resolution.parent_at = None  # type: ignore[assignment]
        if resolution.children:
            resolution.children.clear()
        plan.lean.append(resolution)
        return result

    # ---------------------------------------------------- the field context

    @property
    def overrides(self) -> dict[str, Any]:
        return self.child_overrides.get(self.key, {})

    def resolve_inner(self, field: SpecialField[Any], part: str | int = 0) -> Any:
        outer = self.inner
        self.inner = (*outer, part)
        try:
            return field.aresolve(self) if self.is_async else field.resolve(self)
        finally:
            self.inner = outer

    @property
    def parent(self) -> Mapping[str, Any] | None:
        parent_at = self.parent_at
        return parent_at[0].attrs if parent_at is not None else self.above

    @property
    def faker(self) -> Faker:
        randomness = self.factory._pf_randomness
        if randomness.seed is None:
            return randomness.faker
        return randomness.faker_at(self.stream_key(), self)

    def stream_key(self) -> int:
        return self._key_at(self.key, self.inner)

    def _key_at(self, name: str, inner: tuple[str | int, ...]) -> int:
        """The stream key of field ``name`` (and of the part ``inner`` it holds)."""
        root = self.root
        if root is None:
            randomness = self.factory._pf_randomness
            if randomness.drawn is not None:
                # Drawn by a strategy: every value's key is a fresh draw, and no root is
                # kept. Other factories keep theirs, so they ask this once per object.
                return randomness.drawn.key()
            at = self.parent_at
            if at is None:
                root = randomness.root(type(self.factory), self.plan.schema, self.number)
            else:
                parent, field, parts = at
                root = subkey(parent._key_at(field, parts), self.index)
            self.root = root
        return value_key(root, name, inner)

    def draw(self) -> float:
        drawn = self.factory._pf_randomness.drawn
        if drawn is not None:
            return drawn.random()
        # One draw of the value's stream, past those its Draws give (which count from 1).
        return (subkey(self.stream_key(), -1) >> 11) * TWO_TO_MINUS_53

    def seat_of_child(self, index: int) -> Seat:
        """Where the ``index``-th child of the field being resolved stands."""
        return Seat(index, index, None, (self, self.key, self.inner), None, self.row)

    def attribute_of(self, field: AssociationField, child: Any, name: str) -> Any:
        """``name`` of a child: a dict key under ``attributes`` (``None`` when the child's
        attributes lack it, as they lack an id the database assigns), else read through
        the child factory's builder."""
        if self.scope == "attributes" and isinstance(child, dict):
            # A key the store assigns (an id, say) is unknown until the row exists.
            return child.get(name)
        if type(child) is Pending:
            field_here = self.values.get(self.key)
            what = field_here.describe() if isinstance(field_here, SpecialField) else "field"
            where = Origin(self.plan.factory_name, self.plan.schema, self.key, 0, self.origin)
            return PendingAttr(child, name, where, what)
        return self.factory._pf_child_factory(field.factory)._pf_builder.getattr(child, name)

    # ------------------------------------------------------------------ errors

    def _frame(self, error: FactoryError, key: str | None) -> FactoryError:
        """Add this object's step to an error once, however deep the lazy chain."""
        if getattr(error, "_pf_owner", None) is not self and not getattr(
            error, "_pf_framed", False
        ):
            error.within(self.plan.factory_name, self.plan.schema, key)
            error._pf_owner = self  # type: ignore[attr-defined]
        return error

    def _wrap(self, key: str, exc: BaseException) -> FactoryError:
        if isinstance(exc, FactoryError):
            return self._frame(exc, key)
        field = self.values.get(key)
        what = field.describe() if isinstance(field, SpecialField) else "field"
        error = FieldError(f"{what} raised {exc!r}")
        error.__cause__ = exc
        return self._frame(error, key)

    def _check_child_overrides(self) -> None:
        for head, sub in self.child_overrides.items():
            target = self.values.get(head, OMIT)
            if isinstance(target, SpecialField) and target.takes_overrides:
                continue
            keys = ", ".join(f"{head}__{rest}" for rest in sub)
            if target is OMIT:
                why = f"{self.plan.factory_name}.{self.plan.schema} has no field {head!r}"
            elif (
                isinstance(self.plan.base.get(head), SpecialField)
                and self.plan.base[head].takes_overrides
                and target is not self.plan.base[head]
            ):
                why = f"{head!r} was given a value ({target!r}), so no child is made to take them"
            else:
                what = target.describe() if isinstance(target, SpecialField) else repr(target)
                why = f"{head!r} is not an association, many or fake field but {what}"
            error = OverrideError(
                f"cannot pass {keys} down: {why}; a key__field override needs an "
                "association, many, fake or custom field at its head"
            )
            raise self._frame(error, head)

    # --------------------------------------------------------------- resolving

    def value_of(self, key: str) -> Any:
        """A field's finished value, resolving it first; what ``attrs[key]`` calls."""
        if key in self.stack:
            self._cycle(key)
        if key in self.pending:
            value = self._resolve_key(key)
            if value is _AWAITING:
                raise _NeedsAwait(key)
            if self.batch is None:
                return value
        elif key in self.awaiting:
            raise _NeedsAwait(key)
        value = self.values[key]
        if self.batch is not None and type(value) in MAY_HOLD and unsettled({key: value}):
            # A field needs the real child before the batch writes it: create it now.
            if self.is_async:
                self.awaiting[key] = _asettled(value)
                raise _NeedsAwait(key)
            try:
                value = self.values[key] = settle(value)
            except FactoryError as error:
                # Its path already leads here from the batch's row: add nothing more.
                error._pf_framed = True  # type: ignore[attr-defined]
                raise
        return value

    def _cycle(self, key: str) -> None:
        start = self.stack.index(key)
        error = CyclicDependencyError("lazy fields", [*self.stack[start:], key])
        raise self._frame(error, key)

    def _call(self, key: str) -> Any:
        field: SpecialField[Any] = self.values[key]
        outer, inner = self.key, self.inner
        self.key, self.inner = key, ()
        try:
            return field.aresolve(self) if self.is_async else field.resolve(self)
        except _NeedsAwait:
            raise
        except Exception as exc:
            error = self._wrap(key, exc)
            raise error from error.__cause__
        finally:
            self.key, self.inner = outer, inner

    def _resolve_key(self, key: str) -> Any:
        stack = self.stack
        stack.append(key)
        field: SpecialField[Any] = self.values[key]
        outer, inner = self.key, self.inner
        self.key, self.inner = key, ()
        try:
            value = field.aresolve(self) if self.is_async else field.resolve(self)
        except _NeedsAwait:
            raise
        except Exception as exc:
            error = self._wrap(key, exc)
            raise error from error.__cause__
        finally:
            self.key, self.inner = outer, inner
            stack.pop()
        if type(value) is CoroutineType if not self.is_async else inspect.isawaitable(value):
            return self._awaitable(key, value)
        if type(value) in _LOOKED_AT:
            value = self._kept(field, value)
        self.pending.discard(key)
        self.values[key] = value
        return value

    def _kept(self, field: SpecialField[Any], value: Any) -> Any:
        """What the object keeps of a field's value: OMIT drops the key (when the object is
        finished), and a list, tuple or dict loses its OMIT items, as a schema's does."""
        if value is OMIT:
            self.omitted = True
        elif type(value) in CONTAINERS and type(field) not in _MAKERS:
            value = without(value, OMIT)
        return value

    def _awaitable(self, key: str, value: Awaitable[Any]) -> Any:
        if not self.is_async:
            # The synchronous paths only call this for a coroutine.
            cast("CoroutineType[Any, Any, Any]", value).close()
            what = self.values[key].describe()
            error = AsyncModeError(
                f"{what} returned a coroutine, which only acreate() and "
                "acreate_batch() await; call one of those"
            )
            raise self._frame(error, key)
        self.pending.discard(key)
        self.awaiting[key] = value
        return _AWAITING

    def resolve(self) -> dict[str, Any]:
        """Resolve every special field; the finished values, transient ones included."""
        # The top-level loop repeats _resolve_key's body to save a call per field:
        # this is the hot path of every build.
        values = self.values
        pending = self.pending
        push, pop = self.stack.append, self.stack.pop
        for key in self.order:
            if key in pending:
                field: SpecialField[Any] = values[key]
                push(key)
                self.key = key
                try:
                    value = field.resolve(self)
                except _NeedsAwait:  # pragma: no cover - only the async path raises it
                    raise
                except Exception as exc:
                    error = self._wrap(key, exc)
                    raise error from error.__cause__
                finally:
                    pop()
                if type(value) in _LOOKED_AT_SYNC:
                    if type(value) is CoroutineType:
                        self._awaitable(key, value)  # raises: only acreate awaits
                    value = self._kept(field, value)
                pending.discard(key)
                values[key] = value
        return values

    async def aresolve(self) -> dict[str, Any]:
        """:meth:`resolve` for ``acreate``: awaits what the fields return."""
        await self.afirst(self.order)
        return self.values

    def first(self, keys: Iterable[str]) -> None:
        """Resolve ``keys`` before the others (what ``_get_or_create`` looks a row up
        by); :meth:`resolve` then does the rest."""
        for key in keys:
            if key in self.pending:
                self.value_of(key)

    async def afirst(self, keys: Iterable[str]) -> None:
        """:meth:`first` for ``acreate``: awaits what the fields return."""
        for key in keys:
            while key in self.pending:
                try:
                    self._resolve_key(key)
                except _NeedsAwait as need:
                    await self._settle(need.key)
            if key in self.awaiting:
                await self._settle(key)

    async def _settle(self, key: str) -> None:
        """Await a field's coroutine; if it read a field still awaiting, settle that first
        and run this field again. ``key`` stays on the stack, so a cycle is caught."""
        # Whoever asked for key checked the stack already: a cycle never gets here.
        self.stack.append(key)
        try:
            while True:
                pending = self.awaiting.pop(key, None)
                try:
                    if pending is None:
                        result = self._call(key)
                        if getattr(type(result), "__await__", None) is None:
                            value = result
                            break
                        pending = result
                    outer, inner = self.key, self.inner
                    self.key, self.inner = key, ()
                    try:
                        value = await pending
                    finally:
                        self.key, self.inner = outer, inner
                    break
                except _NeedsAwait as need:
                    await self._settle(need.key)
                except FactoryError as exc:
                    error = self._frame(exc, key)
                    raise error from error.__cause__
                except Exception as exc:
                    error = self._wrap(key, exc)
                    raise error from error.__cause__
        finally:
            self.stack.pop()
        if type(value) in _LOOKED_AT:
            value = self._kept(self.values[key], value)
        self.pending.discard(key)
        self.values[key] = value

    def finish(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Split the resolved values: what the builder gets, and everything (for hooks)."""
        values = self.values
        transient = self.transient
        if self.omitted:
            for key in [k for k in self.order if values[k] is OMIT]:
                del values[key]
        elif not transient:
            return values, values
        built = {k: v for k, v in values.items() if k not in transient}
        return built, values

    # ---------------------------------------------------------------- children

    def _child_call(self, field: AssociationField | ManyField) -> tuple[Maker, dict[str, Any]]:
        target = field.factory
        child = self.factory._pf_children.get(target)
        if child is None:
            child = self.factory._pf_child_factory(target)
        given = self.child_overrides.get(self.key)
        overrides = {**field.overrides, **given} if given else field.overrides
        return child, overrides

    def _origin(self, index: int | None) -> Origin:
        """Where a deferred child comes from, for the path of an error at flush time."""
        label = self.key if index is None else f"{self.key}[{index}]"
        return Origin(self.plan.factory_name, self.plan.schema, label, self.depth + 1, self.origin)

    def _quick_child_error(
        self, field: AssociationField | ManyField, exc: Exception, index: int | None
    ) -> FactoryError:
        """The error of a child made by its factory's build() shortcut, framed as
        :meth:`make_child` frames the others."""
        if not isinstance(exc, FactoryError):
            child = self.factory._pf_child_factory(field.factory)
            exc = child._pf_quick_failed(field.schema, exc)
        return self._child_error(exc, index)

    def _child_error(self, error: FactoryError, index: int | None) -> FactoryError:
        return self._frame(error, self.key if index is None else f"{self.key}[{index}]")

    def _enter(
        self, field: AssociationField | ManyField, child: Maker, overrides: dict[str, Any]
    ) -> Token[Link | None]:
        """Put this object on the chain of objects being made (see ``chain``):
        a child that would close a cycle is refused here, before it is made."""
        here = self.values.get(self.key)
        sure = (here is field and type(field) is AssociationField) or always_makes(here, field)
        return enter(
            self.factory,
            self.plan,
            self.extra,
            self.key,
            sure,
            child,
            field.schema,
            field.traits,
            overrides,
            self.is_async,
        )

    def make_child(self, field: AssociationField | ManyField, index: int | None = None) -> Any:
        """Make a child of an association or many field in this scope, with the overrides
        meant for it."""
        if index is None and _defaults.any_open():
            found = default_for(self.key, self.scope, self.child_overrides)
            if found is not NONE:
                return found
        quick = self.quick_children.get(id(field)) if self.quick else None
        if quick is None and self.batch is None and not field.traits:
            child, overrides = self._child_call(field)
            plan = child._pf_plans.get(field.schema)
            if not overrides and plan is not None and plan.simple:
                # A child of plain values makes no child of its own: it can neither close
                # a cycle nor deepen the chain, which it need not join.
                quick = child._pf_quick.get(field.schema) if self.quick else None
                if quick is None:
                    try:
                        return child._pf_one(self.scope, field.schema, (), overrides)
                    except FactoryError as error:
                        error = self._child_error(error, index)
                        raise error from error.__cause__
                self.quick_children[id(field)] = quick
        if quick is not None:
            try:
                return quick()
            except Exception as exc:
                failure = self._quick_child_error(field, exc, index)
                raise failure from failure.__cause__
        return drive(self._making(field, index))

    async def amake_child(
        self, field: AssociationField | ManyField, index: int | None = None
    ) -> Any:
        """:meth:`make_child` under ``acreate``."""
        if index is None and _defaults.any_open():
            found = default_for(self.key, self.scope, self.child_overrides)
            if found is not NONE:
                return found
        return await adrive(self._making(field, index))

    def _making(self, field: AssociationField | ManyField, index: int | None) -> Body[Any]:
        """The body of :meth:`make_child`: the child made now, or resolved and left for
        the batch to write; it joins the chain of objects being made meanwhile."""
        child, overrides = self._child_call(field)
        seat = self.seat_of_child(index or 0)
        try:
            token = self._enter(field, child, overrides)
            try:
                schema, traits = field.schema, field.traits
                if self.batch is not None:
                    where = self._origin(index)
                    return (
                        yield from child._pf_defer(
                            self.batch, where, schema, traits, overrides, seat
                        )
                    )
                one, scoped = child._pf_one, child._pf_ascoped
                return (yield Call(one, scoped, self.scope, schema, traits, overrides, seat))
            finally:
                leave(token)
        except FactoryError as error:
            error = self._child_error(error, index)
            raise error from error.__cause__

    def _placed_at(self, field: AssociationField) -> str | None:
        """The key that holds ``field`` in this object's schema or overrides, if any."""
        for source in (self.extra, self.plan.base):
            if source:
                for key, value in source.items():
                    if value is field:
                        return key
        return None

    def _known_child(self, field: AssociationField) -> tuple[bool, Any]:
        """``(True, child)`` when the association's child exists or its key was given
        another value (an object, or None); ``(False, None)`` when it must be made."""
        known = id(field)
        if known in self.children:
            return True, self.children[known]
        key = self._placed_at(field)
        if key is not None and key in self.values:
            value = self.value_of(key)
            # The caller may have replaced the association with an object or None.
            return True, self.children.get(known, value)
        return False, None

    def shared_child(self, field: AssociationField, written: bool = False) -> Any:
        """The one child of an association, made now if no field has made it yet;
        ``written``: a child still waiting for its batch is written now."""
        found, child = self._known_child(field)
        if not found:
            child = self.children[id(field)] = self.make_child(field)
        return child.result() if written and type(child) is Pending else child

    async def ashared_child(self, field: AssociationField, written: bool = False) -> Any:
        """:meth:`shared_child` under ``acreate``."""
        found, child = self._known_child(field)
        if not found:
            child = self.children[id(field)] = await self.amake_child(field)
        return await child.aresult() if written and type(child) is Pending else child
