"""Limits on what one call may make, checked before anything is made.

Part of the foundation: the fields (``many(count=...)``), the batch methods and
the seeding runner read them, so they sit below all three.
"""

from __future__ import annotations

__all__ = ["MAX_BATCH"]

#: The most objects one batch call returns in a list. A Python object with its
#: attribute dict takes a few hundred bytes at least, so 10 million of them take
#: gigabytes; a larger count is refused before anything is made. ``insert_batch``
#: returns no list and is not limited.
MAX_BATCH = 10_000_000
