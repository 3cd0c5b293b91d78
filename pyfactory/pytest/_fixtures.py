"""What the pytest plugin reads of pytest's fixture tables: the one adapter to
pytest's private API.

pytest has no public way to ask which fixtures a session defines, nor which
definitions of a name a test can see without setting that fixture up, nor which test
a wider fixture is being made for. register()
needs both: the ``user__<key>`` fixtures visible to a test are the overrides of
``user``, a registered parent fixture is shared only where a test can see it, and
``--pyfactory-check`` checks the factories registered in the session. Everything
else in the plugin uses public pytest API (``FixtureRequest``, ``Metafunc``, hooks).

Supported: pytest 8.0 to the newest release. The two places where pytest's private
API changed in that range are written here, each beside its version:

* ``FixtureManager.getfixturedefs(name, ...)`` takes the node id in pytest 8.0 and
  the node from 8.1;
* the session's definitions are one ``name -> [definitions]`` table up to pytest
  9.1 and come from ``FixtureManager._get_all_fixture_defs()`` since 9.2.

The suite runs on the installed pytest; ``tests/pytest_plugin/test_oldest_pytest.py``
runs the plugin's fixture tests again on pytest 8.0.

Layer: the pytest plugin, above the core; imports only pytest and the standard library.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Final

import pytest
from _pytest.fixtures import FixtureManager

__all__ = ["definitions", "item", "names", "visible"]


def _manager(node: pytest.Item | pytest.Collector | pytest.Session) -> Any:
    return node.session._fixturemanager


#: pytest 8.0's ``getfixturedefs()`` takes the node id; 8.1 and later take the node.
_BY_NODE_ID: Final = "nodeid" in inspect.signature(FixtureManager.getfixturedefs).parameters


def item(request: pytest.FixtureRequest) -> pytest.Item:
    """The test being set up when ``request``'s fixture is made. For a fixture of a
    wider scope, ``request.node`` is its module or session, which does not see the
    fixtures of a conftest further down; the test that first needs it does."""
    found: pytest.Item = request._pyfuncitem
    return found


def visible(node: Any, name: str) -> Sequence[Any]:
    """The definitions of fixture ``name`` that ``node`` sees, the one it gets last
    (empty when it sees none). ``node`` is a test item, a ``Metafunc.definition`` or
    any collection node."""
    manager = _manager(node)
    if _BY_NODE_ID:
        found = manager.getfixturedefs(name, node.nodeid)  # pytest 8.0
    else:
        found = manager.getfixturedefs(name, node)  # pytest 8.1 and later
    return tuple(found or ())


def definitions(session: pytest.Session) -> list[Any]:
    """Every fixture definition the session knows, in no particular order: those of
    plugins, conftests, modules and classes, wherever they are visible."""
    manager = _manager(session)
    every = getattr(manager, "_get_all_fixture_defs", None)
    if every is None:  # pytest 9.1 and earlier
        return [d for defs in manager._arg2fixturedefs.values() for d in defs]
    return list(every())  # pytest 9.2 and later


def names(session: pytest.Session) -> set[str]:
    """Every fixture name the session knows."""
    return {definition.argname for definition in definitions(session)}
