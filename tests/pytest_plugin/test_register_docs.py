"""The examples of ``docs/pytest.rst``, run as the files they are shown as.

Each ``.. code-block:: python`` there with ``:caption: <file>`` and
``:name: pytest-<example>-<stem>`` is one file of one example; this module writes an
example's files into a ``pytester`` directory and runs pytest on them.
"""

from __future__ import annotations

import importlib
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "pytest.rst"

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

_BLOCK = re.compile(
    r"^\.\. code-block:: python\n"
    r"   :caption: (?P<file>\S+)\n"
    r"   :name: pytest-(?P<example>[a-z]+)-\S+\n"
    r"\n"
    r"(?P<body>(?:(?:   .*)?\n)+)",
    re.MULTILINE,
)


def examples() -> dict[str, dict[str, str]]:
    """The page's examples: name → file name → source."""
    found: dict[str, dict[str, str]] = {}
    for match in _BLOCK.finditer(PAGE.read_text(encoding="utf-8")):
        files = found.setdefault(match["example"], {})
        assert match["file"] not in files, f"{match['file']} twice in {match['example']}"
        files[match["file"]] = textwrap.dedent(match["body"])
    return found


def write(pytester: pytest.Pytester, name: str, *borrowed: tuple[str, str]) -> None:
    """Write the files of the example ``name``, and the ``(example, file)`` it borrows."""
    pytester.makeini(INI)
    every = examples()
    files = [(file, every[name][file]) for name, file in borrowed]
    files.extend(every[name].items())
    for file, source in files:
        pytester.path.joinpath(file).write_text(source, encoding="utf-8")


def test_every_example_is_run() -> None:
    """The page's examples are the ones these tests run, each with a test module."""
    every = examples()
    assert sorted(every) == ["async", "basic", "django", "djangoscoped", "scoped", "sqlalchemy"]
    for name, files in every.items():
        assert any(file.startswith("test_") for file in files), name


def test_basic(pytester: pytest.Pytester) -> None:
    """Registering, naming, overrides and shared parents, on dataclasses."""
    write(pytester, "basic")
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=9)


@pytest.fixture
def sqlalchemy_loaded() -> None:
    """SQLAlchemy imported here first: pytester forgets the modules an in-process run
    imports, and SQLAlchemy imported afresh beside its compiled parts breaks."""
    for module in ("sqlalchemy.orm", "sqlalchemy.ext.asyncio", "pyfactory.builders.sqlalchemy"):
        importlib.import_module(module)


@pytest.mark.usefixtures("sqlalchemy_loaded")
def test_sqlalchemy_session_per_test(pytester: pytest.Pytester) -> None:
    """A Session per test in a rolled-back transaction, on a SQLite file."""
    write(pytester, "sqlalchemy")
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=3)


@pytest.mark.usefixtures("sqlalchemy_loaded")
def test_sqlalchemy_async_session_per_test(pytester: pytest.Pytester) -> None:
    """An AsyncSession per test in a rolled-back transaction, on a SQLite file with
    aiosqlite; the object fixtures are async."""
    pytest.importorskip("aiosqlite")
    write(pytester, "async", ("sqlalchemy", "models.py"))
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=3)


@pytest.mark.usefixtures("sqlalchemy_loaded")
def test_scoped_author(pytester: pytest.Pytester) -> None:
    """register(..., scope="module") on SQLAlchemy: one author for the module's tests,
    a fresh copy in each, rolled back when the module ends."""
    write(pytester, "scoped", ("sqlalchemy", "models.py"))
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=5)


def run_django(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.RunResult:
    """pytest on the files written, with pytest-django on the suite's settings (SQLite),
    in a process of its own, since this one has Django set up already."""
    pytester.path.joinpath("pytest.ini").write_text(
        INI + "DJANGO_SETTINGS_MODULE = tests.django_settings\ndjango_find_project = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("PYFACTORY_TEST_POSTGRES_URL", raising=False)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_django_scoped_author(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """register(..., scope="session") with pytest-django: one author under every
    test's ``db`` transaction."""
    write(pytester, "djangoscoped")
    run_django(pytester, monkeypatch).assert_outcomes(passed=2)


def test_django(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-django's ``db`` through ``pyfactory_context``, with DjangoBuilder."""
    write(pytester, "django")
    run_django(pytester, monkeypatch).assert_outcomes(passed=3)
