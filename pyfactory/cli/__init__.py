"""The ``pyfactory`` command line: ``pyfactory check MODULE [MODULE ...]``,
``pyfactory seed MODULE[:NAME] ... [--url URL]``, ``pyfactory generate
MODULE:Factory[.schema] --count N --seed S --out PATH`` and ``pyfactory --version``.

The command-line layer, the top of pyfactory: it imports the public API and
:mod:`pyfactory.seeding` (``seed`` is :mod:`pyfactory.cli._seed`), and only
``__main__`` and the pytest plugin (for :func:`summary`) import it. Both commands
name their modules the same way, read by one loader (:mod:`pyfactory.cli._modules`):
a dotted module name, a ``.py`` file or a package directory. Also run as
``python -m pyfactory``. Exit codes of ``check``: 0 when every check passes, 1 when
a build fails (or a module raises while it is imported), 2 for a usage error (an
unknown option, a module that cannot be found, no factory to check). Those of
``seed``: 0 done, 1 a seed failed, 2 bad usage (see :mod:`pyfactory.seeding`); ``generate``
has the same (:mod:`pyfactory.cli._generate`).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from pyfactory import CheckFailure, Factory, __version__, check
from pyfactory.cli._modules import NotFound, modules_of

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
            modules = modules_of(target)
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
        description="pyfactory's command line: check factories without a test run, "
        "seed databases, and generate datasets.",
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
    # Imported here, not at the top: importing pyfactory.cli (the pytest plugin reads
    # summary() from it) need not load what seeding needs.
    from pyfactory.cli import _seed

    seeding = _seed.add_parser(commands)
    seeding.set_defaults(parser=seeding, run=lambda parser, args: _seed.command(args))
    from pyfactory.cli import _generate

    generating = _generate.add_parser(commands)
    generating.set_defaults(parser=generating, run=lambda parser, args: _generate.command(args))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code is returned, not raised."""
    args = _parser().parse_args(argv)
    code: int = args.run(args.parser, args)
    return code
