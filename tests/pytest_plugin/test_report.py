"""The observer hook of ``Factory`` and the ``--pyfactory-report`` plugin built on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from pyfactory import Context, Factory, UnknownSchemaError, association, lazy, many, schema
from pyfactory._core.realization.observe import Observer, observe
from pyfactory.builders import ObjectBuilder, Relation
from pyfactory.pytest._report import Counts, table

# ------------------------------------------------------------------ the hook


@dataclasses.dataclass
class Author:
    name: str
    books: list[Book] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Book:
    title: str
    author: Author | None = None


class Memory(ObjectBuilder[Any]):
    """Creates by constructing; ``books`` are children made after their author; ``get``
    finds an author named ``"Known"``."""

    known = Author("Known")

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        return model(**attributes)

    def get(self, model: type[Any], lookup: dict[str, Any], context: Context) -> Any:
        return self.known if lookup.get("name") == "Known" else None

    def relation(self, model: type[Any], name: str) -> Relation | None:
        if model is Author and name == "books":
            return Relation("children", back=lambda author: {"author": author})
        return None


class BookFactory(Factory[Book]):
    _model = Book
    _model_builder = Memory()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "T"}

    @schema()
    def with_author(self) -> dict[str, Any]:
        return {"title": "T", "author": association(AuthorFactory, "plain")}


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = Memory()
    _default_schema = "basic"
    _get_or_create = ("name",)

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": "Ann", "books": many(BookFactory, count=2)}

    @schema()
    def plain(self) -> dict[str, Any]:
        return {"name": "Bob"}

    @schema()
    def nested(self) -> dict[str, Any]:
        # A public call inside a field: its objects count, its time is this call's.
        return {"name": lazy(lambda a: BookFactory().build().title)}

    @schema()
    def broken(self) -> dict[str, Any]:
        return {"name": "X", "books": many(BookFactory, "missing", count=1)}

    @schema()
    def extended(self) -> dict[str, Any]:
        return {**self.attributes("plain"), "name": "Eve"}


class Events:
    """An observer that keeps every event."""

    def __init__(self) -> None:
        self.made_events: list[tuple[str, str, int]] = []
        self.calls: list[tuple[str, str, int]] = []
        self.seconds: list[float] = []

    def made(self, factory: type[Factory[Any]], scope: str, count: int) -> None:
        self.made_events.append((factory.__name__, scope, count))

    def called(self, factory: type[Factory[Any]], scope: str, count: int, seconds: float) -> None:
        self.calls.append((factory.__name__, scope, count))
        self.seconds.append(seconds)

    def totals(self, scope: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for name, made_scope, count in self.made_events:
            if made_scope == scope:
                found[name] = found.get(name, 0) + count
        return found


@pytest.fixture
def events() -> Iterator[Events]:
    watching = Events()
    previous = observe(watching)
    yield watching
    assert observe(previous) is watching


def test_no_observer_by_default() -> None:
    assert observe(None) is None


def test_observe_returns_the_observer_it_replaces(events: Events) -> None:
    other = Events()
    assert observe(other) is events
    AuthorFactory().build("plain")
    assert observe(events) is other
    assert other.calls == [("AuthorFactory", "build", 1)]
    assert events.calls == []


def test_an_observer_satisfies_the_protocol() -> None:
    observer: Observer = Events()
    assert observer.made is not None


def test_build_counts_children_under_their_factory(events: Events) -> None:
    author = AuthorFactory().build()
    assert len(author.books) == 2
    assert events.totals("build") == {"AuthorFactory": 1, "BookFactory": 2}
    assert events.calls == [("AuthorFactory", "build", 1)]
    assert events.seconds[0] >= 0


def test_create_batch_counts_children_written_in_bulk(events: Events) -> None:
    BookFactory().create_batch("with_author", 10)
    AuthorFactory().create_batch(3)  # two books each, made after their author
    assert events.totals("create") == {"AuthorFactory": 13, "BookFactory": 16}
    assert events.calls == [("BookFactory", "create", 10), ("AuthorFactory", "create", 3)]


def test_every_sync_method_reports_its_scope_and_count(events: Events) -> None:
    books = BookFactory()
    books.attributes()
    books.attributes_batch(4)
    books.build_batch(3)
    books.create()
    assert events.calls == [
        ("BookFactory", "attributes", 1),
        ("BookFactory", "attributes", 4),
        ("BookFactory", "build", 3),
        ("BookFactory", "create", 1),
    ]
    assert events.totals("attributes") == {"BookFactory": 5}
    assert events.totals("build") == {"BookFactory": 3}
    assert events.totals("create") == {"BookFactory": 1}


def test_attributes_count_the_dicts_of_associations(events: Events) -> None:
    BookFactory().attributes("with_author")
    assert events.totals("attributes") == {"AuthorFactory": 1, "BookFactory": 1}


async def test_async_methods_report_like_the_sync_ones(events: Events) -> None:
    authors = AuthorFactory()
    await authors.acreate()
    await authors.acreate_batch(2)
    await BookFactory().acreate_batch("with_author", 3)
    assert events.calls == [
        ("AuthorFactory", "create", 1),
        ("AuthorFactory", "create", 2),
        ("BookFactory", "create", 3),
    ]
    assert events.totals("create") == {"AuthorFactory": 6, "BookFactory": 9}


def test_a_row_found_by_get_or_create_is_not_made(events: Events) -> None:
    authors = AuthorFactory()
    assert authors.create("plain", name="Known") is Memory.known
    authors.create_batch("plain", 3, name="Known")
    authors.create_batch("plain", 2)
    assert events.totals("create") == {"AuthorFactory": 2}
    assert [c[2] for c in events.calls] == [1, 3, 2]


async def test_a_row_found_by_aget_is_not_made(events: Events) -> None:
    authors = AuthorFactory()
    assert await authors.acreate("plain", name="Known") is Memory.known
    await authors.acreate_batch("plain", 2, name="Known")
    await authors.acreate_batch("plain", 1)
    assert events.totals("create") == {"AuthorFactory": 1}


def test_only_the_outermost_call_is_timed(events: Events) -> None:
    AuthorFactory().build("nested")
    assert events.calls == [("AuthorFactory", "build", 1)]
    assert events.totals("build") == {"AuthorFactory": 1, "BookFactory": 1}


def test_attributes_inside_a_schema_makes_nothing(events: Events) -> None:
    assert AuthorFactory().build("extended").name == "Eve"
    assert events.made_events == [("AuthorFactory", "build", 1)]


def test_a_failing_call_is_timed_and_makes_nothing(events: Events) -> None:
    with pytest.raises(UnknownSchemaError, match="BookFactory has no schema 'missing'"):
        AuthorFactory().build("broken")
    assert events.calls == [("AuthorFactory", "build", 1)]
    assert events.made_events == []


def test_no_event_once_the_observer_is_removed() -> None:
    watching = Events()
    previous = observe(watching)
    observe(previous)
    AuthorFactory().create_batch(2)
    assert watching.made_events == watching.calls == []


# ------------------------------------------------------------------ the counts


def test_counts_add_and_take() -> None:
    counts = Counts()
    counts.made(BookFactory, "build", 2)
    counts.called(BookFactory, "build", 2, 0.5)
    counts.made(AuthorFactory, "create", 1)
    counts.called(Factory, "create", 1, 0.125)  # a call that made nothing
    counts.add({"BookFactory": [1, 0, 0, 0.25, False], "Other": [0, 0, 1, 0.0, False]})
    assert counts.peek() == {
        "BookFactory": [1, 2, 0, 0.75, True],
        "AuthorFactory": [0, 0, 1, 0.0, False],
        "Factory": [0, 0, 0, 0.125, True],
        "Other": [0, 0, 1, 0.0, False],
    }
    assert counts.take()["BookFactory"][1] == 2
    assert counts.peek() == {}


def test_table_sorts_by_time_and_marks_factories_never_called() -> None:
    lines = table(
        {"A": [0, 1, 0, 0.001, True], "B": [2, 0, 3, 0.0, False], "C": [0, 0, 1, 0.5, True]}
    )
    assert lines == [
        "factory  attributes  built  created      time",
        "C                 0      0        1  500.0 ms",
        "A                 0      1        0    1.0 ms",
        "B                 2      0        3         -",
    ]


# ------------------------------------------------------------------ the plugin

CONFTEST = """
import dataclasses
import time

from pyfactory import Factory, association, lazy, schema
from pyfactory.builders import ObjectBuilder
from pyfactory.pytest import register


class Memory(ObjectBuilder):
    def create(self, model, attributes, context):
        return model(**attributes)


@dataclasses.dataclass
class Author:
    name: str


@dataclasses.dataclass
class Post:
    title: str
    author: Author


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = Memory()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": "Ann"}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = Memory()
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"title": "T", "author": association(AuthorFactory)}


class SlowFactory(Factory[Author]):
    _model = Author
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"name": lazy(lambda a: time.sleep(0.05) or "slow")}


register(AuthorFactory)
"""

TESTS = """
import pytest

from conftest import AuthorFactory, PostFactory, SlowFactory


def test_batch():
    PostFactory().create_batch(10)


def test_build_and_attributes():
    authors = AuthorFactory()
    authors.build_batch(4)
    authors.build()
    authors.attributes_batch(2)
    authors.attributes()


def test_fixture(author):
    assert author.name == "Ann"


async def test_async():
    posts = PostFactory()
    await posts.acreate_batch(2)
    await posts.acreate()


def test_slow():
    SlowFactory().build()


def test_nothing():
    pass


@pytest.fixture
def broken_setup():
    AuthorFactory().create()
    raise RuntimeError("setup broke")


def test_setup_fails(broken_setup):
    pass


@pytest.fixture
def made_in_teardown():
    yield
    AuthorFactory().create()


def test_fails(made_in_teardown):
    PostFactory().build()
    assert False, "fails"
"""

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_suite=TESTS)
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", *args)


def _section(text: str, after: str) -> list[list[str]]:
    """The rows (first four cells) of the first ``pyfactory report`` section after ``after``."""
    lines = text.split(after, 1)[1].split("- pyfactory report -", 1)[1].splitlines()
    assert lines[1].split()[0] == "factory"
    rows = []
    for line in lines[2:]:
        if not line or line[0] in "-=_":
            break
        rows.append(line.split()[:4])
    return rows


def _session_table(result: pytest.RunResult) -> list[str]:
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "= pyfactory report =" in line)
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("time: "))
    return lines[start + 1 : end]


def test_session_summary_counts_every_factory(suite: pytest.Pytester) -> None:
    result = _run(suite, "--pyfactory-report")
    result.assert_outcomes(passed=6, failed=1, errors=1)
    rows = _session_table(result)
    assert rows[0].split() == ["factory", "attributes", "built", "created", "time"]
    assert rows[1].startswith("SlowFactory ")  # the slowest first
    cells = {row.split()[0]: row.split()[1:4] for row in rows[1:]}
    assert cells == {
        # 10 + 3 made for posts, 1 for the fixture, 1 in a failing setup, 1 in a teardown
        "AuthorFactory": ["3", "6", "16"],
        "PostFactory": ["0", "1", "13"],
        "SlowFactory": ["0", "1", "0"],
    }
    result.stdout.re_match_lines([r"SlowFactory\s+0\s+1\s+0\s+\d+\.\d ms"])
    result.stdout.re_match_lines([r"AuthorFactory\s+3\s+6\s+16\s+\d+\.\d ms"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_each_test_gets_a_section(suite: pytest.Pytester) -> None:
    result = _run(suite, "--pyfactory-report", "-rA")
    text = result.stdout.str()
    assert _section(text, "_ test_batch _") == [
        ["PostFactory", "0", "0", "10"],
        ["AuthorFactory", "0", "0", "10"],
    ]
    result.stdout.re_match_lines([r"AuthorFactory\s+0\s+0\s+10\s+-$"])  # no call of its own
    assert _section(text, "_ test_async _") == [
        ["PostFactory", "0", "0", "3"],
        ["AuthorFactory", "0", "0", "3"],
    ]
    assert _section(text, "_ test_fixture _") == [["AuthorFactory", "0", "0", "1"]]
    assert _section(text, "_ test_build_and_attributes _") == [["AuthorFactory", "3", "5", "0"]]
    assert "_ test_nothing _" not in text  # nothing made: no section, no entry


def test_a_failure_shows_what_its_setup_and_call_made(suite: pytest.Pytester) -> None:
    text = _run(suite, "--pyfactory-report").stdout.str()
    # Not the AuthorFactory made in its teardown, after the report of its call.
    assert _section(text, "_ test_fails _") == [
        ["PostFactory", "0", "1", "0"],
        ["AuthorFactory", "0", "1", "0"],
    ]
    assert _section(text, "at setup of test_setup_fails") == [["AuthorFactory", "0", "0", "1"]]


def test_without_the_option_there_is_no_report(suite: pytest.Pytester) -> None:
    result = _run(suite, "-rA")
    assert "pyfactory report" not in result.stdout.str()
    assert observe(None) is None


def test_a_session_that_makes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = _run(pytester, "--pyfactory-report")
    result.stdout.fnmatch_lines(["*= pyfactory report =*", "no factory made anything"])


def test_counts_come_back_from_xdist_workers(suite: pytest.Pytester) -> None:
    result = _run(suite, "--pyfactory-report", "-n", "2")
    result.assert_outcomes(passed=6, failed=1, errors=1)
    cells = {row.split()[0]: row.split()[1:4] for row in _session_table(result)[1:]}
    assert cells["AuthorFactory"] == ["3", "6", "16"]
    assert cells["PostFactory"] == ["0", "1", "13"]


DEFAULTS_TESTS = """
from conftest import AuthorFactory, PostFactory
from pyfactory.pytest import defaults


def test_one_author():
    author = AuthorFactory().create()
    with defaults(author=author):
        PostFactory().create_batch(3)


def test_another():
    with defaults(author=AuthorFactory().create()):
        PostFactory().create()
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_the_summary_counts_what_defaults_stood_for(
    suite: pytest.Pytester, workers: list[str]
) -> None:
    suite.makepyfile(test_defaults=DEFAULTS_TESTS)
    result = _run(suite, "--pyfactory-report", "test_defaults.py", *workers)
    result.assert_outcomes(passed=2)
    assert "defaults() objects that stood for an association: author 4" in result.outlines
    # Two authors were made, by the tests themselves: none for the four posts.
    rows = {row.split()[0]: row.split()[1:4] for row in _session_table(result)[1:]}
    assert rows == {"PostFactory": ["0", "0", "4"], "AuthorFactory": ["0", "0", "2"]}
