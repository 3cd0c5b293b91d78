"""Fields of a SQLAlchemy mapped class: its columns and its relationships."""

from __future__ import annotations

import inspect as pyinspect
import sys
from collections.abc import Iterable
from typing import Any, get_args, get_origin

import attrs

from pyfactory.introspect._common import Facts, non_none, optional, type_hints
from pyfactory.introspect._info import FieldInfo

__all__ = [
    "ForeignKeyTarget",
    "foreign_key_targets",
    "is_sqlalchemy",
    "sqlalchemy_fields",
    "sqlalchemy_unique_groups",
]

#: The range of each integer column type, as the databases store them.
_INTEGER_RANGES = (
    ("BigInteger", -(2**63), 2**63 - 1),
    ("SmallInteger", -(2**15), 2**15 - 1),
    ("Integer", -(2**31), 2**31 - 1),
)

#: The annotations that wrap a mapped attribute's Python type.
_MAPPED = frozenset({"Mapped", "WriteOnlyMapped", "DynamicMapped"})


def is_sqlalchemy(model: Any) -> bool:
    """Whether ``model`` is a class mapped by the SQLAlchemy ORM."""
    if "sqlalchemy.orm" not in sys.modules or not isinstance(model, type):
        return False  # no class is mapped before the ORM is imported
    from sqlalchemy import inspect
    from sqlalchemy.orm import Mapper

    return isinstance(inspect(model, raiseerr=False), Mapper)


def sqlalchemy_fields(model: type[Any]) -> list[FieldInfo]:
    """One record per mapped column and relationship, in declaration order.

    A column's type is the Python type of its column type (for a JSON column or
    a type that does not say, the ``Mapped[...]`` annotation); its length,
    ``Numeric`` precision, ``Enum`` values and integer range are constraints.
    A foreign key column names its targets in ``extra["references"]``; the
    relationship that sets it lists it in ``foreign_keys``, so a generator fills
    one or the other. The table's CHECK constraints bound their columns as far as
    they are read (:mod:`pyfactory.introspect._checks`). Synonyms and composites are
    left out: the columns they stand for are listed.
    """
    from sqlalchemy import inspect
    from sqlalchemy.orm import ColumnProperty, RelationshipProperty

    mapper = inspect(model)
    props = list(mapper.attrs)  # configures the mappers, so backrefs are there
    position = _declaration_order(model)
    props.sort(key=lambda p: position.get(p.key, len(position)))
    hints = type_hints(model, {p.key for p in props})
    infos = []
    for prop in props:
        hint = _unmapped(hints.get(prop.key))
        if isinstance(prop, ColumnProperty):
            infos.append(_column_field(mapper, prop, hint))
        elif isinstance(prop, RelationshipProperty):
            infos.append(_relationship_field(mapper, prop, hint))
    from pyfactory.introspect._checks import apply_checks, sqlalchemy_checks

    return apply_checks(infos, sqlalchemy_checks(model))[0]


def _declaration_order(model: type[Any]) -> dict[str, int]:
    """Attribute name → position in the class bodies, base classes first.

    A class body's namespace keeps the order of assigned attributes, but one that
    is only annotated (``day: Mapped[date]``) enters it when the mapper instruments
    it, at the end; the annotations keep the order of the annotated ones. Merged,
    they give the order of the source.
    """
    order: dict[str, int] = {}
    for klass in reversed(model.__mro__):
        annotated = list(pyinspect.get_annotations(klass))
        where = {name: i for i, name in enumerate(annotated)}
        done = 0
        for name in vars(klass):
            if name in where:
                while done <= where[name]:
                    order.setdefault(annotated[done], len(order))
                    done += 1
            else:
                order.setdefault(name, len(order))
        for name in annotated[done:]:
            order.setdefault(name, len(order))
    return order


def _unmapped(hint: Any) -> Any:
    """``X`` for ``Mapped[X]``; ``None`` for an annotation that did not resolve."""
    if hint is None or isinstance(hint, str):
        return None
    origin = get_origin(hint)
    if getattr(origin, "__name__", None) in _MAPPED and get_args(hint):
        inner = get_args(hint)[0]
        return None if isinstance(inner, str) else inner
    return hint


# ---------------------------------------------------------------- columns


def _column_field(mapper: Any, prop: Any, hint: Any) -> FieldInfo:
    from sqlalchemy import Column

    facts = Facts(prop.key)
    columns = [c for c in prop.columns if isinstance(c, Column)]
    if not columns:
        # column_property() of a SQL expression: the SELECT computes it.
        expression = prop.columns[0]
        facts.set(type=_python_type(expression.type, hint), server_generated=True, has_default=True)
        return facts.info()
    column = columns[0]
    pytype = _python_type(column.type, hint)
    _read_column_type(column.type, facts)
    nullable = bool(column.nullable)
    facts.set(type=optional(pytype) if nullable else pytype, nullable=nullable)
    facts.set(primary_key=any(c.primary_key for c in columns))
    generated = any(_generated(c) for c in columns)
    _read_default(column, facts)
    if mapper.polymorphic_on is not None and any(c is mapper.polymorphic_on for c in columns):
        # The mapper writes each class's identity itself.
        generated = True
        facts.default(mapper.polymorphic_identity)
        facts.note("polymorphic_identities", tuple(mapper.polymorphic_map))
    if generated:
        facts.default()
    facts.set(
        server_generated=generated,
        unique=_unique(column.table, [column]),
        required=not facts.has_default and not nullable,
    )
    references = tuple(sorted(fk.target_fullname for fk in column.foreign_keys))
    if references:
        facts.note("references", references)
    return facts.info()


def _generated(column: Any) -> bool:
    """Whether the database makes the column's value: an autoincrement key, a server
    default (identity and computed columns included), a sequence or a SQL expression."""
    if column.server_default is not None:
        return True
    default = column.default
    if default is not None and (default.is_sequence or default.is_clause_element):
        return True
    table = column.table
    return getattr(table, "autoincrement_column", None) is column


def _read_default(column: Any, facts: Facts) -> None:
    default = column.default
    if default is None or default.is_sequence or default.is_clause_element:
        return
    if default.is_callable:
        # SQLAlchemy wraps a function of no arguments into one of the execution
        # context; the original is what a generator can call.
        original = getattr(default.arg, "__wrapped__", None)
        if original is not None:
            facts.default(factory=original)
        else:
            facts.default()
            facts.note("default_takes_context", default.arg)
    elif default.is_scalar:
        facts.default(default.arg)


def _python_type(sqltype: Any, hint: Any) -> Any:
    from sqlalchemy import ARRAY, JSON, TypeDecorator

    try:
        pytype = sqltype.python_type
    except NotImplementedError:
        pytype = None
    if isinstance(sqltype, ARRAY) and pytype is list:
        item = _python_type(sqltype.item_type, None)
        return list if item is Any else list[item]  # type: ignore[valid-type]
    if pytype is not None and pytype is not object:
        return pytype
    if hint is not None:
        return non_none(hint)
    if isinstance(sqltype, JSON):
        return dict
    if isinstance(sqltype, TypeDecorator):
        return _python_type(sqltype.impl_instance, None)
    return Any


def _read_column_type(sqltype: Any, facts: Facts) -> None:
    """Lengths, ranges, digits, choices and time zones that the column type declares."""
    from sqlalchemy import (
        DateTime,
        Enum,
        Float,
        Integer,
        LargeBinary,
        Numeric,
        String,
        TypeDecorator,
    )

    while isinstance(sqltype, TypeDecorator):
        sqltype = sqltype.impl_instance
    if isinstance(sqltype, Enum):
        enum_class = sqltype.enum_class
        facts.set(choices=tuple(enum_class) if enum_class is not None else tuple(sqltype.enums))
    elif isinstance(sqltype, (String, LargeBinary)):
        facts.constrain("max_length", sqltype.length)
    elif isinstance(sqltype, Integer):
        for name, low, high in _INTEGER_RANGES:
            if any(klass.__name__ == name for klass in type(sqltype).__mro__):
                facts.constrain("ge", low)
                facts.constrain("le", high)
                break
    elif isinstance(sqltype, Numeric) and not isinstance(sqltype, Float):
        facts.constrain("max_digits", sqltype.precision)
        facts.constrain("decimal_places", sqltype.scale)
    elif isinstance(sqltype, DateTime) and sqltype.timezone:
        facts.note("timezone", True)


def _unique(table: Any, columns: Iterable[Any]) -> bool:
    """Whether these columns, together, are unique in ``table``: ``unique=True`` on the
    one column, or a primary key, unique constraint or unique index of exactly them."""
    from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

    wanted = set(columns)
    if len(wanted) == 1 and next(iter(wanted)).unique:
        return True
    for constraint in getattr(table, "constraints", ()):
        if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint)) and wanted == set(
            constraint.columns
        ):
            return True
    for index in getattr(table, "indexes", ()):
        if index.unique and wanted == set(index.expressions):
            return True
    return False


# ---------------------------------------------------------------- relationships


def _relationship_field(mapper: Any, prop: Any, hint: Any) -> FieldInfo:
    from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE

    facts = Facts(prop.key)
    target = prop.mapper.class_
    facts.set(related_model=target)
    reverse = [r for r in getattr(prop, "_reverse_property", ()) if r.parent is prop.mapper]
    if reverse:
        facts.note("reverse", reverse[0].key)
    elif prop.back_populates:
        facts.note("reverse", prop.back_populates)
    if prop.viewonly:
        facts.note("viewonly", True)
    if prop.lazy in ("write_only", "dynamic"):
        facts.note("lazy", prop.lazy)
    pairs = list(prop.local_remote_pairs or ())
    if prop.direction is MANYTOONE:
        local = list(dict.fromkeys(left for left, _ in pairs))
        one = any(not r.uselist for r in reverse) or _unique(local[0].table, local)
        nullable = all(c.nullable for c in local)
        defaulted = all(_generated(c) or c.default is not None for c in local)
        if defaulted:
            facts.default()
        facts.set(
            type=optional(target) if nullable else target,
            relation="one_to_one" if one else "many_to_one",
            nullable=nullable,
            unique=one,
            foreign_keys=tuple(_attr(mapper, c) for c in local),
            required=not (nullable or defaulted or prop.viewonly),
        )
        return facts.info()
    if prop.direction is MANYTOMANY:
        facts.set(relation="many_to_many")
        secondary = prop.secondary
        facts.note("secondary", getattr(secondary, "name", str(secondary)))
    else:
        facts.set(relation="one_to_many" if prop.uselist else "one_to_one")
        remote = list(dict.fromkeys(right for _, right in pairs))
        facts.note("remote_keys", tuple(_attr(prop.mapper, c) for c in remote))
    if prop.uselist:
        facts.set(type=_collection_type(prop.collection_class, target, hint))
    else:
        facts.set(type=optional(target), nullable=True)
    return facts.info()


def _collection_type(collection_class: Any, target: type[Any], hint: Any) -> Any:
    if isinstance(collection_class, type) and issubclass(collection_class, (set, frozenset)):
        return set[target]  # type: ignore[valid-type]
    if collection_class is None or (
        isinstance(collection_class, type) and issubclass(collection_class, list)
    ):
        return list[target]  # type: ignore[valid-type]
    # A dict or custom collection: what the annotation says it holds.
    return hint if hint is not None else list[target]  # type: ignore[valid-type]


def _attr(mapper: Any, column: Any) -> str:
    """The attribute name under which ``mapper`` maps ``column``."""
    from sqlalchemy.orm.exc import UnmappedColumnError

    try:
        return str(mapper.get_property_by_column(column).key)
    except UnmappedColumnError:
        return str(column.key)


# ---------------------------------------------------------------- foreign keys


@attrs.frozen(eq=False)
class ForeignKeyTarget:
    """One foreign key constraint of a mapped class, in attribute names.

    Attributes:
        columns: The attributes of the class that hold the key, in the constraint's
            order (one, or several for a composite key).
        model: The mapped class of the referenced table, found among the classes of
            the same registry; ``None`` when none maps the table and the columns.
        attributes: For each of ``columns``, the attribute of ``model`` that maps the
            referenced column (empty when ``model`` is ``None``).
        table: The referenced table's name, for messages.
        targets: The referenced ``table.column`` names, as in ``extra["references"]``.
    """

    columns: tuple[str, ...]
    model: type[Any] | None
    attributes: tuple[str, ...]
    table: str
    targets: tuple[str, ...]


def foreign_key_targets(model: type[Any]) -> dict[str, ForeignKeyTarget]:
    """Attribute name → the foreign key constraint it takes part in, for each foreign
    key column of a mapped class (every column of a composite key maps to the same
    record). A column in several constraints gets the one whose target sorts first,
    as ``extra["references"]`` lists them. The key that joins a subclass's table to
    its parent's (joined-table inheritance) is left out: the ORM writes it.
    """
    from sqlalchemy import Column, inspect
    from sqlalchemy.orm import ColumnProperty

    mapper = inspect(model)
    made: dict[int, ForeignKeyTarget] = {}
    found: dict[str, ForeignKeyTarget] = {}
    for prop in mapper.attrs:
        if not isinstance(prop, ColumnProperty):
            continue
        columns = [c for c in prop.columns if isinstance(c, Column)]
        if not columns:
            continue
        for fk in sorted(columns[0].foreign_keys, key=lambda fk: str(fk.target_fullname)):
            referenced = _referenced_column(fk)
            if referenced is not None and any(referenced is c for c in prop.columns):
                continue  # the inheritance link: the same attribute on both tables
            constraint = fk.constraint
            target = made.get(id(constraint))
            if target is None:
                target = made[id(constraint)] = _target(mapper, constraint)
            found[str(prop.key)] = target
            break
    return found


def _referenced_column(fk: Any) -> Any:
    """The column a ``ForeignKey`` points at, or ``None`` when its table is not in the
    metadata (so it cannot be resolved)."""
    from sqlalchemy.exc import InvalidRequestError

    try:
        return fk.column
    except InvalidRequestError:  # NoReferencedTableError, NoReferencedColumnError
        return None


def _target(mapper: Any, constraint: Any) -> ForeignKeyTarget:
    elements = list(constraint.elements)
    columns = tuple(_attr(mapper, element.parent) for element in elements)
    targets = tuple(str(element.target_fullname) for element in elements)
    table = targets[0].rpartition(".")[0]
    referenced = [_referenced_column(element) for element in elements]
    if any(column is None for column in referenced):
        return ForeignKeyTarget(columns, None, (), table, targets)
    related = _mapper_of_table(mapper, referenced[0].table)
    if related is not None:
        from sqlalchemy.orm.exc import UnmappedColumnError

        try:
            attributes = tuple(
                str(related.get_property_by_column(column).key) for column in referenced
            )
        except UnmappedColumnError:
            pass
        else:
            return ForeignKeyTarget(columns, related.class_, attributes, table, targets)
    return ForeignKeyTarget(columns, None, (), table, targets)


def _mapper_of_table(mapper: Any, table: Any) -> Any:
    """The mapper of ``mapper``'s registry whose own table is ``table``: the base class
    when several share it (single-table inheritance), and among unrelated classes that
    map the same table, the first by name."""
    candidates = [
        m
        for m in mapper.registry.mappers
        if m.local_table is table and (m.inherits is None or m.inherits.local_table is not table)
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda m: (m.class_.__module__, m.class_.__qualname__))
    return candidates[0]


# ---------------------------------------------------------------- unique together


def sqlalchemy_unique_groups(model: type[Any]) -> list[tuple[str, ...]]:
    """The sets of two or more mapped columns that are unique together, by attribute
    name: composite primary keys, unique constraints and unique indexes of plain
    columns, on every table the class maps."""
    from sqlalchemy import Column, PrimaryKeyConstraint, UniqueConstraint, inspect
    from sqlalchemy.orm.exc import UnmappedColumnError

    mapper = inspect(model)
    declared: list[list[Any]] = []
    for table in mapper.tables:
        declared.extend(
            list(constraint.columns)
            for constraint in getattr(table, "constraints", ())
            if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint))
        )
        declared.extend(
            list(index.expressions) for index in getattr(table, "indexes", ()) if index.unique
        )
    groups: list[tuple[str, ...]] = []
    for columns in declared:
        if len(columns) < 2 or not all(isinstance(c, Column) for c in columns):
            continue
        try:
            names = [str(mapper.get_property_by_column(c).key) for c in columns]
        except UnmappedColumnError:
            continue
        group = tuple(dict.fromkeys(names))
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups
