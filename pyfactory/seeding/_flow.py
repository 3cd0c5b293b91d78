"""One body for the sync and the async paths of seeding: a generator of steps, and a
sync and an async driver of it.

Part of the seeding layer, under the runner (:mod:`pyfactory.seeding._runner`), the
context's ``fill`` and the ``pyfactory seed`` command; it imports nothing of pyfactory.

A body is a generator that makes each call of I/O itself (``session.commit()``, a
seed's ``run``, ``insert_batch`` or ``ainsert_batch``) and yields what the call
returned: on a synchronous session, the result, the work done; on an async one, an
awaitable. :func:`drive` sends each result back as it is; :func:`adrive` awaits an
awaitable first and sends back its result, or throws what it raised into the body at
its ``yield``. A step that fails thus raises at the same place of the body on both
paths, and its ``try``/``except`` (a rollback, the failed seed's summary, an
interrupt) is written once, as httpx writes ``Auth.auth_flow`` once for its sync and
async clients.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import Any, TypeVar

__all__ = ["Flow", "adrive", "drive"]

T = TypeVar("T")

#: A body of steps that returns a ``T``: it yields what each call of I/O returned and
#: is sent back its result.
Flow = Generator[Any, Any, T]


def drive(flow: Flow[T]) -> T:
    """Run a body on a synchronous session: each step it yields is done already."""
    result: Any = None
    while True:
        try:
            result = flow.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


async def adrive(flow: Flow[T]) -> T:
    """Run a body on an async session: await each step it yields that is awaitable,
    and send back what it returns, or throw what it raises into the body."""
    resume: Callable[[Any], Any] = flow.send
    result: Any = None
    while True:
        try:
            step = resume(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        resume, result = flow.send, step
        if inspect.isawaitable(step):
            try:
                result = await step
            except BaseException as error:  # an interrupt too: the body rolls back
                resume, result = flow.throw, error
