"""A mypy plugin that checks factory calls where they are written: schema and trait
names, override keywords (``key__field`` ones down the associations they reach) and
override values, ``register()`` calls in a conftest, and calls that ask an abstract
factory for objects.

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

Only mypy imports this package; ``import pyfactory`` never does. It reads, bottom up:
``_paths`` (error codes, full names, the method lists of :mod:`pyfactory._names`),
``_fields`` (a model's fields), ``_classes`` (what a factory class defines, read while
mypy analyses it), ``_calls`` (the checks of one call) and this module, the plugin
class that mypy's hooks call. Each imports only mypy, :mod:`pyfactory._names` and the
modules before it.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import ARG_POS, TypeInfo
from mypy.plugin import (
    AttributeContext,
    ClassDefContext,
    FunctionContext,
    MethodContext,
    Plugin,
    ReportConfigContext,
)
from mypy.typeops import bind_self
from mypy.types import FunctionLike, Type, get_proper_type

from pyfactory import __version__
from pyfactory.mypy._calls import (
    _Call,
    _factory_instance,
    _receiver_is_self,
    abstract_receiver,
    check_register,
)
from pyfactory.mypy._classes import FactoryFacts, _record_factory
from pyfactory.mypy._paths import (
    ABSTRACT_CODE,
    OVERRIDE_CODE,
    SCHEMA_CODE,
    TRAIT_CODE,
    VALUE_CODE,
)

# The error codes and every full name the plugin knows pyfactory and SQLAlchemy by,
# kept on this module too: they are what a reader (and tests/test_names.py) looks up.
from pyfactory.mypy._paths import CHILD_FUNCTIONS as CHILD_FUNCTIONS
from pyfactory.mypy._paths import CORE as CORE
from pyfactory.mypy._paths import DEFINITION_MODULE as DEFINITION_MODULE
from pyfactory.mypy._paths import FACTORY as FACTORY
from pyfactory.mypy._paths import FACTORY_MODULE as FACTORY_MODULE
from pyfactory.mypy._paths import FUNCTIONS as FUNCTIONS
from pyfactory.mypy._paths import MAPPED as MAPPED
from pyfactory.mypy._paths import METADATA_KEY as METADATA_KEY
from pyfactory.mypy._paths import METHODS as METHODS
from pyfactory.mypy._paths import OMIT_TYPE as OMIT_TYPE
from pyfactory.mypy._paths import REGISTER as REGISTER
from pyfactory.mypy._paths import SCHEMA_DECORATOR as SCHEMA_DECORATOR
from pyfactory.mypy._paths import SPECIAL_FIELD as SPECIAL_FIELD
from pyfactory.mypy._paths import STRATEGY_METHODS as STRATEGY_METHODS
from pyfactory.mypy._paths import TRAIT_DECORATOR as TRAIT_DECORATOR

__all__ = [
    "ABSTRACT_CODE",
    "OVERRIDE_CODE",
    "SCHEMA_CODE",
    "TRAIT_CODE",
    "VALUE_CODE",
    "PyfactoryPlugin",
    "plugin",
]


class PyfactoryPlugin(Plugin):
    """Checks the calls of factory methods, :func:`~pyfactory.association`,
    :func:`~pyfactory.many`, :func:`~pyfactory.node`, :func:`~pyfactory.nodes` and
    :func:`pyfactory.pytest.register`.

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
        if method in METHODS or method in STRATEGY_METHODS:
            batch = METHODS.get(method, False)
            return lambda ctx: self.check_method(ctx, batch=batch, method=method)
        return None

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        # On the class, a method that makes objects runs on a new instance
        # (``UserFactory.build("basic")``, see pyfactory._factory._OnClass): it is
        # typed as bound to one.
        method = fullname.rpartition(".")[2]
        if method in METHODS or method in STRATEGY_METHODS:
            return _bound_on_class
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname == REGISTER:
            return lambda ctx: check_register(ctx, self)
        if fullname in FUNCTIONS:
            check_values = FUNCTIONS[fullname]
            return lambda ctx: self.check_function(ctx, check_values=check_values)
        return None

    def check_method(self, ctx: MethodContext, *, batch: bool, method: str) -> Type:
        abstract = abstract_receiver(ctx)
        if abstract is not None:
            ctx.api.fail(
                f"{abstract} is abstract and makes no objects: {method}() on it raises "
                "FactoryDefinitionError; call a subclass that sets _model",
                ctx.context,
                code=ABSTRACT_CODE,
            )
            return ctx.default_return_type
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
