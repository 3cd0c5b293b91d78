"""Compilers for Faker's lorem provider (``faker.providers.lorem``): words, sentences,
paragraphs and texts from the locale's ``word_list``, joined with its
``word_connector`` and ended with its ``sentence_punctuation``.

A sentence of Faker's is a number of words near ``nb_words`` (``randomize_nb_elements``:
60 to 140 percent, at least one), the first title-cased. Here the word count and the
first five words or so come from one 64-bit word (ten bits or so each, two words per
product), the next from the next: a sentence costs one or two mixes instead of a
dozen Random calls. The title-cased list is made once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import log2
from typing import Any

from pyfactory._stream import GAMMA, MASK, mix
from pyfactory.providers._compile import Call, compiles
from pyfactory.providers._gen import Func, Gen, choice

_LOREM = "faker.providers.lorem"

#: Bits of a word spent on picks before the next word is drawn.
_BITS = 58


def _word_list(
    call: Call, ext_word_list: Any, part_of_speech: Any = None
) -> tuple[str, ...] | None:
    """Faker's ``get_words_list``: the given list, a part of speech's, or the
    locale's."""
    if ext_word_list is not None:
        words = ext_word_list
    elif part_of_speech:
        parts = getattr(call.provider, "parts_of_speech", {})
        if part_of_speech not in parts:
            return None  # Faker raises its ValueError
        words = parts[part_of_speech]
    else:
        words = call.data("word_list")
    words = tuple(words)
    if not words or not all(isinstance(w, str) for w in words):
        return None
    return words


def _counts(number: int, variable: bool) -> tuple[int, ...]:
    """The counts ``randomize_nb_elements(number, min=1)`` gives, each as likely
    (one per percentage from 60 to 140), or just ``number``."""
    if not variable:
        return (number,)
    return tuple(max(1, int(number * percent / 100)) for percent in range(60, 141))


def _picker(words: Sequence[str]) -> tuple[int, int]:
    """(how many words, how many picks one 64-bit word pays for)."""
    n = len(words)
    return n, max(1, _BITS // max(1, n.bit_length()))


def _sentence_draw(
    words: tuple[str, ...], counts: tuple[int, ...], connector: str, punctuation: str
) -> Callable[[int], str]:
    titled = tuple(w.title() for w in words)
    n = len(words)
    n_counts = len(counts)
    # Words are picked two at a time -- one 64-bit product, then a divmod of small
    # numbers -- which is a third cheaper than one product per word.
    pairs = n * n
    first_pairs = max(0, int((_BITS - log2(n_counts) - log2(n)) // log2(pairs)))
    word_pairs = max(1, int(_BITS // log2(pairs)))

    def draw(r: int) -> str:
        x = r * n_counts
        count = counts[x >> 64]
        x = (x & MASK) * n
        out = [titled[x >> 64]]
        bits = x & MASK
        left = count - 1
        budget = first_pairs
        j = 0
        while left > 1:
            if not budget:
                j += 1
                bits = mix((r + j * GAMMA) & MASK)
                budget = word_pairs
            x = bits * pairs
            a, b = divmod(x >> 64, n)
            out += (words[a], words[b])
            bits = x & MASK
            left -= 2
            budget -= 1
        if left:
            if not budget:
                bits = mix((r + (j + 1) * GAMMA) & MASK)
            out.append(words[(bits * n) >> 64])
        return connector.join(out) + punctuation

    return draw


def _words_draw(words: tuple[str, ...], count: int, unique: bool) -> Callable[[int], list[str]]:
    n, per_word = _picker(words)

    def draw(r: int) -> list[str]:
        out: list[str] = []
        taken: set[int] = set()
        bits = r
        i = 0
        while len(out) < count:
            if i and not i % per_word:
                bits = mix((r + i * GAMMA) & MASK)
            i += 1
            x = bits * n
            bits = x & MASK
            index = x >> 64
            if unique:
                # Sampling without replacement: a repeat is drawn again.
                if index in taken:
                    continue
                taken.add(index)
            out.append(words[index])
        return out

    return draw


@compiles(_LOREM, "word")
def _word(call: Call) -> Gen | None:
    """``word(part_of_speech=None, ext_word_list=None)``."""
    arguments = call.arguments(part_of_speech=None, ext_word_list=None)
    if arguments is None:
        return None
    words = _word_list(call, arguments["ext_word_list"], arguments["part_of_speech"])
    return None if words is None else choice(words)


@compiles(_LOREM, "words")
def _words(call: Call) -> Gen | None:
    """``words(nb=3, ext_word_list=None, part_of_speech=None, unique=False)``: a list."""
    arguments = call.arguments(nb=3, ext_word_list=None, part_of_speech=None, unique=False)
    if arguments is None or not isinstance(arguments["nb"], int) or arguments["nb"] < 0:
        return None
    words = _word_list(call, arguments["ext_word_list"], arguments["part_of_speech"])
    if words is None:
        return None
    unique = bool(arguments["unique"])
    if unique and arguments["nb"] > len(words):
        return None  # Faker raises its ValueError
    return Func(_words_draw(words, arguments["nb"], unique))


def _sentence_of(call: Call, nb_words: Any, variable: Any, ext_word_list: Any) -> Gen | None:
    if not isinstance(nb_words, int):
        return None
    if nb_words <= 0:
        return choice([""])
    words = _word_list(call, ext_word_list)
    if words is None:
        return None
    connector = call.data("word_connector")
    punctuation = call.data("sentence_punctuation")
    return Func(_sentence_draw(words, _counts(nb_words, bool(variable)), connector, punctuation))


@compiles(_LOREM, "sentence")
def _sentence(call: Call) -> Gen | None:
    """``sentence(nb_words=6, variable_nb_words=True, ext_word_list=None)``."""
    arguments = call.arguments(nb_words=6, variable_nb_words=True, ext_word_list=None)
    if arguments is None:
        return None
    return _sentence_of(
        call, arguments["nb_words"], arguments["variable_nb_words"], arguments["ext_word_list"]
    )


def _many(one: Callable[[int], str], count: int) -> Callable[[int], list[str]]:
    """``count`` values, the i-th from the i-th draw of the bits."""
    return lambda r: [one(mix((r + i * GAMMA) & MASK)) for i in range(1, count + 1)]


@compiles(_LOREM, "sentences")
def _sentences(call: Call) -> Gen | None:
    """``sentences(nb=3, ext_word_list=None)``: a list of default sentences."""
    arguments = call.arguments(nb=3, ext_word_list=None)
    if arguments is None or not isinstance(arguments["nb"], int):
        return None
    sentence = _sentence_of(call, 6, True, arguments["ext_word_list"])
    return None if sentence is None else Func(_many(sentence.draw, max(0, arguments["nb"])))


def _paragraph_of(call: Call, nb_sentences: Any, variable: Any, ext_word_list: Any) -> Gen | None:
    if not isinstance(nb_sentences, int):
        return None
    if nb_sentences <= 0:
        return choice([""])
    sentence = _sentence_of(call, 6, True, ext_word_list)
    if sentence is None:
        return None
    one = sentence.draw
    counts = _counts(nb_sentences, bool(variable))
    n_counts = len(counts)
    connector: str = call.data("word_connector")

    def draw(r: int) -> str:
        count = counts[(r * n_counts) >> 64]
        return connector.join([one(mix((r + i * GAMMA) & MASK)) for i in range(1, count + 1)])

    return Func(draw)


@compiles(_LOREM, "paragraph")
def _paragraph(call: Call) -> Gen | None:
    """``paragraph(nb_sentences=3, variable_nb_sentences=True, ext_word_list=None)``:
    default sentences, joined by the word connector."""
    arguments = call.arguments(nb_sentences=3, variable_nb_sentences=True, ext_word_list=None)
    if arguments is None:
        return None
    return _paragraph_of(
        call,
        arguments["nb_sentences"],
        arguments["variable_nb_sentences"],
        arguments["ext_word_list"],
    )


@compiles(_LOREM, "paragraphs")
def _paragraphs(call: Call) -> Gen | None:
    """``paragraphs(nb=3, ext_word_list=None)``: a list of default paragraphs."""
    arguments = call.arguments(nb=3, ext_word_list=None)
    if arguments is None or not isinstance(arguments["nb"], int):
        return None
    paragraph = _paragraph_of(call, 3, True, arguments["ext_word_list"])
    return None if paragraph is None else Func(_many(paragraph.draw, max(0, arguments["nb"])))


@compiles(_LOREM, "text")
def _text(call: Call) -> Gen | None:
    """``text(max_nb_chars=200, ext_word_list=None)``: words (under 25 characters),
    sentences (under 100) or paragraphs (joined by new lines) added until the text
    reaches ``max_nb_chars``, the last one then dropped -- Faker's loop, each unit
    drawn from its own draw of the bits."""
    arguments = call.arguments(max_nb_chars=200, ext_word_list=None)
    if arguments is None:
        return None
    limit = arguments["max_nb_chars"]
    if not isinstance(limit, int) or limit < 5:
        return None  # Faker raises its ValueError
    ext = arguments["ext_word_list"]
    connector = call.data("word_connector")
    if limit < 25:
        words = _word_list(call, ext)
        unit: Gen | None = None if words is None else choice(words)
        separator = connector
    elif limit < 100:
        unit, separator = _sentence_of(call, 6, True, ext), connector
    else:
        unit, separator = _paragraph_of(call, 3, True, ext), "\n"
    if unit is None:
        return None
    one = unit.draw
    as_words = limit < 25
    punctuation = call.data("sentence_punctuation")

    def draw(r: int) -> str:
        i = 0
        text: list[str] = []
        while not text:
            size = 0
            while size < limit:
                i += 1
                piece = (separator if size else "") + one(mix((r + i * GAMMA) & MASK))
                text.append(piece)
                size += len(piece)
            text.pop()
        if as_words:
            text[0] = text[0][0].upper() + text[0][1:]
            text[-1] += punctuation
        return "".join(text)

    return Func(draw)
