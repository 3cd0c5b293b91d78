"""pyfactory's pytest plugin, loaded through the ``pytest11`` entry point.

* :func:`register` in a conftest makes a factory fixture (``user_factory``) and an
  object fixture (``user``), overridable with ``@pytest.mark.parametrize("user__x", ...)``
  at any depth (``_register.py``).
* Every test gets its own reproducible Faker seed, and its sequences and unique values
  restart, so that the command a failing test's report prints replays it alone;
  ``--pyfactory-seed`` replays a session, ``--pyfactory-keep-sequences`` lets sequences
  run on across tests (``_seeds.py``).
* :func:`defaults` gives one object to every association at a key while its block
  runs (``pyfactory._core.resolution.defaults``).
* ``--pyfactory-report`` counts and times what each factory made (``_report.py``);
  ``--pyfactory-check`` builds (``=create``: creates) every registered factory's
  schemas before the tests (``_check.py``).

Each part is a plugin module of its own with its hooks and fixtures. This module only
declares the command-line options and registers the parts in ``pytest_configure``:
importing them that late lets coverage, started by then, see them load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from pyfactory._core.resolution.defaults import defaults
    from pyfactory.pytest._register import FactoryFixture, LazyFixture, register

__all__ = ["FactoryFixture", "LazyFixture", "defaults", "register"]

#: The parts of the plugin, each a module with its own hooks and fixtures.
_PARTS = ("_register", "_seeds", "_report", "_check")


def __getattr__(name: str) -> Any:
    if name == "defaults":
        from pyfactory._core.resolution.defaults import defaults

        return defaults
    if name in __all__:
        from pyfactory.pytest import _register

        return getattr(_register, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyfactory", "pyfactory test data")
    group.addoption(
        "--pyfactory-seed",
        type=int,
        default=None,
        metavar="N",
        help="the session seed every test's Faker seed is derived from (default: random, "
        "shown in the header and in the report of a failing test)",
    )
    group.addoption(
        "--pyfactory-keep-sequences",
        action="store_true",
        default=False,
        help="let sequences and unique values run on across tests, rather than restart "
        "before each test (then a test run alone may get other sequence numbers and "
        "unique values)",
    )
    group.addoption(
        "--pyfactory-reset-sequences",
        action="store_true",
        default=False,
        help="restart sequences and unique values before each test: the default, kept "
        "for command lines that give it",
    )
    group.addoption(
        "--pyfactory-xdist-lanes",
        choices=("on", "off"),
        default=None,
        help="under pytest-xdist, keep each worker's sequences in a lane of its own and "
        "claim unique values across workers (on, the default: for workers that share "
        "a database), or count and draw in each worker as one process does (off: for "
        "tests that each have a database of their own); also the ini option "
        "pyfactory_xdist_lanes",
    )
    parser.addini(
        "pyfactory_xdist_lanes",
        "on or off: see --pyfactory-xdist-lanes",
        default="on",
    )
    group.addoption(
        "--pyfactory-report",
        action="store_true",
        default=False,
        help="print, per test and for the session, how many objects each factory built "
        "and created, and the time spent",
    )
    # Two flags on one destination rather than an optional value: a value would take
    # the path after it (``--pyfactory-check tests/``, or an addopts line before the
    # paths) as the mode. argparse matches the whole ``--pyfactory-check=create`` as
    # an option's name before it looks for an ``=``.
    group.addoption(
        "--pyfactory-check",
        action="store_const",
        const="build",
        dest="pyfactory_check",
        default=None,
        help="build every registered factory's schemas and traits once before the tests, "
        "and stop with the list of those that fail",
    )
    group.addoption(
        "--pyfactory-check=create",
        action="store_const",
        const="create",
        dest="pyfactory_check",
        help="the same, creating each object in a transaction rolled back (with the "
        "context of the pyfactory_context fixture), so that database constraints are "
        "checked too",
    )


def pytest_configure(config: pytest.Config) -> None:
    for part in _PARTS:
        module = importlib.import_module(f"pyfactory.pytest.{part}")
        name = f"pyfactory{part}"
        if not config.pluginmanager.has_plugin(name):
            config.pluginmanager.register(module, name)
