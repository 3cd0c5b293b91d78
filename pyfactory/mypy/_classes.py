"""What a factory class defines, read while mypy analyses the class (its ``@schema()``
and ``@trait()`` methods, the keys their dicts visibly hold, ``_default_schema`` and
``_model``) and kept in the class's mypy metadata; and :class:`FactoryFacts`, the
schemas, traits and model of a factory with those of its bases.

Layer: above :mod:`pyfactory.mypy._fields`; imports mypy, ``_paths`` and ``_fields``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mypy.errors import Errors
from mypy.fastparse import parse
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ClassDef,
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
    MemberExpr,
    MypyFile,
    NameExpr,
    OperatorAssignmentStmt,
    PassStmt,
    RefExpr,
    ReturnStmt,
    Statement,
    StrExpr,
    SuperExpr,
    TryStmt,
    TypeInfo,
    WhileStmt,
    WithStmt,
)
from mypy.options import Options
from mypy.plugin import ClassDefContext, Plugin, SemanticAnalyzerPluginInterface
from mypy.types import Instance
from mypy.typevars import fill_typevars_with_any

from pyfactory.mypy._fields import _instance, fields_of
from pyfactory.mypy._paths import (
    CHILD_FUNCTIONS,
    CHILD_OPTIONS,
    CORE,
    FACTORY,
    METADATA_KEY,
    SCHEMA_DECORATOR,
    TRAIT_DECORATOR,
    Child,
    Definition,
    Fields,
)

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

    def __init__(self, func: FuncDef, resolve: Callable[[Expression], str | None]) -> None:
        self.this = func.arguments[0].variable.name if func.arguments else ""
        self.body = _Body(func)
        self.resolve = resolve
        self.keys: set[str] = set()
        self.refs: list[list[str]] = []
        self.children: dict[str, Child | None] = {}
        self.known = self.body.readable and bool(self.body.returns)

    def read(self) -> Definition:
        for expr in self.body.returns:
            if isinstance(expr, NameExpr):
                self.add_local(expr.name)
            else:
                self.add_value(expr)
        return {
            "keys": sorted(self.keys) if self.known else None,
            "refs": self.refs,
            "children": self.children,
        }

    def add_key(self, key: str, value: Expression | None) -> None:
        self.keys.add(key)
        self.children[key] = None if value is None else self.child_of(value)

    def child_of(self, value: Expression) -> Child | None:
        """What ``association(ChildFactory, "schema", "trait", key=...)`` or ``many(...)``
        makes; None for another value, or a child factory not named by its class."""
        if not (
            isinstance(value, CallExpr)
            and value.args
            and value.arg_kinds[0] == ARG_POS
            and self.resolve(value.callee) in CHILD_FUNCTIONS
        ):
            return None
        target = value.args[0]
        if isinstance(target, CallExpr) and not target.args:  # an instance: UserFactory()
            target = target.callee
        factory = self.resolve(target)
        if factory is None:
            return None
        child: Child = {"factory": factory, "schema": None, "traits": [], "keys": []}
        rest = zip(value.args[1:], value.arg_kinds[1:], value.arg_names[1:], strict=True)
        for index, (arg, kind, name) in enumerate(rest):
            if kind == ARG_NAMED and name is not None:
                if name not in CHILD_OPTIONS:
                    child["keys"].append(name)
            elif kind != ARG_POS:  # a *names or **overrides splat: not known
                child["schema"] = True
            elif index == 0 and isinstance(arg, StrExpr):
                child["schema"] = arg.value
            elif index == 0:  # None is the default schema; anything else is not known
                if not (isinstance(arg, NameExpr) and arg.name == "None"):
                    child["schema"] = True
            elif not isinstance(arg, StrExpr):  # a trait not known statically
                child["traits"] = None
            elif child["traits"] is not None:
                child["traits"].append(arg.value)
        return child

    def add_value(self, expr: Expression | None) -> None:
        if isinstance(expr, DictExpr):
            for key, value in expr.items:
                if key is None:  # {**self.schema("basic"), ...}
                    self.add_value(value)
                elif isinstance(key, StrExpr):
                    self.add_key(key.value, value)
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
                        rvalue = stmt.rvalue if isinstance(stmt, AssignmentStmt) else None
                        self.add_key(target.index.value, rvalue)
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
                    self.add_key(key, arg)
                elif kind == ARG_POS and isinstance(arg, DictExpr):
                    self.add_value(arg)
                else:
                    self.known = False
        elif method == "setdefault" and expr.args and isinstance(expr.args[0], StrExpr):
            # The key may hold something else already: no child is known for it.
            self.add_key(expr.args[0].value, None)
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


def _dotted(expr: Expression) -> str | None:
    """``name`` or ``module.name`` as written; None for another expression."""
    if isinstance(expr, NameExpr):
        return expr.name
    if isinstance(expr, MemberExpr):
        base = _dotted(expr.expr)
        return None if base is None else f"{base}.{expr.name}"
    return None


def _resolver(ctx: ClassDefContext) -> Callable[[Expression], str | None]:
    """The full name of what a name in the class body refers to. A body that mypy
    analysed has it on the name; a body parsed again here (see :func:`_full_bodies`)
    is looked up in the class's scope."""

    def resolve(expr: Expression) -> str | None:
        if isinstance(expr, RefExpr) and expr.fullname:
            return expr.fullname
        name = _dotted(expr)
        found = None if name is None else ctx.api.lookup_qualified(name, ctx.cls, True)
        return None if found is None or found.node is None else found.node.fullname

    return resolve


#: Files parsed again by :func:`_full_bodies`, by path, modification time and size: a
#: module of many factories is parsed once, and again only once it changes (dmypy).
_PARSED: dict[tuple[str, int, int], MypyFile] = {}


def _parsed(path: str, python_version: tuple[int, int]) -> MypyFile:
    stat = Path(path).stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        options = Options()
        options.python_version = python_version
        source = Path(path).read_text(encoding="utf-8")
        _PARSED[key] = parse(source, path, None, Errors(options), options)
    return _PARSED[key]


def _full_bodies(api: SemanticAnalyzerPluginInterface, cls: ClassDef) -> dict[str, FuncDef]:
    """The methods of ``cls`` with their bodies, parsed again from its file.

    Where mypy reports no error in a module (``follow_imports = silent``, a
    ``[mypy-factories]`` section with ``ignore_errors``, installed packages), it
    parses the module without its function bodies, which are never checked there.
    The keys of a schema are read from its body, so the file is parsed again, whole.
    """
    module: MypyFile | None = api.modules.get(api.cur_mod_id)
    if module is None or not module.path or not Path(module.path).is_file():
        return {}
    tree = _parsed(module.path, api.options.python_version)
    found: dict[str, FuncDef] = {}
    stack: list[Statement] = list(tree.defs)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ClassDef) and stmt.line == cls.line and stmt.name == cls.name:
            for inner in stmt.defs.body:
                if isinstance(inner, Decorator):
                    found[inner.func.name] = inner.func
            return found
        if isinstance(stmt, ClassDef):
            stack.extend(stmt.defs.body)
        elif isinstance(stmt, IfStmt):
            stack.extend(s for block in [*stmt.body, stmt.else_body] if block for s in block.body)
    return found


def describe_class(ctx: ClassDefContext) -> dict[str, Any]:
    """What one factory class itself defines, as metadata mypy can cache (JSON).

    ``schemas`` and ``traits`` map names to :data:`Definition`; ``default`` is
    ``_default_schema`` (None, a name, or True for a value not known statically) when
    the class sets it; ``model`` the full name of the class ``_model`` names;
    ``abstract`` whether the class sets ``_abstract`` to something other than False.
    """
    info = ctx.cls.info
    data: dict[str, Any] = {"schemas": {}, "traits": {}}
    resolve = _resolver(ctx)
    bodies: dict[str, FuncDef] | None = None
    for stmt in info.defn.defs.body:
        if isinstance(stmt, Decorator):
            kind = _kind_of(stmt)
            if kind is not None:
                func = stmt.func
                if not func.body.body:  # parsed without its body: no method has none
                    bodies = _full_bodies(ctx.api, ctx.cls) if bodies is None else bodies
                    func = bodies.get(func.name, func)
                data[kind][stmt.func.name] = _Keys(func, resolve).read()
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
    ctx.cls.info.metadata[METADATA_KEY] = describe_class(ctx)


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
            and not cls.fullname.startswith(CORE)  # Factory's own layers declare no schema
            and any(
                name == "_default_schema" or _may_mark(sym.node) for name, sym in cls.names.items()
            )
            for cls in instance.type.mro
        )
        #: ``_default_schema``: None for none, True for one not known statically.
        self.default: str | bool | None = next(
            (data["default"] for data in self.mro if "default" in data), None
        )

    def keys(self, kind: str, name: str) -> set[str] | None:
        """The keys of schema or trait ``name`` (``kind`` ``"schemas"`` or ``"traits"``);
        None when they cannot be known."""
        made = self.made_of(kind, name, 0, frozenset())
        return None if made is None else {key for data in made for key in data["keys"]}

    def children(self, kind: str, name: str) -> dict[str, Child | None]:
        """The children that the keys of schema or trait ``name`` visibly make (its own
        win over those of the dicts it extends); empty when they cannot be known."""
        found: dict[str, Child | None] = {}
        for data in self.made_of(kind, name, 0, frozenset()) or ():
            found.update(data.get("children", {}))
        return found

    def made_of(
        self, kind: str, name: str, start: int, seen: frozenset[Any]
    ) -> list[Definition] | None:
        """The definitions of schema or trait ``name``, found from class ``start`` of
        the MRO on, and of the dicts it extends, those first; None when one of them
        cannot be known."""
        for index in range(start, len(self.mro)):
            definition = self.mro[index][kind].get(name)
            if definition is None:
                continue
            if (kind, name, index) in seen or definition["keys"] is None:
                return None
            seen |= {(kind, name, index)}
            made: list[Definition] = []
            for via, ref in definition["refs"]:
                if via == "trait":
                    more = self.made_of("traits", ref, 0, seen)
                elif via == "super" or ref == name:
                    # Inside schema "x", ``self.schema("x")`` is the parent's "x" too.
                    more = self.made_of("schemas", ref, index + 1, seen)
                else:
                    more = self.made_of("schemas", ref, 0, seen)
                if more is None:
                    return None
                made += more
            return [*made, definition]
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
