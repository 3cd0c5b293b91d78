"""The test suite's pytest plugins, listed once for every run from this checkout.

Here rather than in ``tests/conftest.py`` because pytest loads this file for any path
it is given (``tests/...``, ``docs/...``, ``README.rst``).

* ``tests/plugins/databases.py``: SQLite files, a database per test on PostgreSQL,
  engines and sessions, and the one-line count of skipped PostgreSQL tests.
* ``tests/plugins/scheduling.py``: under pytest-xdist, ``xdist_group`` marks that hold
  on every pytest, and the slow tests started first.
* ``tests/plugins/untraced.py``: ``@pytest.mark.untraced``, no coverage while the test runs.

Under pytest-xdist (the ini runs ``-n auto``) every worker counts sequences 1, 2, 3 as
one process does, through pyfactory's own ``pyfactory_xdist_lanes = "off"`` in the ini:
each test has a database of its own, and the examples of README and docs/ print
sequence numbers.
"""

pytest_plugins = [
    "tests.plugins.databases",
    "tests.plugins.scheduling",
    "tests.plugins.untraced",
]
