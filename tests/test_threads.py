"""Factories used from several threads at once: the Faker that a factory made
without ``faker`` uses is created once, however many threads ask for it first."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from dataclasses import dataclass
from typing import Any

import pytest

from pyfactory import Factory, fake, lazy, schema

THREADS = 8


@dataclass
class Person:
    email: str
    faker_id: int


class PersonFactory(Factory[Person]):
    _model = Person
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": fake("email", unique=True),
            "faker_id": lazy(lambda _: id(self.faker)),
        }


@pytest.fixture
def fakers_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the Fakers constructed during the test (the real constructor runs)."""
    import faker

    made: list[int] = []
    original = faker.Faker.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(id(self))
        original(self, *args, **kwargs)

    monkeypatch.setattr(faker.Faker, "__init__", counted)
    return made


def _together(work: Any) -> list[Any]:
    """Run ``work()`` in 8 threads released at the same moment; their results."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("attempt", range(20))
def test_a_seeded_factory_shared_by_8_threads_makes_one_faker_and_no_repeated_unique_value(
    attempt: int, fakers_made: list[int]
) -> None:
    factory = PersonFactory(seed=attempt)
    made = _together(lambda: factory.build_batch(20))
    assert len(fakers_made) == 1
    people = [person for batch in made for person in batch]
    assert len({person.faker_id for person in people}) == 1
    assert people[0].faker_id == id(factory.faker)
    emails = [person.email for person in people]
    assert len(set(emails)) == len(emails) == THREADS * 20


_PROCESS_WIDE = """
import threading
from dataclasses import dataclass
import faker
from pyfactory import Factory, fake, lazy, schema

@dataclass
class Person:
    email: str
    faker_id: int

class PersonFactory(Factory[Person]):
    _model = Person
    _default_schema = "basic"

    @schema()
    def basic(self):
        return {
            "email": fake("email", unique=True),
            "faker_id": lazy(lambda _: id(self.faker)),
        }

# Count the Fakers constructed (the real constructor runs).
constructed = []
original = faker.Faker.__init__
def counted(self, *args, **kwargs):
    constructed.append(id(self))
    original(self, *args, **kwargs)
faker.Faker.__init__ = counted

barrier = threading.Barrier(8)
made = []

def run():
    factory = PersonFactory()
    barrier.wait()
    made.extend(factory.build_batch(20))

threads = [threading.Thread(target=run) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
emails = [person.email for person in made]
print(len(constructed), len({person.faker_id for person in made}), len(set(emails)), len(emails))
"""


def test_the_process_wide_faker_is_made_once_when_8_threads_first_use_it_together() -> None:
    # A new interpreter, so that the process-wide Faker does not exist yet.
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_PROCESS_WIDE)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.split() == ["1", "1", "160", "160"]


def test_threads_share_the_process_wide_faker_made_on_their_first_use(
    monkeypatch: pytest.MonkeyPatch, fakers_made: list[int]
) -> None:
    from pyfactory import _context

    # As before its first use; threads do not inherit the pytest plugin's Faker source.
    monkeypatch.setattr(_context, "_default_faker", None)
    factory = PersonFactory()
    made = _together(lambda: factory.build_batch(5))
    assert len(fakers_made) == 1
    assert {person.faker_id for batch in made for person in batch} == {id(_context._default_faker)}


def test_the_fakers_can_be_listed_while_threads_make_new_ones() -> None:
    """``reset_unique()`` and the state snapshot list every Faker while other threads make
    seeded factories, each with a Faker of its own (listing them used to raise
    "Set changed size during iteration")."""
    from pyfactory._context import Randomness, known_fakers

    # Many live Fakers make each listing long enough for another thread to add one.
    alive = [Randomness(seed=seed).faker for seed in range(1_000)]
    stop = threading.Event()
    made: list[int] = []

    def make() -> None:
        while not stop.is_set():
            made.append(id(Randomness(seed=len(made)).faker))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(2_000):
            assert len(known_fakers()) >= len(alive)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert made
