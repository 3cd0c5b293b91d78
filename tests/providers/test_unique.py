"""``UniqueValues``: never the same value twice, deterministic in the order of draws,
no retry storm near a space's end, and a clear error when a small space is used up."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from pyfactory.errors import FactoryError
from pyfactory.providers import FastProvider, UniqueValues, fast_provider
from tests.providers.conftest import faker


def compiled(name: str, *args: Any, locale: str = "en_US", **kwargs: Any) -> FastProvider:
    fn = fast_provider(faker(locale), name, args, kwargs)
    assert fn is not None
    return fn


def draw_all(unique: UniqueValues, keys: range) -> list[Any]:
    return [unique.draw(key) for key in keys]


class TestUniqueness:
    """Values never repeat, however many are drawn."""

    def test_100_000_emails(self) -> None:
        """100,000 emails, all different; the first of each key is the key's own
        value when it is free."""
        fn = compiled("email")
        unique = UniqueValues(fn, "fake('email')")
        got = draw_all(unique, range(100_000))
        assert len(set(got)) == 100_000
        assert len(unique) == 100_000
        assert got[:100] == [fn(k) for k in range(100)]
        assert all("@example." in v for v in got)

    @pytest.mark.slow
    @pytest.mark.untraced  # the lines of test_100_000_emails, a million times: 3x slower traced
    def test_1_000_000_emails(self) -> None:
        """A million emails stay unique; those past the names' space get digits in
        their local part, as Faker's own ``{{first_name}}##`` user names have."""
        unique = UniqueValues(compiled("email"), "fake('email')")
        got = draw_all(unique, range(1_000_000))
        assert len(set(got)) == 1_000_000
        widened = [v for v in got[-1000:] if v.split("@")[0][-3:].isdigit()]
        assert widened

    def test_large_spaces_without_digits(self) -> None:
        """Names have no digits to add: 50,000 en_US names come from other draws of
        the keys, with uniform weights once popular names are taken."""
        got = draw_all(UniqueValues(compiled("name"), "fake('name')"), range(50_000))
        assert len(set(got)) == 50_000

    def test_small_spaces_give_every_value(self) -> None:
        """A table (the countries), a range and booleans give each of their values once,
        then refuse: the last ones come from what is left, not from retries."""
        countries = compiled("country")
        size = countries.gen.size()
        assert size is not None
        got = draw_all(UniqueValues(countries, "c"), range(size))
        assert set(got) == set(faker().address.__self__.countries)
        assert set(draw_all(UniqueValues(compiled("pyint", 0, 999), "n"), range(1000))) == set(
            range(1000)
        )
        days = draw_all(
            UniqueValues(compiled("date_between", date(2020, 1, 1), date(2020, 1, 11)), "d"),
            range(10),
        )
        assert sorted(days) == [date(2020, 1, d) for d in range(1, 11)]
        assert set(draw_all(UniqueValues(compiled("pybool"), "b"), range(2))) == {True, False}

    def test_widened_values_keep_their_form(self) -> None:
        """ja_JP user names are few; drawing more gives digits after a name, emails
        digits before the ``@``, URLs digits in the host."""
        users = draw_all(UniqueValues(compiled("user_name", locale="ja_JP"), "u"), range(30_000))
        assert len(set(users)) == 30_000
        assert any(u[-2:].isdigit() and not u[:-2].isdigit() for u in users)
        urls = draw_all(UniqueValues(compiled("url", locale="ja_JP"), "u"), range(3_000))
        assert len(set(urls)) == 3_000
        assert all(u.endswith("/") and "://" in u for u in urls)
        domains = draw_all(UniqueValues(compiled("domain_name", locale="ja_JP"), "d"), range(2_000))
        assert all(d.count(".") == 1 for d in domains)

    def test_unhashable_values(self) -> None:
        """Lists of words are compared by their text."""
        got = draw_all(
            UniqueValues(compiled("words", 1, ext_word_list=["a", "b", "c"]), "w"), range(3)
        )
        assert sorted(got) == [["a"], ["b"], ["c"]]

    def test_threads_share_one_memory(self) -> None:
        """Draws from several threads never give the same value twice."""
        unique = UniqueValues(compiled("pyint", 0, 3999), "n")
        got: list[int] = []

        def work(start: int) -> None:
            got.extend(unique.draw(k) for k in range(start, start + 1000))

        threads = [threading.Thread(target=work, args=(i * 1000,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(got) == list(range(4000))


class TestExhaustion:
    """A space with no value left raises, naming the provider and its size."""

    @pytest.mark.parametrize(
        ("name", "args", "size"), [("pybool", (), 2), ("pyint", (1, 5), 5), ("country", (), None)]
    )
    def test_all_values_used(self, name: str, args: tuple[Any, ...], size: int | None) -> None:
        fn = compiled(name, *args)
        size = size or fn.gen.size()
        unique = UniqueValues(fn, f"fake({name!r}, unique=True)")
        draw_all(unique, range(size))  # type: ignore[arg-type]
        with pytest.raises(FactoryError) as caught:
            unique.draw(10**6)
        assert str(caught.value) == (
            f"fake({name!r}, unique=True): all {size} values of {name!r} are used "
            "(unique=True); widen its space (other arguments such as a larger range, or "
            "another provider) or reset the unique values (Factory.reset_unique())"
        )
        with pytest.raises(FactoryError):
            unique.draw(10**6 + 1)
        unique.clear()
        assert len(draw_all(unique, range(size))) == size  # type: ignore[arg-type]

    def test_a_large_space_that_keeps_repeating(self) -> None:
        """A space that cannot be listed nor widened gives up after MAX_TRIES draws in
        a row: a text with 2 words of a 2-word list and a fixed count has 4 values, but
        the compiled sentence does not list them."""
        fn = compiled("sentence", 2, False, ext_word_list=["a", "b"])
        unique = UniqueValues(fn, "Note.title")
        got = draw_all(unique, range(4))
        assert len(set(got)) == 4
        with pytest.raises(FactoryError) as caught:
            unique.draw(99)
        assert str(caught.value) == (
            "Note.title: 64 draws in a row of 'sentence' repeated one of the 4 values already "
            "given; its values may be used up: widen its space (other arguments, another "
            "provider) or reset the unique values (Factory.reset_unique())"
        )


class TestClaim:
    """A claim refuses values another process has."""

    def test_refused_values_are_skipped_and_remembered(self) -> None:
        fn = compiled("pyint", 0, 9)
        refused = {3, 4, 5}
        offered: list[int] = []

        def claim(value: Any) -> bool:
            offered.append(value)
            return value not in refused

        unique = UniqueValues(fn, "n")
        got = [unique.draw(k, claim) for k in range(7)]
        assert sorted(got) == [0, 1, 2, 6, 7, 8, 9]
        assert sorted(offered) == list(range(10))  # each offered once
        with pytest.raises(FactoryError) as caught:
            unique.draw(99, claim)
        assert str(caught.value) == (
            "n: all 10 values of 'pyint' are used (unique=True) (3 of them already claimed "
            "by another process: see set_unique_claim()); widen its space (other arguments "
            "such as a larger range, or another provider) or reset the unique values "
            "(Factory.reset_unique())"
        )
        unique.clear()
        assert unique.draw(0) == fn(0)  # what the claim refused is forgotten too

    def test_widened_values_all_refused(self) -> None:
        """Emails never run out here, so candidates that all repeat were refused by the
        claim: the error says another process has them."""
        unique = UniqueValues(compiled("email"), "User.email")
        with pytest.raises(FactoryError) as caught:
            unique.draw(7, lambda value: False)
        assert str(caught.value) == (
            "User.email: 68 values in a row of 'email' were already claimed by another "
            "process (the processes that share unique values, such as pytest-xdist "
            "workers, claim each one: see set_unique_claim()); widen its space (other "
            "arguments, another provider) or reset the unique values (Factory.reset_unique())"
        )

    def test_large_space_some_refused(self) -> None:
        """Values repeated here and values refused, counted apart."""
        fn = compiled("sentence", 2, False, ext_word_list=["a", "b"])
        unique = UniqueValues(fn, "Note.title")
        first = unique.draw(0)
        with pytest.raises(FactoryError) as caught:
            unique.draw(1, lambda value: value == first)
        assert str(caught.value) == (
            "Note.title: 64 values in a row of 'sentence' were taken: 3 already claimed by "
            "another process, the other 61 already given here (the processes that share "
            "unique values, such as pytest-xdist workers, claim each one: see "
            "set_unique_claim()); widen its space (other arguments, another provider) or "
            "reset the unique values (Factory.reset_unique())"
        )


class TestDeterminism:
    """The values depend on the keys and on what was given before, nothing else."""

    def test_same_keys_same_values(self) -> None:
        fn = compiled("email", locale="ja_JP")
        first = draw_all(UniqueValues(fn, "a"), range(5000))
        assert draw_all(UniqueValues(fn, "b"), range(5000)) == first

    @pytest.mark.parametrize(
        ("name", "args"), [("email", ()), ("country", ()), ("pyint", (0, 300))]
    )
    def test_snapshot_and_restore(self, name: str, args: tuple[Any, ...]) -> None:
        """After a restore, the draws that followed the snapshot come again, also when
        they came from the values left of a small space."""
        unique = UniqueValues(compiled(name, *args), "x")
        draw_all(unique, range(150))
        snapshot = unique.snapshot()
        after = draw_all(unique, range(150, 240))
        unique.restore(snapshot)
        assert len(unique) == 150
        assert draw_all(unique, range(150, 240)) == after
        assert len(set(after)) == 90

    def test_clear_forgets(self) -> None:
        fn = compiled("country")
        unique = UniqueValues(fn, "x")
        first = draw_all(unique, range(50))
        unique.clear()
        assert len(unique) == 0
        assert draw_all(unique, range(50)) == first


def test_uuids_of_different_keys_differ() -> None:
    """A UUID carries its key's 64 bits: 200,000 neighbouring keys, 200,000 UUIDs."""
    fn = compiled("uuid4", cast_to=None)
    assert len(set(fn.many(range(200_000)))) == 200_000
