"""Bulk creation: ``create_batch`` writes each table once per level, not once per row.

While the rows of a batch are resolved, an association does not create its
child: the child's attributes are resolved (its own associations deferred in
turn, one level deeper) and a :class:`Pending` stands in for it. When every
row is resolved, :meth:`Batch.flushing` creates the pending children level by
level, deepest first, each level of each factory in one ``create_many`` call,
and the placeholders in the rows above are replaced by the created objects.

A field that needs a child as a real object before the flush (a lazy
function reading it, a ``callback()``) forces that one child to be created on
the spot, so the result is always the same as creating row by row; only the
number of statements changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory._drive import Body, Call, adrive, drive
from pyfactory._limits import MAX_BATCH
from pyfactory._walk import holds
from pyfactory.errors import FactoryError, FieldError, UsageError

if TYPE_CHECKING:
    from pyfactory._core.plan.plan import Plan
    from pyfactory._core.resolution.maker import Maker
    from pyfactory._core.resolution.resolver import Later

__all__ = [
    "Batch",
    "Origin",
    "Pending",
    "PendingAttr",
    "asettle",
    "batch_method",
    "batch_out_of_memory",
    "batch_too_large",
    "settle",
    "settling",
    "settling_row",
    "unsettled",
]


def batch_method(scope: str, keep: bool, is_async: bool = False) -> str:
    """The public name of the batch method that makes ``scope``'s objects."""
    if scope == "create":
        name = "create_batch" if keep else "insert_batch"
        return f"a{name}" if is_async else name
    return f"{scope}_batch"


def _chunks_hint(method: str) -> str:
    if method.endswith("insert_batch"):
        return "lower the factory's _batch_size, the rows it holds at a time"
    hint = f"make them in chunks ({method}(schema, 100_000) in a loop)"
    if "create" in method:
        insert = "ainsert_batch()" if method.startswith("a") else "insert_batch()"
        hint = f"write them with {insert}, which keeps memory flat, or {hint}"
    return hint


def _batch_error(factory: str, schema: str | None, reason: str) -> FactoryError:
    if schema is None:
        # No schema named and no default: the message still names the factory.
        return UsageError(f"{factory}.{reason}")
    return UsageError(reason).within(factory, schema)


def batch_too_large(factory: str, schema: str | None, method: str, count: int) -> FactoryError:
    """The error for a batch count too large to return as a list (see :data:`MAX_BATCH`)."""
    reason = (
        f"{method}() of {count:,} objects is more than one call returns in a list "
        f"({MAX_BATCH:,}): they would not fit in memory; {_chunks_hint(method)}"
    )
    return _batch_error(factory, schema, reason)


def batch_out_of_memory(factory: str, schema: str | None, method: str, count: int) -> FactoryError:
    """The error for a batch that ran out of memory part way."""
    reason = f"{method}() of {count:,} objects ran out of memory; {_chunks_hint(method)}"
    return _batch_error(factory, schema, reason)


class Origin:
    """Where a pending child comes from: its parent's factory, schema and field, and
    how deep it is below the batch's rows."""

    __slots__ = ("depth", "factory", "field", "parent", "schema")

    def __init__(
        self, factory: str, schema: str, field: str, depth: int, parent: Origin | None = None
    ) -> None:
        self.factory = factory
        self.schema = schema
        self.field = field
        self.depth = depth
        #: Where the parent itself comes from, when it is a pending child too.
        self.parent = parent

    def frame(self, error: FactoryError) -> FactoryError:
        """Add the whole way down to this child to an error's path, outermost first."""
        origin: Origin | None = self
        while origin is not None:
            error.within(origin.factory, origin.schema, origin.field)
            origin = origin.parent
        return error


class Pending:
    """A child whose attributes are resolved and whose row is not written yet."""

    __slots__ = (
        "built",
        "depth",
        "factory",
        "later",
        "nested",
        "obj",
        "origin",
        "plan",
        "values",
    )

    def __init__(
        self,
        factory: Maker,
        plan: Plan,
        built: dict[str, Any],
        values: dict[str, Any],
        later: list[Later],
        origin: Origin,
    ) -> None:
        self.factory = factory
        self.plan = plan
        self.built = built
        self.values = values
        self.later = later
        self.origin = origin
        self.depth = origin.depth
        #: The created object, once it exists.
        self.obj: Any = _NOT_YET
        #: Whether resolving this child left placeholders of its own in its row.
        self.nested = False

    def result(self) -> Any:
        """The created object, creating this child (and what it waits for) now if needed."""
        if self.obj is _NOT_YET:
            self.factory._pf_create_pending([self])
        return self.obj

    async def aresult(self) -> Any:
        """:meth:`result` under ``acreate_batch``."""
        if self.obj is _NOT_YET:
            await self.factory._pf_acreate_pending([self])
        return self.obj

    def __repr__(self) -> str:
        return f"<pending {self.plan.where()} at depth {self.depth}>"


class PendingAttr:
    """An attribute of a pending child, such as the id a foreign key column needs."""

    __slots__ = ("name", "pending", "what", "where")

    def __init__(self, pending: Pending, name: str, where: Origin, what: str) -> None:
        self.pending = pending
        self.name = name
        #: The field that reads the attribute, and how errors name it: a failure to
        #: read it says the same as ``build`` says, with the same path.
        self.where = where
        self.what = what

    def result(self) -> Any:
        return self._read(self.pending.result())

    async def aresult(self) -> Any:
        return self._read(await self.pending.aresult())

    def _read(self, obj: Any) -> Any:
        try:
            return self.pending.factory._pf_read(obj, self.name)
        except Exception as exc:
            if isinstance(exc, FactoryError):
                raise
            error = self.where.frame(FieldError(f"{self.what} raised {exc!r}"))
            raise error from exc


_NOT_YET = object()
#: The types of values that may be or hold a placeholder: any other needs no look.
MAY_HOLD = _MAY_HOLD = frozenset({Pending, PendingAttr, list, tuple, dict})


def _is_placeholder(value: Any) -> bool:
    kind = type(value)
    return kind is Pending or kind is PendingAttr


def holds_placeholder(value: Any) -> bool:
    """Whether ``value`` is, or holds at any depth of lists, tuples and dicts, a placeholder."""
    return holds(value, _is_placeholder)


def settling(value: Any) -> Body[Any]:
    """``value`` with its placeholders replaced by what they stand for, at any depth: a
    body (each placeholder's object is a step), driven by :func:`settle` and
    :func:`asettle` or nested in a batch's body."""
    kind = type(value)
    if kind is Pending or kind is PendingAttr:
        return (yield Call(value.result, value.aresult))
    if not holds_placeholder(value):
        return value
    if kind is dict:
        settled = {}
        for key, item in value.items():
            settled[key] = yield from settling(item)
        return settled
    items = []
    for item in value:
        items.append((yield from settling(item)))  # noqa: PERF401 - no yield in a comprehension
    return items if kind is list else tuple(items)


def settle(value: Any) -> Any:
    """:func:`settling`, for the sync methods."""
    return drive(settling(value))


async def asettle(value: Any) -> Any:
    """:func:`settling`, for the async methods."""
    return await adrive(settling(value))


def unsettled(row: dict[str, Any]) -> list[str]:
    """The keys of a row whose values are, or hold, placeholders."""
    # A set look-up first: most values are scalars, which need no call at all.
    look = _MAY_HOLD
    return [key for key, value in row.items() if type(value) in look and holds_placeholder(value)]


def settling_row(row: dict[str, Any], keys: tuple[str, ...] | None = None) -> Body[None]:
    """Replace the placeholders among a row's values, in place; only among ``keys``
    when given (the keys of its plan's special fields, where children go)."""
    look = _MAY_HOLD
    for key in unsettled(row) if keys is None else keys:
        value = row.get(key)
        if type(value) in look and holds_placeholder(value):
            row[key] = yield from settling(value)


class Batch:
    """The pending children of one ``create_batch`` call, by factory, plan and level."""

    __slots__ = ("added", "groups")

    def __init__(self) -> None:
        self.groups: dict[tuple[int, int, int], list[Pending]] = {}
        #: How many placeholders were made so far: a row resolved while it did not
        #: change holds none and needs no settling.
        self.added = 0

    def add(self, pending: Pending) -> None:
        key = (pending.depth, id(pending.factory), id(pending.plan))
        self.groups.setdefault(key, []).append(pending)
        self.added += 1

    def _levels(self) -> list[list[Pending]]:
        """The groups, deepest level first; each group's rows not yet created."""
        ordered = sorted(self.groups.items(), key=lambda item: -item[0][0])
        self.groups = {}
        return [[p for p in group if p.obj is _NOT_YET] for _, group in ordered]

    def flushing(self) -> Body[None]:
        """Create every pending child, one ``create_many`` per factory, plan and level:
        a body, nested in the batch's."""
        for group in self._levels():
            if group:
                factory = group[0].factory
                yield Call(factory._pf_create_pending, factory._pf_acreate_pending, group)
