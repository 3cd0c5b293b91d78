"""Tests for ``resolve_generator``: the order of look-ups, fields left alone, user mappings,
error messages and ``nullable_probability``."""

from __future__ import annotations

import dataclasses
import enum
import subprocess
import sys
import typing
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal, NewType, NotRequired, Optional, Required

import annotated_types as at
import pytest
from faker import Faker

from pyfactory import FactoryDefinitionError
from pyfactory.autofill import (
    NAME_GENERATORS,
    TYPE_GENERATORS,
    NestedModel,
    UniqueTracker,
    resolve_generator,
)
from tests.autofill.conftest import FieldInfo, field, resolve, seeded, values


class Image:
    """A type nothing knows how to generate."""


class Avatar(Image):
    pass


ImageId = NewType("ImageId", Image)


@dataclasses.dataclass
class Team:
    name: str


class Role(str, enum.Enum):
    ADMIN = "admin"
    USER = "user"


def constant(value: Any) -> Any:
    """A user's generator that always gives ``value``."""

    def generate(faker: Faker, info: Any) -> Any:
        return value

    return generate


class TestOrder:
    """User names, then user types, then choices, then built-in names, then built-in types."""

    def test_name_beats_type(self, faker: Faker) -> None:
        """A str field called ``email`` gets an address, not words."""
        assert all("@" in v for v in values(field("email", str), faker))

    def test_user_type_beats_builtin_name(self, faker: Faker) -> None:
        """A type mapping for str wins over the built-in ``email`` generator."""
        made = values(field("email", str), faker, types={str: constant("typed")})
        assert set(made) == {"typed"}

    def test_user_name_beats_user_type(self, faker: Faker) -> None:
        """A name mapping wins over a type mapping."""
        names = {"email": constant("named")}
        made = values(field("email", str), faker, names=names, types={str: constant("typed")})
        assert set(made) == {"named"}

    def test_user_type_beats_choices(self, faker: Faker) -> None:
        """A type mapping wins over the field's choices; choices win over built-in names."""
        info = field("country_code", str, choices=("FR", "DE"))
        assert set(values(info, faker, types={str: constant("x")})) == {"x"}
        assert set(values(info, faker, count=50)) == {"FR", "DE"}

    def test_user_generator_is_returned_as_is(self) -> None:
        """A user's generator is handed back itself, to be called with the real field."""
        generate = constant(1)
        assert resolve(field("n", int), types={int: generate}) is generate
        assert resolve(field("n", int), names={"n": generate}) is generate

    def test_user_mapping_to_a_builtin_is_compiled(self, faker: Faker) -> None:
        """Mapping a name to ``NAME_GENERATORS["email"]`` makes addresses within the lengths."""
        info = field("contact", str, max_length=12)
        made = values(info, faker, names={"contact": NAME_GENERATORS["email"]})
        assert all("@" in v and len(v) <= 12 for v in made)

    def test_user_mapping_to_a_builtin_of_another_type(self, faker: Faker) -> None:
        """A name generator mapped onto a field of a type it cannot make gives its own value."""
        made = values(field("n", int), faker, names={"n": NAME_GENERATORS["email"]})
        assert all("@" in v for v in made)

    def test_type_generator_reused_for_a_user_type(self, faker: Faker) -> None:
        """``TYPE_GENERATORS[str]`` for a type of one's own gives text within the lengths."""
        info = field("picture", Image, max_length=5)
        made = values(info, faker, types={Image: TYPE_GENERATORS[str]})
        assert all(isinstance(v, str) and len(v) <= 5 for v in made)


class TestFormat:
    """``extra["format"]`` is a constraint: it comes before the field's name."""

    @pytest.mark.parametrize(
        ("fmt", "check"),
        [
            ("email", lambda v: "@" in v),
            ("name_email", lambda v: v.endswith(">") and "<" in v),
            ("url", lambda v: v.startswith("http")),
            ("ip", lambda v: v.count(".") == 3),
            ("ipv6", lambda v: ":" in v),
            ("slug", lambda v: v == v.lower() and " " not in v),
            ("file", lambda v: "." in v and not v.startswith("/")),
        ],
    )
    def test_formats(self, fmt: str, check: Any, faker: Faker) -> None:
        """A str field named ``name`` with a format gets values of that format."""
        made = values(field("name", str, extra={"format": fmt}), faker)
        assert all(isinstance(v, str) and check(v) for v in made)

    def test_unknown_format(self, faker: Faker) -> None:
        """A format pyfactory does not know changes nothing."""
        made = values(field("email", str, extra={"format": "hostname"}), faker)
        assert all("@" in v for v in made)

    def test_pattern_beats_format(self, faker: Faker) -> None:
        """A pattern wins over a format."""
        info = field("contact", str, pattern="^x+$", extra={"format": "email"})
        assert all(set(v) == {"x"} for v in values(info, faker))


class TestUserMappings:
    """How user mappings match a field."""

    def test_type_mapping_follows_the_mro(self, faker: Faker) -> None:
        """A mapping for a class applies to its subclasses."""
        assert set(values(field("a", Avatar), faker, types={Image: constant("img")})) == {"img"}

    @pytest.mark.parametrize(
        "tp",
        [
            Image | None,
            Optional[Image],  # noqa: UP045 - the typing form, on purpose
            Annotated[Image, "doc"],
            Annotated[Image | None, 1],
            ImageId,
        ],
    )
    def test_type_mapping_through_wrappers(self, tp: Any, faker: Faker) -> None:
        """Optional, Annotated and NewType are looked through."""
        assert set(values(field("a", tp), faker, types={Image: constant("img")})) == {"img"}

    def test_exact_wrapped_type_first(self, faker: Faker) -> None:
        """A mapping for ``Image | None`` itself wins over one for ``Image``."""
        types = {Image: constant("plain"), Image | None: constant("optional")}
        assert set(values(field("a", Image | None), faker, types=types)) == {"optional"}

    def test_newtype_mapping_first(self, faker: Faker) -> None:
        """A NewType can be mapped apart from its supertype."""
        types = {Image: constant("plain"), ImageId: constant("id")}
        assert set(values(field("a", ImageId), faker, types=types)) == {"id"}

    def test_enum_ignores_its_str_base(self, faker: Faker) -> None:
        """A str-Enum field is not filled by a mapping for str."""
        made = values(field("role", Role), faker, types={str: constant("x")}, count=50)
        assert set(made) == set(Role)

    def test_element_types(self, faker: Faker) -> None:
        """A type mapping applies to elements, and its generator gets the element's field."""
        seen: list[Any] = []

        def generate(faker: Faker, info: Any) -> str:
            seen.append(info)
            return "img"

        info = field("gallery", dict[str, list[Image]])
        for value in values(info, faker, types={Image: generate}):
            assert all(v == ["img"] * len(v) for v in value.values())
        assert {(i.name, i.type) for i in seen} == {("gallery[]", Image)}

    def test_name_patterns(self, faker: Faker) -> None:
        """Name mappings may be glob patterns, matched on the snake_case name."""
        names = {"*_url": constant("link")}
        assert set(values(field("avatarUrl", str), faker, names=names)) == {"link"}

    def test_not_callable(self) -> None:
        """A mapping to something that is not a generator is refused with the fix."""
        with pytest.raises(FactoryDefinitionError) as info:
            resolve(field("n", int), names={"n": 5})
        assert str(info.value) == (
            "UserFactory: _name_mappings['n'] must be a callable (faker, field) -> value, "
            "or None to leave User.n alone; got 5"
        )
        with pytest.raises(FactoryDefinitionError, match=r"_type_mappings\[int\] must be"):
            resolve(field("n", int), types={int: "x"})


class TestLeftAlone:
    """``None`` means the field is not filled."""

    def test_name_mapped_to_none(self) -> None:
        """A name mapped to None is left alone."""
        assert resolve(field("email", str), names={"email": None}) is None

    def test_type_mapped_to_none(self) -> None:
        """A type mapped to None is left alone, also through Optional."""
        assert resolve(field("a", Image | None), types={Image: None}) is None
        assert resolve(field("email", str), types={str: None}) is None

    def test_element_type_mapped_to_none(self) -> None:
        """A container whose element type is mapped to None is left alone."""
        assert resolve(field("a", list[Image]), types={Image: None}) is None

    def test_server_generated(self) -> None:
        """Server-generated columns are left alone."""
        assert resolve(field("created_at", server_generated=True)) is None

    def test_autoincrement_primary_key(self) -> None:
        """A key the database numbers (server-generated, or autoincrement=True) is left alone."""
        assert resolve(field("id", int, primary_key=True, server_generated=True)) is None
        assert resolve(field("id", int, primary_key=True, extra={"autoincrement": True})) is None

    def test_primary_key_the_database_does_not_number(self, faker: Faker) -> None:
        """A primary key that nothing numbers is generated; unique when introspection says
        so (a single-column key), free to repeat as a column of a composite key."""
        info = field("id", uuid.UUID, primary_key=True, unique=True)
        assert isinstance(resolve(info), UniqueTracker)
        info = field("role", Role, primary_key=True)
        assert set(values(info, faker, count=30)) == set(Role)

    @pytest.mark.parametrize("relation", ["one_to_many", "many_to_many", "one_to_one"])
    def test_relations(self, relation: str) -> None:
        """Relations other than many-to-one are left alone."""
        assert resolve(field("team", Team, relation=relation, related_model=Team)) is None

    def test_many_to_one(self, faker: Faker) -> None:
        """A many-to-one relation gives a NestedModel of the related model, never tracked."""
        info = field("team", int, relation="many_to_one", related_model=Team, unique=True)
        assert values(info, faker, count=3) == [NestedModel(Team)] * 3
        info = field("team", Team | None, relation="many_to_one", related_model=Team)
        assert values(info, faker, count=1) == [NestedModel(Team, nullable=True)]

    def test_user_name_beats_leaving_alone(self, faker: Faker) -> None:
        """A field named in _name_mappings is filled even when it would be left alone."""
        info = field("id", int, primary_key=True, server_generated=True)
        made = values(info, faker, count=3, names={"id": lambda f, i: f.random.randint(1, 10**9)})
        assert len(set(made)) == 3


class TestErrors:
    """A type that cannot be generated fails with the model, the field, its type and the fix."""

    @pytest.mark.parametrize(
        ("tp", "shown", "mapped"),
        [
            (Image, "Image", "Image"),
            (list[Image], "list[Image]", "Image"),
            (Image | None, "Image | None", "Image"),
            (dict[str, Image], "dict[str, Image]", "Image"),
            (Annotated[Image, "x"], "Image", "Image"),
            ("Image", "Image", "Image"),
        ],
    )
    def test_message(self, tp: Any, shown: str, mapped: str) -> None:
        """The message is exact, names the innermost type to map, and is raised up front."""
        with pytest.raises(FactoryDefinitionError) as info:
            resolve(field("avatar", tp))
        assert str(info.value) == (
            f"UserFactory: cannot generate User.avatar of type {shown}; map it with "
            f"_type_mappings = {{{mapped}: lambda faker, field: ...}} or "
            "_name_mappings = {'avatar': ...}"
        )

    def test_impossible_bounds(self) -> None:
        """Bounds no value meets say which bounds, and how to map the field instead."""
        with pytest.raises(FactoryDefinitionError) as info:
            resolve(field("age", int, ge=10, le=5))
        assert str(info.value) == (
            "UserFactory: cannot generate User.age of type int: no integer is within "
            "ge=10, le=5; map it with _name_mappings = {'age': lambda faker, field: ...}"
        )

    def test_factory_and_model_names_are_the_callers(self) -> None:
        """The message uses the factory and model names it is given."""
        info = FieldInfo(name="photo", type=Image)
        with pytest.raises(FactoryDefinitionError, match=r"^PostFactory: .* Post\.photo "):
            resolve_generator(info, factory="PostFactory", model="Post")


class TestNullable:
    """None only when asked for, and only for nullable fields."""

    def test_zero_never_gives_none(self) -> None:
        """With the default probability 0, a nullable field never gets None."""
        info = field("n", int | None, nullable=True)
        assert None not in values(info, seeded(1), count=500)

    def test_zero_draws_nothing(self) -> None:
        """Probability 0 draws nothing extra: the values equal those of a non-nullable field."""
        nullable = values(field("n", int, nullable=True), seeded(2), count=20)
        plain = values(field("n", int), seeded(2), count=20)
        assert nullable == plain

    def test_some_none(self) -> None:
        """A probability between 0 and 1 gives both None and values."""
        made = values(field("n", int, nullable=True), seeded(3), 200, nullable_probability=0.3)
        assert 20 < made.count(None) < 120

    def test_optional_type_counts_as_nullable(self) -> None:
        """``Optional[...]`` makes a field nullable even when the record does not say so."""
        made = values(field("n", int | None), seeded(3), 50, nullable_probability=1.0)
        assert made == [None] * 50

    def test_not_nullable_never_none(self) -> None:
        """A field that is not nullable never gets None, whatever the probability."""
        made = values(field("n", int), seeded(3), 50, nullable_probability=1.0)
        assert None not in made

    @pytest.mark.parametrize("p", [-0.1, 1.5])
    def test_probability_out_of_range(self, p: float) -> None:
        """A probability outside 0..1 is refused."""
        with pytest.raises(FactoryDefinitionError, match="nullable_probability must be"):
            resolve(field("n", int), nullable_probability=p)


@dataclasses.dataclass(frozen=True)
class _Pattern:
    """Metadata carrying a pattern, as pydantic's StringConstraints does."""

    pattern: str


class TestEdges:
    """Type shapes and constraint combinations that are rare but must work."""

    @pytest.mark.parametrize(
        ("tp", "shown", "mapped"),
        [
            (typing.ForwardRef("Image"), "Image", "Image"),
            (tuple[Literal["a"], Image], "tuple[Literal['a'], Image]", "Image"),
            (typing.Callable, "Callable", "Callable"),
            (Image | Avatar, "Image | Avatar", "Image"),
        ],
    )
    def test_type_names_in_messages(self, tp: Any, shown: str, mapped: str) -> None:
        """Forward references, Literals, bare generics and unions read as written."""
        with pytest.raises(FactoryDefinitionError) as info:
            resolve(field("avatar", tp))
        assert f"of type {shown};" in str(info.value)
        assert f"_type_mappings = {{{mapped}: " in str(info.value)

    def test_typed_dict_qualifiers_and_init_vars(self, faker: Faker) -> None:
        """NotRequired, Required, Final and InitVar are looked through."""
        for tp in (NotRequired[int], Required[int], Final[int], dataclasses.InitVar(int)):
            assert all(type(v) is int for v in values(field("n", tp), faker))

    def test_unhashable_metadata_with_type_mappings(self, faker: Faker) -> None:
        """An Annotated type with unhashable metadata is still matched by its base type."""
        info = field("n", Annotated[Image, {"doc": "x"}])
        assert set(values(info, faker, types={Image: constant("img")})) == {"img"}

    def test_field_and_annotated_lengths_combine(self, faker: Faker) -> None:
        """The shorter max_length of the field and of Annotated metadata applies."""
        info = field("s", Annotated[str, at.MaxLen(5)], max_length=10)
        assert all(len(v) <= 5 for v in values(info, faker))

    def test_bounds_of_other_kinds_do_not_combine(self, faker: Faker) -> None:
        """A field bound and an Annotated bound that do not compare: the Annotated one wins."""
        info = field("d", Annotated[date, at.Ge(date(2024, 1, 1))], ge="not a date")
        assert all(v >= date(2024, 1, 1) for v in values(info, faker))

    def test_format_that_does_not_fit_the_type(self, faker: Faker) -> None:
        """A format on a field of a type it cannot make is passed over."""
        assert all(
            type(v) is int for v in values(field("n", int, extra={"format": "email"}), faker)
        )

    def test_standalone_type_generator_unsupported(self, faker: Faker) -> None:
        """A table entry called on a field it cannot fill says so."""
        with pytest.raises(
            FactoryDefinitionError, match=r"^cannot generate x of type list\[Image\]"
        ):
            TYPE_GENERATORS[list](faker, field("x", list[Image]))

    def test_uuid_text_that_does_not_fit(self, faker: Faker) -> None:
        """A text uuid field too short for the usual form gets hex digits."""
        assert all(len(v) == 32 for v in values(field("uuid", str, max_length=32), faker))
        assert all(len(v) == 8 for v in values(field("uuid", str, max_length=8), faker))
        assert all(type(v) is int for v in values(field("uuid", int), faker))
        assert isinstance(NAME_GENERATORS["uuid"](faker, field("uuid", int)), uuid.UUID)

    def test_bound_that_is_not_a_number(self) -> None:
        """A number field with a bound that is not a number fails when resolved."""
        with pytest.raises(FactoryDefinitionError, match="its bound ge='x' is not a number"):
            resolve(field("n", int, ge="x"))

    def test_infinite_bound_on_an_int(self, faker: Faker) -> None:
        """le=inf on an int is no bound."""
        assert all(0 <= v <= 10_000 for v in values(field("n", int, le=float("inf")), faker))

    def test_multiples_past_a_name_window(self, faker: Faker) -> None:
        """A multiple that the name's window misses is taken just past it, or below the bound."""
        assert set(values(field("age", int, multiple_of=100), faker)) == {100}
        info = field("n", int, le=-1, multiple_of=20_000)
        assert set(values(info, faker)) == {-20_000}

    def test_negative_multiple_and_places(self) -> None:
        """A negative multiple_of or decimal_places is refused."""
        with pytest.raises(FactoryDefinitionError, match="multiple_of=-3 is not a positive"):
            resolve(field("n", int, multiple_of=-3))
        with pytest.raises(FactoryDefinitionError, match="must not be negative"):
            resolve(field("d", Decimal, decimal_places=-1))

    def test_no_choices(self, faker: Faker) -> None:
        """Regression: empty choices (an attrs ``in_(())``) were ignored, so values of the
        type were made that the model refuses; now only None, or an error without it."""
        with pytest.raises(FactoryDefinitionError, match="it has no choices"):
            resolve(field("size", str, choices=()))
        info = field("size", str | None, choices=(), nullable=True)
        assert values(info, faker, count=3) == [None, None, None]

    def test_email_too_short_for_an_address(self, faker: Faker) -> None:
        """Below six characters no address fits: the value is cut to max_length."""
        assert all(len(v) <= 3 for v in values(field("email", str, max_length=3), faker))

    def test_annotated_pattern_wins_over_the_fields(self, faker: Faker) -> None:
        """Two patterns, from the field and from Annotated metadata: the Annotated one is used."""
        info = field(
            "code", Annotated[str, at.Predicate(str.isdigit), _Pattern("^b+$")], pattern="^a$"
        )
        assert all(set(v) == {"b"} for v in values(info, faker))

    def test_datetime_bound_on_a_date(self, faker: Faker) -> None:
        """A date field bounded by a datetime uses its date."""
        info = field("d", date, ge=datetime(2020, 5, 5, 12), le=datetime(2020, 5, 6))
        assert set(values(info, faker, count=50)) == {date(2020, 5, 5), date(2020, 5, 6)}


class TestGeneratorsOnTheirOwn:
    """A generator of the tables, called on its own, compiles its field through the
    compiler, which the tables' modules do not import."""

    @pytest.mark.parametrize(
        ("table", "call", "made"),
        [
            ("_types", "TYPE_GENERATORS[int](fake, FieldInfo('n', int, ge=5, le=9))", "int"),
            ("_names", "NAME_GENERATORS['email'](fake, FieldInfo('email', str))", "str"),
        ],
    )
    def test_called_in_a_process_that_imported_only_its_table(
        self, table: str, call: str, made: str
    ) -> None:
        """Importing just the table's module is enough: the package loads the
        compiler before a generator can be reached."""
        code = (
            "import faker\n"
            f"from pyfactory.autofill.{table} import *\n"
            "from pyfactory.introspect import FieldInfo\n"
            "fake = faker.Faker()\n"
            f"print(type({call}).__name__)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == made
