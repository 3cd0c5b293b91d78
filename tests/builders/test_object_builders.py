"""The shipped in-memory builders and the ModelBuilder base (DESIGN.md §4)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import attrs
import pydantic
import pytest

from pyfactory import (
    BuilderError,
    Context,
    Factory,
    FactoryDefinitionError,
    MissingContextError,
    association,
    lazy,
    schema,
    sequence,
    transient,
)
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder

# ----------------------------------------------------------------------- models


class PlainUser:
    def __init__(self, name: str, age: int = 0) -> None:
        self.name = name
        self.age = age


@dataclasses.dataclass
class DataUser:
    name: str
    age: int = 0


@attrs.define
class AttrsUser:
    name: str
    age: int = attrs.field(default=0, validator=attrs.validators.instance_of(int))


class PydanticUser(pydantic.BaseModel):
    name: str
    age: int = 0


def object_factory(model: type[Any], **attributes: Any) -> type[Factory[Any]]:
    """A factory of ``model`` through an ObjectBuilder, with schema "basic" giving
    ``name`` from a sequence plus ``attributes``."""

    class F(Factory[Any]):
        _model = model
        _model_builder = ObjectBuilder()

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("user{n}"), **attributes}

    F.__name__ = F.__qualname__ = f"{model.__name__}Factory"
    return F


MODELS = [PlainUser, DataUser, AttrsUser, PydanticUser]


# --------------------------------------------------------------- ObjectBuilder


class TestObjectBuilder:
    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    def test_calls_the_model(self, model: type[Any]) -> None:
        """ObjectBuilder makes the model with the attributes as keyword arguments."""
        obj = ObjectBuilder[Any]().build(model, {"name": "ann", "age": 3}, Context())
        assert type(obj) is model
        assert (obj.name, obj.age) == ("ann", 3)

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    @pytest.mark.parametrize("method", ["build", "create"])
    def test_factory_methods(self, model: type[Any], method: str) -> None:
        """build() and create() give the model, with its defaults where the schema is silent."""
        obj = getattr(object_factory(model)(), method)("basic")
        assert type(obj) is model
        assert (obj.name, obj.age) == ("user1", 0)

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
    @pytest.mark.parametrize("method", ["build_batch", "create_batch"])
    def test_batches(self, model: type[Any], method: str) -> None:
        """Batches give one model per row, in order."""
        objs = getattr(object_factory(model, age=7)(), method)("basic", 3)
        assert [type(o) for o in objs] == [model] * 3
        assert [(o.name, o.age) for o in objs] == [("user1", 7), ("user2", 7), ("user3", 7)]

    def test_dataclass_equality(self) -> None:
        """A dataclass built by the factory equals one made by hand."""
        assert object_factory(DataUser, age=2)().build("basic") == DataUser("user1", 2)

    def test_pydantic_coerces(self) -> None:
        """A pydantic model validates the attributes, so lax coercion applies."""
        user = object_factory(PydanticUser, age="42")().build("basic")
        assert user == PydanticUser(name="user1", age=42)

    @pytest.mark.parametrize("method", ["build", "create"])
    def test_pydantic_validation_error(self, method: str) -> None:
        """A pydantic ValidationError becomes a BuilderError that keeps it as the cause
        and the attributes the builder was given."""
        factory = object_factory(PydanticUser, age="not a number")
        with pytest.raises(
            BuilderError,
            match=re.escape(
                f"PydanticUserFactory.basic: ObjectBuilder.{method}(PydanticUser) raised "
                "1 validation error for PydanticUser"
            ),
        ) as info:
            getattr(factory(), method)("basic")
        assert isinstance(info.value.__cause__, pydantic.ValidationError)
        assert info.value.attributes == {"name": "user1", "age": "not a number"}
        assert info.value.rows == [info.value.attributes]

    def test_pydantic_validation_error_in_build_batch(self) -> None:
        """A failing row of build_batch gives a BuilderError with that row's attributes."""
        factory = object_factory(
            PydanticUser, age=lazy(lambda a: "bad" if a["name"] == "user2" else 1)
        )
        with pytest.raises(
            BuilderError, match=re.escape("ObjectBuilder.build(PydanticUser) raised")
        ) as info:
            factory().build_batch("basic", 3)
        assert isinstance(info.value.__cause__, pydantic.ValidationError)
        assert info.value.attributes == {"name": "user2", "age": "bad"}

    def test_pydantic_validation_error_in_create_batch(self) -> None:
        """A failing create_batch gives a BuilderError caused by the ValidationError that
        keeps every row the builder was given."""
        factory = object_factory(
            PydanticUser, age=lazy(lambda a: "bad" if a["name"] == "user2" else 1)
        )
        with pytest.raises(
            BuilderError,
            match=(
                r"PydanticUserFactory\.basic: create_batch\(\) failed on one of 3 rows written "
                r"together \(the builder does not say which\): "
                r"ObjectBuilder\.create_many\(PydanticUser\) raised"
            ),
        ) as info:
            factory().create_batch("basic", 3)
        assert isinstance(info.value.__cause__, pydantic.ValidationError)
        assert info.value.rows == [
            {"name": "user1", "age": 1},
            {"name": "user2", "age": "bad"},
            {"name": "user3", "age": 1},
        ]

    def test_attrs_validator_error(self) -> None:
        """An attrs validator's error becomes a BuilderError with the attributes."""
        factory = object_factory(AttrsUser, age="3")
        with pytest.raises(
            BuilderError, match=re.escape("ObjectBuilder.build(AttrsUser) raised TypeError(")
        ) as info:
            factory().build("basic")
        assert isinstance(info.value.__cause__, TypeError)
        assert info.value.attributes == {"name": "user1", "age": "3"}

    def test_unexpected_attribute(self) -> None:
        """A key the model does not take gives a BuilderError caused by its TypeError."""
        factory = object_factory(PlainUser, colour="red")
        with pytest.raises(
            BuilderError,
            match=r"PlainUserFactory\.basic: ObjectBuilder\.build\(PlainUser\) raised "
            r"TypeError\(.*unexpected keyword argument 'colour'",
        ) as info:
            factory().build("basic")
        assert isinstance(info.value.__cause__, TypeError)
        assert info.value.attributes == {"name": "user1", "colour": "red"}

    @pytest.mark.parametrize("method", ["build", "create", "build_batch", "create_batch"])
    def test_msgspec_struct(self, method: str) -> None:
        """A msgspec Struct is made like any other class."""
        msgspec = pytest.importorskip("msgspec")

        class StructUser(msgspec.Struct):
            name: str
            tags: list[str] = []
            age: int = 0

        factory = object_factory(StructUser, tags=["a"])
        made = getattr(factory(), method)("basic", *([2] if method.endswith("batch") else []))
        objs = made if isinstance(made, list) else [made]
        assert objs == [StructUser(name=f"user{n}", tags=["a"]) for n in range(1, len(objs) + 1)]
        assert msgspec.to_builtins(objs[0]) == {"name": "user1", "tags": ["a"], "age": 0}

    def test_is_the_default_builder(self) -> None:
        """A factory that names no builder uses an ObjectBuilder."""

        class F(Factory[DataUser]):
            _model = DataUser

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x"}

        assert F().build("basic") == DataUser("x")
        assert isinstance(F._pf_builder, ObjectBuilder)

    def test_builder_class_is_instantiated(self) -> None:
        """_model_builder may be a builder class with a no-argument constructor."""

        class F(Factory[DataUser]):
            _model = DataUser
            _model_builder = ObjectBuilder

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x"}

        assert F().create("basic") == DataUser("x")

    def test_non_builder_is_refused(self) -> None:
        """_model_builder must be a ModelBuilder instance or class."""
        with pytest.raises(FactoryDefinitionError, match="_model_builder must be a ModelBuilder"):

            class F(Factory[DataUser]):
                _model = DataUser
                _model_builder = object()  # type: ignore[assignment]


# ------------------------------------------------------------------ DictBuilder


class TestDictBuilder:
    @pytest.mark.parametrize("method", ["build", "create"])
    def test_returns_a_new_dict(self, method: str) -> None:
        """build() and create() give an equal dict that is not the one passed in."""
        given = {"name": "ann", "tags": ["a"]}
        made = getattr(DictBuilder(), method)(dict, given, Context())
        assert made == given
        assert made is not given
        made["name"] = "changed"
        assert given["name"] == "ann"

    def test_create_many(self) -> None:
        """create_many() gives a new dict per row."""
        rows = [{"n": 1}, {"n": 2}]
        made = DictBuilder().create_many(dict, rows, Context())
        assert made == rows
        assert all(m is not r for m, r in zip(made, rows, strict=True))

    def test_getattr_reads_keys(self) -> None:
        """getattr() on a dict reads its key."""
        assert DictBuilder().getattr({"id": 5}, "id") == 5

    def test_through_a_factory(self) -> None:
        """A dict factory gives new dicts, without transient keys, and works as a child
        read with attr=."""

        class Row(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"id": sequence(lambda n: n), "hidden": transient(1)}

        class Parent(Factory[dict[str, Any]]):
            _model = dict
            _model_builder = DictBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"row_id": association(Row, "basic", attr="id")}

        first, second = Row().build("basic"), Row().create("basic")
        assert (first, second) == ({"id": 1}, {"id": 2})
        assert first is not second
        assert Parent().create("basic") == {"row_id": 3}


# ------------------------------------------------------ a user-written builder


class Record:
    """A model that keeps its values in a dict, readable only through its builder."""

    def __init__(self, **values: Any) -> None:
        self.data = values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other.data == self.data

    __hash__ = None  # type: ignore[assignment]


class MemoryBuilder(ModelBuilder[Record]):
    """A backend of one list that overrides create() and getattr() only."""

    def __init__(self) -> None:
        self.stored: list[Record] = []
        self.calls: list[tuple[str, Any]] = []

    def create(self, model: type[Record], attributes: dict[str, Any], context: Context) -> Record:
        self.calls.append(("create", dict(attributes)))
        if context.get("strict"):
            context.require("session")
        record = model(**attributes, id=len(self.stored) + 1)
        self.stored.append(record)
        return record

    def getattr(self, instance: Record, name: str) -> Any:
        self.calls.append(("getattr", name))
        return instance.data[name]


def memory_factories() -> tuple[MemoryBuilder, type[Factory[Record]], type[Factory[Any]]]:
    builder = MemoryBuilder()

    class RecordFactory(Factory[Record]):
        _model = Record
        _model_builder = builder

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("rec{n}"), "secret": transient("s")}

    class OwnerFactory(Factory[dict[str, Any]]):
        _model = dict
        _model_builder = DictBuilder()

        @schema()
        def basic(self) -> dict[str, Any]:
            record = association(RecordFactory, "basic")
            return {
                "record_name": association(RecordFactory, "basic", attr="name"),
                "shared_name": record.attribute("name"),
                "shared_data": record.callback(lambda r: r.data if isinstance(r, Record) else r),
            }

    return builder, RecordFactory, OwnerFactory


class TestModelBuilderSubclass:
    def test_build_defaults_to_calling_the_model(self) -> None:
        """A builder that overrides only create() builds with model(**attributes), storing
        nothing."""
        builder, records, _ = memory_factories()
        assert records().build("basic") == Record(name="rec1")
        assert builder.stored == []
        assert builder.calls == []

    def test_create_is_the_override(self) -> None:
        """create() goes through the builder's own create(), with finished attributes."""
        builder, records, _ = memory_factories()
        record = records().create("basic")
        assert record == Record(name="rec1", id=1)
        assert builder.stored == [record]
        assert builder.calls == [("create", {"name": "rec1"})]

    def test_create_many_defaults_to_a_loop_of_create(self) -> None:
        """create_batch() with the default create_many() calls create() once per row."""
        builder, records, _ = memory_factories()
        made = records().create_batch("basic", 3)
        assert made == [Record(name=f"rec{n}", id=n) for n in (1, 2, 3)]
        assert [name for name, _ in builder.calls] == ["create"] * 3
        assert builder.stored == made

    async def test_acreate_defaults_to_create(self) -> None:
        """acreate() and acreate_batch() fall back on create() by default."""
        builder, records, _ = memory_factories()
        one = await records().acreate("basic")
        more = await records().acreate_batch("basic", 2)
        assert [one, *more] == [Record(name=f"rec{n}", id=n) for n in (1, 2, 3)]
        assert [name for name, _ in builder.calls] == ["create"] * 3

    async def test_default_async_methods_directly(self) -> None:
        """The base class's acreate() and acreate_many() call create() per row."""
        builder = MemoryBuilder()
        one = await builder.acreate(Record, {"name": "a"}, Context())
        rows = await builder.acreate_many(Record, [{"name": "b"}, {"name": "c"}], Context())
        assert [one, *rows] == [
            Record(name="a", id=1),
            Record(name="b", id=2),
            Record(name="c", id=3),
        ]

    @pytest.mark.parametrize("method", ["build", "create"])
    def test_getattr_serves_attr_and_attribute(self, method: str) -> None:
        """association(attr=...) and .attribute() read the child through the builder's
        getattr(); .callback() gets the child itself."""
        builder, _, owners = memory_factories()
        owner = getattr(owners(), method)("basic")
        assert owner["record_name"] == "rec1"
        assert owner["shared_name"] == "rec2"
        expected_data = {"name": "rec2"} if method == "build" else {"name": "rec2", "id": 2}
        assert owner["shared_data"] == expected_data
        assert [c for c in builder.calls if c[0] == "getattr"] == [
            ("getattr", "name"),
            ("getattr", "name"),
        ]

    def test_attributes_scope_reads_the_dict(self) -> None:
        """Under attributes() the child is a dict, read without the builder."""
        builder, _, owners = memory_factories()
        assert owners().attributes("basic") == {
            "record_name": "rec1",
            "shared_name": "rec2",
            "shared_data": {"name": "rec2"},
        }
        assert builder.calls == []

    def test_builder_sees_the_context(self) -> None:
        """The builder gets the factory's context; a missing key raises
        MissingContextError with the call that fixes it."""
        builder, records, _ = memory_factories()
        assert records(strict=True, session="db").create("basic") == Record(name="rec1", id=1)
        with pytest.raises(
            MissingContextError,
            match=re.escape(
                "RecordFactory needs 'session' in its context; pass it when making the "
                "factory: RecordFactory(session=...)"
            ),
        ):
            records(strict=True).create("basic")
        assert len(builder.stored) == 1

    def test_base_create_is_not_implemented(self) -> None:
        """The base ModelBuilder builds but does not create; create() says so."""

        class F(Factory[DataUser]):
            _model = DataUser
            _model_builder = ModelBuilder()

            @schema()
            def basic(self) -> dict[str, Any]:
                return {"name": "x"}

        assert F().build("basic") == DataUser("x")
        with pytest.raises(
            BuilderError,
            match=re.escape("F.basic: ModelBuilder.create(DataUser) raised NotImplementedError("),
        ) as info:
            F().create("basic")
        assert isinstance(info.value.__cause__, NotImplementedError)
        assert "does not implement create()" in str(info.value.__cause__)

    def test_default_getattr(self) -> None:
        """The base getattr() is the built-in getattr."""
        assert ModelBuilder[Any]().getattr(DataUser("x", 4), "age") == 4
