"""The checks that every dataset call makes of its arguments before any row is made:
``generate``, ``write`` and :mod:`pyfactory.dask`'s ``bag`` and ``dataframe`` say what
is wrong the same way, naming the call and the factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyfactory.errors import UsageError

if TYPE_CHECKING:
    from pyfactory._factory import Factory

__all__ = ["check_int", "factory_name", "seeded"]


def factory_name(call: str, factory: Any) -> str:
    """The name of ``factory``, a factory class or instance, for messages."""
    if getattr(factory, "_pf_is_factory", False) is not True:
        raise UsageError(f"{call}() takes a Factory class or instance, got {factory!r}")
    return factory.__name__ if isinstance(factory, type) else type(factory).__name__


def seeded(call: str, factory: Any, seed: Any) -> Factory[Any]:
    """An instance of ``factory`` with ``seed``; an instance keeps its context (its own
    seed and Faker give way to ``seed``)."""
    name = factory_name(call, factory)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise UsageError(f"{call}({name}, ...) seed must be an int, got {seed!r}")
    if isinstance(factory, type):
        return factory(seed=seed)  # type: ignore[no-any-return]
    return type(factory)(seed=seed, **factory.context)  # type: ignore[no-any-return]


def check_int(call: str, name: str, what: str, value: Any, least: int) -> None:
    """``value`` is an int (not a bool) of at least ``least``, or a UsageError says so."""
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        sign = "a non-negative int" if least == 0 else f"an int of at least {least}"
        raise UsageError(f"{call}({name}, ...) {what} must be {sign}, got {value!r}")
