"""Async factories: acreate() and acreate_batch() await what the factory needs.

Run it with:

    python examples/async_factories.py

The "database" is an async in-memory store, standing in for an async driver
(an AsyncSession, an HTTP API, ...), so the script needs nothing installed.
"""

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any

from pyfactory import (
    AsyncModeError,
    Context,
    Factory,
    after,
    association,
    fake,
    lazy,
    schema,
    sequence,
)
from pyfactory.builders import ModelBuilder


@dataclasses.dataclass
class Team:
    name: str
    id: int | None = None


@dataclasses.dataclass
class Member:
    email: str
    avatar_url: str
    team: Team
    id: int | None = None


class AsyncStore:
    """A stand-in for an async database: every call yields to the event loop."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Any]] = {}
        self.outbox: list[str] = []

    async def insert(self, obj: Any) -> int:
        await asyncio.sleep(0)
        table = self.rows.setdefault(type(obj).__name__, [])
        table.append(obj)
        return len(table)

    async def send_mail(self, to: str, subject: str) -> None:
        await asyncio.sleep(0)
        self.outbox.append(f"To: {to}: {subject}")


class AsyncStoreBuilder(ModelBuilder[Any]):
    """Writes through the store in the context; only the async methods are needed."""

    async def acreate(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        obj = model(**attributes)
        obj.id = await context.require("store").insert(obj)
        return obj


async def avatar_for(member: Mapping[str, Any]) -> str:
    """An async lazy field: it could ask a web service; here it only yields once."""
    await asyncio.sleep(0)
    return f"https://avatars.example/{member['email'].split('@')[0]}.png"


class TeamFactory(Factory[Team]):
    _model = Team
    _model_builder = AsyncStoreBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"name": fake("company")}


class MemberFactory(Factory[Member]):
    _model = Member
    _model_builder = AsyncStoreBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "email": sequence("member{n}@example.com"),
            "avatar_url": lazy(avatar_for),  # a coroutine function: awaited by acreate
            "team": association(TeamFactory),  # made with TeamFactory.acreate
        }

    @after("create")
    async def welcome(self, member: Member, attrs: Mapping[str, Any]) -> None:
        await self.context["store"].send_mail(member.email, f"Welcome to {member.team.name}")


async def main() -> None:
    store = AsyncStore()
    members = MemberFactory(store=store, seed=3)

    first = await members.acreate()
    print(f"acreate: member {first.id} {first.email} in team {first.team.id} ({first.team.name})")
    print(f"  avatar: {first.avatar_url}")

    team = first.team
    rest = await members.acreate_batch(3, team=team)  # a ready object: no new team
    print(f"acreate_batch: members {[m.id for m in rest]}, all in team {team.id}")

    print(f"store: {len(store.rows['Member'])} members, {len(store.rows['Team'])} team")
    print("outbox:")
    for mail in store.outbox:
        print(f"  {mail}")

    # The synchronous methods cannot await, and say which method to call instead.
    try:
        members.create()
    except AsyncModeError as error:
        print(f"create() instead: {error}")


if __name__ == "__main__":
    asyncio.run(main())
