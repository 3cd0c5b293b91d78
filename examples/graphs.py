"""Object graphs: one call makes an organization with exactly the named projects,
teams and users it is asked for, links them, and hands all of them back by name.

Run it with (it needs ``pip install 'pyfactory-schema[sqlalchemy]'``):

    python examples/graphs.py

It works on an in-memory SQLite database and shows, in order:

1. ``create``: the graph written, with its links as rows of the link tables;
2. the minimum call, which makes the organization alone;
3. ``build``: the same graph in memory, with nothing written;
4. a ``create`` that fails part way, and leaves nothing of itself behind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import Factory, Graph, GraphError, association, node, nodes, ref, schema, sequence
from pyfactory.builders import SQLAlchemyBuilder

# --- The models: ordinary SQLAlchemy 2 declarative classes. -----------------


class Base(DeclarativeBase):
    pass


team_members = Table(
    "team_member",
    Base.metadata,
    Column("team_id", ForeignKey("team.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True),
)
user_roles = Table(
    "user_role",
    Base.metadata,
    Column("user_id", ForeignKey("user.id"), primary_key=True),
    Column("role_id", ForeignKey("role.id"), primary_key=True),
)


class Role(Base):
    __tablename__ = "role"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    roles: Mapped[list[Role]] = relationship(secondary=user_roles)


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    organization: Mapped[Organization] = relationship()
    admin_role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
    admin_role: Mapped[Role] = relationship()


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    organization: Mapped[Organization] = relationship()
    members: Mapped[list[User]] = relationship(secondary=team_members)


# --- The factories: each makes exactly one object with the least it needs. ---


class SQLFactory(Factory[Any]):
    _abstract = True
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"


class RoleFactory(SQLFactory, Factory[Role]):
    _model = Role

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("role{n}")}


class UserFactory(SQLFactory, Factory[User]):
    _model = User

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("user{n}")}


class OrganizationFactory(SQLFactory, Factory[Organization]):
    _model = Organization

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("org{n}")}


class ProjectFactory(SQLFactory, Factory[Project]):
    _model = Project

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": sequence("project{n}"),
            "organization": association(OrganizationFactory),
            "admin_role": association(RoleFactory, name="admin"),
        }


class TeamFactory(SQLFactory, Factory[Team]):
    _model = Team

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("team{n}"), "organization": association(OrganizationFactory)}


# --- The graph: a node is always made, a collection only holds the names asked for.


class OrgGraph(Graph):
    organization = node(OrganizationFactory)
    projects = nodes(ProjectFactory, organization=ref("organization"))
    teams = nodes(TeamFactory, organization=ref("organization"))
    users = nodes(UserFactory)


def counts(session: Session) -> str:
    tables = [Organization, Project, Team, User, Role, team_members, user_roles]
    found = []
    for table in tables:
        name = getattr(table, "__tablename__", getattr(table, "name", "?"))
        found.append(f"{name}={session.scalar(select(func.count()).select_from(table))}")
    return ", ".join(found)


def main() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        print("1. create")
        objs = OrgGraph(session=session).create(
            organization={"name": "test-org"},
            projects=["test-proj"],
            teams={"team1": {}},
            users=["joe", "ann"],
            links=["team1.members:users", "joe.roles:test-proj.admin_role"],
        )
        print(f"   organization {objs.organization.name!r} (id {objs.organization.id})")
        for name, project in objs.projects.items():
            role = project.admin_role.name
            print(f"   project {name!r} of {project.organization.name!r}, admin role {role!r}")
        for name, team in objs.teams.items():
            print(f"   team {name!r}: members {[u.name for u in team.members]}")
        print(f"   joe's roles: {[r.name for r in objs.users['joe'].roles]}")
        print(f"   team_member rows: {session.execute(select(team_members)).all()}")
        print(f"   rows: {counts(session)}")

        print("2. the minimum call")
        small = OrgGraph(session=session).create()
        print(f"   organization {small.organization.name!r}; projects {dict(small.projects)}")
        print(f"   rows: {counts(session)}")

        print("3. build: nothing written")
        draft = OrgGraph(session=session).build(teams=["t"], users=["zoe"], links=["t.members:zoe"])
        members = [u.name for u in draft.teams["t"].members]
        print(f"   team 't' members {members}, organization id {draft.organization.id}")
        print(f"   rows: {counts(session)}")

        print("4. a create that fails part way")
        try:
            OrgGraph(session=session).create(projects=["p"], users={"a": {}, "b": {"name": "a"}})
        except GraphError as error:
            print(f"   {error.path}: {type(error.__cause__).__name__}")
        print(f"   rows: {counts(session)}")


if __name__ == "__main__":
    main()
