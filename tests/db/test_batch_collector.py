"""A batch pauses the cyclic garbage collector while it makes each chunk, and leaves it
as it found it: running if it ran, stopped if the caller stopped it, whatever happens."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pyfactory import Factory, FieldError, association, lazy, schema, sequence
from tests.db.blog import SYNC, Author, Post


class Probe:
    """What gc.isenabled() said each time a field was resolved."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def __call__(self, _attrs: Any) -> str:
        self.seen.append(gc.isenabled())
        return f"t{len(self.seen)}"


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector running with CPython's default thresholds: a test that ran mypy in
    this process before may have raised them (mypy does, to build faster)."""
    was, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*thresholds)
    if not was:
        gc.disable()


def probed(probe: Probe, chunk: int = 1000) -> type[Factory[Any]]:
    class ProbedPostFactory(SYNC["Post"]):  # type: ignore[misc, valid-type]
        _batch_size = chunk

        @schema()
        def probed(self) -> dict[str, Any]:
            return {"title": lazy(probe), "author": association(SYNC["Author"])}

    return ProbedPostFactory


@pytest.mark.usefixtures("collector_on")
def test_create_batch_pauses_the_collector_per_chunk_and_resumes_it(session: Session) -> None:
    probe = Probe()
    posts = probed(probe, chunk=3)(session=session).create_batch("probed", 7)

    assert [p.title for p in posts] == [f"t{n}" for n in range(1, 8)]
    assert probe.seen == [False] * 7
    assert gc.isenabled()
    # Every chunk was written, each post with an author of its own.
    assert session.scalar(select(func.count()).select_from(Post)) == 7
    assert session.scalar(select(func.count()).select_from(Author)) == 7


@pytest.mark.usefixtures("collector_on")
def test_the_collector_runs_between_chunks() -> None:
    # Each chunk makes cyclic garbage with the collector paused; gc.callbacks shows
    # that collections still happen during the call, between the chunks.
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    made: list[Any] = []

    class CycleFactory(Factory[dict]):  # type: ignore[type-arg]
        _model = dict
        _batch_size = 50

        @schema()
        def basic(self) -> dict[str, Any]:
            def cycle(_attrs: Any) -> int:
                # Garbage that only the cyclic collector frees, made inside a chunk.
                a: list[Any] = []
                a.append(a)
                made.append(gc.isenabled())
                return len(made)

            return {"n": lazy(cycle)}

    gc.callbacks.append(count)
    try:
        rows = CycleFactory().build_batch("basic", 2000)
    finally:
        gc.callbacks.remove(count)
    assert [row["n"] for row in rows] == list(range(1, 2001))
    assert made == [False] * 2000
    # The cycles were collectable: the collector did run during the call, between chunks.
    assert collections


def test_a_stopped_collector_stays_stopped(session: Session) -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        probe = Probe()
        probed(probe, chunk=2)(session=session).create_batch("probed", 3)
        assert probe.seen == [False, False, False]
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_a_failing_chunk_resumes_the_collector(session: Session) -> None:
    calls: list[bool] = []

    def title(_attrs: Any) -> str:
        calls.append(gc.isenabled())
        if len(calls) == 4:
            raise ValueError("no fourth title")
        return f"t{len(calls)}"

    class FailingPostFactory(SYNC["Post"]):  # type: ignore[misc, valid-type]
        _batch_size = 3

        @schema()
        def failing(self) -> dict[str, Any]:
            return {"title": lazy(title), "author": association(SYNC["Author"])}

    with pytest.raises(FieldError, match="no fourth title") as caught:
        FailingPostFactory(session=session).create_batch("failing", 6)
    assert "FailingPostFactory.failing" in str(caught.value)
    assert "title" in str(caught.value)
    # It failed in the second chunk, with the collector paused, and left it running.
    assert calls == [False] * 4
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_nested_batch_inside_a_chunk_keeps_the_outer_pause(session: Session) -> None:
    inner_after: list[bool] = []

    class Tag:
        def __init__(self, **values: Any) -> None:
            self.values = values

    class TagFactory(Factory[Tag]):
        _batch_size = 1

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("tag{n}")}

    def tags(_attrs: Any) -> str:
        TagFactory().build_batch("basic", 2)
        inner_after.append(gc.isenabled())
        return "tagged"

    class TaggedPostFactory(SYNC["Post"]):  # type: ignore[misc, valid-type]
        _batch_size = 5

        @schema()
        def tagged(self) -> dict[str, Any]:
            return {"title": lazy(tags), "author": association(SYNC["Author"])}

    TaggedPostFactory(session=session).create_batch("tagged", 2)
    # The inner batch found the collector paused and left it so.
    assert inner_after == [False, False]
    assert gc.isenabled()
