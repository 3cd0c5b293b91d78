# fmt: off
# ruff: noqa: E501
# Each expectation sits on the line it concerns, so this file is never reformatted.
"""``key__field`` overrides, checked step by step: each head against the factory whose
schema makes it, the next step against the child factory that its association() or
many() names, down to the last, against the child's model and schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyfactory import Factory, association, many, schema, trait


@dataclass
class Author:
    username: str
    email: str = ""


@dataclass
class Post:
    title: str
    author: Author
    editor: Author | None = None
    readers: list[Author] = field(default_factory=list)


@dataclass
class Comment:
    text: str
    post: Post


class AuthorFactory(Factory[Author]):
    _model = Author
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"username": "ann"}

    @schema()
    def staff(self) -> dict[str, Any]:
        return {"username": "staff", "desk": 1}

    @trait()
    def badged(self) -> dict[str, Any]:
        return {"badge": "gold"}


class PostFactory(Factory[Post]):
    _model = Post
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "title": "Hi",
            "author": association(AuthorFactory),
            "readers": many(AuthorFactory, "staff", count=2),
        }

    @schema()
    def featured(self) -> dict[str, Any]:
        base = self.schema("basic")
        base["title"] = "Featured"
        return base

    @schema()
    def badged_author(self) -> dict[str, Any]:
        return {"title": "Hi", "author": association(AuthorFactory, "basic", "badged", email="b@example.com")}

    @trait()
    def edited(self) -> dict[str, Any]:
        return {"editor": association(AuthorFactory)}


class CommentFactory(Factory[Comment]):
    _model = Comment
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"text": "Nice", "post": association(PostFactory)}


posts = PostFactory()
posts.create(author__username="x", author__email="x@example.com")
posts.create(author__usernme="x")  # E: AuthorFactory has no field "usernme" (in "author__usernme" of PostFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]
posts.build("featured", author__usernme="x")  # E: AuthorFactory has no field "usernme" (in "author__usernme" of PostFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]

# A key of the child's schema, or of a trait that the call or
# the association chooses, is a key too; a trait flag of the child is one.
posts.build(readers__desk=2)
posts.build(author__desk=2)  # E: AuthorFactory has no field "desk" (in "author__desk" of PostFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]
posts.build(author__badged=True, author__badge="silver")
posts.build(author__badge="silver")  # E: AuthorFactory has no field "badge" (in "author__badge" of PostFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]
posts.build("badged_author", author__badge="silver")

# many(): each child gets the override.
posts.build(readers__username="r")
posts.build(readers__usrname="r")  # E: AuthorFactory has no field "usrname" (in "readers__usrname" of PostFactory) in schema "staff"; its fields are: "desk", "email", "username"; its traits are: "badged"  [pyfactory-override]

# An association that a chosen trait adds.
posts.build("basic", "edited", editor__username="e")
posts.build("basic", "edited", editor__usrname="e")  # E: AuthorFactory has no field "usrname" (in "editor__usrname" of PostFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]
posts.build("basic", edited=True, editor__usrname="e")  # E: AuthorFactory has no field "usrname" (in "editor__usrname" of PostFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]

# Two steps down: every step is checked, and the message names the call's own override.
comments = CommentFactory()
comments.build(post__author__username="x", post__title="T")
comments.build(post__author__usernme="x")  # E: AuthorFactory has no field "usernme" (in "post__author__usernme" of CommentFactory) in schema "basic"; its fields are: "email", "username"; its traits are: "badged"  [pyfactory-override]
comments.build(post__autor__username="x")  # E: PostFactory has no field "autor" (in "post__autor__username" of CommentFactory) in schema "basic"; its fields are: "author", "editor", "readers", "title"; its traits are: "edited"  [pyfactory-override]
comments.build(post__titel="T")  # E: PostFactory has no field "titel" (in "post__titel" of CommentFactory) in schema "basic"; its fields are: "author", "editor", "readers", "title"; its traits are: "edited"  [pyfactory-override]
comments.build(pst__title="T")  # E: CommentFactory has no field "pst" (in "pst__title") in schema "basic"; its fields are: "post", "text"  [pyfactory-override]

# A child factory not named by its class, or a schema not known statically, is not
# known: anything goes down to it.
def pick() -> type[AuthorFactory]:
    return AuthorFactory


class LooseFactory(Factory[Post]):
    _model = Post
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"title": "Hi", "author": association(pick())}


LooseFactory().build(author__anything=1)
chosen: str = "staff"
posts.build(chosen, author__anything=1)


# An association whose schema or traits are not known statically, or which is itself
# wrong (its own check says so), or whose child is abstract: nothing goes down to it.
SCHEMA_NAME: str = "staff"
TRAITS: list[str] = []


class BaseAuthorFactory(Factory[Author]):
    _abstract = True


class VariedFactory(Factory[Post]):
    _model = Post
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "title": "Hi",
            "author": association(AuthorFactory, SCHEMA_NAME),
            "editor": association(AuthorFactory, *TRAITS),
            "readers": many(BaseAuthorFactory),
        }

    @schema()
    def explicit(self) -> dict[str, Any]:
        return {
            "title": "Hi",
            "author": association(AuthorFactory(), None, "badged"),
            "editor": association(AuthorFactory, "basic", SCHEMA_NAME),
            "readers": many(AuthorFactory, "nope"),  # E: AuthorFactory has no schema "nope"; its schemas are: "basic", "staff"  [pyfactory-schema]
        }


varied = VariedFactory()
varied.build(author__anything=1, editor__anything=1, readers__anything=1)
varied.build("explicit", editor__anything=1, readers__anything=1, author__badge="b")
varied.build("explicit", author__bdge="b")  # E: AuthorFactory has no field "bdge" (in "author__bdge" of VariedFactory) in schema "basic"; its fields are: "badge", "email", "username"; its traits are: "badged"  [pyfactory-override]
