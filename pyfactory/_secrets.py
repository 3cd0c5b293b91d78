"""Secrets kept out of what pyfactory prints: the password of a database URL.

``pyfactory seed``, ``pyfactory generate`` and :func:`pyfactory.dataset.write` show the
URL they write to, and pass on drivers' errors, which may echo the URL or a libpq
connection string. Every such text goes through :class:`Scrubber` first, and a URL
is shown with :func:`shown_url`. Written here once, at the bottom of the layers, so
that the seeding runner, the command line and the datasets share one rule.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus, unquote

if TYPE_CHECKING:
    from sqlalchemy import URL

__all__ = ["Scrubber", "passwords", "shown_url"]

# The password of a URL written out in some text: ``scheme://user:PASSWORD@`` (up to
# the last ``@`` of the word, as a password may hold one), and ``password=PASSWORD``
# as libpq and query strings write it.
URL_PASSWORD = re.compile(r"(\b[A-Za-z][\w+.-]*://[^\s:/@'\"]*:)[^\s'\"]*@")
KEY_PASSWORD = re.compile(
    r"(\bpassword\s*[=:]\s*['\"]?)[^\s'\"&,;)]+?(?=:?(?:[\s'\"&,;)]|$))", re.IGNORECASE
)


def passwords(url: str) -> set[str]:
    """The passwords that ``url`` holds, as written and decoded (a driver may echo
    either); none for a URL without one."""
    found = set()
    for pattern in (URL_PASSWORD, KEY_PASSWORD):
        for matched in pattern.finditer(url):
            start = matched.end(1)
            found.add(url[start : matched.end() - (1 if pattern is URL_PASSWORD else 0)])
    try:
        from sqlalchemy import make_url

        parsed = make_url(url)
    except Exception:  # a URL SQLAlchemy cannot read has only the above
        pass
    else:
        found.add(parsed.password or "")
        query = parsed.query.get("password", ())
        found.update([query] if isinstance(query, str) else query)
    spelt = {form for secret in found for form in (secret, unquote(secret))}
    return {
        form for secret in spelt for form in (secret, quote(secret, safe=""), quote_plus(secret))
    } - {""}


class Scrubber:
    """Takes the passwords of one URL out of any text: wherever a URL or
    ``password=`` writes one, and the URL's own password wherever it appears."""

    def __init__(self, url: str) -> None:
        # Longest first, so that a password's encoded form is replaced whole. A password
        # of fewer than 4 characters is only taken out where it is written as one (a
        # URL, password=): replacing "ab" everywhere would garble every line.
        self.passwords = sorted((p for p in passwords(url) if len(p) >= 4), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        text = URL_PASSWORD.sub(r"\1***@", text)
        text = KEY_PASSWORD.sub(r"\1***", text)
        for password in self.passwords:
            text = text.replace(password, "***")
        return text


def shown_url(url: str | URL) -> str:
    """The URL as it may be shown: without its password, nor one in its query
    (``?password=``, which libpq takes too)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")
