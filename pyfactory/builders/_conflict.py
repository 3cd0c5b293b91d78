"""What the database builders share about ``on_conflict``: the allowed values, their
check at construction, and how a write tells a seed run how many rows it skipped.

``on_conflict`` says what a bulk write does with a row whose unique key is taken
(DESIGN.md §4): ``"error"`` (the default) fails the write, ``"skip"`` leaves the stored
row as it is, ``"update"`` overwrites its other columns with the row's values. Each
builder turns it into its database's own statement (SQLAlchemy:
:mod:`~pyfactory.builders._sa_conflict`; Django: ``bulk_create``'s
``ignore_conflicts`` and ``update_conflicts``).

The seed runner (:mod:`pyfactory.seeding`, above the builders) counts the rows a seed
skipped through :func:`listening_for_skips`: a builder cannot import it, so it reports
to whatever listener the running context holds, and to nobody outside a seed run.

A skipped row is returned as the row already stored, and nothing more is made for it
(DESIGN.md §4's promise of no orphans): the factory above the builder notes which rows
of its ``create``/``create_many`` call a builder found stored (:func:`noting_found`,
:func:`report_found`), and makes no children and runs no hooks for them, as for a row
that ``_get_or_create`` found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

import attrs

from pyfactory.errors import FactoryDefinitionError

__all__ = [
    "ON_CONFLICT",
    "Conflict",
    "OnConflict",
    "by_keys",
    "check_on_conflict",
    "conflict_repr",
    "conflict_settings",
    "listening_for_skips",
    "noting_found",
    "report_found",
    "report_skipped",
    "skipped_rows",
]

OnConflict = Literal["error", "skip", "update"]

#: The values of ``on_conflict``, in the order the messages name them.
ON_CONFLICT: tuple[OnConflict, ...] = ("error", "skip", "update")

#: ``listener(table, count)``: told of the rows each write skipped, by table name.
SkipListener = Callable[[str, int], None]


@attrs.frozen
class Conflict:
    """What a builder does with a row whose unique key is taken, as its writes take it.

    Attributes:
        action: ``"skip"`` or ``"update"``.
        target: The names of the unique key's columns (fields, for Django) to look at;
            None: any unique key for ``"skip"``, the table's own choice for
            ``"update"``.
        builder: The builder's class name, for the messages.
    """

    action: OnConflict
    target: tuple[str, ...] | None
    builder: str

    def said(self) -> str:
        """How the builder was made, as messages name it."""
        target = "" if self.target is None else f", on_conflict_target={self.target!r}"
        return f"{self.builder}(on_conflict={self.action!r}{target})"


_LISTENER: ContextVar[SkipListener | None] = ContextVar("pyfactory_skips", default=None)


def check_on_conflict(
    builder: str, on_conflict: object, target: object
) -> tuple[OnConflict, tuple[str, ...] | None]:
    """``on_conflict`` and ``on_conflict_target`` as a builder keeps them, checked.

    A target is the names of the columns of one unique key (a bare string is one
    name); it says which key ``"skip"`` and ``"update"`` look at, so it means nothing
    with ``"error"``.

    Raises:
        FactoryDefinitionError: A value other than the three, a target that is not
            column names, or a target with ``on_conflict="error"``.
    """
    if not isinstance(on_conflict, str) or on_conflict not in ON_CONFLICT:
        allowed = ", ".join(repr(value) for value in ON_CONFLICT)
        raise FactoryDefinitionError(
            f"{builder} on_conflict is one of {allowed}, not {on_conflict!r}"
        )
    if target is None:
        return on_conflict, None
    names = (target,) if isinstance(target, str) else target
    if (
        not isinstance(names, Sequence)
        or not names
        or not all(isinstance(name, str) and name for name in names)
    ):
        raise FactoryDefinitionError(
            f"{builder} on_conflict_target is the column names of one unique key, such as "
            f"('email',) or ('tenant_id', 'slug'), not {target!r}"
        )
    if on_conflict == "error":
        raise FactoryDefinitionError(
            f"{builder} was given on_conflict_target={tuple(names)!r} with "
            "on_conflict='error', where a conflict fails whatever its key: give "
            "on_conflict='skip' or 'update' with it, or leave the target out"
        )
    return on_conflict, tuple(names)


def conflict_settings(
    builder: str, on_conflict: object, target: object
) -> tuple[OnConflict, tuple[str, ...] | None, Conflict | None]:
    """What a database builder keeps of its ``on_conflict`` arguments, checked (see
    :func:`check_on_conflict`): the two settings, and the :class:`Conflict` its writes
    follow (None for ``"error"``, which writes as it always has)."""
    mode, names = check_on_conflict(builder, on_conflict, target)
    return mode, names, None if mode == "error" else Conflict(mode, names, builder)


def report_skipped(table: str, count: int) -> None:
    """Tell the running seed (if any) that a write skipped ``count`` rows of ``table``."""
    listener = _LISTENER.get()
    if listener is not None and count:
        listener(table, count)


@contextmanager
def listening_for_skips(listener: SkipListener) -> Iterator[None]:
    """Send the skips that the writes of this context report to ``listener``; the
    context's tasks, threads started with its copy and ``run_sync`` greenlets too."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def conflict_repr(on_conflict: str, target: tuple[str, ...] | None) -> str:
    """The ``on_conflict`` part of a builder's repr: empty for the default."""
    if on_conflict == "error":
        return ""
    more = f", on_conflict={on_conflict!r}"
    if target is not None:
        more += f", on_conflict_target={target!r}"
    return more


#: Where the rows a builder found stored go, for the call that is noting them.
_FOUND: ContextVar[list[int] | None] = ContextVar("pyfactory_found", default=None)


def skipped_rows(stored: Sequence[Any], keys: Sequence[Sequence[Any]]) -> list[int]:
    """The rows that a skipping write leaves alone, before it runs: those whose key is
    stored already (``stored[i]`` is not None), and those that repeat a key of an
    earlier row of the write (the database keeps the first). ``keys[n][i]`` is row
    ``i``'s value of the ``n``-th unique key, None where it holds a NULL."""
    seen: list[set[Any]] = [set() for _ in keys]
    skipped = []
    for index, found in enumerate(stored):
        values = [key[index] for key in keys]
        if found is not None or any(
            value is not None and value in known for value, known in zip(values, seen, strict=True)
        ):
            skipped.append(index)
        for value, known in zip(values, seen, strict=True):
            if value is not None:
                known.add(value)
    return skipped


def by_keys(
    keys: Sequence[Sequence[Any]],
    fetch: Callable[[int, list[Any]], Mapping[Any, Any]],
    count: int,
) -> list[Any]:
    """The stored object of each of ``count`` rows, looked up by the first unique key
    that finds it (rows that give the same key get the same object); None for a row
    none finds. ``keys[n][i]`` is row ``i``'s value of key ``n`` (None where it holds a
    NULL, which finds nothing), and ``fetch(n, values)`` the stored objects of key
    ``n`` by value: the builder's query, the rule being the same for every builder."""
    made: list[Any] = [None] * count
    left = list(range(count))
    for n, values in enumerate(keys):
        wanted: dict[Any, list[int]] = {}
        for index in left:
            if values[index] is not None:
                wanted.setdefault(values[index], []).append(index)
        found = fetch(n, list(wanted))
        for value, indexes in wanted.items():
            obj = found.get(value)
            for index in indexes if obj is not None else ():
                made[index] = obj
        left = [index for index in left if made[index] is None]
        if not left:
            break
    return made


def report_found(indexes: Iterable[int]) -> None:
    """Tell the call that is noting them (:func:`noting_found`) which of the rows given
    to this ``create``/``create_many`` were found stored and left alone."""
    sink = _FOUND.get()
    if sink is not None:
        sink.extend(indexes)


@contextmanager
def noting_found() -> Iterator[list[int]]:
    """The rows that the builder calls of this block report found stored (their indexes
    in the call's rows), as a list filled when the block ends."""
    sink: list[int] = []
    token = _FOUND.set(sink)
    try:
        yield sink
    finally:
        _FOUND.reset(token)
