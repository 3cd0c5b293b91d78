"""Realistic values: a Faker call, mimesis, and pyfactory's compiled fast providers.

Run from the repository root::

    python benchmarks/bench_values.py           # full run, about two minutes
    python benchmarks/bench_values.py --quick   # smoke run for CI, a few seconds
    python benchmarks/bench_values.py --no-gc   # garbage collector off while timing
    python benchmarks/bench_values.py email city   # only these providers

For each provider, in one process and with the same ``en_US`` locale: the Faker call
(``fake.email()``), the nearest mimesis call when mimesis is installed (its data
differ: a mimesis email is a word and a year, not a name), and pyfactory's fast
provider -- ``fn(key)`` with keys from a counter, and ``fn.many(keys)`` over 1,000
keys, per value. Before timing, each fast provider is checked to make values of the
type Faker makes. Each row is the best of several ``timeit.repeat`` samples (and
their median), in microseconds per value, in rounds interleaved with the provider's
other rows, with its ratio to the Faker call (``x faker``: under 0.1 is ten times
faster). The garbage collector stays on while timing. See ``benchmarks/README.rst``.
"""

import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from typing import Any

from _harness import (
    Column,
    Row,
    Settings,
    Table,
    argument_parser,
    gc_words,
    header,
    mode_line,
    optional_version,
    pyfactory_version,
    time_table,
)
from faker import Faker

from pyfactory.providers import fast_provider

#: Keys per ``many`` call.
COLUMN = 1000


@dataclass(frozen=True)
class Provider:
    """One Faker provider call, and the mimesis call nearest to it (or None)."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    mimesis: str | None = None
    #: How the call reads in the table, when its arguments would be too long.
    short: str | None = None

    @property
    def label(self) -> str:
        if self.short is not None:
            return self.short
        arguments = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(arguments)})"


#: The issue's common providers; a mimesis statement runs with ``m`` its providers.
PROVIDERS = (
    Provider("name", mimesis="m.person.full_name()"),
    Provider("first_name", mimesis="m.person.first_name()"),
    Provider("last_name", mimesis="m.person.last_name()"),
    Provider("email", mimesis="m.person.email()"),
    Provider("user_name", mimesis="m.person.username()"),
    Provider("company", mimesis="m.finance.company()"),
    Provider("job", mimesis="m.person.occupation()"),
    Provider("address", mimesis="m.address.address()"),
    Provider("street_address"),
    Provider("city", mimesis="m.address.city()"),
    Provider("postcode", mimesis="m.address.postal_code()"),
    Provider("country", mimesis="m.address.country()"),
    Provider("phone_number", mimesis="m.person.phone_number()"),
    Provider("word", mimesis="m.text.word()"),
    Provider("words"),
    Provider("sentence", mimesis="m.text.sentence()"),
    Provider("paragraph", mimesis="m.text.text(3)"),
    Provider("url", mimesis="m.internet.url()"),
    Provider("domain_name", mimesis="m.internet.hostname()"),
    Provider("date", mimesis="m.datetime.formatted_date('%Y-%m-%d')"),
    Provider(
        "date_between",
        (date(1990, 1, 1), date(2020, 1, 1)),
        mimesis="m.datetime.date()",
        short="date_between(1990-01-01, 2020-01-01)",
    ),
    Provider("date_time", mimesis="m.datetime.datetime()"),
    Provider("date_time_between"),
    Provider("date_of_birth"),
    Provider("uuid4", mimesis="m.cryptographic.uuid()"),
    Provider("uuid4", kwargs=(("cast_to", None),), mimesis="m.cryptographic.uuid_object()"),
    Provider("pyint", mimesis="m.numeric.integer_number(0, 9999)"),
    Provider("pybool", mimesis="m.development.boolean()"),
)


def mimesis_namespace() -> Any | None:
    """mimesis's providers for English, as ``m.person``, ``m.address``, ..., or None
    when mimesis is not installed."""
    try:
        from mimesis import Generic, Locale
    except ImportError:
        return None
    return Generic(locale=Locale.EN)


@dataclass(frozen=True)
class Case:
    provider: Provider
    namespace: dict[str, Any]
    rows: tuple[Row, ...]


def check(provider: Provider, fake: Faker, fn: Callable[[int], Any]) -> None:
    """The fast provider makes values of the type the Faker call makes, the same for
    the same key, different for other keys."""
    kwargs = dict(provider.kwargs)
    want = type(getattr(fake, provider.name)(*provider.args, **kwargs))
    got = [fn(k) for k in range(50)]
    if not all(type(v) is want for v in got):
        raise AssertionError(f"{provider.label}: fast values are not {want.__name__}: {got[:3]}")
    if [fn(k) for k in range(50)] != got:
        raise AssertionError(f"{provider.label}: the same key gave another value")
    if provider.name not in ("pybool",) and len({repr(v) for v in got}) < 10:
        raise AssertionError(f"{provider.label}: 50 keys gave few values: {got[:10]}")


def cases(selected: Sequence[str]) -> list[Case]:
    fake = Faker("en_US")
    fake.seed_instance(1)
    m = mimesis_namespace()
    out = []
    for provider in PROVIDERS:
        if selected and provider.name not in selected:
            continue
        kwargs = dict(provider.kwargs)
        fn = fast_provider(fake, provider.name, provider.args, kwargs)
        if fn is None:
            raise AssertionError(f"{provider.label}: no fast provider")
        check(provider, fake, fn)
        namespace = {
            "call": getattr(fake, provider.name),
            "args": provider.args,
            "kwargs": kwargs,
            "fn": fn,
            "counter": itertools.count(1),
            "keys": list(range(COLUMN)),
            "m": m,
        }
        rows = [Row("Faker", "fake." + provider.label, "call(*args, **kwargs)")]
        if m is not None and provider.mimesis is not None:
            rows.append(Row("mimesis", provider.mimesis, provider.mimesis))
        rows.append(Row("pyfactory", "fn(key)", "fn(next(counter))"))
        rows.append(Row("pyfactory", f"fn.many({COLUMN} keys)", "fn.many(keys)", COLUMN))
        out.append(Case(provider, namespace, tuple(rows)))
    return out


FULL = Settings(target=0.05, repeat=2, rounds=3)
QUICK = Settings(target=0.002, repeat=2, rounds=1)

TABLE = Table(
    Column("provider", "<38"),
    Column("library", "<10"),
    Column("call", "<38"),
    Column("best us", ">9", ".3f"),
    Column("median us", ">9", ".3f"),
    Column("x faker", ">8", ".3f"),
)


def run(
    quick: bool,
    selected: Sequence[str] = (),
    out: Callable[[str], None] = print,
    collect: bool = True,
) -> None:
    settings = QUICK if quick else FULL
    versions = {
        "pyfactory": pyfactory_version(),
        "Faker": version("Faker"),
        "mimesis": optional_version("mimesis"),
    }
    for line in header(versions):
        out(line)
    out(mode_line(quick, settings, gc_words(collect), "x faker compares the bests"))
    out("")
    out(TABLE.header())
    summary: list[tuple[str, float, float]] = []
    for case in cases(selected):
        results = time_table(case.rows, case.namespace, settings, collect)
        baseline = results[0].best
        for row, result in zip(case.rows, results, strict=True):
            out(
                TABLE.row(
                    case.provider.label,
                    row.library,
                    row.how,
                    result.best,
                    result.median,
                    result.best / baseline,
                )
            )
        summary.append(
            (case.provider.label, baseline / results[-2].best, baseline / results[-1].best)
        )
    out("")
    out(f"  {'times faster than the Faker call (bests)':<42} {'fn(key)':>8} {'fn.many':>8}")
    for label, one, column in summary:
        out(f"    {label:<40} {one:>8.1f} {column:>8.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser(
        __doc__,
        "a few short repeats: checks that every provider still compiles and runs "
        "(for CI), numbers are rough",
    )
    parser.add_argument(
        "providers", nargs="*", help="only these providers (by Faker name); all by default"
    )
    args = parser.parse_args(argv)
    run(args.quick, args.providers, collect=not args.no_gc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
