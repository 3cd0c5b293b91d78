"""Strings: the ``str`` rule (Faker words cut and padded to the field's lengths,
or the pattern generator when a pattern applies), the random letters and digits
that a unique text field falls back to once its words repeat, and the fitting of
provided text, URLs and e-mail addresses to ``min_length`` and ``max_length``.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable, Container
from typing import TYPE_CHECKING, Any

from pyfactory.autofill._common import _LETTERS, Generator, _draw_below, _draw_int, _rng
from pyfactory.autofill._pattern import _pattern_rule
from pyfactory.autofill._spec import _length_bounds, _Spec

if TYPE_CHECKING:
    from faker import Faker

    from pyfactory.autofill._compiler import _Compiler
    from pyfactory.introspect import FieldInfo


def _is_str(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, str) and not issubclass(tp, enum.Enum)


def _pad(value: str, lo: int, faker: Faker) -> str:
    return value + "".join(_rng(faker).choices(_LETTERS, k=lo - len(value)))


def _fit_text(value: str, lo: int, hi: int | None, faker: Faker) -> str:
    """Cut at ``hi`` (dropping the space the cut may leave), pad to ``lo`` with letters."""
    if hi is not None and len(value) > hi:
        value = value[:hi].rstrip()
    if len(value) < lo:
        value = _pad(value, lo, faker)
    return value


def _fit_url(value: str, lo: int, hi: int | None, faker: Faker) -> str:
    """Shorten the host, or lengthen the path, so the URL stays a URL (``http://x.io/`` is
    the shortest; below that, a plain cut). It keeps the ``/`` after the host that
    pydantic adds, so the URL's text is as long as it reads back."""
    scheme, sep, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    name, _, tld = host.rpartition(".")
    if not (sep and name and tld):
        return _fit_text(value, lo, hi, faker)
    if hi is not None and len(value) > hi:
        label = re.sub(r"[^a-z0-9]", "", name.rsplit(".", 1)[-1].lower()) or "x"
        for head, end in ((scheme, tld), ("http", "io")):
            room = hi - len(head) - len(end) - 5  # "://", "." and "/"
            if room >= 1:
                value = f"{head}://{label[:room]}.{end}/"
                break
        else:
            return _fit_text(value, lo, hi, faker)
    if len(value) < lo:
        value = _pad(value.rstrip("/") + "/", lo, faker)
    return value


def _fit_email(value: str, lo: int, hi: int | None, faker: Faker) -> str:
    """Shorten or lengthen the local part, so the address stays an address."""
    local, _, domain = value.rpartition("@")
    if hi is not None and len(value) > hi:
        if hi - len(domain) - 1 < 1:
            domain = "x.io"
        local = local[: max(hi - len(domain) - 1, 1)]
        value = f"{local}@{domain}"
        if len(value) > hi:  # too short for any address: a plain cut
            return _fit_text(value, lo, hi, faker)
    if len(value) < lo:
        value = f"{_pad(local, lo - len(domain) - 1, faker)}@{domain}"
    return value


def _fitted(
    gen: Generator, fit: Callable[[str, int, int | None, Faker], str], lo: int, hi: int | None
) -> Generator:
    def fitted(faker: Faker, field: FieldInfo) -> Any:
        return fit(gen(faker, field), lo, hi, faker)

    return fitted


def _str_rule(compiler: _Compiler, spec: _Spec, window: Any) -> Generator:
    if spec.pattern is not None:
        return _pattern_rule(spec)
    lo, hi = _length_bounds(spec, 0, None)
    if not lo and hi is None:

        def words(faker: Faker, field: FieldInfo) -> Any:
            return " ".join(faker.words(_draw_int(faker, 1, 3)))

        return words

    return _SizedWords(lo, hi)


class _SizedWords:
    """Words cut at the field's max_length and padded with letters to its min_length."""

    __slots__ = ("count", "hi", "lo")

    def __init__(self, lo: int, hi: int | None) -> None:
        # Enough words to reach min_length most of the time; letters pad the rest.
        self.count = min(max(lo // 6 + 1, 1), 40)
        self.lo = lo
        self.hi = hi

    def __call__(self, faker: Faker, field: FieldInfo) -> Any:
        count = self.count
        n = _draw_int(faker, count, count + 2)
        return _fit_text(" ".join(faker.words(n)), self.lo, self.hi, faker)

    def unique_fallback(self) -> _Alphanumeric | None:
        """What a unique field draws once the words repeat: letters and digits within
        its lengths; ``None`` without a max_length (the words do not run out then)."""
        if not self.hi:
            return None
        return _Alphanumeric(self.lo, self.hi)


#: The characters of the fallback strings.
_ALPHANUMERIC = string.ascii_letters + string.digits
#: The fallback's lengths stop growing once they hold this many strings, so that its
#: strings stay short (up to 7 characters) when the field allows longer ones.
_FALLBACK_SPACE = 10**12
#: The most strings that are searched for a free one, once random draws of them keep
#: repeating (a max_length of 3 allows 242,234).
_SEARCHED_SPACE = 1 << 20


class _Alphanumeric:
    """Random letters and digits of the lengths from ``max(lo, 1)`` to ``hi``, each
    string as likely as any other: a unique text field's values once its words repeat.
    """

    __slots__ = ("first", "sizes", "total")

    def __init__(self, lo: int, hi: int) -> None:
        self.first = max(lo, 1)
        sizes: list[int] = []  # how many strings there are of each length, from `first` on
        for length in range(self.first, hi + 1):
            sizes.append(len(_ALPHANUMERIC) ** length)
            if sum(sizes) >= _FALLBACK_SPACE:
                break
        self.sizes = tuple(sizes)
        self.total = sum(sizes)

    def _text(self, index: int) -> str:
        """The string numbered ``index``, counting the shorter ones first."""
        length = self.first
        for size in self.sizes:
            if index < size:
                break
            index -= size
            length += 1
        chars = []
        for _ in range(length):
            index, digit = divmod(index, len(_ALPHANUMERIC))
            chars.append(_ALPHANUMERIC[digit])
        return "".join(chars)

    def __call__(self, faker: Faker, field: FieldInfo) -> str:
        return self._text(_draw_below(faker, self.total))

    def free(self, faker: Faker, taken: Container[Any]) -> str | None:
        """The first string not ``taken``, from a random one on; ``None`` when every one
        is taken, or when there are too many to search."""
        total = self.total
        if total > _SEARCHED_SPACE:
            return None
        start = _draw_below(faker, total)
        for step in range(total):
            text = self._text((start + step) % total)
            if text not in taken:
                return text
        return None
