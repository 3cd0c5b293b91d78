"""``pick()``: a field whose value is a field of a random row of another dataset, so the
tables of a multi-table dataset point at each other with no lookup.

A ticket's ``author_id`` must be the ``id`` of a user that the users' dataset has.
Both datasets are made from one seed, and a row of a dataset depends only on the
seed and its index (:mod:`pyfactory.dataset`), so the ticket can work out the id of
user ``j`` itself: it draws ``j`` from its own random stream and makes row ``j`` of
the users' dataset (or finds it among those made before). Any worker, partition or
machine making any slice of the tickets gives each the same author, and every
author is a row of the users' dataset, made or not yet made.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from pyfactory.errors import FactoryDefinitionError, FieldError, UsageError
from pyfactory.fields import SpecialField

if TYPE_CHECKING:
    from pyfactory._core.resolution.context import FieldContext
    from pyfactory._factory import Factory

__all__ = ["PickField", "pick"]

#: How many rows' values a pick() field keeps per seed, the most recently used: enough
#: that a dataset pointing at a table of this size or smaller makes each row once.
_KEPT = 65_536


class PickField(SpecialField[Any]):
    """The ``field`` of a random row among the first ``count`` of ``factory``'s
    dataset; see :func:`pick`."""

    __slots__ = ("_lock", "_made", "_values", "count", "factory", "field", "row", "schema")
    queries = False
    takes_overrides = False

    def __init__(
        self,
        factory: Any,
        schema: str | None,
        count: int | None,
        field: str | None,
        row: Callable[[FieldContext], int] | None,
    ) -> None:
        if getattr(factory, "_pf_is_factory", False) is not True or not isinstance(factory, type):
            raise FactoryDefinitionError(f"pick() takes a Factory class, got {factory!r}")
        cls = cast("type[Factory[Any]]", factory)
        if schema is not None and schema not in cls._pf_schemas:
            raise FactoryDefinitionError(
                f"pick({factory.__name__}, {schema!r}): {factory.__name__} has no schema "
                f"{schema!r}; it has {sorted(cls._pf_schemas)}"
            )
        if count is None and row is None:
            raise FactoryDefinitionError(
                f"pick({factory.__name__}, ...) needs count= (how many rows of its dataset to "
                "pick from) or row= (a function of the context giving the row's index)"
            )
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 1
        ):
            raise FactoryDefinitionError(
                f"pick({factory.__name__}, ...) count must be an int of at least 1 (the rows "
                f"of its dataset to pick from), got {count!r}"
            )
        if row is not None and not callable(row):
            raise FactoryDefinitionError(
                f"pick({factory.__name__}, ...) row must be a function of the field's context "
                f"giving a row index, got {row!r}"
            )
        if field is not None and (not isinstance(field, str) or not field):
            raise FactoryDefinitionError(
                f"pick({factory.__name__}, ...) field must name a field of its rows, or be "
                f"None for the whole row, got {field!r}"
            )
        self.factory = cls
        self.schema = schema
        self.count = count
        self.field = field
        self.row = row
        # (seed, row index) → the field's value, most recent last.
        self._values: OrderedDict[tuple[int, int], Any] = OrderedDict()
        self._lock = threading.Lock()
        # (seed, context, the seeded factory making the rows): see _maker.
        self._made: tuple[int, Any, Factory[Any]] | None = None

    def resolve(self, ctx: FieldContext) -> Any:
        seed = ctx.factory.seed
        if seed is None:
            raise UsageError(
                f"{self.describe()} picks a row of a seeded dataset, but "
                f"{type(ctx.factory).__name__} has no seed: make it with seed=, or make "
                "its rows with pyfactory.dataset.generate() or write()"
            )
        return self._value(ctx, seed, self._index(ctx))

    def _index(self, ctx: FieldContext) -> int:
        count = self.count
        if self.row is None:
            assert count is not None
            return ctx.random.randrange(count)
        index = self.row(ctx)
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise UsageError(
                f"{self.describe()}: row= gave {index!r}, not a row index (an int ≥ 0)"
            )
        if count is not None and index >= count:
            raise UsageError(
                f"{self.describe()}: row= gave {index}, past the last of its {count} rows"
            )
        return index

    def _maker(self, ctx: FieldContext, seed: int) -> Factory[Any]:
        """The seeded factory that makes the rows, kept for the next row of the same
        seed and context: a new one would make a new Faker and new plans (whose own
        pick() fields would start with nothing kept) for every row."""
        context = ctx.context
        kept = self._made
        if kept is not None and kept[0] == seed and kept[1] is context:
            return kept[2]
        made = self.factory(seed=seed, **context)
        self._made = (seed, context, made)
        return made

    def _value(self, ctx: FieldContext, seed: int, index: int) -> Any:
        key = (seed, index)
        values = self._values
        with self._lock:
            if key in values:
                values.move_to_end(key)
                return values[key]
        # Made outside the lock: rows of another factory may themselves hold pick()s.
        row = self._maker(ctx, seed)._pf_dataset_rows(self.schema, (), {}, index, 1)[0]
        if self.field is None:
            value: Any = row
        elif self.field in row:
            value = row[self.field]
        else:
            raise FieldError(
                f"{self.describe()}: row {index} of {self._dataset()} has no field "
                f"{self.field!r}; it has {sorted(row)}"
            )
        with self._lock:
            values[key] = value
            if len(values) > _KEPT:
                values.popitem(last=False)
        return value

    def _dataset(self) -> str:
        return f"{self.factory.__name__}.{self.schema or self.factory._default_schema}"

    def describe(self) -> str:
        count = "" if self.count is None else f", count={self.count}"
        row = "" if self.row is None else ", row=..."
        return f"pick({self._dataset()}{count}{row}, field={self.field!r})"


def pick(
    factory: type[Factory[Any]],
    schema: str | None = None,
    /,
    *,
    count: int | None = None,
    field: str | None = "id",
    row: Callable[[FieldContext], int] | None = None,
) -> PickField:
    """The ``field`` of a random row among rows ``0`` to ``count - 1`` of ``factory``'s
    ``schema`` dataset, for the seed of the factory making this object: a foreign key
    of a multi-table dataset that points at a row the other table has::

        from pyfactory.dataset import pick

        class TicketFactory(Factory[Ticket]):
            @schema()
            def basic(self):
                return {"title": fake("sentence"), "author_id": pick(UserFactory, count=1_000)}

        write(UserFactory, count=1_000, seed=7, to=url)
        write(TicketFactory, count=100_000, seed=7, to=url, workers=2)

    ``row=`` chooses the row instead of a random draw: a function of the field's
    context (see :class:`~pyfactory.FieldContext`) giving its index, for
    keys that follow from this row's own index. Three sessions per event, the
    sessions of event ``e`` being rows ``3e`` to ``3e + 2``::

        "event_id": pick(EventFactory, row=lambda ctx: ctx.row // 3)

    ``count`` then only bounds the index, if given.

    ``field=None`` gives the whole row, as a dict: to take several fields of one row,
    hold it in a :func:`~pyfactory.transient` and read it in :func:`~pyfactory.lazy`
    fields (``lazy(lambda a: a["author"]["email"])``); two ``pick()`` fields draw their
    rows apart.

    The row is drawn from this value's own random stream, so the same ticket gets the
    same author in any slice, worker or partition. Its value is the row's as
    :func:`~pyfactory.dataset.generate` gives it (``id`` is ``i + 1`` for a
    ``sequence()`` id), made again here, so that nothing has to be looked up; the
    values of the last 65,536 rows made are kept.

    The factory making this field needs a seed: a dataset's always has one; an
    ordinary call raises :class:`~pyfactory.errors.UsageError` without one. A
    ``field`` the row does not have raises :class:`~pyfactory.errors.FieldError`.

    .. versionadded:: 1.1
    """
    return PickField(factory, schema, count, field, row)
