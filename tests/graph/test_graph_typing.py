"""Typing of graphs under ``mypy --strict``: a made graph's nodes are typed by their
factory's model, its collections as ``Mapping[str, M]``, a nested graph by its class."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.test_typing import run_mypy

# On the worker of tests/test_typing.py's mypy runs: this run starts from their cache.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mypy")]

CASE = textwrap.dedent(
    """
    from __future__ import annotations

    from dataclasses import dataclass, field
    from typing import Any

    from pyfactory import Factory, Graph, node, nodes, ref, schema


    @dataclass
    class User:
        name: str


    @dataclass
    class Team:
        name: str
        members: list[User] = field(default_factory=list)


    class UserFactory(Factory[User]):
        _model = User

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": "x"}


    class TeamFactory(Factory[Team]):
        _model = Team

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": "t"}


    class TeamGraph(Graph):
        lead = node(UserFactory, "basic")
        teams = nodes(TeamFactory, "basic")
        users = nodes(UserFactory(), "basic", key="name", name=ref("lead.name"))


    class Company(Graph):
        core = node(TeamGraph)


    async def main() -> None:
        objs = TeamGraph().create(teams=["t"], links=["t.members:lead"])
        reveal_type(objs)
        reveal_type(objs.lead)
        reveal_type(objs.teams)
        reveal_type(objs.users["joe"])
        reveal_type(TeamGraph.lead)
        reveal_type(TeamGraph.teams)
        reveal_type(Company().build().core.lead)
        reveal_type(await Company().acreate())
        objs.lead.nam
        nodes(TeamGraph)
    """
)

EXPECTED = [
    'note: Revealed type is "case.TeamGraph"',
    'note: Revealed type is "case.User"',
    'note: Revealed type is "typing.Mapping[str, case.Team]"',
    'note: Revealed type is "case.User"',
    'note: Revealed type is "pyfactory._graph.Node[case.User]"',
    'note: Revealed type is "pyfactory._graph.Nodes[case.Team]"',
    'note: Revealed type is "case.User"',
    'note: Revealed type is "case.Company"',
    # Each error's start: the wording after it (hints, how Never prints) varies by version.
    'error: "User" has no attribute "nam"',
    'error: Argument 1 to "nodes" has incompatible type "type[TeamGraph]"',
]


def test_graph_types(tmp_path: Path) -> None:
    """mypy --strict reveals the models of a made graph's nodes and refuses misuse."""
    (tmp_path / "case.py").write_text(CASE)
    stdout = run_mypy(tmp_path, ["case.py"], "--config-file=").stdout
    reported = [
        line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith("case.py")
    ]
    reported = [line.replace("builtins.", "") for line in reported]
    assert len(reported) == len(EXPECTED), stdout
    for got, expected in zip(reported, EXPECTED, strict=True):
        assert got.startswith(expected), stdout
