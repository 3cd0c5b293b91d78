"""``pyfactory generate``: the command line's dataset subcommand (see :mod:`pyfactory.cli`).

``pyfactory generate MODULE:Factory[.schema] --count N --seed S --out PATH`` writes rows
``0`` to ``N - 1`` of the factory's dataset (:mod:`pyfactory.dataset`); ``--dry-run``
prints the first few instead, one JSON object per line. Exit codes as ``pyfactory
seed`` has them: 0 done, 1 a row could not be made (the error, one line), 2 bad usage
(one line), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from pyfactory.cli._modules import NotFound, import_target
from pyfactory.errors import FactoryError

__all__ = ["add_parser", "command"]

#: ``MODULE:Factory`` or ``MODULE:Factory.schema``; MODULE may be a path with a drive.
_TARGET = re.compile(r"^(?P<module>.+):(?P<factory>[A-Za-z_]\w*)(?:\.(?P<schema>[A-Za-z_]\w*))?$")

#: The exit code of a run stopped by Ctrl-C, as a shell gives it: 128 + SIGINT.
INTERRUPTED = 130


class UsageProblem(Exception):
    """Bad input: printed as one line, exit code 2."""


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``generate`` to the subcommands of the ``pyfactory`` parser."""
    parser = commands.add_parser(
        "generate",
        help="write a dataset of a factory's rows to a file, or show a few",
        description=(
            "Make rows 0 to COUNT-1 of a factory schema's dataset for a seed (each row "
            "depends only on the seed and its index, so any number of workers writes the "
            "same file) and write them to --out, or print the first few with --dry-run. "
            "Exit codes: 0 done, 1 a row could not be made, 2 bad usage, 130 interrupted."
        ),
    )
    parser.add_argument(
        "target",
        metavar="MODULE:Factory[.schema]",
        help="a dotted module (myapp.factories) or a .py file, the factory class in it "
        "and, after a dot, the schema (default: the factory's _default_schema)",
    )
    parser.add_argument("--count", type=_at_least(0), required=True, metavar="N")
    parser.add_argument("--seed", type=int, required=True, metavar="S")
    parser.add_argument(
        "--start", type=_at_least(0), default=0, metavar="I", help="the first row (default: 0)"
    )
    parser.add_argument(
        "--out",
        metavar="PATH|URL",
        help="the file to write (.parquet, .csv or .jsonl), or a SQLAlchemy database URL "
        "whose table of the factory's model gets the rows (required unless --dry-run)",
    )
    parser.add_argument(
        "--format",
        choices=("parquet", "csv", "jsonl"),
        help="the file's format (default: from the suffix of --out)",
    )
    parser.add_argument(
        "--workers",
        type=_at_least(1),
        default=1,
        metavar="W",
        help="processes that make the rows (default: 1); the file is the same for any W",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on standard error (default: when it is a terminal)",
    )
    parser.add_argument(
        "--dry-run",
        nargs="?",
        const=5,
        type=_at_least(1),
        metavar="ROWS",
        help="print the first ROWS rows (default: 5) as JSON lines and write nothing",
    )
    return parser  # type: ignore[no-any-return]


def _at_least(least: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an int: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}: {text!r}")
        return value

    return parse


def command(args: argparse.Namespace) -> int:
    """Run ``pyfactory generate`` with parsed arguments; the exit code."""
    try:
        return _command(args)
    except UsageProblem as problem:
        print(f"pyfactory generate: error: {problem}", file=sys.stderr)
        return 2
    except FactoryError as error:
        print(f"pyfactory generate: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pyfactory generate: interrupted", file=sys.stderr)
        return INTERRUPTED


def _command(args: argparse.Namespace) -> int:
    factory, schema = _factory(args.target)
    # Imported here: `pyfactory check` and `seed` need none of it.
    from pyfactory.dataset import generate
    from pyfactory.errors import UnknownSchemaError, UsageError

    if args.dry_run is not None:
        count = min(args.dry_run, args.count)
        try:
            rows = generate(factory, schema, count=count, seed=args.seed, start=args.start)
        except (UsageError, UnknownSchemaError) as error:
            raise UsageProblem(str(error)) from None
        for row in rows:
            print(json.dumps(row, default=str, ensure_ascii=False))
        return 0
    if args.out is None:
        raise UsageProblem("name the file to write with --out PATH, or use --dry-run")
    return _write(factory, schema, args)


def _write(factory: Any, schema: str | None, args: argparse.Namespace) -> int:
    from pyfactory.dataset import write
    from pyfactory.errors import UnknownSchemaError, UsageError

    shown = _shown(args.out)
    wanted = sys.stderr.isatty() if args.progress is None else args.progress
    bar = _bar(f"{_label(factory, schema)} → {shown}", args.count) if wanted else None
    try:
        written = write(
            factory,
            schema,
            count=args.count,
            seed=args.seed,
            start=args.start,
            to=args.out,
            workers=args.workers,
            format=args.format,
            progress=bar,
        )
    except (UsageError, UnknownSchemaError) as error:
        raise UsageProblem(str(error)) from None
    finally:
        if bar is not None:
            bar.close()
    print(f"pyfactory generate: {written:,} rows of {_label(factory, schema)} to {shown}")
    return 0


def _shown(out: str) -> str:
    """``--out`` as messages show it: a URL without its password."""
    if "://" not in out:
        return out
    from pyfactory.dataset._database import shown

    return shown(out)


class _Plain:
    """Progress as plain lines on standard error, for a terminal without rich: one at
    each tenth of the rows, not one per chunk."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.shown = label, total, 0

    def __call__(self, done: int) -> None:
        if done * 10 // max(self.total, 1) > self.shown * 10 // max(self.total, 1) or (
            done == self.total
        ):
            self.shown = done
            print(f"{self.label}: {done:,}/{self.total:,} rows", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _Rich:
    """rich's progress bar on standard error (the ``cli`` extra)."""

    def __init__(self, label: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.progress.start()
        self.task = self.progress.add_task(label, total=total)

    def __call__(self, done: int) -> None:
        self.progress.update(self.task, completed=done)

    def close(self) -> None:
        self.progress.stop()


def _bar(label: str, total: int) -> _Plain | _Rich:
    try:
        import rich  # noqa: F401
    except ImportError:
        return _Plain(label, total)
    return _Rich(label, total)


def _label(factory: Any, schema: str | None) -> str:
    return f"{factory.__name__}.{schema or factory._default_schema}"


def _factory(target: str) -> tuple[Any, str | None]:
    """The factory class and schema that ``MODULE:Factory[.schema]`` names."""
    from pyfactory import Factory

    found = _TARGET.match(target)
    if found is None:
        raise UsageProblem(
            f"name the factory as MODULE:Factory or MODULE:Factory.schema, got {target!r}"
        )
    try:
        module = import_target(found["module"])
    except NotFound as error:
        raise UsageProblem(str(error)) from None
    factory = getattr(module, found["factory"], None)
    if not (isinstance(factory, type) and issubclass(factory, Factory)):
        what = "nothing" if factory is None else repr(factory)
        raise UsageProblem(f"{found['module']}:{found['factory']} is {what}, not a Factory class")
    return factory, found["schema"]
