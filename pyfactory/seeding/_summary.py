"""What a run of seeds did: one :class:`SeedResult` per seed, in a :class:`SeedSummary`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

__all__ = ["SeedResult", "SeedStatus", "SeedSummary"]

#: ``"ran"``; ``"skipped"`` (its ``should_run`` said no); ``"would run"`` (a dry run);
#: ``"failed"``.
SeedStatus = Literal["ran", "skipped", "would run", "failed"]


def _rows(value: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(value.items()))


@attrs.frozen
class SeedResult:
    """What one seed did.

    Attributes:
        name: The seed's class name.
        status: ``"ran"``, ``"skipped"``, ``"would run"`` or ``"failed"``.
        rows: Rows inserted and committed per table, by table name (sorted), on
            every connection the seed wrote through and across its own commits; for a
            failed seed, those it had committed itself, which stay (the rest was rolled
            back).
        seconds: How long the seed took, ``should_run`` included.
        error: The exception of a failed seed.

    .. versionadded:: 0.1
    """

    name: str
    status: SeedStatus
    rows: Mapping[str, int] = attrs.field(factory=dict, converter=_rows)
    seconds: float = 0.0
    error: BaseException | None = attrs.field(default=None, eq=False)

    @property
    def total(self) -> int:
        """The rows it inserted, all tables together."""
        return sum(self.rows.values())


@attrs.frozen
class SeedSummary:
    """What a run of seeds did, seed by seed, in the order they ran.

    ``summary["TicketingSeed"]`` is one seed's :class:`SeedResult`; ``str(summary)``
    is the table that ``pyfactory seed`` prints.

    Attributes:
        results: One result per seed.
        seconds: How long the whole run took, but for its wait for a lock (``waited``).
        dry_run: Whether it was a dry run, which wrote nothing.
        lock: The name of the lock it held (``lock=``), or None.
        waited: How long, in seconds, it waited for that lock while another process
            held it; None when it took it at once (or had none). A run that waited
            comes after another one: its seeds that the other wrote are
            ``"skipped"`` by their ``should_run``.

    .. versionadded:: 0.1
    .. versionchanged:: 1.0
       ``lock`` and ``waited``.
    """

    results: tuple[SeedResult, ...]
    seconds: float = 0.0
    dry_run: bool = False
    lock: str | None = None
    waited: float | None = None

    def __getitem__(self, name: str) -> SeedResult:
        for result in self.results:
            if result.name == name:
                return result
        names = ", ".join(r.name for r in self.results) or "none"
        raise KeyError(f"no seed {name!r} in this summary; its seeds are: {names}")

    def names(self, status: SeedStatus) -> tuple[str, ...]:
        """The seeds with this status, in run order: ``summary.names("skipped")``."""
        return tuple(r.name for r in self.results if r.status == status)

    @property
    def rows(self) -> dict[str, int]:
        """Rows inserted per table, every seed together."""
        total: dict[str, int] = {}
        for result in self.results:
            for table, count in result.rows.items():
                total[table] = total.get(table, 0) + count
        return dict(sorted(total.items()))

    @property
    def ok(self) -> bool:
        """Whether no seed failed."""
        return all(r.status != "failed" for r in self.results)

    def lines(self) -> list[str]:
        """The summary as a table, one line per seed, then a total line."""
        width = max([len("seed"), *(len(r.name) for r in self.results)])
        status_width = max(len(s) for s in ("status", "would run", "skipped"))
        out = [f"{'seed':<{width}}  {'status':<{status_width}}  {'seconds':>7}  rows"]
        for r in self.results:
            written = ", ".join(f"{table} {count:,}" for table, count in r.rows.items()) or "-"
            out.append(
                f"{r.name:<{width}}  {r.status:<{status_width}}  {r.seconds:>7.2f}  {written}"
            )
        counts = ", ".join(
            f"{len(self.names(status))} {status}"
            for status in ("ran", "would run", "skipped", "failed")
            if self.names(status) or status in ("ran", "skipped")
        )
        rows = self.rows
        total = sum(rows.values())
        out.append(
            f"{len(self.results)} {'seed' if len(self.results) == 1 else 'seeds'}: {counts}; "
            f"{total:,} {'row' if total == 1 else 'rows'} in {len(rows)} "
            f"{'table' if len(rows) == 1 else 'tables'}; {self.seconds:.2f} s"
            + (" (dry run: nothing written)" if self.dry_run else "")
            + (
                ""
                if self.waited is None
                else f"; first waited {self.waited:.2f} s for the lock {self.lock!r}"
            )
        )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())
