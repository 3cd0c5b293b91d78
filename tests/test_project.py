"""The project's own checks, run as tests so that one command runs everything:
ruff, mypy --strict, the docs build, every example and a quick benchmark."""

from __future__ import annotations

import email.parser
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A script directly in examples/ runs as a script; a package directory there (an app,
# like examples/ticketing) runs the way README.rst runs it, through `pyfactory seed`.
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXAMPLE_APPS = sorted(p.parent for p in (ROOT / "examples").glob("*/__init__.py"))
BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def tool(name: str) -> str:
    """The tool installed beside this Python, so the test uses the project's versions."""
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    assert path is not None, f"{name} is not installed; install the test extras"
    return path


@pytest.mark.slow
class TestQuality:
    """The static checks that CI requires."""

    def test_ruff_check(self) -> None:
        """ruff finds nothing in the package, tests, examples and benchmarks."""
        run(tool("ruff"), "check", "pyfactory", "tests", "examples", "benchmarks", "docs")

    def test_ruff_format(self) -> None:
        """Every Python file is formatted as ruff formats it."""
        run(tool("ruff"), "format", "--check", "pyfactory", "tests", "examples", "benchmarks")

    def test_mypy_strict(self) -> None:
        """mypy --strict passes on the package."""
        result = run(sys.executable, "-m", "mypy", "--strict", "pyfactory")
        assert "Success" in result.stdout

    def test_docs_build_without_warnings(self, tmp_path: Path) -> None:
        """The Sphinx site builds with warnings treated as errors."""
        run(
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "docs",
            tmp_path,
        )
        assert (tmp_path / "index.html").exists()


class TestPackage:
    """What an installed pyfactory ships and costs to import."""

    def test_py_typed_ships(self) -> None:
        """The package carries py.typed, so type checkers read its annotations."""
        import pyfactory

        assert (Path(pyfactory.__file__).parent / "py.typed").exists()

    def test_import_stays_light(self) -> None:
        """``import pyfactory`` loads neither Faker nor any optional backend."""
        code = (
            "import sys, pyfactory, pyfactory.builders\n"
            "heavy = {'faker', 'sqlalchemy', 'django', 'pydantic', 'msgspec', 'pytest'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
        )
        result = run(sys.executable, "-c", code)
        assert result.stdout.strip() == "[]"


#: What a checkout holds that is no source: left out when the tree is copied to build it.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "_build",
    ".*_cache",
    ".hypothesis",
    ".coverage*",
    "*.sqlite3",
)


@pytest.mark.slow
def test_sdist_carries_the_quickstart_and_the_package_page_metadata(tmp_path: Path) -> None:
    """The source distribution is pyfactory-schema 1.0.0a1 with its MIT license
    expression, author and project links, and carries what README's Quickstart runs:
    the ticketing demo, the docs, the tests and the CI script, besides the package."""
    # Built from a copy, as a release is built from a clean tree: the build writes its
    # egg-info beside setup.cfg, and nothing it finds must come from a git listing.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    # --no-isolation: the test extras install build and setuptools>=77, so no download.
    assert importlib.util.find_spec("build"), "build is not installed; install the test extras"
    build = [sys.executable, "-m", "build", "--sdist", "--no-isolation"]
    run(*build, "--outdir", tmp_path / "dist", source, cwd=tmp_path)
    (sdist,) = (tmp_path / "dist").iterdir()
    assert sdist.name == "pyfactory_schema-1.0.0a1.tar.gz"
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        info = archive.extractfile("pyfactory_schema-1.0.0a1/PKG-INFO")
        assert info is not None
        metadata = email.parser.BytesHeaderParser().parse(info)
    assert {
        "LICENSE",
        "CHANGELOG.rst",
        "README.rst",
        "setup.cfg",
        "pyproject.toml",
        ".ci/run",
        "pyfactory/py.typed",
        "examples/ticketing/__init__.py",
        "examples/ticketing/seeds.py",
        "examples/quickstart.py",
        "docs/conf.py",
        "docs/index.rst",
        "conftest.py",
        "docs/conftest.py",
        "tests/conftest.py",
        "tests/plugins/databases.py",
        "tests/test_project.py",
        "benchmarks/README.rst",
    } <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".sqlite3"))]
    assert (metadata["Name"], metadata["Version"]) == ("pyfactory-schema", "1.0.0a1")
    assert metadata["Author"] == "the pyfactory authors"
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert not [c for c in metadata.get_all("Classifier", []) if c.startswith("License ::")]
    repository = "https://github.com/pyfactory-schema/pyfactory"
    assert metadata.get_all("Project-URL") == [
        f"Documentation, {repository}/tree/main/docs",
        f"Source, {repository}",
        f"Changelog, {repository}/blob/main/CHANGELOG.rst",
        f"Issues, {repository}/issues",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    """Every example script runs to the end, in a directory of its own."""
    result = run(sys.executable, script, cwd=tmp_path)
    assert result.stdout.strip(), f"{script.name} printed nothing"


@pytest.mark.slow
@pytest.mark.parametrize("app", EXAMPLE_APPS, ids=[p.name for p in EXAMPLE_APPS])
def test_example_app_seeds_then_skips(app: Path, tmp_path: Path) -> None:
    """An example app seeds a fresh SQLite file with README's command, printing the
    summary; run again, every seed is skipped."""
    first = run(tool("pyfactory"), "seed", app, "--create-tables", cwd=tmp_path)
    lines = first.stdout.splitlines()
    assert lines[0].split() == ["seed", "status", "seconds", "rows"]
    assert [line.split()[1] for line in lines[1:-1]] == ["ran"] * (len(lines) - 2)
    assert (tmp_path / "pyfactory.sqlite3").exists()
    second = run(tool("pyfactory"), "seed", app, cwd=tmp_path)
    statuses = [line.split()[1] for line in second.stdout.splitlines()[1:-1]]
    assert statuses == ["skipped"] * (len(lines) - 2)
    assert " 0 ran, " in second.stdout.splitlines()[-1]


@pytest.mark.slow
@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.name for p in BENCHMARKS])
def test_benchmark_quick_run(script: Path, tmp_path: Path) -> None:
    """Every benchmark runs in its quick mode and prints its ratios (no timing is asserted)."""
    result = run(sys.executable, script, "--quick", cwd=tmp_path)
    assert "pyfactory" in result.stdout
