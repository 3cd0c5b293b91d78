"""The mypy plugin ``pyfactory.mypy``: schema, trait, override and value errors at the
call site (issue 8).

mypy runs once with the plugin over every file of ``tests/typing_plugin_cases/`` (but
``from_cache.py``), ``tests/typing_cases/clean.py`` and the modules of
``docs/mypy.rst``, then once more, on ``from_cache.py`` alone, with the factories it
imports read back from the first run's cache. Each case file states what it expects
on the line it concerns (``# E: message  [code]``), as in ``tests/test_typing.py``,
whose run without the plugin covers the same files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from tests.test_typing import (
    CASES,
    PLUGIN_CASES,
    MypyRun,
    docs_blocks,
    expected_in,
    plain_run,
    run_mypy,
    write_docs_modules,
)

# One worker runs the mypy runs, which tests/test_typing.py shares (``_runs``, and the
# caches later runs start from).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mypy")]

CACHED_CASE = "from_cache.py"
SHARED = "plugin_models.py"
CASE_FILES = sorted(
    p.name for p in PLUGIN_CASES.glob("*.py") if p.name not in (CACHED_CASE, SHARED)
)
CODES = (
    "pyfactory-schema",
    "pyfactory-trait",
    "pyfactory-override",
    "pyfactory-value",
    "pyfactory-abstract",
)


@attrs.frozen
class PluginRuns:
    """The run over every case, and the run on ``from_cache.py`` that followed it."""

    first: MypyRun
    cached: MypyRun


_runs: dict[str, PluginRuns] = {}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> PluginRuns:
    """The two mypy --strict runs with the plugin enabled, sharing one cache."""
    if "plugin" not in _runs:
        work = tmp_path_factory.mktemp("typing_plugin_cases")
        for case in PLUGIN_CASES.glob("*.py"):
            shutil.copy(case, work / case.name)
        shutil.copy(CASES / "clean.py", work / "clean.py")
        docs = write_docs_modules(work)
        (work / "mypy.ini").write_text("[mypy]\nplugins = pyfactory.mypy\n")
        options = ("--config-file=mypy.ini",)
        files = [*CASE_FILES, SHARED, "clean.py", *docs]
        first = run_mypy(work, files, *options, cases=PLUGIN_CASES)
        cached = run_mypy(work, [CACHED_CASE], *options, cases=PLUGIN_CASES)
        _runs["plugin"] = PluginRuns(first, cached)
    return _runs["plugin"]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    """The run without the plugin, shared with tests/test_typing.py."""
    return plain_run(tmp_path_factory)


class TestCases:
    @pytest.mark.parametrize("case", CASE_FILES)
    def test_the_plugin_reports_exactly_what_the_case_expects(
        self, runs: PluginRuns, case: str
    ) -> None:
        """Each case file gets the errors its ``# E:`` comments state, on their lines,
        and no other."""
        runs.first.check(case)

    def test_every_case_expects_errors_and_every_code_is_pinned(self) -> None:
        """Each case file expects at least one error, and each of the plugin's error codes
        is expected somewhere."""
        codes: set[str] = set()
        for case in [*CASE_FILES, CACHED_CASE]:
            _, errors = expected_in(PLUGIN_CASES / case)
            assert errors, case
            codes.update(re.findall(r"\[(pyfactory-\w+)\]", str(dict(errors))))
        assert codes == set(CODES)

    def test_the_factories_reread_from_the_cache_are_checked_alike(self, runs: PluginRuns) -> None:
        """In a second run, factories that mypy reads back from its cache still have
        their schemas, traits, keys and model: the plugin reports the same errors."""
        runs.cached.check(CACHED_CASE)
        assert runs.cached.status == 1


class TestCorrectCode:
    def test_correct_modules_pass_with_the_plugin(self, runs: PluginRuns) -> None:
        """The shared factories and the complete factory module of the typing cases
        (schemas, traits, every special field, hooks, inheritance) give no error."""
        assert dict(runs.first.errors[SHARED]) == {}, runs.first.stdout
        assert dict(runs.first.errors["clean.py"]) == {}, runs.first.stdout

    @pytest.mark.parametrize("case", [*CASE_FILES, CACHED_CASE, SHARED])
    def test_plain_mypy_accepts_every_case(self, plain: MypyRun, case: str) -> None:
        """Without the plugin, every line of the cases type-checks: the plugin only adds
        errors, on calls that would fail at run time."""
        assert dict(plain.errors[case]) == {}, plain.stdout


class TestDocsPage:
    def test_the_page_shows_the_plugin_s_real_output(self, runs: PluginRuns) -> None:
        """docs/mypy.rst's output with the plugin is what mypy reports for its module."""
        _, shown = docs_blocks()["mypy with the plugin"]
        *lines, summary = shown.strip().splitlines()
        reported = [
            f"shop.py:{line}: error: {message}"
            for line, messages in sorted(runs.first.errors["shop.py"].items())
            for message in messages
        ]
        assert lines == reported, runs.first.stdout
        assert summary == f"Found {len(lines)} errors in 1 file (checked 1 source file)"

    def test_the_page_shows_the_deeper_checks_real_output(self, runs: PluginRuns) -> None:
        """The page's output for its module of deep overrides, register() calls and an
        abstract factory is what mypy reports for it."""
        _, shown = docs_blocks()["mypy with the plugin on blog.py"]
        *lines, summary = shown.strip().splitlines()
        reported = [
            f"blog.py:{line}: error: {message}"
            for line, messages in sorted(runs.first.errors["blog.py"].items())
            for message in messages
        ]
        assert lines == reported, runs.first.stdout
        assert summary == f"Found {len(lines)} errors in 1 file (checked 1 source file)"

    def test_the_page_shows_plain_mypy_s_real_output(self, plain: MypyRun) -> None:
        """Without the plugin mypy finds nothing in the page's module, as the page says."""
        _, shown = docs_blocks()["mypy without the plugin"]
        assert shown.strip() == "Success: no issues found in 1 source file"
        assert dict(plain.errors["shop.py"]) == {}, plain.stdout

    def test_the_page_s_revealed_types_are_mypy_s(self, runs: PluginRuns) -> None:
        """Each ``reveal_type`` line of the page's typed-fields module names the type mypy
        reveals, without module names."""
        _, text = docs_blocks()["fields.py"]
        pinned = {
            number: line.split("#")[1].strip()
            for number, line in enumerate(text.splitlines(), start=1)
            if line.startswith("reveal_type(")
        }
        revealed = {
            line: re.sub(r"\b(?:\w+\.)+(\w)", r"\1", notes[0].removeprefix("Revealed type is "))
            for line, notes in runs.first.notes["fields.py"].items()
        }
        assert {line: f'"{type_}"' for line, type_ in pinned.items()} == revealed
        assert dict(runs.first.errors["fields.py"]) == {}, runs.first.stdout


class TestModule:
    def test_the_entry_point_gives_the_plugin_class(self) -> None:
        """mypy calls ``plugin(version)`` and gets the plugin class, whatever the version."""
        from pyfactory.mypy import PyfactoryPlugin, plugin

        assert plugin("1.10.0") is PyfactoryPlugin
        assert plugin("2.4.1") is PyfactoryPlugin

    def test_import_pyfactory_never_loads_mypy(self) -> None:
        """``import pyfactory`` stays light: neither the plugin nor mypy is imported."""
        code = "import sys, pyfactory; print(sorted({'mypy', 'pyfactory.mypy'} & set(sys.modules)))"
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
        )
        assert result.stdout.strip() == "[]"


_ON_CLASS = """\
from dataclasses import dataclass
from typing import Any

from pyfactory import Factory, schema


@dataclass
class User:
    name: str


class UserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "ann"}


reveal_type(UserFactory.build("basic"))
reveal_type(UserFactory.create_batch(2, name="bob"))
UserFactory.build("nope")
"""


class TestMethodsOnTheClass:
    def test_a_method_called_on_the_class_is_typed_as_on_a_new_instance(
        self, tmp_path: Path
    ) -> None:
        """``UserFactory.build("basic")`` runs on ``UserFactory()``: with the plugin mypy
        types it so, and checks its names as for an instance."""
        (tmp_path / "on_class.py").write_text(_ON_CLASS)
        (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = pyfactory.mypy\n")
        run = run_mypy(tmp_path, ["on_class.py"], "--config-file=mypy.ini")
        notes = dict(run.notes["on_class.py"])
        assert notes == {
            21: ['Revealed type is "on_class.User"'],
            22: ['Revealed type is "list[on_class.User]"'],
        }, run.stdout
        assert dict(run.errors["on_class.py"]) == {
            23: ['UserFactory has no schema "nope"; its schemas are: "basic"  [pyfactory-schema]']
        }, run.stdout

    def test_plain_mypy_reports_the_class_form(self, tmp_path: Path) -> None:
        """Without the plugin mypy sees the plain function on the class, so the class form
        is an error there: docs/factory-boy.rst says to write ``UserFactory().build()``."""
        (tmp_path / "on_class.py").write_text(_ON_CLASS.replace('UserFactory.build("nope")\n', ""))
        run = run_mypy(tmp_path, ["on_class.py"], "--config-file=")
        assert 21 in run.errors["on_class.py"], run.stdout
        assert "[arg-type]" in run.errors["on_class.py"][21][0]


_SILENT_FACTORIES = """\
import sys
from dataclasses import dataclass
from typing import Any

import pyfactory
from pyfactory import Factory, association, schema, trait


@dataclass
class Author:
    username: str


@dataclass
class Post:
    title: str
    author: Author


class AuthorFactory(Factory[Author]):
    _model = Author
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"username": "ann"}


class PostFactory(Factory[Post]):
    _model = Post
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        base = {"title": "Hi", "author": association(AuthorFactory)}
        return base

    @trait()
    def long(self) -> dict[str, Any]:
        return {"title": "Hi" * 100, "words": 200}


@dataclass
class Comment:
    post: Post


if sys.version_info >= (3, 8):

    class CommentFactory(Factory[Comment]):
        _model = Comment
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"post": pyfactory.association(PostFactory)}
"""

_SILENT_TESTS = """\
from factories import CommentFactory, PostFactory

PostFactory().build("bsic")
PostFactory().build(titel="x")
PostFactory().build(words=1)
PostFactory().build("long", words=1)
PostFactory().build(author__usernme="x")
CommentFactory().build(post__author__usernme="x")
"""


class TestFollowImportsSilent:
    @pytest.mark.parametrize(
        "config",
        [
            "[mypy]\nplugins = pyfactory.mypy\nfollow_imports = silent\n",
            "[mypy]\nplugins = pyfactory.mypy\n[mypy-factories]\nignore_errors = True\n",
        ],
        ids=["follow_imports=silent", "ignore_errors"],
    )
    def test_a_factory_module_followed_silently_is_read_whole(
        self, tmp_path: Path, config: str
    ) -> None:
        """Where mypy reports nothing for the factory module, it parses it without its
        function bodies; the plugin reads the schemas from its source, so override keys,
        deep ones included, are checked as when the module is checked too."""
        (tmp_path / "factories.py").write_text(_SILENT_FACTORIES)
        (tmp_path / "test_posts.py").write_text(_SILENT_TESTS)
        (tmp_path / "mypy.ini").write_text(config)
        run = run_mypy(tmp_path, ["test_posts.py"], "--config-file=mypy.ini")
        fields = '"author", "title"; its traits are: "long"'
        assert dict(run.errors["test_posts.py"]) == {
            3: ['PostFactory has no schema "bsic"; its schemas are: "basic"  [pyfactory-schema]'],
            4: [
                f'PostFactory has no field "titel" in schema "basic"; its fields are: {fields}'
                "  [pyfactory-override]"
            ],
            5: [
                f'PostFactory has no field "words" in schema "basic"; its fields are: {fields}'
                "  [pyfactory-override]"
            ],
            7: [
                'AuthorFactory has no field "usernme" (in "author__usernme" of PostFactory) in '
                'schema "basic"; its fields are: "username"  [pyfactory-override]'
            ],
            8: [
                'AuthorFactory has no field "usernme" (in "post__author__usernme" of '
                'CommentFactory) in schema "basic"; its fields are: "username"'
                "  [pyfactory-override]"
            ],
        }, run.stdout
        assert "factories.py" not in run.errors


_STRATEGY = """\
from dataclasses import dataclass
from typing import Any

from hypothesis.strategies import SearchStrategy

from pyfactory import Factory, schema, trait


@dataclass
class User:
    name: str


class UserFactory(Factory[User]):
    _model = User

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "ann"}

    @trait()
    def loud(self) -> dict[str, Any]:
        return {"name": "ANN"}

    # As Factory declares them (before it did, this stood in for them).
    def strategy(
        self, schema: str | None = None, /, *traits: str, **overrides: Any
    ) -> SearchStrategy[User]:
        raise NotImplementedError

    def create_strategy(
        self, schema: str | None = None, /, *traits: str, **overrides: Any
    ) -> SearchStrategy[User]:
        raise NotImplementedError


UserFactory().strategy("basic", "loud", name="bob")
UserFactory().strategy("basci")
UserFactory().create_strategy("basic", nme="x")
UserFactory.strategy("basic", "lod")
UserFactory().strategy()
"""


class TestStrategies:
    def test_the_strategy_methods_are_checked_as_build_is(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``strategy()`` and ``create_strategy()`` take a schema, traits and overrides
        as ``build`` does (pyfactory._names.STRATEGY_METHODS), on an instance or on the
        class, and are checked alike."""
        import pyfactory.mypy

        monkeypatch.setattr(pyfactory.mypy, "STRATEGY_METHODS", ("strategy", "create_strategy"))
        (tmp_path / "drawn.py").write_text(_STRATEGY)
        (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = pyfactory.mypy\n")
        run = run_mypy(tmp_path, ["drawn.py"], "--config-file=mypy.ini")
        fields = '"name"; its traits are: "loud"  [pyfactory-override]'
        assert dict(run.errors["drawn.py"]) == {
            38: ['UserFactory has no schema "basci"; its schemas are: "basic"  [pyfactory-schema]'],
            39: [f'UserFactory has no field "nme" in schema "basic"; its fields are: {fields}'],
            40: ['UserFactory has no trait "lod"; its traits are: "loud"  [pyfactory-trait]'],
            41: [
                'UserFactory has no _default_schema, so name a schema: "basic"  [pyfactory-schema]'
            ],
        }, run.stdout
