"""What the SQLAlchemy builder knows of a mapped class, worked out once per class.

Part of the SQLAlchemy builder (:mod:`pyfactory.builders.sqlalchemy`), at its bottom:
it imports SQLAlchemy and :mod:`pyfactory.builders._sa_insert` only, and holds no
I/O of its own.

* :class:`Shape` (:func:`shape_of`): the table, columns, keys and relationships of a
  mapped class, and the persistent instances made from the rows a bulk INSERT
  returned, without the cost of a query;
* :class:`Init` (:func:`construct`, :func:`fresh`): how a ``MappedAsDataclass``
  model's ``__init__`` takes the attributes pyfactory gives any model.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Table, inspect
from sqlalchemy.orm import Mapper, RelationshipProperty, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE

from pyfactory.builders._sa_insert import BulkInsert, _attr, plan

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = ["Init", "Shape", "construct", "fresh", "shape_of"]


def _fast_load_available() -> bool:
    """Whether this SQLAlchemy has the loading internals that Shape.persistent uses; if
    a version drops them, bulk creation falls back to the ORM's own bulk INSERT."""
    from sqlalchemy.orm.identity import IdentityMap
    from sqlalchemy.orm.state import InstanceState

    fresh = InstanceState.modified is False and InstanceState.expired is False
    return hasattr(IdentityMap, "_add_unpresent") and fresh


_FAST_LOAD = _fast_load_available()


class Shape:
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


_shapes: dict[type[Any], Shape] = {}


def shape_of(model: type[Any]) -> Shape:
    """The :class:`Shape` of ``model``, made on first use."""
    shape = _shapes.get(model)
    if shape is None:
        shape = _shapes[model] = Shape(model)
    return shape


class Init:
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


_inits: dict[type[Any], Init | None] = {}


def _init_of(model: type[Any]) -> Init | None:
    """The :class:`Init` of a ``MappedAsDataclass`` model; None for any other."""
    try:
        return _inits[model]
    except KeyError:
        init = _inits[model] = Init(model) if dataclasses.is_dataclass(model) else None
        return init


def construct(model: type[Any], attributes: dict[str, Any]) -> Any:
    """A new, transient instance of ``model`` with ``attributes``."""
    init = _init_of(model)
    if init is None:
        return model(**attributes)
    return init.make(model, attributes)


def fresh(model: type[Any], objs: Iterable[Any]) -> None:
    """Give objects just written the loaded, empty collections that their dataclass
    defaults promise (see :class:`Init`), so that every writing method hands back the
    same thing and reading them needs no query (which an AsyncSession refuses)."""
    init = _init_of(model)
    if init is not None and init.collections:
        init.loaded_empty(objs)
