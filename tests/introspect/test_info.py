"""The FieldInfo record itself (``pyfactory/introspect/_info.py``)."""

from __future__ import annotations

import decimal
import pickle

import attrs
import pytest

from pyfactory.introspect import NO_DEFAULT, FieldInfo


class TestFieldInfo:
    """A frozen record with a default for everything but the name and the type."""

    def test_defaults_describe_a_plain_optional_field(self) -> None:
        """A record made from a name and a type says nothing more about the field."""
        info = FieldInfo("name", str)
        assert (info.required, info.has_default, info.nullable) == (False, False, False)
        assert info.default is NO_DEFAULT
        assert info.default_factory is None
        assert info.choices is None
        assert (info.unique, info.primary_key, info.server_generated) == (False, False, False)
        assert (info.relation, info.related_model, info.foreign_keys) == (None, None, ())
        assert info.extra == {}

    def test_is_frozen(self) -> None:
        """A record cannot be changed once made."""
        info = FieldInfo("name", str)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            info.name = "other"  # type: ignore[misc]

    def test_everything_after_the_type_is_keyword_only(self) -> None:
        """Only the name and the type may be given by position."""
        with pytest.raises(TypeError):
            FieldInfo("name", str, True)  # type: ignore[misc]

    def test_extra_is_copied(self) -> None:
        """The record keeps its own copy of ``extra``, not the caller's dict."""
        given = {"format": "email"}
        info = FieldInfo("email", str, extra=given)
        given["format"] = "url"
        assert info.extra == {"format": "email"}

    def test_equal_records_hash_alike_even_with_unhashable_values(self) -> None:
        """A record whose default, choices or extra cannot be hashed is still hashable."""
        first = FieldInfo("tags", list, default=[], choices=([1],), extra={"a": []})
        second = FieldInfo("tags", list, default=[], choices=([1],), extra={"a": []})
        assert first == second
        assert hash(first) == hash(second)

    def test_repr_shows_only_what_is_not_a_default(self) -> None:
        """The repr names the field, its type, and only the attributes that say something."""
        info = FieldInfo("price", decimal.Decimal, required=True, max_digits=6, extra={"x": 1})
        assert repr(info) == (
            "FieldInfo('price', decimal.Decimal, required=True, max_digits=6, extra={'x': 1})"
        )
        assert repr(FieldInfo("age", int | None)) == "FieldInfo('age', int | None)"
        assert repr(FieldInfo("n", int)) == "FieldInfo('n', int)"

    def test_pickles(self) -> None:
        """A record, and the no-default marker with it, survives pickling."""
        info = FieldInfo("name", str, required=True, extra={"alias": "Name"})
        again = pickle.loads(pickle.dumps(info))
        assert again == info
        assert again.default is NO_DEFAULT

    def test_no_default_reads_as_its_name(self) -> None:
        """The no-default marker's repr is its own name."""
        assert repr(NO_DEFAULT) == "NO_DEFAULT"
