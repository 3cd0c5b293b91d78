"""Compilers for Faker's person provider (``faker.providers.person``).

``name``, ``first_name`` and ``last_name`` have one-line bodies that
:mod:`~pyfactory.providers._recognize` reads; the gendered variants look for a
locale's own table first (``hasattr(self, "first_names_male")``) and fall back on the
plain method, as Faker does.
"""

from __future__ import annotations

from pyfactory.providers._compile import Call, compiles
from pyfactory.providers._gen import Const, Gen, OneOf

_PERSON = "faker.providers.person"
_GENDERS = ("male", "female", "nonbinary")


@compiles(_PERSON, *(f"name_{g}" for g in _GENDERS))
def _name_gendered(call: Call) -> Gen | None:
    """``name_male()``: ``formats_male`` when the locale has them, else ``formats``."""
    if not call.no_arguments():
        return None
    gender = call.function.__name__.removeprefix("name_")
    formats = f"formats_{gender}"
    return call.formats(call.data(formats) if call.has(formats) else call.data("formats"))


@compiles(_PERSON, *(f"{part}_name_{g}" for part in ("first", "last") for g in _GENDERS))
def _part_gendered(call: Call) -> Gen | None:
    """``first_name_male()``: the locale's ``first_names_male``, else ``first_name()``."""
    if not call.no_arguments():
        return None
    part, _, gender = call.function.__name__.partition("_name_")
    table = f"{part}_names_{gender}"
    if call.has(table):
        return call.elements(call.data(table))
    return call.method(f"{part}_name")


def _affix(call: Call, kind: str) -> Gen | None:
    """``prefix()``/``suffix()``: one table, or the gendered tables merged, or one of
    two gendered tables picked first, or nothing -- Faker's order of checks."""
    if not call.no_arguments():
        return None
    plural = f"{kind}es"
    if call.has(plural):
        return call.elements(call.data(plural))
    gendered = [f"{plural}_{g}" for g in _GENDERS]
    if all(call.has(t) for t in gendered):
        from faker.utils.datasets import add_ordereddicts

        return call.elements(add_ordereddicts(*(call.data(t) for t in gendered)))
    if call.has(gendered[0]) and call.has(gendered[1]):
        tables = [call.elements(call.data(t)) for t in gendered[:2]]
        if tables[0] is None or tables[1] is None:
            return None
        return OneOf([tables[0], tables[1]])
    return Const("")


@compiles(_PERSON, "prefix")
def _prefix(call: Call) -> Gen | None:
    return _affix(call, "prefix")


@compiles(_PERSON, "suffix")
def _suffix(call: Call) -> Gen | None:
    return _affix(call, "suffix")


@compiles(_PERSON, *(f"{kind}_{g}" for kind in ("prefix", "suffix") for g in _GENDERS))
def _affix_gendered(call: Call) -> Gen | None:
    """``prefix_male()``: ``prefixes_male`` when the locale has them, else
    ``prefix()``."""
    if not call.no_arguments():
        return None
    kind, _, gender = call.function.__name__.partition("_")
    table = f"{kind}es_{gender}"
    if call.has(table):
        return call.elements(call.data(table))
    return call.method(kind)
