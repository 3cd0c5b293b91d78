"""Schema inheritance, factory inheritance, traits as flags, and deep overrides.

Run it with:

    python examples/inheritance.py

The models are a chain, as in a clinical audit: a case has a registration,
which has an assessment. Nothing is stored: build() makes the objects.
"""

import dataclasses
from datetime import date
from typing import Any

from pyfactory import Factory, association, schema, sequence, trait


@dataclasses.dataclass
class Organisation:
    name: str
    country: str


@dataclasses.dataclass
class Assessment:
    referral_made: bool
    referral_date: date | None
    surgery_criteria_met: bool = False


@dataclasses.dataclass
class Registration:
    registration_date: date
    assessment: Assessment


@dataclasses.dataclass
class Case:
    first_name: str
    surname: str
    nhs_number: str
    date_of_birth: date
    organisation: Organisation
    registration: Registration


class OrganisationFactory(Factory[Organisation]):
    _model = Organisation
    _default_schema = "england"

    @schema()
    def england(self) -> dict[str, Any]:
        return {"name": "Leeds General Infirmary", "country": "England"}

    @schema()
    def wales(self) -> dict[str, Any]:
        return {"name": "University Hospital of Wales", "country": "Wales"}


class AssessmentFactory(Factory[Assessment]):
    _model = Assessment
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"referral_made": True, "referral_date": date(2024, 2, 1)}

    @trait()
    def no_referral(self) -> dict[str, Any]:
        # A flag: one word that changes several fields together.
        return {"referral_made": False, "referral_date": None}


class RegistrationFactory(Factory[Registration]):
    _model = Registration
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "registration_date": date(2024, 1, 1),
            "assessment": association(AssessmentFactory),
        }


class CaseFactory(Factory[Case]):
    _model = Case
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "first_name": "Ada",
            "surname": "Byron",
            "nhs_number": sequence(lambda n: f"{4000000000 + n:010d}"),
            "date_of_birth": date(2015, 6, 1),
            "organisation": association(OrganisationFactory),
            "registration": association(RegistrationFactory),
        }

    @schema()
    def under_two(self) -> dict[str, Any]:
        # Schema inheritance: the raw dict of "basic", changed before anything resolves.
        base = self.schema("basic")
        base["date_of_birth"] = date(2023, 9, 1)
        return base

    @trait()
    def surgical(self) -> dict[str, Any]:
        # A trait may reach into associations with dunder keys too.
        return {"registration__assessment__surgery_criteria_met": True}


class WalesCaseFactory(CaseFactory):
    """Factory inheritance: every schema of CaseFactory, with a Welsh "basic"."""

    @schema()
    def basic(self) -> dict[str, Any]:
        # The parent's "basic", still unresolved: no English organisation is made
        # only to be replaced.
        base = super().attributes("basic")
        base["organisation"] = association(OrganisationFactory, "wales")
        return base


def show(label: str, case: Case) -> None:
    assessment = case.registration.assessment
    print(f"{label}:")
    print(f"  {case.first_name} {case.surname}, NHS {case.nhs_number}, born {case.date_of_birth}")
    print(f"  at {case.organisation.name} ({case.organisation.country})")
    print(
        f"  referral made: {assessment.referral_made}, on {assessment.referral_date}, "
        f"surgery criteria met: {assessment.surgery_criteria_met}"
    )


def main() -> None:
    cases = CaseFactory()
    show("basic", cases.build("basic"))
    show("under_two (schema inheritance)", cases.build("under_two", first_name="Bob"))

    welsh = WalesCaseFactory()
    show("WalesCaseFactory basic (factory inheritance)", welsh.build("basic"))
    # under_two is inherited, and its self.schema("basic") is now the Welsh one.
    show("WalesCaseFactory under_two", welsh.build("under_two"))

    # Dunder overrides reach into associations, to any depth:
    # case -> registration -> assessment -> surgery_criteria_met.
    show(
        "three levels down",
        cases.build(registration__assessment__surgery_criteria_met=True),
    )
    # A trait of a child, switched on as a flag from the top.
    show("a flag three levels down", cases.build(registration__assessment__no_referral=True))
    # The case's own trait, by name after the schema, or as a flag among the overrides.
    show("the surgical trait, by name", cases.build("basic", "surgical"))
    show("the surgical trait, as a flag", cases.build(surgical=True))


if __name__ == "__main__":
    main()
