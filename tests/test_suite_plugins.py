"""The test suite's set-up: under pytest-xdist every worker counts sequences 1, 2, 3
(``pyfactory_xdist_lanes = "off"``), and the PostgreSQL tests that skip are counted in
one line (tests/plugins/databases.py); a group's tests share a worker and the slow tests
start first (tests/plugins/scheduling.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Each test runs pytest in subprocesses, most under pytest-xdist: an outside tool.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

FACTORIES = """
from pyfactory import Factory, schema, sequence


class UserFactory(Factory[dict]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"username": sequence("user{n}")}
"""

# Eight tests, so that both workers run some.
VALUE_TESTS = """
import pytest
from factories import UserFactory


@pytest.mark.parametrize("n", range(8))
def test_first_user(n):
    assert [UserFactory().build()["username"] for _ in range(2)] == ["user1", "user2"]
"""

POSTGRES_TESTS = """
import pytest


@pytest.mark.parametrize("n", range(3))
def test_needs_postgres(postgres_url, n):
    pass


def test_skips_for_another_reason():
    pytest.skip("no such tool here")


def test_runs():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project whose subprocess runs can import this checkout's ``tests`` package,
    without a PostgreSQL server and outside CI."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("PYFACTORY_TEST_POSTGRES_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(factories=FACTORIES)
    return pytester


def run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    return suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django", "-n", "2", *args)


def test_every_xdist_worker_counts_sequences_from_one(suite: pytest.Pytester) -> None:
    """With the lanes off (the option, or the ini as this suite sets it) each worker gives
    user1, user2 as a lone process does, where pyfactory's default for users puts each
    worker in a lane of its own."""
    suite.makepyfile(test_values=VALUE_TESTS)
    run(suite, "--pyfactory-xdist-lanes=off").assert_outcomes(passed=8)
    suite.makeini("[pytest]\npyfactory_xdist_lanes = off\n")
    run(suite).assert_outcomes(passed=8)
    lanes = run(suite, "--pyfactory-xdist-lanes=on")
    lanes.assert_outcomes(passed=0, failed=8)  # gw0 gives user1, user3; gw1 user2, user4
    lanes.stdout.fnmatch_lines(["*Under pytest-xdist its sequences counted in this worker's lane*"])


def test_skipped_postgresql_tests_are_counted_in_one_line(suite: pytest.Pytester) -> None:
    """Without PYFACTORY_TEST_POSTGRES_URL the PostgreSQL tests skip, and the summary
    says so once, with their count and how to run them; other skips get a line per
    reason; pytest lists no skip one by one. Under pytest-xdist too, where the reports
    come from the workers."""
    suite.makepyfile(test_postgres=POSTGRES_TESTS)
    result = run(suite, "-p", "tests.plugins.databases", "-rfExX")
    result.assert_outcomes(passed=1, skipped=4)
    result.stdout.fnmatch_lines(
        [
            "3 PostgreSQL tests skipped: set PYFACTORY_TEST_POSTGRES_URL="
            "postgresql://user@host:port/db to run them (`bash .ci/run` starts a "
            "throwaway server and sets it)",
            "1 skipped: no such tool here",
        ]
    )
    assert "SKIPPED [" not in result.stdout.str()
    assert result.stdout.str().count("PostgreSQL") == 1


def test_a_wrong_lanes_value_is_told_at_once(suite: pytest.Pytester) -> None:
    """An ini value other than on or off stops the run with one line saying what to give,
    with or without pytest-xdist."""
    suite.makepyfile(test_values=VALUE_TESTS)
    suite.makeini("[pytest]\npyfactory_xdist_lanes = sometimes\n")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django", "-n", "0")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*pyfactory_xdist_lanes = 'sometimes': give on (each pytest-xdist worker counts*"]
    )


SCHEDULED_TESTS = """
import pytest


@pytest.mark.xdist_group("together")
@pytest.mark.parametrize("n", range(4))
def test_grouped(n):
    pass


@pytest.mark.parametrize("n", range(6))
def test_plain(n):
    pass


@pytest.mark.slow
def test_collected_last_but_slow():
    pass
"""


def test_groups_share_a_worker_and_slow_tests_start_first(suite: pytest.Pytester) -> None:
    """Under ``--dist loadgroup`` the tests of an ``xdist_group`` run on one worker (their
    node IDs carry the group, whatever pytest's version), and the slow test, collected
    last, is the first test of the worker that does not run the group."""
    suite.makepyfile(test_scheduled=SCHEDULED_TESTS)
    suite.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    result = run(suite, "-p", "tests.plugins.scheduling", "--dist", "loadgroup", "-v")
    result.assert_outcomes(passed=11)
    ran: dict[str, list[str]] = {}
    for line in result.stdout.lines:
        if " PASSED test_scheduled.py::" in line:
            ran.setdefault(line.split()[0], []).append(line.split("::")[1].split()[0])
    grouped = [f"test_grouped[{n}]@together" for n in range(4)]
    assert sorted(ran) == ["[gw0]", "[gw1]"]
    (group_worker,) = [w for w, tests in ran.items() if tests[:4] == grouped]
    (other,) = set(ran) - {group_worker}
    assert ran[other][0] == "test_collected_last_but_slow"
