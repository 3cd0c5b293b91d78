"""pyfactory in five minutes: a small blog, stored in SQLite.

Run it from the repository's root:

    python examples/quickstart.py

It writes ``quickstart.sqlite3`` in the current directory (recreated on every
run), fills it with authors, posts and comments made by factories, and prints
what it wrote. Read it top to bottom: models, a builder, factories, then use.
"""

import dataclasses
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pyfactory import (
    Context,
    Factory,
    association,
    fake,
    lazy,
    many,
    schema,
    sequence,
    trait,
)
from pyfactory.builders import ModelBuilder

DATABASE = Path("quickstart.sqlite3")

# --- 1. The models: plain dataclasses, each naming its table. ---------------


@dataclasses.dataclass
class Author:
    __table__: ClassVar[str] = "authors"

    name: str
    email: str
    bio: str = ""
    id: int | None = None


@dataclasses.dataclass
class Comment:
    __table__: ClassVar[str] = "comments"

    commenter: str
    body: str
    post_id: int | None = None
    id: int | None = None


@dataclasses.dataclass
class Post:
    __table__: ClassVar[str] = "posts"

    title: str
    slug: str
    body: str
    author: Author
    comments: list[Comment] = dataclasses.field(default_factory=list)
    published_on: date | None = None
    id: int | None = None


TABLES = """
CREATE TABLE authors (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, bio TEXT
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    body TEXT NOT NULL,
    published_on TEXT,
    author_id INTEGER NOT NULL REFERENCES authors (id)
);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    commenter TEXT NOT NULL,
    body TEXT NOT NULL,
    post_id INTEGER REFERENCES posts (id)
);
"""

# --- 2. The builder: how a finished object becomes a row. -------------------


class SQLiteBuilder(ModelBuilder[Any]):
    """Inserts each object into its model's table and sets its ``id``.

    pyfactory hands it plain values: special fields are already resolved, and
    associated objects (a post's author, its comments) are already created.
    """

    def create(self, model: type[Any], attributes: dict[str, Any], context: Context) -> Any:
        connection = context.require("connection")
        row, children = {}, []
        for name, value in attributes.items():
            if isinstance(value, list):
                children.extend(value)  # one-to-many: linked below, once we have an id
            elif dataclasses.is_dataclass(value):
                row[f"{name}_id"] = value.id  # an association becomes a foreign key
            else:
                row[name] = value
        columns, marks = ", ".join(row), ", ".join("?" for _ in row)
        cursor = connection.execute(
            f"INSERT INTO {model.__table__} ({columns}) VALUES ({marks})",
            list(row.values()),
        )
        obj = model(**attributes)
        obj.id = cursor.lastrowid
        # Children are made before their parent, so point them at it now.
        foreign_key = f"{model.__name__.lower()}_id"
        for child in children:
            connection.execute(
                f"UPDATE {child.__table__} SET {foreign_key} = ? WHERE id = ?",
                (obj.id, child.id),
            )
            setattr(child, foreign_key, obj.id)
        return obj


# --- 3. The factories: a schema is a method that returns a dict. ------------


class AuthorFactory(Factory[Author]):
    _model = Author
    _model_builder = SQLiteBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "name": fake("name"),  # a new fake name for every author
            "email": sequence("author{n}@blog.example"),  # author1@..., author2@...
        }

    @schema()
    def editor(self) -> dict[str, Any]:
        base = self.schema("basic")  # schema inheritance: start from "basic"
        base["bio"] = "Edits this blog."
        return base


class CommentFactory(Factory[Comment]):
    _model = Comment
    _model_builder = SQLiteBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {"commenter": fake("user_name"), "body": fake("sentence")}


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class PostFactory(Factory[Post]):
    _model = Post
    _model_builder = SQLiteBuilder()
    _default_schema = "basic"

    @schema()
    def basic(self) -> dict[str, Any]:
        return {
            "title": fake("sentence", nb_words=4),
            "slug": lazy(lambda post: slugify(post["title"])),  # computed from the title
            "body": fake("paragraph"),
            "author": association(AuthorFactory, "basic"),  # a new author per post
            "comments": many(CommentFactory, "basic", count=(0, 3)),  # 0 to 3 comments
        }

    @trait()
    def published(self) -> dict[str, Any]:
        return {"published_on": fake("date_this_year")}


# --- 4. Using them. ----------------------------------------------------------


def main() -> None:
    DATABASE.unlink(missing_ok=True)
    sqlite3.register_adapter(date, date.isoformat)  # store dates as ISO strings
    connection = sqlite3.connect(DATABASE)
    try:
        connection.executescript(TABLES)

        # The context (connection=...) reaches the builder, and every child
        # factory; the seed makes every fake value the same on each run.
        authors = AuthorFactory(connection=connection, seed=7)
        posts = PostFactory(connection=connection, seed=7)

        # One author we know by name, with three published posts.
        ada = authors.create("editor", name="Ada Lovelace")
        posts.create_batch("basic", 3, "published", author=ada)

        # Four drafts, each by a new author that the association creates.
        posts.create_batch(4)

        # One more: overrides replace values, and author__name reaches into
        # the author that the association makes for this post.
        post = posts.create(title="Hello, factories!", author__name="Grace Hopper")
        print(f"created post {post.id}: {post.title!r} at /{post.slug}")
        print(f"  by {post.author.name} <{post.author.email}> (author {post.author.id})")
        print(f"  with {len(post.comments)} comments, ids {[c.id for c in post.comments]}")

        # build() makes the same objects but writes nothing.
        draft = posts.build(published=True)
        print(f"built, not stored: {draft.title!r} (id {draft.id})")
        connection.commit()

        print(f"\n{DATABASE} now holds:")
        for table in ("authors", "posts", "comments"):
            (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
            print(f"  {table:<9} {count}")

        print("\nposts:")
        query = """
            SELECT posts.id, posts.title, authors.name, posts.published_on,
                   (SELECT count(*) FROM comments WHERE comments.post_id = posts.id)
            FROM posts JOIN authors ON authors.id = posts.author_id
            ORDER BY posts.id
        """
        for post_id, title, author, published_on, comments in connection.execute(query):
            state = f"published {published_on}" if published_on else "draft"
            print(f"  {post_id}. {title:<42} {author:<20} {state:<20} comments: {comments}")
    finally:
        connection.close()


if __name__ == "__main__":
    main()
