"""Build the same objects with pyfactory, factory_boy, polyfactory and plain Python.

Run from the repository root::

    python benchmarks/bench_build.py           # full run, about 20-30 seconds
    python benchmarks/bench_build.py --quick   # smoke run for CI, a few seconds
    python benchmarks/bench_build.py --no-gc   # garbage collector off while timing

Every library makes objects that are checked, before any timing, to be equal to
the ones the hand-written baseline makes, so the table compares equal work. Each
row is the best of several ``timeit.repeat`` samples (the minimum is the run
least disturbed by the rest of the machine), taken in rounds interleaved with
the other rows, in microseconds per object (best and median), with its ratio to
the baseline of its case. The garbage collector stays on while timing, as when
users run their tests. See ``benchmarks/README.rst``.
"""

import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import attrs
import factory
from _harness import (
    Column,
    Row,
    Settings,
    Table,
    argument_parser,
    gc_words,
    header,
    mode_line,
    pyfactory_version,
    time_table,
)
from polyfactory import PostGenerated, Use
from polyfactory.factories.attrs_factory import AttrsFactory

from pyfactory import Factory, association, lazy, schema, sequence

#: Objects per call in the batch rows.
BATCH = 1000


# ------------------------------------------------------------------ case 1
# A flat model of ten constant fields: the cost of a factory call itself.


@attrs.define
class Person:
    first_name: str
    last_name: str
    email: str
    age: int
    score: float
    active: bool
    city: str
    country: str
    language: str
    role: str


PERSON = {
    "first_name": "John",
    "last_name": "Doe",
    "email": "john@example.com",
    "age": 42,
    "score": 3.5,
    "active": True,
    "city": "Paris",
    "country": "FR",
    "language": "fr",
    "role": "admin",
}


class PersonFactory(Factory[Person]):
    _model = Person

    @schema()
    def basic(self) -> dict[str, object]:
        return {
            "first_name": "John",
            "last_name": "Doe",
            "email": "john@example.com",
            "age": 42,
            "score": 3.5,
            "active": True,
            "city": "Paris",
            "country": "FR",
            "language": "fr",
            "role": "admin",
        }


class PersonBoy(factory.Factory):
    class Meta:
        model = Person

    first_name = "John"
    last_name = "Doe"
    email = "john@example.com"
    age = 42
    score = 3.5
    active = True
    city = "Paris"
    country = "FR"
    language = "fr"
    role = "admin"


class PersonPoly(AttrsFactory[Person]):
    # A plain value set on the factory class is used as it is for every object
    # (polyfactory's "factory fields"); nothing here is generated at random.
    __model__ = Person

    first_name = "John"
    last_name = "Doe"
    email = "john@example.com"
    age = 42
    score = 3.5
    active = True
    city = "Paris"
    country = "FR"
    language = "fr"
    role = "admin"


# ------------------------------------------------------------------ case 2
# A counter, a value computed from another field, and a nested object.


@attrs.define
class Child:
    x: int
    y: str


@attrs.define
class Account:
    id: int
    name: str
    slug: str
    child: Child
    email: str
    age: int
    active: bool


def make_account(n: int) -> Account:
    """What the n-th account of every library must equal."""
    name = "Bob"
    return Account(
        id=n,
        name=name,
        slug=name.lower(),
        child=Child(x=1, y="y"),
        email="bob@example.com",
        age=42,
        active=True,
    )


# The baseline: a hand-written loop body, run as the timed statement itself.
RAW_ACCOUNT = """\
n = next(counter)
name = "Bob"
obj = Account(
    id=n,
    name=name,
    slug=name.lower(),
    child=Child(x=1, y="y"),
    email="bob@example.com",
    age=42,
    active=True,
)
"""


# The baseline of the batches: the same loop, keeping its objects in a list, as a
# batch does (a list of live objects costs the garbage collector more than objects
# dropped one by one).
RAW_ACCOUNTS = (
    f"""\
objs = []
for _ in range({BATCH}):
"""
    + "".join(f"    {line}\n" for line in RAW_ACCOUNT.splitlines())
    + "    objs.append(obj)\n"
)


class ChildFactory(Factory[Child]):
    _model = Child

    @schema()
    def basic(self) -> dict[str, object]:
        return {"x": 1, "y": "y"}


class AccountFactory(Factory[Account]):
    _model = Account

    @schema()
    def basic(self) -> dict[str, object]:
        return {
            "id": sequence(lambda n: n),
            "name": "Bob",
            "slug": lazy(lambda a: a["name"].lower()),
            "child": association(ChildFactory, "basic"),
            "email": "bob@example.com",
            "age": 42,
            "active": True,
        }


class ChildBoy(factory.Factory):
    class Meta:
        model = Child

    x = 1
    y = "y"


class AccountBoy(factory.Factory):
    class Meta:
        model = Account

    # factory_boy counts from 0; pyfactory's sequence() and the baseline from 1.
    id = factory.Sequence(lambda n: n + 1)
    name = "Bob"
    slug = factory.LazyAttribute(lambda o: o.name.lower())
    child = factory.SubFactory(ChildBoy)
    email = "bob@example.com"
    age = 42
    active = True


class ChildPoly(AttrsFactory[Child]):
    __model__ = Child

    x = 1
    y = "y"


class AccountPoly(AttrsFactory[Account]):
    # polyfactory has no sequences: Use calls next() on a counter for each object.
    # A factory class as a field value builds the nested object with it, and
    # PostGenerated runs after the other fields, with their values.
    __model__ = Account

    id = Use(next, itertools.count(1))
    name = "Bob"
    slug = PostGenerated(lambda _field, values: values["name"].lower())
    child = ChildPoly
    email = "bob@example.com"
    age = 42
    active = True


# --------------------------------------------------------------- machinery


@dataclass(frozen=True)
class Case:
    title: str
    namespace: dict[str, Any]
    rows: tuple[Row, ...]


def check(label: str, got: Sequence[object], want: Sequence[object]) -> None:
    """Fail loudly (even under ``python -O``) unless ``got`` equals ``want`` field by field."""
    if len(got) != len(want):
        raise AssertionError(f"{label}: made {len(got)} objects, expected {len(want)}")
    if len({id(one) for one in got}) != len(got):
        raise AssertionError(f"{label}: gave the same object twice; each call must make one")
    for index, (one, expected) in enumerate(zip(got, want, strict=True)):
        # attrs' __eq__ compares the classes too, nested Child included.
        if one != expected:
            raise AssertionError(
                f"{label}: object {index} differs from the baseline\n"
                f"  got:      {one!r}\n  expected: {expected!r}"
            )


def verify_constant(pf: PersonFactory) -> None:
    want = [Person(**PERSON)] * 3
    check("raw by position", [Person(*PERSON.values())], want[:1])
    check("pyfactory build", [pf.build("basic") for _ in range(3)], want)
    check("pyfactory build_batch", pf.build_batch("basic", 3), want)
    check("factory_boy build", [PersonBoy.build() for _ in range(3)], want)
    check("factory_boy build_batch", PersonBoy.build_batch(3), want)
    check("polyfactory build", [PersonPoly.build() for _ in range(3)], want)
    check("polyfactory batch", PersonPoly.batch(3), want)


def verify_nested(af: AccountFactory) -> None:
    """Every library's counter starts at 1 here: two single objects, then a batch of two."""
    singles = [make_account(1), make_account(2)]
    batch = [make_account(3), make_account(4)]
    made = {
        "pyfactory": (
            [af.build("basic"), af.build("basic")],
            af.build_batch("basic", 2),
        ),
        "factory_boy": ([AccountBoy.build(), AccountBoy.build()], AccountBoy.build_batch(2)),
        "polyfactory": ([AccountPoly.build(), AccountPoly.build()], AccountPoly.batch(2)),
    }
    for library, (got_singles, got_batch) in made.items():
        check(f"{library} build", got_singles, singles)
        check(f"{library} batch", got_batch, batch)
        children = [obj.child for obj in [*got_singles, *got_batch]]
        if len({id(c) for c in children}) != len(children):
            raise AssertionError(f"{library}: objects share one Child; each needs its own")


def cases() -> list[Case]:
    pf = PersonFactory()
    verify_constant(pf)
    af = AccountFactory()
    verify_nested(af)
    counter = itertools.count(1)
    # The timed baseline statement must make the same objects as make_account().
    probe: dict[str, Any] = {"Account": Account, "Child": Child, "counter": counter}
    for n in (1, 2):
        exec(RAW_ACCOUNT, probe)
        check("raw loop", [probe["obj"]], [make_account(n)])
    constant = Case(
        title="constant: 10 constant fields, attrs class",
        namespace={
            "Person": Person,
            "KW": PERSON,
            "ARGS": tuple(PERSON.values()),
            "pf": pf,
            "PersonBoy": PersonBoy,
            "PersonPoly": PersonPoly,
        },
        rows=(
            Row("raw", "Person(**{...})", "Person(**KW)"),
            Row(
                "raw",
                f"[Person(**{{...}}) x {BATCH}]",
                f"[Person(**KW) for _ in range({BATCH})]",
                BATCH,
            ),
            # For information: the constructor given the same values by position, as
            # pyfactory calls a model whose signature takes them so.
            Row("raw", "Person(*(...)) by position", "Person(*ARGS)"),
            Row("pyfactory", 'f.build("basic")', 'pf.build("basic")'),
            Row(
                "pyfactory",
                f'f.build_batch("basic", {BATCH})',
                f'pf.build_batch("basic", {BATCH})',
                BATCH,
            ),
            Row("factory_boy", "F.build()", "PersonBoy.build()"),
            Row("factory_boy", f"F.build_batch({BATCH})", f"PersonBoy.build_batch({BATCH})", BATCH),
            Row("polyfactory", "F.build()", "PersonPoly.build()"),
            Row("polyfactory", f"F.batch({BATCH})", f"PersonPoly.batch({BATCH})", BATCH),
        ),
    )
    nested = Case(
        title="sequence+lazy+nested: counter, lazy slug, nested Child, 3 constants",
        namespace={
            "Account": Account,
            "Child": Child,
            "counter": counter,
            "af": af,
            "AccountBoy": AccountBoy,
            "AccountPoly": AccountPoly,
        },
        rows=(
            Row("raw", "hand-written loop", RAW_ACCOUNT),
            Row("raw", f"the loop into a list x {BATCH}", RAW_ACCOUNTS, BATCH),
            Row("pyfactory", 'f.build("basic")', 'af.build("basic")'),
            Row(
                "pyfactory",
                f'f.build_batch("basic", {BATCH})',
                f'af.build_batch("basic", {BATCH})',
                BATCH,
            ),
            Row("factory_boy", "F.build()", "AccountBoy.build()"),
            Row(
                "factory_boy", f"F.build_batch({BATCH})", f"AccountBoy.build_batch({BATCH})", BATCH
            ),
            Row("polyfactory", "F.build()", "AccountPoly.build()"),
            Row("polyfactory", f"F.batch({BATCH})", f"AccountPoly.batch({BATCH})", BATCH),
        ),
    )
    return [constant, nested]


FULL = Settings(target=0.2, repeat=2, rounds=3)
QUICK = Settings(target=0.005, repeat=3, rounds=1)

TABLE = Table(
    Column("library", "<12"),
    Column("call", "<32"),
    Column("best us", ">10", ".3f"),
    Column("median us", ">10", ".3f"),
    Column("x raw", ">8", ".2f"),
    Column("loops", ">8"),
)


def versions() -> dict[str, str]:
    """The versions of the libraries actually imported."""
    return {
        "pyfactory": pyfactory_version(),
        "factory_boy": version("factory_boy"),
        "polyfactory": version("polyfactory"),
        "attrs": version("attrs"),
        "Faker": version("Faker"),
    }


def run(quick: bool, out: Callable[[str], None] = print, collect: bool = True) -> None:
    settings = QUICK if quick else FULL
    for line in header(versions()):
        out(line)
    out(
        mode_line(
            quick,
            settings,
            gc_words(collect),
            "x raw compares the bests, a batch with raw's list of as many objects",
        )
    )
    for case in cases():
        out("")
        out(case.title)
        out(TABLE.header())
        results = time_table(case.rows, case.namespace, settings, collect)
        # A single call compares with raw's single object, a batch with raw's list: the
        # first raw row of each (the others are for information).
        baselines: dict[int, float] = {}
        for row, result in zip(case.rows, results, strict=True):
            if row.library == "raw":
                baselines.setdefault(row.per_call, result.best)
        for row, result in zip(case.rows, results, strict=True):
            baseline = baselines[row.per_call]
            out(
                TABLE.row(
                    row.library,
                    row.how,
                    result.best,
                    result.median,
                    result.best / baseline,
                    result.loops,
                )
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__,
        "a few short repeats: checks that every library still runs (for CI), numbers are rough",
    )
    args = parser.parse_args(argv)
    run(args.quick, collect=not args.no_gc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
