"""``pyfactory check``: the command line's checking subcommand (see :mod:`pyfactory.cli`).

Part of the command-line layer. It finds modules with :mod:`pyfactory.cli._modules`,
as ``pyfactory seed`` does, and runs :func:`pyfactory.check` on the factories they
define. Before importing them it sets Django up when there are settings to read
(``--settings``, or ``DJANGO_SETTINGS_MODULE``): a module of Django models cannot
be imported before ``django.setup()``.

``--create`` creates each object rather than building it, in a transaction rolled
back: through a SQLAlchemy session on ``--url`` (opened, and its tables made, by
the code of ``pyfactory seed``, whose error lines and password scrubbing it shares),
or through Django's ``using`` alias (``--database``). SQLAlchemy is imported only
then.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from pyfactory import CheckFailure, Factory, acheck, check
from pyfactory._check import skip_reason
from pyfactory.cli._modules import NotFound, add_modules_argument, modules_of

__all__ = ["add_parser", "command", "summary"]


def summary(
    factories: Sequence[type[Factory[Any]]],
    failures: Sequence[CheckFailure],
    scope: str = "build",
) -> list[str]:
    """The lines that report a check: one per failure, one per factory left out
    (``_check_skip``) with its reason, then a count of the calls."""
    skipped = [(f, reason) for f in factories if (reason := skip_reason(f)) is not None]
    checked = [f for f in factories if skip_reason(f) is None]
    calls = sum(len(f.schemas()) * (1 + len(f.traits())) for f in checked)
    count = f"{len(checked)} {'factory' if len(checked) == 1 else 'factories'}"
    made = f"{calls} {scope}{'' if calls == 1 else 's'} of {count}"
    lines = [str(failure) for failure in failures]
    lines += [f"{f.__qualname__} skipped: {reason}" for f, reason in skipped]
    tail = f", {len(skipped)} skipped" if skipped else ""
    if failures:
        lines.append(f"pyfactory check: {len(failures)} of {made} failed{tail}")
    else:
        lines.append(f"pyfactory check: {made} passed{tail}")
    return lines


def _factories(module: ModuleType) -> list[type[Factory[Any]]]:
    """The non-abstract factories defined at the top level of ``module``, in order."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Factory)
        and not value._abstract
        and value.__module__ == module.__name__
    ]


class _Problem(Exception):
    """Bad input found after parsing: one line on standard error, exit code 2."""


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``check`` to the subcommands of the ``pyfactory`` parser."""
    checking = commands.add_parser(
        "check",
        help="build (or create) every factory's schemas and traits, and list those that fail",
        description=(
            "Import the modules (a package: every module in it) and build, with no "
            "database, each schema of every factory they define, alone and then with "
            "each of its traits; with --create, create each in a transaction that is "
            "rolled back. Prints each call that fails, with the path to where it "
            "failed; exits with 1 if any does, 0 otherwise."
        ),
    )
    add_modules_argument(checking, "tests/factories.py")
    checking.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the seed of every factory made, so a failure replays (default: 0)",
    )
    checking.add_argument(
        "--create",
        action="store_true",
        help="create each object in the database, in a transaction rolled back, so that "
        "its constraints are checked too (factory_bot's lint)",
    )
    checking.add_argument(
        "--url",
        help="with --create: the SQLAlchemy database URL that the factories' session "
        "writes to (synchronous drivers only); its tables must exist",
    )
    checking.add_argument(
        "--create-tables",
        action="store_true",
        help="with --url: first create the missing tables of the SQLAlchemy metadata "
        "that the modules define or import (they are kept, as pyfactory seed keeps them)",
    )
    checking.add_argument(
        "--settings",
        metavar="MODULE",
        help="the Django settings module (default: $DJANGO_SETTINGS_MODULE): Django is "
        "set up before the modules are imported",
    )
    checking.add_argument(
        "--database",
        metavar="ALIAS",
        help="with --create: the Django database alias the factories write to, given as "
        "their context's using (default: Django's default)",
    )
    return checking  # type: ignore[no-any-return]


def command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run ``pyfactory check`` with parsed arguments; the exit code."""
    if not args.create:
        for given, name in ((args.url, "--url"), (args.database, "--database")):
            if given is not None:
                parser.error(f"{name} is for --create")
    if args.create_tables and args.url is None:
        parser.error("--create-tables needs --url")
    try:
        _django(args.settings)
    except _Problem as problem:
        print(f"pyfactory check: error: {problem}", file=sys.stderr)
        return 2
    factories: list[type[Factory[Any]]] = []
    modules: list[ModuleType] = []
    for target in args.modules:
        try:
            found = modules_of(target)
        except NotFound as error:
            parser.error(str(error))
        except Exception as error:
            # A module that raises while it is imported is broken too: show where.
            traceback.print_exc()
            print(
                f"pyfactory check: importing {target} raised {type(error).__name__}",
                file=sys.stderr,
            )
            return 1
        modules.extend(found)
        for module in found:
            factories.extend(f for f in _factories(module) if f not in factories)
    if not factories:
        parser.error(f"no factory found in {', '.join(args.modules)}")
    if not args.create:
        failures = check(*factories, seed=args.seed)
        return _report(summary(factories, failures), failures)
    context: dict[str, Any] = {} if args.database is None else {"using": args.database}
    needing = [f.__qualname__ for f in factories if "session" in f._pf_builder.context_keys]
    if args.url is None:
        if needing:
            parser.error(
                f"--create: {', '.join(needing)} write through a SQLAlchemy session: "
                "give the database's --url"
            )
        failures = check(*factories, seed=args.seed, create=True, **context)
        return _report(summary(factories, failures, "create"), failures)
    return _create_on(args, factories, modules, context)


def _awaited(factories: list[type[Factory[Any]]]) -> list[type[Factory[Any]]]:
    """The factories whose builder writes only through ``acreate``
    (``AsyncSQLAlchemyBuilder``): :func:`~pyfactory.acheck` checks them."""
    return [f for f in factories if f._pf_builder.async_only]


#: The asyncio driver of the same database, for the factories that write only through
#: an AsyncSession: psycopg 3 is both; SQLite's is aiosqlite.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
}


def _acreate_on(
    url: str, factories: list[type[Factory[Any]]], seed: int, context: dict[str, Any]
) -> list[CheckFailure]:
    """:func:`~pyfactory.acheck` of ``factories`` through an ``AsyncSession`` on the
    asyncio driver of ``url``'s database, on a connection whose transaction is rolled
    back at the end, in an event loop of its own."""
    from sqlalchemy import make_url
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from pyfactory.cli import _seed

    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        names = ", ".join(f.__qualname__ for f in factories)
        raise _seed.UsageProblem(
            f"the factories that write only through an AsyncSession ({names}) need an "
            f"asyncio driver, and pyfactory knows none for {parsed.drivername!r} (it knows "
            f"{', '.join(sorted(_ASYNC_DRIVERS))})"
        )

    async def run() -> list[CheckFailure]:
        engine = create_async_engine(parsed.set(drivername=driver))
        try:
            async with engine.connect() as connection:
                outer = await connection.begin()
                session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
                try:
                    return await acheck(*factories, seed=seed, session=session, **context)
                finally:
                    await session.close()
                    await outer.rollback()
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _report(lines: list[str], failures: list[CheckFailure], scrub: Any = str) -> int:
    print(scrub("\n".join(lines)))
    return 1 if failures else 0


def _django(settings: str | None) -> None:
    """Set Django up from ``--settings`` or ``DJANGO_SETTINGS_MODULE``; with neither,
    or without Django installed and no ``--settings``, do nothing."""
    if settings is not None:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    try:
        import django
    except ImportError:
        if settings is None:
            return  # the variable is for another program: nothing here uses Django
        raise _Problem("--settings needs Django: pip install 'pyfactory-schema[django]'") from None
    # A console script does not put the current directory on the path; python -m
    # does, and manage.py runs from there.
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    name = os.environ["DJANGO_SETTINGS_MODULE"]
    try:
        django.setup()
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if settings is None and (name == missing or name.startswith(missing + ".")):
            # The variable names settings that cannot be found from here: it is for
            # another program, as when Django is not installed. A module of Django
            # models then fails to import, and says so.
            return
        raise _Problem(
            f"cannot set Django up with the settings {name}: {type(error).__name__}: {error}"
        ) from None
    except Exception as error:
        raise _Problem(
            f"cannot set Django up with the settings {name}: {type(error).__name__}: {error}"
        ) from None


def _create_on(
    args: argparse.Namespace,
    factories: list[type[Factory[Any]]],
    modules: list[ModuleType],
    context: dict[str, Any],
) -> int:
    """``--create --url``: the check with a session on a connection whose transaction
    is rolled back at the end, around the rolled-back transaction of each call."""
    from pyfactory.cli import _seed

    output = _seed._Output(args.url, debug=False)
    try:
        try:
            import sqlalchemy  # noqa: F401
        except ImportError:
            raise _seed.UsageProblem(
                "--url needs SQLAlchemy 2: pip install 'pyfactory-schema[sqlalchemy]'"
            ) from None
        from sqlalchemy.orm import Session

        from pyfactory._drive import drive

        metadata = _seed._metadata(dict.fromkeys(modules))
        if args.create_tables and not metadata:
            raise _seed.UsageProblem(
                f"--create-tables: no SQLAlchemy metadata found in {', '.join(args.modules)} "
                "(define or import the declarative base or the models there)"
            )
        engine = _seed._engine(args.url, output)
        if hasattr(engine, "sync_engine"):
            raise _seed.UsageProblem(
                f"--url {output.shown(args.url)!r} names an async driver; the check creates "
                "through a Session: give the synchronous URL (sqlite://, postgresql+psycopg://)"
            )
        try:
            if not args.create_tables:
                missing = _seed._without_file(engine, metadata, dry_run=False)
                if missing is not None:
                    raise missing
            drive(_seed._prepare(engine, metadata, args.create_tables, lock=None, output=output))
            with engine.connect() as connection:
                outer = connection.begin()
                session = Session(bind=connection, join_transaction_mode="create_savepoint")
                awaited = _awaited(factories)
                now = [f for f in factories if f not in awaited]
                try:
                    failures = check(*now, seed=args.seed, create=True, session=session, **context)
                finally:
                    session.close()
                    outer.rollback()
            if awaited:
                failures += _acreate_on(args.url, awaited, args.seed, context)
        finally:
            engine.dispose()
    except _seed.UsageProblem as problem:
        output.err(f"pyfactory check: error: {problem}")
        return 2
    return _report(summary(factories, failures, "create"), failures, output.scrub)
