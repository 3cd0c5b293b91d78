"""``register(..., scope="module")``: an object created once for many tests.

Large suites spend most of their time making the same parents again for every test
(test-prof's ``let_it_be`` and Django's ``setUpTestData`` answer it elsewhere). A
registration with a ``scope`` wider than ``"function"`` adds a hidden fixture of that
scope, ``_pyfactory_shared_<name>``, that:

* opens the builder's transaction (:meth:`~pyfactory.builders.ModelBuilder.transaction`:
  a SAVEPOINT, or Django's ``atomic``) with the context of the
  ``pyfactory_scoped_context`` fixture, creates the object in it, and keeps the
  transaction open while the scope's tests run;
* rolls it back when the scope ends, so nothing it wrote outlives its scope.

The object fixture the tests see, ``<name>``, stays per test: it is
:meth:`~pyfactory.builders.ModelBuilder.fresh_copy` of the shared object, made with
the test's context, so what one test does to it (in memory, or written and rolled
back by the test's own transaction) never reaches the next. A test that overrides
the fixture (``<name>__<key>``) gets an object of its own, made as without a scope.

Transactions nest: a scope's SAVEPOINT must be opened before any narrower one and
closed after. pytest sets up wider fixtures first, but a wider fixture first asked
for in the middle of a narrower scope would be made inside that scope's SAVEPOINT,
and lost with it. So the hidden fixtures are ``autouse``: every scoped object is made
when its scope starts, before the narrower scopes' transactions, as ``let_it_be``
makes its records in ``before_all``.

Layer: the pytest plugin; :mod:`pyfactory.pytest._register` calls it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Literal, get_args

import pytest

from pyfactory.errors import UsageError

if TYPE_CHECKING:
    from pyfactory import Factory
    from pyfactory.pytest._register import Registration

__all__ = [
    "SCOPES",
    "Scope",
    "check_scope",
    "database",
    "shared_fixture",
    "unblocked",
    "wider_or_same",
]

#: The scopes ``register(..., scope=)`` takes: pytest's, narrowest first.
Scope = Literal["function", "class", "module", "package", "session"]
SCOPES: tuple[Scope, ...] = get_args(Scope)


def check_scope(
    factory: type[Factory[Any]], fixture: str, scope: str, is_async: bool, per_test: Iterable[str]
) -> None:
    """Refuse a scope pytest does not have, and what the object ``fixture`` of a wider
    scope cannot be made with: an async fixture, and overrides (``per_test``, their
    keys) that are other fixtures' values."""
    name = factory.__name__
    if scope not in SCOPES:
        raise UsageError(
            f"register({name}, scope={scope!r}): the scope is one of "
            f"{', '.join(repr(s) for s in SCOPES)}"
        )
    if scope == "function":
        return
    if is_async:
        raise UsageError(
            f"register({name}, scope={scope!r}) makes its object once for many tests, "
            "through create(); an asynchronous fixture cannot be shared that way: drop "
            "scope=, or is_async=True"
        )
    key = next(iter(per_test), None)
    if key is not None:
        raise UsageError(
            f"register({name}, scope={scope!r}) cannot take the override {key!r} from "
            "another fixture (LazyFixture): the object is made once for the scope, before "
            "any test's fixtures; give a value, or override it in the tests that need it "
            f"(a {fixture}__{key} parameter or fixture)"
        )


def wider_or_same(scope: str, than: str) -> bool:
    """Whether a fixture of ``scope`` lives at least as long as one of ``than``."""
    return SCOPES.index(scope) >= SCOPES.index(than)


def database(
    request: pytest.FixtureRequest, factory: type[Factory[Any]]
) -> AbstractContextManager[Any]:
    """Database access for a fixture that is not a test: under pytest-django, for a
    factory with Django's builder, the test databases set up and the blocker lifted
    while the block runs (pytest-django blocks every query outside a test that asks
    for ``db``)."""
    if not request.config.pluginmanager.hasplugin("django"):
        return nullcontext()
    django = sys.modules.get("pyfactory.builders.django")
    if django is None or not isinstance(factory._pf_builder, django.DjangoBuilder):
        return nullcontext()
    return unblocked(request)


def unblocked(request: pytest.FixtureRequest) -> AbstractContextManager[Any]:
    """pytest-django's test databases set up, and a block in which its blocker lets
    queries through, for code that is not a test asking for ``db``."""
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    return blocker.unblock()  # type: ignore[no-any-return]


class _RolledBack(Exception):
    """Thrown into a scope's transaction at its end, to roll it back."""


def _context_hint(registration: Registration) -> Callable[[str, str], str]:
    def hint(key: str, owner: str) -> str:
        return (
            f"register({registration.factory.__name__}, scope={registration.scope!r}) "
            "creates its object with the context of the pyfactory_scoped_context fixture "
            f"(session-scoped), which has no {key!r}: override it in a conftest.py, with "
            "the connection your tests' sessions use (see 'Objects shared by many tests' "
            "in pyfactory's pytest docs)"
        )

    return hint


def shared_fixture(
    registration: Registration,
    overrides_of: Callable[[pytest.FixtureRequest, Registration, Factory[Any]], dict[str, Any]],
) -> Any:
    """The hidden fixture, of the registration's scope, that makes the shared object
    inside a transaction and rolls that back when the scope ends.

    ``overrides_of(request, registration, factory)`` gives the registration's
    overrides and its shared parents (those of a scope at least as wide).
    """
    from pyfactory.errors import set_missing_context_hint

    def make_shared(request: pytest.FixtureRequest, pyfactory_scoped_context: Any) -> Iterator[Any]:
        if not isinstance(pyfactory_scoped_context, Mapping):
            raise UsageError(
                "the pyfactory_scoped_context fixture must return a mapping of context "
                f"keys (such as {{'session': ...}}), got {pyfactory_scoped_context!r}"
            )
        factory = registration.factory(**pyfactory_scoped_context)
        builder = registration.factory._pf_builder
        previous = set_missing_context_hint(_context_hint(registration))
        try:
            with database(request, registration.factory):
                overrides = overrides_of(request, registration, factory)
                transaction = builder.transaction(factory._pf_context)
                transaction.__enter__()
                try:
                    made = factory.create(registration.schema, **overrides)
                except BaseException:
                    transaction.__exit__(*sys.exc_info())
                    raise
        finally:
            set_missing_context_hint(previous)
        yield made
        with database(request, registration.factory):
            transaction.__exit__(_RolledBack, _RolledBack(), None)

    make_shared.__name__ = make_shared.__qualname__ = registration.shared_fixture
    make_shared.__doc__ = (
        f"{registration.factory.__name__}.create({registration.schema!r}), once per "
        f"{registration.scope}, rolled back at its end; made by register()."
    )
    return pytest.fixture(
        make_shared, name=registration.shared_fixture, scope=registration.scope, autouse=True
    )
