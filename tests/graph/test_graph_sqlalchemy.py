"""Object graphs on SQLAlchemy: sync and async sessions, on a SQLite file and on
PostgreSQL. Links are rows after ``create``; a failing call leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyfactory import AsyncModeError, BuilderError, Graph, GraphError, node, nodes, ref
from pyfactory._context import Context
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.graph.sa_models import (
    AsyncOrgGraph,
    Base,
    Organization,
    Project,
    Role,
    SyncOrgGraph,
    Team,
    User,
    factories,
    organization_admins,
    team_followers,
    team_members,
    user_roles,
)

MODELS = (Organization, Project, Team, User, Role)


@pytest.fixture
def db_metadata() -> MetaData:
    """The world's tables, for the ``engine`` and ``async_session`` of
    tests/plugins/databases.py."""
    return Base.metadata


def counts(session: Session) -> dict[str, int]:
    """The rows of every table of the world, by table."""
    found = {
        m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS
    }
    for table in (team_members, user_roles):
        found[table.name] = session.scalar(select(func.count()).select_from(table)) or 0
    return found


def linked(session: Session, table: Any) -> set[tuple[int, int]]:
    return {tuple(row) for row in session.execute(select(*table.columns))}


class TestCreate:
    def test_the_contract_example_writes_rows_and_links(self, session: Session) -> None:
        """DESIGN.md §10's call writes each object and the link-table row of its link."""
        objs = SyncOrgGraph(session=session).create(
            organization={"name": "test-org"},
            projects=["test-proj"],
            teams={"team1": {"description": "x"}},
            users=["joe"],
            links=["team1.members:joe"],
        )
        assert objs.organization.name == "test-org"
        assert objs.projects["test-proj"].organization is objs.organization
        team, joe = objs.teams["team1"], objs.users["joe"]
        assert team.members == [joe]
        session.commit()
        assert linked(session, team_members) == {(team.id, joe.id)}
        session.expunge_all()
        stored = session.scalars(select(Team)).one()
        assert (stored.name, stored.description) == ("team1", "x")
        assert [u.name for u in stored.members] == ["joe"]
        assert session.scalars(select(Project)).one().organization.name == "test-org"

    def test_minimal_call_makes_one_row(self, session: Session) -> None:
        """With no arguments, the organization is the only row."""
        SyncOrgGraph(session=session).create()
        assert counts(session) == {
            "graph_organization": 1,
            "graph_project": 0,
            "graph_team": 0,
            "graph_user": 0,
            "graph_role": 0,
            "graph_team_member": 0,
            "graph_user_role": 0,
        }

    def test_link_to_an_attribute_of_a_node(self, session: Session) -> None:
        """``"joe.roles:p1.admin_role"`` writes the user-role row for the project's role."""
        objs = SyncOrgGraph(session=session).create(
            projects=["p1"], users=["joe"], links=["joe.roles:p1.admin_role"]
        )
        role = objs.projects["p1"].admin_role
        assert role.name == "admin"
        assert linked(session, user_roles) == {(objs.users["joe"].id, role.id)}

    def test_one_to_many_link_moves_the_child(self, session: Session) -> None:
        """A link on a one-to-many relationship sets the child's foreign key."""
        f = factories(SQLAlchemyBuilder())

        class Two(Graph):
            organization = node(f["organization"])
            partner = node(f["organization"])
            projects = nodes(f["project"], organization=ref("organization"))

        objs = Two(session=session).create(projects=["p"], links=["partner.projects:p"])
        session.expire_all()
        assert objs.projects["p"].organization_id == objs.partner.id
        assert [p.name for p in objs.partner.projects] == ["p"]

    def test_build_writes_nothing(self, session: Session) -> None:
        """``build`` makes transient objects, linked in memory, and no rows."""
        objs = SyncOrgGraph(session=session).build(
            teams=["t"], users=["joe"], links=["t.members:joe"]
        )
        assert objs.teams["t"].members == [objs.users["joe"]]
        assert inspect(objs.teams["t"]).transient
        assert set(counts(session).values()) == {0}

    def test_build_needs_no_session(self) -> None:
        """A built graph needs no session at all, links included."""
        objs = SyncOrgGraph().build(projects=["p"], users=["joe"], links=["joe.roles:p.admin_role"])
        assert objs.users["joe"].roles == [objs.projects["p"].admin_role]


class TestCollectionKinds:
    def test_write_only_and_dynamic_collections(self, session: Session) -> None:
        """Links reach write-only and dynamic relationships through their own API."""
        objs = SyncOrgGraph(session=session).create(
            teams=["t"],
            users=["joe", "ann"],
            links=["t.followers:joe", "organization.admins:users"],
        )
        joe, ann = objs.users["joe"].id, objs.users["ann"].id
        assert linked(session, team_followers) == {(objs.teams["t"].id, joe)}
        org = objs.organization.id
        assert linked(session, organization_admins) == {(org, joe), (org, ann)}

    def test_linking_a_member_again_adds_no_row(self, session: Session) -> None:
        """An object the collection holds already is not added twice."""
        objs = SyncOrgGraph(session=session).create(
            users=["joe"], teams={"t": {"members": ref("users")}}, links=["t.members:joe"]
        )
        assert linked(session, team_members) == {(objs.teams["t"].id, objs.users["joe"].id)}

    def test_nested_graph_rolls_back_with_the_outer_one(self, session: Session) -> None:
        """A nested graph's rows are part of the outer call: a later failure undoes them."""
        f = factories(SQLAlchemyBuilder())

        class Outer(Graph):
            inner = node(SyncOrgGraph)
            users = nodes(f["user"])

        objs = Outer(session=session).create(inner={"teams": ["t"]}, users=["joe"])
        assert objs.inner.teams["t"].organization is objs.inner.organization
        with pytest.raises(GraphError, match=r"Outer.create → users\['b'\]"):
            Outer(session=session).create(
                inner={"users": ["c"]}, users={"a": {}, "b": {"name": "a"}}
            )
        assert counts(session)["graph_organization"] == 1
        assert counts(session)["graph_user"] == 1


class TestRollback:
    def test_failing_node_leaves_nothing(self, session: Session) -> None:
        """A node that fails part way undoes every row of the call; earlier rows stay and
        the session stays usable."""
        before = SyncOrgGraph(session=session).create(organization={"name": "before"})
        with pytest.raises(GraphError) as error:
            SyncOrgGraph(session=session).create(
                projects=["p"], teams=["t"], users={"a": {}, "b": {"name": "a"}}
            )
        assert str(error.value).startswith(
            "OrgGraph.create → users['b'] (UserFactory.basic): SQLAlchemyBuilder.create(User) "
            "raised IntegrityError("
        )
        assert isinstance(error.value.__cause__, BuilderError)
        assert counts(session)["graph_organization"] == 1
        assert counts(session)["graph_user"] == 0
        assert counts(session)["graph_project"] == 0
        assert session.scalars(select(Organization)).one() is before.organization

    def test_failing_link_leaves_nothing(self, session: Session) -> None:
        """A link that cannot be applied, once every node is written, undoes the nodes too."""
        with pytest.raises(GraphError) as error:
            SyncOrgGraph(session=session).create(teams=["t"], users=["joe"], links=["t.name:joe"])
        assert str(error.value) == (
            "OrgGraph.create: link 't.name:joe': Team.name is not a relationship, not a "
            "collection; the collection relationships of Team are: followers, members"
        )
        assert set(counts(session).values()) == {0}

    def test_link_to_a_single_row_relationship(self, session: Session) -> None:
        """A relationship to one row is not a collection, and the error says so."""
        with pytest.raises(GraphError) as error:
            SyncOrgGraph(session=session).create(teams=["t"], links=["t.organization:organization"])
        assert str(error.value) == (
            "OrgGraph.create: link 't.organization:organization': Team.organization is a "
            "relationship to one row, not a collection; the collection relationships of Team "
            "are: followers, members"
        )

    def test_async_builder_refuses_create(self, session: Session) -> None:
        """A graph over the async builder says to call acreate."""
        with pytest.raises(AsyncModeError) as error:
            AsyncOrgGraph(session=session).create()
        assert str(error.value) == (
            "OrgGraph.create: OrganizationFactory uses AsyncSQLAlchemyBuilder, which writes "
            "through an AsyncSession: call acreate() or acreate_batch() (build() needs no "
            "session)"
        )

    def test_commit_persistence_commits_once(self, engine: Engine) -> None:
        """With ``persistence="commit"`` the graph's rows are committed when it succeeds."""
        f = factories(SQLAlchemyBuilder(persistence="commit"))

        class Small(Graph):
            organization = node(f["organization"])
            users = nodes(f["user"])

        with Session(engine) as session:
            Small(session=session).create(users=["joe"], links=[])
        with Session(engine) as other:
            assert other.scalars(select(User.name)).all() == ["joe"]

    @pytest.mark.parametrize("commit_first", [True, False])
    def test_one_committing_builder_commits_in_any_order(
        self, engine: Engine, commit_first: bool
    ) -> None:
        """Nodes whose builders persist differently on one session: the builder that
        commits is the outermost transaction, whichever node is declared first."""
        flushing = factories(SQLAlchemyBuilder())
        committing = factories(SQLAlchemyBuilder(persistence="commit"))
        slots = {
            "organization": node(committing["organization"]),
            "users": nodes(flushing["user"]),
        }
        order = list(slots) if commit_first else list(reversed(slots))
        Mixed = type("Mixed", (Graph,), {name: slots[name] for name in order})

        with Session(engine) as session:
            Mixed(session=session).create(users=["joe"])
            session.rollback()  # nothing of the graph's is left to roll back
        with Session(engine) as other:
            assert other.scalars(select(Organization.id)).all() != []
            assert other.scalars(select(User.name)).all() == ["joe"]


class TestAsync:
    async def test_acreate_writes_rows_and_links(self, async_session: AsyncSession) -> None:
        """``acreate`` makes every node with ``acreate`` and writes the links' rows."""
        objs = await AsyncOrgGraph(session=async_session).acreate(
            organization={"name": "test-org"},
            projects=["p1"],
            teams={"team1": {"description": "x"}},
            users=["joe", "ann"],
            links=["team1.members:joe", "team1.members:ann", "joe.roles:p1.admin_role"],
        )
        team = objs.teams["team1"]
        assert team.members == [objs.users["joe"], objs.users["ann"]]
        rows = (await async_session.execute(select(*team_members.columns))).all()
        assert {tuple(r) for r in rows} == {
            (team.id, objs.users["joe"].id),
            (team.id, objs.users["ann"].id),
        }
        roles = (await async_session.execute(select(*user_roles.columns))).all()
        assert [tuple(r) for r in roles] == [
            (objs.users["joe"].id, objs.projects["p1"].admin_role.id)
        ]

    async def test_failing_acreate_leaves_nothing(self, async_session: AsyncSession) -> None:
        """A failing ``acreate`` undoes the whole call; the session stays usable."""
        with pytest.raises(GraphError, match=r"users\['b'\] \(UserFactory.basic\)"):
            await AsyncOrgGraph(session=async_session).acreate(
                teams=["t"], users={"a": {}, "b": {"name": "a"}}
            )
        for model in MODELS:
            count = await async_session.scalar(select(func.count()).select_from(model))
            assert count == 0, model
        objs = await AsyncOrgGraph(session=async_session).acreate(users=["a"])
        assert objs.users["a"].id is not None

    async def test_failing_async_link_leaves_nothing(self, async_session: AsyncSession) -> None:
        """A link that fails under ``acreate`` undoes the nodes written before it."""
        with pytest.raises(GraphError, match=r"Team\.name is not a relationship"):
            await AsyncOrgGraph(session=async_session).acreate(
                teams=["t"], users=["joe"], links=["t.name:joe"]
            )
        count = await async_session.scalar(select(func.count()).select_from(Team))
        assert count == 0

    async def test_write_only_collection_under_acreate(self, async_session: AsyncSession) -> None:
        """A write-only relationship is linked under ``acreate`` too."""
        objs = await AsyncOrgGraph(session=async_session).acreate(
            teams=["t"], users=["joe"], links=["t.followers:joe"]
        )
        rows = (await async_session.execute(select(*team_followers.columns))).all()
        assert [tuple(r) for r in rows] == [(objs.teams["t"].id, objs.users["joe"].id)]

    async def test_acreate_needs_an_async_session(self, session: Session) -> None:
        """The async builder's graph given a sync Session says which builder fits."""
        with pytest.raises(AsyncModeError) as error:
            await AsyncOrgGraph(session=session).acreate()
        assert str(error.value) == (
            "OrgGraph.acreate: OrgGraph uses AsyncSQLAlchemyBuilder, which needs an "
            "AsyncSession, but was given Session; use SQLAlchemyBuilder for a Session"
        )

    async def test_nested_graph_under_acreate(self, async_session: AsyncSession) -> None:
        """A nested graph is made with ``acreate`` and its own links."""
        f = factories(AsyncSQLAlchemyBuilder())

        class Outer(Graph):
            inner = node(AsyncOrgGraph)
            users = nodes(f["user"])

        objs = await Outer(session=async_session).acreate(
            inner={"teams": ["t"], "users": ["ann"], "links": ["t.members:ann"]}, users=["joe"]
        )
        rows = (await async_session.execute(select(*team_members.columns))).all()
        assert [tuple(r) for r in rows] == [(objs.inner.teams["t"].id, objs.inner.users["ann"].id)]

    async def test_aadd_on_built_objects(self) -> None:
        """The async builder adds to a built (transient) object without a session."""
        team, user = Team(name="t"), User(name="u")
        await AsyncSQLAlchemyBuilder[Any]().aadd(team, "members", [user], Context())
        assert team.members == [user]

    async def test_sync_add_on_stored_objects_is_refused(self, async_session: AsyncSession) -> None:
        """The async builder's sync ``add`` on a stored object says to use ``acreate``."""
        objs = await AsyncOrgGraph(session=async_session).acreate(teams=["t"], users=["u"])
        with pytest.raises(AsyncModeError, match=r"call acreate\(\)"):
            AsyncSQLAlchemyBuilder[Any]().add(
                objs.teams["t"], "members", [objs.users["u"]], Context({}, "F")
            )

    async def test_async_build_links_in_memory(self) -> None:
        """``build`` on the async builder's graph links transient objects, no session needed."""
        objs = AsyncOrgGraph().build(teams=["t"], users=["joe"], links=["t.members:joe"])
        assert objs.teams["t"].members == [objs.users["joe"]]

    async def test_sync_builder_graph_under_acreate(self, session: Session) -> None:
        """A graph over the sync builder may be awaited too: its writes run inline."""
        objs = await SyncOrgGraph(session=session).acreate(
            teams=["t"], users=["joe"], links=["t.members:joe"]
        )
        assert linked(session, team_members) == {(objs.teams["t"].id, objs.users["joe"].id)}
