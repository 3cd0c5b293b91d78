"""Object graphs: one call makes a small world of named, linked objects (DESIGN.md §10).

A :class:`Graph` subclass declares its nodes: :func:`node` for an object that is
always made, :func:`nodes` for a collection that holds only the names a call asks
for. ``create`` and ``build`` make them in the order their :func:`ref` values need,
each through its own factory, then apply the call's ``links`` through the builder,
and return a graph instance whose attributes are the objects made.

The graph plans the whole call before it makes anything, so a bad argument, an
unknown name or a malformed link fails before the first row is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AsyncExitStack, ExitStack
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

import attrs

from pyfactory._context import Context, Randomness
from pyfactory._core.realization import observe as _obs
from pyfactory._core.realization.observe import _Timed
from pyfactory._core.realization.one import derive
from pyfactory._factory import Factory
from pyfactory._names import NoDefaultSchema, NotASchema, NotATrait, split_names
from pyfactory._walk import holds
from pyfactory.builders import ModelBuilder
from pyfactory.errors import FactoryError, GraphError, Step, UsageError

if TYPE_CHECKING:
    from faker import Faker

__all__ = ["Graph", "Node", "Nodes", "Ref", "node", "nodes", "ref"]

M = TypeVar("M")
G = TypeVar("G", bound="Graph")

#: ``"left.attribute:right"`` or ``"left.attribute:right.attribute..."``.
_LINK = re.compile(r"^([^.:]+)\.([^.:]+):([^.:]+(?:\.[^.:]+)*)$")
_LINK_FORM = '"name.attribute:other" (or "name.attribute:other.attribute")'

#: Names a node may not take: the graph's own API, and the ``links`` argument.
RESERVED = frozenset({"acreate", "build", "context", "create", "links"})


# ---------------------------------------------------------------------- refs


@attrs.frozen(repr=False)
class Ref:
    """A value that stands for another node of the same graph: see :func:`ref`.

    Attributes:
        target: The name, and any attributes after it: ``"organization.owner"``.

    .. versionadded:: 0.1
    """

    target: str

    @property
    def head(self) -> str:
        """The name the ref starts from."""
        return self.target.split(".", 1)[0]

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attributes read, in order, from the object that :attr:`head` names."""
        return tuple(self.target.split(".")[1:])

    def __repr__(self) -> str:
        return f"ref({self.target!r})"


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


def _refs_in(value: Any) -> Iterator[Ref]:
    """Every ref in an override value, inside plain lists, tuples and dicts too (the
    containers that :func:`pyfactory._walk.holds` looks into)."""
    if isinstance(value, Ref):
        yield value
        return
    kind = type(value)
    if kind is dict:
        for item in value.values():
            yield from _refs_in(item)
    elif kind is list or kind is tuple:
        for item in value:
            yield from _refs_in(item)


def _replace_refs(value: Any, resolve: Any) -> Any:
    """``value`` with each ref resolved; a container without refs is kept as it is."""
    if isinstance(value, Ref):
        return resolve(value)
    kind = type(value)
    if (kind is dict or kind is list or kind is tuple) and not holds(value, _is_ref):
        return value
    if kind is dict:
        return {k: _replace_refs(v, resolve) for k, v in value.items()}
    if kind is list:
        return [_replace_refs(v, resolve) for v in value]
    if kind is tuple:
        return tuple(_replace_refs(v, resolve) for v in value)
    return value


def _is_ref(value: Any) -> bool:
    return isinstance(value, Ref)


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


# ---------------------------------------------------------------------- planning


class _Unit:
    """One object to make in a call: a node, a collection's entry, or a nested graph."""

    __slots__ = ("deps", "label", "maker", "name", "obj", "overrides", "ready", "refs", "slot")

    def __init__(self, slot: _Slot[Any], name: str, label: str, maker: Any) -> None:
        self.slot = slot
        self.name = name
        self.label = label
        self.maker = maker
        self.overrides: dict[str, Any] = {}
        self.ready = False
        self.obj: Any = None
        self.deps: list[_Unit] = []
        #: Whether the overrides hold refs, to replace before the unit is made.
        self.refs = False

    def builder(self) -> tuple[ModelBuilder[Any], Context]:
        maker = self.maker
        return type(maker)._pf_builder, maker._pf_context


@attrs.frozen
class _Link:
    text: str
    left: _Unit
    attribute: str
    right: Ref


class _Call:
    """One call of a graph, planned: every unit in the order to make them, and the links.

    Everything here is checked before anything is made; :meth:`Graph._pf_make` and
    :meth:`Graph._pf_amake` only do the I/O.
    """

    def __init__(self, graph: Graph, method: str, given: dict[str, Any], links: Any) -> None:
        self.graph = graph
        self.owner = type(graph).__name__
        self.method = method
        self.units: list[_Unit] = []
        #: A name → its unit, or a collection's name → its entries.
        self.names: dict[str, _Unit | list[_Unit]] = {}
        slots = type(graph)._pf_slots
        unknown = [k for k in given if k not in slots]
        if unknown:
            raise self.error(
                f"no node {unknown[0]!r}; the graph's nodes are: {', '.join(slots)}",
                available=slots,
            )
        for name, slot in slots.items():
            if isinstance(slot, Nodes):
                self.names[name] = self._entries(slot, given.get(name))
            else:
                self.names[name] = self._node(slot, given.get(name, _MISSING))
        for unit in self.units:
            for found in _refs_in(unit.overrides):
                unit.refs = True
                target = self.lookup(found.head, f"{found!r} in {unit.label}")
                unit.deps.extend(target if isinstance(target, list) else [target])
        self.order = self._sorted()
        self.links = self._links(links)

    def error(self, reason: str, label: str | None = None, **kwargs: Any) -> GraphError:
        return GraphError(reason, steps=[Step(self.owner, self.method, label)], **kwargs)

    # ------------------------------------------------------------ arguments

    def _node(self, slot: _Slot[Any], value: Any) -> _Unit:
        unit = _Unit(slot, slot.name, slot.name, self.graph._pf_maker(slot))
        self.units.append(unit)
        if value is _MISSING:
            value = {}
        if isinstance(value, dict):
            unit.overrides = {**slot.overrides, **value}
        elif self._is_ready(slot, value):
            unit.ready = True
            unit.obj = value
        else:
            made = slot.target.__name__ if slot.is_graph else slot.factory_class._model.__name__
            raise self.error(
                f"{slot.name} takes a dict of overrides or a ready {made}, got {value!r}",
                slot.name,
            )
        return unit

    def _entries(self, slot: _Slot[Any], value: Any) -> list[_Unit]:
        if value is None:
            return []
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = [(name, {}) for name in value]
        else:
            raise self.error(
                f"{slot.name} takes a list of names or a dict of name → overrides, got {value!r}",
                slot.name,
            )
        made = []
        maker = self.graph._pf_maker(slot)
        for name, spec in items:
            if not isinstance(name, str) or not name:
                raise self.error(f"entry names are non-empty strings, got {name!r}", slot.name)
            label = f"{slot.name}[{name!r}]"
            taken = self.names.get(name)
            slots = type(self.graph)._pf_slots
            if taken is not None or name in slots:
                if name in slots:
                    where = f"the {slots[name].kind} {name}"
                else:
                    assert isinstance(taken, _Unit)  # only the slots' names map to lists
                    where = taken.label
                if isinstance(taken, _Unit) and taken.slot is slot:
                    reason = f"{name!r} is given twice"
                else:
                    reason = (
                        f"the name {name!r} is taken by {where}; names are unique across "
                        "a graph, since links and refs use them alone"
                    )
                raise self.error(reason, slot.name)
            unit = _Unit(slot, name, label, maker)
            if isinstance(spec, dict):
                keyed = {slot.key: name} if slot.key is not None else {}
                unit.overrides = {**slot.overrides, **keyed, **spec}
            elif self._is_ready(slot, spec):
                unit.ready = True
                unit.obj = spec
            else:
                model = slot.factory_class._model.__name__
                raise self.error(
                    f"takes a dict of overrides or a ready {model}, got {spec!r}", label
                )
            made.append(unit)
            self.names[name] = unit
        self.units.extend(made)
        return made

    @staticmethod
    def _is_ready(slot: _Slot[Any], value: Any) -> bool:
        if slot.is_graph:
            return isinstance(value, slot.target) and "_pf_made" in value.__dict__
        model = slot.factory_class._model
        return value is not None and not isinstance(value, dict) and isinstance(value, model)

    # ------------------------------------------------------------ names and order

    def lookup(self, name: str, where: str) -> _Unit | list[_Unit]:
        found = self.names.get(name)
        if found is None:
            have = sorted(self.names)
            raise self.error(
                f"{where} names {name!r}, which this call does not make; "
                f"the names are: {', '.join(have)}",
                available=have,
            )
        return found

    def _sorted(self) -> list[_Unit]:
        """The units in an order where each comes after the units its refs name."""
        order: list[_Unit] = []
        state: dict[int, int] = {}  # id → 1 while its dependencies are visited, 2 once done
        path: list[_Unit] = []

        def visit(unit: _Unit) -> None:
            seen = state.get(id(unit))
            if seen == 2:
                return
            if seen == 1:
                cycle = [u.label for u in path[path.index(unit) :]] + [unit.label]
                raise self.error(f"refs form a cycle: {' → '.join(cycle)}")
            state[id(unit)] = 1
            path.append(unit)
            for dep in unit.deps:
                visit(dep)
            path.pop()
            state[id(unit)] = 2
            order.append(unit)

        for unit in self.units:
            visit(unit)
        return order

    def _links(self, links: Any) -> list[_Link]:
        if isinstance(links, (str, bytes)) or not isinstance(links, Iterable):
            raise self.error(
                f"links takes a list of strings of the form {_LINK_FORM}, got {links!r}"
            )
        parsed = []
        for text in links:
            match = _LINK.match(text) if isinstance(text, str) else None
            if match is None:
                raise self.error(f"link {text!r} is not of the form {_LINK_FORM}")
            left_name, attribute, right = match.groups()
            left = self.lookup(left_name, f"link {text!r}")
            if isinstance(left, list):
                entries = ", ".join(u.name for u in left) or "none in this call"
                raise self.error(
                    f"link {text!r} starts from the collection {left_name!r}; start from "
                    f"one of its entries: {entries}"
                )
            if left.slot.is_graph:
                raise self.error(
                    f"link {text!r} starts from the nested graph {left_name!r}; give the "
                    f"link to that graph's own links=[...]"
                )
            target = Ref(right)
            self.lookup(target.head, f"link {text!r}")
            parsed.append(_Link(text, left, attribute, target))
        return parsed

    # ------------------------------------------------------------ values

    def resolve(self, found: Ref, label: str) -> Any:
        target = self.names[found.head]
        value: Any = [u.obj for u in target] if isinstance(target, list) else target.obj
        unit = None if isinstance(target, list) else target
        for attribute in found.attributes:
            if isinstance(value, list):
                raise self.error(
                    f"{found!r} reads {attribute!r} from the collection {found.head!r}; "
                    "ref one of its entries",
                    label,
                )
            try:
                if isinstance(value, Graph) or unit is None or unit.slot.is_graph:
                    value = getattr(value, attribute)
                else:
                    value = unit.builder()[0].getattr(value, attribute)
            except (AttributeError, KeyError) as exc:
                error = self.error(
                    f"{found!r}: {type(value).__name__} has no attribute {attribute!r}", label
                )
                raise error from exc
        return value

    def overrides(self, unit: _Unit) -> dict[str, Any]:
        if not unit.refs:
            return unit.overrides
        return _replace_refs(unit.overrides, lambda r: self.resolve(r, unit.label))  # type: ignore[no-any-return]

    def wrap(self, unit: _Unit, exc: Exception) -> GraphError:
        """A node's failure, as a GraphError whose path runs from the graph through it."""
        step = Step(self.owner, self.method, unit.label)
        if isinstance(exc, GraphError):
            exc.steps = (step, *exc.steps)
            return exc
        if isinstance(exc, FactoryError):
            error = GraphError(exc.reason, steps=[step, *exc.steps])
        else:
            error = GraphError(f"raised {exc!r}", steps=[step])
        error.__cause__ = exc
        return error

    def link_groups(self) -> list[tuple[_Unit, str, list[Any], list[str]]]:
        """The links by (left object, attribute), in the order first given: each group is
        one call of the builder, with the objects to add and the links' texts."""
        groups: dict[tuple[int, str], tuple[_Unit, str, list[Any], list[str]]] = {}
        for link in self.links:
            value = self.resolve(link.right, f"link {link.text!r}")
            group = groups.setdefault(
                (id(link.left), link.attribute), (link.left, link.attribute, [], [])
            )
            for obj in value if isinstance(value, list) else [value]:
                if not any(obj is o for o in group[2]):
                    group[2].append(obj)
            group[3].append(link.text)
        return list(groups.values())

    def link_error(self, texts: list[str], exc: Exception) -> GraphError:
        names = ", ".join(repr(t) for t in texts)
        reason = exc.reason if isinstance(exc, FactoryError) else str(exc)
        error = self.error(f"link {names}: {reason}")
        error.__cause__ = exc
        return error

    def result(self) -> dict[str, Any]:
        made: dict[str, Any] = {}
        for name, found in self.names.items():
            if name in type(self.graph)._pf_slots:
                if isinstance(found, list):
                    made[name] = {u.name: u.obj for u in found}
                else:
                    made[name] = found.obj
        return made


_MISSING: Any = object()


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

    def _pf_make(self: G, scope: str, given: dict[str, Any], links: Any) -> G:
        call = _Call(self, scope, given, links)
        for unit in call.order:
            if unit.ready:
                continue
            overrides = call.overrides(unit)
            try:
                if unit.slot.is_graph:
                    sub_links = overrides.pop("links", ())
                    unit.obj = unit.maker._pf_make(scope, overrides, sub_links)
                else:
                    unit.obj = _one(unit.maker, scope, unit.slot, overrides)
            except Exception as exc:
                error = call.wrap(unit, exc)
                raise error from error.__cause__
        for left, attribute, related, texts in call.link_groups():
            builder, context = left.builder()
            try:
                builder.add(left.obj, attribute, related, context)
            except Exception as exc:
                error = call.link_error(texts, exc)
                raise error from exc
        return self._pf_result(call.result())

    async def _pf_amake(self: G, given: dict[str, Any], links: Any) -> G:
        call = _Call(self, "acreate", given, links)
        for unit in call.order:
            if unit.ready:
                continue
            overrides = call.overrides(unit)
            try:
                if unit.slot.is_graph:
                    sub_links = overrides.pop("links", ())
                    unit.obj = await unit.maker._pf_amake(overrides, sub_links)
                else:
                    unit.obj = await _aone(unit.maker, unit.slot, overrides)
            except Exception as exc:
                error = call.wrap(unit, exc)
                raise error from error.__cause__
        for left, attribute, related, texts in call.link_groups():
            builder, context = left.builder()
            try:
                await builder.aadd(left.obj, attribute, related, context)
            except Exception as exc:
                error = call.link_error(texts, exc)
                raise error from exc
        return self._pf_result(call.result())

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
                try:
                    stack.enter_context(builder.transaction(context))
                except FactoryError as error:
                    raise error.within(type(self).__name__, "create") from error.__cause__
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
                try:
                    await stack.enter_async_context(builder.atransaction(context))
                except FactoryError as error:
                    raise error.within(type(self).__name__, "acreate") from error.__cause__
            return await self._pf_amake(nodes, links)


def _one(factory: Factory[Any], scope: str, slot: _Slot[Any], overrides: dict[str, Any]) -> Any:
    # The graph's own transaction covers the call: the factory's is not entered again.
    if _obs._observer is not None:
        with _Timed(factory, scope, 1):
            return factory._pf_one(scope, slot.schema, slot.traits, overrides)
    return factory._pf_one(scope, slot.schema, slot.traits, overrides)


async def _aone(factory: Factory[Any], slot: _Slot[Any], overrides: dict[str, Any]) -> Any:
    if _obs._observer is not None:
        with _Timed(factory, "create", 1):
            return await factory._pf_aone(slot.schema, slot.traits, overrides)
    return await factory._pf_aone(slot.schema, slot.traits, overrides)


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
