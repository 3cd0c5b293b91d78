"""A batch's column of keys (``_stream.value_keys``) is, key for key, what the resolver
makes for one value (``_stream.value_key``): the loop that writes ``mix`` out changes
no key, so a column of values equals the values made one by one."""

from __future__ import annotations

from pyfactory._stream import MASK, value_key, value_keys


def test_the_column_of_keys_is_the_keys_one_by_one() -> None:
    roots = [0, 1, 2, MASK, MASK - 1, 1 << 63, 0x9E3779B97F4A7C15, *range(10**6, 10**6 + 100)]
    for name in ("email", "first_name", "", "a.b"):
        assert value_keys(roots, name) == [value_key(root, name) for root in roots]


def test_no_roots_no_keys() -> None:
    assert value_keys([], "email") == []
