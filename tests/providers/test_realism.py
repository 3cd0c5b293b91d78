"""The fast providers' values come from Faker's own locale data and have the forms
Faker's values have: every check is also run on values of Faker itself, so it pins
the form, not an accident of the fast path."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from functools import partial
from typing import Any

import pytest
from faker.utils.text import slugify

from pyfactory.providers import fast_provider
from tests.providers.conftest import KEYS, faker


def fast(
    locale: str, name: str, *args: Any, keys: Iterable[int] = KEYS, **kwargs: Any
) -> list[Any]:
    """Values of the fast provider for ``keys``."""
    fn = fast_provider(faker(locale), name, args, kwargs)
    assert fn is not None, f"{locale} {name}: no fast provider"
    return fn.many(keys)


def slow(locale: str, name: str, *args: Any, count: int = 300, **kwargs: Any) -> list[Any]:
    """Values of Faker itself, to check that a test's expectations hold for Faker."""
    fake = faker(locale)
    fake.seed_instance(7)
    return [getattr(fake, name)(*args, **kwargs) for _ in range(count)]


def both(locale: str, name: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Fast values then Faker's."""
    return fast(locale, name, *args, **kwargs) + slow(locale, name, *args, **kwargs)


def provider(locale: str, name: str) -> Any:
    """The Faker provider instance whose method ``name`` is."""
    return getattr(faker(locale), name).__self__


def entries(data: Any) -> set[str]:
    return set(data.keys() if hasattr(data, "keys") else data)


def numerify_regex(formats: Iterable[str]) -> re.Pattern[str]:
    """A regex of what numerifying any of ``formats`` gives."""
    replace = {"#": "[0-9]", "%": "[1-9]", "$": "[2-9]", "!": "[0-9]?", "@": "[1-9]?"}
    return re.compile(
        "|".join("".join(replace.get(ch, re.escape(ch)) for ch in f) for f in formats)
    )


def ascii_slug(locale: str) -> Callable[[str], str]:
    """What Faker does to a name to put it in a user name, by Faker's own functions."""
    internet = provider(locale, "user_name")
    return lambda text: slugify(internet._to_ascii(text.lower()), allow_unicode=True)


def splits_into(value: str, *parts: set[str]) -> bool:
    """Whether ``value`` is one entry of each set, concatenated.

    Tries each place to cut ``value`` (a set lookup each) rather than each entry of the
    set (thousands of names, for each of thousands of user names)."""
    if not parts:
        return value == ""
    first, rest = parts[0], parts[1:]
    return any(
        value[:cut] in first and splits_into(value[cut:], *rest) for cut in range(len(value) + 1)
    )


class TestPerson:
    """Names from the locale's tables, in the locale's formats, with its weights."""

    @pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE", "ja_JP"])
    @pytest.mark.parametrize("part", ["first_name", "last_name"])
    def test_parts_come_from_the_tables(self, locale: str, part: str) -> None:
        """Every first or last name is an entry of the locale's table, and the draws
        reach much of it."""
        table = entries(getattr(provider(locale, "name"), f"{part}s"))
        if locale == "ja_JP":  # pairs of (kanji, kana, romaji)
            table = {pair[0] for pair in getattr(provider(locale, "name"), f"{part}_pairs")}
        got = both(locale, part)
        assert set(got) <= table
        assert len(set(got)) >= min(len(table) // 3, 100)

    def test_weights_are_faker_weights(self) -> None:
        """en_US first names are picked by their weights: the most common name comes up
        about as often as its weight says (20,000 draws, within 20%)."""
        weights = provider("en_US", "name").first_names
        top = max(weights, key=weights.get)
        share = weights[top] / sum(weights.values())
        got = Counter(fast("en_US", "first_name", keys=range(20000)))
        assert got[top] / 20000 == pytest.approx(share, rel=0.2)

    @pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE", "ja_JP"])
    def test_names_are_formats_of_parts(self, locale: str) -> None:
        """A name is a prefix (maybe), a first name, a last name and a suffix (maybe),
        as in the locale's formats; en_US gives mostly two-part names."""
        person = provider(locale, "name")
        firsts = entries(person.first_names)
        lasts = entries(person.last_names)
        if locale == "ja_JP":
            firsts = {p[0] for p in person.first_name_pairs}
            lasts = {p[0] for p in person.last_name_pairs}
        for name in both(locale, "name"):
            if locale == "ja_JP":
                family, given = name.split(" ")
                assert family in lasts
                assert given in firsts
                continue
            # Prefixes ("de la") and last names ("Dos Santos") may hold spaces, and
            # parts may be joined by hyphens: look for runs of words.
            words = re.split("[ -]", name)
            runs = {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, i + 4)}
            assert runs & firsts, name
            assert runs & lasts, name
        if locale == "en_US":
            two = sum(len(n.split(" ")) == 2 for n in fast(locale, "name"))
            assert two / len(KEYS) > 0.9

    @pytest.mark.parametrize("gender", ["male", "female"])
    def test_gendered_names(self, gender: str) -> None:
        """``name_female`` uses the locale's female formats and first names."""
        person = provider("en_US", "name")
        firsts = entries(getattr(person, f"first_names_{gender}"))
        for name in both("en_US", f"name_{gender}"):
            assert any(word in firsts for word in name.split(" ")), name
        assert set(both("en_US", f"first_name_{gender}")) <= firsts

    def test_prefix_and_suffix(self) -> None:
        person = provider("en_US", "name")
        prefixes = entries(person.prefixes_male) | entries(person.prefixes_female)
        prefixes |= entries(person.prefixes_nonbinary)
        assert set(both("en_US", "prefix")) <= prefixes
        suffixes = entries(person.suffixes_male) | entries(person.suffixes_female)
        suffixes |= entries(person.suffixes_nonbinary)
        assert set(both("en_US", "suffix")) <= suffixes


class TestInternet:
    """User names and emails made as Faker makes them: from the names, transliterated
    and slugged."""

    @pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "ja_JP"])
    def test_user_names_are_made_of_names(self, locale: str) -> None:
        """Each user name is last+first, first+last, first and two digits, or a letter
        and a last name, each name as Faker's own ``_to_ascii`` and ``slugify`` make
        it (``Müller`` is ``mueller`` in de_DE)."""
        person = provider(locale, "name")
        slug = ascii_slug(locale)
        if locale == "ja_JP":
            firsts = {slug(p[2]) for p in person.first_name_pairs}
            lasts = {slug(p[2]) for p in person.last_name_pairs}
        else:
            firsts = {slug(n) for n in entries(person.first_names)}
            lasts = {slug(n) for n in entries(person.last_names)}
        digits = {f"{i:02d}" for i in range(100)}
        letters = set(string.ascii_lowercase)
        for user in both(locale, "user_name"):
            assert re.fullmatch(r"[a-z0-9_-]+", user), user
            assert (
                splits_into(user, lasts, firsts)
                or splits_into(user, firsts, lasts)
                or splits_into(user, firsts, digits)
                or splits_into(user, letters, lasts)
            ), user

    def test_umlauts_are_replaced(self) -> None:
        """de_DE's replacements (``ä`` is ``ae``) apply, as in Faker."""
        got = " ".join(fast("de_DE", "user_name", keys=range(20000)))
        assert "ae" in got
        assert "ü" not in got

    @pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE", "ja_JP"])
    def test_emails(self, locale: str) -> None:
        """An email is a user name at a safe domain (``example.com``), or with
        ``free_email`` at one of the locale's free domains; lower case."""
        internet = provider(locale, "user_name")
        safe = "|".join(re.escape(d) for d in internet.safe_domain_names)
        for email in both(locale, "email"):
            assert re.fullmatch(rf"[a-z0-9_-]+@({safe})", email), email
        free = {d.lower() for d in entries(internet.free_email_domains)}
        for email in both(locale, "free_email"):
            assert email.split("@")[1] in free, email
        for email in both(locale, "email", domain="Corp.Example"):
            assert email.endswith("@corp.example"), email

    def test_non_safe_emails_use_email_formats(self) -> None:
        """``email(safe=False)``: the locale's email formats, at a company domain or a
        free one."""
        internet = provider("en_US", "user_name")
        free = entries(internet.free_email_domains)
        tlds = "|".join(internet.tlds)
        for email in both("en_US", "email", safe=False):
            user, domain = email.split("@")
            assert re.fullmatch(r"[a-z0-9_-]+", user), email
            assert domain in free or re.fullmatch(rf"[a-z0-9-]+\.({tlds})", domain), email

    @pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE", "ja_JP"])
    def test_domains_and_urls(self, locale: str) -> None:
        """A domain is a company name's first word, slugged, and one of the locale's
        top-level domains; a URL wraps it in a scheme and maybe ``www.``."""
        internet = provider(locale, "user_name")
        tlds = "|".join(re.escape(t) for t in internet.tlds)
        domain = rf"[a-z0-9_-]+\.({tlds})"
        for value in both(locale, "domain_name"):
            assert re.fullmatch(domain, value), value
        for value in both(locale, "url"):
            assert re.fullmatch(rf"https?://(www\.)?{domain}/", value), value
        for value in both(locale, "url", schemes=["ftp"]):
            assert value.startswith("ftp://"), value
        for value in both(locale, "domain_name", 2):
            assert re.fullmatch(rf"[a-z0-9_-]+\.{domain}", value), value

    def test_domain_words_are_last_names(self) -> None:
        """en_US domain words are last names (from ``{{last_name}} {{company_suffix}}``
        and the like) or two joined by a hyphen."""
        lasts = {slugify(n) for n in entries(provider("en_US", "name").last_names)}
        for word in both("en_US", "domain_word"):
            assert all(part in lasts for part in word.split("-")), word


class TestAddress:
    """Addresses, cities, postcodes and countries in the locale's formats."""

    def test_en_us_addresses(self) -> None:
        """A street address, a city, a state and a ZIP code; or a military address."""
        address = re.compile(
            r"\d{3,5} [A-Za-z' -]+( (Apt\.|Suite) \d{3})?\n[A-Za-z' ]+, [A-Z]{2} \d{5}"
            r"|(USNS|USNV|USS|USCGC) [A-Za-z' -]+\nFPO A[AEP] \d{5}"
            r"|PSC \d{4}, Box \d{4}\nAPO A[AEP] \d{5}"
            r"|Unit \d{4} Box \d{4}\nDPO A[AEP] \d{5}"
        )
        for value in both("en_US", "address"):
            assert address.fullmatch(value), value

    def test_en_us_postcodes_and_states(self) -> None:
        """ZIP codes are 501 to 99950, five digits; state abbreviations with territories
        unless asked without."""
        codes = [int(v) for v in both("en_US", "postcode")]
        assert all(501 <= c <= 99950 for c in codes)
        assert all(re.fullmatch(r"\d{5}", v) for v in fast("en_US", "postcode"))
        address = provider("en_US", "state_abbr")
        states = set(address.states_abbr)
        everything = states | set(address.territories_abbr)
        everything |= set(address.freely_associated_states_abbr)
        assert set(fast("en_US", "state_abbr")) == everything
        assert (
            set(
                fast(
                    "en_US",
                    "state_abbr",
                    include_territories=False,
                    include_freely_associated_states=False,
                )
            )
            == states
        )

    @pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE", "ja_JP"])
    def test_cities_and_countries(self, locale: str) -> None:
        """Countries are the locale's list (all of them reached); cities are made of
        the locale's names and suffixes (or its city table)."""
        address = provider(locale, "city")
        countries = entries(address.countries)
        got = both(locale, "country")
        assert set(got) <= countries
        assert set(fast(locale, "country", keys=range(20000))) == countries
        cities = both(locale, "city")
        if hasattr(address, "cities"):
            assert set(cities) <= entries(address.cities)
        elif hasattr(address, "city_suffixes"):
            suffixes = tuple(entries(address.city_suffixes))
            person = provider(locale, "name")
            names = entries(person.first_names) | entries(person.last_names)
            words = " ".join(cities)
            assert any(s in words for s in suffixes)
            assert sum(any(n in c for n in names) for c in cities) > len(cities) / 2

    def test_fr_fr_postcodes_start_with_a_department(self) -> None:
        departments = {
            "20" if d in ("2A", "2B") else d for d, _ in provider("fr_FR", "postcode").departments
        }
        for code in both("fr_FR", "postcode"):
            assert re.fullmatch(r"\d{5}", code), code
            number = code[:3] if code[:3] in departments else code[:2]
            assert number in departments, code
            assert code[len(number)] != "0", code

    def test_en_gb_postcodes(self) -> None:
        for code in both("en_GB", "postcode"):
            assert re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}", code), code

    @pytest.mark.parametrize("locale", ["en_US", "de_DE", "ja_JP", "fr_FR"])
    def test_phone_numbers_fit_the_locales_formats(self, locale: str) -> None:
        """Each number is one of the locale's formats with its placeholders filled
        (fr_FR's formats name area codes: those are filled too)."""
        phone = provider(locale, "phone_number")
        formats = entries(phone.formats)
        if locale == "fr_FR":
            # Area codes are numerify patterns too ("6##" for mobiles).
            codes = numerify_regex(phone.area_codes).pattern
            separated = numerify_regex(f"{c[0]} {c[1:]}" for c in phone.area_codes).pattern
            regex = re.compile(
                "|".join(
                    numerify_regex([f])
                    .pattern.replace(re.escape("{{area_code_with_separator}}"), f"({separated})")
                    .replace(re.escape("{{area_code_without_separator}}"), f"({codes})")
                    for f in formats
                )
            )
        else:
            regex = numerify_regex(formats)
        for number in both(locale, "phone_number"):
            assert regex.fullmatch(number), number

    def test_building_numbers_and_street_addresses(self) -> None:
        address = provider("de_DE", "street_address")
        regex = numerify_regex(address.building_number_formats)
        for number in both("de_DE", "building_number"):
            assert regex.fullmatch(number), number
        for street in both("de_DE", "street_address"):
            assert re.fullmatch(r".+ \S+", street), street

    def test_ja_jp_addresses_start_with_a_prefecture(self) -> None:
        prefectures = tuple(provider("ja_JP", "address").prefectures)
        for value in both("ja_JP", "address"):
            assert value.startswith(prefectures), value

    def test_companies_and_jobs(self) -> None:
        """en_US companies are ``Last Suffix``, ``Last-Last`` or ``Last, Last and
        Last``; jobs come from the job table."""
        lasts = "|".join(re.escape(n) for n in entries(provider("en_US", "name").last_names))
        suffixes = "|".join(re.escape(s) for s in provider("en_US", "company").company_suffixes)
        company = re.compile(
            rf"({lasts}) ({suffixes})|({lasts})-({lasts})|({lasts}), ({lasts}) and ({lasts})"
        )
        for value in both("en_US", "company"):
            assert company.fullmatch(value), value
        for locale in ("en_US", "fr_FR", "ja_JP"):
            assert set(both(locale, "job")) <= entries(provider(locale, "job").jobs)


class TestText:
    """Words, sentences, paragraphs and texts from the locale's word list."""

    @pytest.mark.parametrize("locale", ["en_US", "fr_FR", "ja_JP"])
    def test_words_and_sentences(self, locale: str) -> None:
        """A sentence is 3 to 8 words (6, give or take 40%), the first title-cased,
        joined and ended as the locale does; words are the locale's."""
        lorem = provider(locale, "sentence")
        words = set(lorem.word_list)
        # Some entries hold a space ("afin de"): a sentence's words are their words.
        pieces = {piece for word in words for piece in word.split(" ")}
        pieces |= {piece for word in words for piece in word.title().split(" ")}
        titled = {w.title().split(" ")[0] for w in words}
        assert set(both(locale, "word")) <= words
        for group in both(locale, "words"):
            assert len(group) == 3
            assert set(group) <= words
        for sentence in both(locale, "sentence"):
            assert sentence.endswith(lorem.sentence_punctuation), sentence
            if lorem.word_connector:
                parts = sentence[: -len(lorem.sentence_punctuation)].split(lorem.word_connector)
                assert len(parts) >= 3, sentence
                assert parts[0] in titled, sentence
                assert set(parts[1:]) <= pieces, sentence
        lengths = Counter(len(s.split(" ")) for s in fast("en_US", "sentence"))
        assert set(lengths) == set(range(3, 9))

    def test_sentence_arguments(self) -> None:
        assert {len(s.split(" ")) for s in both("en_US", "sentence", 4, False)} == {4}
        assert set(both("en_US", "sentence", 0)) == {""}
        for sentence in both("en_US", "sentence", ext_word_list=["alpha", "beta"]):
            assert set(sentence.lower().rstrip(".").split(" ")) <= {"alpha", "beta"}

    def test_words_arguments(self) -> None:
        for group in both("en_US", "words", 5, unique=True):
            assert len(set(group)) == 5
        verbs = set(provider("en_US", "word").parts_of_speech["verb"])
        assert set(both("en_US", "word", part_of_speech="verb")) <= verbs

    def test_paragraphs(self) -> None:
        """A paragraph is 1 to 4 sentences (3, give or take 40%)."""
        for paragraph in both("en_US", "paragraph"):
            sentences = paragraph.split(". ")
            assert 1 <= len(sentences) <= 4, paragraph
            assert paragraph.endswith(".")
        assert {len(p.split(". ")) for p in both("en_US", "paragraph", 2, False)} == {2}
        assert len(both("en_US", "paragraphs", 2)[0]) == 2
        assert len(both("en_US", "sentences", 4)[0]) == 4

    @pytest.mark.parametrize("limit", [10, 50, 200])
    def test_texts_stay_under_their_limit(self, limit: int) -> None:
        """``text(max_nb_chars)`` never goes over its limit, ends with a full stop,
        and uses words, sentences or paragraphs by the limit, as Faker does."""
        for value in both("en_US", "text", limit):
            assert 0 < len(value) <= limit, value
            assert value.endswith("."), value
            assert value[0].isupper()
        if limit == 200:
            assert any("\n" in v for v in fast("en_US", "text", limit))


TODAY = date.today()


class TestTime:
    """Dates and times inside their ranges, covering them."""

    def test_dates_between_1970_and_today(self) -> None:
        for value in both("en_US", "date"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            assert date(1970, 1, 1) <= date.fromisoformat(value) <= TODAY
        years = {v[:4] for v in fast("en_US", "date")}
        assert len(years) > 40
        for value in both("en_US", "date", "%d/%m/%Y"):
            assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", value)
        assert all(re.fullmatch(r"\d{4}", v) for v in both("en_US", "year"))

    def test_date_between_absolute_dates(self) -> None:
        """From the start up to the day before the end; every day reached."""
        start, end = date(2020, 1, 1), date(2020, 3, 1)
        got = both("en_US", "date_between", start, end)
        assert all(start <= d < end for d in got)
        assert set(fast("en_US", "date_between", start, end)) == {
            start + timedelta(days=i) for i in range((end - start).days)
        }
        assert set(both("en_US", "date_between", start, start)) == {start}

    def test_date_between_relative_ends(self) -> None:
        """Faker's own strings: ``"-30y"`` is 30 years of 365.24 days before today."""
        for value in both("en_US", "date_between", "-30y", "today"):
            assert TODAY - timedelta(days=30 * 365.24 + 1) <= value <= TODAY
        for value in both("en_US", "future_date", "+10d"):
            assert TODAY < value <= TODAY + timedelta(days=10)
        for value in both("en_US", "past_date"):
            assert TODAY - timedelta(days=31) <= value < TODAY

    def test_date_time_between(self) -> None:
        """Naive datetimes in the range, to the microsecond; with a zone, aware ones in
        that zone."""
        start, end = datetime(2021, 6, 1), datetime(2021, 6, 2)
        got = both("en_US", "date_time_between", start, end)
        assert all(start <= v <= end and v.tzinfo is None for v in got)
        assert len({v.hour for v in got}) == 24
        tz = timezone(timedelta(hours=5))
        aware = both("en_US", "date_time_between", start, end, tz)
        lowest = start.replace(tzinfo=timezone.utc)
        assert all(
            v.tzinfo == tz and lowest <= v <= end.replace(tzinfo=timezone.utc) for v in aware
        )
        for value in both("en_US", "date_time"):
            assert datetime(1970, 1, 1) <= value <= datetime.now()
        for value in both("en_US", "past_datetime"):
            assert datetime.now() - timedelta(days=31) <= value <= datetime.now()

    def test_dates_of_birth(self) -> None:
        """Ages between the minimum and the maximum, both reached."""
        got = both("en_US", "date_of_birth", minimum_age=18, maximum_age=30)
        ages = {TODAY.year - d.year - ((TODAY.month, TODAY.day) < (d.month, d.day)) for d in got}
        assert ages <= set(range(18, 31))
        assert {18, 30} <= ages


class TestNumbers:
    """Integers in their bounds and covering them; booleans by their chances; UUIDs
    of version 4."""

    def test_integers(self) -> None:
        assert set(both("en_US", "pyint", min_value=5, max_value=20, step=5)) == {5, 10, 15, 20}
        assert set(fast("en_US", "random_int", 1, 6, keys=range(1000))) == set(range(1, 7))
        got = both("en_US", "pyint")
        assert all(0 <= v <= 9999 for v in got)
        assert min(got) < 100
        assert max(got) > 9900
        # A range wider than a word: every digit still varies.
        huge = fast("en_US", "pyint", 0, 10**30)
        assert all(0 <= v <= 10**30 for v in huge)
        assert {v % 10 for v in huge} == set(range(10))
        assert fast_provider(faker(), "pyint", (0, 10**30), {}).many(range(50)) == huge[:50]  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("name", "argument"),
        [("pybool", "truth_probability"), ("boolean", "chance_of_getting_true")],
    )
    def test_booleans_by_their_chances(self, name: str, argument: str) -> None:
        got = fast("en_US", name, keys=range(10000), **{argument: 80})
        assert sum(got) / len(got) == pytest.approx(0.8, abs=0.02)
        assert set(fast("en_US", name)) == {True, False}
        assert set(fast("en_US", "null_boolean")) == {None, True, False}

    def test_uuids(self) -> None:
        import uuid

        texts = both("en_US", "uuid4")
        objects = fast("en_US", "uuid4", cast_to=None)
        assert all(
            re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", t)
            for t in texts
        )
        assert all(isinstance(u, uuid.UUID) and u.version == 4 for u in objects)
        assert [str(u) for u in objects] == fast("en_US", "uuid4")
        assert len(set(texts)) == len(texts)

    def test_floats(self) -> None:
        assert all(isinstance(v, float) for v in both("en_US", "pyfloat"))
        for value in both("en_US", "pyfloat", left_digits=2, right_digits=3, positive=True):
            assert 0 < value < 100
            assert len(repr(value).split(".")[1]) <= 3
        got = both("en_US", "pyfloat", min_value=1, max_value=10)
        assert all(1 <= v <= 10 for v in got)
        assert max(got) - min(got) > 7
        negative = both("en_US", "pyfloat", positive=False)
        assert all(v <= 0 for v in negative)


def test_functools_partial_compile_is_shared() -> None:
    """Two fast providers made from ``partial`` calls are the same object."""
    make = partial(fast_provider, faker(), "city")
    assert make() is make()


class TestMore:
    """The other compiled calls and arguments of each kind."""

    def test_times_and_date_objects(self) -> None:
        for value in both("en_US", "date_object"):
            assert date(1970, 1, 1) <= value <= TODAY
        for value in both("en_US", "time"):
            assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", value), value
        for value in both("en_US", "time", "%H.%M"):
            assert re.fullmatch(r"\d{2}\.\d{2}", value), value
        now = datetime.now()
        for value in both("en_US", "future_datetime", "+2d"):
            assert now <= value <= now + timedelta(days=2, minutes=1)
        for value in both("en_US", "date_time", end_datetime=datetime(1980, 1, 1)):
            assert datetime(1970, 1, 1) <= value <= datetime(1980, 1, 1)
        tz = timezone(timedelta(hours=-3))
        assert all(v.tzinfo is tz for v in both("en_US", "date_time", tz))
        # An empty range is its one moment (Faker's too, but at each call's "now").
        assert len(set(fast("en_US", "date_time_between", "-1d", "-1d"))) == 1

    def test_country_codes(self) -> None:
        address = provider("en_US", "country_code")
        assert set(both("en_US", "country_code")) <= set(address.alpha_2_country_codes)
        assert set(both("en_US", "country_code", "alpha-3")) <= set(address.alpha_3_country_codes)

    @pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP", "en_GB"])
    def test_prefixes_and_suffixes_of_other_locales(self, locale: str) -> None:
        """de_DE has gendered prefixes, fr_FR one table, ja_JP none; Faker agrees."""
        person = provider(locale, "prefix")
        tables = ("prefixes", "prefixes_male", "prefixes_female", "prefixes_nonbinary")
        known = set().union(*(entries(getattr(person, t, ())) for t in tables)) or {""}
        assert set(both(locale, "prefix")) <= known
        assert set(both(locale, "prefix_female")) <= known
        tables = ("suffixes", "suffixes_male", "suffixes_female", "suffixes_nonbinary")
        known = set().union(*(entries(getattr(person, t, ())) for t in tables)) or {""}
        assert set(both(locale, "suffix")) <= known
        assert set(both(locale, "suffix_male")) <= known
        assert set(both(locale, "last_name_female")) <= entries(
            getattr(person, "last_names_female", person.last_names)
        ) | {p[0] for p in getattr(person, "last_name_pairs", ())}

    @pytest.mark.parametrize(
        ("kwargs", "check"),
        [
            ({"right_digits": 2}, lambda v: len(repr(abs(v)).split(".")[1]) <= 2),
            ({"left_digits": 3}, lambda v: abs(v) < 1000),
            ({"left_digits": 1, "right_digits": 1, "positive": True}, lambda v: 0 < v < 10),
            ({"min_value": -10, "max_value": -1}, lambda v: -10 <= v <= -1),
            ({"min_value": 0, "max_value": 1, "right_digits": 3}, lambda v: 0 <= v <= 1),
            ({"min_value": 5, "max_value": 6, "positive": True}, lambda v: 5 <= v <= 6),
        ],
    )
    def test_floats(self, kwargs: dict[str, Any], check: Callable[[float], bool]) -> None:
        """pyfloat's digit counts, sign and bounds, as Faker keeps them."""
        for value in both("en_US", "pyfloat", **kwargs):
            assert isinstance(value, float)
            assert check(value), (kwargs, value)
