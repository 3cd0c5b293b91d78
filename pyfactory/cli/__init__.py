"""The ``pyfactory`` command line: ``pyfactory check MODULE [MODULE ...]``,
``pyfactory seed MODULE[:NAME] ... [--url URL]``, ``pyfactory generate
MODULE:Factory[.schema] --count N --seed S --out PATH``, ``pyfactory init (--models
MODULE | --url URL)`` (:mod:`pyfactory.cli._init`), ``pyfactory stubs MODULE ...
[--out DIR]`` (typed stubs, :mod:`pyfactory.cli._stubs`) and ``pyfactory --version``.

The command-line layer, the top of pyfactory: it imports the public API and
:mod:`pyfactory.seeding` (``seed`` is :mod:`pyfactory.cli._seed`), and only
``__main__`` and the pytest plugin (for :func:`summary`) import it; ``check`` is
:mod:`pyfactory.cli._check`. Both commands
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
from collections.abc import Sequence

from pyfactory import __version__
from pyfactory.cli import _check
from pyfactory.cli._check import summary

__all__ = ["main", "summary"]


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
    checking = _check.add_parser(commands)
    checking.set_defaults(parser=checking, run=_check.command)
    # Imported here, not at the top: importing pyfactory.cli (the pytest plugin reads
    # summary() from it) need not load what seeding needs.
    from pyfactory.cli import _seed

    seeding = _seed.add_parser(commands)
    seeding.set_defaults(parser=seeding, run=lambda parser, args: _seed.command(args))
    from pyfactory.cli import _generate

    generating = _generate.add_parser(commands)
    generating.set_defaults(parser=generating, run=lambda parser, args: _generate.command(args))
    from pyfactory.cli import _init

    initializing = _init.add_parser(commands)
    initializing.set_defaults(parser=initializing, run=_init.command)
    from pyfactory.cli import _stubs

    stubbing = _stubs.add_parser(commands)
    stubbing.set_defaults(parser=stubbing, run=_stubs.command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code is returned, not raised."""
    args = _parser().parse_args(argv)
    code: int = args.run(args.parser, args)
    return code
