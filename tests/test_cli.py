"""The ``pyfactory`` command line: ``pyfactory check MODULE ...``, ``--version``, and
the targets that ``check`` and ``seed`` both accept.

The real console script and ``python -m pyfactory`` run in a subprocess; the other
cases call :func:`pyfactory.cli.main` in this process, which is the same code.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import pyfactory
from pyfactory.cli import main

SCRIPT = Path(sys.executable).with_name("pyfactory")
DOCS = Path(__file__).parent.parent / "docs" / "checking.rst"

GOOD = textwrap.dedent("""
    from dataclasses import dataclass

    from pyfactory import Factory, schema, trait


    @dataclass
    class Thing:
        name: str


    class ThingFactory(Factory[Thing]):
        _model = Thing

        @schema()
        def basic(self):
            return {"name": "thing"}

        @trait()
        def loud(self):
            return {"name": "THING"}


    class BaseFactory(Factory[Thing]):
        _abstract = True
""")

#: The module of docs/checking.rst.
DOCS_MODULE = """
    from dataclasses import dataclass

    from pyfactory import Factory, lazy, schema, trait


    @dataclass
    class User:
        name: str
        email: str


    class UserFactory(Factory[User]):
        _model = User
        _default_schema = "basic"

        @schema()
        def basic(self):
            return {"name": "Ann", "email": "ann@example.com"}

        @schema()
        def legacy(self):
            return {"name": "Ann", "mail": "ann@example.com"}  # renamed long ago

        @trait()
        def shouting(self):
            return {"name": lazy(lambda user: user["nick"].upper())}
"""


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def run(
    *args: str, cwd: Path, command: tuple[str, ...] = (str(SCRIPT),)
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """For in-process runs: tmp_path as the current directory, and the path and the
    modules as they were afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


# ------------------------------------------------------------------ the real commands


@pytest.mark.parametrize(
    "command", [(str(SCRIPT),), (sys.executable, "-m", "pyfactory")], ids=["script", "-m"]
)
def test_a_passing_module_exits_0(tmp_path: Path, command: tuple[str, ...]) -> None:
    write(tmp_path / "things.py", GOOD)
    result = run("check", "things", cwd=tmp_path, command=command)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "pyfactory check: 2 builds of 1 factory passed\n",
        "",
    )


def test_the_failures_of_the_docs_page(tmp_path: Path) -> None:
    """The console example of docs/checking.rst is this run's output, word for word."""
    write(tmp_path / "myapp" / "__init__.py", "")
    write(tmp_path / "myapp" / "factories.py", DOCS_MODULE)
    result = run("check", "myapp/factories.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""
    page = DOCS.read_text()
    block = page.split("   $ pyfactory check myapp/factories.py\n", 1)[1].split("   $ echo $?")[0]
    assert result.stdout == textwrap.dedent(block)


def test_help(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert text.startswith("usage: pyfactory [-h] [--version] COMMAND ...")
    assert "--version print pyfactory's version and exit" in text
    assert (
        "check build (or create) every factory's schemas and traits, and list those that fail"
    ) in text
    assert "seed run the seeds of a module against a database" in text
    result = run("check", "--help", cwd=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert text.startswith(
        "usage: pyfactory check [-h] [--seed SEED] [--create] [--url URL] [--create-tables] "
        "[--settings MODULE] [--database ALIAS] MODULE [MODULE ...]"
    )
    assert (
        "MODULE a dotted module name (myapp.factories), a file (tests/factories.py) or a "
        "package directory (myapp/)"
    ) in text
    assert "exits with 1 if any does, 0 otherwise" in text


def test_python_m_pyfactory_runs_main(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(here / "things_main.py", GOOD)
    monkeypatch.setattr(sys, "argv", ["pyfactory", "check", "things_main"])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(Path(pyfactory.__file__).with_name("__main__.py")), run_name="__main__")
    assert info.value.code == 0
    assert capsys.readouterr().out == "pyfactory check: 2 builds of 1 factory passed\n"


@pytest.mark.parametrize(
    "command", [(str(SCRIPT),), (sys.executable, "-m", "pyfactory")], ids=["script", "-m"]
)
def test_version_prints_the_installed_version(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = run("--version", cwd=tmp_path, command=command)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"pyfactory {pyfactory.__version__}\n",
        "",
    )
    assert pyfactory.__version__ == "1.0.0a1"


def write_shop(root: Path) -> None:
    """A package whose factories live in its modules, one of them in a subpackage; its
    ``__init__`` imports none of them, and its ``__main__`` must never run."""
    write(root / "shop" / "__init__.py", '"""A shop."""\n')
    write(root / "shop" / "__main__.py", "raise SystemExit('shop.__main__ ran')\n")
    write(root / "shop" / "factories.py", GOOD)
    write(root / "shop" / "admin" / "__init__.py", "")
    write(root / "shop" / "admin" / "more.py", GOOD.replace("Thing", "Other"))


@pytest.mark.parametrize("target", ["shop", "shop/", "shop/__init__.py"])
def test_check_of_a_package_directory_checks_every_module_in_it(
    tmp_path: Path, target: str
) -> None:
    """As `pyfactory seed examples/ticketing` takes a package directory, so does check,
    and it checks the factories of every module of the package, subpackages too."""
    write_shop(tmp_path)
    result = run("check", target, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "pyfactory check: 4 builds of 2 factories passed\n",
        "",
    )


def test_check_of_a_package_by_dotted_name_checks_every_module_in_it(tmp_path: Path) -> None:
    write_shop(tmp_path / "src")
    result = run("check", "shop", cwd=tmp_path / "src", command=(sys.executable, "-m", "pyfactory"))
    assert (result.returncode, result.stdout) == (
        0,
        "pyfactory check: 4 builds of 2 factories passed\n",
    )


def test_check_of_the_readme_demo_package(tmp_path: Path) -> None:
    """README's demo, examples/ticketing, checks as the directory that seed is given."""
    demo = Path(__file__).parent.parent / "examples" / "ticketing"
    result = run("check", str(demo), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pyfactory check: ")
    assert result.stdout.endswith(" passed\n")


def test_a_file_outside_any_package_imports_its_neighbours(tmp_path: Path) -> None:
    """The console script does not put the current directory on the path: a file's own
    folder is made importable, so it imports the modules beside it by their names."""
    write(tmp_path / "project" / "models.py", "NAME = 'from models.py'\n")
    write(
        tmp_path / "project" / "factories.py",
        "from models import NAME\n" + GOOD.replace('"thing"', "NAME"),
    )
    (tmp_path / "elsewhere").mkdir()
    result = run("check", "../project/factories.py", cwd=tmp_path / "elsewhere")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "pyfactory check: 2 builds of 1 factory passed\n",
        "",
    )


def test_a_broken_module_in_a_checked_package_exits_1(tmp_path: Path) -> None:
    write_shop(tmp_path)
    write(tmp_path / "shop" / "admin" / "broken.py", "raise RuntimeError('half-written')\n")
    result = run("check", "shop", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert 'shop/admin/broken.py", line 1, in <module>' in result.stderr
    assert "RuntimeError: half-written" in result.stderr
    assert result.stderr.endswith("pyfactory check: importing shop raised RuntimeError\n")


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.endswith(
        "pyfactory: error: the following arguments are required: COMMAND\n"
    )
    result = run("seed", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.endswith(
        "pyfactory seed: error: the following arguments are required: MODULE[:NAME]\n"
    )
    result = run("grow", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'grow'" in result.stderr


# ------------------------------------------------------------------ in this process


def test_a_file_path_and_a_dotted_name(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "first_things.py", GOOD)
    write(here / "pkg" / "__init__.py", "")
    write(here / "pkg" / "more.py", "from .models import Thing\n" + GOOD.replace("Thing", "Other"))
    write(here / "pkg" / "models.py", "class Thing:\n    pass\n")
    assert main(["check", "first_things.py", "pkg.more"]) == 0
    assert capsys.readouterr().out == "pyfactory check: 4 builds of 2 factories passed\n"


def test_a_file_in_a_package_is_imported_with_its_package(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(here / "src" / "app" / "__init__.py", "")
    write(here / "src" / "app" / "models.py", "VALUE = 'from the package'\n")
    write(
        here / "src" / "app" / "factories.py",
        GOOD.replace('"thing"', "VALUE") + "\nfrom .models import VALUE\n",
    )
    assert main(["check", str(here / "src" / "app" / "factories.py")]) == 0
    assert sys.modules["app.factories"].ThingFactory().build("basic").name == "from the package"
    capsys.readouterr()
    assert main(["check", "src/app/__init__.py", "src/app/factories.py"]) == 0


def test_a_package_directory_imports_its_modules_but_not_main(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_shop(here)
    assert main(["check", "shop/"]) == 0
    assert capsys.readouterr().out == "pyfactory check: 4 builds of 2 factories passed\n"
    assert {"shop.factories", "shop.admin", "shop.admin.more"} <= set(sys.modules)
    assert "shop.__main__" not in sys.modules


def test_failures_are_listed_and_exit_1(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "users.py", DOCS_MODULE)
    assert main(["check", "users", "--seed", "5"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "UserFactory(seed=5).build('basic', 'shouting'): FieldError: "
        "UserFactory.basic → name: lazy field raised KeyError('nick')"
    )
    assert out[1].startswith(
        "UserFactory(seed=5).build('legacy'): BuilderError: UserFactory.legacy: "
    )
    assert out[-1] == "pyfactory check: 3 of 4 builds of 1 factory failed"
    assert len(out) == 4


def test_imported_factories_are_not_checked_twice(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(here / "origin.py", GOOD)
    write(here / "user_of.py", "from origin import ThingFactory\n")
    assert main(["check", "origin", "user_of", "origin"]) == 0
    assert capsys.readouterr().out == "pyfactory check: 2 builds of 1 factory passed\n"


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: pyfactory check [-h] [--seed SEED] [--create] ")
    return err.splitlines()[-1]


def test_unknown_module_and_file(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage_error(["check", "no_such.module"], capsys) == (
        f"pyfactory check: error: no module named 'no_such.module' (from {here})"
    )
    assert _usage_error(["check", "missing.py"], capsys) == (
        "pyfactory check: error: no such file: missing.py"
    )
    assert _usage_error(["check", "dir/missing"], capsys) == (
        "pyfactory check: error: no such file: dir/missing"
    )
    assert _usage_error(["check", "missing_dir/"], capsys) == (
        "pyfactory check: error: no such file: missing_dir/"
    )


def test_a_directory_that_is_no_package(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder without __init__.py is no package: check and seed both say so, and how
    to name what is in it (they read their targets with one loader)."""
    write(here / "scripts" / "factories.py", GOOD)
    expected = (
        "error: scripts/ is a directory but not a package (it has no __init__.py): "
        "name a .py file in it, or add an __init__.py"
    )
    assert _usage_error(["check", "scripts/"], capsys) == f"pyfactory check: {expected}"
    assert main(["seed", "scripts/"]) == 2
    assert capsys.readouterr().err == f"pyfactory seed: {expected}\n"


def test_a_module_without_factories(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(here / "plain.py", "VALUE = 1\n")
    write(here / "imports_one.py", "from pyfactory import Factory\n")
    assert _usage_error(["check", "plain", "imports_one"], capsys) == (
        "pyfactory check: error: no factory found in plain, imports_one"
    )


def test_a_module_that_raises_while_imported(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        here / "broken.py",
        """
        from pyfactory import Factory

        class NoModel(Factory):
            pass
        """,
    )
    assert main(["check", "broken"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback (most recent call last)" in captured.err
    assert "pyfactory.errors.FactoryDefinitionError: NoModel has no _model" in captured.err
    assert captured.err.endswith(
        "pyfactory check: importing broken raised FactoryDefinitionError\n"
    )


def test_a_module_that_imports_a_missing_one(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(here / "needs.py", "import not_installed_anywhere\n")
    assert main(["check", "needs"]) == 1
    err = capsys.readouterr().err
    assert "ModuleNotFoundError: No module named 'not_installed_anywhere'" in err
    assert err.endswith("pyfactory check: importing needs raised ModuleNotFoundError\n")
