"""The ``pyfactory`` command line: ``pyfactory check MODULE [MODULE ...]``,
``pyfactory seed MODULE[:NAME] ... [--url URL]`` and ``pyfactory --version``.

Both commands name their modules the same way, read by one loader (:func:`_import`):
a dotted module name, a ``.py`` file or a package directory. Also run as
``python -m pyfactory``. Exit codes of ``check``: 0 when every check
passes, 1 when a build fails (or a module raises while it is imported), 2 for a usage
error (an unknown option, a module that cannot be found, no factory to check). Those of
``seed``: 0 done, 1 a seed failed, 2 bad usage (see :mod:`pyfactory.seeding`).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from pyfactory import __version__
from pyfactory._check import CheckFailure, check
from pyfactory._factory import Factory

__all__ = ["main", "summary"]


def summary(factories: Sequence[type[Factory[Any]]], failures: Sequence[CheckFailure]) -> list[str]:
    """The lines that report a check: one per failure, then a count of the builds."""
    builds = sum(len(f.schemas()) * (1 + len(f.traits())) for f in factories)
    count = f"{len(factories)} {'factory' if len(factories) == 1 else 'factories'}"
    if not failures:
        return [f"pyfactory check: {builds} builds of {count} passed"]
    return [
        *(str(failure) for failure in failures),
        f"pyfactory check: {len(failures)} of {builds} builds of {count} failed",
    ]


class _NotFound(Exception):
    """A module named on the command line that does not exist."""


def _import(target: str) -> ModuleType:
    """Import a dotted module name, or a file path (its package's, when it is in one).

    Raises:
        _NotFound: There is no such module or file.
    """
    if not (target.endswith(".py") or "/" in target or "\\" in target):
        # A console script does not put the current directory on the path; python -m does.
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError as error:
            name = error.name or ""
            if target == name or target.startswith(f"{name}."):
                raise _NotFound(f"no module named {target!r} (from {Path.cwd()})") from None
            raise  # a module that it imports is missing: its own error
    path = Path(target)
    if path.is_dir():
        if not (path / "__init__.py").is_file():
            raise _NotFound(
                f"{target} is a directory but not a package (it has no __init__.py): "
                "name a .py file in it, or add an __init__.py"
            )
        path = path / "__init__.py"  # a package directory: examples/ticketing
    if not path.is_file():
        raise _NotFound(f"no such file: {target}")
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    root = path.parent
    while (root / "__init__.py").is_file():
        parts.insert(0, root.name)
        root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(".".join(parts))


def _modules(target: str) -> list[ModuleType]:
    """The module that ``target`` names and, when it is a package, every module in it,
    subpackages included (``__main__`` aside: importing it would run a program).

    A package's factories usually live in its modules (``myapp/factories.py``), which
    the package itself need not import, so checking a package checks them all.

    Raises:
        _NotFound: There is no such module or file.
    """
    module = _import(target)
    if not hasattr(module, "__path__"):
        return [module]
    inside = pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}.")
    return [
        module,
        *(
            importlib.import_module(info.name)
            for info in inside
            if info.name.rpartition(".")[2] != "__main__"
        ),
    ]


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


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    factories: list[type[Factory[Any]]] = []
    for target in args.modules:
        try:
            modules = _modules(target)
        except _NotFound as error:
            parser.error(str(error))
        except Exception as error:
            # A module that raises while it is imported is broken too: show where.
            traceback.print_exc()
            print(
                f"pyfactory check: importing {target} raised {type(error).__name__}",
                file=sys.stderr,
            )
            return 1
        for module in modules:
            factories.extend(f for f in _factories(module) if f not in factories)
    if not factories:
        parser.error(f"no factory found in {', '.join(args.modules)}")
    lines = summary(factories, check(*factories, seed=args.seed))
    print("\n".join(lines))
    return 1 if len(lines) > 1 else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyfactory",
        description="pyfactory's command line: check factories without a test run, and "
        "seed databases.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"pyfactory {__version__}",
        help="print pyfactory's version and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    checking = commands.add_parser(
        "check",
        help="build every factory's schemas and traits, and list those that fail",
        description=(
            "Import the modules (a package: every module in it) and build, with no "
            "database, each schema of every factory they define, alone and then with "
            "each of its traits. Prints "
            "each build that fails, with the path to where it failed; exits with "
            "1 if any does, 0 otherwise."
        ),
    )
    checking.add_argument(
        "modules",
        nargs="+",
        metavar="MODULE",
        help="a dotted module name (myapp.factories), a file (tests/factories.py) or a "
        "package directory (myapp/)",
    )
    checking.set_defaults(parser=checking, run=_check)
    checking.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the seed of every factory made, so a failure replays (default: 0)",
    )
    # Imported here, not at the top: `pyfactory check` must not need what seeding needs.
    from pyfactory.seeding._command import add_parser

    seeding = add_parser(commands)
    seeding.set_defaults(parser=seeding, run=_seed)
    return parser


def _seed(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from pyfactory.seeding._command import command

    return command(args, _import)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code is returned, not raised."""
    args = _parser().parse_args(argv)
    code: int = args.run(args.parser, args)
    return code
