"""``register(Factory)``: fixtures for a factory and its objects.

``register(UserFactory)`` defines three fixtures in the module that calls it:

* ``user_factory``: ``UserFactory(**pyfactory_context)``, in a :class:`FactoryFixture`
  that makes calling it create, as pytest-factoryboy's factory fixtures do;
* ``user``: ``user_factory.create()`` of the registered schema (``acreate`` for an
  asynchronous builder, in an async fixture);
* ``_pyfactory_overrides_user``: the overrides for ``user``, gathered synchronously
  so that the async ``user`` never asks pytest for a fixture from inside the event
  loop (an async fixture cannot be set up from a running loop).

The overrides are every parametrized argument and every fixture visible to the test
whose name is ``user__<key>``, plus, for each plain association of the schema to a
factory that is registered too, that factory's object fixture (one shared parent).
"""

from __future__ import annotations

import re
import sys
import weakref
from collections.abc import Callable, Generator, Mapping, Sequence
from inspect import CO_OPTIMIZED, Parameter, Signature, signature
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import attrs
import pytest

from pyfactory import Factory
from pyfactory.builders import ModelBuilder
from pyfactory.errors import (
    AsyncModeError,
    UnknownSchemaError,
    UsageError,
    set_missing_context_hint,
)
from pyfactory.fields import AssociationField
from pyfactory.pytest import _fixtures, _scoped
from pyfactory.pytest._scoped import Scope

__all__ = [
    "FactoryFixture",
    "LazyFixture",
    "Registration",
    "fixture_names",
    "register",
    "registrations",
]

FT = TypeVar("FT", bound=type[Factory[Any]])
M = TypeVar("M")

#: The attribute that marks a fixture function made by :func:`register`.
_MARK = "_pyfactory_registration"
#: The module-level dict, in each namespace register() writes to, of what it defined.
_DEFINED = "__pyfactory_fixtures__"
#: The object fixtures being made in the current test, by name: a parent reached again
#: while it is being made (two schemas that associate each other) is not shared.
_MAKING = pytest.StashKey[set[str]]()


@attrs.frozen
class Registration:
    """What one :func:`register` call made.

    Attributes:
        factory: The factory class.
        name: The object fixture's name (``user``).
        factory_fixture: The factory fixture's name (``user_factory``).
        schema: The schema the object fixture makes.
        is_async: Whether the object fixture awaits ``acreate``.
        overrides: The overrides given to ``register``, under the test's own.
        scope: How long one object serves: ``"function"`` (a new one per test), or a
            wider pytest scope (see :mod:`pyfactory.pytest._scoped`).
    """

    factory: type[Factory[Any]]
    name: str
    factory_fixture: str
    schema: str
    is_async: bool
    overrides: Mapping[str, Any] = attrs.field(factory=dict)
    scope: Scope = "function"

    @property
    def shared_fixture(self) -> str:
        """The hidden fixture, of :attr:`scope`, that makes the object tests share."""
        return f"_pyfactory_shared_{self.name}"

    @property
    def prefix(self) -> str:
        """What starts the names of this fixture's overrides: ``user__``."""
        return f"{self.name}__"

    @property
    def overrides_fixture(self) -> str:
        """The hidden fixture that gathers the object fixture's overrides."""
        return f"_pyfactory_overrides_{self.name}"

    def same_as(self, other: Registration) -> bool:
        return (
            self.factory is other.factory
            and self.schema == other.schema
            and self.is_async == other.is_async
            and dict(self.overrides) == dict(other.overrides)
            and self.scope == other.scope
        )


@attrs.frozen
class LazyFixture:
    """Another fixture's value, taken when an object fixture is made.

    Give it where an override goes: in ``@pytest.mark.parametrize("book__author",
    [LazyFixture("other_author")])``, as the value of a ``book__author`` fixture, or
    in ``register(..., overrides={"author": LazyFixture("other_author")})``. A
    function stands for a value computed from the fixtures it names as parameters:
    ``LazyFixture(lambda author: author.name.upper())``.

    Attributes:
        fixture: A fixture's name, or a function of fixtures.

    .. versionadded:: 0.1
    """

    fixture: str | Callable[..., Any]

    def evaluate(self, request: pytest.FixtureRequest) -> Any:
        """The value in ``request``'s test: the fixture's, or the function's result."""
        if isinstance(self.fixture, str):
            return request.getfixturevalue(self.fixture)
        names = [
            p.name
            for p in signature(self.fixture).parameters.values()
            if p.kind in (Parameter.POSITIONAL_OR_KEYWORD, Parameter.KEYWORD_ONLY)
        ]
        return self.fixture(**{name: request.getfixturevalue(name) for name in names})


if TYPE_CHECKING:
    # To a type checker the fixture is the factory, with a __call__: at run time it
    # delegates every attribute to the factory, and isinstance() sees the factory's class.
    _FixtureBase = Factory
else:

    class _FixtureBase(Generic[M]):
        __slots__ = ()


class FactoryFixture(_FixtureBase[M]):
    """The value of a factory fixture (``user_factory``): the factory, and calling it
    creates, as with pytest-factoryboy.

    ``user_factory(...)`` is ``user_factory.create(...)``, with the same arguments (a
    schema or traits by position, overrides by keyword). Everything else is the
    factory's own: ``user_factory.build()``, ``.create_batch(3)``, ``.attributes()``,
    ``await user_factory.acreate()``, ``.context``; and ``isinstance(user_factory,
    UserFactory)`` holds. The factory instance itself is :attr:`factory`.

    Attributes:
        factory: The factory instance, ``UserFactory(**pyfactory_context)``.

    .. versionadded:: 1.0
    """

    __slots__ = ("factory",)
    factory: Factory[M]

    def __init__(self, factory: Factory[M]) -> None:
        object.__setattr__(self, "factory", factory)

    def __call__(self, schema: str | None = None, /, *traits: str, **overrides: Any) -> M:
        """``factory.create(schema, *traits, **overrides)``."""
        factory = self.factory
        try:
            return factory.create(schema, *traits, **overrides)
        except AsyncModeError as error:
            name = type(factory).__name__
            hint = AsyncModeError(
                f"{error} (calling the factory fixture of {name} calls create(); for a "
                "factory that writes asynchronously, await its acreate(...))"
            )
            raise hint from error

    if not TYPE_CHECKING:

        @property
        def __class__(self) -> type[Any]:
            # isinstance(user_factory, UserFactory) holds, as for the factory itself.
            return type(self.factory)

        def __getattr__(self, name: str) -> Any:
            try:
                factory = object.__getattribute__(self, "factory")
            except AttributeError:
                # A copy made without __init__: pyfactory adopting the fixture as an
                # association's factory, which must be a factory proper.
                raise UsageError(
                    "a factory fixture stands for its factory in calls, not as the "
                    "target of association(): pass its factory "
                    "(user_factory.factory) or the factory class"
                ) from None
            return getattr(factory, name)

        def __setattr__(self, name: str, value: Any) -> None:
            setattr(self.factory, name, value)

    def __repr__(self) -> str:
        return repr(self.factory)


def _factory_of(value: Any) -> Any:
    """The factory behind a factory fixture's value (a user's own override of the
    fixture may give the factory itself)."""
    return value.factory if type(value) is FactoryFixture else value


#: Every registration, by factory class, for shared parents and ``--pyfactory-check``.
_REGISTERED: weakref.WeakKeyDictionary[type[Factory[Any]], list[Registration]] = (
    weakref.WeakKeyDictionary()
)


def registrations() -> list[Registration]:
    """Every registration made in this process, in no particular order."""
    return [r for found in list(_REGISTERED.values()) for r in found]


# ------------------------------------------------------------------------ names

_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD = re.compile(r"([a-z\d])([A-Z])")


def snake_case(name: str) -> str:
    """``E12CaseFactory`` → ``e12_case_factory``, as pytest-factoryboy (inflection) does."""
    name = _ACRONYM.sub(r"\1_\2", name)
    name = _WORD.sub(r"\1_\2", name)
    return name.replace("-", "_").lower()


def fixture_names(factory: type[Factory[Any]], name: str | None = None) -> tuple[str, str]:
    """The factory fixture's and the object fixture's names for ``factory``."""
    return snake_case(factory.__name__), name or snake_case(factory._model.__name__)


def _label(factory: type[Any], other: type[Any] | None = None) -> str:
    """A factory's name; its qualified one when ``other`` has the same short name."""
    if other is not None and other is not factory and other.__name__ == factory.__name__:
        return f"{factory.__module__}.{factory.__qualname__}"
    return factory.__name__


# -------------------------------------------------------------------- register


@overload
def register(
    factory: FT,
    name: str | None = None,
    *,
    schema: str | None = None,
    is_async: bool | None = None,
    overrides: Mapping[str, Any] | None = None,
    scope: Scope = "function",
) -> FT: ...
@overload
def register(
    factory: None = None,
    name: str | None = None,
    *,
    schema: str | None = None,
    is_async: bool | None = None,
    overrides: Mapping[str, Any] | None = None,
    scope: Scope = "function",
) -> Callable[[FT], FT]: ...
def register(
    factory: Any = None,
    name: str | None = None,
    *,
    schema: str | None = None,
    is_async: bool | None = None,
    overrides: Mapping[str, Any] | None = None,
    scope: Scope = "function",
) -> Any:
    """Define the fixtures ``<factory>_factory`` and ``<model>`` in the calling module.

    Call it at the top level of a ``conftest.py`` or a test module, or use it as a
    class decorator (``@register`` or ``@register(name="admin")``). It returns the
    factory unchanged.

    Args:
        factory: The factory class.
        name: The object fixture's name; the model's name in snake case by default.
        schema: The schema the object fixture makes; the factory's
            ``_default_schema`` by default.
        is_async: ``True`` makes the object fixture an async fixture that awaits
            ``acreate``; by default it is async when the factory's builder only
            writes asynchronously (``AsyncSQLAlchemyBuilder``, or a builder that
            defines ``acreate`` and not ``create``).
        overrides: Overrides for every object the fixture makes, under the test's
            own ``<name>__<key>`` overrides.
        scope: ``"class"``, ``"module"``, ``"package"`` or ``"session"`` creates the
            object once, when that scope starts, inside a transaction (a SAVEPOINT,
            or Django's ``atomic``) rolled back when it ends; its factory's context is
            the ``pyfactory_scoped_context`` fixture's. Each test gets a fresh copy
            of it (:meth:`~pyfactory.builders.ModelBuilder.fresh_copy`, with the
            test's context), and a test that overrides the fixture gets its own
            object. ``"function"``, the default, creates one per test.

    Raises:
        UsageError: ``factory`` is not a concrete Factory class, a name is taken by
            another registration or binding in the module, the factory has no
            default schema and none is given, or ``register`` is not called at the
            top level of a module, or ``scope`` is not a pytest scope, or is wider than
            ``"function"`` for an async fixture or overrides from other fixtures.
        UnknownSchemaError: ``schema`` is not one of the factory's schemas.

    .. versionadded:: 0.1
    .. versionchanged:: 1.1
       ``scope``.
    """
    namespace = _caller_namespace()

    def define(target: FT) -> FT:
        _define(namespace, target, name, schema, is_async, overrides, scope)
        return target

    if factory is None:
        return define
    return define(factory)


def _caller_namespace() -> dict[str, Any]:
    """The globals of the module that called :func:`register`."""
    frame = sys._getframe(2)
    if frame.f_code.co_flags & CO_OPTIMIZED or frame.f_locals is not frame.f_globals:
        raise UsageError(
            "register() defines fixtures in the module that calls it: call it at the top "
            "level of a conftest.py or test module, not inside a function or class"
        )
    return frame.f_globals


def _define(
    namespace: dict[str, Any],
    factory: Any,
    name: str | None,
    schema: str | None,
    is_async: bool | None,
    overrides: Mapping[str, Any] | None,
    scope: Scope = "function",
) -> None:
    if not (isinstance(factory, type) and issubclass(factory, Factory)):
        hint = ""
        if isinstance(factory, Factory):
            hint = f"; pass the class {type(factory).__name__}, not an instance"
        raise UsageError(f"register() takes a Factory class, got {factory!r}{hint}")
    if factory._abstract:
        raise UsageError(
            f"register() needs a factory that makes objects; {factory.__name__} is abstract "
            "(_abstract = True)"
        )
    factory_fixture, object_fixture = fixture_names(factory, name)
    if not object_fixture.isidentifier() or "__" in object_fixture:
        raise UsageError(
            f"register({factory.__name__}) cannot name a fixture {object_fixture!r}: a "
            "fixture name is an identifier without '__' (which separates overrides); "
            "pass name=..."
        )
    chosen = schema if schema is not None else factory._default_schema
    if chosen is None:
        raise UsageError(
            f"register({factory.__name__}) needs the schema its {object_fixture!r} fixture "
            f"makes: the factory has no _default_schema, so pass schema=..., one of "
            f"{', '.join(factory.schemas())}"
        )
    if chosen not in factory.schemas():
        raise UnknownSchemaError(factory.__name__, chosen, factory.schemas())
    if is_async is None:
        is_async = _writes_async(factory)
    lazy = [key for key, value in (overrides or {}).items() if isinstance(value, LazyFixture)]
    _scoped.check_scope(factory, object_fixture, scope, is_async, lazy)
    registration = Registration(
        factory, object_fixture, factory_fixture, chosen, is_async, dict(overrides or {}), scope
    )
    fixtures = {
        factory_fixture: _factory_fixture(registration),
        object_fixture: _object_fixture(registration),
        registration.overrides_fixture: _overrides_fixture(registration),
    }
    if scope != "function":
        fixtures[registration.shared_fixture] = _scoped.shared_fixture(registration, _overrides)
    defined: dict[str, Registration] = namespace.setdefault(_DEFINED, {})
    for fixture_name in fixtures:
        _check_free(namespace, defined, fixture_name, registration)
    for fixture_name, fixture in fixtures.items():
        if fixture_name == factory_fixture and fixture_name in defined:
            continue  # the same factory, registered again under another object name
        namespace[fixture_name] = fixture
        defined[fixture_name] = registration
    _REGISTERED.setdefault(factory, []).append(registration)


def _check_free(
    namespace: dict[str, Any],
    defined: dict[str, Registration],
    name: str,
    registration: Registration,
) -> None:
    """Refuse to replace a binding of the module with a fixture of another meaning."""
    factory = registration.factory
    earlier = defined.get(name)
    if earlier is None:
        if name in namespace:
            raise UsageError(
                f"register({factory.__name__}) would define the fixture {name!r}, but the "
                f"module already binds {name!r} to {namespace[name]!r}; pass name=... or "
                "rename the other"
            )
        return
    if name == registration.factory_fixture and earlier.factory is factory:
        return
    if (
        name != registration.factory_fixture
        and earlier.name == registration.name
        and earlier.same_as(registration)
    ):
        return
    here, there = _label(factory, earlier.factory), _label(earlier.factory, factory)
    what = "another schema or overrides of" if earlier.factory is factory else ""
    raise UsageError(
        f"register({here}) would define the fixture {name!r}, which register({there}) "
        f"already defines in this module{' for ' + what + ' it' if what else ''}; pass "
        "name=... to one of them"
    )


def _writes_async(factory: type[Factory[Any]]) -> bool:
    """Whether ``factory``'s builder creates only through ``acreate``: it says so
    (:attr:`~pyfactory.builders.ModelBuilder.async_only`), or it overrides ``acreate``
    and not ``create``, whose base version only raises NotImplementedError."""
    kind = type(factory._pf_builder)
    return kind.async_only or (
        kind.create is ModelBuilder.create and kind.acreate is not ModelBuilder.acreate
    )


# -------------------------------------------------------------------- fixtures


def _with_arguments(func: Callable[..., Any], name: str, *arguments: str) -> Callable[..., Any]:
    """``func`` named ``name``, taking the fixtures ``arguments`` (as keywords)."""
    func.__name__ = func.__qualname__ = name
    func.__signature__ = Signature(  # type: ignore[attr-defined]
        [Parameter(argument, Parameter.KEYWORD_ONLY) for argument in arguments]
    )
    return func


def _factory_fixture(registration: Registration) -> Any:
    def make_factory(pyfactory_context: Mapping[str, Any]) -> FactoryFixture[Any]:
        if not isinstance(pyfactory_context, Mapping):
            raise UsageError(
                "the pyfactory_context fixture must return a mapping of context keys "
                f"(such as {{'session': ...}}), got {pyfactory_context!r}"
            )
        return FactoryFixture(registration.factory(**pyfactory_context))

    func = _with_arguments(make_factory, registration.factory_fixture, "pyfactory_context")
    func.__doc__ = (
        f"{registration.factory.__name__}(**pyfactory_context), made by register(); "
        "calling it creates."
    )
    setattr(func, _MARK, registration)
    return pytest.fixture(func, name=registration.factory_fixture)


def _overrides_fixture(registration: Registration) -> Any:
    def gather(request: pytest.FixtureRequest, **made: Any) -> dict[str, Any]:
        factory = _factory_of(made[registration.factory_fixture])
        return _overrides(request, registration, factory)

    func = _with_arguments(
        gather, registration.overrides_fixture, "request", registration.factory_fixture
    )
    setattr(func, _MARK, registration)
    return pytest.fixture(func, name=registration.overrides_fixture)


def _object_fixture(registration: Registration) -> Any:
    name = registration.name
    schema = registration.schema
    arguments = (registration.factory_fixture, registration.overrides_fixture)

    if registration.scope != "function":

        def share(request: pytest.FixtureRequest, **made: Any) -> Any:
            factory = _factory_of(made[registration.factory_fixture])
            if _override_names(request, registration.prefix):
                # The test asks for an object unlike the shared one: it gets its own.
                overrides = request.getfixturevalue(registration.overrides_fixture)
                return factory.create(schema, **overrides)
            shared = request.getfixturevalue(registration.shared_fixture)
            return type(factory)._pf_builder.fresh_copy(shared, factory._pf_context)

        func = _with_arguments(share, name, "request", registration.factory_fixture)
    elif registration.is_async:

        async def make_async(**made: Any) -> Any:
            factory, overrides = (made[argument] for argument in arguments)
            return await _factory_of(factory).acreate(schema, **overrides)

        func = _with_arguments(make_async, name, *arguments)
    else:

        def make(**made: Any) -> Any:
            factory, overrides = (made[argument] for argument in arguments)
            try:
                return _factory_of(factory).create(schema, **overrides)
            except AsyncModeError as error:
                hint = AsyncModeError(
                    f"{error} (the {name!r} fixture calls create(); for a factory that "
                    f"writes asynchronously, register({registration.factory.__name__}, "
                    "is_async=True) makes it await acreate())"
                )
                raise hint from error

        func = _with_arguments(make, name, *arguments)
    what = "acreate" if registration.is_async else "create"
    once = "" if registration.scope == "function" else f", once per {registration.scope}"
    func.__doc__ = (
        f"{registration.factory.__name__}.{what}({schema!r}){once}, made by register(); "
        f"override with {name}__<field>."
    )
    setattr(func, _MARK, registration)
    if not registration.is_async:
        return pytest.fixture(func, name=name)
    try:
        import pytest_asyncio
    except ImportError:
        raise UsageError(
            f"register({registration.factory.__name__}) makes {name!r} an async fixture, "
            "which needs pytest-asyncio: pip install pytest-asyncio (or pass is_async=False)"
        ) from None
    return pytest_asyncio.fixture(func, name=name)


# ------------------------------------------------------------------- overrides


def _registration_of(fixturedefs: Sequence[Any]) -> Registration | None:
    """The registration behind the fixture a test sees, if register() made it."""
    if not fixturedefs:
        return None
    found: Registration | None = getattr(fixturedefs[-1].func, _MARK, None)
    return found


def _visible(request_or_node: Any, name: str) -> Registration | None:
    node = getattr(request_or_node, "node", request_or_node)
    return _registration_of(_fixtures.visible(node, name))


def _override_names(request: pytest.FixtureRequest, prefix: str) -> set[str]:
    """The parametrized arguments and the visible fixtures whose names start with
    ``prefix``."""
    names: set[str] = set()
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None:
        names.update(k for k in callspec.params if k.startswith(prefix))
    for candidate in _fixtures.names(request.session):
        if candidate.startswith(prefix) and _fixtures.visible(request.node, candidate):
            names.add(candidate)
    return names


def _overrides(
    request: pytest.FixtureRequest, registration: Registration, factory: Factory[Any]
) -> dict[str, Any]:
    """The overrides for one object fixture: the registration's, the test's
    ``name__key`` ones over them, then the shared parents. For the object of a wider
    scope (``request.scope``), no test's: only the registration's, and parents that
    live as long."""
    overrides = dict(registration.overrides)
    prefix = registration.prefix
    per_test = request.scope == "function"
    for argument in sorted(_override_names(request, prefix) if per_test else ()):
        overrides[argument[len(prefix) :]] = request.getfixturevalue(argument)
    for key, value in overrides.items():
        if isinstance(value, LazyFixture):
            overrides[key] = value.evaluate(request)
    making = request.node.stash.setdefault(_MAKING, set())
    making.add(registration.name)
    try:
        overrides.update(_shared_parents(request, registration, factory, overrides, making))
    finally:
        making.discard(registration.name)
    return overrides


def _shared_parents(
    request: pytest.FixtureRequest,
    registration: Registration,
    factory: Factory[Any],
    overrides: dict[str, Any],
    making: set[str],
) -> dict[str, Any]:
    """The registered object fixtures that stand for the schema's plain associations.

    An association is shared when it names a factory class, asks for nothing but
    the schema of a registered fixture of that class visible to the test, reaches a
    parent row (not rows made after the object), and the overrides say nothing of
    its key: ``registration__case__x`` gives the registration a case of its own.
    """
    cls = type(factory)
    parents: dict[str, Any] = {}
    for key, value in factory.schema(registration.schema).items():
        if type(value) is not AssociationField or not isinstance(value.factory, type):
            continue
        if value.traits or value.overrides:
            continue
        if key in overrides or any(k.startswith(f"{key}__") for k in overrides):
            continue
        relation = cls._pf_relation(key)
        if relation is not None and relation.kind != "parent":
            continue
        parent = _parent_fixture(request, value, making)
        if parent is None:
            continue
        obj = request.getfixturevalue(
            parent.name if request.scope == "function" else parent.shared_fixture
        )
        if value.attr is not None and obj is not None:
            obj = value.factory._pf_builder.getattr(obj, value.attr)
        parents[key] = obj
    return parents


def _parent_fixture(
    request: pytest.FixtureRequest, association: AssociationField, making: set[str]
) -> Registration | None:
    """The registration whose object a plain association may share, if exactly one
    fits: one registered for the association's factory class or a subclass, with its
    schema, seen by the test, and (for an object of a wider scope) made at least as
    long before as the object needing it lives."""
    target = association.factory
    assert isinstance(target, type)
    schema = association.schema if association.schema is not None else target._default_schema
    test = _fixtures.item(request)
    fitting = {
        r.name: r
        for r in registrations()
        if issubclass(r.factory, target)
        and r.schema == schema
        and not r.overrides
        and r.name not in making
        and _scoped.wider_or_same(r.scope, request.scope)
        and _visible(test, r.name) is r
    }
    if len(fitting) == 1:
        return fitting.popitem()[1]
    return None


# ------------------------------------------------------------------------ hooks


def _parametrized_names(metafunc: pytest.Metafunc) -> list[str]:
    names: list[str] = []
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            names.extend(n.strip() for n in argnames.split(",") if n.strip())
        else:
            names.extend(argnames)
    return names


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Let ``parametrize`` take ``user__first_name`` for a registered ``user`` that
    the test can see, although no fixture of that name exists."""
    for argname in _parametrized_names(metafunc):
        if argname in metafunc.fixturenames or "__" not in argname:
            continue
        head = argname
        while "__" in head:
            head = head.rsplit("__", 1)[0]
            if _visible(metafunc.definition, head) is not None:
                metafunc.fixturenames.append(argname)
                break


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """A ``LazyFixture`` parameter's id is the fixture's (or function's) name."""
    if not isinstance(val, LazyFixture):
        return None
    if isinstance(val.fixture, str):
        return val.fixture
    name = getattr(val.fixture, "__name__", "<lambda>")
    return None if name == "<lambda>" else str(name)


def _context_hint(key: str, owner: str) -> str:
    """The advice a MissingContextError adds in a test that uses register()'s fixtures."""
    fixture = "db_session" if key == "session" else key
    return (
        "The factories of register()'s fixtures take their context from the "
        "pyfactory_context fixture: override it, in a conftest.py, with one that gives "
        f"{key!r}:\n\n"
        "    @pytest.fixture\n"
        f"    def pyfactory_context({fixture}):\n"
        f"        return {{{key!r}: {fixture}}}\n"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """While a test that uses register()'s fixtures runs, a missing context key's
    error says how to give it to them: the ``pyfactory_context`` fixture."""
    if "pyfactory_context" not in getattr(item, "fixturenames", ()):
        return (yield)
    previous = set_missing_context_hint(_context_hint)
    try:
        return (yield)
    finally:
        set_missing_context_hint(previous)


@pytest.fixture
def pyfactory_context() -> Mapping[str, Any]:
    """The context of every factory fixture that :func:`register` made: ``{}``.

    Override it in a conftest to give the factories a session:
    ``return {"session": db_session}``.
    """
    return {}


@pytest.fixture(scope="session")
def pyfactory_scoped_context() -> Mapping[str, Any]:
    """The context of the factories that make the objects of ``register(...,
    scope="module")`` (and every scope wider than a test's): ``{}``.

    Django's builder needs nothing here. For SQLAlchemy, override it in a conftest
    with a session on the connection that the tests' sessions use, so that they see
    the shared objects: ``return {"session": Session(bind=connection,
    join_transaction_mode="create_savepoint")}``.
    """
    return {}
