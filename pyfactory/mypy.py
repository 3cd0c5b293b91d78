"""A mypy plugin that checks factory calls where they are written: schema and trait
names, override keywords and override values.

Enable it in the mypy configuration::

    [tool.mypy]
    plugins = ["pyfactory.mypy"]

What a factory class defines is read while mypy analyses the class (its
``@schema()`` and ``@trait()`` methods, the keys their dicts visibly hold,
``_default_schema`` and ``_model``) and kept in the class's mypy metadata, so it
survives mypy's cache. A call is then checked against that and against what the
model's own type information says its fields are. Whatever cannot be known
statically (a schema name held in a ``str`` variable, a factory of type ``Any``, a
``**kwargs`` splat, a schema whose keys come from a function call) is accepted: the
plugin only reports what is certainly wrong.

Only mypy imports this module; ``import pyfactory`` never does.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from mypy.checkexpr import has_any_type, has_uninhabited_component
from mypy.errorcodes import ErrorCode
from mypy.expandtype import expand_type_by_instance
from mypy.join import join_type_list
from mypy.maptype import map_instance_to_supertype
from mypy.messages import format_type
from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_POS,
    ARG_STAR,
    ARG_STAR2,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ContinueStmt,
    Decorator,
    DelStmt,
    DictExpr,
    Expression,
    ExpressionStmt,
    ForStmt,
    FuncDef,
    IfStmt,
    IndexExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OverloadedFuncDef,
    PassStmt,
    RefExpr,
    ReturnStmt,
    SetExpr,
    StarExpr,
    Statement,
    StrExpr,
    SuperExpr,
    TryStmt,
    TypeInfo,
    Var,
    WhileStmt,
    WithStmt,
)
from mypy.plugin import (
    AttributeContext,
    ClassDefContext,
    FunctionContext,
    MethodContext,
    Plugin,
    ReportConfigContext,
)
from mypy.subtypes import is_subtype
from mypy.typeops import bind_self, try_getting_str_literals
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    TypeType,
    UnionType,
    get_proper_type,
    has_type_vars,
)
from mypy.typevars import fill_typevars_with_any

from pyfactory import __version__
from pyfactory._names import MAKE_METHODS, NoDefaultSchema, NotASchema, split_names

__all__ = [
    "OVERRIDE_CODE",
    "SCHEMA_CODE",
    "TRAIT_CODE",
    "VALUE_CODE",
    "PyfactoryPlugin",
    "plugin",
]

#: A schema name the factory does not define, or no schema where it has no default.
SCHEMA_CODE: Final = ErrorCode("pyfactory-schema", "Factory schema names", "General")
#: A trait name or trait flag the factory does not define, or a flag that is not a bool.
TRAIT_CODE: Final = ErrorCode("pyfactory-trait", "Factory trait names and flags", "General")
#: An override keyword that is no field of the model, key of the schema or trait.
OVERRIDE_CODE: Final = ErrorCode("pyfactory-override", "Factory override keywords", "General")
#: An override value whose type does not fit the model's field.
VALUE_CODE: Final = ErrorCode("pyfactory-value", "Factory override values", "General")

# What the plugin knows pyfactory and SQLAlchemy by: the full names mypy gives their
# classes and functions, which are where each is defined, private modules included.
# They are all here; a test (tests/test_names.py) imports each, so one that moves
# breaks that test rather than silently switching a check off.
FACTORY: Final = "pyfactory._factory.Factory"
SPECIAL_FIELD: Final = "pyfactory.fields.SpecialField"
OMIT_TYPE: Final = "pyfactory.fields._Omit"
SCHEMA_DECORATOR: Final = "pyfactory._core.definition.schema"
TRAIT_DECORATOR: Final = "pyfactory._core.definition.trait"
METADATA_KEY: Final = "pyfactory"

#: The factory methods checked, with whether they take a count after the schema.
METHODS: Final = MAKE_METHODS
#: The functions whose first argument is a factory, with whether their override values
#: are checked against the child's model (a graph node's may be ``ref(...)`` instead).
FUNCTIONS: Final = {
    "pyfactory.fields.association": True,
    "pyfactory.fields.many": True,
    "pyfactory._graph.node": False,
    "pyfactory._graph.nodes": False,
}
#: SQLAlchemy's attribute types whose first type argument is a mapped field's type.
MAPPED: Final = ("sqlalchemy.orm.base.Mapped", "sqlalchemy.sql.schema.Column")

#: A model's fields: name → type, or None where the type is not known.
Fields = dict[str, "Type | None"]
#: A schema or trait as metadata: ``keys`` (sorted, or None when they cannot be known)
#: and ``refs``, the other dicts it extends: ``[via, name]`` with via ``"self"``,
#: ``"super"`` (schemas) or ``"trait"``.
Definition = dict[str, Any]


# --------------------------------------------------------------- class analysis
#
# This runs while mypy analyses a factory class, so it reads the syntax of the class
# body. The result goes to ``info.metadata``, which mypy writes to its cache: a class
# read back from the cache has no body left to read.


class _Body:
    """A function's return statements and plain statements, nested blocks included, and
    every use of each name in them."""

    def __init__(self, func: FuncDef) -> None:
        self.returns: list[Expression | None] = []
        self.statements: list[AssignmentStmt | ExpressionStmt | DelStmt] = []
        self.uses: dict[str, list[NameExpr]] = {}
        #: False when the body holds a statement this reading does not follow.
        self.readable = True
        self.walk(func.body)

    def walk(self, stmt: Statement) -> None:
        exprs: list[Expression | None] = []
        blocks: list[Block | None] = []
        if isinstance(stmt, Block):
            blocks = [stmt]
        elif isinstance(stmt, ReturnStmt):
            self.returns.append(stmt.expr)
            exprs = [stmt.expr]
        elif isinstance(stmt, AssignmentStmt):
            self.statements.append(stmt)
            exprs = [*stmt.lvalues, stmt.rvalue]
        elif isinstance(stmt, (ExpressionStmt, DelStmt)):
            self.statements.append(stmt)
            exprs = [stmt.expr]
        elif isinstance(stmt, OperatorAssignmentStmt):
            exprs = [stmt.lvalue, stmt.rvalue]
        elif isinstance(stmt, IfStmt):
            exprs = list(stmt.expr)
            blocks = [*stmt.body, stmt.else_body]
        elif isinstance(stmt, ForStmt):
            exprs = [stmt.index, stmt.expr]
            blocks = [stmt.body, stmt.else_body]
        elif isinstance(stmt, WhileStmt):
            exprs = [stmt.expr]
            blocks = [stmt.body, stmt.else_body]
        elif isinstance(stmt, WithStmt):
            exprs = [*stmt.expr, *stmt.target]
            blocks = [stmt.body]
        elif isinstance(stmt, TryStmt):
            exprs = [*stmt.types, *stmt.vars]
            blocks = [stmt.body, *stmt.handlers, stmt.else_body, stmt.finally_body]
        elif not isinstance(stmt, (PassStmt, BreakStmt, ContinueStmt)):
            # A nested function or class, a match statement...: they may do anything
            # with the dict.
            self.readable = False
        for expr in exprs:
            if expr is not None:
                names = _names_in(expr)
                if names is None:
                    self.readable = False
                    continue
                for name in names:
                    self.uses.setdefault(name.name, []).append(name)
        for block in blocks:
            if block is not None:
                for inner in block.body:
                    self.walk(inner)


def _names_in(expr: Expression) -> list[NameExpr] | None:
    """The names ``expr`` reads; None on a mypy too old to say (before 1.19), where a
    schema that uses its dict in a statement is then taken as one whose keys are not
    known (any keyword accepted), rather than risk a false error."""
    try:
        from mypy.traverser import all_name_and_member_expressions
    except ImportError:  # pragma: no cover - the test extra installs a newer mypy
        return None
    return all_name_and_member_expressions(expr)[0]


def _schema_ref(expr: Expression, this: str) -> tuple[list[list[str]], list[str]] | None:
    """The dicts that ``self.schema("x")``, ``super().attributes("x", "trait", k=v)``
    and the like extend, and the keys their overrides add; None for another call."""
    if not isinstance(expr, CallExpr) or not expr.args or not isinstance(expr.args[0], StrExpr):
        return None
    callee = expr.callee
    if isinstance(callee, SuperExpr) and callee.name in ("schema", "attributes"):
        via = "super"
    elif (
        isinstance(callee, MemberExpr)
        and callee.name in ("schema", "attributes")
        and isinstance(callee.expr, NameExpr)
        and callee.expr.name == this
    ):
        via = "self"
    else:
        return None
    refs = [[via, expr.args[0].value]]
    keys: list[str] = []
    for arg, kind, name in zip(expr.args[1:], expr.arg_kinds[1:], expr.arg_names[1:], strict=True):
        if kind == ARG_POS and isinstance(arg, StrExpr):
            refs.append(["trait", arg.value])
        elif kind == ARG_NAMED and name is not None:
            keys.append(name)
        else:
            return None
    return refs, keys


class _Keys:
    """The keys that a schema or trait method's dict is made with, as far as they show:
    a dict literal, another schema (``self.schema("basic")``,
    ``super().attributes("basic")``), or a local name holding one of those and then
    given items (``d["k"] = v``, ``d.update(...)``)."""

    def __init__(self, func: FuncDef) -> None:
        self.this = func.arguments[0].variable.name if func.arguments else ""
        self.body = _Body(func)
        self.keys: set[str] = set()
        self.refs: list[list[str]] = []
        self.known = self.body.readable and bool(self.body.returns)

    def read(self) -> Definition:
        for expr in self.body.returns:
            if isinstance(expr, NameExpr):
                self.add_local(expr.name)
            else:
                self.add_value(expr)
        return {"keys": sorted(self.keys) if self.known else None, "refs": self.refs}

    def add_value(self, expr: Expression | None) -> None:
        if isinstance(expr, DictExpr):
            for key, value in expr.items:
                if key is None:  # {**self.schema("basic"), ...}
                    self.add_value(value)
                elif isinstance(key, StrExpr):
                    self.keys.add(key.value)
                else:
                    self.known = False
            return
        found = None if expr is None else _schema_ref(expr, self.this)
        if found is None:
            self.known = False
        else:
            self.refs.extend(found[0])
            self.keys.update(found[1])

    def add_local(self, name: str) -> None:
        followed: set[int] = set()
        for stmt in self.body.statements:
            if isinstance(stmt, ExpressionStmt):
                self.add_method_call(stmt.expr, name, followed)
                continue
            targets = stmt.lvalues if isinstance(stmt, AssignmentStmt) else [stmt.expr]
            for target in targets:
                if isinstance(target, NameExpr) and target.name == name:
                    followed.add(id(target))
                    if isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1:
                        self.add_value(stmt.rvalue)
                    else:
                        self.known = False
                elif (
                    isinstance(target, IndexExpr)
                    and isinstance(target.base, NameExpr)
                    and target.base.name == name
                ):
                    followed.add(id(target.base))
                    if isinstance(target.index, StrExpr):
                        self.keys.add(target.index.value)
                    elif isinstance(stmt, AssignmentStmt):
                        self.known = False
        for expr in self.body.returns:
            if isinstance(expr, NameExpr) and expr.name == name:
                followed.add(id(expr))
        # Any other use (handing the dict to a function, say) may add keys this
        # reading cannot see.
        if any(id(use) not in followed for use in self.body.uses.get(name, [])):
            self.known = False

    def add_method_call(self, expr: Expression, name: str, followed: set[int]) -> None:
        if not (
            isinstance(expr, CallExpr)
            and isinstance(expr.callee, MemberExpr)
            and isinstance(expr.callee.expr, NameExpr)
            and expr.callee.expr.name == name
        ):
            return
        followed.add(id(expr.callee.expr))
        method = expr.callee.name
        if method == "update":
            for arg, kind, key in zip(expr.args, expr.arg_kinds, expr.arg_names, strict=True):
                if kind == ARG_NAMED and key is not None:
                    self.keys.add(key)
                elif kind == ARG_POS and isinstance(arg, DictExpr):
                    self.add_value(arg)
                else:
                    self.known = False
        elif method == "setdefault" and expr.args and isinstance(expr.args[0], StrExpr):
            self.keys.add(expr.args[0].value)
        elif method != "pop":
            self.known = False


def _kind_of(decorator: Decorator) -> str | None:
    """``"schemas"`` or ``"traits"`` for a method marked ``@schema()`` or ``@trait()``."""
    for expr in decorator.decorators:
        if isinstance(expr, CallExpr) and isinstance(expr.callee, RefExpr):
            if expr.callee.fullname == SCHEMA_DECORATOR:
                return "schemas"
            if expr.callee.fullname == TRAIT_DECORATOR:
                return "traits"
    return None


def _may_mark(node: object) -> bool:
    """Whether a method of a class that is no factory may be a schema or a trait: it is
    marked so, or it is decorated with what a class read from mypy's cache no longer
    shows (properties, static and class methods are none)."""
    if not isinstance(node, Decorator):
        return False
    func = node.func
    if func.is_property or func.is_static or func.is_class:
        return False
    return not node.decorators or _kind_of(node) is not None


def describe_class(info: TypeInfo) -> dict[str, Any]:
    """What one factory class itself defines, as metadata mypy can cache (JSON).

    ``schemas`` and ``traits`` map names to :data:`Definition`; ``default`` is
    ``_default_schema`` (None, a name, or True for a value not known statically) when
    the class sets it; ``model`` the full name of the class ``_model`` names;
    ``abstract`` whether the class sets ``_abstract`` to something other than False.
    """
    data: dict[str, Any] = {"schemas": {}, "traits": {}}
    for stmt in info.defn.defs.body:
        if isinstance(stmt, Decorator):
            kind = _kind_of(stmt)
            if kind is not None:
                data[kind][stmt.func.name] = _Keys(stmt.func).read()
        elif (
            isinstance(stmt, AssignmentStmt)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
        ):
            name, value = stmt.lvalues[0].name, stmt.rvalue
            if name == "_default_schema":
                if isinstance(value, StrExpr):
                    data["default"] = value.value
                elif isinstance(value, NameExpr) and value.fullname == "builtins.None":
                    data["default"] = None
                else:
                    data["default"] = True
            elif name == "_model" and isinstance(value, RefExpr):
                data["model"] = value.fullname
            elif name == "_abstract":
                data["abstract"] = not (
                    isinstance(value, NameExpr) and value.fullname == "builtins.False"
                )
    return data


def _record_factory(ctx: ClassDefContext) -> None:
    # mypy may analyse a class more than once (deferrals): the last reading wins.
    ctx.cls.info.metadata[METADATA_KEY] = describe_class(ctx.cls.info)


# ------------------------------------------------------------ what a factory has


class FactoryFacts:
    """A factory class's schemas, traits and model, with those of its bases."""

    def __init__(self, instance: Instance, plugin: Plugin) -> None:
        self.instance = instance
        self.plugin = plugin
        self.name = instance.type.name
        #: The metadata of each factory class in the MRO, most derived first.
        self.mro: list[dict[str, Any]] = [
            cls.metadata[METADATA_KEY] for cls in instance.type.mro if METADATA_KEY in cls.metadata
        ]
        self.schemas = sorted({name for data in self.mro for name in data["schemas"]})
        self.traits = sorted({name for data in self.mro for name in data["traits"]})
        # pyfactory collects schemas and traits from every class of the MRO. A base
        # that is no factory (a mixin) was never read: when it has decorated methods
        # or sets _default_schema, the names cannot be known.
        self.names_known = not any(
            not cls.has_base(FACTORY)
            and any(
                name == "_default_schema" or _may_mark(sym.node) for name, sym in cls.names.items()
            )
            for cls in instance.type.mro
        )
        #: ``_default_schema``: None for none, True for one not known statically.
        self.default: str | bool | None = next(
            (data["default"] for data in self.mro if "default" in data), None
        )

    def keys(
        self, kind: str, name: str, start: int = 0, seen: frozenset[Any] = frozenset()
    ) -> set[str] | None:
        """The keys of schema or trait ``name`` (``kind`` ``"schemas"`` or ``"traits"``),
        found from class ``start`` of the MRO on; None when they cannot be known."""
        for index in range(start, len(self.mro)):
            definition = self.mro[index][kind].get(name)
            if definition is None:
                continue
            if (kind, name, index) in seen or definition["keys"] is None:
                return None
            keys = set(definition["keys"])
            seen |= {(kind, name, index)}
            for via, ref in definition["refs"]:
                if via == "trait":
                    more = self.keys("traits", ref, 0, seen)
                elif via == "super" or ref == name:
                    # Inside schema "x", ``self.schema("x")`` is the parent's "x" too.
                    more = self.keys("schemas", ref, index + 1, seen)
                else:
                    more = self.keys("schemas", ref, 0, seen)
                if more is None:
                    return None
                keys |= more
            return keys
        return None

    def model_fields(self) -> Fields | None:
        """The model's fields; None when it takes any keyword or is not known."""
        factory = next(cls for cls in self.instance.type.mro if cls.fullname == FACTORY)
        args = map_instance_to_supertype(self.instance, factory).args
        model = _instance(args[0]) if args else None
        if model is None:
            # ``Factory`` without its type argument: the class that ``_model`` names.
            fullname = next((data["model"] for data in self.mro if "model" in data), None)
            node = None if fullname is None else self.plugin.lookup_fully_qualified(fullname)
            if node is None or not isinstance(node.node, TypeInfo):
                return None
            model = _instance(fill_typevars_with_any(node.node))
        return None if model is None else fields_of(model)


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


# ----------------------------------------------------------------- call checks


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in sorted(names)) or "none"


def _value_type(typ: Type) -> Type:
    """The type of what a value gives once resolved: ``LazyField[str]`` gives ``str``,
    inside lists, tuples and dicts too, as the resolver resolves special fields there."""
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        if proper.type.has_base(SPECIAL_FIELD):
            base = next(b for b in proper.type.mro if b.fullname == SPECIAL_FIELD)
            return _value_type(map_instance_to_supertype(proper, base).args[0])
        return proper.copy_modified(args=[_value_type(arg) for arg in proper.args])
    if isinstance(proper, TupleType):
        return proper.copy_modified(items=[_value_type(item) for item in proper.items])
    if isinstance(proper, UnionType):
        return UnionType.make_union([_value_type(item) for item in proper.items])
    return proper


class _Call:
    """One call of a factory method, or of a function whose first argument is a factory."""

    def __init__(
        self,
        ctx: MethodContext | FunctionContext,
        facts: FactoryFacts,
        *,
        skip: int = 0,
        batch: bool = False,
        check_values: bool = True,
        new_keys: bool = False,
    ) -> None:
        self.ctx = ctx
        self.facts = facts
        self.check_values = check_values
        #: Overrides may add keys of their own (``attributes()`` inside a schema).
        self.new_keys = new_keys
        self.schema: tuple[Expression, Type] | None = None
        self.traits: list[tuple[Expression, Type]] = []
        self.overrides: list[tuple[str, Expression, Type]] = []
        #: A ``*names`` splat: which traits, or which schema, is not known.
        self.splat = False
        formals = set(ctx.callee_arg_names) - {None}
        # Positional-only formals have no name: the factory (for a function, skipped),
        # then the schema, then the count for a batch form, up to ``*traits``.
        positional = [
            index
            for index, formal in enumerate(ctx.callee_arg_names)
            if formal is None and index >= skip
        ]
        schema_at = positional[0] if len(positional) > batch else None
        for index, formal in enumerate(ctx.callee_arg_names):
            for expr, kind, name, typ in zip(
                ctx.args[index],
                ctx.arg_kinds[index],
                ctx.arg_names[index],
                ctx.arg_types[index],
                strict=True,
            ):
                if index < skip:
                    continue
                if kind == ARG_STAR:
                    self.splat = True
                elif kind == ARG_NAMED and name is not None and name not in formals:
                    self.overrides.append((name, expr, typ))
                elif kind == ARG_POS and index == schema_at:
                    self.schema = (expr, typ)
                elif kind == ARG_POS and formal == "traits":
                    self.traits.append((expr, typ))

    def fail(self, message: str, context: Expression | None, code: ErrorCode) -> None:
        self.ctx.api.fail(message, context or self.ctx.context, code=code)

    def check(self) -> None:
        """Report the first wrong schema or trait name, or every wrong override."""
        facts = self.facts
        if not facts.names_known:
            self.check_overrides(None, None)
            return
        schema: str | None = None
        traits: list[str] | None = []
        if self.schema is not None:
            expr, typ = self.schema
            firsts = try_getting_str_literals(expr, typ) or []
            for name in firsts:
                try:
                    found = self.split(name)
                except NotASchema:
                    self.fail(
                        f"{facts.name} has no schema {_quoted([name])}; "
                        f"its schemas are: {_quoted(facts.schemas)}",
                        expr,
                        SCHEMA_CODE,
                    )
                    return
                if len(firsts) == 1:  # a trait may stand first, after the default schema
                    schema, traits = found
        elif not self.splat:
            try:
                schema, traits = self.split(None)
            except NoDefaultSchema:
                self.fail(
                    f"{facts.name} has no _default_schema, so name a schema: "
                    f"{_quoted(facts.schemas)}",
                    None,
                    SCHEMA_CODE,
                )
                return
        for expr, typ in self.traits:
            names = try_getting_str_literals(expr, typ)
            wrong = [name for name in names or () if name not in facts.traits]
            if wrong:
                self.fail(
                    f"{facts.name} has no trait {_quoted(wrong[:1])}; "
                    f"its traits are: {_quoted(facts.traits)}",
                    expr,
                    TRAIT_CODE,
                )
                return
            if traits is not None and names is not None and len(names) == 1:
                traits.append(names[0])
            else:
                traits = None
        self.check_overrides(schema, None if self.splat else traits)

    def split(self, first: str | None) -> tuple[str | None, list[str]]:
        """The schema (None where it is not known statically) and the traits that the
        name in the schema's place gives; raises as :func:`split_names` does."""
        facts = self.facts
        schema, traits = split_names(first, (), facts.schemas, facts.traits, facts.default)
        return (schema if isinstance(schema, str) else None), list(traits)

    def check_overrides(self, schema: str | None, traits: list[str] | None) -> None:
        facts = self.facts
        api = self.ctx.api
        boolean = api.named_generic_type("builtins.bool", [])
        keys: set[str] | None = None
        if schema is not None and traits is not None:
            keys = facts.keys("schemas", schema)
        fields: Fields | None = None
        if not self.new_keys and keys is not None:
            fields = facts.model_fields()
        elif self.check_values:
            # Names are not checked, but a model field's value still is.
            fields = facts.model_fields() or {}
            keys = None
        for name, expr, typ in self.overrides:
            if name in facts.traits:
                if traits is not None:
                    traits.append(name)
                if not is_subtype(typ, boolean):
                    self.fail(
                        f"{facts.name} trait flag {_quoted([name])} takes True or False, "
                        f"not {format_type(typ, api.options)}",
                        expr,
                        TRAIT_CODE,
                    )
        for trait in traits or ():
            more = facts.keys("traits", trait)
            keys = None if keys is None or more is None else keys | more
        for name, expr, typ in self.overrides:
            if name in facts.traits:
                continue
            # A ``key__field`` override goes to the child that ``key`` makes.
            head = name.split("__", 1)[0] if "__" in name.strip("_") else name
            if fields is None or head in fields:
                if head == name and fields is not None and self.check_values:
                    self.check_value(name, fields[name], expr, typ)
            elif keys is not None and head not in keys:
                have = f"its fields are: {_quoted(set(fields) | keys)}"
                if facts.traits:
                    have += f"; its traits are: {_quoted(facts.traits)}"
                within = f" (in {_quoted([name])})" if head != name else ""
                self.fail(
                    f'{facts.name} has no field "{head}"{within} in schema "{schema}"; {have}',
                    expr,
                    OVERRIDE_CODE,
                )

    def alone(self, expr: Expression) -> Type:
        """What ``expr`` gives, inferred without a context; Any where that leaves a part
        unknown (``transient([])`` holds ``list[Never]``)."""
        value = _value_type(self.ctx.api.get_expression_type(expr))
        return AnyType(TypeOfAny.special_form) if has_uninhabited_component(value) else value

    def display_type(self, expr: Expression) -> Type | None:
        """The type of a list, set or dict display from the values its items give; None
        for another expression, an empty display or one with a ``*`` or ``**`` item."""
        api = self.ctx.api
        if isinstance(expr, (ListExpr, SetExpr)):
            if not expr.items or any(isinstance(item, StarExpr) for item in expr.items):
                return None
            name = "builtins.list" if isinstance(expr, ListExpr) else "builtins.set"
            return api.named_generic_type(name, [self.join(expr.items)])
        if isinstance(expr, DictExpr) and expr.items:
            keys = [key for key, _ in expr.items if key is not None]
            if len(keys) != len(expr.items):
                return None
            values = [value for _, value in expr.items]
            return api.named_generic_type("builtins.dict", [self.join(keys), self.join(values)])
        return None

    def join(self, items: list[Expression]) -> Type:
        return join_type_list([self.display_type(item) or self.alone(item) for item in items])

    def check_value(self, name: str, field: Type | None, expr: Expression, typ: Type) -> None:
        proper = get_proper_type(typ)
        if (
            field is None
            or isinstance(proper, AnyType)
            or (isinstance(proper, Instance) and proper.type.fullname == OMIT_TYPE)
        ):
            return
        # A keyword of ``**overrides: Any`` is inferred in an Any context, where
        # ``lazy(lambda a: "x")`` is ``LazyField[Any]`` and ``[1]`` is ``list[Any]``:
        # such values are inferred again on their own.
        value = self.display_type(expr) or _value_type(typ)
        if (
            isinstance(proper, Instance)
            and proper.type.has_base(SPECIAL_FIELD)
            and has_any_type(value)
        ):
            value = self.alone(expr)
        if is_subtype(value, field):
            return
        options = self.ctx.api.options
        self.fail(
            f"{self.facts.name} field {_quoted([name])} takes {format_type(field, options)}, "
            f"not {format_type(value, options)}",
            expr,
            VALUE_CODE,
        )


def _factory_instance(typ: Type) -> Instance | None:
    """The factory behind a class object, ``type[F]`` or an instance; None for another
    type, for ``Factory`` itself and for a factory with a base of type ``Any``."""
    proper = get_proper_type(typ)
    if isinstance(proper, FunctionLike) and proper.is_type_obj():
        proper = get_proper_type(fill_typevars_with_any(proper.type_object()))
    elif isinstance(proper, TypeType):
        proper = get_proper_type(proper.item)
    if not isinstance(proper, Instance) or proper.type.fallback_to_any:
        return None
    factories = [
        cls for cls in proper.type.mro if cls.fullname != FACTORY and cls.has_base(FACTORY)
    ]
    # Factory itself, a factory class that the class hook never saw (made by a call of
    # type()...), and an abstract one (its concrete subclasses add the schemas) give
    # no facts to check a call against.
    if (
        not factories
        or any(METADATA_KEY not in cls.metadata for cls in factories)
        or factories[0].metadata[METADATA_KEY].get("abstract", False)
    ):
        return None
    return proper


def _receiver_is_self(ctx: MethodContext) -> bool:
    """Whether the call is ``self.attributes(...)``, which inside a schema method
    extends the dict with keys of its own. (mypy checks ``super().attributes(...)``
    without the method hooks.)"""
    callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
    return (
        isinstance(callee, MemberExpr)
        and isinstance(callee.expr, NameExpr)
        and isinstance(callee.expr.node, Var)
        and callee.expr.node.is_self
    )


class PyfactoryPlugin(Plugin):
    """Checks the calls of factory methods, :func:`~pyfactory.association`,
    :func:`~pyfactory.many`, :func:`~pyfactory.node` and :func:`~pyfactory.nodes`.

    .. versionadded:: 0.1
    """

    def report_config_data(self, ctx: ReportConfigContext) -> dict[str, str]:
        # What the class hook writes to mypy's cache depends on pyfactory's version: a
        # cache written with another version is not trusted.
        del ctx
        return {"pyfactory": __version__}

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        node = self.lookup_fully_qualified(fullname)
        if node is not None and isinstance(node.node, TypeInfo) and node.node.has_base(FACTORY):
            return _record_factory
        return None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        # mypy names the method after the receiver's class (``mod.UserFactory.build``);
        # the hook finds out whether that class is a factory.
        method = fullname.rpartition(".")[2]
        if method in METHODS:
            return lambda ctx: self.check_method(ctx, batch=METHODS[method])
        return None

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        # On the class, a method that makes objects runs on a new instance
        # (``UserFactory.build("basic")``, see pyfactory._factory._OnClass): it is
        # typed as bound to one.
        if fullname.rpartition(".")[2] in METHODS:
            return _bound_on_class
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname in FUNCTIONS:
            check_values = FUNCTIONS[fullname]
            return lambda ctx: self.check_function(ctx, check_values=check_values)
        return None

    def check_method(self, ctx: MethodContext, *, batch: bool) -> Type:
        instance = _factory_instance(ctx.type)
        if instance is not None:
            facts = FactoryFacts(instance, self)
            _Call(ctx, facts, batch=batch, new_keys=_receiver_is_self(ctx)).check()
        return ctx.default_return_type

    def check_function(self, ctx: FunctionContext, *, check_values: bool) -> Type:
        if ctx.arg_types and ctx.arg_types[0] and ctx.arg_kinds[0][0] == ARG_POS:
            instance = _factory_instance(ctx.arg_types[0][0])
            if instance is not None:
                facts = FactoryFacts(instance, self)
                _Call(ctx, facts, skip=1, check_values=check_values).check()
        return ctx.default_return_type


def _bound_on_class(ctx: AttributeContext) -> Type:
    """The type of ``UserFactory.build``: the method bound to a new ``UserFactory``."""
    receiver = get_proper_type(ctx.type)
    method = get_proper_type(ctx.default_attr_type)
    if (
        ctx.is_lvalue
        or not isinstance(method, FunctionLike)
        or not isinstance(receiver, FunctionLike)
        or not receiver.is_type_obj()
    ):
        return ctx.default_attr_type
    info = receiver.type_object()
    if info.fullname != FACTORY and not info.has_base(FACTORY):
        return ctx.default_attr_type
    return bind_self(method)


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class, the same for every mypy version.

    .. versionadded:: 0.1
    """
    del version
    return PyfactoryPlugin
