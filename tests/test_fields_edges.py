"""Edge cases of ``pyfactory.fields`` and of how the resolver resolves them:
``OMIT`` itself, sequence counters, how each field is named in errors, nested
containers, fresh copies, and fields under ``acreate`` (DESIGN §3, §7)."""

from __future__ import annotations

import asyncio
import copy
import pickle
import re
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from pyfactory import (
    OMIT,
    FactoryDefinitionError,
    FieldError,
    association,
    lazy,
    many,
    randomly_nullify,
    randomly_unset,
    schema,
    sequence,
    transient,
)
from pyfactory import Factory as _Factory
from pyfactory import _sequences as fields_module
from pyfactory.builders import DictBuilder
from tests.models import Avatar, AvatarFactory, RecordingBuilder


class DictFactory(_Factory[dict[str, Any]]):
    """A base for factories of plain dicts: any key may be given."""

    _abstract = True
    _model = dict
    _model_builder = DictBuilder()


def dict_factory(values: Mapping[str, Any], name: str = "F") -> type[DictFactory]:
    """A factory named ``name`` whose schema ``basic`` returns ``values`` (one dict, cached)."""

    def basic(self: DictFactory) -> dict[str, Any]:
        return dict(values)

    return type(name, (DictFactory,), {"basic": schema()(basic), "_default_schema": "basic"})


async def ten(attrs: Mapping[str, Any]) -> int:
    await asyncio.sleep(0)
    return 10


def fail(attrs: Any) -> Any:
    raise ValueError("no")


class NeedsToken(DictFactory):
    """A child factory that can only be made with ``token`` in the context."""

    _default_schema = "basic"

    def __init__(self, *, token: str, **kwargs: Any) -> None:
        super().__init__(token=token, **kwargs)

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"token": lazy(lambda a: "t")}


class TestOmit:
    def test_repr(self) -> None:
        """``OMIT`` shows as ``OMIT``."""
        assert repr(OMIT) == "OMIT"

    def test_is_a_singleton(self) -> None:
        """Calling ``OMIT``'s type gives ``OMIT`` again."""
        assert type(OMIT)() is OMIT

    def test_survives_pickling_and_copying(self) -> None:
        """Pickled, copied or deep-copied, ``OMIT`` is still the one ``OMIT``."""
        assert pickle.loads(pickle.dumps(OMIT)) is OMIT
        assert copy.copy(OMIT) is OMIT
        assert copy.deepcopy({"k": OMIT})["k"] is OMIT

    def test_a_pickled_omit_still_removes_a_key(self) -> None:
        """An ``OMIT`` that went through pickle removes its key as an override."""
        f = dict_factory({"a": 1, "b": 2})()

        assert f.build(b=pickle.loads(pickle.dumps(OMIT))) == {"a": 1}


class TestSequenceEdges:
    @pytest.mark.parametrize("start", [True, "1", 1.0])
    def test_start_must_be_an_int(self, start: Any) -> None:
        """A ``start`` that is not an int (a bool included) is refused when the field is made."""
        with pytest.raises(
            FactoryDefinitionError, match=rf"^sequence start must be an int, got {start!r}$"
        ):
            sequence("u{n}", start=start)

    def test_start_sets_the_first_number(self) -> None:
        """``start`` is the first number the sequence gives."""
        f = dict_factory({"code": sequence("c{n}", start=100)})()

        assert [f.build()["code"] for _ in range(3)] == ["c100", "c101", "c102"]

    def test_template_error_names_the_template(self) -> None:
        """A template that fails to format is named in the ``FieldError``."""
        f = dict_factory({"code": sequence("{n}-{m}")})()

        with pytest.raises(
            FieldError, match=r"^F\.basic → code: sequence\('\{n\}-\{m\}'\) raised KeyError\('m'\)$"
        ):
            f.build()

    def test_function_error_names_the_sequence(self) -> None:
        """A sequence function that raises gives a ``FieldError`` naming a sequence."""
        f = dict_factory({"code": sequence(lambda n: 1 // 0)})()

        with pytest.raises(
            FieldError, match=r"^F\.basic → code: sequence\(<lambda>\) raised ZeroDivisionError"
        ):
            f.build()

    def test_counter_with_a_lock_stays_exact_under_threads(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Where there is no GIL the counter takes a lock; every number is given exactly once."""
        monkeypatch.setattr(fields_module, "_NEEDS_LOCK", True)
        f = dict_factory({"n": sequence(lambda n: n)})()
        threads_count, per_thread = 6, 200
        barrier = threading.Barrier(threads_count)
        results: list[list[int]] = [[] for _ in range(threads_count)]

        def work(slot: list[int]) -> None:
            barrier.wait()
            slot.extend(f.build()["n"] for _ in range(per_thread))

        threads = [threading.Thread(target=work, args=(slot,)) for slot in results]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        numbers = sorted(n for slot in results for n in slot)
        assert numbers == list(range(1, threads_count * per_thread + 1))


class TestDescribedInErrors:
    def test_association_attr_that_the_child_lacks(self) -> None:
        """``association(..., attr=)`` naming a missing attribute names the association."""
        f = dict_factory({"url": association(AvatarFactory, attr="nope")})()

        with pytest.raises(
            FieldError,
            match=r"^F\.basic → url: association to AvatarFactory raised AttributeError\(",
        ) as info:
            f.build()

        assert isinstance(info.value.__cause__, AttributeError)

    def test_association_to_an_instance_names_its_class(self) -> None:
        """An association to a factory instance is named by the instance's class."""
        f = dict_factory({"url": association(AvatarFactory(), attr="nope")})()

        with pytest.raises(FieldError, match=r"^F\.basic → url: association to AvatarFactory "):
            f.build()

    def test_derived_attribute_that_the_child_lacks(self) -> None:
        """``.attribute(name)`` naming a missing attribute is named with the association."""
        avatar = association(AvatarFactory)
        f = dict_factory({"avatar": avatar, "shade": avatar.attribute("shade")})()

        with pytest.raises(
            FieldError,
            match=r"^F\.basic → shade: attribute\('shade'\) of the association to AvatarFactory "
            r"raised AttributeError\(",
        ):
            f.build()

    def test_derived_callback_that_raises(self) -> None:
        """A ``.callback(fn)`` that raises is named as a callback of the association."""
        avatar = association(AvatarFactory)
        f = dict_factory({"avatar": avatar, "thumb": avatar.callback(fail)})()

        with pytest.raises(
            FieldError,
            match=r"^F\.basic → thumb: callback\(\) of the association to AvatarFactory "
            r"raised ValueError\('no'\)$",
        ):
            f.build()

    def test_many_whose_child_factory_cannot_be_made(self) -> None:
        """A ``many`` whose child factory's constructor fails names the ``many`` field."""
        parent = dict_factory({"keys": many(NeedsToken, count=2)})

        with pytest.raises(
            FieldError,
            match=r"^F\.basic → keys: many of NeedsToken raised TypeError\(.*'token'",
        ):
            parent().build()

        assert parent(token="abc").build() == {"keys": [{"token": "t"}, {"token": "t"}]}

    @pytest.mark.parametrize(
        ("field", "name"),
        [
            (transient(lazy(fail)), "transient(lazy field)"),
            (randomly_unset(lazy(fail), p=0.0), "randomly_unset(lazy field)"),
            (randomly_nullify(lazy(fail), p=0.0), "randomly_nullify(lazy field)"),
            ([1, lazy(fail)], "list of special fields"),
            ((lazy(fail),), "tuple of special fields"),
            ({"inner": lazy(fail)}, "dict of special fields"),
        ],
    )
    def test_wrapping_fields_name_themselves(self, field: Any, name: str) -> None:
        """A field that holds a failing field is named by its own kind in the error."""
        f = dict_factory({"value": field})()

        with pytest.raises(
            FieldError, match=rf"^F\.basic → value: {re.escape(name)} raised ValueError\('no'\)$"
        ):
            f.build()


class TestNestedAndCopies:
    def test_sets_inside_nested_fields_are_fresh(self) -> None:
        """A set beside special fields in a list is copied for each object."""
        tags = {"a", "b"}
        f = dict_factory({"parts": [sequence("p{n}"), tags]})()

        one, two = f.build(), f.build()

        assert one["parts"] == ["p1", {"a", "b"}]
        assert two["parts"] == ["p2", {"a", "b"}]
        assert one["parts"][1] is not tags
        assert one["parts"][1] is not two["parts"][1]

    def test_sets_and_bytearrays_are_copied_per_object(self) -> None:
        """Sets and bytearrays in a schema are copied, so no two objects share one."""
        f = dict_factory({"tags": {"x"}, "blob": bytearray(b"ab"), "pair": ([1], 2)})()

        one, two = f.build(), f.build()
        one["tags"].add("y")
        one["blob"].append(ord("c"))
        one["pair"][0].append(3)

        assert two == {"tags": {"x"}, "blob": bytearray(b"ab"), "pair": ([1], 2)}
        assert one == {"tags": {"x", "y"}, "blob": bytearray(b"abc"), "pair": ([1, 3], 2)}

    def test_tuple_of_special_fields_stays_a_tuple(self) -> None:
        """A tuple holding special fields resolves to a tuple of values."""
        f = dict_factory({"point": (sequence(lambda n: n), lazy(lambda a: a["z"])), "z": 0})()

        assert f.build()["point"] == (1, 0)


class TestUnderAcreate:
    async def test_nested_containers_are_resolved_and_awaited(self) -> None:
        """Under ``acreate``, coroutine fields inside lists, tuples and dicts are awaited."""
        tags = {"a"}
        f = dict_factory(
            {
                "nested": [
                    lazy(ten),
                    (lazy(ten), 2),
                    {"deep": lazy(ten), "tags": tags},
                    sequence("s{n}"),
                    "plain",
                ]
            }
        )()

        made = await f.acreate()

        assert made == {"nested": [10, (10, 2), {"deep": 10, "tags": {"a"}}, "s1", "plain"]}
        assert made["nested"][2]["tags"] is not tags

    async def test_transient_default_field_is_resolved(self) -> None:
        """Under ``acreate`` a transient whose default is a special field resolves it."""
        f = dict_factory(
            {"base": transient(sequence(lambda n: n * 100)), "total": lazy(lambda a: a["base"] + 1)}
        )()

        assert await f.acreate() == {"total": 101}
        assert await f.acreate() == {"total": 201}

    async def test_fields_resolving_to_omit_leave_their_key_out(self) -> None:
        """Under ``acreate``, a field or a coroutine that gives ``OMIT`` removes its key."""

        async def omitted(attrs: Mapping[str, Any]) -> Any:
            return OMIT

        f = dict_factory(
            {
                "gone": randomly_unset(1, p=1.0),
                "late": lazy(omitted),
                "null": randomly_nullify(2, p=1.0),
            }
        )()

        assert await f.acreate() == {"null": None}

    async def test_attribute_read_before_its_association(self, recorder: RecordingBuilder) -> None:
        """Under ``acreate``, ``.attribute()`` declared before its association reads that same
        child, which is made once."""
        avatar = association(AvatarFactory)
        f = dict_factory({"url": avatar.attribute("url"), "avatar": avatar})()

        made = await f.acreate()

        assert made == {
            "url": "https://img.example.com/1.png",
            "avatar": Avatar(url="https://img.example.com/1.png"),
        }
        assert recorder.methods("Avatar") == ["acreate"]

    async def test_attribute_of_an_association_not_in_the_schema(
        self, recorder: RecordingBuilder
    ) -> None:
        """Under ``acreate``, ``.attribute()`` and ``.callback()`` of an association that no key
        holds share one child made for them."""
        avatar = association(AvatarFactory)
        f = dict_factory(
            {"url": avatar.attribute("url"), "size": avatar.callback(lambda child: child.size)}
        )()

        assert await f.acreate() == {"url": "https://img.example.com/1.png", "size": 64}
        assert await f.acreate() == {"url": "https://img.example.com/2.png", "size": 64}
        assert recorder.methods("Avatar") == ["acreate", "acreate"]

    async def test_attribute_of_an_association_replaced_by_an_override(
        self, recorder: RecordingBuilder
    ) -> None:
        """Under ``acreate``, ``.attribute()`` reads the object given in place of its
        association, and no child is made."""
        avatar = association(AvatarFactory)
        f = dict_factory({"url": avatar.attribute("url"), "avatar": avatar})()
        given = Avatar(url="https://given.example.com/a.png", size=8)

        made = await f.acreate(avatar=given)
        empty = await f.acreate(avatar=None)

        assert made == {"url": "https://given.example.com/a.png", "avatar": given}
        assert empty == {"url": None, "avatar": None}
        assert recorder.calls == []

    async def test_error_of_a_child_gains_the_parents_path(self) -> None:
        """Under ``acreate``, a child's error gets the parent's step, with the child's index."""
        broken = dict_factory({"x": lazy(lambda a: 1 // 0)}, name="Broken")
        one = dict_factory({"child": association(broken)})()
        several = dict_factory({"kids": many(broken, count=2)})()

        with pytest.raises(
            FieldError,
            match=r"^F\.basic → child \(Broken\.basic\) → x: lazy field raised ZeroDivisionError",
        ):
            await one.acreate()
        with pytest.raises(FieldError, match=r"^F\.basic → kids\[0\] \(Broken\.basic\) → x: "):
            await several.acreate()

    async def test_reader_after_a_swallowed_pause_gets_the_awaited_value(self) -> None:
        """A lazy that catches the resolver's pause does not leave later readers of that
        coroutine field with anything but its awaited value."""

        def swallowing(attrs: Mapping[str, Any]) -> Any:
            try:
                return attrs["later"]
            except BaseException:
                return "fallback"

        f = dict_factory(
            {
                "first": lazy(swallowing),
                "reader": lazy(lambda a: a["later"] + 1),
                "later": lazy(ten),
            }
        )()

        assert await f.acreate() == {"first": "fallback", "reader": 11, "later": 10}


class TestAttrsView:
    def test_repr_names_the_schema_and_keys(self) -> None:
        """The attributes view given to lazy functions shows its factory, schema and keys."""
        f = dict_factory({"b": 1, "a": lazy(repr)})()

        assert f.build() == {"b": 1, "a": "<attributes of F.basic: ['a', 'b']>"}


def unset_schema(inner: Any) -> dict[str, Any]:
    """``x`` kept or dropped at random around ``inner``; ``later`` is a coroutine field."""
    return {"x": randomly_unset(inner, p=0.5), "later": lazy(ten)}


class TestRandomlyUnsetUnderAcreate:
    async def test_one_draw_per_object(self) -> None:
        """Under ``acreate``, ``randomly_unset`` draws what ``create`` draws for the same
        object: one draw of the object's own stream."""

        async def plain(attrs: Mapping[str, Any]) -> int:
            return 1

        f = dict_factory(unset_schema(lazy(plain)))(seed=3)
        sync = dict_factory({"x": randomly_unset(1, p=0.5)})(seed=3)

        kept = ["x" in await f.acreate() for _ in range(40)]

        assert kept == ["x" in sync.create() for _ in range(40)]
        assert 5 < sum(kept) < 35

    async def test_one_draw_per_object_when_the_value_waits_on_another_field(self) -> None:
        """A kept value that reads another coroutine field still costs one draw per object."""

        async def after_later(attrs: Mapping[str, Any]) -> int:
            return attrs["later"] + 1

        f = dict_factory(unset_schema(lazy(after_later)))(seed=3)
        sync = dict_factory({"x": randomly_unset(1, p=0.5)})(seed=3)

        kept = ["x" in await f.acreate() for _ in range(40)]

        assert kept == ["x" in sync.create() for _ in range(40)]
