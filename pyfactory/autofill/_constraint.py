"""The error of an auto-filled row that its checks keep refusing, and how many draws
it gets first."""

from __future__ import annotations

# Defined with the other errors, and named here too, where auto-fill's users look.
from pyfactory.errors import ConstraintError

__all__ = ["MAX_CHECK_TRIES", "ConstraintError"]

#: How many times the auto-filled fields of a row are drawn before a check that they
#: keep failing (a model validator, a CHECK constraint not read) is an error; a
#: factory's ``_check_tries`` class attribute overrides it.
MAX_CHECK_TRIES = 20
