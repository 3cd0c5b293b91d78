"""The error of an auto-filled row that its checks keep refusing, and how many draws
it gets first."""

from __future__ import annotations

from pyfactory.errors import FactoryError

__all__ = ["MAX_CHECK_TRIES", "ConstraintError"]

#: How many times the auto-filled fields of a row are drawn before a check that they
#: keep failing (a model validator, a CHECK constraint not read) is an error; a
#: factory's ``_check_tries`` class attribute overrides it.
MAX_CHECK_TRIES = 20


class ConstraintError(FactoryError, ValueError):
    """The auto-filled fields of a row failed its checks on every draw.

    The message names the model, the fields drawn, the check that refused the last
    draw (a pydantic validator, a dataclass's ``__post_init__``, a CHECK constraint)
    and the last values tried; the path names the factory and the schema.

    .. versionadded:: 1.1
    """
