"""What the resolution layer asks of a factory: the small interface through which a
resolution makes its children and has the rows that wait for their batch written.

The realization layer implements it (``MakeOne``, ``MakeBatch``); the resolver only
ever sees this protocol, so it never reaches a builder: writing, and reading an
attribute back from a written object, are the maker's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyfactory._core.plan.plan import Plan
    from pyfactory._core.resolution.context import Seat
    from pyfactory._core.resolution.pending import Batch, Origin, Pending
    from pyfactory._drive import Body
    from pyfactory.errors import FactoryError

__all__ = ["Maker"]


class Maker(Protocol):
    """A factory as the resolver uses it to make a child."""

    #: The plans made so far, by schema name: a child of plain values is made at once.
    _pf_plans: dict[Any, Plan]

    #: build() of a schema with nothing laid over it, by schema name, once made: for a
    #: schema of plain values, the model with the values bound (functools.partial).
    _pf_quick: dict[Any, Callable[[], Any]]

    def _pf_quick_failed(self, schema: str | None, exc: Exception) -> FactoryError:
        """The error for a model that refused the values of a plain schema."""
        ...

    def _pf_plan(
        self, schema: str | None, traits: tuple[str, ...], overrides: dict[str, Any]
    ) -> tuple[Plan, dict[str, Any]]:
        """The plan of a call, and the overrides left for its objects."""
        ...

    def _pf_one(
        self,
        scope: str,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        seat: Seat | None = None,
    ) -> Any:
        """One object made now, in ``scope``; ``seat``: where it stands, for a child."""
        ...

    async def _pf_ascoped(
        self,
        scope: str,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        seat: Seat | None = None,
    ) -> Any:
        """One object created now, under ``acreate`` (which creates whatever ``scope``)."""
        ...

    def _pf_defer(
        self,
        batch: Batch,
        origin: Origin,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        seat: Seat | None = None,
    ) -> Body[Any]:
        """One child resolved now and left, as a :class:`Pending`, for ``batch`` to write."""
        ...

    def _pf_create_pending(self, pendings: list[Pending]) -> None:
        """Write the rows of ``pendings`` (one plan's) now."""
        ...

    async def _pf_acreate_pending(self, pendings: list[Pending]) -> None:
        """:meth:`_pf_create_pending` under ``acreate_batch``."""
        ...

    def _pf_read(self, obj: Any, name: str) -> Any:
        """Attribute ``name`` of an object this factory wrote."""
        ...
