"""``pyfactory stubs``: typed stubs of factory modules (see :mod:`pyfactory._stubs`),
for pyright, pylance and mypy without the plugin.

Part of the command-line layer. It finds modules with :mod:`pyfactory.cli._modules`,
as ``pyfactory check`` does (setting Django up first in the same way), and writes one
``.pyi`` per module that defines a factory or in which ``register()`` defined
fixtures: next to the module's file, or under ``--out`` as the module's dotted path
(``typings/myapp/factories.pyi``), where pyright looks by default (its ``stubPath``).
Exit codes: 0 written, 1 a module raised while it was imported, 2 bad usage (a
module that cannot be found, or none with a factory or fixture).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from pyfactory._stubs import NoSource, module_stub
from pyfactory.cli._check import _django, _factories, _Problem
from pyfactory.cli._modules import NotFound, add_modules_argument, modules_of

__all__ = ["add_parser", "command"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``stubs`` to the subcommands of the ``pyfactory`` parser."""
    stubs = commands.add_parser(
        "stubs",
        help="write typed .pyi stubs of factory modules, for pyright and plain mypy",
        description=(
            "Import the modules (a package: every module in it) and write, for each "
            "that defines a factory or register() fixtures, a .pyi stub: the module's "
            "source with each factory's build, create, ... taking Literal schema and "
            "trait names and only the override keywords the factory accepts, and "
            "each register() fixture typed."
        ),
    )
    add_modules_argument(stubs, "tests/conftest.py")
    stubs.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write the stubs under DIR, by dotted path (DIR/myapp/factories.pyi), "
        "rather than next to each module",
    )
    stubs.add_argument(
        "--settings",
        metavar="MODULE",
        help="the Django settings module (default: $DJANGO_SETTINGS_MODULE): Django is "
        "set up before the modules are imported",
    )
    return stubs  # type: ignore[no-any-return]


def stub_path(module: ModuleType, out: Path | None) -> Path:
    """Where the stub of ``module`` goes."""
    package = hasattr(module, "__path__")
    if out is None:
        return Path(module.__file__ or "").with_suffix(".pyi")
    parts = module.__name__.split(".")
    if package:
        parts.append("__init__")
    return out.joinpath(*parts[:-1], f"{parts[-1]}.pyi")


def _shown(path: Path) -> Path:
    """``path`` as the command line shows it: from the current directory when it is
    inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run ``pyfactory stubs`` with parsed arguments; the exit code."""
    try:
        _django(args.settings)
    except _Problem as problem:
        print(f"pyfactory stubs: error: {problem}", file=sys.stderr)
        return 2
    modules: list[ModuleType] = []
    for target in args.modules:
        try:
            modules.extend(m for m in modules_of(target) if m not in modules)
        except NotFound as error:
            parser.error(str(error))
        except Exception as error:
            traceback.print_exc()
            print(
                f"pyfactory stubs: importing {target} raised {type(error).__name__}",
                file=sys.stderr,
            )
            return 1
    written = 0
    for module in modules:
        factories = _factories(module)
        fixtures = len({r.name for r in vars(module).get("__pyfactory_fixtures__", {}).values()})
        if not factories and not fixtures:
            continue
        try:
            text = module_stub(module, factories)
        except NoSource as error:
            parser.error(str(error))
        path = stub_path(module, args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1
        made = []
        if factories:
            made.append(f"{len(factories)} factor{'y' if len(factories) == 1 else 'ies'}")
        if fixtures:
            made.append(f"{fixtures} fixture{'' if fixtures == 1 else 's'}")
        print(f"wrote {_shown(path)} ({', '.join(made)})")
    if not written:
        parser.error(f"no factory or register() fixture found in {', '.join(args.modules)}")
    return 0
