"""One body for the sync and the async methods: a generator of steps, and two drivers.

A body is a generator that does everything but wait: where it needs a builder's
write, a child made or a hook's coroutine, it yields a :class:`Call` naming the
sync and the async way to do it, and receives the result (or the exception, raised
at the ``yield``, so its own ``try`` blocks apply). :func:`drive` runs a body with
the sync ways, :func:`adrive` awaits the async ones; bodies nest with ``yield from``.
This is how ``create_batch`` and ``acreate_batch`` share every line but the calls
that wait, as httpx's ``Auth.auth_flow`` serves both of its clients.

Hand-written rather than taken from a library: no well-kept one does this for
plain generators (``greenlet``-based bridges such as SQLAlchemy's need a greenlet
per call and hide the waits). Part of the foundation: it imports nothing of
pyfactory, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

__all__ = ["Body", "Call", "adrive", "drive"]

T = TypeVar("T")


class Call:
    """A step that waits: ``sync(*args)`` under :func:`drive`, ``await
    async_(*args)`` under :func:`adrive`."""

    __slots__ = ("args", "async_", "sync")

    def __init__(
        self,
        sync: Callable[..., Any],
        async_: Callable[..., Awaitable[Any]],
        *args: Any,
    ) -> None:
        self.sync = sync
        self.async_ = async_
        self.args = args


#: A body: yields :class:`Call` steps, receives their results, returns ``T``.
Body = Generator[Call, Any, T]


def drive(body: Body[T]) -> T:
    """Run ``body`` with each step's sync way."""
    result: Any = None
    failed: BaseException | None = None
    while True:
        try:
            step = body.send(result) if failed is None else body.throw(failed)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            result, failed = step.sync(*step.args), None
        except BaseException as exc:  # handed back to the body, at its yield
            result, failed = None, exc


async def adrive(body: Body[T]) -> T:
    """Run ``body`` awaiting each step's async way."""
    result: Any = None
    failed: BaseException | None = None
    while True:
        try:
            step = body.send(result) if failed is None else body.throw(failed)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            result, failed = await step.async_(*step.args), None
        except BaseException as exc:
            result, failed = None, exc
