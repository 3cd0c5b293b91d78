"""A complete factory module, written as a user would, that passes mypy --strict cleanly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from faker import Faker

from pyfactory import (
    OMIT,
    Context,
    Factory,
    FieldContext,
    SpecialField,
    after,
    association,
    fake,
    lazy,
    many,
    randomly_nullify,
    randomly_unset,
    schema,
    sequence,
    trait,
    transient,
)
from pyfactory.builders import DictBuilder, ModelBuilder, ObjectBuilder


@dataclass
class Profile:
    bio: str
    avatar: str | None = None


@dataclass
class Post:
    title: str


@dataclass
class User:
    first_name: str
    last_name: str
    email: str
    username: str
    slug: str
    profile: Profile | None = None
    posts: list[Post] = field(default_factory=list)
    type: str = "user"
    verified_at: datetime | None = None
    nickname: str | None = None
    roles: list[str] = field(default_factory=list)


class MemoryBuilder(ModelBuilder[User]):
    """A backend of one list: overriding create() is all it takes."""

    def __init__(self) -> None:
        self.rows: list[User] = []

    def create(self, model: type[User], attributes: dict[str, Any], context: Context) -> User:
        user = model(**attributes)
        self.rows.append(user)
        return user


class Slug(SpecialField[str]):
    """A custom field: the slug of another attribute."""

    def __init__(self, source: str) -> None:
        self.source = source

    def resolve(self, ctx: FieldContext) -> str:
        value: str = ctx.attrs[self.source]
        return value.lower().replace(" ", "-")


class ProfileFactory(Factory[Profile]):
    _model = Profile
    _model_builder = ObjectBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, object]:
        return {"bio": fake("sentence"), "avatar": randomly_nullify(fake("image_url"), 0.5)}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = ObjectBuilder

    @schema()
    def basic(self) -> dict[str, object]:
        return {"title": sequence(lambda n: f"Post {n}")}


class UserFactory(Factory[User]):
    _model = User
    _model_builder = MemoryBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, object]:
        return {
            "first_name": "John",
            "last_name": "Doe",
            "email": sequence("user{n}@example.com"),
            "username": lazy(lambda a: f"{a['first_name']}.{a['last_name']}".lower()),
            "slug": Slug("username"),
            "profile": association(ProfileFactory, "basic"),
            "posts": many(PostFactory, "basic", count=(0, 2)),
            "nickname": randomly_unset(fake("first_name"), 0.3),
            "shout": transient(False),
        }

    @schema()
    def admin(self) -> dict[str, object]:
        base = self.schema("basic")
        base["type"] = "admin"
        base["email"] = sequence("admin%(n)s@example.com", key="admin_email", start=10)
        return base

    @trait()
    def verified(self) -> dict[str, object]:
        return {"verified_at": fake("date_time_this_year")}

    @trait()
    def anonymous(self) -> dict[str, object]:
        return {"profile": None, "nickname": OMIT}

    @after("create")
    def add_roles(self, instance: User, attrs: Mapping[str, Any]) -> None:
        if attrs["shout"]:
            instance.roles.append("loud")


class StaffFactory(UserFactory):
    @schema()
    def basic(self) -> dict[str, object]:
        base = super().attributes("basic")
        base["email"] = "staff@example.com"
        return base


class SettingsFactory(Factory[dict[str, Any]]):
    _model = dict
    _model_builder = DictBuilder()

    @schema()
    def basic(self) -> dict[str, object]:
        return {"owner": association(UserFactory, "basic", attr="email"), "theme": "dark"}


def make_users() -> list[User]:
    factory = UserFactory(session=None, faker=Faker("fr_FR"), seed=42)
    user: User = factory.build("basic", "verified", first_name="Bob")
    admin: User = factory.create("admin", verified=True, profile__bio="Boss")
    staff: User = StaffFactory().create(shout=True)
    attrs: dict[str, Any] = factory.attributes("basic", profile=OMIT)
    many_users: list[User] = factory.create_batch("basic", 10, "anonymous", last_name="X")
    built: list[User] = factory.build_batch(2)
    settings: dict[str, Any] = SettingsFactory().build("basic")
    UserFactory.reset_sequences()
    Factory.reset_unique()
    print(attrs, settings, factory.context, factory.faker)
    return [user, admin, staff, *many_users, *built]


async def amake_users() -> list[User]:
    factory = UserFactory()
    one: User = await factory.acreate("basic", "verified")
    more: list[User] = await factory.acreate_batch("admin", 5)
    return [one, *more]
