"""Planning one call of an object graph (see :mod:`pyfactory._graph`): refs, links,
the objects to make and their order.

A :class:`_Call` reads a call's arguments against the graph's declared nodes, parses
its ``links``, finds the nodes each :class:`Ref` needs and sorts the objects so each
comes after the ones it refers to. Everything is checked here, before anything is
made, so a bad argument, an unknown name, a ref cycle or a malformed link fails before
the first row is written; :mod:`pyfactory._graph` then only runs the writes.

Where it sits: below :mod:`pyfactory._graph`, which imports it. It makes nothing and
imports neither the graph nor the factory: it reads the graph's slots and makers
through the attributes they have (``_pf_slots``, ``_pf_maker``, a slot's ``kind`` and
``is_graph``), and a ref's attributes through the builder of the node's factory (its
``_pf_builder`` and ``_pf_context``, as the graph did before this module split off).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from pyfactory._walk import holds
from pyfactory.errors import FactoryError, GraphError, Step

if TYPE_CHECKING:
    from pyfactory._context import Context
    from pyfactory._graph import Graph, _Slot
    from pyfactory.builders import ModelBuilder


#: ``"left.attribute:right"`` or ``"left.attribute:right.attribute..."``.
_LINK = re.compile(r"^([^.:]+)\.([^.:]+):([^.:]+(?:\.[^.:]+)*)$")
_LINK_FORM = '"name.attribute:other" (or "name.attribute:other.attribute")'

#: The value of a node that the call does not give.
_MISSING: Any = object()


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

    Everything here is checked before anything is made; the graph's steps
    (``pyfactory._graph._steps``) only do the I/O.
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
            if slot.kind == "collection":
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

    @property
    def scope(self) -> str:
        """The factory scope the nodes are made in: ``acreate`` makes them as ``create``."""
        return "create" if self.method == "acreate" else self.method

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
                # A nested graph's objects are its attributes; a model's are read
                # through its factory's builder.
                if unit is None or unit.slot.is_graph:
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
