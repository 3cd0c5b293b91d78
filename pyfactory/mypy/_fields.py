"""The fields of a model as the mypy plugin sees them: the keywords that making it
takes, with their types (dataclasses, attrs, NamedTuples, plain classes and
SQLAlchemy's mapped classes).

Layer: above :mod:`pyfactory.mypy._paths`; imports mypy and that module only.
"""

from __future__ import annotations

from mypy.expandtype import expand_type_by_instance
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_POS,
    ARG_STAR2,
    Decorator,
    FuncDef,
    OverloadedFuncDef,
    TypeInfo,
    Var,
)
from mypy.types import CallableType, Instance, TupleType, Type, get_proper_type, has_type_vars

from pyfactory.mypy._paths import MAPPED, Fields


def _instance(typ: Type) -> Instance | None:
    """An instance type, a NamedTuple's included; None for another type."""
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType):
        proper = proper.partial_fallback
    return proper if isinstance(proper, Instance) else None


def fields_of(model: Instance) -> Fields | None:
    """The keywords that making ``model`` takes, with their types; None when it takes
    any keyword, or when what it takes cannot be known."""
    info = model.type
    if info.fallback_to_any:
        return None
    if info.typeddict_type is not None:
        return dict(info.typeddict_type.items)
    mapped = _mapped_fields(info)
    if mapped is not None:
        return mapped
    # The class's own constructor: a plain ``__init__``, or the one that mypy's
    # dataclasses, attrs and dataclass_transform (pydantic, msgspec...) support
    # writes, or a NamedTuple's ``__new__``.
    owner = next(cls for cls in info.mro if "__init__" in cls.names or "__new__" in cls.names)
    if owner.fullname == "builtins.object":
        return {}
    node = owner.names["__init__" if "__init__" in owner.names else "__new__"].node
    declared = node.type if isinstance(node, (FuncDef, OverloadedFuncDef)) else None
    if declared is None and isinstance(node, FuncDef):
        # A constructor without annotations: its names are known, not their types.
        return {
            arg.variable.name: None
            for arg in node.arguments[1:]
            if arg.kind in (ARG_POS, ARG_OPT, ARG_NAMED, ARG_NAMED_OPT) and not arg.pos_only
        }
    signature = get_proper_type(declared)
    if not isinstance(signature, CallableType) or ARG_STAR2 in signature.arg_kinds:
        return None
    as_owner = map_instance_to_supertype(model, owner)
    fields: Fields = {}
    for name, kind, typ in zip(
        signature.arg_names[1:], signature.arg_kinds[1:], signature.arg_types[1:], strict=True
    ):
        if name is not None and kind in (ARG_POS, ARG_OPT, ARG_NAMED, ARG_NAMED_OPT):
            field = expand_type_by_instance(typ, as_owner)
            fields[name] = None if has_type_vars(field) else field
    # pyfactory gives a field that the constructor takes under an alias (pydantic,
    # attrs) by its name too.
    for cls in info.mro:
        for plugin_key in ("dataclass", "attrs"):
            for attribute in cls.metadata.get(plugin_key, {}).get("attributes", ()):
                name = attribute["name"]
                # attrs leaves the alias out where it is the name without its underscores.
                alias = attribute.get("alias") or name.lstrip("_")
                if alias in fields and name not in fields:
                    fields[name] = fields[alias]
    return fields


def _mapped_fields(info: TypeInfo) -> Fields | None:
    """A SQLAlchemy model's mapped columns and relationships (``Mapped[...]`` and
    ``Column[...]`` attributes) and properties; None for a class that maps none."""
    fields: Fields = {}
    mapped = False
    for cls in info.mro:
        if cls.fullname.startswith(("sqlalchemy.", "builtins.")):
            continue
        for name, sym in cls.names.items():
            if name in fields or name.startswith("_"):
                continue
            node = sym.node
            if isinstance(node, Var):
                typ = get_proper_type(node.type)
                base = (
                    next((b for b in typ.type.mro if b.fullname in MAPPED), None)
                    if isinstance(typ, Instance)
                    else None
                )
                if base is not None:
                    assert isinstance(typ, Instance)
                    mapped = True
                    args = map_instance_to_supertype(typ, base).args
                    fields[name] = args[0] if args and not has_type_vars(args[0]) else None
            elif isinstance(node, (Decorator, OverloadedFuncDef)):
                # A property with a setter, or a hybrid: SQLAlchemy's constructor sets
                # any attribute of the class.
                fields[name] = None
    return fields if mapped else None
