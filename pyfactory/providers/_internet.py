"""Compilers for Faker's internet provider (``faker.providers.internet``): user names,
emails, domains and URLs.

Faker makes a user name by parsing a format (``"{{last_name}}.{{first_name}}"``),
bothifying it, lower-casing it, transliterating it to ASCII (the locale's
``replacements``, then ``unidecode``) and slugifying it; a domain word is the first
word of a company name, transliterated and slugified. Doing that per value costs more
than the rest of the value. Each of those steps works character by character, so
here they are done once per table entry and literal, at compile time
(:meth:`~pyfactory.providers._gen.Gen.leafwise`); only the slug's last step --
strip, and join runs of spaces and hyphens with one hyphen -- looks at the whole
value, and it runs only on the rare value that is not plain alphanumeric.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from pyfactory.providers._compile import Call, compiles
from pyfactory.providers._gen import Gen, OneOf, Template, choice, template

_INTERNET = "faker.providers.internet"

#: Faker's slugify patterns (faker.utils.text).
_NOT_WORD = re.compile(r"[^\w\s-]", flags=re.U)
_SPACES = re.compile(r"[-\s]+", flags=re.U)

#: Put after a domain word's first piece when Faker's ``company.split(" ")[0]`` would
#: cut there: what follows it is dropped when the value is finished.
_CUT = "\x00"


def _to_ascii(provider: Any) -> Callable[[str], str]:
    """The provider's ``_to_ascii``: its replacements, then ``unidecode``."""
    from faker.decode import unidecode

    replacements = tuple(getattr(provider, "replacements", ()))

    def to_ascii(text: str) -> str:
        for search, replace in replacements:
            text = text.replace(search, replace)
        return unidecode(text)

    return to_ascii


def _slug_piece(text: str) -> str:
    """What Faker's ``slugify(allow_unicode=True)`` does to each character: NFKC,
    drop what is not a word character, space or hyphen, lower-case."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text)).lower()


def _finish_slug(text: str) -> str:
    """The rest of the slug, on the whole value: strip, and one hyphen for each run
    of spaces and hyphens."""
    if text.isalnum():
        return text
    return _SPACES.sub("-", text.strip())


def _piecewise(gen: Gen, piece: Callable[[str], str], whole: Callable[[str], str]) -> Gen:
    """``gen`` with ``piece`` done to each text it is made of at compile time, then
    ``whole`` on each value; when ``gen`` cannot be mapped piecewise, both on each
    value (the same result, slower)."""
    mapped = gen.leafwise(piece)
    if mapped is None:
        return gen.mapped(lambda text: whole(piece(text)))
    return mapped.mapped(whole)


@compiles(_INTERNET, "user_name")
def _user_name(call: Call) -> Gen | None:
    """``_to_ascii(bothify(parse(format)).lower())``, slugified."""
    if not call.no_arguments():
        return None
    raw = call.formats(call.data("user_name_formats"), then="bothify")
    if raw is None:
        return None
    to_ascii = _to_ascii(call.provider)
    return _piecewise(raw, lambda text: _slug_piece(to_ascii(text.lower())), _finish_slug)


@compiles(_INTERNET, "domain_word")
def _domain_word(call: Call) -> Gen | None:
    """The company name's first word, transliterated, slugified, lower-cased."""
    if not call.no_arguments():
        return None
    company = call.token("company")
    if company is None:
        return None
    company = _first_word(company)
    to_ascii = _to_ascii(call.provider)

    def piece(text: str) -> str:
        head, space, _ = text.partition(" ")
        return _slug_piece(to_ascii(head)) + (_CUT if space else "")

    def whole(text: str) -> str:
        return _finish_slug(text.partition(_CUT)[0]).lower()

    return _piecewise(company, piece, whole)


def _first_word(gen: Gen) -> Gen:
    """``gen`` (a company name) without the parts after the first literal space of
    each format: they never reach ``split(" ")[0]``, and drawing them would cost more
    than the rest of a domain word."""
    if isinstance(gen, OneOf):
        return OneOf([_first_word(g) for g in gen.gens], gen.weights)
    if not isinstance(gen, Template):
        return gen
    parts: list[str | Gen] = []
    for part in gen.parts:
        if isinstance(part, str) and " " in part:
            # Kept up to and with its space, so that the cut is still marked.
            parts.append(part[: part.index(" ") + 1])
            break
        parts.append(part)
    return template(parts)


@compiles(_INTERNET, "domain_name")
def _domain_name(call: Call) -> Gen | None:
    """``domain_word.tld``, with ``levels - 1`` more domain words in front."""
    arguments = call.arguments(levels=1)
    if arguments is None or not isinstance(arguments["levels"], int) or arguments["levels"] < 1:
        return None
    levels = arguments["levels"]
    word = call.method("domain_word")
    rest = call.method("tld") if levels == 1 else call.method("domain_name", levels - 1)
    if word is None or rest is None:
        return None
    return _lower(template([word, ".", rest]))


def _lower(gen: Gen) -> Gen:
    return gen.leafwise(str.lower) or gen.mapped(str.lower)


def _at(call: Call, domain: Gen | None) -> Gen | None:
    """``user_name@domain``, lower-cased (a user name already is: only the domain is
    lower-cased, once per table entry)."""
    user = call.method("user_name")
    if user is None or domain is None:
        return None
    return template([user, "@", _lower(domain)])


@compiles(_INTERNET, "email")
def _email(call: Call) -> Gen | None:
    """``email(safe=True, domain=None)``: at the given domain, at a safe domain, or
    one of the locale's ``email_formats`` with its spaces taken out."""
    arguments = call.arguments(safe=True, domain=None)
    if arguments is None:
        return None
    domain = arguments["domain"]
    if domain:
        return _at(call, choice([str(domain)]))
    if arguments["safe"]:
        return _at(call, call.method("safe_domain_name"))
    formats = call.formats(call.data("email_formats"))
    if formats is None:
        return None
    return _piecewise(formats, lambda text: text.replace(" ", "").lower(), lambda text: text)


@compiles(_INTERNET, "safe_email", "ascii_safe_email")
def _safe_email(call: Call) -> Gen | None:
    # An ASCII variant transliterates a user name that already is ASCII: the same.
    return _at(call, call.method("safe_domain_name")) if call.no_arguments() else None


@compiles(_INTERNET, "free_email", "ascii_free_email")
def _free_email(call: Call) -> Gen | None:
    return _at(call, call.method("free_email_domain")) if call.no_arguments() else None


@compiles(_INTERNET, "company_email", "ascii_company_email")
def _company_email(call: Call) -> Gen | None:
    return _at(call, call.method("domain_name")) if call.no_arguments() else None


@compiles(_INTERNET, "url")
def _url(call: Call) -> Gen | None:
    """``url(schemes=None)``: a scheme (``http``/``https`` by default, none for an
    empty list), ``://``, and one of the locale's ``url_formats``."""
    arguments = call.arguments(schemes=None)
    if arguments is None:
        return None
    schemes = arguments["schemes"]
    if schemes is None:
        schemes = ["http", "https"]
    if not isinstance(schemes, list | tuple) or not all(isinstance(s, str) for s in schemes):
        return None
    rest = call.formats(call.data("url_formats"))
    if rest is None:
        return None
    return template([choice(list(schemes)) if schemes else "", "://", rest])
