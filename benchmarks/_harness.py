"""The timing harness that every script in ``benchmarks/`` shares.

Each benchmark keeps what is its own: the contenders, the fairness checks (what each
contender makes is checked before anything is timed) and the words of its table.
What they have in common lives here, once, so that every table is measured and
printed the same way:

* :func:`calibrate` and :func:`time_rows`: ``timeit`` samples of at least a minimum
  time, taken in rounds interleaved across the rows, best and median per row, the
  garbage collector on by default;
* :func:`best_and_median`: the same summary for scripts that time whole writes
  with ``time.perf_counter`` (a database write is too long to loop in ``timeit``);
* :func:`header` and :func:`mode_line`: the lines that say what was measured with
  (interpreter, machine load, library versions) and how;
* :class:`Table`: a header and rows of aligned columns, ratios included;
* :func:`argument_parser`: the ``--quick`` and ``--no-gc`` options, worded alike.

The scripts run as ``python benchmarks/bench_x.py`` (and ``pyfactory seed`` loads
``bench_seed_scale.py`` by its path): either way the script's own directory is on
``sys.path``, so ``import _harness`` finds this file without making ``benchmarks``
a package. The leading underscore keeps it out of the test suite's
``benchmarks/bench_*.py`` glob: it is not a benchmark to run.

Only the standard library is used: pyperf or pytest-benchmark would do the timing,
but each brings its own process model and output, and the tables users and the
README quote would change.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
import timeit
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pyfactory

#: The ``--no-gc`` help of most scripts; a script may word it for its own users.
NO_GC_HELP = (
    "switch the garbage collector off while timing (timeit's default); it is on "
    "by default, as when users run their tests"
)


# ------------------------------------------------------------------ timeit


@dataclass(frozen=True)
class Settings:
    """How long to time: ``rounds`` x ``repeat`` samples per row, each >= ``target`` s.

    A script that needs more (a batch size) subclasses it, so that :func:`time_rows`
    and :func:`mode_line` still take it.
    """

    target: float
    repeat: int
    rounds: int

    @property
    def samples(self) -> int:
        """Samples per row: what the best and the median are taken over."""
        return self.rounds * self.repeat


@dataclass(frozen=True)
class Timing:
    """One row's result: microseconds per object (or value), and loops per sample."""

    best: float
    median: float
    loops: int


def calibrate(timer: timeit.Timer, target: float) -> int:
    """The number of loops that makes one repeat last at least ``target`` seconds.

    A sample this long is well above the timer's resolution and the loop's own cost.
    Calibrating also warms the code up (caches, plans, lazily built factories, Faker's
    providers) before anything is kept. ``timeit.Timer.autorange`` does the same but
    stops at 0.2 s and grows in steps of 1, 2, 5: the quick runs want far less, and
    this guess gets there in fewer trial runs.
    """
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target:
            return number
        # Aim a little past the target, but grow at most 10x per step.
        guess = int(number * target * 1.2 / elapsed) if elapsed > 0 else number * 10
        number = max(number + 1, min(guess, number * 10))


def time_rows(
    stmts: Sequence[str],
    per_call: Sequence[int],
    namespace: Mapping[str, Any],
    settings: Settings,
    collect: bool = True,
) -> list[Timing]:
    """Time each statement; ``per_call[i]`` is how many objects ``stmts[i]`` makes.

    The rounds are interleaved: each round runs ``timeit.repeat`` for every row in
    turn, so a stretch of noise on the machine (another process, CPU frequency)
    touches every row and the baseline alike instead of skewing one of them. The
    best sample is the run least disturbed by the rest of the machine; the median
    shows how steady the runs were. With ``collect`` the garbage collector stays on
    while timing, as it is when users run their tests (timeit switches it off by
    default).
    """
    setup = "gc.enable()" if collect else "pass"
    names = {**namespace, "gc": gc}
    timers = [timeit.Timer(stmt, setup=setup, globals=names) for stmt in stmts]
    numbers = [calibrate(timer, settings.target) for timer in timers]
    samples: list[list[float]] = [[] for _ in timers]
    for _ in range(settings.rounds):
        for index, (timer, number) in enumerate(zip(timers, numbers, strict=True)):
            # Garbage left by the previous row is not this row's to collect.
            gc.collect()
            samples[index].extend(timer.repeat(repeat=settings.repeat, number=number))
    return [
        Timing(
            min(taken) / number / n * 1e6,
            statistics.median(taken) / number / n * 1e6,
            number,
        )
        for taken, number, n in zip(samples, numbers, per_call, strict=True)
    ]


@dataclass(frozen=True)
class Row:
    """One timed statement of a table: ``stmt`` makes ``per_call`` objects, shown as
    ``library`` and ``how`` (the call as a user writes it)."""

    library: str
    how: str
    stmt: str
    per_call: int = 1


def time_table(
    rows: Sequence[Row], namespace: Mapping[str, Any], settings: Settings, collect: bool = True
) -> list[Timing]:
    """:func:`time_rows` for a table of :class:`Row`, per object made."""
    return time_rows(
        [row.stmt for row in rows], [row.per_call for row in rows], namespace, settings, collect
    )


def best_and_median(samples: Sequence[float]) -> tuple[float, float]:
    """The best and the median of whole-run samples (seconds of a write, say).

    For the scripts that time one long write per sample with ``time.perf_counter``,
    where ``timeit``'s loops make no sense; the same two figures as :func:`time_rows`.
    """
    return min(samples), statistics.median(samples)


# ------------------------------------------------------------------ output


def optional_version(name: str) -> str:
    """The installed version of an optional library, or ``not installed``."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def pyfactory_version(where: bool = False) -> str:
    """pyfactory's own ``__version__``: right even when run from a checkout that is not
    the installed version. With ``where``, the directory it was imported from, which
    tells a checkout from an installed copy."""
    if where:
        return f"{pyfactory.__version__} ({os.path.dirname(pyfactory.__file__)})"
    return pyfactory.__version__


def header(versions: Mapping[str, str], load: bool = False) -> list[str]:
    """The interpreter and the versions of the libraries actually imported, one a line.

    With ``load``, the CPU count and the load average: a figure taken on a busy
    machine says so in its own output.
    """
    machine = (
        f"Python {platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.system()} {platform.machine()})"
    )
    if load:
        averages = ", ".join(f"{one:.2f}" for one in os.getloadavg())
        machine += f"; {os.cpu_count()} CPUs, load {averages}"
    return [machine, *(f"{name:<12} {number}" for name, number in versions.items())]


def gc_words(collect: bool) -> str:
    """How the garbage collector was while timing, as the mode lines say it."""
    return f"gc {'on' if collect else 'off'} while timing"


def mode_line(quick: bool, settings: Settings, *more: str) -> str:
    """The line under the header that says how a ``timeit`` table was measured;
    ``more`` are the script's own clauses, joined with ``; ``."""
    return "; ".join(
        (
            f"mode: {'quick' if quick else 'full'}; best and median of {settings.samples} "
            f"samples of at least {settings.target * 1000:g} ms per row, in "
            f"{settings.rounds} interleaved round(s)",
            *more,
        )
    )


def total_time(started: float) -> str:
    """The last line of the long scripts: how long the whole run took, ``started``
    being its ``time.perf_counter()``, so the next runner knows what to expect."""
    return f"total time: {time.perf_counter() - started:.0f} s"


@dataclass(frozen=True)
class Column:
    """One column of a table: its title, its alignment and width (``"<12"``, ``">9"``)
    and the format of its numbers (``".3f"``, ``",.0f"``)."""

    title: str
    width: str
    number: str = ""


class Table:
    """Aligned columns, each line indented by two spaces, cells split by one.

    The header and the rows take their widths from one list, so a column cannot drift
    out of line with its title. A cell given as a string (``"-"`` where a ratio would
    mean nothing) is aligned but not formatted as a number.
    """

    def __init__(self, *columns: Column) -> None:
        self.columns = columns

    def header(self) -> str:
        """The titles."""
        return "  " + " ".join(format(c.title, c.width) for c in self.columns)

    def row(self, *cells: object) -> str:
        """One row of cells, as many as the columns."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        return "  " + " ".join(
            format(cell, column.width if isinstance(cell, str) else column.width + column.number)
            for column, cell in zip(self.columns, cells, strict=True)
        )


# ------------------------------------------------------------------ options


def argument_parser(
    doc: str | None, quick_help: str, no_gc_help: str | None = NO_GC_HELP
) -> argparse.ArgumentParser:
    """A parser with the options every timed script has.

    ``--quick`` is what CI runs (``tests/test_project.py``); ``--no-gc`` is left out
    with ``no_gc_help=None``, for scripts whose garbage collector is not an option.
    The description is the first line of the script's docstring.
    """
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    if no_gc_help is not None:
        add_no_gc(parser, no_gc_help)
    return parser


def add_no_gc(parser: argparse.ArgumentParser, help: str = NO_GC_HELP) -> None:
    """``--no-gc``, for a script that lists it after options of its own (``--help``
    shows the options in the order they were added)."""
    parser.add_argument("--no-gc", action="store_true", help=help)
