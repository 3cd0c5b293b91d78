"""Typing of the SQLAlchemy page's pattern (docs/sqlalchemy.rst, "Async: AsyncSession"):
one set of factories on ``SQLAlchemyBuilder`` for ``create`` on a ``Session`` and
``acreate`` on an ``AsyncSession`` passes ``mypy --strict``, and so does the second set
of earlier versions (``class AsyncAuthorFactory(AuthorFactory): _model_builder =
AsyncSQLAlchemyBuilder()``), which mypy refused while the two builders were unrelated
classes. The case is ``tests/typing_cases/sqlalchemy_one_factory.py``; it is checked in
the one mypy run of ``tests/test_typing.py``.
"""

from __future__ import annotations

import pytest

from tests.test_typing import CASES, MypyRun, expected_in, plain_run

# On the worker of tests/test_typing.py's mypy run, which it reads.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mypy")]

CASE = "sqlalchemy_one_factory.py"


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    return plain_run(tmp_path_factory)


def test_one_sqlalchemy_factory_for_sync_and_async_passes_strict(mypy_run: MypyRun) -> None:
    """create/create_batch/insert_batch and their awaited twins on one factory give
    Post, list[Post] and int, and the module has no error."""
    notes, errors = expected_in(CASES / CASE)
    assert (len(notes), dict(errors)) == (6, {})
    assert dict(mypy_run.errors[CASE]) == {}, mypy_run.stdout
    mypy_run.check(CASE)
