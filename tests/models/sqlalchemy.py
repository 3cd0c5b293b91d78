"""The SQLAlchemy models shared by the test suite, on one declarative ``Base``.

Test modules that map tables of their own (a special mapping such as a cycle or
``MappedAsDataclass``, or a model whose name matters to what the test asserts) may
keep them, but the tables of the builder tests live here, once:

* **The blog.** Authors write posts; a post has comments (one-to-many, with
  ``back_populates``), tags (many-to-many through ``post_tags``) and notes (one-to-many
  with no reverse relationship, so only the foreign key points back).
* **Shapes the blog lacks.**

  * ``Team``/``Member``: one-to-many declared with ``backref="team"`` (a string).
  * ``Band``/``Gig``: one-to-many declared with ``backref=backref("band", ...)``.
  * ``Person``/``Profile``: a one-to-one (``uselist=False``) reverse relationship with
    ``back_populates``; ``Person``/``Passport``: one-to-one with no reverse
    relationship, so only the foreign key points back.
  * ``Animal``/``Dog``: joined-table inheritance; ``Doc``: a ``version_id_col``, a
    many-to-one ``owner`` and a many-to-many ``labels``. Neither can take the fast Core
    INSERT path, so their rows go through the ORM's bulk INSERT.
  * ``Box``/``Item``: a write-only one-to-many collection (``WriteOnlyMapped``).
  * ``Sheet``: a JSON column, which may hold the id of another row.
  * ``Member.scratch``: a plain class attribute, not a column.

The factories of these models are in ``tests/db/blog.py`` and ``tests/db/more_models.py``
(one set per builder). The database fixtures of ``tests/plugins/databases.py`` (``engine``,
``session``, ``async_session``, ...) create these tables (:data:`TABLES`) unless a module
names others through its ``db_metadata`` or ``db_tables`` fixture. A module may map a
special table of its own on this ``Base`` (a cycle, a long chain): mapped class names
must stay unique in its registry, where relationships find their targets by name.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    WriteOnlyMapped,
    backref,
    mapped_column,
    relationship,
)


class Base(DeclarativeBase):
    """The declarative base of the suite's shared tables."""


# --- The blog ---------------------------------------------------------------------------


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("post.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(120), unique=True)
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(back_populates="post")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)
    notes: Mapped[list[Note]] = relationship()


class Comment(Base):
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(200))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    post: Mapped[Post] = relationship(back_populates="comments")


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))


# --- Shapes the blog lacks ----------------------------------------------------------------


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    members: Mapped[list[Member]] = relationship(backref="team")


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    #: Not a column: a value the ORM constructor accepts but no INSERT can write.
    scratch = None


class Band(Base):
    __tablename__ = "band"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    gigs: Mapped[list[Gig]] = relationship(backref=backref("band", lazy="joined"))


class Gig(Base):
    __tablename__ = "gig"
    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(80))
    band_id: Mapped[int] = mapped_column(ForeignKey("band.id"))


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    profile: Mapped[Profile | None] = relationship(back_populates="person", uselist=False)
    passport: Mapped[Passport | None] = relationship(uselist=False)


class Profile(Base):
    __tablename__ = "profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    bio: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    person: Mapped[Person] = relationship(back_populates="profile")


class Passport(Base):
    __tablename__ = "passport"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)


class Animal(Base):
    __tablename__ = "animal"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80))
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "animal",
    }


class Dog(Animal):
    __tablename__ = "dog"
    id: Mapped[int] = mapped_column(ForeignKey("animal.id"), primary_key=True)
    good: Mapped[bool] = mapped_column(default=True)
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "dog"}


class Owner(Base):
    __tablename__ = "owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Label(Base):
    __tablename__ = "label"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


doc_labels = Table(
    "doc_labels",
    Base.metadata,
    Column("doc_id", ForeignKey("doc.id"), primary_key=True),
    Column("label_id", ForeignKey("label.id"), primary_key=True),
)


class Doc(Base):
    __tablename__ = "doc"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column()
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    owner: Mapped[Owner] = relationship()
    labels: Mapped[list[Label]] = relationship(secondary=doc_labels)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Box(Base):
    __tablename__ = "box"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    items: WriteOnlyMapped[Item] = relationship()


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    box_id: Mapped[int] = mapped_column(ForeignKey("box.id"))


class Sheet(Base):
    __tablename__ = "sheet"
    id: Mapped[int] = mapped_column(primary_key=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)


#: The tables above: what the database fixtures create on this ``Base`` by default.
#: Modules may map tables of their own on it (naming them in a ``db_tables`` fixture).
TABLES = tuple(Base.metadata.sorted_tables)
