"""``pyfactory init``: the command line's way in for a project that has models already
(see :mod:`pyfactory.cli` and :mod:`pyfactory._adopt`).

``pyfactory init --models MODULE`` reads the SQLAlchemy or Django models that
``MODULE`` defines (a dotted name, a ``.py`` file or a package directory, as ``check``
reads them; Django is set up first from ``--settings`` or ``DJANGO_SETTINGS_MODULE``);
``pyfactory init --url URL`` reflects a database's tables into a ``models.py`` first.
Either writes ``factories.py``, ``seeds.py`` (SQLAlchemy only) and ``conftest.py`` into
``--out`` (the current directory by default), and never over an existing file
without ``--force``. Exit codes: 0 written, 1 the database cannot be reached or the
models module raises while it is imported, 2 bad usage (no such module, no models,
a file in the way, a URL whose dialect cannot be loaded). No message shows the
password of a URL.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Any

from pyfactory._adopt.errors import AdoptError, DatabaseUnreachableError, ModelsNotFoundError
from pyfactory.cli._modules import NotFound, modules_of

__all__ = ["add_parser", "command", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``init`` to the subcommands of the ``pyfactory`` parser."""
    parser = commands.add_parser(
        "init",
        help="write factories, seeds and a conftest.py for existing models or a database",
        description=(
            "Write factories.py (one factory per model: @schema(auto=True), with "
            "associations for foreign keys), seeds.py (a few rows of every table, parents "
            "first) and conftest.py (the factories as pytest fixtures) for the models of a "
            "module, or for the tables of a database. Exit codes: 0 written, 1 the "
            "database cannot be reached or the module raises, 2 bad usage."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--models",
        metavar="MODULE",
        help="the module that defines the SQLAlchemy or Django models: a dotted name "
        "(myapp.models), a file (myapp/models.py) or a package directory",
    )
    source.add_argument(
        "--url",
        help="a SQLAlchemy database URL whose tables are reflected into models.py first",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="the directory to write into (default: the current one)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace files of the same names in --out"
    )
    parser.add_argument(
        "--schema", metavar="NAME", help="with --url: the database schema to reflect"
    )
    parser.add_argument(
        "--settings",
        metavar="MODULE",
        help="the Django settings module (default: $DJANGO_SETTINGS_MODULE)",
    )
    return parser  # type: ignore[no-any-return]


def command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run ``pyfactory init`` with parsed arguments; the exit code."""
    if args.schema is not None and args.url is None:
        parser.error("--schema is for --url")
    try:
        written = run(args)
    except DatabaseUnreachableError as error:
        print(f"pyfactory init: {error}", file=sys.stderr)
        return 1
    except _Raised as raised:
        traceback.print_exception(raised.__cause__)
        print(f"pyfactory init: {raised}", file=sys.stderr)
        return 1
    except AdoptError as error:
        print(f"pyfactory init: error: {error}", file=sys.stderr)
        return 2
    print(f"pyfactory init: wrote {', '.join(str(path) for path in written)}")
    factories = next(path for path in written if path.name == "factories.py")
    if any(path.name == "seeds.py" for path in written):
        print(f"next: pyfactory check {factories} --create --url URL")
    else:  # Django's models: the check creates through Django's own database
        print(f"next: pyfactory check {factories} --create --settings SETTINGS")
    return 0


class _Raised(Exception):
    """The models module raised while it was imported: its traceback is shown."""


def run(args: argparse.Namespace) -> list[Path]:
    """Write the files; the paths written.

    Raises:
        AdoptError: Any of the errors of :mod:`pyfactory._adopt.errors`.
    """
    from pyfactory._adopt import _write

    if args.url is not None:
        return _write.from_database(args.url, args.out, schema=args.schema, force=args.force)
    from pyfactory.cli._check import _django, _Problem

    try:
        _django(args.settings)
    except _Problem as problem:
        raise ModelsNotFoundError(str(problem)) from None
    try:
        modules = modules_of(args.models)
    except NotFound as error:
        raise ModelsNotFoundError(f"--models: {error}") from None
    except Exception as error:
        raise _Raised(f"importing {args.models} raised {type(error).__name__}") from error
    return _write.from_modules(modules, args.out, force=args.force)
