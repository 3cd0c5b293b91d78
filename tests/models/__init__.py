"""The models shared by the tests, one module per backend; here, plain objects.

* here: small dataclass models, a recording builder and factories. The factories make
  a little graph: a user with a profile (which has an avatar) and posts (which have
  comments). They all persist through one :class:`RecordingBuilder`, so a test can
  count what was made;
* ``tests/models/sqlalchemy.py``: the SQLAlchemy tables, on one declarative ``Base``
  (their database fixtures are in ``tests/plugins/databases.py``);
* Django's models live in ``tests/django_app/models.py``, the app that
  ``tests/django_settings.py`` installs (Django finds models only in an app).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from pyfactory import Context, Factory, association, lazy, many, schema, sequence, trait
from pyfactory.builders import ObjectBuilder


@dataclasses.dataclass
class Avatar:
    url: str
    size: int = 64


@dataclasses.dataclass
class Profile:
    bio: str
    avatar: Avatar | None = None


@dataclasses.dataclass
class Comment:
    body: str


@dataclasses.dataclass
class Post:
    title: str
    comments: list[Comment] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class User:
    first_name: str
    last_name: str
    email: str
    username: str = ""
    type: str = "user"
    verified_at: datetime.datetime | None = None
    active: bool = True
    profile: Profile | None = None
    posts: list[Post] = dataclasses.field(default_factory=list)


class RecordingBuilder(ObjectBuilder[Any]):
    """An :class:`ObjectBuilder` that writes down every call it gets, with its context."""

    def __init__(self) -> None:
        #: ``(method, model name, attributes or rows)`` per call, in order.
        self.calls: list[tuple[str, str, Any]] = []
        #: The context of each call, in the same order.
        self.contexts: list[Context] = []

    def clear(self) -> None:
        self.calls.clear()
        self.contexts.clear()

    def _record(self, method: str, model: type[Any], payload: Any, context: Context) -> None:
        self.calls.append((method, model.__name__, payload))
        self.contexts.append(context)

    def build(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        self._record("build", model, dict(attributes), context)
        return model(**attributes)

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        self._record("create", model, dict(attributes), context)
        return model(**attributes)

    def create_many(
        self, model: type[Any], rows: list[dict[str, Any]], context: Context
    ) -> list[Any]:
        self._record("create_many", model, [dict(row) for row in rows], context)
        return [model(**row) for row in rows]

    async def acreate(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        self._record("acreate", model, dict(attributes), context)
        return model(**attributes)

    async def acreate_many(
        self, model: type[Any], rows: list[dict[str, Any]], context: Context
    ) -> list[Any]:
        self._record("acreate_many", model, [dict(row) for row in rows], context)
        return [model(**row) for row in rows]

    def methods(self, model_name: str | None = None) -> list[str]:
        """The methods called, for one model or for all."""
        return [m for m, name, _ in self.calls if model_name in (None, name)]

    def made(self, model_name: str) -> int:
        """How many objects of a model were built or created, rows of bulk calls included."""
        total = 0
        for method, name, payload in self.calls:
            if name == model_name:
                total += len(payload) if method.endswith("_many") else 1
        return total


#: The builder of every shared factory; the ``recorder`` fixture clears it per test.
recorder = RecordingBuilder()


class AvatarFactory(Factory[Avatar]):
    _model = Avatar
    _model_builder = recorder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"url": sequence("https://img.example.com/{n}.png"), "size": 64}

    @trait()
    def large(self) -> dict[str, Any]:
        return {"size": 512}


class ProfileFactory(Factory[Profile]):
    _model = Profile
    _model_builder = recorder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"bio": "Hello", "avatar": association(AvatarFactory, "basic")}

    @trait()
    def empty(self) -> dict[str, Any]:
        return {"bio": ""}


class CommentFactory(Factory[Comment]):
    _model = Comment
    _model_builder = recorder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"body": sequence("comment {n}")}

    @trait()
    def shouting(self) -> dict[str, Any]:
        return {"body": "HEY"}


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = recorder
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": sequence("post {n}"), "comments": many(CommentFactory, "basic", count=2)}


class UserFactory(Factory[User]):
    """No ``_default_schema``: every call names its schema."""

    _model = User
    _model_builder = recorder

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "first_name": "John",
            "last_name": "Doe",
            "email": sequence("user{n}@example.com"),
            "username": lazy(lambda a: f"{a['first_name']}.{a['last_name']}".lower()),
        }

    @schema()
    def admin(self) -> dict[str, Any]:
        base = self.schema("basic")
        base["type"] = "admin"
        return base

    @schema()
    def with_profile(self) -> dict[str, Any]:
        base = self.schema("basic")
        base["profile"] = association(ProfileFactory, "basic")
        return base

    @schema()
    def with_posts(self) -> dict[str, Any]:
        base = self.schema("basic")
        base["posts"] = many(PostFactory, "basic", count=2)
        return base

    @trait()
    def verified(self) -> dict[str, Any]:
        return {"verified_at": datetime.datetime(2024, 5, 1, 12, 0)}

    @trait()
    def inactive(self) -> dict[str, Any]:
        return {"active": False}
