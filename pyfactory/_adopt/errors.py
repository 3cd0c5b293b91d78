"""The errors of ``pyfactory init`` (:mod:`pyfactory._adopt`): each says what to do
about it, and none shows the password of a database URL."""

from __future__ import annotations

from pyfactory.errors import FactoryError

__all__ = [
    "AdoptError",
    "DatabaseUnreachableError",
    "ModelsNotFoundError",
    "NoModelsError",
    "OutputExistsError",
    "UnsupportedDatabaseError",
]


class AdoptError(FactoryError):
    """``pyfactory init`` cannot write the factories of a project: the base class."""


class ModelsNotFoundError(AdoptError, LookupError):
    """The models module named by ``--models`` cannot be found."""


class NoModelsError(AdoptError, LookupError):
    """The models module, or the database, has no model or table to write a factory for."""


class DatabaseUnreachableError(AdoptError, ConnectionError):
    """The database of ``--url`` cannot be reached (its password is never shown)."""


class UnsupportedDatabaseError(AdoptError, ValueError):
    """The URL names a dialect or driver that SQLAlchemy cannot load here."""


class OutputExistsError(AdoptError, FileExistsError):
    """A file that ``init`` would write exists already, and ``--force`` was not given."""
