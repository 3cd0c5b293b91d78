"""Compilers for the address and phone number methods whose code is more than one line
(``faker.providers.address`` and a few locales; the one-line ones -- ``city``,
``street_address``, ``address``, ``country``, ``postcode``, ``company``, ``job``,
``phone_number`` -- are read by :mod:`~pyfactory.providers._recognize`).
"""

from __future__ import annotations

from pyfactory.providers._compile import Call, compiles
from pyfactory.providers._gen import Gen, OneOf, choice, template
from pyfactory.providers._pattern import pattern

_ADDRESS = "faker.providers.address"


@compiles(_ADDRESS, "country_code")
def _country_code(call: Call) -> Gen | None:
    """``country_code(representation="alpha-2")``: an ISO 3166 code."""
    arguments = call.arguments(representation="alpha-2")
    if arguments is None:
        return None
    tables = {"alpha-2": "alpha_2_country_codes", "alpha-3": "alpha_3_country_codes"}
    table = tables.get(arguments["representation"])
    return None if table is None else call.elements(call.data(table))


@compiles(f"{_ADDRESS}.en_US", "state_abbr")
def _state_abbr_us(call: Call) -> Gen | None:
    """``state_abbr(include_territories=True, include_freely_associated_states=True)``:
    the states' abbreviations, then the territories' and the associated states' when
    included."""
    arguments = call.arguments(include_territories=True, include_freely_associated_states=True)
    if arguments is None:
        return None
    abbreviations = tuple(call.data("states_abbr"))
    if arguments["include_territories"]:
        abbreviations += tuple(call.data("territories_abbr"))
    if arguments["include_freely_associated_states"]:
        abbreviations += tuple(call.data("freely_associated_states_abbr"))
    return call.elements(abbreviations)


@compiles(f"{_ADDRESS}.en_GB", "postcode")
def _postcode_gb(call: Call) -> Gen | None:
    """A format such as ``"AN NEE"``, each character a pick from its set."""
    if not call.no_arguments():
        return None
    sets = call.data("_postcode_sets")
    formats = call.session.table(call.provider, call.data("postcode_formats"))
    if formats is None:
        return None
    entries, weights = formats
    compiled: dict[str, Gen] = {}
    for entry in dict.fromkeys(entries):
        if not isinstance(entry, str) or any(ch not in sets for ch in entry):
            return None
        compiled[entry] = template([choice(list(sets[ch])) for ch in entry])
    return OneOf([compiled[e] for e in entries], weights)


@compiles(f"{_ADDRESS}.fr_FR", "postcode")
def _postcode_fr(call: Call) -> Gen | None:
    """A department's number (Corsica's 2A and 2B as 20), then as many digits as make
    five, the first not zero (``random_number(digits, fix_len=True)``)."""
    if not call.no_arguments():
        return None
    departments = call.session.table(call.provider, call.data("departments"))
    if departments is None:
        return None
    entries, weights = departments
    compiled: dict[str, Gen] = {}
    for department in entries:
        number = "20" if department[0] in ("2A", "2B") else str(department[0])
        digits = 5 - len(number)
        if digits < 1 or not number.isdigit():
            return None
        compiled.setdefault(number, pattern(number + "%" + "#" * (digits - 1)))
    numbers = ["20" if d[0] in ("2A", "2B") else str(d[0]) for d in entries]
    return OneOf([compiled[n] for n in numbers], weights)


@compiles("faker.providers.phone_number.fr_FR", "area_code_with_separator")
def _area_code_fr(call: Call) -> Gen | None:
    """An area code with a space after its first digit, numerified."""
    if not call.no_arguments():
        return None
    codes = call.session.table(call.provider, call.data("area_codes"))
    if codes is None or not all(isinstance(c, str) and c for c in codes[0]):
        return None
    compiled = {c: pattern(f"{c[0]} {c[1:]}") for c in dict.fromkeys(codes[0])}
    return OneOf([compiled[c] for c in codes[0]], codes[1])
