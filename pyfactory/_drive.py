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
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeVar

__all__ = ["Block", "Body", "Call", "adrive", "drive"]

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


class Block:
    """A context manager held open across steps of a body: ``opened(*args)`` under
    :func:`drive`, ``aopened(*args)`` (an async one) under :func:`adrive`, entered by
    the step :meth:`enter` and left by the step :meth:`leave`.

    For a block that the body's own ``with`` cannot hold, because under the async
    driver it must be an ``async with`` (a builder's transaction or read watch).
    """

    __slots__ = ("aopened", "args", "held", "opened")

    def __init__(
        self,
        opened: Callable[..., AbstractContextManager[Any]],
        aopened: Callable[..., AbstractAsyncContextManager[Any]],
        *args: Any,
    ) -> None:
        self.opened, self.aopened, self.args = opened, aopened, args
        self.held: Any = None

    def enter(self) -> Call:
        """The step that enters the block; its result is what the block gives."""
        return Call(self._enter, self._aenter)

    def leave(self, error: BaseException | None = None) -> Call:
        """The step that leaves the block, as if ``error`` (if any) had been raised in it."""
        return Call(self._leave, self._aleave, error)

    def _enter(self) -> Any:
        self.held = self.opened(*self.args)
        return self.held.__enter__()

    async def _aenter(self) -> Any:
        held = self.held = self.aopened(*self.args)
        return await held.__aenter__()

    def _leave(self, error: BaseException | None) -> None:
        self.held.__exit__(None if error is None else type(error), error, None)

    async def _aleave(self, error: BaseException | None) -> None:
        await self.held.__aexit__(None if error is None else type(error), error, None)


class _Loop:
    """What both drivers do between two steps: hand the body the last step's result,
    or raise its error in the body at its ``yield``, and take the next step."""

    __slots__ = ("body", "failed", "result")

    def __init__(self, body: Body[Any]) -> None:
        self.body = body
        self.result: Any = None
        self.failed: BaseException | None = None

    def next(self) -> Any:
        """The body's next step; StopIteration when it has returned."""
        failed, self.failed = self.failed, None
        try:
            if failed is None:
                return self.body.send(self.result)
            if type(failed) is MemoryError:
                # Resuming generators needs memory there is none of; closing them runs
                # their finally blocks and lets go of what they hold (a batch's rows).
                self.body.close()
                raise failed
            return self.body.throw(failed)
        finally:
            # The error's traceback holds this frame: keeping the error here too would
            # make a cycle that, out of memory, keeps a whole batch alive.
            failed = None


def drive(body: Body[T]) -> T:
    """Run ``body`` for the sync methods: a :class:`Call`'s sync way is called, any
    other step is its own result."""
    loop = _Loop(body)
    while True:
        try:
            step = loop.next()
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            loop.result = step.sync(*step.args) if type(step) is Call else step
        except BaseException as exc:  # handed back to the body, at its yield
            loop.failed = exc


async def adrive(body: Body[T]) -> T:
    """Run ``body`` for the async methods: a :class:`Call`'s async way and any other
    awaitable step are awaited."""
    loop = _Loop(body)
    while True:
        try:
            step = loop.next()
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            if type(step) is Call:
                loop.result = await step.async_(*step.args)
            else:
                loop.result = await step if inspect.isawaitable(step) else step
        except BaseException as exc:  # an interrupt too: the body rolls back
            loop.failed = exc
