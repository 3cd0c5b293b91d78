"""Each name rule and name list is written once (``pyfactory/_names.py``, the ``_WHERE``
table of ``pyfactory/__init__.py``), and what repeats them for type checkers and the
mypy plugin is checked against it here.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import pyfactory
import pyfactory.mypy
from pyfactory import Factory, FactoryDefinitionError, schema
from pyfactory._names import (
    FACTORY_API,
    MAKE_METHODS,
    NoDefaultSchema,
    NotASchema,
    NotATrait,
    split_names,
)
from pyfactory.builders import DictBuilder
from tests.test_typing import CASES, plain_run

PACKAGE = Path(pyfactory.__file__).parent
#: A full name such as ``pyfactory._factory.Factory``: dotted words, nothing else.
DOTTED = re.compile(r"[a-z_]\w*(?:\.[A-Za-z_]\w*)+")


def resolve(path: str) -> Any:
    """The object a full name names: the longest module prefix imported, the rest
    looked up as attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            value = getattr(value, attr)
        return value
    raise ImportError(path)


def where(obj: Any) -> str:
    """The full name mypy gives a class or function: where it is defined."""
    return f"{obj.__module__}.{obj.__qualname__}"


def plugin_modules() -> list[Any]:
    """The mypy plugin's modules: the package and each module in it."""
    return [
        pyfactory.mypy,
        *(
            importlib.import_module(f"pyfactory.mypy.{path.stem}")
            for path in sorted((PACKAGE / "mypy").glob("_*.py"))
            if path.stem != "__init__"
        ),
    ]


def plugin_paths() -> list[str]:
    """Every full name in the mypy plugin: each whole string written in its source, and
    each string value of its modules (a name built from another, as ``FACTORY`` from
    ``FACTORY_MODULE``, is checked as what mypy will compare)."""
    written = {
        node.value
        for path in sorted((PACKAGE / "mypy").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    built = {
        value
        for module in plugin_modules()
        for name, constant in vars(module).items()
        if not name.startswith("__") and isinstance(constant, (str, tuple, dict))
        for value in ([constant] if isinstance(constant, str) else constant)
        if isinstance(value, str)
    }
    return sorted(path for path in written | built if DOTTED.fullmatch(path))


def type_checking_imports() -> dict[str, str]:
    """The names imported under ``if TYPE_CHECKING:`` in ``pyfactory/__init__.py``, each
    with its module; every one must use the re-export form ``X as X``."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    found: dict[str, str] = {}
    for stmt in block.body:
        assert isinstance(stmt, ast.ImportFrom)
        for alias in stmt.names:
            assert alias.asname == alias.name, f"{alias.name} is imported without 'as'"
            found[alias.name] = str(stmt.module)
    return found


class TestThePublicNames:
    def test_all_is_the_table_and_the_version(self) -> None:
        """``pyfactory.__all__`` is built from the lazy-loading table: nothing listed
        twice, nothing left out."""
        assert sorted(pyfactory.__all__) == sorted(["__version__", *pyfactory._WHERE])
        assert len(set(pyfactory.__all__)) == len(pyfactory.__all__)

    @pytest.mark.parametrize("name", sorted(pyfactory._WHERE))
    def test_every_name_imports_from_where_the_table_says(self, name: str) -> None:
        """Each name in ``__all__`` imports from ``pyfactory``, and is the object that
        its module, as the table names it, defines."""
        module = importlib.import_module(pyfactory._WHERE[name])

        assert getattr(pyfactory, name) is getattr(module, name)

    def test_star_import_gives_every_name(self) -> None:
        """``from pyfactory import *`` in a fresh interpreter binds every listed name."""
        code = (
            "from pyfactory import *\n"
            "import pyfactory\n"
            "missing = [n for n in pyfactory.__all__ if n not in globals()]\n"
            "assert not missing, missing\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )

        assert result.returncode == 0, result.stderr

    @pytest.mark.slow
    @pytest.mark.xdist_group("mypy")  # on the worker of tests/test_typing.py's mypy run
    def test_star_import_gives_mypy_every_name(
        self, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """Under ``mypy --strict``, ``from pyfactory import *`` binds every public name
        (``tests/typing_cases/star_import.py`` uses each)."""
        run = plain_run(tmp_path_factory)
        used = ast.parse((CASES / "star_import.py").read_text())

        assert {n.id for n in ast.walk(used) if isinstance(n, ast.Name)} >= set(pyfactory._WHERE)
        run.check("star_import.py")

    def test_type_checkers_see_the_names_of_the_table(self) -> None:
        """The ``TYPE_CHECKING`` imports, which are what type checkers read, name the
        same objects from the same modules as the table."""
        assert type_checking_imports() == pyfactory._WHERE


class TestTheMypyPluginPaths:
    def test_the_plugin_names_its_objects_in_one_place(self) -> None:
        """Every pyfactory object the plugin names is a module constant (or a key of
        one), not a string written inside a function."""
        constants = {
            value
            for value in vars(pyfactory.mypy).values()
            if isinstance(value, (str, tuple, dict))
            for value in ([value] if isinstance(value, str) else value)
        }
        named = [path for path in plugin_paths() if path.startswith("pyfactory.")]

        assert named
        assert [path for path in named if path not in constants] == []

    @pytest.mark.parametrize("path", plugin_paths())
    def test_every_dotted_path_names_a_real_object(self, path: str) -> None:
        """A full name in the plugin imports, and a class or function is defined
        where it says: mypy knows an object by where it is defined, so a name that
        only re-exports it would never match."""
        if path.startswith("sqlalchemy."):
            pytest.importorskip("sqlalchemy")
        value = resolve(path)

        if inspect.isclass(value) or inspect.isfunction(value):
            assert f"{value.__module__}.{value.__qualname__}" == path

    def test_the_plugin_knows_where_factory_is_defined(self) -> None:
        """The one constant that says which module defines ``Factory``, ``schema`` and
        ``trait`` (mypy knows them by it) names that module."""
        plugin = pyfactory.mypy
        assert Factory.__module__ == plugin.FACTORY_MODULE
        assert where(Factory) == plugin.FACTORY
        assert where(schema) == plugin.SCHEMA_DECORATOR
        assert where(pyfactory.trait) == plugin.TRAIT_DECORATOR

    def test_the_plugin_modules_import_no_other_module_of_pyfactory(self) -> None:
        """Each module of the plugin imports mypy, ``pyfactory._names``, ``__version__``
        and the plugin's own modules, nothing of the factory machinery."""
        allowed = {"pyfactory", "pyfactory._names"}
        for path in sorted((PACKAGE / "mypy").glob("*.py")):
            tree = ast.parse(path.read_text())
            imported = {
                node.module
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module is not None
            }
            ours = {m for m in imported if m.split(".")[0] == "pyfactory"}
            assert {m for m in ours if not m.startswith("pyfactory.mypy.")} <= allowed, path

    def test_the_plugin_checks_the_methods_that_make_objects(self) -> None:
        """The plugin's method list is the factory's, with the same batch flags."""
        assert pyfactory.mypy.METHODS == MAKE_METHODS

    def test_loading_the_plugin_leaves_the_factory_machinery_unloaded(self) -> None:
        """mypy loads the plugin without importing pyfactory's runtime modules."""
        code = (
            "import sys, pyfactory.mypy\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('pyfactory'))\n"
            "plugin = [m for m in loaded if m.startswith('pyfactory.mypy.')]\n"
            "rest = [m for m in loaded if m not in plugin]\n"
            "assert rest == ['pyfactory', 'pyfactory._names', 'pyfactory.mypy'], loaded\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )

        assert result.returncode == 0, result.stderr


class TestTheMethodTable:
    @pytest.mark.parametrize("name", sorted(MAKE_METHODS))
    def test_each_method_that_makes_objects_runs_on_the_class(self, name: str) -> None:
        """Each method of the table runs on the class (``BookFactory.build("basic")``),
        and takes a count after the schema exactly when the table says so."""

        class BookFactory(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()
            _default_schema = "basic"

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": "Dune"}

        made = getattr(BookFactory, name)(*(["basic", 2] if MAKE_METHODS[name] else ["basic"]))
        if inspect.isawaitable(made):
            made = asyncio.run(made)

        if name.endswith("insert_batch"):
            assert made == 2  # the count of rows written
        elif MAKE_METHODS[name]:
            assert [row["title"] for row in made] == ["Dune", "Dune"]
        else:
            assert made["title"] == "Dune"

    @pytest.mark.parametrize("name", sorted(FACTORY_API))
    def test_a_schema_may_not_take_a_name_of_the_api(self, name: str) -> None:
        """A factory defining a name of the Factory API is refused when defined."""
        with pytest.raises(FactoryDefinitionError, match=rf"defines '{name}', a name the Factory"):
            type("BadFactory", (Factory,), {"_model": dict, name: "a value"})


class TestTheNameRule:
    """``split_names``: the schema and traits of a call, where a trait may stand in the
    schema's place when the factory has a default schema."""

    SCHEMAS = ("basic", "admin")
    TRAITS = ("verified", "banned")

    @pytest.mark.parametrize(
        ("first", "rest", "default", "expected"),
        [
            ("admin", ("verified",), None, ("admin", ("verified",))),
            ("admin", (), "basic", ("admin", ())),
            (None, ("banned",), "basic", ("basic", ("banned",))),
            ("verified", ("banned",), "basic", ("basic", ("verified", "banned"))),
            # The mypy plugin's stand-in for a default not known statically.
            ("verified", (), True, (True, ("verified",))),
        ],
    )
    def test_names_that_fit(
        self, first: str | None, rest: tuple[str, ...], default: object, expected: object
    ) -> None:
        """A schema, the default, or a trait where the schema goes gives its schema."""
        assert split_names(first, rest, self.SCHEMAS, self.TRAITS, default) == expected

    def test_a_trait_first_without_a_default_is_no_schema(self) -> None:
        """Without a default schema, a trait in the schema's place is an unknown schema."""
        with pytest.raises(NotASchema) as raised:
            split_names("verified", (), self.SCHEMAS, self.TRAITS, None)

        assert raised.value.name == "verified"

    def test_a_name_that_is_neither(self) -> None:
        """A name that is neither schema nor trait is an unknown schema."""
        with pytest.raises(NotASchema) as raised:
            split_names("nope", (), self.SCHEMAS, self.TRAITS, "basic")

        assert raised.value.name == "nope"

    def test_no_name_and_no_default(self) -> None:
        """No name, and no default schema to fall back on."""
        with pytest.raises(NoDefaultSchema):
            split_names(None, ("verified",), self.SCHEMAS, self.TRAITS, None)

    def test_an_unknown_trait(self) -> None:
        """A name after the schema that is no trait, including a schema's name."""
        with pytest.raises(NotATrait) as raised:
            split_names("basic", ("verified", "admin"), self.SCHEMAS, self.TRAITS, None)

        assert raised.value.name == "admin"
