"""The suite's pytest plugins, each registered once through ``pytest_plugins`` in the
checkout's root ``conftest.py``: ``databases`` (SQLite files, PostgreSQL, engines and sessions)
and ``scheduling`` (pytest-xdist: groups that hold, slow tests first)."""
