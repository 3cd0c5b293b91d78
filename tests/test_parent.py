"""parent(): a child takes a field of the object whose association or many() is making
it, so the children of one object share its parent (one region made for a building and
its rooms), on SQLAlchemy (both backends, create, create_batch, acreate, build) and in
attribute dicts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import ForeignKey, MetaData, String, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyfactory import (
    CyclicDependencyError,
    Factory,
    FactoryDefinitionError,
    FieldError,
    association,
    lazy,
    many,
    parent,
    schema,
    sequence,
    transient,
)
from pyfactory.builders import DictBuilder, SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Building(Base):
    __tablename__ = "building"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region: Mapped[Region] = relationship()
    rooms: Mapped[list[Room]] = relationship(back_populates="building")


class Room(Base):
    __tablename__ = "room"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    building: Mapped[Building] = relationship(back_populates="rooms")
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region: Mapped[Region] = relationship()


@pytest.fixture
def db_metadata() -> MetaData:
    return Base.metadata


class RegionFactory(Factory[Region]):
    _model = Region
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": sequence("region{n}")}


class RoomFactory(Factory[Room]):
    _model = Room
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "label": lazy(lambda a: f"{a['floor']}-{a['n']}"),
            "n": transient(sequence(lambda n: n)),
            # The building's transient: parent() reads those too.
            "floor": transient(parent("floor", default="ground")),
            "region": parent("region", default=association(RegionFactory)),
        }


class BuildingFactory(Factory[Building]):
    _model = Building
    _model_builder = SQLAlchemyBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            # rooms before region: the room's parent("region") resolves it first.
            "rooms": many(RoomFactory, count=3),
            "name": sequence("building{n}"),
            "floor": transient("first"),
            "region": association(RegionFactory),
        }


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_rooms_share_their_buildings_region_under_create(session: Session) -> None:
    building = BuildingFactory(session=session).create()
    session.expire_all()
    assert count(session, Region) == 1
    assert [room.region_id for room in building.rooms] == [building.region_id] * 3
    assert [room.label for room in building.rooms] == ["first-1", "first-2", "first-3"]
    assert all(room.building_id == building.id for room in building.rooms)


def test_a_batch_makes_one_region_per_building(session: Session) -> None:
    buildings = BuildingFactory(session=session).create_batch(4)
    session.expire_all()
    assert count(session, Region) == 4
    assert count(session, Room) == 12
    for building in buildings:
        assert {room.region_id for room in building.rooms} == {building.region_id}


def test_build_shares_the_object(session: Session) -> None:
    building = BuildingFactory().build()
    assert all(room.region is building.region for room in building.rooms)


def test_a_room_made_on_its_own_takes_the_default(session: Session) -> None:
    room = RoomFactory(session=session).create(building=BuildingFactory(session=session).create())
    assert room.label == "ground-4"  # three rooms of the building came first
    assert room.region.name != room.building.region.name
    assert count(session, Region) == 2


async def test_acreate_shares_the_region(async_engine: AsyncEngine) -> None:
    async with AsyncSession(async_engine) as session:
        building = await BuildingFactory(session=session).acreate()
        rooms = (await session.scalars(select(Room))).all()
        regions = await session.scalar(select(func.count()).select_from(Region))
    assert regions == 1
    assert {room.region_id for room in rooms} == {building.region_id}


# ---------------------------------------------------------------- attribute dicts


class Cell(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"colour": parent("colour")}

    @schema()
    def cyclic(self) -> dict[str, Any]:
        return {"colour": parent("colour")}


class Grid(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"cells": many(Cell, "basic", count=2), "colour": "red"}

    @schema()
    def cyclic(self) -> dict[str, Any]:
        return {
            "cells": many(Cell, "cyclic", count=2),
            "colour": lazy(lambda a: a["cells"][0]["colour"]),
        }

    @schema()
    def without(self) -> dict[str, Any]:
        return {"cells": many(Cell, "basic", count=1)}


def test_attribute_dicts_and_overrides() -> None:
    assert Grid().attributes("basic") == {
        "cells": [{"colour": "red"}, {"colour": "red"}],
        "colour": "red",
    }
    assert Grid().attributes("basic", colour="blue")["cells"] == [{"colour": "blue"}] * 2
    # An override of the child's key wins over its parent.
    assert Grid().attributes("basic", cells__colour="green")["cells"] == [{"colour": "green"}] * 2


def test_errors_name_the_factory_schema_and_field() -> None:
    with pytest.raises(FieldError) as raised:
        Cell().attributes("basic")
    assert str(raised.value) == (
        "Cell.basic → colour: parent('colour') has no value to give: this object was made "
        "on its own, not by an association or many() field; give parent('colour', "
        "default=...) a value or a field for that case"
    )
    with pytest.raises(FieldError) as raised:
        Grid().attributes("without")
    assert str(raised.value) == (
        "Grid.without → cells[0] (Cell.basic) → colour: parent('colour') has no value to "
        "give: the object making it has no field 'colour'; give parent('colour', "
        "default=...) a value or a field for that case"
    )
    with pytest.raises(CyclicDependencyError):
        Grid().attributes("cyclic")
    with pytest.raises(FactoryDefinitionError) as defined:
        parent("")
    assert str(defined.value) == "parent() takes the name of a field, got ''"
