"""Object graphs in memory (DESIGN.md §10): ``Graph``, ``node``, ``nodes``, ``ref`` and
links over dataclasses made by ObjectBuilder."""

from __future__ import annotations

import collections
import itertools
import pickle
import re
import string
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pyfactory
from pyfactory import (
    BuilderError,
    Factory,
    FactoryError,
    Graph,
    GraphError,
    MissingContextError,
    UsageError,
    fake,
    lazy,
    node,
    nodes,
    ref,
    schema,
)
from pyfactory._context import Context
from pyfactory._core.realization.observe import observe
from pyfactory._graph import Node, Nodes, Ref
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder
from tests.graph.models import (
    Organization,
    OrganizationFactory,
    OrgGraph,
    Project,
    ProjectFactory,
    Role,
    RoleFactory,
    Team,
    TeamFactory,
    User,
    UserFactory,
    recording,
)

LINK_FORM = '"name.attribute:other" (or "name.attribute:other.attribute")'


@pytest.fixture(autouse=True)
def _fresh_recording() -> Iterator[None]:
    recording.made.clear()
    yield
    recording.made.clear()


def message(error: pytest.ExceptionInfo[BaseException]) -> str:
    return str(error.value)


class TestDesignExample:
    def test_the_contract_example_works_verbatim(self) -> None:
        """DESIGN.md §10's call makes the named objects, linked, and hands them back by name."""
        objs = OrgGraph().create(
            organization={"name": "test-org"},
            projects=["test-proj"],
            teams={"team1": {"description": "x"}},
            users=["joe"],
            links=["team1.members:joe"],
        )
        assert objs.organization.name == "test-org"
        assert objs.projects["test-proj"].organization is objs.organization
        assert objs.teams["team1"].organization is objs.organization
        assert objs.teams["team1"].description == "x"
        assert objs.teams["team1"].members == [objs.users["joe"]]
        assert objs.users["joe"].name == "joe"
        assert isinstance(objs, OrgGraph)

    def test_build_makes_the_same_graph_with_build(self) -> None:
        """``build`` calls each factory's build, never create, and returns the same shape."""
        objs = OrgGraph().build(organization={"name": "x"}, users=["joe"], teams=["t"])
        assert objs.organization == Organization(name="x")
        assert objs.teams["t"].organization is objs.organization
        assert {method for method, _ in recording.made} == {"build"}

    def test_create_calls_the_builders_create(self) -> None:
        """``create`` makes every node with its factory's ``create``."""
        OrgGraph().create(users=["joe"])
        assert recording.made == [("create", "Organization"), ("create", "User")]

    def test_minimal_call_makes_the_minimum(self) -> None:
        """With no arguments only the single node is made: collections stay empty."""
        objs = OrgGraph().create()
        assert recording.made == [("create", "Organization")]
        assert objs.projects == {}
        assert objs.teams == {}
        assert objs.users == {}

    def test_refs_are_made_first_and_not_twice(self) -> None:
        """A ref'd node is made before the nodes that point at it, and its object is reused:
        the factory's own association on that key is not made."""
        OrgGraph().create(projects=["p"])
        assert recording.made == [
            ("create", "Organization"),
            ("create", "Role"),
            ("create", "Project"),
        ]


class TestCollections:
    def test_list_sets_the_key_field_in_order(self) -> None:
        """Each name of a list becomes an entry whose ``name`` field is that name, in order."""
        objs = OrgGraph().build(users=["joe", "ann", "bob"])
        assert list(objs.users) == ["joe", "ann", "bob"]
        assert [u.name for u in objs.users.values()] == ["joe", "ann", "bob"]

    def test_entry_overrides_win_over_the_key(self) -> None:
        """An entry that sets its key field keeps its own value; its name is still the key."""
        objs = OrgGraph().build(users={"joe": {"name": "Joseph", "email": "j@x.org"}})
        assert objs.users["joe"].name == "Joseph"
        assert objs.users["joe"].email == "j@x.org"

    def test_other_key_field(self) -> None:
        """``key=`` names the field that receives the entry's name."""

        class ByEmail(Graph):
            users = nodes(UserFactory, key="email")

        objs = ByEmail().build(users=["a@x.org"])
        assert objs.users["a@x.org"].email == "a@x.org"
        assert objs.users["a@x.org"].name == "user1"

    def test_no_key_field(self) -> None:
        """``key=None`` sets no field: the factory's values stand."""

        class Unkeyed(Graph):
            users = nodes(UserFactory, key=None)

        objs = Unkeyed().build(users=["first"])
        assert objs.users["first"].name == "user1"

    def test_declared_overrides_under_the_calls(self) -> None:
        """A collection's declared overrides apply to every entry, under the entry's own."""

        class Staff(Graph):
            users = nodes(UserFactory, admin=True, email="staff@x.org")

        objs = Staff().build(users={"a": {}, "b": {"email": "b@x.org"}})
        assert [(u.admin, u.email) for u in objs.users.values()] == [
            (True, "staff@x.org"),
            (True, "b@x.org"),
        ]

    def test_traits_by_name_and_by_flag(self) -> None:
        """Traits given to ``nodes`` apply to every entry; an entry may add one as a flag."""

        class Staff(Graph):
            admins = nodes(UserFactory, "basic", "staff")
            users = nodes(UserFactory)

        objs = Staff().build(admins=["a"], users={"b": {"staff": True}, "c": {}})
        assert objs.admins["a"].admin
        assert objs.users["b"].admin
        assert not objs.users["c"].admin

    def test_ready_objects(self) -> None:
        """An object made already stands for a node or an entry: nothing is made for it."""
        org = Organization(name="mine")
        joe = User(name="joe", email="joe@x.org")
        objs = OrgGraph().build(organization=org, users={"joe": joe}, teams=["t"])
        assert objs.organization is org
        assert objs.users["joe"] is joe
        assert objs.teams["t"].organization is org
        assert recording.made == [("build", "Team")]

    @given(st.lists(st.text(string.ascii_letters + "-_ ", min_size=1), unique=True, max_size=6))
    def test_any_unique_names_make_one_entry_each(self, names: list[str]) -> None:
        """Whatever unique names a call gives, each becomes one entry keyed and named by it."""
        objs = OrgGraph().build(users=names)
        assert list(objs.users) == names
        assert [u.name for u in objs.users.values()] == names


class TestNodes:
    def test_call_overrides_win_and_dunder_keys_reach_associations(self) -> None:
        """A node's dict goes to its factory: plain keys replace, ``owner__email`` reaches the
        association on ``owner``."""

        class Owned(Graph):
            organization = node(OrganizationFactory, "owned", name="declared")

        objs = Owned().build(organization={"owner__email": "boss@x.org"})
        assert objs.organization.name == "declared"
        assert objs.organization.owner is not None
        assert objs.organization.owner.email == "boss@x.org"
        objs = Owned().build(organization={"name": "given"})
        assert objs.organization.name == "given"

    def test_factory_instance_keeps_its_own_context(self) -> None:
        """A factory instance as a node keeps its context; the graph's fills the gaps."""
        seen: list[dict[str, Any]] = []

        class Spy(ModelBuilder[Any]):
            def build(self, model: type[Any], attributes: dict[str, Any], context: Any) -> Any:
                seen.append(dict(context))
                return model(**attributes)

        class SpiedUsers(UserFactory):
            _model_builder = Spy()

        class Mixed(Graph):
            mine = node(SpiedUsers(tenant="a"))
            theirs = node(SpiedUsers)

        Mixed(tenant="b", region="eu").build()
        assert seen == [{"tenant": "a", "region": "eu"}, {"tenant": "b", "region": "eu"}]

    def test_factory_instance_keeps_its_own_seed(self) -> None:
        """A factory instance made with a seed draws from its own stream, not the graph's."""

        class Named(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": fake("first_name"), "email": "e"}

        class Seeded(Graph):
            user = node(Named(seed=3))

        # The instance's seed, not the graph's, makes the values: every graph that uses
        # it gets the instance's first object, whatever the graph's own seed.
        expected = Named(seed=3).build()
        assert Seeded(seed=1).build().user == expected
        assert Seeded(seed=2).build().user == expected
        assert Named(seed=4).build() != expected

    def test_seed_makes_the_graph_reproducible(self) -> None:
        """A graph's seed is shared by its nodes' factories: the same seed, the same values."""

        class Named(UserFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": fake("first_name"), "email": fake("email")}

        class People(Graph):
            boss = node(Named)
            users = nodes(Named, key=None)

        first = People(seed=7).build(users=["a", "b"])
        second = People(seed=7).build(users=["a", "b"])
        assert first.boss == second.boss
        assert list(first.users.values()) == list(second.users.values())
        assert first.users["a"] != first.users["b"]

    def test_missing_context_names_the_graph(self) -> None:
        """A builder that needs a context key the graph lacks says to pass it to the graph."""

        class Needy(ModelBuilder[Any]):
            def build(self, model: type[Any], attributes: dict[str, Any], context: Any) -> Any:
                context.require("session")
                return model(**attributes)

        class NeedyUsers(UserFactory):
            _model_builder = Needy()

        class Needs(Graph):
            user = node(NeedyUsers)

        with pytest.raises(GraphError) as error:
            Needs().build()
        assert message(error) == (
            "Needs.build → user (NeedyUsers.basic): Needs needs 'session' in its context; "
            "pass it when making the factory: Needs(session=...)"
        )
        assert isinstance(error.value.__cause__, MissingContextError)

    def test_unmade_graph_has_no_objects(self) -> None:
        """Reading a node on a graph that has not made anything says how to get the objects."""
        with pytest.raises(AttributeError, match=r"OrgGraph.organization is an object the graph"):
            _ = OrgGraph().organization

    def test_class_access_gives_the_declaration(self) -> None:
        """On the class, a node is its declaration: Node or Nodes."""
        assert isinstance(OrgGraph.organization, Node)
        assert isinstance(OrgGraph.users, Nodes)
        assert OrgGraph.users.key == "name"

    def test_repr_and_context(self) -> None:
        """A graph shows its context before a call, and its objects after."""
        graph = OrgGraph(tenant="a")
        assert repr(graph) == "<OrgGraph context={'tenant': 'a'}>"
        assert graph.context["tenant"] == "a"
        objs = graph.build(organization={"name": "o"})
        assert repr(objs) == (
            "<OrgGraph organization=Organization(name='o', owner=None), projects={}, "
            "teams={}, users={}>"
        )

    def test_dict_builder_nodes(self) -> None:
        """Dicts from DictBuilder serve as nodes, refs and link targets too."""

        class Rows(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x", "members": []}

        class Tables(Graph):
            first = node(Rows, "basic")
            rows = nodes(Rows, "basic", parent=ref("first.name"))

        objs = Tables().build(rows=["r1", "r2"], links=["first.members:rows"])
        assert objs.rows["r1"] == {"name": "r1", "members": [], "parent": "x"}
        assert objs.first["members"] == [objs.rows["r1"], objs.rows["r2"]]


class TestRefs:
    def test_ref_to_an_attribute(self) -> None:
        """``ref("node.attr")`` reads the attribute of the node's object."""

        class Owned(Graph):
            organization = node(OrganizationFactory, "owned")
            admin = node(UserFactory, email=ref("organization.owner.email"))

        objs = Owned().build()
        assert objs.organization.owner is not None
        assert objs.admin.email == objs.organization.owner.email

    def test_ref_to_an_entry_and_to_a_collection(self) -> None:
        """A ref may name an entry, or a whole collection (a list of its objects)."""

        class Crew(Graph):
            lead = node(TeamFactory, "basic", members=ref("users"))
            users = nodes(UserFactory)
            organization = node(OrganizationFactory, owner=ref("joe"))

        objs = Crew().build(users=["joe", "ann"])
        assert objs.lead.members == [objs.users["joe"], objs.users["ann"]]
        assert objs.organization.owner is objs.users["joe"]

    def test_ref_inside_a_list(self) -> None:
        """Refs inside a list or dict value are replaced too."""

        class Crew(Graph):
            users = nodes(UserFactory)
            team = node(TeamFactory, "basic", members=[ref("ann"), ref("joe")])

        objs = Crew().build(users=["joe", "ann"])
        assert objs.team.members == [objs.users["ann"], objs.users["joe"]]

    def test_containers_keep_their_type(self) -> None:
        """Replacing refs rebuilds only plain containers that hold one: a named tuple,
        and a list without refs, reach the factory as they were given."""
        point = collections.namedtuple("point", "x y")(1, 2)
        plain = ["a", "b"]

        class Placed(Graph):
            organization = node(OrganizationFactory)
            admin = node(
                UserFactory,
                email=ref("organization.name"),
                name=(point, plain, [ref("organization.name")]),
            )

        objs = Placed().build()
        first, second, third = objs.admin.name
        assert first is point
        assert second is plain
        assert third == [objs.organization.name]

    def test_order_follows_refs_not_declaration(self) -> None:
        """A node declared before the node it refs is made after it."""

        class Backwards(Graph):
            project = node(ProjectFactory, organization=ref("organization"))
            organization = node(OrganizationFactory)

        objs = Backwards().create()
        assert objs.project.organization is objs.organization
        assert recording.made[0] == ("create", "Organization")

    def test_call_override_replaces_a_ref(self) -> None:
        """An entry that gives the ref'd key itself needs nothing from the ref."""
        other = Organization(name="other")
        objs = OrgGraph().build(projects={"p": {"organization": other}})
        assert objs.projects["p"].organization is other

    @given(st.data())
    def test_random_acyclic_refs_resolve_and_a_back_edge_is_a_cycle(self, data: Any) -> None:
        """Any acyclic web of refs, declared in any order, hands each node the objects it
        refs; one ref back makes a cycle, reported along refs that exist."""
        size = data.draw(st.integers(2, 6))
        # Node i refs nodes j < i only (acyclic by construction), node i - 1 always, so
        # that a ref from node 0 to the last node closes a cycle.
        refs = {0: []} | {
            i: sorted({i - 1, *data.draw(st.lists(st.integers(0, i - 1)))}) for i in range(1, size)
        }
        order = data.draw(st.permutations(range(size)))

        def web(refs: dict[int, list[int]]) -> type[Graph]:
            body = {
                f"n{i}": node(UserFactory, roles=[ref(f"n{j}") for j in refs[i]]) for i in order
            }
            return type("Web", (Graph,), body)

        objs = web(refs)().build()
        for i in range(size):
            made = getattr(objs, f"n{i}").roles
            assert all(r is getattr(objs, f"n{j}") for j, r in zip(refs[i], made, strict=True))
        with pytest.raises(GraphError) as error:
            web({**refs, 0: [size - 1]})().build()
        cycle = [int(n[1:]) for n in message(error).split("refs form a cycle: ")[1].split(" → ")]
        assert cycle[0] == cycle[-1]
        closing = {**refs, 0: [size - 1]}
        assert all(b in closing[a] for a, b in itertools.pairwise(cycle))

    def test_ref_inside_a_tuple(self) -> None:
        """Refs inside a tuple are replaced, and the tuple stays a tuple."""

        class Crew(Graph):
            users = nodes(UserFactory)
            team = node(TeamFactory, "basic", members=(ref("joe"),))

        objs = Crew().build(users=["joe"])
        assert objs.team.members == (objs.users["joe"],)

    def test_ref_repr(self) -> None:
        """A ref shows as the call that makes it."""
        assert repr(ref("organization.owner")) == "ref('organization.owner')"
        assert ref("a.b.c") == Ref("a.b.c")
        assert ref("a.b.c").attributes == ("b", "c")


class TestLinks:
    def test_link_to_an_attribute(self) -> None:
        """``"joe.roles:p.admin_role"`` adds the project's admin role to joe's roles."""
        objs = OrgGraph().build(projects=["p"], users=["joe"], links=["joe.roles:p.admin_role"])
        assert objs.users["joe"].roles == [objs.projects["p"].admin_role]

    def test_links_group_and_skip_repeats(self) -> None:
        """Links to one collection apply in the order given; an object is added once."""
        objs = OrgGraph().build(
            teams=["t"],
            users=["a", "b"],
            links=["t.members:b", "t.members:a", "t.members:b", "t.members:users"],
        )
        assert objs.teams["t"].members == [objs.users["b"], objs.users["a"]]

    def test_link_into_a_set(self) -> None:
        """A set collection gets the object added."""
        objs = OrgGraph().build(teams=["t"], links=["t.tags:organization.name"])
        assert objs.teams["t"].tags == {"org1"}

    def test_links_accept_any_iterable(self) -> None:
        """``links`` may be any iterable of strings, a generator included."""
        objs = OrgGraph().build(
            teams=["t"], users=["joe"], links=(f"t.members:{n}" for n in ["joe"])
        )
        assert objs.teams["t"].members == [objs.users["joe"]]


class TestComposition:
    def test_inheritance_adds_replaces_and_drops(self) -> None:
        """A subclass keeps its bases' nodes, replaces one by name, drops one with None."""

        class Bigger(OrgGraph):
            organization = node(OrganizationFactory, "owned")
            roles = nodes(RoleFactory)
            teams = None

        assert list(Bigger._pf_slots) == ["organization", "projects", "users", "roles"]
        objs = Bigger().build(roles=["admin"], projects=["p"])
        assert objs.organization.owner is not None
        assert objs.roles["admin"] == Role(name="admin")
        assert objs.projects["p"].organization is objs.organization
        with pytest.raises(GraphError, match="no node 'teams'"):
            Bigger().build(teams=["t"])

    def test_nested_graph(self) -> None:
        """``node(OtherGraph)`` nests a graph: its arguments are the node's dict, a ref may
        hand it an object of the outer graph, and the result is that graph's result."""

        class Department(Graph):
            organization = node(OrganizationFactory)
            teams = nodes(TeamFactory, "basic", organization=ref("organization"))
            users = nodes(UserFactory)

        class Company(Graph):
            organization = node(OrganizationFactory)
            sales = node(Department, organization=ref("organization"))
            boss = node(UserFactory, email=ref("sales.organization.name"))

        objs = Company().build(
            organization={"name": "acme"},
            sales={"teams": ["east"], "users": ["ann"], "links": ["east.members:ann"]},
            boss={"name": "boss"},
        )
        assert isinstance(objs.sales, Department)
        assert objs.sales.organization is objs.organization
        assert objs.sales.teams["east"].organization is objs.organization
        assert objs.sales.teams["east"].members == [objs.sales.users["ann"]]
        assert objs.boss.email == "acme"

    def test_nested_graph_may_be_given_ready(self) -> None:
        """A graph result made already stands for a nested graph node."""

        class Department(Graph):
            users = nodes(UserFactory)

        class Company(Graph):
            sales = node(Department)

        sales = Department().build(users=["a"])
        assert Company().build(sales=sales).sales is sales

    def test_names_are_per_graph(self) -> None:
        """A nested graph's names do not clash with the outer graph's."""

        class Department(Graph):
            users = nodes(UserFactory)

        class Company(Graph):
            users = nodes(UserFactory)
            sales = node(Department)

        objs = Company().build(users=["joe"], sales={"users": ["joe"]})
        assert objs.users["joe"] is not objs.sales.users["joe"]


class TestCallErrors:
    def test_unknown_argument(self) -> None:
        """A keyword that is no node of the graph lists the nodes there are."""
        with pytest.raises(GraphError) as error:
            OrgGraph().create(projectz=["p"])
        assert message(error) == (
            "OrgGraph.create: no node 'projectz'; the graph's nodes are: organization, "
            "projects, teams, users"
        )
        assert error.value.available == ("organization", "projects", "teams", "users")

    @pytest.mark.parametrize(
        "link", ["team1members:joe", "team1.members", "team1.members:", ".members:joe", 3]
    )
    def test_malformed_link(self, link: Any) -> None:
        """A link not of the form name.attribute:other shows that form."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(teams=["team1"], users=["joe"], links=[link])
        assert message(error) == f"OrgGraph.build: link {link!r} is not of the form {LINK_FORM}"

    @given(
        st.text(alphabet=".:ab", max_size=8).filter(
            lambda s: not re.fullmatch(r"[^.:]+\.[^.:]+:[^.:]+(\.[^.:]+)*", s)
        )
    )
    def test_any_malformed_link_is_refused(self, link: str) -> None:
        """Every string that does not match the form is refused before anything is made."""
        with pytest.raises(GraphError, match="is not of the form"):
            OrgGraph().build(links=[link])

    def test_links_as_a_string(self) -> None:
        """A single string for ``links`` is refused: it takes a list."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(links="team1.members:joe")
        assert message(error) == (
            f"OrgGraph.build: links takes a list of strings of the form {LINK_FORM}, "
            "got 'team1.members:joe'"
        )

    def test_link_to_an_unknown_name(self) -> None:
        """A link naming something this call did not make lists the names it did make."""
        with pytest.raises(GraphError) as error:
            OrgGraph().create(teams=["team1"], users=["joe"], links=["team1.members:jo"])
        assert message(error) == (
            "OrgGraph.create: link 'team1.members:jo' names 'jo', which this call does not "
            "make; the names are: joe, organization, projects, team1, teams, users"
        )
        assert error.value.available == (
            "joe",
            "organization",
            "projects",
            "team1",
            "teams",
            "users",
        )
        assert recording.made == []  # planned before anything was made

    def test_link_from_an_unknown_name(self) -> None:
        """The left name of a link is checked the same way."""
        with pytest.raises(GraphError, match=r"link 'team2.members:joe' names 'team2'"):
            OrgGraph().create(teams=["team1"], users=["joe"], links=["team2.members:joe"])

    def test_link_from_a_collection(self) -> None:
        """A link must start from one object: a collection's name lists its entries."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(teams=["a", "b"], links=["teams.members:organization"])
        assert message(error) == (
            "OrgGraph.build: link 'teams.members:organization' starts from the collection "
            "'teams'; start from one of its entries: a, b"
        )

    def test_link_from_a_nested_graph(self) -> None:
        """A link cannot start from a nested graph: that graph takes its own links."""

        class Inner(Graph):
            users = nodes(UserFactory)

        class Outer(Graph):
            inner = node(Inner)

        with pytest.raises(GraphError) as error:
            Outer().build(links=["inner.users:inner"])
        assert message(error) == (
            "Outer.build: link 'inner.users:inner' starts from the nested graph 'inner'; "
            "give the link to that graph's own links=[...]"
        )

    def test_link_attribute_not_a_collection(self) -> None:
        """A link to an attribute that is no collection names the collections there are."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(teams=["t"], users=["joe"], links=["t.name:joe"])
        assert message(error) == (
            "OrgGraph.build: link 't.name:joe': Team.name is not a collection (a list or a "
            "set): it holds 't'; the collections of Team are: members, tags"
        )
        assert isinstance(error.value.__cause__, TypeError)

    def test_link_attribute_missing(self) -> None:
        """A link to an attribute the object lacks says so."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(teams=["t"], users=["joe"], links=["t.memberz:joe"])
        assert message(error) == (
            "OrgGraph.build: link 't.memberz:joe': Team.memberz is not a collection (a list "
            "or a set): it has no such attribute; the collections of Team are: members, tags"
        )

    def test_ref_to_an_unknown_name(self) -> None:
        """A ref naming something the call does not make lists the names it does make."""

        class Typo(Graph):
            organization = node(OrganizationFactory)
            users = nodes(UserFactory, email=ref("organisation.name"))

        with pytest.raises(GraphError) as error:
            Typo().build(users=["joe"])
        assert message(error) == (
            "Typo.build: ref('organisation.name') in users['joe'] names 'organisation', "
            "which this call does not make; the names are: joe, organization, users"
        )

    def test_ref_to_a_missing_attribute(self) -> None:
        """A ref reading an attribute the object lacks names the type and the attribute."""

        class Typo(Graph):
            organization = node(OrganizationFactory)
            user = node(UserFactory, email=ref("organization.title"))

        with pytest.raises(GraphError) as error:
            Typo().build()
        assert message(error) == (
            "Typo.build → user: ref('organization.title'): Organization has no attribute 'title'"
        )
        assert isinstance(error.value.__cause__, AttributeError)

    def test_ref_attribute_of_a_collection(self) -> None:
        """A ref cannot read an attribute from a collection: it names one entry."""

        class Typo(Graph):
            users = nodes(UserFactory)
            user = node(UserFactory, email=ref("users.email"))

        with pytest.raises(GraphError) as error:
            Typo().build(users=["a"])
        assert message(error) == (
            "Typo.build → user: ref('users.email') reads 'email' from the collection 'users'; "
            "ref one of its entries"
        )

    def test_ref_cycle(self) -> None:
        """Refs that reach back to their node raise with the cycle, before anything is made."""

        class Loop(Graph):
            organization = node(OrganizationFactory, owner=ref("boss"))
            boss = node(UserFactory, email=ref("team.name"))
            team = node(TeamFactory, "basic", organization=ref("organization"))

        with pytest.raises(GraphError) as error:
            Loop().create()
        assert message(error) == (
            "Loop.create: refs form a cycle: organization → boss → team → organization"
        )
        assert recording.made == []

    def test_entry_refs_itself(self) -> None:
        """An entry whose ref names itself is a cycle of one."""
        with pytest.raises(GraphError, match=r"refs form a cycle: users\['joe'\] → users\['joe'\]"):
            OrgGraph().build(users={"joe": {"email": ref("joe.name")}})

    def test_entry_given_twice(self) -> None:
        """A collection given the same name twice says so."""
        with pytest.raises(GraphError) as error:
            OrgGraph().create(users=["joe", "ann", "joe"])
        assert message(error) == "OrgGraph.create → users: 'joe' is given twice"

    def test_name_taken_by_another_collection(self) -> None:
        """Names are unique across the graph: an entry may not reuse another's name."""
        with pytest.raises(GraphError) as error:
            OrgGraph().create(teams=["core"], users=["core"])
        assert message(error) == (
            "OrgGraph.create → users: the name 'core' is taken by teams['core']; names are "
            "unique across a graph, since links and refs use them alone"
        )

    @pytest.mark.parametrize(("name", "kind"), [("organization", "node"), ("users", "collection")])
    def test_name_taken_by_a_node(self, name: str, kind: str) -> None:
        """An entry may not take the name of a node or a collection."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(teams=[name])
        assert message(error) == (
            f"OrgGraph.build → teams: the name {name!r} is taken by the {kind} {name}; names "
            "are unique across a graph, since links and refs use them alone"
        )

    @pytest.mark.parametrize("value", ["joe", 3, {"joe"}])
    def test_collection_value_of_the_wrong_kind(self, value: Any) -> None:
        """A collection takes a list of names or a dict of name → overrides."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(users=value)
        assert message(error) == (
            "OrgGraph.build → users: users takes a list of names or a dict of name → "
            f"overrides, got {value!r}"
        )

    @pytest.mark.parametrize("name", ["", 3])
    def test_entry_name_not_a_string(self, name: Any) -> None:
        """Entry names are non-empty strings."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(users=[name])
        assert message(error) == (
            f"OrgGraph.build → users: entry names are non-empty strings, got {name!r}"
        )

    def test_entry_spec_of_the_wrong_kind(self) -> None:
        """An entry takes a dict of overrides or a ready object."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(users={"joe": "joe@x.org"})
        assert message(error) == (
            "OrgGraph.build → users['joe']: takes a dict of overrides or a ready User, "
            "got 'joe@x.org'"
        )

    def test_node_value_of_the_wrong_kind(self) -> None:
        """A node takes a dict of overrides or a ready object of its model."""
        with pytest.raises(GraphError) as error:
            OrgGraph().build(organization="test-org")
        assert message(error) == (
            "OrgGraph.build → organization: organization takes a dict of overrides or a "
            "ready Organization, got 'test-org'"
        )

    def test_nested_graph_value_of_the_wrong_kind(self) -> None:
        """A nested graph node takes a dict of arguments or a made graph of its class."""

        class Inner(Graph):
            pass

        class Outer(Graph):
            inner = node(Inner)

        with pytest.raises(GraphError) as error:
            Outer().build(inner=Inner())
        assert re.fullmatch(
            r"Outer.build → inner: inner takes a dict of overrides or a ready Inner, got .*",
            message(error),
        )

    def test_node_factory_fails(self) -> None:
        """A node whose factory fails raises GraphError: the path runs through the node to
        the field, and the factory's error is the cause."""

        class Broken(Graph):
            organization = node(OrganizationFactory)
            users = nodes(
                UserFactory,
                email=lazy(lambda a: a["nope"]),  # type: ignore[no-any-return]
            )

        with pytest.raises(GraphError) as error:
            Broken().create(users=["joe"])
        assert message(error) == (
            "Broken.create → users['joe'] (UserFactory.basic) → email: lazy field raised "
            "KeyError('nope')"
        )
        assert isinstance(error.value.__cause__, FactoryError)
        assert error.value.factory == "UserFactory"
        assert error.value.field == "email"

    def test_required_value_missing(self) -> None:
        """A node's model that misses a required value fails with the builder's error,
        wrapped and named by the node."""

        class Bare(OrganizationFactory):
            @schema()
            def empty(self) -> dict[str, Any]:
                return {}

        class Needs(Graph):
            organization = node(Bare, "empty")

        with pytest.raises(GraphError) as error:
            Needs().build()
        assert re.fullmatch(
            r"Needs\.build → organization \(Bare\.empty\): Recording\.build\(Organization\) "
            r"raised TypeError\(.*missing 1 required positional argument: 'name'.*\)",
            message(error),
        )
        assert isinstance(error.value.__cause__, BuilderError)

    def test_nested_graph_error_path(self) -> None:
        """An error inside a nested graph shows both graphs on its path."""

        class Inner(Graph):
            users = nodes(UserFactory)

        class Outer(Graph):
            inner = node(Inner)

        with pytest.raises(GraphError) as error:
            Outer().build(inner={"users": ["a", "a"]})
        assert message(error) == "Outer.build → inner (Inner.build) → users: 'a' is given twice"

    def test_non_factory_error_of_a_node(self) -> None:
        """A node's maker that raises something other than a FactoryError is wrapped too."""

        class Exploding(Graph):
            def _pf_make(self, scope: str, given: dict[str, Any], links: Any) -> Any:
                raise RuntimeError("boom")

        class Outer(Graph):
            inner = node(Exploding)

        with pytest.raises(GraphError) as error:
            Outer().build()
        assert message(error) == "Outer.build → inner: raised RuntimeError('boom')"
        assert isinstance(error.value.__cause__, RuntimeError)

    def test_graph_error_pickles_with_its_path(self) -> None:
        """A GraphError survives pickling (pytest-xdist) with its path and names."""
        with pytest.raises(GraphError) as error:
            OrgGraph().create(projectz=["p"])
        copy = pickle.loads(pickle.dumps(error.value))
        assert str(copy) == message(error)
        assert copy.available == error.value.available

    def test_bad_seed(self) -> None:
        """A graph's seed is an int, as a factory's is."""
        with pytest.raises(UsageError, match=r"OrgGraph\(seed=\.\.\.\) takes an int, got 'x'"):
            OrgGraph(seed="x")  # type: ignore[arg-type]


class TestDefinitionErrors:
    def test_unknown_schema(self) -> None:
        """A node naming a schema its factory lacks lists the schemas it has."""
        with pytest.raises(GraphError) as error:

            class Bad(Graph):
                organization = node(OrganizationFactory, "basik")

        assert message(error) == (
            "Bad.organization: OrganizationFactory has no schema 'basik'; its schemas are: "
            "basic, owned"
        )
        assert error.value.available == ("basic", "owned")

    def test_a_trait_in_the_schema_place(self) -> None:
        """As in a factory call, a factory with a default schema takes a trait where the
        schema goes; the node is the default schema with that trait."""

        class Staffed(Graph):
            admin = node(UserFactory, "staff")

        assert Staffed().build().admin.admin is True
        assert UserFactory().build("staff").admin is True

    def test_no_default_schema(self) -> None:
        """A node with no schema, on a factory with no default, shows how to name one."""
        with pytest.raises(GraphError) as error:

            class Bad(Graph):
                teams = nodes(TeamFactory)

        assert message(error) == (
            "Bad.teams: TeamFactory has no _default_schema, so name a schema, as in "
            "nodes(TeamFactory, 'basic'); its schemas are: basic"
        )

    def test_unknown_trait(self) -> None:
        """A node naming a trait its factory lacks lists the traits it has."""
        with pytest.raises(GraphError) as error:

            class Bad(Graph):
                users = nodes(UserFactory, "basic", "stafff")

        assert message(error) == (
            "Bad.users: UserFactory has no trait 'stafff'; its traits are: staff"
        )

    def test_abstract_factory(self) -> None:
        """An abstract factory cannot make a node."""

        class Base(Factory[Any]):
            _abstract = True

        with pytest.raises(GraphError) as error:

            class Bad(Graph):
                thing = node(Base)

        assert message(error) == "Bad.thing: Base is abstract; use a factory that sets _model"

    @pytest.mark.parametrize("name", ["create", "build", "acreate", "links", "context", "_x"])
    def test_reserved_names(self, name: str) -> None:
        """A node may not take a name of the Graph API, ``links``, or a private name."""
        with pytest.raises(GraphError) as error:
            type("Bad", (Graph,), {name: node(UserFactory)})
        assert message(error) == (
            f"Bad.{name}: a node may not be called {name!r}, which the Graph API uses or "
            "which is private; rename it"
        )

    def test_one_declaration_two_names(self) -> None:
        """One node() object under two names is refused."""
        shared = node(UserFactory)
        with pytest.raises(GraphError) as error:
            type("Bad", (Graph,), {"a": shared, "b": shared})
        assert message(error) == (
            "Bad.b is the same declaration as Bad.a; declare each node with its own node() or "
            "nodes()"
        )

    def test_declaration_reused_under_another_name(self) -> None:
        """A base's node reused by a subclass under another name is refused."""
        with pytest.raises(GraphError) as error:

            class Bad(OrgGraph):
                people = OrgGraph.users

        assert message(error) == (
            "Bad.people is the same declaration as Bad.users; declare each node with its own "
            "node() or nodes()"
        )

    def test_declaration_of_another_graph(self) -> None:
        """Another graph's node taken under a new name is refused."""
        with pytest.raises(GraphError) as error:

            class Bad(Graph):
                people = OrgGraph.users

        assert message(error) == (
            "Bad.people is the declaration of another graph's node 'users'; declare it anew "
            "with node() or nodes()"
        )

    @pytest.mark.parametrize("target", [User, "UserFactory", None])
    def test_node_of_something_else(self, target: Any) -> None:
        """node() takes factories and graphs only."""
        with pytest.raises(GraphError) as error:
            node(target)
        assert message(error) == (
            f"node() takes a Factory subclass, a factory or a Graph subclass, not {target!r}"
        )

    def test_nodes_of_a_graph(self) -> None:
        """nodes() takes factories only: a nested graph is a node()."""
        with pytest.raises(GraphError) as error:
            nodes(OrgGraph)  # type: ignore[arg-type]
        assert message(error) == (
            f"nodes() takes a Factory subclass or a factory, not {OrgGraph!r} (a nested graph "
            "is a node(): it has no name field to key it by)"
        )

    def test_nested_graph_with_a_schema(self) -> None:
        """A nested graph has no schemas or traits."""
        with pytest.raises(GraphError) as error:
            node(OrgGraph, "basic")  # type: ignore[call-overload]
        assert message(error) == (
            "node(OrgGraph) nests a graph, which has no schemas or traits: give its create() "
            "arguments as keywords"
        )

    @pytest.mark.parametrize(
        ("call", "expected"),
        [
            (lambda: node(UserFactory, 3), "node(): the schema name must be a string, got 3"),
            (
                lambda: nodes(UserFactory, "basic", 3),
                "nodes(): trait names are strings, got 3",
            ),
            (
                lambda: nodes(UserFactory, key=""),
                "nodes(key=...) takes a field name or None, not ''",
            ),
        ],
    )
    def test_bad_arguments(self, call: Any, expected: str) -> None:
        """node() and nodes() check their schema, trait and key arguments."""
        with pytest.raises(GraphError) as error:
            call()
        assert message(error) == expected

    @pytest.mark.parametrize("target", ["", "a..b", ".a", "a:b", 3])
    def test_bad_ref(self, target: Any) -> None:
        """ref() takes a dotted name."""
        with pytest.raises(GraphError) as error:
            ref(target)
        assert message(error) == (
            "ref() takes a node's name, optionally with attributes after dots "
            f'("organization" or "organization.owner"), not {target!r}'
        )


class TestAsyncInMemory:
    async def test_acreate_in_memory(self) -> None:
        """``acreate`` makes the same graph with each factory's acreate."""
        org = Organization(name="o")
        objs = await OrgGraph().acreate(
            organization=org, teams=["t"], users=["joe"], links=["t.members:joe"]
        )
        assert objs.organization is org
        assert objs.teams["t"].members == [objs.users["joe"]]
        assert objs.teams["t"].organization is objs.organization
        assert {method for method, _ in recording.made} == {"create"}

    async def test_acreate_nested_graph(self) -> None:
        """A nested graph is made with ``acreate``, its links included."""

        class Outer(Graph):
            inner = node(OrgGraph, organization={"name": "in"})

        objs = await Outer().acreate(
            inner={"teams": ["t"], "users": ["a"], "links": ["t.members:a"]}
        )
        assert objs.inner.organization.name == "in"
        assert objs.inner.teams["t"].members == [objs.inner.users["a"]]

    async def test_acreate_node_failure(self) -> None:
        """A node that fails under ``acreate`` is wrapped as under ``create``."""

        class Broken(Graph):
            user = node(UserFactory, email=lazy(lambda a: a["nope"]))

        with pytest.raises(GraphError) as error:
            await Broken().acreate()
        assert message(error) == (
            "Broken.acreate → user (UserFactory.basic) → email: lazy field raised KeyError('nope')"
        )

    async def test_acreate_link_failure(self) -> None:
        """A link that fails under ``acreate`` names the link."""
        with pytest.raises(GraphError) as error:
            await OrgGraph().acreate(users=["joe"], links=["joe.name:organization"])
        assert message(error).startswith(
            "OrgGraph.acreate: link 'joe.name:organization': User.name is not a collection"
        )


class TestObserved:
    @pytest.mark.parametrize("method", ["build", "create"])
    def test_each_node_is_reported(self, method: str) -> None:
        """Under an observer (``--pyfactory-report``), every node counts as one call of its
        factory."""
        calls: list[tuple[str, str, int]] = []

        class Observer:
            def made(self, factory: type[Any], scope: str, count: int) -> None:
                pass

            def called(self, factory: type[Any], scope: str, count: int, seconds: float) -> None:
                calls.append((factory.__name__, scope, count))

        previous = observe(Observer())
        try:
            getattr(OrgGraph(), method)(users=["a", "b"])
        finally:
            observe(previous)
        assert calls == [
            ("OrganizationFactory", method, 1),
            ("UserFactory", method, 1),
            ("UserFactory", method, 1),
        ]

    async def test_acreate_is_reported(self) -> None:
        """``acreate`` reports its nodes too."""
        calls: list[str] = []

        class Observer:
            def made(self, factory: type[Any], scope: str, count: int) -> None:
                pass

            def called(self, factory: type[Any], scope: str, count: int, seconds: float) -> None:
                calls.append(factory.__name__)

        previous = observe(Observer())
        try:
            await OrgGraph().acreate(users=["a"])
        finally:
            observe(previous)
        assert calls == ["OrganizationFactory", "UserFactory"]

    @pytest.mark.parametrize("method", ["build", "create", "acreate"])
    async def test_nested_graph_and_links_are_not_calls(self, method: str) -> None:
        """Under an observer, a nested graph's nodes count as calls of their factories,
        while the nested graph itself and the links do not, alike under ``build``,
        ``create`` and ``acreate`` (which reports its nodes as ``create`` calls)."""
        calls: list[tuple[str, str, int]] = []

        class Observer:
            def made(self, factory: type[Any], scope: str, count: int) -> None:
                pass

            def called(self, factory: type[Any], scope: str, count: int, seconds: float) -> None:
                calls.append((factory.__name__, scope, count))

        class Outer(Graph):
            inner = node(OrgGraph)
            team = node(TeamFactory, "basic")
            lead = node(UserFactory)

        previous = observe(Observer())
        try:
            made = getattr(Outer(), method)(
                inner={"teams": ["t"], "users": ["a"], "links": ["t.members:a"]},
                links=["team.members:lead"],
            )
            objs = await made if method == "acreate" else made
        finally:
            observe(previous)
        assert objs.inner.teams["t"].members == [objs.inner.users["a"]]
        assert objs.team.members == [objs.lead]
        scope = "create" if method == "acreate" else method
        assert calls == [
            ("OrganizationFactory", scope, 1),
            ("TeamFactory", scope, 1),
            ("UserFactory", scope, 1),
            ("TeamFactory", scope, 1),
            ("UserFactory", scope, 1),
        ]


class TestBuilderAdd:
    def test_dict_not_a_collection(self) -> None:
        """DictBuilder's rows: the error lists the keys that hold lists or sets."""
        with pytest.raises(TypeError) as error:
            DictBuilder().add({"name": "x", "tags": [], "ids": set()}, "name", [1], Context())
        assert str(error.value) == (
            "dict.name is not a collection (a list or a set): it holds 'x'; the collections "
            "of dict are: ids, tags"
        )

    def test_plain_class(self) -> None:
        """A class whose fields pyfactory cannot read is described from its __dict__."""

        class Plain:
            def __init__(self) -> None:
                self.items: list[int] = []
                self.size = 0

        with pytest.raises(TypeError) as error:
            ObjectBuilder[Any]().add(Plain(), "size", [1], Context())
        assert str(error.value) == (
            "Plain.size is not a collection (a list or a set): it holds 0; the collections "
            "of Plain are: items"
        )

    def test_unset_fields_are_skipped(self) -> None:
        """A declared field that the instance lacks is left out of the list."""
        team = Team(name="t", organization=Organization(name="o"))
        del team.tags
        with pytest.raises(TypeError, match=r"the collections of Team are: members$"):
            ObjectBuilder[Any]().add(team, "name", [1], Context())

    async def test_aadd_default(self) -> None:
        """The default ``aadd`` adds as ``add`` does."""
        team = Team(name="t", organization=Organization(name="o"))
        user = User(name="u", email="u@x.org")
        await ObjectBuilder[Any]().aadd(team, "members", [user, user], Context())
        assert team.members == [user]


class TestPublicNames:
    def test_importable_from_pyfactory(self) -> None:
        """The graph names are importable from pyfactory itself, and listed in __all__."""
        for name in ("Graph", "GraphError", "node", "nodes", "ref"):
            assert name in pyfactory.__all__
            assert getattr(pyfactory, name) is not None
        assert issubclass(GraphError, FactoryError)

    def test_models_are_what_the_factories_make(self) -> None:
        """The fixtures' factories make the models the tests assert on."""
        assert isinstance(ProjectFactory().build(), Project)
        assert isinstance(TeamFactory().build("basic"), Team)
