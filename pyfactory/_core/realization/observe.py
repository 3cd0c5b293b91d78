"""Observing: the hook that reports every object made and every call timed.

Part of the realization layer; :func:`observe` is public through ``pyfactory``'s
pytest plugin's report and profilers of your own.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import (
    TYPE_CHECKING,
    Any,
    Protocol,
)

if TYPE_CHECKING:
    from pyfactory._factory import Factory


# ------------------------------------------------------------------ observing


class Observer(Protocol):
    """What :func:`observe` reports to: the pytest plugin's ``--pyfactory-report``, or
    any profiler of your own. Both methods may be called from any thread."""

    def made(self, factory: type[Factory[Any]], scope: str, count: int) -> None:
        """``count`` objects of ``factory`` were made in ``scope`` (``"attributes"``,
        ``"build"`` or ``"create"``): every object, those made for associations
        included, each reported under the factory that made it. An existing row
        found through ``_get_or_create`` is not reported."""

    def called(self, factory: type[Factory[Any]], scope: str, count: int, seconds: float) -> None:
        """A public call on ``factory`` returned or raised after ``seconds`` of wall time
        (the objects made for its associations included): ``scope`` as for :meth:`made`,
        ``count`` the objects it was asked for (1, or a batch's count). Only the
        outermost call is reported: one made inside another (in a lazy field or a
        hook) is part of that one's time."""


#: The observer, or None: every public call and every object made test this once.
_observer: Observer | None = None


#: Whether a public call is already being timed, in this thread or task.
_timing: ContextVar[bool] = ContextVar("pyfactory_timing", default=False)


def observe(observer: Observer | None) -> Observer | None:
    """Report every factory call and every object made to ``observer`` from now on;
    ``None`` stops reporting. Returns the observer it replaces, to put back later.

    With no observer (the default) a call costs one test of a module global.
    """
    global _observer
    previous, _observer = _observer, observer
    return previous


class _Timed:
    """Times an outermost public call for the observer: ``with _Timed(self, "build", 1):``.

    The one-object methods enter it only while someone observes (it costs a
    microsecond); the batch methods always do, once per batch."""

    __slots__ = ("count", "factory", "scope", "start", "token")

    def __init__(self, factory: Factory[Any], scope: str, count: int) -> None:
        self.factory = type(factory)
        self.scope = scope
        self.count = count

    def __enter__(self) -> None:
        self.token = None if _timing.get() else _timing.set(True)
        self.start = time.perf_counter()

    def __exit__(self, *exc_info: object) -> None:
        if self.token is None:
            return
        seconds = time.perf_counter() - self.start
        _timing.reset(self.token)
        observer = _observer
        if observer is not None:
            observer.called(self.factory, self.scope, self.count, seconds)


def _made(factory: Factory[Any], scope: str, count: int) -> None:
    observer = _observer
    if observer is not None and count:
        observer.made(type(factory), scope, count)
