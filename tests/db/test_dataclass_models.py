"""``MappedAsDataclass`` models, as FastAPI applications write them, on a SQLite file
and PostgreSQL, with a Session and an AsyncSession: relationships that ``__init__``
does not take, required nullable columns, and collections with ``default_factory``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyfactory import OMIT
from tests.db.dataclass_models import ASYNC, SYNC, Base, Hero, Power, Team


@pytest.fixture
def db_metadata() -> MetaData:
    """The dataclass models' tables, for the database fixtures' ``engine`` and
    ``async_session``."""
    return Base.metadata


class Selects:
    """The SELECT statements an engine runs: reading a loaded attribute runs none."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append(statement)


def _looks(obj: Any) -> tuple[frozenset[str], dict[str, Any]]:
    """What an object holds: its unloaded attributes, and its loaded attributes with
    their values, keys aside (a collection by its length, a related object by its type)."""
    state = inspect(obj)
    looks: dict[str, Any] = {}
    for key, value in state.dict.items():
        if key.startswith("_"):
            continue
        if key == "id" or key.endswith("_id") or key == "name":
            looks[key] = type(value)
        elif isinstance(value, list):
            looks[key] = len(value)
        else:
            looks[key] = type(value) if isinstance(value, Base) else value
    return frozenset(state.unloaded), looks


class TestCreate:
    def test_a_relationship_init_does_not_take_is_set_after_construction(
        self, session: Session
    ) -> None:
        """create() sets ``hero.team`` (init=False) on the new hero; the flush fills
        ``team_id`` from it."""
        hero = SYNC["Hero"](session=session).create()
        assert hero.team.name.startswith("team ")
        assert hero.team_id == hero.team.id
        assert session.scalars(select(Hero.team_id)).all() == [hero.team.id]

    def test_build_sets_it_too(self) -> None:
        """build() makes the hero with its team, nothing written and no key yet."""
        hero = SYNC["Hero"]().build()
        assert isinstance(hero.team, Team)
        assert hero.team_id is None
        assert hero.team.heroes == [hero]

    def test_a_nullable_column_without_default_need_not_be_given(self, session: Session) -> None:
        """``motto`` is a required __init__ argument; left out, it is NULL, as for an
        ordinary mapped class."""
        team = SYNC["Team"](session=session).create()
        session.expire_all()
        assert session.scalar(select(Team.motto).where(Team.id == team.id)) is None

    def test_many_children_through_relationships_init_does_not_take(self, session: Session) -> None:
        """many() on ``heroes`` (default_factory) and on ``powers`` (init=False) makes
        the rows after their parent, pointing at it."""
        hero = SYNC["Hero"](session=session).create("with_powers")
        assert [p.hero_id for p in hero.powers] == [hero.id, hero.id]
        team = SYNC["Team"](session=session).create("with_heroes")
        assert [h.team_id for h in team.heroes] == [team.id, team.id]
        session.expire_all()
        assert len(session.get(Team, team.id).heroes) == 2  # type: ignore[union-attr]

    def test_a_required_relationship_argument_with_its_key_given(self, session: Session) -> None:
        """``Power.hero`` is a required argument; given ``hero_id`` instead, the power
        keeps that key (the None that __init__ must get for ``hero`` does not clear it)."""
        hero = SYNC["Hero"](session=session).create()
        power = SYNC["Power"](session=session).create(hero=OMIT, hero_id=hero.id)
        assert power.hero_id == hero.id
        session.expire_all()
        assert session.scalar(select(Power.hero_id)) == hero.id

    def test_auto_fill_makes_the_row_the_foreign_key_needs(self, session: Session) -> None:
        """An auto schema fills ``team_id`` through the team it makes for the init=False
        relationship, and leaves the nullable ``motto`` NULL."""
        hero = SYNC["Hero"](session=session).create("auto")
        assert hero.team_id == hero.team.id
        assert hero.team.motto is None
        power = SYNC["Power"](session=session).create("auto")
        assert power.hero_id == power.hero.id

    def test_a_required_key_and_collection(self, session: Session) -> None:
        """``Guild.id`` and ``Guild.members`` are required arguments: the key is left to
        the database and the collection starts empty, or holds the members many() makes."""
        guilds = SYNC["Guild"](session=session)
        guild = guilds.create()
        assert guild.id is not None
        assert guild.members == []
        full = guilds.create("with_members")
        assert [m.guild_id for m in full.members] == [full.id, full.id]
        assert [g.members for g in guilds.create_batch(2)] == [[], []]

    def test_create_batch_matches_create(self, engine: Engine, session: Session) -> None:
        """Objects from create_batch hold what objects from create hold: the same loaded
        attributes, and collections loaded empty (no query when read)."""
        teams = SYNC["Team"](session=session)
        one = teams.create()
        batch = teams.create_batch(2)
        assert _looks(batch[0]) == _looks(one)
        heroes = SYNC["Hero"](session=session)
        assert _looks(heroes.create_batch(2)[1]) == _looks(heroes.create())
        selects = Selects(engine)
        assert [one.heroes, batch[0].heroes, batch[1].heroes] == [[], [], []]
        assert selects.statements == []

    def test_create_batch_of_children(self, session: Session) -> None:
        """create_batch of teams with heroes, and of heroes with powers, links them."""
        teams = SYNC["Team"](session=session).create_batch("with_heroes", 3)
        assert [len(t.heroes) for t in teams] == [2, 2, 2]
        assert all(h.team is t and h.team_id == t.id for t in teams for h in t.heroes)
        heroes = SYNC["Hero"](session=session).create_batch("with_powers", 2)
        assert all(p.hero_id == h.id for h in heroes for p in h.powers)


class TestAsync:
    async def test_acreate_and_acreate_batch(self, async_session: AsyncSession) -> None:
        """acreate and acreate_batch on an AsyncSession make the same objects, whose
        relationships read without a lazy load (which would raise here)."""
        heroes = ASYNC["Hero"](session=async_session)
        hero = await heroes.acreate("with_powers")
        assert hero.team.heroes == [hero]
        assert [p.hero_id for p in hero.powers] == [hero.id, hero.id]
        batch = await heroes.acreate_batch(3)
        assert [h.powers for h in batch] == [[], [], []]
        assert all(h.team_id == h.team.id for h in batch)
        teams = await ASYNC["Team"](session=async_session).acreate_batch(2)
        assert [t.heroes for t in teams] == [[], []]
        made = await ASYNC["Power"](session=async_session).acreate("auto")
        assert made.hero_id == made.hero.id
        await async_session.commit()
        count = len((await async_session.scalars(select(Hero))).all())
        assert count == 1 + 3 + 1
