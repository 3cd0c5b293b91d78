"""The building blocks (``pyfactory.providers._gen``): what each draws, the spaces
they report, and how they map their texts."""

from __future__ import annotations

from collections import Counter

import pytest

from pyfactory._stream import mix
from pyfactory.providers._column import column, mixed_lanes
from pyfactory.providers._gen import (
    FULL,
    LIMIT,
    Choice,
    Const,
    Func,
    Gen,
    Mapped,
    OneOf,
    choice,
    template,
)
from pyfactory.providers._pattern import Pattern, pattern

BITS = [mix(k + 1) for k in range(4000)]


def drawn(gen: Gen) -> list[object]:
    return [gen.draw(r) for r in BITS]


def columns(gen: Gen) -> list[object]:
    """The values ``column`` makes for keys 0..999, which must be the draws'."""
    keys = list(range(1000))
    made = column(gen, mixed_lanes(keys), len(keys))
    assert made == [gen.draw(mix(k + 0x9E3779B97F4A7C15)) for k in keys]
    return made


class TestConst:
    def test_const(self) -> None:
        gen = Const("x")
        assert set(drawn(gen)) == {"x"}
        assert gen.size() == 1
        assert gen.values() == ["x"]
        assert gen.pieces() == {"x"}
        assert gen.bits == 0
        assert isinstance(gen.leafwise(str.upper), Const)
        assert gen.mapped(str.upper).draw(0) == "X"
        assert Const(3).leafwise(str.upper) is None
        assert Const(3).pieces() is None
        assert columns(Const(3)) == [3] * 1000


class TestChoice:
    def test_uniform_and_duplicates(self) -> None:
        """An entry listed twice is picked twice as often (Faker's tuple weighting)."""
        counts = Counter(drawn(Choice(["a", "a", "b"])))
        assert counts["a"] / counts["b"] == pytest.approx(2, rel=0.1)
        assert Choice(["a", "a", "b"]).size() == 2
        assert Choice(["a", "a", "b"]).values() == ["a", "b"]

    def test_weights(self) -> None:
        """Weights are followed; a zero weight is never picked nor listed."""
        gen = Choice(["a", "b", "c"], [3.0, 1.0, 0.0])
        counts = Counter(drawn(gen))
        assert counts["c"] == 0
        assert counts["a"] / counts["b"] == pytest.approx(3, rel=0.1)
        assert gen.values() == ["a", "b"]
        assert gen.weighted
        assert columns(gen) == columns(gen)

    def test_texts(self) -> None:
        gen = Choice(["a", "b"])
        assert gen.pieces() == {"a", "b"}
        mapped = gen.leafwise(str.upper)
        assert mapped is not None
        assert set(drawn(mapped)) == {"A", "B"}
        assert Choice([1, 2]).leafwise(str.upper) is None
        assert Choice([1, 2]).pieces() is None
        assert set(drawn(Choice([1, 2]).mapped(str))) == {"1", "2"}

    def test_choice_of_one(self) -> None:
        assert isinstance(choice(["a", "a"]), Const)
        assert isinstance(choice(["a", "b"]), Choice)


class TestOneOf:
    def test_chained_options(self) -> None:
        gen = OneOf([Choice(["a", "b"]), Const("c")], [1.0, 3.0])
        counts = Counter(drawn(gen))
        assert (counts["a"] + counts["b"]) / counts["c"] == pytest.approx(1 / 3, rel=0.15)
        assert gen.split is not None
        assert gen.size() == 3
        assert sorted(gen.values() or []) == ["a", "b", "c"]
        assert gen.pieces() == {"a", "b", "c"}
        mapped = gen.leafwise(str.upper)
        assert mapped is not None
        assert set(drawn(mapped)) == {"A", "B", "C"}
        columns(gen)

    def test_wide_options_get_a_fresh_word(self) -> None:
        """An option that needs more bits than the pick leaves is drawn from a new
        word; the OneOf then has no ``split``."""
        wide = Func(lambda r: r % 1000, size=1000)
        gen = OneOf([wide, Const(-1)], [1.0, 1.0])
        assert gen.split is None
        assert gen.bits == FULL
        assert -1 in drawn(gen)
        assert gen.size() == 1001
        assert gen.values() is None
        assert gen.pieces() is None
        columns(gen)
        weighted = OneOf([wide, Const(-1)], [1.0, 2.0])
        columns(weighted)

    def test_leafwise_refused_by_an_option(self) -> None:
        gen = OneOf([Const(1), Const("a")])
        assert gen.leafwise(str.upper) is None


class TestTemplate:
    def test_parts_and_space(self) -> None:
        gen = template(["<", Choice(["a", "b"]), "-", Choice(["1", "2", "3"]), ">"])
        assert set(drawn(gen)) == {f"<{a}-{n}>" for a in "ab" for n in "123"}
        assert gen.size() == 6
        assert sorted(gen.values() or []) == sorted(f"<{a}-{n}>" for a in "ab" for n in "123")
        assert gen.pieces() == {"<", "-", ">", "a", "b", "1", "2", "3"}
        mapped = gen.leafwise(str.upper)
        assert mapped is not None
        assert "<A-1>" in drawn(mapped)
        columns(gen)

    def test_merging(self) -> None:
        """Adjacent texts are merged; a template of one part is that part."""
        assert isinstance(template(["a", Const("b"), ""]), Const)
        assert template(["a", "b"]).draw(0) == "ab"
        only = Choice(["x", "y"])
        assert template(["", only]) is only
        assert template([]).draw(0) == ""

    def test_groups_and_wide_parts(self) -> None:
        """Parts that do not fit in one word, or have no split, are drawn from words
        of their own: the values still cover every combination."""
        big = Choice([str(i) for i in range(1 << 20)])
        gen = template([big, ":", big, ":", big, ":", Func(lambda r: r & 1, size=2)])
        assert gen.split is None
        values = drawn(gen)
        assert all(isinstance(v, str) and v.count(":") == 3 for v in values)
        assert {v.rsplit(":", 1)[1] for v in values} == {"0", "1"}  # type: ignore[union-attr]
        assert gen.size() == 2**61
        assert gen.values() is None
        columns(gen)

    def test_several_chained_parts(self) -> None:
        gen = template([Choice("ab"), Choice("cd"), Choice("ef"), Choice("gh")])
        assert gen.split is not None
        assert len(set(drawn(gen))) == 16
        assert gen.split(BITS[0])[0] == gen.draw(BITS[0])
        columns(gen)

    def test_unlistable_space(self) -> None:
        gen = template(
            [Choice([str(i) for i in range(2000)]), Choice([str(i) for i in range(2000)])]
        )
        assert gen.size() == 4_000_000
        assert gen.values() is None
        assert LIMIT < 4_000_000


class TestPattern:
    @pytest.mark.parametrize(
        ("text", "values"),
        [
            ("#", {str(d) for d in range(10)}),
            ("%", {str(d) for d in range(1, 10)}),
            ("$", {str(d) for d in range(2, 10)}),
            ("!", {""} | {str(d) for d in range(10)}),
            ("@", {""} | {str(d) for d in range(1, 10)}),
            ("x%#", {f"x{d}" for d in range(10, 100)}),
        ],
    )
    def test_placeholders(self, text: str, values: set[str]) -> None:
        """Faker's numerify placeholders, each value reached and listed."""
        gen = pattern(text)
        assert set(drawn(gen)) == values
        assert set(gen.values() or []) == values
        assert gen.size() == len(gen.values() or []) or text in ("!", "@")

    def test_letters_and_hex(self) -> None:
        assert set(drawn(pattern("?", letters="ab"))) == {"a", "b"}
        assert set(drawn(pattern("^", digits=False, hexdigits="0123456789abcdef"))) == set(
            "0123456789abcdef"
        )
        assert pattern("no placeholders").draw(0) == "no placeholders"
        assert pattern("a?", letters="xy", upper=True).draw(BITS[0]) in ("AX", "AY")

    def test_long_patterns_draw_several_words(self) -> None:
        gen = pattern("%" + "#" * 39)
        values = drawn(gen)
        assert all(isinstance(v, str) and len(v) == 40 and v.isdigit() for v in values)
        # Every digit is drawn: the last ones vary as much as the first.
        assert {v[-1] for v in values} == set("0123456789")  # type: ignore[index]
        assert "0" not in {v[0] for v in values}  # type: ignore[index]
        assert gen.split is None
        assert gen.values() is None
        columns(gen)

    def test_texts(self) -> None:
        gen = pattern("a-##", letters=None)
        assert isinstance(gen, Pattern)
        assert gen.pieces() == {"0123456789", "a-"}
        upper = gen.leafwise(str.upper)
        assert upper is not None
        assert drawn(upper)[0].startswith("A-")  # type: ignore[union-attr]
        assert gen.leafwise(lambda text: text.replace("1", "one")) is None
        lettered = pattern("?", letters="ab")
        assert isinstance(lettered, Pattern)
        assert lettered.pieces() == {"0123456789", "a", "b"}
        assert set(drawn(lettered.leafwise(str.upper) or lettered)) == {"A", "B"}
        columns(pattern("$##-%#-?", letters="xyz"))


class TestMappedAndFunc:
    def test_mapped(self) -> None:
        gen = Mapped(Choice(["a", "b", "B"]), str.lower)
        assert set(drawn(gen)) == {"a", "b"}
        assert gen.size() == 2
        assert gen.values() == ["a", "b"]
        unlisted = Mapped(Func(lambda r: r % 7), str)
        assert unlisted.size() is None
        assert unlisted.values() is None
        columns(gen)

    def test_func(self) -> None:
        gen = Func(lambda r: r % 3, size=3, values=lambda: [0, 1, 2])
        assert gen.values() == [0, 1, 2]
        assert Func(lambda r: r, size=LIMIT + 1, values=list).values() is None
        assert Func(lambda r: r).values() is None
        assert Func(lambda r: r).pieces() is None
        leafwise = gen.leafwise(lambda text: text + "!")
        assert leafwise is not None
        assert set(drawn(leafwise)) == {"0!", "1!", "2!"}
