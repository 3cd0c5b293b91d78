"""Datasets: rows that depend only on (seed, row index), so any slice of one can be
made anywhere, in any order, and comes out the same (DESIGN.md §11).

:func:`generate` gives the rows of a seeded factory's schema as attribute dicts::

    from pyfactory.dataset import generate

    for row in generate(UserFactory, "basic", count=1_000_000, seed=7):
        ...

Row ``i`` is made from the seed, the factory class, the schema and ``i`` alone: its
random values come from its own stream (see :mod:`pyfactory._stream`), its sequences
count from ``i`` (``sequence("u{n}")`` gives ``u{i+1}``), and ``ctx.index`` and
``ctx.row`` are ``i``. So ``generate(..., start=990, count=10)`` gives rows 990 to 999
of the full run, and a run split between workers gives the same rows as one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pyfactory.dataset._args import check_int, seeded

if TYPE_CHECKING:
    from pyfactory._factory import Factory

__all__ = ["CHUNK_SIZE", "generate", "pick", "write"]

#: How many rows :func:`generate` makes at a time: what it holds in memory at once.
CHUNK_SIZE = 10_000


def generate(
    factory: type[Factory[Any]] | Factory[Any],
    schema: str | None = None,
    /,
    *traits: str,
    count: int,
    seed: int,
    start: int = 0,
    chunk_size: int = CHUNK_SIZE,
    **overrides: Any,
) -> Iterator[dict[str, Any]]:
    """Rows ``start`` to ``start + count - 1`` of the dataset of ``factory``'s ``schema``
    for ``seed``, as attribute dicts (associations and many() fields nested as dicts
    and lists of dicts), made ``chunk_size`` rows at a time as the iterator is read.

    Args:
        factory: A factory class, made with ``seed``; or an instance, whose context
            is kept (its own seed and Faker are not used: ``seed`` decides).
        schema: The schema; the factory's ``_default_schema`` when left out.
        *traits: Traits applied to every row.
        count: How many rows.
        seed: The dataset's seed: the same seed gives the same rows.
        start: The index of the first row.
        chunk_size: How many rows are made at a time (memory, not values: any chunk
            size gives the same rows).
        **overrides: Overrides for every row, as for ``attributes()``.

    Raises:
        UsageError: A count, start, seed or chunk size that is not an int of the
            right sign, or a factory that is not one; before any row is made.

    Unique values (``fake(..., unique=True)``) are unique among the rows one call
    makes: they depend on the values handed out before, so a slice made on its own
    may draw other ones.
    """
    made = seeded("generate", factory, seed)
    name = type(made).__name__
    check_int("generate", name, "count", count, 0)
    check_int("generate", name, "start", start, 0)
    check_int("generate", name, "chunk_size", chunk_size, 1)
    # Check the schema and traits now, not when the first row is read.
    made._pf_names(schema, traits)
    return _rows(made, schema, traits, overrides, start, count, chunk_size)


def _rows(
    made: Factory[Any],
    schema: str | None,
    traits: tuple[str, ...],
    overrides: dict[str, Any],
    start: int,
    count: int,
    chunk_size: int,
) -> Iterator[dict[str, Any]]:
    end = start + count
    for first in range(start, end, chunk_size):
        yield from made._pf_dataset_rows(
            schema, traits, overrides, first, min(chunk_size, end - first)
        )


# At the end: _write imports generate from this module when it runs.
from pyfactory.dataset._pick import pick  # noqa: E402
from pyfactory.dataset._write import write  # noqa: E402
