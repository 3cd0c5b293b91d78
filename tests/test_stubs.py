"""``pyfactory stubs``: typed ``.pyi`` stubs of factory modules and of ``register()``
fixtures, so that pyright, pylance and mypy without the plugin catch a misspelt
schema, trait or override (:mod:`pyfactory._stubs`, :mod:`pyfactory.cli._stubs`).

The command runs in this process (``main(argv)``); the stubs it writes are then read
by real type checkers: mypy without the plugin, always, and pyright when it is
installed and can start (it fetches its Node package on first use).
"""

from __future__ import annotations

import dataclasses
import json
import os
import py_compile
import shutil
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pyfactory
from pyfactory import Factory, association, many, schema, trait
from pyfactory._stubs import DEPTH, NoSource, module_stub, override_keys
from pyfactory.cli import main
from tests.test_typing import docs_blocks, run_mypy

FACTORIES = textwrap.dedent('''
    """The shop's factories."""

    from __future__ import annotations

    from dataclasses import dataclass
    from typing import Any

    from pyfactory import Factory, association, many, schema, trait


    @dataclass
    class Customer:
        username: str
        email: str = ""


    @dataclass
    class Order:
        total: int
        customer: Customer
        lines: tuple[str, ...] = ()


    class CustomerFactory(Factory[Customer]):
        _model = Customer
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"username": "ann"}

        @trait()
        def vip(self) -> dict[str, Any]:
            return {"email": "vip@example.com", "discount": 10}


    class OrderFactory(Factory[Order]):
        _model = Order

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"total": 100, "customer": association(CustomerFactory)}

        @schema()
        def gift(self) -> dict[str, Any]:
            base = self.schema("basic")
            base["message"] = "Happy birthday"
            return base


    class BaseFactory(Factory[Customer]):
        _abstract = True
''')

CONFTEST = textwrap.dedent("""
    from pyfactory.pytest import register

    from shop_factories import CustomerFactory, OrderFactory

    register(CustomerFactory)
    register(OrderFactory, schema="gift")
""")

#: A module without a docstring or a last newline, of a model taking any keyword, with
#: a star import and a factory registered twice.
ODD = """from typing import Any
from dataclasses import *

from pyfactory import Factory, schema
from pyfactory.pytest import register


class Bag:
    def __init__(self, **items: Any) -> None:
        self.items = items


class BagFactory(Factory[Bag]):
    _model = Bag
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"a": 1}


register(BagFactory)
register(BagFactory, "other_bag")"""

#: A module of tests, as a user writes them, with the mistakes the stubs catch.
TESTS = textwrap.dedent("""
    from shop_factories import CustomerFactory, Order, OrderFactory

    orders = OrderFactory()
    reveal_type(orders.build("basic"))
    orders.build("basic", totl=10)
    orders.build("gfit")
    orders.build()
    orders.build("basic", customer__usernme="bob")
    orders.build("gift", message="Hi", customer__username="bob", customer__vip=True)
    CustomerFactory().build("vp")
    CustomerFactory().build("vip", discount=5)
    CustomerFactory().build_batch(2, emial="x")
    CustomerFactory().create_batch("basic", 2, vip=True)


    def test_order(order: Order, customer_factory: CustomerFactory) -> None:
        customer_factory.build(usernme="x")
""").lstrip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project with a factory module and a conftest registering its factories, as
    the current directory; the modules imported are forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    write(tmp_path / "shop_factories.py", FACTORIES)
    write(tmp_path / "conftest.py", CONFTEST)
    write(tmp_path / "test_shop.py", TESTS)
    # pytest imported this suite's own conftest.py as ``conftest``: the project's is
    # another module of that name.
    monkeypatch.delitem(sys.modules, "conftest", raising=False)
    yield tmp_path
    _forget_modules_in(tmp_path)


def _forget_modules_in(folder: Path) -> None:
    """Forget the modules imported from ``folder`` (others, mypy's included, stay)."""
    for name, module in list(sys.modules.items()):
        if Path(getattr(module, "__file__", None) or "/").is_relative_to(folder):
            del sys.modules[name]


def stubs(*argv: str) -> int:
    return main(["stubs", *argv])


class TestCommand:
    def test_stubs_are_written_next_to_the_modules(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each module with a factory or a register() fixture gets a .pyi beside it,
        and the command says what it wrote."""
        assert stubs("shop_factories.py", "conftest.py") == 0
        assert capsys.readouterr().out == (
            "wrote shop_factories.pyi (2 factories)\nwrote conftest.pyi (2 fixtures)\n"
        )
        assert (shop / "shop_factories.pyi").is_file()
        stub = (shop / "shop_factories.pyi").read_text()
        assert stub.startswith(
            "# Typed stub written by `pyfactory stubs` from shop_factories: regenerate it"
        )
        # The source stays, its imports made re-exports; the abstract base is untouched.
        assert '"""The shop\'s factories."""\n\nfrom __future__ import annotations\n' in stub
        assert "from pyfactory import Factory as Factory, association as association" in stub
        assert "class BaseFactory(Factory[Customer]):\n    _abstract = True\n\n\n_pf" in stub
        assert (
            "    def build(self, schema: _pf_OrderFactory_schema, /, "
            "**overrides: _pf_Unpack[_pf_OrderFactory_overrides]) -> Order: ...\n"
        ) in stub
        assert (
            "    @_pf_overload\n"
            "    def build_batch(self, count: int, /, *traits: _pf_CustomerFactory_trait, "
            "**overrides: _pf_Unpack[_pf_CustomerFactory_overrides]) -> list[Customer]: ...\n"
        ) in stub
        assert "_pf_CustomerFactory_schema = _pf_Literal['basic', 'vip']\n" in stub
        assert "_pf_OrderFactory_schema = _pf_Literal['basic', 'gift']\n" in stub
        assert (
            "_pf_OrderFactory_overrides = _pf_TypedDict('_pf_OrderFactory_overrides', "
            "{'customer': _pf_Any, 'customer__discount': _pf_Any, 'customer__email': _pf_Any, "
            "'customer__username': _pf_Any, 'customer__vip': _pf_Any, 'lines': _pf_Any, "
            "'message': _pf_Any, 'total': _pf_Any}, total=False)\n"
        ) in stub
        fixtures = (shop / "conftest.pyi").read_text()
        assert (
            "@_pf_pytest.fixture\n"
            "def customer_factory() -> _pf_CustomerFactory_fixture: ...\n\n"
            "@_pf_pytest.fixture\n"
            "def customer() -> _pf_shop_factories_Customer: ...\n"
        ) in fixtures
        assert "from shop_factories import Customer as _pf_shop_factories_Customer\n" in fixtures
        assert "def order() -> _pf_shop_factories_Order: ...\n" in fixtures

    def test_out_writes_by_dotted_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``--out DIR`` puts each stub at the module's dotted path under DIR (a package's
        modules, and the package itself as ``__init__.pyi``), where pyright's
        ``stubPath`` looks; a module without factories gets none."""
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(sys, "path", list(sys.path))
        write(tmp_path / "stubshop" / "__init__.py", ODD)
        write(tmp_path / "stubshop" / "factories.py", FACTORIES)
        write(tmp_path / "stubshop" / "helpers.py", "X = 1\n")
        try:
            assert stubs("stubshop", "--out", "typings") == 0
        finally:
            _forget_modules_in(tmp_path)
        assert capsys.readouterr().out == (
            f"wrote {Path('typings/stubshop/__init__.pyi')} (1 factory, 2 fixtures)\n"
            f"wrote {Path('typings/stubshop/factories.pyi')} (2 factories)\n"
        )
        assert sorted(p.name for p in (tmp_path / "typings" / "stubshop").iterdir()) == [
            "__init__.pyi",
            "factories.pyi",
        ]

    def test_a_stub_outside_the_current_directory_is_shown_whole(
        self,
        tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        elsewhere = tmp_path_factory.mktemp("elsewhere")
        monkeypatch.chdir(elsewhere)
        monkeypatch.setattr(sys, "path", list(sys.path))
        write(tmp_path / "odd_bags.py", ODD)
        try:
            assert stubs(str(tmp_path / "odd_bags.py")) == 0
        finally:
            _forget_modules_in(tmp_path)
        assert capsys.readouterr().out == (
            f"wrote {tmp_path.resolve() / 'odd_bags.pyi'} (1 factory, 2 fixtures)\n"
        )

    def test_a_missing_module_is_a_usage_error(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as info:
            stubs("nowhere.py")
        assert info.value.code == 2
        assert "pyfactory stubs: error: no such file: nowhere.py" in capsys.readouterr().err

    def test_a_module_without_factories_is_a_usage_error(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A module that defines no factory (importing one is not defining it) and has
        no register() fixture gives nothing to write."""
        write(shop / "plain.py", "from shop_factories import OrderFactory\n")
        with pytest.raises(SystemExit) as info:
            stubs("plain.py")
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "pyfactory stubs: error: no factory or register() fixture found in plain.py" in err
        assert not (shop / "plain.pyi").exists()

    def test_settings_that_do_not_import_are_a_usage_error(self, tmp_path: Path) -> None:
        """Django is set up before the modules are imported, as for ``pyfactory check``;
        settings that cannot be imported stop the command (run in a process of its own,
        as Django is set up once per process)."""
        write(tmp_path / "empty.py", "")
        root = Path(pyfactory.__file__).resolve().parent.parent
        env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{tmp_path}"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        result = subprocess.run(
            [sys.executable, "-m", "pyfactory", "stubs", "empty", "--settings", "no_such_settings"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (
            "pyfactory stubs: error: cannot set Django up with the settings no_such_settings: "
            "ModuleNotFoundError: No module named 'no_such_settings'\n"
        )

    def test_a_module_that_raises_exits_1(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        write(shop / "broken.py", "1 / 0\n")
        assert stubs("broken.py") == 1
        err = capsys.readouterr().err
        assert "ZeroDivisionError: division by zero" in err
        assert err.endswith("pyfactory stubs: importing broken.py raised ZeroDivisionError\n")


class TestModuleStub:
    def test_odd_modules(self, shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A model that takes any keyword keeps ``**overrides: Any``; a star import stays
        as written; a factory registered twice gets one factory fixture; a source
        without a docstring or a last newline is written whole, the stub's imports
        first."""
        write(shop / "odd_bags.py", ODD)
        assert stubs("odd_bags.py") == 0
        stub = (shop / "odd_bags.pyi").read_text()
        assert stub.split("\n")[4:10] == [
            "from typing import Any as _pf_Any",
            "from typing_extensions import Literal as _pf_Literal",
            "from typing_extensions import overload as _pf_overload",
            "from hypothesis.strategies import SearchStrategy as _pf_SearchStrategy",
            "import pytest as _pf_pytest",
            "from typing import Any as Any",
        ]
        assert "from dataclasses import *\n" in stub
        assert "register(BagFactory, 'other_bag')" not in stub
        assert 'register(BagFactory, "other_bag")\n\n\n_pf_BagFactory_schema' in stub
        assert (
            "    def build(self, schema: _pf_BagFactory_schema | None = None, /, "
            "**overrides: _pf_Any) -> Bag: ...\n"
        ) in stub
        assert "_pf_BagFactory_overrides" not in stub
        assert stub.count("def bag_factory()") == 1
        assert "def bag() -> Bag: ...\n" in stub
        assert "def other_bag() -> Bag: ...\n" in stub

    def test_the_strategy_methods_are_typed_as_build_is(
        self, shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Where Factory has ``strategy`` and ``create_strategy``, they take what
        ``build`` takes and give a Hypothesis ``SearchStrategy`` of the model."""
        monkeypatch.setattr("pyfactory._stubs._STRATEGIES", ("strategy", "create_strategy"))
        assert stubs("shop_factories.py") == 0
        stub = (shop / "shop_factories.pyi").read_text()
        assert "from hypothesis.strategies import SearchStrategy as _pf_SearchStrategy\n" in stub
        assert (
            "    def create_strategy(self, schema: _pf_CustomerFactory_schema | None = None, /, "
            "*traits: _pf_CustomerFactory_trait, **overrides: "
            "_pf_Unpack[_pf_CustomerFactory_overrides]) -> _pf_SearchStrategy[Customer]: ...\n"
        ) in stub

    def test_a_module_without_its_source_is_a_usage_error(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A module imported from its compiled file alone has no source to copy."""
        source = shop / "compiled_shop.py"
        write(source, FACTORIES)
        py_compile.compile(str(source), cfile=str(shop / "compiled_shop.pyc"), doraise=True)
        source.unlink()
        with pytest.raises(SystemExit) as info:
            stubs("compiled_shop")
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "pyfactory stubs: error: compiled_shop has no source to write a stub from" in err

    def test_a_module_without_source_is_refused(self) -> None:
        """A module made in memory has no source to write a stub from."""
        module = types.ModuleType("in_memory")
        with pytest.raises(NoSource) as info:
            module_stub(module, [])
        assert str(info.value) == "in_memory has no source to write a stub from"


class _Loose:
    def __init__(self, **anything: Any) -> None:
        self.anything = anything


class LooseFactory(Factory[_Loose]):
    _model = _Loose

    @schema()
    def basic(self) -> dict[str, Any]:
        return {}


@dataclasses.dataclass
class _Node:
    name: str
    parent: _Node | None = None


class NodeFactory(Factory[_Node]):
    _model = _Node
    _default_schema = "leaf"

    @schema()
    def leaf(self) -> dict[str, Any]:
        return {"name": "leaf"}

    @schema()
    def child(self) -> dict[str, Any]:
        return {"name": "child", "parent": association(NodeFactory, "child")}


@dataclasses.dataclass
class _Tree:
    nodes: list[_Node]


class TreeFactory(Factory[_Tree]):
    _model = _Tree

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"nodes": many(NodeFactory, "leaf", count=2)}

    @trait()
    def needs_context(self) -> dict[str, Any]:
        return {"nodes": self.context["nodes"]}


@dataclasses.dataclass
class _Box:
    content: _Loose


class BoxFactory(Factory[_Box]):
    _model = _Box

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"content": association(LooseFactory())}


class TestOverrideKeys:
    def test_keys_go_down_associations_to_a_depth(self) -> None:
        """A schema that reaches itself through an association gives keys down to
        :data:`DEPTH` steps, no further."""
        keys = override_keys(NodeFactory)
        assert keys is not None
        assert DEPTH == 3
        assert max(key.count("__") for key in keys) == DEPTH - 1
        assert {"name", "parent", "parent__name", "parent__parent__name"} <= keys

    def test_a_model_taking_any_keyword_gives_none(self) -> None:
        """``**kwargs`` in the model's constructor: every key is accepted, so the stub
        keeps ``**overrides: Any``."""
        assert override_keys(LooseFactory) is None

    def test_a_child_taking_any_key_gives_none(self) -> None:
        """Below an association (of a factory instance, here) whose model takes any
        keyword, any ``key__field`` may do: no keys are listed."""
        assert override_keys(BoxFactory) is None

    def test_a_trait_that_cannot_run_alone_gives_none(self) -> None:
        """A trait that reads the call's context raises when made alone: its keys are
        not known, so none are listed."""
        assert override_keys(TreeFactory) is None


# ------------------------------------------------------------ real type checkers

#: What mypy without the plugin reports in TESTS, by line, with the stubs.
MYPY_ERRORS = {
    5: [
        'Unexpected keyword argument "totl" for "build" of "OrderFactory"; '
        'did you mean "total"?  [call-arg]'
    ],
    6: [
        'Argument 1 to "build" of "OrderFactory" has incompatible type "Literal[\'gfit\']"; '
        "expected \"Literal['basic', 'gift']\"  [arg-type]"
    ],
    7: ['Too few arguments for "build" of "OrderFactory"  [call-arg]'],
    8: [
        'Unexpected keyword argument "customer__usernme" for "build" of "OrderFactory"; '
        'did you mean "customer__username"?  [call-arg]'
    ],
    10: [
        'Argument 1 to "build" of "CustomerFactory" has incompatible type "Literal[\'vp\']"; '
        "expected \"Literal['basic', 'vip'] | None\"  [arg-type]"
    ],
    12: [
        'Unexpected keyword argument "emial" for overloaded function "build_batch" of '
        '"CustomerFactory"; did you mean "email"?  [call-overload]',
    ],
    17: [
        'Unexpected keyword argument "usernme" for "build" of "CustomerFactory"; '
        'did you mean "username"?  [call-arg]'
    ],
}


@pytest.mark.slow
@pytest.mark.xdist_group("mypy")
class TestTypeCheckers:
    def test_mypy_without_the_plugin_catches_the_mistakes(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With the stubs, plain mypy --strict reports a misspelt override (a deep one
        too), schema and trait, and a missing schema; the stubs themselves check
        cleanly, and the model type comes back."""
        assert stubs("shop_factories.py", "conftest.py") == 0
        run = run_mypy(
            shop, ["test_shop.py", "shop_factories.pyi", "conftest.pyi"], "--config-file="
        )
        errors = dict(run.errors["test_shop.py"])
        # An overloaded call's miss is reported twice, the second time without a hint.
        assert errors.pop(12)[0] == MYPY_ERRORS[12][0]
        assert errors == {k: v for k, v in MYPY_ERRORS.items() if k != 12}, run.stdout
        assert dict(run.notes["test_shop.py"])[4] == ['Revealed type is "shop_factories.Order"']
        assert dict(run.errors["shop_factories.pyi"]) == {}, run.stdout
        assert dict(run.errors["conftest.pyi"]) == {}, run.stdout

    def test_pyright_catches_the_mistakes(
        self, shop: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """pyright --strict, reading the stubs, reports the same mistakes, and none in
        the stubs."""
        pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
        if pyright is None:
            pytest.skip("pyright is not installed (pip install pyright)")
        assert stubs("shop_factories.py", "conftest.py") == 0
        package_root = Path(pyfactory.__file__).resolve().parent.parent
        config = {
            "pythonVersion": "3.10",
            "typeCheckingMode": "strict",
            "extraPaths": [str(package_root)],
        }
        (shop / "pyrightconfig.json").write_text(json.dumps(config))
        try:
            result = subprocess.run(
                [pyright, "--outputjson", "test_shop.py", "shop_factories.pyi", "conftest.pyi"],
                capture_output=True,
                text=True,
                cwd=shop,
                timeout=240,
                check=False,
            )
            report = json.loads(result.stdout)
        except (subprocess.TimeoutExpired, json.JSONDecodeError):
            pytest.skip("pyright could not start (it fetches its Node package on first use)")
        found: dict[tuple[str, int], list[str]] = {}
        for diagnostic in report["generalDiagnostics"]:
            if diagnostic["severity"] == "error":
                key = (Path(diagnostic["file"]).name, diagnostic["range"]["start"]["line"] + 1)
                found.setdefault(key, []).append(diagnostic["message"].splitlines()[0])
        assert found == {
            ("test_shop.py", 5): ['No parameter named "totl"'],
            ("test_shop.py", 6): [
                'Argument of type "Literal[\'gfit\']" cannot be assigned to parameter "schema" '
                'of type "_pf_OrderFactory_schema" in function "build"'
            ],
            ("test_shop.py", 7): ["Expected 1 more positional argument"],
            ("test_shop.py", 8): ['No parameter named "customer__usernme"'],
            ("test_shop.py", 10): [
                'Argument of type "Literal[\'vp\']" cannot be assigned to parameter "schema" '
                'of type "_pf_CustomerFactory_schema | None" in function "build"'
            ],
            ("test_shop.py", 12): ['No overloads for "build_batch" match the provided arguments'],
            ("test_shop.py", 17): ['No parameter named "usernme"'],
        }, result.stdout


# ------------------------------------------------------------------ the docs page


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The modules of docs/mypy.rst's stubs section, as the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "conftest", raising=False)
    blocks = docs_blocks()
    for name in ("catalog.py", "conftest.py", "test_catalog.py"):
        write(tmp_path / name, blocks[name][1])
    yield tmp_path
    _forget_modules_in(tmp_path)


def _pyright(work: Path, *files: str) -> list[dict[str, Any]]:
    """pyright --strict's diagnostics on ``files``; the test is skipped where pyright
    is not installed or cannot start."""
    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    if pyright is None:
        pytest.skip("pyright is not installed (pip install pyright)")
    package_root = Path(pyfactory.__file__).resolve().parent.parent
    config = {"pythonVersion": "3.10", "typeCheckingMode": "strict"}
    (work / "pyrightconfig.json").write_text(
        json.dumps({**config, "extraPaths": [str(package_root)]})
    )
    try:
        result = subprocess.run(
            [pyright, "--outputjson", *files],
            capture_output=True,
            text=True,
            cwd=work,
            timeout=240,
            check=False,
        )
        diagnostics: list[dict[str, Any]] = json.loads(result.stdout)["generalDiagnostics"]
    except (subprocess.TimeoutExpired, json.JSONDecodeError, KeyError):
        pytest.skip("pyright could not start (it fetches its Node package on first use)")
    return diagnostics


@pytest.mark.slow
@pytest.mark.xdist_group("mypy")
class TestDocsPage:
    def test_the_page_shows_the_command_s_output(
        self, catalog: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _, shown = docs_blocks()["pyfactory stubs"]
        command, *lines = shown.strip().splitlines()
        assert command == "$ pyfactory stubs catalog.py conftest.py"
        assert stubs("catalog.py", "conftest.py") == 0
        assert capsys.readouterr().out.splitlines() == lines

    def test_the_page_shows_mypy_s_output_with_the_stubs(
        self, catalog: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """mypy without the plugin reports what the page says, and nothing in the
        stubs."""
        assert stubs("catalog.py", "conftest.py") == 0
        run = run_mypy(
            catalog, ["test_catalog.py", "catalog.pyi", "conftest.pyi"], "--config-file="
        )
        _, shown = docs_blocks()["mypy with the stubs"]
        reported = [
            f"test_catalog.py:{line}: error: {message}"
            for line, messages in sorted(run.errors["test_catalog.py"].items())
            for message in messages
        ]
        assert reported == shown.strip().splitlines(), run.stdout
        assert dict(run.errors["catalog.pyi"]) == {}, run.stdout
        assert dict(run.errors["conftest.pyi"]) == {}, run.stdout

    def test_the_page_shows_pyright_s_output_with_the_stubs(
        self, catalog: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """pyright --strict reports what the page says (each error's first line), and
        nothing in the stubs."""
        assert stubs("catalog.py", "conftest.py") == 0
        diagnostics = _pyright(catalog, "test_catalog.py", "catalog.pyi", "conftest.pyi")
        reported = []
        for diagnostic in diagnostics:
            start = diagnostic["range"]["start"]
            message = diagnostic["message"].splitlines()
            rule = f" ({diagnostic['rule']})" if len(message) == 1 else ""
            reported.append(
                f"{Path(diagnostic['file']).name}:{start['line'] + 1}:{start['character'] + 1}"
                f" - {diagnostic['severity']}: {message[0]}{rule}"
            )
        _, shown = docs_blocks()["pyright with the stubs"]
        assert reported == shown.strip().splitlines()
