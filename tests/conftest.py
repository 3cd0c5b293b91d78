"""Fixtures shared by the whole suite."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from pyfactory import Factory
from tests.models import RecordingBuilder
from tests.models import recorder as shared_recorder

# Hypothesis keeps a cache in ./.hypothesis, which the next run's collection trips over
# (norecursedirs plus filterwarnings = error); keep it out of the checkout. No example
# database either: a run should not depend on what an earlier run found.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "pyfactory-hypothesis")
settings.register_profile("pyfactory", database=None, deadline=None)
settings.load_profile("pyfactory")


@pytest.fixture(autouse=True)
def _fresh_sequences() -> Iterator[None]:
    """Every test starts its sequences at 1, whatever ran before it."""
    Factory.reset_sequences()
    yield
    Factory.reset_sequences()


@pytest.fixture
def recorder() -> Iterator[RecordingBuilder]:
    """The builder of the shared factories in ``tests/models.py``, empty for this test."""
    shared_recorder.clear()
    yield shared_recorder
    shared_recorder.clear()
