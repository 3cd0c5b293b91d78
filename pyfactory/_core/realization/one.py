"""Realization of one object: resolve its plan, build or create it, make the
children that come after it, and run its hooks.

:class:`MakeOne` drives the resolver (which asks for children through
``make_child``/``defer``, answered here) and hands finished attributes to the
builder.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Awaitable, Callable, Mapping
from contextvars import Token
from functools import partial
from typing import (
    TYPE_CHECKING,
    Any,
    TypeVar,
)

from pyfactory._context import Context, Randomness
from pyfactory._core.plan.keys import NO_KEYS
from pyfactory._core.plan.plan import Plan
from pyfactory._core.plan.planning import Planning
from pyfactory._core.realization import observe as _obs
from pyfactory._core.realization.calls import bound_call
from pyfactory._core.realization.observe import _made
from pyfactory._core.resolution.chain import Link, always_makes, enter, leave
from pyfactory._core.resolution.compiled import compile_build
from pyfactory._core.resolution.pending import (
    Batch,
    Origin,
    Pending,
)
from pyfactory._core.resolution.resolver import Later, Resolution, Seat
from pyfactory._drive import Body, Call, adrive, drive
from pyfactory.builders._conflict import noting_found
from pyfactory.errors import (
    AsyncModeError,
    BuilderError,
    FactoryDefinitionError,
    FactoryError,
    HookError,
)
from pyfactory.fields import ManyField

if TYPE_CHECKING:
    from pyfactory._factory import Factory

M = TypeVar("M")
LaterRow = tuple[Any, dict[str, Any], list[Later], "Origin | None"]
#: What resolving one object gives: its attributes, every value, its later fields.
Resolved = tuple[dict[str, Any], dict[str, Any], list[Later]]


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
        child._pf_randomness = randomness.of_locale(getattr(target, "_faker_locale", None))
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
        child._pf_randomness = randomness.of_locale(own.locale)
    child._pf_plans = {}
    child._pf_quick = {}
    child._pf_counts = {}
    child._pf_raw = {}
    child._pf_children = {}
    return child


class MakeOne(Planning[M]):
    """One object at a time; see the module docstring."""

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

    def _pf_number(self, schema: str, count: int) -> int:
        """Number the next ``count`` objects of ``schema``; the first one's number."""
        counts = self._pf_counts
        first = counts.get(schema, 0)
        counts[schema] = first + count
        return first

    def _pf_one(
        self,
        scope: str,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        seat: Seat | None = None,
    ) -> Any:
        """Make one object in ``scope``; the heart of every synchronous method.

        Building is the hot path, written out here; creating shares its body with
        ``acreate`` (:meth:`_pf_finish_one`)."""
        plan = (
            None if traits or overrides or type(schema) is not str else self._pf_plans.get(schema)
        )
        if plan is None:
            plan, overrides = self._pf_plan(schema, traits, overrides)
        later: list[Later] = []
        cls = type(self)
        if plan.simple and not overrides:
            if scope == "build" and cls._pf_quick_build and _obs._observer is None:
                # The hot path of every test: a schema of plain values, a class that
                # takes them as keywords, no hook, no observer: one call, which
                # build() makes directly next time.
                if plan.cached and not traits and schema not in self._pf_quick:
                    self._pf_quick[schema] = bound_call(cls._model, plan.base)
                try:
                    return cls._model(**plan.base)
                except Exception as exc:
                    error = self._pf_quick_failed(schema, exc)
                    raise error from error.__cause__
            built = values = plan.base.copy()
        else:
            if (
                scope == "build"
                and seat is None
                and not overrides
                and plan.cached
                and not traits
                and cls._pf_quick_build
                and not (cls._pf_relational and plan.makers)
                and _obs._observer is None
            ):
                # A schema with special fields, built with nothing laid over it: build()
                # compiles the plan's own function next time (this first object made
                # the shortcuts of the children that the function calls).
                self._pf_quick[schema] = partial(self._pf_compiled_build, schema, plan)
                return self._pf_resolved_build(plan)
            if scope == "create" and self._get_or_create:
                return drive(self._pf_found_or_created(plan, overrides, seat, False))
            built, values, later = Resolution.run(self, plan, scope, overrides, None, None, seat)  # type: ignore[arg-type]
        if scope == "attributes":
            if _obs._observer is not None:
                _made(self, scope, 1)  # type: ignore[arg-type]
            return built
        if scope != "build":
            return drive(self._pf_finish_one(plan, scope, built, values, later, scope))
        try:
            if cls._pf_plain_build:
                obj = cls._model(**built)
            else:
                obj = cls._pf_builder.build(cls._model, built, self._pf_context)
        except Exception as exc:
            error = self._pf_builder_error(plan, scope, built, exc)
            raise error from error.__cause__
        if later or scope in cls._pf_hooks:
            drive(self._pf_after_one(plan, scope, obj, values, later))
        elif _obs._observer is not None:
            _made(self, scope, 1)  # type: ignore[arg-type]
        return obj

    def _pf_resolved_build(self, plan: Plan) -> Any:
        """``build()`` of a cached plan with special fields, no overrides, no hooks and
        no rows made after the object, with no observer: what :meth:`_pf_one` does for
        it, without the checks that chose it."""
        built, _ = Resolution.straight(self, plan, "build", None, None, True)  # type: ignore[arg-type]
        try:
            return type(self)._model(**built)
        except Exception as exc:
            error = self._pf_builder_error(plan, "build", built, exc)
            raise error from error.__cause__

    def _pf_compiled_build(self, key: str | None, plan: Plan) -> Any:
        """:meth:`_pf_resolved_build`'s second call for ``plan``: the plan's build
        compiled to one function (:mod:`~pyfactory._core.resolution.compiled`), which
        ``build(key)`` calls directly from now on."""
        model_error = partial(self._pf_builder_error, plan, "build")
        build = compile_build(self, plan, type(self)._model, model_error)  # type: ignore[arg-type]
        self._pf_quick[key] = build
        return build()

    def _pf_quick_failed(self, schema: str | None, exc: Exception) -> FactoryError:
        """The error for a model that refused the values of a plain schema."""
        plan, _ = self._pf_plan(schema, (), {})
        return self._pf_builder_error(plan, "build", plan.base.copy(), exc)

    async def _pf_aone(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> Any:
        """:meth:`_pf_one` for ``acreate``: fields are awaited, then the same body writes
        the row, its children and hooks."""
        return await self._pf_ascoped("create", schema, traits, overrides)

    async def _pf_ascoped(
        self,
        scope: str,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        seat: Seat | None = None,
    ) -> Any:
        """:meth:`_pf_aone` with :meth:`_pf_one`'s arguments, for a body's step: under
        ``acreate`` every object is created, whatever ``scope``."""
        plan, overrides = self._pf_plan(schema, traits, overrides)
        if self._get_or_create and not (plan.simple and not overrides):
            return await adrive(self._pf_found_or_created(plan, overrides, seat, True))
        built, values, later = await self._pf_aresolve(plan, overrides, None, None, seat)
        return await adrive(self._pf_finish_one(plan, "create", built, values, later, "acreate"))

    def _pf_found_or_created(
        self, plan: Plan, overrides: dict[str, Any], seat: Seat | None, is_async: bool
    ) -> Body[Any]:
        """``create`` (or ``acreate``) of a ``_get_or_create`` factory: the fields it
        looks the row up by are resolved first, and the other fields (the children
        above all) only when no row matches, so that a row found leaves no orphan
        behind."""
        resolution = Resolution(self, plan, "create", is_async, overrides, seat)  # type: ignore[arg-type]
        keys = self._get_or_create
        yield Call(resolution.first, resolution.afirst, keys)
        method = "acreate" if is_async else "create"
        cls = type(self)
        builder = cls._pf_builder
        lookup = self._pf_lookup(plan, resolution.values)
        try:
            existing = yield Call(builder.get, builder.aget, cls._model, lookup, self._pf_context)
        except Exception as exc:
            error = self._pf_builder_error(plan, method, lookup, exc)
            raise error from error.__cause__
        if existing is not None:
            return existing
        yield Call(resolution.resolve, resolution.aresolve)
        built, values = resolution.finish()
        obj, _ = yield from self._pf_write_one(plan, method, built, look=False)
        yield from self._pf_after_one(plan, "create", obj, values, resolution.later)
        return obj

    def _pf_finish_one(
        self,
        plan: Plan,
        scope: str,
        built: dict[str, Any],
        values: dict[str, Any],
        later: list[Later],
        method: str,
    ) -> Body[Any]:
        """Write one resolved row (or find it, for ``_get_or_create``), then make what
        comes after it; ``method`` names the call in errors (``create``, ``acreate``)."""
        obj, found = yield from self._pf_write_one(plan, method, built)
        if not found:
            # An existing row is returned as it is: no new children, no hooks.
            yield from self._pf_after_one(plan, scope, obj, values, later)
        return obj

    def _pf_write_one(
        self, plan: Plan, method: str, built: dict[str, Any], look: bool = True
    ) -> Body[tuple[Any, bool]]:
        """Create one object, or find it when ``_get_or_create`` names fields (unless
        ``look`` is false: it was looked for already); and whether it was found."""
        cls = type(self)
        builder = cls._pf_builder
        try:
            if look and self._get_or_create:
                lookup = self._pf_lookup(plan, built)
                existing = yield Call(
                    builder.get, builder.aget, cls._model, lookup, self._pf_context
                )
                if existing is not None:
                    return existing, True
            with noting_found() as found:
                obj = yield Call(
                    builder.create, builder.acreate, cls._model, built, self._pf_context
                )
        except Exception as exc:
            error = self._pf_builder_error(plan, method, built, exc)
            raise error from error.__cause__
        # A row the builder found stored (on_conflict="skip") is returned as it is.
        return obj, bool(found)

    def _pf_lookup(self, plan: Plan, built: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in self._get_or_create if k not in built]
        if missing:
            raise FactoryDefinitionError(
                f"_get_or_create names {', '.join(map(repr, missing))}, which the schema "
                "does not give"
            ).within(plan.factory_name, plan.schema)
        return {k: built[k] for k in self._get_or_create}

    def _pf_after_one(
        self, plan: Plan, scope: str, obj: Any, values: dict[str, Any], later: list[Later]
    ) -> Body[None]:
        """What follows one object's row: the rows made after it, its hooks, the count."""
        if later:
            yield from self._pf_make_later(plan, obj, values, later, scope)
        hooks = type(self)._pf_hooks.get(scope)
        if hooks:
            yield from self._pf_run_hooks(plan, scope, hooks, obj, values)
        if _obs._observer is not None:
            _made(self, scope, 1)  # type: ignore[arg-type]

    def _pf_resolve(self, plan: Plan, overrides: dict[str, Any], *where: Any) -> Resolved:
        """One created object's attributes, its values and its later fields, resolved
        now (the sync side of a body's step; ``where``: the batch, origin and seat)."""
        return Resolution.run(self, plan, "create", overrides, *where)  # type: ignore[arg-type]

    async def _pf_aresolve(
        self,
        plan: Plan,
        overrides: dict[str, Any],
        batch: Batch | None = None,
        origin: Origin | None = None,
        seat: Seat | None = None,
    ) -> Resolved:
        """:meth:`_pf_resolve` for ``acreate``: coroutine fields are awaited."""
        if plan.simple and not overrides:
            values = plan.base.copy()
            return values, values, []
        resolution = Resolution(self, plan, "create", True, overrides, seat)  # type: ignore[arg-type]
        resolution.place(batch, origin)
        await resolution.aresolve()
        built, values = resolution.finish()
        return built, values, resolution.later

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
            self,  # type: ignore[arg-type]
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
            labels = [f"{item.key}[{i}]" for i in range(item.size())]
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
    ) -> Body[None]:
        """Make the rows that point at ``obj`` (or meet it in a link table), now that it
        exists, and link them to it; under ``build``, the same objects, unsaved."""
        for item in later:
            child, overrides, labels = self._pf_later_calls(item, obj)
            schema, traits = item.field.schema, item.field.traits
            made = []
            for index, label in enumerate(labels):
                try:
                    token = self._pf_later_enter(plan, item, child, overrides)
                    try:
                        one, scoped, seat = (
                            child._pf_one,
                            child._pf_ascoped,
                            item.seat(index, values),
                        )
                        step = Call(one, scoped, scope, schema, traits, overrides, seat)
                        made.append((yield step))
                    finally:
                        leave(token)
                except FactoryError as error:
                    raise error.within(plan.factory_name, plan.schema, label) from error.__cause__
            self._pf_link(plan, obj, values, item, made)

    def _pf_later_pending(
        self, plan: Plan, batch: Batch, items: list[LaterRow]
    ) -> Body[list[tuple[Any, dict[str, Any], Later, list[Pending]]]]:
        found = []
        for obj, values, later, origin in items:
            for item in later:
                child, overrides, labels = self._pf_later_calls(item, obj)
                field = item.field
                pendings = []
                for index, label in enumerate(labels):
                    where = Origin(plan.factory_name, plan.schema, label, 1, origin)
                    pending = yield from child._pf_defer(
                        batch,
                        where,
                        field.schema,
                        field.traits,
                        overrides,
                        item.seat(index, values),
                    )
                    pendings.append(pending)
                found.append((obj, values, item, pendings))
        return found

    def _pf_defer(
        self,
        batch: Batch,
        origin: Origin,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        seat: Seat | None = None,
    ) -> Body[Any]:
        """Resolve a child's attributes for a batch and leave its row to be written later
        (a :class:`Pending` in the batch); a body, driven by the resolver."""
        if self._get_or_create:
            # Finding an existing row needs a query per child: no bulk write for these.
            return (
                yield Call(
                    self._pf_one, self._pf_ascoped, "create", schema, traits, overrides, seat
                )
            )
        plan, overrides = self._pf_plan(schema, traits, overrides)
        if plan.simple and not overrides:
            return self._pf_pending(batch, origin, plan, plan.base.copy(), None, [])
        before = batch.added
        resolved = yield Call(
            self._pf_resolve, self._pf_aresolve, plan, overrides, batch, origin, seat
        )
        pending = self._pf_pending(batch, origin, plan, *resolved)
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
        pending = Pending(self, plan, built, built if values is None else values, later, origin)  # type: ignore[arg-type]
        batch.add(pending)
        return pending

    def _pf_read(self, obj: Any, name: str) -> Any:
        """Attribute ``name`` of an object this factory wrote, as its builder reads it."""
        return type(self)._pf_builder.getattr(obj, name)

    def _pf_run_hooks(
        self,
        plan: Plan,
        scope: str,
        hooks: tuple[Callable[..., Any], ...],
        obj: Any,
        values: dict[str, Any],
    ) -> Body[None]:
        """Call the after-``scope`` hooks; a hook's coroutine is awaited under ``acreate``
        and refused by the sync methods."""
        attrs = types.MappingProxyType(values)
        for hook in hooks:
            try:
                result = hook(self, obj, attrs)
                if inspect.isawaitable(result):
                    yield Call(_unawaited, _awaited, result)
            except _Unawaited:
                refused = AsyncModeError(
                    f"after-{scope} hook {hook.__name__} returned an awaitable, which only "
                    "acreate() and acreate_batch() await; call one of those"
                )
                raise refused.within(plan.factory_name, plan.schema) from None
            except Exception as exc:
                error = self._pf_hook_error(plan, scope, hook, exc)
                raise error from error.__cause__

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

    def _pf_hook_error(
        self, plan: Plan, scope: str, hook: Callable[..., Any], exc: Exception
    ) -> FactoryError:
        if isinstance(exc, FactoryError):
            return exc.within(plan.factory_name, plan.schema)
        error = HookError(f"after-{scope} hook {hook.__name__} raised {exc!r}")
        error.__cause__ = exc
        return error.within(plan.factory_name, plan.schema)


class _Unawaited(Exception):
    """A hook's awaitable met by a sync method (see :meth:`MakeOne._pf_run_hooks`)."""


def _unawaited(result: Awaitable[Any]) -> None:
    if inspect.iscoroutine(result):
        result.close()  # never awaited: close it, so Python does not warn
    raise _Unawaited


async def _awaited(result: Awaitable[Any]) -> Any:
    return await result
