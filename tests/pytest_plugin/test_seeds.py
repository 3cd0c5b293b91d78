"""Reproducible seeds, replays, per-test resets and pytest-xdist (``pyfactory/pytest/_seeds.py``),
in pytest sessions of their own with ``pytester``, and the core hooks they use."""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
import sys
import tempfile
import textwrap
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from faker import Faker

from pyfactory import Factory, FactoryError, UsageError, fake, schema, sequence
from pyfactory._context import Randomness, default_faker, default_faker_from
from pyfactory.autofill import UniqueTracker
from pyfactory.autofill._unique import claim_unique, set_unique_claim
from pyfactory.fields import SequenceCounters, counters
from pyfactory.pytest._seeds import _claims_path, _SharedClaims, seed_of_test

DOCS = Path(__file__).parents[2] / "docs" / "pytest-seeds.rst"

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

#: Factories for the sessions; each test writes what it made to OUT/<test name>.json.
MODELS = '''
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pyfactory import Factory, fake, many, schema, sequence


@dataclass
class Tag:
    word: str


@dataclass
class User:
    name: str
    email: str
    number: str
    tags: list = field(default_factory=list)


class TagFactory(Factory[Tag]):
    _model = Tag
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"word": fake("word")}


class UserFactory(Factory[User]):
    _model = User
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {
            "name": fake("name"),
            "email": fake("email"),
            "number": sequence("n{n}"),
            "tags": many(TagFactory, count=(0, 4)),
        }


def record(name, value):
    out = Path(os.environ["PYFACTORY_OUT"])
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(value, default=repr))


def users(count=2):
    """Each user from a factory instance of its own: consecutive instances."""
    return [repr(UserFactory().build()) for _ in range(count)]
'''

RECORDING = """
from models import record, users


def test_record(pyfactory_seed):
    record("test_record", {"seed": pyfactory_seed, "users": users()})
"""


@pytest.fixture
def session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester directory with the models and an ini; tests record into ./out."""
    pytester.makeini(INI)
    pytester.makepyfile(models=MODELS)
    pytester.syspathinsert()
    monkeypatch.setenv("PYFACTORY_OUT", str(pytester.path / "out"))
    return pytester


def run(pytester: pytest.Pytester, *args: str, **outcomes: int) -> pytest.RunResult:
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", *args)
    result.assert_outcomes(**outcomes)
    return result


def recorded(pytester: pytest.Pytester, name: str = "test_record") -> Any:
    return json.loads((pytester.path / "out" / f"{name}.json").read_text())


# ------------------------------------------------------------------ seeds


class TestSessionSeed:
    def test_header_shows_a_given_seed(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        result = run(session, "--pyfactory-seed=123", passed=1)
        result.stdout.fnmatch_lines(
            ["pyfactory: session seed 123 (given; replay with --pyfactory-seed=123)"]
        )

    def test_header_shows_a_random_seed(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        result = run(session, passed=1)
        found = re.search(
            r"pyfactory: session seed (\d+) \(random; replay with --pyfactory-seed=\1\)",
            result.stdout.str(),
        )
        assert found is not None

    def test_random_seeds_differ_between_sessions(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        seeds = set()
        for _ in range(3):
            run(session, passed=1)
            seeds.add(recorded(session)["seed"])
        assert len(seeds) == 3

    def test_the_seed_of_a_test_is_a_sha256_of_session_seed_and_node_id(
        self, session: pytest.Pytester
    ) -> None:
        session.makepyfile(test_it=RECORDING)
        run(session, "--pyfactory-seed=5", passed=1)
        assert recorded(session)["seed"] == seed_of_test(5, "test_it.py::test_record")
        assert seed_of_test(5, "a.py::t") == seed_of_test(5, "a.py::t")
        assert seed_of_test(5, "a.py::t") != seed_of_test(6, "a.py::t")
        assert seed_of_test(5, "a.py::t") != seed_of_test(5, "a.py::u")
        assert 0 <= seed_of_test(5, "a.py::t") < 2**64


class TestReproducible:
    """A test's data depends only on the session seed and its node id."""

    def test_same_seed_same_data(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        run(session, "--pyfactory-seed=42", passed=1)
        first = recorded(session)
        run(session, "--pyfactory-seed=42", passed=1)
        assert recorded(session) == first

    def test_other_seed_other_data(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        run(session, "--pyfactory-seed=42", passed=1)
        first = recorded(session)
        run(session, "--pyfactory-seed=43", passed=1)
        assert recorded(session)["users"] != first["users"]
        assert recorded(session)["seed"] != first["seed"]

    def test_consecutive_factories_differ(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        run(session, "--pyfactory-seed=42", passed=1)
        first, second = recorded(session)["users"]
        assert first != second

    def test_other_tests_added_before_and_deselected(self, session: pytest.Pytester) -> None:
        """Tests added before it (using factories too), or deselected, change nothing:
        sequences included, since they restart before each test."""
        session.makepyfile(test_it=RECORDING)
        run(session, "--pyfactory-seed=42", passed=1)
        alone = recorded(session)
        session.makepyfile(
            test_it="""
            from models import record, users

            def test_before():
                users(5)

            def test_zzz_after():
                users(5)

            def test_record(pyfactory_seed):
                record("test_record", {"seed": pyfactory_seed, "users": users()})
            """
        )
        run(session, "--pyfactory-seed=42", passed=3)
        assert recorded(session) == alone
        run(
            session,
            "--pyfactory-seed=42",
            "-k",
            "test_record",
            passed=1,
            deselected=2,
        )
        assert recorded(session) == alone
        run(session, "--pyfactory-seed=42", "test_it.py::test_record", passed=1)
        assert recorded(session) == alone

    def test_fixtures_draw_from_the_test_seed(self, session: pytest.Pytester) -> None:
        """A factory made in a fixture, or at import, draws from the test's Faker too."""
        session.makepyfile(
            test_it="""
            import pytest
            from models import UserFactory, record

            AT_IMPORT = UserFactory()

            @pytest.fixture
            def user():
                return UserFactory().build()

            def test_record(user):
                record("test_record", [repr(user), repr(AT_IMPORT.build())])
            """
        )
        run(session, "--pyfactory-seed=1", passed=1)
        first = recorded(session)
        run(session, "--pyfactory-seed=1", passed=1)
        assert recorded(session) == first
        run(session, "--pyfactory-seed=2", passed=1)
        assert recorded(session) != first

    def test_async_tests_too(self, session: pytest.Pytester) -> None:
        session.makepyfile(
            test_it="""
            from models import UserFactory, record

            async def test_record():
                record("test_record", repr(UserFactory().build()))
            """
        )
        run(session, "--pyfactory-seed=1", passed=1)
        first = recorded(session)
        run(session, "--pyfactory-seed=1", passed=1)
        assert recorded(session) == first

    def test_explicit_seed_and_faker_are_kept(self, session: pytest.Pytester) -> None:
        session.makepyfile(
            test_it="""
            from faker import Faker
            from models import UserFactory, record

            def test_record():
                faker = Faker()
                faker.seed_instance(3)
                made = [UserFactory(seed=7).build(), UserFactory(faker=faker).build()]
                record("test_record", [repr(u) for u in made])
            """
        )
        run(session, "--pyfactory-seed=1", passed=1)
        first = recorded(session)
        run(session, "--pyfactory-seed=2", passed=1)
        assert recorded(session) == first
        # The same as outside pytest's tests: here, in a test of this session.
        assert first[0].split("number=")[0] == repr(_user(seed=7)).split("number=")[0]

    def test_the_default_is_back_after_the_test(self, session: pytest.Pytester) -> None:
        session.makepyfile(
            test_it="""
            import pyfactory._context as c

            def test_inside():
                assert c._default_source.get() is not None

            def test_zzz_outside_nothing_left():
                pass
            """
        )
        from pyfactory._context import _default_source

        outer = _default_source.get()  # this test's, from the outer session
        assert outer is not None
        run(session, passed=2)
        assert _default_source.get() is outer


def _user(seed: int) -> Any:
    """``UserFactory(seed=seed).build()`` of a copy of MODELS, made here."""
    module = types.ModuleType("models_copy")
    sys.modules[module.__name__] = module
    try:
        exec(compile(MODELS, "models_copy.py", "exec", dont_inherit=True), module.__dict__)
        return module.UserFactory(seed=seed).build()
    finally:
        del sys.modules[module.__name__]


def replay_args(result: pytest.RunResult) -> list[str]:
    """The arguments of the replay command that a failing test's report printed."""
    line = next(line for line in result.outlines if line.startswith("    pytest "))
    command = shlex.split(line)
    assert command[0] == "pytest"
    return command[1:]


class TestFailureReport:
    FAILING = """
    from models import record, users

    def test_fails(pyfactory_seed):
        record("test_fails", {"seed": pyfactory_seed, "users": users()})
        assert False, "broken"
    """

    def test_report_shows_the_replay_command_and_no_other_seed(
        self, session: pytest.Pytester
    ) -> None:
        session.makepyfile(test_it=self.FAILING)
        result = run(session, "--pyfactory-seed=77", failed=1)
        result.stdout.fnmatch_lines(
            [
                "*- pyfactory -*",
                "pyfactory: rerun this test alone with the same data:",
                "    pytest test_it.py::test_fails --pyfactory-seed=77",
            ]
        )
        # The test's own seed is not printed: --pyfactory-seed takes the session's only.
        section = result.stdout.str().split("- pyfactory -")[1].split("short test summary")[0]
        assert re.findall(r"\d+", section) == ["77"]

    def test_report_in_every_show_capture_mode_and_setup_errors(
        self, session: pytest.Pytester
    ) -> None:
        session.makepyfile(
            test_it="""
            import pytest

            @pytest.fixture
            def broken():
                raise RuntimeError("setup")

            def test_setup_error(broken):
                pass
            """
        )
        result = run(session, "--pyfactory-seed=1", "--show-capture=no", errors=1)
        result.stdout.fnmatch_lines(["    pytest test_it.py::test_setup_error --pyfactory-seed=1"])

    def test_the_command_replays_the_data(self, session: pytest.Pytester) -> None:
        """Run after another test, then alone with the command: the same data."""
        session.makepyfile(
            test_it="from models import users\n\n\ndef test_first():\n    users(3)\n"
            + textwrap.dedent(self.FAILING)
        )
        result = run(session, failed=1, passed=1)
        failed_with = recorded(session, "test_fails")
        run(session, *replay_args(result), failed=1)
        assert recorded(session, "test_fails") == failed_with

    AFTER_UNIQUE_AND_SEQUENCES = """
    import pytest
    from models import UserFactory, record
    from pyfactory import Factory, fake, schema, sequence


    class TicketFactory(Factory[dict]):
        _model = dict
        _default_schema = "basic"

        @schema()
        def basic(self):
            return {
                "number": sequence("T-{n}"),
                "seat": fake("pyint", min_value=1, max_value=12, unique=True),
                "code": fake("bothify", text="??##", unique=True),
            }


    def made():
        tickets = TicketFactory().build_batch(4)
        user = UserFactory().build()
        return [[t["number"], t["seat"], t["code"]] for t in tickets] + [user.number, user.name]


    def test_earlier():
        record("test_earlier", made() + TicketFactory().build_batch(6))


    @pytest.mark.parametrize("case", ["a b"])
    def test_later_fails(case):
        values = made()
        record("test_later_fails", values)
        assert values is None, f"the data: {values}"
    """

    def test_replay_alone_after_unique_values_and_sequences_of_earlier_tests(
        self, session: pytest.Pytester
    ) -> None:
        """An earlier test takes sequence numbers and unique values (seats 1 to 12,
        ten of them taken); the command printed for the later, failing test runs it
        alone, and it sees exactly the same sequence numbers, unique values and data."""
        session.makepyfile(test_it=self.AFTER_UNIQUE_AND_SEQUENCES)
        result = run(session, passed=1, failed=1)
        after_others = recorded(session, "test_later_fails")
        assert after_others[0][0] == "T-1"  # its sequences started afresh
        assert after_others[4] == "n1"
        message = next(line for line in result.outlines if "the data: " in line)
        args = replay_args(result)
        assert args[0] == "test_it.py::test_later_fails[a b]"  # unquoted by the shell
        alone = run(session, *args, failed=1)
        assert recorded(session, "test_later_fails") == after_others
        assert message in alone.outlines

    def test_passing_tests_get_nothing(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RECORDING)
        result = run(session, "-rA", passed=1)
        assert "rerun this test" not in result.stdout.str()


# ------------------------------------------------------------- resets


RESETS = """
import pytest
from models import UserFactory, record
from pyfactory import Factory, fake, schema


class OnlyOne(Factory[dict]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"code": fake("pyint", min_value=0, max_value=0, unique=True)}


@pytest.mark.parametrize("n", [1, 2])
def test_record(n):
    record(f"test_record_{n}", [UserFactory().build().number, OnlyOne().build()["code"]])
"""


class TestResetSequences:
    def test_each_test_starts_afresh_by_default(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RESETS)
        result = run(session, passed=2)
        assert recorded(session, "test_record_1") == ["n1", 0]
        assert recorded(session, "test_record_2") == ["n1", 0]
        assert "run on across tests" not in result.stdout.str()

    def test_the_old_option_still_runs(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RESETS)
        run(session, "--pyfactory-reset-sequences", passed=2)
        assert recorded(session, "test_record_2") == ["n1", 0]

    def test_keep_sequences_lets_them_count_on(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RESETS)
        result = run(session, "--pyfactory-keep-sequences", passed=1, failed=1)
        assert recorded(session, "test_record_1") == ["n1", 0]
        result.stdout.fnmatch_lines(
            [
                "pyfactory: session seed *, sequences and unique values run on across tests "
                "(--pyfactory-keep-sequences)",
                "*all 1 values of 'pyint' are used (unique=True)*",
                "pyfactory: rerun this test alone with the same data:",
                "    pytest 'test_it.py::test_record?2?' --pyfactory-seed=*",
                "This run let sequences and unique values run on from the tests before it "
                "(--pyfactory-keep-sequences); alone they start afresh, so its sequence "
                "numbers and unique values may differ from this run's.",
            ]
        )

    def test_keep_and_reset_together_are_refused(self, session: pytest.Pytester) -> None:
        session.makepyfile(test_it=RESETS)
        result = session.runpytest(
            "-p",
            "no:cacheprovider",
            "-p",
            "no:django",
            "--pyfactory-keep-sequences",
            "--pyfactory-reset-sequences",
        )
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(
            [
                "ERROR: --pyfactory-keep-sequences and --pyfactory-reset-sequences contradict "
                "each other; give one (restarting per test is the default)"
            ]
        )


BROADER_FIXTURES = """
import pytest
from models import UserFactory, record


@pytest.fixture(scope="module")
def shared_user():
    return repr(UserFactory().build())


def test_a_first(shared_user):
    pass


def test_b_record(shared_user):
    record("test_b_record", [shared_user, repr(UserFactory().build())])
"""


class TestBroaderFixtures:
    def test_a_module_fixture_has_the_same_data_whichever_test_needs_it_first(
        self, session: pytest.Pytester
    ) -> None:
        """Made in the first test's setup, or in the second's when that runs alone:
        the same data, seeded from the fixture's own scope and name; and the second
        test's sequences go on after the fixture's numbers in both runs."""
        session.makepyfile(test_it=BROADER_FIXTURES)
        run(session, "--pyfactory-seed=3", passed=2)
        after_others = recorded(session, "test_b_record")
        run(session, "--pyfactory-seed=3", "-k", "test_b_record", passed=1, deselected=1)
        assert recorded(session, "test_b_record") == after_others
        # The test's sequences restart after the fixture's number, which stays taken.
        assert "number='n1'" in after_others[0]
        assert "number='n2'" in after_others[1]
        run(session, "--pyfactory-seed=4", passed=2)
        assert recorded(session, "test_b_record")[0] != after_others[0]

    def test_with_keep_sequences_a_module_fixture_draws_from_the_test_faker(
        self, session: pytest.Pytester
    ) -> None:
        """The old behaviour throughout: the fixture's unique values stay in the
        test's Faker, so no later test of the session draws them again."""
        session.makepyfile(
            test_it="""
            import pytest
            from models import record
            from pyfactory import Factory, fake, schema

            class CodeFactory(Factory[dict]):
                _model = dict
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"code": fake("pyint", min_value=1, max_value=6, unique=True)}

            @pytest.fixture(scope="module")
            def shared_codes():
                return [c["code"] for c in CodeFactory().build_batch(3)]

            def test_record(shared_codes):
                mine = [c["code"] for c in CodeFactory().build_batch(3)]
                record("test_record", [shared_codes, mine])
            """
        )
        run(session, "--pyfactory-keep-sequences", passed=1)
        shared, mine = recorded(session)
        assert sorted(shared + mine) == [1, 2, 3, 4, 5, 6]

    def test_a_torn_down_module_fixture_no_longer_holds_numbers_back(
        self, session: pytest.Pytester
    ) -> None:
        session.makepyfile(
            test_one=BROADER_FIXTURES,
            test_two="""
            import pytest
            from models import UserFactory, record

            @pytest.fixture(scope="module")
            def shared_user():
                return None  # this module's, of the same name, makes nothing

            def test_record(shared_user):
                record("test_record", UserFactory().build().number)
            """,
        )
        run(session, passed=3)
        assert recorded(session) == "n1"


# -------------------------------------------------------------- xdist


XDIST_TESTS = """
import os

import pytest
from models import record
from sqlalchemy import Integer, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pyfactory import Factory, fake, schema, sequence
from pyfactory.builders import DictBuilder


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "row"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[int] = mapped_column(Integer, unique=True)


class RowFactory(Factory[dict]):
    _model = Row
    _model_builder = DictBuilder()
    _default_schema = "basic"
    _name_mappings = {"code": lambda faker, field: faker.random.randint(1, 400)}

    @schema(auto=True)
    def basic(self):
        return {
            "id": sequence(lambda n: n),
            "label": fake("pyint", min_value=1, max_value=400, unique=True),
        }


class Pair(Base):
    __tablename__ = "pair"
    __table_args__ = (UniqueConstraint("a", "b"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    a: Mapped[int]
    b: Mapped[int]


def _small(faker, field):
    return faker.random.randint(1, 20)


class PairFactory(Factory[dict]):
    _model = Pair
    _model_builder = DictBuilder()
    _default_schema = "basic"
    _name_mappings = {"a": _small, "b": _small}

    @schema(auto=True)
    def basic(self):
        return {"id": sequence(lambda n: n)}


def _row():
    pair = PairFactory().attributes()
    return dict(RowFactory().attributes(), pair=f"{pair['a']}-{pair['b']}")


@pytest.mark.parametrize("n", range(40))
def test_row(n):
    rows = [_row() for _ in range(4)]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
    record(f"{worker}-{n}", rows)
"""


class TestXdist:
    """Two workers never give the same sequence number or unique value.

    Forty tests make four rows each: 160 values of each kind, drawn from 1 to 400 for
    the unique ones, and 160 pairs of a unique-together pair of columns drawn from
    1 to 20 each. Each worker alone never repeats itself; two workers drawing
    independently would share dozens of values. A shared claim leaves none.
    """

    @pytest.mark.slow
    @pytest.mark.parametrize("keep", [False, True])
    def test_no_value_twice(self, session: pytest.Pytester, keep: bool) -> None:
        session.makepyfile(test_it=XDIST_TESTS)
        uid = uuid.uuid4().hex
        args = ["-n", "2", f"--testrunuid={uid}", "--pyfactory-seed=9"]
        if keep:
            args.append("--pyfactory-keep-sequences")
        result = session.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django", *args)
        result.assert_outcomes(passed=40)
        by_worker: dict[str, dict[str, list[Any]]] = {}
        for path in (session.path / "out").glob("*.json"):
            worker = path.name.split("-")[0]
            rows = json.loads(path.read_text())
            mine = by_worker.setdefault(worker, {"id": [], "code": [], "label": [], "pair": []})
            for row in rows:
                for key, values in mine.items():
                    values.append(row[key])
        assert sorted(by_worker) == ["gw0", "gw1"]  # both workers ran tests
        for key in ("id", "code", "label", "pair"):
            zero, one = by_worker["gw0"][key], by_worker["gw1"][key]
            assert not set(zero) & set(one), key
            if keep:
                assert len(set(zero + one)) == len(zero + one) == 160, key
        # Worker i of 2 counts 1 + i, 3 + i, ...: its own lane.
        assert {n % 2 for n in by_worker["gw0"]["id"]} == {1}
        assert {n % 2 for n in by_worker["gw1"]["id"]} == {0}
        assert not _claims_path(uid).exists()  # the controller removed the run's store
        result.stdout.fnmatch_lines(["pyfactory: session seed 9 (given; *"])

    @pytest.mark.slow
    def test_workers_share_the_random_session_seed(self, session: pytest.Pytester) -> None:
        session.makepyfile(
            test_it="""
            import pytest
            from models import record

            @pytest.mark.parametrize("n", range(6))
            def test_seed(n, pyfactory_seed, request):
                record(f"seed-{n}", [pyfactory_seed, request.node.nodeid])
            """
        )
        result = session.runpytest_subprocess(
            "-p", "no:cacheprovider", "-p", "no:django", "-n", "2"
        )
        result.assert_outcomes(passed=6)
        found = re.search(r"session seed (\d+) \(random", result.stdout.str())
        assert found is not None
        session_seed = int(found.group(1))
        for n in range(6):
            seed, nodeid = recorded(session, f"seed-{n}")
            assert seed == seed_of_test(session_seed, nodeid)


class TestWorkerInProcess:
    """The worker's and the controller's parts, in this process (the subprocess runs
    above are not measured by coverage)."""

    def test_a_worker_spreads_claims_and_puts_back(self, session: pytest.Pytester) -> None:
        uid = uuid.uuid4().hex
        session.makeconftest(
            f"""
            import pytest

            @pytest.hookimpl(tryfirst=True)
            def pytest_configure(config):
                config.workerinput = {{
                    "workerid": "gw1", "workercount": 3, "testrunuid": "{uid}",
                    "pyfactory_seed": 31,
                }}
            """
        )
        session.makepyfile(
            test_it="""
            from models import UserFactory, record
            from pyfactory.autofill._unique import _claim

            def test_record(pyfactory_seed):
                numbers = [UserFactory().build().number for _ in range(2)]
                record("test_record", [numbers, pyfactory_seed, _claim("ns", "v")])

            def test_zzz_fails():
                assert UserFactory().build().number == "n2"  # restarted in its lane
                assert False
            """
        )
        before = counters.spacing
        result = run(session, "-p", "no:xdist", passed=1, failed=1)
        # The replay cannot give a worker's lane, nor refuse what other workers took: said.
        result.stdout.fnmatch_lines(
            [
                "pyfactory: rerun this test alone with the same data:",
                "    pytest test_it.py::test_zzz_fails --pyfactory-seed=31",
                "Under pytest-xdist its sequences counted in this worker's lane (from "
                "start + 1, in steps of 3) and it drew again the unique values that other "
                "workers had taken; alone they count 1, 2, 3, ... and nothing is taken, so "
                "those values may differ from this run's.",
            ]
        )
        numbers, seed, claimed = recorded(session)
        assert numbers == ["n2", "n5"]  # worker 1 of 3: 1 + 1, then 3 further
        assert seed == seed_of_test(31, "test_it.py::test_record")  # the controller's seed
        assert claimed is True
        assert counters.spacing == before
        assert claim_unique("ns", "v")  # no claim left behind
        path = _claims_path(uid)
        assert path.exists()  # the controller's to remove
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            path.with_name(name).unlink(missing_ok=True)

    def test_the_controller_hands_out_its_seed_and_removes_the_store(
        self, pytester: pytest.Pytester
    ) -> None:
        from pyfactory.pytest import _seeds

        uid = uuid.uuid4().hex
        path = _claims_path(uid)
        pytester.makeini(INI)
        config = pytester.parseconfigure("--pyfactory-seed=8")
        node = types.SimpleNamespace(config=config, workerinput={"testrunuid": uid})
        _seeds.pytest_configure_node(node)
        assert node.workerinput["pyfactory_seed"] == 8
        path.write_text("")
        path.with_name(f"{path.name}-wal").write_text("")
        config._ensure_unconfigure()
        assert not path.exists()
        assert not path.with_name(f"{path.name}-wal").exists()


# ---------------------------------------------------------- core hooks


@dataclass
class Thing:
    label: str


class ThingFactory(Factory[Thing]):
    _model = Thing
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"label": sequence("t{n}")}


class CodeFactory(Factory[dict[str, Any]]):
    _model = dict
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"code": fake("pyint", min_value=0, max_value=9, unique=True)}


class TestSpread:
    @pytest.fixture(autouse=True)
    def _plain_again(self) -> Iterator[None]:
        before = counters.spacing
        yield
        counters.spread(*before)

    def test_offset_and_stride(self) -> None:
        counters.spread(1, 3)
        assert [ThingFactory().build().label for _ in range(3)] == ["t2", "t5", "t8"]
        ThingFactory.reset_sequences()
        assert ThingFactory().build().label == "t2"
        ThingFactory.reset_sequences(start=10)
        assert [ThingFactory().build().label for _ in range(2)] == ["t11", "t14"]

    def test_spread_restarts_and_undoes(self) -> None:
        assert ThingFactory().build().label == "t1"
        counters.spread(0, 2)
        assert [ThingFactory().build().label for _ in range(2)] == ["t1", "t3"]
        counters.spread()
        assert counters.spacing == (0, 1)
        assert [ThingFactory().build().label for _ in range(2)] == ["t1", "t2"]

    def test_counters_made_after_spreading(self) -> None:
        made = SequenceCounters()
        made.spread(5, 10)
        counter = made.counter(Thing, "label", 1)
        assert [counter.next(), counter.next()] == [6, 16]
        counter.reset(40)  # a number given as it is: the next one
        assert counter.next() == 40

    @pytest.mark.parametrize(
        ("offset", "stride"), [(0, 0), (1.5, 1), (True, 2), (0, "2")], ids=repr
    )
    def test_refused(self, offset: Any, stride: Any) -> None:
        with pytest.raises(UsageError, match="spread"):
            counters.spread(offset, stride)


class TestClaim:
    @pytest.fixture
    def claimed(self) -> Iterator[dict[str, set[Any]]]:
        """A claim that refuses the even numbers, recording what it was offered."""
        offered: dict[str, set[Any]] = {}

        def claim(namespace: str, value: Any) -> bool:
            offered.setdefault(namespace, set()).add(value)
            return not (isinstance(value, int) and value % 2 == 0)

        previous = set_unique_claim(claim)
        yield offered
        assert set_unique_claim(previous) is claim
        Factory.reset_unique()

    def test_no_claim_takes_everything(self) -> None:
        assert claim_unique("x", 1)

    def test_unique_tracker_draws_again(self, claimed: dict[str, set[Any]]) -> None:
        numbers = iter(range(10))
        tracker = UniqueTracker(lambda faker, field: next(numbers), "T.n")
        assert [tracker(None, None) for _ in range(3)] == [1, 3, 5]  # type: ignore[arg-type]
        assert claimed["T.n"] == {0, 1, 2, 3, 4, 5}
        assert tracker.seen == 6  # refused values stay taken

    def test_unique_tracker_none_is_never_claimed(self, claimed: dict[str, set[Any]]) -> None:
        tracker = UniqueTracker(lambda faker, field: None, "T.n")
        assert tracker(None, None) is None  # type: ignore[arg-type]
        assert claimed == {}
        assert claim_unique("x", None)

    def test_unique_tracker_gives_up_saying_claimed(self) -> None:
        """A unique auto-filled field whose values another process has says so."""
        numbers = iter(range(1000))
        tracker = UniqueTracker(lambda faker, field: next(numbers), "T.n", max_tries=5)
        previous = set_unique_claim(lambda namespace, value: False)
        try:
            with pytest.raises(FactoryError) as caught:
                tracker(None, None)  # type: ignore[arg-type]
        finally:
            set_unique_claim(previous)
        assert str(caught.value) == (
            "T.n is unique, but 5 values in a row were already claimed by another process "
            "(the processes that share unique values, such as pytest-xdist workers, claim "
            "each one: see set_unique_claim()); widen its constraints, map it with "
            "_name_mappings, or reset the factory's unique values"
        )

    def test_unique_tracker_gives_up_counting_claimed(self) -> None:
        """Some values repeated here, some refused by the claim: both are counted."""
        values = iter([1, 1, 2, 2, 2])
        tracker = UniqueTracker(lambda faker, field: next(values), "T.n", max_tries=4)
        tracker._seen.add(1)
        previous = set_unique_claim(lambda namespace, value: value != 2)
        try:
            with pytest.raises(FactoryError) as caught:
                tracker(None, None)  # type: ignore[arg-type]
        finally:
            set_unique_claim(previous)
        assert str(caught.value) == (
            "T.n is unique, but 4 values in a row were taken: 1 already claimed by another "
            "process, the other 3 already given in this run (the processes that share "
            "unique values, such as pytest-xdist workers, claim each one: see "
            "set_unique_claim()); widen its constraints, map it with _name_mappings, or "
            "reset the factory's unique values"
        )

    def test_fake_unique_draws_again(self, claimed: dict[str, set[Any]]) -> None:
        codes = CodeFactory(seed=1).build_batch(5)
        assert sorted(c["code"] for c in codes) == [1, 3, 5, 7, 9]
        (namespace,) = claimed
        assert namespace == "fake('pyint', max_value=9, min_value=0)"

    def test_fake_unique_gives_up(self) -> None:
        """A fast provider's values all refused by the claim: the error says that another
        process has them, not that the space is used up."""
        previous = set_unique_claim(lambda namespace, value: False)
        try:
            with pytest.raises(FactoryError) as caught:
                CodeFactory(faker=_wide()).build(code__max_value=10**9)
        finally:
            set_unique_claim(previous)
            Factory.reset_unique()
        assert str(caught.value) == (
            "CodeFactory.basic → code: fake('pyint', max_value=1000000000, min_value=0): 64 "
            "values in a row of 'pyint' were already claimed by another process (the "
            "processes that share unique values, such as pytest-xdist workers, claim each "
            "one: see set_unique_claim()); widen its space (other arguments, another "
            "provider) or reset the unique values (Factory.reset_unique())"
        )

    def test_fake_unique_gives_up_on_faker(self) -> None:
        """The same through Faker's own provider (a Faker of two locales has no fast
        one)."""
        previous = set_unique_claim(lambda namespace, value: False)
        faker = Faker(["en_US", "fr_FR"])
        faker.seed_instance(0)
        try:
            with pytest.raises(FactoryError) as caught:
                CodeFactory(faker=faker).build(code__max_value=10**9)
        finally:
            set_unique_claim(previous)
            Factory.reset_unique()
        assert str(caught.value) == (
            "CodeFactory.basic → code: fake('pyint', unique=True): 100 values in a row "
            "were already claimed by another process; widen the provider's range"
        )


def _wide() -> Faker:
    faker = Faker()
    faker.seed_instance(0)
    return faker


class TestSharedClaims:
    def test_workers_exclude_each_other(self, tmp_path: Path) -> None:
        path = tmp_path / "claims.sqlite3"
        gw0, gw1 = _SharedClaims(path, "gw0"), _SharedClaims(path, "gw1")
        try:
            assert gw0("User.email", "a@x")
            assert not gw1("User.email", "a@x")
            assert gw1("Other.email", "a@x")  # another namespace
            assert gw0("User.email", "a@x")  # its own again, after a reset
            assert gw1("User.n", 1)
            assert not gw0("User.n", 1)
            assert gw0("User.n", "1")  # the text "1" is not the number 1
        finally:
            gw0.close()
            gw1.close()
            gw1.close()  # twice is fine

    @staticmethod
    def _journal(path: Path) -> str:
        db = sqlite3.connect(path)
        try:
            return str(db.execute("PRAGMA journal_mode").fetchone()[0])
        finally:
            db.close()

    def test_controller_prepares_the_file_in_wal_mode(self, tmp_path: Path) -> None:
        # The workers only connect: none of them asks for WAL, which SQLite can refuse
        # at once ("database is locked", no busy wait) while another worker opens the file.
        path = tmp_path / "claims.sqlite3"
        _SharedClaims.prepare(path)
        assert self._journal(path) == "wal"
        worker = _SharedClaims(path, "gw0")
        try:
            assert worker("User.email", "a@x")
        finally:
            worker.close()
        assert self._journal(path) == "wal"

    def test_worker_alone_makes_the_table_without_wal(self, tmp_path: Path) -> None:
        path = tmp_path / "claims.sqlite3"
        gw0, gw1 = _SharedClaims(path, "gw0"), _SharedClaims(path, "gw1")
        try:
            assert gw0("User.email", "a@x")
            assert not gw1("User.email", "a@x")
        finally:
            gw0.close()
            gw1.close()
        assert self._journal(path) == "delete"

    def test_path_is_per_run(self) -> None:
        assert _claims_path("abc") == Path(tempfile.gettempdir()) / "pyfactory-unique-abc.sqlite3"


class TestDefaultFakerFrom:
    def test_source_stands_in_and_nests(self) -> None:
        outer, inner = _wide(), _wide()
        made_before = Randomness()
        with default_faker_from(lambda: outer):
            assert default_faker() is outer
            assert made_before.faker is outer  # looked up on every use
            assert made_before.random is outer.random
            with default_faker_from(lambda: inner):
                assert made_before.faker is inner
            assert default_faker() is outer
        assert made_before.faker is not outer

    def test_own_seed_and_faker_ignore_it(self) -> None:
        mine = _wide()
        with default_faker_from(lambda: mine):
            assert Randomness(seed=3).faker is not mine
            other = _wide()
            assert Randomness(faker=other).faker is other

    def test_several_locales(self) -> None:
        several = Faker(["en_US", "fr_FR"])
        with default_faker_from(lambda: several):
            assert Randomness().random is several["en_US"].random


# ---------------------------------------------------------------- docs


def _code_blocks(text: str) -> list[str]:
    """The ``.. code-block:: python`` blocks of a page, dedented."""
    pattern = r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)"
    return [textwrap.dedent(found.group(1)) for found in re.finditer(pattern, text)]


def test_docs_examples_pass(pytester: pytest.Pytester) -> None:
    """Every Python example of docs/pytest-seeds.rst passes as a test module."""
    blocks = _code_blocks(DOCS.read_text())
    assert blocks
    pytester.makeini(INI)
    for index, block in enumerate(blocks):
        pytester.makepyfile(**{f"test_doc_{index}": block})
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=4)
