"""Models in the style of a FastAPI application: ``MappedAsDataclass`` with
relationships that ``__init__`` does not take (``init=False``), foreign key columns
that it does, a nullable column with no default (still a required ``__init__``
argument) and collections with ``default_factory=list``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column, relationship

from pyfactory import Factory, association, many, schema, sequence
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder


class Base(MappedAsDataclass, DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Nullable and no default: MappedAsDataclass still makes it a required argument.
    motto: Mapped[str | None] = mapped_column(String(200))
    heroes: Mapped[list[Hero]] = relationship(back_populates="team", default_factory=list)


class Hero(Base):
    __tablename__ = "hero"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(80))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    team: Mapped[Team] = relationship(back_populates="heroes", init=False)
    powers: Mapped[list[Power]] = relationship(
        back_populates="hero", init=False, default_factory=list
    )


class Power(Base):
    """A required relationship argument (no default) beside its foreign key column."""

    __tablename__ = "power"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(80))
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id"), init=False)
    hero: Mapped[Hero] = relationship(back_populates="powers")


class Guild(Base):
    """Every argument required: a key the database makes, and a collection."""

    __tablename__ = "guild"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    members: Mapped[list[Member]] = relationship(back_populates="guild")


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(80))
    guild_id: Mapped[int | None] = mapped_column(ForeignKey("guild.id"), default=None)
    guild: Mapped[Guild | None] = relationship(back_populates="members", default=None)


def factories(builder: Any) -> dict[str, type[Factory[Any]]]:
    """The factories over one builder, by model name; ``auto`` schemas fill everything."""

    class TeamFactory(Factory[Team]):
        _model = Team
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("team {n}")}

        @schema()
        def with_heroes(self) -> dict[str, Any]:
            return {"name": sequence("team {n}"), "heroes": many(HeroFactory, count=2)}

        @schema(auto=True)
        def auto(self) -> dict[str, Any]:
            return {}

    class HeroFactory(Factory[Hero]):
        _model = Hero
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("hero {n}"), "team": association(TeamFactory)}

        @schema()
        def with_powers(self) -> dict[str, Any]:
            raw = self.schema("basic")
            raw["powers"] = many(PowerFactory, count=2)
            return raw

        @schema(auto=True)
        def auto(self) -> dict[str, Any]:
            return {}

    class PowerFactory(Factory[Power]):
        _model = Power
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("power {n}"), "hero": association(HeroFactory)}

        @schema(auto=True)
        def auto(self) -> dict[str, Any]:
            return {}

    class GuildFactory(Factory[Guild]):
        _model = Guild
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("guild {n}")}

        @schema()
        def with_members(self) -> dict[str, Any]:
            return {"name": sequence("guild {n}"), "members": many(MemberFactory, count=2)}

    class MemberFactory(Factory[Member]):
        _model = Member
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("member {n}")}

    return {
        "Team": TeamFactory,
        "Hero": HeroFactory,
        "Power": PowerFactory,
        "Guild": GuildFactory,
        "Member": MemberFactory,
    }


SYNC = factories(SQLAlchemyBuilder())
ASYNC = factories(AsyncSQLAlchemyBuilder())
