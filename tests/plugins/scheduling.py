"""How the suite's tests are shared between pytest-xdist workers (``-n auto --dist
loadgroup`` in the ini).

A pytest plugin, registered once for the whole suite by ``pytest_plugins`` in the
checkout's root ``conftest.py``. It acts in each worker only, on the list of tests the
worker collected, which it changes in the same way in every worker (pytest-xdist
requires their lists to be equal):

* **Groups hold.** ``loadgroup`` runs the tests marked ``xdist_group("name")`` on one
  worker: it reads the group from the end of the test's node ID, ``...::test@name``,
  where pytest-xdist (3.8) writes it at collection. From pytest 9.2 on that write no
  longer takes (pytest-xdist issue #1386): every test would be handed out alone, the
  mypy runs would be made on both workers and tests that read what earlier tests left
  would run without them. This plugin writes the suffix where pytest-xdist's did not
  take, and stops the run at once, saying why, if it cannot.
* **Long tests first.** The tests marked ``slow`` (and the groups holding one) move to
  the front, in pytest's order otherwise: started last, one of them would leave a
  worker running alone for its whole length at the end of the run. ``loadgroup`` then
  hands out the groups first (largest first), then these, then the rest one by one.

Without pytest-xdist (``-n 0``, ``-p no:xdist``) the plugin does nothing: the tests run
in pytest's own order.
"""

from __future__ import annotations

import pytest

SUFFIX_HOW = (
    "pytest-xdist's --dist loadgroup reads a test's xdist_group from the end of its node "
    "ID, and this pytest did not take the suffix (tests/plugins/scheduling.py)"
)


def _group(item: pytest.Item) -> str | None:
    """The suffix name ``loadgroup`` expects, as pytest-xdist builds it, or ``None``."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) if names else None


def _set_group(item: pytest.Item, group: str) -> None:
    """Give ``item`` the node ID ``<its node ID>@<group>`` unless it has it already."""
    nodeid = f"{item.nodeid}@{group}"
    if item.nodeid.endswith(f"@{group}"):
        return
    # pytest 9.2 keeps the node ID as a structured ``_id`` (a NodeId that parses and
    # keeps the string given); earlier versions as the ``_nodeid`` string, which
    # pytest-xdist sets itself there. Both are private: the check below says so if a
    # later pytest moves it again.
    structured = getattr(item, "_id", None)
    if structured is not None and hasattr(type(structured), "parse"):
        item._id = type(structured).parse(nodeid)  # type: ignore[attr-defined]
    else:
        item._nodeid = nodeid  # type: ignore[attr-defined]
    if item.nodeid != nodeid:
        raise pytest.UsageError(f"cannot group {item.nodeid!r} under {group!r}: {SUFFIX_HOW}")


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own suffix and pytest-django's order
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):
        return  # not a pytest-xdist worker
    grouping = bool(config.getvalue("loadgroup"))
    units = []  # each test's unit: its group's name, or the test itself
    for item in items:
        group = _group(item) if grouping else None
        if group is not None:
            _set_group(item, group)
        units.append(group if group is not None else item.nodeid)
    # A group moves as one: to the front if any of its tests is slow, in its own order.
    slow = {
        unit for unit, item in zip(units, items, strict=True) if item.get_closest_marker("slow")
    }
    order = sorted(range(len(items)), key=lambda i: units[i] not in slow)  # stable
    items[:] = [items[i] for i in order]
