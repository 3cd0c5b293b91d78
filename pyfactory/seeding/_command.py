"""``pyfactory seed``: the command line's seeding subcommand (see :mod:`pyfactory.cli`).

Kept apart from :mod:`pyfactory.cli` so that ``pyfactory check`` never imports
SQLAlchemy. Bad input (a module that does not import, a name that is no seed, a URL
that cannot be reached) is one line on standard error and exit code 2, with the
traceback only under ``--debug``; a seed that fails is the summary, one line, and
exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from pyfactory.errors import FactoryError
from pyfactory.seeding._seed import Seed, order_seeds
from pyfactory.seeding._summary import SeedSummary
from pyfactory.seeding.errors import SeedFailedError, _first_line

__all__ = ["DEFAULT_URL", "add_parser", "command"]

#: Where ``pyfactory seed`` writes without ``--url``: a SQLite file in the current
#: directory.
DEFAULT_URL = "sqlite:///pyfactory.sqlite3"

# MODULE:NAME[,NAME]: the names after the last colon (a drive letter is no name list).
_NAMES = re.compile(r"^(?P<module>.+?):(?P<names>[A-Za-z_]\w*(?:,[A-Za-z_]\w*)*)$")


class UsageProblem(Exception):
    """Bad input: printed as one line, exit code 2."""


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``seed`` to the subcommands of the ``pyfactory`` parser."""
    seeding = commands.add_parser(
        "seed",
        help="run the seeds of a module against a database",
        description=(
            "Import the modules and run their seeds (pyfactory.seeding.Seed subclasses) "
            "in dependency order, each in a transaction of its own; print what each "
            "did. Exit codes: 0 done, 1 a seed failed (its rows rolled back, the "
            "seeds before it kept), 2 bad usage."
        ),
    )
    seeding.add_argument(
        "targets",
        nargs="+",
        metavar="MODULE[:NAME]",
        help="a dotted module (myapp.seeds), a .py file or a package directory; "
        ":NAME[,NAME] picks seeds of it (default: all the seeds it defines)",
    )
    seeding.add_argument(
        "--url",
        default=DEFAULT_URL,
        help="the SQLAlchemy database URL; an async driver (sqlite+aiosqlite, "
        f"postgresql+asyncpg) runs the seeds async (default: {DEFAULT_URL}, a file in "
        "the current directory)",
    )
    seeding.add_argument(
        "--create-tables",
        action="store_true",
        help="first create the missing tables of the SQLAlchemy metadata that the "
        "modules define or import",
    )
    seeding.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME[,NAME]",
        help="run only these seeds, and what they depend on (repeatable)",
    )
    seeding.add_argument(
        "--dry-run",
        action="store_true",
        help="show the order and which seeds would run (their should_run), write nothing",
    )
    seeding.add_argument(
        "--scale",
        type=_scale,
        default=1,
        metavar="K",
        help="multiply the counts that seeds ask for with ctx.fill() or ctx.scaled(), "
        "for load data (default: 1)",
    )
    seeding.add_argument(
        "--settings",
        metavar="MODULE:NAME",
        help="an object the seeds read as ctx.settings (default: none)",
    )
    seeding.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on standard error (default: when it is a terminal)",
    )
    seeding.add_argument(
        "--chunk-size",
        type=_positive,
        default=None,
        metavar="N",
        help="rows per insert_batch call of ctx.fill() (default: 10000)",
    )
    seeding.add_argument("--debug", action="store_true", help="show the traceback of an error")
    return seeding  # type: ignore[no-any-return]


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0: {text!r}")
    return int(value) if value.is_integer() else value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an int: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


# --------------------------------------------------------------------- finding seeds


def _own(module: ModuleType, value: object) -> bool:
    """Whether ``value`` was defined in ``module`` or, for a package, in one of its
    modules."""
    where = getattr(value, "__module__", "") or ""
    return where == module.__name__ or where.startswith(f"{module.__name__}.")


def seeds_of(module: ModuleType) -> list[type[Seed]]:
    """The seeds that ``module`` (or its package's modules) defines, in order."""
    found: list[type[Seed]] = []
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Seed)
            and not value._abstract
            and _own(module, value)
            and value not in found
        ):
            found.append(value)
    return found


def _pick(module: ModuleType, target: str, names: list[str]) -> list[type[Seed]]:
    available = seeds_of(module)
    if not names:
        if not available:
            raise UsageProblem(f"no seed found in {target}")
        return available
    by_name = {seed.__name__: seed for seed in available}
    picked = []
    for name in names:
        value = getattr(module, name, None)
        if isinstance(value, type) and issubclass(value, Seed) and not value._abstract:
            picked.append(value)
        elif name in by_name:
            picked.append(by_name[name])
        else:
            have = ", ".join(by_name) or "none"
            raise UsageProblem(f"{target} has no seed {name!r}; its seeds are: {have}")
    return picked


def _load(importer: Callable[[str], ModuleType], target: str, debug: bool) -> ModuleType:
    from pyfactory.cli import _NotFound

    try:
        return importer(target)
    except _NotFound as error:
        if debug:
            traceback.print_exc()
        raise UsageProblem(str(error)) from None
    except Exception as error:
        if debug:
            traceback.print_exc()
        raise UsageProblem(
            f"cannot import {target}: {type(error).__name__}: {_first_line(error)}"
        ) from None


#: The extra that installs each database driver the URLs may name.
_EXTRAS = {"psycopg": "postgres", "asyncpg": "postgres", "aiosqlite": "asyncio"}


def _metadata(modules: Iterable[ModuleType]) -> list[Any]:
    """The SQLAlchemy ``MetaData`` that the modules (and their packages' modules)
    define or import, as a ``MetaData`` or a declarative class's ``metadata``."""
    from sqlalchemy import MetaData

    found: list[MetaData] = []
    for module in modules:
        prefix = f"{module.__name__}."
        for name, loaded in list(sys.modules.items()):
            if loaded is None or not (name == module.__name__ or name.startswith(prefix)):
                continue
            for value in list(vars(loaded).values()):
                if isinstance(value, MetaData):
                    metadata: Any = value
                elif isinstance(value, type):
                    metadata = getattr(value, "metadata", None)
                else:
                    continue
                if isinstance(metadata, MetaData) and metadata not in found:
                    found.append(metadata)
    return found


# --------------------------------------------------------------------- running


def _engine(url: str, debug: bool) -> Any:
    """An engine for ``url`` (async for an async driver), connected once to check it."""
    from pyfactory.seeding._runner import engine_for

    try:
        return engine_for(url)
    except Exception as error:
        if debug:
            traceback.print_exc()
        hint = ""
        missing = getattr(error, "name", None) if isinstance(error, ImportError) else None
        extra = _EXTRAS.get((missing or "").split(".")[0])
        if extra is not None:
            hint = f" (pip install 'pyfactory-schema[{extra}]')"
        raise UsageProblem(
            f"cannot use the URL {url!r}: {type(error).__name__}: {_first_line(error)}{hint}"
        ) from None


def _unreachable(engine: Any, error: Exception, debug: bool) -> UsageProblem:
    from pyfactory.seeding._runner import _shown

    if debug:
        traceback.print_exc()
    return UsageProblem(
        f"cannot connect to {_shown(engine.url)}: {type(error).__name__}: "
        f"{_first_line(getattr(error, 'orig', None) or error)}"
    )


def _sync(
    engine: Any, seeds: list[type[Seed]], metadata: list[Any], options: dict[str, Any], debug: bool
) -> SeedSummary:
    from pyfactory.seeding._runner import run_seeds

    try:
        with engine.connect():
            pass
    except Exception as error:
        raise _unreachable(engine, error, debug) from None
    for one in metadata:  # none without --create-tables
        one.create_all(engine)
    return run_seeds(seeds, engine, **options)


async def _async(
    engine: Any, seeds: list[type[Seed]], metadata: list[Any], options: dict[str, Any], debug: bool
) -> SeedSummary:
    from pyfactory.seeding._runner import arun_seeds

    try:
        try:
            async with engine.connect():
                pass
        except Exception as error:
            raise _unreachable(engine, error, debug) from None
        if metadata:
            async with engine.begin() as connection:
                for one in metadata:
                    await connection.run_sync(one.create_all)
        return await arun_seeds(seeds, engine, **options)
    finally:
        await engine.dispose()


def command(args: argparse.Namespace, importer: Callable[[str], ModuleType]) -> int:
    """Run ``pyfactory seed`` with parsed arguments; the exit code."""
    try:
        return _command(args, importer)
    except UsageProblem as problem:
        print(f"pyfactory seed: error: {problem}", file=sys.stderr)
        return 2


def _targets(
    args: argparse.Namespace, importer: Callable[[str], ModuleType]
) -> tuple[list[type[Seed]], list[ModuleType]]:
    """The seeds that the targets name, and the modules they come from."""
    seeds: list[type[Seed]] = []
    modules: list[ModuleType] = []
    for target in args.targets:
        matched = _NAMES.match(target)
        module_name, names = (
            (matched["module"], matched["names"].split(",")) if matched else (target, [])
        )
        module = _load(importer, module_name, args.debug)
        modules.append(module)
        seeds.extend(s for s in _pick(module, target, names) if s not in seeds)
    return seeds, modules


def _settings(args: argparse.Namespace, importer: Callable[[str], ModuleType]) -> Any:
    """The object that ``--settings MODULE:NAME`` names, or None."""
    if not args.settings:
        return None
    module_name, _, attribute = args.settings.rpartition(":")
    if not module_name or not attribute:
        raise UsageProblem(f"--settings is MODULE:NAME, not {args.settings!r}")
    holder = _load(importer, module_name, args.debug)
    if not hasattr(holder, attribute):
        raise UsageProblem(f"--settings: {module_name} has no {attribute!r}")
    return getattr(holder, attribute)


def _command(args: argparse.Namespace, importer: Callable[[str], ModuleType]) -> int:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        raise UsageProblem(
            "pyfactory seed needs SQLAlchemy 2: pip install 'pyfactory-schema[sqlalchemy]'"
        ) from None
    seeds, modules = _targets(args, importer)
    only = [name for item in args.only for name in item.split(",") if name]
    try:
        ordered = order_seeds(seeds, only=only)  # every problem of the seeds, before connecting
    except FactoryError as error:
        if args.debug:
            traceback.print_exc()
        raise UsageProblem(str(error)) from None
    settings = _settings(args, importer)
    if args.create_tables:
        # The seeds' own modules too: a module may import its seeds from another.
        modules.extend(sys.modules[s.__module__] for s in ordered if s.__module__ in sys.modules)
    metadata = _metadata(dict.fromkeys(modules)) if args.create_tables else []
    if args.create_tables and not metadata:
        raise UsageProblem(
            f"--create-tables: no SQLAlchemy metadata found in {', '.join(args.targets)} "
            "(define or import the declarative base or the models there)"
        )
    options: dict[str, Any] = {
        "settings": settings,
        "only": only,
        "scale": args.scale,
        "dry_run": args.dry_run,
        "progress": sys.stderr.isatty() if args.progress is None else args.progress,
    }
    if args.chunk_size is not None:
        options["chunk_size"] = args.chunk_size
    engine = _engine(args.url, args.debug)
    try:
        if hasattr(engine, "sync_engine"):
            summary = asyncio.run(_async(engine, seeds, metadata, options, args.debug))
        else:
            try:
                summary = _sync(engine, seeds, metadata, options, args.debug)
            finally:
                engine.dispose()
    except SeedFailedError as error:
        print(error.summary)
        if args.debug and error.__cause__ is not None:
            traceback.print_exception(
                type(error.__cause__), error.__cause__, error.__cause__.__traceback__
            )
        print(f"pyfactory seed: {error}", file=sys.stderr)
        return 1
    print(summary)
    return 0
