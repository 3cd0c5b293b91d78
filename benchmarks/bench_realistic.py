"""Five realistic fields per object: pyfactory, factory_boy and polyfactory against
the raw Faker loop that calls the same five providers.

Run from the repository root::

    python benchmarks/bench_realistic.py           # full run, about a minute
    python benchmarks/bench_realistic.py --quick   # smoke run for CI, seconds
    python benchmarks/bench_realistic.py --no-gc   # garbage collector off while timing

Every contender makes ``Person(name, email, city, date, sentence)`` objects (an attrs
class) with Faker's ``name``, ``email``, ``city``, ``date`` and ``sentence``
providers, or with what replaces them: pyfactory's ``fake("name")`` and so on,
``factory.Faker("name")``, polyfactory's ``Use(faker.name)``, and mimesis (when it
is installed, for information). The baseline, ratio 1.00, is the loop a user writes
by hand: the five provider calls and the constructor. pyfactory is measured with an
unseeded factory and a seeded one (``seed=...``), single ``build()`` calls and
``build_batch``. Only the public API is called, so the same script measures any
version of pyfactory.

What every contender makes is checked before anything is timed (see *Fairness* in
``benchmarks/README.rst``): the class, the shape of each value (a name of two words
or more, an address, a ``YYYY-MM-DD`` date as Faker's ``date`` gives, a sentence),
that the values vary, and that a seed repeats them. Each row is the best and the
median of several ``timeit.repeat`` samples, taken in rounds interleaved with the
other rows, with the garbage collector on (as bench_build.py does).
"""

from __future__ import annotations

import datetime
import gc
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import _harness
import attrs
import factory
from _harness import (
    Column,
    Table,
    Timing,
    argument_parser,
    gc_words,
    header,
    mode_line,
    optional_version,
    pyfactory_version,
    time_rows,
)
from faker import Faker
from polyfactory import Use
from polyfactory.factories.attrs_factory import AttrsFactory

from pyfactory import Factory, fake, schema

#: The seed of the seeded rows (and of nothing else: the other rows are unseeded).
SEED = 2024
#: The issue's target: pyfactory at most this times the raw Faker loop.
TARGET = 0.2


@attrs.define
class Person:
    name: str
    email: str
    city: str
    date: str
    sentence: str


# ------------------------------------------------------------------ contenders

#: The baseline's Faker, and polyfactory's: one each, made once, as a user would.
RAW_FAKER = Faker()
POLY_FAKER = Faker()

#: The timed statement of the raw loop, an expression: one object.
RAW = (
    "Person(name=fake.name(), email=fake.email(), city=fake.city(), "
    "date=fake.date(), sentence=fake.sentence())"
)


class PersonFactory(Factory[Person]):
    _model = Person
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),
            "email": fake("email"),
            "city": fake("city"),
            "date": fake("date"),
            "sentence": fake("sentence"),
        }


class PersonBoy(factory.Factory):
    class Meta:
        model = Person

    name = factory.Faker("name")
    email = factory.Faker("email")
    city = factory.Faker("city")
    date = factory.Faker("date")
    sentence = factory.Faker("sentence")


class PersonPoly(AttrsFactory[Person]):
    # polyfactory's way to call a given Faker provider: Use(callable) with the
    # factory's own Faker (__faker__), which its docs show for realistic values.
    __model__ = Person
    __faker__ = POLY_FAKER

    name = Use(POLY_FAKER.name)
    email = Use(POLY_FAKER.email)
    city = Use(POLY_FAKER.city)
    date = Use(POLY_FAKER.date)
    sentence = Use(POLY_FAKER.sentence)


def mimesis_namespace() -> dict[str, Any] | None:
    """mimesis's providers for the five fields, or None when it is not installed.

    mimesis's ``date()`` gives a ``datetime.date``; ``formatted_date("%Y-%m-%d")``
    gives the string that Faker's ``date()`` does. Its sentences are whole sentences
    from a list, not random words.
    """
    try:
        from mimesis import Address, Datetime, Text
        from mimesis import Person as Human
        from mimesis.locales import Locale
    except ImportError:
        return None
    return {
        "m_person": Human(Locale.EN),
        "m_address": Address(Locale.EN),
        "m_datetime": Datetime(Locale.EN),
        "m_text": Text(Locale.EN),
    }


MIMESIS = (
    "Person(name=m_person.full_name(), email=m_person.email(), city=m_address.city(), "
    "date=m_datetime.formatted_date('%Y-%m-%d'), sentence=m_text.sentence())"
)


@dataclass(frozen=True)
class Row:
    """One timed expression. A batch row's ``expr`` has ``{n}`` for its size and makes
    a list; a single row's makes one object."""

    library: str
    how: str
    expr: str
    batch: bool = False
    #: Whether the row counts for the target (pyfactory's rows).
    target: bool = False

    def stmt(self, size: int) -> str:
        return self.expr.format(n=size) if self.batch else self.expr

    def sample(self, count: int) -> str:
        """An expression that makes ``count`` objects with the row's own call."""
        if self.batch:
            return self.expr.format(n=count)
        return f"[{self.expr} for _ in range({count})]"


def rows(with_mimesis: bool) -> tuple[Row, ...]:
    found = (
        Row("raw", "Faker loop, 5 providers", RAW),
        Row("pyfactory", "f.build()", "pf.build()", target=True),
        Row("pyfactory", "f.build_batch(n)", "pf.build_batch({n})", batch=True, target=True),
        Row("pyfactory", f"F(seed={SEED}).build()", "ps.build()", target=True),
        Row(
            "pyfactory",
            f"F(seed={SEED}).build_batch(n)",
            "ps.build_batch({n})",
            batch=True,
            target=True,
        ),
        Row("factory_boy", "F.build(), factory.Faker", "PersonBoy.build()"),
        Row("factory_boy", "F.build_batch(n)", "PersonBoy.build_batch({n})", batch=True),
        Row("polyfactory", "F.build(), Use(faker.x)", "PersonPoly.build()"),
        Row("polyfactory", "F.batch(n)", "PersonPoly.batch({n})", batch=True),
    )
    if with_mimesis:
        found += (Row("mimesis", "raw loop (information)", MIMESIS),)
    return found


# ------------------------------------------------------------------ fairness

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SENTENCE_END = re.compile(r"[.?!][\"')]?$")


def problem(person: object) -> str | None:
    """What is wrong with one object, or None: it must be a ``Person`` whose values
    have the shape of their providers' values."""
    if type(person) is not Person:
        return f"is a {type(person).__name__}, not a Person"
    values = attrs.asdict(person)
    if not all(isinstance(value, str) for value in values.values()):
        return "has a value that is not a str"
    if len(person.name.split()) < 2:
        return "has a name of fewer than two words"
    if not EMAIL.match(person.email):
        return "has no email address"
    if not person.city.strip() or "@" in person.city:
        return "has no city"
    if not ISO_DATE.match(person.date):
        return "has no YYYY-MM-DD date (Faker's date() gives one as a str)"
    datetime.date.fromisoformat(person.date)
    if len(person.sentence.split()) < 2 or not SENTENCE_END.search(person.sentence):
        return "has no sentence"
    return None


def check(label: str, made: Sequence[object], count: int) -> None:
    """Fail loudly (even under ``python -O``) unless ``made`` is ``count`` realistic,
    varied objects, each made anew."""
    if len(made) != count:
        raise AssertionError(f"{label}: made {len(made)} objects, expected {count}")
    if len({id(one) for one in made}) != count:
        raise AssertionError(f"{label}: gave the same object twice")
    for index, one in enumerate(made):
        wrong = problem(one)
        if wrong:
            raise AssertionError(f"{label}: object {index} {wrong}: {one!r}")
    # Realistic values vary: nearly every address differs, and each other field
    # takes many values (names, cities and dates can repeat; sentences hardly).
    for key, least in (
        ("email", count * 8 // 10),
        ("name", count // 2),
        ("city", count // 4),
        ("date", count // 2),
        ("sentence", count // 4),
    ):
        distinct = len({getattr(one, key) for one in made})
        if distinct < least:
            raise AssertionError(
                f"{label}: only {distinct} distinct {key} values in {count} objects"
            )


def check_seeds() -> None:
    """A seed repeats a seeded factory's objects, single and batch; unseeded factories
    do not repeat each other's."""
    for how, make in (
        ("build()", lambda f: [f.build() for _ in range(5)]),
        ("build_batch(5)", lambda f: f.build_batch(5)),
    ):
        first, again = make(PersonFactory(seed=SEED)), make(PersonFactory(seed=SEED))
        if first != again:
            raise AssertionError(
                f"pyfactory: two PersonFactory(seed={SEED}) made different objects with "
                f"{how}:\n  {first[0]!r}\n  {again[0]!r}"
            )
        if make(PersonFactory()) == make(PersonFactory()):
            raise AssertionError(f"pyfactory: two unseeded factories made the same objects ({how})")


# ------------------------------------------------------------------ timing


@dataclass(frozen=True)
class Settings(_harness.Settings):
    """How long to time (see ``_harness.Settings``); batch rows make ``batch`` objects
    per call."""

    batch: int


FULL = Settings(target=0.2, repeat=2, rounds=3, batch=1000)
QUICK = Settings(target=0.005, repeat=3, rounds=1, batch=20)

#: Objects each row makes for the fairness check.
CHECKED = 40


def namespace() -> dict[str, Any]:
    found: dict[str, Any] = {
        "Person": Person,
        "fake": RAW_FAKER,
        "pf": PersonFactory(),
        "ps": PersonFactory(seed=SEED),
        "PersonBoy": PersonBoy,
        "PersonPoly": PersonPoly,
        "gc": gc,
    }
    found.update(mimesis_namespace() or {})
    return found


def measure(
    table: Sequence[Row], names: dict[str, Any], settings: Settings, collect: bool
) -> list[Timing]:
    """Microseconds per object (best and median sample) and loops per sample, per row,
    in rounds interleaved across the rows (see ``_harness.time_rows``)."""
    return time_rows(
        [row.stmt(settings.batch) for row in table],
        [settings.batch if row.batch else 1 for row in table],
        names,
        settings,
        collect,
    )


# ------------------------------------------------------------------ output

TABLE = Table(
    Column("library", "<12"),
    Column("call", "<30"),
    Column("best us", ">10", ".2f"),
    Column("median us", ">10", ".2f"),
    Column("x raw", ">7", ".3f"),
    Column("loops", ">7"),
)


def versions() -> dict[str, str]:
    """The versions of the libraries imported (pyfactory's with where it was found)."""
    return {
        "pyfactory": pyfactory_version(where=True),
        "Faker": version("Faker"),
        "factory_boy": version("factory_boy"),
        "polyfactory": version("polyfactory"),
        "attrs": version("attrs"),
        "mimesis": optional_version("mimesis"),
    }


def run(quick: bool, out: Callable[[str], None] = print, collect: bool = True) -> None:
    settings = QUICK if quick else FULL
    for line in header(versions(), load=True):
        out(line)
    names = namespace()
    with_mimesis = "m_person" in names
    table = rows(with_mimesis)
    # Fairness first: every row's own call, then the seeds.
    for row in table:
        check(f"{row.library} {row.how}", eval(row.sample(CHECKED), names), CHECKED)
    check_seeds()
    out(
        mode_line(
            quick,
            settings,
            f"batches of {settings.batch}",
            gc_words(collect),
            "x raw compares the bests",
            "every row's objects checked first",
        )
    )
    if not with_mimesis:
        out("mimesis: not installed, its row is left out")
    out("")
    out("five realistic fields (name, email, city, date, sentence), attrs class")
    out(TABLE.header())
    results = measure(table, names, settings, collect)
    baseline = results[0].best
    met, missed = [], []
    for row, result in zip(table, results, strict=True):
        ratio = result.best / baseline
        out(TABLE.row(row.library, row.how, result.best, result.median, ratio, result.loops))
        if row.target:
            (met if ratio <= TARGET else missed).append(f"{row.how} {ratio:.2f}x")
    out(
        f"  target, pyfactory <= {TARGET:.2f}x the raw Faker loop: "
        + (f"met by {', '.join(met)}" if met else "met by no row")
        + (f"; not met by {', '.join(missed)}" if missed else "")
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__,
        "a few short repeats and batches of 20: checks that every row still makes "
        "what it should (for CI), numbers are rough",
        no_gc_help="switch the garbage collector off while timing (timeit's default); it is "
        "on by default, as when users run their code",
    )
    args = parser.parse_args(argv)
    run(args.quick, collect=not args.no_gc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
