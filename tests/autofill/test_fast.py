"""Auto-filled fields on the fast providers: each value drawn from its own key.

An auto-filled field hands its generator a ``KeyedFaker``: provider calls are the fast
providers' values of the value's key, ``faker.random`` is drawn from it too. So a
seeded factory's auto-filled values are stable under edits (a field added to the
model, to the schema or by a trait moves no other), they are Faker's kind of values
(from its tables), they keep to the field's constraints, and unique columns stay
unique.

Each stability test makes two versions of one factory (the same class name, as after
an edit), over dataclasses, pydantic models and SQLAlchemy rows.
"""

from __future__ import annotations

import dataclasses
import re
import types
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pydantic
import pytest
from faker import Faker
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pyfactory import Factory, FactoryError, fake, schema, trait
from pyfactory.autofill._unique import set_unique_claim
from pyfactory.providers import KeyedFaker

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(autouse=True)
def _unique_values_forgotten() -> Iterator[None]:
    """Unique columns keep their values per model: each test starts afresh."""
    Factory.reset_unique()
    yield
    Factory.reset_unique()


EN = Faker("en_US")
FIRST_NAMES = set(EN.first_name.__self__.first_names)
LAST_NAMES = set(EN.last_name.__self__.last_names)
JOBS = set(EN.job.__self__.jobs)
COUNTRIES = set(EN.country.__self__.countries)
COMPANY_SUFFIXES = set(EN.company_suffix.__self__.company_suffixes)
EMAIL = re.compile(r"^[a-z0-9._]+@example\.(org|com|net)$")


def people_factory(
    model: Any,
    fields: dict[str, Any] | None = None,
    traits: dict[str, dict[str, Any]] | None = None,
    **attributes: Any,
) -> type[Factory[Any]]:
    """A factory named ``PeopleFactory`` (whatever test makes it) of ``model``, whose
    schema ``basic`` is auto-filled and gives ``fields``."""

    def basic(self: Any) -> dict[str, Any]:
        return dict(fields or {})

    namespace: dict[str, Any] = {
        "__qualname__": "PeopleFactory",
        "_model": model,
        "_default_schema": "basic",
        "basic": schema(auto=True)(basic),
        **attributes,
    }
    for name, values in (traits or {}).items():

        def layer(self: Any, values: dict[str, Any] = values) -> dict[str, Any]:
            return dict(values)

        layer.__name__ = name
        namespace[name] = trait()(layer)
    made: type[Factory[Any]] = types.new_class(
        "PeopleFactory", (Factory[Any],), {}, lambda ns: ns.update(namespace)
    )
    return made


def values(objects: list[Any], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(getattr(o, k) for k in keys) for o in objects]


# ---------------------------------------------------------------- the models


@dataclasses.dataclass
class Person:
    first_name: str
    last_name: str
    email: str


@dataclasses.dataclass
class PersonMore:
    """``Person`` after an edit: fields added before, between and after its own."""

    city: str
    first_name: str
    job: str
    last_name: str
    email: str
    created_at: datetime
    nickname: str = "none"


class Account(pydantic.BaseModel):
    name: str
    email: str
    country: str


class AccountMore(pydantic.BaseModel):
    company: str
    name: str
    age: int
    email: str
    phone: str
    country: str


class Code(str):
    """A type of the user's own, filled by a ``_type_mappings`` entry."""


@dataclasses.dataclass
class Coded:
    code: Code


class _Base(DeclarativeBase):
    pass


class Row(_Base):
    __tablename__ = "fast_auto_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(80), unique=True)
    postcode: Mapped[str] = mapped_column(String(10))


class RowMore(_Base):
    __tablename__ = "fast_auto_row_more"
    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(80), unique=True)
    uuid: Mapped[uuid.UUID] = mapped_column()
    postcode: Mapped[str] = mapped_column(String(10))


class Short(_Base):
    """Columns too short for Faker's values."""

    __tablename__ = "fast_auto_short"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(12), unique=True)
    first_name: Mapped[str] = mapped_column(String(4))
    company: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(30))


class Country(_Base):
    __tablename__ = "fast_auto_country"
    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(80), unique=True)
    first_name: Mapped[str] = mapped_column(String(3), unique=True)


class Pair(_Base):
    """Two values unique together, one given by the schema: the other draws again."""

    __tablename__ = "fast_auto_pair"
    __table_args__ = (UniqueConstraint("kind", "flag"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    flag: Mapped[bool] = mapped_column()


class Seat(_Base):
    """A group with room: a number for each row."""

    __tablename__ = "fast_auto_seat"
    __table_args__ = (UniqueConstraint("row", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    row: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column()


# ---------------------------------------------------------------- stability


class TestStableUnderEdits:
    """A seeded factory's auto-filled values depend on (seed, factory, schema, field,
    object number) alone."""

    @pytest.mark.parametrize(
        ("before", "after", "kept"),
        [
            (Person, PersonMore, ("first_name", "last_name", "email")),
            (Account, AccountMore, ("name", "email", "country")),
            (Row, RowMore, ("first_name", "email", "postcode")),
        ],
        ids=["dataclass", "pydantic", "sqlalchemy"],
    )
    def test_fields_added_to_the_model_move_no_other(
        self, before: Any, after: Any, kept: tuple[str, ...]
    ) -> None:
        old = people_factory(before)(seed=21).build_batch(6)
        new = people_factory(after)(seed=21).build_batch(6)
        assert values(new, *kept) == values(old, *kept)
        assert len({o.email for o in old}) == 6

    def test_a_field_the_schema_gives_moves_no_other(self) -> None:
        auto = people_factory(PersonMore)(seed=4).build_batch(5)
        given = people_factory(PersonMore, {"job": "Pilot", "city": fake("city")})(seed=4)
        made = given.build_batch(5)
        kept = ("first_name", "last_name", "email", "created_at")
        assert values(made, *kept) == values(auto, *kept)
        assert {p.job for p in made} == {"Pilot"}
        # fake("city") in the schema gives the value auto-filling gave the field.
        assert values(made, "city") == values(auto, "city")

    def test_a_trait_changes_only_what_it_sets(self) -> None:
        plain = people_factory(PersonMore)(seed=9).build_batch(4)
        factory = people_factory(PersonMore, traits={"named": {"nickname": "Bo"}})(seed=9)
        with_trait = factory.build_batch("basic", 4, "named")
        assert [p.nickname for p in with_trait] == ["Bo"] * 4
        assert [dataclasses.replace(p, nickname="none") for p in with_trait] == plain

    def test_auto_all_fills_more_and_moves_nothing(self) -> None:
        """``auto="all"`` fills the optional field too; the others keep their values."""

        def every(self: Any) -> dict[str, Any]:
            return {}

        plain = people_factory(PersonMore)(seed=2).build_batch(3)
        full = people_factory(PersonMore, basic=schema(auto="all")(every))(seed=2)
        made = full.build_batch(3)
        assert all(p.nickname != "none" for p in made)
        assert [dataclasses.replace(p, nickname="none") for p in made] == plain

    def test_other_objects_made_in_between_move_nothing(self) -> None:
        expected = people_factory(Person)(seed=13).build_batch(4)
        busy = people_factory(Person)(seed=13)
        made = []
        for _ in range(4):
            people_factory(Account)(seed=13).build_batch(2)
            people_factory(PersonMore)().build()  # an unseeded one too
            made.append(busy.build())
        assert made == expected

    def test_the_kth_object_is_the_same_alone_or_in_a_batch(self) -> None:
        batch = people_factory(PersonMore)(seed=6).build_batch(5)
        one_by_one = people_factory(PersonMore)(seed=6)
        assert [one_by_one.build() for _ in range(5)] == batch

    def test_the_same_values_in_every_run(self) -> None:
        """Golden values: a seeded auto-filled factory's output is pinned."""
        made = people_factory(PersonMore)(seed=1).build()
        assert made == PersonMore(
            city="West Alex",
            first_name="Matthew",
            job="Technical author",
            last_name="Knight",
            email="lindseyfisher@example.org",
            created_at=datetime(2016, 8, 15, 19, 45, 50),
        )

    def test_seeds_differ_and_unseeded_stays_random(self) -> None:
        one = people_factory(Person)(seed=1).build_batch(5)
        assert people_factory(Person)(seed=2).build_batch(5) != one
        unseeded = people_factory(Person)()
        assert len({p.email for p in unseeded.build_batch(20)}) > 15


# ---------------------------------------------------------------- realism


class TestRealistic:
    """Faker's kind of values, from its own tables."""

    def test_people(self) -> None:
        made = people_factory(PersonMore)(seed=3).build_batch(300)
        assert {p.first_name for p in made} <= FIRST_NAMES
        assert {p.last_name for p in made} <= LAST_NAMES
        assert {p.job for p in made} <= JOBS
        assert all(EMAIL.match(p.email) for p in made)
        assert len({p.first_name for p in made}) > 150  # spread over the table
        assert all(date(2015, 1, 1) <= p.created_at.date() <= date(2025, 12, 31) for p in made)
        assert all(re.fullmatch(r"[A-Z][a-zA-Z' -]+", p.city) for p in made)

    def test_accounts(self) -> None:
        made = people_factory(AccountMore)(seed=3).build_batch(300)
        assert {a.country for a in made} <= COUNTRIES
        assert all(18 <= a.age <= 90 for a in made)
        assert all(re.search(r"\d{3}", a.phone) for a in made)
        suffixed = [a for a in made if a.company.split()[-1] in COMPANY_SUFFIXES]
        assert suffixed  # "Smith LLC", "Jones Inc", ...
        names = [a.name.split() for a in made]
        assert sum(n[0] in FIRST_NAMES for n in names) > 200  # prefixes aside

    def test_rows(self) -> None:
        made = people_factory(RowMore)(seed=3).build_batch(200)
        assert all(re.fullmatch(r"\d{5}", r.postcode) for r in made)
        assert {r.uuid.version for r in made} == {4}
        assert len({r.uuid for r in made}) == 200

    def test_an_email_is_the_value_fake_email_gives(self) -> None:
        """Switching a field from auto-filled to ``fake("email")`` keeps its values."""
        auto = people_factory(Person)(seed=8).build_batch(5)
        explicit = people_factory(Person, {"email": fake("email")})(seed=8).build_batch(5)
        assert auto == explicit


# ---------------------------------------------------------------- constraints


class TestConstraints:
    def test_lengths_are_kept(self) -> None:
        made = people_factory(Short)(seed=5).build_batch(200)
        assert all(len(s.email) <= 12 and s.email.count("@") == 1 for s in made)
        assert all(len(s.first_name) <= 4 for s in made)
        assert all(len(s.company) <= 8 for s in made)
        assert all(len(s.url) <= 16 and "://" in s.url for s in made)
        assert all(len(s.description) <= 30 for s in made)
        # Cut from Faker's values, not random letters.
        assert sum(s.first_name in {n[:4] for n in FIRST_NAMES} for s in made) == 200

    def test_min_length_pads(self) -> None:
        class Padded(pydantic.BaseModel):
            city: str = pydantic.Field(min_length=30)
            email: str = pydantic.Field(min_length=30)

        made = people_factory(Padded)(seed=5).build_batch(50)
        assert all(len(p.city) >= 30 for p in made)
        assert all(len(p.email) >= 30 and p.email.count("@") == 1 for p in made)
        assert people_factory(Padded)(seed=5).build_batch(50) == made

    def test_types_are_kept(self) -> None:
        @dataclasses.dataclass
        class Typed:
            uuid: uuid.UUID
            birthday: date
            created_at: datetime
            email: str
            age: int

        made = people_factory(Typed)(seed=5).build_batch(50)
        assert all(type(t.uuid) is uuid.UUID and type(t.birthday) is date for t in made)
        assert all(type(t.created_at) is datetime and type(t.age) is int for t in made)
        assert all(date(1940, 1, 1) <= t.birthday <= date(2006, 12, 31) for t in made)


# ---------------------------------------------------------------- uniqueness


class TestUnique:
    def test_unique_columns_stay_unique(self) -> None:
        factory = people_factory(RowMore)(seed=1)
        made = factory.build_batch(3000)
        assert len({r.email for r in made}) == 3000

    def test_small_unique_spaces(self) -> None:
        """200 of the 243 countries, and 3-letter first names, all different."""
        made = people_factory(Country)(seed=1).build_batch(200)
        assert len({c.country for c in made}) == 200
        assert {c.country for c in made} <= COUNTRIES
        assert len({c.first_name for c in made}) == 200
        assert all(len(c.first_name) <= 3 for c in made)

    def test_short_unique_emails(self) -> None:
        made = people_factory(Short)(seed=2).build_batch(500)
        assert len({s.email for s in made}) == 500

    def test_unique_values_are_the_same_for_a_seed(self) -> None:
        first = [r.email for r in people_factory(Row)(seed=4).build_batch(300)]
        Factory.reset_unique()
        again = [r.email for r in people_factory(Row)(seed=4).build_batch(300)]
        assert first == again

    @pytest.mark.parametrize("seed", range(6))
    def test_unique_together_draws_again(self, seed: int) -> None:
        """The kind is given, so the flag draws again until the pair is new: each draw
        from a key of its own (the same key would repeat the same flag)."""
        factory = people_factory(Pair, {"kind": "a"})(seed=seed)
        assert sorted(p.flag for p in factory.build_batch(2)) == [False, True]


class TestUniqueTogetherGivesUp:
    """A group whose combinations run out says why: repeated here, or claimed by
    another process."""

    def test_repeated_here(self) -> None:
        factory = people_factory(Pair, {"kind": "a"})(seed=1)
        factory.build_batch(2)
        with pytest.raises(FactoryError) as caught:
            factory.build()
        assert str(caught.value) == (
            "PeopleFactory.basic → flag: Pair.(kind, flag) is unique together, but 100 "
            "values of flag in a row repeated a combination already given in this run "
            "(2 so far); widen its constraints, map it with _name_mappings, or reset the "
            "factory's unique values"
        )

    def test_claimed_by_another_process(self) -> None:
        previous = set_unique_claim(lambda namespace, value: False)
        try:
            with pytest.raises(FactoryError) as caught:
                people_factory(Seat, {"row": "A"})(seed=1).build()
        finally:
            set_unique_claim(previous)
        assert str(caught.value) == (
            "PeopleFactory.basic → number: Seat.(row, number) is unique together, but 100 "
            "values of number in a row made combinations already claimed by another process "
            "(the processes that share unique values, such as pytest-xdist workers, claim "
            "each one: see set_unique_claim()); widen its constraints, map it with "
            "_name_mappings, or reset the factory's unique values"
        )

    def test_some_claimed_some_repeated(self) -> None:
        """One combination given here, then the other refused: the flag repeats."""
        factory = people_factory(Pair, {"kind": "a"})(seed=1)
        (first,) = factory.build_batch(1)
        previous = set_unique_claim(lambda namespace, value: False)
        try:
            with pytest.raises(FactoryError) as caught:
                factory.build()
        finally:
            set_unique_claim(previous)
        assert str(caught.value) == (
            "PeopleFactory.basic → flag: Pair.(kind, flag) is unique together, but 100 "
            "values of flag in a row made combinations already taken: 1 claimed by another "
            "process, the other 99 given in this run (the processes that share unique "
            "values, such as pytest-xdist workers, claim each one: see set_unique_claim()); "
            "widen its constraints, map it with _name_mappings, or reset the factory's "
            "unique values"
        )
        assert first.flag in (True, False)


# ---------------------------------------------------------------- mappings


class TestUserMappings:
    """``_name_mappings`` and ``_type_mappings`` callables get the keyed Faker too."""

    def test_a_mapping_gets_fast_keyed_values(self) -> None:
        seen: list[Any] = []

        def nickname(faker: Any, field: Any) -> str:
            seen.append(faker)
            return f"{faker.first_name()}-{faker.random.randint(10, 99)}"

        factory = people_factory(
            PersonMore,
            basic=schema(auto="all")(lambda self: {}),
            _name_mappings={"nickname": nickname},
        )
        made = factory(seed=3).build_batch(5)
        assert all(type(f) is KeyedFaker for f in seen)
        firsts = [p.nickname.rsplit("-", 1)[0] for p in made]
        assert set(firsts) <= FIRST_NAMES
        assert factory(seed=3).build_batch(5) == made
        plain = people_factory(PersonMore, basic=schema(auto="all")(lambda self: {}))
        kept = ("first_name", "last_name", "email", "city", "job")
        assert values(plain(seed=3).build_batch(5), *kept) == values(made, *kept)

    def test_a_provider_that_is_not_fast_is_faker_s_own(self) -> None:
        """``faker.password()`` has no fast form: the factory's Faker, seeded for the
        value, makes it, as reproducibly."""

        def token(faker: Any, field: Any) -> str:
            return f"{faker.password(length=10)}:{faker.user_name()}"

        @dataclasses.dataclass
        class Login:
            secret: str

        factory = people_factory(Login, _name_mappings={"secret": token})
        made = [login.secret for login in factory(seed=12).build_batch(10)]
        assert made == [login.secret for login in factory(seed=12).build_batch(10)]
        assert all(len(s.split(":")[0]) == 10 for s in made)
        assert len(set(made)) == 10

    def test_type_mappings(self) -> None:
        def code(faker: Any, field: Any) -> str:
            return Code(faker.last_name().upper())

        factory = people_factory(Coded, _type_mappings={Code: code})
        made = factory(seed=1).build_batch(20)
        assert {c.code.title() for c in made} <= LAST_NAMES
        assert factory(seed=1).build_batch(20) == made


# ---------------------------------------------------------------- the rules' draws


class TestDraws:
    """The rules draw through helpers: from a KeyedFaker in one step, the numbers its
    ``random`` gives; from any other Faker, the numbers of its own stream."""

    @pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "faker"])
    def test_the_numbers_of_random(self, keyed: bool) -> None:
        from pyfactory.autofill._common import (
            _draw_below,
            _draw_bits,
            _draw_float,
            _draw_int,
            _draw_pick,
        )
        from pyfactory.providers import fast_faker

        def make() -> Any:
            if keyed:
                return fast_faker(EN).at(99)
            made = Faker()
            made.seed_instance(99)
            return made

        drawn, expected = make(), make().random
        got = [
            _draw_int(drawn, -5, 5),
            _draw_below(drawn, 7),
            _draw_float(drawn),
            _draw_pick(drawn, "abcdef"),
            _draw_bits(drawn, 128),
            _draw_bits(drawn, 20),
        ]
        assert got == [
            expected.randint(-5, 5),
            expected.randrange(7),
            expected.random(),
            expected.choice("abcdef"),
            expected.getrandbits(128),
            expected.getrandbits(20),
        ]
