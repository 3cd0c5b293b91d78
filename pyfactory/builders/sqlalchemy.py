"""SQLAlchemy 2 builders: :class:`SQLAlchemyBuilder` over a ``Session`` and
:class:`AsyncSQLAlchemyBuilder` over an ``AsyncSession``, side by side.

Both take the session from the factory's context (``UserFactory(session=s)``)
and share every step that is not I/O: they differ only in awaiting.

* ``create`` adds the object and flushes, so its keys are set.
* ``create_many`` (what ``create_batch`` calls) writes every row of a table
  with one multi-row ``INSERT ... RETURNING`` per set of columns, and hands
  back real ORM instances, attached to the session, with their keys set.
* Each top-level ``create`` and ``create_batch`` runs inside a SAVEPOINT
  (``session.begin_nested()``): a failure part way undoes exactly what that
  call wrote and leaves the caller's transaction usable.
* With ``persistence="commit"`` the session is committed once the whole call
  has succeeded, not once per object.
"""

from __future__ import annotations

import asyncio
import dataclasses
import reprlib
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, TypeVar

try:
    from sqlalchemy import Column, Table, insert, inspect, select
    from sqlalchemy.orm import Mapper, RelationshipProperty, Session, scoped_session
    from sqlalchemy.orm.attributes import instance_state, set_committed_value
    from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE, ONETOMANY
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        "pyfactory.builders.sqlalchemy needs SQLAlchemy 2: "
        "pip install 'pyfactory-schema[sqlalchemy]'"
    ) from exc

from pyfactory._context import Context
from pyfactory.builders import ModelBuilder, Relation
from pyfactory.builders._sa_insert import BulkInsert, _attr, plan
from pyfactory.errors import AsyncModeError, BuilderError, FactoryDefinitionError
from pyfactory.introspect import FieldInfo
from pyfactory.introspect._kinds import SQLALCHEMY, read_fields
from pyfactory.introspect._sqlalchemy_fields import is_sqlalchemy

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.ext.asyncio import AsyncSession

    from pyfactory.fields import SequencePattern


def _async_session_type() -> type[Any] | None:
    """SQLAlchemy's AsyncSession, or None when its asyncio extra (greenlet) is missing:
    the synchronous builder must work without it."""
    try:
        from sqlalchemy.ext.asyncio import AsyncSession
    except ImportError:
        return None
    return AsyncSession


__all__ = ["AsyncSQLAlchemyBuilder", "SQLAlchemyBuilder"]


def _is_async_scoped(session: Any) -> bool:
    """Whether ``session`` is an ``async_scoped_session``, which stands for an AsyncSession."""
    from sqlalchemy.ext.asyncio import async_scoped_session

    return isinstance(session, async_scoped_session)


def _not_a_session(context: Context, given: Any, needs: str, example: str) -> BuilderError:
    """The error for a context whose ``session`` is something other than a session."""
    return BuilderError(
        f"the context's session is {reprlib.repr(given)} ({type(given).__name__}), which "
        f"is not a session: {needs}; make the factory with one: "
        f"{context.owner}(session={example})",
        attributes={},
    )


def _fast_load_available() -> bool:
    """Whether this SQLAlchemy has the loading internals that Shape.persistent uses; if
    a version drops them, bulk creation falls back to the ORM's own bulk INSERT."""
    from sqlalchemy.orm.identity import IdentityMap
    from sqlalchemy.orm.state import InstanceState

    fresh = InstanceState.modified is False and InstanceState.expired is False
    return hasattr(IdentityMap, "_add_unpresent") and fresh


_FAST_LOAD = _fast_load_available()

M = TypeVar("M")

Persistence = Literal["flush", "commit"]


class _Shape:
    """What the builders need to know of one mapped class, worked out once."""

    __slots__ = (
        "attr_names",
        "columns",
        "fast",
        "key_attrs",
        "many_to_many",
        "many_to_one",
        "mapper",
        "renamed",
        "reverse",
        "table",
        "writers",
    )

    def __init__(self, model: type[Any]) -> None:
        mapper: Mapper[Any] = inspect(model)
        self.mapper = mapper
        self.table = mapper.local_table
        #: Attribute names of the mapped columns.
        self.columns = frozenset(mapper.column_attrs.keys())
        #: Many-to-one relationship name → (attribute of this model, attribute of the
        #: related one) for each foreign key column.
        self.many_to_one: dict[str, list[tuple[str, str]]] = {}
        #: Many-to-one relationship name → the related class's collection (or scalar)
        #: that points back, and whether it is a collection.
        self.reverse: dict[str, tuple[str, bool]] = {}
        #: Many-to-many relationship name → the relationship.
        self.many_to_many: dict[str, RelationshipProperty[Any]] = {}
        for rel in mapper.relationships:
            if rel.direction is MANYTOONE:
                self.many_to_one[rel.key] = [
                    (_attr(mapper, local), _attr(rel.mapper, remote))
                    for local, remote in rel.local_remote_pairs or ()
                ]
                if rel.back_populates:
                    other = rel.mapper.relationships[rel.back_populates]
                    self.reverse[rel.key] = (rel.back_populates, bool(other.uselist))
            elif rel.direction is MANYTOMANY:
                self.many_to_many[rel.key] = rel
        table = mapper.local_table
        #: Attribute name of each column of the table, in the table's order.
        self.attr_names = (
            [_attr(mapper, column) for column in table.columns] if isinstance(table, Table) else []
        )
        #: Attribute name → column key, where the two differ.
        self.renamed = {
            str(prop.key): str(prop.columns[0].key)
            for prop in mapper.column_attrs
            if prop.columns and str(prop.columns[0].key) != prop.key
        }
        #: Attribute names of the primary key columns.
        self.key_attrs = [_attr(mapper, column) for column in mapper.primary_key]
        #: The driver-level bulk INSERT for each dialect and set of keys (None: use Core).
        self.writers: weakref.WeakKeyDictionary[
            Dialect, dict[tuple[str, ...], BulkInsert | None]
        ] = weakref.WeakKeyDictionary()
        #: Whether rows can be written with a Core INSERT and the objects made from what
        #: it returns: one table, no inheritance, no version counter.
        self.fast = (
            _FAST_LOAD
            and isinstance(table, Table)
            and mapper.inherits is None
            and not mapper.polymorphic_map
            and mapper.version_id_col is None
            and not mapper.identity_key_from_primary_key((0,))[2]
            and all(c.table is table for c in mapper.columns)
        )

    def writer(self, dialect: Dialect, keys: tuple[str, ...]) -> BulkInsert | None:
        """The driver-level INSERT for rows with ``keys``, or None for the Core one."""
        if not self.fast or not isinstance(self.table, Table):
            return None
        known = self.writers.get(dialect)
        if known is None:
            known = self.writers[dialect] = {}
        if keys not in known:
            known[keys] = plan(self.mapper, self.table, self.many_to_one, dialect, list(keys))
        return known[keys]

    def loaded(self, returned: Any) -> list[dict[str, Any]]:
        """The loaded state of each row a Core ``INSERT ... RETURNING`` gave back."""
        names = self.attr_names
        return [dict(zip(names, values, strict=True)) for values in returned]

    def persistent(
        self, session: Session, loaded: list[dict[str, Any]], rows: list[dict[str, Any]]
    ) -> list[Any]:
        """Persistent instances of the mapped class with the ``loaded`` column values,
        attached to ``session`` as if a query had loaded them, without the cost of one:
        this is what makes bulk creation nearly as fast as a raw INSERT.

        ``rows`` are the rows as given, for the related objects they name, which are
        set as a joined load would set them.
        """
        mapper = self.mapper
        manager = mapper.class_manager
        make_state = manager._state_constructor
        state_attr = manager.STATE_ATTR
        add = session.identity_map._add_unpresent
        session_id = session.hash_key
        cls: Any = mapper.class_
        new = cls.__new__
        key_attrs = self.key_attrs
        related = [name for name in self.many_to_one if rows and name in rows[0]]
        made = []
        for state_dict, given in zip(loaded, rows, strict=True):
            # What ClassManager.new_instance does, with the loaded values as the
            # instance's __dict__ rather than copied into an empty one.
            obj = new(cls)
            state = make_state(obj, manager)
            state_dict[state_attr] = state
            for name in related:
                state_dict[name] = given[name]
            obj.__dict__ = state_dict
            key = (cls, tuple([state_dict[a] for a in key_attrs]), None)
            state.key = key
            state.identity_token = None
            state.session_id = session_id
            add(state, key)
            # A fresh state has nothing to commit: no changes, no expired attributes
            # (calling _commit_all would only create the containers it then clears).
            made.append(obj)
        return made

    def bulk_ready(self, keys: frozenset[str]) -> bool:
        """Whether rows with these keys can go into one INSERT (with link-table rows)."""
        return all(
            k in self.columns or k in self.many_to_one or k in self.many_to_many for k in keys
        )

    def core_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """:meth:`column_row` keyed by column key, for a Core INSERT into the table."""
        out = self.column_row(row)
        renamed = self.renamed
        if renamed:
            return {renamed.get(key, key): value for key, value in out.items()}
        return out

    def column_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row of column values by attribute name: related objects become their
        foreign keys."""
        out: dict[str, Any] = {}
        for key, value in row.items():
            pairs = self.many_to_one.get(key)
            if pairs is not None:
                for local, remote in pairs:
                    out[local] = None if value is None else getattr(value, remote)
            elif key not in self.many_to_many:
                out[key] = value
        return out

    def link_rows(self, obj: Any, name: str, related: list[Any]) -> list[dict[str, Any]]:
        """The link-table rows that join ``obj`` to ``related`` through ``name``."""
        rel = self.many_to_many[name]
        rows = []
        for other in related:
            row: dict[str, Any] = {}
            for parent_col, link_col in rel.synchronize_pairs:
                row[str(link_col.key)] = getattr(obj, _attr(self.mapper, parent_col))
            for other_col, link_col in rel.secondary_synchronize_pairs or ():
                row[str(link_col.key)] = getattr(other, _attr(rel.mapper, other_col))
            rows.append(row)
        return rows


_shapes: dict[type[Any], _Shape] = {}


def _shape(model: type[Any]) -> _Shape:
    shape = _shapes.get(model)
    if shape is None:
        shape = _shapes[model] = _Shape(model)
    return shape


class _Init:
    """How a ``MappedAsDataclass`` model's ``__init__`` takes the attributes, worked out once.

    Such an ``__init__`` takes only the fields declared with ``init=True`` (the default),
    and requires those without a default, where an ordinary mapped class takes any mapped
    attribute and requires none. pyfactory hands both kinds the same attributes, so:

    * an attribute that is not a parameter (a ``relationship(init=False)``, say) is set
      on the new object after construction;
    * a required parameter that the attributes leave out gets what an ordinary mapped
      class would hold in its place: ``None`` for a column that the database fills or
      leaves NULL (nullable, with a default, generated, or a foreign key that a
      relationship given among the attributes sets), an empty collection for a
      relationship to many rows, and nothing for a relationship to one row (``None`` is
      passed and then unset, so that the flush does not clear its foreign key).

    Attributes:
        params: The ``__init__`` parameters.
        blanks: Required parameter → how to fill it when left out: ``"none"``,
            ``"unset"``, a relationship's collection class, or the relationships that
            set the foreign key column (then ``None`` only when one of them is given).
        collections: The relationships to many rows whose dataclass field has a default
            (or is required), loaded empty on every new object that did not get them,
            whichever method wrote it; an object read back from a bulk INSERT never ran
            ``__init__``, and SQLAlchemy 2.1 leaves such defaults to the first read.
    """

    __slots__ = ("blanks", "collections", "params")

    def __init__(self, model: type[Any]) -> None:
        mapper: Mapper[Any] = inspect(model)
        fields = dataclasses.fields(model)
        self.params = frozenset(f.name for f in fields if f.init)
        self.blanks: dict[str, Any] = {}
        collections = []
        setters: dict[str, list[str]] = {}
        for rel in mapper.relationships:
            if rel.direction is MANYTOONE and not rel.viewonly:
                for local, _ in rel.local_remote_pairs or ():
                    setters.setdefault(_attr(mapper, local), []).append(rel.key)
        for field in fields:
            prop = mapper.attrs.get(field.name)
            required = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            if isinstance(prop, RelationshipProperty):
                many = bool(prop.uselist)
                loadable = not prop.viewonly and prop.lazy not in ("dynamic", "write_only")
                if many and loadable and (field.init or not required):
                    collections.append(field.name)
                if field.init and required:
                    self.blanks[field.name] = (prop.collection_class or list) if many else "unset"
            elif field.init and required and prop is not None and prop.columns:
                column = prop.columns[0]
                table = getattr(column, "table", None)
                if not isinstance(column, Column):
                    continue  # a column_property() of a SQL expression: never an argument
                if (
                    column.nullable
                    or column.default is not None
                    or column.server_default is not None
                    or column is getattr(table, "autoincrement_column", None)
                ):
                    self.blanks[field.name] = "none"
                elif field.name in setters:
                    self.blanks[field.name] = tuple(setters[field.name])
        self.collections = tuple(collections)

    def make(self, model: type[Any], attributes: dict[str, Any]) -> Any:
        """``model(**attributes)`` for a model whose ``__init__`` takes only its parameters."""
        params = self.params
        given: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for key, value in attributes.items():
            # A key the class has no attribute for goes to __init__, which refuses it.
            if key in params or not hasattr(model, key):
                given[key] = value
            else:
                after[key] = value
        unset = []
        for name, blank in self.blanks.items():
            if name in given:
                continue
            if blank == "none":
                given[name] = None
            elif blank == "unset":
                given[name] = None
                unset.append(name)
            elif isinstance(blank, tuple):
                if any(rel in attributes for rel in blank):
                    given[name] = None  # the flush sets it from the relationship
            else:
                given[name] = blank()
        obj = model(**given)
        for name in unset:
            delattr(obj, name)
        for key, value in after.items():
            setattr(obj, key, value)
        return obj

    def loaded_empty(self, objs: Iterable[Any]) -> None:
        """Load the defaulted collections that new objects did not get as empty ones."""
        for obj in objs:
            state = obj.__dict__
            for name in self.collections:
                if name not in state:
                    set_committed_value(obj, name, [])


_inits: dict[type[Any], _Init | None] = {}


def _init_of(model: type[Any]) -> _Init | None:
    """The :class:`_Init` of a ``MappedAsDataclass`` model; None for any other."""
    try:
        return _inits[model]
    except KeyError:
        init = _inits[model] = _Init(model) if dataclasses.is_dataclass(model) else None
        return init


def _construct(model: type[Any], attributes: dict[str, Any]) -> Any:
    """A new, transient instance of ``model`` with ``attributes``."""
    init = _init_of(model)
    if init is None:
        return model(**attributes)
    return init.make(model, attributes)


def _fresh(model: type[Any], objs: Iterable[Any]) -> None:
    """Give objects just written the loaded, empty collections that their dataclass
    defaults promise (see :class:`_Init`), so that every writing method hands back the
    same thing and reading them needs no query (which an AsyncSession refuses)."""
    init = _init_of(model)
    if init is not None and init.collections:
        init.loaded_empty(objs)


def _drop_null_keys(shape: _Shape, rows: list[dict[str, Any]]) -> None:
    """Leave out a primary key given as None, in place, as a flush does: the
    database then makes it."""
    for attr in shape.key_attrs:
        for index, row in enumerate(rows):
            if attr in row and row[attr] is None:
                rows[index] = {k: v for k, v in row.items() if k != attr}


def _group_by_keys(rows: list[dict[str, Any]]) -> dict[frozenset[str], list[int]]:
    """Row indexes by key set: one INSERT serves rows that name the same columns."""
    if not rows:
        return {}
    first = rows[0].keys()
    if all(row.keys() == first for row in rows):
        return {frozenset(first): list(range(len(rows)))}
    groups: dict[frozenset[str], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(frozenset(row), []).append(index)
    return groups


class _SQLAlchemyBase(ModelBuilder[M]):
    """What the sync and async builders share: everything but the I/O."""

    context_keys = frozenset({"session"})
    writes_to_database = True

    def supports(self, model: type[Any]) -> bool:
        """Whether ``model`` is a class mapped by the SQLAlchemy ORM."""
        return is_sqlalchemy(model)

    def __init__(self, persistence: Persistence = "flush") -> None:
        if persistence not in ("flush", "commit"):
            raise FactoryDefinitionError(
                f"{type(self).__name__} persistence is 'flush' or 'commit', not {persistence!r}"
            )
        self.persistence = persistence

    def __repr__(self) -> str:
        return f"{type(self).__name__}(persistence={self.persistence!r})"

    @property
    def commits(self) -> bool:
        return self.persistence == "commit"

    def build(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        """A transient instance, as ``model(**attributes)``; for a ``MappedAsDataclass``
        model, the attributes its ``__init__`` does not take are set after it."""
        return _construct(model, attributes)  # type: ignore[no-any-return]

    def fields(self, model: type[M]) -> list[FieldInfo]:
        """The mapped class's columns and relationships, as
        :class:`~pyfactory.introspect.FieldInfo` records.

        Raises:
            FactoryDefinitionError: ``model`` is not a mapped class.
        """
        return read_fields(model, (SQLALCHEMY,))

    def relation(self, model: type[M], name: str) -> Relation | None:
        """One-to-many relationships are made after the parent, pointing back at it."""
        rel = inspect(model).relationships.get(name)
        if rel is None or rel.direction is not ONETOMANY:
            return None
        reverse = rel.back_populates or (rel.backref if isinstance(rel.backref, str) else None)
        if reverse is None and isinstance(rel.backref, tuple):
            reverse = rel.backref[0]
        if reverse:
            back_name = reverse
            return Relation("children", back=lambda parent: {back_name: parent})
        parent_mapper = inspect(model)
        pairs = [
            (_attr(rel.mapper, remote), _attr(parent_mapper, local))
            for local, remote in rel.local_remote_pairs or ()
        ]
        return Relation(
            "children", back=lambda parent: {child: getattr(parent, p) for child, p in pairs}
        )

    def link(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        rel = inspect(type(instance)).relationships[name]
        if rel.lazy in ("dynamic", "write_only"):
            return  # such a collection is never loaded: the rows in the database are it
        value = related if rel.uselist else (related[0] if related else None)
        if inspect(instance).transient:
            # Built, not stored: a normal assignment, so that a later flush of the
            # object cascades to these children and sets their foreign keys.
            setattr(instance, name, value)
        else:
            # The rows are in the database already; make the loaded collection match
            # them without marking a change (and without a lazy load, which async
            # cannot do).
            set_committed_value(instance, name, value)

    def _collection(self, instance: Any, name: str) -> RelationshipProperty[Any]:
        """The relationship ``name`` of ``instance``, which must hold many rows."""
        mapper = inspect(type(instance))
        rel: RelationshipProperty[Any] | None = mapper.relationships.get(name)
        if rel is None or not rel.uselist:
            model = type(instance).__name__
            have = ", ".join(sorted(r.key for r in mapper.relationships if r.uselist)) or "none"
            what = "a relationship to one row" if rel is not None else "not a relationship"
            raise TypeError(
                f"{model}.{name} is {what}, not a collection; the collection "
                f"relationships of {model} are: {have}"
            )
        return rel

    @staticmethod
    def _append(instance: Any, rel: RelationshipProperty[Any], related: list[Any]) -> None:
        collection = getattr(instance, rel.key)
        if rel.lazy == "write_only":
            collection.add_all(related)
            return
        if rel.lazy == "dynamic":
            collection.extend(related)
            return
        add = getattr(collection, "append", None) or collection.add
        for obj in related:
            # A loaded collection compares by identity: the same row is not linked twice.
            if obj not in collection:
                add(obj)

    def add(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """Append to the relationship's collection, and flush when ``instance`` is stored,
        so that the link-table rows (or the children's foreign keys) are written.

        Raises:
            TypeError: ``name`` is not a relationship to many rows.
        """
        rel = self._collection(instance, name)
        if inspect(instance).transient:
            self._append(instance, rel, related)  # built: the flush that saves it cascades
            return
        self._add_stored(instance, rel, related, context)

    def _add_stored(
        self, instance: Any, rel: RelationshipProperty[Any], related: list[Any], context: Context
    ) -> None:
        raise NotImplementedError  # pragma: no cover - each builder defines it

    @staticmethod
    def _unsaved(
        shape: _Shape, rows: list[dict[str, Any]], groups: Iterable[frozenset[str]]
    ) -> list[Any]:
        """The related objects the rows name that have no row yet (made with ``build()``
        or by hand, added to the session or not): written first, as a flush would
        cascade to them, so that the rows can point at their keys."""
        names = {key for keys in groups for key in keys if key in shape.many_to_one}
        collections = {key for keys in groups for key in keys if key in shape.many_to_many}
        if not names and not collections:
            return []
        unsaved: dict[int, Any] = {}
        seen: set[int] = set()
        for row in rows:
            for name in names:
                value = row.get(name)
                if value is not None and id(value) not in seen:
                    seen.add(id(value))
                    if instance_state(value).key is None:
                        unsaved[id(value)] = value
            for name in collections:
                for value in row.get(name, ()):
                    if id(value) not in seen:
                        seen.add(id(value))
                        if instance_state(value).key is None:
                            unsaved[id(value)] = value
        return list(unsaved.values())

    def _plan_bulk(
        self, model: type[M], rows: list[dict[str, Any]]
    ) -> tuple[_Shape, dict[frozenset[str], list[int]]] | None:
        shape = _shape(model)
        _drop_null_keys(shape, rows)
        groups = _group_by_keys(rows)
        if all(shape.bulk_ready(keys) for keys in groups):
            return shape, groups
        return None

    def _finish_bulk(
        self,
        shape: _Shape,
        rows: list[dict[str, Any]],
        objs: list[Any],
        keys: Iterable[frozenset[str]],
    ) -> dict[Table, list[dict[str, Any]]]:
        """Set the related objects on the new instances; the link-table rows to write.

        ``keys`` are the key sets of the rows (one per group)."""
        links: dict[Table, list[dict[str, Any]]] = {}
        joined: dict[tuple[int, str], tuple[Any, bool, list[Any]]] = {}
        relevant = {
            key
            for group in keys
            for key in group
            if key in shape.many_to_many
            or (key in shape.many_to_one and (key in shape.reverse or not shape.fast))
        }
        if not relevant:
            return links
        for obj, row in zip(objs, rows, strict=True):
            for key in relevant:
                if key not in row:
                    continue
                value = row[key]
                if key in shape.many_to_one:
                    reverse = shape.reverse.get(key)
                    if reverse is not None and value is not None:
                        # The parent's loaded collection gains the row, as the
                        # backref event of a plain flush would add it.
                        name, is_list = reverse
                        if name in instance_state(value).dict:
                            entry = joined.setdefault((id(value), name), (value, is_list, []))
                            entry[2].append(obj)
                    if not shape.fast:  # the fast path's persistent() set it already
                        set_committed_value(obj, key, value)
                else:
                    table = shape.many_to_many[key].secondary
                    assert isinstance(table, Table)
                    links.setdefault(table, []).extend(shape.link_rows(obj, key, list(value)))
                    set_committed_value(obj, key, list(value))
        for (_, name), (parent, is_list, children) in joined.items():
            current = instance_state(parent).dict[name]
            value = [*current, *children] if is_list else children[-1]
            set_committed_value(parent, name, value)
        return links

    def _insert_job(
        self, model: type[M], rows: list[dict[str, Any]]
    ) -> tuple[_Shape, list[Any], dict[frozenset[str], list[int]]] | None:
        """What ``insert_many`` writes at the driver level: the shape, the related
        objects to save first and the rows by key set; None to make instances
        (a shape the bulk path cannot take, or many-to-many links to write)."""
        bulk = self._plan_bulk(model, rows)
        if bulk is None or not bulk[0].fast:
            return None
        shape, groups = bulk
        if any(key in shape.many_to_many for keys in groups for key in keys):
            return None
        return shape, self._unsaved(shape, rows, groups), groups

    def _owner(self, context: Context) -> str:
        return context.owner

    def _session_for_transaction(self, context: Context) -> Any:
        """The session a call's savepoint goes in; None when the context's ``session`` is
        not a session, which the create itself reports (its error then has the path)."""
        try:
            return self.session(context)  # type: ignore[attr-defined]
        except BuilderError:
            return None

    @staticmethod
    def _remember(session: Any, objs: list[Any]) -> None:
        """Note objects that a bulk INSERT loaded, so a rolled-back call can forget them.

        The session expunges the objects it added itself when a savepoint rolls back,
        but not those that INSERT ... RETURNING loaded into it.
        """
        calls = session.info.get(_BULK_KEY)
        if calls:
            calls[-1].extend(objs)

    @staticmethod
    def _enter(session: Any) -> list[Any]:
        made: list[Any] = []
        session.info.setdefault(_BULK_KEY, []).append(made)
        return made

    @staticmethod
    def _leave(session: Any, made: list[Any], failed: bool) -> bool:
        """Close one call's bookkeeping; whether it was the outermost pyfactory call."""
        calls = session.info[_BULK_KEY]
        calls.pop()
        if failed:
            for obj in made:
                if obj in session:
                    session.expunge(obj)
        elif calls:
            calls[-1].extend(made)
        return not calls


_BULK_KEY = "pyfactory.bulk"


def _sqlite_begin(connection: Any) -> bool:
    """Whether SQLite needs an explicit BEGIN before a SAVEPOINT.

    Python's sqlite3 driver opens a transaction only before a write, so a
    SAVEPOINT issued first would open one of its own, and releasing it would
    commit: the caller could no longer roll back. Beginning first keeps the
    savepoint inside the caller's transaction.
    """
    if connection.dialect.name != "sqlite":
        return False
    driver = connection.connection.driver_connection
    return not getattr(driver, "in_transaction", True)


#: The sessions whose call lock this task (and the tasks it starts) holds: a create
#: inside another (a hook's, say) goes on without waiting for its own caller.
_held: ContextVar[frozenset[int]] = ContextVar("pyfactory_sessions_held", default=frozenset())
_call_locks: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


@asynccontextmanager
async def _one_call_at_a_time(session: Any) -> AsyncIterator[None]:
    """Run the ``acreate`` and ``acreate_batch`` calls on one session one after the other.

    A session is one connection and one transaction: two calls that interleave at their
    awaits would open and release each other's savepoints (SQLAlchemy then refuses the
    session, and SQLite fails the healthy call too). ``asyncio.gather`` of calls on one
    session is common in tests, so the calls wait for each other rather than fail; each
    still gets its own savepoint. Only the outermost call takes the lock: the calls a
    call makes (hooks, children) run inside it.
    """
    held = _held.get()
    key = id(session)
    if key in held:
        yield
        return
    loop = asyncio.get_running_loop()
    found = _call_locks.get(session)
    if found is None or found[0] is not loop:
        # An asyncio lock belongs to one event loop; a session may outlive its loop.
        found = _call_locks[session] = (loop, asyncio.Lock())
    async with found[1]:
        token = _held.set(held | {key})
        try:
            yield
        finally:
            _held.reset(token)


def _driver_job(
    shape: _Shape, dialect: Dialect, rows: list[dict[str, Any]]
) -> tuple[BulkInsert, list[dict[str, Any]], list[tuple[str, tuple[Any, ...]]]] | None:
    """The driver-level INSERT of ``rows`` (one group, one set of keys): the writer,
    each new instance's loaded state and the statements; None to use the Core INSERT."""
    writer = shape.writer(dialect, tuple(rows[0]))
    if writer is None:
        return None
    prepared = writer.statements(rows)
    if prepared is None:
        return None
    return writer, *prepared


def _driver_writes(
    shape: _Shape, dialect: Dialect, rows: list[dict[str, Any]], groups: dict[Any, list[int]]
) -> Iterator[tuple[list[int], list[dict[str, Any]], list[tuple[str, Any]] | None]]:
    """For ``insert_many``, each group's row indexes and rows (one set of keys) and the
    driver-level statements that write them without reading back; None to make instances."""
    for indexes in groups.values():
        given = [rows[i] for i in indexes]
        writer = shape.writer(dialect, tuple(given[0]))
        yield indexes, given, None if writer is None else writer.write_only(given)


def _found_inside(exc: Exception, indexes: list[int]) -> int | None:
    """The failing row that a ``create_many`` inside ``insert_many`` found, as an index of
    the outer call's rows (``indexes`` maps the inner rows to them)."""
    if isinstance(exc, BuilderError) and exc.index is not None:
        return indexes[exc.index]
    return None


def _row_statements(model: type[Any], given: list[dict[str, Any]]) -> Iterator[tuple[Any, Any]]:
    """The statements that write ``given`` one row at a time, to find the row that made
    their bulk INSERT fail: an ORM bulk INSERT of each row's column values."""
    shape = _shape(model)
    statement = insert(model)
    for row in given:
        yield statement, [shape.column_row(row)]


def _failed_row(exc: Exception, rows: list[dict[str, Any]], index: int | None) -> Exception:
    """The error of a failed bulk write, for the factory: a BuilderError that says which
    row failed (its index in ``rows``), the database's error as its cause; the error
    itself when no row alone fails."""
    if isinstance(exc, BuilderError) and isinstance(exc.__cause__, Exception):
        exc = exc.__cause__  # from create_many under insert_many: the index is remapped
    if index is None:
        return exc
    error = BuilderError(repr(exc), attributes=rows[index], rows=rows, index=index)
    error.__cause__ = exc
    return error


def _core_statement(table: Table, dialect: str) -> Any:
    """INSERT ... RETURNING every column, rows back in the order given (see _statement)."""
    return insert(table).returning(*table.columns, sort_by_parameter_order=dialect != "sqlite")


def _statement(model: type[Any], dialect: str) -> Any:
    """The bulk INSERT ... RETURNING whose rows come back in the order they were given.

    SQLite writes the rows of one multi-row VALUES in order and returns them as
    it writes them, so the plain statement keeps the order; asking SQLAlchemy to
    guarantee it there would cost one statement per row.
    """
    if dialect == "sqlite":
        return insert(model).returning(model)
    return insert(model).returning(model, sort_by_parameter_order=True)


def _stored_values(model: type[Any], field: str, pattern: SequencePattern) -> Any:
    """The SELECT of the values of ``model.field`` that may hold a number of
    ``pattern``: those between its prefix and suffix (``LIKE 'user%@example.org'``)."""
    if field not in inspect(model).column_attrs:
        raise FactoryDefinitionError(
            f"sequence({pattern.template!r}, resume=True) reads the stored values of its "
            f"field, but {model.__name__} has no column {field!r}; resume works on a field "
            "that the model stores in a column of its own"
        )
    attribute = getattr(model, field)
    statement = select(attribute)
    if pattern.prefix:
        statement = statement.where(attribute.startswith(pattern.prefix, autoescape=True))
    if pattern.suffix:
        statement = statement.where(attribute.endswith(pattern.suffix, autoescape=True))
    # Read in chunks: a table of millions of rows is scanned once, not held.
    return statement.execution_options(yield_per=_YIELD_PER)


_YIELD_PER = 2_000


async def _ahighest(session: AsyncSession, statement: Any, pattern: SequencePattern) -> int | None:
    """The highest number of ``pattern`` among the values ``statement`` selects."""
    highest = None
    result = await session.stream_scalars(statement)
    async for chunk in result.partitions():
        highest = pattern.highest(chunk, highest)
    return highest


class SQLAlchemyBuilder(_SQLAlchemyBase[M]):
    """Creates rows through a SQLAlchemy 2 ``Session`` from the context's ``session``.

    Args:
        persistence: ``"flush"`` (the default) flushes, so keys are set and the
            caller's transaction decides; ``"commit"`` also commits once each
            top-level ``create`` or ``create_batch`` has succeeded.

    .. versionadded:: 0.1
    """

    def session(self, context: Context) -> Session:
        """The context's ``session``, which must be a synchronous ``Session``.

        Raises:
            MissingContextError: The context has no ``session``.
            AsyncModeError: The session is an ``AsyncSession``.
            BuilderError: The context's ``session`` is not a session at all.
        """
        session = context.require("session")
        if isinstance(session, (Session, scoped_session)):
            return session  # type: ignore[return-value]
        async_session = _async_session_type()
        if async_session is not None and isinstance(session, async_session):
            raise AsyncModeError(
                f"{self._owner(context)} was given an AsyncSession, but its builder is "
                "SQLAlchemyBuilder; use AsyncSQLAlchemyBuilder and call acreate() or "
                "acreate_batch()"
            )
        raise _not_a_session(
            context,
            session,
            "SQLAlchemyBuilder writes through a sqlalchemy.orm.Session",
            "Session(engine)",
        )

    def create(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        session = self.session(context)
        obj = _construct(model, attributes)
        session.add(obj)
        session.flush()
        _fresh(model, [obj])
        return obj  # type: ignore[no-any-return]

    def create_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> list[M]:
        session = self.session(context)
        bulk = self._plan_bulk(model, rows)
        if bulk is None:
            objs = [_construct(model, row) for row in rows]
            session.add_all(objs)
            session.flush()
            _fresh(model, objs)
            return objs
        shape, groups = bulk
        unsaved = self._unsaved(shape, rows, groups)
        if unsaved:
            session.add_all(unsaved)
            session.flush()
        made: list[Any] = [None] * len(rows)
        dialect = session.get_bind(mapper=shape.mapper).dialect
        for indexes in groups.values():
            given = [rows[i] for i in indexes]
            with self._locate_failure(session, model, rows, indexes):
                objs = self._write_group(session, model, shape, dialect, given)
            for i, obj in zip(indexes, objs, strict=True):
                made[i] = obj
        self._remember(session, made)
        _fresh(model, made)
        for table, links in self._finish_bulk(shape, rows, made, groups).items():
            if links:
                session.execute(insert(table), links)
        return made

    def _write_group(
        self,
        session: Session,
        model: type[M],
        shape: _Shape,
        dialect: Dialect,
        given: list[dict[str, Any]],
    ) -> list[Any]:
        """Write rows that name the same columns in bulk; their new instances."""
        job = _driver_job(shape, dialect, given)
        if job is not None:
            writer, loaded, statements = job
            connection = session.connection(bind_arguments={"mapper": shape.mapper})
            back: list[Any] = []
            for sql, params in statements:
                result = connection.exec_driver_sql(sql, params)
                if writer.returned:
                    back.extend(result.fetchall())
            writer.finish(loaded, back)
            objs = shape.persistent(session, loaded, given)
        elif shape.fast:
            assert isinstance(shape.table, Table)
            values = [shape.core_row(row) for row in given]
            returned = session.execute(_core_statement(shape.table, dialect.name), values)
            objs = shape.persistent(session, shape.loaded(returned), given)
        else:
            values = [shape.column_row(row) for row in given]
            objs = list(session.scalars(_statement(model, dialect.name), values))
        return objs

    @contextmanager
    def _locate_failure(
        self, session: Session, model: type[M], rows: list[dict[str, Any]], indexes: list[int]
    ) -> Iterator[None]:
        """Write a group of rows in a SAVEPOINT; when the bulk write fails, find the row
        that made it fail (see :func:`_row_statements`) and raise a BuilderError that
        says which. A group of one row needs neither."""
        if len(indexes) == 1:
            try:
                yield
            except Exception as exc:
                error = _failed_row(exc, rows, indexes[0])
                raise error from error.__cause__
            return
        connection = session.connection(bind_arguments={"mapper": inspect(model)})
        savepoint = connection.begin_nested()
        try:
            yield
        except Exception as exc:
            savepoint.rollback()
            found = _found_inside(exc, indexes)
            if found is None and not isinstance(exc, BuilderError):
                probe = connection.begin_nested()
                try:
                    for n, (statement, params) in enumerate(
                        _row_statements(model, [rows[i] for i in indexes])
                    ):
                        try:
                            session.execute(statement, params)
                        except Exception:
                            found = indexes[n]
                            break
                finally:
                    probe.rollback()
            error = _failed_row(exc, rows, found)
            if error is exc:
                raise
            raise error from error.__cause__
        savepoint.commit()

    def insert_many(self, model: type[M], rows: list[dict[str, Any]], context: Context) -> int:
        session = self.session(context)
        job = self._insert_job(model, rows)
        if job is None:
            return len(self.create_many(model, rows, context))
        shape, unsaved, groups = job
        if unsaved:
            session.add_all(unsaved)
            session.flush()
        dialect = session.get_bind(mapper=shape.mapper).dialect
        for indexes, given, statements in _driver_writes(shape, dialect, rows, groups):
            with self._locate_failure(session, model, rows, indexes):
                if statements is None:
                    self.create_many(model, given, context)
                    continue
                connection = session.connection(bind_arguments={"mapper": shape.mapper})
                for sql, params in statements:
                    connection.exec_driver_sql(sql, params)
        return len(rows)

    def get(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        session = self.session(context)
        found: M | None = session.scalars(select(model).filter_by(**lookup).limit(1)).first()
        return found

    def _add_stored(
        self, instance: Any, rel: RelationshipProperty[Any], related: list[Any], context: Context
    ) -> None:
        session = self.session(context)
        self._append(instance, rel, related)
        session.flush()

    @contextmanager
    def transaction(self, context: Context) -> Iterator[None]:
        session = self._session_for_transaction(context)
        if session is None:
            yield  # create() says what is wrong with the session, with the factory's path
            return
        connection = session.connection()
        if _sqlite_begin(connection):
            connection.exec_driver_sql("BEGIN")
        made = self._enter(session)
        failed = True
        outermost = False
        try:
            with session.begin_nested():
                yield
            failed = False
        finally:
            outermost = self._leave(session, made, failed)
        # A create inside another (from a hook, say) belongs to the outer call's
        # savepoint: only the outermost call commits.
        if self.persistence == "commit" and outermost:
            session.commit()

    async def acreate(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        return self.create(model, attributes, context)

    async def acreate_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> list[M]:
        return self.create_many(model, rows, context)

    async def ainsert_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> int:
        return self.insert_many(model, rows, context)

    @asynccontextmanager
    async def atransaction(self, context: Context) -> AsyncIterator[None]:
        session = self._session_for_transaction(context)
        if session is None:
            yield  # acreate() says what is wrong with the session, with the factory's path
            return
        async with _one_call_at_a_time(session):
            with self.transaction(context):
                yield

    def highest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """The highest number of a ``resume=True`` sequence stored in ``model.field``,
        read through the context's ``Session``.

        .. versionadded:: 1.0
        """
        session = self.session(context)
        return pattern.highest(session.scalars(_stored_values(model, field, pattern)))

    async def ahighest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """:meth:`highest_sequence` under ``acreate``, through the context's session,
        a ``Session`` or an ``AsyncSession``.

        .. versionadded:: 1.0
        """
        session = context.require("session")
        async_session = _async_session_type()
        if async_session is not None and isinstance(session, async_session):
            return await _ahighest(session, _stored_values(model, field, pattern), pattern)
        return self.highest_sequence(model, field, pattern, context)


class AsyncSQLAlchemyBuilder(_SQLAlchemyBase[M]):
    """Creates rows through a SQLAlchemy 2 ``AsyncSession`` from the context's ``session``,
    for ``acreate`` and ``acreate_batch``; ``build`` works as everywhere.

    Args:
        persistence: ``"flush"`` or ``"commit"``, as for :class:`SQLAlchemyBuilder`.

    .. versionadded:: 0.1
    """

    async_only = True

    def session(self, context: Context) -> AsyncSession:
        """The context's ``session``, which must be an ``AsyncSession``.

        Raises:
            MissingContextError: The context has no ``session``.
            AsyncModeError: The session is a synchronous ``Session``.
            BuilderError: The context's ``session`` is not a session at all.
        """
        session = context.require("session")
        async_session = _async_session_type()
        if async_session is None:
            raise ImportError(
                "AsyncSQLAlchemyBuilder needs SQLAlchemy's asyncio extra: "
                "pip install 'pyfactory-schema[asyncio]'"
            )
        if isinstance(session, async_session) or _is_async_scoped(session):
            return session  # type: ignore[no-any-return]
        if isinstance(session, (Session, scoped_session)):
            raise AsyncModeError(
                f"{self._owner(context)} uses AsyncSQLAlchemyBuilder, which needs an "
                f"AsyncSession, but was given {type(session).__name__}; use "
                "SQLAlchemyBuilder for a Session"
            )
        raise _not_a_session(
            context,
            session,
            "AsyncSQLAlchemyBuilder writes through a sqlalchemy.ext.asyncio.AsyncSession, "
            "for acreate() and acreate_batch()",
            "AsyncSession(engine)",
        )

    def _sync_refused(self, context: Context) -> AsyncModeError:
        return AsyncModeError(
            f"{context.factory} uses AsyncSQLAlchemyBuilder, which writes through an "
            "AsyncSession: call acreate() or acreate_batch() (build() needs no session)"
        )

    def create(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        raise self._sync_refused(context)

    def get(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        raise self._sync_refused(context)

    def transaction(self, context: Context) -> Any:
        raise self._sync_refused(context)

    def _add_stored(
        self, instance: Any, rel: RelationshipProperty[Any], related: list[Any], context: Context
    ) -> None:
        raise self._sync_refused(context)

    async def aadd(self, instance: M, name: str, related: list[Any], context: Context) -> None:
        """:meth:`~pyfactory.builders.ModelBuilder.add` through the ``AsyncSession``: the
        collection is loaded, appended to and flushed in one ``run_sync`` call."""
        rel = self._collection(instance, name)
        if inspect(instance).transient:
            self._append(instance, rel, related)
            return
        session = self.session(context)

        def add_and_flush(sync_session: Session) -> None:
            self._append(instance, rel, related)
            sync_session.flush()

        await session.run_sync(add_and_flush)

    async def acreate(self, model: type[M], attributes: dict[str, Any], context: Context) -> M:
        session = self.session(context)
        obj = _construct(model, attributes)
        session.add(obj)
        await session.flush()
        _fresh(model, [obj])
        return obj  # type: ignore[no-any-return]

    async def acreate_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> list[M]:
        session = self.session(context)
        bulk = self._plan_bulk(model, rows)
        if bulk is None:
            objs = [_construct(model, row) for row in rows]
            session.add_all(objs)
            await session.flush()
            _fresh(model, objs)
            return objs
        shape, groups = bulk
        unsaved = self._unsaved(shape, rows, groups)
        if unsaved:
            session.add_all(unsaved)
            await session.flush()
        made: list[Any] = [None] * len(rows)
        dialect = session.get_bind(mapper=shape.mapper).dialect
        for indexes in groups.values():
            given = [rows[i] for i in indexes]
            async with self._alocate_failure(session, model, rows, indexes):
                objs = await self._awrite_group(session, model, shape, dialect, given)
            for i, obj in zip(indexes, objs, strict=True):
                made[i] = obj
        self._remember(session, made)
        _fresh(model, made)
        for table, links in self._finish_bulk(shape, rows, made, groups).items():
            if links:
                await session.execute(insert(table), links)
        return made

    async def _awrite_group(
        self,
        session: AsyncSession,
        model: type[M],
        shape: _Shape,
        dialect: Dialect,
        given: list[dict[str, Any]],
    ) -> list[Any]:
        """:meth:`SQLAlchemyBuilder._write_group` through the AsyncSession."""
        job = _driver_job(shape, dialect, given)
        if job is not None:
            writer, loaded, statements = job
            connection = await session.connection(bind_arguments={"mapper": shape.mapper})
            back: list[Any] = []
            for sql, params in statements:
                result = await connection.exec_driver_sql(sql, params)
                if writer.returned:
                    back.extend(result.fetchall())
            writer.finish(loaded, back)
            return shape.persistent(session.sync_session, loaded, given)
        if shape.fast:
            assert isinstance(shape.table, Table)
            values = [shape.core_row(row) for row in given]
            returned = await session.execute(_core_statement(shape.table, dialect.name), values)
            return shape.persistent(session.sync_session, shape.loaded(returned), given)
        values = [shape.column_row(row) for row in given]
        return list(await session.scalars(_statement(model, dialect.name), values))

    @asynccontextmanager
    async def _alocate_failure(
        self, session: AsyncSession, model: type[M], rows: list[dict[str, Any]], indexes: list[int]
    ) -> AsyncIterator[None]:
        """:meth:`SQLAlchemyBuilder._locate_failure` through the AsyncSession."""
        if len(indexes) == 1:
            try:
                yield
            except Exception as exc:
                error = _failed_row(exc, rows, indexes[0])
                raise error from error.__cause__
            return
        connection = await session.connection(bind_arguments={"mapper": inspect(model)})
        savepoint = await connection.begin_nested()
        try:
            yield
        except Exception as exc:
            await savepoint.rollback()
            found = _found_inside(exc, indexes)
            if found is None and not isinstance(exc, BuilderError):
                probe = await connection.begin_nested()
                try:
                    for n, (statement, params) in enumerate(
                        _row_statements(model, [rows[i] for i in indexes])
                    ):
                        try:
                            await session.execute(statement, params)
                        except Exception:
                            found = indexes[n]
                            break
                finally:
                    await probe.rollback()
            error = _failed_row(exc, rows, found)
            if error is exc:
                raise
            raise error from error.__cause__
        await savepoint.commit()

    async def ainsert_many(
        self, model: type[M], rows: list[dict[str, Any]], context: Context
    ) -> int:
        session = self.session(context)
        job = self._insert_job(model, rows)
        if job is None:
            return len(await self.acreate_many(model, rows, context))
        shape, unsaved, groups = job
        if unsaved:
            session.add_all(unsaved)
            await session.flush()
        dialect = session.get_bind(mapper=shape.mapper).dialect
        for indexes, given, statements in _driver_writes(shape, dialect, rows, groups):
            async with self._alocate_failure(session, model, rows, indexes):
                if statements is None:
                    await self.acreate_many(model, given, context)
                    continue
                connection = await session.connection(bind_arguments={"mapper": shape.mapper})
                for sql, params in statements:
                    await connection.exec_driver_sql(sql, params)
        return len(rows)

    async def aget(self, model: type[M], lookup: dict[str, Any], context: Context) -> M | None:
        session = self.session(context)
        result = await session.scalars(select(model).filter_by(**lookup).limit(1))
        found: M | None = result.first()
        return found

    @asynccontextmanager
    async def atransaction(self, context: Context) -> AsyncIterator[None]:
        session = self._session_for_transaction(context)
        if session is None:
            yield  # acreate() says what is wrong with the session, with the factory's path
            return
        async with _one_call_at_a_time(session):
            connection = await session.connection()
            if await connection.run_sync(_sqlite_begin):
                await connection.exec_driver_sql("BEGIN")
            made = self._enter(session)
            failed = True
            outermost = False
            try:
                async with session.begin_nested():
                    yield
                failed = False
            finally:
                outermost = self._leave(session, made, failed)
            if self.persistence == "commit" and outermost:
                await session.commit()

    def highest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        raise self._sync_refused(context)

    async def ahighest_sequence(
        self, model: type[M], field: str, pattern: SequencePattern, context: Context
    ) -> int | None:
        """The highest number of a ``resume=True`` sequence stored in ``model.field``,
        read through the context's ``AsyncSession``.

        .. versionadded:: 1.0
        """
        session = self.session(context)
        return await _ahighest(session, _stored_values(model, field, pattern), pattern)
