"""The suite's pytest plugins, each registered once through ``pytest_plugins`` in the
checkout's root ``conftest.py``: ``databases`` (SQLite files, PostgreSQL, engines and sessions),
``scheduling`` (pytest-xdist: groups that hold, slow tests first) and ``untraced`` (no
coverage while a marked test runs)."""
