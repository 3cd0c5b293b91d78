"""A database's tables as SQLAlchemy declarative classes: the ``models.py`` of
``pyfactory init --url``.

Factories need model classes, and a project that starts from its database may have
none. This writes them as sqlacodegen would, smaller: one class per table with a
primary key, a typed ``Mapped[...]`` attribute per column (``Mapped[str | None]`` for
a nullable one), and what the factories read: lengths, numeric precision, primary
keys, unique columns and groups, server defaults, foreign keys and CHECK
constraints. Relationships and plain indexes are left out: the factories link rows
by their foreign key columns, and an index says nothing of the values a row may hold.

Why not sqlacodegen: it would be a dependency for one command run once per project,
its output changes with its releases, and ours must stay what the factories and
``mypy --strict`` expect; what is needed here is a page of code.

A column of a type this does not know (a dialect's own, or one SQLAlchemy reflects
as ``NullType``) keeps its dialect type where it can be imported, and is typed
``Mapped[Any]``; the factories then say that auto-fill cannot tell its values.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from pyfactory._adopt._emit import py_str
from pyfactory._adopt.errors import (
    DatabaseUnreachableError,
    NoModelsError,
    UnsupportedDatabaseError,
)

__all__ = ["models_source", "reflect"]

#: SQLAlchemy's generic types by class name → (Python annotation, its import).
_PYTHON = {
    "Integer": ("int", None),
    "BigInteger": ("int", None),
    "SmallInteger": ("int", None),
    "String": ("str", None),
    "Text": ("str", None),
    "Unicode": ("str", None),
    "UnicodeText": ("str", None),
    "Enum": ("str", None),
    "Boolean": ("bool", None),
    "Float": ("float", None),
    "Double": ("float", None),
    "Numeric": ("decimal.Decimal", "decimal"),
    "Date": ("datetime.date", "datetime"),
    "DateTime": ("datetime.datetime", "datetime"),
    "Time": ("datetime.time", "datetime"),
    "Interval": ("datetime.timedelta", "datetime"),
    "Uuid": ("uuid.UUID", "uuid"),
    "LargeBinary": ("bytes", None),
    "JSON": ("dict[str, Any]", None),
}


def reflect(url: str, schema: str | None = None) -> Any:
    """The ``MetaData`` of the database's tables (of ``schema``, or the default one).

    Raises:
        UnsupportedDatabaseError: SQLAlchemy cannot load the URL's dialect or driver.
        DatabaseUnreachableError: The database cannot be reached.
    """
    from sqlalchemy import MetaData, create_engine

    from pyfactory._secrets import Scrubber, shown_url

    scrub = Scrubber(url).scrub
    try:
        shown = shown_url(url)
    except Exception:  # SQLAlchemy's ArgumentError, whose message repeats the text
        # Not echoed: in text that is not a URL, no rule can tell where a password is.
        raise UnsupportedDatabaseError(
            "--url is not a database URL that SQLAlchemy reads: write it as "
            "dialect+driver://user:password@host/database"
        ) from None
    try:
        engine = create_engine(url)
    except Exception as error:
        raise UnsupportedDatabaseError(
            f"cannot use the URL {shown!r}: {type(error).__name__}: {scrub(str(error))}; "
            "pyfactory init reflects through a synchronous SQLAlchemy driver that is installed"
        ) from None
    if engine.dialect.is_async:
        engine.dispose()
        raise UnsupportedDatabaseError(
            f"the URL {shown!r} names an async driver; pyfactory init reflects through a "
            "synchronous one: give its synchronous URL (sqlite://, postgresql+psycopg://)"
        )
    metadata = MetaData(schema=schema)
    try:
        with engine.connect() as connection:
            metadata.reflect(connection)
            if connection.dialect.name == "sqlite":
                _sqlite_unique_columns(connection, metadata)
    except Exception as error:
        message = scrub(str(error)).strip().splitlines()[0] if str(error).strip() else ""
        raise DatabaseUnreachableError(
            f"cannot read the tables of {shown!r}: {type(error).__name__}: {message}"
        ) from None
    finally:
        engine.dispose()
    return metadata


def _sqlite_unique_columns(connection: Any, metadata: Any) -> None:
    """Add the ``UNIQUE`` of SQLite columns to the reflected tables: SQLite keeps them
    only as automatic indexes, which SQLAlchemy's reflection leaves out, and a unique
    column is what the factories give a sequence."""
    from sqlalchemy import UniqueConstraint, inspect

    inspector = inspect(connection)
    for table in metadata.tables.values():
        known = [
            {c.name for c in constraint.columns}
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ]
        for index in inspector.get_indexes(
            table.name, schema=table.schema, include_auto_indexes=True
        ):
            names = index["column_names"]
            automatic = str(index["name"]).startswith("sqlite_autoindex_")
            if automatic and index["unique"] and set(names) not in known and None not in names:
                table.append_constraint(UniqueConstraint(*(table.c[n] for n in names)))
                known.append(set(names))


def models_source(url: str, schema: str | None = None) -> str:
    """The text of ``models.py`` for the tables of ``url``.

    Raises:
        UnsupportedDatabaseError: SQLAlchemy cannot load the URL's dialect or driver.
        DatabaseUnreachableError: The database cannot be reached.
        NoModelsError: The database has no table with a primary key.
    """
    from pyfactory._adopt._emit import Source
    from pyfactory._secrets import shown_url

    metadata = reflect(url, schema)
    tables = [t for t in metadata.sorted_tables if t.primary_key.columns]
    where = f"{shown_url(url)}" + (f", schema {schema}" if schema else "")
    if not tables:
        raise NoModelsError(f"no table with a primary key in {where}: nothing to map")
    skipped = [t.name for t in metadata.sorted_tables if not t.primary_key.columns]
    from pyfactory._adopt._emit import paragraph

    doc = (
        paragraph(f"SQLAlchemy models of the tables of {where}.", "", first=3) + "\n\n"
        "Written by ``pyfactory init --url`` from the database's own definitions, for the\n"
        "factories beside it; yours to edit (add relationships, rename classes)."
    )
    if skipped:
        doc += "\n\n" + paragraph(
            f"Not mapped, for want of a primary key: {', '.join(skipped)}.", ""
        )
    source = Source(doc)
    source.use("__future__", "annotations")
    source.use("sqlalchemy.orm", "DeclarativeBase", "Mapped", "mapped_column")
    names = _class_names([t.name for t in tables])
    classes = [_table_class(source, table, names[table.name], schema) for table in tables]
    source.add("", "", "class Base(DeclarativeBase):")
    if "unknown types" in source.flags:
        # A column SQLAlchemy has no type for is Mapped[Any], which needs a column
        # type: NullType, which passes values to the driver as they are.
        source.use("sqlalchemy.types", "NullType")
        source.add("    type_annotation_map = {Any: NullType}")
    else:
        source.add("    pass")
    for lines in classes:
        source.add("", "", *lines)
    return source.render()


def _class_names(tables: list[str]) -> dict[str, str]:
    """``EventSession`` for ``event_session``; never ``Base``, never twice."""
    names: dict[str, str] = {}
    taken = {"Base", "Any"}
    for table in tables:
        name = "".join(part[:1].upper() + part[1:] for part in re.split(r"\W+|_", table) if part)
        name = name if name.isidentifier() and not name[0].isdigit() else f"T{name}"
        while name in taken or keyword.iskeyword(name):
            name += "_"
        taken.add(name)
        names[table] = name
    return names


def _attribute(column: str, taken: set[str]) -> str:
    name = re.sub(r"\W", "_", column)
    if not name.isidentifier() or name[0].isdigit():
        name = f"c_{name}"
    while (
        keyword.iskeyword(name)
        or name in taken
        or name.startswith("_sa")
        or name
        in (
            "metadata",
            "registry",
        )
    ):
        name += "_"
    taken.add(name)
    return name


def _table_class(source: Any, table: Any, name: str, schema: str | None) -> list[str]:
    from pyfactory._adopt._emit import LINE_LENGTH, call, collection

    lines = [f"class {name}(Base):", f"    __tablename__ = {py_str(table.name)}"]
    args = _table_args(source, table, schema)
    flat = [f"{head}({', '.join(items)})" if head else items[0] for head, items in args]
    one = collection("__table_args__ = ", flat, "    ")
    if not args:
        pass
    elif all(len(line) <= LINE_LENGTH for line in one):
        lines.extend(one)
    else:  # an argument too long for its line is split as a call, as ruff does
        lines.append("    __table_args__ = (")
        for head, items in args:
            lines.extend(call(head, items, "        ", ",") if head else [f"        {items[0]},"])
        lines.append("    )")
    lines.append("")
    taken: set[str] = set()
    for column in table.columns:
        lines.extend(_column(source, table, column, taken))
    return lines


def _table_args(source: Any, table: Any, schema: str | None) -> list[tuple[str, list[str]]]:
    from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint

    args: list[tuple[str, list[str]]] = []
    for constraint in table.constraints:
        columns = [py_str(c.name) for c in getattr(constraint, "columns", ())]
        named = [f"name={py_str(constraint.name)}"] if constraint.name else []
        if isinstance(constraint, CheckConstraint):
            source.use("sqlalchemy", "CheckConstraint")
            args.append(("CheckConstraint", [py_str(str(constraint.sqltext)), *named]))
        elif isinstance(constraint, UniqueConstraint) and len(columns) > 1:
            source.use("sqlalchemy", "UniqueConstraint")
            args.append(("UniqueConstraint", [*columns, *named]))
        elif isinstance(constraint, ForeignKeyConstraint) and len(constraint.elements) > 1:
            source.use("sqlalchemy", "ForeignKeyConstraint")
            targets = [py_str(_target(e, schema)) for e in constraint.elements]
            listed = [f"[{', '.join(columns)}]", f"[{', '.join(targets)}]"]
            args.append(("ForeignKeyConstraint", [*listed, *named]))
    for index in table.indexes:
        if index.unique and len(index.columns) > 1:
            source.use("sqlalchemy", "UniqueConstraint")
            names = [py_str(c.name) for c in index.columns]
            args.append(("UniqueConstraint", [*names, f"name={py_str(str(index.name))}"]))
    # A table's constraints are a set: sorted, so that two runs write the same file.
    rank = {"UniqueConstraint": 0, "ForeignKeyConstraint": 1, "CheckConstraint": 2}
    args.sort(key=lambda arg: (rank[arg[0]], arg[1]))
    if schema:
        args.append(("", [f"{{{py_str('schema')}: {py_str(schema)}}}"]))
    return args


def _target(element: Any, schema: str | None) -> str:
    """``table.column`` of a foreign key, with the schema when the tables have one."""
    column = element.column
    table = column.table
    prefix = f"{table.schema}." if table.schema else ""
    return f"{prefix}{table.name}.{column.name}"


def _column(source: Any, table: Any, column: Any, taken: set[str]) -> list[str]:
    from pyfactory._adopt._emit import call

    attribute = _attribute(column.name, taken)
    annotation, sqltype = _types(source, column.type)
    if column.nullable and not column.primary_key:
        annotation += " | None"
    args = [] if attribute == column.name else [py_str(column.name)]
    if sqltype is not None:
        args.append(sqltype)
    fks = [fk for fk in column.foreign_keys if len(fk.constraint.elements) == 1]
    for fk in fks:
        source.use("sqlalchemy", "ForeignKey")
        args.append(f"ForeignKey({py_str(_target(fk, table.schema))})")
    generated = _generated(source, column)
    if generated is not None:
        args.append(generated)
    if column.primary_key:
        args.append("primary_key=True")
    if _unique(table, column):
        args.append("unique=True")
    default = _server_default(column)
    if default is not None:
        source.use("sqlalchemy", "text")
        args.append(f"server_default=text({py_str(default)})")
    declared = f"{attribute}: Mapped[{annotation}]"
    if not args:
        return [f"    {declared}"]
    return call(f"{declared} = mapped_column", args, "    ")


def _generated(source: Any, column: Any) -> str | None:
    """``Identity()`` or ``Computed("...")`` for a column the database fills, so that
    the factories leave it alone; ``None`` for an identity key, which
    ``primary_key=True`` makes on any database."""
    if column.computed is not None:
        source.use("sqlalchemy", "Computed")
        stored = column.computed.persisted
        extra = "" if stored is None else f", persisted={stored}"
        return f"Computed({py_str(str(column.computed.sqltext))}{extra})"
    if column.identity is not None and not column.primary_key:
        source.use("sqlalchemy", "Identity")
        return "Identity(always=True)" if column.identity.always else "Identity()"
    return None


def _server_default(column: Any) -> str | None:
    """The SQL of the column's server default; not the sequence of a serial key, which
    SQLAlchemy makes again from ``primary_key=True`` on any database."""
    if column.computed is not None or column.identity is not None:
        return None  # written as Computed() or Identity()
    default = getattr(column.server_default, "arg", None)
    text = getattr(default, "text", default)
    if not isinstance(text, str) or (column.primary_key and text.startswith("nextval(")):
        return None
    return text


def _unique(table: Any, column: Any) -> bool:
    from sqlalchemy import UniqueConstraint

    if column.primary_key:
        return False
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and list(constraint.columns) == [column]:
            return True
    return any(index.unique and list(index.columns) == [column] for index in table.indexes)


def _types(source: Any, sqltype: Any) -> tuple[str, str | None]:
    """The Python annotation of a column type, and the type to write in
    ``mapped_column`` (``None`` where the annotation's default type is the same)."""
    from sqlalchemy import types

    if isinstance(sqltype, types.ARRAY):
        item, written = _types(source, sqltype.item_type)
        source.use("sqlalchemy", "ARRAY")
        return f"list[{item}]", f"ARRAY({written or _DEFAULTS.get(item, 'String')})"
    generic = _generic(sqltype)
    if generic is None:
        source.use("typing", "Any")
        written = _dialect_type(source, sqltype)
        if written is None:
            source.flags.add("unknown types")
        return "Any", written
    name = type(generic).__name__
    annotation, module = _PYTHON[name]
    if module is not None:
        source.use(module)
    if "Any" in annotation:
        source.use("typing", "Any")
    written, imported = _written(generic)
    if written == _DEFAULTS.get(annotation):
        return annotation, None
    source.use("sqlalchemy", imported)
    return annotation, written


#: The column type that SQLAlchemy gives a ``Mapped[...]`` annotation by itself.
_DEFAULTS = {
    "int": "Integer",
    "str": "String",
    "bool": "Boolean",
    "float": "Float",
    "decimal.Decimal": "Numeric",
    "datetime.datetime": "DateTime",
    "datetime.date": "Date",
    "datetime.time": "Time",
    "datetime.timedelta": "Interval",
    "uuid.UUID": "Uuid",
    "bytes": "LargeBinary",
}


def _generic(sqltype: Any) -> Any:
    """The generic SQLAlchemy type of a reflected (dialect) type, or ``None`` when it
    has none this module knows."""
    from sqlalchemy import types

    if isinstance(sqltype, types.NullType):
        return None
    if isinstance(sqltype, types.Enum):
        # A dialect's enum (PostgreSQL's ENUM) made generic, keeping the type's name.
        return types.Enum(*sqltype.enums, name=sqltype.name, schema=sqltype.schema)
    try:
        generic = sqltype.as_generic()
    except NotImplementedError:
        return None
    if type(generic).__name__ in _PYTHON and type(generic).__module__.startswith("sqlalchemy.sql"):
        return generic
    return None


def _written(generic: Any) -> tuple[str, str]:
    """How the generic type is written in ``mapped_column`` (``String(80)``), and the
    name it imports from ``sqlalchemy``."""
    name = type(generic).__name__
    if name == "Enum":
        values = ", ".join(py_str(v) for v in generic.enums)
        label = f", name={py_str(generic.name)}" if generic.name else ""
        if generic.schema:  # PostgreSQL's type lives in a schema, as its tables do
            label += f", schema={py_str(generic.schema)}"
        return f"Enum({values}{label})", name
    if name in ("String", "Unicode") and generic.length:
        return f"{name}({generic.length})", name
    if name == "Numeric" and generic.precision is not None:
        scale = f", {generic.scale}" if generic.scale is not None else ""
        return f"Numeric({generic.precision}{scale})", name
    if name == "DateTime" and generic.timezone:
        return "DateTime(timezone=True)", name
    return name, name


def _dialect_type(source: Any, sqltype: Any) -> str | None:
    """A dialect's own type, written as its dialect module exports it (``INET()``), or
    ``None`` when it cannot be imported by name (SQLAlchemy's ``NullType``)."""
    import importlib

    klass = type(sqltype)
    module = klass.__module__
    match = re.match(r"(sqlalchemy\.dialects\.\w+)", module)
    if match is None:
        return None
    try:
        exported = getattr(importlib.import_module(match[1]), klass.__name__, None)
    except ImportError:
        return None
    written = repr(sqltype)
    # Only a type written with literal arguments, or none, can be copied as it is.
    if exported is not klass or not re.fullmatch(rf"{klass.__name__}\([^()]*\)", written):
        return None
    source.use(match[1], klass.__name__)
    return written
