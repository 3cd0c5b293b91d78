"""Auto-filled values: pyfactory's generators against Faker called by hand and polyfactory.

Run from the repository root::

    python benchmarks/bench_autofill.py           # full run, about a minute
    python benchmarks/bench_autofill.py --quick   # smoke run for CI, a few seconds

Two cases, each a dataclass of five fields made in a loop:

* **by name**: ``first_name``, ``last_name``, ``email``, ``city``, ``company``.
  The baseline calls those five Faker providers by hand. pyfactory's generators,
  picked by :func:`pyfactory.autofill.resolve_generator` from the fields that
  :func:`pyfactory.introspect.fields_of` reads, call the providers of the Faker they
  are handed: with a plain Faker the objects are checked, before any timing, to equal
  the baseline's for one seed. A factory hands them a keyed Faker stand-in
  (:class:`pyfactory.providers.KeyedFaker`), whose providers are the fast ones; its
  objects are checked to hold values of Faker's own tables. The rows for
  ``factory_for(Person)`` show the whole way a user takes, factory and resolution
  included, unseeded, seeded and in batches. polyfactory is shown for reference,
  with the same providers given explicitly (``Use(faker.first_name)``) and with its
  own type-driven generation (random letters for every ``str``).
* **by type**: a ``str``, an ``int``, a ``float``, a ``bool`` and a ``date`` whose
  names mean nothing. The baseline calls Faker's ``py*`` providers by hand; pyfactory
  and polyfactory each generate from the types alone. The goal is to be faster
  than polyfactory.

Each row gives the best and the median of several ``timeit.repeat`` samples, taken
in rounds interleaved with the other rows, in microseconds per object, with the
ratio of its best to the baseline's best (the same method as ``bench_build.py``).
The garbage collector stays on while timing, as when users run their code
(``--no-gc`` switches it off, as ``timeit`` does by default).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import os
import platform
import re
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from datetime import date
from importlib.metadata import version
from typing import Any

from faker import Faker
from polyfactory import Use
from polyfactory.factories import DataclassFactory

import pyfactory
from pyfactory import factory_for
from pyfactory.autofill import resolve_generator
from pyfactory.introspect import fields_of

try:
    from pyfactory.providers import fast_faker
except ImportError:  # a version before 1.0, measured for comparison: no KeyedFaker rows
    fast_faker = None  # type: ignore[assignment]

SEED = 2024
#: Objects per call in the batch rows.
BATCH = 100


@dataclasses.dataclass
class Person:
    first_name: str
    last_name: str
    email: str
    city: str
    company: str


@dataclasses.dataclass
class Record:
    label: str
    count: int
    ratio: float
    active: bool
    day: date


def seeded() -> Faker:
    faker = Faker()
    faker.seed_instance(SEED)
    return faker


def generators(model: type[Any]) -> tuple[tuple[str, Any, Any], ...]:
    """``(name, generator, field)`` for every field of ``model``, as auto-filling resolves them."""
    found = []
    for info in fields_of(model):
        generator = resolve_generator(
            info, factory=f"{model.__name__}Factory", model=model.__name__
        )
        assert generator is not None
        found.append((info.name, generator, info))
    return tuple(found)


def raw_person(fake: Faker) -> Person:
    return Person(
        first_name=fake.first_name(),
        last_name=fake.last_name(),
        email=fake.email(),
        city=fake.city(),
        company=fake.company(),
    )


def raw_record(fake: Faker) -> Record:
    return Record(
        label=fake.pystr(),
        count=fake.pyint(),
        ratio=fake.pyfloat(),
        active=fake.pybool(),
        day=fake.date_object(),
    )


def auto(model: type[Any], fields: tuple[tuple[str, Any, Any], ...], fake: Faker) -> Any:
    """What an auto-filled schema did per object before 1.0: one generator call per
    field, with the factory's Faker."""
    return model(**{name: generate(fake, info) for name, generate, info in fields})


_numbers = itertools.count()


def auto_keyed(model: type[Any], fields: tuple[tuple[str, Any, Any], ...], fast: Any) -> Any:
    """What an auto-filled schema does per object: one generator call per field, with a
    KeyedFaker of the value's key (here a key per value from a counter)."""
    root = (next(_numbers) * 0x9E3779B97F4A7C15) & (2**64 - 1)
    values = {
        name: generate(fast.at(root ^ i), info) for i, (name, generate, info) in enumerate(fields)
    }
    return model(**values)


def polyfactories(fake: Faker) -> dict[str, Any]:
    class PersonPoly(DataclassFactory[Person]):
        __model__ = Person

    class PersonPolyFaker(DataclassFactory[Person]):
        __model__ = Person
        first_name = Use(fake.first_name)
        last_name = Use(fake.last_name)
        email = Use(fake.email)
        city = Use(fake.city)
        company = Use(fake.company)

    class RecordPoly(DataclassFactory[Record]):
        __model__ = Record

    return {"PersonPoly": PersonPoly, "PersonPolyFaker": PersonPolyFaker, "RecordPoly": RecordPoly}


def verify(person_fields: Any, record_fields: Any, poly: dict[str, Any]) -> None:
    """Fail loudly (even under ``python -O``) unless each row makes what it claims to."""
    raw_fake, auto_fake = seeded(), seeded()
    want = [raw_person(raw_fake) for _ in range(20)]
    got = [auto(Person, person_fields, auto_fake) for _ in range(20)]
    if got != want:
        raise AssertionError(
            "pyfactory's name generators must call the providers of the Faker they are "
            f"handed, as the baseline does:\n  got:      {got[0]!r}\n  expected: {want[0]!r}"
        )
    if len({p.email for p in got}) < 15:
        raise AssertionError("the baseline repeats itself: the seeded Faker is not moving on")
    for name, model in (("PersonPoly", Person), ("PersonPolyFaker", Person)):
        made = poly[name].build()
        if not isinstance(made, model) or not all(isinstance(v, str) for v in vars(made).values()):
            raise AssertionError(f"{name} made {made!r}")
    for made in (auto(Record, record_fields, seeded()), poly["RecordPoly"].build()):
        kinds = [type(v) for v in vars(made).values()]
        if kinds != [str, int, float, bool, date]:
            raise AssertionError(f"expected one value of each type, got {made!r}")


def realistic(people: Sequence[Person]) -> None:
    """Fail unless ``people`` hold values of Faker's own tables, as the baseline's."""
    person = seeded().provider("faker.providers.person")
    firsts, lasts = set(person.first_names), set(person.last_names)
    email = re.compile(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$")
    for p in people:
        if p.first_name not in firsts or p.last_name not in lasts:
            raise AssertionError(f"a name not from Faker's tables: {p!r}")
        if not email.match(p.email) or not p.city or not p.company:
            raise AssertionError(f"not a realistic person: {p!r}")
    if len({p.email for p in people}) < len(people) * 3 // 4:
        raise AssertionError("the factory repeats itself")


@dataclasses.dataclass(frozen=True)
class Row:
    """One timed statement, making one object."""

    library: str
    how: str
    stmt: str
    #: Objects the statement makes.
    per: int = 1


@dataclasses.dataclass(frozen=True)
class Case:
    title: str
    goal: str
    namespace: dict[str, Any]
    rows: tuple[Row, ...]


def cases() -> list[Case]:
    person_fields = generators(Person)
    record_fields = generators(Record)
    # Each row has a Faker of its own, so no row's draws change another's.
    fakers = {f"fake_{key}": seeded() for key in ("raw", "auto", "poly", "factory")}
    poly = polyfactories(fakers["fake_poly"])
    verify(person_fields, record_fields, poly)
    # The whole way a user takes: a derived factory with an auto-filled schema.
    person_factory = factory_for(Person)(faker=fakers["fake_factory"])
    record_factory = factory_for(Record)(faker=fakers["fake_factory"])
    seeded_factory = factory_for(Person)(seed=SEED)
    seeded_records = factory_for(Record)(seed=SEED)
    realistic([person_factory.build() for _ in range(20)])
    if fast_faker is not None:
        fast = fast_faker(seeded())
        realistic([auto_keyed(Person, person_fields, fast) for _ in range(20)])
    realistic(factory_for(Person)(seed=SEED).build_batch(20))
    if factory_for(Person)(seed=SEED).build_batch(5) != seeded_factory.build_batch(5):
        raise AssertionError("a seeded factory must make the same objects every time")
    namespace = {
        "gc": gc,
        "Person": Person,
        "Record": Record,
        "raw_person": raw_person,
        "raw_record": raw_record,
        "auto": auto,
        "auto_keyed": auto_keyed,
        "fast_auto": fast_faker and fast_faker(fakers["fake_auto"]),
        "person_fields": person_fields,
        "record_fields": record_fields,
        **fakers,
        **poly,
        "person_factory": person_factory,
        "seeded_factory": seeded_factory,
        "record_factory": record_factory,
        "seeded_records": seeded_records,
    }
    by_name = Case(
        title="by name: first_name, last_name, email, city, company (str dataclass)",
        goal="pyfactory's factories at most 0.2x the raw Faker loop",
        namespace=namespace,
        rows=(
            Row("raw", "5 Faker calls by hand", "raw_person(fake_raw)"),
            Row(
                "pyfactory", "resolve_generator, by name", "auto(Person, person_fields, fake_auto)"
            ),
            Row(
                "pyfactory",
                "same, with a KeyedFaker",
                "auto_keyed(Person, person_fields, fast_auto)",
            ),
            Row("pyfactory", "factory_for(Person).build()", "person_factory.build()"),
            Row("pyfactory", "same, seeded", "seeded_factory.build()"),
            Row(
                "pyfactory",
                f"same, build_batch({BATCH})",
                f"person_factory.build_batch({BATCH})",
                BATCH,
            ),
            Row("polyfactory", "Use(faker.<provider>) x5", "PersonPolyFaker.build()"),
            Row("polyfactory", "type-driven (random str)", "PersonPoly.build()"),
        ),
    )
    by_type = Case(
        title="by type: str, int, float, bool, date (dataclass, names mean nothing)",
        goal="pyfactory faster than polyfactory's type-driven generation",
        namespace=namespace,
        rows=(
            Row("raw", "faker.py*() by hand", "raw_record(fake_raw)"),
            Row(
                "pyfactory", "resolve_generator, by type", "auto(Record, record_fields, fake_auto)"
            ),
            Row(
                "pyfactory",
                "same, with a KeyedFaker",
                "auto_keyed(Record, record_fields, fast_auto)",
            ),
            Row("pyfactory", "factory_for(Record).build()", "record_factory.build()"),
            Row("pyfactory", "same, seeded", "seeded_records.build()"),
            Row("polyfactory", "type-driven", "RecordPoly.build()"),
        ),
    )
    if fast_faker is None:
        return [
            dataclasses.replace(case, rows=tuple(r for r in case.rows if "keyed" not in r.stmt))
            for case in (by_name, by_type)
        ]
    return [by_name, by_type]


def calibrate(timer: timeit.Timer, target: float) -> int:
    """The number of loops that makes one repeat last at least ``target`` seconds.

    It also warms the code up before timing.
    """
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target:
            return number
        guess = int(number * target * 1.2 / elapsed) if elapsed > 0 else number * 10
        number = max(number + 1, min(guess, number * 10))


@dataclasses.dataclass(frozen=True)
class Settings:
    """How long to time: ``rounds`` x ``repeat`` samples per row, each >= ``target`` s."""

    target: float
    repeat: int
    rounds: int


FULL = Settings(target=0.2, repeat=3, rounds=5)
QUICK = Settings(target=0.005, repeat=3, rounds=1)


def measure(case: Case, settings: Settings, collect: bool) -> list[tuple[float, float, int]]:
    """Microseconds per object (best and median sample) and loops per sample, per row.

    Rounds are interleaved, so a stretch of noise on the machine touches every row
    and the baseline alike instead of skewing one of them.
    """
    setup = "gc.enable()" if collect else "pass"
    timers = [timeit.Timer(row.stmt, setup=setup, globals=case.namespace) for row in case.rows]
    numbers = [calibrate(timer, settings.target) for timer in timers]
    samples: list[list[float]] = [[] for _ in timers]
    for _ in range(settings.rounds):
        for index, (timer, number) in enumerate(zip(timers, numbers, strict=True)):
            gc.collect()
            samples[index].extend(timer.repeat(repeat=settings.repeat, number=number))
    return [
        (
            min(taken) / number / row.per * 1e6,
            statistics.median(taken) / number / row.per * 1e6,
            number,
        )
        for taken, number, row in zip(samples, numbers, case.rows, strict=True)
    ]


def header() -> list[str]:
    versions = {
        # The checkout's own attribute: right when run from a worktree too.
        "pyfactory": f"{pyfactory.__version__} ({os.path.dirname(pyfactory.__file__)})",
        "polyfactory": version("polyfactory"),
        "Faker": version("Faker"),
    }
    return [
        f"Python {platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.system()} {platform.machine()})",
        *(f"{name:<12} {number}" for name, number in versions.items()),
    ]


def run(quick: bool, out: Callable[[str], None] = print, collect: bool = True) -> None:
    settings = QUICK if quick else FULL
    for line in header():
        out(line)
    out(
        f"mode: {'quick' if quick else 'full'}; best and median of "
        f"{settings.rounds * settings.repeat} samples of at least {settings.target * 1000:g} "
        f"ms per row, in {settings.rounds} interleaved round(s); gc "
        f"{'on' if collect else 'off'} while timing; x raw compares the bests"
    )
    for case in cases():
        out("")
        out(case.title)
        out(f"  goal: {case.goal}")
        out(
            f"  {'library':<12} {'how':<28} {'best us':>10} {'median us':>10} {'x raw':>7} "
            f"{'loops':>8}"
        )
        results = measure(case, settings, collect)
        baseline = results[0][0]
        for row, (best, median, number) in zip(case.rows, results, strict=True):
            out(
                f"  {row.library:<12} {row.how:<28} {best:>10.2f} {median:>10.2f} "
                f"{best / baseline:>7.3f} {number:>8}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few short repeats: checks that every row still runs (for CI), numbers are rough",
    )
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="switch the garbage collector off while timing (timeit's default); it is on "
        "by default, as when users run their code",
    )
    args = parser.parse_args(argv)
    run(args.quick, collect=not args.no_gc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
