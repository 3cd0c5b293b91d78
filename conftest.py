"""The test suite's pytest plugins, listed once for every run from this checkout.

Here rather than in ``tests/conftest.py`` because pytest loads this file for any path
it is given (``tests/...``, ``docs/...``, ``README.rst``), and the doctests of README
and docs/ need ``tests.plugins.parallel`` too under pytest-xdist (the ini runs
``-n auto``): their examples print sequence numbers.

* ``tests/plugins/databases.py``: SQLite files, a database per test on PostgreSQL,
  engines and sessions, and the one-line count of skipped PostgreSQL tests.
* ``tests/plugins/parallel.py``: plain sequence numbers in every pytest-xdist worker.
"""

pytest_plugins = ["tests.plugins.databases", "tests.plugins.parallel"]
