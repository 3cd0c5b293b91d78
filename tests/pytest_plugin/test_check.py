"""``pyfactory.check`` and the ``--pyfactory-check`` plugin built on it."""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any

import pytest
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pyfactory import (
    BuilderError,
    CheckFailure,
    Factory,
    FieldError,
    HookError,
    UsageError,
    after,
    check,
    factory_for,
    lazy,
    many,
    schema,
    sequence,
    trait,
)
from pyfactory._core.plan import auto as _auto
from pyfactory.autofill._unique import set_unique_claim

# ------------------------------------------------------------------ check()


@dataclasses.dataclass
class Note:
    text: str


@dataclasses.dataclass
class Board:
    name: str
    notes: list[Note] = dataclasses.field(default_factory=list)


class NoteFactory(Factory[Note]):
    _model = Note
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"text": sequence("note {n}")}

    @schema()
    def typo(self) -> dict[str, Any]:
        return {"txet": "a key the model does not take"}


class BoardFactory(Factory[Board]):
    _model = Board
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("board {n}"), "notes": many(NoteFactory, count=2)}

    @trait()
    def named(self) -> dict[str, Any]:
        return {"name": lazy(lambda board: board["title"])}

    @trait()
    def bad_notes(self) -> dict[str, Any]:
        return {"notes": many(NoteFactory, "typo", count=1)}

    @trait()
    def fine(self) -> dict[str, Any]:
        return {"name": "fine"}


class HookedFactory(Factory[Note]):
    _model = Note

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"text": "x"}

    @after("build")
    def tag(self, note: Note, attrs: Any) -> None:
        note.text += self.context["suffix"]


class AbstractFactory(Factory[Note]):
    _abstract = True


def test_factories_that_work_have_no_failure() -> None:
    assert check(HookedFactory, suffix="!") == []
    assert check() == []


def test_a_failure_is_a_check_failure() -> None:
    (failure,) = check(NoteFactory)
    assert isinstance(failure, CheckFailure)
    assert (failure.factory, failure.schema, failure.traits, failure.seed) == (
        NoteFactory,
        "typo",
        (),
        0,
    )


def test_every_failing_call_is_listed_with_its_path() -> None:
    failures = check(BoardFactory)
    assert [(f.factory, f.schema, f.traits) for f in failures] == [
        (BoardFactory, "basic", ("named",)),
        (BoardFactory, "basic", ("bad_notes",)),
    ]
    named, notes = failures
    assert isinstance(named.error, FieldError)
    assert str(named) == (
        "BoardFactory(seed=0).build('basic', 'named'): FieldError: "
        "BoardFactory.basic → name: lazy field raised KeyError('title')"
    )
    assert isinstance(notes.error, BuilderError)
    assert named.call == "BoardFactory(seed=0).build('basic', 'named')"
    assert str(notes).startswith(
        "BoardFactory(seed=0).build('basic', 'bad_notes'): BuilderError: "
        "BoardFactory.basic → notes[0] (NoteFactory.typo): ObjectBuilder.build(Note) raised "
        "TypeError("
    )


def test_build_catches_what_attributes_does_not() -> None:
    """attributes() makes the children as dicts, so the model never sees the typo."""
    assert BoardFactory().attributes("basic", "bad_notes")["notes"] == [
        {"txet": "a key the model does not take"}
    ]
    assert check(NoteFactory)[0].error.__cause__.__class__ is TypeError  # type: ignore[union-attr]


def test_hooks_run_with_the_context_given() -> None:
    (failure,) = check(HookedFactory)
    assert isinstance(failure.error, HookError)
    assert isinstance(failure.error.__cause__, KeyError)
    assert (
        str(failure.error) == "HookedFactory.basic: after-build hook tag raised KeyError('suffix')"
    )
    assert check(HookedFactory, suffix="!") == []


def test_a_failure_replays_with_its_seed() -> None:
    (failure, _) = check(BoardFactory, seed=7)
    assert failure.seed == 7
    assert failure.call == "BoardFactory(seed=7).build('basic', 'named')"
    with pytest.raises(FieldError, match="lazy field raised KeyError"):
        BoardFactory(seed=7).build("basic", "named")


def test_abstract_factories_and_other_things_are_refused() -> None:
    with pytest.raises(UsageError) as info:
        check(AbstractFactory)
    assert str(info.value) == (
        "check(): AbstractFactory is abstract (_abstract = True); "
        "check the factories that subclass it"
    )
    with pytest.raises(UsageError, match=r"^check\(\) takes Factory subclasses, not 'x'$"):
        check("x")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"not <class 'tests.pytest_plugin.test_check.Note'>$"):
        check(Note)  # type: ignore[arg-type]


def test_sequences_are_as_they_were() -> None:
    boards = BoardFactory()
    assert boards.build().name == "board 1"
    check(BoardFactory, NoteFactory)
    assert boards.build().name == "board 2"
    assert NoteFactory().build().text == "note 5"  # two notes per board


def test_a_sequence_first_used_by_the_check_starts_over() -> None:
    class Fresh(NoteFactory):
        pass

    check(Fresh)
    assert Fresh().build().text == "note 1"


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "check_member"
    __table_args__ = (UniqueConstraint("first", "last"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(80), unique=True)
    first: Mapped[str] = mapped_column(String(20))
    last: Mapped[str] = mapped_column(String(20))


def _seen() -> list[set[Any]]:
    found = []
    for trackers in _auto._trackers.values():
        for tracker in trackers:
            values = getattr(tracker, "_seen", None)
            found.append(set(values if isinstance(values, set) else tracker.seen))
    return found


def test_unique_auto_filled_values_are_as_they_were() -> None:
    members = factory_for(Member)
    members(seed=1).build()
    before = _seen()
    assert any(before)
    assert check(members, seed=2) == []
    assert _seen() == before


def test_the_check_claims_no_unique_value_from_other_processes() -> None:
    claimed: list[str] = []

    def claim(namespace: str, value: Any) -> bool:
        claimed.append(namespace)
        return True

    previous = set_unique_claim(claim)
    try:
        assert check(factory_for(Member), seed=3) == []
        assert claimed == []
        assert set_unique_claim(claim) is claim  # put back afterwards
        factory_for(Member)(seed=3).build()
        assert "Member.email" in claimed
    finally:
        set_unique_claim(previous)


# ------------------------------------------------------------------ the plugin

CONFTEST = """
import dataclasses
import textwrap

from pyfactory import Factory, lazy, schema, trait
from pyfactory.pytest import register


@dataclasses.dataclass
class Thing:
    name: str


class ThingFactory(Factory[Thing]):
    _model = Thing
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": "thing"}

    @trait()
    def loud(self):
        return {"name": "THING"}


register(ThingFactory)
"""

BROKEN = """
import dataclasses
import textwrap

from pyfactory import Factory, lazy, schema, trait
from pyfactory.pytest import register


@dataclasses.dataclass
class Part:
    name: str


class PartFactory(Factory[Part]):
    _model = Part
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": "part"}

    @schema()
    def typo(self):
        return {"nmae": "part"}

    @trait()
    def named(self):
        return {"name": lazy(lambda part: part["label"])}


register(PartFactory)


def test_part(part):
    assert part.name == "part"
"""

TESTS = """
def test_thing(thing):
    assert thing.name == "thing"
"""

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", *args)


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_things=TESTS)
    return pytester


def test_the_check_passes_and_the_tests_run(suite: pytest.Pytester) -> None:
    result = _run(suite, "--pyfactory-check")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["pyfactory check: 2 builds of 1 factory passed"])


def test_a_failure_stops_the_session_with_the_whole_list(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_parts=BROKEN)  # registered in a test module: checked too
    result = _run(suite, "--pyfactory-check")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR collecting --pyfactory-check _*",
            "PartFactory(seed=0).build('basic', 'named'): FieldError: "
            "PartFactory.basic → name: lazy field raised KeyError('label')",
            "PartFactory(seed=0).build('typo'): BuilderError: PartFactory.typo: "
            "ObjectBuilder.build(Part) raised TypeError(*'nmae'*)",
            "PartFactory(seed=0).build('typo', 'named'): FieldError: *",
            "pyfactory check: 3 of 6 builds of 2 factories failed",
            "*Interrupted: 1 error during collection*",
        ]
    )
    assert "test_thing" not in result.stdout.str()


def test_continue_on_collection_errors_runs_the_tests(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_parts=BROKEN)
    result = _run(suite, "--pyfactory-check", "--continue-on-collection-errors")
    result.assert_outcomes(passed=2, errors=1)


def test_without_the_option_nothing_is_checked(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_parts=BROKEN)
    result = _run(suite)
    result.assert_outcomes(passed=2)
    assert "pyfactory check" not in result.stdout.str()


def test_quiet_runs_print_nothing_when_it_passes(suite: pytest.Pytester) -> None:
    result = _run(suite, "--pyfactory-check", "-qq")
    assert "pyfactory check" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK


def test_under_xdist_no_test_runs_either(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_parts=BROKEN)
    result = _run(suite, "--pyfactory-check", "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["pyfactory check: 3 of 6 builds of 2 factories failed"])


def test_the_output_of_the_docs_page(pytester: pytest.Pytester) -> None:
    """The ``--pyfactory-check`` example of docs/checking.rst is this run's output."""
    from tests.test_cli import DOCS, DOCS_MODULE

    pytester.makeini(INI)
    pytester.makeconftest(
        textwrap.dedent(DOCS_MODULE) + "\nfrom pyfactory.pytest import register\n"
        "register(UserFactory)\n"
    )
    pytester.makepyfile(test_users="def test_user(user):\n    pass\n")
    result = _run(pytester, "--pyfactory-check")
    block = DOCS.read_text().split("   $ pytest --pyfactory-check\n", 1)[1].split("\n\n")[0]
    expected = textwrap.dedent(block).splitlines()
    # pytest shortens the short test summary to the terminal's width, except under CI
    # (the CI variable set): the page shows an 80-column terminal; compare up to there.
    summary = next(i for i, line in enumerate(expected) if "short test summary info" in line)
    expected = expected[:summary]
    start = result.outlines.index(expected[0])
    assert result.outlines[start : start + len(expected)] == expected


def test_under_xdist_the_controller_prints_the_check_line_once(suite: pytest.Pytester) -> None:
    """Each worker checks what it collected; the controller prints the line once."""
    suite.makepyfile(test_more="def test_a(thing):\n    pass\n\n\ndef test_b(thing):\n    pass\n")
    result = _run(suite, "--pyfactory-check", "-n", "2")
    result.assert_outcomes(passed=3)
    assert result.outlines.count("pyfactory check: 2 builds of 1 factory passed") == 1


def test_under_xdist_quiet_runs_print_nothing_when_it_passes(suite: pytest.Pytester) -> None:
    result = _run(suite, "--pyfactory-check", "-n", "2", "-qq")
    assert result.ret == pytest.ExitCode.OK
    assert "pyfactory check" not in result.stdout.str()


def test_a_worker_sends_its_check_line_back(suite: pytest.Pytester) -> None:
    """In a worker (here in this process, measured by coverage), the line goes to the
    output that pytest-xdist sends to the controller, and is not printed."""
    suite.makeconftest(
        CONFTEST
        + textwrap.dedent(
            """
            import json
            import pytest

            @pytest.hookimpl(tryfirst=True)
            def pytest_configure(config):
                config.workeroutput = {}

            def pytest_unconfigure(config):
                with open("workeroutput.json", "w") as out:
                    json.dump(config.workeroutput, out)
            """
        )
    )
    result = _run(suite, "--pyfactory-check", "-p", "no:xdist")
    result.assert_outcomes(passed=1)
    assert "pyfactory check" not in result.stdout.str()
    sent = (suite.path / "workeroutput.json").read_text()
    assert sent == '{"pyfactory_check": "pyfactory check: 2 builds of 1 factory passed"}'
