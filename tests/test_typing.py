"""Typing: ``Factory[M]`` under ``mypy --strict`` (DESIGN.md §2, STYLE.md "Typing").

mypy runs once, on every file of ``tests/typing_cases/``; each file states what it
expects on the line it concerns, as pytest-mypy-plugins cases do:

* ``# N: Revealed type is "..."`` for a ``reveal_type`` note,
* ``# E: message  [code]`` for an error.

Every error mypy reports in a case file must be expected there, so a file with no
``# E:`` comments must check cleanly.
"""

from __future__ import annotations

import gc
import re
import shutil
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest

import pyfactory

# One worker runs every test that runs mypy in this process (tests/test_mypy_plugin.py,
# test_typing_sqlalchemy.py, test_names.py, graph/test_graph_typing.py): each run is
# made once there (``_runs``) and later ones start from its cache (``_warm_caches``).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mypy")]

CASES = Path(__file__).parent / "typing_cases"
EXPECT = re.compile(r"#\s*(?P<kind>[NE]):\s*(?P<message>.+?)\s*$")
REPORTED = re.compile(
    r"^(?P<file>[^:]+\.py):(?P<line>\d+): (?P<severity>error|note): (?P<message>.*)$"
)

Expected = dict[int, list[str]]


def normalize(message: str) -> str:
    """Drop the ``builtins.`` prefix that older mypy versions print in revealed types."""
    return message.replace("builtins.", "").strip()


def expected_in(path: Path) -> tuple[Expected, Expected]:
    """The notes and the errors a case file expects, by line."""
    notes: Expected = defaultdict(list)
    errors: Expected = defaultdict(list)
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            target = notes if match["kind"] == "N" else errors
            target[number].append(normalize(match["message"]))
    return notes, errors


class MypyRun:
    """What one mypy run reported, by case file."""

    def __init__(self, stdout: str, stderr: str, status: int, cases: Path = CASES) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
        self.cases = cases
        self.notes: dict[str, Expected] = defaultdict(lambda: defaultdict(list))
        self.errors: dict[str, Expected] = defaultdict(lambda: defaultdict(list))
        for line in stdout.splitlines():
            match = REPORTED.match(line)
            if match is None:
                continue
            name = Path(match["file"]).name
            table = self.errors if match["severity"] == "error" else self.notes
            table[name][int(match["line"])].append(normalize(match["message"]))

    def check(self, case: str) -> None:
        """Assert that mypy reported exactly the errors the case expects, and the notes."""
        notes, errors = expected_in(self.cases / case)
        got_errors = {line: sorted(msgs) for line, msgs in self.errors[case].items()}
        assert got_errors == {line: sorted(msgs) for line, msgs in errors.items()}, self.stdout
        for line, messages in notes.items():
            for message in messages:
                assert message in self.notes[case][line], (
                    f"{case}:{line}: expected note {message!r}\n{self.stdout}"
                )
        revealed = {
            line: [m for m in msgs if m.startswith("Revealed type")]
            for line, msgs in self.notes[case].items()
        }
        expected_reveals = {
            line: [m for m in msgs if m.startswith("Revealed type")] for line, msgs in notes.items()
        }
        assert {k: v for k, v in revealed.items() if v} == {
            k: v for k, v in expected_reveals.items() if v
        }, self.stdout


#: The cache of this process's first mypy run with each set of options (and config file
#: text), and with each command line alone: a later run with the same ones starts from a
#: copy of it, or else from one with its command line. pyfactory, what it
#: imports and the standard library's stubs are then read back, not checked again, and
#: the run checks its own files as a first run does (mypy's cache keeps the results of
#: unchanged modules only; new or changed files are always checked).
_warm_caches: dict[tuple[str, ...], Path] = {}


def _let_go_of_the_build(threshold: tuple[int, int, int]) -> None:
    """Leave the process as it was before an in-process mypy run.

    mypy keeps its last build in globals (the modules in ``mypy.modules_state``, the
    subtype caches and protocol dependencies in ``mypy.typestate``), which each build
    sets afresh (``reset_global_state()`` first): 1.4 million objects that would stay
    alive for the rest of the worker, making every full garbage collection there scan
    them. And it sets the garbage collector's thresholds for its build, not back.
    """
    from mypy.modules_state import modules_state
    from mypy.typestate import reset_global_state

    modules_state.modules = {}
    modules_state.node_fixer = None
    reset_global_state()
    gc.set_threshold(*threshold)


def run_mypy(work: Path, files: list[str], *options: str, cases: Path = CASES) -> MypyRun:
    """One in-process ``mypy --strict`` run over ``files`` of ``work``, outside the
    project's configuration, with its cache in ``work``.

    The files sit in a directory of their own so that each module is named after its
    file, and the project's pyproject.toml (with its ``files=``) is not read. In the
    process, coverage sees the plugin's code run.
    """
    api = pytest.importorskip("mypy.api")
    package_root = Path(pyfactory.__file__).resolve().parent.parent
    cache = work / ".mypy_cache"
    configs = [o.removeprefix("--config-file=") for o in options if o.startswith("--config-file=")]
    key = (*options, *((work / c).read_text() for c in configs if c))
    if not cache.exists():
        # Failing a run with the same configuration, one with the same command line
        # and another configuration file (``[mypy-factories]`` sections, say): mypy
        # checks each cached module against the options it is checked with now, and
        # checks again those they change.
        warm = _warm_caches.get(key) or _warm_caches.get(options)
        if warm is not None:
            shutil.copytree(warm, cache)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        # pyfactory is installed editable through an import hook that mypy cannot follow.
        mp.setenv("MYPYPATH", str(package_root))
        threshold = gc.get_threshold()
        try:
            stdout, stderr, status = api.run(
                [
                    "--strict",
                    "--python-version=3.10",
                    "--no-error-summary",
                    "--show-error-codes",
                    "--hide-error-context",
                    "--no-color-output",
                    f"--cache-dir={cache}",
                    *options,
                    *files,
                ]
            )
        finally:
            _let_go_of_the_build(threshold)
    assert stderr == "", stderr
    _warm_caches.setdefault(key, cache)
    _warm_caches.setdefault(options, cache)
    return MypyRun(stdout, stderr, status, cases)


PLUGIN_CASES = Path(__file__).parent / "typing_plugin_cases"
DOCS_PAGE = Path(__file__).parent.parent / "docs" / "mypy.rst"
DOCS_BLOCK = re.compile(
    r"^\.\. code-block:: (?P<lang>\w+)\n"
    r"(?P<options>(?:    :\w+:.*\n)*)\n"
    r"(?P<body>(?:(?:    .*)?\n)+)",
    re.M,
)

#: The mypy runs of this process, by configuration: each runs once.
_runs: dict[str, MypyRun] = {}


def docs_blocks() -> dict[str, tuple[str, str]]:
    """The code blocks of docs/mypy.rst that have a caption: caption → (language, text)."""
    blocks = {}
    for match in DOCS_BLOCK.finditer(DOCS_PAGE.read_text()):
        caption = re.search(r":caption: (.+)", match["options"])
        if caption:
            body = "\n".join(line.removeprefix("    ") for line in match["body"].splitlines())
            blocks[caption[1].strip()] = (match["lang"], body.strip("\n") + "\n")
    return blocks


def write_docs_modules(work: Path) -> list[str]:
    """The Python blocks of docs/mypy.rst, each written to the file its caption names."""
    names = []
    for caption, (lang, text) in docs_blocks().items():
        if lang == "python":
            (work / caption).write_text(text)
            names.append(caption)
    return names


def plain_run(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    """mypy --strict without the plugin over every case file, the plugin's cases and the
    docs page's modules included (they must all pass without it)."""
    if "plain" not in _runs:
        work = tmp_path_factory.mktemp("typing_cases")
        for case in [*CASES.glob("*.py"), *PLUGIN_CASES.glob("*.py")]:
            shutil.copy(case, work / case.name)
        write_docs_modules(work)
        _runs["plain"] = run_mypy(work, sorted(p.name for p in work.glob("*.py")), "--config-file=")
    return _runs["plain"]


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    """One mypy --strict run, without the plugin, over copies of every case file."""
    return plain_run(tmp_path_factory)


class TestRevealedTypes:
    def test_methods_return_the_model_type(self, mypy_run: MypyRun) -> None:
        """build/create/acreate give M, the batch forms list[M], attributes dict[str, Any]."""
        mypy_run.check("reveal_types.py")

    def test_every_method_is_pinned(self) -> None:
        """The reveal case pins each public method's return type to the contract's."""
        pinned: dict[str, str] = {}
        call = re.compile(r"reveal_type\((?:await )?\w+(?:\(\))?\.(\w+)\(")
        for line in (CASES / "reveal_types.py").read_text().splitlines():
            match = call.search(line)
            note = EXPECT.search(line)
            if match and note:
                pinned.setdefault(match[1], note["message"].removeprefix("Revealed type is "))
        assert pinned == {
            "build": '"reveal_types.User"',
            "create": '"reveal_types.User"',
            "acreate": '"reveal_types.User"',
            "build_batch": '"list[reveal_types.User]"',
            "create_batch": '"list[reveal_types.User]"',
            "acreate_batch": '"list[reveal_types.User]"',
            "attributes": '"dict[str, Any]"',
        }


class TestFieldTypes:
    def test_special_fields_carry_their_value_types(self, mypy_run: MypyRun) -> None:
        """sequence, lazy (a coroutine function's awaited result too), transient and the
        random fields are generic in the value they give; randomly_nullify's may be None."""
        mypy_run.check("field_types.py")
        notes, errors = expected_in(CASES / "field_types.py")
        assert (len(notes), len(errors)) == (11, 1)


class TestMisuse:
    def test_misuse_is_rejected(self, mypy_run: MypyRun) -> None:
        """A model assigned to another type, a schema or trait that is not a str and a
        count that is not an int are all errors."""
        mypy_run.check("misuse.py")
        assert mypy_run.status == 1

    def test_misuse_case_expects_errors(self) -> None:
        """The misuse case does expect errors, one per wrong call."""
        _, errors = expected_in(CASES / "misuse.py")
        assert len(errors) == 7


class TestFactoryFixture:
    def test_calling_a_factory_fixture_gives_the_model(self, mypy_run: MypyRun) -> None:
        """A pytest factory fixture annotated ``FactoryFixture[M]``: calling it gives M,
        as create() does, and the factory's methods keep their types."""
        mypy_run.check("pytest_factory_fixture.py")
        notes, errors = expected_in(CASES / "pytest_factory_fixture.py")
        assert (len(notes), len(errors)) == (5, 1)


class TestCleanFile:
    def test_full_factory_passes_strict(self, mypy_run: MypyRun) -> None:
        """A module with schemas, traits, every special field, a custom field, a builder,
        hooks and inheritance passes mypy --strict with no error."""
        notes, errors = expected_in(CASES / "clean.py")
        assert (dict(notes), dict(errors)) == ({}, {})
        assert dict(mypy_run.errors["clean.py"]) == {}, mypy_run.stdout
        mypy_run.check("clean.py")


class TestPackaging:
    def test_py_typed_is_shipped(self) -> None:
        """pyfactory/py.typed is in the installed package and in its package data."""
        marker = resources.files("pyfactory").joinpath("py.typed")
        assert marker.is_file()
        setup_cfg = Path(pyfactory.__file__).resolve().parent.parent / "setup.cfg"
        if setup_cfg.is_file():
            assert re.search(r"^\s*pyfactory\s*=.*py\.typed", setup_cfg.read_text(), re.M)
