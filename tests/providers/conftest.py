"""Fakers for the fast provider tests: one per locale, made once (a Faker takes
milliseconds to make, and compiled providers are cached by locale anyway)."""

from __future__ import annotations

from functools import cache

from faker import Faker


@cache
def faker(locale: str = "en_US") -> Faker:
    """A Faker of one locale, shared by the tests that only read its data."""
    return Faker(locale)


#: How many keys a realism test draws: enough to reach most of a table of a few
#: hundred entries, cheap enough for a normal test.
KEYS = range(3000)
