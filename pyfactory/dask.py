"""A dataset as a Dask bag or dataframe: each partition makes its own rows where it runs.

A dataset's row ``i`` depends only on (seed, ``i``) (:mod:`pyfactory.dataset`), so a
partition needs no rows but its own: partition ``p`` of :func:`bag` and :func:`dataframe`
holds a fixed, contiguous range of row indices and makes them with
:func:`~pyfactory.dataset.generate` on the worker that runs it. The client sends a few
numbers per partition, never rows, and the result is the same for any ``npartitions``,
any scheduler and any cluster::

    from pyfactory.dask import dataframe

    users = dataframe(UserFactory, "basic", count=10_000_000, seed=7, npartitions=100)
    users.groupby("city").size().compute()

Dask is an optional dependency (``pip install 'pyfactory-schema[dask]'``): it is
imported when one of these functions is called, not by ``import pyfactory``.

What a task carries to a worker is the factory class, by reference (its module and
name: the worker imports it), the instance's context, the schema, traits, overrides
and seed. Under a scheduler that pickles tasks (``processes``, ``dask.distributed``) a
factory class that cannot be imported (defined in a function or in ``__main__``), or
a context or override that does not pickle, is a :class:`~pyfactory.UsageError` that
names the factory, raised where Dask serializes the graph (``dask.distributed`` raises
its own ``TypeError``, with it in the chain of causes): a class pickled by value
does not make the same rows in another process. The ``sync`` and ``threads``
schedulers never pickle, so any factory works there.
"""

from __future__ import annotations

import datetime
import sys
import types
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pyfactory.dataset import generate
from pyfactory.dataset._args import check_int, factory_name
from pyfactory.errors import FactoryError, UsageError
from pyfactory.introspect import fields_of

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe

    from pyfactory._factory import Factory

__all__ = ["SAMPLE_SIZE", "bag", "dataframe"]

#: How many rows :func:`dataframe` makes in the client, when no ``meta`` is given, to
#: learn the columns and the dtypes the model's field information does not give.
SAMPLE_SIZE = 100


def bag(
    factory: type[Factory[Any]] | Factory[Any],
    schema: str | None = None,
    /,
    *traits: str,
    count: int,
    seed: int,
    npartitions: int,
    **overrides: Any,
) -> dask.bag.Bag:
    """The rows of :func:`generate(factory, schema, *traits, count=count, seed=seed,
    **overrides) <pyfactory.dataset.generate>` as a Dask bag of attribute dicts.

    Partition ``p`` holds rows ``p * count // n`` to ``(p + 1) * count // n - 1``, in
    order, where ``n`` is ``npartitions`` (or ``count``, when there are fewer rows than
    partitions; one empty partition when ``count`` is 0). It makes them as a list where
    it runs; nothing is made in the client. Computed, the bag is
    ``list(generate(...))`` for any ``npartitions`` and scheduler.

    Args:
        factory: A factory class, or an instance whose context is kept (as for
            ``generate``). Under a scheduler that pickles tasks, it must pickle: a
            class of an importable module always does.
        schema: The schema; the factory's ``_default_schema`` when left out.
        *traits: Traits applied to every row.
        count: How many rows.
        seed: The dataset's seed.
        npartitions: How many partitions, at most: each holds about
            ``count / npartitions`` rows in memory where it runs.
        **overrides: Overrides for every row, as for ``attributes()``.

    Raises:
        UsageError: A count, seed or npartitions that is not an int of the right
            sign, or a factory that is not one; at the call. A factory, context or
            override that a pickling scheduler cannot pickle; at ``compute()``.
        UnknownSchemaError: An unknown schema or trait, at the call.
    """
    import dask.bag as db

    job = _job("bag", factory, schema, traits, count, seed, npartitions, overrides)
    slices = _slices(count, npartitions)
    pairs = db.from_sequence(slices, npartitions=len(slices))  # type: ignore[no-untyped-call]
    made: dask.bag.Bag = pairs.map_partitions(job.partition, token=f"{job.label}-rows")
    return made


def dataframe(
    factory: type[Factory[Any]] | Factory[Any],
    schema: str | None = None,
    /,
    *traits: str,
    count: int,
    seed: int,
    npartitions: int,
    meta: Any = None,
    **overrides: Any,
) -> dask.dataframe.DataFrame:
    """The rows of :func:`generate(factory, schema, *traits, count=count, seed=seed,
    **overrides) <pyfactory.dataset.generate>` as a Dask dataframe, one column per
    field, indexed by row index.

    Partitions hold the row ranges of :func:`bag`, made into pandas DataFrames where
    they run. The index is the row index (an ``int64`` column, unnamed, as
    ``pandas.DataFrame(list(generate(...)))`` has it), and the divisions are known:
    the first row of each partition and the last row, so ``.loc[990:999]`` computes
    one or two partitions only.

    The columns are the fields of a row, in its order; their dtypes come from
    ``meta`` when given (the columns must be the row's fields, in any order), else,
    field by field:

    - from the model's field information (:func:`~pyfactory.introspect.fields_of`)
      when its type is ``bool``, ``int``, ``float``, ``str`` or a naive ``datetime``
      and the sample's values are of it: ``int64``, ``bool``, ``float64``, Dask's
      string dtype, ``datetime64[us]``; an optional ``int`` or ``bool`` is ``Int64``
      or ``boolean``;
    - else from a sample of :data:`SAMPLE_SIZE` rows made in the client (rows 0 to
      99 of the dataset, whatever ``count`` is), by the types of their values in the
      same way;
    - else ``object``: associations (dicts), ``many`` fields (lists of dicts), and
      UUIDs, dates, decimals, enums and aware datetimes as Python objects.

    Dask's string dtype is ``string[pyarrow]``, or ``object`` when Dask's
    ``dataframe.convert-string`` setting is off; object columns are never turned into
    strings. A row whose value does not fit its column's dtype (an ``int`` column
    that the sample saw without ``None``, say) fails its partition with a
    :class:`~pyfactory.UsageError` naming the column: give ``meta`` then.

    Args:
        factory, schema, traits, count, seed, npartitions, overrides: As for
            :func:`bag`.
        meta: The columns and dtypes, as Dask takes them: an empty pandas DataFrame,
            a dict of column name to dtype, or a list of (name, dtype) pairs. With
            it, the client makes one row, to check the columns.

    Raises:
        UsageError: As for :func:`bag`; ``meta`` naming other columns than a row's.
        UnknownSchemaError: An unknown schema or trait, at the call.
    """
    import dask
    import dask.dataframe as dd

    job = _job("dataframe", factory, schema, traits, count, seed, npartitions, overrides)
    frame = _Frame(job, _meta(job, meta))
    slices = _slices(count, npartitions)
    divisions = (*(start for start, _ in slices), max(count - 1, 0))
    # Dask turns object columns into strings by default; ours hold dicts and lists,
    # and the string columns already have the dtype the meta says.
    with dask.config.set({"dataframe.convert-string": False}):
        made: dask.dataframe.DataFrame = dd.from_map(  # type: ignore[no-untyped-call]
            frame, slices, meta=frame.meta, divisions=divisions, label=f"{job.label}-frame"
        )
    return made


class _Job:
    """What the partitions of one dataset share, and what a task carries to a worker:
    the rows of any slice of the dataset are made from it alone."""

    def __init__(
        self,
        call: str,
        factory: Any,
        schema: str | None,
        traits: tuple[str, ...],
        seed: int,
        overrides: dict[str, Any],
    ) -> None:
        self.call = call
        # A class by itself, an instance as its class and context: an instance's
        # Faker and caches are not needed (``seed`` decides) and may not pickle.
        self.factory: Any = factory if isinstance(factory, type) else type(factory)
        self.context = {} if isinstance(factory, type) else dict(factory.context)
        self.schema = schema
        self.traits = traits
        self.seed = seed
        self.overrides = overrides
        self.name = self.factory.__name__
        default = getattr(self.factory, "_default_schema", None)
        self.label = f"{self.name}.{schema or default}".lower()
        # Each call makes new keys: the factory and overrides need not tokenize.
        self.token = uuid.uuid4().hex

    def rows(self, start: int, count: int) -> list[dict[str, Any]]:
        """Rows ``start`` to ``start + count - 1``."""
        made = self.factory(**self.context) if self.context else self.factory
        return list(
            generate(
                made,
                self.schema,
                *self.traits,
                count=count,
                seed=self.seed,
                start=start,
                **self.overrides,
            )
        )

    def partition(self, slices: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
        """The rows of a bag partition: a list of one (start, count) pair."""
        return [row for start, count in slices for row in self.rows(start, count)]

    def __dask_tokenize__(self) -> str:
        return self.token

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled here, so that a factory that cannot be is named: Dask would report
        # only a pickling error from deep inside its graph.
        import cloudpickle  # type: ignore[import-untyped]

        if not _importable(self.factory):
            where = self.factory.__module__ + "." + self.factory.__qualname__
            raise UsageError(
                f"{self.call}({self.name}, ...) cannot send {self.name} to Dask's workers: "
                f"{where} cannot be imported there (a class defined in a function or in "
                "__main__), and a copy pickled by value does not make the same rows in "
                "another process. Define the factory at the top level of a module the "
                "workers can import, or use the 'sync' or 'threads' scheduler"
            )
        state = self.__dict__
        try:
            data = cloudpickle.dumps(state)
        except Exception as error:
            raise UsageError(
                f"{self.call}({self.name}, ...) cannot send {self.name}, its context or "
                f"overrides to Dask's workers: {type(error).__name__}: {error}. "
                "Define the factory at the top level of a module the workers can import, "
                "and give it a context and overrides that pickle, or use the 'sync' or "
                "'threads' scheduler"
            ) from error
        return (_thaw, (data,))


def _importable(cls: type) -> bool:
    """Whether a worker gets ``cls`` by importing its module, as pickle sends a class."""
    module = sys.modules.get(cls.__module__)
    if module is None or cls.__module__ == "__main__":
        return False
    found: Any = module
    for part in cls.__qualname__.split("."):
        found = getattr(found, part, None)
    return found is cls


def _thaw(data: bytes) -> _Job:
    """A job as a worker gets it back from :meth:`_Job.__reduce__`."""
    import pickle

    job = _Job.__new__(_Job)
    job.__dict__.update(pickle.loads(data))
    return job


class _Frame:
    """Makes the pandas DataFrame of one partition, with the columns of ``meta``."""

    def __init__(self, job: _Job, meta: Any) -> None:
        self.job = job
        self.meta = meta

    def __call__(self, part: tuple[int, int]) -> Any:
        import pandas as pd  # type: ignore[import-untyped]

        start, count = part
        rows = self.job.rows(start, count)
        index = pd.RangeIndex(start, start + count)
        columns = {}
        for name, dtype in self.meta.dtypes.items():
            values = [row[name] for row in rows]
            try:
                columns[name] = pd.Series(values, index=index, dtype=dtype)
            except (TypeError, ValueError, OverflowError) as error:
                raise UsageError(
                    f"{self.job.call}({self.job.name}, ...) rows {start} to "
                    f"{start + count - 1}: column {name!r} cannot hold their values as "
                    f"{dtype}: {type(error).__name__}: {error}; give meta= with a dtype "
                    "that holds them"
                ) from error
        return pd.DataFrame(columns, index=index, columns=self.meta.columns)

    def __dask_tokenize__(self) -> str:
        return self.job.token


def _job(
    call: str,
    factory: Any,
    schema: str | None,
    traits: tuple[str, ...],
    count: Any,
    seed: Any,
    npartitions: Any,
    overrides: dict[str, Any],
) -> _Job:
    """The job of a call, once its arguments are checked."""
    name = factory_name(call, factory)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise UsageError(f"{call}({name}, ...) seed must be an int, got {seed!r}")
    check_int(call, name, "count", count, 0)
    check_int(call, name, "npartitions", npartitions, 1)
    # The schema, traits and an abstract factory fail here, not in a worker.
    generate(factory, schema, *traits, count=0, seed=seed, **overrides)
    return _Job(call, factory, schema, traits, seed, overrides)


def _slices(count: int, npartitions: int) -> list[tuple[int, int]]:
    """(start, count) of each partition: contiguous, in order, sizes within one of
    each other, none empty unless the dataset is."""
    n = max(1, min(npartitions, count))
    bounds = [p * count // n for p in range(n + 1)]
    return [(bounds[p], bounds[p + 1] - bounds[p]) for p in range(n)]


def _meta(job: _Job, meta: Any) -> Any:
    """The empty pandas DataFrame that says the columns and dtypes of the partitions."""
    import pandas as pd
    from dask.dataframe.dispatch import make_meta

    sample = job.rows(0, 1 if meta is not None else SAMPLE_SIZE)
    fields = list(sample[0])
    if meta is not None:
        made = make_meta(meta)  # type: ignore[no-untyped-call]
        columns = [str(name) for name in getattr(made, "columns", ())]
        if not isinstance(made, pd.DataFrame) or sorted(columns) != sorted(fields):
            raise UsageError(
                f"{job.call}({job.name}, ...) meta must name the fields of a row, "
                f"{fields}, got {columns or meta!r}"
            )
        made.index = pd.RangeIndex(0)
        return made
    known = _field_types(job.factory)
    dtypes = {name: _dtype(known.get(name), [row[name] for row in sample]) for name in fields}
    return pd.DataFrame(
        {name: pd.Series([], dtype=dtype) for name, dtype in dtypes.items()},
        index=pd.RangeIndex(0),
    )


def _field_types(factory: Any) -> dict[str, tuple[Any, bool]]:
    """Field name -> (type, may be None), from the model's field information if
    pyfactory can read it; nothing otherwise."""
    try:
        fields = fields_of(factory._model)
    except FactoryError:
        return {}
    found = {}
    for info in fields:
        tp, nullable = _optional(info.type)
        if tp is datetime.datetime and info.extra.get("timezone") not in (None, False):
            continue
        found[info.name] = (tp, nullable or info.nullable)
    return found


def _optional(tp: Any) -> tuple[Any, bool]:
    """``Optional[X]`` as (X, True); any other type as (it, False)."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [arg for arg in get_args(tp) if arg is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(tp)):
            return args[0], True
    return tp, False


def _dtype(known: tuple[Any, bool] | None, values: list[Any]) -> Any:
    """The dtype of a column: of its field's type when the values are of it, else of
    the types of the values, else ``object``."""
    present = [value for value in values if value is not None]
    if known is not None:
        tp, nullable = known
        dtype = _dtype_of(tp, nullable)
        if dtype is not None and all(_of(tp, value) for value in present):
            return dtype
    kinds = {_kind(value) for value in present}
    if kinds == {int, float}:
        return "float64"
    if len(kinds) == 1:
        dtype = _dtype_of(kinds.pop(), len(present) < len(values))
        if dtype is not None:
            return dtype
    return object


def _kind(value: Any) -> Any:
    """The type of a value, for :func:`_dtype_of`; an aware datetime is kept as an
    object (its zone would have to be the same in every row)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return object
    return type(value)


def _of(tp: Any, value: Any) -> bool:
    if tp is int or tp is float:
        return isinstance(value, (int, float) if tp is float else int) and not isinstance(
            value, bool
        )
    if tp is datetime.datetime:
        return isinstance(value, datetime.datetime) and value.tzinfo is None
    return isinstance(value, tp)


def _dtype_of(tp: Any, nullable: bool) -> Any:
    """The dtype of values of ``tp`` (``None`` among them if ``nullable``), or ``None``
    for a type kept as Python objects."""
    if tp is bool:
        return "boolean" if nullable else "bool"
    if tp is int:
        return "Int64" if nullable else "int64"
    if tp is float:
        return "float64"
    if tp is str:
        return _string_dtype()
    if tp is datetime.datetime:
        return "datetime64[us]"
    return None


def _string_dtype() -> Any:
    """Dask's string dtype: ``string[pyarrow]`` unless ``dataframe.convert-string`` is
    off."""
    import pandas as pd
    from dask.dataframe.utils import pyarrow_strings_enabled

    return pd.StringDtype("pyarrow") if pyarrow_strings_enabled() else object
