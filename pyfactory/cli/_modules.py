"""Finding the modules that the command line names: a dotted module name, a ``.py``
file or a package directory, read the same way by ``pyfactory check`` and
``pyfactory seed``.

Part of the command-line layer (:mod:`pyfactory.cli`), which both commands import;
it imports nothing of pyfactory.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["NotFound", "add_modules_argument", "import_target", "modules_of"]


class NotFound(Exception):
    """A module named on the command line that does not exist."""


def import_target(target: str) -> ModuleType:
    """Import a dotted module name, or a file path (its package's, when it is in one).

    Raises:
        NotFound: There is no such module or file.
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
                raise NotFound(f"no module named {target!r} (from {Path.cwd()})") from None
            raise  # a module that it imports is missing: its own error
    path = Path(target)
    if path.is_dir():
        if not (path / "__init__.py").is_file():
            raise NotFound(
                f"{target} is a directory but not a package (it has no __init__.py): "
                "name a .py file in it, or add an __init__.py"
            )
        path = path / "__init__.py"  # a package directory: examples/ticketing
    if not path.is_file():
        raise NotFound(f"no such file: {target}")
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    root = path.parent
    while (root / "__init__.py").is_file():
        parts.insert(0, root.name)
        root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(".".join(parts))


def modules_of(target: str) -> list[ModuleType]:
    """The module that ``target`` names and, when it is a package, every module in it,
    subpackages included (``__main__`` aside: importing it would run a program).

    A package's factories usually live in its modules (``myapp/factories.py``), which
    the package itself need not import, so checking a package checks them all.

    Raises:
        NotFound: There is no such module or file.
    """
    module = import_target(target)
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


def add_modules_argument(parser: Any, example: str) -> None:
    """The ``MODULE ...`` argument of a command that reads modules with :func:`modules_of`,
    worded once; ``example`` is a file to show (``tests/conftest.py``)."""
    parser.add_argument(
        "modules",
        nargs="+",
        metavar="MODULE",
        help=f"a dotted module name (myapp.factories), a file ({example}) or a package "
        "directory (myapp/)",
    )
