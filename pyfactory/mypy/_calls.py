"""The checks of one call: a factory method's, or a function's whose first argument
is a factory (schema and trait names, override keywords down the associations they
reach, and override values), and ``register()``'s; and the calls that ask an abstract
factory for objects.

Layer: above :mod:`pyfactory.mypy._classes`; imports mypy, :mod:`pyfactory._names`
and the plugin's lower modules.
"""

from __future__ import annotations

from collections.abc import Iterable

from mypy.checkexpr import has_any_type, has_uninhabited_component
from mypy.errorcodes import ErrorCode
from mypy.join import join_type_list
from mypy.maptype import map_instance_to_supertype
from mypy.messages import format_type
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    ARG_STAR,
    CallExpr,
    DictExpr,
    Expression,
    IndexExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    RefExpr,
    SetExpr,
    StarExpr,
    StrExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import FunctionContext, MethodContext, Plugin
from mypy.subtypes import is_subtype
from mypy.typeops import try_getting_str_literals
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    TypeType,
    UnionType,
    get_proper_type,
)
from mypy.typevars import fill_typevars_with_any

from pyfactory._names import NoDefaultSchema, NotASchema, NotATrait, split_names
from pyfactory.mypy._classes import FactoryFacts
from pyfactory.mypy._paths import (
    ABSTRACT_CODE,
    FACTORY,
    METADATA_KEY,
    OMIT_TYPE,
    OVERRIDE_CODE,
    SCHEMA_CODE,
    SPECIAL_FIELD,
    TRAIT_CODE,
    VALUE_CODE,
    Fields,
)

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
        names = [name for name, _, _ in self.overrides]
        for name, expr, typ in self.overrides:
            if name in facts.traits:
                continue
            head = _head(name)
            if fields is None or head in fields:
                if head == name and fields is not None and self.check_values:
                    self.check_value(name, fields[name], expr, typ)
            elif keys is not None and head not in keys:
                self.no_field(facts, schema, keys, fields, name, head, expr)
                continue
            if head != name and schema is not None and traits is not None:
                # A ``key__field`` override goes to the child that ``key`` makes.
                self.check_child(facts, schema, traits, names, name, (facts.name, name, expr))

    def no_field(
        self,
        facts: FactoryFacts,
        schema: str | None,
        keys: set[str],
        fields: Fields,
        name: str,
        head: str,
        expr: Expression,
        within: str | None = None,
    ) -> None:
        """Report ``head`` (of override ``name``) as no field of ``facts``'s model nor key
        of its ``schema``; ``within`` names the call's own override and factory when
        ``name`` is passed down to a child."""
        have = f"its fields are: {_quoted(set(fields) | keys)}"
        if facts.traits:
            have += f"; its traits are: {_quoted(facts.traits)}"
        if within is None:
            within = f" (in {_quoted([name])})" if head != name else ""
        self.fail(
            f'{facts.name} has no field "{head}"{within} in schema "{schema}"; {have}',
            expr,
            OVERRIDE_CODE,
        )

    def check_child(
        self,
        facts: FactoryFacts,
        schema: str,
        traits: list[str],
        names: list[str],
        name: str,
        origin: tuple[str, str, Expression],
    ) -> None:
        """Check override ``head__rest`` of a call of ``facts`` (whose ``names`` are all
        the call's overrides) against the child that ``head`` makes, when its schema
        and traits show it: ``rest`` goes to that child as an override of its own, so
        its head must be a field of the child's model, a key of the child's schema or
        one of its traits, and so on down. ``origin`` is the factory, override and
        expression of the call as written, for the message."""
        head, rest = name.split("__", 1)
        made = facts.children("schemas", schema)
        for trait in traits:
            made.update(facts.children("traits", trait))
        child = made.get(head)
        # A child given outright (``author=ann``) replaces the association.
        if child is None or child["schema"] is True or child["traits"] is None or head in names:
            return
        found = _facts_of(child["factory"], facts.plugin)
        if found is None or not found.names_known:
            return
        try:
            first, more = split_names(
                child["schema"], tuple(child["traits"]), found.schemas, found.traits, found.default
            )
        except (NoDefaultSchema, NotASchema, NotATrait):
            return  # association() itself is wrong: its own check says so
        passed = [n.split("__", 1)[1] for n in names if n.startswith(f"{head}__")]
        chosen = [*more, *(n for n in passed if n in found.traits)]
        keys = None if not isinstance(first, str) else found.keys("schemas", first)
        for trait in chosen:
            extra = found.keys("traits", trait)
            keys = None if keys is None or extra is None else keys | extra
        fields = found.model_fields()
        if keys is None or fields is None or not isinstance(first, str):
            return
        keys |= set(child["keys"])
        step = _head(rest)
        if step in found.traits and step == rest:
            return  # a trait flag of the child
        if step not in fields and step not in keys:
            owner, written, expr = origin
            within = f" (in {_quoted([written])} of {owner})"
            self.no_field(found, first, keys, fields, rest, step, expr, within)
        elif step != rest:
            self.check_child(found, first, chosen, passed, rest, origin)

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


def _head(name: str) -> str:
    """The key that override ``name`` sets: ``profile`` for ``profile__bio``."""
    return name.split("__", 1)[0] if "__" in name.strip("_") else name


def _facts_of(fullname: str, plugin: Plugin) -> FactoryFacts | None:
    """What the factory class named ``fullname`` has; None where :func:`_factory_instance`
    finds nothing to check against."""
    node = plugin.lookup_fully_qualified(fullname)
    if node is None or not isinstance(node.node, TypeInfo):
        return None
    instance = _factory_instance(fill_typevars_with_any(node.node))
    return None if instance is None else FactoryFacts(instance, plugin)


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


def abstract_receiver(ctx: MethodContext) -> str | None:
    """The name of the factory class that a call makes objects with, written as
    ``Factory[User]().build()``, ``BaseFactory().build()`` or ``BaseFactory.build()``,
    when that class is abstract; None otherwise. A variable typed ``Factory[User]``
    may hold a concrete factory, so only a class named at the call is judged."""
    callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
    if not isinstance(callee, MemberExpr):
        return None
    receiver = callee.expr
    if isinstance(receiver, CallExpr):
        receiver = receiver.callee
    if isinstance(receiver, IndexExpr):  # Factory[User]
        receiver = receiver.base
    if not isinstance(receiver, RefExpr) or not isinstance(receiver.node, TypeInfo):
        return None
    return _abstract_name(receiver.node)


def _abstract_name(info: TypeInfo) -> str | None:
    """The name of factory class ``info`` when it is abstract: ``Factory`` itself, or a
    class that sets ``_abstract = True``."""
    if info.fullname == FACTORY:
        return info.name
    data = info.metadata.get(METADATA_KEY)
    return info.name if data is not None and data.get("abstract", False) else None


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


def check_register(ctx: FunctionContext, plugin: Plugin) -> Type:
    """``register(UserFactory, schema="basic", overrides={...})``: the factory makes
    objects, the schema is one of its schemas (a trait of the default is none: the
    fixture makes a schema), and the overrides' keys are what a call's keywords may
    be. Their values may be fixtures (``LazyFixture``), so only the names are checked.
    """
    given: dict[str, tuple[Expression, Type]] = {}
    for index, formal in enumerate(ctx.callee_arg_names):
        kinds = ctx.arg_kinds[index]
        if formal is not None and len(kinds) == 1 and kinds[0] in (ARG_POS, ARG_NAMED):
            given[formal] = (ctx.args[index][0], ctx.arg_types[index][0])
    if "factory" not in given:
        return ctx.default_return_type  # @register(name=...) on a class: not known here
    expr, typ = given["factory"]
    if isinstance(expr, RefExpr) and isinstance(expr.node, TypeInfo):
        abstract = _abstract_name(expr.node)
        if abstract is not None:
            ctx.api.fail(
                f"register() needs a factory that makes objects; {abstract} is abstract",
                expr,
                code=ABSTRACT_CODE,
            )
            return ctx.default_return_type
    instance = _factory_instance(typ)
    if instance is None:
        return ctx.default_return_type
    call = _Call(ctx, FactoryFacts(instance, plugin), skip=len(ctx.args), check_values=False)
    facts = call.facts
    if not facts.names_known:
        return ctx.default_return_type
    schema: str | None = None
    if "schema" in given and not _is_none(given["schema"][0]):
        expr, typ = given["schema"]
        names = try_getting_str_literals(expr, typ) or []
        for name in names:
            if name not in facts.schemas:
                call.fail(
                    f"register({facts.name}): {facts.name} has no schema {_quoted([name])}; "
                    f"its schemas are: {_quoted(facts.schemas)}",
                    expr,
                    SCHEMA_CODE,
                )
                return ctx.default_return_type
        schema = names[0] if len(names) == 1 else None
    elif facts.default is None:
        call.fail(
            f"register({facts.name}) needs schema=...: {facts.name} has no "
            f"_default_schema; its schemas are: {_quoted(facts.schemas)}",
            None,
            SCHEMA_CODE,
        )
        return ctx.default_return_type
    elif isinstance(facts.default, str):
        schema = facts.default
    overrides = given.get("overrides", (None, None))[0]
    if isinstance(overrides, DictExpr):
        for key, value in overrides.items:
            if isinstance(key, StrExpr):
                call.overrides.append((key.value, value, ctx.api.get_expression_type(value)))
        call.check_overrides(schema, [])
    return ctx.default_return_type


def _is_none(expr: Expression) -> bool:
    return isinstance(expr, NameExpr) and expr.fullname == "builtins.None"
