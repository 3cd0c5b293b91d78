"""``register()``: the factory and object fixtures, their names, parametrized overrides,
shared parents and the errors, run in pytest sessions of their own with ``pytester``."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from pyfactory import (
    AsyncModeError,
    Factory,
    OverrideError,
    UnknownSchemaError,
    UsageError,
    schema,
)
from pyfactory.builders import ModelBuilder, ObjectBuilder
from pyfactory.pytest import register
from pyfactory.pytest._register import (
    Registration,
    _writes_async,
    fixture_names,
    registrations,
    snake_case,
)

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

#: The models and factories of most sessions: a chain case → registration →
#: assessment, as in Epilepsy12, where each row points at its parent.
MODELS = '''
from dataclasses import dataclass, field

from pyfactory import Factory, after, association, schema, sequence, trait

MADE = []


@dataclass
class Case:
    first_name: str
    surname: str = "Smith"
    made: str = "build"


@dataclass
class Registration:
    case: Case
    cohort: int = 1
    made: str = "build"


@dataclass
class Assessment:
    registration: Registration
    no_referral: bool = False
    made: str = "build"


class Recording(Factory):
    """Marks what create() made, so a test can tell create from build."""

    _abstract = True

    @after("create")
    def record(self, obj, attrs):
        obj.made = "create"
        MADE.append(obj)


class E12CaseFactory(Recording):
    _model = Case
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"first_name": sequence("case{n}")}

    @schema()
    def vip(self):
        return {"first_name": "Very", "surname": "Important"}


class RegistrationFactory(Recording):
    _model = Registration
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"case": association(E12CaseFactory)}

    @trait()
    def late(self):
        return {"cohort": 9}


class AssessmentFactory(Recording):
    _model = Assessment
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {"registration": association(RegistrationFactory)}

    @trait()
    def no_referral(self):
        return {"no_referral": True}
'''

CONFTEST = """
from models import *
from pyfactory.pytest import register

register(E12CaseFactory)
register(RegistrationFactory)
register(AssessmentFactory)
"""


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory with the models, an ini, and the chain registered."""
    pytester.makeini(INI)
    pytester.makepyfile(models=MODELS, conftest=CONFTEST)
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, test: str, *args: str, **outcomes: int) -> pytest.RunResult:
    """Run ``test`` (a test module's text) and check the outcomes."""
    pytester.makepyfile(test_it=textwrap.dedent(test))
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", *args)
    result.assert_outcomes(**outcomes)
    return result


class TestNames:
    """Fixture names follow pytest-factoryboy's rule."""

    @pytest.mark.parametrize(
        ("name", "snake"),
        [
            ("E12CaseFactory", "e12_case_factory"),
            ("UserFactory", "user_factory"),
            ("HTTPRequestFactory", "http_request_factory"),
            ("Case", "case"),
            ("APIKey", "api_key"),
            ("already_snake", "already_snake"),
        ],
    )
    def test_snake_case(self, name: str, snake: str) -> None:
        """Class names become snake case as inflection.underscore does it."""
        assert snake_case(name) == snake

    def test_factory_and_model_names(self) -> None:
        """The factory fixture is named for the factory class, the object fixture for
        the model, unless a name is given."""

        class Case:
            pass

        class E12CaseFactory(Factory[Case]):
            _model = Case

        assert fixture_names(E12CaseFactory) == ("e12_case_factory", "case")
        assert fixture_names(E12CaseFactory, "patient") == ("e12_case_factory", "patient")

    def test_names_in_a_session(self, session: pytest.Pytester) -> None:
        """register() defines the factory fixture and the object fixture in the module."""
        run(
            session,
            """
            from models import E12CaseFactory

            def test_it(e12_case_factory, case, registration_factory, registration):
                assert isinstance(e12_case_factory, E12CaseFactory)
                assert type(case).__name__ == "Case"
                assert type(registration).__name__ == "Registration"
            """,
            passed=1,
        )


class TestFixtures:
    """The factory fixture carries the context; the object fixture creates."""

    def test_object_is_created_from_the_default_schema(self, session: pytest.Pytester) -> None:
        """``case`` is ``create()`` of the default schema, one per test."""
        run(
            session,
            """
            import models

            def test_one(case):
                assert case.made == "create" and case.first_name == "case1"
                assert models.MADE == [case]

            def test_two(case, e12_case_factory):
                assert case.made == "create"
                assert e12_case_factory.build().made == "build"
            """,
            passed=2,
        )

    def test_default_context_is_empty(self, session: pytest.Pytester) -> None:
        """Without an override, pyfactory_context is ``{}``."""
        run(
            session,
            """
            def test_it(pyfactory_context, e12_case_factory):
                assert pyfactory_context == {}
                assert dict(e12_case_factory.context) == {}
            """,
            passed=1,
        )

    def test_context_from_an_overridden_fixture(self, session: pytest.Pytester) -> None:
        """A conftest's pyfactory_context reaches every factory fixture, and its
        ``seed`` goes to the factory as ``seed=``."""
        session.makeconftest(
            CONFTEST
            + textwrap.dedent(
                """
                import pytest

                @pytest.fixture
                def pyfactory_context():
                    return {"session": "db", "seed": 7}
                """
            )
        )
        run(
            session,
            """
            def test_it(e12_case_factory, registration_factory):
                assert dict(e12_case_factory.context) == {"session": "db"}
                assert e12_case_factory.seed == 7
                assert registration_factory.context["session"] == "db"
            """,
            passed=1,
        )

    def test_context_must_be_a_mapping(self, session: pytest.Pytester) -> None:
        """A pyfactory_context that is not a mapping fails the test's set-up, saying so."""
        result = run(
            session,
            """
            import pytest

            @pytest.fixture
            def pyfactory_context():
                return ["session"]

            def test_it(case):
                pass
            """,
            errors=1,
        )
        assert (
            "pyfactory.errors.UsageError: the pyfactory_context fixture must return a "
            "mapping of context keys (such as {'session': ...}), got ['session']"
        ) in result.stdout.str()

    def test_name_schema_and_overrides(self, session: pytest.Pytester) -> None:
        """``name=`` names the object fixture, ``schema=`` picks its schema, and
        ``overrides=`` applies to each object, under the test's own overrides."""
        run(
            session,
            """
            import pytest
            from models import E12CaseFactory, RegistrationFactory
            from pyfactory.pytest import register

            register(E12CaseFactory, "vip", schema="vip")
            register(RegistrationFactory, "late_registration", overrides={"late": True})

            def test_vip(vip, case):
                assert (vip.first_name, vip.surname) == ("Very", "Important")
                assert case.first_name == "case1" and vip is not case

            @pytest.mark.parametrize("vip__surname", ["Doe"])
            def test_vip_override(vip):
                assert (vip.first_name, vip.surname) == ("Very", "Doe")

            def test_late(late_registration):
                assert late_registration.cohort == 9

            @pytest.mark.parametrize("late_registration__cohort", [3])
            def test_late_override(late_registration):
                assert late_registration.cohort == 3
            """,
            passed=4,
        )

    def test_decorator(self, session: pytest.Pytester) -> None:
        """``@register`` and ``@register(name=...)`` decorate a factory class and
        return it unchanged."""
        run(
            session,
            """
            from models import Case, E12CaseFactory
            from pyfactory.pytest import register

            @register
            class PatientFactory(E12CaseFactory):
                pass

            @register(name="other_case", schema="vip")
            class OtherFactory(E12CaseFactory):
                pass

            def test_it(patient_factory, other_case, other_factory):
                assert isinstance(patient_factory, PatientFactory)
                assert other_case.first_name == "Very"
                assert isinstance(other_factory, OtherFactory)
            """,
            passed=1,
        )

    def test_registered_twice_the_same(self, session: pytest.Pytester) -> None:
        """Registering the same factory the same way again changes nothing."""
        run(
            session,
            """
            from models import E12CaseFactory
            from pyfactory.pytest import register

            register(E12CaseFactory)
            register(E12CaseFactory)

            def test_it(case):
                assert case.first_name == "case1"
            """,
            passed=1,
        )

    def test_a_module_overrides_the_conftest(self, session: pytest.Pytester) -> None:
        """A test module may register another factory under a conftest's name; a
        subclass of the association's factory is shared as the parent."""
        run(
            session,
            """
            from models import E12CaseFactory
            from pyfactory import schema
            from pyfactory.pytest import register

            class LocalCaseFactory(E12CaseFactory):
                @schema()
                def basic(self):
                    return {"first_name": "Local"}

            register(LocalCaseFactory)

            def test_it(case, registration):
                assert case.first_name == "Local"
                assert registration.case is case
            """,
            passed=1,
        )

    def test_registrations_are_listed(self) -> None:
        """registrations() lists what register() made, for the other parts of the plugin."""
        ns = _module(
            """
            from pyfactory.pytest import register
            register(ListedFactory, "listed")
            """,
            ListedFactory=_factory("ListedFactory"),
        )
        found = [r for r in registrations() if r.factory is ns["ListedFactory"]]
        assert found == [
            Registration(ns["ListedFactory"], "listed", "listed_factory", "basic", False, {})
        ]
        assert found[0].prefix == "listed__"


class TestOverrides:
    """``@pytest.mark.parametrize("case__first_name", ...)`` at any depth, no declaration."""

    def test_field(self, session: pytest.Pytester) -> None:
        """A parametrized ``name__field`` overrides the object's field."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("case__first_name", ["Bob", "Eve"])
            def test_it(case, case__first_name):
                assert case.first_name == case__first_name
            """,
            passed=2,
        )

    def test_several_names_in_one_mark(self, session: pytest.Pytester) -> None:
        """Several names in one parametrize string, with spaces, and a tuple of names."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("case__first_name, case__surname", [("Bob", "Doe")])
            @pytest.mark.parametrize(("registration__cohort",), [(4,)])
            def test_it(case, registration):
                assert (case.first_name, case.surname) == ("Bob", "Doe")
                assert registration.cohort == 4
            """,
            passed=1,
        )

    def test_any_depth_and_trait_flags(self, session: pytest.Pytester) -> None:
        """A path through associations reaches a grandchild's trait flag, and a flag
        of the object itself works too."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("assessment__no_referral", [True])
            @pytest.mark.parametrize("assessment__registration__late", [True])
            @pytest.mark.parametrize("assessment__registration__case__surname", ["Deep"])
            def test_it(assessment):
                assert assessment.no_referral is True
                assert assessment.registration.cohort == 9
                assert assessment.registration.case.surname == "Deep"
            """,
            passed=1,
        )

    def test_fixture_named_like_an_override(self, session: pytest.Pytester) -> None:
        """A fixture named ``case__first_name`` overrides the field, as in
        pytest-factoryboy, and may use other fixtures; parametrizing wins over it."""
        run(
            session,
            """
            import pytest

            @pytest.fixture
            def base_name():
                return "Fix"

            @pytest.fixture
            def case__first_name(base_name):
                return base_name + "ture"

            def test_fixture(case):
                assert case.first_name == "Fixture"

            @pytest.mark.parametrize("case__first_name", ["Param"])
            def test_param_wins(case):
                assert case.first_name == "Param"

            class TestInClass:
                @pytest.fixture
                def case__surname(self):
                    return "Classy"

                def test_class_fixture(self, case):
                    assert (case.first_name, case.surname) == ("Fixture", "Classy")
            """,
            passed=3,
        )

    def test_fixture_override_seen_only_where_visible(self, session: pytest.Pytester) -> None:
        """A ``case__...`` fixture in one module does not reach the tests of another."""
        session.makepyfile(
            test_other="""
            def test_other(case):
                assert case.first_name == "case1"
            """
        )
        run(
            session,
            """
            import pytest

            @pytest.fixture
            def case__first_name():
                return "Here"

            def test_here(case):
                assert case.first_name == "Here"
            """,
            passed=2,
        )

    def test_object_for_an_association(self, session: pytest.Pytester) -> None:
        """Parametrizing an association's key with ``None`` replaces it."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("registration__case", [None])
            def test_it(registration, case):
                assert registration.case is None
            """,
            passed=1,
        )

    def test_lazy_fixture_in_parametrize(self, session: pytest.Pytester) -> None:
        """A ``LazyFixture`` parameter is the named fixture's value, per test case."""
        result = run(
            session,
            """
            import pytest
            from pyfactory.pytest import LazyFixture

            @pytest.fixture
            def other_case(e12_case_factory):
                return e12_case_factory.create(first_name="Other")

            @pytest.mark.parametrize(
                "registration__case", [LazyFixture("other_case"), LazyFixture("case")]
            )
            def test_it(registration, case, other_case, request):
                expected = other_case if "other_case" in request.node.name else case
                assert registration.case is expected
            """,
            "-v",
            passed=2,
        )
        # Each case's id is the fixture's name.
        result.stdout.fnmatch_lines(
            ["*test_it[[]other_case[]] PASSED*", "*test_it[[]case[]] PASSED*"]
        )

    def test_lazy_fixture_function_and_register_overrides(self, pytester: pytest.Pytester) -> None:
        """A function ``LazyFixture`` gets the fixtures it names; ``register`` takes
        one among its overrides, and a fixture override may return one."""
        pytester.makeini(INI)
        pytester.makepyfile(
            models=MODELS,
            conftest="""
from models import *
from pyfactory.pytest import LazyFixture, register
import pytest

register(E12CaseFactory)
register(
    E12CaseFactory,
    "shouting",
    overrides={"first_name": LazyFixture(lambda case: case.first_name.upper())},
)

@pytest.fixture
def case__first_name():
    return LazyFixture("given_name")

@pytest.fixture
def given_name():
    return "Zoe"
""",
        )
        pytester.syspathinsert()
        run(
            pytester,
            """
            def test_it(case, shouting):
                assert case.first_name == "Zoe"
                assert shouting.first_name == "ZOE"
            """,
            passed=1,
        )

    def test_lazy_fixture_unknown_name(self, session: pytest.Pytester) -> None:
        """A ``LazyFixture`` of a fixture that does not exist is pytest's own lookup
        error, raised in the object fixture's set-up."""
        result = run(
            session,
            """
            import pytest
            from pyfactory.pytest import LazyFixture

            @pytest.mark.parametrize("case__first_name", [LazyFixture("nobody")])
            def test_it(case):
                pass
            """,
            errors=1,
        )
        result.stdout.fnmatch_lines(["*fixture 'nobody' not found*"])

    def test_unregistered_head_is_left_to_pytest(self, session: pytest.Pytester) -> None:
        """A name whose head is no registered fixture is pytest's own error."""
        result = run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("patient__first_name", ["Bob"])
            def test_it(case):
                pass
            """,
            errors=1,
        )
        result.stdout.fnmatch_lines(["*function uses no argument 'patient__first_name'"])

    def test_registration_in_another_directory_is_not_visible(
        self, pytester: pytest.Pytester
    ) -> None:
        """A fixture registered in one directory's conftest does not make its
        overrides valid in another directory."""
        pytester.makeini(INI)
        pytester.makepyfile(models=MODELS)
        pytester.syspathinsert()
        pytester.mkpydir("a").joinpath("conftest.py").write_text(CONFTEST)
        pytester.mkpydir("b").joinpath("test_b.py").write_text(
            textwrap.dedent(
                """
                import pytest

                @pytest.mark.parametrize("case__first_name", ["Bob"])
                def test_it():
                    pass
                """
            )
        )
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*function uses no argument 'case__first_name'"])

    def test_unknown_field_is_an_override_error(self, session: pytest.Pytester) -> None:
        """A path through a field that is no association fails the test's set-up with
        pyfactory's OverrideError and its path."""
        result = run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("registration__cohort__year", [2020])
            def test_it(registration):
                pass
            """,
            errors=1,
        )
        result.stdout.fnmatch_lines(
            [
                "E*pyfactory.errors.OverrideError: RegistrationFactory.basic → cohort: "
                "cannot pass cohort__year down: *",
            ]
        )

    def test_unknown_plain_field_is_refused_before_the_model(
        self, session: pytest.Pytester
    ) -> None:
        """A plain key the model does not take fails with pyfactory's OverrideError,
        naming the factory, the schema and the key, before anything is made."""
        result = run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("case__nickname", ["Bo"])
            def test_it(case):
                pass
            """,
            errors=1,
        )
        result.stdout.fnmatch_lines(
            ["E*pyfactory.errors.OverrideError: E12CaseFactory.basic → nickname: *"]
        )

    def test_bad_trait_flag(self, session: pytest.Pytester) -> None:
        """A trait flag given something else than a bool is pyfactory's OverrideError."""
        result = run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("registration__late", ["yes"])
            def test_it(registration):
                pass
            """,
            errors=1,
        )
        result.stdout.fnmatch_lines(
            [
                "E*pyfactory.errors.OverrideError: RegistrationFactory.basic → late: "
                "trait flag 'late' takes True or False, got 'yes'"
            ]
        )


class TestSharedParents:
    """A plain association to a registered factory uses that factory's fixture."""

    def test_one_parent(self, session: pytest.Pytester) -> None:
        """The test sees one case, whether it asks for it or reaches it."""
        run(
            session,
            """
            import models

            def test_it(assessment, registration, case):
                assert assessment.registration is registration
                assert registration.case is case
                assert len(models.MADE) == 3

            def test_without_asking(assessment):
                assert assessment.registration.case.made == "create"
            """,
            passed=2,
        )

    def test_override_of_the_parent_reaches_it(self, session: pytest.Pytester) -> None:
        """``case__x`` reaches the shared case, though the test asks for the
        assessment only."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("case__first_name", ["Shared"])
            @pytest.mark.parametrize("registration__late", [True])
            def test_it(assessment):
                assert assessment.registration.case.first_name == "Shared"
                assert assessment.registration.cohort == 9
            """,
            passed=1,
        )

    def test_a_path_through_the_child_gets_its_own(self, session: pytest.Pytester) -> None:
        """``registration__case__x`` gives the registration a case of its own, made
        with the override; ``case`` stays the shared one, with its own overrides."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("registration__case__first_name", ["Own"])
            @pytest.mark.parametrize("case__first_name", ["Shared"])
            def test_it(registration, case, assessment):
                assert registration.case is not case
                assert registration.case.first_name == "Own"
                assert case.first_name == "Shared"
                assert assessment.registration is registration
            """,
            passed=1,
        )

    def test_a_path_from_the_top(self, session: pytest.Pytester) -> None:
        """``assessment__registration__case__x`` makes a new registration and case for
        the assessment; the registered ones are untouched."""
        run(
            session,
            """
            import pytest

            @pytest.mark.parametrize("assessment__registration__case__first_name", ["Top"])
            def test_it(assessment, registration):
                assert assessment.registration is not registration
                assert assessment.registration.case.first_name == "Top"
                assert registration.case.first_name == "case1"
            """,
            passed=1,
        )

    def test_what_is_not_shared(self, session: pytest.Pytester) -> None:
        """Associations that ask for another schema, traits or overrides, to a factory
        instance, or through ``many``, make their own objects; ``attr=`` reads the
        shared parent's attribute."""
        run(
            session,
            """
            from dataclasses import dataclass
            from models import E12CaseFactory, Recording
            from pyfactory import association, many, schema
            from pyfactory.pytest import register

            @dataclass
            class Family:
                plain: object
                vip: object
                traited: object
                tweaked: object
                instance: object
                several: list
                name: str

            class FamilyFactory(Recording):
                _model = Family
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {
                        "plain": association(E12CaseFactory, "basic"),
                        "vip": association(E12CaseFactory, "vip"),
                        "traited": association(RegistrationFactory, "basic", "late"),
                        "tweaked": association(E12CaseFactory, surname="Other"),
                        "instance": association(E12CaseFactory()),
                        "several": many(E12CaseFactory, count=2),
                        "name": association(E12CaseFactory, attr="first_name"),
                    }

            from models import RegistrationFactory
            register(FamilyFactory)

            def test_it(family, case):
                assert family.plain is case
                assert family.name == case.first_name
                assert family.vip.surname == "Important"
                assert family.traited.cohort == 9
                assert family.tweaked.surname == "Other"
                others = [family.vip, family.traited.case, family.tweaked, family.instance]
                assert all(other is not case for other in others)
                assert all(other is not case for other in family.several)
            """,
            passed=1,
        )

    def test_two_fixtures_of_one_schema_share_none(self, session: pytest.Pytester) -> None:
        """When two registered fixtures could stand for the parent, neither is chosen."""
        run(
            session,
            """
            from models import E12CaseFactory
            from pyfactory.pytest import register

            register(E12CaseFactory, "patient")

            def test_it(registration, case, patient):
                assert registration.case is not case
                assert registration.case is not patient
            """,
            passed=1,
        )

    def test_another_schema_fixture_is_shared_when_it_fits(self, session: pytest.Pytester) -> None:
        """An association that names a schema shares the fixture registered with it."""
        run(
            session,
            """
            from dataclasses import dataclass
            from models import E12CaseFactory, Recording
            from pyfactory import association, schema
            from pyfactory.pytest import register

            register(E12CaseFactory, "vip", schema="vip")

            @dataclass
            class Visit:
                guest: object

            class VisitFactory(Recording):
                _model = Visit
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"guest": association(E12CaseFactory, "vip")}

            register(VisitFactory)

            def test_it(visit, vip):
                assert visit.guest is vip
            """,
            passed=1,
        )

    def test_cycle(self, pytester: pytest.Pytester) -> None:
        """Two factories that associate each other make one object each, and the inner
        one gets a new parent rather than a recursive fixture."""
        pytester.makeini(INI)
        pytester.makeconftest(
            """
            from dataclasses import dataclass
            from pyfactory import Factory, OMIT, association, schema
            from pyfactory.pytest import register

            @dataclass
            class Egg:
                hen: object = None

            @dataclass
            class Hen:
                egg: object = None

            class EggFactory(Factory[Egg]):
                _model = Egg
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"hen": association(HenFactory, "bare")}

                @schema()
                def bare(self):
                    return {}

            class HenFactory(Factory[Hen]):
                _model = Hen
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"egg": association(EggFactory, "basic")}

                @schema()
                def bare(self):
                    return {}

            register(EggFactory)
            register(HenFactory)
            register(HenFactory, "bare_hen", schema="bare")
            """
        )
        run(
            pytester,
            """
            def test_it(hen, egg, bare_hen):
                assert hen.egg is egg
                assert egg.hen is bare_hen
            """,
            passed=1,
        )

    def test_rows_made_after_are_not_shared(self, pytester: pytest.Pytester) -> None:
        """An association the builder makes after the object (a ``children`` relation)
        is not replaced by a registered fixture."""
        pytester.makeini(INI)
        pytester.makeconftest(
            """
            from dataclasses import dataclass
            from pyfactory import Factory, association, schema
            from pyfactory.builders import ObjectBuilder, Relation
            from pyfactory.pytest import register

            @dataclass
            class Note:
                text: str = "hi"

            @dataclass
            class Board:
                pinned: object = None

            class ChildrenBuilder(ObjectBuilder):
                def relation(self, model, name):
                    return Relation("children") if name == "pinned" else None

            class NoteFactory(Factory[Note]):
                _model = Note
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {}

            class BoardFactory(Factory[Board]):
                _model = Board
                _model_builder = ChildrenBuilder()
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"pinned": association(NoteFactory)}

            register(NoteFactory)
            register(BoardFactory)
            """
        )
        run(
            pytester,
            """
            def test_it(board, note):
                assert board.pinned is not note
            """,
            passed=1,
        )


def _factory(name: str, default: str | None = "basic", **attrs: Any) -> type[Factory[Any]]:
    """A factory class named ``name`` for a model named after it."""
    model = type(name.removesuffix("Factory") or "Thing", (), {})

    def basic(self: Any) -> dict[str, Any]:
        return {}

    body = {"_model": model, "_default_schema": default, "basic": schema()(basic), **attrs}
    return type(name, (Factory,), body)


def _module(source: str, **names: Any) -> dict[str, Any]:
    """Run ``source`` as the top level of a module whose globals start with ``names``."""
    namespace: dict[str, Any] = {"__name__": "conftest_like", **names}
    exec(compile(textwrap.dedent(source), "conftest_like.py", "exec"), namespace)
    return namespace


class TestErrors:
    """Mistakes fail at register() with a UsageError that says what to do."""

    @pytest.mark.parametrize(
        ("target", "message"),
        [
            ("42", "register() takes a Factory class, got 42"),
            ("dict", "register() takes a Factory class, got <class 'dict'>"),
            (
                "UserFactory()",
                "register() takes a Factory class, got <UserFactory context={}>; pass the "
                "class UserFactory, not an instance",
            ),
            (
                "BaseFactory",
                "register() needs a factory that makes objects; BaseFactory is abstract "
                "(_abstract = True)",
            ),
        ],
    )
    def test_not_a_factory(self, target: str, message: str) -> None:
        """Something other than a concrete Factory class is refused."""
        base = type("BaseFactory", (Factory,), {"_abstract": True})
        with pytest.raises(UsageError) as raised:
            _module(
                f"register({target})",
                register=register,
                UserFactory=_factory("UserFactory"),
                BaseFactory=base,
            )
        assert str(raised.value) == message

    def test_object_fixtures_collide(self) -> None:
        """Two factories of one model cannot both define its fixture."""
        with pytest.raises(UsageError) as raised:
            _module(
                """
                register(UserFactory)
                register(AdminFactory)
                """,
                register=register,
                UserFactory=_factory("UserFactory"),
                AdminFactory=_factory("AdminFactory", _model=_factory("UserFactory")._model),
            )
        assert str(raised.value) == (
            "register(AdminFactory) would define the fixture 'user', which "
            "register(UserFactory) already defines in this module; pass name=... to one of them"
        )

    def test_factory_fixtures_collide(self) -> None:
        """Two factory classes of one name, from two modules, are named in full."""
        first = _factory("UserFactory")
        second = _factory("UserFactory")
        first.__module__, second.__module__ = "app.one", "app.two"
        with pytest.raises(UsageError) as raised:
            _module(
                """
                register(First)
                register(Second, "other_user")
                """,
                register=register,
                First=first,
                Second=second,
            )
        assert str(raised.value) == (
            "register(app.two.UserFactory) would define the fixture 'user_factory', which "
            "register(app.one.UserFactory) already defines in this module; pass name=... "
            "to one of them"
        )

    def test_same_factory_another_schema(self) -> None:
        """The same factory and name with another schema is a collision too."""
        factory = _factory("UserFactory", admin=schema()(lambda self: {}))
        with pytest.raises(UsageError) as raised:
            _module(
                """
                register(UserFactory)
                register(UserFactory, schema="admin")
                """,
                register=register,
                UserFactory=factory,
            )
        assert str(raised.value) == (
            "register(UserFactory) would define the fixture 'user', which "
            "register(UserFactory) already defines in this module for another schema or "
            "overrides of it; pass name=... to one of them"
        )

    def test_name_bound_to_something_else(self) -> None:
        """A name the module already binds is not silently replaced."""
        with pytest.raises(UsageError) as raised:
            _module(
                """
                user = "taken"
                register(UserFactory)
                """,
                register=register,
                UserFactory=_factory("UserFactory"),
            )
        assert str(raised.value) == (
            "register(UserFactory) would define the fixture 'user', but the module already "
            "binds 'user' to 'taken'; pass name=... or rename the other"
        )

    def test_no_default_schema(self) -> None:
        """A factory with no default schema needs ``schema=``."""
        with pytest.raises(UsageError) as raised:
            _module(
                "register(UserFactory)",
                register=register,
                UserFactory=_factory("UserFactory", default=None),
            )
        assert str(raised.value) == (
            "register(UserFactory) needs the schema its 'user' fixture makes: the factory "
            "has no _default_schema, so pass schema=..., one of basic"
        )

    def test_unknown_schema(self) -> None:
        """``schema=`` must name one of the factory's schemas."""
        with pytest.raises(UnknownSchemaError) as raised:
            _module(
                'register(UserFactory, schema="nope")',
                register=register,
                UserFactory=_factory("UserFactory"),
            )
        assert raised.value.name == "nope"
        assert "UserFactory has no schema 'nope'" in str(raised.value)

    @pytest.mark.parametrize("name", ["first__second", "not a name"])
    def test_bad_name(self, name: str) -> None:
        """An object fixture name must be an identifier without ``__``."""
        with pytest.raises(UsageError) as raised:
            _module(
                f"register(UserFactory, {name!r})",
                register=register,
                UserFactory=_factory("UserFactory"),
            )
        assert str(raised.value) == (
            f"register(UserFactory) cannot name a fixture {name!r}: a fixture name is an "
            "identifier without '__' (which separates overrides); pass name=..."
        )

    @pytest.mark.parametrize(
        "source",
        [
            "def f():\n    register(UserFactory)\nf()",
            "class TestThing:\n    register(UserFactory)",
        ],
    )
    def test_not_at_module_level(self, source: str) -> None:
        """register() inside a function or a class body is refused."""
        with pytest.raises(UsageError) as raised:
            _module(source, register=register, UserFactory=_factory("UserFactory"))
        assert str(raised.value) == (
            "register() defines fixtures in the module that calls it: call it at the top "
            "level of a conftest.py or test module, not inside a function or class"
        )

    def test_async_needs_pytest_asyncio(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An async object fixture without pytest-asyncio is refused, saying what to
        install."""
        monkeypatch.setitem(__import__("sys").modules, "pytest_asyncio", None)
        with pytest.raises(UsageError) as raised:
            _module(
                "register(UserFactory, is_async=True)",
                register=register,
                UserFactory=_factory("UserFactory"),
            )
        assert str(raised.value) == (
            "register(UserFactory) makes 'user' an async fixture, which needs "
            "pytest-asyncio: pip install pytest-asyncio (or pass is_async=False)"
        )

    def test_error_classes(self) -> None:
        """The errors are pyfactory's, and TypeErrors as Python's own misuse errors are."""
        assert issubclass(UsageError, TypeError)
        assert issubclass(OverrideError, TypeError)


class TestAsyncDetection:
    """Which factories get an async object fixture."""

    def test_sync_builders(self) -> None:
        """ObjectBuilder and a builder with create() are synchronous."""
        assert not _writes_async(_factory("UserFactory"))

        class Sync(ModelBuilder[Any]):
            def create(self, model: Any, attributes: Any, context: Any) -> Any:
                return model()

        assert not _writes_async(_factory("UserFactory", _model_builder=Sync()))

    def test_async_only_builder(self) -> None:
        """A builder that defines acreate() and not create() is asynchronous."""

        class AsyncOnly(ModelBuilder[Any]):
            async def acreate(self, model: Any, attributes: Any, context: Any) -> Any:
                return model()

        assert _writes_async(_factory("UserFactory", _model_builder=AsyncOnly()))

    def test_a_builder_of_ones_own_that_declares_async_only_is_asynchronous(self) -> None:
        """A builder whose create() refuses, as AsyncSQLAlchemyBuilder's does, is taken
        as asynchronous when it declares async_only, whatever module it lives in."""

        class Refusing(ModelBuilder[Any]):
            def create(self, model: Any, attributes: Any, context: Any) -> Any:
                raise AsyncModeError("call acreate()")

            async def acreate(self, model: Any, attributes: Any, context: Any) -> Any:
                return model()

        class Declared(Refusing):
            async_only = True

        assert _writes_async(_factory("UserFactory", _model_builder=Declared()))
        assert not _writes_async(_factory("UserFactory", _model_builder=Refusing()))

    def test_sqlalchemy_builders(self) -> None:
        """AsyncSQLAlchemyBuilder is asynchronous, SQLAlchemyBuilder is not."""
        from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder

        assert _writes_async(_factory("UserFactory", _model_builder=AsyncSQLAlchemyBuilder()))
        assert not _writes_async(_factory("UserFactory", _model_builder=SQLAlchemyBuilder()))
        assert isinstance(ObjectBuilder(), ModelBuilder)


class TestCallableFactoryFixture:
    """``e12_case_factory(...)`` creates, as pytest-factoryboy users write it; the
    fixture keeps every method of the factory."""

    def test_calling_the_fixture_creates(self, session: pytest.Pytester) -> None:
        """Overrides by keyword, a schema and traits by position, as create() takes them."""
        run(
            session,
            """
            import models

            def test_it(e12_case_factory, registration_factory):
                case = e12_case_factory(surname="Jones")
                assert (case.made, case.first_name, case.surname) == ("create", "case1", "Jones")
                vip = e12_case_factory("vip", first_name="Ann")
                assert (vip.made, vip.first_name, vip.surname) == ("create", "Ann", "Important")
                late = registration_factory("late", case__first_name="Bo")
                assert (late.made, late.cohort, late.case.first_name) == ("create", 9, "Bo")
                assert late.case.made == "create"
                assert models.MADE == [case, vip, late.case, late]
            """,
            passed=1,
        )

    def test_the_fixture_keeps_the_factory_methods(self, session: pytest.Pytester) -> None:
        """build, create, attributes and the batches are the factory's; isinstance sees
        the factory class; sequences count on with the class's own."""
        run(
            session,
            """
            import pyfactory
            from models import E12CaseFactory
            from pyfactory.pytest import FactoryFixture

            def test_it(e12_case_factory):
                assert isinstance(e12_case_factory, E12CaseFactory)
                assert isinstance(e12_case_factory, pyfactory.Factory)
                assert isinstance(e12_case_factory, FactoryFixture)
                assert type(e12_case_factory.factory) is E12CaseFactory
                assert e12_case_factory.build().made == "build"
                assert e12_case_factory.create().made == "create"
                assert e12_case_factory.attributes() == {"first_name": "case3"}
                assert [c.made for c in e12_case_factory.create_batch(2)] == ["create"] * 2
                assert len(e12_case_factory.build_batch(3)) == 3
                assert dict(e12_case_factory.context) == {}
                assert repr(e12_case_factory) == "<E12CaseFactory context={}>"
                assert E12CaseFactory().build().first_name == "case9"
                assert e12_case_factory().first_name == "case10"
                e12_case_factory.note = "set on the factory"
                assert e12_case_factory.factory.note == "set on the factory"
            """,
            passed=1,
        )

    def test_an_override_of_the_factory_fixture_may_give_the_factory(
        self, session: pytest.Pytester
    ) -> None:
        """A test module's own ``e12_case_factory`` giving a factory instance still
        serves the ``case`` fixture."""
        run(
            session,
            """
            import pytest
            from models import E12CaseFactory

            @pytest.fixture
            def e12_case_factory():
                return E12CaseFactory()

            def test_it(case):
                assert case.made == "create"
            """,
            passed=1,
        )

    def test_as_an_association_target_it_says_to_pass_the_factory(
        self, session: pytest.Pytester
    ) -> None:
        result = run(
            session,
            """
            import pytest
            from pyfactory import UsageError, association

            def test_it(e12_case_factory, registration_factory):
                made = registration_factory(case=association(e12_case_factory.factory))
                assert made.case.first_name == "case1"
                with pytest.raises(UsageError) as error:
                    registration_factory(case=association(e12_case_factory))
                print(error.value)

            """,
            "-s",
            passed=1,
        )
        result.stdout.fnmatch_lines(
            [
                "*RegistrationFactory.basic → case: a factory fixture stands for its factory in "
                "calls, not as the target of association(): pass its factory "
                "(user_factory.factory) or the factory class"
            ]
        )

    def test_calling_the_fixture_of_an_async_factory_says_to_await_acreate(
        self, pytester: pytest.Pytester
    ) -> None:
        pytester.makeini(INI)
        pytester.makeconftest(
            """
            from dataclasses import dataclass
            from pyfactory import AsyncModeError, Factory, schema
            from pyfactory.builders import ModelBuilder
            from pyfactory.pytest import register

            class Refusing(ModelBuilder):
                def create(self, model, attributes, context):
                    raise AsyncModeError("call acreate()")

                async def acreate(self, model, attributes, context):
                    return model(saved=True)

            @dataclass
            class Thing:
                saved: bool = False

            class ThingFactory(Factory[Thing]):
                _model = Thing
                _model_builder = Refusing()
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {}

            register(ThingFactory)
            """
        )
        result = run(
            pytester,
            """
            async def test_acreate(thing_factory):
                assert (await thing_factory.acreate()).saved

            def test_call(thing_factory):
                thing_factory()
            """,
            passed=1,
            failed=1,
        )
        result.stdout.fnmatch_lines(
            [
                "E*pyfactory.errors.AsyncModeError: ThingFactory.basic: call acreate() "
                "(calling the factory fixture of ThingFactory calls create(); for a factory "
                "that writes asynchronously, await its acreate(...))"
            ]
        )


class TestAsync:
    """Factories that write asynchronously get async fixtures under pytest-asyncio."""

    def test_async_builder(self, pytester: pytest.Pytester) -> None:
        """An async-only builder's object fixture awaits acreate(); its shared parent,
        async too, is set up before it; overrides reach both; a sync test can use
        them as well."""
        pytester.makeini(INI)
        pytester.makeconftest(
            """
            import asyncio
            from dataclasses import dataclass
            from pyfactory import Factory, association, schema
            from pyfactory.builders import ModelBuilder
            from pyfactory.pytest import register

            class Store(ModelBuilder):
                async def acreate(self, model, attributes, context):
                    await asyncio.sleep(0)
                    return model(**attributes, saved=True)

            @dataclass
            class Team:
                name: str
                saved: bool = False

            @dataclass
            class Player:
                team: Team
                nick: str = "ace"
                saved: bool = False

            class TeamFactory(Factory[Team]):
                _model = Team
                _model_builder = Store()
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"name": "red"}

            class PlayerFactory(Factory[Player]):
                _model = Player
                _model_builder = Store()
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {"team": association(TeamFactory)}

            register(TeamFactory)
            register(PlayerFactory)
            """
        )
        run(
            pytester,
            """
            import pytest

            async def test_async(player, team):
                assert player.saved and team.saved and player.team is team

            @pytest.mark.parametrize("team__name", ["blue"])
            @pytest.mark.parametrize("player__nick", ["zed"])
            async def test_overrides(player):
                assert (player.nick, player.team.name) == ("zed", "blue")

            def test_sync(player):
                assert player.saved
            """,
            passed=3,
        )

    def test_a_declared_async_only_builder_gets_async_fixtures(
        self, pytester: pytest.Pytester
    ) -> None:
        """A builder of one's own that refuses create() and declares async_only gets
        the object fixture that awaits acreate(), as AsyncSQLAlchemyBuilder does,
        without is_async=True."""
        pytester.makeini(INI)
        pytester.makeconftest(
            """
            from dataclasses import dataclass
            from pyfactory import AsyncModeError, Factory, schema
            from pyfactory.builders import ModelBuilder
            from pyfactory.pytest import register

            class Refusing(ModelBuilder):
                async_only = True

                def create(self, model, attributes, context):
                    raise AsyncModeError("call acreate()")

                async def acreate(self, model, attributes, context):
                    return model(saved=True)

            @dataclass
            class Thing:
                saved: bool = False

            class ThingFactory(Factory[Thing]):
                _model = Thing
                _model_builder = Refusing()
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {}

            register(ThingFactory)
            """
        )
        run(
            pytester,
            """
            async def test_async(thing):
                assert thing.saved
            """,
            passed=1,
        )

    def test_sync_fixture_of_an_async_builder(self, pytester: pytest.Pytester) -> None:
        """A factory whose builder refuses create() with AsyncModeError, registered as
        synchronous, fails with a hint to pass is_async=True."""
        pytester.makeini(INI)
        pytester.makeconftest(
            """
            from dataclasses import dataclass
            from pyfactory import AsyncModeError, Factory, schema
            from pyfactory.builders import ModelBuilder
            from pyfactory.pytest import register

            class Refusing(ModelBuilder):
                def create(self, model, attributes, context):
                    raise AsyncModeError("call acreate()")

                async def acreate(self, model, attributes, context):
                    return model()

            @dataclass
            class Thing:
                pass

            class ThingFactory(Factory[Thing]):
                _model = Thing
                _model_builder = Refusing()
                _default_schema = "basic"

                @schema()
                def basic(self):
                    return {}

            register(ThingFactory)
            register(ThingFactory, "async_thing", is_async=True)
            """
        )
        result = run(
            pytester,
            """
            def test_sync(thing):
                pass

            async def test_async(async_thing):
                assert async_thing is not None
            """,
            passed=1,
            errors=1,
        )
        result.stdout.fnmatch_lines(
            [
                "E*pyfactory.errors.AsyncModeError: ThingFactory.basic: call acreate() (the "
                "'thing' fixture calls create(); for a factory that writes asynchronously, "
                "register(ThingFactory, is_async=True) makes it await acreate())"
            ]
        )


class TestXdist:
    """The fixtures work the same in pytest-xdist workers."""

    def test_workers(self, session: pytest.Pytester) -> None:
        """Overrides and shared parents hold in every worker."""
        session.makepyfile(
            test_it="""
            import pytest

            @pytest.mark.parametrize("case__first_name", ["A", "B", "C", "D"])
            def test_it(assessment, case, case__first_name):
                assert assessment.registration.case is case
                assert case.first_name == case__first_name
            """
        )
        result = session.runpytest_subprocess(
            "-p", "no:cacheprovider", "-p", "no:django", "-n", "2"
        )
        result.assert_outcomes(passed=4)


class TestMissingContext:
    """A factory fixture without the session it needs: the error says how to give it
    under pytest, by overriding the ``pyfactory_context`` fixture."""

    SQL_MODELS = """
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from pyfactory import Factory, schema, sequence
    from pyfactory.builders.sqlalchemy import SQLAlchemyBuilder
    from pyfactory.pytest import register


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "user"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]


    class UserFactory(Factory[User]):
        _model = User
        _model_builder = SQLAlchemyBuilder()
        _default_schema = "basic"

        @schema()
        def basic(self):
            return {"name": sequence("user{n}")}
    """

    HINT = [
        "E   *MissingContextError: UserFactory needs "
        "'session' in its context; pass it when making the factory: "
        "UserFactory(session=...). The factories of register()'s fixtures take their "
        "context from the pyfactory_context fixture: override it, in a conftest.py, with "
        "one that gives 'session':",
        "E*",
        "E*    @pytest.fixture",
        "E*    def pyfactory_context(db_session):",
        "E*        return {'session': db_session}",
    ]

    def test_the_error_says_to_override_pyfactory_context(self, pytester: pytest.Pytester) -> None:
        pytester.makeini(INI)
        pytester.makeconftest(textwrap.dedent(self.SQL_MODELS) + "\nregister(UserFactory)\n")
        result = run(
            pytester,
            """
            def test_it(user):
                pass

            def test_factory_fixture(user_factory):
                user_factory.create()
            """,
            errors=1,
            failed=1,
        )
        result.stdout.fnmatch_lines(self.HINT)
        result.stdout.fnmatch_lines(["*test_factory_fixture*", *self.HINT])

    def test_another_key_gets_a_fixture_of_its_name(self) -> None:
        from pyfactory.pytest._register import _context_hint

        assert _context_hint("tenant", "UserFactory").endswith(
            "    @pytest.fixture\n"
            "    def pyfactory_context(tenant):\n"
            "        return {'tenant': tenant}\n"
        )

    def test_a_factory_made_in_a_plain_test_keeps_the_plain_advice(
        self, pytester: pytest.Pytester
    ) -> None:
        """Outside the tests that use register()'s fixtures nothing is added, and the
        hint is gone once the session ends."""
        from pyfactory import errors

        pytester.makeini(INI)
        pytester.makeconftest(textwrap.dedent(self.SQL_MODELS))
        result = run(
            pytester,
            """
            from conftest import UserFactory

            def test_it():
                UserFactory().create()
            """,
            failed=1,
        )
        result.stdout.fnmatch_lines(
            [
                "E   *MissingContextError: UserFactory needs 'session' in its context; "
                "pass it when making the factory: UserFactory(session=...)"
            ]
        )
        assert "pyfactory_context" not in result.stdout.str()
        assert errors._missing_context_hint is None
