"""pyfactory.dataset.write to Parquet with one and two worker processes, against
building the same rows as Python dicts and writing them with pyarrow directly.

Run from the repository root::

    python benchmarks/bench_dataset.py                  # full run: 2,000,000 rows, long
    python benchmarks/bench_dataset.py --quick          # smoke run for CI: 2,000 rows
    python benchmarks/bench_dataset.py --rows 200000 --rounds 3

The rows are the ticketing example's users (``examples/ticketing``, ``UserFactory``:
a uuid, first and last names, an email made from them and a sign-up time), seed 7.
Contenders, each writing a new Parquet file:

* dicts + pyarrow (the baseline, ratio 1.00): the rows as ``generate()`` gives them,
  as Python dicts, ``chunk_size`` at a time, each chunk made into a table with
  ``pyarrow.Table.from_pylist`` (pyarrow infers the types) and written as a row
  group by a ``pyarrow.parquet.ParquetWriter``: what a user writes by hand, in the
  same flat memory;
* ``write(..., workers=1)``: the same rows through pyfactory, typed columns from the
  model, in this process;
* ``write(..., workers=2)``: the same, made in two worker processes (spawned,
  so each one's start, imports and warm-up are in its time).

Every write is checked before its time is kept: the files of one and two workers
have the same bytes, and every file holds the same emails in the same order as the
baseline's. Best and median of the rounds, which are interleaved; the garbage
collector is on. The issue's targets: ``workers=2`` at least 1.7x ``workers=1``;
``workers=1`` within 1.5x of the baseline. No target is asserted: the figures are
printed, with the machine's load.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from _harness import (
    Column,
    Table,
    argument_parser,
    best_and_median,
    header,
    optional_version,
    pyfactory_version,
    total_time,
)

from pyfactory.dataset import CHUNK_SIZE, generate, write

# The ticketing example is a package in examples/, which is not installed; the
# worker processes get this sys.path from the parent when they are spawned.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

from ticketing.factories import UserFactory  # noqa: E402

SEED = 7
#: The issue's targets.
SCALING_TARGET = 1.7
BASELINE_TARGET = 1.5


def by_hand(rows: int, to: Path) -> None:
    """The baseline: generate()'s dicts, a chunk at a time, through pyarrow."""
    writer = None
    chunk: list[dict[str, object]] = []
    for row in generate(UserFactory, count=rows, seed=SEED):
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            writer = write_chunk(writer, chunk, to)
            chunk = []
    if chunk or writer is None:
        writer = write_chunk(writer, chunk, to)
    writer.close()


def write_chunk(
    writer: pq.ParquetWriter | None, chunk: list[dict[str, object]], to: Path
) -> pq.ParquetWriter:
    table = pa.Table.from_pylist(chunk)
    if writer is None:
        writer = pq.ParquetWriter(to, table.schema)
    writer.write_table(table)
    return writer


def with_workers(workers: int) -> Callable[[int, Path], None]:
    def run(rows: int, to: Path) -> None:
        write(UserFactory, count=rows, seed=SEED, to=to, workers=workers)

    return run


CONTENDERS: list[tuple[str, Callable[[int, Path], None]]] = [
    ("dicts + pyarrow", by_hand),
    ("write(workers=1)", with_workers(1)),
    ("write(workers=2)", with_workers(2)),
]


def check(files: list[Path]) -> None:
    """The two workers' files are the same bytes; every file the same emails."""
    baseline, one, two = files
    if one.read_bytes() != two.read_bytes():
        raise SystemExit("workers=1 and workers=2 wrote different bytes")
    emails = pq.read_table(baseline, columns=["email"]).column("email")
    for path in (one, two):
        if not pq.read_table(path, columns=["email"]).column("email").equals(emails):
            raise SystemExit(f"{path.name} holds other rows than the baseline")


def main() -> None:
    started = time.perf_counter()
    parser = argument_parser(__doc__, "2,000 rows, one round: a smoke run for CI", None)
    parser.add_argument("--rows", type=int, default=None, help="rows per write (2,000,000)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (3)")
    args = parser.parse_args()
    rows = args.rows or (2_000 if args.quick else 2_000_000)
    rounds = args.rounds or (1 if args.quick else 3)
    versions = {"pyfactory": pyfactory_version(), "pyarrow": optional_version("pyarrow")}
    print("\n".join(header(versions, load=True)))
    print(
        f"mode: {'quick' if args.quick else 'full'}; {rows:,} rows of the ticketing "
        f"example's users to Parquet; best and median of {rounds} interleaved round(s); "
        "gc on"
    )
    samples: list[list[float]] = [[] for _ in CONTENDERS]
    with tempfile.TemporaryDirectory() as tmp:
        # Warm up in this process (the plans, Faker's providers, pyarrow's imports),
        # untimed; a worker process warms up within its own time.
        for _, run in CONTENDERS[:2]:
            run(1_000, Path(tmp) / "warm.parquet")
        for round_ in range(rounds):
            files = []
            for index, (_, run) in enumerate(CONTENDERS):
                to = Path(tmp) / f"{index}-{round_}.parquet"
                gc.collect()
                began = time.perf_counter()
                run(rows, to)
                samples[index].append(time.perf_counter() - began)
                files.append(to)
            check(files)
            for path in files:
                path.unlink()
    table = Table(
        Column("contender", "<18"),
        Column("best s", ">9", ".2f"),
        Column("median s", ">9", ".2f"),
        Column("rows/s", ">10", ",.0f"),
        Column("x baseline", ">11", ".2f"),
    )
    print(table.header())
    figures = [best_and_median(taken) for taken in samples]
    base = figures[0][0]
    for (name, _), (best, median) in zip(CONTENDERS, figures, strict=True):
        print(table.row(name, best, median, rows / best, best / base))
    one, two = figures[1][0], figures[2][0]
    print(
        f"pyfactory: workers=2 is {one / two:.2f}x workers=1 (target >= {SCALING_TARGET}); "
        f"workers=1 is {one / base:.2f}x dicts + pyarrow (target <= {BASELINE_TARGET})"
    )
    print(total_time(started))


if __name__ == "__main__":
    main()
