"""build() and build_batch() of plain values call a model whose signature takes the
schema's keys by position with them by position (pyfactory/_core/realization/calls.py):
the same objects as ``model(**attributes)``, whatever order the schema writes its keys
in, and keywords wherever the signature does not say that position is the same call.
Each factory call is made three times: the first call takes the long way, the others
the shortcut it leaves."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Any

import attrs
import pytest

from pyfactory import OMIT, BuilderError, Factory, lazy, schema
from pyfactory._core.realization.calls import bound_call, row_getter


@attrs.define
class Slotted:
    a: int
    b: str
    c: float = 0.5
    d: tuple[int, ...] = ()


@dataclasses.dataclass
class Keyworded:
    a: int
    b: str = "b"
    _: dataclasses.KW_ONLY
    c: int = 0


class Recorder:
    """Says how it was called."""

    def __init__(self, a: int, b: int, /, c: int = 0, *args: Any, **kwargs: Any) -> None:
        self.seen = (a, b, c, args, kwargs)


class Open:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.seen = (args, kwargs)


def keywords_read_by_wrapper(init: Any) -> Any:
    """A decorator that reads its keywords: its class must be called with keywords."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["b"] = f"{kwargs.get('b', '?')}!"
        init(self, *args, **kwargs)

    return wrapper


class Wrapped:
    @keywords_read_by_wrapper
    def __init__(self, a: int, b: str) -> None:
        self.seen = (a, b)


def three(factory: Factory[Any], *args: Any) -> list[Any]:
    return [factory.build(*args) for _ in range(3)]


def test_schema_keys_in_any_order_make_the_keyword_call() -> None:
    class SlottedFactory(Factory[Slotted]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"d": (1, 2), "b": "x", "a": 3, "c": 1.5}

        @schema()
        def gap(self) -> dict[str, Any]:
            # "c" is left to its default: "a" and "b" go by position, "d" by keyword.
            return {"d": (4,), "a": 1, "b": "y"}

    factory = SlottedFactory()
    assert three(factory, "basic") == [Slotted(3, "x", 1.5, (1, 2))] * 3
    assert three(factory, "gap") == [Slotted(1, "y", 0.5, (4,))] * 3
    assert factory.build_batch("basic", 3) == [Slotted(3, "x", 1.5, (1, 2))] * 3
    assert factory.build_batch("gap", 2) == [Slotted(1, "y", 0.5, (4,))] * 2


def test_keyword_only_fields_stay_keywords() -> None:
    class KeywordedFactory(Factory[Keyworded]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"c": 7, "a": 1, "b": "x"}

    factory = KeywordedFactory()
    assert three(factory, "basic") == [Keyworded(1, "x", c=7)] * 3
    assert factory.build_batch("basic", 2) == [Keyworded(1, "x", c=7)] * 2


def test_positional_only_and_open_signatures_get_keywords() -> None:
    # Recorder's a and b are positional only: the keyword call fails, so must this.
    class RecorderFactory(Factory[Recorder]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"a": 1, "b": 2, "c": 3}

    class OpenFactory(Factory[Open]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"a": 1, "b": 2}

    refused = r"RecorderFactory\.basic: .*missing 2 required positional"
    for _ in range(3):
        with pytest.raises(BuilderError, match=refused):
            RecorderFactory().build("basic")
    opened = three(OpenFactory(), "basic") + OpenFactory().build_batch("basic", 2)
    assert [o.seen for o in opened] == [((), {"a": 1, "b": 2})] * 5


def test_a_wrapped_init_that_reads_its_keywords_gets_them() -> None:
    class WrappedFactory(Factory[Wrapped]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"a": 1, "b": "x"}

    made = three(WrappedFactory(), "basic") + WrappedFactory().build_batch("basic", 2)
    assert [w.seen for w in made] == [(1, "x!")] * 5


def test_batch_rows_of_other_keys_are_made_with_keywords() -> None:
    # A lazy field that omits its key on some rows: rows of two shapes in one batch.
    turns = itertools.count()

    class SlottedFactory(Factory[Slotted]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "a": 1,
                "b": "x",
                "c": lazy(lambda _: OMIT if next(turns) % 2 else 2.5),
            }

    made = SlottedFactory().build_batch("basic", 4)
    assert made == [Slotted(1, "x", 2.5), Slotted(1, "x"), Slotted(1, "x", 2.5), Slotted(1, "x")]


def test_a_refused_row_is_named_as_before() -> None:
    @attrs.define
    class Checked:
        a: int = attrs.field(validator=attrs.validators.instance_of(int))
        b: int = 0

    class CheckedFactory(Factory[Checked]):
        @schema()
        def basic(self) -> dict[str, Any]:
            return {"a": "not a number", "b": 1}

    refused = r"CheckedFactory\.basic: .*'a' must be <class 'int'>"
    for _ in range(3):
        with pytest.raises(BuilderError, match=refused):
            CheckedFactory().build("basic")
    with pytest.raises(BuilderError, match=refused):
        CheckedFactory().build_batch("basic", 3)


def test_bound_call_and_row_getter_read_the_signature() -> None:
    assert bound_call(Slotted, {"b": "x", "a": 1}).args == (1, "x")
    assert bound_call(Slotted, {"b": "x", "d": ()}).args == ()  # no "a": all keywords
    assert bound_call(Keyworded, {"a": 1, "c": 2}).keywords == {"c": 2}
    assert bound_call(Open, {"a": 1}).keywords == {"a": 1}
    # A callable that publishes no signature, and one that takes no weak reference.
    assert bound_call(dict, {"a": 1})() == {"a": 1}
    assert bound_call(functools.partial(Slotted, 1), {"b": "x"})() == Slotted(1, "x")
    get = row_getter(Slotted, {"a": 0, "b": 0, "c": 0})
    assert get is not None
    assert get({"c": 3, "a": 1, "b": 2}) == (1, 2, 3)
    assert row_getter(Slotted, {"a": 0}) is None  # one key: not worth it
    assert row_getter(Slotted, {"a": 0, "b": 0, "x": 0}) is None  # "x" is no parameter
    assert row_getter(Keyworded, {"a": 0, "c": 0}) is None
