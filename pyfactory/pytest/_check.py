"""``--pyfactory-check``: build every registered factory's schemas and traits before the
tests run, and stop the session with the list of the calls that fail;
``--pyfactory-check=create`` creates them instead, each in a transaction rolled back.

When the check needs no database -- a build-only check outside pytest-django -- it
runs once collection is over, when every conftest and test module has registered
its factories; :func:`pyfactory.check` does the work, as it does for ``pyfactory
check`` on the command line. A failure is reported as a collection error, which
stops pytest before the first test (``--continue-on-collection-errors`` runs them
anyway) and which pytest-xdist brings back from its workers: each worker checks
what it collected, and runs no test when a build fails. (``pytest.exit()`` would do
in one process, but raised in an xdist worker it is an internal error.)

When it needs one, there is none yet once collection is over: pytest-django sets its
test databases up for the first test that asks, and the session of
``--pyfactory-check=create`` comes from the ``pyfactory_context`` fixture, which
the suite overrides with one of its (function-scoped) fixtures. The check then
runs in an autouse fixture, before the first test: it asks for
``pyfactory_context`` (create) and, under pytest-django, for the test databases
(``django_db_setup``), and runs with pytest-django's blocker lifted, so that a
factory may read the database (``Author.objects.first()``) and create in it. A
failure is the same collection error, reported from there; that first test is
skipped and the session stops after it (``session.shouldfail``), in each xdist
worker too, unless told to ``--continue-on-collection-errors``.

The line of a check that passes is printed once collection is over, or in the
summary at the end of the run when the check ran in the fixture; under
pytest-xdist, whose controller shows nothing that a worker prints, each worker
sends it back with its output when it finishes, and the controller prints it
once, in the summary.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest

from pyfactory import Factory
from pyfactory._check import check
from pyfactory.cli import summary
from pyfactory.errors import UsageError
from pyfactory.pytest import _fixtures, _register, _scoped

#: The key of a pytest-xdist worker's check line in the output it sends back.
_OUTPUT_KEY = "pyfactory_check"
#: The check lines to print in the summary: a controller's, from its workers, and a
#: process's own when the check ran in the fixture; each once.
_LINES = pytest.StashKey[dict[str, None]]()
#: The factories whose check waits for the first test (see the module's docstring).
_PENDING = pytest.StashKey[list[type[Factory[Any]]]]()

#: The fixtures of pytest-django that give a test its database.
_DJANGO_DB_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences"})


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


def _django(config: pytest.Config) -> bool:
    """Whether pytest-django runs, with Django's settings configured."""
    if not config.pluginmanager.has_plugin("django"):
        return False
    conf = sys.modules.get("django.conf")
    return conf is not None and bool(conf.settings.configured)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    mode = config.getoption("pyfactory_check")
    if not mode:
        return
    factories = registered(session)
    if mode == "create" or _django(config):
        if session.items and not config.option.collectonly:
            config.stash[_PENDING] = factories  # for the first test: see _pyfactory_check
        return
    failures = check(*factories)
    lines = summary(factories, failures)
    if failures:
        _failed(session, lines)
        if hasattr(config, "workerinput") and not config.option.continue_on_collection_errors:
            # pytest-xdist runs the tests of a worker's collection errors all the same.
            # (In a worker process: test_under_xdist_no_test_runs_either.)
            session.items.clear()  # pragma: no cover
        return
    _passed(config, lines, now=True)


def _failed(session: pytest.Session, lines: list[str]) -> None:
    """Report a failed check as a collection error: pytest stops before the first test
    (unless told to --continue-on-collection-errors), and pytest-xdist brings it back
    from the workers as it does any other, once however many send it."""
    report = pytest.CollectReport("--pyfactory-check", "failed", "\n".join(lines), [], sections=[])
    session.ihook.pytest_collectreport(report=report)


def _passed(config: pytest.Config, lines: list[str], now: bool) -> None:
    """Print the lines of a check that passed: under the header when it ran at
    collection (``now``), else in the summary; a worker sends them to its controller."""
    text = "\n".join(lines)
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_OUTPUT_KEY] = text  # for the controller to print once
        return
    if not now:
        config.stash.setdefault(_LINES, {})[text] = None
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and config.get_verbosity() >= 0:
        reporter.write_line(text)


@pytest.fixture(autouse=True)
def _pyfactory_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """The check that needs a database, run once, before the first test (see the
    module's docstring); nothing in the tests after it."""
    config = request.config
    factories = config.stash.get(_PENDING, None)
    if factories is None:
        yield
        return
    del config.stash[_PENDING]
    create = config.getoption("pyfactory_check") == "create"
    context: Mapping[str, Any] = {}
    if create:
        context = request.getfixturevalue("pyfactory_context")
        if not isinstance(context, Mapping):
            raise UsageError(
                "the pyfactory_context fixture must return a mapping of context keys "
                f"(such as {{'session': ...}}), got {context!r}"
            )
    with _database(request):
        failures = check(*factories, create=create, **context)
    lines = summary(factories, failures, "create" if create else "build")
    if failures:
        _failed(request.session, lines)
        if not config.option.continue_on_collection_errors:
            request.session.shouldfail = lines[-1]
            pytest.skip("--pyfactory-check failed: no test runs")
    _passed(config, lines, now=False)
    yield


def _database(request: pytest.FixtureRequest) -> AbstractContextManager[Any]:
    """Under pytest-django, the test databases set up and the blocker lifted; nothing
    to do otherwise, nor when no test of the session uses a database (pytest-django
    then sets none up, and lifting the blocker would reach the real one)."""
    if not _django(request.config):
        return nullcontext()
    if not any(
        item.get_closest_marker("django_db") is not None
        or _DJANGO_DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        for item in request.session.items
    ):
        return nullcontext()
    return _scoped.unblocked(request)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, in the controller: keep the check line a worker sent back."""
    line = getattr(node, "workeroutput", {}).get(_OUTPUT_KEY)
    if line is not None:
        node.config.stash.setdefault(_LINES, {})[line] = None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The check line of a check run in the fixture, and, in a pytest-xdist controller,
    the line of the workers, once (they collect the same tests, so it is one line)."""
    if config.get_verbosity() >= 0:
        for line in config.stash.get(_LINES, {}):
            terminalreporter.write_line(line)
