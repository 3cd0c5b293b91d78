"""Typing of the strategy methods under ``mypy --strict``: ``Factory[M].strategy()`` is a
``SearchStrategy[M]`` (tests/typing_cases/strategy_types.py, in the format of
tests/test_typing.py)."""

from __future__ import annotations

import pytest

from tests.test_typing import CASES, MypyRun, expected_in, plain_run

# The same worker and mypy run as tests/test_typing.py: the case files are checked once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mypy")]


def test_strategy_is_a_search_strategy_of_the_model(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``strategy()`` and ``create_strategy()`` reveal ``SearchStrategy[User]``; a test
    given one receives a ``User``."""
    run: MypyRun = plain_run(tmp_path_factory)
    run.check("strategy_types.py")
    notes, errors = expected_in(CASES / "strategy_types.py")
    assert (len(notes), len(errors)) == (4, 1)
