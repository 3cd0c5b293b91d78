"""Writing the generated modules into a directory, all or none.

Every file is checked before any is written: ``init`` never leaves half a project
behind, nor overwrites a file of the project without ``force``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from pyfactory._adopt._emit import conftest_module, factories_module, seeds_module
from pyfactory._adopt._read import ModelPlan, find_models, plan_models
from pyfactory._adopt.errors import OutputExistsError

__all__ = ["from_database", "from_modules", "sibling"]


def sibling(out: Path, name: str) -> str:
    """How a generated module imports another one written beside it: relatively in a
    package (``.factories``), else by its bare name, as pytest and ``pyfactory seed``
    put a plain directory on the path."""
    return f".{name}" if (out / "__init__.py").is_file() else name


def plans_of(modules: Sequence[ModuleType]) -> list[ModelPlan]:
    """The plans of the models that ``modules`` define, parents first.

    Raises:
        NoModelsError: The modules define no model.
    """
    return plan_models(find_models(modules))


def from_modules(
    modules: Sequence[ModuleType], out: Path, *, force: bool = False, models_as: str | None = None
) -> list[Path]:
    """Write ``factories.py``, ``seeds.py`` (SQLAlchemy models only: the seeding runner
    writes through a SQLAlchemy session) and ``conftest.py`` into ``out``.

    Args:
        modules: The modules that define the models.
        out: The directory to write into (made if missing).
        force: Overwrite files that exist.
        models_as: How the generated modules import the models (a module written
            beside them); by default, each model's own module.

    Returns:
        The files written, in order.

    Raises:
        NoModelsError: The modules define no model.
        OutputExistsError: A file exists and ``force`` is false.
    """
    plans = plans_of(modules)
    names = [models_as or plan.model.__module__ for plan in plans]
    factories = sibling(out, "factories")
    texts = {"factories.py": factories_module(plans, names)}
    if plans[0].kind == "sqlalchemy":
        texts["seeds.py"] = seeds_module(plans, names, factories)
    texts["conftest.py"] = conftest_module(plans, names, factories)
    return write_all(out, texts, force=force)


def write_all(out: Path, texts: dict[str, str], *, force: bool) -> list[Path]:
    """Write every text to its file in ``out``, after checking that none exists.

    Raises:
        OutputExistsError: A file exists and ``force`` is false.
    """
    paths = [out / name for name in texts]
    there = [str(path) for path in paths if path.exists()]
    if there and not force:
        raise OutputExistsError(
            f"{', '.join(there)} already exist{'s' if len(there) == 1 else ''}: "
            "pyfactory init writes no file over another; pass --force to replace them"
        )
    out.mkdir(parents=True, exist_ok=True)
    for path, text in zip(paths, texts.values(), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


def from_database(
    url: str, out: Path, *, schema: str | None = None, force: bool = False
) -> list[Path]:
    """Reflect the tables of ``url`` into ``models.py`` in ``out``, then write the
    factories, seeds and fixtures of those models beside it.

    Raises:
        DatabaseUnreachableError: The database cannot be reached.
        UnsupportedDatabaseError: SQLAlchemy cannot load the URL's dialect or driver.
        NoModelsError: The database has no table that can be mapped.
        OutputExistsError: A file exists and ``force`` is false.
    """
    from pyfactory._adopt._reflect import models_source

    names = ["models.py", "factories.py", "seeds.py", "conftest.py"]
    there = [str(out / name) for name in names if (out / name).exists()]
    if there and not force:
        raise OutputExistsError(
            f"{', '.join(there)} already exist{'s' if len(there) == 1 else ''}: "
            "pyfactory init writes no file over another; pass --force to replace them"
        )
    text = models_source(url, schema=schema)
    written = write_all(out, {"models.py": text}, force=True)
    module = _import_beside(out, "models")
    return written + from_modules([module], out, force=True, models_as=sibling(out, "models"))


def _import_beside(out: Path, name: str) -> ModuleType:
    """Import the module just written at ``out/name.py`` under the name by which the
    generated modules import it."""
    root, parts = out.resolve(), [name]
    while (root / "__init__.py").is_file():
        parts.insert(0, root.name)
        root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    dotted = ".".join(parts)
    importlib.invalidate_caches()
    if dotted in sys.modules:
        # A module of that name read earlier in this process (another run of init):
        # this one's tables are new, so read them afresh.
        del sys.modules[dotted]
    return importlib.import_module(dotted)
