"""Object graphs: one call makes a small world of named, linked objects (DESIGN.md §10).

A :class:`Graph` subclass declares its nodes: :func:`node` for an object that is
always made, :func:`nodes` for a collection that holds only the names a call asks
for. ``create`` and ``build`` make them in the order their :func:`ref` values need,
each through its own factory, then apply the call's ``links`` through the builder,
and return a graph instance whose attributes are the objects made.

The graph plans the whole call before it makes anything (:mod:`pyfactory._graph_plan`),
so a bad argument, an unknown name or a malformed link fails before the first row is
written. Making is written once, as a generator of steps (:func:`_steps`: each
node's object, then each group of links); ``create`` and ``build`` run the steps
with a short sync driver, ``acreate`` with a short async one.

Where it sits: above the factory (it makes each node through its factory's ``_pf_*``
methods) and :mod:`pyfactory._graph_plan`, which it imports; nothing in the core
imports it but ``pyfactory/__init__.py``.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from pyfactory._context import Context, Randomness
from pyfactory._core.realization import observe as _obs
from pyfactory._core.realization.observe import _Timed
from pyfactory._core.realization.one import derive
from pyfactory._factory import Factory
from pyfactory._graph_plan import Ref, _Call, _Unit
from pyfactory._names import NoDefaultSchema, NotASchema, NotATrait, split_names
from pyfactory.builders import ModelBuilder
from pyfactory.errors import FactoryError, GraphError, UsageError

if TYPE_CHECKING:
    from faker import Faker

__all__ = ["Graph", "Node", "Nodes", "Ref", "node", "nodes", "ref"]

M = TypeVar("M")
G = TypeVar("G", bound="Graph")

#: Names a node may not take: the graph's own API, and the ``links`` argument.
RESERVED = frozenset({"acreate", "build", "context", "create", "links"})


# ---------------------------------------------------------------------- refs


def ref(target: str, /) -> Ref:
    """The object of another node of the graph, as a value for a node's overrides.

    ``ref("organization")`` is the object the ``organization`` node made;
    ``ref("organization.owner")`` reads an attribute of it (through the node
    factory's builder); ``ref("joe")`` names an entry of a collection, and
    ``ref("users")`` the list of a collection's objects. Nodes are made in the
    order their refs need, so a ref may name a node declared after it.

    Raises:
        GraphError: ``target`` is not a dotted name such as ``"organization.owner"``.

    .. versionadded:: 0.1
    """
    if not isinstance(target, str) or not all(target.split(".")) or ":" in target:
        raise GraphError(
            f"ref() takes a node's name, optionally with attributes after dots "
            f'("organization" or "organization.owner"), not {target!r}'
        )
    return Ref(target)


# ---------------------------------------------------------------------- nodes


class _Slot(Generic[M]):
    """What :func:`node` and :func:`nodes` declare; a descriptor on the graph class."""

    kind: ClassVar[str] = "node"

    def __init__(
        self,
        target: Any,
        schema: str | None,
        traits: tuple[str, ...],
        overrides: dict[str, Any],
        key: str | None = None,
    ) -> None:
        self.target = target
        self.schema = schema
        self.traits = traits
        self.overrides = overrides
        self.key = key
        self.name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        # Only the first name: the same declaration reached under another name (a
        # subclass's ``alias = Base.node``) is refused by the graph, not renamed.
        if not self.name:
            self.name = name

    @property
    def is_graph(self) -> bool:
        return isinstance(self.target, type) and issubclass(self.target, Graph)

    @property
    def factory_class(self) -> type[Factory[Any]]:
        target = self.target
        return target if isinstance(target, type) else type(target)

    def _made(self, instance: Graph) -> dict[str, Any]:
        made = instance.__dict__.get("_pf_made")
        if made is None:
            name = type(instance).__name__
            raise AttributeError(
                f"{name}.{self.name} is an object the graph makes: call {name}(...).create() "
                f"or .build(), and read it on the graph that returns"
            )
        return made  # type: ignore[no-any-return]


class Node(_Slot[M]):
    """A node that every call makes: ``organization = node(OrganizationFactory, "basic")``.

    On a graph that ``create`` or ``build`` returned, the attribute is the object made
    (typed ``M``: the factory's model, or the subgraph).

    .. versionadded:: 0.1
    """

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Node[M]: ...
    @overload
    def __get__(self, instance: Graph, owner: type[Any]) -> M: ...
    def __get__(self, instance: Graph | None, owner: type[Any]) -> Node[M] | M:
        if instance is None:
            return self
        return self._made(instance)[self.name]  # type: ignore[no-any-return]


class Nodes(_Slot[M]):
    """A collection of named nodes: ``users = nodes(UserFactory, "basic")``.

    On a graph that ``create`` or ``build`` returned, the attribute maps each name
    the call gave to its object, in the order given.

    .. versionadded:: 0.1
    """

    kind = "collection"

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Nodes[M]: ...
    @overload
    def __get__(self, instance: Graph, owner: type[Any]) -> Mapping[str, M]: ...
    def __get__(self, instance: Graph | None, owner: type[Any]) -> Nodes[M] | Mapping[str, M]:
        if instance is None:
            return self
        return self._made(instance)[self.name]  # type: ignore[no-any-return]


def _check_names(what: str, schema: Any, traits: tuple[Any, ...]) -> None:
    if schema is not None and not isinstance(schema, str):
        raise GraphError(f"{what}(): the schema name must be a string, got {schema!r}")
    for name in traits:
        if not isinstance(name, str):
            raise GraphError(f"{what}(): trait names are strings, got {name!r}")


@overload
def node(factory: type[G], schema: None = None, /, **overrides: Any) -> Node[G]: ...
@overload
def node(
    factory: type[Factory[M]] | Factory[M],
    schema: str | None = None,
    /,
    *traits: str,
    **overrides: Any,
) -> Node[M]: ...
def node(factory: Any, schema: str | None = None, /, *traits: str, **overrides: Any) -> Node[Any]:
    """Declare a node that every call makes, with the factory's ``schema`` and ``traits``.

    Args:
        factory: A :class:`~pyfactory.Factory` subclass (made with the graph's
            context and randomness) or instance (its own context, the graph's
            filling the gaps); or a :class:`Graph` subclass, to nest that graph.
        schema: The schema; the factory's ``_default_schema`` when left out.
        *traits: Traits to apply, in order.
        **overrides: Values for every object this node makes, under the call's
            own; :func:`ref` values point at other nodes. For a nested graph, the
            arguments of its ``create`` (``organization={...}``, ``links=[...]``).

    Raises:
        GraphError: ``factory`` is neither a factory nor a graph, or a nested graph
            is given a schema or traits.

    .. versionadded:: 0.1
    """
    _check_names("node", schema, traits)
    is_graph = isinstance(factory, type) and issubclass(factory, Graph)
    if is_graph and (schema is not None or traits):
        raise GraphError(
            f"node({factory.__name__}) nests a graph, which has no schemas or traits: "
            "give its create() arguments as keywords"
        )
    if not is_graph and not _is_factory(factory):
        raise GraphError(
            f"node() takes a Factory subclass, a factory or a Graph subclass, not {factory!r}"
        )
    return Node(factory, schema, traits, overrides)


def nodes(
    factory: type[Factory[M]] | Factory[M],
    schema: str | None = None,
    /,
    *traits: str,
    key: str | None = "name",
    **overrides: Any,
) -> Nodes[M]:
    """Declare a collection of named nodes; a call makes only the names it gives.

    A call gives the names as a list (``users=["joe", "ann"]``) or as a dict of
    name → overrides (``users={"joe": {"email": "joe@x.org"}}``). Names are unique
    across the whole graph, since links and refs use them alone.

    Args:
        factory: A :class:`~pyfactory.Factory` subclass or instance, as for :func:`node`.
        schema: The schema; the factory's ``_default_schema`` when left out.
        *traits: Traits to apply, in order.
        key: The field set to each entry's name, unless the entry's overrides set
            it; ``None`` sets no field.
        **overrides: Values for every entry, under the entry's own.

    Raises:
        GraphError: ``factory`` is not a factory, or ``key`` is not a string or None.

    .. versionadded:: 0.1
    """
    _check_names("nodes", schema, traits)
    if not _is_factory(factory):
        raise GraphError(
            f"nodes() takes a Factory subclass or a factory, not {factory!r} "
            "(a nested graph is a node(): it has no name field to key it by)"
        )
    if key is not None and (not isinstance(key, str) or not key):
        raise GraphError(f"nodes(key=...) takes a field name or None, not {key!r}")
    return Nodes(factory, schema, traits, overrides, key)


def _is_factory(target: Any) -> bool:
    return isinstance(target, Factory) or (isinstance(target, type) and issubclass(target, Factory))


# ---------------------------------------------------------------------- the graph


class Graph:
    """The base of every object graph: subclass it and declare nodes.

    .. code-block:: python

        class OrgGraph(Graph):
            organization = node(OrganizationFactory, "basic")
            projects = nodes(ProjectFactory, "basic", organization=ref("organization"))
            users = nodes(UserFactory, "basic")

        objs = OrgGraph(session=db).create(projects=["p1"], users=["joe"])

    A subclass inherits its bases' nodes; it may replace one (same name) or drop
    one (``users = None``). Making one: ``OrgGraph(session=db, faker=..., seed=42)``,
    as a factory is made; its nodes' factories get that context and randomness.

    .. versionadded:: 0.1
    """

    _pf_slots: ClassVar[dict[str, _Slot[Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots: dict[str, _Slot[Any]] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, _Slot):
                    slots[attr] = value
                elif attr in slots and value is None:
                    del slots[attr]  # a subclass drops a node of its base
        seen: dict[int, str] = {}
        for name, slot in slots.items():
            where = f"{cls.__name__}.{name}"
            if name in RESERVED or name.startswith("_"):
                raise GraphError(
                    f"{where}: a node may not be called {name!r}, which the Graph API uses "
                    "or which is private; rename it"
                )
            other = seen.setdefault(id(slot), name)
            if other != name:
                raise GraphError(
                    f"{where} is the same declaration as {cls.__name__}.{other}; "
                    "declare each node with its own node() or nodes()"
                )
            if slot.name != name:
                # Inherited under another name: a copy keeps the base's name intact.
                raise GraphError(
                    f"{where} is the declaration of another graph's node {slot.name!r}; "
                    "declare it anew with node() or nodes()"
                )
            if not slot.is_graph:
                _check_schema(where, slot)
        cls._pf_slots = slots

    def __init__(self, *, faker: Faker | None = None, seed: int | None = None, **context: Any):
        cls = type(self)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise UsageError(f"{cls.__name__}(seed=...) takes an int, got {seed!r}")
        self._pf_context = Context(context, cls.__name__)
        self._pf_randomness = Randomness(faker, seed)
        self._pf_makers: dict[str, Any] = {}

    def __repr__(self) -> str:
        made = self.__dict__.get("_pf_made")
        if made is None:
            return f"<{type(self).__name__} context={dict(self._pf_context)!r}>"
        parts = ", ".join(f"{k}={v!r}" for k, v in made.items())
        return f"<{type(self).__name__} {parts}>"

    @property
    def context(self) -> Context:
        """The read-only keyword arguments this graph was made with (``session``, ...)."""
        return self._pf_context

    def _pf_maker(self, slot: _Slot[Any]) -> Any:
        """The factory (or nested graph) that makes ``slot``'s objects for this graph."""
        maker = self._pf_makers.get(slot.name)
        if maker is not None:
            return maker
        # As an association's: a class shares the graph's context (a missing key names
        # the graph's call), an instance keeps its own.
        maker = self._pf_makers[slot.name] = derive(
            slot.target, self._pf_context, self._pf_randomness
        )
        return maker

    def _pf_transactions(self) -> list[tuple[ModelBuilder[Any], Context]]:
        """One transaction per builder and context that the nodes write with, nested
        graphs' nodes included (two builders of one class may persist differently).

        The builders that commit come first: on one session only the outermost
        transaction commits, so a node whose builder commits gets its commit
        whatever the order the nodes are declared in.
        """
        found: dict[tuple[int, tuple[tuple[str, int], ...]], Any] = {}
        for slot in type(self)._pf_slots.values():
            maker = self._pf_maker(slot)
            if slot.is_graph:
                pairs = maker._pf_transactions()
            elif type(maker)._pf_atomic:
                pairs = [(type(maker)._pf_builder, maker._pf_context)]
            else:
                continue
            for builder, context in pairs:
                key = (id(builder), tuple(sorted((k, id(v)) for k, v in context.items())))
                found.setdefault(key, (builder, context))
        return sorted(found.values(), key=lambda pair: not pair[0].commits)

    def _pf_result(self: G, made: dict[str, Any]) -> G:
        result = object.__new__(type(self))
        result.__dict__.update(self.__dict__)
        result.__dict__["_pf_made"] = made
        return result

    # ------------------------------------------------------------ making

    # The one body of ``create``, ``build`` and ``acreate`` is :func:`_steps`; these two
    # drivers only run each step's I/O, the sync way or the async way.

    def _pf_make(self: G, method: str, given: dict[str, Any], links: Any) -> G:
        call = _Call(self, method, given, links)
        for step in _steps(call):
            with step.running():
                step.run()
        return self._pf_result(call.result())

    async def _pf_amake(self: G, given: dict[str, Any], links: Any) -> G:
        call = _Call(self, "acreate", given, links)
        for step in _steps(call):
            with step.running():
                await step.arun()
        return self._pf_result(call.result())

    @contextmanager
    def _pf_opening(self, method: str) -> Iterator[None]:
        """A builder's transaction that fails to open names this graph's call."""
        try:
            yield
        except FactoryError as error:
            raise error.within(type(self).__name__, method) from error.__cause__

    def create(self: G, /, *, links: Iterable[str] = (), **nodes: Any) -> G:
        """Make and persist every node, then link them; return the graph of objects.

        The whole call runs inside the builders'
        :meth:`~pyfactory.builders.ModelBuilder.transaction` (a SAVEPOINT for the
        database builders), so a failure part way leaves nothing of it behind.

        Args:
            links: Strings ``"name.attribute:other"``: the collection ``attribute``
                of the object called ``name`` gets ``other`` (a name, a collection's
                name for all its objects, or ``name.attribute``), through the builder.
            **nodes: Per node, a dict of overrides (or an object made already); per
                collection, a list of names or a dict of name → overrides.

        Returns:
            A graph of this class whose node attributes are the objects made, and
            whose collection attributes map each name to its object.

        Raises:
            GraphError: An argument, name or link that the graph cannot use, or a
                node that failed (its error is the cause).

        .. versionadded:: 0.1
        """
        with ExitStack() as stack:
            for builder, context in self._pf_transactions():
                with self._pf_opening("create"):
                    stack.enter_context(builder.transaction(context))
            return self._pf_make("create", nodes, links)

    def build(self: G, /, *, links: Iterable[str] = (), **nodes: Any) -> G:
        """:meth:`create` with every node built, not persisted; links are set on the
        objects in memory.

        .. versionadded:: 0.1
        """
        return self._pf_make("build", nodes, links)

    async def acreate(self: G, /, *, links: Iterable[str] = (), **nodes: Any) -> G:
        """:meth:`create` for async builders: nodes are made with ``acreate``, links with
        :meth:`~pyfactory.builders.ModelBuilder.aadd`, inside ``atransaction``.

        .. versionadded:: 0.1
        """
        async with AsyncExitStack() as stack:
            for builder, context in self._pf_transactions():
                with self._pf_opening("acreate"):
                    await stack.enter_async_context(builder.atransaction(context))
            return await self._pf_amake(nodes, links)


# ---------------------------------------------------------------------- steps


def _steps(call: _Call) -> Iterator[_Step]:
    """Every write of one call, in order: each node's object in the order its refs
    need, then each group of links.

    A generator, so that a node's refs are read only once the nodes they name are
    made; :meth:`Graph._pf_make` and :meth:`Graph._pf_amake` drive it.
    """
    for unit in call.order:
        if unit.ready:
            continue
        overrides = call.overrides(unit)
        if unit.slot.is_graph:
            links = overrides.pop("links", ())
            yield _Nest(call, unit, (overrides, links))
        else:
            yield _One(call, unit, (unit.slot.schema, unit.slot.traits, overrides))
    for left, attribute, related, texts in call.link_groups():
        yield _Add(call, left, attribute, related, texts)


class _Step(abc.ABC):
    """One write of a graph's call: ``with step.running(): step.run()`` under
    ``create`` and ``build``, ``await step.arun()`` instead under ``acreate``."""

    __slots__ = ("args", "call")

    def __init__(self, call: _Call, args: tuple[Any, ...]) -> None:
        self.call = call
        #: The arguments of the write, but for the method (``build``, ``create``).
        self.args = args

    @abc.abstractmethod
    def run(self) -> None:
        """Do the write, for ``create`` or ``build``."""

    @abc.abstractmethod
    async def arun(self) -> None:
        """Do the write, for ``acreate``."""

    @abc.abstractmethod
    def failed(self, exc: Exception) -> GraphError:
        """The error to raise when the write raised ``exc``."""

    def timer(self) -> _Timed | None:
        """What times the write for the observer, if it is a public call of its own."""
        return None

    @contextmanager
    def running(self) -> Iterator[None]:
        """Time the write for the observer (``--pyfactory-report``), and raise its
        failure as a GraphError whose path names the node or the links."""
        timer = self.timer() if _obs._observer is not None else None
        try:
            with timer or nullcontext():
                yield
        except Exception as exc:
            error = self.failed(exc)
            raise error from error.__cause__


class _One(_Step):
    """Make one node's object (or a collection entry's) with its factory.

    Args are the schema, traits and overrides. The graph's own transaction covers
    the call: the factory's is not entered again.
    """

    __slots__ = ("unit",)

    def __init__(self, call: _Call, unit: _Unit, args: tuple[Any, ...]) -> None:
        super().__init__(call, args)
        self.unit = unit

    def run(self) -> None:
        self.unit.obj = self.unit.maker._pf_one(self.call.method, *self.args)

    async def arun(self) -> None:
        self.unit.obj = await self.unit.maker._pf_aone(*self.args)

    def failed(self, exc: Exception) -> GraphError:
        return self.call.wrap(self.unit, exc)

    def timer(self) -> _Timed | None:
        # Each node counts as one call of its factory.
        return _Timed(self.unit.maker, self.call.scope, 1)


class _Nest(_One):
    """Make a nested graph's objects. Args are its nodes' arguments and its links.

    Its transactions are open already (see :meth:`Graph._pf_transactions`), and its
    nodes are timed one by one.
    """

    __slots__ = ()

    def run(self) -> None:
        self.unit.obj = self.unit.maker._pf_make(self.call.method, *self.args)

    async def arun(self) -> None:
        self.unit.obj = await self.unit.maker._pf_amake(*self.args)

    def timer(self) -> _Timed | None:
        return None


class _Add(_Step):
    """Add the objects of a call's links to one object's collection, through its
    factory's builder. Args are as for :meth:`~pyfactory.builders.ModelBuilder.add`."""

    __slots__ = ("builder", "texts")

    def __init__(
        self, call: _Call, left: _Unit, attribute: str, related: list[Any], texts: list[str]
    ) -> None:
        self.builder, context = left.builder()
        super().__init__(call, (left.obj, attribute, related, context))
        self.texts = texts

    def run(self) -> None:
        self.builder.add(*self.args)

    async def arun(self) -> None:
        await self.builder.aadd(*self.args)

    def failed(self, exc: Exception) -> GraphError:
        return self.call.link_error(self.texts, exc)


def _check_schema(where: str, slot: _Slot[Any]) -> None:
    """A node's factory must be concrete and have the schema and traits it names."""
    cls = slot.factory_class
    name = cls.__name__
    if cls._abstract:
        raise GraphError(f"{where}: {name} is abstract; use a factory that sets _model")
    schemas = ", ".join(sorted(cls._pf_schemas)) or "none"
    try:
        split_names(slot.schema, slot.traits, cls._pf_schemas, cls._pf_traits, cls._default_schema)
    except NoDefaultSchema:
        call = f"{type(slot).__name__.lower()}({name}, {min(cls._pf_schemas, default='basic')!r})"
        raise GraphError(
            f"{where}: {name} has no _default_schema, so name a schema, as in {call}; "
            f"its schemas are: {schemas}",
            available=sorted(cls._pf_schemas),
        ) from None
    except NotASchema as error:
        raise GraphError(
            f"{where}: {name} has no schema {error.name!r}; its schemas are: {schemas}",
            available=sorted(cls._pf_schemas),
        ) from None
    except NotATrait as error:
        traits = ", ".join(sorted(cls._pf_traits)) or "none"
        raise GraphError(
            f"{where}: {name} has no trait {error.name!r}; its traits are: {traits}",
            available=sorted(cls._pf_traits),
        ) from None
