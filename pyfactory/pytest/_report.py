"""``--pyfactory-report``: how many objects each factory made in each test, and the time.

An :class:`~pyfactory._factory.Observer` counts every object made (the objects made
for associations included, under the factory that made them) and times every
outermost factory call. Each test's counts, from the start of its setup to the end
of its teardown, travel on its teardown report (so that pytest-xdist brings them
back from the workers) into the session summary; the counts of its setup and call
are also a ``pyfactory report`` section of its report, shown with ``-rA`` and with a
failure's traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable
from typing import Any

import pytest

from pyfactory import Factory
from pyfactory._core.realization.observe import Observer, observe
from pyfactory._core.resolution.defaults import take_tally

#: The scopes in the order of the table's columns.
_SCOPES = ("attributes", "build", "create")
#: The name of the report attribute carrying a test's rows.
_ATTRIBUTE = "pyfactory_report"
#: ... and the uses of ``defaults()`` objects, by key.
_DEFAULTS = "pyfactory_defaults"

#: Under the session table: what its time column counts.
_NOTE = "time: calls made on the factory itself, their associations' objects included"

#: One factory's counts: attributes, built, created, seconds, and whether it was called.
Row = list[Any]


def _empty() -> Row:
    return [0, 0, 0, 0.0, False]


class Counts:
    """What the factories made, by factory name; the observer of one process."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self._lock = threading.Lock()

    def made(self, factory: type[Factory[Any]], scope: str, count: int) -> None:
        with self._lock:
            row = self.rows.get(factory.__qualname__)
            if row is None:
                row = self.rows[factory.__qualname__] = _empty()
            row[_SCOPES.index(scope)] += count

    def called(self, factory: type[Factory[Any]], scope: str, count: int, seconds: float) -> None:
        with self._lock:
            row = self.rows.get(factory.__qualname__)
            if row is None:
                row = self.rows[factory.__qualname__] = _empty()
            row[3] += seconds
            row[4] = True

    def take(self) -> dict[str, Row]:
        """The counts so far, starting again from nothing."""
        with self._lock:
            rows, self.rows = self.rows, {}
        return rows

    def peek(self) -> dict[str, Row]:
        with self._lock:
            return {name: list(row) for name, row in self.rows.items()}

    def add(self, rows: dict[str, Row]) -> None:
        with self._lock:
            for name, row in rows.items():
                mine = self.rows.get(name)
                if mine is None:
                    mine = self.rows[name] = _empty()
                for index in range(4):
                    mine[index] += row[index]
                mine[4] = mine[4] or row[4]


def table(rows: dict[str, Row]) -> list[str]:
    """The lines of the table of ``rows``, the factory that took longest first."""
    ordered = sorted(rows.items(), key=lambda item: (-item[1][3], item[0]))
    header = ("factory", "attributes", "built", "created", "time")
    lines = [
        (
            name,
            str(row[0]),
            str(row[1]),
            str(row[2]),
            f"{row[3] * 1000:.1f} ms" if row[4] else "-",
        )
        for name, row in ordered
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(5)]

    def render(cells: Iterable[str]) -> str:
        first, *rest = cells
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        ).rstrip()

    return [render(header), *(render(line) for line in lines)]


class _Plugin:
    """The hooks of ``--pyfactory-report``, registered when the option is given."""

    def __init__(self) -> None:
        self.test = Counts()  # this process's current test
        self.session = Counts()  # every test's, from their teardown reports
        self.previous: Observer | None = None
        #: The session's uses of defaults() objects, by key.
        self.defaults: dict[str, int] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.test.take()  # what was made between tests is no test's
        take_tally()
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "teardown":
            setattr(report, _ATTRIBUTE, self.test.take())
            setattr(report, _DEFAULTS, take_tally())
        elif report.when == "call" or report.outcome != "passed":
            rows = self.test.peek()
            if rows:
                report.sections.append(("pyfactory report", "\n".join(table(rows))))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        rows = getattr(report, _ATTRIBUTE, None)
        if rows:
            self.session.add(rows)
        for key, hits in (getattr(report, _DEFAULTS, None) or {}).items():
            self.defaults[key] = self.defaults.get(key, 0) + hits

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        rows = self.session.peek()
        terminalreporter.write_sep("=", "pyfactory report")
        if not rows:
            terminalreporter.write_line("no factory made anything")
            return
        for line in table(rows):
            terminalreporter.write_line(line)
        terminalreporter.write_line(_NOTE)
        if self.defaults:
            used = ", ".join(f"{key} {hits}" for key, hits in sorted(self.defaults.items()))
            terminalreporter.write_line(f"defaults() objects that stood for an association: {used}")


_NAME = "pyfactory_report_plugin"


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("pyfactory_report") or config.pluginmanager.has_plugin(_NAME):
        return
    plugin = _Plugin()
    plugin.previous = observe(plugin.test)
    config.pluginmanager.register(plugin, _NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(_NAME)
    if isinstance(plugin, _Plugin):
        observe(plugin.previous)
        config.pluginmanager.unregister(plugin, _NAME)
