"""More mapped models for the SQLAlchemy builder tests, each with a shape the blog lacks.

* ``Team``/``Member``: one-to-many declared with ``backref="team"`` (a string).
* ``Band``/``Gig``: one-to-many declared with ``backref=backref("band", ...)``.
* ``Person``/``Profile``: a one-to-one (``uselist=False``) reverse relationship with
  ``back_populates``; ``Person``/``Passport``: one-to-one with no reverse relationship,
  so only the foreign key points back.
* ``Animal``/``Dog``: joined-table inheritance; ``Doc``: a ``version_id_col``, a
  many-to-one ``owner`` and a many-to-many ``labels``. Neither can take the fast Core
  INSERT path, so their rows go through the ORM's bulk INSERT.
* ``Box``/``Item``: a write-only one-to-many collection (``WriteOnlyMapped``).
* ``Sheet``: a JSON column, which may hold the id of another row.
* ``Member.scratch``: a plain class attribute, not a column.
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

from pyfactory import Factory, after, association, many, schema, sequence
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder


class Base(DeclarativeBase):
    pass


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


def factories(builder_class: type[Any], **options: Any) -> dict[str, type[Factory[Any]]]:
    """These models' factories over one builder class (sync or async), by model name."""
    builder = builder_class(**options)

    class TeamFactory(Factory[Team]):
        _model = Team
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("team {n}"), "members": many(MemberFactory, count=2)}

    class MemberFactory(Factory[Member]):
        _model = Member
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("member {n}")}

    class BandFactory(Factory[Band]):
        _model = Band
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("band {n}"), "gigs": many(GigFactory, count=2)}

        @schema()
        def plain(self) -> dict[str, Any]:
            # No special field at all: the row is the schema itself.
            return {"name": "house band"}

    class GigFactory(Factory[Gig]):
        _model = Gig
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"city": sequence("city {n}")}

        @schema()
        def house(self) -> dict[str, Any]:
            return {"city": sequence("town {n}"), "band": association(BandFactory, "plain")}

        @schema()
        def touring(self) -> dict[str, Any]:
            return {"city": "Oslo", "band": association(BandFactory)}

    class PersonFactory(Factory[Person]):
        _model = Person
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "name": sequence("person {n}"),
                "profile": association(ProfileFactory),
                "passport": association(PassportFactory),
            }

    class ProfileFactory(Factory[Profile]):
        _model = Profile
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"bio": sequence("bio {n}")}

    class PassportFactory(Factory[Passport]):
        _model = Passport
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"number": sequence("P{n:05d}")}

    class DogFactory(Factory[Dog]):
        _model = Dog
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("dog {n}")}

    class OwnerFactory(Factory[Owner]):
        _model = Owner
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("owner {n}")}

    class LabelFactory(Factory[Label]):
        _model = Label
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("label {n}")}

    class DocFactory(Factory[Doc]):
        _model = Doc
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {
                "title": sequence("doc {n}"),
                "owner": association(OwnerFactory),
                "labels": many(LabelFactory, count=2),
            }

        @after("create")
        def note(self, doc: Doc, attrs: Any) -> None:
            self.context.get("seen", []).append((doc.id, doc.version))

    class BoxFactory(Factory[Box]):
        _model = Box
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"label": sequence("box {n}"), "items": many(ItemFactory, count=2)}

    class ItemFactory(Factory[Item]):
        _model = Item
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"name": sequence("item {n}")}

    class SheetFactory(Factory[Sheet]):
        _model = Sheet
        _model_builder = builder
        _default_schema = "basic"

        @schema()
        def basic(self) -> dict[str, Any]:
            return {"meta": {"owner_id": association(OwnerFactory, attr="id"), "v": 1}}

    return {
        "Team": TeamFactory,
        "Member": MemberFactory,
        "Band": BandFactory,
        "Gig": GigFactory,
        "Person": PersonFactory,
        "Profile": ProfileFactory,
        "Passport": PassportFactory,
        "Dog": DogFactory,
        "Owner": OwnerFactory,
        "Label": LabelFactory,
        "Doc": DocFactory,
        "Box": BoxFactory,
        "Item": ItemFactory,
        "Sheet": SheetFactory,
    }


SYNC = factories(SQLAlchemyBuilder)
ASYNC = factories(AsyncSQLAlchemyBuilder)
