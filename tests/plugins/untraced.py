"""``@pytest.mark.untraced``: coverage measures nothing while the test runs.

A pytest plugin, registered once for the whole suite by ``pytest_plugins`` in the
checkout's root ``conftest.py``. For the tests that repeat lines the suite's other tests
run, thousands of times (a million values, chains past the recursion limit, hundreds of
property examples): traced line by line, they run 2 to 4 times slower, and tracing them
adds no line to the report.

Why not pytest-cov's own ``no_cover`` mark: in a pytest-xdist worker of this suite (whose
ini passes ``-n auto``) pytest-cov 7.1 runs two coverage instances, and ``no_cover``
stops only the newer one, so the older one traces the test all the same; and with
``--no-cov`` under pytest-xdist ``no_cover`` fails the test (``'NoneType' object has no
attribute 'pause'``). This stops every coverage instance running, newest first, and
starts them again in the order they ran, through coverage's public API. Without
coverage (``--no-cov``, or coverage not installed) it does nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


def _stop_every_coverage() -> list[Any]:
    """Stop each running coverage instance, newest first; the stopped ones, in order."""
    try:
        from coverage import Coverage
    except ImportError:
        return []
    stopped = []
    while (running := Coverage.current()) is not None:
        running.stop()  # also takes it off the list current() reads
        stopped.append(running)
    return stopped


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    if item.get_closest_marker("untraced") is None:
        return (yield)
    stopped = _stop_every_coverage()
    try:
        return (yield)
    finally:
        for coverage in reversed(stopped):
            coverage.start()
