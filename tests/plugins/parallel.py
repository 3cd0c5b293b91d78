"""pytest-xdist for this suite: every worker counts sequences 1, 2, 3 and claims nothing.

A pytest plugin, registered once for the whole suite by ``pytest_plugins`` in the
checkout's root ``conftest.py``. The suite runs under ``-n auto`` (the ini's addopts).

pyfactory's own pytest plugin keeps the values of pytest-xdist workers apart, for users
whose workers write to one shared database: worker *i* of *n* counts its sequences in
its own lane (``start + i``, then steps of *n*) and claims each unique value in a file
that the workers share (docs/pytest-seeds.rst, "pytest-xdist: workers that share a
database"). That is the right default for users, and this suite keeps testing it in
subprocess runs with ``-n 2`` (tests/pytest_plugin/test_seeds.py).

This suite's own tests share no database: each gets its own SQLite file in its
``tmp_path`` or its own PostgreSQL database (tests/plugins/databases.py), and Django's
test databases are named per process. So here every worker puts the plain spacing back
(:meth:`pyfactory.fields.SequenceCounters.spread` with no arguments) and drops the
shared claim, through the core hooks that docs/pytest-seeds.rst names. A test then makes
the same values in any worker as alone: ``user1`` is ``user1``, and a seeded Faker's
unique values are not drawn again because another worker happened to give them first.

pyfactory's plugin puts its own spacing and claim back when the session ends
(``pytest_unconfigure``), whatever this plugin did in between.
"""

from __future__ import annotations

from typing import Any

import pytest

from pyfactory.autofill._unique import set_unique_claim
from pyfactory.fields import counters


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, after pyfactory's plugin set up its lane and claim:
    plain sequence numbers and no claim."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        return
    counters.spread()
    set_unique_claim(None)
