"""Fixtures shared by the whole suite."""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from pyfactory import Factory
from pyfactory._core.plan import auto as _auto
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


#: How many factory classes a test module may leave in pyfactory's shape caches before
#: their release is worth a full garbage collection (see _forget_factory_shapes).
MANY_CLASSES = 50


@pytest.fixture(autouse=True, scope="module")
def _forget_factory_shapes() -> Iterator[None]:
    """After each test module, pyfactory's caches of auto-fill shapes (the layer of
    special fields and the field list of each factory class) let go of its classes.

    Those caches are keyed by the factory class itself, so every class a test makes on
    the fly (hundreds per property test that generates models) stays alive for the
    rest of the worker, with its Fakers: then each test's reset and each Hypothesis
    example's snapshot and restore of the unique values walk every Faker ever made,
    and the garbage collector a heap of a million objects. Run after
    tests/autofill/test_validates.py (1,600 Fakers left), tests/test_strategy.py took
    70 s instead of 5. The caches hold shapes, which are the same whenever they are
    rebuilt (pyfactory/_state.py), so the next module's factories make theirs again
    and generate the same values: the unique values they hand out are kept elsewhere,
    by trackers this leaves alone.

    Classes sit in reference cycles, so only a full collection frees them, which
    Python puts off for long on a large heap; it costs a tenth of a second or more,
    so it runs only after a module that left many classes (those made on the fly),
    not after each module with a few factories of its own.
    """
    yield
    with _auto._lock:
        classes = len(_auto._fields)
        _auto._layers.clear()
        _auto._fields.clear()
    if classes >= MANY_CLASSES:
        gc.collect()


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache directory of this process's mypy runs over generated files
    (``check_as_written`` in tests/test_init.py): what they share (the standard
    library's stubs, SQLAlchemy, pyfactory) is analysed once, and mypy checks each run's
    own files, which it has not seen, afresh. One per pytest-xdist worker: mypy's cache
    is not made for runs writing it at once."""
    return tmp_path_factory.mktemp("mypy_cache")


@pytest.fixture
def recorder() -> Iterator[RecordingBuilder]:
    """The builder of the shared factories in ``tests/models.py``, empty for this test."""
    shared_recorder.clear()
    yield shared_recorder
    shared_recorder.clear()
