"""``pyfactory seed``: the command line's seeding subcommand (see :mod:`pyfactory.cli`).

Part of the command-line layer, above :mod:`pyfactory.seeding`, whose runner it
drives; it finds modules with :mod:`pyfactory.cli._modules`, as ``pyfactory check``
does, and imports SQLAlchemy only when it runs, so that ``pyfactory check`` never
does. Bad input (a module that does not import, a name that is no seed, a URL
that cannot be reached) is one line on standard error and exit code 2, with the
traceback only under ``--debug``; a seed that fails is the summary, one line, and
exit code 1; Ctrl-C is one line and exit code 130; giving up on ``--lock`` after
``--lock-timeout`` is one line and exit code 75. Nothing it prints shows the
password of the URL (:class:`_Output`).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from pyfactory._drive import Body, adrive, drive
from pyfactory._secrets import Scrubber, shown_url
from pyfactory.cli._modules import NotFound, import_target
from pyfactory.errors import AsyncModeError, FactoryError
from pyfactory.seeding._context import scale_problem
from pyfactory.seeding._lock import DEFAULT_LOCK, SeedLock, name_problem
from pyfactory.seeding._runner import Run, arun_with, engine_for, run_with
from pyfactory.seeding._seed import Seed, order_seeds
from pyfactory.seeding._summary import SeedSummary
from pyfactory.seeding.errors import (
    SeedFailedError,
    SeedLockError,
    SeedLockTimeoutError,
    _first_line,
    _rows,
)

__all__ = ["DEFAULT_URL", "add_parser", "command"]

T = TypeVar("T")

#: Where ``pyfactory seed`` writes without ``--url``: a SQLite file in the current
#: directory.
DEFAULT_URL = "sqlite:///pyfactory.sqlite3"

# MODULE:NAME[,NAME]: the names after the last colon (a drive letter is no name list).
_NAMES = re.compile(r"^(?P<module>.+?):(?P<names>[A-Za-z_]\w*(?:,[A-Za-z_]\w*)*)$")


#: The exit code of ``pyfactory seed`` stopped by Ctrl-C, as a shell gives it: 128 + SIGINT.
INTERRUPTED = 130

#: The exit code of ``pyfactory seed --lock`` that gave up waiting (``--lock-timeout``):
#: EX_TEMPFAIL of sysexits.h, a failure that may go away when tried again.
LOCK_TIMED_OUT = 75


class UsageProblem(Exception):
    """Bad input: printed as one line, exit code 2."""


# --------------------------------------------------------------------- what it prints


class _Output:
    """Everything ``pyfactory seed`` prints goes through here, with the password of the
    URL taken out: error lines, the summary, and the tracebacks of ``--debug``
    (driver errors may echo the URL or its connection string)."""

    def __init__(self, url: str, debug: bool) -> None:
        self.debug = debug
        #: The seeds' run once it has started, for the line that an interrupt prints.
        self.run: Run | None = None
        self.scrub = Scrubber(url).scrub

    def out(self, text: str) -> None:
        print(self.scrub(text))

    def err(self, text: str) -> None:
        print(self.scrub(text), file=sys.stderr)

    def traceback(self, error: BaseException) -> None:
        """The traceback of ``error`` and of its causes, under ``--debug``."""
        if self.debug:
            sys.stderr.write(self.scrub("".join(traceback.format_exception(error))))

    def shown(self, url: str) -> str:
        """``url`` without its password, as SQLAlchemy renders it when it can read it."""
        try:
            return self.scrub(shown_url(url))
        except Exception:  # an unreadable URL is shown scrubbed as written
            return self.scrub(url)


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``seed`` to the subcommands of the ``pyfactory`` parser."""
    seeding = commands.add_parser(
        "seed",
        help="run the seeds of a module against a database",
        description=(
            "Import the modules and run their seeds (pyfactory.seeding.Seed subclasses) "
            "in dependency order, each in a transaction of its own; print what each "
            "did. Exit codes: 0 done, 1 a seed failed (its rows rolled back, the "
            "seeds before it kept), 2 bad usage, 75 gave up waiting for --lock, 130 "
            "interrupted (Ctrl-C)."
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
        "for load data; above 0, and no count may come to more than 1,000,000,000 rows "
        "(default: 1)",
    )
    seeding.add_argument(
        "--settings",
        metavar="MODULE:NAME",
        help="an object the seeds read as ctx.settings; a function or class that takes "
        "no arguments (a get_settings() getter) is called, and the seeds get what it "
        "returns (default: none)",
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
    seeding.add_argument(
        "--workers",
        type=int,
        choices=(0, 1),
        default=0,
        metavar="N",
        help="1: ctx.fill() makes and binds its rows in a worker process while this one "
        "writes them, where the factory's fields allow (default: 0, made here)",
    )
    seeding.add_argument(
        "--lock",
        action="store_true",
        help="hold a lock on the database for the whole run (a PostgreSQL advisory lock, "
        "or a file next to a SQLite database), so that processes that seed it at once "
        "run one after the other: the next one waits, then its should_run finds the rows",
    )
    seeding.add_argument(
        "--lock-name",
        type=_lock_name,
        metavar="NAME",
        help=f"the lock's name, for seedings that need not wait for each other "
        f"(default: {DEFAULT_LOCK})",
    )
    seeding.add_argument(
        "--lock-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="give up waiting for the lock after this long: exit code 75, nothing run "
        "(default: wait as long as it takes)",
    )
    seeding.add_argument("--debug", action="store_true", help="show the traceback of an error")
    return seeding  # type: ignore[no-any-return]


def _scale(text: str) -> float:
    """A number; whether it is a scale is the runner's rule, checked in :func:`_command`
    to print one line."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _lock_name(text: str) -> str:
    problem = name_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds: {text!r}")
    return value


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


def _load(target: str, output: _Output) -> ModuleType:
    try:
        return import_target(target)
    except NotFound as error:
        output.traceback(error)
        raise UsageProblem(str(error)) from None
    except Exception as error:
        output.traceback(error)
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


def _engine(url: str, output: _Output) -> Any:
    """An engine for ``url`` (async for an async driver)."""
    try:
        return engine_for(url)
    except Exception as error:
        output.traceback(error)
        hint = ""
        missing = getattr(error, "name", None) if isinstance(error, ImportError) else None
        extra = _EXTRAS.get((missing or "").split(".")[0])
        if extra is not None:
            hint = f" (pip install 'pyfactory-schema[{extra}]')"
        raise UsageProblem(
            f"cannot use the URL {output.shown(url)!r}: {type(error).__name__}: "
            f"{_first_line(error)}{hint}"
        ) from None


def _unreachable(engine: Any, error: Exception, output: _Output) -> UsageProblem:
    output.traceback(error)
    return UsageProblem(
        f"cannot connect to {shown_url(engine.url)}: {type(error).__name__}: "
        f"{_first_line(getattr(error, 'orig', None) or error)}"
    )


def _sqlite_file(url: Any) -> Path | None:
    """The file of a SQLite URL, or None (another database, memory, a URI filename)."""
    if url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return None
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return None
    return Path(url.database)


def _without_file(engine: Any, metadata: list[Any], dry_run: bool) -> UsageProblem | None:
    """Before connecting without --create-tables: a SQLite file that is not there has no
    tables, and connecting would leave an empty one behind."""
    path = _sqlite_file(engine.url)
    if path is None or path.exists() or not path.parent.is_dir():
        return None  # a missing directory: connecting fails and says so
    if metadata:
        return UsageProblem(
            f"the database file {path} does not exist: add --create-tables to create it "
            "with the tables of the seeds' models"
        )
    if dry_run:
        return UsageProblem(
            f"the database file {path} does not exist, and a dry run does not create it"
        )
    return None


def _absent(connection: Any, metadata: list[Any]) -> list[str]:
    """The tables of the metadata that the database does not have."""
    from sqlalchemy import inspect as inspect_db

    inspector = inspect_db(connection)
    return [
        table.fullname
        for one in metadata
        for table in one.sorted_tables
        if not inspector.has_table(table.name, schema=table.schema)
    ]


def _no_tables(engine: Any, metadata: list[Any], absent: list[str]) -> UsageProblem | None:
    """Without --create-tables, a database that has none of the models' tables: every
    seed would fail on them."""
    every = sum(len(one.tables) for one in metadata)
    if not absent or len(absent) < every:
        return None
    names = ", ".join(sorted(absent)[:5]) + (
        f" and {len(absent) - 5} more" if len(absent) > 5 else ""
    )
    return UsageProblem(
        f"the database {shown_url(engine.url)} has none of the tables of the seeds' models "
        f"({names}): add --create-tables to create them"
    )


def _prepare(
    engine: Any, metadata: list[Any], create: bool, lock: SeedLock | None, output: _Output
) -> Body[None]:
    """Connect, take the lock (``--lock``), then create the missing tables of the seeds'
    models (``--create-tables``) or check that the database has some: the one body of
    :func:`_sync` and :func:`_async` (see :mod:`pyfactory._drive`).

    The lock is taken here, not by the runner, so that it covers creating the tables
    too: two processes that create them at once clash as their seeds would. The runner
    finds it held, and :func:`_sync` and :func:`_async` release it at the end."""
    try:
        connection = yield engine.connect()
    except Exception as error:
        raise _unreachable(engine, error, output) from None
    try:
        if lock is not None:
            yield from lock.acquire(engine)
        if create:
            try:
                yield _on(connection, _create, metadata)
            except Exception as error:
                output.traceback(error)
                raise UsageProblem(
                    f"--create-tables: cannot create the tables: {type(error).__name__}: "
                    f"{_first_line(getattr(error, 'orig', None) or error)}"
                ) from None
        else:
            absent = yield _on(connection, _absent, metadata)
            problem = _no_tables(engine, metadata, absent)
            if problem is not None:
                raise problem
    finally:
        yield connection.close()


def _on(connection: Any, work: Callable[..., T], *args: Any) -> T | Awaitable[T]:
    """``work(connection, *args)`` on a synchronous connection; on an async one, an
    awaitable of it, run on its synchronous connection by ``run_sync``."""
    if hasattr(connection, "run_sync"):
        return connection.run_sync(work, *args)  # type: ignore[no-any-return]
    return work(connection, *args)


def _create(connection: Any, metadata: list[Any]) -> None:
    """Create the missing tables of the metadata, all in one transaction."""
    for one in metadata:
        one.create_all(connection)
    connection.commit()


def _released(state: Run) -> Body[None]:
    """Release the lock that :func:`_prepare` took, if any."""
    if state.lock is not None:
        yield from state.lock.release()


def _sync(
    engine: Any, state: Run, metadata: list[Any], create: bool, output: _Output
) -> SeedSummary:
    try:
        drive(_prepare(engine, metadata, create, state.lock, output))
        return run_with(state, engine)
    finally:
        drive(_released(state))
        engine.dispose()


async def _async(
    engine: Any, state: Run, metadata: list[Any], create: bool, output: _Output
) -> SeedSummary:
    try:
        await adrive(_prepare(engine, metadata, create, state.lock, output))
        return await arun_with(state, engine)
    finally:
        await adrive(_released(state))
        await engine.dispose()


def command(args: argparse.Namespace) -> int:
    """Run ``pyfactory seed`` with parsed arguments; the exit code."""
    output = _Output(args.url, args.debug)
    try:
        return _command(args, output)
    except UsageProblem as problem:
        output.err(f"pyfactory seed: error: {problem}")
        return 2
    except KeyboardInterrupt:
        output.err(f"pyfactory seed: {_interrupted(output.run)}")
        return INTERRUPTED


def _interrupted(run: Run | None) -> str:
    """The line of Ctrl-C: the seed it stopped, rolled back, and those that finished."""
    if run is None or not (run.results or run.interrupted):
        return "interrupted before any seed ran"
    finished = [r.name if r.status == "ran" else f"{r.name} ({r.status})" for r in run.results]
    if run.interrupted is None:
        return f"interrupted between seeds; finished: {', '.join(finished)}"
    name, committed = run.interrupted
    stopped = f"{name} was rolled back"
    if committed:
        stopped += f", but for the {_rows(committed)} it had committed, which stay"
    before = (
        f"finished before it: {', '.join(finished)}" if finished else "no seed finished before it"
    )
    return f"interrupted: {stopped}; {before}"


def _targets(
    args: argparse.Namespace, output: _Output
) -> tuple[list[type[Seed]], list[ModuleType]]:
    """The seeds that the targets name, and the modules they come from."""
    seeds: list[type[Seed]] = []
    modules: list[ModuleType] = []
    for target in args.targets:
        matched = _NAMES.match(target)
        module_name, names = (
            (matched["module"], matched["names"].split(",")) if matched else (target, [])
        )
        module = _load(module_name, output)
        modules.append(module)
        seeds.extend(s for s in _pick(module, target, names) if s not in seeds)
    return seeds, modules


def _takes_no_arguments(value: Any) -> bool:
    """Whether ``value`` is a function or class that can be called with no arguments."""
    if not callable(value):
        return False
    try:
        inspect.signature(value).bind()
    except (TypeError, ValueError):  # it needs arguments, or its signature is unknown
        return False
    return True


def _settings(args: argparse.Namespace, output: _Output) -> Any:
    """The object that ``--settings MODULE:NAME`` names, or None; a function or class
    called with no arguments, what it returns (FastAPI's ``get_settings()``)."""
    if not args.settings:
        return None
    module_name, _, attribute = args.settings.rpartition(":")
    if not module_name or not attribute:
        raise UsageProblem(f"--settings is MODULE:NAME, not {args.settings!r}")
    holder = _load(module_name, output)
    if not hasattr(holder, attribute):
        raise UsageProblem(f"--settings: {module_name} has no {attribute!r}")
    value = getattr(holder, attribute)
    if not _takes_no_arguments(value):
        return value
    try:
        return value()
    except Exception as error:
        output.traceback(error)
        raise UsageProblem(
            f"--settings: {args.settings}() raised {type(error).__name__}: {_first_line(error)}"
        ) from None


def _options(args: argparse.Namespace, settings: Any, only: list[str]) -> dict[str, Any]:
    """The runner's options; ``--lock-name`` and ``--lock-timeout`` mean nothing
    without ``--lock``."""
    options: dict[str, Any] = {
        "settings": settings,
        "only": only,
        "scale": args.scale,
        "dry_run": args.dry_run,
        "progress": sys.stderr.isatty() if args.progress is None else args.progress,
    }
    if args.chunk_size is not None:
        options["chunk_size"] = args.chunk_size
    if args.workers:
        options["workers"] = args.workers
    if args.lock:
        options.update(lock=args.lock_name or True, lock_timeout=args.lock_timeout)
    elif args.lock_name is not None or args.lock_timeout is not None:
        given = "--lock-name" if args.lock_name is not None else "--lock-timeout"
        raise UsageProblem(f"{given} is for --lock, which is not given")
    return options


def _run(seeds: list[type[Seed]], options: dict[str, Any], engine: Any, output: _Output) -> Run:
    """The run, which says on standard error when it waits for ``--lock``; async seeds
    on a synchronous URL are refused before connecting, as nothing is made for them."""
    state = Run(seeds, **options)
    if state.lock is not None:
        state.lock.waiting = lambda line: output.err(f"pyfactory seed: {line}")
    try:
        state.refuse_async(engine)
    except AsyncModeError as error:
        output.traceback(error)
        raise UsageProblem(str(error)) from None
    return state


def _command(args: argparse.Namespace, output: _Output) -> int:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        raise UsageProblem(
            "pyfactory seed needs SQLAlchemy 2: pip install 'pyfactory-schema[sqlalchemy]'"
        ) from None

    problem = scale_problem(args.scale)
    if problem is not None:
        raise UsageProblem(f"--scale is {problem}")
    seeds, modules = _targets(args, output)
    only = [name for item in args.only for name in item.split(",") if name]
    try:
        ordered = order_seeds(seeds, only=only)  # every problem of the seeds, before connecting
    except FactoryError as error:
        output.traceback(error)
        raise UsageProblem(str(error)) from None
    settings = _settings(args, output)
    # The seeds' own modules too: a module may import its seeds from another.
    modules.extend(sys.modules[s.__module__] for s in ordered if s.__module__ in sys.modules)
    metadata = _metadata(dict.fromkeys(modules))
    if args.create_tables and not metadata:
        raise UsageProblem(
            f"--create-tables: no SQLAlchemy metadata found in {', '.join(args.targets)} "
            "(define or import the declarative base or the models there)"
        )
    options = _options(args, settings, only)
    engine = _engine(args.url, output)
    output.run = state = _run(seeds, options, engine, output)
    if not args.create_tables:
        missing = _without_file(engine, metadata, args.dry_run)
        if missing is not None:
            raise missing
    try:
        if hasattr(engine, "sync_engine"):
            summary = asyncio.run(_async(engine, state, metadata, args.create_tables, output))
        else:
            summary = _sync(engine, state, metadata, args.create_tables, output)
    except SeedLockTimeoutError as error:
        output.traceback(error)
        output.err(f"pyfactory seed: {error}")
        return LOCK_TIMED_OUT
    except SeedLockError as error:
        output.traceback(error)
        raise UsageProblem(str(error)) from None
    except SeedFailedError as error:
        output.out(str(error.summary))
        if error.__cause__ is not None:
            output.traceback(error.__cause__)
        output.err(f"pyfactory seed: {error}")
        return 1
    output.out(str(summary))
    return 0
