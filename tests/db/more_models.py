"""The factories of the models with shapes the blog lacks, for the SQLAlchemy builder
tests.

The models (``Team``/``Member``, ``Band``/``Gig``, ``Person``/``Profile``/``Passport``,
``Animal``/``Dog``, ``Doc``, ``Box``/``Item``, ``Sheet``; what each shows is said there)
are in ``tests/models/sqlalchemy.py``, shared by the suite; this module names them
too.
"""

from __future__ import annotations

from typing import Any

from pyfactory import Factory, after, association, many, schema, sequence
from pyfactory.builders.sqlalchemy import AsyncSQLAlchemyBuilder, SQLAlchemyBuilder
from tests.models.sqlalchemy import (
    Animal,
    Band,
    Base,
    Box,
    Doc,
    Dog,
    Gig,
    Item,
    Label,
    Member,
    Owner,
    Passport,
    Person,
    Profile,
    Sheet,
    Team,
    doc_labels,
)

__all__ = [
    "ASYNC",
    "SYNC",
    "Animal",
    "Band",
    "Base",
    "Box",
    "Doc",
    "Dog",
    "Gig",
    "Item",
    "Label",
    "Member",
    "Owner",
    "Passport",
    "Person",
    "Profile",
    "Sheet",
    "Team",
    "doc_labels",
    "factories",
]


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
