"""The plugin's one adapter to pytest's private fixture tables
(``pyfactory.pytest._fixtures``), asked from inside real pytest sessions.

``test_oldest_pytest.py::test_plugin_on_the_oldest_pytest`` runs this module (and
``test_register.py``) again on pytest 8.0, so the adapter is tested at both ends of
the supported range."""

from __future__ import annotations

import textwrap

import pytest

CONFTEST = '''
import pytest

from pyfactory.pytest import _fixtures

SEEN = {}


@pytest.fixture
def shared():
    return "conftest"


@pytest.fixture
def overridden():
    return "conftest"


def pytest_generate_tests(metafunc):
    """What a test's definition sees while it is parametrized (Metafunc.definition)."""
    SEEN[metafunc.definition.name] = [
        d.func.__module__ for d in _fixtures.visible(metafunc.definition, "overridden")
    ]
'''

TEST_ONE = """
import pytest

from conftest import SEEN
from pyfactory.pytest import _fixtures


@pytest.fixture
def overridden():
    return "one"


@pytest.fixture
def only_in_one():
    return 1


class TestInAClass:
    @pytest.fixture
    def in_a_class(self):
        return "class"

    def test_a_class_fixture_is_seen_inside_the_class(self, request):
        (definition,) = _fixtures.visible(request.node, "in_a_class")
        assert definition.argname == "in_a_class"


def test_the_most_specific_definition_comes_last(request, overridden):
    found = _fixtures.visible(request.node, "overridden")
    assert [d.func.__module__ for d in found] == ["conftest", "test_one"]
    assert overridden == "one"


def test_the_definition_a_metafunc_sees(request):
    assert SEEN["test_the_definition_a_metafunc_sees"] == ["conftest", "test_one"]


def test_a_conftest_fixture_is_seen(request):
    (definition,) = _fixtures.visible(request.node, "shared")
    assert definition.func() == "conftest"


def test_a_class_fixture_is_not_seen_outside_the_class(request):
    assert _fixtures.visible(request.node, "in_a_class") == ()


def test_an_unknown_name_has_no_definition(request):
    assert _fixtures.visible(request.node, "no_such_fixture") == ()


def test_a_fixture_of_another_module_is_not_seen(request):
    assert _fixtures.visible(request.node, "only_in_two") == ()


def test_the_session_knows_every_definition(request):
    every = _fixtures.definitions(request.session)
    where = sorted(
        d.func.__module__ for d in every if d.argname in {"overridden", "in_a_class"}
    )
    assert where == ["conftest", "test_one", "test_one", "test_two"]
    names = _fixtures.names(request.session)
    assert {"shared", "only_in_one", "only_in_two", "in_a_class", "tmp_path"} <= names
"""

TEST_TWO = """
import pytest


@pytest.fixture
def overridden():
    return "two"


@pytest.fixture
def only_in_two():
    return 2


def test_two(overridden):
    assert overridden == "two"
"""


def test_fixture_tables_read_the_same_on_this_pytest(pytester: pytest.Pytester) -> None:
    """The adapter finds the definitions a test, a class and a parametrizing hook see,
    most specific last, and every definition and name of the session."""
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_one=textwrap.dedent(TEST_ONE), test_two=textwrap.dedent(TEST_TWO))
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", "-p", "no:asyncio")
    result.assert_outcomes(passed=9)
