"""Hypothesis strategies from factories (DESIGN.md §12): ``Factory.strategy()`` draws every
generated value through Hypothesis, so examples shrink toward simple values and replay
from the example database; traits, overrides and associations behave as in ``build``.

The databases (``create_strategy`` on SQLAlchemy and Django) are in
``tests/test_strategy_databases.py``.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from typing import Any

import pytest
from faker import Faker
from faker.providers import BaseProvider
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pyfactory import (
    Factory,
    OverrideError,
    UnknownSchemaError,
    UnknownTraitError,
    association,
    each,
    fake,
    lazy,
    many,
    randomly_nullify,
    randomly_unset,
    schema,
    sequence,
    trait,
)
from pyfactory._stream import GAMMA, MASK, SourcedDraws, key_drawing, mix, unmix
from pyfactory.builders import ObjectBuilder

QUIET = settings(database=None, max_examples=100)


@dataclasses.dataclass
class Profile:
    bio: str
    level: int


@dataclasses.dataclass
class Pet:
    name: str
    tag: int


@dataclasses.dataclass
class User:
    name: str
    age: int
    email: str
    role: str = "member"
    nick: str = "-"
    note: str | None = None
    profile: Profile | None = None
    pets: list[Pet] = dataclasses.field(default_factory=list)


class ProfileFactory(Factory[Profile]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"bio": fake("sentence"), "level": fake("pyint", min_value=1, max_value=9)}


class PetFactory(Factory[Pet]):
    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("first_name"), "tag": fake("pyint", min_value=1, max_value=6)}

    @schema()
    def tagged(self) -> dict[str, Any]:
        # Six tags for six pets: unique=True must find them all in every example.
        return {"name": fake("first_name"), "tag": fake("pyint", 1, 6, unique=True)}


class UserFactory(Factory[User]):
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),
            "age": fake("pyint", min_value=18, max_value=99),
            "email": sequence("user{n}@example.com"),
        }

    @schema()
    def full(self) -> dict[str, Any]:
        return {
            **self.schema("basic"),
            "nick": randomly_unset(fake("user_name")),
            "note": randomly_nullify(fake("word")),
            "profile": association(ProfileFactory, "basic"),
            "pets": many(PetFactory, "basic", count=(1, 4)),
        }

    @trait()
    def admin(self) -> dict[str, Any]:
        return {"role": "admin", "email": lazy(lambda a: f"{a['name'].split()[0].lower()}@admin")}


class Base(DeclarativeBase):
    pass


class Booking(Base):
    """A table whose columns auto-fill within their CHECK constraints."""

    __tablename__ = "strategy_booking"
    __table_args__ = (CheckConstraint("seats BETWEEN 3 AND 8", name="ck_strategy_seats"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seats: Mapped[int]
    code: Mapped[str] = mapped_column(String(6))


class BookingFactory(Factory[Booking]):
    _model_builder = ObjectBuilder()

    @schema(auto=True)
    def basic(self) -> dict[str, Any]:
        return {}


def smallest(strategy: st.SearchStrategy[Any], condition: Any = lambda _: True) -> Any:
    """The example that Hypothesis shrinks to, among those that meet ``condition``."""
    return find(strategy, condition, settings=settings(database=None, max_examples=500))


class TestShrinking:
    def test_a_ranged_fake_shrinks_to_its_low_bound(self) -> None:
        """``fake("pyint", min_value=18, max_value=99)`` shrinks to 18."""
        assert smallest(UserFactory().strategy()).age == 18

    def test_a_ranged_fake_shrinks_to_the_bound_a_test_sets(self) -> None:
        """Failing from 40 up, the falsifying example is exactly 40: draws grow with
        Hypothesis's choices, unscrambled."""
        assert smallest(UserFactory().strategy(), lambda u: u.age >= 40).age == 40

    def test_a_failing_given_test_reports_the_bound(self) -> None:
        """A failing ``@given`` test reports the example at the low bound."""
        seen: list[User] = []

        @QUIET
        @given(UserFactory().strategy("basic"))
        def test(user: User) -> None:
            seen.append(user)
            assert user.age < 18

        with pytest.raises(AssertionError):
            test()
        assert seen[-1].age == 18

    def test_an_auto_filled_column_shrinks_to_its_check_bound(self) -> None:
        """An auto-filled column drawn within ``CHECK (seats BETWEEN 3 AND 8)`` shrinks
        to 3, and every example keeps within the bounds."""
        strategy = BookingFactory().strategy("basic")
        assert smallest(strategy).seats == 3
        assert smallest(strategy, lambda b: b.seats > 5).seats == 6

        @QUIET
        @given(strategy)
        def test(booking: Booking) -> None:
            assert 3 <= booking.seats <= 8
            assert len(booking.code) <= 6

        test()

    def test_many_shrinks_to_its_fewest_and_randomly_unset_to_unset(self) -> None:
        """A ``many(count=(1, 4))`` shrinks to one child, ``randomly_unset`` to no key
        (the default stays), ``randomly_nullify`` to None, an association's values to
        their bounds."""
        user = smallest(UserFactory().strategy("full"))
        assert len(user.pets) == 1
        assert user.pets[0].tag == 1
        assert user.nick == "-"
        assert user.note is None
        assert user.profile is not None
        assert user.profile.level == 1

    def test_the_examples_still_vary(self) -> None:
        """The words are uniform, not bunched at zero: examples cover the range."""
        ages: set[int] = set()
        counts: set[int] = set()

        @QUIET
        @given(UserFactory().strategy("full"))
        def test(user: User) -> None:
            ages.add(user.age)
            counts.add(len(user.pets))

        test()
        assert len(ages) > 15
        assert counts == {1, 2, 3, 4}

    def test_a_provider_of_ones_own_draws_from_hypothesis(self) -> None:
        """A provider the user added to the factory's Faker (never a fast one) is called
        on a Faker whose ``random`` draws from Hypothesis, so it shrinks too."""

        class Seats(BaseProvider):
            def seats(self) -> int:
                return int(self.generator.random.randint(7, 70))

        faker = Faker()
        faker.add_provider(Seats)

        class RoomFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"seats": fake("seats")}

        strategy = RoomFactory(faker=faker).strategy("basic")
        assert smallest(strategy)["seats"] == 7
        assert smallest(strategy, lambda room: room["seats"] > 30)["seats"] == 31


class TestLikeBuild:
    def test_traits_and_overrides_apply_as_in_build(self) -> None:
        """Traits, trait flags and overrides give what ``build`` gives them."""

        @QUIET
        @given(
            UserFactory().strategy("basic", "admin", age=30),
            UserFactory().strategy(admin=True, name="Ann Lee"),
        )
        def test(admin: User, flagged: User) -> None:
            assert admin.role == "admin"
            assert admin.age == 30
            assert admin.email == f"{admin.name.split()[0].lower()}@admin"
            assert flagged.email == "ann@admin"

        test()

    def test_dunder_overrides_reach_the_association(self) -> None:
        """``profile__level=7`` and ``pets__tag=5`` reach the children; ``profile=None``
        makes none."""

        @QUIET
        @given(
            UserFactory().strategy("full", profile__level=7, pets__tag=5),
            UserFactory().strategy("full", profile=None),
        )
        def test(user: User, alone: User) -> None:
            assert user.profile is not None
            assert user.profile.level == 7
            assert {pet.tag for pet in user.pets} == {5}
            assert alone.profile is None

        test()

    def test_an_override_may_be_a_strategy(self) -> None:
        """A strategy given as an override is drawn in each example, and shrinks."""
        strategy = UserFactory().strategy(age=st.integers(0, 17), admin=st.booleans())
        user = smallest(strategy)
        assert (user.age, user.role) == (0, "member")
        assert smallest(strategy, lambda u: u.role == "admin").email.endswith("@admin")

    def test_a_child_of_another_locale_draws_from_its_own_faker(self) -> None:
        """A child factory of another ``_faker_locale`` gets a Faker of its locale, which
        draws from the same test case: its values shrink too, from its own tables."""

        class FrenchPetFactory(PetFactory):
            _faker_locale = "fr_FR"

        class OwnerFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "name": fake("first_name"),
                    "pet": association(FrenchPetFactory, "basic"),
                    "other": association(PetFactory, "basic"),
                }

        owner = smallest(OwnerFactory().strategy("basic"))
        assert owner["pet"].tag == owner["other"].tag == 1
        assert owner["other"].name == owner["name"]
        assert owner["pet"].name != owner["name"]
        assert owner["pet"].name == smallest(FrenchPetFactory().strategy("basic")).name

    def test_the_class_gives_the_same_strategy(self) -> None:
        """``UserFactory.strategy()`` on the class is a new instance's strategy."""
        assert smallest(UserFactory.strategy("basic")).age == 18

    def test_the_strategy_shows_its_factory_and_schema(self) -> None:
        """Hypothesis shows the strategy as the call that made it."""
        assert repr(UserFactory().strategy("basic", "admin")) == (
            "UserFactory_strategy('basic', 'admin')"
        )


class TestReplay:
    def test_a_failing_example_replays_from_the_database(self) -> None:
        """The example saved by a failing run is the one the next run tries first, with
        every value the same (shrinking off, so it is not a trivial one)."""
        database = InMemoryExampleDatabase()
        seen: list[User] = []

        def run(phases: tuple[Phase, ...]) -> None:
            @settings(database=database, phases=phases, max_examples=200)
            @given(UserFactory().strategy("full"))
            def test(user: User) -> None:
                seen.append(user)
                assert not (user.age > 60 and len(user.pets) > 2)

            with pytest.raises(AssertionError):
                test()

        run((Phase.generate,))
        found = seen[-1]
        assert found.age > 60
        seen.clear()
        run((Phase.reuse,))
        assert seen[0] == found

    def test_each_example_counts_sequences_and_objects_afresh(self) -> None:
        """Every example starts its sequences from the same number and numbers its
        objects from 0 (``each()``): what it makes depends on its draws alone. The
        factory's counters are back where they were afterwards."""

        class TicketFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"code": sequence("T{n}"), "desk": each(["A", "B"])}

        class OrderFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"tickets": many(TicketFactory, "basic", count=(2, 3))}

        assert TicketFactory().build("basic")["code"] == "T1"

        @QUIET
        @given(OrderFactory().strategy("basic"))
        def test(order: dict[str, Any]) -> None:
            codes = [ticket["code"] for ticket in order["tickets"]]
            assert codes == [f"T{n}" for n in range(2, 2 + len(codes))]
            assert [ticket["desk"] for ticket in order["tickets"]][:2] == ["A", "B"]

        test()
        assert TicketFactory().build("basic")["code"] == "T2"

    def test_unique_values_are_unique_within_each_example(self) -> None:
        """``fake(..., unique=True)`` never repeats within an example, in every example
        (six tags for six pets: a memory kept from one example to the next would run
        out), and while shrinking."""

        class LitterFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"pets": many(PetFactory, "tagged", count=6)}

        @QUIET
        @given(LitterFactory().strategy("basic"))
        def test(litter: dict[str, Any]) -> None:
            assert sorted(pet.tag for pet in litter["pets"]) == [1, 2, 3, 4, 5, 6]

        test()
        assert len(smallest(LitterFactory().strategy("basic"))["pets"]) == 6


class TestHealth:
    def test_a_large_object_passes_the_health_checks(self) -> None:
        """A graph of dozens of objects draws 100 examples with every health check on."""

        class HouseholdFactory(Factory[dict[str, Any]]):
            _model = dict

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"users": many(UserFactory, "full", count=(0, 12))}

        @settings(database=None, max_examples=100, suppress_health_check=())
        @given(HouseholdFactory().strategy("basic"))
        def test(household: dict[str, Any]) -> None:
            assert len(household["users"]) <= 12

        test()
        assert HealthCheck.too_slow  # named, so a reader sees which checks ran

    def test_import_pyfactory_does_not_import_hypothesis(self) -> None:
        """Hypothesis is imported by ``strategy()``, not by ``import pyfactory``."""
        code = "import sys, pyfactory; assert 'hypothesis' not in sys.modules, 'imported'"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr


class TestSourcedDraws:
    """The rule every strategy draws by (pyfactory._stream): words are used as they
    come, and keys are made so that their first draw is a word."""

    @given(st.integers(0, MASK))
    def test_unmix_inverts_mix(self, word: int) -> None:
        """``unmix(mix(x)) == x``, and a key made for a word draws that word first."""
        assert unmix(mix(word)) == word
        assert mix((key_drawing(word) + GAMMA) & MASK) == word

    def test_numbers_grow_with_the_words(self) -> None:
        """``randint``, ``choice``, ``random`` and ``getrandbits`` give the least for the
        word 0 and the most for the last word; so does a range wider than a word."""
        for word, expected in (
            (0, (18, "a", 0.0, 0, 0)),
            (MASK, (99, "c", 1 - 2**-53, 7, 10**30 - 1)),
        ):
            draws = SourcedDraws(lambda word=word: word)
            got = (
                draws.randint(18, 99),
                draws.choice("abc"),
                draws.random(),
                draws.getrandbits(3),
                draws.randrange(10**30),
            )
            assert got == expected

    def test_seeding_and_state_change_nothing(self) -> None:
        """A Faker seeding its stream, or restoring a state, leaves the words alone."""
        words = iter(range(1 << 60, 1 << 61, 1 << 56))
        draws = SourcedDraws(lambda: next(words))
        draws.seed(42)
        draws.setstate(draws.getstate())
        assert draws.bits64() == 1 << 60

    def test_a_detached_stream_fails_loudly(self) -> None:
        """Used after its test case ended, or pickled, the stream refuses."""
        draws = SourcedDraws(lambda: 0)
        draws.detach()
        with pytest.raises(RuntimeError, match="only used inside a strategy"):
            draws.random()
        with pytest.raises(TypeError, match="cannot be pickled"):
            draws.__reduce__()


class TestErrors:
    def test_an_unknown_schema_fails_where_the_strategy_is_written(self) -> None:
        """A schema the factory lacks raises ``build()``'s error at ``strategy()``."""
        with pytest.raises(UnknownSchemaError) as built:
            UserFactory().build("nope")
        with pytest.raises(UnknownSchemaError) as drawn:
            UserFactory().strategy("nope")
        assert str(drawn.value) == str(built.value)
        assert "UserFactory has no schema 'nope'" in str(drawn.value)

    def test_an_unknown_trait_fails_where_the_strategy_is_written(self) -> None:
        """A trait the factory lacks raises ``build()``'s error at ``strategy()``."""
        with pytest.raises(UnknownTraitError) as built:
            UserFactory().build("basic", "nope")
        with pytest.raises(UnknownTraitError) as drawn:
            UserFactory().strategy("basic", "nope")
        assert str(drawn.value) == str(built.value)

    def test_a_misspelt_override_fails_where_the_strategy_is_written(self) -> None:
        """An override key the model does not take raises ``build()``'s error, naming
        the factory, the schema and the key, even when its value is a strategy."""
        with pytest.raises(OverrideError) as built:
            UserFactory().build("basic", agee=3)
        with pytest.raises(OverrideError) as drawn:
            UserFactory().strategy("basic", agee=st.integers())
        assert str(drawn.value) == str(built.value)
        assert "UserFactory.basic → agee" in str(drawn.value)

    def test_a_dunder_override_without_a_child_fails_as_in_build(self) -> None:
        """``email__x`` (a sequence at ``email``, no child) raises ``build()``'s error
        when the example is drawn."""
        with pytest.raises(OverrideError) as built:
            UserFactory().build("basic", email__x=1)

        @QUIET
        @given(UserFactory().strategy("basic", email__x=1))
        def test(user: User) -> None:
            pass

        with pytest.raises(OverrideError) as drawn:
            test()
        assert str(drawn.value) == str(built.value)
        assert "UserFactory.basic → email: cannot pass email__x down" in str(drawn.value)
