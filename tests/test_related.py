"""``self.related(OtherFactory)``: a hook (or any code holding a factory) makes other
objects with the factory's context, Faker and seed, counted like every object made,
instead of ``OtherFactory(**self.context)``."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyfactory import (
    Context,
    Factory,
    FactoryDefinitionError,
    UsageError,
    after,
    fake,
    schema,
    sequence,
)
from pyfactory._core.realization.observe import observe
from pyfactory.builders import ModelBuilder
from pyfactory.pytest._report import Counts


class Stored(ModelBuilder[Any]):
    """Creates into the context's ``session`` list (and create_many calls create)."""

    context_keys = frozenset({"session"})

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        context.require("session").append(obj)
        return obj


@dataclasses.dataclass
class Post:
    title: str


@dataclasses.dataclass
class Comment:
    post: Post
    body: str


class CommentFactory(Factory[Comment]):
    _model = Comment
    _model_builder = Stored()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"body": fake("sentence")}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = Stored()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("post {n}")}

    @after("create")
    def welcome(self, post: Post, attrs: Any) -> None:
        self.related(CommentFactory).create_batch(2, post=post)


def test_a_hook_makes_other_objects_with_the_factory_s_context() -> None:
    session: list[Any] = []
    post = PostFactory(session=session).create()
    assert session[0] is post
    assert [type(obj) for obj in session[1:]] == [Comment, Comment]
    assert all(comment.post is post for comment in session[1:])


def test_the_related_factory_shares_the_faker_and_the_seed() -> None:
    posts = PostFactory(seed=7, session=[])
    comments = posts.related(CommentFactory)
    assert comments.faker is posts.faker
    assert comments.seed == 7
    first: list[Any] = []
    again: list[Any] = []
    PostFactory(seed=7, session=first).create()
    PostFactory(seed=7, session=again).create()
    assert [c.body for c in first[1:]] == [c.body for c in again[1:]]


def test_the_same_class_gives_the_same_related_factory() -> None:
    posts = PostFactory(session=[])
    assert posts.related(CommentFactory) is posts.related(CommentFactory)
    assert isinstance(posts.related(CommentFactory), CommentFactory)


def test_a_related_instance_keeps_its_own_context_the_parent_s_filling_the_gaps() -> None:
    archive: list[Any] = []
    posts = PostFactory(session=[], tenant="acme")
    comments = posts.related(CommentFactory(session=archive))
    comments.create(post=Post("p"))
    assert len(archive) == 1
    assert dict(comments.context) == {"session": archive, "tenant": "acme"}


def test_related_takes_only_a_factory() -> None:
    with pytest.raises(UsageError) as caught:
        PostFactory().related(Comment)  # type: ignore[type-var]
    assert str(caught.value) == (
        "PostFactory.related() takes a factory class or instance, not "
        "<class 'tests.test_related.Comment'>"
    )


def test_a_factory_may_not_define_related() -> None:
    with pytest.raises(FactoryDefinitionError, match="defines 'related', a name the Factory"):

        class Clash(Factory[Post]):
            _model = Post

            @schema()
            def related(self) -> dict[str, Any]:  # type: ignore[override]
                return {}


@pytest.fixture
def counts() -> Iterator[Counts]:
    counted = Counts()
    previous = observe(counted)
    yield counted
    observe(previous)


def test_objects_of_a_related_factory_are_counted_under_their_own_factory(
    counts: Counts,
) -> None:
    PostFactory(session=[]).create()
    rows = counts.take()
    assert rows["PostFactory"][:3] == [0, 0, 1]
    assert rows["CommentFactory"][:3] == [0, 0, 2]
    # One call was made, the post's; the comments' time is part of it.
    assert rows["PostFactory"][4] is True
    assert rows["CommentFactory"][4] is False


def test_the_pytest_report_counts_the_objects_a_hook_made(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_hooks=textwrap.dedent(
            """
            from tests.test_related import PostFactory

            def test_it():
                PostFactory(session=[]).create_batch(3)
            """
        )
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.syspathinsert(str(Path(__file__).parent.parent))
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", "--pyfactory-report")
    result.assert_outcomes(passed=1)
    # The comments were made by the hook: counted under their factory, with no time of
    # their own (it is the post's call's).
    result.stdout.re_match_lines([r"CommentFactory\s+0\s+0\s+6\s+-$"])
    result.stdout.re_match_lines([r"PostFactory\s+0\s+0\s+3\s+\d"])
