"""One body for the sync and the async methods: a generator of steps, and two drivers.

A body is a generator that does everything but wait. Where it needs something that
waits (a builder's write, a child made, a hook's coroutine, a session's commit), it
yields a step and receives the step's result; a step that fails raises at that
``yield``, so the body's own ``try`` blocks (a rollback, an error's path) are
written once. :func:`drive` runs a body for the sync methods, :func:`adrive` for
the async ones, and bodies nest with ``yield from``. This is how ``create_batch``
and ``acreate_batch``, or ``run_seeds`` and ``arun_seeds``, share every line but
the ones that wait, as httpx's ``Auth.auth_flow`` serves both of its clients.

A step is either

* a :class:`Call`, naming the sync and the async way to do one thing (the factory's
  realization: ``Call(builder.create_many, builder.acreate_many, model, rows, ctx)``);
  or
* what the body got by calling something itself, on an object that is sync or async
  already (seeding: ``yield session.commit()``): under :func:`drive` it is the
  result; under :func:`adrive` an awaitable is awaited first.

Hand-written rather than taken from a library: no well-kept one drives plain
generators both ways (greenlet bridges such as SQLAlchemy's need a greenlet per
call and hide where a body waits). Part of the foundation: it imports nothing of
pyfactory, so every layer may use it.
"""

from __future__ import annotations

import inspect
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


#: A body: yields steps, is sent their results, returns ``T``.
Body = Generator[Any, Any, T]


def drive(body: Body[T]) -> T:
    """Run ``body`` for the sync methods: a :class:`Call`'s sync way is called, any
    other step is its own result."""
    result: Any = None
    failed: BaseException | None = None
    while True:
        try:
            step = body.send(result) if failed is None else body.throw(failed)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            # The error's traceback holds this frame: keeping the error here too would
            # make a cycle that, out of memory, keeps a whole batch alive.
            failed = None
        if type(step) is not Call:
            result = step
            continue
        try:
            result = step.sync(*step.args)
        except MemoryError:
            _out_of_memory(body)
            raise
        except BaseException as exc:  # handed back to the body, at its yield
            result, failed = None, exc


async def adrive(body: Body[T]) -> T:
    """Run ``body`` for the async methods: a :class:`Call`'s async way and any other
    awaitable step are awaited."""
    result: Any = None
    failed: BaseException | None = None
    while True:
        try:
            step = body.send(result) if failed is None else body.throw(failed)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            # The error's traceback holds this frame: keeping the error here too would
            # make a cycle that, out of memory, keeps a whole batch alive.
            failed = None
        try:
            if type(step) is Call:
                result = await step.async_(*step.args)
            elif inspect.isawaitable(step):
                result = await step
            else:
                result = step
        except MemoryError:
            _out_of_memory(body)
            raise
        except BaseException as exc:  # an interrupt too: the body rolls back
            result, failed = None, exc


def _out_of_memory(body: Body[Any]) -> None:
    """Close ``body`` when a step runs out of memory, rather than raise the error in it:
    resuming generators needs memory there is none of, while closing runs their
    ``finally`` blocks and lets go of what they hold (a batch's rows, say)."""
    body.close()
