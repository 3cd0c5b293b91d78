"""The shapes of one-line Faker methods that are compiled from their source, and those
that are not, on a provider written here in those shapes."""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import cache
from typing import Any

import pytest
from faker import Faker
from faker.providers import BaseProvider
from faker.utils.decorators import lowercase, slugify

from pyfactory.providers._compile import Call, Session
from pyfactory.providers._gen import Gen
from pyfactory.providers._recognize import recognize


def _not_fakers(function: Any) -> Any:
    return function


class Shapes(BaseProvider):
    """Methods in the shapes of Faker's locale providers (and some that are not)."""

    # Faker sets it on the providers of a locale; a provider added later keeps the
    # class's value.
    __use_weighting__ = True
    cities = ("Springfield", "Shelbyville")
    formats = ("{{first_name}} von {{last_name}}",)
    weighted = OrderedDict([("A#", 0.9), ("B#", 0.1)])
    code = "##-??"

    def city_word(self) -> str:
        return self.random_element(self.cities)

    def parsed(self) -> str:
        pattern: str = self.random_element(self.formats)
        return self.generator.parse(pattern)

    def parsed_literal(self) -> str:
        return self.generator.parse("{{last_name}}!")

    def numerified(self) -> str:
        return self.numerify(self.random_element(self.weighted))

    def numerified_attribute(self) -> str:
        return self.bothify(self.code)

    def numerified_literal(self) -> str:
        return self.numerify("%#")

    def upper(self) -> str:
        return self.bothify(self.random_element(("a?#", "b?#"))).upper()

    def title(self) -> str:
        return self.random_element(("big city", "small town")).title()

    def printf(self) -> str:
        return "%03d-%04d" % (  # noqa: UP031 (Faker's own spelling)
            self.generator.random.randint(0, 999),
            self.generator.random.randint(0, 9999),
        )

    def printf_wide(self) -> str:
        return "%d/%d" % (  # noqa: UP031
            self.generator.random.randint(0, 1099511627776),
            self.generator.random.randint(0, 1099511627776),
        )

    def printf_one(self) -> str:
        return "%05d" % self.random_int(501, 99950)  # noqa: UP031

    def alias(self) -> str:
        return self.generator.format("last_name")

    def indexed(self) -> str:
        return self.random_element((("a", "b"), ("c", "d")))[1]

    @lowercase
    def lowered(self) -> str:
        return self.random_element(self.cities)

    @slugify
    def slugged(self) -> str:
        return self.random_element(("Hello World", "Good Bye"))

    # Not recognized: each leaves the fast path.
    def with_parameter(self, upper: bool = False) -> str:
        return self.random_element(self.cities)

    def conditional(self) -> str:
        if self.cities:
            return self.random_element(self.cities)
        return ""

    @_not_fakers
    def decorated(self) -> str:
        return self.random_element(self.cities)

    def bad_randint(self) -> int:
        return self.generator.random.randint(5, 1)

    def float_randint(self) -> int:
        return self.generator.random.randint(0.5, 3)  # type: ignore[arg-type]

    def missing_data(self) -> str:
        return self.random_element(self.no_such_table)  # type: ignore[attr-defined]

    def lexify_parsed(self) -> str:
        return self.lexify(self.generator.parse("{{last_name}}"))

    def printf_of_text(self) -> str:
        return "%d" % self.random_element(("x",))  # noqa: UP031

    def two_statements(self) -> str:
        self.cities = ("x",)
        return self.random_element(self.cities)

    def format_of_a_number(self) -> str:
        return self.generator.format(3)  # type: ignore[arg-type]

    def unknown_generator_call(self) -> str:
        return self.generator.seed_instance()  # type: ignore[func-returns-value]

    def subscript_by_name(self) -> str:
        return self.random_element((("a", "b"),))["x"]  # type: ignore[call-overload]


@cache
def fake() -> Faker:
    faker = Faker("en_US")
    faker.add_provider(Shapes)
    return faker


def compiled(name: str) -> Gen | None:
    """The Gen the recognizer makes for ``Shapes.<name>``, or None."""
    function = getattr(Shapes, name)
    compiler = recognize(function)
    if compiler is None:
        return None
    generator = fake().factories[0]
    provider = getattr(generator, name).__self__
    return compiler(Call(Session(generator), provider, function, (), {}))


def values(name: str, count: int = 500) -> list[Any]:
    gen = compiled(name)
    assert gen is not None, name
    from pyfactory._stream import mix

    return [gen.draw(mix(k + 1)) for k in range(count)]


def faker_values(name: str, count: int = 200) -> list[Any]:
    method = getattr(fake(), name)
    return [method() for _ in range(count)]


class TestRecognized:
    """Each shape compiles to what Faker's own call makes."""

    @pytest.mark.parametrize(
        ("name", "form"),
        [
            ("numerified", r"[AB]\d"),
            ("numerified_attribute", r"\d\d-[a-zA-Z]{2}"),
            ("numerified_literal", r"[1-9]\d"),
            ("upper", r"[AB][A-Z]\d"),
            ("printf", r"\d{3}-\d{4}"),
            ("printf_wide", r"\d+/\d+"),
            ("printf_one", r"\d{5}"),
        ],
    )
    def test_forms(self, name: str, form: str) -> None:
        """The values, Faker's and the compiled ones, have the same form."""
        for value in values(name) + faker_values(name):
            assert re.fullmatch(form, value), (name, value)

    def test_tables(self) -> None:
        """A table pick, a string method of it, and Faker's decorators."""
        assert set(values("title")) == {"Big City", "Small Town"}
        assert set(values("lowered")) == {"springfield", "shelbyville"}
        assert set(values("slugged")) == {"hello-world", "good-bye"}
        assert set(values("indexed")) == {"b", "d"}
        assert set(values("numerified")) == {f"{c}{d}" for c in "AB" for d in range(10)}

    def test_weights(self) -> None:
        """An OrderedDict is picked by its weights, by Faker and by the compiled pick."""
        share = sum(v.startswith("A") for v in values("numerified", 5000)) / 5000
        assert share == pytest.approx(0.9, abs=0.03)
        faker_share = sum(v.startswith("A") for v in faker_values("numerified", 2000)) / 2000
        assert faker_share == pytest.approx(0.9, abs=0.04)

    def test_templates(self) -> None:
        """Parsed formats and literal templates use the generator's tokens."""
        person = fake().factories[0].provider("faker.providers.person")
        lasts = set(person.last_names)
        for value in values("parsed") + faker_values("parsed"):
            first, last = value.split(" von ")
            assert first in person.first_names
            assert last in lasts
        assert {v[:-1] for v in values("parsed_literal")} <= lasts
        assert set(values("alias")) <= lasts

    def test_integers(self) -> None:
        printed = [int(v) for v in values("printf_one", 3000)]
        assert min(printed) >= 501
        assert max(printed) <= 99950
        gen = compiled("printf")
        assert gen is not None
        assert gen.size() == 1000 * 10000


class TestNotRecognized:
    """Anything else keeps calling Faker."""

    @pytest.mark.parametrize(
        "name",
        [
            "with_parameter",
            "conditional",
            "decorated",
            "bad_randint",
            "float_randint",
            "missing_data",
            "lexify_parsed",
            "printf_of_text",
            "two_statements",
            "format_of_a_number",
            "unknown_generator_call",
            "subscript_by_name",
        ],
    )
    def test_shapes_that_stay_with_faker(self, name: str) -> None:
        assert compiled(name) is None

    def test_builtins_and_lambdas(self) -> None:
        """A function without source, or whose source is not one ``def``."""
        assert recognize(len) is None
        assert recognize(lambda self: self.random_element(("a",))) is None

    def test_arguments_are_refused(self) -> None:
        """A recognized method called with arguments is not compiled."""
        function = Shapes.city_word
        compiler = recognize(function)
        assert compiler is not None
        generator = fake().factories[0]
        provider = generator.city_word.__self__
        assert compiler(Call(Session(generator), provider, function, ("x",), {})) is None
