"""``check()``: make one object of every schema and trait of some factories, and
report each failure, leaving the process's state as it was.

It sits above :mod:`pyfactory._factory`: it calls factories, and nothing in the core
calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import (
    Any,
)

import attrs

from pyfactory._factory import Factory
from pyfactory.errors import (
    UsageError,
)

# ------------------------------------------------------------------ checking


@attrs.frozen
class CheckFailure:
    """One call that :func:`check` found to fail.

    Attributes:
        factory: The factory class.
        schema: The schema built.
        traits: The trait applied over it, if any (none or one).
        error: What the call raised; a :class:`~pyfactory.FactoryError` carries the
            path to where it happened.
        seed: The seed the factory was made with, so the call can be replayed.
    """

    factory: type[Factory[Any]]
    schema: str
    traits: tuple[str, ...]
    error: Exception
    seed: int

    @property
    def call(self) -> str:
        """The call that fails, to replay it: ``UserFactory(seed=0).build('basic', 'admin')``."""
        names = ", ".join(repr(name) for name in (self.schema, *self.traits))
        return f"{self.factory.__qualname__}(seed={self.seed}).build({names})"

    def __str__(self) -> str:
        return f"{self.call}: {type(self.error).__name__}: {self.error}"


def check(*factories: type[Factory[Any]], seed: int = 0, **context: Any) -> list[CheckFailure]:
    """Build every schema of each factory alone, then with each of its traits, and
    return the calls that fail; an empty list when all of them work.

    Each call is ``Factory(seed=seed, **context).build(schema, trait)`` on a new
    factory: build scope, so nothing is written and no database is needed, but
    everything short of writing runs -- every field, the associations (built), the
    rows that point back at the object, the model's own constructor and its
    validation, and the ``@after("build")`` hooks. Sequence counters and the
    unique values (auto-filled, and ``fake(..., unique=True)``) are as they were
    afterwards, so checking does not change the data that the tests then make.

    Args:
        *factories: Factory classes, none of them abstract.
        seed: The seed of each factory made, so that a failure replays.
        **context: The context to make each factory with.

    Raises:
        UsageError: A factory is not a Factory subclass, or is abstract.

    .. versionadded:: 0.1
    """
    for factory in factories:
        if not (isinstance(factory, type) and issubclass(factory, Factory)):
            raise UsageError(f"check() takes Factory subclasses, not {factory!r}")
        if factory._abstract:
            raise UsageError(
                f"check(): {factory.__qualname__} is abstract (_abstract = True); "
                "check the factories that subclass it"
            )
    failures = []
    with _state_kept():
        for factory in factories:
            for name in factory._pf_schemas:
                for traits in [(), *((trait,) for trait in factory._pf_traits)]:
                    made = factory(seed=seed, **context)
                    try:
                        made.build(name, *traits)
                    except Exception as error:
                        failures.append(CheckFailure(factory, name, traits, error, seed))
    return failures


@contextmanager
def _state_kept() -> Iterator[None]:
    """Put back the sequence counters and the unique values as they were, and claim no
    unique value from the other processes (pytest-xdist workers) meanwhile."""
    from pyfactory import _state
    from pyfactory.autofill._unique import set_unique_claim

    kept = _state.snapshot()
    set_unique_claim(None)
    try:
        yield
    finally:
        _state.restore(kept)
