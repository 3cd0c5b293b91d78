"""``--pyfactory-check``: build every registered factory's schemas and traits before the
tests run, and stop the session with the list of the calls that fail.

The check runs once collection is over, when every conftest and test module has
registered its factories; :func:`pyfactory.check` does the work, as it does for
``pyfactory check`` on the command line. A failure is reported as a collection
error, which stops pytest before the first test (``--continue-on-collection-errors``
runs them anyway) and which pytest-xdist brings back from its workers: each worker
checks what it collected, and runs no test when a build fails. (``pytest.exit()``
would do in one process, but raised in an xdist worker it is an internal error.)

The line of a check that passes is printed once collection is over; under
pytest-xdist, whose controller shows nothing that a worker prints, each worker sends
it back with its output when it finishes, and the controller prints it once, in the
summary at the end of the run.
"""

from __future__ import annotations

from typing import Any

import pytest

from pyfactory import Factory
from pyfactory._check import check
from pyfactory.cli import summary
from pyfactory.pytest import _fixtures, _register

#: The key of a pytest-xdist worker's check line in the output it sends back.
_OUTPUT_KEY = "pyfactory_check"
#: The controller's check lines, from its workers, each once.
_LINES = pytest.StashKey[dict[str, None]]()


def registered(session: pytest.Session) -> list[type[Factory[Any]]]:
    """The factories registered in the conftests and test modules of ``session``, each
    once, by module and name.

    Read from the session's fixtures, which ``register()`` marks with its
    registration, rather than from every registration the process has made: a
    process that runs several sessions (pytester) checks each one's own.
    """
    found: set[type[Factory[Any]]] = set()
    for fixturedef in _fixtures.definitions(session):
        registration = getattr(fixturedef.func, _register._MARK, None)
        if isinstance(registration, _register.Registration):
            found.add(registration.factory)
    return sorted(found, key=lambda f: (f.__module__, f.__qualname__))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("pyfactory_check"):
        return
    factories = registered(session)
    failures = check(*factories)
    lines = summary(factories, failures)
    if failures:
        # A collection error: pytest stops before the first test (unless told to
        # --continue-on-collection-errors), and pytest-xdist brings it back from
        # the workers as it does any other.
        report = pytest.CollectReport(
            "--pyfactory-check", "failed", "\n".join(lines), [], sections=[]
        )
        session.ihook.pytest_collectreport(report=report)
        if hasattr(config, "workerinput") and not config.option.continue_on_collection_errors:
            # pytest-xdist runs the tests of a worker's collection errors all the same.
            # (In a worker process: test_under_xdist_no_test_runs_either.)
            session.items.clear()  # pragma: no cover
        return
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_OUTPUT_KEY] = lines[-1]  # for the controller to print once
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and config.get_verbosity() >= 0:
        reporter.write_line(lines[-1])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, in the controller: keep the check line a worker sent back."""
    line = getattr(node, "workeroutput", {}).get(_OUTPUT_KEY)
    if line is not None:
        node.config.stash.setdefault(_LINES, {})[line] = None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """pytest-xdist, in the controller: the check line of the workers, once (they
    collect the same tests, so it is one line)."""
    if config.get_verbosity() >= 0:
        for line in config.stash.get(_LINES, {}):
            terminalreporter.write_line(line)
