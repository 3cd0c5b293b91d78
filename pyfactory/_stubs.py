"""Typed stubs of factory modules, for checkers without pyfactory's mypy plugin
(pyright, pylance, mypy without plugins): ``pyfactory stubs`` writes them.

A stub is the module's own source with, in each factory class, its methods that make
objects (``build``, ``create``, ``acreate``, ``attributes``, the ``_batch`` forms,
and the Hypothesis ``strategy`` and ``create_strategy``) declared again with what the
factory really takes:

* the schema as a ``Literal`` of its schema names (and, with a ``_default_schema``,
  of its trait names, which may stand first), required where there is no default;
* the traits as a ``Literal`` of its trait names;
* the overrides as ``**overrides: Unpack[...]`` of a ``TypedDict`` whose keys are
  every key the factory takes: its model's fields, the keys of its schemas and
  traits, its trait flags, and ``key__field`` keys down its associations (up to
  :data:`DEPTH` steps). The values are ``Any``: an override may be a special field
  or ``OMIT`` as well as a value;
* the model's type as the result.

Those methods narrow ``Factory``'s, which a subclass may not do, so the stub turns
that check off for itself, in mypy's and pyright's file-level comments. A factory
whose model takes any keyword (or whose keys cannot be read: a schema that raises
when called alone) keeps ``**overrides: Any``.

A module that :func:`pyfactory.pytest.register` ran in (a ``conftest.py``) gets its
fixtures declared too: ``user_factory`` as the factory class with a typed
``__call__``, ``user`` as the model.

The keys are read at run time, from the factories themselves, so the stub says what
pyfactory would accept; it is regenerated when the factories change.

Layer: above the factory (it reads factory classes and :mod:`pyfactory.fields`),
used by the command line (:mod:`pyfactory.cli._stubs`).

.. versionadded:: 1.0
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable, Mapping
from importlib.util import find_spec
from types import ModuleType
from typing import Any, Final

from pyfactory import _names
from pyfactory._factory import Factory
from pyfactory._names import MAKE_METHODS
from pyfactory.fields import AssociationField, ManyField

__all__ = ["DEPTH", "NoSource", "module_stub", "override_keys"]

#: How many steps down its associations a factory's ``key__field`` keys go.
DEPTH: Final = 3

#: What each method that makes objects returns, the model standing for ``{model}``.
_RESULTS: Final[Mapping[str, str]] = {
    "attributes": "dict[str, _pf_Any]",
    "build": "{model}",
    "create": "{model}",
    "acreate": "{model}",
    "attributes_batch": "list[dict[str, _pf_Any]]",
    "build_batch": "list[{model}]",
    "create_batch": "list[{model}]",
    "acreate_batch": "list[{model}]",
    "insert_batch": "int",
    "ainsert_batch": "int",
}
#: The methods that return a Hypothesis strategy of objects, called as ``build`` is,
#: typed where Hypothesis is installed: a stub that imports it elsewhere would not check.
_STRATEGIES: Final[tuple[str, ...]] = (
    _names.STRATEGY_METHODS if find_spec("hypothesis") is not None else ()
)
_ASYNC: Final = frozenset({"acreate", "acreate_batch", "ainsert_batch"})
_HEADER: Final = (
    "# Typed stub written by `pyfactory stubs` from {source}: regenerate it when the\n"
    "# factories change. It is the module's source, with each factory's methods typed.\n"
    # The typed methods narrow Factory's, which a subclass may not do; the source's
    # function bodies stay, for the mypy plugin reads the schemas' keys from them.
    '# mypy: disable-error-code="override"\n'
    "# pyright: reportIncompatibleMethodOverride=false, reportInvalidStubStatement=false\n"
)
#: The names the stub imports for its own declarations, under names of its own.
_IMPORTS: Final = (
    "from typing import Any as _pf_Any",
    "from typing_extensions import Literal as _pf_Literal",
    "from typing_extensions import TypedDict as _pf_TypedDict",
    "from typing_extensions import Unpack as _pf_Unpack",
    "from typing_extensions import overload as _pf_overload",
    "from hypothesis.strategies import SearchStrategy as _pf_SearchStrategy",
)


class NoSource(Exception):
    """A module whose source cannot be read (a compiled or frozen module)."""


# ------------------------------------------------------------------------ keys


def _factory_class(value: Any) -> type[Factory[Any]] | None:
    """The factory class that an association's ``factory`` (a class or instance) is."""
    if isinstance(value, type) and issubclass(value, Factory):
        return value
    return type(value) if isinstance(value, Factory) else None


def _raw_dicts(factory: type[Factory[Any]]) -> list[dict[str, Any]] | None:
    """The raw dicts of every schema and trait of ``factory``; None when one of them
    cannot be made alone (it reads something only a call has)."""
    try:
        made = factory()
        dicts = [made.schema(name) for name in factory.schemas()]
        dicts += [dict(getattr(made, name)()) for name in factory.traits()]
    except Exception:  # a schema of the user's, run out of its call: anything may raise
        return None
    return dicts


def override_keys(
    factory: type[Factory[Any]],
    depth: int = DEPTH,
    _memo: dict[tuple[type[Any], int], set[str] | None] | None = None,
) -> set[str] | None:
    """Every override key ``factory`` takes, ``key__field`` ones ``depth`` steps down
    its associations; None when it takes any key (or its keys cannot be read).

    A key is a field of the model (or a foreign key that holds a relationship), a key
    of a schema or trait, or a trait's name (a flag); below an association or
    ``many()`` that a schema or trait names, the child factory's keys, prefixed.
    """
    memo = {} if _memo is None else _memo
    if (factory, depth) not in memo:
        memo[factory, depth] = _keys_of(factory, depth, memo)
    return memo[factory, depth]


def _keys_of(
    factory: type[Factory[Any]], depth: int, memo: dict[tuple[type[Any], int], set[str] | None]
) -> set[str] | None:
    model_keys = factory._pf_model_keys()
    dicts = _raw_dicts(factory)
    if model_keys.accepted is None or dicts is None:
        return None
    keys = set(model_keys.fields) | set(factory.traits())
    keys.update(key for holders in model_keys.holders.values() for key in holders)
    for raw in dicts:
        keys.update(raw)
        for head, value in raw.items():
            if not isinstance(value, (AssociationField, ManyField)) or depth <= 1:
                continue
            child = _factory_class(value.factory)
            below = None if child is None else override_keys(child, depth - 1, memo)
            if below is None:
                return None
            keys.update(f"{head}__{key}" for key in below)
    return keys


# ------------------------------------------------------------------- rendering


class _Names:
    """How the stub names a class: by the module's own name for it where the module
    binds one, otherwise imported under a name of the stub's own."""

    def __init__(self, module: ModuleType) -> None:
        self.namespace = vars(module)
        self.imports: dict[str, str] = {}

    def of(self, cls: type[Any]) -> str:
        name = cls.__name__
        if self.namespace.get(name) is cls:
            return name
        alias = f"_pf_{cls.__module__.replace('.', '_')}_{cls.__qualname__.replace('.', '_')}"
        self.imports[alias] = (
            f"from {cls.__module__} import {cls.__qualname__.split('.')[0]} as {alias}"
        )
        inner = cls.__qualname__.partition(".")[2]
        return f"{alias}.{inner}" if inner else alias


def _literal(names: Iterable[str]) -> str:
    return f"_pf_Literal[{', '.join(repr(name) for name in names)}]"


class _FactoryTypes:
    """The type aliases and the ``TypedDict`` of one factory, and its typed methods."""

    def __init__(self, factory: type[Factory[Any]], names: _Names) -> None:
        self.factory = factory
        self.prefix = f"_pf_{factory.__name__}"
        self.model = names.of(factory._model)
        self.keys = override_keys(factory)
        schemas, traits = factory.schemas(), factory.traits()
        self.default = factory._default_schema is not None
        # With a default schema, a trait may stand in the schema's place.
        self.first = _literal([*schemas, *(traits if self.default else ())])
        self.traits = _literal(traits) if traits else None

    def declarations(self) -> str:
        """The aliases and the ``TypedDict``, at the top level of the stub."""
        lines = [f"{self.prefix}_schema = {self.first}"]
        if self.traits is not None:
            lines.append(f"{self.prefix}_trait = {self.traits}")
        if self.keys is not None:
            # The functional form: a key need not be an identifier (``profile__bio`` is;
            # a Django accessor may not be) and may not clash with a class attribute.
            flags = set(self.factory.traits())
            items = ", ".join(
                f"{key!r}: {'bool' if key in flags else '_pf_Any'}" for key in sorted(self.keys)
            )
            lines.append(
                f"{self.prefix}_overrides = _pf_TypedDict("
                f"{f'{self.prefix}_overrides'!r}, {{{items}}}, total=False)"
            )
        return "\n".join(lines) + "\n"

    def tail(self) -> str:
        """``*traits`` and ``**overrides``, typed."""
        traits = f", *traits: {self.prefix}_trait" if self.traits is not None else ""
        if self.keys is None:
            return f"{traits}, **overrides: _pf_Any"
        return f"{traits}, **overrides: _pf_Unpack[{self.prefix}_overrides]"

    def signature(self, name: str, result: str) -> list[str]:
        """The declarations of method ``name`` (one, or two overloads for a batch form
        with a default schema), ``__call__`` of a factory fixture too."""
        head = "async def" if name in _ASYNC else "def"
        schema = f"schema: {self.prefix}_schema"
        if not MAKE_METHODS.get(name, False):
            first = f"{schema} | None = None" if self.default else schema
            return [f"{head} {name}(self, {first}, /{self.tail()}) -> {result}: ..."]
        forms = [f"{schema}, count: int"]
        if self.default:
            forms.insert(0, "count: int")
        lines: list[str] = []
        for form in forms:
            if len(forms) > 1:
                lines.append("@_pf_overload")
            lines.append(f"{head} {name}(self, {form}, /{self.tail()}) -> {result}: ...")
        return lines

    def methods(self, indent: str) -> str:
        """The typed methods, indented for the class body."""
        lines = ["", "# Typed by `pyfactory stubs`."]
        for name, result in _RESULTS.items():
            lines += self.signature(name, result.format(model=self.model))
        for name in _STRATEGIES:
            lines += self.signature(name, f"_pf_SearchStrategy[{self.model}]")
        return "".join(f"{indent}{line}\n" if line else "\n" for line in lines)


def _fixtures(module: ModuleType, names: _Names, types: dict[Any, _FactoryTypes]) -> list[str]:
    """The fixtures :func:`pyfactory.pytest.register` defined in ``module``, typed."""
    defined: Mapping[str, Any] = vars(module).get("__pyfactory_fixtures__", {})
    lines: list[str] = []
    done: set[str] = set()
    for registration in defined.values():
        factory = registration.factory
        if registration.name in done:
            continue
        done.add(registration.name)
        if factory not in types:
            types[factory] = _FactoryTypes(factory, names)
        typed = types[factory]
        fixture_class = f"{typed.prefix}_fixture"
        if registration.factory_fixture not in done:
            done.add(registration.factory_fixture)
            call = typed.signature("__call__", typed.model)
            lines += [
                f"class {fixture_class}({names.of(factory)}):",
                f"    {call[0]}",
                "",
                "@_pf_pytest.fixture",
                f"def {registration.factory_fixture}() -> {fixture_class}: ...",
                "",
            ]
        lines += [
            "@_pf_pytest.fixture",
            f"def {registration.name}() -> {typed.model}: ...",
            "",
        ]
    return lines


def module_stub(module: ModuleType, factories: Iterable[type[Factory[Any]]]) -> str:
    """The stub of ``module``: its source, with each of ``factories`` (classes that
    ``module`` defines at its top level) given typed methods, and the fixtures that
    ``register()`` defined in it.

    Raises:
        NoSource: The module's source cannot be read.
    """
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError) as error:
        raise NoSource(f"{module.__name__} has no source to write a stub from") from error
    lines = source.splitlines(keepends=True)  # linecache ends the last one with "\n"
    names = _Names(module)
    types = {factory: _FactoryTypes(factory, names) for factory in factories}
    by_name = {f.__name__: typed for f, typed in types.items() if f.__module__ == module.__name__}
    tree = ast.parse(source)
    # (first line, past the last line, new text): each factory class gets its typed
    # methods after its body; each import is written as a re-export, which a stub's
    # imports are only when they say so (``from models import User as User``).
    edits: list[tuple[int, int, str]] = []
    for node in tree.body:
        end = node.end_lineno or node.lineno
        if isinstance(node, ast.ClassDef) and node.name in by_name:
            indent = " " * node.body[0].col_offset
            edits.append((end, end, by_name[node.name].methods(indent)))
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                if alias.asname is None and alias.name != "*":
                    alias.asname = alias.name
            edits.append((node.lineno - 1, end, f"{ast.unparse(node)}\n"))
    for first, last, text in sorted(edits, reverse=True):  # from the bottom up
        lines[first:last] = [text]
    fixtures = _fixtures(module, names, types)
    tail = "\n\n" + "".join(typed.declarations() for typed in types.values())
    if fixtures:
        tail += "\n\n" + "".join(f"{line}\n" for line in fixtures)
    body = "".join(lines) + tail
    # Only the imports the stub uses: an unused one is an error to pyright --strict.
    own = [line for line in _IMPORTS if line.rpartition(" ")[2] in body]
    own += sorted(names.imports.values())
    if fixtures:
        own.append("import pytest as _pf_pytest")
    at = _first_line(tree)
    lines[at:at] = ["".join(f"{line}\n" for line in own)]
    header = _HEADER.format(source=module.__name__)
    return header + "".join(lines) + tail


def _first_line(tree: ast.Module) -> int:
    """Where the stub's own imports go: after the docstring and ``__future__`` imports
    (which must come first)."""
    line = 0
    for index, node in enumerate(tree.body):
        docstring = (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        if docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            line = node.end_lineno or line
        else:
            break
    return line
