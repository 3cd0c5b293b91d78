"""``check()``: make one object of every schema and trait of some factories, and
report each failure, leaving the process's state as it was -- and, under
``create=True``, the database too.

It sits above :mod:`pyfactory._factory`: it calls factories, and nothing in the core
calls it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import attrs

from pyfactory._drive import Block, Body, Call, adrive, drive
from pyfactory._factory import Factory
from pyfactory.errors import UsageError

__all__ = ["CheckFailure", "acheck", "check", "skip_reason"]

Scope = Literal["build", "create", "acreate"]
#: What :func:`check` and :func:`acheck` return.
Failures = list["CheckFailure"]

# ------------------------------------------------------------------ checking


def _shown(key: str, value: Any) -> str:
    """A context key as the replayed call writes it: a plain value as itself, anything
    else (a session) by its key's name, the value the caller has to give."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return f"{key}={value!r}"
    return f"{key}={key}"


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
        scope: ``"build"``, ``"create"`` under ``check(create=True)``, or
            ``"acreate"`` under :func:`acheck`.
        context: The context the factory was made with.

    .. versionchanged:: 1.1
       ``scope`` and ``context``.
    """

    factory: type[Factory[Any]]
    schema: str
    traits: tuple[str, ...]
    error: Exception
    seed: int
    scope: Scope = "build"
    context: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def call(self) -> str:
        """The call that fails, to replay it: ``UserFactory(seed=0).build('basic', 'admin')``,
        or ``UserFactory(seed=0, session=session).create('basic')`` (a context value
        that is not a plain one is written as its key's name)."""
        names = ", ".join(repr(name) for name in (self.schema, *self.traits))
        made = ", ".join([f"seed={self.seed}", *(_shown(k, v) for k, v in self.context.items())])
        awaited = "await " if self.scope == "acreate" else ""
        return f"{awaited}{self.factory.__qualname__}({made}).{self.scope}({names})"

    def __str__(self) -> str:
        return f"{self.call}: {type(self.error).__name__}: {self.error}"


def skip_reason(factory: type[Factory[Any]]) -> str | None:
    """Why ``factory`` is left out of the check: its ``_check_skip``, or None.

    Raises:
        UsageError: ``_check_skip`` is set but is no reason (a non-empty string).
    """
    reason = getattr(factory, "_check_skip", None)
    if reason is None:
        return None
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(
            f"{factory.__qualname__}._check_skip is the reason the check leaves it out, "
            f"a non-empty string, not {reason!r}"
        )
    return reason


def check(
    *factories: type[Factory[Any]], seed: int = 0, create: bool = False, **context: Any
) -> list[CheckFailure]:
    """Build every schema of each factory alone, then with each of its traits, and
    return the calls that fail; an empty list when all of them work.

    Each call is ``Factory(seed=seed, **context).build(schema, trait)`` on a new
    factory: build scope, so nothing is written and no database is needed, but
    everything short of writing runs -- every field, the associations (built), the
    rows that point back at the object, the model's own constructor and its
    validation, and the ``@after("build")`` hooks. Sequence counters and the
    unique values (auto-filled, and ``fake(..., unique=True)``) are as they were
    afterwards, so checking does not change the data that the tests then make.

    With ``create=True`` each call is ``create`` instead, inside a transaction of
    the factory's builder (a SAVEPOINT on the context's ``session``, Django's
    ``atomic`` on its ``using``) that is rolled back whether the call works or
    not: the database says what only it can (NOT NULL, UNIQUE, CHECK and foreign
    key constraints, triggers), and keeps nothing of the check.

    A factory whose ``_check_skip`` class attribute gives a reason (a string) is
    left out.

    Args:
        *factories: Factory classes, none of them abstract.
        seed: The seed of each factory made, so that a failure replays.
        create: Create each object in a transaction rolled back, rather than build it.
        **context: The context to make each factory with (``session=`` or
            ``using=`` for ``create``).

    Raises:
        UsageError: A factory is not a Factory subclass, is abstract, or has a
            ``_check_skip`` that is no reason.

    .. versionadded:: 0.1
    .. versionchanged:: 1.1
       ``create``, and ``_check_skip``.
    """
    return drive(_checked(factories, seed, "create" if create else "build", context))


async def acheck(*factories: type[Factory[Any]], seed: int = 0, **context: Any) -> Failures:
    """:func:`check` with ``create=True`` through ``acreate``, for factories that write
    through an ``AsyncSession`` (``AsyncSQLAlchemyBuilder``, or a ``SQLAlchemyBuilder``
    given one): each call is ``await Factory(seed=seed, **context).acreate(schema,
    trait)`` in the builder's transaction, rolled back.

    .. versionadded:: 1.1
    """
    return await adrive(_checked(factories, seed, "acreate", context))


def _checked(
    factories: tuple[type[Factory[Any]], ...],
    seed: int,
    scope: Scope,
    context: Mapping[str, Any],
) -> Body[list[CheckFailure]]:
    """The one body of :func:`check` and :func:`acheck`."""
    for factory in factories:
        if not (isinstance(factory, type) and issubclass(factory, Factory)):
            raise UsageError(f"check() takes Factory subclasses, not {factory!r}")
        if factory._abstract:
            raise UsageError(
                f"check(): {factory.__qualname__} is abstract (_abstract = True); "
                "check the factories that subclass it"
            )
    checked = [factory for factory in factories if skip_reason(factory) is None]
    failures = []
    with _state_kept() as afresh:
        for factory in checked:
            for name in factory._pf_schemas:
                for traits in [(), *((trait,) for trait in factory._pf_traits)]:
                    made = factory(seed=seed, **context)
                    if scope != "build":
                        error = yield from _creating(made, name, traits)
                    else:
                        error = _built(made, name, traits)
                    afresh()
                    if error is not None:
                        failures.append(
                            CheckFailure(factory, name, traits, error, seed, scope, context)
                        )
    return failures


def _built(made: Factory[Any], name: str, traits: tuple[str, ...]) -> Exception | None:
    try:
        made.build(name, *traits)
    except Exception as error:
        return error
    return None


class _RollBack(Exception):
    """Raised out of the builder's transaction to undo what the call wrote."""


def _creating(made: Factory[Any], name: str, traits: tuple[str, ...]) -> Body[Exception | None]:
    """Create (``create``, or ``acreate`` under :func:`acheck`) in the transaction that
    the builder puts around a top-level call (a SAVEPOINT, or ``atomic``), left by an
    exception so that it rolls back; the error of the call, if any. Being the
    outermost call, it also keeps a builder with ``persistence="commit"`` from
    committing."""
    builder = type(made)._pf_builder
    transaction = Block(builder.transaction, builder.atransaction, made._pf_context)
    failed: Exception | None = None
    try:
        yield transaction.enter()
        try:
            yield Call(made.create, made.acreate, name, *traits)
            yield Call(_deferred_constraints, _adeferred_constraints, made)
        except Exception as error:
            failed = error
        yield transaction.leave(_RollBack())
    except Exception as error:  # rolling back failed: the database says why
        return failed or error
    return failed


async def _adeferred_constraints(made: Factory[Any]) -> None:
    """:func:`_deferred_constraints` for an ``AsyncSession``'s transaction (in its
    ``run_sync``), or a session of another kind."""
    run_sync = getattr(made._pf_context.get("session"), "run_sync", None)
    if run_sync is not None and _sqlalchemy(made):
        await run_sync(_sqlalchemy_deferred)
    else:
        _deferred_constraints(made)


def _sqlalchemy(made: Factory[Any]) -> bool:
    """Whether ``made`` writes through SQLAlchemy's builder (loaded only if it does)."""
    module = sys.modules.get("pyfactory.builders.sqlalchemy")
    return module is not None and isinstance(type(made)._pf_builder, module.SQLAlchemyBuilder)


def _deferred_constraints(made: Factory[Any]) -> None:
    """Check now the constraints that the database defers to the commit, which a
    transaction rolled back never reaches: Django makes its foreign keys
    ``DEFERRABLE INITIALLY DEFERRED`` (PostgreSQL), or checks them at the commit
    (SQLite), and ``check_constraints()`` is how its own ``TestCase`` checks them;
    SQLAlchemy models may declare them so (``ForeignKey(..., deferrable=True,
    initially="DEFERRED")``)."""
    builder = type(made)._pf_builder
    django = sys.modules.get("pyfactory.builders.django")
    if django is not None and isinstance(builder, django.DjangoBuilder):
        from django.db import connections

        connections[builder.using(made._pf_context)].check_constraints()
    if _sqlalchemy(made):
        _sqlalchemy_deferred(made._pf_context.get("session"))


def _sqlalchemy_deferred(session: Any) -> None:
    """The deferred constraints of a SQLAlchemy session's transaction, checked now:
    PostgreSQL's ``SET CONSTRAINTS ALL IMMEDIATE`` raises for a violation pending;
    SQLite (where it enforces foreign keys) lists the rows whose keys point nowhere."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    if not isinstance(session, Session):
        return  # an AsyncSession, or none: the create said what was wrong
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    elif dialect == "sqlite" and session.scalar(text("PRAGMA foreign_keys")):
        dangling = session.execute(text("PRAGMA foreign_key_check")).all()
        if dangling:
            import sqlite3

            from sqlalchemy.exc import IntegrityError

            table, row, parent, _ = dangling[0]
            # What SQLite would raise at the commit, with the row it would not name.
            reason = sqlite3.IntegrityError(
                f"FOREIGN KEY constraint failed: row {row} of {table} points at no row of "
                f"{parent} (a deferred foreign key, checked at the commit)"
            )
            raise IntegrityError("PRAGMA foreign_key_check", None, reason)


@contextmanager
def _state_kept() -> Iterator[Callable[[], None]]:
    """Put back the sequence counters and the unique values as they were, and claim no
    unique value from the other processes (pytest-xdist workers) meanwhile.

    It gives a function that puts them back after each call, so that every call
    starts from the same state and the call that a failure prints, made on its own,
    makes the same values (``shop 1``, not the 4th call's ``shop 4``)."""
    from pyfactory import _state
    from pyfactory.autofill._unique import set_unique_claim

    kept = _state.snapshot()

    def afresh() -> None:
        _state.restore(kept)
        set_unique_claim(None)

    set_unique_claim(None)
    try:
        yield afresh
    finally:
        _state.restore(kept)
