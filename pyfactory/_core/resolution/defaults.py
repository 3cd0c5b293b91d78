"""Default objects for associations: ``defaults(organization=org)`` makes every
association at the key ``organization``, in any factory and at any depth, give ``org``
instead of making a new organization, while the block runs (test-prof's
``create_default``, which large suites use to make one organization per test instead of
one per object).

The resolver asks :func:`default_for` before it makes an association's child. The
defaults live in a :class:`~contextvars.ContextVar`, so a block applies to the tasks it
starts and not to other threads; a module-level count of open blocks lets the
resolver skip the lookup altogether when none is open, which is the usual case.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["Defaults", "default_for", "defaults", "take_tally"]


class Defaults:
    """The objects of one ``defaults()`` block, and how often each was used."""

    __slots__ = ("hits", "lock", "objects")

    def __init__(self, objects: Mapping[str, Any]) -> None:
        self.objects = dict(objects)
        #: How many associations each key's object stood for.
        self.hits: dict[str, int] = dict.fromkeys(self.objects, 0)
        self.lock = threading.Lock()


#: The blocks open in this context, innermost last.
_open: ContextVar[tuple[Defaults, ...]] = ContextVar("pyfactory_defaults", default=())
#: How many blocks are open in any context: none, and the resolver asks nothing
#: (read as an attribute of this module by the resolver's compiled builds).
open_count = 0
_count_lock = threading.Lock()


def any_open() -> bool:
    """Whether some ``defaults()`` block is open, in any thread."""
    return open_count > 0


#: What default_for() answers when no default stands for the key.
NONE = object()

#: How often each key's default stood for an association in this process, since the
#: last take_tally() (``--pyfactory-report`` shows it per session).
_tally: dict[str, int] = {}


def take_tally() -> dict[str, int]:
    """The uses of defaults counted so far, starting again from nothing."""
    global _tally
    with _count_lock:
        taken, _tally = _tally, {}
    return taken


def default_for(key: str, scope: str, child_overrides: Mapping[str, Any]) -> Any:
    """The object that stands for the association at ``key`` under ``scope``, or
    :data:`NONE`: none under ``attributes()``, which gives plain data, nor when the
    caller's ``key__field`` overrides ask for a child of their own."""
    if scope == "attributes" or key in child_overrides:
        return NONE
    for block in reversed(_open.get()):
        found = block.objects.get(key, NONE)
        if found is not NONE:
            with block.lock:
                block.hits[key] += 1
            with _count_lock:
                _tally[key] = _tally.get(key, 0) + 1
            return found
    return NONE


@contextmanager
def defaults(**objects: Any) -> Iterator[Defaults]:
    """While the block runs, every association at one of these keys gives the object
    named for it instead of making a child (in ``build`` and ``create``, at any depth,
    in every factory), unless the caller overrides that key or its child
    (``organization=...``, ``organization__name=...``)::

        with defaults(organization=org) as used:
            ProjectFactory(session=db).create_batch(10)   # no new organization
        assert used.hits["organization"] == 10

    Blocks nest; an inner block's object wins for its keys. ``many()`` lists are not
    affected.

    .. versionadded:: 1.1
    """
    global open_count
    block = Defaults(objects)
    token = _open.set((*_open.get(), block))
    with _count_lock:
        open_count += 1
    try:
        yield block
    finally:
        _open.reset(token)
        with _count_lock:
            open_count -= 1
