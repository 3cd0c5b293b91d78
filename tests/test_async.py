"""Tests for ``acreate`` and ``acreate_batch``: coroutine fields, async hooks, async children
and async builders (DESIGN §2, §3, §4)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from pyfactory import (
    Context,
    CyclicDependencyError,
    Factory,
    FieldContext,
    FieldError,
    HookError,
    SpecialField,
    after,
    association,
    lazy,
    many,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder, ObjectBuilder
from tests.models import (
    Avatar,
    Profile,
    RecordingBuilder,
    User,
    UserFactory,
)


class DictFactory(Factory[dict[str, Any]]):
    _abstract = True
    _model = dict
    _model_builder = DictBuilder()


async def _double_count(attrs: Any) -> int:
    await asyncio.sleep(0)
    return attrs["count"] * 2


class AsyncProfileFactory(Factory[Profile]):
    _model = Profile
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        async def bio(attrs: Any) -> str:
            await asyncio.sleep(0)
            return "async bio"

        return {"bio": lazy(bio), "avatar": None}


class TestCoroutineLazy:
    async def test_acreate_awaits_coroutine_lazy_fields(self) -> None:
        """Under ``acreate`` a coroutine lazy field's value is awaited."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"count": 21, "double": lazy(_double_count)}

        assert await F().acreate("basic") == {"count": 21, "double": 42}

    async def test_acreate_batch_awaits_every_object(self) -> None:
        """``acreate_batch`` awaits the coroutine fields of each object."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"count": sequence(lambda n: n), "double": lazy(_double_count)}

        rows = await F().acreate_batch("basic", 3)

        assert rows == [{"count": n, "double": 2 * n} for n in (1, 2, 3)]

    async def test_async_lazy_reads_overrides_and_traits(self) -> None:
        """Coroutine fields see traits and overrides like any lazy field."""

        class F(DictFactory):
            _default_schema = "basic"

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"count": 1, "double": lazy(_double_count)}

            @trait()
            def big(self) -> dict[str, Any]:
                return {"count": 100}

        f = F()

        assert (await f.acreate("big"))["double"] == 200
        assert (await f.acreate(count=4))["double"] == 8
        assert [r["double"] for r in await f.acreate_batch(2, big=True)] == [200, 200]

    async def test_sync_lazy_reading_an_async_lazy(self) -> None:
        """A plain lazy field may read a coroutine field; it gets the awaited value."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "plus_one": lazy(lambda a: a["double"] + 1),
                    "count": 5,
                    "double": lazy(_double_count),
                }

        assert await F().acreate("basic") == {"plus_one": 11, "count": 5, "double": 10}

    async def test_async_lazy_reading_async_lazies(self) -> None:
        """Coroutine fields that read other coroutine fields, in any order, all resolve."""

        async def c(attrs: Any) -> str:
            return attrs["b"] + "c"

        async def b(attrs: Any) -> str:
            await asyncio.sleep(0)
            return attrs["a"] + "b"

        async def a(attrs: Any) -> str:
            return "a"

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"c": lazy(c), "b": lazy(b), "a": lazy(a)}

        assert await F().acreate("basic") == {"c": "abc", "b": "ab", "a": "a"}

    async def test_async_lazy_reads_transient_and_drops_it(self) -> None:
        """A coroutine field reads a transient value, which is not given to the builder."""

        async def name(attrs: Any) -> str:
            return "BOB" if attrs["shout"] else "bob"

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"shout": transient(False), "name": lazy(name)}

        f = F()

        assert await f.acreate("basic") == {"name": "bob"}
        assert await f.acreate("basic", shout=True) == {"name": "BOB"}

    async def test_async_lazy_error_is_a_field_error(self) -> None:
        """A coroutine field that raises gives ``FieldError`` with the path and the cause."""

        async def broken(attrs: Any) -> int:
            await asyncio.sleep(0)
            raise LookupError("gone")

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"value": lazy(broken)}

        with pytest.raises(
            FieldError, match=re.escape("F.basic → value: lazy field raised LookupError('gone')")
        ) as info:
            await F().acreate("basic")

        assert isinstance(info.value.__cause__, LookupError)

    async def test_acreate_resolves_sync_fields_too(self) -> None:
        """Sequences and plain lazy fields resolve under ``acreate`` as under ``create``."""
        user = await UserFactory().acreate("basic", last_name="Async")

        assert user == User("John", "Async", "user1@example.com", "john.async")


class AsyncSlug(SpecialField[str]):
    """A custom field whose ``resolve`` is a coroutine function."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def resolve(self, ctx: FieldContext) -> str:  # type: ignore[override]
        await asyncio.sleep(0)
        return f"{ctx.attrs[self.source].lower().replace(' ', '-')}-{ctx.scope}"


class TestCustomAsyncField:
    async def test_async_resolve_is_awaited(self) -> None:
        """A custom field with ``async def resolve`` is awaited under ``acreate``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": "Hello World", "slug": AsyncSlug("title")}

        assert await F().acreate("basic") == {"title": "Hello World", "slug": "hello-world-create"}

    async def test_async_resolve_in_a_batch(self) -> None:
        """``acreate_batch`` awaits a custom async field for each object."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"title": sequence("Post {n}"), "slug": AsyncSlug("title")}

        rows = await F().acreate_batch("basic", 2)

        assert [r["slug"] for r in rows] == ["post-1-create", "post-2-create"]

    async def test_async_field_read_by_a_lazy(self) -> None:
        """A lazy field reading a custom async field gets the awaited value."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "title": "A B",
                    "url": lazy(lambda a: "/" + a["slug"]),
                    "slug": AsyncSlug("title"),
                }

        assert (await F().acreate("basic"))["url"] == "/a-b-create"


class TestAsyncHooks:
    async def test_async_after_create_hook_is_awaited(self) -> None:
        """An async ``after("create")`` hook is awaited once per object, with transient attrs."""
        seen: list[tuple[Any, dict[str, Any]]] = []

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n), "note": transient("t")}

            @after("create")
            async def link(self, instance: dict[str, Any], attrs: Any) -> None:
                await asyncio.sleep(0)
                seen.append((instance, dict(attrs)))

        f = F()
        one = await f.acreate("basic")
        batch = await f.acreate_batch("basic", 2, note="b")

        assert [obj for obj, _ in seen] == [one, *batch]
        assert [attrs for _, attrs in seen] == [
            {"n": 1, "note": "t"},
            {"n": 2, "note": "b"},
            {"n": 3, "note": "b"},
        ]

    async def test_sync_hooks_run_under_acreate(self) -> None:
        """A plain ``after("create")`` hook also runs under ``acreate``."""
        seen: list[int] = []

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"n": sequence(lambda n: n)}

            @after("create")
            def link(self, instance: dict[str, Any], attrs: Any) -> None:
                seen.append(instance["n"])

            @after("build")
            def built(self, instance: dict[str, Any], attrs: Any) -> None:
                seen.append(-1)

        await F().acreate_batch("basic", 3)

        assert seen == [1, 2, 3]

    async def test_async_hook_that_raises(self) -> None:
        """An async hook that raises gives ``HookError`` with the original as cause."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1}

            @after("create")
            async def link(self, instance: Any, attrs: Any) -> None:
                raise RuntimeError("async hook")

        with pytest.raises(
            HookError,
            match=re.escape("F.basic: after-create hook link raised RuntimeError('async hook')"),
        ) as info:
            await F().acreate("basic")

        assert isinstance(info.value.__cause__, RuntimeError)


class TestAsyncChildren:
    async def test_children_are_made_with_acreate(self) -> None:
        """Under ``acreate``, associations and ``many`` make their children with ``acreate``."""
        builder = RecordingBuilder()

        class Avatars(Factory[Avatar]):
            _model = Avatar
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                async def url(attrs: Any) -> str:
                    return "async.png"

                return {"url": lazy(url)}

        class Profiles(Factory[Profile]):
            _model = Profile
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"bio": "b", "avatar": association(Avatars, "basic")}

            @after("create")
            async def note(self, instance: Profile, attrs: Any) -> None:
                instance.bio += " (hooked)"

        class Users(UserFactory):
            _model_builder = builder

            @schema()
            def basic(self) -> dict[str, Any]:
                base = super().schema("basic")
                base["profile"] = association(Profiles, "basic")
                return base

        user = await Users(session="s").acreate("basic")

        assert user.profile == Profile(bio="b (hooked)", avatar=Avatar(url="async.png"))
        assert builder.methods() == ["acreate", "acreate", "acreate"]
        assert [name for _, name, _ in builder.calls] == ["Avatar", "Profile", "User"]
        assert all(ctx["session"] == "s" for ctx in builder.contexts)

    async def test_many_children_under_acreate(self, recorder: RecordingBuilder) -> None:
        """``many`` children and grandchildren are made with ``acreate`` too."""
        user = await UserFactory().acreate("with_posts", posts__comments__body="c")

        assert [c.body for p in user.posts for c in p.comments] == ["c"] * 4
        assert recorder.methods("Comment") == ["acreate"] * 4
        assert recorder.methods("Post") == ["acreate"] * 2
        assert recorder.methods("User") == ["acreate"]

    async def test_lazy_reading_an_async_associations_attribute(self) -> None:
        """A lazy field can read an attribute of a child whose own fields are coroutines."""

        class F(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                profile = association(AsyncProfileFactory, "basic")
                return {
                    "summary": lazy(lambda a: a["profile"].bio.upper()),
                    "profile": profile,
                    "bio": profile.attribute("bio"),
                }

        row = await F().acreate("basic")

        assert row["profile"] == Profile(bio="async bio", avatar=None)
        assert row["summary"] == "ASYNC BIO"
        assert row["bio"] == "async bio"

    async def test_async_lazy_reading_an_association(self) -> None:
        """A coroutine lazy field can await on a child made by an association."""

        async def summary(attrs: Any) -> str:
            await asyncio.sleep(0)
            return f"{attrs['name']}: {attrs['profile'].bio}"

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "name": "ann",
                    "summary": lazy(summary),
                    "profile": association(AsyncProfileFactory),
                }

        assert (await F().acreate("basic"))["summary"] == "ann: async bio"

    async def test_dunder_overrides_reach_async_children(self) -> None:
        """Dunder overrides and replaced associations work under ``acreate``."""

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {
                    "profile": association(AsyncProfileFactory),
                    "posts": many(AsyncProfileFactory, count=2),
                }

        given = Profile(bio="given")
        row = await F().acreate("basic", profile=given, posts__bio="override")

        assert row["profile"] is given
        assert [p.bio for p in row["posts"]] == ["override", "override"]


class TestAsyncCycles:
    async def test_async_lazy_cycle(self) -> None:
        """Coroutine lazy fields that read each other raise ``CyclicDependencyError``."""

        async def a(attrs: Any) -> Any:
            return attrs["b"]

        async def b(attrs: Any) -> Any:
            await asyncio.sleep(0)
            return attrs["a"]

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": lazy(a), "b": lazy(b)}

        with pytest.raises(
            CyclicDependencyError, match=re.escape("lazy fields form a cycle: a → b → a")
        ) as info:
            await F().acreate("basic")

        assert info.value.cycle == ("a", "b", "a")
        assert str(info.value).startswith("F.basic → ")

    async def test_mixed_sync_async_cycle(self) -> None:
        """A cycle through a plain lazy and a coroutine lazy is caught too."""

        async def a(attrs: Any) -> Any:
            return attrs["b"]

        class F(DictFactory):
            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": lazy(a), "b": lazy(lambda x: x["a"])}

        with pytest.raises(
            CyclicDependencyError, match=re.escape("lazy fields form a cycle: a → b → a")
        ):
            await F().acreate("basic")


class AsyncRecordingBuilder(ObjectBuilder[Any]):
    """Overrides ``acreate`` and ``acreate_many``; the sync methods must not be called."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        raise AssertionError("create() called under acreate")

    def create_many(self, model: type[Any], rows: list[dict[str, Any]], context: Context) -> Any:
        raise AssertionError("create_many() called under acreate_batch")

    async def acreate(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        await asyncio.sleep(0)
        self.calls.append(("acreate", dict(attributes)))
        return model(**attributes)


class TestAsyncBuilder:
    async def test_overridden_acreate_is_used(self) -> None:
        """``acreate`` calls the builder's own ``acreate`` and never its ``create``."""
        builder = AsyncRecordingBuilder()

        class F(UserFactory):
            _model_builder = builder

        user = await F(session="s").acreate("basic")

        assert builder.calls == [
            (
                "acreate",
                {
                    "first_name": "John",
                    "last_name": "Doe",
                    "email": "user1@example.com",
                    "username": "john.doe",
                },
            )
        ]
        assert user.email == "user1@example.com"

    async def test_acreate_batch_default_loops_over_acreate(self) -> None:
        """The base ``acreate_many`` calls the builder's ``acreate`` once per row."""
        builder = AsyncRecordingBuilder()

        class F(UserFactory):
            _model_builder = builder

        users = await F().acreate_batch("basic", 3)

        assert [c[0] for c in builder.calls] == ["acreate"] * 3
        assert [u.email for u in users] == [f"user{n}@example.com" for n in (1, 2, 3)]

    async def test_acreate_batch_hands_all_rows_to_acreate_many_once(self) -> None:
        """``acreate_batch`` calls ``acreate_many`` once with every row."""
        builder = RecordingBuilder()

        class F(UserFactory):
            _model_builder = builder

        users = await F().acreate_batch("basic", 4, "inactive")

        assert builder.methods() == ["acreate_many"]
        rows = builder.calls[0][2]
        assert [r["email"] for r in rows] == [f"user{n}@example.com" for n in range(1, 5)]
        assert all(r["active"] is False for r in rows)
        assert [u.email for u in users] == [r["email"] for r in rows]

    async def test_async_builder_gets_the_context(self) -> None:
        """The builder's ``acreate`` receives the factory's context."""
        contexts: list[Context] = []

        class Builder(DictBuilder):
            async def acreate(
                self, model: type[Any], attributes: dict[str, Any], context: Context
            ) -> Any:
                contexts.append(context)
                return dict(attributes)

        class F(DictFactory):
            _model_builder = Builder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"a": 1}

        session = object()
        await F(session=session).acreate("basic")

        assert [c["session"] for c in contexts] == [session]
